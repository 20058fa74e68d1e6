/*
 * split.c — splitting and joining on top of pw_parallel_for, shared by
 * every build (and by the native tests' fake pool, which runs chunks in a
 * scrambled order).
 *
 * pw_parallel_reduce: the determinism argument. A floating-point sum
 * depends on the order of its additions, so a reduction whose chunking
 * followed the thread count would give a different last bit on 1 and 2
 * threads. Here the chunk boundaries are a function of (n, grain) alone;
 * each chunk folds into its own partial slot, wherever and whenever it
 * runs; and the caller joins the slots in index order. The sequence of
 * operations is then fixed, and so is the result.
 *
 * pw_feed: sequential kernels (a streaming hash) cannot split their input
 * across threads, but they can check for cancellation between pieces; one
 * helper instead of a loop in every hash.
 */
#include <stdlib.h>
#include <string.h>

#include "runtime.h"

/* Most partial slots of one reduction: bounds its scratch memory. */
#define PW_REDUCE_MAX_CHUNKS 4096u

typedef struct {
  pw_reduce_fn body;
  void *ctx;
  unsigned char *partials;
  size_t partial_size;
  size_t grain;
  size_t n;
} reduce_ctx;

/* One item of the outer loop is one chunk of the reduction. */
static void reduce_chunks(void *p, size_t first, size_t last) {
  reduce_ctx *r = p;
  for (size_t c = first; c < last; c++) {
    size_t begin = c * r->grain; /* c < chunks, so c * grain < n: no overflow */
    size_t end = r->n - begin > r->grain ? begin + r->grain : r->n;
    r->body(r->ctx, begin, end, r->partials + c * r->partial_size);
  }
}

pw_status pw_parallel_reduce(size_t n, size_t grain, size_t partial_size, pw_reduce_fn body,
                             pw_join_fn join, void *ctx, void *result) {
  if (n == 0) return PW_OK;
  if (grain == 0) grain = 1;
  /* at most PW_REDUCE_MAX_CHUNKS chunks: widen the grain (a function of n) */
  size_t min_grain = pw_chunks(n, PW_REDUCE_MAX_CHUNKS);
  if (grain < min_grain) grain = min_grain;
  size_t chunks = pw_chunks(n, grain);
  if (partial_size == 0) return PW_EINVAL;
  unsigned char *partials = malloc(chunks * partial_size);
  if (partials == NULL) return PW_ENOMEM;
  for (size_t c = 0; c < chunks; c++) memcpy(partials + c * partial_size, result, partial_size);
  reduce_ctx r = {body, ctx, partials, partial_size, grain, n};
  pw_status s = pw_parallel_for(chunks, 1, reduce_chunks, &r);
  if (s == PW_OK) {
    for (size_t c = 0; c < chunks; c++) join(ctx, result, partials + c * partial_size);
  }
  free(partials);
  return s;
}

pw_status pw_feed(const void *data, size_t len, size_t piece, pw_piece_fn fn, void *ctx) {
  const uint8_t *p = data;
  if (piece == 0) piece = (size_t)1 << 20;
  while (len > 0) {
    if (pw_cancelled()) return PW_ECANCELED;
    size_t take = len < piece ? len : piece;
    fn(ctx, p, take);
    p += take;
    len -= take;
  }
  return PW_OK;
}
