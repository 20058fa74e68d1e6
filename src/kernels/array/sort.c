/*
 * sort.c — sort, argsort and gather for every element type
 * (parawasm/array.h), and the key sorts the other array kernels share.
 *
 * Sort. Elements become unsigned keys whose order is the array order
 * (internal.h: one xor for integers, an xor and a subtraction for floats;
 * descending is a second cheap map), and are sorted by key with an LSD
 * radix sort of 8-bit digits. The keys are never stored: each pass
 * recomputes the key of the raw element it moves (a few ALU operations
 * against a pass that is bound by memory), so elements keep their bits
 * and no transform pass is needed before or after.
 *
 * Passes. One counting pass makes the histograms of every digit at once;
 * a digit whose histogram has a single bucket is the same in every key
 * and is skipped (random doubles of one sign in [0, 1) skip nothing, but
 * small integers in a wide type skip most of their digits). Each
 * remaining digit is one stable scatter from one buffer to the other; an
 * odd number of passes ends with a copy back.
 *
 * Parallel passes. The array is cut into one block per thread. Each block
 * counts its digits, the offsets are laid out digit-major and block-minor
 * (all of digit 0 from block 0, then from block 1, ...), and each block
 * scatters its elements to its own offsets: the scatter is stable, and
 * the result does not depend on the number of blocks. Histograms of later
 * digits are per block too, so after the first scatter each pass counts
 * its digit again (a read pass) unless there is a single block, where the
 * first counting pass serves every digit.
 *
 * Why LSD radix: 8 passes of 8-bit digits over 10M doubles move each
 * element 8 times with sequential reads and 256 sequential write streams,
 * against ~23 comparisons with unpredictable branches for a comparison
 * sort; measured figures are in test/bench/native_array.c's notes.
 *
 * 8- and 16-bit types are counted instead (counting sort: one pass of
 * counts, one pass writing each key's value count times), except 16-bit
 * arrays shorter than 2^16 elements, where 65536 counters cost more than
 * two radix passes.
 *
 * Argsort: the keys are computed once into a scratch array (with every
 * NaN made one key, so that NaNs tie and keep their index order), and
 * (key, index) pairs go through the same LSD passes; indices start as
 * 0..n-1 in the first pass and the last pass writes only the indices,
 * straight into the caller's order array.
 *
 * Small inputs (at most PWA_INSERTION_MAX elements) use insertion sort on
 * keys: stable, and cheaper than clearing histograms.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define RADIX 256u
#define PWA_INSERTION_MAX 24
/* Least elements per block before a pass is split across threads. */
#define SORT_MIN_BLOCK ((size_t)1 << 16)
/* 16-bit arrays at least this long are counted rather than radix sorted. */
#define COUNT16_MIN ((size_t)1 << 16)

/* ------------------------------------------------------------------------ */
/* The per-width passes                                                     */
/* ------------------------------------------------------------------------ */

/*
 * State of one sort. Raw sort: `src`/`dst` hold raw elements, keys come
 * from `mode`. Pair sort: `src`/`dst` hold keys (mode PWA_UINT_ASC) and
 * `isrc`/`idst` the indices that travel with them (isrc NULL: the index
 * is the position, in the first pass).
 */
typedef struct {
  const void *src;
  void *dst;
  const uint32_t *isrc;
  uint32_t *idst;
  size_t n, nb;
  size_t *hist;    /* nb x ndig x RADIX counts (all digits), then offsets */
  size_t *off;     /* nb x RADIX offsets of the current pass */
  unsigned shift;  /* bit position of the current digit */
  unsigned ndig;   /* digits per key */
  int mode;
  int keys_out;    /* 0: last pair pass, only indices are written */
  const void *x;   /* argsort: the elements whose keys are made */
} rs_ctx;

#define RS_DEFINE(W, UT)                                                       \
  /* counts of every digit of the keys of x[begin, end) into h */             \
  PW_INLINE void rs_count_all_##W##_m(const UT *x, size_t begin, size_t end,   \
                                     size_t *h, int mode) {                    \
    for (size_t i = begin; i < end; i++) {                                     \
      UT k = pwa_key##W(x[i], mode);                                           \
      for (unsigned d = 0; d < W / 8; d++)                                     \
        h[d * RADIX + (unsigned)((k >> (8 * d)) & 0xff)]++;                    \
    }                                                                          \
  }                                                                            \
  static void rs_count_all_##W(void *p, size_t b0, size_t b1) {                \
    rs_ctx *c = p;                                                             \
    for (size_t b = b0; b < b1; b++) {                                         \
      size_t begin, end, *h = c->hist + b * (W / 8) * RADIX;                   \
      pwa_block(c->n, c->nb, b, &begin, &end);                                 \
      memset(h, 0, (W / 8) * RADIX * sizeof *h);                               \
      const UT *x = c->src;                                                    \
      int mode = c->mode;                                                      \
      PWA_MODE_SWITCH(mode, RS_COUNT_ALL_CALL_##W)                              \
    }                                                                          \
  }                                                                            \
  /* counts of the digit at c->shift, per block, into c->off */               \
  PW_INLINE void rs_count_one_##W##_m(const UT *x, size_t begin, size_t end,   \
                                     size_t *h, unsigned shift, int mode) {    \
    for (size_t i = begin; i < end; i++)                                       \
      h[(unsigned)((pwa_key##W(x[i], mode) >> shift) & 0xff)]++;               \
  }                                                                            \
  static void rs_count_one_##W(void *p, size_t b0, size_t b1) {                \
    rs_ctx *c = p;                                                             \
    for (size_t b = b0; b < b1; b++) {                                         \
      size_t begin, end, *h = c->off + b * RADIX;                              \
      pwa_block(c->n, c->nb, b, &begin, &end);                                 \
      memset(h, 0, RADIX * sizeof *h);                                         \
      const UT *x = c->src;                                                    \
      unsigned shift = c->shift;                                               \
      int mode = c->mode;                                                      \
      PWA_MODE_SWITCH(mode, RS_COUNT_ONE_CALL_##W)                              \
    }                                                                          \
  }                                                                            \
  /* stable scatter of block b by the digit at shift */                       \
  PW_INLINE void rs_scatter_##W##_m(const UT *src, UT *dst, size_t begin,      \
                                   size_t end, size_t *off, unsigned shift,    \
                                   int mode) {                                 \
    for (size_t i = begin; i < end; i++) {                                     \
      UT v = src[i];                                                           \
      dst[off[(unsigned)((pwa_key##W(v, mode) >> shift) & 0xff)]++] = v;       \
    }                                                                          \
  }                                                                            \
  static void rs_scatter_##W(void *p, size_t b0, size_t b1) {                  \
    rs_ctx *c = p;                                                             \
    for (size_t b = b0; b < b1; b++) {                                         \
      size_t begin, end, *off = c->off + b * RADIX;                            \
      pwa_block(c->n, c->nb, b, &begin, &end);                                 \
      const UT *src = c->src;                                                  \
      UT *dst = c->dst;                                                        \
      unsigned shift = c->shift;                                               \
      int mode = c->mode;                                                      \
      PWA_MODE_SWITCH(mode, RS_SCATTER_CALL_##W)                                \
    }                                                                          \
  }                                                                            \
  /* pairs: stable scatter of (key, index) by the digit at shift */           \
  static void rs_scatter_pairs_##W(void *p, size_t b0, size_t b1) {            \
    rs_ctx *c = p;                                                             \
    for (size_t b = b0; b < b1; b++) {                                         \
      size_t begin, end, *off = c->off + b * RADIX;                            \
      pwa_block(c->n, c->nb, b, &begin, &end);                                 \
      const UT *src = c->src;                                                  \
      UT *dst = c->dst;                                                        \
      const uint32_t *isrc = c->isrc;                                          \
      uint32_t *idst = c->idst;                                                \
      unsigned shift = c->shift;                                               \
      if (isrc == NULL && c->keys_out) {                                       \
        for (size_t i = begin; i < end; i++) {                                 \
          UT k = src[i];                                                       \
          size_t o = off[(unsigned)((k >> shift) & 0xff)]++;                   \
          dst[o] = k;                                                          \
          idst[o] = (uint32_t)i;                                               \
        }                                                                      \
      } else if (isrc == NULL) {                                               \
        for (size_t i = begin; i < end; i++)                                   \
          idst[off[(unsigned)((src[i] >> shift) & 0xff)]++] = (uint32_t)i;     \
      } else if (c->keys_out) {                                                \
        for (size_t i = begin; i < end; i++) {                                 \
          UT k = src[i];                                                       \
          size_t o = off[(unsigned)((k >> shift) & 0xff)]++;                   \
          dst[o] = k;                                                          \
          idst[o] = isrc[i];                                                   \
        }                                                                      \
      } else {                                                                 \
        for (size_t i = begin; i < end; i++)                                   \
          idst[off[(unsigned)((src[i] >> shift) & 0xff)]++] = isrc[i];         \
      }                                                                        \
    }                                                                          \
  }                                                                            \
  /* insertion sort of raw elements by key (stable) */                        \
  static void rs_insertion_##W(UT *x, size_t n, int mode) {                    \
    for (size_t i = 1; i < n; i++) {                                           \
      UT v = x[i], k = pwa_key##W(v, mode);                                    \
      size_t j = i;                                                            \
      while (j > 0 && pwa_key##W(x[j - 1], mode) > k) {                        \
        x[j] = x[j - 1];                                                       \
        j--;                                                                   \
      }                                                                        \
      x[j] = v;                                                                \
    }                                                                          \
  }                                                                            \
  /* insertion sort of (key, index) pairs by key (stable) */                  \
  static void rs_insertion_pairs_##W(UT *k, uint32_t *idx, size_t n) {         \
    for (size_t i = 1; i < n; i++) {                                           \
      UT v = k[i];                                                             \
      uint32_t t = idx[i];                                                     \
      size_t j = i;                                                            \
      while (j > 0 && k[j - 1] > v) {                                          \
        k[j] = k[j - 1];                                                       \
        idx[j] = idx[j - 1];                                                   \
        j--;                                                                   \
      }                                                                        \
      k[j] = v;                                                                \
      idx[j] = t;                                                              \
    }                                                                          \
  }

#define RS_COUNT_ALL_CALL_8(m) rs_count_all_8_m(x, begin, end, h, m)
#define RS_COUNT_ALL_CALL_16(m) rs_count_all_16_m(x, begin, end, h, m)
#define RS_COUNT_ALL_CALL_32(m) rs_count_all_32_m(x, begin, end, h, m)
#define RS_COUNT_ALL_CALL_64(m) rs_count_all_64_m(x, begin, end, h, m)
#define RS_COUNT_ONE_CALL_8(m) rs_count_one_8_m(x, begin, end, h, shift, m)
#define RS_COUNT_ONE_CALL_16(m) rs_count_one_16_m(x, begin, end, h, shift, m)
#define RS_COUNT_ONE_CALL_32(m) rs_count_one_32_m(x, begin, end, h, shift, m)
#define RS_COUNT_ONE_CALL_64(m) rs_count_one_64_m(x, begin, end, h, shift, m)
#define RS_SCATTER_CALL_8(m) rs_scatter_8_m(src, dst, begin, end, off, shift, m)
#define RS_SCATTER_CALL_16(m) rs_scatter_16_m(src, dst, begin, end, off, shift, m)
#define RS_SCATTER_CALL_32(m) rs_scatter_32_m(src, dst, begin, end, off, shift, m)
#define RS_SCATTER_CALL_64(m) rs_scatter_64_m(src, dst, begin, end, off, shift, m)

RS_DEFINE(8, uint8_t)
RS_DEFINE(16, uint16_t)
RS_DEFINE(32, uint32_t)
RS_DEFINE(64, uint64_t)

typedef struct {
  pw_range_fn count_all, count_one, scatter, scatter_pairs;
} rs_fns;

static rs_fns rs_fns_of(int width) {
  switch (width) {
  case 8: return (rs_fns){rs_count_all_8, rs_count_one_8, rs_scatter_8, rs_scatter_pairs_8};
  case 16: return (rs_fns){rs_count_all_16, rs_count_one_16, rs_scatter_16, rs_scatter_pairs_16};
  case 32: return (rs_fns){rs_count_all_32, rs_count_one_32, rs_scatter_32, rs_scatter_pairs_32};
  default: return (rs_fns){rs_count_all_64, rs_count_one_64, rs_scatter_64, rs_scatter_pairs_64};
  }
}

/* ------------------------------------------------------------------------ */
/* The LSD driver                                                           */
/* ------------------------------------------------------------------------ */

/*
 * From per-block counts h (block b's counts at h + b * stride, RADIX of
 * them) to per-block offsets in c->off: digit-major, block-minor.
 */
static void rs_offsets(rs_ctx *c, const size_t *h, size_t stride) {
  size_t sum = 0;
  for (unsigned v = 0; v < RADIX; v++) {
    for (size_t b = 0; b < c->nb; b++) {
      size_t t = h[b * stride + v];
      c->off[b * RADIX + v] = sum;
      sum += t;
    }
  }
}

/* The digits (bit positions) whose counts are not all in one bucket. */
static unsigned rs_live_digits(const rs_ctx *c, unsigned *shifts) {
  unsigned live = 0;
  for (unsigned d = 0; d < c->ndig; d++) {
    int constant = 0;
    for (unsigned v = 0; v < RADIX && !constant; v++) {
      size_t t = 0;
      for (size_t b = 0; b < c->nb; b++) t += c->hist[(b * c->ndig + d) * RADIX + v];
      if (t == c->n) constant = 1;
      if (t != 0) break; /* the first nonzero bucket decides */
    }
    if (!constant) shifts[live++] = 8 * d;
  }
  return live;
}

/*
 * Runs the passes of an LSD sort over the digits `shifts[0..live)`.
 * c->src holds the data (and c->isrc the indices or NULL); buffers a/b
 * alternate. Pair sorts route the indices so that the last pass writes
 * into `final_idx`. Returns where the data ended (a or b) through *end.
 */
static pw_status rs_passes(rs_ctx *c, rs_fns f, int pairs, const unsigned *shifts, unsigned live,
                           void *a, void *b, uint32_t *ia, uint32_t *ib, const void **end) {
  pw_status s = PW_OK;
  void *bufs[2] = {a, b};
  int cur = -1; /* -1: data still at c->src */
  for (unsigned j = 0; j < live; j++) {
    c->shift = shifts[j];
    if (j == 0 || c->nb == 1) {
      rs_offsets(c, c->hist + (c->shift / 8) * RADIX, c->ndig * RADIX);
    } else {
      s = pw_parallel_for(c->nb, 1, f.count_one, c);
      if (s != PW_OK) return s;
      rs_offsets(c, c->off, RADIX);
    }
    int next = cur == 0 ? 1 : 0;
    c->dst = bufs[next];
    if (pairs) {
      /* the last pass writes into ia (the caller's array): count back */
      c->idst = ((live - 1 - j) % 2 == 0) ? ia : ib;
      c->keys_out = j + 1 < live;
      s = pw_parallel_for(c->nb, 1, f.scatter_pairs, c);
      c->isrc = c->idst;
    } else {
      s = pw_parallel_for(c->nb, 1, f.scatter, c);
    }
    if (s != PW_OK) return s;
    c->src = c->dst;
    cur = next;
  }
  *end = c->src;
  return PW_OK;
}

/* Parallel memcpy of n elements of `size` bytes. */
typedef struct {
  void *dst;
  const void *src;
  size_t size;
} copy_ctx;

static void copy_body(void *p, size_t begin, size_t end) {
  copy_ctx *c = p;
  memcpy((char *)c->dst + begin * c->size, (const char *)c->src + begin * c->size,
         (end - begin) * c->size);
}

static pw_status pwa_copy(void *dst, const void *src, size_t n, size_t size) {
  copy_ctx c = {dst, src, size};
  return pw_parallel_for(n, pw_grain(size) * 4, copy_body, &c);
}

/*
 * Sorts n raw elements of `width` bits at x by their keys under `mode`,
 * with tmp (n elements) as scratch. The result is in x.
 */
static pw_status rs_sort_raw(void *x, void *tmp, size_t n, int width, int mode) {
  unsigned ndig = (unsigned)width / 8;
  rs_ctx c;
  memset(&c, 0, sizeof c);
  c.n = n;
  c.nb = pwa_blocks(n, SORT_MIN_BLOCK);
  c.ndig = ndig;
  c.mode = mode;
  c.src = x;
  size_t hist_words = c.nb * ndig * RADIX + c.nb * RADIX;
  size_t hist_stack[8 * RADIX + RADIX];
  size_t *hist = c.nb == 1 ? hist_stack : pwa_alloc(hist_words, sizeof(size_t));
  if (hist == NULL) return pwa_nomem(hist_words, sizeof(size_t));
  c.hist = hist;
  c.off = hist + c.nb * ndig * RADIX;
  rs_fns f = rs_fns_of(width);
  pw_status s = pw_parallel_for(c.nb, 1, f.count_all, &c);
  unsigned shifts[8];
  unsigned live = s == PW_OK ? rs_live_digits(&c, shifts) : 0;
  const void *end = x;
  if (s == PW_OK) s = rs_passes(&c, f, 0, shifts, live, tmp, x, NULL, NULL, &end);
  if (s == PW_OK && end != x) s = pwa_copy(x, end, n, (size_t)width / 8);
  if (hist != hist_stack) free(hist);
  return s;
}

/*
 * Stable sort of (key, index) pairs: keys at k (width bits, plain
 * unsigned), indices at idx or, when idx_in is NULL, the positions 0..n-1.
 * The sorted indices end in idx_out (which may be idx_in); the keys are
 * left in no useful order (the last pass writes only indices). k2 and i2
 * are scratch of n each.
 */
static pw_status rs_sort_pairs(void *k, void *k2, const uint32_t *idx_in, uint32_t *idx_out,
                               uint32_t *i2, size_t n, int width) {
  unsigned ndig = (unsigned)width / 8;
  rs_ctx c;
  memset(&c, 0, sizeof c);
  c.n = n;
  c.nb = pwa_blocks(n, SORT_MIN_BLOCK);
  c.ndig = ndig;
  c.mode = PWA_UINT_ASC;
  c.src = k;
  c.isrc = idx_in;
  size_t hist_words = c.nb * ndig * RADIX + c.nb * RADIX;
  size_t hist_stack[8 * RADIX + RADIX];
  size_t *hist = c.nb == 1 ? hist_stack : pwa_alloc(hist_words, sizeof(size_t));
  if (hist == NULL) return pwa_nomem(hist_words, sizeof(size_t));
  c.hist = hist;
  c.off = hist + c.nb * ndig * RADIX;
  rs_fns f = rs_fns_of(width);
  pw_status s = pw_parallel_for(c.nb, 1, f.count_all, &c);
  unsigned shifts[8];
  unsigned live = s == PW_OK ? rs_live_digits(&c, shifts) : 0;
  if (s == PW_OK && live == 0) {
    if (idx_in == NULL)
      for (size_t i = 0; i < n; i++) idx_out[i] = (uint32_t)i;
    else if (idx_in != idx_out)
      memcpy(idx_out, idx_in, n * sizeof *idx_out);
  } else if (s == PW_OK) {
    const void *end;
    /* the passes alternate the index buffers so that the last one writes
       idx_out; when idx_in is idx_out and the first pass would write it
       too (an odd number of passes), the input indices move to i2 first */
    if (idx_in != NULL && idx_in == idx_out && live % 2 == 1) {
      memcpy(i2, idx_in, n * sizeof *i2);
      c.isrc = i2;
    }
    s = rs_passes(&c, f, 1, shifts, live, k2, k, idx_out, i2, &end);
  }
  if (hist != hist_stack) free(hist);
  return s;
}

/* ------------------------------------------------------------------------ */
/* Counting sort (8 and 16 bits)                                            */
/* ------------------------------------------------------------------------ */

typedef struct {
  const void *x;
  void *out;
  size_t n, nb, nkeys;
  size_t *hist; /* nb x nkeys, then the cumulative counts (nkeys + 1) */
  int width, mode;
} cs_ctx;

static void cs_count(void *p, size_t b0, size_t b1) {
  cs_ctx *c = p;
  for (size_t b = b0; b < b1; b++) {
    size_t begin, end, *h = c->hist + b * c->nkeys;
    pwa_block(c->n, c->nb, b, &begin, &end);
    memset(h, 0, c->nkeys * sizeof *h);
    if (c->width == 8) {
      const uint8_t *x = c->x;
      /* keys of 8-bit integers: an xor with a constant (internal.h) */
      uint8_t m = pwa_key8(0, c->mode);
      for (size_t i = begin; i < end; i++) h[x[i] ^ m]++;
    } else {
      const uint16_t *x = c->x;
      uint16_t m = pwa_key16(0, c->mode);
      for (size_t i = begin; i < end; i++) h[(uint16_t)(x[i] ^ m)]++;
    }
  }
}

/* Writes output positions [begin, end): each key's value, count times. */
static void cs_fill(void *p, size_t begin, size_t end) {
  cs_ctx *c = p;
  const size_t *cum = c->hist + c->nb * c->nkeys; /* cum[k]: first position of key k */
  /* the key at position begin: the last k with cum[k] <= begin */
  size_t lo = 0, hi = c->nkeys; /* cum[lo] <= begin < cum[hi] (cum[nkeys] = n) */
  while (hi - lo > 1) {
    size_t mid = lo + (hi - lo) / 2;
    if (cum[mid] <= begin) lo = mid;
    else hi = mid;
  }
  for (size_t k = lo, i = begin; i < end; k++) {
    size_t stop = cum[k + 1] < end ? cum[k + 1] : end;
    if (c->width == 8) {
      uint8_t v = (uint8_t)(k ^ pwa_key8(0, c->mode));
      memset((uint8_t *)c->out + i, v, stop - i);
    } else {
      uint16_t v = (uint16_t)(k ^ pwa_key16(0, c->mode));
      uint16_t *o = (uint16_t *)c->out;
      for (size_t j = i; j < stop; j++) o[j] = v;
    }
    i = stop;
  }
}

static pw_status cs_sort(void *x, size_t n, int width, int mode) {
  cs_ctx c = {x, x, n, pwa_blocks(n, SORT_MIN_BLOCK), (size_t)1 << width, NULL, width, mode};
  size_t words = c.nb * c.nkeys + c.nkeys + 1;
  c.hist = pwa_alloc(words, sizeof(size_t));
  if (c.hist == NULL) return pwa_nomem(words, sizeof(size_t));
  pw_status s = pw_parallel_for(c.nb, 1, cs_count, &c);
  if (s == PW_OK) {
    size_t *cum = c.hist + c.nb * c.nkeys, sum = 0;
    for (size_t k = 0; k < c.nkeys; k++) {
      cum[k] = sum;
      for (size_t b = 0; b < c.nb; b++) sum += c.hist[b * c.nkeys + k];
    }
    cum[c.nkeys] = sum;
    s = pw_parallel_for(n, pw_grain((size_t)width / 8) * 4, cs_fill, &c);
  }
  free(c.hist);
  return s;
}

/* ------------------------------------------------------------------------ */
/* Entry points                                                             */
/* ------------------------------------------------------------------------ */

static pw_status sort_any(void *x, size_t n, int width, int kind, bool descending) {
  int mode = kind * 2 + (descending ? 1 : 0);
  if (n < 2) return PW_OK;
  if (n <= PWA_INSERTION_MAX) {
    switch (width) {
    case 8: rs_insertion_8(x, n, mode); break;
    case 16: rs_insertion_16(x, n, mode); break;
    case 32: rs_insertion_32(x, n, mode); break;
    default: rs_insertion_64(x, n, mode); break;
    }
    return PW_OK;
  }
  if (width == 8 || (width == 16 && n >= COUNT16_MIN)) return cs_sort(x, n, width, mode);
  void *tmp = pwa_alloc(n, (size_t)width / 8);
  if (tmp == NULL) return pwa_nomem(n, (size_t)width / 8);
  pw_status s = rs_sort_raw(x, tmp, n, width, mode);
  free(tmp);
  return s;
}

pw_status pwa_sort_keys(void *keys, void *tmp, size_t n, int width) {
  if (n < 2) return PW_OK;
  if (n <= PWA_INSERTION_MAX) return sort_any(keys, n, width, PWA_UINT, false);
  return rs_sort_raw(keys, tmp, n, width, PWA_UINT_ASC);
}

pw_status pwa_sort_pairs(void *keys, uint32_t *idx, void *k2, uint32_t *i2, size_t n, int width) {
  if (n < 2) return PW_OK;
  if (n <= PWA_INSERTION_MAX) {
    switch (width) {
    case 8: rs_insertion_pairs_8(keys, idx, n); break;
    case 16: rs_insertion_pairs_16(keys, idx, n); break;
    case 32: rs_insertion_pairs_32(keys, idx, n); break;
    default: rs_insertion_pairs_64(keys, idx, n); break;
    }
    return PW_OK;
  }
  /* indices in place: sorted indices must end in idx; keys need not */
  pw_status s = rs_sort_pairs(keys, k2, idx, idx, i2, n, width);
  return s;
}

/* Argsort keys: x's keys under mode with NaNs made one, into k. */
typedef struct {
  const void *x;
  void *k;
  int width, mode;
} ak_ctx;

#define AK_BODY(W)                                                             \
  do {                                                                         \
    const uint##W##_t *x = c->x;                                               \
    uint##W##_t *k = c->k;                                                     \
    switch (c->mode) {                                                         \
    case PWA_FLOAT_ASC:                                                        \
      for (size_t i = begin; i < end; i++) k[i] = pwa_keyc##W(x[i], PWA_FLOAT_ASC); \
      break;                                                                   \
    case PWA_FLOAT_DESC:                                                       \
      for (size_t i = begin; i < end; i++) k[i] = pwa_keyc##W(x[i], PWA_FLOAT_DESC); \
      break;                                                                   \
    default: {                                                                 \
      uint##W##_t m = pwa_key##W(0, c->mode); /* integers: an xor */          \
      for (size_t i = begin; i < end; i++) k[i] = (uint##W##_t)(x[i] ^ m);     \
    }                                                                          \
    }                                                                          \
  } while (0)

static void ak_body(void *p, size_t begin, size_t end) {
  ak_ctx *c = p;
  switch (c->width) {
  case 8: AK_BODY(8); break;
  case 16: AK_BODY(16); break;
  case 32: AK_BODY(32); break;
  default: AK_BODY(64); break;
  }
}

static pw_status argsort_any(const void *x, size_t n, uint32_t *order, int width, int kind,
                             bool descending) {
  if ((uint64_t)n > PWA_MAX_INDEXED)
    return pw_fail(PW_ERANGE, "x has %.0f elements; argsort takes at most 2^32 - 1", (double)n);
  if (n == 0) return PW_OK;
  size_t kb = (size_t)width / 8;
  int mode = kind * 2 + (descending ? 1 : 0);
  /* keys, second keys, second indices in one block */
  size_t bytes_k = n * kb; /* n * kb <= 2^32 * 8 could wrap a 32-bit size_t: checked */
  if (n > SIZE_MAX / (2 * kb + 4)) return pwa_nomem(n, 2 * kb + 4);
  size_t ibytes = (n * sizeof(uint32_t));
  size_t koff = (2 * bytes_k + 3) & ~(size_t)3;
  char *mem = pwa_alloc(koff + ibytes, 1);
  if (mem == NULL) return pwa_nomem(koff + ibytes, 1);
  void *k = mem, *k2 = mem + bytes_k;
  uint32_t *i2 = (uint32_t *)(mem + koff);
  ak_ctx a = {x, k, width, mode};
  pw_status s = pw_parallel_for(n, pw_grain(kb) * 4, ak_body, &a);
  if (s == PW_OK) {
    if (n <= PWA_INSERTION_MAX) {
      for (size_t i = 0; i < n; i++) order[i] = (uint32_t)i;
      s = pwa_sort_pairs(k, order, k2, i2, n, width);
    } else {
      s = rs_sort_pairs(k, k2, NULL, order, i2, n, width);
    }
  }
  free(mem);
  return s;
}

/* ------------------------------------------------------------------------ */
/* Gather                                                                   */
/* ------------------------------------------------------------------------ */

typedef struct {
  const void *x;
  const uint32_t *index;
  void *out;
  size_t n;
  size_t size;
  size_t *first_bad; /* per chunk of the check: first bad position or SIZE_MAX */
  size_t grain;
} ga_ctx;

static void ga_check(void *p, size_t begin, size_t end) {
  ga_ctx *c = p;
  size_t bad = SIZE_MAX;
  for (size_t i = begin; i < end; i++) {
    if (c->index[i] >= c->n) {
      bad = i;
      break;
    }
  }
  c->first_bad[begin / c->grain] = bad;
}

static void ga_copy(void *p, size_t begin, size_t end) {
  ga_ctx *c = p;
  const uint32_t *ix = c->index;
  switch (c->size) {
  case 1: {
    const uint8_t *x = c->x;
    uint8_t *o = c->out;
    for (size_t i = begin; i < end; i++) o[i] = x[ix[i]];
    break;
  }
  case 2: {
    const uint16_t *x = c->x;
    uint16_t *o = c->out;
    for (size_t i = begin; i < end; i++) o[i] = x[ix[i]];
    break;
  }
  case 4: {
    const uint32_t *x = c->x;
    uint32_t *o = c->out;
    for (size_t i = begin; i < end; i++) o[i] = x[ix[i]];
    break;
  }
  default: {
    const uint64_t *x = c->x;
    uint64_t *o = c->out;
    for (size_t i = begin; i < end; i++) o[i] = x[ix[i]];
    break;
  }
  }
}

static pw_status gather_any(const void *x, size_t n, const uint32_t *index, size_t m, void *out,
                            size_t size) {
  if (m == 0) return PW_OK;
  /* the check: at most 4096 chunks, each noting its first bad index */
  size_t grain = pw_chunks(m, 4096);
  if (grain < 4096) grain = 4096;
  size_t chunks = pw_chunks(m, grain);
  size_t bad_stack[64];
  size_t *bad = chunks <= 64 ? bad_stack : pwa_alloc(chunks, sizeof *bad);
  if (bad == NULL) return pwa_nomem(chunks, sizeof *bad);
  ga_ctx c = {x, index, out, n, size, bad, grain};
  pw_status s = pw_parallel_for(m, grain, ga_check, &c);
  if (s == PW_OK) {
    for (size_t j = 0; j < chunks; j++) {
      if (bad[j] != SIZE_MAX) {
        size_t i = bad[j];
        s = pw_fail(PW_ERANGE, "index[%.0f] = %lu is out of range for x of length %.0f", (double)i,
                    (unsigned long)index[i], (double)n);
        break;
      }
    }
  }
  if (bad != bad_stack) free(bad);
  if (s != PW_OK) return s;
  return pw_parallel_for(m, pw_grain(size + 4), ga_copy, &c);
}

/* ------------------------------------------------------------------------ */
/* Per-type kernels                                                         */
/* ------------------------------------------------------------------------ */

#define PWA_SORT_DEFS(T, s)                                                    \
  pw_status pw_array_sort_##s(T *x, size_t n, bool descending) {               \
    return sort_any(x, n, (int)sizeof(T) * 8, PWA_KIND_##s, descending);       \
  }                                                                            \
  pw_status pw_array_argsort_##s(const T *x, size_t n, uint32_t *order,        \
                                 bool descending) {                            \
    return argsort_any(x, n, order, (int)sizeof(T) * 8, PWA_KIND_##s,          \
                       descending);                                            \
  }                                                                            \
  pw_status pw_array_gather_##s(const T *x, size_t n, const uint32_t *index,   \
                                size_t m, T *out) {                            \
    return gather_any(x, n, index, m, out, sizeof(T));                         \
  }

PW_ARRAY_TYPES(PWA_SORT_DEFS)
