// The package from Node as an ES module: the core (synchronous) and the
// pool (async, on every core), each kernel once. Prints a JSON line with
// SHA-256 digests of what it computed (test/usage.test.js checks them).
//
//   node node/esm.mjs
import { createHash } from 'node:crypto';
import { createPool, loadCore } from '../pkg/index.js';
import * as inputs from '../inputs.js';

const sha = (v) => createHash('sha256').update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)).digest('hex');
const { image, width, height } = inputs.testImage();
const { x, w } = inputs.testSeries();
const tile = inputs.TILE;

// the core: kernels are plain synchronous functions
const core = await loadCore();
const edgesCore = new Uint8Array(image.length);
core.edges(image, edgesCore, { width, height });
const itersCore = new Uint32Array(tile.width * tile.height);
core.mandelbrot(itersCore, tile);

// the pool: kernels are async methods that run on every core; views from
// pool.alloc() lie in the pool's shared memory, so nothing is copied
const pool = await createPool();
const src = pool.alloc(image.length);
const dst = pool.alloc(image.length);
src.set(image);
await pool.edges(src, dst, { width, height });
const iters = pool.alloc(tile.width * tile.height * 4, Uint32Array);
await pool.mandelbrot(iters, { ...tile, onProgress: (done, total) => process.stderr.write(`\rmandelbrot: ${done}/${total} rows`) });
process.stderr.write('\n');

console.log(JSON.stringify({
  edges: { core: sha(edgesCore), pool: sha(dst) },
  weightedMean: { core: core.weightedMean(x, w), pool: await pool.weightedMean(x, w) },
  mandelbrot: { core: sha(itersCore), pool: sha(iters) },
  threads: pool.threads,
  isShared: pool.isShared,
}));
pool.free(src);
pool.free(dst);
pool.free(iters);
// no pool.destroy(): an idle pool does not keep the process alive
