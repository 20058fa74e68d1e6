// Pool calls with an AbortSignal: aborted before they start (they never
// run), already aborted, aborted while running (a kernel that splits its
// work stops at its next chunk), option checks, and no 'abort' listeners
// left behind on signals that never fire.
import assert from 'node:assert/strict';
import { getEventListeners, setMaxListeners } from 'node:events';
import { after, before, describe, test } from 'node:test';

import { AbortError, ParawasmError, createPool } from '../../build/testpkg/index.js';
import {
  MiB, SEED, blockUntilStarted, fillRandom, holdThreads, newGate, refCrc32, settleEarlierCalls, stateOf, until,
} from './helpers/pool-test-utils.js';

const listeners = (signal) => getEventListeners(signal, 'abort').length;

/** Checks that err is the AbortError of an aborted call whose signal had `reason`. */
function assertAbortError(err, reason) {
  assert.ok(err instanceof AbortError, `an AbortError (got ${err?.name}: ${err?.message})`);
  assert.ok(err instanceof ParawasmError);
  assert.equal(err.name, 'AbortError');
  assert.equal(err.code, 'ABORT_ERR');
  assert.equal(err.cause, reason, 'cause is the signal\'s reason');
  return true;
}

/** A pooled buffer holding lower-case ASCII text: asciiUpper visibly changes it. */
function textBuffer(pool, n = 64) {
  const buf = pool.alloc(n);
  for (let i = 0; i < n; i++) buf[i] = 0x61 + (i % 26);
  return buf;
}
const isLower = (buf) => buf.every((b, i) => b === 0x61 + (i % 26));

describe('pool abort', () => {
  let pool;

  before(async () => {
    pool = await createPool({ threads: 2 });
  });
  after(() => pool?.destroy());

  test('abort before start: queued calls reject at once with AbortError and never run', async (t) => {
    // both threads held until released: every call below can only wait
    const held = await holdThreads(pool);
    try {
      const done0 = pool.stats().done;

      const ac = new AbortController();
      const { signal } = ac;
      setMaxListeners(0, signal); // one signal for thousands of calls
      const bufs = Array.from({ length: 8 }, () => textBuffer(pool));
      const data = fillRandom(pool.alloc(3 * MiB), SEED);
      const aborted = [
        ...bufs.map((b) => pool.asciiUpper(b, { signal })),
        pool.crc32(data, { signal }),
        pool.crc32(data, 0, { signal }),
        pool.crc32(Buffer.from('copied in'), { signal }),
        // more than the task table holds: some of these wait in the JS queue
        ...Array.from({ length: 4200 }, () => pool.testNoop({ signal })),
        ...bufs.map((b) => pool.asciiUpper(b, { signal })),
      ];
      const settled = Promise.allSettled(aborted);
      const unrelated = pool.crc32(data); // queued after them, without the signal
      assert.ok(listeners(signal) > 0);

      const reason = new Error('user pressed stop');
      const t0 = performance.now();
      ac.abort(reason);
      // at once: by the next turn of the event loop, without waiting for a thread
      await new Promise((r) => setImmediate(r));
      t.diagnostic(`all rejected ${(performance.now() - t0).toFixed(1)} ms after abort()`);
      assert.equal(aborted.filter((p) => stateOf(p) !== 'rejected').length, 0, 'every aborted call is rejected');
      assert.equal(pool.stats().running, 2, 'while both threads are still held');
      assert.ok(held.calls.every((p) => stateOf(p) === 'pending'));
      assert.equal(pool.stats().queued, 1, 'only the unrelated call waits');
      for (const r of await settled) assertAbortError(r.reason, reason);
      assert.equal(listeners(signal), 0, 'no listener left on the signal');

      held.release();
      assert.deepEqual((await held.settled).map((r) => r.value), [1, 1]);
      assert.equal(await unrelated, refCrc32(data), 'the unrelated call ran');
      await settleEarlierCalls(pool); // the dropped task records came back
      assert.ok(bufs.every(isLower), 'no aborted asciiUpper ran');
      assert.equal(pool.stats().queued, 0);
      assert.equal(pool.stats().done - done0, 3 + 2, 'only the two holds, the unrelated call and the rendezvous ran');
      for (const b of [...bufs, data]) pool.free(b);
    } finally {
      await held.end();
    }
  });

  test('stats().queued stops counting calls aborted before they started', async () => {
    const held = await holdThreads(pool);
    try {
      const ac = new AbortController();
      const aborted = Array.from({ length: 10 }, () => pool.testNoop({ signal: ac.signal }));
      const kept = pool.testNoop();
      assert.equal(pool.stats().queued, 11);
      ac.abort();
      await Promise.allSettled(aborted);
      assert.equal(pool.stats().queued, 1, 'only the call that was not aborted waits');
      held.release();
      assert.equal(await kept, undefined);
    } finally {
      await held.end();
    }
  });

  test('an already-aborted signal rejects at once and the call never runs', async () => {
    const buf = textBuffer(pool);
    // with both threads held, a call that was submitted all the same would
    // be seen waiting in the queue
    const held = await holdThreads(pool);
    try {
      const done0 = pool.stats().done;
      for (const signal of [AbortSignal.abort('already'), AbortSignal.abort()]) {
        const p = pool.asciiUpper(buf, { signal });
        assert.equal(stateOf(p), 'rejected', 'rejected at once');
        await assert.rejects(p, (e) => assertAbortError(e, signal.reason));
        assert.equal(listeners(signal), 0);
      }
      const dflt = AbortSignal.abort();
      await assert.rejects(pool.testNoop({ signal: dflt }), (e) => {
        assert.equal(e.cause.name, 'AbortError', 'the default reason is a DOMException AbortError');
        return true;
      });
      assert.equal(pool.stats().queued, 0, 'nothing was submitted');
      assert.equal(pool.stats().done, done0);
    } finally {
      await held.end();
    }
    await settleEarlierCalls(pool);
    assert.ok(isLower(buf), 'it did not run');
    pool.free(buf);
  });

  test('abort mid-run: a split call that would never end stops, its remaining chunks skipped', async (t) => {
    // 500 chunks that each wait until released: the call can only end
    // through the abort (were it ignored, this test would hang)
    const gate = newGate(pool);
    const ac = new AbortController();
    const p = pool.testHold(gate, 500, { signal: ac.signal });
    await until(() => Atomics.load(gate, 1) === 2, 'both threads holding a chunk');
    const reason = new Error('enough');
    const t0 = performance.now();
    ac.abort(reason);
    await assert.rejects(p, (e) => assertAbortError(e, reason));
    t.diagnostic(`rejected ${(performance.now() - t0).toFixed(1)} ms after abort()`);
    assert.equal(Atomics.load(gate, 1), 2, 'no chunk started after the abort');
    assert.equal(listeners(ac.signal), 0);
    assert.equal(pool.stats().running, 0, 'the call has left the thread when it rejects');
    pool.free(gate);

    // the pool keeps working
    const buf = fillRandom(pool.alloc(4 * MiB + 3), SEED + 1);
    assert.equal(await pool.crc32(buf), refCrc32(buf));
    assert.equal(await pool.testSpin(20, 4), 4, 'a later spin is not cancelled');
    pool.free(buf);
  });

  test('aborting one running call does not cancel the calls running beside it', async () => {
    const ac = new AbortController();
    const gate = newGate(pool);
    const victim = pool.testHold(gate, 500, { signal: ac.signal }); // ends only by the abort
    const bystanders = [
      pool.testSpin(600, 60), pool.testNested(4, 4), pool.testSpin(300, 30, { signal: new AbortController().signal }),
    ];
    await until(() => Atomics.load(gate, 1) > 0, 'the victim to run');
    ac.abort();
    await assert.rejects(victim, { name: 'AbortError' });
    assert.deepEqual(await Promise.all(bystanders), [60, 256n, 30], 'every chunk of the others ran');
    pool.free(gate);
  });

  test('a 256 MiB crc32 aborted mid-run rejects with AbortError or resolves correctly', async (t) => {
    const buf = fillRandom(pool.alloc(256 * MiB), SEED + 2);
    const want = refCrc32(buf);
    const outcomes = [];
    for (const delayMs of [0, 2, 10, 30]) {
      const ac = new AbortController();
      const p = pool.crc32(buf, { signal: ac.signal });
      // block this thread until the call runs, then wait a little more
      blockUntilStarted(pool);
      if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
      ac.abort();
      try {
        assert.equal(await p, want, 'finished before the abort: the right value');
        outcomes.push('resolved');
      } catch (e) {
        assertAbortError(e, ac.signal.reason);
        outcomes.push('aborted');
      }
      assert.equal(listeners(ac.signal), 0);
    }
    t.diagnostic(`outcomes: ${outcomes.join(', ')}`);
    assert.equal(await pool.crc32(buf), want, 'the pool keeps working');
    pool.free(buf);
  });

  test('a foreign buffer changed in place is left untouched when its call is aborted', async () => {
    const text = Buffer.alloc(32 * MiB, 'abcdefghijklmnopqrstuvwxyz');
    const ac = new AbortController();
    const p = pool.asciiUpper(text, { signal: ac.signal });
    blockUntilStarted(pool);
    ac.abort();
    try {
      assert.equal(await p, text.length, 'finished first: the result was copied back');
      assert.equal(text.toString('latin1', 0, 26), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ');
    } catch (e) {
      assertAbortError(e, ac.signal.reason);
      assert.ok(!text.includes('A'), 'the partial result was not copied back');
    }
  });

  test('bad options are a TypeError (the promise rejects)', async () => {
    const buf = pool.alloc(16);
    const ac = new AbortController();
    const bad = [
      { signal: {} }, { signal: 'signal' }, { signal: 1 }, { signal: null }, { signal: true },
      { signal: new EventTarget() }, { signal: ac }, // the controller, not its signal
      { signa: ac.signal }, { signal: ac.signal, bogus: 5 }, { bogus: undefined },
    ];
    for (const options of bad) {
      const p = pool.crc32(buf, options);
      assert.ok(p instanceof Promise, 'a promise, not a synchronous throw');
      await assert.rejects(p, TypeError, `options ${Object.keys(options)}`);
      await assert.rejects(pool.testNoop(options), TypeError);
    }
    // a bad argument with a good signal: rejected, no listener added
    await assert.rejects(pool.crc32('not a view', { signal: ac.signal }), TypeError);
    await assert.rejects(pool.testSpin(-1, { signal: ac.signal }), RangeError);
    assert.equal(listeners(ac.signal), 0);
    // undefined values are the same as leaving the option out
    assert.equal(await pool.crc32(buf, { signal: undefined }), refCrc32(buf));
    assert.equal(await pool.crc32(buf, undefined, {}), refCrc32(buf));
    pool.free(buf);
  });

  test('a non-view buffer argument is reported as such, not taken for the options', async () => {
    for (const notAView of [new ArrayBuffer(8), new SharedArrayBuffer(8), [1, 2, 3]]) {
      await assert.rejects(pool.crc32(notAView), (e) => {
        assert.ok(e instanceof TypeError);
        assert.match(e.message, /data must be a TypedArray/);
        return true;
      });
    }
  });

  test('signals that never fire: calls resolve normally and leave no listeners', async () => {
    const small = fillRandom(pool.alloc(1000), SEED + 3);
    const large = fillRandom(pool.alloc(5 * MiB), SEED + 4);
    const foreign = fillRandom(new Uint8Array(3 * MiB), SEED + 5);
    const signals = [];
    const opts = () => {
      const ac = new AbortController();
      signals.push(ac.signal);
      return { signal: ac.signal };
    };
    const calls = [
      [pool.crc32(small, opts()), refCrc32(small)],
      [pool.crc32(large, opts()), refCrc32(large)],
      [pool.crc32(foreign, 0, opts()), refCrc32(foreign)],
      [pool.testSpin(20, 4, opts()), 4],
      [pool.testNested(3, 3, opts()), 27n],
      ...Array.from({ length: 5000 }, () => [pool.testNoop(opts()), undefined]),
    ];
    // the kernel reports an error (the rejection is handled at once)
    const failing = assert.rejects(pool.testStatus(-1, opts()),
      (e) => e instanceof ParawasmError && e.code === 'ERR_PW_INVALID_ARG');
    assert.deepEqual(await Promise.all(calls.map(([p]) => p)), calls.map(([, v]) => v));
    await failing;
    const left = signals.filter((s) => listeners(s) > 0).length;
    assert.equal(left, 0, `${left} of ${signals.length} signals still have 'abort' listeners`);

    // one signal shared by many calls
    const shared = new AbortController().signal;
    setMaxListeners(0, shared);
    await Promise.all(Array.from({ length: 100 }, () => pool.crc32(small, { signal: shared })));
    assert.equal(listeners(shared), 0);
    for (const b of [small, large]) pool.free(b);
  });

  test('one signal over calls that settle in any order, then an abort: only the calls still pending reject', async () => {
    const ac = new AbortController();
    const { signal } = ac;
    setMaxListeners(0, signal);
    const small = fillRandom(pool.alloc(1000), SEED + 6);
    const want = refCrc32(small);
    // settled calls leave the signal's list from its head, its middle and its end
    for (let round = 0; round < 3; round++) {
      const ps = Array.from({ length: 300 }, (_, i) => (i % 3 === round ? pool.crc32(small, { signal }) : pool.testNoop({ signal })));
      await Promise.all(ps);
      assert.equal(listeners(signal), 0, `round ${round}: no listener once every call settled`);
    }
    const held = await holdThreads(pool);
    try {
      const early = pool.crc32(small, { signal });
      const pending = Array.from({ length: 50 }, () => pool.crc32(small, { signal }));
      const other = pool.crc32(small); // no signal
      assert.ok(listeners(signal) > 0);
      ac.abort();
      const results = await Promise.allSettled([early, ...pending]);
      assert.ok(results.every((r) => r.status === 'rejected' && r.reason.name === 'AbortError'), 'every pending call rejects');
      assert.equal(listeners(signal), 0);
      held.release();
      assert.equal(await other, want, 'the call without the signal runs');
    } finally {
      await held.end();
    }
    pool.free(small);
  });

  test('aborting after the call settled changes nothing', async () => {
    const ac = new AbortController();
    const buf = textBuffer(pool);
    assert.equal(await pool.asciiUpper(buf, { signal: ac.signal }), buf.length);
    ac.abort(); // no effect, no error
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(await pool.crc32(buf), refCrc32(buf));
    pool.free(buf);
  });
});

describe('pool abort and destroy', () => {
  test('destroy() with signalled calls pending leaves no listeners', async () => {
    const pool = await createPool({ threads: 2 });
    try {
      const signals = [];
      const calls = [];
      for (let i = 0; i < 20; i++) {
        const ac = new AbortController();
        signals.push(ac.signal);
        calls.push(pool.testSpin(200, 2, { signal: ac.signal }));
      }
      const settled = Promise.allSettled(calls);
      await pool.destroy();
      for (const r of await settled) assert.equal(r.status, 'rejected');
      assert.equal(signals.filter((s) => listeners(s) > 0).length, 0);
    } finally {
      await pool.destroy();
    }
  });
});
