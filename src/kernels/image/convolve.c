/*
 * convolve.c — any odd-sized kernel, and the 3x3 presets.
 *
 * Not separable in general, so each output pixel costs kernel_width *
 * kernel_height multiply-adds. A chunk of output rows keeps the source rows
 * it needs as floats in a ring of kernel_height rows, each padded with
 * kernel_width / 2 repeated edge pixels on both sides, so the inner loop
 * has no edge tests. RGBA pixels are one float vector (the alpha lane is
 * computed and dropped: alpha is kept from the source).
 *
 * Sum order: kernel rows top to bottom, each left to right, from 0, in both
 * paths (identical bytes, see image_internal.h).
 *
 * The wasm SIMD path takes 4 RGBA pixels (16 grey) a step, so a weight is
 * splat once for 4 vectors, and rounds in vectors (floor, + 2^23) where it
 * used to extract lanes and round them one by one: 12 MP 3x3 sharpen, one
 * thread, CPU ms, wasm 220 -> 62 (native scalar 199).
 */
#include <math.h>

#include "image_internal.h"

typedef struct {
  const uint8_t *src;
  uint8_t *dst;
  uint32_t w, h;
  const float *k;
  uint32_t kw, kh;
  float divisor, bias;
  unsigned ch;
  int simd;
  atomic_int failed;
} conv_ctx;

/* Source row y as floats, padded with rx repeated pixels on each side. */
static void conv_load(const conv_ctx *c, uint32_t y, float *out) {
  const unsigned ch = c->ch;
  const uint32_t rx = c->kw / 2, w = c->w;
  const uint8_t *s = c->src + (size_t)y * w * ch;
  for (uint32_t i = 0; i < rx; i++)
    for (unsigned k = 0; k < ch; k++) out[(size_t)i * ch + k] = s[k];
  float *mid = out + (size_t)rx * ch;
  size_t i = 0;
#if PW_IMG_SIMD
  if (c->simd)
    for (; i + 16 <= (size_t)w * ch; i += 16) { /* 16 bytes to 16 floats */
      v128_t q[4];
      pw_u8x16_f32(s + i, q);
      for (int k = 0; k < 4; k++) wasm_v128_store(mid + i + 4 * k, q[k]);
    }
#endif
  for (; i < (size_t)w * ch; i++) mid[i] = s[i];
  float *right = mid + (size_t)w * ch;
  const uint8_t *last = s + (size_t)(w - 1) * ch;
  for (uint32_t i = 0; i < rx; i++)
    for (unsigned k = 0; k < ch; k++) right[(size_t)i * ch + k] = last[k];
}

static void conv_row_c(const conv_ctx *c, const float *const *rows, const uint8_t *s, uint8_t *d, uint32_t w) {
  const uint32_t kw = c->kw, kh = c->kh;
  if (c->ch == 1) {
    for (uint32_t x = 0; x < w; x++) {
      float a = 0.0f;
      for (uint32_t j = 0; j < kh; j++) {
        const float *r = rows[j] + x, *k = c->k + (size_t)j * kw;
        for (uint32_t i = 0; i < kw; i++) a += k[i] * r[i];
      }
      d[x] = pw__img_u8(a / c->divisor + c->bias);
    }
    return;
  }
  for (uint32_t x = 0; x < w; x++) {
    float a0 = 0.0f, a1 = 0.0f, a2 = 0.0f;
    for (uint32_t j = 0; j < kh; j++) {
      const float *r = rows[j] + 4 * (size_t)x, *k = c->k + (size_t)j * kw;
      for (uint32_t i = 0; i < kw; i++, r += 4) {
        a0 += k[i] * r[0];
        a1 += k[i] * r[1];
        a2 += k[i] * r[2];
      }
    }
    uint8_t *p = d + 4 * (size_t)x;
    p[0] = pw__img_u8(a0 / c->divisor + c->bias);
    p[1] = pw__img_u8(a1 / c->divisor + c->bias);
    p[2] = pw__img_u8(a2 / c->divisor + c->bias);
    p[3] = s[4 * (size_t)x + 3];
  }
}

#if PW_IMG_SIMD
/*
 * pw__img_u8 of 4 float lanes, as the bits of 4 floats whose low byte is
 * the result: NaN and v <= 0 give 0 (a compare and an and), v >= 255 gives
 * 255, otherwise floor(v + 0.5) (the same float addition as pw__img_u8);
 * + 2^23 puts that integer (below 2^8) in the low mantissa bits. Cheaper
 * in V8 than i32x4.trunc_sat_f32x4 and three scalar roundings.
 */
static inline v128_t conv_u8_bits(v128_t v) {
  v = wasm_v128_and(v, wasm_f32x4_gt(v, wasm_f32x4_splat(0.0f)));
  v = wasm_f32x4_pmin(v, wasm_f32x4_splat(255.0f));
  v = wasm_f32x4_floor(wasm_f32x4_add(v, wasm_f32x4_splat(0.5f)));
  return wasm_f32x4_add(v, wasm_f32x4_splat(8388608.0f));
}

/* 16 lanes of conv_u8_bits results, in order, to 16 bytes. */
static inline v128_t conv_pack(v128_t q0, v128_t q1, v128_t q2, v128_t q3) {
  const v128_t m = wasm_i32x4_splat(0xff);
  q0 = wasm_v128_and(q0, m), q1 = wasm_v128_and(q1, m), q2 = wasm_v128_and(q2, m), q3 = wasm_v128_and(q3, m);
  return wasm_u8x16_narrow_i16x8(wasm_u16x8_narrow_i32x4(q0, q1), wasm_u16x8_narrow_i32x4(q2, q3));
}

/*
 * RGBA with SIMD: one vector a pixel (lanes R, G, B, A; the A lane is
 * computed and dropped), 4 pixels a step so that each weight is splat once
 * for 4; the same sum order as conv_row_c, then / divisor + bias and the
 * rounding lane by lane, and the source alpha bytes put back.
 */
static void conv_row4_simd(const conv_ctx *c, const float *const *rows, const uint8_t *s, uint8_t *d, uint32_t w) {
  const uint32_t kw = c->kw, kh = c->kh;
  const v128_t div = wasm_f32x4_splat(c->divisor), bias = wasm_f32x4_splat(c->bias);
  const v128_t alpha = wasm_i32x4_splat((int32_t)0xff000000u);
  uint32_t x = 0;
  for (; x + 4 <= w; x += 4) {
    v128_t a[4] = {wasm_f32x4_splat(0.0f), wasm_f32x4_splat(0.0f), wasm_f32x4_splat(0.0f), wasm_f32x4_splat(0.0f)};
    for (uint32_t j = 0; j < kh; j++) {
      const float *r = rows[j] + 4 * (size_t)x, *k = c->k + (size_t)j * kw;
      for (uint32_t i = 0; i < kw; i++, r += 4) {
        v128_t wk = wasm_f32x4_splat(k[i]);
        for (int q = 0; q < 4; q++) a[q] = wasm_f32x4_add(a[q], wasm_f32x4_mul(wk, wasm_v128_load(r + 4 * q)));
      }
    }
    for (int q = 0; q < 4; q++) a[q] = conv_u8_bits(wasm_f32x4_add(wasm_f32x4_div(a[q], div), bias));
    v128_t px = conv_pack(a[0], a[1], a[2], a[3]);
    wasm_v128_store(d + 4 * (size_t)x, wasm_v128_bitselect(wasm_v128_load(s + 4 * (size_t)x), px, alpha));
  }
  for (; x < w; x++) {
    v128_t a = wasm_f32x4_splat(0.0f);
    for (uint32_t j = 0; j < kh; j++) {
      const float *r = rows[j] + 4 * (size_t)x, *k = c->k + (size_t)j * kw;
      for (uint32_t i = 0; i < kw; i++, r += 4)
        a = wasm_f32x4_add(a, wasm_f32x4_mul(wasm_f32x4_splat(k[i]), wasm_v128_load(r)));
    }
    uint8_t *p = d + 4 * (size_t)x;
    p[0] = pw__img_u8(wasm_f32x4_extract_lane(a, 0) / c->divisor + c->bias);
    p[1] = pw__img_u8(wasm_f32x4_extract_lane(a, 1) / c->divisor + c->bias);
    p[2] = pw__img_u8(wasm_f32x4_extract_lane(a, 2) / c->divisor + c->bias);
    p[3] = s[4 * (size_t)x + 3];
  }
}

/* Grey with SIMD: 16 pixels a step, 4 to a vector, the same sums as conv_row_c lane by lane. */
static void conv_row1_simd(const conv_ctx *c, const float *const *rows, uint8_t *d, uint32_t w) {
  const uint32_t kw = c->kw, kh = c->kh;
  const v128_t div = wasm_f32x4_splat(c->divisor), bias = wasm_f32x4_splat(c->bias);
  uint32_t x = 0;
  for (; x + 16 <= w; x += 16) {
    v128_t a[4] = {wasm_f32x4_splat(0.0f), wasm_f32x4_splat(0.0f), wasm_f32x4_splat(0.0f), wasm_f32x4_splat(0.0f)};
    for (uint32_t j = 0; j < kh; j++) {
      const float *r = rows[j] + x, *k = c->k + (size_t)j * kw;
      for (uint32_t i = 0; i < kw; i++) {
        v128_t wk = wasm_f32x4_splat(k[i]);
        for (int q = 0; q < 4; q++) a[q] = wasm_f32x4_add(a[q], wasm_f32x4_mul(wk, wasm_v128_load(r + i + 4 * q)));
      }
    }
    for (int q = 0; q < 4; q++) a[q] = conv_u8_bits(wasm_f32x4_add(wasm_f32x4_div(a[q], div), bias));
    wasm_v128_store(d + x, conv_pack(a[0], a[1], a[2], a[3]));
  }
  for (; x < w; x++) {
    float a = 0.0f;
    for (uint32_t j = 0; j < kh; j++) {
      const float *r = rows[j] + x, *k = c->k + (size_t)j * kw;
      for (uint32_t i = 0; i < kw; i++) a += k[i] * r[i];
    }
    d[x] = pw__img_u8(a / c->divisor + c->bias);
  }
}
#endif

/* Multiply-adds between two looks at the abort flag in a row (conv_chunk). */
#define CONV_SEG ((size_t)1 << 22)

/* Pixels [0, w) of a row: rows[j] and s, d at the first of them. */
static void conv_row(const conv_ctx *c, const float *const *rows, const uint8_t *s, uint8_t *d, uint32_t w) {
#if PW_IMG_SIMD
  if (c->simd) {
    if (c->ch == 4) conv_row4_simd(c, rows, s, d, w);
    else conv_row1_simd(c, rows, d, w);
    return;
  }
#endif
  conv_row_c(c, rows, s, d, w);
}

static void conv_chunk(void *p, size_t y0, size_t y1) {
  conv_ctx *c = p;
  const unsigned ch = c->ch;
  const uint32_t kh = c->kh, ry = kh / 2, h = c->h;
  const size_t rowf = ((size_t)c->w + c->kw - 1) * ch;
  float *ring = malloc((size_t)kh * rowf * sizeof(float));
  const float **rows = malloc(2 * (size_t)kh * sizeof *rows);
  const float **part = rows + kh; /* rows, from a segment's first pixel */
  int32_t *held = malloc((size_t)kh * sizeof *held); /* source row in each ring slot, or -1 */
  /* a row costs w kw kh ch multiply-adds: 1 G for 4000 RGBA pixels of a
     255x255 kernel, a second or more; segments of about CONV_SEG of
     them, in whole steps of 16 pixels (the SIMD paths' widest) */
  const size_t per_px = (size_t)c->kw * kh * ch;
  uint32_t seg = (uint32_t)((CONV_SEG / per_px + 15) / 16 * 16);
  if (seg < 16) seg = 16;
  if (ring == NULL || rows == NULL || held == NULL) {
    atomic_store(&c->failed, 1);
    goto done;
  }
  for (uint32_t i = 0; i < kh; i++) held[i] = -1;
  pw__img_ticker tick = pw__img_ticker_for(h, (size_t)c->w * ch, 0);
  for (size_t y = y0; y < y1; y++) {
    if (y != y0 && pw__img_tick(&tick, 1)) goto done; /* (the row before is done) */
    for (uint32_t j = 0; j < kh; j++) {
      int64_t sy = (int64_t)y + j - ry;
      uint32_t row = sy < 0 ? 0 : sy >= (int64_t)h ? h - 1 : (uint32_t)sy;
      /* rows y-ry .. y+ry use slots by window position mod kh; clamped rows repeat */
      uint32_t slot = (uint32_t)(((uint64_t)y + j) % kh);
      if (held[slot] != (int32_t)row) {
        conv_load(c, row, ring + (size_t)slot * rowf);
        held[slot] = (int32_t)row;
      }
      rows[j] = ring + (size_t)slot * rowf;
    }
    const uint8_t *s = c->src + y * (size_t)c->w * ch;
    uint8_t *d = c->dst + y * (size_t)c->w * ch;
    /* a row in segments of `seg` pixels, a look at the abort flag between
       them (each pixel is computed alone: the bytes do not change) */
    for (uint32_t x0 = 0; x0 < c->w; x0 += seg) {
      if (x0 != 0 && pw_cancelled()) goto done;
      const uint32_t n = c->w - x0 < seg ? c->w - x0 : seg;
      for (uint32_t j = 0; j < kh; j++) part[j] = rows[j] + (size_t)x0 * ch;
      conv_row(c, part, s + (size_t)x0 * ch, d + (size_t)x0 * ch, n);
    }
  }
  pw__img_tick(&tick, 1); /* the last row */
  pw__img_tick_end(&tick);
done:
  free(ring);
  free(rows);
  free(held);
}

pw_status pw__image_convolve(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height,
                             const float *kernel, uint32_t kernel_width, uint32_t kernel_height,
                             float divisor, float bias, unsigned channels, unsigned flags) {
  pw_status s = pw__img_check("", width, height, channels);
  if (s != PW_OK) return s;
  if (kernel_width < 1 || kernel_width > 255 || kernel_width % 2 == 0)
    return pw_fail(PW_EINVAL, "kernel_width must be odd, 1 to 255 (got %u)", kernel_width);
  if (kernel_height < 1 || kernel_height > 255 || kernel_height % 2 == 0)
    return pw_fail(PW_EINVAL, "kernel_height must be odd, 1 to 255 (got %u)", kernel_height);
  if (kernel == NULL) return pw_fail(PW_EINVAL, "kernel is missing");
  double sum = 0.0;
  for (uint32_t i = 0; i < kernel_width * kernel_height; i++) {
    if (!isfinite(kernel[i])) return pw_fail(PW_EINVAL, "kernel[%u] is not finite", i);
    sum += kernel[i];
  }
  if (!isfinite(divisor)) return pw_fail(PW_EINVAL, "divisor is not finite");
  if (!(bias >= -1e6f && bias <= 1e6f)) return pw_fail(PW_EINVAL, "bias must be -1000000 to 1000000");
  if (divisor == 0.0f) divisor = sum != 0.0 ? (float)sum : 1.0f;
  size_t bytes = pw__img_bytes(width, height, channels);
  if ((s = pw__img_check_alias(src, dst, bytes)) != PW_OK) return s;
  uint8_t *copy;
  const uint8_t *in = pw__img_source(src, dst, bytes, &copy);
  if (in == NULL) return pw_fail(PW_ENOMEM, "out of memory for the in-place copy");
  conv_ctx c = {in, dst, width, height, kernel, kernel_width, kernel_height, divisor, bias,
                channels, pw__img_simd(flags), 0};
  size_t grain = pw__img_grain(height, (size_t)width * channels, 4, PW_IMG_MIN_FILTER_CHUNK, 8);
  s = pw_parallel_for(height, grain, conv_chunk, &c);
  if (s == PW_OK && atomic_load(&c.failed)) s = pw_fail(PW_ENOMEM, "out of memory for kernel rows");
  return pw__img_source_end(copy, dst, bytes, s);
}

pw_status pw_image_convolve(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height,
                            const float *kernel, uint32_t kernel_width, uint32_t kernel_height,
                            float divisor, float bias) {
  return pw__img_ended(pw__image_convolve(src, dst, width, height, kernel, kernel_width, kernel_height,
                                          divisor, bias, 4, 0),
                       height);
}

pw_status pw_image_convolve_grey(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height,
                                 const float *kernel, uint32_t kernel_width, uint32_t kernel_height,
                                 float divisor, float bias) {
  return pw__img_ended(pw__image_convolve(src, dst, width, height, kernel, kernel_width, kernel_height,
                                          divisor, bias, 1, 0),
                       height);
}

pw_status pw_image_convolve_preset(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height,
                                   uint32_t preset) {
  static const float presets[3][9] = {
      {-1, -1, -1, -1, 8, -1, -1, -1, -1}, /* PW_IMAGE_EDGE */
      {-2, -1, 0, -1, 1, 1, 0, 1, 2},      /* PW_IMAGE_EMBOSS */
      {0, -1, 0, -1, 5, -1, 0, -1, 0},     /* PW_IMAGE_SHARPEN */
  };
  if (preset > PW_IMAGE_SHARPEN) return pw_fail(PW_EINVAL, "preset must be 0 to 2 (got %u)", preset);
  return pw__img_ended(pw__image_convolve(src, dst, width, height, presets[preset], 3, 3, 1.0f, 0.0f, 4, 0),
                       height);
}
