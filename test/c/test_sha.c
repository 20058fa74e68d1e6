/*
 * test_sha.c — tests of the SHA-256, SHA-224, SHA-1 and MD5 kernels
 * (pw_sha256, pw_sha224, pw_sha1, pw_md5) and of their streaming APIs
 * (src/kernels/sha2.h, src/kernels/legacy.h):
 *
 *   - published vectors: FIPS 180-4 / NIST examples ("abc", the 448-bit
 *     and 896-bit messages, one million 'a') and the RFC 1321 test suite;
 *   - every length 0..2100 (all padding boundaries) and large odd lengths,
 *     one-shot and streamed in random pieces, against reference
 *     implementations written here from the specifications (loops over
 *     arrays, a padded copy of the message: slow and plain);
 *   - streaming properties: final leaves the state unchanged, a state
 *     copied with memcpy continues, NULL with length 0, SHA-224 writes 28
 *     bytes only, unaligned inputs, 64-bit length encoding.
 *
 * The native build runs the portable block functions, the wasm build
 * (emcc -msimd128) the SIMD schedules; both are checked against the same
 * vectors and references. Random inputs come from a fixed-seed
 * splitmix64. Exits 0 when every check passed, 1 otherwise.
 *
 * Build and run (from the repository root):
 *   make build/native/test_sha build/native/test_sha_san build/native/test_sha_split \
 *        build/wasm-test/test_sha.js build/wasm-test/test_sha_split.js
 *   build/native/test_sha; node build/wasm-test/test_sha.js   (and the others)
 */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parawasm.h"
#include "parawasm/sha2.h"
#include "parawasm/legacy.h"

#include "testlib.h"

#include "../../src/kernels/hash/legacy.h"
#include "../../src/kernels/hash/sha2.h"

/* ---------------------------------------------------------------------- */
/* Reference implementations (from FIPS 180-4 and RFC 1321, not fast)     */
/* ---------------------------------------------------------------------- */

static uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << ((32 - n) & 31)); }
static uint32_t rotl(uint32_t x, int n) { return (x << n) | (x >> ((32 - n) & 31)); }

/*
 * The padded message (section 5.1.1): msg, 0x80, zeros, then the length
 * field (big- or little-endian 64-bit) holding `bits`, a multiple of 64
 * bytes in all. `bits` is normally 8 * len; a test passes another value to
 * check the length encoding. Returns the number of bytes; *out is malloc'd.
 */
static size_t ref_pad(const uint8_t *msg, size_t len, uint64_t bits, int big_endian,
                      uint8_t **out) {
  size_t n = (len + 1 + 8 + 63) / 64 * 64;
  uint8_t *m = xmalloc(n);
  if (len) memcpy(m, msg, len);
  m[len] = 0x80;
  memset(m + len + 1, 0, n - len - 1);
  for (int i = 0; i < 8; i++) {
    uint8_t byte = (uint8_t)(bits >> (8 * i));
    if (big_endian)
      m[n - 1 - i] = byte;
    else
      m[n - 8 + i] = byte;
  }
  *out = m;
  return n;
}

static uint32_t be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static const uint32_t REF_K256[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

/* SHA-256 (is224 = 0) or SHA-224 (is224 = 1), sections 6.2 and 6.3. */
static void ref_sha256_bits(const uint8_t *msg, size_t len, uint64_t bits, int is224,
                            uint8_t *out) {
  static const uint32_t iv256[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  static const uint32_t iv224[8] = {0xc1059ed8, 0x367cd507, 0x3070dd17, 0xf70e5939,
                                    0xffc00b31, 0x68581511, 0x64f98fa7, 0xbefa4fa4};
  uint32_t H[8];
  memcpy(H, is224 ? iv224 : iv256, sizeof H);
  uint8_t *m;
  size_t n = ref_pad(msg, len, bits, 1, &m);
  for (size_t blk = 0; blk < n; blk += 64) {
    uint32_t W[64], v[8];
    for (int t = 0; t < 16; t++) W[t] = be32(m + blk + 4 * t);
    for (int t = 16; t < 64; t++) {
      uint32_t s0 = rotr(W[t - 15], 7) ^ rotr(W[t - 15], 18) ^ (W[t - 15] >> 3);
      uint32_t s1 = rotr(W[t - 2], 17) ^ rotr(W[t - 2], 19) ^ (W[t - 2] >> 10);
      W[t] = s1 + W[t - 7] + s0 + W[t - 16];
    }
    memcpy(v, H, sizeof v);
    for (int t = 0; t < 64; t++) {
      uint32_t S1 = rotr(v[4], 6) ^ rotr(v[4], 11) ^ rotr(v[4], 25);
      uint32_t ch = (v[4] & v[5]) ^ (~v[4] & v[6]);
      uint32_t T1 = v[7] + S1 + ch + REF_K256[t] + W[t];
      uint32_t S0 = rotr(v[0], 2) ^ rotr(v[0], 13) ^ rotr(v[0], 22);
      uint32_t maj = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
      uint32_t T2 = S0 + maj;
      for (int i = 7; i > 0; i--) v[i] = v[i - 1];
      v[4] += T1;
      v[0] = T1 + T2;
    }
    for (int i = 0; i < 8; i++) H[i] += v[i];
  }
  free(m);
  for (int i = 0; i < (is224 ? 28 : 32); i++) out[i] = (uint8_t)(H[i / 4] >> (24 - 8 * (i % 4)));
}

/* SHA-1, section 6.1. */
static void ref_sha1_bits(const uint8_t *msg, size_t len, uint64_t bits, uint8_t *out) {
  uint32_t H[5] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0};
  uint8_t *m;
  size_t n = ref_pad(msg, len, bits, 1, &m);
  for (size_t blk = 0; blk < n; blk += 64) {
    uint32_t W[80], v[5];
    for (int t = 0; t < 16; t++) W[t] = be32(m + blk + 4 * t);
    for (int t = 16; t < 80; t++) W[t] = rotl(W[t - 3] ^ W[t - 8] ^ W[t - 14] ^ W[t - 16], 1);
    memcpy(v, H, sizeof v);
    for (int t = 0; t < 80; t++) {
      uint32_t f, k;
      if (t < 20) {
        f = (v[1] & v[2]) ^ (~v[1] & v[3]);
        k = 0x5a827999;
      } else if (t < 40) {
        f = v[1] ^ v[2] ^ v[3];
        k = 0x6ed9eba1;
      } else if (t < 60) {
        f = (v[1] & v[2]) ^ (v[1] & v[3]) ^ (v[2] & v[3]);
        k = 0x8f1bbcdc;
      } else {
        f = v[1] ^ v[2] ^ v[3];
        k = 0xca62c1d6;
      }
      uint32_t T = rotl(v[0], 5) + f + v[4] + k + W[t];
      v[4] = v[3];
      v[3] = v[2];
      v[2] = rotl(v[1], 30);
      v[1] = v[0];
      v[0] = T;
    }
    for (int i = 0; i < 5; i++) H[i] += v[i];
  }
  free(m);
  for (int i = 0; i < 20; i++) out[i] = (uint8_t)(H[i / 4] >> (24 - 8 * (i % 4)));
}

/* MD5, RFC 1321 section 3; T[i] computed from sin() as the RFC defines it. */
static void ref_md5_bits(const uint8_t *msg, size_t len, uint64_t bits, uint8_t *out) {
  static const int S[4][4] = {{7, 12, 17, 22}, {5, 9, 14, 20}, {4, 11, 16, 23}, {6, 10, 15, 21}};
  uint32_t T[64];
  for (int i = 0; i < 64; i++) T[i] = (uint32_t)(fabs(sin((double)(i + 1))) * 4294967296.0);
  uint32_t H[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
  uint8_t *m;
  size_t n = ref_pad(msg, len, bits, 0, &m);
  for (size_t blk = 0; blk < n; blk += 64) {
    uint32_t X[16], v[4];
    for (int k = 0; k < 16; k++) {
      const uint8_t *p = m + blk + 4 * k;
      X[k] = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    }
    memcpy(v, H, sizeof v);
    for (int i = 0; i < 64; i++) {
      uint32_t b = v[1], c = v[2], d = v[3], f;
      int k, r = i / 16;
      if (r == 0) {
        f = (b & c) | (~b & d);
        k = i;
      } else if (r == 1) {
        f = (b & d) | (c & ~d);
        k = (1 + 5 * i) % 16;
      } else if (r == 2) {
        f = b ^ c ^ d;
        k = (5 + 3 * i) % 16;
      } else {
        f = c ^ (b | ~d);
        k = (7 * i) % 16;
      }
      uint32_t a = b + rotl(v[0] + f + X[k] + T[i], S[r][i % 4]);
      v[0] = d;
      v[3] = c;
      v[2] = b;
      v[1] = a;
    }
    for (int i = 0; i < 4; i++) H[i] += v[i];
  }
  free(m);
  for (int i = 0; i < 16; i++) out[i] = (uint8_t)(H[i / 4] >> (8 * (i % 4)));
}

/* ---------------------------------------------------------------------- */
/* The four algorithms behind one interface                               */
/* ---------------------------------------------------------------------- */

enum { SHA256, SHA224, SHA1, MD5, NALG };
static const char *const ALG_NAME[NALG] = {"sha256", "sha224", "sha1", "md5"};
static const size_t DIGEST_LEN[NALG] = {32, 28, 20, 16};

typedef union {
  pw_sha256_state s256;
  pw_sha1_state s1;
  pw_md5_state m5;
} any_state;

static void one_shot(int alg, const void *data, size_t len, uint8_t *out) {
  switch (alg) {
    case SHA256: pw_sha256(data, len, out); break;
    case SHA224: pw_sha224(data, len, out); break;
    case SHA1: pw_sha1(data, len, out); break;
    default: pw_md5(data, len, out); break;
  }
}

static void st_init(int alg, any_state *s) {
  switch (alg) {
    case SHA256: pw_sha256_init(&s->s256); break;
    case SHA224: pw_sha224_init(&s->s256); break;
    case SHA1: pw_sha1_init(&s->s1); break;
    default: pw_md5_init(&s->m5); break;
  }
}

static void st_update(int alg, any_state *s, const uint8_t *data, size_t len) {
  switch (alg) {
    case SHA256:
    case SHA224: pw_sha256_update(&s->s256, data, len); break;
    case SHA1: pw_sha1_update(&s->s1, data, len); break;
    default: pw_md5_update(&s->m5, data, len); break;
  }
}

static void st_final(int alg, const any_state *s, uint8_t *out) {
  switch (alg) {
    case SHA256:
    case SHA224: pw_sha256_final(&s->s256, out); break;
    case SHA1: pw_sha1_final(&s->s1, out); break;
    default: pw_md5_final(&s->m5, out); break;
  }
}

static uint64_t *st_total(int alg, any_state *s) {
  return alg <= SHA224 ? &s->s256.total : alg == SHA1 ? &s->s1.total : &s->m5.total;
}

static void ref_bits(int alg, const uint8_t *msg, size_t len, uint64_t bits, uint8_t *out) {
  switch (alg) {
    case SHA256: ref_sha256_bits(msg, len, bits, 0, out); break;
    case SHA224: ref_sha256_bits(msg, len, bits, 1, out); break;
    case SHA1: ref_sha1_bits(msg, len, bits, out); break;
    default: ref_md5_bits(msg, len, bits, out); break;
  }
}

static void ref(int alg, const uint8_t *msg, size_t len, uint8_t *out) {
  ref_bits(alg, msg, len, (uint64_t)len * 8, out);
}

/* Streams data in random pieces (sizes 0..max_piece) from seed. */
static void streamed(int alg, const uint8_t *data, size_t len, size_t max_piece, uint64_t seed,
                     uint8_t *out) {
  any_state s;
  st_init(alg, &s);
  for (size_t off = 0; off < len;) {
    size_t n = (size_t)below(&seed, max_piece + 1);
    if (n > len - off) n = len - off;
    st_update(alg, &s, data + off, n);
    off += n;
  }
  st_final(alg, &s, out);
}

static void to_hex(const uint8_t *d, size_t n, char *hex) {
  for (size_t i = 0; i < n; i++) sprintf(hex + 2 * i, "%02x", d[i]);
}

/* ---------------------------------------------------------------------- */
/* Published vectors                                                      */
/* ---------------------------------------------------------------------- */

typedef struct {
  int alg;
  const char *msg; /* NULL: one million 'a' */
  const char *hex;
} vector;

#define MSG448 "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
#define MSG896                                                                                   \
  "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnop" \
  "qrsmnopqrstnopqrstu"

static const vector VECTORS[] = {
    /* FIPS 180-4 examples (NIST CSRC "Examples with Intermediate Values") */
    {SHA256, "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
    {SHA256, "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    {SHA256, MSG448, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    {SHA256, MSG896, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
    {SHA256, NULL, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
    {SHA224, "", "d14a028c2a3a2bc9476102bb288234c415a2b01f828ea62ac5b3e42f"},
    {SHA224, "abc", "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7"},
    {SHA224, MSG448, "75388b16512776cc5dba5da1fd890150b0c6455cb4f58b1952522525"},
    {SHA224, NULL, "20794655980c91d8bbb4c1ea97618a4bf03f42581948b2ee4ee7ad67"},
    {SHA1, "", "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
    {SHA1, "abc", "a9993e364706816aba3e25717850c26c9cd0d89d"},
    {SHA1, MSG448, "84983e441c3bd26ebaae4aa1f95129e5e54670f1"},
    {SHA1, MSG896, "a49b2446a02c645bf419f995b67091253a04a259"},
    {SHA1, NULL, "34aa973cd4c4daa4f61eeb2bdbad27316534016f"},
    /* RFC 1321 appendix A.5 */
    {MD5, "", "d41d8cd98f00b204e9800998ecf8427e"},
    {MD5, "a", "0cc175b9c0f1b6a831c399e269772661"},
    {MD5, "abc", "900150983cd24fb0d6963f7d28e17f72"},
    {MD5, "message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
    {MD5, "abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"},
    {MD5, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
     "d174ab98d277d9f5a5611c2c9f419d9f"},
    {MD5, "1234567890123456789012345678901234567890123456789012345678901234567890123456789"
          "0",
     "57edf4a22be3c955ac49da2e2107b67a"},
    {MD5, NULL, "7707d6ae4e027c70eea2a935c2296f21"},
};

static void test_vectors(void) {
  const size_t million = 1000000;
  uint8_t *as = xmalloc(million);
  memset(as, 'a', million);
  for (size_t v = 0; v < sizeof VECTORS / sizeof VECTORS[0]; v++) {
    const vector *tv = &VECTORS[v];
    int alg = tv->alg;
    const uint8_t *msg = tv->msg ? (const uint8_t *)tv->msg : as;
    size_t len = tv->msg ? strlen(tv->msg) : million;
    const char *what = tv->msg ? tv->msg : "a x 1000000";
    uint8_t d[32];
    char hex[65];

    one_shot(alg, msg, len, d);
    to_hex(d, DIGEST_LEN[alg], hex);
    CHECK(strcmp(hex, tv->hex) == 0, "%s(\"%.20s\") one-shot = %s, want %s", ALG_NAME[alg],
          what, hex, tv->hex);

    streamed(alg, msg, len, tv->msg ? 3 : 1000, 1234 + v, d);
    to_hex(d, DIGEST_LEN[alg], hex);
    CHECK(strcmp(hex, tv->hex) == 0, "%s(\"%.20s\") streamed = %s, want %s", ALG_NAME[alg],
          what, hex, tv->hex);

    ref(alg, msg, len, d); /* the references are checked here too */
    to_hex(d, DIGEST_LEN[alg], hex);
    CHECK(strcmp(hex, tv->hex) == 0, "reference %s(\"%.20s\") = %s, want %s", ALG_NAME[alg],
          what, hex, tv->hex);
  }
  /* One million 'a' one byte at a time as well. */
  for (int alg = 0; alg < NALG; alg++) {
    uint8_t d1[32], d2[32];
    any_state s;
    st_init(alg, &s);
    for (size_t i = 0; i < million; i++) st_update(alg, &s, as + i, 1);
    st_final(alg, &s, d1);
    one_shot(alg, as, million, d2);
    CHECK(memcmp(d1, d2, DIGEST_LEN[alg]) == 0, "%s: a million 'a' byte by byte", ALG_NAME[alg]);
  }
  free(as);
}

/* ---------------------------------------------------------------------- */
/* Lengths, pieces, alignment                                             */
/* ---------------------------------------------------------------------- */

#define MAX_SMALL 2100

static void test_all_lengths(void) {
  uint8_t *buf = xmalloc(MAX_SMALL + 8);
  fill_random(buf, MAX_SMALL + 8, 99);
  uint64_t seed = 5;
  for (int alg = 0; alg < NALG; alg++) {
    for (size_t len = 0; len <= MAX_SMALL; len++) {
      size_t off = len % 4; /* aligned and unaligned inputs */
      const uint8_t *msg = buf + off;
      uint8_t want[32], got[32], str[32];
      ref(alg, msg, len, want);
      one_shot(alg, msg, len, got);
      CHECK(memcmp(got, want, DIGEST_LEN[alg]) == 0, "%s one-shot len %zu off %zu",
            ALG_NAME[alg], len, off);
      size_t max_piece = 1 + (size_t)below(&seed, len < 200 ? 70 : 300);
      uint64_t piece_seed = splitmix64(&seed);
      streamed(alg, msg, len, max_piece, piece_seed, str);
      CHECK(memcmp(str, want, DIGEST_LEN[alg]) == 0,
            "%s streamed len %zu pieces <= %zu (seed %" PRIu64 ")", ALG_NAME[alg], len, max_piece,
            piece_seed);
    }
  }
  free(buf);
}

static void test_large(void) {
  /* Odd lengths over several MiB (the one-shot kernels feed 1 MiB pieces). */
  static const size_t lens[] = {(3u << 20) + 7, (5u << 20) + 123, (2u << 20) - 1};
  size_t maxlen = 0;
  for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++)
    if (lens[i] > maxlen) maxlen = lens[i];
  uint8_t *buf = xmalloc(maxlen + 1);
  fill_random(buf, maxlen + 1, 2024);
  for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
    const uint8_t *msg = buf + (i & 1);
    size_t len = lens[i];
    for (int alg = 0; alg < NALG; alg++) {
      uint8_t want[32], got[32], str[32];
      ref(alg, msg, len, want);
      one_shot(alg, msg, len, got);
      CHECK(memcmp(got, want, DIGEST_LEN[alg]) == 0, "%s one-shot len %zu", ALG_NAME[alg], len);
      streamed(alg, msg, len, 100000, 31 * i + (size_t)alg, str);
      CHECK(memcmp(str, want, DIGEST_LEN[alg]) == 0, "%s streamed len %zu", ALG_NAME[alg], len);
    }
  }
  free(buf);
}

/* ---------------------------------------------------------------------- */
/* Streaming properties                                                   */
/* ---------------------------------------------------------------------- */

static void test_state(void) {
  uint8_t buf[1000];
  fill_random(buf, sizeof buf, 7);
  for (int alg = 0; alg < NALG; alg++) {
    const size_t dl = DIGEST_LEN[alg];
    uint8_t want_a[32], want_ab[32], d[36], d2[32];
    ref(alg, buf, 300, want_a);
    ref(alg, buf, sizeof buf, want_ab);

    /* final twice, then more data: final leaves the state as it was */
    any_state s, before;
    st_init(alg, &s);
    st_update(alg, &s, NULL, 0);
    st_update(alg, &s, buf, 300);
    memcpy(&before, &s, sizeof s);
    st_final(alg, &s, d);
    st_final(alg, &s, d2);
    CHECK(memcmp(d, want_a, dl) == 0 && memcmp(d2, want_a, dl) == 0, "%s final of 300 bytes",
          ALG_NAME[alg]);
    CHECK(memcmp(&s, &before, sizeof s) == 0, "%s: final changed the state", ALG_NAME[alg]);

    /* a state copied with memcpy (relocated) continues the same */
    any_state *moved = xmalloc(sizeof *moved + 8);
    any_state *at = (any_state *)((uint8_t *)moved + 8); /* another 8-aligned place */
    memcpy(at, &s, sizeof s);
    memset(&s, 0xa5, sizeof s);
    st_update(alg, at, buf + 300, sizeof buf - 300);
    st_final(alg, at, d);
    CHECK(memcmp(d, want_ab, dl) == 0, "%s continue after final and memcpy", ALG_NAME[alg]);
    free(moved);

    /* the digest length is exactly dl: bytes after it are not written */
    memset(d, 0xee, sizeof d);
    one_shot(alg, NULL, 0, d);
    ref(alg, NULL, 0, d2);
    CHECK(memcmp(d, d2, dl) == 0, "%s of (NULL, 0)", ALG_NAME[alg]);
    int untouched = 1;
    for (size_t i = dl; i < sizeof d; i++) untouched &= d[i] == 0xee;
    CHECK(untouched, "%s wrote past its %zu-byte digest", ALG_NAME[alg], dl);
    st_init(alg, &s);
    memset(d, 0xee, sizeof d);
    st_final(alg, &s, d);
    untouched = 1;
    for (size_t i = dl; i < sizeof d; i++) untouched &= d[i] == 0xee;
    CHECK(untouched && memcmp(d, d2, dl) == 0, "%s streaming final of nothing", ALG_NAME[alg]);
  }
}

/* The length field is 64 bits: a byte count above 2^32 (and above 2^61,
 * where the bit count needs the top bits) is encoded in full. The state's
 * count is raised by a multiple of 64 (the buffered bytes are unchanged),
 * and the reference is given the same bit count. */
static void test_length_field(void) {
  uint8_t buf[200];
  fill_random(buf, sizeof buf, 11);
  static const uint64_t extra[] = {UINT64_C(1) << 32, UINT64_C(0x1234567) << 38,
                                   UINT64_C(0x1fffffffffffff) << 6};
  for (int alg = 0; alg < NALG; alg++) {
    for (size_t e = 0; e < sizeof extra / sizeof extra[0]; e++) {
      for (size_t len = 120; len < 200; len += 17) {
        any_state s;
        uint8_t got[32], want[32];
        st_init(alg, &s);
        st_update(alg, &s, buf, len);
        *st_total(alg, &s) += extra[e];
        st_final(alg, &s, got);
        ref_bits(alg, buf, len, ((uint64_t)len + extra[e]) * 8, want);
        CHECK(memcmp(got, want, DIGEST_LEN[alg]) == 0, "%s length field, %zu + %#" PRIx64 " bytes",
              ALG_NAME[alg], len, extra[e]);
      }
    }
  }
}

int main(void) {
  test_vectors();
  test_all_lengths();
  test_large();
  test_state();
  test_length_field();
  return test_summary("test_sha");
}
