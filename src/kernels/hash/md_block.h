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
      memcpy(buf + have, data, len);
      return;
    }
    memcpy(buf + have, data, take);
    blocks(h, buf, 1);
    data += take;
    len -= take;
  }
  if (len >= 64) {
    blocks(h, data, len / 64);
    data += len / 64 * 64;
    len %= 64;
  }
  if (len != 0) memcpy(buf, data, len);
}

/*
 * Pads the waiting bytes of buf and compresses the last block or two into
 * h (a copy of the chaining value: the state is left as it was).
 * big_endian: the bit length is stored big-endian (SHA) or little-endian (MD5).
 */
PW_INLINE void pw_md_final(uint32_t *h, const uint8_t buf[64], uint64_t total, int big_endian,
                           pw_md_blocks_fn blocks) {
  uint8_t last[128];
  size_t have = (size_t)(total & 63);
  size_t n = have < 56 ? 64 : 128; /* bytes of padded tail */
  uint64_t bits = total << 3;
  memcpy(last, buf, have);
  last[have] = 0x80;
  memset(last + have + 1, 0, n - have - 1 - 8);
  for (int i = 0; i < 8; i++) last[big_endian ? n - 1 - i : n - 8 + i] = (uint8_t)(bits >> (8 * i));
  blocks(h, last, n / 64);
}

#endif /* PW_KERNELS_MD_BLOCK_H */
