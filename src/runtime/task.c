/*
 * task.c — running one task, and the facts JS needs about task records.
 * Shared by every build.
 */
#define _POSIX_C_SOURCE 200809L /* posix_memalign */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "runtime.h"

_Thread_local pw_task *pw__current;

/* JS reads a pw_u128 result as the 16 bytes at ret (see readReturn in js/bind.js). */
_Static_assert(offsetof(pw_task, ret_hi) == offsetof(pw_task, ret) + 8, "ret_hi follows ret");

const char *pw_status_name(pw_status s) {
  switch (s) {
#define PW_STATUS_CASE_(name, value, code, msg) \
  case value:                                   \
    return msg;
    PW_STATUS_LIST(PW_STATUS_CASE_)
#undef PW_STATUS_CASE_
  default:
    return "unknown status";
  }
}

PW_EXPORT void pw_run(pw_task *t) {
  pw_task *saved = pw__current;
  pw__current = t;
  t->status = PW_OK;
  t->ret.u64 = 0;
  t->ret_hi.u64 = 0;
  t->message[0] = '\0';
  atomic_store_explicit(&t->progress_done, 0, memory_order_relaxed);
  atomic_store_explicit(&t->progress_total, 0, memory_order_relaxed);
  t->progress_at = 0;
  if (t->kernel >= pw__kernel_count) {
    t->status = PW_EKERNEL;
  } else {
    pw__kernels[t->kernel](t);
    /* A cancelled task's result is discarded: it may be partial. */
    if (atomic_load_explicit(&t->cancel, memory_order_relaxed) && t->status == PW_OK)
      t->status = PW_ECANCELED;
  }
  pw__current = saved;
}

int pw_cancelled(void) {
  pw_task *t = pw__current;
  return t != NULL && atomic_load_explicit(&t->cancel, memory_order_relaxed) != 0;
}

pw_status pw_fail(pw_status status, const char *fmt, ...) {
  pw_task *t = pw__current;
  if (t != NULL && fmt != NULL) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->message, sizeof t->message, fmt, ap);
    va_end(ap);
  }
  return status;
}

#ifdef __EMSCRIPTEN__
#include <emscripten/emscripten.h>

/*
 * exit() from a kernel (a library's way out of an error): in wasm the
 * C library's would end the thread the kernel runs on without a word to
 * JS (a pool call that never settles, one thread fewer; on the core an
 * exception that is no error of parawasm's). Here it is a trap, as abort()
 * is: ERR_PW_TRAP on the core, PoolCrashedError on a pool. (This
 * definition takes the place of the C library's; nothing in a package
 * built without a main() calls exit() otherwise.)
 */
_Noreturn void exit(int code) {
  (void)code;
  __builtin_trap();
}

/* A call on the JS thread (the core): hand progress to JS at once. */
EM_JS(void, pw__js_progress, (double done, double total), {
  if (Module['pwProgress']) Module['pwProgress'](done, total);
});
#endif

/* Least time between two progress reports to JS from a call on its thread. */
#define PW_PROGRESS_MS 50.0

static void progress_js(pw_task *t, uint64_t done, uint64_t total) {
#ifdef __EMSCRIPTEN__
  double now = emscripten_get_now();
  if (done < total && now - t->progress_at < PW_PROGRESS_MS) return;
  t->progress_at = now;
  pw__js_progress((double)done, (double)total);
#else
  (void)t, (void)done, (void)total;
#endif
}

void pw_progress(uint64_t done, uint64_t total) {
  pw_task *t = pw__current;
  if (t == NULL) return;
  uint64_t was_total = atomic_exchange_explicit(&t->progress_total, total, memory_order_relaxed);
  uint64_t was_done = atomic_exchange_explicit(&t->progress_done, done, memory_order_relaxed);
  /* the end reported again (a filter's pw__img_ended after its own last rows): JS heard it once */
  if (done >= total && was_done == done && was_total == total) return;
  if (t->flags & PW_TASK_PROGRESS_JS) progress_js(t, done, total);
}

void pw_progress_add(uint64_t delta, uint64_t total) {
  pw_task *t = pw__current;
  if (t == NULL) return;
  atomic_store_explicit(&t->progress_total, total, memory_order_relaxed);
  uint64_t done = atomic_fetch_add_explicit(&t->progress_done, delta, memory_order_relaxed) + delta;
  if (t->flags & PW_TASK_PROGRESS_JS) progress_js(t, done, total);
}

pw_status pw__serial_for(size_t n, size_t grain, pw_range_fn body, void *ctx) {
  if (grain == 0) grain = 1;
  for (size_t begin = 0; begin < n;) {
    if (pw_cancelled()) return PW_ECANCELED;
    size_t end = n - begin > grain ? begin + grain : n;
    body(ctx, begin, end);
    begin = end;
  }
  /* a body may stop early once the task is cancelled (kernel.h): the loop
     is then incomplete, even when that was its last chunk */
  return pw_cancelled() ? PW_ECANCELED : PW_OK;
}

/*
 * Offsets and sizes of pw_task, for the JS side; the order is the one
 * readTaskLayout() in js/bind.js reads.
 */
PW_EXPORT const uint32_t *pw_task_layout(void) {
  static uint32_t layout[] = {
      sizeof(pw_task),
      offsetof(pw_task, state),
      offsetof(pw_task, cancel),
      offsetof(pw_task, kernel),
      offsetof(pw_task, status),
      offsetof(pw_task, ret),
      offsetof(pw_task, args),
      PW_MAX_ARGS,
      0, /* kernel count: another unit's constant, set below */
      0, /* kernel ABI hash, likewise */
      offsetof(pw_task, flags),
      offsetof(pw_task, progress_done),
      offsetof(pw_task, progress_total),
      offsetof(pw_task, message),
      PW_MESSAGE_MAX,
  };
  layout[8] = pw__kernel_count;
  layout[9] = pw__kernel_abi;
  return layout;
}

/* Heap allocation for JS (alloc(), copies of foreign views): NULL when the
   heap cannot grow any more; never aborts. `align` is a power of two. */
PW_EXPORT void *pw_alloc(size_t size, size_t align) {
  void *p = NULL;
  if (align < sizeof(void *)) align = sizeof(void *);
  if (posix_memalign(&p, align, size) != 0) return NULL;
  return p;
}

/* pw_alloc() of zero-filled memory (alloc() of the JS API), 16-byte
   aligned; fresh memory from heap growth is not written again. */
PW_EXPORT void *pw_alloc_zeroed(size_t size) { return pw__zalloc(size ? size : 1); }

PW_EXPORT void pw_free(void *p) { free(p); }

void *pw_result_resize(pw_result *r, size_t bytes) {
  void *p = realloc(r->data, bytes ? bytes : 1);
  if (p == NULL) return NULL;
  if (bytes > r->size) memset((unsigned char *)p + r->size, 0, bytes - r->size);
  r->data = p;
  r->size = bytes;
  return p;
}
