/*
 * parawasm/legacy.h — SHA-1 (FIPS 180-4) and MD5 (RFC 1321), for
 * interoperability only.
 *
 * NOT FOR SECURITY. Both are broken: collisions for MD5 take seconds, and
 * SHA-1 collisions have been produced in practice. Use them only to check
 * or produce existing checksum files and identifiers (md5sum/sha1sum
 * lists, ETags, Git object names); for integrity against an adversary,
 * signatures, or anything new, use SHA-256 (parawasm/sha2.h).
 *
 * One-shot digests of a byte buffer, returned as bytes in the standard
 * order. Inputs may be any length the memory holds (up to 4 GiB - 1 in
 * wasm32). One call uses one thread; a long call polls for cancellation
 * every MiB.
 */
#ifndef PARAWASM_LEGACY_H
#define PARAWASM_LEGACY_H

#include <stddef.h>
#include <stdint.h>

#include "parawasm/kernel.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * SHA-1 (FIPS 180-4 section 6.1) of `len` bytes at `data`. Not for
 * security (see the top of this header).
 * @param data    the bytes (any view, read as bytes); may be NULL if len is 0
 * @param len     number of bytes
 * @param digest  receives the 20-byte digest;
 *                sha1("abc") = a9993e36 4706816a ba3e2571 7850c26c 9cd0d89d
 */
PW_KERNEL void pw_sha1(PW_IN(len) const void *data, size_t len, PW_RETURN(20) uint8_t *digest);

/**
 * MD5 (RFC 1321) of `len` bytes at `data`. Not for security (see the top
 * of this header).
 * @param data    the bytes; may be NULL if len is 0
 * @param len     number of bytes
 * @param digest  receives the 16-byte digest;
 *                md5("abc") = 90015098 3cd24fb0 d6963f7d 28e17f72
 */
PW_KERNEL void pw_md5(PW_IN(len) const void *data, size_t len, PW_RETURN(16) uint8_t *digest);

#ifdef __cplusplus
}
#endif

#endif /* PARAWASM_LEGACY_H */
