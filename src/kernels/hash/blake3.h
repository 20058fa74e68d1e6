/*
 * blake3.h — BLAKE3 inside parawasm (internal): the streaming state that
 * the kernels of include/parawasm/blake3.h and parawasm's hash dispatcher
 * share, and the hooks between blake3.c (tree, portable compression) and
 * blake3_simd.c (4-way compression).
 *
 * Streaming:
 *     pw_blake3_state s;
 *     pw_blake3_init(&s);                       (or _init_keyed, _init_derive_key)
 *     pw_blake3_update(&s, piece, n);           (any number of times, any sizes)
 *     pw_blake3_finalize(&s, 0, digest, 32);    (s unchanged: may go on updating)
 *
 * The state is plain data (no pointers, 8-byte alignment, copyable with
 * memcpy, about 1.9 KB). Successive calls on one state may come from
 * different threads, one at a time. A large update splits its whole
 * subtrees across the pool (pw_parallel_for); if that loop is cancelled,
 * the state is left undefined and the caller discards it.
 */
#ifndef PW_KERNELS_BLAKE3_H
#define PW_KERNELS_BLAKE3_H

#include <stddef.h>
#include <stdint.h>

#define PW_BLAKE3_OUT_LEN 32   /* default digest, bytes */
#define PW_BLAKE3_KEY_LEN 32   /* bytes */
#define PW_BLAKE3_BLOCK_LEN 64 /* bytes */
#define PW_BLAKE3_CHUNK_LEN 1024
#define PW_BLAKE3_MAX_DEPTH 54 /* 2^54 chunks = 2^64 bytes */

/* Domain flags of the compression function (BLAKE3 specification, 2.1). */
enum {
  PW_B3_CHUNK_START = 1,
  PW_B3_CHUNK_END = 2,
  PW_B3_PARENT = 4,
  PW_B3_ROOT = 8,
  PW_B3_KEYED_HASH = 16,
  PW_B3_DERIVE_KEY_CONTEXT = 32,
  PW_B3_DERIVE_KEY_MATERIAL = 64
};

typedef struct pw_blake3_state {
  uint32_t key[8];          /* the key words (IV when not keyed) */
  uint32_t chunk_cv[8];     /* chaining value inside the current chunk */
  uint64_t chunk_counter;   /* index of the current chunk */
  uint8_t block[64];        /* the current chunk's last, not yet compressed block */
  uint8_t block_len;        /* bytes in block */
  uint8_t blocks_compressed; /* blocks of the current chunk already compressed */
  uint8_t flags;            /* mode flags: 0, KEYED_HASH or DERIVE_KEY_MATERIAL */
  uint8_t cv_stack_len;     /* entries in cv_stack */
  uint8_t portable;         /* nonzero: portable compression only (tests) */
  uint8_t reserved_[3];
  /* chaining values of complete subtrees, left to right, 32 bytes each
   * (little-endian words); one more than the depth for the push before a merge */
  uint8_t cv_stack[(PW_BLAKE3_MAX_DEPTH + 1) * 32];
} pw_blake3_state;

void pw_blake3_init(pw_blake3_state *s);
void pw_blake3_init_keyed(pw_blake3_state *s, const uint8_t key[32]);
/* context: the application's context string (context_len bytes, no NUL needed). */
void pw_blake3_init_derive_key(pw_blake3_state *s, const uint8_t *context, size_t context_len);
/* Feeds len bytes (data may be NULL if len is 0). */
void pw_blake3_update(pw_blake3_state *s, const uint8_t *data, size_t len);
/* Writes out_len bytes of the extendable output, starting at byte `seek`
 * of the output stream; does not change s. out may be NULL if out_len is 0. */
void pw_blake3_finalize(const pw_blake3_state *s, uint64_t seek, uint8_t *out, size_t out_len);

/* ---------------------------------------------------------------------- */
/* Between blake3.c and blake3_simd.c                                     */
/* ---------------------------------------------------------------------- */

/*
 * PW_BLAKE3_HAVE_X4 is 1 when the 4-way compressor is built: under
 * __wasm_simd128__ (wasm_simd128.h), or with GCC/clang's generic vectors on
 * a little-endian host unless -DPW_NO_VECTOR_EXT (SSE2/AVX/NEON natively).
 */
#if defined(__wasm_simd128__) ||                                                   \
    ((defined(__GNUC__) || defined(__clang__)) && !defined(PW_NO_VECTOR_EXT) &&     \
     defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)
#define PW_BLAKE3_HAVE_X4 1
#else
#define PW_BLAKE3_HAVE_X4 0
#endif

/*
 * Four independent compression chains at once. Input i (0..3) is the
 * nblocks * 64 bytes at in[i], with counter + i * counter_step; each chain
 * starts from the chaining value key. Every block has `flags`, the first
 * also flags_start, the last also flags_end; every block is 64 bytes.
 * Writes the 4 resulting chaining values (32 bytes each, little-endian
 * words) to out[0..128). out may overlap the inputs only at or before them
 * (in-place parent reduction writes parent k over bytes [32k, 32k + 32)).
 *   chunks:  in[i] 1024 bytes apart, nblocks 16, step 1, CHUNK_START / CHUNK_END
 *   parents: in[i] 64 bytes apart, nblocks 1, step 0 (counter 0), flags | PARENT
 */
void pw_blake3__x4(const uint8_t *const in[4], size_t nblocks, const uint32_t key[8],
                   uint64_t counter, unsigned counter_step, uint8_t flags, uint8_t flags_start,
                   uint8_t flags_end, uint8_t *out);

/*
 * One compression's 64 output bytes (test hook): the row-parallel wasm SIMD
 * compression, or with portable nonzero (or in a build without wasm SIMD)
 * the portable one.
 */
void pw_blake3__compress_xof(const uint32_t cv[8], const uint8_t block[64], uint32_t block_len,
                             uint64_t counter, uint32_t flags, int portable, uint8_t out[64]);

/* The message words of round r in the order G uses them: round 0 takes
 * them in order, each later round applies the specification's permutation
 * (2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8) once more. A static
 * table so that unrolled rounds read it as constants. */
static const uint8_t pw_blake3_schedule[7][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
    {2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8},
    {3, 4, 10, 12, 13, 2, 7, 14, 6, 5, 9, 0, 11, 15, 8, 1},
    {10, 7, 12, 9, 14, 3, 13, 15, 4, 0, 11, 2, 5, 8, 1, 6},
    {12, 13, 9, 11, 15, 10, 14, 8, 7, 2, 5, 3, 0, 1, 6, 4},
    {9, 14, 11, 5, 8, 12, 15, 1, 13, 3, 0, 10, 2, 6, 4, 7},
    {11, 15, 5, 0, 1, 9, 8, 6, 14, 10, 2, 12, 3, 4, 7, 13},
};

/* The IV: the first 32 bits of the fractional parts of the square roots of
 * the first 8 primes (as SHA-256). */
static const uint32_t pw_blake3_iv[8] = {0x6A09E667u, 0xBB67AE85u, 0x3C6EF372u, 0xA54FF53Au,
                                         0x510E527Fu, 0x9B05688Cu, 0x1F83D9ABu, 0x5BE0CD19u};

#endif /* PW_KERNELS_BLAKE3_H */
