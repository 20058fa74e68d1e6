/*
 * reduce.c — sum, mean, variance, std, min, max (with argmin/argmax), dot
 * and norm (parawasm/array.h).
 *
 * Determinism. Every reduction goes through pwa_reduce (internal.h): the
 * chunks depend on n and the element size only, each chunk folds into its
 * own partial, and the partials are joined in chunk order. Inside a chunk
 * the float reductions use 8 lanes (lane l takes elements begin + l,
 * begin + l + 8, ...; a tail of r < 8 elements goes to lanes 0..r-1), and
 * the lanes are folded in a fixed order. The wasm SIMD path holds lanes
 * 2l and 2l+1 in one f64x2 and performs the same IEEE operations in the
 * same order as the portable path, so both give the same bits (and no
 * build may contract a*b+c into an FMA: the Makefile compiles as ISO C11,
 * where GCC does not contract, and clang does not by default for wasm).
 *
 * Compensated sums (Ogita, Rump and Oishi's Sum2). Each addition s + v is
 * done with Knuth's TwoSum, which also yields its rounding error e exactly
 * (s + v = t + e, 6 flops, no branch); the errors are summed plainly in a
 * second accumulator c, and the result is s + c. The error bound is that
 * of a sum in twice the precision, then rounded:
 *     |result - sum| <= eps |sum| + gamma(N)^2 sum|x[i]|,
 *     eps = 2^-53, gamma(N) = N eps / (1 - N eps), N = n + 8200
 * (N counts the additions of the error accumulator: one per element, two
 * per lane and chunk fold). With 8 lanes the dependency chains are 8
 * TwoSums long, and the wasm SIMD loop reads memory at about the speed of
 * a plain sum (see test/bench/native_array.c).
 * If s ends infinite or NaN, the result is s: Inf with an Inf element (the
 * error terms are then NaN and meaningless), NaN with a NaN or with both
 * infinities.
 *
 * Integer sums are exact: 8- to 32-bit elements in a 64-bit accumulator;
 * 64-bit elements split in 32-bit halves, each half summed in 64 bits
 * (no overflow below 2^32 elements a chunk), and joined in 128 bits.
 *
 * Variance: blocks of 2048 elements, each in two passes while it is in
 * cache (mean, then the sum of squared deviations, both in 8 plain
 * lanes), merged with Chan-Golub-LeVeque's pairwise update, chunks too.
 * Two passes per block avoid the cancellation of the one-pass
 * sum-of-squares formula; the pairwise merge keeps the error growth
 * logarithmic in the number of blocks.
 *
 * min/max: a first pass over a chunk finds the extreme value (a plain
 * loop the compiler vectorises; NaN noted apart), a second, while the
 * chunk is in cache, the first index holding it (for floats, the first
 * NaN if there is one, and the first -0 before any +0 for a minimum of
 * zero). Chunks are joined in order, a later chunk winning only when
 * strictly better, so the index is the first in the whole array.
 *
 * float sums take blocks of 256 whose total is exact in double plainly
 * (see exact_block_f32); the rest as above.
 *
 * dot: the products of elements i and i + 8 added (rounded once) before
 * the compensated sum (see CDOT_BODY).
 *
 * norm: the compensated sum of squares, with FastTwoSum (the terms are
 * non-negative, so the larger is known; see sum2_add_pos) and, for
 * double, the squares of elements i and i + 8 added (rounded) before they
 * enter lane i: 2.5 * 2^-53 relative at most, half the flops. If it is not finite, or below
 * 2^-900 (where squares of small elements lose bits to underflow), a
 * second pass finds the largest magnitude (and Inf/NaN, Math.hypot's
 * rules), and a third sums the squares of the elements scaled by the
 * power of two that brings that magnitude into [0.5, 1).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define LANES 8
#define VAR_BLOCK 2048

/* ------------------------------------------------------------------------ */
/* Compensated lanes                                                        */
/* ------------------------------------------------------------------------ */

/* a + b = *s + *e exactly (Knuth's TwoSum). */
PW_INLINE void two_sum(double a, double b, double *s, double *e) {
  double t = a + b, z = t - a;
  *e = (a - (t - z)) + (b - z);
  *s = t;
}

/* Lane l of (s, c) adds v. */
PW_INLINE void sum2_add(double *s, double *c, double v) {
  double t = *s + v, z = t - *s;
  *c += (*s - (t - z)) + (v - z);
  *s = t;
}

/*
 * Lane l of (s, c) adds v >= 0 (or NaN) to s >= 0: the squares of norm.
 * With both terms non-negative the larger is known by comparing them, so
 * the rounding error of t = s + v is Dekker's FastTwoSum lo - (t - hi)
 * (hi, lo the larger and the smaller): the same t and e as TwoSum with 3
 * additions instead of 6, and the comparisons are off the chain from one s
 * to the next. A NaN v makes t NaN for good; an infinite t makes e NaN.
 * Either way the sum is not finite and norm takes its careful path.
 */
PW_INLINE void sum2_add_pos(double *s, double *c, double v) {
  double t = *s + v, hi = v < *s ? *s : v, lo = *s < v ? *s : v;
  *c += lo - (t - hi);
  *s = t;
}

/* Folds 8 compensated lanes into (*S, *C), in lane order. */
static void sum2_fold(const double *s, const double *c, double *S, double *C) {
  double S0 = s[0], C0 = c[0], e;
  for (int l = 1; l < LANES; l++) {
    two_sum(S0, s[l], &S0, &e);
    C0 += c[l];
    C0 += e;
  }
  *S = S0;
  *C = C0;
}

/* (acc) += (S, C): the join of two compensated partials. */
PW_INLINE void sum2_join(double *acc, double S, double C) {
  double e;
  two_sum(acc[0], S, &acc[0], &e);
  acc[1] += C;
  acc[1] += e;
}

/* The value of a compensated pair. */
PW_INLINE double sum2_value(const double *acc) {
  return isfinite(acc[0]) ? acc[0] + acc[1] : acc[0];
}

#ifdef __wasm_simd128__
/* Lanes (2j, 2j+1) of (s, c) add v. */
PW_INLINE void sum2_add_v(v128_t *s, v128_t *c, v128_t v) {
  v128_t t = wasm_f64x2_add(*s, v), z = wasm_f64x2_sub(t, *s);
  v128_t e = wasm_f64x2_add(wasm_f64x2_sub(*s, wasm_f64x2_sub(t, z)), wasm_f64x2_sub(v, z));
  *c = wasm_f64x2_add(*c, e);
  *s = t;
}
/* sum2_add_pos on lanes (2j, 2j+1) (pmax and pmin are v < s ? s : v, s < v ? s : v). */
PW_INLINE void sum2_add_pos_v(v128_t *s, v128_t *c, v128_t v) {
  v128_t t = wasm_f64x2_add(*s, v), hi = wasm_f64x2_pmax(v, *s), lo = wasm_f64x2_pmin(v, *s);
  *c = wasm_f64x2_add(*c, wasm_f64x2_sub(lo, wasm_f64x2_sub(t, hi)));
  *s = t;
}
PW_INLINE void lanes_store(double *s, double *c, const v128_t *vs, const v128_t *vc) {
  for (int j = 0; j < 4; j++) {
    wasm_v128_store(s + 2 * j, vs[j]);
    wasm_v128_store(c + 2 * j, vc[j]);
  }
}
/* The two doubles of floats 2h and 2h+1 of v. */
#define PROMOTE_LO(v) wasm_f64x2_promote_low_f32x4(v)
#define PROMOTE_HI(v) wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(v, v, 2, 3, 2, 3))
/* The doubles of the two floats at p (one 64-bit load, no shuffle). */
#define PROMOTE_AT(p) wasm_f64x2_promote_low_f32x4(wasm_v128_load64_zero(p))
#endif

#if !defined(__wasm_simd128__) && (defined(__GNUC__) || defined(__clang__)) && \
    !defined(PW_NO_VECTOR_EXT)
/*
 * Native builds: the 8 lanes of sum2_add_pos in GCC/clang vectors (the
 * compilers do not vectorise its comparisons from the scalar lanes). Lane
 * l is element l: the same operations, so the same bits.
 */
#define PWA_POS_VEC 1
typedef double pwa_v4d __attribute__((vector_size(32)));
typedef float pwa_v4f __attribute__((vector_size(16)));
typedef __typeof__((pwa_v4d){0} < (pwa_v4d){0}) pwa_v4m;
/* m ? a : b, lane by lane (vectors go by pointer: no vector ABI to warn of) */
#define PWA_SELECT(m, a, b) ((pwa_v4d)(((pwa_v4m)(a) & (m)) | ((pwa_v4m)(b) & ~(m))))
PW_INLINE void sum2_add_pos_v4(pwa_v4d *s, pwa_v4d *c, const pwa_v4d *v) {
  pwa_v4d t = *s + *v, hi = PWA_SELECT(*v < *s, *s, *v), lo = PWA_SELECT(*s < *v, *s, *v);
  *c += lo - (t - hi);
  *s = t;
}
PW_INLINE void pwa_load4_double(pwa_v4d *v, const double *p) { memcpy(v, p, sizeof *v); }
PW_INLINE void pwa_load4_float(pwa_v4d *v, const float *p) {
  pwa_v4f f;
  memcpy(&f, p, sizeof f);
  *v = __builtin_convertvector(f, pwa_v4d);
}
/* sum2_add on 4 lanes (the same operations, so the same bits). */
PW_INLINE void sum2_add_v4(pwa_v4d *s, pwa_v4d *c, const pwa_v4d *v) {
  pwa_v4d t = *s + *v, z = t - *s;
  *c += (*s - (t - z)) + (*v - z);
  *s = t;
}
/*
 * The compensated lanes of dot (ADD sum2_add) and norm's squares (ADD
 * sum2_add_pos, y = x) for native builds, T the element type: lanes 0-3
 * and 4-7 in two vectors of 4 (32-byte loads split fewer cache lines than
 * 64-byte ones). PAIRS: the products of elements i and i + LANES added
 * before they enter lane i, as SUM2_PAIRS_PORTABLE does.
 */
#define PAIRS_VEC(T, ADD, PAIRS, x, y, b, e, S, C)                             \
  do {                                                                         \
    pwa_v4d s_[2] = {{0}, {0}}, c_[2] = {{0}, {0}};                            \
    size_t i_ = (b);                                                           \
    for (; (PAIRS) && (e) - i_ >= 2 * LANES; i_ += 2 * LANES)                  \
      for (int h_ = 0; h_ < 2; h_++) {                                         \
        pwa_v4d v_, w_, v2_, w2_;                                              \
        pwa_load4_##T(&v_, (x) + i_ + 4 * h_);                                 \
        pwa_load4_##T(&v2_, (y) + i_ + 4 * h_);                                \
        pwa_load4_##T(&w_, (x) + i_ + LANES + 4 * h_);                         \
        pwa_load4_##T(&w2_, (y) + i_ + LANES + 4 * h_);                        \
        v_ *= v2_; /* apart: no contraction to FMA */                          \
        w_ *= w2_;                                                             \
        v_ += w_;                                                              \
        ADD##_v4(&s_[h_], &c_[h_], &v_);                                       \
      }                                                                        \
    for (; (e) - i_ >= LANES; i_ += LANES)                                     \
      for (int h_ = 0; h_ < 2; h_++) {                                         \
        pwa_v4d v_, v2_;                                                       \
        pwa_load4_##T(&v_, (x) + i_ + 4 * h_);                                 \
        pwa_load4_##T(&v2_, (y) + i_ + 4 * h_);                                \
        v_ *= v2_;                                                             \
        ADD##_v4(&s_[h_], &c_[h_], &v_);                                       \
      }                                                                        \
    double sl_[LANES], cl_[LANES];                                             \
    memcpy(sl_, s_, sizeof sl_);                                               \
    memcpy(cl_, c_, sizeof cl_);                                               \
    for (int l_ = 0; i_ < (e); i_++, l_++)                                     \
      ADD(&sl_[l_], &cl_[l_], (double)(x)[i_] * (double)(y)[i_]);              \
    sum2_fold(sl_, cl_, &(S), &(C));                                           \
  } while (0)
#endif

/*
 * Element loaders for the compensated lane loops: LD_<op>_<s>(x, y, i)
 * is the double added at position i.
 */
#define LD_SUM_f64(x, y, i) ((x)[i])
#define LD_DOT_f32(x, y, i) ((double)(x)[i] * (double)(y)[i])
#define LD_DOT_f64(x, y, i) ((x)[i] * (y)[i])
#define LD_SQ_f32(x, y, i) ((double)(x)[i] * (double)(x)[i])
#define LD_SQ_f64(x, y, i) ((x)[i] * (x)[i])
#define LD_SQS_f64(x, y, i) ((((x)[i] * (y)[0]) * (y)[1]) * (((x)[i] * (y)[0]) * (y)[1])) /* y: scales */
#define LD_SCALED_f64(x, y, i) ((x)[i] * (y)[0]) /* y: a power of two */
/*
 * A product of x and y each scaled by s; where the scaling made an element
 * 0 beside an infinite one (a 0 * Inf of elements that were not 0), the
 * product of the elements themselves: IEEE's +-Inf, as unscaled.
 */
static inline double dot_scaled_product(double x, double y, double s) {
  double p = (x * s) * (y * s);
  return p == p ? p : x * y;
}
#define LD_DOT_SCALED_f64(x, d, i) dot_scaled_product((x)[i], (d)->y[i], (d)->s) /* d: a dot_scaled */

/*
 * Portable compensated lanes over [b, e) with loader LD and lane adder ADD
 * (sum2_add, or sum2_add_pos for non-negative terms): sets (S, C).
 */
#define SUM2_PORTABLE_WITH(ADD, LD, x, y, b, e, S, C)                          \
  do {                                                                         \
    double s_[LANES] = {0}, c_[LANES] = {0};                                   \
    size_t i_ = (b);                                                           \
    for (; (e) - i_ >= LANES; i_ += LANES)                                     \
      for (int l_ = 0; l_ < LANES; l_++) ADD(&s_[l_], &c_[l_], LD(x, y, i_ + l_)); \
    for (int l_ = 0; i_ < (e); i_++, l_++) ADD(&s_[l_], &c_[l_], LD(x, y, i_)); \
    sum2_fold(s_, c_, &(S), &(C));                                             \
  } while (0)
#define SUM2_PORTABLE(LD, x, y, b, e, S, C) SUM2_PORTABLE_WITH(sum2_add, LD, x, y, b, e, S, C)

/*
 * The same with the terms of elements i and i + LANES of each block of
 * 2 LANES added (rounded) before they enter lane i: dot and norm's
 * squares of doubles. The tail goes to lanes 0, 1, ... in turn.
 */
#define SUM2_PAIRS_PORTABLE(ADD, LD, x, y, b, e, S, C)                         \
  do {                                                                         \
    double s_[LANES] = {0}, c_[LANES] = {0};                                   \
    size_t i_ = (b);                                                           \
    for (; (e) - i_ >= 2 * LANES; i_ += 2 * LANES)                             \
      for (int l_ = 0; l_ < LANES; l_++) {                                     \
        double p_ = LD(x, y, i_ + l_), q_ = LD(x, y, i_ + LANES + l_);         \
        ADD(&s_[l_], &c_[l_], p_ + q_);                                        \
      }                                                                        \
    for (int l_ = 0; i_ < (e); i_++, l_ = (l_ + 1) % LANES) ADD(&s_[l_], &c_[l_], LD(x, y, i_)); \
    sum2_fold(s_, c_, &(S), &(C));                                             \
  } while (0)

/* ------------------------------------------------------------------------ */
/* Compensated chunk sums, one function per (operation, type)               */
/* ------------------------------------------------------------------------ */

static void csum_f64(const void *xv, const void *yv, size_t b, size_t e, double *S, double *C) {
  const double *x = xv, *y = yv;
  (void)y;
#ifdef __wasm_simd128__
  v128_t s[4], c[4];
  for (int j = 0; j < 4; j++) s[j] = c[j] = wasm_f64x2_splat(0.0);
  size_t i = b;
  for (; e - i >= LANES; i += LANES)
    for (int j = 0; j < 4; j++) sum2_add_v(&s[j], &c[j], wasm_v128_load(x + i + 2 * j));
  double sl[LANES], cl[LANES];
  lanes_store(sl, cl, s, c);
  for (int l = 0; i < e; i++, l++) sum2_add(&sl[l], &cl[l], x[i]);
  sum2_fold(sl, cl, S, C);
#else
  SUM2_PORTABLE(LD_SUM_f64, x, y, b, e, *S, *C);
#endif
}

/*
 * float sums: exact blocks. The floats of a block of XBLOCK = 256 whose
 * nonzero magnitudes lie within 2^21 of each other (biased exponents
 * emin..emax, emax - emin <= 21, subnormals counted as exponent 1, no Inf
 * or NaN) are all multiples of 2^(emin - 150) and below 2^(emax - 126), so
 * every partial sum of them, in any order, is below 2^(emax - 118): at most
 * 21 + 32 = 53 bits in those units, exact in a double. Such a block is
 * summed plainly (2 flops an element, where TwoSum takes 7) and its exact
 * total goes through one TwoSum into a pair of its own; a block that fails
 * the test (or contains Inf or NaN) goes through the compensated lanes as
 * before, and after a failure the next XSKIP blocks go there without the
 * test. Which blocks take which path depends on the data only, and an
 * exact total is the same whatever order the build added it in, so the
 * result is the same in every build and for every thread count. The error
 * bound is unchanged: each element or exact block adds at most one
 * rounding error to the error accumulator, the fold and joins a fixed few.
 * Random data rarely fails the test: a uniform (-1, 1) float lies below
 * 2^-21 with probability 2^-21, which fails one block in 8000.
 */
#define XBLOCK 256
#define XSKIP 15

/* *hi: the largest magnitude's bits so far; *lo: the smallest nonzero's, minus 1. */
PW_INLINE void magnitude_range(const float *v, uint32_t *hi, uint32_t *lo) {
  uint32_t a;
  memcpy(&a, v, 4);
  a &= 0x7fffffff;
  *hi = a > *hi ? a : *hi;
  *lo = a - 1 < *lo ? a - 1 : *lo; /* 0 wraps to UINT32_MAX: left out */
}

/* The total of x[b, e) (e - b <= XBLOCK) if it is exact (see above). */
static bool exact_block_f32(const float *x, size_t b, size_t e, double *total) {
  uint32_t hi = 0, lo = UINT32_MAX; /* largest magnitude bits, smallest nonzero's minus 1 */
  double p;
  size_t i = b;
#ifdef __wasm_simd128__
  v128_t vhi = wasm_u32x4_splat(0), vlo = wasm_u32x4_splat(UINT32_MAX);
  v128_t mask = wasm_u32x4_splat(0x7fffffff), one = wasm_u32x4_splat(1);
  v128_t acc[4];
  for (int j = 0; j < 4; j++) acc[j] = wasm_f64x2_splat(0.0);
  for (; e - i >= 8; i += 8) {
    v128_t v0 = wasm_v128_load(x + i), v1 = wasm_v128_load(x + i + 4);
    v128_t a0 = wasm_v128_and(v0, mask), a1 = wasm_v128_and(v1, mask);
    vhi = wasm_u32x4_max(vhi, wasm_u32x4_max(a0, a1));
    vlo = wasm_u32x4_min(vlo, wasm_u32x4_min(wasm_i32x4_sub(a0, one), wasm_i32x4_sub(a1, one)));
    acc[0] = wasm_f64x2_add(acc[0], PROMOTE_LO(v0));
    acc[1] = wasm_f64x2_add(acc[1], PROMOTE_HI(v0));
    acc[2] = wasm_f64x2_add(acc[2], PROMOTE_LO(v1));
    acc[3] = wasm_f64x2_add(acc[3], PROMOTE_HI(v1));
  }
  uint32_t h[4], m[4];
  wasm_v128_store(h, vhi);
  wasm_v128_store(m, vlo);
  for (int l = 0; l < 4; l++) {
    hi = h[l] > hi ? h[l] : hi;
    lo = m[l] < lo ? m[l] : lo;
  }
  v128_t t = wasm_f64x2_add(wasm_f64x2_add(acc[0], acc[1]), wasm_f64x2_add(acc[2], acc[3]));
  p = wasm_f64x2_extract_lane(t, 0) + wasm_f64x2_extract_lane(t, 1);
  for (; i < e; i++) {
    magnitude_range(x + i, &hi, &lo);
    p += x[i];
  }
#else
  /* two loops over the block (in cache): compilers vectorise both */
  for (; i < e; i++) magnitude_range(x + i, &hi, &lo);
  double acc[LANES] = {0};
  for (i = b; e - i >= LANES; i += LANES)
    for (int l = 0; l < LANES; l++) acc[l] += x[i + l];
  p = 0;
  for (int l = 0; l < LANES; l++) p += acc[l];
  for (; i < e; i++) p += x[i];
#endif
  uint32_t emax = hi >> 23, emin = (lo + 1) >> 23; /* all zero: lo + 1 wraps to 0 */
  if (emin < 1) emin = 1;
  if (emax > 254 || emax > emin + 21) return false;
  *total = p;
  return true;
}

/*
 * The compensated lanes of csum_f32 over [b, e), in place in (s, c). The
 * wasm build stops before a tail of fewer than 8 (only the chunk's last
 * block has one) and returns where it stopped; its caller adds the tail
 * to lanes 0..r-1 once the lanes are stored.
 */
#ifdef __wasm_simd128__
static size_t lanes_f32(const float *x, size_t b, size_t e, v128_t *s, v128_t *c) {
  size_t i = b;
  for (; e - i >= LANES; i += LANES)
    for (int j = 0; j < 4; j++) sum2_add_v(&s[j], &c[j], PROMOTE_AT(x + i + 2 * j));
  return i;
}
#else
static void lanes_f32(const float *x, size_t b, size_t e, double *s, double *c) {
  size_t i = b;
  for (; e - i >= LANES; i += LANES)
    for (int l = 0; l < LANES; l++) sum2_add(&s[l], &c[l], x[i + l]);
  for (int l = 0; i < e; i++, l++) sum2_add(&s[l], &c[l], x[i]);
}
#endif

static void csum_f32(const void *xv, const void *yv, size_t b, size_t e, double *S, double *C) {
  const float *x = xv;
  (void)yv;
  double sl[LANES] = {0}, cl[LANES] = {0}, xs = 0, xc = 0;
  bool exact_any = false;
#ifdef __wasm_simd128__
  v128_t s[4], c[4];
  for (int j = 0; j < 4; j++) s[j] = c[j] = wasm_f64x2_splat(0.0);
  size_t tail = e; /* where lanes_f32 left a tail */
#endif
  int skip = 0;
  for (size_t i = b; i < e; i += XBLOCK) {
    size_t len = e - i < XBLOCK ? e - i : XBLOCK;
    double total;
    if (skip > 0) {
      skip--;
    } else if (exact_block_f32(x, i, i + len, &total)) {
      sum2_add(&xs, &xc, total);
      exact_any = true;
      continue;
    } else {
      skip = XSKIP;
    }
#ifdef __wasm_simd128__
    size_t stop = lanes_f32(x, i, i + len, s, c);
    if (stop < i + len) tail = stop; /* the last block only */
#else
    lanes_f32(x, i, i + len, sl, cl);
#endif
  }
#ifdef __wasm_simd128__
  lanes_store(sl, cl, s, c);
  for (int l = 0; tail < e; tail++, l++) sum2_add(&sl[l], &cl[l], x[tail]);
#endif
  sum2_fold(sl, cl, S, C);
  if (exact_any) {
    double acc[2] = {*S, *C};
    sum2_join(acc, xs, xc);
    *S = acc[0], *C = acc[1];
  }
}

/*
 * dot: the products of elements i and i + 8 added (rounded) before they
 * enter lane i, as norm does with squares: half the TwoSums. Doubles'
 * products round anyway, and the pair's one more rounding (at most 2^-53
 * of |x[i] y[i]| + |x[i+8] y[i+8]|) puts the error beside the compensated
 * sum's at 2 * 2^-53 sum|x y|; floats' products are exact in double,
 * so theirs is 2^-53 sum|x y|. LD2_<s>(p): the doubles of elements p[0]
 * and p[1] in one vector.
 */
#ifdef __wasm_simd128__
#define LD2_f64(p) wasm_v128_load(p)
#define LD2_f32(p) PROMOTE_AT(p)
#define CDOT_BODY(T, s_)                                                        \
  do {                                                                         \
    v128_t s[4], c[4];                                                         \
    for (int j = 0; j < 4; j++) s[j] = c[j] = wasm_f64x2_splat(0.0);           \
    size_t i = b;                                                              \
    for (; e - i >= 2 * LANES; i += 2 * LANES)                                 \
      for (int j = 0; j < 4; j++) {                                            \
        v128_t p = wasm_f64x2_mul(LD2_##s_(x + i + 2 * j), LD2_##s_(y + i + 2 * j)); \
        v128_t q = wasm_f64x2_mul(LD2_##s_(x + i + LANES + 2 * j), LD2_##s_(y + i + LANES + 2 * j)); \
        sum2_add_v(&s[j], &c[j], wasm_f64x2_add(p, q));                        \
      }                                                                        \
    for (; e - i >= LANES; i += LANES)                                         \
      for (int j = 0; j < 4; j++)                                              \
        sum2_add_v(&s[j], &c[j], wasm_f64x2_mul(LD2_##s_(x + i + 2 * j), LD2_##s_(y + i + 2 * j))); \
    double sl[LANES], cl[LANES];                                               \
    lanes_store(sl, cl, s, c);                                                 \
    for (int l = 0; i < e; i++, l++) sum2_add(&sl[l], &cl[l], LD_DOT_##s_(x, y, i)); \
    sum2_fold(sl, cl, S, C);                                                   \
  } while (0)
#elif defined(PWA_POS_VEC)
#define CDOT_BODY(T, s_) PAIRS_VEC(T, sum2_add, 1, x, y, b, e, *S, *C)
#else
#define CDOT_BODY(T, s_) SUM2_PAIRS_PORTABLE(sum2_add, LD_DOT_##s_, x, y, b, e, *S, *C)
#endif

static void cdot_f64(const void *xv, const void *yv, size_t b, size_t e, double *S, double *C) {
  const double *x = xv, *y = yv;
  CDOT_BODY(double, f64);
}

static void cdot_f32(const void *xv, const void *yv, size_t b, size_t e, double *S, double *C) {
  const float *x = xv, *y = yv;
  CDOT_BODY(float, f32);
}

static void csq_f64(const void *xv, const void *yv, size_t b, size_t e, double *S, double *C) {
  const double *x = xv;
  (void)yv;
#ifdef __wasm_simd128__
  v128_t s[4], c[4];
  for (int j = 0; j < 4; j++) s[j] = c[j] = wasm_f64x2_splat(0.0);
  size_t i = b;
  for (; e - i >= 2 * LANES; i += 2 * LANES)
    for (int j = 0; j < 4; j++) {
      v128_t v = wasm_v128_load(x + i + 2 * j), w = wasm_v128_load(x + i + LANES + 2 * j);
      sum2_add_pos_v(&s[j], &c[j], wasm_f64x2_add(wasm_f64x2_mul(v, v), wasm_f64x2_mul(w, w)));
    }
  for (; e - i >= LANES; i += LANES)
    for (int j = 0; j < 4; j++) {
      v128_t v = wasm_v128_load(x + i + 2 * j);
      sum2_add_pos_v(&s[j], &c[j], wasm_f64x2_mul(v, v));
    }
  double sl[LANES], cl[LANES];
  lanes_store(sl, cl, s, c);
  for (int l = 0; i < e; i++, l++) sum2_add_pos(&sl[l], &cl[l], x[i] * x[i]);
  sum2_fold(sl, cl, S, C);
#elif defined(PWA_POS_VEC)
  PAIRS_VEC(double, sum2_add_pos, 1, x, x, b, e, *S, *C);
#else
  SUM2_PAIRS_PORTABLE(sum2_add_pos, LD_SQ_f64, x, yv, b, e, *S, *C);
#endif
}

static void csq_f32(const void *xv, const void *yv, size_t b, size_t e, double *S, double *C) {
  const float *x = xv, *y = yv;
  (void)y;
#ifdef __wasm_simd128__
  v128_t s[4], c[4];
  for (int j = 0; j < 4; j++) s[j] = c[j] = wasm_f64x2_splat(0.0);
  size_t i = b;
  for (; e - i >= LANES; i += LANES)
    for (int j = 0; j < 4; j++) {
      v128_t p = PROMOTE_AT(x + i + 2 * j);
      sum2_add_pos_v(&s[j], &c[j], wasm_f64x2_mul(p, p));
    }
  double sl[LANES], cl[LANES];
  lanes_store(sl, cl, s, c);
  for (int l = 0; i < e; i++, l++) sum2_add_pos(&sl[l], &cl[l], (double)x[i] * (double)x[i]);
  sum2_fold(sl, cl, S, C);
#elif defined(PWA_POS_VEC)
  PAIRS_VEC(float, sum2_add_pos, 0, x, x, b, e, *S, *C);
#else
  SUM2_PORTABLE_WITH(sum2_add_pos, LD_SQ_f32, x, y, b, e, *S, *C);
#endif
}

/* Scaled squares (the rare path of norm: portable is enough). */
static void csqs_f64(const void *xv, const void *scale, size_t b, size_t e, double *S, double *C) {
  const double *x = xv, *y = scale;
  SUM2_PORTABLE(LD_SQS_f64, x, y, b, e, *S, *C);
}

/* y of a dot product and the power of two both its arrays are scaled by. */
typedef struct {
  const double *y;
  double s;
} dot_scaled;

/* Scaled products (the rare path of a dot product that overflowed: portable is enough). */
static void cdot_scaled_f64(const void *xv, const void *dv, size_t b, size_t e, double *S, double *C) {
  const double *x = xv;
  const dot_scaled *d = dv;
  SUM2_PAIRS_PORTABLE(sum2_add, LD_DOT_SCALED_f64, x, d, b, e, *S, *C);
}

/* Scaled doubles (the rare path of a sum that overflowed: portable is enough). */
static void csum_scaled_f64(const void *xv, const void *scale, size_t b, size_t e, double *S, double *C) {
  const double *x = xv, *y = scale;
  SUM2_PORTABLE(LD_SCALED_f64, x, y, b, e, *S, *C);
}

void pwa_sum2_f64(const double *x, size_t b, size_t e, double *S, double *C) {
  csum_f64(x, NULL, b, e, S, C);
}
void pwa_sum2_scaled_f64(const double *x, size_t b, size_t e, double scale, double *S, double *C) {
  csum_scaled_f64(x, &scale, b, e, S, C);
}
void pwa_sum2_f32(const float *x, size_t b, size_t e, double *S, double *C) {
  csum_f32(x, NULL, b, e, S, C);
}
/* (in strips: an array of -0 is read whole; cancelled, the run found so far) */
size_t pwa_negzero_run_f64(const double *x, size_t n) {
  PWA_STRIPS(s, t, 0, n) {
    for (size_t i = s; i < t; i++)
      if (!(x[i] == 0 && signbit(x[i]))) return i;
  }
  return pw_cancelled() ? 0 : n;
}
size_t pwa_negzero_run_f32(const float *x, size_t n) {
  PWA_STRIPS(s, t, 0, n) {
    for (size_t i = s; i < t; i++)
      if (!(x[i] == 0 && signbit(x[i]))) return i;
  }
  return pw_cancelled() ? 0 : n;
}

/* ------------------------------------------------------------------------ */
/* Compensated reductions on the pool                                       */
/* ------------------------------------------------------------------------ */

typedef void (*csum_fn)(const void *x, const void *y, size_t b, size_t e, double *S, double *C);

typedef struct {
  const void *x, *y;
  csum_fn fn;
} cs_ctx;

static void cs_body(void *p, size_t b, size_t e, void *partial) {
  cs_ctx *c = p;
  double S, C;
  c->fn(c->x, c->y, b, e, &S, &C);
  sum2_join(partial, S, C);
}

static void cs_join(void *ctx, void *acc, const void *partial) {
  (void)ctx;
  const double *p = partial;
  sum2_join(acc, p[0], p[1]);
}

/* The compensated pair (acc[0], acc[1]) of fn over [0, n). */
static pw_status csum_run(const void *x, const void *y, size_t n, size_t item_bytes, csum_fn fn,
                          double *acc) {
  cs_ctx c = {x, y, fn};
  acc[0] = acc[1] = 0.0;
  return pwa_reduce(n, pw_grain(item_bytes), 2 * sizeof(double), cs_body, cs_join, &c, acc);
}

#define CSUM(fn) (fn)

/* ------------------------------------------------------------------------ */
/* Integer sums                                                             */
/* ------------------------------------------------------------------------ */

typedef struct {
  const void *x;
} isum_ctx;

#define ISUM_SMALL(T, s, ACC)                                                  \
  static void isum_body_##s(void *p, size_t b, size_t e, void *partial) {      \
    const T *x = ((isum_ctx *)p)->x;                                           \
    ACC acc = isum_simd_##s(x, &b, e);                                         \
    for (size_t i = b; i < e; i++) acc += (ACC)x[i];                           \
    *(ACC *)partial += acc;                                                    \
  }                                                                            \
  static void isum_join_##s(void *ctx, void *acc, const void *partial) {       \
    (void)ctx;                                                                 \
    *(ACC *)acc += *(const ACC *)partial;                                      \
  }

/*
 * The vector part of the small integer sums (wasm SIMD; 0 elsewhere, where
 * the compiler vectorises the plain loop itself): sums x[*b ..] in whole
 * vectors and advances *b past them. 8- and 16-bit elements add pairwise
 * into 32-bit lanes, widened to 64 bits every 2^16 elements (no lane can
 * overflow before); 32-bit elements widen into 64-bit lanes at once.
 */
#ifdef __wasm_simd128__
PW_INLINE int64_t lanes64_sum(v128_t v) {
  return wasm_i64x2_extract_lane(v, 0) + wasm_i64x2_extract_lane(v, 1);
}
#define ISUM_SIMD_NARROW(T, s, ACC, PAIRWISE, WIDEN_LO, WIDEN_HI, PER)         \
  PW_INLINE ACC isum_simd_##s(const T *x, size_t *bp, size_t e) {              \
    size_t i = *bp;                                                            \
    v128_t wide = wasm_i64x2_splat(0);                                         \
    while (e - i >= PER) {                                                     \
      size_t stop = e - i > 65536 ? i + 65536 : e;                             \
      v128_t acc = wasm_i32x4_splat(0);                                        \
      for (; stop - i >= PER; i += PER) acc = wasm_i32x4_add(acc, PAIRWISE(wasm_v128_load(x + i))); \
      wide = wasm_i64x2_add(wide, wasm_i64x2_add(WIDEN_LO(acc), WIDEN_HI(acc))); \
    }                                                                          \
    *bp = i;                                                                   \
    return (ACC)lanes64_sum(wide);                                             \
  }
#define PAIR_I8(v) wasm_i32x4_extadd_pairwise_i16x8(wasm_i16x8_extadd_pairwise_i8x16(v))
#define PAIR_U8(v) wasm_u32x4_extadd_pairwise_u16x8(wasm_u16x8_extadd_pairwise_u8x16(v))
#define PAIR_I16(v) wasm_i32x4_extadd_pairwise_i16x8(v)
#define PAIR_U16(v) wasm_u32x4_extadd_pairwise_u16x8(v)
ISUM_SIMD_NARROW(int8_t, i8, int64_t, PAIR_I8, wasm_i64x2_extend_low_i32x4, wasm_i64x2_extend_high_i32x4, 16)
ISUM_SIMD_NARROW(uint8_t, u8, uint64_t, PAIR_U8, wasm_u64x2_extend_low_u32x4, wasm_u64x2_extend_high_u32x4, 16)
ISUM_SIMD_NARROW(int16_t, i16, int64_t, PAIR_I16, wasm_i64x2_extend_low_i32x4, wasm_i64x2_extend_high_i32x4, 8)
ISUM_SIMD_NARROW(uint16_t, u16, uint64_t, PAIR_U16, wasm_u64x2_extend_low_u32x4, wasm_u64x2_extend_high_u32x4, 8)
/*
 * 32-bit elements: each lane adds the elements themselves, modulo 2^32,
 * and their high 16 bits (x >> 16, arithmetic for Int32), for at most
 * 65535 elements a lane. The exact sum of a lane is S = 2^16 H + L, H the
 * sum of the high halves (within 32 bits) and L that of the low halves,
 * 0 <= L < 2^32, so L = (the lane's sum modulo 2^32) - 2^16 H, modulo
 * 2^32: three operations a vector where widening to 64-bit lanes took
 * four to six (wasm/native 1.6 at 50M).
 */
#define ISUM_SIMD_32(T, s, ACC, SHR, WIDEN_LO, WIDEN_HI)                       \
  PW_INLINE ACC isum_simd_##s(const T *x, size_t *bp, size_t e) {              \
    size_t i = *bp;                                                            \
    v128_t total = wasm_i64x2_splat(0);                                        \
    while (e - i >= 8) {                                                       \
      size_t stop = e - i > (size_t)8 * 65535 ? i + (size_t)8 * 65535 : e;     \
      v128_t a[2], h[2];                                                       \
      a[0] = a[1] = h[0] = h[1] = wasm_i32x4_splat(0);                         \
      for (; stop - i >= 8; i += 8) {                                          \
        v128_t v0 = wasm_v128_load(x + i), v1 = wasm_v128_load(x + i + 4);     \
        a[0] = wasm_i32x4_add(a[0], v0), a[1] = wasm_i32x4_add(a[1], v1);      \
        h[0] = wasm_i32x4_add(h[0], SHR(v0, 16)), h[1] = wasm_i32x4_add(h[1], SHR(v1, 16)); \
      }                                                                        \
      for (int k = 0; k < 2; k++) {                                            \
        v128_t lo = wasm_i32x4_sub(a[k], wasm_i32x4_shl(h[k], 16));            \
        total = wasm_i64x2_add(total, wasm_i64x2_shl(wasm_i64x2_add(WIDEN_LO(h[k]), WIDEN_HI(h[k])), 16)); \
        total = wasm_i64x2_add(total, wasm_i64x2_add(wasm_u64x2_extend_low_u32x4(lo), wasm_u64x2_extend_high_u32x4(lo))); \
      }                                                                        \
    }                                                                          \
    *bp = i;                                                                   \
    return (ACC)lanes64_sum(total);                                            \
  }
ISUM_SIMD_32(int32_t, i32, int64_t, wasm_i32x4_shr, wasm_i64x2_extend_low_i32x4, wasm_i64x2_extend_high_i32x4)
ISUM_SIMD_32(uint32_t, u32, uint64_t, wasm_u32x4_shr, wasm_u64x2_extend_low_u32x4, wasm_u64x2_extend_high_u32x4)
#else
#define ISUM_NO_SIMD(T, s, ACC)                                                \
  PW_INLINE ACC isum_simd_##s(const T *x, size_t *bp, size_t e) {              \
    (void)x, (void)bp, (void)e;                                                \
    return 0;                                                                  \
  }
ISUM_NO_SIMD(int8_t, i8, int64_t)
ISUM_NO_SIMD(uint8_t, u8, uint64_t)
ISUM_NO_SIMD(int16_t, i16, int64_t)
ISUM_NO_SIMD(uint16_t, u16, uint64_t)
ISUM_NO_SIMD(int32_t, i32, int64_t)
ISUM_NO_SIMD(uint32_t, u32, uint64_t)
#endif

ISUM_SMALL(int8_t, i8, int64_t)
ISUM_SMALL(uint8_t, u8, uint64_t)
ISUM_SMALL(int16_t, i16, int64_t)
ISUM_SMALL(uint16_t, u16, uint64_t)
ISUM_SMALL(int32_t, i32, int64_t)
ISUM_SMALL(uint32_t, u32, uint64_t)

/*
 * 64-bit: halves summed apart (a chunk has fewer than 2^32 elements):
 * sum x = 2^32 sum hi(x) + sum lo(x), lo the low 32 bits (unsigned), hi
 * the high 32 (signed for int64). In wasm the vector part sums the
 * elements themselves (wrapping) and the high halves read as
 * (x ^ 2^63) >>> 32 = hi(x) + 2^31 (unsigned, the sign bit flipped; n 2^31
 * taken off after); sum lo(x), below n 2^32 < 2^64, is then the wrapped sum
 * less 2^32 sum hi(x), modulo 2^64. Four operations a vector of two, where
 * clang made the plain loop of i64x2.shr_s, which has no SSE instruction
 * and which V8 builds of several: the int64 sum of 1M elements (in the
 * caches) took 3.2x the native build's time.
 */
#ifdef __wasm_simd128__
/* Sums x[*bp ..] in pairs of vectors: *lo += sum lo(x), *hi += sum hi(x)
   (hi signed when `is_signed`); advances *bp. */
PW_INLINE void isum64_simd(const uint64_t *x, size_t *bp, size_t e, bool is_signed, uint64_t *lo, uint64_t *hi) {
  size_t i = *bp;
  const v128_t flip = is_signed ? wasm_i64x2_const_splat(INT64_MIN) : wasm_i64x2_splat(0);
  v128_t s0 = wasm_i64x2_splat(0), s1 = s0, h0 = s0, h1 = s0;
  for (; e - i >= 4; i += 4) {
    v128_t a = wasm_v128_load(x + i), c = wasm_v128_load(x + i + 2);
    s0 = wasm_i64x2_add(s0, a);
    s1 = wasm_i64x2_add(s1, c);
    h0 = wasm_i64x2_add(h0, wasm_u64x2_shr(wasm_v128_xor(a, flip), 32));
    h1 = wasm_i64x2_add(h1, wasm_u64x2_shr(wasm_v128_xor(c, flip), 32));
  }
  s0 = wasm_i64x2_add(s0, s1);
  h0 = wasm_i64x2_add(h0, h1);
  uint64_t sum = (uint64_t)wasm_i64x2_extract_lane(s0, 0) + (uint64_t)wasm_i64x2_extract_lane(s0, 1);
  uint64_t high = (uint64_t)wasm_i64x2_extract_lane(h0, 0) + (uint64_t)wasm_i64x2_extract_lane(h0, 1);
  if (is_signed) high -= (uint64_t)(i - *bp) << 31;
  *hi += high;
  *lo += sum - (high << 32);
  *bp = i;
}
#endif

static void isum_body_i64(void *p, size_t b, size_t e, void *partial) {
  const int64_t *x = ((isum_ctx *)p)->x;
  uint64_t lo = 0;
  int64_t hi = 0;
#ifdef __wasm_simd128__
  uint64_t high = 0;
  isum64_simd((const uint64_t *)x, &b, e, true, &lo, &high);
  hi = (int64_t)high;
#endif
  for (size_t i = b; i < e; i++) {
    lo += (uint32_t)x[i];
    hi += x[i] >> 32; /* arithmetic shift: gcc and clang */
  }
  pwa_128 acc;
  memcpy(&acc, partial, sizeof acc);
  acc = pwa_128_add(acc, pwa_128_add(pwa_128_shl32(pwa_128_i64(hi)), pwa_128_u64(lo)));
  memcpy(partial, &acc, sizeof acc);
}
static void isum_body_u64(void *p, size_t b, size_t e, void *partial) {
  const uint64_t *x = ((isum_ctx *)p)->x;
  uint64_t lo = 0, hi = 0;
#ifdef __wasm_simd128__
  isum64_simd(x, &b, e, false, &lo, &hi);
#endif
  for (size_t i = b; i < e; i++) {
    lo += (uint32_t)x[i];
    hi += x[i] >> 32;
  }
  pwa_128 acc;
  memcpy(&acc, partial, sizeof acc);
  acc = pwa_128_add(acc, pwa_128_add(pwa_128_shl32(pwa_128_u64(hi)), pwa_128_u64(lo)));
  memcpy(partial, &acc, sizeof acc);
}
static void isum_join_128(void *ctx, void *acc, const void *partial) {
  (void)ctx;
  pwa_128 a, p;
  memcpy(&a, acc, sizeof a);
  memcpy(&p, partial, sizeof p);
  a = pwa_128_add(a, p);
  memcpy(acc, &a, sizeof a);
}

/*
 * The exact sum of an integer array in 128 bits, two's complement (a sum
 * of unsigned 64-bit elements, below 2^128, is read as unsigned).
 */
static pwa_128 isum128(const void *x, size_t n, int width, int kind) {
  isum_ctx c = {x};
  size_t g = pw_grain((size_t)width / 8);
  switch (width * 2 + (kind == PWA_SINT)) {
#define ISUM_CASE(W, s, ACC, WIDEN)                                            \
  case W * 2 + (PWA_KIND_##s == PWA_SINT): {                                   \
    ACC acc = 0;                                                               \
    pwa_reduce(n, g, sizeof acc, isum_body_##s, isum_join_##s, &c, &acc);      \
    return WIDEN(acc);                                                         \
  }
    ISUM_CASE(8, i8, int64_t, pwa_128_i64)
    ISUM_CASE(8, u8, uint64_t, pwa_128_u64)
    ISUM_CASE(16, i16, int64_t, pwa_128_i64)
    ISUM_CASE(16, u16, uint64_t, pwa_128_u64)
    ISUM_CASE(32, i32, int64_t, pwa_128_i64)
    ISUM_CASE(32, u32, uint64_t, pwa_128_u64)
#undef ISUM_CASE
  case 64 * 2 + 1: {
    pwa_128 acc = {0, 0};
    pwa_reduce(n, g, sizeof acc, isum_body_i64, isum_join_128, &c, &acc);
    return acc;
  }
  default: {
    pwa_128 acc = {0, 0};
    pwa_reduce(n, g, sizeof acc, isum_body_u64, isum_join_128, &c, &acc);
    return acc;
  }
  }
}

static pw_u128 to_pw_u128(pwa_128 v) {
  pw_u128 r = {v.lo, v.hi};
  return r;
}

/*
 * The mean of an integer array from its exact sum S: q + r / n with q, r
 * from |S| / n (truncated), the sign put back; q is rounded once to double.
 */
static double imean(pwa_128 S, size_t n, int is_u64) {
  if (n == 0) return NAN;
  bool neg = !is_u64 && pwa_128_negative(S);
  pwa_128 q;
  uint64_t r;
  pwa_128_divmod(neg ? pwa_128_neg(S) : S, (uint64_t)n, &q, &r);
  double m = pwa_128_to_double(q) + (double)r / (double)n;
  return neg ? -m : m;
}

/* ------------------------------------------------------------------------ */
/* Variance                                                                 */
/* ------------------------------------------------------------------------ */

/* A partial: count, mean, sum of squared deviations. */
typedef struct {
  double n, mean, m2;
} var_part;

/* a (+)= b (Chan, Golub and LeVeque). */
PW_INLINE void var_merge(var_part *a, double nb, double mb, double m2b) {
  if (nb == 0) return;
  if (a->n == 0) {
    a->n = nb, a->mean = mb, a->m2 = m2b;
    return;
  }
  double n = a->n + nb, d = mb - a->mean;
  a->mean += d * (nb / n);
  a->m2 += m2b + d * d * (a->n * nb / n);
  a->n = n;
}

/* The plain 8-lane fold used by variance (and matvec's documentation). */
PW_INLINE double lanes8_fold(const double *s) {
  return ((s[0] + s[4]) + (s[2] + s[6])) + ((s[1] + s[5]) + (s[3] + s[7]));
}

#define VAR_BLOCK_PORTABLE(T, s)                                               \
  static void var_block_##s(const void *xv, size_t b, size_t e, double *mean, double *m2) { \
    const T *x = xv;                                                           \
    double acc[LANES] = {0};                                                   \
    size_t i = b;                                                              \
    for (; e - i >= LANES; i += LANES)                                         \
      for (int l = 0; l < LANES; l++) acc[l] += (double)x[i + l];              \
    for (int l = 0; i < e; i++, l++) acc[l] += (double)x[i];                   \
    double m = lanes8_fold(acc) / (double)(e - b);                             \
    for (int l = 0; l < LANES; l++) acc[l] = 0;                                \
    for (i = b; e - i >= LANES; i += LANES)                                    \
      for (int l = 0; l < LANES; l++) {                                        \
        double d = (double)x[i + l] - m;                                       \
        acc[l] += d * d;                                                       \
      }                                                                        \
    for (int l = 0; i < e; i++, l++) {                                         \
      double d = (double)x[i] - m;                                             \
      acc[l] += d * d;                                                         \
    }                                                                          \
    *mean = m;                                                                 \
    *m2 = lanes8_fold(acc);                                                    \
  }
VAR_BLOCK_PORTABLE(int8_t, i8)
VAR_BLOCK_PORTABLE(uint8_t, u8)
VAR_BLOCK_PORTABLE(int16_t, i16)
VAR_BLOCK_PORTABLE(uint16_t, u16)
VAR_BLOCK_PORTABLE(int32_t, i32)
VAR_BLOCK_PORTABLE(uint32_t, u32)
VAR_BLOCK_PORTABLE(int64_t, i64)
VAR_BLOCK_PORTABLE(uint64_t, u64)
#ifndef __wasm_simd128__
VAR_BLOCK_PORTABLE(float, f32)
VAR_BLOCK_PORTABLE(double, f64)
#else
/* The same operations, lanes (2j, 2j+1) in one vector. */
#define VAR_BLOCK_SIMD(T, s, LOAD4)                                            \
  static void var_block_##s(const void *xv, size_t b, size_t e, double *mean, double *m2) { \
    const T *x = xv;                                                           \
    v128_t v[4], a[4];                                                         \
    double acc[LANES];                                                         \
    for (int j = 0; j < 4; j++) a[j] = wasm_f64x2_splat(0.0);                  \
    size_t i = b;                                                              \
    for (; e - i >= LANES; i += LANES) {                                       \
      LOAD4(x + i, v);                                                         \
      for (int j = 0; j < 4; j++) a[j] = wasm_f64x2_add(a[j], v[j]);           \
    }                                                                          \
    for (int j = 0; j < 4; j++) wasm_v128_store(acc + 2 * j, a[j]);            \
    for (int l = 0; i < e; i++, l++) acc[l] += (double)x[i];                   \
    double m = lanes8_fold(acc) / (double)(e - b);                             \
    v128_t mv = wasm_f64x2_splat(m);                                           \
    for (int j = 0; j < 4; j++) a[j] = wasm_f64x2_splat(0.0);                  \
    for (i = b; e - i >= LANES; i += LANES) {                                  \
      LOAD4(x + i, v);                                                         \
      for (int j = 0; j < 4; j++) {                                            \
        v128_t d = wasm_f64x2_sub(v[j], mv);                                   \
        a[j] = wasm_f64x2_add(a[j], wasm_f64x2_mul(d, d));                     \
      }                                                                        \
    }                                                                          \
    for (int j = 0; j < 4; j++) wasm_v128_store(acc + 2 * j, a[j]);            \
    for (int l = 0; i < e; i++, l++) {                                         \
      double d = (double)x[i] - m;                                             \
      acc[l] += d * d;                                                         \
    }                                                                          \
    *mean = m;                                                                 \
    *m2 = lanes8_fold(acc);                                                    \
  }
#define LOAD4_F64(p, v)                                                        \
  do {                                                                         \
    for (int j_ = 0; j_ < 4; j_++) v[j_] = wasm_v128_load((p) + 2 * j_);       \
  } while (0)
#define LOAD4_F32(p, v)                                                        \
  do {                                                                         \
    v128_t q0_ = wasm_v128_load(p), q1_ = wasm_v128_load((p) + 4);             \
    v[0] = PROMOTE_LO(q0_), v[1] = PROMOTE_HI(q0_);                            \
    v[2] = PROMOTE_LO(q1_), v[3] = PROMOTE_HI(q1_);                            \
  } while (0)
VAR_BLOCK_SIMD(float, f32, LOAD4_F32)
VAR_BLOCK_SIMD(double, f64, LOAD4_F64)
#endif

typedef struct {
  const void *x;
  void (*block)(const void *x, size_t b, size_t e, double *mean, double *m2);
} var_ctx;

static void var_body(void *p, size_t b, size_t e, void *partial) {
  var_ctx *c = p;
  var_part acc = {0, 0, 0};
  for (size_t i = b; i < e; i += VAR_BLOCK) {
    size_t stop = e - i > VAR_BLOCK ? i + VAR_BLOCK : e;
    double m, m2;
    c->block(c->x, i, stop, &m, &m2);
    var_merge(&acc, (double)(stop - i), m, m2);
  }
  var_merge(partial, acc.n, acc.mean, acc.m2);
}

static void var_join(void *ctx, void *acc, const void *partial) {
  (void)ctx;
  const var_part *p = partial;
  var_merge(acc, p->n, p->mean, p->m2);
}

static double variance_any(const void *x, size_t n, uint32_t ddof, size_t size,
                           void (*block)(const void *, size_t, size_t, double *, double *)) {
  if ((uint64_t)n <= ddof) return NAN;
  var_ctx c = {x, block};
  var_part acc = {0, 0, 0};
  pwa_reduce(n, pw_grain(size), sizeof acc, var_body, var_join, &c, &acc);
  return acc.m2 / (double)((uint64_t)n - ddof);
}

#define VARBLK(fn) (fn)

/* ------------------------------------------------------------------------ */
/* min / max                                                                */
/* ------------------------------------------------------------------------ */

/* A partial: the winner's raw bits, its index, and whether it is a NaN. */
typedef struct {
  uint64_t bits;
  uint64_t index;
  int32_t nan;
  int32_t set;
} mm_part;

typedef struct {
  const void *x;
  int width, kind, max;
} mm_ctx;

/* Ascending key of raw bits, widened (a larger key is a larger value). */
static uint64_t mm_key(const mm_ctx *c, uint64_t bits) {
  int mode = c->kind * 2;
  switch (c->width) {
  case 8: return pwa_key8((uint8_t)bits, mode);
  case 16: return pwa_key16((uint16_t)bits, mode);
  case 32: return pwa_key32((uint32_t)bits, mode);
  default: return pwa_key64(bits, mode);
  }
}

static void mm_join(void *ctx, void *acc, const void *partial) {
  const mm_ctx *c = ctx;
  mm_part *a = acc;
  const mm_part *p = partial;
  if (!p->set || a->nan) return;
  if (!a->set || p->nan) {
    *a = *p;
    return;
  }
  uint64_t ka = mm_key(c, a->bits), kp = mm_key(c, p->bits);
  if (c->max ? kp > ka : kp < ka) *a = *p;
}

#define MM_INT(T, s, UT)                                                       \
  static void mm_body_##s(void *p, size_t b, size_t e, void *partial) {        \
    mm_ctx *c = p;                                                             \
    const T *x = c->x;                                                         \
    T m = x[b];                                                                \
    if (c->max) {                                                              \
      for (size_t i = b + 1; i < e; i++) m = x[i] > m ? x[i] : m;              \
    } else {                                                                   \
      for (size_t i = b + 1; i < e; i++) m = x[i] < m ? x[i] : m;              \
    }                                                                          \
    size_t at = b;                                                             \
    while (x[at] != m) at++;                                                   \
    mm_part r = {(uint64_t)(UT)m, at, 0, 1};                                   \
    mm_join(c, partial, &r);                                                   \
  }
MM_INT(int8_t, i8, uint8_t)
MM_INT(uint8_t, u8, uint8_t)
MM_INT(int16_t, i16, uint16_t)
MM_INT(uint16_t, u16, uint16_t)
MM_INT(int32_t, i32, uint32_t)
MM_INT(uint32_t, u32, uint32_t)
MM_INT(int64_t, i64, uint64_t)
MM_INT(uint64_t, u64, uint64_t)

/*
 * Floats: pass 1, the extreme of the non-NaN elements (as x < m ? x : m,
 * which wasm's pmin/pmax compute, so the vector loop and the portable
 * one agree) and whether there is a NaN; pass 2, the first index.
 */
#define MM_FLT(T, s, UT, BITS, INF)                                            \
  static void mm_body_##s(void *p, size_t b, size_t e, void *partial) {        \
    mm_ctx *c = p;                                                             \
    const T *x = c->x;                                                         \
    T m = c->max ? -INF : INF;                                                 \
    int nan = 0;                                                               \
    if (c->max) {                                                              \
      for (size_t i = b; i < e; i++) {                                         \
        m = m < x[i] ? x[i] : m;                                               \
        nan |= x[i] != x[i];                                                   \
      }                                                                        \
    } else {                                                                   \
      for (size_t i = b; i < e; i++) {                                         \
        m = x[i] < m ? x[i] : m;                                               \
        nan |= x[i] != x[i];                                                   \
      }                                                                        \
    }                                                                          \
    size_t at = b;                                                             \
    if (nan) {                                                                 \
      while (x[at] == x[at]) at++;                                             \
    } else if (m == 0) {                                                       \
      /* a minimum of zero is -0 if there is one; a maximum +0 likewise */     \
      int want_neg = !c->max;                                                  \
      size_t first = SIZE_MAX;                                                 \
      for (size_t i = b; i < e; i++) {                                         \
        if (x[i] == 0 && (signbit(x[i]) != 0) == want_neg) {                   \
          first = i;                                                           \
          break;                                                               \
        }                                                                      \
      }                                                                        \
      if (first == SIZE_MAX) {                                                 \
        while (x[at] != 0) at++;                                               \
      } else {                                                                 \
        at = first;                                                            \
      }                                                                        \
    } else {                                                                   \
      while (x[at] != m) at++;                                                 \
    }                                                                          \
    mm_part r = {BITS(x[at]), at, nan, 1};                                     \
    mm_join(c, partial, &r);                                                   \
  }
MM_FLT(float, f32, uint32_t, pwa_bits32, INFINITY)
MM_FLT(double, f64, uint64_t, pwa_bits64, INFINITY)

static pw_status minmax_any(const void *x, size_t n, void *value, uint32_t *index, int width,
                            int kind, int max, pw_reduce_fn body) {
  if (n == 0) return pw_fail(PW_EINVAL, "x is empty: it has no %s", max ? "maximum" : "minimum");
  if (pwa_too_many(n))
    return pw_fail(PW_ERANGE, "x has %.0f elements; %s takes at most 2^32 - 1", (double)n,
                   max ? "max" : "min");
  mm_ctx c = {x, width, kind, max};
  mm_part acc = {0, 0, 0, 0};
  pw_status s = pwa_reduce(n, pw_grain((size_t)width / 8), sizeof acc, body, mm_join, &c, &acc);
  if (s != PW_OK) return s;
  switch (width) {
  case 8: *(uint8_t *)value = (uint8_t)acc.bits; break;
  case 16: *(uint16_t *)value = (uint16_t)acc.bits; break;
  case 32: *(uint32_t *)value = (uint32_t)acc.bits; break;
  default: *(uint64_t *)value = acc.bits; break;
  }
  *index = (uint32_t)acc.index;
  return PW_OK;
}

/* ------------------------------------------------------------------------ */
/* norm                                                                     */
/* ------------------------------------------------------------------------ */

typedef struct {
  const void *x;
  int width;
} mag_ctx;

/* partial: {largest magnitude, any Inf, any NaN} */
static void mag_body(void *p, size_t b, size_t e, void *partial) {
  mag_ctx *c = p;
  double *r = partial, m = r[0];
  int inf = r[1] != 0, nan = r[2] != 0;
  for (size_t i = b; i < e; i++) {
    double v = c->width == 32 ? fabs((double)((const float *)c->x)[i]) : fabs(((const double *)c->x)[i]);
    nan |= v != v;
    inf |= v == INFINITY;
    m = v > m ? v : m;
  }
  r[0] = m, r[1] = inf, r[2] = nan;
}
static void mag_join(void *ctx, void *acc, const void *partial) {
  (void)ctx;
  double *a = acc;
  const double *p = partial;
  a[0] = p[0] > a[0] ? p[0] : a[0];
  a[1] = a[1] != 0 || p[1] != 0;
  a[2] = a[2] != 0 || p[2] != 0;
}

static double norm_any(const void *x, size_t n, int width) {
  double acc[2];
  csum_run(x, NULL, n, (size_t)width / 8, width == 32 ? CSUM(csq_f32) : CSUM(csq_f64), acc);
  double ss = sum2_value(acc);
  if (isfinite(ss) && (ss >= 0x1p-900 || width == 32)) return sqrt(ss);
  /* the rare path: infinities, NaN, or magnitudes near the ends of the range */
  mag_ctx mc = {x, width};
  double mag[3] = {0, 0, 0};
  pwa_reduce(n, pw_grain((size_t)width / 8), sizeof mag, mag_body, mag_join, &mc, mag);
  if (mag[1] != 0) return INFINITY;
  if (mag[2] != 0) return NAN;
  if (mag[0] == 0) return 0.0;
  if (width == 32) return sqrt(ss); /* float squares neither overflow nor underflow in double */
  int ex;
  frexp(mag[0], &ex); /* mag = f * 2^ex, f in [0.5, 1) */
  /* 2^-ex in two factors, each representable for any ex */
  double scale[2] = {ldexp(1.0, -ex / 2), ldexp(1.0, -ex - (-ex / 2))};
  csum_run(x, scale, n, 8, CSUM(csqs_f64), acc);
  return ldexp(sqrt(sum2_value(acc)), ex);
}

/* ------------------------------------------------------------------------ */
/* Per-type kernels                                                         */
/* ------------------------------------------------------------------------ */

#define PWA_SUM_SMALL(T, s, S)                                                 \
  S pw_array_sum_##s(const T *x, size_t n) {                                   \
    return (S)isum128(x, n, (int)sizeof(T) * 8, PWA_KIND_##s).lo;              \
  }
PWA_SUM_SMALL(int8_t, i8, int64_t)
PWA_SUM_SMALL(uint8_t, u8, uint64_t)
PWA_SUM_SMALL(int16_t, i16, int64_t)
PWA_SUM_SMALL(uint16_t, u16, uint64_t)
PWA_SUM_SMALL(int32_t, i32, int64_t)
PWA_SUM_SMALL(uint32_t, u32, uint64_t)

pw_u128 pw_array_sum_i64(const int64_t *x, size_t n) {
  return to_pw_u128(isum128(x, n, 64, PWA_SINT));
}
pw_u128 pw_array_sum_u64(const uint64_t *x, size_t n) {
  return to_pw_u128(isum128(x, n, 64, PWA_UINT));
}
double pw_array_sum_f32(const float *x, size_t n) {
  double acc[2];
  csum_run(x, NULL, n, 4, CSUM(csum_f32), acc);
  double v = sum2_value(acc);
  return v == 0 && n > 0 && pwa_negzero_run_f32(x, n) == n ? -0.0 : v;
}
/*
 * The compensated sum of doubles, divided by `div` (1, or n for the mean).
 * A partial sum can overflow where the exact total does not (1e308 +
 * 1e308 - 1e308): a result that is not finite is computed again over
 * x * 2^-64 (exact, except for values below 2^-958, whose loss is far
 * within the documented bound of such a sum), divided, then scaled back;
 * if that too is not finite, it is what an Inf or NaN element makes it.
 * Both passes are chunked by n alone: the same bits for every thread
 * count.
 */
static double sum_f64_over(const double *x, size_t n, double div) {
  double acc[2];
  csum_run(x, NULL, n, 8, CSUM(csum_f64), acc);
  double v = sum2_value(acc);
  if (v == 0 && n > 0 && pwa_negzero_run_f64(x, n) == n) return -0.0; /* (-0 / n is -0) */
  if (isfinite(v)) return v / div;
  const double down = 0x1p-64;
  csum_run(x, &down, n, 8, CSUM(csum_scaled_f64), acc);
  double w = sum2_value(acc);
  /* not finite at 2^-64: an infinite or NaN element decides (the first
     pass may have made NaN of Inf - Inf where one infinity was an overflow) */
  return isfinite(w) ? (w / div) * 0x1p64 : w / div;
}

double pw_array_sum_f64(const double *x, size_t n) {
  return sum_f64_over(x, n, 1.0);
}

#define PWA_MEAN_INT(T, s)                                                     \
  double pw_array_mean_##s(const T *x, size_t n) {                             \
    return imean(isum128(x, n, (int)sizeof(T) * 8, PWA_KIND_##s), n,           \
                 sizeof(T) == 8 && PWA_KIND_##s == PWA_UINT);                  \
  }
PWA_MEAN_INT(int8_t, i8)
PWA_MEAN_INT(uint8_t, u8)
PWA_MEAN_INT(int16_t, i16)
PWA_MEAN_INT(uint16_t, u16)
PWA_MEAN_INT(int32_t, i32)
PWA_MEAN_INT(uint32_t, u32)
PWA_MEAN_INT(int64_t, i64)
PWA_MEAN_INT(uint64_t, u64)
double pw_array_mean_f32(const float *x, size_t n) { return pw_array_sum_f32(x, n) / (double)n; }
double pw_array_mean_f64(const double *x, size_t n) { return sum_f64_over(x, n, (double)n); }

#define PWA_MINMAX_DEFS(T, s)                                                  \
  pw_status pw_array_min_##s(const T *x, size_t n, T *value, uint32_t *index) { \
    return minmax_any(x, n, value, index, (int)sizeof(T) * 8, PWA_KIND_##s, 0, mm_body_##s); \
  }                                                                            \
  pw_status pw_array_max_##s(const T *x, size_t n, T *value, uint32_t *index) { \
    return minmax_any(x, n, value, index, (int)sizeof(T) * 8, PWA_KIND_##s, 1, mm_body_##s); \
  }
PW_ARRAY_TYPES(PWA_MINMAX_DEFS)

/* Integers and floats: their deviations and squares stay far inside the double range. */
#define PWA_VAR_DEFS(T, s)                                                     \
  double pw_array_variance_##s(const T *x, size_t n, uint32_t ddof) {          \
    return variance_any(x, n, ddof, sizeof(T), VARBLK(var_block_##s));         \
  }                                                                            \
  double pw_array_std_##s(const T *x, size_t n, uint32_t ddof) {               \
    return sqrt(pw_array_variance_##s(x, n, ddof));                            \
  }
PWA_VAR_DEFS(int8_t, i8)
PWA_VAR_DEFS(uint8_t, u8)
PWA_VAR_DEFS(int16_t, i16)
PWA_VAR_DEFS(uint16_t, u16)
PWA_VAR_DEFS(int32_t, i32)
PWA_VAR_DEFS(uint32_t, u32)
PWA_VAR_DEFS(int64_t, i64)
PWA_VAR_DEFS(uint64_t, u64)
PWA_VAR_DEFS(float, f32)

/*
 * Doubles of a wide range: blocks of x * 2^-VAR_DOWN. With elements
 * below 2^1024, the block sums stay below 2^(1035 - VAR_DOWN) and the
 * sums of squared deviations of up to 2^32 elements below
 * 2^(2082 - 2 VAR_DOWN): inside the double range for VAR_DOWN 540. The
 * block mean is corrected by the mean deviation from it before the
 * squares are summed: at the top of the range the rounding of a plain
 * mean, squared, is itself beyond it (equal elements of 1e300 had a
 * variance of +Inf); corrected, equal elements have a mean of exactly
 * their value and a variance of 0. (A rare path: portable, three passes.)
 */
#define VAR_DOWN 540
static void var_block_down_f64(const void *xv, size_t b, size_t e, double *mean, double *m2) {
  const double *x = xv;
  const double s = 0x1p-540;
  const double k = (double)(e - b);
  double acc[LANES] = {0};
  size_t i = b;
  for (; e - i >= LANES; i += LANES)
    for (int l = 0; l < LANES; l++) acc[l] += x[i + l] * s;
  for (int l = 0; i < e; i++, l++) acc[l] += x[i] * s;
  double m = lanes8_fold(acc) / k;
  double dsum = 0;
  for (i = b; i < e; i++) dsum += x[i] * s - m;
  m += dsum / k;
  for (int l = 0; l < LANES; l++) acc[l] = 0;
  for (i = b; e - i >= LANES; i += LANES)
    for (int l = 0; l < LANES; l++) {
      double d = x[i + l] * s - m;
      acc[l] += d * d;
    }
  for (int l = 0; i < e; i++, l++) {
    double d = x[i] * s - m;
    acc[l] += d * d;
  }
  *mean = m;
  *m2 = lanes8_fold(acc);
}

/*
 * The variance of doubles in units of 2^(2 *down): a deviation or its
 * square can pass the double range where the variance does not (or the
 * standard deviation does not: 1e308 and -1e308), and an Inf - Inf there
 * made NaN of finite data. A result that is not finite is computed again
 * over x * 2^-VAR_DOWN (exact, but for elements below 2^-534, whose loss
 * is far within the documented error of a variance of at least 2^992, as
 * such a one is); if that too is not finite, a NaN or infinite element
 * makes it NaN. Both passes are chunked by n alone.
 */
static double variance_f64_scaled(const double *x, size_t n, uint32_t ddof, int *down) {
  *down = 0;
  double v = variance_any(x, n, ddof, sizeof *x, VARBLK(var_block_f64));
  if (isfinite(v) || (uint64_t)n <= ddof) return v;
  *down = VAR_DOWN;
  return variance_any(x, n, ddof, sizeof *x, VARBLK(var_block_down_f64));
}

double pw_array_variance_f64(const double *x, size_t n, uint32_t ddof) {
  int down;
  double v = variance_f64_scaled(x, n, ddof, &down);
  return down ? ldexp(v, 2 * down) : v; /* +Inf if the variance itself passes the range */
}
double pw_array_std_f64(const double *x, size_t n, uint32_t ddof) {
  int down;
  double v = variance_f64_scaled(x, n, ddof, &down);
  return down ? ldexp(sqrt(v), down) : sqrt(v);
}

double pw_array_dot_f32(const float *x, size_t n, const float *y) {
  double acc[2];
  csum_run(x, y, n, 8, CSUM(cdot_f32), acc);
  return sum2_value(acc);
}
/*
 * A product or a partial sum of doubles can pass the double range where
 * the dot product does not (1e200 * 1e200 - 1e200 * 1e200 + 1, or the
 * Inf - Inf of two products that overflowed, NaN of finite data): a
 * result that is not finite is computed again over x * 2^-529 and
 * y * 2^-529 (products below 2^990, sums of 2^32 of them inside the
 * range; exact but for elements below 2^-545, whose products are far
 * within the documented bound of a dot product that overflowed), then
 * scaled back; if that too is not finite, it is what IEEE arithmetic
 * makes of the Inf or NaN elements (without the first pass's overflows).
 */
double pw_array_dot_f64(const double *x, size_t n, const double *y) {
  double acc[2];
  csum_run(x, y, n, 16, CSUM(cdot_f64), acc);
  double v = sum2_value(acc);
  if (isfinite(v)) return v;
  dot_scaled d = {y, 0x1p-529};
  csum_run(x, &d, n, 16, CSUM(cdot_scaled_f64), acc);
  double w = sum2_value(acc);
  return isfinite(w) ? ldexp(w, 1058) : w;
}
double pw_array_norm_f32(const float *x, size_t n) { return norm_any(x, n, 32); }
double pw_array_norm_f64(const double *x, size_t n) { return norm_any(x, n, 64); }
