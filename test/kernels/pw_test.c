/* Test-only kernels: see pw_test.h. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, nanosleep */
#include "pw_test.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void pw_test_noop(void) {}

void pw_test_trap(uint32_t kind) {
  if (kind == 3) {
    fprintf(stderr, "pw_test_trap: about to abort\n");
    abort();
  }
  if (kind == 1) abort();
  if (kind == 4) exit(3);
  if (kind == 2) {
    volatile uint8_t *far = (volatile uint8_t *)(uintptr_t)0xfffffff0u;
    (void)*far;
  }
  __builtin_trap();
}

uint32_t pw_test_stack_trap(uint32_t seed, bool trap) {
  volatile uint8_t big[65536];
  for (size_t i = 0; i < sizeof big; i++) big[i] = (uint8_t)seed;
  if (trap) __builtin_trap();
  uint32_t sum = 0;
  for (size_t i = 0; i < sizeof big; i++) sum += big[i];
  return sum;
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

typedef struct {
  double ms_per_chunk;
  _Atomic uint32_t ran;
} spin_ctx;

static void spin_body(void *vctx, size_t begin, size_t end) {
  spin_ctx *ctx = vctx;
  for (size_t i = begin; i < end; i++) {
    double until = now_ms() + ctx->ms_per_chunk;
    while (now_ms() < until && !pw_cancelled()) {
    }
    atomic_fetch_add(&ctx->ran, 1);
  }
}

uint32_t pw_test_spin(uint32_t ms, uint32_t chunks) {
  if (chunks == 0) chunks = 1;
  spin_ctx ctx = {.ms_per_chunk = (double)ms / chunks};
  atomic_init(&ctx.ran, 0);
  pw_parallel_for(chunks, 1, spin_body, &ctx);
  return atomic_load(&ctx.ran);
}

typedef struct {
  uint32_t *gate;
  _Atomic uint32_t released;
} hold_ctx;

static void hold_body(void *vctx, size_t begin, size_t end) {
  hold_ctx *ctx = vctx;
  /* sleeps, not a busy loop: a held thread leaves its core to the rest of
     the machine (a loaded CI host, the browser that a test drives) */
  const struct timespec nap = {0, 50 * 1000}; /* 50 us */
  for (size_t i = begin; i < end; i++) {
    __atomic_fetch_add(&ctx->gate[1], 1, __ATOMIC_ACQ_REL);
    for (;;) {
      if (__atomic_load_n(ctx->gate, __ATOMIC_ACQUIRE) != PW_TEST_HOLD) {
        atomic_fetch_add(&ctx->released, 1);
        break;
      }
      if (pw_cancelled()) return;
      nanosleep(&nap, NULL);
    }
  }
}

pw_status pw_test_hold(uint32_t *gate, size_t words, uint32_t chunks) {
  if (words < 2) return PW_EINVAL;
  if (chunks == 0) chunks = 1;
  hold_ctx ctx = {.gate = gate};
  atomic_init(&ctx.released, 0);
  pw_parallel_for(chunks, 1, hold_body, &ctx);
  return (pw_status)atomic_load(&ctx.released);
}

uint64_t pw_test_sum_u32(const uint32_t *data, size_t n) {
  uint64_t s = 0;
  for (size_t i = 0; i < n; i++) s += data[i];
  return s;
}

uint32_t pw_test_chain_u32(const uint32_t *data, size_t n, uint32_t h) {
  for (size_t i = 0; i < n; i++) h = h * 31u + data[i];
  return h;
}

void pw_test_scale_f64(double *x, size_t n, double k) {
  for (size_t i = 0; i < n; i++) x[i] *= k;
}

pw_status pw_test_add_i32(const int32_t *a, const int32_t *b, int32_t *out, size_t n) {
  for (size_t i = 0; i < n; i++) out[i] = (int32_t)((uint32_t)a[i] + (uint32_t)b[i]);
  return (pw_status)n;
}

pw_status pw_test_status(int32_t s) { return s; }

int64_t pw_test_scalars(int8_t a, uint16_t b, int32_t c, uint64_t d, int64_t e, float f, double g,
                        bool h) {
  /* each term stays recognisable in the result */
  return (int64_t)a + (int64_t)b * 1000 + (int64_t)c + (int64_t)(d >> 1) + e +
         (int64_t)(f * 4.0f) + (int64_t)(g * 8.0) + (h ? 1000000 : 0);
}

uint32_t pw_test_grow(size_t bytes) {
  uint8_t *p = malloc(bytes);
  if (!p) return 0;
  memset(p, 0xab, bytes);
  uint32_t ok = p[bytes ? bytes - 1 : 0] == 0xab || bytes == 0;
  free(p);
  return ok;
}

typedef struct {
  uint32_t depth, width;
  _Atomic uint64_t leaves;
} nest_ctx;

static void nest_level(nest_ctx *ctx, uint32_t depth);

static void nest_body(void *vctx, size_t begin, size_t end) {
  nest_ctx *ctx = vctx;
  (void)begin;
  (void)end;
  nest_level(ctx, ctx->depth);
}

static void nest_level(nest_ctx *ctx, uint32_t depth) {
  if (depth == 0) {
    atomic_fetch_add(&ctx->leaves, 1);
    return;
  }
  nest_ctx child = {.depth = depth - 1, .width = ctx->width};
  atomic_init(&child.leaves, 0);
  pw_parallel_for(ctx->width, 1, nest_body, &child);
  atomic_fetch_add(&ctx->leaves, atomic_load(&child.leaves));
}

uint64_t pw_test_nested(uint32_t depth, uint32_t width) {
  nest_ctx root = {.depth = depth, .width = width};
  atomic_init(&root.leaves, 0);
  nest_level(&root, depth);
  return atomic_load(&root.leaves);
}

pw_status pw_test_iota(uint16_t *out, uint32_t n, uint16_t start) {
  if (start == 0xffff) return PW_ERANGE;
  for (uint32_t i = 0; i < n; i++) out[i] = (uint16_t)(start + i);
  return PW_OK;
}

pw_status pw_test_result(uint32_t bytes, bool fail, pw_result *out) {
  uint8_t *p = pw_result_resize(out, bytes);
  if (p == NULL && bytes != 0) return PW_ENOMEM;
  for (uint32_t i = 0; i < bytes; i++) p[i] = (uint8_t)i;
  return fail ? PW_ERANGE : PW_OK;
}

pw_status pw_test_iota3(uint16_t *lo, double *sq, uint8_t *odd, uint32_t n, uint16_t start) {
  if (start == 0xffff) return PW_ERANGE;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t v = (uint32_t)start + i;
    lo[i] = (uint16_t)v;
    sq[i] = (double)v * (double)v / 4.0;
    odd[i] = (uint8_t)(v & 1u);
  }
  return PW_OK;
}

void pw_test_tag(const void *key_, const char *text, size_t len, uint8_t *out) {
  const uint8_t *key = key_;
  uint32_t h = 0x811c9dc5u;
  for (size_t i = 0; i < len; i++) h = (h ^ (uint8_t)text[i]) * 0x01000193u;
  memcpy(out, key, 4);
  for (int i = 0; i < 4; i++) out[4 + i] = (uint8_t)(h >> (24 - 8 * i));
}

void pw_test_partial(uint32_t n, uint8_t *out) {
  for (uint32_t i = 0; i < n && i < 16; i++) out[i] = 0xa5;
}

pw_u128 pw_test_u128(uint64_t hi, uint64_t lo) {
  pw_u128 r = {lo, hi};
  return r;
}

uint32_t pw_test_hidden(uint32_t x) { return 2 * x; }

uint32_t pw_test_named_run(uint32_t x) { return 2 * x + 1; }

uint32_t pw_test_named_heap(uint32_t x) { return 3 * x; }

uint64_t pw_test_range64(uint64_t h, int64_t g) { return h + (uint64_t)g; }
