// The Web Worker behind a pool without shared memory (see pool-fallback.js):
// runs each call on the single-thread core and sends the results back.
import { loadCore } from './browser.js';
import { answer } from './fallback-answer.js';

const core = await loadCore();

self.onmessage = ({ data }) => {
  const { reply, transfer } = answer(core, data);
  self.postMessage(reply, transfer);
};
self.postMessage({ ready: true });
