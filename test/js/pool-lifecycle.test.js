// Pool life cycle: destroy() with calls in flight, use after destroy, the
// process exiting with or without destroy(), crashes on a pool thread (trap,
// abort(), out-of-bounds read), createPool() option checks, the host
// process left unchanged, and the completion path used where
// Atomics.waitAsync is missing. Scenarios that could end or hang a process
// run in child processes.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  ParawasmError, PoolCrashedError, PoolDestroyedError, createPool,
} from '../../build/testpkg/index.js';
import {
  MiB, SEED, fillRandom, holdThreads, refCrc32, runNode,
} from './helpers/pool-test-utils.js';

import { newGate, until } from '../lib/hold.js';

const LIB = new URL('../../build/testpkg/index.js', import.meta.url).href;
const UTILS = new URL('./helpers/pool-test-utils.js', import.meta.url).href;

function isDestroyed(e) {
  assert.ok(e instanceof PoolDestroyedError, `a PoolDestroyedError (got ${e?.name}: ${e?.message})`);
  assert.ok(e instanceof ParawasmError);
  assert.equal(e.name, 'PoolDestroyedError');
  assert.equal(e.code, 'ERR_PW_POOL_DESTROYED');
  return true;
}

/** Asserts a child process ended by itself, with exit code 0. */
function assertCleanExit(r, what) {
  assert.equal(r.timedOut, false, `${what}: still running after the timeout; stdout: ${r.stdout} stderr: ${r.stderr}`);
  assert.equal(r.code, 0, `${what}: exit code ${r.code} (signal ${r.signal}); stderr: ${r.stderr}`);
}

describe('destroy()', () => {
  let pool;

  before(async () => {
    pool = await createPool({ threads: 2 });
  });
  after(() => pool?.destroy());

  test('rejects every pending call, running or queued, with PoolDestroyedError', async (t) => {
    assert.equal(pool.stats().state, 'ready');
    // two calls that never end by themselves: they can only settle by
    // destroy() not waiting for them
    const { calls: running } = await holdThreads(pool);
    const buf = fillRandom(pool.alloc(4 * MiB), SEED);
    const queued = [
      pool.crc32(buf), pool.crc32c(buf), pool.asciiUpper(buf), pool.crc32(Buffer.from('foreign')),
      pool.testNested(3, 3), pool.testSpin(10, 2, { signal: new AbortController().signal }),
      ...Array.from({ length: 5000 }, () => pool.testNoop()), // some wait in the JS queue
    ];
    const all = [...running, ...queued];
    const t0 = performance.now();
    const destroyed = pool.destroy();
    assert.ok(destroyed instanceof Promise);
    const results = await Promise.allSettled(all);
    const ms = performance.now() - t0;
    for (const r of results) {
      assert.equal(r.status, 'rejected');
      isDestroyed(r.reason);
    }
    t.diagnostic(`all ${all.length} rejected within ${ms.toFixed(0)} ms`);
    assert.equal(await destroyed, undefined);
    const s = pool.stats();
    assert.equal(s.state, 'destroyed');
    assert.equal(s.queued, 0);
    assert.equal(s.running, 0);
  });

  test('is idempotent', async () => {
    await pool.destroy();
    await Promise.all([pool.destroy(), pool.destroy()]);
    assert.equal(pool.stats().state, 'destroyed');
  });

  test('calls after destroy reject with PoolDestroyedError; alloc throws', async () => {
    await assert.rejects(pool.testNoop(), isDestroyed);
    await assert.rejects(pool.crc32(new Uint8Array(10)), isDestroyed);
    await assert.rejects(pool.crc32(new Uint8Array(10), { signal: AbortSignal.abort() }), PoolDestroyedError);
    assert.throws(() => pool.alloc(16), isDestroyed);
  });
});

describe('destroy() of an idle pool', () => {
  test('resolves; the pool reports state "destroyed"', async () => {
    const pool = await createPool({ threads: 1 });
    try {
      assert.equal(await pool.crc32(new Uint8Array([1, 2, 3])), refCrc32(new Uint8Array([1, 2, 3])));
      await pool.destroy();
      assert.equal(pool.stats().state, 'destroyed');
    } finally {
      await pool.destroy();
    }
  });
});

describe('the process exits', () => {
  test('after destroy(), also with calls in flight', async () => {
    const r = await runNode(`
      import { createPool } from ${JSON.stringify(LIB)};
      const pool = await createPool({ threads: 2 });
      const buf = pool.alloc(1 << 20);
      console.log('crc', await pool.crc32(buf));
      const gate = pool.alloc(8, Uint32Array);
      gate.set([0x484f4c44, 0]); // a closed testHold gate (HOLD, no chunk started)
      const pending = pool.testHold(gate).catch((e) => console.log('pending', e.code)); // never released
      while (Atomics.load(gate, 1) === 0) await new Promise((r) => setTimeout(r, 1));
      await pool.destroy();
      await pending;
      console.log('destroyed');
    `);
    assertCleanExit(r, 'destroy');
    assert.match(r.stdout, /pending ERR_PW_POOL_DESTROYED\ndestroyed/);
  });

  test('without destroy(): an idle pool does not hold the process open', async () => {
    const r = await runNode(`
      import { createPool } from ${JSON.stringify(LIB)};
      const pool = await createPool({ threads: 3 });
      const unused = await createPool({ threads: 2 });
      const buf = pool.alloc(3 << 20);
      console.log('crc', await pool.crc32(buf), await pool.testNested(3, 2));
      // a call still running when the script ends is awaited, then the process exits
      pool.testSpin(300, 3).then((n) => console.log('spin', n));
      console.log('end of script');
    `);
    assertCleanExit(r, 'no destroy');
    assert.match(r.stdout, /end of script\nspin 3\n/);
  });
});

describe('the process exits after a crash, without destroy()', () => {
  test('a crashed pool holds nothing open', async () => {
    const r = await runNode(`
      import { createPool } from ${JSON.stringify(LIB)};
      const pool = await createPool({ threads: 2 });
      const gate = pool.alloc(8, Uint32Array);
      gate.set([0x484f4c44, 0]); // a closed testHold gate (HOLD, no chunk started)
      const calls = [pool.testHold(gate), pool.testTrap(0), pool.testNoop()]; // the hold is never released
      const results = await Promise.allSettled(calls);
      console.log(results.map((x) => x.reason?.code).join(' '));
    `);
    assertCleanExit(r, 'crash without destroy');
    assert.match(r.stdout, /^ERR_PW_POOL_CRASHED ERR_PW_POOL_CRASHED ERR_PW_POOL_CRASHED$/m);
  });
});

// A child process that crashes a pool with testTrap(kind) while other calls
// run and wait, then uses a new pool; it prints one JSON report.
const crashScript = (kind) => `
  import { createPool, PoolCrashedError } from ${JSON.stringify(LIB)};
  import { fillRandom, refCrc32 } from ${JSON.stringify(UTILS)};
  const events = ['uncaughtException', 'unhandledRejection', 'exit'];
  const listeners = () => events.map((e) => process.listenerCount(e)).join(',');
  const listenersBefore = listeners();
  const bystander = await createPool({ threads: 1 });   // another pool in the same process
  const pool = await createPool({ threads: 2 });
  const buf = fillRandom(pool.alloc(4 << 20), 1);
  const gate = pool.alloc(8, Uint32Array);
  gate.set([0x484f4c44, 0]); // a closed testHold gate (HOLD, no chunk started)
  const spin = pool.testHold(gate);                     // on the other thread, never released
  while (Atomics.load(gate, 1) === 0) await new Promise((r) => setTimeout(r, 1));
  const t0 = performance.now();
  const trap = pool.testTrap(${kind});
  const queued = [pool.crc32(buf), pool.testNoop(), pool.testNested(3, 2),
    pool.crc32(Buffer.from('foreign')), ...Array.from({ length: 5000 }, () => pool.testNoop())];
  const all = [spin, trap, ...queued];
  const times = all.map((p) => p.then(() => -1, () => performance.now() - t0));
  const results = await Promise.allSettled(all);
  const latest = Math.max(...(await Promise.all(times)));
  const report = {
    statuses: [...new Set(results.map((r) => r.status))],
    names: [...new Set(results.map((r) => r.reason?.name))],
    codes: [...new Set(results.map((r) => r.reason?.code))],
    allCrashed: results.every((r) => r.reason instanceof PoolCrashedError),
    trapMessage: results[1].reason?.message,
    latest,
    state: pool.stats().state,
  };
  report.after = await pool.testNoop().then(() => 'resolved', (e) => e.name);
  try { pool.alloc(8); report.alloc = 'ok'; } catch (e) { report.alloc = e.name; }
  await pool.destroy();
  const b0 = fillRandom(bystander.alloc(1 << 20), 3);
  report.bystanderOk = (await bystander.crc32(b0)) === refCrc32(b0) && bystander.stats().state === 'ready';
  await bystander.destroy();
  const fresh = await createPool({ threads: 2 });
  const b = fillRandom(fresh.alloc(3 << 20), 2);
  report.freshOk = (await fresh.crc32(b)) === refCrc32(b) && (await fresh.testNested(3, 2)) === 8n;
  await fresh.destroy();
  report.listeners = listenersBefore === listeners();
  report.exitCode = process.exitCode ?? 0;
  console.log(JSON.stringify(report));
`;

describe('a crash on a pool thread', () => {
  for (const [kind, what] of [[0, 'a trap (unreachable)'], [1, 'abort()'], [2, 'an out-of-bounds read'], [4, 'exit(3)']]) {
    test(`testTrap(${kind}), ${what}: all pending calls reject with PoolCrashedError; the process lives`, async (t) => {
      const r = await runNode(crashScript(kind));
      assertCleanExit(r, `testTrap(${kind})`);
      assert.doesNotMatch(r.stderr, /Uncaught/);
      const report = JSON.parse(r.stdout.trim().split('\n').at(-1));
      t.diagnostic(`all rejected within ${report.latest.toFixed(0)} ms of the trap's submission`);
      assert.deepEqual(report.statuses, ['rejected']);
      assert.deepEqual(report.names, ['PoolCrashedError']);
      assert.deepEqual(report.codes, ['ERR_PW_POOL_CRASHED']);
      assert.equal(report.allCrashed, true);
      assert.match(report.trapMessage, /testTrap/, 'the message names the kernel');
      assert.equal(report.state, 'crashed');
      assert.equal(report.after, 'PoolCrashedError', 'later calls reject too');
      assert.equal(report.alloc, 'PoolCrashedError');
      assert.equal(report.bystanderOk, true, 'another pool of the process is not affected');
      assert.equal(report.freshOk, true, 'a new pool in the same process works');
      assert.equal(report.listeners, true, 'no process listeners added');
      assert.equal(report.exitCode, 0, 'process.exitCode untouched');
    });
  }
});

// A burst of in-place calls (each doubles its own 1-element view) with a
// trap in the middle: prints, per call, whether it resolved and whether it ran.
const burstCrashScript = (threads) => `
  import { createPool } from ${JSON.stringify(LIB)};
  const pool = await createPool({ threads: ${threads} });
  const N = 3000;
  const views = Array.from({ length: N }, () => { const v = pool.alloc(8, Float64Array); v[0] = 1; return v; });
  const calls = [];
  let trap;
  for (let i = 0; i < N; i++) {
    if (i === N / 2) trap = pool.testTrap(0);
    calls.push(pool.testScaleF64(views[i], 2));
  }
  const settled = await Promise.allSettled(calls);
  const trapped = await trap.then(() => 'resolved', (e) => e.code);
  const rows = settled.map((r, i) => [r.status === 'fulfilled' ? 1 : 0, views[i][0] === 2 ? 1 : 0, r.reason?.code ?? '']);
  console.log(JSON.stringify({ trapped, rows }));
`;

describe('a crash in a burst of calls: the outcome of each call says whether it ran', () => {
  for (const threads of [1, 2]) {
    test(`pool of ${threads}: calls that ended resolve, calls not started reject and did not run`, async () => {
      const r = await runNode(burstCrashScript(threads));
      assertCleanExit(r, 'burst crash');
      const { trapped, rows } = JSON.parse(r.stdout.trim().split('\n').at(-1));
      assert.equal(trapped, 'ERR_PW_POOL_CRASHED');
      const resolvedNotRun = rows.filter(([ok, ran]) => ok && !ran).length;
      const rejectedRan = rows.filter(([ok, ran]) => !ok && ran).length;
      const before = rows.slice(0, rows.length / 2);
      const after = rows.slice(rows.length / 2);
      assert.equal(resolvedNotRun, 0, 'a resolved call ran');
      assert.ok(rows.every(([ok, , code]) => ok || code === 'ERR_PW_POOL_CRASHED'), 'a rejection is PoolCrashedError');
      // at most one call per other thread was running when the crash was seen
      assert.ok(rejectedRan <= threads - 1, `${rejectedRan} calls rejected but ran`);
      assert.ok(before.filter(([ok]) => !ok).length <= threads - 1,
        `the calls queued before the trap had ended or were running: ${before.filter(([ok]) => !ok).length} rejected`);
      if (threads === 1) assert.ok(after.every(([ok, ran]) => !ok && !ran), 'on one thread nothing after the trap ran');
    });
  }
});

describe('createPool() options', () => {
  test('threads must be an integer from 1 to 256', async () => {
    for (const threads of [0, -1, 1.5, 257, NaN, Infinity, 2 ** 32]) {
      await assert.rejects(createPool({ threads }), RangeError, `threads: ${threads}`);
    }
    for (const threads of ['2', null, 2n, [2], {}]) {
      await assert.rejects(createPool({ threads }), TypeError, `threads: ${String(threads)}`);
    }
  });

  test('unknown options and non-object options are a TypeError', async () => {
    await assert.rejects(createPool({ thread: 2 }), TypeError);
    await assert.rejects(createPool({ threads: 2, bogus: true }), TypeError);
    for (const options of [2, 'threads', null, true]) {
      await assert.rejects(createPool(options), TypeError, `options: ${String(options)}`);
    }
    await assert.rejects(createPool({ spin: -1 }), RangeError);
  });

  test('a valid pool reports its thread count', async () => {
    const pool = await createPool({ threads: 3, spin: 0 });
    try {
      assert.equal(pool.threads, 3);
      assert.equal(pool.stats().threads, 3);
      assert.equal(pool.isShared, true);
      assert.equal(await pool.testNested(2, 3), 9n);
    } finally {
      await pool.destroy();
    }
  });
});

describe('the host process is left as it was', () => {
  test('no process listeners are added', async () => {
    const events = ['uncaughtException', 'unhandledRejection', 'exit', 'beforeExit', 'SIGINT', 'SIGTERM'];
    const count = () => events.map((e) => `${e}=${process.listenerCount(e)}`);
    const before = count();
    const pool = await createPool({ threads: 2 });
    try {
      assert.deepEqual(count(), before, 'after createPool');
      await pool.testNoop();
    } finally {
      await pool.destroy();
    }
    assert.deepEqual(count(), before, 'after destroy');
  });

  test('no globals are added or replaced', async () => {
    const r = await runNode(`
      const snapshot = () => new Map(Object.getOwnPropertyNames(globalThis).map((k) => {
        const d = Object.getOwnPropertyDescriptor(globalThis, k);
        return [k, d.get ?? d.value];
      }));
      for (const k of Object.getOwnPropertyNames(globalThis)) void globalThis[k]; // settle lazy globals
      const before = snapshot();
      const { createPool, loadCore } = await import(${JSON.stringify(LIB)});
      const pool = await createPool({ threads: 2 });
      await pool.testNoop();
      await loadCore();
      await pool.destroy();
      const after = snapshot();
      const changed = [...after.keys()].filter((k) => !before.has(k) || !Object.is(before.get(k), after.get(k)));
      console.log(JSON.stringify(changed));
    `);
    assertCleanExit(r, 'globals');
    assert.deepEqual(JSON.parse(r.stdout), []);
  });
});

describe('the completion path without Atomics.waitAsync', () => {
  test('1,000 calls complete correctly when Atomics.waitAsync is missing', async () => {
    const r = await runNode(`
      Atomics.waitAsync = undefined; // before the library is loaded and the pool created
      const { createPool } = await import(${JSON.stringify(LIB)});
      const { fillRandom, refCrc32 } = await import(${JSON.stringify(UTILS)});
      const pool = await createPool({ threads: 2 });
      const bufs = [];
      const calls = [];
      for (let i = 0; i < 1000; i++) {
        if (i % 3 === 0) {
          calls.push(pool.testNoop().then((v) => v === undefined));
        } else {
          const b = fillRandom(pool.alloc(1 + (i * 7919) % 5000), ${SEED} + i);
          bufs.push(b);
          const want = refCrc32(b);
          calls.push(pool.crc32(b).then((v) => v === want));
        }
      }
      const ok = (await Promise.all(calls)).filter(Boolean).length;
      // one at a time, and large parallel calls
      let serial = 0;
      for (let i = 0; i < 100; i++) if ((await pool.testNested(2, 2)) === 4n) serial++;
      const big = fillRandom(pool.alloc(16 << 20), 3);
      const bigOk = (await Promise.all([pool.crc32(big), pool.crc32(big.subarray(1))]))
        .every((v, i) => v === refCrc32(i ? big.subarray(1) : big));
      const s = pool.stats();
      console.log(JSON.stringify({ ok, serial, bigOk, done: s.done, queued: s.queued, running: s.running,
        waitAsync: typeof Atomics.waitAsync }));
      // no destroy(): the process must still exit
    `);
    assertCleanExit(r, 'no waitAsync');
    const report = JSON.parse(r.stdout.trim().split('\n').at(-1));
    assert.deepEqual(report, {
      ok: 1000, serial: 100, bigOk: true, done: 1102, queued: 0, running: 0, waitAsync: 'undefined',
    });
  });
});

describe('onProgress', () => {
  test('a queued call reports no progress before it starts, whatever its task slot ran before', async () => {
    const pool = await createPool({ threads: 1 });
    try {
      const big = fillRandom(pool.alloc(4 * MiB), SEED);
      // the 4 MiB call leaves its progress (4 MiB of 4 MiB) in its task slot,
      // which is freed last, so the next call takes it
      const first = pool.sha256(big, { onProgress: () => {} });
      const gate = newGate(pool);
      const held = pool.testHold(gate, 1); // then occupies the thread
      await first;
      await until(() => Atomics.load(gate, 1) === 1, 'testHold running');
      const seen = [];
      const small = pool.sha256(new Uint8Array(10), { onProgress: (done, total) => seen.push([done, total]) });
      // progress is read every 50 ms while the call is watched: wait for several reads
      await new Promise((r) => { setTimeout(r, 300); });
      assert.deepEqual(seen, [], 'reports of a call that has not started');
      Atomics.store(gate, 0, 0);
      await Promise.all([small, held]);
      assert.ok(seen.every(([done, total]) => total === 10 && done <= 10), `reports of the 10-byte call: ${JSON.stringify(seen)}`);
    } finally {
      await pool.destroy();
    }
  });
});

describe('createPool() warm-up', () => {
  test('the empty tasks that run the call paths before the pool is handed out leave no trace', async () => {
    for (const threads of [1, 2, 3]) {
      const pool = await createPool({ threads });
      try {
        // (white-box: the warm-up's stretches of threads + 33 calls made
        // the records of the slots they took, more than a batch of 16 at
        // once; without it no slot has a record yet)
        const records = pool.$fast.filter(Boolean).length;
        assert.ok(records > 16, `threads ${threads}: the warm-up ran (${records} slot records)`);
        const s = pool.stats();
        assert.deepEqual([s.done, s.bytesCopied, s.queued, s.running], [0, 0, 0, 0], `threads ${threads}: counters as new`);
        assert.equal(pool.$heap.liveBytes, 0, `threads ${threads}: its alloc() block freed`);
        assert.equal(pool.$top, pool.$cap, `threads ${threads}: every task record free`);
        const data = fillRandom(new Uint8Array(1000), SEED);
        const view = pool.alloc(data.length);
        view.set(data);
        assert.equal(await pool.crc32(view), refCrc32(data), `threads ${threads}: the first call's result`);
        assert.equal(pool.stats().done, 1);
        pool.free(view);
      } finally {
        await pool.destroy();
      }
    }
  });
});
