/*
 * own_kernels.h — the kernels of own-kernels-example: one C header that
 * `parawasm build` reads to make the package's JS methods, their argument
 * checks and their TypeScript types. Three shapes of parallel kernel:
 *
 *   my_edges          a 3x3 stencil over RGBA rows (rows split across
 *                     threads, the halo rows read from the source);
 *   my_weighted_mean  a float reduction, the same bits for any thread count;
 *   my_mandelbrot     compute-bound: iteration counts of a tile of the
 *                     plane, rows in parallel.
 *
 * The package is built with `--prefix my_`: the C names keep a prefix of
 * this project's own, and JS names lose it (my_weighted_mean is
 * core.weightedMean / pool.weightedMean). The annotations (PW_IN, PW_OUT,
 * PW_OPTION, ...) are documented at the top of parawasm/kernel.h.
 */
#ifndef OWN_KERNELS_H
#define OWN_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "parawasm/kernel.h"

/**
 * Edge strength of an RGBA image: a 3x3 Sobel filter on each colour
 * channel. For channel c of pixel (x, y), with p(i, j) the source value of
 * that channel at the pixel nearest (i, j) inside the image (the border
 * pixels repeat outwards):
 *   gx = p(x+1, y-1) + 2 p(x+1, y) + p(x+1, y+1) - p(x-1, y-1) - 2 p(x-1, y) - p(x-1, y+1)
 *   gy = p(x-1, y+1) + 2 p(x, y+1) + p(x+1, y+1) - p(x-1, y-1) - 2 p(x, y-1) - p(x+1, y-1)
 *   dst = (|gx| + |gy| + 4) / 8   (integer division: 0 to 255, no clamping needed)
 * Alpha is copied. Rows are split across the pool's threads; each thread
 * reads the row above and below its own rows from `src`, so `dst` must not
 * be `src` (the call refuses overlapping views).
 * @param src     the image, width * height * 4 bytes (RGBA, row after row)
 * @param dst     the edges, the same size
 * @param width   pixels a row, 1 to 65535
 * @param height  rows, 1 to 65535
 */
PW_KERNEL void my_edges(PW_IN(width * height * 4) const uint8_t *src,
                        PW_OUT(width * height * 4) uint8_t *dst,
                        PW_OPTION PW_RANGE(1, 65535) uint32_t width,
                        PW_OPTION PW_RANGE(1, 65535) uint32_t height);

/** Elements a chunk of my_weighted_mean's reduction (more when n > 4096 x this). */
#define MY_MEAN_GRAIN 65536

/**
 * The weighted mean sum(w[i] * x[i]) / sum(w[i]), in double precision.
 * Each product of two floats is exact in double. The sums run over chunks
 * of MY_MEAN_GRAIN elements (ceil(n / 4096) when that is larger), each
 * chunk on any thread, and the chunks' sums are added in chunk order: the
 * result has the same bits on 1 thread and on 64.
 * @param x  the values
 * @param w  the weights, as many as values
 * @return the mean; NaN when the weights sum to 0 (or n is 0)
 */
PW_KERNEL double my_weighted_mean(PW_IN(n) const float *x, PW_IN(n) const float *w, size_t n);

/**
 * Mandelbrot iteration counts of a width x height tile of the complex
 * plane: pixel (i, j) is the point c = (x0 + i * step) + (y0 + j * step) i.
 * From z = 0, z = z^2 + c is iterated while |z|^2 <= 4, at most max_iter
 * times; the count is the number of iterations done (max_iter for points
 * that did not escape). In double precision, with the operations in this
 * order (no fused multiply-add): x2 = x*x, y2 = y*y, stop if x2 + y2 > 4,
 * y = 2*x*y + cy, x = x2 - y2 + cx.
 * Rows are computed in parallel; pw_progress reports rows done.
 * @param iters     the counts, width * height, row after row
 * @param width     pixels a row, 1 to 65535
 * @param height    rows, 1 to 65535
 * @param x0        real part of pixel (0, 0)
 * @param y0        imaginary part of pixel (0, 0)
 * @param step      distance between neighbouring pixels, > 0
 * @param max_iter  most iterations a pixel, at least 1
 */
PW_KERNEL void my_mandelbrot(PW_OUT(width * height) uint32_t *iters,
                             PW_OPTION PW_RANGE(1, 65535) uint32_t width,
                             PW_OPTION PW_RANGE(1, 65535) uint32_t height,
                             PW_OPTION PW_DEFAULT(-2) double x0,
                             PW_OPTION PW_DEFAULT(-1.25) double y0,
                             PW_OPTION PW_RANGE(1e-300, 1e300) double step,
                             PW_OPTION PW_DEFAULT(256) PW_RANGE(1, 4294967295) uint32_t max_iter);

#endif
