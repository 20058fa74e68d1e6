/*
 * simd.h — the few 128-bit vector helpers the kernels share (internal).
 *
 * Under __wasm_simd128__ (emcc -msimd128) they are wasm_simd128.h
 * intrinsics; with GCC or clang, their generic vector extension (SSE2, NEON,
 * ... as the target allows); otherwise (or with -DPW_NO_VECTOR_EXT, which
 * also turns off adler32.c's generic vectors) a pair of 64-bit words. Only operations whose result does not
 * depend on byte order are offered here, so the portable type is correct on
 * any host.
 */
#ifndef PW_KERNELS_SIMD_H
#define PW_KERNELS_SIMD_H

#include <stdint.h>
#include <string.h>

#if defined(__GNUC__) || defined(__clang__)
#define PW_INLINE static inline __attribute__((always_inline))
#else
#define PW_INLINE static inline
#endif

#ifdef __wasm_simd128__
#include <wasm_simd128.h>

typedef v128_t pw_v128;
PW_INLINE pw_v128 pw_v128_load(const void *p) { return wasm_v128_load(p); }
PW_INLINE void pw_v128_store(void *p, pw_v128 v) { wasm_v128_store(p, v); }
PW_INLINE pw_v128 pw_v128_xor(pw_v128 a, pw_v128 b) { return wasm_v128_xor(a, b); }
PW_INLINE pw_v128 pw_v128_zero(void) { return wasm_i64x2_const(0, 0); }

/*
 * The four 32-bit lanes of v, each below 2^23, as exact floats: the float
 * with bits 0x4b000000 | x is 2^23 + x. (clang 14 turns f32x4.convert of
 * lanes it knows were zero-extended from bytes or halves into one scalar
 * conversion a lane, several times slower.)
 */
PW_INLINE v128_t pw_f32x4_small_u32x4(v128_t v) {
  return wasm_f32x4_sub(wasm_v128_or(v, wasm_i32x4_const_splat(0x4b000000)), wasm_f32x4_const_splat(0x1p23f));
}

/* The same for signed lanes, each of magnitude below 2^22: 0x4b400000 + x is 1.5 2^23 + x. */
PW_INLINE v128_t pw_f32x4_small_i32x4(v128_t v) {
  return wasm_f32x4_sub(wasm_i32x4_add(v, wasm_i32x4_const_splat(0x4b400000)), wasm_f32x4_const_splat(0x1.8p23f));
}

/* The 16 bytes at s as 16 exact floats, in order, in q[0..3]. */
PW_INLINE void pw_u8x16_f32(const uint8_t *s, v128_t q[4]) {
  v128_t b = wasm_v128_load(s);
  v128_t lo = wasm_u16x8_extend_low_u8x16(b), hi = wasm_u16x8_extend_high_u8x16(b);
  q[0] = pw_f32x4_small_u32x4(wasm_u32x4_extend_low_u16x8(lo));
  q[1] = pw_f32x4_small_u32x4(wasm_u32x4_extend_high_u16x8(lo));
  q[2] = pw_f32x4_small_u32x4(wasm_u32x4_extend_low_u16x8(hi));
  q[3] = pw_f32x4_small_u32x4(wasm_u32x4_extend_high_u16x8(hi));
}

#elif (defined(__GNUC__) || defined(__clang__)) && !defined(PW_NO_VECTOR_EXT)

/* GCC/clang vector extension: SSE2/NEON code where the target has it. */
typedef uint64_t pw_v128 __attribute__((vector_size(16), aligned(16)));
PW_INLINE pw_v128 pw_v128_load(const void *p) {
  pw_v128 v;
  memcpy(&v, p, 16);
  return v;
}
PW_INLINE void pw_v128_store(void *p, pw_v128 v) { memcpy(p, &v, 16); }
PW_INLINE pw_v128 pw_v128_xor(pw_v128 a, pw_v128 b) { return a ^ b; }
PW_INLINE pw_v128 pw_v128_zero(void) {
  pw_v128 r = {0, 0};
  return r;
}

#else

typedef struct {
  uint64_t w[2];
} pw_v128;
PW_INLINE pw_v128 pw_v128_load(const void *p) {
  pw_v128 v;
  memcpy(v.w, p, 16);
  return v;
}
PW_INLINE void pw_v128_store(void *p, pw_v128 v) { memcpy(p, v.w, 16); }
PW_INLINE pw_v128 pw_v128_xor(pw_v128 a, pw_v128 b) {
  pw_v128 r = {{a.w[0] ^ b.w[0], a.w[1] ^ b.w[1]}};
  return r;
}
PW_INLINE pw_v128 pw_v128_zero(void) {
  pw_v128 r = {{0, 0}};
  return r;
}
#endif

/* Little-endian loads, whatever the host's byte order. */
PW_INLINE uint32_t pw_load32le(const uint8_t *p) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
#else
  uint32_t w;
  memcpy(&w, p, 4);
  return w;
#endif
}

PW_INLINE uint64_t pw_load64le(const uint8_t *p) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  return (uint64_t)pw_load32le(p) | (uint64_t)pw_load32le(p + 4) << 32;
#else
  uint64_t w;
  memcpy(&w, p, 8);
  return w;
#endif
}

/* Big-endian loads (SHA), and stores in either byte order. */
PW_INLINE uint32_t pw_load32be(const uint8_t *p) {
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  uint32_t w;
  memcpy(&w, p, 4);
  return __builtin_bswap32(w);
#else
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
#endif
}

PW_INLINE void pw_store32be(uint8_t *p, uint32_t w) {
  p[0] = (uint8_t)(w >> 24);
  p[1] = (uint8_t)(w >> 16);
  p[2] = (uint8_t)(w >> 8);
  p[3] = (uint8_t)w;
}

PW_INLINE void pw_store32le(uint8_t *p, uint32_t w) {
  p[0] = (uint8_t)w;
  p[1] = (uint8_t)(w >> 8);
  p[2] = (uint8_t)(w >> 16);
  p[3] = (uint8_t)(w >> 24);
}

#endif /* PW_KERNELS_SIMD_H */
