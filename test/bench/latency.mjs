// 6. How soon calls settle when they are stopped: an abort of a running
// call (a kernel that splits its work stops at its next chunk), an abort of
// thousands of queued calls, destroy() and a crash on a pool thread with
// calls running and queued. The tests check that these settle, without a
// clock (a loaded machine must not fail them); the times are figures here.
//
// Needs build/testpkg (testHold: runs until released or aborted; testTrap).
import { createPool } from '../../build/testpkg/index.js';
import { holdThreads, newGate, until } from '../lib/hold.js';
import { MiB, alternate, fmt, fmtSummary, log, summarize, testData } from './lib.mjs';

// Expectations the tests used to assert (on a quiet machine); here targets.
const TARGETS = {
  running: 2000, // ms: an aborted running call rejects
  queued: 200, // ms: aborted queued calls reject
  destroy: 1000, // ms: destroy() rejects every pending call
  crash: 1000, // ms: a crash rejects every pending call
};

const QUEUED = 4096;
const CRC_BYTES = 512 * MiB;

export async function benchLatency(cfg) {
  const threads = 2;
  let pool = null;
  let big = null;
  try {
    pool = await createPool({ threads });
    big = pool.alloc(cfg.quick ? 64 * MiB : CRC_BYTES);
    big.set(testData(Math.min(big.length, cfg.scalingBytes)));
    log(`6. latency: ${cfg.runs} runs`);

    const names = {
      hold: `abort of a running call: testHold, 500 chunks on ${threads} threads`,
      crc: `abort of a running crc32 of ${fmt(big.length / MiB)} MiB (after it starts)`,
      queued: `abort of ${fmt(QUEUED)} queued calls (threads held)`,
      destroy: `destroy() with ${threads} running and ${fmt(QUEUED)} queued calls`,
      crash: `a trap on a pool thread with 1 running and ${fmt(QUEUED)} queued calls`,
    };
    const contenders = [
      {
        name: names.hold,
        run: async () => {
          const gate = newGate(pool);
          const ac = new AbortController();
          const p = pool.testHold(gate, 500, { signal: ac.signal });
          await until(() => Atomics.load(gate, 1) === threads, 'both threads holding');
          const t0 = performance.now();
          ac.abort();
          await p.catch(() => {});
          const value = performance.now() - t0;
          pool.free(gate);
          return { value };
        },
      },
      {
        name: names.crc,
        run: async () => {
          // aborted once it runs; a run whose call finished first is retried
          for (;;) {
            const ac = new AbortController();
            const p = pool.crc32(big, { signal: ac.signal });
            await until(() => pool.stats().running > 0, 'the crc32 to start');
            const t0 = performance.now();
            ac.abort();
            const aborted = await p.then(() => false, () => true);
            if (aborted) return { value: performance.now() - t0 };
          }
        },
      },
      {
        name: names.queued,
        run: async () => {
          const held = await holdThreads(pool);
          const ac = new AbortController();
          const calls = Array.from({ length: QUEUED }, () => pool.testNoop({ signal: ac.signal }));
          const t0 = performance.now();
          ac.abort();
          await Promise.allSettled(calls);
          const value = performance.now() - t0;
          await held.end();
          return { value };
        },
      },
      {
        name: names.destroy,
        run: async () => {
          const p = await createPool({ threads });
          const { calls } = await holdThreads(p);
          const all = [...calls, ...Array.from({ length: QUEUED }, () => p.testNoop())];
          const t0 = performance.now();
          const ending = p.destroy();
          await Promise.allSettled(all);
          const value = performance.now() - t0;
          await ending;
          return { value, resolved: performance.now() - t0 };
        },
      },
      {
        name: names.crash,
        run: async () => {
          const p = await createPool({ threads });
          const gate = newGate(p);
          const hold = p.testHold(gate);
          await until(() => Atomics.load(gate, 1) === 1, 'a thread holding');
          const t0 = performance.now();
          const all = [hold, p.testTrap(0), ...Array.from({ length: QUEUED }, () => p.testNoop())];
          await Promise.allSettled(all);
          const value = performance.now() - t0;
          await p.destroy();
          return { value };
        },
      },
    ];
    const res = await alternate(contenders, cfg.runs);

    const section = {
      id: 6,
      title: 'Stopping calls: time until they settle (ms, lower is better)',
      intro: [
        'From abort() (or destroy(), or the submission of a call that traps) until every affected promise has settled. ' +
        'testHold waits in 50 µs sleeps between checks of its gate and of the abort flag; crc32 checks it between its ' +
        'chunks (at least 512 KiB each). destroy() and a crash reject at once and end the threads without waiting for their kernels.',
      ],
      tables: [{ headers: ['what', 'ms'], rows: [] }],
      targets: [],
      notes: [],
      data: { threads, queued: QUEUED, rows: [] },
    };
    const got = {};
    for (const [k, name] of Object.entries(names)) {
      const rec = res.get(name);
      if (rec.error) {
        process.exitCode = 1;
        section.tables[0].rows.push([name, `error: ${rec.error.message}`]);
        section.data.rows.push({ name, error: String(rec.error.message) });
        continue;
      }
      got[k] = summarize(rec.samples);
      section.tables[0].rows.push([name, fmtSummary(got[k], 2)]);
      section.data.rows.push({ name, unit: 'ms', ...got[k] });
    }
    const target = (k, what, ms) => {
      if (!got[k]) return;
      section.targets.push({
        name: what,
        requirement: `< ${fmt(ms)} ms`,
        measured: `${fmt(got[k].max, 1)} ms (slowest of ${got[k].runs})`,
        value: got[k].max,
        pass: got[k].max < ms,
      });
    };
    target('crc', 'an aborted running crc32 rejects soon', TARGETS.running);
    target('queued', `${fmt(QUEUED)} aborted queued calls reject at once`, TARGETS.queued);
    target('destroy', 'destroy() rejects every pending call at once', TARGETS.destroy);
    target('crash', 'a crash rejects every pending call at once', TARGETS.crash);
    return section;
  } finally {
    if (big && pool) pool.free(big);
    await pool?.destroy();
  }
}
