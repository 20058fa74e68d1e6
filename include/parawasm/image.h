/*
 * parawasm/image.h — image kernels on 8-bit pixels: resize, blur and
 * sharpen, convolve, colour, geometry, compose, measure, and PNG/JPEG
 * codecs. From JS they are core.image.* and pool.image.*.
 *
 * Pixels
 *   RGBA: 4 bytes a pixel (R, G, B, A), rows top to bottom, tightly packed
 *   (a row is width*4 bytes): the layout of ImageData. Colours are straight
 *   (not premultiplied by alpha) unless a kernel says otherwise.
 *   Grey: the *_grey kernels take 1 byte a pixel (width*height bytes).
 *   Sides are 1 to 2^24 pixels; the buffer lengths say how many pixels
 *   there are (a buffer must have exactly the length its annotation gives).
 *
 * Alpha. Kernels that mix neighbouring pixels (resize, blur, unsharp mask)
 * weight each pixel's colour by its alpha (premultiplied internally), so a
 * fully transparent pixel adds no colour to its neighbours, whatever colour
 * bytes it holds. A pixel whose result has alpha 0 comes out as 0,0,0,0.
 *
 * In place. A destination declared PW_ALIAS(src) may be the very same view
 * as the source; each kernel says what that costs. Other overlaps are
 * refused by the binding. A filter in place that runs out of memory part
 * way (PW_ENOMEM: a chunk of rows could not get its scratch while others
 * had written theirs) puts the image back from its copy: out of memory,
 * the image is as it was. (Cancelled, PW_ECANCELED, it is unspecified.)
 *
 * Threads. Rows are split across the pool's threads (with the halo rows a
 * filter needs read from the source); every kernel gives the same bytes for
 * any thread count, in every build (SIMD or not).
 *
 * Rounding. Results are rounded to nearest (halves up) and clamped to
 * 0..255. Neighbourhood filters work in single-precision floating point;
 * they stay within 1 of the exact result.
 */
#ifndef PARAWASM_IMAGE_H
#define PARAWASM_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "parawasm/kernel.h"

#ifdef __cplusplus
extern "C" {
#endif

PW_NAMESPACE(image)

/* Largest width or height of an image (2^24 pixels). */
#define PW_IMAGE_MAX_SIDE 16777216u

/* Most pixels of an image that the codecs decode or encode (2^27, 128 Mi). */
#define PW_IMAGE_CODEC_MAX_PIXELS 134217728u

/* Resampling filters of pw_image_resize (option `filter`). */
enum {
  PW_IMAGE_NEAREST = 0,     /* the source pixel under each centre; no mixing */
  PW_IMAGE_BILINEAR = 1,    /* triangle, support 1 */
  PW_IMAGE_CATMULL_ROM = 2, /* cubic B=0, C=1/2 (bicubic), support 2 */
  PW_IMAGE_MITCHELL = 3,    /* cubic B=1/3, C=1/3, support 2 */
  PW_IMAGE_LANCZOS3 = 4     /* sinc(x) sinc(x/3), support 3 */
};

/* 3x3 kernels of pw_image_convolve_preset (option `preset`). */
enum {
  PW_IMAGE_EDGE = 0,    /* -1 -1 -1 / -1 8 -1 / -1 -1 -1 (Laplacian) */
  PW_IMAGE_EMBOSS = 1,  /* -2 -1 0 / -1 1 1 / 0 1 2 */
  PW_IMAGE_SHARPEN = 2  /* 0 -1 0 / -1 5 -1 / 0 -1 0 */
};

/* Formats of pw_image_info. */
enum { PW_IMAGE_PNG = 1, PW_IMAGE_JPEG = 2 };

/* ======================================================================== */
/* Resize                                                                   */
/* ======================================================================== */

/**
 * Resizes an RGBA image to dst_width x dst_height, up or down.
 *
 * Pixel centres are matched (source x = (dst x + 0.5) * width / dst_width
 * - 0.5). Every filter but nearest is separable, its weights normalised
 * over the taps that fall inside the image (edges are not darkened); when
 * shrinking, the filter is widened by the scale factor so that every
 * source pixel counts (area-correct, as libvips and Pillow do). Colours
 * are weighted by alpha. Negative lobes (Catmull-Rom, Lanczos) may
 * overshoot; results are clamped. A side that keeps its size is not
 * filtered (each output pixel takes its source pixel's value there), and
 * the same size in both is a copy of src, with any filter.
 *
 * In place: no (the sizes differ); src and dst must not overlap.
 * @param src         the source pixels, width*height*4 bytes
 * @param width       source width in pixels
 * @param height      source height in pixels
 * @param dst         the result, dst_width*dst_height*4 bytes
 * @param dst_width   result width in pixels
 * @param dst_height  result height in pixels
 * @param filter      PW_IMAGE_NEAREST .. PW_IMAGE_LANCZOS3 (default Lanczos-3)
 * @return PW_OK, PW_ENOMEM, PW_ECANCELED, or PW_EINVAL for a bad size or filter
 */
PW_KERNEL pw_status pw_image_resize(PW_IN(width * height * 4) const uint8_t *src,
                                    PW_OPTION PW_RANGE(1, 16777216) uint32_t width,
                                    PW_OPTION PW_RANGE(1, 16777216) uint32_t height,
                                    PW_OUT(dst_width * dst_height * 4) uint8_t *dst,
                                    PW_OPTION PW_RANGE(1, 16777216) uint32_t dst_width,
                                    PW_OPTION PW_RANGE(1, 16777216) uint32_t dst_height,
                                    PW_OPTION PW_DEFAULT(4) PW_RANGE(0, 4) uint32_t filter);

/**
 * pw_image_resize for grey pixels (1 byte a pixel; no alpha).
 * @return as pw_image_resize
 */
PW_KERNEL pw_status pw_image_resize_grey(PW_IN(width * height) const uint8_t *src,
                                         PW_OPTION PW_RANGE(1, 16777216) uint32_t width,
                                         PW_OPTION PW_RANGE(1, 16777216) uint32_t height,
                                         PW_OUT(dst_width * dst_height) uint8_t *dst,
                                         PW_OPTION PW_RANGE(1, 16777216) uint32_t dst_width,
                                         PW_OPTION PW_RANGE(1, 16777216) uint32_t dst_height,
                                         PW_OPTION PW_DEFAULT(4) PW_RANGE(0, 4) uint32_t filter);

/* ======================================================================== */
/* Blur and sharpen                                                         */
/* ======================================================================== */

/**
 * Gaussian blur of standard deviation `sigma` pixels: the sampled kernel
 * exp(-k^2 / (2 sigma^2)) for |k| <= ceil(3 sigma), normalised, applied to
 * rows then columns (exact, not a box approximation). Pixels beyond an
 * edge repeat the edge pixel. Colours are weighted by alpha. Each byte is
 * within 1 of the exact filter's value rounded, and a pixel whose blurred
 * alpha rounds to 0 is 0,0,0,0. sigma 0 copies the image. The cost per
 * pixel grows with min(6 sigma, image side); the weights take memory of
 * the order of the sides (not their square), for any sigma.
 *
 * In place: yes (dst may be src); it then costs a temporary copy.
 * @param src     the source pixels, width*height*4 bytes
 * @param dst     the result, width*height*4 bytes
 * @param width   width in pixels
 * @param height  height in pixels
 * @param sigma   standard deviation in pixels, 0 to 100000
 * @return PW_OK, PW_ENOMEM, PW_ECANCELED, or PW_EINVAL for a bad size or sigma
 */
PW_KERNEL pw_status pw_image_blur(PW_IN(width * height * 4) const uint8_t *src,
                                  PW_OUT(width * height * 4) PW_ALIAS(src) uint8_t *dst,
                                  PW_OPTION PW_RANGE(1, 16777216) uint32_t width,
                                  PW_OPTION PW_RANGE(1, 16777216) uint32_t height,
                                  PW_OPTION PW_RANGE(0, 100000) float sigma);

/**
 * pw_image_blur for grey pixels. In place: yes, with a temporary copy.
 * @return as pw_image_blur
 */
PW_KERNEL pw_status pw_image_blur_grey(PW_IN(width * height) const uint8_t *src,
                                       PW_OUT(width * height) PW_ALIAS(src) uint8_t *dst,
                                       PW_OPTION PW_RANGE(1, 16777216) uint32_t width,
                                       PW_OPTION PW_RANGE(1, 16777216) uint32_t height,
                                       PW_OPTION PW_RANGE(0, 100000) float sigma);

/**
 * Box blur: each pixel becomes the mean of the (2 radius + 1)^2 square
 * around it, pixels beyond an edge repeating the edge pixel. Colours are
 * weighted by alpha: alpha = round(mean of a), colour = round(sum(c a) /
 * sum(a)). Exact (integer sums); the cost per pixel does not depend on the
 * radius. radius 0 copies the image.
 *
 * In place: yes (dst may be src); it then costs a temporary copy.
 * @param src     the source pixels, width*height*4 bytes
 * @param dst     the result, width*height*4 bytes
 * @param width   width in pixels
 * @param height  height in pixels
 * @param radius  half the side of the square, in pixels, 0 to 32767
 * @return PW_OK, PW_ENOMEM, PW_ECANCELED, or PW_EINVAL
 */
PW_KERNEL pw_status pw_image_box_blur(PW_IN(width * height * 4) const uint8_t *src,
                                      PW_OUT(width * height * 4) PW_ALIAS(src) uint8_t *dst,
                                      PW_OPTION PW_RANGE(1, 16777216) uint32_t width,
                                      PW_OPTION PW_RANGE(1, 16777216) uint32_t height,
                                      PW_OPTION PW_RANGE(0, 32767) uint32_t radius);

/**
 * pw_image_box_blur for grey pixels: round(mean). In place: yes, with a
 * temporary copy.
 * @return as pw_image_box_blur
 */
PW_KERNEL pw_status pw_image_box_blur_grey(PW_IN(width * height) const uint8_t *src,
                                           PW_OUT(width * height) PW_ALIAS(src) uint8_t *dst,
                                           PW_OPTION PW_RANGE(1, 16777216) uint32_t width,
                                           PW_OPTION PW_RANGE(1, 16777216) uint32_t height,
                                           PW_OPTION PW_RANGE(0, 32767) uint32_t radius);

/**
 * Unsharp mask: with B the Gaussian blur of the image (as pw_image_blur,
 * unrounded) and d = c - B per colour channel (straight colours),
 *     c' = c                        if |d| < threshold
 *     c' = round(c + amount * d)    otherwise (clamped).
 * Alpha is kept; pixels with alpha 0 are copied. Each byte is within 1 of
 * that formula on the exact blur (away from |d| = threshold, where a
 * rounding of B can decide the case).
 *
 * In place: yes (dst may be src); it then costs a temporary copy.
 * @param src        the source pixels, width*height*4 bytes
 * @param dst        the result, width*height*4 bytes
 * @param width      width in pixels
 * @param height     height in pixels
 * @param sigma      standard deviation of the blur in pixels, 0 to 100000
 * @param amount     strength, 0 to 1000 (default 1: the difference added once)
 * @param threshold  smallest difference |c - B| sharpened, 0 to 255 (default 0)
 * @return PW_OK, PW_ENOMEM, PW_ECANCELED, or PW_EINVAL
 */
PW_KERNEL pw_status pw_image_unsharp(PW_IN(width * height * 4) const uint8_t *src,
                                     PW_OUT(width * height * 4) PW_ALIAS(src) uint8_t *dst,
                                     PW_OPTION PW_RANGE(1, 16777216) uint32_t width,
                                     PW_OPTION PW_RANGE(1, 16777216) uint32_t height,
                                     PW_OPTION PW_RANGE(0, 100000) float sigma,
                                     PW_OPTION PW_DEFAULT(1) PW_RANGE(0, 1000) float amount,
                                     PW_OPTION PW_DEFAULT(0) PW_RANGE(0, 255) float threshold);

/**
 * pw_image_unsharp for grey pixels. In place: yes, with a temporary copy.
 * @return as pw_image_unsharp
 */
PW_KERNEL pw_status pw_image_unsharp_grey(PW_IN(width * height) const uint8_t *src,
                                          PW_OUT(width * height) PW_ALIAS(src) uint8_t *dst,
                                          PW_OPTION PW_RANGE(1, 16777216) uint32_t width,
                                          PW_OPTION PW_RANGE(1, 16777216) uint32_t height,
                                          PW_OPTION PW_RANGE(0, 100000) float sigma,
                                          PW_OPTION PW_DEFAULT(1) PW_RANGE(0, 1000) float amount,
                                          PW_OPTION PW_DEFAULT(0) PW_RANGE(0, 255) float threshold);

/* ======================================================================== */
/* Convolve                                                                 */
/* ======================================================================== */

/**
 * Convolves R, G and B (straight colours) with a kernel_width x
 * kernel_height kernel (both odd; row-major, applied as a correlation:
 * kernel[0] weighs the top-left neighbour), then
 *     c' = round(sum / divisor + bias)   (clamped).
 * Alpha is kept. Pixels beyond an edge repeat the edge pixel.
 *
 * In place: yes (dst may be src); it then costs a temporary copy.
 * @param src            the source pixels, width*height*4 bytes
 * @param dst            the result, width*height*4 bytes
 * @param width          width in pixels
 * @param height         height in pixels
 * @param kernel         kernel_width*kernel_height weights (finite)
 * @param kernel_width   odd, 1 to 255
 * @param kernel_height  odd, 1 to 255
 * @param divisor        the sum is divided by it; 0 (default) means the sum
 *                       of the weights, or 1 if that sum is 0
 * @param bias           added after dividing, in 0..255 units (default 0)
 * @return PW_OK, PW_ENOMEM, PW_ECANCELED, or PW_EINVAL naming the argument
 */
PW_KERNEL pw_status pw_image_convolve(PW_IN(width * height * 4) const uint8_t *src,
                                      PW_OUT(width * height * 4) PW_ALIAS(src) uint8_t *dst,
                                      PW_OPTION PW_RANGE(1, 16777216) uint32_t width,
                                      PW_OPTION PW_RANGE(1, 16777216) uint32_t height,
                                      PW_IN(kernel_width * kernel_height) const float *kernel,
                                      PW_OPTION PW_RANGE(1, 255) uint32_t kernel_width,
                                      PW_OPTION PW_RANGE(1, 255) uint32_t kernel_height,
                                      PW_OPTION PW_DEFAULT(0) float divisor,
                                      PW_OPTION PW_DEFAULT(0) PW_RANGE(-1000000, 1000000) float bias);

/**
 * pw_image_convolve for grey pixels. In place: yes, with a temporary copy.
 * @return as pw_image_convolve
 */
PW_KERNEL pw_status pw_image_convolve_grey(PW_IN(width * height) const uint8_t *src,
                                           PW_OUT(width * height) PW_ALIAS(src) uint8_t *dst,
                                           PW_OPTION PW_RANGE(1, 16777216) uint32_t width,
                                           PW_OPTION PW_RANGE(1, 16777216) uint32_t height,
                                           PW_IN(kernel_width * kernel_height) const float *kernel,
                                           PW_OPTION PW_RANGE(1, 255) uint32_t kernel_width,
                                           PW_OPTION PW_RANGE(1, 255) uint32_t kernel_height,
                                           PW_OPTION PW_DEFAULT(0) float divisor,
                                           PW_OPTION PW_DEFAULT(0) PW_RANGE(-1000000, 1000000) float bias);

/**
 * pw_image_convolve with a 3x3 preset (divisor 1, bias 0): PW_IMAGE_EDGE,
 * PW_IMAGE_EMBOSS or PW_IMAGE_SHARPEN (see their definitions above).
 * In place: yes, with a temporary copy.
 * @return as pw_image_convolve; PW_EINVAL for an unknown preset
 */
PW_KERNEL pw_status pw_image_convolve_preset(PW_IN(width * height * 4) const uint8_t *src,
                                             PW_OUT(width * height * 4) PW_ALIAS(src) uint8_t *dst,
                                             PW_OPTION PW_RANGE(1, 16777216) uint32_t width,
                                             PW_OPTION PW_RANGE(1, 16777216) uint32_t height,
                                             PW_OPTION PW_RANGE(0, 2) uint32_t preset);

/* ======================================================================== */
/* Colour (pixel by pixel; in place costs nothing)                          */
/* ======================================================================== */

/**
 * Greyscale by Rec. 709 luma of the stored (gamma-encoded) values:
 * R = G = B = round(0.2126 R + 0.7152 G + 0.0722 B), alpha kept. Exact.
 * In place: yes, free.
 * @return PW_OK, PW_ECANCELED, or PW_EINVAL for a bad size
 */
PW_KERNEL pw_status pw_image_greyscale(PW_IN(width * height * 4) const uint8_t *src,
                                       PW_OUT(width * height * 4) PW_ALIAS(src) uint8_t *dst,
                                       PW_OPTION PW_RANGE(1, 16777216) uint32_t width,
                                       PW_OPTION PW_RANGE(1, 16777216) uint32_t height);

/**
 * RGBA to a grey image (1 byte a pixel): the Rec. 709 luma of
 * pw_image_greyscale; alpha is dropped. In place: no.
 * @return PW_OK, PW_ECANCELED, or PW_EINVAL for a bad size
 */
PW_KERNEL pw_status pw_image_to_grey(PW_IN(width * height * 4) const uint8_t *src,
                                     PW_OUT(width * height) uint8_t *dst,
                                     PW_OPTION PW_RANGE(1, 16777216) uint32_t width,
                                     PW_OPTION PW_RANGE(1, 16777216) uint32_t height);

/**
 * A grey image to RGBA: R = G = B = the grey value, alpha 255. In place: no.
 * @return PW_OK, PW_ECANCELED, or PW_EINVAL for a bad size
 */
PW_KERNEL pw_status pw_image_from_grey(PW_IN(width * height) const uint8_t *src,
                                       PW_OUT(width * height * 4) uint8_t *dst,
                                       PW_OPTION PW_RANGE(1, 16777216) uint32_t width,
                                       PW_OPTION PW_RANGE(1, 16777216) uint32_t height);

/**
 * Inverts colours: c' = 255 - c for R, G, B; alpha kept. In place: yes, free.
 * @return PW_OK, PW_ECANCELED, or PW_EINVAL for a bad size
 */
PW_KERNEL pw_status pw_image_invert(PW_IN(width * height * 4) const uint8_t *src,
                                    PW_OUT(width * height * 4) PW_ALIAS(src) uint8_t *dst,
                                    PW_OPTION PW_RANGE(1, 16777216) uint32_t width,
                                    PW_OPTION PW_RANGE(1, 16777216) uint32_t height);

/**
 * pw_image_invert for grey pixels: v' = 255 - v. In place: yes, free.
 * @return PW_OK, PW_ECANCELED, or PW_EINVAL for a bad size
 */
PW_KERNEL pw_status pw_image_invert_grey(PW_IN(width * height) const uint8_t *src,
                                         PW_OUT(width * height) PW_ALIAS(src) uint8_t *dst,
                                         PW_OPTION PW_RANGE(1, 16777216) uint32_t width,
                                         PW_OPTION PW_RANGE(1, 16777216) uint32_t height);

/**
 * Brightness and contrast of R, G, B (alpha kept), computed in double:
 *     c' = round((c - 127.5) * contrast + 127.5 + brightness * 255)   (clamped)
 * brightness 0 and contrast 1 leave the image as it is. In place: yes, free.
 * @param brightness  added, in units of full scale, -1 to 1 (default 0)
 * @param contrast    slope about mid-grey, 0 to 1000 (default 1)
 * @return PW_OK, PW_ECANCELED, or PW_EINVAL
 */
PW_KERNEL pw_status pw_image_brightness_contrast(PW_IN(width * height * 4) const uint8_t *src,
                                                 PW_OUT(width * height * 4) PW_ALIAS(src) uint8_t *dst,
                                                 PW_OPTION PW_RANGE(1, 16777216) uint32_t width,
                                                 PW_OPTION PW_RANGE(1, 16777216) uint32_t height,
                                                 PW_OPTION PW_DEFAULT(0) PW_RANGE(-1, 1) float brightness,
                                                 PW_OPTION PW_DEFAULT(1) PW_RANGE(0, 1000) float contrast);

/**
 * pw_image_brightness_contrast for grey pixels. In place: yes, free.
 * @return as pw_image_brightness_contrast
 */
PW_KERNEL pw_status pw_image_brightness_contrast_grey(PW_IN(width * height) const uint8_t *src,
                                                      PW_OUT(width * height) PW_ALIAS(src) uint8_t *dst,
                                                      PW_OPTION PW_RANGE(1, 16777216) uint32_t width,
                                                      PW_OPTION PW_RANGE(1, 16777216) uint32_t height,
                                                      PW_OPTION PW_DEFAULT(0) PW_RANGE(-1, 1) float brightness,
                                                      PW_OPTION PW_DEFAULT(1) PW_RANGE(0, 1000) float contrast);

/**
 * Gamma: c' = round(255 (c / 255)^(1 / gamma)) for R, G, B (alpha kept),
 * computed in double; gamma > 1 lightens the mid-tones. In place: yes, free.
 * @param gamma  0.01 to 100
 * @return PW_OK, PW_ECANCELED, or PW_EINVAL
 */
PW_KERNEL pw_status pw_image_gamma(PW_IN(width * height * 4) const uint8_t *src,
                                   PW_OUT(width * height * 4) PW_ALIAS(src) uint8_t *dst,
                                   PW_OPTION PW_RANGE(1, 16777216) uint32_t width,
                                   PW_OPTION PW_RANGE(1, 16777216) uint32_t height,
                                   PW_OPTION PW_RANGE(0.01, 100) float gamma);

/**
 * pw_image_gamma for grey pixels. In place: yes, free.
 * @return as pw_image_gamma
 */
PW_KERNEL pw_status pw_image_gamma_grey(PW_IN(width * height) const uint8_t *src,
                                        PW_OUT(width * height) PW_ALIAS(src) uint8_t *dst,
                                        PW_OPTION PW_RANGE(1, 16777216) uint32_t width,
                                        PW_OPTION PW_RANGE(1, 16777216) uint32_t height,
                                        PW_OPTION PW_RANGE(0.01, 100) float gamma);

/**
 * Levels of R, G, B (alpha kept), computed in double:
 *     t  = clamp((c - in_black) / (in_white - in_black), 0, 1) ^ (1 / gamma)
 *     c' = round(out_black + t (out_white - out_black))
 * out_black > out_white inverts. In place: yes, free.
 * @param in_black   input value mapped to out_black, 0 to 254 (default 0)
 * @param in_white   input value mapped to out_white, in_black+1 to 255 (default 255)
 * @param gamma      mid-tone exponent as in pw_image_gamma, 0.01 to 100 (default 1)
 * @param out_black  0 to 255 (default 0)
 * @param out_white  0 to 255 (default 255)
 * @return PW_OK, PW_ECANCELED, or PW_EINVAL (in_white <= in_black included)
 */
PW_KERNEL pw_status pw_image_levels(PW_IN(width * height * 4) const uint8_t *src,
                                    PW_OUT(width * height * 4) PW_ALIAS(src) uint8_t *dst,
                                    PW_OPTION PW_RANGE(1, 16777216) uint32_t width,
                                    PW_OPTION PW_RANGE(1, 16777216) uint32_t height,
                                    PW_OPTION PW_DEFAULT(0) PW_RANGE(0, 254) uint32_t in_black,
                                    PW_OPTION PW_DEFAULT(255) PW_RANGE(1, 255) uint32_t in_white,
                                    PW_OPTION PW_DEFAULT(1) PW_RANGE(0.01, 100) float gamma,
                                    PW_OPTION PW_DEFAULT(0) PW_RANGE(0, 255) uint32_t out_black,
                                    PW_OPTION PW_DEFAULT(255) PW_RANGE(0, 255) uint32_t out_white);

/**
 * pw_image_levels for grey pixels. In place: yes, free.
 * @return as pw_image_levels
 */
PW_KERNEL pw_status pw_image_levels_grey(PW_IN(width * height) const uint8_t *src,
                                         PW_OUT(width * height) PW_ALIAS(src) uint8_t *dst,
                                         PW_OPTION PW_RANGE(1, 16777216) uint32_t width,
                                         PW_OPTION PW_RANGE(1, 16777216) uint32_t height,
                                         PW_OPTION PW_DEFAULT(0) PW_RANGE(0, 254) uint32_t in_black,
                                         PW_OPTION PW_DEFAULT(255) PW_RANGE(1, 255) uint32_t in_white,
                                         PW_OPTION PW_DEFAULT(1) PW_RANGE(0.01, 100) float gamma,
                                         PW_OPTION PW_DEFAULT(0) PW_RANGE(0, 255) uint32_t out_black,
                                         PW_OPTION PW_DEFAULT(255) PW_RANGE(0, 255) uint32_t out_white);

/**
 * A 4x5 colour matrix, as SVG's feColorMatrix type="matrix": with
 * straight R, G, B, A scaled to 0..1,
 *     R' = m[0] R + m[1] G + m[2] B + m[3] A + m[4]      (and so on, row by row
 *     G' = m[5] R + ...   B' = m[10] R + ...   A' = m[15] R + ... + m[19])
 * then each is clamped to 0..1 and scaled to 0..255 as a byte. When every
 * multiplier (m[0..3], m[5..8], ...) is below 16 in magnitude, the sums are
 * taken in fixed point (the multipliers rounded to multiples of 2^-11 or
 * finer): each byte is within 1 of the exact value rounded to the nearest
 * integer, equal to it wherever the exact value is within 0.25 of an
 * integer, and exact for multipliers that are multiples of 2^-11 (the
 * identity, channel swaps, halves) and offsets of 0 (an offset is taken to
 * within 2^-12 of a byte: a value that close to a half may round the other
 * way); halves round up. Larger multipliers are
 * taken in double (no overflow, no cancellation to speak of), rounded to
 * nearest, ties to even; the matrix itself is 32-bit floats (entries
 * rounded to 24 bits; from JS, finite as 32-bit floats). In place: yes, free.
 * @param matrix  20 finite floats, row-major
 * @return PW_OK, PW_ECANCELED, or PW_EINVAL for a bad size or a non-finite entry
 */
PW_KERNEL pw_status pw_image_color_matrix(PW_IN(width * height * 4) const uint8_t *src,
                                          PW_OUT(width * height * 4) PW_ALIAS(src) uint8_t *dst,
                                          PW_OPTION PW_RANGE(1, 16777216) uint32_t width,
                                          PW_OPTION PW_RANGE(1, 16777216) uint32_t height,
                                          PW_IN(20) const float *matrix);

/**
 * Threshold: pixels whose Rec. 709 luma (as pw_image_greyscale) is at
 * least `threshold` become white, the others black; alpha kept.
 * In place: yes, free.
 * @param threshold  0 to 256 (default 128; 0 makes all white, 256 all black)
 * @return PW_OK, PW_ECANCELED, or PW_EINVAL
 */
PW_KERNEL pw_status pw_image_threshold(PW_IN(width * height * 4) const uint8_t *src,
                                       PW_OUT(width * height * 4) PW_ALIAS(src) uint8_t *dst,
                                       PW_OPTION PW_RANGE(1, 16777216) uint32_t width,
                                       PW_OPTION PW_RANGE(1, 16777216) uint32_t height,
                                       PW_OPTION PW_DEFAULT(128) PW_RANGE(0, 256) uint32_t threshold);

/**
 * pw_image_threshold for grey pixels: v' = v >= threshold ? 255 : 0.
 * In place: yes, free.
 * @return as pw_image_threshold
 */
PW_KERNEL pw_status pw_image_threshold_grey(PW_IN(width * height) const uint8_t *src,
                                            PW_OUT(width * height) PW_ALIAS(src) uint8_t *dst,
                                            PW_OPTION PW_RANGE(1, 16777216) uint32_t width,
                                            PW_OPTION PW_RANGE(1, 16777216) uint32_t height,
                                            PW_OPTION PW_DEFAULT(128) PW_RANGE(0, 256) uint32_t threshold);

/**
 * Premultiplies colours by alpha: c' = round(c a / 255). Exact.
 * In place: yes, free.
 * @return PW_OK, PW_ECANCELED, or PW_EINVAL for a bad size
 */
PW_KERNEL pw_status pw_image_premultiply(PW_IN(width * height * 4) const uint8_t *src,
                                         PW_OUT(width * height * 4) PW_ALIAS(src) uint8_t *dst,
                                         PW_OPTION PW_RANGE(1, 16777216) uint32_t width,
                                         PW_OPTION PW_RANGE(1, 16777216) uint32_t height);

/**
 * Undoes pw_image_premultiply: c' = min(255, round(c 255 / a)), and 0 where
 * a = 0. Exact. In place: yes, free.
 * @return PW_OK, PW_ECANCELED, or PW_EINVAL for a bad size
 */
PW_KERNEL pw_status pw_image_unpremultiply(PW_IN(width * height * 4) const uint8_t *src,
                                           PW_OUT(width * height * 4) PW_ALIAS(src) uint8_t *dst,
                                           PW_OPTION PW_RANGE(1, 16777216) uint32_t width,
                                           PW_OPTION PW_RANGE(1, 16777216) uint32_t height);

/* ======================================================================== */
/* Geometry                                                                 */
/* ======================================================================== */

/**
 * Copies the dst_width x dst_height rectangle at (left, top) of the source,
 * which must lie inside the source. In place: no.
 * @param left, top  the rectangle's top-left corner in the source, in pixels
 * @return PW_OK, PW_ECANCELED, PW_EINVAL for a bad size, or PW_ERANGE
 *         naming the argument when the rectangle leaves the source
 */
PW_KERNEL pw_status pw_image_crop(PW_IN(width * height * 4) const uint8_t *src,
                                  PW_OPTION PW_RANGE(1, 16777216) uint32_t width,
                                  PW_OPTION PW_RANGE(1, 16777216) uint32_t height,
                                  PW_OUT(dst_width * dst_height * 4) uint8_t *dst,
                                  PW_OPTION PW_RANGE(0, 16777215) uint32_t left,
                                  PW_OPTION PW_RANGE(0, 16777215) uint32_t top,
                                  PW_OPTION PW_RANGE(1, 16777216) uint32_t dst_width,
                                  PW_OPTION PW_RANGE(1, 16777216) uint32_t dst_height);

/** pw_image_crop for grey pixels. @return as pw_image_crop */
PW_KERNEL pw_status pw_image_crop_grey(PW_IN(width * height) const uint8_t *src,
                                       PW_OPTION PW_RANGE(1, 16777216) uint32_t width,
                                       PW_OPTION PW_RANGE(1, 16777216) uint32_t height,
                                       PW_OUT(dst_width * dst_height) uint8_t *dst,
                                       PW_OPTION PW_RANGE(0, 16777215) uint32_t left,
                                       PW_OPTION PW_RANGE(0, 16777215) uint32_t top,
                                       PW_OPTION PW_RANGE(1, 16777216) uint32_t dst_width,
                                       PW_OPTION PW_RANGE(1, 16777216) uint32_t dst_height);

/**
 * Flips top to bottom (mirror about the horizontal axis). In place: yes, free.
 * @return PW_OK, PW_ECANCELED, or PW_EINVAL for a bad size
 */
PW_KERNEL pw_status pw_image_flip(PW_IN(width * height * 4) const uint8_t *src,
                                  PW_OUT(width * height * 4) PW_ALIAS(src) uint8_t *dst,
                                  PW_OPTION PW_RANGE(1, 16777216) uint32_t width,
                                  PW_OPTION PW_RANGE(1, 16777216) uint32_t height);

/** pw_image_flip for grey pixels. In place: yes, free. @return as pw_image_flip */
PW_KERNEL pw_status pw_image_flip_grey(PW_IN(width * height) const uint8_t *src,
                                       PW_OUT(width * height) PW_ALIAS(src) uint8_t *dst,
                                       PW_OPTION PW_RANGE(1, 16777216) uint32_t width,
                                       PW_OPTION PW_RANGE(1, 16777216) uint32_t height);

/**
 * Flops left to right (mirror about the vertical axis). In place: yes, free.
 * @return PW_OK, PW_ECANCELED, or PW_EINVAL for a bad size
 */
PW_KERNEL pw_status pw_image_flop(PW_IN(width * height * 4) const uint8_t *src,
                                  PW_OUT(width * height * 4) PW_ALIAS(src) uint8_t *dst,
                                  PW_OPTION PW_RANGE(1, 16777216) uint32_t width,
                                  PW_OPTION PW_RANGE(1, 16777216) uint32_t height);

/** pw_image_flop for grey pixels. In place: yes, free. @return as pw_image_flop */
PW_KERNEL pw_status pw_image_flop_grey(PW_IN(width * height) const uint8_t *src,
                                       PW_OUT(width * height) PW_ALIAS(src) uint8_t *dst,
                                       PW_OPTION PW_RANGE(1, 16777216) uint32_t width,
                                       PW_OPTION PW_RANGE(1, 16777216) uint32_t height);

/**
 * Rotates clockwise by `angle` degrees: 0, 90, 180 or 270. For 90 and 270
 * the result is height pixels wide and width pixels high (the same number
 * of bytes). In place: yes; free for 0 and 180, a temporary copy for 90
 * and 270.
 * @return PW_OK, PW_ENOMEM, PW_ECANCELED, or PW_EINVAL for a bad size or angle
 */
PW_KERNEL pw_status pw_image_rotate(PW_IN(width * height * 4) const uint8_t *src,
                                    PW_OUT(width * height * 4) PW_ALIAS(src) uint8_t *dst,
                                    PW_OPTION PW_RANGE(1, 16777216) uint32_t width,
                                    PW_OPTION PW_RANGE(1, 16777216) uint32_t height,
                                    PW_OPTION PW_RANGE(0, 270) uint32_t angle);

/** pw_image_rotate for grey pixels. @return as pw_image_rotate */
PW_KERNEL pw_status pw_image_rotate_grey(PW_IN(width * height) const uint8_t *src,
                                         PW_OUT(width * height) PW_ALIAS(src) uint8_t *dst,
                                         PW_OPTION PW_RANGE(1, 16777216) uint32_t width,
                                         PW_OPTION PW_RANGE(1, 16777216) uint32_t height,
                                         PW_OPTION PW_RANGE(0, 270) uint32_t angle);

/**
 * Pads the image with `top`, `right`, `bottom` and `left` pixels of the
 * colour `background` (0xRRGGBBAA; default 0, transparent black). The
 * result is (width + left + right) x (height + top + bottom), each side at
 * most 2^24. In place: no.
 * @return PW_OK, PW_ECANCELED, or PW_EINVAL naming a side that is too large
 */
PW_KERNEL pw_status pw_image_extend(PW_IN(width * height * 4) const uint8_t *src,
                                    PW_OPTION PW_RANGE(1, 16777216) uint32_t width,
                                    PW_OPTION PW_RANGE(1, 16777216) uint32_t height,
                                    PW_OUT((width + left + right) * (height + top + bottom) * 4) uint8_t *dst,
                                    PW_OPTION PW_DEFAULT(0) PW_RANGE(0, 16777215) uint32_t top,
                                    PW_OPTION PW_DEFAULT(0) PW_RANGE(0, 16777215) uint32_t right,
                                    PW_OPTION PW_DEFAULT(0) PW_RANGE(0, 16777215) uint32_t bottom,
                                    PW_OPTION PW_DEFAULT(0) PW_RANGE(0, 16777215) uint32_t left,
                                    PW_OPTION PW_DEFAULT(0) uint32_t background);

/**
 * pw_image_extend for grey pixels; `background` is the grey value (0..255).
 * @return as pw_image_extend
 */
PW_KERNEL pw_status pw_image_extend_grey(PW_IN(width * height) const uint8_t *src,
                                         PW_OPTION PW_RANGE(1, 16777216) uint32_t width,
                                         PW_OPTION PW_RANGE(1, 16777216) uint32_t height,
                                         PW_OUT((width + left + right) * (height + top + bottom)) uint8_t *dst,
                                         PW_OPTION PW_DEFAULT(0) PW_RANGE(0, 16777215) uint32_t top,
                                         PW_OPTION PW_DEFAULT(0) PW_RANGE(0, 16777215) uint32_t right,
                                         PW_OPTION PW_DEFAULT(0) PW_RANGE(0, 16777215) uint32_t bottom,
                                         PW_OPTION PW_DEFAULT(0) PW_RANGE(0, 16777215) uint32_t left,
                                         PW_OPTION PW_DEFAULT(0) PW_RANGE(0, 255) uint32_t background);

/* ======================================================================== */
/* Compose                                                                  */
/* ======================================================================== */

/**
 * Draws `overlay` over `dst` with its top-left corner at (left, top) (either
 * may be negative; the parts outside dst are skipped), Porter-Duff "over"
 * on straight alpha, the overlay's alpha first multiplied by `opacity`:
 *     as = a_overlay * (opacity / 255),  ad = a_dst / 255
 *     a  = as + ad (1 - as)
 *     c  = (c_overlay as + c_dst ad (1 - as)) / a
 * computed in single precision, rounded; a' = round(255 a). Where as is 0
 * the dst pixel is left as it is; where a' is 0 it becomes 0,0,0,0. dst
 * is changed in place.
 * @param dst             the image drawn on, width*height*4 bytes
 * @param overlay         the image drawn, overlay_width*overlay_height*4 bytes
 * @param left, top       position of the overlay's top-left corner in dst
 * @param opacity         0 to 1 (default 1)
 * @return PW_OK, PW_ECANCELED, or PW_EINVAL for a bad size
 */
PW_KERNEL pw_status pw_image_composite(PW_INOUT(width * height * 4) uint8_t *dst,
                                       PW_OPTION PW_RANGE(1, 16777216) uint32_t width,
                                       PW_OPTION PW_RANGE(1, 16777216) uint32_t height,
                                       PW_IN(overlay_width * overlay_height * 4) const uint8_t *overlay,
                                       PW_OPTION PW_RANGE(1, 16777216) uint32_t overlay_width,
                                       PW_OPTION PW_RANGE(1, 16777216) uint32_t overlay_height,
                                       PW_OPTION PW_DEFAULT(0) PW_RANGE(-16777216, 16777216) int32_t left,
                                       PW_OPTION PW_DEFAULT(0) PW_RANGE(-16777216, 16777216) int32_t top,
                                       PW_OPTION PW_DEFAULT(1) PW_RANGE(0, 1) float opacity);

/* ======================================================================== */
/* Measure                                                                  */
/* ======================================================================== */

/**
 * Per-channel histograms: hist[c * 256 + v] counts the pixels whose
 * channel c (0 R, 1 G, 2 B, 3 A) is v.
 * @param hist  the result, 1024 counts
 * @return PW_OK, PW_ENOMEM, PW_ECANCELED, or PW_EINVAL for a bad size
 *         (PW_ERANGE if the image has 2^32 pixels or more)
 */
PW_KERNEL pw_status pw_image_histogram(PW_IN(width * height * 4) const uint8_t *src,
                                       PW_OPTION PW_RANGE(1, 16777216) uint32_t width,
                                       PW_OPTION PW_RANGE(1, 16777216) uint32_t height,
                                       PW_RETURN(1024) uint32_t *hist);

/** Histogram of grey pixels: hist[v], 256 counts. @return as pw_image_histogram */
PW_KERNEL pw_status pw_image_histogram_grey(PW_IN(width * height) const uint8_t *src,
                                            PW_OPTION PW_RANGE(1, 16777216) uint32_t width,
                                            PW_OPTION PW_RANGE(1, 16777216) uint32_t height,
                                            PW_RETURN(256) uint32_t *hist);

/**
 * Per-channel statistics: stats[0..3] the means of R, G, B, A (exact sums
 * divided in double), stats[4..7] their minima, stats[8..11] their maxima.
 * @param stats  the result, 12 doubles
 * @return PW_OK, PW_ENOMEM, PW_ECANCELED, or PW_EINVAL for a bad size
 */
PW_KERNEL pw_status pw_image_stats(PW_IN(width * height * 4) const uint8_t *src,
                                   PW_OPTION PW_RANGE(1, 16777216) uint32_t width,
                                   PW_OPTION PW_RANGE(1, 16777216) uint32_t height,
                                   PW_RETURN(12) double *stats);

/** Grey statistics: stats = mean, min, max. @return as pw_image_stats */
PW_KERNEL pw_status pw_image_stats_grey(PW_IN(width * height) const uint8_t *src,
                                        PW_OPTION PW_RANGE(1, 16777216) uint32_t width,
                                        PW_OPTION PW_RANGE(1, 16777216) uint32_t height,
                                        PW_RETURN(3) double *stats);

/* ======================================================================== */
/* Codecs (PNG and JPEG)                                                    */
/* ======================================================================== */

/*
 * To decode into a buffer of your own (a pool.alloc() view, so that a
 * pipeline stays in the pool's memory): pw_image_info gives the size, then
 * pw_image_decode writes width*height*4 bytes into it. Many files may be
 * decoded at once, one call each, on different threads.
 *
 * PNG: every colour type and bit depth, interlaced or not; 16-bit samples
 * are cut to 8 bits; the CRC of every chunk and the image data's Adler-32
 * are checked. JPEG: baseline and
 * progressive, grey, YCbCr and CMYK (Adobe); not arithmetic-coded or
 * 12-bit. Colour profiles, gamma and EXIF orientation are ignored. Images
 * of more than PW_IMAGE_CODEC_MAX_PIXELS pixels, or a side over 65535
 * (JPEG) or 2^24 (PNG), are refused before anything is allocated, and so
 * are files whose data cannot hold the image their header declares (PNG:
 * less than 1/1032 of its bytes, deflate's densest; JPEG: less than a bit
 * an 8x8 block). Corrupt or truncated files fail with PW_EFORMAT and a
 * message; damage inside a JPEG's compressed data, which the format cannot
 * detect, gives damaged pixels.
 */

/**
 * Reads the header of a PNG or JPEG file.
 * @param data  the file's bytes
 * @param len   number of bytes
 * @param info  the result: width, height, channels in the file (1 grey,
 *              2 grey+alpha, 3 RGB, 4 RGBA), format (PW_IMAGE_PNG or
 *              PW_IMAGE_JPEG)
 * @return PW_OK, PW_EFORMAT (not PNG or JPEG, or a bad header), or
 *         PW_ERANGE for an image larger than the codecs take
 */
PW_KERNEL pw_status pw_image_info(PW_IN(len) const uint8_t *data, size_t len,
                                  PW_RETURN(4) uint32_t *info);

/**
 * Decodes a PNG or JPEG file into RGBA pixels (alpha 255 where the file has
 * none). width and height must be the file's (see pw_image_info).
 * @param dst  the pixels, width*height*4 bytes
 * @return PW_OK, PW_EFORMAT (corrupt, truncated or unsupported file),
 *         PW_EINVAL naming width or height when they are not the file's,
 *         PW_ERANGE for an image too large, or PW_ENOMEM
 */
PW_KERNEL pw_status pw_image_decode(PW_IN(len) const uint8_t *data, size_t len,
                                    PW_OUT(width * height * 4) uint8_t *dst,
                                    PW_OPTION PW_RANGE(1, 16777216) uint32_t width,
                                    PW_OPTION PW_RANGE(1, 16777216) uint32_t height);

/**
 * Decodes a PNG or JPEG file into grey pixels (colour files are converted
 * by the decoder's luma; alpha is dropped).
 * @return as pw_image_decode
 */
PW_KERNEL pw_status pw_image_decode_grey(PW_IN(len) const uint8_t *data, size_t len,
                                         PW_OUT(width * height) uint8_t *dst,
                                         PW_OPTION PW_RANGE(1, 16777216) uint32_t width,
                                         PW_OPTION PW_RANGE(1, 16777216) uint32_t height);

/**
 * Encodes RGBA pixels as an 8-bit RGBA PNG (zlib level 8, filters chosen
 * per row).
 * @param out  the PNG file
 * @return PW_OK, PW_ENOMEM, or PW_ERANGE for an image too large
 */
PW_KERNEL pw_status pw_image_encode_png(PW_IN(width * height * 4) const uint8_t *src,
                                        PW_OPTION PW_RANGE(1, 16777216) uint32_t width,
                                        PW_OPTION PW_RANGE(1, 16777216) uint32_t height,
                                        PW_RESULT(uint8_t) pw_result *out);

/** Encodes grey pixels as an 8-bit grey PNG. @return as pw_image_encode_png */
PW_KERNEL pw_status pw_image_encode_png_grey(PW_IN(width * height) const uint8_t *src,
                                             PW_OPTION PW_RANGE(1, 16777216) uint32_t width,
                                             PW_OPTION PW_RANGE(1, 16777216) uint32_t height,
                                             PW_RESULT(uint8_t) pw_result *out);

/**
 * Encodes RGBA pixels as a baseline JPEG (YCbCr; chroma subsampled 2x2
 * at quality 90 and below). JPEG has no alpha: the alpha bytes are ignored (the
 * colour bytes of transparent pixels are encoded as they are; composite
 * over a background first if that matters).
 * @param quality  1 to 100 (default 90)
 * @param out      the JPEG file
 * @return PW_OK, PW_ENOMEM, or PW_ERANGE for an image too large
 */
PW_KERNEL pw_status pw_image_encode_jpeg(PW_IN(width * height * 4) const uint8_t *src,
                                         PW_OPTION PW_RANGE(1, 16777216) uint32_t width,
                                         PW_OPTION PW_RANGE(1, 16777216) uint32_t height,
                                         PW_OPTION PW_DEFAULT(90) PW_RANGE(1, 100) uint32_t quality,
                                         PW_RESULT(uint8_t) pw_result *out);

/**
 * Encodes grey pixels as a JPEG (stored as YCbCr with neutral chroma).
 * @return as pw_image_encode_jpeg
 */
PW_KERNEL pw_status pw_image_encode_jpeg_grey(PW_IN(width * height) const uint8_t *src,
                                              PW_OPTION PW_RANGE(1, 16777216) uint32_t width,
                                              PW_OPTION PW_RANGE(1, 16777216) uint32_t height,
                                              PW_OPTION PW_DEFAULT(90) PW_RANGE(1, 100) uint32_t quality,
                                              PW_RESULT(uint8_t) pw_result *out);

#ifdef __cplusplus
}
#endif

#endif /* PARAWASM_IMAGE_H */
