// Waiting without speed limits, for the tests in Node and in browsers:
// threads held busy by the test kernel testHold for exactly as long as a
// check needs (however slow or loaded the machine), conditions polled until
// they hold, and one hang guard instead of time limits.
//
// testHold(gate, chunks) (test/kernels/pw_test.h, build/testpkg only):
// each chunk adds 1 to gate[1] when it starts, then waits while gate[0] is
// HOLD and its call is not aborted.

/**
 * How long a test waits for something that must happen before it calls it
 * a hang, in ms. Not a speed limit: nothing asserts how fast anything is
 * (that is `make bench`); a loaded machine only makes a test slower.
 * PW_TEST_HANG_MS changes it in Node.
 */
export const HANG_MS = Number(globalThis.process?.env?.PW_TEST_HANG_MS) || 120000;

/** Polls `cond` every few ms until it is true; throws (a hang) after `ms`. */
export async function until(cond, what = 'condition', ms = HANG_MS) {
  const t0 = performance.now();
  while (!cond()) {
    if (performance.now() - t0 > ms) throw new Error(`no ${what} after ${ms} ms: a hang`);
    await new Promise((r) => { setTimeout(r, 2); });
  }
}

/** gate[0] while testHold holds (PW_TEST_HOLD, "HOLD"); any other value releases it. */
export const HOLD = 0x484f4c44;

/** A closed two-word gate for testHold, in the pool's memory: [HOLD, 0 chunks started]. */
export function newGate(pool) {
  const gate = pool.alloc(8, Uint32Array);
  gate[0] = HOLD;
  gate[1] = 0;
  return gate;
}

/**
 * Occupies `n` of the pool's threads (all by default) with testHold calls
 * that run until released: resolves once all n are running. A kernel of a
 * fixed duration cannot promise that, since a loaded machine can outlast
 * it. Returns { calls, settled, gate, release, end }: release() opens the
 * gate (each call then resolves to 1), end() releases, awaits the calls
 * and frees the gate (once, however often it is called). `options` go to
 * every call (e.g. { signal }); calls ended by an abort or destroy() reject.
 */
export async function holdThreads(pool, n = pool.threads, options = undefined) {
  const gate = newGate(pool);
  const calls = Array.from({ length: n }, () => (options ? pool.testHold(gate, 1, options) : pool.testHold(gate)));
  const settled = Promise.allSettled(calls);
  let over = false;
  settled.then(() => { over = true; });
  await until(() => Atomics.load(gate, 1) === n || over, `${n} testHold calls running`);
  const release = () => Atomics.store(gate, 0, 0);
  let ended = null;
  return {
    calls,
    settled,
    gate,
    release,
    end() {
      release();
      ended ??= settled.then((r) => {
        pool.free(gate);
        return r;
      });
      return ended;
    },
  };
}

/**
 * Resolves once every call submitted to the pool before it has settled in
 * JS, aborted and dropped ones included (their memory is then released):
 * a rendezvous of every thread in testHold. A thread takes tasks in the
 * order they were queued and posts each completion before it takes the
 * next task, and completions are drained in the order they were posted, so
 * when all threads hold, every earlier completion has been posted; when
 * the holds resolve, it has been handled. Every earlier call must be able
 * to finish by itself.
 */
export async function settleEarlierCalls(pool) {
  await (await holdThreads(pool)).end();
}

/**
 * Runs `runOnce` (a page's pool run, resolving to a result with
 * `framesDuring`: the frames the page drew while that run was pending)
 * again and again until the runs together saw `frames` frames, passing
 * each result to `check`. How many frames one run sees depends on the
 * machine's speed and load; that the page draws at all while its pool
 * works does not: a page that froze never gets there and fails at the
 * hang guard. Returns { runs, frames }.
 */
export async function runsUntilFrames(runOnce, check, frames = 2) {
  let seen = 0;
  let runs = 0;
  while (seen < frames) {
    const r = await runOnce();
    runs++;
    check(r, runs);
    seen += r.framesDuring;
  }
  return { runs, frames: seen };
}
