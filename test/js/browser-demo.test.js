// The browser demo (examples/browser/, `make demo-browser`) as a user sees
// it: its server is started as a process and must print its URL; the page
// is opened in headless Chromium (playwright-core driving the system's
// /usr/bin/chromium; no browser is downloaded); a generated PNG is set on
// the file input and the sample-data button is clicked; the digests the
// page shows must equal Node's crypto SHA-256 and hash-wasm's BLAKE3, and a
// screenshot of the result goes to build/browser-demo.png. The page must
// keep drawing while its pool hashes: the page's own requestAnimationFrame
// counter must advance while BLAKE3 calls on the page's pool are known to
// be pending (calls are issued until it has; no clock is involved, so a
// slow or loaded machine cannot fail it). The same page without COOP/COEP
// must run parawasm's fallback pool, say so, and give the same digests (of
// a chosen file and of a dropped image).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

import { blake3 as refBlake3 } from 'hash-wasm';
import { CHROMIUM, launchChromium } from '../lib/chromium.mjs';
import { HANG_MS } from '../lib/hold.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SERVER = path.join(ROOT, 'examples/browser/serve.mjs');
const SCREENSHOT = path.join(ROOT, 'build/browser-demo.png');
const INPUT_PNG = path.join(ROOT, 'build/browser-demo-input/rings.png');
const MiB = 1 << 20;

const sha256Hex = (data) => createHash('sha256').update(data).digest('hex');

// ------------------------------------------------------------- the inputs

function pngChunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(zlib.crc32(out.subarray(4, 8 + data.length)) >>> 0, 8 + data.length);
  return out;
}

/**
 * A w x h RGB PNG (coloured rings over a gradient), its pixels stored
 * without compression so that the file is large (about 3 bytes a pixel):
 * long enough to hash that frames are drawn meanwhile.
 */
function makePng(w, h) {
  const stride = w * 3 + 1;
  const raw = Buffer.alloc(stride * h);
  for (let y = 0; y < h; y++) {
    raw[y * stride] = 0; // filter: none
    for (let x = 0; x < w; x++) {
      const d = Math.hypot(x - w * 0.62, y - h * 0.45) / (h / 9);
      const ring = 0.5 + 0.5 * Math.sin(d * Math.PI);
      const o = y * stride + 1 + x * 3;
      raw[o] = 40 + ((x * 150) / w) * ring;
      raw[o + 1] = 60 + ((y * 120) / h) + 50 * ring;
      raw[o + 2] = 120 + 120 * ring;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, deflate, no filter method, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', zlib.deflateSync(raw, { level: 0 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The page's sample data, written here from its definition: xorshift32 words, little-endian. */
function sampleData(bytes) {
  const words = new Uint32Array(bytes >>> 2);
  let x = 0x2545f491;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    words[i] = x;
  }
  const out = Buffer.from(words.buffer);
  assert.equal(out.readUInt32LE(0), words[0]); // the page's Uint32Array is little-endian too
  return out;
}

// ------------------------------------------------------------ the server

const servers = [];

/** Starts serve.mjs; resolves to { url, output, child } once it has printed its URL. */
function startServer(args = []) {
  const child = spawn(process.execPath, [SERVER, ...args], {
    cwd: ROOT, env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  servers.push(child);
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the demo server printed no URL in ${HANG_MS / 1000} s:\n${output}`)), HANG_MS);
    const onData = (d) => {
      output += d;
      const m = output.match(/^parawasm browser demo: (http:\/\/127\.0\.0\.1:(\d+)\/)$/m);
      if (m && Number(m[2]) > 0 && /Ctrl-C stops the server$/m.test(output)) {
        clearTimeout(timer);
        resolve({ url: m[1], get output() { return output; }, child });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d) => { output += d; });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the demo server exited (code ${code}) before printing its URL:\n${output}`));
    });
  });
}

// ------------------------------------------------------------ the browser

let browser;

before(async () => {
  assert.ok(fs.existsSync(CHROMIUM), `no Chromium at ${CHROMIUM} (set CHROMIUM=/path, or \`make deps\`)`);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close().catch(() => {});
  for (const child of servers) if (child.exitCode === null) child.kill('SIGTERM');
  fs.rmSync(path.dirname(INPUT_PNG), { recursive: true, force: true });
});

/** Opens the page; collects console messages and page errors; waits until the pool is up. */
async function openDemo(url) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const messages = [];
  page.on('console', (m) => messages.push({ type: m.type(), text: m.text() }));
  page.on('pageerror', (e) => messages.push({ type: 'pageerror', text: String(e?.stack ?? e) }));
  const responses = [];
  page.on('response', (r) => responses.push({ url: r.url(), status: r.status() }));
  await page.goto(url);
  await page.waitForFunction(() => globalThis.parawasmDemo?.ready || globalThis.parawasmDemo?.error, null, { timeout: HANG_MS });
  const error = await page.evaluate(() => globalThis.parawasmDemo.error);
  assert.equal(error, null, `the page could not start parawasm: ${error}`);
  return { context, page, messages, responses };
}

/** Waits until the page has hashed `runs` inputs in all; returns its last result. */
async function waitForRun(page, runs) {
  await page.waitForFunction((n) => {
    const d = globalThis.parawasmDemo;
    return d.error || (d.runs >= n && !d.busy);
  }, runs, { timeout: HANG_MS });
  const demo = await page.evaluate(() => globalThis.parawasmDemo);
  assert.equal(demo.error, null, `the page failed: ${demo.error}`);
  assert.equal(demo.runs, runs, 'inputs hashed');
  return demo.last;
}

/** The digests shown in the table are the expected ones, and visible. */
async function checkShown(page, expected) {
  for (const [id, hexDigest] of Object.entries(expected)) {
    const cell = page.locator(`#${id}-hex`);
    assert.equal((await cell.textContent()).trim(), hexDigest, `#${id}-hex shows the digest`);
    assert.ok(await cell.isVisible(), `#${id}-hex is visible`);
    assert.match(await page.locator(`#${id}-ms`).textContent(), /^\d+(\.\d)? ms$/, `#${id}-ms`);
    assert.match(await page.locator(`#${id}-rate`).textContent(), /^\d+ MB\/s$/, `#${id}-rate`);
  }
}

/**
 * The page's report of its frames while it hashed: how many frames there
 * were depends on the machine's speed and load, so only its form is checked
 * here (see checkDrawsWhileHashing for the behaviour).
 */
function checkReport(r) {
  assert.ok(Number.isInteger(r.during.frames) && r.during.frames >= 0, `frames while hashing: ${r.during.frames}`);
  assert.ok(Number.isFinite(r.during.maxGap) && r.during.maxGap >= 0, `longest gap while hashing: ${r.during.maxGap}`);
}

/**
 * The page keeps drawing while its pool hashes: BLAKE3 calls of `bytes` of
 * sample data are run on the page's own pool, one after another, until the
 * page's own requestAnimationFrame counter has advanced `frames` times
 * while a call was pending (a call is issued in the same turn as the
 * previous one ends, so no frame falls between two calls). A page that
 * froze while the pool worked would never get there and fail at the hang
 * guard; no clock is read. Every digest must equal hash-wasm's.
 */
async function checkDrawsWhileHashing(page, bytes, frames = 3) {
  const want = await refBlake3(sampleData(bytes));
  const r = await page.evaluate(async ([n, enough]) => {
    const d = globalThis.parawasmDemo;
    const buf = d.pool.alloc(n);
    try {
      // the page's sample data: xorshift32 words from 0x2545f491, little-endian
      const words = new Uint32Array(buf.buffer, buf.byteOffset, n >>> 2);
      let x = 0x2545f491;
      for (let i = 0; i < words.length; i++) {
        x ^= x << 13; x >>>= 0;
        x ^= x >>> 17;
        x ^= x << 5; x >>>= 0;
        words[i] = x;
      }
      const digests = [];
      let busyFrames = 0;
      while (busyFrames < enough) {
        const before = d.frames;
        const digest = await d.pool.blake3(buf);
        busyFrames += d.frames - before; // frames drawn while this call was pending
        digests.push(Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join(''));
      }
      return { digests, busyFrames };
    } finally {
      d.pool.free(buf);
    }
  }, [bytes, frames]);
  assert.ok(r.busyFrames >= frames && r.digests.length >= 1, `${r.digests.length} calls, ${r.busyFrames} frames`);
  assert.deepEqual([...new Set(r.digests)], [want], 'every BLAKE3 digest equals hash-wasm\'s');
  return r;
}

function checkConsole(messages, { warnings }) {
  const log = messages.map((m) => `${m.type}: ${m.text}`).join('\n');
  assert.equal(messages.filter((m) => m.type === 'error' || m.type === 'pageerror').length, 0, `console errors:\n${log}`);
  assert.equal(messages.filter((m) => m.type === 'warning').length, warnings, `console warnings:\n${log}`);
}

// ------------------------------------------------------------------ tests

test('browser demo, cross-origin isolated: both digests of a PNG and of the sample data, a live page', { timeout: 6 * HANG_MS }, async (t) => {
  const server = await startServer();
  assert.match(server.output, /cross-origin isolated/, 'the server says the page is isolated');
  const res = await fetch(server.url);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('cross-origin-opener-policy'), 'same-origin');
  assert.equal(res.headers.get('cross-origin-embedder-policy'), 'require-corp');
  await res.arrayBuffer();

  const { context, page, messages, responses } = await openDemo(server.url);
  try {
    const env = await page.evaluate(() => ({
      isolated: globalThis.crossOriginIsolated,
      cores: navigator.hardwareConcurrency,
      isShared: globalThis.parawasmDemo.isShared,
      threads: globalThis.parawasmDemo.threads,
    }));
    assert.equal(env.isolated, true, 'crossOriginIsolated');
    assert.equal(env.isShared, true, 'pool.isShared');
    assert.equal(env.threads, env.cores, 'pool.threads: one per core');
    assert.equal(await page.locator('#isolated').textContent(), 'yes');
    assert.equal(await page.locator('#shared').textContent(), 'true');
    assert.equal(await page.locator('#threads').textContent(), String(env.cores));
    assert.equal(await page.locator('#fallback-note').isVisible(), false, 'no fallback note');
    assert.ok(responses.some((r) => r.url.endsWith('/pkg/browser.js') && r.status === 200), 'parawasm came from /pkg/browser.js');

    // a PNG of about 24 MiB, through the file input
    const png = makePng(4096, 2048);
    assert.ok(png.length > 24 * MiB, `the PNG is ${png.length} bytes`);
    const want = { blake3: await refBlake3(png), sha256: sha256Hex(png) };
    // (set by its path: a buffer this large would be sent through the page's renderer, stalling it for seconds)
    fs.mkdirSync(path.dirname(INPUT_PNG), { recursive: true });
    fs.writeFileSync(INPUT_PNG, png);
    await page.setInputFiles('#file', INPUT_PNG);
    const r = await waitForRun(page, 1);
    assert.equal(r.name, 'rings.png');
    assert.equal(r.size, png.length);
    assert.equal(r.sha256, want.sha256, 'SHA-256 of the PNG (Node crypto)');
    assert.equal(r.blake3, want.blake3, 'BLAKE3 of the PNG (hash-wasm)');
    await checkShown(page, want);
    checkReport(r);
    assert.equal(await page.locator('#during-frames').textContent(), String(r.during.frames));
    assert.match(await page.locator('#during-gap').textContent(), /^[\d.]+ ms$/);
    assert.match(await page.locator('#file-info').textContent(), /^rings\.png — 24\.\d MiB \([\d,]+ bytes\), image\/png$/);

    // the thumbnail is the decoded image
    const thumb = page.locator('#thumb');
    await page.waitForFunction(() => document.getElementById('thumb').complete, null, { timeout: HANG_MS });
    assert.ok(await thumb.isVisible(), 'the thumbnail is visible');
    assert.deepEqual(await thumb.evaluate((img) => [img.naturalWidth, img.naturalHeight]), [4096, 2048]);
    assert.match(await thumb.getAttribute('src'), /^blob:/);

    // the live indicator keeps counting while the page is idle, too
    const frames0 = await page.evaluate(() => globalThis.parawasmDemo.frames);
    await page.waitForFunction((f) => globalThis.parawasmDemo.frames >= f + 5, frames0, { timeout: HANG_MS });
    assert.match(await page.locator('#fps').textContent(), /^\d+$/);

    fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    fs.rmSync(SCREENSHOT, { force: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    const shot = fs.statSync(SCREENSHOT);
    assert.ok(shot.size > 30000, `the screenshot is ${shot.size} bytes`);
    assert.deepEqual([...fs.readFileSync(SCREENSHOT).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47], 'the screenshot is a PNG');

    // the sample data: 64 MiB written by the page itself
    const sample = sampleData(64 * MiB);
    const wantSample = { blake3: await refBlake3(sample), sha256: sha256Hex(sample) };
    await page.click('#sample');
    const s = await waitForRun(page, 2);
    assert.equal(s.source, 'sample');
    assert.equal(s.size, 64 * MiB);
    assert.equal(s.sha256, wantSample.sha256, 'SHA-256 of the sample data');
    assert.equal(s.blake3, wantSample.blake3, 'BLAKE3 of the sample data');
    await checkShown(page, wantSample);
    checkReport(s);

    // the page keeps drawing while its pool hashes
    const live = await checkDrawsWhileHashing(page, 16 * MiB);
    t.diagnostic(`${live.digests.length} BLAKE3 calls of 16 MiB while the page drew ${live.busyFrames} frames`);
    assert.equal(await page.locator('#thumb-box').isVisible(), false, 'no thumbnail for the sample data');

    checkConsole(messages, { warnings: 0 });
  } finally {
    await context.close();
  }
});

test('browser demo without COOP/COEP: the fallback pool, said on the page, same digests', { timeout: 6 * HANG_MS }, async () => {
  const server = await startServer(['--no-isolation']);
  assert.match(server.output, /--no-isolation/);
  const res = await fetch(server.url);
  assert.equal(res.headers.get('cross-origin-opener-policy'), null);
  await res.arrayBuffer();

  const { context, page, messages } = await openDemo(server.url);
  try {
    const env = await page.evaluate(() => ({
      isolated: globalThis.crossOriginIsolated, isShared: globalThis.parawasmDemo.isShared, threads: globalThis.parawasmDemo.threads,
    }));
    assert.deepEqual(env, { isolated: false, isShared: false, threads: 1 });
    assert.ok(await page.locator('#fallback-note').isVisible(), 'the page says it runs the fallback pool');
    assert.match(await page.locator('#fallback-note').textContent(), /fallback pool/);
    assert.equal(await page.locator('#isolated').textContent(), 'no');
    assert.equal(await page.locator('#shared').textContent(), 'false');

    const data = Buffer.from(sampleData(3 * MiB).subarray(0, 3 * MiB - 5)); // not a whole number of blocks
    const want = { blake3: await refBlake3(data), sha256: sha256Hex(data) };
    await page.setInputFiles('#file', { name: 'data.bin', mimeType: 'application/octet-stream', buffer: data });
    const r = await waitForRun(page, 1);
    assert.equal(r.sha256, want.sha256, 'SHA-256 (Node crypto)');
    assert.equal(r.blake3, want.blake3, 'BLAKE3 (hash-wasm)');
    await checkShown(page, want);
    assert.equal(await page.locator('#thumb-box').isVisible(), false, 'no thumbnail for a file that is not an image');

    // a small image dropped on the page
    const png = makePng(96, 64);
    const wantPng = { blake3: await refBlake3(png), sha256: sha256Hex(png) };
    const dataTransfer = await page.evaluateHandle((bytes) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(bytes)], 'dropped.png', { type: 'image/png' }));
      return dt;
    }, [...png]);
    await page.dispatchEvent('#drop', 'dragenter', { dataTransfer });
    await page.dispatchEvent('#drop', 'drop', { dataTransfer });
    const d = await waitForRun(page, 2);
    assert.equal(d.name, 'dropped.png');
    assert.equal(d.sha256, wantPng.sha256, 'SHA-256 of the dropped PNG');
    assert.equal(d.blake3, wantPng.blake3, 'BLAKE3 of the dropped PNG');
    await checkShown(page, wantPng);
    await page.waitForFunction(() => document.getElementById('thumb').complete, null, { timeout: HANG_MS });
    assert.ok(await page.locator('#thumb').isVisible(), 'the dropped image has a thumbnail');
    assert.deepEqual(await page.locator('#thumb').evaluate((img) => [img.naturalWidth, img.naturalHeight]), [96, 64]);

    // the page keeps drawing while the fallback pool copies and hashes
    await checkDrawsWhileHashing(page, 8 * MiB);

    checkConsole(messages, { warnings: 1 }); // parawasm's one warning about the missing headers
    assert.match(messages.find((m) => m.type === 'warning').text, /Cross-Origin-Embedder-Policy/);
  } finally {
    await context.close();
  }
});
