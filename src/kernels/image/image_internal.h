/*
 * image_internal.h — what the image kernels in src/kernels/image/ share:
 * argument checks with messages, rounding to bytes, row-parallel loops,
 * the temporary copy that makes a neighbourhood filter work in place, and
 * the separable filter engine of resize, blur and unsharp mask
 * (separable.c).
 *
 * Identical bytes in every build. The float code is written so that the
 * wasm SIMD path and the portable C path do the same IEEE operations in
 * the same order for every output value (no fused multiply-add: wasm has
 * none, GCC in ISO C mode contracts nothing, and clang is told so below);
 * a vector lane is then just one more copy of the scalar sum. Kernels with
 * a SIMD path take PW__IMG_PORTABLE in their internal entry points so that
 * test_image.c runs both paths in one wasm build and compares the bytes.
 */
#ifndef PW_IMAGE_INTERNAL_H
#define PW_IMAGE_INTERNAL_H

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parawasm/image.h"

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#ifdef __wasm_simd128__
#include "../simd.h"
#define PW_IMG_SIMD 1
#else
#define PW_IMG_SIMD 0
#endif

/* Flags of the internal entry points. */
#define PW__IMG_PORTABLE 1u /* use the portable C path even where SIMD is built */
#define PW__IMG_FLOAT 2u    /* blur: the float engine even where the fixed-point one applies */

/* Nonzero when the SIMD path is to run. */
static inline int pw__img_simd(unsigned flags) { return PW_IMG_SIMD && !(flags & PW__IMG_PORTABLE); }

/* ------------------------------------------------------------------------ */
/* Checks                                                                   */
/* ------------------------------------------------------------------------ */

/*
 * Checks an image's size: each side 1..PW_IMAGE_MAX_SIDE, and
 * width*height*channels bytes addressable (it always is in wasm32, where
 * the buffer exists; natively it guards size_t). `what` names the image in
 * messages ("" for the main one, "dst_" or "overlay_" for others).
 */
pw_status pw__img_check(const char *what, uint32_t width, uint32_t height, unsigned channels);

/* PW_EINVAL unless `dst` is `src` or does not overlap it (bytes each). */
pw_status pw__img_check_alias(const void *src, const void *dst, size_t bytes);

/* Bytes of a width x height image of `channels` channels (after pw__img_check). */
static inline size_t pw__img_bytes(uint32_t width, uint32_t height, unsigned channels) {
  return (size_t)width * height * channels;
}

/* ------------------------------------------------------------------------ */
/* Rounding                                                                 */
/* ------------------------------------------------------------------------ */

/* round(v) clamped to 0..255, halves up; NaN gives 0. */
static inline uint8_t pw__img_u8(float v) {
  if (!(v > 0.0f)) return 0;
  if (v >= 255.0f) return 255;
  return (uint8_t)(int32_t)(v + 0.5f);
}

/* The same for doubles (colour tables). */
static inline uint8_t pw__img_u8d(double v) {
  if (!(v > 0.0)) return 0;
  if (v >= 255.0) return 255;
  return (uint8_t)(int32_t)(v + 0.5);
}

/* Rec. 709 luma of 8-bit R, G, B, rounded, halves up: exact integers. */
static inline uint8_t pw__img_luma(uint32_t r, uint32_t g, uint32_t b) {
  return (uint8_t)((2126u * r + 7152u * g + 722u * b + 5000u) / 10000u);
}

/* ------------------------------------------------------------------------ */
/* Row-parallel loops                                                       */
/* ------------------------------------------------------------------------ */

/*
 * The least work of a chunk that another thread may take, in bytes of
 * output: handing a chunk over (publishing the loop, waking or joining a
 * thread, the caches' traffic) costs a few microseconds, which a chunk
 * of a point operation (PW_IMG_MIN_CHUNK) or of a filter, which does tens
 * of operations a byte (PW_IMG_MIN_FILTER_CHUNK), takes about as long to
 * run. A tile (16 x 16 RGBA, 1 KiB) is then one chunk: a pool's threads
 * had passed its rows around, a Gaussian blur's halo filtered in each of
 * 8 chunks of 2 rows, and a burst of tile blurs on two threads ran 1.4x
 * slower than on one. Both are shifted right by pw__img_min_chunk_shift,
 * 0 but in the fake-pool tests, which cut small pictures into many chunks
 * (their boundaries are what they test) as well as into these.
 */
extern unsigned pw__img_min_chunk_shift;
#define PW_IMG_MIN_CHUNK (((size_t)32 << 10) >> pw__img_min_chunk_shift)
#define PW_IMG_MIN_FILTER_CHUNK (((size_t)8 << 10) >> pw__img_min_chunk_shift)

/*
 * A filter's status, its progress reported at the end (`rows` of `rows`)
 * whatever path it took (a copy for sigma 0, a picture that is all
 * transparent, ...): onProgress is called "at the end" (README) for every
 * call of the filters that report progress.
 */
static inline pw_status pw__img_ended(pw_status s, uint32_t rows) {
  if (s == PW_OK) pw_progress(rows, rows);
  return s;
}

/*
 * Rows a chunk for a loop over `rows` rows of `row_bytes` output bytes:
 * `per_thread` chunks a thread (the threads even out their loads), but no
 * chunk under `min_bytes` of output (see above) nor under `least` rows (a
 * filter's halo, which each chunk reads again). At least 1.
 */
static inline size_t pw__img_grain(size_t rows, size_t row_bytes, size_t per_thread, size_t min_bytes,
                                   size_t least) {
  size_t grain = pw_chunks(rows, per_thread * (size_t)pw_concurrency());
  size_t small = pw_chunks(min_bytes, row_bytes ? row_bytes : 1);
  if (grain < small) grain = small;
  if (grain < least) grain = least;
  return grain ? grain : 1;
}

/*
 * Progress and cancellation inside a filter's chunk. A filter's chunks
 * are few (two to four a thread: each reads a halo of rows again), so a
 * chunk is up to half a thread's share of the picture: a 1 GiB blur at
 * sigma 20 on one thread ran 10 s past abort() when the chunks looked at
 * pw_cancelled() only between them, and its onProgress came as rarely.
 * A chunk ticks after each row or band it writes: the rows are reported
 * in groups of about 1 MiB of output (one atomic add each, not one a
 * row), and a nonzero return asks the chunk to stop (the task is
 * cancelled: its output is incomplete and the call rejects; the loop
 * around it returns PW_ECANCELED). pw__img_tick_end reports the rest.
 */
typedef struct {
  size_t pending, every; /* rows not yet reported; report at this many */
  size_t total;          /* the filter's output rows */
  int quiet;             /* a part of a larger job's rows: no reports */
} pw__img_ticker;

static inline pw__img_ticker pw__img_ticker_for(size_t total, size_t row_bytes, int quiet) {
  size_t every = ((size_t)1 << 20) / (row_bytes ? row_bytes : 1);
  pw__img_ticker t = {0, every ? every : 1, total, quiet};
  return t;
}

static inline int pw__img_tick(pw__img_ticker *t, size_t rows) {
  t->pending += rows;
  if (t->pending >= t->every) {
    if (!t->quiet) pw_progress_add(t->pending, t->total);
    t->pending = 0;
  }
  return pw_cancelled();
}

static inline void pw__img_tick_end(pw__img_ticker *t) {
  if (t->pending != 0 && !t->quiet) pw_progress_add(t->pending, t->total);
  t->pending = 0;
}

/*
 * Runs body over rows [0, rows) in chunks of about 256 KiB of work
 * (row_work bytes a row), or finer so that every thread gets several
 * chunks, but not under PW_IMG_MIN_CHUNK. The kernels' results never
 * depend on the chunking (each output row is computed the same way
 * wherever it runs).
 */
pw_status pw__img_rows(size_t rows, size_t row_work, pw_range_fn body, void *ctx);

/*
 * A neighbourhood filter reads rows that other chunks write: when the call
 * is in place (dst == src), it reads from a copy. Returns the pointer to
 * read (src itself, or *copy, a malloc'd copy the caller frees), or NULL
 * when out of memory.
 */
const uint8_t *pw__img_source(const uint8_t *src, const uint8_t *dst, size_t bytes, uint8_t **copy);
/*
 * Ends a call that read from pw__img_source: frees the copy, and with a
 * status of PW_ENOMEM (rows or sums a chunk could not allocate: other
 * chunks have written theirs) puts the picture back from it, so that an
 * in-place call out of memory leaves its image as it was. Returns s.
 */
pw_status pw__img_source_end(uint8_t *copy, uint8_t *dst, size_t bytes, pw_status s);

/* ------------------------------------------------------------------------ */
/* Separable filters (separable.c)                                          */
/* ------------------------------------------------------------------------ */

/*
 * The taps of one output pixel: source pixels [start, start + n), weights at
 * weight[w]; but where `ends` says so (long taps only, more than
 * PW__IMG_LONG_TAPS), the first weight is `first` and the last `last`
 * instead (a Gaussian's pixels near an edge: each a window of one shared
 * set, whose end weights fold the tail beyond the edge).
 */
typedef struct {
  uint32_t start;
  uint32_t n;
  size_t w;
  uint32_t sym;  /* 1: n is odd and w[k] == w[n - 1 - k] (summed in pairs) */
  uint32_t ends; /* PW__IMG_TAP_FIRST | PW__IMG_TAP_LAST: the weights below replace w[0], w[n - 1] */
  float first, last;
} pw__img_tap;
#define PW__IMG_TAP_FIRST 1u
#define PW__IMG_TAP_LAST 2u

/* The taps of every output pixel along one axis. */
typedef struct {
  pw__img_tap *tap; /* one per output pixel */
  float *weight;    /* the weights, shared by output pixels whose taps are alike */
  uint32_t max_n;   /* most taps of any output pixel */
} pw__img_taps;

/*
 * Taps that resize `src` pixels to `dst` with `filter` (not nearest): the
 * filter widened by src/dst when shrinking, weights normalised over the
 * taps inside the image; src == dst gives one tap of weight 1 per pixel.
 * Computed in parallel (pw_parallel_for): PW_OK, PW_ENOMEM or
 * PW_ECANCELED.
 */
pw_status pw__img_taps_resize(pw__img_taps *t, uint32_t src, uint32_t dst, uint32_t filter);

/*
 * Taps of a Gaussian blur of `n` pixels: exp(-k^2 / 2 sigma^2) for
 * |k| <= ceil(3 sigma), normalised, with the weight of taps beyond an edge
 * given to the edge pixel. sigma > 0. PW_OK or PW_ENOMEM.
 */
pw_status pw__img_taps_gauss(pw__img_taps *t, uint32_t n, double sigma);

void pw__img_taps_free(pw__img_taps *t);

/* What the engine does with each filtered row. */
enum {
  PW__IMG_SINK_PLAIN = 0,  /* the filtered pixels (alpha-weighted for RGBA) */
  PW__IMG_SINK_UNSHARP = 1 /* unsharp mask of `orig` by the filtered pixels */
};

/* A separable filter: rows through xt, then columns through yt. */
typedef struct {
  const uint8_t *src; /* sw x sh pixels of `channels` bytes */
  uint32_t sw, sh;
  uint8_t *dst; /* dw x dh pixels; must not overlap src */
  uint32_t dw, dh;
  unsigned channels; /* 1 (grey) or 4 (RGBA, alpha-weighted) */
  const pw__img_taps *xt, *yt;
  int sink;                /* PW__IMG_SINK_* */
  const uint8_t *orig;     /* unsharp: the unblurred image (sw == dw, sh == dh) */
  float amount, threshold; /* unsharp */
  unsigned flags;          /* PW__IMG_PORTABLE */
  /* bytes from one row to the next of src, and of dst (and orig); 0: rows
     packed (sw, dw pixels). A window of a larger image has its rows. */
  size_t sstride, dstride;
} pw__img_sep;

/* Runs a separable filter. PW_OK, PW_ENOMEM or PW_ECANCELED. */
pw_status pw__img_separable(const pw__img_sep *job);

/*
 * Output rows [y0, y1) of a separable filter on this thread, rows first,
 * without reporting progress (a part of a larger job). PW_OK, PW_ENOMEM,
 * or PW_ECANCELED (the task was cancelled: the rows may be incomplete).
 */
pw_status pw__img_separable_rows(const pw__img_sep *job, uint32_t y0, uint32_t y1);

/* ------------------------------------------------------------------------ */
/* Gaussian blur in fixed point (gauss_fixed.c)                             */
/* ------------------------------------------------------------------------ */

/* The integer filter of a Gaussian blur: folded weights and shifts. */
typedef struct {
  uint32_t r;          /* taps k = -r .. r */
  int16_t *w1, *w2;    /* W[0..r] of the row and the column pass, then W[r + 1] = 0 */
  unsigned sh1, sh2;   /* the passes' shifts: sums / 2^sh, rounded */
  double bound;        /* worst-case distance from the exact filter before the final rounding (of
                          the grey or opaque value; with alpha, of the alpha value) */
  /* RGBA with alpha (premultiplied, gauss_fixed.c): */
  int alpha;           /* the plan is for RGBA pixels with alpha */
  double cbound;       /* a colour is within cbound / alpha of the exact filter (alpha in 0..255) */
  unsigned min_alpha;  /* the plan holds for images whose every alpha is at least this */
} pw__img_gfix;

/*
 * Plans the fixed-point blur of a width x height image: 1 when it applies
 * (r = ceil(3 sigma) is below both sides and at most 255, and the error
 * bound is at most 1/4), 0 when the float engine is to be used, -1 when out
 * of memory. alpha: for RGBA pixels with alpha below 255 (else grey or
 * opaque RGBA); such a plan holds for images whose every alpha is at least
 * g->min_alpha. On 1, free with pw__img_gfix_free.
 */
int pw__img_gfix_plan(pw__img_gfix *g, double sigma, uint32_t width, uint32_t height, int alpha);
void pw__img_gfix_free(pw__img_gfix *g);

/*
 * Runs a planned fixed-point blur of ch channels (1; or 4, all opaque, or
 * with every alpha at least g->min_alpha for an alpha plan), or with
 * unsharp, the unsharp mask of threshold 0 and `amount` on that blur; dst
 * must not overlap src.
 */
pw_status pw__img_gauss_fixed(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height, unsigned ch,
                              const pw__img_gfix *g, int unsharp, float amount, unsigned flags);

/*
 * The same on a window of a larger image: rows sstride bytes apart in src
 * and dstride in dst; the window's edges are its image's edges (pixels
 * beyond them repeat its edge pixels).
 */
pw_status pw__img_gauss_fixed_window(const uint8_t *src, size_t sstride, uint8_t *dst, size_t dstride,
                                     uint32_t width, uint32_t height, unsigned ch, const pw__img_gfix *g,
                                     int unsharp, float amount, unsigned flags);

/*
 * The smallest alpha byte of the RGBA image; the scan may stop at the first
 * alpha below floor, and then returns some alpha below floor.
 */
unsigned pw__img_min_alpha(const uint8_t *px, uint32_t width, uint32_t height, unsigned floor);

/* ------------------------------------------------------------------------ */
/* Internal entry points with flags (the public kernels pass 0)             */
/* ------------------------------------------------------------------------ */

pw_status pw__image_resize(const uint8_t *src, uint32_t width, uint32_t height, uint8_t *dst,
                           uint32_t dst_width, uint32_t dst_height, uint32_t filter,
                           unsigned channels, unsigned flags);
pw_status pw__image_blur(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height,
                         float sigma, unsigned channels, unsigned flags);
pw_status pw__image_unsharp(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height,
                            float sigma, float amount, float threshold, unsigned channels,
                            unsigned flags);
pw_status pw__image_convolve(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height,
                             const float *kernel, uint32_t kernel_width, uint32_t kernel_height,
                             float divisor, float bias, unsigned channels, unsigned flags);
pw_status pw__image_greyscale(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height,
                              unsigned flags);
pw_status pw__image_color_matrix(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height,
                                 const float *matrix, unsigned flags);
pw_status pw__image_premultiply(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height,
                                unsigned flags);
pw_status pw__image_composite(uint8_t *dst, uint32_t width, uint32_t height, const uint8_t *overlay,
                              uint32_t overlay_width, uint32_t overlay_height, int32_t left,
                              int32_t top, float opacity, unsigned flags);

#endif /* PW_IMAGE_INTERNAL_H */
