// Shared pieces of the benchmark harness: configuration from the
// environment, the alternating runner, statistics, the test data and
// number formatting. No benchmark logic here.
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const FIXTURES = path.join(ROOT, 'test/bench/fixtures');
export const MiB = 1 << 20;

/** Writes a progress line to stderr (stdout carries only the results). */
export function log(...args) {
  process.stderr.write(`[bench] ${args.join(' ')}\n`);
}

function intFromEnv(name, fallback, min, max) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max} (got ${JSON.stringify(raw)})`);
  }
  return n;
}

/**
 * Settings of this run. BENCH_QUICK=1: smaller sizes and 3 runs (a smoke
 * test, its figures are not comparable). BENCH_RUNS=n: runs per contender.
 * BENCH_ONLY=1,3: run only those benchmarks.
 */
export const ALL_BENCHES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];

export function readConfig() {
  const quick = process.env.BENCH_QUICK === '1';
  const cores = os.availableParallelism();
  const only = (process.env.BENCH_ONLY ?? '').split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  for (const n of only) {
    if (!ALL_BENCHES.includes(n)) {
      throw new RangeError(`BENCH_ONLY lists benchmarks 1 to ${ALL_BENCHES.length} (got ${process.env.BENCH_ONLY})`);
    }
  }
  return {
    quick,
    runs: intFromEnv('BENCH_RUNS', quick ? 3 : 7, 1, 1000),
    only: only.length ? only : ALL_BENCHES,
    cores,
    // 1. single-thread checksums
    checksumBytes: quick ? 8 * MiB : 64 * MiB,
    // 2. dispatch
    latencyCalls: quick ? 500 : 2000,
    queuedCalls: 10000,
    // 3. scaling
    scalingBytes: quick ? 32 * MiB : 256 * MiB,
    // 4. event-loop delay
    loopJobMs: quick ? 500 : 2000,
    idleMs: quick ? 200 : 1000,
    // 5. hashes: one big input (split into hashSlices equal slices for
    // hashMany), one small input timed in loops of calls, hashManySmall
    // small inputs for the pool's hashMany; a timed run of a fast contender
    // repeats its call until it lasts about hashRunMs
    hashBytes: quick ? 8 * MiB : 64 * MiB,
    hashSmallBytes: 1024,
    hashSlices: 64,
    hashManySmall: quick ? 1024 : 4096,
    hashRunMs: quick ? 10 : 30,
    // 6. own kernels: the Mandelbrot tile of the scaling and native rows
    // (the whole set), the side of the 64 MiB jobs, small calls queued and
    // one at a time, core calls a run and pool calls a run (per-call overhead)
    // 10. arrays: sort and argsort length, sum length, matmul side
    arraySortN: quick ? 1e6 : 1e7,
    arraySumN: quick ? 1e7 : 1e8,
    arrayMatSide: quick ? 256 : 1024,
    // 11. images: the picture's size (each side a multiple of 4: resizes to a quarter)
    imageWidth: quick ? 1000 : 4000,
    imageHeight: quick ? 752 : 3000,
    ownTile: quick
      ? { width: 256, height: 192, x0: -2.2, y0: -1.2, step: 3.2 / 256, maxIter: 200 }
      : { width: 800, height: 600, x0: -2.2, y0: -1.2, step: 3.2 / 800, maxIter: 500 },
    ownBigSide: quick ? 1024 : 4096,
    ownSmallCalls: quick ? 2000 : 10000,
    ownSmallSequential: quick ? 500 : 2000,
    ownCoreCalls: quick ? 20000 : 200000,
    ownPoolCalls: quick ? 500 : 2000,
  };
}

/** A run that takes longer than this is a failure (a hung call, say). */
const RUN_TIMEOUT_MS = 120e3;

/** The protocol asks for at least this many runs per contender. */
export const MIN_PROTOCOL_RUNS = 5;

// ------------------------------------------------------------ statistics

export function median(xs) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function summarize(samples) {
  return {
    median: median(samples),
    min: Math.min(...samples),
    max: Math.max(...samples),
    runs: samples.length,
    samples,
  };
}

// A full garbage collection, then a pause, before each timed run: the
// engine's concurrent marking and sweeping after a contender that made
// much garbage (jimp's 48 MB bitmaps, a JS loop's arrays) would otherwise
// run on the background threads during the next contender's run and take
// one of this machine's two cores from it (a 10 ms colour matrix measured
// 22 ms as a median that way).
v8.setFlagsFromString('--expose-gc');
const fullGc = vm.runInNewContext('gc');
async function settle() {
  fullGc();
  await new Promise((resolve) => setTimeout(resolve, 20));
}

/**
 * Runs every contender `runs` times, alternating: round r runs each
 * contender once, in an order rotated by r, so that no contender always
 * follows the same other one and slow drifts of the machine's load hit all
 * of them alike. Each contender first runs `warmup` untimed times.
 *
 * A contender is { name, run }, where run() (sync or async) returns
 * { value, check? }: value is the measured figure of that run; check, if
 * given, must be the same on every run (a checksum, say).
 *
 * Returns Map name -> { samples, details (each timed run's object), checks,
 * error }. A contender that throws, or whose run gives no result within
 * timeoutMs, is dropped from later rounds and its error kept; the others go
 * on (the benchmark's clean-up then ends whatever it left running).
 */
export async function alternate(contenders, runs, { warmup = 1, timeoutMs = RUN_TIMEOUT_MS } = {}) {
  const out = new Map(contenders.map((c) => [c.name, { samples: [], details: [], checks: new Set(), error: null }]));
  const once = async (c, timed) => {
    const rec = out.get(c.name);
    if (rec.error) return;
    if (timed) await settle();
    let timer;
    try {
      const r = await Promise.race([
        c.run(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no result after ${timeoutMs / 1e3} s`)), timeoutMs);
        }),
      ]);
      if (r.check !== undefined) rec.checks.add(r.check);
      if (timed) {
        rec.samples.push(r.value);
        rec.details.push(r);
      }
    } catch (e) {
      rec.error = e;
      log(`  ${c.name} failed: ${e?.stack ?? e}`);
    } finally {
      clearTimeout(timer);
    }
  };
  for (let w = 0; w < warmup; w++) for (const c of contenders) await once(c, false);
  for (let r = 0; r < runs; r++) {
    const k = r % contenders.length;
    const order = [...contenders.slice(k), ...contenders.slice(0, k)];
    for (const c of order) await once(c, true);
  }
  return out;
}

// -------------------------------------------------------------- test data

// splitmix64 in 32-bit halves, byte for byte the generator of
// test/bench/native_bench.c (seed 0x70617261, little-endian words), so that
// every contender, the native program included, checksums the same bytes
// and their results can be compared. Each 64x64-bit multiply mod 2^64 by a constant: the low words' full
// product from 16-bit pieces (exact in doubles), plus the cross terms'
// low 32 bits from Math.imul.
/** Fills u32 (little-endian host) with the splitmix64 stream of native_bench. */
function fillWords(u32) {
  let sh = 0;
  let sl = 0x70617261;
  for (let i = 0; i < u32.length; i += 2) {
    const lo = sl + 0x7f4a7c15; // state += 0x9e3779b97f4a7c15
    sh = (sh + 0x9e3779b9 + (lo > 0xffffffff ? 1 : 0)) >>> 0;
    sl = lo >>> 0;
    // z = (state ^ state >> 30) * 0xbf58476d1ce4e5b9
    let ah = (sh ^ (sh >>> 30)) >>> 0;
    let al = (sl ^ ((sl >>> 30) | (sh << 2))) >>> 0;
    let a0 = al & 0xffff;
    let a1 = al >>> 16;
    let m = a1 * 0xe5b9 + a0 * 0x1ce4;
    let p = a0 * 0xe5b9 + (m & 0xffff) * 65536;
    let zl = p >>> 0;
    let zh = (a1 * 0x1ce4 + (m - (m & 0xffff)) / 65536 + (p - zl) / 4294967296 +
      Math.imul(ah, 0x1ce4e5b9) + Math.imul(al, 0xbf58476d)) >>> 0;
    // z = (z ^ z >> 27) * 0x94d049bb133111eb
    ah = (zh ^ (zh >>> 27)) >>> 0;
    al = (zl ^ ((zl >>> 27) | (zh << 5))) >>> 0;
    a0 = al & 0xffff;
    a1 = al >>> 16;
    m = a1 * 0x11eb + a0 * 0x1331;
    p = a0 * 0x11eb + (m & 0xffff) * 65536;
    zl = p >>> 0;
    zh = (a1 * 0x1331 + (m - (m & 0xffff)) / 65536 + (p - zl) / 4294967296 +
      Math.imul(ah, 0x133111eb) + Math.imul(al, 0x94d049bb)) >>> 0;
    // z ^ z >> 31, stored little-endian
    u32[i] = (zl ^ ((zl >>> 31) | (zh << 1))) >>> 0;
    u32[i + 1] = zh ^ (zh >>> 31);
  }
}

let dataCache = null;
/**
 * A Buffer of `bytes` pseudo-random bytes, the same as native_bench's for
 * that size. The stream does not depend on the size, so smaller requests
 * are prefixes of one cached buffer.
 */
export function testData(bytes) {
  if (os.endianness() !== 'LE') throw new Error('the test data generator assumes a little-endian host');
  if (!dataCache || dataCache.byteLength < bytes) {
    const words = Math.ceil(bytes / 8) * 2;
    const u32 = new Uint32Array(words);
    fillWords(u32);
    dataCache = Buffer.from(u32.buffer, 0, bytes);
  }
  return dataCache.subarray(0, bytes);
}

/** Releases the cached test data (end of the run). */
export function dropTestData() {
  dataCache = null;
}

// ------------------------------------------------------------- formatting

export function fmt(x, digits = 0) {
  if (x === undefined || x === null || Number.isNaN(x)) return 'n/a';
  if (!Number.isFinite(x)) return String(x);
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** "median (min–max)" of a summary. */
export function fmtSummary(s, digits = 0) {
  if (!s || !s.runs) return 'n/a';
  return `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`;
}

export function hex32(n) {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}

/** Digits that show about three significant figures. */
export function digitsFor(x) {
  const a = Math.abs(x);
  if (!Number.isFinite(a) || a >= 100) return 0;
  if (a >= 10) return 1;
  if (a >= 1) return 2;
  return 3;
}
