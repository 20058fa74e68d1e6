/*
 * measure.c — histograms and per-channel mean, minimum and maximum.
 *
 * A deterministic parallel reduction (pw_parallel_reduce) over row chunks:
 * each chunk counts into its own histogram, the partials are added in
 * chunk order. The statistics come from the histogram (exact integer sums
 * to 2^32 pixels * 255, divided once in double), so there is one pass over
 * the pixels. Counting uses four tables per channel in turn, so that runs
 * of equal bytes do not wait on the same counter.
 */
#include "image_internal.h"

typedef struct {
  const uint8_t *src;
  size_t row_pixels;
  unsigned ch;
} hist_ctx;

/* partial: ch * 256 uint32 counts */
static void hist_body(void *p, size_t y0, size_t y1, void *partial) {
  const hist_ctx *c = p;
  uint32_t *h = partial;
  const size_t n = (y1 - y0) * c->row_pixels;
  const uint8_t *s = c->src + y0 * c->row_pixels * c->ch;
  if (c->ch == 4) {
    /* odd pixels count into a second table: neighbours often share a
       value, and two tables halve the chains of increments to one count */
    uint32_t t[1024] = {0};
    size_t i = 0;
    for (; i + 2 <= n; i += 2, s += 8) {
      h[s[0]]++, h[256 + s[1]]++, h[512 + s[2]]++, h[768 + s[3]]++;
      t[s[4]]++, t[256 + s[5]]++, t[512 + s[6]]++, t[768 + s[7]]++;
    }
    if (i < n) h[s[0]]++, h[256 + s[1]]++, h[512 + s[2]]++, h[768 + s[3]]++;
    for (int v = 0; v < 1024; v++) h[v] += t[v];
  } else {
    uint32_t t[4][256] = {{0}};
    size_t i = 0;
    for (; i + 4 <= n; i += 4) t[0][s[i]]++, t[1][s[i + 1]]++, t[2][s[i + 2]]++, t[3][s[i + 3]]++;
    for (; i < n; i++) t[0][s[i]]++;
    for (int v = 0; v < 256; v++) h[v] += t[0][v] + t[1][v] + t[2][v] + t[3][v];
  }
}

static void hist_join(void *p, void *acc, const void *partial) {
  const hist_ctx *c = p;
  uint32_t *a = acc;
  const uint32_t *b = partial;
  for (size_t i = 0; i < 256 * (size_t)c->ch; i++) a[i] += b[i];
}

static pw_status histogram(const uint8_t *src, uint32_t width, uint32_t height, unsigned ch, uint32_t *hist) {
  pw_status s = pw__img_check("", width, height, ch);
  if (s != PW_OK) return s;
  if ((uint64_t)width * height > UINT32_MAX)
    return pw_fail(PW_ERANGE, "the image has %llu pixels: counts are 32-bit",
                   (unsigned long long)width * height);
  if (hist == NULL) return pw_fail(PW_EINVAL, "hist is missing");
  memset(hist, 0, 256 * ch * sizeof *hist);
  hist_ctx c = {src, width, ch};
  const size_t grain = pw_grain((size_t)width * ch);
  /* one chunk (a tile): counted straight into the zeroed hist, the counts
     the reduction would join into it, without its partial slots */
  if (height <= grain) {
    if (pw_cancelled()) return PW_ECANCELED;
    hist_body(&c, 0, height, hist);
    return PW_OK;
  }
  s = pw_parallel_reduce(height, grain, 256 * ch * sizeof(uint32_t), hist_body, hist_join, &c, hist);
  if (s == PW_ENOMEM) return pw_fail(PW_ENOMEM, "out of memory for partial histograms");
  return s;
}

pw_status pw_image_histogram(const uint8_t *src, uint32_t width, uint32_t height, uint32_t *hist) {
  return histogram(src, width, height, 4, hist);
}

pw_status pw_image_histogram_grey(const uint8_t *src, uint32_t width, uint32_t height, uint32_t *hist) {
  return histogram(src, width, height, 1, hist);
}

/* Below this many pixels, stats() sums and compares the pixels directly:
   a histogram is 256 counts a channel to clear, merge and scan, more work
   than a tile's pixels. */
#define STATS_DIRECT_MAX 4096u

/* stats: means[ch], mins[ch], maxs[ch] */
static pw_status stats(const uint8_t *src, uint32_t width, uint32_t height, unsigned ch, double *out) {
  if ((uint64_t)width * height <= STATS_DIRECT_MAX) {
    pw_status s = pw__img_check("", width, height, ch);
    if (s != PW_OK) return s;
    const size_t n = (size_t)width * height;
    for (unsigned k = 0; k < ch; k++) {
      uint32_t sum = 0; /* at most 4096 * 255 */
      uint8_t lo = 255, hi = 0;
      for (size_t i = k; i < n * ch; i += ch) {
        const uint8_t v = src[i];
        sum += v;
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
      }
      /* the same figures as from the histogram: the exact sum divided once */
      out[k] = (double)sum / (double)n;
      out[ch + k] = lo;
      out[2 * ch + k] = hi;
    }
    return PW_OK;
  }
  uint32_t hist[1024];
  pw_status s = histogram(src, width, height, ch, hist);
  if (s != PW_OK) return s;
  const double n = (double)width * height;
  for (unsigned k = 0; k < ch; k++) {
    const uint32_t *h = hist + 256 * k;
    uint64_t sum = 0;
    int lo = -1, hi = 0;
    for (int v = 0; v < 256; v++) {
      if (h[v] == 0) continue;
      sum += (uint64_t)h[v] * v;
      if (lo < 0) lo = v;
      hi = v;
    }
    out[k] = (double)sum / n;
    out[ch + k] = lo;
    out[2 * ch + k] = hi;
  }
  return PW_OK;
}

pw_status pw_image_stats(const uint8_t *src, uint32_t width, uint32_t height, double *out) {
  return stats(src, width, height, 4, out);
}

pw_status pw_image_stats_grey(const uint8_t *src, uint32_t width, uint32_t height, double *out) {
  return stats(src, width, height, 1, out);
}
