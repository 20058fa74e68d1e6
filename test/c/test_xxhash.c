/*
 * test_xxhash.c — native (and wasm) tests of the xxHash kernels (pw_xxh32,
 * pw_xxh64, pw_xxh3, pw_xxh128) and of their streaming states
 * (src/kernels/xxhash.h).
 *
 * 1. Published sanity values: the xxHash project's own self-test vectors
 *    (xsum_sanity_check.c: a buffer filled by the PRIME32/PRIME64 byte
 *    generator, lengths chosen to hit every length path, seeds 0 and
 *    PRIME32/PRIME64), checked one-shot, streamed whole, streamed a byte at
 *    a time and streamed in random pieces.
 * 2. Fingerprints over every length: a 64-bit FNV-1a digest of the hashes
 *    of every prefix of the sanity buffer (0..2400 bytes, three seeds),
 *    whose expected values were computed with an independent
 *    implementation (the hash-wasm 4.13.0 npm package, in Node); they cover
 *    the lengths the published table skips (97-128 bytes, every tail).
 * 3. Streaming equals one-shot for every length 0..2100 and for large odd
 *    lengths (several MiB), every algorithm, several seeds, random pieces;
 *    digest leaves the state unchanged; a state copied with memcpy
 *    mid-stream continues correctly.
 * The wasm test build runs the SIMD paths and the native builds the
 * portable ones, against the same expected values.
 *
 * Random inputs come from testlib.h's fixed-seed splitmix64, so a failure
 * is reproducible; each failure prints the algorithm, length and seed.
 * Exits 0 when every check passed, 1 otherwise.
 *
 * Build and run (from the repository root): make build/native/test_xxhash
 * (also _san, _split, and build/wasm-test/test_xxhash.js for node).
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parawasm.h"
#include "parawasm/xxhash.h"

#include "../../src/kernels/hash/xxhash.h"
#include "testlib.h"

#define PRIME32 UINT32_C(2654435761)
#define PRIME64 UINT64_C(11400714785074694797)

#define SANITY_LEN 2400

/* The xxHash self-test buffer: byte i is the top byte of PRIME32 * PRIME64^i. */
static void fill_sanity(uint8_t *p, size_t n) {
  uint64_t gen = PRIME32;
  for (size_t i = 0; i < n; i++) {
    p[i] = (uint8_t)(gen >> 56);
    gen *= PRIME64;
  }
}

/* ---------------------------------------------------------------------- */
/* Published vectors (xxHash's xsum_sanity_check.c)                       */
/* ---------------------------------------------------------------------- */

typedef struct {
  uint32_t len, seed, hash;
} vec32;
typedef struct {
  uint32_t len;
  uint64_t seed, hash;
} vec64;
typedef struct {
  uint32_t len;
  uint64_t seed, lo, hi;
} vec128;

static const vec32 xxh32_vectors[] = {
    {0, 0, 0x02CC5D05u},   {0, PRIME32, 0x36B78AE7u},   {1, 0, 0xCF65B03Eu},
    {1, PRIME32, 0xB4545AA4u}, {14, 0, 0x1208E7E2u},    {14, PRIME32, 0x6AF1D1FEu},
    {222, 0, 0x5BD11DBDu}, {222, PRIME32, 0x58803C5Fu},
};

static const vec64 xxh64_vectors[] = {
    {0, 0, UINT64_C(0xEF46DB3751D8E999)},   {0, PRIME32, UINT64_C(0xAC75FDA2929B17EF)},
    {1, 0, UINT64_C(0xE934A84ADB052768)},   {1, PRIME32, UINT64_C(0x5014607643A9B4C3)},
    {4, 0, UINT64_C(0x9136A0DCA57457EE)},   {14, 0, UINT64_C(0x8282DCC4994E35C8)},
    {14, PRIME32, UINT64_C(0xC3BD6BF63DEB6DF0)}, {222, 0, UINT64_C(0xB641AE8CB691C174)},
    {222, PRIME32, UINT64_C(0x20CB8AB7AE10C14A)},
};

static const vec64 xxh3_vectors[] = {
    {0, 0, UINT64_C(0x2D06800538D394C2)},    {0, PRIME64, UINT64_C(0xA8A6B918B2F0364A)},
    {1, 0, UINT64_C(0xC44BDFF4074EECDB)},    {1, PRIME64, UINT64_C(0x032BE332DD766EF8)},
    {6, 0, UINT64_C(0x27B56A84CD2D7325)},    {6, PRIME64, UINT64_C(0x84589C116AB59AB9)},
    {12, 0, UINT64_C(0xA713DAF0DFBB77E7)},   {12, PRIME64, UINT64_C(0xE7303E1B2336DE0E)},
    {24, 0, UINT64_C(0xA3FE70BF9D3510EB)},   {24, PRIME64, UINT64_C(0x850E80FC35BDD690)},
    {48, 0, UINT64_C(0x397DA259ECBA1F11)},   {48, PRIME64, UINT64_C(0xADC2CBAA44ACC616)},
    {80, 0, UINT64_C(0xBCDEFBBB2C47C90A)},   {80, PRIME64, UINT64_C(0xC6DD0CB699532E73)},
    {195, 0, UINT64_C(0xCD94217EE362EC3A)},  {195, PRIME64, UINT64_C(0xBA68003D370CB3D9)},
    {403, 0, UINT64_C(0xCDEB804D65C6DEA4)},  {403, PRIME64, UINT64_C(0x6259F6ECFD6443FD)},
    {512, 0, UINT64_C(0x617E49599013CB6B)},  {512, PRIME64, UINT64_C(0x3CE457DE14C27708)},
    {2048, 0, UINT64_C(0xDD59E2C3A5F038E0)}, {2048, PRIME64, UINT64_C(0x66F81670669ABABC)},
    {2099, 0, UINT64_C(0xC6B9D9B3FC9AC765)}, {2099, PRIME64, UINT64_C(0x184F316843663974)},
    {2240, 0, UINT64_C(0x6E73A90539CF2948)}, {2240, PRIME64, UINT64_C(0x757BA8487D1B5247)},
    {2367, 0, UINT64_C(0xCB37AEB9E5D361ED)}, {2367, PRIME64, UINT64_C(0xD2DB3415B942B42A)},
};

static const vec128 xxh128_vectors[] = {
    {0, 0, UINT64_C(0x6001C324468D497F), UINT64_C(0x99AA06D3014798D8)},
    {0, PRIME32, UINT64_C(0x5444F7869C671AB0), UINT64_C(0x92220AE55E14AB50)},
    {1, 0, UINT64_C(0xC44BDFF4074EECDB), UINT64_C(0xA6CD5E9392000F6A)},
    {1, PRIME32, UINT64_C(0xB53D5557E7F76F8D), UINT64_C(0x89B99554BA22467C)},
    {6, 0, UINT64_C(0x3E7039BDDA43CFC6), UINT64_C(0x082AFE0B8162D12A)},
    {6, PRIME32, UINT64_C(0x269D8F70BE98856E), UINT64_C(0x5A865B5389ABD2B1)},
    {12, 0, UINT64_C(0x061A192713F69AD9), UINT64_C(0x6E3EFD8FC7802B18)},
    {12, PRIME32, UINT64_C(0x9BE9F9A67F3C7DFB), UINT64_C(0xD7E09D518A3405D3)},
    {24, 0, UINT64_C(0x1E7044D28B1B901D), UINT64_C(0x0CE966E4678D3761)},
    {24, PRIME32, UINT64_C(0xD7304C54EBAD40A9), UINT64_C(0x3162026714A6A243)},
    {48, 0, UINT64_C(0xF942219AED80F67B), UINT64_C(0xA002AC4E5478227E)},
    {48, PRIME32, UINT64_C(0x7BA3C3E453A1934E), UINT64_C(0x163ADDE36C072295)},
    {81, 0, UINT64_C(0x5E8BAFB9F95FB803), UINT64_C(0x4952F58181AB0042)},
    {81, PRIME32, UINT64_C(0x703FBB3D7A5F755C), UINT64_C(0x2724EC7ADC750FB6)},
    {222, 0, UINT64_C(0xF1AEBD597CEC6B3A), UINT64_C(0x337E09641B948717)},
    {222, PRIME32, UINT64_C(0xAE995BB8AF917A8D), UINT64_C(0x91820016621E97F1)},
    {403, 0, UINT64_C(0xCDEB804D65C6DEA4), UINT64_C(0x1B6DE21E332DD73D)},
    {403, PRIME64, UINT64_C(0x6259F6ECFD6443FD), UINT64_C(0xBED311971E0BE8F2)},
    {512, 0, UINT64_C(0x617E49599013CB6B), UINT64_C(0x18D2D110DCC9BCA1)},
    {512, PRIME64, UINT64_C(0x3CE457DE14C27708), UINT64_C(0x925D06B8EC5B8040)},
    {2048, 0, UINT64_C(0xDD59E2C3A5F038E0), UINT64_C(0xF736557FD47073A5)},
    {2048, PRIME32, UINT64_C(0x230D43F30206260B), UINT64_C(0x7FB03F7E7186C3EA)},
    {2240, 0, UINT64_C(0x6E73A90539CF2948), UINT64_C(0xCCB134FBFA7CE49D)},
    {2240, PRIME32, UINT64_C(0xED385111126FBA6F), UINT64_C(0x50A1FE17B338995F)},
    {2367, 0, UINT64_C(0xCB37AEB9E5D361ED), UINT64_C(0xE89C0F6FF369B427)},
    {2367, PRIME32, UINT64_C(0x6F5360AE69C2F406), UINT64_C(0xD23AAE4B76C31ECB)},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---------------------------------------------------------------------- */
/* Streaming helpers: the input in pieces of random sizes                 */
/* ---------------------------------------------------------------------- */

/* Next piece size: mostly small, sometimes around the buffer sizes, now and
 * then large, sometimes 0. */
static size_t piece(uint64_t *rng, size_t left) {
  size_t n;
  switch (below(rng, 8)) {
  case 0: n = 0; break;
  case 1: n = 1 + below(rng, 3); break;
  case 2: n = below(rng, 17); break;
  case 3: n = 60 + below(rng, 10); break;
  case 4: n = 250 + below(rng, 12); break;
  case 5: n = below(rng, 1100); break;
  case 6: n = below(rng, 70000); break;
  default: n = below(rng, 300); break;
  }
  return n < left ? n : left;
}

static uint32_t stream32(const uint8_t *p, size_t len, uint32_t seed, uint64_t *rng) {
  pw_xxh32_state s;
  pw_xxh32_reset(&s, seed);
  for (size_t off = 0, n; off < len; off += n) {
    n = piece(rng, len - off);
    pw_xxh32_update(&s, p + off, n);
  }
  return pw_xxh32_digest(&s);
}

static uint64_t stream64(const uint8_t *p, size_t len, uint64_t seed, uint64_t *rng) {
  pw_xxh64_state s;
  pw_xxh64_reset(&s, seed);
  for (size_t off = 0, n; off < len; off += n) {
    n = piece(rng, len - off);
    pw_xxh64_update(&s, p + off, n);
  }
  return pw_xxh64_digest(&s);
}

/* Both XXH3 digests of one streamed state. */
static void stream3(const uint8_t *p, size_t len, uint64_t seed, uint64_t *rng, uint64_t *h64,
                    pw_u128 *h128) {
  pw_xxh3_state s;
  pw_xxh3_reset(&s, seed);
  for (size_t off = 0, n; off < len; off += n) {
    n = piece(rng, len - off);
    pw_xxh3_update(&s, p + off, n);
  }
  *h64 = pw_xxh3_digest64(&s);
  *h128 = pw_xxh3_digest128(&s);
}

static int eq128(pw_u128 a, pw_u128 b) { return a.lo == b.lo && a.hi == b.hi; }

/* ---------------------------------------------------------------------- */
/* 1. Published vectors                                                   */
/* ---------------------------------------------------------------------- */

static void test_vectors(const uint8_t *sanity) {
  uint64_t rng = 1;
  for (size_t i = 0; i < COUNT(xxh32_vectors); i++) {
    const vec32 *v = &xxh32_vectors[i];
    const uint8_t *p = v->len ? sanity : NULL;
    uint32_t h = pw_xxh32(p, v->len, v->seed);
    CHECK(h == v->hash, "xxh32 len %u seed %08x: %08x, expected %08x", v->len, v->seed, h, v->hash);
    pw_xxh32_state s;
    pw_xxh32_reset(&s, v->seed);
    pw_xxh32_update(&s, p, v->len);
    CHECK(pw_xxh32_digest(&s) == v->hash, "xxh32 stream whole len %u", v->len);
    pw_xxh32_reset(&s, v->seed);
    for (size_t k = 0; k < v->len; k++) pw_xxh32_update(&s, p + k, 1);
    CHECK(pw_xxh32_digest(&s) == v->hash, "xxh32 stream bytes len %u", v->len);
    CHECK(stream32(p, v->len, v->seed, &rng) == v->hash, "xxh32 stream pieces len %u", v->len);
  }
  for (size_t i = 0; i < COUNT(xxh64_vectors); i++) {
    const vec64 *v = &xxh64_vectors[i];
    const uint8_t *p = v->len ? sanity : NULL;
    uint64_t h = pw_xxh64(p, v->len, v->seed);
    CHECK(h == v->hash, "xxh64 len %u seed %016" PRIx64 ": %016" PRIx64 ", expected %016" PRIx64,
          v->len, v->seed, h, v->hash);
    pw_xxh64_state s;
    pw_xxh64_reset(&s, v->seed);
    pw_xxh64_update(&s, p, v->len);
    CHECK(pw_xxh64_digest(&s) == v->hash, "xxh64 stream whole len %u", v->len);
    pw_xxh64_reset(&s, v->seed);
    for (size_t k = 0; k < v->len; k++) pw_xxh64_update(&s, p + k, 1);
    CHECK(pw_xxh64_digest(&s) == v->hash, "xxh64 stream bytes len %u", v->len);
    CHECK(stream64(p, v->len, v->seed, &rng) == v->hash, "xxh64 stream pieces len %u", v->len);
  }
  for (size_t i = 0; i < COUNT(xxh3_vectors); i++) {
    const vec64 *v = &xxh3_vectors[i];
    const uint8_t *p = v->len ? sanity : NULL;
    uint64_t h = pw_xxh3(p, v->len, v->seed);
    CHECK(h == v->hash, "xxh3 len %u seed %016" PRIx64 ": %016" PRIx64 ", expected %016" PRIx64,
          v->len, v->seed, h, v->hash);
    pw_xxh3_state s;
    pw_xxh3_reset(&s, v->seed);
    pw_xxh3_update(&s, p, v->len);
    CHECK(pw_xxh3_digest64(&s) == v->hash, "xxh3 stream whole len %u", v->len);
    pw_xxh3_reset(&s, v->seed);
    for (size_t k = 0; k < v->len; k++) pw_xxh3_update(&s, p + k, 1);
    CHECK(pw_xxh3_digest64(&s) == v->hash, "xxh3 stream bytes len %u", v->len);
    uint64_t h64;
    pw_u128 h128;
    stream3(p, v->len, v->seed, &rng, &h64, &h128);
    CHECK(h64 == v->hash, "xxh3 stream pieces len %u", v->len);
  }
  for (size_t i = 0; i < COUNT(xxh128_vectors); i++) {
    const vec128 *v = &xxh128_vectors[i];
    const uint8_t *p = v->len ? sanity : NULL;
    pw_u128 want = {v->lo, v->hi};
    pw_u128 h = pw_xxh128(p, v->len, v->seed);
    CHECK(eq128(h, want),
          "xxh128 len %u seed %016" PRIx64 ": %016" PRIx64 "%016" PRIx64 ", expected %016" PRIx64
          "%016" PRIx64,
          v->len, v->seed, h.hi, h.lo, v->hi, v->lo);
    pw_xxh3_state s;
    pw_xxh3_reset(&s, v->seed);
    pw_xxh3_update(&s, p, v->len);
    CHECK(eq128(pw_xxh3_digest128(&s), want), "xxh128 stream whole len %u", v->len);
    pw_xxh3_reset(&s, v->seed);
    for (size_t k = 0; k < v->len; k++) pw_xxh3_update(&s, p + k, 1);
    CHECK(eq128(pw_xxh3_digest128(&s), want), "xxh128 stream bytes len %u", v->len);
    uint64_t h64;
    pw_u128 h128;
    stream3(p, v->len, v->seed, &rng, &h64, &h128);
    CHECK(eq128(h128, want), "xxh128 stream pieces len %u", v->len);
  }

  /* The well-known empty-input values, NULL data. */
  CHECK(pw_xxh32(NULL, 0, 0) == UINT32_C(0x02CC5D05), "xxh32('')");
  CHECK(pw_xxh64(NULL, 0, 0) == UINT64_C(0xEF46DB3751D8E999), "xxh64('')");
  CHECK(pw_xxh3(NULL, 0, 0) == UINT64_C(0x2D06800538D394C2), "xxh3('')");
  pw_u128 e = pw_xxh128(NULL, 0, 0);
  CHECK(e.hi == UINT64_C(0x99AA06D3014798D8) && e.lo == UINT64_C(0x6001C324468D497F), "xxh128('')");
}

/* ---------------------------------------------------------------------- */
/* 2. Fingerprints over every length                                      */
/* ---------------------------------------------------------------------- */

/* FNV-1a (64-bit) over the little-endian bytes of v. */
static uint64_t fnv(uint64_t h, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; i++) {
    h ^= (uint8_t)(v >> (8 * i));
    h *= UINT64_C(0x100000001b3);
  }
  return h;
}
#define FNV_INIT UINT64_C(0xcbf29ce484222325)

static const uint64_t fp_seeds[3] = {0, PRIME32, UINT64_C(0x0123456789abcdef)};

/* Expected fingerprints: for each seed in fp_seeds (XXH32 takes its low 32
 * bits) and each len in 0..SANITY_LEN, the hash of the first len bytes of
 * the sanity buffer, fed to FNV-1a in that order (128-bit: low then high
 * half). Computed with hash-wasm 4.13.0 (xxhash32/64/3/128) in Node. */
static const uint64_t fp_expected[4] = {
    UINT64_C(0x875c39a6243cef6a), /* xxh32 */
    UINT64_C(0x2519617655dda639), /* xxh64 */
    UINT64_C(0xfc194bbb7d2c2003), /* xxh3 */
    UINT64_C(0xd63eb2fd9589274a), /* xxh128 */
};

static void test_fingerprints(const uint8_t *sanity) {
  uint64_t f[4] = {FNV_INIT, FNV_INIT, FNV_INIT, FNV_INIT};
  for (int si = 0; si < 3; si++) {
    uint64_t seed = fp_seeds[si];
    for (size_t len = 0; len <= SANITY_LEN; len++) {
      f[0] = fnv(f[0], pw_xxh32(sanity, len, (uint32_t)seed), 4);
      f[1] = fnv(f[1], pw_xxh64(sanity, len, seed), 8);
      f[2] = fnv(f[2], pw_xxh3(sanity, len, seed), 8);
      pw_u128 h = pw_xxh128(sanity, len, seed);
      f[3] = fnv(fnv(f[3], h.lo, 8), h.hi, 8);
    }
  }
  static const char *const names[4] = {"xxh32", "xxh64", "xxh3", "xxh128"};
  for (int a = 0; a < 4; a++)
    CHECK(f[a] == fp_expected[a], "%s fingerprint over lengths 0..%d: %016" PRIx64 ", expected %016" PRIx64,
          names[a], SANITY_LEN, f[a], fp_expected[a]);
}

/* ---------------------------------------------------------------------- */
/* 3. Streaming equals one-shot                                           */
/* ---------------------------------------------------------------------- */

static void check_stream_all(const uint8_t *p, size_t len, uint64_t seed, uint64_t *rng) {
  uint32_t w32 = pw_xxh32(p, len, (uint32_t)seed), g32 = stream32(p, len, (uint32_t)seed, rng);
  CHECK(g32 == w32, "xxh32 stream len %zu seed %016" PRIx64, len, seed);
  uint64_t w64 = pw_xxh64(p, len, seed), g64 = stream64(p, len, seed, rng);
  CHECK(g64 == w64, "xxh64 stream len %zu seed %016" PRIx64, len, seed);
  uint64_t w3 = pw_xxh3(p, len, seed), g3;
  pw_u128 w128 = pw_xxh128(p, len, seed), g128;
  stream3(p, len, seed, rng, &g3, &g128);
  CHECK(g3 == w3, "xxh3 stream len %zu seed %016" PRIx64, len, seed);
  CHECK(eq128(g128, w128), "xxh128 stream len %zu seed %016" PRIx64, len, seed);
}

static void test_stream_lengths(void) {
  enum { MAXLEN = 2100 };
  uint8_t *buf = xmalloc(MAXLEN + 16);
  fill_random(buf, MAXLEN + 16, 42);
  static const uint64_t seeds[] = {0, 1, PRIME64, UINT64_C(0xffffffffffffffff)};
  uint64_t rng = 7;
  for (size_t si = 0; si < COUNT(seeds); si++)
    for (size_t len = 0; len <= MAXLEN; len++) {
      /* an odd start address as well, for the unaligned loads */
      check_stream_all(buf + (len & 1), len, seeds[si], &rng);
    }
  free(buf);
}

static void test_stream_large(void) {
  static const size_t lens[] = {(3u << 20) + 12345, (5u << 20) + 7, (4u << 20) + 1023 * 64 + 1};
  size_t max = (5u << 20) + 64;
  uint8_t *buf = xmalloc(max);
  fill_random(buf, max, 99);
  uint64_t rng = 11;
  for (size_t i = 0; i < COUNT(lens); i++) {
    check_stream_all(buf, lens[i], i == 0 ? 0 : UINT64_C(0x9e3779b97f4a7c15) * i, &rng);
    check_stream_all(buf + 1, lens[i], i, &rng);
  }
  free(buf);
}

/* Digest leaves the state as it was (digests taken along the way equal the
 * one-shot hashes of the prefixes, and the end result is unchanged); a
 * state moved with memcpy to a new address after each piece, the old copy
 * scribbled over, continues correctly. */
static void test_state_properties(void) {
  enum { LEN = 5000 };
  uint8_t *buf = xmalloc(LEN);
  fill_random(buf, LEN, 5);
  uint64_t rng = 3;
  for (int round = 0; round < 20; round++) {
    uint64_t seed = round % 3 == 0 ? 0 : splitmix64(&rng);
    pw_xxh32_state *s32 = xmalloc(sizeof *s32);
    pw_xxh64_state *s64 = xmalloc(sizeof *s64);
    pw_xxh3_state *s3 = xmalloc(sizeof *s3);
    pw_xxh32_reset(s32, (uint32_t)seed);
    pw_xxh64_reset(s64, seed);
    pw_xxh3_reset(s3, seed);
    size_t off = 0;
    while (off < LEN) {
      size_t n = piece(&rng, LEN - off);
      pw_xxh32_update(s32, buf + off, n);
      pw_xxh64_update(s64, buf + off, n);
      pw_xxh3_update(s3, buf + off, n);
      off += n;
      CHECK(pw_xxh32_digest(s32) == pw_xxh32(buf, off, (uint32_t)seed), "xxh32 prefix %zu", off);
      CHECK(pw_xxh64_digest(s64) == pw_xxh64(buf, off, seed), "xxh64 prefix %zu", off);
      CHECK(pw_xxh3_digest64(s3) == pw_xxh3(buf, off, seed), "xxh3 prefix %zu", off);
      CHECK(eq128(pw_xxh3_digest128(s3), pw_xxh128(buf, off, seed)), "xxh128 prefix %zu", off);
#define MOVE(s)                                \
  do {                                         \
    void *to_ = xmalloc(sizeof *(s));          \
    memcpy(to_, (s), sizeof *(s));             \
    memset((s), 0xa5, sizeof *(s));            \
    free(s);                                   \
    (s) = to_;                                 \
  } while (0)
      MOVE(s32);
      MOVE(s64);
      MOVE(s3);
#undef MOVE
    }
    CHECK(pw_xxh32_digest(s32) == pw_xxh32(buf, LEN, (uint32_t)seed), "xxh32 moved state");
    CHECK(pw_xxh3_digest64(s3) == pw_xxh3(buf, LEN, seed), "xxh3 moved state");
    free(s32);
    free(s64);
    free(s3);
  }
  free(buf);
}

int main(void) {
  uint8_t *sanity = xmalloc(SANITY_LEN);
  fill_sanity(sanity, SANITY_LEN);
  test_vectors(sanity);
  test_fingerprints(sanity);
  test_stream_lengths();
  test_stream_large();
  test_state_properties();
  free(sanity);
  return test_summary("test_xxhash");
}
