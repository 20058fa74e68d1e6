/*
 * test_array.c — the array kernels (parawasm/array.h) against references
 * written here independently of them:
 *   sort        qsort with a comparator written from the TypedArray sort
 *               order (NaN last, -0 before +0), plus a bitwise multiset check
 *   argsort     a stable merge sort of indices with the same comparator
 *   selection   the reference sort, indexed
 *   search      linear scans
 *   sums        exact: 128-bit integers, and for floats an exact expansion
 *               (Shewchuk's grow-expansion of doubles)
 *   matmul      the naive triple loop in T (bitwise) and in long double
 *   the rest    plain loops
 * on random bits, small ranges with many ties, sorted, reverse-sorted,
 * all-equal, special values (NaN payloads of both signs, +-Inf, +-0,
 * subnormals, integer extremes), lengths 0, 1, odd and around every
 * internal threshold, and views starting at odd element offsets.
 *
 * Built like every kernel test (Makefile): serial, ASan+UBSan, the fake
 * pool (chunks in a scrambled order, concurrency 4), wasm SIMD. With the
 * fake pool, kernels whose result could depend on the split are run with
 * 1 and 4 fake threads and must give the same bits.
 */
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parawasm/array.h"

#include "testlib.h"

/* ---------------------------------------------------------------------- */
/* Thread counts                                                          */
/* ---------------------------------------------------------------------- */

#ifdef PW_TEST_FAKE_POOL
#define THREAD_RUNS 2
static void set_threads(int run) { fake_threads = run == 0 ? 4 : 1; }
#else
#define THREAD_RUNS 1
static void set_threads(int run) { (void)run; }
#endif

/* ---------------------------------------------------------------------- */
/* Per-type reference order and data                                      */
/* ---------------------------------------------------------------------- */

/* The order of TypedArray.prototype.sort, written from its definition. */
static int cmp_num_f64(double a, double b) {
  int an = a != a, bn = b != b;
  if (an || bn) return an - bn;
  if (a < b) return -1;
  if (a > b) return 1;
  int as = signbit(a) != 0, bs = signbit(b) != 0;
  return bs - as; /* -0 before +0 */
}

#define INT_CMP(T, s)                                                          \
  static int ref_cmp_##s(T a, T b) { return (a > b) - (a < b); }
INT_CMP(int8_t, i8)
INT_CMP(uint8_t, u8)
INT_CMP(int16_t, i16)
INT_CMP(uint16_t, u16)
INT_CMP(int32_t, i32)
INT_CMP(uint32_t, u32)
INT_CMP(int64_t, i64)
INT_CMP(uint64_t, u64)
static int ref_cmp_f32(float a, float b) { return cmp_num_f64(a, b); }
static int ref_cmp_f64(double a, double b) { return cmp_num_f64(a, b); }

static int is_nan_f32(float v) { return v != v; }
static int is_nan_f64(double v) { return v != v; }
#define NOT_FLOAT_NAN(T, s)                                                    \
  static int is_nan_##s(T v) { (void)v; return 0; }
NOT_FLOAT_NAN(int8_t, i8)
NOT_FLOAT_NAN(uint8_t, u8)
NOT_FLOAT_NAN(int16_t, i16)
NOT_FLOAT_NAN(uint16_t, u16)
NOT_FLOAT_NAN(int32_t, i32)
NOT_FLOAT_NAN(uint32_t, u32)
NOT_FLOAT_NAN(int64_t, i64)
NOT_FLOAT_NAN(uint64_t, u64)

/* Descending with NaN still last. */
#define DESC_CMP(T, s)                                                         \
  static int ref_cmpd_##s(T a, T b) {                                          \
    int an = is_nan_##s(a), bn = is_nan_##s(b);                                \
    if (an || bn) return an - bn;                                              \
    return -ref_cmp_##s(a, b);                                                 \
  }
PW_ARRAY_TYPES(DESC_CMP)

/* Data shapes. */
/* SH_CROWD: 64 clusters spread over the type's range, each of keys a few
   thousand apart at most, with repeats: within a cluster's part of the
   range, keys share their leading bits (sort_engine.h's lsd_top gives up
   on them and LSD passes finish). */
enum { SH_BITS, SH_SMALL, SH_SORTED, SH_REVERSE, SH_EQUAL, SH_SPECIAL, SH_UNIT, SH_CROWD, SH_COUNT };
static const char *const shape_names[] = {"random bits", "small range", "sorted", "reverse",
                                          "all equal", "special", "uniform", "crowded"};

static const double special_f[] = {0.0, -0.0, 1.0, -1.0, INFINITY, -INFINITY, 1e-310, -1e-310,
                                   DBL_MAX, -DBL_MAX, 0.5, 3.0, -2.5, 1e300, -1e-300};

/* A NaN of the given sign and payload bits (never zero). */
static double nan_f64(int neg, uint64_t payload) {
  uint64_t b = UINT64_C(0x7ff0000000000000) | (payload & UINT64_C(0x000fffffffffffff));
  if ((b & UINT64_C(0x000fffffffffffff)) == 0) b |= 1;
  if (neg) b |= UINT64_C(1) << 63;
  double v;
  memcpy(&v, &b, 8);
  return v;
}
static float nan_f32(int neg, uint32_t payload) {
  uint32_t b = UINT32_C(0x7f800000) | (payload & UINT32_C(0x007fffff));
  if ((b & UINT32_C(0x007fffff)) == 0) b |= 1;
  if (neg) b |= UINT32_C(1) << 31;
  float v;
  memcpy(&v, &b, 4);
  return v;
}

#define GEN_INT(T, s, MINV, MAXV)                                              \
  static void gen_##s(T *x, size_t n, int shape, uint64_t *seed) {             \
    const T extremes[] = {MINV, MAXV, 0, 1, (T)(MAXV - 1), (T)(MINV + 1), (T)-1}; \
    T base = (T)splitmix64(seed);                                              \
    for (size_t i = 0; i < n; i++) {                                           \
      uint64_t r = splitmix64(seed);                                           \
      switch (shape) {                                                         \
      case SH_BITS: x[i] = (T)r; break;                                        \
      case SH_SMALL: x[i] = (T)((int64_t)(r % 7) - 3); break;                  \
      case SH_SORTED: x[i] = (T)(MINV + (T)(i / 3)); break;                     \
      case SH_REVERSE: x[i] = (T)(MAXV - (T)(i / 2)); break;                    \
      case SH_EQUAL: x[i] = base; break;                                       \
      case SH_SPECIAL: x[i] = extremes[r % 7]; break;                          \
      case SH_CROWD:                                                           \
        x[i] = (T)((uint64_t)(MINV) + (r % 64) * (uint64_t)(MAXV / 32) + (r >> 8) % 4096); \
        break;                                                                 \
      default: x[i] = (T)(r % 1000); break;                                    \
      }                                                                        \
    }                                                                          \
  }
GEN_INT(int8_t, i8, INT8_MIN, INT8_MAX)
GEN_INT(uint8_t, u8, 0, UINT8_MAX)
GEN_INT(int16_t, i16, INT16_MIN, INT16_MAX)
GEN_INT(uint16_t, u16, 0, UINT16_MAX)
GEN_INT(int32_t, i32, INT32_MIN, INT32_MAX)
GEN_INT(uint32_t, u32, 0, UINT32_MAX)
GEN_INT(int64_t, i64, INT64_MIN, INT64_MAX)
GEN_INT(uint64_t, u64, 0, UINT64_MAX)

static void gen_f64(double *x, size_t n, int shape, uint64_t *seed) {
  double base = (double)(splitmix64(seed) % 1000) / 7.0;
  for (size_t i = 0; i < n; i++) {
    uint64_t r = splitmix64(seed);
    switch (shape) {
    case SH_BITS: memcpy(&x[i], &r, 8); break;
    case SH_SMALL: x[i] = (double)((int64_t)(r % 7) - 3) * 0.5; break;
    case SH_SORTED: x[i] = (double)i * 0.25 - 100.0; break;
    case SH_REVERSE: x[i] = 1e6 - (double)(i / 2); break;
    case SH_EQUAL: x[i] = base; break;
    case SH_SPECIAL: {
      unsigned k = (unsigned)(r % 20);
      x[i] = k < 15 ? special_f[k] : nan_f64((int)(r >> 40) & 1, r >> 8);
      break;
    }
    case SH_CROWD: x[i] = ((double)(r % 64) - 32.0) * 1e6 + (double)((r >> 8) % 4096) * 1e-3; break;
    default: x[i] = (double)(r >> 11) * 0x1p-53; break;
    }
  }
}

static void gen_f32(float *x, size_t n, int shape, uint64_t *seed) {
  float base = (float)(splitmix64(seed) % 1000) / 7.0f;
  for (size_t i = 0; i < n; i++) {
    uint64_t r = splitmix64(seed);
    switch (shape) {
    case SH_BITS: {
      uint32_t b = (uint32_t)r;
      memcpy(&x[i], &b, 4);
      break;
    }
    case SH_SMALL: x[i] = (float)((int64_t)(r % 7) - 3) * 0.5f; break;
    case SH_SORTED: x[i] = (float)i * 0.25f - 100.0f; break;
    case SH_REVERSE: x[i] = 1e6f - (float)(i / 2); break;
    case SH_EQUAL: x[i] = base; break;
    case SH_SPECIAL: {
      unsigned k = (unsigned)(r % 20);
      x[i] = k < 15 ? (float)special_f[k] : nan_f32((int)(r >> 40) & 1, (uint32_t)(r >> 8));
      break;
    }
    case SH_CROWD: x[i] = ((float)(r % 64) - 32.0f) * 1e4f + (float)((r >> 8) % 4096) * 1e-3f; break;
    default: x[i] = (float)(r >> 40) * 0x1p-24f; break;
    }
  }
}

/* Lengths: 0, 1, small odd ones, around the insertion-sort and block
   thresholds, and large enough for several blocks with 4 threads. */
static const size_t sizes[] = {0, 1, 2, 3, 5, 17, 24, 25, 31, 64, 100, 128, 129, 255, 256, 257, 1000, 4097, 65537, 140001};
#define NSIZES (sizeof sizes / sizeof *sizes)

/* Stable merge sort of indices 0..n-1 by cmp on x. */
#define REF_ARGSORT(T, s)                                                      \
  static void ref_argsort_##s(const T *x, size_t n, uint32_t *idx, int desc) { \
    uint32_t *tmp = xmalloc(n * sizeof *tmp);                                  \
    for (size_t i = 0; i < n; i++) idx[i] = (uint32_t)i;                       \
    for (size_t w = 1; w < n; w *= 2) {                                        \
      for (size_t lo = 0; lo < n; lo += 2 * w) {                               \
        size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n; \
        size_t a = lo, b = mid, o = lo;                                        \
        while (a < mid && b < hi) {                                            \
          int c = desc ? ref_cmpd_##s(x[idx[b]], x[idx[a]])                    \
                       : ref_cmp_##s(x[idx[b]], x[idx[a]]);                    \
          tmp[o++] = c < 0 ? idx[b++] : idx[a++];                              \
        }                                                                      \
        while (a < mid) tmp[o++] = idx[a++];                                   \
        while (b < hi) tmp[o++] = idx[b++];                                    \
      }                                                                        \
      memcpy(idx, tmp, n * sizeof *idx);                                       \
    }                                                                          \
    free(tmp);                                                                 \
  }
PW_ARRAY_TYPES(REF_ARGSORT)

/* A hash of a multiset of elements: the sum of a mixing of each one's bits. */
static uint64_t multiset_hash(const void *p, size_t n, size_t size) {
  uint64_t h = 0;
  for (size_t i = 0; i < n; i++) {
    uint64_t v = 0;
    memcpy(&v, (const char *)p + i * size, size);
    uint64_t t = v + UINT64_C(0x632be59bd9b4e019);
    h += splitmix64(&t);
  }
  return h;
}

/* qsort comparators. */
#define QSORT_CMP(T, s)                                                        \
  static int qcmp_##s(const void *a, const void *b) {                          \
    return ref_cmp_##s(*(const T *)a, *(const T *)b);                          \
  }                                                                            \
  static int qcmpd_##s(const void *a, const void *b) {                         \
    return ref_cmpd_##s(*(const T *)a, *(const T *)b);                         \
  }
PW_ARRAY_TYPES(QSORT_CMP)

/* ---------------------------------------------------------------------- */
/* Sort, argsort, gather                                                  */
/* ---------------------------------------------------------------------- */

#define TEST_SORT(T, s)                                                        \
  static void test_sort_##s(void) {                                            \
    uint64_t seed = 1000 + sizeof(T);                                          \
    for (size_t si = 0; si < NSIZES; si++) {                                   \
      size_t n = sizes[si];                                                    \
      T *buf = xmalloc((n + 1) * sizeof(T)), *ref = xmalloc((n + 1) * sizeof(T)); \
      T *a = xmalloc((n + 1) * sizeof(T)), *b = xmalloc((n + 1) * sizeof(T));  \
      uint32_t *order = xmalloc((n + 1) * sizeof(uint32_t));                   \
      uint32_t *rorder = xmalloc((n + 1) * sizeof(uint32_t));                  \
      for (int shape = 0; shape < SH_COUNT; shape++) {                         \
        if (n > 60000 && shape != SH_BITS && shape != SH_SMALL &&              \
            shape != SH_SPECIAL && shape != SH_UNIT && shape != SH_CROWD) continue; \
        for (int desc = 0; desc < 2; desc++) {                                 \
          T *x = buf + (si & 1); /* odd element offsets for odd si */          \
          gen_##s(x, n, shape, &seed);                                         \
          memcpy(ref, x, n * sizeof(T));                                       \
          if (n) qsort(ref, n, sizeof(T), desc ? qcmpd_##s : qcmp_##s);        \
          /* argsort first (x unchanged), then sort */                         \
          ref_argsort_##s(x, n, rorder, desc);                                 \
          pw_status st = pw_array_argsort_##s(x, n, order, desc);              \
          CHECK(st == PW_OK, #s " argsort n=%zu: status %d", n, st);           \
          CHECK(n == 0 || memcmp(order, rorder, n * 4) == 0,                   \
                #s " argsort n=%zu %s desc=%d: differs from the stable reference", \
                n, shape_names[shape], desc);                                  \
          memcpy(a, x, n * sizeof(T));                                         \
          st = pw_array_sort_##s(x, n, desc);                                  \
          CHECK(st == PW_OK, #s " sort n=%zu: status %d", n, st);              \
          size_t bad = SIZE_MAX;                                               \
          for (size_t i = 0; i < n && bad == SIZE_MAX; i++)                    \
            if ((desc ? ref_cmpd_##s(x[i], ref[i]) : ref_cmp_##s(x[i], ref[i])) != 0) bad = i; \
          CHECK(bad == SIZE_MAX, #s " sort n=%zu %s desc=%d: differs at %zu",  \
                n, shape_names[shape], desc, bad);                             \
          /* the same elements, bit for bit (a sum of mixed bits: equal for  \
             equal multisets, and different otherwise but with odds 2^-64) */  \
          CHECK(multiset_hash(a, n, sizeof(T)) == multiset_hash(x, n, sizeof(T)), \
                #s " sort n=%zu %s: elements changed", n, shape_names[shape]);  \
          /* gather with the reference order reproduces the sort's order */   \
          gen_##s(a, n, shape, &seed);                                         \
          st = pw_array_gather_##s(a, n, rorder, n, b);                        \
          CHECK(st == PW_OK, #s " gather n=%zu: status %d", n, st);            \
          bad = SIZE_MAX;                                                      \
          for (size_t i = 0; i < n && bad == SIZE_MAX; i++)                    \
            if (memcmp(&b[i], &a[rorder[i]], sizeof(T)) != 0) bad = i;         \
          CHECK(bad == SIZE_MAX, #s " gather n=%zu: differs at %zu", n, bad);  \
        }                                                                      \
      }                                                                        \
      free(buf), free(ref), free(a), free(b), free(order), free(rorder);       \
    }                                                                          \
    /* gather: an index out of range is an error and writes nothing */        \
    T src[4] = {1, 2, 3, 4}, dst[3] = {9, 9, 9};                               \
    uint32_t ix[3] = {0, 3, 4};                                                \
    CHECK(pw_array_gather_##s(src, 4, ix, 3, dst) == PW_ERANGE, #s " gather out of range"); \
    CHECK(dst[0] == 9 && dst[1] == 9 && dst[2] == 9, #s " gather wrote on error"); \
    ix[2] = 1;                                                                 \
    CHECK(pw_array_gather_##s(src, 4, ix, 3, dst) == PW_OK && dst[0] == 1 && dst[1] == 4 && dst[2] == 2, \
          #s " gather");                                                       \
  }
PW_ARRAY_TYPES(TEST_SORT)

/*
 * Inputs already in order or in reverse order under the sort's keys take a
 * check and, at most, a reversal (sort.c, presorted): each is checked
 * against the references in both directions, at lengths that make several
 * blocks, with pairs against the order placed inside a block, at block
 * boundaries (runs of pw_grain elements: pwa_reduce's chunks) and at the
 * very end, and with runs of equal keys (argsort's reversal keeps each in
 * index order), -0 beside +0 and NaNs of several payloads.
 */
/* argsort of x against the stable reference (unless order is NULL) and
   sort of a copy against qsort's, both directions (a, ref, order, rorder:
   scratch of n). */
#define CHECK_SORTS(T, s)                                                      \
  static void check_sorts_##s(const T *x, size_t n, T *a, T *ref, uint32_t *order, \
                              uint32_t *rorder, const char *label) {           \
    for (int desc = 0; desc < 2; desc++) {                                     \
      memcpy(a, x, n * sizeof(T));                                             \
      memcpy(ref, x, n * sizeof(T));                                           \
      qsort(ref, n, sizeof(T), desc ? qcmpd_##s : qcmp_##s);                   \
      if (order != NULL) {                                                     \
        ref_argsort_##s(a, n, rorder, desc);                                   \
        pw_status st = pw_array_argsort_##s(a, n, order, desc);                \
        CHECK(st == PW_OK && memcmp(order, rorder, n * 4) == 0, #s " argsort of %s desc %d", label, desc); \
      }                                                                        \
      pw_status st = pw_array_sort_##s(a, n, desc);                            \
      size_t bad = st == PW_OK ? SIZE_MAX : 0;                                 \
      for (size_t i = 0; i < n && bad == SIZE_MAX; i++)                        \
        if ((desc ? ref_cmpd_##s(a[i], ref[i]) : ref_cmp_##s(a[i], ref[i])) != 0) bad = i; \
      CHECK(bad == SIZE_MAX && multiset_hash(a, n, sizeof(T)) == multiset_hash(x, n, sizeof(T)), \
            #s " sort of %s desc %d: differs at %zu", label, desc, bad);      \
    }                                                                          \
  }
PW_ARRAY_TYPES(CHECK_SORTS)

enum { PS_ASC, PS_DESC, PS_SAW_GRAIN, PS_SAW_ODD, PS_LAST_LOW, PS_FIRST_HIGH, PS_COUNT };
#define TEST_PRESORTED(T, s)                                                   \
  static void test_sort_presorted_##s(void) {                                  \
    static const size_t lens[] = {2, 3, 24, 25, 256, 257, 1000, 65537, 140001}; \
    static const int base[] = {SH_BITS, SH_SMALL, SH_SPECIAL, SH_EQUAL};       \
    uint64_t seed = 77 + sizeof(T);                                            \
    for (size_t li = 0; li < sizeof lens / sizeof *lens; li++) {               \
      size_t n = lens[li], grain = pw_grain(sizeof(T));                        \
      T *x = xmalloc(n * sizeof(T)), *ref = xmalloc(n * sizeof(T)), *a = xmalloc(n * sizeof(T)); \
      uint32_t *order = xmalloc(n * 4), *rorder = xmalloc(n * 4);              \
      for (size_t bi = 0; bi < sizeof base / sizeof *base; bi++)               \
        for (int ps = 0; ps < PS_COUNT; ps++)                                  \
          for (int dir = 0; dir < 2; dir++) { /* the input's direction */      \
            gen_##s(x, n, base[bi], &seed);                                    \
            int (*in_cmp)(const void *, const void *) = dir ? qcmpd_##s : qcmp_##s; \
            if (ps == PS_SAW_GRAIN || ps == PS_SAW_ODD) {                      \
              size_t run = ps == PS_SAW_GRAIN ? grain : 997;                   \
              for (size_t r0 = 0; r0 < n; r0 += run)                           \
                qsort(x + r0, n - r0 < run ? n - r0 : run, sizeof(T), in_cmp); \
            } else {                                                           \
              qsort(x, n, sizeof(T), in_cmp);                                  \
              if (ps == PS_LAST_LOW) { T t = x[n - 1]; x[n - 1] = x[0]; x[0] = t; } \
              if (ps == PS_FIRST_HIGH) { T t = x[0]; x[0] = x[n / 2]; x[n / 2] = t; } \
            }                                                                  \
            char label[96];                                                    \
            snprintf(label, sizeof label, "presorted input n=%zu base %s case %d dir %d", n, \
                     shape_names[base[bi]], ps, dir);                          \
            check_sorts_##s(x, n, a, ref, order, rorder, label);               \
          }                                                                    \
      free(x), free(ref), free(a), free(order), free(rorder);                  \
    }                                                                          \
  }
PW_ARRAY_TYPES(TEST_PRESORTED)

/*
 * Buckets larger than the engine finishes in cache (sort_engine.h: 2^16
 * 32-bit or 2^15 64-bit keys) have their range measured and take another
 * MSD step: few distinct values (a bucket of one value is done at once),
 * one value that most elements hold among random ones, and half the
 * elements crowded into a narrow range; each against the references in
 * both directions.
 */
enum { NE_TWO, NE_THREE, NE_FIVE, NE_SKEW, NE_HALF_CROWD, NE_COUNT };
#define TEST_NESTED(T, s)                                                      \
  static void test_sort_nested_##s(void) {                                     \
    const size_t n = 270001;                                                   \
    uint64_t seed = 313 + sizeof(T);                                           \
    T *x = xmalloc(n * sizeof(T)), *ref = xmalloc(n * sizeof(T)), *a = xmalloc(n * sizeof(T)); \
    T *vals = xmalloc(n * sizeof(T));                                          \
    uint32_t *order = xmalloc(n * 4), *rorder = xmalloc(n * 4);                \
    for (int ne = 0; ne < NE_COUNT; ne++) {                                    \
      gen_##s(vals, n, SH_BITS, &seed); /* values to draw from */              \
      T crowd[1];                                                              \
      gen_##s(crowd, 1, SH_UNIT, &seed);                                       \
      for (size_t i = 0; i < n; i++) {                                         \
        uint64_t r = splitmix64(&seed);                                        \
        switch (ne) {                                                          \
        case NE_TWO: x[i] = vals[r % 2]; break;                                \
        case NE_THREE: x[i] = vals[r % 3]; break;                              \
        case NE_FIVE: x[i] = vals[r % 5]; break;                               \
        case NE_SKEW: x[i] = r % 10 < 8 ? vals[0] : vals[i]; break;            \
        default: {                                                             \
          T c;                                                                 \
          gen_##s(&c, 1, SH_UNIT, &seed);                                      \
          x[i] = r % 2 ? vals[i] : (T)(crowd[0] + c);                          \
          break;                                                               \
        }                                                                      \
        }                                                                      \
      }                                                                        \
      char label[48];                                                          \
      snprintf(label, sizeof label, "nested buckets, case %d", ne);            \
      check_sorts_##s(x, n, a, ref, order, rorder, label);                     \
    }                                                                          \
    free(x), free(ref), free(a), free(vals), free(order), free(rorder);        \
  }
PW_ARRAY_TYPES(TEST_NESTED)

/*
 * Few distinct 32- or 64-bit keys over a range too wide to count by key
 * (sort.c: fs_sort, arrays of at least 2^16): 2 to 3,000 values drawn
 * from random bits (the sample sees at most 1,024 distinct keys up to
 * about 1,100 values; more are sorted by the engine), the special values
 * (-0 beside +0, NaNs of a few payloads, infinities, extremes), and 16
 * common values with rare ones among them that the sample may miss: 40 of
 * them (counted from the blocks' lists) or 200 (more than a block's list
 * holds: the try gives up and the engine sorts). Each against qsort's
 * order in both directions, the multiset kept, and the argsort (counted
 * too, sort.c: ca_sort) against the stable reference.
 */
static const size_t few_values[] = {2, 16, 700, 1024, 1100, 3000};
enum { FW_RARE40 = sizeof few_values / sizeof *few_values, FW_RARE200, FW_SPECIAL, FW_COUNT };
#define TEST_FEW_WIDE(T, s)                                                    \
  static void test_sort_few_wide_##s(void) {                                   \
    if (sizeof(T) < 4) return; /* (8 and 16 bits are counted by value) */      \
    static const size_t lens[] = {65536, 270001};                              \
    const size_t nmax = 270001;                                                \
    uint64_t seed = 4242 + sizeof(T);                                          \
    T *x = xmalloc(nmax * sizeof(T)), *ref = xmalloc(nmax * sizeof(T)), *a = xmalloc(nmax * sizeof(T)); \
    uint32_t *order = xmalloc(nmax * 4), *rorder = xmalloc(nmax * 4);         \
    T vals[3216];                                                              \
    for (size_t li = 0; li < sizeof lens / sizeof *lens; li++)                 \
      for (int fw = 0; fw < FW_COUNT; fw++) {                                  \
        const size_t n = lens[li];                                             \
        gen_##s(vals, sizeof vals / sizeof *vals, fw == FW_SPECIAL ? SH_SPECIAL : SH_BITS, &seed); \
        for (size_t i = 0; i < n; i++) {                                       \
          uint64_t r = splitmix64(&seed);                                      \
          if (fw < FW_RARE40) x[i] = vals[r % few_values[fw]];                 \
          else if (fw == FW_SPECIAL) x[i] = vals[r % 24];                      \
          else if (i % 997 == 5) x[i] = vals[16 + r % (fw == FW_RARE40 ? 40 : 200)]; \
          else x[i] = vals[r % 16];                                            \
        }                                                                      \
        char label[64];                                                        \
        snprintf(label, sizeof label, "few wide values, case %d, n=%zu", fw, n); \
        check_sorts_##s(x, n, a, ref, order, rorder, label);                   \
      }                                                                        \
    free(x), free(ref), free(a), free(order), free(rorder);                    \
  }
PW_ARRAY_TYPES(TEST_FEW_WIDE)

/*
 * The engine's LSD passes take digits of 8 to 12 bits, by the bits of a
 * range and the keys in it (sort_engine.h: ENG(lsd)): values over ranges
 * of every width up to 24 bits and some wider (where the type has them),
 * at lengths around 2^8, 2^12 and the engine's cache size, each against
 * the references in both directions.
 */
#define TEST_DIGITS(T, s)                                                      \
  static void test_sort_digits_##s(void) {                                     \
    static const size_t lens[] = {257, 1000, 4095, 4097, 65536, 70001};        \
    static const unsigned widths[] = {1, 2, 5, 8, 9, 11, 12, 13, 15, 16, 17, 19, 20, 21, 23, 24, 28, 33, 40}; \
    const size_t nmax = 70001;                                                 \
    uint64_t seed = 991 + sizeof(T);                                           \
    T *x = xmalloc(nmax * sizeof(T)), *ref = xmalloc(nmax * sizeof(T)), *a = xmalloc(nmax * sizeof(T)); \
    uint32_t *order = xmalloc(nmax * 4), *rorder = xmalloc(nmax * 4);         \
    for (size_t li = 0; li < sizeof lens / sizeof *lens; li++)                 \
      for (size_t wi = 0; wi < sizeof widths / sizeof *widths; wi++) {        \
        const size_t n = lens[li];                                             \
        const unsigned bits = widths[wi];                                      \
        if (bits >= 8 * sizeof(T)) continue;                                   \
        const uint64_t off = splitmix64(&seed) >> (64 - 8 * sizeof(T) + bits); \
        for (size_t i = 0; i < n; i++)                                         \
          x[i] = (T)(off + (splitmix64(&seed) & (((uint64_t)1 << bits) - 1))); \
        char label[64];                                                        \
        snprintf(label, sizeof label, "a range of %u bits, n=%zu", bits, n);   \
        check_sorts_##s(x, n, a, ref, order, rorder, label);                   \
      }                                                                        \
    free(x), free(ref), free(a), free(order), free(rorder);                    \
  }
PW_ARRAY_TYPES(TEST_DIGITS)

/*
 * Input nearly in order (sort.c, near_sort): keys out of place are taken
 * out, sorted alone and merged back; where too many are (more than an
 * eighth), the array is put back together and the engine sorts it. Each
 * shape in both input directions (against the sort's direction: mostly
 * reversed input, which the sample sends to the engine), at lengths of
 * one and several of its blocks of 2^18 elements: random swaps, a few
 * swaps, new keys over the last or first hundredth, a run of high keys
 * moved down, swaps across block boundaries and a high key at a block's
 * last place (the boundary fix), and the shapes not tried — four sorted
 * runs, every key a few places off, the last fifth random — or given up
 * (half the keys new, away from the places the sample looks at); equal
 * keys across block boundaries counted from either end; a tenth of the
 * keys equal to the one before them, and a few swaps (in either direction:
 * argsort of input nearly in the other order keeps equal keys read from
 * the end, then turns each run of them around); a key equal to the one
 * two places before it, with the key of the array's start between them
 * (read in the direction where that key is the largest, the middle one is
 * taken out and the two equal keys meet: the only equal keys kept next to
 * each other there). Argsort of each (its stable near path: ties by index)
 * against the stable reference.
 */
enum { NR_SWAPS, NR_FEW, NR_TAIL, NR_HEAD, NR_RUN_DOWN, NR_BOUNDARY, NR_RUNS, NR_LOCAL, NR_LATE, NR_HIDDEN, NR_TIES, NR_DUPS, NR_TIE3, NR_COUNT };
#define TEST_NEAR(T, s)                                                        \
  static void test_sort_near_##s(void) {                                       \
    if (sizeof(T) < 4) return; /* (8 and 16 bits are counted) */               \
    static const size_t lens[] = {65535, 65536, 540001};                       \
    static const int bases[2][2] = {{SH_SPECIAL, SH_SPECIAL}, {SH_BITS, SH_SMALL}}; \
    const size_t blk = (size_t)1 << 18;                                        \
    uint64_t seed = 991 + sizeof(T);                                           \
    for (size_t li = 0; li < sizeof lens / sizeof *lens; li++) {               \
      const size_t n = lens[li];                                               \
      T *x = xmalloc(n * sizeof(T)), *ref = xmalloc(n * sizeof(T)), *a = xmalloc(n * sizeof(T)); \
      T *fresh = xmalloc(n * sizeof(T));                                       \
      uint32_t *order = xmalloc(n * 4), *rorder = xmalloc(n * 4);              \
      const int *base = bases[n > blk];                                        \
      for (size_t bi = 0; bi < (n > blk ? 2u : 1u); bi++)                      \
        for (int nr = 0; nr < NR_COUNT; nr++)                                  \
          for (int dir = 0; dir < 2; dir++) {                                  \
            if (n < blk && (nr == NR_BOUNDARY || nr == NR_TIES)) continue;     \
            /* (the long arrays: every shape once; a few in the other direction and with ties) */ \
            if (n > blk && (bi || dir) && !(nr <= NR_FEW || nr == NR_BOUNDARY || nr >= NR_TIES)) continue; \
            if (n > blk && bi && dir && nr < NR_DUPS) continue;                \
            gen_##s(x, n, base[bi], &seed);                                    \
            gen_##s(fresh, n, base[bi], &seed);                                \
            int (*in_cmp)(const void *, const void *) = dir ? qcmpd_##s : qcmp_##s; \
            qsort(x, n, sizeof(T), in_cmp);                                    \
            size_t h = n / 100;                                                \
            switch (nr) {                                                      \
            case NR_TIE3:                                                      \
              x[n / 2 + 2] = x[n / 2], x[n / 2 + 1] = x[0];                    \
              break;                                                           \
            case NR_DUPS: /* runs of equal keys, */                            \
              for (size_t i = 1; i < n; i++)                                   \
                if (splitmix64(&seed) % 10 == 0) x[i] = x[i - 1];              \
              __attribute__((fallthrough));                                    \
            case NR_TIES: /* equal keys across the block boundaries, counted from either end, */ \
              for (size_t b = blk; b < n; b += blk) x[b] = x[b - 1], x[n - b] = x[n - b - 1]; \
              __attribute__((fallthrough)); /* and a few swaps */             \
            case NR_SWAPS:                                                     \
            case NR_FEW:                                                       \
              for (size_t q = 0; q < (nr == NR_SWAPS ? h : 3); q++) {          \
                size_t i = splitmix64(&seed) % n, j = splitmix64(&seed) % n;   \
                T t = x[i]; x[i] = x[j]; x[j] = t;                             \
              }                                                                \
              break;                                                           \
            case NR_TAIL: memcpy(x + n - h, fresh, h * sizeof(T)); break;      \
            case NR_HEAD: memcpy(x, fresh, h * sizeof(T)); break;              \
            case NR_RUN_DOWN: /* the last 100 keys moved to a tenth of the way */ \
              memcpy(a, x + n - 100, 100 * sizeof(T));                         \
              memmove(x + n / 10 + 100, x + n / 10, (n - 100 - n / 10) * sizeof(T)); \
              memcpy(x + n / 10, a, 100 * sizeof(T));                          \
              break;                                                           \
            case NR_BOUNDARY:                                                  \
              for (size_t b = blk; b < n; b += blk) {                          \
                T t = x[b - 1]; x[b - 1] = x[b]; x[b] = t;                     \
                t = x[b - 3]; x[b - 3] = x[b + 2]; x[b + 2] = t;               \
              }                                                                \
              { T t = x[blk - 1]; x[blk - 1] = x[n - 1]; x[n - 1] = t; }       \
              break;                                                           \
            case NR_RUNS:                                                      \
              memcpy(x, fresh, n * sizeof(T));                                 \
              for (size_t r0 = 0; r0 < n; r0 += n / 4 + 1)                     \
                qsort(x + r0, n - r0 < n / 4 + 1 ? n - r0 : n / 4 + 1, sizeof(T), in_cmp); \
              break;                                                           \
            case NR_LOCAL:                                                     \
              for (size_t i = 0; i + 8 <= n; i += 8) {                         \
                size_t j = i + splitmix64(&seed) % 8;                          \
                T t = x[i]; x[i] = x[j]; x[j] = t;                             \
              }                                                                \
              break;                                                           \
            case NR_LATE: memcpy(x + n - n / 5, fresh, n / 5 * sizeof(T)); break; \
            default: /* half the keys new, where sort.c's sample does not look */ \
              for (size_t i = 0, stride = (n - 1) / 4096, step = (n - 1) / 255; i < n; i++) \
                if (i % 4 >= 2 && i % stride > 1 && i % step != 0 && (n - 1 - i) % step != 0) x[i] = fresh[i]; \
              break;                                                           \
            }                                                                  \
            char label[96];                                                    \
            snprintf(label, sizeof label, "nearly in order n=%zu base %s case %d dir %d", n, \
                     shape_names[base[bi]], nr, dir);                          \
            check_sorts_##s(x, n, a, ref, order, rorder, label);                \
          }                                                                    \
      free(x), free(ref), free(a), free(fresh), free(order), free(rorder);      \
    }                                                                          \
  }
PW_ARRAY_TYPES(TEST_NEAR)

/* NaNs keep their bits through sort, ordered among themselves by key. */
static void test_sort_nan_bits(void) {
  double x[6] = {nan_f64(1, 5), 1.0, nan_f64(0, 7), -0.0, nan_f64(0, 1), 0.0};
  CHECK(pw_array_sort_f64(x, 6, false) == PW_OK, "sort nan bits");
  uint64_t b[6];
  memcpy(b, x, sizeof b);
  CHECK(b[0] == UINT64_C(0x8000000000000000) && b[1] == 0 && b[2] == UINT64_C(0x3ff0000000000000),
        "sort: -0, +0, 1 first");
  CHECK(b[3] == UINT64_C(0x7ff0000000000001) && b[4] == UINT64_C(0x7ff0000000000007) &&
            b[5] == UINT64_C(0xfff0000000000005),
        "sort: positive NaNs by payload, then negative NaNs");
  double y[5] = {1.0, -0.0, 0.0, -INFINITY, nan_f64(1, 3)};
  CHECK(pw_array_sort_f64(y, 5, true) == PW_OK, "sort desc");
  CHECK(y[0] == 1.0 && y[1] == 0.0 && !signbit(y[1]) && y[2] == 0.0 && signbit(y[2]) &&
            y[3] == -INFINITY && y[4] != y[4],
        "sort desc: 1, +0, -0, -Inf, NaN");
}


/* ---------------------------------------------------------------------- */
/* kth, quantiles, topk                                                   */
/* ---------------------------------------------------------------------- */

static double to_double_i8(int8_t v) { return v; }
static double to_double_u8(uint8_t v) { return v; }
static double to_double_i16(int16_t v) { return v; }
static double to_double_u16(uint16_t v) { return v; }
static double to_double_i32(int32_t v) { return v; }
static double to_double_u32(uint32_t v) { return v; }
static double to_double_i64(int64_t v) { return (double)v; }
static double to_double_u64(uint64_t v) { return (double)v; }
static double to_double_f32(float v) { return v; }
static double to_double_f64(double v) { return v; }

/* Same double, NaN equal to NaN. */
static int same_double(double a, double b) {
  return (a != a && b != b) || memcmp(&a, &b, 8) == 0 || (a == b && a != 0);
}

static const double probs[] = {0.0, 1.0, 0.5, 0.25, 0.75, 0.1, 0.9, 0.333, 0.999, 1e-9};
#define NPROBS (sizeof probs / sizeof *probs)

#define TEST_SELECT(T, s)                                                      \
  static void test_select_##s(void) {                                          \
    uint64_t seed = 2000 + sizeof(T);                                          \
    static const size_t ns[] = {1, 2, 3, 7, 33, 1000, 40000, 140001};          \
    for (size_t si = 0; si < sizeof ns / sizeof *ns; si++) {                   \
      size_t n = ns[si];                                                       \
      T *buf = xmalloc((n + 1) * sizeof(T)), *ref = xmalloc(n * sizeof(T));    \
      T *vals = xmalloc(n * sizeof(T));                                        \
      uint32_t *idx = xmalloc(n * 4), *rorder = xmalloc(n * 4);                \
      for (int shape = 0; shape < SH_COUNT; shape++) {                         \
        T *x = buf + (si & 1);                                                 \
        gen_##s(x, n, shape, &seed);                                           \
        memcpy(ref, x, n * sizeof(T));                                         \
        qsort(ref, n, sizeof(T), qcmp_##s);                                    \
        /* kth: a few ranks (every rank for small n) */                       \
        size_t nk = n < 40 ? n : 12;                                           \
        for (size_t j = 0; j < nk; j++) {                                      \
          size_t k = n < 40 ? j : (j == 0 ? 0 : j == 1 ? n - 1 : (size_t)below(&seed, n)); \
          T v;                                                                 \
          memset(&v, 0x55, sizeof v);                                          \
          pw_status st = pw_array_kth_##s(x, n, k, &v);                        \
          CHECK(st == PW_OK && ref_cmp_##s(v, ref[k]) == 0,                    \
                #s " kth n=%zu k=%zu %s: status %d", n, k, shape_names[shape], st); \
        }                                                                      \
        /* quantiles against the sorted non-NaN values */                     \
        size_t c = n;                                                          \
        while (c > 0 && is_nan_##s(ref[c - 1])) c--;                           \
        double got[NPROBS];                                                    \
        pw_status st = pw_array_quantiles_##s(x, n, probs, NPROBS, got);       \
        CHECK(st == PW_OK, #s " quantiles: status %d", st);                    \
        for (size_t j = 0; j < NPROBS; j++) {                                  \
          double want = NAN;                                                   \
          if (c > 0) {                                                         \
            double h = probs[j] * (double)(c - 1), f = floor(h);               \
            size_t lo = (size_t)f, hi = lo + 1 < c ? lo + 1 : lo;              \
            double a = to_double_##s(ref[lo]), b = to_double_##s(ref[hi]);     \
            want = h == f || a == b || (isinf(a) && !isinf(b)) ? a : a + (h - f) * (b - a); \
          }                                                                    \
          CHECK(same_double(got[j], want), #s " quantile %g n=%zu %s: %.17g, want %.17g", \
                probs[j], n, shape_names[shape], got[j], want);                \
        }                                                                      \
        /* topk both ways against the stable argsort */                       \
        for (int smallest = 0; smallest < 2; smallest++) {                     \
          size_t ks[3] = {1, n / 2, n};                                        \
          ref_argsort_##s(x, n, rorder, !smallest);                            \
          for (int kj = 0; kj < 3; kj++) {                                     \
            size_t k = ks[kj];                                                 \
            st = pw_array_topk_##s(x, n, k, vals, idx, smallest);              \
            CHECK(st == PW_OK, #s " topk: status %d", st);                     \
            CHECK(k == 0 || memcmp(idx, rorder, k * 4) == 0,                   \
                  #s " topk n=%zu k=%zu smallest=%d %s: indices differ", n, k, smallest, \
                  shape_names[shape]);                                         \
            size_t bad = SIZE_MAX;                                             \
            for (size_t i = 0; i < k && bad == SIZE_MAX; i++)                  \
              if (memcmp(&vals[i], &x[rorder[i]], sizeof(T)) != 0) bad = i;     \
            CHECK(bad == SIZE_MAX, #s " topk values differ at %zu", bad);       \
          }                                                                    \
        }                                                                      \
      }                                                                        \
      free(buf), free(ref), free(vals), free(idx), free(rorder);               \
    }                                                                          \
    /* errors */                                                               \
    T x3[3] = {3, 1, 2}, v;                                                    \
    uint32_t i3[4];                                                            \
    T v3[4];                                                                   \
    double q[2] = {0.5, 1.5}, out[2];                                          \
    CHECK(pw_array_kth_##s(x3, 3, 3, &v) == PW_ERANGE, #s " kth k = n");       \
    CHECK(pw_array_kth_##s(NULL, 0, 0, &v) == PW_ERANGE, #s " kth empty");     \
    CHECK(pw_array_topk_##s(x3, 3, 4, v3, i3, false) == PW_ERANGE, #s " topk k > n"); \
    CHECK(pw_array_topk_##s(NULL, 0, 0, v3, i3, false) == PW_OK, #s " topk k = 0"); \
    CHECK(pw_array_quantiles_##s(x3, 3, q, 2, out) == PW_ERANGE, #s " quantile 1.5"); \
    q[1] = NAN;                                                                \
    CHECK(pw_array_quantiles_##s(x3, 3, q, 2, out) == PW_ERANGE, #s " quantile NaN"); \
    q[1] = 0.0;                                                                \
    CHECK(pw_array_quantiles_##s(NULL, 0, q, 2, out) == PW_OK && out[0] != out[0], \
          #s " quantiles of nothing are NaN");                                 \
  }
PW_ARRAY_TYPES(TEST_SELECT)

/* Many quantiles (the sorting path) agree with few (the selection path). */
static void test_quantiles_many(void) {
  uint64_t seed = 77;
  size_t n = 50001;
  double *x = xmalloc(n * sizeof *x);
  gen_f64(x, n, SH_SPECIAL, &seed);
  double q[200], a[200], b[1];
  for (int i = 0; i < 200; i++) q[i] = (double)i / 199.0;
  CHECK(pw_array_quantiles_f64(x, n, q, 200, a) == PW_OK, "200 quantiles");
  for (int i = 0; i < 200; i += 13) {
    CHECK(pw_array_quantiles_f64(x, n, &q[i], 1, b) == PW_OK && same_double(a[i], b[0]),
          "quantile %g: %.17g by sorting, %.17g by selection", q[i], a[i], b[0]);
  }
  free(x);
}

/* ---------------------------------------------------------------------- */
/* searchSorted, unique                                                   */
/* ---------------------------------------------------------------------- */

/* SameValueZero. */
#define SVZ(T, s)                                                              \
  static int svz_##s(T a, T b) { return a == b || (is_nan_##s(a) && is_nan_##s(b)); }
PW_ARRAY_TYPES(SVZ)

#define TEST_SEARCH(T, s)                                                      \
  static void test_search_##s(void) {                                          \
    uint64_t seed = 3000 + sizeof(T);                                          \
    static const size_t ns[] = {0, 1, 2, 5, 100, 1001, 140001};                \
    for (size_t si = 0; si < sizeof ns / sizeof *ns; si++) {                   \
      size_t n = ns[si], m = 97;                                               \
      T *buf = xmalloc((n + 1) * sizeof(T)), *nd = xmalloc(m * sizeof(T));     \
      uint32_t *got = xmalloc(m * 4);                                          \
      for (int shape = 0; shape < SH_COUNT; shape++) {                         \
        if (n > 10000 && shape != SH_BITS && shape != SH_SMALL && shape != SH_SPECIAL) continue; \
        T *a = buf + (si & 1);                                                 \
        gen_##s(a, n, shape, &seed);                                           \
        if (n) qsort(a, n, sizeof(T), qcmp_##s);                               \
        gen_##s(nd, m, shape, &seed);                                          \
        for (size_t j = 0; j < m; j += 3)                                      \
          if (n) nd[j] = a[below(&seed, n)]; /* needles that are present */   \
        for (int right = 0; right < 2; right++) {                              \
          pw_status st = pw_array_search_sorted_##s(a, n, nd, m, got, right);  \
          CHECK(st == PW_OK, #s " searchSorted: status %d", st);               \
          for (size_t j = 0; j < m; j++) {                                     \
            size_t want = 0;                                                   \
            for (size_t i = 0; i < n; i++) {                                   \
              int c = ref_cmp_##s(a[i], nd[j]);                                \
              want += right ? c <= 0 : c < 0;                                  \
            }                                                                  \
            CHECK(got[j] == want, #s " searchSorted n=%zu %s right=%d needle %zu: %u, want %zu", \
                  n, shape_names[shape], right, j, got[j], want);              \
          }                                                                    \
        }                                                                      \
        /* unique with counts */                                               \
        gen_##s(a, n, shape, &seed);                                           \
        T *ref = xmalloc((n + 1) * sizeof(T));                                 \
        memcpy(ref, a, n * sizeof(T));                                         \
        if (n) qsort(ref, n, sizeof(T), qcmp_##s);                             \
        pw_result rv = {NULL, 0}, rc = {NULL, 0};                              \
        pw_status st = pw_array_unique_##s(a, n, &rv, &rc);                    \
        CHECK(st == PW_OK, #s " unique: status %d", st);                       \
        size_t u = rv.size / sizeof(T), j = 0, ok = rc.size == u * 4;          \
        const T *uv = rv.data;                                                 \
        const uint32_t *uc = rc.data;                                          \
        for (size_t i = 0; i < n && ok;) {                                     \
          size_t e = i + 1;                                                    \
          while (e < n && svz_##s(ref[e], ref[i])) e++;                        \
          T want = ref[i];                                                     \
          if (want == 0) want = 0; /* +0 for the zero group */                 \
          if (j >= u || !svz_##s(uv[j], want) || uc[j] != e - i) ok = 0;       \
          else if (is_nan_##s(want) && sizeof(T) == 8 && memcmp(&uv[j], &(uint64_t){UINT64_C(0x7ff8000000000000)}, 8)) ok = 0; \
          else if (is_nan_##s(want) && sizeof(T) == 4 && memcmp(&uv[j], &(uint32_t){UINT32_C(0x7fc00000)}, 4)) ok = 0; \
          else if (!is_nan_##s(want) && memcmp(&uv[j], &want, sizeof(T))) ok = 0; \
          j++;                                                                 \
          i = e;                                                               \
        }                                                                      \
        CHECK(ok && j == u, #s " unique n=%zu %s: differs (%zu values, %zu expected)", n, \
              shape_names[shape], u, j);                                       \
        free(rv.data), free(rc.data), free(ref);                               \
      }                                                                        \
      free(buf), free(nd), free(got);                                          \
    }                                                                          \
  }
PW_ARRAY_TYPES(TEST_SEARCH)

/* ---------------------------------------------------------------------- */
/* Exact float sums: Shewchuk's partials, rounded as Python's math.fsum   */
/* ---------------------------------------------------------------------- */

typedef struct {
  double *p;
  size_t n, cap;
  double special; /* running sum of the non-finite inputs */
  int have_special;
  int overflow; /* a partial overflowed: the exact sum is not known */
} exact_sum;

static void es_init(exact_sum *e) { memset(e, 0, sizeof *e); }
static void es_free(exact_sum *e) { free(e->p); }

static void es_add(exact_sum *e, double x) {
  if (e->overflow) return;
  if (!isfinite(x)) {
    e->special = e->have_special ? e->special + x : x;
    e->have_special = 1;
    return;
  }
  size_t i = 0;
  for (size_t j = 0; j < e->n; j++) {
    double y = e->p[j];
    if (fabs(x) < fabs(y)) { double t = x; x = y; y = t; }
    double hi = x + y, lo = y - (hi - x);
    if (!isfinite(hi)) {
      e->overflow = 1;
      return;
    }
    if (lo != 0.0) e->p[i++] = lo;
    x = hi;
  }
  if (i + 1 > e->cap) {
    e->cap = e->cap ? 2 * e->cap : 16;
    e->p = realloc(e->p, e->cap * sizeof *e->p);
  }
  e->p[i++] = x;
  e->n = i;
}

/* The exact sum rounded to nearest (fsum's final step). */
static double es_value(const exact_sum *e) {
  if (e->have_special) return e->special;
  if (e->n == 0) return 0.0;
  size_t i = e->n;
  double hi = e->p[--i], lo = 0;
  while (i > 0) {
    double x = hi, y = e->p[--i];
    hi = x + y;
    double yr = hi - x;
    lo = y - yr;
    if (lo != 0.0) break;
  }
  if (i > 0 && ((lo < 0 && e->p[i - 1] < 0) || (lo > 0 && e->p[i - 1] > 0))) {
    double y = lo * 2, x = hi + y, yr = x - hi;
    if (y == yr) hi = x;
  }
  return hi;
}

/* x * y = p + err exactly (Dekker/Veltkamp, no FMA). */
static void two_prod(double a, double b, double *p, double *err) {
  const double split = 134217729.0; /* 2^27 + 1 */
  double ca = split * a, ah = ca - (ca - a), al = a - ah;
  double cb = split * b, bh = cb - (cb - b), bl = b - bh;
  *p = a * b;
  *err = ((ah * bh - *p) + ah * bl + al * bh) + al * bl;
}

static double ulp_of(double v) {
  v = fabs(v);
  if (!isfinite(v)) return 0;
  return nextafter(v, INFINITY) - v;
}

/* gamma(N)^2 sum|x| with N = n + 8200: the bound's second term. */
static double gamma2(size_t n) {
  double g = ((double)n + 8200.0) * 0x1p-53;
  g = g / (1 - g);
  return g * g;
}

static double pwa_test_f64(uint64_t b) {
  double v;
  memcpy(&v, &b, 8);
  return v;
}

/* The bits of a double. */
static uint64_t dbits(double v) {
  uint64_t b;
  memcpy(&b, &v, 8);
  return b;
}

/*
 * The thread-count comparisons: the same bits, or both NaN. A NaN's sign
 * and payload are the engine's choice in wasm (an x86 operation returns
 * its first NaN operand or the negative default NaN, and the optimising
 * tier may swap the operands of an addition), so the same build gave
 * -nan and nan for one variance as its code tiered up mid-test.
 */
static int same_result(double a, double b) { return dbits(a) == dbits(b) || (a != a && b != b); }

/* ---------------------------------------------------------------------- */
/* Reductions                                                             */
/* ---------------------------------------------------------------------- */

/* Extra shapes for sums: large cancellation. */
static void gen_cancel_f64(double *x, size_t n, uint64_t *seed) {
  for (size_t i = 0; i < n; i++) {
    uint64_t r = splitmix64(seed);
    double big = ldexp((double)(r >> 40), (int)(r % 60));
    x[i] = (i % 2 ? big : -big) + (double)(r % 1000) * 1e-3;
  }
}

#define TEST_REDUCE_FLOAT(T, s, EPS)                                           \
  static void test_reduce_##s(void) {                                          \
    uint64_t seed = 4000 + sizeof(T);                                          \
    static const size_t ns[] = {0, 1, 2, 7, 8, 9, 15, 100, 2047, 2049, 32769, 300007}; \
    for (size_t si = 0; si < sizeof ns / sizeof *ns; si++) {                   \
      size_t n = ns[si];                                                       \
      T *buf = xmalloc((n + 1) * sizeof(T)), *ybuf = xmalloc((n + 1) * sizeof(T)); \
      for (int shape = 0; shape <= SH_COUNT; shape++) {                        \
        T *x = buf + (si & 1), *y = ybuf + ((si >> 1) & 1);                    \
        if (shape == SH_COUNT) { /* cancellation */                            \
          double *tmp = xmalloc((n + 1) * sizeof *tmp);                        \
          gen_cancel_f64(tmp, n, &seed);                                       \
          for (size_t i = 0; i < n; i++) x[i] = (T)tmp[i];                     \
          free(tmp);                                                           \
        } else {                                                               \
          gen_##s(x, n, shape, &seed);                                         \
        }                                                                      \
        gen_##s(y, n, shape == SH_BITS ? SH_UNIT : shape, &seed);              \
        /* exact references */                                                 \
        exact_sum es, ea, ed, eda, eq;                                         \
        es_init(&es), es_init(&ea), es_init(&ed), es_init(&eda), es_init(&eq); \
        int nan = 0, inf = 0;                                                  \
        for (size_t i = 0; i < n; i++) {                                       \
          double v = x[i];                                                     \
          es_add(&es, v);                                                      \
          es_add(&ea, fabs(v));                                                \
          nan |= v != v, inf |= isinf(v);                                      \
          double p, err;                                                       \
          two_prod(v, (double)y[i], &p, &err);                                 \
          if (sizeof(T) == 8) { /* f64: the products rounded once, as documented */ \
            es_add(&ed, p);                                                    \
            es_add(&eda, fabs(p));                                             \
          } else { /* f32: exact products */                                   \
            es_add(&ed, p), es_add(&ed, err);                                  \
            es_add(&eda, fabs(p));                                             \
          }                                                                    \
        }                                                                      \
        double sum_ref = es_value(&es), abs_ref = es_value(&ea);               \
        double dot_ref = es_value(&ed), dabs_ref = es_value(&eda);             \
        double got[THREAD_RUNS][6];                                            \
        for (int run = 0; run < THREAD_RUNS; run++) {                          \
          set_threads(run);                                                    \
          got[run][0] = pw_array_sum_##s(x, n);                                \
          got[run][1] = pw_array_mean_##s(x, n);                               \
          got[run][2] = pw_array_variance_##s(x, n, 0);                        \
          got[run][3] = pw_array_variance_##s(x, n, 1);                        \
          got[run][4] = pw_array_dot_##s(x, n, y);                             \
          got[run][5] = pw_array_norm_##s(x, n);                               \
        }                                                                      \
        set_threads(0);                                                        \
        for (int run = 1; run < THREAD_RUNS; run++)                            \
          for (int j = 0; j < 6; j++)                                          \
            CHECK(same_result(got[run][j], got[0][j]),                         \
                  #s " reduction %d n=%zu: %.17g with 1 thread, %.17g with 4", j, n, \
                  got[run][j], got[0][j]);                                     \
        double sum = got[0][0];                                                \
        if (nan || (es.have_special && es.special != es.special)) {            \
          CHECK(sum != sum, #s " sum n=%zu %s: NaN expected, got %g", n, shape_names[shape % SH_COUNT], sum); \
        } else if (inf) {                                                      \
          CHECK(sum == sum_ref, #s " sum with Inf: %g, want %g", sum, sum_ref); \
        } else if (isfinite(sum)) {                                            \
          double bound = 0x1p-52 * fabs(sum_ref) + gamma2(n) * abs_ref + 0x1p-1074; \
          CHECK(fabs(sum - sum_ref) <= bound, #s " sum n=%zu shape %d: %.17g, exact %.17g", \
                n, shape, sum, sum_ref);                                       \
          double mean = got[0][1];                                             \
          if (n == 0) {                                                        \
            CHECK(mean != mean, #s " mean of nothing is NaN");                 \
          } else {                                                             \
            double mref = sum_ref / (double)n;                                 \
            CHECK(fabs(mean - mref) <= bound / (double)n + 2 * ulp_of(mref),   \
                  #s " mean n=%zu: %.17g, want %.17g", n, mean, mref);         \
          }                                                                    \
        }                                                                      \
        /* variance against a long-double two-pass reference */                \
        if (!nan && !inf && n > 0) {                                           \
          long double m = 0, v = 0;                                            \
          for (size_t i = 0; i < n; i++) m += (long double)x[i];               \
          m /= (long double)n;                                                 \
          for (size_t i = 0; i < n; i++) v += ((long double)x[i] - m) * ((long double)x[i] - m); \
          double var0 = (double)(v / (long double)n);                          \
          double tol = (16 + 4 * log2((double)n + 1)) * 0x1p-53 * (var0 + (double)(m * m)) + 0x1p-1074; \
          if (isfinite(var0) && isfinite((double)(m * m)))                     \
            CHECK(fabs(got[0][2] - var0) <= tol, #s " variance n=%zu shape %d: %.17g, want %.17g", \
                  n, shape, got[0][2], var0);                                  \
          if (n > 1 && isfinite(var0) && isfinite((double)(m * m))) {          \
            double var1 = (double)(v / (long double)(n - 1));                  \
            CHECK(fabs(got[0][3] - var1) <= tol * 2, #s " sample variance n=%zu: %.17g, want %.17g", \
                  n, got[0][3], var1);                                         \
          }                                                                    \
          if (isfinite(got[0][2]))                                             \
            CHECK(dbits(pw_array_std_##s(x, n, 0)) == dbits(sqrt(got[0][2])), #s " std is sqrt(variance)"); \
        } else if (n > 0) {                                                    \
          CHECK(got[0][2] != got[0][2], #s " variance with NaN/Inf is NaN");   \
        } else {                                                               \
          CHECK(got[0][2] != got[0][2] && got[0][3] != got[0][3], #s " variance of nothing is NaN"); \
        }                                                                      \
        if (n == 1) CHECK(got[0][3] != got[0][3], #s " sample variance of one element is NaN"); \
        /* dot */                                                              \
        if (!nan && !inf && !ed.overflow && !eda.overflow && isfinite(dot_ref) && isfinite(got[0][4])) {        \
          /* products of i and i + 8 added, one more rounding (reduce.c) */    \
          double pairs = 0x1p-53 * dabs_ref;                                   \
          double bound = 0x1p-52 * fabs(dot_ref) + pairs + gamma2(n) * dabs_ref + 0x1p-1074; \
          CHECK(fabs(got[0][4] - dot_ref) <= bound, #s " dot n=%zu shape %d: %.17g, want %.17g", \
                n, shape, got[0][4], dot_ref);                                 \
        }                                                                      \
        /* norm: exact squares, scaled by a power of two */                    \
        {                                                                      \
          double mag = 0;                                                      \
          int ninf = 0, nnan = 0;                                              \
          for (size_t i = 0; i < n; i++) {                                     \
            double v = fabs((double)x[i]);                                     \
            ninf |= isinf(v), nnan |= v != v;                                  \
            if (v > mag) mag = v;                                              \
          }                                                                    \
          double want;                                                         \
          if (ninf) want = INFINITY;                                           \
          else if (nnan) want = NAN;                                           \
          else if (mag == 0) want = 0;                                         \
          else {                                                               \
            int ex;                                                            \
            frexp(mag, &ex);                                                   \
            exact_sum e2;                                                      \
            es_init(&e2);                                                      \
            for (size_t i = 0; i < n; i++) {                                   \
              double v = ldexp((double)x[i], -ex), p, err;                     \
              two_prod(v, v, &p, &err);                                        \
              es_add(&e2, p), es_add(&e2, err);                                \
            }                                                                  \
            want = ldexp(sqrt(es_value(&e2)), ex);                             \
            es_free(&e2);                                                      \
          }                                                                    \
          double gotn = got[0][5];                                             \
          CHECK(same_double(gotn, want) ||                                     \
                fabs(gotn - want) <= 2.5 * 0x1p-53 * want + 2 * ulp_of(want) * (ex_subnormal(want)), \
                #s " norm n=%zu shape %d: %.17g, want %.17g", n, shape, gotn, want); \
        }                                                                      \
        es_free(&es), es_free(&ea), es_free(&ed), es_free(&eda), es_free(&eq); \
      }                                                                        \
      free(buf), free(ybuf);                                                   \
    }                                                                          \
    /* cancellation a naive sum gets wrong */                                  \
    T c3[3] = {(T)1e30, 1, (T)-1e30};                                          \
    CHECK(pw_array_sum_##s(c3, 3) == 1.0, #s " sum(1e30, 1, -1e30) = %g", pw_array_sum_##s(c3, 3)); \
    T inf2[2] = {INFINITY, -INFINITY};                                         \
    CHECK(pw_array_sum_##s(inf2, 2) != pw_array_sum_##s(inf2, 2), #s " sum(Inf, -Inf) is NaN"); \
    CHECK(pw_array_sum_##s(inf2, 1) == INFINITY, #s " sum(Inf) is Inf");       \
    T hyp[2] = {NAN, INFINITY};                                                \
    CHECK(pw_array_norm_##s(hyp, 2) == INFINITY, #s " norm(NaN, Inf) is Inf"); \
    CHECK(pw_array_norm_##s(hyp, 1) != pw_array_norm_##s(hyp, 1), #s " norm(NaN) is NaN"); \
    (void)EPS;                                                                 \
  }

/* ulp slack only where the result is subnormal-adjacent (not used otherwise) */
static int ex_subnormal(double v) { return v < 0x1p-1000 ? 1 : 0; }

TEST_REDUCE_FLOAT(float, f32, FLT_EPSILON)
TEST_REDUCE_FLOAT(double, f64, DBL_EPSILON)

/* norm without overflow or underflow */
static void test_norm_range(void) {
  double big[3] = {3e200, 4e200, 0}, tiny[2] = {3e-310, 4e-310};
  double r = pw_array_norm_f64(big, 3);
  CHECK(fabs(r - 5e200) <= 2 * ulp_of(5e200), "norm(3e200, 4e200) = %.17g", r);
  r = pw_array_norm_f64(tiny, 2);
  CHECK(fabs(r - 5e-310) <= 0x1p-1074, "norm(3e-310, 4e-310) = %.17g", r);
  double z[4] = {0, -0.0, 0, 0};
  CHECK(pw_array_norm_f64(z, 4) == 0 && pw_array_norm_f64(NULL, 0) == 0, "norm of zeros");
  CHECK(pw_array_dot_f64(NULL, 0, NULL) == 0 && pw_array_sum_f64(NULL, 0) == 0, "empty dot and sum");
}

/*
 * float sums: the exact-block path (reduce.c) against exact references.
 * Block 0 holds 255 copies of A (24 one bits at exponent E) and one odd b
 * at exponent E - d, block 1 the 255 copies negated: the exact sum is b.
 * Up to d = 21 block 0 is summed plainly and exactly; from d = 22 its total
 * needs 54 bits, so a plain sum would be off by b's last bit (2^-23 of b).
 * Then blocks whose exponents end at the range limits, subnormals, zeros,
 * and NaN or Inf in a block that would otherwise be exact.
 */
/*
 * 32-bit integer sums of a million elements (the wasm loop sums each lane
 * modulo 2^32 with the elements' high halves apart): the extremes of each
 * type, which overflow a lane's 32 bits first, and random values, against
 * a plain 64-bit sum. (The loop restarts its lanes every 8 x 65535
 * elements; sums are chunked by 65536 elements, so that limit only guards
 * against a larger grain.)
 */
static void test_sum_blocks_i32(void) {
  const size_t n = (size_t)8 * 65535 * 2 + 13;
  int32_t *x = xmalloc(n * 4);
  uint32_t *u = (uint32_t *)(void *)x;
  uint64_t seed = 3232;
  for (int kind = 0; kind < 5; kind++) {
    for (size_t i = 0; i < n; i++) {
      uint32_t r = (uint32_t)splitmix64(&seed);
      x[i] = kind == 0 ? INT32_MIN : kind == 1 ? INT32_MAX : kind == 2 ? -1 : kind == 3 ? (i & 1 ? INT32_MIN : INT32_MAX) : (int32_t)r;
    }
    int64_t want = 0;
    uint64_t uwant = 0;
    for (size_t i = 0; i < n; i++) want += x[i], uwant += u[i];
    for (size_t off = 0; off < 2; off++) {
      int64_t o = off ? x[0] : 0;
      uint64_t uo = off ? u[0] : 0;
      CHECK(pw_array_sum_i32(x + off, n - off) == want - o, "i32 sum of %zu, kind %d, offset %zu", n - off, kind, off);
      CHECK(pw_array_sum_u32(u + off, n - off) == uwant - uo, "u32 sum of %zu, kind %d, offset %zu", n - off, kind, off);
    }
  }
  free(x);
}

static void test_sum_blocks_f32(void) {
  static const int exps[] = {150, 40, 22};
  float *x = xmalloc(1024 * sizeof *x);
  for (int ei = 0; ei < 3; ei++)
    for (int d = 15; d <= 30; d++)
      for (int where = 0; where < 3; where++) {
        int e = exps[ei];
        float a = ldexpf((float)0xffffff, e - 150);
        float b = ldexpf((float)0x800001, e - d - 150); /* 0 if below the subnormals */
        size_t n = 512 + (where == 2 ? 300 : 0);
        size_t off = where == 2 ? 300 : 0; /* blocks after 300 others */
        for (size_t i = 0; i < off; i++) x[i] = (float)(i % 7) - 3;
        for (size_t i = 0; i < 256; i++) x[off + i] = a, x[off + 256 + i] = -a;
        x[off + (where == 1 ? 0 : 255)] = b;
        x[off + 511] = 0;
        exact_sum es;
        es_init(&es);
        for (size_t i = 0; i < n; i++) es_add(&es, x[i]);
        double want = es_value(&es);
        es_free(&es);
        double got[THREAD_RUNS];
        for (int run = 0; run < THREAD_RUNS; run++) {
          set_threads(run);
          got[run] = pw_array_sum_f32(x, n);
        }
        set_threads(0);
        for (int run = 1; run < THREAD_RUNS; run++)
          CHECK(same_result(got[run], got[0]), "f32 block sum e=%d d=%d: thread counts differ", e, d);
        CHECK(got[0] == want, "f32 block sum e=%d d=%d where=%d: %.17g, exact %.17g", e, d, where,
              got[0], want);
      }
  /* subnormals with normals up to 2^21 above them: exact; beyond: compensated */
  for (int top = 15; top <= 30; top++) {
    for (size_t i = 0; i < 512; i++) x[i] = (i & 1) ? ldexpf(1.0f, -149 + (int)(i % 23)) : 0.0f;
    x[7] = ldexpf((float)0xffffff, -149 + top - 23);
    x[9] = -x[7];
    exact_sum es;
    es_init(&es);
    for (size_t i = 0; i < 512; i++) es_add(&es, x[i]);
    double want = es_value(&es);
    es_free(&es);
    CHECK(pw_array_sum_f32(x, 512) == want, "f32 subnormal block top=%d: %.17g, exact %.17g", top,
          pw_array_sum_f32(x, 512), want);
  }
  /* NaN and Inf in blocks of ones, anywhere; the largest finite floats */
  for (size_t pos = 0; pos < 600; pos += 37) {
    for (size_t i = 0; i < 700; i++) x[i] = 1.0f;
    x[pos] = INFINITY;
    CHECK(pw_array_sum_f32(x, 700) == INFINITY, "f32 sum: Inf at %zu", pos);
    x[pos + 50] = -INFINITY;
    CHECK(pw_array_sum_f32(x, 700) != pw_array_sum_f32(x, 700), "f32 sum: Inf and -Inf at %zu", pos);
    x[pos + 50] = NAN;
    CHECK(pw_array_sum_f32(x, 700) != pw_array_sum_f32(x, 700), "f32 sum: Inf and NaN at %zu", pos);
    x[pos] = 1.0f;
    CHECK(pw_array_sum_f32(x, 700) != pw_array_sum_f32(x, 700), "f32 sum: NaN at %zu", pos + 50);
    for (size_t i = 0; i < 700; i++) x[i] = (i % 3) ? FLT_MAX : -FLT_MAX / 2;
    double want = 0;
    for (size_t i = 0; i < 700; i++) want += (i % 3) ? 2.0 : -1.0; /* exact: small integers */
    want *= (double)FLT_MAX / 2;
    CHECK(pw_array_sum_f32(x, 700) == want, "f32 sum of FLT_MAX blocks: %.17g, want %.17g",
          pw_array_sum_f32(x, 700), want);
  }
  free(x);
}

/* norm: a NaN anywhere (any lane, before or after larger squares) stays NaN. */
static void test_norm_nan_lanes(void) {
  double xd[300];
  float xf[300];
  for (size_t pos = 0; pos < 300; pos += 7) {
    for (size_t i = 0; i < 300; i++) xd[i] = xf[i] = (float)(i % 5) + 0.5f;
    xd[pos] = NAN, xf[pos] = NAN;
    double rd = pw_array_norm_f64(xd, 300), rf = pw_array_norm_f32(xf, 300);
    CHECK(rd != rd && rf != rf, "norm: NaN at %zu gives %g (f64), %g (f32)", pos, rd, rf);
    xd[(pos + 150) % 300] = INFINITY, xf[(pos + 150) % 300] = INFINITY;
    rd = pw_array_norm_f64(xd, 300), rf = pw_array_norm_f32(xf, 300);
    CHECK(rd == INFINITY && rf == INFINITY, "norm: NaN and Inf give %g (f64), %g (f32)", rd, rf);
  }
}

/*
 * dot with infinities and NaN, at every position of lengths around the
 * lanes (8), the paired products of doubles (16) and a chunk: the IEEE
 * result of the sum of the products (NaN from Inf * 0, from +Inf and -Inf
 * products, from a NaN element; else the infinity's sign), every thread
 * count alike.
 */
#define TEST_DOT_SPECIAL(T, s)                                                 \
  static void test_dot_special_##s(void) {                                     \
    static const size_t ns[] = {1, 7, 8, 9, 16, 17, 31, 33, 100, 70001};        \
    for (size_t si = 0; si < sizeof ns / sizeof *ns; si++) {                   \
      size_t n = ns[si];                                                       \
      T *x = xmalloc(n * sizeof(T)), *y = xmalloc(n * sizeof(T));              \
      size_t step = n > 100 ? 9973 : 1;                                        \
      for (size_t pos = 0; pos < n; pos += step) {                             \
        for (int kind = 0; kind < 5; kind++) {                                 \
          for (size_t i = 0; i < n; i++) x[i] = (T)(1 + i % 7), y[i] = (T)(0.5 + (double)(i % 3)); \
          size_t other = (pos + n / 2) % n;                                    \
          double want;                                                         \
          if (kind == 0) x[pos] = (T)INFINITY, want = INFINITY;                \
          else if (kind == 1) x[pos] = (T)-INFINITY, want = -INFINITY;         \
          else if (kind == 2) x[pos] = (T)INFINITY, y[pos] = 0, want = NAN;    \
          else if (kind == 3) x[pos] = (T)NAN, want = NAN;                     \
          else if (other != pos) x[pos] = (T)INFINITY, x[other] = (T)-INFINITY, want = NAN; \
          else x[pos] = (T)-INFINITY, want = -INFINITY;                        \
          for (int run = 0; run < THREAD_RUNS; run++) {                        \
            set_threads(run);                                                  \
            double got = pw_array_dot_##s(x, n, y);                            \
            CHECK(want != want ? got != got : got == want,                     \
                  #s " dot n=%zu kind %d at %zu: %g, want %g", n, kind, pos, got, want); \
          }                                                                    \
          set_threads(0);                                                      \
        }                                                                      \
      }                                                                        \
      free(x);                                                                 \
      free(y);                                                                 \
    }                                                                          \
  }
TEST_DOT_SPECIAL(float, f32)
TEST_DOT_SPECIAL(double, f64)

/*
 * Variance, standard deviation and dot product of finite doubles whose
 * deviations, squares, products or partial sums pass the double range
 * (where Inf - Inf had made NaN): against long-double references (whose
 * range holds them), +Inf only where the result itself passes the range,
 * every thread count alike; lengths across the 8 lanes, a 2,048-element
 * block and chunks.
 */
/*
 * Prefix sums of doubles near the top of the range, whose running sums,
 * chunk sums and offsets pass it where the prefixes do not (Inf - Inf had
 * made NaN of every later prefix): against long-double prefixes (their
 * range holds them), +-Inf only where the prefix itself is beyond the
 * range; inclusive and exclusive, in place and not, every thread count
 * alike; lengths across chunks (70,001 doubles: 3).
 */
static void test_wide_cumsum_f64(void) {
  uint64_t seed = 7717;
  static const size_t ns[] = {3, 9, 1000, 70001};
  for (size_t si = 0; si < sizeof ns / sizeof *ns; si++) {
    size_t n = ns[si];
    double *x = xmalloc(n * sizeof *x), *out = xmalloc(n * sizeof *out), *first = xmalloc(n * sizeof *first);
    long double *ref = xmalloc(n * sizeof *ref), *mag = xmalloc(n * sizeof *mag);
    for (int shape = 0; shape < 6; shape++) {
      for (size_t i = 0; i < n; i++) {
        double u = (double)(splitmix64(&seed) >> 11) * 0x1p-53;
        switch (shape) {
        case 0: x[i] = (i % 4 < 2 ? 1.0 : -1.0) * DBL_MAX; break;            /* up past the top, back */
        case 1: x[i] = ((splitmix64(&seed) & 1) ? -1.0 : 1.0) * DBL_MAX * u; break;
        case 2: x[i] = i < n / 2 ? DBL_MAX / 2 : -DBL_MAX / 2; break;         /* far beyond, then back */
        case 3: x[i] = (i % 3 == 0) ? 1e-300 * (1 + u) : (i % 3 == 1 ? 1e308 : -1e308); break;
        case 4: x[i] = i == n / 3 ? DBL_MAX : (i == n / 3 + 1 ? DBL_MAX : (i == n / 3 + 2 ? -DBL_MAX : u)); break;
        default: { /* a sum in range whose TwoSum error term is not: -3e307 + MAX */
          static const double v4[4] = {-5.992310449541053e+307, 8.988465674311579e+307, -5.992310449541053e+307, DBL_MAX};
          x[i] = v4[i % 4] * (i % 8 < 4 ? 1 : -1);
          break;
        }
        }
      }
      long double s = 0, a = 0;
      for (size_t i = 0; i < n; i++) s += (long double)x[i], a += fabsl((long double)x[i]), ref[i] = s, mag[i] = a;
      for (int exclusive = 0; exclusive <= 1; exclusive++) {
        for (int in_place = 0; in_place <= 1; in_place++) {
          for (int run = 0; run < THREAD_RUNS; run++) {
            set_threads(run);
            double *o = out;
            if (in_place) memcpy(out, x, n * sizeof *x);
            CHECK(pw_array_cumsum_f64(in_place ? out : x, n, o, exclusive) == PW_OK, "wide cumsum status");
            if (run == 0 && !in_place) memcpy(first, out, n * sizeof *out);
            else CHECK(memcmp(first, out, n * sizeof *out) == 0, "wide cumsum n=%zu shape %d exclusive %d in place %d: "
                       "not the bits of the first run", n, shape, exclusive, in_place);
          }
          set_threads(0);
        }
        size_t bad = SIZE_MAX;
        for (size_t i = 0; i < n && bad == SIZE_MAX; i++) {
          long double want = exclusive ? (i ? ref[i - 1] : 0) : ref[i];
          long double m = exclusive ? (i ? mag[i - 1] : 0) : mag[i];
          double w = (double)want;
          /* (the long-double prefix rounds too: near the top, a prefix of exactly DBL_MAX may read just above it) */
          int near = isfinite(first[i]) && fabsl((long double)first[i] - want) <= 0x1p-52L * fabsl(want) + 0x1p-50L * m + 0x1p-1074L;
          if (!(near || (isinf(w) && first[i] == w))) bad = i;
        }
        CHECK(bad == SIZE_MAX, "wide cumsum n=%zu shape %d exclusive %d: [%zu] %.17g, want %.17Lg", n, shape, exclusive,
              bad, bad == SIZE_MAX ? 0.0 : first[bad], bad == SIZE_MAX ? 0.0L : (exclusive ? (bad ? ref[bad - 1] : 0) : ref[bad]));
      }
    }
    free(x), free(out), free(first), free(ref), free(mag);
  }
}

static void test_wide_range_f64(void) {
  uint64_t seed = 9191;
  static const size_t ns[] = {2, 3, 9, 17, 1000, 2049, 70001};
  for (size_t si = 0; si < sizeof ns / sizeof *ns; si++) {
    size_t n = ns[si];
    double *x = xmalloc(n * sizeof *x), *y = xmalloc(n * sizeof *y);
    for (int shape = 0; shape < 6; shape++) {
      for (size_t i = 0; i < n; i++) {
        double u = (double)(splitmix64(&seed) >> 11) * 0x1p-53; /* [0, 1) */
        double sign = (splitmix64(&seed) & 1) ? -1.0 : 1.0;
        switch (shape) {
        case 0: x[i] = sign * DBL_MAX * (0.5 + u / 2), y[i] = DBL_MAX * u; break; /* all near the top */
        case 1: x[i] = i == 0 ? 1e155 : 0, y[i] = i == 0 ? 1e300 : -1e-300; break; /* one outlier */
        case 2: x[i] = DBL_MAX, y[i] = (i % 2 ? -1.0 : 1.0) * 1e300; break;      /* equal values; products cancel */
        case 3: x[i] = sign * ldexp(1.0 + u, 500 + (int)(splitmix64(&seed) % 500)), y[i] = sign * ldexp(1.0, 200 + (int)(i % 300)); break;
        case 4: x[i] = (i % 3 == 0) ? sign * 1e-300 * (1 + u) : sign * 1e200 * u, y[i] = 1e150 * u; break; /* tiny and huge */
        default: x[i] = (i % 2 ? -1.0 : 1.0) * 1e308, y[i] = 1e10; break;         /* alternating signs */
        }
      }
      long double m = 0, v = 0, d = 0;
      for (size_t i = 0; i < n; i++) m += (long double)x[i], d += (long double)x[i] * (long double)y[i];
      m /= (long double)n;
      for (size_t i = 0; i < n; i++) v += ((long double)x[i] - m) * ((long double)x[i] - m);
      if (shape == 2) v = 0; /* equal elements: exactly 0 (a long-double mean of 2,049 of them is inexact) */
      long double var_l = v / (long double)n;
      double var_ref = (double)var_l, std_ref = (double)sqrtl(var_l), dot_ref = (double)d;
      double got[THREAD_RUNS][4];
      for (int run = 0; run < THREAD_RUNS; run++) {
        set_threads(run);
        got[run][0] = pw_array_variance_f64(x, n, 0);
        got[run][1] = pw_array_std_f64(x, n, 0);
        got[run][2] = pw_array_dot_f64(x, n, y);
        got[run][3] = pw_array_variance_f64(x, n, 1);
      }
      set_threads(0);
      for (int run = 1; run < THREAD_RUNS; run++)
        for (int j = 0; j < 4; j++)
          CHECK(same_result(got[run][j], got[0][j]), "wide f64 n=%zu shape %d result %d depends on threads", n, shape, j);
      /* relative errors far within the documented bounds (long double sums: 2^-64 a step) */
      double tol = 0x1p-40;
      if (isinf(var_ref)) CHECK(got[0][0] == INFINITY, "wide variance n=%zu shape %d: %g, want +Inf", n, shape, got[0][0]);
      else CHECK(fabs(got[0][0] - var_ref) <= tol * var_ref + 0x1p-1074, "wide variance n=%zu shape %d: %.17g, want %.17g", n, shape, got[0][0], var_ref);
      CHECK(isfinite(std_ref) && fabs(got[0][1] - std_ref) <= tol * std_ref + 0x1p-1074, "wide std n=%zu shape %d: %.17g, want %.17g", n, shape, got[0][1], std_ref);
      if (n > 1) {
        double var1 = (double)(v / (long double)(n - 1));
        CHECK(isinf(var1) ? got[0][3] == INFINITY : fabs(got[0][3] - var1) <= tol * var1 + 0x1p-1074,
              "wide sample variance n=%zu shape %d: %.17g, want %.17g", n, shape, got[0][3], var1);
      }
      /* the dot product's bound is relative to sum |x[i] y[i]| */
      long double dabs = 0;
      for (size_t i = 0; i < n; i++) dabs += fabsl((long double)x[i] * (long double)y[i]);
      if (isinf(dot_ref)) CHECK(got[0][2] == dot_ref, "wide dot n=%zu shape %d: %g, want %g", n, shape, got[0][2], dot_ref);
      else CHECK(fabsl((long double)got[0][2] - d) <= (long double)tol * dabs + 0x1p-1074L, "wide dot n=%zu shape %d: %.17g, want %.17g",
                 n, shape, got[0][2], dot_ref);
    }
    free(x);
    free(y);
  }
}

/* Integer sums and means against 128-bit loops; min and max everywhere. */
#define TEST_REDUCE_INT(T, s, IS_SIGNED)                                       \
  static void test_isum_##s(void) {                                            \
    uint64_t seed = 5000 + sizeof(T);                                          \
    static const size_t ns[] = {0, 1, 3, 100, 32769, 300007};                  \
    for (size_t si = 0; si < sizeof ns / sizeof *ns; si++) {                   \
      size_t n = ns[si];                                                       \
      T *buf = xmalloc((n + 1) * sizeof(T));                                   \
      for (int shape = 0; shape < SH_COUNT; shape++) {                         \
        T *x = buf + (si & 1);                                                 \
        gen_##s(x, n, shape, &seed);                                           \
        ref128 want = {0, 0};                                                  \
        for (size_t i = 0; i < n; i++) want = ref128_add(want, (int64_t)x[i], IS_SIGNED); \
        ref128 got = sum_as_128_##s(x, n);                                     \
        CHECK(got.lo == want.lo && got.hi == want.hi, #s " sum n=%zu %s: differs", n, shape_names[shape]); \
        double mean = pw_array_mean_##s(x, n);                                 \
        if (n == 0) {                                                          \
          CHECK(mean != mean, #s " mean of nothing");                          \
        } else {                                                               \
          long double lm = ref128_ld(want, IS_SIGNED) / (long double)n;        \
          CHECK(fabs(mean - (double)lm) <= ulp_of((double)lm), #s " mean n=%zu: %.17g, want %.17Lg", \
                n, mean, lm);                                                  \
        }                                                                      \
      }                                                                        \
      free(buf);                                                               \
    }                                                                          \
  }

/*
 * The reference: 128-bit two's complement as two words, each element
 * sign-extended (signed types) or zero-extended and added with its carry,
 * one at a time. (No __int128: the 32-bit build has none.)
 */
typedef struct {
  uint64_t lo, hi;
} ref128;
static ref128 ref128_add(ref128 a, int64_t v, int is_signed) {
  uint64_t lo = (uint64_t)v, hi = is_signed && v < 0 ? UINT64_MAX : 0;
  ref128 r = {a.lo + lo, a.hi + hi};
  if (r.lo < a.lo) r.hi++;
  return r;
}
/* The value as a long double (exact for the sums here: below 2^64 in magnitude but for u64). */
static long double ref128_ld(ref128 a, int is_signed) {
  if (is_signed && (a.hi >> 63)) {
    ref128 m = {~a.lo + 1, ~a.hi + (a.lo == 0)};
    return -((long double)m.hi * 18446744073709551616.0L + (long double)m.lo);
  }
  return (long double)a.hi * 18446744073709551616.0L + (long double)a.lo;
}
#define SUM_SMALL_128(T, s, IS_SIGNED)                                         \
  static ref128 sum_as_128_##s(const T *x, size_t n) {                         \
    ref128 r = {0, 0};                                                         \
    return ref128_add(r, (int64_t)pw_array_sum_##s(x, n), IS_SIGNED);         \
  }
SUM_SMALL_128(int8_t, i8, 1)
SUM_SMALL_128(uint8_t, u8, 0)
SUM_SMALL_128(int16_t, i16, 1)
SUM_SMALL_128(uint16_t, u16, 0)
SUM_SMALL_128(int32_t, i32, 1)
SUM_SMALL_128(uint32_t, u32, 0)
static ref128 sum_as_128_i64(const int64_t *x, size_t n) {
  pw_u128 r = pw_array_sum_i64(x, n);
  ref128 v = {r.lo, r.hi};
  return v;
}
static ref128 sum_as_128_u64(const uint64_t *x, size_t n) {
  pw_u128 r = pw_array_sum_u64(x, n);
  ref128 v = {r.lo, r.hi};
  return v;
}
TEST_REDUCE_INT(int8_t, i8, 1)
TEST_REDUCE_INT(uint8_t, u8, 0)
TEST_REDUCE_INT(int16_t, i16, 1)
TEST_REDUCE_INT(uint16_t, u16, 0)
TEST_REDUCE_INT(int32_t, i32, 1)
TEST_REDUCE_INT(uint32_t, u32, 0)
TEST_REDUCE_INT(int64_t, i64, 1)
TEST_REDUCE_INT(uint64_t, u64, 0)

/* 64-bit sums beyond 2^64: the 128-bit result. */
static void test_isum_wide(void) {
  size_t n = 1000;
  uint64_t *u = xmalloc(n * 8);
  int64_t *v = xmalloc(n * 8);
  for (size_t i = 0; i < n; i++) u[i] = UINT64_MAX, v[i] = INT64_MIN;
  pw_u128 r = pw_array_sum_u64(u, n);
  ref128 want = {0, 0}, w = {0, 0};
  for (size_t i = 0; i < n; i++) want = ref128_add(want, (int64_t)u[i], 0), w = ref128_add(w, v[i], 1);
  CHECK(want.hi == 999 && r.lo == want.lo && r.hi == want.hi, "u64 sum beyond 2^64");
  r = pw_array_sum_i64(v, n);
  CHECK(r.lo == w.lo && r.hi == w.hi, "i64 sum below -2^63 (two's complement)");
  CHECK(pw_array_mean_i64(v, n) == -0x1p63, "i64 mean of INT64_MIN");
  free(u), free(v);
}

/* min/max with first indices against a linear scan. */
#define TEST_MINMAX(T, s)                                                      \
  static void test_minmax_##s(void) {                                          \
    uint64_t seed = 6000 + sizeof(T);                                          \
    static const size_t ns[] = {1, 2, 3, 33, 1000, 70001, 300007};             \
    for (size_t si = 0; si < sizeof ns / sizeof *ns; si++) {                   \
      size_t n = ns[si];                                                       \
      T *buf = xmalloc((n + 1) * sizeof(T));                                   \
      for (int shape = 0; shape < SH_COUNT; shape++) {                         \
        T *x = buf + (si & 1);                                                 \
        gen_##s(x, n, shape, &seed);                                           \
        if (shape == SH_UNIT && n > 10) x[n - 3] = (T)-0.0, x[n / 2] = 0;       \
        for (int mx = 0; mx < 2; mx++) {                                       \
          size_t wi = 0;                                                       \
          for (size_t i = 1; i < n; i++) {                                     \
            if (is_nan_##s(x[wi])) break;                                      \
            if (is_nan_##s(x[i])) { wi = i; break; }                           \
            int c = ref_cmp_##s(x[i], x[wi]);                                  \
            if (mx ? c > 0 : c < 0) wi = i;                                    \
          }                                                                    \
          T v;                                                                 \
          uint32_t at;                                                         \
          pw_status st = mx ? pw_array_max_##s(x, n, &v, &at) : pw_array_min_##s(x, n, &v, &at); \
          CHECK(st == PW_OK && at == wi && memcmp(&v, &x[wi], sizeof(T)) == 0,   \
                #s " %s n=%zu %s: index %u, want %zu", mx ? "max" : "min", n,  \
                shape_names[shape], at, wi);                                   \
        }                                                                      \
      }                                                                        \
      free(buf);                                                               \
    }                                                                          \
    T v;                                                                       \
    uint32_t at;                                                               \
    CHECK(pw_array_min_##s(NULL, 0, &v, &at) == PW_EINVAL, #s " min of nothing"); \
    CHECK(pw_array_max_##s(NULL, 0, &v, &at) == PW_EINVAL, #s " max of nothing"); \
  }
PW_ARRAY_TYPES(TEST_MINMAX)

/* Integer variance against long double (values exact in double). */
#define TEST_IVAR(T, s)                                                        \
  static void test_ivar_##s(void) {                                            \
    uint64_t seed = 7000 + sizeof(T);                                          \
    size_t n = 50001;                                                          \
    T *x = xmalloc(n * sizeof(T));                                             \
    for (int shape = 0; shape < SH_COUNT; shape++) {                           \
      gen_##s(x, n, shape, &seed);                                             \
      long double m = 0, v = 0;                                                \
      for (size_t i = 0; i < n; i++) m += (long double)(double)x[i];           \
      m /= n;                                                                  \
      for (size_t i = 0; i < n; i++) v += ((long double)(double)x[i] - m) * ((long double)(double)x[i] - m); \
      double want = (double)(v / n), tol = 64 * 0x1p-53 * (want + (double)(m * m)); \
      double got[THREAD_RUNS];                                                 \
      for (int run = 0; run < THREAD_RUNS; run++) {                            \
        set_threads(run);                                                      \
        got[run] = pw_array_variance_##s(x, n, 0);                             \
      }                                                                        \
      set_threads(0);                                                          \
      CHECK(fabs(got[0] - want) <= tol, #s " variance %s: %.17g, want %.17g", shape_names[shape], got[0], want); \
      for (int run = 1; run < THREAD_RUNS; run++)                              \
        CHECK(same_result(got[run], got[0]), #s " variance depends on threads");   \
    }                                                                          \
    free(x);                                                                   \
  }
TEST_IVAR(int8_t, i8)
TEST_IVAR(uint8_t, u8)
TEST_IVAR(int16_t, i16)
TEST_IVAR(uint16_t, u16)
TEST_IVAR(int32_t, i32)
TEST_IVAR(uint32_t, u32)
TEST_IVAR(int64_t, i64)
TEST_IVAR(uint64_t, u64)

/* ---------------------------------------------------------------------- */
/* Prefix sums                                                            */
/* ---------------------------------------------------------------------- */

#define TEST_CUMSUM_INT(T, s, UT)                                              \
  static void test_cumsum_##s(void) {                                          \
    uint64_t seed = 8000 + sizeof(T);                                          \
    static const size_t ns[] = {0, 1, 2, 31, 1000, 65537, 300007};             \
    for (size_t si = 0; si < sizeof ns / sizeof *ns; si++) {                   \
      size_t n = ns[si];                                                       \
      T *buf = xmalloc((n + 1) * sizeof(T)), *out = xmalloc((n + 1) * sizeof(T)); \
      for (int shape = 0; shape < SH_COUNT; shape += 2) {                      \
        T *x = buf + (si & 1);                                                 \
        gen_##s(x, n, shape, &seed);                                           \
        for (int ex = 0; ex < 2; ex++) {                                       \
          for (int run = 0; run < THREAD_RUNS; run++) {                        \
            set_threads(run);                                                  \
            CHECK(pw_array_cumsum_##s(x, n, out, ex) == PW_OK, #s " cumsum status"); \
            UT acc = 0;                                                        \
            size_t bad = SIZE_MAX;                                             \
            for (size_t i = 0; i < n && bad == SIZE_MAX; i++) {                \
              UT before = acc;                                                 \
              acc = (UT)(acc + (UT)x[i]);                                      \
              UT want = ex ? before : acc;                                     \
              if ((UT)out[i] != want) bad = i;                                 \
            }                                                                  \
            CHECK(bad == SIZE_MAX, #s " cumsum n=%zu exclusive=%d run %d: differs at %zu", n, ex, run, bad); \
          }                                                                    \
          set_threads(0);                                                      \
          /* in place */                                                       \
          T *y = xmalloc((n + 1) * sizeof(T));                                 \
          memcpy(y, x, n * sizeof(T));                                         \
          CHECK(pw_array_cumsum_##s(y, n, y, ex) == PW_OK && (n == 0 || memcmp(y, out, n * sizeof(T)) == 0), \
                #s " cumsum in place n=%zu", n);                               \
          free(y);                                                             \
        }                                                                      \
      }                                                                        \
      free(buf), free(out);                                                    \
    }                                                                          \
  }
TEST_CUMSUM_INT(int8_t, i8, uint8_t)
TEST_CUMSUM_INT(uint8_t, u8, uint8_t)
TEST_CUMSUM_INT(int16_t, i16, uint16_t)
TEST_CUMSUM_INT(uint16_t, u16, uint16_t)
TEST_CUMSUM_INT(int32_t, i32, uint32_t)
TEST_CUMSUM_INT(uint32_t, u32, uint32_t)
TEST_CUMSUM_INT(int64_t, i64, uint64_t)
TEST_CUMSUM_INT(uint64_t, u64, uint64_t)

/* A Uint8ClampedArray's cumsum: each prefix min(255, sum), the sum taken without wrapping. */
static void test_cumsum_clamped(void) {
  uint64_t seed = 8200;
  static const size_t ns[] = {0, 1, 2, 31, 1000, 65537, 300007, 2000003};
  for (size_t si = 0; si < sizeof ns / sizeof *ns; si++) {
    size_t n = ns[si];
    uint8_t *x = xmalloc(n + 1), *out = xmalloc(n + 1), *y = xmalloc(n + 1);
    for (int shape = 0; shape < 5; shape++) {
      for (size_t i = 0; i < n; i++) {
        switch (shape) {
        case 0: x[i] = (uint8_t)below(&seed, 256); break;                  /* saturates at once */
        case 1: x[i] = i % 1009 == 0; break;                                 /* after 255 * 1009 elements */
        case 2: x[i] = 0; break;                                             /* never */
        case 3: x[i] = i == n / 2 ? 255 : i + 1 == n ? 1 : 0; break;        /* 255 exactly, then 256 */
        default: x[i] = below(&seed, 5000) == 0 ? (uint8_t)below(&seed, 3) : 0; /* sparse */
        }
      }
      for (int ex = 0; ex < 2; ex++) {
        for (int run = 0; run < THREAD_RUNS; run++) {
          set_threads(run);
          memset(out, 0xA5, n);
          CHECK(pw_array_cumsum_clamped_u8(x, n, out, ex) == PW_OK, "clamped cumsum status");
          uint64_t acc = 0;
          size_t bad = SIZE_MAX;
          for (size_t i = 0; i < n && bad == SIZE_MAX; i++) {
            uint64_t before = acc;
            acc += x[i];
            uint64_t want = ex ? before : acc;
            if (out[i] != (want > 255 ? 255 : want)) bad = i;
          }
          CHECK(bad == SIZE_MAX, "clamped cumsum n=%zu shape %d exclusive=%d run %d: differs at %zu", n, shape, ex,
                run, bad);
        }
        set_threads(0);
        memcpy(y, x, n);
        CHECK(pw_array_cumsum_clamped_u8(y, n, y, ex) == PW_OK && (n == 0 || memcmp(y, out, n) == 0),
              "clamped cumsum in place n=%zu shape %d exclusive=%d", n, shape, ex);
      }
    }
    free(x), free(y), free(out);
  }
}

#define TEST_CUMSUM_FLT(T, s, REL)                                             \
  static void test_cumsum_##s(void) {                                          \
    uint64_t seed = 8100 + sizeof(T);                                          \
    static const size_t ns[] = {0, 1, 2, 9, 1000, 40001, 140001};              \
    for (size_t si = 0; si < sizeof ns / sizeof *ns; si++) {                   \
      size_t n = ns[si];                                                       \
      T *buf = xmalloc((n + 1) * sizeof(T));                                   \
      T *out[THREAD_RUNS + 1];                                                 \
      for (int r = 0; r <= THREAD_RUNS; r++) out[r] = xmalloc((n + 1) * sizeof(T)); \
      for (int shape = 0; shape <= SH_COUNT; shape++) {                        \
        if (shape == SH_BITS) continue;                                        \
        T *x = buf + (si & 1);                                                 \
        if (shape == SH_COUNT) {                                               \
          double *tmp = xmalloc((n + 1) * sizeof *tmp);                        \
          gen_cancel_f64(tmp, n, &seed);                                       \
          for (size_t i = 0; i < n; i++) x[i] = (T)tmp[i];                     \
          free(tmp);                                                           \
        } else {                                                               \
          gen_##s(x, n, shape, &seed);                                         \
        }                                                                      \
        for (int ex = 0; ex < 2; ex++) {                                       \
          for (int run = 0; run < THREAD_RUNS; run++) {                        \
            set_threads(run);                                                  \
            CHECK(pw_array_cumsum_##s(x, n, out[run], ex) == PW_OK, #s " cumsum status"); \
          }                                                                    \
          set_threads(0);                                                      \
          for (int run = 1; run < THREAD_RUNS; run++)                          \
            CHECK(n == 0 || memcmp(out[run], out[0], n * sizeof(T)) == 0,      \
                  #s " cumsum n=%zu depends on the thread count", n);          \
          memcpy(out[THREAD_RUNS], x, n * sizeof(T));                          \
          CHECK(pw_array_cumsum_##s(out[THREAD_RUNS], n, out[THREAD_RUNS], ex) == PW_OK && \
                    (n == 0 || memcmp(out[THREAD_RUNS], out[0], n * sizeof(T)) == 0), \
                #s " cumsum in place n=%zu", n);                               \
          exact_sum es, ea;                                                    \
          es_init(&es), es_init(&ea);                                          \
          size_t bad = SIZE_MAX;                                               \
          int special = 0;                                                     \
          for (size_t i = 0; i < n && bad == SIZE_MAX; i++) {                  \
            if (!ex) es_add(&es, x[i]), es_add(&ea, fabs((double)x[i]));       \
            double want = es_value(&es), got = out[0][i];                      \
            special |= es.have_special || es.overflow;                         \
            if (special) {                                                     \
              if (!same_double(got, (T)want) && !(es.overflow)) bad = i;       \
            } else {                                                           \
              double bound = REL * fabs(want) + gamma2(i + 1) * es_value(&ea) + 0x1p-1074; \
              if (!(fabs(got - want) <= bound) && !((T)want == got)) bad = i;  \
            }                                                                  \
            if (ex) es_add(&es, x[i]), es_add(&ea, fabs((double)x[i]));        \
          }                                                                    \
          CHECK(bad == SIZE_MAX, #s " cumsum n=%zu shape %d exclusive=%d: off at %zu", n, shape, ex, bad); \
          es_free(&es), es_free(&ea);                                          \
        }                                                                      \
      }                                                                        \
      free(buf);                                                               \
      for (int r = 0; r <= THREAD_RUNS; r++) free(out[r]);                     \
    }                                                                          \
  }
TEST_CUMSUM_FLT(float, f32, 0x1p-23)
TEST_CUMSUM_FLT(double, f64, 0x1p-52)

/* ---------------------------------------------------------------------- */
/* Histograms                                                             */
/* ---------------------------------------------------------------------- */

#define TEST_HIST(T, s)                                                        \
  static void test_hist_##s(void) {                                            \
    uint64_t seed = 9000 + sizeof(T);                                          \
    static const size_t ns[] = {0, 1, 5, 1000, 70001};                         \
    struct { uint32_t bins; double lo, hi; } cases[] = {                       \
        {1, 0, 1}, {10, 0, 1000}, {7, -3, 3}, {256, 0, 256}, {33, -1e6, 1e6},  \
        {1000, 0.1, 0.2}, {5, -100, 100}};                                     \
    for (size_t si = 0; si < sizeof ns / sizeof *ns; si++) {                   \
      size_t n = ns[si];                                                       \
      T *buf = xmalloc((n + 1) * sizeof(T));                                   \
      for (int shape = 0; shape < SH_COUNT; shape++) {                         \
        T *x = buf + (si & 1);                                                 \
        gen_##s(x, n, shape, &seed);                                           \
        for (size_t ci = 0; ci < sizeof cases / sizeof *cases; ci++) {         \
          uint32_t bins = cases[ci].bins;                                      \
          double lo = cases[ci].lo, hi = cases[ci].hi, w = (hi - lo) / bins;   \
          uint32_t *got = xmalloc(bins * 4), *want = calloc(bins, 4);          \
          for (size_t i = 0; i < n; i++) {                                     \
            double v = (double)x[i];                                           \
            if (!(v >= lo && v <= hi)) continue;                               \
            for (uint32_t j = 0; j < bins; j++) {                              \
              double e0 = lo + j * w, e1 = j + 1 == bins ? hi : lo + (j + 1) * w; \
              if (v >= e0 && (v < e1 || j + 1 == bins)) { want[j]++; break; }  \
            }                                                                  \
          }                                                                    \
          memset(got, 0xee, bins * 4);                                         \
          pw_status st = pw_array_histogram_##s(x, n, bins, lo, hi, got);      \
          CHECK(st == PW_OK && memcmp(got, want, bins * 4) == 0,               \
                #s " histogram n=%zu %s bins=%u [%g, %g]: differs", n, shape_names[shape], bins, lo, hi); \
          /* the same bins as explicit edges */                                \
          double *edges = xmalloc((bins + 1) * sizeof *edges);                 \
          for (uint32_t j = 0; j <= bins; j++) edges[j] = j == bins ? hi : lo + j * w; \
          memset(got, 0xee, bins * 4);                                         \
          st = pw_array_histogram_edges_##s(x, n, edges, bins + 1, got);       \
          CHECK(st == PW_OK && memcmp(got, want, bins * 4) == 0,               \
                #s " histogramEdges n=%zu %s bins=%u: differs", n, shape_names[shape], bins); \
          free(edges), free(got), free(want);                                  \
        }                                                                      \
      }                                                                        \
      free(buf);                                                               \
    }                                                                          \
    T x5[5] = {0, 1, 2, 3, 4};                                                 \
    uint32_t c2[2], c3[3];                                                     \
    CHECK(pw_array_histogram_##s(x5, 5, 2, 0, 4, c2) == PW_OK && c2[0] == 2 && c2[1] == 3, \
          #s " histogram([0..4], 2 bins over [0, 4]) = [2, 3]");               \
    CHECK(pw_array_histogram_##s(x5, 5, 2, 4, 4, c2) == PW_ERANGE, #s " lo == hi"); \
    CHECK(pw_array_histogram_##s(x5, 5, 2, 5, 4, c2) == PW_ERANGE, #s " lo > hi"); \
    CHECK(pw_array_histogram_##s(x5, 5, 2, NAN, 4, c2) == PW_ERANGE, #s " lo NaN"); \
    CHECK(pw_array_histogram_##s(x5, 5, 2, 0, INFINITY, c2) == PW_ERANGE, #s " hi Inf"); \
    CHECK(pw_array_histogram_##s(x5, 5, 2, -DBL_MAX, DBL_MAX, c2) == PW_OK && c2[0] == 0 && c2[1] == 5, \
          #s " a range wider than the largest double: binned on the values halved"); \
    CHECK(pw_array_histogram_##s(x5, 5, 0, 0, 4, c2) == PW_ERANGE, #s " bins 0"); \
    double e4[4] = {-INFINITY, 1, 3, INFINITY};                                \
    CHECK(pw_array_histogram_edges_##s(x5, 5, e4, 4, c3) == PW_OK && c3[0] == 1 && c3[1] == 2 && c3[2] == 2, \
          #s " histogramEdges with infinite edges");                           \
    e4[2] = 1;                                                                 \
    CHECK(pw_array_histogram_edges_##s(x5, 5, e4, 4, c3) == PW_EINVAL, #s " edges not increasing"); \
    e4[2] = NAN;                                                               \
    CHECK(pw_array_histogram_edges_##s(x5, 5, e4, 4, c3) == PW_EINVAL, #s " edge NaN"); \
    CHECK(pw_array_histogram_edges_##s(x5, 5, e4, 1, c3) == PW_EINVAL, #s " one edge"); \
  }
PW_ARRAY_TYPES(TEST_HIST)

/* Elements on and next to every computed edge: the bin must follow the
   edges exactly, whatever the roundings of the bin estimate. */
static void test_hist_edges_exact(void) {
  struct { uint32_t bins; double lo, hi; } cases[] = {
      {3, 0.1, 0.7}, {10, 0.1, 0.2}, {7, -1, 1e-3}, {1000, 1e15, 1e15 + 999}, {49, -0.3, 0.3},
      {100, 1e-300, 3e-300}, {64, -1e300, 1e300}, {5, 1e16, 1e16 + 8}};
  for (size_t ci = 0; ci < sizeof cases / sizeof *cases; ci++) {
    uint32_t bins = cases[ci].bins;
    double lo = cases[ci].lo, hi = cases[ci].hi, w = (hi - lo) / bins;
    size_t n = 3 * ((size_t)bins + 1);
    double *x = xmalloc(n * sizeof *x);
    for (uint32_t j = 0; j <= bins; j++) {
      double e = j == bins ? hi : lo + j * w;
      x[3 * j] = e, x[3 * j + 1] = nextafter(e, -INFINITY), x[3 * j + 2] = nextafter(e, INFINITY);
    }
    uint32_t *got = xmalloc(bins * 4), *want = calloc(bins, 4);
    for (size_t i = 0; i < n; i++) {
      double v = x[i];
      if (!(v >= lo && v <= hi)) continue;
      for (uint32_t j = 0; j < bins; j++) {
        double e0 = lo + j * w, e1 = j + 1 == bins ? hi : lo + (j + 1) * w;
        if (v >= e0 && (v < e1 || j + 1 == bins)) { want[j]++; break; }
      }
    }
    CHECK(pw_array_histogram_f64(x, n, bins, lo, hi, got) == PW_OK && memcmp(got, want, bins * 4) == 0,
          "histogram at the edges: %u bins over [%g, %g]", bins, lo, hi);
    free(x), free(got), free(want);
  }
}

/* ---------------------------------------------------------------------- */
/* axpy, clamp                                                            */
/* ---------------------------------------------------------------------- */

#define TEST_AXPY(T, s)                                                        \
  static void test_axpy_##s(void) {                                            \
    uint64_t seed = 9500 + sizeof(T);                                          \
    static const size_t ns[] = {0, 1, 7, 1000, 300007};                        \
    for (size_t si = 0; si < sizeof ns / sizeof *ns; si++) {                   \
      size_t n = ns[si];                                                       \
      T *x = xmalloc((n + 1) * sizeof(T)), *y = xmalloc((n + 1) * sizeof(T));  \
      T *want = xmalloc((n + 1) * sizeof(T));                                  \
      for (int shape = 0; shape < SH_COUNT; shape++) {                         \
        gen_##s(x + 1, n, shape, &seed);                                       \
        gen_##s(y, n, SH_UNIT, &seed);                                         \
        T a = (T)-1.75;                                                        \
        for (size_t i = 0; i < n; i++) {                                       \
          volatile T prod = a * x[i + 1];                                      \
          want[i] = prod + y[i];                                               \
        }                                                                      \
        CHECK(pw_array_axpy_##s(a, x + 1, n, y) == PW_OK, #s " axpy status");  \
        CHECK(n == 0 || memcmp(y, want, n * sizeof(T)) == 0, #s " axpy n=%zu %s", n, shape_names[shape]); \
        /* y aliasing x: y = (a + 1) x computed as a*x + x */                 \
        memcpy(y, x + 1, n * sizeof(T));                                       \
        for (size_t i = 0; i < n; i++) {                                       \
          volatile T prod = a * y[i];                                          \
          want[i] = prod + y[i];                                               \
        }                                                                      \
        CHECK(pw_array_axpy_##s(a, y, n, y) == PW_OK && (n == 0 || memcmp(y, want, n * sizeof(T)) == 0), \
              #s " axpy in place n=%zu", n);                                   \
      }                                                                        \
      free(x), free(y), free(want);                                            \
    }                                                                          \
  }
PW_ARRAY_FLOAT_TYPES(TEST_AXPY)

#define TEST_CLAMP(T, s)                                                       \
  static void test_clamp_##s(void) {                                           \
    uint64_t seed = 9600 + sizeof(T);                                          \
    static const size_t ns[] = {0, 1, 9, 1000, 300007};                        \
    for (size_t si = 0; si < sizeof ns / sizeof *ns; si++) {                   \
      size_t n = ns[si];                                                       \
      T *x = xmalloc((n + 1) * sizeof(T)), *out = xmalloc((n + 1) * sizeof(T)); \
      for (int shape = 0; shape < SH_COUNT; shape++) {                         \
        gen_##s(x + 1, n, shape, &seed);                                       \
        T lims[2];                                                             \
        gen_##s(lims, 2, shape == SH_EQUAL ? SH_SMALL : shape, &seed);         \
        if (is_nan_##s(lims[0])) lims[0] = 0;                                  \
        if (is_nan_##s(lims[1])) lims[1] = 0;                                  \
        T lo = lims[0] < lims[1] ? lims[0] : lims[1], hi = lims[0] < lims[1] ? lims[1] : lims[0]; \
        CHECK(pw_array_clamp_##s(x + 1, n, out, lo, hi) == PW_OK, #s " clamp status"); \
        size_t bad = SIZE_MAX;                                                 \
        for (size_t i = 0; i < n && bad == SIZE_MAX; i++) {                    \
          T v = x[i + 1], w;                                                   \
          if (v < lo) w = lo;                                                  \
          else if (v > hi) w = hi;                                             \
          else w = v;                                                          \
          if (memcmp(&w, &out[i], sizeof(T)) != 0) bad = i;                    \
        }                                                                      \
        CHECK(bad == SIZE_MAX, #s " clamp n=%zu %s: differs at %zu", n, shape_names[shape], bad); \
        CHECK(pw_array_clamp_##s(x + 1, n, x + 1, lo, hi) == PW_OK &&          \
                  (n == 0 || memcmp(x + 1, out, n * sizeof(T)) == 0),          \
              #s " clamp in place");                                           \
      }                                                                        \
      free(x), free(out);                                                      \
    }                                                                          \
    T one[1] = {5}, o1[1];                                                     \
    CHECK(pw_array_clamp_##s(one, 1, o1, 3, 2) == PW_ERANGE, #s " clamp lo > hi"); \
  }
PW_ARRAY_TYPES(TEST_CLAMP)

static void test_clamp_nan(void) {
  double x[3] = {NAN, -0.0, 5}, o[3];
  CHECK(pw_array_clamp_f64(x, 3, o, 0.0, 1.0) == PW_OK && o[0] != o[0] && o[1] == 0 && signbit(o[1]) && o[2] == 1,
        "clamp keeps NaN and -0");
  CHECK(pw_array_clamp_f64(x, 3, o, NAN, 1.0) == PW_ERANGE, "clamp lo NaN");
  /* the same at every position of vectors and unrolled loops: NaN kept,
     -0 and +0 as they are at a limit of 0 (neither is below the other) */
  enum { N = 67 };
  float xf[N], of[N];
  double xd[N], od[N];
  const double vals[] = {NAN, -0.0, 0.0, -5, 5, 0.25, 1, 2, -INFINITY, INFINITY};
  for (int lim = 0; lim < 2; lim++) {
    double lo = lim ? -0.0 : 0.0, hi = 1;
    for (int r = 0; r < 10; r++) {
      for (int i = 0; i < N; i++) xd[i] = vals[(i * 7 + r) % 10], xf[i] = (float)xd[i];
      CHECK(pw_array_clamp_f64(xd, N, od, lo, hi) == PW_OK && pw_array_clamp_f32(xf, N, of, (float)lo, (float)hi) == PW_OK,
            "clamp status");
      int bad = -1;
      for (int i = 0; i < N && bad < 0; i++) {
        double w = xd[i] < lo ? lo : xd[i] > hi ? hi : xd[i];
        uint64_t a, b;
        memcpy(&a, &od[i], 8);
        memcpy(&b, &w, 8);
        float wf = (float)w;
        uint32_t c, d;
        memcpy(&c, &of[i], 4);
        memcpy(&d, &wf, 4);
        if ((w == w && (a != b || c != d)) || (w != w && (od[i] == od[i] || of[i] == of[i]))) bad = i;
      }
      CHECK(bad < 0, "clamp of NaN, -0, +0 and infinities (lo %g, round %d): element %d", lo, r, bad);
    }
  }
}

/* ---------------------------------------------------------------------- */
/* Conversion                                                             */
/* ---------------------------------------------------------------------- */

/* A source value, read exactly. */
typedef struct {
  int is_float;
  double f;
  long double i; /* an integer source: exact (64 bits of mantissa or more) */
} cv_val;

/* An integer held in a long double, modulo 2^64. */
static uint64_t cv_wrap(long double x) { return x < 0 ? (uint64_t)0 - (uint64_t)(-x) : (uint64_t)x; }

static const int cv_bytes[11] = {1, 1, 1, 2, 2, 4, 4, 8, 8, 4, 8};
static const int cv_signed[11] = {1, 0, 0, 1, 0, 1, 0, 1, 0, 1, 1};

static cv_val cv_read(const void *p, size_t i, int t) {
  cv_val v = {0, 0, 0};
  switch (t) {
  case 0: v.i = ((const int8_t *)p)[i]; break;
  case 1: case 2: v.i = ((const uint8_t *)p)[i]; break;
  case 3: v.i = ((const int16_t *)p)[i]; break;
  case 4: v.i = ((const uint16_t *)p)[i]; break;
  case 5: v.i = ((const int32_t *)p)[i]; break;
  case 6: v.i = ((const uint32_t *)p)[i]; break;
  case 7: v.i = ((const int64_t *)p)[i]; break;
  case 8: v.i = ((const uint64_t *)p)[i]; break;
  case 9: v.is_float = 1, v.f = ((const float *)p)[i]; break;
  default: v.is_float = 1, v.f = ((const double *)p)[i]; break;
  }
  return v;
}

/* Round half to even, written out. */
static double round_even(double d) {
  double r = floor(d), diff = d - r;
  if (diff > 0.5 || (diff == 0.5 && fmod(r, 2.0) != 0)) r += 1;
  return r;
}

/* The expected destination bits (in a uint64_t) of converting v to type t. */
static uint64_t cv_expect(cv_val v, int t, int normalize, int src_t) {
  int bits = 8 * cv_bytes[t];
  if (t == 9 || t == 10) {
    if (normalize) {
      int sb = 8 * cv_bytes[src_t];
      if (cv_signed[src_t]) {
        double m = ldexp(1, sb - 1) - 1;
        if (t == 9) {
          float r = (float)v.i / (float)m;
          if (r < -1) r = -1;
          uint32_t b; memcpy(&b, &r, 4); return b;
        }
        double r = (double)v.i / m;
        if (r < -1) r = -1;
        return dbits(r);
      }
      double m = ldexp(1, sb) - 1;
      if (t == 9) { float r = (float)v.i / (float)m; uint32_t b; memcpy(&b, &r, 4); return b; }
      return dbits((double)v.i / m);
    }
    if (v.is_float) {
      if (t == 10) return dbits(v.f);
      float r = (float)v.f; uint32_t b; memcpy(&b, &r, 4); return b;
    }
    long double li = (long double)v.i; /* exact: the integer has at most 64 bits */
    if (t == 10) return dbits((double)li);
    float r = (float)li; uint32_t b; memcpy(&b, &r, 4); return b;
  }
  if (t == 2) { /* Uint8Clamped */
    if (normalize) {
      double d = v.f > 0 ? (v.f < 1 ? v.f : 1) : 0;
      return (uint64_t)round_even(d * 255);
    }
    if (!v.is_float) return v.i < 0 ? 0 : v.i > 255 ? 255 : (uint64_t)v.i;
    if (!(v.f > 0)) return 0;
    if (v.f >= 255) return 255;
    return (uint64_t)round_even(v.f);
  }
  uint64_t mask = bits == 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
  if (normalize) { /* float -> integer */
    if (cv_signed[t]) {
      double m = ldexp(1, bits - 1) - 1, d = v.f != v.f ? 0 : v.f < -1 ? -1 : v.f > 1 ? 1 : v.f;
      return (uint64_t)(int64_t)round_even(d * m) & mask;
    }
    double m = ldexp(1, bits) - 1, d = v.f != v.f ? 0 : v.f < 0 ? 0 : v.f > 1 ? 1 : v.f;
    return (uint64_t)round_even(d * m) & mask;
  }
  if (!v.is_float) return cv_wrap(v.i) & mask;
  if (!isfinite(v.f)) return 0;
  long double tr = truncl((long double)v.f);
  long double r = fmodl(tr, 18446744073709551616.0L);
  if (r < 0) r += 18446744073709551616.0L;
  return (uint64_t)r & mask;
}

static uint64_t cv_got(const void *p, size_t i, int t) {
  switch (cv_bytes[t]) {
  case 1: return ((const uint8_t *)p)[i];
  case 2: return ((const uint16_t *)p)[i];
  case 4: return ((const uint32_t *)p)[i];
  default: return ((const uint64_t *)p)[i];
  }
}

static void cv_fill(void *p, size_t n, int t, uint64_t *seed) {
  switch (t) {
  case 0: gen_i8(p, n, (int)below(seed, SH_COUNT), seed); break;
  case 1: case 2: gen_u8(p, n, (int)below(seed, SH_COUNT), seed); break;
  case 3: gen_i16(p, n, (int)below(seed, SH_COUNT), seed); break;
  case 4: gen_u16(p, n, (int)below(seed, SH_COUNT), seed); break;
  case 5: gen_i32(p, n, (int)below(seed, SH_COUNT), seed); break;
  case 6: gen_u32(p, n, (int)below(seed, SH_COUNT), seed); break;
  case 7: gen_i64(p, n, (int)below(seed, SH_COUNT), seed); break;
  case 8: gen_u64(p, n, (int)below(seed, SH_COUNT), seed); break;
  case 9: {
    float *f = p;
    gen_f32(f, n, (int)below(seed, SH_COUNT), seed);
    for (size_t i = 0; i < n; i += 5) f[i] = (float)((double)(splitmix64(seed) % 2000001) / 1000.0 - 1000.0);
    for (size_t i = 1; i < n; i += 7) f[i] = (float)((double)(splitmix64(seed) % 4001) / 1000.0 - 2.0);
    break;
  }
  default: {
    double *d = p;
    gen_f64(d, n, (int)below(seed, SH_COUNT), seed);
    static const double hard[] = {0.5, 1.5, 2.5, 254.5, 255.5, -0.5, 127.5, 0x1p63, -0x1p63, 0x1p64,
                                  1e19, -1e19, 1e30, 4294967296.5, -2147483648.7, 0x1p53 + 2, 1e300};
    for (size_t i = 0; i < n; i += 3) d[i] = hard[(i / 3) % (sizeof hard / sizeof *hard)];
    for (size_t i = 1; i < n; i += 7) d[i] = (double)(splitmix64(seed) % 4001) / 1000.0 - 2.0;
    break;
  }
  }
}

/*
 * 64-bit integers <-> floats, where the wasm build converts 8 elements at
 * a time when a block allows it (elementwise.c: within +-2^53 for Int64 ->
 * Float32, truncating within +-2^51 for floats -> Int64) and takes the
 * generic loop for other blocks: random values of every bit length within
 * those limits, the limits themselves and the first values beyond, -0,
 * fractions, NaN and infinities, some blocks all within, some with one
 * element beyond at each place; odd offsets and lengths.
 */
static double cv64_float(uint64_t *seed) {
  static const double edge[] = {0x1p51 - 0.5, -0x1p51 + 0.5, 0x1p51 - 1, -0x1p51 + 1, 0x1p51, -0x1p51,
                                0x1p52 - 1, 0.75, -0.75, -0.0, 0.0, 0.5, -0.5, 1.5, -2.5, 0x1p31, -0x1p31 - 0.5};
  uint64_t r = splitmix64(seed);
  if (r % 8 == 0) return edge[(r >> 8) % (sizeof edge / sizeof *edge)];
  int bits = (int)((r >> 8) % 52) + 1; /* magnitude below 2^bits, with a fraction */
  double d = ldexp((double)(splitmix64(seed) >> 11), bits - 53);
  return r & (1u << 7) ? -d : d;
}
static int64_t cv64_int(uint64_t *seed) {
  static const int64_t edge[] = {(INT64_C(1) << 53) - 1, -(INT64_C(1) << 53) + 1, 0, -1, 1,
                                 (INT64_C(1) << 32) - 1, INT64_C(1) << 32, -(INT64_C(1) << 31) - 1};
  uint64_t r = splitmix64(seed);
  if (r % 8 == 0) return edge[(r >> 8) % (sizeof edge / sizeof *edge)];
  int bits = (int)((r >> 8) % 53); /* |x| below 2^bits <= 2^53 */
  int64_t v = (int64_t)(splitmix64(seed) >> (64 - (bits ? bits : 1))) & ((INT64_C(1) << bits) - 1);
  return r & (1u << 7) ? -v : v;
}
static void test_convert64(void) {
  uint64_t seed = 6464;
  static const double far_f[] = {0x1p53, -0x1p53, 1e19, -1e19, 0x1p63, 0x1p64, 1e300, NAN, INFINITY, -INFINITY, 0x1p51 + 1};
  static const int64_t far_i[] = {INT64_C(1) << 53, -(INT64_C(1) << 53), INT64_MAX, INT64_MIN, (INT64_C(1) << 53) + 1, -(INT64_C(1) << 62) - 7,
                                 /* through a double, rounds to a tie and then down */
                                 (INT64_C(1) << 60) + (INT64_C(1) << 36) + 1, -(INT64_C(1) << 60) - (INT64_C(1) << 36) - 1,
                                 /* just below a halfway point between floats, with 64 bits (Uint64) and
                                    near -2^63: a sticky bit below bit 11 would round the double up to it */
                                 (int64_t)(UINT64_C(0x8000018000000000) - 1), -(INT64_C(0x4000006000000000)) + 1,
                                 -(INT64_C(0x7ffffe8000000000)) - 1,
                                 /* Uint64 just above a halfway point: halved without its last bit, a tie */
                                 (int64_t)UINT64_C(0x8000008000000001)};
  static const int pairs[][2] = {{7, 9}, {7, 10}, {8, 9}, {8, 10}, {9, 7}, {9, 8}, {10, 7}, {10, 8}};
  for (size_t pi = 0; pi < sizeof pairs / sizeof *pairs; pi++)
    for (size_t off = 0; off < 2; off++) {
      const int st = pairs[pi][0], dt = pairs[pi][1];
      const size_t n = 8 * 300 + 5 + off * 2;
      uint64_t *src = xmalloc((n + 1) * 8), *dst = xmalloc((n + 1) * 8);
      char *s0 = (char *)src + cv_bytes[st] * off;
      for (size_t i = 0; i < n; i++) {
        size_t blk = i / 8;
        /* blocks 0 mod 3: all within; others: one element beyond, at place blk % 8 */
        int far = blk % 3 != 0 && i % 8 == blk % 8;
        if (st >= 9) {
          double d = far ? far_f[(blk / 3) % (sizeof far_f / sizeof *far_f)] : cv64_float(&seed);
          if (st == 9) ((float *)s0)[i] = (float)d;
          else ((double *)s0)[i] = d;
        } else {
          int64_t v = far ? far_i[(blk / 3) % (sizeof far_i / sizeof *far_i)] : cv64_int(&seed);
          if (st == 8 && !far) v = v < 0 ? -v : v; /* Uint64: the same magnitudes */
          memcpy(s0 + 8 * i, &v, 8);
        }
      }
      memset(dst, 0xa5, (n + 1) * 8);
      CHECK(pw_array_convert(s0, n * cv_bytes[st], (uint32_t)st, dst, n * cv_bytes[dt], (uint32_t)dt, false) == PW_OK,
            "convert64 %d -> %d: status", st, dt);
      size_t bad = 0, first = SIZE_MAX;
      for (size_t i = 0; i < n; i++) {
        cv_val v = cv_read(s0, i, st);
        if (cv_got(dst, i, dt) != cv_expect(v, dt, 0, st)) bad++, first = first == SIZE_MAX ? i : first;
      }
      if (bad) {
        cv_val v = cv_read(s0, first, st);
        CHECK(0, "convert64 %d -> %d offset %zu: %zu of %zu differ, first at %zu (src %.17g / %.0Lf): got %llx, want %llx", st, dt, off,
              bad, n, first, v.f, v.i, (unsigned long long)cv_got(dst, first, dt), (unsigned long long)cv_expect(v, dt, 0, st));
      }
      free(src), free(dst);
    }
}

/*
 * Uint64 -> Float32 over the whole range (the wasm build goes through the
 * nearest double, 8 at a time, and must catch the doubles that land
 * halfway between two floats): random values of every bit length 1 to 64,
 * and values at a halfway point between floats and 1 or 2 above or below
 * it (beyond 2^53 those round to the halfway double), against C's own
 * conversion, correctly rounded; at every place in a block of 8.
 */
static void test_convert_u64_f32(void) {
  uint64_t seed = 6432;
  const size_t n = 8 * 4096 + 3;
  uint64_t *src = xmalloc(n * 8);
  float *dst = xmalloc(n * 4);
  for (size_t i = 0; i < n; i++) {
    uint64_t r = splitmix64(&seed), v = splitmix64(&seed);
    int bits = (int)(r % 64) + 1;
    v = bits == 64 ? v : v & ((UINT64_C(1) << bits) - 1);
    if (r & 0x300) { /* three in four: beside a halfway point */
      int k = (int)((r >> 10) % 40) + 25; /* bit length of the value, 25 to 64 */
      uint64_t top = (UINT64_C(1) << 23) | (v & ((UINT64_C(1) << 23) - 1)); /* 24 bits */
      uint64_t mid = (top << (k - 24)) | (UINT64_C(1) << (k - 25));
      static const int64_t delta[] = {0, 1, -1, 2, -2};
      int64_t dl = delta[(r >> 16) % 5];
      v = mid + (uint64_t)dl;
    }
    src[i] = v;
  }
  CHECK(pw_array_convert(src, n * 8, PW_ARRAY_U64, dst, n * 4, PW_ARRAY_F32, false) == PW_OK, "u64 -> f32: status");
  size_t bad = 0, first = 0;
  for (size_t i = 0; i < n; i++) {
    float want = (float)src[i];
    if (memcmp(&want, dst + i, 4) != 0) first = bad++ ? first : i;
  }
  CHECK(bad == 0, "u64 -> f32: %zu of %zu differ, first at %zu (%llu): got %.9g, want %.9g", bad, n, first,
        (unsigned long long)src[first], (double)dst[first], (double)(float)src[first]);
  free(src), free(dst);
}

static void test_convert(void) {
  uint64_t seed = 9700;
  static const size_t ns[] = {0, 1, 13, 999, 100003};
  for (size_t si = 0; si < sizeof ns / sizeof *ns; si++) {
    size_t n = ns[si];
    uint64_t *src = xmalloc((n + 2) * 8), *dst = xmalloc((n + 2) * 8);
    for (int st = 0; st < 11; st++) {
      for (int dt = 0; dt < 11; dt++) {
        for (int norm = 0; norm < 2; norm++) {
          int sf = st >= 9, df = dt >= 9;
          int ok_norm = sf != df && cv_bytes[sf ? dt : st] <= 4;
          if (norm && !ok_norm) {
            CHECK(pw_array_convert(src, 0, (uint32_t)st, dst, 0, (uint32_t)dt, true) == PW_EINVAL,
                  "convert %d -> %d normalized must be refused", st, dt);
            continue;
          }
          /* odd element offsets: the source starts one element in */
          char *s0 = (char *)src + cv_bytes[st] * (si & 1);
          cv_fill(s0, n, st, &seed);
          memset(dst, 0xa5, (n + 2) * 8);
          pw_status stt = pw_array_convert(s0, n * cv_bytes[st], (uint32_t)st, dst, n * cv_bytes[dt],
                                           (uint32_t)dt, norm);
          CHECK(stt == PW_OK, "convert %d -> %d: status %d", st, dt, stt);
          size_t bad = SIZE_MAX;
          for (size_t i = 0; i < n && bad == SIZE_MAX; i++) {
            cv_val v = cv_read(s0, i, st);
            uint64_t want = cv_expect(v, dt, norm, st), got = cv_got(dst, i, dt);
            int both_nan = 0;
            if (dt == 10) { double a = pwa_test_f64(want), b = pwa_test_f64(got); both_nan = a != a && b != b; }
            if (dt == 9) { float a, b; uint32_t wa = (uint32_t)want, gb = (uint32_t)got; memcpy(&a, &wa, 4); memcpy(&b, &gb, 4); both_nan = a != a && b != b; }
            if (got != want && !both_nan) bad = i;
          }
          if (bad != SIZE_MAX) {
            cv_val v = cv_read(s0, bad, st);
            CHECK(0, "convert %d -> %d norm=%d n=%zu at %zu (src %.17g / %.0Lf): got %llx, want %llx", st, dt, norm,
                  n, bad, v.f, v.i, (unsigned long long)cv_got(dst, bad, dt),
                  (unsigned long long)cv_expect(v, dt, norm, st));
          }
        }
      }
    }
    free(src), free(dst);
  }
  /* convert_u8_norm: every byte, at each offset of a 16-byte vector, to a
     normalised float (the wasm path has no division: see elementwise.c) */
  for (int st = 1; st <= 2; st++)
    for (size_t off = 0; off < 16; off += 5) {
      uint8_t bytes[256 + 16 + 13];
      float out[256 + 16 + 13];
      size_t n = 256 + 16 + 13 - off;
      for (size_t i = 0; i < n; i++) bytes[off + i] = (uint8_t)(i * 7 + off);
      CHECK(pw_array_convert(bytes + off, n, (uint32_t)st, out, n * 4, 9, true) == PW_OK, "convert_u8_norm: status");
      size_t bad = 0;
      for (size_t i = 0; i < n; i++) bad += out[i] != (float)bytes[off + i] / 255.0f;
      CHECK(bad == 0, "convert_u8_norm: type %d offset %zu: %zu floats differ from x / 255.0f", st, off, bad);
    }
  /* every value of each 8- and 16-bit type, normalised to Float32 and
     Float64, plain too: the division (and -1 for the most negative value)
     as the generic loop does it, bit for bit */
  {
    static const struct { int type; int32_t lo, hi; double max; } all[] = {
        {0, -128, 127, 127.0}, {1, 0, 255, 255.0}, {2, 0, 255, 255.0}, {3, -32768, 32767, 32767.0}, {4, 0, 65535, 65535.0}};
    for (size_t t = 0; t < sizeof all / sizeof all[0]; t++) {
      size_t n = (size_t)(all[t].hi - all[t].lo + 1), w = cv_bytes[all[t].type];
      unsigned char *in = xmalloc(n * w);
      double *d = xmalloc(n * 8);
      float *f = xmalloc(n * 4);
      for (size_t i = 0; i < n; i++) {
        int32_t v = all[t].lo + (int32_t)i;
        if (w == 1) in[i] = (unsigned char)v;
        else {
          uint16_t h = (uint16_t)v;
          memcpy(in + 2 * i, &h, 2);
        }
      }
      for (int norm = 0; norm < 2; norm++) {
        CHECK(pw_array_convert(in, n * w, (uint32_t)all[t].type, d, n * 8, 10, norm) == PW_OK, "convert all: status");
        CHECK(pw_array_convert(in, n * w, (uint32_t)all[t].type, f, n * 4, 9, norm) == PW_OK, "convert all: status");
        size_t bad_d = 0, bad_f = 0;
        for (size_t i = 0; i < n; i++) {
          double v = all[t].lo + (int32_t)i, wd = norm ? v / all[t].max : v;
          float wf = norm ? (float)v / (float)all[t].max : (float)v;
          if (norm && wd < -1) wd = -1;
          if (norm && wf < -1) wf = -1;
          bad_d += d[i] != wd, bad_f += f[i] != wf;
        }
        CHECK(bad_d == 0 && bad_f == 0, "convert all values of type %d norm=%d: %zu doubles, %zu floats differ",
              all[t].type, norm, bad_d, bad_f);
      }
      free(in), free(d), free(f);
    }
  }
  CHECK(pw_array_convert(NULL, 0, 11, NULL, 0, 0, false) == PW_EINVAL, "convert: bad source code");
  CHECK(pw_array_convert(NULL, 0, 0, NULL, 0, 99, false) == PW_EINVAL, "convert: bad destination code");
  uint8_t b3[3];
  float f2[2];
  CHECK(pw_array_convert(f2, 6, 9, b3, 3, 1, false) == PW_EINVAL, "convert: src bytes not whole elements");
  CHECK(pw_array_convert(f2, 8, 9, b3, 3, 1, false) == PW_EINVAL, "convert: dst length differs");
}

/* ---------------------------------------------------------------------- */
/* Matrices                                                               */
/* ---------------------------------------------------------------------- */

static int same_float_or_nan(double a, double b) { return (a != a && b != b) || a == b; }

#define TEST_MATMUL(T, s, EPS)                                                 \
  static void test_matmul_##s(void) {                                          \
    uint64_t seed = 9800 + sizeof(T);                                          \
    static const size_t shapes[][3] = {{1, 1, 1}, {0, 3, 2}, {3, 0, 2}, {2, 3, 0}, {5, 7, 3}, \
                                       {4, 8, 8}, {65, 257, 9}, {67, 300, 33}, {3, 1000, 1030}, \
                                       {130, 513, 70}};                        \
    for (size_t si = 0; si < sizeof shapes / sizeof *shapes; si++) {           \
      size_t m = shapes[si][0], k = shapes[si][1], n = shapes[si][2];          \
      T *a = xmalloc((m * k + 1) * sizeof(T)), *b = xmalloc((k * n + 1) * sizeof(T)); \
      T *c[THREAD_RUNS], *want = xmalloc((m * n + 1) * sizeof(T));             \
      for (size_t i = 0; i < m * k; i++) a[i] = (T)((double)(splitmix64(&seed) >> 11) * 0x1p-52 - 1.0); \
      for (size_t i = 0; i < k * n; i++) b[i] = (T)((double)(splitmix64(&seed) >> 11) * 0x1p-52 - 1.0); \
      if (si == 4) a[3] = (T)NAN, b[5] = (T)INFINITY;                          \
      for (size_t i = 0; i < m; i++)                                           \
        for (size_t j = 0; j < n; j++) {                                       \
          T acc = 0;                                                           \
          for (size_t p = 0; p < k; p++) {                                     \
            volatile T prod = a[i * k + p] * b[p * n + j];                     \
            acc = acc + prod;                                                  \
          }                                                                    \
          want[i * n + j] = acc;                                               \
        }                                                                      \
      for (int run = 0; run < THREAD_RUNS; run++) {                            \
        set_threads(run);                                                      \
        c[run] = xmalloc((m * n + 1) * sizeof(T));                             \
        memset(c[run], 0x7f, (m * n + 1) * sizeof(T));                         \
        pw_status st = pw_array_matmul_##s(a, m * k, b, k * n, c[run], m * n, m, k, n); \
        CHECK(st == PW_OK, #s " matmul %zux%zux%zu: status %d", m, k, n, st);  \
        size_t bad = SIZE_MAX;                                                 \
        for (size_t i = 0; i < m * n && bad == SIZE_MAX; i++)                  \
          if (!same_float_or_nan(c[run][i], want[i]) || (c[run][i] == 0 && signbit(c[run][i]) != signbit(want[i]))) bad = i; \
        CHECK(bad == SIZE_MAX, #s " matmul %zux%zux%zu run %d: differs from the plain loop at %zu", m, k, n, run, bad); \
      }                                                                        \
      set_threads(0);                                                          \
      /* the plain loop itself against long double: the documented error */   \
      if (si != 4) {                                                           \
        size_t bad = SIZE_MAX;                                                 \
        for (size_t i = 0; i < m && bad == SIZE_MAX; i++)                      \
          for (size_t j = 0; j < n; j++) {                                     \
            long double r = 0, mag = 0;                                        \
            for (size_t p = 0; p < k; p++) {                                   \
              r += (long double)a[i * k + p] * b[p * n + j];                   \
              mag += fabsl((long double)a[i * k + p] * b[p * n + j]);          \
            }                                                                  \
            if (fabsl((long double)c[0][i * n + j] - r) > (long double)(k + 1) * EPS * mag) bad = i * n + j; \
          }                                                                    \
        CHECK(bad == SIZE_MAX, #s " matmul %zux%zux%zu: beyond k eps sum|ab| at %zu", m, k, n, bad); \
      }                                                                        \
      for (int run = 0; run < THREAD_RUNS; run++) free(c[run]);                \
      free(a), free(b), free(want);                                            \
    }                                                                          \
    T a6[6] = {0}, b6[6] = {0}, c4[4];                                         \
    CHECK(pw_array_matmul_##s(a6, 5, b6, 6, c4, 4, 2, 3, 2) == PW_EINVAL, #s " matmul: a length"); \
    CHECK(pw_array_matmul_##s(a6, 6, b6, 5, c4, 4, 2, 3, 2) == PW_EINVAL, #s " matmul: b length"); \
    CHECK(pw_array_matmul_##s(a6, 6, b6, 6, c4, 3, 2, 3, 2) == PW_EINVAL, #s " matmul: c length"); \
    CHECK(pw_array_matmul_##s(a6, 6, b6, 6, c4, 4, 2, 3, 2) == PW_OK, #s " matmul 2x3x2"); \
  }
TEST_MATMUL(float, f32, 0x1p-24L)
TEST_MATMUL(double, f64, 0x1p-53L)

#define TEST_MATVEC(T, s)                                                      \
  static void test_matvec_##s(void) {                                          \
    uint64_t seed = 9900 + sizeof(T);                                          \
    static const size_t shapes[][2] = {{1, 1}, {0, 5}, {5, 0}, {3, 7}, {9, 8}, {1000, 37}, {70000, 17}, {5, 100001}}; \
    for (size_t si = 0; si < sizeof shapes / sizeof *shapes; si++) {          \
      size_t m = shapes[si][0], n = shapes[si][1];                             \
      T *a = xmalloc((m * n + 1) * sizeof(T)), *x = xmalloc((n + 1) * sizeof(T)); \
      T *y = xmalloc((m + 1) * sizeof(T)), *want = xmalloc((m + 1) * sizeof(T)); \
      for (size_t i = 0; i < m * n; i++) a[i] = (T)((double)(splitmix64(&seed) >> 11) * 0x1p-52 - 1.0); \
      for (size_t i = 0; i < n; i++) x[i] = (T)((double)(splitmix64(&seed) >> 11) * 0x1p-50 - 2.0); \
      for (size_t i = 0; i < m; i++) {                                         \
        T l[8] = {0, 0, 0, 0, 0, 0, 0, 0};                                     \
        for (size_t j = 0; j < n; j++) {                                       \
          volatile T prod = a[i * n + j] * x[j];                               \
          l[j % 8] = l[j % 8] + prod;                                          \
        }                                                                      \
        want[i] = ((l[0] + l[4]) + (l[2] + l[6])) + ((l[1] + l[5]) + (l[3] + l[7])); \
      }                                                                        \
      for (int run = 0; run < THREAD_RUNS; run++) {                            \
        set_threads(run);                                                      \
        pw_status st = pw_array_matvec_##s(a, m * n, x, n, y, m);              \
        CHECK(st == PW_OK && (m == 0 || memcmp(y, want, m * sizeof(T)) == 0),  \
              #s " matvec %zux%zu run %d", m, n, run);                         \
      }                                                                        \
      set_threads(0);                                                          \
      free(a), free(x), free(y), free(want);                                   \
    }                                                                          \
    T a6[6] = {0}, x3[3] = {0}, y2[2];                                         \
    CHECK(pw_array_matvec_##s(a6, 5, x3, 3, y2, 2) == PW_EINVAL, #s " matvec shape"); \
  }
TEST_MATVEC(float, f32)
TEST_MATVEC(double, f64)

#define TEST_TRANSPOSE(T, s)                                                   \
  static void test_transpose_##s(void) {                                       \
    uint64_t seed = 9950 + sizeof(T);                                          \
    static const size_t shapes[][2] = {{1, 1}, {0, 3}, {3, 0}, {1, 7}, {7, 1}, {4, 4}, {6, 37}, {37, 6}, {31, 33}, {64, 64}, {1000, 517}}; \
    for (size_t si = 0; si < sizeof shapes / sizeof *shapes; si++) {          \
      size_t r = shapes[si][0], c = shapes[si][1];                             \
      T *a = xmalloc((r * c + 1) * sizeof(T)), *o = xmalloc((r * c + 1) * sizeof(T)); \
      gen_##s(a + 1, r * c, SH_BITS, &seed);                                   \
      CHECK(pw_array_transpose_##s(a + 1, r * c, o, r, c) == PW_OK, #s " transpose status"); \
      size_t bad = SIZE_MAX;                                                   \
      for (size_t i = 0; i < r && bad == SIZE_MAX; i++)                        \
        for (size_t j = 0; j < c; j++)                                         \
          if (memcmp(&o[j * r + i], &a[1 + i * c + j], sizeof(T))) bad = i;    \
      CHECK(bad == SIZE_MAX, #s " transpose %zux%zu", r, c);                   \
      free(a), free(o);                                                        \
    }                                                                          \
    T a6[6], o6[6];                                                            \
    CHECK(pw_array_transpose_##s(a6, 6, o6, 4, 2) == PW_EINVAL, #s " transpose shape"); \
  }
PW_ARRAY_TYPES(TEST_TRANSPOSE)

/* ---------------------------------------------------------------------- */

#define RUN_SORT_TEST_(T, s) test_sort_##s(); test_sort_presorted_##s(); test_sort_nested_##s(); test_sort_few_wide_##s(); test_sort_digits_##s(); test_sort_near_##s();
#define RUN_TRANSPOSE_TEST_(T, s) test_transpose_##s();
#define RUN_CLAMP_TEST_(T, s) test_clamp_##s();
#define RUN_HIST_TEST_(T, s) test_hist_##s();
#define RUN_CUMSUM_TEST_(T, s) test_cumsum_##s();
#define RUN_SEARCH_TEST_(T, s) test_search_##s();
#define RUN_MINMAX_TEST_(T, s) test_minmax_##s();
#define RUN_SELECT_TEST_(T, s) test_select_##s();

int main(void) {
  PW_ARRAY_TYPES(RUN_SORT_TEST_)
  test_sort_nan_bits();
  PW_ARRAY_TYPES(RUN_SELECT_TEST_)
  test_quantiles_many();
  PW_ARRAY_TYPES(RUN_SEARCH_TEST_)
  test_reduce_f32();
  test_reduce_f64();
  test_norm_range();
  test_sum_blocks_f32();
  test_sum_blocks_i32();
  test_norm_nan_lanes();
  test_dot_special_f32();
  test_dot_special_f64();
  test_wide_range_f64();
  test_wide_cumsum_f64();
  test_isum_i8(), test_isum_u8(), test_isum_i16(), test_isum_u16();
  test_isum_i32(), test_isum_u32(), test_isum_i64(), test_isum_u64();
  test_isum_wide();
  PW_ARRAY_TYPES(RUN_MINMAX_TEST_)
  test_ivar_i8(), test_ivar_u8(), test_ivar_i16(), test_ivar_u16();
  test_ivar_i32(), test_ivar_u32(), test_ivar_i64(), test_ivar_u64();
  PW_ARRAY_TYPES(RUN_CUMSUM_TEST_)
  test_cumsum_clamped();
  PW_ARRAY_TYPES(RUN_HIST_TEST_)
  test_hist_edges_exact();
  test_axpy_f32();
  test_axpy_f64();
  PW_ARRAY_TYPES(RUN_CLAMP_TEST_)
  test_clamp_nan();
  test_convert();
  test_convert64();
  test_convert_u64_f32();
  test_matmul_f32();
  test_matmul_f64();
  test_matvec_f32();
  test_matvec_f64();
  PW_ARRAY_TYPES(RUN_TRANSPOSE_TEST_)
  return test_summary("test_array");
}
