/*
 * parawasm/kernel.h — what a kernel author needs, and nothing else: the
 * status codes, the annotations that the binding generator reads, and the
 * runtime's services to kernels (fork-join, reductions, feeding input in
 * pieces, cancellation, progress, error messages). It does not include any
 * of parawasm's own kernel families; include/parawasm.h does.
 *
 * ===========================================================================
 * Writing a kernel
 * ===========================================================================
 * A kernel is a plain C function declared once, in a header, with PW_KERNEL
 * in front of it and annotations on its parameters:
 *
 *     /// Sums the bytes. Returns the sum modulo 2^32.
 *     PW_KERNEL uint32_t pw_byte_sum(PW_IN(len) const uint8_t *data, size_t len);
 *
 * The generator (`parawasm build`, or `make` in parawasm's repository) reads
 * the declaration and writes the C trampoline, the JS binding (argument
 * checks, copies in and out, result conversion) and the TypeScript types.
 * From JS it is `core.byteSum(view)` and `await pool.byteSum(view)`: the
 * name loses its C prefix (`pw_`, or the one given with --prefix) and
 * becomes camelCase; so do parameter names in types and error messages.
 *
 * Buffer parameters (pointers), one annotation each:
 *   PW_IN(len)     const T *p  read-only input.
 *   PW_INOUT(len)  T *p        changed in place: the caller's view sees it.
 *   PW_OUT(len)    T *p        written by the kernel into the caller's view.
 *   PW_RETURN(len) T *p        not a JS argument: the binding allocates it
 *                              (zero-filled), the kernel fills it, and JS
 *                              gets it as a new typed array. With several
 *                              PW_RETURN buffers JS gets an object of them,
 *                              keyed by their camelCase names. A kernel with
 *                              PW_RETURN buffers returns void or pw_status
 *                              (a negative status is the call's error; 0 or
 *                              more is success, and the arrays keep their
 *                              declared length: a result whose length the
 *                              kernel finds out is a PW_RESULT).
 *   PW_RESULT(T) pw_result *r
 *                              not a JS argument: a result whose size the
 *                              kernel finds out as it runs (an encoded
 *                              image, the distinct values of an array). The
 *                              kernel sizes it with pw_result_resize() and
 *                              fills it; JS gets a new array of T (uint8_t
 *                              when PW_RESULT is left out), like PW_RETURN.
 *   `len` is one of
 *     - the name of a size_t parameter: it is filled in from the JS view's
 *       element count and is not a JS argument. Buffers that name the same
 *       length parameter must have equal lengths.
 *     - an integer literal: the view must have exactly that many elements
 *       (a 32-byte key: PW_IN(32)).
 *     - an expression over scalar parameters and literals with + - * / % and
 *       parentheses, e.g. PW_IN(width * height * 4): the view must have
 *       exactly that many elements. JS computes it exactly (no 32-bit
 *       wrap-around) before the call.
 *
 * Element types T and the JS views they take (strict: a Float32Array where
 * bytes are declared is a TypeError):
 *   void                   any TypedArray, DataView or Buffer, as bytes
 *   uint8_t, unsigned char Uint8Array (Buffer included) or Uint8ClampedArray
 *   char                   Uint8Array; a PW_IN of char also takes a string (UTF-8)
 *   int8_t Int8Array, uint16_t Uint16Array, int16_t Int16Array,
 *   uint32_t Uint32Array, int32_t Int32Array, uint64_t BigUint64Array,
 *   int64_t BigInt64Array, float Float32Array, double Float64Array
 *
 * Written buffers are distinct: a PW_OUT or PW_INOUT view that overlaps any
 * other buffer argument is a RangeError, unless it is declared
 *   PW_ALIAS(other) T *p        p may be the very same view as buffer
 *                               `other` (same start and length): the
 *                               kernel then works in place.
 *
 * Scalar parameters: uint8/16/32/64_t, int8/16/32/64_t, float, double,
 * size_t, int, unsigned, bool. JS checks each against its C type's range
 * (64-bit ones take a number or a bigint). Annotations on scalars:
 *   PW_DEFAULT(v)    may be omitted in JS; it is then v.
 *   PW_OPTION        passed by name in the options object that ends the JS
 *                    call rather than by position:
 *                    pool.image.blur(src, dst, { width, height, sigma }).
 *                    The same object carries the call options `signal` and
 *                    `onProgress`, which no kernel parameter may be named.
 *   PW_RANGE(lo, hi) the value must lie in [lo, hi] (NaN never does); a
 *                    RangeError naming the parameter otherwise. A 64-bit
 *                    integer's bounds are exact (compared as bigints).
 *   PW_CHAIN         a running value that the result continues
 *                    (crc = f(data, crc)): large foreign inputs may then be
 *                    fed in pieces instead of copied whole.
 *
 * Return types: void, a scalar (64-bit ones become bigint), pw_u128 (a
 * bigint) or pw_status (negative values become a thrown error whose code
 * comes from PW_STATUS_LIST, with the kernel's own message if it set one
 * through pw_fail()).
 *
 * Before PW_KERNEL:
 *   PW_INTERNAL     callable by the package's own JS (invoke()), not a method.
 *   PW_NAME(name)   the JS name, instead of the one derived from the C name.
 *                   Kernels that share a PW_NAME in one namespace become one
 *                   JS method that dispatches on the element type of the
 *                   view given for their first buffer parameter (one C
 *                   kernel per element type: sort_f32, sort_f64, ...).
 *
 * At file scope:
 *   PW_NAMESPACE(ns)  the kernels declared after it in this header are
 *                     core.ns.* / pool.ns.*, and lose `ns_` after the C
 *                     prefix: pw_image_blur is pool.image.blur.
 *
 * Kernels for many element types: write the declaration once as a
 * function-like macro and expand it over an X-macro list of types. The
 * generator expands the function-like macros defined in the headers it
 * reads (## and # included); a doc comment before the expansion documents
 * every kernel it makes:
 *     #define MY_TYPES(X) X(float, f32) X(double, f64)
 *     #define MY_SUM(T, s) \
 *       PW_NAME(sum) PW_KERNEL double my_sum_##s(PW_IN(n) const T *x, size_t n);
 *     /// Sum of x, in double precision.
 *     MY_TYPES(MY_SUM)
 * gives one JS method sum(x) for a Float32Array or a Float64Array.
 *
 * Rules for kernels: no globals (kernels run on any pool thread, many at a
 * time); a zero-length buffer may arrive as NULL; sizes are 32-bit size_t
 * in wasm32, so compute sizes, offsets and counts that can pass 4 GiB in
 * uint64_t (pw_chunks() below divides without overflow); long loops go
 * through pw_parallel_for / pw_parallel_reduce / pw_feed, which split work
 * across threads and stop when the call is cancelled.
 */
#ifndef PARAWASM_KERNEL_H
#define PARAWASM_KERNEL_H

#include <stdarg.h>
#include <stdbool.h> /* bool, a scalar type of kernels */
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
 * It generates the enum below and pw_status_name(); the binding generator
 * reads the JS error codes from it.
 */
#define PW_STATUS_LIST(X)                                                   \
  X(PW_OK,         0, "OK",                  "success")                     \
  X(PW_EINVAL,    -1, "ERR_PW_INVALID_ARG",  "invalid argument")            \
  X(PW_ENOMEM,    -2, "ERR_PW_NO_MEMORY",    "out of memory")               \
  X(PW_ECANCELED, -3, "ABORT_ERR",           "the operation was aborted")   \
  X(PW_ERANGE,    -4, "ERR_PW_OUT_OF_RANGE", "value out of range")          \
  X(PW_EKERNEL,   -5, "ERR_PW_NO_KERNEL",    "no such kernel")              \
  X(PW_EFORMAT,   -6, "ERR_PW_BAD_FORMAT",   "malformed input data")

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
/* Annotations (read by the binding generator; no effect on the C)          */
/* ------------------------------------------------------------------------ */

#define PW_KERNEL
#define PW_INTERNAL
#define PW_NAME(js_name)
#define PW_NAMESPACE(ns)
#define PW_IN(len)
#define PW_INOUT(len)
#define PW_OUT(len)
#define PW_RETURN(len)
#define PW_RESULT(elem_type)
#define PW_ALIAS(other)
#define PW_DEFAULT(value)
#define PW_OPTION
#define PW_RANGE(lo, hi)
#define PW_CHAIN

/* A 128-bit result (a kernel may return it; JS receives a bigint hi:lo). */
typedef struct pw_u128 {
  uint64_t lo;
  uint64_t hi;
} pw_u128;

/*
 * A result of a size known only as the kernel runs (see PW_RESULT above).
 * Starts empty; the binding gives it to JS after the call and frees it.
 */
typedef struct pw_result {
  void *data;
  size_t size; /* bytes */
} pw_result;

/*
 * Resizes r to `bytes` bytes, keeping what it holds (bytes added are zero).
 * Returns r->data, or NULL when out of memory (r is then unchanged).
 * With PW_RESULT(T), `bytes` must end as a multiple of sizeof(T).
 */
void *pw_result_resize(pw_result *r, size_t bytes);

/* ------------------------------------------------------------------------ */
/* Errors with a message                                                    */
/* ------------------------------------------------------------------------ */

/* Longest message pw_fail() keeps, terminating NUL included. */
#define PW_MESSAGE_MAX 192

/*
 * Sets the message of the running call's error and returns `status`, so
 * that a kernel writes `return pw_fail(PW_EFORMAT, "bad PNG header");`.
 * The JS error then reads "<kernel> failed: <message>" and carries the status's
 * code. printf-style; longer messages are cut. Outside a call it only
 * returns `status`. `status` should be negative.
 */
pw_status pw_fail(pw_status status, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

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
 * this loop belongs to was cancelled before the loop returned: chunks not
 * yet started are then skipped, and chunks already running finish, or
 * stop early where the body polls pw_cancelled() (a long chunk should: see
 * there). On PW_ECANCELED the loop's work is incomplete; return it.
 *
 * In the single-thread build the chunks run one after another on the caller.
 */
pw_status pw_parallel_for(size_t n, size_t grain, pw_range_fn body, void *ctx);

/*
 * Number of threads that pw_parallel_for can use, the caller included:
 * 1 in the single-thread build, the pool size in the threaded build.
 * Kernels use it to choose how finely to split work, never to decide what
 * a result is (results must not depend on the thread count).
 */
int pw_concurrency(void);

/*
 * Nonzero when the task the calling thread works for has been asked to
 * stop (its AbortSignal fired, or the pool is being destroyed); once
 * nonzero it stays so for the rest of the call. A kernel with its own long
 * loop may poll it and return early; its result is then discarded and the
 * JS call rejects with an AbortError. A parallel loop's body may poll it
 * too (every few hundred microseconds of work, say: a chunk is up to a
 * thread's whole share) and return early: pw_parallel_for and
 * pw_parallel_reduce then return PW_ECANCELED, so the kernel stops before
 * it uses the incomplete pass. The look costs a few nanoseconds.
 */
int pw_cancelled(void);

/* ------------------------------------------------------------------------ */
/* Splitting and joining                                                    */
/* ------------------------------------------------------------------------ */

/* ceil(n / size) without the overflow of (n + size - 1) / size; size > 0. */
static inline size_t pw_chunks(size_t n, size_t size) {
  return n / size + (n % size != 0);
}

/*
 * Bytes per chunk for cutting `len` bytes into pieces for pw_parallel_for:
 * as many chunks as `max_chunks` allows without any being shorter than
 * `min_chunk` bytes (but at least one), the size rounded up to a multiple
 * of `align` bytes. There are then pw_chunks(len, chunk) chunks, at most
 * max_chunks (and 1 when len < 2 * min_chunk); every one but the last is
 * `chunk` bytes, and the last is 1..chunk bytes. Computed without overflow
 * for every len up to SIZE_MAX (in wasm32, up to 4 GiB - 1). Zero arguments
 * are taken as 1; len 0 gives 1 (and no chunks).
 */
size_t pw_chunk_size(size_t len, size_t min_chunk, size_t max_chunks, size_t align);

/*
 * A grain for pw_parallel_for over items of about `item_bytes` bytes of work
 * each: chunks of about 256 KiB of work, at least one item. It depends only
 * on its argument, so a kernel whose result depends on its chunking (a
 * reduction) stays deterministic for every thread count.
 */
static inline size_t pw_grain(size_t item_bytes) {
  size_t per = item_bytes ? (size_t)(256u << 10) / item_bytes : (size_t)(256u << 10);
  return per ? per : 1;
}

/*
 * Body of a parallel reduction: folds items [begin, end) into `partial`
 * (partial_size bytes, starting as a copy of the initial result).
 */
typedef void (*pw_reduce_fn)(void *ctx, size_t begin, size_t end, void *partial);
/* Folds `partial` into `acc` (acc = acc (+) partial). */
typedef void (*pw_join_fn)(void *ctx, void *acc, const void *partial);

/*
 * A deterministic parallel reduction over [0, n): the range is cut into
 * chunks of `grain` items (widened so that there are at most 4096 chunks;
 * both depend on n and grain only), each chunk is folded by `body` into its
 * own partial (initialised as a copy of *result), on any thread, and the
 * partials are then joined into *result in chunk order, on the caller:
 *     result = ((result (+) p0) (+) p1) (+) ...
 * So the result is the same for every thread count, and for floating-point
 * sums too. `result` must hold the identity of (+) on entry.
 * Returns PW_OK, PW_ECANCELED (result unchanged), PW_ENOMEM, or PW_EINVAL
 * if partial_size is 0.
 */
pw_status pw_parallel_reduce(size_t n, size_t grain, size_t partial_size, pw_reduce_fn body,
                             pw_join_fn join, void *ctx, void *result);

/* Handles `len` bytes of a stream (piece by piece, in order). */
typedef void (*pw_piece_fn)(void *ctx, const uint8_t *piece, size_t len);

/*
 * Feeds `len` bytes at `data` to `fn` in order, in pieces of at most
 * `piece` bytes (0: 1 MiB), checking for cancellation between pieces.
 * For sequential kernels (streaming hashes): they then stop within one
 * piece of an abort. An input of more than one piece reports its progress
 * after each (pw_progress(bytes fed, len)), for the call's onProgress: the
 * whole of the call's progress, so not for a chunk of a pw_parallel_for
 * (use pw_feed_part there). `fn` is never called with 0 bytes. Returns
 * PW_OK or PW_ECANCELED.
 */
pw_status pw_feed(const void *data, size_t len, size_t piece, pw_piece_fn fn, void *ctx);

/*
 * As pw_feed, for one chunk of an input that a pw_parallel_for splits
 * (`total`: the bytes of the whole input): each piece fed is added to the
 * call's progress (pw_progress_add(piece, total)), so chunks finishing in
 * any order on any thread report the call's progress, not their own.
 * `total` 0: the bytes are not the call's progress (a checksum of a part
 * of a kernel's data, say): nothing is reported.
 */
pw_status pw_feed_part(const void *data, size_t len, size_t piece, pw_piece_fn fn, void *ctx,
                       uint64_t total);

/* ------------------------------------------------------------------------ */
/* Progress                                                                 */
/* ------------------------------------------------------------------------ */

/*
 * Reports that `done` of `total` units of the running call are finished
 * (any unit: bytes, rows, items). JS passes it, throttled, to the call's
 * onProgress(done, total) callback; cheap enough to call once per chunk.
 * Outside a call it does nothing.
 */
void pw_progress(uint64_t done, uint64_t total);

/*
 * Adds `delta` finished units of `total` (for chunks of a parallel loop,
 * which finish in any order on any thread).
 */
void pw_progress_add(uint64_t delta, uint64_t total);

#ifdef __cplusplus
}
#endif

#endif /* PARAWASM_KERNEL_H */
