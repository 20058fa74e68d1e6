/*
 * native_bench.c — times one parawasm kernel on a buffer of pseudo-random
 * bytes, for side-by-side figures (the JS benchmark calls it as the native
 * reference). The same program builds with emcc and runs under node, which
 * gives wasm-vs-native figures of the same C.
 *
 * Usage: native_bench <kernel> <bytes> <reps> [calls]
 *   kernel  crc32 | crc32c | adler32 | ascii_upper |
 *           xxh32 | xxh64 | xxh3 | xxh128 |          (seed 0)
 *           sha256 | sha224 | sha1 | md5 | blake3    (blake3: 32-byte output)
 *   calls   calls per timed run, one after another on the same bytes
 *           (default 1): for small inputs, whose single call is too short
 *           to time
 * Prints one JSON object on stdout:
 *   {"kernel":"crc32","build":"native","threads":1,"bytes":67108864,
 *    "reps":7,"calls":1,"mbps":[...],"median_mbps":...,"ns_per_call":...,
 *    "result":"0x..."}
 * MB/s are 10^6 bytes per second (bytes x calls per run / time);
 * ns_per_call is the median run's time per call. One untimed warm-up run
 * comes first. result: the checksums' and xxHash's value as 0x and hex
 * digits (xxh128: all 32), the digests' first 8 bytes in hex (no 0x).
 * ascii_upper changes its input, so the buffer is restored (untimed) before
 * each run. Exits 2 on a usage error or a kernel this build lacks, 1 if the
 * results of the runs differ. The SHA and BLAKE3 kernels are compiled in
 * when their headers exist (__has_include).
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
#if defined(__has_include)
#if __has_include("parawasm/sha2.h")
#include "parawasm/sha2.h"
#define HAVE_SHA2 1
#endif
#if __has_include("parawasm/legacy.h")
#include "parawasm/legacy.h"
#define HAVE_LEGACY 1
#endif
#if __has_include("parawasm/blake3.h")
#include "parawasm/blake3.h"
#define HAVE_BLAKE3 1
#endif
#endif

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

/* A kernel's result: its bytes, compared between runs and printed. */
typedef struct {
  uint8_t b[32];
  size_t len;  /* bytes of b in use */
  int digest;  /* 1: b is a digest (print its first 8 bytes); 0: b holds a value, big-endian */
} result_t;

static void put_be(result_t *r, uint64_t v, size_t len) {
  for (size_t i = 0; i < len; i++) r->b[r->len + i] = (uint8_t)(v >> (8 * (len - 1 - i)));
  r->len += len;
}

static const char *const KERNELS[] = {
    "crc32", "crc32c", "adler32", "ascii_upper", "xxh32", "xxh64", "xxh3", "xxh128",
#ifdef HAVE_SHA2
    "sha256", "sha224",
#endif
#ifdef HAVE_LEGACY
    "sha1", "md5",
#endif
#ifdef HAVE_BLAKE3
    "blake3",
#endif
};
#define N_KERNELS (sizeof KERNELS / sizeof KERNELS[0])

/* The index of `kernel` in KERNELS, or -1. */
static int kernel_id(const char *kernel) {
  for (size_t i = 0; i < N_KERNELS; i++)
    if (strcmp(kernel, KERNELS[i]) == 0) return (int)i;
  return -1;
}

enum { CRC32, CRC32C, ADLER32, ASCII, XXH32, XXH64, XXH3, XXH128, SHA256, SHA224, SHA1, MD5, BLAKE3, N_ALL };
static const char *const ALL[N_ALL] = {"crc32", "crc32c", "adler32", "ascii_upper", "xxh32", "xxh64",
                                       "xxh3", "xxh128", "sha256", "sha224", "sha1", "md5", "blake3"};

/* Runs kernel `k` (an enum value, resolved from its name once, in main: a
   timed loop of small calls does no string compares) on buf[0..n) into r. */
static void run(int k, uint8_t *buf, size_t n, result_t *r) {
  r->len = 0;
  r->digest = 0;
  switch (k) {
    case CRC32: put_be(r, pw_crc32(buf, n, 0), 8); break;
    case CRC32C: put_be(r, pw_crc32c(buf, n, 0), 8); break;
    case ADLER32: put_be(r, pw_adler32(buf, n, 1), 8); break;
    case ASCII: put_be(r, pw_ascii_upper(buf, n), 8); break;
    case XXH32: put_be(r, pw_xxh32(buf, n, 0), 4); break;
    case XXH64: put_be(r, pw_xxh64(buf, n, 0), 8); break;
    case XXH3: put_be(r, pw_xxh3(buf, n, 0), 8); break;
    case XXH128: {
      pw_u128 h = pw_xxh128(buf, n, 0);
      put_be(r, h.hi, 8);
      put_be(r, h.lo, 8);
      break;
    }
#ifdef HAVE_SHA2
    case SHA256: pw_sha256(buf, n, r->b); r->len = 32; r->digest = 1; break;
    case SHA224: pw_sha224(buf, n, r->b); r->len = 28; r->digest = 1; break;
#endif
#ifdef HAVE_LEGACY
    case SHA1: pw_sha1(buf, n, r->b); r->len = 20; r->digest = 1; break;
    case MD5: pw_md5(buf, n, r->b); r->len = 16; r->digest = 1; break;
#endif
#ifdef HAVE_BLAKE3
    case BLAKE3: pw_blake3(buf, n, r->b, 32); r->len = 32; r->digest = 1; break;
#endif
    default: break;
  }
}

static void print_result(const char *kernel, const result_t *r) {
  if (r->digest) {
    for (size_t i = 0; i < 8 && i < r->len; i++) printf("%02x", r->b[i]);
    return;
  }
  size_t i = 0;
  printf("0x");
  /* the old kernels' values print without leading zeros, as before */
  int strip = strcmp(kernel, "crc32") == 0 || strcmp(kernel, "crc32c") == 0 ||
              strcmp(kernel, "adler32") == 0 || strcmp(kernel, "ascii_upper") == 0;
  if (strip) {
    uint64_t v = 0;
    for (i = 0; i < r->len; i++) v = v << 8 | r->b[i];
    printf("%llx", (unsigned long long)v);
    return;
  }
  for (; i < r->len; i++) printf("%02x", r->b[i]);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void usage_kernels(FILE *f) {
  for (size_t i = 0; i < N_KERNELS; i++) fprintf(f, "%s%s", i ? "|" : "", KERNELS[i]);
}

int main(int argc, char **argv) {
  if (argc != 4 && argc != 5) {
    fprintf(stderr, "usage: %s ", argv[0]);
    usage_kernels(stderr);
    fprintf(stderr, " <bytes> <reps> [calls]\n");
    return 2;
  }
  const char *kernel = argv[1];
  char *end, *end2 = "";
  unsigned long long nbytes = strtoull(argv[2], &end, 10);
  long reps = strtol(argv[3], NULL, 10);
  long calls = argc == 5 ? strtol(argv[4], &end2, 10) : 1;
  if (*end != '\0' || *end2 != '\0' || nbytes == 0 || nbytes > SIZE_MAX / 2 || reps < 1 || reps > 100000 ||
      calls < 1 || calls > 100000000 || kernel_id(kernel) < 0) {
    fprintf(stderr, "%s: bad arguments (kernel ", argv[0]);
    usage_kernels(stderr);
    fprintf(stderr, ", bytes > 0, reps >= 1, calls >= 1)\n");
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

  int k = 0;
  while (strcmp(ALL[k], kernel) != 0) k++; /* kernel_id() found it in KERNELS, a subset of ALL */
  result_t result, got;
  run(k, buf, n, &result); /* warm-up */
  int mismatch = 0;
  for (long r = 0; r < reps; r++) {
    if (in_place) memcpy(buf, orig, n);
    double t0 = now_s();
    for (long c = 0; c < calls; c++) {
      run(k, buf, n, &got);
      /* every call's result is compared (so none can be left out); a
         repeated ascii_upper finds its own output: only its first call counts */
      mismatch |= (c == 0 || !in_place) && memcmp(got.b, result.b, result.len) != 0;
    }
    double t1 = now_s();
    mbps[r] = (double)n * (double)calls / (t1 - t0 > 1e-9 ? t1 - t0 : 1e-9) / 1e6;
  }
  memcpy(sorted, mbps, (size_t)reps * sizeof *sorted);
  qsort(sorted, (size_t)reps, sizeof *sorted, cmp_double);
  double median = reps % 2 ? sorted[reps / 2] : (sorted[reps / 2 - 1] + sorted[reps / 2]) / 2;

  printf("{\"kernel\":\"%s\",\"build\":\"%s\",\"threads\":%d,\"bytes\":%llu,\"reps\":%ld,\"calls\":%ld,\"mbps\":[",
         kernel, BUILD, pw_concurrency(), nbytes, reps, calls);
  for (long r = 0; r < reps; r++) printf("%s%.1f", r ? "," : "", mbps[r]);
  printf("],\"median_mbps\":%.1f,\"ns_per_call\":%.2f,\"result\":\"", median, (double)n / median * 1e3);
  print_result(kernel, &result);
  printf("\"}\n");
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
