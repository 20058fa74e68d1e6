// Shared by the pool tests (test/js/pool-*.test.js): a seeded PRNG, plain-JS
// reference checksums written from their definitions (independent of the C
// kernels), and a small child-process runner. Not a test file itself.
import { spawn } from 'node:child_process';
import { inspect } from 'node:util';
import { crc32 as zlibCrc32 } from 'node:zlib';

export const KiB = 1024;
export const MiB = 1024 * 1024;

/** Seed of every PRNG in the pool tests; set PW_TEST_SEED to reproduce a run. */
export const SEED = Number(process.env.PW_TEST_SEED ?? 0x5eed1234) >>> 0;

/** A seeded PRNG (mulberry32): next() -> uint32, int(n) -> [0, n). */
export function prng(seed = SEED) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  return { next, int: (n) => Math.floor((next() / 2 ** 32) * n) };
}

/**
 * Fills any view with bytes from a xorshift32 stream seeded by `seed`
 * (fast enough for hundreds of MiB: whole 32-bit words where aligned).
 */
export function fillRandom(view, seed = SEED) {
  const u8 = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  let x = prng(seed).next() | 1;
  const step = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x;
  };
  const head = Math.min(u8.length, (4 - (u8.byteOffset & 3)) & 3);
  let i = 0;
  for (; i < head; i++) u8[i] = step();
  const words = new Uint32Array(u8.buffer, u8.byteOffset + i, (u8.length - i) >>> 2);
  for (let k = 0; k < words.length; k++) words[k] = step();
  for (i += words.length * 4; i < u8.length; i++) u8[i] = step();
  return view;
}

function bytesOf(view) {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/** CRC-32 (zlib) of a view's bytes, by Node's zlib. */
export function refCrc32(view, crc = 0) {
  return zlibCrc32(bytesOf(view), crc) >>> 0;
}

// CRC-32C (Castagnoli, reflected 0x82F63B78), slicing-by-8 tables built here.
const C_TABLES = (() => {
  const t = Array.from({ length: 8 }, () => new Uint32Array(256));
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[0][n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    for (let k = 1; k < 8; k++) t[k][n] = (t[k - 1][n] >>> 8) ^ t[0][t[k - 1][n] & 0xff];
  }
  return t;
})();

/** CRC-32C of a view's bytes, continuing from `crc` (0 to start). */
export function refCrc32c(view, crc = 0) {
  const p = bytesOf(view);
  const [t0, t1, t2, t3, t4, t5, t6, t7] = C_TABLES;
  let c = ~crc >>> 0;
  let i = 0;
  const n8 = p.length - 8;
  for (; i <= n8; i += 8) {
    const a = (c ^ (p[i] | (p[i + 1] << 8) | (p[i + 2] << 16) | (p[i + 3] << 24))) >>> 0;
    c = t7[a & 0xff] ^ t6[(a >>> 8) & 0xff] ^ t5[(a >>> 16) & 0xff] ^ t4[a >>> 24] ^
      t3[p[i + 4]] ^ t2[p[i + 5]] ^ t1[p[i + 6]] ^ t0[p[i + 7]];
  }
  for (; i < p.length; i++) c = t0[(c ^ p[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/** Adler-32 (RFC 1950) of a view's bytes, continuing from `adler` (1 to start). */
export function refAdler32(view, adler = 1) {
  const p = bytesOf(view);
  let a = adler & 0xffff;
  let b = adler >>> 16;
  for (let i = 0; i < p.length;) {
    const end = Math.min(p.length, i + 5552); // NMAX: the sums stay below 2^32
    for (; i < end; i++) {
      a += p[i];
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** ASCII a-z -> A-Z: returns [upper-cased copy, number of bytes changed]. */
export function refAsciiUpper(view) {
  const out = new Uint8Array(view.byteLength);
  out.set(bytesOf(view));
  let count = 0;
  // four bytes at a time (SWAR); no carry crosses a byte: every sum is < 0x100
  const words = new Uint32Array(out.buffer, 0, out.length >>> 2);
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    const low7 = w & 0x7f7f7f7f;
    const geA = (low7 + 0x1f1f1f1f) & 0x80808080; // low 7 bits >= 0x61 ('a')
    const gtZ = (low7 + 0x05050505) & 0x80808080; // low 7 bits >= 0x7b ('z' + 1)
    const lower = geA & ~gtZ & ~w & 0x80808080; // and the top bit clear: a-z
    if (lower === 0) continue;
    words[i] = w ^ (lower >>> 2); // clears 0x20 in each such byte
    count += Math.imul(lower >>> 7, 0x01010101) >>> 24; // one bit a byte -> count
  }
  for (let i = words.length * 4; i < out.length; i++) {
    const lower = out[i] >= 0x61 && out[i] <= 0x7a ? 1 : 0;
    out[i] ^= lower << 5;
    count += lower;
  }
  return [out, count];
}

/** The same, one byte at a time: the obvious definition (checks the fast one). */
export function refAsciiUpperBytewise(view) {
  const out = bytesOf(view).slice();
  let count = 0;
  for (let i = 0; i < out.length; i++) {
    if (out[i] >= 0x61 && out[i] <= 0x7a) {
      out[i] -= 0x20;
      count++;
    }
  }
  return [out, count];
}

/** True if two views hold the same bytes (fast for large views). */
export function sameBytes(a, b) {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength),
    Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}

/** The state of a promise, read synchronously: 'pending', 'fulfilled' or 'rejected'. */
export function stateOf(promise) {
  const shown = inspect(promise, { depth: 0 });
  if (shown.includes('<pending>')) return 'pending';
  return shown.includes('<rejected>') ? 'rejected' : 'fulfilled';
}

/** Polls `cond` every few ms until it is true; throws after `ms`. */
export async function until(cond, ms = 5000, what = 'condition') {
  const t0 = performance.now();
  while (!cond()) {
    if (performance.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/**
 * Blocks this thread (so that the pool handles no completion meanwhile)
 * until no call waits in the pool's queue: the last call submitted has been
 * taken by a thread, and is running or has run. At most `ms` milliseconds.
 */
export function blockUntilStarted(pool, ms = 2000) {
  const t0 = performance.now();
  for (;;) {
    const s = pool.stats();
    if (s.queued === 0 || performance.now() - t0 > ms) return s.running > 0;
  }
}

/**
 * Runs `node --input-type=module -e source` in a child process with a
 * timeout; resolves to { code, signal, stdout, stderr, ms, timedOut }.
 */
export function runNode(source, { timeout = 15000, args = [], cwd } = {}) {
  return runProcess(process.execPath, [...args, '--input-type=module', '-e', source], { timeout, cwd });
}

/** Runs a process with a timeout (SIGKILL when it expires). */
export function runProcess(cmd, argv, { timeout = 15000, cwd } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, argv, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeout);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - t0, timedOut });
    });
  });
}
