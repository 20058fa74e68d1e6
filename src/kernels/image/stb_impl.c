/*
 * stb_impl.c — the PNG/JPEG codecs of stb_image and stb_image_write
 * (Debian's libstb-dev, /usr/include/stb), compiled here and nowhere else,
 * behind the few functions codec.c calls (image_codec.h). Only this file
 * needs -I/usr/include/stb.
 *
 * Configuration, all at compile time (kernels run on many threads at once,
 * so stb's run-time setters, which write globals, are never called):
 *   - PNG and JPEG only, from memory only (no stdio), no float/HDR API;
 *   - stb's SSE2 JPEG paths (IDCT, YCbCr to RGB, upsampling), which stb
 *     writes to give the same bits as its scalar code: natively on x86-64,
 *     and in wasm too, where emscripten implements the SSE2 intrinsics with
 *     wasm SIMD (this file is built with -msse2 there; stb only looks for
 *     an x86 target, so we name one). Measured in wasm on a 2-megapixel
 *     JPEG: see test/bench/native_image.c;
 *   - failure reasons are thread-local in stb (C11 _Thread_local), so a
 *     decode on one thread never reads another's message;
 *   - every allocation stb makes during a decode goes through
 *     limited_alloc, which refuses blocks larger than the limit the caller
 *     set for that decode (from the header's size), so a small file that
 *     inflates to gigabytes (a zlib bomb in a PNG) fails instead of
 *     exhausting memory. The limit is thread-local for the same reason.
 *     And every block is zeroed: what stb leaves unwritten in a damaged
 *     file (a table, coefficients) is then 0, never bytes of an earlier
 *     call, so a file decodes to the same pixels on every call and thread.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "image_codec.h"

static _Thread_local size_t alloc_limit; /* 0: no limit (encoders) */
static _Thread_local int limit_hit;        /* the running decode asked for more */

static void *limited_malloc(size_t n) {
  if (alloc_limit && n > alloc_limit) return limit_hit = 1, NULL;
  return calloc(1, n ? n : 1);
}

static void *limited_realloc(void *p, size_t n) {
  if (alloc_limit && n > alloc_limit) return limit_hit = 1, NULL;
  return realloc(p, n);
}

#define STBI_MALLOC(sz) limited_malloc(sz)
#define STBI_REALLOC(p, sz) limited_realloc(p, sz)
#define STBI_FREE(p) free(p)
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_NO_STDIO
#define STBI_NO_LINEAR
#define STBI_NO_HDR
#if defined(__wasm_simd128__) && defined(__SSE2__)
#define STBI__X64_TARGET
#endif
#define STBI_MAX_DIMENSIONS 16777216
#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION

#define STBI_WRITE_NO_STDIO
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION

#if defined(__GNUC__) || defined(__clang__)
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wunused-but-set-variable"
#pragma GCC diagnostic ignored "-Wpragmas"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
/*
 * Horizontal 2x upsampling of chroma (4:2:2 JPEGs): stb 2.27's
 * stbi__resample_row_h_2 weighs the last pair of samples the wrong way
 * round at a row's right end (3 x the second-to-last sample + the last,
 * for the output next to the last), so one column near the right edge
 * took its colour from its neighbour: up to 105 off libjpeg on a picture
 * of coloured stripes. Ours below takes its place: the macro renames stb's
 * definition (a function-like macro expands only where the name is
 * followed by a parenthesis), and the one place stb uses it, a function
 * pointer assignment, then names ours.
 */
static unsigned char *stbi__resample_row_h_2(unsigned char *out, unsigned char *in_near, unsigned char *in_far, int w,
                                             int hs);
#define stbi__resample_row_h_2(...) pw__stb_resample_row_h_2_unused(__VA_ARGS__)
#include "stb_image.h"
#include "stb_image_write.h"
#undef stbi__resample_row_h_2

/* out[2i], out[2i+1]: the triangle filter, 3/4 of sample i and 1/4 of its neighbour on that side (edges: the sample) */
static unsigned char *stbi__resample_row_h_2(unsigned char *out, unsigned char *in_near, unsigned char *in_far, int w,
                                             int hs) {
  (void)in_far, (void)hs;
  const unsigned char *in = in_near;
  if (w == 1) {
    out[0] = out[1] = in[0];
    return out;
  }
  out[0] = in[0];
  for (int i = 0; i < w; i++) {
    const int n = 3 * in[i] + 2;
    if (i > 0) out[2 * i] = (unsigned char)((n + in[i - 1]) >> 2);
    if (i < w - 1) out[2 * i + 1] = (unsigned char)((n + in[i + 1]) >> 2);
  }
  out[2 * w - 1] = in[w - 1];
  return out;
}
/* (not popped: "declared static but never defined" is reported at the end of the file) */

int pw__stb_info(const uint8_t *data, int len, int *w, int *h, int *comp) {
  return stbi_info_from_memory(data, len, w, h, comp);
}

/* A decode's allocation limit and failure reason: set before stb runs... */
static void limit_begin(size_t limit) {
  alloc_limit = limit;
  limit_hit = 0;
  stbi__g_failure_reason = NULL;
}

/* ...and after: *why for a failure (p NULL), NULL for a success. */
static void *limit_end(void *p, const char **why) {
  alloc_limit = 0;
  *why = p ? NULL : limit_hit ? "more data than the image's size holds" : stbi_failure_reason();
  if (p == NULL && *why == NULL) *why = "damaged data";
  return p;
}

uint8_t *pw__stb_load(const uint8_t *data, int len, int *w, int *h, int channels, size_t limit,
                      const char **why) {
  int comp;
  limit_begin(limit);
  uint8_t *p;
  if (len >= 2 && data[0] == 0xff && data[1] == 0xd8) {
    /* a JPEG straight to stb's JPEG decoder (what stbi_load would reach
       after testing for PNG, whose "bad png sig" would be the reason given
       where the JPEG decoder fails without one); its pixels are 8-bit,
       which stbi_load would not change */
    stbi__context s;
    stbi__result_info ri = {8, 0, 0};
    stbi__start_mem(&s, data, len);
    p = stbi__jpeg_load(&s, w, h, &comp, channels, &ri);
  } else {
    p = stbi_load_from_memory(data, len, w, h, &comp, channels);
  }
  return limit_end(p, why);
}

void pw__stb_free(void *p) { stbi_image_free(p); }

uint8_t *pw__stb_inflate(const uint8_t *z, int n, int size_hint, size_t limit, int *out_len, size_t *end,
                         const char **why) {
  limit_begin(limit);
  stbi__zbuf a;
  char *out = stbi__malloc(size_hint > 0 ? (size_t)size_hint : 1);
  uint8_t *p = NULL;
  if (out != NULL) {
    /* the bytes after z[n) are in the buffer stb reads, so its bit reader
       never runs out: the bits it holds unused are all from real bytes */
    a.zbuffer = (stbi_uc *)z;
    a.zbuffer_end = (stbi_uc *)z + n + 8;
    if (stbi__do_zlib(&a, out, size_hint > 0 ? size_hint : 1, 1, 1)) {
      p = (uint8_t *)a.zout_start;
      *out_len = (int)(a.zout - a.zout_start);
      *end = (size_t)(a.zbuffer - (stbi_uc *)z) - (size_t)a.num_bits / 8;
    } else {
      STBI_FREE(a.zout_start);
    }
  }
  return limit_end(p, why);
}

uint8_t *pw__stb_png(const uint8_t *pixels, int w, int h, int channels, int *out_len) {
  return stbi_write_png_to_mem(pixels, w * channels, w, h, channels, out_len);
}

int pw__stb_jpeg(const uint8_t *pixels, int w, int h, int channels, int quality,
                 void (*write)(void *ctx, void *data, int size), void *ctx) {
  return stbi_write_jpg_to_func(write, ctx, w, h, channels, pixels, quality);
}
