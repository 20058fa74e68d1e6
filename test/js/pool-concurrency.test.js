// Pool concurrency: many calls in flight at once (more than the task table
// holds), large calls side by side, memory growth from a pool thread while
// the main thread keeps using views, running out of memory, and free() of a
// buffer that a running call still uses.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createPool } from '../../build/testpkg/index.js';
import {
  MiB, SEED, blockUntilStarted, fillRandom, holdThreads, prng, refAdler32, refCrc32, refCrc32c,
  settleEarlierCalls,
} from './helpers/pool-test-utils.js';

describe('pool concurrency', () => {
  let pool;

  before(async () => {
    pool = await createPool({ threads: 2 });
  });
  after(() => pool?.destroy());

  test('20,000 calls queued at once all resolve correctly', async () => {
    const N = 20000;
    const rng = prng(SEED);
    // distinct small pooled buffers with known CRCs, interleaved with no-ops
    const calls = [];
    for (let i = 0; i < N; i++) {
      if (rng.int(2)) {
        calls.push({ kind: 'noop' });
      } else {
        const buf = fillRandom(pool.alloc(1 + rng.int(300)), SEED + i);
        calls.push({ kind: 'crc', buf, want: refCrc32(buf) });
      }
    }
    const before = pool.stats();
    assert.equal(before.queued, 0);
    const promises = calls.map((c) => (c.kind === 'noop' ? pool.testNoop() : pool.crc32(c.buf)));
    // the task table holds 16384 records: the rest wait in the pool's queue
    assert.ok(pool.stats().queued > 0, 'calls are queued');

    const results = await Promise.allSettled(promises);
    const rejected = results.filter((r) => r.status === 'rejected');
    assert.deepEqual(rejected, [], 'no call rejected');
    let crcs = 0;
    for (let i = 0; i < N; i++) {
      const c = calls[i];
      if (c.kind === 'noop') {
        assert.equal(results[i].value, undefined);
      } else {
        crcs++;
        assert.equal(results[i].value, c.want, `call ${i}: crc32 of its own buffer`);
        pool.free(c.buf);
      }
    }
    assert.ok(crcs > 0.4 * N && crcs < 0.6 * N); // about half, from the seeded draw
    const s = pool.stats();
    assert.equal(s.done - before.done, N, 'stats().done counts each call once');
    assert.equal(s.queued, 0);
    assert.equal(s.running, 0);
    assert.equal(s.bytesCopied, before.bytesCopied);
  });

  test('the queue drains and refills: three waves of 5,000 no-ops', async () => {
    const before = pool.stats().done;
    for (let wave = 0; wave < 3; wave++) {
      const values = await Promise.all(Array.from({ length: 5000 }, () => pool.testNoop()));
      assert.equal(values.length, 5000);
    }
    assert.equal(pool.stats().done - before, 15000);
  });

  test('many concurrent large calls', async () => {
    const bufs = Array.from({ length: 6 }, (_, i) => fillRandom(pool.alloc(4 * MiB + 13 * i), SEED + 100 + i));
    const foreign = Array.from({ length: 3 }, (_, i) => fillRandom(Buffer.allocUnsafe(3 * MiB + i), SEED + 200 + i));
    const jobs = [];
    for (const b of [...bufs, ...foreign]) {
      jobs.push([pool.crc32(b), refCrc32(b)]);
      jobs.push([pool.crc32c(b), refCrc32c(b)]);
      jobs.push([pool.adler32(b), refAdler32(b)]);
      jobs.push([pool.crc32(b.subarray(1 << 20)), refCrc32(b.subarray(1 << 20))]);
    }
    const got = await Promise.all(jobs.map(([p]) => p));
    assert.deepEqual(got, jobs.map(([, want]) => want));
    assert.equal(pool.stats().running, 0);
    for (const b of bufs) pool.free(b);
  });

  test('memory growth on a pool thread: the main thread\'s views follow', async () => {
    const early = fillRandom(pool.alloc(MiB), SEED + 1); // a view made before the growth
    const earlyCrc = refCrc32(early);
    const heap0 = pool.stats().heapSize;
    const GROW = 200 * MiB;
    assert.equal(await pool.testGrow(GROW), 1, 'the thread could malloc 200 MiB');
    const heap1 = pool.stats().heapSize;
    assert.ok(heap1 >= GROW && heap1 > heap0, `the heap grew (${heap0} -> ${heap1})`);

    // allocations on the main thread now land in memory the old views did not cover
    const views = [pool.alloc(150 * MiB), pool.alloc(40 * MiB), pool.alloc(40 * MiB)];
    assert.ok(views.some((v) => v.byteOffset + v.byteLength > heap0), 'some view lies above the old heap size');
    for (const [i, v] of views.entries()) fillRandom(v, SEED + 10 + i);
    const want = views.map((v) => refCrc32(v));
    const before = pool.stats().bytesCopied;
    assert.deepEqual(await Promise.all(views.map((v) => pool.crc32(v))), want);
    assert.deepEqual(await Promise.all(views.map((v) => pool.adler32(v.subarray(3)))),
      views.map((v) => refAdler32(v.subarray(3))));
    assert.equal(await pool.crc32(early), earlyCrc, 'a view from before the growth is still used in place');
    assert.equal(pool.stats().bytesCopied, before, 'no copies');

    // a foreign view copied in after the growth
    const f = fillRandom(new Uint8Array(5 * MiB), SEED + 20);
    assert.equal(await pool.crc32c(f), refCrc32c(f));
    for (const v of [...views, early]) pool.free(v);
  });

  test('growth on a thread while the main thread allocates and calls at the same time', async () => {
    const grow = pool.testGrow(300 * MiB);
    const small = [];
    for (let i = 0; i < 50; i++) {
      const v = fillRandom(pool.alloc(64 * 1024 + i), SEED + 300 + i);
      small.push([v, pool.crc32(v), refCrc32(v)]);
    }
    assert.equal(await grow, 1);
    for (const [v, p, want] of small) {
      assert.equal(await p, want);
      pool.free(v);
    }
  });

  test('free() of a buffer whose call is queued: the call still sees its data', async () => {
    // both threads held: the call waits in the queue while its buffer is freed
    const held = await holdThreads(pool);
    try {
      const N = 32 * MiB;
      const buf = fillRandom(pool.alloc(N), SEED + 30);
      const want = refCrc32(buf);
      const call = pool.crc32(buf);
      pool.free(buf);
      assert.equal(pool.stats().queued, 1, 'the call waits');
      // the memory must not be handed out again while the call waits
      const other = pool.alloc(N);
      other.fill(0xff);
      assert.ok(other.byteOffset + N <= buf.byteOffset || buf.byteOffset + N <= other.byteOffset,
        'a new allocation does not overlap the buffer still in use');
      held.release();
      assert.equal(await call, want);
      pool.free(other);
    } finally {
      await held.end();
    }
  });

  test('free() of a buffer whose call is running: the call still sees its data', async (t) => {
    const N = 128 * MiB;
    const buf = fillRandom(pool.alloc(N), SEED + 31);
    const want = refCrc32(buf);
    const done = pool.stats().done;
    const call = pool.crc32(buf);
    // wait (blocking this thread, so that no completion is handled) until it runs
    blockUntilStarted(pool);
    const inFlight = pool.stats().done === done; // not settled yet: free() must defer
    pool.free(buf);
    const other = pool.alloc(N);
    other.fill(0xff);
    if (inFlight) {
      assert.ok(other.byteOffset + N <= buf.byteOffset || buf.byteOffset + N <= other.byteOffset,
        'a new allocation does not overlap the buffer still in use');
    } else {
      t.diagnostic('the call had already finished before free(): nothing to check');
    }
    assert.equal(await call, want);
    pool.free(other);
  });

  test('free() while calls are in flight, repeated: the memory is released afterwards', async () => {
    const N = 16 * MiB;
    const rounds = 24;
    let heap = 0;
    for (let i = 0; i < rounds; i++) {
      const buf = fillRandom(pool.alloc(N), SEED + i);
      const calls = [pool.crc32(buf), pool.adler32(buf), pool.crc32(buf.subarray(5))];
      pool.free(buf);
      assert.deepEqual(await Promise.all(calls), [refCrc32(buf), refAdler32(buf), refCrc32(buf.subarray(5))]);
      if (i === 1) heap = pool.stats().heapSize;
    }
    // if the deferred frees leaked, the heap would have grown by rounds * 16 MiB
    assert.ok(pool.stats().heapSize <= heap + 2 * N,
      `the heap stayed at ${heap} bytes (now ${pool.stats().heapSize})`);
  });

  test('buffers freed while their calls wait, then aborted: the memory is released', async () => {
    const held = await holdThreads(pool);
    try {
      const N = 16 * MiB;
      const rounds = 20;
      for (let i = 0; i < rounds; i++) {
        const ac = new AbortController();
        const buf = pool.alloc(N);
        const call = pool.crc32(buf, { signal: ac.signal });
        pool.free(buf); // deferred: the call holds it
        ac.abort();
        await assert.rejects(call, { name: 'AbortError' });
      }
      await held.end();
      // the dropped task records come back through the threads, and with
      // them the blocks their calls held
      await settleEarlierCalls(pool);
      // the 20 blocks came back: allocating them again does not grow the heap
      const heap = pool.stats().heapSize;
      const again = Array.from({ length: rounds }, () => pool.alloc(N));
      assert.ok(pool.stats().heapSize <= heap + N, `heap ${heap} -> ${pool.stats().heapSize}`);
      for (const b of again) pool.free(b);
    } finally {
      await held.end();
    }
  });

  test('a freed view passed to a kernel is rejected with a RangeError', async () => {
    const buf = fillRandom(pool.alloc(4096), SEED + 40);
    const keep = pool.alloc(4096); // keeps a later alloc from reusing buf's address
    const sub = buf.subarray(10, 100);
    pool.free(buf);
    await assert.rejects(pool.crc32(buf), RangeError);
    await assert.rejects(pool.crc32(sub), RangeError);
    await assert.rejects(pool.asciiUpper(buf), RangeError);
    await assert.rejects(pool.crc32(new DataView(buf.buffer, buf.byteOffset, 16)), RangeError);
    assert.throws(() => pool.free(buf), TypeError, 'a second free() is an error');
    // a view of the pool's memory outside any block is rejected too
    await assert.rejects(pool.crc32(new Uint8Array(keep.buffer, 0, 64)), RangeError);
    // and a view that runs past the end of its block
    await assert.rejects(pool.crc32(new Uint8Array(keep.buffer, keep.byteOffset, keep.length + 1)), RangeError);
    assert.equal(await pool.crc32(keep), refCrc32(keep), 'the pool is fine');
    pool.free(keep);
  });
});

describe('pool memory limit', () => {
  let pool;

  before(async () => {
    pool = await createPool({ threads: 2 });
  });
  after(() => pool?.destroy());

  test('alloc beyond the maximum is a RangeError and the pool stays usable', async () => {
    assert.throws(() => pool.alloc(2 ** 32 - 1), RangeError);
    assert.throws(() => pool.alloc(2 ** 32), RangeError);
    const blocks = [];
    let error;
    try {
      for (let i = 0; i < 6; i++) blocks.push(pool.alloc(2 ** 30));
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof RangeError, `several 1 GiB allocs end in a RangeError (got ${error})`);
    assert.equal(error.code, 'ERR_OUT_OF_RANGE');
    assert.ok(blocks.length >= 2 && blocks.length <= 3, `${blocks.length} GiB fitted`);
    // blocks above 2 GiB work (pointers are unsigned)
    assert.ok(blocks.at(-1).byteOffset >= 2 ** 31, 'the last block lies above 2 GiB');
    for (const [i, b] of blocks.entries()) {
      const tail = fillRandom(b.subarray(b.length - 3 * MiB), SEED + i);
      assert.equal(await pool.crc32(tail), refCrc32(tail), `crc32 in block ${i} at ${b.byteOffset}`);
    }
    const top = blocks.at(-1).subarray(blocks.at(-1).length - 4096);
    top.fill(0x61); // 'a'
    assert.equal(await pool.asciiUpper(top), 4096, 'in place above 2 GiB');
    assert.ok(top.every((b) => b === 0x41));
    const small = fillRandom(new Uint8Array(MiB), SEED + 9); // copied in while the heap is nearly full
    assert.equal(await pool.crc32c(small), refCrc32c(small));
    // a foreign view that cannot be copied in: the call rejects, nothing breaks
    const rest = new Uint8Array(2 ** 30);
    await assert.rejects(pool.crc32(rest), RangeError);

    for (const b of blocks) pool.free(b);
    const after = fillRandom(pool.alloc(3 * MiB), SEED);
    assert.equal(await pool.crc32(after), refCrc32(after));
    assert.equal(await pool.crc32(rest.subarray(0, 1000)), refCrc32(rest.subarray(0, 1000)));
    pool.free(after);
    const big = pool.alloc(2 ** 30); // the memory came back
    pool.free(big);
  });
});
