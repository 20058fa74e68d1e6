// 4. Event-loop delay while checksumming: the pool keeps the main thread
// free; the same work done synchronously with the core does not.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';
import { createPool, loadCore } from '../../pkg/index.js';
import { alternate, fmt, fmtSummary, hex32, log, median, summarize, testData } from './lib.mjs';

const POOL_P99_MAX_MS = 5;

/** Runs job() under a fresh 1 ms event-loop-delay monitor; figures in ms. */
async function monitored(job) {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const t0 = performance.now();
  const out = await job();
  const ms = performance.now() - t0;
  h.disable();
  const r = {
    p50: h.percentile(50) / 1e6,
    p99: h.percentile(99) / 1e6,
    max: h.max / 1e6,
    mean: h.mean / 1e6,
    samples: h.count,
    ms,
    ...out,
  };
  r.value = r.p99;
  return r;
}

export async function benchEventLoop(cfg) {
  const bytes = cfg.scalingBytes;
  const threads = cfg.cores;
  let pool = null;
  let core = null;
  let cbuf = null;
  try {
    pool = await createPool({ threads });
    const pbuf = pool.alloc(bytes);
    pbuf.set(testData(bytes));
    core = await loadCore();
    core.crc32(new Uint8Array(1 << 20)); // see checksums.mjs: scratch first, then alloc()
    cbuf = core.alloc(bytes);
    cbuf.set(pbuf);

    // Warm-up, then calibration: the job is the number of pool calls that
    // take loopJobMs at the median time per call seen over loopJobMs (the
    // median is less sensitive to a busy machine than a plain count). Every
    // timed run, pool and core, then makes exactly that many calls, so that
    // both do the same work.
    const callTimes = async (ms) => {
      const dt = [];
      const t0 = performance.now();
      while (performance.now() - t0 < ms) {
        const t = performance.now();
        await pool.crc32(pbuf);
        dt.push(performance.now() - t);
      }
      return dt;
    };
    core.crc32(cbuf);
    await callTimes(Math.max(200, cfg.loopJobMs / 4));
    const units = Math.max(1, Math.round(cfg.loopJobMs / median(await callTimes(cfg.loopJobMs))));
    log(`4. event loop: ${units} x crc32 of ${fmt(bytes / (1 << 20))} MiB per job, ${cfg.runs} runs`);

    const names = {
      idle: `idle (await a ${fmt(cfg.idleMs)} ms timer)`,
      pool: `parawasm pool.crc32, ${threads} threads, await each call`,
      sync: 'parawasm core.crc32 on the main thread, yielding between calls',
    };
    const contenders = [
      {
        name: names.idle,
        run: () => monitored(async () => {
          await sleep(cfg.idleMs);
          return { bytes: 0 };
        }),
      },
      {
        name: names.pool,
        run: () => monitored(async () => {
          let crc = 0;
          for (let i = 0; i < units; i++) crc = await pool.crc32(pbuf);
          return { bytes: units * bytes, check: crc >>> 0 };
        }),
      },
      {
        name: names.sync,
        run: () => monitored(async () => {
          let crc = 0;
          for (let i = 0; i < units; i++) {
            crc = core.crc32(cbuf);
            await yieldToLoop();
          }
          return { bytes: units * bytes, check: crc >>> 0 };
        }),
      },
    ];
    const res = await alternate(contenders, cfg.runs, { warmup: 0 });

    const section = {
      id: 4,
      title: 'Event-loop delay during a checksum job (perf_hooks.monitorEventLoopDelay, resolution 1 ms; ms, lower is better)',
      intro: [
        `Job: ${units} crc32 calls over a ${fmt(bytes / (1 << 20))} MiB buffer (${fmt(units * bytes / 1e9, 2)} GB): ` +
        `${fmt(cfg.loopJobMs)} ms of pool calls at the median time per call of a calibration run (after a warm-up). Each timed pool run awaits ` +
        `them one after the other; the synchronous job does the same ${units} calls ` +
        'with the core (a copy of the bytes in its own heap), yielding to the event loop (setImmediate) between calls.',
        'The monitor\'s samples are whole timer intervals, so an idle loop shows about 1 ms: the idle row is the floor. ' +
        'Figures per run are the monitor\'s p50, p99 and max; the table gives their median (min–max) over the runs.',
      ],
      tables: [],
      targets: [],
      notes: [],
      data: { bytes, threads, units, rows: [] },
    };
    const table = {
      headers: ['job', 'p50', 'p99', 'max', 'job time ms', 'GB/s'],
      rows: [],
    };
    section.tables.push(table);
    const got = {};
    const checks = new Set();
    for (const [k, name] of Object.entries(names)) {
      const rec = res.get(name);
      for (const c of rec.checks) checks.add(c);
      if (rec.error) {
        process.exitCode = 1;
        table.rows.push([name, `error: ${rec.error.message}`, '', '', '', '']);
        section.data.rows.push({ name, error: String(rec.error.message) });
        continue;
      }
      const pick = (f) => summarize(rec.details.map((d) => d[f]));
      got[k] = { p50: pick('p50'), p99: pick('p99'), max: pick('max'), ms: pick('ms'), samples: pick('samples') };
      const gbps = k === 'idle' ? null : summarize(rec.details.map((d) => d.bytes / d.ms / 1e6));
      table.rows.push([
        name,
        fmtSummary(got[k].p50, 2),
        fmtSummary(got[k].p99, 2),
        fmtSummary(got[k].max, 1),
        fmtSummary(got[k].ms),
        gbps ? fmtSummary(gbps, 2) : '',
      ]);
      section.data.rows.push({ name, unit: 'ms', ...got[k], gbps, runs: rec.details });
    }
    if (checks.size > 1) {
      process.exitCode = 1;
      section.notes.push(`results differ between the pool and the core: ${[...checks].map(hex32).join(', ')}`);
    }
    if (got.pool) {
      section.targets.push({
        name: `event-loop delay p99 during the pool job < ${POOL_P99_MAX_MS} ms`,
        requirement: `< ${POOL_P99_MAX_MS} ms`,
        measured: `${fmt(got.pool.p99.median, 2)} ms (max ${fmt(got.pool.max.median, 1)} ms)` +
          (got.sync ? `; synchronous: p99 ${fmt(got.sync.p99.median, 1)} ms` : ''),
        value: got.pool.p99.median,
        pass: got.pool.p99.median < POOL_P99_MAX_MS,
      });
    }
    pool.free(pbuf);
    return section;
  } finally {
    if (core && cbuf) core.free(cbuf);
    await pool?.destroy();
  }
}
