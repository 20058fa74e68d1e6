/*
 * internal.h — what the array kernels (the .c files beside it) share:
 * order-preserving integer keys for every element type, scratch
 * allocation with overflow checks, the split of work into blocks, and a
 * deterministic reduction that cannot fail for lack of memory.
 *
 * Keys. Sorting, selection and search work on unsigned integer keys of
 * the element's width whose unsigned order is the order of
 * parawasm/array.h (TypedArray.prototype.sort's: -0 before +0, NaN last):
 *   unsigned  k = b
 *   signed    k = b ^ SIGN
 *   float     s = sign set ? ~b : b ^ SIGN      (the classic transform:
 *                                                -Inf < ... < -0 < +0 < ... < +Inf,
 *                                                but negative NaNs first)
 *             k = s - R, R = 2^mantissa_bits - 1 (mod 2^W)
 * The subtraction rotates the 2^M - 1 negative NaNs (the lowest s values)
 * to the top, so every NaN, whatever its sign and payload, lands above
 * +Inf (positive NaNs, then negative ones), and the map is still a
 * bijection: raw bits can be sorted by key and keep their bits.
 * K_INF = key(+Inf); a key above it is a NaN.
 * Descending order with NaN last: integers ~k; floats K_INF - k for
 * k <= K_INF and k itself for NaNs (so they stay above every number).
 * Both are involutions on their domain, so the same function decodes.
 * Where NaNs must compare equal (argsort, search, unique) their keys are
 * made one: K_NAN = key(quiet NaN 0x7ff8.../0x7fc00000).
 */
#ifndef PW_ARRAY_INTERNAL_H
#define PW_ARRAY_INTERNAL_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parawasm/array.h"
#include "../simd.h"

/*
 * Unrolls the loop that follows 4 times under clang (the wasm builds).
 * V8's optimising compiler does not unroll, and in the sort's scatter
 * loops it reloads spilled values (bases, the shift count, the stack
 * limit of its loop check) once an iteration; unrolled, once every four
 * keys: wasm argsort of 300,000 doubles 2.53-2.73 -> 2.16-2.37 ms. gcc
 * (the native builds) unrolls such loops as it sees fit.
 */
#if defined(__clang__)
#define PWA_UNROLL4 _Pragma("clang loop unroll_count(4)")
#else
#define PWA_UNROLL4
#endif

/*
 * 128-bit integers as two 64-bit words, two's complement (the exact sums of
 * 64-bit elements). Written out rather than __int128, which 32-bit x86
 * (gcc -m32, the 32-bit size_t tests) does not have; only the joins of
 * partial sums and a mean's one division use them.
 */
typedef struct {
  uint64_t lo, hi;
} pwa_128;

PW_INLINE pwa_128 pwa_128_u64(uint64_t v) {
  pwa_128 r = {v, 0};
  return r;
}
PW_INLINE pwa_128 pwa_128_i64(int64_t v) {
  pwa_128 r = {(uint64_t)v, v < 0 ? UINT64_MAX : 0};
  return r;
}
PW_INLINE pwa_128 pwa_128_add(pwa_128 a, pwa_128 b) {
  pwa_128 r = {a.lo + b.lo, a.hi + b.hi};
  r.hi += r.lo < a.lo;
  return r;
}
PW_INLINE pwa_128 pwa_128_shl32(pwa_128 a) {
  pwa_128 r = {a.lo << 32, (a.hi << 32) | (a.lo >> 32)};
  return r;
}
PW_INLINE bool pwa_128_negative(pwa_128 a) { return (a.hi >> 63) != 0; }
PW_INLINE pwa_128 pwa_128_neg(pwa_128 a) {
  pwa_128 r = {~a.lo + 1, ~a.hi + (a.lo == 0)};
  return r;
}
/* The nearest double to an unsigned 128-bit value (rounded once). */
PW_INLINE double pwa_128_to_double(pwa_128 a) {
  if (a.hi == 0) return (double)a.lo;
  int sh = 64 - __builtin_clzll(a.hi); /* bits of a above the low 64: 1 to 64 */
  uint64_t m = sh == 64 ? a.hi : (a.hi << (64 - sh)) | (a.lo >> sh);
  uint64_t dropped = sh == 64 ? a.lo : a.lo & ((UINT64_C(1) << sh) - 1);
  m |= dropped != 0; /* a sticky bit, far below double's 53 bits: the one rounding stays correct */
  return ldexp((double)m, sh);
}
/* q = a / d and r = a % d of unsigned values, d > 0 (bit by bit: once a call). */
PW_INLINE void pwa_128_divmod(pwa_128 a, uint64_t d, pwa_128 *q, uint64_t *r) {
  pwa_128 qq = {0, 0};
  uint64_t rr = 0;
  for (int i = 127; i >= 0; i--) {
    uint64_t bit = i >= 64 ? (a.hi >> (i - 64)) & 1 : (a.lo >> i) & 1;
    uint64_t top = rr >> 63;
    rr = (rr << 1) | bit;
    if (top || rr >= d) {
      rr -= d;
      if (i >= 64) qq.hi |= UINT64_C(1) << (i - 64);
      else qq.lo |= UINT64_C(1) << i;
    }
  }
  *q = qq;
  *r = rr;
}

/* ------------------------------------------------------------------------ */
/* Key modes                                                                */
/* ------------------------------------------------------------------------ */

/* How raw bits become keys: kind * 2 + descending. */
enum {
  PWA_UINT_ASC = 0,
  PWA_UINT_DESC = 1,
  PWA_SINT_ASC = 2,
  PWA_SINT_DESC = 3,
  PWA_FLOAT_ASC = 4,
  PWA_FLOAT_DESC = 5,
  /* floats with every NaN made K_NAN (for orders where NaNs tie) */
  PWA_FLOATC_ASC = 6,
  PWA_FLOATC_DESC = 7
};
enum { PWA_UINT = 0, PWA_SINT = 1, PWA_FLOAT = 2 };

/* The kind of each element type, by suffix. */
#define PWA_KIND_i8 PWA_SINT
#define PWA_KIND_u8 PWA_UINT
#define PWA_KIND_i16 PWA_SINT
#define PWA_KIND_u16 PWA_UINT
#define PWA_KIND_i32 PWA_SINT
#define PWA_KIND_u32 PWA_UINT
#define PWA_KIND_i64 PWA_SINT
#define PWA_KIND_u64 PWA_UINT
#define PWA_KIND_f32 PWA_FLOAT
#define PWA_KIND_f64 PWA_FLOAT

/* The unsigned type of each element type's width, by suffix. */
#define PWA_UT_i8 uint8_t
#define PWA_UT_u8 uint8_t
#define PWA_UT_i16 uint16_t
#define PWA_UT_u16 uint16_t
#define PWA_UT_i32 uint32_t
#define PWA_UT_u32 uint32_t
#define PWA_UT_i64 uint64_t
#define PWA_UT_u64 uint64_t
#define PWA_UT_f32 uint32_t
#define PWA_UT_f64 uint64_t

/*
 * Key functions for width W (8, 16, 32, 64):
 *   pwa_key<W>(b, mode)    the key of raw bits b
 *   pwa_unkey<W>(k, mode)  the raw bits of key k
 *   pwa_kinf<W>, pwa_knan<W>  key(+Inf), key(quiet NaN) (ascending)
 * mode is a constant at every call site that matters, so the switch
 * folds away. Floats exist for W = 32 and 64 only.
 */
#define PWA_KEYFNS_(W, UT, MANT)                                               \
  PW_INLINE UT pwa_sign##W##_(void) { return (UT)((UT)1 << (W - 1)); }         \
  PW_INLINE UT pwa_rot##W##_(void) { return (UT)(((UT)1 << (MANT)) - 1); }      \
  PW_INLINE UT pwa_fkey##W(UT b) {                                             \
    UT neg = (UT)0 - (UT)(b >> (W - 1)); /* all ones if the sign is set */     \
    return (UT)((UT)(b ^ (neg | pwa_sign##W##_())) - pwa_rot##W##_());                   \
  }                                                                            \
  PW_INLINE UT pwa_funkey##W(UT k) {                                           \
    UT s = (UT)(k + pwa_rot##W##_());                                               \
    UT pos = (UT)0 - (UT)(s >> (W - 1)); /* all ones if it was positive */     \
    return (UT)(s ^ ((UT)~pos | pwa_sign##W##_()));                                 \
  }                                                                            \
  PW_INLINE UT pwa_kinf##W(void) {                                             \
    return pwa_fkey##W((UT)((UT)~(UT)0 << (MANT)) & (UT)~pwa_sign##W##_());         \
  }                                                                            \
  PW_INLINE UT pwa_knan##W(void) {                                             \
    return pwa_fkey##W((UT)(((UT)~(UT)0 << ((MANT)-1)) & (UT)~pwa_sign##W##_()));   \
  }                                                                            \
  PW_INLINE UT pwa_key##W(UT b, int mode) {                                    \
    switch (mode) {                                                            \
    case PWA_UINT_ASC: return b;                                               \
    case PWA_UINT_DESC: return (UT)~b;                                         \
    case PWA_SINT_ASC: return (UT)(b ^ pwa_sign##W##_());                           \
    case PWA_SINT_DESC: return (UT)(b ^ (UT)~pwa_sign##W##_());                     \
    case PWA_FLOAT_ASC: return pwa_fkey##W(b);                                 \
    case PWA_FLOAT_DESC: {                                                     \
      UT k = pwa_fkey##W(b), inf = pwa_kinf##W();                              \
      return k > inf ? k : (UT)(inf - k);                                      \
    }                                                                          \
    case PWA_FLOATC_ASC: {                                                     \
      UT k = pwa_fkey##W(b);                                                   \
      return k > pwa_kinf##W() ? pwa_knan##W() : k;                            \
    }                                                                          \
    default: {                                                                 \
      UT k = pwa_fkey##W(b), inf = pwa_kinf##W();                              \
      return k > inf ? pwa_knan##W() : (UT)(inf - k);                          \
    }                                                                          \
    }                                                                          \
  }                                                                            \
  PW_INLINE UT pwa_unkey##W(UT k, int mode) {                                  \
    switch (mode) {                                                            \
    case PWA_FLOAT_ASC:                                                        \
    case PWA_FLOATC_ASC: return pwa_funkey##W(k);                              \
    case PWA_FLOAT_DESC:                                                       \
    case PWA_FLOATC_DESC: {                                                    \
      UT inf = pwa_kinf##W();                                                  \
      return pwa_funkey##W(k > inf ? k : (UT)(inf - k));                       \
    }                                                                          \
    default: return pwa_key##W(k, mode); /* integer keys are involutions */    \
    }                                                                          \
  }                                                                            \
  /* the key with every NaN made one (K_NAN), for orders where NaNs tie */     \
  PW_INLINE UT pwa_keyc##W(UT b, int mode) {                                   \
    return pwa_key##W(b, mode >= PWA_FLOAT_ASC ? (mode | PWA_FLOATC_ASC) : mode); \
  }

/* 8 and 16 bits have no float type: MANT is a placeholder. */
PWA_KEYFNS_(8, uint8_t, 3)
PWA_KEYFNS_(16, uint16_t, 10)
PWA_KEYFNS_(32, uint32_t, 23)
PWA_KEYFNS_(64, uint64_t, 52)

/*
 * Cancellation inside a block. The exact-result kernels (sorts, unique,
 * selection, histograms) cut their array into one block per thread
 * (pwa_blocks), so a loop that looked at pw_cancelled() only between
 * blocks would see an abort once per thread's whole share: a 3 GiB
 * histogram by edges on one thread ran 7 s past abort(). Their element
 * loops go over [b, e) in strips of PWA_POLL elements instead, with a
 * look before each strip, and stop early once the task is cancelled:
 *
 *   PWA_STRIPS(s, t, b, e) for (size_t i = s; i < t; i++) ...
 *
 * A loop cut short leaves its pass incomplete; the pw_parallel_for (or
 * pwa_reduce) that ran it then returns PW_ECANCELED (it looks once more at
 * its end), and the kernel returns before its next pass reads the partial
 * counts. The strip is a few hundred microseconds of the slowest such
 * loop, and the look (a thread-local read and an atomic load) a few
 * nanoseconds a strip.
 */
#define PWA_POLL ((size_t)1 << 16)
#define PWA_STRIPS(s, t, b, e)                                                 \
  for (size_t s = (b), pwa_e_##s = (e), t = 0;                                 \
       s < pwa_e_##s && !pw_cancelled() &&                                     \
       ((t = pwa_e_##s - s > PWA_POLL ? s + PWA_POLL : pwa_e_##s), 1);         \
       s = t)

/*
 * Counts of the keys of the 8- or 16-bit elements x[begin, end) (`width`
 * bits; an integer `mode`, whose keys are the elements xor a constant)
 * into h, 2^width counters zeroed here. An element written meanwhile
 * (an in-place sort) still counts within h.
 */
PW_INLINE void pwa_count_keys(const void *x, int width, int mode, size_t begin, size_t end, size_t *h) {
  memset(h, 0, ((size_t)1 << width) * sizeof *h);
  if (width == 8) {
    const uint8_t *x8 = x;
    uint8_t m = pwa_key8(0, mode);
    PWA_STRIPS(s, t, begin, end) for (size_t i = s; i < t; i++) h[x8[i] ^ m]++;
  } else {
    const uint16_t *x16 = x;
    uint16_t m = pwa_key16(0, mode);
    PWA_STRIPS(s, t, begin, end) for (size_t i = s; i < t; i++) h[(uint16_t)(x16[i] ^ m)]++;
  }
}

#ifdef __wasm_simd128__
/*
 * The integer modes of the SIMD key maps, whose lanes' sign bits are in
 * sign: 1 and *k the keys of b if mode is one, else 0.
 */
PW_INLINE int pwa_intkey_v(v128_t b, v128_t sign, int mode, v128_t *k) {
  switch (mode) {
  case PWA_UINT_ASC: *k = b; return 1;
  case PWA_UINT_DESC: *k = wasm_v128_not(b); return 1;
  case PWA_SINT_ASC: *k = wasm_v128_xor(b, sign); return 1;
  case PWA_SINT_DESC: *k = wasm_v128_xor(b, wasm_v128_not(sign)); return 1;
  default: return 0;
  }
}

/* Unsigned a > b in 64-bit lanes: a signed compare with the top bits flipped. */
PW_INLINE v128_t pwa_ugt64x2(v128_t a, v128_t b) {
  const v128_t sign = wasm_i64x2_splat(INT64_MIN);
  return wasm_i64x2_gt(wasm_v128_xor(a, sign), wasm_v128_xor(b, sign));
}

/*
 * pwa_key64 on two elements at once (wasm SIMD, which has only signed
 * 64-bit compares: an unsigned a > b is a signed compare of a and b with
 * their top bits flipped). The same keys, bit for bit.
 */
PW_INLINE v128_t pwa_key64x2(v128_t b, int mode) {
  const v128_t sign = wasm_i64x2_splat((int64_t)pwa_sign64_());
  v128_t ik;
  if (pwa_intkey_v(b, sign, mode, &ik)) return ik;
  /* all ones if the sign is set: a compare, as x86 before AVX-512 has no
     64-bit arithmetic shift (V8 spends several instructions on one) */
  v128_t neg = wasm_i64x2_lt(b, wasm_i64x2_splat(0));
  v128_t k = wasm_i64x2_sub(wasm_v128_xor(b, wasm_v128_or(neg, sign)), wasm_i64x2_splat((int64_t)pwa_rot64_()));
  if (mode == PWA_FLOAT_ASC) return k;
  const v128_t inf = wasm_i64x2_splat((int64_t)pwa_kinf64());
  v128_t above = pwa_ugt64x2(k, inf); /* k > inf: a NaN */
  switch (mode) {
  case PWA_FLOAT_DESC: return wasm_v128_bitselect(k, wasm_i64x2_sub(inf, k), above);
  case PWA_FLOATC_ASC: return wasm_v128_bitselect(wasm_i64x2_splat((int64_t)pwa_knan64()), k, above);
  default: return wasm_v128_bitselect(wasm_i64x2_splat((int64_t)pwa_knan64()), wasm_i64x2_sub(inf, k), above);
  }
}

/* pwa_unkey64 on two keys at once: the same raw bits. */
PW_INLINE v128_t pwa_unkey64x2(v128_t k, int mode) {
  const v128_t sign = wasm_i64x2_splat((int64_t)pwa_sign64_());
  if (mode < PWA_FLOAT_ASC) return pwa_key64x2(k, mode); /* integer keys are involutions */
  if (mode == PWA_FLOAT_DESC || mode == PWA_FLOATC_DESC) {
    const v128_t inf = wasm_i64x2_splat((int64_t)pwa_kinf64());
    k = wasm_v128_bitselect(k, wasm_i64x2_sub(inf, k), pwa_ugt64x2(k, inf));
  }
  v128_t s = wasm_i64x2_add(k, wasm_i64x2_splat((int64_t)pwa_rot64_()));
  v128_t pos = wasm_i64x2_lt(s, wasm_i64x2_splat(0)); /* all ones if it was positive */
  return wasm_v128_xor(s, wasm_v128_or(wasm_v128_not(pos), sign));
}

/* pwa_key32 on four elements at once: the same keys, bit for bit. */
PW_INLINE v128_t pwa_key32x4(v128_t b, int mode) {
  const v128_t sign = wasm_i32x4_splat((int32_t)pwa_sign32_());
  v128_t ik;
  if (pwa_intkey_v(b, sign, mode, &ik)) return ik;
  v128_t neg = wasm_i32x4_shr(b, 31); /* all ones if the sign is set */
  v128_t k = wasm_i32x4_sub(wasm_v128_xor(b, wasm_v128_or(neg, sign)), wasm_i32x4_splat((int32_t)pwa_rot32_()));
  if (mode == PWA_FLOAT_ASC) return k;
  const v128_t inf = wasm_i32x4_splat((int32_t)pwa_kinf32());
  v128_t above = wasm_u32x4_gt(k, inf); /* k > inf: a NaN */
  switch (mode) {
  case PWA_FLOAT_DESC: return wasm_v128_bitselect(k, wasm_i32x4_sub(inf, k), above);
  case PWA_FLOATC_ASC: return wasm_v128_bitselect(wasm_i32x4_splat((int32_t)pwa_knan32()), k, above);
  default: return wasm_v128_bitselect(wasm_i32x4_splat((int32_t)pwa_knan32()), wasm_i32x4_sub(inf, k), above);
  }
}
#endif

/* ------------------------------------------------------------------------ */
/* Raw bits of floats                                                       */
/* ------------------------------------------------------------------------ */

PW_INLINE uint64_t pwa_bits64(double v) {
  uint64_t b;
  memcpy(&b, &v, 8);
  return b;
}
PW_INLINE double pwa_f64(uint64_t b) {
  double v;
  memcpy(&v, &b, 8);
  return v;
}
PW_INLINE uint32_t pwa_bits32(float v) {
  uint32_t b;
  memcpy(&b, &v, 4);
  return b;
}
PW_INLINE float pwa_f32(uint32_t b) {
  float v;
  memcpy(&v, &b, 4);
  return v;
}

/* ------------------------------------------------------------------------ */
/* Sizes and scratch                                                        */
/* ------------------------------------------------------------------------ */

/* Largest element count whose indices fit the uint32_t results. */
#define PWA_MAX_INDEXED ((uint64_t)UINT32_MAX)
/* True when n elements cannot all have 32-bit indices (a 64-bit size_t only). */
PW_INLINE bool pwa_too_many(uint64_t n) { return n > PWA_MAX_INDEXED; }

/* malloc(count * size), NULL when the product does not fit size_t. */
static inline void *pwa_alloc(size_t count, size_t size) {
  if (size != 0 && count > SIZE_MAX / size) return NULL;
  size_t bytes = count * size;
  return malloc(bytes ? bytes : 1);
}

/* The PW_ENOMEM failure of a kernel that wanted count * size bytes. */
static inline pw_status pwa_nomem(size_t count, size_t size) {
  return pw_fail(PW_ENOMEM, "no memory for %.0f bytes of scratch", (double)count * (double)size);
}

/*
 * Number of blocks to split n items into for work whose result does not
 * depend on the split (sorts, histograms: exact results): one block per
 * thread when each gets at least `min_per_block` items, else fewer.
 */
static inline size_t pwa_blocks(size_t n, size_t min_per_block) {
  size_t t = (size_t)pw_concurrency();
  size_t most = n / (min_per_block ? min_per_block : 1);
  if (t > most) t = most;
  return t ? t : 1;
}

/*
 * The stride between the counters of consecutive blocks: `count` counters
 * of `size` bytes rounded up to whole 64-byte cache lines, plus one line,
 * so that two threads counting different blocks never write the same
 * line, whatever the base address. (Blocks laid end to end put the last
 * counter of one block beside the first of the next: sorting 10M doubles
 * of both signs, whose keys crowd into the first and last buckets, made
 * the two threads' counts fight over that line, and the count and scatter
 * passes took twice as long on two threads as on one.) SIZE_MAX if it
 * overflows, which the allocation then refuses.
 */
static inline size_t pwa_padded(size_t count, size_t size) {
  size_t line = size < 64 ? 64 / size : 1;
  if (count > SIZE_MAX - 2 * line) return SIZE_MAX;
  return (count + line - 1) / line * line + line;
}

/* Bounds of block b of nb blocks over n items: [*begin, *end). */
static inline void pwa_block(size_t n, size_t nb, size_t b, size_t *begin, size_t *end) {
  uint64_t q = n / nb, r = n % nb;
  *begin = (size_t)(b * q + (b < r ? b : r));
  *end = (size_t)(*begin + q + (b < r));
}

/* ------------------------------------------------------------------------ */
/* Deterministic reduction                                                  */
/* ------------------------------------------------------------------------ */

/*
 * i if i < n, else n - 1 (n > 0): a place computed from data that another
 * call or thread may write while a kernel runs (an in-place sort's keys,
 * an array the caller writes while a pool call reads it), kept inside its
 * buffer. Such a race gives an unspecified result, never a write or read
 * outside the kernel's own memory.
 */
PW_INLINE size_t pwa_in_n(size_t i, size_t n) { return i < n ? i : n - 1; }

/* Largest partial that pwa_reduce's fallback keeps on its stack. */
#define PWA_REDUCE_MAX_PARTIAL 128

/*
 * pw_parallel_reduce, and when its partial slots cannot be allocated (or
 * there is one chunk, which needs no threads), the very same chunks
 * folded and joined in order on the caller, each partial on the stack:
 * same result, no failure for lack of memory, and no allocation for a
 * small array. The chunking repeats the one pw_parallel_reduce documents
 * (grain widened so there are at most 4096 chunks). partial_size <=
 * PWA_REDUCE_MAX_PARTIAL. Returns PW_OK or PW_ECANCELED.
 */
static inline pw_status pwa_reduce(size_t n, size_t grain, size_t partial_size, pw_reduce_fn body,
                                   pw_join_fn join, void *ctx, void *result) {
  if (grain == 0) grain = 1;
  size_t min_grain = pw_chunks(n, 4096);
  if (grain < min_grain) grain = min_grain;
  if (n > grain) {
    pw_status s = pw_parallel_reduce(n, grain, partial_size, body, join, ctx, result);
    if (s != PW_ENOMEM) return s;
  }
  unsigned char partial[PWA_REDUCE_MAX_PARTIAL];
  for (size_t begin = 0; begin < n; begin += grain) {
    if (pw_cancelled()) return PW_ECANCELED;
    size_t end = n - begin > grain ? begin + grain : n;
    memcpy(partial, result, partial_size);
    body(ctx, begin, end, partial);
    join(ctx, result, partial);
  }
  /* (a body may have stopped early: see PWA_STRIPS) */
  return pw_cancelled() ? PW_ECANCELED : PW_OK;
}

/* ------------------------------------------------------------------------ */
/* Shared between files                                                     */
/* ------------------------------------------------------------------------ */

/*
 * Sorts n unsigned keys of width W (8, 16, 32, 64 bits; `keys` points to
 * uint<W>_t) ascending in place, using `tmp` (n keys) as scratch.
 * Used by unique (keys of a copy) and selection (small candidate sets).
 * Returns PW_OK or PW_ECANCELED.
 */
pw_status pwa_sort_keys(void *keys, void *tmp, size_t n, int width);

/*
 * Stable sort of n (key, index) pairs by key, ascending, keys of width W;
 * keys and idx are sorted in place, k2/i2 are scratch of n each.
 * Returns PW_OK or PW_ECANCELED.
 */
pw_status pwa_sort_pairs(void *keys, uint32_t *idx, void *k2, uint32_t *i2, size_t n, int width);

/*
 * Multi-rank selection over the keys of x's raw elements under `mode`:
 * for each of the r ranks (non-decreasing, each < n) writes the key of
 * rank ranks[j] (the ranks[j]-th smallest key, from 0) to out[j].
 * Scratch is allocated inside (see select.c). Returns PW_OK, PW_ENOMEM or
 * PW_ECANCELED.
 */
pw_status pwa_select_keys(const void *x, size_t n, int width, int mode, const uint64_t *ranks,
                          size_t r, uint64_t *out);

/*
 * Compensated sum of x[b, e) (reduce.c): the pair (*S, *C) whose value
 * S + C is the sum, with the lane structure and the error bound of
 * pw_array_sum. Deterministic for given (b, e).
 */
void pwa_sum2_f64(const double *x, size_t b, size_t e, double *S, double *C);
/* The same over x[i] * scale (a power of two), for sums beyond the double range. */
void pwa_sum2_scaled_f64(const double *x, size_t b, size_t e, double scale, double *S, double *C);
void pwa_sum2_f32(const float *x, size_t b, size_t e, double *S, double *C);
/*
 * The length of x's leading run of negative zeros (reduce.c). A sum is -0
 * exactly when every element is -0 (IEEE: -0 + -0 is -0, any other sum
 * of zeros +0), which the compensated sums, starting from +0, do not see.
 * Polls for cancellation (PWA_STRIPS): cancelled, it may return less.
 */
size_t pwa_negzero_run_f64(const double *x, size_t n);
size_t pwa_negzero_run_f32(const float *x, size_t n);

/* Calls CALL(m) with m the constant equal to `mode` (so that inlined
   key functions fold). */
#define PWA_MODE_SWITCH(mode, CALL)                                            \
  switch (mode) {                                                              \
  case PWA_UINT_ASC: CALL(PWA_UINT_ASC); break;                                \
  case PWA_UINT_DESC: CALL(PWA_UINT_DESC); break;                              \
  case PWA_SINT_ASC: CALL(PWA_SINT_ASC); break;                                \
  case PWA_SINT_DESC: CALL(PWA_SINT_DESC); break;                              \
  case PWA_FLOAT_ASC: CALL(PWA_FLOAT_ASC); break;                              \
  case PWA_FLOAT_DESC: CALL(PWA_FLOAT_DESC); break;                            \
  case PWA_FLOATC_ASC: CALL(PWA_FLOATC_ASC); break;                            \
  default: CALL(PWA_FLOATC_DESC); break;                                       \
  }

#endif /* PW_ARRAY_INTERNAL_H */
