// Types of the array family (parawasm's own package, and packages built
// with `parawasm build --with array`): core.array.* and pool.array.*.
// The methods are the same on both; a pool's return promises.
import type { CoreCallOptions, NewArray, PoolCallOptions } from '../runtime/types.js';

/** Every typed array the array family takes (Uint8ClampedArray as Uint8Array). */
export type NumericArray =
  | Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array
  | Float32Array | Float64Array | BigInt64Array | BigUint64Array;

/** The typed arrays of number elements (not the 64-bit integer ones). */
export type NumberArray =
  | Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array
  | Float32Array | Float64Array;

/** The integer typed arrays of number elements (sum's bigint option). */
export type IntNumberArray =
  | Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array;

/** The typed arrays of bigint elements. */
export type BigIntArray = BigInt64Array | BigUint64Array;

/** The float arrays (dot, norm, axpy, matmul, matvec). */
export type FloatArray = Float32Array | Float64Array;

/** A typed array constructor (convert's target type). */
export type NumericArrayConstructor =
  | Int8ArrayConstructor | Uint8ArrayConstructor | Uint8ClampedArrayConstructor | Int16ArrayConstructor
  | Uint16ArrayConstructor | Int32ArrayConstructor | Uint32ArrayConstructor | Float32ArrayConstructor
  | Float64ArrayConstructor | BigInt64ArrayConstructor | BigUint64ArrayConstructor;

/** An element of array A: bigint for the 64-bit integer arrays, else number. */
export type ElementOf<A extends NumericArray> = A extends BigIntArray ? bigint : number;

/** A value given for array A's elements (a needle, a bound): for the 64-bit integer arrays a bigint or a number. */
export type ValueOf<A extends NumericArray> = A extends BigIntArray ? bigint | number : number;

/** An array the run time takes as of A's type (Uint8Array and Uint8ClampedArray stand for each other). */
export type SameTypeAs<A extends NumericArray> = A extends Uint8Array | Uint8ClampedArray ? Uint8Array | Uint8ClampedArray : A;

/**
 * A new array of A's element type, as a method makes one: the plain typed
 * array (a Buffer's is a Uint8Array, a subclass's its base class's) over
 * an ArrayBuffer of its own, whatever A's buffer is (see NewArray).
 */
export type NewArrayOf<A extends NumericArray> =
  A extends Uint8ClampedArray ? NewArray<Uint8ClampedArray> : A extends Uint8Array ? NewArray<Uint8Array>
  : A extends Int8Array ? NewArray<Int8Array> : A extends Int16Array ? NewArray<Int16Array> : A extends Uint16Array ? NewArray<Uint16Array>
  : A extends Int32Array ? NewArray<Int32Array> : A extends Uint32Array ? NewArray<Uint32Array>
  : A extends Float32Array ? NewArray<Float32Array> : A extends Float64Array ? NewArray<Float64Array>
  : A extends BigInt64Array ? NewArray<BigInt64Array> : A extends BigUint64Array ? NewArray<BigUint64Array> : never;

/**
 * An options.out for a result of A's element type: a typed array of that
 * type over any buffer (a view from alloc() too; Uint8Array and
 * Uint8ClampedArray stand for each other).
 */
export type OutArrayOf<A extends NumericArray> =
  A extends Uint8Array | Uint8ClampedArray ? Uint8Array | Uint8ClampedArray
  : A extends Int8Array ? Int8Array : A extends Int16Array ? Int16Array : A extends Uint16Array ? Uint16Array
  : A extends Int32Array ? Int32Array : A extends Uint32Array ? Uint32Array
  : A extends Float32Array ? Float32Array : A extends Float64Array ? Float64Array
  : A extends BigInt64Array ? BigInt64Array : A extends BigUint64Array ? BigUint64Array : never;

/** A sorted array with its order (sort, argsort, sortByKey, topk). */
export interface OrderOptions {
  /** Descending (+Inf ... +0, -0 ... -Inf); NaN stays last. Default false. */
  descending?: boolean;
}

/**
 * Where a result goes: a view of the result's type and length (e.g. from
 * pool.alloc()), which the call returns; default a new array. (The
 * methods' types: without out, the new array, NewArrayOf; with out, out's
 * own type.)
 */
export interface OutOptions<A> {
  out?: A;
}

/** The options of histogram(): `bins` over [lo, hi] (default 10 over the data's range; data of one value falls in the middle bin), or explicit `edges`. */
export interface HistogramOptions {
  /** Number of equal bins, 1 to 2^24 (default 10). */
  bins?: number;
  /** Low edge, finite (default: the smallest non-NaN element); a bigint too for a BigInt64Array or BigUint64Array, taken as the double it rounds to. */
  lo?: number | bigint;
  /** High edge, finite, above lo (default: the largest non-NaN element); a bigint too for 64-bit integer arrays, as lo. */
  hi?: number | bigint;
  /** Explicit edges, strictly increasing (at least 2); not with bins, lo or hi. Bigints too for 64-bit integer arrays, each taken as the double it rounds to. */
  edges?: readonly (number | bigint)[] | Float64Array;
}

/** histogram()'s options as it takes them: edges, or bins/lo/hi, not both. */
export type HistogramChoice = (Omit<HistogramOptions, 'edges'> & { edges?: undefined })
  | (Pick<HistogramOptions, 'edges'> & { bins?: undefined; lo?: undefined; hi?: undefined });

/** An options object with at least one of the numbers K (a shape's sides). */
export type AtLeastOne<K extends string> = K extends unknown ? { [P in K]: number } : never;

/** Matrix shape of matmul: a is m x k, b is k x n; give at least one of them. */
export interface MatmulOptions<A> extends OutOptions<A> {
  m?: number;
  k?: number;
  n?: number;
}

/** Shape of transpose's input: rows x cols; give at least one of them. */
export interface TransposeOptions<A> extends OutOptions<A> {
  rows?: number;
  cols?: number;
}

/** A value with the result type of a core (T) or a pool (Promise<T>). */
export type ArrayReturn<Wrap extends 'sync' | 'async', T> = Wrap extends 'async' ? Promise<T> : T;

/**
 * The array operations; Wrap says how a result is returned (the value on
 * a core, a promise on a pool) and C the call options (onProgress on
 * both; signal on a pool). See README, "Arrays".
 */
export interface ArrayMethods<C, Wrap extends 'sync' | 'async'> {
  /** Sorts x in place (floats: -0 before +0, NaN last, as TypedArray.prototype.sort); returns x. */
  sort<A extends NumericArray>(x: A, options?: OrderOptions & C): ArrayReturn<Wrap, A>;
  /** Stable argsort: the indices that sort x, a new array (or options.out, a Uint32Array of x.length, if given: in place when it is a view of this memory). */
  argsort(x: NumericArray, options?: OrderOptions & OutOptions<undefined> & C): ArrayReturn<Wrap, NewArray<Uint32Array>>;
  argsort<O extends Uint32Array>(x: NumericArray, options: OrderOptions & { out: O } & C): ArrayReturn<Wrap, O>;
  argsort<O extends Uint32Array>(x: NumericArray, options?: OrderOptions & OutOptions<O> & C): ArrayReturn<Wrap, NewArray<Uint32Array> | O>;
  /** Sorts keys in place and permutes every payload (same length) with them; returns the order, a new array. */
  sortByKey(keys: NumericArray, payloads?: NumericArray | NumericArray[], options?: OrderOptions & C): ArrayReturn<Wrap, NewArray<Uint32Array>>;
  /** out[i] = x[index[i]]. */
  gather<A extends NumericArray>(x: A, index: Uint32Array, options?: OutOptions<undefined> & C): ArrayReturn<Wrap, NewArrayOf<A>>;
  gather<A extends NumericArray, O extends OutArrayOf<A>>(x: A, index: Uint32Array, options: { out: O } & C): ArrayReturn<Wrap, O>;
  gather<A extends NumericArray, O extends OutArrayOf<A>>(x: A, index: Uint32Array, options?: OutOptions<O> & C): ArrayReturn<Wrap, NewArrayOf<A> | O>;
  /** The element sort would put at index k (0 <= k < length), without sorting. */
  kth<A extends NumericArray>(x: A, k: number, options?: C): ArrayReturn<Wrap, ElementOf<A>>;
  /** The median (quantile 0.5), NaN left out; NaN if no element is left. */
  median(x: NumericArray, options?: C): ArrayReturn<Wrap, number>;
  /** Quantile q in [0, 1] (linear interpolation, R type 7), NaN left out. */
  quantile(x: NumericArray, q: number, options?: C): ArrayReturn<Wrap, number>;
  /** Several quantiles at once. */
  quantiles(x: NumericArray, q: readonly number[] | Float64Array, options?: C): ArrayReturn<Wrap, NewArray<Float64Array>>;
  /** The k largest (or smallest) elements and their indices, as a stable argsort's first k. */
  topk<A extends NumericArray>(x: A, k: number, options?: { smallest?: boolean } & C): ArrayReturn<Wrap, { values: NewArrayOf<A>; indices: NewArray<Uint32Array> }>;
  /** Insertion points of needles in an ascending array (left, or right with { right: true }). */
  searchSorted<A extends NumericArray>(sorted: A, needles: SameTypeAs<A> | readonly ValueOf<A>[], options?: { right?: boolean } & C): ArrayReturn<Wrap, NewArray<Uint32Array>>;
  searchSorted<A extends NumericArray>(sorted: A, needle: ValueOf<A>, options?: { right?: boolean } & C): ArrayReturn<Wrap, number>;
  /** Distinct values (SameValueZero), ascending, with their counts. */
  unique<A extends NumericArray>(x: A, options?: C): ArrayReturn<Wrap, { values: NewArrayOf<A>; counts: NewArray<Uint32Array> }>;
  /** Sum: exact for integers (a number rounded once, or the exact bigint), compensated for floats. */
  sum(x: NumberArray, options?: { bigint?: false } & C): ArrayReturn<Wrap, number>;
  sum(x: IntNumberArray, options: { bigint: true } & C): ArrayReturn<Wrap, bigint>;
  sum(x: BigIntArray, options?: { bigint?: boolean } & C): ArrayReturn<Wrap, bigint>;
  /** (an array or a bigint option whose type is known only at run time) */
  sum(x: IntNumberArray | BigIntArray, options?: { bigint?: boolean } & C): ArrayReturn<Wrap, number | bigint>;
  sum(x: NumericArray, options?: { bigint?: false } & C): ArrayReturn<Wrap, number | bigint>;
  /** Mean as a number; NaN when empty. */
  mean(x: NumericArray, options?: C): ArrayReturn<Wrap, number>;
  /** Variance sum((x - mean)^2) / (n - ddof); NaN when n <= ddof. */
  variance(x: NumericArray, options?: { ddof?: number } & C): ArrayReturn<Wrap, number>;
  /** Standard deviation: the square root of variance. */
  std(x: NumericArray, options?: { ddof?: number } & C): ArrayReturn<Wrap, number>;
  /** The smallest element and its first index (NaN wins, as Math.min). RangeError when empty. */
  min<A extends NumericArray>(x: A, options?: C): ArrayReturn<Wrap, { min: ElementOf<A>; argmin: number }>;
  /** The largest element and its first index (NaN wins, as Math.max). RangeError when empty. */
  max<A extends NumericArray>(x: A, options?: C): ArrayReturn<Wrap, { max: ElementOf<A>; argmax: number }>;
  /** Dot product of two float arrays of one type and length. */
  dot<A extends FloatArray>(x: A, y: A, options?: C): ArrayReturn<Wrap, number>;
  /** Euclidean norm, without overflow or underflow on the way. */
  norm(x: FloatArray, options?: C): ArrayReturn<Wrap, number>;
  /** Prefix sums (inclusive, or exclusive); out may be x. */
  cumsum<A extends NumericArray>(x: A, options?: { exclusive?: boolean } & OutOptions<undefined> & C): ArrayReturn<Wrap, NewArrayOf<A>>;
  cumsum<A extends NumericArray, O extends OutArrayOf<A>>(x: A, options: { exclusive?: boolean; out: O } & C): ArrayReturn<Wrap, O>;
  cumsum<A extends NumericArray, O extends OutArrayOf<A>>(x: A, options?: { exclusive?: boolean } & OutOptions<O> & C): ArrayReturn<Wrap, NewArrayOf<A> | O>;
  /** Bin counts, a new array. */
  histogram(x: NumericArray, options?: HistogramChoice & C): ArrayReturn<Wrap, NewArray<Uint32Array>>;
  /** y = a * x + y in place; returns y. */
  axpy<A extends FloatArray>(a: number, x: A, y: A, options?: C): ArrayReturn<Wrap, A>;
  /** Each element limited to [lo, hi]; out may be x. */
  clamp<A extends NumericArray>(x: A, lo: ValueOf<A>, hi: ValueOf<A>, options?: OutOptions<undefined> & C): ArrayReturn<Wrap, NewArrayOf<A>>;
  clamp<A extends NumericArray, O extends OutArrayOf<A>>(x: A, lo: ValueOf<A>, hi: ValueOf<A>, options: { out: O } & C): ArrayReturn<Wrap, O>;
  clamp<A extends NumericArray, O extends OutArrayOf<A>>(x: A, lo: ValueOf<A>, hi: ValueOf<A>, options?: OutOptions<O> & C): ArrayReturn<Wrap, NewArrayOf<A> | O>;
  /** Conversion to another element type (typed-array assignment rules, or unorm/snorm with normalize): into `to`, or a new array of the constructor `to`. */
  convert<T extends NumericArray>(x: NumericArray, to: T, options?: { normalize?: boolean } & C): ArrayReturn<Wrap, T>;
  convert<K extends NumericArrayConstructor>(x: NumericArray, to: K, options?: { normalize?: boolean } & C): ArrayReturn<Wrap, NewArrayOf<InstanceType<K>>>;
  /** Matrix product of row-major matrices (m x k times k x n). */
  matmul<A extends FloatArray>(a: A, b: A, options: MatmulOptions<undefined> & AtLeastOne<'m' | 'k' | 'n'> & C): ArrayReturn<Wrap, NewArrayOf<A>>;
  matmul<A extends FloatArray, O extends OutArrayOf<A>>(a: A, b: A, options: MatmulOptions<O> & { out: O } & AtLeastOne<'m' | 'k' | 'n'> & C): ArrayReturn<Wrap, O>;
  matmul<A extends FloatArray, O extends OutArrayOf<A>>(a: A, b: A, options: MatmulOptions<O> & AtLeastOne<'m' | 'k' | 'n'> & C): ArrayReturn<Wrap, NewArrayOf<A> | O>;
  /** Matrix-vector product; a has x.length columns. */
  matvec<A extends FloatArray>(a: A, x: A, options?: OutOptions<undefined> & C): ArrayReturn<Wrap, NewArrayOf<A>>;
  matvec<A extends FloatArray, O extends OutArrayOf<A>>(a: A, x: A, options: { out: O } & C): ArrayReturn<Wrap, O>;
  matvec<A extends FloatArray, O extends OutArrayOf<A>>(a: A, x: A, options?: OutOptions<O> & C): ArrayReturn<Wrap, NewArrayOf<A> | O>;
  /** Transpose of a row-major matrix. */
  transpose<A extends NumericArray>(a: A, options: TransposeOptions<undefined> & AtLeastOne<'rows' | 'cols'> & C): ArrayReturn<Wrap, NewArrayOf<A>>;
  transpose<A extends NumericArray, O extends OutArrayOf<A>>(a: A, options: TransposeOptions<O> & { out: O } & AtLeastOne<'rows' | 'cols'> & C): ArrayReturn<Wrap, O>;
  transpose<A extends NumericArray, O extends OutArrayOf<A>>(a: A, options: TransposeOptions<O> & AtLeastOne<'rows' | 'cols'> & C): ArrayReturn<Wrap, NewArrayOf<A> | O>;
}

/** core.array: every method synchronous. */
export interface ArrayCore extends ArrayMethods<CoreCallOptions, 'sync'> {}

/** pool.array: every method returns a promise. */
export interface ArrayPool extends ArrayMethods<PoolCallOptions, 'async'> {}

/** What the array family adds to a core. */
export interface ArrayCoreMethods {
  /** The array operations (see README, "Arrays: core.array and pool.array"). */
  readonly array: ArrayCore;
}

/** What the array family adds to a pool. */
export interface ArrayPoolMethods {
  /** The array operations, run on the pool's threads (see README, "Arrays: core.array and pool.array"). */
  readonly array: ArrayPool;
}
