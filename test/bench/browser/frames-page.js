// The page side of benchmark 7 (test/bench/frames.mjs): how often a page
// draws, and its longest gap between two frames, while parawasm's pool
// works, against the same page idle. On a cross-origin-isolated page the
// pool is the threaded one (buffers in shared memory); on another page it
// is the fallback pool (one worker, buffers copied in 8 MiB slices with the
// event loop let run between them).
import { createPool } from '/pkg/browser.js';

const MiB = 1 << 20;
const nextFrame = () => new Promise((resolve) => { requestAnimationFrame(resolve); });
const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

/** Counts animation frames and the longest gap between two while job() runs. */
async function measure(job) {
  let frames = 0;
  let last = await nextFrame();
  let maxGap = 0;
  let running = true;
  const tick = (t) => {
    if (!running) return;
    frames++;
    maxGap = Math.max(maxGap, t - last);
    last = t;
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  const t0 = performance.now();
  try {
    const out = await job();
    const ms = performance.now() - t0;
    maxGap = Math.max(maxGap, performance.now() - last);
    return { ms, frames, fps: (frames * 1000) / ms, maxGap, ...out };
  } finally {
    running = false;
  }
}

/**
 * `runs` rounds of: the page idle for idleMs, then crc32 calls of bigMiB
 * MiB one after another for at least jobMs (at least one call). Resolves
 * to { isShared, threads, idle: [...], pool: [...] }, one entry per round.
 */
export async function run({ runs = 5, bigMiB = 256, jobMs = 2000, idleMs = 1000 } = {}) {
  const pool = await createPool();
  try {
    const big = new Uint8Array(bigMiB * MiB); // a buffer of the page (copied in: the fallback's case)
    const buf = pool.isShared ? pool.alloc(big.length) : big; // in place where memory is shared
    for (let i = 0, x = 1; i < buf.length; i += 4) {
      x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
      buf[i] = x; buf[i + 1] = x >>> 8; buf[i + 2] = x >>> 16; buf[i + 3] = x >>> 24;
    }
    await pool.crc32(buf); // warm-up
    const out = { isShared: pool.isShared, threads: pool.threads, idle: [], pool: [] };
    for (let r = 0; r < runs; r++) {
      out.idle.push(await measure(async () => { await sleep(idleMs); return {}; }));
      out.pool.push(await measure(async () => {
        const t0 = performance.now();
        const values = new Set();
        let calls = 0;
        do {
          values.add(await pool.crc32(buf));
          calls++;
        } while (performance.now() - t0 < jobMs);
        return { calls, bytes: calls * buf.length, values: [...values] };
      }));
    }
    if (pool.isShared) pool.free(buf);
    return out;
  } finally {
    await pool.destroy();
  }
}
