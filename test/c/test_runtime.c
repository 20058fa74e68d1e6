/*
 * test_runtime.c — the runtime services that kernels call (src/runtime/task.c
 * and split.c): pw_parallel_reduce, pw_feed, pw_fail, pw_progress and
 * pw_result_resize, and the chunking helpers pw_chunks/pw_chunk_size at
 * sizes up to SIZE_MAX. Built like every kernel test: serial, sanitized,
 * with the fake pool (chunks in a scrambled order), 32-bit (size_t as in
 * wasm32), and in wasm.
 */
#include <math.h>

#include "runtime.h"
#include "testlib.h"

/* ---- pw_parallel_reduce: a float sum whose result must not depend on chunk order */

typedef struct {
  const float *x;
} sum_ctx;

static void sum_body(void *ctx, size_t begin, size_t end, void *partial) {
  const float *x = ((sum_ctx *)ctx)->x;
  float *acc = partial;
  for (size_t i = begin; i < end; i++) *acc += x[i];
}

static void sum_join(void *ctx, void *acc, const void *partial) {
  (void)ctx;
  *(float *)acc += *(const float *)partial;
}

/* The same sum, written out: chunk by chunk in index order, with the chunking
   that pw_parallel_reduce documents (grain widened to at most 4096 chunks). */
static float sum_reference(const float *x, size_t n, size_t grain) {
  if (grain == 0) grain = 1;
  size_t min_grain = n / 4096 + (n % 4096 != 0);
  if (grain < min_grain) grain = min_grain;
  float total = 0;
  for (size_t begin = 0; begin < n; begin += grain) {
    float part = 0;
    size_t end = n - begin > grain ? begin + grain : n;
    for (size_t i = begin; i < end; i++) part += x[i];
    total += part;
  }
  return total;
}

static void test_reduce(void) {
  uint64_t seed = 5;
  size_t sizes[] = {0, 1, 2, 7, 100, 4095, 4096, 4097, 100000, 1000003};
  size_t grains[] = {0, 1, 3, 64, 1000, 1 << 20};
  for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++) {
    size_t n = sizes[si];
    float *x = xmalloc(n * sizeof *x);
    /* values of very different magnitudes: the order of additions shows */
    for (size_t i = 0; i < n; i++) x[i] = (float)((double)(splitmix64(&seed) % 2000001) - 1e6) * (i % 7 == 0 ? 1e4f : 1e-3f);
    for (size_t gi = 0; gi < sizeof grains / sizeof *grains; gi++) {
      sum_ctx c = {x};
      float got = 0;
      pw_status s = pw_parallel_reduce(n, grains[gi], sizeof got, sum_body, sum_join, &c, &got);
      float want = sum_reference(x, n, grains[gi]);
      CHECK(s == PW_OK, "reduce n=%zu grain=%zu: status %d", n, grains[gi], s);
      CHECK(memcmp(&got, &want, sizeof got) == 0, "reduce n=%zu grain=%zu: %.9g, want %.9g", n, grains[gi], got, want);
    }
    free(x);
  }
  float r = 3;
  sum_ctx c = {NULL};
  CHECK(pw_parallel_reduce(10, 1, 0, sum_body, sum_join, &c, &r) == PW_EINVAL, "partial_size 0 is PW_EINVAL");
  CHECK(pw_parallel_reduce(0, 1, sizeof r, sum_body, sum_join, &c, &r) == PW_OK && r == 3, "n 0 leaves the result");
}

/* A huge partial_size: chunks * partial_size would wrap; it must be refused,
   not turned into a small allocation that the initial copies overrun. */
static void test_reduce_huge_partial(void) {
  float r = 0;
  sum_ctx c = {NULL};
  CHECK(pw_parallel_reduce(100, 1, SIZE_MAX / 2, sum_body, sum_join, &c, &r) == PW_ENOMEM,
        "partial_size * chunks past SIZE_MAX is PW_ENOMEM");
}

/* ---- pw_chunks and pw_chunk_size: sizes up to SIZE_MAX (4 GiB - 1 in wasm32
   and in the -m32 build, where (len + chunk - 1) / chunk wraps) */

static void check_chunking(size_t len, size_t min_chunk, size_t max_chunks, size_t align) {
  size_t chunk = pw_chunk_size(len, min_chunk, max_chunks, align);
  if (min_chunk == 0) min_chunk = 1; /* zero arguments are taken as 1 */
  if (max_chunks == 0) max_chunks = 1;
  if (align == 0) align = 1;
  CHECK(chunk >= 1, "chunk_size(%zu, %zu, %zu, %zu) is 0", len, min_chunk, max_chunks, align);
  if (chunk == 0 || len == 0) return;
  size_t count = pw_chunks(len, chunk);
  /* the chunks cover len: (count - 1) whole chunks end before it (by division: no overflow) */
  CHECK(count >= 1 && count <= max_chunks && (len - 1) / chunk == count - 1,
        "chunk_size(%zu, %zu, %zu, %zu) = %zu: %zu chunks", len, min_chunk, max_chunks, align, chunk, count);
  CHECK(count == 1 || chunk % align == 0, "chunk_size(%zu, ..., align %zu) = %zu not aligned", len, align,
        chunk);
  CHECK(count == 1 || chunk >= min_chunk, "chunk_size(%zu, min %zu, ...) = %zu is short", len, min_chunk,
        chunk);
  /* a split that may use several chunks does so once the input allows it */
  if (max_chunks >= 2 && min_chunk >= align && len / 2 >= min_chunk && len / 2 >= align)
    CHECK(count >= 2, "chunk_size(%zu, %zu, %zu, %zu) = %zu: one chunk", len, min_chunk, max_chunks, align,
          chunk);
}

static void test_chunking(void) {
  const size_t top = SIZE_MAX;
  CHECK(pw_chunks(top, 1) == top && pw_chunks(top, top) == 1 && pw_chunks(top - 1, top) == 1,
        "pw_chunks at SIZE_MAX");
  CHECK(pw_chunks(top, 2) == top / 2 + 1 && pw_chunks(top, top / 2) == 3, "pw_chunks(SIZE_MAX, k)");
  CHECK(pw_chunks(0, 7) == 0 && pw_chunks(7, 7) == 1 && pw_chunks(8, 7) == 2, "pw_chunks small");
  static const size_t mins[] = {0, 1, 64, 512u << 10};
  static const size_t maxes[] = {0, 1, 2, 7, 8, 16, 4096};
  static const size_t aligns[] = {0, 1, 16, 64, 4096};
  /* lengths of every kind: small, around 2^31, and within a chunk of SIZE_MAX
     (3.56 GiB in 8 chunks of 445 MiB was the first to wrap in wasm32) */
  size_t lens[] = {0, 1, 2, 63, 64, 65, 1000, 511u << 10, 512u << 10, (1u << 20) + 1, (2u << 20) - 1,
                   (2u << 20), 100000007, (size_t)0x7fffffff, (size_t)0x80000000, (size_t)0x80000001,
                   (size_t)3822520320u, (size_t)3900000000u, top - (445u << 20), top - (64u << 20), top - 4096,
                   top - 64, top - 1, top, top / 2, top / 3 + 1};
  for (size_t a = 0; a < sizeof lens / sizeof *lens; a++)
    for (size_t b = 0; b < sizeof mins / sizeof *mins; b++)
      for (size_t c = 0; c < sizeof maxes / sizeof *maxes; c++)
        for (size_t d = 0; d < sizeof aligns / sizeof *aligns; d++) check_chunking(lens[a], mins[b], maxes[c], aligns[d]);
  uint64_t seed = 31;
  for (int i = 0; i < 20000; i++) {
    uint64_t bits = splitmix64(&seed), shift = splitmix64(&seed) % 64;
    size_t len = (size_t)(bits >> shift);
    size_t min_chunk = (size_t)below(&seed, 1u << 21), max_chunks = (size_t)below(&seed, 70);
    check_chunking(len, min_chunk, max_chunks, (size_t)1 << below(&seed, 8));
  }
  /* the kernels' split (crc32, adler32, asciiUpper): 2 threads x 4 chunks of >= 512 KiB, 64-aligned */
  size_t chunk = pw_chunk_size((size_t)3822520320u, 512u << 10, 8, 64);
  CHECK(pw_chunks((size_t)3822520320u, chunk) == 8, "3.56 GiB in 8 chunks (got %zu of %zu)",
        pw_chunks((size_t)3822520320u, chunk), chunk);
}

/* ---- pw_feed: pieces in order, none empty, cancellation between pieces */

typedef struct {
  const uint8_t *expect;
  size_t seen;
  size_t calls;
  size_t max_piece;
  int bad;
  pw_task *cancel_after_first; /* sets cancel on the first piece */
} feed_ctx;

static void feed_piece(void *p, const uint8_t *piece, size_t len) {
  feed_ctx *f = p;
  if (len == 0 || len > f->max_piece || memcmp(piece, f->expect + f->seen, len) != 0) f->bad = 1;
  f->seen += len;
  f->calls++;
  if (f->cancel_after_first) atomic_store(&f->cancel_after_first->cancel, 1);
}

static void test_feed(void) {
  size_t n = 100003;
  uint8_t *data = xmalloc(n);
  fill_random(data, n, 9);
  size_t pieces[] = {1, 7, 4096, 100003, 200000};
  for (size_t k = 0; k < sizeof pieces / sizeof *pieces; k++) {
    feed_ctx f = {data, 0, 0, pieces[k], 0, NULL};
    CHECK(pw_feed(data, n, pieces[k], feed_piece, &f) == PW_OK, "feed piece %zu", pieces[k]);
    CHECK(!f.bad && f.seen == n, "feed piece %zu: bytes in order (seen %zu)", pieces[k], f.seen);
    CHECK(f.calls == n / pieces[k] + (n % pieces[k] != 0), "feed piece %zu: %zu calls", pieces[k], f.calls);
  }
  feed_ctx f0 = {data, 0, 0, 1, 0, NULL};
  CHECK(pw_feed(NULL, 0, 16, feed_piece, &f0) == PW_OK && f0.calls == 0, "an empty feed calls nothing");
  feed_ctx fd = {data, 0, 0, (size_t)1 << 20, 0, NULL};
  CHECK(pw_feed(data, n, 0, feed_piece, &fd) == PW_OK && fd.calls == 1, "piece 0 means 1 MiB");

  /* cancelled after the first piece: stops there */
  pw_task t;
  memset(&t, 0, sizeof t);
  pw_task *saved = pw__current;
  pw__current = &t;
  feed_ctx fc = {data, 0, 0, 1000, 0, &t};
  CHECK(pw_feed(data, n, 1000, feed_piece, &fc) == PW_ECANCELED, "cancelled feed reports PW_ECANCELED");
  CHECK(fc.calls == 1, "cancelled feed stops after the piece that was running (%zu calls)", fc.calls);

  /* progress: pw_feed sets it to the bytes fed of len; pw_feed_part adds
     each piece to the call's of `total` (two parts of one input, the
     second first, as chunks of a parallel loop may finish) */
  memset(&t, 0, sizeof t);
  feed_ctx fp = {data, 0, 0, 1000, 0, NULL};
  CHECK(pw_feed(data, n, 1000, feed_piece, &fp) == PW_OK, "feed with progress");
  CHECK(atomic_load(&t.progress_done) == n && atomic_load(&t.progress_total) == n, "pw_feed: progress %llu of %llu",
        (unsigned long long)atomic_load(&t.progress_done), (unsigned long long)atomic_load(&t.progress_total));
  memset(&t, 0, sizeof t);
  size_t half = 60000;
  feed_ctx f2 = {data + half, 0, 0, 1 << 20, 0, NULL};
  CHECK(pw_feed_part(data + half, n - half, 1 << 20, feed_piece, &f2, n) == PW_OK && f2.calls == 1, "part 2, one piece");
  CHECK(atomic_load(&t.progress_done) == n - half && atomic_load(&t.progress_total) == n,
        "pw_feed_part: one piece of a part is reported, of the whole (%llu of %llu)",
        (unsigned long long)atomic_load(&t.progress_done), (unsigned long long)atomic_load(&t.progress_total));
  feed_ctx f1 = {data, 0, 0, 7000, 0, NULL};
  CHECK(pw_feed_part(data, half, 7000, feed_piece, &f1, n) == PW_OK && !f1.bad && f1.seen == half, "part 1 in pieces");
  CHECK(atomic_load(&t.progress_done) == n && atomic_load(&t.progress_total) == n, "pw_feed_part: both parts add up (%llu of %llu)",
        (unsigned long long)atomic_load(&t.progress_done), (unsigned long long)atomic_load(&t.progress_total));
  /* total 0: a part whose bytes are not the call's progress (a checksum
     inside another kernel): nothing reported, in one piece or many */
  memset(&t, 0, sizeof t);
  feed_ctx fq = {data, 0, 0, 7000, 0, NULL};
  CHECK(pw_feed_part(data, n, 7000, feed_piece, &fq, 0) == PW_OK && !fq.bad && fq.seen == n, "a quiet part in pieces");
  CHECK(atomic_load(&t.progress_done) == 0 && atomic_load(&t.progress_total) == 0, "pw_feed_part, total 0: nothing reported (%llu of %llu)",
        (unsigned long long)atomic_load(&t.progress_done), (unsigned long long)atomic_load(&t.progress_total));
  atomic_store(&t.cancel, 1);
  feed_ctx fx = {data, 0, 0, 7000, 0, NULL};
  CHECK(pw_feed_part(data, half, 7000, feed_piece, &fx, n) == PW_ECANCELED && fx.calls == 0, "a cancelled part feeds nothing");
  pw__current = saved;
  free(data);
}

/* ---- pw_fail and pw_progress write into the current task record */

static void test_task_services(void) {
  CHECK(pw_fail(PW_EINVAL, "outside %d", 1) == PW_EINVAL, "pw_fail outside a call returns the status");
  pw_progress(1, 2); /* outside a call: nothing to write, must not crash */
  pw_progress_add(1, 2);

  pw_task t;
  memset(&t, 0, sizeof t);
  pw_task *saved = pw__current;
  pw__current = &t;
  CHECK(pw_fail(PW_EFORMAT, "bad header at byte %u", 17u) == PW_EFORMAT, "pw_fail returns its status");
  CHECK(strcmp(t.message, "bad header at byte 17") == 0, "message: \"%s\"", t.message);
  char longer[400];
  memset(longer, 'x', sizeof longer - 1);
  longer[sizeof longer - 1] = '\0';
  pw_fail(PW_EINVAL, "%s", longer);
  CHECK(strlen(t.message) == PW_MESSAGE_MAX - 1, "a long message is cut to %d bytes (got %zu)", PW_MESSAGE_MAX - 1, strlen(t.message));
  pw_progress(5, 10);
  CHECK(t.progress_done == 5 && t.progress_total == 10, "pw_progress sets done/total");
  pw_progress_add(3, 10);
  pw_progress_add(2, 10);
  CHECK(t.progress_done == 10 && t.progress_total == 10, "pw_progress_add adds (%llu)", (unsigned long long)t.progress_done);
  pw__current = saved;
}

/* ---- pw_result_resize */

static void test_result(void) {
  pw_result r = {NULL, 0};
  uint8_t *p = pw_result_resize(&r, 10);
  CHECK(p != NULL && r.size == 10 && r.data == p, "resize to 10");
  int zero = 1;
  for (int i = 0; i < 10; i++) zero &= p[i] == 0;
  CHECK(zero, "new bytes are zero");
  memset(p, 7, 10);
  p = pw_result_resize(&r, 100000);
  CHECK(p != NULL && r.size == 100000, "grow to 100000");
  int kept = 1;
  for (int i = 0; i < 10; i++) kept &= p[i] == 7;
  for (int i = 10; i < 100000; i++) kept &= p[i] == 0;
  CHECK(kept, "growing keeps the contents and zero-fills the rest");
  p = pw_result_resize(&r, 3);
  CHECK(p != NULL && r.size == 3 && p[2] == 7, "shrink keeps the prefix");
  free(r.data);
}

int main(void) {
  test_chunking();
  test_reduce();
  test_reduce_huge_partial();
  test_feed();
  test_task_services();
  test_result();
#ifdef PW_TEST_FAKE_POOL
  fake_threads = 3;
  test_reduce();
#endif
  return test_summary("test_runtime");
}
