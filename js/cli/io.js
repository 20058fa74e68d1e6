// Input and output of `parawasm sum`: reading files into blocks of the
// pool's shared memory and hashing them there, writing results in the order
// of their inputs with stdout's errors handled as coreutils handles them,
// names as bytes escaped as coreutils escapes them, and error texts.
//
// Files are read straight into blocks of the pool's shared memory, where the
// kernels hash them in place: a big file in pieces through two buffers (one
// is read while the other is hashed), small files many at a time into one
// block hashed with a single hashMany() call. Memory stays the same whatever
// the sizes of the files.

import fs from 'node:fs';

const PIECE = 4 << 20; // bytes of a big file read and hashed at a time
const SMALL = 1 << 20; // files smaller than this are hashed in batches
const BATCH_BYTES = 8 << 20; // one batch block (two of them alternate)
const BATCH_FILES = 4096; // inputs of one hashMany() at most
const BATCH_OUTPUT = 1 << 20; // digest bytes of one hashMany() at most
const LIST_PIECE = 1 << 16; // bytes of a checksum list read at a time
// A longer line of a checksum list is improperly formatted: the longest
// checksum (blake3 of 1 MiB) has 2 Mi hex digits, and a name is at most
// PATH_MAX bytes (4096 on Linux), twice that escaped.
const MAX_LINE = 16 << 20;
// A read of a checksum list not done after this many ms has stalled (a pipe
// whose writer is slow): the small files of the lines before are hashed
// meanwhile, not held back for a fuller batch. Only a matter of latency.
const STALL_MS = 20;

/** The message of each errno code, as the C library words it. */
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

// File names are bytes (Buffers) from the command line to the output, as
// the C library sees them: a name that is not UTF-8 is opened and printed
// as it is. Text parts of a line are strings, written as UTF-8.

const ASCII = /^[\x00-\x7f]*$/;

/** The bytes of `parts` (strings, as UTF-8, and Buffers) one after the other, in one allocation. */
export function bytes(...parts) {
  let n = 0;
  for (const p of parts) n += typeof p === 'string' ? Buffer.byteLength(p) : p.length;
  const out = Buffer.allocUnsafe(n);
  let off = 0;
  for (const p of parts) off += typeof p === 'string' ? out.write(p, off) : p.copy(out, off);
  return out;
}

/** True if the name (bytes) is "-", standard input. */
export function isStdin(name) {
  return name.length === 1 && name[0] === 0x2d;
}

const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;
const CR = 0x0d;

/** True if coreutils escapes the name (bytes): it holds a backslash, newline or carriage return. */
export function needsEscape(name) {
  // a loop: names are short, and three includes() calls cost more
  for (let i = 0; i < name.length; i++) {
    const b = name[i];
    if (b === BACKSLASH || b === NEWLINE || b === CR) return true;
  }
  return false;
}

/**
 * A name (bytes) as coreutils escapes it: \\, \n and \r for backslash,
 * newline and carriage return (in output lines, whose first character then
 * is a backslash, and in messages, so that a name stays on one line).
 */
export function escapeName(name) {
  if (!needsEscape(name)) return name;
  const out = Buffer.allocUnsafe(2 * name.length);
  let j = 0;
  for (const b of name) {
    if (b === BACKSLASH || b === NEWLINE || b === CR) {
      out[j++] = BACKSLASH;
      out[j++] = b === BACKSLASH ? BACKSLASH : b === NEWLINE ? 0x6e : 0x72;
    } else {
      out[j++] = b;
    }
  }
  return out.subarray(0, j);
}

/**
 * Undoes escapeName() on a string (a line of a checksum list decoded as
 * latin1, one character a byte); null for a bad escape.
 */
export function unescapeName(s) {
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

/** The text of an error as coreutils words it ("No such file or directory"). */
export function errorText(e) {
  return (e.code && ERRNO_TEXT[e.code]) || e.message;
}

/** An error like Node's own for errno `code` (a key of ERRNO_TEXT). */
function errnoError(code) {
  return Object.assign(new Error(ERRNO_TEXT[code]), { code });
}

/**
 * Standard output and error: stdout is gathered and written in one piece,
 * and written out before anything goes to stderr so that both keep their
 * order on a terminal; the progress bar is cleared first.
 *
 * Write errors are handled as coreutils handles them. A closed pipe
 * (EPIPE, as in `parawasm sum ... | head -1`) ends the process at once,
 * silently, with status 1, where sha256sum dies of SIGPIPE, which Node
 * ignores. Any other (`> /dev/full`: ENOSPC) is remembered, the rest of
 * stdout is dropped, the work goes on as sha256sum's does (its messages
 * still reach stderr), and close() reports "PROG: write error", as
 * sha256sum words it, with status 1.
 */
export class Output {
  /** prog: the command's name, which starts every message; progress: its Progress, if any. */
  constructor(prog, progress = null) {
    this.prog = prog;
    this.progress = progress;
    // stdout queued as a byte string: one character a byte (latin1), so
    // that a line is joined from the name's bytes without a Buffer per part
    this.pending = '';
    this.writeError = null; // the first error writing stdout
    // writes not yet taken by stdout; one shared callback counts them down
    // (a promise per write costs more than the write itself)
    this.writing = 0;
    this.idle = null; // close() waiting for writing to reach 0
    this.written = (e) => {
      if (e) this.failed(e);
      if (--this.writing === 0 && this.idle) this.idle();
    };
    process.stdout.on('error', (e) => this.failed(e));
  }

  /** A write to stdout failed with `e`. */
  failed(e) {
    if (e.code === 'EPIPE') process.exit(1);
    // the writes after a failure, refused by the stream: the failure itself is reported
    if (e.code === 'ERR_STREAM_DESTROYED') return;
    this.writeError ??= e;
  }

  /** Queues `parts` (strings, written as UTF-8, and bytes) for stdout. */
  out(...parts) {
    for (const p of parts) {
      if (typeof p !== 'string') this.pending += p.toString('latin1');
      else if (ASCII.test(p)) this.pending += p;
      else this.pending += Buffer.from(p).toString('latin1');
    }
  }

  /** Writes `text` (a string or bytes) to stderr, after the stdout queued so far. */
  err(text) {
    this.flush();
    this.progress?.clear();
    process.stderr.write(text);
  }

  /** Writes the message "PROG: " + parts (strings and bytes) + newline to stderr. */
  error(...parts) {
    this.err(bytes(`${this.prog}: `, ...parts, '\n'));
  }

  /** Writes the queued stdout. */
  flush() {
    if (!this.pending) return;
    this.progress?.clear();
    const data = this.pending;
    this.pending = '';
    if (this.writeError) return; // stdout is gone: dropped
    this.writing++;
    process.stdout.write(Buffer.from(data, 'latin1'), this.written);
  }

  /**
   * Writes the queued stdout and waits until stdout has taken it; resolves
   * to `status`, or to 1 after reporting "PROG: write error" if a write
   * failed.
   */
  async close(status) {
    this.flush();
    if (this.writing) await new Promise((resolve) => { this.idle = resolve; });
    if (!this.writeError) return status;
    this.error('write error');
    return 1;
  }
}

/**
 * Results printed in the order of their inputs as they become known:
 * push(entry, promise) queues one; print(entry, value, error) writes it.
 */
export class Ordered {
  constructor(print, output) {
    this.print = print;
    this.output = output;
    this.queue = [];
    this.head = 0;
    this.open = 0;
    this.idle = null;
    this.room = null; // shrink() waiting: { max, resolve }
  }

  /** How many results are queued and not printed yet. */
  get waiting() {
    return this.queue.length - this.head;
  }

  /**
   * Resolves once at most `max` results wait to be printed: a producer far
   * ahead of the first result not known yet waits for it, so that memory
   * stays bounded.
   */
  async shrink(max) {
    if (this.waiting <= max) return;
    await new Promise((resolve) => { this.room = { max, resolve }; });
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
    if (this.room && this.waiting <= this.room.max) {
      const { resolve } = this.room;
      this.room = null;
      resolve();
    }
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

/**
 * The lines of the checksum list `path` (bytes; "-" is standard input),
 * read LIST_PIECE bytes at a time: yields, for each piece read, the lines
 * it completes, as latin1 strings (one character a byte) without their
 * "\n"; the last line need not end with one. A line over MAX_LINE bytes is
 * not kept: it is yielded as null. So the memory used does not grow with
 * the list. `onStall()` is called when a read has not returned after
 * STALL_MS (a pipe whose writer is slow), so that the lines read so far
 * can be acted on meanwhile. Opening or reading the list throws.
 */
export async function* listLines(path, onStall) {
  const stdin = isStdin(path);
  const fd = stdin ? 0 : await fsCall(fs.open, path, 'r');
  try {
    const piece = Buffer.allocUnsafe(LIST_PIECE);
    let carry = ''; // the start of a line whose end is not read yet
    let overlong = false; // the line being read is over MAX_LINE: dropped
    for (;;) {
      const stall = setTimeout(onStall, STALL_MS);
      let n;
      try {
        n = await readSome(fd, piece, 0, piece.length, null);
      } finally {
        clearTimeout(stall);
      }
      if (n === 0) break;
      const text = piece.toString('latin1', 0, n);
      const lines = [];
      let start = 0;
      for (let nl; (nl = text.indexOf('\n', start)) >= 0; start = nl + 1) {
        lines.push(overlong ? null : carry + text.slice(start, nl));
        carry = '';
        overlong = false;
      }
      if (!overlong) carry += text.slice(start);
      if (carry.length > MAX_LINE) {
        carry = '';
        overlong = true;
      }
      if (lines.length) yield lines;
    }
    if (overlong) yield [null];
    else if (carry) yield [carry];
  } finally {
    if (!stdin) fs.close(fd, () => {});
  }
}

/**
 * Hashes inputs on the pool. hash() reads one input and resolves to
 * { result } (a promise of the hex digest, settled later) or { error }, so
 * that the next input is read while this one is hashed.
 */
export class Hasher {
  constructor(pool, progress) {
    this.pool = pool;
    this.progress = progress;
    this.pieces = null; // two PIECE blocks for big inputs
    this.busy = [null, null]; // settles when a piece block is free again
    this.turn = 0;
    this.batches = null; // two BATCH_BYTES blocks for small files
    this.current = 0;
  }

  /** path: the file (bytes; "-" is standard input); name: its name in the progress bar. */
  async hash(path, spec, name) {
    if (isStdin(path)) {
      // a read error of standard input (a directory, say) is this input's
      // error, as a file's is: the other inputs are still hashed
      try {
        return await this.stream(0, false, null, spec, name);
      } catch (e) {
        return { error: e };
      }
    }
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
