/*
 * test_nomem.c — every allocation a kernel makes may fail: the kernel then
 * either finishes with the same result (it had a way without that memory)
 * or reports PW_ENOMEM with its input as it was, and in both cases leaks
 * nothing.
 *
 * How: the program is linked with --wrap for malloc, calloc,
 * realloc, aligned_alloc, posix_memalign and free (the Makefile's WRAP_nomem, native builds, the
 * serial runtime), so every allocation of the kernels, the runtime and the
 * codec library comes here first. A kernel runs once as is, counting its
 * allocations (A) and keeping its result; then A more times, the f-th run
 * with the f-th allocation refused (f = 0 .. A-1; where A is in the
 * thousands, as for stb's PNG encoder, the first 64 and 192 spread over
 * the rest). Each refused run must
 * return PW_OK with the same bytes as the first run, or PW_ENOMEM with the
 * input bytes unchanged (the in-place sorts: "x unchanged", array.h); and
 * the allocations still live after it (the test frees the pw_result
 * buffers it was given) must be none. The fake-pool, 32-bit and wasm
 * builds of this file report it skipped (the fake pool allocates in
 * pw_parallel_for, from this file, with an allocator that exits).
 *
 * Some refusals must not fail the call, where the kernel documents a way
 * around them: a sort of 32- or 64-bit keys of few values, refused the
 * counters of its counting sort, sorts with the radix engine instead.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parawasm.h"
#include "parawasm/array.h"
#include "parawasm/image.h"
#include "runtime.h"
#include "testlib.h"

#if defined(PW_WRAP_MALLOC) && !defined(PW_TEST_FAKE_POOL) && !defined(__wasm__)

/* ---------------------------------------------------------------------- */
/* The allocator's wrappers                                               */
/* ---------------------------------------------------------------------- */

void *__real_malloc(size_t n);
void *__real_calloc(size_t m, size_t n);
void *__real_realloc(void *p, size_t n);
void *__real_aligned_alloc(size_t align, size_t n);
int __real_posix_memalign(void **p, size_t align, size_t n);
void __real_free(void *p);

static int nm_armed;      /* counting (only around a kernel's call) */
static long nm_count;     /* allocations asked for while armed */
static long nm_fail = -1; /* the one to refuse (-1: none) */
static long nm_live;      /* allocations made while armed, not yet freed */

/* The blocks made while armed (open addressing; frees of the test's own
   memory, made unarmed, are not counted). */
#define NM_SLOTS 65536
static void *nm_slot[NM_SLOTS];

static size_t nm_find(const void *p) {
  size_t i = ((uintptr_t)p >> 4) % NM_SLOTS;
  while (nm_slot[i] != NULL && nm_slot[i] != p) i = (i + 1) % NM_SLOTS;
  return i;
}
static void *nm_add(void *p) {
  if (p != NULL && nm_armed) {
    if (nm_live >= NM_SLOTS / 2) {
      fprintf(stderr, "test_nomem: more than %d blocks live\n", NM_SLOTS / 2);
      exit(2);
    }
    nm_slot[nm_find(p)] = p;
    nm_live++;
  }
  return p;
}
/* Removes p from the table (re-placing the entries after it). */
static void nm_remove(void *p) {
  size_t i = nm_find(p);
  if (nm_slot[i] == NULL) return;
  nm_slot[i] = NULL;
  nm_live--;
  for (size_t j = (i + 1) % NM_SLOTS; nm_slot[j] != NULL; j = (j + 1) % NM_SLOTS) {
    void *q = nm_slot[j];
    nm_slot[j] = NULL;
    nm_slot[nm_find(q)] = q;
  }
}
static int nm_refuse(void) { return nm_armed && nm_count++ == nm_fail; }

void *__wrap_malloc(size_t n) { return nm_refuse() ? NULL : nm_add(__real_malloc(n)); }
void *__wrap_calloc(size_t m, size_t n) { return nm_refuse() ? NULL : nm_add(__real_calloc(m, n)); }
void *__wrap_aligned_alloc(size_t a, size_t n) {
  return nm_refuse() ? NULL : nm_add(__real_aligned_alloc(a, n));
}
int __wrap_posix_memalign(void **p, size_t a, size_t n) {
  if (nm_refuse()) return 12; /* ENOMEM */
  int e = __real_posix_memalign(p, a, n);
  if (e == 0) nm_add(*p);
  return e;
}
void __wrap_free(void *p) {
  if (p == NULL) return;
  nm_remove(p);
  __real_free(p);
}
void *__wrap_realloc(void *p, size_t n) {
  if (p == NULL) return __wrap_malloc(n);
  if (nm_refuse()) return NULL;
  void *q = __real_realloc(p, n);
  if (q != NULL && q != p) {
    size_t i = nm_find(p);
    if (nm_slot[i] != NULL) { /* (the new block takes the old one's entry) */
      int armed = nm_armed;
      nm_remove(p);
      nm_armed = 1, nm_add(q), nm_armed = armed;
    }
  }
  return q;
}

/* ---------------------------------------------------------------------- */
/* One case: a kernel call on fixed inputs                                */
/* ---------------------------------------------------------------------- */

typedef struct nm_case nm_case;
struct nm_case {
  const char *name;
  /* in: the input (restored from orig before each run); out: written */
  uint8_t *in, *orig, *out;
  size_t in_bytes, out_bytes;
  pw_status (*call)(nm_case *c, pw_result *r);
  int must_pass_first; /* refusing allocation 0 must still give PW_OK */
  /* parameters */
  size_t n, k, m;
  const void *aux; /* a second input (needles, edges, q, kernel, b matrix) */
  uint32_t w, h, w2, h2, filter;
  float sigma;
  int flag;
};

/* Runs c with allocation `fail` refused: the status, *r its result. */
static pw_status nm_run(nm_case *c, long fail, pw_result *r, long *allocs) {
  memcpy(c->in, c->orig, c->in_bytes);
  memset(c->out, 0xA5, c->out_bytes);
  *r = (pw_result){NULL, 0};
  nm_count = 0, nm_fail = fail, nm_live = 0, nm_armed = 1;
  pw_status s = c->call(c, r);
  nm_armed = 0;
  *allocs = nm_count;
  return s;
}

#define NM_ALL 64
#define NM_SPREAD 192

static void nm_check(nm_case *c) {
  pw_result base;
  long allocs, a2;
  pw_status s = nm_run(c, -1, &base, &allocs);
  CHECK(s == PW_OK, "%s: status %d with every allocation granted", c->name, s);
  long live = nm_live - (base.data != NULL);
  CHECK(live == 0, "%s: %ld allocations left live", c->name, live);
  uint8_t *want = xmalloc(c->out_bytes + 1), *want_in = xmalloc(c->in_bytes + 1);
  memcpy(want, c->out, c->out_bytes);
  memcpy(want_in, c->in, c->in_bytes);
  int refused = 0, passed = 0;
  /* every allocation of the first NM_ALL, then NM_SPREAD more spread over the rest and the last */
  long step = allocs > NM_ALL + NM_SPREAD ? (allocs - NM_ALL) / NM_SPREAD : 1;
  for (long f = 0; f < allocs; f = f < NM_ALL || f == allocs - 1 ? f + 1 : f + step < allocs ? f + step : allocs - 1) {
    pw_result r;
    s = nm_run(c, f, &r, &a2);
    int ok;
    if (s == PW_OK) {
      passed++;
      ok = !memcmp(c->out, want, c->out_bytes) && !memcmp(c->in, want_in, c->in_bytes) &&
           r.size == base.size && (r.size == 0 || !memcmp(r.data, base.data, r.size));
      CHECK(ok, "%s, allocation %ld of %ld refused: PW_OK with a different result", c->name, f, allocs);
    } else {
      refused++;
      CHECK(s == PW_ENOMEM, "%s, allocation %ld of %ld refused: status %d, not PW_ENOMEM", c->name, f,
            allocs, s);
      ok = !memcmp(c->in, c->orig, c->in_bytes);
      CHECK(ok, "%s, allocation %ld of %ld refused: PW_ENOMEM with the input changed", c->name, f, allocs);
    }
    if (f == 0 && c->must_pass_first)
      CHECK(s == PW_OK, "%s: the first allocation refused gives status %d, not a way around it", c->name,
            s);
    nm_armed = 1;
    free(r.data);
    nm_armed = 0;
    CHECK(nm_live == 0, "%s, allocation %ld of %ld refused: %ld allocations left live", c->name, f, allocs,
          nm_live);
  }
  if (getenv("NM_VERBOSE"))
    printf("  %-40s %2ld allocations: %d refused with PW_ENOMEM, %d done anyway\n", c->name, allocs, refused,
           passed);
  nm_armed = 1;
  free(base.data);
  nm_armed = 0;
  free(want), free(want_in);
}

/* ---------------------------------------------------------------------- */
/* Array kernels                                                          */
/* ---------------------------------------------------------------------- */

enum { SH_RANDOM, SH_FEW, SH_NEAR, SH_NEAR_BACK, SH_RUNS, SH_COUNT };
static const char *const shape_names[SH_COUNT] = {"random", "16 values", "1% swapped",
                                                  "reversed, 1% swapped", "8 sorted runs"};

#define NM_N ((size_t)100000) /* above the sort's near-order and 16-bit counting thresholds */

/* Bits for element i of a shape (the low `bits` of it are used). */
static uint64_t shape_bits(int shape, size_t i, size_t n, uint64_t *seed) {
  switch (shape) {
  case SH_FEW: return below(seed, 16) * UINT64_C(0x0101010101010101);
  case SH_NEAR: return below(seed, 100) == 0 ? splitmix64(seed) : (uint64_t)i << 8;
  case SH_NEAR_BACK: return below(seed, 100) == 0 ? splitmix64(seed) : (uint64_t)(n - i) << 8;
  case SH_RUNS: return (uint64_t)(i % (n / 8)) << 10;
  default: return splitmix64(seed);
  }
}

#define NM_ARRAY(T, s)                                                         \
  static void gen_##s(T *a, size_t n, int shape, uint64_t seed) {              \
    for (size_t i = 0; i < n; i++) {                                           \
      uint64_t b = shape_bits(shape, i, n, &seed);                             \
      if ((T)0.5 != 0) /* floats: values, with a few -0 */                     \
        a[i] = shape == SH_RANDOM && i % 1000 == 7 ? (T)-0.0                   \
                                                   : (T)((double)(b >> 11) / 1024.0); \
      else                                                                     \
        memcpy(&a[i], &b, sizeof(T));                                          \
    }                                                                          \
  }                                                                            \
  static pw_status sort_##s(nm_case *c, pw_result *r) {                        \
    (void)r;                                                                   \
    return pw_array_sort_##s((T *)c->in, c->n, c->flag);                       \
  }                                                                            \
  static pw_status argsort_##s(nm_case *c, pw_result *r) {                     \
    (void)r;                                                                   \
    return pw_array_argsort_##s((T *)c->in, c->n, (uint32_t *)c->out, c->flag); \
  }                                                                            \
  static pw_status kth_##s(nm_case *c, pw_result *r) {                         \
    (void)r;                                                                   \
    return pw_array_kth_##s((T *)c->in, c->n, c->k, (T *)c->out);              \
  }                                                                            \
  static pw_status quantiles_##s(nm_case *c, pw_result *r) {                   \
    (void)r;                                                                   \
    return pw_array_quantiles_##s((T *)c->in, c->n, c->aux, c->m, (double *)c->out); \
  }                                                                            \
  static pw_status topk_##s(nm_case *c, pw_result *r) {                        \
    (void)r;                                                                   \
    return pw_array_topk_##s((T *)c->in, c->n, c->k, (T *)c->out,              \
                             (uint32_t *)(c->out + c->k * sizeof(T)), c->flag); \
  }                                                                            \
  static pw_status unique_##s(nm_case *c, pw_result *r) {                      \
    pw_result counts = {NULL, 0};                                              \
    pw_status st = pw_array_unique_##s((T *)c->in, c->n, r, &counts);          \
    /* the counts after the values, in the one result compared */             \
    if (st == PW_OK && counts.size) {                                          \
      void *p = realloc(r->data, r->size + counts.size);                       \
      if (p == NULL) st = PW_ENOMEM; /* (this file's refusal: counted too) */  \
      else {                                                                   \
        memcpy((char *)p + r->size, counts.data, counts.size);                 \
        r->data = p, r->size += counts.size;                                   \
      }                                                                        \
    }                                                                          \
    free(counts.data);                                                         \
    return st;                                                                 \
  }                                                                            \
  static pw_status hist_edges_##s(nm_case *c, pw_result *r) {                  \
    (void)r;                                                                   \
    return pw_array_histogram_edges_##s((T *)c->in, c->n, c->aux, c->m, (uint32_t *)c->out); \
  }                                                                            \
  static pw_status hist_##s(nm_case *c, pw_result *r) {                        \
    (void)r;                                                                   \
    return pw_array_histogram_##s((T *)c->in, c->n, (uint32_t)c->m, -1e300, 1e300, \
                                  (uint32_t *)c->out);                         \
  }                                                                            \
  static pw_status search_##s(nm_case *c, pw_result *r) {                      \
    (void)r;                                                                   \
    return pw_array_search_sorted_##s((T *)c->in, c->n, c->aux, c->m, (uint32_t *)c->out, c->flag); \
  }                                                                            \
  static pw_status cumsum_##s(nm_case *c, pw_result *r) {                      \
    (void)r;                                                                   \
    return pw_array_cumsum_##s((T *)c->in, c->n, (T *)c->out, c->flag);        \
  }                                                                            \
  static void test_array_##s(void) {                                           \
    const size_t n = NM_N;                                                     \
    T *a = xmalloc(n * sizeof(T)), *a0 = xmalloc(n * sizeof(T));               \
    uint8_t *out = xmalloc(n * 8 + ((size_t)4 << 20));                        \
    char name[96];                                                             \
    double q3[3] = {0.1, 0.5, 0.9}, q100[100], edges[70000];                   \
    for (int i = 0; i < 100; i++) q100[i] = i / 99.0;                          \
    for (int shape = 0; shape < SH_COUNT; shape++) {                           \
      gen_##s(a0, n, shape, 1000 + (uint64_t)shape);                           \
      nm_case c = {.in = (uint8_t *)a, .orig = (uint8_t *)a0, .out = out,      \
                   .in_bytes = n * sizeof(T), .n = n, .name = name};           \
      for (int desc = 0; desc < 2; desc++) {                                   \
        snprintf(name, sizeof name, #s " sort%s, %s", desc ? " desc" : "", shape_names[shape]); \
        c.call = sort_##s, c.flag = desc, c.out_bytes = 0;                     \
        c.must_pass_first = shape == SH_FEW && sizeof(T) >= 4;                 \
        nm_check(&c);                                                          \
        c.must_pass_first = 0;                                                 \
        snprintf(name, sizeof name, #s " argsort%s, %s", desc ? " desc" : "", shape_names[shape]); \
        c.call = argsort_##s, c.out_bytes = n * 4;                             \
        nm_check(&c);                                                          \
      }                                                                        \
      if (shape == SH_NEAR_BACK || shape == SH_RUNS) continue;                 \
      snprintf(name, sizeof name, #s " kth, %s", shape_names[shape]);          \
      c.call = kth_##s, c.k = n / 3, c.out_bytes = sizeof(T);                  \
      nm_check(&c);                                                            \
      snprintf(name, sizeof name, #s " 3 quantiles, %s", shape_names[shape]);  \
      c.call = quantiles_##s, c.aux = q3, c.m = 3, c.out_bytes = 3 * 8;        \
      nm_check(&c);                                                            \
      snprintf(name, sizeof name, #s " 100 quantiles, %s", shape_names[shape]); \
      c.aux = q100, c.m = 100, c.out_bytes = 100 * 8;                          \
      nm_check(&c);                                                            \
      snprintf(name, sizeof name, #s " top 1000, %s", shape_names[shape]);     \
      c.call = topk_##s, c.k = 1000, c.flag = 0, c.out_bytes = 1000 * (sizeof(T) + 4); \
      nm_check(&c);                                                            \
      snprintf(name, sizeof name, #s " unique, %s", shape_names[shape]);       \
      c.call = unique_##s, c.out_bytes = 0;                                    \
      nm_check(&c);                                                            \
      /* edges: sorted values of the data's own range */                       \
      pw_array_sort_##s(a0, n, 0); /* (a0 sorted: the search's input too) */   \
      size_t em = 70000;                                                       \
      for (size_t i = 0; i < em; i++) {                                        \
        double v = (double)a0[(i * (n - 1)) / (em - 1)];                       \
        edges[i] = i && v <= edges[i - 1] ? nextafter(edges[i - 1], INFINITY) : v; \
      }                                                                        \
      snprintf(name, sizeof name, #s " histogram of 69,999 edges, %s", shape_names[shape]); \
      c.call = hist_edges_##s, c.aux = edges, c.m = em, c.out_bytes = (em - 1) * 4; \
      nm_check(&c);                                                            \
      snprintf(name, sizeof name, #s " histogram of 2^20 bins, %s", shape_names[shape]); \
      c.call = hist_##s, c.m = (size_t)1 << 20, c.out_bytes = c.m * 4;         \
      nm_check(&c);                                                            \
      snprintf(name, sizeof name, #s " searchSorted, %s", shape_names[shape]); \
      gen_##s((T *)out + n, 1000, SH_RANDOM, 9);                               \
      T *needles = xmalloc(1000 * sizeof(T));                                  \
      memcpy(needles, (T *)out + n, 1000 * sizeof(T));                         \
      c.call = search_##s, c.aux = needles, c.m = 1000, c.out_bytes = 4000;    \
      nm_check(&c);                                                            \
      free(needles);                                                           \
      snprintf(name, sizeof name, #s " cumsum, %s", shape_names[shape]);       \
      c.call = cumsum_##s, c.flag = 1, c.out_bytes = n * sizeof(T);            \
      nm_check(&c);                                                            \
    }                                                                          \
    free(a), free(a0), free(out);                                              \
  }
NM_ARRAY(uint8_t, u8)
NM_ARRAY(int16_t, i16)
NM_ARRAY(uint32_t, u32)
NM_ARRAY(int32_t, i32)
NM_ARRAY(float, f32)
NM_ARRAY(double, f64)
NM_ARRAY(int64_t, i64)
NM_ARRAY(uint64_t, u64)

static pw_status matmul_f32(nm_case *c, pw_result *r) {
  (void)r;
  size_t m = c->m, k = c->k, n = c->n;
  return pw_array_matmul_f32((const float *)c->in, m * k, c->aux, k * n, (float *)c->out, m * n, m, k, n);
}

static void test_matmul(void) {
  size_t m = 300, k = 500, n = 200;
  float *a = xmalloc(m * k * 4), *a0 = xmalloc(m * k * 4), *b = xmalloc(k * n * 4), *out = xmalloc(m * n * 4);
  uint64_t seed = 5;
  for (size_t i = 0; i < m * k; i++) a0[i] = (float)below(&seed, 1000) / 100.0f;
  for (size_t i = 0; i < k * n; i++) b[i] = (float)below(&seed, 1000) / 100.0f;
  nm_case c = {.name = "f32 matmul 300x500 by 500x200", .in = (uint8_t *)a, .orig = (uint8_t *)a0,
               .out = (uint8_t *)out, .in_bytes = m * k * 4, .out_bytes = m * n * 4, .call = matmul_f32,
               .m = m, .k = k, .n = n, .aux = b};
  nm_check(&c);
  free(a), free(a0), free(b), free(out);
}

/* ---------------------------------------------------------------------- */
/* Image kernels                                                          */
/* ---------------------------------------------------------------------- */

static pw_status img_resize(nm_case *c, pw_result *r) {
  (void)r;
  return pw_image_resize(c->in, c->w, c->h, c->out, c->w2, c->h2, c->filter);
}
static pw_status img_blur(nm_case *c, pw_result *r) {
  (void)r;
  return pw_image_blur(c->in, c->flag ? c->in : c->out, c->w, c->h, c->sigma);
}
static pw_status img_box_blur(nm_case *c, pw_result *r) {
  (void)r;
  return pw_image_box_blur(c->in, c->flag ? c->in : c->out, c->w, c->h, (uint32_t)c->sigma);
}
static pw_status img_unsharp(nm_case *c, pw_result *r) {
  (void)r;
  return pw_image_unsharp(c->in, c->flag ? c->in : c->out, c->w, c->h, c->sigma, 1.5f, 2);
}
static pw_status img_convolve(nm_case *c, pw_result *r) {
  (void)r;
  return pw_image_convolve(c->in, c->flag ? c->in : c->out, c->w, c->h, c->aux, 5, 3, 0, 0);
}
static pw_status img_png(nm_case *c, pw_result *r) { return pw_image_encode_png(c->in, c->w, c->h, r); }
static pw_status img_jpeg(nm_case *c, pw_result *r) { return pw_image_encode_jpeg(c->in, c->w, c->h, 85, r); }
static pw_status img_decode(nm_case *c, pw_result *r) {
  (void)r;
  return pw_image_decode(c->in, c->in_bytes, c->out, c->w, c->h);
}

static void test_image(void) {
  const uint32_t w = 301, h = 203;
  const size_t bytes = (size_t)w * h * 4;
  uint8_t *px = xmalloc(bytes), *px0 = xmalloc(bytes), *out = xmalloc((size_t)900 * 700 * 4);
  uint64_t seed = 11;
  for (uint32_t y = 0; y < h; y++)
    for (uint32_t x = 0; x < w; x++) {
      uint8_t *p = px0 + ((size_t)y * w + x) * 4;
      p[0] = (uint8_t)(x * 3 + y), p[1] = (uint8_t)(y * 2), p[2] = (uint8_t)below(&seed, 256);
      p[3] = (uint8_t)(x % 7 == 0 ? 0 : 200 + below(&seed, 56));
    }
  char name[96];
  nm_case c = {.name = name, .in = px, .orig = px0, .out = out, .in_bytes = bytes, .w = w, .h = h};
  static const uint32_t sizes[][2] = {{97, 61}, {900, 700}, {1, 1}};
  for (int i = 0; i < 3; i++)
    for (uint32_t filter = 0; filter <= 4; filter++) {
      snprintf(name, sizeof name, "image resize to %ux%u, filter %u", sizes[i][0], sizes[i][1], filter);
      c.call = img_resize, c.w2 = sizes[i][0], c.h2 = sizes[i][1], c.filter = filter;
      c.out_bytes = (size_t)c.w2 * c.h2 * 4;
      nm_check(&c);
    }
  static const float sigmas[] = {0.6f, 3.0f, 40.0f};
  for (int i = 0; i < 3; i++)
    for (int inplace = 0; inplace < 2; inplace++) {
      snprintf(name, sizeof name, "image blur sigma %g%s", sigmas[i], inplace ? ", in place" : "");
      c.call = img_blur, c.sigma = sigmas[i], c.flag = inplace, c.out_bytes = inplace ? 0 : bytes;
      nm_check(&c);
    }
  static const float kern[15] = {1, 2, 3, 2, 1, 0, 1, 4, 1, 0, -1, -2, 1, -2, -1};
  for (int inplace = 0; inplace < 2; inplace++) {
    const char *where = inplace ? ", in place" : "";
    c.flag = inplace, c.out_bytes = inplace ? 0 : bytes;
    snprintf(name, sizeof name, "image box blur radius 4%s", where);
    c.call = img_box_blur, c.sigma = 4;
    nm_check(&c);
    snprintf(name, sizeof name, "image unsharp sigma 2%s", where);
    c.call = img_unsharp, c.sigma = 2;
    nm_check(&c);
    snprintf(name, sizeof name, "image convolve 5x3%s", where);
    c.call = img_convolve, c.aux = kern;
    nm_check(&c);
  }
  snprintf(name, sizeof name, "image encode PNG");
  c.call = img_png, c.flag = 0, c.out_bytes = 0;
  nm_check(&c);
  snprintf(name, sizeof name, "image encode JPEG");
  c.call = img_jpeg;
  nm_check(&c);
  /* decoding: the files the encoders made (with every allocation granted) */
  for (int jpeg = 0; jpeg < 2; jpeg++) {
    pw_result file = {NULL, 0};
    pw_status s = jpeg ? pw_image_encode_jpeg(px0, w, h, 85, &file) : pw_image_encode_png(px0, w, h, &file);
    CHECK(s == PW_OK, "encode for the decode test: status %d", s);
    if (s != PW_OK) continue;
    uint8_t *f = xmalloc(file.size);
    nm_case d = {.name = jpeg ? "image decode JPEG" : "image decode PNG", .in = file.data, .orig = f,
                 .out = out, .in_bytes = file.size, .out_bytes = bytes, .call = img_decode, .w = w, .h = h};
    memcpy(f, file.data, file.size);
    nm_check(&d);
    free(f), free(file.data);
  }
  free(px), free(px0), free(out);
}

int main(void) {
  test_array_u8();
  test_array_i16();
  test_array_u32();
  test_array_i32();
  test_array_f32();
  test_array_f64();
  test_array_i64();
  test_array_u64();
  test_matmul();
  test_image();
  return test_summary("test_nomem");
}

#else

int main(void) {
  printf("test_nomem: refusing allocations needs the linker's --wrap (the native serial builds): skipped\n");
  return test_summary("test_nomem");
}

#endif
