/*
 * legacy.h — streaming SHA-1 (FIPS 180-4) and MD5 (RFC 1321), internal to
 * parawasm: the one-shot kernels pw_sha1/pw_md5 and the generic hash
 * dispatcher are built on it. Both are broken as cryptographic hashes
 * (collisions are practical); they are here to check existing checksum
 * files, never for security.
 *
 * The states are plain data (no pointers, no alignment above 8 bytes):
 * copyable with memcpy, and successive updates may run on different
 * threads (one at a time). Final does not change the state.
 */
#ifndef PW_KERNELS_LEGACY_H
#define PW_KERNELS_LEGACY_H

#include <stddef.h>
#include <stdint.h>

typedef struct pw_sha1_state {
  uint32_t h[5];   /* chaining value */
  uint32_t pad_;   /* zero; keeps total 8-aligned */
  uint64_t total;  /* bytes fed so far; total % 64 of them wait in buf */
  uint8_t buf[64]; /* the partial block */
} pw_sha1_state;

void pw_sha1_init(pw_sha1_state *s);
/* Feeds len bytes at data (data may be NULL when len is 0). */
void pw_sha1_update(pw_sha1_state *s, const uint8_t *data, size_t len);
/* Writes the 20-byte digest of everything fed so far; s is unchanged. */
void pw_sha1_final(const pw_sha1_state *s, uint8_t out[20]);

typedef struct pw_md5_state {
  uint32_t h[4];   /* chaining value */
  uint64_t total;  /* bytes fed so far; total % 64 of them wait in buf */
  uint8_t buf[64]; /* the partial block */
} pw_md5_state;

void pw_md5_init(pw_md5_state *s);
/* Feeds len bytes at data (data may be NULL when len is 0). */
void pw_md5_update(pw_md5_state *s, const uint8_t *data, size_t len);
/* Writes the 16-byte digest of everything fed so far; s is unchanged. */
void pw_md5_final(const pw_md5_state *s, uint8_t out[16]);

#endif /* PW_KERNELS_LEGACY_H */
