/*
 * select.c — k-th element, quantiles and top-k without a full sort
 * (parawasm/array.h), on the keys of internal.h.
 *
 * Radix selection. The ranks wanted (one for kth, two per quantile, one
 * for top-k's threshold) are found together:
 *   1. one pass finds the smallest and largest key: the window [lo, hi];
 *   2. one pass counts the keys in 2048 equal buckets of the window
 *      (bucket = (key - lo) >> shift), per block of the array, in
 *      parallel; the cumulative counts say which bucket holds each rank;
 *   3. one pass copies the keys of just those buckets into scratch, each
 *      bucket to its own segment (each block to its own place in it, from
 *      the per-block counts of step 2, so no two threads write one word);
 *   4. each segment is a new, smaller problem whose window is its bucket:
 *      small segments are sorted, larger ones go back to step 2.
 * Buckets that split the window evenly (rather than by leading key bits)
 * adapt to skewed data, such as doubles in [0, 1) whose top 12 key bits
 * hardly vary: the first histogram already splits them 2048 ways. Each
 * round narrows a segment's window 2048-fold, so a 64-bit key needs at
 * most 6 rounds, and random data about 2 passes over the input plus work
 * on a few thousand keys. A bucket of one key (a window narrower than
 * 2048 keys: always for 8-bit elements) answers its ranks without a copy.
 * A bucket holding more than half of the window (many equal keys, or a
 * cluster among outliers) is never copied: its ranks are found by
 * narrowing the window to it, at the cost of another read pass (the
 * other ranks' buckets are copied as usual); when the ranks' other
 * buckets hold more than half of the window between them, the window is
 * copied and sorted.
 *
 * Scratch: the copied segments, at most n / 2 keys at the first round and
 * at most the window at each later one (at most about 2n keys in all, in
 * the copy-and-sort case), plus 2048 counters per block.
 *
 * Top-k: the threshold key t of rank k - 1 in the order asked for (keys
 * with NaNs made one, so NaN is last both ways), then every (key, index)
 * below t and the first k - below of those equal to t (in index order,
 * block by block) are collected and the k pairs sorted stably. For small
 * k (k * blocks <= n / 4) each block collects into its own regions of k
 * pairs in one pass (fewer than k keys lie below t, and no block needs
 * more than k ties); otherwise one pass counts per block and a second
 * copies to the places the counts give.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define SEL_BITS 11
#define SEL_BUCKETS (1u << SEL_BITS)
/* counters between blocks: SEL_BUCKETS padded (pwa_padded: no shared cache line) */
#define SEL_STRIDE pwa_padded(SEL_BUCKETS, sizeof(size_t))
/* Windows of at most this many keys, once copied, are sorted. */
#define SEL_SORT_MAX ((size_t)1 << 15)
#define SEL_MIN_BLOCK ((size_t)1 << 16)
/* Quantile calls with more ranks than this sort a copy of the keys. */
#define SEL_MAX_RANKS 128
/* at most this many elements: selection by sorting a copy (pwa_select_keys) */
#define SEL_SMALL ((size_t)256)

typedef struct {
  const void *src;
  size_t n, nb;
  int mode;
  uint64_t lo, span; /* the window is [lo, lo + span] */
  unsigned shift;
  size_t *hist;       /* nb x SEL_STRIDE counts */
  const int32_t *slot; /* bucket -> segment, or -1 */
  size_t *pos;        /* nb x pstride write positions */
  size_t nslots, pstride; /* pstride: nslots padded (pwa_padded) */
  void *out;          /* copied keys (uint<W>_t) */
  size_t cap;         /* ... room for this many (compaction writes stay below it) */
  /* top-k */
  uint64_t t;
  size_t *below, *equal, *take; /* per block */
  uint32_t *idx;
  size_t nbelow;
} sel_ctx;

#define SEL_DEFINE(W, UT)                                                      \
  PW_INLINE void sel_minmax_##W##_m(const UT *x, size_t b, size_t e,           \
                                   uint64_t *mm, int mode) {                   \
    UT lo = (UT)mm[0], hi = (UT)mm[1];                                         \
    for (size_t i = b; i < e; i++) {                                           \
      UT k = pwa_key##W(x[i], mode);                                           \
      lo = k < lo ? k : lo;                                                    \
      hi = k > hi ? k : hi;                                                    \
    }                                                                          \
    mm[0] = lo;                                                                \
    mm[1] = hi;                                                                \
  }                                                                            \
  static void sel_minmax_##W(void *p, size_t b, size_t e, void *partial) {     \
    sel_ctx *c = p;                                                            \
    const UT *x = c->src;                                                      \
    uint64_t *mm = partial;                                                    \
    PWA_MODE_SWITCH(c->mode, SEL_MM_CALL_##W)                                  \
  }                                                                            \
  PW_INLINE void sel_hist_##W##_m(const UT *x, size_t b, size_t e, size_t *h,  \
                                 UT lo, UT span, unsigned shift, int mode) {   \
    PWA_STRIPS(s_, t_, b, e) for (size_t i = s_; i < t_; i++) {                \
      UT d = (UT)(pwa_key##W(x[i], mode) - lo);                                \
      if (d <= span) h[d >> shift]++;                                          \
    }                                                                          \
  }                                                                            \
  static void sel_hist_##W(void *p, size_t b0, size_t b1) {                    \
    sel_ctx *c = p;                                                            \
    for (size_t blk = b0; blk < b1; blk++) {                                   \
      size_t b, e, *h = c->hist + blk * SEL_STRIDE;                           \
      pwa_block(c->n, c->nb, blk, &b, &e);                                     \
      memset(h, 0, SEL_BUCKETS * sizeof *h);                                   \
      const UT *x = c->src;                                                    \
      UT lo = (UT)c->lo, span = (UT)c->span;                                   \
      unsigned shift = c->shift;                                               \
      PWA_MODE_SWITCH(c->mode, SEL_HIST_CALL_##W)                              \
    }                                                                          \
  }                                                                            \
  PW_INLINE void sel_compact_##W##_m(const UT *x, size_t b, size_t e, UT *out, \
                                    size_t *pos, const int32_t *slot, UT lo,   \
                                    UT span, unsigned shift, int mode,         \
                                    size_t cap) {                              \
    PWA_STRIPS(s_, t_, b, e) for (size_t i = s_; i < t_; i++) {                \
      UT k = pwa_key##W(x[i], mode), d = (UT)(k - lo);                         \
      if (d <= span) {                                                         \
        int32_t s = slot[d >> shift];                                          \
        if (s >= 0) out[pwa_in_n(pos[s]++, cap)] = k;                          \
      }                                                                        \
    }                                                                          \
  }                                                                            \
  static void sel_compact_##W(void *p, size_t b0, size_t b1) {                 \
    sel_ctx *c = p;                                                            \
    for (size_t blk = b0; blk < b1; blk++) {                                   \
      size_t b, e, *pos = c->pos + blk * c->pstride;                            \
      pwa_block(c->n, c->nb, blk, &b, &e);                                     \
      const UT *x = c->src;                                                    \
      UT *out = c->out;                                                        \
      const int32_t *slot = c->slot;                                           \
      UT lo = (UT)c->lo, span = (UT)c->span;                                   \
      unsigned shift = c->shift;                                               \
      size_t cap = c->cap;                                                     \
      PWA_MODE_SWITCH(c->mode, SEL_COMPACT_CALL_##W)                           \
    }                                                                          \
  }                                                                            \
  /* top-k: counts of keys below and equal to t, per block */                 \
  PW_INLINE void topk_count_##W##_m(const UT *x, size_t b, size_t e, UT t,     \
                                   size_t *below, size_t *equal, int mode) {   \
    size_t lt = 0, eq = 0;                                                     \
    PWA_STRIPS(s_, t_, b, e) for (size_t i = s_; i < t_; i++) {                \
      UT k = pwa_key##W(x[i], mode);                                           \
      lt += k < t;                                                             \
      eq += k == t;                                                            \
    }                                                                          \
    *below = lt;                                                               \
    *equal = eq;                                                               \
  }                                                                            \
  static void topk_count_##W(void *p, size_t b0, size_t b1) {                  \
    sel_ctx *c = p;                                                            \
    for (size_t blk = b0; blk < b1; blk++) {                                   \
      size_t b, e;                                                             \
      pwa_block(c->n, c->nb, blk, &b, &e);                                     \
      const UT *x = c->src;                                                    \
      UT t = (UT)c->t;                                                         \
      size_t *below = &c->below[blk], *equal = &c->equal[blk];                 \
      PWA_MODE_SWITCH(c->mode, TOPK_COUNT_CALL_##W)                            \
    }                                                                          \
  }                                                                            \
  /* top-k: (key, index) of the winners of block blk, into out / idx */       \
  PW_INLINE void topk_copy_##W##_m(const UT *x, size_t b, size_t e, UT t,      \
                                  UT *out, uint32_t *idx, size_t plt,          \
                                  size_t peq, size_t take, int mode,           \
                                  size_t cap) {                                \
    PWA_STRIPS(s_, t_, b, e) for (size_t i = s_; i < t_; i++) {                \
      UT k = pwa_key##W(x[i], mode);                                           \
      if (k < t) {                                                             \
        size_t o = pwa_in_n(plt++, cap);                                       \
        out[o] = k;                                                            \
        idx[o] = (uint32_t)i;                                                  \
      } else if (k == t && take > 0) {                                         \
        size_t o = pwa_in_n(peq++, cap);                                       \
        out[o] = k;                                                            \
        idx[o] = (uint32_t)i;                                                  \
        take--;                                                                \
      }                                                                        \
    }                                                                          \
  }                                                                            \
  static void topk_copy_##W(void *p, size_t b0, size_t b1) {                   \
    sel_ctx *c = p;                                                            \
    for (size_t blk = b0; blk < b1; blk++) {                                   \
      size_t b, e, plt = 0, peq = c->nbelow;                                   \
      pwa_block(c->n, c->nb, blk, &b, &e);                                     \
      for (size_t j = 0; j < blk; j++) {                                       \
        plt += c->below[j];                                                    \
        peq += c->take[j];                                                     \
      }                                                                        \
      const UT *x = c->src;                                                    \
      UT t = (UT)c->t, *out = c->out;                                          \
      uint32_t *idx = c->idx;                                                  \
      size_t take = c->take[blk], cap = c->cap;                                \
      PWA_MODE_SWITCH(c->mode, TOPK_COPY_CALL_##W)                             \
    }                                                                          \
  }

/* top-k in one pass (small k): each block keeps every pair below t and the
   first k equal to t in its own two regions of k pairs */
#define TOPK_COLLECT_DEFINE(W, UT)                                             \
  PW_INLINE void topk_collect_##W##_m(const UT *x, size_t b, size_t e, UT t,   \
                                     UT *lk, uint32_t *li, UT *ek,             \
                                     uint32_t *ei, size_t k, size_t *nl,       \
                                     size_t *ne, int mode) {                   \
    size_t a = 0, q = 0;                                                       \
    PWA_STRIPS(s_, t_, b, e) for (size_t i = s_; i < t_; i++) {                \
      UT key = pwa_key##W(x[i], mode);                                         \
      if (key < t) {                                                           \
        if (a < k) { /* (fewer than k unless x was written meanwhile) */       \
          lk[a] = key;                                                         \
          li[a++] = (uint32_t)i;                                               \
        }                                                                      \
      } else if (key == t && q < k) {                                          \
        ek[q] = key;                                                           \
        ei[q++] = (uint32_t)i;                                                 \
      }                                                                        \
    }                                                                          \
    *nl = a;                                                                   \
    *ne = q;                                                                   \
  }                                                                            \
  static void topk_collect_##W(void *p, size_t b0, size_t b1) {                \
    sel_ctx *c = p;                                                            \
    for (size_t blk = b0; blk < b1; blk++) {                                   \
      size_t b, e, k = c->nbelow;                                              \
      pwa_block(c->n, c->nb, blk, &b, &e);                                     \
      const UT *x = c->src;                                                    \
      UT t = (UT)c->t, *lk = (UT *)c->out + blk * k, *ek = (UT *)c->out + (c->nb + blk) * k; \
      uint32_t *li = c->idx + blk * k, *ei = c->idx + (c->nb + blk) * k;        \
      size_t *nl = &c->below[blk], *ne = &c->equal[blk];                       \
      PWA_MODE_SWITCH(c->mode, TOPK_COLLECT_CALL_##W)                          \
    }                                                                          \
  }
#define TOPK_COLLECT_CALL_8(m) topk_collect_8_m(x, b, e, t, lk, li, ek, ei, k, nl, ne, m)
#define TOPK_COLLECT_CALL_16(m) topk_collect_16_m(x, b, e, t, lk, li, ek, ei, k, nl, ne, m)
#define TOPK_COLLECT_CALL_32(m) topk_collect_32_m(x, b, e, t, lk, li, ek, ei, k, nl, ne, m)
#define TOPK_COLLECT_CALL_64(m) topk_collect_64_m(x, b, e, t, lk, li, ek, ei, k, nl, ne, m)
TOPK_COLLECT_DEFINE(8, uint8_t)
TOPK_COLLECT_DEFINE(16, uint16_t)
TOPK_COLLECT_DEFINE(32, uint32_t)
TOPK_COLLECT_DEFINE(64, uint64_t)

#define SEL_MM_CALL_8(m) sel_minmax_8_m(x, b, e, mm, m)
#define SEL_MM_CALL_16(m) sel_minmax_16_m(x, b, e, mm, m)
#define SEL_MM_CALL_32(m) sel_minmax_32_m(x, b, e, mm, m)
#define SEL_MM_CALL_64(m) sel_minmax_64_m(x, b, e, mm, m)
#define SEL_HIST_CALL_8(m) sel_hist_8_m(x, b, e, h, lo, span, shift, m)
#define SEL_HIST_CALL_16(m) sel_hist_16_m(x, b, e, h, lo, span, shift, m)
#define SEL_HIST_CALL_32(m) sel_hist_32_m(x, b, e, h, lo, span, shift, m)
#define SEL_HIST_CALL_64(m) sel_hist_64_m(x, b, e, h, lo, span, shift, m)
#define SEL_COMPACT_CALL_8(m) sel_compact_8_m(x, b, e, out, pos, slot, lo, span, shift, m, cap)
#define SEL_COMPACT_CALL_16(m) sel_compact_16_m(x, b, e, out, pos, slot, lo, span, shift, m, cap)
#define SEL_COMPACT_CALL_32(m) sel_compact_32_m(x, b, e, out, pos, slot, lo, span, shift, m, cap)
#define SEL_COMPACT_CALL_64(m) sel_compact_64_m(x, b, e, out, pos, slot, lo, span, shift, m, cap)
#define TOPK_COUNT_CALL_8(m) topk_count_8_m(x, b, e, t, below, equal, m)
#define TOPK_COUNT_CALL_16(m) topk_count_16_m(x, b, e, t, below, equal, m)
#define TOPK_COUNT_CALL_32(m) topk_count_32_m(x, b, e, t, below, equal, m)
#define TOPK_COUNT_CALL_64(m) topk_count_64_m(x, b, e, t, below, equal, m)
#define TOPK_COPY_CALL_8(m) topk_copy_8_m(x, b, e, t, out, idx, plt, peq, take, m, cap)
#define TOPK_COPY_CALL_16(m) topk_copy_16_m(x, b, e, t, out, idx, plt, peq, take, m, cap)
#define TOPK_COPY_CALL_32(m) topk_copy_32_m(x, b, e, t, out, idx, plt, peq, take, m, cap)
#define TOPK_COPY_CALL_64(m) topk_copy_64_m(x, b, e, t, out, idx, plt, peq, take, m, cap)

SEL_DEFINE(8, uint8_t)
SEL_DEFINE(16, uint16_t)
SEL_DEFINE(32, uint32_t)
SEL_DEFINE(64, uint64_t)

typedef struct {
  pw_reduce_fn minmax;
  pw_range_fn hist, compact, topk_count, topk_copy;
} sel_fns;

static sel_fns sel_fns_of(int width) {
  switch (width) {
  case 8: return (sel_fns){sel_minmax_8, sel_hist_8, sel_compact_8, topk_count_8, topk_copy_8};
  case 16: return (sel_fns){sel_minmax_16, sel_hist_16, sel_compact_16, topk_count_16, topk_copy_16};
  case 32: return (sel_fns){sel_minmax_32, sel_hist_32, sel_compact_32, topk_count_32, topk_copy_32};
  default: return (sel_fns){sel_minmax_64, sel_hist_64, sel_compact_64, topk_count_64, topk_copy_64};
  }
}

static void minmax_join(void *ctx, void *acc, const void *partial) {
  (void)ctx;
  uint64_t *a = acc;
  const uint64_t *p = partial;
  if (p[0] < a[0]) a[0] = p[0];
  if (p[1] > a[1]) a[1] = p[1];
}

/* Reads key i of a uint<W>_t array as uint64_t. */
static uint64_t key_at(const void *keys, size_t i, int width) {
  switch (width) {
  case 8: return ((const uint8_t *)keys)[i];
  case 16: return ((const uint16_t *)keys)[i];
  case 32: return ((const uint32_t *)keys)[i];
  default: return ((const uint64_t *)keys)[i];
  }
}

/* Index of the highest set bit of v > 0, plus one. */
static unsigned bit_length(uint64_t v) {
  unsigned b = 0;
  while (v) {
    b++;
    v >>= 1;
  }
  return b;
}

static pw_status sel_level(const void *src, size_t n, int width, int mode, uint64_t lo,
                           uint64_t hi, size_t wcount, const uint64_t *ranks, size_t r,
                           uint64_t *out, int owned);

/*
 * Sorts the wcount keys at `keys` (owned scratch) and reads the ranks.
 */
static pw_status sel_sort_pick(void *keys, size_t wcount, int width, const uint64_t *ranks,
                               size_t r, uint64_t *out) {
  void *tmp = pwa_alloc(wcount, (size_t)width / 8);
  if (tmp == NULL) return pwa_nomem(wcount, (size_t)width / 8);
  pw_status s = pwa_sort_keys(keys, tmp, wcount, width);
  free(tmp);
  if (s != PW_OK) return s;
  /* (a rank beyond the keys only when they were written meanwhile: kept inside) */
  for (size_t j = 0; j < r; j++) out[j] = wcount ? key_at(keys, pwa_in_n((size_t)ranks[j], wcount), width) : 0;
  return PW_OK;
}

/*
 * Finds the keys of `ranks` (relative to the window: rank 0 is the
 * smallest key in [lo, hi]) among the keys of src's elements (under mode)
 * that lie in the window; wcount of them do. `owned`: src is scratch of
 * keys (mode PWA_UINT_ASC), all in the window, that may be reordered.
 */
static pw_status sel_level(const void *src, size_t n, int width, int mode, uint64_t lo,
                           uint64_t hi, size_t wcount, const uint64_t *ranks, size_t r,
                           uint64_t *out, int owned) {
  size_t kb = (size_t)width / 8;
  if (r == 0) return PW_OK;
  if (owned && wcount <= SEL_SORT_MAX) return sel_sort_pick((void *)src, wcount, width, ranks, r, out);
  sel_fns f = sel_fns_of(width);
  sel_ctx c;
  memset(&c, 0, sizeof c);
  c.src = src;
  c.n = n;
  c.nb = pwa_blocks(n, SEL_MIN_BLOCK);
  c.mode = mode;
  size_t words = c.nb * SEL_STRIDE + SEL_BUCKETS; /* per block, then the totals */
  c.hist = pwa_alloc(words, sizeof(size_t));
  if (c.hist == NULL) return pwa_nomem(words, sizeof(size_t));
  int32_t *slot = pwa_alloc(SEL_BUCKETS, sizeof *slot);
  uint64_t *rel = pwa_alloc(r, sizeof *rel);
  pw_status s = PW_OK;
  if (slot == NULL || rel == NULL) {
    s = pwa_nomem(SEL_BUCKETS + r, 8);
    goto done;
  }
  memcpy(rel, ranks, r * sizeof *rel);
  for (;;) {
    if (lo == hi) { /* every key in the window is lo */
      for (size_t j = 0; j < r; j++) out[j] = lo;
      goto done;
    }
    uint64_t span = hi - lo;
    unsigned bits = bit_length(span);
    c.shift = bits > SEL_BITS ? bits - SEL_BITS : 0;
    c.lo = lo;
    c.span = span;
    size_t nbkt = (size_t)(span >> c.shift) + 1;
    s = pw_parallel_for(c.nb, 1, f.hist, &c);
    if (s != PW_OK) goto done;
    /* totals, and for each rank its bucket */
    size_t *tot = c.hist + c.nb * SEL_STRIDE;
    for (size_t v = 0; v < nbkt; v++) {
      size_t t = 0;
      for (size_t b = 0; b < c.nb; b++) t += c.hist[b * SEL_STRIDE + v];
      tot[v] = t;
    }
    /*
     * Bucket of each rank. The ranks are non-decreasing but for a step
     * back within a quantile's pair (q = 0.5 twice: r, r + 1, r, r + 1),
     * where the scan starts again; so a run of ranks in one bucket may
     * come back after another bucket's (handled run by run below), while
     * buckets are first met in increasing order.
     */
    size_t *rb = (size_t *)pwa_alloc(r, sizeof *rb);
    if (rb == NULL) {
      s = pwa_nomem(r, sizeof *rb);
      goto done;
    }
    int one_bucket = 1;
    for (size_t j = 0, cum = 0, v = 0; j < r; j++) {
      if (rel[j] < cum) cum = 0, v = 0;
      /* (v stays a bucket: the keys may have been written meanwhile, so
         that the totals fall short of a rank) */
      while (v + 1 < nbkt && cum + tot[v] <= rel[j]) cum += tot[v++];
      rb[j] = v;
      if (v != rb[0]) one_bucket = 0;
    }
    if (c.shift == 0) { /* every bucket is one key, lo + its number: nothing to copy */
      for (size_t j = 0; j < r; j++) out[j] = lo + rb[j];
      free(rb);
      goto done;
    }
    const size_t first_bucket = rb[0];
    if (one_bucket && tot[first_bucket] > wcount / 2 && tot[first_bucket] > SEL_SORT_MAX) {
      /* narrow the window to that bucket, without copying */
      size_t below = 0;
      for (size_t u = 0; u < first_bucket; u++) below += tot[u];
      for (size_t j = 0; j < r; j++) rel[j] -= below;
      uint64_t nlo = lo + ((uint64_t)first_bucket << c.shift);
      uint64_t nhi = nlo + (((uint64_t)1 << c.shift) - 1);
      if (nhi > hi || nhi < nlo) nhi = hi;
      lo = nlo;
      hi = nhi;
      wcount = tot[first_bucket];
      free(rb);
      continue;
    }
    /*
     * A bucket holding more than half of the window (at most one does) is
     * not copied: its ranks are found in it by narrowing the window to it,
     * another read of src (owned 0: src holds keys outside it too). Many
     * equal keys beside a few others (the smallest and largest of a
     * mostly-zero array) cost reads then, not a copy of the array.
     */
    size_t big = SIZE_MAX;
    for (size_t j = 0; j < r && big == SIZE_MAX; j++)
      if (tot[rb[j]] > wcount / 2 && tot[rb[j]] > SEL_SORT_MAX) big = rb[j];
    for (size_t v = 0; v < SEL_BUCKETS; v++) slot[v] = -1;
    size_t nslots = 0, selected = 0;
    for (size_t j = 0; j < r; j++) {
      if (rb[j] != big && slot[rb[j]] < 0) {
        slot[rb[j]] = (int32_t)nslots++;
        selected += tot[rb[j]];
      }
    }
    /* without big, selected <= wcount / 2 (and with it wcount > SEL_SORT_MAX) */
    int whole = selected > wcount / 2 || wcount <= SEL_SORT_MAX;
    if (whole) { /* copy the whole window and sort it */
      for (size_t u = 0; u < nbkt; u++) slot[u] = 0;
      nslots = 1;
      selected = wcount;
    }
    /* segment starts, then per-block positions */
    size_t *seg = pwa_alloc(nslots + 1, sizeof *seg);
    size_t pstride = pwa_padded(nslots, sizeof *c.pos);
    c.pos = pwa_alloc(c.nb * pstride, sizeof *c.pos);
    c.out = pwa_alloc(selected ? selected : 1, kb);
    if (seg == NULL || c.pos == NULL || c.out == NULL) {
      s = pwa_nomem(selected, kb);
    } else {
      /* slots are numbered in bucket order (the ranks are sorted) */
      size_t at = 0, sl = 0;
      for (size_t u = 0; u < nbkt && !whole; u++) {
        if (slot[u] < 0) continue;
        seg[sl] = at;
        at += tot[u];
        /* each block's share of the bucket, in block order */
        for (size_t b = 0; b < c.nb; b++) {
          c.pos[b * pstride + sl] = seg[sl];
          for (size_t b2 = 0; b2 < b; b2++) c.pos[b * pstride + sl] += c.hist[b2 * SEL_STRIDE + u];
        }
        sl++;
      }
      if (whole) {
        size_t p = 0;
        seg[0] = 0;
        for (size_t b = 0; b < c.nb; b++) {
          c.pos[b * pstride] = p;
          for (size_t u = 0; u < nbkt; u++) p += c.hist[b * SEL_STRIDE + u];
        }
      }
      seg[nslots] = selected;
      c.cap = selected ? selected : 1;
      c.slot = slot;
      c.nslots = nslots;
      c.pstride = pstride;
      if (nslots > 0) s = pw_parallel_for(c.nb, 1, f.compact, &c); /* none: only big's ranks */
      if (s == PW_OK && whole) {
        s = sel_sort_pick(c.out, wcount, width, rel, r, out);
      } else if (s == PW_OK) {
        /* each segment with its ranks, relative to its bucket */
        size_t j = 0;
        while (j < r && s == PW_OK) {
          size_t bkt = rb[j], below = 0, j2 = j;
          for (size_t u = 0; u < bkt; u++) below += tot[u];
          while (j2 < r && rb[j2] == bkt) {
            rel[j2] -= below;
            j2++;
          }
          uint64_t blo = lo + ((uint64_t)bkt << c.shift);
          uint64_t bhi = blo + (((uint64_t)1 << c.shift) - 1);
          if (bhi > hi || bhi < blo) bhi = hi;
          if (bkt == big) { /* not copied: the window narrowed to it, over src again */
            s = sel_level(src, n, width, mode, blo, bhi, tot[bkt], rel + j, j2 - j, out + j, 0);
          } else {
            void *segp = (char *)c.out + seg[(size_t)slot[bkt]] * kb;
            s = sel_level(segp, tot[bkt], width, PWA_UINT_ASC, blo, bhi, tot[bkt], rel + j, j2 - j,
                          out + j, 1);
          }
          j = j2;
        }
      }
    }
    free(seg);
    free(c.pos);
    free(c.out);
    free(rb);
    goto done;
  }
done:
  free(c.hist);
  free(slot);
  free(rel);
  return s;
}

/*
 * Float arrays: the window from the smallest and largest values (the
 * plain min/max loops vectorise, where the unsigned 64-bit key min/max
 * does not in wasm), widened to hold both zeros and every NaN key. The
 * window only has to contain every key; a loose one costs at most a
 * narrowing round.
 */
typedef struct {
  const void *x;
  int width;
} fmm_ctx;

/* partial: {min, max, any NaN, any number} */
static void fmm_body(void *p, size_t b, size_t e, void *partial) {
  fmm_ctx *c = p;
  double *r = partial;
  int nan = 0;
  if (c->width == 32) {
    const float *x = c->x;
    float lo = (float)r[0], hi = (float)r[1];
    for (size_t i = b; i < e; i++) {
      lo = x[i] < lo ? x[i] : lo;
      hi = x[i] > hi ? x[i] : hi;
      nan |= x[i] != x[i];
    }
    r[0] = lo, r[1] = hi;
  } else {
    const double *x = c->x;
    double lo = r[0], hi = r[1];
    for (size_t i = b; i < e; i++) {
      lo = x[i] < lo ? x[i] : lo;
      hi = x[i] > hi ? x[i] : hi;
      nan |= x[i] != x[i];
    }
    r[0] = lo, r[1] = hi;
  }
  if (nan) r[2] = 1;
}
static void fmm_join(void *ctx, void *acc, const void *partial) {
  (void)ctx;
  double *a = acc;
  const double *p = partial;
  a[0] = p[0] < a[0] ? p[0] : a[0];
  a[1] = p[1] > a[1] ? p[1] : a[1];
  a[2] = a[2] != 0 || p[2] != 0;
}

/* The key of a double value v under a float mode, for width 32 or 64. */
static uint64_t fkey_of(double v, int width, int mode) {
  if (width == 32) return pwa_key32(pwa_bits32((float)v), mode);
  return pwa_key64(pwa_bits64(v), mode);
}

static pw_status float_window(const void *x, size_t n, int width, int mode, uint64_t *lo,
                              uint64_t *hi) {
  fmm_ctx c = {x, width};
  double r[3] = {INFINITY, -INFINITY, 0};
  pw_status s = pwa_reduce(n, pw_grain((size_t)width / 8) * 4, sizeof r, fmm_body, fmm_join, &c, r);
  if (s != PW_OK) return s;
  uint64_t all = width == 64 ? UINT64_MAX : UINT32_MAX;
  int desc = mode & 1;
  if (r[0] > r[1]) { /* no number: every element is NaN */
    *lo = 0, *hi = all;
    return PW_OK;
  }
  /* the extreme values' keys, zeros of both signs included */
  double vmin = r[0], vmax = r[1];
  uint64_t kmin = fkey_of(vmin == 0 ? -0.0 : vmin, width, mode);
  uint64_t kmax = fkey_of(vmax == 0 ? 0.0 : vmax, width, mode);
  /* descending keys reverse the numbers (NaN keys stay on top) */
  *lo = desc ? kmax : kmin;
  *hi = desc ? kmin : kmax;
  if (r[2] != 0) *hi = all; /* NaN keys lie above every number's */
  return PW_OK;
}

/*
 * The keys (under mode) of the elements of ranks `ranks` among all n of x:
 * a sorted copy of the keys, read at the ranks.
 */
/* The keys of x's n elements under mode, into k (n keys of width bits). */
static void keys_of(const void *x, size_t n, int width, int mode, void *k) {
  for (size_t i = 0; i < n; i++) {
    switch (width) {
    case 8: ((uint8_t *)k)[i] = pwa_key8(((const uint8_t *)x)[i], mode); break;
    case 16: ((uint16_t *)k)[i] = pwa_key16(((const uint16_t *)x)[i], mode); break;
    case 32: ((uint32_t *)k)[i] = pwa_key32(((const uint32_t *)x)[i], mode); break;
    default: ((uint64_t *)k)[i] = pwa_key64(((const uint64_t *)x)[i], mode); break;
    }
  }
}

/*
 * At most SEL_SMALL elements, the scratch of sort_pick and small_topk is
 * on the stack (8 KiB at most): a small call then takes no lock of the
 * heap, which the pool's threads and the JS thread share, and pays no
 * malloc and free (pool.array.topk of 64 doubles made five of each).
 */
static pw_status sort_pick(const void *x, size_t n, int width, int mode, const uint64_t *ranks,
                           size_t r, uint64_t *out) {
  size_t kb = (size_t)width / 8;
  uint64_t stack[2 * SEL_SMALL];
  int small = n <= SEL_SMALL;
  void *k = small ? (void *)stack : pwa_alloc(n, kb);
  void *tmp = small ? (void *)(stack + SEL_SMALL) : pwa_alloc(n, kb);
  pw_status s = PW_OK;
  if (k == NULL || tmp == NULL) {
    s = pwa_nomem(n, 2 * kb);
  } else {
    keys_of(x, n, width, mode, k);
    s = pwa_sort_keys(k, tmp, n, width);
    if (s == PW_OK)
      for (size_t j = 0; j < r; j++) out[j] = key_at(k, (size_t)ranks[j], width);
  }
  if (!small) {
    free(k);
    free(tmp);
  }
  return s;
}

pw_status pwa_select_keys(const void *x, size_t n, int width, int mode, const uint64_t *ranks,
                          size_t r, uint64_t *out) {
  if (r == 0 || n == 0) return PW_OK;
  /* few elements: a sorted copy (the bucket passes below cost their
     histograms, SEL_BUCKETS words each, more than sorting this many) */
  if (n <= SEL_SMALL) return sort_pick(x, n, width, mode, ranks, r, out);
  uint64_t lo, hi;
  pw_status s;
  if (mode >= PWA_FLOAT_ASC) {
    s = float_window(x, n, width, mode, &lo, &hi);
  } else {
    sel_ctx c;
    memset(&c, 0, sizeof c);
    c.src = x;
    c.mode = mode;
    uint64_t mm[2] = {width == 64 ? UINT64_MAX : (UINT64_C(1) << width) - 1, 0};
    s = pwa_reduce(n, pw_grain((size_t)width / 8) * 4, sizeof mm, sel_fns_of(width).minmax,
                   minmax_join, &c, mm);
    lo = mm[0], hi = mm[1];
  }
  if (s != PW_OK) return s;
  return sel_level(x, n, width, mode, lo, hi, n, ranks, r, out, 0);
}

/* ------------------------------------------------------------------------ */
/* kth, quantiles                                                           */
/* ------------------------------------------------------------------------ */

static pw_status kth_any(const void *x, size_t n, size_t k, void *value, int width, int kind) {
  if (k >= n)
    return pw_fail(PW_ERANGE, "k (%.0f) must be less than the length of x (%.0f)", (double)k,
                   (double)n);
  int mode = kind * 2; /* ascending; NaNs keep their keys: value keeps its bits */
  uint64_t rank = k, key = 0;
  pw_status s = pwa_select_keys(x, n, width, mode, &rank, 1, &key);
  if (s != PW_OK) return s;
  switch (width) {
  case 8: *(uint8_t *)value = pwa_unkey8((uint8_t)key, mode); break;
  case 16: *(uint16_t *)value = pwa_unkey16((uint16_t)key, mode); break;
  case 32: *(uint32_t *)value = pwa_unkey32((uint32_t)key, mode); break;
  default: *(uint64_t *)value = pwa_unkey64(key, mode); break;
  }
  return PW_OK;
}

/* Number of NaNs (x != x) of a float array. */
typedef struct {
  const void *x;
  int width;
} nan_ctx;

static void nan_count_body(void *p, size_t b, size_t e, void *partial) {
  nan_ctx *c = p;
  uint64_t cnt = 0;
  if (c->width == 32) {
    const float *x = c->x;
    for (size_t i = b; i < e; i++) cnt += x[i] != x[i];
  } else {
    const double *x = c->x;
    for (size_t i = b; i < e; i++) cnt += x[i] != x[i];
  }
  *(uint64_t *)partial += cnt;
}

static void u64_join(void *ctx, void *acc, const void *partial) {
  (void)ctx;
  *(uint64_t *)acc += *(const uint64_t *)partial;
}

/* The double value of an ascending key of the given kind and width. */
static double key_value(uint64_t key, int width, int kind) {
  int mode = kind * 2;
  switch (width) {
  case 8: {
    uint8_t b = pwa_unkey8((uint8_t)key, mode);
    return kind == PWA_SINT ? (double)(int8_t)b : (double)b;
  }
  case 16: {
    uint16_t b = pwa_unkey16((uint16_t)key, mode);
    return kind == PWA_SINT ? (double)(int16_t)b : (double)b;
  }
  case 32: {
    uint32_t b = pwa_unkey32((uint32_t)key, mode);
    if (kind == PWA_FLOAT) return (double)pwa_f32(b);
    return kind == PWA_SINT ? (double)(int32_t)b : (double)b;
  }
  default: {
    uint64_t b = pwa_unkey64(key, mode);
    if (kind == PWA_FLOAT) return pwa_f64(b);
    return kind == PWA_SINT ? (double)(int64_t)b : (double)b;
  }
  }
}

static pw_status quantiles_any(const void *x, size_t n, const double *q, size_t m, double *value,
                               int width, int kind) {
  for (size_t j = 0; j < m; j++) {
    if (!(q[j] >= 0.0 && q[j] <= 1.0))
      return pw_fail(PW_ERANGE, "q[%.0f] = %g is outside [0, 1]", (double)j, q[j]);
  }
  if (m == 0) return PW_OK;
  uint64_t nans = 0;
  if (kind == PWA_FLOAT) {
    nan_ctx nc = {x, width};
    pw_status s = pwa_reduce(n, pw_grain((size_t)width / 8) * 4, sizeof nans, nan_count_body,
                             u64_join, &nc, &nans);
    if (s != PW_OK) return s;
  }
  uint64_t cnt = (uint64_t)n - nans;
  if (cnt == 0) {
    for (size_t j = 0; j < m; j++) value[j] = NAN;
    return PW_OK;
  }
  /* two ranks per quantile: floor(h) and floor(h) + 1 (when below cnt) */
  uint64_t *ranks = pwa_alloc(2 * m, sizeof *ranks);
  uint64_t *keys = pwa_alloc(2 * m, sizeof *keys);
  size_t *order = pwa_alloc(m, sizeof *order);
  pw_status s = PW_OK;
  if (ranks == NULL || keys == NULL || order == NULL) {
    s = pwa_nomem(2 * m, 16);
    goto out;
  }
  /* the ranks must be non-decreasing: order the quantiles by q */
  for (size_t j = 0; j < m; j++) order[j] = j;
  for (size_t j = 1; j < m; j++) { /* insertion sort: m is usually small */
    size_t t = order[j], i = j;
    while (i > 0 && q[order[i - 1]] > q[t]) {
      order[i] = order[i - 1];
      i--;
    }
    order[i] = t;
  }
  for (size_t j = 0; j < m; j++) {
    double h = q[order[j]] * (double)(cnt - 1);
    uint64_t r0 = (uint64_t)floor(h);
    if (r0 > cnt - 1) r0 = cnt - 1;
    ranks[2 * j] = r0;
    ranks[2 * j + 1] = r0 + 1 < cnt ? r0 + 1 : r0;
  }
  int mode = kind * 2;
  if (m > SEL_MAX_RANKS / 2) {
    /* many quantiles: sort a copy of the keys once */
    s = sort_pick(x, n, width, mode, ranks, 2 * m, keys);
  } else {
    s = pwa_select_keys(x, n, width, mode, ranks, 2 * m, keys);
  }
  if (s == PW_OK) {
    for (size_t j = 0; j < m; j++) {
      double h = q[order[j]] * (double)(cnt - 1);
      double frac = h - floor(h);
      double a = key_value(keys[2 * j], width, kind);
      double b = key_value(keys[2 * j + 1], width, kind);
      /* equal neighbours give the lower one, as R's type 7 does:
         interpolating between two infinities would give NaN, and between
         two -0 a +0; so does -Inf below a finite value (-Inf + frac * Inf
         is NaN; a finite value below +Inf gives +Inf by the formula).
         Two finite values more than DBL_MAX apart (b - a overflows) give
         a (1 - frac) + b frac, which lies between them */
      double v = frac == 0.0 || a == b || (isinf(a) && !isinf(b)) ? a : a + frac * (b - a);
      if (isinf(v) && !isinf(a) && !isinf(b)) v = a * (1.0 - frac) + b * frac;
      value[order[j]] = v;
    }
  }
out:
  free(ranks);
  free(keys);
  free(order);
  return s;
}

/* ------------------------------------------------------------------------ */
/* Top-k                                                                    */
/* ------------------------------------------------------------------------ */

/* The values of x at indices[0..k) into values (elements of width bits). */
static void gather_values(const void *x, const uint32_t *indices, size_t k, void *values, int width) {
  switch (width) {
  case 8:
    for (size_t i = 0; i < k; i++) ((uint8_t *)values)[i] = ((const uint8_t *)x)[indices[i]];
    break;
  case 16:
    for (size_t i = 0; i < k; i++) ((uint16_t *)values)[i] = ((const uint16_t *)x)[indices[i]];
    break;
  case 32:
    for (size_t i = 0; i < k; i++) ((uint32_t *)values)[i] = ((const uint32_t *)x)[indices[i]];
    break;
  default:
    for (size_t i = 0; i < k; i++) ((uint64_t *)values)[i] = ((const uint64_t *)x)[indices[i]];
    break;
  }
}

/*
 * Top-k of at most SEL_SMALL elements: every (key, index) pair sorted
 * stably by key on the stack, the first k taken (the same pairs, in the
 * same order, as the selection below: keys ascending, ties by index).
 */
static pw_status small_topk(const void *x, size_t n, size_t k, void *values, uint32_t *indices,
                            int width, int mode) {
  uint64_t keys[2 * SEL_SMALL];
  uint32_t idx[2 * SEL_SMALL];
  keys_of(x, n, width, mode, keys);
  for (size_t i = 0; i < n; i++) idx[i] = (uint32_t)i;
  pw_status s = pwa_sort_pairs(keys, idx, keys + SEL_SMALL, idx + SEL_SMALL, n, width);
  if (s != PW_OK) return s;
  memcpy(indices, idx, k * sizeof *indices);
  gather_values(x, indices, k, values, width);
  return PW_OK;
}

static pw_status topk_any(const void *x, size_t n, size_t k, void *values, uint32_t *indices,
                          bool smallest, int width, int kind) {
  if (pwa_too_many(n))
    return pw_fail(PW_ERANGE, "x has %.0f elements; topk takes at most 2^32 - 1", (double)n);
  if (k > n)
    return pw_fail(PW_ERANGE, "k (%.0f) must not exceed the length of x (%.0f)", (double)k,
                   (double)n);
  if (k == 0) return PW_OK;
  size_t kb = (size_t)width / 8;
  /* largest first is the descending order; NaNs tie (and come last) */
  int mode = kind == PWA_FLOAT ? (smallest ? PWA_FLOATC_ASC : PWA_FLOATC_DESC)
                               : kind * 2 + (smallest ? 0 : 1);
  if (n <= SEL_SMALL) return small_topk(x, n, k, values, indices, width, mode);
  uint64_t rank = k - 1, t = 0;
  pw_status s = pwa_select_keys(x, n, width, mode, &rank, 1, &t);
  if (s != PW_OK) return s;
  sel_fns f = sel_fns_of(width);
  sel_ctx c;
  memset(&c, 0, sizeof c);
  c.src = x;
  c.n = n;
  c.nb = pwa_blocks(n, SEL_MIN_BLOCK);
  c.mode = mode;
  c.t = t;
  c.below = pwa_alloc(3 * c.nb, sizeof(size_t));
  if (c.below == NULL) return pwa_nomem(3 * c.nb, sizeof(size_t));
  c.equal = c.below + c.nb;
  c.take = c.equal + c.nb;
  if (k <= n / 4 / c.nb) {
    /* small k: one pass, each block into its own regions of k pairs */
    c.out = pwa_alloc(2 * c.nb * k, kb);
    c.idx = pwa_alloc(2 * c.nb * k, sizeof(uint32_t));
    if (c.out == NULL || c.idx == NULL) {
      s = pwa_nomem(2 * c.nb * k, kb + 4);
      goto out;
    }
    c.nbelow = k; /* the region size */
    pw_range_fn collect = width == 8 ? topk_collect_8 : width == 16 ? topk_collect_16
                        : width == 32 ? topk_collect_32 : topk_collect_64;
    s = pw_parallel_for(c.nb, 1, collect, &c);
    if (s != PW_OK) goto out;
    /* every pair below t (fewer than k), then the first ties, in index
       order: packed to the front of the arrays */
    size_t at = 0;
    for (size_t pass = 0; pass < 2; pass++) {
      for (size_t b = 0; b < c.nb && at < k; b++) {
        size_t from = (pass * c.nb + b) * k, cnt = pass ? c.equal[b] : c.below[b];
        if (cnt > k - at) cnt = k - at;
        memmove((char *)c.out + at * kb, (char *)c.out + from * kb, cnt * kb);
        memmove(c.idx + at, c.idx + from, cnt * sizeof *c.idx);
        at += cnt;
      }
    }
  } else {
    c.out = pwa_alloc(2 * k, kb);
    c.idx = pwa_alloc(2 * k, sizeof(uint32_t));
    if (c.out == NULL || c.idx == NULL) {
      s = pwa_nomem(k, 2 * kb + 8);
      goto out;
    }
    s = pw_parallel_for(c.nb, 1, f.topk_count, &c);
    if (s != PW_OK) goto out;
    size_t nbelow = 0;
    for (size_t b = 0; b < c.nb; b++) nbelow += c.below[b];
    if (nbelow > k) nbelow = k; /* (only if x was written meanwhile) */
    size_t left = k - nbelow; /* rank k - 1 has key t: nbelow < k */
    for (size_t b = 0; b < c.nb; b++) {
      c.take[b] = c.equal[b] < left ? c.equal[b] : left;
      left -= c.take[b];
    }
    c.nbelow = nbelow;
    c.cap = k;
    s = pw_parallel_for(c.nb, 1, f.topk_copy, &c);
    if (s != PW_OK) goto out;
  }
  s = pwa_sort_pairs(c.out, c.idx, (char *)c.out + k * kb, c.idx + k, k, width);
  if (s == PW_OK && pw_cancelled()) s = PW_ECANCELED; /* not k reads of x more */
  if (s != PW_OK) goto out;
  /* (an index the copy did not write, or any index, lies in x: x may have
     been written meanwhile, and then fewer pairs came than were counted) */
  for (size_t i = 0; i < k; i++) indices[i] = c.idx[i] < n ? c.idx[i] : 0;
  gather_values(x, indices, k, values, width);
out:
  free(c.below);
  free(c.out);
  free(c.idx);
  return s;
}

/* ------------------------------------------------------------------------ */
/* Per-type kernels                                                         */
/* ------------------------------------------------------------------------ */

#define PWA_SELECT_DEFS(T, s)                                                  \
  pw_status pw_array_kth_##s(const T *x, size_t n, size_t k, T *value) {       \
    return kth_any(x, n, k, value, (int)sizeof(T) * 8, PWA_KIND_##s);          \
  }                                                                            \
  pw_status pw_array_quantiles_##s(const T *x, size_t n, const double *q,      \
                                   size_t m, double *value) {                  \
    return quantiles_any(x, n, q, m, value, (int)sizeof(T) * 8, PWA_KIND_##s); \
  }                                                                            \
  pw_status pw_array_topk_##s(const T *x, size_t n, size_t k, T *values,       \
                              uint32_t *indices, bool smallest) {              \
    return topk_any(x, n, k, values, indices, smallest, (int)sizeof(T) * 8,    \
                    PWA_KIND_##s);                                             \
  }

PW_ARRAY_TYPES(PWA_SELECT_DEFS)
