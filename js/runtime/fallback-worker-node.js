// The worker_threads worker behind a pool whose threads cannot start in a
// Node-like runtime (see pool-fallback.js and env-node.js): loads the
// package's core (its entry's URL comes as workerData.entry) and answers
// each call with it.
import { parentPort, workerData } from 'node:worker_threads';
import { answer } from './fallback-worker.js';

const { loadCore } = await import(workerData.entry);
const core = await loadCore();
parentPort.on('message', (data) => answer(core, data, (m, transfer) => parentPort.postMessage(m, transfer)));
parentPort.postMessage({ ready: true, abi: core.$kernels.abi, heapSize: core.heapSize });
