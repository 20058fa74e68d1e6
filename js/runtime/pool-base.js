// What both pools share (the shared-memory Pool and the FallbackPool of
// environments without shared memory): the kernel methods, argument and
// option checks on entry, AbortSignal bookkeeping, onProgress reports, and
// the end of a pool (every unfinished call rejected with a fresh copy of
// the error that ended it).
import { AbortWatch } from './abort.js';
import { Call, checkCallOptions } from './bind.js';
import { AbortError, PoolCrashedError, typeError } from './errors.js';
import { blockOf } from './memory.js';

export const POOL_CALL_OPTIONS = ['signal', 'onProgress'];

export class PoolBase {
  /** `kernels`: the package's KernelSet. */
  constructor(kernels) {
    this.$kernels = kernels;
    this.$failure = null; // the error that ended the pool
    this.$counters = { done: 0, bytesCopied: 0 };
    this.$aborts = new AbortWatch((c) => this.$abort(c));
  }

  /** Adds the kernel methods; a subclass calls it last in its constructor. */
  $defineKernels() {
    this.$kernels.install(this, (spec) => (...args) => this.$call(spec, args), true);
  }

  /** Runs any kernel, internal ones included, by its JS path ('crc32', 'image.blur'). */
  invoke(name, args) {
    let spec;
    try {
      spec = this.$kernels.forInvoke(name, args);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.$call(spec, args);
  }

  /**
   * A checked call of `spec` (its `signal` and `onProgress` set from the
   * options), or throws: argument errors, an ended pool, a signal already
   * aborted.
   */
  $begin(spec, args, heap) {
    return this.$checkCall(new Call(spec, heap), args);
  }

  /** $begin() with the Call `c` given (a new one, or one made ready by reuse()): returns c, checked. */
  $checkCall(c, args) {
    if (this.$failure) throw this.$failedError();
    const o = checkCallOptions(c.check(args, POOL_CALL_OPTIONS), c.spec.label);
    c.signal = o?.signal;
    c.onProgress = o?.onProgress ?? null;
    if (c.signal?.aborted) throw abortError(c, 'before it started');
    return c;
  }

  /** The promise of call c: registers its signal, then hands it to `queue`. */
  $enqueue(c, queue) {
    return new Promise((resolve, reject) => {
      c.resolve = resolve;
      c.reject = reject;
      if (c.signal) this.$aborts.add(c.signal, c);
      queue(c);
    });
  }

  /**
   * Settles call c once: rejects with `error` if `failed` (by default, if
   * an error is given), else resolves with `value`. (An onProgress callback
   * may throw null, 0 or undefined: those calls pass failed.)
   */
  $settleCall(c, error, value, failed = error !== undefined && error !== null) {
    if (c.settled) return;
    c.settled = true;
    if (c.signal) this.$aborts.remove(c.signal, c);
    if (failed) c.reject(error);
    else c.resolve(value);
  }

  /**
   * Passes progress to a call's onProgress. An exception thrown by the
   * callback aborts the call, which then rejects with that exception.
   */
  $report(c, done, total) {
    if (c.settled || c.progressError !== undefined || (done === c.lastDone && total === c.lastTotal)) return;
    c.lastDone = done;
    c.lastTotal = total;
    try {
      c.onProgress(done, total);
    } catch (e) {
      c.progressError = { error: e }; // (boxed: a callback may throw undefined or null)
      this.$abort(c);
    }
  }

  $failedError() {
    const f = this.$failure;
    return new f.constructor(f.message, { cause: f.cause });
  }

  /** Ends the pool with err and rejects every call in `pending` with a copy. */
  $failAll(err, pending) {
    this.$failure = err;
    for (const c of pending) this.$settleCall(c, this.$failedError());
  }

  $crashError(where, running, reason) {
    const what = running.length ? ` while running ${[...new Set(running)].join(', ')}` : '';
    return new PoolCrashedError(`a kernel crashed ${where}${what}: ${reason}. ` +
      'The pool cannot be used any more; create a new one with createPool()');
  }

  /**
   * Holds the alloc() blocks of `views` (a family method's inputs and
   * outputs, drive.js runHeld) until releaseInputs(token): a free() of one
   * meanwhile waits for it (deferHeldFree). Returns the token, or null if
   * none is held. (A block's heap is the threaded pool's Heap, or the
   * fallback pool itself.)
   */
  $holdInputs(views) {
    let held = null;
    const owner = this.$heap ?? this;
    for (const v of views) {
      const b = blockOf(v);
      if (b === undefined || b.heap !== owner || !b.live || b.freeHeld) continue;
      b.holds++;
      (held ??= []).push(b);
    }
    return held;
  }

  $releaseInputs(held) {
    for (const b of held) {
      if (--b.holds === 0 && b.freeHeld) {
        b.freeHeld = false;
        if (!this.$failure) this.$releaseBlock(b);
      }
    }
  }

  /** free() of a block that a family method holds: true, and it is freed when that ends. */
  $deferHeldFree(block) {
    if (block.holds === 0) return false;
    if (block.freeHeld) throw typeError('free: view was already freed');
    block.freeHeld = true;
    return true;
  }

  get state() {
    if (!this.$failure) return 'ready';
    return this.$failure instanceof PoolCrashedError ? 'crashed' : 'destroyed';
  }
}

/** The error of an aborted call c: its onProgress's exception, or an AbortError; `when` says at which point. */
export function abortError(c, when = '') {
  if (c.progressError !== undefined) return c.progressError.error;
  return new AbortError(`${c.spec.label} was aborted${when ? ` ${when}` : ''}`, { cause: c.signal?.reason });
}
