/*
 * test_pool.c — the thread pool (src/runtime/pool.c) natively, with this
 * program in the role of the JS main thread: it fills task records,
 * submits them, waits on done_seq and drains completions exactly as
 * js/pool.js does. Run plain and under ThreadSanitizer (make test-c).
 *
 * Checks: every task completes exactly once with the right result, under
 * bursts larger than the ring and under trickles that let the threads
 * park between tasks (lost wake-ups); cancellation before start and in the
 * middle of a parallel loop; nested fork-join; parallel CRC-32 equal to the
 * serial result; pw_parallel_for called from outside the pool; clean stop.
 *
 * Nothing here depends on the machine's speed: threads are kept busy with
 * pw_test_hold, which runs until this program opens its gate or cancels
 * it, never for a fixed time; the only clock is the alarm that turns a hang
 * into a failure.
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pool.h"
#include "pw_test.h"

static int failures;
#define CHECK(cond, ...)                                        \
  do {                                                          \
    if (!(cond)) {                                              \
      failures++;                                               \
      fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);      \
      fprintf(stderr, __VA_ARGS__);                             \
      fputc('\n', stderr);                                      \
    }                                                           \
  } while (0)

#define CAP_LOG2 6
#define CAP (1u << CAP_LOG2)

static uint32_t kernel_id(const char *cname) {
  for (uint32_t i = 0; i < pw__kernel_count; i++)
    if (strcmp(pw__kernel_names[i], cname) == 0) return i;
  fprintf(stderr, "no kernel %s\n", cname);
  exit(2);
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void sleep_us(long us) {
  struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
  nanosleep(&ts, NULL);
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (uint32_t)(rng >> 11);
}

/* ---- the "JS" side: free task records, in-flight bookkeeping ---- */

static uint32_t free_slots[CAP];
static int nfree;
static int completions[CAP]; /* times each record completed since submit */
static int inflight;

static void slots_init(void) {
  nfree = 0;
  for (uint32_t i = 0; i < CAP; i++) free_slots[nfree++] = CAP - 1 - i;
}

typedef void (*on_done_fn)(uint32_t idx, pw_task *t);

/* Drains whatever has completed; blocks for more only if `block`. */
static int pump(on_done_fn on_done, int block) {
  uint32_t got[CAP];
  int32_t seen = pw__pool_done_seq();
  int n = pw__pool_drain(got, CAP);
  if (n == 0 && block) {
    pw__pool_wait(seen);
    n = pw__pool_drain(got, CAP);
  }
  for (int i = 0; i < n; i++) {
    pw_task *t = pw__pool_task(got[i]);
    completions[got[i]]++;
    if (on_done) on_done(got[i], t);
    free_slots[nfree++] = got[i];
    inflight--;
  }
  return n;
}

static pw_task *take_slot(uint32_t *idx, on_done_fn on_done) {
  while (nfree == 0) pump(on_done, 1);
  *idx = free_slots[--nfree];
  pw_task *t = pw__pool_task(*idx);
  memset(t->args, 0, sizeof t->args);
  atomic_store(&t->cancel, 0);
  t->status = 0;
  return t;
}

static void submit(uint32_t idx, pw_task *t) {
  completions[idx] = 0;
  atomic_store(&t->state, PW_TASK_QUEUED);
  inflight++;
  pw_pool_submit(idx);
}

static void drain_all(on_done_fn on_done) {
  while (inflight > 0) pump(on_done, 1);
}

/* ---- kernels' expected results ---- */

static uint32_t K_NOOP, K_SUM, K_HOLD, K_NESTED, K_CRC32;
static uint32_t words[4096];
static uint64_t expect_sum[CAP];
static long bad_results;

static void check_sum(uint32_t idx, pw_task *t) {
  if (t->kernel == K_SUM && (t->status != PW_OK || t->ret.u64 != expect_sum[idx])) bad_results++;
  if (atomic_load(&t->state) != PW_TASK_DONE) bad_results++;
}

static void submit_sum(void) {
  uint32_t idx;
  pw_task *t = take_slot(&idx, check_sum);
  uint32_t n = rnd() % 4096;
  uint32_t off = rnd() % (4096 - n + 1);
  uint64_t s = 0;
  for (uint32_t i = 0; i < n; i++) s += words[off + i];
  expect_sum[idx] = s;
  t->kernel = (rnd() & 1) ? K_SUM : K_NOOP;
  t->args[0].ptr = (uintptr_t)(words + off);
  t->args[1].u32 = n;
  submit(idx, t);
}

static void test_bursts(void) {
  bad_results = 0;
  for (int round = 0; round < 50; round++) {
    int burst = 1 + (int)(rnd() % 600); /* often more than the ring holds */
    for (int i = 0; i < burst; i++) submit_sum();
    drain_all(check_sum);
  }
  CHECK(bad_results == 0, "bursts: %ld wrong results", bad_results);
  for (uint32_t i = 0; i < CAP; i++) CHECK(completions[i] <= 1, "record %u completed twice", i);
}

/* Small batches with pauses: threads park between them, so every batch
   depends on a wake-up arriving. A lost wake-up hangs here (CI times out). */
static void test_trickle(void) {
  bad_results = 0;
  double t0 = now_ms();
  for (int round = 0; round < 20000; round++) {
    int batch = 1 + (int)(rnd() % 3);
    for (int i = 0; i < batch; i++) submit_sum();
    drain_all(check_sum);
    if (rnd() % 8 == 0) sleep_us(rnd() % 200);
  }
  CHECK(bad_results == 0, "trickle: %ld wrong results", bad_results);
  printf("  trickle: 20000 rounds in %.0f ms\n", now_ms() - t0);
}

static int dropped_seen, ran_seen;
static void note_state(uint32_t idx, pw_task *t) {
  (void)idx;
  uint32_t s = atomic_load(&t->state);
  if (s == PW_TASK_DROPPED) dropped_seen++;
  if (s == PW_TASK_DONE) ran_seen++;
}

/* Submits a pw_test_hold task of `chunks` chunks on gate ([0] PW_TEST_HOLD to hold, [1] started). */
static void submit_hold(uint32_t *idx, uint32_t *gate, uint32_t chunks, on_done_fn on_done) {
  pw_task *t = take_slot(idx, on_done);
  t->kernel = K_HOLD;
  t->args[0].ptr = (uintptr_t)gate;
  t->args[1].u32 = 2;
  t->args[2].u32 = chunks;
  submit(*idx, t);
}

/* Waits until `n` chunks hold gate (no clock: a hang ends at the alarm). */
static void wait_holding(uint32_t *gate, uint32_t n) {
  while (__atomic_load_n(&gate[1], __ATOMIC_ACQUIRE) < n) sleep_us(100);
}

static void test_cancel(int threads) {
  /* occupy every thread until the gate opens, then queue tasks and drop
     them before they start: they cannot have started, whatever the speed */
  static uint32_t gate[2];
  __atomic_store_n(&gate[0], PW_TEST_HOLD, __ATOMIC_RELEASE);
  __atomic_store_n(&gate[1], 0, __ATOMIC_RELEASE);
  uint32_t busy[64];
  for (int i = 0; i < threads; i++) submit_hold(&busy[i], gate, 1, note_state);
  wait_holding(gate, (uint32_t)threads);
  uint32_t q[8];
  for (int i = 0; i < 8; i++) {
    pw_task *t = take_slot(&q[i], note_state);
    t->kernel = K_NOOP;
    submit(q[i], t);
  }
  int dropped = 0;
  for (int i = 0; i < 8; i++) {
    uint32_t want = PW_TASK_QUEUED;
    if (atomic_compare_exchange_strong(&pw__pool_task(q[i])->state, &want, PW_TASK_DROPPED)) dropped++;
  }
  CHECK(dropped == 8, "cancel: only %d of 8 queued tasks could be dropped", dropped);
  __atomic_store_n(&gate[0], 0, __ATOMIC_RELEASE);
  dropped_seen = ran_seen = 0;
  drain_all(note_state);
  CHECK(dropped_seen == 8 && ran_seen == threads, "cancel: %d dropped, %d ran", dropped_seen, ran_seen);
  for (int i = 0; i < threads; i++) {
    pw_task *t = pw__pool_task(busy[i]);
    CHECK(t->status == PW_OK && t->ret.i32 == 1, "cancel: a held task returned %d (status %d)", t->ret.i32,
          t->status);
  }

  /* a running parallel loop stops: 400 chunks that each wait for a gate
     that never opens end only through the cancel flag (or hang) */
  static uint32_t never[2];
  __atomic_store_n(&never[0], PW_TEST_HOLD, __ATOMIC_RELEASE);
  __atomic_store_n(&never[1], 0, __ATOMIC_RELEASE);
  uint32_t idx;
  submit_hold(&idx, never, 400, NULL);
  pw_task *t = pw__pool_task(idx);
  uint32_t started = threads < 400 ? (uint32_t)threads : 400;
  wait_holding(never, started); /* every thread holds one of its chunks */
  atomic_store(&t->cancel, 1);
  drain_all(NULL);
  CHECK(t->status == PW_ECANCELED, "cancel mid-run: status %d", t->status);
  CHECK(__atomic_load_n(&never[1], __ATOMIC_ACQUIRE) == started,
        "cancel mid-run: %u chunks started, %u before the cancel", never[1], started);
}

static void test_nested(void) {
  uint32_t idx[4];
  for (int i = 0; i < 4; i++) {
    pw_task *t = take_slot(&idx[i], NULL);
    t->kernel = K_NESTED;
    t->args[0].u32 = 4; /* depth */
    t->args[1].u32 = 4; /* width */
    submit(idx[i], t);
  }
  /* and one more from this (non-pool) thread at the same time */
  uint64_t here = pw_test_nested(3, 5);
  drain_all(NULL);
  for (int i = 0; i < 4; i++) {
    pw_task *t = pw__pool_task(idx[i]);
    CHECK(t->status == PW_OK && t->ret.u64 == 256, "nested: %llu leaves (status %d)",
          (unsigned long long)t->ret.u64, t->status);
  }
  CHECK(here == 125, "nested from outside the pool: %llu leaves", (unsigned long long)here);
}

static void test_crc(uint8_t *data, size_t len, uint32_t serial) {
  uint32_t idx;
  pw_task *t = take_slot(&idx, NULL);
  t->kernel = K_CRC32;
  t->args[0].ptr = (uintptr_t)data;
  t->args[1].u32 = (uint32_t)len;
  t->args[2].u32 = 0;
  submit(idx, t);
  drain_all(NULL);
  CHECK(t->ret.u32 == serial, "parallel crc32 %08x, serial %08x", t->ret.u32, serial);
}

/* A loop over the whole size_t range in a few huge chunks: each item once,
   with no chunk handed out twice when the claim counter nears 2^64. */
#define HUGE_MAX_CHUNKS 16
static _Atomic int huge_count;
static size_t huge_begin[HUGE_MAX_CHUNKS], huge_end[HUGE_MAX_CHUNKS];

static void huge_body(void *ctx, size_t begin, size_t end) {
  (void)ctx;
  int i = atomic_fetch_add(&huge_count, 1);
  if (i < HUGE_MAX_CHUNKS) {
    huge_begin[i] = begin;
    huge_end[i] = end;
  }
}

static void test_huge_range(void) {
  static const size_t grains[] = {SIZE_MAX / 4 + 1, SIZE_MAX / 3, SIZE_MAX / 2 + 1, SIZE_MAX - 1};
  for (size_t g = 0; g < sizeof grains / sizeof *grains; g++) {
    atomic_store(&huge_count, 0);
    pw_status st = pw_parallel_for(SIZE_MAX, grains[g], huge_body, NULL);
    int n = atomic_load(&huge_count);
    size_t want = pw_chunks(SIZE_MAX, grains[g]);
    CHECK(st == PW_OK && n == (int)want, "huge range, grain %zu: %d chunks ran, want %zu", grains[g], n,
          want);
    if (n != (int)want) continue;
    /* in order of their starts, the chunks must tile [0, SIZE_MAX) */
    size_t at = 0;
    for (int k = 0; k < n; k++) {
      int found = -1;
      for (int i = 0; i < n; i++)
        if (huge_begin[i] == at) found = i;
      CHECK(found >= 0, "huge range, grain %zu: no chunk starts at %zu", grains[g], at);
      if (found < 0) break;
      at = huge_end[found];
    }
    CHECK(at == SIZE_MAX, "huge range, grain %zu: the chunks end at %zu", grains[g], at);
  }
}

static void on_alarm(int sig) {
  (void)sig;
  static const char msg[] = "test_pool: FAIL: no progress for 120 s (lost wake-up or deadlock)\n";
  (void)!write(2, msg, sizeof msg - 1);
  _exit(3);
}

int main(int argc, char **argv) {
  signal(SIGALRM, on_alarm);
  alarm(120); /* TSan runs are slow; a hang is far longer */
  int threads = argc > 1 ? atoi(argv[1]) : 3;
  K_NOOP = kernel_id("pw_test_noop");
  K_SUM = kernel_id("pw_test_sum_u32");
  K_HOLD = kernel_id("pw_test_hold");
  K_NESTED = kernel_id("pw_test_nested");
  K_CRC32 = kernel_id("pw_crc32");
  for (int i = 0; i < 4096; i++) words[i] = rnd();

  size_t crc_len = (24u << 20) + 13;
  uint8_t *crc_data = malloc(crc_len);
  for (size_t i = 0; i < crc_len; i++) crc_data[i] = (uint8_t)rnd();
  uint32_t serial = pw_crc32(crc_data, crc_len, 0); /* pool not started: serial */

  CHECK(pw_pool_start(0, CAP_LOG2, 100) == PW_EINVAL, "start(0 threads) accepted");
  CHECK(pw_pool_start(threads, CAP_LOG2, 2000) == PW_OK, "start failed");
  CHECK(pw_concurrency() == threads, "concurrency %d", pw_concurrency());
  slots_init();

  printf("test_pool: %d threads, %u task records\n", threads, CAP);
  test_bursts();
  test_trickle();
  test_cancel(threads);
  test_nested();
  test_crc(crc_data, crc_len, serial);
  test_huge_range();
  test_bursts();

  pw_pool_stop();
  pw_pool_join();
  free(crc_data);
  if (failures) {
    printf("test_pool: %d FAILED\n", failures);
    return 1;
  }
  printf("test_pool: all passed\n");
  return 0;
}
