/*
 * alloc.c — parawasm's heap allocator: malloc() and its family for the wasm
 * builds (PW_REPLACE_MALLOC, linked with -sMALLOC=none), on top of a
 * pw_heap (alloc.h) that the native tests also run on regions of their own.
 *
 * Why not Emscripten's dlmalloc. In 3.1.6, dlmalloc asks sbrk() for
 * (request - free space at the top) bytes in one call, and refuses any
 * such call of 2 GiB or more (HALF_MAX_SIZE_T: sbrk takes a signed
 * 32-bit increment). Worse, a refused or failed sbrk() switches it for
 * good to its "non-contiguous" mode, in which every growth asks for the
 * whole request again, also capped at 2 GiB. So on a fresh heap one
 * allocation of 2 GiB or more failed ("heap is full", 64 MiB in use of
 * 4 GiB); after the heap had grown in smaller steps it worked; and one
 * allocation that really did not fit made later ones fail that fit. The
 * largest possible allocation depended on what had been tried before.
 *
 * What this allocator guarantees instead:
 *  - growth asks for exactly what the top of the heap lacks, rounded up to
 *    64 KiB (or exact, if the rounded amount is not there), in one step of
 *    any size up to the 4 GiB limit;
 *  - a failure changes nothing: the heap is as it was, and every later
 *    request that fits succeeds;
 *  - the largest allocation on a fresh heap is a fixed function of where
 *    the heap starts (4 GiB - 64 KiB minus what the runtime allocated at
 *    start-up, minus 64 bytes of bookkeeping), whatever was tried before.
 *
 * Layout (dlmalloc's boundary tags, written anew). Memory is a sequence of
 * chunks, each a multiple of 16 bytes. A chunk starts with two words:
 * prev_foot (the size of the previous chunk, valid only when that one is
 * free) and head (its own size, CINUSE if handed out, PINUSE if the
 * previous chunk is). The payload follows, 16-byte aligned; a chunk in use
 * also owns the next chunk's prev_foot word, so its overhead is one word.
 * A free chunk keeps two list links in its payload and its size in the next
 * chunk's prev_foot, so that freeing joins it with free neighbours in O(1):
 * no two free chunks are ever adjacent.
 *
 * Free chunks sit in 152 bins: exact sizes below 1 KiB (16-byte steps),
 * then four bins per power of two. malloc takes an exact small bin, else
 * the best fit in the request's own bin, else any chunk of the next
 * non-empty bin (a bitmap finds it), else the top: the free chunk at the
 * end of the heap, which grows through `more` and always keeps at least
 * one least chunk (so that its header can be written). Memory obtained
 * that does not follow the top (another user of sbrk took some in between)
 * starts a new segment: the old top is closed by a fence (an in-use chunk
 * that is never freed) and goes to the bins. Each segment begins with a
 * small record chunk (its end, the previous segment), which lets
 * pw_heap_check() walk every chunk.
 *
 * Threads: the heap itself takes no lock; the malloc() family below holds
 * one mutex around each call (the critical sections are short: a bin
 * operation or a growth step).
 */
#include "alloc.h"

#include <string.h>

#define W sizeof(size_t)
#define ALIGN ((size_t)16)
#define PINUSE ((size_t)1)
#define CINUSE ((size_t)2)
#define FLAGS (PINUSE | CINUSE)
#define HDR (2 * W)                 /* chunk start to payload */
#define GROW_STEP ((size_t)64 << 10) /* growth is rounded up to this, if it can be */

typedef struct pw_chunk {
  size_t prev_foot;       /* size of the previous chunk when it is free */
  size_t head;            /* size | CINUSE | PINUSE */
  struct pw_chunk *fd;    /* free chunks only: the next in its bin */
  struct pw_chunk *bk;    /*                   the previous in its bin */
} pw_chunk;

/* The least chunk: a free chunk's header and links. */
#define MIN_CHUNK ((sizeof(pw_chunk) + ALIGN - 1) & ~(ALIGN - 1))
/* The largest request: its chunk, plus a least chunk and a growth step,
   stays below SIZE_MAX. */
#define MAX_REQUEST (SIZE_MAX - GROW_STEP - 8 * ALIGN)

/* What a segment's record chunk holds (its payload). */
typedef struct {
  pw_chunk *prev; /* the previous segment's record, or NULL */
  char *end;      /* where the segment ends (for the newest: the top's end) */
} seg_record;

_Static_assert(sizeof(seg_record) <= MIN_CHUNK - W, "a segment record fits in a least chunk");

/* ---------------------------------------------------------------------- */
/* Chunks                                                                 */
/* ---------------------------------------------------------------------- */

static inline size_t csize(const pw_chunk *c) { return c->head & ~FLAGS; }
static inline pw_chunk *at(const void *base, size_t off) { return (pw_chunk *)((char *)base + off); }
static inline pw_chunk *before(const void *base, size_t off) { return (pw_chunk *)((char *)base - off); }
static inline void *mem_of(pw_chunk *c) { return (char *)c + HDR; }
static inline pw_chunk *chunk_of(const void *p) { return (pw_chunk *)((char *)p - HDR); }
static inline seg_record *record_of(pw_chunk *r) { return (seg_record *)mem_of(r); }

/* Chunk size for a request of n bytes (0 when n is too large). */
static size_t request_size(size_t n) {
  if (n > MAX_REQUEST) return 0;
  size_t s = (n + W + ALIGN - 1) & ~(ALIGN - 1);
  return s < MIN_CHUNK ? MIN_CHUNK : s;
}

/* ---------------------------------------------------------------------- */
/* Bins                                                                   */
/* ---------------------------------------------------------------------- */

static unsigned bin_of(size_t s) {
  if (s < 1024) return (unsigned)(s >> 4);
  unsigned k = 63u - (unsigned)__builtin_clzll((unsigned long long)s); /* 2^k <= s */
  if (k > 31) return PW_HEAP_BINS - 1;
  return PW_HEAP_SMALL_BINS + (k - 10) * 4 + (unsigned)((s >> (k - 2)) & 3);
}

static void insert(pw_heap *h, pw_chunk *c, size_t s) {
  unsigned b = bin_of(s);
  c->fd = h->bins[b];
  c->bk = NULL;
  if (c->fd) c->fd->bk = c;
  h->bins[b] = c;
  h->map[b / 32] |= UINT32_C(1) << (b % 32);
}

static void unlink_chunk(pw_heap *h, pw_chunk *c, size_t s) {
  unsigned b = bin_of(s);
  if (c->bk) c->bk->fd = c->fd;
  else h->bins[b] = c->fd;
  if (c->fd) c->fd->bk = c->bk;
  if (h->bins[b] == NULL) h->map[b / 32] &= ~(UINT32_C(1) << (b % 32));
}

/* The first non-empty bin after b, or PW_HEAP_BINS. */
static unsigned next_bin(const pw_heap *h, unsigned b) {
  for (unsigned i = b + 1; i < PW_HEAP_BINS;) {
    uint32_t m = h->map[i / 32] >> (i % 32);
    if (m) return i + (unsigned)__builtin_ctz(m);
    i = (i / 32 + 1) * 32;
  }
  return PW_HEAP_BINS;
}

/* A free chunk of at least s bytes, taken out of its bin; NULL if none. */
static pw_chunk *take_fit(pw_heap *h, size_t s) {
  unsigned b = bin_of(s);
  pw_chunk *best = NULL;
  if (b < PW_HEAP_SMALL_BINS) {
    best = h->bins[b]; /* exact size */
  } else {
    size_t best_size = 0;
    for (pw_chunk *c = h->bins[b]; c; c = c->fd) {
      size_t cs = csize(c);
      if (cs >= s && (best == NULL || cs < best_size)) {
        best = c;
        best_size = cs;
        if (cs == s) break;
      }
    }
  }
  if (best == NULL) {
    unsigned nb = next_bin(h, b);
    if (nb == PW_HEAP_BINS) return NULL;
    best = h->bins[nb]; /* every chunk there is larger than s */
  }
  unlink_chunk(h, best, csize(best));
  return best;
}

/* Marks the free chunk c of cs bytes (out of its bin) in use with s of them;
   the rest, if it can be a chunk, goes back to the bins. */
static void *use(pw_heap *h, pw_chunk *c, size_t cs, size_t s) {
  if (cs - s >= MIN_CHUNK) {
    pw_chunk *r = at(c, s);
    c->head = s | PINUSE | CINUSE;
    r->head = (cs - s) | PINUSE;
    at(r, cs - s)->prev_foot = cs - s;
    insert(h, r, cs - s);
  } else {
    c->head = cs | PINUSE | CINUSE;
    at(c, cs)->head |= PINUSE;
    s = cs;
  }
  h->in_use += s;
  return mem_of(c);
}

/* Returns the chunk c of s bytes, whose previous chunk is in use (c->head
   says whether), to the free chunks: joins its free neighbours and the top. */
static void release(pw_heap *h, pw_chunk *c, size_t s) {
  if (!(c->head & PINUSE)) {
    size_t ps = c->prev_foot;
    c = before(c, ps);
    unlink_chunk(h, c, ps);
    s += ps;
  }
  pw_chunk *n = at(c, s);
  if (n == h->top) {
    h->top = c;
    h->top_size += s;
    c->head = h->top_size | PINUSE;
    return;
  }
  if (!(n->head & CINUSE)) {
    size_t ns = csize(n);
    unlink_chunk(h, n, ns);
    s += ns;
    n = at(c, s);
  }
  c->head = s | PINUSE;
  n->prev_foot = s;
  n->head &= ~PINUSE;
  insert(h, c, s);
}

/* ---------------------------------------------------------------------- */
/* The top and growth                                                     */
/* ---------------------------------------------------------------------- */

/* Closes the newest segment: its top becomes a free chunk followed by a
   fence (or, if too small for that, all fence). */
static void close_segment(pw_heap *h) {
  pw_chunk *t = h->top;
  size_t ts = h->top_size; /* >= MIN_CHUNK >= ALIGN */
  char *end = (char *)t + ts;
  if (ts - ALIGN >= MIN_CHUNK) {
    pw_chunk *fence = before(end, ALIGN);
    t->head = (ts - ALIGN) | PINUSE;
    fence->prev_foot = ts - ALIGN;
    fence->head = ALIGN | CINUSE;
    insert(h, t, ts - ALIGN);
  } else {
    t->head = ts | PINUSE | CINUSE;
  }
  record_of(h->segs)->end = end;
  h->top = NULL;
  h->top_size = 0;
}

/* Starts a segment in the `got` bytes at q; false if they are too few. */
static int open_segment(pw_heap *h, char *q, size_t got) {
  /* the first chunk's payload must be 16-byte aligned */
  uintptr_t a = (uintptr_t)q, c0 = ((a + HDR + ALIGN - 1) & ~(uintptr_t)(ALIGN - 1)) - HDR;
  size_t skip = (size_t)(c0 - a);
  if (got < skip || (got - skip) / ALIGN * ALIGN < 2 * MIN_CHUNK) return 0;
  size_t usable = (got - skip) / ALIGN * ALIGN;
  if (h->top) close_segment(h);
  pw_chunk *r = (pw_chunk *)c0; /* the segment's record, never freed */
  r->head = MIN_CHUNK | PINUSE | CINUSE;
  record_of(r)->prev = h->segs;
  record_of(r)->end = NULL;
  h->segs = r;
  h->seg_end = q + got;
  h->top = at(r, MIN_CHUNK);
  h->top_size = usable - MIN_CHUNK;
  h->top->head = h->top_size | PINUSE;
  h->clean = (char *)mem_of(h->top);
  return 1;
}

/* Makes the top at least `want` bytes (a multiple of 16, at least the least
   chunk). False, with the heap unchanged but for a new segment's memory,
   when `more` has no more to give. */
static int grow(pw_heap *h, size_t want) {
  while (h->top == NULL || h->top_size < want) {
    /* bytes that must follow the top; a new segment also aligns its start
       and writes its record */
    size_t need = h->top ? want - h->top_size : want + MIN_CHUNK + 2 * ALIGN;
    size_t rounded = need <= SIZE_MAX - GROW_STEP ? (need + GROW_STEP - 1) / GROW_STEP * GROW_STEP : need;
    size_t got = rounded;
    char *q = h->more(h->more_ctx, rounded);
    if (q == NULL && rounded != need) q = h->more(h->more_ctx, got = need);
    if (q == NULL) return 0;
    h->footprint += got;
    if (h->top && q == h->seg_end) {
      /* the usual case: it follows the segment (and the top, but for the
         few bytes that did not make a multiple of 16) */
      h->top_size = (size_t)(q + got - (char *)h->top) / ALIGN * ALIGN;
      h->top->head = h->top_size | PINUSE;
      h->seg_end = q + got;
    } else if (!open_segment(h, q, got)) {
      continue; /* a sliver too small to use: left aside */
    }
  }
  return 1;
}

/* The top moved up: the bytes below its payload may have been handed out
   or written (its head), those from its payload on have not. */
static void note_top(pw_heap *h) {
  char *p = (char *)mem_of(h->top);
  if (p > h->clean) h->clean = p;
}

/* s bytes from the start of the top (top_size >= s + MIN_CHUNK). */
static void *from_top(pw_heap *h, size_t s) {
  pw_chunk *c = h->top;
  c->head = s | PINUSE | CINUSE;
  h->top = at(c, s);
  h->top_size -= s;
  h->top->head = h->top_size | PINUSE;
  h->in_use += s;
  note_top(h);
  return mem_of(c);
}

/* ---------------------------------------------------------------------- */
/* The interface                                                          */
/* ---------------------------------------------------------------------- */

void *pw_heap_malloc(pw_heap *h, size_t n) {
  size_t s = request_size(n);
  if (s == 0) return NULL;
  pw_chunk *c = take_fit(h, s);
  if (c) return use(h, c, csize(c), s);
  if (!grow(h, s + MIN_CHUNK)) return NULL;
  return from_top(h, s);
}

void *pw_heap_zalloc(pw_heap *h, size_t n) {
  size_t s = request_size(n);
  if (s == 0) return NULL;
  char *p;
  char *dirty_end; /* the block's bytes from here on are zero already */
  pw_chunk *c = take_fit(h, s);
  if (c) {
    p = use(h, c, csize(c), s);
    dirty_end = p + n;
  } else {
    if (!grow(h, s + MIN_CHUNK)) return NULL;
    /* the top's bytes below `clean` may hold old data (freed blocks that
       joined it); the rest is as `more` gave it */
    char *clean = h->clean;
    p = from_top(h, s);
    dirty_end = h->more_zeroed ? clean : p + n;
  }
  if (dirty_end > p) memset(p, 0, (size_t)(dirty_end - p) < n ? (size_t)(dirty_end - p) : n);
  return p;
}

void pw_heap_free(pw_heap *h, void *p) {
  if (p == NULL) return;
  pw_chunk *c = chunk_of(p);
  size_t s = csize(c);
  h->in_use -= s;
  release(h, c, s);
}

/* Cuts the in-use chunk c (cs bytes) down to s bytes, freeing the rest if
   it can be a chunk. */
static void trim(pw_heap *h, pw_chunk *c, size_t cs, size_t s) {
  if (cs - s < MIN_CHUNK) return;
  pw_chunk *r = at(c, s);
  c->head = s | (c->head & PINUSE) | CINUSE;
  r->head = (cs - s) | PINUSE | CINUSE;
  h->in_use -= cs - s;
  release(h, r, cs - s);
}

void *pw_heap_realloc(pw_heap *h, void *p, size_t n) {
  if (p == NULL) return pw_heap_malloc(h, n);
  if (n == 0) {
    pw_heap_free(h, p);
    return NULL;
  }
  size_t s = request_size(n);
  if (s == 0) return NULL;
  pw_chunk *c = chunk_of(p);
  size_t cs = csize(c);
  if (cs >= s) {
    trim(h, c, cs, s);
    return p;
  }
  pw_chunk *next = at(c, cs);
  if (next == h->top && grow(h, s - cs + MIN_CHUNK) && h->top == next) {
    /* the top follows: take what is missing from it */
    h->top_size -= s - cs;
    h->top = at(c, s);
    h->top->head = h->top_size | PINUSE;
    note_top(h);
    c->head = s | (c->head & PINUSE) | CINUSE;
    h->in_use += s - cs;
    return p;
  }
  if (next != h->top && !(next->head & CINUSE) && cs + csize(next) >= s) {
    /* a free chunk follows and is large enough: join it */
    size_t ns = csize(next);
    unlink_chunk(h, next, ns);
    c->head = (cs + ns) | (c->head & PINUSE) | CINUSE;
    at(c, cs + ns)->head |= PINUSE;
    h->in_use += ns;
    trim(h, c, cs + ns, s);
    return p;
  }
  void *q = pw_heap_malloc(h, n);
  if (q == NULL) return NULL;
  memcpy(q, p, cs - W);
  pw_heap_free(h, p);
  return q;
}

void *pw_heap_memalign(pw_heap *h, size_t align, size_t n) {
  if (align == 0 || (align & (align - 1)) != 0) return NULL;
  if (align <= ALIGN) return pw_heap_malloc(h, n);
  size_t s = request_size(n);
  if (s == 0 || s > MAX_REQUEST - MIN_CHUNK || align > MAX_REQUEST - MIN_CHUNK - s) return NULL;
  /* room for an aligned payload after a leading free chunk */
  char *p = pw_heap_malloc(h, s + align + MIN_CHUNK);
  if (p == NULL) return NULL;
  pw_chunk *c = chunk_of(p);
  if ((uintptr_t)p % align != 0) {
    uintptr_t a = ((uintptr_t)p + MIN_CHUNK + align - 1) & ~(uintptr_t)(align - 1);
    size_t lead = (size_t)(a - (uintptr_t)p), cs = csize(c);
    pw_chunk *d = at(c, lead);
    d->head = (cs - lead) | CINUSE; /* the lead is freed just below */
    c->head = lead | (c->head & PINUSE) | CINUSE;
    h->in_use -= lead;
    release(h, c, lead);
    c = d;
    p = mem_of(d);
  }
  trim(h, c, csize(c), s);
  return p;
}

size_t pw_heap_usable(const void *p) { return csize(chunk_of(p)) - W; }

/* ---------------------------------------------------------------------- */
/* Checking (tests)                                                       */
/* ---------------------------------------------------------------------- */

const char *pw_heap_check(const pw_heap *h) {
  size_t free_found = 0, in_use = 0;
  for (pw_chunk *r = h->segs; r; r = record_of(r)->prev) {
    char *end = r == h->segs ? (h->top ? (char *)h->top + h->top_size : NULL) : record_of(r)->end;
    if (end == NULL) return "the newest segment has no top";
    if ((uintptr_t)mem_of(r) % ALIGN) return "a segment record is not aligned";
    if (r->head != (MIN_CHUNK | PINUSE | CINUSE)) return "a segment record is damaged";
    int prev_free = 0;
    pw_chunk *c = at(r, MIN_CHUNK);
    for (;;) {
      if ((char *)c > end) return "a chunk runs past its segment";
      if (c == h->top) {
        if (r != h->segs) return "the top is not in the newest segment";
        if (h->top_size < MIN_CHUNK || h->top_size % ALIGN || csize(c) != h->top_size) return "the top's size is wrong";
        if (!(c->head & PINUSE) || (c->head & CINUSE) || prev_free) return "the top's flags are wrong";
        break;
      }
      size_t s = csize(c);
      if (s % ALIGN || s == 0) return "a chunk size is not a positive multiple of 16";
      if (((c->head & PINUSE) != 0) == prev_free) return "a PINUSE flag disagrees with the previous chunk";
      if ((char *)c + s == end && r != h->segs) { /* the fence */
        if (!(c->head & CINUSE)) return "a segment does not end in an in-use fence";
        break;
      }
      if (s < MIN_CHUNK) return "a chunk is smaller than the least chunk";
      if (c->head & CINUSE) {
        in_use += s;
        prev_free = 0;
      } else {
        if (prev_free) return "two free chunks are adjacent";
        if (at(c, s)->prev_foot != s) return "a free chunk's footer is wrong";
        unsigned b = bin_of(s);
        pw_chunk *x = h->bins[b];
        while (x && x != c) x = x->fd;
        if (x == NULL) return "a free chunk is not in its bin";
        free_found++;
        prev_free = 1;
      }
      c = at(c, s);
    }
  }
  if (h->segs == NULL && (h->top || h->in_use)) return "a heap without segments has a top or chunks in use";
  size_t in_bins = 0;
  for (unsigned b = 0; b < PW_HEAP_BINS; b++) {
    int bit = (h->map[b / 32] >> (b % 32)) & 1;
    if (bit != (h->bins[b] != NULL)) return "the bin map disagrees with the bins";
    pw_chunk *prev = NULL;
    for (pw_chunk *c = h->bins[b]; c; prev = c, c = c->fd) {
      if (c->bk != prev) return "a bin's back link is wrong";
      if ((c->head & CINUSE) || bin_of(csize(c)) != b) return "a bin holds a chunk that does not belong there";
      if (++in_bins > free_found) return "the bins hold more chunks than are free";
    }
  }
  if (in_bins != free_found) return "a free chunk is in no bin";
  if (in_use != h->in_use) return "the in-use count is wrong";
  return NULL;
}

size_t pw_heap_segments(const pw_heap *h) {
  size_t n = 0;
  for (pw_chunk *r = h->segs; r; r = record_of(r)->prev) n++;
  return n;
}

/* ---------------------------------------------------------------------- */
/* malloc() and its family (wasm builds)                                  */
/* ---------------------------------------------------------------------- */

#ifdef PW_REPLACE_MALLOC
#include <errno.h>
#include <stdatomic.h>

#include <emscripten/heap.h>

#ifdef __EMSCRIPTEN_PTHREADS__
#include <pthread.h>
static pthread_mutex_t heap_lock = PTHREAD_MUTEX_INITIALIZER;
#define LOCK() pthread_mutex_lock(&heap_lock)
#define UNLOCK() pthread_mutex_unlock(&heap_lock)
#else
#define LOCK() ((void)0)
#define UNLOCK() ((void)0)
#endif

/* Where static data ends (the linker's symbol): the heap starts there. */
extern unsigned char __heap_base;

/*
 * The heap's end, moved only under heap_lock: memory is grown to cover it
 * (emscripten_resize_heap) up to the build's limit, 4 GiB - 64 KiB.
 * Increments of any size up to that limit are taken in one step.
 */
static uintptr_t heap_end;

static void *grow_memory(void *ctx, size_t bytes) {
  (void)ctx;
  if (heap_end == 0) heap_end = (uintptr_t)&__heap_base;
  size_t max = emscripten_get_heap_max();
  if (heap_end > max || bytes > max - heap_end) return NULL;
  uintptr_t end = heap_end + bytes;
  if (end > emscripten_get_heap_size() && !emscripten_resize_heap(end)) return NULL;
  void *p = (void *)heap_end;
  heap_end = end;
  return p;
}

/* memory.grow gives zeroed pages, and nothing else writes past heap_end */
static pw_heap heap = {.more = grow_memory, .more_zeroed = 1};

void *malloc(size_t n) {
  LOCK();
  void *p = pw_heap_malloc(&heap, n);
  UNLOCK();
  return p;
}

void free(void *p) {
  if (p == NULL) return;
  LOCK();
  pw_heap_free(&heap, p);
  UNLOCK();
}

void *pw__zalloc(size_t n) {
  LOCK();
  void *p = pw_heap_zalloc(&heap, n);
  UNLOCK();
  return p;
}

/* Fresh memory is not cleared again (pw_heap_zalloc). */
void *calloc(size_t count, size_t size) {
  if (size != 0 && count > SIZE_MAX / size) return NULL;
  LOCK();
  void *p = pw_heap_zalloc(&heap, count * size);
  UNLOCK();
  return p;
}

void *realloc(void *p, size_t n) {
  LOCK();
  void *q = pw_heap_realloc(&heap, p, n);
  UNLOCK();
  return q;
}

void *memalign(size_t align, size_t n) {
  LOCK();
  void *p = pw_heap_memalign(&heap, align, n);
  UNLOCK();
  return p;
}

int posix_memalign(void **out, size_t align, size_t n) {
  if (align < sizeof(void *) || (align & (align - 1)) != 0) return EINVAL;
  void *p = memalign(align, n);
  if (p == NULL) return ENOMEM;
  *out = p;
  return 0;
}

void *aligned_alloc(size_t align, size_t n) { return memalign(align, n); }

size_t malloc_usable_size(void *p) { return p ? pw_heap_usable(p) : 0; }

/* The names Emscripten's runtime and musl call directly. */
void *emscripten_builtin_malloc(size_t n) { return malloc(n); }
void emscripten_builtin_free(void *p) { free(p); }
void *emscripten_builtin_memalign(size_t align, size_t n) { return memalign(align, n); }
void *__libc_malloc(size_t n) { return malloc(n); }
void __libc_free(void *p) { free(p); }
void *__libc_calloc(size_t count, size_t size) { return calloc(count, size); }
void *__libc_realloc(void *p, size_t n) { return realloc(p, n); }
#else /* !PW_REPLACE_MALLOC: the system's malloc (native builds) */

#include <stdlib.h>

void *pw__zalloc(size_t n) { return calloc(1, n ? n : 1); }

#endif /* PW_REPLACE_MALLOC */
