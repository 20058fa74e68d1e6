/*
 * parawasm/array.h — kernels over typed arrays: sort, argsort, gather,
 * selection (k-th, quantiles, top-k), search (searchSorted, unique),
 * reductions (sum, mean, variance, std, min, max, dot, norm), prefix sums,
 * histograms, elementwise operations (axpy, clamp, conversion) and matrix
 * kernels (matmul, matvec, transpose). From JS: core.array.* / pool.array.*.
 *
 * Element types. Every per-type kernel exists for the element types of
 * PW_ARRAY_TYPES (or of the smaller list its comment names) and is one JS
 * method that dispatches on the typed array given for its first buffer:
 *     C type    suffix  JS view
 *     int8_t    i8      Int8Array
 *     uint8_t   u8      Uint8Array and Uint8ClampedArray
 *     int16_t   i16     Int16Array
 *     uint16_t  u16     Uint16Array
 *     int32_t   i32     Int32Array
 *     uint32_t  u32     Uint32Array
 *     int64_t   i64     BigInt64Array
 *     uint64_t  u64     BigUint64Array
 *     float     f32     Float32Array
 *     double    f64     Float64Array
 *
 * The order. Sorting, selection and search use one total order per type,
 * the order of TypedArray.prototype.sort: integers by value; floats by
 * value with -0 before +0 and every NaN after +Infinity. "Ascending" and
 * "descending" below refer to it, with one exception kept everywhere:
 * NaN is last in both directions (descending is +Inf ... +0, -0 ... -Inf,
 * then NaN), so that missing values never lead a descending result.
 *
 * Determinism. Every result is the same for every thread count: reductions
 * split their input at boundaries that depend on the length only and join
 * the partial results in order (pw_parallel_reduce); the SIMD paths (wasm
 * SIMD128) and the portable C paths perform the same operations in the
 * same order, so a native build and a wasm build give the same bits.
 *
 * Lengths: a length that does not fit the 32-bit indices a kernel returns
 * (only possible in a 64-bit native build) is PW_ERANGE. A zero-length
 * buffer may be NULL. Kernels that need scratch memory say how much; when
 * it cannot be had they return PW_ENOMEM (with a message) and leave their
 * outputs unspecified but their inputs untouched.
 *
 * Errors: kernels that return pw_status report bad arguments with
 * pw_fail() messages naming the argument ("k (7) must be less than the
 * length of x (5)"). Kernels that cannot fail return their result
 * directly.
 */
#ifndef PARAWASM_ARRAY_H
#define PARAWASM_ARRAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parawasm/kernel.h"

#ifdef __cplusplus
extern "C" {
#endif

PW_NAMESPACE(array)

/* ------------------------------------------------------------------------ */
/* Type lists                                                               */
/* ------------------------------------------------------------------------ */

/* Every element type: X(C type, suffix). */
#define PW_ARRAY_TYPES(X)                                                     \
  X(int8_t, i8) X(uint8_t, u8) X(int16_t, i16) X(uint16_t, u16)               \
  X(int32_t, i32) X(uint32_t, u32) X(int64_t, i64) X(uint64_t, u64)           \
  X(float, f32) X(double, f64)

/* The floating-point types: X(C type, suffix). */
#define PW_ARRAY_FLOAT_TYPES(X) X(float, f32) X(double, f64)

/*
 * Every element type with the type of its exact sum: X(C type, suffix,
 * sum type). 8- to 32-bit integers sum into 64 bits (no overflow is
 * possible below 2^32 elements), 64-bit integers into 128 bits (pw_u128,
 * two's complement for the signed type), floats into double.
 */
#define PW_ARRAY_SUM_TYPES(X)                                                 \
  X(int8_t, i8, int64_t) X(uint8_t, u8, uint64_t)                             \
  X(int16_t, i16, int64_t) X(uint16_t, u16, uint64_t)                         \
  X(int32_t, i32, int64_t) X(uint32_t, u32, uint64_t)                         \
  X(int64_t, i64, pw_u128) X(uint64_t, u64, pw_u128)                          \
  X(float, f32, double) X(double, f64, double)

/* ------------------------------------------------------------------------ */
/* Sorting                                                                  */
/* ------------------------------------------------------------------------ */

#define PW_ARRAY_SORT_(T, s)                                                  \
  PW_NAME(sort) PW_KERNEL pw_status pw_array_sort_##s(                        \
      PW_INOUT(n) T *x, size_t n, PW_OPTION PW_DEFAULT(0) bool descending);
/**
 * Sorts x in place, ascending (or descending with { descending: true }) in
 * the order described at the top of this file: for floats, -0 before +0
 * and NaN last, as TypedArray.prototype.sort. Elements keep their bits
 * (NaN payloads included; the NaNs come last in both directions: those
 * with the sign bit clear first, by increasing payload, then those with
 * it set, by decreasing payload).
 * Radix sort on order-preserving integer keys (MSD buckets over the key
 * range, finished by LSD passes in cache; counting sort for 8- and 16-bit
 * types, and for 32- and 64-bit arrays whose keys span at most 65,536
 * values, at least 4 elements a value, or of at least 65,536 elements
 * holding few distinct values over any range (a sample of 4,096 elements
 * shows at most 1,024; counted by value in a hash table, the radix sort
 * instead where more values turn up): no scratch but the counters, and
 * without memory for those the radix sort instead), parallel on the pool;
 * n elements of scratch memory. 32- and 64-bit input nearly in order (or
 * nearly reversed), as a sample of it shows, has its keys out of place
 * taken out, sorted and merged back, with up to 2n/5 elements more scratch
 * where the heap has it.
 * @param x           the array; may be NULL if n is 0
 * @param n           number of elements
 * @param descending  false: ascending; true: descending, NaN still last
 * @return PW_OK, PW_ENOMEM (x unchanged) or PW_ECANCELED (x unspecified)
 */
PW_ARRAY_TYPES(PW_ARRAY_SORT_)

#define PW_ARRAY_ARGSORT_(T, s)                                               \
  PW_NAME(argsort) PW_KERNEL pw_status pw_array_argsort_##s(                  \
      PW_IN(n) const T *x, size_t n, PW_RETURN(n) uint32_t *order,            \
      PW_OPTION PW_DEFAULT(0) bool descending);
/**
 * Stable argsort: order[i] is the index in x of the element that sort
 * would put at position i; elements that compare equal keep their index
 * order, in both directions. The order is sort's (-0 before +0, NaN last;
 * all NaNs compare equal here), so x[order[i]] lists x as sort would.
 * Apply the order to other arrays with pw_array_gather (sort by key).
 * 32- and 64-bit input nearly in order (either way) is taken as sort
 * takes it (keys out of place sorted apart and merged back, ties by
 * index). 32- and 64-bit input of at least 4,096 elements and few
 * distinct values (as sort counts them) is counted: each value's indices
 * written in index order. Scratch: about n * (2 * sizeof(T) + 4) bytes
 * (input nearly in order: up to n / 5 * (2 * sizeof(T) + 8) more where the
 * heap has it).
 * @param x           the keys (not changed)
 * @param n           number of elements, at most 2^32 - 1
 * @param order       n indices, written
 * @param descending  false: ascending; true: descending (NaN still last)
 * @return PW_OK, PW_ERANGE (n too large), PW_ENOMEM or PW_ECANCELED
 */
PW_ARRAY_TYPES(PW_ARRAY_ARGSORT_)

#define PW_ARRAY_GATHER_(T, s)                                                \
  PW_NAME(gather) PW_KERNEL pw_status pw_array_gather_##s(                    \
      PW_IN(n) const T *x, size_t n, PW_IN(m) const uint32_t *index,          \
      size_t m, PW_OUT(m) T *out);
/**
 * Gather: out[i] = x[index[i]] for i < m. With index from argsort this
 * permutes a payload array into the keys' sorted order (sort by key).
 * Every index is checked before anything is written.
 * @param x      source elements
 * @param n      number of source elements
 * @param index  m indices, each less than n
 * @param m      number of indices and of output elements
 * @param out    m elements, written; must not overlap x or index
 * @return PW_OK, PW_ERANGE naming the first index out of range (out not
 *         written), or PW_ECANCELED
 */
PW_ARRAY_TYPES(PW_ARRAY_GATHER_)

/* ------------------------------------------------------------------------ */
/* Selection                                                                */
/* ------------------------------------------------------------------------ */

#define PW_ARRAY_KTH_(T, s)                                                   \
  PW_NAME(kth) PW_KERNEL pw_status pw_array_kth_##s(                          \
      PW_IN(n) const T *x, size_t n, size_t k, PW_RETURN(1) T *value);
/**
 * The k-th smallest element (from 0) in sort's ascending order, without
 * sorting and without changing x: value[0] is the element that sort would
 * put at index k (NaNs are the largest elements; -0 is below +0).
 * Radix selection: a few passes over x, each narrowing the range of keys
 * that holds rank k; scratch of a few thousand keys for data that spread
 * over their range, none for 8-bit elements (a range of fewer than 2048
 * keys is answered from its counts), and none for a range that holds more
 * than half of the elements (many equal values: it is read again rather
 * than copied). At most about 2n keys when the ranks wanted lie in ranges
 * that hold more than half of the elements between them (then a copy is
 * sorted).
 * @param x      the elements (not changed)
 * @param n      number of elements
 * @param k      rank, 0 <= k < n
 * @param value  one element, written
 * @return PW_OK, PW_ERANGE (k >= n), PW_ENOMEM or PW_ECANCELED
 */
PW_ARRAY_TYPES(PW_ARRAY_KTH_)

#define PW_ARRAY_QUANTILES_(T, s)                                             \
  PW_NAME(quantiles) PW_KERNEL pw_status pw_array_quantiles_##s(              \
      PW_IN(n) const T *x, size_t n, PW_IN(m) const double *q, size_t m,      \
      PW_RETURN(m) double *value);
/**
 * Quantiles of x, as doubles, without a full sort (the median is q = 0.5).
 * NaN elements are left out (as d3-array does); over the c remaining
 * elements in ascending order v[0..c), quantile q is linear interpolation
 * at h = q * (c - 1) (R's type 7, numpy's "linear"):
 *     v[floor(h)] + (h - floor(h)) * (v[floor(h) + 1] - v[floor(h)])
 * computed in double (64-bit integers beyond 2^53 are rounded first),
 * or v[h] itself where h is a whole number (no neighbour is read: the
 * median of -Inf, 0, +Inf is 0), or v[floor(h)] itself where the two
 * neighbours are equal (as R does: two
 * infinities give that infinity, two -0 give -0), and -Inf where the lower
 * one is -Inf and the upper one finite (as a finite value below +Inf gives
 * +Inf: mirrored data give mirrored quantiles). With no element left
 * (c = 0) every quantile is NaN. Between -Inf and +Inf the interpolation
 * follows IEEE rules (NaN).
 * Work: one radix selection for all q together; when q has many values
 * (more than about 64), a copy of x is sorted instead.
 * @param x      the elements (not changed)
 * @param n      number of elements
 * @param q      m probabilities, each in [0, 1]
 * @param m      number of probabilities
 * @param value  m quantiles, written
 * @return PW_OK, PW_ERANGE naming the first q outside [0, 1] (NaN
 *         included), PW_ENOMEM or PW_ECANCELED
 */
PW_ARRAY_TYPES(PW_ARRAY_QUANTILES_)

#define PW_ARRAY_TOPK_(T, s)                                                  \
  PW_NAME(topk) PW_KERNEL pw_status pw_array_topk_##s(                        \
      PW_IN(n) const T *x, size_t n, size_t k, PW_RETURN(k) T *values,        \
      PW_RETURN(k) uint32_t *indices, PW_OPTION PW_DEFAULT(0) bool smallest);
/**
 * The k largest elements (or the k smallest with { smallest: true }) and
 * their indices: exactly the first k entries of a stable descending
 * (ascending) argsort. So values come largest first (smallest first),
 * ties in index order, and NaN only when fewer than k elements are not
 * NaN (NaN is last in both directions).
 * Work: a radix selection for the k-th key, then one pass collecting the
 * k winners and a sort of those k; scratch about k * (2 sizeof(T) + 8)
 * bytes, plus the selection's (see pw_array_kth).
 * @param x        the elements (not changed)
 * @param n        number of elements, at most 2^32 - 1
 * @param k        how many, 0 <= k <= n
 * @param values   k elements, written
 * @param indices  their k indices in x, written
 * @param smallest false: largest first; true: smallest first
 * @return PW_OK, PW_ERANGE (k > n), PW_ENOMEM or PW_ECANCELED
 */
PW_ARRAY_TYPES(PW_ARRAY_TOPK_)

/* ------------------------------------------------------------------------ */
/* Search                                                                   */
/* ------------------------------------------------------------------------ */

#define PW_ARRAY_SEARCH_SORTED_(T, s)                                         \
  PW_NAME(searchSorted) PW_KERNEL pw_status pw_array_search_sorted_##s(       \
      PW_IN(n) const T *sorted, size_t n, PW_IN(m) const T *needles,          \
      size_t m, PW_RETURN(m) uint32_t *index,                                 \
      PW_OPTION PW_DEFAULT(0) bool right);
/**
 * Binary search of many needles in an ascending array (as sort leaves it;
 * every NaN compares equal to every other here). For each needle,
 * index[i] is the insertion point that keeps `sorted` ascending:
 *   left  (right = false): the first j with sorted[j] >= needle (numpy
 *                          searchsorted side='left', C++ lower_bound);
 *   right (right = true):  the first j with sorted[j] > needle.
 * n when there is none. -0 sorts before +0 here too, so a needle +0 finds
 * the end of the -0s. An array that is not ascending gives indices in
 * [0, n] that mean nothing (it is not checked: that would cost a pass
 * over `sorted` for every call).
 * @param sorted   ascending elements
 * @param n        number of them, at most 2^32 - 1
 * @param needles  values to look for, any order
 * @param m        number of needles
 * @param index    m insertion points, written
 * @param right    false: left insertion points; true: right
 * @return PW_OK, PW_ERANGE (n too large) or PW_ECANCELED
 */
PW_ARRAY_TYPES(PW_ARRAY_SEARCH_SORTED_)

#define PW_ARRAY_UNIQUE_(T, s)                                                \
  PW_NAME(unique) PW_KERNEL pw_status pw_array_unique_##s(                    \
      PW_IN(n) const T *x, size_t n, PW_RESULT(T) pw_result *values,          \
      PW_RESULT(uint32_t) pw_result *counts);
/**
 * The distinct values of x in ascending order, with how many times each
 * occurs. Values are distinct as JavaScript's Set sees them
 * (SameValueZero): -0 and +0 are one value, reported as +0, and every NaN
 * is one value, reported last as the quiet NaN 0x7ff8... (0x7fc00000).
 * x need not be sorted. 8- and 16-bit types are counted directly; wider
 * types sort a copy of their keys (2n elements of scratch: the copy and
 * the sort's buffer).
 * @param x       the elements (not changed)
 * @param n       number of elements, at most 2^32 - 1
 * @param values  the distinct values (u of them), resized and filled
 * @param counts  u counts, in the same order, resized and filled
 * @return PW_OK, PW_ERANGE (n too large), PW_ENOMEM or PW_ECANCELED
 */
PW_ARRAY_TYPES(PW_ARRAY_UNIQUE_)

/* ------------------------------------------------------------------------ */
/* Reductions                                                               */
/* ------------------------------------------------------------------------ */

#define PW_ARRAY_SUM_(T, s, S)                                                \
  PW_NAME(sum) PW_KERNEL S pw_array_sum_##s(PW_IN(n) const T *x, size_t n);
/**
 * Sum of x; 0 for an empty array.
 * Integers: exact. 8- to 32-bit types return the sum in 64 bits (signed
 * for signed types); 64-bit types return it in 128 bits as a pw_u128:
 * for int64_t that is the two's complement of the sum modulo 2^128 (in
 * JS: BigInt.asIntN(128, r)), which is exact as no sum of fewer than 2^64
 * 64-bit values can overflow it.
 * Floats: compensated summation in double (each addition's rounding error
 * is captured exactly with TwoSum and summed separately, Ogita-Rump-Oishi
 * Sum2, in 8 lanes per chunk and chunks joined in order), so the result
 * is as accurate as a sum in twice the precision, then rounded:
 *     |result - sum| <= 2^-53 |sum| + g^2 sum(|x[i]|),
 *     g = N 2^-53 / (1 - N 2^-53), N = n + 8200
 * float input is widened to double exactly, and the result is a double.
 * NaN in x gives NaN; +Inf and -Inf both present give NaN; otherwise an
 * infinite element gives that infinity. Negative zeros only give -0 (as
 * IEEE's -0 + -0), an empty x +0. A double sum whose running sum
 * passes the double range is computed again over x * 2^-64 and scaled
 * back, so it is +-Inf only when the result is (1e308 + 1e308 - 1e308 is
 * 1e308); mean likewise. (A float sum cannot overflow a double.)
 */
PW_ARRAY_SUM_TYPES(PW_ARRAY_SUM_)

#define PW_ARRAY_MEAN_(T, s)                                                  \
  PW_NAME(mean) PW_KERNEL double pw_array_mean_##s(PW_IN(n) const T *x, size_t n);
/**
 * Arithmetic mean of x as a double; NaN for an empty array. Integers: the
 * exact sum divided by n (at most 1 ulp from the exact mean). Floats: the
 * compensated sum of pw_array_sum divided by n.
 */
PW_ARRAY_TYPES(PW_ARRAY_MEAN_)

#define PW_ARRAY_VARIANCE_(T, s)                                              \
  PW_NAME(variance) PW_KERNEL double pw_array_variance_##s(                   \
      PW_IN(n) const T *x, size_t n, PW_OPTION PW_DEFAULT(0) uint32_t ddof);
/**
 * Variance of x: sum((x[i] - mean)^2) / (n - ddof), in double; ddof = 0
 * is the population variance, ddof = 1 the sample variance. NaN when
 * n <= ddof, and when x holds a NaN or an infinity. Finite doubles whose
 * deviations or squares would pass the double range (beyond about
 * 1e154) are computed again scaled by an exact power of two: their
 * variance is +Inf only when it passes the range itself, and their
 * standard deviation is finite when it is (1e308 and -1e308: 1e308).
 * Method: blocks of 2048 elements are done in two passes each (block mean,
 * then the sum of squared deviations from it, while the block is in
 * cache), and blocks and parallel chunks are merged with the pairwise
 * update of Chan, Golub and LeVeque (the parallel form of Welford's):
 *     M2 = M2a + M2b + d^2 na nb / (na + nb),  d = mean_b - mean_a.
 * Relative error at most about (258 + log2(n / 2048)) 2^-53 (1 + mean^2 /
 * var) (each block's lanes are plain sums of 256 terms), in practice a few
 * units in the last place. 64-bit integers are rounded to double first.
 */
PW_ARRAY_TYPES(PW_ARRAY_VARIANCE_)

#define PW_ARRAY_STD_(T, s)                                                   \
  PW_NAME(std) PW_KERNEL double pw_array_std_##s(                             \
      PW_IN(n) const T *x, size_t n, PW_OPTION PW_DEFAULT(0) uint32_t ddof);
/** Standard deviation: the square root of pw_array_variance (same rules). */
PW_ARRAY_TYPES(PW_ARRAY_STD_)

#define PW_ARRAY_MIN_(T, s)                                                   \
  PW_NAME(min) PW_KERNEL pw_status pw_array_min_##s(                          \
      PW_IN(n) const T *x, size_t n, PW_RETURN(1) T *value,                   \
      PW_RETURN(1) uint32_t *index);
/**
 * The smallest element and the index of its first occurrence (argmin).
 * Floats follow Math.min: any NaN makes the result NaN (index: the first
 * NaN), and -0 is smaller than +0.
 * @param x      the elements
 * @param n      number of elements, 1 <= n <= 2^32 - 1
 * @param value  the minimum, written
 * @param index  its first index, written
 * @return PW_OK, PW_EINVAL (x is empty), PW_ERANGE or PW_ECANCELED
 */
PW_ARRAY_TYPES(PW_ARRAY_MIN_)

#define PW_ARRAY_MAX_(T, s)                                                   \
  PW_NAME(max) PW_KERNEL pw_status pw_array_max_##s(                          \
      PW_IN(n) const T *x, size_t n, PW_RETURN(1) T *value,                   \
      PW_RETURN(1) uint32_t *index);
/**
 * The largest element and the index of its first occurrence (argmax).
 * Floats follow Math.max: any NaN makes the result NaN (index: the first
 * NaN), and +0 is larger than -0. Same arguments and returns as
 * pw_array_min.
 */
PW_ARRAY_TYPES(PW_ARRAY_MAX_)

#define PW_ARRAY_DOT_(T, s)                                                   \
  PW_NAME(dot) PW_KERNEL double pw_array_dot_##s(                             \
      PW_IN(n) const T *x, size_t n, PW_IN(n) const T *y);
/**
 * Dot product sum(x[i] * y[i]) of two equal-length float arrays, as a
 * double; 0 when empty. The products of elements i and i + 8 (of each
 * block of 16) are added in double, rounded once, and these pairs summed
 * as in pw_array_sum. float: the products are exact in double, so
 * |error| <= 2^-53 |x.y| + (2^-53 + g^2) sum|x[i] y[i]| (g as in
 * pw_array_sum); double: each product is rounded once too, so
 * |error| <= 2^-53 |x.y| + (2 * 2^-53 + g^2) sum|x[i] y[i]|.
 * Infinite and NaN elements follow IEEE arithmetic. Finite doubles whose
 * products or partial sums pass the double range are computed again
 * scaled by an exact power of two, so that the result is +-Inf only when
 * x.y passes the range (not NaN, as 1e300 * 1e300 - 1e300 * 1e300 would
 * make). A product below the smallest double rounds to 0 or a subnormal,
 * as in any double arithmetic (beyond the bound, which assumes none).
 */
PW_ARRAY_FLOAT_TYPES(PW_ARRAY_DOT_)

#define PW_ARRAY_NORM_(T, s)                                                  \
  PW_NAME(norm) PW_KERNEL double pw_array_norm_##s(PW_IN(n) const T *x, size_t n);
/**
 * Euclidean (L2) norm sqrt(sum(x[i]^2)) of a float array, as a double; 0
 * when empty. Like Math.hypot: +Inf if any element is infinite, else NaN
 * if any is NaN. No overflow or underflow on the way: when the plain sum
 * of squares would leave the double range (elements beyond about 1e150
 * or below about 1e-150), the elements are scaled by an exact power of 2.
 * Relative error at most about 2.5 * 2^-53 for double (each square rounded
 * once, squares added in pairs, compensated sum, one square root), and for
 * float input the squares are exact in double and summed compensated one
 * by one, so it is nearly the correctly rounded double.
 */
PW_ARRAY_FLOAT_TYPES(PW_ARRAY_NORM_)

/* ------------------------------------------------------------------------ */
/* Prefix sums                                                              */
/* ------------------------------------------------------------------------ */

#define PW_ARRAY_CUMSUM_(T, s)                                                \
  PW_NAME(cumsum) PW_KERNEL pw_status pw_array_cumsum_##s(                    \
      PW_IN(n) const T *x, size_t n, PW_OUT(n) PW_ALIAS(x) T *out,            \
      PW_OPTION PW_DEFAULT(0) bool exclusive);
/**
 * Prefix sums: inclusive out[i] = x[0] + ... + x[i], or exclusive
 * out[i] = x[0] + ... + x[i-1] (out[0] = 0). out may be x itself.
 * Integers: in the element type, wrapping modulo 2^bits (exact modulo
 * 2^bits; convert to a wider type first to avoid wrapping).
 * Floats: a compensated running sum in double (TwoSum, as pw_array_sum),
 * each output rounded once to T, so before that final rounding each
 * out[i] is within 2^-53 |s_i| + g^2 sum|x[0..i]| of the exact prefix
 * s_i (g as in pw_array_sum, with i + 1 for n); a prefix of negative
 * zeros only is -0. Parallel in two passes (chunk totals, then each
 * chunk's scan from its offset); chunk boundaries depend on n only.
 * @return PW_OK or PW_ECANCELED (out unspecified)
 */
PW_ARRAY_TYPES(PW_ARRAY_CUMSUM_)

/**
 * cumsum for a Uint8ClampedArray (JS cumsum's, not a method of its own):
 * the prefix sums of bytes stored as a clamped array stores them, each
 * min(255, sum), exact (a prefix never wraps: the sums are taken in 64
 * bits). The sums only grow, so from the first prefix above 255 on every
 * output is 255. Scratch: none on one thread; a word per chunk on more.
 * @return PW_OK or PW_ECANCELED (out unspecified)
 */
PW_INTERNAL PW_NAME(cumsumClamped) PW_KERNEL pw_status pw_array_cumsum_clamped_u8(
    PW_IN(n) const uint8_t *x, size_t n, PW_OUT(n) PW_ALIAS(x) uint8_t *out,
    PW_OPTION PW_DEFAULT(0) bool exclusive);

/* ------------------------------------------------------------------------ */
/* Histograms                                                               */
/* ------------------------------------------------------------------------ */

#define PW_ARRAY_HISTOGRAM_(T, s)                                             \
  PW_NAME(histogram) PW_KERNEL pw_status pw_array_histogram_##s(              \
      PW_IN(n) const T *x, size_t n, PW_OPTION PW_RANGE(1, 16777216)          \
      uint32_t bins, PW_OPTION double lo, PW_OPTION double hi,                \
      PW_RETURN(bins) uint32_t *counts);
/**
 * Histogram of x over `bins` equal bins spanning [lo, hi] (numpy's
 * histogram with bins and range). The edges are e[i] = lo + i * w with
 * w = (hi - lo) / bins, and e[bins] = hi; element v (converted to
 * double) is counted in bin i when e[i] <= v < e[i+1], the last bin
 * also taking v = hi. Elements outside [lo, hi] and NaN are not counted.
 * Two ranges are binned on scaled values, where this arithmetic would
 * break down: one wider than the largest double (hi - lo overflows) on
 * every value and edge halved, and one so narrow that w falls below
 * 2^-968 (subnormals) on every value and edge times a power of two that
 * makes the range normal; both scalings are exact (but for halved
 * subnormals), so the bins are the ones this arithmetic gives any range.
 * @param x       the elements
 * @param n       number of elements, at most 2^32 - 1
 * @param bins    number of bins, 1 to 2^24
 * @param lo      low edge, finite
 * @param hi      high edge, finite, lo < hi
 * @param counts  bins counts, written
 * @return PW_OK, PW_ERANGE (lo >= hi, lo or hi not finite, n too
 *         large), PW_ENOMEM or PW_ECANCELED
 */
PW_ARRAY_TYPES(PW_ARRAY_HISTOGRAM_)

#define PW_ARRAY_HISTOGRAM_EDGES_(T, s)                                       \
  PW_NAME(histogramEdges) PW_KERNEL pw_status pw_array_histogram_edges_##s(   \
      PW_IN(n) const T *x, size_t n, PW_IN(m) const double *edges, size_t m,  \
      PW_RETURN(m - 1) uint32_t *counts);
/**
 * Histogram of x over explicit bin edges: counts[i] counts the elements v
 * (converted to double) with edges[i] <= v < edges[i+1]; the last bin
 * also takes v = edges[m-1]. Elements outside and NaN are not counted.
 * Edges may be infinite (e.g. [-Inf, 0, Inf]).
 * @param edges  m edges, strictly increasing, not NaN
 * @param m      number of edges, at least 2
 * @param counts m - 1 counts, written
 * @return PW_OK, PW_EINVAL (fewer than 2 edges, an edge NaN, or edges not
 *         strictly increasing, naming the first bad one), PW_ERANGE (n too
 *         large), PW_ENOMEM or PW_ECANCELED
 */
PW_ARRAY_TYPES(PW_ARRAY_HISTOGRAM_EDGES_)

/* ------------------------------------------------------------------------ */
/* Elementwise                                                              */
/* ------------------------------------------------------------------------ */

#define PW_ARRAY_AXPY_(T, s)                                                  \
  PW_NAME(axpy) PW_KERNEL pw_status pw_array_axpy_##s(                        \
      T a, PW_IN(n) const T *x, size_t n, PW_INOUT(n) PW_ALIAS(x) T *y);
/**
 * y[i] = a * x[i] + y[i] in T's precision: one rounded multiplication and
 * one rounded addition (no fused multiply-add, so every build gives the
 * same bits). y may be x itself.
 * @return PW_OK or PW_ECANCELED
 */
PW_ARRAY_FLOAT_TYPES(PW_ARRAY_AXPY_)

#define PW_ARRAY_CLAMP_(T, s)                                                 \
  PW_NAME(clamp) PW_KERNEL pw_status pw_array_clamp_##s(                      \
      PW_IN(n) const T *x, size_t n, PW_OUT(n) PW_ALIAS(x) T *out,            \
      PW_OPTION T lo, PW_OPTION T hi);
/**
 * out[i] = x[i] limited to [lo, hi]: lo if x[i] < lo, hi if x[i] > hi,
 * else x[i] (so NaN stays NaN, and -0 stays -0 when lo is +0). out may be
 * x itself.
 * @param lo  lower limit, not NaN
 * @param hi  upper limit, not NaN, lo <= hi
 * @return PW_OK, PW_ERANGE (lo > hi or a limit NaN) or PW_ECANCELED
 */
PW_ARRAY_TYPES(PW_ARRAY_CLAMP_)

/*
 * Element type codes of pw_array_convert: X(name, code, bytes, JS view).
 * The JS family maps a view's constructor to its code with the same list.
 */
#define PW_ARRAY_TYPE_LIST(X)                                                 \
  X(PW_ARRAY_I8, 0, 1, Int8Array)                                             \
  X(PW_ARRAY_U8, 1, 1, Uint8Array)                                            \
  X(PW_ARRAY_U8C, 2, 1, Uint8ClampedArray)                                    \
  X(PW_ARRAY_I16, 3, 2, Int16Array)                                           \
  X(PW_ARRAY_U16, 4, 2, Uint16Array)                                          \
  X(PW_ARRAY_I32, 5, 4, Int32Array)                                           \
  X(PW_ARRAY_U32, 6, 4, Uint32Array)                                          \
  X(PW_ARRAY_I64, 7, 8, BigInt64Array)                                        \
  X(PW_ARRAY_U64, 8, 8, BigUint64Array)                                       \
  X(PW_ARRAY_F32, 9, 4, Float32Array)                                         \
  X(PW_ARRAY_F64, 10, 8, Float64Array)

typedef enum {
#define PW_ARRAY_TYPE_ENUM_(name, code, bytes, view) name = code,
  PW_ARRAY_TYPE_LIST(PW_ARRAY_TYPE_ENUM_)
#undef PW_ARRAY_TYPE_ENUM_
  PW_ARRAY_TYPE_COUNT
} pw_array_type;

/**
 * Converts elements of one type into another: dst[i] = convert(src[i]),
 * the types given by their pw_array_type codes (the JS family passes the
 * codes of the views it is given). Without normalize the rules are those
 * of assigning to a JS typed array element (TypedArray.prototype.set),
 * extended to the 64-bit types:
 *   - to a float: the nearest value (round half to even);
 *   - float to integer: NaN and +-Inf become 0, else truncated toward zero
 *     and wrapped modulo 2^bits (ToInt8, ToUint16, ... and BigInt.asIntN);
 *   - integer to integer: wrapped modulo 2^bits;
 *   - to Uint8Clamped: NaN -> 0, clamped to [0, 255], floats rounded half
 *     to even (ToUint8Clamp).
 * With normalize (one side float, the other an 8-, 16- or 32-bit integer;
 * Uint8Clamped counts as Uint8), as WebGL/WebGPU unorm and snorm:
 *   - unsigned -> float: v / (2^b - 1);  signed -> float:
 *     max(v / (2^(b-1) - 1), -1), computed in the float type;
 *   - float -> unsigned: round(clamp(f, 0, 1) * (2^b - 1)), NaN -> 0;
 *     float -> signed: round(clamp(f, -1, 1) * (2^(b-1) - 1)), NaN -> 0;
 *     rounding half to even, computed in double.
 * @param src        source elements, as bytes
 * @param src_bytes  bytes of src, a multiple of its element size
 * @param src_type   pw_array_type code of src
 * @param dst        destination, as bytes; must not overlap src
 * @param dst_bytes  bytes of dst: as many elements as src
 * @param dst_type   pw_array_type code of dst
 * @param normalize  unorm/snorm conversion (see above)
 * @return PW_OK, PW_EINVAL (unknown type code, sizes that do not match,
 *         normalize without exactly one float side or with a 64-bit
 *         integer), or PW_ECANCELED
 */
PW_INTERNAL PW_KERNEL pw_status pw_array_convert(
    PW_IN(src_bytes) const void *src, size_t src_bytes, uint32_t src_type,
    PW_OUT(dst_bytes) void *dst, size_t dst_bytes, uint32_t dst_type,
    PW_OPTION PW_DEFAULT(0) bool normalize);

/* ------------------------------------------------------------------------ */
/* Matrices (row-major)                                                     */
/* ------------------------------------------------------------------------ */

#define PW_ARRAY_MATMUL_(T, s)                                                \
  PW_NAME(matmul) PW_KERNEL pw_status pw_array_matmul_##s(                    \
      PW_IN(a_len) const T *a, size_t a_len, PW_IN(b_len) const T *b,         \
      size_t b_len, PW_OUT(c_len) T *c, size_t c_len, PW_OPTION size_t m,     \
      PW_OPTION size_t k, PW_OPTION size_t n);
/**
 * Matrix product c = a b of row-major matrices: a is m x k, b is k x n,
 * c is m x n. Each c[i][j] is computed as the plain loop would, in T:
 *     s = 0; for p in 0..k: s = s + a[i][p] * b[p][j]
 * (each product and sum rounded, in that order, no fused multiply-add),
 * so every build and thread count gives those exact bits. Cache-blocked
 * (packed panels of a and b), wasm SIMD micro-kernel, rows of blocks
 * split across threads. Scratch: b packed, about k * n elements.
 * @param a      m * k elements
 * @param b      k * n elements
 * @param c      m * n elements, written; must not overlap a or b
 * @param m,k,n  the shape; 0 is allowed (k = 0 gives zeros)
 * @return PW_OK, PW_EINVAL naming a buffer whose length does not match
 *         the shape, PW_ENOMEM or PW_ECANCELED
 */
PW_ARRAY_FLOAT_TYPES(PW_ARRAY_MATMUL_)

#define PW_ARRAY_MATVEC_(T, s)                                                \
  PW_NAME(matvec) PW_KERNEL pw_status pw_array_matvec_##s(                    \
      PW_IN(a_len) const T *a, size_t a_len, PW_IN(x_len) const T *x,         \
      size_t x_len, PW_OUT(y_len) T *y, size_t y_len);
/**
 * Matrix-vector product y = a x, a row-major (y_len x x_len): the shape is
 * taken from the lengths of x and y. Each y[i] is a sum over 8 lanes
 * (lane l takes the columns j = l mod 8, in order), the lanes then added
 * pairwise ((0+4)+(2+6))+((1+5)+(3+7)), all in T; the same in every
 * build. |error| <= (j/8 + 3) eps sum|a[i][j] x[j]|, eps = 2^-24 (float)
 * or 2^-53 (double).
 * @param a  y_len * x_len elements
 * @param x  x_len elements
 * @param y  y_len elements, written; must not overlap a or x
 * @return PW_OK, PW_EINVAL (a_len != x_len * y_len) or PW_ECANCELED
 */
PW_ARRAY_FLOAT_TYPES(PW_ARRAY_MATVEC_)

#define PW_ARRAY_TRANSPOSE_(T, s)                                             \
  PW_NAME(transpose) PW_KERNEL pw_status pw_array_transpose_##s(              \
      PW_IN(len) const T *a, size_t len, PW_OUT(len) T *out,                  \
      PW_OPTION size_t rows, PW_OPTION size_t cols);
/**
 * Transpose: a is rows x cols (row-major), out becomes cols x rows:
 * out[j * rows + i] = a[i * cols + j]. Cache-blocked tiles, split across
 * threads. Not in place (out must not overlap a).
 * @param a     rows * cols elements
 * @param len   number of elements of a and of out
 * @param out   len elements, written
 * @return PW_OK, PW_EINVAL (rows * cols != len) or PW_ECANCELED
 */
PW_ARRAY_TYPES(PW_ARRAY_TRANSPOSE_)

#ifdef __cplusplus
}
#endif

#endif /* PARAWASM_ARRAY_H */
