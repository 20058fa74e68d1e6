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
