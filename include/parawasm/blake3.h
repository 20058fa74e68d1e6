/*
 * parawasm/blake3.h — BLAKE3: hash, keyed hash (MAC) and key derivation,
 * each with an extendable output of any length.
 *
 * The first 32 bytes of every output are the standard digest; a longer
 * output extends it (a 64-byte output starts with the 32-byte one). The
 * results are those of the BLAKE3 specification and its reference test
 * vectors.
 *
 * Inputs of 256 KiB and more are split across the pool's threads in the
 * threaded build (whole subtrees of the BLAKE3 tree, see pw_parallel_for);
 * results are identical to the serial computation. In the wasm builds the
 * chunks are compressed four at a time with SIMD128.
 */
#ifndef PARAWASM_BLAKE3_H
#define PARAWASM_BLAKE3_H

#include <stddef.h>
#include <stdint.h>

#include "parawasm/kernel.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * BLAKE3 hash of `len` bytes at `data`, `out_len` bytes of output. The
 * 32-byte digest of the empty input starts af1349b9f5f9a1a6.
 * @param data     the bytes (any view, read as bytes); may be NULL if len is 0
 * @param len      number of bytes
 * @param out      receives the output; may be NULL if out_len is 0
 * @param out_len  output bytes: 32 is the standard digest, any length
 *                 (0 included) is allowed
 */
PW_KERNEL void pw_blake3(PW_IN(len) const void *data, size_t len,
                         PW_RETURN(out_len) uint8_t *out, PW_DEFAULT(32) size_t out_len);

/**
 * BLAKE3 keyed hash (a MAC or PRF) of `len` bytes at `data` under a
 * 32-byte key, `out_len` bytes of output.
 * @param data     the bytes; may be NULL if len is 0
 * @param len      number of bytes
 * @param key      exactly 32 bytes (a secret, uniformly random key)
 * @param out      receives the output; may be NULL if out_len is 0
 * @param out_len  output bytes (32 by default, any length)
 */
PW_KERNEL void pw_blake3_keyed(PW_IN(len) const void *data, size_t len, PW_IN(32) const void *key,
                               PW_RETURN(out_len) uint8_t *out, PW_DEFAULT(32) size_t out_len);

/**
 * BLAKE3 key derivation: a key for the application context `context`,
 * derived from the key material `material`, `out_len` bytes.
 * @param context      context string (UTF-8 bytes from JS; no NUL needed),
 *                     hard-coded, globally unique and application-specific,
 *                     e.g. "example.com 2024-05-01 session tokens v1"
 * @param context_len  its length in bytes
 * @param material     the input key material; may be NULL if len is 0
 * @param len          number of bytes of material
 * @param out          receives the derived key; may be NULL if out_len is 0
 * @param out_len      output bytes (32 by default, any length)
 */
PW_KERNEL void pw_blake3_derive_key(PW_IN(context_len) const char *context, size_t context_len,
                                    PW_IN(len) const void *material, size_t len,
                                    PW_RETURN(out_len) uint8_t *out, PW_DEFAULT(32) size_t out_len);

#ifdef __cplusplus
}
#endif

#endif /* PARAWASM_BLAKE3_H */
