// Soak: a long random stream of pool calls of every kind (in place and
// copied, results of every shape, kernel errors, calls that run until
// released), with random aborts (before a call is submitted, while it
// waits, while it runs), buffers freed while their calls are in flight,
// and destroy() of pools with calls in flight. Every promise must settle
// exactly once, and with the right outcome: its own value (checked against
// a reference computed here; values are distinct per call, so a result
// handed to the wrong promise is caught), the AbortError of its own signal,
// its kernel's error, or PoolDestroyedError; none may be left pending. The
// heap must stop growing once the workload has warmed it up (a leak of the
// blocks of aborted or freed calls grows it round after round).
//
//   node --test test/js/pool-soak.test.js      25,000 calls, seconds (make test)
//   PW_SOAK_CALLS=1000000 node --test ...      a long soak, minutes (make soak)
//   PW_TEST_SEED=n                             another random stream
//
// Nothing here depends on the machine's speed: the outcome of each call is
// checked for whatever the timing turned out to be.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';

import {
  AbortError, ParawasmError, PoolDestroyedError, createPool,
} from '../../build/testpkg/index.js';
import {
  HANG_MS, KiB, SEED, fillRandom, newGate, prng, refAsciiUpper, refCrc32, until,
} from './helpers/pool-test-utils.js';

const CALLS = Math.max(1000, Number(process.env.PW_SOAK_CALLS) || 25000);
const WINDOW = 256; // calls in flight at most
const ROUNDS = 4; // rounds on one pool (the heap check compares them)
const POOLS = 8; // pools destroyed with calls in flight
const PER_ROUND = Math.floor((CALLS * 0.8) / ROUNDS);
const PER_POOL = Math.floor((CALLS * 0.2) / POOLS);

/** FNV-1a of bytes, as testTag computes it. */
function fnv1a(bytes) {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h;
}

const sum32 = (u32) => u32.reduce((s, w) => s + BigInt(w), 0n);
const sha256 = (view) => new Uint8Array(createHash('sha256').update(view).digest());
const sameArray = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);

/** The call options argument: none, or { signal }. */
const opt = (o) => (o ? [o] : []);

/**
 * One random call: { kind, start(options) -> promise, check(value),
 * onAbort(), cleanup(), mayFail(err), gate }. Each call's expected value is
 * distinct (its own bytes, start value or key), so that a result given to
 * another call's promise fails its check.
 */
function makeCall(pool, rng, serial) {
  const r = rng.int(100);
  const n = 1 + rng.int(r < 10 ? 256 * KiB : 4 * KiB);
  if (r < 18) {
    // crc32 of a pooled view, used in place; sometimes freed at once (the
    // block must stay valid until the call ends, then be released)
    const buf = fillRandom(pool.alloc(n), SEED ^ serial);
    const want = refCrc32(buf);
    const freeEarly = rng.int(3) === 0;
    let freed = false;
    const free = () => {
      if (!freed) pool.free(buf);
      freed = true;
    };
    return {
      kind: 'crc32 in place',
      start: (o) => {
        const p = pool.crc32(buf, ...opt(o));
        if (freeEarly) free();
        return p;
      },
      check: (v) => assert.equal(v, want),
      cleanup: free,
    };
  }
  if (r < 33) {
    const data = fillRandom(new Uint8Array(n), SEED ^ serial);
    const want = refCrc32(data, serial);
    return { kind: 'crc32 copied', start: (o) => pool.crc32(data, serial, ...opt(o)), check: (v) => assert.equal(v, want) };
  }
  if (r < 43) {
    // changed in place through a copy: on an abort the caller's bytes stay as they were
    const text = fillRandom(new Uint8Array(n), SEED ^ serial);
    for (let i = 0; i < n; i += 2) text[i] = 0x61 + (text[i] % 26);
    const before = text.slice();
    const [upper, changed] = refAsciiUpper(before);
    return {
      kind: 'asciiUpper copied',
      start: (o) => pool.asciiUpper(text, ...opt(o)),
      check: (v) => {
        assert.equal(v, changed);
        assert.ok(sameArray(text, upper), 'the result was copied back');
      },
      onAbort: () => assert.ok(sameArray(text, before), 'an aborted call leaves the caller\'s bytes alone'),
    };
  }
  if (r < 53) {
    const words = new Uint32Array(1 + rng.int(2048));
    for (let i = 0; i < words.length; i++) words[i] = rng.next();
    const want = sum32(words);
    return { kind: 'testSumU32', start: (o) => pool.testSumU32(words, ...opt(o)), check: (v) => assert.equal(v, want) };
  }
  if (r < 61) {
    const count = rng.int(3000);
    const first = serial & 0x7fff;
    return {
      kind: 'testIota',
      start: (o) => pool.testIota(count, first, ...opt(o)),
      check: (v) => {
        assert.ok(v instanceof Uint16Array && v.length === count);
        for (let i = 0; i < count; i++) if (v[i] !== ((first + i) & 0xffff)) assert.fail(`testIota: element ${i}`);
      },
    };
  }
  if (r < 69) {
    const key = new Uint8Array([serial >>> 24, serial >>> 16, serial >>> 8, serial]);
    const text = `call ${serial} ${rng.next().toString(36)}`;
    const h = fnv1a(new TextEncoder().encode(text));
    const want = [...key, h >>> 24, (h >>> 16) & 255, (h >>> 8) & 255, h & 255];
    return { kind: 'testTag', start: (o) => pool.testTag(key, text, ...opt(o)), check: (v) => assert.deepEqual([...v], want) };
  }
  if (r < 75) {
    const data = fillRandom(new Uint8Array(n), SEED ^ serial);
    const want = sha256(data);
    return { kind: 'sha256 copied', start: (o) => pool.sha256(data, ...opt(o)), check: (v) => assert.deepEqual(v, want) };
  }
  if (r < 80) {
    const depth = 1 + rng.int(3);
    const width = 1 + rng.int(4);
    return { kind: 'testNested', start: (o) => pool.testNested(depth, width, ...opt(o)), check: (v) => assert.equal(v, BigInt(width ** depth)) };
  }
  if (r < 84) {
    const chunks = 1 + rng.int(8);
    const ms = rng.int(2);
    return { kind: 'testSpin', start: (o) => pool.testSpin(ms, chunks, ...opt(o)), check: (v) => assert.equal(v, chunks) };
  }
  if (r < 88) {
    // runs until released: released a few calls later, or aborted (then
    // only the abort ends it: the call must reject with its AbortError)
    const gate = newGate(pool);
    const chunks = 1 + rng.int(3);
    return {
      kind: 'testHold',
      gate,
      start: (o) => pool.testHold(gate, chunks, ...opt(o)),
      check: (v) => assert.equal(v, Atomics.load(gate, 1)),
      cleanup: () => pool.free(gate),
    };
  }
  if (r < 92) {
    // a kernel that fails: its own typed error
    return {
      kind: 'testStatus',
      start: (o) => pool.testStatus(-4, ...opt(o)),
      check: () => assert.fail('testStatus(-4) resolved'),
      mayFail: (e) => e instanceof ParawasmError && e.code === 'ERR_PW_OUT_OF_RANGE',
    };
  }
  return { kind: 'testNoop', start: (o) => pool.testNoop(...opt(o)), check: (v) => assert.equal(v, undefined) };
}

/**
 * Runs `count` random calls on `pool`, at most WINDOW in flight, with
 * random aborts; with `destroyAt`, destroy() is called after that many
 * calls, while calls are in flight. Resolves to counts by outcome; throws
 * on the first wrong outcome.
 */
async function stream(pool, count, rng, serial0, { destroyAt = -1 } = {}) {
  const out = { resolved: 0, aborted: 0, destroyed: 0, kernelErrors: 0 };
  const live = new Set(); // records of unsettled calls
  const holds = []; // testHold records, released a few calls later unless aborted
  const aborters = []; // [callsLeft, controller] to abort later
  let wake = null;
  let destroyed = false;
  let problem = null;

  const settle = (rec, ok, v) => {
    rec.settlements++;
    live.delete(rec);
    try {
      assert.equal(rec.settlements, 1, 'settled once');
      if (ok) {
        rec.call.check(v);
        out.resolved++;
      } else if (v instanceof AbortError) {
        assert.ok(rec.ac, 'an AbortError for a call without a signal');
        assert.equal(v.cause, rec.ac.signal.reason, 'the AbortError of its own signal');
        rec.call.onAbort?.();
        out.aborted++;
      } else if (v instanceof PoolDestroyedError) {
        assert.ok(destroyed, 'PoolDestroyedError before destroy()');
        assert.equal(v.code, 'ERR_PW_POOL_DESTROYED');
        rec.call.onAbort?.();
        out.destroyed++;
      } else if (rec.call.mayFail?.(v)) {
        out.kernelErrors++;
      } else {
        throw v;
      }
      rec.call.cleanup?.(); // (free() of a destroyed pool's view does nothing)
    } catch (e) {
      problem ??= Object.assign(new Error(`call ${rec.serial} (${rec.call.kind}): ${e.message}`), { cause: e });
    }
    if (wake) {
      wake();
      wake = null;
    }
  };

  for (let i = 0; i < count && !problem; i++) {
    if (i === destroyAt) {
      destroyed = true;
      const pending = [...live];
      const ending = pool.destroy();
      // every unfinished call rejects at once (before destroy() resolves)
      await ending;
      await new Promise((resolve) => { setImmediate(resolve); });
      assert.equal(pending.filter((rec) => rec.settlements === 0).length, 0, 'calls left pending by destroy()');
      // later calls reject with PoolDestroyedError too; alloc() throws it
      await assert.rejects(pool.crc32(new Uint8Array(8)), PoolDestroyedError);
      await assert.rejects(pool.testNoop({ signal: new AbortController().signal }), PoolDestroyedError);
      assert.throws(() => pool.alloc(8), PoolDestroyedError);
      break;
    }
    const serial = serial0 + i;
    const call = makeCall(pool, rng, serial);
    const rec = { call, serial, settlements: 0, ac: null };
    const a = rng.int(100);
    // a fifth of the calls, and more than half of the holds, get a signal
    if (a < 22 || (call.gate && a < 60)) rec.ac = new AbortController();
    if (rec.ac && a < 4) rec.ac.abort(new Error(`call ${serial}: aborted before it was made`));
    const p = call.start(rec.ac ? { signal: rec.ac.signal } : undefined);
    live.add(rec);
    p.then((v) => settle(rec, true, v), (e) => settle(rec, false, e));
    if (rec.ac && !rec.ac.signal.aborted) {
      const reason = new Error(`call ${serial}: aborted`);
      if (rng.int(4) === 0) rec.ac.abort(reason); // at once: it may not have reached a thread
      else aborters.push([1 + rng.int(40), rec.ac, reason]); // some calls later
    } else if (call.gate && !rec.ac) {
      holds.push([1 + rng.int(20), call.gate]); // released some calls later
    }
    // the clock of this stream is the number of calls made: abort and release what is due
    for (let k = aborters.length - 1; k >= 0; k--) {
      if (--aborters[k][0] <= 0) {
        const [, ac, reason] = aborters[k];
        aborters.splice(k, 1);
        ac.abort(reason);
      }
    }
    for (let k = holds.length - 1; k >= 0; k--) {
      if (--holds[k][0] <= 0) {
        Atomics.store(holds[k][1], 0, 0);
        holds.splice(k, 1);
      }
    }
    if (rng.int(50) === 0) await new Promise((resolve) => { setImmediate(resolve); });
    while (live.size >= WINDOW && !problem) {
      // the window is full: release what holds, abort what is due, wait for a settlement
      for (const [, gate] of holds.splice(0)) Atomics.store(gate, 0, 0);
      for (const [, ac, reason] of aborters.splice(0)) ac.abort(reason);
      await new Promise((resolve) => { wake = resolve; });
    }
  }
  // the end: release and abort the rest, wait for every call
  for (const [, gate] of holds.splice(0)) Atomics.store(gate, 0, 0);
  for (const [, ac, reason] of aborters.splice(0)) ac.abort(reason);
  await until(() => live.size === 0 || problem, `every call of the stream to settle (${live.size} pending)`);
  if (problem) throw problem;
  return out;
}

test(`soak: ${CALLS.toLocaleString('en')} calls with random aborts, frees and destroy() in flight (seed ${SEED})`, { timeout: 50 * HANG_MS }, async (t) => {
  const rng = prng(SEED);
  let serial = 1;
  const totals = { resolved: 0, aborted: 0, destroyed: 0, kernelErrors: 0 };
  const add = (o) => { for (const k of Object.keys(totals)) totals[k] += o[k]; };

  // rounds on one pool: outcomes, then the heap
  const pool = await createPool({ threads: 2 });
  try {
    const heaps = [];
    for (let round = 0; round < ROUNDS; round++) {
      const done0 = pool.stats().done;
      const o = await stream(pool, PER_ROUND, prng(SEED + round), serial);
      serial += PER_ROUND;
      add(o);
      const s = pool.stats();
      assert.equal(s.queued, 0, 'nothing queued after a round');
      assert.equal(s.running, 0, 'nothing running after a round');
      assert.equal(s.state, 'ready');
      const ran = s.done - done0;
      assert.ok(ran >= o.resolved + o.kernelErrors && ran <= o.resolved + o.kernelErrors + o.aborted,
        `stats().done grew by ${ran}: ${JSON.stringify(o)}`);
      heaps.push(s.heapSize);
      t.diagnostic(`round ${round + 1}: ${JSON.stringify(o)}, heap ${(s.heapSize / 2 ** 20).toFixed(0)} MiB`);
    }
    // after the first round (the workload's high-water mark), the heap
    // stays put: the blocks of every call, aborted and freed ones included,
    // came back. A leak of even the aborted calls' copies would grow it by
    // tens of MiB a round.
    const growth = heaps.at(-1) - heaps[0];
    assert.ok(growth <= 16 * 2 ** 20, `the heap grew by ${growth} bytes after the first round (${heaps.join(', ')})`);
  } finally {
    await pool.destroy();
  }

  // pools destroyed with calls in flight
  for (let k = 0; k < POOLS; k++) {
    const p = await createPool({ threads: 1 + (k % 3) });
    try {
      const o = await stream(p, PER_POOL, prng(SEED + 100 + k), serial, { destroyAt: Math.floor(PER_POOL * (0.3 + 0.6 * rng.int(1000) / 1000)) });
      add(o);
      assert.equal(p.stats().state, 'destroyed');
    } finally {
      await p.destroy();
    }
    serial += PER_POOL;
  }
  t.diagnostic(`all: ${JSON.stringify(totals)}`);
  const settled = Object.values(totals).reduce((a, b) => a + b, 0);
  assert.ok(settled >= CALLS * 0.9, `${settled} calls settled`);
  assert.ok(totals.aborted > 0 && totals.destroyed > 0 && totals.resolved > 0, JSON.stringify(totals));
});
