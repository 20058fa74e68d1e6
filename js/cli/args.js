// Option parsing of parawasm's command line, as GNU getopt_long does it:
// long options (--name=value, --name value, unique prefixes), bundled short
// options, options after operands, and "--" ending the options. A wrong
// option is a UsageError, which the commands report with exit status 2.
//
// Operands are file names, and a file name is bytes that need not be UTF-8.
// Node decodes the process's arguments as UTF-8 into process.argv, each
// sequence that is not UTF-8 replaced by U+FFFD: such a name can no longer
// be opened from there. On Linux /proc/self/cmdline still holds the bytes
// (rawArgs()); elsewhere a name that is not UTF-8 cannot be given on the
// command line, and -r (directories read as bytes) and -c (lists read as
// bytes) are the way to such files.

import fs from 'node:fs';

/** A bad option or option value: reported with a hint at --help, exit status 2. */
export class UsageError extends Error {}

/**
 * Parses GNU-style options. `specs` lists the options: { long, short?,
 * arg?, overrides? } (arg: the option takes a value; overrides: the long
 * names of options that it cancels when it comes after them). `raw` holds
 * what to return for each operand (by default the argument itself; the
 * bytes of rawArgs()). Returns { opts, operands }: opts maps each long name
 * given to its value (true for an option without one).
 */
export function parseArgs(args, specs, raw = args) {
  const opts = new Map();
  const set = (spec, value) => {
    for (const other of spec.overrides ?? []) opts.delete(other);
    opts.set(spec.long, value);
  };
  const operands = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') {
      operands.push(...raw.slice(i + 1));
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
      set(spec, value);
    } else if (a.length > 1 && a[0] === '-') {
      for (let j = 1; j < a.length; j++) {
        const spec = specs.find((s) => s.short === a[j]);
        if (!spec) throw new UsageError(`invalid option -- '${a[j]}'`);
        if (spec.arg) {
          const value = j + 1 < a.length ? a.slice(j + 1) : args[++i];
          if (value === undefined) throw new UsageError(`option requires an argument -- '${a[j]}'`);
          set(spec, value);
          break;
        }
        set(spec, true);
      }
    } else {
      operands.push(raw[i]);
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

/**
 * The bytes of `args`, the arguments of this process after the script
 * (process.argv.slice(2)), as Buffers. Each is taken from the process's
 * command line as the kernel holds it (`cmdline()`: /proc/self/cmdline,
 * NUL-terminated arguments, the script's arguments last) when every one of
 * them decodes to its string in `args`, which shows that they line up;
 * otherwise (no /proc, or a changed process title) each is its string's
 * UTF-8, which loses the bytes of a name that is not UTF-8.
 */
export function rawArgs(args = process.argv.slice(2), cmdline = () => fs.readFileSync('/proc/self/cmdline')) {
  const utf8 = args.map((a) => Buffer.from(a));
  let all;
  try {
    all = cmdline();
  } catch {
    return utf8;
  }
  const entries = [];
  for (let start = 0, end; (end = all.indexOf(0, start)) >= 0; start = end + 1) entries.push(all.subarray(start, end));
  if (entries.length < args.length) return utf8;
  const raw = entries.slice(entries.length - args.length);
  return raw.every((b, i) => b.toString('utf8') === args[i]) ? raw : utf8;
}
