/*
 * Test-only kernels of the SDK's annotation language (built into
 * build/testpkg, never into pkg/): a namespace, kernel options, lengths
 * from expressions, in-place aliasing, several outputs, results sized by
 * the kernel, errors with messages, progress, and one method over several
 * element types. Their JS behaviour is tested in test/js/sdk.test.js.
 */
#ifndef PW_SDK_TEST_H
#define PW_SDK_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parawasm/kernel.h"

PW_NAMESPACE(sdk)

/**
 * Writes a width x height image of `channels` bytes a pixel: byte c of
 * pixel (x, y) is (x + 3y + 7c) mod 256.
 * @param out     the image, width * height * channels bytes
 * @param width   pixels a row
 * @param height  rows
 * @param channels bytes a pixel, 1 to 4
 */
PW_KERNEL void pw_sdk_fill(PW_OUT(width * height * channels) uint8_t *out,
                           PW_OPTION PW_RANGE(1, 65535) uint32_t width,
                           PW_OPTION PW_RANGE(1, 65535) uint32_t height,
                           PW_OPTION PW_DEFAULT(4) PW_RANGE(1, 4) uint32_t channels);

/**
 * dst[i] = src[i] * k; dst may be src itself (in place).
 * @param k  the factor
 */
PW_KERNEL void pw_sdk_scale(PW_IN(n) const float *src, PW_OUT(n) PW_ALIAS(src) float *dst, size_t n,
                            PW_OPTION PW_DEFAULT(2) float k);

/**
 * The least and the greatest value of x (NaN if x is empty).
 * @return min and max, each a Float64Array of one value
 */
PW_KERNEL pw_status pw_sdk_min_max(PW_IN(n) const double *x, size_t n, PW_RETURN(1) double *min,
                                   PW_RETURN(1) double *max);

/**
 * The distinct bytes of data in increasing order, and how often each occurs.
 * @return values (a Uint8Array) and counts (a Uint32Array)
 */
PW_KERNEL pw_status pw_sdk_distinct(PW_IN(n) const uint8_t *data, size_t n,
                                    PW_RESULT(uint8_t) pw_result *values,
                                    PW_RESULT(uint32_t) pw_result *counts);

/**
 * Fails with status `code` (negative) and the message "asked to fail with
 * <n>", or returns n when code is 0.
 */
PW_KERNEL pw_status pw_sdk_fail(int32_t code, PW_DEFAULT(0) uint32_t n);

/**
 * Counts to n in steps of `step` (parallel chunks), reporting progress
 * through pw_progress_add; stops early when cancelled.
 * @return n
 */
PW_KERNEL uint64_t pw_sdk_count(uint64_t n, PW_OPTION PW_DEFAULT(1000) uint32_t step);

/**
 * Sum of x in float, by pw_parallel_reduce with chunks of `grain` items:
 * the same bits for every thread count.
 */
PW_KERNEL float pw_sdk_sum_f32_ordered(PW_IN(n) const float *x, size_t n, PW_OPTION PW_DEFAULT(1024) uint32_t grain);

/* One method over several element types: sum(x) for each of them. */
#define PW_SDK_TYPES(X) X(float, f32) X(double, f64) X(int32_t, i32) X(uint8_t, u8)
#define PW_SDK_SUM(T, s) PW_NAME(sum) PW_KERNEL double pw_sdk_sum_##s(PW_IN(n) const T *x, size_t n);

/** Sum of x, in double precision (in order, one thread). */
PW_SDK_TYPES(PW_SDK_SUM)

#endif
