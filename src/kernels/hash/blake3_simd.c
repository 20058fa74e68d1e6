/*
 * blake3_simd.c — the 4-way BLAKE3 compressor (see src/kernels/hash/blake3.h):
 * four independent chains, one per 32-bit lane of 128-bit vectors. State
 * word j of the four chains is one vector; message word j of the four
 * current blocks is one vector, made by transposing 4x4 blocks of the
 * loaded bytes. The rounds are then the scalar rounds written on vectors.
 *
 * Two back ends, one body:
 *   __wasm_simd128__   wasm_simd128.h; rotations by 16 and 8 are byte
 *                      shuffles (i8x16.shuffle), by 12 and 7 shifts and OR
 *                      (wasm has no vector rotate)
 *   GCC/clang native   generic vectors (vector_size), SSE2/AVX/NEON as the
 *                      target allows; used natively so that the native
 *                      tests and sanitizers run the same 4-way code
 * Without either (or with -DPW_NO_VECTOR_EXT, or on a big-endian host) the
 * file is empty and blake3.c uses its portable compression only.
 */
#include <stdint.h>
#include <string.h>

#include "parawasm.h"
#include "simd.h"
#include "blake3.h"

#if PW_BLAKE3_HAVE_X4

#ifdef __wasm_simd128__
#include <wasm_simd128.h>

typedef v128_t u32x4;
#define X4_ADD(a, b) wasm_i32x4_add(a, b)
#define X4_XOR(a, b) wasm_v128_xor(a, b)
#define X4_SPLAT(x) wasm_i32x4_splat((int32_t)(x))
#define X4_SET(a, b, c, d) wasm_i32x4_make((int32_t)(a), (int32_t)(b), (int32_t)(c), (int32_t)(d))
#define X4_ROR16(x) wasm_i8x16_shuffle(x, x, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13)
#define X4_ROR8(x) wasm_i8x16_shuffle(x, x, 1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12)
#define X4_ROR(x, n) wasm_v128_or(wasm_u32x4_shr(x, n), wasm_i32x4_shl(x, 32 - (n)))
#define X4_UNPACKLO32(a, b) wasm_i32x4_shuffle(a, b, 0, 4, 1, 5)
#define X4_UNPACKHI32(a, b) wasm_i32x4_shuffle(a, b, 2, 6, 3, 7)
#define X4_UNPACKLO64(a, b) wasm_i64x2_shuffle(a, b, 0, 2)
#define X4_UNPACKHI64(a, b) wasm_i64x2_shuffle(a, b, 1, 3)
PW_INLINE u32x4 x4_load(const uint8_t *p) { return wasm_v128_load(p); }
PW_INLINE void x4_store(uint8_t *p, u32x4 v) { wasm_v128_store(p, v); }

#else /* GCC/clang generic vectors */

typedef uint32_t u32x4 __attribute__((vector_size(16)));
typedef uint8_t u8x16_ __attribute__((vector_size(16)));
typedef uint64_t u64x2_ __attribute__((vector_size(16)));
#define X4_ADD(a, b) ((a) + (b))
#define X4_XOR(a, b) ((a) ^ (b))
#define X4_SPLAT(x) ((u32x4){(x), (x), (x), (x)})
#define X4_SET(a, b, c, d) ((u32x4){(a), (b), (c), (d)})
#define X4_ROR16(x)                                                                          \
  ((u32x4)__builtin_shufflevector((u8x16_)(x), (u8x16_)(x), 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, \
                                  9, 14, 15, 12, 13))
#define X4_ROR8(x)                                                                           \
  ((u32x4)__builtin_shufflevector((u8x16_)(x), (u8x16_)(x), 1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, \
                                  8, 13, 14, 15, 12))
#define X4_ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))
#define X4_UNPACKLO32(a, b) __builtin_shufflevector(a, b, 0, 4, 1, 5)
#define X4_UNPACKHI32(a, b) __builtin_shufflevector(a, b, 2, 6, 3, 7)
#define X4_UNPACKLO64(a, b) ((u32x4)__builtin_shufflevector((u64x2_)(a), (u64x2_)(b), 0, 2))
#define X4_UNPACKHI64(a, b) ((u32x4)__builtin_shufflevector((u64x2_)(a), (u64x2_)(b), 1, 3))
PW_INLINE u32x4 x4_load(const uint8_t *p) {
  u32x4 v;
  memcpy(&v, p, 16);
  return v;
}
PW_INLINE void x4_store(uint8_t *p, u32x4 v) { memcpy(p, &v, 16); }
#endif

/* In place: rows a, b, c, d become the columns. */
#define X4_TRANSPOSE(a, b, c, d)                                   \
  do {                                                             \
    u32x4 t0_ = X4_UNPACKLO32(a, b), t1_ = X4_UNPACKHI32(a, b);    \
    u32x4 t2_ = X4_UNPACKLO32(c, d), t3_ = X4_UNPACKHI32(c, d);    \
    a = X4_UNPACKLO64(t0_, t2_);                                   \
    b = X4_UNPACKHI64(t0_, t2_);                                   \
    c = X4_UNPACKLO64(t1_, t3_);                                   \
    d = X4_UNPACKHI64(t1_, t3_);                                   \
  } while (0)

#define G(a, b, c, d, x, y)  \
  do {                       \
    a = X4_ADD(X4_ADD(a, b), x); \
    d = X4_ROR16(X4_XOR(d, a));  \
    c = X4_ADD(c, d);            \
    b = X4_ROR(X4_XOR(b, c), 12); \
    a = X4_ADD(X4_ADD(a, b), y); \
    d = X4_ROR8(X4_XOR(d, a));   \
    c = X4_ADD(c, d);            \
    b = X4_ROR(X4_XOR(b, c), 7); \
  } while (0)

#define ROUND(r)                                                                  \
  do {                                                                            \
    const uint8_t *s_ = pw_blake3_schedule[r];                                    \
    G(v[0], v[4], v[8], v[12], m[s_[0]], m[s_[1]]);                               \
    G(v[1], v[5], v[9], v[13], m[s_[2]], m[s_[3]]);                               \
    G(v[2], v[6], v[10], v[14], m[s_[4]], m[s_[5]]);                              \
    G(v[3], v[7], v[11], v[15], m[s_[6]], m[s_[7]]);                              \
    G(v[0], v[5], v[10], v[15], m[s_[8]], m[s_[9]]);                              \
    G(v[1], v[6], v[11], v[12], m[s_[10]], m[s_[11]]);                            \
    G(v[2], v[7], v[8], v[13], m[s_[12]], m[s_[13]]);                             \
    G(v[3], v[4], v[9], v[14], m[s_[14]], m[s_[15]]);                             \
  } while (0)

void pw_blake3__x4(const uint8_t *const in[4], size_t nblocks, const uint32_t key[8],
                   uint64_t counter, unsigned counter_step, uint8_t flags, uint8_t flags_start,
                   uint8_t flags_end, uint8_t *out) {
  u32x4 h[8];
  for (int i = 0; i < 8; i++) h[i] = X4_SPLAT(key[i]);
  uint64_t c0 = counter, c1 = c0 + counter_step, c2 = c1 + counter_step, c3 = c2 + counter_step;
  const u32x4 ctr_lo = X4_SET((uint32_t)c0, (uint32_t)c1, (uint32_t)c2, (uint32_t)c3);
  const u32x4 ctr_hi = X4_SET((uint32_t)(c0 >> 32), (uint32_t)(c1 >> 32), (uint32_t)(c2 >> 32),
                              (uint32_t)(c3 >> 32));
  const u32x4 block_len = X4_SPLAT(PW_BLAKE3_BLOCK_LEN);
  const uint8_t *p0 = in[0], *p1 = in[1], *p2 = in[2], *p3 = in[3];

  for (size_t b = 0; b < nblocks; b++) {
    unsigned f = flags;
    if (b == 0) f |= flags_start;
    if (b + 1 == nblocks) f |= flags_end;

    /* Message: word j of the 4 blocks in m[j]. */
    u32x4 m[16];
    const size_t off = b * PW_BLAKE3_BLOCK_LEN;
    for (int q = 0; q < 4; q++) {
      m[4 * q + 0] = x4_load(p0 + off + 16 * q);
      m[4 * q + 1] = x4_load(p1 + off + 16 * q);
      m[4 * q + 2] = x4_load(p2 + off + 16 * q);
      m[4 * q + 3] = x4_load(p3 + off + 16 * q);
      X4_TRANSPOSE(m[4 * q + 0], m[4 * q + 1], m[4 * q + 2], m[4 * q + 3]);
    }

    u32x4 v[16] = {h[0],
                   h[1],
                   h[2],
                   h[3],
                   h[4],
                   h[5],
                   h[6],
                   h[7],
                   X4_SPLAT(pw_blake3_iv[0]),
                   X4_SPLAT(pw_blake3_iv[1]),
                   X4_SPLAT(pw_blake3_iv[2]),
                   X4_SPLAT(pw_blake3_iv[3]),
                   ctr_lo,
                   ctr_hi,
                   block_len,
                   X4_SPLAT(f)};
    ROUND(0);
    ROUND(1);
    ROUND(2);
    ROUND(3);
    ROUND(4);
    ROUND(5);
    ROUND(6);
    for (int i = 0; i < 8; i++) h[i] = X4_XOR(v[i], v[i + 8]);
  }

  /* Back to one chaining value per lane: words 0-3 and 4-7 of each. */
  X4_TRANSPOSE(h[0], h[1], h[2], h[3]);
  X4_TRANSPOSE(h[4], h[5], h[6], h[7]);
  for (int i = 0; i < 4; i++) {
    x4_store(out + 32 * i, h[i]);
    x4_store(out + 32 * i + 16, h[4 + i]);
  }
}

#else
/* No 4-way compressor in this build: keep the translation unit non-empty. */
typedef int pw_blake3_simd_unused_;
#endif
