/*
 * parawasm/hash.h — one interface over every hash and checksum: streaming
 * (init, update, digest on a state held in the heap) and many inputs at once.
 *
 * The one-shot kernels (pw_sha256, pw_blake3, pw_xxh64, pw_crc32, ...) are
 * declared in their families' headers. The functions here serve
 * createHash() and hashMany() in JS, and C code that hashes a stream or a
 * batch without naming the algorithm in its code.
 */
#ifndef PARAWASM_HASH_H
#define PARAWASM_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "parawasm/kernel.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Every algorithm, one list: X(enum name, id, JS name, digest bytes, result).
 * The digest is the algorithm's canonical byte string: big-endian for the
 * numeric ones (as crc32 and xxhsum print them), which JS returns as
 *   "u32"  a number,  "u64"/"u128"  a bigint,
 *   "bytes" a Uint8Array,  "xof"  a Uint8Array of any length (32 by default).
 * The binding generator reads this list (it is the JS list of algorithms).
 */
#define PW_HASH_LIST(X)                                   \
  X(PW_HASH_CRC32,    1, "crc32",    4, "u32")            \
  X(PW_HASH_CRC32C,   2, "crc32c",   4, "u32")            \
  X(PW_HASH_ADLER32,  3, "adler32",  4, "u32")            \
  X(PW_HASH_XXH32,    4, "xxh32",    4, "u32")            \
  X(PW_HASH_XXH64,    5, "xxh64",    8, "u64")            \
  X(PW_HASH_XXH3,     6, "xxh3",     8, "u64")            \
  X(PW_HASH_XXH128,   7, "xxh128",  16, "u128")           \
  X(PW_HASH_MD5,      8, "md5",     16, "bytes")          \
  X(PW_HASH_SHA1,     9, "sha1",    20, "bytes")          \
  X(PW_HASH_SHA224,  10, "sha224",  28, "bytes")          \
  X(PW_HASH_SHA256,  11, "sha256",  32, "bytes")          \
  X(PW_HASH_BLAKE3,  12, "blake3",  32, "xof")

typedef enum {
#define PW_HASH_ENUM_(name, id, js, bytes, kind) name = id,
  PW_HASH_LIST(PW_HASH_ENUM_)
#undef PW_HASH_ENUM_
} pw_hash_alg;

/* Bytes of the state of any algorithm (the JS side allocates this much). */
#define PW_HASH_STATE_SIZE 2048

/* Modes of pw_hash_init (BLAKE3 only; the others take PW_HASH_PLAIN). */
enum {
  PW_HASH_PLAIN = 0,      /* the plain hash (seeded for xxHash) */
  PW_HASH_KEYED = 1,      /* BLAKE3 keyed hash: key is 32 bytes */
  PW_HASH_DERIVE_KEY = 2  /* BLAKE3 derive-key: key is the context string */
};

/**
 * Starts a hash of algorithm `alg` in `state` (PW_HASH_STATE_SIZE bytes).
 * @param seed  the seed of xxh32 (low 32 bits), xxh64, xxh3 and xxh128; 0 otherwise
 * @param mode  PW_HASH_PLAIN, or PW_HASH_KEYED / PW_HASH_DERIVE_KEY for blake3
 * @param key   the 32-byte key (keyed) or the context (derive-key); else empty
 * @return PW_OK, or PW_EINVAL for an unknown algorithm, a mode it does not
 *         have, a wrong key length or a state smaller than PW_HASH_STATE_SIZE
 */
PW_INTERNAL PW_KERNEL pw_status pw_hash_init(PW_INOUT(state_len) uint8_t *state, size_t state_len,
                                             uint32_t alg, uint64_t seed, uint32_t mode,
                                             PW_IN(key_len) const void *key, size_t key_len);

/**
 * Feeds `len` bytes to the hash in `state`. A BLAKE3 update of many
 * complete chunks is split across the pool's threads.
 * @return PW_OK, or PW_EINVAL if state does not hold a started hash
 */
PW_INTERNAL PW_KERNEL pw_status pw_hash_update(PW_INOUT(state_len) uint8_t *state, size_t state_len,
                                               PW_IN(len) const void *data, size_t len);

/**
 * Writes the digest of everything fed so far (the state is unchanged, so
 * more may be fed after). `out_len` must be the algorithm's digest size,
 * except for blake3, whose output may have any length.
 * @return PW_OK, or PW_EINVAL for a bad state or length
 */
PW_INTERNAL PW_KERNEL pw_status pw_hash_digest(PW_IN(state_len) const uint8_t *state, size_t state_len,
                                               PW_RETURN(out_len) uint8_t *out, size_t out_len);

/**
 * Hashes `n` separate inputs at once, split across the pool's threads.
 * items holds 2n words: the address and the length of each input. Digest i
 * goes to out + i * digest_len (digest_len is the algorithm's size, or for
 * blake3 the output length asked for: out_len / n).
 * @return PW_OK, PW_EINVAL (bad algorithm, mode, key or lengths) or
 *         PW_ECANCELED
 */
PW_INTERNAL PW_KERNEL pw_status pw_hash_many(uint32_t alg, uint64_t seed, uint32_t mode,
                                             PW_IN(key_len) const void *key, size_t key_len,
                                             PW_IN(n2) const uint64_t *items, size_t n2,
                                             PW_RETURN(out_len) uint8_t *out, size_t out_len);

#ifdef __cplusplus
}
#endif

#endif /* PARAWASM_HASH_H */
