/*
 * xxhash.h — streaming state of the xxHash family (internal; the one-shot
 * kernels are declared in include/parawasm/xxhash.h).
 *
 * Usage: reset once, update with the pieces in order (any sizes, 0
 * included), digest whenever a result is wanted. For any split of the input
 * into pieces the digest equals the one-shot kernel of the whole input with
 * the same seed.
 *
 * The states are plain data: no pointers (into themselves or elsewhere),
 * 8-byte alignment at most, so they may be copied with memcpy, kept in
 * shared memory and updated by a different thread each time (one at a
 * time). The XXH3 state carries the secret derived from its seed by value.
 * Digest reads the state and never changes it: hashing may continue after
 * it. A state may not be used before its reset.
 */
#ifndef PW_KERNELS_XXHASH_H
#define PW_KERNELS_XXHASH_H

#include <stddef.h>
#include <stdint.h>

#include "parawasm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* XXH32: four 32-bit lanes over 16-byte stripes. */
typedef struct pw_xxh32_state {
  uint32_t acc[4];   /* the lanes after the stripes consumed so far */
  uint64_t total;    /* bytes fed since reset */
  uint32_t seed;
  uint32_t buffered; /* bytes waiting in buf, 0..15 */
  uint8_t buf[16];
} pw_xxh32_state;

void pw_xxh32_reset(pw_xxh32_state *s, uint32_t seed);
void pw_xxh32_update(pw_xxh32_state *s, const uint8_t *data, size_t len);
uint32_t pw_xxh32_digest(const pw_xxh32_state *s);

/* XXH64: four 64-bit lanes over 32-byte stripes. */
typedef struct pw_xxh64_state {
  uint64_t acc[4];
  uint64_t total;
  uint64_t seed;
  uint32_t buffered; /* bytes waiting in buf, 0..31 */
  uint32_t reserved; /* 0 */
  uint8_t buf[32];
} pw_xxh64_state;

void pw_xxh64_reset(pw_xxh64_state *s, uint64_t seed);
void pw_xxh64_update(pw_xxh64_state *s, const uint8_t *data, size_t len);
uint64_t pw_xxh64_digest(const pw_xxh64_state *s);

/* XXH3 (one state serves the 64-bit and the 128-bit digests). */
#define PW_XXH3_SECRET_SIZE 192 /* the default secret's size, bytes */
#define PW_XXH3_BUFFER_SIZE 256 /* input buffer, bytes: 4 stripes */

typedef struct pw_xxh3_state {
  uint64_t acc[8];   /* the 8 accumulators of the long-input algorithm */
  uint64_t total;    /* bytes fed since reset */
  uint64_t seed;
  uint32_t buffered; /* bytes waiting at buf + 64, 0..PW_XXH3_BUFFER_SIZE */
  uint32_t stripes;  /* stripes of the current block accumulated, 0..15 */
  uint8_t secret[PW_XXH3_SECRET_SIZE]; /* derived from seed (the default if 0) */
  /* buf[0..64): the last 64 bytes consumed (for the final, overlapping
   * stripe); buf[64..): the bytes not consumed yet. Input is consumed only
   * once more input follows it, so inputs of up to 240 bytes stay whole. */
  uint8_t buf[64 + PW_XXH3_BUFFER_SIZE];
} pw_xxh3_state;

void pw_xxh3_reset(pw_xxh3_state *s, uint64_t seed);
void pw_xxh3_update(pw_xxh3_state *s, const uint8_t *data, size_t len);
uint64_t pw_xxh3_digest64(const pw_xxh3_state *s);
pw_u128 pw_xxh3_digest128(const pw_xxh3_state *s);

#ifdef __cplusplus
}
#endif

#endif /* PW_KERNELS_XXHASH_H */
