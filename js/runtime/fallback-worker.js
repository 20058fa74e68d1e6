// The worker behind a pool without shared memory (see pool-fallback.js):
// runs each call on the single-thread core and sends the results back. A
// package's own fallback-worker.js calls serveFallback with its loadCore.
export async function serveFallback(loadCore) {
  const core = await loadCore();
  self.onmessage = ({ data }) => {
    let reply;
    try {
      if (data.payload) {
        // a family's method on the core (hashMany, say), on the copies it sent
        const { method, args } = data.payload;
        reply = { value: core[method](...args), args: null };
        self.postMessage({ ...reply, heapSize: core.heapSize });
        return;
      }
      const { name, args, options, progress } = data;
      const views = args.map((a) => (a && a.view ? new globalThis[a.type](a.view) : a));
      const o = { ...options };
      if (progress) o.onProgress = (done, total) => self.postMessage({ progress: [done, total] });
      const value = core.invoke(name, [...views, o]);
      // send back the buffers the kernel may have written (the copies are ours)
      const back = args.map((a, i) => (a && a.view ? views[i].buffer : null));
      self.postMessage({ value, args: back, heapSize: core.heapSize }, back.filter(Boolean));
      return;
    } catch (e) {
      const crashed = e instanceof WebAssembly.RuntimeError;
      reply = { crashed, error: { name: e.name, message: e.message, code: e.code } };
    }
    self.postMessage({ ...reply, heapSize: core.heapSize });
  };
  self.postMessage({ ready: true });
}
