/*
 * pool.h — the thread pool's entry points (src/runtime/pool.c). JS calls the
 * PW_EXPORT ones; the pw__pool_* ones exist in native builds only and play
 * the JS side of the protocol in the C tests.
 */
#ifndef PW_POOL_H
#define PW_POOL_H

#include "runtime.h"

pw_status pw_pool_start(int nthreads, int cap_log2, uint32_t spin);
void pw_pool_submit(uint32_t idx);
void pw_pool_wake(void);
void pw_pool_stop(void);
void pw_pool_join(void);
const uint32_t *pw_pool_layout(void);

#ifndef __EMSCRIPTEN__
pw_task *pw__pool_task(uint32_t idx);
int pw__pool_drain(uint32_t *out, int max);
void pw__pool_wait(int32_t seen);
int32_t pw__pool_done_seq(void);
#endif

#endif
