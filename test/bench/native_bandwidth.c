/*
 * native_bandwidth.c — the machine's memory read bandwidth, as the ceiling
 * for memory-bound kernels in the scaling benchmark (test/bench/scaling.mjs).
 *
 *   native_bandwidth <bytes> <threads>
 *
 * Fills a buffer, then times `threads` threads each reading its own slice
 * once (XOR of 64-bit words, which the compiler vectorises); prints
 * {"threads":T,"bytes":N,"gbps":G,"check":"..."}.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
  const uint64_t *p;
  size_t n;
  uint64_t x;
} slice;

static void *read_slice(void *arg) {
  slice *s = arg;
  uint64_t a = 0, b = 0, c = 0, d = 0;
  size_t i = 0;
  for (; i + 4 <= s->n; i += 4) {
    a ^= s->p[i];
    b ^= s->p[i + 1];
    c ^= s->p[i + 2];
    d ^= s->p[i + 3];
  }
  for (; i < s->n; i++) a ^= s->p[i];
  s->x = a ^ b ^ c ^ d;
  return NULL;
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: native_bandwidth <bytes> <threads>\n");
    return 2;
  }
  size_t bytes = strtoull(argv[1], NULL, 10) / 8 * 8;
  int threads = atoi(argv[2]);
  if (bytes == 0 || threads < 1 || threads > 256) return 2;
  uint64_t *buf = malloc(bytes);
  if (!buf) return 1;
  for (size_t i = 0; i < bytes / 8; i++) buf[i] = i * 0x9e3779b97f4a7c15ull;
  slice s[256];
  pthread_t th[256];
  size_t words = bytes / 8, per = words / (size_t)threads;
  for (int t = 0; t < threads; t++) {
    s[t].p = buf + (size_t)t * per;
    s[t].n = t == threads - 1 ? words - (size_t)t * per : per;
  }
  double t0 = now();
  for (int t = 1; t < threads; t++) pthread_create(&th[t], NULL, read_slice, &s[t]);
  read_slice(&s[0]);
  for (int t = 1; t < threads; t++) pthread_join(th[t], NULL);
  double secs = now() - t0;
  uint64_t x = 0;
  for (int t = 0; t < threads; t++) x ^= s[t].x;
  printf("{\"threads\":%d,\"bytes\":%zu,\"gbps\":%.3f,\"check\":\"%016llx\"}\n", threads, bytes,
         bytes / secs / 1e9, (unsigned long long)x);
  free(buf);
  return 0;
}
