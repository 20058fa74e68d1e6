// Instantiates a build's Emscripten module with the environment's files,
// without letting the glue touch the host (no process handlers, no exit)
// and with every pthread worker's errors routed to `onThreadError`.
import { ParawasmError } from './errors.js';

/**
 * The error of a threaded build whose threads could not start (a worker
 * failed or exited while loading, or could not be created): createPool()
 * falls back to the single-thread build in one worker on this code.
 */
function threadsError(msg) {
  return new ParawasmError(`the pool's threads cannot start here: ${msg}`, 'ERR_PW_NO_THREADS');
}

/**
 * Instantiates `build`. `onThreadError` (threaded builds only) receives the
 * errors of pthread workers once the module is ready; before that they
 * reject with code ERR_PW_NO_THREADS.
 */
export async function instantiate(env, build, extra = {}, onThreadError = null) {
  let wasmModule;
  let factory;
  try {
    [wasmModule, factory] = await Promise.all([env.compile(build), env.glue(build)]);
    // (a runtime whose CommonJS loader does not see the glue's module.exports)
    if (typeof factory !== 'function') throw new Error(`its glue exported ${typeof factory}, not a function`);
  } catch (e) {
    throw new ParawasmError(`cannot load ${env.describe(build)}: ${e.message}${env.loadHint(e)}`,
      'ERR_PW_LOAD', { cause: e });
  }
  // the workers are unref()ed as soon as they exist: hold the process open
  // until they have loaded
  const loading = env.keepAlive();
  loading.ref();
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (e) => {
      if (settled) return;
      settled = true;
      env.clearKeepAlive(loading);
      for (const w of [...(Module.PThread?.unusedWorkers ?? []), ...(Module.PThread?.runningWorkers ?? [])]) {
        env.terminateWorker(w);
      }
      reject(e instanceof Error ? e : new ParawasmError(`cannot start ${env.describe(build)}: ${e}`, 'ERR_PW_LOAD'));
    };
    const threadError = (msg) => (settled && onThreadError ? onThreadError(msg) : fail(threadsError(`a pool thread failed while starting: ${msg}`)));
    // Emscripten's glue prints "Aborted(...)" right after it calls onAbort;
    // a kernel's abort() is already the error its call rejects or throws
    // with (ERR_PW_TRAP), so that one line is not printed. Every other line
    // a kernel writes to stderr is, as the glue would.
    let abortLine = null;
    const Module = {
      ...env.moduleOptions(build),
      printErr: (line) => {
        if (line === abortLine) abortLine = null;
        else console.warn(line);
      },
      ...extra,
      onAbort: (what) => {
        abortLine = `Aborted(${what})`;
        if (settled && onThreadError) onThreadError(`abort(${what})`);
        else fail(`abort(${what})`);
      },
      instantiateWasm(imports, receiveInstance) {
        WebAssembly.instantiate(wasmModule, imports).then((instance) => {
          // the exports and the memory, from the instance itself rather than
          // from glue internals whose names change between Emscripten versions
          Module.pwExports = instance.exports;
          Module.pwMemory = imports.env?.memory instanceof WebAssembly.Memory ? imports.env.memory : instance.exports.memory;
          receiveInstance(instance, wasmModule);
          for (const w of Module.PThread?.unusedWorkers ?? []) env.hookWorker(w, threadError);
        }, fail);
        return {};
      },
    };
    // Emscripten's threaded glue sets globalThis.Worker in Node (to create
    // its workers, which it does right away): put back what was there.
    const hadWorker = Object.getOwnPropertyDescriptor(globalThis, 'Worker');
    let ready;
    try {
      ready = factory(Module);
    } catch (e) {
      // 3.1.6's threaded glue creates its workers inside the factory call
      fail(onThreadError ? threadsError(e?.message ?? String(e)) : e);
      return;
    } finally {
      if (hadWorker) Object.defineProperty(globalThis, 'Worker', hadWorker);
      else delete globalThis.Worker;
    }
    // the workers exist now and may already be failing: listen at once
    for (const w of Module.PThread?.unusedWorkers ?? []) env.hookWorker(w, threadError);
    ready.then((mod) => {
      if (settled) return;
      settled = true;
      env.clearKeepAlive(loading);
      resolve(mod);
    }, fail);
  });
}
