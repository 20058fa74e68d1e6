/*
 * parawasm/testing.h — a small harness for testing kernels in C: the CHECK
 * macro and its counters, a fixed-seed splitmix64 generator, and (with
 * -DPW_TEST_FAKE_POOL) a fake pool that runs pw_parallel_for chunks in a
 * scrambled order with pw_concurrency() > 1, in place of the serial
 * runtime: the parallel split and join of a kernel is tested natively,
 * under the sanitizers, without threads.
 *
 * `parawasm ctest test.c kernels.c` builds a test four ways (native,
 * ASan+UBSan, fake pool, wasm) and runs each; parawasm's own C tests use
 * it the same way through its Makefile.
 *
 * Include it once, from the test's own .c file, and end main() with
 * `return test_summary("test_name");`.
 */
#ifndef PW_TESTING_H
#define PW_TESTING_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parawasm/kernel.h"

/* ---------------------------------------------------------------------- */
/* Test plumbing                                                          */
/* ---------------------------------------------------------------------- */

static unsigned long checks, failures;

#define CHECK(cond, ...)                                              \
  do {                                                                \
    checks++;                                                         \
    if (!(cond)) {                                                    \
      if (failures++ < 30) {                                          \
        fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);          \
        fprintf(stderr, __VA_ARGS__);                                 \
        fputc('\n', stderr);                                          \
      }                                                               \
    }                                                                 \
  } while (0)

static inline uint64_t splitmix64(uint64_t *s) {
  uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}

static inline void fill_random(uint8_t *p, size_t n, uint64_t seed) {
  for (size_t i = 0; i < n; i++) {
    if (i % 8 == 0) seed = splitmix64(&seed) ^ seed;
    p[i] = (uint8_t)(seed >> (8 * (i % 8)));
  }
}

static inline uint64_t below(uint64_t *s, uint64_t n) { return n ? splitmix64(s) % n : 0; }

static inline void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (p == NULL) {
    fprintf(stderr, "out of memory (%zu bytes)\n", n);
    exit(2);
  }
  return p;
}

/* ---------------------------------------------------------------------- */
/* Fake pool (-DPW_TEST_FAKE_POOL): replaces src/runtime/serial.c         */
/* ---------------------------------------------------------------------- */

#ifdef PW_TEST_FAKE_POOL
static int fake_threads = 4;
static int fake_cancel;
static uint64_t fake_seed = 77;

int pw_concurrency(void) { return fake_threads; }

/* Runs the chunks in a random order; with fake_cancel, runs none of them. */
pw_status pw_parallel_for(size_t n, size_t grain, pw_range_fn body, void *ctx) {
  if (grain == 0) grain = 1;
  if (fake_cancel) return PW_ECANCELED;
  size_t chunks = pw_chunks(n, grain);
  size_t *order = xmalloc(chunks * sizeof *order);
  for (size_t i = 0; i < chunks; i++) order[i] = i;
  for (size_t i = chunks; i > 1; i--) {
    size_t j = (size_t)below(&fake_seed, i), t = order[i - 1];
    order[i - 1] = order[j];
    order[j] = t;
  }
  for (size_t i = 0; i < chunks; i++) {
    size_t begin = order[i] * grain, end = n - begin > grain ? begin + grain : n;
    body(ctx, begin, end);
  }
  free(order);
  return PW_OK;
}
#endif

/* Prints the summary line; returns the exit status (0: every check passed). */
static int test_summary(const char *name) {
#ifdef PW_TEST_FAKE_POOL
  const char *mode = "fake pool";
#else
  const char *mode = "serial";
#endif
#ifdef __wasm__
  const char *build = "wasm";
#else
  const char *build = "native";
#endif
  printf("%s (%s, %s, concurrency %d): %lu checks, %lu failed\n", name, build, mode,
         pw_concurrency(), checks, failures);
  return failures ? 1 : 0;
}

#endif /* PW_TESTING_H */
