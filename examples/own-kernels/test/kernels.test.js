// Each kernel on the core and on pools of 1 to 4 threads, against the
// plain-JS references of reference.js: byte for byte (the edges and the
// iteration counts are integers; the weighted mean is the same double,
// since the reduction's order of additions does not depend on threads).
//
//   npm test        (after npm run build)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AbortError, createPool, loadCore } from '../pkg/index.js';
import { edgesRef, mandelbrotRef, randomBytes, randomFloats, weightedMeanRef } from './reference.js';

const THREADS = [1, 2, 3, 4];
let core;
const pools = new Map();

before(async () => {
  core = await loadCore();
  for (const t of THREADS) pools.set(t, await createPool({ threads: t }));
});
after(async () => {
  await Promise.all([...pools.values()].map((p) => p.destroy()));
});

// every place a kernel runs: call(name, ...args) returns its result (awaited on pools)
const targets = () => [
  { name: 'core', api: core, call: async (f, ...a) => f(...a) },
  ...THREADS.map((t) => ({ name: `pool of ${t}`, api: pools.get(t), call: (f, ...a) => f(...a) })),
];

const IMAGES = [[1, 1], [2, 1], [1, 5], [2, 2], [7, 3], [64, 33], [301, 200], [1024, 70]];

describe('edges (3x3 stencil over RGBA rows)', () => {
  test('every size, every target: the same bytes as the reference', async () => {
    for (const [w, h] of IMAGES) {
      const src = randomBytes(w * h * 4, w * 7919 + h);
      const want = edgesRef(src, w, h);
      for (const t of targets()) {
        const dst = new Uint8Array(w * h * 4).fill(0xaa);
        await t.call(t.api.edges, src, dst, { width: w, height: h });
        assert.deepEqual(dst, want, `${t.name}, ${w}x${h}`);
      }
    }
  });

  test('in place in alloc() views (no copy) on every target', async () => {
    const [w, h] = [257, 129];
    const bytes = randomBytes(w * h * 4, 5);
    const want = edgesRef(bytes, w, h);
    for (const t of targets()) {
      const src = t.api.alloc(w * h * 4);
      const dst = t.api.alloc(w * h * 4);
      src.set(bytes);
      const copied = t.api.stats?.().bytesCopied;
      await t.call(t.api.edges, src, dst, { width: w, height: h });
      assert.deepEqual(new Uint8Array(dst), want, t.name);
      if (copied !== undefined) assert.equal(t.api.stats().bytesCopied, copied, `${t.name}: nothing copied`);
      t.api.free(src);
      t.api.free(dst);
    }
  });

  test('a flat image has no edges; a vertical step has the documented strength', async () => {
    const [w, h] = [9, 4];
    const flat = new Uint8Array(w * h * 4).fill(200);
    const out = new Uint8Array(w * h * 4);
    core.edges(flat, out, { width: w, height: h });
    for (let i = 0; i < out.length; i++) assert.equal(out[i], i % 4 === 3 ? 200 : 0);
    // left half 0, right half 255 (alpha 255): gx = 4 * 255 at the step, gy = 0
    const step = new Uint8Array(w * h * 4);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const o = (y * w + x) * 4;
        step.fill(x >= 4 ? 255 : 0, o, o + 3);
        step[o + 3] = 255;
      }
    }
    core.edges(step, out, { width: w, height: h });
    assert.equal(out[(1 * w + 3) * 4], (4 * 255 + 4) >> 3);
    assert.equal(out[(1 * w + 4) * 4], (4 * 255 + 4) >> 3);
    assert.equal(out[(1 * w + 6) * 4], 0);
  });

  test('onProgress counts rows to the height', async () => {
    const [w, h] = [512, 600];
    const src = randomBytes(w * h * 4, 11);
    for (const t of [targets()[0], targets()[2]]) {
      const seen = [];
      await t.call(t.api.edges, src, new Uint8Array(src.length), { width: w, height: h, onProgress: (d, n) => seen.push([d, n]) });
      assert.ok(seen.length >= 1, t.name);
      assert.deepEqual(seen[seen.length - 1], [h, h], `${t.name}: the last report is every row`);
    }
  });
});

describe('weightedMean (deterministic float reduction)', () => {
  const SIZES = [1, 2, 1000, 65536, 65537, 3 * 65536 + 17, 1_000_003];

  test('the same double as the reference, for every size and thread count', async () => {
    for (const n of SIZES) {
      const x = randomFloats(n, n);
      const w = randomFloats(n, n + 1).map(Math.abs);
      const want = weightedMeanRef(x, w);
      assert.ok(Number.isFinite(want));
      for (const t of targets()) {
        const got = await t.call(t.api.weightedMean, x, w);
        assert.ok(Object.is(got, want), `${t.name}, n ${n}: ${got} vs ${want}`);
      }
    }
  });

  test('the chunking matters, and the kernel follows it (not a plain left-to-right sum)', async () => {
    // values whose sum depends on where the chunks are cut
    const n = 3 * 65536;
    const x = new Float32Array(n);
    const w = new Float32Array(n).fill(1);
    x[0] = 2 ** 24;
    for (let i = 1; i < n; i++) x[i] = 1e-9 * (i % 7);
    let plain = 0;
    let ws = 0;
    for (let i = 0; i < n; i++) {
      plain += w[i] * x[i];
      ws += w[i];
    }
    const want = weightedMeanRef(x, w);
    assert.notEqual(plain / ws, want, 'the test input does tell the orders apart');
    for (const t of targets()) assert.ok(Object.is(await t.call(t.api.weightedMean, x, w), want), t.name);
  });

  test('no elements, or weights that sum to zero: NaN', async () => {
    for (const t of targets()) {
      assert.ok(Number.isNaN(await t.call(t.api.weightedMean, new Float32Array(0), new Float32Array(0))), t.name);
      assert.ok(Number.isNaN(await t.call(t.api.weightedMean, Float32Array.of(1, 2), Float32Array.of(1, -1))), t.name);
    }
  });
});

describe('mandelbrot (compute-bound, rows in parallel)', () => {
  const TILES = [
    { width: 1, height: 1, step: 0.1 },
    { width: 16, height: 16, x0: -0.75, y0: 0.05, step: 0.002 },
    { width: 100, height: 60, step: 2.5 / 60 },
    { width: 333, height: 201, x0: -0.7453, y0: 0.1127, step: 6.5e-5, maxIter: 1000 },
    { width: 1500, height: 40, x0: -2, y0: -0.3, step: 0.002, maxIter: 50 },
  ];

  test('the same counts as the reference, every tile, every target', async () => {
    for (const tile of TILES) {
      const want = mandelbrotRef(tile);
      for (const t of targets()) {
        const out = new Uint32Array(tile.width * tile.height).fill(7);
        await t.call(t.api.mandelbrot, out, tile);
        assert.deepEqual(out, want, `${t.name}, ${JSON.stringify(tile)}`);
      }
    }
  });

  test('defaults: x0 -2, y0 -1.25, maxIter 256; the set\'s points reach maxIter', async () => {
    const tile = { width: 40, height: 20, step: 0.125 };
    const out = core.alloc(40 * 20 * 4, Uint32Array);
    core.mandelbrot(out, tile);
    assert.deepEqual(new Uint32Array(out), mandelbrotRef(tile));
    // c = 0 (pixel 16 across, 10 down) is in the set; c = -2 - 1.25i escapes at once
    assert.equal(out[10 * 40 + 16], 256);
    assert.equal(out[0], 1);
    core.free(out);
  });

  test('an aborted call rejects with AbortError and the pool goes on', async () => {
    const pool = pools.get(2);
    const ac = new AbortController();
    // rows of 500 points in the set, 10^5 iterations each: a few seconds in all, a fraction of that a row
    const big = { width: 500, height: 4000, x0: -0.2, y0: -0.02, step: 1e-5, maxIter: 100000 };
    const out = pool.alloc(big.width * big.height * 4, Uint32Array);
    const p = pool.mandelbrot(out, { ...big, signal: ac.signal });
    setTimeout(() => ac.abort(new Error('enough')), 50);
    await assert.rejects(p, (e) => e instanceof AbortError && e.cause?.message === 'enough');
    pool.free(out);
    const small = { width: 16, height: 16, step: 0.1 };
    const again = new Uint32Array(256);
    await pool.mandelbrot(again, small);
    assert.deepEqual(again, mandelbrotRef(small));
  });
});
