/*
 * adler32.c — Adler-32 (RFC 1950) and its O(1) combine; see
 * include/parawasm/checksum.h.
 *
 * a = 1 + sum of bytes, b = sum of the successive values of a, both modulo
 * 65521; the checksum is b << 16 | a. Over a chunk of K bytes c_0..c_(K-1):
 *     a += S,   b += K * a_before + sum_k (K - k) c_k,   S = sum_k c_k.
 * Both paths below use that, summing many chunks before one modulo:
 *
 * - wasm SIMD (__wasm_simd128__): 32-byte chunks. Per chunk: the running
 *   byte sums (4 u32 lanes) are added into a "sum of sums" vector, then the
 *   chunk's bytes are added pairwise (extadd) into the byte sums, and each
 *   byte is added, widened to u16, into one of four per-position vectors.
 *   The weights 32..1 are applied to the per-position sums once per block
 *   (i32x4.dot_i16x8), and the block's contribution is
 *       b += 32 N a + 32 (sum of sums) + weighted,   a += byte sum.
 *   A block is at most 128 chunks (4 KiB), so a per-position u16 lane stays
 *   below 32768 (the dot product is signed) and every u32 lane is far from
 *   overflow; the totals are formed in 64 bits and reduced once per block.
 * - portable C (native builds): the same with 16-byte chunks, per-position
 *   sums and per-position sums of sums (16 u32 lanes each: GCC/clang
 *   generic vectors, or plain arrays); 256 chunks (4 KiB) per block.
 *
 * Large inputs on the threaded build are split across the pool
 * (pw_chunk_size: no 32-bit wrap-around near 4 GiB) and joined with
 * pw_adler32_combine. A serial run over more than PW_ADLER_PIECE bytes
 * goes through pw_feed, so that a cancelled call stops within a piece.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parawasm.h"
#include "simd.h"

#define BASE 65521u
#define PW_ADLER_PAR_MIN (2u << 20)     /* bytes */
#define PW_ADLER_CHUNK_MIN (512u << 10) /* bytes per parallel chunk, at least */
#define PW_ADLER_CHUNKS_PER_THREAD 4
#define PW_ADLER_STACK_CHUNKS 64
#define PW_ADLER_PIECE ((size_t)4 << 20) /* bytes between cancellation checks */

/* Plain byte-at-a-time update, for tails; a, b < BASE, n small. */
static void adler_bytes(uint32_t *pa, uint32_t *pb, const uint8_t *p, size_t n) {
  uint32_t a = *pa, b = *pb;
  while (n--) {
    a += *p++;
    b += a;
  }
  *pa = a % BASE;
  *pb = b % BASE;
}

#ifdef __wasm_simd128__

#define BLOCK_CHUNKS 128 /* 32-byte chunks per block */

static uint32_t hsum32(v128_t v) {
  return wasm_u32x4_extract_lane(v, 0) + wasm_u32x4_extract_lane(v, 1) +
         wasm_u32x4_extract_lane(v, 2) + wasm_u32x4_extract_lane(v, 3);
}

/* a, b < BASE; n a multiple of 32. */
static void adler_blocks(uint32_t *pa, uint32_t *pb, const uint8_t *p, size_t n) {
  const v128_t w0 = wasm_i16x8_make(32, 31, 30, 29, 28, 27, 26, 25);
  const v128_t w1 = wasm_i16x8_make(24, 23, 22, 21, 20, 19, 18, 17);
  const v128_t w2 = wasm_i16x8_make(16, 15, 14, 13, 12, 11, 10, 9);
  const v128_t w3 = wasm_i16x8_make(8, 7, 6, 5, 4, 3, 2, 1);
  uint64_t a = *pa, b = *pb;
  while (n > 0) {
    size_t k = n / 32 < BLOCK_CHUNKS ? n / 32 : BLOCK_CHUNKS;
    n -= k * 32;
    v128_t sum = wasm_i32x4_splat(0), sums = sum; /* byte sums; sums of sums */
    v128_t p0 = sum, p1 = sum, p2 = sum, p3 = sum; /* per-position sums, u16 */
    b += 32 * (uint64_t)k * a;
    for (size_t i = 0; i < k; i++, p += 32) {
      v128_t v0 = wasm_v128_load(p), v1 = wasm_v128_load(p + 16);
      sums = wasm_i32x4_add(sums, sum);
      v128_t pairs = wasm_i16x8_add(wasm_u16x8_extadd_pairwise_u8x16(v0),
                                    wasm_u16x8_extadd_pairwise_u8x16(v1));
      sum = wasm_i32x4_add(sum, wasm_i32x4_extadd_pairwise_i16x8(pairs)); /* pairs <= 1020 */
      p0 = wasm_i16x8_add(p0, wasm_u16x8_extend_low_u8x16(v0));
      p1 = wasm_i16x8_add(p1, wasm_u16x8_extend_high_u8x16(v0));
      p2 = wasm_i16x8_add(p2, wasm_u16x8_extend_low_u8x16(v1));
      p3 = wasm_i16x8_add(p3, wasm_u16x8_extend_high_u8x16(v1));
    }
    v128_t weighted = wasm_i32x4_add(
        wasm_i32x4_add(wasm_i32x4_dot_i16x8(p0, w0), wasm_i32x4_dot_i16x8(p1, w1)),
        wasm_i32x4_add(wasm_i32x4_dot_i16x8(p2, w2), wasm_i32x4_dot_i16x8(p3, w3)));
    b += 32 * (uint64_t)hsum32(sums) + hsum32(weighted);
    a += hsum32(sum);
    a %= BASE;
    b %= BASE;
  }
  *pa = (uint32_t)a;
  *pb = (uint32_t)b;
}
#define CHUNK 32

#else /* portable */

#define BLOCK_CHUNKS 256 /* 16-byte chunks per block */

#if (defined(__GNUC__) || defined(__clang__)) && !defined(PW_NO_VECTOR_EXT)
/* Generic vectors (SSE2/NEON as the target allows); the same sums as the
 * plain C below, with the 16 positions spread over 4 x 4 u32 lanes: lane l
 * of vector k holds byte 4l + k of each chunk (4l + 3 - k big-endian). */
typedef uint32_t pw_u32x4 __attribute__((vector_size(16)));
#define PW_ADLER_VECTOR 1
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define PW_BYTE_OF(k, l) (4 * (l) + 3 - (k))
#else
#define PW_BYTE_OF(k, l) (4 * (l) + (k))
#endif
#endif

/* a, b < BASE; n a multiple of 16. */
static void adler_blocks(uint32_t *pa, uint32_t *pb, const uint8_t *p, size_t n) {
  uint64_t a = *pa, b = *pb;
  while (n > 0) {
    size_t k = n / 16 < BLOCK_CHUNKS ? n / 16 : BLOCK_CHUNKS;
    n -= k * 16;
    /* pos[i]: sum of the bytes at offset i; pre[i]: sum over chunks of the
     * pos[i] before that chunk (<= 255 k^2 / 2, fits). */
#ifdef PW_ADLER_VECTOR
    const pw_u32x4 mask = {0xff, 0xff, 0xff, 0xff};
    pw_u32x4 vpos[4] = {{0}}, vpre[4] = {{0}};
    for (size_t c = 0; c < k; c++, p += 16) {
      pw_u32x4 v;
      memcpy(&v, p, 16);
      for (int j = 0; j < 4; j++) {
        vpre[j] += vpos[j];
        vpos[j] += (v >> (8 * j)) & mask;
      }
    }
    uint32_t pos[16], pre[16];
    for (int j = 0; j < 4; j++)
      for (int l = 0; l < 4; l++) {
        pos[PW_BYTE_OF(j, l)] = vpos[j][l];
        pre[PW_BYTE_OF(j, l)] = vpre[j][l];
      }
#else
    uint32_t pos[16] = {0}, pre[16] = {0};
    for (size_t c = 0; c < k; c++, p += 16) {
      for (int i = 0; i < 16; i++) pre[i] += pos[i];
      for (int i = 0; i < 16; i++) pos[i] += p[i];
    }
#endif
    uint64_t s = 0, ss = 0, weighted = 0;
    for (int i = 0; i < 16; i++) {
      s += pos[i];
      ss += pre[i];
      weighted += (uint64_t)(16 - i) * pos[i];
    }
    b += 16 * (uint64_t)k * a + 16 * ss + weighted;
    a += s;
    a %= BASE;
    b %= BASE;
  }
  *pa = (uint32_t)a;
  *pb = (uint32_t)b;
}
#define CHUNK 16

#endif

static uint32_t adler_piece(const uint8_t *data, size_t len, uint32_t adler) {
  uint32_t a = (adler & 0xffff) % BASE, b = (adler >> 16) % BASE;
  size_t n = len / CHUNK * CHUNK;
  if (n > 0) adler_blocks(&a, &b, data, n);
  adler_bytes(&a, &b, data + n, len - n);
  return b << 16 | a;
}

static void adler_feed_piece(void *ctx, const uint8_t *p, size_t n) {
  uint32_t *adler = ctx;
  *adler = adler_piece(p, n, *adler);
}

/* Adler-32 continued over data[0..len) on this thread; stops early (a
   partial value, discarded) when the call is cancelled. `report`: the
   bytes fed are the call's progress (the kernel itself, not a _quiet use
   inside another). */
static uint32_t adler_serial(const uint8_t *data, size_t len, uint32_t adler, int report) {
  if (len <= PW_ADLER_PIECE) return adler_piece(data, len, adler);
  if (report) (void)pw_feed(data, len, PW_ADLER_PIECE, adler_feed_piece, &adler);
  else (void)pw_feed_part(data, len, PW_ADLER_PIECE, adler_feed_piece, &adler, 0);
  return adler;
}

uint32_t pw_adler32_combine(uint32_t adler1, uint32_t adler2, uint64_t len2) {
  /*
   * With a2 = 1 + S2 and b2 = len2 + W2 (S2, W2: byte sum and weighted sum
   * of the second part, from a = 1) the joined sums are
   *     a = a1 + a2 - 1,   b = b1 + len2 a1 + W2 = b1 + b2 + len2 (a1 - 1),
   * modulo BASE. len2 is reduced first; every term stays non-negative and
   * the sums stay below 4 BASE.
   */
  uint32_t rem = (uint32_t)(len2 % BASE);
  uint32_t a1 = (adler1 & 0xffff) % BASE, b1 = (adler1 >> 16) % BASE;
  uint32_t a2 = (adler2 & 0xffff) % BASE, b2 = (adler2 >> 16) % BASE;
  uint32_t a = a1 + a2 + BASE - 1;
  uint32_t b = (rem * a1) % BASE + b1 + b2 + BASE - rem; /* rem * a1 < 2^32 */
  return (b % BASE) << 16 | (a % BASE);
}

/* Parallel split ------------------------------------------------------- */

typedef struct {
  const uint8_t *data;
  size_t len, chunk; /* chunk i is [i * chunk, min(len, (i + 1) * chunk)) */
  uint32_t *out;     /* the Adler-32 of each chunk, from 1 */
  int report;        /* the bytes are the call's progress */
} adler_job;

/* Each chunk is fed piece by piece (cancellation checks between pieces),
   each piece added to the call's progress of len bytes. */
static void adler_chunks(void *ctx, size_t begin, size_t end) {
  const adler_job *job = ctx;
  for (size_t i = begin; i < end; i++) {
    size_t off = i * job->chunk, n = job->len - off < job->chunk ? job->len - off : job->chunk;
    uint32_t adler = 1;
    (void)pw_feed_part(job->data + off, n, PW_ADLER_PIECE, adler_feed_piece, &adler, job->report ? job->len : 0);
    job->out[i] = adler;
  }
}

/* Adler-32 continued over data[0..len), on the pool when that pays;
   `report`: its bytes are the call's progress. */
static uint32_t adler_run(const void *data, size_t len, uint32_t adler, int report) {
  int threads;
  if (len == 0) return adler;
  if (len < PW_ADLER_PAR_MIN || (threads = pw_concurrency()) <= 1)
    return adler_serial(data, len, adler, report);

  size_t chunk = pw_chunk_size(len, PW_ADLER_CHUNK_MIN, (size_t)threads * PW_ADLER_CHUNKS_PER_THREAD, 64);
  size_t chunks = pw_chunks(len, chunk);

  uint32_t stack_out[PW_ADLER_STACK_CHUNKS];
  uint32_t *out = chunks <= PW_ADLER_STACK_CHUNKS ? stack_out : malloc(chunks * sizeof *out);
  if (out == NULL) return adler_serial(data, len, adler, report);

  adler_job job = {data, len, chunk, out, report};
  if (pw_parallel_for(chunks, 1, adler_chunks, &job) == PW_OK) {
    for (size_t i = 0; i < chunks; i++) {
      size_t n = len - i * chunk < chunk ? len - i * chunk : chunk;
      adler = pw_adler32_combine(adler, out[i], n);
    }
  } /* else cancelled: the result is discarded */
  if (out != stack_out) free(out);
  return adler;
}

uint32_t pw_adler32(const void *data, size_t len, uint32_t adler) { return adler_run(data, len, adler, 1); }

uint32_t pw_adler32_quiet(const void *data, size_t len, uint32_t adler) { return adler_run(data, len, adler, 0); }
