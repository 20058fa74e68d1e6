/*
 * parawasm/sha2.h — SHA-256 and SHA-224 (FIPS 180-4).
 *
 * One-shot digests of a byte buffer. The digest is returned as bytes in
 * the standard order (the first byte is the first of the usual hex
 * string). Inputs may be any length the memory holds (up to 4 GiB - 1 in
 * wasm32). The hash is sequential, so one call uses one thread; a pool
 * runs several calls side by side.
 *
 * A long call polls for cancellation every MiB (an aborted call's result
 * is discarded).
 */
#ifndef PARAWASM_SHA2_H
#define PARAWASM_SHA2_H

#include <stddef.h>
#include <stdint.h>

#include "parawasm/kernel.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * SHA-256 (FIPS 180-4 section 6.2) of `len` bytes at `data`.
 * @param data    the bytes (any view, read as bytes); may be NULL if len is 0
 * @param len     number of bytes
 * @param digest  receives the 32-byte digest;
 *                sha256("abc") = ba7816bf 8f01cfea 414140de 5dae2223
 *                                b00361a3 96177a9c b410ff61 f20015ad
 */
PW_KERNEL void pw_sha256(PW_IN(len) const void *data, size_t len, PW_RETURN(32) uint8_t *digest);

/**
 * SHA-224 (FIPS 180-4 section 6.3: SHA-256 with other initial values,
 * truncated to 224 bits) of `len` bytes at `data`.
 * @param data    the bytes; may be NULL if len is 0
 * @param len     number of bytes
 * @param digest  receives the 28-byte digest;
 *                sha224("abc") = 23097d22 3405d822 8642a477 bda255b3
 *                                2aadbce4 bda0b3f7 e36c9da7
 */
PW_KERNEL void pw_sha224(PW_IN(len) const void *data, size_t len, PW_RETURN(28) uint8_t *digest);

#ifdef __cplusplus
}
#endif

#endif /* PARAWASM_SHA2_H */
