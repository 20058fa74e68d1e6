// The worker of worker-main.mjs.
import { createHash } from 'node:crypto';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { createPool, loadCore } from '../pkg/index.js';
import * as inputs from '../inputs.js';

const sha = (v) => createHash('sha256').update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)).digest('hex');
const { image, edgesCore, edgesPool, width, height } = workerData;
const { x, w } = inputs.testSeries();
const tile = inputs.TILE;

const core = await loadCore();
core.edges(image, edgesCore, { width, height });
const itersCore = new Uint32Array(tile.width * tile.height);
core.mandelbrot(itersCore, tile);

const pool = await createPool({ threads: 2 });
await pool.edges(image, edgesPool, { width, height });
const itersPool = pool.alloc(tile.width * tile.height * 4, Uint32Array);
await pool.mandelbrot(itersPool, tile);

parentPort.postMessage({
  weightedMean: { core: core.weightedMean(x, w), pool: await pool.weightedMean(x, w) },
  mandelbrot: { core: sha(itersCore), pool: sha(itersPool) },
  threads: pool.threads,
  isShared: pool.isShared,
  isMainThread,
});
// no destroy(): the worker, and then the process, still end
