// Shared by the pool tests (test/js/pool-*.test.js): a seeded PRNG, plain-JS
// reference checksums written from their definitions (independent of the C
// kernels), a small child-process runner, and (from test/lib/hold.js)
// threads held by testHold and waits that are hang guards, not speed
// limits. Not a test file itself.
import { spawn } from 'node:child_process';
import { inspect } from 'node:util';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { HANG_MS } from '../../lib/hold.js';
import { prng as mulberry32 } from '../../lib/ref.js';

export const KiB = 1024;
export const MiB = 1024 * 1024;

/** Seed of every PRNG in the pool tests; set PW_TEST_SEED to reproduce a run. */
export const SEED = Number(process.env.PW_TEST_SEED ?? 0x5eed1234) >>> 0;

/** A seeded PRNG (mulberry32): next() -> uint32, int(n) -> [0, n). */
export function prng(seed = SEED) {
  const next = mulberry32(seed);
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

export { refAdler32, refAsciiUpper, refCrc32c } from '../../lib/ref.js';

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

export { HANG_MS, holdThreads, newGate, settleEarlierCalls, until } from '../../lib/hold.js';

/**
 * Blocks this thread (so that the pool handles no completion meanwhile)
 * until no call waits in the pool's queue: the last call submitted has been
 * taken by a thread, and is running or has run. At most `ms` milliseconds:
 * callers accept either outcome (started or not).
 */
export function blockUntilStarted(pool, ms = 2000) {
  const t0 = performance.now();
  for (;;) {
    const s = pool.stats();
    if (s.queued === 0 || performance.now() - t0 > ms) return s.running > 0;
  }
}

/**
 * Runs `node --input-type=module -e source` in a child process, killed
 * if it has not ended after `timeout` ms (a hang); resolves to { code,
 * signal, stdout, stderr, ms, timedOut }.
 */
export function runNode(source, { timeout = HANG_MS, args = [], cwd } = {}) {
  return runProcess(process.execPath, [...args, '--input-type=module', '-e', source], { timeout, cwd });
}

/** Runs a process, killed (SIGKILL) if it has not ended after `timeout` ms. */
export function runProcess(cmd, argv, { timeout = HANG_MS, cwd } = {}) {
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
