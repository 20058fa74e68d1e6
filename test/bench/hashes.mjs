// 5. Hashes (issue 4): parawasm's one-shot hash kernels on the core and on
// the pool, hashMany and createHash, against hash-wasm, xxhash-wasm,
// blake3-wasm, Node's crypto (native OpenSSL) and the native build of the
// same C, on a big input (64 MiB) and a small one (1 KiB, timed in loops of
// calls), alternating between contenders.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import * as hashWasm from 'hash-wasm';
import xxhashWasm from 'xxhash-wasm';
import { createPool, loadCore } from '../../pkg/index.js';
import { NATIVE_BENCH } from './checksums.mjs';
import { ROOT, alternate, digitsFor, fmt, fmtSummary, log, summarize, testData } from './lib.mjs';

const require = createRequire(import.meta.url);

const NATIVE_MAX_RATIO = 1.5; // native C ÷ wasm, each kernel
const BLAKE3_OVER_HASH_WASM = 1.5;
const SHA256_OVER_HASH_WASM = 1.2;

/**
 * The algorithms. kind: how parawasm returns the result (u32 a number,
 * u64/u128 a bigint, bytes/xof a Uint8Array). hw: hash-wasm's create*
 * function; xw: xxhash-wasm's 32 or 64; node: Node's crypto name; split:
 * the one-shot kernel splits one input across the pool's threads.
 */
const ALGS = [
  { alg: 'xxh32', kind: 'u32', hw: 'createXXHash32', xw: 32 },
  { alg: 'xxh64', kind: 'u64', hw: 'createXXHash64', xw: 64 },
  { alg: 'xxh3', kind: 'u64', hw: 'createXXHash3' },
  { alg: 'xxh128', kind: 'u128', hw: 'createXXHash128' },
  { alg: 'sha256', kind: 'bytes', hw: 'createSHA256', node: 'sha256' },
  { alg: 'sha224', kind: 'bytes', hw: 'createSHA224', node: 'sha224' },
  { alg: 'sha1', kind: 'bytes', hw: 'createSHA1', node: 'sha1' },
  { alg: 'md5', kind: 'bytes', hw: 'createMD5', node: 'md5' },
  { alg: 'blake3', kind: 'xof', hw: 'createBLAKE3', b3w: true, split: true },
];

/** A result as lower-case hex of its canonical (big-endian) bytes. */
function canon(kind, v) {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return (v >>> 0).toString(16).padStart(8, '0');
  if (typeof v === 'bigint') return v.toString(16).padStart(kind === 'u128' ? 32 : 16, '0');
  if (ArrayBuffer.isView(v)) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
  throw new TypeError(`unexpected result ${typeof v}`);
}
const canonMany = (kind, arr) => arr.map((v) => canon(kind, v)).join(',');
/** How a result is shown in the tables: a long digest by its first 8 bytes. */
const shown = (c) => (c.includes(',') ? `${c.split(',').length} results` : c.length > 16 ? `${c.slice(0, 16)}…` : c);

function sizeName(bytes) {
  if (bytes >= 1 << 20) return `${fmt(bytes / (1 << 20))} MiB`;
  if (bytes >= 1024) return `${fmt(bytes / 1024)} KiB`;
  return `${bytes} B`;
}

// ------------------------------------------------------------ runners
//
// A timed run calls its function `calls` times in a row and reports
// bytes x calls / time. `calls` is found on the first (untimed warm-up)
// run: doubled from 1 until a batch lasts a quarter of targetMs, then
// scaled so that a run lasts about targetMs. A single call longer than
// targetMs makes calls = 1, and that first call is the warm-up run.

/**
 * () => obj[name](arg) as a function of its own: the call site in it sees
 * one method, as a user's call of one method does. (One arrow function
 * written here for every algorithm would be one call site seeing twelve
 * methods, which the engine does not inline.)
 */
function ownSite(obj, name, arg) {
  if (!/^[A-Za-z_$][\w$]*$/.test(name)) throw new Error(`ownSite: ${name} is not a method name`);
  // eslint-disable-next-line no-new-func
  return new Function('o', 'a', `return () => o.${name}(a);`)(obj, arg);
}

function syncLoop(bytes, targetMs, fn, toCheck) {
  let calls = 0;
  return () => {
    if (!calls) {
      for (let n = 1; ; n *= 2) {
        let r;
        const t0 = performance.now();
        for (let i = 0; i < n; i++) r = fn();
        const ms = performance.now() - t0;
        if (ms >= targetMs / 4 || n >= 1 << 22) {
          calls = Math.max(1, Math.round((n * targetMs) / Math.max(ms, 1e-3)));
          return { value: (bytes * n) / ms / 1e3, calls: n, check: toCheck(r) };
        }
      }
    }
    let r;
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) r = fn();
    const ms = performance.now() - t0;
    return { value: (bytes * calls) / ms / 1e3, calls, check: toCheck(r) };
  };
}

function asyncLoop(bytes, targetMs, fn, toCheck) {
  let calls = 0;
  return async () => {
    if (!calls) {
      for (let n = 1; ; n *= 2) {
        let r;
        const t0 = performance.now();
        for (let i = 0; i < n; i++) r = await fn();
        const ms = performance.now() - t0;
        if (ms >= targetMs / 4 || n >= 1 << 20) {
          calls = Math.max(1, Math.round((n * targetMs) / Math.max(ms, 1e-3)));
          return { value: (bytes * n) / ms / 1e3, calls: n, check: toCheck(r) };
        }
      }
    }
    let r;
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) r = await fn();
    const ms = performance.now() - t0;
    return { value: (bytes * calls) / ms / 1e3, calls, check: toCheck(r) };
  };
}

/**
 * One process of build/native/native_bench per run: its own untimed
 * warm-up call, then one timed run of `calls` calls (found from the first
 * run, as above). Its result is the value's hex digits, or a digest's
 * first 8 bytes.
 */
function nativeLoop(kernel, bytes, targetMs) {
  let calls = 0;
  return () => {
    const c = calls || Math.max(1, Math.floor((4 << 20) / bytes));
    const out = execFileSync(NATIVE_BENCH, [kernel, String(bytes), '1', String(c)], { encoding: 'utf8', timeout: 120e3 });
    const j = JSON.parse(out);
    if (!calls) calls = Math.max(1, Math.round((targetMs * 1e3 * j.median_mbps) / bytes));
    return { value: j.mbps[0], calls: c, check: j.result.replace(/^0x/, '') };
  };
}

/** Which kernels this native_bench has (its usage line lists them). */
function nativeKernels() {
  if (!fs.existsSync(NATIVE_BENCH)) return new Set();
  try {
    execFileSync(NATIVE_BENCH, [], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const m = /usage: \S+ (\S+)/.exec(String(e.stderr));
    if (m) return new Set(m[1].split('|'));
  }
  return new Set();
}

/** What require('blake3-wasm') resolves to and loads: a native addon or wasm. */
function loadBlake3Wasm() {
  const entry = require.resolve('blake3-wasm');
  const dir = path.dirname(require.resolve('blake3-wasm/package.json'));
  const before = new Set(Object.keys(require.cache));
  const mod = require('blake3-wasm');
  mod.hash(Buffer.alloc(1)); // its wasm is loaded lazily by some builds
  const loaded = Object.keys(require.cache).filter((k) => !before.has(k) && k.startsWith(dir));
  const addons = loaded.filter((k) => k.endsWith('.node'));
  const wasmGlue = loaded.filter((k) => /[\\/]wasm[\\/]/.test(k));
  const version = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
  const rel = (p) => path.relative(dir, p);
  const note = `blake3-wasm ${version}: require('blake3-wasm') resolves to ${rel(entry)}; it loaded ` +
    (addons.length
      ? `a native addon (${addons.map(rel).join(', ')}): its row is native code, not wasm`
      : `no native addon (none in ${rel(dir) || 'the package'}: ${fs.existsSync(path.join(dir, 'dist/native.node')) ? 'dist/native.node exists but was not loaded' : 'dist/native.node is absent'}) ` +
        `but its wasm-bindgen build ${wasmGlue.map(rel).join(', ') || '(none seen)'}: the row is wasm`);
  return { hash: mod.hash, native: addons.length > 0, note };
}

// ------------------------------------------------------------ the benchmark

export async function benchHashes(cfg) {
  const B = cfg.hashBytes;
  const s = cfg.hashSmallBytes;
  const S = cfg.hashSlices;
  const sliceBytes = B / S;
  const K = cfg.hashManySmall;
  const T = cfg.hashRunMs;
  if (!Number.isInteger(sliceBytes) || K * s > B) throw new RangeError('hash sizes do not fit');
  const data = testData(B); // a plain Buffer
  const u8 = new Uint8Array(data.buffer, data.byteOffset, B);
  const small = data.subarray(0, s);
  const smallU8 = u8.subarray(0, s);
  const notes = [];
  const section = {
    id: 5,
    title: `Hashes: ${sizeName(B)} and ${sizeName(s)} inputs, single thread and all threads (MB/s = 10^6 B/s, higher is better)`,
    intro: [],
    tables: [],
    targets: [],
    notes,
    data: { bytes: B, smallBytes: s, slices: S, manySmall: K, groups: [] },
  };

  const haveNative = nativeKernels();
  if (!haveNative.size) notes.push(`${path.relative(ROOT, NATIVE_BENCH)} is missing (make build/native/native_bench): no native rows.`);

  // One core. A second one would run the same generated call code as a
  // second closure, and V8 then compiles it without the constants of one
  // closure (such as the kernel export as a known target): 13-15 ns more a
  // call for both cores (build/scratch measurements, 2026-12-05), which a
  // process with one core does not pay. A plain Buffer is copied into the
  // heap through a scratch block that may grow the heap and so detach
  // alloc() views: every algorithm takes the big Buffer once first, before
  // the views exist (inHeap checks they stay attached).
  const core = await loadCore();
  for (const { alg } of ALGS) if (typeof core[alg] === 'function') core[alg](data);
  const view = core.alloc(B);
  const viewSmall = core.alloc(s);
  view.set(data);
  viewSmall.set(small);
  const inHeap = (v, n) => {
    if (v.byteLength !== n) throw new Error("the core's alloc() view was detached (heap grew)");
    return v;
  };

  const xw = await xxhashWasm();
  const b3w = loadBlake3Wasm();
  notes.push(b3w.note);
  const nodeHash = typeof crypto.hash === 'function'
    ? (alg, d) => crypto.hash(alg, d, 'buffer')
    : (alg, d) => crypto.createHash(alg).update(d).digest();
  const nodeHow = typeof crypto.hash === 'function' ? 'crypto.hash()' : 'createHash().update().digest()';
  const shaNi = /\bsha_ni\b/.test(fs.existsSync('/proc/cpuinfo') ? fs.readFileSync('/proc/cpuinfo', 'utf8') : '');
  notes.push(`Node crypto is native code: OpenSSL ${process.versions.openssl}, ${nodeHow}` +
    (fs.existsSync('/proc/cpuinfo') ? `; this CPU ${shaNi ? 'has' : 'does not have'} the SHA extensions (sha_ni), which OpenSSL uses for SHA-1 and SHA-256/224 when present.` : '.'));

  let pool1 = null;
  let poolN = null;
  try {
    pool1 = await createPool({ threads: 1 });
    poolN = await createPool();
    const N = poolN.threads;
    const buf1 = pool1.alloc(B);
    const bufN = poolN.alloc(B);
    buf1.set(data);
    bufN.set(data);
    const slicesOf = (buf, n, len) => Array.from({ length: n }, (_, i) => buf.subarray(i * len, (i + 1) * len));
    const slices1 = slicesOf(buf1, S, sliceBytes);
    const slicesN = slicesOf(bufN, S, sliceBytes);
    const smallMany1 = slicesOf(buf1, K, s);
    const smallManyN = slicesOf(bufN, K, s);
    // pool.alloc() views are read in place: a one-shot call copies nothing,
    // hashMany copies only its table of (address, length) items, 16 bytes an input
    for (const [p, b, sl] of [[pool1, buf1, slices1], [poolN, bufN, slicesN]]) {
      const c0 = p.stats().bytesCopied;
      await p.xxh32(b);
      const c1 = p.stats().bytesCopied;
      await p.hashMany('xxh32', sl);
      const c2 = p.stats().bytesCopied;
      if (c1 !== c0 || c2 - c1 > 16 * sl.length) {
        notes.push(`pool of ${p.threads}: a one-shot call on a pool.alloc() view copied ${c1 - c0} bytes, hashMany of ${sl.length} ` +
          `slices ${c2 - c1} (its item table is ${16 * sl.length}): the views were not all used in place.`);
      }
    }

    section.intro.push(
      `Every algorithm is timed on ${sizeName(B)} of pseudo-random bytes and on ${sizeName(s)} (its first bytes), ` +
      'each contender in turn, rotated every round. A timed run repeats its call until it lasts about ' +
      `${T} ms (a ${sizeName(B)} call of a slow hash is one call a run); for ${sizeName(s)}, MB/s and ns per call ` +
      'come from such a loop of calls on the same bytes. "parawasm core" is loadCore(), one thread, synchronous: ' +
      "an alloc() view is hashed in place; a plain Buffer is copied into the core's heap on every call. " +
      `Pools: createPool({ threads: 1 }) and createPool() (${N} threads), the input in pool.alloc(), one await per call. ` +
      `Sequential algorithms (all but blake3) cannot split one input, so their all-threads figure is ` +
      `pool.hashMany over ${S} equal slices of the ${sizeName(B)} (${S} x ${sizeName(sliceBytes)}), and for ` +
      `${sizeName(s)} over ${K} inputs of ${sizeName(s)} (ns per input); blake3 splits one input across the threads. ` +
      'hash-wasm rows use one create*() hasher made up front, init/update/digest per call. Every row\'s result is ' +
      "checked against parawasm's (a mismatch fails the run); native rows print only a digest's first 8 bytes.",
    );
    const summary = {
      caption: `Summary (MB/s, medians; ${sizeName(s)}: ns per call, lower is better). "best library" is the fastest of hash-wasm, xxhash-wasm and blake3-wasm on one thread.`,
      headers: ['algorithm', `core ${sizeName(B)}`, `pool 1 thread`, `pool ${N} threads`, 'best library', 'Node crypto (native)', 'native C', `core ÷ best library`,
        `${sizeName(s)}: core ns/call`, `${sizeName(s)}: best library ns/call`, `${sizeName(s)}: pool ${N} threads hashMany ns/input`],
      rows: [],
    };
    const bigTable = {
      caption: `${sizeName(B)}, one input (hashMany: ${S} x ${sizeName(sliceBytes)})`,
      headers: ['algorithm', 'contender', 'MB/s median (min–max)', 'speed ÷ parawasm core', 'result'],
      rows: [],
    };
    const smallTable = {
      caption: `${sizeName(s)}, loops of calls (hashMany: ${K} x ${sizeName(s)} per call, ns per input)`,
      headers: ['algorithm', 'contender', 'MB/s median (min–max)', 'ns/call median', 'speed ÷ parawasm core', 'result'],
      rows: [],
    };
    section.tables.push(summary, bigTable, smallTable);
    const found = {}; // alg -> { big: Map role -> summary, small: ... }
    let maxLoad = os.loadavg()[0];

    for (const a of ALGS) {
      const { alg, kind } = a;
      if (typeof core[alg] !== 'function' || typeof pool1[alg] !== 'function') {
        notes.push(`${alg}: not built on this branch (core.${alg} is not a function): skipped.`);
        section.targets.push({ name: `${alg}: kernel built`, requirement: `core.${alg} exists`, measured: 'not built: skipped', value: null, pass: false });
        summary.rows.push([alg, 'not built', '', '', '', '', '', '', '', '', '']);
        continue;
      }
      const one = (v) => canon(kind, v);
      const many = (arr) => canonMany(kind, arr);
      // the expected results, from the core (untimed)
      const expBig = one(core[alg](view));
      const expSlices = many(slicesOf(view, S, sliceBytes).map((v) => core[alg](v)));
      const expSmall = one(core[alg](viewSmall));
      const expSmallMany = many(slicesOf(view, K, s).map((v) => core[alg](v)));
      const hw = await hashWasm[a.hw]();
      // a function of its own for each algorithm too (see ownSite)
      // eslint-disable-next-line no-new-func
      const hwSite = (d) => new Function('h', 'd', "return () => { h.init(); h.update(d); return h.digest('binary'); };")(hw, d);
      const hasNative = haveNative.has(alg);

      const contenders = (bytes, isBig) => {
        const L = [];
        const v = isBig ? view : viewSmall;
        const d = isBig ? data : small;
        const du8 = isBig ? u8 : smallU8;
        const exp = isBig ? expBig : expSmall;
        const expMany = isBig ? expSlices : expSmallMany;
        L.push({ name: 'parawasm core, alloc() view (zero copy)', role: 'pw', exp,
          run: syncLoop(bytes, T, ownSite(core, alg, v), one), pre: () => inHeap(v, bytes) });
        L.push({ name: 'parawasm core, plain Buffer (copied in)', role: 'pwCopy', exp, run: syncLoop(bytes, T, ownSite(core, alg, d), one) });
        if (!isBig) {
          L.push({ name: "parawasm core.createHash(), alloc() view: update/digest per call", role: 'pwStream', exp,
            run: syncLoop(bytes, T, () => core.createHash(alg).update(v).digest(), one), pre: () => inHeap(v, bytes) });
        }
        if (isBig) {
          L.push({ name: 'parawasm pool, 1 thread, pool.alloc() view', role: 'pool1', exp, run: asyncLoop(bytes, T, () => pool1[alg](buf1), one) });
          if (a.split) {
            L.push({ name: `parawasm pool, ${N} threads, one input split across the threads`, role: 'poolN', exp,
              run: asyncLoop(bytes, T, () => poolN[alg](bufN), one) });
          } else {
            L.push({ name: `parawasm pool, 1 thread, hashMany ${S} x ${sizeName(sliceBytes)}`, role: 'many1', exp: expMany,
              run: asyncLoop(bytes, T, () => pool1.hashMany(alg, slices1), many) });
            L.push({ name: `parawasm pool, ${N} threads, hashMany ${S} x ${sizeName(sliceBytes)} (${S} inputs at once)`, role: 'poolN', exp: expMany,
              run: asyncLoop(bytes, T, () => poolN.hashMany(alg, slicesN), many) });
          }
          L.push({ name: `parawasm pool, ${N} threads, createHash(): ${S} updates of ${sizeName(sliceBytes)}, digest`, role: 'poolStream', exp,
            run: asyncLoop(bytes, T, () => {
              const h = poolN.createHash(alg);
              for (const x of slicesN) h.update(x);
              return h.digest();
            }, one) });
        } else {
          L.push({ name: `parawasm pool, 1 thread, hashMany ${K} x ${sizeName(s)}`, role: 'many1', exp: expMany, perInput: true,
            run: asyncLoop(K * s, T, () => pool1.hashMany(alg, smallMany1), many) });
          L.push({ name: `parawasm pool, ${N} threads, hashMany ${K} x ${sizeName(s)}`, role: 'poolN', exp: expMany, perInput: true,
            run: asyncLoop(K * s, T, () => poolN.hashMany(alg, smallManyN), many) });
        }
        L.push({ name: `hash-wasm ${a.hw}${a.alg === 'blake3' ? '(256)' : '()'} init/update/digest`, role: 'lib', exp,
          run: syncLoop(bytes, T, hwSite(du8), one) });
        if (a.xw === 32) {
          L.push({ name: 'xxhash-wasm h32Raw()', role: 'lib', exp, run: syncLoop(bytes, T, () => xw.h32Raw(du8, 0), one) });
          L.push({ name: 'xxhash-wasm create32().update().digest()', role: 'lib', exp, run: syncLoop(bytes, T, () => xw.create32(0).update(du8).digest(), one) });
        }
        if (a.xw === 64) {
          L.push({ name: 'xxhash-wasm h64Raw()', role: 'lib', exp, run: syncLoop(bytes, T, () => xw.h64Raw(du8, 0n), one) });
          L.push({ name: 'xxhash-wasm create64().update().digest()', role: 'lib', exp, run: syncLoop(bytes, T, () => xw.create64(0n).update(du8).digest(), one) });
        }
        if (a.b3w) {
          L.push({ name: `blake3-wasm hash() (${b3w.native ? 'native addon' : 'wasm'})`, role: b3w.native ? 'libNative' : 'lib', exp,
            run: syncLoop(bytes, T, () => b3w.hash(du8), one) });
        }
        if (a.node) {
          L.push({ name: `Node crypto ${nodeHow} (native OpenSSL)`, role: 'node', exp, run: syncLoop(bytes, T, () => nodeHash(a.node, d), one) });
        }
        if (a.split && isBig) {
          // the all-threads target's reference, alternated with the rest
          const expSha = typeof core.sha256 === 'function' ? canon('bytes', core.sha256(view)) : null;
          L.push({ name: `Node crypto ${nodeHow} sha256 (native OpenSSL; reference of the all-threads target)`, role: 'nodeSha256', exp: expSha,
            run: syncLoop(bytes, T, () => nodeHash('sha256', d), (r) => canon('bytes', r)) });
        }
        if (hasNative) {
          const expN = kind === 'bytes' || kind === 'xof' ? exp.slice(0, 16) : exp;
          L.push({ name: 'native C (gcc -O3 -march=native), one thread', role: 'native', exp: expN, run: nativeLoop(alg, bytes, T) });
        }
        return L;
      };

      found[alg] = {};
      for (const [isBig, bytes] of [[true, B], [false, s]]) {
        const L = contenders(bytes, isBig);
        for (const c of L) {
          if (c.pre) {
            const run = c.run;
            c.run = () => {
              c.pre();
              return run();
            };
          }
        }
        const load0 = os.loadavg()[0];
        log(`5. ${alg}, ${sizeName(bytes)}: ${L.length} contenders x ${cfg.runs} runs (load average ${fmt(load0, 2)})`);
        const res = await alternate(L, cfg.runs);
        const pwS = summarize(res.get(L[0].name).samples);
        const byRole = new Map();
        const table = isBig ? bigTable : smallTable;
        const jg = { alg, bytes, expected: isBig ? expBig : expSmall, loadAverage: [load0, os.loadavg()[0]], rows: [] };
        maxLoad = Math.max(maxLoad, load0, os.loadavg()[0]);
        section.data.groups.push(jg);
        for (const c of L) {
          const rec = res.get(c.name);
          const sm = summarize(rec.samples);
          const checks = [...rec.checks];
          const agree = c.exp === null ? null : checks.length === 1 && checks[0] === c.exp;
          if (rec.error || agree === false) process.exitCode = 1;
          if (agree === false) {
            notes.push(`${alg} ${sizeName(bytes)} / ${c.name}: result ${checks.map(shown).join(', ')} differs from parawasm's ${shown(c.exp)}.`);
          }
          if (!rec.error && rec.samples.length) {
            if (!byRole.has(c.role)) byRole.set(c.role, []);
            byRole.get(c.role).push({ name: c.name, s: sm });
          }
          const unitBytes = c.perInput ? s : bytes; // ns per call, or per input of hashMany
          const ns = (unitBytes * 1e3) / sm.median;
          const resultCell = rec.error ? '' : `${checks.map(shown).join(', ')}${agree === false ? ' MISMATCH' : agree === null ? ' (not checked)' : ''}`;
          const row = [alg, c.name, rec.error ? `error: ${rec.error.message}` : fmtSummary(sm)];
          if (!isBig) row.push(rec.error ? '' : `${fmt(ns, digitsFor(ns))}${c.perInput ? ' per input' : ''}`);
          row.push(c.role === 'pw' ? '1' : fmt(sm.median / pwS.median, 2), resultCell);
          table.rows.push(row);
          jg.rows.push({ name: c.name, role: c.role, unit: 'MB/s', ...sm, nsPerCall: isBig ? null : ns, calls: rec.details.map((d) => d.calls),
            results: checks, resultsAgree: agree, error: rec.error ? String(rec.error.message) : null });
        }
        found[alg][isBig ? 'big' : 'small'] = byRole;
      }

      // targets and the summary row
      const best = (m, role) => (m.get(role) ?? []).reduce((x, y) => (x && x.s.median >= y.s.median ? x : y), null);
      const big = found[alg].big;
      const sml = found[alg].small;
      const pw = best(big, 'pw');
      const pwSmall = best(sml, 'pw');
      const lib = best(big, 'lib');
      const libSmall = best(sml, 'lib');
      const hwBig = (big.get('lib') ?? []).find((x) => x.name.startsWith('hash-wasm'));
      const nat = best(big, 'native');
      const nsOf = (x, bytes) => (x ? (bytes * 1e3) / x.s.median : NaN);
      if (pw && lib) {
        const r = pw.s.median / lib.s.median;
        section.targets.push({ name: `${alg}: parawasm core ≥ fastest JS/wasm library, ${sizeName(B)}`, requirement: '≥ 1',
          measured: `${fmt(pw.s.median)} vs ${fmt(lib.s.median)} MB/s (${lib.name}): ${fmt(r, 2)}`, value: r, pass: r >= 1 });
      }
      if (pwSmall && libSmall) {
        const r = pwSmall.s.median / libSmall.s.median;
        section.targets.push({ name: `${alg}: parawasm core ≥ fastest JS/wasm library, ${sizeName(s)}`, requirement: '≥ 1',
          measured: `${fmt(nsOf(pwSmall, s), 0)} vs ${fmt(nsOf(libSmall, s), 0)} ns/call (${libSmall.name}): ${fmt(r, 2)}`, value: r, pass: r >= 1 });
      }
      const vsHashWasm = { blake3: BLAKE3_OVER_HASH_WASM, sha256: SHA256_OVER_HASH_WASM, xxh3: 1 }[alg];
      if (vsHashWasm && pw && hwBig) {
        const r = pw.s.median / hwBig.s.median;
        section.targets.push({ name: `${alg}: parawasm core ≥ ${vsHashWasm} x hash-wasm, ${sizeName(B)}`, requirement: `≥ ${vsHashWasm}`,
          measured: `${fmt(pw.s.median)} vs ${fmt(hwBig.s.median)} MB/s: ${fmt(r, 2)}`, value: r, pass: r >= vsHashWasm });
      }
      if (pw && nat) {
        const r = nat.s.median / pw.s.median;
        section.targets.push({ name: `${alg}: native C ÷ parawasm core ≤ ${NATIVE_MAX_RATIO}, ${sizeName(B)}`, requirement: `≤ ${NATIVE_MAX_RATIO}`,
          measured: `${fmt(nat.s.median)} vs ${fmt(pw.s.median)} MB/s: ${fmt(r, 2)}`, value: r, pass: r <= NATIVE_MAX_RATIO });
      }
      if (alg === 'blake3') {
        const pN = best(big, 'poolN');
        const ref = best(big, 'nodeSha256');
        if (pN && ref) {
          const r = pN.s.median / ref.s.median;
          section.targets.push({ name: `blake3 on the pool (${N} threads) faster than Node crypto sha256, ${sizeName(B)}`, requirement: '> 1',
            measured: `${fmt(pN.s.median)} vs ${fmt(ref.s.median)} MB/s: ${fmt(r, 2)}`, value: r, pass: r > 1 });
        }
      }
      const m = (x) => (x ? fmt(x.s.median) : 'n/a');
      const p1 = best(big, 'pool1');
      const pN = best(big, 'poolN');
      const nodeR = best(big, 'node');
      const manyN = best(sml, 'poolN');
      summary.rows.push([
        alg, m(pw), m(p1), pN ? `${m(pN)} (${a.split ? 'one input' : `hashMany ${S} x ${sizeName(sliceBytes)}`})` : 'n/a',
        lib ? `${m(lib)} (${lib.name.split(' ')[0]})` : 'n/a', m(nodeR), m(nat), pw && lib ? fmt(pw.s.median / lib.s.median, 2) : 'n/a',
        pwSmall ? fmt(nsOf(pwSmall, s), digitsFor(nsOf(pwSmall, s))) : 'n/a',
        libSmall ? `${fmt(nsOf(libSmall, s), digitsFor(nsOf(libSmall, s)))} (${libSmall.name.split(' ')[0]})` : 'n/a',
        manyN ? fmt(nsOf(manyN, s), digitsFor(nsOf(manyN, s))) : 'n/a',
      ]);
    }
    section.data.bytesCopied = [pool1.stats().bytesCopied, poolN.stats().bytesCopied];
    section.data.maxLoadAverage = maxLoad;
    if (maxLoad > cfg.cores + 0.5) { // this benchmark alone keeps about cores busy
      notes.push(`The 1-minute load average reached ${fmt(maxLoad, 2)} on ${cfg.cores} cores during this benchmark ` +
        '(other processes were running): figures, above all the all-threads ones, are lower and noisier than on an idle machine.');
    }
    pool1.free(buf1);
    poolN.free(bufN);
  } finally {
    await Promise.allSettled([pool1?.destroy(), poolN?.destroy()]);
    core.free(viewSmall);
    core.free(view);
  }
  return section;
}
