/*
 * colour.c — pixel-by-pixel colour operations: greyscale, grey <-> RGBA,
 * invert, brightness/contrast, gamma, levels (through a 256-entry table
 * computed in double per call), the 4x5 colour matrix, threshold, and
 * (un)premultiplying alpha.
 *
 * All of them read each pixel once and write it once, so in place is free
 * and the work is split into row chunks of about 256 KiB.
 *
 * Exact integer forms: Rec. 709 luma is round(0.2126 R + 0.7152 G +
 * 0.0722 B) = (2126 R + 7152 G + 722 B + 5000) / 10000 (the weights are
 * exact decimals); premultiplying is round(c a / 255) = (2 c a + 255) /
 * 510; unpremultiplying is round(c 255 / a) = (510 c + a) / (2 a).
 *
 * Wasm SIMD paths (greyscale, premultiply, the colour matrix's fixed-point
 * form) give the same bytes as the portable loops, which stay as the
 * reference (the tests run both). The colour matrix: a float form, 4 pixels
 * a vector per channel, took sepia on 12 MP RGBA, one thread, from 70 to
 * 21 ms in wasm, but gcc vectorises the same loop 8 floats wide (7 ms); the
 * fixed-point form (matrix_fixed; i32x4.dot_i16x8_s on R G and B A pairs)
 * takes 9.2 ms in wasm, 8.5 natively (make bench-image). Multipliers of 16
 * or more, which it cannot hold, take a plain loop in double.
 */
#include <math.h>

#include "image_internal.h"

enum { OP_LUT, OP_INVERT, OP_GREYSCALE, OP_TO_GREY, OP_FROM_GREY, OP_THRESHOLD, OP_PREMUL, OP_UNPREMUL, OP_MATRIX };

typedef struct {
  const uint8_t *src;
  uint8_t *dst;
  size_t row_pixels;
  unsigned ch; /* channels of src (1 or 4) */
  int op;
  uint8_t lut[256];
  uint32_t threshold;
  double m[20]; /* the matrix, its offsets times 255 (the float form) */
  /* the matrix in fixed point (see matrix_fixed): qshift 0 = the float form */
  int qshift;
  int16_t q[16];   /* row k, input j: round(m[5k + j] 2^qshift) */
  int32_t qoff[4]; /* row k: its offset times 255 times 2^qshift, + 2^(qshift - 1) */
  int simd;
} map_ctx;

/*
 * The float form's output on the 0..255 scale to a byte: clamped to 0..255,
 * then rounded to nearest, ties to even. In double, the sums of 32-bit
 * float multipliers times bytes neither overflow nor lose more than about
 * 2^-50 of their largest term.
 */
static inline uint8_t matrix_byte(double t) {
  t = t > 0.0 ? t : 0.0;
  t = t < 255.0 ? t : 255.0;
  return (uint8_t)rint(t);
}

#if PW_IMG_SIMD
/*
 * Luma of 4 pixels at p (16 bytes) as i32 lanes: the sum 2126 R + 7152 G +
 * 722 B + 5000 is exact in f32 (< 2^22) and so is floor(sum / 10000) after
 * the correctly rounded division: the quotient's fraction is a multiple of
 * 1/10000, and floats near 255 are 2^-16 apart, so it never rounds up to
 * the next integer. The same bytes as pw__img_luma.
 */
static inline v128_t luma4(v128_t px) {
  v128_t mask = wasm_i32x4_splat(0xff);
  v128_t r = wasm_v128_and(px, mask);
  v128_t g = wasm_v128_and(wasm_u32x4_shr(px, 8), mask);
  v128_t b = wasm_v128_and(wasm_u32x4_shr(px, 16), mask);
  v128_t s = wasm_i32x4_add(wasm_i32x4_add(wasm_i32x4_mul(r, wasm_i32x4_splat(2126)),
                                           wasm_i32x4_mul(g, wasm_i32x4_splat(7152))),
                            wasm_i32x4_add(wasm_i32x4_mul(b, wasm_i32x4_splat(722)), wasm_i32x4_splat(5000)));
  v128_t q = wasm_f32x4_div(wasm_f32x4_convert_i32x4(s), wasm_f32x4_splat(10000.0f));
  return wasm_i32x4_trunc_sat_f32x4(q);
}
#endif

#if PW_IMG_SIMD
/*
 * round(c a / 255) for 8 u16 lanes holding c a (< 2^16): with t = c a + 128,
 * (t + (t >> 8)) >> 8 — the same as (2 c a + 255) / 510 for every byte pair
 * (test_image.c checks all 65536).
 */
static inline v128_t div255(v128_t x) {
  v128_t t = wasm_i16x8_add(x, wasm_i16x8_splat(128));
  return wasm_u16x8_shr(wasm_i16x8_add(t, wasm_u16x8_shr(t, 8)), 8);
}

/* Premultiplies 4 RGBA pixels. */
static inline v128_t premul4(v128_t px) {
  v128_t lo = wasm_u16x8_extend_low_u8x16(px), hi = wasm_u16x8_extend_high_u8x16(px);
  v128_t alo = wasm_i16x8_shuffle(lo, lo, 3, 3, 3, 3, 7, 7, 7, 7);
  v128_t ahi = wasm_i16x8_shuffle(hi, hi, 3, 3, 3, 3, 7, 7, 7, 7);
  v128_t rlo = wasm_i16x8_shuffle(div255(wasm_i16x8_mul(lo, alo)), lo, 0, 1, 2, 11, 4, 5, 6, 15);
  v128_t rhi = wasm_i16x8_shuffle(div255(wasm_i16x8_mul(hi, ahi)), hi, 0, 1, 2, 11, 4, 5, 6, 15);
  return wasm_u8x16_narrow_i16x8(rlo, rhi);
}

#endif

#if PW_IMG_SIMD
/*
 * The fixed-point matrix (matrix_fixed) on the pixels [s, s + 4 n) into d,
 * 4 pixels a step; shift is a constant at each call, so the shifts compile
 * to immediates. The bytes are spread to i16 lanes as R G pairs and B A
 * pairs, so that i32x4.dot_i16x8_s (pmaddwd) gives each pixel's R q0 + G q1
 * in one vector and B q2 + A q3 in the other, lane for lane; the narrowing
 * i32 -> i16 -> u8 saturates, which is the clamp to 0..255. Then one
 * shuffle puts the planar R0..3 G0..3 B0..3 A0..3 back into RGBA order.
 * 26 operations for 4 pixels, where the float form takes about 60 (the
 * same bytes as the portable loop, which the tests run as well).
 */
/* always_inline: called with a literal shift, which must stay a constant
   (a variable one was scalarised lane by lane) */
static inline __attribute__((always_inline)) void matrix_fixed_simd(const map_ctx *c, const uint8_t *s, uint8_t *d, size_t n, const int shift) {
  const v128_t z = wasm_i32x4_splat(0);
  v128_t rg[4], ba[4], off[4];
  for (int k = 0; k < 4; k++) {
    rg[k] = wasm_i32x4_splat((int32_t)((uint32_t)(uint16_t)c->q[4 * k] | (uint32_t)(uint16_t)c->q[4 * k + 1] << 16));
    ba[k] = wasm_i32x4_splat((int32_t)((uint32_t)(uint16_t)c->q[4 * k + 2] | (uint32_t)(uint16_t)c->q[4 * k + 3] << 16));
    off[k] = wasm_i32x4_splat(c->qoff[k]);
  }
  for (size_t i = 0; i + 4 <= n; i += 4, s += 16, d += 16) {
    v128_t px = wasm_v128_load(s);
    v128_t x = wasm_i8x16_shuffle(px, z, 0, 16, 1, 16, 4, 16, 5, 16, 8, 16, 9, 16, 12, 16, 13, 16);
    v128_t y = wasm_i8x16_shuffle(px, z, 2, 16, 3, 16, 6, 16, 7, 16, 10, 16, 11, 16, 14, 16, 15, 16);
    v128_t o[4];
    for (int k = 0; k < 4; k++)
      o[k] = wasm_i32x4_shr(wasm_i32x4_add(wasm_i32x4_add(wasm_i32x4_dot_i16x8(x, rg[k]), wasm_i32x4_dot_i16x8(y, ba[k])), off[k]),
                            shift);
    v128_t planar = wasm_u8x16_narrow_i16x8(wasm_i16x8_narrow_i32x4(o[0], o[1]), wasm_i16x8_narrow_i32x4(o[2], o[3]));
    wasm_v128_store(d, wasm_i8x16_shuffle(planar, planar, 0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15));
  }
}
#endif

static void map_rows(void *p, size_t y0, size_t y1) {
  const map_ctx *c = p;
  const size_t n = (y1 - y0) * c->row_pixels;
  const uint8_t *s = c->src + y0 * c->row_pixels * c->ch;
  const int rgba = c->ch == 4;
  uint8_t *d = c->dst + y0 * c->row_pixels * (c->op == OP_TO_GREY ? 1 : c->op == OP_FROM_GREY ? 4 : c->ch);
  size_t i = 0;
  switch (c->op) {
  case OP_LUT:
    if (!rgba) {
      for (; i < n; i++) d[i] = c->lut[s[i]];
    } else {
      for (; i < n; i++, s += 4, d += 4) {
        uint8_t a = s[3];
        d[0] = c->lut[s[0]], d[1] = c->lut[s[1]], d[2] = c->lut[s[2]], d[3] = a;
      }
    }
    break;
  case OP_INVERT: {
    /* 255 - v is v ^ 255: colour bytes flipped, alpha bytes (every 4th of
       RGBA) kept. A flat loop over the bytes that compilers vectorise
       (wasm SIMD and native alike); through the table a 12 MP image took
       17 ms natively, now 3.4 (wasm 4.0), and a 64x64 tile on the core
       7.1 us a call, now 2.9. */
    const size_t bytes = n * c->ch;
    const uint8_t keep = rgba ? 3 : 4; /* no byte index & 3 equals 4: grey flips every byte */
    for (size_t k = 0; k < bytes; k++) d[k] = (uint8_t)(s[k] ^ ((k & 3) == keep ? 0 : 255));
    break;
  }
  case OP_GREYSCALE:
#if PW_IMG_SIMD
    if (c->simd) {
      for (; i + 4 <= n; i += 4, s += 16, d += 16) {
        v128_t px = wasm_v128_load(s);
        v128_t y = luma4(px);
        v128_t rgb = wasm_i32x4_mul(y, wasm_i32x4_splat(0x010101));
        v128_t alpha = wasm_v128_and(px, wasm_i32x4_splat((int32_t)0xff000000u));
        wasm_v128_store(d, wasm_v128_or(rgb, alpha));
      }
    }
#endif
    for (; i < n; i++, s += 4, d += 4) {
      uint8_t y = pw__img_luma(s[0], s[1], s[2]), a = s[3];
      d[0] = d[1] = d[2] = y;
      d[3] = a;
    }
    break;
  case OP_TO_GREY:
    for (; i < n; i++, s += 4) d[i] = pw__img_luma(s[0], s[1], s[2]);
    break;
  case OP_FROM_GREY:
    for (; i < n; i++, d += 4) d[0] = d[1] = d[2] = s[i], d[3] = 255;
    break;
  case OP_THRESHOLD:
    if (!rgba) {
      for (; i < n; i++) d[i] = s[i] >= c->threshold ? 255 : 0;
    } else {
      for (; i < n; i++, s += 4, d += 4) {
        uint8_t v = pw__img_luma(s[0], s[1], s[2]) >= c->threshold ? 255 : 0, a = s[3];
        d[0] = d[1] = d[2] = v;
        d[3] = a;
      }
    }
    break;
  case OP_PREMUL:
#if PW_IMG_SIMD
    if (c->simd)
      for (; i + 4 <= n; i += 4, s += 16, d += 16) wasm_v128_store(d, premul4(wasm_v128_load(s)));
#endif
    for (; i < n; i++, s += 4, d += 4) {
      uint32_t a = s[3];
      d[0] = (uint8_t)((2 * s[0] * a + 255) / 510);
      d[1] = (uint8_t)((2 * s[1] * a + 255) / 510);
      d[2] = (uint8_t)((2 * s[2] * a + 255) / 510);
      d[3] = (uint8_t)a;
    }
    break;
  case OP_UNPREMUL:
    for (; i < n; i++, s += 4, d += 4) {
      uint32_t a = s[3];
      if (a == 0) {
        d[0] = d[1] = d[2] = d[3] = 0;
        continue;
      }
      for (int k = 0; k < 3; k++) {
        uint32_t v = (510 * (uint32_t)s[k] + a) / (2 * a);
        d[k] = (uint8_t)(v > 255 ? 255 : v);
      }
      d[3] = (uint8_t)a;
    }
    break;
  case OP_MATRIX: {
    if (c->qshift) {
#if PW_IMG_SIMD
      if (c->simd) {
        const size_t n4 = n & ~(size_t)3;
        switch (c->qshift) {
        case 11: matrix_fixed_simd(c, s, d, n4, 11); break;
        case 12: matrix_fixed_simd(c, s, d, n4, 12); break;
        case 13: matrix_fixed_simd(c, s, d, n4, 13); break;
        case 14: matrix_fixed_simd(c, s, d, n4, 14); break;
        default: matrix_fixed_simd(c, s, d, n4, 15); break;
        }
        i = n4, s += 4 * n4, d += 4 * n4;
      }
#endif
      /* in locals: the byte stores may alias c (gcc then reloads them
         every pixel and does not vectorise) */
      int32_t q[16], off[4];
      for (int k = 0; k < 16; k++) q[k] = c->q[k];
      for (int k = 0; k < 4; k++) off[k] = c->qoff[k];
      const int sh = c->qshift;
      for (; i < n; i++, s += 4, d += 4) {
        const int32_t r = s[0], g = s[1], b = s[2], a = s[3];
        int32_t t[4];
        /* >> of a negative int: arithmetic in every compiler parawasm
           builds with (gcc, clang), i.e. floor */
        for (int k = 0; k < 4; k++) t[k] = (q[4 * k] * r + q[4 * k + 1] * g + q[4 * k + 2] * b + q[4 * k + 3] * a + off[k]) >> sh;
        for (int k = 0; k < 4; k++) d[k] = (uint8_t)(t[k] < 0 ? 0 : t[k] > 255 ? 255 : t[k]);
      }
      break;
    }
    /* the float form (a multiplier of 16 or more), in double: rare */
    double m[20];
    for (int k = 0; k < 20; k++) m[k] = c->m[k];
    for (; i < n; i++, s += 4, d += 4) {
      double r = s[0], g = s[1], b = s[2], a = s[3], v[4];
      for (int k = 0; k < 4; k++) {
        const double *row = m + 5 * k;
        v[k] = row[0] * r + row[1] * g + row[2] * b + row[3] * a + row[4];
      }
      for (int k = 0; k < 4; k++) d[k] = matrix_byte(v[k]);
    }
    break;
  }
  }
}

/* Checks, then maps src into dst row by row. */
static pw_status map_run(map_ctx *c, uint32_t width, uint32_t height, int may_alias) {
  unsigned dch = c->op == OP_TO_GREY ? 1 : c->op == OP_FROM_GREY ? 4 : c->ch;
  pw_status s = pw__img_check("", width, height, c->ch > dch ? c->ch : dch);
  if (s != PW_OK) return s;
  size_t sbytes = pw__img_bytes(width, height, c->ch), dbytes = pw__img_bytes(width, height, dch);
  uintptr_t a = (uintptr_t)c->src, b = (uintptr_t)c->dst;
  int overlap = (a <= b && b - a < sbytes) || (b <= a && a - b < dbytes);
  if (overlap && !(may_alias && a == b))
    return pw_fail(PW_EINVAL, may_alias ? "dst overlaps src without being the same buffer"
                                        : "dst overlaps src (this kernel cannot work in place)");
  c->row_pixels = width;
  return pw__img_rows(height, (size_t)width * (c->ch + dch), map_rows, c);
}

static pw_status lut_run(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height, unsigned ch,
                         const double *table) {
  map_ctx c = {.src = src, .dst = dst, .ch = ch, .op = OP_LUT};
  for (int v = 0; v < 256; v++) c.lut[v] = pw__img_u8d(table[v]);
  return map_run(&c, width, height, 1);
}

/* ---- greyscale, conversions */

pw_status pw__image_greyscale(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height,
                              unsigned flags) {
  map_ctx c = {.src = src, .dst = dst, .ch = 4, .op = OP_GREYSCALE, .simd = pw__img_simd(flags)};
  return map_run(&c, width, height, 1);
}

pw_status pw_image_greyscale(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height) {
  return pw__image_greyscale(src, dst, width, height, 0);
}

pw_status pw_image_to_grey(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height) {
  map_ctx c = {.src = src, .dst = dst, .ch = 4, .op = OP_TO_GREY};
  return map_run(&c, width, height, 0);
}

pw_status pw_image_from_grey(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height) {
  map_ctx c = {.src = src, .dst = dst, .ch = 1, .op = OP_FROM_GREY};
  return map_run(&c, width, height, 0);
}

/* ---- table operations */

static pw_status invert(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height, unsigned ch) {
  map_ctx c = {.src = src, .dst = dst, .ch = ch, .op = OP_INVERT};
  return map_run(&c, width, height, 1);
}

pw_status pw_image_invert(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height) {
  return invert(src, dst, width, height, 4);
}

pw_status pw_image_invert_grey(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height) {
  return invert(src, dst, width, height, 1);
}

static pw_status brightness_contrast(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height,
                                     float brightness, float contrast, unsigned ch) {
  if (!(brightness >= -1.0f && brightness <= 1.0f))
    return pw_fail(PW_EINVAL, "brightness must be -1 to 1 (got %g)", (double)brightness);
  if (!(contrast >= 0.0f && contrast <= 1000.0f))
    return pw_fail(PW_EINVAL, "contrast must be 0 to 1000 (got %g)", (double)contrast);
  double t[256];
  for (int v = 0; v < 256; v++) t[v] = (v - 127.5) * (double)contrast + 127.5 + (double)brightness * 255.0;
  return lut_run(src, dst, width, height, ch, t);
}

pw_status pw_image_brightness_contrast(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height,
                                       float brightness, float contrast) {
  return brightness_contrast(src, dst, width, height, brightness, contrast, 4);
}

pw_status pw_image_brightness_contrast_grey(const uint8_t *src, uint8_t *dst, uint32_t width,
                                            uint32_t height, float brightness, float contrast) {
  return brightness_contrast(src, dst, width, height, brightness, contrast, 1);
}

static pw_status check_gamma(float gamma) {
  if (!(gamma >= 0.01f && gamma <= 100.0f))
    return pw_fail(PW_EINVAL, "gamma must be 0.01 to 100 (got %g)", (double)gamma);
  return PW_OK;
}

static pw_status gamma_op(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height, float gamma,
                          unsigned ch) {
  pw_status s = check_gamma(gamma);
  if (s != PW_OK) return s;
  double t[256];
  for (int v = 0; v < 256; v++) t[v] = 255.0 * pow(v / 255.0, 1.0 / (double)gamma);
  return lut_run(src, dst, width, height, ch, t);
}

pw_status pw_image_gamma(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height, float gamma) {
  return gamma_op(src, dst, width, height, gamma, 4);
}

pw_status pw_image_gamma_grey(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height,
                              float gamma) {
  return gamma_op(src, dst, width, height, gamma, 1);
}

static pw_status levels(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height,
                        uint32_t in_black, uint32_t in_white, float gamma, uint32_t out_black,
                        uint32_t out_white, unsigned ch) {
  if (in_black > 254) return pw_fail(PW_EINVAL, "in_black must be 0 to 254 (got %u)", in_black);
  if (in_white > 255 || in_white <= in_black)
    return pw_fail(PW_EINVAL, "in_white must be in_black+1 to 255 (got %u, in_black %u)", in_white, in_black);
  if (out_black > 255) return pw_fail(PW_EINVAL, "out_black must be 0 to 255 (got %u)", out_black);
  if (out_white > 255) return pw_fail(PW_EINVAL, "out_white must be 0 to 255 (got %u)", out_white);
  pw_status s = check_gamma(gamma);
  if (s != PW_OK) return s;
  double t[256];
  for (int v = 0; v < 256; v++) {
    double x = ((double)v - in_black) / ((double)in_white - in_black);
    x = x < 0.0 ? 0.0 : x > 1.0 ? 1.0 : x;
    x = pow(x, 1.0 / (double)gamma);
    t[v] = out_black + x * ((double)out_white - out_black);
  }
  return lut_run(src, dst, width, height, ch, t);
}

pw_status pw_image_levels(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height,
                          uint32_t in_black, uint32_t in_white, float gamma, uint32_t out_black,
                          uint32_t out_white) {
  return levels(src, dst, width, height, in_black, in_white, gamma, out_black, out_white, 4);
}

pw_status pw_image_levels_grey(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height,
                               uint32_t in_black, uint32_t in_white, float gamma, uint32_t out_black,
                               uint32_t out_white) {
  return levels(src, dst, width, height, in_black, in_white, gamma, out_black, out_white, 1);
}

/* ---- matrix, threshold, alpha */

/*
 * The fixed-point form, taken when every multiplier fits: with the largest
 * shift s in 11..15 for which each round(m 2^s) fits in an int16, each
 * output is
 *     floor((sum_j round(m_kj 2^s) c_j + round(o_k 255 2^s) + 2^(s-1)) / 2^s)
 * clamped to 0..255 (c_j the input bytes), i.e. the exact value rounded
 * half up, but for the multipliers' rounding: at most 4 * 255 * 2^-(s+1)
 * < 0.25 off before the rounding, so each byte is within 1 of the exact
 * value's nearest integer, and equal to it wherever that value is within
 * 0.25 of an integer (any matrix of multiples of 2^-s, the identity and
 * channel swaps among them, is exact). Offsets beyond +-2^28 are clamped:
 * with |sum| < 2^25 the byte is 0 or 255 either way. Multipliers of 16 or
 * more take the float form. This is twice as fast in wasm, where 4 float
 * lanes against gcc's 8 kept the float form at 3x native.
 */
static void matrix_fixed(map_ctx *c) {
  double big = 0;
  for (int k = 0; k < 4; k++)
    for (int j = 0; j < 4; j++) big = fmax(big, fabs(c->m[5 * k + j]));
  c->qshift = 0;
  for (int sh = 15; sh >= 11; sh--)
    if (nearbyint(big * (double)(1 << sh)) <= 32767.0) {
      c->qshift = sh;
      break;
    }
  if (!c->qshift) return;
  const double one = (double)(1 << c->qshift), lim = 268435456.0;
  for (int k = 0; k < 4; k++) {
    for (int j = 0; j < 4; j++) c->q[4 * k + j] = (int16_t)nearbyint(c->m[5 * k + j] * one);
    double o = nearbyint(c->m[5 * k + 4] * one) + one / 2;
    c->qoff[k] = (int32_t)(o > lim ? lim : o < -lim ? -lim : o);
  }
}

pw_status pw__image_color_matrix(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height,
                                 const float *matrix, unsigned flags) {
  if (matrix == NULL) return pw_fail(PW_EINVAL, "matrix is missing");
  map_ctx c = {.src = src, .dst = dst, .ch = 4, .op = OP_MATRIX, .simd = pw__img_simd(flags)};
  /* The whole formula times 255: the bytes go in as they are and each sum
     comes out on the 0..255 scale, with the offsets times 255 once here,
     not a division and a multiplication a value. */
  for (int i = 0; i < 20; i++) {
    if (!isfinite(matrix[i])) return pw_fail(PW_EINVAL, "matrix[%d] is not finite", i);
    c.m[i] = i % 5 == 4 ? (double)matrix[i] * 255.0 : (double)matrix[i];
  }
  matrix_fixed(&c);
  return map_run(&c, width, height, 1);
}

pw_status pw_image_color_matrix(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height,
                                const float *matrix) {
  return pw__image_color_matrix(src, dst, width, height, matrix, 0);
}

static pw_status threshold_op(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height,
                              uint32_t threshold, unsigned ch) {
  if (threshold > 256) return pw_fail(PW_EINVAL, "threshold must be 0 to 256 (got %u)", threshold);
  map_ctx c = {.src = src, .dst = dst, .ch = ch, .op = OP_THRESHOLD, .threshold = threshold};
  return map_run(&c, width, height, 1);
}

pw_status pw_image_threshold(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height,
                             uint32_t threshold) {
  return threshold_op(src, dst, width, height, threshold, 4);
}

pw_status pw_image_threshold_grey(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height,
                                  uint32_t threshold) {
  return threshold_op(src, dst, width, height, threshold, 1);
}

pw_status pw__image_premultiply(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height,
                                unsigned flags) {
  map_ctx c = {.src = src, .dst = dst, .ch = 4, .op = OP_PREMUL, .simd = pw__img_simd(flags)};
  return map_run(&c, width, height, 1);
}

pw_status pw_image_premultiply(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height) {
  return pw__image_premultiply(src, dst, width, height, 0);
}

pw_status pw_image_unpremultiply(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height) {
  map_ctx c = {.src = src, .dst = dst, .ch = 4, .op = OP_UNPREMUL};
  return map_run(&c, width, height, 1);
}
