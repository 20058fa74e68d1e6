// Types of the hash family (parawasm's own package, and packages built
// with `parawasm build --with hash`): createHash(), hashMany(),
// HASH_ALGORITHMS.
import type { NewArray, PoolCallOptions } from '../runtime/types.js';
import type { PW_HASH_LIST_2, PW_HASH_LIST_ROWS } from '../../gen/kernels.js';

/** Names of the hash and checksum algorithms of createHash() and hashMany(). */
export type HashAlgorithm = PW_HASH_LIST_2;

/** A name createHash() and hashMany() take: an algorithm in lower or upper case (the run time takes any case, as Node's). */
export type HashAlgorithmName = HashAlgorithm | Uppercase<HashAlgorithm>;

/** Every algorithm name that createHash() and hashMany() accept, in order. */
export const HASH_ALGORITHMS: readonly HashAlgorithm[];

/** Options of createHash() and hashMany(); each applies to some algorithms only (HashOptionsFor). */
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

/** The algorithms that take a seed (xxHash). */
export type SeededHashAlgorithm = Extract<HashAlgorithm, 'xxh32' | 'xxh64' | 'xxh3' | 'xxh128'>;

/**
 * The options algorithm A takes (the others are a TypeError at run time):
 * seed for xxHash, key / context / outputLength for blake3, none for the
 * rest. For A a union of names, the options of any of them.
 */
export type HashOptionsFor<A extends HashAlgorithmName> = A extends unknown ? (
  Lowercase<A> extends SeededHashAlgorithm ? Pick<HashOptions, 'seed'>
  : Lowercase<A> extends 'blake3' ? Pick<HashOptions, 'key' | 'context' | 'outputLength'>
  : { [K in keyof HashOptions]?: never }) : never;

/**
 * How update() reads a string (Node's names, any case; default UTF-8);
 * ignored for a view, as Node's crypto ignores it.
 */
export type HashInputEncoding = 'utf8' | 'utf-8' | 'hex' | 'base64' | 'base64url' | 'latin1' | 'binary' | 'ascii'
  | 'utf16le' | 'utf-16le' | 'ucs2' | 'ucs-2';

/** Encodings of a digest: hex or base64 strings, or the bytes. */
export type DigestEncoding = 'hex' | 'base64' | 'bytes';

/** Options of hashMany(), beside the algorithm's own (HashOptionsFor). */
export interface HashManyOptions extends HashOptions {
  /**
   * Results as strings ('hex', 'base64') or bytes ('bytes'). Default: as the
   * one-shot kernel returns them: a number (32-bit checksums, xxh32), a
   * bigint (xxh64, xxh3, xxh128) or a Uint8Array (the digests).
   */
  encoding?: DigestEncoding;
}

/**
 * A result of hashMany() of algorithm A with encoding E: a string for 'hex'
 * and 'base64', bytes for 'bytes', else as A's one-shot kernel returns it
 * (HashValueOf).
 */
export type HashManyResult<E, A extends HashAlgorithmName = HashAlgorithm> =
  E extends 'hex' | 'base64' ? string : E extends 'bytes' ? NewArray<Uint8Array> : HashValueOf<A>;

/** A result of hashMany() without an encoding, of any algorithm. */
export type HashValue = number | bigint | Uint8Array;

/**
 * What algorithm A's one-shot kernel returns, and hashMany() without an
 * encoding: a number (the 32-bit checksums, xxh32), a bigint (xxh64, xxh3,
 * xxh128) or a new Uint8Array (the digests); for a union of names, the union.
 * (From the result column of the C list of algorithms.)
 */
export type HashValueOf<A extends HashAlgorithmName> =
  Extract<PW_HASH_LIST_ROWS[number], readonly [unknown, unknown, Lowercase<A>, unknown, unknown]>[4] extends infer K
    ? K extends 'u32' ? number : K extends 'u64' | 'u128' ? bigint : NewArray<Uint8Array>
    : never;

/**
 * A streaming hash of the core, shaped like Node's crypto Hash: feed it with
 * update(), end it with digest(). Its state lives in the core's heap until
 * digest() or dispose().
 */
export interface SyncHash {
  /** The algorithm's name. */
  readonly algorithm: HashAlgorithm;
  /** Feeds bytes (a string as UTF-8, or in inputEncoding as Node names it); returns this hash. */
  update(data: ArrayBufferView | string, inputEncoding?: HashInputEncoding): this;
  /**
   * The digest (the algorithm's canonical bytes: big-endian for the numeric
   * checksums) as a new Uint8Array, or as a hex / base64 string; frees the
   * state. A second call throws a ParawasmError with code
   * 'ERR_PW_HASH_FINALIZED'.
   */
  digest(): NewArray<Uint8Array>;
  digest(encoding: 'bytes'): NewArray<Uint8Array>;
  digest(encoding: 'hex' | 'base64'): string;
  digest(encoding?: DigestEncoding): string | NewArray<Uint8Array>;
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
  /** Queues bytes (a string as UTF-8, or in inputEncoding as Node names it); returns this hash. */
  update(data: ArrayBufferView | string, inputEncoding?: HashInputEncoding): this;
  /** Resolves when every update so far has been hashed; rejects if one failed. */
  flush(): Promise<void>;
  /** Resolves to the digest (see SyncHash.digest); frees the state. */
  digest(): Promise<NewArray<Uint8Array>>;
  digest(encoding: 'bytes'): Promise<NewArray<Uint8Array>>;
  digest(encoding: 'hex' | 'base64'): Promise<string>;
  digest(encoding?: DigestEncoding): Promise<string | NewArray<Uint8Array>>;
  /** Drops the hash: queued updates finish, then the state is freed. */
  dispose(): void;
}

/** What the hash family adds to a core. */
export interface HashCoreMethods {
  /**
   * A streaming hash of `algorithm`, like Node's crypto.createHash. Throws a
   * TypeError (code 'ERR_PW_UNKNOWN_HASH') for an unknown name and for
   * options the algorithm does not take.
   */
  createHash<A extends HashAlgorithmName>(algorithm: A, options?: HashOptionsFor<A>): SyncHash;
  /** Hashes each view (a string as UTF-8); one result per view, in order (see HashManyResult). */
  hashMany<A extends HashAlgorithmName, E extends DigestEncoding | undefined = undefined>(algorithm: A,
    views: Iterable<ArrayBufferView | string>, options?: HashOptionsFor<A> & { encoding?: E }): HashManyResult<E, A>[];
}

/** What the hash family adds to a pool. */
export interface HashPoolMethods {
  /** A streaming hash whose work runs on the pool's threads (see AsyncHash). */
  createHash<A extends HashAlgorithmName>(algorithm: A, options?: HashOptionsFor<A>): AsyncHash;
  /**
   * Hashes each view on the pool's threads, the inputs spread across them;
   * views from pool.alloc() are read in place. One result per view, in order.
   */
  hashMany<A extends HashAlgorithmName, E extends DigestEncoding | undefined = undefined>(algorithm: A,
    views: Iterable<ArrayBufferView | string>,
    options?: HashOptionsFor<A> & { encoding?: E } & Pick<PoolCallOptions, 'signal'>): Promise<HashManyResult<E, A>[]>;
}
