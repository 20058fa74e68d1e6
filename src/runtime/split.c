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
 * The partial slots are a whole number of 64-byte cache lines apart, from
 * a line boundary: chunks next to each other run on different threads,
 * and slots sharing a line would make every write of one thread's partial
 * take the line from the other (false sharing).
 *
 * pw_feed: sequential kernels (a streaming hash) cannot split their input
 * across threads, but they can check for cancellation between pieces; one
 * helper instead of a loop in every hash. pw_feed_part is the same for one
 * chunk of a split input (CRC, Adler-32): its progress is added to the
 * call's, not set, so the chunks on every thread report the whole input.
 *
 * pw_chunk_size: byte ranges for the kernels that split a buffer (CRC,
 * Adler-32, ASCII). size_t is 32 bits in wasm32 and inputs reach 4 GiB - 1,
 * so the textbook (len + chunk - 1) / chunk wraps around for any len within
 * `chunk` of 4 GiB (a 3.6 GiB buffer cut in 8 gave 0 chunks, and the
 * kernels returned their starting value). No sum here can pass SIZE_MAX,
 * and counts come from pw_chunks().
 */
#include <stdlib.h>
#include <string.h>

#include "runtime.h"

/* A cache line: partial slots start this many bytes apart, or a multiple. */
#define PW_LINE ((size_t)64)

/* Most partial slots of one reduction: bounds its scratch memory. */
#define PW_REDUCE_MAX_CHUNKS 4096u

typedef struct {
  pw_reduce_fn body;
  void *ctx;
  unsigned char *partials;
  size_t stride; /* bytes from one slot to the next: partial_size in whole lines */
  size_t grain;
  size_t n;
} reduce_ctx;

/* One item of the outer loop is one chunk of the reduction. */
static void reduce_chunks(void *p, size_t first, size_t last) {
  reduce_ctx *r = p;
  for (size_t c = first; c < last; c++) {
    size_t begin = c * r->grain; /* c < chunks, so c * grain < n: no overflow */
    size_t end = r->n - begin > r->grain ? begin + r->grain : r->n;
    r->body(r->ctx, begin, end, r->partials + c * r->stride);
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
  /* chunks <= 4096, but partial_size is the caller's: the sums may wrap */
  if (partial_size > SIZE_MAX - PW_LINE) return PW_ENOMEM;
  size_t stride = (partial_size + PW_LINE - 1) / PW_LINE * PW_LINE;
  if (stride > (SIZE_MAX - PW_LINE) / chunks) return PW_ENOMEM;
  unsigned char *raw = malloc(chunks * stride + PW_LINE - 1);
  if (raw == NULL) return PW_ENOMEM;
  unsigned char *partials = raw + (PW_LINE - (uintptr_t)raw % PW_LINE) % PW_LINE;
  for (size_t c = 0; c < chunks; c++) memcpy(partials + c * stride, result, partial_size);
  reduce_ctx r = {body, ctx, partials, stride, grain, n};
  pw_status s = pw_parallel_for(chunks, 1, reduce_chunks, &r);
  if (s == PW_OK) {
    for (size_t c = 0; c < chunks; c++) join(ctx, result, partials + c * stride);
  }
  free(raw);
  return s;
}

/* pw_feed and pw_feed_part: `total` is the call's whole input; `part`
   adds each piece to its progress (chunks of a parallel loop finish in any
   order; total 0: a part whose bytes are not the call's progress, nothing
   reported), else the bytes fed so far are its progress. */
static pw_status feed(const void *data, size_t len, size_t piece, pw_piece_fn fn, void *ctx,
                      uint64_t total, int part) {
  const uint8_t *p = data;
  if (piece == 0) piece = (size_t)1 << 20;
  /* (one piece of a whole: nothing to report on the way) */
  const int report = part ? total != 0 : len > piece;
  size_t left = len;
  while (left > 0) {
    if (pw_cancelled()) return PW_ECANCELED;
    size_t take = left < piece ? left : piece;
    fn(ctx, p, take);
    p += take;
    left -= take;
    if (!report) continue;
    if (part) pw_progress_add(take, total);
    else pw_progress(len - left, len);
  }
  return PW_OK;
}

pw_status pw_feed(const void *data, size_t len, size_t piece, pw_piece_fn fn, void *ctx) {
  return feed(data, len, piece, fn, ctx, len, 0);
}

pw_status pw_feed_part(const void *data, size_t len, size_t piece, pw_piece_fn fn, void *ctx,
                       uint64_t total) {
  return feed(data, len, piece, fn, ctx, total, 1);
}

size_t pw_chunk_size(size_t len, size_t min_chunk, size_t max_chunks, size_t align) {
  if (min_chunk == 0) min_chunk = 1;
  if (max_chunks == 0) max_chunks = 1;
  if (align == 0) align = 1;
  if (len == 0) return 1;
  size_t chunks = len / min_chunk;
  if (chunks > max_chunks) chunks = max_chunks;
  if (chunks == 0) chunks = 1;
  /* ceil(len / chunks) rounded up to align may pass len (even SIZE_MAX):
     then the whole input is one chunk */
  size_t chunk = pw_chunks(len, chunks), rem = chunk % align;
  if (rem != 0) chunk = chunk > len - (align - rem) ? len : chunk + (align - rem);
  return chunk;
}
