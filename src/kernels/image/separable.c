/*
 * separable.c — the separable filter engine behind resize, Gaussian blur
 * and unsharp mask, and the taps (filter weights) they use.
 *
 * A separable filter is a 1-D filter along rows (xt) followed by one along
 * columns (yt): out(x, y) = sum_j yt_y[j] sum_i xt_x[i] in(i, j). Both
 * passes run in single-precision floats; for RGBA the values are
 * premultiplied first, (r a, g a, b a, a) as exact integers up to 65025,
 * so that transparent pixels add nothing, and divided by the filtered
 * alpha at the end.
 *
 * Work split: output rows are cut into chunks (several per thread); a chunk
 * walks its rows top to bottom, band by band (sep_rows_first), and keeps
 * the row-filtered source rows a band needs in a ring. Each source row is
 * row-filtered once per chunk (the halo rows at a chunk's edges are
 * filtered again by the neighbouring chunk: with 4 chunks a thread that
 * is a few percent for a sigma-5 blur of a 3000-row image). Memory per
 * chunk: the ring (the rows a band spans, about max_n + 15 rows of
 * dst_width * channels floats for a blur), a row of source floats and the
 * band's accumulator rows (at most SEP_ACC_MAX bytes); nothing the size of
 * the image.
 *
 * Why floats and not 16-bit fixed point: an alpha-weighted colour is
 * c a / a, and for a = 1 a fixed-point error of 1/256 in c a becomes an
 * error of 1 in c. Floats keep every alpha exact to well under 1/255, and
 * wasm SIMD does 4 float lanes an instruction (one RGBA pixel).
 *
 * Why a ring and not two whole-image passes: a whole-image intermediate is
 * 16 bytes a pixel (192 MB for 12 MP) and twice the memory traffic; the
 * ring stays in cache. A band-by-band column pass over column blocks (as
 * gauss_fixed.c does) was tried before the scratch layout below, with no
 * gain beyond the noise (wasm sigma-5 blur 281 -> 264 ms, natively
 * Catmull-Rom x2 66 -> 108); once that layout had removed larger losses,
 * the column pass was half of a sigma-5 blur's time, reading its ring
 * from L3, and bands took that blur from 179 to 155 ms natively (see
 * sep_rows_first).
 *
 * Measured (callgrind, native x86-64-v3, sigma-5 blur of 1000x750 RGBA):
 * 593 instructions a pixel with a scalar row pass and taps summed one by
 * one, 278 with both passes on 4-lane vectors and symmetric taps in pairs.
 *
 * Order of operations: fixed per output value and the same in the SIMD
 * and the portable path (separable_loops.h), so both give the same bits
 * (see image_internal.h). Blur weights are symmetric, and are summed in
 * pairs, w[k] (v[c - k] + v[c + k]): half the multiplications.
 */
#include <math.h>

#include "image_internal.h"

/* Taps of more than this many weights are summed in double (long_row, long_col below) */
#define PW__IMG_LONG_TAPS 4096u

/* ------------------------------------------------------------------------ */
/* Taps                                                                     */
/* ------------------------------------------------------------------------ */

void pw__img_taps_free(pw__img_taps *t) {
  free(t->tap);
  free(t->weight);
  t->tap = NULL;
  t->weight = NULL;
}

/*
 * Lanczos-3, sinc(x) sinc(x / 3) for |x| < 3, with one sine: with
 * s = sin(pi x / 3), sin(pi x) = s (3 - 4 s^2) (the triple-angle formula),
 * so the product is 3 s^2 (3 - 4 s^2) / (pi x)^2. A resize's weights cost
 * half as much (16x16 -> 8x8 natively 4.1 -> 2.6 us, nearly all of it
 * weights); the two forms differ by a few units in the last place.
 */
static double lanczos3(double x) {
  if (x == 0.0) return 1.0;
  if (!(fabs(x) < 3.0)) return 0.0;
  const double px = 3.14159265358979323846 * x, s = sin(px / 3.0), s2 = s * s;
  return 3.0 * s2 * (3.0 - 4.0 * s2) / (px * px);
}

/* Mitchell-Netravali cubic with parameters B, C; |x| < 2. */
static double cubic(double x, double B, double C) {
  x = fabs(x);
  if (x < 1.0)
    return ((12.0 - 9.0 * B - 6.0 * C) * x * x * x + (-18.0 + 12.0 * B + 6.0 * C) * x * x +
            (6.0 - 2.0 * B)) / 6.0;
  if (x < 2.0)
    return ((-B - 6.0 * C) * x * x * x + (6.0 * B + 30.0 * C) * x * x + (-12.0 * B - 48.0 * C) * x +
            (8.0 * B + 24.0 * C)) / 6.0;
  return 0.0;
}

static double filter_support(uint32_t filter) {
  switch (filter) {
  case PW_IMAGE_BILINEAR: return 1.0;
  case PW_IMAGE_CATMULL_ROM:
  case PW_IMAGE_MITCHELL: return 2.0;
  default: return 3.0; /* Lanczos-3 */
  }
}

static double filter_eval(uint32_t filter, double x) {
  switch (filter) {
  case PW_IMAGE_BILINEAR: x = fabs(x); return x < 1.0 ? 1.0 - x : 0.0;
  case PW_IMAGE_CATMULL_ROM: return cubic(x, 0.0, 0.5);
  case PW_IMAGE_MITCHELL: return cubic(x, 1.0 / 3.0, 1.0 / 3.0);
  default: return lanczos3(x);
  }
}

typedef struct {
  pw__img_taps *t;
  uint32_t src, filter, most; /* most: room for taps per output pixel */
  double scale, fs, support;
  atomic_int failed;
} resize_taps_ctx;

/*
 * The taps of output pixels [i0, i1). Each pixel's taps depend on its own
 * centre alone, so any split of the pixels gives the same weights.
 */
static void resize_taps(void *p, size_t i0, size_t i1) {
  resize_taps_ctx *c = p;
  pw__img_taps *t = c->t;
  const uint32_t src = c->src, max_n = c->most;
  const double scale = c->scale, fs = c->fs, support = c->support;
  double *w = malloc((size_t)max_n * sizeof *w);
  if (w == NULL) {
    atomic_store(&c->failed, 1);
    return;
  }
  for (size_t i = i0; i < i1; i++) {
    double center = (i + 0.5) * scale;
    double lo_d = floor(center - support + 0.5), hi_d = floor(center + support + 0.5);
    uint32_t lo = lo_d < 0.0 ? 0 : (uint32_t)lo_d;
    uint32_t hi = hi_d > (double)src ? src : (uint32_t)hi_d;
    if (hi - lo > max_n) hi = lo + max_n; /* rounding guard; never cuts a nonzero weight */
    double sum = 0.0;
    for (uint32_t j = lo; j < hi; j++) {
      w[j - lo] = filter_eval(c->filter, (j + 0.5 - center) / fs);
      sum += w[j - lo];
    }
    float *out = t->weight + i * max_n;
    if (hi <= lo || sum == 0.0) { /* cannot happen for these filters; nearest as a fallback */
      uint32_t k = (uint32_t)center < src ? (uint32_t)center : src - 1;
      lo = k, hi = k + 1, w[0] = 1.0, sum = 1.0;
    }
    for (uint32_t j = 0; j < hi - lo; j++) out[j] = (float)(w[j] / sum);
    t->tap[i].start = lo;
    t->tap[i].n = hi - lo;
    t->tap[i].w = i * max_n;
    t->tap[i].sym = 0;
    t->tap[i].ends = 0;
  }
  free(w);
}

/*
 * The taps are computed in parallel: a Lanczos-3 weight costs two sines,
 * and 4000x3000 -> 1000x750 has 43,750 taps, about 2 ms of a 50 ms call
 * on one thread in wasm (more for larger shrink factors, up to millions
 * of taps); computed on one thread before the filter, they held the
 * other threads idle for that long.
 */
pw_status pw__img_taps_resize(pw__img_taps *t, uint32_t src, uint32_t dst, uint32_t filter) {
  double scale = (double)src / dst;
  double fs = scale > 1.0 ? scale : 1.0;      /* filter widening when shrinking */
  double support = filter_support(filter) * fs; /* in source pixels */
  /* taps per output pixel: at most 2 support + 1, and at most src */
  double most = ceil(2.0 * support) + 1.0;
  uint32_t max_n = most < (double)src ? (uint32_t)most : src;
  /* a side that keeps its size is copied: each output pixel is its source
     pixel (a filter that does not interpolate, such as Mitchell, would
     blur it), as Pillow does for a side it does not resize */
  if (src == dst) max_n = 1;
  int fits = (uint64_t)dst * max_n <= SIZE_MAX / sizeof(float);
  t->tap = malloc((size_t)dst * sizeof *t->tap);
  t->weight = fits ? malloc((size_t)dst * max_n * sizeof *t->weight) : NULL;
  t->max_n = 0;
  if (t->tap == NULL || t->weight == NULL) {
    pw__img_taps_free(t);
    return PW_ENOMEM;
  }
  if (src == dst) {
    for (uint32_t i = 0; i < dst; i++) {
      t->weight[i] = 1.0f;
      t->tap[i] = (pw__img_tap){.start = i, .n = 1, .w = i, .sym = 0};
    }
    t->max_n = dst > 0;
    return PW_OK;
  }
  resize_taps_ctx c = {t, src, filter, max_n, scale, fs, support, 0};
  /* chunks of at least ~4096 weights: a chunk allocates its own scratch */
  size_t grain = pw_chunks(dst, 4 * (size_t)pw_concurrency()), least = pw_chunks(4096, max_n);
  pw_status s = pw_parallel_for(dst, grain > least ? grain : least, resize_taps, &c);
  if (s == PW_OK && atomic_load(&c.failed)) s = PW_ENOMEM;
  if (s != PW_OK) {
    pw__img_taps_free(t);
    return s;
  }
  for (uint32_t i = 0; i < dst; i++)
    if (t->tap[i].n > t->max_n) t->max_n = t->tap[i].n;
  return PW_OK;
}

pw_status pw__img_taps_gauss(pw__img_taps *t, uint32_t n, double sigma) {
  /* r = ceil(3 sigma) <= 300000; taps of one pixel: at most min(2r + 1, n) */
  uint32_t r = (uint32_t)ceil(3.0 * sigma);
  if (r == 0) r = 1;
  uint32_t m = (uint32_t)((uint64_t)2 * r + 1 < n ? 2 * r + 1 : n);
  /* g[k] = exp(-k^2 / 2 sigma^2) for 0 <= k < min(r + 1, n); z = sum over |k| <= r */
  uint32_t gn = r + 1 < n ? r + 1 : n;
  const uint32_t D = gn - 1; /* the farthest tap of any pixel: min(r, n - 1) */
  /*
   * Output pixels within r of an edge have weights of their own (their end
   * weights fold the taps beyond the edge), the rest share one set. An edge
   * pixel of more than PW__IMG_LONG_TAPS taps takes instead a window of one
   * set of g(d) for |d| <= D shared by all such pixels, with its end
   * weights in its tap (`ends`): a side of n pixels with sigma past about
   * n / 6 would otherwise hold n x n weights (20000 pixels: 1.6 GB).
   */
  int any_inside = 0, any_long = 0;
  uint64_t own = 0;
  for (uint32_t x = 0; x < n; x++) {
    uint32_t lo = x > r ? x - r : 0;
    uint32_t hi = (uint64_t)x + r < (uint64_t)n - 1 ? x + r : n - 1;
    if (x >= r && (uint64_t)x + r <= (uint64_t)n - 1) any_inside = 1;
    else if (hi - lo + 1 > PW__IMG_LONG_TAPS) any_long = 1;
    else own++;
  }
  const size_t stride = m < PW__IMG_LONG_TAPS ? m : PW__IMG_LONG_TAPS; /* an own set's room */
  const uint64_t shared = own * stride, gat = shared + (any_inside ? m : 0);
  const uint64_t nweights = gat + (any_long ? 2 * (uint64_t)D + 1 : 0);
  double *g = malloc((size_t)gn * sizeof *g);
  /* left[d] = sum of g(k) for k from -r to -d: the weight the left edge pixel
     gets from taps beyond it, for an output pixel d pixels from that edge */
  double *left = malloc((size_t)n * sizeof *left);
  t->tap = malloc((size_t)n * sizeof *t->tap);
  t->weight = nweights <= SIZE_MAX / sizeof(float) ? malloc((size_t)(nweights ? nweights : 1) * sizeof(float)) : NULL;
  if (g == NULL || left == NULL || t->tap == NULL || t->weight == NULL) {
    free(g);
    free(left);
    pw__img_taps_free(t);
    return PW_ENOMEM;
  }
  double s2 = 2.0 * sigma * sigma, z = 0.0, tail = 0.0;
  /* z and the tails, summed from the small end for accuracy */
  for (uint32_t k = r; k > 0; k--) {
    double v = exp(-(double)k * k / s2);
    z += 2.0 * v;
    tail += v;
    if (k < n) left[k] = tail;
    if (k < gn) g[k] = v;
  }
  g[0] = 1.0;
  z += 1.0;
  left[0] = tail + 1.0;
  for (uint32_t d = r + 1; d < n; d++) left[d] = 0.0;
  /* the set the long edge pixels' windows share: weight[gat + D + d] = g(|d|) / z */
  if (any_long)
    for (uint32_t d = 0; d <= D; d++) t->weight[gat + D + d] = t->weight[gat + D - d] = (float)(g[d] / z);
  size_t next = 0;
  int shared_done = 0;
  t->max_n = 0;
  for (uint32_t x = 0; x < n; x++) {
    uint32_t lo = x > r ? x - r : 0;
    uint32_t hi = (uint64_t)x + r < (uint64_t)n - 1 ? x + r : n - 1; /* inclusive */
    int edge = x < r || (uint64_t)x + r > (uint64_t)n - 1;
    pw__img_tap *tp = &t->tap[x];
    tp->start = lo;
    tp->n = hi - lo + 1;
    tp->sym = !edge; /* g(-k) == g(k) inside; the edges fold the tails */
    tp->ends = 0;
    tp->first = tp->last = 0.0f;
    if (edge && tp->n > PW__IMG_LONG_TAPS) {
      /* a window of the shared set; the weights an edge pixel's ends take instead (as below) */
      tp->w = (size_t)gat + D - (x - lo);
      if (lo == 0 && n > 1) tp->ends |= PW__IMG_TAP_FIRST, tp->first = (float)(left[x] / z);
      if (hi == n - 1 && n > 1) tp->ends |= PW__IMG_TAP_LAST, tp->last = (float)(left[n - 1 - x] / z);
    } else {
      size_t at = edge ? next : (size_t)shared;
      if (edge || !shared_done) {
        float *w = t->weight + at;
        for (uint32_t j = lo; j <= hi; j++) {
          uint32_t d = j > x ? j - x : x - j;
          double v = g[d];
          if (j == 0 && n > 1) v = left[x];           /* this pixel and all beyond the edge */
          if (j == n - 1 && n > 1) v = left[n - 1 - x];
          if (n == 1) v = z;
          w[j - lo] = (float)(v / z);
        }
        if (edge) next += stride;
        else shared_done = 1;
      }
      tp->w = at;
    }
    if (tp->n > t->max_n) t->max_n = tp->n;
  }
  free(g);
  free(left);
  return PW_OK;
}

/* ------------------------------------------------------------------------ */
/* Row pass                                                                 */
/* ------------------------------------------------------------------------ */

/* Source row as floats: premultiplied (r a, g a, b a, a) for RGBA. */
static void load_row(const uint8_t *s, size_t pixels, unsigned channels, float *out) {
  if (channels == 4) {
    for (size_t i = 0; i < pixels; i++, s += 4, out += 4) {
      uint32_t a = s[3];
      out[0] = (float)(s[0] * a);
      out[1] = (float)(s[1] * a);
      out[2] = (float)(s[2] * a);
      out[3] = (float)a;
    }
  } else {
    for (size_t i = 0; i < pixels; i++) out[i] = (float)s[i];
  }
}

/*
 * Long taps: an output value of more than PW__IMG_LONG_TAPS taps (a resize
 * by a factor of several hundred, to a thumbnail of a very long strip, or
 * a blur of sigma over ~700) is summed in double. In floats, adding
 * millions of small terms to a sum of up to 65025 loses up to half an ulp
 * each time: shrinking a flat 4000037x1 strip to 1x1 gave alpha 254
 * instead of 255. In double the rounding of the sum stays under 2^-29 of
 * it for any count of taps the sizes allow (2^24). Below the threshold the
 * float loops' worst case is 4096 half-ulps of 65025, 0.03 of a level
 * after the division by alpha. These functions are plain C, called by both
 * variants of the loops, so every build gives the same bits; sym taps are
 * stored whole, so they are summed as any others.
 */
/* (PW__IMG_LONG_TAPS: defined with the taps, above) */

/* Weight k of a long tap (its ends may be its own, pw__img_tap). */
static inline double long_weight(const pw__img_tap *tp, const float *w, uint32_t k) {
  if (k == 0 && (tp->ends & PW__IMG_TAP_FIRST)) return tp->first;
  if (k == tp->n - 1 && (tp->ends & PW__IMG_TAP_LAST)) return tp->last;
  return w[k];
}

static void long_row(const pw__img_tap *tp, const float *w, const float *p, unsigned channels, float *out) {
  double a[4] = {0.0, 0.0, 0.0, 0.0};
  for (uint32_t k = 0; k < tp->n; k++) {
    const double wk = long_weight(tp, w, k);
    for (unsigned ch = 0; ch < channels; ch++) a[ch] += wk * p[(size_t)k * channels + ch];
  }
  for (unsigned ch = 0; ch < channels; ch++) out[ch] = (float)a[ch];
}

static void long_col(const float *const *rows, const pw__img_tap *tp, const float *w, size_t len, float *out) {
  for (size_t i = 0; i < len; i += 16) {
    const size_t m = len - i < 16 ? len - i : 16;
    double a[16] = {0.0};
    for (uint32_t k = 0; k < tp->n; k++) {
      const double wk = long_weight(tp, w, k);
      const float *r = rows[k] + i;
      for (size_t t = 0; t < m; t++) a[t] += wk * r[t];
    }
    for (size_t t = 0; t < m; t++) out[i + t] = (float)a[t];
  }
}

/*
 * The inner loops (separable_loops.h), twice: with the portable vector
 * type, and with wasm SIMD intrinsics.
 */
#if (defined(__GNUC__) || defined(__clang__)) && !defined(PW_NO_VECTOR_EXT)
typedef float pw_v4f __attribute__((vector_size(16)));
static inline pw_v4f v4f_load(const float *p) {
  pw_v4f v;
  memcpy(&v, p, 16);
  return v;
}
static inline void v4f_store(float *p, pw_v4f v) { memcpy(p, &v, 16); }
static inline pw_v4f v4f_splat(float x) { return (pw_v4f){x, x, x, x}; }
static inline pw_v4f v4f_add(pw_v4f a, pw_v4f b) { return a + b; }
static inline pw_v4f v4f_mul(pw_v4f a, pw_v4f b) { return a * b; }
#else
typedef struct {
  float f[4];
} pw_v4f;
static inline pw_v4f v4f_load(const float *p) {
  pw_v4f v;
  memcpy(v.f, p, 16);
  return v;
}
static inline void v4f_store(float *p, pw_v4f v) { memcpy(p, v.f, 16); }
static inline pw_v4f v4f_splat(float x) { return (pw_v4f){{x, x, x, x}}; }
static inline pw_v4f v4f_add(pw_v4f a, pw_v4f b) {
  for (int i = 0; i < 4; i++) a.f[i] += b.f[i];
  return a;
}
static inline pw_v4f v4f_mul(pw_v4f a, pw_v4f b) {
  for (int i = 0; i < 4; i++) a.f[i] *= b.f[i];
  return a;
}
#endif

#define V4 pw_v4f
#define V4_LOAD v4f_load
#define V4_STORE v4f_store
#define V4_SPLAT v4f_splat
#define V4_ADD v4f_add
#define V4_MUL v4f_mul
#define V4_ZERO() v4f_splat(0.0f)
#define NAME(f) f##_c
#include "separable_loops.h"
#undef V4
#undef V4_LOAD
#undef V4_STORE
#undef V4_SPLAT
#undef V4_ADD
#undef V4_MUL
#undef V4_ZERO
#undef NAME

#if PW_IMG_SIMD
#define V4 v128_t
#define V4_LOAD wasm_v128_load
#define V4_STORE wasm_v128_store
#define V4_SPLAT wasm_f32x4_splat
#define V4_ADD wasm_f32x4_add
#define V4_MUL wasm_f32x4_mul
#define V4_ZERO() wasm_f32x4_splat(0.0f)
#define NAME(f) f##_simd
#include "separable_loops.h"
#undef NAME
#endif

/* ------------------------------------------------------------------------ */
/* Output                                                                   */
/* ------------------------------------------------------------------------ */

static void sink_plain(const float *acc, size_t pixels, unsigned channels, uint8_t *d) {
  if (channels == 1) {
    for (size_t i = 0; i < pixels; i++) d[i] = pw__img_u8(acc[i]);
    return;
  }
  for (size_t i = 0; i < pixels; i++, acc += 4, d += 4) {
    float A = acc[3];
    uint8_t a = pw__img_u8(A);
    if (a == 0) {
      d[0] = d[1] = d[2] = d[3] = 0;
      continue;
    }
    d[0] = pw__img_u8(acc[0] / A);
    d[1] = pw__img_u8(acc[1] / A);
    d[2] = pw__img_u8(acc[2] / A);
    d[3] = a;
  }
}

#if PW_IMG_SIMD
/* load_row for grey with SIMD: 16 pixels a step. */
static void load_row1_simd(const uint8_t *s, size_t pixels, float *out) {
  size_t i = 0;
  for (; i + 16 <= pixels; i += 16) {
    v128_t q[4];
    pw_u8x16_f32(s + i, q);
    for (int k = 0; k < 4; k++) wasm_v128_store(out + i + 4 * k, q[k]);
  }
  for (; i < pixels; i++) out[i] = (float)s[i];
}

/* load_row for RGBA with SIMD: (c a, ..., a) as exact floats, 4 pixels a step. */
static void load_row4_simd(const uint8_t *s, size_t pixels, float *out) {
  size_t i = 0;
  for (; i + 4 <= pixels; i += 4, s += 16, out += 16) {
    v128_t px = wasm_v128_load(s);
    v128_t lo = wasm_u16x8_extend_low_u8x16(px), hi = wasm_u16x8_extend_high_u8x16(px);
    v128_t p[4] = {wasm_u32x4_extend_low_u16x8(lo), wasm_u32x4_extend_high_u16x8(lo),
                   wasm_u32x4_extend_low_u16x8(hi), wasm_u32x4_extend_high_u16x8(hi)};
    for (int k = 0; k < 4; k++) {
      v128_t a = wasm_i32x4_shuffle(p[k], p[k], 3, 3, 3, 3);
      v128_t m = wasm_i32x4_mul(p[k], a); /* c a < 2^16: exact, then exact as a float */
      wasm_v128_store(out + 4 * k, wasm_f32x4_convert_i32x4(wasm_i32x4_shuffle(m, p[k], 0, 1, 2, 7)));
    }
  }
  for (; i < pixels; i++, s += 4, out += 4) {
    uint32_t a = s[3];
    out[0] = (float)(s[0] * a), out[1] = (float)(s[1] * a), out[2] = (float)(s[2] * a), out[3] = (float)a;
  }
}

/*
 * sink_plain for RGBA with SIMD, 4 pixels a step: the same operations as
 * pw__img_u8(acc[c] / A) lane by lane (pmax 0 and pmin 255, which keep a
 * NaN and are one x86 instruction each, where min/max are several; + 0.5;
 * truncate, NaN giving 0), then 0,0,0,0 where the alpha byte is 0.
 */
static void sink_plain4_simd(const float *acc, size_t pixels, uint8_t *d) {
  size_t i = 0;
  const v128_t zero = wasm_f32x4_splat(0.0f), top = wasm_f32x4_splat(255.0f), half = wasm_f32x4_splat(0.5f);
  for (; i + 4 <= pixels; i += 4, acc += 16, d += 16) {
    v128_t q[4];
    for (int k = 0; k < 4; k++) {
      v128_t v = wasm_v128_load(acc + 4 * k);
      v128_t A = wasm_i32x4_shuffle(v, v, 3, 3, 3, 3);
      v128_t r = wasm_i32x4_shuffle(wasm_f32x4_div(v, A), v, 0, 1, 2, 7);
      r = wasm_f32x4_add(wasm_f32x4_pmin(wasm_f32x4_pmax(r, zero), top), half);
      v128_t n = wasm_i32x4_trunc_sat_f32x4(r);
      v128_t a = wasm_i32x4_shuffle(n, n, 3, 3, 3, 3);
      q[k] = wasm_v128_andnot(n, wasm_i32x4_eq(a, wasm_i32x4_splat(0)));
    }
    v128_t lo = wasm_u16x8_narrow_i32x4(q[0], q[1]), hi = wasm_u16x8_narrow_i32x4(q[2], q[3]);
    wasm_v128_store(d, wasm_u8x16_narrow_i16x8(lo, hi));
  }
  if (i < pixels) sink_plain(acc, pixels - i, 4, d);
}
#endif

static inline uint8_t unsharp1(uint8_t o, float blurred, float amount, float threshold) {
  float d = (float)o - blurred;
  if (fabsf(d) < threshold) return o;
  return pw__img_u8((float)o + amount * d);
}

static void sink_unsharp(const pw__img_sep *j, const float *acc, size_t pixels, const uint8_t *o,
                         uint8_t *d) {
  if (j->channels == 1) {
    for (size_t i = 0; i < pixels; i++) d[i] = unsharp1(o[i], acc[i], j->amount, j->threshold);
    return;
  }
  for (size_t i = 0; i < pixels; i++, acc += 4, o += 4, d += 4) {
    float A = acc[3];
    if (o[3] == 0 || !(A > 0.0f)) {
      memcpy(d, o, 4);
      continue;
    }
    d[0] = unsharp1(o[0], acc[0] / A, j->amount, j->threshold);
    d[1] = unsharp1(o[1], acc[1] / A, j->amount, j->threshold);
    d[2] = unsharp1(o[2], acc[2] / A, j->amount, j->threshold);
    d[3] = o[3];
  }
}

/* ------------------------------------------------------------------------ */
/* The engine                                                               */
/* ------------------------------------------------------------------------ */

typedef struct {
  const pw__img_sep *job;
  int vfirst; /* columns first (see pw__img_separable) */
  atomic_int failed;
  int quiet; /* no progress (pw__img_separable_rows) */
} sep_ctx;

/*
 * A chunk's scratch is one block, laid out the same way on every call and
 * every thread: the source row as floats (tmp) from the block's start, the
 * column pass's sums (acc) from the next page boundary plus SEP_ACC_SKEW,
 * and the ring of row-filtered rows (a whole number of cache lines apart)
 * from the page boundary after acc plus SEP_RING_SKEW. The engine's speed
 * depends on where these lie relative to each other modulo 4 KiB: moving
 * tmp and acc 1088 and 2112 bytes from where malloc had put them made the
 * float blur of a 4000x3000 picture take 301 ms on one thread instead of
 * 231 (2026-12-03; loads that agree with recent stores in their low 12
 * address bits wait for them on x86, the likely cause). With a malloc for
 * each, those places came from the heap, and so changed with the thread
 * count and with the other thread's allocations; laid out so, they are
 * the same every time, at places measured as fast as the best.
 *
 * The block ends in a guard that nothing touches, SEP_GUARD_ROWS ring
 * strides long. The column pass reads the ring's rows one stride apart,
 * and the processor's stride prefetcher runs on past the last of them,
 * up to about 16 strides (1 MB for a 4000-pixel RGBA row); with another
 * thread's block right after this one, those prefetches took the lines
 * that thread was writing (its source row and column sums) and each
 * write had to take them back: the float blur of a 4000x3000 picture on
 * two threads took 144-150 ms where one thread's chunks add up to 115
 * (2026-12-04; two pools of one thread each, whose memories lie far
 * apart, never showed it). With the guard: 121-123 ms. Untouched pages
 * of linear memory cost address space, not RAM; where the guard does not
 * fit, the block goes without it.
 */
#define SEP_GUARD_ROWS ((size_t)16)
#define SEP_ACC_SKEW ((size_t)2048)
#define SEP_RING_SKEW ((size_t)1024)
#define SEP_PAGE ((size_t)4096)

typedef struct {
  size_t acc, ring, stride, rows, total; /* byte offsets of acc, the ring and rows; ring row stride; block size */
  size_t guard; /* untouched bytes after total (SEP_GUARD_ROWS strides; 0 if that would not fit) */
} sep_layout;

/* a + b, or SIZE_MAX if it does not fit (sizes here are at most SIZE_MAX) */
static size_t sat_add(size_t a, size_t b) { return a > SIZE_MAX - b ? SIZE_MAX : a + b; }
static size_t round_up(size_t a, size_t to) { return sat_add(a, to - 1) == SIZE_MAX ? SIZE_MAX : (a + to - 1) & ~(to - 1); }

/*
 * The layout for tmp of tmp_bytes, acc of acc_bytes, a ring of cap rows of
 * ring_bytes, and after it the column pass's nptr row pointers (rows, read
 * for every 16 floats: in the chunk's own pages rather than a small malloc
 * of their own, which could share a cache line with another thread's
 * data); 0 if too big.
 */
static int sep_plan(size_t tmp_bytes, size_t acc_bytes, size_t ring_bytes, uint32_t cap, size_t nptr,
                    sep_layout *L) {
  L->stride = round_up(ring_bytes, 64);
  L->acc = sat_add(round_up(tmp_bytes, SEP_PAGE), SEP_ACC_SKEW);
  L->ring = sat_add(round_up(sat_add(L->acc, acc_bytes), SEP_PAGE), SEP_RING_SKEW);
  if (L->stride == SIZE_MAX || L->ring == SIZE_MAX || (cap != 0 && L->stride > (SIZE_MAX - L->ring) / cap)) return 0;
  L->rows = round_up(L->ring + (size_t)cap * L->stride, 64);
  if (L->rows == SIZE_MAX || nptr > (SIZE_MAX - L->rows) / sizeof(float *)) return 0;
  L->total = round_up(L->rows + nptr * sizeof(float *), SEP_PAGE); /* aligned_alloc wants a whole number of pages */
  if (L->total == SIZE_MAX) return 0;
  L->guard = L->stride <= (SIZE_MAX - L->total) / SEP_GUARD_ROWS ? round_up(L->stride * SEP_GUARD_ROWS, SEP_PAGE) : 0;
  if (L->guard == SIZE_MAX || L->guard > SIZE_MAX - L->total) L->guard = 0;
  return 1;
}

/* Row r of the ring (rows L.stride bytes apart). */
static inline float *ring_row(float *ring, size_t stride, size_t r) {
  return (float *)((unsigned char *)ring + r * stride);
}

/* Source row y as floats (premultiplied for RGBA) into out. */
static void src_row(const pw__img_sep *j, int simd, uint32_t y, float *out) {
  const uint8_t *srow = j->src + (size_t)y * (j->sstride ? j->sstride : (size_t)j->sw * j->channels);
#if PW_IMG_SIMD
  if (simd) {
    if (j->channels == 4) load_row4_simd(srow, j->sw, out);
    else load_row1_simd(srow, j->sw, out);
    return;
  }
#endif
  (void)simd;
  load_row(srow, j->sw, j->channels, out);
}

/* The row filter xt over in (a row of sw pixels) into out (dw pixels). */
static void row_pass(const pw__img_sep *j, int simd, const float *in, float *out) {
#if PW_IMG_SIMD
  if (simd) {
    if (j->channels == 4) hpass4_simd(j->xt, j->dw, in, out);
    else hpass1_simd(j->xt, j->dw, in, out);
    return;
  }
#endif
  (void)simd;
  if (j->channels == 4) hpass4_c(j->xt, j->dw, in, out);
  else hpass1_c(j->xt, j->dw, in, out);
}

/* The column filter of output row y over rows (tp.n of them, count floats each) into out. */
static void column_pass(const pw__img_sep *j, int simd, const float **rows, uint32_t y, size_t count, float *out) {
  const pw__img_tap tp = j->yt->tap[y];
  const float *w = j->yt->weight + tp.w;
#if PW_IMG_SIMD
  if (simd) {
    vpass_simd(rows, w, &tp, count, out);
    return;
  }
#endif
  (void)simd;
  vpass_c(rows, w, &tp, count, out);
}

/* Output row y from its filtered floats. */
static void sink_row(const pw__img_sep *j, int simd, const float *acc, size_t y) {
  const size_t rowb = j->dstride ? j->dstride : (size_t)j->dw * j->channels;
  uint8_t *d = j->dst + y * rowb;
  if (j->sink == PW__IMG_SINK_UNSHARP) sink_unsharp(j, acc, j->dw, j->orig + y * rowb, d);
#if PW_IMG_SIMD
  else if (simd && j->channels == 4) sink_plain4_simd(acc, j->dw, d);
#endif
  else sink_plain(acc, j->dw, j->channels, d);
  (void)simd;
}

/* A chunk's scratch block laid out by sep_plan, or NULL (and c->failed set). */
static unsigned char *sep_block(sep_ctx *c, size_t tmp_bytes, size_t acc_bytes, size_t ring_bytes, uint32_t cap,
                                size_t nptr, sep_layout *L) {
  unsigned char *block = NULL;
  if (sep_plan(tmp_bytes, acc_bytes, ring_bytes, cap, nptr, L)) {
    if (L->guard > 0) block = aligned_alloc(SEP_PAGE, L->total + L->guard);
    if (block == NULL) block = aligned_alloc(SEP_PAGE, L->total);
  }
  if (block == NULL) atomic_store(&c->failed, 1);
  return block;
}

/*
 * Rows first, band by band. The column pass of one output row reads its
 * yn ring rows whole (31 rows of 64,000 bytes for a sigma-5 blur of a
 * 4000-pixel row: 2 MB, beyond a 1 MB L2), so output row by output row
 * every ring row came from L3 yn times. A band of up to SEP_BAND output
 * rows instead keeps the rows all of them need in the ring (cap: the most
 * that any band of the chunk spans) and runs the column pass block by
 * block of SEP_COLS floats, every row of the band for one block before
 * the next: the ring rows of a block (46 of 4 KB there) stay in L2 while
 * the band uses them. Each output value is computed as before (the same
 * taps in the same order), so the bytes do not change. Measured on
 * 4000x3000 RGBA, one thread, CPU ms (2026-12-04): sigma-5 blur native
 * 179 -> 155, wasm 195-208 -> 174-179; sigma-1 sharpen and Catmull-Rom x2
 * within the noise. The band's column sums take SEP_BAND rows of acc
 * (fewer where a row is wider than SEP_ACC_MAX / SEP_BAND bytes).
 */
#define SEP_BAND ((size_t)16)
#define SEP_COLS ((size_t)1024)
#define SEP_ACC_MAX ((size_t)4 << 20)
/* The end of the source rows that output rows [y, e) read (tap ends grow with y). */
static uint32_t taps_end(const pw__img_tap *tap, size_t y, size_t e) {
  uint32_t s1 = 0;
  for (size_t b = y; b < e; b++) s1 = tap[b].start + tap[b].n > s1 ? tap[b].start + tap[b].n : s1;
  return s1;
}
static void sep_rows_first(sep_ctx *c, size_t y0, size_t y1) {
  const pw__img_sep *j = c->job;
  const size_t srcf = (size_t)j->sw * j->channels, dstf = (size_t)j->dw * j->channels;
  const int simd = pw__img_simd(j->flags);
  const uint32_t maxn = j->yt->max_n;
  const pw__img_tap *tap = j->yt->tap;
  size_t band = SEP_ACC_MAX / (dstf * sizeof(float));
  band = band < 1 ? 1 : band > SEP_BAND ? SEP_BAND : band;
  /* ring rows: the most that one band spans (tap starts grow with y) */
  uint32_t cap = 0;
  for (size_t y = y0; y < y1; y += band) {
    const uint32_t span = taps_end(tap, y, y1 - y < band ? y1 : y + band) - tap[y].start;
    cap = span > cap ? span : cap;
  }
  sep_layout L = {0, 0, 0, 0, 0, 0};
  unsigned char *block = sep_block(c, srcf * sizeof(float), band * dstf * sizeof(float), dstf * sizeof(float), cap,
                                   maxn, &L);
  if (block == NULL) return;
  float *tmp = (float *)block, *acc = (float *)(block + L.acc), *ring = (float *)(block + L.ring);
  const float **part = (const float **)(void *)(block + L.rows); /* one output row's ring rows, from one block */
  uint32_t hi = 0; /* the ring holds the rows below hi (the last cap of them) */
  int any = 0;
  pw__img_ticker tick = pw__img_ticker_for(j->dh, dstf, c->quiet);
  for (size_t y = y0; y < y1; y += band) {
    const size_t e = y1 - y < band ? y1 : y + band;
    const uint32_t s1 = taps_end(tap, y, e);
    if (!any || hi < tap[y].start) hi = tap[y].start, any = 1;
    /* a band's rows and columns are a lot of work where the filter is
       long (sigma 200: 1201 source rows of 1201 taps each before the first
       band is written, seconds): a look at the abort flag between each
       row filtered and each block of columns, not only between bands */
    for (; hi < s1; hi++) {
      if (pw_cancelled()) goto stop;
      src_row(j, simd, hi, tmp);
      row_pass(j, simd, tmp, ring_row(ring, L.stride, hi % cap));
    }
    for (size_t x0 = 0; x0 < dstf; x0 += SEP_COLS) {
      if (pw_cancelled()) goto stop;
      const size_t cnt = dstf - x0 < SEP_COLS ? dstf - x0 : SEP_COLS;
      for (size_t b = y; b < e; b++) {
        for (uint32_t k = 0; k < tap[b].n; k++) part[k] = ring_row(ring, L.stride, (tap[b].start + k) % cap) + x0;
        column_pass(j, simd, part, (uint32_t)b, cnt, acc + (b - y) * dstf + x0);
      }
    }
    for (size_t b = y; b < e; b++) sink_row(j, simd, acc + (b - y) * dstf, b);
    if (pw__img_tick(&tick, e - y)) break;
  }
stop:
  pw__img_tick_end(&tick);
  free(block);
}

/*
 * Output rows [y0, y1). Rows first (the usual order): sep_rows_first.
 * Columns first: the ring holds source rows as floats (sw pixels), tmp
 * the column sums of an output row (sw pixels), acc its row-filtered
 * pixels. Either way a source row enters the ring once per chunk.
 */
static void sep_chunk(void *p, size_t y0, size_t y1) {
  sep_ctx *c = p;
  if (!c->vfirst) {
    sep_rows_first(c, y0, y1);
    return;
  }
  const pw__img_sep *j = c->job;
  const uint32_t cap = j->yt->max_n;
  const size_t srcf = (size_t)j->sw * j->channels, dstf = (size_t)j->dw * j->channels;
  const int simd = pw__img_simd(j->flags);
  /* tmp, acc, the ring and the row pointers in one block (see sep_plan) */
  sep_layout L = {0, 0, 0, 0, 0, 0};
  unsigned char *block = sep_block(c, srcf * sizeof(float), dstf * sizeof(float), srcf * sizeof(float), cap, cap, &L);
  if (block == NULL) return;
  float *tmp = (float *)block, *acc = (float *)(block + L.acc), *ring = (float *)(block + L.ring);
  const float **rows = (const float **)(void *)(block + L.rows);
  uint32_t hi = 0; /* the ring holds the rows below hi (the last cap of them) */
  int any = 0;
  pw__img_ticker tick = pw__img_ticker_for(j->dh, dstf, 0);
  /* one output row may read thousands of source rows (3000 rows to 1: a
     column sum of 3000 taps over the whole width): a look at the abort
     flag between source rows and between blocks of columns too */
  for (size_t y = y0; y < y1; y++) {
    const pw__img_tap tp = j->yt->tap[y];
    if (!any || hi < tp.start) hi = tp.start, any = 1;
    for (; hi < tp.start + tp.n; hi++) {
      if (pw_cancelled()) goto stop;
      src_row(j, simd, hi, ring_row(ring, L.stride, hi % cap));
    }
    for (size_t x0 = 0; x0 < srcf; x0 += SEP_COLS) {
      if (pw_cancelled()) goto stop;
      const size_t cnt = srcf - x0 < SEP_COLS ? srcf - x0 : SEP_COLS;
      for (uint32_t k = 0; k < tp.n; k++) rows[k] = ring_row(ring, L.stride, (tp.start + k) % cap) + x0;
      column_pass(j, simd, rows, (uint32_t)y, cnt, tmp + x0);
    }
    row_pass(j, simd, tmp, acc);
    sink_row(j, simd, acc, y);
    if (pw__img_tick(&tick, 1)) break;
  }
stop:
  pw__img_tick_end(&tick);
  free(block);
}

/*
 * Rows first or columns first: whichever costs less. Rows first
 * row-filters every source row to dw pixels (sh dw xn multiply-adds) and
 * then sums columns of dw pixels for every output row (dh dw yn); columns
 * first sums columns of sw pixels for every output row (dh sw yn) and then
 * row-filters one row per output row (dh dw xn). A multiply-add of the
 * row filter costs about SEP_ROW_COST of the column filter's (each output
 * pixel has taps of its own there, where a column sum runs along whole
 * rows): fitted to one-thread CPU times of both orders on 4000x3000
 * pictures (2026-12-04, native and wasm; `make bench-image` and variants
 * forced to each order), whose choices it all predicts: columns first
 * took Lanczos-3 to 1/4 from 40 to 34 ms (wasm; native 37 -> 32), to 1/2
 * 53 -> 48, to 4/5 70 -> 66, to 1/8 37 -> 28, Mitchell to 1/2 41 -> 36,
 * the height alone to 1/4 51 -> 36, while rows first stayed faster for
 * Catmull-Rom x2 (49 against 61) and the width alone to 1/4 (40 against
 * 42). Columns first also filters less again at the chunks' edges: a
 * chunk's halo rows are only converted to floats again, not row-filtered,
 * so threads scale better. For a resize that widens and shortens
 * (1 x 50000 to 5000 x 5) rows first would filter every source row to
 * the full new width and keep yn such rows in its ring: millions of times
 * the work and gigabytes of memory. The choice depends on the sizes and
 * filters only (never the thread count), so every run gives the same
 * bytes; a tie (blur, sharpen: the same filter both ways, sw = dw) keeps
 * rows first.
 *
 * Columns first keeps yn source rows (sw pixels) in its ring, rows first
 * yn output rows (dw pixels), and the column pass reads the whole ring
 * for every output row. Where a shrink is strong and the source wide,
 * that ring leaves the caches: 20000x3000 to 1000x150 (Lanczos-3, a
 * 39 MB ring) took 618 ms columns first against 203 rows first, 20000x3000
 * to 200x30 (192 MB) 692 against 222, where 8000x6000 to 500x375 (12 MB)
 * still took 137 against 160 (native, one thread, 2026-12-04). So the
 * weighed rule holds for rings up to SEP_COLS_RING bytes, and beyond, the
 * plain count of multiply-adds decides, columns first only where it saves
 * a quarter of them (which keeps the 1 x 50000 case above).
 */
#define SEP_ROW_COST 1.5
#define SEP_COLS_RING ((double)(4u << 20))
static int columns_first(const pw__img_sep *j) {
  double xn = j->xt->max_n, yn = j->yt->max_n;
  double rows_h = (double)j->sh * j->dw * xn, rows_v = (double)j->dh * j->dw * yn;
  double cols_v = (double)j->dh * j->sw * yn, cols_h = (double)j->dh * j->dw * xn;
  if (yn * j->sw * j->channels * sizeof(float) > SEP_COLS_RING) return cols_v + cols_h < 0.75 * (rows_h + rows_v);
  return cols_v + SEP_ROW_COST * cols_h < SEP_ROW_COST * rows_h + rows_v;
}

/*
 * Output rows per chunk. A chunk of r output rows reads about r sh / dh
 * source rows and a halo of yn more that the chunk before it reads too,
 * filtered again. Up to 4 chunks a thread (the threads even out their
 * loads), as long as the halo stays within 1/12 of a chunk's own source
 * rows, and never fewer chunks than threads, in whole rounds of threads.
 * A blur of sigma 20 (yn 121) of 2000 rows had taken 8 chunks on two
 * threads, a halo of half of each chunk's 250 rows, and 4 on one: two
 * threads did 11% more work than one and scaled 1.78x. The chunks
 * depend on the thread count; the bytes do not (each output row is
 * computed the same way in any chunk).
 */
static size_t sep_grain(const pw__img_sep *j) {
  const size_t conc = (size_t)pw_concurrency(), most = 4 * conc;
  /* r >= 12 yn dh / sh keeps the halo within 1/12; m chunks of that size fit */
  const double m = (double)j->sh / (12.0 * (double)j->yt->max_n);
  size_t chunks = m >= (double)most ? most : m < (double)conc ? conc : (size_t)m / conc * conc;
  size_t grain = pw_chunks(j->dh, chunks);
  return grain < 16 ? 16 : grain;
}

pw_status pw__img_separable_rows(const pw__img_sep *job, uint32_t y0, uint32_t y1) {
  sep_ctx c = {job, 0, 0, 1};
  if (y0 < y1) sep_rows_first(&c, y0, y1);
  if (atomic_load(&c.failed)) return PW_ENOMEM;
  return pw_cancelled() ? PW_ECANCELED : PW_OK; /* (the rows may have stopped early) */
}

pw_status pw__img_separable(const pw__img_sep *job) {
  sep_ctx c = {job, columns_first(job), 0, 0};
  pw_status s = pw_parallel_for(job->dh, sep_grain(job), sep_chunk, &c);
  if (s != PW_OK) return s;
  if (atomic_load(&c.failed)) return pw_fail(PW_ENOMEM, "out of memory for filter rows");
  return PW_OK;
}
