/*
 * native_array.c — times the array kernels (parawasm/array.h) on one
 * thread, for per-core comparisons of the same C built natively and to
 * wasm; the wasm build also times JavaScript's own way of doing the same
 * job in the same process (TypedArray.prototype.sort, an index sort with a
 * comparator, plain loops), through EM_JS.
 *
 * Usage: native_array [op ...]   (no op: every op at its default size)
 *        native_array -n N op     (one op at size N)
 *        native_array -n N --input FILE op
 *            (sort_f64, sort_u32, argsort_f64: the elements are FILE's
 *            bytes instead of this program's random data, so that a
 *            caller can time the same input in both builds; FILE must
 *            hold exactly N elements)
 * Prints one JSON object a line:
 *   {"op":"sort_f64","build":"native","n":10000000,"reps":5,
 *    "ms":[...],"median_ms":...,"check":"..."}
 * ms: CPU time of the process per run (an untimed warm-up run first),
 * not wall time: on a shared machine a process may get a fraction of a
 * core, which wall time counts and CPU time does not (wall_ms has the wall
 * times). Inputs that a kernel changes are restored, untimed, before each
 * run. check: a value derived from the result, for comparing builds. JS
 * ops (wasm only) start with "js_". The native build keeps freed memory
 * in the process (mallopt), as a wasm heap does, so that the kernels'
 * scratch buffers do not page-fault anew on every call in one build only.
 *
 * Native (from the repository root):
 *   gcc -std=c11 -O3 -march=native -Iinclude -Isrc/runtime \
 *       test/bench/native_array.c src/kernels/array/[a-z]*.c src/runtime/task.c \
 *       src/runtime/split.c src/runtime/serial.c test/c/no_kernels.c -lm
 * Wasm (then: node native_array.js):
 *   emcc -std=c11 -O3 -msimd128 -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=4GB \
 *       -sSINGLE_FILE=1 -sENVIRONMENT=node -Iinclude -Isrc/runtime <same sources>
 * (`make build/native/native_array build/wasm-bench/native_array.js`.)
 *
 * Figures measured with it are in the report of the array kernels' branch
 * (the machine is shared: compare within a run, not across runs).
 */
#define _GNU_SOURCE /* mallopt */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "parawasm/array.h"

#ifdef __EMSCRIPTEN__
#include <emscripten.h>
#define BUILD "wasm"
#else
#include <malloc.h>
#define BUILD "native"
#endif

#define REPS 5

static double wall_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

#include "bench_cpu.h"

static uint64_t splitmix64(uint64_t *s) {
  uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}

static void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (p == NULL) {
    fprintf(stderr, "out of memory (%zu bytes)\n", n);
    exit(2);
  }
  return p;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* uniform doubles in [0, 1), as Math.random() gives */
static void fill_unit(double *x, size_t n, uint64_t seed) {
  for (size_t i = 0; i < n; i++) x[i] = (double)(splitmix64(&seed) >> 11) * 0x1p-53;
}
static void fill_unit_f32(float *x, size_t n, uint64_t seed) {
  for (size_t i = 0; i < n; i++) x[i] = (float)(splitmix64(&seed) >> 40) * 0x1p-24f;
}
/* n / 100 random pairs of the n `size`-byte elements at p swapped. */
static void near_swaps(void *p, size_t n, size_t size, uint64_t seed) {
  unsigned char *x = p, t[8];
  for (size_t q = 0; q < n / 100; q++) {
    size_t i = (size_t)(splitmix64(&seed) % n), j = (size_t)(splitmix64(&seed) % n);
    memcpy(t, x + i * size, size);
    memcpy(x + i * size, x + j * size, size);
    memcpy(x + j * size, t, size);
  }
}
static void fill_bits(void *p, size_t bytes, uint64_t seed) {
  uint8_t *b = p;
  for (size_t i = 0; i < bytes; i += 8) {
    uint64_t r = splitmix64(&seed);
    memcpy(b + i, &r, bytes - i < 8 ? bytes - i : 8);
  }
}

#ifdef __EMSCRIPTEN__
/* JavaScript's own way, on a copy of the same data, timed in JS. */
/* Each prepares its input (untimed), then runs between the two clock
   readings of the caller: js_prepare copies the data into a JS array. */
EM_JS(void, js_prepare, (int kind, const void *p, size_t n), {
  const b = HEAPU8.buffer;
  if (kind == 0) globalThis.__pwA = new Float64Array(b, p, n).slice();
  if (kind == 1) globalThis.__pwA = new Uint32Array(b, p, n).slice();
  if (kind == 2) globalThis.__pwA = new Float32Array(b, p, n).slice();
});
EM_JS(void, js_sort, (void), { globalThis.__pwA.sort(); });
EM_JS(void, js_argsort, (void), {
  const x = globalThis.__pwA, n = x.length, idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  idx.sort((a, b) => x[a] - x[b]);
});
EM_JS(double, js_sum, (void), {
  const x = globalThis.__pwA;
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return s;
});
EM_JS(void, js_matmul, (size_t dim), {
  const n = dim, a = globalThis.__pwA.subarray(0, n * n), b = globalThis.__pwA.subarray(n * n);
  const c = new Float32Array(n * n);
  for (let i = 0; i < n; i++)
    for (let p = 0; p < n; p++) {
      const av = a[i * n + p];
      for (let j = 0; j < n; j++) c[i * n + j] += av * b[p * n + j];
    }
});
EM_JS(void, js_hist, (void), {
  const x = globalThis.__pwA, h = new Uint32Array(256);
  for (let i = 0; i < x.length; i++) { const v = x[i]; if (v >= 0 && v < 1) h[(v * 256) | 0]++; }
});
#endif

/* ------------------------------------------------------------------------ */

typedef struct {
  const char *name;
  size_t n; /* default size (matrix ops: the dimension) */
} op_info;

static const op_info ops[] = {
    {"sort_f64", 10000000}, {"sort_u32", 10000000}, {"sort_f32", 10000000},
    {"sort_i64", 10000000}, {"sort_u16", 10000000}, {"sort_u8", 10000000},
    {"sort_f64_near", 10000000}, {"sort_u32_near", 10000000},
    {"argsort_f64", 10000000}, {"argsort_f64_near", 10000000}, {"argsort_u32", 10000000}, {"kth_f64", 10000000},
    {"quantiles_f64", 10000000}, {"topk_f64", 10000000}, {"search_f64", 10000000},
    {"unique_u32", 10000000}, {"sum_f64", 50000000}, {"sum_f32", 50000000},
    {"sum_i32", 50000000}, {"sum_i64", 50000000}, {"variance_f64", 20000000},
    {"min_f64", 20000000}, {"dot_f64", 20000000}, {"dot_f32", 20000000},
    {"norm_f64", 20000000}, {"cumsum_f64", 20000000}, {"cumsum_i32", 20000000},
    {"histogram_f64", 20000000}, {"axpy_f32", 20000000}, {"clamp_f32", 20000000},
    {"convert_f64_f32", 20000000}, {"convert_u8_f32", 20000000}, {"convert_u8_f32n", 20000000},
    {"convert_i16_f32", 20000000}, {"convert_i16_f32n", 20000000}, {"convert_i16_f64n", 20000000},
    {"convert_f32_u8c", 20000000}, {"convert_f32_u8n", 20000000}, {"convert_f64_i32", 20000000},
    {"matmul_f32", 1024}, {"matmul_f64", 1024}, {"matvec_f32", 4096},
    {"transpose_f32", 4096}, {"transpose_f64", 4096},
#ifdef __EMSCRIPTEN__
    {"js_sort_f64", 10000000}, {"js_sort_u32", 10000000}, {"js_argsort_f64", 1000000},
    {"js_sum_f64", 50000000}, {"js_matmul_f32", 512}, {"js_histogram_f64", 20000000},
#endif
};

static int cmp_ms(const void *a, const void *b) { return cmp_double(a, b); }

/* The element types of a convert_<source>_<destination>[n] op. */
typedef struct {
  uint32_t src, dst;
  size_t sb, db;
  bool norm;
} conv_types;

static int conv_type(const char *s, size_t len, uint32_t *code, size_t *bytes) {
  static const struct { const char *name; uint32_t code; size_t bytes; } t[] = {
      {"i8", PW_ARRAY_I8, 1},   {"u8", PW_ARRAY_U8, 1},   {"u8c", PW_ARRAY_U8C, 1}, {"i16", PW_ARRAY_I16, 2},
      {"u16", PW_ARRAY_U16, 2}, {"i32", PW_ARRAY_I32, 4}, {"u32", PW_ARRAY_U32, 4}, {"i64", PW_ARRAY_I64, 8},
      {"u64", PW_ARRAY_U64, 8}, {"f32", PW_ARRAY_F32, 4}, {"f64", PW_ARRAY_F64, 8}};
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
    if (strlen(t[i].name) == len && strncmp(s, t[i].name, len) == 0) return *code = t[i].code, *bytes = t[i].bytes, 1;
  return 0;
}

static int conv_parse(const char *s, conv_types *ct) {
  const char *u = strchr(s, '_');
  if (u == NULL) return 0;
  size_t len = strlen(u + 1);
  ct->norm = len > 0 && u[len] == 'n';
  return conv_type(s, (size_t)(u - s), &ct->src, &ct->sb) && conv_type(u + 1, len - ct->norm, &ct->dst, &ct->db);
}

/* --input: the elements of the sorts, read once (see the usage above) */
static const char *input_path;
static unsigned char *input_data;
static size_t input_len;

/* Copies the --input elements (bytes of them) into dst; 0 without --input. */
static int from_input(void *dst, size_t bytes) {
  if (input_path == NULL) return 0;
  if (input_data == NULL) {
    FILE *f = fopen(input_path, "rb");
    if (f == NULL || fseek(f, 0, SEEK_END) != 0) {
      fprintf(stderr, "native_array: cannot read %s\n", input_path);
      exit(1);
    }
    input_len = (size_t)ftell(f);
    input_data = xmalloc(input_len + 1);
    rewind(f);
    if (fread(input_data, 1, input_len, f) != input_len) {
      fprintf(stderr, "native_array: cannot read %s\n", input_path);
      exit(1);
    }
    fclose(f);
  }
  if (input_len != bytes) {
    fprintf(stderr, "native_array: %s has %zu bytes, the op takes %zu\n", input_path, input_len, bytes);
    exit(1);
  }
  memcpy(dst, input_data, bytes);
  return 1;
}

/* Runs op at size n; prints its line. Returns 0, or 2 for an unknown op. */
static int run(const char *op, size_t n) {
  double ms[REPS];
  char check[64] = "";
  uint64_t seed = 42;
  conv_types ct;
  /* buffers: x (8n bytes), y (8n), z (8n), scratch */
  size_t bytes = n * 8 + 64;
  int matrix = strncmp(op, "mat", 3) == 0 || strncmp(op, "transpose", 9) == 0 ||
               strcmp(op, "js_matmul_f32") == 0;
  if (matrix) bytes = n * n * 8 + 64;
  unsigned char *X = xmalloc(bytes), *Y = xmalloc(bytes), *Z = xmalloc(bytes);
  uint32_t *idx = xmalloc((matrix ? n : n) * 4 + 64);
  double sink = 0;
  int known = 1;
  double wall[REPS];
  for (int r = -1; r < REPS; r++) {
    double t0 = 0, t1 = 0, w0 = 0, w1 = 0;
#define PREP(code) code
#define TIME(code)   \
  do {               \
    w0 = wall_ms();  \
    t0 = cpu_ms();   \
    code;            \
    t1 = cpu_ms();   \
    w1 = wall_ms();  \
  } while (0)
    if (strcmp(op, "sort_f64") == 0) {
      PREP(if (!from_input(X, n * 8)) fill_unit((double *)X, n, seed));
      TIME(pw_array_sort_f64((double *)X, n, false));
      snprintf(check, sizeof check, "%.17g", ((double *)X)[n / 2]);
    } else if (strcmp(op, "sort_f64_near") == 0 || strcmp(op, "sort_u32_near") == 0) {
      /* sorted, then n / 100 random pairs swapped (sort.c: near_sort); or --input */
      const int f64 = op[5] == 'f';
      PREP(if (!from_input(X, n * (f64 ? 8 : 4))) {
        if (f64) fill_unit((double *)X, n, seed);
        else fill_bits(X, n * 4, seed);
        if (f64) pw_array_sort_f64((double *)X, n, false);
        else pw_array_sort_u32((uint32_t *)X, n, false);
        near_swaps(X, n, f64 ? 8 : 4, seed);
      });
      TIME(f64 ? pw_array_sort_f64((double *)X, n, false) : pw_array_sort_u32((uint32_t *)X, n, false));
      if (f64) snprintf(check, sizeof check, "%.17g", ((double *)X)[n / 2]);
      else snprintf(check, sizeof check, "%u", ((uint32_t *)X)[n / 2]);
    } else if (strcmp(op, "sort_f32") == 0) {
      PREP(fill_unit_f32((float *)X, n, seed));
      TIME(pw_array_sort_f32((float *)X, n, false));
      snprintf(check, sizeof check, "%.9g", ((float *)X)[n / 2]);
    } else if (strcmp(op, "sort_u32") == 0) {
      PREP(if (!from_input(X, n * 4)) fill_bits(X, n * 4, seed));
      TIME(pw_array_sort_u32((uint32_t *)X, n, false));
      snprintf(check, sizeof check, "%u", ((uint32_t *)X)[n / 2]);
    } else if (strcmp(op, "sort_i64") == 0) {
      PREP(fill_bits(X, n * 8, seed));
      TIME(pw_array_sort_i64((int64_t *)X, n, false));
      snprintf(check, sizeof check, "%lld", (long long)((int64_t *)X)[n / 2]);
    } else if (strcmp(op, "sort_u16") == 0) {
      PREP(fill_bits(X, n * 2, seed));
      TIME(pw_array_sort_u16((uint16_t *)X, n, false));
      snprintf(check, sizeof check, "%u", ((uint16_t *)X)[n / 2]);
    } else if (strcmp(op, "sort_u8") == 0) {
      PREP(fill_bits(X, n, seed));
      TIME(pw_array_sort_u8((uint8_t *)X, n, false));
      snprintf(check, sizeof check, "%u", X[n / 2]);
    } else if (strcmp(op, "argsort_f64") == 0 || strcmp(op, "argsort_f64_near") == 0) {
      if (r == -1 && !from_input(X, n * 8)) {
        fill_unit((double *)X, n, seed);
        if (op[11] == '_') { /* nearly in order, as sort_f64_near */
          pw_array_sort_f64((double *)X, n, false);
          near_swaps(X, n, 8, seed);
        }
      }
      TIME(pw_array_argsort_f64((double *)X, n, idx, false));
      snprintf(check, sizeof check, "%u", idx[n / 2]);
    } else if (strcmp(op, "argsort_u32") == 0) {
      if (r == -1) fill_bits(X, n * 4, seed);
      TIME(pw_array_argsort_u32((uint32_t *)X, n, idx, false));
      snprintf(check, sizeof check, "%u", idx[n / 2]);
    } else if (strcmp(op, "kth_f64") == 0) {
      if (r == -1) fill_unit((double *)X, n, seed);
      double v = 0;
      TIME(pw_array_kth_f64((double *)X, n, n / 2, &v));
      snprintf(check, sizeof check, "%.17g", v);
    } else if (strcmp(op, "quantiles_f64") == 0) {
      if (r == -1) fill_unit((double *)X, n, seed);
      double q[5] = {0.01, 0.25, 0.5, 0.75, 0.99}, v[5];
      TIME(pw_array_quantiles_f64((double *)X, n, q, 5, v));
      snprintf(check, sizeof check, "%.17g", v[2]);
    } else if (strcmp(op, "topk_f64") == 0) {
      if (r == -1) fill_unit((double *)X, n, seed);
      TIME(pw_array_topk_f64((double *)X, n, 1000, (double *)Y, idx, false));
      snprintf(check, sizeof check, "%u", idx[999]);
    } else if (strcmp(op, "search_f64") == 0) {
      if (r == -1) {
        fill_unit((double *)X, n, seed);
        pw_array_sort_f64((double *)X, n, false);
        fill_unit((double *)Y, n / 10, seed + 1);
      }
      TIME(pw_array_search_sorted_f64((double *)X, n, (double *)Y, n / 10, idx, false));
      snprintf(check, sizeof check, "%u", idx[0]);
    } else if (strcmp(op, "unique_u32") == 0) {
      if (r == -1) {
        uint32_t *u = (uint32_t *)X;
        for (size_t i = 0; i < n; i++) u[i] = (uint32_t)(splitmix64(&seed) % 1000000);
      }
      pw_result v = {NULL, 0}, c = {NULL, 0};
      TIME(pw_array_unique_u32((uint32_t *)X, n, &v, &c));
      snprintf(check, sizeof check, "%zu", v.size / 4);
      free(v.data), free(c.data);
    } else if (strcmp(op, "sum_f64") == 0) {
      if (r == -1) fill_unit((double *)X, n, seed);
      TIME(sink = pw_array_sum_f64((double *)X, n));
      snprintf(check, sizeof check, "%.17g", sink);
    } else if (strcmp(op, "sum_f32") == 0) {
      if (r == -1) fill_unit_f32((float *)X, n, seed);
      TIME(sink = pw_array_sum_f32((float *)X, n));
      snprintf(check, sizeof check, "%.17g", sink);
    } else if (strcmp(op, "sum_i32") == 0) {
      if (r == -1) fill_bits(X, n * 4, seed);
      int64_t s = 0;
      TIME(s = pw_array_sum_i32((int32_t *)X, n));
      snprintf(check, sizeof check, "%lld", (long long)s);
    } else if (strcmp(op, "sum_i64") == 0) {
      if (r == -1) fill_bits(X, n * 8, seed);
      pw_u128 s = {0, 0};
      TIME(s = pw_array_sum_i64((int64_t *)X, n));
      snprintf(check, sizeof check, "%llx", (unsigned long long)s.lo);
    } else if (strcmp(op, "variance_f64") == 0) {
      if (r == -1) fill_unit((double *)X, n, seed);
      TIME(sink = pw_array_variance_f64((double *)X, n, 0));
      snprintf(check, sizeof check, "%.17g", sink);
    } else if (strcmp(op, "min_f64") == 0) {
      if (r == -1) fill_unit((double *)X, n, seed);
      double v = 0;
      uint32_t at = 0;
      TIME(pw_array_min_f64((double *)X, n, &v, &at));
      snprintf(check, sizeof check, "%u", at);
    } else if (strcmp(op, "dot_f64") == 0) {
      if (r == -1) fill_unit((double *)X, n, seed), fill_unit((double *)Y, n, seed + 1);
      TIME(sink = pw_array_dot_f64((double *)X, n, (double *)Y));
      snprintf(check, sizeof check, "%.17g", sink);
    } else if (strcmp(op, "dot_f32") == 0) {
      if (r == -1) fill_unit_f32((float *)X, n, seed), fill_unit_f32((float *)Y, n, seed + 1);
      TIME(sink = pw_array_dot_f32((float *)X, n, (float *)Y));
      snprintf(check, sizeof check, "%.17g", sink);
    } else if (strcmp(op, "norm_f64") == 0) {
      if (r == -1) fill_unit((double *)X, n, seed);
      TIME(sink = pw_array_norm_f64((double *)X, n));
      snprintf(check, sizeof check, "%.17g", sink);
    } else if (strcmp(op, "cumsum_f64") == 0) {
      if (r == -1) fill_unit((double *)X, n, seed);
      TIME(pw_array_cumsum_f64((double *)X, n, (double *)Y, false));
      snprintf(check, sizeof check, "%.17g", ((double *)Y)[n - 1]);
    } else if (strcmp(op, "cumsum_i32") == 0) {
      if (r == -1) fill_bits(X, n * 4, seed);
      TIME(pw_array_cumsum_i32((int32_t *)X, n, (int32_t *)Y, false));
      snprintf(check, sizeof check, "%d", ((int32_t *)Y)[n - 1]);
    } else if (strcmp(op, "histogram_f64") == 0) {
      if (r == -1) fill_unit((double *)X, n, seed);
      TIME(pw_array_histogram_f64((double *)X, n, 256, 0.0, 1.0, idx));
      snprintf(check, sizeof check, "%u", idx[7]);
    } else if (strcmp(op, "axpy_f32") == 0) {
      PREP((fill_unit_f32((float *)X, n, seed), fill_unit_f32((float *)Y, n, seed + 1)));
      TIME(pw_array_axpy_f32(0.5f, (float *)X, n, (float *)Y));
      snprintf(check, sizeof check, "%.9g", ((float *)Y)[n / 2]);
    } else if (strcmp(op, "clamp_f32") == 0) {
      if (r == -1) fill_unit_f32((float *)X, n, seed);
      TIME(pw_array_clamp_f32((float *)X, n, (float *)Y, 0.25f, 0.75f));
      snprintf(check, sizeof check, "%.9g", ((float *)Y)[n / 2]);
    } else if (strncmp(op, "convert_", 8) == 0 && conv_parse(op + 8, &ct)) {
      /* convert_<source>_<destination>[n]: any two element types (n: normalised) */
      if (r == -1) {
        if (ct.src == PW_ARRAY_F64) fill_unit((double *)X, n, seed);
        else if (ct.src == PW_ARRAY_F32) fill_unit_f32((float *)X, n, seed);
        else fill_bits(X, n * ct.sb, seed);
      }
      TIME(pw_array_convert(X, n * ct.sb, ct.src, Y, n * ct.db, ct.dst, ct.norm));
      uint64_t bits = 0;
      memcpy(&bits, Y + (n / 2) * ct.db, ct.db);
      snprintf(check, sizeof check, "%llx", (unsigned long long)bits);
    } else if (strcmp(op, "matmul_f32") == 0) {
      if (r == -1) fill_unit_f32((float *)X, n * n, seed), fill_unit_f32((float *)Y, n * n, seed + 1);
      TIME(pw_array_matmul_f32((float *)X, n * n, (float *)Y, n * n, (float *)Z, n * n, n, n, n));
      snprintf(check, sizeof check, "%.9g", ((float *)Z)[n * n / 2 + 3]);
    } else if (strcmp(op, "matmul_f64") == 0) {
      if (r == -1) fill_unit((double *)X, n * n, seed), fill_unit((double *)Y, n * n, seed + 1);
      TIME(pw_array_matmul_f64((double *)X, n * n, (double *)Y, n * n, (double *)Z, n * n, n, n, n));
      snprintf(check, sizeof check, "%.17g", ((double *)Z)[n * n / 2 + 3]);
    } else if (strcmp(op, "matvec_f32") == 0) {
      if (r == -1) fill_unit_f32((float *)X, n * n, seed), fill_unit_f32((float *)Y, n, seed + 1);
      TIME(pw_array_matvec_f32((float *)X, n * n, (float *)Y, n, (float *)Z, n));
      snprintf(check, sizeof check, "%.9g", ((float *)Z)[n / 2]);
    } else if (strcmp(op, "transpose_f32") == 0) {
      if (r == -1) fill_unit_f32((float *)X, n * n, seed);
      TIME(pw_array_transpose_f32((float *)X, n * n, (float *)Y, n, n));
      snprintf(check, sizeof check, "%.9g", ((float *)Y)[n * n / 2 + 3]);
    } else if (strcmp(op, "transpose_f64") == 0) {
      if (r == -1) fill_unit((double *)X, n * n, seed);
      TIME(pw_array_transpose_f64((double *)X, n * n, (double *)Y, n, n));
      snprintf(check, sizeof check, "%.17g", ((double *)Y)[n * n / 2 + 3]);
#ifdef __EMSCRIPTEN__
    } else if (strcmp(op, "js_sort_f64") == 0) {
      PREP((fill_unit((double *)X, n, seed), js_prepare(0, X, n)));
      TIME(js_sort());
    } else if (strcmp(op, "js_sort_u32") == 0) {
      PREP((fill_bits(X, n * 4, seed), js_prepare(1, X, n)));
      TIME(js_sort());
    } else if (strcmp(op, "js_argsort_f64") == 0) {
      PREP((fill_unit((double *)X, n, seed), js_prepare(0, X, n)));
      TIME(js_argsort());
    } else if (strcmp(op, "js_sum_f64") == 0) {
      PREP((fill_unit((double *)X, n, seed), js_prepare(0, X, n)));
      TIME(sink = js_sum());
      snprintf(check, sizeof check, "%.17g", sink);
    } else if (strcmp(op, "js_matmul_f32") == 0) {
      PREP((fill_unit_f32((float *)X, 2 * n * n, seed), js_prepare(2, X, 2 * n * n)));
      TIME(js_matmul(n));
    } else if (strcmp(op, "js_histogram_f64") == 0) {
      PREP((fill_unit((double *)X, n, seed), js_prepare(0, X, n)));
      TIME(js_hist());
#endif
    } else {
      known = 0;
      break;
    }
    if (r >= 0) ms[r] = t1 - t0, wall[r] = w1 - w0;
  }
  (void)sink;
  free(X), free(Y), free(Z), free(idx);
  if (!known) {
    fprintf(stderr, "unknown op %s\n", op);
    return 2;
  }
  double sorted[REPS];
  memcpy(sorted, ms, sizeof ms);
  qsort(sorted, REPS, sizeof *sorted, cmp_ms);
  printf("{\"op\":\"%s\",\"build\":\"%s\",\"n\":%zu,\"reps\":%d,\"ms\":[", op, BUILD, n, REPS);
  for (int r = 0; r < REPS; r++) printf("%s%.3f", r ? "," : "", ms[r]);
  printf("],\"median_ms\":%.3f,\"wall_ms\":[", sorted[REPS / 2]);
  for (int r = 0; r < REPS; r++) printf("%s%.3f", r ? "," : "", wall[r]);
  printf("],\"check\":\"%s\"}\n", check);
  fflush(stdout);
  return 0;
}

int main(int argc, char **argv) {
#ifndef __EMSCRIPTEN__
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, -1);
#endif
  size_t n = 0;
  int first = 1, rc = 0;
  if (argc > 2 && strcmp(argv[1], "-n") == 0) {
    n = (size_t)strtoull(argv[2], NULL, 10);
    first = 3;
  }
  if (argc > first + 1 && strcmp(argv[first], "--input") == 0) {
    input_path = argv[first + 1];
    first += 2;
  }
  size_t nops = sizeof ops / sizeof *ops;
  if (first >= argc) {
    for (size_t i = 0; i < nops; i++) rc |= run(ops[i].name, n ? n : ops[i].n);
    return rc;
  }
  for (int a = first; a < argc; a++) {
    size_t size = n;
    for (size_t i = 0; i < nops && size == 0; i++)
      if (strcmp(ops[i].name, argv[a]) == 0) size = ops[i].n;
    if (size == 0) size = 1000000;
    rc |= run(argv[a], size);
  }
  return rc;
}
