// Option parsing of parawasm's command line, as GNU getopt_long does it:
// long options (--name=value, --name value, unique prefixes), bundled short
// options, options after operands, and "--" ending the options. A wrong
// option is a UsageError, which the commands report with exit status 2.

/** A bad option or option value: reported with a hint at --help, exit status 2. */
export class UsageError extends Error {}

/**
 * Parses GNU-style options. `specs` lists the options: { long, short?,
 * arg? } (arg: the option takes a value). Returns { opts, operands }: opts
 * maps each long name given to its value (true for an option without one).
 */
export function parseArgs(args, specs) {
  const opts = new Map();
  const operands = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') {
      operands.push(...args.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      let spec = specs.find((s) => s.long === name);
      if (!spec) {
        const candidates = specs.filter((s) => s.long.startsWith(name));
        if (candidates.length > 1) {
          throw new UsageError(`option '--${name}' is ambiguous; possibilities: ${candidates.map((s) => `'--${s.long}'`).join(' ')}`);
        }
        if (candidates.length === 0) throw new UsageError(`unrecognized option '${a}'`);
        spec = candidates[0];
      }
      let value = true;
      if (spec.arg) {
        value = eq >= 0 ? a.slice(eq + 1) : args[++i];
        if (value === undefined) throw new UsageError(`option '--${spec.long}' requires an argument`);
      } else if (eq >= 0) {
        throw new UsageError(`option '--${spec.long}' doesn't allow an argument`);
      }
      opts.set(spec.long, value);
    } else if (a.length > 1 && a[0] === '-') {
      for (let j = 1; j < a.length; j++) {
        const spec = specs.find((s) => s.short === a[j]);
        if (!spec) throw new UsageError(`invalid option -- '${a[j]}'`);
        if (spec.arg) {
          const value = j + 1 < a.length ? a.slice(j + 1) : args[++i];
          if (value === undefined) throw new UsageError(`option requires an argument -- '${a[j]}'`);
          opts.set(spec.long, value);
          break;
        }
        opts.set(spec.long, true);
      }
    } else {
      operands.push(a);
    }
  }
  return { opts, operands };
}

/** `text` as an integer from min to max; else a UsageError naming `what`. */
export function parseCount(text, what, min, max) {
  if (!/^[0-9]+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new UsageError(`invalid ${what} '${text}' (an integer from ${min} to ${max})`);
  }
  return Number(text);
}
