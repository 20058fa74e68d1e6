/*
 * pool.c — the thread pool of the threaded build.
 *
 * N pthreads started by pw_pool_start() take tasks from a submit ring and
 * chunks of parallel loops (pw_parallel_for), and park on a futex when
 * there is nothing to do.
 *
 *   JS main thread                        pool threads
 *   --------------                        ------------
 *   fill tasks[i] (kernel, args)
 *   ring[t++] = i; publish tail = t       claim: CAS head -> ring[head]
 *   (pw_pool_submit, or JS itself:        state QUEUED -> RUNNING, pw_run()
 *   Pool.push, grouped), wake a sleeper   comp[reserve++] = i + 1
 *   Atomics.waitAsync(done_seq)   <------ done_seq++, wake JS if it waits
 *   drain comp[], settle promises
 *
 * The submit ring has one producer (the JS main thread) and many consumers;
 * the completion ring has many producers and one consumer (JS). Both hold
 * task indices and are as large as the task table, so neither can overflow:
 * JS reuses a task record only after reading its completion.
 *
 * When Atomics.waitAsync is missing, JS sets js_wait to 2 and completions
 * are announced with a call proxied to the main runtime thread instead.
 */
#define _GNU_SOURCE /* syscall() for the native futex */
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "futex.h"
#include "pool.h"

#define PW_MAX_JOBS 64  /* parallel loops open at once; more run serially */
#define PW_CACHELINE 64

typedef struct pw_job {
  pw_range_fn body;
  void *ctx;
  uint64_t n, grain;
  _Atomic uint64_t next;     /* first item not yet claimed */
  _Atomic int32_t refs;      /* helper threads inside run_chunks */
  _Atomic int32_t open;      /* 1 until every chunk has been claimed */
  _Atomic int32_t cancelled;
  pw_task *task;             /* the task this loop belongs to, or NULL */
} pw_job;

#define PW_ALIGNED _Alignas(PW_CACHELINE)

static struct {
  /* Written by the producer. */
  PW_ALIGNED _Atomic uint32_t tail;
  /* Claimed by pool threads. */
  PW_ALIGNED _Atomic uint32_t head;
  /* Parking: pool threads wait on wake_seq. */
  PW_ALIGNED _Atomic int32_t wake_seq;
  _Atomic int32_t sleepers;
  _Atomic int32_t spinners;
  _Atomic int32_t wake_pending; /* a wake_one() not yet taken by a thread */
  /* Completions. */
  PW_ALIGNED _Atomic uint32_t comp_reserve;
  PW_ALIGNED _Atomic int32_t done_seq;
  _Atomic int32_t js_wait; /* 0: JS not waiting, 1: waitAsync on done_seq, 2: post to main */
  /* Statistics and life cycle. */
  PW_ALIGNED _Atomic int32_t running;
  _Atomic int32_t stop;
  _Atomic uint32_t live; /* threads that have entered worker_main */
  /* Parallel loops that still have unclaimed chunks. */
  PW_ALIGNED _Atomic int32_t open_jobs;
  pthread_mutex_t jobs_lock;
  int njobs;
  uint32_t job_rr;
  pw_job *jobs[PW_MAX_JOBS];
  /* Fixed after start. */
  uint32_t cap, mask;
  uint32_t spin;
  int nthreads;
  bool started;
  _Atomic uint32_t *ring;
  _Atomic uint32_t *comp;
  pw_task *tasks;
  pthread_t *threads;
} P = {.jobs_lock = PTHREAD_MUTEX_INITIALIZER};

int pw_concurrency(void) { return P.started ? P.nthreads : 1; }

/* ---------------------------------------------------------------------- */
/* Waking and parking                                                      */
/* ---------------------------------------------------------------------- */

static void wake_workers(int n) {
  if (atomic_load(&P.sleepers) > 0) {
    atomic_fetch_add(&P.wake_seq, 1);
    pw_futex_wake(&P.wake_seq, n);
  }
}

/*
 * Wakes one parked thread, unless a wake is already on its way: a burst of
 * submissions then costs one futex wake, not one per task. A thread that
 * wakes up and still sees queued work wakes the next (see worker_main).
 */
static void wake_one(void) {
  if (atomic_load(&P.sleepers) > 0 && atomic_exchange(&P.wake_pending, 1) == 0) {
    atomic_fetch_add(&P.wake_seq, 1);
    pw_futex_wake(&P.wake_seq, 1);
  }
}

static bool work_available(void) {
  return atomic_load(&P.head) != atomic_load(&P.tail) || atomic_load(&P.open_jobs) > 0 ||
         atomic_load(&P.stop);
}

static void park(void) {
  int32_t seq = atomic_load(&P.wake_seq);
  atomic_fetch_add(&P.sleepers, 1);
  /* A wake_one() that set wake_pending before this point has bumped or
     will bump wake_seq past `seq`, or published work that the check below
     sees; one after it finds wake_pending clear and wakes this thread. */
  atomic_store(&P.wake_pending, 0);
  if (!work_available()) pw_futex_wait(&P.wake_seq, seq);
  atomic_fetch_sub(&P.sleepers, 1);
  atomic_store(&P.wake_pending, 0);
}

/* ---------------------------------------------------------------------- */
/* Parallel loops                                                          */
/* ---------------------------------------------------------------------- */

static void close_job(pw_job *job) {
  int32_t one = 1;
  if (atomic_compare_exchange_strong(&job->open, &one, 0)) atomic_fetch_sub(&P.open_jobs, 1);
}

/*
 * Claims the next chunk [*begin, *end) of job; false when none is left.
 * A compare-and-swap, not a fetch-and-add: every thread that finds the loop
 * done would still add a grain, and near the top of the range (n close to
 * 2^64 natively) the counter would wrap and hand out chunks again.
 */
static bool claim_chunk(pw_job *job, uint64_t *begin, uint64_t *end) {
  uint64_t b = atomic_load_explicit(&job->next, memory_order_relaxed), e;
  do {
    if (b >= job->n) return false;
    e = job->n - b > job->grain ? b + job->grain : job->n;
  } while (!atomic_compare_exchange_weak(&job->next, &b, e));
  *begin = b;
  *end = e;
  return true;
}

/* Claims and runs chunks of job until none is left or it is cancelled. */
static void run_chunks(pw_job *job) {
  pw_task *saved = pw__current;
  pw__current = job->task;
  for (;;) {
    if (atomic_load_explicit(&job->cancelled, memory_order_relaxed)) break;
    if ((job->task && atomic_load_explicit(&job->task->cancel, memory_order_relaxed)) ||
        atomic_load_explicit(&P.stop, memory_order_relaxed)) {
      atomic_store(&job->cancelled, 1);
      break;
    }
    uint64_t begin, end;
    if (!claim_chunk(job, &begin, &end)) break;
    job->body(job->ctx, (size_t)begin, (size_t)end);
  }
  close_job(job);
  pw__current = saved;
}

/* Runs chunks of some open parallel loop; returns false if there was none. */
static bool help_jobs(void) {
  if (atomic_load(&P.open_jobs) == 0) return false;
  pw_job *job = NULL;
  pthread_mutex_lock(&P.jobs_lock);
  for (int k = 0; k < P.njobs; k++) {
    pw_job *j = P.jobs[(P.job_rr + (uint32_t)k) % (uint32_t)P.njobs];
    if (atomic_load(&j->open)) {
      job = j;
      atomic_fetch_add(&job->refs, 1);
      P.job_rr += (uint32_t)k + 1;
      break;
    }
  }
  pthread_mutex_unlock(&P.jobs_lock);
  if (!job) return false;
  run_chunks(job);
  if (atomic_fetch_sub(&job->refs, 1) == 1) pw_futex_wake(&job->refs, 1);
  return true;
}

static bool publish(pw_job *job) {
  bool ok = false;
  pthread_mutex_lock(&P.jobs_lock);
  if (P.njobs < PW_MAX_JOBS) {
    P.jobs[P.njobs++] = job;
    atomic_fetch_add(&P.open_jobs, 1);
    ok = true;
  }
  pthread_mutex_unlock(&P.jobs_lock);
  return ok;
}

static void unpublish(pw_job *job) {
  pthread_mutex_lock(&P.jobs_lock);
  for (int k = 0; k < P.njobs; k++) {
    if (P.jobs[k] == job) {
      P.jobs[k] = P.jobs[--P.njobs];
      break;
    }
  }
  pthread_mutex_unlock(&P.jobs_lock);
}

pw_status pw_parallel_for(size_t n, size_t grain, pw_range_fn body, void *ctx) {
  if (grain == 0) grain = 1;
  if (n <= grain || !P.started || P.nthreads <= 1) return pw__serial_for(n, grain, body, ctx);
  pw_job job = {.body = body, .ctx = ctx, .n = n, .grain = grain, .task = pw__current};
  atomic_init(&job.next, 0);
  atomic_init(&job.refs, 0);
  atomic_init(&job.open, 1);
  atomic_init(&job.cancelled, 0);
  if (!publish(&job)) return pw__serial_for(n, grain, body, ctx);
  size_t chunks = pw_chunks(n, grain); /* >= 2 here; (n + grain - 1) would wrap near 4 GiB */
  wake_workers(chunks - 1 < (size_t)P.nthreads ? (int)(chunks - 1) : P.nthreads);
  run_chunks(&job);
  unpublish(&job);
  /* Wait for the helpers still running chunks; help other loops meanwhile. */
  for (uint32_t spins = 0;;) {
    int32_t r = atomic_load(&job.refs);
    if (r == 0) break;
    if (help_jobs()) continue;
    if (++spins < P.spin) {
      pw_spin_pause();
      continue;
    }
    pw_futex_wait(&job.refs, r);
  }
  return atomic_load(&job.cancelled) ? PW_ECANCELED : PW_OK;
}

/* ---------------------------------------------------------------------- */
/* Tasks                                                                   */
/* ---------------------------------------------------------------------- */

#ifdef __EMSCRIPTEN__
/* Runs on the main runtime thread: tells JS that completions are waiting. */
EM_JS(void, pw__js_notify, (void), {
  if (Module['pwNotify']) Module['pwNotify']();
});
static void notify_main(void) { pw__js_notify(); }
#endif

/*
 * After a completion: bump done_seq and, if JS waits, wake it. With
 * waitAsync (js_wait 1) the flag is cleared by JS when it wakes, never
 * here: a thread whose bump JS has already seen could otherwise clear the
 * flag of a newer wait and leave it asleep. A proxied call (js_wait 2) is
 * queued, not lost, so there the first thread to see the flag takes it.
 */
static void announce_completion(void) {
  atomic_fetch_add(&P.done_seq, 1);
  int32_t how = atomic_load(&P.js_wait);
  if (how == 1) {
    pw_futex_wake(&P.done_seq, INT_MAX);
  } else if (how == 2 && atomic_exchange(&P.js_wait, 0) == 2) {
#ifdef __EMSCRIPTEN__
    emscripten_async_run_in_main_runtime_thread(EM_FUNC_SIG_V, notify_main);
#endif
  }
}

static bool claim_task(uint32_t *out) {
  uint32_t h = atomic_load(&P.head);
  for (;;) {
    if (h == atomic_load_explicit(&P.tail, memory_order_acquire)) return false;
    uint32_t idx = atomic_load_explicit(&P.ring[h & P.mask], memory_order_relaxed);
    if (atomic_compare_exchange_weak(&P.head, &h, h + 1)) {
      *out = idx;
      return true;
    }
  }
}

static void run_task(uint32_t idx) {
  pw_task *t = &P.tasks[idx];
  uint32_t queued = PW_TASK_QUEUED;
  if (atomic_compare_exchange_strong(&t->state, &queued, PW_TASK_RUNNING)) {
    atomic_fetch_add(&P.running, 1);
    pw_run(t);
    atomic_fetch_sub(&P.running, 1);
    atomic_store(&t->state, PW_TASK_DONE);
  }
  /* else: dropped by JS before it started; report it all the same so that
     JS can reuse the record. */
  uint32_t pos = atomic_fetch_add(&P.comp_reserve, 1);
  atomic_store_explicit(&P.comp[pos & P.mask], idx + 1, memory_order_release);
  announce_completion();
}

static void *worker_main(void *arg) {
  (void)arg;
  /* the thread's start-up (its thread-local storage, allocated here on
     its own) is over: JS waits for every thread to get here before it
     hands the pool out, so that no allocation of a thread that starts late
     lands between the caller's */
  atomic_fetch_add(&P.live, 1);
  bool spinning = false;
  uint32_t spins = 0;
  while (!atomic_load_explicit(&P.stop, memory_order_acquire)) {
    uint32_t idx;
    bool worked = help_jobs();
    if (!worked && claim_task(&idx)) {
      if (spinning) atomic_store(&P.spinners, 0); /* let another thread poll */
      spinning = false;
      /* more queued than this thread takes: pass the wake on */
      if (atomic_load(&P.head) != atomic_load(&P.tail)) wake_one();
      run_task(idx);
      worked = true;
    }
    if (worked) {
      spins = 0;
      continue;
    }
    if (!spinning) {
      /* Poll for a while before parking, but only one thread at a time:
         with more threads than free cores, spinners would slow the rest. */
      int32_t zero = 0;
      if (P.spin && atomic_compare_exchange_strong(&P.spinners, &zero, 1)) {
        spinning = true;
        spins = 0;
      } else {
        park();
      }
    } else if (++spins < P.spin) {
      pw_spin_pause();
    } else {
      atomic_store(&P.spinners, 0);
      spinning = false;
      park();
    }
  }
  if (spinning) atomic_store(&P.spinners, 0);
  return NULL;
}

/* ---------------------------------------------------------------------- */
/* Exports for JS                                                          */
/* ---------------------------------------------------------------------- */

/*
 * Starts `nthreads` pool threads with a task table of 2^cap_log2 records.
 * `spin` is how many idle rounds one thread polls for work before it parks
 * (0: park at once). Returns PW_OK, PW_EINVAL, or PW_ENOMEM.
 */
PW_EXPORT pw_status pw_pool_start(int nthreads, int cap_log2, uint32_t spin) {
  if (P.started) return PW_EINVAL;
  if (nthreads < 1 || nthreads > 1024 || cap_log2 < 1 || cap_log2 > 20) return PW_EINVAL;
  uint32_t cap = 1u << cap_log2;
  P.tasks = aligned_alloc(PW_CACHELINE, sizeof(pw_task) * cap);
  P.ring = calloc(cap, sizeof *P.ring);
  P.comp = calloc(cap, sizeof *P.comp);
  P.threads = calloc((size_t)nthreads, sizeof *P.threads);
  if (!P.tasks || !P.ring || !P.comp || !P.threads) goto nomem;
  memset(P.tasks, 0, sizeof(pw_task) * cap);
  P.cap = cap;
  P.mask = cap - 1;
  P.spin = spin;
  P.nthreads = nthreads;
  P.started = true;
  for (int i = 0; i < nthreads; i++) {
    if (pthread_create(&P.threads[i], NULL, worker_main, NULL) != 0) {
      P.nthreads = i;
      if (i == 0) P.started = false;
      return i == 0 ? PW_ENOMEM : PW_OK;
    }
  }
  return PW_OK;
nomem:
  free(P.tasks);
  free(P.ring);
  free(P.comp);
  free(P.threads);
  P.tasks = NULL;
  return PW_ENOMEM;
}

/* Queues task record `idx` (its state must be PW_TASK_QUEUED). */
PW_EXPORT void pw_pool_submit(uint32_t idx) {
  uint32_t t = atomic_load_explicit(&P.tail, memory_order_relaxed);
  atomic_store_explicit(&P.ring[t & P.mask], idx, memory_order_relaxed);
  atomic_store(&P.tail, t + 1);
  /* Wake a parked thread unless a polling one will take the task (and
     wake another if it finds more queued). */
  if (atomic_load(&P.spinners) == 0) wake_one();
}

/*
 * The second half of pw_pool_submit, for JS, which does the first itself
 * (js/runtime/pool.js: the ring entry, a sequentially consistent store of
 * tail, then a load of spinners that finds it 0): wakes a parked thread.
 */
PW_EXPORT void pw_pool_wake(void) { wake_one(); }

/* Asks every thread to stop after its current chunk or task. */
PW_EXPORT void pw_pool_stop(void) {
  atomic_store(&P.stop, 1);
  atomic_fetch_add(&P.wake_seq, 1);
  pw_futex_wake(&P.wake_seq, INT_MAX);
}

/* Waits for the threads to end (native tests; JS terminates its workers). */
void pw_pool_join(void) {
  for (int i = 0; i < P.nthreads; i++) pthread_join(P.threads[i], NULL);
}

/*
 * Addresses JS needs, in the order js/pool.js reads them:
 * capacity, tasks, comp, done_seq, js_wait, running, ring, tail, spinners,
 * live, and the number of threads started (fewer than asked if a
 * pthread_create() failed).
 */
PW_EXPORT const uint32_t *pw_pool_layout(void) {
  static uint32_t out[11];
  out[0] = P.cap;
  out[1] = (uint32_t)(uintptr_t)P.tasks;
  out[2] = (uint32_t)(uintptr_t)P.comp;
  out[3] = (uint32_t)(uintptr_t)&P.done_seq;
  out[4] = (uint32_t)(uintptr_t)&P.js_wait;
  out[5] = (uint32_t)(uintptr_t)&P.running;
  out[6] = (uint32_t)(uintptr_t)P.ring;
  out[7] = (uint32_t)(uintptr_t)&P.tail;
  out[8] = (uint32_t)(uintptr_t)&P.spinners;
  out[9] = (uint32_t)(uintptr_t)&P.live;
  out[10] = (uint32_t)P.nthreads;
  return out;
}

#ifndef __EMSCRIPTEN__
/* ---------------------------------------------------------------------- */
/* The JS side of the protocol, in C, for the native tests (test_pool.c)   */
/* ---------------------------------------------------------------------- */

static uint32_t test_comp_head;

pw_task *pw__pool_task(uint32_t idx) { return &P.tasks[idx]; }

/* Takes up to `max` completed task indices, in completion order. */
int pw__pool_drain(uint32_t *out, int max) {
  int n = 0;
  while (n < max) {
    _Atomic uint32_t *e = &P.comp[test_comp_head & P.mask];
    uint32_t v = atomic_load(e);
    if (v == 0) break;
    atomic_store(e, 0);
    test_comp_head++;
    out[n++] = v - 1;
  }
  return n;
}

/* Blocks until a completion may have arrived since `seen` (a done_seq value). */
void pw__pool_wait(int32_t seen) {
  atomic_store(&P.js_wait, 1);
  pw_futex_wait(&P.done_seq, seen);
  atomic_store(&P.js_wait, 0);
}

int32_t pw__pool_done_seq(void) { return atomic_load(&P.done_seq); }
#endif
