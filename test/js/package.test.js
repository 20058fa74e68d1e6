// The package as a user gets it: pkg/ installed (the files its package.json
// lists) into a temporary node_modules/parawasm, used from scripts run in
// child processes: ESM import and CommonJS require, the exports map, error
// classes, no process handlers added, processes that end by themselves, and
// the TypeScript declarations.
//
//   node --test test/js/package.test.js
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HANG_MS } from './helpers/pool-test-utils.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PKG = join(ROOT, 'pkg');
const TSC = join(ROOT, 'node_modules/.bin/tsc');
const CHECK_CRC = 0xcbf43926;

let dir; // the user's project
let installed; // dir/node_modules/parawasm

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'pw-package-'));
  installed = join(dir, 'node_modules', 'parawasm');
  mkdirSync(installed, { recursive: true });
  // what `npm install` would unpack: package.json and the "files" entries
  const manifest = JSON.parse(readFileSync(join(PKG, 'package.json'), 'utf8'));
  cpSync(join(PKG, 'package.json'), join(installed, 'package.json'));
  for (const f of manifest.files) {
    assert.ok(existsSync(join(PKG, f)), `pkg/${f} exists (run make pkg)`);
    cpSync(join(PKG, f), join(installed, f), { recursive: true });
  }
  // the user's own project is CommonJS by default (no "type")
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'user-project', private: true }));
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Writes `source` to dir/name and runs it with node; returns the spawnSync result. */
function run(name, source, { timeout = HANG_MS } = {}) {
  writeFileSync(join(dir, name), source);
  return spawnSync(process.execPath, [name], { cwd: dir, encoding: 'utf8', timeout });
}

/** The last stdout line of a successful run, parsed as JSON. */
function resultOf(r, label) {
  assert.equal(r.signal, null, `${label}: killed by ${r.signal} (it did not end by itself); stderr: ${r.stderr}`);
  assert.equal(r.status, 0, `${label}: exit ${r.status}; stderr: ${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

const EVENTS = ['uncaughtException', 'unhandledRejection', 'exit', 'beforeExit', 'SIGINT', 'SIGTERM', 'warning'];

// A script body shared by the ESM and CJS checks; `pw` is the module.
const USE = `
  const counts = () => Object.fromEntries(${JSON.stringify(EVENTS)}.map((e) => [e, process.listenerCount(e)]));
  async function use(pw, before) {
    const out = { before };
    out.exports = Object.keys(pw).sort();
    const check = new TextEncoder().encode('123456789');
    const core = await pw.loadCore();
    out.coreCrc = core.crc32(check);
    const v = core.alloc(9);
    v.set(check);
    out.coreAllocCrc = core.crc32(v);
    core.free(v);
    const pool = await pw.createPool({ threads: 2 });
    out.poolCrc = await pool.crc32(check);
    const big = pool.alloc(1 << 20);
    big.fill(7);
    out.poolBig = await pool.crc32(big);
    out.coreBig = core.crc32(big);
    out.hex = pw.hex(out.poolCrc);
    out.afterLoad = counts();

    // error classes: names, codes, hierarchy
    out.classes = {};
    for (const n of ['ParawasmError', 'AbortError', 'PoolCrashedError', 'PoolDestroyedError']) {
      const e = n === 'ParawasmError' ? new pw[n]('m') : new pw[n]();
      // (the class's own name too: util.inspect and uncaught traces print it)
      out.classes[n] = { name: e.name, ctor: e.constructor.name, code: e.code, isBase: e instanceof pw.ParawasmError, isError: e instanceof Error };
    }
    // errors as they really arrive
    try { core.crc32('x'); } catch (e) { out.typeError = { ctor: e.constructor.name, code: e.code, message: e.message }; }
    const ac = new AbortController();
    ac.abort(new Error('stop'));
    await pool.crc32(check, { signal: ac.signal }).catch((e) => {
      out.abort = { isAbortError: e instanceof pw.AbortError, isBase: e instanceof pw.ParawasmError, code: e.code, name: e.name, cause: e.cause && e.cause.message };
    });
    const pending = pool.crc32(big);
    const ending = pool.destroy();
    await pending.then(
      (v) => { out.pendingAtDestroy = { resolved: v }; },
      (e) => { out.pendingAtDestroy = { destroyed: e instanceof pw.PoolDestroyedError, code: e.code }; });
    await ending;
    await pool.crc32(check).catch((e) => {
      out.afterDestroy = { destroyed: e instanceof pw.PoolDestroyedError, isBase: e instanceof pw.ParawasmError, code: e.code, name: e.name };
    });
    out.afterDestroyCounts = counts();
    return out;
  }
`;

function checkUse(out, label) {
  for (const k of ['AbortError', 'ParawasmError', 'PoolCrashedError', 'PoolDestroyedError', 'createPool', 'hex', 'loadCore']) {
    assert.ok(out.exports.includes(k), `${label}: exports ${k}`);
  }
  assert.equal(out.coreCrc, CHECK_CRC, label);
  assert.equal(out.coreAllocCrc, CHECK_CRC, label);
  assert.equal(out.poolCrc, CHECK_CRC, label);
  assert.equal(out.poolBig, out.coreBig, label);
  assert.equal(out.hex, 'cbf43926', label);
  assert.deepEqual(out.afterLoad, out.before, `${label}: loading the core and a pool adds no process listeners`);
  assert.deepEqual(out.afterDestroyCounts, out.before, `${label}: nor does destroying the pool`);
  assert.deepEqual(out.classes, {
    ParawasmError: { name: 'ParawasmError', ctor: 'ParawasmError', code: 'ERR_PW', isBase: true, isError: true },
    AbortError: { name: 'AbortError', ctor: 'AbortError', code: 'ABORT_ERR', isBase: true, isError: true },
    PoolCrashedError: { name: 'PoolCrashedError', ctor: 'PoolCrashedError', code: 'ERR_PW_POOL_CRASHED', isBase: true, isError: true },
    PoolDestroyedError: { name: 'PoolDestroyedError', ctor: 'PoolDestroyedError', code: 'ERR_PW_POOL_DESTROYED', isBase: true, isError: true },
  }, label);
  assert.equal(out.typeError.ctor, 'TypeError', label);
  assert.equal(out.typeError.code, 'ERR_INVALID_ARG_TYPE', label);
  assert.match(out.typeError.message, /crc32: data/, label);
  assert.deepEqual(out.abort, { isAbortError: true, isBase: true, code: 'ABORT_ERR', name: 'AbortError', cause: 'stop' }, label);
  // a call in flight when destroy() is called either finished first or was rejected
  if (!('resolved' in out.pendingAtDestroy)) {
    assert.deepEqual(out.pendingAtDestroy, { destroyed: true, code: 'ERR_PW_POOL_DESTROYED' }, label);
  } else {
    assert.equal(out.pendingAtDestroy.resolved, out.poolBig, label);
  }
  assert.deepEqual(out.afterDestroy, { destroyed: true, isBase: true, code: 'ERR_PW_POOL_DESTROYED', name: 'PoolDestroyedError' }, label);
}

// ------------------------------------------------------------- loading

test('ESM: import { loadCore, createPool } from "parawasm" works', () => {
  const r = run('esm.mjs', `${USE}
    const before = counts();
    const pw = await import('parawasm');
    const { loadCore, createPool } = pw;
    if (typeof loadCore !== 'function' || typeof createPool !== 'function') throw new Error('missing exports');
    console.log(JSON.stringify(await use(pw, before)));
  `);
  checkUse(resultOf(r, 'esm'), 'esm');
});

test('CommonJS: require("parawasm") works, with its own loadCore/createPool and error classes', () => {
  const r = run('cjs.cjs', `${USE}
    const before = counts();
    const pw = require('parawasm');
    use(pw, before).then((out) => console.log(JSON.stringify(out)));
  `);
  checkUse(resultOf(r, 'cjs'), 'cjs');
});

test('a .js file of a CommonJS project can require it too', () => {
  const r = run('plain.js', `
    const { loadCore } = require('parawasm');
    loadCore().then((core) => console.log(JSON.stringify({ crc: core.crc32(Buffer.from('123456789')) })));
  `);
  assert.equal(resultOf(r, 'plain.js').crc, CHECK_CRC);
});

// ------------------------------------------------------------- exports

test('the exports map: require → index.cjs, import → index.js, package.json exported, internals not', () => {
  const r = spawnSync(process.execPath, ['-e', `
    const out = { require: require.resolve('parawasm'), pkg: require.resolve('parawasm/package.json') };
    try { require.resolve('parawasm/lib/runtime/core.js'); out.internal = 'resolved'; } catch (e) { out.internal = e.code; }
    console.log(JSON.stringify(out));
  `], { cwd: dir, encoding: 'utf8' });
  const out = resultOf(r, 'require.resolve');
  assert.equal(out.require, join(installed, 'index.cjs'));
  assert.ok(out.require.endsWith(`${sep}parawasm${sep}index.cjs`));
  assert.equal(out.pkg, join(installed, 'package.json'));
  assert.equal(out.internal, 'ERR_PACKAGE_PATH_NOT_EXPORTED');

  const m = run('resolve.mjs', `
    console.log(JSON.stringify({ url: import.meta.resolve('parawasm') }));
  `);
  const url = resultOf(m, 'import.meta.resolve').url;
  assert.equal(fileURLToPath(url), join(installed, 'index.js'));
});

// -------------------------------------------------------- process life

test('a script that uses a pool and never destroys it exits by itself (ESM)', () => {
  const r = run('forget.mjs', `
    import { createPool, loadCore } from 'parawasm';
    const pool = await createPool({ threads: 2 });
    const buf = pool.alloc(4 << 20);
    buf.fill(1);
    const results = await Promise.all([pool.crc32(buf), pool.crc32c(buf), pool.adler32(buf), pool.crc32(new Uint8Array(1000))]);
    const core = await loadCore();
    console.log(JSON.stringify({ results, check: core.crc32(buf) }));
  `);
  const out = resultOf(r, 'forget.mjs');
  assert.equal(out.results[0], out.check);
  assert.equal(out.results.length, 4);
});

test('a script that uses a pool and never destroys it exits by itself (CommonJS)', () => {
  const r = run('forget.cjs', `
    const { createPool } = require('parawasm');
    createPool({ threads: 2 }).then(async (pool) => {
      const v = await pool.crc32(Buffer.from('123456789'));
      console.log(JSON.stringify({ v }));
    });
  `);
  assert.equal(resultOf(r, 'forget.cjs').v, CHECK_CRC);
});

test('a created but unused pool does not keep the process alive', () => {
  const r = run('idle.mjs', `
    import { createPool } from 'parawasm';
    const pool = await createPool({ threads: 2 });
    console.log(JSON.stringify({ threads: pool.threads }));
  `);
  assert.equal(resultOf(r, 'idle.mjs').threads, 2);
});

test('a call still in flight when the script ends keeps the process alive until it settles', () => {
  const r = run('inflight.mjs', `
    import { createPool } from 'parawasm';
    const pool = await createPool({ threads: 2 });
    const buf = new Uint8Array(8 << 20).fill(3);
    pool.crc32(buf).then((v) => console.log(JSON.stringify({ v })));
    // the script ends here; nothing else holds the event loop
  `);
  const out = resultOf(r, 'inflight.mjs');
  assert.equal(typeof out.v, 'number');
  assert.ok(Number.isInteger(out.v));
});

test('a script that calls destroy() exits too', () => {
  const r = run('destroy.mjs', `
    import { createPool } from 'parawasm';
    const pool = await createPool({ threads: 2 });
    const v = await pool.crc32(new TextEncoder().encode('123456789'));
    await pool.destroy();
    await pool.destroy(); // a second call is harmless
    console.log(JSON.stringify({ v, state: pool.stats().state }));
  `);
  const out = resultOf(r, 'destroy.mjs');
  assert.equal(out.v, CHECK_CRC);
  assert.equal(out.state, 'destroyed');
});

test('destroy() without awaiting it still lets the process exit', () => {
  const r = run('destroy-noawait.cjs', `
    const { createPool } = require('parawasm');
    createPool({ threads: 2 }).then((pool) => {
      pool.destroy();
      console.log(JSON.stringify({ ok: true }));
    });
  `);
  assert.equal(resultOf(r, 'destroy-noawait.cjs').ok, true);
});

// --------------------------------------------------------------- types

test('the types compile for a TypeScript user (tsc --strict, module nodenext)', () => {
  assert.ok(existsSync(TSC), 'typescript is installed in the repository (npm ci)');
  writeFileSync(join(dir, 'user.mts'), `
    import { loadCore, createPool, hex, ParawasmError, AbortError, PoolCrashedError, PoolDestroyedError } from 'parawasm';
    import type { Pool, Core } from 'parawasm';
    const core: Core = await loadCore();
    const c: number = core.crc32(new Uint8Array(4));
    const pool: Pool = await createPool({ threads: 2 });
    const ac = new AbortController();
    const p: number = await pool.crc32(new Uint8Array(4), { signal: ac.signal });
    const f: Float32Array = pool.alloc(16, Float32Array);
    const s: string = hex(c) + hex(BigInt(p)) + hex(f);
    try { await pool.destroy(); } catch (e) {
      if (e instanceof AbortError || e instanceof PoolCrashedError || e instanceof PoolDestroyedError) {
        const code: string = e.code;
        const base: ParawasmError = e;
        void code, base;
      }
    }
    // @ts-expect-error: a string is not a view
    core.crc32('string');
    // @ts-expect-error: a pool result must be awaited
    const n: number = pool.crc32(new Uint8Array(4));
    export { s, n };
  `);
  writeFileSync(join(dir, 'user.cts'), `
    import pw = require('parawasm');
    async function main(): Promise<number> {
      const core = await pw.loadCore();
      return core.crc32c(new Uint8Array(4));
    }
    export = main;
  `);
  const r = spawnSync(TSC, ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext',
    '--target', 'es2022', '--lib', 'es2022,dom', 'user.mts', 'user.cts'], { cwd: dir, encoding: 'utf8', timeout: HANG_MS });
  assert.equal(r.status, 0, `tsc:\n${r.stdout}${r.stderr}`);

  // and a type error is reported: the check can fail
  writeFileSync(join(dir, 'wrong.mts'), `
    import { loadCore } from 'parawasm';
    const core = await loadCore();
    const s: string = core.crc32(new Uint8Array(4));
    export { s };
  `);
  const w = spawnSync(TSC, ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext',
    '--target', 'es2022', '--lib', 'es2022,dom', 'wrong.mts'], { cwd: dir, encoding: 'utf8', timeout: HANG_MS });
  assert.notEqual(w.status, 0);
  assert.match(w.stdout, /wrong\.mts.*TS2322/);
});

test('import and require get the same exported names in their declarations (index.d.ts and index.d.cts)', async () => {
  const { default: ts } = await import('typescript');
  const files = ['index.d.ts', 'index.d.cts'].map((f) => join(installed, f));
  const program = ts.createProgram(files, {
    strict: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, noEmit: true,
  });
  const checker = program.getTypeChecker();
  const [esm, cjs] = files.map((f) => {
    const sf = program.getSourceFile(f);
    assert.ok(sf, f);
    return checker.getExportsOfModule(checker.getSymbolAtLocation(sf)).map((s) => s.name).sort();
  });
  assert.ok(esm.includes('createPool') && esm.includes('HashAlgorithm') && esm.includes('ImageResult'), esm.join(' '));
  assert.deepEqual(cjs, esm);
});

test('a Core or Pool from require() is the Core or Pool of import, and back (.mts with .cts, and bundler resolution): one declaration', () => {
  // (index.d.ts for import, index.d.cts for require: declared apart, their
  // hash types were two different types, and a pool made in a .cts file
  // was no `Pool` of an .mts file: TS2322 on hashMany's result)
  writeFileSync(join(dir, 'make-pool.cts'), `
    import pw = require('parawasm');
    export async function makePool() { return pw.createPool({ threads: 2 }); }
    export async function makeCore() { return pw.loadCore(); }
    export const CjsParawasmError = pw.ParawasmError;
    export type CjsPool = pw.Pool;
    export type CjsCore = pw.Core;
    export type CjsAsyncHash = pw.AsyncHash;
  `);
  writeFileSync(join(dir, 'mixed-main.mts'), `
    import { createPool, loadCore, ParawasmError, AbortError } from 'parawasm';
    import type { Pool, Core, ImagePool, ArrayCore, HashPoolMethods, AsyncHash } from 'parawasm';
    import { makePool, makeCore, CjsParawasmError, type CjsPool, type CjsCore, type CjsAsyncHash } from './make-pool.cjs';
    const pool: Pool = await makePool();
    const core: Core = await makeCore();
    const image: ImagePool = pool.image;
    const array: ArrayCore = core.array;
    const hashes: HashPoolMethods = pool;
    const hash: AsyncHash = pool.createHash('sha256');
    const back: CjsPool = await createPool();
    const backCore: CjsCore = await loadCore();
    const backHash: CjsAsyncHash = hash;
    // the error classes are one (as at run time): instanceof narrows across the two
    const same: typeof ParawasmError = CjsParawasmError;
    const sameBack: typeof CjsParawasmError = ParawasmError;
    try { await pool.destroy(); } catch (e) {
      if (e instanceof CjsParawasmError) { const esm: ParawasmError = e; const code: string = e.code; void esm, code; }
      if (e instanceof AbortError) { const cjs: InstanceType<typeof CjsParawasmError> = e; void cjs; }
    }
    // @ts-expect-error: still checked: a pool is no core
    const notCore: Core = await makePool();
    export { image, array, hashes, back, backCore, backHash, same, sameBack, notCore };
  `);
  writeFileSync(join(dir, 'mixed-bundler.ts'), `
    import pw = require('parawasm');
    import type { Pool, Core, ParawasmError } from 'parawasm';
    async function main() {
      const core: Core = await pw.loadCore();
      const pool: Pool = await pw.createPool({ threads: 2 });
      const back: pw.Pool = pool;
      try { await pool.destroy(); } catch (e) { if (e instanceof pw.ParawasmError) { const esm: ParawasmError = e; void esm; } }
      return [core, back];
    }
    export = main;
  `);
  const common = ['--noEmit', '--strict', '--target', 'es2022', '--lib', 'es2022,dom'];
  const failed = [
    ['--module', 'nodenext', '--moduleResolution', 'nodenext', 'mixed-main.mts', 'make-pool.cts'],
    ['--module', 'preserve', '--moduleResolution', 'bundler', 'mixed-bundler.ts'],
  ].flatMap((args) => {
    const r = spawnSync(TSC, [...common, ...args], { cwd: dir, encoding: 'utf8', timeout: HANG_MS });
    return r.status === 0 ? [] : [`tsc ${args.join(' ')}:\n${r.stdout}${r.stderr}`];
  });
  assert.deepEqual(failed, []);
});

test('the types refuse exactly the hash options the run time refuses (each algorithm and option of createHash and hashMany)', async () => {
  const { default: ts } = await import('typescript');
  const { loadCore, HASH_ALGORITHMS } = await import(join(installed, 'index.js'));
  const core = await loadCore();
  const OPTIONS = { seed: ['1', 1], key: ['new Uint8Array(32)', new Uint8Array(32)], context: ["'app v1'", 'app v1'], outputLength: ['16', 16] };
  const cases = [];
  for (const alg of HASH_ALGORITHMS) {
    for (const [opt, [src, value]] of Object.entries(OPTIONS)) {
      for (const fn of ['createHash', 'hashMany']) {
        let runs = true;
        try {
          const o = { [opt]: value };
          if (fn === 'createHash') core.createHash(alg, o).dispose();
          else core.hashMany(alg, [new Uint8Array(1)], o);
        } catch (e) {
          assert.ok(e instanceof TypeError, `${fn}(${alg}, ${opt}): ${e}`);
          runs = false;
        }
        const call = fn === 'createHash' ? `core.createHash('${alg}', { ${opt}: ${src} })` : `core.hashMany('${alg}', [new Uint8Array(1)], { ${opt}: ${src} })`;
        cases.push({ label: `${fn}(${alg}, { ${opt} })`, runs, call });
      }
    }
  }
  const file = join(dir, 'hash-options.mts');
  const lines = ["import { loadCore } from 'parawasm';", 'const core = await loadCore();', ...cases.map((c) => `${c.call};`), 'export {};'];
  writeFileSync(file, lines.join('\n'));
  const program = ts.createProgram([file], {
    strict: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'], noEmit: true,
  });
  const refused = new Set();
  for (const d of ts.getPreEmitDiagnostics(program)) {
    assert.ok(d.file?.fileName === file, `only the cases' lines have errors: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    refused.add(d.file.getLineAndCharacterOfPosition(d.start).line - 2);
  }
  const wrong = cases.filter((c, i) => c.runs === refused.has(i)).map((c) => `${c.label}: runs ${c.runs}, a type error ${c.runs ? 'though it runs' : 'missing'}`);
  assert.deepEqual(wrong, []);
  assert.ok(cases.some((c) => c.runs) && cases.some((c) => !c.runs), 'both kinds of cases');
});

// Results the package makes: new arrays over an ArrayBuffer at run time,
// and typed so (TypeScript 5.7 and later name a typed array's buffer), so
// that a Blob, a Response or crypto.subtle takes them; results that are
// views of a core's or pool's memory (a pool's images, options.out from
// alloc(), an argument returned) are a SharedArrayBuffer's, and must not be
// typed as an ArrayBuffer's.
const NEW_RESULTS = [
  'core.image.encode(img)', 'pool.image.encode(img, { format: \'jpeg\' })',
  'core.image.encodePng(img)', 'pool.image.encodePng(img)',
  'core.image.encodeJpeg(img, 85)', 'pool.image.encodeJpeg(img, { quality: 85 })',
  'core.image.chain(img).flip().encode()', 'pool.image.chain(img).flip().encodePng()',
  'core.image.chain(img).encodeJpeg(80)', 'pool.image.chain(core.image.encodePng(img)).resize(4).encodeJpeg({ quality: 80 })',
  'channel(core.image.histogram(img))', 'channel(await pool.image.histogram(grey))', 'channel(await pool.image.chain(img).histogram())',
  'core.image.blur(img, 1).data', 'core.image.decode(core.image.encodePng(img)).data',
  'core.array.argsort(f64)', 'pool.array.argsort(f64, { descending: true })',
  'core.array.sortByKey(f64.slice(), [new Int8Array(4)])', 'pool.array.sortByKey(f64.slice(), new Int8Array(4))',
  'core.array.gather(f64, Uint32Array.of(1, 0))', 'pool.array.gather(new Uint8ClampedArray(4), Uint32Array.of(1, 0))',
  'core.array.quantiles(f64, [0.5])', 'pool.array.quantiles(f64, [0.1, 0.9])',
  'core.array.topk(f64, 2).values', '(await pool.array.topk(f64, 2)).indices',
  'core.array.searchSorted(sorted, [2, 3])', 'pool.array.searchSorted(sorted, [2])',
  'core.array.unique(f64).values', '(await pool.array.unique(new Uint8ClampedArray(4))).counts',
  'core.array.cumsum(f64)', 'pool.array.cumsum(new Uint8ClampedArray(4), { exclusive: true })',
  // (a new array, though x is a view of the pool's memory)
  'pool.array.cumsum(pool.alloc(32, Float64Array))',
  'core.array.histogram(f64, { bins: 3 })', 'pool.array.histogram(f64)',
  'core.array.clamp(f64, 0, 2)', 'pool.array.clamp(new BigInt64Array(2), 0n, 1)',
  'core.array.convert(f64, Float32Array)', 'pool.array.convert(f64, Uint8Array)',
  'core.array.matmul(f32, f32, { m: 2 })', 'pool.array.matvec(f32, new Float32Array(2))',
  'core.array.transpose(new Int16Array(6), { rows: 2 })', 'pool.array.transpose(f64, { cols: 2 })',
  'core.sha256(bytes)', 'pool.blake3(bytes)',
  'core.createHash(\'sha256\').update(\'abc\').digest()', 'pool.createHash(\'md5\').update(bytes).digest(\'bytes\')',
  'core.hashMany(\'sha1\', [bytes])[0]', '(await pool.hashMany(\'crc32\', [bytes], { encoding: \'bytes\' }))[0]',
];
const SHARED_RESULTS = [
  '(await pool.image.blur(img, 1)).data', 'pool.image.create(2, 2).data', '(await pool.image.chain(img).flip().run()).data',
  'pool.array.cumsum(f64, { out: pool.alloc(32, Float64Array) })', 'core.array.argsort(f64, { out: core.alloc(16, Uint32Array) })',
  'pool.array.gather(f64, Uint32Array.of(0), { out: pool.alloc(8, Float64Array) })', 'core.array.convert(f64, core.alloc(16, Float32Array))',
  'pool.array.matmul(f32, f32, { m: 2, out: pool.alloc(16, Float32Array) })', 'pool.array.sort(pool.alloc(16, Int32Array))',
  'pool.sha256(bytes, { out: pool.alloc(32) })',
];

test('new results are ArrayBuffers\' and typed so (a Blob, Response or crypto.subtle takes them); views of the memory are not typed so', async () => {
  const { default: ts } = await import('typescript');
  const cases = [...NEW_RESULTS.map((e) => ({ e, fresh: true })), ...SHARED_RESULTS.map((e) => ({ e, fresh: false }))];
  const head = [
    "import { loadCore, createPool, type ImageHistogram } from 'parawasm';",
    'const core = await loadCore();',
    'const pool = await createPool({ threads: 2 });',
    'const img = { data: new Uint8ClampedArray(8 * 8 * 4).fill(200), width: 8, height: 8 };',
    'const grey = { data: new Uint8ClampedArray(8 * 8), width: 8, height: 8, channels: 1 as const };',
    'const f64 = Float64Array.of(3, 1, 2, 2);',
    'const f32 = new Float32Array(4);',
    'const sorted = Float64Array.of(1, 2, 3);',
    'const bytes = new Uint8Array(3);',
    "const channel = (h: ImageHistogram) => ('r' in h ? h.r : h.grey);",
    // what new Blob([v]), new Response(v) and crypto.subtle.digest(alg, v) take
    'const buffers: string[] = [];',
    'const take = (v: BufferSource) => { buffers.push(Object.prototype.toString.call(ArrayBuffer.isView(v) ? v.buffer : v)); };',
  ];
  const file = join(dir, 'new-results.mts');
  writeFileSync(file, [...head, ...cases.map((c) => `take(await (${c.e}));`),
    'await pool.destroy();', 'console.log(JSON.stringify(buffers));', ''].join('\n'));
  const program = ts.createProgram([file], {
    strict: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'], types: [],
  });
  const refused = new Set();
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const msg = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    assert.ok(d.file?.fileName === file && d.code === 2345, `only the cases' arguments are errors: ${msg}`);
    refused.add(d.file.getLineAndCharacterOfPosition(d.start).line - head.length);
  }
  assert.equal(program.emit().emitSkipped, false);
  const buffers = resultOf(spawnSync(process.execPath, ['new-results.mjs'], { cwd: dir, encoding: 'utf8', timeout: HANG_MS }), 'new-results.mjs');
  const wrong = cases.flatMap((c, i) => {
    const at = buffers[i] === '[object ArrayBuffer]';
    return [
      ...(c.fresh !== at ? [`${c.e}: ${buffers[i]} at run time`] : []),
      ...(at === refused.has(i) ? [`${c.e}: ${at ? 'not typed' : 'typed'} as an ArrayBuffer's (a BufferSource), ${buffers[i]} at run time`] : []),
    ];
  });
  assert.deepEqual(wrong, []);
});

test('under Jest (its own module loader, whose createRequire reads any path as a file\'s): the core and the pool load, from require and import', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pw-jest-'));
  try {
    const body = (from) => `
  const data = new TextEncoder().encode('123456789');
  const core = await loadCore();
  expect(core.crc32(data)).toBe(zlib.crc32(data));
  const pool = await createPool({ threads: 2 });
  try {
    expect(pool.isShared).toBe(true);
    expect(await pool.crc32(data)).toBe(zlib.crc32(data));
  } finally {
    await pool.destroy();
  }
}); // (${from})
`;
    writeFileSync(join(dir, 'package.json'), '{}\n');
    writeFileSync(join(dir, 'cjs.test.cjs'), `const zlib = require('node:zlib');\nconst { loadCore, createPool } = require(${JSON.stringify(join(PKG, 'index.cjs'))});\n` +
      `test('require', async () => {${body('require')}`);
    writeFileSync(join(dir, 'esm.test.mjs'), `import zlib from 'node:zlib';\nimport { loadCore, createPool } from ${JSON.stringify(join(PKG, 'index.js'))};\n` +
      `test('import', async () => {${body('import')}`);
    const r = spawnSync(join(ROOT, 'node_modules/.bin/jest'), ['--rootDir', dir, '--testMatch', '**/*.test.?(c|m)js', '--transform', '{}', '--ci'], {
      cwd: dir, encoding: 'utf8', timeout: HANG_MS, env: { ...process.env, NODE_OPTIONS: '--experimental-vm-modules' },
    });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /Tests: +2 passed, 2 total/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
