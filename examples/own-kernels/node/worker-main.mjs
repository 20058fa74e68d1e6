// The package inside a worker_threads worker: the main thread hands the
// image over in a SharedArrayBuffer, the worker computes its edges with the
// core (synchronous there, off the main thread) and with a pool of its
// own, writing into SharedArrayBuffers the main thread reads. Prints a
// JSON line like esm.mjs (test/usage.test.js checks it).
//
//   node node/worker-main.mjs
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import * as inputs from '../inputs.js';

const sha = (v) => createHash('sha256').update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)).digest('hex');
const { image, width, height } = inputs.testImage();
const shared = {
  image: new Uint8Array(new SharedArrayBuffer(image.length)),
  edgesCore: new Uint8Array(new SharedArrayBuffer(image.length)),
  edgesPool: new Uint8Array(new SharedArrayBuffer(image.length)),
};
shared.image.set(image);

const worker = new Worker(new URL('./worker-thread.mjs', import.meta.url), { workerData: { ...shared, width, height } });
const reply = await new Promise((resolve, reject) => {
  worker.once('message', resolve);
  worker.once('error', reject);
  worker.once('exit', (code) => reject(new Error(`the worker exited (code ${code}) without a reply`)));
});
console.log(JSON.stringify({
  edges: { core: sha(shared.edgesCore), pool: sha(shared.edgesPool) },
  weightedMean: reply.weightedMean,
  mandelbrot: reply.mandelbrot,
  threads: reply.threads,
  isShared: reply.isShared,
  isMainThread: reply.isMainThread,
}));
