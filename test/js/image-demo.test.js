// The image demo (examples/image/, `make demo-image`) as a user sees it:
// its server is started as a process and must print its URL; the page is
// opened in headless Chromium (playwright-core driving the system's
// /usr/bin/chromium); its results must be the pixels that parawasm's core
// gives in Node for the same pipeline (examples/image/pipeline.js) on the
// same sample, and on a PNG set on its file input. Responsiveness is
// checked without any clock: requestAnimationFrame callbacks must run
// while a filter is known to be still running (the page counts the frames
// drawn between a run's start and the moment its result arrives), and the
// plain-JS toggle must draw none (it holds the main thread). The same page
// without COOP/COEP must run the fallback pool and give the same pixels.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { loadCore } from '../../pkg/index.js';
import { SAMPLE, drawSample, runPipeline } from '../../examples/image/pipeline.js';
import { CHROMIUM, launchChromium } from '../lib/chromium.mjs';
import { runsUntilFrames } from '../lib/hold.js';
import { makeImage } from './helpers/image-ref.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SERVER = path.join(ROOT, 'examples/image/serve.mjs');
const INPUT_DIR = path.join(ROOT, 'build/image-demo-input');
const SCREENSHOT = path.join(ROOT, 'build/image-demo.png');

const sha256Hex = (v) => createHash('sha256').update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)).digest('hex');

let core;
let sample;
let browser;
const servers = [];

before(async () => {
  assert.ok(fs.existsSync(CHROMIUM), `no Chromium at ${CHROMIUM} (set CHROMIUM=/path, or \`make deps\`)`);
  core = await loadCore();
  sample = { data: new Uint8ClampedArray(SAMPLE.width * SAMPLE.height * 4), ...SAMPLE };
  drawSample(sample.data, sample.width, sample.height);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close().catch(() => {});
  for (const child of servers) if (child.exitCode === null) child.kill('SIGTERM');
  fs.rmSync(INPUT_DIR, { recursive: true, force: true });
});

/** What the page must show for `settings` on `src`: the core's pipeline in Node. */
function expected(src, settings) {
  const out = runPipeline(core.image, src, settings);
  return { width: out.width, height: out.height, digest: sha256Hex(out.data) };
}

/** Starts serve.mjs; resolves to { url, output } once it has printed its URL. */
function startServer(args = []) {
  const child = spawn(process.execPath, [SERVER, ...args], { cwd: ROOT, env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
  servers.push(child);
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the image demo server printed no URL in 10 s:\n${output}`)), 10000);
    child.stdout.on('data', (d) => {
      output += d;
      const m = output.match(/^parawasm image demo: (http:\/\/127\.0\.0\.1:(\d+)\/)$/m);
      if (m && /Ctrl-C stops the server$/m.test(output)) {
        clearTimeout(timer);
        resolve({ url: m[1], output });
      }
    });
    child.stderr.on('data', (d) => { output += d; });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the image demo server exited (code ${code}) before printing its URL:\n${output}`));
    });
  });
}

/** Opens the page and waits for its first run (the sample, default settings). */
async function openDemo(url) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  const page = await context.newPage();
  const messages = [];
  page.on('console', (m) => messages.push({ type: m.type(), text: m.text() }));
  page.on('pageerror', (e) => messages.push({ type: 'pageerror', text: String(e?.stack ?? e) }));
  await page.goto(url);
  await page.waitForFunction(() => globalThis.parawasmDemo?.error || (globalThis.parawasmDemo?.runs >= 1 && !globalThis.parawasmDemo.busy),
    null, { timeout: 60000 });
  const demo = await page.evaluate(() => globalThis.parawasmDemo);
  assert.equal(demo.error, null, `the page failed: ${demo.error}`);
  return { context, page, messages, demo };
}

/** Sets the controls through the page's apply() and resolves to that run's result. */
const apply = (page, settings) => page.evaluate((s) => globalThis.parawasmDemo.apply(s), settings);

/** The page's last result is the core's pixels for the same settings. */
function checkResult(r, src, settings, where) {
  const want = expected(src, settings);
  assert.deepEqual([r.width, r.height], [want.width, want.height], `${where}: size`);
  assert.equal(r.digest, want.digest, `${where}: the page's pixels are the core's (SHA-256 of RGBA)`);
}

function checkConsole(messages, warnings) {
  const log = messages.map((m) => `${m.type}: ${m.text}`).join('\n');
  assert.equal(messages.filter((m) => m.type === 'error' || m.type === 'pageerror').length, 0, `console errors:\n${log}`);
  assert.equal(messages.filter((m) => m.type === 'warning').length, warnings, `console warnings:\n${log}`);
}

test('image demo, cross-origin isolated: the core\'s pixels, frames drawn while the pool filters', { timeout: 300000 }, async () => {
  const server = await startServer();
  assert.match(server.output, /cross-origin isolated/);
  const { context, page, messages, demo } = await openDemo(server.url);
  try {
    assert.equal(demo.isolated, true);
    assert.equal(demo.isShared, true, 'the threaded pool');
    assert.ok(demo.threads >= 1);
    assert.deepEqual(demo.source, { name: 'built-in sample', ...SAMPLE });
    checkResult(demo.last, sample, demo.last.settings, 'first run (defaults)');
    assert.equal(demo.last.engine, 'pool');
    // the longest frame gap a run reports is the run's: not the main
    // thread's drawing of the built-in sample just before it
    const gapWithin = (r, where) => assert.ok(r.maxGap <= r.ms, `${where}: a frame gap of ${r.maxGap} ms in a run of ${r.ms} ms`);
    gapWithin(demo.last, 'first run');
    const runsBefore = demo.runs;
    await page.click('#sample');
    await page.waitForFunction((n) => globalThis.parawasmDemo.runs > n && !globalThis.parawasmDemo.busy, runsBefore, { timeout: 60000 });
    gapWithin(await page.evaluate(() => globalThis.parawasmDemo.last), 'the run after "Built-in sample"');

    for (const s of [{ scale: 25, sigma: 0, amount: 0 }, { scale: 100, sigma: 3.5, amount: 0 }, { scale: 150, sigma: 0, amount: 2 },
      { scale: 100, sigma: 0, amount: 0 }]) {
      const r = await apply(page, { ...s, plain: false });
      assert.equal(r.engine, 'pool');
      checkResult(r, sample, s, JSON.stringify(s));
    }

    // a heavy filter on the full-size photo: frames keep arriving while it runs
    // (runs until frames were counted while they were pending: no clock)
    const heavy = await runsUntilFrames(() => apply(page, { scale: 100, sigma: 30, amount: 1, plain: false }),
      (r, n) => checkResult(r, sample, { scale: 100, sigma: 30, amount: 1 }, `heavy run ${n}`));
    assert.ok(heavy.frames >= 2, `requestAnimationFrame ran ${heavy.frames} times while the pool filtered`);

    // the same on the main thread in plain JS: not one frame until it is done
    const plain = await apply(page, { scale: 50, sigma: 2, amount: 0.5, plain: true });
    assert.equal(plain.engine, 'js');
    assert.deepEqual([plain.width, plain.height], [1200, 800]);
    assert.equal(plain.framesDuring, 0, 'the plain-JS filters hold the main thread: no frame is drawn meanwhile');

    // moving a slider while a run is in progress queues one more run with the latest values
    const many = await page.evaluate(async () => {
      const d = globalThis.parawasmDemo;
      const before = d.runs;
      const first = d.apply({ scale: 100, sigma: 20, amount: 0, plain: false });
      for (const sigma of [1, 2, 3, 4]) {
        const input = document.getElementById('sigma');
        input.value = String(sigma);
        input.dispatchEvent(new Event('input'));
      }
      await first;
      const last = await d.apply({ sigma: 5 });
      return { runs: d.runs - before, last };
    });
    assert.ok(many.runs >= 2 && many.runs <= 3, `${many.runs} runs for 6 changes made during one run`);
    checkResult(many.last, sample, { scale: 100, sigma: 5, amount: 0 }, 'after the queued changes');

    // a PNG of the user's: decoded by parawasm on the pool
    const photo = makeImage(333, 217, 'smooth', 5);
    fs.mkdirSync(INPUT_DIR, { recursive: true });
    const file = path.join(INPUT_DIR, 'photo.png');
    fs.writeFileSync(file, core.image.encodePng(photo));
    const runs = await page.evaluate(() => globalThis.parawasmDemo.runs);
    await page.setInputFiles('#file', file);
    await page.waitForFunction((n) => globalThis.parawasmDemo.error || (globalThis.parawasmDemo.runs > n && !globalThis.parawasmDemo.busy), runs);
    const after1 = await page.evaluate(() => globalThis.parawasmDemo);
    assert.equal(after1.error, null);
    assert.deepEqual(after1.source, { name: 'photo.png', width: 333, height: 217 });
    const r = await apply(page, { scale: 40, sigma: 1, amount: 1 });
    checkResult(r, photo, { scale: 40, sigma: 1, amount: 1 }, 'a PNG from the file input');

    assert.match(await page.locator('#run-engine').textContent(), /^parawasm pool, \d+ threads?$/);
    assert.match(await page.locator('#out-size').textContent(), /^133 × 87$/);
    fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    checkConsole(messages, 0);
  } finally {
    await context.close();
  }
});

test('image demo without cross-origin isolation: the fallback pool, the same pixels', { timeout: 300000 }, async () => {
  const server = await startServer(['--no-isolation']);
  assert.match(server.output, /fallback pool/);
  const { context, page, messages, demo } = await openDemo(server.url);
  try {
    assert.equal(demo.isolated, false);
    assert.equal(demo.isShared, false, 'the fallback pool');
    assert.equal(demo.threads, 1);
    assert.equal(await page.locator('#fallback-note').isVisible(), true);
    checkResult(demo.last, sample, demo.last.settings, 'first run');
    const s = { scale: 30, sigma: 2.5, amount: 1.5 };
    const r = await apply(page, { ...s, plain: false });
    checkResult(r, sample, s, 'fallback pool');
    const heavy = await runsUntilFrames(() => apply(page, { scale: 100, sigma: 30, amount: 0 }),
      (r2, n) => checkResult(r2, sample, { scale: 100, sigma: 30, amount: 0 }, `heavy run ${n}`));
    assert.ok(heavy.frames >= 2, `requestAnimationFrame ran ${heavy.frames} times while the fallback pool filtered`);
    checkConsole(messages, 1); // parawasm's one warning: no shared memory, the fallback pool
    assert.match(messages.find((m) => m.type === 'warning').text, /fallback|single-thread build/);
  } finally {
    await context.close();
  }
});
