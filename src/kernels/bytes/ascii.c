/*
 * ascii.c — pw_ascii_upper: a-z to A-Z in place; see include/parawasm/bytes.h.
 *
 * A byte v is a lower-case letter when v - 'a' < 26 (unsigned). Adding
 * 0x80 - 'a' maps 'a'..'z' onto 0x80..0x99, the only values below -102 as
 * signed bytes, so one signed compare gives the mask; the letter loses its
 * 0x20 bit under the mask.
 *
 * - wasm SIMD (__wasm_simd128__): 64 bytes per step, four vectors; each
 *   vector's mask (0xff per changed byte) is subtracted from its own u8
 *   counter vector, which is widened and summed every 255 steps or fewer.
 * - portable C: a plain byte loop that compilers vectorise.
 * - threaded build, large buffers: chunks on the pool (pw_chunk_size: no
 *   32-bit wrap-around near 4 GiB); each chunk adds its count to an atomic
 *   counter.
 * - a serial run over more than PW_ASCII_PIECE bytes goes through pw_feed,
 *   so that a cancelled call stops within a piece.
 */
#include <stdatomic.h>
#include <stdint.h>

#include "parawasm.h"
#include "simd.h"

#define PW_ASCII_PAR_MIN (2u << 20)     /* bytes */
#define PW_ASCII_CHUNK_MIN (512u << 10) /* bytes per parallel chunk, at least */
#define PW_ASCII_CHUNKS_PER_THREAD 4
#define PW_ASCII_PIECE ((size_t)4 << 20) /* bytes between cancellation checks */

#ifdef __wasm_simd128__

static size_t upper_bytes(uint8_t *p, size_t n) {
  size_t count = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned lower = (unsigned)(p[i] - 'a') < 26u;
    p[i] = (uint8_t)(p[i] ^ (lower << 5));
    count += lower;
  }
  return count;
}

PW_INLINE void upper_vec(uint8_t *p, v128_t *counter) {
  const v128_t shift = wasm_i8x16_splat((int8_t)(0x80 - 'a'));
  const v128_t limit = wasm_i8x16_splat((int8_t)(-128 + 26));
  const v128_t bit = wasm_i8x16_splat(0x20);
  v128_t v = wasm_v128_load(p);
  v128_t m = wasm_i8x16_lt(wasm_i8x16_add(v, shift), limit);
  wasm_v128_store(p, wasm_v128_xor(v, wasm_v128_and(m, bit)));
  *counter = wasm_i8x16_sub(*counter, m); /* m is -1 per changed byte */
}

PW_INLINE size_t hsum_u8(v128_t c) {
  v128_t w = wasm_u32x4_extadd_pairwise_u16x8(wasm_u16x8_extadd_pairwise_u8x16(c));
  return (size_t)wasm_u32x4_extract_lane(w, 0) + wasm_u32x4_extract_lane(w, 1) +
         wasm_u32x4_extract_lane(w, 2) + wasm_u32x4_extract_lane(w, 3);
}

static size_t upper_piece(uint8_t *p, size_t n) {
  size_t count = 0;
  while (n >= 64) {
    size_t steps = n / 64 < 255 ? n / 64 : 255; /* u8 lanes: at most 255 each */
    v128_t c0 = wasm_i8x16_splat(0), c1 = c0, c2 = c0, c3 = c0;
    for (size_t i = 0; i < steps; i++, p += 64) {
      upper_vec(p, &c0);
      upper_vec(p + 16, &c1);
      upper_vec(p + 32, &c2);
      upper_vec(p + 48, &c3);
    }
    n -= steps * 64;
    count += hsum_u8(c0) + hsum_u8(c1) + hsum_u8(c2) + hsum_u8(c3);
  }
  if (n >= 16) { /* at most 3 steps */
    v128_t c = wasm_i8x16_splat(0);
    for (; n >= 16; n -= 16, p += 16) upper_vec(p, &c);
    count += hsum_u8(c);
  }
  return count + upper_bytes(p, n);
}

#else /* portable */

/* A plain loop, in blocks so that the count stays in 32 bits: GCC and clang
 * vectorise it (at -O3 -march=native it ran at 8.7 GB/s here, against
 * 2.5 GB/s for a 64-bit SWAR version). */
static size_t upper_piece(uint8_t *p, size_t n) {
  size_t count = 0;
  while (n > 0) {
    size_t k = n < 4096 ? n : 4096;
    uint32_t c = 0;
    for (size_t i = 0; i < k; i++) {
      uint32_t lower = (uint8_t)(p[i] - 'a') < 26u;
      p[i] = (uint8_t)(p[i] ^ (lower << 5));
      c += lower;
    }
    count += c;
    p += k;
    n -= k;
  }
  return count;
}

#endif

typedef struct {
  uint8_t *data; /* the buffer pw_feed walks (it hands out read-only pieces) */
  size_t count;
} upper_feed;

static void upper_feed_piece(void *ctx, const uint8_t *piece, size_t n) {
  upper_feed *f = ctx;
  f->count += upper_piece(f->data + (piece - f->data), n);
}

/* Upper-cases p[0..n) on this thread; stops early (a partial count,
   discarded) when the call is cancelled. */
static size_t upper_serial(uint8_t *p, size_t n) {
  if (n <= PW_ASCII_PIECE) return upper_piece(p, n);
  upper_feed f = {p, 0};
  (void)pw_feed(p, n, PW_ASCII_PIECE, upper_feed_piece, &f);
  return f.count;
}

/* Parallel split ------------------------------------------------------- */

typedef struct {
  uint8_t *data;
  size_t len, chunk;     /* chunk i is [i * chunk, min(len, (i + 1) * chunk)) */
  _Atomic size_t count;  /* bytes changed, summed over the chunks */
} upper_job;

static void upper_chunks(void *ctx, size_t begin, size_t end) {
  upper_job *job = ctx;
  size_t count = 0;
  for (size_t i = begin; i < end; i++) {
    size_t off = i * job->chunk, n = job->len - off < job->chunk ? job->len - off : job->chunk;
    count += upper_serial(job->data + off, n);
  }
  atomic_fetch_add_explicit(&job->count, count, memory_order_relaxed);
}

size_t pw_ascii_upper(void *data, size_t len) {
  int threads;
  if (len == 0) return 0;
  if (len < PW_ASCII_PAR_MIN || (threads = pw_concurrency()) <= 1) return upper_serial(data, len);

  size_t chunk = pw_chunk_size(len, PW_ASCII_CHUNK_MIN, (size_t)threads * PW_ASCII_CHUNKS_PER_THREAD, 64);
  size_t chunks = pw_chunks(len, chunk);

  upper_job job = {data, len, chunk, 0};
  /* Cancelled: the count is partial, and the runtime discards it. pw_parallel_for
   * returns after every started chunk finished, so the count is complete. */
  (void)pw_parallel_for(chunks, 1, upper_chunks, &job);
  return atomic_load_explicit(&job.count, memory_order_relaxed);
}
