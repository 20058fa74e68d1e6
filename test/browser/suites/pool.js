// Test c: the pool on a cross-origin-isolated page, with the test build
// (build/testpkg: the built-in kernels plus testNoop, testSpin, testTrap).
import {
  assert, bytesEqual, checkError, equal, rejects, Suite, withTimeout,
} from '../lib/runner.js';
import {
  CHECK, CHECK_INPUT, fillRandom, refAdler32, refAsciiUpper, refCrc32, refCrc32c,
} from '../../lib/ref.js';
import { hashChecks } from '../lib/hash-checks.js';

const MiB = 1 << 20;

/** Settles all promises, failing if any is still pending after `ms`. */
function settleAll(promises, ms, what) {
  return withTimeout(Promise.allSettled(promises), ms, `${what}: some promises never settled`);
}

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
    const res = await settleAll(calls, 15000, '2,000 testNoop calls');
    const bad = res.filter((r) => r.status !== 'fulfilled' || r.value !== undefined);
    equal(bad.length, 0, `calls that did not resolve to undefined (first: ${bad[0]?.reason?.message})`);
    equal(pool.stats().done - done0, 2000, 'stats().done counts each call');
    equal(pool.stats().queued, 0, 'nothing left queued');
  });

  await s.test('an AbortSignal aborts a queued call; an aborted signal rejects at once', async () => {
    // both threads busy, then a call that can only wait in the queue
    const busy = [pool.testSpin(300), pool.testSpin(300)];
    await new Promise((r) => setTimeout(r, 30));
    const ac = new AbortController();
    const reason = new Error('stop it');
    const t0 = performance.now();
    const queued = pool.crc32(CHECK_INPUT, { signal: ac.signal });
    ac.abort(reason);
    const e = await rejects(queued, { Ctor: AbortError, code: 'ABORT_ERR' }, 'the aborted queued call');
    assert(e instanceof ParawasmError, 'AbortError is a ParawasmError');
    equal(e.cause, reason, "the error's cause is the signal's reason");
    assert(performance.now() - t0 < 200, `the queued call rejected at once (took ${Math.round(performance.now() - t0)} ms)`);
    const spun = await settleAll(busy, 5000, 'the busy calls');
    for (const r of spun) equal(r.status, 'fulfilled', `busy call (${r.reason?.message})`);
    await rejects(pool.testNoop({ signal: AbortSignal.abort() }), { Ctor: AbortError }, 'a call with an aborted signal');
    equal(await pool.crc32(CHECK_INPUT), CHECK.crc32, 'the pool still works after aborts');
  });

  await s.test('an AbortSignal stops a running call that splits its work', async () => {
    const ac = new AbortController();
    const t0 = performance.now();
    const running = pool.testSpin(4000, 80, { signal: ac.signal });
    setTimeout(() => ac.abort(), 100);
    await rejects(running, { Ctor: AbortError }, 'the aborted running call');
    const ms = performance.now() - t0;
    assert(ms < 2000, `it stopped early (took ${Math.round(ms)} ms of 4000)`);
    equal(await pool.testSpin(10, 2), 2, 'the pool still works');
  });

  await s.test('destroy() rejects pending calls, resolves, and later calls reject with PoolDestroyedError', async () => {
    const pending = [pool.testSpin(2000), pool.testSpin(2000), pool.testNoop()];
    await new Promise((r) => setTimeout(r, 20));
    const t0 = performance.now();
    await withTimeout(pool.destroy(), 5000, 'pool.destroy()');
    const res = await settleAll(pending, 1000, 'calls pending at destroy()');
    for (const r of res) {
      equal(r.status, 'rejected', 'a call pending at destroy()');
      checkError(r.reason, { Ctor: PoolDestroyedError, code: 'ERR_PW_POOL_DESTROYED' }, 'pending call');
    }
    assert(performance.now() - t0 < 1500, 'destroy() did not wait for the running kernels');
    await rejects(pool.crc32(CHECK_INPUT), { Ctor: PoolDestroyedError, code: 'ERR_PW_POOL_DESTROYED' }, 'crc32 after destroy()');
    equal(pool.stats().state, 'destroyed', 'stats().state');
    await withTimeout(pool.destroy(), 2000, 'a second destroy()');
  });

  for (const [kind, what] of [[0, 'a trap (unreachable)'], [1, 'abort()'], [2, 'an out-of-bounds read']]) {
    await s.test(`${what} in a kernel rejects pending calls with PoolCrashedError, and a new pool works`, async () => {
      const p = await createPool({ threads: 2 });
      const others = [p.testSpin(3000), ...Array.from({ length: 50 }, () => p.testNoop())];
      const trap = p.testTrap(kind);
      const later = p.testSpin(50);
      const [t, ...rest] = await settleAll([trap, ...others, later], 10000, 'calls of the crashed pool');
      equal(t.status, 'rejected', `testTrap(${kind})`);
      const e = checkError(t.reason, { Ctor: PoolCrashedError, code: 'ERR_PW_POOL_CRASHED' }, `testTrap(${kind})`);
      assert(e instanceof ParawasmError, 'PoolCrashedError is a ParawasmError');
      // the 3 s spin and the call queued after the trap cannot have finished
      for (const r of [rest[0], rest[rest.length - 1]]) {
        equal(r.status, 'rejected', 'a call pending at the crash');
        checkError(r.reason, { Ctor: PoolCrashedError }, 'a call pending at the crash');
      }
      for (const r of rest) if (r.status === 'rejected') checkError(r.reason, { Ctor: PoolCrashedError }, 'testNoop');
      equal(p.stats().state, 'crashed', 'stats().state');
      await rejects(p.testNoop(), { Ctor: PoolCrashedError }, 'a call after the crash');
      await withTimeout(p.destroy(), 3000, 'destroy() of a crashed pool');
      const q = await createPool({ threads: 2 });
      try {
        equal(await q.crc32(CHECK_INPUT), CHECK.crc32, 'crc32 on a new pool');
        const calls = await settleAll(Array.from({ length: 100 }, () => q.testNoop()), 5000, 'new pool calls');
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
