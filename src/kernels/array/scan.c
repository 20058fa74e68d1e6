/*
 * scan.c — inclusive and exclusive prefix sums (parawasm/array.h).
 *
 * Parallel in two passes over chunks whose boundaries depend on n and the
 * element size only (as pw_parallel_reduce's): pass 1 sums each chunk on
 * its own, the caller turns the chunk sums into each chunk's starting
 * offset, and pass 2 scans each chunk from its offset. Pass 1 only reads,
 * so the whole costs about 1.5 times the traffic of a sequential scan and
 * splits across every thread.
 *
 * Integers wrap modulo 2^bits (unsigned arithmetic in the element's
 * width): exact, so the result cannot depend on the chunks, and with one
 * thread a single sequential pass does it.
 *
 * Floats: a compensated running sum in double, (s, c) with TwoSum as in
 * reduce.c, written out as s + c rounded to the element type. Pass 1 sums
 * each chunk with the compensated lanes of pw_array_sum; chunk offsets
 * are joined in order the same way; pass 2 starts each chunk from its
 * offset pair. The running sum is sequential within a chunk (each TwoSum
 * waits for the previous s), about 4 cycles an element, which the split
 * across threads pays back. The chunking fixes the operations, so every
 * thread count gives the same bits, with one thread too (which still
 * makes pass 1).
 *
 * Doubles near the top of the range: a running sum, a chunk's sum or an
 * offset can pass the double range where the prefix sums do not (1e308,
 * 1e308, -1e308: the second prefix is +Inf, the third 1e308 again), and
 * TwoSum's Inf - Inf then made NaN of every later prefix. Each of them is
 * kept instead in units of 2^64 (SCAN_DOWN) from the point where it would
 * have left the range: a chunk sum computed again over x * 2^-64, an
 * offset or a running sum scaled (exactly: it is large) and its addition
 * done again, every later output scaled back (+-Inf only if the prefix is
 * beyond the range itself). Scaled, elements below 2^-958 lose bits, far
 * within the documented bound (whose sum of |x| is then above 2^960).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Most chunks of a scan (as pw_parallel_reduce: bounded scratch). */
#define SCAN_MAX_CHUNKS 4096u

#define SCAN_DOWN 0x1p-64
#define SCAN_UP 0x1p64

typedef struct {
  const void *x;
  void *out;
  size_t n, grain;
  double *fsum;   /* floats: per chunk (S, C, scaled), then offsets */
  uint64_t *isum; /* integers: per chunk sums, then offsets */
  int exclusive;
} scan_ctx;

PW_INLINE void two_sum(double a, double b, double *s, double *e) {
  double t = a + b, z = t - a;
  *e = (a - (t - z)) + (b - z);
  *s = t;
}

/* Integer scans: per element width, in the unsigned type (wraps). */
#define SCAN_INT(W)                                                            \
  static void iscan_sum_##W(void *p, size_t b, size_t e) {                     \
    scan_ctx *c = p;                                                           \
    const uint##W##_t *x = c->x;                                               \
    uint##W##_t acc = 0;                                                       \
    for (size_t i = b; i < e; i++) acc = (uint##W##_t)(acc + x[i]);            \
    c->isum[b / c->grain] = acc;                                               \
  }                                                                            \
  static void iscan_run_##W(void *p, size_t b, size_t e) {                     \
    scan_ctx *c = p;                                                           \
    const uint##W##_t *x = c->x;                                               \
    uint##W##_t *o = c->out;                                                   \
    uint##W##_t acc = (uint##W##_t)c->isum[b / c->grain];                      \
    if (c->exclusive) {                                                        \
      for (size_t i = b; i < e; i++) {                                         \
        uint##W##_t v = x[i];                                                  \
        o[i] = acc;                                                            \
        acc = (uint##W##_t)(acc + v);                                          \
      }                                                                        \
    } else {                                                                   \
      for (size_t i = b; i < e; i++) {                                         \
        acc = (uint##W##_t)(acc + x[i]);                                       \
        o[i] = acc;                                                            \
      }                                                                        \
    }                                                                          \
    c->isum[b / c->grain] = acc; /* (where the serial path's next strip starts) */\
  }
SCAN_INT(8)
SCAN_INT(16)
SCAN_INT(32)
SCAN_INT(64)

/* Saturating byte scans (a Uint8ClampedArray's): sums in 64 bits, stored clamped. */
static void sscan_sum(void *p, size_t b, size_t e) {
  scan_ctx *c = p;
  const uint8_t *x = c->x;
  uint64_t acc = 0;
  for (size_t i = b; i < e; i++) acc += x[i];
  c->isum[b / c->grain] = acc;
}
static void sscan_run(void *p, size_t b, size_t e) {
  scan_ctx *c = p;
  const uint8_t *x = c->x;
  uint8_t *o = c->out;
  uint64_t acc = c->isum[b / c->grain];
  size_t i = b;
  /* up to the first prefix above 255: the sums themselves; then 255 */
  if (c->exclusive) {
    for (; i < e && acc <= 255; i++) {
      uint8_t v = x[i];
      o[i] = (uint8_t)acc;
      acc += v;
    }
  } else {
    for (; i < e && acc <= 255; i++) {
      acc += x[i];
      o[i] = (uint8_t)(acc <= 255 ? acc : 255);
    }
  }
  if (i < e) memset(o + i, 255, e - i);
  c->isum[b / c->grain] = acc > 256 ? 256 : acc; /* (where the serial path's next strip starts) */
}

/* Float scans: pass 1 is the compensated chunk sum, pass 2 the running sum. */
static void fscan_sum_f32(void *p, size_t b, size_t e) {
  scan_ctx *c = p;
  double *f = c->fsum + 3 * (b / c->grain);
  pwa_sum2_f32(c->x, b, e, &f[0], &f[1]); /* (a float chunk's sum cannot pass the double range) */
}
static void fscan_sum_f64(void *p, size_t b, size_t e) {
  scan_ctx *c = p;
  double *f = c->fsum + 3 * (b / c->grain);
  pwa_sum2_f64(c->x, b, e, &f[0], &f[1]);
  if (isfinite(f[0]) && isfinite(f[1])) return;
  pwa_sum2_scaled_f64(c->x, b, e, SCAN_DOWN, &f[0], &f[1]);
  f[2] = 1;
}

/*
 * The running sum of doubles from element i (its state in units of 2^64)
 * to e: pass 2 of a chunk once its sum would have left the range.
 * v is x[i] (which an exclusive scan in place may have overwritten:
 * `written`, o[i] is written already).
 */
static void fscan_run_scaled_f64(const double *x, double *o, size_t i, size_t e, double sum, double err,
                                 double v, int written, int exclusive) {
  double t;
  if (i < e) {
    if (exclusive && !written) o[i] = (isfinite(sum) ? sum + err : sum) * SCAN_UP;
    two_sum(sum, v * SCAN_DOWN, &sum, &t);
    err += t;
    if (!exclusive) o[i] = (isfinite(sum) ? sum + err : sum) * SCAN_UP;
    i++;
  }
  if (exclusive) {
    for (; i < e; i++) {
      double w = x[i] * SCAN_DOWN;
      o[i] = (isfinite(sum) ? sum + err : sum) * SCAN_UP;
      two_sum(sum, w, &sum, &t);
      err += t;
    }
  } else {
    for (; i < e; i++) {
      two_sum(sum, x[i] * SCAN_DOWN, &sum, &t);
      err += t;
      o[i] = (isfinite(sum) ? sum + err : sum) * SCAN_UP;
    }
  }
}

static void fscan_run_f64(void *p, size_t b, size_t e) {
  scan_ctx *c = p;
  const double *x = c->x;
  double *o = c->out;
  const double *f = c->fsum + 3 * (b / c->grain);
  double sum = f[0], err = f[1], t, s2, v = 0;
  size_t i = b;
  if (f[2] != 0) { /* the offset is scaled: the whole chunk */
    if (i < e) fscan_run_scaled_f64(x, o, i, e, sum, err, x[i], 0, c->exclusive);
    return;
  }
  /* plain, until an addition of finite values leaves the range (its sum,
     or TwoSum's error: -3e307 + MAX is finite, but its t - a is not) */
  if (c->exclusive) {
    for (; i < e; i++) {
      v = x[i];
      o[i] = isfinite(sum) ? sum + err : sum;
      two_sum(sum, v, &s2, &t);
      if (!(isfinite(s2) && isfinite(t)) && isfinite(sum) && isfinite(v)) break;
      sum = s2;
      err += t;
    }
  } else {
    for (; i < e; i++) {
      v = x[i];
      two_sum(sum, v, &s2, &t);
      if (!(isfinite(s2) && isfinite(t)) && isfinite(sum) && isfinite(v)) break;
      sum = s2;
      err += t;
      o[i] = isfinite(sum) ? sum + err : sum;
    }
  }
  if (i < e) fscan_run_scaled_f64(x, o, i, e, sum * SCAN_DOWN, err * SCAN_DOWN, v, c->exclusive, c->exclusive);
}

/* Pass 2 of floats (whose running sum in double cannot leave its range). */
static void fscan_run_f32(void *p, size_t b, size_t e) {
  scan_ctx *c = p;
  const float *x = c->x;
  float *o = c->out;
  const double *f = c->fsum + 3 * (b / c->grain);
  double sum = f[0], err = f[1], t;
  if (c->exclusive) {
    for (size_t i = b; i < e; i++) {
      double v = x[i];
      o[i] = (float)(isfinite(sum) ? sum + err : sum);
      two_sum(sum, v, &sum, &t);
      err += t;
    }
  } else {
    for (size_t i = b; i < e; i++) {
      two_sum(sum, x[i], &sum, &t);
      err += t;
      o[i] = (float)(isfinite(sum) ? sum + err : sum);
    }
  }
}

/* The chunking of scan_any for n elements of `width` bits: *grain and the chunk count. */
static size_t scan_chunks(size_t n, int width, size_t *grain) {
  size_t g = pw_grain((size_t)width / 8);
  if (g < pw_chunks(n, SCAN_MAX_CHUNKS)) g = pw_chunks(n, SCAN_MAX_CHUNKS);
  *grain = g;
  return pw_chunks(n, g);
}

/*
 * An exact integer scan through sum (each chunk's total into isum[chunk])
 * and run (each chunk from its offset in isum[chunk], leaving its end
 * there): on one thread, or in one chunk, run alone in strips, each from
 * where the last one ended (PWA_STRIPS); else in two passes.
 */
static pw_status scan_exact(scan_ctx *c, size_t chunks, pw_range_fn sum, pw_range_fn run) {
  const size_t n = c->n;
  if (pw_concurrency() == 1 || chunks == 1) {
    uint64_t zero = 0;
    c->isum = &zero;
    c->grain = n;
    PWA_STRIPS(s0, t0, 0, n) run(c, s0, t0);
    return pw_cancelled() ? PW_ECANCELED : PW_OK;
  }
  c->isum = pwa_alloc(chunks, sizeof *c->isum);
  if (c->isum == NULL) return pwa_nomem(chunks, sizeof *c->isum);
  pw_status s = pw_parallel_for(n, c->grain, sum, c);
  if (s == PW_OK) {
    uint64_t acc = 0;
    for (size_t j = 0; j < chunks; j++) {
      uint64_t t = c->isum[j];
      c->isum[j] = acc;
      acc += t; /* wraps mod 2^64; each chunk keeps the low bits it needs (a byte
                   scan's sums stay below 2^40) */
    }
    s = pw_parallel_for(n, c->grain, run, c);
  }
  free(c->isum);
  return s;
}

pw_status pw_array_cumsum_clamped_u8(const uint8_t *x, size_t n, uint8_t *out, bool exclusive) {
  if (n == 0) return PW_OK;
  size_t grain;
  size_t chunks = scan_chunks(n, 8, &grain);
  scan_ctx c = {x, out, n, grain, NULL, NULL, exclusive};
  return scan_exact(&c, chunks, sscan_sum, sscan_run);
}

static pw_status scan_any(const void *x, size_t n, void *out, bool exclusive, int width,
                          int kind) {
  if (n == 0) return PW_OK;
  size_t grain;
  size_t chunks = scan_chunks(n, width, &grain);
  scan_ctx c = {x, out, n, grain, NULL, NULL, exclusive};
  pw_status s;
  if (kind != PWA_FLOAT) {
    pw_range_fn sum = width == 8 ? iscan_sum_8 : width == 16 ? iscan_sum_16 : width == 32 ? iscan_sum_32 : iscan_sum_64;
    pw_range_fn run = width == 8 ? iscan_run_8 : width == 16 ? iscan_run_16 : width == 32 ? iscan_run_32 : iscan_run_64;
    return scan_exact(&c, chunks, sum, run);
  }
  /* the leading run of -0: its prefixes are -0, as IEEE's -0 + -0 (the
     running sum starts from +0; counted before an in-place scan writes) */
  size_t negz = width == 32 ? pwa_negzero_run_f32(x, n) : pwa_negzero_run_f64(x, n);
  c.fsum = pwa_alloc(chunks, 3 * sizeof(double));
  if (c.fsum == NULL) return pwa_nomem(chunks, 3 * sizeof(double));
  for (size_t j = 0; j < chunks; j++) c.fsum[3 * j + 2] = 0;
  s = pw_parallel_for(n, grain, width == 32 ? fscan_sum_f32 : fscan_sum_f64, &c);
  if (s == PW_OK) {
    /* chunk j starts from the join of chunks 0..j-1, in order (in units
       of 2^64 from where a plain join would leave the range) */
    double S = 0, C = 0, e, scaled = 0;
    for (size_t j = 0; j < chunks; j++) {
      double cs = c.fsum[3 * j], cc = c.fsum[3 * j + 1], cscaled = c.fsum[3 * j + 2];
      c.fsum[3 * j] = S;
      c.fsum[3 * j + 1] = C;
      c.fsum[3 * j + 2] = scaled;
      if (scaled != cscaled) {
        if (scaled == 0) S *= SCAN_DOWN, C *= SCAN_DOWN, scaled = 1;
        else cs *= SCAN_DOWN, cc *= SCAN_DOWN;
      }
      double S2;
      two_sum(S, cs, &S2, &e);
      if (scaled == 0 && !(isfinite(S2) && isfinite(e)) && isfinite(S) && isfinite(cs)) {
        S *= SCAN_DOWN, C *= SCAN_DOWN, cs *= SCAN_DOWN, cc *= SCAN_DOWN, scaled = 1;
        two_sum(S, cs, &S2, &e);
      }
      S = S2;
      C += cc;
      C += e;
    }
    s = pw_parallel_for(n, grain, width == 32 ? fscan_run_f32 : fscan_run_f64, &c);
  }
  free(c.fsum);
  /* inclusive: o[i] for i < negz; exclusive: o[i] for 1 <= i <= negz
     (o[0], the sum of no element, stays +0) */
  size_t z0 = exclusive ? 1 : 0, z1 = exclusive ? (negz < n ? negz + 1 : n) : negz;
  for (size_t i = z0; s == PW_OK && i < z1; i++) {
    if (width == 32) ((float *)out)[i] = -0.0f;
    else ((double *)out)[i] = -0.0;
  }
  return s;
}

#define PWA_SCAN_DEFS(T, s)                                                    \
  pw_status pw_array_cumsum_##s(const T *x, size_t n, T *out, bool exclusive) { \
    return scan_any(x, n, out, exclusive, (int)sizeof(T) * 8, PWA_KIND_##s);   \
  }
PW_ARRAY_TYPES(PWA_SCAN_DEFS)
