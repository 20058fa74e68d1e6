/*
 * native_image.c — per-core speed of the image kernels: the same C built
 * natively (gcc -O3 -march=native) and to wasm (emcc -O3 -msimd128, run by
 * Node), one thread each (the serial runtime), on a 12-megapixel RGBA
 * image (4000x3000) of smooth gradients with noise, as a photo has, with
 * a seventh of its 64x64 tiles half transparent; the "opaque" rows take the
 * same picture with every alpha 255 (a decoded photo), the "cutout" row
 * that photo cut out (an antialiased disc on a transparent picture), the
 * "grey" rows its luma.
 *
 *   make bench-image      builds both and prints both tables
 *   build/native/native_image [runs] [--json]
 *   node --no-liftoff build/wasm-bench/native_image.js [runs] [--json]
 *
 * --no-liftoff (as make bench-image runs it): the engine compiles every
 * function with its optimizing compiler before the first call, instead
 * of running baseline code until a function is hot and compiling it on
 * a background thread meanwhile (--cpu counts that thread too); stb's
 * large JPEG decoder took 23-38 ms in its first runs and 11-12 ms after.
 *
 * Each row is the median of `runs` runs (default 7, after one untimed
 * run) with the minimum and maximum, in milliseconds. Run both on a quiet machine and compare the
 * medians: wasm / native is the figure the project tracks (target <= 1.5).
 * On a loaded machine, --cpu times the process's CPU time instead of the
 * wall clock (the process CPU clock natively, process.cpuUsage() in Node): time spent
 * waiting for a core is then left out, and the figures hold still enough
 * to compare the two builds.
 */
#define _POSIX_C_SOURCE 199309L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef __EMSCRIPTEN__
#include <emscripten.h>
#endif

#include "parawasm.h"
#include "parawasm/image.h"

static uint32_t W = 4000, H = 3000; /* --size WxH to change (for callgrind runs) */
static const char *only;           /* --only A|B|...: the rows whose name contains A or B ... */
static int cpu;                    /* --cpu: CPU time, not wall-clock time */

#include "bench_cpu.h"

/* Does name contain one of the |-separated parts of list? */
static int matches(const char *name, const char *list) {
  for (const char *p = list;;) {
    const char *bar = strchr(p, '|');
    size_t len = bar ? (size_t)(bar - p) : strlen(p);
    for (const char *q = name; len && strlen(q) >= len; q++)
      if (strncmp(q, p, len) == 0) return 1;
    if (!bar) return 0;
    p = bar + 1;
  }
}

static double now_ms(void) {
  if (cpu) return cpu_ms();
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static uint8_t *src, *dst, *grey, *small, *opaque, *cutout;
static pw_result res;
static uint8_t *png, *jpeg;
static size_t png_len, jpeg_len;
static int json;

static void *xmalloc(size_t n) {
  void *p = malloc(n);
  if (!p) {
    fprintf(stderr, "out of memory\n");
    exit(2);
  }
  return p;
}

#define SW 1600u /* codec rows use a 2-megapixel image (1600x1200) */
#define SH 1200u

typedef pw_status (*bench_fn)(void);

static pw_status b_blur5(void) { return pw_image_blur(src, dst, W, H, 5.0f); }
static pw_status b_blur5_opaque(void) { return pw_image_blur(opaque, dst, W, H, 5.0f); }
static pw_status b_blur5_cutout(void) { return pw_image_blur(cutout, dst, W, H, 5.0f); }
static pw_status b_blur5_grey(void) { return pw_image_blur_grey(grey, dst, W, H, 5.0f); }
static pw_status b_lanczos_opaque(void) { return pw_image_resize(opaque, W, H, dst, W / 4, H / 4, PW_IMAGE_LANCZOS3); }
static pw_status b_blur5_inplace(void) { return pw_image_blur(dst, dst, W, H, 5.0f); }
static pw_status b_blur1(void) { return pw_image_blur(src, dst, W, H, 1.0f); }
static pw_status b_lanczos(void) { return pw_image_resize(src, W, H, dst, W / 4, H / 4, PW_IMAGE_LANCZOS3); }
static pw_status b_bilinear(void) { return pw_image_resize(src, W, H, dst, W / 4, H / 4, PW_IMAGE_BILINEAR); }
static pw_status b_up2(void) { return pw_image_resize(src, W / 2, H / 2, dst, W, H, PW_IMAGE_CATMULL_ROM); }
static pw_status b_nearest(void) { return pw_image_resize(src, W, H, dst, W / 4, H / 4, PW_IMAGE_NEAREST); }
static pw_status b_unsharp(void) { return pw_image_unsharp(src, dst, W, H, 1.0f, 1.0f, 2.0f); }
static pw_status b_unsharp0(void) { return pw_image_unsharp(src, dst, W, H, 1.0f, 1.0f, 0.0f); }
static pw_status b_box(void) { return pw_image_box_blur(src, dst, W, H, 5); }
static pw_status b_conv(void) { return pw_image_convolve_preset(src, dst, W, H, PW_IMAGE_SHARPEN); }
static pw_status b_grey(void) { return pw_image_greyscale(src, dst, W, H); }
static pw_status b_invert(void) { return pw_image_invert(src, dst, W, H); }
static pw_status b_levels(void) { return pw_image_levels(src, dst, W, H, 10, 240, 1.2f, 0, 255); }
static pw_status b_matrix(void) {
  static const float sepia[20] = {0.393f, 0.769f, 0.189f, 0, 0, 0.349f, 0.686f, 0.168f, 0, 0,
                                  0.272f, 0.534f, 0.131f, 0, 0, 0,      0,      0,      1, 0};
  return pw_image_color_matrix(src, dst, W, H, sepia);
}
static pw_status b_premul(void) { return pw_image_premultiply(src, dst, W, H); }
static pw_status b_flip(void) { return pw_image_flip(src, dst, W, H); }
static pw_status b_flop(void) { return pw_image_flop(src, dst, W, H); }
static pw_status b_rot90(void) { return pw_image_rotate(src, dst, W, H, 90); }
static pw_status b_rot180(void) { return pw_image_rotate(src, dst, W, H, 180); }
static pw_status b_crop(void) { return pw_image_crop(src, W, H, dst, W / 8, H / 6, W * 3 / 4, H * 2 / 3); }
static pw_status b_composite(void) { return pw_image_composite(dst, W, H, small, SW, SH, (int32_t)W / 4, (int32_t)H / 4, 0.7f); }
static pw_status b_hist(void) {
  static uint32_t h[1024];
  return pw_image_histogram(src, W, H, h);
}
static pw_status b_png_enc(void) {
  free(res.data);
  res = (pw_result){0};
  return pw_image_encode_png(small, SW, SH, &res);
}
static pw_status b_jpeg_enc(void) {
  free(res.data);
  res = (pw_result){0};
  return pw_image_encode_jpeg(small, SW, SH, 90, &res);
}
static pw_status b_png_dec(void) { return pw_image_decode(png, png_len, dst, SW, SH); }
static pw_status b_jpeg_dec(void) { return pw_image_decode(jpeg, jpeg_len, dst, SW, SH); }

static const struct {
  const char *name;
  bench_fn fn;
} benches[] = {
    {"blur sigma 5 (12 MP)", b_blur5},
    {"blur sigma 5 opaque", b_blur5_opaque},
    {"blur sigma 5 cutout", b_blur5_cutout},
    {"blur sigma 5 grey", b_blur5_grey},
    {"blur sigma 5 in place", b_blur5_inplace},
    {"blur sigma 1", b_blur1},
    {"resize lanczos3 to 1/4 (4000x3000 -> 1000x750)", b_lanczos},
    {"resize lanczos3 to 1/4 opaque", b_lanczos_opaque},
    {"resize bilinear to 1/4", b_bilinear},
    {"resize nearest to 1/4", b_nearest},
    {"resize catmull-rom x2 (to 12 MP)", b_up2},
    {"unsharp sigma 1", b_unsharp},
    {"unsharp sigma 1 threshold 0", b_unsharp0},
    {"box blur r 5", b_box},
    {"convolve 3x3 sharpen", b_conv},
    {"greyscale", b_grey},
    {"invert", b_invert},
    {"levels", b_levels},
    {"colour matrix (sepia)", b_matrix},
    {"premultiply", b_premul},
    {"flip", b_flip},
    {"flop", b_flop},
    {"rotate 90", b_rot90},
    {"rotate 180", b_rot180},
    {"crop 3/4 x 2/3", b_crop},
    {"composite 2 MP at 0.7", b_composite},
    {"histogram", b_hist},
    {"encode PNG (2 MP)", b_png_enc},
    {"decode PNG (2 MP)", b_png_dec},
    {"encode JPEG q90 (2 MP)", b_jpeg_enc},
    {"decode JPEG (2 MP)", b_jpeg_dec},
};

/* Smooth gradients, a few shapes and some noise: like a photo for the codecs. */
static void fill(uint8_t *p, uint32_t w, uint32_t h) {
  uint64_t s = 12345;
  for (uint32_t y = 0; y < h; y++)
    for (uint32_t x = 0; x < w; x++) {
      s = s * 6364136223846793005ull + 1442695040888963407ull;
      int noise = (int)(s >> 60) - 8;
      uint8_t *q = p + ((size_t)y * w + x) * 4;
      double fx = (double)x / w, fy = (double)y / h;
      int r = (int)(255 * fx) + noise, g = (int)(255 * fy) + noise;
      int b = (int)(128 + 100 * sin(fx * 20) * cos(fy * 13)) + noise;
      q[0] = (uint8_t)(r < 0 ? 0 : r > 255 ? 255 : r);
      q[1] = (uint8_t)(g < 0 ? 0 : g > 255 ? 255 : g);
      q[2] = (uint8_t)(b < 0 ? 0 : b > 255 ? 255 : b);
      q[3] = (x / 64 + y / 64) % 7 == 0 ? 128 : 255;
    }
}

int main(int argc, char **argv) {
  int runs = 7;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--json") == 0) json = 1;
    else if (strcmp(argv[i], "--cpu") == 0) cpu = 1;
    else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) only = argv[++i];
    else if (strcmp(argv[i], "--size") == 0 && i + 1 < argc) sscanf(argv[++i], "%ux%u", &W, &H);
    else runs = atoi(argv[i]) > 0 ? atoi(argv[i]) : runs;
  }
  src = xmalloc((size_t)W * H * 4);
  dst = xmalloc((size_t)W * H * 4);
  grey = xmalloc((size_t)W * H);
  small = xmalloc((size_t)SW * SH * 4);
  fill(src, W, H);
  fill(small, SW, SH);
  /* the same picture, opaque (a photo), and its grey */
  opaque = xmalloc((size_t)W * H * 4);
  memcpy(opaque, src, (size_t)W * H * 4);
  for (size_t i = 0; i < (size_t)W * H; i++) opaque[4 * i + 3] = 255;
  /* and cut out: an antialiased disc on a transparent picture (images.mjs's cutout()) */
  cutout = xmalloc((size_t)W * H * 4);
  memcpy(cutout, opaque, (size_t)W * H * 4);
  for (uint32_t y = 0; y < H; y++)
    for (uint32_t x = 0; x < W; x++) {
      double radius = 0.43 * (W < H ? W : H), d = hypot(x - W / 2.0, y - H / 2.0) - radius;
      cutout[((size_t)y * W + x) * 4 + 3] = d < -2.0 ? 255 : d > 2.0 ? 0 : (uint8_t)lround(255.0 * (2.0 - d) / 4.0);
    }
  if (pw_image_to_grey(opaque, grey, W, H) != PW_OK) return 1;
  memcpy(dst, src, (size_t)W * H * 4);
  if (pw_image_encode_png(small, SW, SH, &res) != PW_OK) return 1;
  png = res.data, png_len = res.size, res = (pw_result){0};
  if (pw_image_encode_jpeg(small, SW, SH, 90, &res) != PW_OK) return 1;
  jpeg = res.data, jpeg_len = res.size, res = (pw_result){0};
#ifdef __wasm__
  const char *build = "wasm";
#else
  const char *build = "native";
#endif
  if (json) printf("{\"build\":\"%s\",\"runs\":%d,\"rows\":[\n", build, runs);
  else printf("%s, %d thread%s, median of %d runs (min-max), %s ms\n", build, pw_concurrency(),
              pw_concurrency() > 1 ? "s" : "", runs, cpu ? "CPU" : "wall-clock");
  double *t = xmalloc((size_t)runs * sizeof *t);
  for (size_t b = 0; b < sizeof benches / sizeof benches[0]; b++) {
    if (only && !matches(benches[b].name, only)) continue;
    /* one untimed run first, in both builds: the allocator's first growth
       into fresh pages (a decode's buffers) and the engine's tier-up are
       not what a row measures */
    for (int r = -1; r < runs; r++) {
      double t0 = now_ms();
      pw_status s = benches[b].fn();
      if (r >= 0) t[r] = now_ms() - t0;
      if (s != PW_OK) {
        fprintf(stderr, "%s: status %d\n", benches[b].name, s);
        return 1;
      }
    }
    qsort(t, (size_t)runs, sizeof *t, cmp_double);
    if (json)
      printf("%s{\"name\":\"%s\",\"median\":%.3f,\"min\":%.3f,\"max\":%.3f}\n", b ? "," : "", benches[b].name,
             t[runs / 2], t[0], t[runs - 1]);
    else
      printf("  %-48s %9.2f  (%.2f-%.2f)\n", benches[b].name, t[runs / 2], t[0], t[runs - 1]);
    fflush(stdout);
  }
  if (json) printf("]}\n");
  free(t);
  return 0;
}
