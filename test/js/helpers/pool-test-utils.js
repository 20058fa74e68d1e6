// Shared by the pool tests (test/js/pool-*.test.js): a seeded PRNG, plain-JS
// reference checksums written from their definitions (independent of the C
// kernels), and a small child-process runner. Not a test file itself.
import { spawn } from 'node:child_process';
import { inspect } from 'node:util';
import { crc32 as zlibCrc32 } from 'node:zlib';
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

/**
 * How long a test waits for something that must happen before it calls it
 * a hang, in ms. It is not a speed limit: nothing here asserts how fast
 * anything is (that is `make bench`), and a loaded machine only makes a test
 * slower, never failed. PW_TEST_HANG_MS changes it.
 */
export const HANG_MS = Number(process.env.PW_TEST_HANG_MS) || 120000;

/** Polls `cond` every few ms until it is true; throws (a hang) after `ms`. */
export async function until(cond, what = 'condition', ms = HANG_MS) {
  const t0 = performance.now();
  while (!cond()) {
    if (performance.now() - t0 > ms) throw new Error(`no ${what} after ${ms} ms: a hang`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** A zeroed two-word gate for testHold, in the pool's memory (alloc() does not clear). */
export function newGate(pool) {
  return pool.alloc(8, Uint32Array).fill(0);
}

/**
 * Occupies `n` of the pool's threads (all by default) with testHold calls
 * that run until released, however slow the machine: resolves once all n
 * are running. A kernel of a fixed duration cannot promise that, since a
 * loaded machine can outlast it. Returns { calls, settled, gate, release,
 * end }: release() opens the gate (each call then resolves to 1), end()
 * releases, awaits the calls and frees the gate (once, however often it is
 * called). `options` go to every call
 * (e.g. { signal }); calls ended by an abort or destroy() reject.
 */
export async function holdThreads(pool, n = pool.threads, options = undefined) {
  const gate = newGate(pool);
  const calls = Array.from({ length: n }, () => (options ? pool.testHold(gate, 1, options) : pool.testHold(gate)));
  const settled = Promise.allSettled(calls);
  let over = false;
  settled.then(() => { over = true; });
  await until(() => Atomics.load(gate, 1) === n || over, `${n} testHold calls running`);
  const release = () => Atomics.store(gate, 0, 1);
  let ended = null;
  return {
    calls,
    settled,
    gate,
    release,
    end() {
      release();
      ended ??= settled.then((r) => {
        pool.free(gate);
        return r;
      });
      return ended;
    },
  };
}

/**
 * Resolves once every call submitted to the pool before it has settled in
 * JS, aborted and dropped ones included (their memory is then released):
 * a rendezvous of every thread in testHold. A thread takes tasks in the
 * order they were queued and posts each completion before it takes the
 * next task, and completions are drained in the order they were posted, so
 * when all threads hold, every earlier completion has been posted; when
 * the holds resolve, it has been handled. Every earlier call must be able
 * to finish by itself.
 */
export async function settleEarlierCalls(pool) {
  await (await holdThreads(pool)).end();
}

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
