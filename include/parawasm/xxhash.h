/*
 * parawasm/xxhash.h — the xxHash family: XXH32, XXH64, XXH3 (64-bit) and
 * XXH3 128-bit, as defined by the xxHash specification (doc/xxhash_spec.md
 * of the xxHash project, v0.8 output).
 *
 * These are fast non-cryptographic hashes: good for hash tables, checksums
 * of data at rest, deduplication; not for anything an attacker may choose.
 * Results equal the reference library's XXH32(), XXH64(),
 * XXH3_64bits_withSeed() and XXH3_128bits_withSeed() for every input and
 * seed, on every build (native or wasm, SIMD or not).
 *
 * A hash is not a running value: hashing a ++ b needs the state of the
 * streaming API (src/kernels/xxhash.h, used by parawasm's JS streaming
 * hashers), not a chain of calls. Each call runs on one thread: the xxHash
 * algorithms are sequential, so there is no split across the pool.
 *
 * Results as numbers: the canonical (printed) form of each hash is the
 * big-endian byte order of the value, i.e. its hexadecimal digits.
 */
#ifndef PARAWASM_XXHASH_H
#define PARAWASM_XXHASH_H

#include <stddef.h>
#include <stdint.h>

#include "parawasm/kernel.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * XXH32 of `len` bytes at `data`.
 * @param data  the bytes (any view, read as bytes); may be NULL if len is 0
 * @param len   number of bytes
 * @param seed  32-bit seed; 0 by default
 * @return the 32-bit hash; xxh32("", 0) = 0x02cc5d05
 */
PW_KERNEL uint32_t pw_xxh32(PW_IN(len) const void *data, size_t len, PW_DEFAULT(0) uint32_t seed);

/**
 * XXH64 of `len` bytes at `data`.
 * @param data  the bytes; may be NULL if len is 0
 * @param len   number of bytes
 * @param seed  64-bit seed; 0 by default
 * @return the 64-bit hash; xxh64("", 0) = 0xef46db3751d8e999
 */
PW_KERNEL uint64_t pw_xxh64(PW_IN(len) const void *data, size_t len, PW_DEFAULT(0) uint64_t seed);

/**
 * XXH3, 64-bit result (the reference's XXH3_64bits_withSeed; with seed 0
 * it equals XXH3_64bits). Inputs over 240 bytes with a non-zero seed use
 * the secret derived from the seed, as the specification says.
 * @param data  the bytes; may be NULL if len is 0
 * @param len   number of bytes
 * @param seed  64-bit seed; 0 by default
 * @return the 64-bit hash; xxh3("", 0) = 0x2d06800538d394c2
 */
PW_KERNEL uint64_t pw_xxh3(PW_IN(len) const void *data, size_t len, PW_DEFAULT(0) uint64_t seed);

/**
 * XXH3, 128-bit result (the reference's XXH3_128bits_withSeed). Its low
 * half is not, in general, the 64-bit XXH3 of the same input (it is for
 * 1-3 bytes and over 240 bytes).
 * @param data  the bytes; may be NULL if len is 0
 * @param len   number of bytes
 * @param seed  64-bit seed; 0 by default
 * @return the 128-bit hash: .hi = high 64 bits, .lo = low 64 bits (in JS
 *         one bigint hi:lo); xxh128("", 0) = 0x99aa06d3014798d86001c324468d497f
 */
PW_KERNEL pw_u128 pw_xxh128(PW_IN(len) const void *data, size_t len, PW_DEFAULT(0) uint64_t seed);

#ifdef __cplusplus
}
#endif

#endif /* PARAWASM_XXHASH_H */
