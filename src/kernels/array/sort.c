/*
 * sort.c — sort, argsort and gather for every element type
 * (parawasm/array.h), and the key sorts the other array kernels share.
 *
 * Keys. Elements become unsigned keys whose unsigned order is the array
 * order (internal.h: one xor for integers, an xor and a subtraction for
 * floats; descending is a second cheap map, and every map is a bijection,
 * so elements keep their bits). A sort converts x to keys in place in its
 * first pass (which also finds the smallest and largest key), sorts the
 * keys, and converts them back at the end of each finished range while it
 * is still in cache.
 *
 * The engine (sort_engine.h, one copy per key width) is a most-significant
 * digit radix sort over the key range, finished by least-significant
 * digit passes in cache:
 *   - MSD step: [lo, hi] is cut into up to 2^ENG_MSD_BITS equal buckets
 *     (256 for 32-bit keys, 512 for 64-bit ones),
 *     bucket = (key - lo) >> shift; one pass counts, per block of the
 *     array, the keys of each bucket, and one pass scatters each block to
 *     its own offsets (laid out bucket-major, block-minor: stable, and the
 *     same result for any number of blocks). Blocks run on the pool.
 *   - each bucket is then a separate problem over its own key range,
 *     buckets split across threads: up to ENG_LSD_MAX keys (256 KiB:
 *     L2) it is finished by LSD passes over digits of up to 12 bits of
 *     key - lo (one counting pass for every digit, digits that are the
 *     same in every key skipped, each other digit one stable scatter
 *     between the two buffers); larger buckets (skewed data, few
 *     distinct keys) have their range measured and take another MSD step.
 *   - a bucket over more than 24 bits is first sorted by the top 16 bits
 *     of key - lo (two passes) and finished by insertion sort, which
 *     moves few keys where they spread over the bucket (lsd_top); where
 *     they crowd, it gives up after a few moves a key and the LSD passes
 *     finish. 10M doubles on one thread, alternating runs: native
 *     108-121 -> 80-87 ms, wasm 157-190 -> 108-115 ms; argsort of them
 *     wasm 356 -> 252 ms.
 * Buckets over the range, rather than over fixed leading bits, adapt to
 * the data: doubles drawn uniformly from [0, 1) share their top 12 key
 * bits, but their range splits them 512 ways at once.
 * Measured against the plain 8-bit LSD sort this engine replaced
 * (test/bench/native_array.c, one thread, alternating runs): 10M doubles
 * take 3 passes over memory (keys and range, count, scatter) plus passes
 * over cache-resident buckets instead of 8 full passes, 1.4x faster
 * natively and 1.15x in wasm; 10M uint32 were about 20% slower (4 LSD
 * passes suit 32-bit keys well) until the engine's sizes were set per key
 * width (below). Counting the top-level buckets in the
 * keys pass, when leading key bits spread well, would save a pass there.
 *
 * Small ranges (at most PWA_INSERTION_MAX keys) use insertion sort:
 * stable, and cheaper than clearing counters. If the MSD counters cannot
 * be allocated, the range is finished by LSD passes, which need none: a
 * sort fails for lack of memory only before it starts (its n-element
 * scratch buffer), so x is never left half sorted.
 *
 * 8- and 16-bit types are counted instead (counting sort: one pass of
 * counts, one pass writing each key's value count times), except 16-bit
 * arrays shorter than 2^16 elements, where 65536 counters cost more than
 * the engine; so are 32- and 64-bit keys whose range (measured by the
 * keys pass) spans at most 2^16 values, with at least 4 keys a value
 * (cs_sort): 10M Uint32 of 16, 1,000 and 1,000 in sawtooth runs, wasm,
 * one thread, 24.0, 45.7, 38.1 -> 9.9, 8.5, 8.7 ms; and 32- and 64-bit
 * keys of few distinct values over any wider range, by value (fs_sort).
 *
 * Argsort: the keys (with every NaN made one key, so that NaNs tie and
 * keep their index order) and the indices 0..n-1 are written by the first
 * pass into scratch and into the caller's order array, and (key, index)
 * pairs go through the same engine, stable throughout; 32- and 64-bit keys
 * of few values are counted (ca_sort).
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define PWA_INSERTION_MAX 24
/* Least elements per block before a pass is split across threads. */
#define SORT_MIN_BLOCK ((size_t)1 << 16)
/* At most this many keys spanning more than 8 bits are merge sorted (sort_engine.h): argsort of
   doubles natively, merged against radix passes, 128 keys 726 against 838 ns, 160 1,029 against 1,005. */
#define SORT_MERGE_MAX ((size_t)128)
/* argsort's keys and scratch of at most this many bytes lie on the stack (256 doubles). */
#define ARGSORT_STACK ((size_t)5 << 10)
/* Most bits of an MSD step over keys that crowd (sort_engine.h: msd_bits). */
#define SORT_MSD_MAX 11u
/* Keys msd_bits samples (n > ENG_LSD_MAX >= SORT_SAMPLE: one in every n / SORT_SAMPLE). */
#define SORT_SAMPLE ((size_t)4096)
/* Ranges of at least this many bits take lsd_top (sort_engine.h). */
#define SORT_TOP_MIN_BITS 25
/* lsd_top's insertion sort gives up after this many moves a key. */
#define SORT_TOP_BUDGET 4
/* 16-bit arrays at least this long are counted rather than radix sorted. */
#define COUNT16_MIN ((size_t)1 << 16)

/*
 * The engine's sizes, per key width (wasm, one thread, medians of
 * alternating runs of test/bench/native_array.c, against 11 / 2^14 / 2^11
 * for every width before):
 *   ENG_MSD_BITS  most bits of one MSD digit;
 *   ENG_LSD_MAX   ranges of at most this many keys are finished in cache;
 *   ENG_BUCKET    an MSD step aims at buckets of this many keys.
 * 32-bit keys: 256 buckets, each up to 2^16 keys (256 KiB and as much
 * scratch: L2), which 3 LSD passes finish. A scatter to 2,048 buckets
 * keeps 2,048 cache lines open, which L1 cannot hold: 10M uint32 97-125 ms
 * before, 89-101 after (natively 89 -> 65); argsort 189-193 -> 138-157.
 * 64-bit keys: 512 buckets of up to 2^15 keys: 10M int64 130-137 ->
 * 102-105 ms; doubles within noise (150-160).
 */
/* The widest LSD digit, in bits (sort_engine.h: ENG(lsd); its counters lie on the stack: 3 x 2^12
   for 32-bit keys, 6 x 2^12 for 64-bit ones). */
#define ENG_DMAX 12
#define ENG_K uint8_t
#define ENG_W 8
#define ENG_MSD_BITS 8
#define ENG_LSD_MAX ((size_t)1 << 16)
#define ENG_BUCKET ((size_t)1 << 15)
#include "sort_engine.h"
#undef ENG_K
#undef ENG_W
#define ENG_K uint16_t
#define ENG_W 16
#include "sort_engine.h"
#undef ENG_K
#undef ENG_W
#define ENG_K uint32_t
#define ENG_W 32
#include "sort_engine.h"
#undef ENG_K
#undef ENG_W
#undef ENG_MSD_BITS
#undef ENG_LSD_MAX
#undef ENG_BUCKET
#define ENG_K uint64_t
#define ENG_W 64
#define ENG_MSD_BITS 9
#define ENG_LSD_MAX ((size_t)1 << 15)
#define ENG_BUCKET ((size_t)1 << 13)
#include "sort_engine.h"
#undef ENG_K
#undef ENG_W
#undef ENG_MSD_BITS
#undef ENG_LSD_MAX
#undef ENG_BUCKET

/*
 * The first pass: keys of x under mode (into k, which may be x itself),
 * with their smallest and largest, and for argsort the indices 0..n-1.
 */
typedef struct {
  const void *x;
  void *k;
  uint32_t *ix;
  int mode;
  unsigned char *done; /* if not NULL: done[b / grain] set once block [b, e) is keyed */
  size_t grain;
} kp_ctx;

#define KP_LOOP(W)                                                             \
  do {                                                                         \
    const uint##W##_t *x = c->x;                                               \
    uint##W##_t *k = c->k, lo = (uint##W##_t)r[0], hi = (uint##W##_t)r[1];     \
    PWA_MODE_SWITCH(c->mode, KP_CALL_##W)                                      \
    r[0] = lo, r[1] = hi;                                                      \
  } while (0)
#ifdef __wasm_simd128__
/*
 * 64-bit keys four at a time, the range in two lanes of unsigned minimum
 * and maximum (signed compares on flipped top bits). wasm has no 64-bit
 * minimum or maximum, and a compare and select a vector for each cost
 * more than the keys themselves (sort of 300,000 int64: this pass 7x its
 * native time); a key rarely moves the range, so the four keys are
 * compared with it and the range updated only where one lies outside.
 * Scalar, this pass took 1.9x its native time (perf, argsort of 10M
 * doubles); the whole argsort in wasm went from 243 to 223 ms with SIMD
 * (native: 160).
 */
#define KP_SIMD_64(m)                                                          \
  do {                                                                         \
    const v128_t sign = wasm_i64x2_splat(INT64_MIN);                           \
    v128_t vlo = wasm_i64x2_splat((int64_t)(lo ^ (uint64_t)INT64_MIN));        \
    v128_t vhi = wasm_i64x2_splat((int64_t)(hi ^ (uint64_t)INT64_MIN));        \
    for (; i + 4 <= e; i += 4) {                                               \
      v128_t k0 = pwa_key64x2(wasm_v128_load(x + i), m);                       \
      v128_t k1 = pwa_key64x2(wasm_v128_load(x + i + 2), m);                   \
      wasm_v128_store(k + i, k0);                                              \
      wasm_v128_store(k + i + 2, k1);                                          \
      v128_t f0 = wasm_v128_xor(k0, sign), f1 = wasm_v128_xor(k1, sign);       \
      v128_t out = wasm_v128_or(wasm_v128_or(wasm_i64x2_lt(f0, vlo), wasm_i64x2_gt(f0, vhi)), \
                                wasm_v128_or(wasm_i64x2_lt(f1, vlo), wasm_i64x2_gt(f1, vhi))); \
      if (wasm_v128_any_true(out)) {                                           \
        vlo = wasm_v128_bitselect(f0, vlo, wasm_i64x2_lt(f0, vlo));            \
        vhi = wasm_v128_bitselect(f0, vhi, wasm_i64x2_gt(f0, vhi));            \
        vlo = wasm_v128_bitselect(f1, vlo, wasm_i64x2_lt(f1, vlo));            \
        vhi = wasm_v128_bitselect(f1, vhi, wasm_i64x2_gt(f1, vhi));            \
      }                                                                        \
    }                                                                          \
    for (int l = 0; l < 2; l++) {                                              \
      uint64_t a = (uint64_t)(l ? wasm_i64x2_extract_lane(vlo, 1) : wasm_i64x2_extract_lane(vlo, 0)) ^ (uint64_t)INT64_MIN; \
      uint64_t z = (uint64_t)(l ? wasm_i64x2_extract_lane(vhi, 1) : wasm_i64x2_extract_lane(vhi, 0)) ^ (uint64_t)INT64_MIN; \
      lo = a < lo ? a : lo;                                                    \
      hi = z > hi ? z : hi;                                                    \
    }                                                                          \
  } while (0)
/*
 * 32-bit keys four at a time (unsigned minimum and maximum are wasm
 * instructions). Scalar, this pass took 10x its native time, which gcc
 * vectorises (perf, sort of 1M uint32: a tenth of the wasm call).
 */
#define KP_SIMD_32(m)                                                          \
  do {                                                                         \
    v128_t vlo = wasm_i32x4_splat((int32_t)lo), vhi = wasm_i32x4_splat((int32_t)hi); \
    for (; i + 4 <= e; i += 4) {                                               \
      v128_t kv = pwa_key32x4(wasm_v128_load(x + i), m);                       \
      wasm_v128_store(k + i, kv);                                              \
      vlo = wasm_u32x4_min(vlo, kv);                                           \
      vhi = wasm_u32x4_max(vhi, kv);                                           \
    }                                                                          \
    for (int l = 0; l < 4; l++) {                                              \
      uint32_t a = (uint32_t)wasm_i32x4_extract_lane(vlo, 0);                  \
      uint32_t z = (uint32_t)wasm_i32x4_extract_lane(vhi, 0);                  \
      lo = a < lo ? a : lo;                                                    \
      hi = z > hi ? z : hi;                                                    \
      vlo = wasm_i32x4_shuffle(vlo, vlo, 1, 2, 3, 0);                          \
      vhi = wasm_i32x4_shuffle(vhi, vhi, 1, 2, 3, 0);                          \
    }                                                                          \
  } while (0)
#else
#define KP_SIMD_64(m) ((void)0)
#define KP_SIMD_32(m) ((void)0)
#endif
#define KP_SIMD_8(m) ((void)0)
#define KP_SIMD_16(m) ((void)0)

#define KP_BODY(W, m)                                                          \
  {                                                                            \
    size_t i = b;                                                              \
    KP_SIMD_##W(m);                                                            \
    for (; i < e; i++) {                                                       \
      uint##W##_t v = pwa_key##W(x[i], m);                                     \
      k[i] = v;                                                                \
      lo = v < lo ? v : lo;                                                    \
      hi = v > hi ? v : hi;                                                    \
    }                                                                          \
  }
#define KP_CALL_8(m) KP_BODY(8, m)
#define KP_CALL_16(m) KP_BODY(16, m)
#define KP_CALL_32(m) KP_BODY(32, m)
#define KP_CALL_64(m) KP_BODY(64, m)

#define KP_FN(W)                                                               \
  static void kp_body_##W(void *p, size_t b, size_t e, void *partial) {        \
    kp_ctx *c = p;                                                             \
    uint64_t *r = partial;                                                     \
    KP_LOOP(W);                                                                \
    if (c->ix != NULL)                                                         \
      for (size_t i = b; i < e; i++) c->ix[i] = (uint32_t)i;                   \
    if (c->done != NULL) c->done[b / c->grain] = 1;                            \
  }
KP_FN(8)
KP_FN(16)
KP_FN(32)
KP_FN(64)

static void kp_join(void *ctx, void *acc, const void *partial) {
  (void)ctx;
  uint64_t *a = acc;
  const uint64_t *p = partial;
  if (p[0] < a[0]) a[0] = p[0];
  if (p[1] > a[1]) a[1] = p[1];
}

/* Most blocks of the key pass (pwa_reduce makes at most 4096). */
#define KP_MAX_BLOCKS 4096u

/* Raw elements of keys k[0, n), in place (the engine's unkey of a width). */
static void unkey_any(void *k, size_t n, int width, int mode) {
  switch (width) {
  case 8: eng_unkey_range8(k, n, mode); break;
  case 16: eng_unkey_range16(k, n, mode); break;
  case 32: eng_unkey_range32(k, n, mode); break;
  default: eng_unkey_range64(k, n, mode); break;
  }
}

/*
 * Keys of x into k (and indices into ix): *lo, *hi their range. Keying in
 * place (k == x) and cancelled, the blocks already keyed are turned back,
 * so that x holds its elements as they were (a block is keyed whole or
 * not at all; a cancelled pass skips the blocks it has not started).
 */
static pw_status make_keys(const void *x, void *k, uint32_t *ix, size_t n, int width, int mode,
                           uint64_t *lo, uint64_t *hi) {
  unsigned char done[KP_MAX_BLOCKS];
  size_t grain = pw_grain((size_t)width / 8), least = pw_chunks(n, KP_MAX_BLOCKS);
  if (grain < least) grain = least; /* (as pwa_reduce would widen it) */
  kp_ctx c = {x, k, ix, mode, k == x ? done : NULL, grain};
  if (c.done != NULL) memset(done, 0, pw_chunks(n, grain));
  uint64_t r[2] = {width == 64 ? UINT64_MAX : (UINT64_C(1) << width) - 1, 0};
  pw_reduce_fn body = width == 8 ? kp_body_8 : width == 16 ? kp_body_16 : width == 32 ? kp_body_32 : kp_body_64;
  pw_status s = pwa_reduce(n, grain, sizeof r, body, kp_join, &c, r);
  if (s != PW_OK && c.done != NULL) {
    const size_t kb = (size_t)width / 8;
    for (size_t b = 0; b * grain < n; b++)
      if (done[b]) unkey_any((char *)k + b * grain * kb, n - b * grain < grain ? n - b * grain : grain, width, mode);
  }
  *lo = r[0], *hi = r[1];
  return s;
}

/* ------------------------------------------------------------------------ */
/* Input already in order                                                   */
/* ------------------------------------------------------------------------ */

/*
 * Input whose keys are already in order, or in reverse order — a sorted
 * column, one sorted the other way, all-equal data — is common, and the
 * engine gains nothing from it (10M sorted doubles: 80 % of a random
 * array's time, 8.7x TypedArray.prototype.sort, which is adaptive). So a
 * sort first checks: the first PRE_PROBE keys, and as many at places
 * spread to the end, rule out most other data at no cost (the probes
 * against each other too: one in each order); if they are all in one
 * order, a parallel pass checks the rest,
 * every block stopping at its first pair against both orders (or once
 * another block has found one). The answer depends on the data alone.
 */
#define PRE_PROBE 256u
#define PRE_PROBES 8u /* probes of PRE_PROBE keys: the first, six spread, the last */
enum { PRE_UP = 1, PRE_DOWN = 2, PRE_EMPTY = 4 }; /* PRE_UP: non-decreasing keys; PRE_DOWN: non-increasing */

typedef struct {
  const void *x;
  int mode;
  atomic_int mixed; /* a block found a pair against both orders */
} pre_ctx;

/*
 * wasm SIMD: four 32-bit or two 64-bit keys at a time, each against the
 * one before it (the previous vector's last lane shuffled in), the
 * orders' lanes folded once a stretch. With the reversal's (below), pool
 * of 2, 10M elements, medians of 5, two runs alternating with the scalar
 * loops: Float64 in order 13.5-15.9 -> 11.8-12.0 ms, reversed 20.5-21.6
 * -> 13.2-13.6; Uint32 reversed 7.8-8.8 -> 5.5-6.6 (the built-in: 74 ms).
 */
#ifdef __wasm_simd128__
#define PRE_SIMD_32(m)                                                         \
  if (i + 4 <= t) {                                                            \
    v128_t kl = wasm_i32x4_splat((int32_t)prev), upv = wasm_i32x4_splat(-1), downv = upv; \
    for (; i + 4 <= t; i += 4) {                                               \
      const v128_t k = pwa_key32x4(wasm_v128_load(x + i), m), kp = wasm_i32x4_shuffle(kl, k, 3, 4, 5, 6); \
      upv = wasm_v128_and(upv, wasm_u32x4_ge(k, kp));                          \
      downv = wasm_v128_and(downv, wasm_u32x4_le(k, kp));                      \
      kl = k;                                                                  \
    }                                                                          \
    up &= wasm_i32x4_all_true(upv), down &= wasm_i32x4_all_true(downv);        \
    prev = (uint32_t)wasm_i32x4_extract_lane(kl, 3);                           \
  }
#define PRE_SIMD_64(m)                                                         \
  if (i + 2 <= t) {                                                            \
    v128_t kl = wasm_i64x2_splat((int64_t)prev), upv = wasm_i32x4_splat(-1), downv = upv; \
    for (; i + 2 <= t; i += 2) {                                               \
      const v128_t k = pwa_key64x2(wasm_v128_load(x + i), m), kp = wasm_i64x2_shuffle(kl, k, 1, 2); \
      upv = wasm_v128_andnot(upv, pwa_ugt64x2(kp, k));                         \
      downv = wasm_v128_andnot(downv, pwa_ugt64x2(k, kp));                     \
      kl = k;                                                                  \
    }                                                                          \
    up &= wasm_i32x4_all_true(upv), down &= wasm_i32x4_all_true(downv);        \
    prev = (uint64_t)wasm_i64x2_extract_lane(kl, 1);                           \
  }
#else
#define PRE_SIMD_32(m)
#define PRE_SIMD_64(m)
#endif
#define PRE_SIMD_8(m)
#define PRE_SIMD_16(m)
/* partial: order flags, the block's first key, its last key */
#define PRE_BODY(W, m)                                                         \
  {                                                                            \
    const uint##W##_t *x = c->x;                                               \
    uint##W##_t prev = pwa_key##W(x[b], m), first = prev;                      \
    unsigned up = 1, down = 1;                                                 \
    PWA_STRIPS(s, t, b + 1, e) {                                               \
      if (!(up | down) || atomic_load_explicit(&c->mixed, memory_order_relaxed)) break; \
      size_t i = s;                                                            \
      PRE_SIMD_##W(m)                                                          \
      for (; i < t; i++) {                                                     \
        uint##W##_t v = pwa_key##W(x[i], m);                                   \
        up &= v >= prev;                                                       \
        down &= v <= prev;                                                     \
        prev = v;                                                              \
      }                                                                        \
    }                                                                          \
    if (!(up | down)) atomic_store_explicit(&c->mixed, 1, memory_order_relaxed); \
    r[0] = (up ? PRE_UP : 0) | (down ? PRE_DOWN : 0), r[1] = first, r[2] = prev; \
  }
#define PRE_CALL_8(m) PRE_BODY(8, m)
#define PRE_CALL_16(m) PRE_BODY(16, m)
#define PRE_CALL_32(m) PRE_BODY(32, m)
#define PRE_CALL_64(m) PRE_BODY(64, m)
#define PRE_FN(W)                                                              \
  static void pre_body_##W(void *p, size_t b, size_t e, void *partial) {       \
    pre_ctx *c = p;                                                            \
    uint64_t *r = partial;                                                     \
    PWA_MODE_SWITCH(c->mode, PRE_CALL_##W)                                     \
  }
PRE_FN(8)
PRE_FN(16)
PRE_FN(32)
PRE_FN(64)

/* Blocks in index order: the orders that hold within each and across each boundary. */
static void pre_join(void *ctx, void *acc, const void *partial) {
  (void)ctx;
  uint64_t *a = acc;
  const uint64_t *p = partial;
  if (a[0] & PRE_EMPTY) {
    memcpy(a, p, 3 * sizeof *a);
    return;
  }
  uint64_t f = a[0] & p[0];
  if (a[2] > p[1]) f &= ~(uint64_t)PRE_UP;
  if (a[2] < p[1]) f &= ~(uint64_t)PRE_DOWN;
  a[0] = f, a[2] = p[2];
}

/*
 * The order of the keys of x[0, n) under mode (n >= 2): PRE_UP if they
 * never decrease (all equal included), PRE_DOWN if they never increase,
 * 0 otherwise; -1 if the call was cancelled.
 */
static int presorted(const void *x, size_t n, int width, int mode) {
  if (pw_cancelled()) return -1; /* (cancelled before the start: x not read) */
  pre_ctx c = {x, mode, 0};
  pw_reduce_fn body = width == 8 ? pre_body_8 : width == 16 ? pre_body_16 : width == 32 ? pre_body_32 : pre_body_64;
  uint64_t r[3] = {PRE_EMPTY, 0, 0};
  size_t probe = n < PRE_PROBE ? n : PRE_PROBE;
  body(&c, 0, probe, r);
  if (r[0] == 0 || probe == n) return (int)r[0];
  /* more probes, spread to the end (new keys appended to a sorted array:
     the pass below would read all the rest before its last block) */
  uint64_t flags = r[0], last = r[2];
  for (size_t q = 1; q < PRE_PROBES && n >= (PRE_PROBES + 1) * PRE_PROBE; q++) {
    if (pw_cancelled()) return -1;
    size_t at = (n - PRE_PROBE) / (PRE_PROBES - 1) * q;
    if (q == PRE_PROBES - 1) at = n - PRE_PROBE;
    uint64_t rq[3];
    body(&c, at, at + PRE_PROBE, rq);
    flags &= rq[0];
    if (rq[1] < last) flags &= ~(uint64_t)PRE_UP; /* (and against the probe before) */
    if (rq[1] > last) flags &= ~(uint64_t)PRE_DOWN;
    if (flags == 0) return 0;
    last = rq[2];
  }
  r[0] |= PRE_EMPTY; /* the whole array again, in parallel blocks (the probe's keys are cheap to redo) */
  if (pwa_reduce(n, pw_grain((size_t)width / 8), sizeof r, body, pre_join, &c, r) != PW_OK) return -1;
  return atomic_load(&c.mixed) ? 0 : (int)r[0];
}

/* x[0, n) of `bytes`-byte elements in reverse order, in parallel. */
typedef struct {
  void *x;
  size_t n, bytes;
} rev_ctx;

/* (wasm SIMD: 16 bytes from each end at a time, their lanes turned around by SH) */
#ifdef __wasm_simd128__
#define REV_SIMD(T, SH)                                                        \
  for (const size_t l_ = 16 / sizeof(T); i + l_ <= t; i += l_) {               \
    T *hi_ = x + (c->n - i - l_); /* (i + l_ <= t <= n / 2: apart) */          \
    const v128_t a_ = wasm_v128_load(x + i), z_ = wasm_v128_load(hi_);         \
    wasm_v128_store(x + i, SH(z_));                                            \
    wasm_v128_store(hi_, SH(a_));                                              \
  }
#else
#define REV_SIMD(T, SH)
#endif
#define REV_SH8(v) wasm_i8x16_shuffle(v, v, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0)
#define REV_SH16(v) wasm_i16x8_shuffle(v, v, 7, 6, 5, 4, 3, 2, 1, 0)
#define REV_SH32(v) wasm_i32x4_shuffle(v, v, 3, 2, 1, 0)
#define REV_SH64(v) wasm_i64x2_shuffle(v, v, 1, 0)
#define REV_SWAP(T, SH)                                                        \
  do {                                                                         \
    T *x = c->x;                                                               \
    PWA_STRIPS(s, t, b, e) {                                                   \
      size_t i = s;                                                            \
      REV_SIMD(T, SH)                                                          \
      for (; i < t; i++) {                                                     \
        T v = x[i];                                                            \
        x[i] = x[c->n - 1 - i];                                                \
        x[c->n - 1 - i] = v;                                                   \
      }                                                                        \
    }                                                                          \
  } while (0)
static void rev_body(void *p, size_t b, size_t e) {
  rev_ctx *c = p;
  switch (c->bytes) {
  case 1: REV_SWAP(uint8_t, REV_SH8); break;
  case 2: REV_SWAP(uint16_t, REV_SH16); break;
  case 4: REV_SWAP(uint32_t, REV_SH32); break;
  default: REV_SWAP(uint64_t, REV_SH64); break;
  }
}
#undef REV_SWAP
#undef REV_SIMD

static pw_status reverse(void *x, size_t n, size_t bytes) {
  rev_ctx c = {x, n, bytes};
  return pw_parallel_for(n / 2, pw_grain(2 * bytes), rev_body, &c);
}

/*
 * argsort of keys that never increase: the indices from the last to the
 * first, but each run of equal keys in index order (stable). A block
 * [b, e) of the input writes the runs that start in it, each whole, at
 * their place from the end.
 */
typedef struct {
  const void *x;
  uint32_t *order;
  size_t n;
  int mode;
} runs_ctx;

#define RUNS_BODY(W, m)                                                        \
  {                                                                            \
    const uint##W##_t *x = c->x;                                               \
    size_t i = b;                                                              \
    /* a run that began before b is its first block's */                       \
    while (i > 0 && i < e && pwa_key##W(x[i], m) == pwa_key##W(x[i - 1], m)) i++; \
    while (i < e && !pw_cancelled()) {                                         \
      const uint##W##_t k = pwa_key##W(x[i], m);                               \
      size_t j = i + 1;                                                        \
      while (j < c->n && pwa_key##W(x[j], m) == k) j++;                        \
      uint32_t *o = c->order + (c->n - j);                                     \
      for (size_t q = i; q < j; q++) *o++ = (uint32_t)q;                       \
      i = j;                                                                   \
    }                                                                          \
  }
#define RUNS_CALL_8(m) RUNS_BODY(8, m)
#define RUNS_CALL_16(m) RUNS_BODY(16, m)
#define RUNS_CALL_32(m) RUNS_BODY(32, m)
#define RUNS_CALL_64(m) RUNS_BODY(64, m)
#define RUNS_FN(W)                                                             \
  static void runs_body_##W(void *p, size_t b, size_t e) {                     \
    runs_ctx *c = p;                                                           \
    PWA_MODE_SWITCH(c->mode, RUNS_CALL_##W)                                    \
  }
RUNS_FN(8)
RUNS_FN(16)
RUNS_FN(32)
RUNS_FN(64)

static pw_status reversed_order(const void *x, size_t n, uint32_t *order, int width, int mode) {
  runs_ctx c = {x, order, n, mode};
  pw_range_fn body = width == 8 ? runs_body_8 : width == 16 ? runs_body_16 : width == 32 ? runs_body_32 : runs_body_64;
  return pw_parallel_for(n, pw_grain(4 + (size_t)width / 8), body, &c);
}

/* order[i] = i for i < n, in parallel. */
static void iota_body(void *p, size_t b, size_t e) {
  uint32_t *order = p;
  PWA_STRIPS(s, t, b, e) for (size_t i = s; i < t; i++) order[i] = (uint32_t)i;
}

/* The engine of a width, on keys at k (scratch k2; indices ix, ix2). */
static pw_status eng_sort_any(void *k, uint32_t *ix, void *k2, uint32_t *ix2, size_t n, int width,
                              int unkey, int have_range, uint64_t lo, uint64_t hi) {
  switch (width) {
  case 8: return eng_sort8(k, ix, k2, ix2, n, 0, unkey, have_range, (uint8_t)lo, (uint8_t)hi);
  case 16: return eng_sort16(k, ix, k2, ix2, n, 0, unkey, have_range, (uint16_t)lo, (uint16_t)hi);
  case 32: return eng_sort32(k, ix, k2, ix2, n, 0, unkey, have_range, (uint32_t)lo, (uint32_t)hi);
  default: return eng_sort64(k, ix, k2, ix2, n, 0, unkey, have_range, lo, hi);
  }
}

/* ------------------------------------------------------------------------ */
/* Input nearly in order                                                    */
/* ------------------------------------------------------------------------ */

/*
 * Input that is in order but for a few keys — a sorted column with some
 * rows changed, rows appended to a sorted column, a few swapped pairs — is
 * common, and the built-in sort, adaptive, takes it 3-5x faster than
 * random data, while the engine's passes cost the same. Such input is
 * sorted by taking the keys out of order away, sorting them alone, and
 * merging them back:
 *   - a sample decides whether to try: of NEAR_SAMPLE adjacent pairs
 *     spread over the array, at most NEAR_SAMPLE_MAX against the order
 *     (random data: half), and of NEAR_SPREAD keys spread over it, all but
 *     NEAR_SPREAD_MAX in one non-decreasing subsequence (a few sorted runs
 *     one after another: no). Input nearly in the other order is reversed
 *     first (a parallel pass);
 *   - blocks of NEAR_BLOCK elements, in parallel, each keep a
 *     non-decreasing run of their keys (written over the block's own
 *     start, which has been read by then) and eject the rest (written to
 *     the scratch buffer). A key below the last kept one is ejected, unless it
 *     is at least the kept key before that: then the last kept key is the
 *     one out of place, and is ejected instead (a large key moved down).
 *     After more than NEAR_STREAK ejections in a row, the kept keys above
 *     the next key are ejected instead if they are no more than the
 *     ejections in a row (a run of large keys moved down; not a small key
 *     out of place, which would take many kept keys with it). Once more than
 *     n / NEAR_SHARE keys of the whole array are ejected the try gives up:
 *     each block puts its ejected keys back after its kept ones, and the
 *     engine sorts the array (which any order of its elements leaves
 *     sorted alike);
 *   - where a block's first kept key is below the previous block's last,
 *     the fewest keys of the two runs' ends are ejected that put them in
 *     order;
 *   - the ejected keys are gathered and sorted (the engine), and the kept
 *     runs and they are merged in x, in place, block by block across the
 *     threads (NEAR_IPA, NEAR_IPB: each kept key moves by the ejected keys
 *     below it less those ejected before it, the keys moving down in
 *     increasing order and those moving up in decreasing order). Against a
 *     merge from the kept keys in the scratch buffer into x, which this
 *     replaced, the drop pass writes to memory it has just read and the
 *     merge reads and writes x alone: 10M Uint32 with 1 % of them swapped,
 *     natively (gcc -O3 -march=native), 16.2 -> 13.6 ms on one thread and
 *     11.2 -> 8.9 on two; in wasm, where the drop pass (four keys at a
 *     time) was no faster, 0-6 % less for Uint32 and 0-11 % for Float64
 *     (medians of 21 runs alternating in one process, nearly in order and
 *     the last 1 % new, one and two threads).
 * Equal keys are equal elements (every key map is a bijection), so the
 * result does not depend on which of equal keys is kept, nor on the blocks.
 * Argsort takes the same path, stable: the kept keys and the ejected ones
 * carry their indices, equal ejected keys are put in index order after
 * their sort, and the merge (from the scratch buffers into the order
 * array, the output cut into chunks across the threads, each finding its
 * start in both by a binary search) takes the lower index first among
 * equal keys; x is only read, so input nearly in the other order is read
 * from its end (where the later of equal keys comes first: see NEAR_DROP).
 */
#define NEAR_MIN ((size_t)1 << 16) /* least elements to try */
#define NEAR_SAMPLE ((size_t)4096)
#define NEAR_SAMPLE_MAX (NEAR_SAMPLE / 8) /* most pairs against the order in the sample */
#define NEAR_SPREAD ((size_t)256)
#define NEAR_SPREAD_MAX (NEAR_SPREAD / 8) /* most spread keys out of the longest run in order */
#define NEAR_BLOCK ((size_t)1 << 18)
#define NEAR_SHARE 5u
#define NEAR_STREAK 8u

typedef struct {
  size_t begin, end;
  size_t e;       /* ejected keys: xe[begin, begin + e) */
  size_t skip, k; /* the kept run: tmp[begin + skip, begin + k) */
  /* sort's merge in place (NEAR_IPA, NEAR_IPB): the ejected keys below the run's first and
     last kept key, the first kept key that moves up, the first ejected key that goes before the
     run (the previous run's ehi), and which passes are done */
  size_t elo, ehi, split, eprev;
  int adone, bdone;
} near_block;

/*
 * The places of an argsort (near_sort's `ix`): its input x is not written;
 * the blocks' ejected keys go to xe, their indices to order, the kept
 * keys' indices to ti (beside the kept keys in tmp), and the result to
 * order.
 */
typedef struct {
  void *xe;
  uint32_t *order, *ti;
} near_ix;

typedef struct {
  void *x, *xe, *tmp; /* input, ejected elements (sort: its scratch), kept elements (sort: x itself; argsort: keys) */
  uint32_t *xei, *ti; /* argsort: ejected and kept elements' indices */
  const void *ej; /* the ejected elements, sorted (merge) */
  const uint32_t *eji; /* argsort: their indices */
  size_t n, nej, nb; /* elements, ejected keys, blocks */
  size_t last; /* sort's merge in place: the last block with kept keys */
  near_block *blk;
  size_t *kpre; /* kpre[j]: kept keys in the blocks before j (nb + 1 entries) */
  int mode;
  int back; /* argsort of input nearly in the other order: read from the end */
  atomic_size_t ejected; /* ejected keys of finished strips, all blocks */
  atomic_int give_up;
} near_ctx;

/* Index in tmp of the i-th kept key (i < kept keys); *blk its block. */
static size_t near_at(const near_ctx *c, size_t i, size_t *blk) {
  size_t lo = 0, hi = c->nb; /* the block j with kpre[j] <= i < kpre[j + 1] */
  while (hi - lo > 1) {
    size_t mid = lo + (hi - lo) / 2;
    if (c->kpre[mid] <= i) lo = mid;
    else hi = mid;
  }
  *blk = lo;
  return c->blk[lo].begin + c->blk[lo].skip + (i - c->kpre[lo]);
}

/*
 * Whether the kept key a (index ia) comes before the ejected key b (index
 * ib) in argsort's result: the lower key, and among equal keys the lower
 * index (stable).
 */
#define NEAR_BEFORE(ka, ia, kb_, ib) ((ka) < (kb_) || ((ka) == (kb_) && (ia) < (ib)))

#ifdef __wasm_simd128__
/*
 * The drop pass's common case, four keys at a time: keys in order and not
 * below the last kept one are kept together (exactly the keys the scalar
 * steps would keep); the first four that are not take the scalar steps.
 * The merge's (argsort's): the indices of four kept keys below the next
 * ejected one are copied. Argsort's float
 * keys, with every NaN one key (PWA_FLOATC_*), are made here under the
 * plain float mode (NEAR_MK), which gives the same keys but for NaNs, at
 * a few instructions less: four keys in order whose last is not a NaN's
 * (at most the key of +Inf) have none, and others take the scalar steps.
 */
#define NEAR_MK(m) ((m) == PWA_FLOATC_ASC ? PWA_FLOAT_ASC : (m) == PWA_FLOATC_DESC ? PWA_FLOAT_DESC : (m))
#define NEAR_DROP_SIMD_32(m, IX)                                               \
  for (; i + 4 <= t; i += 4) {                                                 \
    const v128_t v = wasm_v128_load(x + i), kv = pwa_key32x4(v, NEAR_MK(m));   \
    const v128_t prev = wasm_i32x4_shuffle(wasm_i32x4_splat((int32_t)top), kv, 3, 4, 5, 6); \
    if (!wasm_i32x4_all_true(wasm_u32x4_ge(kv, prev))) break;                  \
    const uint32_t last = (uint32_t)wasm_i32x4_extract_lane(kv, 3);            \
    if (NEAR_MK(m) != (m) && last > pwa_kinf32()) break;                       \
    wasm_v128_store(kp + k, IX ? kv : v);                                      \
    if (IX) wasm_v128_store(kip + k, wasm_i32x4_add(wasm_i32x4_splat((int32_t)i), wasm_i32x4_make(0, 1, 2, 3))); \
    k += 4, top = last, streak = 0;                                            \
  }                                                                            \
  if (i >= t) break
#define NEAR_DROP_SIMD_64(m, IX)                                               \
  for (const v128_t sign = wasm_i64x2_splat(INT64_MIN); i + 4 <= t; i += 4) {  \
    const v128_t v0 = wasm_v128_load(x + i), v1 = wasm_v128_load(x + i + 2);   \
    const v128_t k0 = pwa_key64x2(v0, NEAR_MK(m)), k1 = pwa_key64x2(v1, NEAR_MK(m)); \
    const v128_t f0 = wasm_v128_xor(k0, sign), f1 = wasm_v128_xor(k1, sign);   \
    const v128_t p0 = wasm_i64x2_shuffle(wasm_i64x2_splat((int64_t)(top ^ (uint64_t)INT64_MIN)), f0, 1, 2); \
    const v128_t p1 = wasm_i64x2_shuffle(f0, f1, 1, 2);                        \
    if (wasm_v128_any_true(wasm_v128_or(wasm_i64x2_lt(f0, p0), wasm_i64x2_lt(f1, p1)))) break; \
    const uint64_t last = (uint64_t)wasm_i64x2_extract_lane(f1, 1) ^ (uint64_t)INT64_MIN; \
    if (NEAR_MK(m) != (m) && last > pwa_kinf64()) break;                       \
    wasm_v128_store(kp + k, IX ? k0 : v0);                                     \
    wasm_v128_store(kp + k + 2, IX ? k1 : v1);                                 \
    if (IX) wasm_v128_store(kip + k, wasm_i32x4_add(wasm_i32x4_splat((int32_t)i), wasm_i32x4_make(0, 1, 2, 3))); \
    k += 4, top = last, streak = 0;                                            \
  }                                                                            \
  if (i >= t) break
#define NEAR_MERGE_SIMD_32                                                     \
  for (const v128_t vke = wasm_i32x4_splat((int32_t)ke); q + 4 <= lim; q += 4) { \
    if (!wasm_i32x4_all_true(wasm_u32x4_lt(wasm_v128_load(r + q), vke))) break; \
    wasm_v128_store(oix + o + q, wasm_v128_load(ri + q));                      \
  }
#define NEAR_MERGE_SIMD_64                                                     \
  for (const v128_t sign = wasm_i64x2_splat(INT64_MIN), vke = wasm_i64x2_splat((int64_t)(ke ^ (uint64_t)INT64_MIN)); \
       q + 4 <= lim; q += 4) {                                                 \
    const v128_t f0 = wasm_v128_xor(wasm_v128_load(r + q), sign), f1 = wasm_v128_xor(wasm_v128_load(r + q + 2), sign); \
    if (wasm_v128_any_true(wasm_v128_or(wasm_i64x2_ge(f0, vke), wasm_i64x2_ge(f1, vke)))) break; \
    wasm_v128_store(oix + o + q, wasm_v128_load(ri + q));                      \
  }
#else
#define NEAR_DROP_SIMD_32(m, IX) ((void)0)
#define NEAR_DROP_SIMD_64(m, IX) ((void)0)
#define NEAR_MERGE_SIMD_32 ((void)0)
#define NEAR_MERGE_SIMD_64 ((void)0)
#endif

/*
 * (IX: argsort, with indices; its kept and ejected elements are stored as
 * their keys, which it alone needs: the passes after it take them under
 * PWA_UINT_ASC. Else sort. R: argsort of input nearly in the other order,
 * read from its end, so that indices fall: equal keys are kept as read,
 * in falling index order, and once the block is done each run of equal
 * kept keys has its indices reversed (NEAR_TIES_UP, where any are), which
 * puts the kept run in order of key and index. Reading equal keys as out of order
 * instead ejected one key a tie: input nearly reversed with a fifth of its
 * keys equal to a neighbour gave up, and took longer than random input.)
 * NEAR_SK: the key of a stored element.
 */
#define NEAR_SK(W, m, IX, v) (IX ? (v) : pwa_key##W(v, m))
/* (NEAR_FIX, R: between blocks read from the end, equal keys are out of
   order: the later block's indices are lower) */
#define NEAR_GE(R, a, b) (R ? (a) > (b) : (a) >= (b))
#define NEAR_GT(R, a, b) (R ? (a) >= (b) : (a) > (b))
#define NEAR_TIES_UP(kp, kip, k)                                               \
  for (size_t t0 = 0, t1; t0 < (k); t0 = t1) {                                 \
    for (t1 = t0 + 1; t1 < (k) && (kp)[t1] == (kp)[t0]; t1++) {}               \
    for (size_t a_ = t0, b_ = t1 - 1; a_ < b_; a_++, b_--) {                   \
      const uint32_t s_ = (kip)[a_];                                           \
      (kip)[a_] = (kip)[b_], (kip)[b_] = s_;                                   \
    }                                                                          \
  }
#define NEAR_DROP(W, m, IX, R)                                                 \
  {                                                                            \
    const uint##W##_t *x = c->x;                                               \
    uint##W##_t *kp = (uint##W##_t *)c->tmp + bl->begin, *ep = (uint##W##_t *)c->xe + bl->begin; \
    uint32_t *kip = IX ? c->ti + bl->begin : NULL, *eip = IX ? c->xei + bl->begin : NULL; \
    size_t k = 0, e = 0, streak = 0, counted = 0;                              \
    uint##W##_t top = 0;                                                       \
    int tied = 0; /* (R: equal keys kept next to each other) */                \
    PWA_STRIPS(s, t, bl->begin, bl->end) {                                     \
      if (atomic_load_explicit(&c->give_up, memory_order_relaxed)) break;      \
      for (size_t i = s; i < t; i++) {                                         \
        if (!R) {                                                              \
          NEAR_DROP_SIMD_##W(m, IX);                                           \
        }                                                                      \
        const size_t at = R ? c->n - 1 - i : i; /* (the element's index) */    \
        const uint##W##_t v = x[at], kv = pwa_key##W(v, m);                    \
        const uint##W##_t sv = IX ? kv : v; /* (what is stored) */             \
        if (k == 0 || kv > top || (kv == top && (!R || (tied = 1)))) {        \
          if (IX) kip[k] = (uint32_t)at;                                       \
          kp[k++] = sv, top = kv, streak = 0;                                  \
        } else if (k >= 2 && kv >= NEAR_SK(W, m, IX, kp[k - 2])) {             \
          if (R) tied |= kv == NEAR_SK(W, m, IX, kp[k - 2]);                   \
          if (IX) eip[e] = kip[k - 1], kip[k - 1] = (uint32_t)at;              \
          ep[e++] = kp[k - 1], kp[k - 1] = sv, top = kv, streak = 0;           \
        } else if (++streak <= NEAR_STREAK ||                                  \
                   (k > streak && NEAR_SK(W, m, IX, kp[k - 1 - streak]) > kv)) { \
          if (IX) eip[e] = (uint32_t)at;                                       \
          ep[e++] = sv;                                                        \
        } else {                                                               \
          while (k > 0 && NEAR_SK(W, m, IX, kp[k - 1]) > kv) {                 \
            if (IX) eip[e] = kip[k - 1];                                       \
            ep[e++] = kp[--k];                                                 \
          }                                                                    \
          if (R) tied |= k > 0 && NEAR_SK(W, m, IX, kp[k - 1]) == kv;          \
          if (IX) kip[k] = (uint32_t)at;                                       \
          kp[k++] = sv, top = kv, streak = 0;                                  \
        }                                                                      \
      }                                                                        \
      size_t all = atomic_fetch_add_explicit(&c->ejected, e - counted, memory_order_relaxed) + (e - counted); \
      counted = e;                                                             \
      if (all > c->n / NEAR_SHARE) {                                           \
        atomic_store_explicit(&c->give_up, 1, memory_order_relaxed);           \
        break;                                                                 \
      }                                                                        \
    }                                                                          \
    if (R && tied && !atomic_load_explicit(&c->give_up, memory_order_relaxed)) NEAR_TIES_UP(kp, kip, k); \
    bl->e = e, bl->k = k;                                                      \
  }

/*
 * Output [ob, oe) of argsort's merge (sort merges in place, NEAR_IPB):
 * the first ob outputs hold a kept keys and ob - a ejected ones
 * (NEAR_BEFORE decides between equal keys); then the two sorted sequences
 * are merged, each kept key's index copied while it comes before the next
 * ejected one, into order (c->xei). The keys are the stored ones
 * (NEAR_DROP), compared as unsigned integers.
 */
#define NEAR_MERGE(W)                                                          \
  {                                                                            \
    uint32_t *oix = c->xei;                                                    \
    const uint##W##_t *tmp = c->tmp, *ej = c->ej;                              \
    const uint32_t *ti = c->ti, *eji = c->eji;                                 \
    const size_t kt = c->n - c->nej;                                           \
    size_t lo = ob > c->nej ? ob - c->nej : 0, hi = ob < kt ? ob : kt, j;      \
    while (lo < hi) {                                                          \
      size_t mid = lo + (hi - lo) / 2, at = near_at(c, mid, &j), ee = ob - mid - 1; \
      if (NEAR_BEFORE(tmp[at], ti[at], ej[ee], eji[ee])) lo = mid + 1;         \
      else hi = mid;                                                           \
    }                                                                          \
    size_t e = ob - lo, o = ob;                                                \
    const uint##W##_t *r = tmp, *rend = tmp;                                   \
    if (lo < kt) {                                                             \
      r = tmp + near_at(c, lo, &j);                                            \
      rend = tmp + c->blk[j].begin + c->blk[j].k;                              \
    } else {                                                                   \
      j = c->nb;                                                               \
    }                                                                          \
    while (o < oe) {                                                           \
      if (r == rend) {                                                         \
        while (++j < c->nb && c->blk[j].k == c->blk[j].skip) {}                \
        if (j >= c->nb) { /* only ejected keys are left */                     \
          memcpy(oix + o, eji + e, (oe - o) * sizeof *oix);                    \
          break;                                                               \
        }                                                                      \
        r = tmp + c->blk[j].begin + c->blk[j].skip;                            \
        rend = tmp + c->blk[j].begin + c->blk[j].k;                            \
      }                                                                        \
      const uint32_t *ri = ti + (r - tmp);                                     \
      size_t lim = (size_t)(rend - r) < oe - o ? (size_t)(rend - r) : oe - o, q = 0; \
      if (e == c->nej) {                                                       \
        memcpy(oix + o, ri, lim * sizeof *oix);                                \
        o += lim, r += lim;                                                    \
        continue;                                                              \
      }                                                                        \
      const uint##W##_t ke = ej[e];                                            \
      const uint32_t ie = eji[e];                                              \
      NEAR_MERGE_SIMD_##W;                                                     \
      for (; q < lim && NEAR_BEFORE(r[q], ri[q], ke, ie); q++) oix[o + q] = ri[q]; \
      o += q, r += q;                                                          \
      if (q < lim) oix[o++] = ie, e++;                                         \
    }                                                                          \
  }

/*
 * Where a block's kept run starts below the previous kept run's end, the
 * fewest keys — q from the front of this run, p from the end of the
 * previous one (never all of it: its first key is in order with the runs
 * before) — that leave the two in order are ejected (into their blocks'
 * ejected keys, where the kept ones they leave make room). Equal keys
 * across the boundary are in order (for argsort too: the earlier block's
 * indices are lower), but for an argsort read from the end (c->back:
 * there they are not). 0 once more than n / NEAR_SHARE keys are ejected in
 * all (several sorted runs: each run after the first would be), 1
 * otherwise.
 */
#define NEAR_FIX(W, m)                                                         \
  {                                                                            \
    uint##W##_t *xe = c->xe, *tmp = c->tmp;                                    \
    near_block *bp = NULL;                                                     \
    size_t ejected = atomic_load(&c->ejected);                                 \
    for (size_t j = 0; j < c->nb; j++) {                                       \
      near_block *bj = &c->blk[j];                                             \
      if (bj->k == bj->skip) continue;                                         \
      if (bp != NULL) {                                                        \
        const uint##W##_t *rp = tmp + bp->begin + bp->skip, *rj = tmp + bj->begin + bj->skip; \
        const size_t np = bp->k - bp->skip, nj = bj->k - bj->skip;             \
        if (NEAR_GT(c->back, pwa_key##W(rp[np - 1], m), pwa_key##W(rj[0], m))) { \
          size_t best = nj, bq = nj, bpp = 0, q = 0, hi = nj;                  \
          while (q < hi) { /* the first key of rj after rp's first */          \
            size_t mid = q + (hi - q) / 2;                                     \
            if (NEAR_GT(c->back, pwa_key##W(rp[0], m), pwa_key##W(rj[mid], m))) q = mid + 1; \
            else hi = mid;                                                     \
          }                                                                    \
          for (; q < nj && q < best; q++) {                                    \
            const uint##W##_t kq = pwa_key##W(rj[q], m);                       \
            size_t lo = 0, hi = np; /* kept keys of rp before kq */            \
            while (lo < hi) {                                                  \
              size_t mid = lo + (hi - lo) / 2;                                 \
              if (NEAR_GE(c->back, kq, pwa_key##W(rp[mid], m))) lo = mid + 1;  \
              else hi = mid;                                                   \
            }                                                                  \
            if (q + (np - lo) < best) best = q + (np - lo), bq = q, bpp = np - lo; \
          }                                                                    \
          memcpy(xe + bp->begin + bp->e, rp + np - bpp, bpp * sizeof *xe);     \
          memcpy(xe + bj->begin + bj->e, rj, bq * sizeof *xe);                 \
          if (c->ti != NULL) {                                                 \
            memcpy(c->xei + bp->begin + bp->e, c->ti + (rp - tmp) + np - bpp, bpp * sizeof *c->ti); \
            memcpy(c->xei + bj->begin + bj->e, c->ti + (rj - tmp), bq * sizeof *c->ti); \
          }                                                                    \
          bp->e += bpp, bp->k -= bpp;                                          \
          bj->e += bq, bj->skip += bq;                                         \
          if ((ejected += best) > c->n / NEAR_SHARE) return 0;                 \
          if (bj->k == bj->skip) continue;                                     \
        }                                                                      \
      }                                                                        \
      bp = bj;                                                                 \
    }                                                                          \
    return 1;                                                                  \
  }

/*
 * The sample of x[0, n): r[0], r[1] the descending and ascending pairs
 * among NEAR_SAMPLE adjacent pairs spread over it; keys[0, NEAR_SPREAD)
 * the keys at NEAR_SPREAD places spread over it (from the end if `back`).
 * Each read may be a page of its own: cancelled, it stops (returns 1).
 */
#define NEAR_COUNT(W, m)                                                       \
  {                                                                            \
    const uint##W##_t *x = p;                                                  \
    for (size_t i = 0; i < NEAR_SAMPLE; i++) {                                 \
      if (pw_cancelled()) return 1;                                            \
      const uint##W##_t a = pwa_key##W(x[i * stride], m), b = pwa_key##W(x[i * stride + 1], m); \
      r[0] += b < a, r[1] += b > a;                                            \
    }                                                                          \
    const size_t step = (n - 1) / (NEAR_SPREAD - 1);                           \
    for (size_t i = 0; i < NEAR_SPREAD; i++) {                                 \
      if (pw_cancelled()) return 1;                                            \
      keys[i] = pwa_key##W(x[back ? n - 1 - i * step : i * step], m);          \
    }                                                                          \
  }

/*
 * Sort's merge, in place. Sort's drop pass keeps each block's kept run at
 * the block's start in x (tmp holds the ejected keys), so the merge reads
 * and writes x alone (a merge from a separate buffer of kept keys into x
 * moves half as much memory again). Kept key r (of all, counted in order)
 * lies at p = r + h (h: the same for its block) and goes to q = r + e(r),
 * e(r) the ejected keys below it, which grows with r: in each block the
 * keys that move down (q < p) come before those that move up. A key
 * moving down goes to the place of an earlier key that also moves down (or
 * of no kept key), and one moving up to that of a later key that also
 * moves up: keys moving down, taken in increasing order, and keys moving
 * up, in decreasing order, are each read before their place is written.
 * Between blocks, which run in parallel: the targets of a block's keys are
 * the range [qlo, qhi), the blocks' ranges in order and apart, so a
 * block's keys that lie outside its own range are all a block may find
 * written by another; pass A copies those to tmp (at the same places)
 * before pass B moves any key. Each ejected key is written by the block
 * whose first kept key above it is (the last block: those above every
 * kept key) to its place m + (kept keys below or equal), which is in that
 * block's range or just before it, never a place another block reads in
 * x; within the block, below the key moving down or above the key moving
 * up being placed, once the keys there have been read.
 */
#define NEAR_BELOW(W, m, ej, ne, kv, out)                                      \
  {                                                                            \
    size_t lo_ = 0, hi_ = (ne);                                                \
    while (lo_ < hi_) {                                                        \
      const size_t mid_ = lo_ + (hi_ - lo_) / 2;                               \
      if (pwa_key##W((ej)[mid_], m) < (kv)) lo_ = mid_ + 1;                    \
      else hi_ = mid_;                                                         \
    }                                                                          \
    (out) = lo_;                                                               \
  }
#define NEAR_IPA(W, m)                                                         \
  {                                                                            \
    const uint##W##_t *x = c->x, *ej = c->ej;                                  \
    uint##W##_t *sv = c->xe;                                                   \
    for (size_t b = b0; b < b1; b++) {                                         \
      near_block *bl = &c->blk[b];                                             \
      const size_t kn = bl->k - bl->skip, plo = bl->begin + bl->skip, r0 = c->kpre[b]; \
      if (kn > 0) {                                                            \
        const uint##W##_t *run = x + plo;                                      \
        const size_t h = plo - r0; /* (kpre[b] <= begin) */                    \
        NEAR_BELOW(W, m, ej, c->nej, pwa_key##W(run[0], m), bl->elo);          \
        NEAR_BELOW(W, m, ej, c->nej, pwa_key##W(run[kn - 1], m), bl->ehi);     \
        size_t sp = h == 0 ? 0 : kn; /* the first key with e(r) >= h */        \
        if (h > 0 && h <= c->nej) {                                            \
          const uint##W##_t kh = pwa_key##W(ej[h - 1], m);                     \
          size_t lo = 0, hi = kn;                                              \
          while (lo < hi) {                                                    \
            const size_t mid = lo + (hi - lo) / 2;                             \
            if (pwa_key##W(run[mid], m) > kh) hi = mid;                        \
            else lo = mid + 1;                                                 \
          }                                                                    \
          sp = lo;                                                             \
        }                                                                      \
        bl->split = sp;                                                        \
        const size_t phi = plo + kn, qlo = r0 + bl->elo, qhi = r0 + kn + bl->ehi; \
        if (qlo > plo) {                                                       \
          const size_t t = qlo < phi ? qlo : phi;                              \
          memcpy(sv + plo, x + plo, (t - plo) * sizeof *sv);                   \
        }                                                                      \
        if (phi > qhi) {                                                       \
          const size_t f = qhi > plo ? qhi : plo;                              \
          memcpy(sv + f, x + f, (phi - f) * sizeof *sv);                       \
        }                                                                      \
      }                                                                        \
      bl->adone = 1;                                                           \
    }                                                                          \
  }
/*
 * Pass B works through stretches of a block's kept keys that lie in one
 * buffer (x, or tmp where pass A saved them): up to qlo, up to qhi, beyond;
 * runs of them with no ejected key among them are moved four at a time.
 */
#define NEAR_COPY4(W, d, s)                                                    \
  {                                                                            \
    uint##W##_t t4_[4]; /* (read, then written: the places may overlap) */     \
    memcpy(t4_, (s), sizeof t4_);                                              \
    memcpy((d), t4_, sizeof t4_);                                              \
  }
#define NEAR_IPB(W, m)                                                         \
  {                                                                            \
    uint##W##_t *x = c->x;                                                     \
    const uint##W##_t *ej = c->ej, *sv = c->xe;                                \
    const size_t ne = c->nej;                                                  \
    for (size_t b = b0; b < b1; b++) {                                         \
      near_block *bl = &c->blk[b];                                             \
      const size_t kn = bl->k - bl->skip, plo = bl->begin + bl->skip, r0 = c->kpre[b]; \
      if (kn > 0) {                                                            \
        const size_t sp = bl->split, qlo = r0 + bl->elo, qhi = r0 + kn + bl->ehi; \
        /* the block's first keys in x and the first beyond them (block indices) */ \
        const size_t ia = qlo > plo ? (qlo - plo < kn ? qlo - plo : kn) : 0;   \
        const size_t ib = qhi > plo ? (qhi - plo < kn ? qhi - plo : kn) : 0;   \
        uint##W##_t *o = x + r0; /* key i goes to o[i + e] */                  \
        /* keys moving down, in increasing order; each after the ejected keys below it */ \
        size_t e = bl->eprev, i = 0;                                           \
        uint##W##_t ke = e < ne ? pwa_key##W(ej[e], m) : (uint##W##_t)-1;      \
        while (i < sp) {                                                       \
          const size_t end = i < ia ? (ia < sp ? ia : sp) : i < ib ? (ib < sp ? ib : sp) : sp; \
          const uint##W##_t *src = (i < ia || i >= ib ? sv : x) + plo;         \
          while (i < end) {                                                    \
            for (; i + 4 <= end && pwa_key##W(src[i + 3], m) <= ke; i += 4) NEAR_COPY4(W, o + i + e, src + i); \
            if (i == end) break;                                               \
            const uint##W##_t v = src[i], kv = pwa_key##W(v, m);               \
            if (kv > ke) {                                                     \
              do {                                                             \
                o[i + e] = ej[e];                                              \
                e++;                                                           \
              } while (e < ne && pwa_key##W(ej[e], m) < kv);                   \
              ke = e < ne ? pwa_key##W(ej[e], m) : (uint##W##_t)-1;            \
            }                                                                  \
            o[i + e] = v;                                                      \
            i++;                                                               \
          }                                                                    \
        }                                                                      \
        const size_t el = e; /* ejected keys written: [eprev, el) */           \
        if (sp < kn) {                                                         \
          /* keys moving up, in decreasing order; each before the ejected keys above it */ \
          e = bl->ehi;                                                         \
          uint##W##_t kl = e > el ? pwa_key##W(ej[e - 1], m) : 0; /* (of the ejected key below) */ \
          for (i = kn; i > sp;) {                                              \
            const size_t start = i > ib ? (ib > sp ? ib : sp) : i > ia ? (ia > sp ? ia : sp) : sp; \
            const uint##W##_t *src = (i > ib || i <= ia ? sv : x) + plo;       \
            while (i > start) {                                                \
              for (; i >= start + 4 && (e == el || pwa_key##W(src[i - 4], m) > kl); i -= 4) \
                NEAR_COPY4(W, o + i - 4 + e, src + i - 4);                     \
              if (i == start) break;                                           \
              i--;                                                             \
              const uint##W##_t v = src[i], kv = pwa_key##W(v, m);             \
              if (e > el && kl >= kv) {                                        \
                do {                                                           \
                  e--;                                                         \
                  o[e + i + 1] = ej[e];                                        \
                } while (e > el && pwa_key##W(ej[e - 1], m) >= kv);            \
                kl = e > el ? pwa_key##W(ej[e - 1], m) : 0;                    \
              }                                                                \
              o[i + e] = v;                                                    \
            }                                                                  \
          }                                                                    \
          /* the ejected keys between the last key moving down and the first moving up */ \
          while (e > el) {                                                     \
            e--;                                                               \
            o[e + sp] = ej[e];                                                 \
          }                                                                    \
        }                                                                      \
        if (b == c->last) /* the ejected keys above every kept one */          \
          for (e = bl->ehi; e < ne; e++) x[e + c->n - ne] = ej[e];             \
      }                                                                        \
      bl->bdone = 1;                                                           \
    }                                                                          \
  }
#define NEAR_IPA_32(m) NEAR_IPA(32, m)
#define NEAR_IPA_64(m) NEAR_IPA(64, m)
#define NEAR_IPB_32(m) NEAR_IPB(32, m)
#define NEAR_IPB_64(m) NEAR_IPB(64, m)
#define NEAR_DROP_32(m) NEAR_DROP(32, m, 0, 0)
#define NEAR_DROP_64(m) NEAR_DROP(64, m, 0, 0)
#define NEAR_DROPX_32(m) NEAR_DROP(32, m, 1, 0)
#define NEAR_DROPX_64(m) NEAR_DROP(64, m, 1, 0)
#define NEAR_DROPR_32(m) NEAR_DROP(32, m, 1, 1)
#define NEAR_DROPR_64(m) NEAR_DROP(64, m, 1, 1)
#define NEAR_FIX_32(m) NEAR_FIX(32, m)
#define NEAR_FIX_64(m) NEAR_FIX(64, m)
#define NEAR_COUNT_32(m) NEAR_COUNT(32, m)
#define NEAR_COUNT_64(m) NEAR_COUNT(64, m)
#define NEAR_PASS(name, W, X)                                                  \
  static void name##W(void *p, size_t b0, size_t b1) {                         \
    near_ctx *c = p;                                                           \
    for (size_t b = b0; b < b1; b++) {                                         \
      near_block *bl = &c->blk[b];                                             \
      PWA_MODE_SWITCH(c->mode, NEAR_DROP##X##_##W)                             \
    }                                                                          \
  }
#define NEAR_FNS(W)                                                            \
  NEAR_PASS(near_drop_, W, )                                                   \
  NEAR_PASS(near_dropx_, W, X)                                                 \
  NEAR_PASS(near_dropr_, W, R)                                                 \
  static void near_ipa_##W(void *p, size_t b0, size_t b1) {                    \
    near_ctx *c = p;                                                           \
    PWA_MODE_SWITCH(c->mode, NEAR_IPA_##W)                                     \
  }                                                                            \
  static void near_ipb_##W(void *p, size_t b0, size_t b1) {                    \
    near_ctx *c = p;                                                           \
    PWA_MODE_SWITCH(c->mode, NEAR_IPB_##W)                                     \
  }                                                                            \
  static void near_mergex_##W(void *p, size_t ob, size_t oe) {                 \
    const near_ctx *c = p;                                                     \
    NEAR_MERGE(W)                                                              \
  }                                                                            \
  static int near_fix_##W(near_ctx *c) {                                       \
    PWA_MODE_SWITCH(c->mode, NEAR_FIX_##W)                                     \
    return 1;                                                                  \
  }                                                                            \
  static int near_count_##W(const void *p, size_t n, size_t stride, int mode, int back, size_t *r, \
                            uint64_t *keys) {                                  \
    PWA_MODE_SWITCH(mode, NEAR_COUNT_##W)                                      \
    return 0;                                                                  \
  }
NEAR_FNS(32)
NEAR_FNS(64)

/*
 * Sort: each block's ejected keys (in tmp) back into the places of x its
 * kept run does not hold — before the run (keys the boundary fix ejected
 * from its front) and after it, up to the keys the drop pass had not read
 * (if it stopped) — so that x holds its elements again.
 */
static void near_restore(near_ctx *c, size_t kb) {
  for (size_t j = 0; j < c->nb; j++) {
    const near_block *bl = &c->blk[j];
    char *x = c->x;
    const char *t = c->xe;
    memcpy(x + bl->begin * kb, t + bl->begin * kb, bl->skip * kb);
    memcpy(x + (bl->begin + bl->k) * kb, t + (bl->begin + bl->skip) * kb, (bl->e - bl->skip) * kb);
  }
}

/*
 * Sort's merge in place (NEAR_IPA, NEAR_IPB) of the kept runs in x and
 * the sorted ejected keys c->ej: x sorted. Cancelled part way, the blocks
 * a pass skipped are done here, so x is sorted either way (the result is
 * PW_ECANCELED then).
 */
static pw_status near_inplace(near_ctx *c, int width) {
  const size_t kb = (size_t)width / 8;
  if (c->nej == c->n) { /* (no kept key: not reached, the drop pass gives up first) */
    memcpy(c->x, c->ej, c->n * kb);
    return PW_OK;
  }
  for (size_t j = 0; j < c->nb; j++) c->blk[j].adone = c->blk[j].bdone = 0;
  pw_range_fn a = width == 32 ? near_ipa_32 : near_ipa_64, b = width == 32 ? near_ipb_32 : near_ipb_64;
  pw_status s = pw_parallel_for(c->nb, 1, a, c);
  for (size_t j = 0; j < c->nb; j++)
    if (!c->blk[j].adone) a(c, j, j + 1);
  for (size_t j = 0, eprev = 0; j < c->nb; j++) {
    near_block *bl = &c->blk[j];
    if (bl->k == bl->skip) continue;
    bl->eprev = eprev, eprev = bl->ehi;
    c->last = j;
  }
  pw_status s2 = pw_parallel_for(c->nb, 1, b, c);
  for (size_t j = 0; j < c->nb; j++)
    if (!c->blk[j].bdone) b(c, j, j + 1);
  return s != PW_OK ? s : s2;
}

/* The length of the longest non-decreasing subsequence of k[0, n) (n <= NEAR_SPREAD). */
static size_t near_lnds(const uint64_t *k, size_t n) {
  uint64_t tail[NEAR_SPREAD]; /* tail[j]: the least last key of such a subsequence of length j + 1 */
  size_t len = 0;
  for (size_t i = 0; i < n; i++) {
    size_t lo = 0, hi = len; /* the first tail above k[i] */
    while (lo < hi) {
      size_t mid = lo + (hi - lo) / 2;
      if (tail[mid] <= k[i]) lo = mid + 1;
      else hi = mid;
    }
    tail[lo] = k[i];
    if (lo == len) len++;
  }
  return len;
}

/*
 * argsort's sorted ejected keys ej[0, m) (`kb` bytes each), indices eji:
 * the indices of each run of equal keys into increasing order (the engine
 * keeps the order it was given, which the drop pass and the boundary fix
 * do not keep by index); scratch: m * kb bytes.
 */
static pw_status near_ties(const void *ej, uint32_t *eji, size_t m, size_t kb, void *scratch) {
  for (size_t a = 0, b; a < m; a = b) {
    for (b = a + 1; b < m && memcmp((const char *)ej + a * kb, (const char *)ej + b * kb, kb) == 0; b++) {}
    if (b - a > 1) {
      pw_status s = pwa_sort_keys(eji + a, scratch, b - a, 32);
      if (s != PW_OK) return s;
    }
  }
  return PW_OK;
}

/*
 * Sorts x[0, n) (32- or 64-bit keys under mode; *tmp: n elements of
 * scratch, or NULL: allocated here once the sample says to go on, and
 * left to the caller) if its keys are nearly in order: PW_OK, or a failure (x then
 * holds its elements); *tried = 0 where it did not (x holds its elements,
 * in another order). With ix (argsort), x is only read (input nearly in
 * the other order is read from its end) and the stable order goes to
 * ix->order; *tried = 0 leaves ix's buffers and tmp to be written anew.
 */
static pw_status near_sort(void *x, void **tmpp, size_t n, int width, int mode, const near_ix *ix,
                           int *tried) {
  const size_t kb = (size_t)width / 8;
  *tried = 0;
  if (n < NEAR_MIN) return PW_OK;
  /* in order but for a few keys, locally (adjacent pairs) and as a whole
     (the spread keys), in the sort's direction or against it */
  const size_t stride = (n - 1) / NEAR_SAMPLE;
  uint64_t keys[NEAR_SPREAD];
  int back = 0;
  for (; back < 2; back++) {
    size_t r[2] = {0, 0};
    if (width == 32 ? near_count_32(x, n, stride, mode, back, r, keys)
                    : near_count_64(x, n, stride, mode, back, r, keys))
      return *tried = 1, PW_ECANCELED; /* (x not written) */
    if (r[back] > NEAR_SAMPLE_MAX) {
      if (back) return PW_OK;
      continue;
    }
    if (near_lnds(keys, NEAR_SPREAD) < NEAR_SPREAD - NEAR_SPREAD_MAX) return PW_OK;
    break;
  }
  /* (no memory: the engine instead, which will want it too; x unchanged) */
  if (*tmpp == NULL && (*tmpp = pwa_alloc(n, kb)) == NULL) return PW_OK;
  void *tmp = *tmpp;
  if (back && ix == NULL) { /* (argsort reads x from its end instead) */
    pw_status s = reverse(x, n, kb);
    if (s != PW_OK) return *tried = 1, s;
  }
  /* sort: the kept keys stay in x (at their blocks' starts), the ejected ones go to tmp */
  near_ctx c = {.x = x, .xe = tmp, .tmp = x, .n = n, .nb = pw_chunks(n, NEAR_BLOCK), .mode = mode,
                .back = ix != NULL && back}; /* (sort reversed x instead) */
  if (ix != NULL) c.xe = ix->xe, c.tmp = tmp, c.xei = ix->order, c.ti = ix->ti;
  atomic_init(&c.ejected, 0);
  atomic_init(&c.give_up, 0);
  c.blk = pwa_alloc(1, c.nb * sizeof *c.blk + (c.nb + 1) * sizeof *c.kpre);
  if (c.blk == NULL) return PW_OK; /* (the engine instead) */
  c.kpre = (size_t *)(c.blk + c.nb);
  for (size_t j = 0; j < c.nb; j++) {
    near_block *bl = &c.blk[j];
    bl->begin = j * NEAR_BLOCK, bl->end = n - bl->begin < NEAR_BLOCK ? n : bl->begin + NEAR_BLOCK;
    bl->e = bl->skip = bl->k = 0;
  }
  pw_range_fn drop = width == 32 ? (ix == NULL ? near_drop_32 : back ? near_dropr_32 : near_dropx_32)
                                  : (ix == NULL ? near_drop_64 : back ? near_dropr_64 : near_dropx_64);
  pw_status s = pw_parallel_for(c.nb, 1, drop, &c);
  if (ix != NULL) c.mode = mode = PWA_UINT_ASC; /* (keys stored: NEAR_DROP) */
  /* the ejected elements, their sort's scratch (and for argsort their
     indices and scratch) in one block */
  const size_t ekb = 2 * kb + (ix ? 8 : 0);
  char *ej = NULL;
  if (s == PW_OK && !atomic_load(&c.give_up)) {
    if (width == 32 ? near_fix_32(&c) : near_fix_64(&c)) {
      c.nej = 0;
      for (size_t j = 0; j < c.nb; j++) c.nej += c.blk[j].e;
      ej = pwa_alloc(c.nej ? c.nej : 1, ekb);
    }
  }
  if (ej == NULL) { /* cancelled, given up, or no memory for the ejected keys */
    if (ix == NULL) near_restore(&c, kb);
    free(c.blk);
    *tried = s != PW_OK;
    return s;
  }
  *tried = 1;
  uint32_t *eji = ix ? (uint32_t *)(ej + 2 * c.nej * kb) : NULL;
  for (size_t j = 0, at = 0; j < c.nb; j++) {
    const near_block *bl = &c.blk[j];
    memcpy(ej + at * kb, (const char *)c.xe + bl->begin * kb, bl->e * kb);
    if (ix) memcpy(eji + at, c.xei + bl->begin, bl->e * sizeof *eji);
    at += bl->e;
  }
  if (c.nej > 1) {
    uint64_t lo, hi;
    s = make_keys(ej, ej, NULL, c.nej, width, mode, &lo, &hi);
    if (s == PW_OK)
      s = eng_sort_any(ej, eji, ej + c.nej * kb, ix ? eji + c.nej : NULL, c.nej, width, mode, 1, lo, hi);
    if (s == PW_OK && ix) s = near_ties(ej, eji, c.nej, kb, ej + c.nej * kb);
  }
  if (s != PW_OK) { /* (tmp still holds the ejected keys: sort puts them back) */
    if (ix == NULL) near_restore(&c, kb);
  } else {
    for (size_t j = 0, at = 0; j <= c.nb; j++) {
      c.kpre[j] = at;
      if (j < c.nb) at += c.blk[j].k - c.blk[j].skip;
    }
    c.ej = ej, c.eji = eji;
    if (ix == NULL) {
      s = near_inplace(&c, width);
    } else {
      pw_range_fn merge = width == 32 ? near_mergex_32 : near_mergex_64;
      s = pw_parallel_for(n, pw_grain(2 * kb), merge, &c); /* (an argsort cancelled has no result to finish) */
    }
  }
  free(ej);
  free(c.blk);
  return s;
}

/* ------------------------------------------------------------------------ */
/* Counting sort (8- and 16-bit elements, 32- and 64-bit keys of few values) */
/* ------------------------------------------------------------------------ */

/*
 * 32- and 64-bit keys over a range of at most CS_RANGE_MAX values, at
 * least CS_FILL keys a value (make_keys measures the range), are counted
 * the same way: x already holds their keys, counted less the lowest, and
 * the fill writes each value's element back. Two passes (count, fill)
 * instead of the engine's count, scatter and copy back (a bucket of one
 * value each).
 */
#define CS_RANGE_MAX ((uint64_t)1 << 16)
#define CS_FILL 4u

typedef struct {
  const void *x;
  void *out;
  size_t n, nb, nkeys, stride; /* stride: counters between blocks (pwa_padded) */
  size_t *hist; /* nb x stride counts, then the cumulative counts (nkeys + 1) */
  int width, mode;
  uint64_t lo; /* 32 and 64 bits: x holds keys, counted as key - lo */
  const uint64_t *vals; /* fs_sort: the keys, in order (key k is vals[k], not lo + k) */
} cs_ctx;

/* Keys less lo of x[begin, end) counted into h (nkeys counters, zeroed here); a key written
   meanwhile (an in-place sort) outside the range counts as the last. */
#define CS_COUNT_WIDE(W)                                                       \
  {                                                                            \
    const uint##W##_t *k = c->x, lo = (uint##W##_t)c->lo;                      \
    memset(h, 0, c->nkeys * sizeof *h);                                        \
    PWA_STRIPS(s, t, begin, end) for (size_t i = s; i < t; i++) {              \
      const uint##W##_t d = (uint##W##_t)(k[i] - lo);                          \
      h[d < c->nkeys ? (size_t)d : c->nkeys - 1]++;                            \
    }                                                                          \
  }
static void cs_count(void *p, size_t b0, size_t b1) {
  cs_ctx *c = p;
  for (size_t b = b0; b < b1; b++) {
    size_t begin, end, *h = c->hist + b * c->stride;
    pwa_block(c->n, c->nb, b, &begin, &end);
    if (c->width == 32) CS_COUNT_WIDE(32)
    else if (c->width == 64) CS_COUNT_WIDE(64)
    else pwa_count_keys(c->x, c->width, c->mode, begin, end, h);
  }
}
#undef CS_COUNT_WIDE

/* Writes output positions [begin, end): each key's value, count times. */
static void cs_fill(void *p, size_t begin, size_t end) {
  cs_ctx *c = p;
  const size_t *cum = c->hist + c->nb * c->stride; /* cum[k]: first position of key k */
  /* the key at position begin: the last k with cum[k] <= begin */
  size_t lo = 0, hi = c->nkeys; /* cum[lo] <= begin < cum[hi] (cum[nkeys] = n) */
  while (hi - lo > 1) {
    size_t mid = lo + (hi - lo) / 2;
    if (cum[mid] <= begin) lo = mid;
    else hi = mid;
  }
  for (size_t k = lo, i = begin; i < end; k++) {
    size_t stop = cum[k + 1] < end ? cum[k + 1] : end;
    if (c->width == 8) {
      uint8_t v = (uint8_t)(k ^ pwa_key8(0, c->mode));
      memset((uint8_t *)c->out + i, v, stop - i);
    } else if (c->width == 16) {
      uint16_t v = (uint16_t)(k ^ pwa_key16(0, c->mode));
      uint16_t *o = (uint16_t *)c->out;
      for (size_t j = i; j < stop; j++) o[j] = v;
    } else if (c->width == 32) {
      const uint32_t v = pwa_unkey32((uint32_t)(c->vals ? c->vals[k] : c->lo + k), c->mode);
      uint32_t *o = (uint32_t *)c->out;
      for (size_t j = i; j < stop; j++) o[j] = v;
    } else {
      const uint64_t v = pwa_unkey64(c->vals ? c->vals[k] : c->lo + k, c->mode);
      uint64_t *o = (uint64_t *)c->out;
      for (size_t j = i; j < stop; j++) o[j] = v;
    }
    i = stop;
  }
}

/*
 * x[0, n) sorted by counting: its 8- or 16-bit elements, or (nkeys not 0)
 * the 32- or 64-bit keys x holds, which lie in [lo, lo + nkeys). Counting
 * keys cancelled, x is turned back into its elements. No memory for the
 * counters of keys: *counted = 0 and x untouched (its keys), for the
 * engine to sort instead.
 */
static pw_status cs_sort(void *x, size_t n, int width, int mode, uint64_t lo, size_t nkeys, int *counted) {
  cs_ctx c = {x, x, n, pwa_blocks(n, SORT_MIN_BLOCK), width <= 16 ? (size_t)1 << width : nkeys, 0, NULL, width, mode, lo, NULL};
  c.stride = pwa_padded(c.nkeys, sizeof(size_t));
  size_t words = c.nb * c.stride + c.nkeys + 1;
  c.hist = pwa_alloc(words, sizeof(size_t));
  *counted = c.hist != NULL || width <= 16;
  if (c.hist == NULL) return width > 16 ? PW_OK : pwa_nomem(words, sizeof(size_t));
  pw_status s = pw_parallel_for(c.nb, 1, cs_count, &c);
  if (s != PW_OK && width > 16) unkey_any(x, n, width, mode); /* (x was not written) */
  if (s == PW_OK) {
    size_t *cum = c.hist + c.nb * c.stride, sum = 0;
    for (size_t k = 0; k < c.nkeys; k++) {
      cum[k] = sum;
      for (size_t b = 0; b < c.nb; b++) sum += c.hist[b * c.stride + k];
    }
    cum[c.nkeys] = sum;
    s = pw_parallel_for(n, pw_grain((size_t)width / 8) * 4, cs_fill, &c);
    /* cancelled part way: the ranges it skipped would keep old values
       beside the written ones (elements lost, others doubled), so the
       fill is finished here, whole (one pass of writes): x ends sorted */
    if (s != PW_OK) cs_fill(&c, 0, n);
  }
  free(c.hist);
  return s;
}

/*
 * 32- and 64-bit keys of few distinct values spread over a range too wide
 * to count by key - lo (doubles of a few values: 0.0 to 15.0 take keys
 * 2^62 apart; identifiers, categories) are counted too, by value (fs_sort):
 *   - a probe of FS_PROBE keys spread over x, then a sample of FS_SAMPLE,
 *     each sorted and its distinct keys counted, decide whether to try: at
 *     most FS_PROBE_MAX and FS_SAMPLE_MAX distinct (random keys: nearly
 *     all distinct; the probe keeps the cost of saying no to a few
 *     microseconds);
 *   - the sample's distinct keys go into a hash table (open addressing, a
 *     quarter full); one pass, a block a thread, counts each key's table
 *     entry, and keeps the keys the table lacks (values the sample missed)
 *     in a short list of the block's own, with their counts. A block whose
 *     list fills (more values than the sample saw) makes every block stop:
 *     the engine sorts x instead (a failed try costs part of one pass);
 *   - the blocks' lists are merged with the table's keys, in order, and
 *     the fill writes each value's element back (cs_fill).
 * 10M doubles of 16 values (0 to 15) in wasm, the package before and
 * after alternating (test/bench/sort-shapes.mjs): core 124-128 -> 41-44
 * ms, pool of 2 58-64 -> 20-21; of 1,000 values 119-121 -> 45-47 and
 * 60-65 -> 28-31; random data unchanged (the probe says no).
 */
#define FS_MIN ((size_t)1 << 16) /* least elements to try */
#define FS_PROBE ((size_t)256)
#define FS_PROBE_MAX ((size_t)232) /* most distinct keys in the probe to go on */
#define FS_SAMPLE ((size_t)4096)
#define FS_SAMPLE_MAX ((size_t)1024) /* most distinct keys in the sample to try */
#define FS_MISS ((size_t)64) /* most keys the table lacks, a block */

typedef struct {
  uint64_t key;
  size_t count;
} fs_entry;

typedef struct {
  const void *x;
  size_t n, nb, nkeys, stride, mask;
  unsigned shift;
  const uint64_t *tkey; /* the table: key of each slot, and its index + 1 in the sample's keys (0: empty) */
  const uint32_t *tidx;
  size_t *hist;     /* nb x stride counts of the table's keys */
  fs_entry *miss;   /* nb x FS_MISS: each block's keys not in the table */
  size_t *nmiss;    /* nb */
  int width;
  atomic_int give_up;
} fs_ctx;

PW_INLINE size_t fs_slot(uint64_t key, unsigned shift) {
  return (size_t)((key * 0x9e3779b97f4a7c15u) >> shift);
}

/* key's index in the sample's keys + 1, or 0 if the table lacks it */
PW_INLINE uint32_t fs_find(const fs_ctx *c, uint64_t key) {
  size_t slot = fs_slot(key, c->shift);
  uint32_t ix;
  while ((ix = c->tidx[slot]) != 0 && c->tkey[slot] != key) slot = (slot + 1) & c->mask;
  return ix;
}

#define FS_COUNT(W)                                                            \
  {                                                                            \
    const uint##W##_t *k = c->x;                                               \
    PWA_STRIPS(s, t, begin, end) {                                             \
      if (atomic_load_explicit(&c->give_up, memory_order_relaxed)) break;      \
      for (size_t i = s; i < t; i++) {                                         \
        const uint64_t key = k[i];                                             \
        const uint32_t ix = fs_find(c, key);                                   \
        if (ix != 0) {                                                         \
          h[ix - 1]++;                                                         \
          continue;                                                            \
        }                                                                      \
        size_t j = 0;                                                          \
        while (j < nm && m[j].key != key) j++;                                 \
        if (j == nm) {                                                         \
          if (nm == FS_MISS) {                                                 \
            atomic_store_explicit(&c->give_up, 1, memory_order_relaxed);       \
            goto out;                                                          \
          }                                                                    \
          m[nm].key = key, m[nm++].count = 0;                                  \
        }                                                                      \
        m[j].count++;                                                          \
      }                                                                        \
    }                                                                          \
  }
static void fs_count(void *p, size_t b0, size_t b1) {
  fs_ctx *c = p;
  for (size_t b = b0; b < b1; b++) {
    size_t begin, end, nm = 0, *h = c->hist + b * c->stride;
    fs_entry *m = c->miss + b * FS_MISS;
    pwa_block(c->n, c->nb, b, &begin, &end);
    memset(h, 0, c->nkeys * sizeof *h);
    if (c->width == 32) FS_COUNT(32)
    else FS_COUNT(64)
  out:
    c->nmiss[b] = nm;
  }
}
#undef FS_COUNT

static int fs_cmp(const void *a, const void *b) {
  uint64_t p = ((const fs_entry *)a)->key, q = ((const fs_entry *)b)->key;
  return (p > q) - (p < q);
}

/* m keys spread over the n keys of x (width bits) sorted into s (scratch tmp): their distinct
   count, and the distinct keys (as 64 bits) in order at d if d is not NULL; 0 if it failed. */
static size_t fs_sample(const void *x, size_t n, int width, size_t m, void *s, void *tmp, uint64_t *d) {
  for (size_t i = 0; i < m; i++) {
    size_t at = (size_t)((uint64_t)i * n / m + n / m / 2);
    if (width == 32) ((uint32_t *)s)[i] = ((const uint32_t *)x)[at];
    else ((uint64_t *)s)[i] = ((const uint64_t *)x)[at];
  }
  if (pwa_sort_keys(s, tmp, m, width) != PW_OK) return 0;
  size_t nd = 0;
  for (size_t i = 0; i < m; i++) {
    uint64_t v = width == 32 ? ((uint32_t *)s)[i] : ((uint64_t *)s)[i];
    if (i == 0 || v != (width == 32 ? ((uint32_t *)s)[i - 1] : ((uint64_t *)s)[i - 1])) {
      if (d != NULL) d[nd] = v;
      nd++;
    }
  }
  return nd;
}

/* A try of fs_count over n keys at k: what fs_tally leaves, and fs_release frees. */
typedef struct {
  fs_ctx c;
  uint64_t *keys;  /* the sample's distinct keys, in order (nd) */
  fs_entry *all;   /* every key counted and its count, in order (total) */
  size_t nd, total;
  void *buf, *table;
} fs_try;

static void fs_release(fs_try *t) {
  free(t->all);
  free(t->table);
  free(t->c.hist);
  free(t->keys);
  free(t->buf);
}

/*
 * The n keys (width bits) at k counted by value (above): *ok = 1 and t
 * holds the blocks' counts (t->c), their lists and every key with its
 * count in order (t->all); *ok = 0 if the sample found too many keys, a
 * block's list filled, or there was no memory. PW_ECANCELED if cancelled
 * while counting. fs_release(t) after, either way.
 */
static pw_status fs_tally(const void *k, size_t n, int width, fs_try *t, int *ok) {
  memset(t, 0, sizeof *t);
  *ok = 0;
  if (n < FS_MIN) return PW_OK;
  size_t kb = (size_t)width / 8, nd;
  fs_ctx *c = &t->c;
  c->x = k, c->n = n, c->nb = pwa_blocks(n, SORT_MIN_BLOCK), c->width = width;
  if ((t->buf = pwa_alloc(2 * FS_SAMPLE, kb)) == NULL) return PW_OK;
  void *tmp = (char *)t->buf + FS_SAMPLE * kb;
  nd = fs_sample(k, n, width, FS_PROBE, t->buf, tmp, NULL);
  if (nd == 0 || nd > FS_PROBE_MAX) return PW_OK;
  if ((t->keys = pwa_alloc(FS_SAMPLE, sizeof *t->keys)) == NULL) return PW_OK;
  nd = fs_sample(k, n, width, FS_SAMPLE, t->buf, tmp, t->keys);
  if (nd == 0 || nd > FS_SAMPLE_MAX) return PW_OK;
  /* the table (at most a quarter full), the blocks' counters and lists */
  size_t slots = 64;
  unsigned bits = 6;
  while (slots < 4 * nd) slots *= 2, bits++;
  c->nkeys = nd, c->stride = pwa_padded(nd, sizeof(size_t)), c->mask = slots - 1, c->shift = 64 - bits;
  if ((c->hist = pwa_alloc(c->nb, (c->stride + 1) * sizeof *c->hist)) == NULL) return PW_OK;
  t->table = pwa_alloc(1, slots * (sizeof(uint64_t) + sizeof(uint32_t)) + c->nb * FS_MISS * sizeof(fs_entry));
  if (t->table == NULL || (t->all = pwa_alloc(nd + c->nb * FS_MISS, sizeof *t->all)) == NULL) return PW_OK;
  c->nmiss = c->hist + c->nb * c->stride;
  c->miss = t->table;
  uint64_t *tkey = (uint64_t *)(c->miss + c->nb * FS_MISS);
  uint32_t *tidx = (uint32_t *)(tkey + slots);
  memset(tidx, 0, slots * sizeof *tidx);
  for (size_t i = 0; i < nd; i++) {
    size_t slot = fs_slot(t->keys[i], c->shift);
    while (tidx[slot] != 0) slot = (slot + 1) & c->mask;
    tkey[slot] = t->keys[i], tidx[slot] = (uint32_t)(i + 1);
  }
  c->tkey = tkey, c->tidx = tidx;
  atomic_init(&c->give_up, 0);
  pw_status s = pw_parallel_for(c->nb, 1, fs_count, c);
  if (s != PW_OK || atomic_load(&c->give_up)) return s;
  /* the table's keys with their counts, then the lists' keys not among them, merged in order */
  fs_entry *all = t->all;
  for (size_t i = 0; i < nd; i++) {
    all[i].key = t->keys[i], all[i].count = 0;
    for (size_t b = 0; b < c->nb; b++) all[i].count += c->hist[b * c->stride + i];
  }
  size_t total = nd;
  for (size_t b = 0; b < c->nb; b++) {
    const fs_entry *m = c->miss + b * FS_MISS;
    for (size_t j = 0; j < c->nmiss[b]; j++) {
      size_t e = nd;
      while (e < total && all[e].key != m[j].key) e++;
      if (e == total) all[total].key = m[j].key, all[total++].count = 0;
      all[e].count += m[j].count;
    }
  }
  if (total > nd) qsort(all, total, sizeof *all, fs_cmp);
  t->nd = nd, t->total = total;
  *ok = 1;
  return PW_OK;
}

/*
 * x[0, n) (its 32- or 64-bit keys) sorted by counting its distinct keys
 * (above), or, when the sample finds too many or the try gives up or
 * finds no memory, *counted = 0 and x untouched (its keys) for the engine
 * to sort. Counting cancelled, x is turned back into its elements.
 */
static pw_status fs_sort(void *x, size_t n, int width, int mode, int *counted) {
  fs_try t;
  int ok;
  uint64_t *vals = NULL;
  pw_status s = fs_tally(x, n, width, &t, &ok);
  *counted = s != PW_OK;
  if (s != PW_OK) unkey_any(x, n, width, mode); /* cancelled: x was not written */
  if (!ok) goto out;
  /* each key and its first position (cum[total] = n) */
  if ((vals = pwa_alloc(1, t.total * sizeof *vals + (t.total + 1) * sizeof(size_t))) == NULL) goto out;
  size_t *cum = (size_t *)(vals + t.total), sum = 0;
  for (size_t k = 0; k < t.total; k++) {
    vals[k] = t.all[k].key, cum[k] = sum;
    sum += t.all[k].count;
  }
  cum[t.total] = sum; /* n: each key was counted once */
  cs_ctx f = {x, x, n, 0, t.total, 0, cum, width, mode, 0, vals};
  *counted = 1;
  s = pw_parallel_for(n, pw_grain((size_t)width / 8) * 4, cs_fill, &f);
  if (s != PW_OK) cs_fill(&f, 0, n); /* cancelled part way: finished whole, as cs_sort's */
out:
  free(vals);
  fs_release(&t);
  return s;
}

/*
 * Argsort of keys of few values (the 32- and 64-bit keys of few distinct
 * values, over a range that cs_sort counts or any range that fs_tally
 * does) is counted too, stable: each block's count of each value, made
 * into offsets value-major and block-minor, and one pass that writes each
 * element's index at its value's next place in its block's share, instead
 * of the engine's passes over key and index pairs. The keys are the
 * argsort's own scratch, so the counts are exact. 10M doubles of 16
 * values (0 to 15), pool of 2, into an `out` in its memory, the package
 * before and after alternating, two rounds: 68.5 -> 41.4-42.3 ms (random
 * 58.6-61.6 in both).
 */
#define CA_MIN ((size_t)4096) /* least elements to count */

typedef struct {
  const void *k;
  uint32_t *order;
  size_t n, nb, nkeys, stride;
  size_t *off; /* nb x stride: each block's next place for each value's rank */
  int width;
  uint64_t lo;                /* cs: a key's rank is key - lo */
  const fs_ctx *f;            /* fs: its rank is tab_rank[its table entry], or miss_rank[its block's list entry] */
  const uint32_t *tab_rank, *miss_rank;
} ca_ctx;

#define CA_SCATTER(W)                                                          \
  {                                                                            \
    const uint##W##_t *k = c->k;                                               \
    const fs_ctx *f = c->f;                                                    \
    if (f == NULL) {                                                           \
      const uint##W##_t lo = (uint##W##_t)c->lo;                               \
      PWA_STRIPS(s, t, begin, end) for (size_t i = s; i < t; i++)              \
        c->order[o[(uint##W##_t)(k[i] - lo)]++] = (uint32_t)i;                 \
    } else {                                                                   \
      const fs_entry *m = f->miss + b * FS_MISS;                               \
      const uint32_t *mr = c->miss_rank + b * FS_MISS;                         \
      const size_t nm = f->nmiss[b];                                           \
      PWA_STRIPS(s, t, begin, end) for (size_t i = s; i < t; i++) {            \
        const uint64_t key = k[i];                                             \
        const uint32_t ix = fs_find(f, key);                                   \
        size_t r;                                                              \
        if (ix != 0) {                                                         \
          r = c->tab_rank[ix - 1];                                             \
        } else {                                                               \
          size_t j = 0;                                                        \
          while (j + 1 < nm && m[j].key != key) j++; /* (the block listed it) */ \
          r = mr[j];                                                           \
        }                                                                      \
        c->order[o[r]++] = (uint32_t)i;                                        \
      }                                                                        \
    }                                                                          \
  }
static void ca_scatter(void *p, size_t b0, size_t b1) {
  ca_ctx *c = p;
  for (size_t b = b0; b < b1; b++) {
    size_t begin, end, *o = c->off + b * c->stride;
    pwa_block(c->n, c->nb, b, &begin, &end);
    if (c->width == 32) CA_SCATTER(32)
    else CA_SCATTER(64)
  }
}
#undef CA_SCATTER

/* The place of key in all[0, total) (there). */
static uint32_t fs_rank(const fs_entry *all, size_t total, uint64_t key) {
  size_t lo = 0, hi = total; /* all[lo].key <= key < all[hi].key */
  while (hi - lo > 1) {
    size_t mid = lo + (hi - lo) / 2;
    if (all[mid].key <= key) lo = mid;
    else hi = mid;
  }
  return (uint32_t)lo;
}

/*
 * order = the stable argsort of the n keys at k (width 32 or 64; [lo, hi]
 * their range), counted (above); *counted = 0 (order untouched) where the
 * keys are not few or there is no memory, for the engine to sort.
 */
static pw_status ca_sort(const void *k, uint32_t *order, size_t n, int width, uint64_t lo, uint64_t hi,
                         int *counted) {
  *counted = 0;
  if (n < CA_MIN) return PW_OK;
  fs_try t;
  int ok = 0;
  pw_status s = PW_OK;
  ca_ctx c = {k, order, n, pwa_blocks(n, SORT_MIN_BLOCK), 0, 0, NULL, width, lo, NULL, NULL, NULL};
  uint32_t *ranks = NULL;
  memset(&t, 0, sizeof t);
  if (hi - lo < CS_RANGE_MAX && (hi - lo + 1) * CS_FILL <= n) {
    c.nkeys = (size_t)(hi - lo + 1), c.stride = pwa_padded(c.nkeys, sizeof(size_t));
    if ((c.off = pwa_alloc(c.nb * c.stride + c.nkeys + 1, sizeof(size_t))) == NULL) return PW_OK;
    cs_ctx cc = {k, NULL, n, c.nb, c.nkeys, c.stride, c.off, width, 0, lo, NULL};
    s = pw_parallel_for(c.nb, 1, cs_count, &cc);
  } else {
    s = fs_tally(k, n, width, &t, &ok);
    if (s != PW_OK || !ok) goto out;
    const fs_ctx *f = &t.c;
    c.f = f, c.nb = f->nb, c.nkeys = t.total, c.stride = pwa_padded(t.total, sizeof(size_t));
    if ((c.off = pwa_alloc(c.nb * c.stride, sizeof(size_t))) == NULL ||
        (ranks = pwa_alloc(t.nd + c.nb * FS_MISS, sizeof *ranks)) == NULL)
      goto out;
    /* each block's counts by rank */
    c.tab_rank = ranks, c.miss_rank = ranks + t.nd;
    for (size_t i = 0; i < t.nd; i++) ranks[i] = fs_rank(t.all, t.total, t.keys[i]);
    for (size_t b = 0; b < c.nb; b++) {
      size_t *o = c.off + b * c.stride;
      memset(o, 0, t.total * sizeof *o);
      for (size_t i = 0; i < t.nd; i++) o[ranks[i]] = f->hist[b * f->stride + i];
      for (size_t j = 0; j < f->nmiss[b]; j++) {
        const fs_entry *e = f->miss + b * FS_MISS + j;
        ranks[t.nd + b * FS_MISS + j] = fs_rank(t.all, t.total, e->key);
        o[ranks[t.nd + b * FS_MISS + j]] += e->count;
      }
    }
  }
  if (s != PW_OK) goto out;
  /* counts to places: value-major, block-minor (stable) */
  size_t sum = 0;
  for (size_t v = 0; v < c.nkeys; v++)
    for (size_t b = 0; b < c.nb; b++) {
      size_t *o = c.off + b * c.stride + v, cnt = *o;
      *o = sum;
      sum += cnt;
    }
  *counted = 1;
  s = pw_parallel_for(c.nb, 1, ca_scatter, &c); /* (an argsort cancelled has no result to finish) */
out:
  if (s != PW_OK) *counted = 1;
  free(ranks);
  free(c.off);
  fs_release(&t);
  return s;
}

/* ------------------------------------------------------------------------ */
/* Entry points                                                             */
/* ------------------------------------------------------------------------ */

static pw_status sort_any(void *x, size_t n, int width, int kind, bool descending) {
  int mode = kind * 2 + (descending ? 1 : 0);
  if (n < 2) return PW_OK;
  int counted;
  if (n > PWA_INSERTION_MAX && (width == 8 || (width == 16 && n >= COUNT16_MIN)))
    return cs_sort(x, n, width, mode, 0, 0, &counted);
  size_t kb = (size_t)width / 8;
  /* in order already (nothing to do), or in reverse order (equal keys are
     equal elements: every key map is a bijection) */
  int pre = presorted(x, n, width, mode);
  if (pre < 0) return PW_ECANCELED;
  if (pre & PRE_UP) return PW_OK;
  if (pre & PRE_DOWN) return reverse(x, n, kb);
  /* scratch for near_sort and the engine, allocated where they want it
     (not for a counting sort): there is no memory for it only while x
     is unchanged (x reversed by near_sort has it) */
  void *tmp = NULL;
  pw_status s = PW_OK;
  if (width >= 32) {
    int tried;
    s = near_sort(x, &tmp, n, width, mode, NULL, &tried);
    if (tried) goto done;
  }
  /* x becomes its keys, is sorted, and becomes elements again */
  uint64_t lo, hi;
  s = make_keys(x, x, NULL, n, width, mode, &lo, &hi);
  if (s != PW_OK) goto done;
  if (width >= 32 && hi - lo < CS_RANGE_MAX && (hi - lo + 1) * CS_FILL <= n) {
    s = cs_sort(x, n, width, mode, lo, (size_t)(hi - lo + 1), &counted);
    if (counted) goto done;
  } else if (width >= 32) {
    s = fs_sort(x, n, width, mode, &counted);
    if (counted) goto done;
  }
  if (tmp == NULL && (tmp = pwa_alloc(n, kb)) == NULL) {
    unkey_any(x, n, width, mode);
    return pwa_nomem(n, kb);
  }
  s = eng_sort_any(x, NULL, tmp, NULL, n, width, mode, 1, lo, hi);
done:
  free(tmp);
  return s;
}

pw_status pwa_sort_keys(void *keys, void *tmp, size_t n, int width) {
  return eng_sort_any(keys, NULL, tmp, NULL, n, width, -1, 0, 0, 0);
}

pw_status pwa_sort_pairs(void *keys, uint32_t *idx, void *k2, uint32_t *i2, size_t n, int width) {
  return eng_sort_any(keys, idx, k2, i2, n, width, -1, 0, 0, 0);
}

static pw_status argsort_any(const void *x, size_t n, uint32_t *order, int width, int kind,
                             bool descending) {
  if (pwa_too_many(n))
    return pw_fail(PW_ERANGE, "x has %.0f elements; argsort takes at most 2^32 - 1", (double)n);
  if (n == 0) return PW_OK;
  size_t kb = (size_t)width / 8;
  /* NaNs tie: the canonical float modes */
  int mode = kind == PWA_FLOAT ? (descending ? PWA_FLOATC_DESC : PWA_FLOATC_ASC)
                               : kind * 2 + (descending ? 1 : 0);
  /* keys in order already, or in reverse order (with NaNs one key: they tie) */
  if (n > 1) {
    int pre = presorted(x, n, width, mode);
    if (pre < 0) return PW_ECANCELED;
    if (pre & PRE_UP) return pw_parallel_for(n, pw_grain(4), iota_body, order);
    if (pre & PRE_DOWN) return reversed_order(x, n, order, width, mode);
  }
  /* keys, second keys, second indices in one block */
  if (n > SIZE_MAX / (2 * kb + 4)) return pwa_nomem(n, 2 * kb + 4);
  size_t bytes_k = n * kb;
  size_t koff = (2 * bytes_k + 3) & ~(size_t)3;
  /* a few elements: the block on the stack (no lock of the heap, which the
     pool's threads and the JS thread share, and no malloc and free) */
  uint64_t stack[ARGSORT_STACK / 8];
  int small = koff + n * sizeof(uint32_t) <= sizeof stack;
  char *mem = small ? (char *)stack : pwa_alloc(koff + n * sizeof(uint32_t), 1);
  if (mem == NULL) return pwa_nomem(koff + n * sizeof(uint32_t), 1);
  void *k = mem, *k2 = mem + bytes_k;
  uint32_t *i2 = (uint32_t *)(mem + koff);
  if (width >= 32) { /* nearly in order: the kept keys to k2 and i2, the others to k and order */
    const near_ix nx = {k, order, i2};
    int tried;
    pw_status s = near_sort((void *)x, &k2, n, width, mode, &nx, &tried);
    if (tried) {
      if (!small) free(mem);
      return s;
    }
  }
  uint64_t lo, hi;
  int counted = 0;
  pw_status s = make_keys(x, k, order, n, width, mode, &lo, &hi);
  if (s == PW_OK && width >= 32) s = ca_sort(k, order, n, width, lo, hi, &counted);
  if (s == PW_OK && !counted) s = eng_sort_any(k, order, k2, i2, n, width, -1, 1, lo, hi);
  if (!small) free(mem);
  return s;
}

/* ------------------------------------------------------------------------ */
/* Gather                                                                   */
/* ------------------------------------------------------------------------ */

typedef struct {
  const void *x;
  const uint32_t *index;
  void *out;
  size_t n;
  size_t size;
  size_t *first_bad; /* per chunk of the check: first bad position or SIZE_MAX */
  size_t grain;
} ga_ctx;

static void ga_check(void *p, size_t begin, size_t end) {
  ga_ctx *c = p;
  size_t bad = SIZE_MAX;
  for (size_t i = begin; i < end; i++) {
    if (c->index[i] >= c->n) {
      bad = i;
      break;
    }
  }
  c->first_bad[begin / c->grain] = bad;
}

static void ga_copy(void *p, size_t begin, size_t end) {
  ga_ctx *c = p;
  const uint32_t *ix = c->index;
  /* (checked above; kept inside x again: index may be written meanwhile) */
  const size_t n = c->n;
  switch (c->size) {
  case 1: {
    const uint8_t *x = c->x;
    uint8_t *o = c->out;
    for (size_t i = begin; i < end; i++) o[i] = x[pwa_in_n(ix[i], n)];
    break;
  }
  case 2: {
    const uint16_t *x = c->x;
    uint16_t *o = c->out;
    for (size_t i = begin; i < end; i++) o[i] = x[pwa_in_n(ix[i], n)];
    break;
  }
  case 4: {
    const uint32_t *x = c->x;
    uint32_t *o = c->out;
    for (size_t i = begin; i < end; i++) o[i] = x[pwa_in_n(ix[i], n)];
    break;
  }
  default: {
    const uint64_t *x = c->x;
    uint64_t *o = c->out;
    for (size_t i = begin; i < end; i++) o[i] = x[pwa_in_n(ix[i], n)];
    break;
  }
  }
}

static pw_status gather_any(const void *x, size_t n, const uint32_t *index, size_t m, void *out,
                            size_t size) {
  if (m == 0) return PW_OK;
  /* the check: at most 4096 chunks, each noting its first bad index */
  size_t grain = pw_chunks(m, 4096);
  if (grain < 4096) grain = 4096;
  size_t chunks = pw_chunks(m, grain);
  size_t bad_stack[64];
  size_t *bad = chunks <= 64 ? bad_stack : pwa_alloc(chunks, sizeof *bad);
  if (bad == NULL) return pwa_nomem(chunks, sizeof *bad);
  ga_ctx c = {x, index, out, n, size, bad, grain};
  pw_status s = pw_parallel_for(m, grain, ga_check, &c);
  if (s == PW_OK) {
    for (size_t j = 0; j < chunks; j++) {
      if (bad[j] != SIZE_MAX) {
        size_t i = bad[j];
        s = pw_fail(PW_ERANGE, "index[%.0f] = %lu is out of range for x of length %.0f", (double)i,
                    (unsigned long)index[i], (double)n);
        break;
      }
    }
  }
  if (bad != bad_stack) free(bad);
  if (s != PW_OK) return s;
  return pw_parallel_for(m, pw_grain(size + 4), ga_copy, &c);
}

/* ------------------------------------------------------------------------ */
/* Per-type kernels                                                         */
/* ------------------------------------------------------------------------ */

#define PWA_SORT_DEFS(T, s)                                                    \
  pw_status pw_array_sort_##s(T *x, size_t n, bool descending) {               \
    return sort_any(x, n, (int)sizeof(T) * 8, PWA_KIND_##s, descending);       \
  }                                                                            \
  pw_status pw_array_argsort_##s(const T *x, size_t n, uint32_t *order,        \
                                 bool descending) {                            \
    return argsort_any(x, n, order, (int)sizeof(T) * 8, PWA_KIND_##s,          \
                       descending);                                            \
  }                                                                            \
  pw_status pw_array_gather_##s(const T *x, size_t n, const uint32_t *index,   \
                                size_t m, T *out) {                            \
    return gather_any(x, n, index, m, out, sizeof(T));                         \
  }

PW_ARRAY_TYPES(PWA_SORT_DEFS)
