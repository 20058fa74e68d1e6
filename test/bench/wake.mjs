// A fact of the machine that the pools' figures depend on: where the OS
// runs a thread that another thread wakes. A pool's call wakes parked
// threads (a futex wake: Atomics.notify; memory.atomic.notify in wasm). If
// the OS runs the woken thread on the waker's CPU while another CPU stays
// idle, the two share one CPU, each at half speed, until the OS's load
// balancer moves one, milliseconds later. Some virtual machines do this
// after their CPUs have idled for a while (to the guest, a virtual CPU that
// the host has descheduled looks busy), and the benchmarks idle 20 ms
// before each timed run (lib.mjs: settle) as a program between its calls.
//
// The probe: a worker thread parks on a futex; after `idleMs` of idleness
// this thread wakes it, and both run the same fixed work (about `workMs`
// alone, calibrated first). The worker took over 1.5x that (its own
// clock): it shared a CPU for a while.
import { Worker } from 'node:worker_threads';

const SPIN = 'function spin(n) { let x = 0; for (let i = 0; i < n; i++) x = (Math.imul(x, 1103515245) + 12345) | 0; return x; }';
// (i32: [0] the round asked for, -1 to stop; [1] the work, thousands of
// steps; [2] the last round done; f64[0] its work's ms)
const WORKER = `${SPIN}
const { workerData } = require('node:worker_threads');
const i32 = new Int32Array(workerData, 0, 4);
const f64 = new Float64Array(workerData, 16, 1);
for (let seen = 0; ;) {
  Atomics.wait(i32, 0, seen);
  seen = Atomics.load(i32, 0);
  if (seen < 0) break;
  const t0 = performance.now();
  spin(i32[1] * 1000);
  f64[0] = performance.now() - t0;
  Atomics.store(i32, 2, seen);
  Atomics.notify(i32, 2);
}
`;
const spin = new Function(`${SPIN} return spin;`)();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * For each idle time: { idleMs, rounds, workMs, shared, ms } (ms: the worker's time
 * for its work each round; shared: rounds over 1.5x the work's time alone,
 * `workMs`). Meaningful with 2 or more cores.
 */
export async function wakeSharing({ idles = [1, 20, 100], rounds = 12, workMs = 4 } = {}) {
  // the work: thousands of steps for about workMs on this thread, alone
  let k = 1000;
  for (let i = 0; i < 6; i++) {
    const t0 = performance.now();
    spin(k * 1000);
    const dt = performance.now() - t0;
    k = Math.max(1, Math.round((k * workMs) / Math.max(dt, 0.01)));
  }
  const sab = new SharedArrayBuffer(24);
  const i32 = new Int32Array(sab, 0, 4);
  const f64 = new Float64Array(sab, 16, 1);
  i32[1] = k;
  const worker = new Worker(WORKER, { eval: true, workerData: sab });
  const out = [];
  try {
    await sleep(50); // (started and parked)
    let seq = 1;
    const round = async (idleMs) => {
      await sleep(idleMs);
      Atomics.store(i32, 0, seq);
      Atomics.notify(i32, 0);
      spin(k * 1000);
      if (Atomics.wait(i32, 2, seq - 1, 5000) === 'timed-out') throw new Error('the probe thread did not answer');
      seq++;
      return f64[0];
    };
    for (let r = 0; r < 3; r++) await round(0); // (the worker's spin compiled)
    for (let j = 0; j < idles.length; j++) {
      const ms = [];
      for (let r = 0; r < rounds; r++) ms.push(await round(idles[j]));
      out.push({ idleMs: idles[j], rounds, workMs, shared: ms.filter((t) => t > 1.5 * workMs).length, ms });
    }
  } finally {
    Atomics.store(i32, 0, -1);
    Atomics.notify(i32, 0);
    await worker.terminate();
  }
  return out;
}
