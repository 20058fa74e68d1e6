/*
 * crc32.c — CRC-32 (reflected polynomial 0xEDB88320) and CRC-32C
 * (0x82F63B78) with zlib's conventions; see include/parawasm/checksum.h.
 *
 * One implementation serves both polynomials: the always-inlined core takes
 * the polynomial's tables and constants, and each public function passes
 * its own, so every table address and offset is a constant in the code.
 *
 * Notation. Bit k of a 32-bit register is the coefficient of x^(31-k); a
 * byte stream m_0 m_1 ... m_(n-1) is the polynomial M = sum m_j y^(n-1-j)
 * with y = x^8; the register after feeding M to register 0 is M x^32 mod P,
 * and starting from register R is the same as XORing R into m_0..m_3.
 *
 * Three ways to the same register:
 *
 * 1. Slicing-by-16 (short inputs, tails): 16 table lookups per 16 bytes,
 *    tables from crc_tables.h. In wasm every lookup costs a shift, a mask,
 *    an add of the table's address, a load and an XOR (no scaled addressing
 *    and no folding of the address into the load), which holds it near
 *    2 GB/s; interleaving 2-4 independent streams did not help in wasm (it is
 *    bound by instruction count, not by load latency), so one stream it is.
 *
 * 2. Sparse reduction (inputs of PW_CRC_SPARSE_MIN bytes and more). P
 *    divides a polynomial with four terms, Q = y^D + y^A + y^B + 1 (D about
 *    4-5 KB; found by gen_crc_tables.c). Replacing M by any M' == M mod Q
 *    of the same length leaves the CRC unchanged. Reducing modulo Q from the
 *    front needs no tables: the (already reduced) byte r_j at position j,
 *    while it lies D or more bytes before the end, is cancelled by XORing it
 *    into the bytes D-A, D-B and D positions later. Read the other way:
 *        r_j = m_j ^ r_(j-(D-A)) ^ r_(j-(D-B)) ^ r_(j-D)
 *    over whole bytes, so 16 bytes at a time it is one input load, three
 *    unaligned loads from a history ring, three XORs and two stores. The
 *    last D..D+15 bytes (not cancelled) then go through slicing-by-16 from
 *    register 0. The top gap D-A is over 700 bytes, so the history loads
 *    never wait for a recent store. The ring holds each 16 bytes twice (at
 *    i and i+RING), so a load at any lag up to RING-16 is one contiguous
 *    load at a constant offset from the write pointer.
 *
 * 3. Parallel (PW_CRC_PAR_MIN bytes and more, pw_concurrency() > 1): the
 *    input is cut into chunks (pw_chunk_size: sizes near 4 GiB must not
 *    wrap the 32-bit size_t of wasm32), each chunk's CRC is taken from 0 on
 *    the pool (pw_parallel_for) and the CRCs are joined in order with
 *    combine.
 *
 * Cancellation: a serial run over more than PW_CRC_PIECE bytes (a large
 * input on one thread, or one chunk of a parallel run) goes through
 * pw_feed, continuing the CRC piece by piece, so an aborted call stops
 * within one piece (4 MiB, about a millisecond). Each piece's last D..D+15
 * bytes take the slower table path; at 4 MiB that is 0.1% of the bytes.
 *
 * Combine: crc(a ++ b) = crc(a) * x^(8 len(b)) ^ crc(b) mod P (the
 * pre- and post-inversions cancel), with x^(8 len) from the table of
 * x^(8 * 2^k) in O(log len) multiplications.
 *
 * No global mutable state: every call works on its own stack.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parawasm.h"
#include "simd.h"
#include "crc_tables.h"

#ifndef PW_CRC_SPARSE_MIN
#define PW_CRC_SPARSE_MIN (8u << 10) /* bytes; at least D + 48 */
#endif
#ifndef PW_CRC_PAR_MIN
#define PW_CRC_PAR_MIN (2u << 20) /* bytes */
#endif
#define PW_CRC_CHUNK_MIN (512u << 10) /* bytes per parallel chunk, at least */
#define PW_CRC_PIECE ((size_t)4 << 20)  /* bytes between cancellation checks */
#define PW_CRC_CHUNKS_PER_THREAD 4
#define PW_CRC_STACK_CHUNKS 64

typedef const uint32_t (*pw_crc_tab)[256];

/* History ring of the sparse reduction: RING >= D + 16, a multiple of 16. */
#define RING_OF(d) ((((size_t)(d) + 16 + 15) / 16) * 16)

#if PW_CRC_SPARSE_MIN < PW_CRC32C_SPARSE_D + 48 || PW_CRC_SPARSE_MIN < PW_CRC32_SPARSE_D + 48
#error "PW_CRC_SPARSE_MIN must exceed the sparse degree D by 32 bytes"
#endif

/* ---------------------------------------------------------------------- */
/* Slicing-by-16                                                          */
/* ---------------------------------------------------------------------- */

/* Register r after the 16 bytes whose little-endian words are a, b, c, d. */
PW_INLINE uint32_t step16(pw_crc_tab t, uint32_t r, uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
  a ^= r;
  return t[15][a & 0xff] ^ t[14][(a >> 8) & 0xff] ^ t[13][(a >> 16) & 0xff] ^ t[12][a >> 24] ^
         t[11][b & 0xff] ^ t[10][(b >> 8) & 0xff] ^ t[9][(b >> 16) & 0xff] ^ t[8][b >> 24] ^
         t[7][c & 0xff] ^ t[6][(c >> 8) & 0xff] ^ t[5][(c >> 16) & 0xff] ^ t[4][c >> 24] ^
         t[3][d & 0xff] ^ t[2][(d >> 8) & 0xff] ^ t[1][(d >> 16) & 0xff] ^ t[0][d >> 24];
}

PW_INLINE uint32_t step16_at(pw_crc_tab t, uint32_t r, const uint8_t *p) {
  return step16(t, r, pw_load32le(p), pw_load32le(p + 4), pw_load32le(p + 8), pw_load32le(p + 12));
}

/* Register r after p[0..n). */
PW_INLINE uint32_t crc_table(pw_crc_tab t, uint32_t r, const uint8_t *p, size_t n) {
  for (; n >= 16; n -= 16, p += 16) r = step16_at(t, r, p);
  if (n >= 8) {
    uint32_t a = pw_load32le(p) ^ r, b = pw_load32le(p + 4);
    r = t[7][a & 0xff] ^ t[6][(a >> 8) & 0xff] ^ t[5][(a >> 16) & 0xff] ^ t[4][a >> 24] ^
        t[3][b & 0xff] ^ t[2][(b >> 8) & 0xff] ^ t[1][(b >> 16) & 0xff] ^ t[0][b >> 24];
    p += 8;
    n -= 8;
  }
  while (n--) r = (r >> 8) ^ t[0][(r ^ *p++) & 0xff];
  return r;
}

/* ---------------------------------------------------------------------- */
/* Sparse reduction                                                       */
/* ---------------------------------------------------------------------- */

/*
 * Register r0 after p[0..n), n a multiple of 16 and n >= D + 32; ring has
 * 2 * RING_OF(D) bytes, 16-aligned. See the top of the file.
 */
PW_INLINE uint32_t crc_sparse(pw_crc_tab t, uint32_t r0, const uint8_t *p, size_t n, size_t D,
                              size_t A, size_t B, uint8_t *ring) {
  const size_t R = RING_OF(D);
  const size_t L1 = D - A, L2 = D - B, L3 = D; /* lags, each >= 16 */
  /* Positions [0, c) are cancelled, [c, n) remain: n - c is D..D+15. */
  const size_t c = (n - D) / 16 * 16;
  uint8_t *const end = ring + R;
  uint8_t *w = ring; /* the write position in the ring, i.e. j mod R */

  /* Lags that reach before the start read zeros (first copy, unwritten). */
  memset(ring, 0, R);

  /* The first 16 bytes carry the starting register. */
  uint8_t first[16];
  memcpy(first, p, 16);
  for (int i = 0; i < 4; i++) first[i] ^= (uint8_t)(r0 >> (8 * i));

#define PW_SPARSE_STEP(in)                                                             \
  do {                                                                                 \
    pw_v128 v_ = pw_v128_xor(pw_v128_load(in), pw_v128_load(w + R - L1));              \
    v_ = pw_v128_xor(v_, pw_v128_xor(pw_v128_load(w + R - L2), pw_v128_load(w + R - L3))); \
    pw_v128_store(w, v_);                                                              \
    pw_v128_store(w + R, v_);                                                          \
    w += 16;                                                                           \
  } while (0)

  PW_SPARSE_STEP(first);
  size_t j = 16;
  while (j < c) {
    /* Run to the end of the ring or of the cancelled part, then wrap. */
    size_t run = (size_t)(end - w);
    if (run > c - j) run = c - j;
    const uint8_t *q = p + j, *qe = q + run;
    for (; q < qe; q += 16) PW_SPARSE_STEP(q);
    j += run;
    if (w == end) w = ring;
  }
#undef PW_SPARSE_STEP

  /* The remaining bytes: add what the cancelled ones sent them, store zeros
   * (remaining bytes send nothing) and feed them to the tables from 0. */
  uint32_t r = 0;
  const pw_v128 zero = pw_v128_zero();
  for (; j < n; j += 16) {
    pw_v128 v = pw_v128_xor(pw_v128_load(p + j), pw_v128_load(w + R - L1));
    v = pw_v128_xor(v, pw_v128_xor(pw_v128_load(w + R - L2), pw_v128_load(w + R - L3)));
    pw_v128_store(w, zero);
    pw_v128_store(w + R, zero);
    uint8_t out[16];
    pw_v128_store(out, v);
    r = step16_at(t, r, out);
    w += 16;
    if (w == end) w = ring;
  }
  return r;
}

/* ---------------------------------------------------------------------- */
/* Serial CRC, both polynomials                                           */
/* ---------------------------------------------------------------------- */

/* CRC (zlib convention) of data[0..len) continuing from crc. */
PW_INLINE uint32_t crc_serial(pw_crc_tab t, size_t D, size_t A, size_t B, uint8_t *ring,
                              const uint8_t *data, size_t len, uint32_t crc) {
  uint32_t r = ~crc;
  if (len >= PW_CRC_SPARSE_MIN) {
    size_t n = len / 16 * 16;
    r = crc_sparse(t, r, data, n, D, A, B, ring);
    data += n;
    len -= n;
  }
  return ~crc_table(t, r, data, len);
}

static uint32_t crc32_piece(const uint8_t *data, size_t len, uint32_t crc) {
  _Alignas(16) uint8_t ring[2 * RING_OF(PW_CRC32_SPARSE_D)];
  return crc_serial(pw_crc32_slice, PW_CRC32_SPARSE_D, PW_CRC32_SPARSE_A, PW_CRC32_SPARSE_B,
                    ring, data, len, crc);
}

static uint32_t crc32c_piece(const uint8_t *data, size_t len, uint32_t crc) {
  _Alignas(16) uint8_t ring[2 * RING_OF(PW_CRC32C_SPARSE_D)];
  return crc_serial(pw_crc32c_slice, PW_CRC32C_SPARSE_D, PW_CRC32C_SPARSE_A, PW_CRC32C_SPARSE_B,
                    ring, data, len, crc);
}

typedef uint32_t (*crc_fn)(const uint8_t *data, size_t len, uint32_t crc);

typedef struct {
  crc_fn piece;
  uint32_t crc;
} crc_feed;

static void crc_feed_piece(void *ctx, const uint8_t *p, size_t n) {
  crc_feed *f = ctx;
  f->crc = f->piece(p, n, f->crc);
}

/* The CRC continued over data[0..len) on this thread, piece by piece: it
   stops early (a partial value, discarded) when the call is cancelled.
   `report`: the bytes fed are the call's progress (the kernel itself, not
   a _quiet use inside another). */
static uint32_t crc_serial_run(crc_fn piece, const uint8_t *data, size_t len, uint32_t crc, int report) {
  if (len <= PW_CRC_PIECE) return piece(data, len, crc);
  crc_feed f = {piece, crc};
  if (report) (void)pw_feed(data, len, PW_CRC_PIECE, crc_feed_piece, &f);
  else (void)pw_feed_part(data, len, PW_CRC_PIECE, crc_feed_piece, &f, 0);
  return f.crc;
}

/* ---------------------------------------------------------------------- */
/* Combine                                                                */
/* ---------------------------------------------------------------------- */

/* a * b mod P (reflected). */
static uint32_t mulmod(uint32_t a, uint32_t b, uint32_t poly) {
  uint32_t p = 0;
  for (int i = 0; i < 32; i++) {
    p ^= b & (0u - (a >> 31));
    a <<= 1;
    b = (b >> 1) ^ (poly & (0u - (b & 1)));
  }
  return p;
}

static uint32_t combine(const uint32_t *pow8, uint32_t poly, uint32_t crc1, uint32_t crc2,
                        uint64_t len2) {
  for (int k = 0; len2 != 0; k++, len2 >>= 1)
    if (len2 & 1) crc1 = mulmod(crc1, pow8[k], poly);
  return crc1 ^ crc2;
}

#define PW_CRC32_POLY UINT32_C(0xedb88320)
#define PW_CRC32C_POLY UINT32_C(0x82f63b78)

uint32_t pw_crc32_combine(uint32_t crc1, uint32_t crc2, uint64_t len2) {
  return combine(pw_crc32_pow8, PW_CRC32_POLY, crc1, crc2, len2);
}

uint32_t pw_crc32c_combine(uint32_t crc1, uint32_t crc2, uint64_t len2) {
  return combine(pw_crc32c_pow8, PW_CRC32C_POLY, crc1, crc2, len2);
}

/* ---------------------------------------------------------------------- */
/* Parallel split                                                         */
/* ---------------------------------------------------------------------- */

typedef struct {
  crc_fn piece;
  const uint8_t *data;
  size_t len, chunk; /* chunk i is [i * chunk, min(len, (i + 1) * chunk)) */
  uint32_t *out;     /* the CRC of each chunk, from 0 */
  int report;        /* the bytes are the call's progress */
} crc_job;

/* Each chunk is fed piece by piece (cancellation checks between pieces),
   each piece added to the call's progress of len bytes. */
static void crc_chunks(void *ctx, size_t begin, size_t end) {
  const crc_job *job = ctx;
  for (size_t i = begin; i < end; i++) {
    size_t off = i * job->chunk, n = job->len - off < job->chunk ? job->len - off : job->chunk;
    crc_feed f = {job->piece, 0};
    (void)pw_feed_part(job->data + off, n, PW_CRC_PIECE, crc_feed_piece, &f, job->report ? job->len : 0);
    job->out[i] = f.crc;
  }
}

/* crc continued over data[0..len) with `piece`, on the pool when that
   pays; `report`: its bytes are the call's progress. */
static uint32_t crc_run(crc_fn piece, const uint32_t *pow8, uint32_t poly, const uint8_t *data, size_t len,
                        uint32_t crc, int report) {
  int threads;
  if (len == 0) return crc;
  if (len < PW_CRC_PAR_MIN || (threads = pw_concurrency()) <= 1) return crc_serial_run(piece, data, len, crc, report);

  size_t chunk = pw_chunk_size(len, PW_CRC_CHUNK_MIN, (size_t)threads * PW_CRC_CHUNKS_PER_THREAD, 64);
  size_t chunks = pw_chunks(len, chunk);

  uint32_t stack_out[PW_CRC_STACK_CHUNKS];
  uint32_t *out = chunks <= PW_CRC_STACK_CHUNKS ? stack_out : malloc(chunks * sizeof *out);
  if (out == NULL) return crc_serial_run(piece, data, len, crc, report);

  crc_job job = {piece, data, len, chunk, out, report};
  if (pw_parallel_for(chunks, 1, crc_chunks, &job) == PW_OK) {
    for (size_t i = 0; i < chunks; i++) {
      size_t n = len - i * chunk < chunk ? len - i * chunk : chunk;
      crc = combine(pow8, poly, crc, out[i], n);
    }
  } /* else cancelled: the result is discarded */
  if (out != stack_out) free(out);
  return crc;
}

/* ---------------------------------------------------------------------- */
/* Kernels                                                                */
/* ---------------------------------------------------------------------- */

uint32_t pw_crc32(const void *data, size_t len, uint32_t crc) {
  return crc_run(crc32_piece, pw_crc32_pow8, PW_CRC32_POLY, data, len, crc, 1);
}

uint32_t pw_crc32c(const void *data, size_t len, uint32_t crc) {
  return crc_run(crc32c_piece, pw_crc32c_pow8, PW_CRC32C_POLY, data, len, crc, 1);
}

uint32_t pw_crc32_quiet(const void *data, size_t len, uint32_t crc) {
  return crc_run(crc32_piece, pw_crc32_pow8, PW_CRC32_POLY, data, len, crc, 0);
}

uint32_t pw_crc32c_quiet(const void *data, size_t len, uint32_t crc) {
  return crc_run(crc32c_piece, pw_crc32c_pow8, PW_CRC32C_POLY, data, len, crc, 0);
}
