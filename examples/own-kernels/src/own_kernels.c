/*
 * own_kernels.c — the kernels declared in own_kernels.h.
 *
 * Each kernel is a plain C function on pointers and sizes; parallelism
 * comes from parawasm's fork-join helpers, which run the chunks on every
 * free pool thread (the calling one included) and one after another in the
 * single-thread build. What each shape shows:
 *
 * my_edges — a stencil. pw_parallel_for over rows: a chunk of rows writes
 * only its own rows of dst and reads the row above and the row below from
 * src, which no thread writes, so chunks need no coordination. The chunk
 * size, pw_grain(row bytes), keeps a chunk at about 256 KiB of work: large
 * enough that claiming a chunk costs nothing next to it, small enough that
 * two threads share a 1 MB image evenly.
 *
 * my_weighted_mean — a reduction. A floating-point sum depends on the order
 * of its additions, so a sum split by thread count would change its last
 * bits with the thread count. pw_parallel_reduce cuts [0, n) by (n, grain)
 * alone, gives each chunk its own partial, and adds the partials in chunk
 * order on the calling thread: the same operations in the same order for
 * any number of threads. Each w[i] * x[i] of two floats is exact in double
 * (24 + 24 significant bits < 53), so only the additions round.
 *
 * my_mandelbrot — compute-bound and unbalanced (rows through the set take
 * max_iter iterations a pixel, rows outside it a few). Rows are handed out
 * one small chunk at a time from a shared counter (pw_parallel_for claims
 * chunks dynamically), so a thread that drew cheap rows takes more of
 * them: with chunks of about 1024 pixels, two threads finish within a
 * chunk of each other. Small tiles (width * height <= 1024) run on the
 * calling thread alone. Plain scalar double arithmetic: in C11 mode neither
 * gcc nor clang contracts a * b + c into a fused multiply-add, and wasm has
 * none, so the native build, the wasm builds and a JS loop written the same
 * way give the same counts.
 *
 * Sizes: width and height are at most 65535, so a row of RGBA is at most
 * 262140 bytes and fits size_t; the offset of a row, y * row bytes, may
 * pass 4 GiB in principle and is computed in uint64_t (the caller's buffer
 * exists, so the product of a real call is below 4 GiB and the cast back to
 * size_t is exact).
 */
#include <math.h>

#include "own_kernels.h"

/* ------------------------------------------------------------ my_edges */

typedef struct {
  const uint8_t *src;
  uint8_t *dst;
  uint32_t width, height;
} edges_job;

/* One channel of one pixel: l, c, r are the byte offsets of the left,
 * centre and right pixels (equal at the image's borders). */
static inline uint8_t sobel(const uint8_t *up, const uint8_t *mid, const uint8_t *down, size_t l, size_t c, size_t r) {
  int gx = (up[r] + 2 * mid[r] + down[r]) - (up[l] + 2 * mid[l] + down[l]);
  int gy = (down[l] + 2 * down[c] + down[r]) - (up[l] + 2 * up[c] + up[r]);
  return (uint8_t)(((gx < 0 ? -gx : gx) + (gy < 0 ? -gy : gy) + 4) >> 3);
}

static inline void edge_pixel(const uint8_t *up, const uint8_t *mid, const uint8_t *down, uint8_t *out, size_t l,
                              size_t c, size_t r) {
  out[c] = sobel(up, mid, down, l, c, r);
  out[c + 1] = sobel(up + 1, mid + 1, down + 1, l, c, r);
  out[c + 2] = sobel(up + 2, mid + 2, down + 2, l, c, r);
  out[c + 3] = mid[c + 3]; /* alpha */
}

static void edges_rows(void *ctx, size_t y0, size_t y1) {
  const edges_job *j = ctx;
  const size_t w = j->width;
  const size_t stride = w * 4;
  for (size_t y = y0; y < y1; y++) {
    const size_t at = (size_t)((uint64_t)y * stride);
    const uint8_t *mid = j->src + at;
    const uint8_t *up = y > 0 ? mid - stride : mid;                /* the border row repeats */
    const uint8_t *down = y + 1 < j->height ? mid + stride : mid;
    uint8_t *out = j->dst + at;
    if (w == 1) {
      edge_pixel(up, mid, down, out, 0, 0, 0);
      continue;
    }
    edge_pixel(up, mid, down, out, 0, 0, 4);
    for (size_t c = 4; c + 4 < stride; c += 4) edge_pixel(up, mid, down, out, c - 4, c, c + 4);
    edge_pixel(up, mid, down, out, stride - 8, stride - 4, stride - 4);
  }
  pw_progress_add(y1 - y0, j->height);
}

void my_edges(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height) {
  edges_job j = {src, dst, width, height};
  (void)pw_parallel_for(height, pw_grain((size_t)width * 4), edges_rows, &j);
}

/* ---------------------------------------------------- my_weighted_mean */

typedef struct {
  double wx; /* sum of w[i] * x[i] */
  double w;  /* sum of w[i] */
} mean_partial;

typedef struct {
  const float *x, *w;
} mean_job;

static void mean_chunk(void *ctx, size_t begin, size_t end, void *partial) {
  const mean_job *j = ctx;
  mean_partial *p = partial;
  double wx = p->wx, w = p->w;
  for (size_t i = begin; i < end; i++) {
    wx += (double)j->w[i] * j->x[i];
    w += j->w[i];
  }
  p->wx = wx;
  p->w = w;
}

static void mean_join(void *ctx, void *acc, const void *partial) {
  (void)ctx;
  mean_partial *a = acc;
  const mean_partial *p = partial;
  a->wx += p->wx;
  a->w += p->w;
}

double my_weighted_mean(const float *x, const float *w, size_t n) {
  mean_job j = {x, w};
  mean_partial total = {0, 0};
  if (pw_parallel_reduce(n, MY_MEAN_GRAIN, sizeof total, mean_chunk, mean_join, &j, &total) != PW_OK) return NAN;
  return total.w != 0 ? total.wx / total.w : NAN;
}

/* ------------------------------------------------------- my_mandelbrot */

typedef struct {
  uint32_t *iters;
  uint32_t width, height, max_iter;
  double x0, y0, step;
} mandel_job;

static void mandel_rows(void *ctx, size_t y0, size_t y1) {
  const mandel_job *j = ctx;
  const uint32_t max = j->max_iter;
  for (size_t y = y0; y < y1; y++) {
    const double cy = j->y0 + (double)y * j->step;
    uint32_t *row = j->iters + (size_t)((uint64_t)y * j->width);
    for (uint32_t x = 0; x < j->width; x++) {
      const double cx = j->x0 + (double)x * j->step;
      double zx = 0, zy = 0;
      uint32_t n = 0;
      while (n < max) {
        const double x2 = zx * zx, y2 = zy * zy;
        if (x2 + y2 > 4.0) break;
        zy = 2.0 * zx * zy + cy;
        zx = x2 - y2 + cx;
        n++;
      }
      row[x] = n;
    }
  }
  pw_progress_add(y1 - y0, j->height);
}

void my_mandelbrot(uint32_t *iters, uint32_t width, uint32_t height, double x0, double y0, double step,
                   uint32_t max_iter) {
  mandel_job j = {iters, width, height, max_iter, x0, y0, step};
  size_t grain = width >= 1024 ? 1 : 1024 / width; /* rows a chunk: about 1024 pixels */
  (void)pw_parallel_for(height, grain, mandel_rows, &j);
}
