// `parawasm sum`: its options and help, and the hashing of files (-r walks
// directories); `--check` is check.js. Output is that of sha256sum and b3sum.

import fs from 'node:fs';
import { createPool } from '../../index.js';
import { ALGORITHMS, DEFAULT_ALGORITHM, MAX_LENGTH, NAMES, SEEDED, SEED_MAX, hashSpec, seedTooBig } from './algorithms.js';
import { UsageError, parseArgs, parseCount } from './args.js';
import { checkFiles } from './check.js';
import { Hasher, Ordered, Output, bytes, errorText, escapeName, isStdin, needsEscape } from './io.js';
import { Progress } from './progress.js';

const PROG = 'parawasm sum';
const MAX_THREADS = 256;

// As in GNU sha256sum, -b and -t override each other, and so do --quiet,
// --status and -w: the last one given wins. --tag implies -b there, so a
// -t before --tag is overridden, and one after it is refused (sumOptions()).
const SUM_OPTIONS = [
  { long: 'algorithm', short: 'a', arg: 'NAME' },
  { long: 'length', short: 'l', arg: 'N' },
  { long: 'seed', arg: 'N' },
  { long: 'binary', short: 'b', overrides: ['text'] },
  { long: 'text', short: 't', overrides: ['binary'] },
  { long: 'tag', overrides: ['text'] },
  { long: 'recursive', short: 'r' },
  { long: 'threads', short: 'j', arg: 'N' },
  { long: 'check', short: 'c' },
  { long: 'ignore-missing' },
  { long: 'quiet', overrides: ['status', 'warn'] },
  { long: 'status', overrides: ['quiet', 'warn'] },
  { long: 'strict' },
  { long: 'warn', short: 'w', overrides: ['quiet', 'status'] },
  { long: 'help', short: 'h' },
  { long: 'version' },
];

const SUM_HELP = `Usage: parawasm sum [OPTION]... [FILE]...
Print or check checksums of FILEs, hashed by parawasm on a pool of threads.
With no FILE, or when FILE is -, read standard input.

  -a, --algorithm NAME  the hash (default ${DEFAULT_ALGORITHM}), one of:
                          ${NAMES.slice(0, 7).join(', ')},
                          ${NAMES.slice(7).join(', ')}
  -l, --length N        blake3 output length in bytes (default 32; 1 to ${MAX_LENGTH})
      --seed N          seed of xxh32, xxh64, xxh3, xxh128 (decimal or 0x hex; default 0)
  -b, --binary          mark each name with '*' (files are always read as bytes)
  -t, --text            mark each name with ' ' (the default)
      --tag             write BSD-style lines: ALGO (FILE) = HEX
  -r, --recursive       hash every regular file under DIRECTORY operands,
                          in sorted order of their paths
  -j, --threads N       threads of the pool (default: one per CPU; 1 to ${MAX_THREADS})
  -c, --check           read checksum lists from the FILEs and check them
  -h, --help            print this help and exit
      --version         print the version and exit

Only when checking (-c):
      --ignore-missing  do not fail or report status for missing files
      --quiet           do not print OK for each file that matches
      --status          print nothing; the exit status tells the result
      --strict          fail on improperly formatted checksum lines
  -w, --warn            warn about each improperly formatted checksum line
Of -b and -t, and of --quiet, --status and -w, the last one given applies.

Lines are written as "HEX  FILE", as sha256sum and b3sum write them; a
name holding a newline, carriage return or backslash is escaped (\\n, \\r,
\\\\) and its line starts with a backslash.

A checksum list holds such lines ("HEX *FILE" too), or BSD-style tagged
lines "ALGO (FILE) = HEX" (or "ALGO(FILE)= HEX", as openssl dgst writes
them), whose tag names the algorithm. For other lines the
algorithm is -a; without -a it follows from the length of the hex: 40 digits
sha1, 56 sha224, 64 blake3 (a list of sha256 checksums needs -a sha256),
other even lengths blake3 of that output length; 8, 16 and 32 digits are
ambiguous (crc32 or xxh32, xxh64 or xxh3, md5 or xxh128...) and need -a.

Inputs over 64 MiB show a progress bar on standard error when it is a
terminal; PARAWASM_PROGRESS=1 shows it anywhere, PARAWASM_PROGRESS=0 never.

Exit status: 0 if every file was read (and, with -c, matched), 1 if a file
could not be read or a checksum did not match, 2 for a usage error.
`;

/**
 * The checked options of `parawasm sum ...args`; `raw` holds the bytes of
 * each argument (file names need not be UTF-8), o.files the operands' bytes.
 */
function sumOptions(args, raw) {
  const { opts, operands } = parseArgs(args, SUM_OPTIONS, raw);
  const o = {
    help: opts.has('help'),
    version: opts.has('version'),
    check: opts.has('check'),
    recursive: opts.has('recursive'),
    tag: opts.has('tag'),
    binary: opts.has('binary'),
    quiet: opts.has('quiet'),
    status: opts.has('status'),
    strict: opts.has('strict'),
    warn: opts.has('warn'),
    ignoreMissing: opts.has('ignore-missing'),
    algorithm: undefined, // as given with -a
    length: undefined,
    seed: undefined, // bigint
    seedText: undefined, // as given, for messages
    threads: undefined,
    files: operands.length ? operands : [Buffer.from('-')],
  };
  if (o.help || o.version) return o;
  if (opts.has('algorithm')) {
    const name = opts.get('algorithm').toLowerCase();
    if (!ALGORITHMS[name]) throw new UsageError(`unknown algorithm '${opts.get('algorithm')}' (known: ${NAMES.join(', ')})`);
    o.algorithm = name;
  }
  const algorithm = o.algorithm ?? DEFAULT_ALGORITHM;
  if (opts.has('threads')) o.threads = parseCount(opts.get('threads'), 'number of threads', 1, MAX_THREADS);
  if (opts.has('length')) {
    if (o.check) throw new UsageError('--length cannot be used with --check (the length of each checksum is used)');
    if (algorithm !== 'blake3') throw new UsageError(`--length applies to blake3 only (not ${algorithm})`);
    o.length = parseCount(opts.get('length'), 'length', 1, MAX_LENGTH);
  }
  if (opts.has('seed')) {
    const text = opts.get('seed');
    if (!/^(0[xX][0-9a-fA-F]+|[0-9]+)$/.test(text)) throw new UsageError(`invalid seed '${text}' (a decimal or 0x hex integer)`);
    const seed = BigInt(text);
    // with --check and no -a, the seed applies to the lines of xxh* algorithms
    if ((!o.check || o.algorithm) && !SEEDED.includes(algorithm)) {
      throw new UsageError(`--seed applies to ${SEEDED.join(', ')} only (not ${algorithm})`);
    }
    // -c without -a: at most 64 bits here; check.js refuses a seed too big
    // for the algorithm of a line (xxh32) at the first line of it
    const seeded = SEEDED.includes(algorithm) ? algorithm : undefined;
    if (seed > SEED_MAX[seeded ?? 'xxh64']) throw new UsageError(seedTooBig(text, seeded));
    o.seed = seed;
    o.seedText = text;
  }
  // first, as sha256sum checks it: --tag writes binary-mode lines only
  if (opts.has('tag') && opts.has('text')) throw new UsageError('--tag does not support --text mode');
  if (o.check) {
    for (const opt of ['tag', 'recursive']) {
      if (opts.has(opt)) throw new UsageError(`the --${opt} option is meaningless when verifying checksums`);
    }
    if (opts.has('binary') || opts.has('text')) {
      throw new UsageError('the --binary and --text options are meaningless when verifying checksums');
    }
  } else {
    // in the order sha256sum checks them
    for (const opt of ['ignore-missing', 'status', 'warn', 'quiet', 'strict']) {
      if (opts.has(opt)) throw new UsageError(`the --${opt} option is meaningful only when verifying checksums`);
    }
  }
  return o;
}

// ---------------------------------------------------------------- hashing

const byteCompare = (a, b) => Buffer.compare(a.path, b.path);
const SLASH = Buffer.from('/');

/**
 * The regular files under dir (symbolic links to files too), or errors, in
 * sorted path order: [{ path, error? }]. Names are read as bytes, so that
 * a name that is not UTF-8 is opened and printed as it is.
 */
async function walk(dir) {
  const found = [];
  const visit = async (d) => {
    let entries;
    try {
      entries = await fs.promises.readdir(d, { withFileTypes: true, encoding: 'buffer' });
    } catch (e) {
      found.push({ path: d, error: e });
      return;
    }
    for (const ent of entries) {
      const p = d[d.length - 1] === SLASH[0] ? bytes(d, ent.name) : bytes(d, SLASH, ent.name);
      if (ent.isDirectory()) {
        await visit(p);
      } else if (ent.isFile()) {
        found.push({ path: p });
      } else if (ent.isSymbolicLink()) {
        // followed to a file; links to directories are not descended
        try {
          if ((await fs.promises.stat(p)).isFile()) found.push({ path: p });
        } catch (e) {
          found.push({ path: p, error: e });
        }
      }
    }
  };
  await visit(dir);
  return found.sort(byteCompare);
}

/** The inputs of the operands, as { path, error? } (path: bytes); -r expands directories. */
async function* inputs(o) {
  for (const f of o.files) {
    if (o.recursive && !isStdin(f)) {
      let st = null;
      try {
        st = await fs.promises.stat(f);
      } catch { /* reported when it is opened */ }
      if (st?.isDirectory()) {
        yield* await walk(f);
        continue;
      }
    }
    yield { path: f };
  }
}

/** The output line of file `name` (bytes) whose digest is `hex`, as parts (strings and bytes). */
function formatLine(o, spec, hex, name) {
  const escaped = needsEscape(name);
  const head = escaped ? '\\' : '';
  const n = escaped ? escapeName(name) : name;
  if (o.tag) return [`${head}${ALGORITHMS[spec.alg].tag} (`, n, `) = ${hex}\n`];
  return [`${head}${hex} ${o.binary ? '*' : ' '}`, n, '\n'];
}

/** Hashes and prints every input of o.files on `pool`; returns the exit status. */
async function sumFiles(o, pool, output, progress) {
  const algorithm = o.algorithm ?? DEFAULT_ALGORITHM;
  const spec = hashSpec(algorithm, o.length ?? ALGORITHMS[algorithm].bytes, o.seed);
  const hasher = new Hasher(pool, progress);
  let status = 0;
  const ordered = new Ordered((entry, hex, error) => {
    if (error) {
      output.error(escapeName(entry.path), `: ${errorText(error)}`);
      status = 1;
    } else {
      output.out(...formatLine(o, spec, hex, entry.path));
    }
  }, output);
  for await (const entry of inputs(o)) {
    if (entry.error) {
      ordered.push(entry, Promise.reject(entry.error));
      continue;
    }
    const r = await hasher.hash(entry.path, spec, entry.path);
    ordered.push(entry, r.error ? Promise.reject(r.error) : r.result);
  }
  await hasher.finish();
  await ordered.end();
  return status;
}

/** The message of a usage error, with its hint at --help. */
function usageText(e) {
  return `${PROG}: ${e.message}\nTry '${PROG} --help' for more information.\n`;
}

/**
 * Runs `parawasm sum` with the arguments after "sum" (`raw`: their bytes);
 * `context.version()` is the text of --version. Resolves to the exit status.
 */
export async function sumCommand(args, raw, context) {
  let o;
  try {
    o = sumOptions(args, raw);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(usageText(e));
    return 2;
  }
  if (o.help || o.version) {
    const output = new Output(PROG);
    output.out(o.help ? SUM_HELP : context.version());
    return output.close(0);
  }
  const progress = Progress.fromEnvironment();
  const output = new Output(PROG, progress);
  const pool = await createPool(o.threads ? { threads: o.threads } : undefined);
  let status;
  try {
    status = await (o.check ? checkFiles : sumFiles)(o, pool, output, progress);
  } catch (e) {
    // found while checking: a --seed too big for the algorithm of a line
    if (!(e instanceof UsageError)) throw e;
    output.err(usageText(e));
    status = 2;
  } finally {
    output.flush();
    progress.clear();
    await pool.destroy();
  }
  return output.close(status);
}
