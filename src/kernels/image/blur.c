/*
 * blur.c — Gaussian blur, unsharp mask and box blur.
 *
 * Gaussian blur and unsharp mask run on the separable engine
 * (separable.c) with the taps of pw__img_taps_gauss: the sampled Gaussian
 * exp(-k^2 / 2 sigma^2) for |k| <= ceil(3 sigma) (99.7% of the mass; the
 * kernel is then normalised), edge pixels repeated. Repeating the edge
 * pixel r times is the same as giving the edge pixel the weight of every
 * tap beyond it, so an output pixel never has more than min(2r + 1, side)
 * taps and a huge sigma on a small image stays cheap.
 *
 * Box blur is exact: integer sums of premultiplied values in a window
 * that slides along rows (one add and one subtract a pixel) and then down
 * columns, so its cost does not depend on the radius. Sums are 64-bit:
 * (2 * 32767 + 1)^2 pixels of 65025 (255 * 255) need 49 bits.
 */
#include "image_internal.h"

/* ------------------------------------------------------------------------ */
/* Gaussian blur and unsharp mask                                           */
/* ------------------------------------------------------------------------ */

static pw_status check_sigma(float sigma) {
  if (!(sigma >= 0.0f && sigma <= 100000.0f))
    return pw_fail(PW_EINVAL, "sigma must be 0 to 100000 (got %g)", (double)sigma);
  return PW_OK;
}

/* Runs the Gaussian engine with `sink`; src and dst may be the same buffer. */
static pw_status gauss_run(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height,
                           float sigma, unsigned ch, int sink, float amount, float threshold,
                           unsigned flags) {
  size_t bytes = pw__img_bytes(width, height, ch);
  pw_status s = pw__img_check_alias(src, dst, bytes);
  if (s != PW_OK) return s;
  uint8_t *copy;
  const uint8_t *in = pw__img_source(src, dst, bytes, &copy);
  if (in == NULL) return pw_fail(PW_ENOMEM, "out of memory for the in-place copy");
  pw__img_taps xt = {0}, yt = {0};
  if (pw__img_taps_gauss(&xt, width, sigma) != PW_OK || pw__img_taps_gauss(&yt, height, sigma) != PW_OK) {
    pw__img_taps_free(&xt);
    free(copy);
    return pw_fail(PW_ENOMEM, "out of memory for filter weights");
  }
  pw__img_sep job = {in, width, height, dst, width, height, ch, &xt, &yt, sink, in, amount, threshold, flags};
  s = pw__img_separable(&job);
  pw__img_taps_free(&xt);
  pw__img_taps_free(&yt);
  free(copy);
  return s;
}

pw_status pw__image_blur(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height,
                         float sigma, unsigned channels, unsigned flags) {
  pw_status s = pw__img_check("", width, height, channels);
  if (s == PW_OK) s = check_sigma(sigma);
  if (s != PW_OK) return s;
  if (sigma == 0.0f) {
    size_t bytes = pw__img_bytes(width, height, channels);
    if ((s = pw__img_check_alias(src, dst, bytes)) != PW_OK) return s;
    if (src != dst) memcpy(dst, src, bytes);
    return PW_OK;
  }
  return gauss_run(src, dst, width, height, sigma, channels, PW__IMG_SINK_PLAIN, 0.0f, 0.0f, flags);
}

pw_status pw__image_unsharp(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height,
                            float sigma, float amount, float threshold, unsigned channels,
                            unsigned flags) {
  pw_status s = pw__img_check("", width, height, channels);
  if (s == PW_OK) s = check_sigma(sigma);
  if (s != PW_OK) return s;
  if (!(amount >= 0.0f && amount <= 1000.0f))
    return pw_fail(PW_EINVAL, "amount must be 0 to 1000 (got %g)", (double)amount);
  if (!(threshold >= 0.0f && threshold <= 255.0f))
    return pw_fail(PW_EINVAL, "threshold must be 0 to 255 (got %g)", (double)threshold);
  if (sigma == 0.0f) { /* the blur is the image: nothing to sharpen */
    size_t bytes = pw__img_bytes(width, height, channels);
    if ((s = pw__img_check_alias(src, dst, bytes)) != PW_OK) return s;
    if (src != dst) memcpy(dst, src, bytes);
    return PW_OK;
  }
  return gauss_run(src, dst, width, height, sigma, channels, PW__IMG_SINK_UNSHARP, amount, threshold,
                   flags);
}

pw_status pw_image_blur(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height, float sigma) {
  return pw__image_blur(src, dst, width, height, sigma, 4, 0);
}

pw_status pw_image_blur_grey(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height,
                             float sigma) {
  return pw__image_blur(src, dst, width, height, sigma, 1, 0);
}

pw_status pw_image_unsharp(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height,
                           float sigma, float amount, float threshold) {
  return pw__image_unsharp(src, dst, width, height, sigma, amount, threshold, 4, 0);
}

pw_status pw_image_unsharp_grey(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height,
                                float sigma, float amount, float threshold) {
  return pw__image_unsharp(src, dst, width, height, sigma, amount, threshold, 1, 0);
}

/* ------------------------------------------------------------------------ */
/* Box blur                                                                 */
/* ------------------------------------------------------------------------ */

typedef struct {
  const uint8_t *src;
  uint8_t *dst;
  uint32_t w, h, r;
  unsigned ch;
  atomic_int failed;
} box_ctx;

/* Index i clamped to [0, n). */
static inline uint32_t clampi(int64_t i, uint32_t n) {
  return i < 0 ? 0 : i >= (int64_t)n ? n - 1 : (uint32_t)i;
}

/* Values summed by the box: premultiplied (r a, g a, b a, a), or grey. */
static inline void box_px(const box_ctx *c, const uint8_t *row, uint32_t x, uint64_t *v) {
  if (c->ch == 1) {
    v[0] = row[x];
    return;
  }
  const uint8_t *p = row + 4 * (size_t)x;
  v[0] = (uint64_t)p[0] * p[3];
  v[1] = (uint64_t)p[1] * p[3];
  v[2] = (uint64_t)p[2] * p[3];
  v[3] = p[3];
}

/* hs[x] = the row's sum over [x - r, x + r] (edges repeated), sliding. */
static void box_hsum(const box_ctx *c, uint32_t y, uint64_t *hs) {
  const unsigned ch = c->ch;
  const uint8_t *row = c->src + (size_t)y * c->w * ch;
  const uint32_t w = c->w, r = c->r;
  uint64_t s[4] = {0, 0, 0, 0}, v[4];
  /* window of x = 0: pixel 0 counted r + 1 times, then pixels 1..r (clamped) */
  box_px(c, row, 0, v);
  for (unsigned k = 0; k < ch; k++) s[k] = v[k] * ((uint64_t)r + 1);
  uint32_t direct = r < w - 1 ? r : w - 1; /* pixels 1..direct counted once */
  for (uint32_t x = 1; x <= direct; x++) {
    box_px(c, row, x, v);
    for (unsigned k = 0; k < ch; k++) s[k] += v[k];
  }
  if (r > w - 1) { /* the rest of the window repeats the last pixel */
    box_px(c, row, w - 1, v);
    for (unsigned k = 0; k < ch; k++) s[k] += v[k] * ((uint64_t)r - (w - 1));
  }
  for (uint32_t x = 0; x < w; x++) {
    for (unsigned k = 0; k < ch; k++) hs[(size_t)x * ch + k] = s[k];
    uint64_t in[4], out[4];
    box_px(c, row, clampi((int64_t)x + r + 1, w), in);
    box_px(c, row, clampi((int64_t)x - r, w), out);
    for (unsigned k = 0; k < ch; k++) s[k] += in[k] - out[k];
  }
}

static void box_chunk(void *p, size_t y0, size_t y1) {
  box_ctx *c = p;
  const unsigned ch = c->ch;
  const size_t n = (size_t)c->w * ch;
  const uint32_t h = c->h, r = c->r;
  uint64_t *cs = malloc(n * sizeof *cs), *hs = malloc(n * sizeof *hs), *hs2 = malloc(n * sizeof *hs2);
  if (cs == NULL || hs == NULL || hs2 == NULL) {
    atomic_store(&c->failed, 1);
    goto done;
  }
  /* column sums of the window of row y0: rows y0-r .. y0+r, clamped; each
     distinct row once, times the number of window rows that clamp to it */
  memset(cs, 0, n * sizeof *cs);
  int64_t lo = (int64_t)y0 - r, hi = (int64_t)y0 + r;
  uint32_t first = clampi(lo, h), last = clampi(hi, h);
  for (uint32_t j = first; j <= last; j++) {
    uint64_t times = 1;
    if (j == 0 && lo < 0) times += (uint64_t)(-lo);
    if (j == h - 1 && hi > (int64_t)h - 1) times += (uint64_t)(hi - (h - 1));
    box_hsum(c, j, hs);
    for (size_t i = 0; i < n; i++) cs[i] += hs[i] * times;
  }
  const uint64_t area = (2 * (uint64_t)r + 1) * (2 * (uint64_t)r + 1);
  for (size_t y = y0; y < y1; y++) {
    uint8_t *d = c->dst + y * n;
    if (ch == 1) {
      for (size_t i = 0; i < n; i++) d[i] = (uint8_t)((2 * cs[i] + area) / (2 * area));
    } else {
      for (size_t i = 0; i < n; i += 4) {
        uint64_t A = cs[i + 3];
        uint64_t a = (2 * A + area) / (2 * area);
        if (a == 0) {
          d[i] = d[i + 1] = d[i + 2] = d[i + 3] = 0;
          continue;
        }
        d[i] = (uint8_t)((2 * cs[i] + A) / (2 * A));
        d[i + 1] = (uint8_t)((2 * cs[i + 1] + A) / (2 * A));
        d[i + 2] = (uint8_t)((2 * cs[i + 2] + A) / (2 * A));
        d[i + 3] = (uint8_t)a;
      }
    }
    if (y + 1 < y1) { /* slide: add row y+r+1, drop row y-r */
      box_hsum(c, clampi((int64_t)y + r + 1, h), hs);
      box_hsum(c, clampi((int64_t)y - r, h), hs2);
      for (size_t i = 0; i < n; i++) cs[i] += hs[i] - hs2[i];
    }
  }
  pw_progress_add(y1 - y0, h);
done:
  free(cs);
  free(hs);
  free(hs2);
}

static pw_status box_blur(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height,
                          uint32_t radius, unsigned ch) {
  pw_status s = pw__img_check("", width, height, ch);
  if (s != PW_OK) return s;
  if (radius > 32767) return pw_fail(PW_EINVAL, "radius must be 0 to 32767 (got %u)", radius);
  size_t bytes = pw__img_bytes(width, height, ch);
  if ((s = pw__img_check_alias(src, dst, bytes)) != PW_OK) return s;
  if (radius == 0) {
    if (src != dst) memcpy(dst, src, bytes);
    return PW_OK;
  }
  uint8_t *copy;
  const uint8_t *in = pw__img_source(src, dst, bytes, &copy);
  if (in == NULL) return pw_fail(PW_ENOMEM, "out of memory for the in-place copy");
  box_ctx c = {in, dst, width, height, radius, ch, 0};
  /* a chunk starts by summing up to 2r + 1 rows: keep chunks at least that tall */
  size_t grain = pw_chunks(height, 4 * (size_t)pw_concurrency());
  size_t least = 2 * (size_t)radius + 1;
  if (grain < least) grain = least;
  s = pw_parallel_for(height, grain, box_chunk, &c);
  free(copy);
  if (s == PW_OK && atomic_load(&c.failed)) s = pw_fail(PW_ENOMEM, "out of memory for box sums");
  return s;
}

pw_status pw_image_box_blur(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height,
                            uint32_t radius) {
  return box_blur(src, dst, width, height, radius, 4);
}

pw_status pw_image_box_blur_grey(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height,
                                 uint32_t radius) {
  return box_blur(src, dst, width, height, radius, 1);
}
