/*
 * native_bench.c — times one parawasm kernel on a buffer of pseudo-random
 * bytes, for side-by-side figures (the JS benchmark calls it as the native
 * reference). The same program builds with emcc and runs under node, which
 * gives wasm-vs-native figures of the same C.
 *
 * Usage: native_bench <kernel> <bytes> <reps>
 *   kernel  crc32 | crc32c | adler32 | ascii_upper
 * Prints one JSON object on stdout:
 *   {"kernel":"crc32","build":"native","threads":1,"bytes":67108864,
 *    "reps":7,"mbps":[...],"median_mbps":...,"result":"0x..."}
 * MB/s are 10^6 bytes per second. One untimed warm-up run comes first.
 * ascii_upper changes its input, so the buffer is restored (untimed) before
 * each run. Exits 2 on a usage error, 1 if the results of the runs differ.
 *
 * Native build (from the repository root):
 *   gcc -std=c11 -O3 -march=native -Iinclude -Isrc/runtime -o native_bench \
 *       test/bench/native_bench.c src/kernels/crc32.c src/kernels/adler32.c \
 *       src/kernels/ascii.c src/runtime/task.c src/runtime/serial.c test/c/no_kernels.c
 * Wasm build (then: node native_bench.js crc32 67108864 7):
 *   emcc -std=c11 -O3 -msimd128 -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=4GB \
 *       -sSINGLE_FILE=1 -sENVIRONMENT=node -Iinclude -Isrc/runtime \
 *       -o native_bench.js <same sources>
 *   (SINGLE_FILE: Node 20's global fetch cannot load a .wasm from a path;
 *   with a separate .wasm, run node --no-experimental-fetch instead.)
 */
#define _POSIX_C_SOURCE 199309L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "parawasm.h"

#ifdef __wasm__
#define BUILD "wasm"
#else
#define BUILD "native"
#endif

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t splitmix64(uint64_t *s) {
  uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}

static uint64_t run(const char *kernel, uint8_t *buf, size_t n) {
  if (strcmp(kernel, "crc32") == 0) return pw_crc32(buf, n, 0);
  if (strcmp(kernel, "crc32c") == 0) return pw_crc32c(buf, n, 0);
  if (strcmp(kernel, "adler32") == 0) return pw_adler32(buf, n, 1);
  return pw_ascii_upper(buf, n);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s crc32|crc32c|adler32|ascii_upper <bytes> <reps>\n", argv[0]);
    return 2;
  }
  const char *kernel = argv[1];
  char *end;
  unsigned long long nbytes = strtoull(argv[2], &end, 10);
  long reps = strtol(argv[3], NULL, 10);
  if (*end != '\0' || nbytes == 0 || nbytes > SIZE_MAX / 2 || reps < 1 || reps > 100000 ||
      (strcmp(kernel, "crc32") && strcmp(kernel, "crc32c") && strcmp(kernel, "adler32") &&
       strcmp(kernel, "ascii_upper"))) {
    fprintf(stderr, "%s: bad arguments (kernel crc32|crc32c|adler32|ascii_upper, bytes > 0, "
                    "reps >= 1)\n", argv[0]);
    return 2;
  }
  size_t n = (size_t)nbytes;
  int in_place = strcmp(kernel, "ascii_upper") == 0;
  uint8_t *buf = malloc(n), *orig = in_place ? malloc(n) : NULL;
  double *mbps = malloc((size_t)reps * sizeof *mbps), *sorted = malloc((size_t)reps * sizeof *sorted);
  if (buf == NULL || (in_place && orig == NULL) || mbps == NULL || sorted == NULL) {
    fprintf(stderr, "%s: out of memory\n", argv[0]);
    return 2;
  }
  uint64_t seed = 0x70617261u; /* fixed: the same bytes every run */
  for (size_t i = 0; i < n; i += 8) {
    uint64_t r = splitmix64(&seed);
    size_t k = n - i < 8 ? n - i : 8;
    memcpy(buf + i, &r, k);
  }
  if (in_place) memcpy(orig, buf, n);

  uint64_t result = run(kernel, buf, n); /* warm-up */
  int mismatch = 0;
  for (long r = 0; r < reps; r++) {
    if (in_place) memcpy(buf, orig, n);
    double t0 = now_s();
    uint64_t got = run(kernel, buf, n);
    double t1 = now_s();
    mismatch |= got != result;
    mbps[r] = (double)n / (t1 - t0 > 1e-9 ? t1 - t0 : 1e-9) / 1e6;
  }
  memcpy(sorted, mbps, (size_t)reps * sizeof *sorted);
  qsort(sorted, (size_t)reps, sizeof *sorted, cmp_double);
  double median = reps % 2 ? sorted[reps / 2] : (sorted[reps / 2 - 1] + sorted[reps / 2]) / 2;

  printf("{\"kernel\":\"%s\",\"build\":\"%s\",\"threads\":%d,\"bytes\":%llu,\"reps\":%ld,\"mbps\":[",
         kernel, BUILD, pw_concurrency(), nbytes, reps);
  for (long r = 0; r < reps; r++) printf("%s%.1f", r ? "," : "", mbps[r]);
  printf("],\"median_mbps\":%.1f,\"result\":\"0x%llx\"}\n", median, (unsigned long long)result);
  free(buf);
  free(orig);
  free(mbps);
  free(sorted);
  if (mismatch) {
    fprintf(stderr, "%s: results differ between runs\n", argv[0]);
    return 1;
  }
  return 0;
}
