/*
 * test_cancel.c — every kernel that can run long stops at its next piece
 * or chunk once its call is cancelled, checked without any clock.
 *
 * How "it stopped" is seen: the input (or output) lies in pages that the
 * kernel may not touch yet. Only its first GUARD_OPEN bytes are readable;
 * the rest is PROT_NONE. The first access past them faults into a SIGSEGV
 * handler, which sets the task's cancel flag (as an abort from JS does)
 * and opens the next GUARD_STEP bytes. A kernel that checks for
 * cancellation between pieces of at most GUARD_STEP - GUARD_OPEN bytes
 * then returns without touching the next closed page: exactly one fault.
 * A kernel that runs on faults once per GUARD_STEP until the end (the
 * xxHash kernels did, before they fed their input through pw_feed).
 * With the cancel flag set before the call, a kernel must not touch its
 * input at all: no fault.
 *
 * The kernels run as if on a task (pw__current), on one thread: the serial
 * paths, whose loops are the ones that must poll. Parallel loops stop
 * between chunks in pw_parallel_for itself (test_pool.c). Needs mmap and
 * signals: native builds only; the wasm build reports the test skipped.
 *
 * The array and image kernels make several passes over their input, and
 * cut it into one block per thread (the whole array on one thread) or
 * into a few chunks of rows a thread: a look at pw_cancelled() between
 * blocks or chunks came seconds after an abort at sizes near 4 GiB. They
 * run on a sliding window instead (test_windowed): only the pages around
 * the last access are open, each fault moves the window there, and the
 * cancel flag is set at the K-th fault, for several K over the whole run
 * (as counted in an uncancelled run): in whichever pass that lands, the
 * kernel must stop before it leaves the window (no fault after the K-th),
 * and then report PW_ECANCELED (or PW_OK, which pw_run turns into it: a
 * cancel that came during the last, unpolled, steps).
 */
#define _GNU_SOURCE
#include "runtime.h"
#include "testlib.h"
#include "parawasm/array.h"
#include "parawasm/image.h"

#if !defined(__wasm__) && !defined(PW_TEST_FAKE_POOL)
#define PW_GUARD_TEST 1
#endif

#ifdef PW_GUARD_TEST
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#define MiB ((size_t)1 << 20)
#define GUARD_SIZE (64 * MiB)  /* the whole buffer: far more than two steps */
#define GUARD_OPEN (2 * MiB)   /* readable from the start */
#define GUARD_STEP (8 * MiB)   /* opened by each fault */

static uint8_t *guard_base;
static pw_task guard_task;
static volatile sig_atomic_t guard_faults;
static struct sigaction old_segv, old_bus;

static void win_fault(uint8_t *a);
static uint8_t *win_base;
#define WIN_SIZE (8 * MiB)

static void on_fault(int sig, siginfo_t *info, void *uctx) {
  uint8_t *a = info->si_addr;
  if (win_base != NULL && a >= win_base && a < win_base + WIN_SIZE) {
    win_fault(a);
    return;
  }
  if (guard_base == NULL || a < guard_base || a >= guard_base + GUARD_SIZE) {
    /* not ours: let the default action report it */
    sigaction(sig, sig == SIGSEGV ? &old_segv : &old_bus, NULL);
    (void)uctx;
    return;
  }
  guard_faults++;
  atomic_store(&guard_task.cancel, 1);
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  uint8_t *from = guard_base + (size_t)(a - guard_base) / page * page;
  size_t n = (size_t)(guard_base + GUARD_SIZE - from);
  if (n > GUARD_STEP) n = GUARD_STEP;
  mprotect(from, n, PROT_READ | PROT_WRITE);
}

/* Fresh guarded buffer, filled with bytes that are not all zero (so that
   asciiUpper has letters to change); returns its start. */
static uint8_t *guard_arm(int preset_cancel) {
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  (void)page;
  guard_base = mmap(NULL, GUARD_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (guard_base == MAP_FAILED) {
    fprintf(stderr, "mmap of %zu bytes failed\n", (size_t)GUARD_SIZE);
    exit(2);
  }
  for (size_t i = 0; i < GUARD_SIZE; i += 4096) memset(guard_base + i, 'a' + (int)(i / 4096 % 26), 64);
  mprotect(guard_base + GUARD_OPEN, GUARD_SIZE - GUARD_OPEN, PROT_NONE);
  memset(&guard_task, 0, sizeof guard_task);
  atomic_store(&guard_task.cancel, preset_cancel ? 1u : 0u);
  guard_faults = 0;
  pw__current = &guard_task;
  return guard_base;
}

/* Ends a run; returns the number of faults it took. */
static int guard_disarm(void) {
  pw__current = NULL;
  munmap(guard_base, GUARD_SIZE);
  guard_base = NULL;
  return guard_faults;
}

/* The kernels under test: each reads (or writes) buf[0..len). */
typedef void (*kernel_fn)(uint8_t *buf, size_t len);

static void k_xxh32(uint8_t *b, size_t n) { (void)pw_xxh32(b, n, 1); }
static void k_xxh64(uint8_t *b, size_t n) { (void)pw_xxh64(b, n, 1); }
static void k_xxh3(uint8_t *b, size_t n) { (void)pw_xxh3(b, n, 1); }
static void k_xxh128(uint8_t *b, size_t n) { (void)pw_xxh128(b, n, 1); }
static void k_md5(uint8_t *b, size_t n) { uint8_t d[16]; pw_md5(b, n, d); }
static void k_sha1(uint8_t *b, size_t n) { uint8_t d[20]; pw_sha1(b, n, d); }
static void k_sha224(uint8_t *b, size_t n) { uint8_t d[28]; pw_sha224(b, n, d); }
static void k_sha256(uint8_t *b, size_t n) { uint8_t d[32]; pw_sha256(b, n, d); }
static void k_blake3(uint8_t *b, size_t n) { uint8_t d[32]; pw_blake3(b, n, d, 32); }
static void k_crc32(uint8_t *b, size_t n) { (void)pw_crc32(b, n, 0); }
static void k_crc32c(uint8_t *b, size_t n) { (void)pw_crc32c(b, n, 0); }
static void k_adler32(uint8_t *b, size_t n) { (void)pw_adler32(b, n, 1); }
static void k_upper(uint8_t *b, size_t n) { (void)pw_ascii_upper(b, n); }

/* BLAKE3's extendable output: the output is the guarded buffer. */
static void k_blake3_xof(uint8_t *b, size_t n) {
  static const uint8_t in[100] = {1, 2, 3};
  pw_blake3(in, sizeof in, b, n);
}

/* The streaming interface and hashMany, one algorithm each. */
static uint32_t cur_alg;
static void k_hash_update(uint8_t *b, size_t n) {
  static uint8_t state[PW_HASH_STATE_SIZE];
  pw_task *t = pw__current;
  pw__current = NULL; /* the init is not part of the cancelled call */
  pw_hash_init(state, sizeof state, cur_alg, 0, PW_HASH_PLAIN, NULL, 0);
  pw__current = t;
  (void)pw_hash_update(state, sizeof state, b, n);
}
static void k_hash_many(uint8_t *b, size_t n) {
  uint64_t items[2] = {(uint64_t)(uintptr_t)b, n};
  uint8_t out[64];
  size_t digest = cur_alg == PW_HASH_XXH128 || cur_alg == PW_HASH_MD5 ? 16
                  : cur_alg <= PW_HASH_XXH32                        ? 4
                  : cur_alg <= PW_HASH_XXH3                         ? 8
                  : cur_alg == PW_HASH_SHA1                         ? 20
                  : cur_alg == PW_HASH_SHA224                       ? 28
                                                                    : 32;
  (void)pw_hash_many(cur_alg, 0, PW_HASH_PLAIN, NULL, 0, items, 2, out, digest);
}

static void check_kernel(const char *name, kernel_fn k) {
  /* cancelled while it runs: one fault, then it stops */
  uint8_t *buf = guard_arm(0);
  k(buf, GUARD_SIZE);
  int faults = guard_disarm();
  CHECK(faults == 1, "%s: %d faults after the cancel, want 1 (it read on past its next piece)", name,
        faults);
  /* cancelled before it starts: it touches nothing past the open part */
  buf = guard_arm(1);
  k(buf + GUARD_OPEN, GUARD_SIZE - GUARD_OPEN);
  faults = guard_disarm();
  CHECK(faults == 0, "%s: cancelled before the start, yet it touched its input (%d faults)", name,
        faults);
}

/* ---------------------------------------------------------------------- */
/* The array and image kernels: a sliding window                           */
/* ---------------------------------------------------------------------- */

#define WIN_BACK (1 * MiB)  /* open behind the faulting page (a filter's halo rows) */
#define WIN_AHEAD (1 * MiB) /* open from it on: a strip of 64K doubles is 512 KiB */

static volatile sig_atomic_t win_faults, win_after;
static int win_cancel_at; /* 0: never */

static void win_fault(uint8_t *a) {
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  size_t at = (size_t)(a - win_base) / page * page;
  size_t lo = at > WIN_BACK ? at - WIN_BACK : 0, hi = WIN_SIZE - at > WIN_AHEAD ? at + WIN_AHEAD : WIN_SIZE;
  mprotect(win_base, WIN_SIZE, PROT_NONE);
  mprotect(win_base + lo, hi - lo, PROT_READ | PROT_WRITE);
  win_faults++;
  if (win_cancel_at != 0 && win_faults == win_cancel_at) atomic_store(&guard_task.cancel, 1);
  else if (win_cancel_at != 0 && win_faults > win_cancel_at) win_after++;
}

/* A kernel of the test: runs over buf[0, WIN_SIZE), returns its status. */
typedef pw_status (*win_fn)(uint8_t *buf);

static uint8_t win_out[WIN_SIZE]; /* outputs that are not the input: never guarded */

#define W_N8 (WIN_SIZE)
#define W_N32 (WIN_SIZE / 4)
#define W_N64 (WIN_SIZE / 8)
static pw_status w_sort_u8(uint8_t *b) { return pw_array_sort_u8(b, W_N8, false); }
static pw_status w_sort_u16(uint8_t *b) { return pw_array_sort_u16((uint16_t *)(void *)b, WIN_SIZE / 2, false); }
static pw_status w_sort_i32(uint8_t *b) { return pw_array_sort_i32((int32_t *)(void *)b, W_N32, true); }
static pw_status w_sort_f64(uint8_t *b) { return pw_array_sort_f64((double *)(void *)b, W_N64, false); }
static pw_status w_sort_u32(uint8_t *b) { return pw_array_sort_u32((uint32_t *)(void *)b, W_N32, false); }
static pw_status w_argsort_f64(uint8_t *b) {
  return pw_array_argsort_f64((const double *)(void *)b, W_N64, (uint32_t *)(void *)win_out, false);
}
static pw_status w_unique(pw_status s, pw_result *v, pw_result *c) {
  free(v->data);
  free(c->data);
  return s;
}
static pw_status w_unique_u8(uint8_t *b) {
  pw_result v = {0}, c = {0};
  return w_unique(pw_array_unique_u8(b, W_N8, &v, &c), &v, &c);
}
static pw_status w_unique_u32(uint8_t *b) {
  pw_result v = {0}, c = {0};
  return w_unique(pw_array_unique_u32((const uint32_t *)(void *)b, W_N32, &v, &c), &v, &c);
}
static pw_status w_kth_u8(uint8_t *b) {
  uint8_t v;
  return pw_array_kth_u8(b, W_N8, W_N8 / 2, &v);
}
static pw_status w_kth_f64(uint8_t *b) {
  double v;
  return pw_array_kth_f64((const double *)(void *)b, W_N64, W_N64 / 3, &v);
}
static pw_status w_topk_f64(uint8_t *b) {
  double v[5];
  uint32_t ix[5];
  return pw_array_topk_f64((const double *)(void *)b, W_N64, 5, v, ix, false);
}
/* more than a quarter of the elements: the count-and-copy path (over
   ascending elements, so that the winners' values are read in order) */
#define W_MANY (W_N32 / 4 + 1000)
static pw_status w_topk_u32_many(uint8_t *b) {
  static uint32_t v[W_MANY], ix[W_MANY];
  return pw_array_topk_u32((const uint32_t *)(void *)b, W_N32, W_MANY, v, ix, true);
}
static pw_status w_hist_f64(uint8_t *b) {
  uint32_t counts[100];
  return pw_array_histogram_f64((const double *)(void *)b, W_N64, 100, -1e300, 1e300, counts);
}
static const double w_edges[] = {-1e300, -1.0, 0.0, 1e-300, 1.0, 1e10, 1e300};
static pw_status w_hist_edges_f64(uint8_t *b) {
  uint32_t counts[6];
  return pw_array_histogram_edges_f64((const double *)(void *)b, W_N64, w_edges, 7, counts);
}
static pw_status w_hist_edges_i8(uint8_t *b) {
  static const double e[] = {-128, -1, 0, 1, 64, 127};
  uint32_t counts[5];
  return pw_array_histogram_edges_i8((const int8_t *)(void *)b, W_N8, e, 6, counts);
}
static pw_status w_sum_f64(uint8_t *b) {
  (void)pw_array_sum_f64((const double *)(void *)b, W_N64);
  return PW_OK;
}
static pw_status w_cumsum_clamped(uint8_t *b) { return pw_array_cumsum_clamped_u8(b, W_N8, win_out, true); }
static pw_status w_cumsum_i32(uint8_t *b) {
  return pw_array_cumsum_i32((const int32_t *)(void *)b, W_N32, (int32_t *)(void *)win_out, false);
}

/* images: 1024 pixels a row (4 KiB of RGBA), opaque */
#define W_W 1024u
#define W_H ((uint32_t)(WIN_SIZE / 4 / W_W))
static pw_status w_blur3(uint8_t *b) { return pw_image_blur(b, win_out, W_W, W_H, 3.0f); }
static pw_status w_blur5(uint8_t *b) { return pw_image_blur(b, win_out, W_W, W_H, 5.0f); }
static pw_status w_blur20(uint8_t *b) { return pw_image_blur(b, win_out, W_W, W_H, 20.0f); }
static pw_status w_blur_grey(uint8_t *b) { return pw_image_blur_grey(b, win_out, W_W, W_H * 4, 8.0f); }
static pw_status w_box(uint8_t *b) { return pw_image_box_blur(b, win_out, W_W, W_H, 12); }
static pw_status w_unsharp(uint8_t *b) { return pw_image_unsharp(b, win_out, W_W, W_H, 2.0f, 1.0f, 0.0f); }
/* Long filters: before their first output row, the box blur of a radius
   past the picture sums every row, a Gaussian of r = ceil(3 sigma) filters
   2r + a band of rows (the fixed-point engine to sigma 85, the float one
   past it), and a resize to one row reads every source row; all of it
   must stop at the next row once cancelled (each had polled only between
   bands or rows of output: seconds, at sigma 85-200 on 12 MP) */
static pw_status w_box_huge(uint8_t *b) { return pw_image_box_blur(b, win_out, W_W, W_H, 30000); }
static pw_status w_blur45_grey(uint8_t *b) { return pw_image_blur_grey(b, win_out, 8 * W_W, 256, 45.0f); }
static pw_status w_blur90_grey(uint8_t *b) { return pw_image_blur_grey(b, win_out, 8 * W_W, 300, 86.0f); }
static pw_status w_resize_one_row(uint8_t *b) { return pw_image_resize(b, W_W, W_H, win_out, 4 * W_W, 1, 3); }
/* A convolution's row is width kw kh multiply-adds a channel (a 255x255
   kernel: 1 G for 4000 RGBA pixels): it goes in segments, the abort flag
   looked at between them. Seen through its output: a grey row of 1.5 M
   pixels written into the window (from win_out, never guarded), 15x15
   weights (segments of 18656 pixels) */
#define W_CONV_W (3u << 19)
static pw_status w_convolve_wide_row(uint8_t *b) {
  static float k[225];
  for (int i = 0; i < 225; i++) k[i] = (float)(1 + i % 7);
  return pw_image_convolve_grey(win_out, b, W_CONV_W, 1, k, 15, 15, 0.0f, 0.0f);
}
static pw_status w_convolve(uint8_t *b) {
  static float k[81];
  for (int i = 0; i < 81; i++) k[i] = (float)(1 + i % 5);
  return pw_image_convolve(b, win_out, W_W, W_H, k, 9, 9, 0.0f, 0.0f);
}
static pw_status w_resize_down(uint8_t *b) { return pw_image_resize(b, W_W, W_H, win_out, W_W / 3, W_H / 2, 4); }
static pw_status w_resize_up(uint8_t *b) {
  return pw_image_resize(b, W_W, W_H, win_out, W_W * 2, W_H / 2, 3); /* (same bytes out: 2x wide, half tall) */
}
static pw_status w_greyscale(uint8_t *b) { return pw_image_greyscale(b, win_out, W_W, W_H); }
static pw_status w_encoded(pw_status s, pw_result *r) {
  free(r->data);
  return s;
}
static pw_status w_encode_png(uint8_t *b) {
  pw_result r = {0};
  return w_encoded(pw_image_encode_png(b, W_W, W_H, &r), &r);
}
static pw_status w_encode_jpeg90(uint8_t *b) { /* 4:2:0 */
  pw_result r = {0};
  return w_encoded(pw_image_encode_jpeg(b, W_W, W_H, 90, &r), &r);
}
static pw_status w_encode_jpeg95(uint8_t *b) { /* 4:4:4 */
  pw_result r = {0};
  return w_encoded(pw_image_encode_jpeg(b, W_W, W_H, 95, &r), &r);
}

/* The codecs' files (W_PNG, W_JPEG): of a noisy picture of W_W x W_FH
   pixels, so that a file is several MiB; the PNG's image data is cut into
   IDAT chunks of 64 KiB, as most encoders write it (stb writes one). */
#define W_FH (W_H * 3 / 4)
static uint8_t *w_file;
static size_t w_file_len;
static pw_status w_decode(uint8_t *b) { return pw_image_decode(b, w_file_len, win_out, W_W, W_FH); }
static pw_status w_info(uint8_t *b) {
  uint32_t info[4];
  return pw_image_info(b, w_file_len, info);
}

static void put32(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v; }

/* A PNG's IDAT data in chunks of at most `piece` bytes; *n its new length. */
static uint8_t *png_rechunk(const uint8_t *d, size_t *n, size_t piece) {
  uint8_t *out = malloc(*n + *n / piece * 12 + 64), *idat = malloc(*n);
  size_t o = 8, k = 0, at = 8;
  memcpy(out, d, 8);
  while (at + 12 <= *n) {
    uint32_t len = (uint32_t)d[at] << 24 | (uint32_t)d[at + 1] << 16 | (uint32_t)d[at + 2] << 8 | d[at + 3];
    if (memcmp(d + at + 4, "IDAT", 4) == 0) {
      memcpy(idat + k, d + at + 8, len), k += len;
    } else {
      if (memcmp(d + at + 4, "IEND", 4) == 0) /* the data, before IEND */
        for (size_t i = 0; i < k; i += piece) {
          size_t m = k - i < piece ? k - i : piece;
          put32(out + o, (uint32_t)m);
          memcpy(out + o + 4, "IDAT", 4);
          memcpy(out + o + 8, idat + i, m);
          put32(out + o + 8 + m, pw_crc32(out + o + 4, m + 4, 0));
          o += 12 + m;
        }
      memcpy(out + o, d + at, (size_t)len + 12), o += (size_t)len + 12;
    }
    at += (size_t)len + 12;
  }
  free(idat);
  *n = o;
  return out;
}

/* Makes w_file: fill W_PNG or W_JPEG. */
static void w_make_file(int png) {
  uint8_t *px = malloc((size_t)W_W * W_FH * 4);
  uint64_t seed = 777;
  for (size_t i = 0; i < (size_t)W_W * W_FH * 4; i += 8) {
    uint64_t v = splitmix64(&seed);
    memcpy(px + i, &v, 8);
    px[i + 3] = px[i + 7] = 255;
  }
  pw_result r = {0};
  pw_status s = png ? pw_image_encode_png(px, W_W, W_FH, &r) : pw_image_encode_jpeg(px, W_W, W_FH, 95, &r);
  free(px);
  if (s != PW_OK || r.size > WIN_SIZE) {
    fprintf(stderr, "test_cancel: encoding the %s failed (status %d, %zu bytes)\n", png ? "PNG" : "JPEG", (int)s,
            (size_t)r.size);
    exit(2);
  }
  free(w_file);
  w_file_len = r.size;
  w_file = png ? png_rechunk(r.data, &w_file_len, 65536) : r.data;
  if (png) free(r.data);
}

/* How the window's buffer is filled. */
enum { W_RANDOM, W_OPAQUE, W_ASCENDING, W_ZERO, W_PNG, W_JPEG, W_NEAR32, W_NEAR64, W_FEW32, W_FEW64, W_WIDE32, W_WIDE64 };

/* Fills the window's buffer (every byte pseudo-random, with alpha 255 for
   W_OPAQUE; or ascending 32-bit elements; or zeros), closes it, and makes
   the task current. */
static uint8_t *win_arm(int fill, int cancel_at) {
  win_base = mmap(NULL, WIN_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (win_base == MAP_FAILED) {
    fprintf(stderr, "mmap of %zu bytes failed\n", (size_t)WIN_SIZE);
    exit(2);
  }
  uint64_t seed = 12345;
  for (size_t i = 0; i < WIN_SIZE; i += 8) {
    uint64_t v = splitmix64(&seed);
    if (fill == W_ASCENDING) v = (uint64_t)(i / 4) * 3 | (uint64_t)(i / 4 + 1) * 3 << 32;
    if (fill == W_ZERO) v = 0;
    /* nearly in order (sort.c: near_sort): ascending 32-bit or 64-bit
       elements (positive doubles ascend as their bits do), one in 97 random */
    if (fill == W_NEAR32 && i / 8 % 97 != 0) v = (uint64_t)(i / 4) * 3 | (uint64_t)(i / 4 + 1) * 3 << 32;
    if (fill == W_NEAR64 && i / 8 % 97 != 0) v = UINT64_C(0x3ff0000000000000) + i;
    /* few values (sort.c: cs_sort of keys): 32-bit elements below 1,000, or
       doubles 1000 bit patterns apart at most */
    if (fill == W_FEW32) v = (v & 0xffffffff) % 1000 | (v >> 32) % 1000 << 32;
    if (fill == W_FEW64) v = UINT64_C(0x3ff0000000000000) + v % 1000;
    /* few values over a wide range (sort.c: fs_sort): 32-bit elements of 16
       values 2^28 apart, or the doubles 0 to 15 */
    if (fill == W_WIDE32) v = (v & 15) * 0x10000001u | (v >> 32 & 15) * 0x10000001u << 32;
    if (fill == W_WIDE64) {
      double d = (double)(v % 16);
      memcpy(&v, &d, 8);
    }
    memcpy(win_base + i, &v, 8);
    if (fill == W_OPAQUE) win_base[i + 3] = win_base[i + 7] = 255;
  }
  if (fill == W_PNG || fill == W_JPEG) memcpy(win_base, w_file, w_file_len);
  mprotect(win_base, WIN_SIZE, PROT_NONE);
  memset(&guard_task, 0, sizeof guard_task);
  win_faults = 0;
  win_after = 0;
  win_cancel_at = cancel_at;
  pw__current = &guard_task;
  return win_base;
}

static void win_disarm(void) {
  pw__current = NULL;
  munmap(win_base, WIN_SIZE);
  win_base = NULL;
}

/* The faults to cancel at, spread over a run of `total`: 1 and up to
   WIN_SPREAD - 1 more, distinct, in increasing order; returns how many. */
#define WIN_SPREAD 5
static int win_spread(int total, int ks[WIN_SPREAD]) {
  int nk = 0;
  for (int q = 0; q < WIN_SPREAD; q++) {
    int K = 1 + (int)((int64_t)(total - 1) * q / WIN_SPREAD);
    if (nk == 0 || K != ks[nk - 1]) ks[nk++] = K;
  }
  return nk;
}

static void check_windowed(const char *name, win_fn k, int fill) {
  /* uncancelled: it completes; F faults in all */
  pw_status s = k(win_arm(fill, 0));
  int total = win_faults;
  win_disarm();
  CHECK(s == PW_OK, "%s: status %d uncancelled", name, (int)s);
  CHECK(total >= 6, "%s: only %d faults in an uncancelled run: the window does not see its passes", name, total);
  /* cancelled at the K-th fault, for K spread over the run */
  int ks[WIN_SPREAD], nk = win_spread(total, ks);
  for (int j = 0; j < nk; j++) {
    int K = ks[j];
    s = k(win_arm(fill, K));
    int after = win_after, faults = win_faults;
    win_disarm();
    CHECK(after == 0, "%s: cancelled at fault %d of %d, then %d more faults (it ran on past its window)", name, K,
          total, after);
    CHECK(faults >= K, "%s: cancelled at fault %d, yet only %d faults", name, K, faults);
    CHECK(s == PW_ECANCELED || s == PW_OK, "%s: status %d when cancelled at fault %d", name, (int)s, K);
  }
}

/* Ascending unsigned order of `size`-byte elements (qsort). */
static size_t raw_size;
static int raw_cmp(const void *a, const void *b) {
  for (size_t i = raw_size; i-- > 0;) { /* little-endian: the last byte is the most significant */
    int d = (int)((const uint8_t *)a)[i] - (int)((const uint8_t *)b)[i];
    if (d != 0) return d;
  }
  return 0;
}

/*
 * An in-place sort, cancelled, puts its elements back where its key pass
 * had turned them into keys (sort.c, sort_engine.h): the faults after the
 * cancel are that pass, and allowed; the window must then hold a
 * permutation of its fill (of `size`-byte elements), never keys or a
 * mixture. Cancelled at the K-th fault, K spread over the run as in
 * check_windowed.
 */
static void check_windowed_restoring(const char *name, win_fn k, int fill, size_t size) {
  pw_status s = k(win_arm(fill, 0));
  int total = win_faults;
  win_disarm();
  CHECK(s == PW_OK, "%s: status %d uncancelled", name, (int)s);
  uint8_t *want = malloc(WIN_SIZE), *got = malloc(WIN_SIZE);
  if (want == NULL || got == NULL) {
    fprintf(stderr, "out of memory\n");
    exit(2);
  }
  win_arm(fill, 0); /* (filled) */
  pw__current = NULL;
  mprotect(win_base, WIN_SIZE, PROT_READ);
  memcpy(want, win_base, WIN_SIZE);
  win_disarm();
  raw_size = size;
  qsort(want, WIN_SIZE / size, size, raw_cmp);
  int ks[WIN_SPREAD], nk = win_spread(total, ks);
  for (int j = 0; j < nk; j++) {
    int K = ks[j];
    s = k(win_arm(fill, K));
    int faults = win_faults;
    pw__current = NULL;
    mprotect(win_base, WIN_SIZE, PROT_READ);
    memcpy(got, win_base, WIN_SIZE);
    win_disarm();
    CHECK(faults >= K, "%s: cancelled at fault %d, yet only %d faults", name, K, faults);
    CHECK(s == PW_ECANCELED || s == PW_OK, "%s: status %d when cancelled at fault %d", name, (int)s, K);
    qsort(got, WIN_SIZE / size, size, raw_cmp);
    CHECK(memcmp(got, want, WIN_SIZE) == 0, "%s: cancelled at fault %d of %d, it left other values than its elements",
          name, K, total);
  }
  free(want);
  free(got);
}

static void check_windowed_precancel(const char *name, win_fn k, int fill) {
  uint8_t *b = win_arm(fill, 0);
  atomic_store(&guard_task.cancel, 1);
  pw_status s = k(b);
  int faults = win_faults;
  win_disarm();
  CHECK(faults == 0, "%s: cancelled before the start, yet it touched its input (%d faults)", name, faults);
  CHECK(s == PW_ECANCELED, "%s: cancelled before the start, status %d", name, (int)s);
}

/*
 * Cancelled at the first fault (the kernel's first look at its input):
 * for the kernels whose first long step (before their first output row)
 * reads more than WIN_AHEAD, yet the whole run too little for
 * check_windowed's spread of K.
 */
static void check_windowed_first(const char *name, win_fn k, int fill) {
  pw_status s = k(win_arm(fill, 0));
  int total = win_faults;
  win_disarm();
  CHECK(s == PW_OK, "%s: status %d uncancelled", name, (int)s);
  CHECK(total >= 2, "%s: only %d faults in an uncancelled run", name, total);
  s = k(win_arm(fill, 1));
  int after = win_after;
  win_disarm();
  CHECK(after == 0, "%s: cancelled at its first fault of %d, then %d more faults (it ran on past its window)", name,
        total, after);
  CHECK(s == PW_ECANCELED || s == PW_OK, "%s: status %d when cancelled at its first fault", name, (int)s);
}

static void test_windowed(void) {
  static const struct {
    const char *name;
    win_fn k;
    int fill;
  } kernels[] = {
      {"argsort f64", w_argsort_f64, W_RANDOM},
      {"argsort f64 nearly in order", w_argsort_f64, W_NEAR64},
      {"argsort f64 of 1,000 values (counted)", w_argsort_f64, W_FEW64},
      {"argsort f64 of the values 0 to 15 (counted by value)", w_argsort_f64, W_WIDE64},
      {"unique u8", w_unique_u8, W_RANDOM},
      {"unique u32", w_unique_u32, W_RANDOM},
      {"kth u8", w_kth_u8, W_RANDOM},
      {"kth f64", w_kth_f64, W_RANDOM},
      {"topk f64", w_topk_f64, W_RANDOM},
      {"topk u32 many smallest", w_topk_u32_many, W_ASCENDING},
      {"histogram f64", w_hist_f64, W_RANDOM},
      {"histogram edges f64", w_hist_edges_f64, W_RANDOM},
      {"histogram edges i8", w_hist_edges_i8, W_RANDOM},
      {"sum f64", w_sum_f64, W_RANDOM},
      {"cumsum i32", w_cumsum_i32, W_RANDOM},
      {"cumsum clamped bytes (zeros: never 255)", w_cumsum_clamped, W_ZERO},
      {"image blur 3", w_blur3, W_OPAQUE},
      {"image blur 20", w_blur20, W_OPAQUE},
      {"image blur 5, random alpha (the float engine's tiles)", w_blur5, W_RANDOM},
      {"image blur grey 8", w_blur_grey, W_RANDOM},
      {"image box blur 12", w_box, W_OPAQUE},
      {"image box blur 30000 (the first window: every row)", w_box_huge, W_OPAQUE},
      {"image resize to one row (every source row for it)", w_resize_one_row, W_OPAQUE},
      {"image unsharp 2", w_unsharp, W_OPAQUE},
      {"image unsharp 2, random alpha", w_unsharp, W_RANDOM},
      {"image convolve 9x9", w_convolve, W_OPAQUE},
      {"image resize down", w_resize_down, W_OPAQUE},
      {"image resize up", w_resize_up, W_OPAQUE},
      {"image greyscale", w_greyscale, W_OPAQUE},
      {"image encode PNG", w_encode_png, W_OPAQUE},
      {"image encode JPEG 4:2:0", w_encode_jpeg90, W_OPAQUE},
      {"image encode JPEG 4:4:4", w_encode_jpeg95, W_OPAQUE},
      {"image decode PNG", w_decode, W_PNG},
      {"image decode JPEG", w_decode, W_JPEG},
      {"image info PNG (every chunk's CRC)", w_info, W_PNG},
  };
  /* in-place sorts: put back, not stopped at once (check_windowed_restoring) */
  static const struct {
    const char *name;
    win_fn k;
    size_t size;
    int fill;
  } sorts[] = {{"sort u8", w_sort_u8, 1, W_RANDOM},
               {"sort u16", w_sort_u16, 2, W_RANDOM},
               {"sort i32 descending", w_sort_i32, 4, W_RANDOM},
               {"sort f64", w_sort_f64, 8, W_RANDOM},
               {"sort u32 nearly in order", w_sort_u32, 4, W_NEAR32},
               {"sort u32 of 1,000 values", w_sort_u32, 4, W_FEW32},
               {"sort i32 descending of 1,000 values", w_sort_i32, 4, W_FEW32},
               {"sort f64 of 1,000 values", w_sort_f64, 8, W_FEW64},
               {"sort u32 of 16 values 2^28 apart", w_sort_u32, 4, W_WIDE32},
               {"sort f64 of the values 0 to 15", w_sort_f64, 8, W_WIDE64},
               {"sort f64 nearly in order", w_sort_f64, 8, W_NEAR64}};
  for (size_t i = 0; i < sizeof sorts / sizeof *sorts; i++) {
    check_windowed_restoring(sorts[i].name, sorts[i].k, sorts[i].fill, sorts[i].size);
    check_windowed_precancel(sorts[i].name, sorts[i].k, sorts[i].fill);
  }
  for (size_t i = 0; i < sizeof kernels / sizeof *kernels; i++) {
    if (kernels[i].fill == W_PNG || kernels[i].fill == W_JPEG) w_make_file(kernels[i].fill == W_PNG);
    check_windowed(kernels[i].name, kernels[i].k, kernels[i].fill);
    if (kernels[i].k != w_sum_f64) check_windowed_precancel(kernels[i].name, kernels[i].k, kernels[i].fill);
  }
  /* (rows of 8 KiB: the first band's rows past the top edge are row 0
     again, so it reads 167 and 275 distinct rows, 1.3 and 2.1 MiB) */
  check_windowed_first("image blur grey 45 (fixed-point: 302 rows before the first band's output)", w_blur45_grey,
                       W_RANDOM);
  check_windowed_first("image blur grey 86 (float: 533 rows before the first band's output)", w_blur90_grey, W_RANDOM);
  check_windowed_first("image convolve 15x15, one grey row of 1.5 M pixels (written into the window)",
                       w_convolve_wide_row, W_ZERO);
}

static void test_guarded(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_fault;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGSEGV, &sa, &old_segv);
  sigaction(SIGBUS, &sa, &old_bus);

  static const struct {
    const char *name;
    kernel_fn k;
  } kernels[] = {
      {"xxh32", k_xxh32},   {"xxh64", k_xxh64},   {"xxh3", k_xxh3},       {"xxh128", k_xxh128},
      {"md5", k_md5},       {"sha1", k_sha1},     {"sha224", k_sha224},   {"sha256", k_sha256},
      {"blake3", k_blake3}, {"crc32", k_crc32},   {"crc32c", k_crc32c},   {"adler32", k_adler32},
      {"asciiUpper", k_upper}, {"blake3 output", k_blake3_xof},
  };
  for (size_t i = 0; i < sizeof kernels / sizeof *kernels; i++) check_kernel(kernels[i].name, kernels[i].k);
#if UINTPTR_MAX > 0xFFFFFFFFu
  test_windowed();
#else
  /* (the 32-bit build, under qemu where its probe fails, took 5 minutes
     over them; where they poll does not depend on the word size) */
  printf("test_cancel: the windowed array and image checks run in the 64-bit builds\n");
#endif

  static const char *const algs[] = {NULL,     "crc32", "crc32c", "adler32", "xxh32",  "xxh64", "xxh3",
                                     "xxh128", "md5",   "sha1",   "sha224",  "sha256", "blake3"};
  char name[64];
  for (uint32_t alg = PW_HASH_CRC32; alg <= PW_HASH_BLAKE3; alg++) {
    cur_alg = alg;
    snprintf(name, sizeof name, "hashUpdate %s", algs[alg]);
    check_kernel(name, k_hash_update);
    snprintf(name, sizeof name, "hashMany %s", algs[alg]);
    check_kernel(name, k_hash_many);
  }

  sigaction(SIGSEGV, &old_segv, NULL);
  sigaction(SIGBUS, &old_bus, NULL);
}
#endif

int main(void) {
#ifdef PW_GUARD_TEST
  test_guarded();
#else
  printf("test_cancel: guarded-page checks need mmap and signals (native, not the fake pool): skipped\n");
#endif
  return test_summary("test_cancel");
}
