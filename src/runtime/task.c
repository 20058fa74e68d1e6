/*
 * task.c — running one task, and the facts JS needs about task records.
 * Shared by every build.
 */
#define _POSIX_C_SOURCE 200809L /* posix_memalign */
#include <stddef.h>
#include <stdlib.h>

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

pw_status pw__serial_for(size_t n, size_t grain, pw_range_fn body, void *ctx) {
  if (grain == 0) grain = 1;
  for (size_t begin = 0; begin < n;) {
    if (pw_cancelled()) return PW_ECANCELED;
    size_t end = n - begin > grain ? begin + grain : n;
    body(ctx, begin, end);
    begin = end;
  }
  return PW_OK;
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

PW_EXPORT void pw_free(void *p) { free(p); }
