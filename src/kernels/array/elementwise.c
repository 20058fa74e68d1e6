/*
 * elementwise.c — axpy, clamp and type conversion (parawasm/array.h).
 *
 * Plain loops over chunks split across threads; the compiler vectorises
 * them (wasm SIMD128 with -msimd128, AVX natively). axpy is written as a
 * multiplication then an addition, and neither build contracts them into
 * a fused multiply-add (ISO C11 mode for GCC; wasm has no FMA), so every
 * build gives the same bits.
 *
 * Conversion: one loop per (source, destination) pair of the 11 element
 * types, made by expanding the type list twice, so that each loop has
 * fixed types and vectorises where the conversion allows (f64 -> f32,
 * u8 -> f32 normalised, integer widening). The element rules are
 * JavaScript's typed-array assignment rules (see the header), with the
 * 64-bit integer types following BigInt.asIntN/asUintN:
 *   float -> integer: NaN and +-Inf give 0; otherwise the value truncated
 *   toward zero, modulo 2^bits. Below 2^63 in magnitude that is a plain
 *   conversion to int64 and a narrowing; above, the double is an integer
 *   M * 2^k (M < 2^53, k >= 11) whose residue modulo 2^64 is M << k
 *   (0 once k >= 64), negated for negative values.
 *   to Uint8Clamped: clamp to [0, 255], floats rounded half to even
 *   (nearbyint in the default rounding mode; wasm's f64.nearest).
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ------------------------------------------------------------------------ */
/* axpy, clamp                                                              */
/* ------------------------------------------------------------------------ */

typedef struct {
  const void *x;
  void *y;
  double a;
  uint64_t lo, hi; /* clamp limits, as the element's bits */
} ew_ctx;

#define AXPY(T, s)                                                             \
  static void axpy_body_##s(void *p, size_t b, size_t e) {                     \
    ew_ctx *c = p;                                                             \
    const T *x = c->x;                                                         \
    T *y = c->y, a = (T)c->a;                                                  \
    for (size_t i = b; i < e; i++) {                                           \
      T t = a * x[i];                                                          \
      y[i] = t + y[i];                                                         \
    }                                                                          \
  }                                                                            \
  pw_status pw_array_axpy_##s(T a, const T *x, size_t n, T *y) {               \
    ew_ctx c = {x, y, a, 0, 0};                                                \
    return pw_parallel_for(n, pw_grain(2 * sizeof(T)), axpy_body_##s, &c);     \
  }
PW_ARRAY_FLOAT_TYPES(AXPY)

/* Formats a limit for an error message. */
#define FMT_i8 "%d"
#define FMT_u8 "%u"
#define FMT_i16 "%d"
#define FMT_u16 "%u"
#define FMT_i32 "%" PRId32
#define FMT_u32 "%" PRIu32
#define FMT_i64 "%" PRId64
#define FMT_u64 "%" PRIu64
#define FMT_f32 "%.9g"
#define FMT_f64 "%.17g"
#define PROMOTE_f32(v) ((double)(v))
#define PROMOTE_f64(v) (v)
#define PROMOTE_i8(v) ((int)(v))
#define PROMOTE_u8(v) ((unsigned)(v))
#define PROMOTE_i16(v) ((int)(v))
#define PROMOTE_u16(v) ((unsigned)(v))
#define PROMOTE_i32(v) (v)
#define PROMOTE_u32(v) (v)
#define PROMOTE_i64(v) (v)
#define PROMOTE_u64(v) (v)

#define CLAMP(T, s)                                                            \
  static void clamp_body_##s(void *p, size_t b, size_t e) {                    \
    ew_ctx *c = p;                                                             \
    const T *x = c->x;                                                         \
    T *y = c->y, lo, hi;                                                       \
    memcpy(&lo, &c->lo, sizeof lo);                                            \
    memcpy(&hi, &c->hi, sizeof hi);                                            \
    for (size_t i = b; i < e; i++) {                                           \
      T v = x[i];                                                              \
      v = v < lo ? lo : v;                                                     \
      y[i] = hi < v ? hi : v; /* (as wasm's pmin: one minps in V8) */          \
    }                                                                          \
  }                                                                            \
  pw_status pw_array_clamp_##s(const T *x, size_t n, T *out, T lo, T hi) {     \
    if (lo != lo || hi != hi)                                                  \
      return pw_fail(PW_ERANGE, "lo and hi must not be NaN");                  \
    if (lo > hi)                                                               \
      return pw_fail(PW_ERANGE, "lo (" FMT_##s ") must not exceed hi (" FMT_##s ")", \
                     PROMOTE_##s(lo), PROMOTE_##s(hi));                        \
    ew_ctx c = {x, out, 0, 0, 0};                                              \
    memcpy(&c.lo, &lo, sizeof lo);                                             \
    memcpy(&c.hi, &hi, sizeof hi);                                             \
    return pw_parallel_for(n, pw_grain(2 * sizeof(T)), clamp_body_##s, &c);    \
  }
PW_ARRAY_TYPES(CLAMP)

/* ------------------------------------------------------------------------ */
/* Conversion                                                               */
/* ------------------------------------------------------------------------ */

/* An integer-valued double's residue modulo 2^64 (JS ToBigInt64 & co.). */
static inline uint64_t wrap64(double d) {
  if (!isfinite(d)) return 0;
  double t = trunc(d);
  if (fabs(t) < 0x1p63) return (uint64_t)(int64_t)t;
  int ex;
  double m = frexp(fabs(t), &ex); /* |t| = m 2^ex, m in [0.5, 1), ex >= 64 */
  uint64_t mant = (uint64_t)ldexp(m, 53);
  int k = ex - 53;
  uint64_t r = k >= 64 ? 0 : mant << k;
  return t < 0 ? (uint64_t)0 - r : r;
}

/* ToUint8Clamp. */
static inline uint8_t clamp_u8(double d) {
  if (!(d > 0)) return 0; /* NaN too */
  if (d >= 255) return 255;
  return (uint8_t)nearbyint(d);
}

/* Normalised float -> integer of `max` (2^b - 1, or 2^(b-1) - 1 signed). */
static inline double unorm(double d, double max) {
  double v = d > 0 ? (d < 1 ? d : 1) : 0; /* NaN -> 0 */
  return nearbyint(v * max);
}
static inline double snorm(double d, double max) {
  double v = d > -1 ? (d < 1 ? d : 1) : (d == d ? -1 : 0);
  return nearbyint(v * max);
}

/*
 * The element conversions, by the categories of the source (I signed
 * integer, U unsigned integer, F float) and destination (the same, and
 * C for Uint8Clamped): CV_<S>_<D>(destination type, value).
 */
#define CV_I_I(DT, v) ((DT)(uint64_t)(int64_t)(v))
#define CV_I_U(DT, v) ((DT)(uint64_t)(int64_t)(v))
#define CV_U_I(DT, v) ((DT)(uint64_t)(v))
#define CV_U_U(DT, v) ((DT)(uint64_t)(v))
#define CV_F_I(DT, v) ((DT)wrap64((double)(v)))
#define CV_F_U(DT, v) ((DT)wrap64((double)(v)))
#define CV_I_C(DT, v) ((DT)((int64_t)(v) < 0 ? 0 : (int64_t)(v) > 255 ? 255 : (v)))
#define CV_U_C(DT, v) ((DT)((uint64_t)(v) > 255 ? 255 : (v)))
#define CV_F_C(DT, v) ((DT)clamp_u8((double)(v)))
#define CV_I_F(DT, v) ((DT)(v))
#define CV_U_F(DT, v) ((DT)(v))
#define CV_F_F(DT, v) ((DT)(v))
/* normalised: m is the integer side's maximum; only int <-> float occur */
#define CVN_I_F(DT, v, m) ((DT)(v) / (DT)(m) > (DT)-1 ? (DT)(v) / (DT)(m) : (DT)-1)
#define CVN_U_F(DT, v, m) ((DT)(v) / (DT)(m))
#define CVN_F_U(DT, v, m) ((DT)unorm((double)(v), (double)(m)))
#define CVN_F_C(DT, v, m) ((DT)unorm((double)(v), (double)(m)))
#define CVN_F_I(DT, v, m) ((DT)snorm((double)(v), (double)(m)))
#define CVN_I_I(DT, v, m) CV_I_I(DT, v)
#define CVN_I_U(DT, v, m) CV_I_U(DT, v)
#define CVN_U_I(DT, v, m) CV_U_I(DT, v)
#define CVN_U_U(DT, v, m) CV_U_U(DT, v)
#define CVN_I_C(DT, v, m) CV_I_C(DT, v)
#define CVN_U_C(DT, v, m) CV_U_C(DT, v)
#define CVN_F_F(DT, v, m) CV_F_F(DT, v)

/* X(code, C type, category as source, as destination, normalising max) */
#define CV_TYPES_A(X, ...)                                                     \
  X(0, int8_t, I, I, 127.0, __VA_ARGS__)                                       \
  X(1, uint8_t, U, U, 255.0, __VA_ARGS__)                                      \
  X(2, uint8_t, U, C, 255.0, __VA_ARGS__)                                      \
  X(3, int16_t, I, I, 32767.0, __VA_ARGS__)                                    \
  X(4, uint16_t, U, U, 65535.0, __VA_ARGS__)                                   \
  X(5, int32_t, I, I, 2147483647.0, __VA_ARGS__)                               \
  X(6, uint32_t, U, U, 4294967295.0, __VA_ARGS__)                              \
  X(7, int64_t, I, I, 0.0, __VA_ARGS__)                                        \
  X(8, uint64_t, U, U, 0.0, __VA_ARGS__)                                       \
  X(9, float, F, F, 0.0, __VA_ARGS__)                                          \
  X(10, double, F, F, 0.0, __VA_ARGS__)
#define CV_TYPES_B(X, ...)                                                     \
  X(0, int8_t, I, I, 127.0, __VA_ARGS__)                                       \
  X(1, uint8_t, U, U, 255.0, __VA_ARGS__)                                      \
  X(2, uint8_t, U, C, 255.0, __VA_ARGS__)                                      \
  X(3, int16_t, I, I, 32767.0, __VA_ARGS__)                                    \
  X(4, uint16_t, U, U, 65535.0, __VA_ARGS__)                                   \
  X(5, int32_t, I, I, 2147483647.0, __VA_ARGS__)                               \
  X(6, uint32_t, U, U, 4294967295.0, __VA_ARGS__)                              \
  X(7, int64_t, I, I, 0.0, __VA_ARGS__)                                        \
  X(8, uint64_t, U, U, 0.0, __VA_ARGS__)                                       \
  X(9, float, F, F, 0.0, __VA_ARGS__)                                          \
  X(10, double, F, F, 0.0, __VA_ARGS__)

_Static_assert(PW_ARRAY_TYPE_COUNT == 11, "the conversion table lists every type code");

typedef struct {
  const void *src;
  void *dst;
  int normalize;
} cv_ctx;

/* One loop per (source, destination); the integer side's max is whichever
   side is not float (both are never float when normalising). */
#define CV_LOOP(dc, DT, DSC, DDC, DMAX, sc, ST, SSC, SDC, SMAX)                 \
  static void cv_##sc##_##dc(void *p, size_t b, size_t e) {                    \
    cv_ctx *c = p;                                                             \
    const ST *x = c->src;                                                      \
    DT *y = c->dst;                                                            \
    if (c->normalize) {                                                        \
      const double m = (SMAX) != 0.0 ? (SMAX) : (DMAX);                        \
      (void)m;                                                                 \
      for (size_t i = b; i < e; i++) y[i] = CVN_##SSC##_##DDC(DT, x[i], m);    \
    } else {                                                                   \
      for (size_t i = b; i < e; i++) y[i] = CV_##SSC##_##DDC(DT, x[i]);        \
    }                                                                          \
  }
#define CV_INNER(sc, ST, SSC, SDC, SMAX, ...) CV_TYPES_B(CV_LOOP, sc, ST, SSC, SDC, SMAX)
CV_TYPES_A(CV_INNER, ~)

#define CV_ROW_ENTRY(dc, DT, DSC, DDC, DMAX, sc) cv_##sc##_##dc,
#define CV_ROW(sc, ST, SSC, SDC, SMAX, ...) {CV_TYPES_B(CV_ROW_ENTRY, sc)},
static const pw_range_fn cv_table[PW_ARRAY_TYPE_COUNT][PW_ARRAY_TYPE_COUNT] = {CV_TYPES_A(CV_ROW, ~)};

static const uint8_t cv_size[PW_ARRAY_TYPE_COUNT] = {
#define CV_SIZE_(name, code, bytes, view) bytes,
    PW_ARRAY_TYPE_LIST(CV_SIZE_)
#undef CV_SIZE_
};
static const char *const cv_name[PW_ARRAY_TYPE_COUNT] = {
#define CV_NAME_(name, code, bytes, view) #view,
    PW_ARRAY_TYPE_LIST(CV_NAME_)
#undef CV_NAME_
};

/* A conversion's context with its types (the SIMD loops). */
typedef struct {
  cv_ctx cv;
  uint32_t src_type, dst_type;
} cv_small_ctx;

static int cv_is_float(uint32_t t) { return t == PW_ARRAY_F32 || t == PW_ARRAY_F64; }

#ifdef __wasm_simd128__
static int cv_signed(uint32_t t) { return t == PW_ARRAY_I8 || t == PW_ARRAY_I16 || t == PW_ARRAY_I32; }

/* The normalising maximum of an 8- to 32-bit integer type. */
static double cv_int_max(uint32_t t) {
  switch (t) {
  case PW_ARRAY_I8: return 127.0;
  case PW_ARRAY_I16: return 32767.0;
  case PW_ARRAY_U16: return 65535.0;
  case PW_ARRAY_I32: return 2147483647.0;
  case PW_ARRAY_U32: return 4294967295.0;
  default: return 255.0;
  }
}

/*
 * Bytes to floats (pixels to normalised floats), 16 at a time. Plain: the
 * exact conversion (pw_u8x16_f32: clang 14 makes 16 scalar conversions of
 * an f32x4.convert of zero-extended bytes). Normalised: the same floats
 * as the generic loop's x / 255.0f, without its division (f32x4.div was the loop's bottleneck:
 * wasm/native 2.3 in make bench-array). x / 255 = F (1 + 2^-24 + 2^-48 +
 * ...) with F = x * 0x1.0101p-8 (x * 65793 / 2^24: at most 24 bits, so
 * exact), and the float nearest F + F 2^-24 (that product is exact too)
 * is the float nearest x / 255: the two differ by less than 2^-23 of an
 * ulp, while x / 255 is at least 1/510 of an ulp away from every halfway
 * point between floats (x 2^k - 255 (2j + 1) is a nonzero integer). Three
 * operations a lane after the conversion, where the previous integer form
 * took six; checked for every byte in the C tests (convert_u8_norm).
 */
static void cv_u8_f32_simd(void *p, size_t b, size_t e) {
  cv_ctx *c = p;
  const uint8_t *x = c->src;
  float *y = c->dst;
  const v128_t k = wasm_f32x4_splat(0x1.0101p-8f), tiny = wasm_f32x4_splat(0x1p-24f);
  size_t i = b;
  for (; e - i >= 16; i += 16) {
    v128_t q[4];
    pw_u8x16_f32(x + i, q);
    if (c->normalize)
      for (int j = 0; j < 4; j++) {
        v128_t f = wasm_f32x4_mul(q[j], k);
        q[j] = wasm_f32x4_add(f, wasm_f32x4_mul(f, tiny));
      }
    for (int j = 0; j < 4; j++) wasm_v128_store(y + i + 4 * j, q[j]);
  }
  for (; i < e; i++) y[i] = c->normalize ? (float)x[i] / 255.0f : (float)x[i];
}

/*
 * 8- and 16-bit integers to Float32 or Float64, 8 at a time (clang 14
 * makes one scalar conversion an element of the generic loops): the
 * integers widened to 32-bit lanes, made exact floats (pw_f32x4_small_*),
 * promoted for Float64; normalised, x / m correctly rounded (m the type's
 * maximum) and, for signed types, raised to -1, as CVN_I_F and CVN_U_F
 * do: the same bits. Elements i..i+7 of the source as two vectors of
 * exact floats:
 */
PW_INLINE void cv_small_load(const void *src, uint32_t t, size_t i, v128_t f[2]) {
  v128_t v;
  switch (t) {
  case PW_ARRAY_I8: v = wasm_i16x8_load8x8((const int8_t *)src + i); break;
  case PW_ARRAY_I16: v = wasm_v128_load((const int16_t *)src + i); break;
  case PW_ARRAY_U16: v = wasm_v128_load((const uint16_t *)src + i); break;
  default: v = wasm_u16x8_load8x8((const uint8_t *)src + i); break;
  }
  if (cv_signed(t)) {
    f[0] = pw_f32x4_small_i32x4(wasm_i32x4_extend_low_i16x8(v));
    f[1] = pw_f32x4_small_i32x4(wasm_i32x4_extend_high_i16x8(v));
  } else {
    f[0] = pw_f32x4_small_u32x4(wasm_u32x4_extend_low_u16x8(v));
    f[1] = pw_f32x4_small_u32x4(wasm_u32x4_extend_high_u16x8(v));
  }
}

/*
 * Normalised to Float64 without f64x2.div (wasm/native 1.9 with it; 11x
 * in the generic loop): the type's maximum is m = 2^b - 1, and
 * x / m = x 2^-b (1 + 2^-b + 2^-2b + ...) = F / (1 - e) with F = x C,
 * C = 2^-b (1 + ... + 2^-(k-1)b) and e = 2^-kb, k as large as keeps x C
 * exact (at most 53 bits). The double nearest F + F e (both exact) is the
 * double nearest x / m: they differ by about F e^2, under 2^-37 of an
 * ulp, while x / m is at least 1/(2m) of an ulp from any halfway point
 * between doubles. Checked for every value of every type in the C tests.
 */
static void cv_small_recip(uint32_t t, double *c, double *e) {
  switch (t) {
  case PW_ARRAY_I8: *c = 0x1.02040810204p-7, *e = 0x1p-49; break;   /* 127: k = 7 */
  case PW_ARRAY_I16: *c = 0x1.00020004p-15, *e = 0x1p-45; break;    /* 32767: k = 3 */
  case PW_ARRAY_U16: *c = 0x1.00010001p-16, *e = 0x1p-48; break;    /* 65535: k = 3 */
  default: *c = 0x1.0101010101p-8, *e = 0x1p-48; break;             /* 255: k = 6 */
  }
}

static void cv_small_f32_simd(void *p, size_t b, size_t e) {
  const cv_small_ctx *c = p;
  const uint32_t t = c->src_type;
  const int norm = c->cv.normalize, sgn = cv_signed(t);
  /* f32x4.div: through doubles as cv_small_f64_simd does (then demoted) took 1.7x as long */
  const v128_t m = wasm_f32x4_splat((float)cv_int_max(t)), neg1 = wasm_f32x4_splat(-1.0f);
  float *y = c->cv.dst;
  size_t i = b;
  for (; e - i >= 8; i += 8) {
    v128_t f[2];
    cv_small_load(c->cv.src, t, i, f);
    for (int h = 0; h < 2; h++) {
      if (norm) f[h] = wasm_f32x4_div(f[h], m);
      if (norm && sgn) f[h] = wasm_f32x4_pmax(neg1, f[h]);
      wasm_v128_store(y + i + 4 * h, f[h]);
    }
  }
  if (i < e) cv_table[t][PW_ARRAY_F32]((void *)&c->cv, i, e);
}

static void cv_small_f64_simd(void *p, size_t b, size_t e) {
  const cv_small_ctx *c = p;
  const uint32_t t = c->src_type;
  const int norm = c->cv.normalize, sgn = cv_signed(t);
  double rc, re;
  cv_small_recip(t, &rc, &re);
  const v128_t kc = wasm_f64x2_splat(rc), ke = wasm_f64x2_splat(re), neg1 = wasm_f64x2_splat(-1.0);
  double *y = c->cv.dst;
  size_t i = b;
  for (; e - i >= 8; i += 8) {
    v128_t f[2];
    cv_small_load(c->cv.src, t, i, f);
    for (int q = 0; q < 4; q++) {
      v128_t h = f[q >> 1];
      v128_t d = wasm_f64x2_promote_low_f32x4(q & 1 ? wasm_i32x4_shuffle(h, h, 2, 3, 2, 3) : h);
      if (norm) {
        v128_t f = wasm_f64x2_mul(d, kc);
        d = wasm_f64x2_add(f, wasm_f64x2_mul(f, ke));
      }
      if (norm && sgn) d = wasm_f64x2_pmax(neg1, d);
      wasm_v128_store(y + i + 2 * q, d);
    }
  }
  if (i < e) cv_table[t][PW_ARRAY_F64]((void *)&c->cv, i, e);
}

/* Elements i..i+7 of a Float32 (promoted, exactly) or Float64 source as four vectors of doubles. */
PW_INLINE void cv_load8_f64(const void *src, uint32_t st, size_t i, v128_t d[4]) {
  if (st == PW_ARRAY_F32) {
    const float *x = (const float *)src + i;
    for (int k = 0; k < 4; k++) d[k] = wasm_f64x2_promote_low_f32x4(wasm_v128_load64_zero(x + 2 * k));
  } else {
    const double *x = (const double *)src + i;
    for (int k = 0; k < 4; k++) d[k] = wasm_v128_load(x + 2 * k);
  }
}

/*
 * Floats to 8-, 16- and 32-bit integers, 8 at a time (the generic loops
 * convert one element at a time: Float32 -> Uint8Clamped took 7.7x native,
 * Float32 -> Uint8 normalised 2.9x, Float64 -> Int32 1.9x). Every value
 * as a double (a float's double is exact), then the generic loop's rule
 * lane by lane: Uint8Clamped clamps to [0, 255] (NaN 0) and rounds half to
 * even; normalised clamps to [0, 1] or [-1, 1] (NaN 0), multiplies by the
 * type's maximum and rounds half to even; plain truncates and wraps
 * (the low bits), for blocks whose values all lie within +-2^31 (others,
 * and NaN or infinities there, take the generic loop). The rounding and
 * the conversion are one addition of 1.5 2^52, whose sum has the integer
 * (rounded half to even) in its low 32 bits: f64x2.nearest and
 * i32x4.trunc_sat_f64x2_zero took 5x as long in Node 20, slower than the
 * generic loop. The 32-bit results then keep their low 8 or 16 bits: the
 * same bits as the generic loops.
 */
static void cv_float_int_simd(void *p, size_t b, size_t e) {
  const cv_small_ctx *c = p;
  const uint32_t st = c->src_type, dt = c->dst_type;
  const int norm = c->cv.normalize, clamp = dt == PW_ARRAY_U8C || (norm && !cv_signed(dt)), sgn = norm && cv_signed(dt);
  const v128_t lo = wasm_f64x2_splat(sgn ? -1.0 : 0.0), hi = wasm_f64x2_splat(!norm ? 255.0 : 1.0);
  const v128_t m = wasm_f64x2_splat(cv_int_max(dt)), lim = wasm_f64x2_splat(0x1p31);
  const v128_t magic = wasm_f64x2_splat(0x1.8p52); /* 1.5 2^52 + v (|v| < 2^51) has v in its low bits */
  unsigned char *y = c->cv.dst;
  const size_t db = cv_size[dt];
  size_t i = b;
  if (st == PW_ARRAY_F32 && dt == PW_ARRAY_U8C && !norm) {
    /* floats to clamped bytes in floats, 4 lanes a vector: 1.5 2^23 + v (0 <= v <= 255) rounds v half to even */
    const float *x = c->cv.src;
    const v128_t lo4 = wasm_f32x4_splat(0.0f), hi4 = wasm_f32x4_splat(255.0f), magic4 = wasm_f32x4_splat(0x1.8p23f);
    for (; e - i >= 16; i += 16) {
      v128_t q[4];
      for (int k = 0; k < 4; k++)
        q[k] = wasm_f32x4_add(wasm_f32x4_pmin(hi4, wasm_f32x4_pmax(lo4, wasm_v128_load(x + i + 4 * k))), magic4);
      wasm_v128_store(y + i, wasm_i8x16_shuffle(wasm_i8x16_shuffle(q[0], q[1], 0, 4, 8, 12, 16, 20, 24, 28, 0, 0, 0, 0, 0, 0, 0, 0),
                                                wasm_i8x16_shuffle(q[2], q[3], 0, 4, 8, 12, 16, 20, 24, 28, 0, 0, 0, 0, 0, 0, 0, 0),
                                                0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23));
    }
  }
  for (; e - i >= 8; i += 8) {
    v128_t d[4];
    cv_load8_f64(c->cv.src, st, i, d);
    v128_t ok = wasm_i64x2_splat(-1);
    for (int k = 0; k < 4; k++) {
      v128_t v = d[k];
      if (norm || clamp) {
        if (sgn) v = wasm_v128_and(v, wasm_f64x2_eq(v, v)); /* NaN -> 0 (pmax below makes it lo) */
        v = wasm_f64x2_pmin(hi, wasm_f64x2_pmax(lo, v));
        if (norm) v = wasm_f64x2_mul(v, m);
      } else {
        v = wasm_f64x2_trunc(v);
        ok = wasm_v128_and(ok, wasm_f64x2_lt(wasm_f64x2_abs(v), lim)); /* false for NaN too */
      }
      d[k] = wasm_f64x2_add(v, magic); /* rounded half to even; the integer in the low 32 bits */
    }
    if (!wasm_i64x2_all_true(ok)) {
      cv_table[st][dt]((void *)&c->cv, i, i + 8);
      continue;
    }
    v128_t a = wasm_i32x4_shuffle(d[0], d[1], 0, 2, 4, 6), q = wasm_i32x4_shuffle(d[2], d[3], 0, 2, 4, 6);
    if (db == 4) {
      wasm_v128_store(y + 4 * i, a);
      wasm_v128_store(y + 4 * i + 16, q);
    } else if (db == 2) {
      wasm_v128_store(y + 2 * i, wasm_i8x16_shuffle(a, q, 0, 1, 4, 5, 8, 9, 12, 13, 16, 17, 20, 21, 24, 25, 28, 29));
    } else {
      wasm_v128_store64_lane(y + i, wasm_i8x16_shuffle(a, q, 0, 4, 8, 12, 16, 20, 24, 28, 0, 4, 8, 12, 16, 20, 24, 28), 0);
    }
  }
  if (i < e) cv_table[st][dt]((void *)&c->cv, i, e);
}

/*
 * Int64 and Uint64 to Float64, 8 at a time. Each element as its high and
 * low 32 bits, both made exact doubles by their bits: 2^52 + lo
 * (0x43300000 above lo) and 2^84 + h 2^32 (0x45300000 above h, where h
 * is the high half, plus 2^31 for Int64 so that it is never negative);
 * subtracting 2^84 + 2^52 (+ 2^63 for Int64) from the second is exact
 * (the difference, h 2^32 - 2^52, has at most 53 bits), and adding the
 * first rounds once: the double nearest x, as the generic loop's
 * conversion.
 */
/* The doubles nearest the two 64-bit integers of v (Int64 if sgn), as above. */
PW_INLINE v128_t i64x2_nearest_f64(v128_t v, int sgn) {
  const v128_t lo = wasm_v128_or(wasm_v128_and(v, wasm_i64x2_splat(0xffffffff)), wasm_i64x2_splat(0x4330000000000000));
  const v128_t hi = wasm_v128_or(wasm_v128_xor(wasm_u64x2_shr(v, 32), wasm_i64x2_splat(sgn ? 0x80000000 : 0)),
                                 wasm_i64x2_splat(0x4530000000000000));
  return wasm_f64x2_add(wasm_f64x2_sub(hi, wasm_f64x2_splat(sgn ? 0x1p84 + 0x1p63 + 0x1p52 : 0x1p84 + 0x1p52)), lo);
}

static void cv_i64_f64_simd(void *p, size_t b, size_t e) {
  const cv_small_ctx *c = p;
  const int sgn = c->src_type == PW_ARRAY_I64;
  const int64_t *x = c->cv.src;
  double *y = c->cv.dst;
  size_t i = b;
  for (; e - i >= 8; i += 8)
    for (int k = 0; k < 4; k++) wasm_v128_store(y + i + 2 * k, i64x2_nearest_f64(wasm_v128_load(x + i + 2 * k), sgn));
  if (i < e) cv_table[c->src_type][PW_ARRAY_F64]((void *)&c->cv, i, e);
}

/*
 * Uint64 to Float32 without branches, for the blocks cv_u64_f32_simd
 * leaves to it: V8 turns f32.convert_i64_u into a branch on the top bit
 * (26x native on random data). From 2^63 up, x / 2
 * with its lost bit kept (x >> 1 | x & 1) rounds to the same float as x
 * (floats are 2^39 apart there), as a signed conversion, then doubled.
 * Int64 to Float32 keeps the generic loop (f32.convert_i64_s is one
 * instruction: 20M took 8.2 ms, natively 6.0-6.4).
 */
static void cv_u64_f32(void *p, size_t b, size_t e) {
  const cv_ctx *c = p;
  const uint64_t *x = c->src;
  float *y = c->dst;
#pragma clang loop vectorize(disable) /* clang 14 makes 2 lanes of scalar shifts and conversions */
  for (size_t i = b; i < e; i++) {
    uint64_t v = x[i], top = v >> 63;
    /* times 2^top, by the bits of 1.0f raised by top (a float select would be a branch in V8) */
    uint32_t sb = 0x3f800000u + ((uint32_t)top << 23);
    float scale;
    memcpy(&scale, &sb, 4);
    y[i] = (float)(int64_t)(v >> top | (v & top)) * scale;
  }
}

/*
 * Uint64 to Float32, 8 at a time: each element to the double nearest it
 * (i64x2_nearest_f64: one rounding), then to a float. Rounding twice
 * gives the float nearest the element except where the double lands
 * exactly halfway between two floats (a halfway point has 25 significant
 * bits, so it is a double, and rounding to the nearest double never
 * crosses one, but may land on it from an element just beside it): a
 * double whose low 29 significand bits are 1 and 28 zeros. A block with
 * such a double in it (random 64-bit values: one element in 2^29) takes
 * cv_u64_f32 instead. So every block gives the generic loop's floats.
 */
static void cv_u64_f32_simd(void *p, size_t b, size_t e) {
  const cv_ctx *c = p;
  const uint64_t *x = c->src;
  float *y = c->dst;
  const v128_t low29 = wasm_i64x2_splat(0x1fffffff), half = wasm_i64x2_splat(0x10000000);
  size_t i = b;
  for (; e - i >= 8; i += 8) {
    v128_t d[4], tie = wasm_i64x2_splat(0);
    for (int k = 0; k < 4; k++) {
      d[k] = i64x2_nearest_f64(wasm_v128_load(x + i + 2 * k), 0);
      tie = wasm_v128_or(tie, wasm_i64x2_eq(wasm_v128_and(d[k], low29), half));
    }
    if (wasm_v128_any_true(tie)) {
      cv_u64_f32(p, i, i + 8);
      continue;
    }
    for (int k = 0; k < 4; k += 2)
      wasm_v128_store(y + i + 2 * k, wasm_i32x4_shuffle(wasm_f32x4_demote_f64x2_zero(d[k]),
                                                        wasm_f32x4_demote_f64x2_zero(d[k + 1]), 0, 1, 4, 5));
  }
  if (i < e) cv_u64_f32(p, i, e);
}

/*
 * Floats to Int64 and Uint64, 8 at a time (the generic loop's wrap64 per
 * element took 1.6x native from Float32). A block whose values all
 * truncate to within +-2^51 (and are not NaN or infinite): t = trunc(v),
 * and t + 1.5 2^52 lies in [2^52, 2^53), where doubles are the integers,
 * so its bits are those of 1.5 2^52 plus t exactly; subtracting them
 * leaves t in two's complement, which is also its residue modulo 2^64 for
 * Uint64: the generic loop's bits. Other blocks take the generic loop.
 */
static void cv_float_i64_simd(void *p, size_t b, size_t e) {
  const cv_small_ctx *c = p;
  const uint32_t st = c->src_type, dt = c->dst_type;
  const v128_t magic = wasm_f64x2_splat(0x1.8p52), magic_bits = wasm_i64x2_splat(0x4338000000000000);
  const v128_t lim = wasm_f64x2_splat(0x1p51);
  int64_t *y = c->cv.dst;
  size_t i = b;
  for (; e - i >= 8; i += 8) {
    v128_t d[4], ok = wasm_i64x2_splat(-1);
    cv_load8_f64(c->cv.src, st, i, d);
    for (int k = 0; k < 4; k++) {
      v128_t t = wasm_f64x2_trunc(d[k]);
      ok = wasm_v128_and(ok, wasm_f64x2_lt(wasm_f64x2_abs(t), lim)); /* false for NaN too */
      d[k] = wasm_i64x2_sub(wasm_f64x2_add(t, magic), magic_bits);
    }
    if (!wasm_i64x2_all_true(ok)) {
      cv_table[st][dt]((void *)&c->cv, i, i + 8);
      continue;
    }
    for (int k = 0; k < 4; k++) wasm_v128_store(y + i + 2 * k, d[k]);
  }
  if (i < e) cv_table[st][dt]((void *)&c->cv, i, e);
}
#endif

pw_status pw_array_convert(const void *src, size_t src_bytes, uint32_t src_type, void *dst,
                           size_t dst_bytes, uint32_t dst_type, bool normalize) {
  if (src_type >= PW_ARRAY_TYPE_COUNT)
    return pw_fail(PW_EINVAL, "srcType (%lu) is not an element type code", (unsigned long)src_type);
  if (dst_type >= PW_ARRAY_TYPE_COUNT)
    return pw_fail(PW_EINVAL, "dstType (%lu) is not an element type code", (unsigned long)dst_type);
  size_t ss = cv_size[src_type], ds = cv_size[dst_type];
  if (src_bytes % ss != 0)
    return pw_fail(PW_EINVAL, "src has %.0f bytes, not a whole number of %s elements",
                   (double)src_bytes, cv_name[src_type]);
  size_t n = src_bytes / ss;
  if (dst_bytes % ds != 0 || dst_bytes / ds != n)
    return pw_fail(PW_EINVAL, "dst has %.0f bytes; %.0f %s elements (%.0f bytes) are needed",
                   (double)dst_bytes, (double)n, cv_name[dst_type], (double)n * (double)ds);
  if (normalize) {
    if (cv_is_float(src_type) == cv_is_float(dst_type))
      return pw_fail(PW_EINVAL, "normalize converts between an integer and a float type, not %s to %s",
                     cv_name[src_type], cv_name[dst_type]);
    uint32_t it = cv_is_float(src_type) ? dst_type : src_type;
    if (it == PW_ARRAY_I64 || it == PW_ARRAY_U64)
      return pw_fail(PW_EINVAL, "normalize is for 8-, 16- and 32-bit integer types, not %s",
                     cv_name[it]);
  }
  cv_small_ctx c = {{src, dst, normalize}, src_type, dst_type};
  pw_range_fn body = cv_table[src_type][dst_type];
  void *ctx = &c.cv;
#ifdef __wasm_simd128__
  if (src_type <= PW_ARRAY_U16 && cv_is_float(dst_type)) {
    if ((src_type == PW_ARRAY_U8 || src_type == PW_ARRAY_U8C) && dst_type == PW_ARRAY_F32) {
      body = cv_u8_f32_simd;
    } else {
      body = dst_type == PW_ARRAY_F32 ? cv_small_f32_simd : cv_small_f64_simd;
      ctx = &c;
    }
  } else if (cv_is_float(src_type) && dst_type <= PW_ARRAY_U32) {
    body = cv_float_int_simd;
    ctx = &c;
  } else if ((src_type == PW_ARRAY_I64 || src_type == PW_ARRAY_U64) && dst_type == PW_ARRAY_F64) {
    body = cv_i64_f64_simd;
    ctx = &c;
  } else if (src_type == PW_ARRAY_U64 && dst_type == PW_ARRAY_F32) {
    body = cv_u64_f32_simd;
  } else if (cv_is_float(src_type) && (dst_type == PW_ARRAY_I64 || dst_type == PW_ARRAY_U64)) {
    body = cv_float_i64_simd;
    ctx = &c;
  }
#endif
  return pw_parallel_for(n, pw_grain(ss + ds), body, ctx);
}
