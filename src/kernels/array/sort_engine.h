/*
 * sort_engine.h — the radix sort engine of sort.c, for one key width.
 * sort.c includes it once per width with
 *     #define ENG_K   the unsigned key type (uint8_t ... uint64_t)
 *     #define ENG_W   its width in bits
 *     #define ENG_MSD_BITS, ENG_LSD_MAX, ENG_BUCKET   its sizes (sort.c)
 * and gets eng_sort_<W>() and its helpers (see sort.c for the method).
 *
 * The engine sorts unsigned keys (with an optional uint32_t payload, the
 * indices of argsort) stably. Data are in (k, ix); (k2, ix2) is scratch of
 * the same size; `res_other` says whether the result must end in (k2, ix2)
 * instead; `unkey` (a key mode, or -1) turns the result's keys back into
 * raw elements at the end.
 */
#define ENG_CAT2(a, b) a##b
#define ENG_CAT(a, b) ENG_CAT2(a, b)
#define ENG(name) ENG_CAT(eng_##name, ENG_W)

/* Result of one level, for the recursion into buckets. */
typedef struct {
  ENG_K *k, *k2;
  uint32_t *ix, *ix2;
  size_t n, nb, nbk;
  size_t stride; /* counters between blocks: nbk padded (pwa_padded) */
  ENG_K lo, hi;
  unsigned shift;
  size_t *hist;  /* nb x stride counts, then offsets */
  size_t *start; /* nbk + 1 bucket starts */
  int res_other, unkey;
  _Atomic int failed; /* a bucket's recursion was cancelled */
  unsigned char *done; /* nbk flags: the bucket is in its result place and form (sorted, or not if cancelled) */
} ENG(msd_ctx);

/* Keys back to raw elements, in place. */
#if defined(__wasm_simd128__) && ENG_W == 64
/* two at a time: scalar (or as clang vectorises it, with 64-bit arithmetic
   shifts that x86 lacks) this took 6x its native time (perf, sort of 1M
   doubles) */
#define ENG_UNKEY_SIMD(m)                                                      \
  for (; i + 2 <= n; i += 2) wasm_v128_store(k + i, pwa_unkey64x2(wasm_v128_load(k + i), m))
#else
#define ENG_UNKEY_SIMD(m) ((void)0)
#endif
#define ENG_UNKEY_CALL(m)                                                      \
  do {                                                                         \
    size_t i = 0;                                                              \
    ENG_UNKEY_SIMD(m);                                                         \
    for (; i < n; i++) k[i] = ENG_CAT(pwa_unkey, ENG_W)(k[i], m);              \
  } while (0)
static void ENG(unkey_range)(ENG_K *k, size_t n, int mode) { PWA_MODE_SWITCH(mode, ENG_UNKEY_CALL) }

/* The sorted range is in (k, ix): bring it to its result place and form. */
static void ENG(finish)(ENG_K *k, uint32_t *ix, ENG_K *k2, uint32_t *ix2, size_t n, int res_other,
                        int unkey) {
  if (res_other) {
    memcpy(k2, k, n * sizeof *k);
    if (ix != NULL) memcpy(ix2, ix, n * sizeof *ix);
    k = k2;
  }
  if (unkey >= 0) ENG(unkey_range)(k, n, unkey);
}

/*
 * finish() of a range whose keys are all `key`: its result written, not
 * copied and converted (no pass that reads it): a bucket of one value
 * (few distinct values) costs one pass of writes. 10M uint32 of 16 values
 * natively, alternating runs: 28.4-28.8 -> 27.2-27.8 ms.
 */
static void ENG(finish_equal)(ENG_K *k, uint32_t *ix, ENG_K *k2, uint32_t *ix2, size_t n, int res_other,
                              int unkey, ENG_K key) {
  if (res_other && ix != NULL) memcpy(ix2, ix, n * sizeof *ix);
  if (!res_other && unkey < 0) return; /* in its place and form already */
  ENG_K v = unkey >= 0 ? ENG_CAT(pwa_unkey, ENG_W)(key, unkey) : key, *d = res_other ? k2 : k;
  for (size_t i = 0; i < n; i++) d[i] = v;
}

/*
 * One stable LSD pass: c holds the counts of the w-bit digit at bit sh of
 * key - lo (w <= ENG_DMAX); they become offsets and (src, isrc) is
 * scattered into (dst, idst). Returns 0, having moved nothing, if every
 * key has the same digit.
 *
 * The keys may be the caller's memory (an in-place sort), which another
 * call or thread can write meanwhile: then the counts need not match the
 * keys, and every place written from them is kept below n (pwa_in_n): the
 * result of such a race is unspecified, but no write leaves the buffers.
 */
PW_INLINE int ENG(digit_pass)(const ENG_K *src, const uint32_t *isrc, ENG_K *dst, uint32_t *idst,
                              size_t n, ENG_K lo, unsigned sh, unsigned w, size_t *c) {
  size_t sum = 0;
  int live = 1;
  const unsigned mask = (1u << w) - 1;
  for (unsigned v = 0; v <= mask; v++) {
    if (c[v] == n) live = 0;
    size_t t = c[v];
    c[v] = sum;
    sum += t;
  }
  if (!live) return 0;
  if (isrc != NULL) {
    PWA_UNROLL4
    for (size_t i = 0; i < n; i++) {
      ENG_K key = src[i];
      size_t o = pwa_in_n(c[(ENG_K)(key - lo) >> sh & mask]++, n);
      dst[o] = key;
      idst[o] = isrc[i];
    }
  } else {
    PWA_UNROLL4
    for (size_t i = 0; i < n; i++) {
      ENG_K key = src[i];
      dst[pwa_in_n(c[(ENG_K)(key - lo) >> sh & mask]++, n)] = key;
    }
  }
  return 1;
}

static void ENG(minmax)(const ENG_K *k, size_t n, ENG_K *lo, ENG_K *hi) {
  ENG_K a = k[0], b = k[0];
  for (size_t i = 1; i < n; i++) {
    a = k[i] < a ? k[i] : a;
    b = k[i] > b ? k[i] : b;
  }
  *lo = a;
  *hi = b;
}

/*
 * LSD on the `bits` low bits of key - lo, for ranges that fit in cache:
 * the fewest digits of at most ENG_DMAX bits (narrower where 2^ENG_DMAX
 * counters would outnumber the keys), of equal widths; one pass counts every
 * digit, digits with one bucket are skipped, each other digit is a stable
 * scatter between the two buffers. Against 8-bit digits (wasm, one
 * thread, test/bench/native_array.c, alternating runs): 10M uint32 70.4 ->
 * 60.7 ms (each bucket of the first MSD step spans 24 bits: 2 passes
 * instead of 3), 10M uint32 below 2^20 66.8 -> 45.8 (12 bits: 1 instead
 * of 2), a column of sorted runs or with jitter 77-80 -> 58-60; natively
 * within noise but the last (58-62 -> 47); 64-bit keys unchanged.
 */
static void ENG(lsd)(ENG_K *k, uint32_t *ix, ENG_K *k2, uint32_t *ix2, size_t n, ENG_K lo,
                     unsigned bits, int res_other, int unkey) {
  /* the counters of digit d at cnt + d * 2^w: nd * 2^w is at most
     ceil(ENG_W / ENG_DMAX) * 2^ENG_DMAX for any dmax of 8 to ENG_DMAX */
  enum { NC = (ENG_W + ENG_DMAX - 1) / ENG_DMAX << ENG_DMAX, ND = (ENG_W + 7) / 8 };
  size_t cnt[NC];
  unsigned dmax = ENG_DMAX; /* (no more counters than keys, down to 8-bit digits) */
  while (dmax > 8 && ((size_t)1 << dmax) > n) dmax--;
  const unsigned nd = (bits + dmax - 1) / dmax, w = nd ? (bits + nd - 1) / nd : 0;
  const unsigned mask = (1u << w) - 1;
  memset(cnt, 0, ((size_t)nd << w) * sizeof *cnt);
  /* one loop per digit count, its digits unrolled: a loop over the digits
     inside the loop over the keys cost wasm about a third more than
     native code (eng_lsd64 on 10M doubles: 1.66x native's time) */
  switch (nd) {
#define ENG_COUNT_CASE(m)                                                      \
  case m:                                                                      \
    if ((m) <= ND) {                                                           \
      for (size_t i = 0; i < n; i++) {                                         \
        ENG_K r = (ENG_K)(k[i] - lo);                                          \
        for (unsigned d = 0; d < (m); d++)                                     \
          cnt[((size_t)d << w) + ((r >> (w * d)) & mask)]++;                   \
      }                                                                        \
    }                                                                          \
    break;
    ENG_COUNT_CASE(1)
    ENG_COUNT_CASE(2)
    ENG_COUNT_CASE(3)
    ENG_COUNT_CASE(4)
    ENG_COUNT_CASE(5)
    ENG_COUNT_CASE(6)
    ENG_COUNT_CASE(7)
    ENG_COUNT_CASE(8)
#undef ENG_COUNT_CASE
  default:
    break;
  }
  ENG_K *src = k, *dst = k2;
  uint32_t *isrc = ix, *idst = ix2;
  for (unsigned d = 0; d < nd; d++) {
    if (!ENG(digit_pass)(src, isrc, dst, idst, n, lo, w * d, w, cnt + ((size_t)d << w))) continue;
    ENG_K *t = src;
    src = dst, dst = t;
    uint32_t *it = isrc;
    isrc = idst, idst = it;
  }
  /* the data are in src: the original buffers or the others */
  int in_other = src != k;
  if (in_other) ENG(finish)(k2, ix2, k, ix, n, !res_other, unkey);
  else ENG(finish)(k, ix, k2, ix2, n, res_other, unkey);
}

/*
 * Insertion sort of (k, ix) that gives up once it has moved more than
 * `budget` keys (SIZE_MAX: never): 1 if it finished. Either way (k, ix) is a
 * permutation of its input in which equal keys keep their order.
 */
static int ENG(insertion_budget)(ENG_K *k, uint32_t *ix, size_t n, size_t budget) {
  size_t moved = 0;
  for (size_t i = 1; i < n; i++) {
    ENG_K v = k[i];
    if (k[i - 1] <= v) continue;
    size_t j = i;
    if (ix == NULL) {
      do {
        k[j] = k[j - 1];
        j--;
      } while (j > 0 && k[j - 1] > v);
      k[j] = v;
    } else {
      uint32_t t = ix[i];
      do {
        k[j] = k[j - 1];
        ix[j] = ix[j - 1];
        j--;
      } while (j > 0 && k[j - 1] > v);
      k[j] = v;
      ix[j] = t;
    }
    moved += i - j;
    if (moved > budget) return 0;
  }
  return 1;
}

/*
 * A few keys (up to SORT_MERGE_MAX) over a wide range: insertion-sorted
 * runs of ENG_RUN keys, then bottom-up merges between (k, ix) and (k2,
 * ix2), a key of the right run taken first only when it is smaller
 * (stable). Where the radix passes pay for their 256 counters each
 * (clearing, summing) whatever n is: 64 doubles' argsort 500 -> 360 ns
 * natively. Every place is a run boundary or a count of keys taken, never
 * a key: keys written meanwhile cannot move a write out of the buffers.
 */
#define ENG_RUN 8
static void ENG(merge_small)(ENG_K *k, uint32_t *ix, ENG_K *k2, uint32_t *ix2, size_t n, int res_other,
                             int unkey) {
  for (size_t b = 0; b < n; b += ENG_RUN)
    ENG(insertion_budget)(k + b, ix == NULL ? NULL : ix + b, n - b < ENG_RUN ? n - b : ENG_RUN, SIZE_MAX);
  ENG_K *src = k, *dst = k2;
  uint32_t *isrc = ix, *idst = ix2;
  for (size_t w = ENG_RUN; w < n; w *= 2) {
    for (size_t lo = 0; lo < n; lo += 2 * w) {
      size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
      size_t a = lo, b = mid, o = lo;
      if (isrc == NULL) {
        while (a < mid && b < hi) dst[o++] = src[b] < src[a] ? src[b++] : src[a++];
      } else {
        while (a < mid && b < hi) {
          if (src[b] < src[a]) dst[o] = src[b], idst[o++] = isrc[b++];
          else dst[o] = src[a], idst[o++] = isrc[a++];
        }
        memcpy(idst + o, isrc + a, (mid - a) * sizeof *isrc);
        memcpy(idst + o + (mid - a), isrc + b, (hi - b) * sizeof *isrc);
      }
      memcpy(dst + o, src + a, (mid - a) * sizeof *src);
      memcpy(dst + o + (mid - a), src + b, (hi - b) * sizeof *src);
    }
    ENG_K *t = src;
    src = dst, dst = t;
    uint32_t *it = isrc;
    isrc = idst, idst = it;
  }
  if (src != k) ENG(finish)(k2, ix2, k, ix, n, !res_other, unkey);
  else ENG(finish)(k, ix, k2, ix2, n, res_other, unkey);
}

/*
 * For ranges of more than 24 bits (SORT_TOP_MIN_BITS): the top 16 bits of
 * key - lo by two stable 8-bit passes, then insertion sort by the whole
 * key. Spread keys (a few thousand over 2^16 prefixes) rarely share a
 * prefix, so the insertion sort moves few keys, and a range takes 3
 * passes instead of one per 8-bit digit (4 to 8). Keys that crowd into
 * a few prefixes make the insertion sort give up after SORT_TOP_BUDGET
 * moves a key; LSD passes over every digit then finish from that order,
 * which every step so far kept stable.
 */
static void ENG(lsd_top)(ENG_K *k, uint32_t *ix, ENG_K *k2, uint32_t *ix2, size_t n, ENG_K lo,
                         unsigned bits, int res_other, int unkey) {
  unsigned sh = bits - 16;
  size_t cnt[2][256];
  memset(cnt, 0, sizeof cnt);
  for (size_t i = 0; i < n; i++) {
    uint32_t r = (uint32_t)((ENG_K)(k[i] - lo) >> sh); /* < 2^16: key - lo < 2^bits */
    cnt[0][r & 0xff]++;
    cnt[1][(r >> 8) & 0xff]++; /* (masked: a key written meanwhile may lie outside [lo, hi]) */
  }
  ENG_K *src = k, *dst = k2;
  uint32_t *isrc = ix, *idst = ix2;
  for (unsigned d = 0; d < 2; d++) {
    if (!ENG(digit_pass)(src, isrc, dst, idst, n, lo, sh + 8 * d, 8, cnt[d])) continue;
    ENG_K *t = src;
    src = dst, dst = t;
    uint32_t *it = isrc;
    isrc = idst, idst = it;
  }
  int in_other = src != k;
  if (ENG(insertion_budget)(src, isrc, n, SORT_TOP_BUDGET * n)) {
    if (in_other) ENG(finish)(k2, ix2, k, ix, n, !res_other, unkey);
    else ENG(finish)(k, ix, k2, ix2, n, res_other, unkey);
  } else if (in_other) {
    ENG(lsd)(k2, ix2, k, ix, n, lo, bits, !res_other, unkey);
  } else {
    ENG(lsd)(k, ix, k2, ix2, n, lo, bits, res_other, unkey);
  }
}

static pw_status ENG(sort)(ENG_K *k, uint32_t *ix, ENG_K *k2, uint32_t *ix2, size_t n,
                           int res_other, int unkey, int have_range, ENG_K lo, ENG_K hi);

/* counts of each block's buckets */
static void ENG(msd_count)(void *p, size_t b0, size_t b1) {
  ENG(msd_ctx) *c = p;
  for (size_t b = b0; b < b1; b++) {
    size_t begin, end, *h = c->hist + b * c->stride;
    pwa_block(c->n, c->nb, b, &begin, &end);
    memset(h, 0, c->nbk * sizeof *h);
    const ENG_K *k = c->k;
    ENG_K lo = c->lo;
    unsigned sh = c->shift;
    /* (kept inside: a key written meanwhile may lie outside [lo, hi]) */
    PWA_STRIPS(s, t, begin, end) for (size_t i = s; i < t; i++) h[pwa_in_n((size_t)((ENG_K)(k[i] - lo) >> sh), c->nbk)]++;
  }
}

/* each block scatters to its offsets: stable */
static void ENG(msd_scatter)(void *p, size_t b0, size_t b1) {
  ENG(msd_ctx) *c = p;
  for (size_t b = b0; b < b1; b++) {
    size_t begin, end, *off = c->hist + b * c->stride;
    pwa_block(c->n, c->nb, b, &begin, &end);
    const ENG_K *k = c->k;
    ENG_K *k2 = c->k2, lo = c->lo;
    unsigned sh = c->shift;
    if (c->ix != NULL) {
      const uint32_t *ix = c->ix;
      uint32_t *ix2 = c->ix2;
      PWA_STRIPS(s, t, begin, end) {
        PWA_UNROLL4
        for (size_t i = s; i < t; i++) {
          ENG_K key = k[i];
          size_t o = pwa_in_n(off[pwa_in_n((size_t)((ENG_K)(key - lo) >> sh), c->nbk)]++, c->n);
          k2[o] = key;
          ix2[o] = ix[i];
        }
      }
    } else {
      PWA_STRIPS(s, t, begin, end) {
        PWA_UNROLL4
        for (size_t i = s; i < t; i++) {
          ENG_K key = k[i];
          k2[pwa_in_n(off[pwa_in_n((size_t)((ENG_K)(key - lo) >> sh), c->nbk)]++, c->n)] = key;
        }
      }
    }
  }
}

/* buckets [b0, b1): each sorted on its own, data now in (k2, ix2) */
static void ENG(msd_buckets)(void *p, size_t b0, size_t b1) {
  ENG(msd_ctx) *c = p;
  for (size_t b = b0; b < b1; b++) {
    size_t s = c->start[b], m = c->start[b + 1] - s;
    if (m == 0) continue;
    uint32_t *ix = c->ix ? c->ix + s : NULL, *ix2 = c->ix2 ? c->ix2 + s : NULL;
    if (c->shift == 0) { /* one key a bucket: already sorted */
      ENG(finish)(c->k2 + s, ix2, c->k + s, ix, m, !c->res_other, c->unkey);
      c->done[b] = 1;
      continue;
    }
    if (pw_cancelled()) { /* (left to ENG(sort)'s restore) */
      c->failed = 1;
      continue;
    }
    /* the key range of a bucket sorted in cache, from its number: no pass
       to find it (the LSD count skips digits that turn out constant); a
       larger bucket's range is measured instead, one read of keys that the
       next MSD step reads twice: few distinct keys make few large buckets,
       and one that holds a single value is then done at once instead of
       taking an MSD step for every ENG_MSD_BITS bits of its number's
       range (10M doubles of 16 values, one thread natively: 102 -> 39 ms) */
    ENG_K blo = (ENG_K)(c->lo + ((ENG_K)b << c->shift));
    ENG_K width = (ENG_K)(((ENG_K)1 << c->shift) - 1);
    ENG_K bhi = (ENG_K)(c->hi - blo) < width ? c->hi : (ENG_K)(blo + width);
    int have_range = m <= ENG_LSD_MAX;
    if (ENG(sort)(c->k2 + s, ix2, c->k + s, ix, m, !c->res_other, c->unkey, have_range, blo, bhi) !=
        PW_OK)
      c->failed = 1; /* cancelled: the bucket is in its result place all the same, unsorted */
    c->done[b] = 1;
  }
}

static unsigned ENG(bit_length)(ENG_K v) {
  unsigned b = 0;
  while (v) b++, v >>= 1;
  return b;
}

/*
 * The bits of an MSD step over [lo, lo + 2^bits): at least D, more (up to
 * SORT_MSD_MAX) while a sample of SORT_SAMPLE keys, evenly spaced, says
 * that more than a tenth of the keys would land in buckets too large to
 * finish in cache. Few bits scatter fastest (sort.c: ENG_MSD_BITS), but
 * keys that crowd into part of their range (floats of both signs: two
 * clusters of exponents) would leave most of them in a few large buckets,
 * each another MSD step.
 */
static unsigned ENG(msd_bits)(const ENG_K *k, size_t n, ENG_K lo, unsigned bits, unsigned D) {
  if (D >= SORT_MSD_MAX || D >= bits) return D;
  unsigned top = bits < SORT_MSD_MAX ? bits : SORT_MSD_MAX, sh = bits - top;
  size_t mask = ((size_t)1 << top) - 1, step = n / SORT_SAMPLE;
  uint16_t cnt[(size_t)1 << SORT_MSD_MAX];
  memset(cnt, 0, ((size_t)1 << top) * sizeof *cnt);
  /* (masked: a key written meanwhile may lie outside [lo, hi]) */
  for (size_t j = 0; j < SORT_SAMPLE; j++) cnt[(size_t)((ENG_K)(k[j * step] - lo) >> sh) & mask]++;
  /* sampled keys in a bucket of more than ENG_LSD_MAX keys, at that rate */
  size_t limit = ENG_LSD_MAX / step;
  for (; D < top; D++) {
    size_t g = (size_t)1 << (top - D), over = 0;
    for (size_t b = 0; b <= mask; b += g) {
      size_t sum = 0;
      for (size_t j = b; j < b + g; j++) sum += cnt[j];
      if (sum > limit) over += sum;
    }
    if (over * 10 <= SORT_SAMPLE) break;
  }
  return D;
}

/*
 * Sorts (k, ix) by key, stably; see the top of this file. With
 * have_range, [lo, hi] are the smallest and largest keys.
 *
 * Cancelled (PW_ECANCELED), it still leaves every key (and index) in the
 * result place and form (k, or k2 with res_other; elements if unkey >= 0),
 * in some order: an in-place sort aborted part way must leave the
 * caller's elements, not keys or a mixture. Only the MSD passes look at
 * the cancel flag (the in-cache sorts run to their end): cancelled in the
 * count or the scatter, the input is still whole in (k, ix) and goes to
 * the result place as it is; in the buckets, each bucket is either done
 * (sorted, or moved there unsorted by its own cancelled recursion) or
 * still whole in (k2, ix2), from where it is moved.
 */
static pw_status ENG(sort)(ENG_K *k, uint32_t *ix, ENG_K *k2, uint32_t *ix2, size_t n,
                           int res_other, int unkey, int have_range, ENG_K lo, ENG_K hi) {
  if (n <= PWA_INSERTION_MAX) {
    ENG(insertion_budget)(k, ix, n, SIZE_MAX);
    ENG(finish)(k, ix, k2, ix2, n, res_other, unkey);
    return PW_OK;
  }
  if (!have_range) ENG(minmax)(k, n, &lo, &hi);
  if (lo == hi) {
    ENG(finish_equal)(k, ix, k2, ix2, n, res_other, unkey, lo);
    return PW_OK;
  }
  unsigned bits = ENG(bit_length)((ENG_K)(hi - lo));
  if (n <= SORT_MERGE_MAX && bits > 8) {
    ENG(merge_small)(k, ix, k2, ix2, n, res_other, unkey);
    return PW_OK;
  }
  if (n <= ENG_LSD_MAX) {
    if (bits >= SORT_TOP_MIN_BITS) ENG(lsd_top)(k, ix, k2, ix2, n, lo, bits, res_other, unkey);
    else ENG(lsd)(k, ix, k2, ix2, n, lo, bits, res_other, unkey);
    return PW_OK;
  }
  /* MSD: 2^D buckets over [lo, hi], D chosen so that buckets of uniform
     data come out about ENG_BUCKET keys long, and raised where a sample
     finds keys crowding */
  unsigned D = ENG(bit_length)((ENG_K)(n / ENG_BUCKET));
  if (D < 4) D = 4;
  if (D > ENG_MSD_BITS) D = ENG_MSD_BITS;
  D = ENG(msd_bits)(k, n, lo, bits, D);
  ENG(msd_ctx) c;
  memset(&c, 0, sizeof c);
  c.k = k, c.k2 = k2, c.ix = ix, c.ix2 = ix2, c.n = n, c.lo = lo, c.hi = hi;
  c.shift = bits > D ? bits - D : 0;
  c.nbk = (size_t)((ENG_K)(hi - lo) >> c.shift) + 1;
  c.nb = pwa_blocks(n, SORT_MIN_BLOCK);
  c.res_other = res_other, c.unkey = unkey;
  c.stride = pwa_padded(c.nbk, sizeof(size_t));
  size_t words = c.nb * c.stride + c.nbk + 1 + pw_chunks(c.nbk, sizeof(size_t));
  c.hist = pwa_alloc(words, sizeof(size_t));
  if (c.hist == NULL) {
    /* no memory for the counters: LSD over the whole range needs none
       (slower out of cache, but the sort cannot fail half done) */
    ENG(lsd)(k, ix, k2, ix2, n, lo, bits, res_other, unkey);
    return PW_OK;
  }
  c.start = c.hist + c.nb * c.stride;
  c.done = (unsigned char *)(c.start + c.nbk + 1);
  memset(c.done, 0, c.nbk);
  pw_status s = pw_parallel_for(c.nb, 1, ENG(msd_count), &c);
  if (s == PW_OK) {
    size_t sum = 0;
    for (size_t v = 0; v < c.nbk; v++) {
      c.start[v] = sum;
      for (size_t b = 0; b < c.nb; b++) {
        size_t t = c.hist[b * c.stride + v];
        c.hist[b * c.stride + v] = sum;
        sum += t;
      }
    }
    c.start[c.nbk] = sum;
    s = pw_parallel_for(c.nb, 1, ENG(msd_scatter), &c);
  }
  if (s != PW_OK) {
    /* cancelled in the count or the scatter: (k, ix) still holds the input */
    ENG(finish)(k, ix, k2, ix2, n, res_other, unkey);
  } else {
    /* buckets in groups of about SORT_MIN_BLOCK keys per chunk */
    size_t grain = c.nbk / (pw_chunks(n, SORT_MIN_BLOCK) * 4 + 1) + 1;
    s = pw_parallel_for(c.nbk, grain, ENG(msd_buckets), &c);
    if (s == PW_OK && c.failed) s = PW_ECANCELED;
    /* cancelled: the buckets not done (skipped chunks, or skipped at the
       flag) to their result place, unsorted */
    for (size_t b = 0; s != PW_OK && b < c.nbk; b++) {
      size_t at = c.start[b], m = c.start[b + 1] - at;
      if (c.done[b] || m == 0) continue;
      ENG(finish)(k2 + at, ix2 ? ix2 + at : NULL, k + at, ix ? ix + at : NULL, m, !res_other, unkey);
    }
  }
  free(c.hist);
  return s;
}

#undef ENG_UNKEY_CALL
#undef ENG_UNKEY_SIMD
#undef ENG
#undef ENG_CAT
#undef ENG_CAT2
