#!/usr/bin/env node
// parawasm as its users get it: the tarball that `npm pack` makes of the
// built pkg/, installed with `npm install <tarball>` into a fresh project
// in a temporary folder, and used from every place JavaScript runs.
//
//   package        the tarball's files and manifest (exports, bin, no
//                  install scripts, no dependencies, LICENSE, no build
//                  leftovers)
//   install        npm install <tarball> --offline into the new project
//   node-esm       import from 'parawasm'            \
//   node-cjs       require('parawasm')                | pool and core kernels,
//   node-worker_threads  an ESM and a CJS worker  | each process must end
//   typescript     tsc --noEmit --strict (node16 ESM  | by itself
//                  and CJS, bundler), then run       /
//   bin            node_modules/.bin/parawasm (skipped while lib/cli.js is
//                  not in the package)
//   esbuild / vite / webpack  the browser app (test/pack/app) bundled
//                  from the installed package
//   browser-*      headless Chromium on 127.0.0.1, with and without
//                  COOP/COEP: unbundled (import map), esbuild, vite, webpack
//   esbuild-without-recipe  esbuild without the README's steps (nothing
//                  copied; or wasm/ copied, no fallback-worker entry): the
//                  app's error must name the missing URL and the README
//
// Every result is checked against Node's zlib, never against parawasm.
// Prints one line per scenario, then "N passed, N failed, N skipped".
//
// Usage: node test/pack/run.mjs [--keep] [--verbose] [filter ...]
//   --keep     keep the temporary project (its path is printed)
//   filter     run the scenarios whose name contains one of the words
//              (package and install always run)
import { execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

import { blake3 } from 'hash-wasm';
import { CHROMIUM, launchChromium } from '../lib/chromium.mjs';
import { HANG_MS } from '../lib/hold.js';
import { startServer } from '../browser/server.mjs';
import { withoutTimings } from '../lib/bundler-output.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../..');
const PKG = path.join(REPO, 'pkg');
const BIN = path.join(REPO, 'node_modules/.bin');
const GLOBAL_TIMEOUT_MS = 3600e3; // a hang guard for the whole run, not a speed limit

const argv = process.argv.slice(2);
const keep = argv.includes('--keep');
const verbose = argv.includes('--verbose') || argv.includes('-v');
const filters = argv.filter((a) => !a.startsWith('-'));
const wanted = (name) => !filters.length || filters.some((f) => name.includes(f));

const t0 = performance.now();
const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;

// ------------------------------------------------------------ reference

// zlib.crc32 is in Node >= 20.15 / 22.2; older Node gets a plain table CRC
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(data, prev = 0) {
  if (typeof zlib.crc32 === 'function') return zlib.crc32(data, prev);
  let c = ~prev >>> 0;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

const INPUT = randomBytes((1 << 20) + 13); // odd length: no kernel gets only whole words
const BIG_MIB = 256;
const EXPECT = {
  sha256: createHash('sha256').update(INPUT).digest('hex'),
  blake3: await blake3(INPUT),
  check: crc32(Buffer.from('123456789')),
  input: crc32(INPUT),
  // the browser app's long job: BIG_MIB MiB made of the input repeated
  big: (() => {
    const total = BIG_MIB << 20;
    let c = 0;
    for (let off = 0; off < total; off += INPUT.length) c = crc32(INPUT.subarray(0, Math.min(INPUT.length, total - off)), c);
    return c;
  })(),
};

// --------------------------------------------------------------- checks

class CheckError extends Error {}
const hexOf = (v) => (typeof v === 'number' ? `0x${(v >>> 0).toString(16)}` : JSON.stringify(v));
function equal(actual, expected, what) {
  if (actual !== expected) throw new CheckError(`${what}: got ${hexOf(actual)}, expected ${hexOf(expected)}`);
}
function ok(cond, what) {
  if (!cond) throw new CheckError(what);
}

// ------------------------------------------------------------ processes

/** Runs a command; resolves to { code, signal, stdout, stderr, ms } (never rejects). */
function exec(cmd, args, { cwd, timeout = HANG_MS, env } = {}) {
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, timeout, env: env ?? process.env, maxBuffer: 16 << 20, killSignal: 'SIGKILL' },
      (err, stdout, stderr) => resolve({
        code: err ? (typeof err.code === 'number' ? err.code : null) : 0,
        signal: err?.signal ?? null,
        error: err && typeof err.code !== 'number' && !err.signal ? err.message : null,
        stdout,
        stderr,
        ms: performance.now() - started,
      }));
  });
}

function describeRun(r, what) {
  if (r.signal) return `${what}: killed (${r.signal}) after ${secs(r.ms)}: it did not end by itself\n${r.stderr}`;
  if (r.error) return `${what}: ${r.error}`;
  return `${what}: exit ${r.code}\n${(r.stdout + r.stderr).trim()}`;
}

/** Runs a Node script of the project; it must exit 0 by itself and print JSON last. */
async function nodeScript(dir, file, timeout = HANG_MS) {
  const r = await exec(process.execPath, [file], { cwd: dir, timeout });
  if (r.code !== 0) throw new CheckError(describeRun(r, file));
  const lines = r.stdout.trim().split('\n');
  try {
    return JSON.parse(lines[lines.length - 1]);
  } catch {
    throw new CheckError(`${file}: no JSON result on its last line:\n${r.stdout}${r.stderr}`);
  }
}

function checkNodeResult(out, label, { threadsAtLeast = 1 } = {}) {
  equal(out.core.check, EXPECT.check, `${label}: core.crc32("123456789")`);
  equal(out.core.input, EXPECT.input, `${label}: core.crc32(1 MiB random)`);
  equal(out.pool.check, EXPECT.check, `${label}: pool.crc32("123456789")`);
  equal(out.pool.input, EXPECT.input, `${label}: pool.crc32(1 MiB random, copied in)`);
  if ('alloc' in out.pool) equal(out.pool.alloc, EXPECT.input, `${label}: pool.crc32(pool.alloc() view)`);
  if ('sha256' in out) {
    equal(out.sha256, EXPECT.sha256, `${label}: core.sha256 vs Node's crypto`);
    equal(out.sha256Stream, EXPECT.sha256, `${label}: pool.createHash('sha256') vs Node's crypto`);
    equal(out.blake3, EXPECT.blake3, `${label}: pool.blake3 vs hash-wasm`);
  }
  equal(out.pool.isShared, true, `${label}: pool.isShared`);
  ok(out.pool.threads >= threadsAtLeast, `${label}: pool.threads is ${out.pool.threads}, expected >= ${threadsAtLeast}`);
}

// ------------------------------------------------------------- scenarios

const results = []; // { name, status: 'ok' | 'FAIL' | 'skip', ms, detail }

function report(r) {
  results.push(r);
  const tag = { ok: 'ok  ', FAIL: 'FAIL', skip: 'skip' }[r.status];
  const note = r.note ? ` — ${r.note}` : '';
  console.log(`${tag} ${r.name} (${secs(r.ms)})${note}`);
  if (r.detail && (r.status !== 'ok' || verbose)) console.log(String(r.detail).replace(/^/gm, '       '));
}

/**
 * Runs fn as one scenario (if a filter wants it, or `always`); fn may
 * return a note, or { skip: reason }. Resolves to whether it passed.
 */
async function scenario(name, fn, always = false) {
  if (!always && !wanted(name)) return null;
  const started = performance.now();
  try {
    const v = await fn();
    if (v && v.skip) report({ name, status: 'skip', ms: performance.now() - started, note: v.skip });
    else report({ name, status: 'ok', ms: performance.now() - started, note: typeof v === 'string' ? v : undefined });
    return true;
  } catch (e) {
    report({ name, status: 'FAIL', ms: performance.now() - started, detail: e instanceof CheckError ? e.message : (e?.stack ?? String(e)) });
    return false;
  }
}

// ------------------------------------------------------ package, install

// what may ship, and what must
const ALLOWED = [
  /^package\.json$/, /^README\.md$/, /^LICENSE$/, /^index\.d\.c?ts$/, /^index\.c?js$/, /^browser\.js$/,
  /^parawasm-fallback-worker\.js$/, /^lib\/runtime\/[a-z0-9-]+\.(js|d\.ts)$/, /^lib\/families\/[a-z0-9-]+(\.types)?\.(js|d\.ts)$/,
  /^lib\/runtime\.cjs$/, /^lib\/cli\.js$/, /^lib\/cli\/[a-z0-9-]+\.js$/, /^lib\/tools\/[a-z0-9-]+\.mjs$/,
  /^gen\/kernels\.(js|cjs|d\.ts)$/, /^sdk\/parawasm\.mk$/, /^sdk\/include\/parawasm(\/[a-z0-9_]+)?\.h$/,
  /^sdk\/src\/runtime\/[a-z0-9_]+\.[ch]$/, /^sdk\/src\/kernels\/([a-z0-9_]+\/)?[a-z0-9_]+\.[ch]$/,
  /^wasm\/package\.json$/, /^wasm\/parawasm(-mt)?\.(js|mjs|wasm)$/, /^wasm\/parawasm-mt\.worker\.js$/,
];
const REQUIRED = [
  'package.json', 'README.md', 'LICENSE', 'index.d.ts', 'index.d.cts', 'index.js', 'browser.js',
  'parawasm-fallback-worker.js', 'index.cjs', 'gen/kernels.js', 'gen/kernels.cjs', 'gen/kernels.d.ts', 'lib/runtime.cjs',
  'lib/tools/build.mjs', 'lib/tools/bindgen.mjs', 'sdk/include/parawasm/kernel.h', 'sdk/parawasm.mk',
  'sdk/src/runtime/task.c', 'sdk/src/runtime/pool.c', 'lib/runtime/fallback-worker-node.js', 'wasm/package.json',
  'wasm/parawasm.js', 'wasm/parawasm.mjs', 'wasm/parawasm.wasm', 'wasm/parawasm-mt.js', 'wasm/parawasm-mt.mjs',
  'wasm/parawasm-mt.wasm', 'wasm/parawasm-mt.worker.js',
];
const LIFECYCLE = ['preinstall', 'install', 'postinstall', 'prepare', 'preprepare', 'postprepare', 'prepublish'];

async function packPackage(work) {
  for (const f of ['index.js', 'index.cjs', 'wasm/parawasm.wasm', 'wasm/parawasm-mt.wasm']) {
    ok(fs.existsSync(path.join(PKG, f)), `pkg/${f} is missing: run \`make\` first`);
  }
  const dry = await exec('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: PKG });
  if (dry.code !== 0) throw new CheckError(describeRun(dry, 'npm pack --dry-run'));
  const r = await exec('npm', ['pack', '--json', '--pack-destination', work], { cwd: PKG });
  if (r.code !== 0) throw new CheckError(describeRun(r, 'npm pack'));
  const [info] = JSON.parse(r.stdout);
  const files = info.files.map((f) => f.path).sort();
  const dryFiles = JSON.parse(dry.stdout)[0].files.map((f) => f.path).sort();
  ok(JSON.stringify(files) === JSON.stringify(dryFiles), 'npm pack and npm pack --dry-run list the same files');

  const stray = files.filter((f) => !ALLOWED.some((re) => re.test(f)));
  ok(!stray.length, `the tarball holds files that must not ship: ${stray.join(', ')}`);
  const missing = REQUIRED.filter((f) => !files.includes(f));
  ok(!missing.length, `the tarball lacks: ${missing.join(', ')}`);
  const js = ['runtime', 'families', 'cli'].flatMap((d) => fs.readdirSync(path.join(REPO, 'js', d))
    .filter((f) => f.endsWith('.js')).map((f) => `lib/${d}/${f}`));
  const notShipped = js.filter((f) => !files.includes(f));
  ok(!notShipped.length, `js/ files not in the tarball: ${notShipped.join(', ')}`);

  const m = JSON.parse(fs.readFileSync(path.join(PKG, 'package.json'), 'utf8'));
  equal(m.name, 'parawasm', 'package.json name');
  ok(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(m.version ?? ''), `package.json version "${m.version}" is semver`);
  equal(m.license, 'MIT', 'package.json license');
  equal(m.type, 'module', 'package.json type');
  for (const k of ['dependencies', 'optionalDependencies', 'peerDependencies', 'bundleDependencies', 'bundledDependencies']) {
    ok(!m[k] || !Object.keys(m[k]).length, `package.json has ${k}: ${JSON.stringify(m[k])}`);
  }
  const scripts = Object.keys(m.scripts ?? {}).filter((s) => LIFECYCLE.includes(s));
  ok(!scripts.length, `package.json has install-time scripts: ${scripts.join(', ')}`);
  ok(!m.gypfile && !files.includes('binding.gyp'), 'no native build (binding.gyp)');
  equal(m.bin?.parawasm, 'lib/cli.js', 'package.json bin.parawasm');

  const dot = m.exports?.['.'];
  ok(dot && typeof dot === 'object', 'package.json exports["."] is an object');
  const keys = Object.keys(dot);
  equal(keys.join(','), 'types,browser,node,default', 'the conditions of exports["."], in order');
  equal(dot.node?.import, './index.js', 'exports node.import');
  equal(dot.node?.require, './index.cjs', 'exports node.require');
  equal(dot.browser, './browser.js', 'exports browser');
  equal(dot.default, './browser.js', 'exports default');
  equal(dot.types?.require, './index.d.cts', 'exports types.require');
  equal(dot.types?.default, './index.d.ts', 'exports types.default');
  const targets = JSON.stringify(m.exports).match(/"\.\/[^"]+"/g).map((s) => s.slice(3, -1));
  for (const t of [...targets, m.main, m.types, m.module].filter(Boolean)) {
    ok(files.includes(t.replace(/^\.\//, '')), `package.json names ${t}, which is not in the tarball`);
  }

  const license = fs.readFileSync(path.join(PKG, 'LICENSE'), 'utf8');
  ok(/^MIT License/.test(license) && license.includes('Copyright (c) 2026 the parawasm authors'), 'LICENSE is the MIT text');
  const notes = [];
  if (!files.includes('lib/cli.js')) notes.push('lib/cli.js not built yet (bin declared)');
  const tarball = path.join(work, info.filename);
  return { tarball, note: `${files.length} files, ${(info.size / 1024).toFixed(0)} KiB packed${notes.length ? `; ${notes.join('; ')}` : ''}`, files };
}

async function install(project, tarball) {
  fs.mkdirSync(project, { recursive: true });
  fs.writeFileSync(path.join(project, 'package.json'), `${JSON.stringify({
    name: 'parawasm-user', version: '1.0.0', private: true, type: 'module',
  }, null, 2)}\n`);
  // a fresh cache and no user config: the tarball has no dependencies, so
  // nothing is fetched from any registry
  const r = await exec('npm', ['install', tarball, '--offline', '--no-audit', '--no-fund', '--loglevel=warn',
    '--cache', path.join(project, '..', 'npm-cache'), '--userconfig', path.join(project, '..', 'npmrc')], { cwd: project, timeout: HANG_MS });
  if (r.code !== 0) throw new CheckError(describeRun(r, 'npm install <tarball> --offline'));
  const installed = path.join(project, 'node_modules/parawasm');
  ok(fs.existsSync(path.join(installed, 'package.json')), 'node_modules/parawasm/package.json exists');
  const others = fs.readdirSync(path.join(project, 'node_modules')).filter((d) => !d.startsWith('.') && d !== 'parawasm');
  ok(!others.length, `npm installed more than parawasm: ${others.join(', ')}`);
  const dep = JSON.parse(fs.readFileSync(path.join(project, 'package.json'), 'utf8')).dependencies?.parawasm;
  ok(dep && dep.startsWith('file:'), `package.json depends on the tarball (${dep})`);
  fs.writeFileSync(path.join(project, 'input.bin'), INPUT);
  for (const f of fs.readdirSync(path.join(HERE, 'node'))) fs.copyFileSync(path.join(HERE, 'node', f), path.join(project, f));
  return r.stderr.includes('install-scripts') ? 'npm reported install scripts' : undefined;
}

// ----------------------------------------------------------------- Node

async function nodeEsm(project) {
  const out = await nodeScript(project, 'esm.mjs');
  equal(fileURLToPath(out.entry), path.join(project, 'node_modules/parawasm/index.js'), 'import resolves to');
  checkNodeResult(out, 'esm', { threadsAtLeast: Math.min(2, os.availableParallelism?.() ?? 2) });
  equal(out.hex, EXPECT.check.toString(16).padStart(8, '0'), 'hex()');
  return `pool of ${out.pool.threads} threads; exited by itself with the pool idle`;
}

async function nodeCjs(project) {
  const out = await nodeScript(project, 'cjs.cjs');
  equal(out.entry, path.join(project, 'node_modules/parawasm/index.cjs'), 'require resolves to');
  checkNodeResult(out, 'cjs');
  return `pool of ${out.pool.threads} threads`;
}

async function nodeWorker(project) {
  const out = await nodeScript(project, 'worker-main.mjs');
  for (const k of ['esm', 'cjs']) {
    equal(out[k].isMainThread, false, `${k} worker: isMainThread`);
    checkNodeResult(out[k], `${k} worker`, { threadsAtLeast: 2 });
  }
  return 'an ESM and a CommonJS worker, each with the core and a 2-thread pool';
}

async function typescript(project) {
  const tsc = path.join(BIN, 'tsc');
  if (!fs.existsSync(tsc)) throw new CheckError(`no ${tsc}: run npm ci (make deps)`);
  const common = {
    target: 'es2022', lib: ['es2022', 'dom'], types: [], strict: true, outDir: 'ts-out',
    // parawasm's declarations are checked too; TypeScript's own lib files are not
    skipLibCheck: false, skipDefaultLibCheck: true,
  };
  const configs = {
    // a Node project: "module": "node16" (test/js checks "nodenext")
    'tsconfig.json': { compilerOptions: { ...common, module: 'node16', moduleResolution: 'node16' }, files: ['usage.ts', 'usage.cts'] },
    // an app compiled by a bundler (vite, esbuild): ESM only
    'tsconfig.bundler.json': { compilerOptions: { ...common, module: 'esnext', moduleResolution: 'bundler' }, files: ['usage.ts'] },
  };
  for (const [f, c] of Object.entries(configs)) fs.writeFileSync(path.join(project, f), JSON.stringify(c, null, 2));
  // (the check can fail: usage.ts and usage.cts hold misuse marked
  // @ts-expect-error, which is itself an error once it type-checks)
  const runs = [
    ...Object.keys(configs).map((f) => [`tsc -p ${f} --noEmit`, ['-p', f, '--noEmit']]),
    ['tsc -p tsconfig.json (emit)', ['-p', 'tsconfig.json']], // compiled, then run below
  ];
  const done = await Promise.all(runs.map(([, args]) => exec(tsc, args, { cwd: project })));
  runs.forEach(([what], i) => {
    if (done[i].code !== 0) throw new CheckError(describeRun(done[i], what));
  });
  const out = await nodeScript(project, 'ts-run.mjs');
  checkNodeResult(out.esm, 'usage.ts');
  equal(out.esm.afterDestroy, 'ERR_PW_POOL_DESTROYED', 'usage.ts: error code after destroy()');
  equal(out.cjs.check, EXPECT.check, 'usage.cts: core.crc32("123456789")');
  equal(out.cjs.input, EXPECT.input, 'usage.cts: core.crc32(input)');
  equal(out.cjs.pool, EXPECT.input, 'usage.cts: pool.crc32(input)');
  return 'tsc --strict: .ts and .cts with node16, .ts with bundler; the compiled .js and .cjs run';
}

async function bin(project, files) {
  if (!fs.existsSync(path.join(PKG, 'lib/cli.js'))) return { skip: 'pkg/lib/cli.js does not exist yet: the bin check waits for the CLI' };
  ok(files.includes('lib/cli.js'), 'lib/cli.js is in the tarball');
  const link = path.join(project, 'node_modules/.bin/parawasm');
  ok(fs.existsSync(link), 'npm linked node_modules/.bin/parawasm');
  const src = fs.readFileSync(link, 'utf8');
  ok(src.startsWith('#!/usr/bin/env node'), 'lib/cli.js starts with #!/usr/bin/env node');
  const r = await exec(link, ['--help'], { cwd: project, timeout: HANG_MS });
  if (r.code !== 0) throw new CheckError(describeRun(r, 'parawasm --help'));
  return 'node_modules/.bin/parawasm --help exits 0';
}

// ------------------------------------------------------------- bundlers

function copyDir(from, to) {
  fs.mkdirSync(to, { recursive: true });
  fs.cpSync(from, to, { recursive: true });
}

// the app without a bundler: an import map on the page; module workers
// have no import maps, so the worker imports the file by its path
function prepareUnbundled(project) {
  const dir = path.join(project, 'plain');
  copyDir(path.join(HERE, 'app'), dir);
  const entry = '/node_modules/parawasm/browser.js';
  const html = fs.readFileSync(path.join(dir, 'index.html'), 'utf8').replace('<!--IMPORTMAP-->',
    `<script type="importmap">${JSON.stringify({ imports: { parawasm: entry } })}</script>`);
  fs.writeFileSync(path.join(dir, 'index.html'), html);
  const worker = path.join(dir, 'worker.js');
  fs.writeFileSync(worker, fs.readFileSync(worker, 'utf8').replace("from 'parawasm'", `from '${entry}'`));
  fs.writeFileSync(path.join(dir, 'input.bin'), INPUT);
  return { root: project, page: '/plain/index.html' };
}

async function esbuild(project) {
  const src = path.join(project, 'web');
  const out = path.join(project, 'dist-esbuild');
  fs.rmSync(out, { recursive: true, force: true });
  // the user's page module and worker, and parawasm's fallback-pool worker,
  // which esbuild cannot find by itself (new Worker(new URL(...)))
  const args = ['web/main.js', 'web/worker.js', 'node_modules/parawasm/parawasm-fallback-worker.js',
    '--bundle', '--format=esm', '--platform=browser', '--target=es2022', '--outdir=dist-esbuild/js',
    '--entry-names=[name]', '--log-level=warning'];
  const r = await exec(path.join(BIN, 'esbuild'), args, { cwd: project });
  if (r.code !== 0 || r.stderr.trim()) throw new CheckError(describeRun(r, `esbuild ${args.join(' ')}`));
  // esbuild keeps new URL('./wasm/…', import.meta.url) as it is: the files
  // go to wasm/ beside the bundle (the README's `cp …/wasm/parawasm*.js …/wasm/parawasm*.wasm`)
  const wasmDir = path.join(project, 'node_modules/parawasm/wasm');
  fs.mkdirSync(path.join(out, 'js/wasm'), { recursive: true });
  for (const f of fs.readdirSync(wasmDir).filter((n) => /^parawasm.*\.(js|wasm)$/.test(n))) {
    fs.copyFileSync(path.join(wasmDir, f), path.join(out, 'js/wasm', f));
  }
  const html = fs.readFileSync(path.join(src, 'index.html'), 'utf8').replace('<!--IMPORTMAP-->', '')
    .replace('src="./main.js"', 'src="./js/main.js"');
  fs.writeFileSync(path.join(out, 'index.html'), html);
  fs.writeFileSync(path.join(out, 'input.bin'), INPUT);
  const main = fs.readFileSync(path.join(out, 'js/main.js'), 'utf8');
  ok(main.includes('new URL("./wasm/parawasm.wasm", import.meta.url)'), 'the bundle still finds the wasm at ./wasm/');
  ok(!/require\(["'](fs|path|worker_threads)["']\)/.test(main), 'the bundle has no require() of Node modules');
  return { root: out, page: '/index.html', note: `${fs.readdirSync(path.join(out, 'js')).join(', ')} + wasm/` };
}

// esbuild without the README's recipe: `bare` bundles the user's two
// files and copies nothing; `noWorkerEntry` copies wasm/ but leaves out the
// fallback worker's entry point. The app must fail with an error that names
// the URL that failed and points at the README (checkMissingFiles).
async function esbuildWithoutRecipe(project) {
  const made = {};
  for (const [kind, copyWasm] of [['bare', false], ['noWorkerEntry', true]]) {
    const out = path.join(project, `dist-esbuild-${kind}`);
    fs.rmSync(out, { recursive: true, force: true });
    const args = ['web/main.js', 'web/worker.js', '--bundle', '--format=esm', '--platform=browser', '--target=es2022',
      `--outdir=${path.relative(project, out)}/js`, '--entry-names=[name]', '--log-level=warning'];
    const r = await exec(path.join(BIN, 'esbuild'), args, { cwd: project });
    if (r.code !== 0 || r.stderr.trim()) throw new CheckError(describeRun(r, `esbuild ${args.join(' ')}`));
    if (copyWasm) {
      const wasmDir = path.join(project, 'node_modules/parawasm/wasm');
      fs.mkdirSync(path.join(out, 'js/wasm'), { recursive: true });
      for (const f of fs.readdirSync(wasmDir).filter((n) => /^parawasm.*\.(js|wasm)$/.test(n))) {
        fs.copyFileSync(path.join(wasmDir, f), path.join(out, 'js/wasm', f));
      }
    }
    const html = fs.readFileSync(path.join(project, 'web/index.html'), 'utf8').replace('<!--IMPORTMAP-->', '')
      .replace('src="./main.js"', 'src="./js/main.js"');
    fs.writeFileSync(path.join(out, 'index.html'), html);
    fs.writeFileSync(path.join(out, 'input.bin'), INPUT);
    made[kind] = { root: out, page: '/index.html' };
  }
  return made;
}

async function vite(project) {
  const out = path.join(project, 'dist-vite');
  const r = await exec(path.join(BIN, 'vite'), ['build', '--outDir', out, '--emptyOutDir', '--logLevel', 'warn'],
    { cwd: path.join(project, 'web'), timeout: 2 * HANG_MS });
  if (r.code !== 0) throw new CheckError(describeRun(r, 'vite build'));
  const warn = withoutTimings(r.stderr + r.stdout);
  ok(!warn, `vite build printed:\n${warn}`);
  fs.writeFileSync(path.join(out, 'input.bin'), INPUT);
  const assets = fs.readdirSync(path.join(out, 'assets'));
  for (const re of [/^parawasm-.*\.wasm$/, /^parawasm-mt-.*\.wasm$/, /^parawasm-fallback-worker-.*\.js$/]) {
    ok(assets.some((f) => re.test(f)), `vite emitted no asset matching ${re}: ${assets.join(', ')}`);
  }
  // the small pthread worker script is either a file or inlined as a data:
  // URL (vite's default for files under 4 KiB; parawasm then starts its
  // threads from a blob: URL); the isolated browser scenario runs it
  const inlined = !assets.some((f) => /^parawasm-mt\.worker-.*\.js$/.test(f));
  if (inlined) {
    const js = assets.filter((f) => f.endsWith('.js')).map((f) => fs.readFileSync(path.join(out, 'assets', f), 'utf8'));
    ok(js.some((t) => t.includes('data:text/javascript') || t.includes('data:application/javascript')),
      'vite emitted no parawasm-mt.worker file and no data: URL for it');
  }
  return { root: out, page: '/index.html', note: `${assets.length} assets${inlined ? ', thread script inlined as a data: URL' : ''}` };
}

// webpack 5 through its Node API, with its defaults for a web target: it
// must bundle parawasm's fallback-pool worker as a module worker (webpack
// follows new Worker(new URL(...)) only with the global Worker) and emit
// the wasm and thread files as assets.
async function webpack(project) {
  const out = path.join(project, 'dist-webpack');
  fs.rmSync(out, { recursive: true, force: true });
  const { default: webpackApi } = await import('webpack');
  const stats = await new Promise((resolve, reject) => {
    webpackApi({
      mode: 'production',
      context: project,
      entry: './web/main.js',
      output: { path: path.join(out, 'js'), filename: 'main.js', publicPath: 'auto' },
      performance: { hints: false }, // (the wasm files are bigger than its size hint)
      target: 'web',
    }, (err, st) => (err ? reject(err) : resolve(st)));
  });
  const info = stats.toJson({ all: false, errors: true, warnings: true, assets: true });
  const problems = [...info.errors, ...info.warnings].map((e) => e.message ?? String(e));
  if (problems.length) throw new CheckError(`webpack printed:\n${problems.join('\n')}`);
  const assets = info.assets.map((a) => a.name);
  ok(assets.filter((f) => f.endsWith('.wasm')).length >= 2, `webpack emitted fewer than two .wasm assets: ${assets.join(', ')}`);
  // the fallback worker is a bundle of its own (it imports the core), not
  // the package's file copied as it is (which imports ./browser.js)
  const js = assets.filter((f) => f.endsWith('.js')).map((f) => fs.readFileSync(path.join(out, 'js', f), 'utf8'));
  ok(!js.some((t) => /from\s*["']\.\/browser\.js["']/.test(t)), 'webpack copied a worker unbundled (it imports ./browser.js)');
  const html = fs.readFileSync(path.join(project, 'web/index.html'), 'utf8').replace('<!--IMPORTMAP-->', '')
    .replace('src="./main.js"', 'src="./js/main.js"');
  fs.writeFileSync(path.join(out, 'index.html'), html);
  fs.writeFileSync(path.join(out, 'input.bin'), INPUT);
  return { root: out, page: '/index.html', note: `${assets.length} assets` };
}

// -------------------------------------------------------------- browser

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([promise, new Promise((_, reject) => {
    timer = setTimeout(() => reject(new CheckError(`${what}: no result within ${ms / 1000} s`)), ms);
  })]).finally(() => clearTimeout(timer));
}

async function openApp(browser, server, page) {
  const context = await browser.newContext();
  const console_ = [];
  const errors = [];
  const startMiss = server.misses.length;
  try {
    const p = await context.newPage();
    p.on('console', (m) => console_.push({ type: m.type(), text: m.text() }));
    p.on('pageerror', (e) => errors.push(String(e?.stack ?? e)));
    p.on('crash', () => errors.push('the page crashed'));
    await p.goto(server.origin + page);
    await p.waitForFunction(() => globalThis.parawasmApp !== undefined, null, { timeout: HANG_MS });
    const out = await withTimeout(p.evaluate(() => globalThis.parawasmApp), 2 * HANG_MS, page);
    return { out, console: console_, errors, misses: server.misses.slice(startMiss) };
  } finally {
    await withTimeout(context.close(), HANG_MS, 'closing the page').catch(() => {});
  }
}

function checkApp(r, isolated) {
  const { out } = r;
  const log = r.console.map((m) => `console.${m.type}: ${m.text}`).join('\n');
  if (out.error) throw new CheckError(`the app failed: ${out.error}\n${log}`);
  ok(!r.errors.length, `uncaught errors on the page:\n${r.errors.join('\n')}`);
  ok(!r.misses.length, `404s: ${[...new Set(r.misses)].join(', ')}`);
  equal(out.isolated, isolated, 'crossOriginIsolated');
  equal(out.core.check, EXPECT.check, 'core.crc32("123456789")');
  equal(out.core.input, EXPECT.input, 'core.crc32(1 MiB random)');
  equal(out.pool.isShared, isolated, 'pool.isShared');
  // one thread per core the page sees (a browser confined to one core sees 1)
  if (isolated) equal(out.pool.threads, Math.min(256, out.pool.cores || 4), `pool.threads (navigator.hardwareConcurrency ${out.pool.cores})`);
  else equal(out.pool.threads, 1, 'pool.threads of the fallback pool');
  equal(out.pool.check, EXPECT.check, 'pool.crc32("123456789")');
  equal(out.pool.input, EXPECT.input, 'pool.crc32(1 MiB random)');
  equal(out.pool.alloc, EXPECT.input, 'pool.crc32(pool.alloc() view)');
  equal(out.second.isShared, isolated, 'a second pool: isShared');
  equal(out.second.check, EXPECT.check, 'a second pool: crc32("123456789")');
  // the page drew frames while the pool's calls were pending (the app
  // issues calls until it has: a frozen page never returns); how fast is
  // for `make bench`, not for a test on a machine of unknown load
  ok(out.long.values.length >= 1 && out.long.frames >= 3,
    `the long job: ${out.long.values.length} calls, ${out.long.frames} frames while they ran`);
  out.long.values.forEach((v, i) => equal(v, EXPECT.big, `pool.crc32(${BIG_MIB} MiB), run ${i + 1}`));
  equal(out.worker.check, EXPECT.check, 'user worker: core.crc32("123456789")');
  equal(out.worker.input, EXPECT.input, 'user worker: core.crc32(input)');
  equal(out.worker.alloc, EXPECT.input, 'user worker: core.crc32(core.alloc() view)');
  equal(out.worker.isolated, isolated, 'user worker: crossOriginIsolated');

  const warnings = r.console.filter((m) => m.type === 'warning');
  const errs = r.console.filter((m) => m.type === 'error');
  ok(!errs.length, `console errors:\n${log}`);
  if (isolated) {
    ok(!warnings.length, `console warnings on an isolated page:\n${log}`);
  } else {
    equal(warnings.length, 1, `console warnings without isolation (two pools created)\n${log}\n`);
    const w = warnings[0].text;
    ok(w.includes('Cross-Origin-Opener-Policy') && w.includes('Cross-Origin-Embedder-Policy') && /pool\.isShared is false/.test(w),
      `the warning does not say how to enable threads: ${w}`);
  }
  const job = `${out.long.values.length} x ${BIG_MIB} MiB in ${out.long.ms} ms, ${out.long.frames} frames (longest gap ${out.long.maxGap} ms)`;
  return isolated ? `${out.pool.threads} threads on shared memory; ${job}` : `fallback pool, 1 warning; ${job}`;
}

/**
 * A page whose parawasm files are missing at `url` (a path on the server):
 * the app must fail with an error naming that URL, its HTTP status, and the
 * README's esbuild section.
 */
function checkMissingFiles(r, server, url) {
  const log = r.console.map((m) => `console.${m.type}: ${m.text}`).join('\n');
  ok(r.out.error, `the app did not fail, although ${url} is missing: ${JSON.stringify(r.out).slice(0, 300)}`);
  ok(r.misses.includes(url), `the server was not asked for ${url} (404s: ${r.misses.join(', ')})`);
  const message = r.out.error.split('\n')[0];
  for (const part of [server.origin + url, 'HTTP 404', 'README', '"esbuild"']) {
    ok(message.includes(part), `the error does not say ${JSON.stringify(part)}: ${message}\n${log}`);
  }
  ok(!/\[object \w+\]/.test(message), `the error has an [object ...]: ${message}`);
  ok(!r.errors.length, `uncaught errors on the page:\n${r.errors.join('\n')}`);
  return message.length > 160 ? `${message.slice(0, 160)}...` : message;
}

// ----------------------------------------------------------------- main

async function main() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'parawasm-pack-'));
  const project = path.join(work, 'project');
  const servers = [];
  let browser;
  try {
    let packed;
    const packOk = await scenario('package', async () => {
      packed = await packPackage(work);
      return packed.note;
    }, true);
    if (!packOk) return;
    if (!await scenario('install', () => install(project, packed.tarball), true)) return;
    copyDir(path.join(HERE, 'app'), path.join(project, 'web'));

    // Node and the bundles, two at a time (a 2-core machine)
    const bundles = {};
    const jobs = [
      ['node-esm', () => nodeEsm(project)],
      ['node-cjs', () => nodeCjs(project)],
      ['node-worker_threads', () => nodeWorker(project)],
      ['typescript', () => typescript(project)],
      ['bin', () => bin(project, packed.files)],
      ['esbuild', async () => { bundles.esbuild = await esbuild(project); return bundles.esbuild.note; }],
      ['esbuild-without-recipe', async () => { bundles.bare = await esbuildWithoutRecipe(project); return 'bundles made'; }],
      ['vite', async () => { bundles.vite = await vite(project); return bundles.vite.note; }],
      ['webpack', async () => { bundles.webpack = await webpack(project); return bundles.webpack.note; }],
    ];
    // (a bundle is built when a browser scenario needs it)
    const needed = (name) => wanted(name) || (['esbuild', 'vite', 'webpack', 'esbuild-without-recipe'].includes(name) &&
      ['isolated', 'not-isolated'].some((i) => wanted(`browser-${name}-${i}`)));
    const queue = jobs.filter(([name]) => needed(name));
    await Promise.all([0, 1].map(async () => {
      while (queue.length) {
        const [name, fn] = queue.shift();
        await scenario(name, fn, true);
      }
    }));

    // Chromium: each app on an isolated origin and on a plain one
    const apps = [['unbundled', prepareUnbundled(project)], ['esbuild', bundles.esbuild], ['vite', bundles.vite],
      ['webpack', bundles.webpack]];
    const runs = apps.flatMap(([kind, app]) => [true, false].map((isolated) => ({
      name: `browser-${kind}-${isolated ? 'isolated' : 'not-isolated'}`, app, isolated, kind,
    })));
    // esbuild without the recipe: the first file that is missing, named in the error
    const bare = bundles.bare ?? {};
    runs.push(
      { name: 'browser-esbuild-without-recipe-isolated', kind: 'esbuild-without-recipe', app: bare.bare, isolated: true, missing: '/js/wasm/parawasm-mt.wasm' },
      { name: 'browser-esbuild-without-recipe-not-isolated', kind: 'esbuild-without-recipe', app: bare.bare, isolated: false, missing: '/js/wasm/parawasm.wasm' },
      { name: 'browser-esbuild-without-recipe-no-worker-entry-not-isolated', kind: 'esbuild-without-recipe', app: bare.noWorkerEntry, isolated: false, missing: '/js/parawasm-fallback-worker.js' },
    );
    runs.splice(0, runs.length, ...runs.filter((t) => wanted(t.name)));
    if (!runs.length) return;
    if (!fs.existsSync(CHROMIUM)) {
      for (const t of runs) report({ name: t.name, status: 'FAIL', ms: 0, detail: `no Chromium at ${CHROMIUM} (make deps)` });
      return;
    }
    browser = await launchChromium();
    for (const t of runs) {
      await scenario(t.name, async () => {
        if (!t.app) throw new CheckError(`not run: the ${t.kind} build failed`);
        const server = await startServer({ isolated: t.isolated, mounts: { '/': t.app.root }, index: '/index.html' });
        servers.push(server);
        const r = await openApp(browser, server, t.app.page);
        return t.missing ? checkMissingFiles(r, server, t.missing) : checkApp(r, t.isolated);
      });
    }
  } finally {
    if (browser) await withTimeout(browser.close(), HANG_MS, 'closing Chromium').catch(() => {});
    await Promise.all(servers.map((s) => s.close()));
    if (keep || results.some((r) => r.status === 'FAIL') && process.env.PW_PACK_KEEP_ON_FAIL) {
      console.log(`the temporary project is kept: ${project}`);
    } else {
      fs.rmSync(work, { recursive: true, force: true });
    }
  }
}

const watchdog = setTimeout(() => {
  console.error(`package tests: the whole run took more than ${GLOBAL_TIMEOUT_MS / 1000} s; giving up`);
  process.exit(2);
}, GLOBAL_TIMEOUT_MS);
watchdog.unref();

main().catch((e) => report({ name: 'harness', status: 'FAIL', ms: 0, detail: e?.stack ?? String(e) })).finally(() => {
  clearTimeout(watchdog);
  const n = (s) => results.filter((r) => r.status === s).length;
  console.log(`package tests took ${secs(performance.now() - t0)}`);
  console.log(`pack: ${n('ok')} passed, ${n('FAIL')} failed, ${n('skip')} skipped`);
  process.exitCode = n('FAIL') || !n('ok') ? 1 : 0;
});
