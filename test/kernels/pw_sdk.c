/*
 * pw_sdk.c — the test kernels of pw_sdk.h.
 */
#include <math.h>
#include <stdatomic.h>
#include <string.h>

#include "pw_sdk.h"

typedef struct {
  uint8_t *out;
  uint32_t width, channels;
} fill_job;

static void fill_rows(void *ctx, size_t y0, size_t y1) {
  const fill_job *j = ctx;
  for (size_t y = y0; y < y1; y++) {
    uint8_t *row = j->out + (uint64_t)y * j->width * j->channels;
    for (uint32_t x = 0; x < j->width; x++)
      for (uint32_t c = 0; c < j->channels; c++) row[(size_t)x * j->channels + c] = (uint8_t)(x + 3 * y + 7 * c);
  }
}

void pw_sdk_fill(uint8_t *out, uint32_t width, uint32_t height, uint32_t channels) {
  fill_job j = {out, width, channels};
  (void)pw_parallel_for(height, 16, fill_rows, &j);
}

void pw_sdk_scale(const float *src, float *dst, size_t n, float k) {
  for (size_t i = 0; i < n; i++) dst[i] = src[i] * k;
}

pw_status pw_sdk_min_max(const double *x, size_t n, double *min, double *max) {
  double lo = NAN, hi = NAN;
  for (size_t i = 0; i < n; i++) {
    if (i == 0 || x[i] < lo) lo = x[i];
    if (i == 0 || x[i] > hi) hi = x[i];
  }
  *min = lo;
  *max = hi;
  return PW_OK;
}

pw_status pw_sdk_distinct(const uint8_t *data, size_t n, pw_result *values, pw_result *counts) {
  uint32_t hist[256] = {0};
  for (size_t i = 0; i < n; i++) hist[data[i]]++;
  size_t k = 0;
  for (int b = 0; b < 256; b++) k += hist[b] != 0;
  if (!pw_result_resize(values, k) || !pw_result_resize(counts, k * sizeof(uint32_t)))
    return pw_fail(PW_ENOMEM, "no memory for %zu distinct values", k);
  uint8_t *v = values->data;
  uint32_t *c = counts->data;
  for (int b = 0, i = 0; b < 256; b++) {
    if (!hist[b]) continue;
    v[i] = (uint8_t)b;
    c[i++] = hist[b];
  }
  return PW_OK;
}

pw_status pw_sdk_fail(int32_t code, uint32_t n) {
  if (code == 0) return (pw_status)n;
  return pw_fail(code, "asked to fail with %u", n);
}

typedef struct {
  uint64_t n;
  _Atomic uint64_t counted;
} count_job;

static void count_chunk(void *ctx, size_t begin, size_t end) {
  count_job *j = ctx;
  atomic_fetch_add(&j->counted, end - begin);
  pw_progress_add(end - begin, j->n);
}

uint64_t pw_sdk_count(uint64_t n, uint32_t step) {
  count_job j = {n, 0};
  (void)pw_parallel_for((size_t)n, step, count_chunk, &j);
  return atomic_load(&j.counted);
}

static void sum_body(void *ctx, size_t begin, size_t end, void *partial) {
  const float *x = ctx;
  float *acc = partial;
  for (size_t i = begin; i < end; i++) *acc += x[i];
}

static void sum_join(void *ctx, void *acc, const void *partial) {
  (void)ctx;
  *(float *)acc += *(const float *)partial;
}

float pw_sdk_sum_f32_ordered(const float *x, size_t n, uint32_t grain) {
  float total = 0;
  if (pw_parallel_reduce(n, grain, sizeof total, sum_body, sum_join, (void *)x, &total) != PW_OK) return NAN;
  return total;
}

#define PW_SDK_SUM_DEF(T, s)                                  \
  double pw_sdk_sum_##s(const T *x, size_t n) {               \
    double t = 0;                                             \
    for (size_t i = 0; i < n; i++) t += (double)x[i];         \
    return t;                                                 \
  }
PW_SDK_TYPES(PW_SDK_SUM_DEF)
