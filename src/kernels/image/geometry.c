/*
 * geometry.c — crop, flip, flop, rotate by quarter turns, extend.
 *
 * Pure byte moves, split by rows. In place, flip swaps row y with row
 * h-1-y and rotate 180 swaps pixel i with pixel n-1-i, so a chunk handles
 * pairs (the top half's rows) and never touches another chunk's pixels.
 * Rotating by 90 or 270 degrees changes the shape, so in place it reads
 * from a copy. Quarter turns go through 32x32-pixel tiles so that the
 * column-wise reads stay in cache; in wasm, RGBA tiles go as 4x4 blocks of
 * pixels transposed in SIMD registers (12 MP rotate 90, one thread, CPU
 * ms: wasm 96 -> 12, native byte-wise copies 48).
 */
#include <stddef.h>

#include "image_internal.h"

typedef struct {
  const uint8_t *src;
  uint8_t *dst;
  uint32_t w, h;     /* source size */
  unsigned ch;
  uint32_t left, top, dw, dh; /* crop / extend */
  uint32_t angle;
  uint8_t bg[4];
} geo_ctx;

/* ---- crop */

static void crop_rows(void *p, size_t y0, size_t y1) {
  const geo_ctx *c = p;
  const size_t pw = c->ch;
  for (size_t y = y0; y < y1; y++)
    memcpy(c->dst + y * c->dw * pw, c->src + ((y + c->top) * c->w + c->left) * pw, c->dw * pw);
}

static pw_status crop(const uint8_t *src, uint32_t width, uint32_t height, uint8_t *dst, uint32_t left,
                      uint32_t top, uint32_t dst_width, uint32_t dst_height, unsigned ch) {
  pw_status s = pw__img_check("", width, height, ch);
  if (s == PW_OK) s = pw__img_check("dst_", dst_width, dst_height, ch);
  if (s != PW_OK) return s;
  if ((uint64_t)left + dst_width > width)
    return pw_fail(PW_ERANGE, "left + dst_width = %llu is beyond the width %u",
                   (unsigned long long)left + dst_width, width);
  if ((uint64_t)top + dst_height > height)
    return pw_fail(PW_ERANGE, "top + dst_height = %llu is beyond the height %u",
                   (unsigned long long)top + dst_height, height);
  size_t sb = pw__img_bytes(width, height, ch), db = pw__img_bytes(dst_width, dst_height, ch);
  uintptr_t a = (uintptr_t)src, b = (uintptr_t)dst;
  if ((a <= b && b - a < sb) || (b <= a && a - b < db))
    return pw_fail(PW_EINVAL, "dst overlaps src (crop cannot work in place)");
  geo_ctx c = {.src = src, .dst = dst, .w = width, .h = height, .ch = ch, .left = left, .top = top,
               .dw = dst_width, .dh = dst_height};
  return pw__img_rows(dst_height, (size_t)dst_width * ch, crop_rows, &c);
}

pw_status pw_image_crop(const uint8_t *src, uint32_t width, uint32_t height, uint8_t *dst, uint32_t left,
                        uint32_t top, uint32_t dst_width, uint32_t dst_height) {
  return crop(src, width, height, dst, left, top, dst_width, dst_height, 4);
}

pw_status pw_image_crop_grey(const uint8_t *src, uint32_t width, uint32_t height, uint8_t *dst,
                             uint32_t left, uint32_t top, uint32_t dst_width, uint32_t dst_height) {
  return crop(src, width, height, dst, left, top, dst_width, dst_height, 1);
}

/* ---- flip, flop, rotate 180 */

/*
 * Reverses the order of n pixels of ch bytes (1 or 4) from s into d (d may
 * be s): pixels i and j-1 trade places while i < j-1, from both ends
 * inwards. With wasm SIMD, whole vectors from both ends first: both are
 * loaded before either is stored, and they do not overlap (j - i >= 2k),
 * so in place works the same.
 */
#define REVERSE_SCALAR(CH)                                                     \
  do {                                                                         \
    for (; j - i >= 2; i++, j--) {                                             \
      uint8_t t_[CH];                                                          \
      memcpy(t_, s + i * (CH), CH);                                            \
      memmove(d + i * (CH), s + (j - 1) * (CH), CH);                           \
      memcpy(d + (j - 1) * (CH), t_, CH);                                      \
    }                                                                          \
    if (j - i == 1) memmove(d + i * (CH), s + i * (CH), CH);                   \
  } while (0)

/*
 * Whole vectors (16 / CH pixels) from both ends first (wasm SIMD), four
 * from each end a step while 8 fit, then one, then REVERSE_SCALAR.
 */
#define REVERSE_SIMD(CH, REV)                                                  \
  do {                                                                         \
    const size_t k_ = 16 / (CH);                                               \
    for (; j - i >= 8 * k_; i += 4 * k_, j -= 4 * k_) {                        \
      const uint8_t *p_ = s + i * (CH), *q_ = s + (j - 4 * k_) * (CH);         \
      uint8_t *dp_ = d + i * (CH), *dq_ = d + (j - 4 * k_) * (CH);             \
      v128_t a0_ = wasm_v128_load(p_), a1_ = wasm_v128_load(p_ + 16);          \
      v128_t a2_ = wasm_v128_load(p_ + 32), a3_ = wasm_v128_load(p_ + 48);     \
      v128_t b0_ = wasm_v128_load(q_), b1_ = wasm_v128_load(q_ + 16);          \
      v128_t b2_ = wasm_v128_load(q_ + 32), b3_ = wasm_v128_load(q_ + 48);     \
      wasm_v128_store(dp_, REV(b3_));                                          \
      wasm_v128_store(dp_ + 16, REV(b2_));                                     \
      wasm_v128_store(dp_ + 32, REV(b1_));                                     \
      wasm_v128_store(dp_ + 48, REV(b0_));                                     \
      wasm_v128_store(dq_, REV(a3_));                                          \
      wasm_v128_store(dq_ + 16, REV(a2_));                                     \
      wasm_v128_store(dq_ + 32, REV(a1_));                                     \
      wasm_v128_store(dq_ + 48, REV(a0_));                                     \
    }                                                                          \
    for (; j - i >= 2 * k_; i += k_, j -= k_) {                                \
      v128_t a_ = wasm_v128_load(s + i * (CH)), b_ = wasm_v128_load(s + (j - k_) * (CH)); \
      wasm_v128_store(d + i * (CH), REV(b_));                                  \
      wasm_v128_store(d + (j - k_) * (CH), REV(a_));                           \
    }                                                                          \
  } while (0)
#define REV32(v) wasm_i32x4_shuffle(v, v, 3, 2, 1, 0)
#define REV8(v) wasm_i8x16_shuffle(v, v, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0)

static void reverse_px(const uint8_t *s, uint8_t *d, size_t n, unsigned ch) {
  size_t i = 0, j = n; /* pixels [i, j) are not done yet */
  if (ch == 4) {
#ifdef __wasm_simd128__
    REVERSE_SIMD(4, REV32);
#endif
    REVERSE_SCALAR(4);
  } else {
#ifdef __wasm_simd128__
    REVERSE_SIMD(1, REV8);
#endif
    REVERSE_SCALAR(1);
  }
}
#undef REVERSE_SIMD
#undef REV32
#undef REV8
#undef REVERSE_SCALAR

/* Row pairs (y, h-1-y) for y < ceil(h/2): flip (angle 0) or rotate 180 (angle 180). */
static void pair_rows(void *p, size_t y0, size_t y1) {
  const geo_ctx *c = p;
  const size_t rb = (size_t)c->w * c->ch;
  for (size_t y = y0; y < y1; y++) {
    size_t z = c->h - 1 - y;
    const uint8_t *sy = c->src + y * rb, *sz = c->src + z * rb;
    uint8_t *dy = c->dst + y * rb, *dz = c->dst + z * rb;
    if (y == z) { /* the middle row of an odd height */
      if (c->angle == 180) reverse_px(sy, dy, c->w, c->ch);
      else if (dy != sy) memcpy(dy, sy, rb);
      continue;
    }
    if (c->src == c->dst) {
      /* in place: rows y and z trade places in pieces through a small
         buffer, for rotate 180 after each is reversed where it is */
      if (c->angle == 180) {
        reverse_px(dy, dy, c->w, c->ch);
        reverse_px(dz, dz, c->w, c->ch);
      }
      uint8_t buf[1024];
      for (size_t off = 0; off < rb; off += sizeof buf) {
        size_t len = rb - off < sizeof buf ? rb - off : sizeof buf;
        memcpy(buf, dy + off, len);
        memcpy(dy + off, dz + off, len);
        memcpy(dz + off, buf, len);
      }
    } else if (c->angle == 180) {
      reverse_px(sz, dy, c->w, c->ch);
      reverse_px(sy, dz, c->w, c->ch);
    } else {
      memcpy(dy, sz, rb);
      memcpy(dz, sy, rb);
    }
  }
}

static void flop_rows(void *p, size_t y0, size_t y1) {
  const geo_ctx *c = p;
  const size_t rb = (size_t)c->w * c->ch;
  for (size_t y = y0; y < y1; y++) reverse_px(c->src + y * rb, c->dst + y * rb, c->w, c->ch);
}

static pw_status same_size_checks(const uint8_t *src, uint8_t *dst, uint32_t w, uint32_t h, unsigned ch) {
  pw_status s = pw__img_check("", w, h, ch);
  if (s != PW_OK) return s;
  return pw__img_check_alias(src, dst, pw__img_bytes(w, h, ch));
}

static pw_status flip(const uint8_t *src, uint8_t *dst, uint32_t w, uint32_t h, unsigned ch, uint32_t angle) {
  pw_status s = same_size_checks(src, dst, w, h, ch);
  if (s != PW_OK) return s;
  geo_ctx c = {.src = src, .dst = dst, .w = w, .h = h, .ch = ch, .angle = angle};
  return pw__img_rows(((size_t)h + 1) / 2, 2 * (size_t)w * ch, pair_rows, &c);
}

pw_status pw_image_flip(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height) {
  return flip(src, dst, width, height, 4, 0);
}

pw_status pw_image_flip_grey(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height) {
  return flip(src, dst, width, height, 1, 0);
}

static pw_status flop(const uint8_t *src, uint8_t *dst, uint32_t w, uint32_t h, unsigned ch) {
  pw_status s = same_size_checks(src, dst, w, h, ch);
  if (s != PW_OK) return s;
  geo_ctx c = {.src = src, .dst = dst, .w = w, .h = h, .ch = ch};
  return pw__img_rows(h, (size_t)w * ch, flop_rows, &c);
}

pw_status pw_image_flop(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height) {
  return flop(src, dst, width, height, 4);
}

pw_status pw_image_flop_grey(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height) {
  return flop(src, dst, width, height, 1);
}

/* ---- quarter turns */

#define TILE 32

/* Output pixel (x, y) of a quarter turn: 90 clockwise is in(y, h-1-x), 270 is in(w-1-y, x). */
static inline void quarter_px(const geo_ctx *c, size_t x, size_t y) {
  size_t sx = c->angle == 90 ? y : c->w - 1 - y;
  size_t sy = c->angle == 90 ? c->h - 1 - x : x;
  memcpy(c->dst + (y * c->h + x) * c->ch, c->src + (sy * c->w + sx) * c->ch, c->ch);
}

#if PW_IMG_SIMD
/*
 * Output pixels x..x+3 of rows y..y+3 (RGBA), a 4x4 block of 32-bit
 * pixels transposed in 8 shuffles (which V8 compiles to the unpack
 * instructions): 4 source rows of 4 pixels are loaded in the order of the
 * output columns, and column l of the block is output row y+l (90) or
 * y+3-l (270). Byte for byte the same as quarter_px.
 */
static inline void quarter4x4(const geo_ctx *c, size_t x, size_t y) {
  const size_t row = (size_t)c->w * 4;
  const uint8_t *s0;
  ptrdiff_t step;
  if (c->angle == 90) s0 = c->src + ((c->h - 1 - x) * c->w + y) * 4, step = -(ptrdiff_t)row;
  else s0 = c->src + (x * c->w + (c->w - 4 - y)) * 4, step = (ptrdiff_t)row;
  v128_t a = wasm_v128_load(s0), b = wasm_v128_load(s0 + step);
  v128_t e = wasm_v128_load(s0 + 2 * step), f = wasm_v128_load(s0 + 3 * step);
  v128_t t0 = wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(e, f, 0, 4, 1, 5);
  v128_t t2 = wasm_i32x4_shuffle(a, b, 2, 6, 3, 7), t3 = wasm_i32x4_shuffle(e, f, 2, 6, 3, 7);
  v128_t col[4] = {wasm_i64x2_shuffle(t0, t1, 0, 2), wasm_i64x2_shuffle(t0, t1, 1, 3),
                   wasm_i64x2_shuffle(t2, t3, 0, 2), wasm_i64x2_shuffle(t2, t3, 1, 3)};
  uint8_t *d = c->dst + (y * c->h + x) * 4;
  const size_t orow = (size_t)c->h * 4;
  for (int l = 0; l < 4; l++) wasm_v128_store(d + (size_t)(c->angle == 90 ? l : 3 - l) * orow, col[l]);
}
#endif

/* Rows [y0, y1) of the result (which is h wide, w high). */
static void quarter_rows(void *p, size_t y0, size_t y1) {
  const geo_ctx *c = p;
  const size_t ow = c->h; /* output width */
  for (size_t ty = y0; ty < y1; ty += TILE) {
    size_t ey = ty + TILE < y1 ? ty + TILE : y1;
    for (size_t tx = 0; tx < ow; tx += TILE) {
      size_t ex = tx + TILE < ow ? tx + TILE : ow;
      size_t y = ty;
#if PW_IMG_SIMD
      if (c->ch == 4)
        for (; y + 4 <= ey; y += 4) {
          size_t x = tx;
          for (; x + 4 <= ex; x += 4) quarter4x4(c, x, y);
          for (size_t k = 0; k < 4; k++)
            for (size_t xr = x; xr < ex; xr++) quarter_px(c, xr, y + k);
        }
#endif
      for (; y < ey; y++)
        for (size_t x = tx; x < ex; x++) quarter_px(c, x, y);
    }
  }
}

static pw_status rotate(const uint8_t *src, uint8_t *dst, uint32_t w, uint32_t h, uint32_t angle, unsigned ch) {
  pw_status s = same_size_checks(src, dst, w, h, ch);
  if (s != PW_OK) return s;
  if (angle != 0 && angle != 90 && angle != 180 && angle != 270)
    return pw_fail(PW_EINVAL, "angle must be 0, 90, 180 or 270 (got %u)", angle);
  size_t bytes = pw__img_bytes(w, h, ch);
  if (angle == 0) {
    if (src != dst) memcpy(dst, src, bytes);
    return PW_OK;
  }
  if (angle == 180) return flip(src, dst, w, h, ch, 180);
  uint8_t *copy;
  const uint8_t *in = pw__img_source(src, dst, bytes, &copy);
  if (in == NULL) return pw_fail(PW_ENOMEM, "out of memory for the in-place copy");
  geo_ctx c = {.src = in, .dst = dst, .w = w, .h = h, .ch = ch, .angle = angle};
  /* chunks of whole tile rows */
  size_t grain = pw__img_grain(w, (size_t)h * ch, 4, PW_IMG_MIN_CHUNK, 1);
  grain = pw_chunks(grain, TILE) * TILE;
  s = pw_parallel_for(w, grain, quarter_rows, &c);
  free(copy);
  return s;
}

pw_status pw_image_rotate(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height, uint32_t angle) {
  return rotate(src, dst, width, height, angle, 4);
}

pw_status pw_image_rotate_grey(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height,
                               uint32_t angle) {
  return rotate(src, dst, width, height, angle, 1);
}

/* ---- extend */

static void extend_rows(void *p, size_t y0, size_t y1) {
  const geo_ctx *c = p;
  const size_t ch = c->ch, dw = c->dw;
  for (size_t y = y0; y < y1; y++) {
    uint8_t *d = c->dst + y * dw * ch;
    int inside = y >= c->top && y - c->top < c->h;
    for (size_t x = 0; x < dw; x++) {
      if (inside && x == c->left) {
        memcpy(d + x * ch, c->src + (y - c->top) * c->w * ch, (size_t)c->w * ch);
        x += c->w - 1;
        continue;
      }
      memcpy(d + x * ch, c->bg, ch);
    }
  }
}

static pw_status extend(const uint8_t *src, uint32_t width, uint32_t height, uint8_t *dst, uint32_t top,
                        uint32_t right, uint32_t bottom, uint32_t left, uint32_t background, unsigned ch) {
  pw_status s = pw__img_check("", width, height, ch);
  if (s != PW_OK) return s;
  uint64_t dw = (uint64_t)width + left + right, dh = (uint64_t)height + top + bottom;
  if (dw > PW_IMAGE_MAX_SIDE)
    return pw_fail(PW_EINVAL, "width + left + right = %llu is over %u", (unsigned long long)dw, PW_IMAGE_MAX_SIDE);
  if (dh > PW_IMAGE_MAX_SIDE)
    return pw_fail(PW_EINVAL, "height + top + bottom = %llu is over %u", (unsigned long long)dh, PW_IMAGE_MAX_SIDE);
  if ((s = pw__img_check("result ", (uint32_t)dw, (uint32_t)dh, ch)) != PW_OK) return s;
  if (ch == 1 && background > 255)
    return pw_fail(PW_EINVAL, "background must be 0 to 255 for grey pixels (got %u)", background);
  size_t sb = pw__img_bytes(width, height, ch), db = pw__img_bytes((uint32_t)dw, (uint32_t)dh, ch);
  uintptr_t a = (uintptr_t)src, b = (uintptr_t)dst;
  if ((a <= b && b - a < sb) || (b <= a && a - b < db))
    return pw_fail(PW_EINVAL, "dst overlaps src (extend cannot work in place)");
  geo_ctx c = {.src = src, .dst = dst, .w = width, .h = height, .ch = ch, .left = left, .top = top,
               .dw = (uint32_t)dw, .dh = (uint32_t)dh};
  if (ch == 4) {
    c.bg[0] = (uint8_t)(background >> 24), c.bg[1] = (uint8_t)(background >> 16);
    c.bg[2] = (uint8_t)(background >> 8), c.bg[3] = (uint8_t)background;
  } else {
    c.bg[0] = (uint8_t)background;
  }
  return pw__img_rows((size_t)dh, (size_t)dw * ch, extend_rows, &c);
}

pw_status pw_image_extend(const uint8_t *src, uint32_t width, uint32_t height, uint8_t *dst, uint32_t top,
                          uint32_t right, uint32_t bottom, uint32_t left, uint32_t background) {
  return extend(src, width, height, dst, top, right, bottom, left, background, 4);
}

pw_status pw_image_extend_grey(const uint8_t *src, uint32_t width, uint32_t height, uint8_t *dst,
                               uint32_t top, uint32_t right, uint32_t bottom, uint32_t left,
                               uint32_t background) {
  return extend(src, width, height, dst, top, right, bottom, left, background, 1);
}
