// Types of parawasm's public API. The kernel methods (CoreKernels,
// PoolKernels) are generated from the C headers into gen/kernels.d.ts.
import type { CoreKernels, PoolKernels } from './gen/kernels.js';

export type { CoreKernels, PoolKernels };

/** Any typed array, DataView or Node Buffer. */
export type View = ArrayBufferView;

/** A TypedArray constructor, or DataView. */
export type ViewConstructor<T extends ArrayBufferView> = {
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): T;
  readonly BYTES_PER_ELEMENT?: number;
};

/** Options accepted as the last argument of every pool kernel call. */
export interface CallOptions {
  /**
   * Aborts the call: if it has not started, it never runs and its promise
   * rejects with an AbortError at once; if it runs, a kernel that splits its
   * work stops at its next chunk and the promise then rejects with an
   * AbortError. The signal's reason is the error's `cause`.
   */
  signal?: AbortSignal;
}

/** The single-thread core: every kernel as a synchronous function. */
export interface Core extends CoreKernels {
  /**
   * A view of `bytes` bytes of the core's heap (Uint8Array, or `Ctor`),
   * passed to kernels without a copy. Valid until free(); an allocation that
   * grows the heap detaches earlier views (passing one is then a TypeError).
   */
  alloc(bytes: number): Uint8Array;
  alloc<T extends ArrayBufferView>(bytes: number, Ctor: ViewConstructor<T>): T;
  /** Releases a view returned by alloc(). */
  free(view: ArrayBufferView): void;
  /** Current size of the core's heap, in bytes. */
  readonly heapSize: number;
}

export interface PoolStats {
  /** Number of pool threads. */
  threads: number;
  /** Calls submitted but not yet started. */
  queued: number;
  /** Calls running on a thread now. */
  running: number;
  /** Calls finished (resolved or rejected by their kernel). */
  done: number;
  /** Bytes copied into and out of the pool's memory for views from elsewhere. */
  bytesCopied: number;
  /** Size of the shared memory, in bytes. */
  heapSize: number;
  /** 'ready', or 'destroyed' / 'crashed' once the pool has ended. */
  state: 'ready' | 'destroyed' | 'crashed';
}

/** The pool: every kernel as an async method, run on the pool's threads. */
export interface Pool extends PoolKernels {
  /** Number of threads. */
  readonly threads: number;
  /**
   * True when the threads share memory with this thread (views from alloc()
   * are used without copies). False for the fallback pool of a browser page
   * without cross-origin isolation: one worker, buffers copied.
   */
  readonly isShared: boolean;
  /**
   * A view of `bytes` bytes of the pool's shared memory (Uint8Array, or
   * `Ctor`), used in place by kernels on any thread. It never detaches.
   * Throws a RangeError when the memory (4 GiB at most) cannot hold it.
   */
  alloc(bytes: number): Uint8Array;
  alloc<T extends ArrayBufferView>(bytes: number, Ctor: ViewConstructor<T>): T;
  /** Releases a view from alloc(); if calls still use it, once they finish. */
  free(view: ArrayBufferView): void;
  /** Counters, read at the time of the call. */
  stats(): PoolStats;
  /**
   * Rejects every unfinished call with a PoolDestroyedError and ends the
   * threads; resolves when they have ended. Calling it again is harmless.
   */
  destroy(): Promise<void>;
}

export interface CreatePoolOptions {
  /** Threads to start: 1 to 256; default one per core. */
  threads?: number;
  /**
   * How many times an idle thread polls for work before it sleeps (0 to
   * 1e9; default 20000, about 50-100 µs). Higher lowers the latency of calls
   * made one at a time, at the cost of CPU while idle.
   */
  spin?: number;
  /**
   * Where shared memory is missing (a browser page that is not cross-origin
   * isolated), run the single-thread build in one Web Worker instead, with
   * copies (default true; `pool.isShared` is then false). false: reject with
   * a ParawasmError whose code is 'ERR_PW_NO_SHARED_MEMORY'.
   */
  fallback?: boolean;
}

/** Loads the single-thread build. */
export function loadCore(options?: {}): Promise<Core>;

/** Starts a pool of threads sharing one memory. */
export function createPool(options?: CreatePoolOptions): Promise<Pool>;

/**
 * Lower-case hex: a number as 8 digits, a bigint as 16, a view's bytes in
 * order.
 */
export function hex(value: number | bigint | ArrayBufferView): string;

/** Base class of parawasm's errors; `code` names the failure. */
export class ParawasmError extends Error {
  constructor(message: string, code?: string, options?: { cause?: unknown });
  readonly code: string;
}
/** A call aborted through its AbortSignal (code 'ABORT_ERR'). */
export class AbortError extends ParawasmError {}
/** A kernel crashed a pool thread; the pool has ended (code 'ERR_PW_POOL_CRASHED'). */
export class PoolCrashedError extends ParawasmError {}
/** The pool was destroyed (code 'ERR_PW_POOL_DESTROYED'). */
export class PoolDestroyedError extends ParawasmError {}
