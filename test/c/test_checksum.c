/*
 * test_checksum.c — native (and wasm) tests of the checksum kernels
 * (pw_crc32, pw_crc32c, pw_adler32 and their combines) and of
 * pw_ascii_upper, against published check values and against simple
 * reference implementations written here, independently of the kernels.
 *
 * Every random input comes from a fixed-seed splitmix64, so a failure is
 * reproducible; each failure prints the seed, length and offset. Exits 0
 * when every check passed, 1 otherwise.
 *
 * Configurations (from the repository root):
 *   native, serial runtime:
 *     gcc -std=c11 -O2 -Wall -Wextra -Iinclude -Isrc/runtime -o test_checksum \
 *         test/c/test_checksum.c test/c/no_kernels.c src/runtime/task.c \
 *         src/runtime/serial.c src/kernels/crc32.c src/kernels/adler32.c src/kernels/ascii.c
 *   the same with -fsanitize=address,undefined -fno-sanitize-recover=all -g
 *   native, fake pool (exercises the parallel split and join: chunks run in
 *   a scrambled order, pw_concurrency() > 1): add -DPW_TEST_FAKE_POOL and
 *   leave out src/runtime/serial.c
 *   wasm (SIMD paths):
 *     emcc -O3 -msimd128 -sALLOW_MEMORY_GROWTH=1 -sSINGLE_FILE=1 \
 *         -sENVIRONMENT=node -Iinclude -Isrc/runtime -o test_checksum.js <sources>
 *     node test_checksum.js
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parawasm.h"

#include "testlib.h"

/* ---------------------------------------------------------------------- */
/* References                                                             */
/* ---------------------------------------------------------------------- */

#define POLY32 UINT32_C(0xedb88320)
#define POLY32C UINT32_C(0x82f63b78)
#define ADLER_MOD 65521u

/* Bit at a time. */
static uint32_t ref_crc_bits(uint32_t poly, const uint8_t *p, size_t n, uint32_t crc) {
  crc = ~crc;
  for (size_t i = 0; i < n; i++) {
    crc ^= p[i];
    for (int k = 0; k < 8; k++) crc = (crc & 1) ? (crc >> 1) ^ poly : crc >> 1;
  }
  return ~crc;
}

/* Byte at a time with a 256-entry table built here from the bit loop; used
 * for the large inputs (checked against ref_crc_bits first). */
static uint32_t ref_tab32[256], ref_tab32c[256];

static void ref_tables(void) {
  for (uint32_t b = 0; b < 256; b++) { /* the register after byte b from 0 */
    uint32_t r32 = b, r32c = b;
    for (int k = 0; k < 8; k++) {
      r32 = (r32 & 1) ? (r32 >> 1) ^ POLY32 : r32 >> 1;
      r32c = (r32c & 1) ? (r32c >> 1) ^ POLY32C : r32c >> 1;
    }
    ref_tab32[b] = r32;
    ref_tab32c[b] = r32c;
  }
}

static uint32_t ref_crc_bytes(const uint32_t *tab, const uint8_t *p, size_t n, uint32_t crc) {
  crc = ~crc;
  for (size_t i = 0; i < n; i++) crc = (crc >> 8) ^ tab[(crc ^ p[i]) & 0xff];
  return ~crc;
}

/* Byte at a time, modulo at every byte. */
static uint32_t ref_adler(const uint8_t *p, size_t n, uint32_t adler) {
  uint32_t a = adler & 0xffff, b = adler >> 16;
  for (size_t i = 0; i < n; i++) {
    a = (a + p[i]) % ADLER_MOD;
    b = (b + a) % ADLER_MOD;
  }
  return b << 16 | a;
}

static size_t ref_upper(uint8_t *p, size_t n) {
  size_t count = 0;
  for (size_t i = 0; i < n; i++)
    if (p[i] >= 'a' && p[i] <= 'z') {
      p[i] = (uint8_t)(p[i] - 'a' + 'A');
      count++;
    }
  return count;
}

/* GF(2) polynomial product mod P written differently from the kernel's:
 * normal (non-reflected) bit order, via bit reversal. */
static uint32_t rev32(uint32_t x) {
  uint32_t r = 0;
  for (int i = 0; i < 32; i++, x >>= 1) r = r << 1 | (x & 1);
  return r;
}

static uint32_t normal_mulmod(uint32_t a, uint32_t b, uint32_t poly_normal) {
  /* bit k = coefficient of x^k; P = x^32 + poly_normal */
  uint64_t acc = 0;
  for (int i = 0; i < 32; i++)
    if ((b >> i) & 1) acc ^= (uint64_t)a << i;
  for (int i = 63; i >= 32; i--)
    if ((acc >> i) & 1) acc ^= ((uint64_t)poly_normal | (UINT64_C(1) << 32)) << (i - 32);
  return (uint32_t)acc;
}

/* crc(A ++ B) from crc(A), crc(B), len(B): left-to-right square and multiply
 * over the bits of 8 * len, in normal order. */
static uint32_t ref_crc_combine(uint32_t poly, uint32_t crc1, uint32_t crc2, uint64_t len2) {
  uint32_t pn = rev32(poly);
  uint32_t x8 = 1u << 8; /* x^8: one byte */
  uint32_t acc = 1;      /* x^0 */
  for (int i = 63; i >= 0; i--) {
    acc = normal_mulmod(acc, acc, pn);
    if ((len2 >> i) & 1) acc = normal_mulmod(acc, x8, pn);
  }
  return rev32(normal_mulmod(rev32(crc1), acc, pn)) ^ crc2;
}

static uint32_t ref_adler_combine(uint32_t adler1, uint32_t adler2, uint64_t len2) {
  /* len2 mod 65521 by halves: 2^32 mod 65521 = 4081... computed, not typed */
  uint64_t two32 = (UINT64_C(1) << 32) % ADLER_MOD;
  uint64_t rem = (((len2 >> 32) % ADLER_MOD) * two32 + (len2 & 0xffffffffu) % ADLER_MOD) % ADLER_MOD;
  uint64_t a1 = adler1 & 0xffff, b1 = adler1 >> 16, a2 = adler2 & 0xffff, b2 = adler2 >> 16;
  uint64_t a = (a1 + a2 + ADLER_MOD - 1) % ADLER_MOD;
  uint64_t b = (b1 + b2 + rem * ((a1 + ADLER_MOD - 1) % ADLER_MOD)) % ADLER_MOD;
  return (uint32_t)(b << 16 | a);
}

/* ---------------------------------------------------------------------- */
/* Tests                                                                  */
/* ---------------------------------------------------------------------- */

static void test_vectors(void) {
  const uint8_t *check = (const uint8_t *)"123456789";
  CHECK(pw_crc32(check, 9, 0) == 0xcbf43926u, "crc32(123456789) = %08" PRIx32, pw_crc32(check, 9, 0));
  CHECK(pw_crc32c(check, 9, 0) == 0xe3069283u, "crc32c(123456789) = %08" PRIx32,
        pw_crc32c(check, 9, 0));
  CHECK(pw_adler32(check, 9, 1) == 0x091e01deu, "adler32(123456789) = %08" PRIx32,
        pw_adler32(check, 9, 1));
  CHECK(ref_crc_bits(POLY32, check, 9, 0) == 0xcbf43926u, "reference crc32");
  CHECK(ref_crc_bits(POLY32C, check, 9, 0) == 0xe3069283u, "reference crc32c");
  CHECK(ref_adler(check, 9, 1) == 0x091e01deu, "reference adler32");

  /* RFC 3720, B.4: CRC-32C of 32-byte blocks. */
  uint8_t buf[32];
  memset(buf, 0x00, 32);
  CHECK(pw_crc32c(buf, 32, 0) == 0x8a9136aau, "iscsi zeros %08" PRIx32, pw_crc32c(buf, 32, 0));
  memset(buf, 0xff, 32);
  CHECK(pw_crc32c(buf, 32, 0) == 0x62a8ab43u, "iscsi ones %08" PRIx32, pw_crc32c(buf, 32, 0));
  for (int i = 0; i < 32; i++) buf[i] = (uint8_t)i;
  CHECK(pw_crc32c(buf, 32, 0) == 0x46dd794eu, "iscsi incr %08" PRIx32, pw_crc32c(buf, 32, 0));
  for (int i = 0; i < 32; i++) buf[i] = (uint8_t)(31 - i);
  CHECK(pw_crc32c(buf, 32, 0) == 0x113fdb5cu, "iscsi decr %08" PRIx32, pw_crc32c(buf, 32, 0));

  /* Empty input: the running value comes back; NULL is allowed. */
  CHECK(pw_crc32(NULL, 0, 0) == 0 && pw_crc32(NULL, 0, 0x12345678u) == 0x12345678u, "crc32 empty");
  CHECK(pw_crc32c(NULL, 0, 0xdeadbeefu) == 0xdeadbeefu, "crc32c empty");
  CHECK(pw_adler32(NULL, 0, 1) == 1 && pw_adler32(NULL, 0, 0xabcd1234u) == 0xabcd1234u,
        "adler32 empty");
  CHECK(pw_ascii_upper(NULL, 0) == 0, "ascii_upper empty");
}

/* Every length 0..1100 at every offset 0..15, random running values. */
static void test_small(void) {
  const size_t max = 1100;
  uint8_t *base = xmalloc(max + 16);
  for (size_t len = 0; len <= max; len++) {
    uint64_t seed = 1000 + len, s = seed;
    fill_random(base, max + 16, seed);
    for (size_t off = 0; off < 16; off++) {
      const uint8_t *p = base + off;
      uint32_t c0 = (uint32_t)splitmix64(&s), a0 = (uint32_t)below(&s, 65521) |
                                                   (uint32_t)below(&s, 65521) << 16;
      if (off == 0) c0 = 0, a0 = 1;
      uint32_t want = ref_crc_bits(POLY32, p, len, c0), got = pw_crc32(p, len, c0);
      CHECK(got == want, "crc32 seed %" PRIu64 " len %zu off %zu init %08" PRIx32 ": %08" PRIx32
            " want %08" PRIx32, seed, len, off, c0, got, want);
      want = ref_crc_bits(POLY32C, p, len, c0), got = pw_crc32c(p, len, c0);
      CHECK(got == want, "crc32c seed %" PRIu64 " len %zu off %zu init %08" PRIx32 ": %08" PRIx32
            " want %08" PRIx32, seed, len, off, c0, got, want);
      want = ref_adler(p, len, a0), got = pw_adler32(p, len, a0);
      CHECK(got == want, "adler32 seed %" PRIu64 " len %zu off %zu init %08" PRIx32 ": %08" PRIx32
            " want %08" PRIx32, seed, len, off, a0, got, want);
    }
  }
  /* The table references used below agree with the bit references. */
  for (size_t len = 0; len <= max; len += 7) {
    fill_random(base, len, 5 + len);
    CHECK(ref_crc_bytes(ref_tab32, base, len, 7) == ref_crc_bits(POLY32, base, len, 7), "ref tab32");
    CHECK(ref_crc_bytes(ref_tab32c, base, len, 7) == ref_crc_bits(POLY32C, base, len, 7),
          "ref tab32c");
  }
  free(base);
}

/* One length: one-shot against the references, then fed in random pieces. */
static void check_length(uint8_t *buf, size_t len, uint64_t seed, int pieces) {
  uint64_t s = seed;
  fill_random(buf, len, seed);
  uint32_t c0 = (uint32_t)splitmix64(&s);
  uint32_t w32 = ref_crc_bytes(ref_tab32, buf, len, c0), w32c = ref_crc_bytes(ref_tab32c, buf, len, c0);
  uint32_t wad = ref_adler(buf, len, 1);
  uint32_t g32 = pw_crc32(buf, len, c0), g32c = pw_crc32c(buf, len, c0), gad = pw_adler32(buf, len, 1);
  CHECK(g32 == w32, "crc32 seed %" PRIu64 " len %zu: %08" PRIx32 " want %08" PRIx32, seed, len, g32, w32);
  CHECK(g32c == w32c, "crc32c seed %" PRIu64 " len %zu: %08" PRIx32 " want %08" PRIx32, seed, len,
        g32c, w32c);
  CHECK(gad == wad, "adler32 seed %" PRIu64 " len %zu: %08" PRIx32 " want %08" PRIx32, seed, len,
        gad, wad);
  /* Piecewise: random split points. */
  uint32_t p32 = c0, p32c = c0, pad = 1;
  size_t at = 0;
  for (int i = 0; i < pieces && at < len; i++) {
    size_t n = (size_t)below(&s, (len - at) / (size_t)(pieces - i) * 2 + 1);
    if (n > len - at) n = len - at;
    p32 = pw_crc32(buf + at, n, p32);
    p32c = pw_crc32c(buf + at, n, p32c);
    pad = pw_adler32(buf + at, n, pad);
    at += n;
  }
  p32 = pw_crc32(buf + at, len - at, p32);
  p32c = pw_crc32c(buf + at, len - at, p32c);
  pad = pw_adler32(buf + at, len - at, pad);
  CHECK(p32 == w32 && p32c == w32c && pad == wad, "piecewise seed %" PRIu64 " len %zu", seed, len);
}

static void test_large(void) {
  const size_t big = (33u << 20);
  uint8_t *buf = xmalloc(big + 16);
  uint64_t s = 4242;
  /* Around the sparse reduction's threshold (8 KiB) and above its degrees
   * (4018 and 5275 bytes), where the ring wraps at different points. */
  for (size_t len = 8192 - 40; len <= 8192 + 40; len++) check_length(buf, len, 70000 + len, 3);
  for (size_t len = 8192; len <= 40000; len += 97) check_length(buf, len, 80000 + len, 2);
  /* Random lengths up to 600 KB, at random offsets. */
  for (int i = 0; i < 60; i++) {
    size_t len = (size_t)below(&s, 600000), off = (size_t)below(&s, 16);
    check_length(buf + off, len, 90000 + (uint64_t)i, 5);
  }
  const size_t lens[] = {(1u << 20) + 3, (2u << 20) - 1, (2u << 20), (5u << 20) + 7, big};
  for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++)
    check_length(buf + (i & 1), lens[i], 100 + i, 8);
  free(buf);
}

static void test_combine(void) {
  const size_t max = 200000;
  uint8_t *buf = xmalloc(max);
  uint64_t s = 99;
  for (int i = 0; i < 300; i++) {
    size_t len = (size_t)below(&s, i < 200 ? 3000 : max), cut = (size_t)below(&s, len + 1);
    uint64_t seed = 5000 + (uint64_t)i;
    fill_random(buf, len, seed);
    uint32_t c0 = (uint32_t)splitmix64(&s);
    uint32_t a = pw_crc32(buf, cut, c0), b = pw_crc32(buf + cut, len - cut, 0);
    CHECK(pw_crc32_combine(a, b, len - cut) == pw_crc32(buf, len, c0), "crc32_combine seed %" PRIu64
          " len %zu cut %zu", seed, len, cut);
    a = pw_crc32c(buf, cut, c0), b = pw_crc32c(buf + cut, len - cut, 0);
    CHECK(pw_crc32c_combine(a, b, len - cut) == pw_crc32c(buf, len, c0),
          "crc32c_combine seed %" PRIu64 " len %zu cut %zu", seed, len, cut);
    a = pw_adler32(buf, cut, 1), b = pw_adler32(buf + cut, len - cut, 1);
    CHECK(pw_adler32_combine(a, b, len - cut) == pw_adler32(buf, len, 1),
          "adler32_combine seed %" PRIu64 " len %zu cut %zu", seed, len, cut);
  }
  /* len2 = 0: crc2 must be the CRC of nothing. */
  CHECK(pw_crc32_combine(0x12345678u, 0, 0) == 0x12345678u, "crc32_combine len2 0");
  CHECK(pw_crc32c_combine(0x9abcdef0u, 0, 0) == 0x9abcdef0u, "crc32c_combine len2 0");
  CHECK(pw_adler32_combine(0x12345678u, 1, 0) == 0x12345678u, "adler32_combine len2 0");

  /* Zeros fed in pieces against combine, moderate lengths. */
  memset(buf, 0, max);
  for (int i = 0; i < 20; i++) {
    uint64_t len2 = below(&s, 3 * (uint64_t)max);
    uint32_t c1 = (uint32_t)splitmix64(&s);
    uint32_t a1 = (uint32_t)below(&s, 65521) | (uint32_t)below(&s, 65521) << 16;
    uint32_t f32 = c1, f32c = c1, fad = a1, z32 = 0, z32c = 0, zad = 1;
    for (uint64_t left = len2; left > 0;) {
      size_t n = left < max ? (size_t)left : max;
      n = (size_t)below(&s, n) + 1;
      f32 = pw_crc32(buf, n, f32), z32 = pw_crc32(buf, n, z32);
      f32c = pw_crc32c(buf, n, f32c), z32c = pw_crc32c(buf, n, z32c);
      fad = pw_adler32(buf, n, fad), zad = pw_adler32(buf, n, zad);
      left -= n;
    }
    CHECK(pw_crc32_combine(c1, z32, len2) == f32, "crc32 zeros len2 %" PRIu64, len2);
    CHECK(pw_crc32c_combine(c1, z32c, len2) == f32c, "crc32c zeros len2 %" PRIu64, len2);
    CHECK(pw_adler32_combine(a1, zad, len2) == fad, "adler32 zeros len2 %" PRIu64, len2);
  }

  /* Huge lengths: against the references computed another way, and
   * associativity. */
  for (int i = 0; i < 200; i++) {
    uint64_t l1 = splitmix64(&s) >> (below(&s, 64)), l2 = splitmix64(&s) >> (below(&s, 64));
    if (i == 0) l1 = UINT64_MAX, l2 = UINT64_MAX / 2;
    if (l1 > UINT64_MAX - l2) l1 = UINT64_MAX - l2; /* l1 + l2 must not wrap */
    uint32_t x = (uint32_t)splitmix64(&s), y = (uint32_t)splitmix64(&s), z = (uint32_t)splitmix64(&s);
    CHECK(pw_crc32_combine(x, y, l1) == ref_crc_combine(POLY32, x, y, l1),
          "crc32_combine len2 %" PRIu64, l1);
    CHECK(pw_crc32c_combine(x, y, l1) == ref_crc_combine(POLY32C, x, y, l1),
          "crc32c_combine len2 %" PRIu64, l1);
    CHECK(pw_crc32_combine(pw_crc32_combine(x, y, l1), z, l2) ==
              pw_crc32_combine(x, pw_crc32_combine(y, z, l2), l1 + l2),
          "crc32_combine associativity %" PRIu64 " %" PRIu64, l1, l2);
    CHECK(pw_crc32c_combine(pw_crc32c_combine(x, y, l1), z, l2) ==
              pw_crc32c_combine(x, pw_crc32c_combine(y, z, l2), l1 + l2),
          "crc32c_combine associativity %" PRIu64 " %" PRIu64, l1, l2);
    uint32_t ax = (uint32_t)below(&s, 65521) | (uint32_t)below(&s, 65521) << 16;
    uint32_t ay = (uint32_t)below(&s, 65521) | (uint32_t)below(&s, 65521) << 16;
    uint32_t az = (uint32_t)below(&s, 65521) | (uint32_t)below(&s, 65521) << 16;
    CHECK(pw_adler32_combine(ax, ay, l1) == ref_adler_combine(ax, ay, l1),
          "adler32_combine %08" PRIx32 " %08" PRIx32 " len2 %" PRIu64, ax, ay, l1);
    CHECK(pw_adler32_combine(pw_adler32_combine(ax, ay, l1), az, l2) ==
              pw_adler32_combine(ax, pw_adler32_combine(ay, az, l2), l1 + l2),
          "adler32_combine associativity %" PRIu64 " %" PRIu64, l1, l2);
  }
  free(buf);
}

/* Random bytes with many of 0x60 0x61 0x7a 0x7b, letters and >= 0x80. */
static void fill_text(uint8_t *p, size_t n, uint64_t seed) {
  static const uint8_t edge[] = {0x40, 0x41, 0x5a, 0x5b, 0x60, 0x61, 0x7a, 0x7b, 0x7f, 0x80,
                                 0xe1, 0xfa, 0xff, 0x00, 'm', 'M'};
  for (size_t i = 0; i < n; i++) {
    uint64_t r = splitmix64(&seed);
    switch (r & 3) {
    case 0: p[i] = edge[(r >> 8) % sizeof edge]; break;
    case 1: p[i] = (uint8_t)('a' + (r >> 8) % 26); break;
    default: p[i] = (uint8_t)(r >> 8); break;
    }
  }
}

static void check_upper(uint8_t *buf, uint8_t *want, size_t len, size_t off, uint64_t seed) {
  /* Guard bytes around the range must not change. */
  fill_text(buf, len + off + 32, seed);
  memcpy(want, buf, len + off + 32);
  size_t wn = ref_upper(want + off, len);
  size_t gn = pw_ascii_upper(buf + off, len);
  CHECK(gn == wn, "ascii_upper seed %" PRIu64 " len %zu off %zu: count %zu want %zu", seed, len,
        off, gn, wn);
  CHECK(memcmp(buf, want, len + off + 32) == 0, "ascii_upper seed %" PRIu64 " len %zu off %zu: bytes",
        seed, len, off);
}

static void test_upper(void) {
  const size_t big = (9u << 20) + 5;
  uint8_t *buf = xmalloc(big + 64), *want = xmalloc(big + 64);
  for (size_t len = 0; len <= 300; len++)
    for (size_t off = 0; off < 16; off++) check_upper(buf, want, len, off, 3000 + len * 16 + off);
  uint64_t s = 17;
  for (int i = 0; i < 40; i++) {
    size_t len = (size_t)below(&s, 300000), off = (size_t)below(&s, 16);
    check_upper(buf, want, len, off, 60000 + (uint64_t)i);
  }
  check_upper(buf, want, (2u << 20), 0, 1);
  check_upper(buf, want, big, 3, 2);
  /* All 256 byte values, each once. */
  for (int v = 0; v < 256; v++) buf[v] = want[v] = (uint8_t)v;
  CHECK(pw_ascii_upper(buf, 256) == 26 && ref_upper(want, 256) == 26 && memcmp(buf, want, 256) == 0,
        "ascii_upper all bytes");
  free(buf);
  free(want);
}

#ifdef PW_TEST_FAKE_POOL
/* Cancelled parallel loops: no crash, no leak (the result is discarded). */
static void test_cancel(void) {
  size_t len = 9u << 20;
  uint8_t *buf = xmalloc(len);
  fill_random(buf, len, 3);
  fake_cancel = 1;
  for (int t = 2; t <= 64; t *= 4) {
    fake_threads = t;
    (void)pw_crc32(buf, len, 0);
    (void)pw_crc32c(buf, len, 0);
    (void)pw_adler32(buf, len, 1);
    (void)pw_ascii_upper(buf, len);
  }
  fake_cancel = 0;
  free(buf);
}
#endif

int main(void) {
  ref_tables();
  test_vectors();
  test_small();
  test_combine();
  test_upper();
#ifdef PW_TEST_FAKE_POOL
  /* Large inputs with few chunks, then with more than fit on the stack. */
  static const int threads[] = {2, 3, 32};
  for (size_t i = 0; i < sizeof threads / sizeof threads[0]; i++) {
    fake_threads = threads[i];
    test_large();
    test_upper();
  }
  test_cancel();
#else
  test_large();
#endif
  return test_summary("test_checksum");
}
