/*
 * md_block.h — what MD5, SHA-1 and SHA-256 share (internal): feeding bytes
 * through a 64-byte block buffer, and the final padding (0x80, zeros, the
 * length in bits as 64 bits, little-endian for MD5 and big-endian for SHA).
 *
 * Each hash passes its block function, `blocks(h, p, nblocks)`, which
 * compresses nblocks whole 64-byte blocks at p into the chaining value h.
 * The functions are always inlined, so that the block function is a direct
 * call.
 */
#ifndef PW_KERNELS_MD_BLOCK_H
#define PW_KERNELS_MD_BLOCK_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "simd.h"

typedef void (*pw_md_blocks_fn)(uint32_t *h, const uint8_t *p, size_t nblocks);

/*
 * Copies n < 64 bytes. In wasm, memcpy of a size the compiler does not know
 * is memory.copy, which V8 runs as a call into its C++ runtime when the
 * memory is shared (the threaded build, and so the core in Node): 20-30 ns,
 * a tenth of a one-block hash. Eight bytes a step instead (the empty asm
 * keeps the compiler from turning the loop back into memcpy).
 */
PW_INLINE void pw_md_copy(uint8_t *dst, const uint8_t *src, size_t n) {
#ifdef __wasm__
  for (; n >= 8; n -= 8, dst += 8, src += 8) {
    uint64_t w;
    memcpy(&w, src, 8);
    memcpy(dst, &w, 8);
    __asm__("" ::: "memory");
  }
  for (; n != 0; n--) {
    *dst++ = *src++;
    __asm__("" ::: "memory");
  }
#else
  memcpy(dst, src, n);
#endif
}

/*
 * Feeds len bytes at data: the partial block in buf is completed first,
 * then whole blocks are compressed straight from data, and the rest waits
 * in buf. *total counts every byte fed (total % 64 of them wait in buf).
 */
PW_INLINE void pw_md_update(uint32_t *h, uint8_t buf[64], uint64_t *total, const uint8_t *data,
                            size_t len, pw_md_blocks_fn blocks) {
  if (len == 0) return;
  size_t have = (size_t)(*total & 63);
  *total += len;
  if (have != 0) {
    size_t take = 64 - have;
    if (len < take) {
      pw_md_copy(buf + have, data, len);
      return;
    }
    pw_md_copy(buf + have, data, take);
    blocks(h, buf, 1);
    data += take;
    len -= take;
  }
  if (len >= 64) {
    blocks(h, data, len / 64);
    data += len / 64 * 64;
    len %= 64;
  }
  if (len != 0) pw_md_copy(buf, data, len);
}

/*
 * Pads the waiting bytes of buf and compresses the last block or two into
 * h (a copy of the chaining value: the state is left as it was).
 * big_endian: the bit length is stored big-endian (SHA) or little-endian (MD5).
 */
PW_INLINE void pw_md_final(uint32_t *h, const uint8_t buf[64], uint64_t total, int big_endian,
                           pw_md_blocks_fn blocks) {
  _Alignas(16) uint8_t last[128];
  size_t have = (size_t)(total & 63);
  size_t n = have < 56 ? 64 : 128; /* bytes of padded tail */
  uint64_t bits = total << 3;
#ifdef __wasm_simd128__
  /* buf's bytes below have, 0x80 at have, zeros after: whole vectors, for
     the reason of pw_md_copy (memcpy and memset of a size the compiler
     does not know are calls into V8's runtime on a shared memory), and so
     that the block function's word loads read whole earlier stores */
  const v128_t at = wasm_i8x16_splat((int8_t)have);
  v128_t idx = wasm_i8x16_make(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  for (int k = 0; k < 4; k++, idx = wasm_i8x16_add(idx, wasm_i8x16_splat(16))) {
    v128_t v = wasm_v128_and(wasm_v128_load(buf + 16 * k), wasm_u8x16_lt(idx, at));
    v = wasm_v128_or(v, wasm_v128_and(wasm_i8x16_eq(idx, at), wasm_i8x16_splat((int8_t)0x80)));
    wasm_v128_store(last + 16 * k, v);
  }
  for (int k = 4; k < 8; k++) wasm_v128_store(last + 16 * k, wasm_i64x2_splat(0));
#else
  memcpy(last, buf, have);
  last[have] = 0x80;
  memset(last + have + 1, 0, n - have - 1 - 8);
#endif
  for (int i = 0; i < 8; i++) last[big_endian ? n - 1 - i : n - 8 + i] = (uint8_t)(bits >> (8 * i));
  blocks(h, last, n / 64);
}

#endif /* PW_KERNELS_MD_BLOCK_H */
