/*
 * own_bench.h — two kernels of a user's package for the per-call overhead
 * rows of test/bench/own-kernels.mjs, built with the example's kernels
 * (examples/own-kernels) into build/example/bench-pkg by `parawasm build
 * --prefix my_`: an empty kernel, and one of the very shape of parawasm's
 * built-in xxh32(data, seed), so that a call of each goes through the same
 * argument checks.
 */
#ifndef OWN_BENCH_H
#define OWN_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include "parawasm/kernel.h"

/** Does nothing: what a call costs with no work and no arguments. */
PW_KERNEL void my_noop(void);

/**
 * start plus the sum of the bytes, modulo 2^32.
 * @param data   the bytes
 * @param start  the value the sum starts from
 */
PW_KERNEL uint32_t my_byte_sum(PW_IN(len) const void *data, size_t len, PW_DEFAULT(0) uint32_t start);

#endif
