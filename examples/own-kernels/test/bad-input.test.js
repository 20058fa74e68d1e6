// Bad input to every public function of the built package: wrong types,
// wrong sizes, out-of-range options, detached views, freed views, views of
// the heap made by hand, and views of other memories. Each is a typed error
// (TypeError with code ERR_INVALID_ARG_TYPE, RangeError with code
// ERR_OUT_OF_RANGE, or a ParawasmError subclass) whose message names the
// argument; pool calls reject (they never throw synchronously); and after
// all of it the core and the pool still compute the right results.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AbortError, ParawasmError, PoolDestroyedError, createPool, loadCore,
} from '../pkg/index.js';
import { edgesRef, mandelbrotRef, randomBytes } from './reference.js';

let core;
let pool;
let other; // a second pool of the same package: its views are foreign to `pool`
before(async () => {
  core = await loadCore();
  pool = await createPool({ threads: 2 });
  other = await createPool({ threads: 1 });
});
after(async () => {
  await Promise.all([pool.destroy(), other.destroy()]);
});

const CODES = { TypeError: 'ERR_INVALID_ARG_TYPE', RangeError: 'ERR_OUT_OF_RANGE' };

/**
 * Calls fn; it must fail with Ctor, the matching code, and a message
 * holding every fragment. `target` 'pool': the failure must come as a
 * rejected promise, not a synchronous throw (pool calls, loadCore,
 * createPool); 'core' or 'sync': thrown or rejected.
 */
async function fails(target, fn, Ctor, ...fragments) {
  let result;
  try {
    result = fn();
  } catch (e) {
    if (target === 'pool') assert.fail(`the pool threw synchronously instead of rejecting: ${e}`);
    result = Promise.reject(e);
  }
  if (target === 'pool') assert.ok(result instanceof Promise, 'a pool call returns a promise');
  await assert.rejects(result, (e) => {
    assert.ok(e instanceof Ctor, `expected ${Ctor.name}, got ${e?.constructor?.name}: ${e?.message}`);
    if (CODES[Ctor.name]) assert.equal(e.code, CODES[Ctor.name], e.message);
    for (const f of fragments) assert.ok(e.message.includes(f), `"${e.message}" should say "${f}"`);
    return true;
  });
}

/** A view whose buffer has been transferred away (detached). */
function detached(Ctor, n) {
  const v = new Ctor(n);
  structuredClone(v.buffer, { transfer: [v.buffer] });
  assert.equal(v.byteLength, 0);
  return v;
}

/** The core or pool still computes the right results. */
async function stillWorks(api) {
  const [w, h] = [13, 9];
  const src = randomBytes(w * h * 4, 3);
  const dst = new Uint8Array(w * h * 4);
  await api.edges(src, dst, { width: w, height: h });
  assert.deepEqual(dst, edgesRef(src, w, h));
  const tile = { width: 8, height: 8, step: 0.3 };
  const it = new Uint32Array(64);
  await api.mandelbrot(it, tile);
  assert.deepEqual(it, mandelbrotRef(tile));
  assert.equal(await api.weightedMean(Float32Array.of(1, 3), Float32Array.of(1, 1)), 2);
}

for (const name of ['core', 'pool']) {
  const api = () => (name === 'core' ? core : pool);
  const bad = (fn, Ctor, ...f) => fails(name, fn, Ctor, ...f);

  describe(`${name}: bad input`, () => {
    test('edges: wrong types', async () => {
      const a = api();
      const ok = new Uint8Array(16);
      const o = { width: 2, height: 2 };
      await bad(() => a.edges('abcd', ok, o), TypeError, 'edges: src must be a Uint8Array or Uint8ClampedArray', 'string');
      await bad(() => a.edges([1, 2, 3, 4], ok, o), TypeError, 'edges: src must be');
      await bad(() => a.edges(new Float32Array(4), ok, o), TypeError, 'edges: src must be a Uint8Array', 'Float32Array');
      await bad(() => a.edges(new DataView(new ArrayBuffer(16)), ok, o), TypeError, 'edges: src must be a Uint8Array');
      await bad(() => a.edges(ok, new Uint16Array(8), o), TypeError, 'edges: dst must be a Uint8Array', 'Uint16Array');
      await bad(() => a.edges(ok, null, o), TypeError, 'edges: dst must be', 'null');
      await bad(() => a.edges(ok, ok.slice()), TypeError, 'edges: options.width is required');
      await bad(() => a.edges(ok, ok.slice(), { height: 2 }), TypeError, 'edges: options.width is required');
      await bad(() => a.edges(ok, ok.slice(), { width: '2', height: 2 }), TypeError, 'edges: options.width must be a number');
      await bad(() => a.edges(ok, ok.slice(), { width: 2, height: 2n }), TypeError, 'edges: options.height must be a number');
      await bad(() => a.edges(ok, ok.slice(), { width: 2, height: 2, depth: 1 }), TypeError, 'edges: unknown option "depth"');
      await bad(() => a.edges(ok, ok.slice(), o, 5), TypeError, 'edges takes at most 2 arguments');
      await bad(() => a.edges(ok, ok.slice(), { ...o, onProgress: 'yes' }), TypeError, 'options.onProgress must be a function');
    });

    test('edges: wrong sizes and ranges', async () => {
      const a = api();
      await bad(() => a.edges(new Uint8Array(15), new Uint8Array(16), { width: 2, height: 2 }), RangeError,
        'edges: src must be 16 bytes long (width * height * 4) (got 15)');
      await bad(() => a.edges(new Uint8Array(16), new Uint8Array(20), { width: 2, height: 2 }), RangeError,
        'edges: dst must be 16 bytes long');
      await bad(() => a.edges(new Uint8Array(0), new Uint8Array(0), { width: 0, height: 1 }), RangeError,
        'edges: options.width must be from 1 to 65535 (got 0)');
      await bad(() => a.edges(new Uint8Array(4), new Uint8Array(4), { width: 1.5, height: 1 }), RangeError, 'options.width must be an integer');
      await bad(() => a.edges(new Uint8Array(4), new Uint8Array(4), { width: 1, height: 65536 }), RangeError, 'options.height must be from 1 to 65535');
      await bad(() => a.edges(new Uint8Array(4), new Uint8Array(4), { width: 1, height: NaN }), RangeError, 'options.height');
      // more than wasm32 can address: refused before any allocation
      await bad(() => a.edges(new Uint8Array(4), new Uint8Array(4), { width: 65535, height: 65535 }), RangeError,
        'edges: src: its length width * height * 4 is 17179344900, which is not a count');
    });

    test('edges: the destination may not overlap the source', async () => {
      const a = api();
      const img = new Uint8Array(64);
      await bad(() => a.edges(img, img, { width: 4, height: 4 }), RangeError, 'edges: dst overlaps src');
      const big = a.alloc(128);
      await bad(() => a.edges(big.subarray(0, 64), big.subarray(32, 96), { width: 4, height: 4 }), RangeError, 'dst overlaps src');
      // side by side in one block is fine
      big.set(randomBytes(64, 9));
      await a.edges(big.subarray(0, 64), big.subarray(64, 128), { width: 4, height: 4 });
      assert.deepEqual(new Uint8Array(big.subarray(64)), edgesRef(big.subarray(0, 64), 4, 4));
      a.free(big);
    });

    test('detached views: reported as detached, before any length check', async () => {
      const a = api();
      const o = { width: 2, height: 2 };
      await bad(() => a.edges(detached(Uint8Array, 16), new Uint8Array(16), o), TypeError, 'edges: src is detached');
      await bad(() => a.edges(detached(Uint8Array, 3), new Uint8Array(16), o), TypeError, 'edges: src is detached');
      await bad(() => a.edges(new Uint8Array(16), detached(Uint8Array, 16), o), TypeError, 'edges: dst is detached');
      await bad(() => a.weightedMean(detached(Float32Array, 4), new Float32Array(4)), TypeError, 'weightedMean: x is detached');
      await bad(() => a.mandelbrot(detached(Uint32Array, 4), { width: 2, height: 2, step: 1 }), TypeError, 'mandelbrot: iters is detached');
    });

    test('freed views and views of the heap made by hand', async () => {
      const a = api();
      const v = a.alloc(16);
      a.free(v);
      await bad(() => a.edges(v, new Uint8Array(16), { width: 2, height: 2 }), RangeError, 'edges: src is a view of memory that was freed');
      const live = a.alloc(16);
      const byHand = new Uint8Array(live.buffer, live.byteOffset, 16);
      await bad(() => a.edges(byHand, new Uint8Array(16), { width: 2, height: 2 }), RangeError,
        'edges: src is a view of parawasm\'s memory that alloc() did not make');
      a.free(live);
    });

    test('foreign views (another pool\'s memory, a SharedArrayBuffer, a pooled Buffer) are copied and work', async () => {
      const a = api();
      const [w, h] = [6, 5];
      const bytes = randomBytes(w * h * 4, 21);
      const want = edgesRef(bytes, w, h);
      const fromOther = other.alloc(w * h * 4);
      fromOther.set(bytes);
      const sab = new Uint8Array(new SharedArrayBuffer(w * h * 4));
      const out = other.alloc(w * h * 4);
      await a.edges(fromOther, sab, { width: w, height: h });
      assert.deepEqual(new Uint8Array(sab), want);
      const buf = Buffer.from(bytes); // a slice of Node's shared Buffer pool, at an offset
      await a.edges(buf, out, { width: w, height: h });
      assert.deepEqual(new Uint8Array(out), want);
      other.free(fromOther);
      other.free(out);
    });

    test('weightedMean: wrong types and lengths', async () => {
      const a = api();
      const x = new Float32Array(4);
      await bad(() => a.weightedMean(new Float64Array(4), x), TypeError, 'weightedMean: x must be a Float32Array', 'Float64Array');
      await bad(() => a.weightedMean(x, new Uint8Array(16)), TypeError, 'weightedMean: w must be a Float32Array');
      await bad(() => a.weightedMean(x), TypeError, 'weightedMean: w is required');
      await bad(() => a.weightedMean(x, 1), TypeError, 'weightedMean: w must be a Float32Array', 'number 1');
      await bad(() => a.weightedMean(x, new Float32Array(5)), RangeError, 'weightedMean: w has 5 elements but x has 4');
      await bad(() => a.weightedMean(x, x, { grain: 4 }), TypeError, 'weightedMean: unknown option "grain"');
    });

    test('mandelbrot: wrong types, sizes and ranges', async () => {
      const a = api();
      const it = new Uint32Array(4);
      const o = { width: 2, height: 2, step: 0.5 };
      await bad(() => a.mandelbrot(new Int32Array(4), o), TypeError, 'mandelbrot: iters must be a Uint32Array', 'Int32Array');
      await bad(() => a.mandelbrot(new Uint8Array(16), o), TypeError, 'mandelbrot: iters must be a Uint32Array');
      await bad(() => a.mandelbrot(new Uint32Array(5), o), RangeError, 'mandelbrot: iters must have 4 elements (width * height) (got 5)');
      await bad(() => a.mandelbrot(it, { width: 2, height: 2 }), TypeError, 'mandelbrot: options.step is required');
      for (const step of [0, -1, NaN, Infinity]) {
        await bad(() => a.mandelbrot(it, { ...o, step }), RangeError, 'mandelbrot: options.step must be from');
      }
      await bad(() => a.mandelbrot(it, { ...o, x0: '0' }), TypeError, 'mandelbrot: options.x0 must be a number');
      await bad(() => a.mandelbrot(it, { ...o, maxIter: 0 }), RangeError, 'mandelbrot: options.maxIter must be from 1');
      await bad(() => a.mandelbrot(it, { ...o, maxIter: 2 ** 32 }), RangeError, 'options.maxIter');
      await bad(() => a.mandelbrot(it, { ...o, max_iter: 5 }), TypeError, 'unknown option "max_iter"', 'maxIter');
    });

    test('alloc, view and free (synchronous: they throw)', async () => {
      const a = api();
      const bad = (fn, Ctor, ...f) => fails('sync', fn, Ctor, ...f);
      await bad(() => a.alloc(-1), RangeError, 'alloc: bytes');
      await bad(() => a.alloc('16'), TypeError, 'alloc: bytes must be a number');
      await bad(() => a.alloc(6, Uint32Array), RangeError, 'alloc: bytes must be a multiple of 4 for Uint32Array');
      await bad(() => a.alloc(8, Array), TypeError, 'alloc: the second argument must be a TypedArray constructor');
      await bad(() => a.alloc(2 ** 32), RangeError, 'alloc: bytes');
      await bad(() => a.alloc(2 ** 32 - 16), RangeError, 'cannot allocate');
      const v = a.alloc(64);
      await bad(() => a.view(new Uint8Array(4)), TypeError, 'view: the first argument is not a view from alloc()');
      await bad(() => a.view(v, Float64Array, 4), RangeError, 'not a multiple of 8');
      await bad(() => a.view(v, Uint8Array, 65), RangeError, 'view: byteOffset');
      const f = a.view(v, Float32Array, 16, 4);
      assert.equal(f.length, 4);
      await bad(() => a.free(v.subarray(4)), TypeError, 'free: view is a part of a block');
      await bad(() => a.free(new Uint8Array(64)), TypeError, 'free: view was not returned by alloc() of this');
      await bad(() => a.free(other.alloc(8)), TypeError, 'free: view was not returned by alloc() of this');
      await bad(() => a.free('x'), TypeError, 'free: view must be a TypedArray or DataView');
      a.free(v);
      await bad(() => a.free(v), TypeError, 'free: view was already freed');
    });

    test('still computes the right results after all of the above', async () => {
      await stillWorks(api());
    });
  });
}

describe('loadCore and createPool options', () => {
  test('typed errors naming the option', async () => {
    await fails('pool', () => loadCore({ threads: 2 }), TypeError, 'loadCore: unknown option "threads"');
    await fails('pool', () => loadCore('fast'), TypeError, 'loadCore: options must be an object');
    await fails('pool', () => createPool({ threads: 0 }), RangeError, 'createPool: options.threads must be an integer from 1 to 256');
    await fails('pool', () => createPool({ threads: 1.5 }), RangeError, 'createPool: options.threads');
    await fails('pool', () => createPool({ threads: '2' }), TypeError, 'createPool: options.threads must be a number');
    await fails('pool', () => createPool({ spin: -1 }), RangeError, 'createPool: options.spin');
    await fails('pool', () => createPool({ fallback: 'no' }), TypeError, 'createPool: options.fallback must be a boolean');
    await fails('pool', () => createPool({ thread: 2 }), TypeError, 'createPool: unknown option "thread"');
  });
});

describe('pool: signals and destroy', () => {
  test('an AbortSignal that is not one, an aborted one', async () => {
    const it = new Uint32Array(4);
    await fails('pool', () => pool.mandelbrot(it, { width: 2, height: 2, step: 1, signal: {} }), TypeError,
      'mandelbrot: options.signal must be an AbortSignal');
    const ac = new AbortController();
    ac.abort();
    await fails('pool', () => pool.mandelbrot(it, { width: 2, height: 2, step: 1, signal: ac.signal }), AbortError);
    await stillWorks(pool);
  });

  test('a destroyed pool rejects calls with PoolDestroyedError; a new one works', async () => {
    const p = await createPool({ threads: 1 });
    await p.destroy();
    await fails('pool', () => p.weightedMean(new Float32Array(1), new Float32Array(1)), PoolDestroyedError);
    await assert.rejects(p.edges(new Uint8Array(4), new Uint8Array(4), { width: 1, height: 1 }), ParawasmError);
    const q = await createPool({ threads: 2 });
    await stillWorks(q);
    await q.destroy();
  });
});
