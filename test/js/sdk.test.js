// The SDK's annotation language as a user's package sees it, through the
// test kernels of test/kernels/pw_sdk.h (built into build/testpkg by
// `parawasm build`): namespaces, kernel options merged with call options,
// lengths from expressions, in-place aliasing and overlap checks, several
// outputs, results sized by the kernel, errors with the kernel's message,
// progress, one method over several element types, deterministic
// reductions, strict element types and zero-filled outputs. Each on the
// core and the pool, against references computed here.
//
//   node --test test/js/sdk.test.js
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { AbortError, ParawasmError, createPool, loadCore } from '../../build/testpkg/index.js';

let core;
let pool;
before(async () => {
  core = await loadCore();
  pool = await createPool({ threads: 3 });
});
after(() => pool?.destroy());

const TARGETS = [
  { name: 'core', api: () => core, run: async (f, ...a) => f(...a) },
  { name: 'pool', api: () => pool, run: (f, ...a) => f(...a) },
];

function fillRef(width, height, channels) {
  const out = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) out[(y * width + x) * channels + c] = (x + 3 * y + 7 * c) & 255;
    }
  }
  return out;
}

/** Asserts that p (a promise or a function that throws) fails with Ctor whose message includes every fragment. */
async function fails(p, Ctor, ...fragments) {
  await assert.rejects(async () => (typeof p === 'function' ? p() : p), (e) => {
    assert.ok(e instanceof Ctor, `${e.constructor.name}: ${e.message}`);
    for (const f of fragments) assert.ok(e.message.includes(f), `message "${e.message}" should include "${f}"`);
    return true;
  });
}

for (const T of TARGETS) {
  test(`${T.name}: a namespace holds the kernels (sdk.*), one method per name`, () => {
    const api = T.api();
    assert.equal(typeof api.sdk, 'object');
    assert.deepEqual(Object.keys(api.sdk).sort(), ['count', 'distinct', 'fail', 'fill', 'minMax', 'scale', 'sum', 'sumF32Ordered']);
    assert.equal(api.fill, undefined, 'not at the top level');
  });

  test(`${T.name}: kernel options in the options object; length from an expression (width * height * channels)`, async () => {
    const api = T.api();
    for (const [w, h, c] of [[1, 1, 1], [7, 5, 4], [33, 17, 3], [300, 200, 4]]) {
      const out = new Uint8Array(w * h * c).fill(9);
      await T.run(api.sdk.fill, out, { width: w, height: h, channels: c });
      assert.deepEqual(out, fillRef(w, h, c), `${w}x${h}x${c}`);
    }
    // the default channels (4)
    const out = api.alloc(6 * 4 * 4);
    await T.run(api.sdk.fill, out, { width: 6, height: 4 });
    assert.deepEqual(new Uint8Array(out), fillRef(6, 4, 4));
    api.free(out);
    // a wrong length names the expression
    await fails(T.run(api.sdk.fill, new Uint8Array(10), { width: 2, height: 2 }), RangeError,
      'sdk.fill: out must be 16 bytes long (width * height * channels)', 'got 10');
    // options: required, unknown, range, type
    await fails(T.run(api.sdk.fill, new Uint8Array(4), { height: 1 }), TypeError, 'sdk.fill: options.width is required');
    await fails(T.run(api.sdk.fill, new Uint8Array(4)), TypeError, 'sdk.fill: options.width is required');
    await fails(T.run(api.sdk.fill, new Uint8Array(4), { width: 1, height: 1, depth: 1 }), TypeError, 'unknown option "depth"', 'width, height, channels');
    await fails(T.run(api.sdk.fill, new Uint8Array(4), { width: 0, height: 1 }), RangeError, 'sdk.fill: options.width must be from 1 to 65535 (got 0)');
    await fails(T.run(api.sdk.fill, new Uint8Array(5), { width: 1, height: 1, channels: 5 }), RangeError, 'options.channels must be from 1 to 4');
    await fails(T.run(api.sdk.fill, new Uint8Array(4), { width: '1', height: 1 }), TypeError, 'options.width must be a number');
    await fails(T.run(api.sdk.fill, new Uint8Array(4), { width: 1.5, height: 1 }), RangeError, 'options.width must be an integer');
  });

  test(`${T.name}: PW_ALIAS: the very same view works in place; a partial overlap is refused`, async () => {
    const api = T.api();
    const src = Float32Array.from({ length: 1000 }, (_, i) => i - 500.25);
    const dst = new Float32Array(1000);
    await T.run(api.sdk.scale, src, dst, { k: 3 });
    assert.deepEqual(dst, src.map((v) => Math.fround(v * 3)));
    // in place, foreign and in the heap
    const inPlace = Float32Array.from(src);
    await T.run(api.sdk.scale, inPlace, inPlace);
    assert.deepEqual(inPlace, src.map((v) => Math.fround(v * 2)));
    const h = api.alloc(4000, Float32Array);
    h.set(src);
    await T.run(api.sdk.scale, h, h, { k: 0.5 });
    assert.deepEqual(h, src.map((v) => Math.fround(v * 0.5)));
    // overlapping but not the same view: refused, nothing written
    const before = Float32Array.from(h);
    await fails(T.run(api.sdk.scale, h.subarray(0, 500), h.subarray(250, 750)), RangeError,
      'sdk.scale: dst overlaps src', 'the very same view');
    assert.deepEqual(h, before);
    const f = Float32Array.from(src);
    await fails(T.run(api.sdk.scale, f.subarray(1, 11), f.subarray(0, 10)), RangeError, 'dst overlaps src');
    api.free(h);
  });

  test(`${T.name}: several outputs come back as an object`, async () => {
    const api = T.api();
    const x = Float64Array.from([3, -1.5, 8, 2, -7, 0]);
    const r = await T.run(api.sdk.minMax, x);
    assert.deepEqual(Object.keys(r), ['min', 'max']);
    assert.ok(r.min instanceof Float64Array && r.max instanceof Float64Array);
    assert.deepEqual([r.min[0], r.max[0]], [-7, 8]);
    const e = await T.run(api.sdk.minMax, new Float64Array(0));
    assert.ok(Number.isNaN(e.min[0]) && Number.isNaN(e.max[0]));
  });

  test(`${T.name}: PW_RESULT: results whose size the kernel finds out`, async () => {
    const api = T.api();
    for (const n of [0, 1, 17, 100000]) {
      const data = Uint8Array.from({ length: n }, (_, i) => (i * 2654435761 >>> 24) % 61 * 3);
      const hist = new Map();
      for (const b of data) hist.set(b, (hist.get(b) ?? 0) + 1);
      const keys = [...hist.keys()].sort((a, b) => a - b);
      const r = await T.run(api.sdk.distinct, data);
      assert.ok(r.values instanceof Uint8Array && r.counts instanceof Uint32Array);
      assert.deepEqual([...r.values], keys, `n ${n}`);
      assert.deepEqual([...r.counts], keys.map((k) => hist.get(k)), `n ${n}`);
    }
  });

  test(`${T.name}: a kernel's own error message and status code`, async () => {
    const api = T.api();
    assert.equal(await T.run(api.sdk.fail, 0, 42), 42);
    await assert.rejects(async () => T.run(api.sdk.fail, -6, 7), (e) => {
      assert.ok(e instanceof ParawasmError);
      assert.equal(e.code, 'ERR_PW_BAD_FORMAT');
      assert.equal(e.message, 'sdk.fail failed: asked to fail with 7');
      return true;
    });
    await assert.rejects(async () => T.run(api.sdk.fail, -1), (e) => e.code === 'ERR_PW_INVALID_ARG' && /asked to fail with 0/.test(e.message));
    // a status without a message: the status list's text
    await assert.rejects(async () => T.run(api.sdk.fail, -99, 1), (e) => e.code === 'ERR_PW' && /asked to fail with 1/.test(e.message));
    // the next call has no stale message
    assert.equal(await T.run(api.sdk.fail, 0, 1), 1);
  });

  test(`${T.name}: one method over several element types dispatches on the view`, async () => {
    const api = T.api();
    const vals = [1.5, -2.25, 3, 100.125];
    assert.equal(await T.run(api.sdk.sum, Float32Array.from(vals)), vals.reduce((a, b) => a + Math.fround(b), 0));
    assert.equal(await T.run(api.sdk.sum, Float64Array.from(vals)), vals.reduce((a, b) => a + b, 0));
    assert.equal(await T.run(api.sdk.sum, Int32Array.from([2 ** 31 - 1, 2 ** 31 - 1, -5])), 2 * (2 ** 31 - 1) - 5);
    assert.equal(await T.run(api.sdk.sum, Uint8Array.from([255, 255, 1])), 511);
    assert.equal(await T.run(api.sdk.sum, Uint8ClampedArray.from([255, 1])), 256);
    await fails(T.run(api.sdk.sum, new Int16Array(3)), TypeError,
      'sdk.sum: x must be one of Float32Array, Float64Array, Int32Array, Uint8Array, Uint8ClampedArray (got Int16Array');
    await fails(T.run(api.sdk.sum, [1, 2]), TypeError, 'sdk.sum: x must be one of');
  });

  test(`${T.name}: strict element types: a Float32Array where bytes are declared is a TypeError`, async () => {
    const api = T.api();
    await fails(T.run(api.sdk.distinct, new Float32Array(4)), TypeError, 'sdk.distinct: data must be a Uint8Array or Uint8ClampedArray (got Float32Array');
    await fails(T.run(api.sdk.distinct, new DataView(new ArrayBuffer(4))), TypeError, 'data must be a Uint8Array');
    await fails(T.run(api.sdk.scale, new Float64Array(4), new Float32Array(4)), TypeError, 'sdk.scale: src must be a Float32Array');
    assert.deepEqual([...(await T.run(api.sdk.distinct, Buffer.from([5, 5, 1]))).values], [1, 5], 'a Buffer is a Uint8Array');
  });

  test(`${T.name}: deterministic reduction: the same bits as a chunk-ordered sum`, async () => {
    const api = T.api();
    const n = 300001;
    const x = Float32Array.from({ length: n }, (_, i) => ((i * 7919) % 1000 - 500) * (i % 13 === 0 ? 1e4 : 1e-3));
    for (const grain of [1, 1000, 4096, 1 << 20]) {
      // the reference: chunks of max(grain, ceil(n / 4096)) items, each summed, joined in order
      const g = Math.max(grain, Math.ceil(n / 4096));
      let total = 0;
      for (let b = 0; b < n; b += g) {
        let part = 0;
        for (let i = b; i < Math.min(n, b + g); i++) part = Math.fround(part + x[i]);
        total = Math.fround(total + part);
      }
      assert.equal(await T.run(api.sdk.sumF32Ordered, x, { grain }), total, `grain ${grain}`);
    }
  });

  test(`${T.name}: onProgress reports done/total; an exception in it stops the call`, async () => {
    const api = T.api();
    const seen = [];
    const n = 2e6;
    assert.equal(await T.run(api.sdk.count, n, { step: 1000, onProgress: (d, t) => seen.push([d, t]) }), BigInt(n));
    assert.ok(seen.length >= 1, 'at least one report');
    for (const [d, t] of seen) {
      assert.equal(t, n);
      assert.ok(d > 0 && d <= n);
    }
    assert.equal(seen[seen.length - 1][0], n, 'the last report is the end');
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i][0] >= seen[i - 1][0], 'monotonic');
    const boom = new Error('stop here');
    await assert.rejects(async () => T.run(api.sdk.count, n, { step: 10, onProgress: () => { throw boom; } }), (e) => e === boom);
    await fails(T.run(api.sdk.count, 5, { onProgress: 'x' }), TypeError, 'options.onProgress must be a function');
    assert.equal(await T.run(api.sdk.count, 5), 5n, 'usable after');
  });

  test(`${T.name}: outputs are zero-filled: no stale heap bytes reach JS`, async () => {
    const api = T.api();
    // dirty the heap, free it, then take fresh blocks and results
    const dirty = api.alloc(1 << 20);
    dirty.fill(0xee);
    api.free(dirty);
    const fresh = api.alloc(1 << 20);
    assert.ok(fresh.every((b) => b === 0), 'alloc() is zero-filled');
    api.free(fresh);
    const r = await T.run(api.sdk.distinct, new Uint8Array(0));
    assert.equal(r.values.length, 0);
  });
}

test('pool: signal and kernel options share the options object', async () => {
  const ac = new AbortController();
  ac.abort(new Error('no'));
  await assert.rejects(pool.sdk.fill(new Uint8Array(4), { width: 1, height: 1, signal: ac.signal }), AbortError);
  const out = new Uint8Array(4);
  await pool.sdk.fill(out, { width: 1, height: 1, signal: new AbortController().signal });
  assert.deepEqual(out, fillRef(1, 1, 4));
  await fails(pool.sdk.fill(out, { width: 1, height: 1, signal: 'x' }), TypeError, 'options.signal must be an AbortSignal');
});

test('core: a kernel called from inside onProgress is refused, and the core stays usable', () => {
  let inner;
  const got = core.sdk.count(2e6, { step: 100, onProgress: () => { try { core.sdk.fail(0, 1); } catch (e) { inner = e; } } });
  assert.equal(got, 2000000n);
  assert.ok(inner instanceof ParawasmError && inner.code === 'ERR_PW_REENTRANT', String(inner));
  assert.equal(core.sdk.fail(0, 3), 3);
});
