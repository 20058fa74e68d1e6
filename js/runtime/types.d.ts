// Types of the API that every parawasm package has (parawasm itself and the
// packages made by `parawasm build`): cores, pools, options, errors. The
// kernel methods (CoreKernels, PoolKernels) are generated from the C
// headers into gen/kernels.d.ts; a package's index.d.ts joins the two.

/** Any typed array, DataView or Node Buffer. */
export type View = ArrayBufferView;

/** A TypedArray constructor, DataView, a subclass of one, or Node's Buffer. */
export type ViewConstructor<T extends ArrayBufferView> = {
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): T;
  readonly BYTES_PER_ELEMENT?: number;
};

/**
 * A view of a core's or pool's memory, of the type its constructor makes:
 * its buffer is a SharedArrayBuffer where threads share the memory, else an
 * ArrayBuffer. (TypeScript 5.7 and later name a typed array's buffer in its
 * type and infer `Float64Array<ArrayBuffer>` from the constructor: this is
 * `Float64Array<ArrayBufferLike>` there, and `Float64Array` before.) A
 * subclass with members of its own (Node's Buffer, say) keeps its type:
 * `T` where T has keys beyond the built-in class's.
 */
export type HeapView<T> =
  T extends Uint8ClampedArray ? (keyof T extends keyof Uint8ClampedArray ? Uint8ClampedArray : T) :
  T extends Uint8Array ? (keyof T extends keyof Uint8Array ? Uint8Array : T) :
  T extends Int8Array ? (keyof T extends keyof Int8Array ? Int8Array : T) :
  T extends Uint16Array ? (keyof T extends keyof Uint16Array ? Uint16Array : T) :
  T extends Int16Array ? (keyof T extends keyof Int16Array ? Int16Array : T) :
  T extends Uint32Array ? (keyof T extends keyof Uint32Array ? Uint32Array : T) :
  T extends Int32Array ? (keyof T extends keyof Int32Array ? Int32Array : T) :
  T extends Float32Array ? (keyof T extends keyof Float32Array ? Float32Array : T) :
  T extends Float64Array ? (keyof T extends keyof Float64Array ? Float64Array : T) :
  T extends BigInt64Array ? (keyof T extends keyof BigInt64Array ? BigInt64Array : T) :
  T extends BigUint64Array ? (keyof T extends keyof BigUint64Array ? BigUint64Array : T) :
  T extends DataView ? (keyof T extends keyof DataView ? DataView : T) :
  T;

/**
 * A new array of type T that a call made and returns (not a view of a
 * core's or pool's memory, nor an array of yours that it wrote): its
 * buffer is a plain ArrayBuffer of its own. TypeScript 5.7 and later name
 * a typed array's buffer in its type: this is `Uint8Array<ArrayBuffer>`
 * there (T<ArrayBuffer>), which `new Blob([...])`, `new Response(...)` and
 * `crypto.subtle` ask for; before 5.7 it is T.
 */
export type NewArray<T extends { slice(): unknown }> = ReturnType<T['slice']>;

/**
 * Progress of a running call: `done` of `total` units, as the kernel
 * reports them with pw_progress() (bytes, rows, items: the kernel's
 * documentation says which). Called at most every 50 ms or so. An
 * exception thrown here stops the call, which then throws (core) or
 * rejects (pool) with it.
 */
export type ProgressCallback = (done: number, total: number) => void;

/** Call options of a core kernel call, beside the kernel's own options. */
export interface CoreCallOptions {
  /** Progress reports while the kernel runs (kernels that report it). */
  onProgress?: ProgressCallback;
}

/** Call options of a pool kernel call, beside the kernel's own options. */
export interface PoolCallOptions {
  /**
   * Aborts the call: if it has not started, it never runs and its promise
   * rejects with an AbortError at once; if it runs, the kernel stops at its
   * next chunk and the promise then rejects with an AbortError. The signal's
   * reason is the error's `cause`.
   */
  signal?: AbortSignal;
  /** Progress reports while the kernel runs (kernels that report it). */
  onProgress?: ProgressCallback;
}

/** The call options of pool calls (an alias of PoolCallOptions). */
export type CallOptions = PoolCallOptions;

/** Members of every core besides its kernels. */
export interface CoreBase {
  /**
   * Calls a kernel's generated binding by its JS name ('crc32',
   * 'image.blur') with the arguments of its C declaration, PW_INTERNAL
   * kernels included; throws a ParawasmError (ERR_PW_NO_KERNEL) for a name
   * that is no kernel.
   */
  invoke(name: string, args: readonly unknown[]): unknown;
  /**
   * A zero-filled view of `bytes` bytes of the core's heap (Uint8Array, or
   * `Ctor`), passed to kernels without a copy, and its subarray()s. Valid
   * until free(). Where the core's memory is shared (isShared: Node, Deno,
   * Bun, cross-origin isolated pages) it never detaches; elsewhere an
   * allocation that grows the heap detaches earlier views (see README).
   */
  alloc(bytes: number): Uint8Array;
  alloc<T extends ArrayBufferView>(bytes: number, Ctor: ViewConstructor<T>): HeapView<T>;
  /**
   * Another view of the alloc() block that `of` belongs to: `byteOffset`
   * bytes into `of` (default 0, a multiple of the element size), `length`
   * elements (default: to the end of `of`, which must then be a whole
   * number of elements: a RangeError otherwise). Kernels use it in place,
   * as the block's own view.
   */
  view(of: ArrayBufferView): Uint8Array;
  view<T extends ArrayBufferView>(of: ArrayBufferView, Ctor: ViewConstructor<T>, byteOffset?: number, length?: number): HeapView<T>;
  /** Releases a view returned by alloc(); its views may not be used after. */
  free(view: ArrayBufferView): void;
  /** True if the view lies in this core's heap (kernels use it in place). */
  inHeap(view: ArrayBufferView): boolean;
  /** True when the heap is shared memory: views from alloc() never detach. */
  readonly isShared: boolean;
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

/** Members of every pool besides its kernels. */
export interface PoolBase {
  /** Number of threads. */
  readonly threads: number;
  /** As stats().state: 'ready', or 'destroyed' / 'crashed' once the pool has ended. */
  readonly state: 'ready' | 'destroyed' | 'crashed';
  /** As CoreBase.invoke(), on the pool's threads: a promise (rejected for a name that is no kernel). */
  invoke(name: string, args: readonly unknown[]): Promise<unknown>;
  /**
   * True when the threads share memory with this thread (views from alloc()
   * are used without copies). False for the fallback pool of a page without
   * cross-origin isolation: one worker, buffers copied.
   */
  readonly isShared: boolean;
  /**
   * A zero-filled view of `bytes` bytes of the pool's shared memory
   * (Uint8Array, or `Ctor`), used in place by kernels on any thread, and
   * its subarray()s. It never detaches. Throws a RangeError when the memory
   * (4 GiB at most) cannot hold it.
   */
  alloc(bytes: number): Uint8Array;
  alloc<T extends ArrayBufferView>(bytes: number, Ctor: ViewConstructor<T>): HeapView<T>;
  /** Another view of the alloc() block that `of` belongs to (see Core's view()). */
  view(of: ArrayBufferView): Uint8Array;
  view<T extends ArrayBufferView>(of: ArrayBufferView, Ctor: ViewConstructor<T>, byteOffset?: number, length?: number): HeapView<T>;
  /** Releases a view from alloc(); if calls still use it, once they finish. */
  free(view: ArrayBufferView): void;
  /** True if the view lies in the pool's memory (kernels use it in place). */
  inHeap(view: ArrayBufferView): boolean;
  /** Counters, read at the time of the call. */
  stats(): PoolStats;
  /**
   * Rejects every unfinished call with a PoolDestroyedError and ends the
   * threads; resolves when they have ended. Calling it again is harmless.
   */
  destroy(): Promise<void>;
}

/** Options of loadCore(): none today (any property is a type error, as it is a TypeError at run time). */
export interface LoadCoreOptions {
  [option: string]: never;
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
   * isolated), run the single-thread build in one worker instead, with
   * copies (default true; `pool.isShared` is then false). false: reject with
   * a ParawasmError whose code is 'ERR_PW_NO_SHARED_MEMORY'.
   */
  fallback?: boolean;
}

/**
 * Lower-case hex: a number (0 to 2^32 - 1) as 8 digits, a bigint (0 to
 * 2^128 - 1) as 16 digits (32 if it needs more than 64 bits, as an xxh128
 * value may), a view's bytes in order. Other numbers and bigints are a
 * RangeError.
 */
export function hex(value: number | bigint | ArrayBufferView): string;

/**
 * Base class of parawasm's errors; `code` names the failure. The classes
 * are shared by every parawasm package loaded in one JS realm (ESM and
 * CommonJS copies included), so `instanceof` works across them.
 */
export class ParawasmError extends Error {
  constructor(message: string, code?: string, options?: { cause?: unknown });
  readonly code: string;
  /** image.decodeMany(): the index of the file that failed. */
  readonly index?: number;
}
/** A call aborted through its AbortSignal (code 'ABORT_ERR'). */
export class AbortError extends ParawasmError {
  constructor(message?: string, options?: { cause?: unknown });
}
/** A kernel crashed a pool thread; the pool has ended (code 'ERR_PW_POOL_CRASHED'). */
export class PoolCrashedError extends ParawasmError {
  constructor(message?: string, options?: { cause?: unknown });
}
/** The pool was destroyed (code 'ERR_PW_POOL_DESTROYED'). */
export class PoolDestroyedError extends ParawasmError {
  constructor(message?: string, options?: { cause?: unknown });
}
