// The example's page: the package's core and pool in a browser, bundled by
// esbuild or vite (see the README). It draws the Mandelbrot tile and the
// edges of the test image, and leaves what it computed, as SHA-256 digests,
// in globalThis.ownKernelsApp for the tests to compare with the references.
//
// On a cross-origin isolated page (COOP + COEP headers) the pool runs on
// threads over shared memory; elsewhere it is the single-thread build in one
// Web Worker (pool.isShared false), and the results are the same.
import { createPool, loadCore } from '../pkg/browser.js';
import * as inputs from '../inputs.js';

async function sha(view) {
  const d = await crypto.subtle.digest('SHA-256', new Uint8Array(view.buffer, view.byteOffset, view.byteLength).slice());
  return Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, '0')).join('');
}

function draw(id, width, height, rgba) {
  const canvas = document.getElementById(id);
  canvas.width = width;
  canvas.height = height;
  canvas.getContext('2d').putImageData(new ImageData(new Uint8ClampedArray(rgba), width, height), 0, 0);
}

/** Iteration counts as colours: black inside the set, blue to white outside. */
function colour(iters, maxIter) {
  const rgba = new Uint8Array(iters.length * 4);
  for (let i = 0; i < iters.length; i++) {
    const t = iters[i] >= maxIter ? 0 : Math.sqrt(iters[i] / maxIter);
    rgba.set([255 * t * t, 255 * t, 128 + 127 * t, 255], i * 4);
  }
  return rgba;
}

// the user's own module Web Worker: the core, synchronous there
function inWorker(message) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
    worker.onmessage = ({ data }) => {
      worker.terminate();
      if (data.error) reject(new Error(`worker: ${data.error}`));
      else resolve(data);
    };
    worker.onerror = (e) => {
      e.preventDefault();
      reject(new Error(`the worker failed to load: ${e.message || '(no message)'}`));
    };
    worker.postMessage(message);
  });
}

async function run() {
  const out = { isolated: globalThis.crossOriginIsolated === true };
  const { image, width, height } = inputs.testImage();
  const { x, w } = inputs.testSeries();
  const tile = inputs.TILE;

  const core = await loadCore();
  const edgesCore = new Uint8Array(image.length);
  core.edges(image, edgesCore, { width, height });
  const itersCore = new Uint32Array(tile.width * tile.height);
  core.mandelbrot(itersCore, tile);

  const pool = await createPool();
  out.pool = { isShared: pool.isShared, threads: pool.threads };
  const src = pool.alloc(image.length);
  const dst = pool.alloc(image.length);
  src.set(image);
  await pool.edges(src, dst, { width, height });
  const iters = pool.alloc(tile.width * tile.height * 4, Uint32Array);
  let reports = 0;
  await pool.mandelbrot(iters, { ...tile, onProgress: () => reports++ });

  draw('mandelbrot', tile.width, tile.height, colour(iters, tile.maxIter));
  draw('edges', width, height, dst);

  out.edges = { core: await sha(edgesCore), pool: await sha(dst) };
  out.weightedMean = { core: core.weightedMean(x, w), pool: await pool.weightedMean(x, w) };
  out.mandelbrot = { core: await sha(itersCore), pool: await sha(iters), progressReports: reports };
  pool.free(src);
  pool.free(dst);
  pool.free(iters);
  await pool.destroy();

  out.worker = await inWorker({ image, width, height });
  document.getElementById('status').textContent = `pool: ${out.pool.threads} thread(s), shared memory: ${out.pool.isShared}`;
  return out;
}

globalThis.ownKernelsApp = run().catch((e) => ({ error: String(e?.stack ?? e) }));
