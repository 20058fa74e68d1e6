// parawasm's image demo: a photo (yours, or a built-in sample) through
// resize, blur and sharpen, re-run live as the sliders move. The pixels
// stay in the pool's memory and the filters run on its threads, so the
// page keeps drawing frames while they work: the spinner and the
// frame-time readout show it. A toggle runs a plain-JS version of the same
// filters on the main thread instead, for contrast (the page then stalls).
//
// Served by examples/image/serve.mjs (`make demo-image`), which maps the
// name "parawasm" to /pkg/browser.js with the page's import map.
import { createPool } from 'parawasm';
import { SAMPLE, drawSample, runPipeline, scaled } from './pipeline.js';

const $ = (id) => document.getElementById(id);
const el = {
  isolated: $('isolated'), poolKind: $('pool-kind'), threads: $('threads'), note: $('fallback-note'),
  file: $('file'), sample: $('sample'), drop: $('drop'), source: $('source'),
  scale: $('scale'), sigma: $('sigma'), amount: $('amount'), plain: $('plain-js'),
  scaleOut: $('scale-out'), sigmaOut: $('sigma-out'), amountOut: $('amount-out'),
  spinner: $('spinner'), fps: $('fps'), frameMs: $('frame-ms'), gap: $('gap'),
  status: $('status'), canvas: $('out'), runEngine: $('run-engine'), runMs: $('run-ms'),
  runFrames: $('run-frames'), runGap: $('run-gap'), outSize: $('out-size'),
};

// What the page did, for anyone scripting it (the demo's test reads it).
const demo = {
  ready: false, // the pool is up and a source is loaded
  busy: false, // a run is in progress
  error: null,
  isolated: globalThis.crossOriginIsolated === true,
  isShared: null,
  threads: null,
  frames: 0, // requestAnimationFrame callbacks so far
  runs: 0, // runs finished
  source: null, // { name, width, height }
  last: null, // the last run: { engine, settings, width, height, ms, framesDuring, maxGap, digest }
  /** Sets the controls and runs with them; resolves to that run's result. */
  apply: null,
};
globalThis.parawasmDemo = demo;

const fmtMs = (ms) => (ms >= 100 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(1)} ms`);

function setStatus(text, kind = '') {
  el.status.textContent = text;
  el.status.className = `status ${kind}`.trim();
}

// ----------------------------------------------------- frames and timing
// The spinner turns a fixed step a frame, so it moves only while the main
// thread draws frames. During a run, every frame is counted and the
// longest gap between two frames kept: of a gap that began before the run
// started, only its part after the start (the built-in sample drawn on
// the main thread just before a run is not the run's).
const recent = []; // [timestamp, gap]
let lastFrame = null;
let during = null; // { frames, maxGap, t0 } while a run is in progress
let lastReadout = 0;

function onFrame(t) {
  demo.frames++;
  if (lastFrame !== null) {
    const gap = t - lastFrame;
    recent.push([t, gap]);
    if (during) during.maxGap = Math.max(during.maxGap, t - Math.max(lastFrame, during.t0));
  }
  if (during) during.frames++; // a frame drawn while a filter is still running
  lastFrame = t;
  while (recent.length && recent[0][0] < t - 2000) recent.shift();
  el.spinner.style.transform = `rotate(${(demo.frames * 6) % 360}deg)`;
  if (t - lastReadout >= 200) {
    lastReadout = t;
    el.fps.textContent = String(recent.filter(([ts]) => ts >= t - 1000).length);
    el.frameMs.textContent = recent.length ? fmtMs(recent[recent.length - 1][1]) : '–';
    el.gap.textContent = recent.length ? fmtMs(Math.max(...recent.map(([, g]) => g))) : '–';
  }
  requestAnimationFrame(onFrame);
}
requestAnimationFrame(onFrame);

// ---------------------------------------------------- the plain-JS filters
// The same three steps written plainly in JS, for the toggle: resize with a
// triangle filter widened when shrinking, a Gaussian blur with taps to 3
// sigma, and an unsharp mask of sigma 1; on opaque RGBA, in floats.

function taps1d(n, m, weight, radius) {
  const scale = n / m;
  const s = Math.max(1, scale);
  const list = [];
  for (let x = 0; x < m; x++) {
    const centre = (x + 0.5) * scale;
    const lo = Math.max(0, Math.floor(centre - radius * s));
    const hi = Math.min(n - 1, Math.ceil(centre + radius * s));
    const t = [];
    let sum = 0;
    for (let j = lo; j <= hi; j++) {
      const w = weight((j + 0.5 - centre) / s);
      if (w > 0) {
        t.push(j, w);
        sum += w;
      }
    }
    for (let k = 1; k < t.length; k += 2) t[k] /= sum;
    list.push(t);
  }
  return list;
}

function gaussTaps(n, sigma) {
  const r = Math.ceil(3 * sigma);
  const list = [];
  for (let x = 0; x < n; x++) {
    const t = [];
    let sum = 0;
    for (let k = -r; k <= r; k++) {
      const w = Math.exp(-(k * k) / (2 * sigma * sigma));
      t.push(Math.min(n - 1, Math.max(0, x + k)), w);
      sum += w;
    }
    for (let k = 1; k < t.length; k += 2) t[k] /= sum;
    list.push(t);
  }
  return list;
}

// one separable pass over RGB floats (3 a pixel): along rows (`alongX`) or columns
function pass(src, w, h, taps, alongX) {
  const ow = alongX ? taps.length : w;
  const oh = alongX ? h : taps.length;
  const out = new Float32Array(ow * oh * 3);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      const t = taps[alongX ? x : y];
      let r = 0;
      let g = 0;
      let b = 0;
      for (let k = 0; k < t.length; k += 2) {
        const o = (alongX ? y * w + t[k] : t[k] * w + x) * 3;
        r += t[k + 1] * src[o];
        g += t[k + 1] * src[o + 1];
        b += t[k + 1] * src[o + 2];
      }
      const o = (y * ow + x) * 3;
      out[o] = r;
      out[o + 1] = g;
      out[o + 2] = b;
    }
  }
  return out;
}

function plainPipeline(rgba, width, height, { scale, sigma, amount }) {
  let w = width;
  let h = height;
  let f = new Float32Array(w * h * 3);
  for (let i = 0; i < w * h; i++) f.set(rgba.subarray(i * 4, i * 4 + 3), i * 3);
  const [nw, nh] = scaled(width, height, scale);
  if (nw !== w || nh !== h) {
    const tri = (x) => Math.max(0, 1 - Math.abs(x));
    f = pass(pass(f, w, h, taps1d(w, nw, tri, 1), true), nw, h, taps1d(h, nh, tri, 1), false);
    [w, h] = [nw, nh];
  }
  if (sigma > 0) f = pass(pass(f, w, h, gaussTaps(w, sigma), true), w, h, gaussTaps(h, sigma), false);
  if (amount > 0) {
    const b = pass(pass(f, w, h, gaussTaps(w, 1), true), w, h, gaussTaps(h, 1), false);
    for (let i = 0; i < f.length; i++) f[i] += amount * (f[i] - b[i]);
  }
  const data = new Uint8ClampedArray(w * h * 4);
  for (let i = 0; i < w * h; i++) {
    data[i * 4] = f[i * 3];
    data[i * 4 + 1] = f[i * 3 + 1];
    data[i * 4 + 2] = f[i * 3 + 2];
    data[i * 4 + 3] = 255;
  }
  return { data, width: w, height: h };
}

// ------------------------------------------------------------ the runs

let pool;
let src = null; // the source image, in the pool's memory
let srcPlain = null; // a plain copy of its pixels, for the plain-JS toggle
let pending = false; // the controls moved during a run: run again after it
let waiters = []; // apply() promises, resolved by the next run that starts after them

function settings() {
  return { scale: Number(el.scale.value), sigma: Number(el.sigma.value), amount: Number(el.amount.value), plain: el.plain.checked };
}

function showSettings() {
  const s = settings();
  el.scaleOut.textContent = `${s.scale}%`;
  el.sigmaOut.textContent = s.sigma.toFixed(1);
  el.amountOut.textContent = s.amount.toFixed(1);
}

function schedule() {
  showSettings();
  if (!src) return;
  if (demo.busy) pending = true;
  else run();
}

async function sha256Hex(bytes) {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return [...d].map((b) => b.toString(16).padStart(2, '0')).join('');
}

async function run() {
  demo.busy = true;
  const s = settings();
  const mine = waiters;
  waiters = [];
  const engine = s.plain ? 'plain JS, main thread' : `parawasm pool, ${pool.threads} thread${pool.threads > 1 ? 's' : ''}`;
  setStatus(`running on the ${engine}…`, 'busy');
  const t0 = performance.now();
  during = { frames: 0, maxGap: 0, t0 };
  try {
    let out;
    let image;
    if (s.plain) {
      out = plainPipeline(srcPlain, src.width, src.height, s);
      image = new ImageData(out.data, out.width, out.height);
    } else {
      out = await runPipeline(pool.image, src, s);
      image = new ImageData(out.width, out.height); // ImageData takes unshared memory: a copy
      image.data.set(out.data);
      pool.image.free(out);
    }
    const ms = performance.now() - t0;
    const seen = during;
    during = null;
    el.canvas.width = image.width;
    el.canvas.height = image.height;
    el.canvas.getContext('2d').putImageData(image, 0, 0);
    demo.runs++;
    demo.last = {
      engine: s.plain ? 'js' : 'pool', settings: s, width: image.width, height: image.height, ms,
      framesDuring: seen.frames, maxGap: seen.maxGap, digest: await sha256Hex(image.data),
    };
    el.runEngine.textContent = engine;
    el.runMs.textContent = fmtMs(ms);
    el.runFrames.textContent = String(seen.frames);
    el.runGap.textContent = seen.frames ? fmtMs(seen.maxGap)
      : s.plain ? `${fmtMs(ms)} (no frame: the main thread was busy)` : '– (done before the next frame)';
    el.outSize.textContent = `${image.width} × ${image.height}`;
    setStatus(`done in ${fmtMs(ms)} on the ${engine}`, 'good');
    for (const w of mine) w.resolve(demo.last);
  } catch (e) {
    during = null;
    demo.error = String(e?.stack ?? e);
    setStatus(`failed: ${e?.message ?? e}`, 'bad');
    for (const w of mine) w.reject(e);
  } finally {
    demo.busy = false;
  }
  if (pending) {
    pending = false;
    run();
  }
}

demo.apply = (s) => {
  if (s.scale !== undefined) el.scale.value = String(s.scale);
  if (s.sigma !== undefined) el.sigma.value = String(s.sigma);
  if (s.amount !== undefined) el.amount.value = String(s.amount);
  if (s.plain !== undefined) el.plain.checked = s.plain;
  const p = new Promise((resolve, reject) => waiters.push({ resolve, reject }));
  schedule();
  return p;
};

// ------------------------------------------------------------ sources

function setSource(image, name) {
  if (src) pool.image.free(src);
  src = image;
  srcPlain = image.data.slice(); // a plain copy for the plain-JS filters
  demo.source = { name, width: image.width, height: image.height };
  el.source.textContent = `${name}: ${image.width} × ${image.height}`;
  el.scale.max = String(Math.min(200, Math.floor((4096 / Math.max(image.width, image.height)) * 100)) || 1);
  schedule();
}

function loadSample() {
  const img = pool.image.create(SAMPLE.width, SAMPLE.height);
  drawSample(img.data, img.width, img.height);
  setSource(img, 'built-in sample');
}

async function loadFile(file) {
  setStatus(`decoding ${file.name}…`, 'busy');
  const bytes = new Uint8Array(await file.arrayBuffer());
  let img;
  try {
    img = await pool.image.decode(bytes); // PNG or JPEG, on a pool thread
  } catch (e) {
    if (e?.code !== 'ERR_PW_BAD_FORMAT') throw e;
    // another format (WebP, GIF, ...): the browser decodes it
    const bitmap = await createImageBitmap(file);
    const c = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = c.getContext('2d');
    ctx.drawImage(bitmap, 0, 0);
    img = pool.image.create(bitmap.width, bitmap.height);
    img.data.set(ctx.getImageData(0, 0, bitmap.width, bitmap.height).data);
  }
  setSource(img, file.name);
}

const onFile = (file) => loadFile(file).catch((e) => {
  demo.error = String(e?.stack ?? e);
  setStatus(`cannot read ${file.name}: ${e?.message ?? e}`, 'bad');
});

// ------------------------------------------------------------ start

try {
  pool = await createPool();
  demo.isShared = pool.isShared;
  demo.threads = pool.threads;
  el.isolated.textContent = demo.isolated ? 'yes' : 'no';
  el.poolKind.textContent = pool.isShared ? 'threads over shared memory' : 'fallback: one worker, copies';
  el.threads.textContent = String(pool.threads);
  el.note.hidden = pool.isShared;
  for (const c of [el.scale, el.sigma, el.amount, el.plain]) c.addEventListener('input', schedule);
  el.sample.addEventListener('click', loadSample);
  el.file.addEventListener('change', () => el.file.files[0] && onFile(el.file.files[0]));
  el.drop.addEventListener('dragover', (e) => e.preventDefault());
  el.drop.addEventListener('drop', (e) => {
    e.preventDefault();
    if (e.dataTransfer.files[0]) onFile(e.dataTransfer.files[0]);
  });
  for (const c of [el.file, el.sample, el.scale, el.sigma, el.amount, el.plain]) c.disabled = false;
  loadSample();
  demo.ready = true;
} catch (e) {
  demo.error = String(e?.stack ?? e);
  setStatus(`parawasm could not start: ${e?.message ?? e}`, 'bad');
}
