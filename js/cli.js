#!/usr/bin/env node
// parawasm's command line. `parawasm sum` prints or checks checksums of
// files in the format of sha256sum and b3sum, hashing on a pool of threads.
//
// Files are read straight into blocks of the pool's shared memory, where the
// kernels hash them in place: a big file in pieces through two buffers (one
// is read while the other is hashed), small files many at a time into one
// block hashed with a single hashMany() call. Memory stays the same whatever
// the sizes of the files.
import fs from 'node:fs';
import { createPool } from '../index.js';
import * as bundle from '../gen/kernels.js';
import { hashList } from './families/hash.js';

const HASHES = hashList(bundle);

const PROG = 'parawasm sum';
const PIECE = 4 << 20; // bytes of a big file read and hashed at a time
const SMALL = 1 << 20; // files smaller than this are hashed in batches
const BATCH_BYTES = 8 << 20; // one batch block (two of them alternate)
const BATCH_FILES = 4096; // inputs of one hashMany() at most
const BATCH_OUTPUT = 1 << 20; // digest bytes of one hashMany() at most
const PROGRESS_MIN = 64 << 20; // inputs larger than this show a progress bar
const MAX_LENGTH = 1 << 20; // longest blake3 output (--length) in bytes
const MAX_THREADS = 256;

// name -> digest bytes (blake3: default length) and the tag of --tag lines,
// from the algorithm list that the C header include/parawasm/hash.h holds
const ALGORITHMS = Object.fromEntries(HASHES.map((h) => [h.name, { bytes: h.bytes, tag: h.name.toUpperCase() }]));
const NAMES = Object.keys(ALGORITHMS);
const BY_TAG = new Map(NAMES.map((n) => [ALGORITHMS[n].tag, n]));
const SEEDED = ['xxh32', 'xxh64', 'xxh3', 'xxh128'];
const DEFAULT_ALGORITHM = 'blake3';

// --check without -a: the algorithm a checksum's hex length stands for.
// Lengths shared by several fixed-size algorithms need -a; 64 digits are
// blake3 (the default), never sha256; any other even length is blake3 with
// that output length.
const BY_HEX_LENGTH = { 40: 'sha1', 56: 'sha224', 64: 'blake3' };
const AMBIGUOUS = {};
for (const n of NAMES) {
  if (n === 'blake3') continue;
  const d = 2 * ALGORITHMS[n].bytes;
  if (!BY_HEX_LENGTH[d]) (AMBIGUOUS[d] ??= []).push(n);
}

const ERRNO_TEXT = {
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  EISDIR: 'Is a directory',
  ENOTDIR: 'Not a directory',
  ELOOP: 'Too many levels of symbolic links',
  ENAMETOOLONG: 'File name too long',
  EIO: 'Input/output error',
  EMFILE: 'Too many open files',
  ENFILE: 'Too many open files in system',
  ENXIO: 'No such device or address',
  ENODEV: 'No such device',
  EBADF: 'Bad file descriptor',
  EINVAL: 'Invalid argument',
};

const SUM_OPTIONS = [
  { long: 'algorithm', short: 'a', arg: 'NAME' },
  { long: 'length', short: 'l', arg: 'N' },
  { long: 'seed', arg: 'N' },
  { long: 'binary', short: 'b' },
  { long: 'text', short: 't' },
  { long: 'tag' },
  { long: 'recursive', short: 'r' },
  { long: 'threads', short: 'j', arg: 'N' },
  { long: 'check', short: 'c' },
  { long: 'ignore-missing' },
  { long: 'quiet' },
  { long: 'status' },
  { long: 'strict' },
  { long: 'warn', short: 'w' },
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

Lines are written as "HEX  FILE", as sha256sum and b3sum write them; a
name holding a newline, carriage return or backslash is escaped (\\n, \\r,
\\\\) and its line starts with a backslash.

A checksum list holds such lines ("HEX *FILE" too), or BSD-style tagged
lines "ALGO (FILE) = HEX", whose tag names the algorithm. For other lines the
algorithm is -a; without -a it follows from the length of the hex: 40 digits
sha1, 56 sha224, 64 blake3 (a list of sha256 checksums needs -a sha256),
other even lengths blake3 of that output length; 8, 16 and 32 digits are
ambiguous (crc32 or xxh32, xxh64 or xxh3, md5 or xxh128...) and need -a.

Inputs over 64 MiB show a progress bar on standard error when it is a
terminal; PARAWASM_PROGRESS=1 shows it anywhere, PARAWASM_PROGRESS=0 never.

Exit status: 0 if every file was read (and, with -c, matched), 1 if a file
could not be read or a checksum did not match, 2 for a usage error.
`;

const MAIN_HELP = `Usage: parawasm COMMAND [ARG]...
Command-line tools of parawasm.

Commands:
  sum       print or check checksums of files (parawasm sum --help)
  build     build your own annotated C kernels into an npm package (parawasm build --help)

Options:
  -h, --help     print this help and exit
      --version  print the version and exit
`;

class UsageError extends Error {}

// --------------------------------------------------------------- arguments

/**
 * Parses GNU-style options: long ones with --name=value or --name value
 * (unique prefixes accepted), bundled short ones, options after operands,
 * and "--" ending the options. Returns { opts: Map, operands }.
 */
function parseArgs(args, specs) {
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

function parseCount(text, what, min, max) {
  if (!/^[0-9]+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new UsageError(`invalid ${what} '${text}' (an integer from ${min} to ${max})`);
  }
  return Number(text);
}

/** The checked options of `parawasm sum`. */
function sumOptions(args) {
  const { opts, operands } = parseArgs(args, SUM_OPTIONS);
  const o = {
    help: opts.has('help'),
    version: opts.has('version'),
    check: opts.has('check'),
    recursive: opts.has('recursive'),
    tag: opts.has('tag'),
    binary: opts.get('binary') === true && !opts.has('text'),
    quiet: opts.has('quiet'),
    status: opts.has('status'),
    strict: opts.has('strict'),
    warn: opts.has('warn'),
    ignoreMissing: opts.has('ignore-missing'),
    algorithm: undefined, // as given with -a
    length: undefined,
    seed: undefined,
    threads: undefined,
    files: operands.length ? operands : ['-'],
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
    const max = algorithm === 'xxh32' ? 0xffffffffn : (1n << 64n) - 1n;
    if (seed > max) throw new UsageError(`invalid seed '${text}' (at most ${max})`);
    o.seed = seed;
  }
  if (o.check) {
    for (const [opt, name] of [['tag', 'tag'], ['recursive', 'recursive'], ['binary', 'binary'], ['text', 'text']]) {
      if (opts.has(opt)) throw new UsageError(`the --${name} option is meaningless when verifying checksums`);
    }
  } else {
    for (const opt of ['ignore-missing', 'quiet', 'status', 'strict', 'warn']) {
      if (opts.has(opt)) throw new UsageError(`the --${opt} option is meaningful only when verifying checksums`);
    }
  }
  return o;
}

/** The hash of `algorithm` as a hash spec: { alg, options, key }. */
const specs = new Map();
function hashSpec(algorithm, outBytes, seed) {
  const key = `${algorithm}/${outBytes}`;
  if (!specs.has(key)) {
    const options = {};
    if (algorithm === 'blake3' && outBytes !== ALGORITHMS.blake3.bytes) options.outputLength = outBytes;
    if (seed !== undefined && SEEDED.includes(algorithm)) options.seed = seed;
    specs.set(key, { alg: algorithm, options, key, outBytes });
  }
  return specs.get(key);
}

// ------------------------------------------------------------------ output

/** A name as coreutils escapes it: backslash, newline and carriage return. */
function escapeName(name) {
  return name.replace(/[\\\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\n' ? '\\n' : '\\r'));
}

/** Undoes escapeName(); null for a bad escape. */
function unescapeName(s) {
  let bad = false;
  const r = s.replace(/\\(.?)/gs, (_, c) => {
    if (c === '\\') return '\\';
    if (c === 'n') return '\n';
    if (c === 'r') return '\r';
    bad = true;
    return '';
  });
  return bad ? null : r;
}

/** A message about a file or list: plain text, on one line. */
function shown(name) {
  return /[\\\n\r]/.test(name) ? escapeName(name) : name;
}

function errorText(e) {
  return (e.code && ERRNO_TEXT[e.code]) || e.message;
}

function errnoError(code) {
  return Object.assign(new Error(ERRNO_TEXT[code]), { code });
}

/**
 * Standard output and error: stdout is gathered and written in one piece,
 * and written out before anything goes to stderr so that both keep their
 * order on a terminal; the progress bar is cleared first.
 */
class Output {
  constructor(progress) {
    this.progress = progress;
    this.pending = '';
    this.failed = false; // stdout is gone (a closed pipe)
    process.stdout.on('error', (e) => {
      this.failed = true;
      if (e.code === 'EPIPE') process.exit(1);
      throw e;
    });
  }

  out(text) {
    this.pending += text;
  }

  err(text) {
    this.flush();
    this.progress.clear();
    process.stderr.write(text);
  }

  error(message) {
    this.err(`${PROG}: ${message}\n`);
  }

  flush() {
    if (!this.pending) return;
    this.progress.clear();
    if (!this.failed) process.stdout.write(this.pending);
    this.pending = '';
  }
}

/** The progress bar of one input: bytes, percentage and speed on stderr. */
class Progress {
  constructor(enabled) {
    this.enabled = enabled;
    this.bar = null; // the bar on screen, if any
  }

  static fromEnvironment() {
    const v = process.env.PARAWASM_PROGRESS;
    if (v === '1') return new Progress(true);
    if (v === '0') return new Progress(false);
    return new Progress(Boolean(process.stderr.isTTY));
  }

  /** Starts the progress of an input of `total` bytes (null: unknown). */
  begin(name, total) {
    if (!this.enabled || (total !== null && total <= PROGRESS_MIN)) return null;
    return { name, total, start: performance.now(), drawn: 0, bytes: 0 };
  }

  update(p, bytes) {
    if (!p) return;
    p.bytes = bytes;
    if (p.total === null && bytes <= PROGRESS_MIN) return;
    const now = performance.now();
    if (p.drawn && now - p.drawn < 100) return;
    p.drawn = now;
    this.draw(p, now);
  }

  draw(p, now) {
    const mib = (n) => `${(n / 1048576).toFixed(1)} MiB`;
    const seconds = Math.max((now - p.start) / 1000, 1e-3);
    const rate = `${(p.bytes / 1e6 / seconds).toFixed(1)} MB/s`;
    const width = Math.max(40, process.stderr.columns || 80) - 1;
    let counts;
    let bar = '';
    if (p.total) {
      const frac = Math.min(1, p.bytes / p.total);
      counts = `${mib(p.bytes)} / ${mib(p.total)} ${String(Math.floor(frac * 100)).padStart(3)}%  ${rate}`;
      const cells = Math.min(30, width - counts.length - 20);
      if (cells >= 10) {
        const full = Math.round(frac * cells);
        bar = ` [${'#'.repeat(full)}${'-'.repeat(cells - full)}]`;
      }
    } else {
      counts = `${mib(p.bytes)}  ${rate}`;
    }
    let name = shown(p.name);
    const room = width - counts.length - bar.length - 2;
    if (name.length > room) name = room > 4 ? `...${name.slice(-(room - 3))}` : '';
    process.stderr.write(`\r\x1b[K${name}${bar} ${counts}`);
    this.bar = p;
  }

  /** Removes the bar from the screen (the next update draws it again). */
  clear() {
    if (!this.bar) return;
    process.stderr.write('\r\x1b[K');
    this.bar.drawn = 0;
    this.bar = null;
  }

  end(p) {
    if (p && this.bar === p) this.clear();
  }
}

/**
 * Results printed in the order of their inputs as they become known:
 * push(entry, promise) queues one; print(entry, value, error) writes it.
 */
class Ordered {
  constructor(print, output) {
    this.print = print;
    this.output = output;
    this.queue = [];
    this.head = 0;
    this.open = 0;
    this.idle = null;
  }

  push(entry, result) {
    const slot = { entry, done: false, value: undefined, error: undefined };
    this.queue.push(slot);
    this.open++;
    Promise.resolve(result).then((v) => { slot.value = v; }, (e) => { slot.error = e ?? new Error('failed'); })
      .then(() => {
        slot.done = true;
        this.open--;
        this.drain();
        if (this.open === 0 && this.idle) this.idle();
      });
  }

  drain() {
    const q = this.queue;
    while (this.head < q.length && q[this.head].done) {
      const s = q[this.head];
      q[this.head++] = undefined;
      this.print(s.entry, s.value, s.error);
    }
    if (this.head > 1024 && this.head * 2 > q.length) {
      this.queue = q.slice(this.head);
      this.head = 0;
    }
    this.output.flush();
  }

  /** Resolves when every queued result has been printed. */
  async end() {
    if (this.open) await new Promise((resolve) => { this.idle = resolve; });
    this.idle = null;
    this.drain();
  }
}

// ---------------------------------------------------------------- reading

const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

function fsCall(fn, ...args) {
  return new Promise((resolve, reject) => {
    fn(...args, (e, v) => (e ? reject(e) : resolve(v)));
  });
}

/** Reads up to len bytes into view[off...] at pos (null: the current position). */
async function readSome(fd, view, off, len, pos) {
  for (;;) {
    try {
      return await fsCall(fs.read, fd, view, off, len, pos);
    } catch (e) {
      // a non-blocking standard input with nothing to read yet
      if (e.code !== 'EAGAIN') throw e;
      await sleep(5);
    }
  }
}

/** Fills view[off, off + len) unless the input ends first; returns the bytes read. */
async function readFull(fd, view, off, len, pos) {
  let got = 0;
  while (got < len) {
    const n = await readSome(fd, view, off + got, len - got, pos === null ? null : pos + got);
    if (n === 0) break;
    got += n;
  }
  return got;
}

/** Every byte of fd (a checksum list) as a Buffer. */
async function readAll(fd) {
  const parts = [];
  for (;;) {
    const b = Buffer.allocUnsafe(1 << 16);
    const n = await readSome(fd, b, 0, b.length, null);
    if (n === 0) break;
    parts.push(b.subarray(0, n));
  }
  return Buffer.concat(parts);
}

/**
 * Hashes inputs on the pool. hash() reads one input and resolves to
 * { result } (a promise of the hex digest, settled later) or { error }, so
 * that the next input is read while this one is hashed.
 */
class Hasher {
  constructor(pool, progress) {
    this.pool = pool;
    this.progress = progress;
    this.pieces = null; // two PIECE blocks for big inputs
    this.busy = [null, null]; // settles when a piece block is free again
    this.turn = 0;
    this.batches = null; // two BATCH_BYTES blocks for small files
    this.current = 0;
  }

  async hash(path, spec, name) {
    if (path === '-') return this.stream(0, false, null, spec, name);
    let fd;
    try {
      fd = await fsCall(fs.open, path, 'r');
    } catch (e) {
      return { error: e };
    }
    try {
      const st = await fsCall(fs.fstat, fd);
      if (st.isDirectory()) return { error: errnoError('EISDIR') };
      if (st.isFile() && st.size < SMALL) {
        const small = await this.addSmall(fd, st.size, spec);
        if (small) return small;
        // the file grew past its size: hashed whole below
      }
      return await this.stream(fd, st.isFile(), st.isFile() ? st.size : null, spec, name);
    } catch (e) {
      return { error: e };
    } finally {
      fs.close(fd, () => {});
    }
  }

  newBatch() {
    return { view: this.pool.alloc(BATCH_BYTES), used: 0, views: [], waiting: [], spec: null, done: null };
  }

  /**
   * Reads a small file into the batch being filled; resolves to { result }
   * (the promise of its digest), or null if the file turned out larger
   * than `size`.
   */
  async addSmall(fd, size, spec) {
    this.batches ??= [this.newBatch(), this.newBatch()];
    let b = this.batches[this.current];
    const limit = Math.min(BATCH_FILES, Math.max(1, Math.floor(BATCH_OUTPUT / spec.outBytes)));
    if (b.views.length && (b.spec !== spec || b.used + size + 1 > BATCH_BYTES || b.views.length >= limit)) {
      this.submit();
      b = this.batches[this.current];
    }
    if (!b.views.length) {
      await b.done; // its previous hashMany() has read the block
      b.used = 0;
      b.spec = spec;
    }
    const off = b.used;
    const n = await readFull(fd, b.view, off, size + 1, 0); // one more byte: did it grow?
    if (n > size) return null;
    b.used += n;
    b.views.push(b.view.subarray(off, off + n));
    return { result: new Promise((resolve, reject) => b.waiting.push({ resolve, reject })) };
  }

  /** Hashes the batch being filled with one hashMany(); the other batch is filled next. */
  submit() {
    const b = this.batches?.[this.current];
    if (!b || !b.views.length) return;
    const { waiting, spec } = b;
    const p = this.pool.hashMany(spec.alg, b.views, { ...spec.options, encoding: 'hex' });
    b.done = p.then((hexes) => waiting.forEach((w, i) => w.resolve(hexes[i])),
      (e) => waiting.forEach((w) => w.reject(e)));
    b.views = [];
    b.waiting = [];
    this.current ^= 1;
  }

  /**
   * Hashes fd to its end in PIECE-sized pieces through two blocks: piece
   * k + 1 is read while piece k is hashed. `positional`: read with
   * positions (a regular file), else from the current position.
   */
  async stream(fd, positional, size, spec, name) {
    this.submit(); // pending small files hash meanwhile
    this.pieces ??= [this.pool.alloc(PIECE), this.pool.alloc(PIECE)];
    const h = this.pool.createHash(spec.alg, spec.options);
    const bar = this.progress.begin(name, size);
    let pos = 0;
    try {
      for (;;) {
        const k = this.turn;
        await this.busy[k]; // the piece read into this block two turns ago is hashed
        const view = this.pieces[k];
        const n = await readFull(fd, view, 0, PIECE, positional ? pos : null);
        if (n === 0) break;
        h.update(view.subarray(0, n));
        this.busy[k] = h.flush().catch(() => {}); // a failure is reported by digest()
        this.turn ^= 1;
        pos += n;
        this.progress.update(bar, pos);
      }
    } catch (e) {
      h.dispose(); // its queued updates finish before the blocks are reused
      throw e;
    } finally {
      this.progress.end(bar);
    }
    return { result: h.digest('hex') };
  }

  /** Waits until no hashing reads the blocks. */
  async finish() {
    this.submit();
    await Promise.all([...this.busy, ...(this.batches ?? []).map((b) => b.done)]);
  }
}

// ---------------------------------------------------------------- hashing

const byteCompare = (a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path));

/** The regular files under dir (symbolic links to files too), or errors, in sorted path order. */
async function walk(dir) {
  const found = [];
  const visit = async (d) => {
    let entries;
    try {
      entries = await fs.promises.readdir(d, { withFileTypes: true });
    } catch (e) {
      found.push({ path: d, error: e });
      return;
    }
    for (const ent of entries) {
      const p = d.endsWith('/') ? d + ent.name : `${d}/${ent.name}`;
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

/** The inputs of the operands: -r expands directories. */
async function* inputs(o) {
  for (const f of o.files) {
    if (o.recursive && f !== '-') {
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

function formatLine(o, spec, hex, name) {
  const escaped = /[\\\n\r]/.test(name);
  const n = escaped ? escapeName(name) : name;
  const head = escaped ? '\\' : '';
  if (o.tag) return `${head}${ALGORITHMS[spec.alg].tag} (${n}) = ${hex}\n`;
  return `${head}${hex} ${o.binary ? '*' : ' '}${n}\n`;
}

async function sumFiles(o, pool, output, progress) {
  const algorithm = o.algorithm ?? DEFAULT_ALGORITHM;
  const spec = hashSpec(algorithm, o.length ?? ALGORITHMS[algorithm].bytes, o.seed);
  const hasher = new Hasher(pool, progress);
  let status = 0;
  const ordered = new Ordered((entry, hex, error) => {
    if (error) {
      output.error(`${shown(entry.path)}: ${errorText(error)}`);
      status = 1;
    } else {
      output.out(formatLine(o, spec, hex, entry.path));
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

// --------------------------------------------------------------- checking

/**
 * One line of a checksum list: { hex, name, tagged } (tagged: the algorithm
 * of a BSD-style line), 'skip' for blank lines and comments, or null if it
 * is improperly formatted. `st.reversed` follows the list's style as
 * coreutils does: after a "HEX NAME" line (one space), a list may not
 * switch to "HEX  NAME" and back.
 */
function parseLine(raw, st) {
  const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  let i = 0;
  while (line[i] === ' ' || line[i] === '\t') i++;
  if (i === line.length || line[i] === '#') return 'skip';
  const escaped = line[i] === '\\';
  const s = line.slice(escaped ? i + 1 : i);
  let hex;
  let name;
  let tagged;
  const m = /^([A-Za-z0-9]+) \((.*)\) = ([0-9A-Fa-f]+)$/s.exec(s);
  if (m) {
    tagged = BY_TAG.get(m[1].toUpperCase());
    if (!tagged) return null;
    [, , name, hex] = m;
  } else {
    hex = /^[0-9A-Fa-f]+/.exec(s)?.[0];
    if (!hex || !/^[ \t]/.test(s.slice(hex.length))) return null;
    let j = hex.length + 1;
    if (s.length - j === 1 || (s[j] !== ' ' && s[j] !== '*')) {
      if (st.reversed === false) return null;
      st.reversed = true;
    } else if (st.reversed !== true) {
      st.reversed = false;
      j++;
    }
    name = s.slice(j);
  }
  if (!name) return null;
  if (escaped) {
    name = unescapeName(name);
    if (name === null) return null;
  }
  return { hex: hex.toLowerCase(), name, tagged };
}

/** The hash spec of a parsed line, or null (improperly formatted), or { ambiguous }. */
function lineSpec(o, parsed) {
  const digits = parsed.hex.length;
  if (digits % 2) return null;
  if (parsed.tagged && o.algorithm && parsed.tagged !== o.algorithm) return null;
  let alg = parsed.tagged ?? o.algorithm;
  if (!alg) {
    if (AMBIGUOUS[digits]) return { ambiguous: AMBIGUOUS[digits] };
    alg = BY_HEX_LENGTH[digits] ?? 'blake3';
  }
  const bytes = digits / 2;
  if (alg === 'blake3' ? bytes > MAX_LENGTH : bytes !== ALGORITHMS[alg].bytes) return null;
  return hashSpec(alg, bytes, o.seed);
}

function plural(n, one, many) {
  return `${n} ${n === 1 ? one : many}`;
}

/** Checks one list; returns its exit status. */
async function checkList(o, listName, pool, output, progress) {
  const listShown = listName === '-' ? 'standard input' : shown(listName);
  let text;
  try {
    text = (listName === '-' ? await readAll(0) : await fs.promises.readFile(listName)).toString('utf8');
  } catch (e) {
    output.error(`${listShown}: ${errorText(e)}`);
    return 1;
  }
  const lines = text.split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();

  const hasher = new Hasher(pool, progress);
  const count = { misformatted: 0, unread: 0, mismatched: 0, ok: 0, proper: 0 };
  const ambiguous = new Map(); // hex length -> lines
  const ordered = new Ordered((entry, hex, error) => {
    const label = entry.name.includes('\n') ? `\\${escapeName(entry.name)}` : entry.name;
    if (error) {
      if (o.ignoreMissing && error.code === 'ENOENT') return;
      count.unread++;
      output.error(`${shown(entry.name)}: ${errorText(error)}`);
      if (!o.status) output.out(`${label}: FAILED open or read\n`);
    } else if (hex === entry.hex) {
      count.ok++;
      if (!o.status && !o.quiet) output.out(`${label}: OK\n`);
    } else {
      count.mismatched++;
      if (!o.status) output.out(`${label}: FAILED\n`);
    }
  }, output);

  const st = { reversed: undefined };
  const algName = o.algorithm ? `${ALGORITHMS[o.algorithm].tag} ` : '';
  for (let n = 0; n < lines.length; n++) {
    const parsed = parseLine(lines[n], st);
    if (parsed === 'skip') continue;
    const spec = parsed && lineSpec(o, parsed);
    if (!spec || spec.ambiguous) {
      count.misformatted++;
      if (spec?.ambiguous) ambiguous.set(parsed.hex.length, spec.ambiguous);
      if (o.warn) output.error(`${listShown}: ${n + 1}: improperly formatted ${algName}checksum line`);
      continue;
    }
    count.proper++;
    const entry = { name: parsed.name, hex: parsed.hex };
    const r = await hasher.hash(parsed.name, spec, parsed.name);
    ordered.push(entry, r.error ? Promise.reject(r.error) : r.result);
  }
  await hasher.finish();
  await ordered.end();

  for (const [digits, names] of ambiguous) {
    output.error(`${listShown}: ${digits}-digit checksums could be ${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}; name the algorithm with -a`);
  }
  if (count.proper === 0) {
    output.error(`${listShown}: no properly formatted checksum lines found`);
    return 1;
  }
  if (!o.status) {
    if (count.misformatted) output.error(`WARNING: ${plural(count.misformatted, 'line is', 'lines are')} improperly formatted`);
    if (count.unread) output.error(`WARNING: ${plural(count.unread, 'listed file', 'listed files')} could not be read`);
    if (count.mismatched) output.error(`WARNING: ${plural(count.mismatched, 'computed checksum', 'computed checksums')} did NOT match`);
    if (o.ignoreMissing && count.ok + count.mismatched + count.unread === 0) output.error(`${listShown}: no file was verified`);
  }
  const bad = count.unread || count.mismatched || (o.strict && count.misformatted) ||
    (o.ignoreMissing && count.ok + count.mismatched + count.unread === 0);
  return bad ? 1 : 0;
}

async function checkFiles(o, pool, output, progress) {
  let status = 0;
  for (const list of o.files) status = Math.max(status, await checkList(o, list, pool, output, progress));
  return status;
}

// ------------------------------------------------------------------- main

function version() {
  const pkg = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  return `parawasm ${pkg.version}\n`;
}

async function sumCommand(args) {
  let o;
  try {
    o = sumOptions(args);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`${PROG}: ${e.message}\nTry '${PROG} --help' for more information.\n`);
    return 2;
  }
  if (o.help) {
    process.stdout.write(SUM_HELP);
    return 0;
  }
  if (o.version) {
    process.stdout.write(version());
    return 0;
  }
  const progress = Progress.fromEnvironment();
  const output = new Output(progress);
  const pool = await createPool(o.threads ? { threads: o.threads } : undefined);
  try {
    return await (o.check ? checkFiles : sumFiles)(o, pool, output, progress);
  } finally {
    output.flush();
    progress.clear();
    await pool.destroy();
  }
}

async function main(args) {
  const [command, ...rest] = args;
  if (command === 'sum') return sumCommand(rest);
  if (command === 'build') return (await import('./tools/build.mjs')).main(rest);
  if (command === '-h' || command === '--help' || command === 'help') {
    process.stdout.write(MAIN_HELP);
    return 0;
  }
  if (command === '--version') {
    process.stdout.write(version());
    return 0;
  }
  process.stderr.write(command === undefined ? 'parawasm: missing command\n' : `parawasm: unknown command '${command}'\n`);
  process.stderr.write(MAIN_HELP);
  return 2;
}

main(process.argv.slice(2)).then((status) => {
  process.exitCode = status;
}, (e) => {
  process.stderr.write(`parawasm: ${e?.stack ?? e}\n`);
  process.exitCode = 1;
});
