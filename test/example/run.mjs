#!/usr/bin/env node
// The SDK as a user meets it, from parawasm's packed tarball (make
// test-example):
//
//   package          npm pack pkg/ (parawasm as published)
//   example          examples/own-kernels copied to a temporary folder, the
//                    tarball installed as its devDependency (offline, no
//                    scripts), `npx parawasm build` there (timed), then its
//                    own tests (npm test: every kernel on the core and on
//                    pools of 1-4 threads against plain-JS references, bad
//                    input, Node ESM, CommonJS and worker_threads)
//   image-only       the example project's kernels built again with the
//                    image family and without the hash family (--with image):
//                    PNG decoding with its chunk CRCs (image-only-check.mjs)
//   stb-user         test/example/stb-user built the same way: stb_image
//                    (Debian's libstb-dev) wrapped by a user, checked
//                    against pngjs and jpeg-js (stb-check.mjs)
//   app              a third project that installs parawasm and both user
//                    packages (their own npm pack tarballs) and uses all
//                    three in one Node process, ESM and CommonJS
//                    (test/example/app): results against zlib, pngjs and the
//                    references; error classes shared; wasm names distinct
//   example-esbuild, example-vite, app-esbuild, app-vite
//                    the example's page (npm run bundle:*) and the app's
//                    page bundled
//   browser-*        each bundle in headless Chromium, on an origin with
//                    COOP/COEP (threads over shared memory) and on one
//                    without (the fallback pool)
//
// Prints one line per scenario, then "example: N passed, N failed, N skipped".
//
// Usage: node test/example/run.mjs [--keep] [--verbose] [filter ...]
//   --keep   keep the temporary folder (its path is printed)
//   filter   run the scenarios whose name contains one of the words (the
//            steps they need run too)
import { execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import zlib from 'node:zlib';

import pngjs from 'pngjs';
import { startServer } from '../browser/server.mjs';
import { withoutTimings } from '../lib/bundler-output.mjs';
import { CHROMIUM, launchChromium } from '../lib/chromium.mjs';
import { checkImageOnly } from './image-only-check.mjs';
import { checkStbUser } from './stb-check.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../..');
const PKG = path.join(REPO, 'pkg');
const BIN = path.join(REPO, 'node_modules/.bin');
const EXAMPLE = path.join(REPO, 'examples/own-kernels');
const GLOBAL_TIMEOUT_MS = 900e3; // two wasm builds on a loaded 2-core machine take minutes
const BUILD_TARGET_S = 15; // the issue's figure for the example's build on this machine

const argv = process.argv.slice(2);
const keep = argv.includes('--keep');
const verbose = argv.includes('--verbose') || argv.includes('-v');
const filters = argv.filter((a) => !a.startsWith('-'));
const wanted = (name) => !filters.length || filters.some((f) => name.includes(f));

const t0 = performance.now();
const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;
const sha256 = (v) => createHash('sha256').update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)).digest('hex');

// ----------------------------------------------------------------- checks

class CheckError extends Error {}
function ok(cond, what) {
  if (!cond) throw new CheckError(what);
}
function equal(actual, expected, what) {
  if (!Object.is(actual, expected) && JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new CheckError(`${what}: got ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
  }
}

// ------------------------------------------------------------- processes

/** Runs a command; resolves to { code, signal, stdout, stderr, ms } (never rejects). */
function exec(cmd, args, { cwd, timeout = 120e3, env } = {}) {
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, timeout, env: env ?? process.env, maxBuffer: 32 << 20, killSignal: 'SIGKILL' },
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
  if (r.signal) return `${what}: killed (${r.signal}) after ${secs(r.ms)}: it did not end by itself\n${r.stdout}${r.stderr}`;
  if (r.error) return `${what}: ${r.error}`;
  return `${what}: exit ${r.code}\n${(r.stdout + r.stderr).trim()}`;
}

async function must(cmd, args, opts, what = `${path.basename(cmd)} ${args.join(' ')}`) {
  const r = await exec(cmd, args, opts);
  if (r.code !== 0) throw new CheckError(describeRun(r, what));
  return r;
}

// the repository's esbuild and vite on PATH, as a user's devDependencies would be
const BUNDLER_ENV = { ...process.env, PATH: `${BIN}${path.delimiter}${process.env.PATH}` };

/** npm with a cache and config of its own: a local tarball without dependencies installs offline. */
function npm(work, args, cwd, timeout = 120e3) {
  return must('npm', [...args, '--no-audit', '--no-fund', '--loglevel=warn', '--cache', path.join(work, 'npm-cache'),
    '--userconfig', path.join(work, 'npmrc')], { cwd, timeout });
}

// ------------------------------------------------------------- scenarios

const results = [];
function report(r) {
  results.push(r);
  const tag = { ok: 'ok  ', FAIL: 'FAIL', skip: 'skip' }[r.status];
  console.log(`${tag} ${r.name} (${secs(r.ms)})${r.note ? ` — ${r.note}` : ''}`);
  if (r.detail && (r.status !== 'ok' || verbose)) console.log(String(r.detail).replace(/^/gm, '       '));
}

/** Runs fn as one scenario; resolves to whether it passed (null if filtered out). */
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

function copyTree(from, to, skip = () => false) {
  fs.mkdirSync(to, { recursive: true });
  for (const e of fs.readdirSync(from, { withFileTypes: true })) {
    if (skip(e.name)) continue;
    const a = path.join(from, e.name);
    const b = path.join(to, e.name);
    if (e.isDirectory()) copyTree(a, b, skip);
    else fs.copyFileSync(a, b);
  }
}

// what a user's checkout holds and a copy leaves out: built and installed files
const NOT_SOURCES = (n) => ['node_modules', 'pkg', 'dist'].includes(n) || n.endsWith('.tgz');

// ------------------------------------------------------------ the steps

async function pack(dir, dest) {
  const r = await must('npm', ['pack', dir, '--json', '--pack-destination', dest, '--ignore-scripts'], { cwd: dest });
  return path.join(dest, JSON.parse(r.stdout)[0].filename);
}

/** Copies a user project and installs the parawasm tarball into it, as its README says. */
async function installProject(work, from, name, tarball) {
  const dir = path.join(work, name);
  copyTree(from, dir, NOT_SOURCES);
  fs.copyFileSync(tarball, path.join(dir, path.basename(tarball)));
  await npm(work, ['install', '--save-dev', '--offline', '--ignore-scripts', `./${path.basename(tarball)}`], dir);
  const bin = path.join(dir, 'node_modules/.bin/parawasm');
  ok(fs.existsSync(bin), `${name}: node_modules/.bin/parawasm is missing after the install`);
  return dir;
}

/**
 * `npx parawasm build ...` in a project; resolves to { ms, cpu, load, out }:
 * wall time, the CPU seconds of the build and every process it ran (bash's
 * `time`: user + system, which the machine's load moves far less than the
 * wall time), and the 1-minute load average before it.
 */
async function buildProject(dir, args) {
  const load = os.loadavg()[0];
  const quoted = args.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  const r = await must('bash', ['-c', `TIMEFORMAT='cpu %U %S'; time npx --offline parawasm build ${quoted}`],
    { cwd: dir, timeout: 600e3 }, `npx parawasm build ${args.join(' ')}`);
  const m = /^cpu ([\d.]+) ([\d.]+)\s*$/m.exec(r.stderr);
  const out = (r.stdout + r.stderr.replace(/^cpu [\d.]+ [\d.]+\s*$/m, '')).trim();
  ok(!/warning:/i.test(out), `the build printed warnings:\n${out}`);
  return { ms: r.ms, cpu: m ? Number(m[1]) + Number(m[2]) : NaN, load, out };
}

function listWasm(pkgDir) {
  return fs.readdirSync(path.join(pkgDir, 'wasm')).filter((f) => /\.(wasm|js|mjs)$/.test(f)).sort();
}

// ------------------------------------------------------------ references

async function exampleReferences(dir) {
  const ref = await import(pathToFileURL(path.join(dir, 'test/reference.js')).href);
  const inputs = await import(pathToFileURL(path.join(dir, 'inputs.js')).href);
  const { image, width, height } = inputs.testImage();
  const { x, w } = inputs.testSeries();
  const edges = sha256(ref.edgesRef(image, width, height));
  return { ref, edges, weightedMean: ref.weightedMeanRef(x, w), mandelbrot: sha256(ref.mandelbrotRef(inputs.TILE)) };
}

// the app's inputs: random bytes for crc32, a PNG made by pngjs
function appInputs() {
  const input = randomBytes((1 << 16) + 7);
  const png = new pngjs.PNG({ width: 37, height: 23 });
  for (let i = 0; i < png.data.length; i++) png.data[i] = (i * 31 + (i >> 7)) & 255;
  const file = pngjs.PNG.sync.write(png, { colorType: 6 });
  const decoded = pngjs.PNG.sync.read(file);
  return { input, png: file, pngRgba: sha256(decoded.data), pngSize: [decoded.width, decoded.height] };
}

function checkApp(out, inputs, refs, { isolated, where }) {
  if (out.error) throw new CheckError(`${where}: the app failed: ${out.error}`);
  equal(out.sameClasses, true, `${where}: the three packages export the same error classes`);
  const shared = isolated !== false;
  for (const [i, p] of out.pools.entries()) {
    equal(p.isShared, shared, `${where}: pool ${i} isShared`);
    if (shared) equal(p.threads, 2, `${where}: pool ${i} threads`);
  }
  const crc = zlib.crc32(inputs.input);
  equal(out.crc32, { core: crc, pool: crc }, `${where}: parawasm crc32 vs zlib`);
  const tile = sha256(refs.ref.mandelbrotRef(APP_TILE));
  equal(out.mandelbrot, { core: tile, pool: tile }, `${where}: own-kernels-example mandelbrot vs the reference`);
  equal(out.decode, { size: inputs.pngSize, pool: inputs.pngRgba, core: inputs.pngRgba }, `${where}: stb-user decode vs pngjs`);
  const n = APP_IMAGE.width * APP_IMAGE.height * 4;
  equal(out.edgesAcross, sha256(refs.ref.edgesRef(inputs.input.subarray(0, n), APP_IMAGE.width, APP_IMAGE.height)),
    `${where}: edges of a parawasm pool's view on own-kernels-example's pool`);
  if (shared) ok(out.edgesAcrossCopied >= 2 * n, `${where}: the foreign views were copied (${out.edgesAcrossCopied} bytes counted)`);
  equal(out.errors, {
    stb: { code: 'ERR_PW_BAD_FORMAT', isParawasmError: true, isOwn: true },
    own: { code: 'ABORT_ERR', isAbortError: true },
    parawasm: { code: 'ERR_PW_POOL_DESTROYED', isDestroyed: true },
  }, `${where}: errors across packages`);
  equal(out.after, { crc32: crc, size: [...inputs.pngSize, 4] }, `${where}: pools after another was destroyed`);
}

// the app's tile and image (test/example/app/shared.js)
let APP_TILE;
let APP_IMAGE;

// ---------------------------------------------------------------- bundles

// vite's bundler notes slow plugins on a loaded machine ([PLUGIN_TIMINGS]):
// not a problem of the bundle

async function bundleExample(dir, kind) {
  const r = await must('npm', ['run', `bundle:${kind}`], { cwd: dir, env: BUNDLER_ENV, timeout: 180e3 });
  const warn = withoutTimings(r.stderr.replace(/^npm warn.*$/gim, ''));
  ok(!warn, `npm run bundle:${kind} printed:\n${warn}`);
  return { root: path.join(dir, 'dist', kind), page: '/index.html' };
}

/** The app's page with esbuild: every package's fallback worker is one more entry, every wasm folder copied. */
async function bundleAppEsbuild(app) {
  const out = path.join(app, 'dist/esbuild');
  fs.rmSync(out, { recursive: true, force: true });
  const pkgs = ['parawasm', 'own-kernels-example', 'stb-user'].map((p) => path.join(app, 'node_modules', p));
  const workers = pkgs.flatMap((p) => fs.readdirSync(p).filter((f) => /fallback-worker\.js$/.test(f)).map((f) => path.join(p, f)));
  const args = ['web/main.js', ...workers.map((w) => path.relative(app, w)), '--bundle', '--format=esm', '--platform=browser',
    '--target=es2022', '--outdir=dist/esbuild', '--entry-names=[name]', '--log-level=warning'];
  const r = await must(path.join(BIN, 'esbuild'), args, { cwd: app });
  ok(!r.stderr.trim(), `esbuild printed:\n${r.stderr}`);
  fs.mkdirSync(path.join(out, 'wasm'));
  const seen = new Map();
  for (const p of pkgs) {
    for (const f of fs.readdirSync(path.join(p, 'wasm')).filter((n) => /\.(js|wasm)$/.test(n))) {
      ok(!seen.has(f), `two packages ship wasm/${f} (${seen.get(f)} and ${path.basename(p)})`);
      seen.set(f, path.basename(p));
      fs.copyFileSync(path.join(p, 'wasm', f), path.join(out, 'wasm', f));
    }
  }
  fs.copyFileSync(path.join(app, 'web/index.html'), path.join(out, 'index.html'));
  return { root: out, page: '/index.html', note: `${workers.length} fallback workers, ${seen.size} wasm files` };
}

async function bundleAppVite(app) {
  const out = path.join(app, 'dist/vite');
  const r = await must(path.join(BIN, 'vite'), ['build', '--outDir', out, '--emptyOutDir', '--logLevel', 'warn'],
    { cwd: path.join(app, 'web'), timeout: 180e3 });
  const printed = withoutTimings(r.stdout + r.stderr);
  ok(!printed, `vite build printed:\n${printed}`);
  const assets = fs.readdirSync(path.join(out, 'assets'));
  for (const base of ['parawasm', 'own-kernels-example', 'stb-user']) {
    ok(assets.some((f) => f.startsWith(`${base}-mt-`) && f.endsWith('.wasm')), `vite emitted no ${base}-mt wasm: ${assets.join(', ')}`);
  }
  return { root: out, page: '/index.html', note: `${assets.length} assets` };
}

// ---------------------------------------------------------------- browser

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([promise, new Promise((_, reject) => {
    timer = setTimeout(() => reject(new CheckError(`${what}: no result within ${ms / 1000} s`)), ms);
  })]).finally(() => clearTimeout(timer));
}

/** Opens a page and waits for the promise the page leaves in globalThis[key]. */
async function openPage(browser, server, page, key) {
  const context = await browser.newContext();
  const messages = [];
  const errors = [];
  const start = server.misses.length;
  try {
    const p = await context.newPage();
    p.on('console', (m) => messages.push({ type: m.type(), text: m.text() }));
    p.on('pageerror', (e) => errors.push(String(e?.stack ?? e)));
    p.on('crash', () => errors.push('the page crashed'));
    await p.goto(server.origin + page);
    await p.waitForFunction((k) => globalThis[k] !== undefined, key, { timeout: 30e3 });
    const out = await withTimeout(p.evaluate((k) => globalThis[k], key), 120e3, page);
    return { out, messages, errors, misses: server.misses.slice(start) };
  } finally {
    await withTimeout(context.close(), 10e3, 'closing the page').catch(() => {});
  }
}

function checkPageBasics(r, isolated, packages) {
  const log = r.messages.map((m) => `console.${m.type}: ${m.text}`).join('\n');
  if (r.out?.error) throw new CheckError(`the page failed: ${r.out.error}\n${log}`);
  ok(!r.errors.length, `uncaught errors on the page:\n${r.errors.join('\n')}`);
  ok(!r.misses.length, `404s: ${[...new Set(r.misses)].join(', ')}`);
  equal(r.out.isolated, isolated, 'crossOriginIsolated');
  ok(!r.messages.some((m) => m.type === 'error'), `console errors:\n${log}`);
  const warnings = r.messages.filter((m) => m.type === 'warning');
  if (isolated) ok(!warnings.length, `console warnings on an isolated page:\n${log}`);
  else {
    // one warning a page, however many packages (and pools) fall back
    equal(warnings.length, 1, `warnings on a page without isolation (${packages} package(s))\n${log}\n`);
    ok(/pool\.isShared is false/.test(warnings[0].text), `an unexpected warning: ${warnings[0].text}`);
  }
  return warnings.length;
}

function checkExamplePage(r, isolated, refs) {
  const warnings = checkPageBasics(r, isolated, 1);
  const { out } = r;
  equal(out.pool.isShared, isolated, 'pool.isShared');
  ok(isolated ? out.pool.threads >= 2 : out.pool.threads === 1, `pool.threads is ${out.pool.threads}`);
  equal(out.edges, { core: refs.edges, pool: refs.edges }, 'edges vs the reference');
  ok(Object.is(out.weightedMean.core, refs.weightedMean) && Object.is(out.weightedMean.pool, refs.weightedMean),
    `weightedMean: ${JSON.stringify(out.weightedMean)} vs ${refs.weightedMean}`);
  equal({ core: out.mandelbrot.core, pool: out.mandelbrot.pool }, { core: refs.mandelbrot, pool: refs.mandelbrot }, 'mandelbrot vs the reference');
  ok(out.mandelbrot.progressReports >= 1, 'onProgress was called');
  equal(out.worker.edges, refs.edges, 'the user\'s Web Worker: edges vs the reference');
  return `${out.pool.threads} thread(s), isShared ${out.pool.isShared}${warnings ? `, ${warnings} warning` : ''}`;
}

// ------------------------------------------------------------------- main

async function main() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'parawasm-example-'));
  const servers = [];
  let browser;
  const state = {};
  try {
    if (!await scenario('package', async () => {
      ok(fs.existsSync(path.join(PKG, 'wasm/parawasm-mt.wasm')), 'pkg/ is not built: run `make` first');
      state.tarball = await pack(PKG, work);
      return path.basename(state.tarball);
    }, true)) return;

    // the example: install, build, its own tests
    const needExample = true;
    if (needExample && await scenario('example-install', async () => {
      state.example = await installProject(work, EXAMPLE, 'own-kernels', state.tarball);
      const dep = JSON.parse(fs.readFileSync(path.join(state.example, 'package.json'), 'utf8')).devDependencies.parawasm;
      ok(dep?.startsWith('file:'), `devDependencies.parawasm is ${dep}`);
      return `devDependencies.parawasm: ${dep}`;
    }, true) && await scenario('example-build', async () => {
      const b = await buildProject(state.example, ['--prefix', 'my_', '--out', 'pkg', 'src/own_kernels.h', 'src/own_kernels.c']);
      state.exampleBuildMs = b.ms;
      const files = listWasm(path.join(state.example, 'pkg'));
      equal(files, ['own-kernels-example-mt.js', 'own-kernels-example-mt.mjs', 'own-kernels-example-mt.wasm',
        'own-kernels-example-mt.worker.js', 'own-kernels-example.js', 'own-kernels-example.mjs', 'own-kernels-example.wasm'],
      'the wasm files are named after the package');
      const pj = JSON.parse(fs.readFileSync(path.join(state.example, 'pkg/package.json'), 'utf8'));
      equal(pj.name, 'own-kernels-example', 'the built package\'s name');
      ok(!pj.bin, 'the built package has no bin');
      state.exampleRefs = await exampleReferences(state.example);
      const target = b.ms / 1000 <= BUILD_TARGET_S ? `within ${BUILD_TARGET_S} s` : `over the ${BUILD_TARGET_S} s target`;
      // the two wasm builds run side by side: on an idle machine with as
      // many cores, the wall time is about the CPU time over the cores
      const cores = os.availableParallelism();
      return `${secs(b.ms)} (${target}; 1-min load average ${b.load.toFixed(1)} on ${cores} cores); ` +
        `CPU ${b.cpu.toFixed(1)} s, ${(b.cpu / Math.min(2, cores)).toFixed(1)} s over ${Math.min(2, cores)} idle cores`;
    }, true)) {
      await scenario('example-tests', async () => {
        const r = await must('npm', ['test'], { cwd: state.example, timeout: 300e3 });
        const pass = Number(/^# pass (\d+)/m.exec(r.stdout)?.[1]);
        const fail = Number(/^# fail (\d+)/m.exec(r.stdout)?.[1]);
        ok(pass > 0 && fail === 0, `npm test: ${pass} passed, ${fail} failed\n${r.stdout}`);
        return `npm test: ${pass} passed, 0 failed`;
      });
    }

    // building again in a copy of the example: a failed build leaves the
    // last good package; a build under another name replaces its files,
    // from a temporary folder reached through a symbolic link; the
    // project's version and description reach the package
    if (state.example) {
      await scenario('example-rebuild', async () => {
        const dir = path.join(work, 'rebuild');
        copyTree(state.example, dir, (n) => n === 'node_modules');
        fs.symlinkSync(path.join(state.example, 'node_modules'), path.join(dir, 'node_modules'));
        const pkgDir = path.join(dir, 'pkg');
        const snapshot = () => fs.readdirSync(pkgDir, { recursive: true }).sort().map((f) => {
          const p = path.join(pkgDir, f);
          return fs.statSync(p).isFile() ? `${f} ${createHash('sha256').update(fs.readFileSync(p)).digest('hex')}` : f;
        });
        const before = snapshot();
        fs.writeFileSync(path.join(dir, 'src/broken.h'), '#include <parawasm/kernel.h>\nPW_KERNEL unsigned my_broken(unsigned a);\n');
        fs.writeFileSync(path.join(dir, 'src/broken.c'), '#include "broken.h"\nunsigned my_broken(unsigned a) { return a +; }\n');
        const quoted = ['--prefix', 'my_', '--out', 'pkg', 'src/own_kernels.h', 'src/broken.h', 'src/own_kernels.c', 'src/broken.c'];
        const bad = await exec('npx', ['--offline', 'parawasm', 'build', ...quoted], { cwd: dir, timeout: 600e3 });
        equal(bad.code, 1, 'a build with a C error exits 1');
        ok(/broken\.c:2:/.test(bad.stderr), `the error names the file and line:\n${bad.stderr}`);
        equal(snapshot(), before, 'the package of the last good build is left as it was');
        // a kernel declared that no source defines: the declaration's file:line, not the linker's text
        fs.writeFileSync(path.join(dir, 'src/orphan.h'), '#include <parawasm/kernel.h>\nPW_KERNEL unsigned my_orphan(unsigned a);\n');
        const orphan = await exec('npx', ['--offline', 'parawasm', 'build', '--prefix', 'my_', '--out', 'pkg', 'src/own_kernels.h', 'src/orphan.h',
          'src/own_kernels.c'], { cwd: dir, timeout: 600e3 });
        equal(orphan.code, 1, 'a build with a kernel no source defines exits 1');
        ok(/src[/\\]orphan\.h:2: my_orphan is declared with PW_KERNEL, but no C source of the build defines it/.test(orphan.stderr),
          `the error names the declaration:\n${orphan.stderr}`);
        equal(snapshot(), before, 'the package of the last good build is left as it was');
        const load = await exec('node', ['--input-type=module', '-e',
          "import { loadCore } from './pkg/index.js'; const c = await loadCore(); console.log(c.weightedMean(Float32Array.of(1, 3), Float32Array.of(1, 1)));"],
        { cwd: dir });
        equal(load.stdout.trim(), '2', `the old package still loads and runs (${load.stderr.trim()})`);
        // stopped by a signal while emcc runs: no temporary folder of its own or of emcc's is left
        const cli = fs.realpathSync(path.join(dir, 'node_modules/.bin/parawasm'));
        for (const signal of ['SIGTERM', 'SIGINT']) {
          const tmp = path.join(work, `tmp-${signal}`);
          fs.mkdirSync(tmp);
          const stopped = await new Promise((resolve) => {
            const child = spawn(process.execPath, [cli, 'build', '--prefix', 'my_', '--out', 'pkg', 'src/own_kernels.h', 'src/own_kernels.c'],
              { cwd: dir, env: { ...process.env, TMPDIR: tmp }, stdio: 'ignore' });
            const poll = setInterval(() => { // once the bindings are written, emcc runs
              const w = fs.readdirSync(tmp).find((f) => f.startsWith('parawasm-build-'));
              if (w && fs.existsSync(path.join(tmp, w, 'kernels.c'))) { clearInterval(poll); setTimeout(() => child.kill(signal), 500); }
            }, 20);
            child.on('exit', (code, sig) => { clearInterval(poll); resolve({ code, sig }); });
          });
          equal(stopped.sig, signal, `the build ends by the ${signal} it was sent (exit ${stopped.code})`);
          equal(fs.readdirSync(tmp), [], `a build stopped by ${signal} leaves nothing in its temporary folder`);
          equal(snapshot(), before, `a build stopped by ${signal} leaves the package as it was`);
        }
        // renamed, from a temporary folder that is a symbolic link
        const realTmp = path.join(work, 'real-tmp/deeper');
        fs.mkdirSync(realTmp, { recursive: true });
        fs.symlinkSync(realTmp, path.join(work, 'tmp-link'));
        const pj = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
        fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ ...pj, version: '2.3.4', license: 'ISC' }, null, 2));
        fs.rmSync(path.join(pkgDir, 'package.json')); // as on a first build
        fs.writeFileSync(path.join(pkgDir, 'wasm/NOTES.txt'), 'mine\n'); // a file the build did not write stays
        const good = await exec('npx', ['--offline', 'parawasm', 'build', '--name', 'renamed-kernels', '--prefix', 'my_', '--out', 'pkg',
          'src/own_kernels.h', 'src/own_kernels.c'], { cwd: dir, timeout: 600e3, env: { ...process.env, TMPDIR: path.join(work, 'tmp-link') } });
        equal(good.code, 0, `the renamed build from a linked temporary folder succeeds: ${good.stderr}`);
        equal(listWasm(pkgDir), ['package.json', 'renamed-kernels-mt.js', 'renamed-kernels-mt.mjs', 'renamed-kernels-mt.wasm',
          'renamed-kernels-mt.worker.js', 'renamed-kernels.js', 'renamed-kernels.mjs', 'renamed-kernels.wasm'].filter((f) => /\.(wasm|js|mjs)$/.test(f)),
        'only the new name\'s builds are left');
        ok(!fs.existsSync(path.join(pkgDir, 'own-kernels-example-fallback-worker.js')), 'the old name\'s fallback worker is gone');
        ok(fs.existsSync(path.join(pkgDir, 'wasm/NOTES.txt')), 'a file of the user\'s in wasm/ is kept');
        ok(fs.existsSync(path.join(pkgDir, 'renamed-kernels-fallback-worker.js')), 'the new name\'s fallback worker is there');
        const readme = fs.readFileSync(path.join(pkgDir, 'README.md'), 'utf8');
        ok(/^# renamed-kernels$/m.test(readme), 'the README is written again for the new name');
        const out = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
        equal([out.name, out.version, out.license, out.description], ['renamed-kernels', '2.3.4', 'ISC', pj.description],
          'name, and on a first build version, license and description, from the project');
        // a README of the user's own is never overwritten: the generated
        // one with its first line removed and a note added, or their own
        const edited = `${readme.slice(readme.indexOf('\n') + 1)}\nMY NOTE\n`;
        for (const mine of [edited, '# mine\n']) {
          fs.writeFileSync(path.join(pkgDir, 'README.md'), mine);
          const again = await exec('npx', ['--offline', 'parawasm', 'build', '--name', 'renamed-kernels', '--prefix', 'my_', '--out', 'pkg',
            'src/own_kernels.h', 'src/own_kernels.c'], { cwd: dir, timeout: 600e3 });
          equal(again.code, 0, `the build after the README's edit succeeds: ${again.stderr}`);
          equal(fs.readFileSync(path.join(pkgDir, 'README.md'), 'utf8'), mine, 'the user\'s README is kept');
        }
        return 'a failed build left the package as it was; a renamed build replaced every file';
      });
    }

    // the object cache with emcc: a second build compiles nothing and writes
    // the same bytes; a changed header compiles again what includes it, and
    // the kernel's result changes with it; a cache folder that cannot be
    // made is reported and the build goes on without it, to the same bytes
    if (state.example) {
      await scenario('object-cache', async () => {
        const dir = path.join(work, 'cached');
        copyTree(state.example, dir, NOT_SOURCES);
        fs.symlinkSync(path.join(state.example, 'node_modules'), path.join(dir, 'node_modules'));
        const cacheDir = path.join(work, 'object-cache');
        fs.writeFileSync(path.join(dir, 'src/answer.h'), '#include <parawasm/kernel.h>\nPW_KERNEL unsigned my_answer(unsigned a);\n');
        // (the value's header has the name of a private header of parawasm's
        // runtime, pool.h, in a -I folder of the user's: theirs is the one
        // included; and the builds run with a NODE_PATH of the user's, to
        // which emcc's own folder is added)
        fs.mkdirSync(path.join(dir, 'inc'));
        fs.writeFileSync(path.join(dir, 'inc/pool.h'), '#define VALUE 41u\n');
        fs.writeFileSync(path.join(dir, 'src/answer.c'), '#include "answer.h"\n#include "pool.h"\nunsigned my_answer(unsigned a) { return a + VALUE; }\n');
        const build = async (cache) => {
          const r = await must('npx', ['--offline', 'parawasm', 'build', '--prefix', 'my_', '--out', 'pkg', '--cache', cache, '-I', 'inc',
            'src/own_kernels.h', 'src/answer.h', 'src/own_kernels.c', 'src/answer.c'],
          { cwd: dir, timeout: 600e3, env: { ...process.env, NODE_PATH: path.join(dir, 'no-such-folder') } });
          const m = /(\d+) of (\d+) objects from the cache/.exec(r.stdout);
          const wasm = ['', '-mt'].map((s) => createHash('sha256').update(fs.readFileSync(path.join(dir, `pkg/wasm/own-kernels-example${s}.wasm`))).digest('hex'));
          const run = await must('node', ['--input-type=module', '-e',
            "import { loadCore, createPool } from './pkg/index.js'; const c = await loadCore(); const p = await createPool({ threads: 2 });" +
            ' console.log(c.answer(1), await p.answer(2)); await p.destroy();'], { cwd: dir });
          return { out: r.stdout, ms: r.ms, hits: m ? Number(m[1]) : 0, total: m ? Number(m[2]) : null, wasm, answer: run.stdout.trim() };
        };
        const cold = await build(cacheDir);
        equal([cold.hits, cold.answer], [0, '42 43'], 'a first build: nothing from the cache; core and pool run the kernel');
        const objects = fs.readdirSync(cacheDir).filter((f) => f.endsWith('.o')).length;
        ok(objects >= 10, `the cache holds the objects of both builds (${objects})`);
        const warm = await build(cacheDir);
        equal(warm.hits, warm.total, `a second build takes every object from the cache:\n${warm.out}`);
        equal(warm.wasm, cold.wasm, 'and writes the same wasm bytes');
        fs.writeFileSync(path.join(dir, 'inc/pool.h'), '#define VALUE 42u\n');
        const changed = await build(cacheDir);
        equal([changed.total - changed.hits, changed.answer], [2, '43 44'],
          `a changed header: answer.c compiled again for both builds, and nothing else:\n${changed.out}`);
        const blocked = await build(path.join(dir, 'package.json', 'cache'));
        ok(/cannot write the object cache .*package\.json\/cache .*building without it/.test(blocked.out), `the cache folder that cannot be made is reported:\n${blocked.out}`);
        equal([blocked.wasm, blocked.answer], [changed.wasm, changed.answer], 'and the build without it writes the same bytes');
        return `a second build took all ${warm.total} objects from the cache (${secs(warm.ms)}, the first ${secs(cold.ms)}); ` +
          'a changed header compiled 2 again; an unwritable cache was reported';
      });
    }

    // a family without the family whose C it calls (image without hash)
    if (state.example) {
      await scenario('image-only', async () => {
        const b = await buildProject(state.example, ['--name', 'image-only', '--prefix', 'my_', '--with', 'image',
          '--out', 'pkg-image', 'src/own_kernels.h', 'src/own_kernels.c']);
        const note = await checkImageOnly(path.join(state.example, 'pkg-image'));
        return `built in ${secs(b.ms)} (CPU ${b.cpu.toFixed(1)} s); ${note}`;
      });
    }

    // someone else's C
    const stbOk = await scenario('stb-user', async () => {
      state.stb = await installProject(work, path.join(HERE, 'stb-user'), 'stb-user', state.tarball);
      const b = await buildProject(state.stb, ['--prefix', 'img_', '-I', '/usr/include/stb', '--out', 'pkg', 'src/stb_user.h', 'src/stb_user.c']);
      const note = await checkStbUser(path.join(state.stb, 'pkg'));
      return `built in ${secs(b.ms)} (CPU ${b.cpu.toFixed(1)} s); ${note}`;
    }, wanted('app'));

    // three packages in one app
    if (state.exampleRefs && stbOk) {
      const shared = await import(pathToFileURL(path.join(HERE, 'app/shared.js')).href);
      APP_TILE = shared.TILE;
      APP_IMAGE = shared.IMAGE;
      state.appInputs = appInputs();
      await scenario('app-install', async () => {
        const app = path.join(work, 'app');
        copyTree(path.join(HERE, 'app'), app);
        fs.writeFileSync(path.join(app, 'package.json'), `${JSON.stringify({ name: 'three-packages-app', version: '1.0.0', private: true, type: 'module' }, null, 2)}\n`);
        const tarballs = [state.tarball, await pack(path.join(state.example, 'pkg'), work), await pack(path.join(state.stb, 'pkg'), work)];
        await npm(work, ['install', '--offline', '--ignore-scripts', ...tarballs], app);
        const mods = fs.readdirSync(path.join(app, 'node_modules')).filter((d) => !d.startsWith('.')).sort();
        equal(mods, ['own-kernels-example', 'parawasm', 'stb-user'], 'node_modules holds the three packages and nothing else');
        const bins = fs.readdirSync(path.join(app, 'node_modules/.bin'));
        equal(bins, ['parawasm'], 'node_modules/.bin: parawasm\'s only');
        fs.writeFileSync(path.join(app, 'input.bin'), state.appInputs.input);
        fs.writeFileSync(path.join(app, 'input.png'), state.appInputs.png);
        state.app = app;
        return tarballs.map((t) => path.basename(t)).join(', ');
      }, true);
    }
    if (state.app) {
      for (const [name, file] of [['app-node-esm', 'node/esm.mjs'], ['app-node-cjs', 'node/cjs.cjs']]) {
        await scenario(name, async () => {
          const r = await must(process.execPath, [file], { cwd: state.app, timeout: 60e3 });
          const out = JSON.parse(r.stdout.trim().split('\n').pop());
          checkApp(out, state.appInputs, state.exampleRefs, { where: name });
          if ('cjsSameClasses' in out) equal(out.cjsSameClasses, true, 'the CommonJS entries share the ESM entries\' classes');
          ok(out.entries.every((e) => e.includes('node_modules')), `entries: ${out.entries}`);
          return 'parawasm, own-kernels-example and stb-user: one process, three pools, shared error classes';
        });
      }
    }

    // bundles, then Chromium
    const bundles = {};
    const jobs = [];
    if (state.exampleRefs) {
      for (const kind of ['esbuild', 'vite']) jobs.push([`example-${kind}`, async () => { bundles[`example-${kind}`] = await bundleExample(state.example, kind); }]);
    }
    if (state.app) {
      jobs.push(['app-esbuild', async () => { bundles['app-esbuild'] = await bundleAppEsbuild(state.app); return bundles['app-esbuild'].note; }]);
      jobs.push(['app-vite', async () => { bundles['app-vite'] = await bundleAppVite(state.app); return bundles['app-vite'].note; }]);
    }
    const needed = (name) => wanted(name) || wanted(`browser-${name}`);
    for (const [name, fn] of jobs) if (needed(name)) await scenario(name, fn, true);

    const runs = Object.keys(bundles).flatMap((b) => [true, false].map((isolated) => ({ b, isolated, name: `browser-${b}-${isolated ? 'isolated' : 'not-isolated'}` })));
    if (bundles['app-esbuild']) {
      // a bundle that serves parawasm's fallback worker under the example's
      // name: the example's pool must refuse it at once, saying so
      const root = `${bundles['app-esbuild'].root}-swapped`;
      copyTree(bundles['app-esbuild'].root, root);
      fs.copyFileSync(path.join(root, 'parawasm-fallback-worker.js'), path.join(root, 'own-kernels-example-fallback-worker.js'));
      bundles['app-esbuild-swapped'] = { root, page: '/index.html', swapped: true };
      runs.push({ b: 'app-esbuild-swapped', isolated: false, name: 'browser-app-esbuild-another-packages-worker-not-isolated' });
    }
    runs.splice(0, runs.length, ...runs.filter((t) => wanted(t.name)));
    if (!runs.length) return;
    if (!fs.existsSync(CHROMIUM)) {
      for (const t of runs) report({ name: t.name, status: 'FAIL', ms: 0, detail: `no Chromium at ${CHROMIUM} (make deps)` });
      return;
    }
    browser = await launchChromium();
    for (const t of runs) {
      await scenario(t.name, async () => {
        const app = bundles[t.b];
        if (t.b.startsWith('app')) {
          fs.writeFileSync(path.join(app.root, 'input.bin'), state.appInputs.input);
          fs.writeFileSync(path.join(app.root, 'input.png'), state.appInputs.png);
        }
        const server = await startServer({ isolated: t.isolated, mounts: { '/': app.root }, index: '/index.html' });
        servers.push(server);
        if (t.b.startsWith('example')) {
          const r = await openPage(browser, server, app.page, 'ownKernelsApp');
          return checkExamplePage(r, t.isolated, state.exampleRefs);
        }
        const r = await openPage(browser, server, app.page, 'appResult');
        if (app.swapped) {
          const msg = r.out.error ?? '';
          ok(msg.includes('ERR_PW_BUILD_MISMATCH') || msg.includes("runs another package's kernels"),
            `the pool started on another package's worker: ${msg || JSON.stringify(r.out).slice(0, 300)}`);
          ok(msg.includes('own-kernels-example-fallback-worker.js'), `the error does not name the worker's URL: ${msg}`);
          return msg.split('\n')[0].slice(0, 160);
        }
        const warnings = checkPageBasics(r, t.isolated, 3);
        checkApp(r.out, state.appInputs, state.exampleRefs, { isolated: t.isolated, where: t.name });
        return `three packages, ${t.isolated ? 'threads over shared memory' : `fallback pools, ${warnings} warning(s)`}`;
      });
    }
  } finally {
    if (browser) await withTimeout(browser.close(), 10e3, 'closing Chromium').catch(() => {});
    await Promise.all(servers.map((s) => s.close()));
    if (keep) console.log(`the temporary folder is kept: ${work}`);
    else fs.rmSync(work, { recursive: true, force: true });
  }
}

const watchdog = setTimeout(() => {
  console.error(`example tests: the whole run took more than ${GLOBAL_TIMEOUT_MS / 1000} s; giving up`);
  process.exit(2);
}, GLOBAL_TIMEOUT_MS);
watchdog.unref();

main().catch((e) => report({ name: 'harness', status: 'FAIL', ms: 0, detail: e?.stack ?? String(e) })).finally(() => {
  clearTimeout(watchdog);
  const n = (s) => results.filter((r) => r.status === s).length;
  console.log(`example tests took ${secs(performance.now() - t0)}`);
  console.log(`example: ${n('ok')} passed, ${n('FAIL')} failed, ${n('skip')} skipped`);
  process.exitCode = n('FAIL') || !n('ok') ? 1 : 0;
});
