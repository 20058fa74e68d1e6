// 3. Scaling: crc32 of one big pooled buffer on a 1-thread pool and on a
// pool with a thread per core, against zlib.crc32 on the same bytes.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { createPool } from '../../pkg/index.js';
import { alternate, fmt, fmtSummary, hex32, log, median, summarize, testData } from './lib.mjs';

const EFFICIENCY = 0.9; // scaling target: all/1 ≥ 0.9 x threads (1.8 on 2 threads)
const PROJECT_TO = 4; // cores of the projection made on smaller machines

const NATIVE_BANDWIDTH = path.join(path.dirname(new URL(import.meta.url).pathname), '../../build/native/native_bandwidth');

/** The machine's memory read bandwidth with `threads` threads (GB/s), from a native program. */
function readBandwidth(bytes, threads) {
  const out = JSON.parse(execFileSync(NATIVE_BANDWIDTH, [String(bytes), String(threads)], { encoding: 'utf8', timeout: 120e3 }));
  return { value: out.gbps, check: 0 };
}

// Each timed run makes PASSES calls over the buffer, one after another, so
// that a run lasts tens of ms and the timer and one wake-up weigh little.
const PASSES = 4;

async function timedAsync(bytes, fn) {
  const t0 = performance.now();
  let check = 0;
  for (let i = 0; i < PASSES; i++) check = (await fn()) >>> 0;
  const ms = performance.now() - t0;
  return { value: (PASSES * bytes) / ms / 1e6, check };
}

export async function benchScaling(cfg) {
  const bytes = cfg.scalingBytes;
  const threads = cfg.cores;
  const data = testData(bytes);
  let pool1 = null;
  let poolN = null;
  try {
    pool1 = await createPool({ threads: 1 });
    poolN = await createPool({ threads });
    const buf1 = pool1.alloc(bytes);
    const bufN = poolN.alloc(bytes);
    buf1.set(data);
    bufN.set(data);
    // zlib reads the very bytes of the all-threads pool's buffer, through a Buffer view
    const shared = Buffer.from(bufN.buffer, bufN.byteOffset, bufN.byteLength);
    const names = {
      one: 'parawasm pool.crc32, 1 thread',
      all: `parawasm pool.crc32, ${threads} threads`,
      zlib: 'zlib.crc32 (Node, main thread)',
    };
    const contenders = [
      { name: names.one, run: () => timedAsync(bytes, () => pool1.crc32(buf1)) },
      { name: names.all, run: () => timedAsync(bytes, () => poolN.crc32(bufN)) },
      { name: names.zlib, run: () => timedAsync(bytes, () => zlib.crc32(shared)) },
    ];
    // the ceiling of a memory-bound kernel: how fast this machine can read
    // memory at all, with 1 and with all threads (native, plain reads). Run
    // apart, before the others: a process allocating and filling 256 MiB
    // between the pool runs would disturb them.
    const bw = { bw1: 'memory read bandwidth, 1 thread (native)', bwN: `memory read bandwidth, ${threads} threads (native)` };
    let bwRes = new Map();
    if (existsSync(NATIVE_BANDWIDTH)) {
      bwRes = await alternate([
        { name: bw.bw1, run: async () => readBandwidth(bytes, 1) },
        { name: bw.bwN, run: async () => readBandwidth(bytes, threads) },
      ], cfg.runs);
    }
    log(`3. scaling: ${contenders.length} contenders x ${cfg.runs} runs on ${fmt(bytes / (1 << 20))} MiB`);
    const res = await alternate(contenders, cfg.runs);
    const copied = [pool1.stats().bytesCopied, poolN.stats().bytesCopied];

    const section = {
      id: 3,
      title: `crc32 of ${fmt(bytes / (1 << 20))} MiB in a pooled buffer: scaling (GB/s = 10^9 B/s, higher is better)`,
      intro: [
        'Two pools, created once: one with 1 thread, one with a thread per core, each holding the same bytes ' +
        'in an alloc() buffer (zero copy); zlib.crc32 reads the second pool\'s buffer through a Buffer view. ' +
        `Each run makes ${PASSES} calls over the buffer in a row; runs alternate between the contenders. The memory bandwidth rows are measured first, apart.`,
      ],
      tables: [],
      targets: [],
      notes: [],
      data: { bytes, threads, rows: [], bytesCopied: copied },
    };
    if (copied[0] || copied[1]) {
      section.notes.push(`the pools copied ${copied.join(' and ')} bytes: the alloc() views were not used in place.`);
    }
    const table = { headers: ['contender', 'GB/s median (min–max)', 'speed ÷ zlib', 'result'], rows: [] };
    section.tables.push(table);
    const s = {};
    const checks = new Set();
    for (const [k, name] of Object.entries(names)) {
      const rec = res.get(name);
      s[k] = rec.error ? null : summarize(rec.samples);
      for (const c of rec.checks) checks.add(c);
      if (rec.error) process.exitCode = 1;
    }
    for (const [k, name] of Object.entries(bw)) {
      const rec = bwRes.get(name);
      s[k] = rec && !rec.error ? summarize(rec.samples) : null;
    }
    const agree = checks.size === 1;
    if (!agree) {
      process.exitCode = 1;
      section.notes.push(`results differ: ${[...checks].map(hex32).join(', ')}`);
    }
    for (const [k, name] of Object.entries(names)) {
      const rec = res.get(name);
      table.rows.push([
        name,
        rec.error ? `error: ${rec.error.message}` : fmtSummary(s[k], 2),
        s[k] && s.zlib ? fmt(s[k].median / s.zlib.median, 2) : 'n/a',
        [...rec.checks].map(hex32).join(', ') + (agree ? '' : ' MISMATCH'),
      ]);
      section.data.rows.push({ name, unit: 'GB/s', ...s[k], results: [...rec.checks].map(hex32), error: rec.error ? String(rec.error.message) : null });
    }
    for (const [k, name] of Object.entries(bw)) {
      if (!s[k]) continue;
      table.rows.push([name, fmtSummary(s[k], 2), s.zlib ? fmt(s[k].median / s.zlib.median, 2) : 'n/a', '']);
      section.data.rows.push({ name, unit: 'GB/s', ...s[k] });
    }
    if (s.bw1 && s.bwN && s.one) {
      const ceiling = Math.min(threads, s.bwN.median / s.one.median);
      section.data.bandwidthCeiling = ceiling;
      section.notes.push(
        `Memory ceiling: this machine reads memory at ${fmt(s.bw1.median, 2)} GB/s on 1 thread and ` +
        `${fmt(s.bwN.median, 2)} GB/s on ${threads} (${fmt(s.bwN.median / s.bw1.median, 2)}x). A kernel that reads ` +
        `${fmt(s.one.median, 2)} GB/s on one thread can therefore scale at most ${fmt(ceiling, 2)}x here, however ` +
        'well it splits its work.',
      );
    }
    if (s.one && s.all) {
      const scaling = s.all.median / s.one.median;
      const one = res.get(names.one).samples;
      const all = res.get(names.all).samples;
      const paired = all.map((x, i) => x / one[i]);
      const efficiency = scaling / threads;
      section.data.scaling = { ratioOfMedians: scaling, pairedRatios: paired, pairedMedian: median(paired), efficiency };
      table.rows.push([
        `scaling ${threads} threads ÷ 1 thread`,
        `${fmt(scaling, 2)} (per-round ratios ${fmt(Math.min(...paired), 2)}–${fmt(Math.max(...paired), 2)})`,
        '',
        `efficiency ${fmt(efficiency * 100)} %`,
      ]);
      if (threads > 1) {
        const want = EFFICIENCY * threads;
        section.targets.push({
          name: `crc32 scaling ${threads} threads ÷ 1 thread ≥ ${fmt(want, 1)}`,
          requirement: `≥ ${fmt(want, 1)} (${fmt(EFFICIENCY * 100)} % of ${threads})`,
          measured: `${fmt(s.all.median, 2)} ÷ ${fmt(s.one.median, 2)} GB/s = ${fmt(scaling, 2)}` +
            (section.data.bandwidthCeiling ? ` (memory-bandwidth ceiling here: ${fmt(section.data.bandwidthCeiling, 2)})` : ''),
          value: scaling,
          pass: scaling >= want,
        });
      } else {
        section.notes.push('one core: no scaling target.');
      }
      if (cfg.cores < PROJECT_TO && s.zlib) {
        const projected = s.one.median * PROJECT_TO * (threads > 1 ? efficiency : 1);
        section.data.projection = {
          perCoreGBps: s.one.median,
          efficiency: threads > 1 ? efficiency : 1,
          cores: PROJECT_TO,
          projectedGBps: projected,
          zlibGBps: s.zlib.median,
          projectedOverZlib: projected / s.zlib.median,
        };
        section.notes.push(
          `Projection (this machine has ${cfg.cores} core${cfg.cores === 1 ? '' : 's'}): per-core speed ` +
          `${fmt(s.one.median, 2)} GB/s (1-thread pool); ${PROJECT_TO} cores at the measured efficiency ` +
          `${fmt((threads > 1 ? efficiency : 1) * 100)} %: ${fmt(s.one.median, 2)} × ${PROJECT_TO} × ` +
          `${fmt(threads > 1 ? efficiency : 1, 2)} = ${fmt(projected, 2)} GB/s, ${fmt(projected / s.zlib.median, 2)}× ` +
          `zlib.crc32 (${fmt(s.zlib.median, 2)} GB/s, single thread). A projection, not a measurement.`,
        );
      }
    }
    pool1.free(buf1);
    poolN.free(bufN);
    return section;
  } finally {
    await Promise.allSettled([pool1?.destroy(), poolN?.destroy()]);
  }
}
