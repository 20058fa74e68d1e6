// "The page keeps drawing while the pool works", checked without a clock:
// frames must be drawn while pool calls are known to be pending. Calls are
// issued back to back until `frames` animation frames have come while one
// was in flight; a page that froze while the pool worked would never get
// there (and fail at the test's hang guard), whatever the machine's speed.
// How long frames are apart is measured in `make bench`, not here.

/** The next animation frame's timestamp. */
export const nextFrame = () => new Promise((resolve) => { requestAnimationFrame(resolve); });

/**
 * Runs `call()` (a function returning a pool call's promise) again and
 * again, `lanes` at a time, until `frames` requestAnimationFrame callbacks
 * have run while at least one call was pending. A lane issues its next call
 * in the same turn as its previous one settles, so a call is pending at
 * every moment a frame could be drawn. Resolves to { values, frames } (every
 * call's value, in the order they settled); rejects with a call's error.
 */
export async function callsUntilFrames(call, { frames = 3, lanes = 2 } = {}) {
  let pending = 0;
  let busyFrames = 0;
  let stop = false;
  const onFrame = () => {
    if (stop) return;
    if (pending > 0) busyFrames++;
    requestAnimationFrame(onFrame);
  };
  requestAnimationFrame(onFrame);
  const values = [];
  const lane = async () => {
    while (busyFrames < frames) {
      pending++;
      try {
        values.push(await call());
      } finally {
        pending--;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: lanes }, lane));
  } finally {
    stop = true;
  }
  return { values, frames: busyFrames };
}
