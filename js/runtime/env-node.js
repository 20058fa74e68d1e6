// Node.js adapter (and runtimes that load Node's modules: Deno, Bun): where
// a package's build files are, how to load them, threads and event-loop
// handles.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { availableParallelism, cpus } from 'node:os';
// node:timers' handles have ref()/unref() in every Node-like runtime (the
// global setInterval of Deno 2.2 returns a number)
import { clearInterval, setInterval } from 'node:timers';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ParawasmError } from './errors.js';

const compiled = new Map(); // wasm file path -> Promise<WebAssembly.Module>, once per process
const hooked = new WeakSet();
const noop = () => {};

/**
 * A worker_threads worker with the process's flags (the default), except
 * where the process runs a script given with -e and --input-type, which a
 * worker whose entry is a file refuses to start with: then the flags
 * without it, or none if the worker refuses those too (V8 flags such as
 * --max-old-space-size, which a worker takes only by inheriting them).
 */
function startWorker(url, options) {
  if (!process.execArgv.some((a) => /^--input-type(=|$)/.test(a))) return new Worker(url, options);
  try {
    return new Worker(url, { ...options, execArgv: process.execArgv.filter((a) => !/^--input-type(=|$)/.test(a)) });
  } catch (e) {
    if (e?.code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw e;
    return new Worker(url, { ...options, execArgv: [] });
  }
}

/**
 * The environment of a package whose files lie under `root` (a file: URL
 * of the package's directory, ending in /): wasm/<names.st>.wasm and .js
 * (the single-thread build), wasm/<names.mt>.* (the threaded build).
 */
export function makeNodeEnv(root, names) {
  // (from a file of the folder: Node's createRequire takes the folder too,
  // but Jest's, which its tests get, reads any path as a file's)
  const require = createRequire(new URL(`wasm/${names.st}.js`, root));
  const wasmPath = (build) => fileURLToPath(new URL(`wasm/${names[build]}.wasm`, root));
  return {
    name: 'node',
    /**
     * What to add to the message of a file that could not be read: a
     * missing file may be a package not built; a read the runtime's
     * permissions refused (Deno without --allow-read, Node's permission
     * model) says so itself, and a hint about building would mislead.
     */
    loadHint(e) {
      if (e?.code === 'ERR_ACCESS_DENIED' || e?.name === 'NotCapable' || e?.name === 'PermissionDenied') {
        return " (the runtime's permissions refused to read the package's files)";
      }
      const missing = ['ENOENT', 'MODULE_NOT_FOUND', 'ERR_MODULE_NOT_FOUND'].includes(e?.code) || e?.name === 'NotFound';
      return missing ? ' (was the package built?)' : '';
    },

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

    /**
     * Whether a pool thread's Atomics.notify wakes this thread's event loop to
     * settle an Atomics.waitAsync promise. Deno before 2.7.6 settles it only
     * when something else wakes the loop (denoland/deno#14786; here, a pool
     * call waited for an unrelated timer): the pool then takes its
     * completions by message instead.
     */
    waitAsyncWakes() {
      const v = globalThis.Deno?.version?.deno;
      if (typeof v !== 'string') return true;
      const [major, minor, patch] = v.split('.').map((x) => parseInt(x, 10));
      return major > 2 || (major === 2 && (minor > 7 || (minor === 7 && patch >= 6)));
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

    // Called as soon as a worker exists, and again once Emscripten's glue has
    // set its own worker.onerror (which rethrows, and would end the process):
    // errors reach onError from the start, through Emscripten's forwarding of
    // 'error' to worker.onerror or through our own listener.
    hookWorker(worker, onError) {
      worker.unref(); // parked threads must not keep the process alive
      worker.onerror = (e) => onError(e?.message ?? String(e));
      if (hooked.has(worker)) return;
      hooked.add(worker);
      worker.on('error', (e) => onError(e?.message ?? String(e)));
      worker.on('exit', (code) => onError(`a pool thread exited (code ${code})`));
    },

    terminateWorker(worker) {
      return worker.terminate().catch(noop);
    },

    /**
     * A worker_threads worker running the package's core, for a pool whose
     * threads cannot start (pool-fallback.js). Resolves once it is ready.
     */
    startFallbackWorker() {
      const url = new URL('lib/runtime/fallback-worker-node.js', root);
      const entry = new URL('index.js', root).href;
      return new Promise((resolve, reject) => {
        let worker;
        const fail = (msg) => {
          worker?.terminate().catch(noop);
          reject(new ParawasmError(`createPool: the pool's worker ${fileURLToPath(url)} failed to start: ${msg}`, 'ERR_PW_LOAD'));
        };
        try {
          worker = startWorker(url, { workerData: { entry } });
        } catch (e) {
          fail(e?.message ?? String(e));
          return;
        }
        const onError = (e) => fail(e?.message ?? String(e));
        const onExit = (code) => fail(`it exited (code ${code})`);
        worker.on('error', onError);
        worker.on('exit', onExit);
        worker.once('message', (data) => {
          worker.pwReady = { ...data, url: fileURLToPath(url) };
          // (only these: Node's own listeners keep its message port working)
          worker.off('error', onError);
          worker.off('exit', onExit);
          resolve(worker);
        });
      });
    },

    /** Routes the data of every message from a fallback worker to onData. */
    onWorkerMessage(worker, onData) {
      worker.on('message', onData);
    },
  };
}
