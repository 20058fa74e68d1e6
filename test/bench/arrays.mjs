// 10. The array family (core.array / pool.array) against JavaScript's own
// way of doing the job and the same C built natively, side by side in one
// run (the table):
//   sort of 10M Float64 and 10M Uint32 (TypedArray.prototype.sort), random
//   and nearly in order (1 % of the elements swapped in random pairs),
//   argsort of 10M Float64 (idx.sort((a, b) => x[a] - x[b])), random and
//   nearly in order,
//   sum of 100M Float64 (a plain loop, and the machine's read bandwidth
//   measured in the same run by build/native/native_bandwidth),
//   matmul 1024x1024 Float32 (a plain JS loop in i-k-j order, the fastest
//   order of the three loops), and @tensorflow/tfjs-backend-wasm's matMul
//   (its SIMD build; in Node it runs on one thread: its threaded build needs
//   a global Worker) on tensors made once, untimed, the result read back
//   with dataSync(), timed: what a tfjs user writes to get the numbers.
// Contenders: the core (synchronous, on this thread), a pool of 1 thread, a
// pool of 2 (or one per core) threads, the JS way, and native C (one
// thread: build/native/native_array, gcc -O3 -march=native, which times 5
// runs in its own process and reports the median CPU time; the sorts and
// argsort read the very input the wasm contenders sort from a file,
// --input, because a sort's time depends on its data: 10M doubles in
// +-500,000 took 82 ms natively where native_array's own [0, 1) took 64). The wasm
// contenders work on views from alloc() of their own memory (no copies in);
// argsort writes its indices into an alloc() view too (options.out): a new
// 40 MB Uint32Array costs about 145 ms of first-touch page faults on this
// VM, more than half of the sort itself. Every sort result is checked sorted, and sums and products are
// checked equal between contenders.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, alternate, fmt, fmtSummary, log, summarize } from './lib.mjs';

const NATIVE = path.join(ROOT, 'build/native/native_array');
const BANDWIDTH = path.join(ROOT, 'build/native/native_bandwidth');

// the targets
const SORT_TARGET = 10; // JS sort ÷ pool (all threads), at least
const ARGSORT_TARGET = 20;
const MATMUL_JS_TARGET = 20;
const MATMUL_NATIVE_TARGET = 2; // pool 1 thread ÷ native, at most
const NATIVE_TARGET = 1.5;
const SUM_BANDWIDTH_TARGET = 0.7; // sum GB/s ÷ read bandwidth, all threads
const SCALING_TARGET = 1.8;

// native_array's timing of op at size n; `input`, a typed array, is the data
// it sorts (written to a file for its --input), else its own random data
function native(op, n, input) {
  if (!existsSync(NATIVE)) return null;
  const file = input ? path.join(ROOT, 'build/bench', `native-input-${op}.bin`) : null;
  try {
    if (file) {
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, input);
    }
    const out = execFileSync(NATIVE, ['-n', String(n), ...(file ? ['--input', file] : []), op], { encoding: 'utf8', timeout: 600e3 });
    const r = JSON.parse(out.trim().split('\n').pop());
    return { median: r.median_ms, min: Math.min(...r.ms), max: Math.max(...r.ms), runs: r.ms.length };
  } catch (e) {
    log(`  native ${op} failed: ${e.message}`);
    return null;
  } finally {
    if (file) rmSync(file, { force: true });
  }
}

function bandwidth(bytes, threads) {
  if (!existsSync(BANDWIDTH)) return null;
  return JSON.parse(execFileSync(BANDWIDTH, [String(bytes), String(threads)], { encoding: 'utf8', timeout: 120e3 })).gbps;
}

function random(C, n, seed) {
  const x = new C(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = C === Float64Array || C === Float32Array ? (s / 2 ** 32 - 0.5) * 1e6 + i * 1e-9 : s;
  }
  return x;
}

/**
 * @tensorflow/tfjs-backend-wasm's matMul as a contender, or null where it
 * does not load (the dev dependency missing, or its wasm failing here).
 */
async function tfjsMatmul(src, n) {
  let tf;
  let wasmBackend;
  try {
    tf = await import('@tensorflow/tfjs-core');
    wasmBackend = await import('@tensorflow/tfjs-backend-wasm');
    if (!(await tf.setBackend('wasm'))) throw new Error('setBackend("wasm") returned false');
    await tf.ready();
  } catch (e) {
    log(`  tfjs-backend-wasm not compared: ${e.message}`);
    return null;
  }
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = wasmBackend.getThreadsCount();
  const a = tf.tensor2d(src, [n, n]);
  return {
    about: `@tensorflow/tfjs-backend-wasm ${wasmBackend.version_wasm ?? ''} (SIMD ${simd ? 'on' : 'off'}, ${threads} thread${threads === 1 ? '' : 's'})`,
    contender: {
      name: `tfjs-backend-wasm matMul (${threads} thread${threads === 1 ? '' : 's'})`,
      run: () => timed(null, () => {
        const c = tf.matMul(a, a);
        const d = c.dataSync();
        c.dispose();
        return Number(d[12345 % d.length]).toPrecision(5);
      }),
    },
    dispose: () => a.dispose(),
  };
}

// x sorted, then x.length / 100 random pairs of it swapped (seeded), in place
function nearly(x) {
  x.sort();
  let s = 777;
  const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
  for (let q = 0; q < x.length / 100; q++) {
    const i = next() % x.length, j = next() % x.length;
    const t = x[i];
    x[i] = x[j];
    x[j] = t;
  }
}

function isSorted(x) {
  for (let i = 1; i < x.length; i++) if (x[i - 1] > x[i]) return false;
  return true;
}

// One run: prep (untimed: restoring the input), the timed call fn, then
// after(its result) (untimed: verifying it, reading the figure the runs
// must agree on). Verifying inside the timed region had added a JS pass
// over 10M elements (10-15 ms) to the wasm contenders' sorts alone.
const timed = async (prep, fn, after) => {
  prep?.();
  const t0 = performance.now();
  const r = await fn();
  const value = performance.now() - t0;
  return { value, check: after ? after(r) : r };
};

export async function benchArrays(cfg) {
  const pw = await import(pathToFileURL(path.join(ROOT, 'pkg/index.js')).href);
  const threads = Math.max(2, cfg.cores);
  const section = {
    id: 10,
    title: 'Arrays: core.array and pool.array against JavaScript and native C (ms a call, lower is better)',
    intro: [
      `Core: synchronous on this thread; pools of 1 and ${threads} threads; JS: the built-in or a plain loop on this thread; ` +
      'native: the same C built with gcc -O3 -march=native, one thread, median CPU time of 5 runs in its own process ' +
      '(build/native/native_array: for the sorts and argsort the same input, read from a file; for the rest its own random data of the same size and type). The wasm contenders work on alloc() views ' +
      `of their own memory; inputs are restored before each run, untimed. Runs alternate between contenders, ${cfg.runs} timed runs each ` +
      '(the JS index sort: at most 3). The machine may be shared: compare within this run.',
    ],
    tables: [],
    targets: [],
    notes: [],
    data: { threads, jobs: {} },
  };
  const core = await pw.loadCore();
  const pool1 = await pw.createPool({ threads: 1 });
  const poolN = await pw.createPool({ threads });
  const targets = [['core', core], ['pool1', pool1], [`pool${threads}`, poolN]];
  const label = { core: 'wasm core', pool1: 'wasm pool, 1 thread', [`pool${threads}`]: `wasm pool, ${threads} threads` };
  try {
    // argsort of 10M Float64 against the JS index sort (random, and nearly in order)
    const argsortJob = {
      C: Float64Array, n: cfg.arraySortN, readOnly: true, sameInput: true,
      out: Uint32Array, // the indices into an alloc() view (options.out): no copy out
      op: async (a, x, out) => { const o = await a.array.argsort(x, { out }); return x[o[o.length >> 1]]; },
      js: (x) => { const idx = new Uint32Array(x.length); for (let i = 0; i < idx.length; i++) idx[i] = i; idx.sort((p, q) => x[p] - x[q]); return x[idx[idx.length >> 1]]; },
      jsName: 'index sort idx.sort((a, b) => x[a] - x[b])', jsRuns: Math.min(cfg.runs, 3), target: ARGSORT_TARGET,
    };
    const jobs = [
      { key: 'sort_f64', C: Float64Array, n: cfg.arraySortN, what: `sort ${fmt(cfg.arraySortN)} Float64`, op: (a, x) => a.array.sort(x), js: (x) => x.sort(), jsName: 'Float64Array.prototype.sort', target: SORT_TARGET, check: (x) => isSorted(x), sameInput: true },
      { key: 'sort_u32', C: Uint32Array, n: cfg.arraySortN, what: `sort ${fmt(cfg.arraySortN)} Uint32`, op: (a, x) => a.array.sort(x), js: (x) => x.sort(), jsName: 'Uint32Array.prototype.sort', target: SORT_TARGET, check: (x) => isSorted(x), sameInput: true },
      // nearly in order: sorted, then 1 % of the elements swapped in random pairs (the built-in is adaptive)
      { key: 'sort_f64_near', C: Float64Array, n: cfg.arraySortN, what: `sort ${fmt(cfg.arraySortN)} Float64 nearly in order`, prep: nearly, op: (a, x) => a.array.sort(x), js: (x) => x.sort(), jsName: 'Float64Array.prototype.sort', target: SORT_TARGET, check: (x) => isSorted(x), sameInput: true },
      { key: 'sort_u32_near', C: Uint32Array, n: cfg.arraySortN, what: `sort ${fmt(cfg.arraySortN)} Uint32 nearly in order`, prep: nearly, op: (a, x) => a.array.sort(x), js: (x) => x.sort(), jsName: 'Uint32Array.prototype.sort', target: SORT_TARGET, check: (x) => isSorted(x), sameInput: true },
      { ...argsortJob, key: 'argsort_f64', what: `argsort ${fmt(cfg.arraySortN)} Float64` },
      // nearly in order as above (the index sort is adaptive too)
      { ...argsortJob, key: 'argsort_f64_near', what: `argsort ${fmt(cfg.arraySortN)} Float64 nearly in order`, prep: nearly },
      {
        key: 'sum_f64', C: Float64Array, n: cfg.arraySumN, what: `sum ${fmt(cfg.arraySumN)} Float64`, readOnly: true,
        op: (a, x) => a.array.sum(x),
        js: (x) => { let s = 0; for (let i = 0; i < x.length; i++) s += x[i]; return s; },
        jsName: 'plain loop s += x[i]', checkNear: 9,
      },
      {
        key: 'matmul_f32', C: Float32Array, n: cfg.arrayMatSide, what: `matmul ${cfg.arrayMatSide}x${cfg.arrayMatSide} Float32`, readOnly: true, matrix: true,
        op: async (a, x, out) => { await a.array.matmul(x, x, { m: cfg.arrayMatSide, out }); return out[12345 % out.length]; },
        js: (x) => {
          const n = cfg.arrayMatSide;
          const c = new Float32Array(n * n);
          for (let i = 0; i < n; i++) {
            for (let k = 0; k < n; k++) {
              const aik = x[i * n + k];
              for (let j = 0; j < n; j++) c[i * n + j] += aik * x[k * n + j];
            }
          }
          return c[12345 % c.length];
        },
        jsName: 'plain loop (i-k-j order)', jsRuns: Math.min(cfg.runs, 3), target: MATMUL_JS_TARGET,
        // the JS loop adds double products (not rounded to float first): equal to 5 digits
        checkNear: 5,
      },
    ];
    for (const job of jobs) {
      const len = job.matrix ? job.n * job.n : job.n;
      log(`9. ${job.what}`);
      const src = random(job.C, len, 12345);
      job.prep?.(src);
      const coreCpu = [];
      const views = targets.map(([, t]) => t.alloc(len * job.C.BYTES_PER_ELEMENT, job.C));
      const OutC = job.matrix ? Float32Array : job.out;
      const outs = OutC ? targets.map(([, t]) => t.alloc(len * OutC.BYTES_PER_ELEMENT, OutC)) : [];
      views.forEach((v) => v.set(src));
      const jsWork = job.readOnly ? src : new job.C(len);
      const contenders = targets.map(([k, t], i) => ({
        name: label[k],
        run: () => timed(job.readOnly ? null : () => views[i].set(src), k === 'core' ? async () => {
          // the core runs on this thread: its process CPU time too (the pools' threads are parked)
          const c0 = process.cpuUsage();
          const r = await job.op(t, views[i], outs[i]);
          const c = process.cpuUsage(c0);
          coreCpu.push((c.user + c.system) / 1e3);
          return r;
        } : () => job.op(t, views[i], outs[i]), (r) => {
          if (job.check && !job.check(views[i])) throw new Error(`${k}: the result is not sorted`);
          return job.checkNear ? Number(r).toPrecision(job.checkNear) : job.readOnly ? r : views[i][len >> 1];
        }),
      }));
      const jsC = {
        name: `JS: ${job.jsName}`,
        run: () => timed(job.readOnly ? null : () => jsWork.set(src), () => job.js(jsWork),
          (r) => (job.checkNear ? Number(r).toPrecision(job.checkNear) : job.readOnly ? r : jsWork[len >> 1])),
      };
      const tfjs = job.matrix ? await tfjsMatmul(src, job.n) : null;
      if (tfjs) {
        contenders.push(tfjs.contender);
        section.notes.push(`${job.what}: ${tfjs.about}; in Node its threaded build does not start (it needs a global Worker).`);
      }
      const res = await alternate(job.jsRuns ? contenders : [...contenders, jsC], cfg.runs);
      tfjs?.dispose();
      if (job.jsRuns) {
        const r2 = await alternate([jsC], job.jsRuns, { warmup: 0 });
        res.set(jsC.name, r2.get(jsC.name));
      }
      const nat = native(job.key, job.n, job.sameInput ? src : null);
      const checks = new Set([...res.values()].flatMap((r) => [...r.checks]).map(String));
      const s = {};
      for (const [name, rec] of res) s[name] = rec.error ? null : summarize(rec.samples);
      const jsS = s[jsC.name];
      const table = { headers: ['contender', 'ms, median (min–max)', 'JS ÷ this', 'this ÷ native'], rows: [], caption: job.what };
      for (const [name, sum] of Object.entries(s)) {
        table.rows.push([name, sum ? fmtSummary(sum, 1) : `error: ${res.get(name).error?.message}`,
          sum && jsS ? fmt(jsS.median / sum.median, 1) : '', sum && nat ? fmt(sum.median / nat.median, 2) : '']);
      }
      if (coreCpu.length && nat) {
        const c = summarize(coreCpu.slice(-cfg.runs));
        table.rows.push(['wasm core, CPU time', fmtSummary(c, 1), '', fmt(c.median / nat.median, 2)]);
        section.data.jobs[job.key] = { coreCpu: c };
      }
      table.rows.push(['native C, 1 thread (CPU time)', nat ? fmtSummary(nat, 1) : 'not built', nat && jsS ? fmt(jsS.median / nat.median, 1) : '', nat ? '1.00' : '']);
      section.tables.push(table);
      if (checks.size !== 1) {
        process.exitCode = 1;
        section.notes.push(`${job.what}: the contenders' results differ (${[...checks].join(', ')})`);
      }
      const one = s[label.pool1];
      const all = s[label[`pool${threads}`]];
      section.data.jobs[job.key] = { ...section.data.jobs[job.key], n: job.n, ms: s, native: nat };
      if (job.target && all && jsS) {
        const r = jsS.median / all.median;
        section.targets.push({ name: `${job.what}: ${job.jsName} ÷ pool of ${threads}`, requirement: `≥ ${job.target}`, measured: `${fmt(jsS.median, 0)} ÷ ${fmt(all.median, 1)} ms = ${fmt(r, 1)}`, value: r, pass: r >= job.target });
      }
      // the same C on one thread, wasm against native: CPU time against CPU
      // time (the core's, on this thread), as native_array measures its
      // own; a pool of 1 thread's wall time counts the time its thread
      // waits for a core, which on a shared machine was up to half of it
      // (the table keeps both)
      const cpuCore = section.data.jobs[job.key]?.coreCpu;
      if ((cpuCore || one) && nat) {
        const limit = job.key.startsWith('matmul') ? MATMUL_NATIVE_TARGET : NATIVE_TARGET;
        const [what, v] = cpuCore ? ['wasm core CPU time', cpuCore.median] : ['pool of 1', one.median];
        const r = v / nat.median;
        section.targets.push({ name: `${job.what}: ${what} ÷ native C CPU time`, requirement: `≤ ${limit}`, measured: `${fmt(v, 1)} ÷ ${fmt(nat.median, 1)} ms = ${fmt(r, 2)}`, value: r, pass: r <= limit });
      }
      if (one && all && (job.key === 'sort_f64' || !job.key.startsWith('sort') && !job.key.startsWith('argsort'))) {
        const r = one.median / all.median;
        section.targets.push({ name: `${job.what}: pool of 1 ÷ pool of ${threads}`, requirement: `≥ ${SCALING_TARGET} where bandwidth allows`, measured: `${fmt(r, 2)}`, value: r, pass: r >= SCALING_TARGET });
      }
      if (job.key === 'sum_f64' && all) {
        const bytes = len * 8;
        const bw1 = bandwidth(bytes, 1);
        const bwN = bandwidth(bytes, threads);
        const gbps = bytes / all.median / 1e6;
        const gbps1 = one ? bytes / one.median / 1e6 : NaN;
        table.rows.push([`read bandwidth, native (GB/s): 1 thread ${fmt(bw1, 1)}, ${threads} threads ${fmt(bwN, 1)}`,
          `sum: ${fmt(gbps1, 1)} GB/s on 1 thread, ${fmt(gbps, 1)} on ${threads}`, '', '']);
        section.data.jobs[job.key].bandwidth = { bw1, bwN, gbps, gbps1 };
        if (bwN) {
          section.targets.push({ name: `${job.what} on ${threads} threads ÷ native read bandwidth`, requirement: `≥ ${SUM_BANDWIDTH_TARGET}`, measured: `${fmt(gbps, 1)} ÷ ${fmt(bwN, 1)} GB/s = ${fmt(gbps / bwN, 2)}`, value: gbps / bwN, pass: gbps / bwN >= SUM_BANDWIDTH_TARGET });
        }
      }
      targets.forEach(([, t], i) => {
        t.free(views[i]);
        if (outs[i]) t.free(outs[i]);
      });
    }
  } finally {
    await pool1.destroy();
    await poolN.destroy();
  }
  return section;
}
