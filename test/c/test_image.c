/*
 * test_image.c — tests of the image kernels (include/parawasm/image.h)
 * against simple references written here, independently of the kernels:
 *
 *   - resize, Gaussian blur, unsharp mask, convolve, composite and the
 *     colour matrix against double-precision references that follow the
 *     documented definitions literally (every source pixel visited,
 *     clamped indices, no shared code with the kernels): at most 1 apart
 *     per channel;
 *   - box blur, greyscale, invert, threshold, (un)premultiply, the table
 *     operations, geometry, histograms and statistics exactly;
 *   - edge cases: 1x1, 1xN, Nx1, odd sizes, sigma 0 and huge, resizing to
 *     1x1 and up 100x, transparent pixels (no colour bleeding);
 *   - every kernel: the same bytes in place and not, with the SIMD and the
 *     portable path (wasm builds), and, with the fake pool, for 1 and 4
 *     threads with chunks run in a scrambled order;
 *   - bad input: the status and the message (read from a task record, as
 *     JS reads it);
 *   - codecs: PNGs written here by a small independent encoder (stored
 *     deflate blocks, CRC and Adler written here) in several colour types
 *     decode to their pixels exactly; PNG and JPEG round trips; every
 *     truncation and many corruptions of a PNG and a JPEG fail with
 *     PW_EFORMAT (under ASan in the sanitized build) and never crash.
 *
 * Random inputs come from a fixed-seed splitmix64 (testlib.h).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parawasm.h"
#include "parawasm/image.h"
#include "runtime.h"

#include "../../src/kernels/image/image_internal.h"
#include "testlib.h"

#ifdef PW_TEST_FAKE_POOL
#define SET_THREADS(n) (fake_threads = (n))
/* chunks of any size (TINY_CHUNKS), or no smaller than the kernels' least work (0) */
#define TINY_CHUNKS 20u
#define SET_MIN_CHUNK(shift) (pw__img_min_chunk_shift = (shift))
#else
#define SET_THREADS(n) ((void)0)
#define TINY_CHUNKS 0u
#define SET_MIN_CHUNK(shift) ((void)0)
#endif

/* ---------------------------------------------------------------------- */
/* Images                                                                 */
/* ---------------------------------------------------------------------- */

typedef struct {
  uint32_t w, h;
  unsigned ch;
  uint8_t *px;
} img;

static img img_new(uint32_t w, uint32_t h, unsigned ch) {
  img m = {w, h, ch, xmalloc((size_t)w * h * ch)};
  memset(m.px, 0, (size_t)w * h * ch);
  return m;
}

static size_t img_len(const img *m) { return (size_t)m->w * m->h * m->ch; }

/* Random pixels; alpha mode: 0 random, 1 opaque, 2 a third transparent (random colours), a third opaque. */
static img img_random(uint32_t w, uint32_t h, unsigned ch, int alpha, uint64_t seed) {
  img m = img_new(w, h, ch);
  fill_random(m.px, img_len(&m), seed);
  if (ch == 4) {
    uint64_t s = seed ^ 0x5555;
    for (size_t i = 0; i < (size_t)w * h; i++) {
      uint8_t *p = m.px + 4 * i;
      if (alpha == 1) p[3] = 255;
      else if (alpha == 2) {
        uint64_t r = below(&s, 3);
        p[3] = r == 0 ? 0 : r == 1 ? 255 : p[3];
      }
    }
  }
  return m;
}

/* A smooth image (gradients and a soft disc): compresses like a photo. */
static img img_smooth(uint32_t w, uint32_t h, unsigned ch) {
  img m = img_new(w, h, ch);
  for (uint32_t y = 0; y < h; y++)
    for (uint32_t x = 0; x < w; x++) {
      double dx = x - w / 2.0, dy = y - h / 2.0, d = sqrt(dx * dx + dy * dy);
      uint8_t v[4] = {(uint8_t)(255.0 * x / (w > 1 ? w - 1 : 1)), (uint8_t)(255.0 * y / (h > 1 ? h - 1 : 1)),
                      (uint8_t)(d < w / 3.0 ? 200 : 40), 255};
      memcpy(m.px + ((size_t)y * w + x) * ch, ch == 4 ? v : v + 1, ch);
    }
  return m;
}

static void img_free(img *m) {
  free(m->px);
  m->px = NULL;
}

/* Largest difference of two buffers; *at gets its index. */
static int max_diff(const uint8_t *a, const uint8_t *b, size_t n, size_t *at) {
  int m = 0;
  for (size_t i = 0; i < n; i++) {
    int d = abs((int)a[i] - (int)b[i]);
    if (d > m) m = d, *at = i;
  }
  return m;
}

/*
 * Compares RGBA results with a reference: alpha within tol; colours within
 * tol where both alphas are nonzero (a pixel whose alpha rounds to 0 on one
 * side only is 0,0,0,0 there and may differ in colour).
 */
static int rgba_close(const uint8_t *got, const uint8_t *want, size_t pixels, int tol, size_t *at) {
  for (size_t i = 0; i < pixels; i++) {
    const uint8_t *g = got + 4 * i, *w = want + 4 * i;
    if (abs(g[3] - w[3]) > tol) return *at = 4 * i + 3, 0;
    if (g[3] == 0 || w[3] == 0) {
      if (g[3] == 0 && (g[0] | g[1] | g[2])) return *at = 4 * i, 0; /* alpha 0 must be 0,0,0,0 */
      continue;
    }
    for (int c = 0; c < 3; c++)
      if (abs(g[c] - w[c]) > tol) return *at = 4 * i + c, 0;
  }
  return 1;
}

/* ---------------------------------------------------------------------- */
/* Calling the kernels in every variant                                   */
/* ---------------------------------------------------------------------- */

enum { K_RESIZE, K_BLUR, K_UNSHARP, K_BOX, K_CONVOLVE, K_GREYSCALE, K_COMPOSITE, K_MATRIX, K_PREMUL };

typedef struct {
  int kind;
  img src;
  uint32_t dw, dh, filter, radius;
  float sigma, amount, threshold;
  const float *kernel;
  uint32_t kw, kh;
  float divisor, bias;
  const float *matrix;
  img overlay;
  int32_t left, top;
  float opacity;
  unsigned flags; /* internal flags added to every variant's (PW__IMG_FLOAT) */
} op;

/* Runs op into dst (dst_len bytes; src is copied into dst first for in-place runs). */
static pw_status run_op(const op *o, uint8_t *dst, unsigned flags, int in_place) {
  const uint8_t *src = o->src.px;
  flags |= o->flags;
  if (in_place) {
    memcpy(dst, o->src.px, img_len(&o->src));
    src = dst;
  }
  switch (o->kind) {
  case K_RESIZE:
    return pw__image_resize(src, o->src.w, o->src.h, dst, o->dw, o->dh, o->filter, o->src.ch, flags);
  case K_BLUR: return pw__image_blur(src, dst, o->src.w, o->src.h, o->sigma, o->src.ch, flags);
  case K_UNSHARP:
    return pw__image_unsharp(src, dst, o->src.w, o->src.h, o->sigma, o->amount, o->threshold, o->src.ch, flags);
  case K_BOX:
    return o->src.ch == 4 ? pw_image_box_blur(src, dst, o->src.w, o->src.h, o->radius)
                          : pw_image_box_blur_grey(src, dst, o->src.w, o->src.h, o->radius);
  case K_CONVOLVE:
    return pw__image_convolve(src, dst, o->src.w, o->src.h, o->kernel, o->kw, o->kh, o->divisor, o->bias,
                              o->src.ch, flags);
  case K_GREYSCALE: return pw__image_greyscale(src, dst, o->src.w, o->src.h, flags);
  case K_COMPOSITE:
    if (!in_place) memcpy(dst, o->src.px, img_len(&o->src));
    return pw__image_composite(dst, o->src.w, o->src.h, o->overlay.px, o->overlay.w, o->overlay.h, o->left,
                               o->top, o->opacity, flags);
  case K_MATRIX: return pw__image_color_matrix(src, dst, o->src.w, o->src.h, o->matrix, flags);
  case K_PREMUL: return pw__image_premultiply(src, dst, o->src.w, o->src.h, flags);
  }
  return PW_EINVAL;
}

/*
 * Runs op in every variant (threads 4 and 1 with the fake pool, chunks of
 * any size and of the kernels' least work, SIMD and portable, in place
 * when the kernel allows it) and checks that they agree byte for byte.
 * Returns the result (malloc'd, dst_len bytes).
 */
static uint8_t *run_all(const char *name, const op *o, size_t dst_len, int may_in_place) {
  uint8_t *first = xmalloc(dst_len), *other = xmalloc(dst_len);
  SET_THREADS(4);
  pw_status s = run_op(o, first, 0, 0);
  CHECK(s == PW_OK, "%s: status %d", name, s);
  struct {
    int threads;
    unsigned flags;
    int in_place;
    unsigned min_chunk_shift;
  } v[] = {{1, 0, 0, TINY_CHUNKS}, {4, PW__IMG_PORTABLE, 0, TINY_CHUNKS}, {3, 0, 1, TINY_CHUNKS},
           {1, PW__IMG_PORTABLE, 1, TINY_CHUNKS}, {4, 0, 0, 0}, {3, 0, 1, 0}};
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
    if (v[i].in_place && !may_in_place) continue;
    SET_THREADS(v[i].threads);
    SET_MIN_CHUNK(v[i].min_chunk_shift);
    memset(other, 0xa5, dst_len);
    s = run_op(o, other, v[i].flags, v[i].in_place);
    size_t at = 0;
    int d = max_diff(first, other, dst_len, &at);
    CHECK(s == PW_OK && d == 0, "%s (%ux%u): variant threads %d flags %u in place %d least chunk >> %u differs by %d at %zu",
          name, o->src.w, o->src.h, v[i].threads, v[i].flags, v[i].in_place, v[i].min_chunk_shift, d, at);
  }
  SET_THREADS(4);
  SET_MIN_CHUNK(TINY_CHUNKS);
  free(other);
  return first;
}

/* ---------------------------------------------------------------------- */
/* References                                                             */
/* ---------------------------------------------------------------------- */

static const double PI = 3.14159265358979323846;

static double ref_kernel(uint32_t filter, double t) {
  t = fabs(t);
  switch (filter) {
  case PW_IMAGE_BILINEAR: return t < 1 ? 1 - t : 0;
  case PW_IMAGE_CATMULL_ROM: /* Keys cubic, a = -0.5 */
    if (t < 1) return 1.5 * t * t * t - 2.5 * t * t + 1;
    if (t < 2) return -0.5 * t * t * t + 2.5 * t * t - 4 * t + 2;
    return 0;
  case PW_IMAGE_MITCHELL: /* B = C = 1/3, written out */
    if (t < 1) return (7.0 * t * t * t - 12.0 * t * t + 16.0 / 3.0) / 6.0;
    if (t < 2) return (-7.0 / 3.0 * t * t * t + 12.0 * t * t - 20.0 * t + 32.0 / 3.0) / 6.0;
    return 0;
  case PW_IMAGE_LANCZOS3:
    if (t == 0) return 1;
    if (t >= 3) return 0;
    return 3.0 * sin(PI * t) * sin(PI * t / 3.0) / (PI * PI * t * t);
  }
  return 0;
}

/* weights[o * n + i]: weight of source pixel i for output pixel o (rows normalised). */
static double *ref_resize_weights(uint32_t n, uint32_t out, uint32_t filter) {
  double *w = xmalloc((size_t)n * out * sizeof *w);
  double scale = (double)n / out, s = scale > 1 ? scale : 1;
  if (n == out) { /* a side that keeps its size is not filtered (image.h) */
    memset(w, 0, (size_t)n * out * sizeof *w);
    for (uint32_t o = 0; o < out; o++) w[(size_t)o * n + o] = 1.0;
    return w;
  }
  for (uint32_t o = 0; o < out; o++) {
    double centre = (o + 0.5) * scale, sum = 0;
    for (uint32_t i = 0; i < n; i++) sum += w[(size_t)o * n + i] = ref_kernel(filter, (i + 0.5 - centre) / s);
    for (uint32_t i = 0; i < n; i++) w[(size_t)o * n + i] /= sum;
  }
  return w;
}

/* Gaussian weights: w[o * n + i] with clamped edges, |k| <= ceil(3 sigma). */
static double *ref_gauss_weights(uint32_t n, double sigma) {
  double *w = xmalloc((size_t)n * n * sizeof *w);
  memset(w, 0, (size_t)n * n * sizeof *w);
  long r = (long)ceil(3 * sigma);
  if (r < 1) r = 1;
  double z = 0;
  for (long k = -r; k <= r; k++) z += exp(-(double)k * k / (2 * sigma * sigma));
  for (uint32_t o = 0; o < n; o++)
    for (long k = -r; k <= r; k++) {
      long i = (long)o + k;
      i = i < 0 ? 0 : i >= (long)n ? (long)n - 1 : i;
      w[(size_t)o * n + (size_t)i] += exp(-(double)k * k / (2 * sigma * sigma)) / z;
    }
  return w;
}

/* Separable filtering in double: out (dw x dh x ch) premultiplied-unnormalised sums. */
static double *ref_separable(const img *m, const double *wx, uint32_t dw, const double *wy, uint32_t dh) {
  const unsigned ch = m->ch;
  double *tmp = xmalloc((size_t)m->h * dw * ch * sizeof *tmp);
  double *out = xmalloc((size_t)dh * dw * ch * sizeof *out);
  for (uint32_t y = 0; y < m->h; y++)
    for (uint32_t x = 0; x < dw; x++) {
      double acc[4] = {0, 0, 0, 0};
      for (uint32_t i = 0; i < m->w; i++) {
        double wt = wx[(size_t)x * m->w + i];
        if (wt == 0) continue;
        const uint8_t *p = m->px + ((size_t)y * m->w + i) * ch;
        if (ch == 4)
          for (int c = 0; c < 4; c++) acc[c] += wt * (c < 3 ? (double)p[c] * p[3] : p[3]);
        else
          acc[0] += wt * p[0];
      }
      memcpy(tmp + ((size_t)y * dw + x) * ch, acc, ch * sizeof(double));
    }
  for (uint32_t y = 0; y < dh; y++)
    for (size_t x = 0; x < (size_t)dw * ch; x++) {
      double acc = 0;
      for (uint32_t j = 0; j < m->h; j++) acc += wy[(size_t)y * m->h + j] * tmp[(size_t)j * dw * ch + x];
      out[(size_t)y * dw * ch + x] = acc;
    }
  free(tmp);
  return out;
}

static uint8_t ref_round(double v) { return v <= 0 ? 0 : v >= 255 ? 255 : (uint8_t)floor(v + 0.5); }

/* Rounds filtered sums to pixels as the definition says. */
static void ref_to_pixels(const double *acc, size_t pixels, unsigned ch, uint8_t *out) {
  for (size_t i = 0; i < pixels; i++) {
    if (ch == 1) {
      out[i] = ref_round(acc[i]);
      continue;
    }
    const double *a = acc + 4 * i;
    uint8_t al = ref_round(a[3]);
    uint8_t *o = out + 4 * i;
    if (al == 0) {
      o[0] = o[1] = o[2] = o[3] = 0;
      continue;
    }
    for (int c = 0; c < 3; c++) o[c] = ref_round(a[c] / a[3]);
    o[3] = al;
  }
}

static uint8_t *ref_resize(const img *m, uint32_t dw, uint32_t dh, uint32_t filter) {
  uint8_t *out = xmalloc((size_t)dw * dh * m->ch);
  if (filter == PW_IMAGE_NEAREST || (dw == m->w && dh == m->h)) { /* the same size: a copy (image.h) */
    for (uint32_t y = 0; y < dh; y++)
      for (uint32_t x = 0; x < dw; x++) {
        uint32_t sx = (uint32_t)floor((x + 0.5) * m->w / dw), sy = (uint32_t)floor((y + 0.5) * m->h / dh);
        memcpy(out + ((size_t)y * dw + x) * m->ch, m->px + ((size_t)sy * m->w + sx) * m->ch, m->ch);
      }
    return out;
  }
  double *wx = ref_resize_weights(m->w, dw, filter), *wy = ref_resize_weights(m->h, dh, filter);
  double *acc = ref_separable(m, wx, dw, wy, dh);
  ref_to_pixels(acc, (size_t)dw * dh, m->ch, out);
  free(wx);
  free(wy);
  free(acc);
  return out;
}

/* Gaussian blur sums (unrounded), for blur and unsharp. */
static double *ref_gauss_acc(const img *m, double sigma) {
  double *wx = ref_gauss_weights(m->w, sigma), *wy = ref_gauss_weights(m->h, sigma);
  double *acc = ref_separable(m, wx, m->w, wy, m->h);
  free(wx);
  free(wy);
  return acc;
}

/* ---------------------------------------------------------------------- */
/* Resize                                                                 */
/* ---------------------------------------------------------------------- */

static void test_resize(void) {
  static const uint32_t sizes[][4] = {
      {1, 1, 1, 1},   {1, 1, 5, 3},    {1, 9, 4, 2},    {9, 1, 2, 4},   {37, 23, 37, 23}, {37, 23, 13, 7},
      {64, 48, 1, 1}, {97, 61, 30, 19}, {3, 2, 300, 200}, {5, 7, 11, 13}, {40, 30, 41, 29}, {200, 3, 7, 3},
      /* wider and much shorter: the engine sums columns first (separable.c, columns_first) */
      {2, 300, 40, 5}, {1, 500, 60, 2},   {7, 120, 90, 11}, {30, 200, 45, 20},
  };
  for (size_t t = 0; t < sizeof sizes / sizeof sizes[0]; t++) {
    for (unsigned ch = 1; ch <= 4; ch += 3) {
      for (uint32_t f = 0; f <= PW_IMAGE_LANCZOS3; f++) {
        img m = img_random(sizes[t][0], sizes[t][1], ch, (int)(t % 3), 100 + t);
        op o = {.kind = K_RESIZE, .src = m, .dw = sizes[t][2], .dh = sizes[t][3], .filter = f};
        size_t n = (size_t)o.dw * o.dh * ch;
        char name[64];
        snprintf(name, sizeof name, "resize ch%u filter %u", ch, f);
        uint8_t *got = run_all(name, &o, n, 0);
        uint8_t *want = ref_resize(&m, o.dw, o.dh, f);
        size_t at = 0;
        int ok = f == PW_IMAGE_NEAREST ? max_diff(got, want, n, &at) == 0
                 : ch == 4              ? rgba_close(got, want, n / 4, 1, &at)
                                        : max_diff(got, want, n, &at) <= 1;
        CHECK(ok, "%s %ux%u -> %ux%u: byte %zu is %d, reference %d", name, m.w, m.h, o.dw, o.dh, at, got[at],
              want[at]);
        /* the public kernels give the same bytes */
        uint8_t *pub = xmalloc(n);
        pw_status s = ch == 4 ? pw_image_resize(m.px, m.w, m.h, pub, o.dw, o.dh, f)
                              : pw_image_resize_grey(m.px, m.w, m.h, pub, o.dw, o.dh, f);
        CHECK(s == PW_OK && memcmp(pub, got, n) == 0, "%s: public kernel differs", name);
        free(pub);
        free(got);
        free(want);
        img_free(&m);
      }
    }
  }
  /* the same size, any filter (Mitchell too, which does not interpolate):
     a copy, transparent pixels' colours included */
  img m = img_random(31, 17, 4, 2, 7);
  uint8_t *out = xmalloc(img_len(&m));
  for (uint32_t f = PW_IMAGE_NEAREST; f <= PW_IMAGE_LANCZOS3; f++) {
    CHECK(pw_image_resize(m.px, m.w, m.h, out, m.w, m.h, f) == PW_OK, "identity resize");
    CHECK(memcmp(m.px, out, img_len(&m)) == 0, "resize to the same size with filter %u is a copy", f);
  }
  free(out);
  img_free(&m);
}

/* Transparent red next to opaque blue: no red may appear in a visible pixel. */
static void test_no_bleeding(void) {
  img m = img_new(40, 30, 4);
  for (size_t i = 0; i < 40 * 30; i++) {
    uint8_t *p = m.px + 4 * i;
    int left = (i % 40) < 20;
    p[0] = left ? 255 : 0, p[1] = 0, p[2] = left ? 0 : 255, p[3] = left ? 0 : 255;
  }
  uint8_t *out = xmalloc(100 * 100 * 4);
  int bad = 0;
  for (uint32_t f = 0; f <= PW_IMAGE_LANCZOS3; f++) {
    CHECK(pw_image_resize(m.px, 40, 30, out, 100, 77, f) == PW_OK, "resize");
    for (size_t i = 0; i < 100 * 77; i++) bad += out[4 * i] != 0 && out[4 * i + 3] != 0;
    CHECK(pw_image_resize(m.px, 40, 30, out, 7, 5, f) == PW_OK, "resize");
    for (size_t i = 0; i < 7 * 5; i++) bad += out[4 * i] != 0 && out[4 * i + 3] != 0;
  }
  CHECK(pw_image_blur(m.px, out, 40, 30, 3.0f) == PW_OK, "blur");
  for (size_t i = 0; i < 40 * 30; i++) bad += out[4 * i] != 0;
  CHECK(pw_image_box_blur(m.px, out, 40, 30, 4) == PW_OK, "box blur");
  for (size_t i = 0; i < 40 * 30; i++) bad += out[4 * i] != 0;
  CHECK(pw_image_unsharp(m.px, out, 40, 30, 2.0f, 3.0f, 0.0f) == PW_OK, "unsharp");
  for (size_t i = 0; i < 40 * 30; i++) bad += out[4 * i] != 0 && m.px[4 * i + 3] != 0;
  CHECK(bad == 0, "colour of transparent pixels bled into %d results", bad);
  free(out);
  img_free(&m);
}

/* ---------------------------------------------------------------------- */
/* Blur, box blur, unsharp                                                */
/* ---------------------------------------------------------------------- */

static void test_blur(void) {
  static const struct { uint32_t w, h; float sigma; } cases[] = {
      {1, 1, 1.0f}, {1, 17, 2.0f}, {23, 1, 0.7f}, {37, 23, 0.3f}, {37, 23, 1.5f},  {64, 40, 5.0f},
      {13, 9, 40.0f}, {5, 4, 10000.0f}, {29, 31, 0.0f}, {50, 3, 3.3f}, {2, 2, 0.5f},
  };
  for (size_t t = 0; t < sizeof cases / sizeof cases[0]; t++) {
    for (unsigned ch = 1; ch <= 4; ch += 3) {
      img m = img_random(cases[t].w, cases[t].h, ch, (int)(t % 3), 300 + t);
      op o = {.kind = K_BLUR, .src = m, .sigma = cases[t].sigma};
      size_t n = img_len(&m);
      char name[64];
      snprintf(name, sizeof name, "blur ch%u sigma %g", ch, (double)cases[t].sigma);
      uint8_t *got = run_all(name, &o, n, 1);
      uint8_t *want = xmalloc(n);
      if (cases[t].sigma == 0.0f) {
        memcpy(want, m.px, n);
      } else {
        double *acc = ref_gauss_acc(&m, cases[t].sigma);
        ref_to_pixels(acc, (size_t)m.w * m.h, ch, want);
        free(acc);
      }
      size_t at = 0;
      int ok = ch == 4 && cases[t].sigma != 0.0f ? rgba_close(got, want, n / 4, 1, &at)
                                                 : max_diff(got, want, n, &at) <= (cases[t].sigma == 0.0f ? 0 : 1);
      CHECK(ok, "%s %ux%u: byte %zu is %d, reference %d", name, m.w, m.h, at, got[at], want[at]);
      free(got);
      free(want);
      img_free(&m);
    }
  }
  /* a flat opaque image stays flat under any sigma */
  img flat = img_new(20, 10, 4);
  for (size_t i = 0; i < 200; i++) memcpy(flat.px + 4 * i, "\x12\x34\x56\xff", 4);
  uint8_t *out = xmalloc(800);
  float sig[] = {0.5f, 3.0f, 1000.0f, 100000.0f};
  for (int i = 0; i < 4; i++) {
    CHECK(pw_image_blur(flat.px, out, 20, 10, sig[i]) == PW_OK && memcmp(out, flat.px, 800) == 0,
          "a flat image stays flat (sigma %g)", (double)sig[i]);
  }
  free(out);
  img_free(&flat);
}

/*
 * The fixed-point blur (grey, opaque RGBA, and RGBA with random alpha, the
 * premultiplied plan): every variant alike, and every value within 0.5 +
 * the plan's error bound of the exact filter (with alpha, a colour within
 * 0.5 + cbound / alpha where alpha is not small)
 * (which is tighter than 1 apart after rounding), for sizes around the
 * vector width (16 values), the band height (32 rows) and the chunking;
 * the float engine on the same images within 1 of the reference too. Then
 * the plan itself: the bound is small where it applies, and the float
 * engine takes over where it does not (a large sigma, r not below a side).
 */
static void test_blur_fixed(void) {
  static const struct { uint32_t w, h; float sigma; } cases[] = {
      {16, 16, 0.3f}, {17, 33, 0.8f},  {5, 70, 1.0f},   {64, 40, 1.5f}, {31, 97, 2.5f},
      {100, 65, 5.0f}, {37, 150, 5.0f}, {123, 45, 7.3f}, {90, 90, 14.0f}, {200, 130, 25.0f},
      /* (odd: opaque) r 1 on rows of whole steps of 4 pixels, where the opaque plan's row pass
         stores past the row (into its padding and the room after it) */
      {23, 20, 0.3f}, {20, 23, 0.3f},
  };
  int fixed_cases = 0, alpha_cases = 0;
  for (size_t t = 0; t < sizeof cases / sizeof cases[0]; t++) {
    for (unsigned ch = 1; ch <= 4; ch += 3) {
      img m = img_random(cases[t].w, cases[t].h, ch, ch == 4 && t % 2 == 0 ? 0 : 1, 2300 + t);
      if (ch == 4 && t % 2 == 0) /* alpha 48..255: above the premultiplied plan's min_alpha for most sigmas */
        for (size_t i = 0; i < (size_t)m.w * m.h; i++) m.px[4 * i + 3] = (uint8_t)(48 + m.px[4 * i + 3] % 208);
      if (t % 2) { /* a smooth image for half the cases: values near ties are likelier there */
        img sm = img_smooth(m.w, m.h, ch);
        for (size_t i = 0; i < img_len(&m); i++) m.px[i] = (uint8_t)((sm.px[i] + (m.px[i] & 7)) & 0xff);
        if (ch == 4)
          for (size_t i = 0; i < (size_t)m.w * m.h; i++) m.px[4 * i + 3] = 255;
        img_free(&sm);
      }
      pw__img_gfix g;
      int alpha = ch == 4 && t % 2 == 0; /* alpha below 255: the premultiplied plan, where it holds */
      int plan = pw__img_gfix_plan(&g, cases[t].sigma, m.w, m.h, alpha);
      CHECK(plan >= 0, "gfix plan");
      CHECK(plan <= 0 || g.alpha == alpha, "gfix plan: alpha %d", g.alpha);
      if (plan > 0 && alpha && pw__img_min_alpha(m.px, m.w, m.h, 0) < g.min_alpha) {
        pw__img_gfix_free(&g); /* the float engine runs */
        plan = 0;
      }
      fixed_cases += plan > 0;
      alpha_cases += plan > 0 && alpha;
      size_t n = img_len(&m), px = (size_t)m.w * m.h;
      double *acc = ref_gauss_acc(&m, cases[t].sigma);
      uint8_t *want = xmalloc(n);
      ref_to_pixels(acc, px, ch, want);
      for (unsigned variant = 0; variant < 2; variant++) {
        op o = {.kind = K_BLUR, .src = m, .sigma = cases[t].sigma, .flags = variant ? PW__IMG_FLOAT : 0};
        char name[80];
        snprintf(name, sizeof name, "blur %s ch%u sigma %g", variant ? "float" : "fixed", ch, (double)cases[t].sigma);
        uint8_t *got = run_all(name, &o, n, 1);
        size_t at = 0;
        int ok = ch == 4 ? rgba_close(got, want, px, 1, &at) : max_diff(got, want, n, &at) <= 1;
        CHECK(ok, "%s %ux%u: byte %zu is %d, reference %d", name, m.w, m.h, at, got[at], want[at]);
        if (variant == 0 && plan > 0) {
          /* the bound: g.bound for grey, opaque colour and alpha; with alpha, a colour is within
             g.cbound / alpha' (alpha' >= alpha - g.bound) */
          double worst = 0.0, limit = 0.0;
          size_t checked = 0;
          for (size_t i = 0; i < n; i++) {
            double exact = ch == 4 ? (i % 4 == 3 ? acc[i] : acc[i] / acc[i - i % 4 + 3]) : acc[i];
            double lim = 0.5 + g.bound;
            if (alpha && i % 4 != 3) lim = 0.5 + g.cbound / (acc[i - i % 4 + 3] - g.bound);
            checked++;
            double d = fabs(got[i] - exact) - lim;
            if (checked == 1 || d > worst) worst = d, at = i, limit = lim;
          }
          CHECK(checked == n && worst <= 0.0, "%s %ux%u: byte %zu is %d, %.4f off the exact filter (bound %.4f)",
                name, m.w, m.h, at, got[at], worst + limit, limit);
        }
        free(got);
      }
      pw__img_gfix_free(&g);
      free(acc);
      free(want);
      img_free(&m);
    }
  }
  CHECK(fixed_cases >= 16 && alpha_cases >= 4, "the fixed-point blur ran in %d cases (%d with alpha)", fixed_cases,
        alpha_cases);
  /* the plan: a small bound for common sigmas; the float engine beyond */
  pw__img_gfix g;
  float small[] = {0.01f, 0.5f, 1.0f, 2.0f, 5.0f, 10.0f};
  for (int i = 0; i < 6; i++) {
    CHECK(pw__img_gfix_plan(&g, small[i], 4000, 3000, 0) == 1 && g.bound < 0.1, "gfix plan sigma %g: bound %g",
          (double)small[i], g.bound);
    pw__img_gfix_free(&g);
  }
  CHECK(pw__img_gfix_plan(&g, 5.0f, 15, 3000, 0) == 0, "gfix plan: r 15 on a side of 15");
  CHECK(pw__img_gfix_plan(&g, 5.0f, 3000, 16, 0) == 1, "gfix plan: r 15 on a side of 16");
  pw__img_gfix_free(&g);
  CHECK(pw__img_gfix_plan(&g, 90.0f, 4000, 3000, 0) == 0, "gfix plan sigma 90");
}

/*
 * Blurs the RGBA picture m in every variant (run_all) and checks each
 * result within 1 of the double-precision reference; returns the result,
 * and in *acc (if not NULL) the reference's sums. The caller frees both.
 */
static uint8_t *blur_checked(const char *name, const img *m, float sigma, double **acc) {
  op o = {.kind = K_BLUR, .src = *m, .sigma = sigma};
  size_t n = img_len(m), px = (size_t)m->w * m->h, at = 0;
  uint8_t *got = run_all(name, &o, n, 1);
  double *sums = ref_gauss_acc(m, sigma);
  uint8_t *want = xmalloc(n);
  ref_to_pixels(sums, px, 4, want);
  CHECK(rgba_close(got, want, px, 1, &at), "%s %ux%u: byte %zu is %d, reference %d", name, m->w, m->h, at, got[at],
        want[at]);
  free(want);
  if (acc != NULL) *acc = sums;
  else free(sums);
  return got;
}

/*
 * Blur where alpha gets small. The premultiplied fixed-point plan holds
 * for pictures whose every alpha is at least its min_alpha (a small
 * blurred alpha would multiply its colour errors up): pictures at exactly
 * that alpha (the worst case of its bound), and that alpha in stripes with
 * opaque ones, take it; transparent pictures (random colours under alpha
 * 0) with an opaque disc and a faint square, and a lone opaque pixel, take
 * the float engine (no colour may bleed from transparent pixels). Every
 * variant alike (SIMD and portable, thread counts, in place) and within 1
 * of the reference; min_alpha stays small for common sigmas.
 */
static void test_blur_alpha_small(void) {
  static const float sigmas[] = {0.7f, 2.5f, 5.0f, 9.0f};
  for (size_t t = 0; t < sizeof sigmas / sizeof sigmas[0]; t++) {
    pw__img_gfix g;
    CHECK(pw__img_gfix_plan(&g, sigmas[t], 67, 45, 1) == 1, "gfix alpha plan sigma %g", (double)sigmas[t]);
    const unsigned least = g.min_alpha;
    CHECK(least >= 1 && least <= (sigmas[t] <= 5.0f ? 24u : 40u), "gfix alpha plan sigma %g: min_alpha %u",
          (double)sigmas[t], least);
    pw__img_gfix_free(&g);
    for (int kind = 0; kind < 4; kind++) {
      const uint32_t w = 67, h = 45;
      img m = img_random(w, h, 4, 0, 7100 + (uint64_t)kind);
      for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++) {
          uint8_t *p = m.px + ((size_t)y * w + x) * 4;
          double dx = x - 30.0, dy = y - 20.0;
          switch (kind) {
          case 0: p[3] = (uint8_t)least; break;
          case 1: p[3] = (x / 5) % 2 ? (uint8_t)least : 255; break;
          case 2: p[3] = dx * dx + dy * dy < 144.0 ? 255 : (x > 50 && y > 30) ? 40 : 0; break;
          default: p[3] = x == 20 && y == 20 ? 255 : 0; break;
          }
        }
      CHECK(pw__img_min_alpha(m.px, w, h, 0) == (kind < 2 ? least : 0), "min alpha of picture %d", kind);
      char name[64];
      snprintf(name, sizeof name, "blur small alpha %d sigma %g", kind, (double)sigmas[t]);
      free(blur_checked(name, &m, sigmas[t], NULL));
      img_free(&m);
    }
  }
}

/*
 * Pictures with transparent parts (blur.c, hybrid_blur): the fixed-point
 * engine where every alpha within reach is at least min_alpha or every
 * one is 0, the float engine in windows over the fringes. Each result
 * within 1 of the double-precision reference, every variant alike; and
 * for sigma up to 3 the fixed-point engine must have been used
 * (the bytes differ from the float engine's somewhere), so these
 * pictures test the hybrid and not the float engine alone. The same for
 * the unsharp mask of threshold 0 (amounts 0.6 and 2).
 */
static void test_blur_hybrid(void) {
  static const float sigmas[] = {0.8f, 3.0f, 9.0f};
  for (int kind = 0; kind < 3; kind++) {
    const uint32_t w = kind == 1 ? 645 : 563, h = kind == 1 ? 97 : 361;
    img m = img_random(w, h, 4, 0, 8300 + (uint64_t)kind);
    for (uint32_t y = 0; y < h; y++)
      for (uint32_t x = 0; x < w; x++) {
        uint8_t *p = m.px + ((size_t)y * w + x) * 4;
        double d; /* signed distance to the shape's edge, negative inside */
        if (kind == 0) d = sqrt((x - 281.5) * (x - 281.5) + (y - 180.0) * (y - 180.0)) - 100.0; /* a disc */
        else if (kind == 1) d = x - 333.0;                                                /* the left part */
        else d = fmax(fabs(x - 280.0) - 130.0, fabs(y - 180.0) - 90.0);                  /* a box */
        /* an edge of every alpha (antialiased); inside the box: stripes of 255 and 200, and alphas 1-2 */
        int a = d < -2.0 ? 255 : d > 2.0 ? 0 : (int)lround(255.0 * (2.0 - d) / 4.0);
        if (kind == 2 && d < -2.0 && (x / 7) % 3 == 0) a = 200;
        if (kind == 2 && d < -2.0 && x >= 300 && x < 330) { /* faint, away from the clear: colours the */
          a = 1 + (int)(y % 2);                                /* fixed-point engine would miss by 2 */
          p[0] = 2, p[1] = 130, p[2] = 254;
        }
        p[3] = (uint8_t)a;
        if (a == 0 && (x + y) % 5 == 0) p[0] = p[1] = p[2] = 0; /* transparent pixels of either colour */
      }
    for (size_t t = 0; t < sizeof sigmas / sizeof sigmas[0]; t++) {
      char name[64];
      snprintf(name, sizeof name, "blur hybrid picture %d sigma %g", kind, (double)sigmas[t]);
      size_t n = img_len(&m), at = 0;
      double *acc;
      uint8_t *got = blur_checked(name, &m, sigmas[t], &acc), *flt = xmalloc(n);
      CHECK(pw__image_blur(m.px, flt, w, h, sigmas[t], 4, PW__IMG_FLOAT) == PW_OK, "%s: float engine", name);
      if (sigmas[t] <= 3.0f)
        CHECK(max_diff(got, flt, n, &at) > 0, "%s: the same bytes as the float engine (no fixed-point part)", name);
      /* the unsharp mask of threshold 0 takes the same path; a pixel of alpha 0 keeps its bytes */
      for (int k = 0; k < 2 && sigmas[t] <= 3.0f; k++) {
        const float amount = k ? 2.0f : 0.6f;
        snprintf(name, sizeof name, "unsharp hybrid picture %d sigma %g amount %g", kind, (double)sigmas[t],
                 (double)amount);
        op u = {.kind = K_UNSHARP, .src = m, .sigma = sigmas[t], .amount = amount};
        uint8_t *sharp = run_all(name, &u, n, 1);
        int worst = 0;
        for (size_t i = 0; i < n; i++) {
          const uint8_t *o = m.px + (i - i % 4);
          int ref = o[3] == 0 || i % 4 == 3 ? m.px[i]
                                            : ref_round(m.px[i] + amount * (m.px[i] - acc[i] / acc[i - i % 4 + 3]));
          int d = abs(ref - sharp[i]) + (o[3] == 0 || i % 4 == 3 ? 2 * abs(ref - sharp[i]) : 0);
          if (d > worst) worst = d, at = i;
        }
        CHECK(worst <= 1, "%s: byte %zu is %d, source %d (alpha %d), off by %d (alpha-0 pixels and alpha count 3x)",
              name, at, sharp[at], m.px[at], m.px[at - at % 4 + 3], worst);
        CHECK(pw__image_unsharp(m.px, flt, w, h, sigmas[t], amount, 0.0f, 4, PW__IMG_FLOAT) == PW_OK, "%s: float", name);
        if (k == 0)
          CHECK(max_diff(sharp, flt, n, &at) > 0, "%s: the same bytes as the float engine (no fixed-point part)", name);
        free(sharp);
      }
      free(acc);
      free(flt);
      free(got);
    }
    img_free(&m);
  }
}

/* Exact box blur reference: window sums by brute force, rows then columns (the sums are separable). */
static void ref_box(const img *m, uint32_t r, uint8_t *out) {
  const long W = m->w, H = m->h, R = r;
  const unsigned ch = m->ch;
  const uint64_t area = (uint64_t)(2 * R + 1) * (uint64_t)(2 * R + 1);
  uint64_t *rs = xmalloc((size_t)W * H * 4 * sizeof *rs);
  for (long y = 0; y < H; y++)
    for (long x = 0; x < W; x++)
      for (unsigned c = 0; c < ch; c++) {
        uint64_t s = 0;
        for (long dx = -R; dx <= R; dx++) {
          long sx = x + dx < 0 ? 0 : x + dx >= W ? W - 1 : x + dx;
          const uint8_t *p = m->px + ((size_t)y * W + (size_t)sx) * ch;
          s += ch == 1 ? p[0] : c < 3 ? (uint64_t)p[c] * p[3] : p[3];
        }
        rs[((size_t)y * W + (size_t)x) * 4 + c] = s;
      }
  for (long y = 0; y < H; y++)
    for (long x = 0; x < W; x++) {
      uint64_t s[4] = {0, 0, 0, 0};
      for (long dy = -R; dy <= R; dy++) {
        long sy = y + dy < 0 ? 0 : y + dy >= H ? H - 1 : y + dy;
        for (unsigned c = 0; c < ch; c++) s[c] += rs[((size_t)sy * W + (size_t)x) * 4 + c];
      }
      uint8_t *o = out + ((size_t)y * W + (size_t)x) * ch;
      if (ch == 1) {
        o[0] = (uint8_t)floor((double)s[0] / area + 0.5);
        continue;
      }
      uint8_t a = (uint8_t)floor((double)s[3] / area + 0.5);
      if (a == 0) { o[0] = o[1] = o[2] = o[3] = 0; continue; }
      for (int c = 0; c < 3; c++) o[c] = (uint8_t)((2 * s[c] + s[3]) / (2 * s[3])); /* exact, halves up */
      o[3] = a;
    }
  free(rs);
}

static void test_box(void) {
  static const struct { uint32_t w, h, r; } cases[] = {
      {1, 1, 3}, {1, 12, 2}, {15, 1, 1}, {33, 21, 1}, {33, 21, 4}, {20, 18, 30}, {7, 5, 0}, {40, 39, 9},
      {2000, 5, 300}, {9000, 3, 500}, /* window row sums over 16 MiB (RGBA, grey): no ring */
      {300, 4, 2100}, /* 64-bit column sums for grey too (RGBA: above radius 128) */
      {1, 1, 32767}, {8, 6, 32767}, {3, 40, 20000}, /* windows far beyond the picture: its rows and columns once each */
  };
  for (size_t t = 0; t < sizeof cases / sizeof cases[0]; t++)
    for (unsigned ch = 1; ch <= 4; ch += 3) {
      img m = img_random(cases[t].w, cases[t].h, ch, (int)(t % 3), 500 + t);
      op o = {.kind = K_BOX, .src = m, .radius = cases[t].r};
      size_t n = img_len(&m), at = 0;
      uint8_t *got = run_all("box blur", &o, n, 1), *want = xmalloc(n);
      ref_box(&m, cases[t].r, want);
      int d = max_diff(got, want, n, &at);
      CHECK(d == 0, "box blur ch%u %ux%u r %u: byte %zu is %d, reference %d", ch, m.w, m.h, cases[t].r, at,
            got[at], want[at]);
      free(got);
      free(want);
      img_free(&m);
    }
}

static void test_unsharp(void) {
  static const struct { uint32_t w, h; float sigma, amount, threshold; } cases[] = {
      {1, 1, 1.0f, 1.0f, 0.0f},   {30, 20, 1.0f, 1.0f, 0.0f}, {30, 20, 2.5f, 2.0f, 10.0f},
      {17, 1, 1.0f, 0.5f, 3.0f},  {1, 19, 3.0f, 4.0f, 0.0f},  {25, 25, 0.0f, 3.0f, 0.0f},
      {40, 30, 5.0f, 1.5f, 20.0f},
  };
  for (size_t t = 0; t < sizeof cases / sizeof cases[0]; t++)
    for (unsigned ch = 1; ch <= 4; ch += 3) {
      img m = img_random(cases[t].w, cases[t].h, ch, (int)(t % 3), 700 + t);
      op o = {.kind = K_UNSHARP, .src = m, .sigma = cases[t].sigma, .amount = cases[t].amount,
              .threshold = cases[t].threshold};
      size_t n = img_len(&m);
      uint8_t *got = run_all("unsharp", &o, n, 1);
      double *acc = cases[t].sigma > 0 ? ref_gauss_acc(&m, cases[t].sigma) : NULL;
      int bad = 0, near = 0;
      for (size_t i = 0; i < (size_t)m.w * m.h; i++) {
        const uint8_t *p = m.px + i * ch, *g = got + i * ch;
        if (ch == 4 && p[3] == 0) {
          bad += memcmp(p, g, 4) != 0;
          continue;
        }
        if (ch == 4) bad += g[3] != p[3];
        for (unsigned c = 0; c < (ch == 4 ? 3u : 1u); c++) {
          double blurred = acc ? (ch == 4 ? acc[4 * i + c] / acc[4 * i + 3] : acc[i]) : p[c];
          double d = p[c] - blurred;
          if (fabs(fabs(d) - cases[t].threshold) < 1e-3) { near++; continue; } /* float vs double at the threshold */
          int want = fabs(d) < cases[t].threshold ? p[c] : ref_round(p[c] + cases[t].amount * d);
          if (abs(want - g[c]) > 1) {
            if (bad++ < 3) fprintf(stderr, "unsharp pixel %zu channel %u: %d, reference %d\n", i, c, g[c], want);
          }
        }
      }
      CHECK(bad == 0, "unsharp ch%u %ux%u sigma %g: %d values off (%d at the threshold skipped)", ch, m.w, m.h,
            (double)cases[t].sigma, bad, near);
      free(acc);
      free(got);
      img_free(&m);
    }
}

/*
 * Unsharp masks of threshold 0 on the fixed-point engine: grey, opaque and
 * translucent (alpha 120..255) pictures, sizes around the vector width and
 * the band height, amounts up to 4; every variant alike and each value
 * within 1 of o + amount (o - exact blur) rounded, alpha kept. The plan
 * rule (amount times the blur's error bound within 0.45) is checked to
 * have held in most of the cases, so they ran on that engine.
 */
static void test_unsharp_fixed(void) {
  static const struct { uint32_t w, h; float sigma, amount; } cases[] = {
      {30, 20, 0.5f, 1.0f}, {17, 33, 1.0f, 0.6f}, {64, 40, 1.5f, 2.0f}, {31, 37, 2.5f, 4.0f}, {70, 45, 5.0f, 1.0f},
  };
  int fixed = 0;
  for (size_t t = 0; t < sizeof cases / sizeof cases[0]; t++)
    for (int kind = 0; kind < 3; kind++) {
      const unsigned ch = kind == 0 ? 1 : 4;
      img m = img_random(cases[t].w, cases[t].h, ch, 1, 800 + 3 * t + (uint64_t)kind);
      if (kind == 2)
        for (size_t i = 0; i < (size_t)m.w * m.h; i++) m.px[4 * i + 3] = (uint8_t)(120 + m.px[4 * i + 3] % 136);
      pw__img_gfix g;
      if (pw__img_gfix_plan(&g, cases[t].sigma, m.w, m.h, kind == 2) == 1) {
        fixed += kind == 2 ? cases[t].amount * g.cbound / (120.0 - g.bound) <= 0.45
                           : cases[t].amount * g.bound <= 0.45;
        pw__img_gfix_free(&g);
      }
      op o = {.kind = K_UNSHARP, .src = m, .sigma = cases[t].sigma, .amount = cases[t].amount};
      size_t n = img_len(&m), at = 0;
      char name[64];
      snprintf(name, sizeof name, "unsharp fixed %d sigma %g", kind, (double)cases[t].sigma);
      uint8_t *got = run_all(name, &o, n, 1);
      double *acc = ref_gauss_acc(&m, cases[t].sigma);
      int worst = 0;
      for (size_t i = 0; i < n; i++) {
        int want;
        if (ch == 4 && i % 4 == 3) want = m.px[i];
        else {
          double blurred = ch == 4 ? acc[i] / acc[i - i % 4 + 3] : acc[i];
          want = ref_round(m.px[i] + cases[t].amount * (m.px[i] - blurred));
        }
        if (abs(want - got[i]) > worst) worst = abs(want - got[i]), at = i;
      }
      CHECK(worst <= (ch == 4 && at % 4 == 3 ? 0 : 1), "%s %ux%u amount %g: byte %zu is %d, %d off", name, m.w, m.h,
            (double)cases[t].amount, at, got[at], worst);
      free(acc);
      free(got);
      img_free(&m);
    }
  CHECK(fixed >= 12, "the fixed-point unsharp mask ran in %d cases", fixed);
}

/* ---------------------------------------------------------------------- */
/* Convolve                                                               */
/* ---------------------------------------------------------------------- */

static void ref_convolve(const img *m, const float *k, uint32_t kw, uint32_t kh, double divisor, double bias,
                         uint8_t *out) {
  const long W = m->w, H = m->h;
  if (divisor == 0) {
    double s = 0;
    for (uint32_t i = 0; i < kw * kh; i++) s += k[i];
    divisor = s != 0 ? s : 1;
  }
  for (long y = 0; y < H; y++)
    for (long x = 0; x < W; x++) {
      double acc[3] = {0, 0, 0};
      for (long j = 0; j < (long)kh; j++)
        for (long i = 0; i < (long)kw; i++) {
          long sx = x + i - (long)kw / 2, sy = y + j - (long)kh / 2;
          sx = sx < 0 ? 0 : sx >= W ? W - 1 : sx;
          sy = sy < 0 ? 0 : sy >= H ? H - 1 : sy;
          const uint8_t *p = m->px + ((size_t)sy * W + (size_t)sx) * m->ch;
          for (unsigned c = 0; c < (m->ch == 4 ? 3u : 1u); c++) acc[c] += k[j * kw + i] * (double)p[c];
        }
      uint8_t *o = out + ((size_t)y * W + (size_t)x) * m->ch;
      for (unsigned c = 0; c < (m->ch == 4 ? 3u : 1u); c++) o[c] = ref_round(acc[c] / divisor + bias);
      if (m->ch == 4) o[3] = m->px[((size_t)y * W + (size_t)x) * 4 + 3];
    }
}

static void test_convolve(void) {
  static const float gauss3[9] = {1, 2, 1, 2, 4, 2, 1, 2, 1};
  static const float edge[9] = {-1, -1, -1, -1, 8, -1, -1, -1, -1};
  float wide[7 * 3];
  uint64_t seed = 99;
  for (int i = 0; i < 21; i++) wide[i] = (float)((int)below(&seed, 21) - 10) / 4.0f;
  static const float one[1] = {2.0f};
  const struct { uint32_t w, h; const float *k; uint32_t kw, kh; float div, bias; } cases[] = {
      {30, 20, gauss3, 3, 3, 0, 0}, {30, 20, edge, 3, 3, 0, 0},  {1, 1, edge, 3, 3, 1, 128},
      {17, 1, gauss3, 3, 3, 0, 0},  {1, 13, wide, 7, 3, 0, 10}, {33, 21, wide, 7, 3, 3.5f, -20},
      {9, 8, one, 1, 1, 0, 0},      {12, 11, edge, 3, 3, 2, 64},
  };
  for (size_t t = 0; t < sizeof cases / sizeof cases[0]; t++)
    for (unsigned ch = 1; ch <= 4; ch += 3) {
      img m = img_random(cases[t].w, cases[t].h, ch, 0, 900 + t);
      op o = {.kind = K_CONVOLVE, .src = m, .kernel = cases[t].k, .kw = cases[t].kw, .kh = cases[t].kh,
              .divisor = cases[t].div, .bias = cases[t].bias};
      size_t n = img_len(&m), at = 0;
      uint8_t *got = run_all("convolve", &o, n, 1), *want = xmalloc(n);
      ref_convolve(&m, cases[t].k, cases[t].kw, cases[t].kh, cases[t].div, cases[t].bias, want);
      int d = max_diff(got, want, n, &at);
      CHECK(d <= 1, "convolve case %zu ch%u: byte %zu is %d, reference %d", t, ch, at, got[at], want[at]);
      free(got);
      free(want);
      img_free(&m);
    }
  /* huge weights: sums overflow to +-inf and inf - inf = NaN; the SIMD and
     the portable path must still agree byte for byte (no reference) */
  static const float huge[9] = {3e38f, 3e38f, -3e38f, 1e38f, -2e38f, 0, -3e38f, 5, 3e38f};
  for (unsigned ch = 1; ch <= 4; ch += 3) {
    img m = img_random(37, 9, ch, 0, 950 + ch);
    op o = {.kind = K_CONVOLVE, .src = m, .kernel = huge, .kw = 3, .kh = 3, .divisor = 1, .bias = 0};
    free(run_all("convolve huge", &o, img_len(&m), 1));
    img_free(&m);
  }
  /* presets */
  img m = img_random(21, 14, 4, 0, 77);
  uint8_t *got = xmalloc(img_len(&m)), *want = xmalloc(img_len(&m));
  static const float emboss[9] = {-2, -1, 0, -1, 1, 1, 0, 1, 2}, sharpen[9] = {0, -1, 0, -1, 5, -1, 0, -1, 0};
  const float *presets[3] = {edge, emboss, sharpen};
  for (uint32_t p = 0; p < 3; p++) {
    CHECK(pw_image_convolve_preset(m.px, got, m.w, m.h, p) == PW_OK, "preset %u", p);
    ref_convolve(&m, presets[p], 3, 3, 1, 0, want);
    size_t at = 0;
    CHECK(max_diff(got, want, img_len(&m), &at) == 0, "preset %u: byte %zu", p, at);
  }
  free(got);
  free(want);
  img_free(&m);
}

/* ---------------------------------------------------------------------- */
/* Colour                                                                 */
/* ---------------------------------------------------------------------- */

typedef pw_status (*map_fn)(const uint8_t *, uint8_t *, uint32_t, uint32_t);

/* Runs a same-size pixel kernel out of place and in place; both must equal want. */
static void check_map(const char *name, const img *m, pw_status (*call)(const img *, const uint8_t *, uint8_t *),
                      const uint8_t *want) {
  size_t n = img_len(m), at = 0;
  uint8_t *got = xmalloc(n);
  SET_THREADS(1);
  pw_status s = call(m, m->px, got);
  int d = max_diff(got, want, n, &at);
  CHECK(s == PW_OK && d == 0, "%s %ux%u: status %d, byte %zu is %d, reference %d", name, m->w, m->h, s, at, got[at],
        want[at]);
  SET_THREADS(4);
  memcpy(got, m->px, n);
  s = call(m, got, got);
  d = max_diff(got, want, n, &at);
  CHECK(s == PW_OK && d == 0, "%s in place: status %d, byte %zu is %d, reference %d", name, s, at, got[at], want[at]);
  free(got);
}

static float g_a, g_b;
static uint32_t g_u[5];
static pw_status c_invert(const img *m, const uint8_t *s, uint8_t *d) {
  return m->ch == 4 ? pw_image_invert(s, d, m->w, m->h) : pw_image_invert_grey(s, d, m->w, m->h);
}
static pw_status c_bc(const img *m, const uint8_t *s, uint8_t *d) {
  return m->ch == 4 ? pw_image_brightness_contrast(s, d, m->w, m->h, g_a, g_b)
                    : pw_image_brightness_contrast_grey(s, d, m->w, m->h, g_a, g_b);
}
static pw_status c_gamma(const img *m, const uint8_t *s, uint8_t *d) {
  return m->ch == 4 ? pw_image_gamma(s, d, m->w, m->h, g_a) : pw_image_gamma_grey(s, d, m->w, m->h, g_a);
}
static pw_status c_levels(const img *m, const uint8_t *s, uint8_t *d) {
  return m->ch == 4 ? pw_image_levels(s, d, m->w, m->h, g_u[0], g_u[1], g_a, g_u[2], g_u[3])
                    : pw_image_levels_grey(s, d, m->w, m->h, g_u[0], g_u[1], g_a, g_u[2], g_u[3]);
}
static pw_status c_threshold(const img *m, const uint8_t *s, uint8_t *d) {
  return m->ch == 4 ? pw_image_threshold(s, d, m->w, m->h, g_u[0]) : pw_image_threshold_grey(s, d, m->w, m->h, g_u[0]);
}
static pw_status c_premul(const img *m, const uint8_t *s, uint8_t *d) { return pw_image_premultiply(s, d, m->w, m->h); }
static pw_status c_unpremul(const img *m, const uint8_t *s, uint8_t *d) {
  return pw_image_unpremultiply(s, d, m->w, m->h);
}

static double luma_ref(const uint8_t *p) { return 0.2126 * p[0] + 0.7152 * p[1] + 0.0722 * p[2]; }

/* Rec. 709 luma rounded half up, from the exact decimal weights (ties decided exactly). */
static uint8_t luma_exact(const uint8_t *p) {
  long s = 2126L * p[0] + 7152L * p[1] + 722L * p[2]; /* 10000 * luma */
  return (uint8_t)(s / 10000 + (s % 10000 >= 5000));
}

/* Every (colour, alpha) pair through premultiply and unpremultiply, in every variant. */
static void test_alpha_exhaustive(void) {
  img m = img_new(256, 256, 4);
  for (uint32_t a = 0; a < 256; a++)
    for (uint32_t c = 0; c < 256; c++) {
      uint8_t *p = m.px + 4 * (a * 256 + c);
      p[0] = (uint8_t)c, p[1] = (uint8_t)(255 - c), p[2] = (uint8_t)(c ^ 0x5a), p[3] = (uint8_t)a;
    }
  op o = {.kind = K_PREMUL, .src = m};
  uint8_t *got = run_all("premultiply", &o, img_len(&m), 1), *back = xmalloc(img_len(&m));
  int bad = 0;
  for (size_t i = 0; i < 65536; i++)
    for (int c = 0; c < 4; c++) {
      const uint8_t *p = m.px + 4 * i;
      uint8_t want = c == 3 ? p[3] : ref_round(p[c] * p[3] / 255.0);
      bad += got[4 * i + c] != want;
    }
  CHECK(bad == 0, "premultiply, all pairs: %d values off", bad);
  CHECK(pw_image_unpremultiply(m.px, back, 256, 256) == PW_OK, "unpremultiply");
  bad = 0;
  for (size_t i = 0; i < 65536; i++) {
    const uint8_t *p = m.px + 4 * i;
    for (int c = 0; c < 3; c++) bad += back[4 * i + c] != (p[3] ? ref_round(p[c] * 255.0 / p[3]) : 0);
    bad += back[4 * i + 3] != p[3];
  }
  CHECK(bad == 0, "unpremultiply, all pairs: %d values off", bad);
  free(got);
  free(back);
  img_free(&m);
}

static void test_colour(void) {
  static const uint32_t sizes[][2] = {{1, 1}, {1, 7}, {9, 1}, {37, 23}, {64, 33}};
  for (size_t t = 0; t < 5; t++)
    for (unsigned ch = 1; ch <= 4; ch += 3) {
      img m = img_random(sizes[t][0], sizes[t][1], ch, 2, 1100 + t);
      size_t n = img_len(&m), px = (size_t)m.w * m.h;
      uint8_t *want = xmalloc(n);
      const unsigned cc = ch == 4 ? 3 : 1;
#define EACH(expr)                                                   \
  for (size_t i = 0; i < px; i++) {                                  \
    const uint8_t *p = m.px + i * ch;                                \
    uint8_t *o = want + i * ch;                                      \
    for (unsigned c = 0; c < cc; c++) o[c] = (expr);                 \
    if (ch == 4) o[3] = p[3];                                        \
  }
      EACH((uint8_t)(255 - p[c]));
      check_map("invert", &m, c_invert, want);
      float bcs[][2] = {{0, 1}, {0.2f, 1.5f}, {-0.3f, 0.5f}, {1, 1000}, {-1, 0}};
      for (int k = 0; k < 5; k++) {
        g_a = bcs[k][0], g_b = bcs[k][1];
        EACH(ref_round((p[c] - 127.5) * (double)g_b + 127.5 + (double)g_a * 255.0));
        check_map("brightness/contrast", &m, c_bc, want);
      }
      float gammas[] = {1.0f, 2.2f, 0.45f, 0.01f, 100.0f};
      for (int k = 0; k < 5; k++) {
        g_a = gammas[k];
        EACH(ref_round(255.0 * pow(p[c] / 255.0, 1.0 / (double)g_a)));
        check_map("gamma", &m, c_gamma, want);
      }
      uint32_t lv[][4] = {{0, 255, 0, 255}, {20, 200, 10, 240}, {100, 101, 0, 255}, {0, 255, 255, 0}};
      float lg[] = {1.0f, 1.7f, 0.5f, 1.0f};
      for (int k = 0; k < 4; k++) {
        memcpy(g_u, lv[k], sizeof lv[k]);
        g_a = lg[k];
        EACH(ref_round(lv[k][2] + ((double)lv[k][3] - lv[k][2]) *
                                      pow(fmin(1.0, fmax(0.0, ((double)p[c] - lv[k][0]) / ((double)lv[k][1] - lv[k][0]))),
                                          1.0 / (double)lg[k])));
        check_map("levels", &m, c_levels, want);
      }
      uint32_t ths[] = {0, 1, 128, 255, 256};
      for (int k = 0; k < 5; k++) {
        g_u[0] = ths[k];
        EACH((uint8_t)((ch == 4 ? luma_exact(p) : p[0]) >= ths[k] ? 255 : 0));
        check_map("threshold", &m, c_threshold, want);
      }
      if (ch == 4) {
        EACH(ref_round(p[c] * p[3] / 255.0));
        check_map("premultiply", &m, c_premul, want);
        for (size_t i = 0; i < px; i++) {
          const uint8_t *p = m.px + 4 * i;
          uint8_t *o = want + 4 * i;
          for (int c = 0; c < 3; c++) o[c] = p[3] ? ref_round(p[c] * 255.0 / p[3]) : 0;
          o[3] = p[3];
          if (!p[3]) o[0] = o[1] = o[2] = 0;
        }
        check_map("unpremultiply", &m, c_unpremul, want);
        /* greyscale: against the luma in double, which is never within 1e-9 of a tie by accident */
        op o = {.kind = K_GREYSCALE, .src = m};
        uint8_t *got = run_all("greyscale", &o, n, 1);
        int bad = 0;
        for (size_t i = 0; i < px; i++) {
          const uint8_t *p = m.px + 4 * i, *g = got + 4 * i;
          double l = luma_ref(p);
          uint8_t e = luma_exact(p);
          bad += fabs(l - floor(l) - 0.5) > 1e-9 && e != (uint8_t)floor(l + 0.5);
          bad += g[0] != e || g[1] != e || g[2] != e || g[3] != p[3];
        }
        CHECK(bad == 0, "greyscale %ux%u: %d pixels off", m.w, m.h, bad);
        uint8_t *grey = xmalloc(px), *back = xmalloc(n);
        CHECK(pw_image_to_grey(m.px, grey, m.w, m.h) == PW_OK, "to_grey");
        CHECK(pw_image_from_grey(grey, back, m.w, m.h) == PW_OK, "from_grey");
        bad = 0;
        for (size_t i = 0; i < px; i++)
          bad += grey[i] != got[4 * i] || back[4 * i] != grey[i] || back[4 * i + 2] != grey[i] || back[4 * i + 3] != 255;
        CHECK(bad == 0, "to_grey / from_grey: %d pixels off", bad);
        free(grey);
        free(back);
        free(got);
        /* colour matrix: sepia, an alpha-from-luma, the identity, huge
           entries (the float form, in double), one that scales alpha (-0 in
           its alpha row), and the cases below; each against a double
           reference, within 1 (exact where marked) */
        static const float mats[9][20] = {
            {0.393f, 0.769f, 0.189f, 0, 0, 0.349f, 0.686f, 0.168f, 0, 0, 0.272f, 0.534f, 0.131f, 0, 0, 0, 0, 0, 1, 0},
            {1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0.2126f, 0.7152f, 0.0722f, 0, 0},
            {1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0},
            {3e38f, -3e38f, 0, 0, 0, -3e38f, 0, 0, 0, 0.5f, 1e36f, 1e36f, -1e36f, 0, -0.25f, 0, 0, -0.5f, 2, 0.1f},
            {0.5f, 0.5f, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, -0.0f, 0.5f, 0.2f},
            /* the widest multipliers of the fixed-point form (shift 11), and
               its offset clamp */
            {15.99f, -15.5f, 0.001f, 0, 0.3f, -2, 3, 0, -15.9f, 40, 0.25f, 0.25f, 0.25f, 0.25f, -9e6f, 0, 0, 0, 1, 1e7f},
            /* a multiplier of 16 and more: the float form (in double) */
            {16.5f, -16, 0.5f, 0, 0.1f, 0, 1, 0, 0, 0, -20, 0, 21, 0, 0, 0, 0, 0, 1, 0},
            /* multiples of 2^-8: exact in the fixed-point form */
            {0.25f, 0.5f, 0.25f, 0, 0, 0.125f, 0.75f, 0.125f, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0.5f, 0.5f},
            /* products that cancel near the float range's end (exact in double;
               in float, inf - inf gave NaN and 0) */
            {3e38f, 3e38f, -3e38f, -3e38f, 0.5f, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0},
        };
        for (int k = 0; k < 9; k++) {
          op om = {.kind = K_MATRIX, .src = m, .matrix = mats[k]};
          got = run_all("color matrix", &om, n, 1);
          bad = 0;
          for (size_t i = 0; i < px; i++) {
            const uint8_t *p = m.px + 4 * i;
            for (int r = 0; r < 4; r++) {
              const float *row = mats[k] + 5 * r;
              /* on the 0..255 scale: exact in double for matrices 2 and 7 */
              double v = row[0] * (double)p[0] + row[1] * (double)p[1] + row[2] * (double)p[2] + row[3] * (double)p[3] +
                         row[4] * 255.0;
              bad += abs(ref_round(v) - got[4 * i + r]) > (k == 2 || k == 7 ? 0 : 1);
            }
          }
          CHECK(bad == 0, "color matrix %d: %d values off", k, bad);
          free(got);
        }
      }
#undef EACH
      free(want);
      img_free(&m);
    }
}

/* ---------------------------------------------------------------------- */
/* Geometry                                                               */
/* ---------------------------------------------------------------------- */

static const uint8_t *at_px(const img *m, uint32_t x, uint32_t y) { return m->px + ((size_t)y * m->w + x) * m->ch; }

/*
 * flop and rotate 180 of every width from 1 to 300 (both ends of the
 * vector loops, four vectors a step and one, and their tails, for grey and
 * RGBA), in place and not; height 3 has a row pair and a middle row.
 */
static void test_flop_widths(void) {
  for (unsigned ch = 1; ch <= 4; ch += 3)
    for (uint32_t w = 1; w <= 300; w++) {
      img m = img_random(w, 3, ch, 0, 1400 + w);
      const size_t n = img_len(&m);
      uint8_t *got = xmalloc(n), *want = xmalloc(n);
      for (int angle = 0; angle <= 180; angle += 180) {
        for (uint32_t y = 0; y < 3; y++)
          for (uint32_t x = 0; x < w; x++)
            memcpy(want + ((size_t)y * w + x) * ch, at_px(&m, w - 1 - x, angle ? 2 - y : y), ch);
        for (int inplace = 0; inplace < 2; inplace++) {
          memset(got, 0xa5, n);
          if (inplace) memcpy(got, m.px, n);
          const uint8_t *in = inplace ? got : m.px;
          pw_status s = angle ? (ch == 4 ? pw_image_rotate(in, got, w, 3, 180) : pw_image_rotate_grey(in, got, w, 3, 180))
                              : (ch == 4 ? pw_image_flop(in, got, w, 3) : pw_image_flop_grey(in, got, w, 3));
          CHECK(s == PW_OK && memcmp(got, want, n) == 0, "%s width %u ch%u in place %d", angle ? "rotate 180" : "flop", w, ch, inplace);
        }
      }
      free(got);
      free(want);
      img_free(&m);
    }
}

static void test_geometry(void) {
  static const uint32_t sizes[][2] = {{1, 1}, {1, 9}, {8, 1}, {37, 23}, {64, 64}, {70, 33}};
  for (size_t t = 0; t < 6; t++)
    for (unsigned ch = 1; ch <= 4; ch += 3) {
      img m = img_random(sizes[t][0], sizes[t][1], ch, 0, 1300 + t);
      const uint32_t w = m.w, h = m.h;
      const size_t n = img_len(&m);
      uint8_t *got = xmalloc(n + 64 * 64 * 4 * 4), *want = xmalloc(n + 64 * 64 * 4 * 4);
      for (int inplace = 0; inplace < 2; inplace++) {
        SET_THREADS(inplace ? 1 : 4);
        /* flip */
        for (uint32_t y = 0; y < h; y++) memcpy(want + (size_t)y * w * ch, at_px(&m, 0, h - 1 - y), (size_t)w * ch);
        memcpy(got, m.px, n);
        pw_status s = ch == 4 ? pw_image_flip(inplace ? got : m.px, got, w, h) : pw_image_flip_grey(inplace ? got : m.px, got, w, h);
        CHECK(s == PW_OK && memcmp(got, want, n) == 0, "flip %ux%u ch%u in place %d", w, h, ch, inplace);
        /* flop */
        for (uint32_t y = 0; y < h; y++)
          for (uint32_t x = 0; x < w; x++) memcpy(want + ((size_t)y * w + x) * ch, at_px(&m, w - 1 - x, y), ch);
        memcpy(got, m.px, n);
        s = ch == 4 ? pw_image_flop(inplace ? got : m.px, got, w, h) : pw_image_flop_grey(inplace ? got : m.px, got, w, h);
        CHECK(s == PW_OK && memcmp(got, want, n) == 0, "flop %ux%u ch%u in place %d", w, h, ch, inplace);
        /* rotate: 90 clockwise puts the bottom-left pixel at the top-left */
        for (uint32_t angle = 0; angle < 360; angle += 90) {
          uint32_t ow = angle % 180 ? h : w, oh = angle % 180 ? w : h;
          for (uint32_t y = 0; y < oh; y++)
            for (uint32_t x = 0; x < ow; x++) {
              uint32_t sx, sy;
              if (angle == 0) sx = x, sy = y;
              else if (angle == 90) sx = y, sy = h - 1 - x;
              else if (angle == 180) sx = w - 1 - x, sy = h - 1 - y;
              else sx = w - 1 - y, sy = x;
              memcpy(want + ((size_t)y * ow + x) * ch, at_px(&m, sx, sy), ch);
            }
          memcpy(got, m.px, n);
          s = ch == 4 ? pw_image_rotate(inplace ? got : m.px, got, w, h, angle)
                      : pw_image_rotate_grey(inplace ? got : m.px, got, w, h, angle);
          CHECK(s == PW_OK && memcmp(got, want, n) == 0, "rotate %u %ux%u ch%u in place %d", angle, w, h, ch, inplace);
        }
      }
      SET_THREADS(4);
      /* crop: every corner and a middle rectangle */
      uint32_t rects[][4] = {{0, 0, w, h}, {0, 0, 1, 1}, {w - 1, h - 1, 1, 1}, {w / 3, h / 4, w - w / 3, (h + 1) / 2}};
      for (int k = 0; k < 4; k++) {
        uint32_t l = rects[k][0], tp = rects[k][1], cw = rects[k][2], chh = rects[k][3];
        if (tp + chh > h) chh = h - tp;
        for (uint32_t y = 0; y < chh; y++) memcpy(want + (size_t)y * cw * ch, at_px(&m, l, tp + y), (size_t)cw * ch);
        pw_status s = ch == 4 ? pw_image_crop(m.px, w, h, got, l, tp, cw, chh) : pw_image_crop_grey(m.px, w, h, got, l, tp, cw, chh);
        CHECK(s == PW_OK && memcmp(got, want, (size_t)cw * chh * ch) == 0, "crop %u,%u %ux%u of %ux%u", l, tp, cw, chh, w, h);
      }
      /* extend */
      uint32_t pads[][4] = {{0, 0, 0, 0}, {1, 2, 3, 4}, {5, 0, 0, 7}, {0, 9, 2, 0}};
      uint32_t bg = 0x11223344u;
      for (int k = 0; k < 4; k++) {
        uint32_t tp = pads[k][0], rt = pads[k][1], bt = pads[k][2], lf = pads[k][3];
        uint32_t ow = w + lf + rt, oh = h + tp + bt;
        uint8_t bgp[4] = {0x11, 0x22, 0x33, 0x44};
        if (ch == 1) bgp[0] = 0x44;
        for (uint32_t y = 0; y < oh; y++)
          for (uint32_t x = 0; x < ow; x++) {
            int in = x >= lf && x < lf + w && y >= tp && y < tp + h;
            memcpy(want + ((size_t)y * ow + x) * ch, in ? at_px(&m, x - lf, y - tp) : bgp, ch);
          }
        pw_status s = ch == 4 ? pw_image_extend(m.px, w, h, got, tp, rt, bt, lf, bg)
                              : pw_image_extend_grey(m.px, w, h, got, tp, rt, bt, lf, 0x44);
        CHECK(s == PW_OK && memcmp(got, want, (size_t)ow * oh * ch) == 0, "extend %u,%u,%u,%u of %ux%u ch%u", tp, rt, bt, lf, w, h, ch);
      }
      free(got);
      free(want);
      img_free(&m);
    }
}

/* ---------------------------------------------------------------------- */
/* Compose, measure                                                       */
/* ---------------------------------------------------------------------- */

static void test_composite(void) {
  static const struct { uint32_t w, h, ow, oh; int32_t l, t; float op; } cases[] = {
      {40, 30, 10, 8, 3, 4, 1.0f},   {40, 30, 10, 8, -5, -3, 0.5f}, {40, 30, 50, 40, -5, -3, 0.8f},
      {40, 30, 10, 8, 35, 27, 1.0f}, {40, 30, 10, 8, 40, 0, 1.0f},  {1, 1, 1, 1, 0, 0, 0.3f},
      {17, 1, 5, 1, 14, 0, 1.0f},    {20, 20, 20, 20, 0, 0, 0.0f},
  };
  for (size_t t = 0; t < sizeof cases / sizeof cases[0]; t++) {
    img d = img_random(cases[t].w, cases[t].h, 4, 2, 1500 + t), o = img_random(cases[t].ow, cases[t].oh, 4, 2, 1600 + t);
    op oc = {.kind = K_COMPOSITE, .src = d, .overlay = o, .left = cases[t].l, .top = cases[t].t, .opacity = cases[t].op};
    uint8_t *got = run_all("composite", &oc, img_len(&d), 0);
    int bad = 0;
    for (uint32_t y = 0; y < d.h; y++)
      for (uint32_t x = 0; x < d.w; x++) {
        const uint8_t *dp = at_px(&d, x, y), *g = got + ((size_t)y * d.w + x) * 4;
        long ox = (long)x - cases[t].l, oy = (long)y - cases[t].t;
        uint8_t want[4];
        memcpy(want, dp, 4);
        if (ox >= 0 && oy >= 0 && ox < (long)o.w && oy < (long)o.h) {
          const uint8_t *op = at_px(&o, (uint32_t)ox, (uint32_t)oy);
          double as = op[3] / 255.0 * cases[t].op, ad = dp[3] / 255.0, a = as + ad * (1 - as);
          if (as > 0) {
            if (ref_round(a * 255) == 0) memset(want, 0, 4);
            else {
              for (int c = 0; c < 3; c++) want[c] = ref_round((op[c] * as + dp[c] * ad * (1 - as)) / a);
              want[3] = ref_round(a * 255);
            }
          }
        }
        for (int c = 0; c < 4; c++) bad += abs(want[c] - g[c]) > 1;
      }
    CHECK(bad == 0, "composite case %zu: %d values off", t, bad);
    free(got);
    img_free(&d);
    img_free(&o);
  }
}

static void test_measure(void) {
  static const uint32_t sizes[][2] = {{1, 1}, {1, 50}, {77, 1}, {300, 200}, {1023, 301}};
  for (size_t t = 0; t < 5; t++)
    for (unsigned ch = 1; ch <= 4; ch += 3) {
      img m = img_random(sizes[t][0], sizes[t][1], ch, 2, 1700 + t);
      size_t px = (size_t)m.w * m.h;
      uint32_t want[1024] = {0}, got[1024];
      uint64_t sum[4] = {0};
      int mn[4] = {255, 255, 255, 255}, mx[4] = {0};
      for (size_t i = 0; i < px; i++)
        for (unsigned c = 0; c < ch; c++) {
          uint8_t v = m.px[i * ch + c];
          want[c * 256 + v]++;
          sum[c] += v;
          if (v < mn[c]) mn[c] = v;
          if (v > mx[c]) mx[c] = v;
        }
      uint32_t first[1024];
      for (int th = 1; th <= 4; th += 3) {
        SET_THREADS(th);
        memset(got, 0xff, sizeof got);
        pw_status s = ch == 4 ? pw_image_histogram(m.px, m.w, m.h, got) : pw_image_histogram_grey(m.px, m.w, m.h, got);
        CHECK(s == PW_OK && memcmp(got, want, 256 * ch * sizeof(uint32_t)) == 0, "histogram %ux%u ch%u", m.w, m.h, ch);
        if (th == 1) memcpy(first, got, sizeof got);
        else CHECK(memcmp(first, got, 256 * ch * 4) == 0, "histogram differs between thread counts");
        double st[12];
        s = ch == 4 ? pw_image_stats(m.px, m.w, m.h, st) : pw_image_stats_grey(m.px, m.w, m.h, st);
        int ok = s == PW_OK;
        for (unsigned c = 0; c < ch; c++)
          ok = ok && st[c] == (double)sum[c] / (double)px && st[ch + c] == mn[c] && st[2 * ch + c] == mx[c];
        CHECK(ok, "stats %ux%u ch%u", m.w, m.h, ch);
      }
      SET_THREADS(4);
      img_free(&m);
    }
}

/* ---------------------------------------------------------------------- */
/* Bad input: statuses and messages                                       */
/* ---------------------------------------------------------------------- */

static pw_task task;

/* Starts recording pw_fail messages (as a call from JS would). */
static void msg_begin(void) {
  memset(&task, 0, sizeof task);
  pw__current = &task;
}
static void msg_end(void) { pw__current = NULL; }

#define EXPECT_FAIL(call, status, text)                                                                    \
  do {                                                                                                     \
    msg_begin();                                                                                           \
    pw_status s_ = (call);                                                                                 \
    msg_end();                                                                                             \
    CHECK(s_ == (status) && strstr(task.message, (text)) != NULL, "%s: status %d (want %d), message \"%s\"", \
          #call, s_, (status), task.message);                                                              \
  } while (0)

static void test_bad_input(void) {
  uint8_t a[64 * 4], b[64 * 4];
  memset(a, 0, sizeof a);
  float k3[9] = {0, 0, 0, 0, 1, 0, 0, 0, 0}, knan[9] = {0, 0, 0, 0, NAN, 0, 0, 0, 0};
  EXPECT_FAIL(pw_image_blur(a, b, 0, 4, 1.0f), PW_EINVAL, "width must be 1 to");
  EXPECT_FAIL(pw_image_blur(a, b, 4, 0, 1.0f), PW_EINVAL, "height must be 1 to");
  EXPECT_FAIL(pw_image_blur(a, b, 16777217, 1, 1.0f), PW_EINVAL, "width must be 1 to");
  EXPECT_FAIL(pw_image_blur(a, b, 4, 4, -1.0f), PW_EINVAL, "sigma must be");
  EXPECT_FAIL(pw_image_blur(a, b, 4, 4, NAN), PW_EINVAL, "sigma must be");
  EXPECT_FAIL(pw_image_blur(a, a + 4, 4, 4, 1.0f), PW_EINVAL, "overlaps");
  EXPECT_FAIL(pw_image_resize(a, 4, 4, b, 0, 2, 4), PW_EINVAL, "dst_width must be");
  EXPECT_FAIL(pw_image_resize(a, 4, 4, b, 2, 2, 5), PW_EINVAL, "filter must be 0 to 4");
  EXPECT_FAIL(pw_image_resize(a, 4, 4, a, 2, 2, 4), PW_EINVAL, "cannot work in place");
  EXPECT_FAIL(pw_image_unsharp(a, b, 4, 4, 1.0f, -1.0f, 0), PW_EINVAL, "amount must be");
  EXPECT_FAIL(pw_image_unsharp(a, b, 4, 4, 1.0f, 1.0f, 300.0f), PW_EINVAL, "threshold must be");
  EXPECT_FAIL(pw_image_box_blur(a, b, 4, 4, 40000), PW_EINVAL, "radius must be");
  EXPECT_FAIL(pw_image_convolve(a, b, 4, 4, k3, 2, 3, 0, 0), PW_EINVAL, "kernel_width must be odd");
  EXPECT_FAIL(pw_image_convolve(a, b, 4, 4, k3, 3, 4, 0, 0), PW_EINVAL, "kernel_height must be odd");
  EXPECT_FAIL(pw_image_convolve(a, b, 4, 4, knan, 3, 3, 0, 0), PW_EINVAL, "kernel[4] is not finite");
  EXPECT_FAIL(pw_image_convolve(a, b, 4, 4, k3, 3, 3, INFINITY, 0), PW_EINVAL, "divisor is not finite");
  EXPECT_FAIL(pw_image_convolve_preset(a, b, 4, 4, 3), PW_EINVAL, "preset must be");
  EXPECT_FAIL(pw_image_gamma(a, b, 4, 4, 0.0f), PW_EINVAL, "gamma must be");
  EXPECT_FAIL(pw_image_levels(a, b, 4, 4, 100, 100, 1, 0, 255), PW_EINVAL, "in_white must be");
  EXPECT_FAIL(pw_image_brightness_contrast(a, b, 4, 4, 2.0f, 1.0f), PW_EINVAL, "brightness must be");
  EXPECT_FAIL(pw_image_threshold(a, b, 4, 4, 257), PW_EINVAL, "threshold must be");
  EXPECT_FAIL(pw_image_color_matrix(a, b, 4, 4, knan), PW_EINVAL, "matrix[4] is not finite");
  EXPECT_FAIL(pw_image_to_grey(a, a, 4, 4), PW_EINVAL, "cannot work in place");
  EXPECT_FAIL(pw_image_crop(a, 4, 4, b, 3, 0, 2, 2), PW_ERANGE, "left + dst_width");
  EXPECT_FAIL(pw_image_crop(a, 4, 4, b, 0, 3, 2, 2), PW_ERANGE, "top + dst_height");
  EXPECT_FAIL(pw_image_rotate(a, b, 4, 4, 45), PW_EINVAL, "angle must be");
  EXPECT_FAIL(pw_image_extend(a, 4, 4, b, 0, 16777215, 0, 0, 0), PW_EINVAL, "width + left + right");
  EXPECT_FAIL(pw_image_extend_grey(a, 4, 4, b, 1, 0, 0, 0, 256), PW_EINVAL, "background must be");
  EXPECT_FAIL(pw_image_composite(a, 4, 4, b, 2, 2, 0, 0, 1.5f), PW_EINVAL, "opacity must be");
  EXPECT_FAIL(pw_image_composite(a, 4, 4, a + 8, 2, 2, 0, 0, 1.0f), PW_EINVAL, "overlay overlaps");
  uint32_t info[4];
  EXPECT_FAIL(pw_image_info(a, 0, info), PW_EFORMAT, "data is empty");
  EXPECT_FAIL(pw_image_info(a, 64, info), PW_EFORMAT, "neither PNG nor JPEG");
  pw_result r = {0};
  EXPECT_FAIL(pw_image_encode_jpeg(a, 70000, 1, 90, &r), PW_ERANGE, "at most 65535");
  EXPECT_FAIL(pw_image_encode_png(a, 16384, 16384, &r), PW_ERANGE, "more than");
  EXPECT_FAIL(pw_image_encode_jpeg(a, 4, 4, 0, &r), PW_EINVAL, "quality must be");
  free(r.data);
}

/* ---------------------------------------------------------------------- */
/* Codecs                                                                 */
/* ---------------------------------------------------------------------- */

/* An independent PNG writer: stored (uncompressed) deflate blocks. */
typedef struct {
  uint8_t *p;
  size_t n, cap;
} buf;

static void put(buf *b, const void *d, size_t n) {
  if (b->n + n > b->cap) {
    b->cap = (b->n + n) * 2;
    b->p = realloc(b->p, b->cap);
    if (!b->p) exit(2);
  }
  memcpy(b->p + b->n, d, n);
  b->n += n;
}
static void put32(buf *b, uint32_t v) {
  uint8_t q[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
  put(b, q, 4);
}
static uint32_t crc_bitwise(const uint8_t *p, size_t n) {
  uint32_t c = 0xffffffffu;
  for (size_t i = 0; i < n; i++) {
    c ^= p[i];
    for (int k = 0; k < 8; k++) c = c & 1 ? (c >> 1) ^ 0xedb88320u : c >> 1;
  }
  return ~c;
}
static void chunk(buf *b, const char *type, const uint8_t *d, size_t n) {
  put32(b, (uint32_t)n);
  size_t at = b->n;
  put(b, type, 4);
  if (n) put(b, d, n);
  put32(b, crc_bitwise(b->p + at, n + 4));
}

/* PNG of `raw` rows (each starting with filter byte 0), colour type and depth given. */
static buf png_write(uint32_t w, uint32_t h, uint8_t depth, uint8_t ctype, const uint8_t *rows, size_t rows_len,
                     const uint8_t *plte, size_t plte_len, const uint8_t *trns, size_t trns_len) {
  buf b = {0}, z = {0};
  put(&b, "\x89PNG\r\n\x1a\n", 8);
  uint8_t ihdr[13] = {(uint8_t)(w >> 24), (uint8_t)(w >> 16), (uint8_t)(w >> 8), (uint8_t)w, (uint8_t)(h >> 24),
                      (uint8_t)(h >> 16), (uint8_t)(h >> 8), (uint8_t)h, depth, ctype, 0, 0, 0};
  chunk(&b, "IHDR", ihdr, 13);
  if (plte) chunk(&b, "PLTE", plte, plte_len);
  if (trns) chunk(&b, "tRNS", trns, trns_len);
  put(&z, "\x78\x01", 2);
  uint32_t s1 = 1, s2 = 0;
  for (size_t i = 0; i < rows_len; i++) s1 = (s1 + rows[i]) % 65521, s2 = (s2 + s1) % 65521;
  size_t at = 0;
  do {
    size_t len = rows_len - at > 65535 ? 65535 : rows_len - at;
    uint8_t hdr[5] = {(uint8_t)(at + len == rows_len), (uint8_t)len, (uint8_t)(len >> 8), (uint8_t)~len,
                      (uint8_t)(~len >> 8)};
    put(&z, hdr, 5);
    put(&z, rows + at, len);
    at += len;
  } while (at < rows_len);
  put32(&z, s2 << 16 | s1);
  chunk(&b, "IDAT", z.p, z.n);
  chunk(&b, "IEND", NULL, 0);
  free(z.p);
  return b;
}

static pw_status decode_img(const buf *f, unsigned ch, img *out) {
  uint32_t info[4];
  pw_status s = pw_image_info(f->p, f->n, info);
  if (s != PW_OK) return s;
  *out = img_new(info[0], info[1], ch);
  s = ch == 4 ? pw_image_decode(f->p, f->n, out->px, info[0], info[1])
              : pw_image_decode_grey(f->p, f->n, out->px, info[0], info[1]);
  if (s != PW_OK) img_free(out);
  return s;
}

static void test_png_decode(void) {
  const uint32_t w = 13, h = 7;
  img m = img_random(w, h, 4, 2, 2100);
  uint8_t *rows = xmalloc((size_t)h * (1 + w * 8));
  /* RGBA 8-bit */
  for (uint32_t y = 0; y < h; y++) {
    rows[y * (1 + w * 4)] = 0;
    memcpy(rows + y * (1 + w * 4) + 1, at_px(&m, 0, y), (size_t)w * 4);
  }
  buf f = png_write(w, h, 8, 6, rows, (size_t)h * (1 + w * 4), NULL, 0, NULL, 0);
  img d;
  uint32_t info[4];
  CHECK(pw_image_info(f.p, f.n, info) == PW_OK && info[0] == w && info[1] == h && info[2] == 4 && info[3] == PW_IMAGE_PNG,
        "png info");
  CHECK(decode_img(&f, 4, &d) == PW_OK && memcmp(d.px, m.px, img_len(&m)) == 0, "png rgba decodes exactly");
  img_free(&d);
  /* grey decode of an RGBA PNG: the Rec. 709 luma of pw_image_to_grey, exactly */
  CHECK(decode_img(&f, 1, &d) == PW_OK, "png decode grey");
  int bad = 0;
  for (size_t i = 0; i < (size_t)w * h; i++) bad += d.px[i] != luma_exact(m.px + 4 * i);
  CHECK(bad == 0, "grey decode: %d pixels off", bad);
  img_free(&d);
  /* the bytes after the last chunk do not matter; a wrong size is named */
  msg_begin();
  uint8_t *dst = xmalloc((size_t)w * h * 4);
  pw_status s = pw_image_decode(f.p, f.n, dst, w + 1, h);
  msg_end();
  CHECK(s == PW_EINVAL && strstr(task.message, "width is 14 but the image is 13 wide"), "wrong width: %s", task.message);
  /* every truncation fails with PW_EFORMAT */
  int ok = 1;
  for (size_t cut = 0; cut < f.n; cut++) {
    s = pw_image_decode(f.p, cut, dst, w, h);
    if (s != PW_EFORMAT) ok = 0, fprintf(stderr, "truncated PNG at %zu: status %d\n", cut, s);
  }
  CHECK(ok, "every truncated PNG fails with PW_EFORMAT");
  /* every single-byte change after the signature is caught (CRC, type, length, or header) */
  int caught = 0, total = 0;
  for (size_t i = 8; i < f.n; i++) {
    f.p[i] ^= 0x10;
    s = pw_image_decode(f.p, f.n, dst, w, h);
    total++;
    caught += s != PW_OK;
    f.p[i] ^= 0x10;
  }
  CHECK(caught == total, "corrupt PNG bytes caught: %d of %d", caught, total);
  free(dst);
  free(f.p);

  /* RGB, grey, grey+alpha, palette with tRNS, 16-bit RGBA: pixels expanded as PNG says */
  for (int kind = 0; kind < 5; kind++) {
    uint8_t ctype = (uint8_t[]){2, 0, 4, 3, 6}[kind], depth = kind == 4 ? 16 : 8;
    unsigned spp = (unsigned[]){3, 1, 2, 1, 8}[kind];
    size_t stride = 1 + (size_t)w * spp;
    uint8_t plte[16 * 3], trns[16];
    uint64_t seed = 2200 + kind;
    fill_random(plte, sizeof plte, seed);
    fill_random(trns, sizeof trns, seed + 1);
    uint8_t *want = xmalloc((size_t)w * h * 4);
    for (uint32_t y = 0; y < h; y++) {
      uint8_t *r = rows + y * stride;
      r[0] = 0;
      fill_random(r + 1, stride - 1, seed + 10 + y);
      for (uint32_t x = 0; x < w; x++) {
        uint8_t *o = want + ((size_t)y * w + x) * 4, *p = r + 1 + (size_t)x * spp;
        switch (kind) {
        case 0: o[0] = p[0], o[1] = p[1], o[2] = p[2], o[3] = 255; break;
        case 1: o[0] = o[1] = o[2] = p[0], o[3] = 255; break;
        case 2: o[0] = o[1] = o[2] = p[0], o[3] = p[1]; break;
        case 3: p[0] &= 15, memcpy(o, plte + 3 * p[0], 3), o[3] = trns[p[0]]; break;
        case 4: /* 16-bit samples cut to their high byte (stb rounds: (v + 128) / 257 is not used) */
          for (int c = 0; c < 4; c++) o[c] = p[2 * c];
          break;
        }
      }
    }
    f = png_write(w, h, depth, ctype, rows, h * stride, kind == 3 ? plte : NULL, sizeof plte, kind == 3 ? trns : NULL,
                  sizeof trns);
    CHECK(decode_img(&f, 4, &d) == PW_OK, "png colour type %u decodes", ctype);
    if (d.px) {
      size_t at = 0;
      int diff = max_diff(d.px, want, (size_t)w * h * 4, &at);
      CHECK(diff == 0, "png colour type %u depth %u: byte %zu is %d, expected %d", ctype, depth, at, d.px[at], want[at]);
      img_free(&d);
    }
    free(want);
    free(f.p);
  }
  free(rows);
  img_free(&m);

  /* a header claiming 100000 x 100000 pixels is refused before any allocation */
  uint8_t rowz[2] = {0, 0};
  f = png_write(100000, 100000, 8, 0, rowz, 2, NULL, 0, NULL, 0);
  msg_begin();
  s = pw_image_info(f.p, f.n, info);
  msg_end();
  CHECK(s == PW_ERANGE && strstr(task.message, "more than"), "huge PNG: %d %s", s, task.message);
  free(f.p);
  /* 1x1 grey PNG whose IDAT holds far more data than the image: refused, no crash */
  size_t big = 3 << 20;
  uint8_t *bomb = xmalloc(big);
  memset(bomb, 0, big);
  f = png_write(1, 1, 8, 0, bomb, big, NULL, 0, NULL, 0);
  uint8_t one[4];
  s = pw_image_decode(f.p, f.n, one, 1, 1);
  CHECK(s == PW_EFORMAT, "oversized IDAT: status %d", s);
  free(f.p);
  free(bomb);

  /* a few bytes of image data that declare 10000 x 10000 pixels (and
     11585 x 11585 16-bit RGBA, just under the pixel limit): refused by
     info and decode before anything is allocated (deflate makes at most
     1032 bytes of one) */
  const uint32_t bomb_sides[2][3] = {{10000, 8, 0}, {11585, 16, 6}};
  for (int k = 0; k < 2; k++) {
    f = png_write(bomb_sides[k][0], bomb_sides[k][0], (uint8_t)bomb_sides[k][1], (uint8_t)bomb_sides[k][2], rowz, 2, NULL,
                  0, NULL, 0);
    msg_begin();
    s = pw_image_info(f.p, f.n, info);
    msg_end();
    CHECK(s == PW_EFORMAT && strstr(task.message, "cannot hold"), "PNG of %u pixels a side in %zu bytes: %d %s",
          bomb_sides[k][0], f.n, s, task.message);
    s = pw_image_decode(f.p, f.n, one, 1, 1);
    CHECK(s == PW_EFORMAT, "PNG of %u pixels a side in %zu bytes: decode %d", bomb_sides[k][0], f.n, s);
    free(f.p);
  }
  /* as much data as the bound allows (a row of zeros, 1032 bytes a byte) is not refused by it */
  {
    size_t raw = 1033 * 100;
    uint8_t *zeros = xmalloc(raw);
    memset(zeros, 0, raw);
    f = png_write(1032, 100, 8, 0, zeros, raw, NULL, 0, NULL, 0); /* stored: 5 bytes a 64 KiB block more */
    CHECK(pw_image_info(f.p, f.n, info) == PW_OK, "a PNG with enough image data passes the bound");
    free(f.p);
    free(zeros);
  }
  /* damage to the image data with the IDAT chunk's CRC made right again:
     the zlib stream's Adler-32 catches it (stb's inflate does not check
     it); the stream without its Adler-32: truncated */
  {
    uint8_t rows[3 * 5];
    for (int i = 0; i < 15; i++) rows[i] = (uint8_t)(i % 5 ? 7 * i : 0);
    for (int k = 0; k < 2; k++) {
      f = png_write(4, 3, 8, 0, rows, sizeof rows, NULL, 0, NULL, 0);
      size_t idat = 8 + 25; /* after the signature and IHDR */
      CHECK(memcmp(f.p + idat + 4, "IDAT", 4) == 0, "IDAT after IHDR");
      uint32_t len = (uint32_t)f.p[idat] << 24 | (uint32_t)f.p[idat + 1] << 16 | f.p[idat + 2] << 8 | f.p[idat + 3];
      if (k == 0) {
        f.p[idat + 8 + 2 + 5 + 6] ^= 0x21; /* a pixel byte in the stored block */
      } else {
        /* the 4 Adler-32 bytes cut from the chunk: the chunk and the file 4 bytes shorter */
        memmove(f.p + idat + 8 + len - 4, f.p + idat + 8 + len, f.n - (idat + 8 + len));
        f.n -= 4, len -= 4;
        f.p[idat + 2] = (uint8_t)(len >> 8), f.p[idat + 3] = (uint8_t)len;
      }
      const uint32_t crc = crc_bitwise(f.p + idat + 4, len + 4);
      for (int i = 0; i < 4; i++) f.p[idat + 8 + len + i] = (uint8_t)(crc >> (24 - 8 * i));
      uint8_t px[12 * 4];
      msg_begin();
      s = pw_image_decode(f.p, f.n, px, 4, 3);
      msg_end();
      CHECK(s == PW_EFORMAT && strstr(task.message, k == 0 ? "Adler-32 is" : "without its Adler-32"),
            "PNG image data %s: %d %s", k == 0 ? "damaged" : "without its Adler-32", s, task.message);
      free(f.p);
    }
  }
  /* a damaged header (a width byte changed, its CRC now wrong) is a bad CRC, not a size out of range */
  f = png_write(5, 5, 8, 0, rowz, 2, NULL, 0, NULL, 0);
  f.p[16] = 0x40;
  msg_begin();
  s = pw_image_info(f.p, f.n, info);
  msg_end();
  CHECK(s == PW_EFORMAT && strstr(task.message, "bad CRC in chunk IHDR"), "damaged IHDR: %d %s", s, task.message);
  free(f.p);
}

static void test_codec_round_trips(void) {
  static const uint32_t sizes[][2] = {{1, 1}, {1, 17}, {23, 1}, {64, 48}, {333, 101}};
  for (size_t t = 0; t < 5; t++)
    for (unsigned ch = 1; ch <= 4; ch += 3) {
      img m = img_random(sizes[t][0], sizes[t][1], ch, 2, 2300 + t);
      pw_result r = {0};
      pw_status s = ch == 4 ? pw_image_encode_png(m.px, m.w, m.h, &r) : pw_image_encode_png_grey(m.px, m.w, m.h, &r);
      CHECK(s == PW_OK && r.size > 8, "encode png %ux%u", m.w, m.h);
      /* check the file's structure independently: signature, IHDR, CRCs */
      const uint8_t *p = r.data;
      int ok = r.size > 33 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0 && memcmp(p + 12, "IHDR", 4) == 0;
      size_t at = 8;
      while (ok && at + 12 <= r.size) {
        uint32_t len = (uint32_t)p[at] << 24 | (uint32_t)p[at + 1] << 16 | (uint32_t)p[at + 2] << 8 | p[at + 3];
        if (at + 12 + len > r.size) { ok = 0; break; }
        uint32_t crc = (uint32_t)p[at + 8 + len] << 24 | (uint32_t)p[at + 9 + len] << 16 | (uint32_t)p[at + 10 + len] << 8 | p[at + 11 + len];
        ok = crc == crc_bitwise(p + at + 4, len + 4);
        if (memcmp(p + at + 4, "IEND", 4) == 0) break;
        at += 12 + len;
      }
      CHECK(ok, "encoded PNG structure");
      buf f = {r.data, r.size, r.size};
      img d = {0};
      CHECK(decode_img(&f, ch, &d) == PW_OK && d.w == m.w && d.h == m.h && memcmp(d.px, m.px, img_len(&m)) == 0,
            "png round trip %ux%u ch%u", m.w, m.h, ch);
      img_free(&d);
      free(r.data);
      img_free(&m);

      /* JPEG: a smooth image comes back close at quality 95 */
      img sm = img_smooth(sizes[t][0] * 2 + 7, sizes[t][1] * 2 + 7, ch);
      r = (pw_result){0};
      s = ch == 4 ? pw_image_encode_jpeg(sm.px, sm.w, sm.h, 95, &r) : pw_image_encode_jpeg_grey(sm.px, sm.w, sm.h, 95, &r);
      CHECK(s == PW_OK && r.size > 100, "encode jpeg");
      f = (buf){r.data, r.size, r.size};
      uint32_t info[4];
      CHECK(pw_image_info(f.p, f.n, info) == PW_OK && info[0] == sm.w && info[1] == sm.h && info[3] == PW_IMAGE_JPEG,
            "jpeg info");
      CHECK(decode_img(&f, ch, &d) == PW_OK, "jpeg decode");
      if (d.px) {
        double err = 0;
        int worst = 0;
        for (size_t i = 0; i < img_len(&sm); i++) {
          if (ch == 4 && i % 4 == 3) {
            worst = d.px[i] != 255 ? 999 : worst; /* JPEG has no alpha: 255 */
            continue;
          }
          int e = abs((int)d.px[i] - sm.px[i]);
          err += e;
          if (e > worst) worst = e;
        }
        err /= (double)img_len(&sm);
        CHECK(err < 2.0 && worst < 60, "jpeg round trip %ux%u ch%u: mean error %.2f, worst %d", sm.w, sm.h, ch, err, worst);
        img_free(&d);
      }
      /* every truncation of the JPEG fails with PW_EFORMAT */
      if (t == 3) {
        uint8_t *dst = xmalloc((size_t)sm.w * sm.h * ch);
        int bad = 0;
        for (size_t cut = 0; cut < r.size; cut++) {
          pw_status st = ch == 4 ? pw_image_decode(r.data, cut, dst, sm.w, sm.h) : pw_image_decode_grey(r.data, cut, dst, sm.w, sm.h);
          bad += st != PW_EFORMAT;
        }
        CHECK(bad == 0, "truncated JPEGs decoded: %d", bad);
        /* random damage: any status, never a crash (ASan watches in the sanitized build) */
        uint64_t seed = 2400 + ch;
        uint8_t *copy = xmalloc(r.size);
        for (int k = 0; k < 400; k++) {
          memcpy(copy, r.data, r.size);
          int hits = 1 + (int)below(&seed, 4);
          for (int j = 0; j < hits; j++) copy[below(&seed, r.size)] ^= (uint8_t)(1 + below(&seed, 255));
          uint32_t inf[4];
          if (pw_image_info(copy, r.size, inf) == PW_OK && inf[0] * (uint64_t)inf[1] <= (uint64_t)sm.w * sm.h)
            (void)(ch == 4 ? pw_image_decode(copy, r.size, dst, inf[0], inf[1]) : pw_image_decode_grey(copy, r.size, dst, inf[0], inf[1]));
        }
        free(copy);
        free(dst);
      }
      free(r.data);
      img_free(&sm);
    }
}

/* The offset of the first marker segment m in a JPEG, or 0. */
static size_t jpeg_segment(const uint8_t *d, size_t n, uint8_t m) {
  size_t at = 2;
  while (at + 4 <= n && d[at] == 0xff) {
    if (d[at + 1] == m) return at;
    if (d[at + 1] == 0xda) return 0;
    at += 2 + ((size_t)d[at + 2] << 8 | d[at + 3]);
  }
  return 0;
}

/*
 * A JPEG whose scan or frame names a Huffman or quantization table that
 * no segment defines fails with PW_EFORMAT, the same on every call (stb
 * had decoded with what its table memory held: an earlier file's tables,
 * or reads outside the memory); a palette PNG's tRNS chunk is not counted
 * by info (3 channels, as for the other colour types).
 */
static void test_jpeg_tables(void) {
  img sm = img_smooth(40, 24, 4);
  pw_result r = {0};
  CHECK(pw_image_encode_jpeg(sm.px, sm.w, sm.h, 80, &r) == PW_OK, "encode jpeg");
  uint8_t *dst = xmalloc(img_len(&sm)), *copy = xmalloc(r.size);
  const uint8_t *d = r.data;
  size_t dht = jpeg_segment(d, r.size, 0xc4), sos = jpeg_segment(d, r.size, 0xda), dqt = jpeg_segment(d, r.size, 0xdb);
  size_t sof = jpeg_segment(d, r.size, 0xc0);
  CHECK(dht && sos && dqt && sof, "the encoder's JPEG has DHT, DQT, SOF0 and SOS");
  /* every table class/id byte of the DHT segment(s) and DQT segment(s), each given an id no other defines */
  size_t targets[64];
  uint8_t values[64];
  int nt = 0;
  for (size_t at = 2; at + 4 <= r.size && d[at] == 0xff && d[at + 1] != 0xda;
       at += 2 + ((size_t)d[at + 2] << 8 | d[at + 3])) {
    size_t t = at + 4, end = at + 2 + ((size_t)d[at + 2] << 8 | d[at + 3]);
    if (d[at + 1] == 0xc4)
      while (t < end && nt < 64) {
        size_t count = 0;
        for (int i = 1; i <= 16; i++) count += d[t + i];
        targets[nt] = t, values[nt++] = (uint8_t)((d[t] & 0xf0) | 3); /* table 3 of its class: unused */
        t += 17 + count;
      }
    if (d[at + 1] == 0xdb)
      while (t < end && nt < 64) {
        targets[nt] = t, values[nt++] = (uint8_t)((d[t] & 0xf0) | 3);
        t += 1 + ((d[t] >> 4) ? 128 : 64);
      }
  }
  /* the scan's table selectors and the frame's quantization ids, pointed at table 3 */
  unsigned ns = d[sos + 4], nf = d[sof + 9];
  for (unsigned i = 0; i < ns && nt < 62; i++) {
    targets[nt] = sos + 6 + 2 * i, values[nt++] = (uint8_t)(0x30 | (d[sos + 6 + 2 * i] & 15));
    targets[nt] = sos + 6 + 2 * i, values[nt++] = (uint8_t)((d[sos + 6 + 2 * i] & 0xf0) | 3);
  }
  for (unsigned i = 0; i < nf && nt < 64; i++) targets[nt] = sof + 12 + 3 * i, values[nt++] = 3;
  CHECK(nt >= 6, "jpeg tables: %d edits", nt);
  int bad = 0;
  for (int k = 0; k < nt; k++) {
    memcpy(copy, d, r.size);
    copy[targets[k]] = values[k];
    for (int rep = 0; rep < 2; rep++) {
      pw_status s = pw_image_decode(copy, r.size, dst, sm.w, sm.h), g = pw_image_decode_grey(copy, r.size, dst, sm.w, sm.h);
      if (s != PW_EFORMAT || g != PW_EFORMAT) bad++, fprintf(stderr, "jpeg edit %d (byte %zu = 0x%02x): status %d / %d\n", k,
                                                               targets[k], values[k], s, g);
    }
  }
  CHECK(bad == 0, "jpeg tables: %d decodes of files naming missing tables did not fail with PW_EFORMAT", bad);
  /* the frame header patched to 11000 x 11000: its scan data cannot hold
     the DC differences of that many blocks (a bit each), refused before
     anything is allocated */
  memcpy(copy, d, r.size);
  copy[sof + 5] = copy[sof + 7] = 11000 >> 8, copy[sof + 6] = copy[sof + 8] = 11000 & 255;
  uint32_t info4[4];
  msg_begin();
  pw_status bs = pw_image_info(copy, r.size, info4);
  msg_end();
  CHECK(bs == PW_EFORMAT && strstr(task.message, "cannot hold"), "JPEG declaring 11000x11000 in %zu bytes: %d %s", r.size, bs,
        task.message);
  CHECK(pw_image_decode(copy, r.size, dst, 11000, 11000) == PW_EFORMAT, "JPEG bomb: decode refused");
  free(copy), free(dst), free(r.data);
  img_free(&sm);

  /* palette PNG (colour type 3) with tRNS: info says 3 channels, decode gives RGBA */
  const uint8_t plte[3] = {10, 20, 30}, trns[1] = {128}, row[2] = {0, 0};
  buf f = png_write(1, 1, 8, 3, row, 2, plte, 3, trns, 1);
  uint32_t info[4] = {0};
  CHECK(pw_image_info(f.p, f.n, info) == PW_OK && info[2] == 3, "palette PNG with tRNS: info channels %u, want 3", info[2]);
  uint8_t px[4] = {0};
  CHECK(pw_image_decode(f.p, f.n, px, 1, 1) == PW_OK && px[0] == 10 && px[1] == 20 && px[2] == 30 && px[3] == 128,
        "palette PNG with tRNS decodes to 10,20,30,128 (got %u,%u,%u,%u)", px[0], px[1], px[2], px[3]);
  free(f.p);
}

/*
 * The chunks of row loops (pw__img_grain): a tile is one chunk, a large
 * picture several a thread, a filter's halo never taller than half a chunk.
 */
static void test_grain(void) {
  SET_MIN_CHUNK(0);
  for (int threads = 1; threads <= 4; threads++) {
    SET_THREADS(threads);
    const size_t conc = (size_t)pw_concurrency();
    /* a 16 x 16 RGBA tile: one chunk, for point operations and filters */
    CHECK(pw__img_grain(16, 64, 4, PW_IMG_MIN_CHUNK, 1) >= 16, "grain: a tile is cut (%zu rows a chunk, %zu threads)",
          pw__img_grain(16, 64, 4, PW_IMG_MIN_CHUNK, 1), conc);
    CHECK(pw__img_grain(16, 64, 2, PW_IMG_MIN_FILTER_CHUNK, 1) >= 16, "grain: a tile's filter is cut");
    /* no chunk under the least work */
    size_t g = pw__img_grain(1000, 100, 4, PW_IMG_MIN_CHUNK, 1);
    CHECK(g * 100 >= PW_IMG_MIN_CHUNK, "grain: %zu rows of 100 bytes is under the least chunk", g);
    /* 4000 x 3000 RGBA: `per_thread` chunks a thread */
    g = pw__img_grain(3000, 16000, 4, PW_IMG_MIN_CHUNK, 1);
    CHECK(pw_chunks(3000, g) == 4 * conc, "grain: 3000 rows in %zu chunks on %zu threads", pw_chunks(3000, g), conc);
    /* the least rows (a halo of 4r) */
    CHECK(pw__img_grain(3000, 16000, 4, PW_IMG_MIN_FILTER_CHUNK, 400) >= 400, "grain: under the least rows");
    /* never 0, whatever the arguments */
    CHECK(pw__img_grain(0, 0, 4, 0, 0) == 1 && pw__img_grain(5, 0, 4, PW_IMG_MIN_CHUNK, 0) >= 1, "grain: 0");
  }
  SET_THREADS(4);
  SET_MIN_CHUNK(TINY_CHUNKS);
}

int main(void) {
  test_grain();
  SET_MIN_CHUNK(TINY_CHUNKS); /* (the fake pool: chunk boundaries in small pictures too) */
  test_resize();
  test_no_bleeding();
  test_blur();
  test_blur_fixed();
  test_blur_alpha_small();
  test_blur_hybrid();
  test_unsharp_fixed();
  test_box();
  test_unsharp();
  test_convolve();
  test_colour();
  test_alpha_exhaustive();
  test_geometry();
  test_flop_widths();
  test_composite();
  test_measure();
  test_bad_input();
  test_png_decode();
  test_codec_round_trips();
  test_jpeg_tables();
  return test_summary("test_image");
}
