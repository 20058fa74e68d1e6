/*
 * histogram.c — histograms with equal bins over [lo, hi] or with explicit
 * edges (parawasm/array.h).
 *
 * Equal bins, as numpy.histogram: the edges are e[i] = lo + i * w,
 * w = (hi - lo) / bins, and e[bins] = hi. The bin of v is first estimated
 * as floor((v - lo) * (bins / (hi - lo))), then moved down while
 * v < e[j] and up while v >= e[j+1], so that every element lands in the
 * bin whose computed edges hold it: the estimate's roundings never put an
 * element on the wrong side of an edge, and edges that round to the same
 * double (a tiny w next to a large lo) still give a consistent answer.
 * The estimate is off by at most one bin in practice, so the loops cost a
 * compare or two. Up to 2^16 bins the edges are computed once into a
 * table (the same doubles), which halves the work per element in wasm.
 *
 * 8- and 16-bit elements: the bin of each of the 256 or 65536 possible
 * values is found once by that rule, and each element is a table lookup
 * (16-bit arrays shorter than 65536 elements count directly).
 *
 * Explicit edges: a binary search in the edges per element.
 *
 * Parallel: one block of the array per thread, each counting into its own
 * counters (block 0 straight into the result), added at the end. The
 * counts are exact, so the split cannot change them. Blocks are fewer
 * when bins is large, so that the counters of all blocks stay under
 * 64 MiB.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define HIST_MIN_BLOCK ((size_t)1 << 15)
#define HIST_MAX_COUNTERS ((size_t)16 << 20) /* 64 MiB of uint32_t */

typedef struct {
  const void *x;
  size_t n, nb, bins;
  uint32_t *counts; /* block 0's counters */
  uint32_t *more;   /* blocks 1.. */
  double lo, hi, w, scale;
  double f1, f2; /* a subnormal range: every value times f1 then f2 (powers of two), else 1 */
  const double *etab; /* equal bins: the bins + 1 edges, when bins is small */
  const double *edges;
  const uint32_t *lut; /* 8/16-bit elements: the bin of every value (bins: none) */
  size_t m;
  void (*count)(const void *x, size_t b, size_t e, uint32_t *h, const void *ctx);
} hist_ctx;

/* Edge i of the equal bins. */
PW_INLINE double edge_at(const hist_ctx *c, size_t i) {
  return i == c->bins ? c->hi : c->lo + (double)i * c->w;
}

/*
 * floor(f) for 0 <= f < 2^31. In wasm without a float-to-integer
 * conversion, which is a guarded sequence there and the slowest step of
 * the loop: f + 2^52 is f rounded to an integer, held in the low bits of
 * the double; one less when that rounded up. Natively the conversion is
 * one instruction.
 */
PW_INLINE uint32_t floor_small(double f) {
#ifdef __wasm__
  const double big = 4503599627370496.0; /* 2^52 */
  double r = f + big;
  uint64_t bits;
  memcpy(&bits, &r, sizeof bits);
  return (uint32_t)bits - (r - big > f);
#else
  return (uint32_t)(int32_t)f;
#endif
}

/*
 * An estimate j of v's bin (lo <= v <= hi) moved to the bin whose table
 * edges hold v. The estimate is nearly always right: one test of both
 * edges, the loops only when it fails (and for v = hi, which the last bin
 * holds; t[last + 1] is hi).
 */
PW_INLINE uint32_t tab_fix(double v, uint32_t j, const double *t, uint32_t last) {
  if (v >= t[j] && v < t[j + 1]) return j;
  while (j > 0 && v < t[j]) j--;
  while (j < last && v >= t[j + 1]) j++;
  return j;
}

/* The bin of v among the equal bins, or c->bins when v is outside. */
PW_INLINE size_t bin_equal(const hist_ctx *c, double v) {
  if (!(v >= c->lo && v <= c->hi)) return c->bins; /* NaN too */
  double f = (v - c->lo) * c->scale; /* >= 0 */
  size_t j = f < (double)c->bins ? floor_small(f) : c->bins - 1;
  const double *t = c->etab;
  if (t != NULL) { /* the same edges, read from the table */
    j = tab_fix(v, (uint32_t)j, t, (uint32_t)c->bins - 1);
  } else {
    while (j > 0 && v < edge_at(c, j)) j--;
    while (j + 1 < c->bins && v >= edge_at(c, j + 1)) j++;
  }
  return j;
}

PW_INLINE void count_equal(const hist_ctx *c, double v, uint32_t *h) {
  size_t j = bin_equal(c, v);
  if (j < c->bins) h[j]++;
}

/* The bin of v among the explicit edges, or c->bins (m - 1) when v is outside. */
PW_INLINE size_t bin_edges(const hist_ctx *c, double v) {
  const double *e = c->edges;
  size_t m = c->m;
  if (!(v >= e[0] && v <= e[m - 1])) return m - 1; /* NaN too */
  if (v == e[m - 1]) return m - 2;                  /* the last bin is closed */
  /* the last edge <= v: e[lo] <= v < e[hi] */
  size_t lo = 0, hi = m - 1;
  while (hi - lo > 1) {
    size_t mid = lo + (hi - lo) / 2;
    if (e[mid] <= v) lo = mid;
    else hi = mid;
  }
  return lo;
}

PW_INLINE void count_edges(const hist_ctx *c, double v, uint32_t *h) {
  size_t j = bin_edges(c, v);
  if (j < c->bins) h[j]++;
}

/* The loops read the context through a local copy: in wasm32, size_t and
   uint32_t are one type, so stores to the counters could otherwise alias
   its fields and force a reload of each of them per element. */
/* 8- and 16-bit elements: one table lookup an element. */
static void count_lut8(const void *xv, size_t b, size_t e, uint32_t *h, const void *ctx) {
  const uint8_t *x = xv;
  const uint32_t *lut = ((const hist_ctx *)ctx)->lut, bins = (uint32_t)((const hist_ctx *)ctx)->bins;
  for (size_t i = b; i < e; i++) {
    uint32_t j = lut[x[i]];
    if (j < bins) h[j]++;
  }
}
static void count_lut16(const void *xv, size_t b, size_t e, uint32_t *h, const void *ctx) {
  const uint16_t *x = xv;
  const uint32_t *lut = ((const hist_ctx *)ctx)->lut, bins = (uint32_t)((const hist_ctx *)ctx)->bins;
  for (size_t i = b; i < e; i++) {
    uint32_t j = lut[x[i]];
    if (j < bins) h[j]++;
  }
}

/*
 * Equal bins with the edge table (bins <= 2^16): bin_equal's rule in a
 * loop of its own, the context's fields in locals. Measured on 20M
 * doubles into 256 bins (build/wasm-bench/native_array.js under node
 * --no-liftoff, median ms): through count_equal with a conversion 84,
 * with floor_small 65; this loop 58, with count_tab_f64x2 53; the same C
 * natively 35.
 */
PW_INLINE void count_tab(double v, double lo, double hi, double scale, const double *t,
                         uint32_t last, uint32_t *h) {
  if (!(v >= lo && v <= hi)) return; /* NaN too */
  double f = (v - lo) * scale;
  h[tab_fix(v, floor_small(f < (double)last ? f : (double)last), t, last)]++;
}

#ifdef __wasm_simd128__
/*
 * count_tab over doubles two at a time: the range check, the scaling and
 * floor_small on both lanes at once, then each lane's corrections and
 * count. Returns where it stopped (the last odd element is left over).
 */
static size_t count_tab_f64x2(const double *x, size_t b, size_t e, double lo, double hi, double scale,
                              const double *t, uint32_t last, uint32_t *h) {
  const v128_t vlo = wasm_f64x2_splat(lo), vhi = wasm_f64x2_splat(hi), vs = wasm_f64x2_splat(scale);
  const v128_t vlast = wasm_f64x2_splat((double)last), big = wasm_f64x2_splat(4503599627370496.0);
  size_t i = b;
  for (; i + 2 <= e; i += 2) {
    v128_t v = wasm_v128_load(x + i);
    uint32_t in = (uint32_t)wasm_i64x2_bitmask(wasm_v128_and(wasm_f64x2_ge(v, vlo), wasm_f64x2_le(v, vhi)));
    if (in == 0) continue;
    v128_t f = wasm_f64x2_pmin(vlast, wasm_f64x2_mul(wasm_f64x2_sub(v, vlo), vs)); /* f < last ? f : last */
    v128_t r = wasm_f64x2_add(f, big);
    /* floor_small on both lanes: the low bits of r, less one where r - 2^52 > f (a lane of all ones) */
    v128_t jv = wasm_i64x2_add(r, wasm_f64x2_gt(wasm_f64x2_sub(r, big), f));
    for (unsigned k = 0; k < 2; k++) {
      if (!(in >> k & 1)) continue;
      double vk = x[i + k];
      uint32_t j = (uint32_t)(k ? wasm_i64x2_extract_lane(jv, 1) : wasm_i64x2_extract_lane(jv, 0));
      h[tab_fix(vk, j, t, last)]++;
    }
  }
  return i;
}
#define COUNT_TAB_SIMD(T, s, xv, b, e, ...)                                    \
  ((PWA_KIND_##s == PWA_FLOAT && sizeof(T) == 8) ? count_tab_f64x2((const double *)(xv), b, e, __VA_ARGS__) : (b))
#else
#define COUNT_TAB_SIMD(T, s, xv, b, e, ...) (b)
#endif

#define COUNTERS(T, s)                                                         \
  static void count_eq_##s(const void *xv, size_t b, size_t e, uint32_t *h, const void *ctx) { \
    const T *x = xv;                                                           \
    const hist_ctx c = *(const hist_ctx *)ctx;                                 \
    if (c.etab != NULL) {                                                      \
      const double lo = c.lo, hi = c.hi, scale = c.scale, *t = c.etab;         \
      const uint32_t last = (uint32_t)c.bins - 1;                              \
      size_t i = COUNT_TAB_SIMD(T, s, xv, b, e, lo, hi, scale, t, last, h);     \
      for (; i < e; i++) count_tab((double)x[i], lo, hi, scale, t, last, h);   \
      return;                                                                  \
    }                                                                          \
    for (size_t i = b; i < e; i++) count_equal(&c, (double)x[i], h);           \
  }                                                                            \
  static void count_sc_##s(const void *xv, size_t b, size_t e, uint32_t *h, const void *ctx) { \
    const T *x = xv;                                                           \
    const hist_ctx c = *(const hist_ctx *)ctx;                                 \
    for (size_t i = b; i < e; i++) count_equal(&c, (double)x[i] * c.f1 * c.f2, h); \
  }                                                                            \
  static void count_ed_##s(const void *xv, size_t b, size_t e, uint32_t *h, const void *ctx) { \
    const T *x = xv;                                                           \
    const hist_ctx c = *(const hist_ctx *)ctx;                                 \
    for (size_t i = b; i < e; i++) count_edges(&c, (double)x[i], h);           \
  }
PW_ARRAY_TYPES(COUNTERS)

static void hist_body(void *p, size_t b0, size_t b1) {
  hist_ctx *c = p;
  for (size_t blk = b0; blk < b1; blk++) {
    size_t b, e;
    pwa_block(c->n, c->nb, blk, &b, &e);
    uint32_t *h = blk == 0 ? c->counts : c->more + pwa_padded(0, sizeof *h) + (blk - 1) * pwa_padded(c->bins, sizeof *h);
    memset(h, 0, c->bins * sizeof *h);
    PWA_STRIPS(s, t, b, e) c->count(c->x, s, t, h, c); /* the counters add up over strips */
  }
}

static pw_status hist_run(hist_ctx *c) {
  size_t nb = pwa_blocks(c->n, HIST_MIN_BLOCK);
  size_t most = HIST_MAX_COUNTERS / c->bins;
  if (nb > most) nb = most ? most : 1;
  c->nb = nb;
  c->more = NULL;
  if (nb > 1) {
    /* each block's counters padded, after one line of padding (pwa_padded):
       no two threads write one cache line */
    size_t words = pwa_padded(0, sizeof *c->more) + (nb - 1) * pwa_padded(c->bins, sizeof *c->more);
    c->more = pwa_alloc(words, sizeof *c->more);
    if (c->more == NULL) return pwa_nomem(words, sizeof *c->more);
  }
  pw_status s = pw_parallel_for(nb, 1, hist_body, c);
  if (s == PW_OK) {
    for (size_t blk = 1; blk < nb; blk++) {
      const uint32_t *h = c->more + pwa_padded(0, sizeof *h) + (blk - 1) * pwa_padded(c->bins, sizeof *h);
      for (size_t j = 0; j < c->bins; j++) c->counts[j] += h[j];
    }
  }
  free(c->more);
  return s;
}

/*
 * 8- and 16-bit elements (with 2^16 elements or more for 16 bits): the bin
 * of every possible value, found by the same rule as the per-element loop
 * (bin_edges with `edges`, else bin_equal), then one lookup an element:
 * 3 GiB of bytes by 7 explicit edges took 15 s on one thread through the
 * binary search. Sets c->lut and c->count and returns the table to free;
 * NULL (the per-element rule then, the same bins) for wider elements, too
 * few 16-bit ones or no memory.
 */
static uint32_t *use_lut(hist_ctx *c, int width, int is_signed, int edges) {
  size_t nvals = width <= 16 ? (size_t)1 << width : 0;
  if (nvals == 0 || (width == 16 && c->n < nvals)) return NULL;
  uint32_t *lut = pwa_alloc(nvals, sizeof *lut);
  if (lut == NULL) return NULL;
  for (size_t k = 0; k < nvals; k++) {
    double v = is_signed ? (double)(k < nvals / 2 ? (int64_t)k : (int64_t)k - (int64_t)nvals) : (double)k;
    /* c->bins: outside, not counted */
    lut[k] = (uint32_t)(edges ? bin_edges(c, v) : bin_equal(c, v * c->f1 * c->f2));
  }
  c->lut = lut;
  c->count = width == 8 ? count_lut8 : count_lut16;
  return lut;
}

static pw_status histogram_any(const void *x, size_t n, uint32_t bins, double lo, double hi,
                               uint32_t *counts,
                               void (*count)(const void *, size_t, size_t, uint32_t *, const void *),
                               void (*count_scaled)(const void *, size_t, size_t, uint32_t *, const void *),
                               int width, int is_signed) {
  if (pwa_too_many(n))
    return pw_fail(PW_ERANGE, "x has %.0f elements; histogram counts at most 2^32 - 1",
                   (double)n);
  if (bins < 1 || bins > (1u << 24))
    return pw_fail(PW_ERANGE, "bins (%lu) must be between 1 and 2^24", (unsigned long)bins);
  if (!isfinite(lo) || !isfinite(hi))
    return pw_fail(PW_ERANGE, "lo (%g) and hi (%g) must be finite", lo, hi);
  if (!(lo < hi)) return pw_fail(PW_ERANGE, "lo (%g) must be less than hi (%g)", lo, hi);
  hist_ctx c;
  memset(&c, 0, sizeof c);
  c.x = x;
  c.n = n;
  c.bins = bins;
  c.counts = counts;
  c.f1 = c.f2 = 1.0;
  c.count = count;
  /*
   * A range so narrow that the bins' width falls below 2^-968 (a range of
   * subnormals): the width and the edges would lose their low bits, and
   * bins / (hi - lo) overflow, so values landed in the wrong bins. The
   * range and every value are first scaled by 2^k, which is exact for
   * every double (scaling up never rounds; values that overflow were
   * outside the range), so the bins are the ones the same arithmetic
   * gives any other range. k puts the larger of |lo| and |hi| just below
   * 2^900 (then hi - lo is 2^847 or more: a width far from underflow); k
   * is at most 1973, past a double's largest power of two, so it is two
   * factors of at most 2^987.
   */
  if (!isfinite(hi - lo)) {
    /* a range wider than the largest double (-DBL_MAX to DBL_MAX): the
       same on the values halved (exact but for subnormals, which lose
       their last bit: a bin's edge falls there only in a contrived range) */
    c.f1 = 0.5;
    lo *= 0.5;
    hi *= 0.5;
    c.count = count_scaled;
  } else if ((hi - lo) / (double)bins < 0x1p-968) {
    double m = fabs(lo) > fabs(hi) ? fabs(lo) : fabs(hi);
    int k = 899 - ilogb(m);
    int k1 = k / 2;
    c.f1 = ldexp(1.0, k1);
    c.f2 = ldexp(1.0, k - k1);
    lo = lo * c.f1 * c.f2;
    hi = hi * c.f1 * c.f2;
    c.count = count_scaled;
  }
  c.lo = lo;
  c.hi = hi;
  c.w = (hi - lo) / (double)bins;
  c.scale = (double)bins / (hi - lo);
  if (n == 0) {
    memset(counts, 0, bins * sizeof *counts);
    return PW_OK;
  }
  /* up to 2^16 bins, the edges in a table (a load, not a conversion, a
     multiplication and an addition per edge looked at) */
  double *etab = NULL;
  if (bins <= (1u << 16) && (etab = pwa_alloc((size_t)bins + 1, sizeof *etab)) != NULL) {
    for (size_t i = 0; i <= bins; i++) etab[i] = edge_at(&c, i);
    c.etab = etab;
  }
  uint32_t *lut = use_lut(&c, width, is_signed, 0);
  pw_status s = hist_run(&c);
  free(etab);
  free(lut);
  return s;
}

static pw_status histogram_edges_any(const void *x, size_t n, const double *edges, size_t m,
                                     uint32_t *counts,
                                     void (*count)(const void *, size_t, size_t, uint32_t *, const void *),
                                     int width, int is_signed) {
  if (pwa_too_many(n))
    return pw_fail(PW_ERANGE, "x has %.0f elements; histogram counts at most 2^32 - 1",
                   (double)n);
  if (m < 2) return pw_fail(PW_EINVAL, "edges has %.0f values; at least 2 are needed", (double)m);
  for (size_t i = 0; i < m; i++) {
    if (edges[i] != edges[i]) return pw_fail(PW_EINVAL, "edges[%.0f] is NaN", (double)i);
    if (i > 0 && !(edges[i] > edges[i - 1]))
      return pw_fail(PW_EINVAL, "edges[%.0f] = %g is not greater than edges[%.0f] = %g",
                     (double)i, edges[i], (double)(i - 1), edges[i - 1]);
  }
  hist_ctx c;
  memset(&c, 0, sizeof c);
  c.x = x;
  c.n = n;
  c.bins = m - 1;
  c.counts = counts;
  c.edges = edges;
  c.m = m;
  c.count = count;
  if (n == 0) {
    memset(counts, 0, (m - 1) * sizeof *counts);
    return PW_OK;
  }
  uint32_t *lut = use_lut(&c, width, is_signed, 1);
  pw_status s = hist_run(&c);
  free(lut);
  return s;
}

#define PWA_HIST_DEFS(T, s)                                                    \
  pw_status pw_array_histogram_##s(const T *x, size_t n, uint32_t bins,        \
                                   double lo, double hi, uint32_t *counts) {   \
    return histogram_any(x, n, bins, lo, hi, counts, count_eq_##s, count_sc_##s, \
                         (int)sizeof(T) * 8, PWA_KIND_##s == PWA_SINT);        \
  }                                                                            \
  pw_status pw_array_histogram_edges_##s(const T *x, size_t n,                 \
                                         const double *edges, size_t m,        \
                                         uint32_t *counts) {                   \
    return histogram_edges_any(x, n, edges, m, counts, count_ed_##s,           \
                               (int)sizeof(T) * 8, PWA_KIND_##s == PWA_SINT);  \
  }
PW_ARRAY_TYPES(PWA_HIST_DEFS)
