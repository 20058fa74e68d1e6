// The package from Node as CommonJS: require() gives the same API.
// Prints a JSON line like esm.mjs (test/usage.test.js checks it).
//
//   node node/cjs.cjs
'use strict';
const { createHash } = require('node:crypto');
const { createPool, loadCore, ParawasmError } = require('../pkg');

const sha = (v) => createHash('sha256').update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)).digest('hex');

async function main() {
  const inputs = await import('../inputs.js'); // an ES module, loaded from CommonJS
  const { image, width, height } = inputs.testImage();
  const { x, w } = inputs.testSeries();
  const tile = inputs.TILE;
  const core = await loadCore();
  const pool = await createPool({ threads: 2 });
  const edgesCore = new Uint8Array(image.length);
  core.edges(image, edgesCore, { width, height });
  const edgesPool = new Uint8Array(image.length); // not from alloc(): copied in and out
  await pool.edges(image, edgesPool, { width, height });
  const itersCore = new Uint32Array(tile.width * tile.height);
  core.mandelbrot(itersCore, tile);
  const itersPool = new Uint32Array(tile.width * tile.height);
  await pool.mandelbrot(itersPool, tile);
  // a call aborted before it starts rejects with an AbortError, a ParawasmError
  let error = null;
  try {
    await pool.mandelbrot(itersPool, { ...tile, signal: AbortSignal.abort() });
  } catch (e) {
    error = { isParawasmError: e instanceof ParawasmError, name: e.name, code: e.code };
  }
  console.log(JSON.stringify({
    edges: { core: sha(edgesCore), pool: sha(edgesPool) },
    weightedMean: { core: core.weightedMean(x, w), pool: await pool.weightedMean(x, w) },
    mandelbrot: { core: sha(itersCore), pool: sha(itersPool) },
    threads: pool.threads,
    isShared: pool.isShared,
    bytesCopied: pool.stats().bytesCopied,
    error,
  }));
  await pool.destroy();
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
