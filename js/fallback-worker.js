// The worker behind a pool without shared memory (see pool-fallback.js):
// runs each call on the single-thread core and sends the results back.
import { loadCore } from './browser.js';

const core = await loadCore();

self.onmessage = ({ data: { name, args, many } }) => {
  const views = args.map((a) => (a && a.view ? new globalThis[a.type](a.view) : a));
  let reply;
  try {
    // hashMany: args are [algorithm, views, options]; a kernel: its arguments
    const value = many ? core.hashMany(args[0], args[1], args[2]) : core.invoke(name, views);
    // send back the buffers the kernel may have written (the copies are ours)
    const back = args.map((a, i) => (a && a.view ? views[i].buffer : null));
    reply = { value, args: back };
    self.postMessage({ ...reply, heapSize: core.heapSize }, back.filter(Boolean));
    return;
  } catch (e) {
    const crashed = e instanceof WebAssembly.RuntimeError;
    reply = { crashed, error: { name: e.name, message: e.message, code: e.code } };
  }
  self.postMessage({ ...reply, heapSize: core.heapSize });
};
self.postMessage({ ready: true });
