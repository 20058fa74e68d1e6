/*
 * search.c — searchSorted and unique (parawasm/array.h).
 *
 * searchSorted compares keys (internal.h) with every NaN made one key, so
 * that the order is the sort order and all NaNs tie. Each needle is a
 * branch-free binary search (lower bound for "left", upper bound for
 * "right"), 16 needles at a time in lock step (see SS_DEFINE); the
 * needles are split across threads.
 *
 * unique: 8- and 16-bit types are counted in 256 or 65536 counters per
 * block of the array (the counters are the answer, read in key order).
 * Wider types copy their keys, with -0 made +0 and every NaN made one key
 * (SameValueZero), sort the copy with the radix sort of sort.c, and count
 * runs: in parallel, each chunk counts the runs that start in it, the
 * counts give each chunk its place in the output, and each chunk writes
 * its runs (reading past its end for the length of its last run).
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ------------------------------------------------------------------------ */
/* searchSorted                                                             */
/* ------------------------------------------------------------------------ */

typedef struct {
  const void *sorted, *needles;
  size_t n;
  uint32_t *index;
  int mode, right;
} ss_ctx;

/*
 * Groups of SS_GROUP needles go down the array in lock step: the
 * branch-free lower bound of Khuong and Morin keeps the same length
 * sequence for every needle, so one step is SS_GROUP independent loads
 * whose cache misses overlap (a single search waits for each miss in
 * turn: about 10 misses of ~100 ns on an 80 MB array).
 */
#define SS_GROUP 16
/*
 * The needles each step goes through: in wasm always SS_GROUP (a last,
 * partial group repeats its last needle), a constant bound, so that clang
 * unrolls the loops and keeps kn and base in wasm locals, not in the
 * stack of linear memory: 1M needles in 10M doubles, wasm 260 -> 160-197
 * ms. Natively the group's own size (gcc's code for the constant bound
 * was slower there: 150 -> 140-210 ms).
 */
#ifdef __wasm__
#define SS_N(gn) SS_GROUP
#else
#define SS_N(gn) (gn)
#endif
#define SS_DEFINE(W, UT)                                                       \
  PW_INLINE void ss_run_##W##_m(const UT *a, size_t n, const UT *nd,           \
                               uint32_t *index, size_t b, size_t e, int right, \
                               int mode) {                                     \
    for (size_t g0 = b; g0 < e; g0 += SS_GROUP) {                              \
      size_t gn = e - g0 < SS_GROUP ? e - g0 : SS_GROUP;                       \
      UT kn[SS_GROUP];                                                         \
      size_t base[SS_GROUP];                                                   \
      for (size_t g = 0; g < SS_N(gn); g++) {                                  \
        kn[g] = pwa_key##W(nd[g0 + (g < gn ? g : gn - 1)], mode);              \
        base[g] = 0;                                                           \
      }                                                                        \
      if (n == 0) {                                                            \
        for (size_t g = 0; g < gn; g++) index[g0 + g] = 0;                     \
        continue;                                                              \
      }                                                                        \
      size_t len = n;                                                          \
      if (right) {                                                             \
        while (len > 1) {                                                      \
          size_t half = len / 2;                                               \
          for (size_t g = 0; g < SS_N(gn); g++)                                \
            base[g] += pwa_key##W(a[base[g] + half], mode) <= kn[g] ? half : 0; \
          len -= half;                                                         \
        }                                                                      \
        for (size_t g = 0; g < gn; g++)                                        \
          index[g0 + g] = (uint32_t)(base[g] + (pwa_key##W(a[base[g]], mode) <= kn[g])); \
      } else {                                                                 \
        while (len > 1) {                                                      \
          size_t half = len / 2;                                               \
          for (size_t g = 0; g < SS_N(gn); g++)                                \
            base[g] += pwa_key##W(a[base[g] + half], mode) < kn[g] ? half : 0; \
          len -= half;                                                         \
        }                                                                      \
        for (size_t g = 0; g < gn; g++)                                        \
          index[g0 + g] = (uint32_t)(base[g] + (pwa_key##W(a[base[g]], mode) < kn[g])); \
      }                                                                        \
    }                                                                          \
  }                                                                            \
  static void ss_body_##W(void *p, size_t b, size_t e) {                       \
    ss_ctx *c = p;                                                             \
    const UT *a = c->sorted, *nd = c->needles;                                 \
    size_t n = c->n;                                                           \
    uint32_t *index = c->index;                                                \
    int right = c->right;                                                      \
    PWA_MODE_SWITCH(c->mode, SS_CALL_##W)                                      \
  }

#define SS_CALL_8(m) ss_run_8_m(a, n, nd, index, b, e, right, m)
#define SS_CALL_16(m) ss_run_16_m(a, n, nd, index, b, e, right, m)
#define SS_CALL_32(m) ss_run_32_m(a, n, nd, index, b, e, right, m)
#define SS_CALL_64(m) ss_run_64_m(a, n, nd, index, b, e, right, m)

SS_DEFINE(8, uint8_t)
SS_DEFINE(16, uint16_t)
SS_DEFINE(32, uint32_t)
SS_DEFINE(64, uint64_t)

static pw_status search_any(const void *sorted, size_t n, const void *needles, size_t m,
                            uint32_t *index, bool right, int width, int kind) {
  if (pwa_too_many(n))
    return pw_fail(PW_ERANGE, "sorted has %.0f elements; searchSorted takes at most 2^32 - 1",
                   (double)n);
  /* NaNs tie: the canonical float modes */
  ss_ctx c = {sorted, needles, n, index, kind == PWA_FLOAT ? PWA_FLOATC_ASC : kind * 2, right};
  pw_range_fn body = width == 8 ? ss_body_8 : width == 16 ? ss_body_16 : width == 32 ? ss_body_32 : ss_body_64;
  return pw_parallel_for(m, 4096, body, &c);
}

/* ------------------------------------------------------------------------ */
/* unique                                                                   */
/* ------------------------------------------------------------------------ */

#define UQ_MIN_BLOCK ((size_t)1 << 16)

typedef struct {
  const void *x;
  size_t n, nb, nkeys, stride; /* stride: counters between blocks (pwa_padded) */
  size_t *hist;
  int mode;
} uc_ctx;

/* 8/16-bit: counts of each key per block. */
static void uc_count(void *p, size_t b0, size_t b1) {
  uc_ctx *c = p;
  for (size_t b = b0; b < b1; b++) {
    size_t begin, end;
    pwa_block(c->n, c->nb, b, &begin, &end);
    pwa_count_keys(c->x, c->nkeys == 256 ? 8 : 16, c->mode, begin, end, c->hist + b * c->stride);
  }
}

static pw_status unique_counted(const void *x, size_t n, int width, int kind, pw_result *values,
                                pw_result *counts) {
  uc_ctx c = {x, n, pwa_blocks(n, UQ_MIN_BLOCK), (size_t)1 << width, 0, NULL, kind * 2};
  c.stride = pwa_padded(c.nkeys, sizeof(size_t));
  c.hist = pwa_alloc(c.nb * c.stride, sizeof(size_t));
  if (c.hist == NULL) return pwa_nomem(c.nb * c.stride, sizeof(size_t));
  pw_status s = pw_parallel_for(c.nb, 1, uc_count, &c);
  if (s == PW_OK) {
    size_t u = 0;
    for (size_t k = 0; k < c.nkeys; k++) {
      size_t t = 0;
      for (size_t b = 0; b < c.nb; b++) t += c.hist[b * c.stride + k];
      c.hist[k] = t; /* block 0's row now holds the totals */
      u += t != 0;
    }
    size_t kb = (size_t)width / 8;
    if (pw_result_resize(values, u * kb) == NULL || pw_result_resize(counts, u * 4) == NULL) {
      s = pwa_nomem(u, kb + 4);
    } else {
      size_t j = 0;
      for (size_t k = 0; k < c.nkeys; k++) {
        if (c.hist[k] == 0) continue;
        if (width == 8) ((uint8_t *)values->data)[j] = (uint8_t)(k ^ pwa_key8(0, c.mode));
        else ((uint16_t *)values->data)[j] = (uint16_t)(k ^ pwa_key16(0, c.mode));
        ((uint32_t *)counts->data)[j] = (uint32_t)c.hist[k];
        j++;
      }
    }
  }
  free(c.hist);
  return s;
}

typedef struct {
  const void *x;
  void *k;
  size_t n;
  size_t grain;
  size_t *runs; /* per chunk: runs that start in it, then their first slot */
  void *values;
  uint32_t *counts;
  int width, mode;
} uq_ctx;

/* Keys with -0 made +0 and NaNs made one (SameValueZero). */
static void uq_keys(void *p, size_t b, size_t e) {
  uq_ctx *c = p;
  if (c->width == 32) {
    const uint32_t *x = c->x;
    uint32_t *k = c->k;
    if (c->mode == PWA_FLOATC_ASC) {
      uint32_t mz = pwa_key32(UINT32_C(0x80000000), c->mode), pz = pwa_key32(0, c->mode);
      for (size_t i = b; i < e; i++) {
        uint32_t v = pwa_key32(x[i], PWA_FLOATC_ASC);
        k[i] = v == mz ? pz : v;
      }
    } else {
      uint32_t m = pwa_key32(0, c->mode);
      for (size_t i = b; i < e; i++) k[i] = x[i] ^ m;
    }
  } else {
    const uint64_t *x = c->x;
    uint64_t *k = c->k;
    if (c->mode == PWA_FLOATC_ASC) {
      uint64_t mz = pwa_key64(UINT64_C(0x8000000000000000), c->mode), pz = pwa_key64(0, c->mode);
      for (size_t i = b; i < e; i++) {
        uint64_t v = pwa_key64(x[i], PWA_FLOATC_ASC);
        k[i] = v == mz ? pz : v;
      }
    } else {
      uint64_t m = pwa_key64(0, c->mode);
      for (size_t i = b; i < e; i++) k[i] = x[i] ^ m;
    }
  }
}

static uint64_t uq_key(const uq_ctx *c, size_t i) {
  return c->width == 32 ? ((const uint32_t *)c->k)[i] : ((const uint64_t *)c->k)[i];
}

static void uq_count_runs(void *p, size_t b, size_t e) {
  uq_ctx *c = p;
  size_t r = 0;
  for (size_t i = b; i < e; i++) r += i == 0 || uq_key(c, i) != uq_key(c, i - 1);
  c->runs[b / c->grain] = r;
}

static void uq_write_runs(void *p, size_t b, size_t e) {
  uq_ctx *c = p;
  size_t j = c->runs[b / c->grain];
  for (size_t i = b; i < e; i++) {
    if (i != 0 && uq_key(c, i) == uq_key(c, i - 1)) continue;
    uint64_t k = uq_key(c, i);
    size_t stop = i + 1;
    while (stop < c->n && uq_key(c, stop) == k) stop++;
    if (c->width == 32) ((uint32_t *)c->values)[j] = pwa_unkey32((uint32_t)k, c->mode);
    else ((uint64_t *)c->values)[j] = pwa_unkey64(k, c->mode);
    c->counts[j] = (uint32_t)(stop - i);
    j++;
  }
}

static pw_status unique_sorted(const void *x, size_t n, int width, int kind, pw_result *values,
                               pw_result *counts) {
  size_t kb = (size_t)width / 8;
  int mode = kind == PWA_FLOAT ? PWA_FLOATC_ASC : kind * 2;
  size_t grain = pw_grain(kb) * 4;
  if (grain < pw_chunks(n, 4096)) grain = pw_chunks(n, 4096);
  size_t chunks = pw_chunks(n, grain);
  void *k = pwa_alloc(n, kb), *tmp = pwa_alloc(n, kb);
  size_t *runs = pwa_alloc(chunks, sizeof *runs);
  pw_status s = PW_OK;
  if (k == NULL || tmp == NULL || runs == NULL) {
    s = pw_fail(PW_ENOMEM, "no memory for %.0f bytes of scratch (twice x's %.0f bytes: a copy of its keys, and the "
                "sort's buffer)", (double)n * 2 * (double)kb, (double)n * (double)kb);
    goto out;
  }
  uq_ctx c = {x, k, n, grain, runs, NULL, NULL, width, mode};
  s = pw_parallel_for(n, grain, uq_keys, &c);
  if (s == PW_OK) s = pwa_sort_keys(k, tmp, n, width);
  if (s == PW_OK) s = pw_parallel_for(n, grain, uq_count_runs, &c);
  if (s != PW_OK) goto out;
  size_t u = 0;
  for (size_t j = 0; j < chunks; j++) {
    size_t r = runs[j];
    runs[j] = u;
    u += r;
  }
  if (pw_result_resize(values, u * kb) == NULL || pw_result_resize(counts, u * 4) == NULL) {
    s = pwa_nomem(u, kb + 4);
    goto out;
  }
  c.values = values->data;
  c.counts = counts->data;
  s = pw_parallel_for(n, grain, uq_write_runs, &c);
out:
  free(k);
  free(tmp);
  free(runs);
  return s;
}

static pw_status unique_any(const void *x, size_t n, pw_result *values, pw_result *counts,
                            int width, int kind) {
  if (pwa_too_many(n))
    return pw_fail(PW_ERANGE, "x has %.0f elements; unique takes at most 2^32 - 1", (double)n);
  if (n == 0) return PW_OK;
  if (width <= 16) return unique_counted(x, n, width, kind, values, counts);
  return unique_sorted(x, n, width, kind, values, counts);
}

/* ------------------------------------------------------------------------ */
/* Per-type kernels                                                         */
/* ------------------------------------------------------------------------ */

#define PWA_SEARCH_DEFS(T, s)                                                  \
  pw_status pw_array_search_sorted_##s(const T *sorted, size_t n,              \
                                       const T *needles, size_t m,             \
                                       uint32_t *index, bool right) {          \
    return search_any(sorted, n, needles, m, index, right, (int)sizeof(T) * 8, \
                      PWA_KIND_##s);                                           \
  }                                                                            \
  pw_status pw_array_unique_##s(const T *x, size_t n, pw_result *values,       \
                                pw_result *counts) {                           \
    return unique_any(x, n, values, counts, (int)sizeof(T) * 8, PWA_KIND_##s); \
  }

PW_ARRAY_TYPES(PWA_SEARCH_DEFS)
