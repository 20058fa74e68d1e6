/*
 * hash.c — one streaming interface over every hash and checksum, and
 * hashing many inputs at once (see include/parawasm/hash.h).
 *
 * A state is PW_HASH_STATE_SIZE bytes of heap that JS allocates: a small
 * header (a magic word, the algorithm) and the algorithm's own state. Any
 * pool thread may run the next update of a state; JS orders them.
 *
 * Cancellation: the checksums (which split their input across the pool)
 * and BLAKE3 stop at their next chunk by themselves; the other algorithms
 * are fed through pw_feed, which checks between 1 MiB pieces. A state left
 * by a cancelled update is partial: JS fails every later step of that hash.
 */
#include <stdbool.h>
#include <string.h>

#include "parawasm.h"
#include "parawasm/hash.h"

#include "blake3.h"
#include "legacy.h"
#include "sha2.h"
#include "simd.h"
#include "xxhash.h"

#define HASH_MAGIC UINT32_C(0x70776873) /* "pwhs" */

typedef struct hash_state {
  uint32_t magic;
  uint32_t alg;
  uint32_t pad[2];
  union {
    uint32_t running; /* crc32, crc32c, adler32 */
    pw_xxh32_state xxh32;
    pw_xxh64_state xxh64;
    pw_xxh3_state xxh3; /* xxh3 and xxh128 */
    pw_md5_state md5;
    pw_sha1_state sha1;
    pw_sha256_state sha256; /* sha256 and sha224 */
    pw_blake3_state blake3;
  } u;
} hash_state;

_Static_assert(sizeof(hash_state) <= PW_HASH_STATE_SIZE, "PW_HASH_STATE_SIZE is too small");

/* Digest size of each algorithm (blake3: its default output length). */
static size_t digest_size(uint32_t alg) {
  switch (alg) {
#define PW_HASH_SIZE_(name, id, js, bytes, kind) \
  case id:                                       \
    return bytes;
    PW_HASH_LIST(PW_HASH_SIZE_)
#undef PW_HASH_SIZE_
  default:
    return 0;
  }
}

static void put_be64(uint8_t *p, uint64_t v) {
  pw_store32be(p, (uint32_t)(v >> 32));
  pw_store32be(p + 4, (uint32_t)v);
}

/* Starts s; checks the arguments. */
static pw_status start(hash_state *s, uint32_t alg, uint64_t seed, uint32_t mode, const uint8_t *key,
                       size_t key_len) {
  if (digest_size(alg) == 0) return PW_EINVAL;
  if (mode != PW_HASH_PLAIN && alg != PW_HASH_BLAKE3) return PW_EINVAL;
  if (mode == PW_HASH_PLAIN && key_len != 0) return PW_EINVAL;
  bool seeded = alg == PW_HASH_XXH32 || alg == PW_HASH_XXH64 || alg == PW_HASH_XXH3 || alg == PW_HASH_XXH128;
  if (seed != 0 && !seeded) return PW_EINVAL;
  if (alg == PW_HASH_XXH32 && seed > UINT32_MAX) return PW_EINVAL;
  memset(s, 0, sizeof *s);
  s->magic = HASH_MAGIC;
  s->alg = alg;
  switch (alg) {
  case PW_HASH_CRC32:
  case PW_HASH_CRC32C: s->u.running = 0; break;
  case PW_HASH_ADLER32: s->u.running = 1; break;
  case PW_HASH_XXH32: pw_xxh32_reset(&s->u.xxh32, (uint32_t)seed); break;
  case PW_HASH_XXH64: pw_xxh64_reset(&s->u.xxh64, seed); break;
  case PW_HASH_XXH3:
  case PW_HASH_XXH128: pw_xxh3_reset(&s->u.xxh3, seed); break;
  case PW_HASH_MD5: pw_md5_init(&s->u.md5); break;
  case PW_HASH_SHA1: pw_sha1_init(&s->u.sha1); break;
  case PW_HASH_SHA224: pw_sha224_init(&s->u.sha256); break;
  case PW_HASH_SHA256: pw_sha256_init(&s->u.sha256); break;
  case PW_HASH_BLAKE3:
    if (mode == PW_HASH_PLAIN) {
      pw_blake3_init(&s->u.blake3);
    } else if (mode == PW_HASH_KEYED) {
      if (key_len != 32) return PW_EINVAL;
      pw_blake3_init_keyed(&s->u.blake3, key);
    } else if (mode == PW_HASH_DERIVE_KEY) {
      pw_blake3_init_derive_key(&s->u.blake3, key, key_len);
    } else {
      return PW_EINVAL;
    }
    break;
  }
  return PW_OK;
}

static void feed_now(hash_state *s, const uint8_t *data, size_t len) {
  switch (s->alg) {
  case PW_HASH_CRC32: s->u.running = pw_crc32(data, len, s->u.running); break;
  case PW_HASH_CRC32C: s->u.running = pw_crc32c(data, len, s->u.running); break;
  case PW_HASH_ADLER32: s->u.running = pw_adler32(data, len, s->u.running); break;
  case PW_HASH_XXH32: pw_xxh32_update(&s->u.xxh32, data, len); break;
  case PW_HASH_XXH64: pw_xxh64_update(&s->u.xxh64, data, len); break;
  case PW_HASH_XXH3:
  case PW_HASH_XXH128: pw_xxh3_update(&s->u.xxh3, data, len); break;
  case PW_HASH_MD5: pw_md5_update(&s->u.md5, data, len); break;
  case PW_HASH_SHA1: pw_sha1_update(&s->u.sha1, data, len); break;
  case PW_HASH_SHA224:
  case PW_HASH_SHA256: pw_sha256_update(&s->u.sha256, data, len); break;
  case PW_HASH_BLAKE3: pw_blake3_update(&s->u.blake3, data, len); break;
  }
}

static void feed_piece(void *s, const uint8_t *p, size_t n) { feed_now(s, p, n); }

/* Feeds data to s; stops early when the call is cancelled (see the top). */
static void feed(hash_state *s, const uint8_t *data, size_t len) {
  switch (s->alg) {
  case PW_HASH_CRC32:
  case PW_HASH_CRC32C:
  case PW_HASH_ADLER32:
  case PW_HASH_BLAKE3: feed_now(s, data, len); break;
  default: (void)pw_feed(data, len, 0, feed_piece, s); break;
  }
}

/* Writes the digest; out_len is checked by the caller. */
static void finish(const hash_state *s, uint8_t *out, size_t out_len) {
  switch (s->alg) {
  case PW_HASH_CRC32:
  case PW_HASH_CRC32C:
  case PW_HASH_ADLER32: pw_store32be(out, s->u.running); break;
  case PW_HASH_XXH32: pw_store32be(out, pw_xxh32_digest(&s->u.xxh32)); break;
  case PW_HASH_XXH64: put_be64(out, pw_xxh64_digest(&s->u.xxh64)); break;
  case PW_HASH_XXH3: put_be64(out, pw_xxh3_digest64(&s->u.xxh3)); break;
  case PW_HASH_XXH128: {
    pw_u128 h = pw_xxh3_digest128(&s->u.xxh3);
    put_be64(out, h.hi);
    put_be64(out + 8, h.lo);
    break;
  }
  case PW_HASH_MD5: pw_md5_final(&s->u.md5, out); break;
  case PW_HASH_SHA1: pw_sha1_final(&s->u.sha1, out); break;
  case PW_HASH_SHA224:
  case PW_HASH_SHA256: pw_sha256_final(&s->u.sha256, out); break;
  case PW_HASH_BLAKE3: pw_blake3_finalize(&s->u.blake3, 0, out, out_len); break;
  }
}

/* The state in a caller's buffer, or NULL if it does not hold one. */
static hash_state *state_of(uint8_t *p, size_t len) {
  if (p == NULL || len < PW_HASH_STATE_SIZE) return NULL;
  hash_state *s = (hash_state *)(void *)p;
  return s->magic == HASH_MAGIC && digest_size(s->alg) != 0 ? s : NULL;
}

static bool out_len_ok(uint32_t alg, size_t out_len) {
  return alg == PW_HASH_BLAKE3 || out_len == digest_size(alg);
}

pw_status pw_hash_init(uint8_t *state, size_t state_len, uint32_t alg, uint64_t seed, uint32_t mode,
                       const void *key, size_t key_len) {
  if (state == NULL || state_len < PW_HASH_STATE_SIZE) return PW_EINVAL;
  return start((hash_state *)(void *)state, alg, seed, mode, key, key_len);
}

pw_status pw_hash_update(uint8_t *state, size_t state_len, const void *data, size_t len) {
  hash_state *s = state_of(state, state_len);
  if (s == NULL) return PW_EINVAL;
  if (len) feed(s, data, len);
  return PW_OK;
}

pw_status pw_hash_digest(const uint8_t *state, size_t state_len, uint8_t *out, size_t out_len) {
  hash_state *s = state_of((uint8_t *)state, state_len);
  if (s == NULL || !out_len_ok(s->alg, out_len)) return PW_EINVAL;
  if (out_len) finish(s, out, out_len);
  return PW_OK;
}

/* ------------------------------------------------------------------------ */
/* Many inputs                                                              */
/* ------------------------------------------------------------------------ */

typedef struct many_job {
  const hash_state *proto; /* started state, copied for each input */
  const uint64_t *items;
  uint8_t *out;
  size_t digest_len;
} many_job;

static void many_range(void *ctx, size_t begin, size_t end) {
  const many_job *j = ctx;
  hash_state s;
  for (size_t i = begin; i < end; i++) {
    memcpy(&s, j->proto, sizeof s);
    size_t len = (size_t)j->items[2 * i + 1];
    if (len) feed(&s, (const uint8_t *)(uintptr_t)j->items[2 * i], len);
    if (j->digest_len) finish(&s, j->out + i * j->digest_len, j->digest_len);
  }
}

pw_status pw_hash_many(uint32_t alg, uint64_t seed, uint32_t mode, const void *key, size_t key_len,
                       const uint64_t *items, size_t n2, uint8_t *out, size_t out_len) {
  if (n2 % 2) return PW_EINVAL;
  size_t n = n2 / 2;
  hash_state proto;
  pw_status st = start(&proto, alg, seed, mode, key, key_len);
  if (st != PW_OK) return st;
  if (n == 0) return out_len == 0 ? PW_OK : PW_EINVAL;
  if (out_len % n) return PW_EINVAL;
  size_t digest_len = out_len / n;
  if (!out_len_ok(alg, digest_len)) return PW_EINVAL;
  uint64_t total = 0;
  for (size_t i = 0; i < n; i++) {
    if (items[2 * i + 1] > SIZE_MAX) return PW_EINVAL;
    total += items[2 * i + 1];
  }
  /* Chunks of about 256 KiB of input, and at least 4 per thread when the
     inputs are few and large (a large one also splits itself: blake3). */
  uint64_t avg = total / n + 64; /* + the per-input cost */
  size_t grain = (size_t)((UINT64_C(256) << 10) / avg) + 1;
  size_t spread = pw_chunks(n, 4 * (size_t)pw_concurrency());
  if (grain > spread) grain = spread ? spread : 1;
  many_job job = {&proto, items, out, digest_len};
  return pw_parallel_for(n, grain, many_range, &job);
}
