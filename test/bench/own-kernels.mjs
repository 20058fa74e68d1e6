// 8. A user's own kernels, built by `parawasm build`: the Mandelbrot kernel
// of examples/own-kernels (with the example's other kernels and the two of
// own_bench.h, in build/example/bench-pkg), measured side by side in one
// process:
//   a. scaling and native speed: the kernel on the core, on a pool of 1
//      thread and on a pool of 2 (or one per core), and the same C built
//      natively with gcc -O3 (one thread, build/native/native_own_kernels);
//   b. the seed's way: the same kernels in a worker_threads worker that loads
//      the single-thread wasm build and receives and returns copies by
//      postMessage (fixtures/seed-worker.mjs), against the pool on views of
//      its shared memory: one 64 MiB job, and 10,000 small calls;
//   c. per-call overhead: a user kernel of the shape of parawasm's built-in
//      xxh32(data, seed) against xxh32 itself, and an empty user kernel,
//      on the core and on the pool.
// Every wasm result is checked: the Mandelbrot counts against the native
// build's (FNV-1a of their bytes), sums against JS.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { FIXTURES, ROOT, alternate, fmt, fmtSummary, log, summarize } from './lib.mjs';

const BENCH_PKG = path.join(ROOT, 'build/example/bench-pkg');
const NATIVE = path.join(ROOT, 'build/native/native_own_kernels');

const SCALING_TARGET = 1.9; // 2 threads ÷ 1 thread (the figure)
const NATIVE_TARGET = 1.3; // wasm 1 thread ÷ native, at most
const OVERHEAD_TARGET = 1.1; // user kernel ÷ built-in kernel per call, at most

/** FNV-1a of a view's bytes (as native_own_kernels prints it). */
function fnv1a(view) {
  const b = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  let h = 2166136261;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i], 16777619) >>> 0;
  return h;
}

function runNative(tile) {
  const args = [tile.width, tile.height, tile.x0, tile.y0, tile.step, tile.maxIter].map(String);
  return new Promise((resolve, reject) => {
    execFile(NATIVE, args, { timeout: 300e3 }, (err, stdout) => {
      if (err) reject(err);
      else {
        const r = JSON.parse(stdout);
        resolve({ value: r.ms, cpu: r.cpu_ms, check: r.fnv });
      }
    });
  });
}

/** The seed's way: one worker with the single-thread build; call() posts a message and resolves with the reply. */
async function startSeedWorker(entry) {
  const worker = new Worker(path.join(FIXTURES, 'seed-worker.mjs'), { workerData: { entry } });
  const pending = new Map();
  let next = 0;
  const ready = await new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  if (ready.isShared !== false) throw new Error('the seed worker did not load the single-thread build');
  worker.on('message', (m) => {
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.error) p.reject(new Error(m.error));
    else p.resolve(m.out);
  });
  return {
    call(kernel, options, { input, outLength } = {}) {
      const id = next++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, kernel, options, input, outLength }); // input: a copy
      });
    },
    close: () => worker.terminate(),
  };
}

/** A synchronous call on this thread: its wall time and the process's CPU time (the pools' threads are parked). */
function cpuTimed(fn) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const check = fn();
  const value = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { value, cpu: (c.user + c.system) / 1e3, check };
}

const ms = async (fn) => {
  const t0 = performance.now();
  const check = await fn();
  return { value: performance.now() - t0, check };
};

function row(res, name, digits = 1) {
  const rec = res.get(name);
  if (rec.error) return { s: null, text: `error: ${rec.error.message}` };
  const s = summarize(rec.samples);
  return { s, text: fmtSummary(s, digits) };
}

function pairedRatio(res, a, b) {
  const x = res.get(a).samples;
  const y = res.get(b).samples;
  const n = Math.min(x.length, y.length);
  const r = [];
  for (let i = 0; i < n; i++) r.push(x[i] / y[i]);
  return r;
}

export async function benchOwnKernels(cfg) {
  if (!existsSync(path.join(BENCH_PKG, 'index.js'))) throw new Error(`${BENCH_PKG} is not built (make bench builds it)`);
  if (!existsSync(NATIVE)) throw new Error(`${NATIVE} is not built (make bench builds it)`);
  const entry = pathToFileURL(path.join(BENCH_PKG, 'index.js')).href;
  const own = await import(entry);
  const parawasm = await import(pathToFileURL(path.join(ROOT, 'pkg/index.js')).href);
  const threads = Math.max(2, cfg.cores);
  const section = {
    id: 8,
    title: 'Your own kernels: the example\'s Mandelbrot kernel built by parawasm build (lower is better unless said)',
    intro: [
      `build/example/bench-pkg is examples/own-kernels/src/own_kernels.c with test/bench/own_bench.c, built by \`parawasm build --prefix my_\`; ` +
      'native is the same own_kernels.c built by gcc -O3 -march=native -std=c11 with parawasm\'s serial runtime, one thread, ' +
      'timed inside its process around the one call. Pools are created once; the kernel writes into views from alloc() (no copies). ' +
      `Runs alternate between contenders, ${cfg.runs} timed runs each.`,
    ],
    tables: [],
    targets: [],
    notes: [],
    data: { cores: cfg.cores, threads },
  };
  const cleanup = [];
  try {
    const core = await own.loadCore();
    const pool1 = await own.createPool({ threads: 1 });
    cleanup.push(() => pool1.destroy());
    const poolN = await own.createPool({ threads });
    cleanup.push(() => poolN.destroy());

    // ---------------------------------------------- a. scaling, native
    const tile = cfg.ownTile;
    const n = tile.width * tile.height;
    const outs = [core, pool1, poolN].map((t) => t.alloc(n * 4, Uint32Array));
    const A = {
      native: 'native gcc -O3, 1 thread',
      core: 'wasm core (1 thread, synchronous)',
      one: 'wasm pool, 1 thread',
      all: `wasm pool, ${threads} threads`,
    };
    log(`6a. mandelbrot ${tile.width}x${tile.height}, maxIter ${tile.maxIter}: ${cfg.runs} runs x 4 contenders`);
    const resA = await alternate([
      { name: A.native, run: () => runNative(tile) },
      { name: A.core, run: async () => { const r = cpuTimed(() => core.mandelbrot(outs[0], tile)); return { ...r, check: fnv1a(outs[0]) }; } },
      { name: A.one, run: () => ms(async () => { await pool1.mandelbrot(outs[1], tile); return fnv1a(outs[1]); }) },
      { name: A.all, run: () => ms(async () => { await poolN.mandelbrot(outs[2], tile); return fnv1a(outs[2]); }) },
    ], cfg.runs);
    const checks = new Set([...resA.values()].flatMap((r) => [...r.checks]));
    const tA = { headers: ['contender', 'ms a call, median (min–max)', 'Mpixel/s', '÷ native'], rows: [], caption: `a. Mandelbrot tile ${tile.width}x${tile.height} of the whole set, maxIter ${tile.maxIter}: scaling and native speed` };
    section.tables.push(tA);
    const s = {};
    for (const [k, name] of Object.entries(A)) {
      const r = row(resA, name, 1);
      s[k] = r.s;
      if (!r.s) process.exitCode = 1;
      tA.rows.push([name, r.text, r.s ? fmt(n / r.s.median / 1e3, 1) : 'n/a', r.s && s.native ? fmt(r.s.median / s.native.median, 2) : '']);
    }
    if (checks.size !== 1) {
      process.exitCode = 1;
      section.notes.push(`the Mandelbrot counts differ between contenders (FNV-1a ${[...checks].join(', ')})`);
    } else {
      section.notes.push(`the counts are the same bytes in every contender, native included (FNV-1a ${[...checks][0]}).`);
    }
    section.data.a = { tile, ms: s, fnv: [...checks] };
    // CPU time moves less than wall time with the machine's load: the core's
    // call and the native one each run on one thread
    const cpu = (name) => (resA.get(name).error ? null : summarize(resA.get(name).details.map((d) => d.cpu)));
    const cpuNative = cpu(A.native);
    const cpuCore = cpu(A.core);
    if (cpuNative && cpuCore) {
      const r = cpuCore.median / cpuNative.median;
      section.data.a.cpu = { native: cpuNative, core: cpuCore, ratio: r };
      tA.rows.push(['CPU time: wasm core ÷ native', `${fmtSummary(cpuCore, 1)} ÷ ${fmtSummary(cpuNative, 1)} ms = ${fmt(r, 2)}`, '', '']);
    }
    if (s.one && s.all) {
      const paired = pairedRatio(resA, A.one, A.all);
      const scaling = s.one.median / s.all.median;
      tA.rows.push([`scaling: 1 thread ÷ ${threads} threads`, `${fmt(scaling, 2)}x (per-round ${fmt(Math.min(...paired), 2)}–${fmt(Math.max(...paired), 2)})`, '', '']);
      section.data.a.scaling = { ratioOfMedians: scaling, paired };
      if (threads === 2) {
        section.targets.push({
          name: 'own Mandelbrot kernel: 2 threads ÷ 1 thread',
          requirement: `≥ ${SCALING_TARGET}`,
          measured: `${fmt(s.one.median, 1)} ÷ ${fmt(s.all.median, 1)} ms = ${fmt(scaling, 2)}`,
          value: scaling,
          pass: scaling >= SCALING_TARGET,
        });
      }
    }
    if (s.one && s.native) {
      const ratio = s.one.median / s.native.median;
      section.data.a.overNative = ratio;
      section.targets.push({
        name: 'own Mandelbrot kernel: wasm pool (1 thread) ÷ native gcc -O3',
        requirement: `≤ ${NATIVE_TARGET}`,
        measured: `${fmt(s.one.median, 1)} ÷ ${fmt(s.native.median, 1)} ms = ${fmt(ratio, 2)}`,
        value: ratio,
        pass: ratio <= NATIVE_TARGET,
      });
    }
    core.free(outs[0]);
    pool1.free(outs[1]);
    poolN.free(outs[2]);
    await pool1.destroy(); // fewer idle threads for what follows

    // ---------------------------------------------- b. the seed's way
    const seed = await startSeedWorker(entry);
    cleanup.push(() => seed.close());
    const side = cfg.ownBigSide;
    const big = { width: side, height: side, x0: -2.2, y0: -1.6, step: 3.2 / side, maxIter: 64 };
    const bigOut = poolN.alloc(side * side * 4, Uint32Array);
    const img = { width: side, height: side };
    const imgBytes = side * side * 4;
    const src = poolN.alloc(imgBytes);
    for (let i = 0; i < imgBytes; i++) src[i] = (i * 2654435761) >>> 27;
    const dst = poolN.alloc(imgBytes);
    const srcCopy = Uint8Array.from(src); // the seed's caller holds its image in its own memory
    // small calls: little work each (at most 16 iterations a pixel), so that
    // what a call costs besides its work shows
    const small = { width: 16, height: 16, x0: -2.2, y0: -1.6, step: 0.2, maxIter: 16 };
    const calls = cfg.ownSmallCalls;
    const smallOut = poolN.alloc(calls * 256 * 4, Uint32Array);
    const B = {
      mPool: `mandelbrot ${side}x${side} (${fmt(side * side * 4 / 2 ** 20)} MiB of counts): pool, ${threads} threads, alloc() view`,
      mSeed: 'mandelbrot, the same: worker with the single-thread build, result posted back',
      ePool: `edges of a ${side}x${side} RGBA image (${fmt(imgBytes / 2 ** 20)} MiB in, the same out): pool, alloc() views`,
      eSeed: 'edges, the same: worker, image posted as a copy, result posted back',
      qPool: `${fmt(calls)} mandelbrot calls of 16x16 (maxIter 16), all queued: pool`,
      qSeed: `${fmt(calls)} calls, all queued: worker`,
      lPool: `${fmt(cfg.ownSmallSequential)} calls of 16x16, one at a time (await each): pool`,
      lSeed: `${fmt(cfg.ownSmallSequential)} calls one at a time: worker`,
    };
    log(`6b. the seed's way: ${side}x${side} jobs and ${fmt(calls)} small calls`);
    const resB = await alternate([
      { name: B.mPool, run: () => ms(async () => { await poolN.mandelbrot(bigOut, big); return fnv1a(bigOut.subarray(0, 1 << 16)); }) },
      { name: B.mSeed, run: () => ms(async () => fnv1a((await seed.call('mandelbrot', big, { outLength: side * side })).subarray(0, 1 << 16))) },
      { name: B.ePool, run: () => ms(async () => { await poolN.edges(src, dst, img); return fnv1a(dst.subarray(0, 1 << 16)); }) },
      { name: B.eSeed, run: () => ms(async () => fnv1a((await seed.call('edges', img, { input: srcCopy })).subarray(0, 1 << 16))) },
      {
        name: B.qPool,
        run: () => ms(async () => {
          const ps = new Array(calls);
          for (let i = 0; i < calls; i++) ps[i] = poolN.mandelbrot(smallOut.subarray(i * 256, (i + 1) * 256), small);
          await Promise.all(ps);
          return fnv1a(smallOut.subarray((calls - 1) * 256));
        }),
      },
      {
        name: B.qSeed,
        run: () => ms(async () => {
          const ps = new Array(calls);
          for (let i = 0; i < calls; i++) ps[i] = seed.call('mandelbrot', small, { outLength: 256 });
          return fnv1a((await Promise.all(ps))[calls - 1]);
        }),
      },
      {
        name: B.lPool,
        run: () => ms(async () => {
          const out = smallOut.subarray(0, 256);
          for (let i = 0; i < cfg.ownSmallSequential; i++) await poolN.mandelbrot(out, small);
          return fnv1a(out);
        }),
      },
      {
        name: B.lSeed,
        run: () => ms(async () => {
          let out;
          for (let i = 0; i < cfg.ownSmallSequential; i++) out = await seed.call('mandelbrot', small, { outLength: 256 });
          return fnv1a(out);
        }),
      },
    ], cfg.runs);
    const tB = {
      caption: 'b. The seed\'s way (one worker, single-thread build, copies by postMessage) against the pool (shared memory, views from alloc())',
      headers: ['job', 'ms, median (min–max)', 'per call', 'seed\'s way ÷ pool'],
      rows: [],
    };
    section.tables.push(tB);
    section.data.b = { side, calls, sequential: cfg.ownSmallSequential, rows: [] };
    for (const [p, q, count] of [['mPool', 'mSeed', 1], ['ePool', 'eSeed', 1], ['qPool', 'qSeed', calls], ['lPool', 'lSeed', cfg.ownSmallSequential]]) {
      const rp = row(resB, B[p], 1);
      const rq = row(resB, B[q], 1);
      const agree = [...resB.get(B[p]).checks].join() === [...resB.get(B[q]).checks].join();
      if (!agree || !rp.s || !rq.s) process.exitCode = 1;
      const per = (r) => (r.s && count > 1 ? `${fmt(r.s.median * 1e3 / count, 2)} µs` : '');
      tB.rows.push([B[p], rp.text, per(rp), '']);
      tB.rows.push([B[q], rq.text, per(rq), rp.s && rq.s ? `${fmt(rq.s.median / rp.s.median, 2)}x${agree ? '' : ' (RESULTS DIFFER)'}` : '']);
      section.data.b.rows.push({ pool: B[p], seed: B[q], poolMs: rp.s, seedMs: rq.s, ratio: rp.s && rq.s ? rq.s.median / rp.s.median : null, agree });
    }
    poolN.free(bigOut);
    poolN.free(src);
    poolN.free(dst);
    poolN.free(smallOut);

    // ---------------------------------------------- c. per-call overhead
    const pcore = await parawasm.loadCore();
    const ppool = await parawasm.createPool({ threads });
    cleanup.push(() => ppool.destroy());
    const d16 = Uint8Array.from({ length: 16 }, (_, i) => i * 13 + 1);
    const sum16 = d16.reduce((a, b) => a + b, 0);
    const K = cfg.ownCoreCalls;
    const loop = (fn) => () => {
      let check = 0;
      const t0 = performance.now();
      for (let i = 0; i < K; i++) check = fn();
      return { value: ((performance.now() - t0) * 1e6) / K, check };
    };
    const L = cfg.ownPoolCalls;
    const lat = (fn) => async () => {
      let check = 0;
      const t0 = performance.now();
      for (let i = 0; i < L; i++) check = await fn();
      return { value: ((performance.now() - t0) * 1e3) / L, check };
    };
    const Q = cfg.ownSmallCalls;
    const queued = (fn) => async () => {
      const ps = new Array(Q);
      const t0 = performance.now();
      for (let i = 0; i < Q; i++) ps[i] = fn();
      const r = await Promise.all(ps);
      return { value: Q / ((performance.now() - t0) / 1e3), check: r[Q - 1] };
    };
    const C = {
      coreUser: 'core: user byteSum(16 B)', coreBuiltin: 'core: built-in xxh32(16 B)', coreNoop: 'core: user noop()',
      latUser: 'pool: user byteSum(16 B)', latBuiltin: 'pool: built-in xxh32(16 B)', latNoop: 'pool: user noop()',
      thrUser: 'pool queued: user byteSum(16 B)', thrBuiltin: 'pool queued: built-in xxh32(16 B)', thrNoop: 'pool queued: user noop()',
    };
    log(`6c. per-call overhead: ${fmt(K)} core calls, ${fmt(L)} pool calls one at a time, ${fmt(Q)} queued`);
    const resC = await alternate([
      { name: C.coreUser, run: loop(() => core.byteSum(d16)) },
      { name: C.coreBuiltin, run: loop(() => pcore.xxh32(d16)) },
      { name: C.coreNoop, run: loop(() => core.noop() ?? 0) },
      { name: C.latUser, run: lat(() => poolN.byteSum(d16)) },
      { name: C.latBuiltin, run: lat(() => ppool.xxh32(d16)) },
      { name: C.latNoop, run: lat(async () => (await poolN.noop()) ?? 0) },
      { name: C.thrUser, run: queued(() => poolN.byteSum(d16)) },
      { name: C.thrBuiltin, run: queued(() => ppool.xxh32(d16)) },
      { name: C.thrNoop, run: queued(() => poolN.noop()) },
    ], cfg.runs, { warmup: 2 });
    if ([...resC.get(C.coreUser).checks].some((v) => v !== sum16) || [...resC.get(C.latUser).checks].some((v) => v !== sum16)) {
      process.exitCode = 1;
      section.notes.push(`byteSum returned ${[...resC.get(C.coreUser).checks]}, not ${sum16}`);
    }
    const tC = {
      caption: `c. Per-call overhead: a user kernel of xxh32's shape (data, seed) against the built-in xxh32, ${threads}-thread pools`,
      headers: ['call', 'median (min–max)', 'unit', 'user ÷ built-in'],
      rows: [],
    };
    section.tables.push(tC);
    section.data.c = {};
    for (const [u, b, z, unit, higherBetter] of [['coreUser', 'coreBuiltin', 'coreNoop', 'ns/call', false], ['latUser', 'latBuiltin', 'latNoop', 'µs/call', false], ['thrUser', 'thrBuiltin', 'thrNoop', 'calls/s', true]]) {
      const ru = row(resC, C[u], higherBetter ? 0 : 2);
      const rb = row(resC, C[b], higherBetter ? 0 : 2);
      const rz = row(resC, C[z], higherBetter ? 0 : 2);
      const ratio = ru.s && rb.s ? (higherBetter ? rb.s.median / ru.s.median : ru.s.median / rb.s.median) : null;
      tC.rows.push([C[u], ru.text, unit, ratio === null ? '' : `${fmt(ratio, 2)} (time a call)`]);
      tC.rows.push([C[b], rb.text, unit, '']);
      tC.rows.push([C[z], rz.text, unit, '']);
      section.data.c[u] = { user: ru.s, builtin: rb.s, noop: rz.s, ratio };
      if (ratio !== null && unit !== 'calls/s') {
        section.targets.push({
          name: `per-call overhead, ${unit === 'ns/call' ? 'core' : 'pool (await each)'}: user kernel ÷ built-in`,
          requirement: `≤ ${OVERHEAD_TARGET}`,
          measured: `${fmt(ru.s.median, 2)} ÷ ${fmt(rb.s.median, 2)} ${unit} = ${fmt(ratio, 2)}`,
          value: ratio,
          pass: ratio <= OVERHEAD_TARGET,
        });
      }
    }
    section.notes.push(
      'The user kernels and the built-in ones are called through the same generated bindings and the same runtime ' +
      '(each package carries its copy); byteSum and xxh32 take the same arguments (a 16-byte Uint8Array, copied in, and a defaulted 32-bit scalar).',
    );
    if (threads === 2 && s.one && s.all) {
      section.notes.push(`${cfg.cores} cores; the wall-clock figures move with the machine's load (1-minute load average at the end of this benchmark: see the header).`);
    }
    return section;
  } finally {
    for (const f of cleanup.reverse()) await Promise.resolve().then(f).catch(() => {});
  }
}
