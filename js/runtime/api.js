// loadCore() and createPool() of a package, given its kernel bundle (the
// generated gen/kernels.js), an environment adapter and its families' JS.
import { KernelSet } from './bind.js';
import { Core } from './core.js';
import { ParawasmError, checkInteger, describe, isPlainObject, typeError } from './errors.js';
import { instantiate } from './load.js';
import { Pool } from './pool.js';
import { FallbackPool } from './pool-fallback.js';

const MAX_THREADS = 256;
// One warning per JS realm, whichever package falls back first: parawasm
// and every package built with it carry their own copy of this module.
const WARNED = Symbol.for('parawasm.fallbackWarned.v1');

function checkOptionsObject(options, fn, known) {
  if (options === undefined) return {};
  if (!isPlainObject(options)) throw typeError(`${fn}: options must be an object (got ${describe(options)})`);
  for (const k of Object.keys(options)) {
    if (!known.includes(k)) throw typeError(`${fn}: unknown option "${k}" (known: ${known.join(', ') || 'none'})`);
  }
  return options;
}

/**
 * A package's API. `bundle`: its generated kernel bundle; `env`: the
 * environment adapter with its files; `families`: the JS of the kernel
 * families it was built with ({ name, core(core, ctx), pool(pool, ctx) }).
 */
export function makePackage(bundle, env, families = []) {
  const kernels = new KernelSet(bundle);
  const ctx = { bundle, kernels };
  const withFamilies = (target, kind) => {
    for (const f of families) f[kind]?.(target, ctx);
    return target;
  };

  /**
   * Loads the core. Resolves to a core whose kernels are synchronous
   * functions. Its memory is shared (views never detach) wherever
   * SharedArrayBuffer exists.
   */
  async function loadCore(options) {
    checkOptionsObject(options, 'loadCore', []);
    const shared = env.sharedMemoryError() === null;
    const mod = await instantiate(env, shared ? 'mt' : 'st', shared ? { pwThreads: 0 } : {});
    return withFamilies(new Core(mod, kernels, shared), 'core');
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
    const onThreadError = (msg) => (pool ? pool.$crash(msg) : pending.push(msg));
    let mod;
    try {
      mod = await instantiate(env, 'mt', { pwThreads: threads }, onThreadError);
    } catch (e) {
      // threads cannot start in this runtime: as without shared memory
      if (e?.code !== 'ERR_PW_NO_THREADS') throw e;
      if (o.fallback === false || !env.startFallbackWorker) {
        throw new ParawasmError(`createPool: ${e.message}`, 'ERR_PW_NO_THREADS');
      }
      return startFallback(e.message);
    }
    try {
      pool = new Pool(mod, env, threads, spin, kernels);
    } catch (e) {
      await Promise.all([...mod.PThread.unusedWorkers, ...mod.PThread.runningWorkers].map((w) => env.terminateWorker(w)));
      throw e;
    }
    withFamilies(pool, 'pool');
    for (const msg of pending) pool.$crash(msg);
    await pool.$threadsLive();
    await pool.$warmUp();
    return pool;
  }

  /**
   * The pool without shared-memory threads: the single-thread build in one
   * worker. `reason` says why, in the one warning a process gets.
   */
  async function startFallback(reason) {
    const worker = await env.startFallbackWorker();
    // a bundle that serves another package's worker at this package's URL
    const ready = worker.pwReady;
    if (ready && ready.abi !== kernels.abi) {
      await env.terminateWorker(worker);
      throw new ParawasmError(`createPool: the pool's worker ${ready.url} runs another package's kernels ` +
        `(kernel ABI ${Number(ready.abi).toString(16)} vs ${kernels.abi.toString(16)}): each package's ` +
        '<name>-fallback-worker.js must be served under its own name', 'ERR_PW_BUILD_MISMATCH');
    }
    // (once it runs: where no worker may start, createPool() rejects without it)
    if (!globalThis[WARNED]) {
      Object.defineProperty(globalThis, WARNED, { value: true, configurable: false, enumerable: false, writable: false });
      console.warn(`parawasm: ${reason}; the pool runs the single-thread build in one ` +
        'worker and copies every buffer (pool.isShared is false)');
    }
    return withFamilies(new FallbackPool(worker, env, kernels), 'pool');
  }

  return { loadCore, createPool };
}
