// loadCore() and createPool(), given an environment adapter.
import { Core } from './core.js';
import { ParawasmError, checkInteger, describe, typeError } from './errors.js';
import { instantiate } from './load.js';
import { Pool } from './pool.js';
import { FallbackPool } from './pool-fallback.js';

let warnedFallback = false;

const MAX_THREADS = 256;

function checkOptionsObject(options, fn, known) {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object') {
    throw typeError(`${fn}: options must be an object (got ${describe(options)})`);
  }
  for (const k of Object.keys(options)) {
    if (!known.includes(k)) throw typeError(`${fn}: unknown option "${k}" (known: ${known.join(', ')})`);
  }
  return options;
}

export function makeApi(env) {
  /**
   * Loads the single-thread build. Resolves to a core whose kernels are
   * synchronous functions.
   */
  async function loadCore(options) {
    checkOptionsObject(options, 'loadCore', []);
    const mod = await instantiate(env, 'parawasm');
    return new Core(mod);
  }

  /**
   * Starts a pool of `threads` threads (default: one per core) sharing one
   * memory. Resolves to a pool whose kernels are async methods.
   */
  async function createPool(options) {
    const o = checkOptionsObject(options, 'createPool', ['threads', 'spin', 'fallback']);
    const threads = o.threads === undefined
      ? Math.max(1, Math.min(MAX_THREADS, env.defaultThreads()))
      : checkInteger(o.threads, 'createPool: options.threads', 1, MAX_THREADS);
    const spin = o.spin === undefined ? undefined : checkInteger(o.spin, 'createPool: options.spin', 0, 1e9);
    if (o.fallback !== undefined && typeof o.fallback !== 'boolean') {
      throw typeError(`createPool: options.fallback must be a boolean (got ${describe(o.fallback)})`);
    }
    const why = env.sharedMemoryError();
    if (why) {
      if (o.fallback === false || !env.startFallbackWorker) {
        throw new ParawasmError(`createPool: the threaded build needs shared memory, but ${why}`,
          'ERR_PW_NO_SHARED_MEMORY');
      }
      return startFallback(`no shared memory (${why})`);
    }
    let pool = null;
    const pending = [];
    const onThreadError = (msg) => (pool ? pool.crash(msg) : pending.push(msg));
    let mod;
    try {
      mod = await instantiate(env, 'parawasm-mt', { pwThreads: threads }, onThreadError);
    } catch (e) {
      // threads cannot start in this runtime: as without shared memory
      if (e?.code !== 'ERR_PW_NO_THREADS') throw e;
      if (o.fallback === false || !env.startFallbackWorker) {
        throw new ParawasmError(`createPool: ${e.message}`, 'ERR_PW_NO_THREADS');
      }
      return startFallback(e.message);
    }
    try {
      pool = new Pool(mod, env, threads, spin);
    } catch (e) {
      await Promise.all([...mod.PThread.unusedWorkers, ...mod.PThread.runningWorkers].map((w) => env.terminateWorker(w)));
      throw e;
    }
    for (const msg of pending) pool.crash(msg);
    return pool;
  }

  /**
   * The pool without shared-memory threads: the single-thread build in one
   * worker. `reason` says why, in the one warning a process gets.
   */
  async function startFallback(reason) {
    if (!warnedFallback) {
      warnedFallback = true;
      console.warn(`parawasm: ${reason}; the pool runs the single-thread build in one ` +
        'worker and copies every buffer (pool.isShared is false)');
    }
    const worker = await env.startFallbackWorker();
    return new FallbackPool(worker, env);
  }

  return { loadCore, createPool };
}
