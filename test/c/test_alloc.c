/*
 * test_alloc.c — parawasm's heap allocator (src/runtime/alloc.c).
 *
 * The pw_heap runs here over a region of the test's own, handed out by a
 * fake sbrk (optionally with gaps, as when another user of sbrk takes
 * memory in between). Checked:
 *  - random malloc / free / realloc / memalign / calloc-like sequences,
 *    every block filled with a pattern of its own and verified when it is
 *    freed or moved (overlap or corruption shows), with pw_heap_check()
 *    walking the whole heap along the way;
 *  - sizes: the largest allocation of a fresh heap is the region less a
 *    fixed overhead, is found again after failed attempts and after the
 *    heap was fragmented and emptied, and one allocation may take almost
 *    all of the region in one growth step (no 2 GiB step limit);
 *  - memalign's alignment, realloc's contents (and in-place growth at the
 *    top), requests that overflow.
 * With -DPW_TEST_SBRK (wasm, linked with -sMALLOC=none and
 * -DPW_REPLACE_MALLOC), the replaced malloc() itself is tested up to the
 * 4 GiB limit of wasm32.
 */
#define _GNU_SOURCE
#include "alloc.h"
#include "testlib.h"

#if !defined(__wasm__) && !defined(_WIN32)
#include <sys/mman.h>
#define HAVE_MMAP 1
#endif

/* ---------------------------------------------------------------------- */
/* A fake sbrk over a region                                              */
/* ---------------------------------------------------------------------- */

typedef struct {
  char *base;
  size_t size, used;
  int gaps;       /* leave random gaps between results */
  uint64_t seed;
  size_t calls;
} region;

static void *region_more(void *ctx, size_t bytes) {
  region *r = ctx;
  r->calls++;
  size_t gap = r->gaps && below(&r->seed, 4) == 0 ? (size_t)below(&r->seed, 200) : 0;
  if (r->used > r->size || gap > r->size - r->used || bytes > r->size - r->used - gap) return NULL;
  void *p = r->base + r->used + gap;
  r->used += gap + bytes;
  return p;
}

static char *region_alloc(size_t size) {
#ifdef HAVE_MMAP
  /* reserved, not committed: only the pages the heap writes are backed */
  void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  return p == MAP_FAILED ? NULL : p;
#else
  return malloc(size);
#endif
}

static void region_free(char *p, size_t size) {
#ifdef HAVE_MMAP
  munmap(p, size);
#else
  (void)size;
  free(p);
#endif
}

static pw_heap heap_on(region *r) {
  pw_heap h;
  memset(&h, 0, sizeof h);
  h.more = region_more;
  h.more_ctx = r;
  return h;
}

#define CHECK_HEAP(h, ...)                                                       \
  do {                                                                           \
    const char *why_ = pw_heap_check(h);                                         \
    CHECK(why_ == NULL, "heap check: %s", why_ ? why_ : "");                     \
    if (why_) fprintf(stderr, "  while: "), fprintf(stderr, __VA_ARGS__), fputc('\n', stderr); \
  } while (0)

/* ---------------------------------------------------------------------- */
/* Random sequences                                                       */
/* ---------------------------------------------------------------------- */

typedef struct {
  uint8_t *p;
  size_t n;
  uint8_t tag;
} block;

/* The bytes of a block that carry its pattern: all of a small block; of a
   large one its first and last KiB and every byte at an address that is a
   multiple of 256 (blocks that overlap share those). */
#define PATTERN(b, i) ((uint8_t)((b)->tag + (i) * 7 + ((i) >> 8)))
#define FOR_MARKED(b, n, i, body)                                                  \
  do {                                                                             \
    size_t n_ = (n), head_ = n_ < 2048 ? n_ : 1024;                                \
    for (size_t i = 0; i < head_; i++) body;                                       \
    if (n_ > head_) {                                                              \
      for (size_t i = (256 - (uintptr_t)(b)->p % 256) % 256; i < n_ - 1024; i += 256) \
        if (i >= head_) body;                                                      \
      for (size_t i = n_ - 1024; i < n_; i++) body;                                \
    }                                                                              \
  } while (0)

static void fill(block *b) { FOR_MARKED(b, b->n, i, b->p[i] = PATTERN(b, i)); }

static int intact(const block *b, size_t n) {
  int ok = 1;
  FOR_MARKED(b, n, i, ok &= b->p[i] == PATTERN(b, i));
  return ok;
}

/* After realloc kept m bytes of a block that had old_n: its marked prefix
   (the marks past it depend on the old address) is still there. */
static int intact_prefix(const block *b, size_t m, size_t old_n) {
  size_t k = old_n < 2048 ? m : (m < 1024 ? m : 1024);
  for (size_t i = 0; i < k; i++)
    if (b->p[i] != PATTERN(b, i)) return 0;
  return 1;
}

/* A size: mostly small, some up to max (log-uniform). */
static size_t random_size(uint64_t *s, size_t max) {
  size_t limit = (size_t)1 << below(s, 21);
  if (limit > max) limit = max;
  return (size_t)below(s, limit + 1);
}

static void stress(const char *name, size_t region_size, int gaps, int ops, size_t max_size, uint64_t seed) {
  char *mem = region_alloc(region_size);
  if (mem == NULL) {
    fprintf(stderr, "%s: no region of %zu bytes\n", name, region_size);
    exit(2);
  }
  /* an odd start (as wasm's heap base may be): the top then ends a few bytes
     before the memory obtained, which must not look like a gap */
  size_t off = (size_t)(seed % 3) * 4;
  region r = {mem + off, region_size - off, 0, gaps, seed, 0};
  pw_heap h = heap_on(&r);
  enum { SLOTS = 600 };
  block live[SLOTS];
  memset(live, 0, sizeof live);
  uint64_t s = seed;
  size_t failed = 0, moved = 0, bad = 0;
  for (int op = 0; op < ops; op++) {
    block *b = &live[below(&s, SLOTS)];
    int what = (int)below(&s, 10);
    if (b->p == NULL) {
      size_t n = random_size(&s, max_size);
      size_t align = what < 2 ? (size_t)1 << (5 + below(&s, 9)) : 0; /* 32 B .. 8 KiB */
      b->p = align ? pw_heap_memalign(&h, align, n) : pw_heap_malloc(&h, n);
      if (b->p == NULL) {
        failed++;
        continue;
      }
      b->n = n;
      b->tag = (uint8_t)below(&s, 256);
      CHECK((uintptr_t)b->p % (align ? align : 16) == 0, "%s: %p not aligned to %zu", name, (void *)b->p,
            align ? align : 16);
      CHECK(pw_heap_usable(b->p) >= n, "%s: usable %zu < %zu", name, pw_heap_usable(b->p), n);
      fill(b);
    } else if (what < 4) {
      size_t n = random_size(&s, max_size);
      if (!intact(b, b->n)) bad++;
      uint8_t *q = pw_heap_realloc(&h, b->p, n);
      if (n == 0) {
        CHECK(q == NULL, "%s: realloc to 0 returned a block", name);
        b->p = NULL;
        continue;
      }
      if (q == NULL) {
        failed++; /* the old block stays valid */
        continue;
      }
      moved += q != b->p;
      b->p = q;
      if (!intact_prefix(b, n < b->n ? n : b->n, b->n)) bad++;
      b->n = n;
      fill(b);
    } else {
      if (!intact(b, b->n)) bad++;
      pw_heap_free(&h, b->p);
      b->p = NULL;
    }
    if (op % 997 == 0) CHECK_HEAP(&h, "%s op %d", name, op);
  }
  CHECK(bad == 0, "%s: %zu blocks found damaged", name, bad);
  CHECK_HEAP(&h, "%s at the end", name);
  for (int i = 0; i < SLOTS; i++) {
    if (live[i].p && !intact(&live[i], live[i].n)) bad++;
    pw_heap_free(&h, live[i].p);
  }
  CHECK(bad == 0, "%s: %zu blocks damaged at the end", name, bad);
  CHECK(h.in_use == 0, "%s: %zu bytes still in use after freeing everything", name, h.in_use);
  CHECK_HEAP(&h, "%s emptied", name);
  if (!gaps) {
    /* contiguous memory makes one segment, and everything has joined its top */
    unsigned nonempty = 0;
    for (unsigned b = 0; b < PW_HEAP_BINS; b++) nonempty += h.bins[b] != NULL;
    CHECK(nonempty == 0, "%s: free chunks left outside the top after freeing everything", name);
    CHECK(pw_heap_segments(&h) == 1, "%s: contiguous growth made %zu segments", name, pw_heap_segments(&h));
  }
  (void)failed;
  (void)moved;
  region_free(mem, region_size);
}

/* ---------------------------------------------------------------------- */
/* Sizes and limits                                                       */
/* ---------------------------------------------------------------------- */

/* The largest n with pw_heap_malloc(h, n) != NULL, by bisection; each
   success is freed again. */
static size_t largest(pw_heap *h) {
  size_t lo = 0, hi = SIZE_MAX;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2 + 1;
    void *p = pw_heap_malloc(h, mid);
    if (p) {
      pw_heap_free(h, p);
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  return lo;
}

static void test_limits(size_t region_size) {
  region r = {region_alloc(region_size), region_size, 0, 0, 1, 0};
  if (r.base == NULL) {
    printf("test_alloc: no region of %zu bytes here: limits skipped\n", region_size);
    return;
  }
  pw_heap h = heap_on(&r);
  /* one request for nearly all of it, on a fresh heap, in one growth step */
  size_t big = region_size - 4096;
  void *p = pw_heap_malloc(&h, big);
  CHECK(p != NULL, "a fresh heap refused %zu of %zu bytes", big, region_size);
  CHECK(r.calls <= 2, "%zu growth steps for one request", r.calls);
  pw_heap_free(&h, p);
  CHECK_HEAP(&h, "after the big block");

  size_t max = largest(&h);
  CHECK(max + 128 >= region_size, "largest allocation %zu of a %zu-byte region: more than 128 bytes lost", max,
        region_size);
  CHECK(pw_heap_malloc(&h, max + 1) == NULL, "%zu bytes fit after all", max + 1);
  CHECK(pw_heap_malloc(&h, SIZE_MAX / 2) == NULL, "half the address space fit");
  /* failures change nothing */
  CHECK(largest(&h) == max, "the largest allocation changed after failed attempts");
  CHECK_HEAP(&h, "after failed attempts");

  /* fragment, free everything: the same largest allocation */
  void *keep[64];
  uint64_t s = 3;
  for (int i = 0; i < 64; i++) keep[i] = pw_heap_malloc(&h, (size_t)below(&s, region_size / 256));
  for (int i = 0; i < 64; i += 2) pw_heap_free(&h, keep[i]);
  CHECK_HEAP(&h, "fragmented");
  for (int i = 1; i < 64; i += 2) pw_heap_free(&h, keep[i]);
  CHECK(largest(&h) == max, "the largest allocation changed after the heap was used and emptied");

  /* a second fresh heap over the same region: the same largest allocation */
  region r2 = {r.base, region_size, 0, 0, 1, 0};
  pw_heap h2 = heap_on(&r2);
  CHECK(largest(&h2) == max, "two fresh heaps differ in their largest allocation");

  /* a request that cannot fit leaves a heap that still grows */
  region r3 = {r.base, region_size, 0, 0, 1, 0};
  pw_heap h3 = heap_on(&r3);
  void *small = pw_heap_malloc(&h3, 100);
  CHECK(pw_heap_malloc(&h3, region_size) == NULL, "more than the region fit");
  void *most = pw_heap_malloc(&h3, region_size - 8192);
  CHECK(small && most, "after a refusal, a request that fits failed");
  CHECK_HEAP(&h3, "after a refusal");
  region_free(r.base, region_size);
}

static void test_realloc_memalign(void) {
  size_t size = 64u << 20;
  region r = {region_alloc(size), size, 0, 0, 1, 0};
  pw_heap h = heap_on(&r);
  /* growth in place at the top: the block does not move */
  uint8_t *a = pw_heap_malloc(&h, 1000);
  block b = {a, 1000, 9};
  fill(&b);
  uint8_t *a2 = pw_heap_realloc(&h, a, 10u << 20);
  CHECK(a2 == a, "realloc of the last block moved it");
  CHECK(intact(&b, 1000), "realloc lost the contents");
  uint8_t *a3 = pw_heap_realloc(&h, a2, 500);
  CHECK(a3 == a && intact(&b, 500), "shrinking moved the block or lost its contents");
  /* growth into a free neighbour */
  uint8_t *x = pw_heap_malloc(&h, 4000), *y = pw_heap_malloc(&h, 4000), *z = pw_heap_malloc(&h, 16);
  pw_heap_free(&h, y);
  block bx = {x, 4000, 77};
  fill(&bx);
  uint8_t *x2 = pw_heap_realloc(&h, x, 7000);
  CHECK(x2 == x && intact(&bx, 4000), "realloc into a free neighbour moved or lost the block");
  CHECK_HEAP(&h, "realloc");
  /* requests that overflow */
  CHECK(pw_heap_malloc(&h, SIZE_MAX) == NULL && pw_heap_malloc(&h, SIZE_MAX - 15) == NULL, "malloc(SIZE_MAX)");
  CHECK(pw_heap_realloc(&h, x2, SIZE_MAX - 7) == NULL && intact(&bx, 4000), "realloc(SIZE_MAX) lost the block");
  CHECK(pw_heap_memalign(&h, (size_t)1 << 20, SIZE_MAX - 100) == NULL, "memalign near SIZE_MAX");
  CHECK(pw_heap_memalign(&h, SIZE_MAX / 2 + 1, 16) == NULL, "memalign to half the address space");
  CHECK(pw_heap_memalign(&h, 48, 16) == NULL && pw_heap_memalign(&h, 0, 16) == NULL, "memalign, bad alignment");
  /* memalign: every alignment, the payload usable */
  for (size_t al = 1; al <= ((size_t)1 << 20); al *= 2) {
    uint8_t *p = pw_heap_memalign(&h, al, 3 * al + 5);
    CHECK(p && (uintptr_t)p % al == 0 && pw_heap_usable(p) >= 3 * al + 5, "memalign(%zu)", al);
    if (p) memset(p, 0xab, 3 * al + 5);
  }
  CHECK_HEAP(&h, "memalign");
  pw_heap_free(&h, z);
  pw_heap_free(&h, a3);
  pw_heap_free(&h, x2);
  CHECK_HEAP(&h, "end");
  region_free(r.base, size);
}

/* ---------------------------------------------------------------------- */
/* The replaced malloc() of the wasm builds                               */
/* ---------------------------------------------------------------------- */

#ifdef PW_TEST_SBRK
#include <errno.h>

#include <emscripten/heap.h>

/* Results go here: a compiler may drop an unused malloc()/free() pair and
   take its result for non-NULL. */
static void *volatile sink;

static size_t largest_malloc(void) {
  size_t lo = 0, hi = SIZE_MAX;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2 + 1;
    void *p = sink = malloc(mid);
    if (p) {
      free(p);
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  return lo;
}

static void test_sbrk(void) {
  size_t max = emscripten_get_heap_max();
  /* 3.9 GiB in one allocation, on the heap as the program started */
  size_t big = (size_t)3900 << 20;
  uint8_t *p = sink = malloc(big);
  CHECK(p != NULL, "malloc(%zu) on a fresh heap failed", big);
  if (p) {
    p[0] = 1, p[big - 1] = 2;
    CHECK(emscripten_get_heap_size() >= (uintptr_t)p + big, "the memory did not grow to cover the block");
    free(p);
  }
  void *first = sink = malloc(1);
  size_t start = (size_t)(uintptr_t)first;
  free(first);
  size_t top = largest_malloc();
  CHECK(top + (1u << 20) >= max - start, "largest malloc %zu from %zu, limit %zu", top, start, max);
  CHECK((sink = malloc(top + 1)) == NULL, "malloc(%zu) fit after all", top + 1);
  CHECK(largest_malloc() == top, "the largest malloc changed after failed attempts");
  /* a 2 GiB block after a failure, a realloc that grows in place near the top */
  void *two = sink = malloc((size_t)2 << 30);
  CHECK(two != NULL, "2 GiB after a failed attempt");
  void *more = sink = realloc(two, (size_t)3 << 30);
  CHECK(more == two, "realloc to 3 GiB moved the block (%p, %p)", two, more);
  free(more);
  void *al = NULL;
  CHECK(posix_memalign(&al, 4096, (size_t)3 << 30) == 0 && (uintptr_t)al % 4096 == 0, "posix_memalign of 3 GiB");
  free(al);
  CHECK(posix_memalign(&al, 24, 16) == EINVAL, "posix_memalign with a bad alignment");
  CHECK((sink = calloc(SIZE_MAX / 2, 4)) == NULL, "calloc overflow");
  uint32_t *c = sink = calloc(1000, 4);
  int zero = c != NULL;
  for (int i = 0; c && i < 1000; i++) zero &= c[i] == 0;
  CHECK(zero, "calloc zeroes");
  free(c);
}
#endif

/* pw_heap_zalloc: every byte of every block is zero, whatever was handed
   out, written and freed before (blocks from the bins, from a top that
   freed blocks joined, from a top that realloc() moved, from new segments);
   with `zeroed`, the region starts zero and the heap may skip fresh bytes,
   without, it starts as garbage and every byte must be cleared. */
static void test_zalloc(int zeroed) {
  const size_t size = 48u << 20;
  region r = {region_alloc(size), size, 0, 1, 7, 0};
  if (r.base == NULL) return;
  memset(r.base, zeroed ? 0 : 0xcd, size);
  pw_heap h = heap_on(&r);
  h.more_zeroed = zeroed;
  uint64_t s = zeroed ? 11 : 12;
  enum { SLOTS = 128 };
  unsigned char *live[SLOTS] = {0};
  size_t len[SLOTS] = {0};
  size_t nonzero = 0, checked = 0;
  /* a block from the top, dirtied and freed back into it, then zalloc'ed again */
  for (size_t n = 1; n <= (4u << 20); n = n * 3 + 1) {
    unsigned char *a = pw_heap_malloc(&h, n);
    CHECK(a != NULL, "malloc(%zu)", n);
    if (a == NULL) break;
    memset(a, 0xab, n);
    unsigned char *b = pw_heap_realloc(&h, a, n + 100000); /* grows into the top */
    CHECK(b != NULL, "realloc(%zu)", n + 100000);
    if (b == NULL) break;
    memset(b, 0xab, n + 100000);
    pw_heap_free(&h, b);
    unsigned char *z = pw_heap_zalloc(&h, n + 100000);
    CHECK(z != NULL, "zalloc(%zu)", n + 100000);
    if (z == NULL) break;
    for (size_t i = 0; i < n + 100000; i++) nonzero += z[i] != 0;
    checked += n + 100000;
    memset(z, 0xab, n + 100000);
    pw_heap_free(&h, z);
  }
  for (int op = 0; op < 40000; op++) {
    unsigned k = (unsigned)below(&s, SLOTS);
    if (live[k]) {
      pw_heap_free(&h, live[k]);
      live[k] = NULL;
      continue;
    }
    size_t n = below(&s, 8) == 0 ? (size_t)below(&s, 1u << 20) + 1 : (size_t)below(&s, 2000) + 1;
    unsigned how = (unsigned)below(&s, 4);
    unsigned char *p = how == 0 ? pw_heap_malloc(&h, n) : how == 1 ? pw_heap_memalign(&h, 64, n) : pw_heap_zalloc(&h, n);
    if (p == NULL) continue; /* full: frees follow */
    if (how >= 2) {
      for (size_t i = 0; i < n; i++) nonzero += p[i] != 0;
      checked += n;
    }
    memset(p, 0xab, n);
    live[k] = p;
    len[k] = n;
    if (op % 5000 == 0) CHECK_HEAP(&h, "zalloc, op %d", op);
  }
  CHECK(nonzero == 0, "zalloc (%s region): %zu of %zu bytes not zero", zeroed ? "zeroed" : "garbage", nonzero, checked);
  CHECK(checked > (100u << 20), "zalloc: only %zu bytes checked", checked);
  for (int k = 0; k < SLOTS; k++) pw_heap_free(&h, live[k]);
  CHECK_HEAP(&h, "zalloc, end");
  (void)len;
  region_free(r.base, size);
}

int main(void) {
  test_realloc_memalign();
  test_zalloc(1);
  test_zalloc(0);
  stress("stress", 256u << 20, 0, 200000, 1u << 20, 3);
  stress("stress, odd start", 256u << 20, 0, 100000, 1u << 20, 1);
  stress("stress with gaps", 256u << 20, 1, 100000, 1u << 20, 2);
  stress("stress, small region", 4u << 20, 0, 100000, 64u << 10, 6); /* often full */
  test_limits(64u << 20);
#if defined(HAVE_MMAP) && SIZE_MAX > 0xffffffffu
  test_limits(((size_t)4 << 30) - 65536); /* the wasm32 limit, natively (reserved, not touched) */
#elif defined(HAVE_MMAP)
  test_limits((size_t)1 << 30);
#else
  test_limits((size_t)768 << 20);
#endif
#ifdef PW_TEST_SBRK
  test_sbrk();
#endif
  return test_summary("test_alloc");
}
