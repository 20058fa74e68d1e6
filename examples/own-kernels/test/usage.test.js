// The Node examples (node/*.mjs, node/*.cjs) as users run them: each is
// started as its own process, must end by itself, and must print results
// equal to the plain-JS references.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as inputs from '../inputs.js';
import { edgesRef, mandelbrotRef, weightedMeanRef } from './reference.js';

const sha = (v) => createHash('sha256').update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)).digest('hex');

const { image, width, height } = inputs.testImage();
const { x, w } = inputs.testSeries();
const WANT = {
  edges: sha(edgesRef(image, width, height)),
  weightedMean: weightedMeanRef(x, w),
  mandelbrot: sha(mandelbrotRef(inputs.TILE)),
};

/** Runs a script of node/; it must exit 0 by itself within 60 s. Resolves to its last stdout line, parsed. */
function run(script) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [new URL(`../node/${script}`, import.meta.url).pathname], { timeout: 60000, killSignal: 'SIGKILL' },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${script}: ${err.signal ? `killed (${err.signal}): it did not end by itself` : `exit ${err.code}`}\n${stdout}${stderr}`));
        else resolve(JSON.parse(stdout.trim().split('\n').pop()));
      });
  });
}

function checkResults(out, what) {
  for (const where of ['core', 'pool']) {
    assert.equal(out.edges[where], WANT.edges, `${what}: edges on the ${where}`);
    assert.ok(Object.is(out.weightedMean[where], WANT.weightedMean), `${what}: weightedMean on the ${where}`);
    assert.equal(out.mandelbrot[where], WANT.mandelbrot, `${what}: mandelbrot on the ${where}`);
  }
  assert.equal(out.isShared, true, `${what}: the pool is on shared memory`);
  assert.ok(out.threads >= 1);
}

test('ES module (node/esm.mjs)', async () => {
  checkResults(await run('esm.mjs'), 'esm.mjs');
});

test('CommonJS (node/cjs.cjs)', async () => {
  const out = await run('cjs.cjs');
  checkResults(out, 'cjs.cjs');
  assert.equal(out.threads, 2);
  // views not from alloc() are copied (and counted): the image in and its
  // edges out, the counts out (a PW_OUT buffer is not copied in), x and w in
  assert.equal(out.bytesCopied, 2 * image.length + inputs.TILE.width * inputs.TILE.height * 4 + 2 * x.byteLength);
  assert.deepEqual(out.error, { isParawasmError: true, name: 'AbortError', code: 'ABORT_ERR' });
});

test('worker_threads (node/worker-main.mjs)', async () => {
  const out = await run('worker-main.mjs');
  checkResults(out, 'worker-main.mjs');
  assert.equal(out.isMainThread, false);
});
