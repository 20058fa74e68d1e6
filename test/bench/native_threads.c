/*
 * native_threads.c — pw_parallel_for and pw_concurrency on plain pthreads,
 * for the native benchmarks' two-thread figures: PW_THREADS threads (from
 * the environment, default 1) run each loop, claiming chunks of `grain`
 * from a shared counter, as the pool's threads do. Threads are started
 * for each loop (about 50 us, nothing beside a kernel of milliseconds),
 * which keeps this free of the pool's parking and waking: what the
 * figures show is the kernels' own scaling.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "runtime.h"

#define MAX_THREADS 64

static int threads(void) {
  static int t;
  if (t == 0) {
    const char *s = getenv("PW_THREADS");
    int v = s ? atoi(s) : 1;
    t = v < 1 ? 1 : v > MAX_THREADS ? MAX_THREADS : v;
  }
  return t;
}

int pw_concurrency(void) { return threads(); }

typedef struct {
  size_t n, grain;
  pw_range_fn body;
  void *ctx;
  atomic_size_t next;
} loop;

static void *run(void *p) {
  loop *l = p;
  for (;;) {
    size_t b = atomic_fetch_add(&l->next, l->grain);
    if (b >= l->n) break;
    l->body(l->ctx, b, l->n - b > l->grain ? b + l->grain : l->n);
  }
  return NULL;
}

pw_status pw_parallel_for(size_t n, size_t grain, pw_range_fn body, void *ctx) {
  loop l = {n, grain ? grain : 1, body, ctx, 0};
  pthread_t th[MAX_THREADS];
  int started = 1;
  for (; started < threads(); started++)
    if (pthread_create(&th[started], NULL, run, &l) != 0) break;
  run(&l);
  for (int i = 1; i < started; i++) pthread_join(th[i], NULL);
  return PW_OK;
}
