/*
 * sha2.h — streaming SHA-256 and SHA-224 (FIPS 180-4), internal to
 * parawasm: the one-shot kernels pw_sha256/pw_sha224 and the generic hash
 * dispatcher are built on it.
 *
 * The state is plain data: no pointers, no alignment above 8 bytes, so it
 * may be copied with memcpy, kept in shared memory, and successive updates
 * may run on different threads (one at a time). No function here touches
 * anything but the state and the bytes it is given.
 *
 *     pw_sha256_state s;
 *     pw_sha256_init(&s);                 (or pw_sha224_init)
 *     pw_sha256_update(&s, piece, n);     (any number of times, any sizes)
 *     pw_sha256_final(&s, digest);        (32 bytes, or 28 for SHA-224)
 */
#ifndef PW_KERNELS_SHA2_H
#define PW_KERNELS_SHA2_H

#include <stddef.h>
#include <stdint.h>

typedef struct pw_sha256_state {
  uint32_t h[8];       /* chaining value */
  uint64_t total;      /* bytes fed so far; total % 64 of them wait in buf */
  uint8_t buf[64];     /* the partial block */
  uint32_t digest_len; /* 32 (SHA-256) or 28 (SHA-224) */
  uint32_t reserved_;  /* zero; pads the struct to a multiple of 8 bytes */
} pw_sha256_state;

/* Starts a SHA-256 computation. */
void pw_sha256_init(pw_sha256_state *s);

/* Starts a SHA-224 computation (same state type and update/final). */
void pw_sha224_init(pw_sha256_state *s);

/* Feeds len bytes at data (data may be NULL when len is 0). */
void pw_sha256_update(pw_sha256_state *s, const uint8_t *data, size_t len);

/* Writes the digest of everything fed so far: 32 bytes, or 28 after
 * pw_sha224_init. Does not change s, so feeding may continue. */
void pw_sha256_final(const pw_sha256_state *s, uint8_t *out);

#endif /* PW_KERNELS_SHA2_H */
