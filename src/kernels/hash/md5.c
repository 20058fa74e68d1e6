/*
 * md5.c — MD5 (RFC 1321); see include/parawasm/legacy.h. NOT FOR
 * SECURITY: kept for checking existing checksum files.
 *
 * Block function: the 64 steps are written out, each renaming a, b, c, d
 * instead of moving them (STEP4 passes them rotated). A step is
 *     a = b + rotl(a + f(b, c, d) + X[k] + T[i], s)
 with F = d ^ (b & (c ^ d)), H = b ^ c ^ d, I = c ^ (b | ~d), and
 * G = (c & ~d) + (b & d) (the two terms have no bit in common, so + is
 * RFC 1321's OR; as a sum, a + (c & ~d) is formed before b is known).
 * X[k] + T[i] is added to a first, also off the chain through b. These two
 * took wasm from 532 to 554 MB/s. The 16 little-endian message words are
 * loaded first (plain 32-bit loads in wasm and on little-endian hosts).
 * MD5 is one serial chain of dependent steps, and SIMD has nothing to
 * offer one stream, so wasm and native share this code.
 *
 * Streaming: as in sha256.c, except that the bit length is appended
 * little-endian and the digest is the chaining value in little-endian.
 */
#include <stdint.h>
#include <string.h>

#include "parawasm.h"
#include "parawasm/legacy.h"
#include "legacy.h"
#include "md_block.h"
#include "simd.h"


/* T[i] = floor(2^32 |sin(i + 1)|), RFC 1321 section 3.4. */
static const uint32_t T[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
};

#define ROTL32(x, n) (((x) << (n)) | ((x) >> (32 - (n))))
#define F(b, c, d) ((d) ^ ((b) & ((c) ^ (d))))
#define G(b, c, d) (((c) & ~(d)) + ((b) & (d)))
#define H(b, c, d) ((b) ^ (c) ^ (d))
#define I(b, c, d) ((c) ^ ((b) | ~(d)))

/* Message word of step j (0..15) of each round. */
#define M1(j) (j)
#define M2(j) ((1 + 5 * (j)) & 15)
#define M3(j) ((5 + 3 * (j)) & 15)
#define M4(j) ((7 * (j)) & 15)

#define STEP(f, a, b, c, d, k, s, i)          \
  do {                                        \
    (a) += x[k] + T[i];                       \
    (a) += f(b, c, d);                        \
    (a) = ROTL32(a, s) + (b);                 \
  } while (0)

/* Steps r*16+j .. r*16+j+3 of round r (0..3) with shifts s0..s3. */
#define STEP4(f, M, r, j, s0, s1, s2, s3)                 \
  STEP(f, a, b, c, d, M((j) + 0), s0, (r) * 16 + (j) + 0); \
  STEP(f, d, a, b, c, M((j) + 1), s1, (r) * 16 + (j) + 1); \
  STEP(f, c, d, a, b, M((j) + 2), s2, (r) * 16 + (j) + 2); \
  STEP(f, b, c, d, a, M((j) + 3), s3, (r) * 16 + (j) + 3)

#define ROUND16(f, M, r, s0, s1, s2, s3) \
  STEP4(f, M, r, 0, s0, s1, s2, s3);     \
  STEP4(f, M, r, 4, s0, s1, s2, s3);     \
  STEP4(f, M, r, 8, s0, s1, s2, s3);     \
  STEP4(f, M, r, 12, s0, s1, s2, s3)

static void md5_blocks(uint32_t st[4], const uint8_t *p, size_t nblocks) {
  uint32_t a = st[0], b = st[1], c = st[2], d = st[3];
  uint32_t x[16];
  for (; nblocks != 0; nblocks--, p += 64) {
    for (int k = 0; k < 16; k++) x[k] = pw_load32le(p + 4 * k);
    ROUND16(F, M1, 0, 7, 12, 17, 22);
    ROUND16(G, M2, 1, 5, 9, 14, 20);
    ROUND16(H, M3, 2, 4, 11, 16, 23);
    ROUND16(I, M4, 3, 6, 10, 15, 21);
    a = st[0] += a;
    b = st[1] += b;
    c = st[2] += c;
    d = st[3] += d;
  }
}

void pw_md5_init(pw_md5_state *s) {
  memset(s, 0, sizeof *s);
  s->h[0] = 0x67452301;
  s->h[1] = 0xefcdab89;
  s->h[2] = 0x98badcfe;
  s->h[3] = 0x10325476;
}

void pw_md5_update(pw_md5_state *s, const uint8_t *data, size_t len) {
  pw_md_update(s->h, s->buf, &s->total, data, len, md5_blocks);
}

void pw_md5_final(const pw_md5_state *s, uint8_t out[16]) {
  uint32_t h[4];
  memcpy(h, s->h, sizeof h);
  pw_md_final(h, s->buf, s->total, 0, md5_blocks);

  for (int i = 0; i < 16; i++) out[i] = (uint8_t)(h[i / 4] >> (8 * (i % 4)));
}

/* One piece of a one-shot call (see pw_feed). */
static void feed_piece(void *s, const uint8_t *p, size_t n) { pw_md5_update(s, p, n); }

/* Feeds data through pw_feed: it checks for cancellation between 1 MiB
   pieces, and a cancelled call's digest is discarded. */
static void feed(pw_md5_state *s, const uint8_t *data, size_t len) {
  (void)pw_feed(data, len, 0, feed_piece, s);
}

void pw_md5(const void *data, size_t len, uint8_t *digest) {
  pw_md5_state s;
  pw_md5_init(&s);
  feed(&s, data, len);
  pw_md5_final(&s, digest);
}
