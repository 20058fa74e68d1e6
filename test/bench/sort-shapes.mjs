// Sort by data shape: pool.array.sort (2 threads, or --threads) and the
// core against TypedArray.prototype.sort on 10M Uint32 and Float64 in
// fifteen shapes (random, in order, reversed, all equal, few distinct
// values, sawtooth runs, organ pipe, a sorted column with 1 % appended,
// overwritten or swapped, near or far, locally jittered values, eight
// sorted runs one after another), each result checked against the
// built-in's. ms, medians of 5 (the built-in: one run); the core's call
// copies the array into its own memory and back (the array lives in the
// pool's), which its figure includes. A diagnostic of where the sort is
// far from or close to 10x the built-in (see the README's Performance);
// not part of `make bench`.
//
//   node test/bench/sort-shapes.mjs [--n N] [--threads T] [--shapes 'a;b']  (shape names hold commas)
import os from 'node:os';
import { createPool, loadCore } from '../../pkg/index.js';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const N = Number(opt('--n', 1e7));
if (!Number.isInteger(N) || N < 16) throw new RangeError(`--n must be an integer of at least 16 (got ${opt('--n')})`);
const THREADS = Number(opt('--threads', 2));
if (!Number.isInteger(THREADS) || THREADS < 1) throw new RangeError(`--threads must be a positive integer (got ${opt('--threads')})`);
const RUNS = 5;

// a seeded generator (mulberry32): the same data in every run
let state = 0x9e3779b9;
function rnd() {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = Math.imul(state ^ (state >>> 15), 1 | state);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
}
// `pairs` random pairs swapped: anywhere (reach 0), or each within `reach` places
function swapPairs(x, pairs, reach) {
  for (let j = 0; j < pairs; j++) {
    const a = Math.floor(rnd() * (x.length - reach));
    const b = reach === 0 ? Math.floor(rnd() * x.length) : a + 1 + Math.floor(rnd() * (reach - 1));
    const t = x[a];
    x[a] = x[b];
    x[b] = t;
  }
}
const SHAPES = {
  random: (x) => { for (let i = 0; i < x.length; i++) x[i] = Math.floor(rnd() * 2 ** 32); },
  sorted: (x) => { for (let i = 0; i < x.length; i++) x[i] = i * 3; },
  reversed: (x) => { for (let i = 0; i < x.length; i++) x[i] = (x.length - i) * 3; },
  'all equal': (x) => x.fill(7),
  '16 values': (x) => { for (let i = 0; i < x.length; i++) x[i] = Math.floor(rnd() * 16); },
  '1,000 values': (x) => { for (let i = 0; i < x.length; i++) x[i] = Math.floor(rnd() * 1000); },
  'sawtooth, runs of 1,000': (x) => { for (let i = 0; i < x.length; i++) x[i] = i % 1000; },
  'sawtooth, runs of 100,000': (x) => { for (let i = 0; i < x.length; i++) x[i] = (i % 100000) * 7; },
  'organ pipe': (x) => { const h = x.length >> 1; for (let i = 0; i < x.length; i++) x[i] = i < h ? i : x.length - i; },
  'sorted, 1 % appended': (x) => {
    const m = x.length - Math.floor(x.length / 100);
    for (let i = 0; i < x.length; i++) x[i] = i < m ? i * 3 : Math.floor(rnd() * 3 * x.length);
  },
  'sorted, 1 % overwritten': (x) => {
    for (let i = 0; i < x.length; i++) x[i] = i * 3;
    for (let j = 0; j < x.length / 100; j++) x[Math.floor(rnd() * x.length)] = Math.floor(rnd() * 3 * x.length);
  },
  'sorted, 1 % swapped far': (x) => { SHAPES.sorted(x); swapPairs(x, Math.floor(x.length / 200), 0); },
  'sorted, 1 % swapped within 8': (x) => { SHAPES.sorted(x); swapPairs(x, Math.floor(x.length / 200), 8); },
  'sorted + jitter of 64': (x) => { for (let i = 0; i < x.length; i++) x[i] = i * 3 + Math.floor(rnd() * 64); },
  '8 sorted runs': (x) => {
    const L = Math.ceil(x.length / 8);
    for (let i = 0; i < x.length; i++) x[i] = ((i % L) * 977 + Math.floor(i / L) * 13) % (3 * x.length);
    for (let r = 0; r < 8; r++) x.subarray(r * L, (r + 1) * L).sort();
  },
};
const only = opt('--shapes', null)?.split(';');
for (const s of only ?? []) if (!(s in SHAPES)) throw new RangeError(`--shapes: unknown shape ${s} (known: ${Object.keys(SHAPES).join(', ')})`);

const pool = await createPool({ threads: THREADS });
const core = await loadCore();
const median = (a) => [...a].sort((p, q) => p - q)[a.length >> 1];
const f1 = (v) => v.toFixed(1);
console.log(`sort ${N} elements, ${os.availableParallelism()} cores, pool of ${THREADS}; ms, medians of ${RUNS} (the built-in: one run)`);
console.log('| type | data | built-in | pool | pool ÷ built-in | core | core ÷ built-in |');
console.log('|---|---|---:|---:|---:|---:|---:|');
for (const C of [Uint32Array, Float64Array]) {
  for (const name of only ?? Object.keys(SHAPES)) {
    const src = new C(N);
    SHAPES[name](src);
    const ref = src.slice();
    let t = performance.now();
    ref.sort();
    const js = performance.now() - t;
    const a = pool.alloc(N * C.BYTES_PER_ELEMENT, C);
    const ms = { pool: [], core: [] };
    for (let r = 0; r < RUNS; r++) {
      for (const [k, who] of [['pool', pool], ['core', core]]) {
        a.set(src);
        t = performance.now();
        await who.array.sort(a);
        ms[k].push(performance.now() - t);
        for (let i = 0; i < N; i++) if (a[i] !== ref[i]) throw new Error(`${C.name} ${name}: ${k} differs from the built-in at ${i}`);
      }
    }
    pool.free(a);
    const p = median(ms.pool), c = median(ms.core);
    console.log(`| ${C.name.replace('Array', '')} | ${name} | ${js.toFixed(0)} | ${f1(p)} | ${f1(js / p)}x | ${f1(c)} | ${f1(js / c)}x |`);
  }
}
await pool.destroy();
