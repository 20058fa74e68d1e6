/*
 * Test-only kernels: built into build/testpkg (never into pkg/) to exercise
 * the runtime and the binding generator: every parameter kind and type,
 * status codes, traps, cancellation, nesting and heap growth on a thread.
 */
#ifndef PW_TEST_KERNELS_H
#define PW_TEST_KERNELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parawasm.h"

/** Does nothing: measures dispatch cost. */
PW_KERNEL void pw_test_noop(void);

/**
 * Crashes the thread: kind 0 traps (unreachable), 1 calls abort(), 2 reads
 * far out of bounds, 3 writes a line to stderr and calls abort(), 4 calls
 * exit(3) (in wasm a trap too: the runtime's exit()).
 */
PW_KERNEL void pw_test_trap(uint32_t kind);

/**
 * Fills 64 KiB of C stack with `seed`, then traps if `trap` is true.
 * @return the sum of the bytes (65536 * (seed & 255))
 */
PW_KERNEL uint32_t pw_test_stack_trap(uint32_t seed, bool trap);

/**
 * Busy-waits about `ms` milliseconds split into `chunks` parallel chunks.
 * @return the number of chunks that ran (fewer when cancelled)
 */
PW_KERNEL uint32_t pw_test_spin(uint32_t ms, PW_DEFAULT(1) uint32_t chunks);

/** gate[0] of pw_test_hold while it holds ("HOLD"); any other value releases. */
#define PW_TEST_HOLD 0x484f4c44u

/**
 * Runs until released, whatever the machine's speed: `chunks` parallel
 * chunks, each of which adds 1 to gate[1] when it starts, then waits (in
 * short sleeps) while gate[0] is PW_TEST_HOLD and the call is not
 * cancelled (its AbortSignal fired). Tests use it to keep threads occupied
 * for exactly as long as a check needs, instead of a spin of a fixed
 * duration that a slow or loaded machine can outlast: on a pool.alloc()
 * view, gate[1] says how many chunks are holding, and Atomics.store(gate,
 * 0, 0) releases them (a copied view is a snapshot: only an abort ends the
 * call then). A gate of zeros does not hold at all, so that a call with
 * made-up arguments (a generic test of every kernel) returns at once; on
 * the single-thread core, where nothing could open it during the call, a
 * closed gate would never open.
 * @param gate    words used atomically: [0] holds while PW_TEST_HOLD,
 *                [1] counts the chunks that have started
 * @param words   length of gate, at least 2
 * @param chunks  parallel chunks (0 is taken as 1)
 * @return the number of chunks that saw the gate open, or PW_EINVAL if
 *         words < 2
 */
PW_KERNEL pw_status pw_test_hold(PW_INOUT(words) uint32_t *gate, size_t words,
                                 PW_DEFAULT(1) uint32_t chunks);

/** Sum of 32-bit words, as a 64-bit value. */
PW_KERNEL uint64_t pw_test_sum_u32(PW_IN(n) const uint32_t *data, size_t n);

/**
 * A running hash of 32-bit words: h = h * 31 + data[i] (mod 2^32) for each
 * word in order, starting from h. The core feeds a large input from
 * outside its memory in pieces, each continuing the last's value.
 */
PW_KERNEL uint32_t pw_test_chain_u32(PW_IN(n) const uint32_t *data, size_t n, PW_DEFAULT(7) PW_CHAIN uint32_t h);

/** x[i] *= k, in place. */
PW_KERNEL void pw_test_scale_f64(PW_INOUT(n) double *x, size_t n, double k);

/** out[i] = a[i] + b[i]; all three must have the same length; out may be a itself. Returns n. */
PW_KERNEL pw_status pw_test_add_i32(PW_IN(n) const int32_t *a, PW_IN(n) const int32_t *b,
                                    PW_OUT(n) PW_ALIAS(a) int32_t *out, size_t n);

/** Returns `s` as a status (negative values are errors). */
PW_KERNEL pw_status pw_test_status(int32_t s);

/** Mixes every scalar type into one int64: checks argument passing. */
PW_KERNEL int64_t pw_test_scalars(int8_t a, uint16_t b, int32_t c, uint64_t d, int64_t e,
                                  float f, double g, bool h);

/**
 * Allocates `bytes` on the calling thread (growing the heap if needed),
 * writes it, frees it. Returns 1 on success, 0 if malloc failed.
 */
PW_KERNEL uint32_t pw_test_grow(size_t bytes);

/**
 * Nested fork-join: `width` chunks, each running a nested loop of `width`
 * chunks, to `depth` levels. Returns the number of leaves (width^depth).
 */
PW_KERNEL uint64_t pw_test_nested(uint32_t depth, uint32_t width);

/**
 * Fills a new array of `n` 16-bit values with start, start + 1, ...
 * (a PW_RETURN result whose length is an argument). Fails with PW_ERANGE if
 * start is 0xffff (to test a status with a result).
 */
PW_KERNEL pw_status pw_test_iota(PW_RETURN(n) uint16_t *out, uint32_t n, PW_DEFAULT(0) uint16_t start);

/**
 * A PW_RESULT of `bytes` bytes, byte i holding i & 0xff: a whole number of
 * its 4-byte elements or not (a kernel's bug, which the binding reports);
 * with `fail` set, the kernel fails with PW_ERANGE after it has made the
 * result (which the binding frees all the same).
 */
PW_KERNEL pw_status pw_test_result(uint32_t bytes, PW_DEFAULT(0) bool fail, PW_RESULT(uint32_t) pw_result *out);

/**
 * Three new arrays of `n` values each: lo[i] = start + i (16-bit), sq[i] =
 * (start + i)^2 / 4 as a double and odd[i] = 1 if start + i is odd (bytes):
 * several PW_RETURN results of one length, of element sizes that leave
 * each next one to be aligned. Fails with PW_ERANGE if start is 0xffff.
 */
PW_KERNEL pw_status pw_test_iota3(PW_RETURN(n) uint16_t *lo, PW_RETURN(n) double *sq, PW_RETURN(n) uint8_t *odd,
                                  uint32_t n, PW_DEFAULT(0) uint16_t start);

/** Returns the 8 bytes key[0..3] ++ (FNV-1a of text, big-endian): a fixed-size input, a text input and a fixed-size result. */
PW_KERNEL void pw_test_tag(PW_IN(4) const void *key, PW_IN(len) const char *text, size_t len,
                           PW_RETURN(8) uint8_t *out);

/**
 * Writes 0xa5 into out[0..n) and nothing into the rest of its 16 bytes:
 * what a caller gets for result bytes a kernel did not write (zeros).
 */
PW_KERNEL void pw_test_partial(PW_RANGE(0, 16) uint32_t n, PW_RETURN(16) uint8_t *out);

/** Returns hi * 2^64 + lo as a 128-bit result. */
PW_KERNEL pw_u128 pw_test_u128(uint64_t hi, uint64_t lo);

/**
 * Returns h + g (wrapped to 64 bits): options whose ranges pass 2^53, which
 * a value next to a bound must not pass.
 */
PW_KERNEL uint64_t pw_test_range64(PW_OPTION PW_DEFAULT(5) PW_RANGE(5, 18000000000000000000) uint64_t h,
                                   PW_OPTION PW_DEFAULT(0) PW_RANGE(-9007199254740993, 9007199254740993) int64_t g);

/** Doubles x: internal, so not a method of the core or the pool. */
PW_INTERNAL PW_KERNEL uint32_t pw_test_hidden(uint32_t x);

/**
 * 2x + 1 and 3x, under names the runtime's own members once had (run,
 * heap): a kernel may take any name but a public member's or one starting
 * with $.
 */
PW_NAME(run) PW_KERNEL uint32_t pw_test_named_run(uint32_t x);
PW_NAME(heap) PW_KERNEL uint32_t pw_test_named_heap(uint32_t x);

#endif
