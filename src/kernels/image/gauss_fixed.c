/*
 * gauss_fixed.c — Gaussian blur in 16-bit fixed point, for grey images, for
 * RGBA images whose pixels are all opaque (alpha 255 everywhere), where
 * alpha weighting changes nothing: the colour of a pixel is then the plain
 * weighted sum of its neighbours' colours, and every value stays in
 * 0..255; and for RGBA images with alpha, premultiplied (the alpha plan,
 * below), where no alpha is small. The same passes give the unsharp mask
 * of threshold 0 (gfu_*: the blurred values as floats, then the mask).
 *
 * The filter is the one pw_image_blur documents, the sampled Gaussian
 * w_k = g_k / z, g_k = exp(-k^2 / 2 sigma^2), |k| <= r = ceil(3 sigma),
 * with pixels beyond an edge repeating the edge pixel (rows are padded
 * with r copies of their end pixels; columns read clamped rows).
 *
 * Arithmetic. The weights are integers W_k ~ w_k 2^q with
 * W_0 + 2 sum W_k = 2^q exactly (floored, then the remaining units handed
 * out by largest fraction), so a flat image stays exactly flat. Symmetric
 * taps are summed in pairs first, f_k = v[-k] + v[+k] (at most 510 2^s, an
 * int16), and two such sums are multiplied and added in one step,
 * f_k W_k + f_{k+1} W_{k+1}: wasm's i32x4.dot_i16x8_s (x86 pmaddwd), 8
 * multiply-adds an instruction with exact 32-bit sums. So the products are
 * exact, and the only errors are the weights' quantization and one
 * rounding between the passes:
 *   pass 1 (rows):    v in 0..255 (u8)          -> h = round(sum / 2^(q1 - s)),
 *                                                   h in 0..255 2^s (int16)
 *   pass 2 (columns): h                          -> round(sum / 2^(q2 + s)), a byte
 * with sums at most 255 2^q1 and 255 2^(s + q2), so q1 <= 23 and
 * s + q2 <= 23 keep them below 2^31; s <= 6 keeps a pair sum of h in an
 * int16, and q is also bounded by the centre weight, W_0 <= 32767.
 * For inputs in 0..255 the result before its final rounding is within
 *   E = 127.5 (sum |W1_k / 2^q1 - w_k| + sum |W2_k / 2^q2 - w_k|) + 2^-(s+1)
 * of the exact filter (sums over all 2r + 1 taps; the 127.5 because the
 * quantized weights sum to 1 too). pw__img_gfix_plan picks the s with the
 * smallest E and takes this path only when E <= 1/4, r <= 255 (sigma up
 * to 85) and r is below both sides (else the float engine, which folds the
 * taps beyond an edge into the edge pixel's weight, is cheaper): an exact
 * value and ours are then less than 1 apart, so the bytes are at most 1
 * from the correctly rounded exact filter (the tests' bound), and almost
 * always equal to it. E is 0.008 to 0.06 for sigma 0.01 to 50 (s = 6);
 * sigma 5 has E = 0.02.
 *
 * The alpha plan. A colour is sum(w c a) / sum(w a): computed in fixed
 * point, an error e_N in the numerator and e_D in the denominator move it by
 * (e_N - c e_D) / sum'(w a), which a small blurred alpha multiplies up. So:
 *   source:  colour lanes (c a + 2) >> 2 (c a / 4, off by at most 1/2),
 *            the alpha lane 64 a (exact); both at most 16320, so a pair
 *            sum still fits an int16;
 *   pass 1:  h = round(sum / 2^q), the same units;
 *   pass 2:  S = sum (32-bit; q <= GFA_Q = 17 keeps 16320 2^q + 2^(q + 5)
 *            below 2^31); alpha = round(S_a / 2^(q + 6)) and each colour
 *            round(256 S_c / S_a) (a float reciprocal of S_a, 4 pixels a
 *            division).
 * With the weights' errors E = 127.5 sum |W / 2^q - w| of each pass, the
 * numerator (in units of c a) is within 255 (E1 + E2) + 2 + 2 of exact and
 * the alpha (units of a) within E1 + E2 + 1/128, so a colour is within
 *   cbound / alpha',  cbound = 510 (E1 + E2) + 6
 * of the exact filter, alpha' being the blurred alpha computed (0..255).
 * Every blurred alpha is at least the picture's smallest alpha less
 * E1 + E2 + 1/128, so the plan holds (every byte within 1 of the exact
 * filter rounded) for pictures whose every alpha is at least
 *   min_alpha = ceil(cbound / 0.999 + E1 + E2 + 1/128)
 * (0.999 leaves room for the float division's roundings): 9-15 for sigma
 * 0.3-5, 20 for sigma 10, 36 for sigma 20. blur.c scans for the smallest
 * alpha first (pw__img_min_alpha, which stops at the first alpha below
 * min_alpha); a picture with a smaller one (a transparent background)
 * takes this engine where every alpha within reach is at least min_alpha
 * or every one is 0, and the float engine over the rest (blur.c,
 * hybrid). (A per-pixel float fallback where the blurred
 * alpha is small was tried: on discs over a transparent background it
 * took 238 ms at sigma 5 and 2.7 s at sigma 20, against the float
 * engine's 153 and 578, natively.) Measured (wasm, one thread, 4000x3000,
 * sigma 5, a seventh of the picture at alpha 128): 174-179 ms in the float
 * engine, 102-112 in the alpha plan (the opaque plan: 98-107).
 *
 * GF_RGB, the opaque RGBA plan's form: an RGBA blur whose every alpha is
 * 255 filters only the three colour values of each pixel (the row pass
 * reads them out of the pixels, the column pass writes them back with
 * alpha 255, which is what filtering the alpha gives: the weights sum to
 * 2^q), a quarter less work than filtering four: the same bytes.
 *
 * Work: a chunk of output rows goes band by band (GF_BAND rows). The rows a
 * band needs are row-filtered once into a ring of int16 rows (they stay
 * there for the next band); the column pass then runs over column blocks
 * of GF_BLOCK values, every row of the band for one block before the next
 * block, so that the 2r + GF_BAND ring rows of a block (at most 160 KiB)
 * stay in the first caches instead of 2r + 1 whole rows being read from
 * memory for every output row.
 *
 * The SIMD path (wasm) and the portable path (scalar loops that compilers
 * vectorise) compute the same integers, so they give the same bytes, as do
 * all thread counts and chunk orders (each output row depends only on the
 * source).
 *
 * Measured (callgrind, 1000x750 RGBA opaque, sigma 5, instructions a pixel):
 * see blur.c.
 */
#include <math.h>

#include "image_internal.h"
#include "simd.h"

#define GF_BAND 32u   /* output rows a band */
#define GF_BLOCK 256u /* values of a column block in the column pass */
#define GF_BLOCK3 240u /* the same for the opaque RGBA plan's colour values (GF_RGB): 80 pixels */
#define GFA_Q 17u     /* with alpha: the weights' scale 2^q at most (sums of 16320 2^q below 2^31) */

/* ------------------------------------------------------------------------ */
/* Plan: integer weights and shifts                                         */
/* ------------------------------------------------------------------------ */

void pw__img_gfix_free(pw__img_gfix *g) {
  free(g->w1);
  free(g->w2);
  g->w1 = g->w2 = NULL;
}

/*
 * W[k] ~ w[k] 2^q for k = 0..r (w[0] the centre, w[k] the weight of each
 * pixel k away) with W[0] + 2 sum W[k] == 2^q exactly; W[r + 1] = 0.
 * Returns 127.5 times the sum over all 2r + 1 taps of |W / 2^q - w|, or -1
 * if the centre weight does not fit an int16.
 */
static double quantize(const double *w, uint32_t r, unsigned q, int16_t *W, double *frac) {
  const double scale = ldexp(1.0, (int)q);
  if (w[0] * scale >= 32766.0) return -1.0; /* the centre, plus a unit, must fit an int16 */
  int64_t units = (int64_t)1 << q;
  for (uint32_t k = 0; k <= r; k++) {
    double v = w[k] * scale, f = floor(v);
    W[k] = (int16_t)f; /* w[k] <= w[0] */
    frac[k] = v - f;
    units -= (k == 0 ? 1 : 2) * (int64_t)W[k];
  }
  /* fewer than 2r + 1 units are left: one more to each pair with the largest fractions (2 units a pair) */
  while (units >= 2) {
    uint32_t best = 0;
    for (uint32_t k = 1; k <= r; k++)
      if (frac[k] >= 0.0 && (best == 0 || frac[k] > frac[best])) best = k;
    if (best == 0) break;
    W[best]++;
    frac[best] = -1.0;
    units -= 2;
  }
  /* the odd unit to the centre (more cannot be left: r pairs took at most 2r) */
  if (W[0] + units > 32767) return -1.0;
  W[0] = (int16_t)(W[0] + units);
  W[r + 1] = 0;
  double err = 0.0;
  for (uint32_t k = 0; k <= r; k++) err += (k == 0 ? 1.0 : 2.0) * fabs(W[k] / scale - w[k]);
  return 127.5 * err;
}

int pw__img_gfix_plan(pw__img_gfix *g, double sigma, uint32_t width, uint32_t height, int alpha) {
  memset(g, 0, sizeof *g);
  double rd = ceil(3.0 * sigma);
  uint32_t r = rd < 1.0 ? 1u : rd > 1000.0 ? 1001u : (uint32_t)rd;
  if (r > 255 || r >= width || r >= height) return 0;
  double w[256], frac[256];
  /* the same sums as pw__img_taps_gauss: z from the small end */
  double s2 = 2.0 * sigma * sigma, z = 0.0;
  for (uint32_t k = r; k > 0; k--) {
    w[k] = exp(-(double)k * k / s2);
    z += 2.0 * w[k];
  }
  w[0] = 1.0;
  z += 1.0;
  for (uint32_t k = 0; k <= r; k++) w[k] /= z;
  /* the largest q whose centre weight fits an int16 (with a unit to spare) */
  unsigned qmax = 1;
  while (qmax < 23 && w[0] * ldexp(1.0, (int)qmax + 1) < 32766.0) qmax++;
  int16_t *w1 = malloc((r + 2) * sizeof *w1), *w2 = malloc((r + 2) * sizeof *w2);
  if (w1 == NULL || w2 == NULL) {
    free(w1);
    free(w2);
    return -1;
  }
  g->r = r;
  g->w1 = w1;
  g->w2 = w2;
  if (alpha) {
    /* both passes at q <= GFA_Q, no fraction bits between them (see the header) */
    unsigned q = qmax < GFA_Q ? qmax : GFA_Q;
    double e = quantize(w, r, q, w1, frac);
    int zero = 0;
    for (uint32_t k = 0; k <= r; k++) zero |= e >= 0.0 && w1[k] < 1;
    if (e < 0.0 || zero || 2.0 * e + 1.0 / 128.0 > 0.25) {
      pw__img_gfix_free(g);
      return 0;
    }
    memcpy(w2, w1, (r + 2) * sizeof *w2);
    g->alpha = 1;
    g->sh1 = g->sh2 = q;
    g->bound = 2.0 * e + 1.0 / 128.0;
    g->cbound = 510.0 * 2.0 * e + 6.0;
    /* every blurred alpha is at least the smallest source alpha less g->bound; it must keep
       cbound / alpha below 1 (with room for the float division's roundings) */
    g->min_alpha = (unsigned)ceil(g->cbound / 0.999 + g->bound);
    if (g->min_alpha > 255) {
      pw__img_gfix_free(g);
      return 0;
    }
    return 1;
  }
  unsigned q1 = qmax;
  double e1 = quantize(w, r, q1, w1, frac);
  double best = 1e9;
  unsigned best_s = 0;
  for (unsigned s = 1; s <= 6; s++) {
    unsigned q2 = qmax < 23 - s ? qmax : 23 - s;
    if (q1 <= s || q2 < 1) continue;
    double e2 = quantize(w, r, q2, w2, frac);
    if (e1 < 0.0 || e2 < 0.0) continue;
    double e = e1 + e2 + ldexp(0.5, -(int)s);
    if (e < best) best = e, best_s = s;
  }
  if (best_s == 0 || best > 0.25) {
    pw__img_gfix_free(g);
    return 0;
  }
  unsigned q2 = qmax < 23 - best_s ? qmax : 23 - best_s;
  quantize(w, r, q2, w2, frac);
  g->sh1 = q1 - best_s;
  g->sh2 = q2 + best_s;
  g->bound = best;
  return 1;
}

/* ------------------------------------------------------------------------ */
/* The filter: one routine for both passes                                  */
/* ------------------------------------------------------------------------ */

/*
 * Both passes are the same symmetric filter over taps `stride` values
 * apart: for value i, tap j (0..2r) is base[i + j stride] (the row pass:
 * a padded row, stride = channels; the column pass: a band of rows,
 * stride = a row), and
 *     sum(i) = W[0] t_r + sum over k = 1..r of W[k] (t_{r-k} + t_{r+k}).
 */

/* Portable: acc[i - i0] = sum(i) for i in [i0, i1), at most GF_BLOCK values. */
static inline void gf_sums_c(const int16_t *base, size_t stride, uint32_t r, const int16_t *W, size_t i0,
                             size_t i1, int32_t *acc) {
  const size_t n = i1 - i0;
  const int16_t *c = base + i0 + (size_t)r * stride;
  const int32_t w0 = W[0];
  for (size_t i = 0; i < n; i++) acc[i] = w0 * c[i];
  const int16_t *lo = c, *hi = c;
  for (uint32_t k = 1; k <= r; k++) {
    lo -= stride, hi += stride;
    const int32_t wk = W[k];
    for (size_t i = 0; i < n; i++) acc[i] += wk * (lo[i] + hi[i]);
  }
}

/* Row pass, portable: out[i] = round(sum(i) / 2^sh) for i < n. */
static void gf_row_c(const int16_t *pad, size_t n, size_t stride, uint32_t r, const int16_t *W, unsigned sh,
                     int16_t *out) {
  int32_t acc[GF_BLOCK];
  const int32_t rnd = (int32_t)1 << (sh - 1);
  for (size_t i0 = 0; i0 < n; i0 += GF_BLOCK) {
    size_t i1 = i0 + GF_BLOCK < n ? i0 + GF_BLOCK : n;
    gf_sums_c(pad, stride, r, W, i0, i1, acc);
    for (size_t i = i0; i < i1; i++) out[i] = (int16_t)((acc[i - i0] + rnd) >> sh);
  }
}

/* Column pass, portable: d[i] = round(sum(i) / 2^sh) as a byte, for i in [i0, i1). */
static void gf_col_c(const int16_t *base, size_t stride, size_t i0, size_t i1, uint32_t r, const int16_t *W,
                     unsigned sh, uint8_t *d) {
  int32_t acc[GF_BLOCK];
  const int32_t rnd = (int32_t)1 << (sh - 1);
  gf_sums_c(base, stride, r, W, i0, i1, acc);
  for (size_t i = i0; i < i1; i++) {
    int32_t v = (acc[i - i0] + rnd) >> sh;
    d[i] = (uint8_t)(v > 255 ? 255 : v);
  }
}

/*
 * Column pass with alpha, portable: sums of premultiplied colour (units of
 * c a / 4) and of alpha (units of 64 a), both times 2^sh, become the pixel
 * (256 S_c / S_a, S_a / 2^(sh + 6)) as bytes.
 */
static void gfa_col_c(const int16_t *base, size_t stride, size_t i0, size_t i1, uint32_t r, const int16_t *W,
                      unsigned sh, uint8_t *d) {
  int32_t acc[GF_BLOCK];
  const unsigned sha = sh + 6;
  const int32_t rnd = (int32_t)1 << (sha - 1);
  gf_sums_c(base, stride, r, W, i0, i1, acc);
  for (size_t i = i0; i < i1; i += 4) {
    const int32_t *v = acc + (i - i0);
    uint8_t *o = d + i;
    const int32_t sa = v[3];
    if (sa == 0) { /* no alpha under the filter (the plan keeps alpha away from 0: not reached) */
      o[0] = o[1] = o[2] = o[3] = 0;
      continue;
    }
    const float inv = 256.0f / (float)sa;
    for (int k = 0; k < 3; k++) {
      float f = (float)v[k] * inv + 0.5f;
      o[k] = f >= 255.0f ? 255 : (uint8_t)(int32_t)f;
    }
    o[3] = (uint8_t)((sa + rnd) >> sha);
  }
}

#if PW_IMG_SIMD
/* Lanes 0-3 (lo) or 4-7 (hi) of a and b interleaved: a0 b0 a1 b1 ... */
#define GF_LO(a, b) wasm_i16x8_shuffle(a, b, 0, 8, 1, 9, 2, 10, 3, 11)
#define GF_HI(a, b) wasm_i16x8_shuffle(a, b, 4, 12, 5, 13, 6, 14, 7, 15)

/*
 * SIMD: sum(i) for the 16 values from p (= base + i), as four i32x4.
 * Folded taps are taken two at a time, f_k and f_k+1, interleaved lane by
 * lane and multiplied by (W[k], W[k+1]) with one i32x4.dot_i16x8_s per 4
 * values; wp[m] = W[2m] | W[2m+1] << 16 (W[r + 1] is 0). The taps of
 * pair k are walked as offsets: r-k-1 (and r-k after it), r+k (and r+k+1).
 */
PW_INLINE void gf_sums16(const int16_t *p, size_t stride, uint32_t r, const uint32_t *wp, v128_t *a) {
  const int16_t *c = p + (size_t)r * stride;
  v128_t a0, a1, a2, a3;
  {
    const int16_t *l = c - stride, *h = c + stride;
    v128_t f0 = wasm_v128_load(c), f1 = wasm_v128_load(c + 8);
    v128_t g0 = wasm_i16x8_add(wasm_v128_load(l), wasm_v128_load(h));
    v128_t g1 = wasm_i16x8_add(wasm_v128_load(l + 8), wasm_v128_load(h + 8));
    v128_t w = wasm_v128_load32_splat(wp);
    a0 = wasm_i32x4_dot_i16x8(GF_LO(f0, g0), w);
    a1 = wasm_i32x4_dot_i16x8(GF_HI(f0, g0), w);
    a2 = wasm_i32x4_dot_i16x8(GF_LO(f1, g1), w);
    a3 = wasm_i32x4_dot_i16x8(GF_HI(f1, g1), w);
  }
  /* offsets (unsigned: the last step may wrap, unused) of taps r-k-1 and r+k */
  size_t lo = (size_t)r * stride - 3 * stride, hi = (size_t)r * stride + 2 * stride;
  const uint32_t *wk = wp + 1;
  uint32_t k = 2;
  for (; k + 1 <= r; k += 2, lo -= 2 * stride, hi += 2 * stride, wk++) {
    const int16_t *l = p + lo, *l1 = l + stride, *h = p + hi, *h1 = h + stride;
    v128_t f0 = wasm_i16x8_add(wasm_v128_load(l1), wasm_v128_load(h));
    v128_t f1 = wasm_i16x8_add(wasm_v128_load(l1 + 8), wasm_v128_load(h + 8));
    v128_t g0 = wasm_i16x8_add(wasm_v128_load(l), wasm_v128_load(h1));
    v128_t g1 = wasm_i16x8_add(wasm_v128_load(l + 8), wasm_v128_load(h1 + 8));
    v128_t w = wasm_v128_load32_splat(wk);
    a0 = wasm_i32x4_add(a0, wasm_i32x4_dot_i16x8(GF_LO(f0, g0), w));
    a1 = wasm_i32x4_add(a1, wasm_i32x4_dot_i16x8(GF_HI(f0, g0), w));
    a2 = wasm_i32x4_add(a2, wasm_i32x4_dot_i16x8(GF_LO(f1, g1), w));
    a3 = wasm_i32x4_add(a3, wasm_i32x4_dot_i16x8(GF_HI(f1, g1), w));
  }
  if (k == r) { /* the last folded tap alone (its partner's weight W[r + 1] is 0): taps 0 and 2r */
    const int16_t *l1 = p, *h = p + 2 * (size_t)r * stride;
    v128_t f0 = wasm_i16x8_add(wasm_v128_load(l1), wasm_v128_load(h));
    v128_t f1 = wasm_i16x8_add(wasm_v128_load(l1 + 8), wasm_v128_load(h + 8));
    v128_t w = wasm_v128_load32_splat(wk);
    a0 = wasm_i32x4_add(a0, wasm_i32x4_dot_i16x8(GF_LO(f0, f0), w));
    a1 = wasm_i32x4_add(a1, wasm_i32x4_dot_i16x8(GF_HI(f0, f0), w));
    a2 = wasm_i32x4_add(a2, wasm_i32x4_dot_i16x8(GF_LO(f1, f1), w));
    a3 = wasm_i32x4_add(a3, wasm_i32x4_dot_i16x8(GF_HI(f1, f1), w));
  }
  a[0] = a0, a[1] = a1, a[2] = a2, a[3] = a3;
}

/* Row pass, SIMD; the stride is a constant where this is inlined (1 or 4). */
PW_INLINE void gf_row_simd(const int16_t *pad, size_t n, size_t stride, uint32_t r, const int16_t *W,
                           const uint32_t *wp, unsigned sh, int16_t *out) {
  const v128_t rnd = wasm_i32x4_splat((int32_t)1 << (sh - 1));
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    v128_t a[4];
    gf_sums16(pad + i, stride, r, wp, a);
    for (int m = 0; m < 4; m++) a[m] = wasm_i32x4_shr(wasm_i32x4_add(a[m], rnd), sh);
    wasm_v128_store(out + i, wasm_i16x8_narrow_i32x4(a[0], a[1]));
    wasm_v128_store(out + i + 8, wasm_i16x8_narrow_i32x4(a[2], a[3]));
  }
  if (i < n) {
    int32_t acc[16];
    const int32_t rn = (int32_t)1 << (sh - 1);
    gf_sums_c(pad, stride, r, W, i, n, acc);
    for (size_t j = i; j < n; j++) out[j] = (int16_t)((acc[j - i] + rn) >> sh);
  }
}

static void gf_row4_simd(const int16_t *pad, size_t n, uint32_t r, const int16_t *W, const uint32_t *wp,
                         unsigned sh, int16_t *out) {
  gf_row_simd(pad, n, 4, r, W, wp, sh, out);
}

static void gf_row1_simd(const int16_t *pad, size_t n, uint32_t r, const int16_t *W, const uint32_t *wp,
                         unsigned sh, int16_t *out) {
  gf_row_simd(pad, n, 1, r, W, wp, sh, out);
}

static void gf_row3_simd(const int16_t *pad, size_t n, uint32_t r, const int16_t *W, const uint32_t *wp,
                         unsigned sh, int16_t *out) {
  gf_row_simd(pad, n, 3, r, W, wp, sh, out);
}

/* Column pass, SIMD. */
static void gf_col_simd(const int16_t *base, size_t stride, size_t i0, size_t i1, uint32_t r, const int16_t *W,
                        const uint32_t *wp, unsigned sh, uint8_t *d) {
  const v128_t rnd = wasm_i32x4_splat((int32_t)1 << (sh - 1));
  size_t i = i0;
  for (; i + 16 <= i1; i += 16) {
    v128_t a[4];
    gf_sums16(base + i, stride, r, wp, a);
    for (int m = 0; m < 4; m++) a[m] = wasm_i32x4_shr(wasm_i32x4_add(a[m], rnd), sh);
    wasm_v128_store(d + i, wasm_u8x16_narrow_i16x8(wasm_i16x8_narrow_i32x4(a[0], a[1]),
                                                   wasm_i16x8_narrow_i32x4(a[2], a[3])));
  }
  if (i < i1) gf_col_c(base, stride, i, i1, r, W, sh, d);
}

/*
 * The 4 pixels' alpha sums S_a (lane 3 of each of a[0..3]) in one vector,
 * and 256 / S_a in *inv: the reciprocal both premultiplied column passes
 * scale colours by (S_a = 0 would give inf, and 0 * inf = NaN).
 */
PW_INLINE v128_t gfa_alpha4(const v128_t a[4], v128_t *inv) {
  v128_t sa = wasm_i32x4_shuffle(wasm_i32x4_shuffle(a[0], a[1], 3, 7, 3, 7),
                                 wasm_i32x4_shuffle(a[2], a[3], 3, 7, 3, 7), 0, 1, 4, 5);
  *inv = wasm_f32x4_div(wasm_f32x4_splat(256.0f), wasm_f32x4_convert_i32x4(sa));
  return sa;
}

/* gfa_col_c with SIMD, 4 pixels a step: the same operations, so the same bytes. */
static void gfa_col_simd(const int16_t *base, size_t stride, size_t i0, size_t i1, uint32_t r, const int16_t *W,
                         const uint32_t *wp, unsigned sh, uint8_t *d) {
  const unsigned sha = sh + 6;
  const v128_t rnd = wasm_i32x4_splat((int32_t)1 << (sha - 1));
  const v128_t half = wasm_f32x4_splat(0.5f);
  size_t i = i0;
  for (; i + 16 <= i1; i += 16) {
    v128_t a[4], q[4], inv;
    gf_sums16(base + i, stride, r, wp, a);
    v128_t sa = gfa_alpha4(a, &inv); /* S_a = 0: NaN colours, which truncate to 0 */
    v128_t al = wasm_i32x4_shr(wasm_i32x4_add(sa, rnd), sha);
#define GFA_PX(m)                                                                                           \
  q[m] = wasm_i32x4_shuffle(                                                                                \
      wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_add(                                                            \
          wasm_f32x4_mul(wasm_f32x4_convert_i32x4(a[m]), wasm_i32x4_shuffle(inv, inv, m, m, m, m)), half)), \
      al, 0, 1, 2, 4 + m)
    GFA_PX(0);
    GFA_PX(1);
    GFA_PX(2);
    GFA_PX(3);
#undef GFA_PX
    wasm_v128_store(d + i, wasm_u8x16_narrow_i16x8(wasm_i16x8_narrow_i32x4(q[0], q[1]),
                                                   wasm_i16x8_narrow_i32x4(q[2], q[3])));
  }
  if (i < i1) gfa_col_c(base, stride, i, i1, r, W, sh, d);
}
#endif

/* ------------------------------------------------------------------------ */
/* Unsharp mask: the blurred values as floats, then the mask                */
/* ------------------------------------------------------------------------ */

/*
 * Blurred values [i0, i1) of one output row as floats into b[0..): plain
 * plans S 2^-sh; alpha plans each colour 256 S_c / S_a as gfa_col_c
 * computes it before rounding (alpha lanes 0: the mask keeps the source
 * alpha). The SIMD versions do the same operations.
 */
static void gfu_col_c(const int16_t *base, size_t stride, size_t i0, size_t i1, uint32_t r, const int16_t *W,
                      unsigned sh, int alpha, float *b) {
  int32_t acc[GF_BLOCK];
  gf_sums_c(base, stride, r, W, i0, i1, acc);
  const size_t n = i1 - i0;
  if (!alpha) {
    const float k = ldexpf(1.0f, -(int)sh);
    for (size_t i = 0; i < n; i++) b[i] = (float)acc[i] * k;
    return;
  }
  for (size_t i = 0; i < n; i += 4) { /* S_a > 0: the plan keeps alpha away from 0 */
    const float inv = 256.0f / (float)acc[i + 3];
    for (int k = 0; k < 3; k++) b[i + k] = (float)acc[i + k] * inv;
    b[i + 3] = 0.0f;
  }
}

/*
 * The mask over values [i0, i1) of a row (source o, blurred b from i0):
 * v = o + amount (o - b), rounded as separable.c's sink_unsharp rounds it
 * (its threshold is 0 here); RGBA keeps the source alpha, and a pixel of
 * alpha 0 as it is (as sink_unsharp does; its blurred colour may be
 * undefined: blur.c's hybrid runs this engine where alphas are 0).
 */
static void gfu_sink_c(const uint8_t *o, const float *b, size_t i0, size_t i1, unsigned ch, float amount,
                       uint8_t *d) {
  for (size_t i = i0; i < i1; i++) {
    if (ch == 4 && (i % 4 == 3 || o[i - i % 4 + 3] == 0)) {
      d[i] = o[i];
      continue;
    }
    const float x = (float)o[i], v = x + amount * (x - b[i - i0]);
    d[i] = !(v > 0.0f) ? 0 : v >= 255.0f ? 255 : (uint8_t)(int32_t)(v + 0.5f);
  }
}

#if PW_IMG_SIMD
static void gfu_col_simd(const int16_t *base, size_t stride, size_t i0, size_t i1, uint32_t r, const int16_t *W,
                         const uint32_t *wp, unsigned sh, int alpha, float *b) {
  const v128_t k = wasm_f32x4_splat(ldexpf(1.0f, -(int)sh));
  const v128_t colour = wasm_i32x4_make(-1, -1, -1, 0);
  size_t i = i0;
  for (; i + 16 <= i1; i += 16) {
    v128_t a[4], inv;
    gf_sums16(base + i, stride, r, wp, a);
    float *o = b + (i - i0);
    if (!alpha) {
      for (int m = 0; m < 4; m++) wasm_v128_store(o + 4 * m, wasm_f32x4_mul(wasm_f32x4_convert_i32x4(a[m]), k));
      continue;
    }
    gfa_alpha4(a, &inv);
#define GFU_PX(m)                                                                                      \
  wasm_v128_store(o + 4 * (m), wasm_v128_and(wasm_f32x4_mul(wasm_f32x4_convert_i32x4(a[m]),             \
                                                            wasm_i32x4_shuffle(inv, inv, m, m, m, m)), \
                                             colour))
    GFU_PX(0);
    GFU_PX(1);
    GFU_PX(2);
    GFU_PX(3);
#undef GFU_PX
  }
  if (i < i1) gfu_col_c(base, stride, i, i1, r, W, sh, alpha, b + (i - i0));
}

static void gfu_sink_simd(const uint8_t *o, const float *b, size_t i0, size_t i1, unsigned ch, float amount,
                          uint8_t *d) {
  const v128_t am = wasm_f32x4_splat(amount), half = wasm_f32x4_splat(0.5f);
  const v128_t amask = wasm_i32x4_splat((int32_t)0xff000000u);
  const v128_t keep = ch == 4 ? amask : wasm_i32x4_splat(0);
  size_t i = i0;
  for (; i + 16 <= i1; i += 16) {
    v128_t x[4], q[4];
    const v128_t src = wasm_v128_load(o + i);
    /* RGBA: the source's alphas, and its pixels of alpha 0 whole */
    const v128_t kept = ch == 4 ? wasm_v128_or(keep, wasm_i32x4_eq(wasm_v128_and(src, amask), wasm_i32x4_splat(0))) : keep;
    pw_u8x16_f32(o + i, x);
    for (int m = 0; m < 4; m++) {
      v128_t v = wasm_f32x4_add(x[m], wasm_f32x4_mul(am, wasm_f32x4_sub(x[m], wasm_v128_load(b + (i - i0) + 4 * m))));
      q[m] = wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_add(v, half)); /* NaN and v <= 0 give 0 below */
    }
    v128_t r8 = wasm_u8x16_narrow_i16x8(wasm_i16x8_narrow_i32x4(q[0], q[1]), wasm_i16x8_narrow_i32x4(q[2], q[3]));
    wasm_v128_store(d + i, wasm_v128_bitselect(src, r8, kept));
  }
  if (i < i1) gfu_sink_c(o, b + (i - i0), i, i1, ch, amount, d);
}
#endif

/* ------------------------------------------------------------------------ */
/* The engine                                                               */
/* ------------------------------------------------------------------------ */

typedef struct {
  const uint8_t *src;
  uint8_t *dst;
  uint32_t w, h;
  unsigned ch;
  const pw__img_gfix *g;
  const uint32_t *wp1, *wp2; /* weight pairs for the SIMD path */
  int simd;
  int rgb;      /* opaque RGBA filtered as its colour values (GF_RGB): ch 3, 4 bytes a pixel */
  int unsharp;  /* an unsharp mask of the source (threshold 0) instead of the blur */
  float amount; /* its amount */
  atomic_int failed;
  size_t sstride, dstride; /* bytes from a row of src, of dst, to the next */
} gf_ctx;

/*
 * Source row y (clamped to the image), row-filtered into out: widened to
 * int16 and padded with r copies of its end pixels on each side in pad,
 * then filtered.
 */
static void gf_hrow(const gf_ctx *c, int64_t y, int16_t *pad, int16_t *out) {
  const unsigned ch = c->ch;
  const uint32_t r = c->g->r;
  const size_t n = (size_t)c->w * ch;
  const uint32_t cy = y < 0 ? 0 : y >= (int64_t)c->h ? c->h - 1 : (uint32_t)y;
  const uint8_t *s = c->src + (size_t)cy * c->sstride;
  int16_t *mid = pad + (size_t)r * ch;
  size_t i = 0;
  if (c->g->alpha) { /* premultiplied: (c a + 2) >> 2 (c a / 4 rounded), and 64 a */
#if PW_IMG_SIMD
    if (c->simd) {
      const v128_t k256 = wasm_i16x8_splat(256), two = wasm_i16x8_splat(2);
      for (; i + 16 <= n; i += 16) {
        v128_t v = wasm_v128_load(s + i);
        v128_t lo = wasm_u16x8_extend_low_u8x16(v), hi = wasm_u16x8_extend_high_u8x16(v);
        /* times (a, a, a, 256): c a <= 65025 and 256 a <= 65280 fit the 16-bit lanes */
        v128_t ml = wasm_i16x8_shuffle(lo, k256, 3, 3, 3, 8, 7, 7, 7, 8);
        v128_t mh = wasm_i16x8_shuffle(hi, k256, 3, 3, 3, 8, 7, 7, 7, 8);
        wasm_v128_store(mid + i, wasm_u16x8_shr(wasm_i16x8_add(wasm_i16x8_mul(lo, ml), two), 2));
        wasm_v128_store(mid + i + 8, wasm_u16x8_shr(wasm_i16x8_add(wasm_i16x8_mul(hi, mh), two), 2));
      }
    }
#endif
    for (; i < n; i += 4) {
      const unsigned a = s[i + 3];
      for (unsigned k = 0; k < 3; k++) mid[i + k] = (int16_t)((s[i + k] * a + 2) >> 2);
      mid[i + 3] = (int16_t)(a << 6);
    }
  } else if (c->rgb) { /* R, G, B of each pixel (the alpha is 255) */
    size_t x = 0;
#if PW_IMG_SIMD
    if (c->simd) {
      /* 4 pixels a step; the second store's last 4 values lie past them, where the next step
         (or the padding, which the buffer has room for: gf_chunk) writes */
      for (; x + 4 <= c->w; x += 4, i += 12) {
        v128_t v = wasm_v128_load(s + 4 * x);
        v128_t p = wasm_i8x16_shuffle(v, v, 0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, 15, 15, 15, 15);
        wasm_v128_store(mid + i, wasm_u16x8_extend_low_u8x16(p));
        wasm_v128_store(mid + i + 8, wasm_u16x8_extend_high_u8x16(p));
      }
    }
#endif
    for (; x < c->w; x++, i += 3) {
      mid[i] = s[4 * x];
      mid[i + 1] = s[4 * x + 1];
      mid[i + 2] = s[4 * x + 2];
    }
  } else {
#if PW_IMG_SIMD
    for (; i + 16 <= n; i += 16) {
      v128_t v = wasm_v128_load(s + i);
      wasm_v128_store(mid + i, wasm_u16x8_extend_low_u8x16(v));
      wasm_v128_store(mid + i + 8, wasm_u16x8_extend_high_u8x16(v));
    }
#endif
    for (; i < n; i++) mid[i] = s[i];
  }
  for (uint32_t j = 0; j < r; j++)
    for (unsigned k = 0; k < ch; k++) {
      pad[(size_t)j * ch + k] = mid[k];
      mid[n + (size_t)j * ch + k] = mid[n - ch + k];
    }
  const pw__img_gfix *g = c->g;
#if PW_IMG_SIMD
  if (c->simd) {
    if (ch == 4) gf_row4_simd(pad, n, r, g->w1, c->wp1, g->sh1, out);
    else if (ch == 3) gf_row3_simd(pad, n, r, g->w1, c->wp1, g->sh1, out);
    else gf_row1_simd(pad, n, r, g->w1, c->wp1, g->sh1, out);
    return;
  }
#endif
  gf_row_c(pad, n, ch, r, g->w1, g->sh1, out);
}

/* gf_col for an unsharp mask: the blurred values as floats, then the mask. */
static void gf_col_unsharp(const gf_ctx *c, const int16_t *base, size_t n, size_t i0, size_t i1, uint8_t *d) {
  const pw__img_gfix *g = c->g;
  float b[GF_BLOCK];
  const uint8_t *o = c->src + (size_t)(d - c->dst) / c->dstride * c->sstride; /* this output row's source row */
#if PW_IMG_SIMD
  if (c->simd) {
    gfu_col_simd(base, n, i0, i1, g->r, g->w2, c->wp2, g->sh2, g->alpha, b);
    gfu_sink_simd(o, b, i0, i1, c->ch, c->amount, d);
    return;
  }
#endif
  gfu_col_c(base, n, i0, i1, g->r, g->w2, g->sh2, g->alpha, b);
  gfu_sink_c(o, b, i0, i1, c->ch, c->amount, d);
}

/* The column pass over values [i0, i1) of one output row, in the plan's form. */
static void gf_col(const gf_ctx *c, const int16_t *base, size_t n, size_t i0, size_t i1, uint8_t *d) {
  const pw__img_gfix *g = c->g;
#if PW_IMG_SIMD
  if (c->simd) {
    if (g->alpha) gfa_col_simd(base, n, i0, i1, g->r, g->w2, c->wp2, g->sh2, d);
    else gf_col_simd(base, n, i0, i1, g->r, g->w2, c->wp2, g->sh2, d);
    return;
  }
#endif
  if (g->alpha) gfa_col_c(base, n, i0, i1, g->r, g->w2, g->sh2, d);
  else gf_col_c(base, n, i0, i1, g->r, g->w2, g->sh2, d);
}

/*
 * The column pass over colour values [i0, i1) (whole pixels, at most
 * GF_BLOCK3) of one output row of the opaque RGBA plan: the bytes of the
 * plain plan's column pass, then each pixel's three with alpha 255 (what
 * filtering the alpha of 255 everywhere gives: the weights sum to 2^q).
 */
static void gf_col_rgb(const gf_ctx *c, const int16_t *base, size_t n, size_t i0, size_t i1, uint8_t *d) {
  const pw__img_gfix *g = c->g;
  uint8_t t[GF_BLOCK]; /* (GF_BLOCK3 used) */
  const size_t m = i1 - i0;
  size_t i = 0;
  d += i0 / 3 * 4;
#if PW_IMG_SIMD
  if (c->simd) {
    gf_col_simd(base + i0, n, 0, m, g->r, g->w2, c->wp2, g->sh2, t);
    const v128_t opaque = wasm_i32x4_splat((int32_t)0xff000000u);
    for (; i + 48 <= m; i += 48, d += 64) { /* 16 pixels */
      const v128_t a = wasm_v128_load(t + i), b = wasm_v128_load(t + i + 16), e = wasm_v128_load(t + i + 32);
      wasm_v128_store(d, wasm_v128_or(wasm_i8x16_shuffle(a, a, 0, 1, 2, 0, 3, 4, 5, 0, 6, 7, 8, 0, 9, 10, 11, 0), opaque));
      wasm_v128_store(d + 16, wasm_v128_or(wasm_i8x16_shuffle(a, b, 12, 13, 14, 0, 15, 16, 17, 0, 18, 19, 20, 0, 21, 22, 23, 0), opaque));
      wasm_v128_store(d + 32, wasm_v128_or(wasm_i8x16_shuffle(b, e, 8, 9, 10, 0, 11, 12, 13, 0, 14, 15, 16, 0, 17, 18, 19, 0), opaque));
      wasm_v128_store(d + 48, wasm_v128_or(wasm_i8x16_shuffle(e, e, 4, 5, 6, 0, 7, 8, 9, 0, 10, 11, 12, 0, 13, 14, 15, 0), opaque));
    }
  } else
#endif
    gf_col_c(base + i0, n, 0, m, g->r, g->w2, g->sh2, t);
  for (; i < m; i += 3, d += 4) d[0] = t[i], d[1] = t[i + 1], d[2] = t[i + 2], d[3] = 255;
}

/*
 * The column pass of a band [ys, ye) whose rows' ring rows start at buf:
 * column blocks of GF_BLOCK values, every row of the band for one block
 * before the next. The blur and the unsharp mask have a function each,
 * which gf_chunk calls through a pointer: with the mask's loop next to the
 * blur's in gf_chunk, the blur took 1.5x as long in wasm (V8), though the
 * mask's code never ran.
 */
#define GF_COLS(name, col, blk)                                                \
  static void name(const gf_ctx *c, const int16_t *buf, size_t ys, size_t ye) { \
    const size_t n = (size_t)c->w * c->ch;                                      \
    for (size_t i0 = 0; i0 < n; i0 += (blk)) {                                  \
      if (pw_cancelled()) return; /* (gf_chunk's tick then stops it) */         \
      const size_t i1 = i0 + (blk) < n ? i0 + (blk) : n;                        \
      for (size_t y = ys; y < ye; y++) col(c, buf + (y - ys) * n, n, i0, i1, c->dst + y * c->dstride); \
    }                                                                           \
  }
GF_COLS(gf_cols, gf_col, GF_BLOCK)
GF_COLS(gf_cols_rgb, gf_col_rgb, GF_BLOCK3)
GF_COLS(gf_cols_unsharp, gf_col_unsharp, GF_BLOCK)
#undef GF_COLS
typedef void (*gf_cols_fn)(const gf_ctx *c, const int16_t *buf, size_t ys, size_t ye);

/*
 * A chunk of output rows, band by band. buf holds the row-filtered source
 * rows ys - r .. ye - 1 + r of the band [ys, ye) (clamped rows repeated),
 * one after another, so that the column pass reads its taps a row apart;
 * the last 2r of them move to the front for the next band.
 */
static void gf_chunk(void *p, size_t y0, size_t y1) {
  gf_ctx *c = p;
  const pw__img_gfix *g = c->g;
  const uint32_t r = g->r;
  const size_t n = (size_t)c->w * c->ch;
  gf_cols_fn cols = c->unsharp ? gf_cols_unsharp : c->rgb ? gf_cols_rgb : gf_cols;
  /* (8 values to spare: gf_hrow's opaque RGBA step stores 4 past its pixels) */
  int16_t *pad = malloc((((size_t)c->w + 2 * (size_t)r) * c->ch + 8) * sizeof *pad);
  int16_t *buf = malloc((GF_BAND + 2 * (size_t)r) * n * sizeof *buf);
  if (pad == NULL || buf == NULL) {
    atomic_store(&c->failed, 1);
    goto done;
  }
  pw__img_ticker tick = pw__img_ticker_for(c->h, n, 0);
  for (size_t ys = y0; ys < y1; ys += GF_BAND) {
    const size_t ye = ys + GF_BAND < y1 ? ys + GF_BAND : y1;
    size_t have = 0; /* rows of buf already filtered */
    if (ys != y0) {
      memmove(buf, buf + (size_t)GF_BAND * n, 2 * (size_t)r * n * sizeof *buf);
      have = 2 * (size_t)r;
    }
    /* the first band filters 2r + GF_BAND rows (r 255: 526 rows of 511
       taps, seconds for a wide picture): a look at the abort flag between
       rows, and between column blocks (gf_cols), not only between bands */
    for (size_t j = have; j < (ye - ys) + 2 * (size_t)r; j++) {
      if (pw_cancelled()) goto stop;
      gf_hrow(c, (int64_t)ys - r + (int64_t)j, pad, buf + j * n);
    }
    cols(c, buf, ys, ye);
    if (pw__img_tick(&tick, ye - ys)) break;
  }
stop:
  pw__img_tick_end(&tick);
done:
  free(pad);
  free(buf);
}

pw_status pw__img_gauss_fixed(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height, unsigned ch,
                              const pw__img_gfix *g, int unsharp, float amount, unsigned flags) {
  const size_t row = (size_t)width * ch;
  return pw__img_gauss_fixed_window(src, row, dst, row, width, height, ch, g, unsharp, amount, flags);
}

pw_status pw__img_gauss_fixed_window(const uint8_t *src, size_t sstride, uint8_t *dst, size_t dstride,
                                     uint32_t width, uint32_t height, unsigned ch, const pw__img_gfix *g,
                                     int unsharp, float amount, unsigned flags) {
  const uint32_t r = g->r, pairs = r / 2 + 1;
  uint32_t *wp = malloc(2 * (size_t)pairs * sizeof *wp);
  if (wp == NULL) return pw_fail(PW_ENOMEM, "out of memory for filter weights");
  for (uint32_t m = 0; m < pairs; m++) {
    wp[m] = (uint16_t)g->w1[2 * m] | (uint32_t)(uint16_t)g->w1[2 * m + 1] << 16;
    wp[pairs + m] = (uint16_t)g->w2[2 * m] | (uint32_t)(uint16_t)g->w2[2 * m + 1] << 16;
  }
  /* opaque RGBA (a blur): its colour values only (GF_RGB) */
  const int rgb = ch == 4 && !g->alpha && !unsharp;
  gf_ctx c = {src, dst, width, height, rgb ? 3 : ch, g, wp, wp + pairs, pw__img_simd(flags), rgb, unsharp, amount, 0,
              sstride, dstride};
  /* two chunks a thread: each chunk row-filters 2r rows beyond its own (sigma 5, 3000 rows, 2
     threads: 8 % more row-pass work with four chunks a thread, 4 % with two), so fewer chunks
     scale better: 4000x3000 sigma 5 on a pool of 2 took 53.6-54.9 ms with four a thread (rounded
     to whole bands) and 52.1-52.8 with two; and at least 4r rows: the halo at most half again
     of a chunk's own rows */
  size_t grain = pw__img_grain(height, (size_t)width * ch, 2, PW_IMG_MIN_FILTER_CHUNK, 4 * (size_t)r);
  pw_status s = pw_parallel_for(height, grain, gf_chunk, &c);
  free(wp);
  if (s == PW_OK && atomic_load(&c.failed)) s = pw_fail(PW_ENOMEM, "out of memory for filter rows");
  return s;
}

/* ------------------------------------------------------------------------ */
/* The smallest alpha                                                       */
/* ------------------------------------------------------------------------ */

typedef struct {
  const uint8_t *px;
  size_t row;          /* pixels a row */
  unsigned floor;      /* stop once an alpha below this is seen */
  atomic_uint least;   /* the smallest alpha seen */
} alpha_ctx;

static void alpha_rows(void *p, size_t y0, size_t y1) {
  alpha_ctx *c = p;
  if (atomic_load_explicit(&c->least, memory_order_relaxed) < c->floor) return;
  const uint8_t *s = c->px + y0 * c->row * 4;
  size_t n = (y1 - y0) * c->row, i = 0;
  unsigned least = 255;
#if PW_IMG_SIMD
  v128_t m = wasm_i32x4_splat(-1);
  for (; i + 4 <= n; i += 4) m = wasm_u8x16_min(m, wasm_v128_load(s + 4 * i));
  /* the alpha bytes (3, 7, 11, 15) of m are the least alphas seen in their lanes */
  m = wasm_u8x16_min(m, wasm_i32x4_shuffle(m, m, 2, 3, 0, 1));
  m = wasm_u8x16_min(m, wasm_i32x4_shuffle(m, m, 1, 0, 3, 2));
  least = wasm_u8x16_extract_lane(m, 3);
#endif
  for (; i < n; i++)
    if (s[4 * i + 3] < least) least = s[4 * i + 3];
  unsigned seen = atomic_load_explicit(&c->least, memory_order_relaxed);
  while (least < seen && !atomic_compare_exchange_weak(&c->least, &seen, least)) {
  }
}

unsigned pw__img_min_alpha(const uint8_t *px, uint32_t width, uint32_t height, unsigned floor) {
  alpha_ctx c = {px, width, floor, 255};
  if (pw__img_rows(height, (size_t)width * 4, alpha_rows, &c) != PW_OK) return 0;
  return atomic_load(&c.least);
}
