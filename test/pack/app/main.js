// The browser app of the package tests: a page module that imports
// parawasm the way an application does. It is served three ways by
// test/pack/run.mjs (unbundled with an import map, bundled by esbuild,
// bundled by vite), on an origin with COOP/COEP and on one without.
// It only reports what it sees; run.mjs compares with Node's zlib.
import { createPool, loadCore, hex } from 'parawasm';

const CHECK = new TextEncoder().encode('123456789');
const MiB = 1 << 20;

async function fetchBytes(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

// The page keeps drawing while the pool works, shown without a clock:
// `call()` (a pool call) is issued again and again, each call in the same
// turn as the previous one ends, until `frames` animation frames have been
// drawn while a call was pending. A page that froze while the pool worked
// would never get there. The time taken and the longest gap between frames
// are reported, not judged (they depend on the machine and its load).
async function callsUntilFrames(call, frames = 3) {
  let pending = 0;
  let busyFrames = 0;
  let last = null;
  let maxGap = 0;
  let running = true;
  const tick = (t) => {
    if (!running) return;
    if (pending > 0) {
      busyFrames++;
      if (last !== null) maxGap = Math.max(maxGap, t - last);
      last = t;
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  const t0 = performance.now();
  const values = [];
  try {
    while (busyFrames < frames) {
      pending++;
      try {
        values.push(await call());
      } finally {
        pending--;
      }
    }
    return { values, ms: performance.now() - t0, frames: busyFrames, maxGap };
  } finally {
    running = false;
  }
}

// The user's own module worker: the core, synchronous, off the main thread.
function runUserWorker(input) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    const timer = setTimeout(() => { worker.terminate(); reject(new Error('the user worker sent nothing in 120 s (a hang)')); }, 120000);
    worker.onmessage = ({ data }) => {
      clearTimeout(timer);
      worker.terminate();
      if (data.error) reject(new Error(`user worker: ${data.error}`));
      else resolve(data);
    };
    worker.onerror = (e) => {
      clearTimeout(timer);
      e.preventDefault();
      reject(new Error(`user worker failed to load: ${e.message || '(no message: 404 or a module error)'}`));
    };
    worker.postMessage(input.slice());
  });
}

async function run({ bigMiB = 256 } = {}) {
  const out = { isolated: globalThis.crossOriginIsolated === true, sab: typeof SharedArrayBuffer === 'function' };
  const input = await fetchBytes(new URL('./input.bin', document.baseURI));

  const core = await loadCore();
  out.core = { check: core.crc32(CHECK), input: core.crc32(input), hex: hex(core.crc32(CHECK)) };

  const pool = await createPool();
  out.pool = { isShared: pool.isShared, threads: pool.threads, cores: navigator.hardwareConcurrency };
  out.pool.check = await pool.crc32(CHECK);
  out.pool.input = await pool.crc32(input);
  const own = pool.alloc(input.length);
  own.set(input);
  out.pool.alloc = await pool.crc32(own);
  pool.free(own);

  // a second pool: it works too, and does not warn again
  const second = await createPool({ threads: 2 });
  out.second = { isShared: second.isShared, check: await second.crc32(CHECK) };
  await second.destroy();

  // a long job: `bigMiB` MiB (the input repeated), hashed again and again
  // until the page has drawn frames meanwhile (the fallback pool copies it
  // to its worker and back in slices, letting the page draw in between)
  const big = pool.alloc(bigMiB * MiB);
  for (let off = 0; off < big.length; off += input.length) big.set(input.subarray(0, big.length - off), off);
  const long = await callsUntilFrames(() => pool.crc32(big));
  pool.free(big);
  out.long = { mib: bigMiB, values: long.values, ms: Math.round(long.ms), frames: long.frames, maxGap: Math.round(long.maxGap) };
  out.stats = pool.stats();
  await pool.destroy();

  out.worker = await runUserWorker(input);
  return out;
}

globalThis.parawasmApp = run(globalThis.parawasmAppOptions).catch((e) => ({ error: String(e?.stack ?? e) }));
