/*
 * parawasm.h — the public C API of parawasm.
 *
 * This header holds three things:
 *   1. the status codes every kernel and runtime call reports (one list),
 *   2. the annotations with which a kernel declaration tells the binding
 *      generator (tools/bindgen.mjs) how JavaScript calls it,
 *   3. the fork-join hook (pw_parallel_for) through which kernels use the
 *      pool's threads.
 * The kernel families are declared in include/parawasm/ (one header a family), included below.
 *
 * ---------------------------------------------------------------------------
 * Writing a kernel
 * ---------------------------------------------------------------------------
 * A kernel is a plain C function, declared once in a header under include/
 * with PW_KERNEL in front of it:
 *
 *     /// Sums `len` bytes. Returns the sum modulo 2^32.
 *     PW_KERNEL uint32_t pw_byte_sum(PW_IN(len) const uint8_t *data, size_t len);
 *
 * `make` reads that declaration and generates the C trampoline, the JS
 * binding (argument checks, copies in and out, result conversion) and the
 * TypeScript declaration. From JS it is `core.byteSum(view)` and
 * `await pool.byteSum(view)`: the name loses its `pw_` prefix and becomes
 * camelCase.
 *
 * Parameters:
 *   PW_IN(n)      const T *p   read-only buffer of `n` elements of T; the
 *                              length parameter `n` (a size_t) is filled in
 *                              from the JS view and does not appear in JS.
 *   PW_INOUT(n)   T *p         buffer changed in place (the caller's view
 *                              sees the change).
 *   PW_OUT(n)     T *p         buffer the kernel writes; the caller passes it.
 *   PW_IN(32)     const T *p   a literal count: the caller's buffer must have
 *                              exactly that many elements (a key, say).
 *   PW_RETURN(n)  T *p         the binding allocates n elements (n a literal
 *                              or a scalar parameter), the kernel fills them
 *                              and JS returns them as a new typed array (a
 *                              digest: PW_RETURN(32) uint8_t *out). The
 *                              kernel then returns void or pw_status.
 *   (none)        scalar       uint8/16/32_t, int8/16/32_t, uint64_t, int64_t,
 *                              float, double, size_t, int, unsigned, bool.
 *   PW_DEFAULT(v)              the scalar may be omitted in JS; it is then v.
 *   PW_CHAIN                   the scalar is a running value that the result
 *                              continues (crc = f(data, crc)): large foreign
 *                              inputs may then be fed in pieces, no full copy.
 * T is uint8_t or void (any JS view, taken as bytes), char (a PW_IN of
 * char also takes a JS string, passed as UTF-8), int8_t, uint16_t,
 * int16_t, uint32_t, int32_t, float, double, uint64_t or int64_t (the
 * matching typed array). Several buffers may share one length parameter;
 * JS then checks that their lengths agree.
 *
 * Return types: void, the scalar types above (uint64_t/int64_t become bigint
 * in JS), pw_u128 (a bigint), or pw_status (negative values become a thrown
 * ParawasmError).
 *
 * PW_INTERNAL before PW_KERNEL: the kernel is callable by parawasm's own JS
 * (streaming hashes, say) but is not a method of the core or the pool.
 *
 * Rules for kernels: no globals (kernels run on any pool thread, many at a
 * time); a zero-length buffer may arrive as NULL; long loops go through
 * pw_parallel_for so that they split across threads and can be cancelled.
 */
#ifndef PARAWASM_H
#define PARAWASM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Status codes                                                             */
/* ------------------------------------------------------------------------ */

/*
 * One list for every status: X(enum name, value, JS error code, message).
 * It generates the enum below and pw_status_name(); the JS error codes are
 * read from it by the binding generator.
 */
#define PW_STATUS_LIST(X)                                                   \
  X(PW_OK,         0, "OK",                 "success")                      \
  X(PW_EINVAL,    -1, "ERR_PW_INVALID_ARG", "invalid argument")             \
  X(PW_ENOMEM,    -2, "ERR_PW_NO_MEMORY",   "out of memory")                \
  X(PW_ECANCELED, -3, "ABORT_ERR",          "the operation was aborted")    \
  X(PW_ERANGE,    -4, "ERR_PW_OUT_OF_RANGE", "value out of range")          \
  X(PW_EKERNEL,   -5, "ERR_PW_NO_KERNEL",   "no such kernel")

typedef enum {
#define PW_STATUS_ENUM_(name, value, code, msg) name = value,
  PW_STATUS_LIST(PW_STATUS_ENUM_)
#undef PW_STATUS_ENUM_
} pw_status_code;

/* A status: PW_OK (0) or a negative pw_status_code. */
typedef int32_t pw_status;

/* The message of a status ("success", "out of memory", ...); never NULL. */
const char *pw_status_name(pw_status s);

/* ------------------------------------------------------------------------ */
/* Kernel annotations (read by tools/bindgen.mjs; no effect on the C)       */
/* ------------------------------------------------------------------------ */

#define PW_KERNEL
#define PW_IN(len_param)
#define PW_INOUT(len_param)
#define PW_OUT(len_param)
#define PW_DEFAULT(value)
#define PW_CHAIN
#define PW_RETURN(count)
#define PW_INTERNAL

/* A 128-bit result (a kernel may return it; JS receives a bigint hi:lo). */
typedef struct pw_u128 {
  uint64_t lo;
  uint64_t hi;
} pw_u128;

/* ------------------------------------------------------------------------ */
/* Fork-join                                                                */
/* ------------------------------------------------------------------------ */

/*
 * Body of a parallel loop: handles items [begin, end) of the range.
 * `ctx` is the pointer given to pw_parallel_for. Chunks run concurrently on
 * different threads, in no particular order; each item is handled once.
 */
typedef void (*pw_range_fn)(void *ctx, size_t begin, size_t end);

/*
 * Runs body over the items [0, n) in chunks of `grain` items (the last chunk
 * may be shorter), using every pool thread that is free. The calling thread
 * takes part and, while it waits for chunks that other threads run, helps
 * with other parallel loops, so nested calls never deadlock.
 *
 * grain  items per chunk; 0 is taken as 1.
 * Returns PW_OK when every chunk ran, or PW_ECANCELED when the task that
 * this loop belongs to was cancelled: chunks not yet started are then
 * skipped (chunks already running finish).
 *
 * In the single-thread build the chunks run one after another on the caller.
 */
pw_status pw_parallel_for(size_t n, size_t grain, pw_range_fn body, void *ctx);

/*
 * Number of threads that pw_parallel_for can use, the caller included:
 * 1 in the single-thread build, the pool size in the threaded build.
 * Kernels use it to choose how finely to split work.
 */
int pw_concurrency(void);

/*
 * Nonzero when the task the calling thread works for has been asked to
 * stop (its AbortSignal fired, or the pool is being destroyed). A kernel
 * with its own long loop may poll it and return early; its result is then
 * discarded and the JS call rejects with an AbortError.
 */
int pw_cancelled(void);

#ifdef __cplusplus
}
#endif

#include "parawasm/checksum.h"
#include "parawasm/bytes.h"
#include "parawasm/hash.h"
#include "parawasm/xxhash.h"
#include "parawasm/sha2.h"
#include "parawasm/legacy.h"
#include "parawasm/blake3.h"

#endif /* PARAWASM_H */
