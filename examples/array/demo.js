// parawasm's array demo: a big Float64Array in the pool's shared memory,
// sorted, summarised (quantiles) and histogrammed on the pool while the
// page keeps drawing frames; or, for contrast, sorted with the built-in
// Float64Array.prototype.sort on the main thread (no frame until done).
//
// The page imports parawasm as a user's page would ('parawasm', mapped to
// /pkg/browser.js by its import map). ?rows=N sets the dataset's size.
// For its test (test/js/array-demo.test.js) it keeps its state in
// globalThis.parawasmArrayDemo and offers run(options) there.
import { createPool } from 'parawasm';
import { BINS, DEFAULT_ROWS, QUANTILES, fillDataset } from './dataset.js';

const $ = (id) => document.getElementById(id);
const el = {
  rows: $('rows'), pool: $('pool'), run: $('run'), plain: $('plain-js'), frames: $('frames'), status: $('status'),
  note: $('fallback-note'), engine: $('engine'), time: $('time'), during: $('during'), quantiles: $('quantiles'),
  sorted: $('sorted'), hist: $('hist'),
};
const param = Number(new URLSearchParams(location.search).get('rows'));
const rows = Number.isInteger(param) && param > 0 ? param : DEFAULT_ROWS;

const demo = {
  ready: false, busy: false, runs: 0, error: null, rows, isolated: globalThis.crossOriginIsolated === true,
  isShared: null, threads: null, last: null, run: null,
};
globalThis.parawasmArrayDemo = demo;

// frames: counted by requestAnimationFrame, which runs only when the main thread is free
let frames = 0;
const tick = () => {
  frames++;
  el.frames.textContent = String(frames);
  requestAnimationFrame(tick);
};
requestAnimationFrame(tick);

function setStatus(text, kind = '') {
  el.status.textContent = text;
  el.status.className = `status ${kind}`;
}

const fmt = (v) => (Math.abs(v) >= 100 ? v.toFixed(1) : v.toPrecision(4));

function isSorted(x) {
  for (let i = 1; i < x.length; i++) if (x[i - 1] > x[i]) return false;
  return true;
}

function drawHistogram(counts, lo, hi) {
  const c = el.hist;
  const g = c.getContext('2d');
  const style = getComputedStyle(document.documentElement);
  g.clearRect(0, 0, c.width, c.height);
  const max = Math.max(1, ...counts);
  const w = c.width / counts.length;
  g.fillStyle = style.getPropertyValue('--accent').trim() || '#3558d4';
  counts.forEach((n, i) => {
    const h = ((c.height - 20) * n) / max;
    g.fillRect(i * w + 1, c.height - 20 - h, w - 2, h);
  });
  g.fillStyle = style.getPropertyValue('--muted').trim() || '#666';
  g.font = '12px system-ui, sans-serif';
  g.fillText(fmt(lo), 2, c.height - 4);
  const t = fmt(hi);
  g.fillText(t, c.width - g.measureText(t).width - 2, c.height - 4);
}

let pool;
let data; // the dataset, in the pool's memory
let seed = 0;

/** New data (seed + 1), sorted, summarised and histogrammed; resolves to the run's record. */
async function run({ plain = el.plain.checked } = {}) {
  if (demo.busy) throw new Error('a run is in progress');
  demo.busy = true;
  el.run.disabled = true;
  seed++;
  fillDataset(data, seed);
  const engine = plain ? 'js' : 'pool';
  setStatus(plain ? 'sorting on the main thread…' : `sorting ${rows.toLocaleString('en-US')} values on the pool…`);
  await new Promise((r) => requestAnimationFrame(() => r())); // the status shows first
  const f0 = frames;
  const t0 = performance.now();
  let quantiles;
  let counts;
  let sorted;
  if (plain) {
    // the built-in sort, and plain loops for the rest, all on the main thread
    const x = data.slice().sort();
    quantiles = QUANTILES.map((q) => {
      const h = q * (x.length - 1);
      const i = Math.floor(h);
      return h === i ? x[i] : x[i] + (h - i) * (x[i + 1] - x[i]);
    });
    const lo = x[0];
    const hi = x[x.length - 1];
    counts = new Uint32Array(BINS);
    const w = (hi - lo) / BINS;
    for (const v of x) counts[Math.min(BINS - 1, Math.floor((v - lo) / w))]++;
    sorted = isSorted(x);
  } else {
    await pool.array.sort(data);
    quantiles = Array.from(await pool.array.quantiles(data, QUANTILES));
    counts = await pool.array.histogram(data, { bins: BINS });
    sorted = null;
  }
  const ms = performance.now() - t0;
  const framesDuring = frames - f0;
  if (sorted === null) sorted = isSorted(data);
  drawHistogram(counts, quantiles[0], quantiles[quantiles.length - 1]);
  el.engine.textContent = plain ? 'plain JavaScript, main thread' : `parawasm pool, ${pool.threads} thread${pool.threads === 1 ? '' : 's'}`;
  el.time.textContent = `${ms.toFixed(0)} ms`;
  el.during.textContent = String(framesDuring);
  el.quantiles.textContent = quantiles.map(fmt).join(' / ');
  el.sorted.textContent = sorted ? 'yes' : 'NO';
  setStatus(`done: ${rows.toLocaleString('en-US')} values in ${ms.toFixed(0)} ms`, sorted ? 'good' : 'bad');
  demo.runs++;
  demo.last = { seed, rows, engine, ms, framesDuring, sorted, quantiles, counts: Array.from(counts) };
  demo.busy = false;
  el.run.disabled = false;
  return demo.last;
}

demo.run = (options) => run(options).catch((e) => {
  demo.busy = false;
  demo.error = String(e?.stack ?? e);
  setStatus(`failed: ${e?.message ?? e}`, 'bad');
  throw e;
});

try {
  pool = await createPool();
  demo.isShared = pool.isShared;
  demo.threads = pool.threads;
  data = pool.alloc(rows * 8, Float64Array);
  el.rows.textContent = rows.toLocaleString('en-US');
  el.pool.textContent = pool.isShared ? `Pool: ${pool.threads} threads over shared memory.` : 'Pool: fallback (one worker, copies).';
  el.note.hidden = pool.isShared;
  el.run.addEventListener('click', () => demo.run().catch(() => {}));
  el.run.disabled = false;
  el.plain.disabled = false;
  demo.ready = true;
  await demo.run({ plain: false });
} catch (e) {
  demo.error = String(e?.stack ?? e);
  setStatus(`parawasm could not start: ${e?.message ?? e}`, 'bad');
}
