/*
 * blake3.c — BLAKE3 (hash, keyed hash, key derivation; extendable output):
 * the kernels of include/parawasm/blake3.h and the streaming state of
 * src/kernels/blake3.h.
 *
 * The tree. The input is cut into 1024-byte chunks (the last may be
 * shorter, never empty unless the whole input is). Chunk i is hashed alone,
 * with counter i, into a chaining value (CV). CVs are joined pairwise by
 * parent nodes into a binary tree whose left subtree always holds the
 * largest power of two of chunks that is less than the total: every left
 * child is a complete, power-of-two subtree. The root node (a chunk if
 * there is one, else a parent) is compressed again with ROOT set and an
 * output counter, 64 bytes at a time, for the extendable output.
 *
 * How the state gets there. The state keeps the current chunk and a stack
 * of CVs of complete subtrees, left to right. A chunk is turned into a CV
 * only when more input arrives, so the current chunk is never empty (unless
 * the whole input is). After a subtree that ends before chunk c is pushed,
 * the top two entries are merged into their parent while the stack holds
 * more entries than c has one bits: the stack then holds exactly the
 * subtrees of c's binary expansion, largest first, each complete and never
 * the root (the current chunk follows). At finalize the stack is folded
 * right to left into the current chunk, the last fold being the root.
 *
 * Throughput. An update with many whole chunks does not go chunk by chunk:
 * the chunks it may close (all but the last, which stays current) are cut
 * into aligned power-of-two pieces, each piece's CV is computed by
 * piece_cv() (4 chunks at a time with the 4-way compressor, then 4 parents
 * at a time, level by level, inside 64-chunk groups), and the pieces' CVs
 * are pushed in order. With pw_concurrency() > 1 and PW_BLAKE3_PAR_MIN
 * bytes or more, the pieces are at most a grain in size and run through
 * pw_parallel_for, each writing its own slot; the pushes stay on the
 * caller. Pieces are whole subtrees of the final tree, so the digest does
 * not depend on how the input was cut or on the thread count.
 *
 * No global mutable state; the state is plain data.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parawasm.h"
#include "parawasm/blake3.h"
#include "simd.h"
#include "blake3.h"

#ifndef PW_BLAKE3_PAR_MIN
#define PW_BLAKE3_PAR_MIN (256u << 10) /* bytes: below, one thread */
#endif
#define PAR_GRAIN_MIN 16u     /* chunks per parallel piece, at least (power of 2) */
#define PAR_GRAIN_MAX 1024u   /* chunks per parallel piece, at most (power of 2) */
#define PAR_PIECES_PER_THREAD 8
#define PAR_BATCH 128         /* pieces per pw_parallel_for (slots in one job) */
#define SERIAL_PIECE_MAX 4096u /* chunks per piece on one thread, at most (power of 2) */
#define GROUP 64u             /* chunks reduced in one buffer by piece_cv() */

#define BLOCK_LEN PW_BLAKE3_BLOCK_LEN
#define CHUNK_LEN PW_BLAKE3_CHUNK_LEN

/* ---------------------------------------------------------------------- */
/* Portable compression                                                   */
/* ---------------------------------------------------------------------- */

PW_INLINE uint32_t ror32(uint32_t x, unsigned n) { return (x >> n) | (x << (32 - n)); }

PW_INLINE void store32le(uint8_t *p, uint32_t w) {
  p[0] = (uint8_t)w;
  p[1] = (uint8_t)(w >> 8);
  p[2] = (uint8_t)(w >> 16);
  p[3] = (uint8_t)(w >> 24);
}

#define G(a, b, c, d, x, y)     \
  do {                          \
    a = a + b + (x);            \
    d = ror32(d ^ a, 16);       \
    c = c + d;                  \
    b = ror32(b ^ c, 12);       \
    a = a + b + (y);            \
    d = ror32(d ^ a, 8);        \
    c = c + d;                  \
    b = ror32(b ^ c, 7);        \
  } while (0)

/* One round, its message schedule given as literal word numbers, so that
 * every word stays in a local (a wasm local, a register natively). */
#define ROUND(s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, s12, s13, s14, s15) \
  do {                                   \
    G(v0, v4, v8, v12, m##s0, m##s1);    \
    G(v1, v5, v9, v13, m##s2, m##s3);    \
    G(v2, v6, v10, v14, m##s4, m##s5);   \
    G(v3, v7, v11, v15, m##s6, m##s7);   \
    G(v0, v5, v10, v15, m##s8, m##s9);   \
    G(v1, v6, v11, v12, m##s10, m##s11); \
    G(v2, v7, v8, v13, m##s12, m##s13);  \
    G(v3, v4, v9, v14, m##s14, m##s15);  \
  } while (0)

/* The 16 words after the 7 rounds (before the final XORs). The rounds'
 * schedules are pw_blake3_schedule (blake3.h), written out. */
static void compress_rounds(uint32_t out[16], const uint32_t cv[8], const uint8_t block[64],
                            uint32_t block_len, uint64_t counter, uint32_t flags) {
  uint32_t m0 = pw_load32le(block + 0), m1 = pw_load32le(block + 4), m2 = pw_load32le(block + 8), m3 = pw_load32le(block + 12);
  uint32_t m4 = pw_load32le(block + 16), m5 = pw_load32le(block + 20), m6 = pw_load32le(block + 24), m7 = pw_load32le(block + 28);
  uint32_t m8 = pw_load32le(block + 32), m9 = pw_load32le(block + 36), m10 = pw_load32le(block + 40), m11 = pw_load32le(block + 44);
  uint32_t m12 = pw_load32le(block + 48), m13 = pw_load32le(block + 52), m14 = pw_load32le(block + 56), m15 = pw_load32le(block + 60);
  uint32_t v0 = cv[0], v1 = cv[1], v2 = cv[2], v3 = cv[3], v4 = cv[4], v5 = cv[5], v6 = cv[6], v7 = cv[7];
  uint32_t v8 = pw_blake3_iv[0], v9 = pw_blake3_iv[1], v10 = pw_blake3_iv[2], v11 = pw_blake3_iv[3];
  uint32_t v12 = (uint32_t)counter, v13 = (uint32_t)(counter >> 32), v14 = block_len, v15 = flags;
  ROUND(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  ROUND(2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8);
  ROUND(3, 4, 10, 12, 13, 2, 7, 14, 6, 5, 9, 0, 11, 15, 8, 1);
  ROUND(10, 7, 12, 9, 14, 3, 13, 15, 4, 0, 11, 2, 5, 8, 1, 6);
  ROUND(12, 13, 9, 11, 15, 10, 14, 8, 7, 2, 5, 3, 0, 1, 6, 4);
  ROUND(9, 14, 11, 5, 8, 12, 15, 1, 13, 3, 0, 10, 2, 6, 4, 7);
  ROUND(11, 15, 5, 0, 1, 9, 8, 6, 14, 10, 2, 12, 3, 4, 7, 13);
  out[0] = v0; out[1] = v1; out[2] = v2; out[3] = v3; out[4] = v4; out[5] = v5; out[6] = v6; out[7] = v7;
  out[8] = v8; out[9] = v9; out[10] = v10; out[11] = v11; out[12] = v12; out[13] = v13; out[14] = v14; out[15] = v15;
}

/* cv = the first 8 words of the compression output. */
static void compress_cv(uint32_t cv[8], const uint8_t block[64], uint32_t block_len,
                        uint64_t counter, uint32_t flags) {
  uint32_t v[16];
  compress_rounds(v, cv, block, block_len, counter, flags);
  for (int i = 0; i < 8; i++) cv[i] = v[i] ^ v[i + 8];
}

/* All 64 bytes of the compression output (the extendable output). */
static void compress_xof(const uint32_t cv[8], const uint8_t block[64], uint32_t block_len,
                         uint64_t counter, uint32_t flags, uint8_t out[64]) {
  uint32_t v[16];
  compress_rounds(v, cv, block, block_len, counter, flags);
  for (int i = 0; i < 8; i++) {
    store32le(out + 4 * i, v[i] ^ v[i + 8]);
    store32le(out + 32 + 4 * i, v[i + 8] ^ cv[i]);
  }
}

static void words_to_bytes(uint8_t out[32], const uint32_t w[8]) {
  for (int i = 0; i < 8; i++) store32le(out + 4 * i, w[i]);
}

static void bytes_to_words(uint32_t w[8], const uint8_t in[32]) {
  for (int i = 0; i < 8; i++) w[i] = pw_load32le(in + 4 * i);
}

/* ---------------------------------------------------------------------- */
/* Many chunks, many parents                                              */
/* ---------------------------------------------------------------------- */

/* The CV of one whole chunk (1024 bytes). */
static void chunk_cv(const uint8_t *in, const uint32_t key[8], uint64_t counter, uint8_t flags,
                     uint8_t out[32]) {
  uint32_t cv[8];
  memcpy(cv, key, sizeof cv);
  for (unsigned b = 0; b < CHUNK_LEN / BLOCK_LEN; b++) {
    uint32_t f = flags | (b == 0 ? PW_B3_CHUNK_START : 0) |
                 (b == CHUNK_LEN / BLOCK_LEN - 1 ? PW_B3_CHUNK_END : 0);
    compress_cv(cv, in + b * BLOCK_LEN, BLOCK_LEN, counter, f);
  }
  words_to_bytes(out, cv);
}

/* The CV of the parent of the two CVs at in[0..64). */
static void parent_cv(const uint8_t in[64], const uint32_t key[8], uint8_t flags, uint8_t out[32]) {
  uint32_t cv[8];
  memcpy(cv, key, sizeof cv);
  compress_cv(cv, in, BLOCK_LEN, 0, flags | PW_B3_PARENT);
  words_to_bytes(out, cv);
}

#if PW_BLAKE3_HAVE_X4
/*
 * 4-way over n inputs `step` bytes apart (n >= 1; lanes past n repeat the
 * last input and their results are dropped), for the 1-3 left over.
 */
static void x4_partial(const uint8_t *in, size_t n, size_t step, size_t nblocks,
                       const uint32_t key[8], uint64_t counter, unsigned counter_step, uint8_t flags,
                       uint8_t flags_start, uint8_t flags_end, uint8_t *out) {
  const uint8_t *lanes[4];
  uint8_t tmp[128];
  for (size_t i = 0; i < 4; i++) lanes[i] = in + step * (i < n ? i : n - 1);
  pw_blake3__x4(lanes, nblocks, key, counter, counter_step, flags, flags_start, flags_end, tmp);
  memcpy(out, tmp, 32 * n);
}
#endif

/* CVs of n whole chunks at in with counters counter.. into out[0..32n). */
static void hash_chunks(const uint8_t *in, size_t n, const uint32_t key[8], uint64_t counter,
                        uint8_t flags, uint8_t *out, int portable) {
#if PW_BLAKE3_HAVE_X4
  if (!portable) {
    for (; n >= 4; n -= 4, in += 4 * CHUNK_LEN, out += 128, counter += 4) {
      const uint8_t *lanes[4] = {in, in + CHUNK_LEN, in + 2 * CHUNK_LEN, in + 3 * CHUNK_LEN};
      pw_blake3__x4(lanes, CHUNK_LEN / BLOCK_LEN, key, counter, 1, flags, PW_B3_CHUNK_START,
                    PW_B3_CHUNK_END, out);
    }
    if (n >= 2) { /* one 4-way call costs about one chunk done alone */
      x4_partial(in, n, CHUNK_LEN, CHUNK_LEN / BLOCK_LEN, key, counter, 1, flags,
                 PW_B3_CHUNK_START, PW_B3_CHUNK_END, out);
      return;
    }
  }
#else
  (void)portable;
#endif
  for (; n > 0; n--, in += CHUNK_LEN, out += 32, counter++) chunk_cv(in, key, counter, flags, out);
}

/* Parents of the n CV pairs at in[0..64n) into out[0..32n); out may be in. */
static void hash_parents(const uint8_t *in, size_t n, const uint32_t key[8], uint8_t flags,
                         uint8_t *out, int portable) {
#if PW_BLAKE3_HAVE_X4
  if (!portable) {
    for (; n >= 4; n -= 4, in += 256, out += 128) {
      const uint8_t *lanes[4] = {in, in + 64, in + 128, in + 192};
      pw_blake3__x4(lanes, 1, key, 0, 0, flags | PW_B3_PARENT, 0, 0, out);
    }
    if (n >= 2) {
      x4_partial(in, n, 64, 1, key, 0, 0, flags | PW_B3_PARENT, 0, 0, out);
      return;
    }
  }
#else
  (void)portable;
#endif
  for (; n > 0; n--, in += 64, out += 32) parent_cv(in, key, flags, out);
}

/*
 * The CV of the complete subtree of n chunks (n a power of two) at in,
 * the first with counter `counter` (a multiple of n); never a root.
 */
static void piece_cv(const uint8_t *in, uint64_t n, const uint32_t key[8], uint64_t counter,
                     uint8_t flags, int portable, uint8_t out[32]) {
  uint8_t buf[GROUP * 32];
  if (n <= GROUP) {
    hash_chunks(in, (size_t)n, key, counter, flags, buf, portable);
    for (; n > 1; n /= 2) hash_parents(buf, (size_t)(n / 2), key, flags, buf, portable);
    memcpy(out, buf, 32);
    return;
  }
  /* Groups of GROUP chunks, joined on a stack as a binary counter. */
  uint8_t stack[64 * 32];
  size_t depth = 0;
  for (uint64_t g = 0; g < n / GROUP; g++) {
    piece_cv(in + g * GROUP * CHUNK_LEN, GROUP, key, counter + g * GROUP, flags, portable,
             stack + 32 * depth);
    depth++;
    for (uint64_t t = g + 1; (t & 1) == 0; t >>= 1, depth--)
      parent_cv(stack + 32 * (depth - 2), key, flags, stack + 32 * (depth - 2));
  }
  memcpy(out, stack, 32);
}

/* ---------------------------------------------------------------------- */
/* The state                                                              */
/* ---------------------------------------------------------------------- */

static unsigned popcount64(uint64_t x) {
  unsigned n = 0;
  for (; x; x &= x - 1) n++;
  return n;
}

/*
 * Pushes the CV of a complete subtree that ends before chunk `end`, then
 * merges the top two entries while the stack holds more entries than end
 * has one bits. The current chunk always follows (a chunk is closed only
 * when more input arrives), so no merge here is the root.
 */
static void push_cv(pw_blake3_state *s, const uint8_t cv[32], uint64_t end) {
  memcpy(s->cv_stack + 32 * s->cv_stack_len, cv, 32);
  s->cv_stack_len++;
  unsigned keep = popcount64(end);
  while (s->cv_stack_len > keep) {
    uint8_t *top2 = s->cv_stack + 32 * (s->cv_stack_len - 2);
    parent_cv(top2, s->key, s->flags, top2);
    s->cv_stack_len--;
  }
}

static void init_base(pw_blake3_state *s, const uint32_t key[8], uint8_t flags) {
  memset(s, 0, sizeof *s);
  memcpy(s->key, key, sizeof s->key);
  memcpy(s->chunk_cv, key, sizeof s->chunk_cv);
  s->flags = flags;
}

void pw_blake3_init(pw_blake3_state *s) { init_base(s, pw_blake3_iv, 0); }

void pw_blake3_init_keyed(pw_blake3_state *s, const uint8_t key[32]) {
  uint32_t k[8];
  bytes_to_words(k, key);
  init_base(s, k, PW_B3_KEYED_HASH);
}

void pw_blake3_init_derive_key(pw_blake3_state *s, const uint8_t *context, size_t context_len) {
  init_base(s, pw_blake3_iv, PW_B3_DERIVE_KEY_CONTEXT);
  pw_blake3_update(s, context, context_len);
  uint8_t ck[32];
  pw_blake3_finalize(s, 0, ck, 32);
  uint32_t k[8];
  bytes_to_words(k, ck);
  init_base(s, k, PW_B3_DERIVE_KEY_MATERIAL);
}

/* Bytes in the current chunk so far. */
static size_t chunk_len(const pw_blake3_state *s) {
  return (size_t)s->blocks_compressed * BLOCK_LEN + s->block_len;
}

/* Adds up to a chunk's worth of bytes to the current chunk; returns how
 * many it took. The last block stays uncompressed (it may be CHUNK_END). */
static size_t chunk_fill(pw_blake3_state *s, const uint8_t *p, size_t len) {
  size_t room = CHUNK_LEN - chunk_len(s), taken = len < room ? len : room;
  for (size_t left = taken; left > 0;) {
    if (s->block_len == BLOCK_LEN) {
      compress_cv(s->chunk_cv, s->block, BLOCK_LEN, s->chunk_counter,
                  s->flags | (s->blocks_compressed == 0 ? PW_B3_CHUNK_START : 0));
      s->blocks_compressed++;
      s->block_len = 0;
    }
    size_t n = BLOCK_LEN - s->block_len;
    if (n > left) n = left;
    memcpy(s->block + s->block_len, p, n);
    s->block_len = (uint8_t)(s->block_len + n);
    p += n;
    left -= n;
  }
  return taken;
}

/* The current chunk is full and more input follows: push its CV. */
static void chunk_close(pw_blake3_state *s) {
  uint32_t cv[8];
  memcpy(cv, s->chunk_cv, sizeof cv);
  compress_cv(cv, s->block, BLOCK_LEN, s->chunk_counter,
              s->flags | PW_B3_CHUNK_END | (s->blocks_compressed == 0 ? PW_B3_CHUNK_START : 0));
  uint8_t b[32];
  words_to_bytes(b, cv);
  push_cv(s, b, s->chunk_counter + 1);
  s->chunk_counter++;
  memcpy(s->chunk_cv, s->key, sizeof s->chunk_cv);
  s->block_len = 0;
  s->blocks_compressed = 0;
}

/* The largest power of two <= n (n >= 1). */
static uint64_t pow2_floor(uint64_t n) {
  uint64_t p = 1;
  while (p <= n / 2) p *= 2;
  return p;
}

/* Size of the next aligned piece at chunk c with `left` chunks to go,
 * at most `cap` (a power of two). */
static uint64_t next_piece(uint64_t c, uint64_t left, uint64_t cap) {
  uint64_t size = pow2_floor(left);
  if (size > cap) size = cap;
  while (c & (size - 1)) size /= 2;
  return size;
}

typedef struct {
  const uint8_t *base; /* chunk `first` */
  uint64_t first;      /* counter of base */
  const uint32_t *key;
  uint8_t flags, portable;
  uint64_t start[PAR_BATCH]; /* piece i: chunks [start, start + len) */
  uint64_t len[PAR_BATCH];
  uint8_t cv[PAR_BATCH][32];
} piece_job;

static void piece_run(void *ctx, size_t begin, size_t end) {
  piece_job *job = ctx;
  for (size_t i = begin; i < end; i++)
    piece_cv(job->base + (job->start[i] - job->first) * CHUNK_LEN, job->len[i], job->key,
             job->start[i], job->flags, job->portable, job->cv[i]);
}

/*
 * Closes n whole chunks at p, the first with counter s->chunk_counter (the
 * current chunk is empty), pushing their subtrees' CVs. Returns PW_OK or
 * PW_ECANCELED.
 */
static pw_status wide_update(pw_blake3_state *s, const uint8_t *p, uint64_t n) {
  uint64_t c = s->chunk_counter, end = c + n;
  int threads = pw_concurrency();
  piece_job *job;
  if (threads <= 1 || n * CHUNK_LEN < PW_BLAKE3_PAR_MIN || (job = malloc(sizeof *job)) == NULL) {
    /* One thread (or no memory for the slots: the same result). Pieces of
     * at most a few MiB, so that a cancelled task stops soon. */
    while (c < end) {
      if (pw_cancelled()) return PW_ECANCELED;
      uint64_t size = next_piece(c, end - c, SERIAL_PIECE_MAX);
      uint8_t cv[32];
      piece_cv(p, size, s->key, c, s->flags, s->portable, cv);
      push_cv(s, cv, c + size);
      p += size * CHUNK_LEN;
      c += size;
    }
    s->chunk_counter = c;
    return PW_OK;
  }

  uint64_t grain = pow2_floor(n / ((uint64_t)threads * PAR_PIECES_PER_THREAD) + 1);
  if (grain < PAR_GRAIN_MIN) grain = PAR_GRAIN_MIN;
  if (grain > PAR_GRAIN_MAX) grain = PAR_GRAIN_MAX;
  job->key = s->key;
  job->flags = s->flags;
  job->portable = s->portable;
  pw_status st = PW_OK;
  while (c < end) {
    job->base = p;
    job->first = c;
    size_t k = 0;
    uint64_t at = c;
    for (; k < PAR_BATCH && at < end; k++) {
      job->start[k] = at;
      job->len[k] = next_piece(at, end - at, grain);
      at += job->len[k];
    }
    st = pw_parallel_for(k, 1, piece_run, job);
    if (st != PW_OK) break; /* cancelled: the state is discarded */
    for (size_t i = 0; i < k; i++) push_cv(s, job->cv[i], job->start[i] + job->len[i]);
    p += (at - c) * CHUNK_LEN;
    c = at;
  }
  free(job);
  s->chunk_counter = c;
  return st;
}

void pw_blake3_update(pw_blake3_state *s, const uint8_t *data, size_t len) {
  if (len == 0) return;
  /* Fill the current chunk; close it if it is full and more follows. */
  if (chunk_len(s) > 0) {
    size_t n = chunk_fill(s, data, len);
    data += n;
    len -= n;
    if (len == 0) return;
    chunk_close(s);
  }
  /* Whole chunks, all but the last byte's chunk: whole subtrees. */
  if (len > CHUNK_LEN) {
    uint64_t n = (uint64_t)((len - 1) / CHUNK_LEN);
    if (wide_update(s, data, n) != PW_OK) return;
    data += n * CHUNK_LEN;
    len -= (size_t)n * CHUNK_LEN;
  }
  chunk_fill(s, data, len);
}

void pw_blake3_finalize(const pw_blake3_state *s, uint64_t seek, uint8_t *out, size_t out_len) {
  if (out_len == 0) return;
  /* The root node: its input CV, block, length, counter and flags. */
  uint32_t cv[8];
  uint8_t block[64];
  uint32_t block_len = s->block_len;
  uint64_t counter = s->chunk_counter;
  uint32_t flags = s->flags | PW_B3_CHUNK_END | (s->blocks_compressed == 0 ? PW_B3_CHUNK_START : 0);
  memcpy(cv, s->chunk_cv, sizeof cv);
  memset(block, 0, sizeof block);
  memcpy(block, s->block, s->block_len);
  /* Fold the stack into the current chunk, right to left. */
  for (size_t i = s->cv_stack_len; i > 0; i--) {
    compress_cv(cv, block, block_len, counter, flags); /* the right child's CV */
    memcpy(block, s->cv_stack + 32 * (i - 1), 32);
    words_to_bytes(block + 32, cv);
    memcpy(cv, s->key, sizeof cv);
    block_len = BLOCK_LEN;
    counter = 0;
    flags = s->flags | PW_B3_PARENT;
  }
  /* Output blocks from the one that holds byte `seek`. */
  uint64_t ob = seek / BLOCK_LEN;
  size_t skip = (size_t)(seek % BLOCK_LEN);
  while (out_len > 0) {
    uint8_t buf[64];
    compress_xof(cv, block, block_len, ob++, flags | PW_B3_ROOT, buf);
    size_t n = BLOCK_LEN - skip;
    if (n > out_len) n = out_len;
    memcpy(out, buf + skip, n);
    out += n;
    out_len -= n;
    skip = 0;
  }
}

/* ---------------------------------------------------------------------- */
/* Kernels                                                                */
/* ---------------------------------------------------------------------- */

void pw_blake3(const void *data, size_t len, uint8_t *out, size_t out_len) {
  pw_blake3_state s;
  pw_blake3_init(&s);
  pw_blake3_update(&s, data, len);
  if (pw_cancelled()) return;
  pw_blake3_finalize(&s, 0, out, out_len);
}

void pw_blake3_keyed(const void *data, size_t len, const uint8_t *key, uint8_t *out,
                     size_t out_len) {
  pw_blake3_state s;
  pw_blake3_init_keyed(&s, key);
  pw_blake3_update(&s, data, len);
  if (pw_cancelled()) return;
  pw_blake3_finalize(&s, 0, out, out_len);
}

void pw_blake3_derive_key(const char *context, size_t context_len, const void *material,
                          size_t len, uint8_t *out, size_t out_len) {
  pw_blake3_state s;
  pw_blake3_init_derive_key(&s, (const uint8_t *)context, context_len);
  pw_blake3_update(&s, material, len);
  if (pw_cancelled()) return;
  pw_blake3_finalize(&s, 0, out, out_len);
}
