/*
 * fuzz_checksum.c — libFuzzer target for the checksum and byte kernels
 * (make fuzz). Differential: every kernel against a bit-at-a-time or
 * byte-at-a-time reference written here; piecewise feeding against
 * one-shot; combine against the checksum of the concatenation.
 *
 * Input: byte 0 picks a split point (as a fraction of the rest), the rest
 * is the data.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parawasm.h"

static uint32_t ref_crc(const uint8_t *d, size_t n, uint32_t crc, uint32_t poly) {
  crc = ~crc;
  for (size_t i = 0; i < n; i++) {
    crc ^= d[i];
    for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (poly & (0u - (crc & 1u)));
  }
  return ~crc;
}

static uint32_t ref_adler(const uint8_t *d, size_t n, uint32_t adler) {
  uint32_t a = adler & 0xffff, b = adler >> 16;
  for (size_t i = 0; i < n; i++) {
    a = (a + d[i]) % 65521;
    b = (b + a) % 65521;
  }
  return a | (b << 16);
}

#define CHECK(c) \
  do {           \
    if (!(c)) abort(); \
  } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size) {
  if (size == 0) return 0;
  const uint8_t *d = in + 1;
  size_t n = size - 1;
  size_t cut = n * in[0] / 255;

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

  uint8_t *copy = malloc(n ? n : 1);
  memcpy(copy, d, n);
  size_t changed = pw_ascii_upper(copy, n), want = 0;
  for (size_t i = 0; i < n; i++) {
    uint8_t c = d[i];
    uint8_t up = (c >= 'a' && c <= 'z') ? (uint8_t)(c - 32) : c;
    want += up != c;
    CHECK(copy[i] == up);
  }
  CHECK(changed == want);
  free(copy);
  return 0;
}
