// Node, worker_threads: two workers (one ESM, one CommonJS) each load the
// core and start a pool of their own; the input reaches them in a
// SharedArrayBuffer. Prints one JSON line: { esm, cjs } as the workers sent.
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

const input = readFileSync(new URL('./input.bin', import.meta.url));
const shared = new SharedArrayBuffer(input.length);
new Uint8Array(shared).set(input);

function run(file) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(file, import.meta.url), { workerData: { shared } });
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`${file} exited (code ${code}) without a result`)));
  });
}

const [esm, cjs] = await Promise.all([run('./worker-thread.mjs'), run('./worker-thread.cjs')]);
console.log(JSON.stringify({ esm, cjs }));
