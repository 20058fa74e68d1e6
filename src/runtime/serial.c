/*
 * serial.c — pw_parallel_for for builds without a thread pool (the
 * single-thread wasm build and the plain native build): the chunks run one
 * after another on the caller.
 */
#include "runtime.h"

pw_status pw_parallel_for(size_t n, size_t grain, pw_range_fn body, void *ctx) {
  return pw__serial_for(n, grain, body, ctx);
}

int pw_concurrency(void) { return 1; }
