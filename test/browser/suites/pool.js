// Test c: the pool on a cross-origin-isolated page, with the test build
// (build/testpkg: the built-in kernels plus testNoop, testSpin, testHold,
// testTrap). Nothing here depends on the machine's speed: threads are kept
// busy with testHold (until released or aborted), never for a fixed time,
// and time limits are hang guards.
import {
  HANG_MS, assert, bytesEqual, checkError, equal, rejects, Suite, withTimeout,
} from '../lib/runner.js';
import {
  CHECK, CHECK_INPUT, fillRandom, refAdler32, refAsciiUpper, refCrc32, refCrc32c,
} from '../../lib/ref.js';
import { holdThreads, newGate, until } from '../../lib/hold.js';
import { callsUntilFrames, nextFrame } from '../lib/frames.js';
import { hashChecks } from '../lib/hash-checks.js';

const MiB = 1 << 20;
const INNER_MS = HANG_MS / 2; // a hang guard inside a test's own

/** Settles all promises, failing if any is still pending after INNER_MS (a hang). */
function settleAll(promises, what) {
  return withTimeout(Promise.allSettled(promises), INNER_MS, `${what}: some promises never settled`);
}

const stateOf = (p) => {
  let state = 'pending';
  p.then(() => { state = 'fulfilled'; }, () => { state = 'rejected'; });
  return () => state;
};

export async function run({ lib = '/testpkg/browser.js' } = {}) {
  const s = new Suite('pool');
  const api = await s.import(lib);
  if (!api) return s.results;
  const { createPool, loadCore, AbortError, ParawasmError, PoolCrashedError, PoolDestroyedError } = api;
  let pool;

  await s.test('the page is cross-origin isolated (SharedArrayBuffer available)', () => {
    equal(globalThis.crossOriginIsolated, true, 'crossOriginIsolated');
    equal(typeof SharedArrayBuffer, 'function', 'typeof SharedArrayBuffer');
    equal(typeof Atomics.waitAsync, 'function', 'typeof Atomics.waitAsync');
  });

  await s.test('createPool({ threads: 2 }) resolves to a shared-memory pool', async () => {
    pool = await createPool({ threads: 2 });
    equal(pool.threads, 2, 'pool.threads');
    equal(pool.isShared, true, 'pool.isShared');
    const st = pool.stats();
    equal(st.state, 'ready', 'stats().state');
    equal(st.threads, 2, 'stats().threads');
    equal(typeof pool.testNoop, 'function', 'the test kernels are there (testpkg)');
  });
  if (!pool) return s.results;

  await hashChecks(s, pool, 'pool');

  await s.test('crc32 of a pooled 32 MiB buffer equals the core and the JS reference (zero copy)', async () => {
    const buf = pool.alloc(32 * MiB);
    try {
      assert(buf.buffer instanceof SharedArrayBuffer, 'pool.alloc() views are over a SharedArrayBuffer');
      fillRandom(buf, 0xbadc0de);
      const copied = pool.stats().bytesCopied;
      const [c32, c32c, a32] = await Promise.all([pool.crc32(buf), pool.crc32c(buf), pool.adler32(buf)]);
      equal(pool.stats().bytesCopied, copied, 'no bytes copied for pooled buffers');
      const want = refCrc32(buf);
      equal(c32, want, 'pool.crc32 vs JS reference');
      const core = await loadCore();
      equal(core.crc32(buf), want, 'core.crc32 of the same bytes');
      equal(c32c, refCrc32c(buf), 'pool.crc32c vs JS reference');
      equal(a32, refAdler32(buf), 'pool.adler32 vs JS reference');
      // a sub-view at an odd offset, and a view from outside the pool (copied)
      const sub = buf.subarray(3, 3 + 5 * MiB + 7);
      equal(await pool.crc32(sub), refCrc32(sub), 'pool.crc32 of an odd sub-view');
      equal(await pool.crc32(CHECK_INPUT), CHECK.crc32, 'pool.crc32("123456789") from a JS array');
      equal(await pool.crc32c(CHECK_INPUT), CHECK.crc32c, 'pool.crc32c("123456789")');
      equal(await pool.adler32(CHECK_INPUT), CHECK.adler32, 'pool.adler32("123456789")');
      assert(pool.stats().bytesCopied > copied, 'bytesCopied counts the JS array copies');
    } finally {
      pool.free(buf);
    }
  });

  await s.test('asciiUpper works in place on a pooled buffer (and copies back a JS array)', async () => {
    const n = MiB + 3;
    const buf = pool.alloc(n);
    try {
      fillRandom(buf, 7);
      for (let i = 0; i < n; i += 3) buf[i] = 0x61 + (buf[i] % 26); // plenty of a-z
      const [want, changed] = refAsciiUpper(buf);
      const copied = pool.stats().bytesCopied;
      equal(await pool.asciiUpper(buf), changed, 'the number of bytes changed');
      bytesEqual(buf, want, 'the pooled buffer, changed in place');
      equal(pool.stats().bytesCopied, copied, 'no copies');
      const js = new TextEncoder().encode('hello, pool!');
      equal(await pool.asciiUpper(js), 9, 'changed count for a JS array');
      equal(new TextDecoder().decode(js), 'HELLO, POOL!', 'the JS array, copied back');
    } finally {
      pool.free(buf);
    }
  });

  await s.test('shared memory growth, on a pool thread and here: earlier views stay valid', async () => {
    const a = fillRandom(pool.alloc(MiB), 21);
    const wantA = refCrc32(a);
    const heap0 = pool.stats().heapSize;
    equal(await pool.testGrow(heap0 + 16 * MiB), 1, 'testGrow(): malloc on a pool thread grows the memory');
    const heap1 = pool.stats().heapSize;
    assert(heap1 > heap0, `heapSize grew (${heap0} -> ${heap1})`);
    equal(a.byteLength, MiB, 'an earlier view is not detached');
    equal(await pool.crc32(a), wantA, 'crc32 of the earlier view after growth');
    const b = fillRandom(pool.alloc(heap1 + 8 * MiB), 22); // grows again, from this thread
    assert(pool.stats().heapSize > heap1, 'heapSize grew again');
    equal(await pool.crc32(b), refCrc32(b), 'crc32 of a view made after growth');
    equal(await pool.crc32(a), wantA, 'crc32 of the first view once more');
    pool.free(a);
    pool.free(b);
  });

  await s.test('2,000 concurrent testNoop calls all resolve', async () => {
    const done0 = pool.stats().done;
    const calls = Array.from({ length: 2000 }, () => pool.testNoop());
    const res = await settleAll(calls, '2,000 testNoop calls');
    const bad = res.filter((r) => r.status !== 'fulfilled' || r.value !== undefined);
    equal(bad.length, 0, `calls that did not resolve to undefined (first: ${bad[0]?.reason?.message})`);
    equal(pool.stats().done - done0, 2000, 'stats().done counts each call');
    equal(pool.stats().queued, 0, 'nothing left queued');
  });

  await s.test('the page draws frames while every thread holds a call', async () => {
    const held = await holdThreads(pool); // pending until released
    const states = held.calls.map(stateOf);
    for (let i = 0; i < 3; i++) await nextFrame();
    equal(states.map((st) => st()).join(), 'pending,pending', 'the calls were pending throughout');
    const spun = await withTimeout(held.end(), INNER_MS, 'the held calls');
    equal(spun.map((r) => r.value).join(), '1,1', 'each held call saw the gate open');
  });

  await s.test('the page draws frames while the pool checksums: 16 MiB crc32 calls until 3 frames came during them', async () => {
    const buf = fillRandom(pool.alloc(16 * MiB), 0xf4a3e);
    try {
      const want = refCrc32(buf);
      const r = await callsUntilFrames(() => pool.crc32(buf));
      assert(r.values.length >= 1 && r.frames >= 3, `${r.values.length} calls, ${r.frames} frames`);
      equal(r.values.filter((v) => v !== want).length, 0, 'calls whose crc32 differs from the JS reference');
    } finally {
      pool.free(buf);
    }
  });

  await s.test('an AbortSignal aborts a queued call; an aborted signal rejects at once', async () => {
    // both threads held until released, then a call that can only wait in the queue
    const held = await holdThreads(pool);
    const heldStates = held.calls.map(stateOf);
    const ac = new AbortController();
    const reason = new Error('stop it');
    const queued = pool.crc32(CHECK_INPUT, { signal: ac.signal });
    ac.abort(reason);
    const e = await rejects(queued, { Ctor: AbortError, code: 'ABORT_ERR' }, 'the aborted queued call');
    assert(e instanceof ParawasmError, 'AbortError is a ParawasmError');
    equal(e.cause, reason, "the error's cause is the signal's reason");
    // at once: the threads are still held, so it did not wait for one
    equal(heldStates.map((st) => st()).join(), 'pending,pending', 'the held calls are still running');
    equal(pool.stats().queued, 0, 'nothing left in the queue');
    const spun = await withTimeout(held.end(), INNER_MS, 'the held calls');
    for (const r of spun) equal(r.value, 1, `held call (${r.reason?.message})`);
    await rejects(pool.testNoop({ signal: AbortSignal.abort() }), { Ctor: AbortError }, 'a call with an aborted signal');
    equal(await pool.crc32(CHECK_INPUT), CHECK.crc32, 'the pool still works after aborts');
  });

  await s.test('an AbortSignal stops a running call that splits its work', async () => {
    // 80 chunks that each wait for a gate that never opens: the call ends
    // only through the abort (were it ignored, the test would hang)
    const ac = new AbortController();
    const gate = newGate(pool);
    const running = pool.testHold(gate, 80, { signal: ac.signal });
    await until(() => Atomics.load(gate, 1) === 2, 'both threads holding a chunk');
    ac.abort();
    await rejects(running, { Ctor: AbortError }, 'the aborted running call');
    equal(Atomics.load(gate, 1), 2, 'no chunk started after the abort');
    pool.free(gate);
    equal(await pool.testSpin(10, 2), 2, 'the pool still works');
  });

  await s.test('destroy() rejects pending calls, resolves, and later calls reject with PoolDestroyedError', async () => {
    // two calls that never end by themselves: they settle only if destroy()
    // does not wait for the running kernels
    const { calls } = await holdThreads(pool);
    const pending = [...calls, pool.testNoop()];
    await withTimeout(pool.destroy(), INNER_MS, 'pool.destroy()');
    const res = await settleAll(pending, 'calls pending at destroy()');
    for (const r of res) {
      equal(r.status, 'rejected', 'a call pending at destroy()');
      checkError(r.reason, { Ctor: PoolDestroyedError, code: 'ERR_PW_POOL_DESTROYED' }, 'pending call');
    }
    await rejects(pool.crc32(CHECK_INPUT), { Ctor: PoolDestroyedError, code: 'ERR_PW_POOL_DESTROYED' }, 'crc32 after destroy()');
    equal(pool.stats().state, 'destroyed', 'stats().state');
    await withTimeout(pool.destroy(), INNER_MS, 'a second destroy()');
  });

  for (const [kind, what] of [[0, 'a trap (unreachable)'], [1, 'abort()'], [2, 'an out-of-bounds read']]) {
    await s.test(`${what} in a kernel rejects pending calls with PoolCrashedError, and a new pool works`, async () => {
      const p = await createPool({ threads: 2 });
      const gate = newGate(p);
      const others = [p.testHold(gate), ...Array.from({ length: 50 }, () => p.testNoop())]; // the hold is never released
      const trap = p.testTrap(kind);
      const later = p.testSpin(50);
      const [t, ...rest] = await settleAll([trap, ...others, later], 'calls of the crashed pool');
      equal(t.status, 'rejected', `testTrap(${kind})`);
      const e = checkError(t.reason, { Ctor: PoolCrashedError, code: 'ERR_PW_POOL_CRASHED' }, `testTrap(${kind})`);
      assert(e instanceof ParawasmError, 'PoolCrashedError is a ParawasmError');
      // the hold and the call queued after the trap cannot have finished
      for (const r of [rest[0], rest[rest.length - 1]]) {
        equal(r.status, 'rejected', 'a call pending at the crash');
        checkError(r.reason, { Ctor: PoolCrashedError }, 'a call pending at the crash');
      }
      for (const r of rest) if (r.status === 'rejected') checkError(r.reason, { Ctor: PoolCrashedError }, 'testNoop');
      equal(p.stats().state, 'crashed', 'stats().state');
      await rejects(p.testNoop(), { Ctor: PoolCrashedError }, 'a call after the crash');
      await withTimeout(p.destroy(), INNER_MS, 'destroy() of a crashed pool');
      const q = await createPool({ threads: 2 });
      try {
        equal(await q.crc32(CHECK_INPUT), CHECK.crc32, 'crc32 on a new pool');
        const calls = await settleAll(Array.from({ length: 100 }, () => q.testNoop()), 'new pool calls');
        equal(calls.filter((r) => r.status !== 'fulfilled').length, 0, 'new pool: all calls resolve');
      } finally {
        await q.destroy();
      }
    });
  }

  await s.test('createPool() with no options starts one thread per core', async () => {
    const p = await createPool();
    try {
      equal(p.threads, Math.min(256, navigator.hardwareConcurrency || 4), 'pool.threads');
      equal(await p.crc32(CHECK_INPUT), CHECK.crc32, 'crc32 on it');
    } finally {
      await p.destroy();
    }
  });

  await s.test('createPool() checks its options', async () => {
    await rejects(createPool({ threads: 0 }), { Ctor: RangeError }, 'createPool({ threads: 0 })');
    await rejects(createPool({ thread: 2 }), { Ctor: TypeError }, 'createPool({ thread: 2 })');
    await rejects(createPool('2'), { Ctor: TypeError }, "createPool('2')");
  });

  return s.results;
}
