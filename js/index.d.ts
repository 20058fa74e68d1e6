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

/** Names of the hash and checksum algorithms of createHash() and hashMany(). */
export type HashAlgorithm =
  | 'crc32' | 'crc32c' | 'adler32' | 'xxh32' | 'xxh64' | 'xxh3' | 'xxh128'
  | 'md5' | 'sha1' | 'sha224' | 'sha256' | 'blake3';

/** Every algorithm name that createHash() and hashMany() accept, in order. */
export const HASH_ALGORITHMS: readonly HashAlgorithm[];

/** Options of createHash() and hashMany(); each applies to some algorithms only. */
export interface HashOptions {
  /** xxh32 (0 to 2^32-1), xxh64, xxh3, xxh128 (0 to 2^64-1): the seed; default 0. */
  seed?: number | bigint;
  /** blake3: a 32-byte key, for the keyed hash (a MAC). */
  key?: ArrayBufferView;
  /** blake3: the context string (or bytes) of key derivation; the data is the key material. */
  context?: string | ArrayBufferView;
  /** blake3: output bytes, 0 to 2^31-1 (extendable output); default 32. */
  outputLength?: number;
}

/** Encodings of a digest: hex or base64 strings, or the bytes. */
export type DigestEncoding = 'hex' | 'base64' | 'bytes';

/** Options of hashMany(). */
export interface HashManyOptions extends HashOptions {
  /**
   * Results as strings ('hex', 'base64') or bytes ('bytes'). Default: as the
   * one-shot kernel returns them: a number (32-bit checksums, xxh32), a
   * bigint (xxh64, xxh3, xxh128) or a Uint8Array (the digests).
   */
  encoding?: DigestEncoding;
}

/** A result of hashMany() without an encoding. */
export type HashValue = number | bigint | Uint8Array;

/**
 * A streaming hash of the core, shaped like Node's crypto Hash: feed it with
 * update(), end it with digest(). Its state lives in the core's heap until
 * digest() or dispose().
 */
export interface SyncHash {
  /** The algorithm's name. */
  readonly algorithm: HashAlgorithm;
  /** Feeds bytes (a string is taken as UTF-8); returns this hash. */
  update(data: ArrayBufferView | string): this;
  /**
   * The digest (the algorithm's canonical bytes: big-endian for the numeric
   * checksums) as a Uint8Array, or as a hex / base64 string; frees the state.
   * A second call throws a ParawasmError with code 'ERR_PW_HASH_FINALIZED'.
   */
  digest(): Uint8Array;
  digest(encoding: 'bytes'): Uint8Array;
  digest(encoding: 'hex' | 'base64'): string;
  /** Frees the state without a digest; safe to call twice. */
  dispose(): void;
}

/**
 * A streaming hash of a pool: update() returns at once and the bytes are
 * hashed on a pool thread, in order. A view from pool.alloc() is read in
 * place when its turn comes (do not change or free it before flush() or the
 * digest resolves); other views and strings are copied at once.
 */
export interface AsyncHash {
  readonly algorithm: HashAlgorithm;
  /** Queues bytes (a string is taken as UTF-8); returns this hash. */
  update(data: ArrayBufferView | string): this;
  /** Resolves when every update so far has been hashed; rejects if one failed. */
  flush(): Promise<void>;
  /** Resolves to the digest (see SyncHash.digest); frees the state. */
  digest(): Promise<Uint8Array>;
  digest(encoding: 'bytes'): Promise<Uint8Array>;
  digest(encoding: 'hex' | 'base64'): Promise<string>;
  /** Drops the hash: queued updates finish, then the state is freed. */
  dispose(): void;
}

/** The single-thread core: every kernel as a synchronous function. */
export interface Core extends CoreKernels {
  /**
   * A streaming hash of `algorithm`, like Node's crypto.createHash. Throws a
   * TypeError (code 'ERR_PW_UNKNOWN_HASH') for an unknown name and for
   * options the algorithm does not take.
   */
  createHash(algorithm: HashAlgorithm, options?: HashOptions): SyncHash;
  /** Hashes each view (a string as UTF-8); one result per view, in order. */
  hashMany(algorithm: HashAlgorithm, views: Iterable<ArrayBufferView | string>, options: HashManyOptions & { encoding: 'hex' | 'base64' }): string[];
  hashMany(algorithm: HashAlgorithm, views: Iterable<ArrayBufferView | string>, options?: HashManyOptions): HashValue[];
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
  /** A streaming hash whose work runs on the pool's threads (see AsyncHash). */
  createHash(algorithm: HashAlgorithm, options?: HashOptions): AsyncHash;
  /**
   * Hashes each view on the pool's threads, the inputs spread across them;
   * views from pool.alloc() are read in place. One result per view, in order.
   */
  hashMany(algorithm: HashAlgorithm, views: Iterable<ArrayBufferView | string>,
    options: HashManyOptions & CallOptions & { encoding: 'hex' | 'base64' }): Promise<string[]>;
  hashMany(algorithm: HashAlgorithm, views: Iterable<ArrayBufferView | string>,
    options?: HashManyOptions & CallOptions): Promise<HashValue[]>;
  /** Number of threads. */
  readonly threads: number;
  /**
   * True when the threads share memory with this thread (views from alloc()
   * are used without copies). False for the fallback pool (a browser page
   * without cross-origin isolation, or a runtime whose threads cannot
   * start): one worker, buffers copied.
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
   * isolated) or threads cannot start (a runtime whose workers fail while
   * loading), run the single-thread build in one worker instead (a Web
   * Worker, or a worker_threads worker), with copies (default true;
   * `pool.isShared` is then false). false: reject with a ParawasmError whose
   * code is 'ERR_PW_NO_SHARED_MEMORY' or 'ERR_PW_NO_THREADS'.
   */
  fallback?: boolean;
}

/** Loads the single-thread build. */
export function loadCore(options?: {}): Promise<Core>;

/** Starts a pool of threads sharing one memory. */
export function createPool(options?: CreatePoolOptions): Promise<Pool>;

/**
 * Lower-case hex: a number as 8 digits, a bigint as 16 (32 if it needs more
 * than 64 bits, as an xxh128 value may), a view's bytes in order.
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
