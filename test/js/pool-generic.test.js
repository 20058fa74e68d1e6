// The threaded pool's generic call path (js/runtime/pool.js, bind.js's
// Call): a call that is submitted at once takes the Call its task slot's
// last generic call of the same kernel had, once that one has settled
// (Pool.newCall()), and places its small results and copies in the slot's
// scratch block (Pool.slotArena()). These tests check that a reused Call carries nothing
// of the call before it: inputs in the memory and copied in, results
// copied out, options.out, errors of the arguments and of the kernel,
// aborts, onProgress, and a call made from inside another's settling.
// Every value is checked against a plain-JS reference. A call option in
// the options object (onProgress, even undefined) makes a call take the
// generic path (fast-paths.test.js), so `G` below is added to each call.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import { AbortError, createPool } from '../../build/testpkg/index.js';
import { holdThreads, newGate, until } from '../lib/hold.js';

const G = { onProgress: undefined }; // the generic path
const g = (o = {}) => ({ ...o, onProgress: o.onProgress });

const refAdd = (a, b) => Int32Array.from(a, (v, i) => (v + b[i]) | 0);
const refSum = (x) => x.reduce((s, v) => s + BigInt(v), 0n);

function ints(n, seed, Ctor = Int32Array, view = new Ctor(n)) {
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    view[i] = Ctor === Uint32Array ? s : s | 0;
  }
  return view;
}

/** The distinct Calls the pool's slots keep for their generic calls. */
const keptCalls = (pool) => new Set(pool.$slotCalls.filter((c) => c !== undefined));

describe('the pool\'s generic path: each task slot reuses its Call', () => {
  let pool;
  before(async () => { pool = await createPool({ threads: 2 }); });
  after(() => pool?.destroy());

  test('calls awaited one by one take one slot and one Call, each with its own arguments and result', async () => {
    const n = 37;
    const a = pool.alloc(4 * n, Int32Array);
    const b = pool.alloc(4 * n, Int32Array);
    const out = pool.alloc(4 * n, Int32Array);
    const before = keptCalls(pool).size;
    for (let r = 0; r < 40; r++) {
      ints(n, r, Int32Array, a);
      ints(n, r + 1000, Int32Array, b);
      // in place, then foreign inputs copied in and a foreign out copied back
      const inPlace = r % 2 === 0;
      const fa = inPlace ? a : Int32Array.from(a);
      const fo = inPlace ? out : new Int32Array(n).fill(-1);
      const copied0 = pool.stats().bytesCopied;
      assert.equal(await pool.testAddI32(fa, b, fo, G), n, `round ${r}: the kernel's value (n)`);
      assert.deepEqual(fo, refAdd(a, b), `round ${r}: the sums`);
      const copied = pool.stats().bytesCopied - copied0;
      assert.equal(copied, inPlace ? 0 : 2 * 4 * n, `round ${r}: bytes copied (a in, out back)`);
    }
    assert.ok(keptCalls(pool).size <= before + 1, `one slot's Call served the 40 calls (${keptCalls(pool).size - before} new)`);
    pool.free(a); pool.free(b); pool.free(out);
  });

  test('after an argument error, a kernel error and an abort, the slot\'s next call is whole', async () => {
    const x = ints(100, 7, Uint32Array);
    const px = pool.alloc(400, Uint32Array);
    px.set(x);
    for (let r = 0; r < 5; r++) {
      // an argument error (checked before the call is queued)
      await assert.rejects(pool.testAddI32(new Int32Array(3), new Int32Array(4), new Int32Array(3), G), RangeError);
      assert.equal(await pool.testSumU32(px, G), refSum(x), `round ${r}: after an argument error`);
      // the kernel's error status
      await assert.rejects(pool.testStatus(-2, G), (e) => e.code !== undefined && /testStatus/.test(e.message));
      assert.equal(await pool.testSumU32(x, G), refSum(x), `round ${r}: after a status error (foreign input)`);
      // aborted while running
      const ac = new AbortController();
      const held = await holdThreads(pool, 1, g({ signal: ac.signal }));
      ac.abort();
      const [res] = await held.settled;
      assert.equal(res.status, 'rejected');
      assert.ok(res.reason instanceof AbortError, `round ${r}: the held call was aborted`);
      await held.end();
      assert.equal(await pool.testSumU32(px, G), refSum(x), `round ${r}: after an abort`);
      // a signal on one call is not left on the next (aborted after it settled)
      const ac2 = new AbortController();
      assert.equal(await pool.testSumU32(px, g({ signal: ac2.signal })), refSum(x));
      ac2.abort();
      assert.equal(await pool.testSumU32(px, G), refSum(x), `round ${r}: after a settled call's signal aborted`);
    }
    pool.free(px);
  });

  test('options.out and a new result alternate on one slot: each call writes only its own', async () => {
    const out = pool.alloc(2 * 50, Uint16Array);
    const foreign = new Uint16Array(50);
    for (let r = 0; r < 12; r++) {
      const start = 100 * r;
      const want = Uint16Array.from({ length: 50 }, (_, i) => (start + i) & 0xffff);
      const mode = r % 3;
      out.fill(0xaaaa);
      foreign.fill(0xbbbb);
      const res = await pool.testIota(50, start, g(mode === 0 ? {} : { out: mode === 1 ? out : foreign }));
      assert.deepEqual(res, want, `round ${r}: the result`);
      if (mode === 0) {
        assert.notEqual(res, out);
        assert.notEqual(res, foreign);
        assert.ok(out.every((v) => v === 0xaaaa) && foreign.every((v) => v === 0xbbbb), `round ${r}: no out written`);
      } else {
        assert.equal(res, mode === 1 ? out : foreign, `round ${r}: out returned`);
      }
    }
    pool.free(out);
  });

  test('bursts of mixed generic calls, twice: every call settles with its own value or error, and the second burst makes no new Calls', async () => {
    const n = 64;
    const inputs = Array.from({ length: 16 }, (_, i) => {
      const v = pool.alloc(4 * n, Uint32Array);
      ints(n, i, Uint32Array, v);
      return v;
    });
    const burst = () => {
      const calls = [];
      for (let i = 0; i < 3000; i++) {
        const kind = i % 5;
        if (kind === 0) calls.push([pool.testSumU32(inputs[i % 16], G), refSum(inputs[i % 16])]);
        else if (kind === 1) calls.push([pool.testSumU32(Uint32Array.from(inputs[(i + 3) % 16]), G), refSum(inputs[(i + 3) % 16])]);
        else if (kind === 2) calls.push([pool.testStatus(-(1 + (i % 3)), G), null]);
        else if (kind === 3) calls.push([pool.testIota(9, i, G), Uint16Array.from({ length: 9 }, (_, j) => i + j)]);
        else calls.push([pool.testStatus(i, G), i]);
      }
      return calls;
    };
    const check = async (calls, round) => {
      const settled = await Promise.allSettled(calls.map(([p]) => p));
      settled.forEach((s, i) => {
        const want = calls[i][1];
        if (want === null) assert.equal(s.status, 'rejected', `${round}: call ${i} rejects`);
        else {
          assert.equal(s.status, 'fulfilled', `${round}: call ${i}: ${s.reason}`);
          assert.deepEqual(s.value, want, `${round}: call ${i}`);
        }
      });
    };
    await check(burst(), 'first burst');
    const kept = keptCalls(pool);
    await check(burst(), 'second burst');
    const now = keptCalls(pool);
    const fresh = [...now].filter((c) => !kept.has(c)).length;
    // a slot whose last call was another kernel's makes a new Call: the
    // burst's kernels rotate, so only some slots see their own kernel again
    assert.ok(fresh < 3000, `the second burst reused Calls (${fresh} new of 3000)`);
    for (const v of inputs) pool.free(v);
  });

  test('a call made by onProgress while its call settles takes a slot and a Call of its own', async () => {
    // sha256 of more than 1 MiB reports progress by the MiB; the last report
    // comes from inside the call's settling, before its result is read from
    // its slot's scratch block: calls made there must not take that slot
    // (they would write over the digest) nor its Call
    const big = pool.alloc(3 * 1024 * 1024 + 5).fill(0x61);
    const small = Buffer.from('parawasm');
    const sha = (d) => createHash('sha256').update(d).digest('hex');
    for (let r = 0; r < 3; r++) {
      const seen = [];
      const nested = [];
      const digest = await pool.sha256(big, {
        onProgress(done, total) {
          seen.push([done, total]);
          if (done === total) nested.push(pool.sha256(big, G), pool.sha256(small, G));
        },
      });
      assert.equal(Buffer.from(digest).toString('hex'), sha(big), `round ${r}: the call's digest`);
      assert.equal(nested.length, 2, `round ${r}: progress reached its total once (${JSON.stringify(seen)})`);
      const [d1, d2] = await Promise.all(nested);
      assert.equal(Buffer.from(d1).toString('hex'), sha(big), `round ${r}: the nested call of the same kernel`);
      assert.equal(Buffer.from(d2).toString('hex'), sha(small), `round ${r}: the nested small call`);
    }
    pool.free(big);
  });

  test('in a burst, generic calls settle with their batch, as fast calls do, but for calls with a signal or onProgress and calls over 64 KiB', async () => {
    const gate = newGate(pool);
    try {
      const small = pool.alloc(4 * 3, Uint32Array).fill(7);
      const atLimit = pool.alloc(65536, Uint32Array).fill(1);
      const over = pool.alloc(65536 + 4, Uint32Array).fill(1);
      const settled = new Set();
      const track = (name, p) => p.then((v) => { settled.add(name); return v; }, (e) => { settled.add(name); throw e; });
      const ac = new AbortController();
      const ac2 = new AbortController();
      // one stretch: 2 calls of their own (the pool's threads), then a batch
      // whose first call is held
      const first = [0, 1].map((i) => track(`first ${i}`, pool.testSumU32(small, G)));
      const held = track('held', pool.testHold(gate, 1, G));
      const limit = track('64 KiB', pool.testSumU32(atLimit, G));
      const big = track('64 KiB + 4', pool.testSumU32(over, G));
      const signalled = track('signal', pool.testSumU32(small, g({ signal: ac.signal })));
      const progress = track('onProgress', pool.testSumU32(small, { onProgress() {} }));
      const member = track('member', pool.testSumU32(small, G));
      const aborted = track('aborted', pool.testSumU32(small, g({ signal: ac2.signal }))).then(() => null, (e) => e);
      ac2.abort(); // the last call: queued behind the others or dropped; it rejects at once either way
      await until(() => Atomics.load(gate, 1) === 1 && settled.size === 6, 'the held call running and the others settled');
      assert.deepEqual([...settled].sort(), ['64 KiB + 4', 'aborted', 'first 0', 'first 1', 'onProgress', 'signal'].sort());
      assert.ok((await aborted) instanceof AbortError, 'the aborted call rejects with an AbortError');
      Atomics.store(gate, 0, 0);
      assert.deepEqual(await Promise.all([held, limit, big, member, signalled, progress, ...first]),
        [1, 16384n, 16385n, 21n, 21n, 21n, 21n, 21n]);
      pool.free(small); pool.free(atLimit); pool.free(over);
    } finally {
      Atomics.store(gate, 0, 0);
    }
  });
});
