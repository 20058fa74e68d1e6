// Sort scaling by data shape: pool.array.sort of 10M doubles on pools of
// 1 and 2 threads (`spin: 0`, so a parked thread costs no CPU), wall time
// and the process's CPU time around each call, medians of 7, for values
// of both signs (benchmark 10's data) and of one sign. A diagnostic for
// the Float64 sort's scaling on mixed-sign data (see the README); not part
// of `make bench`.
//
//   node test/bench/sort-scaling.mjs [--n N]
import os from 'node:os';
import { createPool } from '../../pkg/index.js';

const args = process.argv.slice(2);
const ni = args.indexOf('--n');
const N = ni >= 0 ? Number(args[ni + 1]) : 1e7;
if (!Number.isInteger(N) || N < 1) throw new RangeError(`--n must be a positive integer (got ${args[ni + 1]})`);
const RUNS = 7;

// the generator of benchmark 10 (test/bench/arrays.mjs), then shifted or mirrored
function lcg(n, f) {
  const x = new Float64Array(n);
  let s = 12345;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = f(s / 2 ** 32, i);
  }
  return x;
}
const SHAPES = {
  'both signs, uniform in ±5e5 (benchmark 10)': (u, i) => (u - 0.5) * 1e6 + i * 1e-9,
  'both signs, uniform in (-1, 1)': (u) => 2 * u - 1,
  'positive, uniform in [0, 1e6)': (u, i) => u * 1e6 + i * 1e-9,
  'negative, uniform in (-1, 0]': (u) => -u,
};

const median = (a) => [...a].sort((p, q) => p - q)[a.length >> 1];
console.log(`sort ${N} doubles, ${os.availableParallelism()} cores; ms, medians of ${RUNS}`);
console.log('| data | threads | wall | CPU (all threads) |');
console.log('|---|---:|---:|---:|');
for (const [name, f] of Object.entries(SHAPES)) {
  const src = lcg(N, f);
  for (const threads of [1, 2]) {
    const pool = await createPool({ threads, spin: 0 });
    try {
      const x = pool.alloc(N * 8, Float64Array);
      const wall = [];
      const cpu = [];
      for (let r = -1; r < RUNS; r++) {
        x.set(src);
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        await pool.array.sort(x);
        const t = performance.now() - t0;
        const c = process.cpuUsage(c0);
        for (let i = 1; i < N; i++) if (!(x[i - 1] <= x[i])) throw new Error(`not sorted at ${i}`);
        if (r >= 0) wall.push(t), cpu.push((c.user + c.system) / 1e3);
      }
      console.log(`| ${name} | ${threads} | ${median(wall).toFixed(1)} | ${median(cpu).toFixed(1)} |`);
    } finally {
      await pool.destroy();
    }
  }
}
