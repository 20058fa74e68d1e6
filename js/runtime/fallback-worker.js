// The worker behind a pool without shared-memory threads (see
// pool-fallback.js): runs each call on the single-thread core and sends the
// results back. A package's <name>-fallback-worker.js (browsers) calls
// serveFallback with its loadCore; lib/runtime/fallback-worker-node.js is
// the worker_threads worker of Node-like runtimes. Its first message,
// { ready, abi }, says which package's kernels it serves, so that a pool
// started on another package's worker fails at once (checkFallbackWorker).

/**
 * Answers one request with `core`, through post(message, transfer):
 *   { name, id, args, options, progress }  a kernel call on copies of its
 *                                      buffers (id: the kernel of that element
 *                                      type, where several share the name)
 *   { payload: { method, args } }      a family's method on the core (hashMany)
 * A kernel's buffers go back (transferred: the copies are the worker's).
 */
export function answer(core, data, post) {
  try {
    if (data.payload) {
      const { method, args } = data.payload;
      post({ value: core[method](...args), args: null, heapSize: core.heapSize }, []);
      return;
    }
    const { name, id, args, options, progress } = data;
    const views = args.map((a) => (a && a.view ? new globalThis[a.type](a.view) : a));
    const o = { ...options };
    if (progress) o.onProgress = (done, total) => post({ progress: [done, total] }, []);
    const value = id === undefined ? core.invoke(name, [...views, o]) : core.$call(core.$kernels.getById(id), [...views, o]);
    const back = args.map((a, i) => (a && a.view ? views[i].buffer : null));
    post({ value, args: back, heapSize: core.heapSize }, back.filter(Boolean));
  } catch (e) {
    const crashed = e instanceof WebAssembly.RuntimeError;
    // (the cause by its name and message: an error's cause may hold what a message cannot carry)
    const cause = e?.cause instanceof Error ? { name: e.cause.name, message: e.cause.message } : undefined;
    post({ crashed, error: { name: e.name, message: e.message, code: e.code, cause }, heapSize: core.heapSize }, []);
  }
}

/** The Web Worker's loop: loads the core, answers every message. */
export async function serveFallback(loadCore) {
  const core = await loadCore();
  self.onmessage = ({ data }) => answer(core, data, (m, transfer) => self.postMessage(m, transfer));
  self.postMessage({ ready: true, abi: core.$kernels.abi, heapSize: core.heapSize });
}
