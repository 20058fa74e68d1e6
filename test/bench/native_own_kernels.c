/*
 * native_own_kernels.c — the example's Mandelbrot kernel
 * (examples/own-kernels/src/own_kernels.c) built natively with gcc -O3,
 * one thread (the serial runtime), for test/bench/own-kernels.mjs: the
 * baseline that the same C in wasm is compared with.
 *
 *   native_own_kernels WIDTH HEIGHT X0 Y0 STEP MAX_ITER
 *
 * Prints {"ms": wall time of the call, "cpu_ms": its CPU time, "fnv": FNV-1a
 * of the counts' bytes}; the benchmark checks that the wasm builds produce
 * the same bytes.
 */
#define _POSIX_C_SOURCE 199309L /* clock_gettime under -std=c11 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "own_kernels.h"

static double now_ms(clockid_t clock) {
  struct timespec t;
  clock_gettime(clock, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

int main(int argc, char **argv) {
  if (argc != 7) {
    fprintf(stderr, "usage: %s WIDTH HEIGHT X0 Y0 STEP MAX_ITER\n", argv[0]);
    return 2;
  }
  uint32_t w = (uint32_t)strtoul(argv[1], NULL, 10), h = (uint32_t)strtoul(argv[2], NULL, 10);
  double x0 = strtod(argv[3], NULL), y0 = strtod(argv[4], NULL), step = strtod(argv[5], NULL);
  uint32_t max_iter = (uint32_t)strtoul(argv[6], NULL, 10);
  uint64_t n = (uint64_t)w * h;
  uint32_t *iters = calloc(n ? n : 1, sizeof *iters);
  if (!iters) return 1;
  double t0 = now_ms(CLOCK_MONOTONIC), c0 = now_ms(CLOCK_PROCESS_CPUTIME_ID);
  my_mandelbrot(iters, w, h, x0, y0, step, max_iter);
  double ms = now_ms(CLOCK_MONOTONIC) - t0, cpu = now_ms(CLOCK_PROCESS_CPUTIME_ID) - c0;
  uint32_t fnv = 2166136261u;
  const uint8_t *b = (const uint8_t *)iters;
  for (uint64_t i = 0; i < n * 4; i++) fnv = (fnv ^ b[i]) * 16777619u;
  printf("{\"ms\": %.6f, \"cpu_ms\": %.6f, \"fnv\": %u}\n", ms, cpu, fnv);
  free(iters);
  return 0;
}
