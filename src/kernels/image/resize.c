/*
 * resize.c — pw_image_resize and pw_image_resize_grey.
 *
 * Nearest neighbour takes, for output pixel x, the source pixel under its
 * centre: floor((x + 0.5) * src / dst), computed exactly in integers as
 * (2x + 1) src / (2 dst).
 *
 * The other filters run on the separable engine (separable.c) with the
 * taps of pw__img_taps_resize: output pixel x has its centre at source
 * coordinate (x + 0.5) * src / dst; source pixel j (centre j + 0.5) weighs
 * K((j + 0.5 - centre) / s), with s = max(1, src / dst) the widening that
 * makes shrinking area-correct (every source pixel counts, with the weight
 * the filter gives its area), as in Pillow and libvips. Taps outside the
 * image are dropped and the rest renormalised, which keeps flat edges flat
 * without inventing pixels. A side that keeps its size is not filtered
 * (each output pixel is its source pixel), and the same size in both is a
 * copy, as in Pillow: a filter that does not interpolate (Mitchell) would
 * blur the picture. Measured cost (Lanczos-3, 4000x3000 -> 1000x750,
 * one thread): see test/bench/native_image.c.
 */
#include "image_internal.h"

typedef struct {
  const uint8_t *src;
  uint8_t *dst;
  uint32_t sw, sh, dw, dh;
  unsigned ch;
  const uint32_t *xmap;
} nearest_ctx;

static void nearest_rows(void *p, size_t y0, size_t y1) {
  const nearest_ctx *c = p;
  for (size_t y = y0; y < y1; y++) {
    uint64_t sy = ((2 * (uint64_t)y + 1) * c->sh) / (2 * (uint64_t)c->dh);
    const uint8_t *s = c->src + (size_t)sy * c->sw * c->ch;
    uint8_t *d = c->dst + y * (size_t)c->dw * c->ch;
    if (c->ch == 4) {
      for (uint32_t x = 0; x < c->dw; x++) memcpy(d + 4 * (size_t)x, s + 4 * (size_t)c->xmap[x], 4);
    } else {
      for (uint32_t x = 0; x < c->dw; x++) d[x] = s[c->xmap[x]];
    }
  }
}

static pw_status resize_nearest(const uint8_t *src, uint32_t sw, uint32_t sh, uint8_t *dst,
                                uint32_t dw, uint32_t dh, unsigned ch) {
  uint32_t *xmap = malloc((size_t)dw * sizeof *xmap);
  if (xmap == NULL) return pw_fail(PW_ENOMEM, "out of memory for the column map");
  for (uint32_t x = 0; x < dw; x++) xmap[x] = (uint32_t)(((2 * (uint64_t)x + 1) * sw) / (2 * (uint64_t)dw));
  nearest_ctx c = {src, dst, sw, sh, dw, dh, ch, xmap};
  pw_status s = pw__img_rows(dh, (size_t)dw * ch, nearest_rows, &c);
  free(xmap);
  return s;
}

pw_status pw__image_resize(const uint8_t *src, uint32_t width, uint32_t height, uint8_t *dst,
                           uint32_t dst_width, uint32_t dst_height, uint32_t filter,
                           unsigned channels, unsigned flags) {
  pw_status s = pw__img_check("", width, height, channels);
  if (s == PW_OK) s = pw__img_check("dst_", dst_width, dst_height, channels);
  if (s != PW_OK) return s;
  if (filter > PW_IMAGE_LANCZOS3) return pw_fail(PW_EINVAL, "filter must be 0 to 4 (got %u)", filter);
  size_t sbytes = pw__img_bytes(width, height, channels), dbytes = pw__img_bytes(dst_width, dst_height, channels);
  uintptr_t a = (uintptr_t)src, b = (uintptr_t)dst;
  if ((a <= b && b - a < sbytes) || (b <= a && a - b < dbytes))
    return pw_fail(PW_EINVAL, "dst overlaps src (resize cannot work in place)");
  /* the same size: a copy, whatever the filter (nearest maps every pixel to itself) */
  if (filter == PW_IMAGE_NEAREST || (width == dst_width && height == dst_height))
    return resize_nearest(src, width, height, dst, dst_width, dst_height, channels);

  pw__img_taps xt = {0}, yt = {0};
  s = pw__img_taps_resize(&xt, width, dst_width, filter);
  if (s == PW_OK) s = pw__img_taps_resize(&yt, height, dst_height, filter);
  if (s != PW_OK) {
    pw__img_taps_free(&xt);
    return s == PW_ENOMEM ? pw_fail(PW_ENOMEM, "out of memory for filter weights") : s;
  }
  pw__img_sep job = {src, width, height, dst, dst_width, dst_height, channels, &xt, &yt,
                     PW__IMG_SINK_PLAIN, NULL, 0.0f, 0.0f, flags, 0, 0};
  s = pw__img_separable(&job);
  pw__img_taps_free(&xt);
  pw__img_taps_free(&yt);
  return s;
}

pw_status pw_image_resize(const uint8_t *src, uint32_t width, uint32_t height, uint8_t *dst,
                          uint32_t dst_width, uint32_t dst_height, uint32_t filter) {
  return pw__img_ended(pw__image_resize(src, width, height, dst, dst_width, dst_height, filter, 4, 0), dst_height);
}

pw_status pw_image_resize_grey(const uint8_t *src, uint32_t width, uint32_t height, uint8_t *dst,
                               uint32_t dst_width, uint32_t dst_height, uint32_t filter) {
  return pw__img_ended(pw__image_resize(src, width, height, dst, dst_width, dst_height, filter, 1, 0), dst_height);
}
