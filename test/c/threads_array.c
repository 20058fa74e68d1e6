/*
 * threads_array.c — the array kernels on real threads: each kernel runs
 * on inputs large enough to be split, first with no pool (serially), then
 * called from this thread with the native pool of src/runtime/pool.c
 * started (its threads take the chunks of every parallel loop), and the
 * two results must be the same bits. Built plain and with ThreadSanitizer
 * (make test-c), which reports any data race between the chunks.
 *
 * The kernel tests (test_array.c) check the results themselves against
 * references; this program checks that the parallel splits and joins are
 * race-free and thread-count independent on real threads.
 *
 * Usage: threads_array [threads]   (default 3)
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parawasm/array.h"
#include "pool.h"

static int failures;

static uint64_t splitmix64(uint64_t *s) {
  uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}

static void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (p == NULL) {
    fprintf(stderr, "out of memory\n");
    exit(2);
  }
  return p;
}

/* FNV-1a of bytes, folded into a running digest. */
static uint64_t fnv(uint64_t h, const void *p, size_t n) {
  const uint8_t *b = p;
  for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * UINT64_C(0x100000001b3);
  return h;
}

#define N ((size_t)1 << 20)

/* N / 100 random pairs of the N `size`-byte elements at p swapped. */
static void swap_some(void *p, size_t size, uint64_t *seed) {
  unsigned char *x = p, t[8];
  for (size_t q = 0; q < N / 100; q++) {
    size_t i = splitmix64(seed) % N, j = splitmix64(seed) % N;
    memcpy(t, x + i * size, size);
    memcpy(x + i * size, x + j * size, size);
    memcpy(x + j * size, t, size);
  }
}
#define DIM 300
#define NDIGESTS 29

/* Runs every kernel on fixed inputs; one digest of results per kernel. */
static void run_all(uint64_t *d) {
  uint64_t seed = 99;
  double *f = xmalloc(N * 8), *g = xmalloc(N * 8), *out = xmalloc(N * 8);
  float *f32 = xmalloc(N * 4);
  uint32_t *u = xmalloc(N * 4), *ix = xmalloc(N * 4);
  int64_t *i64 = xmalloc(N * 8);
  for (size_t i = 0; i < N; i++) {
    uint64_t r = splitmix64(&seed);
    f[i] = (double)(r >> 11) * 0x1p-53 - 0.25;
    if (i % 1000 == 7) f[i] = NAN;
    if (i % 777 == 3) f[i] = -0.0;
    f32[i] = (float)f[i];
    u[i] = (uint32_t)(r >> 7) % 100000;
    i64[i] = (int64_t)r;
  }
  int k = 0;
  pw_status s = PW_OK;
#define DIGEST(ptr, bytes) (d[k] = fnv(fnv(UINT64_C(0xcbf29ce484222325), ptr, bytes), &s, sizeof s), k++)
  memcpy(g, f, N * 8);
  s = pw_array_sort_f64(g, N, false);
  DIGEST(g, N * 8);
  s = pw_array_argsort_f64(f, N, ix, true);
  DIGEST(ix, N * 4);
  memcpy(out, u, N * 4);
  s = pw_array_sort_u32((uint32_t *)out, N, false);
  DIGEST(out, N * 4);
  /* few values over a wide range (sort.c: fs_sort): the doubles 0 to 15, one in 5,000 of them
     one of 50 others (values the sample may miss, in each thread's block); 64-bit integers
     of 16 values, one in 997 elements another (about 1,000 more: more than a block's list
     of missed values holds, and the engine sorts) */
  for (size_t i = 0; i < N; i++) out[i] = i % 5000 == 11 ? 0.5 + (double)(i / 5000 % 50) : (double)(u[i] % 16);
  s = pw_array_argsort_f64(out, N, ix, false); /* (counted too: ca_sort) */
  DIGEST(ix, N * 4);
  s = pw_array_sort_f64(out, N, true);
  DIGEST(out, N * 8);
  for (size_t i = 0; i < N; i++) ((int64_t *)out)[i] = i % 997 == 5 ? i64[i] : i64[u[i] % 16];
  s = pw_array_sort_i64((int64_t *)out, N, false);
  DIGEST(out, N * 8);
  /* nearly in order (sort.c: near_sort), and nearly in the other order (reversed first) */
  memcpy(out, g, N * 8);
  swap_some(out, 8, &seed);
  s = pw_array_sort_f64(out, N, false);
  DIGEST(out, N * 8);
  swap_some(out, 8, &seed);
  s = pw_array_sort_f64(out, N, true);
  DIGEST(out, N * 8);
  memcpy(ix, u, N * 4);
  s = pw_array_sort_u32(ix, N, false);
  swap_some(ix, 4, &seed);
  s = pw_array_sort_u32(ix, N, false);
  DIGEST(ix, N * 4);
  /* argsort of input nearly in order (ties by index: NaNs, duplicates) */
  uint32_t *o32 = xmalloc(N * 4);
  memcpy(out, g, N * 8);
  swap_some(out, 8, &seed);
  s = pw_array_argsort_f64(out, N, o32, false);
  DIGEST(o32, N * 4);
  s = pw_array_argsort_f64(out, N, o32, true); /* (nearly in the other order: read from the end) */
  DIGEST(o32, N * 4);
  swap_some(ix, 4, &seed);
  s = pw_array_argsort_u32(ix, N, o32, false);
  DIGEST(o32, N * 4);
  free(o32);
  double v[8], q[4] = {0.1, 0.5, 0.9, 1};
  s = pw_array_kth_f64(f, N, N / 3, v);
  DIGEST(v, 8);
  s = pw_array_quantiles_f64(f, N, q, 4, v);
  DIGEST(v, 32);
  s = pw_array_topk_f64(f, N, 5000, out, ix, false);
  DIGEST(out, 5000 * 8), DIGEST(ix, 5000 * 4);
  s = pw_array_search_sorted_f64(g, N, f, N, ix, true);
  DIGEST(ix, N * 4);
  pw_result rv = {NULL, 0}, rc = {NULL, 0};
  s = pw_array_unique_u32(u, N, &rv, &rc);
  DIGEST(rv.data, rv.size), DIGEST(rc.data, rc.size);
  free(rv.data), free(rc.data);
  v[0] = pw_array_sum_f64(f, N), v[1] = pw_array_sum_f64(g + 1000, N - 2000);
  v[2] = pw_array_sum_f32(f32, N), v[3] = pw_array_variance_f64(g + 1000, N - 2000, 1);
  v[4] = pw_array_dot_f64(g + 1000, N - 2000, g + 500), v[5] = pw_array_norm_f32(f32, N);
  pw_u128 w = pw_array_sum_i64(i64, N);
  DIGEST(v, 48), DIGEST(&w, sizeof w);
  uint32_t at;
  s = pw_array_min_f64(g + 1000, N - 2000, v, &at);
  DIGEST(v, 8), DIGEST(&at, 4);
  s = pw_array_cumsum_f64(f, N, out, false);
  DIGEST(out, N * 8);
  s = pw_array_cumsum_u32(u, N, ix, true);
  DIGEST(ix, N * 4);
  s = pw_array_histogram_f64(f, N, 1000, -0.25, 0.75, ix);
  DIGEST(ix, 4000);
  s = pw_array_convert(f, N * 8, PW_ARRAY_F64, ix, N * 4, PW_ARRAY_I32, false);
  DIGEST(ix, N * 4);
  float *a = xmalloc(DIM * DIM * 4), *b = xmalloc(DIM * DIM * 4), *c = xmalloc(DIM * DIM * 4);
  for (size_t i = 0; i < DIM * DIM; i++) a[i] = f32[i], b[i] = f32[N - 1 - i];
  s = pw_array_matmul_f32(a, DIM * DIM, b, DIM * DIM, c, DIM * DIM, DIM, DIM, DIM);
  DIGEST(c, DIM * DIM * 4);
  s = pw_array_transpose_f32(f32, N, (float *)out, 1024, N / 1024);
  DIGEST(out, N * 4);
  free(a), free(b), free(c);
  free(f), free(g), free(out), free(f32), free(u), free(ix), free(i64);
  if (k != NDIGESTS) {
    fprintf(stderr, "threads_array: %d digests, expected %d\n", k, NDIGESTS);
    exit(2);
  }
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 3;
  uint64_t serial[NDIGESTS], pooled[NDIGESTS];
  run_all(serial);
  if (pw_pool_start(threads, 6, 1000) != PW_OK) {
    fprintf(stderr, "threads_array: the pool did not start\n");
    return 2;
  }
  if (pw_concurrency() != threads) {
    fprintf(stderr, "threads_array: concurrency %d, expected %d\n", pw_concurrency(), threads);
    return 2;
  }
  run_all(pooled);
  pw_pool_stop();
  pw_pool_join();
  for (int i = 0; i < NDIGESTS; i++) {
    if (serial[i] != pooled[i]) {
      failures++;
      fprintf(stderr, "FAIL threads_array: result %d differs with %d threads\n", i, threads);
    }
  }
  printf("threads_array (%d threads): %d results compared, %d differ\n", threads, NDIGESTS, failures);
  return failures ? 1 : 0;
}
