/*
 * fuzz_pool.h — a pool for the libFuzzer targets, standing in for
 * src/runtime/serial.c: pw_parallel_for runs the chunks one after another,
 * in an order drawn from the fuzz input, and pw_concurrency() returns what
 * the target sets. With 1, the kernels take their serial paths; with more,
 * they split their input, compute the pieces in that order and join them,
 * so that a target can check the split-and-join path against the serial
 * one on the same bytes (the threaded build's code, without threads).
 *
 * Include it in the fuzz target's own .c file. The Makefile links
 * serial.c from an archive, which the linker leaves out when the target
 * defines these functions itself.
 *
 * The state below is the fuzzing process's own (libFuzzer runs one input
 * at a time on one thread); kernels keep none.
 */
#ifndef PW_FUZZ_POOL_H
#define PW_FUZZ_POOL_H

#include <stdint.h>
#include <stdlib.h>

#include "parawasm.h"

static int pw_fuzz_threads = 1;    /* what pw_concurrency() returns */
static uint32_t pw_fuzz_order = 1; /* seeds the order of the chunks */

int pw_concurrency(void) { return pw_fuzz_threads; }

/* Runs every chunk once, in a shuffled order (Fisher-Yates, an LCG). */
pw_status pw_parallel_for(size_t n, size_t grain, pw_range_fn body, void *ctx) {
  if (grain == 0) grain = 1;
  size_t chunks = pw_chunks(n, grain);
  if (chunks == 0) return PW_OK;
  size_t *order = malloc(chunks * sizeof *order);
  if (!order) abort();
  for (size_t i = 0; i < chunks; i++) order[i] = i;
  uint32_t s = pw_fuzz_order;
  for (size_t i = chunks; i > 1; i--) {
    s = s * 1103515245u + 12345u;
    size_t j = (size_t)(s >> 8) % i, t = order[i - 1];
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

#endif /* PW_FUZZ_POOL_H */
