// Node.js adapter (and runtimes that load Node's modules: Deno, Bun): where
// a package's build files are, how to load them, threads and event-loop
// handles.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { availableParallelism, cpus } from 'node:os';
import { fileURLToPath } from 'node:url';

const compiled = new Map(); // wasm file path -> Promise<WebAssembly.Module>, once per process
const noop = () => {};

/**
 * The environment of a package whose files lie under `root` (a file: URL
 * of the package's directory, ending in /): wasm/<names.st>.wasm and .js
 * (the single-thread build), wasm/<names.mt>.* (the threaded build).
 */
export function makeNodeEnv(root, names) {
  const require = createRequire(new URL('wasm/', root));
  const wasmPath = (build) => fileURLToPath(new URL(`wasm/${names[build]}.wasm`, root));
  return {
    name: 'node',

    describe(build) {
      return `${wasmPath(build)}`;
    },

    defaultThreads() {
      return typeof availableParallelism === 'function' ? availableParallelism() : cpus().length;
    },

    sharedMemoryError() {
      return typeof SharedArrayBuffer === 'function' ? null : 'this runtime has no SharedArrayBuffer';
    },

    /** The compiled WebAssembly.Module of a build, compiled once per process. */
    compile(build) {
      const file = wasmPath(build);
      if (!compiled.has(file)) {
        const p = readFile(file).then((bytes) => WebAssembly.compile(bytes));
        p.catch(() => compiled.delete(file));
        compiled.set(file, p);
      }
      return compiled.get(file);
    },

    /** The Emscripten factory of a build (classic glue, loaded as CommonJS). */
    async glue(build) {
      return require(`./${names[build]}.js`);
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
}
