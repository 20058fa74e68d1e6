/*
 * fuzz_checksum.c — libFuzzer target for the checksum and byte kernels
 * (make fuzz; a fixed number of inputs in make test). Differential: every
 * kernel against a byte-at-a-time reference written here (CRC tables made
 * bit by bit from the polynomial), which covers both of CRC's serial
 * paths (slicing-by-16, the sparse reduction from 8 KiB) and Adler-32's
 * vector and scalar code; piecewise
 * feeding against one-shot; combine against the checksum of the
 * concatenation; and, for one input in 32, the split-and-join path of the
 * threaded build (2 to 3 MiB made from the input, 2 to 16 "threads" whose
 * chunks run in a shuffled order, fuzz_pool.h) against the serial path.
 * The streaming interface (pw_hash_init/update/digest) of the checksums is
 * fuzzed by fuzz_hash.c.
 *
 * Input: byte 0 picks a split point (as a fraction of the rest) and the
 * mode, the rest is the data.
 *
 * FUZZ-OPTIONS: -max_len=70000
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parawasm.h"
#include "fuzz_pool.h"

/* The references' own loops are left out of the coverage feedback (they
   would only slow the fuzzer down: what guides it is the kernels' code). */
#define REF __attribute__((no_sanitize("coverage")))

/* Byte-at-a-time CRC (Sarwate) from a 256-entry table that is computed
   here bit by bit from the polynomial: independent of crc32.c's generated
   tables and of its slicing and sparse-reduction code. */
REF static const uint32_t *crc_table(uint32_t poly) {
  static uint32_t tables[2][256];
  static uint32_t polys[2];
  int k = poly == polys[0] ? 0 : poly == polys[1] ? 1 : polys[0] == 0 ? 0 : 1;
  if (polys[k] != poly) {
    for (uint32_t b = 0; b < 256; b++) {
      uint32_t c = b;
      for (int i = 0; i < 8; i++) c = (c >> 1) ^ (poly & (0u - (c & 1u)));
      tables[k][b] = c;
    }
    polys[k] = poly;
  }
  return tables[k];
}

REF static uint32_t ref_crc(const uint8_t *d, size_t n, uint32_t crc, uint32_t poly) {
  const uint32_t *t = crc_table(poly);
  crc = ~crc;
  for (size_t i = 0; i < n; i++) crc = (crc >> 8) ^ t[(crc ^ d[i]) & 0xff];
  return ~crc;
}

REF static uint32_t ref_adler(const uint8_t *d, size_t n, uint32_t adler) {
  uint32_t a = adler & 0xffff, b = adler >> 16;
  for (size_t i = 0; i < n; i++) {
    a = (a + d[i]) % 65521;
    b = (b + a) % 65521;
  }
  return a | (b << 16);
}

/* Upper-cases a-z of d into out; returns the number of bytes changed. */
REF static size_t ref_upper(const uint8_t *d, size_t n, uint8_t *out) {
  size_t changed = 0;
  for (size_t i = 0; i < n; i++) {
    uint8_t c = d[i];
    out[i] = (c >= 'a' && c <= 'z') ? (uint8_t)(c - 32) : c;
    changed += out[i] != c;
  }
  return changed;
}

/* len bytes made of d[0..n) repeated, each 4 KiB block changed by its number. */
REF static void expand(const uint8_t *d, size_t n, uint8_t *big, size_t len) {
  size_t filled = n < len ? n : len;
  memcpy(big, d, filled);
  while (filled < len) {
    size_t k = filled < len - filled ? filled : len - filled;
    memcpy(big + filled, big, k);
    filled += k;
  }
  for (size_t i = 0; i < len; i += 4096) big[i] ^= (uint8_t)(i >> 12), big[i + 1 < len ? i + 1 : i] ^= (uint8_t)(i >> 20);
}

#define CHECK(c) \
  do {           \
    if (!(c)) abort(); \
  } while (0)

/* Every kernel's parallel threshold: 2 MiB (crc32.c, adler32.c, ascii.c). */
#define PAR_MIN (2u << 20)

/*
 * The split path against the serial one: a buffer of 2 to 3 MiB made of
 * the data (repeated, each 4 KiB block changed), checksummed with 1 "thread"
 * (serial) and with 2 to 16 whose chunks run in a shuffled order.
 */
static void check_split(const uint8_t *d, size_t n, uint8_t sel) {
  size_t len = PAR_MIN + ((size_t)d[0] << 12 | (size_t)d[n / 2] << 4 | sel >> 4) % (1u << 20);
  uint8_t *big = malloc(len), *a = malloc(len), *b = malloc(len);
  CHECK(big && a && b);
  expand(d, n, big, len);
  uint32_t c0 = (uint32_t)d[0] * 0x01010101u;
  uint32_t a0 = ((uint32_t)(d[n - 1] * 251u % 65521u) << 16) | (d[0] * 257u % 65521u); /* valid */
  pw_fuzz_threads = 1;
  uint32_t s32 = pw_crc32(big, len, c0), s32c = pw_crc32c(big, len, c0), sad = pw_adler32(big, len, a0);
  memcpy(a, big, len);
  size_t sup = pw_ascii_upper(a, len);
  pw_fuzz_threads = 2 + sel % 15;
  pw_fuzz_order = (uint32_t)len * 2654435761u ^ sel;
  CHECK(pw_crc32(big, len, c0) == s32);
  CHECK(pw_crc32c(big, len, c0) == s32c);
  CHECK(pw_adler32(big, len, a0) == sad);
  memcpy(b, big, len);
  CHECK(pw_ascii_upper(b, len) == sup);
  CHECK(memcmp(a, b, len) == 0);
  pw_fuzz_threads = 1;
  free(big), free(a), free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size) {
  if (size == 0) return 0;
  const uint8_t *d = in + 1;
  size_t n = size - 1;
  size_t cut = n * in[0] / 255;
  if (n > 0 && in[0] % 32 == 31) check_split(d, n, in[0]);

  uint32_t c32 = pw_crc32(d, n, 0), c32c = pw_crc32c(d, n, 0), ad = pw_adler32(d, n, 1);
  CHECK(c32 == ref_crc(d, n, 0, 0xedb88320u));
  CHECK(c32c == ref_crc(d, n, 0, 0x82f63b78u));
  CHECK(ad == ref_adler(d, n, 1));

  CHECK(pw_crc32(d + cut, n - cut, pw_crc32(d, cut, 0)) == c32);
  CHECK(pw_crc32c(d + cut, n - cut, pw_crc32c(d, cut, 0)) == c32c);
  CHECK(pw_adler32(d + cut, n - cut, pw_adler32(d, cut, 1)) == ad);

  CHECK(pw_crc32_combine(pw_crc32(d, cut, 0), pw_crc32(d + cut, n - cut, 0), n - cut) == c32);
  CHECK(pw_crc32c_combine(pw_crc32c(d, cut, 0), pw_crc32c(d + cut, n - cut, 0), n - cut) == c32c);
  CHECK(pw_adler32_combine(pw_adler32(d, cut, 1), pw_adler32(d + cut, n - cut, 1), n - cut) == ad);

  uint8_t *copy = malloc(n ? n : 1), *want = malloc(n ? n : 1);
  CHECK(copy && want);
  memcpy(copy, d, n);
  CHECK(pw_ascii_upper(copy, n) == ref_upper(d, n, want));
  CHECK(memcmp(copy, want, n) == 0);
  free(copy), free(want);
  return 0;
}
