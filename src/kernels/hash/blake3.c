/*
 * blake3.c — BLAKE3 (hash, keyed hash, key derivation; extendable output):
 * the kernels of include/parawasm/blake3.h and the streaming state of
 * src/kernels/hash/blake3.h.
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
 * Small inputs. Fewer than 4 chunks cannot fill the 4-way compressor: two
 * whole chunks go as two interleaved row-parallel chains in wasm (the 16
 * words as 4 rows of 4 lanes, row_rounds()); a single chain of blocks is
 * compressed by the scalar rounds, which beat one row-parallel chain in
 * Node here (1 KiB: 1.75 us against 2.6 us a call); whole blocks are
 * compressed straight from the input. The
 * one-shot kernels hash inputs of up to 64 chunks without the state
 * (oneshot()), so that the last chunk joins the 4-way batches too.
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

/* In wasm, an empty asm statement after each G keeps its four words
   scalar: clang would otherwise vectorise the four G of a step into i32x4
   operations with shuffles (SLP), which ran slower in Node here. */
#ifdef __wasm__
#define G_SCALAR(a, b, c, d) __asm__("" : "+r"(a), "+r"(b), "+r"(c), "+r"(d))
#else
#define G_SCALAR(a, b, c, d) ((void)0)
#endif

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
    G_SCALAR(a, b, c, d);       \
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

#ifdef __wasm_simd128__
/* ---------------------------------------------------------------------- */
/* Row-parallel compression (one block, wasm SIMD)                        */
/* ---------------------------------------------------------------------- */
/*
 * The 16 state words as 4 rows a = v0..3, b = v4..7, c = v8..11,
 * d = v12..15: the column step is G on the 4 lanes at once. For the
 * diagonals, a is rotated right by one lane, c left by one and d by two:
 * lane i then holds diagonal i - 1 (mod 4), i.e. (v3, v4, v9, v14) in lane
 * 0, (v0, v5, v10, v15) in lane 1, ... Rotating a, c, d rather than b, c, d
 * keeps b, the last word G computes, off the shuffles' latency; rotating
 * back restores the rows. The message words of a round are kept as 4
 * vectors, in the order the steps take them:
 *   X = words (s0, s2, s4, s6), Y = (s1, s3, s5, s7)            columns
 *   Z = words (s14, s8, s10, s12), W = (s15, s9, s11, s13)      diagonals
 * (s the round's schedule). Round 0 takes them from the block's 4 loads
 * with one two-input shuffle each; each later round is the previous one
 * permuted by the specification's permutation P (schedule position k of
 * round r + 1 is position P[k] of round r), a fixed set of 7 shuffles.
 * Also on latency: a + b + x is computed as (a + x) + b, b being the
 * latest input.
 */
/* by 16: a swizzle with constant indices is one pshufb on x64 (its index
 * fix-up is off the data path), where V8 turns the same i8x16.shuffle into
 * pshuflw + pshufhw, one more step of latency (1 KiB: 1.30 -> 1.25 us) */
#define ROW_ROR16(x) wasm_i8x16_swizzle(x, wasm_i8x16_const(2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13))
#define ROW_ROR8(x) wasm_i8x16_shuffle(x, x, 1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12)
#define ROW_ROR(x, n) wasm_v128_or(wasm_u32x4_shr(x, n), wasm_i32x4_shl(x, 32 - (n)))

#define ROW_G(a, b, c, d, x, y)                          \
  do {                                                   \
    a = wasm_i32x4_add(wasm_i32x4_add(a, x), b);         \
    d = ROW_ROR16(wasm_v128_xor(d, a));                  \
    c = wasm_i32x4_add(c, d);                            \
    b = ROW_ROR(wasm_v128_xor(b, c), 12);                \
    a = wasm_i32x4_add(wasm_i32x4_add(a, y), b);         \
    d = ROW_ROR8(wasm_v128_xor(d, a));                   \
    c = wasm_i32x4_add(c, d);                            \
    b = ROW_ROR(wasm_v128_xor(b, c), 7);                 \
  } while (0)

#define ROW_ROUND(a, b, c, d, x, y, z, w)    \
  do {                                       \
    ROW_G(a, b, c, d, x, y);                 \
    a = wasm_i32x4_shuffle(a, a, 3, 0, 1, 2); \
    c = wasm_i32x4_shuffle(c, c, 1, 2, 3, 0); \
    d = wasm_i32x4_shuffle(d, d, 2, 3, 0, 1); \
    ROW_G(a, b, c, d, z, w);                 \
    a = wasm_i32x4_shuffle(a, a, 1, 2, 3, 0); \
    c = wasm_i32x4_shuffle(c, c, 3, 0, 1, 2); \
    d = wasm_i32x4_shuffle(d, d, 2, 3, 0, 1); \
  } while (0)

/* Next round's X, Y, Z, W. With P = (2,6,3,10, 7,0,4,13, 1,11,12,5, 9,14,15,8):
 *   X' = positions P0,P2,P4,P6     = 2,3,7,4    = X1, Y1, Y3, X2
 *   Y' = positions P1,P3,P5,P7     = 6,10,0,13  = X3, Z2, X0, W3
 *   Z' = positions P14,P8,P10,P12  = 15,1,12,9  = W0, Y0, Z3, W1
 *   W' = positions P15,P9,P11,P13  = 8,11,5,14  = Z1, W2, Y2, Z0
 * (lane numbers of the stored, rotated Z and W: position 8 + 2k is Z lane
 * k + 1 mod 4, position 9 + 2k is W lane k + 1 mod 4). */
#define ROW_PERMUTE(x, y, z, w)                                             \
  do {                                                                      \
    v128_t x_ = wasm_i32x4_shuffle(x, y, 1, 5, 7, 2);                       \
    v128_t y_ = wasm_i32x4_shuffle(wasm_i32x4_shuffle(x, z, 3, 6, 0, 0), w, 0, 1, 2, 7); \
    v128_t z_ = wasm_i32x4_shuffle(wasm_i32x4_shuffle(w, y, 0, 4, 1, 1), z, 0, 1, 7, 2); \
    v128_t w_ = wasm_i32x4_shuffle(wasm_i32x4_shuffle(z, w, 1, 6, 0, 0), y, 0, 1, 6, 2); \
    x = x_;                                                                 \
    y = y_;                                                                 \
    z = z_;                                                                 \
    w = w_;                                                                 \
  } while (0)

/* The 4 rows after the 7 rounds (before the final XORs), from the CV's two
 * rows h0 = cv[0..4), h1 = cv[4..8). */
PW_INLINE void row_rounds(v128_t h0, v128_t h1, const uint8_t block[64], uint32_t block_len,
                          uint64_t counter, uint32_t flags, v128_t *ra, v128_t *rb, v128_t *rc,
                          v128_t *rd) {
  v128_t m0 = wasm_v128_load(block), m1 = wasm_v128_load(block + 16);
  v128_t m2 = wasm_v128_load(block + 32), m3 = wasm_v128_load(block + 48);
  v128_t x = wasm_i32x4_shuffle(m0, m1, 0, 2, 4, 6);
  v128_t y = wasm_i32x4_shuffle(m0, m1, 1, 3, 5, 7);
  v128_t z = wasm_i32x4_shuffle(m2, m3, 6, 0, 2, 4);
  v128_t w = wasm_i32x4_shuffle(m2, m3, 7, 1, 3, 5);
  v128_t a = h0, b = h1;
  v128_t c = wasm_i32x4_const((int32_t)0x6A09E667u, (int32_t)0xBB67AE85u, (int32_t)0x3C6EF372u,
                              (int32_t)0xA54FF53Au);
  v128_t d = wasm_i32x4_make((int32_t)(uint32_t)counter, (int32_t)(uint32_t)(counter >> 32),
                             (int32_t)block_len, (int32_t)flags);
  ROW_ROUND(a, b, c, d, x, y, z, w);
  ROW_PERMUTE(x, y, z, w);
  ROW_ROUND(a, b, c, d, x, y, z, w);
  ROW_PERMUTE(x, y, z, w);
  ROW_ROUND(a, b, c, d, x, y, z, w);
  ROW_PERMUTE(x, y, z, w);
  ROW_ROUND(a, b, c, d, x, y, z, w);
  ROW_PERMUTE(x, y, z, w);
  ROW_ROUND(a, b, c, d, x, y, z, w);
  ROW_PERMUTE(x, y, z, w);
  ROW_ROUND(a, b, c, d, x, y, z, w);
  ROW_PERMUTE(x, y, z, w);
  ROW_ROUND(a, b, c, d, x, y, z, w);
  *ra = a;
  *rb = b;
  *rc = c;
  *rd = d;
}

/* (h0, h1) = the CV after one block. */
PW_INLINE void row_compress_cv(v128_t *h0, v128_t *h1, const uint8_t block[64], uint32_t block_len,
                               uint64_t counter, uint32_t flags) {
  v128_t a, b, c, d;
  row_rounds(*h0, *h1, block, block_len, counter, flags, &a, &b, &c, &d);
  *h0 = wasm_v128_xor(a, c);
  *h1 = wasm_v128_xor(b, d);
}
#endif /* __wasm_simd128__ */

/* cv = the first 8 words of the compression output (portable: the scalar
 * compression even where the row-parallel one exists). */
static void compress_cv(uint32_t cv[8], const uint8_t block[64], uint32_t block_len,
                        uint64_t counter, uint32_t flags, int portable) {
  (void)portable;
  uint32_t v[16];
  compress_rounds(v, cv, block, block_len, counter, flags);
  for (int i = 0; i < 8; i++) cv[i] = v[i] ^ v[i + 8];
}

/* All 64 bytes of the compression output (the extendable output). */
static void compress_xof(const uint32_t cv[8], const uint8_t block[64], uint32_t block_len,
                         uint64_t counter, uint32_t flags, int portable, uint8_t out[64]) {
  (void)portable;
  uint32_t v[16];
  compress_rounds(v, cv, block, block_len, counter, flags);
  for (int i = 0; i < 8; i++) {
    pw_store32le(out + 4 * i, v[i] ^ v[i + 8]);
    pw_store32le(out + 32 + 4 * i, v[i + 8] ^ cv[i]);
  }
}

void pw_blake3__compress_xof(const uint32_t cv[8], const uint8_t block[64], uint32_t block_len,
                             uint64_t counter, uint32_t flags, int portable, uint8_t out[64]) {
  compress_xof(cv, block, block_len, counter, flags, portable, out);
}

/*
 * cv = the CV after the nblocks whole blocks at p of chunk `counter`, the
 * first with flags | first_flags (CHUNK_START for a chunk's first block),
 * the last with flags | last_flags.
 */
static void chunk_blocks(uint32_t cv[8], const uint8_t *p, size_t nblocks, uint64_t counter,
                         uint32_t flags, uint32_t first_flags, uint32_t last_flags, int portable) {
  if (nblocks == 0) return;
  uint32_t f = flags | first_flags;
  for (size_t b = 0; b + 1 < nblocks; b++, p += BLOCK_LEN) {
    compress_cv(cv, p, BLOCK_LEN, counter, f, portable);
    f = flags;
  }
  compress_cv(cv, p, BLOCK_LEN, counter, f | last_flags, portable);
}

static void words_to_bytes(uint8_t out[32], const uint32_t w[8]) {
  for (int i = 0; i < 8; i++) pw_store32le(out + 4 * i, w[i]);
}

static void bytes_to_words(uint32_t w[8], const uint8_t in[32]) {
  for (int i = 0; i < 8; i++) w[i] = pw_load32le(in + 4 * i);
}

/* ---------------------------------------------------------------------- */
/* Many chunks, many parents                                              */
/* ---------------------------------------------------------------------- */

/* The CV of one whole chunk (1024 bytes). */
static void chunk_cv(const uint8_t *in, const uint32_t key[8], uint64_t counter, uint8_t flags,
                     int portable, uint8_t out[32]) {
  uint32_t cv[8];
  memcpy(cv, key, sizeof cv);
  chunk_blocks(cv, in, CHUNK_LEN / BLOCK_LEN, counter, flags, PW_B3_CHUNK_START, PW_B3_CHUNK_END,
               portable);
  words_to_bytes(out, cv);
}

#ifdef __wasm_simd128__
/* The CVs of the two whole chunks at in0, in1 (counters c0, c1): two
 * independent chains, block by block, so that one's latency hides the
 * other's. */
static void chunk_cv_rows2(const uint8_t *in0, const uint8_t *in1, const uint32_t key[8],
                           uint64_t c0, uint64_t c1, uint8_t flags, uint8_t out0[32],
                           uint8_t out1[32]) {
  v128_t a0 = wasm_v128_load(key), a1 = wasm_v128_load(key + 4), b0 = a0, b1 = a1;
  for (unsigned b = 0; b < CHUNK_LEN / BLOCK_LEN; b++) {
    uint32_t f = flags | (b == 0 ? PW_B3_CHUNK_START : 0) |
                 (b == CHUNK_LEN / BLOCK_LEN - 1 ? PW_B3_CHUNK_END : 0);
    row_compress_cv(&a0, &a1, in0 + b * BLOCK_LEN, BLOCK_LEN, c0, f);
    row_compress_cv(&b0, &b1, in1 + b * BLOCK_LEN, BLOCK_LEN, c1, f);
  }
  wasm_v128_store(out0, a0);
  wasm_v128_store(out0 + 16, a1);
  wasm_v128_store(out1, b0);
  wasm_v128_store(out1 + 16, b1);
}
#endif

/* The CV of the parent of the two CVs at in[0..64). */
static void parent_cv(const uint8_t in[64], const uint32_t key[8], uint8_t flags, int portable,
                      uint8_t out[32]) {
  uint32_t cv[8];
  memcpy(cv, key, sizeof cv);
  compress_cv(cv, in, BLOCK_LEN, 0, flags | PW_B3_PARENT, portable);
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
#ifdef __wasm_simd128__
    if (n == 2) { /* two row-parallel chains beat a half-idle 4-way call */
      chunk_cv_rows2(in, in + CHUNK_LEN, key, counter, counter + 1, flags, out, out + 32);
      return;
    }
#endif
    if (n >= 2) { /* one 4-way call costs about one chunk done alone */
      x4_partial(in, n, CHUNK_LEN, CHUNK_LEN / BLOCK_LEN, key, counter, 1, flags,
                 PW_B3_CHUNK_START, PW_B3_CHUNK_END, out);
      return;
    }
  }
#else
  (void)portable;
#endif
  for (; n > 0; n--, in += CHUNK_LEN, out += 32, counter++) chunk_cv(in, key, counter, flags, portable, out);
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
  for (; n > 0; n--, in += 64, out += 32) parent_cv(in, key, flags, portable, out);
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
      parent_cv(stack + 32 * (depth - 2), key, flags, portable, stack + 32 * (depth - 2));
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
    parent_cv(top2, s->key, s->flags, s->portable, top2);
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
 * many it took. The last block stays uncompressed (it may be CHUNK_END);
 * whole blocks before it are compressed straight from p. */
static size_t chunk_fill(pw_blake3_state *s, const uint8_t *p, size_t len) {
  size_t room = CHUNK_LEN - chunk_len(s), taken = len < room ? len : room, left = taken;
  if (left == 0) return 0;
  if (s->block_len > 0) { /* top up the pending block */
    size_t n = BLOCK_LEN - s->block_len;
    if (n > left) n = left;
    memcpy(s->block + s->block_len, p, n);
    s->block_len = (uint8_t)(s->block_len + n);
    p += n;
    left -= n;
    if (left == 0) return taken;
    /* full, and more of this chunk follows */
    compress_cv(s->chunk_cv, s->block, BLOCK_LEN, s->chunk_counter,
                s->flags | (s->blocks_compressed == 0 ? PW_B3_CHUNK_START : 0), s->portable);
    s->blocks_compressed++;
    s->block_len = 0;
  }
  /* Whole blocks that are not the last of what is taken. */
  size_t nb = (left - 1) / BLOCK_LEN;
  chunk_blocks(s->chunk_cv, p, nb, s->chunk_counter, s->flags,
               s->blocks_compressed == 0 ? PW_B3_CHUNK_START : 0, 0, s->portable);
  s->blocks_compressed = (uint8_t)(s->blocks_compressed + nb);
  p += nb * BLOCK_LEN;
  left -= nb * BLOCK_LEN;
  memcpy(s->block, p, left);
  s->block_len = (uint8_t)left;
  return taken;
}

/* The current chunk is full and more input follows: push its CV. */
static void chunk_close(pw_blake3_state *s) {
  uint32_t cv[8];
  memcpy(cv, s->chunk_cv, sizeof cv);
  compress_cv(cv, s->block, BLOCK_LEN, s->chunk_counter,
              s->flags | PW_B3_CHUNK_END | (s->blocks_compressed == 0 ? PW_B3_CHUNK_START : 0),
              s->portable);
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

/* Output blocks between two checks for cancellation (64 KiB of output). */
#define XOF_BLOCKS_PER_CHECK 1024u

/* out_len bytes of the root node's output from byte `seek`: the root's
 * input CV, block (zero padded), length and flags without ROOT. A long
 * output (up to 2 GiB) stops early, partial, when the call is cancelled. */
static void root_output(const uint32_t cv[8], const uint8_t block[64], uint32_t block_len,
                        uint32_t flags, int portable, uint64_t seek, uint8_t *out,
                        size_t out_len) {
  /* Output blocks from the one that holds byte `seek`. */
  uint64_t ob = seek / BLOCK_LEN;
  size_t skip = (size_t)(seek % BLOCK_LEN);
  for (uint32_t blocks = 0; out_len > 0; blocks++) {
    if (blocks == XOF_BLOCKS_PER_CHECK) blocks = 0;
    if (blocks == 0 && out_len > BLOCK_LEN && pw_cancelled()) return; /* a digest never asks */
    size_t n = BLOCK_LEN - skip;
    if (n > out_len) n = out_len;
    if (n == BLOCK_LEN) {
      compress_xof(cv, block, block_len, ob++, flags | PW_B3_ROOT, portable, out);
    } else {
      uint8_t buf[64];
      compress_xof(cv, block, block_len, ob++, flags | PW_B3_ROOT, portable, buf);
      memcpy(out, buf + skip, n);
    }
    out += n;
    out_len -= n;
    skip = 0;
  }
}

/* ---------------------------------------------------------------------- */
/* One-shot hashing of small inputs                                       */
/* ---------------------------------------------------------------------- */

#define ONESHOT_MAX ((size_t)GROUP * CHUNK_LEN) /* bytes: above, the state */

/*
 * The whole input is known, so no state (no 1.9 KB to clear) and no chunk
 * kept back: the CVs of all chunks, the last one included when it is
 * whole, are computed together (4 at a time), then joined level by level,
 * each level pairing neighbours left to right and carrying an odd last CV
 * up unchanged (the same tree as the state's: every left subtree is the
 * largest power of two of chunks less than the total). len <= ONESHOT_MAX.
 */
static void oneshot(const uint32_t key[8], uint8_t flags, const uint8_t *p, size_t len,
                    uint8_t *out, size_t out_len) {
  uint32_t cv[8];
  uint8_t block[64];
  uint32_t block_len, root_flags;
  if (out_len == 0) return;
  if (len <= CHUNK_LEN) { /* the root is the only chunk's last block */
    size_t nb = len > 0 ? (len - 1) / BLOCK_LEN : 0;
    memcpy(cv, key, sizeof cv);
    chunk_blocks(cv, p, nb, 0, flags, PW_B3_CHUNK_START, 0, 0);
    block_len = (uint32_t)(len - nb * BLOCK_LEN);
    memset(block, 0, sizeof block);
    if (block_len > 0) memcpy(block, p + nb * BLOCK_LEN, block_len);
    root_flags = flags | PW_B3_CHUNK_END | (nb == 0 ? PW_B3_CHUNK_START : 0);
  } else {
    uint8_t buf[GROUP * 32];
    size_t n = pw_chunks(len, CHUNK_LEN), whole = len / CHUNK_LEN;
    hash_chunks(p, whole, key, 0, flags, buf, 0);
    if (whole < n) { /* a last, partial chunk */
      const uint8_t *q = p + whole * CHUNK_LEN;
      size_t rem = len - whole * CHUNK_LEN, nb = (rem - 1) / BLOCK_LEN;
      memcpy(cv, key, sizeof cv);
      chunk_blocks(cv, q, nb, whole, flags, PW_B3_CHUNK_START, 0, 0);
      memset(block, 0, sizeof block);
      memcpy(block, q + nb * BLOCK_LEN, rem - nb * BLOCK_LEN);
      compress_cv(cv, block, (uint32_t)(rem - nb * BLOCK_LEN), whole,
                  flags | PW_B3_CHUNK_END | (nb == 0 ? PW_B3_CHUNK_START : 0), 0);
      words_to_bytes(buf + 32 * whole, cv);
    }
    for (; n > 2; n = (n + 1) / 2) {
      size_t pairs = n / 2;
      hash_parents(buf, pairs, key, flags, buf, 0);
      if (n & 1) memcpy(buf + 32 * pairs, buf + 32 * (n - 1), 32);
    }
    memcpy(cv, key, sizeof cv);
    memcpy(block, buf, sizeof block);
    block_len = BLOCK_LEN;
    root_flags = flags | PW_B3_PARENT;
  }
  root_output(cv, block, block_len, root_flags, 0, 0, out, out_len);
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
    compress_cv(cv, block, block_len, counter, flags, s->portable); /* the right child's CV */
    memcpy(block, s->cv_stack + 32 * (i - 1), 32);
    words_to_bytes(block + 32, cv);
    memcpy(cv, s->key, sizeof cv);
    block_len = BLOCK_LEN;
    counter = 0;
    flags = s->flags | PW_B3_PARENT;
  }
  root_output(cv, block, block_len, flags, s->portable, seek, out, out_len);
}

/* ---------------------------------------------------------------------- */
/* Kernels                                                                */
/* ---------------------------------------------------------------------- */

void pw_blake3(const void *data, size_t len, uint8_t *out, size_t out_len) {
  if (len <= ONESHOT_MAX) {
    oneshot(pw_blake3_iv, 0, data, len, out, out_len);
    return;
  }
  pw_blake3_state s;
  pw_blake3_init(&s);
  pw_blake3_update(&s, data, len);
  if (pw_cancelled()) return;
  pw_blake3_finalize(&s, 0, out, out_len);
}

void pw_blake3_keyed(const void *data, size_t len, const void *key, uint8_t *out,
                     size_t out_len) {
  if (len <= ONESHOT_MAX) {
    uint32_t k[8];
    bytes_to_words(k, key);
    oneshot(k, PW_B3_KEYED_HASH, data, len, out, out_len);
    return;
  }
  pw_blake3_state s;
  pw_blake3_init_keyed(&s, key);
  pw_blake3_update(&s, data, len);
  if (pw_cancelled()) return;
  pw_blake3_finalize(&s, 0, out, out_len);
}

void pw_blake3_derive_key(const char *context, size_t context_len, const void *material,
                          size_t len, uint8_t *out, size_t out_len) {
  if (len <= ONESHOT_MAX && context_len <= ONESHOT_MAX) {
    uint8_t ck[32];
    uint32_t k[8];
    oneshot(pw_blake3_iv, PW_B3_DERIVE_KEY_CONTEXT, (const uint8_t *)context, context_len, ck, 32);
    bytes_to_words(k, ck);
    oneshot(k, PW_B3_DERIVE_KEY_MATERIAL, material, len, out, out_len);
    return;
  }
  pw_blake3_state s;
  pw_blake3_init_derive_key(&s, (const uint8_t *)context, context_len);
  pw_blake3_update(&s, material, len);
  if (pw_cancelled()) return;
  pw_blake3_finalize(&s, 0, out, out_len);
}
