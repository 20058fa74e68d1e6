/*
 * futex.h — wait on and wake a 32-bit word: Emscripten's futex in the wasm
 * build (memory.atomic.wait32/notify, which JS Atomics.notify and
 * Atomics.waitAsync also reach), the Linux futex natively (for tests).
 */
#ifndef PW_FUTEX_H
#define PW_FUTEX_H

#include <stdatomic.h>
#include <stdint.h>

#ifdef __EMSCRIPTEN__
#include <emscripten/threading.h>
#include <math.h>

/* Blocks while *word == expected (returns at once otherwise), or until woken. */
static inline void pw_futex_wait(_Atomic int32_t *word, int32_t expected) {
  emscripten_futex_wait((volatile void *)word, (uint32_t)expected, INFINITY);
}
/* Wakes up to n threads blocked in pw_futex_wait on word. */
static inline void pw_futex_wake(_Atomic int32_t *word, int n) {
  emscripten_futex_wake((volatile void *)word, n);
}
/* A hint inside spin loops. */
static inline void pw_spin_pause(void) {}

#elif defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

static inline void pw_futex_wait(_Atomic int32_t *word, int32_t expected) {
  syscall(SYS_futex, (int32_t *)word, FUTEX_WAIT_PRIVATE, expected, (void *)0, (void *)0, 0);
}
static inline void pw_futex_wake(_Atomic int32_t *word, int n) {
  syscall(SYS_futex, (int32_t *)word, FUTEX_WAKE_PRIVATE, n, (void *)0, (void *)0, 0);
}
#if defined(__x86_64__) || defined(__i386__)
static inline void pw_spin_pause(void) { __builtin_ia32_pause(); }
#else
static inline void pw_spin_pause(void) {}
#endif

#else
#error "parawasm's pool needs Emscripten or Linux futexes"
#endif

#endif /* PW_FUTEX_H */
