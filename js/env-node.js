// Node.js adapter: where the build files are, how to load them, threads
// and event-loop handles.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { availableParallelism, cpus } from 'node:os';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const compiled = new Map();
const noop = () => {};

export const nodeEnv = {
  name: 'node',

  defaultThreads() {
    return typeof availableParallelism === 'function' ? availableParallelism() : cpus().length;
  },

  sharedMemoryError() {
    return typeof SharedArrayBuffer === 'function' ? null : 'this Node.js has no SharedArrayBuffer';
  },

  /** The compiled WebAssembly.Module of a build, compiled once per process. */
  compile(build) {
    if (!compiled.has(build)) {
      const file = fileURLToPath(new URL(`../wasm/${build}.wasm`, import.meta.url));
      const p = readFile(file).then((bytes) => WebAssembly.compile(bytes));
      p.catch(() => compiled.delete(build));
      compiled.set(build, p);
    }
    return compiled.get(build);
  },

  /** The Emscripten factory of a build (classic glue, loaded as CommonJS). */
  async glue(build) {
    return require(`../wasm/${build}.js`);
  },

  moduleOptions() {
    return {}; // the glue finds its .worker.js beside itself (__dirname)
  },

  // A handle that keeps the process alive while calls are in flight, and
  // only then: idle or forgotten pools never hold the process open.
  keepAlive() {
    const t = setInterval(noop, 0x7fffffff);
    t.unref();
    return t;
  },
  clearKeepAlive(t) {
    clearInterval(t);
  },

  hookWorker(worker, onError) {
    worker.unref(); // parked threads must not keep the process alive
    worker.onerror = (e) => onError(e?.message ?? String(e));
    worker.on('exit', (code) => onError(`a pool thread exited (code ${code})`));
  },

  terminateWorker(worker) {
    return worker.terminate().catch(noop);
  },
};
