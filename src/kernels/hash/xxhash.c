/*
 * xxhash.c — XXH32, XXH64, XXH3-64 and XXH3-128, one-shot and streaming;
 * see include/parawasm/xxhash.h and src/kernels/hash/xxhash.h. Written from the
 * xxHash specification (doc/xxhash_spec.md); the comments below use its
 * names (stripe, lane, accumulator, secret, block, scramble).
 *
 * Where the time goes, and what each build does there:
 *
 * - XXH32: four 32-bit lanes, each  acc = rotl(acc + lane * P2, 13) * P1
 *   per 16-byte stripe, four scalar chains bound by the add-rotate-multiply
 *   latency of a stripe. An i32x4 version (the four lanes one vector) was
 *   slower in Node on this project's machine: 215-285 ns against 158-236 ns
 *   for 1 KiB, 11.5-12.3 us against 7.4-9.4 us for 64 KiB (i32x4.mul is
 *   pmulld, of longer latency than imul).
 * - XXH64: the same with 64-bit lanes; 64-bit lane multiplications have no
 *   vector instruction in wasm (i64x2.mul is emulated), so both paths are
 *   scalar: four independent multiply chains.
 * - XXH3 over 240 bytes: the accumulate step, per 8-byte lane
 *       acc[i ^ 1] += lane,  acc[i] += lo32(lane ^ key) * hi32(lane ^ key),
 *   is eight 32x32->64 multiplications per 64-byte stripe. Under
 *   __wasm_simd128__ the accumulators are four u64x2 vectors; one i32x4
 *   shuffle gathers the low halves of two vectors' keyed lanes, another the
 *   high halves, and u64x2.extmul_low/high_u32x4 multiply them; the input
 *   lanes are summed unswapped and swapped into acc[i ^ 1] once per call.
 *   The portable path is plain C on eight u64.
 * - XXH3 up to 240 bytes: a handful of 64x64->128 multiplications
 *   (unsigned __int128 natively; four 32x32->64 products in wasm, where
 *   __int128 would become a call to __multi3).
 *
 * Streaming XXH3: input is consumed a stripe at a time, and a stripe only
 * once more input follows it. That makes the rule for the scramble simple
 * (after the 16th stripe of a block, always) and keeps inputs of up to
 * 240 bytes whole in the buffer for the short-input algorithms; the 64
 * bytes before the buffered ones are kept for the final stripe, which
 * overlaps consumed input.
 *
 * Cancellation: a one-shot input longer than PW_XXH_PIECE goes through
 * the streaming state, fed by pw_feed, which checks between pieces whether
 * the call was cancelled (the result is then discarded). Streaming gives
 * the one-shot result by construction (the specification defines both the
 * same way), and costs a copy of under 256 bytes per 1 MiB piece.
 *
 * No mutable globals: the one-shot functions work on the stack, the
 * streaming ones on the caller's state.
 */
#include <stdint.h>
#include <string.h>

#include "parawasm.h"
#include "parawasm/xxhash.h"
#include "simd.h"
#include "xxhash.h"

#define P32_1 UINT32_C(0x9E3779B1)
#define P32_2 UINT32_C(0x85EBCA77)
#define P32_3 UINT32_C(0xC2B2AE3D)
#define P32_4 UINT32_C(0x27D4EB2F)
#define P32_5 UINT32_C(0x165667B1)
#define P64_1 UINT64_C(0x9E3779B185EBCA87)
#define P64_2 UINT64_C(0xC2B2AE3D27D4EB4F)
#define P64_3 UINT64_C(0x165667B19E3779F9)
#define P64_4 UINT64_C(0x85EBCA77C2B2AE63)
#define P64_5 UINT64_C(0x27D4EB2F165667C5)
#define PMX_1 UINT64_C(0x165667919E3779F9)
#define PMX_2 UINT64_C(0x9FB21C651E98DF25)

/* One-shot inputs longer than this are streamed in pieces of this size. */
#define PW_XXH_PIECE ((size_t)1 << 20)

/* ---------------------------------------------------------------------- */
/* Helpers                                                                */
/* ---------------------------------------------------------------------- */

PW_INLINE uint32_t rotl32(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }
PW_INLINE uint64_t rotl64(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

PW_INLINE uint32_t bswap32(uint32_t x) {
  return (x >> 24) | ((x >> 8) & 0xff00u) | ((x << 8) & 0xff0000u) | (x << 24);
}

PW_INLINE uint64_t bswap64(uint64_t x) {
  return (uint64_t)bswap32((uint32_t)x) << 32 | bswap32((uint32_t)(x >> 32));
}

#define rd32 pw_load32le
#define rd64 pw_load64le

/* The full 128-bit product a * b. */
PW_INLINE pw_u128 mul128(uint64_t a, uint64_t b) {
  pw_u128 r;
#if defined(__SIZEOF_INT128__) && !defined(__wasm__)
  unsigned __int128 p = (unsigned __int128)a * b;
  r.lo = (uint64_t)p;
  r.hi = (uint64_t)(p >> 64);
#else
  uint64_t ll = (a & 0xffffffffu) * (b & 0xffffffffu);
  uint64_t hl = (a >> 32) * (b & 0xffffffffu);
  uint64_t lh = (a & 0xffffffffu) * (b >> 32);
  uint64_t hh = (a >> 32) * (b >> 32);
  uint64_t cross = (ll >> 32) + (hl & 0xffffffffu) + lh; /* < 2^64 */
  r.hi = (hl >> 32) + (cross >> 32) + hh;
  r.lo = cross << 32 | (ll & 0xffffffffu);
#endif
  return r;
}

/* The low half of the 128-bit product XORed with its high half. */
PW_INLINE uint64_t mulfold(uint64_t a, uint64_t b) {
  pw_u128 p = mul128(a, b);
  return p.lo ^ p.hi;
}

/* ---------------------------------------------------------------------- */
/* XXH32                                                                  */
/* ---------------------------------------------------------------------- */

static void xxh32_init(uint32_t acc[4], uint32_t seed) {
  acc[0] = seed + P32_1 + P32_2;
  acc[1] = seed + P32_2;
  acc[2] = seed;
  acc[3] = seed - P32_1;
}

/* Consumes n 16-byte stripes at p into the lanes. Four scalar chains, in
   every build: each stripe is bound by the add-rotate-multiply latency of
   a lane, 5 cycles with scalar rotl and imul; as one i32x4 vector the
   multiply alone (pmulld) takes longer, so the vector path that wasm SIMD
   allows was slower here (1 KiB and 64 KiB, in Node); an empty asm
   statement keeps the compiler from turning the four chains back into that
   vector (SLP vectorisation). */
static void xxh32_stripes(uint32_t acc[4], const uint8_t *p, size_t n) {
#define xxh32_round(acc, lane) (rotl32((acc) + (lane) * P32_2, 13) * P32_1)
  uint32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
  for (; n != 0; n--, p += 16) {
    a0 = xxh32_round(a0, rd32(p));
    a1 = xxh32_round(a1, rd32(p + 4));
    a2 = xxh32_round(a2, rd32(p + 8));
    a3 = xxh32_round(a3, rd32(p + 12));
    /* an empty asm statement that "changes" each lane: four scalars to the
       compiler, never one vector */
    __asm__("" : "+r"(a0), "+r"(a1), "+r"(a2), "+r"(a3));
  }
  acc[0] = a0, acc[1] = a1, acc[2] = a2, acc[3] = a3;
#undef xxh32_round
}

/* Steps 3-6: h is the converged (or short-input) value; p[0..n) the
 * remaining bytes (n < 16); total the input length. */
static uint32_t xxh32_finish(uint32_t h, const uint8_t *p, size_t n, uint64_t total) {
  h += (uint32_t)total;
  for (; n >= 4; n -= 4, p += 4) h = rotl32(h + rd32(p) * P32_3, 17) * P32_4;
  for (; n != 0; n--, p++) h = rotl32(h + *p * P32_5, 11) * P32_1;
  h ^= h >> 15;
  h *= P32_2;
  h ^= h >> 13;
  h *= P32_3;
  h ^= h >> 16;
  return h;
}

PW_INLINE uint32_t xxh32_converge(const uint32_t acc[4]) {
  return rotl32(acc[0], 1) + rotl32(acc[1], 7) + rotl32(acc[2], 12) + rotl32(acc[3], 18);
}

static void xxh32_piece(void *s, const uint8_t *p, size_t n) { pw_xxh32_update(s, p, n); }

uint32_t pw_xxh32(const void *data, size_t len, uint32_t seed) {
  const uint8_t *p = data;
  uint32_t h;
  if (len > PW_XXH_PIECE) {
    pw_xxh32_state s;
    pw_xxh32_reset(&s, seed);
    (void)pw_feed(data, len, PW_XXH_PIECE, xxh32_piece, &s);
    return pw_xxh32_digest(&s);
  }
  if (len >= 16) {
    uint32_t acc[4];
    xxh32_init(acc, seed);
    xxh32_stripes(acc, p, len / 16);
    h = xxh32_converge(acc);
  } else {
    h = seed + P32_5;
  }
  return xxh32_finish(h, p + (len & ~(size_t)15), len & 15, len);
}

void pw_xxh32_reset(pw_xxh32_state *s, uint32_t seed) {
  memset(s, 0, sizeof *s);
  s->seed = seed;
  xxh32_init(s->acc, seed);
}

void pw_xxh32_update(pw_xxh32_state *s, const uint8_t *data, size_t len) {
  s->total += len;
  if (len < 16 - s->buffered) {
    if (len) memcpy(s->buf + s->buffered, data, len);
    s->buffered += (uint32_t)len;
    return;
  }
  if (s->buffered) {
    size_t fill = 16 - s->buffered;
    memcpy(s->buf + s->buffered, data, fill);
    xxh32_stripes(s->acc, s->buf, 1);
    data += fill;
    len -= fill;
  }
  xxh32_stripes(s->acc, data, len / 16);
  s->buffered = (uint32_t)(len & 15);
  memcpy(s->buf, data + (len & ~(size_t)15), s->buffered);
}

uint32_t pw_xxh32_digest(const pw_xxh32_state *s) {
  uint32_t h = s->total >= 16 ? xxh32_converge(s->acc) : s->seed + P32_5;
  return xxh32_finish(h, s->buf, s->buffered, s->total);
}

/* ---------------------------------------------------------------------- */
/* XXH64                                                                  */
/* ---------------------------------------------------------------------- */

PW_INLINE uint64_t xxh64_round(uint64_t acc, uint64_t lane) {
  return rotl64(acc + lane * P64_2, 31) * P64_1;
}

PW_INLINE uint64_t xxh64_merge(uint64_t h, uint64_t acc) {
  return (h ^ xxh64_round(0, acc)) * P64_1 + P64_4;
}

static void xxh64_init(uint64_t acc[4], uint64_t seed) {
  acc[0] = seed + P64_1 + P64_2;
  acc[1] = seed + P64_2;
  acc[2] = seed;
  acc[3] = seed - P64_1;
}

/*
 * Keeps the four lanes in scalar registers. Where the lanes come from and
 * go back to memory (the streaming state, which the one-shot kernels now
 * use too), clang's SLP vectorizer pairs them into i64x2 multiplications,
 * which wasm emulates: the streaming update ran at 0.4x the one-shot's
 * speed. An empty asm that claims to change them stops the pairing.
 */
#ifdef __wasm_simd128__
#define PW_SCALAR_LANES(a, b, c, d) __asm__("" : "+r"(a), "+r"(b), "+r"(c), "+r"(d))
#else
#define PW_SCALAR_LANES(a, b, c, d) ((void)0)
#endif

/* Consumes n 32-byte stripes at p into the lanes. */
static void xxh64_stripes(uint64_t acc[4], const uint8_t *p, size_t n) {
  uint64_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
  for (; n != 0; n--, p += 32) {
    a0 = xxh64_round(a0, rd64(p));
    a1 = xxh64_round(a1, rd64(p + 8));
    a2 = xxh64_round(a2, rd64(p + 16));
    a3 = xxh64_round(a3, rd64(p + 24));
    PW_SCALAR_LANES(a0, a1, a2, a3);
  }
  acc[0] = a0, acc[1] = a1, acc[2] = a2, acc[3] = a3;
}

PW_INLINE uint64_t xxh64_converge(const uint64_t acc[4]) {
  uint64_t h = rotl64(acc[0], 1) + rotl64(acc[1], 7) + rotl64(acc[2], 12) + rotl64(acc[3], 18);
  for (int i = 0; i < 4; i++) h = xxh64_merge(h, acc[i]);
  return h;
}

/* The XXH64 avalanche (also XXH3's avalanche_XXH64). */
PW_INLINE uint64_t xxh64_avalanche(uint64_t h) {
  h ^= h >> 33;
  h *= P64_2;
  h ^= h >> 29;
  h *= P64_3;
  h ^= h >> 32;
  return h;
}

/* Steps 4-6 on the remaining p[0..n), n < 32. */
static uint64_t xxh64_finish(uint64_t h, const uint8_t *p, size_t n, uint64_t total) {
  h += total;
  for (; n >= 8; n -= 8, p += 8) h = rotl64(h ^ xxh64_round(0, rd64(p)), 27) * P64_1 + P64_4;
  if (n >= 4) {
    h = rotl64(h ^ (uint64_t)rd32(p) * P64_1, 23) * P64_2 + P64_3;
    p += 4;
    n -= 4;
  }
  for (; n != 0; n--, p++) h = rotl64(h ^ *p * P64_5, 11) * P64_1;
  return xxh64_avalanche(h);
}

static void xxh64_piece(void *s, const uint8_t *p, size_t n) { pw_xxh64_update(s, p, n); }

uint64_t pw_xxh64(const void *data, size_t len, uint64_t seed) {
  const uint8_t *p = data;
  uint64_t h;
  if (len > PW_XXH_PIECE) {
    pw_xxh64_state s;
    pw_xxh64_reset(&s, seed);
    (void)pw_feed(data, len, PW_XXH_PIECE, xxh64_piece, &s);
    return pw_xxh64_digest(&s);
  }
  if (len >= 32) {
    uint64_t acc[4];
    xxh64_init(acc, seed);
    xxh64_stripes(acc, p, len / 32);
    h = xxh64_converge(acc);
  } else {
    h = seed + P64_5;
  }
  return xxh64_finish(h, p + (len & ~(size_t)31), len & 31, len);
}

void pw_xxh64_reset(pw_xxh64_state *s, uint64_t seed) {
  memset(s, 0, sizeof *s);
  s->seed = seed;
  xxh64_init(s->acc, seed);
}

void pw_xxh64_update(pw_xxh64_state *s, const uint8_t *data, size_t len) {
  s->total += len;
  if (len < 32 - s->buffered) {
    if (len) memcpy(s->buf + s->buffered, data, len);
    s->buffered += (uint32_t)len;
    return;
  }
  if (s->buffered) {
    size_t fill = 32 - s->buffered;
    memcpy(s->buf + s->buffered, data, fill);
    xxh64_stripes(s->acc, s->buf, 1);
    data += fill;
    len -= fill;
  }
  xxh64_stripes(s->acc, data, len / 32);
  s->buffered = (uint32_t)(len & 31);
  memcpy(s->buf, data + (len & ~(size_t)31), s->buffered);
}

uint64_t pw_xxh64_digest(const pw_xxh64_state *s) {
  uint64_t h = s->total >= 32 ? xxh64_converge(s->acc) : s->seed + P64_5;
  return xxh64_finish(h, s->buf, s->buffered, s->total);
}

/* ---------------------------------------------------------------------- */
/* XXH3: secret and final mixes                                           */
/* ---------------------------------------------------------------------- */

/* The specification's default secret. */
static const uint8_t xxh3_secret[PW_XXH3_SECRET_SIZE] = {
    0xb8, 0xfe, 0x6c, 0x39, 0x23, 0xa4, 0x4b, 0xbe, 0x7c, 0x01, 0x81, 0x2c, 0xf7, 0x21, 0xad, 0x1c,
    0xde, 0xd4, 0x6d, 0xe9, 0x83, 0x90, 0x97, 0xdb, 0x72, 0x40, 0xa4, 0xa4, 0xb7, 0xb3, 0x67, 0x1f,
    0xcb, 0x79, 0xe6, 0x4e, 0xcc, 0xc0, 0xe5, 0x78, 0x82, 0x5a, 0xd0, 0x7d, 0xcc, 0xff, 0x72, 0x21,
    0xb8, 0x08, 0x46, 0x74, 0xf7, 0x43, 0x24, 0x8e, 0xe0, 0x35, 0x90, 0xe6, 0x81, 0x3a, 0x26, 0x4c,
    0x3c, 0x28, 0x52, 0xbb, 0x91, 0xc3, 0x00, 0xcb, 0x88, 0xd0, 0x65, 0x8b, 0x1b, 0x53, 0x2e, 0xa3,
    0x71, 0x64, 0x48, 0x97, 0xa2, 0x0d, 0xf9, 0x4e, 0x38, 0x19, 0xef, 0x46, 0xa9, 0xde, 0xac, 0xd8,
    0xa8, 0xfa, 0x76, 0x3f, 0xe3, 0x9c, 0x34, 0x3f, 0xf9, 0xdc, 0xbb, 0xc7, 0xc7, 0x0b, 0x4f, 0x1d,
    0x8a, 0x51, 0xe0, 0x4b, 0xcd, 0xb4, 0x59, 0x31, 0xc8, 0x9f, 0x7e, 0xc9, 0xd9, 0x78, 0x73, 0x64,
    0xea, 0xc5, 0xac, 0x83, 0x34, 0xd3, 0xeb, 0xc3, 0xc5, 0x81, 0xa0, 0xff, 0xfa, 0x13, 0x63, 0xeb,
    0x17, 0x0d, 0xdd, 0x51, 0xb7, 0xf0, 0xda, 0x49, 0xd3, 0x16, 0x55, 0x26, 0x29, 0xd4, 0x68, 0x9e,
    0x2b, 0x16, 0xbe, 0x58, 0x7d, 0x47, 0xa1, 0xfc, 0x8f, 0xf8, 0xb8, 0xd1, 0x7a, 0xd0, 0x31, 0xce,
    0x45, 0xcb, 0x3a, 0x8f, 0x95, 0x16, 0x04, 0x28, 0xaf, 0xd7, 0xfb, 0xca, 0xbb, 0x4b, 0x40, 0x7e,
};

#define XXH3_STRIPE 64
#define XXH3_STRIPES_PER_BLOCK ((PW_XXH3_SECRET_SIZE - 64) / 8) /* 16 */
#define XXH3_MIDSIZE_MAX 240
#define XXH3_LAST_STRIPE_KEY (PW_XXH3_SECRET_SIZE - 64 - 7) /* 121 */
#define XXH3_SCRAMBLE_KEY (PW_XXH3_SECRET_SIZE - 64)        /* 128 */

PW_INLINE void wr64(uint8_t *p, uint64_t v) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
#else
  memcpy(p, &v, 8);
#endif
}

/* The secret of a seed for inputs over 240 bytes: 64-bit words of the
 * default secret, seed added to the even ones and subtracted from the odd. */
static void xxh3_derive_secret(uint8_t out[PW_XXH3_SECRET_SIZE], uint64_t seed) {
  for (int i = 0; i < PW_XXH3_SECRET_SIZE; i += 16) {
    wr64(out + i, rd64(xxh3_secret + i) + seed);
    wr64(out + i + 8, rd64(xxh3_secret + i + 8) - seed);
  }
}

PW_INLINE uint64_t xxh3_avalanche(uint64_t h) {
  h ^= h >> 37;
  h *= PMX_1;
  return h ^ (h >> 32);
}

/* ---------------------------------------------------------------------- */
/* XXH3: 0 to 16 bytes                                                    */
/* ---------------------------------------------------------------------- */

static uint64_t xxh3_64_short(const uint8_t *p, size_t len, uint64_t seed) {
  const uint8_t *k = xxh3_secret;
  if (len > 8) {
    uint64_t lo = ((rd64(k + 24) ^ rd64(k + 32)) + seed) ^ rd64(p);
    uint64_t hi = ((rd64(k + 40) ^ rd64(k + 48)) - seed) ^ rd64(p + len - 8);
    return xxh3_avalanche(len + bswap64(lo) + hi + mulfold(lo, hi));
  }
  if (len >= 4) {
    uint64_t s = seed ^ (uint64_t)bswap32((uint32_t)seed) << 32;
    uint64_t v = ((rd64(k + 8) ^ rd64(k + 16)) - s) ^ ((uint64_t)rd32(p + len - 4) | (uint64_t)rd32(p) << 32);
    v ^= rotl64(v, 49) ^ rotl64(v, 24);
    v *= PMX_2;
    v ^= (v >> 35) + len;
    v *= PMX_2;
    return v ^ (v >> 28);
  }
  if (len > 0) {
    uint32_t c = (uint32_t)p[len - 1] | (uint32_t)len << 8 | (uint32_t)p[0] << 16 | (uint32_t)p[len >> 1] << 24;
    return xxh64_avalanche(((uint64_t)(rd32(k) ^ rd32(k + 4)) + seed) ^ c);
  }
  return xxh64_avalanche(seed ^ rd64(k + 56) ^ rd64(k + 64));
}

static pw_u128 xxh3_128_short(const uint8_t *p, size_t len, uint64_t seed) {
  const uint8_t *k = xxh3_secret;
  pw_u128 r;
  if (len > 8) {
    uint64_t first = rd64(p), last = rd64(p + len - 8);
    uint64_t v1 = ((rd64(k + 32) ^ rd64(k + 40)) - seed) ^ first ^ last;
    uint64_t v2 = ((rd64(k + 48) ^ rd64(k + 56)) + seed) ^ last;
    pw_u128 m = mul128(v1, P64_1);
    uint64_t lo = m.lo + ((uint64_t)(len - 1) << 54);
    uint64_t hi = m.hi + v2 + (v2 & 0xffffffffu) * (P32_2 - 1);
    lo ^= bswap64(hi);
    pw_u128 m2 = mul128(lo, P64_2);
    r.lo = xxh3_avalanche(m2.lo);
    r.hi = xxh3_avalanche(m2.hi + hi * P64_2);
    return r;
  }
  if (len >= 4) {
    uint64_t s = seed ^ (uint64_t)bswap32((uint32_t)seed) << 32;
    uint64_t v = ((rd64(k + 16) ^ rd64(k + 24)) + s) ^ ((uint64_t)rd32(p) | (uint64_t)rd32(p + len - 4) << 32);
    pw_u128 m = mul128(v, P64_1 + ((uint64_t)len << 2));
    uint64_t hi = m.hi + (m.lo << 1), lo = m.lo ^ (hi >> 3);
    lo ^= lo >> 35;
    lo *= PMX_2;
    r.lo = lo ^ (lo >> 28);
    r.hi = xxh3_avalanche(hi);
    return r;
  }
  if (len > 0) {
    uint32_t c = (uint32_t)p[len - 1] | (uint32_t)len << 8 | (uint32_t)p[0] << 16 | (uint32_t)p[len >> 1] << 24;
    r.lo = xxh64_avalanche(((uint64_t)(rd32(k) ^ rd32(k + 4)) + seed) ^ c);
    r.hi = xxh64_avalanche(((uint64_t)(rd32(k + 8) ^ rd32(k + 12)) - seed) ^ rotl32(bswap32(c), 13));
    return r;
  }
  r.lo = xxh64_avalanche(seed ^ rd64(k + 64) ^ rd64(k + 72));
  r.hi = xxh64_avalanche(seed ^ rd64(k + 80) ^ rd64(k + 88));
  return r;
}

/* ---------------------------------------------------------------------- */
/* XXH3: 17 to 240 bytes                                                  */
/* ---------------------------------------------------------------------- */

/* The mixing step on 16 bytes of input p and of secret k. */
PW_INLINE uint64_t xxh3_mix16(const uint8_t *p, const uint8_t *k, uint64_t seed) {
  return mulfold(rd64(p) ^ (rd64(k) + seed), rd64(p + 8) ^ (rd64(k + 8) - seed));
}

static uint64_t xxh3_64_mid(const uint8_t *p, size_t len, uint64_t seed) {
  const uint8_t *k = xxh3_secret;
  uint64_t acc = len * P64_1;
  if (len <= 128) {
    for (size_t i = 0; i < (len - 1) / 32 + 1; i++) {
      acc += xxh3_mix16(p + 16 * i, k + 32 * i, seed);
      acc += xxh3_mix16(p + len - 16 - 16 * i, k + 32 * i + 16, seed);
    }
    return xxh3_avalanche(acc);
  }
  for (size_t i = 0; i < 8; i++) acc += xxh3_mix16(p + 16 * i, k + 16 * i, seed);
  acc = xxh3_avalanche(acc);
  for (size_t i = 8; i < len / 16; i++) acc += xxh3_mix16(p + 16 * i, k + 16 * (i - 8) + 3, seed);
  acc += xxh3_mix16(p + len - 16, k + 136 - 17, seed);
  return xxh3_avalanche(acc);
}

/* mixTwoChunks of the specification on the pair acc[0..1]. */
PW_INLINE void xxh3_mix32(uint64_t acc[2], const uint8_t *a, const uint8_t *b, const uint8_t *k,
                          uint64_t seed) {
  acc[0] += xxh3_mix16(a, k, seed);
  acc[1] += xxh3_mix16(b, k + 16, seed);
  acc[0] ^= rd64(b) + rd64(b + 8);
  acc[1] ^= rd64(a) + rd64(a + 8);
}

static pw_u128 xxh3_128_mid(const uint8_t *p, size_t len, uint64_t seed) {
  const uint8_t *k = xxh3_secret;
  uint64_t acc[2] = {len * P64_1, 0};
  if (len <= 128) {
    for (size_t i = (len - 1) / 32 + 1; i-- > 0;)
      xxh3_mix32(acc, p + 16 * i, p + len - 16 - 16 * i, k + 32 * i, seed);
  } else {
    for (size_t i = 0; i < 4; i++) xxh3_mix32(acc, p + 32 * i, p + 32 * i + 16, k + 32 * i, seed);
    acc[0] = xxh3_avalanche(acc[0]);
    acc[1] = xxh3_avalanche(acc[1]);
    for (size_t i = 4; i < len / 32; i++)
      xxh3_mix32(acc, p + 32 * i, p + 32 * i + 16, k + 32 * (i - 4) + 3, seed);
    xxh3_mix32(acc, p + len - 16, p + len - 32, k + 136 - 1 - 32, 0 - seed);
  }
  pw_u128 r;
  r.lo = xxh3_avalanche(acc[0] + acc[1]);
  r.hi = 0 - xxh3_avalanche(acc[0] * P64_1 + acc[1] * P64_4 + (len - seed) * P64_2);
  return r;
}

/* ---------------------------------------------------------------------- */
/* XXH3: over 240 bytes (stripes, blocks, scramble)                       */
/* ---------------------------------------------------------------------- */

static const uint64_t xxh3_acc_init[8] = {P32_3, P64_1, P64_2, P64_3, P64_4, P32_2, P64_5, P32_1};

#ifdef __wasm_simd128__

/* One stripe p with key k: the products into the accumulator pairs a[0..3],
 * the input lanes, unswapped, into sum[0..3]. */
PW_INLINE void xxh3_stripe_v(v128_t a[4], v128_t sum[4], const uint8_t *p, const uint8_t *k) {
  for (int j = 0; j < 4; j += 2) {
    v128_t d0 = wasm_v128_load(p + 16 * j), d1 = wasm_v128_load(p + 16 * j + 16);
    v128_t x0 = wasm_v128_xor(d0, wasm_v128_load(k + 16 * j));
    v128_t x1 = wasm_v128_xor(d1, wasm_v128_load(k + 16 * j + 16));
    v128_t lo = wasm_i32x4_shuffle(x0, x1, 0, 2, 4, 6); /* low halves of x0, x1 lanes */
    v128_t hi = wasm_i32x4_shuffle(x0, x1, 1, 3, 5, 7); /* high halves */
    sum[j] = wasm_i64x2_add(sum[j], d0);
    sum[j + 1] = wasm_i64x2_add(sum[j + 1], d1);
    a[j] = wasm_i64x2_add(a[j], wasm_u64x2_extmul_low_u32x4(lo, hi));
    a[j + 1] = wasm_i64x2_add(a[j + 1], wasm_u64x2_extmul_high_u32x4(lo, hi));
  }
}

/* n stripes at p, the i-th keyed by k + 8 i. The input lanes go to the
 * other accumulator of their pair (acc[i ^ 1] += lane): summed as they are,
 * swapped once at the end. */
static void xxh3_accumulate(uint64_t acc[8], const uint8_t *p, size_t n, const uint8_t *k) {
  v128_t a[4], sum[4];
  for (int j = 0; j < 4; j++) {
    a[j] = wasm_v128_load(acc + 2 * j);
    sum[j] = wasm_i64x2_const(0, 0);
  }
  for (; n != 0; n--, p += XXH3_STRIPE, k += 8) xxh3_stripe_v(a, sum, p, k);
  for (int j = 0; j < 4; j++)
    wasm_v128_store(acc + 2 * j, wasm_i64x2_add(a[j], wasm_i64x2_shuffle(sum[j], sum[j], 1, 0)));
}

static void xxh3_scramble(uint64_t acc[8], const uint8_t *k) {
  const v128_t prime = wasm_i64x2_splat(P32_1);
  for (int j = 0; j < 4; j++) {
    v128_t a = wasm_v128_load(acc + 2 * j);
    a = wasm_v128_xor(a, wasm_u64x2_shr(a, 47));
    a = wasm_v128_xor(a, wasm_v128_load(k + 16 * j));
    wasm_v128_store(acc + 2 * j, wasm_i64x2_mul(a, prime));
  }
}

#else

static void xxh3_accumulate(uint64_t acc[8], const uint8_t *p, size_t n, const uint8_t *k) {
  uint64_t a[8];
  memcpy(a, acc, sizeof a);
  for (; n != 0; n--, p += XXH3_STRIPE, k += 8) {
    for (int i = 0; i < 8; i++) {
      uint64_t d = rd64(p + 8 * i), x = d ^ rd64(k + 8 * i);
      a[i ^ 1] += d;
      a[i] += (uint64_t)(uint32_t)x * (uint32_t)(x >> 32); /* widening multiply */
    }
  }
  memcpy(acc, a, sizeof a);
}

static void xxh3_scramble(uint64_t acc[8], const uint8_t *k) {
  for (int i = 0; i < 8; i++) {
    uint64_t a = acc[i];
    acc[i] = (a ^ (a >> 47) ^ rd64(k + 8 * i)) * P32_1;
  }
}

#endif

/* Accumulates n stripes at p, continuing at stripe *pos of the current
 * block; scrambles at the end of each block (the caller guarantees that
 * more input follows these stripes). */
static void xxh3_consume(uint64_t acc[8], uint32_t *pos, const uint8_t *p, size_t n,
                         const uint8_t *secret) {
  while (n != 0) {
    size_t take = XXH3_STRIPES_PER_BLOCK - *pos;
    if (take > n) take = n;
    xxh3_accumulate(acc, p, take, secret + 8 * *pos);
    p += take * XXH3_STRIPE;
    n -= take;
    *pos += (uint32_t)take;
    if (*pos == XXH3_STRIPES_PER_BLOCK) {
      xxh3_scramble(acc, secret + XXH3_SCRAMBLE_KEY);
      *pos = 0;
    }
  }
}

/* finalMerge of the specification. */
static uint64_t xxh3_merge(const uint64_t acc[8], const uint8_t *k, uint64_t h) {
  for (int i = 0; i < 4; i++) h += mulfold(acc[2 * i] ^ rd64(k + 16 * i), acc[2 * i + 1] ^ rd64(k + 16 * i + 8));
  return xxh3_avalanche(h);
}

/* The accumulators after all of p[0..len), len > 240, last stripe included. */
static void xxh3_long(uint64_t acc[8], const uint8_t *p, size_t len, const uint8_t *secret) {
  uint32_t pos = 0;
  memcpy(acc, xxh3_acc_init, sizeof xxh3_acc_init);
  xxh3_consume(acc, &pos, p, (len - 1) / XXH3_STRIPE, secret);
  xxh3_accumulate(acc, p + len - XXH3_STRIPE, 1, secret + XXH3_LAST_STRIPE_KEY);
}

/* 64- and 128-bit results from the final accumulators. */
static uint64_t xxh3_64_final(const uint64_t acc[8], const uint8_t *secret, uint64_t len) {
  return xxh3_merge(acc, secret + 11, len * P64_1);
}

static pw_u128 xxh3_128_final(const uint64_t acc[8], const uint8_t *secret, uint64_t len) {
  pw_u128 r;
  r.lo = xxh3_merge(acc, secret + 11, len * P64_1);
  r.hi = xxh3_merge(acc, secret + PW_XXH3_SECRET_SIZE - 64 - 11, ~(len * P64_2));
  return r;
}

/* ---------------------------------------------------------------------- */
/* XXH3: one-shot                                                         */
/* ---------------------------------------------------------------------- */

static void xxh3_piece(void *s, const uint8_t *p, size_t n) { pw_xxh3_update(s, p, n); }

uint64_t pw_xxh3(const void *data, size_t len, uint64_t seed) {
  const uint8_t *p = data;
  if (len <= 16) return xxh3_64_short(p, len, seed);
  if (len <= XXH3_MIDSIZE_MAX) return xxh3_64_mid(p, len, seed);
  if (len > PW_XXH_PIECE) {
    pw_xxh3_state s;
    pw_xxh3_reset(&s, seed);
    (void)pw_feed(data, len, PW_XXH_PIECE, xxh3_piece, &s);
    return pw_xxh3_digest64(&s);
  }
  uint8_t derived[PW_XXH3_SECRET_SIZE];
  const uint8_t *secret = xxh3_secret;
  if (seed != 0) {
    xxh3_derive_secret(derived, seed);
    secret = derived;
  }
  uint64_t acc[8];
  xxh3_long(acc, p, len, secret);
  return xxh3_64_final(acc, secret, len);
}

pw_u128 pw_xxh128(const void *data, size_t len, uint64_t seed) {
  const uint8_t *p = data;
  if (len <= 16) return xxh3_128_short(p, len, seed);
  if (len <= XXH3_MIDSIZE_MAX) return xxh3_128_mid(p, len, seed);
  if (len > PW_XXH_PIECE) {
    pw_xxh3_state s;
    pw_xxh3_reset(&s, seed);
    (void)pw_feed(data, len, PW_XXH_PIECE, xxh3_piece, &s);
    return pw_xxh3_digest128(&s);
  }
  uint8_t derived[PW_XXH3_SECRET_SIZE];
  const uint8_t *secret = xxh3_secret;
  if (seed != 0) {
    xxh3_derive_secret(derived, seed);
    secret = derived;
  }
  uint64_t acc[8];
  xxh3_long(acc, p, len, secret);
  return xxh3_128_final(acc, secret, len);
}

/* ---------------------------------------------------------------------- */
/* XXH3: streaming                                                        */
/* ---------------------------------------------------------------------- */

void pw_xxh3_reset(pw_xxh3_state *s, uint64_t seed) {
  /* buf is not cleared: no byte of it is read before it is written */
  s->total = 0;
  s->seed = seed;
  s->buffered = 0;
  s->stripes = 0;
  memcpy(s->acc, xxh3_acc_init, sizeof xxh3_acc_init);
  xxh3_derive_secret(s->secret, seed); /* seed 0 gives the default secret */
}

void pw_xxh3_update(pw_xxh3_state *s, const uint8_t *data, size_t len) {
  uint8_t *const buf = s->buf + 64;
  s->total += len;
  if (len <= PW_XXH3_BUFFER_SIZE - s->buffered) { /* no input follows yet */
    if (len) memcpy(buf + s->buffered, data, len);
    s->buffered += (uint32_t)len;
    return;
  }
  if (s->buffered != 0) { /* fill the buffer: input follows it, consume it */
    size_t fill = PW_XXH3_BUFFER_SIZE - s->buffered;
    memcpy(buf + s->buffered, data, fill);
    data += fill;
    len -= fill;
    xxh3_consume(s->acc, &s->stripes, buf, PW_XXH3_BUFFER_SIZE / XXH3_STRIPE, s->secret);
    memcpy(s->buf, buf + PW_XXH3_BUFFER_SIZE - 64, 64);
  }
  if (len > PW_XXH3_BUFFER_SIZE) { /* every stripe but the last 1..64 bytes */
    size_t n = (len - 1) / XXH3_STRIPE;
    xxh3_consume(s->acc, &s->stripes, data, n, s->secret);
    memcpy(s->buf, data + n * XXH3_STRIPE - 64, 64);
    data += n * XXH3_STRIPE;
    len -= n * XXH3_STRIPE;
  }
  memcpy(buf, data, len); /* 1..256 bytes */
  s->buffered = (uint32_t)len;
}

/* The accumulators at the end of the input fed to s (total > 240). */
static void xxh3_state_final_acc(const pw_xxh3_state *s, uint64_t acc[8]) {
  const uint8_t *buf = s->buf + 64;
  uint32_t pos = s->stripes;
  size_t b = s->buffered; /* >= 1 */
  memcpy(acc, s->acc, sizeof s->acc);
  xxh3_consume(acc, &pos, buf, (b - 1) / XXH3_STRIPE, s->secret);
  xxh3_accumulate(acc, buf + b - XXH3_STRIPE, 1, s->secret + XXH3_LAST_STRIPE_KEY);
}

uint64_t pw_xxh3_digest64(const pw_xxh3_state *s) {
  if (s->total <= XXH3_MIDSIZE_MAX) return pw_xxh3(s->buf + 64, (size_t)s->total, s->seed);
  uint64_t acc[8];
  xxh3_state_final_acc(s, acc);
  return xxh3_64_final(acc, s->secret, s->total);
}

pw_u128 pw_xxh3_digest128(const pw_xxh3_state *s) {
  if (s->total <= XXH3_MIDSIZE_MAX) return pw_xxh128(s->buf + 64, (size_t)s->total, s->seed);
  uint64_t acc[8];
  xxh3_state_final_acc(s, acc);
  return xxh3_128_final(acc, s->secret, s->total);
}
