/*
 * sha256.c — SHA-256 and SHA-224 (FIPS 180-4 sections 5.3.2-5.3.3, 6.2,
 * 6.3); see include/parawasm/sha2.h and src/kernels/hash/sha2.h.
 *
 * Block function. The 64 rounds are written out in full; instead of moving
 * the eight working variables a..h each round, every round renames them
 * (ROUND8 passes them to ROUND rotated by one), so a round is only its
 * arithmetic: T1 = h + Σ1(e) + Ch(e,f,g) + K[t] + W[t]; d += T1;
 * h = T1 + Σ0(a) + Maj(a,b,c). Two rewrites cut the work per round:
 *   - Σ1(e) = rotr(rotr(rotr(e,14) ^ e, 5) ^ e, 6) (and Σ0 likewise with
 *     9, 11, 2): the same five operations, but each result feeds the next,
 *     so no copies of e are kept; in wasm (V8, x64) this alone took the
 *     block function from 239 to 317 MB/s;
 *   - Maj(a,b,c) = b ^ ((a ^ b) & (b ^ c)), where b ^ c is the previous
 *     round's a ^ b (kept in m0/m1): three operations instead of four.
 *
 * Message schedule, W[t] = σ1(W[t-2]) + W[t-7] + σ0(W[t-15]) + W[t-16]:
 * the 16 most recent schedule words are kept in a 16-word array indexed by
 * constants (t mod 16), which the compiler keeps in registers, and each
 * round computes its own word, in every build. The schedule was also
 * computed ahead with wasm SIMD, four words at a time into a K+W array
 * that the rounds then read; in Node (V8, x64) on this project's machine
 * that block function ran at 285-309 MB/s on 16 MiB, the scalar one at
 * 404-416 MB/s (the scalar schedule words fill gaps in the rounds'
 * dependency chains).
 *
 * Streaming: the state holds the chaining value, the byte count and up to
 * 63 bytes of a partial block; final pads a copy (0x80, zeros, the bit
 * length as a 64-bit big-endian number) and leaves the state as it was.
 *
 * The one-shot kernels feed their input through pw_feed, which checks for
 * cancellation between 1 MiB pieces; the hash is sequential by nature and
 * does not use pw_parallel_for.
 */
#include <stdint.h>
#include <string.h>

#include "parawasm.h"
#include "parawasm/sha2.h"
#include "sha2.h"
#include "md_block.h"


_Alignas(16) static const uint32_t K256[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static const uint32_t IV256[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                  0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
static const uint32_t IV224[8] = {0xc1059ed8, 0x367cd507, 0x3070dd17, 0xf70e5939,
                                  0xffc00b31, 0x68581511, 0x64f98fa7, 0xbefa4fa4};

/* ---------------------------------------------------------------------- */
/* Rounds                                                                 */
/* ---------------------------------------------------------------------- */

#define ROTR32(x, n) (((x) >> (n)) | ((x) << (32 - (n))))
/* Σ0(x) = rotr(x,2) ^ rotr(x,13) ^ rotr(x,22) and Σ1(x) = rotr(x,6) ^
 * rotr(x,11) ^ rotr(x,25), nested (see the top of the file). */
#define BSIG0(x) ROTR32(ROTR32(ROTR32(x, 9) ^ (x), 11) ^ (x), 2)
#define BSIG1(x) ROTR32(ROTR32(ROTR32(x, 14) ^ (x), 5) ^ (x), 6)
#define SSIG0(x) (ROTR32(x, 7) ^ ROTR32(x, 18) ^ ((x) >> 3))
#define SSIG1(x) (ROTR32(x, 17) ^ ROTR32(x, 19) ^ ((x) >> 10))
#define CH(x, y, z) ((z) ^ ((x) & ((y) ^ (z))))

/* One round; wk is K[t] + W[t]. The caller renames the variables. x receives
 * a ^ b, y holds b ^ c (the previous round's x), so that
 * Maj(a, b, c) = b ^ ((a ^ b) & (b ^ c)) costs two new operations. */
#define ROUND(a, b, c, d, e, f, g, h, wk, x, y)          \
  do {                                                   \
    uint32_t t1_ = (h) + BSIG1(e) + CH(e, f, g) + (wk);  \
    (d) += t1_;                                          \
    (x) = (a) ^ (b);                                     \
    (h) = t1_ + BSIG0(a) + ((b) ^ ((x) & (y)));          \
  } while (0)

/* Rounds t..t+7, WK(t) giving K[t] + W[t]; on entry m1 = b ^ c. */
#define ROUND8(t, WK)                                \
  ROUND(a, b, c, d, e, f, g, h, WK((t) + 0), m0, m1); \
  ROUND(h, a, b, c, d, e, f, g, WK((t) + 1), m1, m0); \
  ROUND(g, h, a, b, c, d, e, f, WK((t) + 2), m0, m1); \
  ROUND(f, g, h, a, b, c, d, e, WK((t) + 3), m1, m0); \
  ROUND(e, f, g, h, a, b, c, d, WK((t) + 4), m0, m1); \
  ROUND(d, e, f, g, h, a, b, c, WK((t) + 5), m1, m0); \
  ROUND(c, d, e, f, g, h, a, b, WK((t) + 6), m0, m1); \
  ROUND(b, c, d, e, f, g, h, a, WK((t) + 7), m1, m0)

/* One block into st. Not inlined into sha256_blocks' loop: V8 (TurboFan,
   x64) compiled that loop around the 64 written-out rounds so that a call
   of n >= 2 blocks cost about 140 ns more than n calls of one (one block
   takes 120): 190 ns a block at n = 2, 136 at n = 8, against 119-120 at
   every n this way (a wasm build of this file, Node 20). */
__attribute__((noinline)) static void sha256_block(uint32_t st[8], const uint8_t *p) {
  uint32_t w[16];
  uint32_t a = st[0], b = st[1], c = st[2], d = st[3], e = st[4], f = st[5], g = st[6], h = st[7];
  uint32_t m0, m1 = b ^ c;
#define WK_LOAD(t) (K256[t] + (w[t] = pw_load32be(p + 4 * (t))))
#define WK_NEXT(t)                                                                         \
  (K256[t] + (w[(t) & 15] += SSIG1(w[((t) - 2) & 15]) + w[((t) - 7) & 15] +               \
                             SSIG0(w[((t) - 15) & 15])))
  ROUND8(0, WK_LOAD);
  ROUND8(8, WK_LOAD);
  ROUND8(16, WK_NEXT);
  ROUND8(24, WK_NEXT);
  ROUND8(32, WK_NEXT);
  ROUND8(40, WK_NEXT);
  ROUND8(48, WK_NEXT);
  ROUND8(56, WK_NEXT);
#undef WK_LOAD
#undef WK_NEXT
  st[0] += a;
  st[1] += b;
  st[2] += c;
  st[3] += d;
  st[4] += e;
  st[5] += f;
  st[6] += g;
  st[7] += h;
}

static void sha256_blocks(uint32_t st[8], const uint8_t *p, size_t nblocks) {
  for (; nblocks != 0; nblocks--, p += 64) sha256_block(st, p);
}



/* ---------------------------------------------------------------------- */
/* Streaming                                                              */
/* ---------------------------------------------------------------------- */

static void init_with(pw_sha256_state *s, const uint32_t iv[8], uint32_t digest_len) {
  memset(s, 0, sizeof *s);
  memcpy(s->h, iv, sizeof s->h);
  s->digest_len = digest_len;
}

void pw_sha256_init(pw_sha256_state *s) { init_with(s, IV256, 32); }

void pw_sha224_init(pw_sha256_state *s) { init_with(s, IV224, 28); }

void pw_sha256_update(pw_sha256_state *s, const uint8_t *data, size_t len) {
  pw_md_update(s->h, s->buf, &s->total, data, len, sha256_blocks);
}

void pw_sha256_final(const pw_sha256_state *s, uint8_t *out) {
  uint32_t h[8];
  memcpy(h, s->h, sizeof h);
  pw_md_final(h, s->buf, s->total, 1, sha256_blocks);

  size_t words = s->digest_len == 28 ? 7 : 8;
  for (size_t i = 0; i < words; i++) pw_store32be(out + 4 * i, h[i]);
}

/* ---------------------------------------------------------------------- */
/* Kernels                                                                */
/* ---------------------------------------------------------------------- */

/* One piece of a one-shot call (see pw_feed). */
static void feed_piece(void *s, const uint8_t *p, size_t n) { pw_sha256_update(s, p, n); }

/* Feeds data through pw_feed: it checks for cancellation between 1 MiB
   pieces, and a cancelled call's digest is discarded. */
static void feed(pw_sha256_state *s, const uint8_t *data, size_t len) {
  (void)pw_feed(data, len, 0, feed_piece, s);
}

void pw_sha256(const void *data, size_t len, uint8_t *digest) {
  pw_sha256_state s;
  pw_sha256_init(&s);
  feed(&s, data, len);
  pw_sha256_final(&s, digest);
}

void pw_sha224(const void *data, size_t len, uint8_t *digest) {
  pw_sha256_state s;
  pw_sha224_init(&s);
  feed(&s, data, len);
  pw_sha256_final(&s, digest);
}
