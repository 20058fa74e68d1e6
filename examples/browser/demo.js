// parawasm's browser demo: the BLAKE3 and SHA-256 digests of a dropped or
// chosen file (or of 64 MiB of sample bytes), computed at the same time on
// the pool's threads, from a buffer in the pool's shared memory. A
// requestAnimationFrame loop keeps a spinner turning and counts frames, to
// show that the page stays responsive while the pool works.
//
// Served by examples/browser/serve.mjs (`make demo-browser`), which maps
// the name "parawasm" to /pkg/browser.js with the page's import map.
import { createPool, hex } from 'parawasm';

const MiB = 1 << 20;
const MAX_BYTES = 1024 * MiB; // the largest input the demo accepts
const SAMPLE_BYTES = 64 * MiB;

const $ = (id) => document.getElementById(id);
const el = {
  isolated: $('isolated'), poolKind: $('pool-kind'), threads: $('threads'), shared: $('shared'),
  fallbackNote: $('fallback-note'), drop: $('drop'), file: $('file'), sample: $('sample'),
  spinner: $('spinner'), frames: $('frames'), fps: $('fps'), gap: $('gap'),
  duringFrames: $('during-frames'), duringGap: $('during-gap'),
  status: $('status'), thumbBox: $('thumb-box'), thumb: $('thumb'), thumbCaption: $('thumb-caption'),
  fileInfo: $('file-info'), digests: $('digests'), timing: $('timing'),
  blake3Hex: $('blake3-hex'), blake3Ms: $('blake3-ms'), blake3Rate: $('blake3-rate'),
  sha256Hex: $('sha256-hex'), sha256Ms: $('sha256-ms'), sha256Rate: $('sha256-rate'),
};

// What the page did, for anyone scripting it (the demo's test reads it).
const demo = {
  ready: false, // the pool is up and the inputs are enabled
  busy: false,
  error: null,
  isolated: globalThis.crossOriginIsolated === true,
  isShared: null,
  threads: null,
  frames: 0, // requestAnimationFrame callbacks so far
  runs: 0, // inputs hashed so far
  last: null, // the last result (see hashInput)
};
// The page's pool, once started, for a script that runs calls on it too;
// not enumerable, so that the state above stays a small plain object that
// can be copied out of the page as it is.
Object.defineProperty(demo, 'pool', { value: null, writable: true, enumerable: false });
globalThis.parawasmDemo = demo;

// ------------------------------------------------------------ formatting

const fmtBytes = (n) => (n >= MiB ? `${(n / MiB).toFixed(n >= 100 * MiB ? 0 : 1)} MiB`
  : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`);
const fmtMs = (ms) => (ms >= 100 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(1)} ms`);
const fmtRate = (bytes, ms) => (ms > 0 && bytes > 0 ? `${(bytes / 1e6 / (ms / 1e3)).toFixed(0)} MB/s` : '–');

function setStatus(text, kind = '') {
  el.status.textContent = text;
  el.status.className = `status ${kind}`.trim();
}

// ----------------------------------------------------- the live indicator

// The spinner turns a fixed step per frame, so it moves only while the main
// thread runs frames; the readouts use the frame timestamps of the last 2 s.
const recent = []; // [timestamp, gap since the previous frame]
let lastFrame = null;
let watch = null; // { frames, maxGap } while an input is being hashed
let lastReadout = 0;

function onFrame(t) {
  demo.frames++;
  if (lastFrame !== null) {
    const gap = t - lastFrame;
    recent.push([t, gap]);
    if (watch) watch.maxGap = Math.max(watch.maxGap, gap);
  }
  lastFrame = t;
  if (watch) watch.frames++;
  while (recent.length && recent[0][0] < t - 2000) recent.shift();
  el.spinner.style.transform = `rotate(${(demo.frames * 6) % 360}deg)`;
  if (t - lastReadout >= 200) {
    lastReadout = t;
    el.frames.textContent = String(demo.frames);
    const lastSecond = recent.filter(([ts]) => ts >= t - 1000).length;
    el.fps.textContent = recent.length ? String(lastSecond) : '–';
    el.gap.textContent = recent.length ? fmtMs(Math.max(...recent.map(([, g]) => g))) : '–';
  }
  requestAnimationFrame(onFrame);
}
requestAnimationFrame(onFrame);

// --------------------------------------------------------------- the pool

let pool = null;
let view = null; // the current input, in the pool's memory
let thumbUrl = null;

async function start() {
  pool = await createPool(); // one thread per core; the fallback pool without isolation
  demo.pool = pool;
  demo.isShared = pool.isShared;
  demo.threads = pool.threads;
  el.isolated.textContent = demo.isolated ? 'yes' : 'no';
  el.isolated.className = demo.isolated ? 'good' : 'bad';
  el.poolKind.textContent = pool.isShared
    ? 'threads over one shared WebAssembly.Memory'
    : 'fallback: one worker, buffers copied';
  el.threads.textContent = String(pool.threads);
  el.shared.textContent = String(pool.isShared);
  el.shared.className = pool.isShared ? 'good' : 'bad';
  el.fallbackNote.hidden = pool.isShared;
  if (typeof pool.blake3 !== 'function') throw new Error('this build of parawasm has no blake3 kernel');
  el.file.disabled = false;
  el.sample.disabled = false;
  demo.ready = true;
  setStatus('Ready: drop a file, choose one, or use the sample data.');
}

/** A view of `bytes` bytes of the pool's memory (the previous input is released). */
function allocInput(bytes) {
  if (view) pool.free(view);
  view = null;
  view = pool.alloc(bytes);
  return view;
}

/** Copies the file's bytes into `target` as they are read: no whole-file copy in between. */
async function readInto(file, target) {
  const reader = file.stream().getReader();
  let off = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (off + value.length > target.length) {
      await reader.cancel();
      throw new Error(`${file.name} grew while it was read`);
    }
    target.set(value, off);
    off += value.length;
  }
  if (off !== target.length) throw new Error(`${file.name}: read ${off} bytes of ${target.length}`);
}

const yieldToFrames = () => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * The sample data: pseudo-random 32-bit words from xorshift32 (seed
 * 0x2545f491, stored little-endian), written straight into `target` in
 * slices so that frames keep coming.
 */
async function fillSample(target) {
  const words = new Uint32Array(target.buffer, target.byteOffset, target.byteLength >>> 2);
  const SLICE = 1 << 20;
  let x = 0x2545f491;
  for (let start = 0; start < words.length; start += SLICE) {
    const end = Math.min(words.length, start + SLICE);
    for (let i = start; i < end; i++) {
      x ^= x << 13; x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5; x >>>= 0;
      words[i] = x;
    }
    await yieldToFrames();
  }
}

/** BLAKE3 and SHA-256 of `input`, both started at once; each timed from that start. */
async function hashInput(input, info) {
  const t0 = performance.now();
  watch = { frames: 0, maxGap: 0 };
  const framesBefore = demo.frames;
  const timed = (p) => p.then((digest) => ({ hex: hex(digest), ms: performance.now() - t0 }));
  let blake3, sha256;
  try {
    [blake3, sha256] = await Promise.all([timed(pool.blake3(input)), timed(pool.sha256(input))]);
  } finally {
    if (lastFrame !== null) watch.maxGap = Math.max(watch.maxGap, performance.now() - Math.max(lastFrame, t0));
  }
  const totalMs = performance.now() - t0;
  const during = { frames: demo.frames - framesBefore, maxGap: watch.maxGap };
  watch = null;
  demo.runs++;
  demo.last = { ...info, blake3: blake3.hex, sha256: sha256.hex, blake3Ms: blake3.ms, sha256Ms: sha256.ms, totalMs, during };
  return demo.last;
}

function showResult(r) {
  el.fileInfo.textContent = `${r.name} — ${fmtBytes(r.size)}${r.size >= 1024 ? ` (${r.size.toLocaleString('en')} bytes)` : ''}` +
    `${r.type ? `, ${r.type}` : ''}`;
  el.blake3Hex.textContent = r.blake3;
  el.sha256Hex.textContent = r.sha256;
  el.blake3Ms.textContent = fmtMs(r.blake3Ms);
  el.sha256Ms.textContent = fmtMs(r.sha256Ms);
  el.blake3Rate.textContent = fmtRate(r.size, r.blake3Ms);
  el.sha256Rate.textContent = fmtRate(r.size, r.sha256Ms);
  el.digests.hidden = false;
  const how = pool.isShared
    ? `both at once on ${pool.threads} threads, no copies`
    : 'one after the other in the fallback worker, on copies';
  el.timing.textContent = `${r.source === 'sample' ? 'Generated' : 'Read'} into the pool's memory in ${fmtMs(r.loadMs)}; ` +
    `hashed ${how} in ${fmtMs(r.totalMs)} (each time runs from the common start).`;
  el.duringFrames.textContent = String(r.during.frames);
  el.duringGap.textContent = fmtMs(r.during.maxGap);
}

function showThumbnail(file) {
  if (thumbUrl) URL.revokeObjectURL(thumbUrl);
  thumbUrl = null;
  if (!file || !file.type.startsWith('image/')) {
    el.thumbBox.hidden = true;
    el.thumb.removeAttribute('src');
    return;
  }
  thumbUrl = URL.createObjectURL(file);
  el.thumb.src = thumbUrl;
  el.thumb.alt = `Thumbnail of ${file.name}`;
  el.thumbCaption.textContent = file.name;
  el.thumbBox.hidden = false;
}

/** Runs one input from start to end; `load(target)` fills the pool view. */
async function run(info, load, file = null) {
  if (!demo.ready || demo.busy) return;
  if (info.size > MAX_BYTES) {
    setStatus(`${info.name} is ${fmtBytes(info.size)}: the demo takes inputs up to ${fmtBytes(MAX_BYTES)}.`, 'error');
    return;
  }
  demo.busy = true;
  el.file.disabled = true;
  el.sample.disabled = true;
  el.drop.classList.add('busy');
  try {
    showThumbnail(file);
    setStatus(`${info.source === 'sample' ? 'Generating' : 'Reading'} ${info.name} (${fmtBytes(info.size)})…`);
    const t0 = performance.now();
    const target = allocInput(info.size);
    await load(target);
    const loadMs = performance.now() - t0;
    setStatus(`Hashing ${fmtBytes(info.size)} with BLAKE3 and SHA-256…`, 'busy');
    const r = await hashInput(target, { ...info, loadMs });
    showResult(r);
    setStatus(`Done: ${info.name}.`, 'done');
  } catch (e) {
    demo.error = String(e?.message ?? e);
    setStatus(`Failed: ${demo.error}`, 'error');
  } finally {
    demo.busy = false;
    el.file.disabled = false;
    el.sample.disabled = false;
    el.drop.classList.remove('busy');
  }
}

function runFile(file) {
  return run({ source: 'file', name: file.name, size: file.size, type: file.type }, (t) => readInto(file, t), file);
}

function runSample() {
  return run({ source: 'sample', name: 'sample data (xorshift32)', size: SAMPLE_BYTES, type: '' }, fillSample);
}

// ------------------------------------------------------------------ input

el.file.addEventListener('change', () => {
  const file = el.file.files?.[0];
  if (file) runFile(file).finally(() => { el.file.value = ''; });
});
el.sample.addEventListener('click', () => runSample());

// a file dropped anywhere on the page is hashed, and never opened by the browser
for (const type of ['dragenter', 'dragover']) {
  document.addEventListener(type, (e) => {
    e.preventDefault();
    if (e.dataTransfer) e.dataTransfer.dropEffect = demo.ready && !demo.busy ? 'copy' : 'none';
    el.drop.classList.add('over');
  });
}
document.addEventListener('dragleave', (e) => {
  if (!e.relatedTarget) el.drop.classList.remove('over');
});
document.addEventListener('drop', (e) => {
  e.preventDefault();
  el.drop.classList.remove('over');
  const file = e.dataTransfer?.files?.[0];
  if (file) runFile(file);
});

start().catch((e) => {
  demo.error = String(e?.message ?? e);
  setStatus(`parawasm could not start: ${demo.error}`, 'error');
  el.poolKind.textContent = 'not started';
});
