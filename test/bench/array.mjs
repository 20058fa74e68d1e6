// Array kernels, one thread: the same C natively (gcc -O3 -march=native)
// and in wasm (emcc -O3 -msimd128), and JavaScript's own way of doing the
// job timed inside the wasm process (TypedArray.prototype.sort, an index
// sort with a comparator, plain loops). Runs the two builds of
// test/bench/native_array.c alternately, op by op, several rounds, and
// prints a markdown table of the lowest median CPU time per op (the
// machine may be shared: CPU time is steadier than wall time there, and the
// lowest of alternating rounds the least disturbed).
//
//   node test/bench/array.mjs [--rounds N] [op ...]
//
// wasm runs under `node --no-liftoff`: V8 first runs wasm with its baseline
// compiler and swaps in optimised code from a background thread, which on
// a busy machine can land after several timed runs; --no-liftoff measures
// the optimised code that a long-running program runs.
//
// Needs build/native/native_array and build/wasm-bench/native_array.js
// (make build/native/native_array build/wasm-bench/native_array.js).
// Writes build/bench/array.json too.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const NATIVE = path.join(ROOT, 'build/native/native_array');
const WASM = path.join(ROOT, 'build/wasm-bench/native_array.js');

// op -> [size, JS op and size to compare with (same size unless noted)]
const OPS = {
  sort_f64: [1e7, ['js_sort_f64', 1e7]],
  sort_u32: [1e7, ['js_sort_u32', 1e7]],
  sort_f32: [1e7],
  sort_i64: [1e7],
  sort_u16: [1e7],
  sort_u8: [1e7],
  argsort_f64: [1e6, ['js_argsort_f64', 1e6]],
  argsort_u32: [1e7],
  kth_f64: [1e7],
  quantiles_f64: [1e7],
  topk_f64: [1e7],
  search_f64: [1e7],
  unique_u32: [1e7],
  sum_f64: [5e7, ['js_sum_f64', 5e7]],
  sum_f32: [5e7],
  sum_i32: [5e7],
  sum_i64: [5e7],
  variance_f64: [2e7],
  min_f64: [2e7],
  dot_f64: [2e7],
  dot_f32: [2e7],
  norm_f64: [2e7],
  cumsum_f64: [2e7],
  cumsum_i32: [2e7],
  histogram_f64: [2e7, ['js_histogram_f64', 2e7]],
  axpy_f32: [2e7],
  clamp_f32: [2e7],
  convert_f64_f32: [2e7],
  convert_u8_f32: [2e7],
  convert_u8_f32n: [2e7],
  convert_i16_f32: [2e7],
  convert_i16_f32n: [2e7],
  convert_i16_f64n: [2e7],
  convert_f32_u8c: [2e7],
  convert_f32_u8n: [2e7],
  convert_f64_i32: [2e7],
  convert_i64_f64: [2e7],
  convert_u64_f32: [2e7],
  convert_f64_i64: [2e7],
  convert_f32_i64: [2e7],
  matmul_f32: [1024],
  'matmul_f32@512': [512, ['js_matmul_f32', 512]],
  matmul_f64: [1024],
  matvec_f32: [4096],
  transpose_f32: [4096],
  transpose_f64: [4096],
};

const args = process.argv.slice(2);
let rounds = 3;
const ri = args.indexOf('--rounds');
if (ri >= 0) {
  rounds = Number(args[ri + 1]);
  args.splice(ri, 2);
}
const ops = args.length ? args : Object.keys(OPS);

function run(cmd, argv) {
  const out = execFileSync(cmd, argv, { encoding: 'utf8', maxBuffer: 1 << 24 });
  return JSON.parse(out.trim().split('\n').pop());
}
const best = (a, b) => (a === undefined ? b : Math.min(a, b));

const rows = [];
for (const key of ops) {
  const [n, js] = OPS[key] ?? [1e6];
  const op = key.split('@')[0];
  let nat, wasm, jsms;
  for (let r = 0; r < rounds; r++) {
    process.stderr.write(`${op} round ${r + 1}/${rounds}\n`);
    nat = best(nat, run(NATIVE, ['-n', String(n), op]).median_ms);
    wasm = best(wasm, run('node', ['--no-liftoff', WASM, '-n', String(n), op]).median_ms);
    if (js) jsms = best(jsms, run('node', ['--no-liftoff', WASM, '-n', String(js[1]), js[0]]).median_ms);
  }
  rows.push({ op: key, n, native_ms: nat, wasm_ms: wasm, js: js ? js[0] : null, js_ms: jsms ?? null });
}

const f = (v, d = 1) => (v == null ? '' : v.toFixed(d));
console.log(`Array kernels, one thread, CPU ms (lowest median of ${rounds} alternating rounds); ` +
  `${os.cpus()[0]?.model?.trim()}, ${os.availableParallelism()} cores, load ${os.loadavg()[0].toFixed(1)}, Node ${process.version}\n`);
console.log('| op | n | native | wasm | wasm / native | JS | JS / wasm |');
console.log('|---|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(`| ${r.op} | ${r.n} | ${f(r.native_ms)} | ${f(r.wasm_ms)} | ${f(r.wasm_ms / r.native_ms, 2)} | ` +
    `${r.js ? `${f(r.js_ms)} (${r.js})` : ''} | ${r.js ? f(r.js_ms / r.wasm_ms, 1) : ''} |`);
}
fs.mkdirSync(path.join(ROOT, 'build/bench'), { recursive: true });
fs.writeFileSync(path.join(ROOT, 'build/bench/array.json'), JSON.stringify({ rounds, rows }, null, 2));
