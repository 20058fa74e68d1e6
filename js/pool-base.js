// What both pools share (the shared-memory Pool and the browser
// FallbackPool): the kernel methods, argument and option checks on entry,
// AbortSignal bookkeeping, and the end of a pool (every unfinished call
// rejected with a fresh copy of the error that ended it).
import { AbortWatch } from './abort.js';
import { Call, SPECS, checkCallOptions, defineKernels } from './bind.js';
import { AsyncHash } from './hash.js';
import { AbortError, PoolCrashedError } from './errors.js';

export class PoolBase {
  constructor() {
    this.failure = null; // the error that ended the pool
    this.counters = { done: 0, bytesCopied: 0 };
    this.aborts = new AbortWatch((c) => this.abort(c));
  }

  /** Adds the kernel methods; a subclass calls it last in its constructor. */
  defineKernels() {
    defineKernels(this, (spec) => (...args) => this.call(spec, args));
  }

  /** Runs any kernel, internal ones included, by name (parawasm's own use). */
  invoke(name, args) {
    return this.call(SPECS.get(name), args);
  }

  /**
   * A streaming hash (like Node's crypto.createHash): update(data) queues
   * data and returns the hash, digest([encoding]) resolves to the digest.
   * See README for algorithms and options.
   */
  createHash(algorithm, options) {
    if (this.failure) throw this.failedError();
    return new AsyncHash(this, algorithm, options);
  }

  /**
   * A checked call of `spec` (its `signal` set from the options), or throws:
   * argument errors, an ended pool, a signal already aborted.
   */
  begin(spec, args, heap) {
    if (this.failure) throw this.failedError();
    const c = new Call(spec, heap);
    c.signal = checkCallOptions(c.check(args, true), spec.name);
    if (c.signal?.aborted) throw abortError(c, 'before it started');
    return c;
  }

  /** The promise of call c: registers its signal, then hands it to `queue`. */
  enqueue(c, queue) {
    return new Promise((resolve, reject) => {
      c.resolve = resolve;
      c.reject = reject;
      if (c.signal) this.aborts.add(c.signal, c);
      queue(c);
    });
  }

  /** Settles call c once: rejects with `error` if given, else resolves with `value`. */
  settleCall(c, error, value) {
    if (c.settled) return;
    c.settled = true;
    if (c.signal) this.aborts.remove(c.signal, c);
    if (error) c.reject(error);
    else c.resolve(value);
  }

  failedError() {
    const f = this.failure;
    return new f.constructor(f.message, { cause: f.cause });
  }

  /** Ends the pool with err and rejects every call in `pending` with a copy. */
  failAll(err, pending) {
    this.failure = err;
    for (const c of pending) this.settleCall(c, this.failedError());
  }

  crashError(where, running, reason) {
    const what = running.length ? ` while running ${[...new Set(running)].join(', ')}` : '';
    return new PoolCrashedError(`a kernel crashed ${where}${what}: ${reason}. ` +
      'The pool cannot be used any more; create a new one with createPool()');
  }

  get state() {
    if (!this.failure) return 'ready';
    return this.failure instanceof PoolCrashedError ? 'crashed' : 'destroyed';
  }
}

/** The AbortError of call c; `when` says at which point it was aborted. */
export function abortError(c, when = '') {
  return new AbortError(`${c.spec.name} was aborted${when ? ` ${when}` : ''}`, { cause: c.signal.reason });
}
