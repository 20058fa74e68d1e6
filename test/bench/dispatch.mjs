// 2. Dispatch of an empty task: parawasm's pool (build/testpkg's testNoop)
// against piscina running an empty task and a raw worker_threads
// postMessage round trip, all with one thread per core.
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { createPool } from '../../build/testpkg/index.js';
import { FIXTURES, alternate, fmt, fmtSummary, log, median, summarize } from './lib.mjs';

const LATENCY_FACTOR = 0.5; // parawasm latency ≤ this x piscina's
const THROUGHPUT_FACTOR = 30; // parawasm queued throughput ≥ this x piscina's

/**
 * Awaits `calls` calls one at a time; value: median µs per call. The mean,
 * p90 and p99 of the run are kept too (µs).
 */
async function latencyRun(calls, call) {
  const dt = new Float64Array(calls);
  const start = performance.now();
  for (let i = 0; i < calls; i++) {
    const t0 = performance.now();
    await call();
    dt[i] = performance.now() - t0;
  }
  const total = performance.now() - start;
  dt.sort();
  const at = (q) => dt[Math.min(calls - 1, Math.floor(q * calls))] * 1e3;
  return { value: median(dt) * 1e3, mean: (total / calls) * 1e3, p90: at(0.9), p99: at(0.99) };
}

/** Submits `calls` calls at once and awaits them all; value: tasks per second. */
async function throughputRun(calls, call) {
  const ps = new Array(calls);
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) ps[i] = call();
  await Promise.all(ps);
  const ms = performance.now() - t0;
  return { value: calls / (ms / 1e3) };
}

/** `n` workers that echo call ids; call() posts to them in turn and resolves on the echo. */
async function startEchoWorkers(n) {
  const workers = [];
  const pending = new Map();
  let next = 0;
  let turn = 0;
  for (let i = 0; i < n; i++) {
    const w = new Worker(path.join(FIXTURES, 'echo-worker.mjs'));
    w.on('message', (id) => {
      const resolve = pending.get(id);
      pending.delete(id);
      resolve();
    });
    w.on('error', (e) => log(`echo worker error: ${e?.stack ?? e}`));
    workers.push(w);
  }
  await Promise.all(workers.map((w) => new Promise((resolve, reject) => {
    w.once('online', resolve);
    w.once('error', reject);
  })));
  return {
    call() {
      const id = next++;
      const w = workers[turn];
      turn = turn + 1 === n ? 0 : turn + 1;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        w.postMessage(id);
      });
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

export async function benchDispatch(cfg) {
  const threads = cfg.cores;
  const { latencyCalls, queuedCalls } = cfg;
  let pool = null;
  let piscina = null;
  let echo = null;
  try {
    pool = await createPool({ threads });
    piscina = new Piscina({
      filename: path.join(FIXTURES, 'piscina-noop.mjs'),
      minThreads: threads,
      maxThreads: threads,
    });
    echo = await startEchoWorkers(threads);

    const who = {
      parawasm: () => pool.testNoop(),
      piscina: () => piscina.run(null),
      raw: () => echo.call(),
    };
    const names = {
      parawasm: `parawasm pool.testNoop() (${threads} threads)`,
      piscina: `piscina empty task (${threads} threads)`,
      raw: `raw worker_threads postMessage echo (${threads} workers)`,
    };
    const contenders = [];
    for (const k of Object.keys(who)) {
      contenders.push({ name: `lat:${k}`, run: () => latencyRun(latencyCalls, who[k]) });
      contenders.push({ name: `thr:${k}`, run: () => throughputRun(queuedCalls, who[k]) });
    }
    log(`2. dispatch: ${contenders.length} measurements x ${cfg.runs} runs`);
    // warm-up: starts piscina's threads and lets the JIT settle
    const res = await alternate(contenders, cfg.runs, { warmup: 6 });

    const section = {
      id: 2,
      title: `Dispatch of an empty task, ${threads} threads (one per core)`,
      intro: [
        `Latency: ${fmt(latencyCalls)} calls per run made one at a time (await each); a run's figure is ` +
        'the median µs per call, lower is better.',
        `Throughput: ${fmt(queuedCalls)} calls submitted at once, then all awaited; tasks/s, higher is better.`,
        'parawasm runs build/testpkg\'s testNoop (an empty C kernel) with the pool\'s default options; ' +
        'piscina (defaults, minThreads = maxThreads) runs an empty exported function; the raw reference ' +
        'posts an id to worker_threads workers in turn, which post it back (an id map resolves the calls).',
      ],
      tables: [],
      targets: [],
      notes: [],
      data: { threads, latencyCalls, queuedCalls, rows: [] },
    };
    const table = {
      headers: ['contender', 'latency µs/call, median (min–max)', 'mean', 'p99', 'latency ÷ parawasm', 'queued tasks/s, median (min–max)', 'parawasm ÷ throughput'],
      rows: [],
    };
    section.tables.push(table);
    const lat = {};
    const thr = {};
    for (const k of Object.keys(who)) {
      const lr = res.get(`lat:${k}`);
      const tr = res.get(`thr:${k}`);
      lat[k] = lr.error ? null : summarize(lr.samples);
      thr[k] = tr.error ? null : summarize(tr.samples);
      section.data.rows.push({
        name: names[k],
        latencyUs: lat[k],
        latencyMeanUs: lr.error ? null : summarize(lr.details.map((d) => d.mean)),
        latencyP90Us: lr.error ? null : summarize(lr.details.map((d) => d.p90)),
        latencyP99Us: lr.error ? null : summarize(lr.details.map((d) => d.p99)),
        latencyError: lr.error ? String(lr.error.message) : null,
        tasksPerSecond: thr[k],
        throughputError: tr.error ? String(tr.error.message) : null,
      });
      if (lr.error || tr.error) process.exitCode = 1;
    }
    for (const k of Object.keys(who)) {
      const lr = res.get(`lat:${k}`);
      const tr = res.get(`thr:${k}`);
      table.rows.push([
        names[k],
        lr.error ? `error: ${lr.error.message}` : fmtSummary(lat[k], 1),
        lr.error ? '' : fmt(median(lr.details.map((d) => d.mean)), 1),
        lr.error ? '' : fmt(median(lr.details.map((d) => d.p99)), 1),
        k === 'parawasm' ? '1' : lat[k] && lat.parawasm ? fmt(lat[k].median / lat.parawasm.median, 2) : 'n/a',
        tr.error ? `error: ${tr.error.message}` : fmtSummary(thr[k]),
        k === 'parawasm' ? '1' : thr[k] && thr.parawasm ? fmt(thr.parawasm.median / thr[k].median, 2) : 'n/a',
      ]);
    }
    if (lat.parawasm && lat.piscina) {
      const r = lat.parawasm.median / lat.piscina.median;
      section.targets.push({
        name: 'dispatch latency: parawasm ≤ half of piscina',
        requirement: `parawasm ÷ piscina ≤ ${LATENCY_FACTOR}`,
        measured: `${fmt(lat.parawasm.median, 1)} vs ${fmt(lat.piscina.median, 1)} µs: ${fmt(r, 2)}`,
        value: r,
        pass: r <= LATENCY_FACTOR,
      });
    }
    if (thr.parawasm && thr.piscina) {
      const r = thr.parawasm.median / thr.piscina.median;
      section.targets.push({
        name: `queued throughput: parawasm ≥ ${THROUGHPUT_FACTOR}x piscina`,
        requirement: `parawasm ÷ piscina ≥ ${THROUGHPUT_FACTOR}`,
        measured: `${fmt(thr.parawasm.median)} vs ${fmt(thr.piscina.median)} tasks/s: ${fmt(r, 1)}`,
        value: r,
        pass: r >= THROUGHPUT_FACTOR,
      });
    }
    const st = pool.stats();
    section.data.poolStats = st;
    return section;
  } finally {
    await Promise.allSettled([pool?.destroy(), piscina?.destroy(), echo?.close()]);
  }
}
