// The array demo (examples/array/, `make demo-array`) as a user sees it:
// its server is started as a process and must print its URL; the page is
// opened in headless Chromium (playwright-core driving the system's
// /usr/bin/chromium); its quantiles and histogram must be what parawasm's
// core gives in Node for the same dataset (examples/array/dataset.js), and
// its data must end up sorted. Responsiveness is checked without any clock:
// requestAnimationFrame callbacks must run while the pool sorts (the page
// counts the frames drawn between a run's start and its end), and the
// plain-JS run (the built-in sort on the main thread) must draw none. The
// same page without COOP/COEP must run the fallback pool with the same
// results.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { loadCore } from '../../pkg/index.js';
import { BINS, QUANTILES, fillDataset } from '../../examples/array/dataset.js';
import { CHROMIUM, launchChromium } from '../lib/chromium.mjs';
import { runsUntilFrames } from '../lib/hold.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SERVER = path.join(ROOT, 'examples/array/serve.mjs');
const ROWS = 2_000_000; // enough work that a fast machine still draws frames while the pool sorts

let core;
let browser;
const servers = [];

before(async () => {
  const fs = await import('node:fs');
  assert.ok(fs.existsSync(CHROMIUM), `no Chromium at ${CHROMIUM} (set CHROMIUM=/path, or \`make deps\`)`);
  core = await loadCore();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close().catch(() => {});
  for (const child of servers) if (child.exitCode === null) child.kill('SIGTERM');
});

/** What the page must show for the dataset of `seed`: the core's results in Node. */
function expected(seed) {
  const x = fillDataset(new Float64Array(ROWS), seed);
  return { quantiles: Array.from(core.array.quantiles(x, QUANTILES)), counts: Array.from(core.array.histogram(x, { bins: BINS })) };
}

function startServer(args = []) {
  const child = spawn(process.execPath, [SERVER, ...args], { cwd: ROOT, env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
  servers.push(child);
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the array demo server printed no URL in 10 s:\n${output}`)), 10000);
    child.stdout.on('data', (d) => {
      output += d;
      const m = output.match(/^parawasm array demo: (http:\/\/127\.0\.0\.1:(\d+)\/)$/m);
      if (m && /Ctrl-C stops the server$/m.test(output)) {
        clearTimeout(timer);
        resolve({ url: m[1], output });
      }
    });
    child.stderr.on('data', (d) => { output += d; });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the array demo server exited (code ${code}) before printing its URL:\n${output}`));
    });
  });
}

async function openDemo(url) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const messages = [];
  page.on('console', (m) => messages.push({ type: m.type(), text: m.text() }));
  page.on('pageerror', (e) => messages.push({ type: 'pageerror', text: String(e?.stack ?? e) }));
  await page.goto(`${url}?rows=${ROWS}`);
  await page.waitForFunction(() => globalThis.parawasmArrayDemo?.error || (globalThis.parawasmArrayDemo?.runs >= 1 && !globalThis.parawasmArrayDemo.busy),
    null, { timeout: 120000 });
  const demo = await page.evaluate(() => globalThis.parawasmArrayDemo);
  assert.equal(demo.error, null, `the page failed: ${demo.error}`);
  return { context, page, messages, demo };
}

function checkRun(r, where) {
  const want = expected(r.seed);
  assert.equal(r.rows, ROWS);
  assert.equal(r.sorted, true, `${where}: the data is sorted`);
  assert.deepEqual(r.quantiles, want.quantiles, `${where}: the core's quantiles`);
  assert.deepEqual(r.counts, want.counts, `${where}: the core's histogram`);
}

function checkConsole(messages, warnings) {
  const log = messages.map((m) => `${m.type}: ${m.text}`).join('\n');
  assert.equal(messages.filter((m) => m.type === 'error' || m.type === 'pageerror').length, 0, `console errors:\n${log}`);
  assert.equal(messages.filter((m) => m.type === 'warning').length, warnings, `console warnings:\n${log}`);
}

test('array demo, cross-origin isolated: the core\'s results, frames drawn while the pool sorts', { timeout: 300000 }, async () => {
  const server = await startServer();
  assert.match(server.output, /cross-origin isolated/);
  const { context, page, messages, demo } = await openDemo(server.url);
  try {
    assert.equal(demo.isolated, true);
    assert.equal(demo.isShared, true, 'the threaded pool');
    assert.equal(demo.last.engine, 'pool');
    checkRun(demo.last, 'first run');
    // the page draws while the pool sorts: runs until frames were counted while they were pending
    const f = await runsUntilFrames(() => page.evaluate(() => globalThis.parawasmArrayDemo.run({ plain: false })),
      (r, n) => checkRun(r, `pool run ${n}`));
    assert.ok(f.frames >= 2, `requestAnimationFrame ran ${f.frames} times while the pool sorted`);
    // the built-in sort on the main thread: not one frame until it is done (its histogram
    // is a plain loop of its own, so only its order statistics are compared)
    const p = await page.evaluate(() => globalThis.parawasmArrayDemo.run({ plain: true }));
    assert.equal(p.engine, 'js');
    assert.equal(p.sorted, true);
    assert.equal(p.framesDuring, 0, 'the built-in sort holds the main thread: no frame is drawn meanwhile');
    assert.deepEqual([p.quantiles[0], p.quantiles[4]], [expected(p.seed).quantiles[0], expected(p.seed).quantiles[4]]);
    assert.match(await page.locator('#engine').textContent(), /^parawasm pool, \d+ threads?$|^plain JavaScript/);
    checkConsole(messages, 0);
  } finally {
    await context.close();
  }
});

test('array demo without cross-origin isolation: the fallback pool, the same results', { timeout: 300000 }, async () => {
  const server = await startServer(['--no-isolation']);
  assert.match(server.output, /fallback pool/);
  const { context, page, messages, demo } = await openDemo(server.url);
  try {
    assert.equal(demo.isolated, false);
    assert.equal(demo.isShared, false, 'the fallback pool');
    assert.equal(await page.locator('#fallback-note').isVisible(), true);
    checkRun(demo.last, 'first run');
    const f = await runsUntilFrames(() => page.evaluate(() => globalThis.parawasmArrayDemo.run({ plain: false })),
      (r, n) => checkRun(r, `fallback pool run ${n}`));
    assert.ok(f.frames >= 2, `requestAnimationFrame ran ${f.frames} times while the fallback pool sorted`);
    checkConsole(messages, 1); // parawasm's one warning: no shared memory, the fallback pool
  } finally {
    await context.close();
  }
});
