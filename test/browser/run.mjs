#!/usr/bin/env node
// parawasm's browser tests: headless Chromium (playwright-core driving the
// system's /usr/bin/chromium; no browser is ever downloaded) against the
// built package, served by server.mjs from two origins on 127.0.0.1:
//
//   isolated   COOP same-origin + COEP require-corp (+ CORP): SharedArrayBuffer
//   plain      no isolation headers: no SharedArrayBuffer, the fallback path
//
// Suites (test/browser/suites/*.js, imported into a blank page, each
// returning a list of { name, ok, ms, message }):
//   a  core in a module Web Worker importing pkg/browser.js (both origins)
//   b  core on the page's main thread (both origins)
//   c  pool on the isolated page, and in a module worker there
//      (build/testpkg: the built-in kernels + testNoop/testSpin/testTrap/testGrow)
//   d  createPool()/loadCore() on the non-isolated page
//   e  esbuild bundles (bundle/worker.js, bundle/page.js) of user code that
//      imports pkg/browser.js: the core in a module worker, the pool on
//      the isolated page, createPool() on the non-isolated page
//
// Usage: node test/browser/run.mjs [--verbose] [filter ...]
//   (`make test-browser` builds pkg/ and build/testpkg/ first.) A filter
//   keeps the tests whose id contains it, e.g. `node test/browser/run.mjs pool`.
// Exit status: 0 if every check passed, 1 otherwise.
//
// The bundler path (test e), as found here with esbuild 0.28:
//   - esbuild leaves `new URL('./wasm/x.wasm', import.meta.url)` alone (it has
//     no asset support for that pattern: evanw/esbuild#795), and with
//     --format=esm import.meta.url is the bundle's own URL at run time. So the
//     files must be copied so that `<bundle dir>/wasm/` holds
//     parawasm.wasm (core), and for the pool parawasm-mt.wasm,
//     parawasm-mt.js (importScripts()ed by the pthread workers) and
//     parawasm-mt.worker.js. This harness bundles into
//     build/browser-bundle/js/ and copies them to build/browser-bundle/js/wasm/.
//   - The Emscripten glue (pkg/wasm/*.mjs) has Node-only branches with
//     require("fs") and the like; the .mjs starts with a line that declares
//     require/process/... as local variables, so esbuild leaves them alone:
//     the plain command must work (no --external flags).
//   - The fallback pool's worker, new Worker(new URL('./parawasm-fallback-worker.js',
//     import.meta.url)), is not discovered by esbuild either: it is bundled as
//     one more entry point (pkg/parawasm-fallback-worker.js, --entry-names=[name])
//     so that it lands beside the bundle as js/parawasm-fallback-worker.js.
//   - Each bundle must fetch nothing outside build/browser-bundle/ (checked).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

import { CHROMIUM, launchChromium } from '../lib/chromium.mjs';
import { HANG_MS } from '../lib/hold.js';

import { PROGRESS_TAG } from './lib/runner.js';
import { REPO, startServer } from './server.mjs';

const run = promisify(execFile);

// Hang guards, not speed limits (a loaded machine only makes the run
// slower): a test inside a page gives up after HANG_MS (test/lib/hold.js),
// a suite whose page stops answering after three times that, the whole
// run after an hour.
const TEST_TIMEOUT_MS = Number(process.env.PW_BROWSER_TIMEOUT_MS) || 3 * HANG_MS; // per suite
const GLOBAL_TIMEOUT_MS = 3600e3; // the whole run, whatever happens

const argv = process.argv.slice(2);
const verbose = argv.includes('--verbose') || argv.includes('-v');
const filters = argv.filter((a) => !a.startsWith('-'));

const BUNDLE_DIR = path.join(REPO, 'build/browser-bundle');
const BUNDLE_OUTDIR = 'build/browser-bundle/js';
// the user's code: a module worker and a page module, both importing
// pkg/browser.js; plus the library's own fallback-pool worker, which
// esbuild cannot discover (new Worker(new URL(...))) and so must be an entry
const BUNDLE_ENTRIES = ['test/browser/bundle/worker.js', 'test/browser/bundle/page.js', 'pkg/parawasm-fallback-worker.js'];
const BUNDLE_ASSETS = ['parawasm.wasm', 'parawasm-mt.wasm', 'parawasm-mt.js', 'parawasm-mt.worker.js'];

const t0 = performance.now();
const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;
const notes = []; // printed with the summary, not failures

// ------------------------------------------------------------- preflight

function preflight() {
  const need = [
    'pkg/browser.js', 'pkg/gen/kernels.js', 'pkg/wasm/parawasm.mjs', 'pkg/wasm/parawasm.wasm',
    'pkg/wasm/parawasm-mt.mjs', 'pkg/wasm/parawasm-mt.js', 'pkg/wasm/parawasm-mt.wasm', 'pkg/wasm/parawasm-mt.worker.js',
    'build/testpkg/browser.js', 'build/testpkg/wasm/parawasm-test-mt.wasm', 'build/testpkg/wasm/parawasm-test.wasm',
  ];
  const missing = need.filter((f) => !fs.existsSync(path.join(REPO, f)));
  if (missing.length) return `missing build files (run \`make pkg testpkg\`): ${missing.join(', ')}`;
  if (!fs.existsSync(CHROMIUM)) return `no Chromium at ${CHROMIUM} (set CHROMIUM=/path, or \`make deps\`)`;
  // a stale pkg/ would test old code: say so
  try {
    const stamp = fs.statSync(path.join(REPO, 'build/stamps/pkg')).mtimeMs;
    const newer = ['runtime', 'families'].flatMap((d) => fs.readdirSync(path.join(REPO, 'js', d))
      .filter((f) => f.endsWith('.js') && fs.statSync(path.join(REPO, 'js', d, f)).mtimeMs > stamp).map((f) => `js/${d}/${f}`));
    if (newer.length) notes.push(`pkg/ is older than ${newer.join(', ')}: run \`make pkg testpkg\` to test the current code`);
  } catch { /* no stamp: nothing to compare */ }
  return null;
}

// -------------------------------------------------------- bundle (test e)

async function esbuild(extra) {
  const bin = path.join(REPO, 'node_modules/.bin/esbuild');
  const entries = BUNDLE_ENTRIES.filter((f) => fs.existsSync(path.join(REPO, f)));
  const args = [...entries, '--bundle', '--format=esm', '--platform=browser', `--outdir=${BUNDLE_OUTDIR}`,
    '--entry-names=[name]', '--log-level=error', ...extra];
  try {
    await run(bin, args, { cwd: REPO, timeout: HANG_MS });
    return { ok: true, cmd: `esbuild ${args.join(' ')}` };
  } catch (e) {
    return { ok: false, cmd: `esbuild ${args.join(' ')}`, error: (e.stderr || e.message || String(e)).trim() };
  }
}

/** Builds build/browser-bundle/; returns a list of harness-side results. */
async function buildBundle() {
  const results = [];
  fs.rmSync(BUNDLE_DIR, { recursive: true, force: true });
  fs.mkdirSync(path.join(BUNDLE_DIR, 'js/wasm'), { recursive: true });
  const b = await esbuild([]);
  results.push({ name: 'bundle: esbuild bundles a worker and a page module that import pkg/browser.js', ok: b.ok, ms: 0,
    message: b.ok ? undefined : `${b.cmd}\n${b.error}` });
  if (!b.ok) return { ok: false, results };
  const out = fs.readFileSync(path.join(REPO, BUNDLE_OUTDIR, 'worker.js'), 'utf8');
  const keepsMeta = /new URL\("\.\/wasm\/parawasm\.wasm", import\.meta\.url\)/.test(out);
  results.push({ name: 'bundle: the output still locates the wasm with new URL("./wasm/...", import.meta.url)', ok: keepsMeta, ms: 0,
    message: keepsMeta ? undefined : 'esbuild rewrote the URL expressions: the asset layout below no longer applies' });
  for (const f of BUNDLE_ASSETS) fs.copyFileSync(path.join(REPO, 'pkg/wasm', f), path.join(BUNDLE_DIR, 'js/wasm', f));
  return { ok: true, results };
}

// ------------------------------------------------------------- the tests

// `module` is imported into the page and its run(params) returns results.
function tests(iso, plain, bundle) {
  // a bundle must be self-contained: the page fetches only its own folder
  // (and the harness's page)
  const bundleOnly = (p) => p.startsWith('/bundle/') || p === '/test/page.html' || p === '/favicon.ico';
  return [
    { id: 'a-core-worker', server: iso, module: '/test/suites/core-worker.js' },
    { id: 'a-core-worker-not-isolated', server: plain, module: '/test/suites/core-worker.js' },
    { id: 'b-core-main-thread', server: iso, module: '/test/suites/core-main.js' },
    { id: 'b-core-main-thread-not-isolated', server: plain, module: '/test/suites/core-main.js' },
    { id: 'c-pool', server: iso, module: '/test/suites/pool.js' },
    { id: 'c-pool-in-worker', server: iso, module: '/test/suites/pool-worker.js' },
    { id: 'd-no-shared-memory', server: plain, module: '/test/suites/no-shared.js' },
    {
      id: 'e-bundle-worker', server: iso, module: '/test/suites/bundle.js', pre: bundle,
      allowed: (p) => bundleOnly(p) || p.startsWith('/test/suites/') || p.startsWith('/test/lib/') || p === '/lib/hold.js',
    },
    { id: 'e-bundle-page-pool', server: iso, module: '/bundle/js/page.js', pre: bundle, after: true, allowed: bundleOnly },
    { id: 'e-bundle-page-not-isolated', server: plain, module: '/bundle/js/page.js', pre: bundle, after: true, allowed: bundleOnly },
  ];
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error(`${what}: no result within ${ms / 1000} s (timed out)`),
        { isTimeout: true })), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

async function runTest(browser, t) {
  const results = [];
  const log = [];
  const pageErrors = [];
  const streamed = []; // results reported so far through the console
  const running = new Set(); // tests started and not finished
  const startReq = t.server.requests.length;
  const startMiss = t.server.misses.length;
  const started = performance.now();
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    page.on('console', (m) => {
      const type = m.type();
      const text = m.text();
      if (text.startsWith(PROGRESS_TAG)) {
        try {
          const p = JSON.parse(text.slice(PROGRESS_TAG.length));
          if (p.kind === 'start') running.add(p.name);
          else if (p.kind === 'result') {
            running.delete(p.name);
            const { kind, ...r } = p;
            streamed.push(r);
          }
        } catch { /* not ours */ }
        return;
      }
      if (type === 'error' || type === 'warning' || verbose) log.push(`console.${type}: ${text}`);
    });
    page.on('pageerror', (e) => pageErrors.push(e));
    page.on('crash', () => pageErrors.push(new Error('the page crashed')));
    // (console messages of the page's workers arrive here too)

    const body = async () => {
      await page.goto(`${t.server.origin}/test/page.html`);
      const isolated = await page.evaluate(() => globalThis.crossOriginIsolated);
      if (isolated !== t.server.isolated) {
        throw new Error(`the harness page has crossOriginIsolated=${isolated}, expected ${t.server.isolated}: check server.mjs's headers`);
      }
      return page.evaluate(async ([mod, params]) => (await import(mod)).run(params),
        [t.module, t.params ?? {}]);
    };
    const got = await withTimeout(body(), TEST_TIMEOUT_MS, t.id);
    if (!Array.isArray(got) || got.length === 0) throw new Error(`suite ${t.module} returned no results`);
    results.push(...got);
  } catch (e) {
    // keep what finished before the failure (a timeout, a crash)
    results.push(...streamed);
    const during = running.size ? `\nstill running: ${[...running].join('; ')}` : '';
    const msg = e?.isTimeout ? e.message : String(e?.stack ?? e).split('\n').slice(0, 4).join('\n');
    results.push({ name: `${t.id}: suite`, ok: false, ms: 0, message: msg + during });
  } finally {
    // closing the context ends the page and every worker it started
    await withTimeout(context.close(), 10000, `${t.id}: closing the page`).catch((e) => log.push(String(e.message)));
  }
  for (const e of pageErrors) {
    results.push({ name: `${t.id}: no uncaught exception on the page`, ok: false, ms: 0, message: String(e?.stack ?? e) });
  }
  const misses = t.server.misses.slice(startMiss);
  if (misses.length) {
    results.push({ name: `${t.id}: every file the page asked for exists`, ok: false, ms: 0, message: `404: ${[...new Set(misses)].join(', ')}` });
  }
  if (t.allowed) {
    const outside = t.server.requests.slice(startReq).filter((p) => !t.allowed(p));
    results.push({
      name: `${t.id}: fetches only files of the bundle's own folder`, ok: outside.length === 0, ms: 0,
      message: outside.length ? `also fetched: ${[...new Set(outside)].join(', ')}` : undefined,
    });
  }
  return { id: t.id, results, log, ms: performance.now() - started };
}

// ------------------------------------------------------------------ main

function report(test) {
  const failed = test.results.filter((r) => !r.ok).length;
  console.log(`${failed ? 'FAIL' : 'ok  '} ${test.id} (${test.results.length - failed}/${test.results.length} checks, ${secs(test.ms)})`);
  for (const r of test.results) {
    if (r.ok && !verbose) continue;
    console.log(`  ${r.ok ? 'pass' : 'FAIL'} ${r.name}${r.ms ? ` (${r.ms} ms)` : ''}`);
    if (!r.ok && r.message) console.log(r.message.replace(/^/gm, '       '));
  }
  if (failed || verbose) {
    // everything the page logged, in full
    for (const l of test.log) console.log(`  | ${l.length > 1000 ? `${l.slice(0, 1000)}...` : l}`);
  } else {
    // console errors, one line each (the crash tests cause some on purpose)
    const errs = [...new Set(test.log.filter((l) => l.startsWith('console.error')).map((l) => l.split('\n')[0]))];
    for (const l of errs) console.log(`  | ${l.length > 160 ? `${l.slice(0, 160)}...` : l}`);
  }
}

async function main() {
  const problem = preflight();
  if (problem) {
    console.error(`browser tests: ${problem}`);
    return 1;
  }
  const servers = [];
  let browser;
  const all = [];
  try {
    const iso = await startServer({ isolated: true });
    servers.push(iso);
    const plain = await startServer({ isolated: false });
    servers.push(plain);
    const bundle = { ok: false, results: [] };
    const list = tests(iso, plain, bundle).filter((t) => !filters.length || filters.some((f) => t.id.includes(f)));
    if (list.some((t) => t.pre)) Object.assign(bundle, await buildBundle());
    browser = await launchChromium();
    console.log(`browser tests: Chromium ${browser.version()}, isolated ${iso.origin}, not isolated ${plain.origin}`);

    for (const t of list) {
      let res;
      if (t.pre && !t.pre.ok) {
        res = { id: t.id, results: t.after ? [] : t.pre.results, log: [], ms: 0 };
        if (t.after) res.results.push({ name: `${t.id}: not run (the bundle was not built)`, ok: false, ms: 0 });
      } else {
        res = await runTest(browser, t);
        if (t.pre && !t.after) res.results.unshift(...t.pre.results);
      }
      all.push(res);
      report(res);
    }
  } catch (e) {
    all.push({ id: 'harness', results: [{ name: 'harness', ok: false, ms: 0, message: String(e?.stack ?? e) }], log: [], ms: 0 });
    report(all[all.length - 1]);
  } finally {
    if (browser) await withTimeout(browser.close(), 10000, 'closing Chromium').catch((e) => console.error(e.message));
    await Promise.all(servers.map((s) => s.close()));
  }

  const checks = all.flatMap((t) => t.results.map((r) => ({ ...r, id: t.id })));
  const failed = checks.filter((r) => !r.ok);
  for (const n of notes) console.log(`note: ${n}`);
  console.log(`browser tests: ${all.length} suites, ${checks.length} checks, ${failed.length} failed, ${secs(performance.now() - t0)}`);
  if (failed.length) {
    console.log('failed:');
    for (const r of failed) console.log(`  - [${r.id}] ${r.name}`);
  }
  return failed.length || !checks.length ? 1 : 0;
}

const watchdog = setTimeout(() => {
  console.error(`browser tests: the whole run took more than ${GLOBAL_TIMEOUT_MS / 1000} s; giving up`);
  process.exit(2);
}, GLOBAL_TIMEOUT_MS);
watchdog.unref();

main().then((code) => {
  process.exitCode = code;
  clearTimeout(watchdog);
}, (e) => {
  console.error(e);
  process.exitCode = 1;
});
