/*
 * fuzz_hash.c — libFuzzer target for the hash kernels and the streaming
 * interface (make fuzz). Differential, for every algorithm of
 * PW_HASH_LIST: the one-shot kernel against pw_hash_init/update/digest fed
 * in pieces whose sizes come from the input, against pw_hash_many of the
 * same input (with 1 to 4 "threads", fuzz_pool.h), and for BLAKE3 the SIMD
 * paths against the portable one and a long output against its prefix;
 * for one input in 32, BLAKE3's parallel subtrees (256 KiB to 1.25 MiB
 * made from the input, 2 to 16 "threads" whose pieces run in a shuffled
 * order) against its serial path, one-shot and streamed.
 *
 * Input: byte 0 seeds the piece sizes and picks the mode, byte 1 picks the
 * seed and the BLAKE3 mode, the rest is the data.
 *
 * FUZZ-OPTIONS: -max_len=20000
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parawasm.h"
#include "blake3.h"
#include "fuzz_pool.h"

#define CHECK(c)       \
  do {                 \
    if (!(c)) abort(); \
  } while (0)

static uint8_t state[PW_HASH_STATE_SIZE];

/* The digest of the one-shot kernel, in the dispatcher's canonical bytes. */
static size_t one_shot(uint32_t alg, const uint8_t *d, size_t n, uint64_t seed, uint8_t out[64]) {
  uint64_t v = 0;
  size_t bytes = 0;
  switch (alg) {
  case PW_HASH_CRC32: v = pw_crc32(d, n, 0), bytes = 4; break;
  case PW_HASH_CRC32C: v = pw_crc32c(d, n, 0), bytes = 4; break;
  case PW_HASH_ADLER32: v = pw_adler32(d, n, 1), bytes = 4; break;
  case PW_HASH_XXH32: v = pw_xxh32(d, n, (uint32_t)seed), bytes = 4; break;
  case PW_HASH_XXH64: v = pw_xxh64(d, n, seed), bytes = 8; break;
  case PW_HASH_XXH3: v = pw_xxh3(d, n, seed), bytes = 8; break;
  case PW_HASH_XXH128: {
    pw_u128 h = pw_xxh128(d, n, seed);
    for (int i = 0; i < 8; i++) out[i] = (uint8_t)(h.hi >> (56 - 8 * i)), out[8 + i] = (uint8_t)(h.lo >> (56 - 8 * i));
    return 16;
  }
  case PW_HASH_MD5: pw_md5(d, n, out); return 16;
  case PW_HASH_SHA1: pw_sha1(d, n, out); return 20;
  case PW_HASH_SHA224: pw_sha224(d, n, out); return 28;
  case PW_HASH_SHA256: pw_sha256(d, n, out); return 32;
  case PW_HASH_BLAKE3: pw_blake3(d, n, out, 32); return 32;
  default: abort();
  }
  for (size_t i = 0; i < bytes; i++) out[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
  return bytes;
}

/* BLAKE3's parallel threshold (blake3.c). */
#define B3_PAR_MIN (256u << 10)

/* len bytes made of d[0..n) repeated, each 4 KiB block changed by its
   number (left out of the coverage feedback: it would only slow the
   fuzzer down). */
__attribute__((no_sanitize("coverage"))) static void expand(const uint8_t *d, size_t n, uint8_t *big,
                                                            size_t len) {
  size_t filled = n < len ? n : len;
  memcpy(big, d, filled);
  while (filled < len) {
    size_t k = filled < len - filled ? filled : len - filled;
    memcpy(big + filled, big, k);
    filled += k;
  }
  for (size_t i = 0; i < len; i += 4096) big[i] ^= (uint8_t)(i >> 12), big[i + 1 < len ? i + 1 : i] ^= (uint8_t)(i >> 20);
}

/*
 * BLAKE3 of 256 KiB to 1.25 MiB made of the data (repeated, each 4 KiB
 * block changed): 1 "thread" (serial) against 2 to 16 whose pieces run in a
 * shuffled order, one-shot and fed in three pieces.
 */
static void check_split(const uint8_t *d, size_t n, uint8_t sel) {
  size_t len = B3_PAR_MIN + ((size_t)d[0] << 12 | (size_t)d[n / 2] << 4 | sel >> 4) % (1u << 20);
  uint8_t *big = malloc(len);
  CHECK(big != NULL);
  expand(d, n, big, len);
  uint8_t want[40], got[40];
  pw_fuzz_threads = 1;
  pw_blake3(big, len, want, sizeof want);
  pw_fuzz_threads = 2 + sel % 15;
  pw_fuzz_order = (uint32_t)len * 2654435761u ^ sel;
  pw_blake3(big, len, got, sizeof got);
  CHECK(memcmp(got, want, sizeof want) == 0);
  pw_blake3_state s;
  pw_blake3_init(&s);
  size_t c1 = len / 3 + d[0], c2 = len - len / 5;
  pw_blake3_update(&s, big, c1);
  pw_blake3_update(&s, big + c1, c2 - c1);
  pw_blake3_update(&s, big + c2, len - c2);
  pw_blake3_finalize(&s, 0, got, sizeof got);
  CHECK(memcmp(got, want, sizeof want) == 0);
  pw_fuzz_threads = 1;
  free(big);
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size) {
  if (size < 2) return 0;
  uint32_t rng = in[0] * 2654435761u + 1;
  uint64_t seed = in[1] & 1 ? (uint64_t)in[1] * 0x9e3779b97f4a7c15ull : 0;
  const uint8_t *d = in + 2;
  size_t n = size - 2;
  if (n > 0 && in[0] % 32 == 31) check_split(d, n, in[0]);
  /* hashMany spreads its inputs over pw_concurrency() threads */
  pw_fuzz_threads = 1 + in[0] % 4;
  pw_fuzz_order = in[0] * 40503u + 1;
  static const uint32_t algs[] = {
#define PW_FUZZ_ALG_(name, id, js, bytes, kind) id,
      PW_HASH_LIST(PW_FUZZ_ALG_)
#undef PW_FUZZ_ALG_
  };
  for (size_t a = 0; a < sizeof algs / sizeof algs[0]; a++) {
    uint32_t alg = algs[a];
    int seeded = alg == PW_HASH_XXH32 || alg == PW_HASH_XXH64 || alg == PW_HASH_XXH3 || alg == PW_HASH_XXH128;
    uint64_t s = seeded ? (alg == PW_HASH_XXH32 ? (uint32_t)seed : seed) : 0;
    uint8_t want[64], got[64];
    size_t bytes = one_shot(alg, d, n, s, want);

    /* streamed in pieces of 0 to 300 bytes */
    CHECK(pw_hash_init(state, sizeof state, alg, s, PW_HASH_PLAIN, NULL, 0) == PW_OK);
    for (size_t off = 0; off < n;) {
      rng = rng * 1103515245u + 12345u;
      size_t k = (rng >> 16) % 301;
      if (k > n - off) k = n - off;
      CHECK(pw_hash_update(state, sizeof state, d + off, k) == PW_OK);
      off += k;
    }
    CHECK(pw_hash_digest(state, sizeof state, got, bytes) == PW_OK);
    CHECK(memcmp(got, want, bytes) == 0);

    /* hashMany: the input whole and its first half */
    uint64_t items[4] = {(uint64_t)(uintptr_t)d, n, (uint64_t)(uintptr_t)d, n / 2};
    uint8_t many[128];
    CHECK(pw_hash_many(alg, s, PW_HASH_PLAIN, NULL, 0, items, 4, many, 2 * bytes) == PW_OK);
    CHECK(memcmp(many, want, bytes) == 0);
    one_shot(alg, d, n / 2, s, want);
    CHECK(memcmp(many + bytes, want, bytes) == 0);
  }

  /* BLAKE3: SIMD against portable, keyed and derive-key, a long output
     against its prefix */
  static const uint8_t key[32] = "parawasm fuzz key, 32 bytes long";
  pw_blake3_state simd, portable;
  int mode = in[1] % 3;
  if (mode == 0) pw_blake3_init(&simd);
  else if (mode == 1) pw_blake3_init_keyed(&simd, key);
  else pw_blake3_init_derive_key(&simd, d, n < 40 ? n : 40);
  memcpy(&portable, &simd, sizeof simd);
  portable.portable = 1;
  pw_blake3_update(&simd, d, n);
  pw_blake3_update(&portable, d, n);
  uint8_t a[200], b[200], c[33];
  pw_blake3_finalize(&simd, 0, a, sizeof a);
  pw_blake3_finalize(&portable, 0, b, sizeof b);
  CHECK(memcmp(a, b, sizeof a) == 0);
  pw_blake3_finalize(&simd, 0, c, sizeof c);
  CHECK(memcmp(a, c, sizeof c) == 0);
  pw_blake3_finalize(&simd, 70, c, sizeof c);
  CHECK(memcmp(a + 70, c, sizeof c) == 0);
  pw_fuzz_threads = 1;
  return 0;
}
