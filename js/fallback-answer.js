// What the fallback pool's worker does with one request, in any runtime
// (see pool-fallback.js; fallback-worker.js is the Web Worker,
// fallback-worker-node.js the worker_threads worker): runs the call on the
// single-thread core and builds the reply.

/**
 * Answers the request `data` ({ name, args } for a kernel, { many, args }
 * for hashMany) with `core`. Returns { reply, transfer }: the message to
 * post back and the ArrayBuffers to transfer with it (the argument copies
 * that the kernel may have written, which are the worker's own).
 */
export function answer(core, { name, args, many }) {
  const views = args.map((a) => (a && a.view ? new globalThis[a.type](a.view) : a));
  try {
    // hashMany: args are [algorithm, views, options]; a kernel: its arguments
    const value = many ? core.hashMany(args[0], args[1], args[2]) : core.invoke(name, views);
    const back = args.map((a, i) => (a && a.view ? views[i].buffer : null));
    return { reply: { value, args: back, heapSize: core.heapSize }, transfer: back.filter(Boolean) };
  } catch (e) {
    const crashed = e instanceof WebAssembly.RuntimeError;
    return { reply: { crashed, error: { name: e.name, message: e.message, code: e.code }, heapSize: core.heapSize }, transfer: [] };
  }
}
