/*
 * alloc.h — parawasm's heap allocator (src/runtime/alloc.c), internal.
 *
 * A pw_heap manages memory that it obtains, at its end, from a `morecore`
 * function with sbrk()'s contract. The wasm builds run malloc() and its
 * family on one pw_heap over sbrk() (alloc.c, PW_REPLACE_MALLOC); the
 * native tests run pw_heaps over regions of their own (test/c/test_alloc.c).
 */
#ifndef PW_ALLOC_H
#define PW_ALLOC_H

#include <stddef.h>
#include <stdint.h>

/*
 * Returns the start of `bytes` new bytes of memory, or NULL when there are
 * none. The memory usually follows the previous result (a contiguous
 * heap), but need not: another user of the same source may have taken
 * memory in between.
 */
typedef void *(*pw_morecore_fn)(void *ctx, size_t bytes);

/* Size classes of free chunks: 63 of exact sizes below 1 KiB, then four a
   power of two up to 2^32 (larger chunks share the last class). */
#define PW_HEAP_SMALL_BINS 64
#define PW_HEAP_BINS (PW_HEAP_SMALL_BINS + 4 * 22)

struct pw_chunk;

/* A heap. Zero-initialise it and set `more` (and `more_ctx`); no other setup. */
typedef struct pw_heap {
  pw_morecore_fn more;
  void *more_ctx;
  struct pw_chunk *segs; /* the newest segment's record (NULL: none yet) */
  struct pw_chunk *top;  /* the free chunk at the end of the newest segment (NULL: none yet) */
  size_t top_size;       /* its size in bytes (0 or at least the least chunk) */
  char *seg_end;         /* where the newest segment's memory ends (the top ends up to 15 bytes before) */
  size_t footprint;      /* bytes obtained from `more` */
  size_t in_use;         /* bytes of chunks handed out, headers included */
  uint32_t map[(PW_HEAP_BINS + 31) / 32]; /* bit b: bin b is not empty */
  struct pw_chunk *bins[PW_HEAP_BINS];
  /* [clean, seg_end) of the newest segment has never been handed out nor
     written (the allocator writes nothing there either): zero when `more`
     gives zeroed memory (more_zeroed), as wasm's memory.grow does */
  char *clean;
  int more_zeroed;
} pw_heap;

/* malloc: n bytes, 16-byte aligned; NULL when they do not fit. */
void *pw_heap_malloc(pw_heap *h, size_t n);
/* free: p from this heap, or NULL. */
void pw_heap_free(pw_heap *h, void *p);
/* realloc: keeps the first min(old, n) bytes; n 0 frees p and returns NULL. */
void *pw_heap_realloc(pw_heap *h, void *p, size_t n);
/* memalign: n bytes at a multiple of `align` (a power of two); NULL otherwise. */
void *pw_heap_memalign(pw_heap *h, size_t align, size_t n);
/*
 * calloc(1, n) without writing memory that is zero already: with
 * `more_zeroed` set, only the part of the block that was handed out or
 * written before is cleared, so that a block of fresh memory (a large
 * allocation that grew the heap) costs address space, not a pass over its
 * bytes. NULL when n bytes do not fit.
 */
void *pw_heap_zalloc(pw_heap *h, size_t n);

/* Zero-filled allocation for JS (pw_alloc_zeroed): the wasm builds' heap
   through pw_heap_zalloc; calloc() elsewhere. */
void *pw__zalloc(size_t n);

/* Bytes usable at p (n or a little more). */
size_t pw_heap_usable(const void *p);

/*
 * Walks the whole heap and checks every invariant (sizes, flags, footers,
 * no two free neighbours, the bins hold exactly the free chunks, the map,
 * the counters). Returns NULL when all hold, else a description of the
 * first that does not. For tests: its time grows with the heap.
 */
const char *pw_heap_check(const pw_heap *h);

/* Segments of the heap: 1 while `more` gave contiguous memory (tests). */
size_t pw_heap_segments(const pw_heap *h);

#endif /* PW_ALLOC_H */
