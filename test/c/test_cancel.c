/*
 * test_cancel.c — every kernel that can run long stops at its next piece
 * or chunk once its call is cancelled, checked without any clock.
 *
 * How "it stopped" is seen: the input (or output) lies in pages that the
 * kernel may not touch yet. Only its first GUARD_OPEN bytes are readable;
 * the rest is PROT_NONE. The first access past them faults into a SIGSEGV
 * handler, which sets the task's cancel flag (as an abort from JS does)
 * and opens the next GUARD_STEP bytes. A kernel that checks for
 * cancellation between pieces of at most GUARD_STEP - GUARD_OPEN bytes
 * then returns without touching the next closed page: exactly one fault.
 * A kernel that runs on faults once per GUARD_STEP until the end (the
 * xxHash kernels did, before they fed their input through pw_feed).
 * With the cancel flag set before the call, a kernel must not touch its
 * input at all: no fault.
 *
 * The kernels run as if on a task (pw__current), on one thread: the serial
 * paths, whose loops are the ones that must poll. Parallel loops stop
 * between chunks in pw_parallel_for itself (test_pool.c). Needs mmap and
 * signals: native builds only; the wasm build reports the test skipped.
 */
#define _GNU_SOURCE
#include "runtime.h"
#include "testlib.h"

#if !defined(__wasm__) && !defined(PW_TEST_FAKE_POOL)
#define PW_GUARD_TEST 1
#endif

#ifdef PW_GUARD_TEST
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#define MiB ((size_t)1 << 20)
#define GUARD_SIZE (64 * MiB)  /* the whole buffer: far more than two steps */
#define GUARD_OPEN (2 * MiB)   /* readable from the start */
#define GUARD_STEP (8 * MiB)   /* opened by each fault */

static uint8_t *guard_base;
static pw_task guard_task;
static volatile sig_atomic_t guard_faults;
static struct sigaction old_segv, old_bus;

static void on_fault(int sig, siginfo_t *info, void *uctx) {
  uint8_t *a = info->si_addr;
  if (guard_base == NULL || a < guard_base || a >= guard_base + GUARD_SIZE) {
    /* not ours: let the default action report it */
    sigaction(sig, sig == SIGSEGV ? &old_segv : &old_bus, NULL);
    (void)uctx;
    return;
  }
  guard_faults++;
  atomic_store(&guard_task.cancel, 1);
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  uint8_t *from = guard_base + (size_t)(a - guard_base) / page * page;
  size_t n = (size_t)(guard_base + GUARD_SIZE - from);
  if (n > GUARD_STEP) n = GUARD_STEP;
  mprotect(from, n, PROT_READ | PROT_WRITE);
}

/* Fresh guarded buffer, filled with bytes that are not all zero (so that
   asciiUpper has letters to change); returns its start. */
static uint8_t *guard_arm(int preset_cancel) {
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  (void)page;
  guard_base = mmap(NULL, GUARD_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (guard_base == MAP_FAILED) {
    fprintf(stderr, "mmap of %zu bytes failed\n", (size_t)GUARD_SIZE);
    exit(2);
  }
  for (size_t i = 0; i < GUARD_SIZE; i += 4096) memset(guard_base + i, 'a' + (int)(i / 4096 % 26), 64);
  mprotect(guard_base + GUARD_OPEN, GUARD_SIZE - GUARD_OPEN, PROT_NONE);
  memset(&guard_task, 0, sizeof guard_task);
  atomic_store(&guard_task.cancel, preset_cancel ? 1u : 0u);
  guard_faults = 0;
  pw__current = &guard_task;
  return guard_base;
}

/* Ends a run; returns the number of faults it took. */
static int guard_disarm(void) {
  pw__current = NULL;
  munmap(guard_base, GUARD_SIZE);
  guard_base = NULL;
  return guard_faults;
}

/* The kernels under test: each reads (or writes) buf[0..len). */
typedef void (*kernel_fn)(uint8_t *buf, size_t len);

static void k_xxh32(uint8_t *b, size_t n) { (void)pw_xxh32(b, n, 1); }
static void k_xxh64(uint8_t *b, size_t n) { (void)pw_xxh64(b, n, 1); }
static void k_xxh3(uint8_t *b, size_t n) { (void)pw_xxh3(b, n, 1); }
static void k_xxh128(uint8_t *b, size_t n) { (void)pw_xxh128(b, n, 1); }
static void k_md5(uint8_t *b, size_t n) { uint8_t d[16]; pw_md5(b, n, d); }
static void k_sha1(uint8_t *b, size_t n) { uint8_t d[20]; pw_sha1(b, n, d); }
static void k_sha224(uint8_t *b, size_t n) { uint8_t d[28]; pw_sha224(b, n, d); }
static void k_sha256(uint8_t *b, size_t n) { uint8_t d[32]; pw_sha256(b, n, d); }
static void k_blake3(uint8_t *b, size_t n) { uint8_t d[32]; pw_blake3(b, n, d, 32); }
static void k_crc32(uint8_t *b, size_t n) { (void)pw_crc32(b, n, 0); }
static void k_crc32c(uint8_t *b, size_t n) { (void)pw_crc32c(b, n, 0); }
static void k_adler32(uint8_t *b, size_t n) { (void)pw_adler32(b, n, 1); }
static void k_upper(uint8_t *b, size_t n) { (void)pw_ascii_upper(b, n); }

/* BLAKE3's extendable output: the output is the guarded buffer. */
static void k_blake3_xof(uint8_t *b, size_t n) {
  static const uint8_t in[100] = {1, 2, 3};
  pw_blake3(in, sizeof in, b, n);
}

/* The streaming interface and hashMany, one algorithm each. */
static uint32_t cur_alg;
static void k_hash_update(uint8_t *b, size_t n) {
  static uint8_t state[PW_HASH_STATE_SIZE];
  pw_task *t = pw__current;
  pw__current = NULL; /* the init is not part of the cancelled call */
  pw_hash_init(state, sizeof state, cur_alg, 0, PW_HASH_PLAIN, NULL, 0);
  pw__current = t;
  (void)pw_hash_update(state, sizeof state, b, n);
}
static void k_hash_many(uint8_t *b, size_t n) {
  uint64_t items[2] = {(uint64_t)(uintptr_t)b, n};
  uint8_t out[64];
  size_t digest = cur_alg == PW_HASH_XXH128 || cur_alg == PW_HASH_MD5 ? 16
                  : cur_alg <= PW_HASH_XXH32                        ? 4
                  : cur_alg <= PW_HASH_XXH3                         ? 8
                  : cur_alg == PW_HASH_SHA1                         ? 20
                  : cur_alg == PW_HASH_SHA224                       ? 28
                                                                    : 32;
  (void)pw_hash_many(cur_alg, 0, PW_HASH_PLAIN, NULL, 0, items, 2, out, digest);
}

static void check_kernel(const char *name, kernel_fn k) {
  /* cancelled while it runs: one fault, then it stops */
  uint8_t *buf = guard_arm(0);
  k(buf, GUARD_SIZE);
  int faults = guard_disarm();
  CHECK(faults == 1, "%s: %d faults after the cancel, want 1 (it read on past its next piece)", name,
        faults);
  /* cancelled before it starts: it touches nothing past the open part */
  buf = guard_arm(1);
  k(buf + GUARD_OPEN, GUARD_SIZE - GUARD_OPEN);
  faults = guard_disarm();
  CHECK(faults == 0, "%s: cancelled before the start, yet it touched its input (%d faults)", name,
        faults);
}

static void test_guarded(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_fault;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGSEGV, &sa, &old_segv);
  sigaction(SIGBUS, &sa, &old_bus);

  static const struct {
    const char *name;
    kernel_fn k;
  } kernels[] = {
      {"xxh32", k_xxh32},   {"xxh64", k_xxh64},   {"xxh3", k_xxh3},       {"xxh128", k_xxh128},
      {"md5", k_md5},       {"sha1", k_sha1},     {"sha224", k_sha224},   {"sha256", k_sha256},
      {"blake3", k_blake3}, {"crc32", k_crc32},   {"crc32c", k_crc32c},   {"adler32", k_adler32},
      {"asciiUpper", k_upper}, {"blake3 output", k_blake3_xof},
  };
  for (size_t i = 0; i < sizeof kernels / sizeof *kernels; i++) check_kernel(kernels[i].name, kernels[i].k);

  static const char *const algs[] = {NULL,     "crc32", "crc32c", "adler32", "xxh32",  "xxh64", "xxh3",
                                     "xxh128", "md5",   "sha1",   "sha224",  "sha256", "blake3"};
  char name[64];
  for (uint32_t alg = PW_HASH_CRC32; alg <= PW_HASH_BLAKE3; alg++) {
    cur_alg = alg;
    snprintf(name, sizeof name, "hashUpdate %s", algs[alg]);
    check_kernel(name, k_hash_update);
    snprintf(name, sizeof name, "hashMany %s", algs[alg]);
    check_kernel(name, k_hash_many);
  }

  sigaction(SIGSEGV, &old_segv, NULL);
  sigaction(SIGBUS, &old_bus, NULL);
}
#endif

int main(void) {
#ifdef PW_GUARD_TEST
  test_guarded();
#else
  printf("test_cancel: guarded-page checks need mmap and signals (native, not the fake pool): skipped\n");
#endif
  return test_summary("test_cancel");
}
