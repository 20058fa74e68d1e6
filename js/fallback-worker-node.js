// The worker_threads worker behind a pool whose threads cannot start in a
// Node-like runtime (see pool-fallback.js and env-node.js): runs each call
// on the single-thread core and sends the results back.
import { parentPort } from 'node:worker_threads';
import { loadCore } from './index.js';
import { answer } from './fallback-answer.js';

const core = await loadCore();

parentPort.on('message', (data) => {
  const { reply, transfer } = answer(core, data);
  parentPort.postMessage(reply, transfer);
});
parentPort.postMessage({ ready: true });
