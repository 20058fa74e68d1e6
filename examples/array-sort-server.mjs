// Sorting a 10-million-row column while an HTTP server keeps answering.
//
// A Float64Array "price" column of 10M rows lives in the pool's shared
// memory (pool.alloc(): no copies), with an Int32Array "id" column beside
// it. pool.array.sortByKey() sorts the prices and moves the ids with them
// on the pool's threads, while this process's HTTP server answers a client
// that asks it something every few milliseconds. The request latencies
// during the sort are printed, and then, for contrast, those while the
// main thread sorts a copy with Float64Array.prototype.sort, which blocks
// every request until it is done.
//
//   node examples/array-sort-server.mjs [rows]      (default 10000000)
import http from 'node:http';
import { Worker } from 'node:worker_threads';
import { createPool } from '../pkg/index.js';

const rows = Number(process.argv[2] ?? 10_000_000);
const pool = await createPool(); // one thread per core

// the column and its payload, in pool memory (a real program would load them)
const price = pool.alloc(rows * 8, Float64Array);
const id = pool.alloc(rows * 4, Int32Array);
let s = 1;
for (let i = 0; i < rows; i++) {
  s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
  price[i] = Math.round((s / 2 ** 32) * 1e6) / 100; // 0.00 to 10000.00
  id[i] = i;
}
const original = Float64Array.from(price); // for the checks and the contrast run

// a tiny server
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end(`ok ${req.url}\n`);
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();
// The client runs on a thread of its own (a worker), so that it measures
// the server as any other process would: it asks every 2 ms and times each
// answer, whatever this thread is doing.
const CLIENT = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
let running = true;
const lat = [];
parentPort.on('message', () => { running = false; });
(async () => {
  while (running) {
    const t0 = performance.now();
    await new Promise((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: workerData.port, path: '/q' + lat.length, agent }, (res) => {
        res.resume();
        res.on('end', resolve);
      }).on('error', reject);
    });
    lat.push(performance.now() - t0);
    if (lat.length === 1) parentPort.postMessage('started');
    await new Promise((r) => setTimeout(r, 2));
  }
  agent.destroy();
  parentPort.postMessage(lat);
})();
`;

/** Starts the client; resolves when it has had its first answer. stop() resolves to the latencies (ms). */
async function client() {
  const w = new Worker(CLIENT, { eval: true, workerData: { port } });
  await new Promise((resolve) => w.once('message', resolve));
  return {
    stop: () => new Promise((resolve) => {
      w.once('message', (lat) => w.terminate().then(() => resolve(lat)));
      w.postMessage('stop');
    }),
  };
}

function report(what, ms, lat) {
  const sorted = Float64Array.from(lat).sort();
  const q = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  console.log(`${what}: ${ms.toFixed(0)} ms; ${lat.length} requests answered meanwhile, ` +
    `latency median ${q(0.5).toFixed(1)} ms, p99 ${q(0.99).toFixed(1)} ms, max ${sorted[sorted.length - 1].toFixed(1)} ms`);
}

// 1. on the pool: the server keeps answering
let c = await client();
let t0 = performance.now();
await pool.array.sortByKey(price, [id]);
let ms = performance.now() - t0;
await new Promise((r) => setTimeout(r, 20));
report(`pool.array.sortByKey of ${rows} rows on ${pool.threads} threads`, ms, await c.stop());

// the checks: sorted, the same multiset, and every id still with its price
let ok = true;
for (let i = 1; i < rows && ok; i++) if (price[i - 1] > price[i]) ok = false;
for (let i = 0; i < rows && ok; i += 997) if (original[id[i]] !== price[i]) ok = false;
const reference = original.slice().sort(); // untimed: only to check
for (let i = 0; i < rows && ok; i++) if (reference[i] !== price[i]) ok = false;
console.log(`sorted, ids moved with their prices, equal to Float64Array.prototype.sort: ${ok ? 'yes' : 'MISMATCH'}`);

// 2. for contrast: the built-in sort on the main thread blocks the server
c = await client();
const copy = original.slice();
t0 = performance.now();
copy.sort();
ms = performance.now() - t0;
await new Promise((r) => setTimeout(r, 20));
report(`Float64Array.prototype.sort of ${rows} rows on the main thread`, ms, await c.stop());

server.close();
pool.free(price);
pool.free(id);
await pool.destroy();
if (!ok) process.exitCode = 1;
