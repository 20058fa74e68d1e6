// What a caller may do while its calls run, on the threaded pool, the
// fallback pool (a child process without SharedArrayBuffer) and the core:
// an onProgress that throws any value (undefined, null, 0 and '' too)
// makes the call throw or reject with that value; a free() of an input
// or output of a family method of several kernel calls (sortByKey,
// histogram with its default range, decode, decodeMany, chain) takes effect
// when the method ends, which then gives the right result; an abort while
// the fallback pool copies a call's results back writes nothing after the
// call has rejected; a core.free() from onProgress of the block the kernel
// writes returns its memory only when the call ends.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { after, before, test } from 'node:test';

import { createPool, loadCore } from '../../pkg/index.js';
import { runNode } from './helpers/pool-test-utils.js';

const PKG = JSON.stringify(new URL('../../pkg/index.js', import.meta.url).href);
const PRELOAD = new URL('../runtimes/no-sab-preload.mjs', import.meta.url).pathname;

let core;
let pool;
before(async () => {
  core = await loadCore();
  pool = await createPool({ threads: 2 });
});
after(() => pool?.destroy());

/** Runs `body` (the source of an async function of `pool`) on the threaded pool here; its result. */
const onThreaded = (body) => new Function('pool', `return (async () => { ${body} })();`)(pool);

/** Runs `body` (the source of an async function of `pool`) on a fallback pool in a child; its JSON result. */
async function onFallback(body) {
  const r = await runNode(`
    import { createPool, loadCore } from ${PKG};
    import crypto from 'node:crypto';
    const pool = await createPool({ threads: 1 });
    if (pool.isShared) throw new Error('not the fallback pool');
    const out = await (async (pool) => { ${body} })(pool);
    await pool.destroy();
    console.log(JSON.stringify(out));
  `, { args: ['--import', PRELOAD] });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

// ------------------------------------------------------------- onProgress

const THROWN = ['undefined', 'null', '0', "''", 'false'];

test('an onProgress that throws undefined, null, 0, \'\' or false: the call throws (core) or rejects (pools) with that value', async () => {
  const big = new Uint8Array(4 << 20); // sha256 reports progress after each 1 MiB
  const src = `
    const big = new Uint8Array(4 << 20);
    const out = [];
    for (const thrown of [undefined, null, 0, '', false]) {
      out.push(await pool.sha256(big, { onProgress: () => { throw thrown; } }).then(
        (v) => 'resolved ' + typeof v, (e) => (Object.is(e, thrown) ? 'rejected with it' : 'rejected with ' + String(e))));
    }
    return out;`;
  const values = [undefined, null, 0, '', false];
  for (const [i, thrown] of values.entries()) {
    let got = 'returned';
    try {
      core.sha256(big, { onProgress: () => { throw thrown; } });
    } catch (e) {
      got = Object.is(e, thrown) ? 'threw it' : `threw ${String(e)}`;
    }
    assert.equal(got, 'threw it', `core, throw ${THROWN[i]}`);
    const p = await pool.sha256(big, { onProgress: () => { throw thrown; } }).then(
      (v) => `resolved ${typeof v}`, (e) => (Object.is(e, thrown) ? 'rejected with it' : `rejected with ${String(e)}`));
    assert.equal(p, 'rejected with it', `threaded pool, throw ${THROWN[i]}`);
  }
  assert.deepEqual(await onFallback(src), Array(5).fill('rejected with it'), 'fallback pool');
  // the pool and the core work on
  assert.equal(Buffer.from(await pool.sha256(big)).toString('hex'), crypto.createHash('sha256').update(big).digest('hex'));
});

// ------------------------------------------------- free() during a method

/**
 * The source of a check run on a pool (here and in the fallback child):
 * each family method of several calls, its inputs and outputs freed right
 * after the call; the results it gives, compared by the caller.
 */
const FREE_DURING = `
  const out = {};
  const n = 50000;
  const keys = pool.alloc(n * 8, Float64Array);
  for (let i = 0; i < n; i++) keys[i] = (i * 7919) % n;
  const p0 = pool.alloc(n * 4, Int32Array);
  const p1 = pool.alloc(n * 4, Int32Array);
  for (let i = 0; i < n; i++) { p0[i] = keys[i] * 2; p1[i] = keys[i] * 3; }
  const sorted = pool.array.sortByKey(keys, [p0, p1]);
  pool.free(p1); // (its memory goes back when the call ends: its contents are not read after)
  await sorted;
  let ok = true;
  for (let i = 0; i < n; i++) if (keys[i] !== i || p0[i] !== 2 * i) ok = false;
  out.sortByKey = ok;
  const x = pool.alloc(1000 * 8, Float64Array);
  for (let i = 0; i < 1000; i++) x[i] = i % 10;
  const h = pool.array.histogram(x, { bins: 10 }); // the default range: two steps
  pool.free(x);
  out.histogram = Array.from(await h);
  // a PNG in pool memory, decoded (info, then the pixels), and decodeMany, and a chain
  const img = await pool.image.create(3, 2);
  for (let i = 0; i < img.data.length; i++) img.data[i] = (i * 37) & 255;
  const png = await pool.image.encodePng(img);
  pool.image.free(img);
  const file = pool.alloc(png.length);
  file.set(png);
  const d = pool.image.decode(file);
  const many = pool.image.decodeMany([file, file]);
  const chained = pool.image.chain(file).flip().run();
  pool.free(file);
  const pixels = (r) => Array.from(r.data);
  const [one, two, three] = [await d, await many, await chained];
  out.decode = pixels(one);
  out.decodeMany = two.map(pixels);
  out.chain = pixels(three);
  for (const r of [one, ...two, three]) pool.image.free(r);
  // each freed block is freed: a second free() is refused
  out.freedAfter = [p1, x, file].map((v) => { try { pool.free(v); return 'freed again'; } catch (e) { return e.code; } });
  pool.free(keys);
  pool.free(p0);
  return out;`;

test('free() of the inputs of a method of several calls right after the call: it ends with the right result, then the blocks are freed', async () => {
  const want = (() => {
    const rgba = Array.from({ length: 24 }, (_, i) => (i * 37) & 255);
    const flipped = [...rgba.slice(12), ...rgba.slice(0, 12)];
    return {
      sortByKey: true, histogram: Array(10).fill(100), decode: rgba, decodeMany: [rgba, rgba], chain: flipped,
      freedAfter: Array(3).fill('ERR_INVALID_ARG_TYPE'),
    };
  })();
  assert.deepEqual(await onThreaded(FREE_DURING), want, 'threaded pool');
  assert.deepEqual(await onFallback(FREE_DURING), want, 'fallback pool');
});

// --------------------------------------- the fallback pool's copy back

test('fallback pool: an abort while a call\'s results are copied back: nothing is written after the call rejects', async () => {
  const out = await onFallback(`
    const N = 8 << 20; // 64 MiB of doubles: copied back in 8 slices
    const x = new Float64Array(N);
    for (let i = 0; i < N; i++) x[i] = N - i;
    const first = x[0];
    const ac = new AbortController();
    const p = pool.array.sort(x, { signal: ac.signal });
    // the first slice of the copy back changes x[0]: abort then
    await new Promise((resolve) => {
      const tick = () => { if (x[0] !== first) { ac.abort('stop'); resolve(); } else setImmediate(tick); };
      tick();
    });
    const outcome = await p.then(() => 'resolved', (e) => e.name + ' ' + e.cause);
    x.fill(-1); // the caller's array again
    await new Promise((r) => setTimeout(r, 300));
    let changed = 0;
    for (let i = 0; i < N; i++) if (x[i] !== -1) changed++;
    return { outcome, changed };`);
  assert.deepEqual(out, { outcome: 'AbortError stop', changed: 0 });
});

// ------------------------------------------------ core.free() in onProgress

test('core: free() from onProgress of the block the kernel writes returns its memory when the call ends', () => {
  // a picture big enough for a report before the end (at most every 50 ms)
  for (let side = 1000; side <= 8000; side *= 2) {
    const n = side * side * 4;
    const src = core.alloc(n, Uint8ClampedArray);
    for (let i = 0; i < n; i += 4093) src[i] = i & 255;
    const dst = core.alloc(n, Uint8ClampedArray);
    let other = null;
    core.image.convolve({ data: src, width: side, height: side }, new Array(81).fill(1), {
      dst,
      onProgress: (done, total) => {
        if (other !== null || done >= total) return;
        core.free(dst);
        other = core.alloc(n, Uint8ClampedArray); // must not be dst's memory while the kernel writes it
        other.fill(42);
      },
    });
    core.free(src);
    if (other === null) {
      core.free(dst);
      continue; // no report before the end: a bigger picture
    }
    assert.ok(other.every((v) => v === 42), 'the block allocated in onProgress was not written by the kernel');
    core.free(other);
    // dst's memory is back: the heap serves the same size again without growing
    const size = core.heapSize;
    core.free(core.alloc(n));
    assert.equal(core.heapSize, size);
    return;
  }
  assert.fail('no progress report before the end at any size');
});

// ------------------------------------------------- the two pools alike

test('a freed alloc() view given to hashMany or createHash().update() is a RangeError naming it on both pools; heapSize from the start', async () => {
  const src = `
    const out = { heapSize: pool.stats().heapSize };
    const v = pool.alloc(64);
    pool.free(v);
    const named = (e) => e.constructor.name + ' ' + e.code + ' ' + e.message.split(' is a view')[0];
    out.hashMany = await pool.hashMany('crc32', [v]).then(() => 'resolved', named);
    out.hashManySub = await pool.hashMany('crc32', [new Uint8Array(1), v.subarray(4)]).then(() => 'resolved', named);
    try { pool.createHash('md5').update(v); out.update = 'accepted'; } catch (e) { out.update = named(e); }
    return out;`;
  const want = {
    hashMany: 'RangeError ERR_OUT_OF_RANGE hashMany: views[0]',
    hashManySub: 'RangeError ERR_OUT_OF_RANGE hashMany: views[1]',
    update: 'RangeError ERR_OUT_OF_RANGE md5.update: data',
  };
  const shared = await onThreaded(src);
  const fallback = await onFallback(src);
  assert.ok(shared.heapSize > 0 && fallback.heapSize > 0, `heapSize before any call: ${shared.heapSize}, ${fallback.heapSize}`);
  delete shared.heapSize;
  delete fallback.heapSize;
  assert.deepEqual(shared, want, 'threaded pool');
  assert.deepEqual(fallback, want, 'fallback pool');
});

test('a caller\'s view detached (transferred) while its call runs: a TypeError naming it on both pools, never the engine\'s uncoded error', async () => {
  // a blur long enough that the transfer comes before the kernel ends (a
  // call that ended first, on a machine that stopped this thread for that
  // long, resolves: its result was written before the transfer)
  const src = `
    const named = (e) => e.constructor.name + ' ' + e.code + ' ' + e.message.split(' is detached')[0];
    const out = {};
    const W = 1200;
    const img = { data: new Uint8ClampedArray(W * W * 4).fill(9), width: W, height: W };
    const dst = new Uint8ClampedArray(W * W * 4);
    const p = pool.image.blur(img, 12, { dst });
    structuredClone(dst.buffer, { transfer: [dst.buffer] });
    out.dst = await p.then(() => 'resolved', named);
    const x = new Float64Array(1 << 20).map((_, i) => (i * 7919) % 1000);
    const q = pool.array.sort(x);
    structuredClone(x.buffer, { transfer: [x.buffer] });
    out.x = await q.then(() => 'resolved', named);
    out.after = Array.from(await pool.array.sort(Float64Array.of(3, 1, 2)));
    return out;`;
  const want = { dst: 'TypeError ERR_INVALID_ARG_TYPE image.blur: dst', x: 'TypeError ERR_INVALID_ARG_TYPE array.sort: x', after: [1, 2, 3] };
  const shared = await onThreaded(src);
  for (const k of ['dst', 'x']) if (shared[k] === 'resolved') shared[k] = want[k]; // (ended before the transfer)
  assert.deepEqual(shared, want, 'threaded pool');
  assert.deepEqual(await onFallback(src), want, 'fallback pool');
});

test('an alloc() view of another heap freed, or a resizable buffer shrunk, while a pool call writes it: an error naming it, nothing written, on both pools', async () => {
  // (a call whose results were copied back before the free or the shrink,
  // a thread having ended it while this one was still in the call, as a
  // pause of this thread allows, resolves: nothing was written after)
  const src = `
    const named = (e) => e.constructor.name + ' ' + e.code + ' ' + e.message.split(' is ')[0].split(' shrank')[0];
    const out = {};
    const { loadCore } = await import(${PKG});
    const core = await loadCore();
    const other = await createPool({ threads: 1 });
    const n = 1 << 18;
    for (const [name, heap] of [['core', core], ['other pool', other]]) {
      const x = heap.alloc(n * 8, Float64Array);
      for (let i = 0; i < n; i++) x[i] = n - i;
      const sorting = pool.array.sort(x);
      const sortedAlready = x[0] === 1;
      heap.free(x);
      const y = heap.alloc(n * 8, Float64Array).fill(-1); // (likely where x was)
      out[name + ' sort'] = await sorting.then(() => (sortedAlready ? 'copied back before' : 'resolved'), named);
      const img = heap.alloc(1024 * 1024 * 4, Uint8ClampedArray).fill(7);
      const inverting = pool.image.invert({ data: img, width: 1024, height: 1024 }, { dst: img });
      const invertedAlready = img[0] === 248;
      heap.free(img);
      const z = heap.alloc(1024 * 1024 * 4, Uint8ClampedArray).fill(1);
      out[name + ' invert'] = await inverting.then(() => (invertedAlready ? 'copied back before' : 'resolved'), named);
      out[name + ' untouched'] = y.every((v) => v === -1) && z.every((v) => v === 1);
      heap.free(y);
      heap.free(z);
    }
    await other.destroy();
    const ab = new ArrayBuffer(n * 8, { maxByteLength: n * 8 });
    const fixed = new Float64Array(ab, 0, n);
    for (let i = 0; i < n; i++) fixed[i] = n - i;
    const p1 = pool.array.sort(fixed);
    const fixedAlready = fixed[0] === 1;
    ab.resize(16);
    out.fixed = await p1.then(() => (fixedAlready ? 'copied back before' : 'resolved'), named);
    const ab2 = new ArrayBuffer(n * 8, { maxByteLength: n * 8 });
    const tracking = new Float64Array(ab2);
    for (let i = 0; i < n; i++) tracking[i] = n - i;
    const p2 = pool.array.sort(tracking);
    const trackingAlready = tracking[0] === 1;
    ab2.resize(16);
    out.tracking = await p2.then(() => (trackingAlready ? 'copied back before' : 'resolved'), named);
    const keys = Float64Array.from({ length: 1000 }, (_, i) => 1000 - i);
    const pay = new Int32Array(1000);
    const p3 = pool.array.sortByKey(keys, [new Float64Array(1000), pay]);
    structuredClone(pay.buffer, { transfer: [pay.buffer] });
    out.sortByKey = await p3.then(() => 'resolved', named);
    out.keysAsTheyWere = keys[0] === 1000;
    out.after = Array.from(await pool.array.sort(Float64Array.of(3, 1, 2)));
    return out;`;
  const freed = (what) => `RangeError ERR_OUT_OF_RANGE ${what}`;
  const want = {
    'core sort': freed('array.sort: x'), 'core invert': freed('image.invert: dst'), 'core untouched': true,
    'other pool sort': freed('array.sort: x'), 'other pool invert': freed('image.invert: dst'), 'other pool untouched': true,
    fixed: 'TypeError ERR_INVALID_ARG_TYPE array.sort: x',
    tracking: 'TypeError ERR_INVALID_ARG_TYPE array.sort: x',
    sortByKey: 'TypeError ERR_INVALID_ARG_TYPE array.sortByKey: payloads[1]',
    keysAsTheyWere: true,
    after: [1, 2, 3],
  };
  const got = await new Function('pool', 'createPool', `return (async () => { ${src} })();`)(pool, createPool);
  for (const k of Object.keys(got)) if (got[k] === 'copied back before') got[k] = want[k];
  assert.deepEqual(got, want, 'threaded pool');
  // the fallback pool copies its results back in slices: a view shrunk before them crashed the pool
  assert.deepEqual(await onFallback(src), want, 'fallback pool');
});

test('arguments a method of several calls cannot read (a throwing getter, a revoked Proxy): a rejected promise, never a synchronous throw', async () => {
  const keys = new Float64Array([3, 1, 2]);
  const payloads = [new Int32Array(3)];
  Object.defineProperty(payloads, 0, { get() { throw new Error('getter ran'); } });
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  for (const [what, call] of [
    ['sortByKey(keys, [a throwing getter])', () => pool.array.sortByKey(keys, payloads)],
    ['sortByKey(keys, a revoked Proxy)', () => pool.array.sortByKey(keys, proxy)],
    ['image.decodeMany(a revoked Proxy)', () => pool.image.decodeMany(proxy)],
  ]) {
    let p;
    assert.doesNotThrow(() => { p = call(); }, what);
    await assert.rejects(p, Error, what);
  }
});

test('a file given as the ArrayBuffer of an alloc() block is refused as a view built by hand, on both pools', async () => {
  const src = `
    const img = await pool.image.create(3, 2);
    const png = await pool.image.encodePng(img);
    pool.image.free(img);
    const file = pool.alloc(png.length);
    file.set(png);
    const got = [];
    for (const p of [pool.image.decode(file.buffer), pool.image.decodeMany([file.buffer])]) {
      got.push(await p.then((r) => r.width + 'x' + r.height, (e) => e.constructor.name + ' ' + / alloc\\(\\) did not make/.test(e.message)));
    }
    got.push(await pool.image.decode(file).then((r) => r.width + 'x' + r.height));
    pool.free(file);
    return got;`;
  const want = ['RangeError true', 'RangeError true', '3x2'];
  assert.deepEqual(await onThreaded(src), want, 'threaded pool');
  assert.deepEqual(await onFallback(src), want, 'fallback pool');
});

test('fallback pool: a second written buffer transferred while the first is copied back: that call rejects naming it, and the pool lives', async () => {
  // a kernel of two written buffers (an SDK kernel's PW_OUT a, PW_OUT b):
  // its answer from the worker given to the pool as the worker would give it
  const out = await onFallback(`
    const a = new Uint8Array(20 << 20);
    const b = new Uint8Array(64);
    const spec = { label: 'my.twoOuts', params: [{ kind: 'out', label: 'my.twoOuts: a' }, { kind: 'out', label: 'my.twoOuts: b' }] };
    const p = new Promise((resolve, reject) => {
      pool.$current = { spec, values: [a, b], out: null, settled: false, sent: true, resolve, reject, signal: undefined, abortRequested: false };
    });
    setTimeout(() => structuredClone(b.buffer, { transfer: [b.buffer] }), 0); // while a's 20 MiB are copied in slices
    pool.$onMessage({ heapSize: 1 << 24, args: [new ArrayBuffer(20 << 20), new ArrayBuffer(64)], value: undefined });
    const r = await p.then(() => 'resolved', (e) => e.constructor.name + ' ' + e.code + ' ' + e.message.split(' is detached')[0]);
    return [r, pool.state, (await pool.crc32(new Uint8Array(3))) >>> 0];`);
  assert.deepEqual(out, ['TypeError ERR_INVALID_ARG_TYPE my.twoOuts: b', 'ready', zlib.crc32(new Uint8Array(3))]);
});

test('a view built by hand over an alloc() block, a freed block\'s view, free() of a subarray: the same errors on both pools', async () => {
  const src = `
    const msg = (f) => { try { const r = f(); return r instanceof Promise ? r.then(() => 'ok', (e) => e.constructor.name + ': ' + e.message) : 'ok'; } catch (e) { return e.constructor.name + ': ' + e.message; } };
    const a = pool.alloc(64);
    const hand = new Uint8Array(a.buffer, a.byteOffset + 8, 16);
    const out = {};
    out.kernel = await msg(() => pool.crc32(hand));
    out.inHeap = await msg(() => pool.inHeap(hand));
    out.hashMany = await msg(() => pool.hashMany('crc32', [hand]));
    out.freeSub = await msg(() => pool.free(a.subarray(4)));
    out.viewOfString = await msg(() => pool.view('abc'));
    out.viewOfPlain = await msg(() => pool.view(new Uint8Array(4)));
    out.misaligned = await msg(() => pool.view(a, Float64Array, 4));
    out.subarrayKernel = (await pool.crc32(a.subarray(8, 24))) === (await pool.crc32(new Uint8Array(16)));
    pool.free(a);
    out.freedKernel = await msg(() => pool.crc32(a));
    out.freedView = await msg(() => pool.view(a));
    out.freeAgain = await msg(() => pool.free(a));
    return out;`;
  const shared = await onThreaded(src);
  assert.match(shared.kernel, /^RangeError: crc32: data is a view of parawasm's memory that alloc\(\) did not make/);
  assert.match(shared.freedKernel, /^RangeError: crc32: data is a view of memory that was freed/);
  assert.equal(shared.subarrayKernel, true);
  assert.deepEqual(await onFallback(src), shared, 'the fallback pool as the threaded one');
});

test('pool.image.invert into dst called again from a getter of its own source view: both calls give their own results', async () => {
  // (a same-size operation's direct call reuses its options object; a call
  // made while one is being made must not change the first one's)
  const small = { data: Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) => i), width: 2, height: 3 };
  const inners = []; // a call at every read of the getter, the outer call's checks' included
  class Sneaky extends Uint8Array {}
  Object.defineProperty(Sneaky.prototype, 'constructor', {
    get() {
      if (inners.length < 20) {
        const smallDst = new Uint8Array(2 * 3 * 4);
        inners.push([smallDst, pool.image.invert(small, { dst: smallDst })]);
      }
      return Uint8Array;
    },
  });
  // (over 16 KiB: the generic path, whose checks read the options after the getter has run)
  const src = new Sneaky(80 * 60 * 4);
  for (let i = 0; i < src.length; i++) src[i] = (i * 7) & 255;
  const dst = new Uint8Array(80 * 60 * 4);
  const outer = await pool.image.invert({ data: src, width: 80, height: 60 }, { dst });
  assert.ok(inners.length > 1, `the getter ran ${inners.length} times`);
  assert.deepEqual([outer.width, outer.height], [80, 60]);
  assert.deepEqual(Array.from(dst), Array.from(src, (v, i) => (i % 4 === 3 ? v : 255 - v)));
  for (const [smallDst, p] of inners) {
    const got = await p;
    assert.deepEqual([got.width, got.height], [2, 3]);
    assert.deepEqual(Array.from(smallDst), Array.from(small.data, (v, i) => (i % 4 === 3 ? v : 255 - v)));
  }
});

test('a kernel that traps or calls exit(): ERR_PW_TRAP with the engine\'s RuntimeError as its cause on the core and the fallback pool, which lives on', async () => {
  const TESTPKG = JSON.stringify(new URL('../../build/testpkg/index.js', import.meta.url).href);
  const r = await runNode(`
    import { createPool, loadCore } from ${TESTPKG};
    const pool = await createPool({ threads: 1 });
    if (pool.isShared) throw new Error('not the fallback pool');
    const core = await loadCore();
    const out = [];
    for (const kind of [0, 4]) {
      try { core.testTrap(kind); out.push('returned'); } catch (e) { out.push(['core', e.code, e.cause?.constructor?.name]); }
      out.push(await pool.testTrap(kind).then(() => 'resolved', (e) => ['fallback', e.code, e.cause?.constructor?.name, e.cause instanceof WebAssembly.RuntimeError]));
    }
    out.push(await pool.testNoop().then(() => 'lives', (e) => e.code));
    await pool.destroy();
    console.log(JSON.stringify(out));
  `, { args: ['--import', PRELOAD] });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout.trim().split('\n').pop()), [
    ['core', 'ERR_PW_TRAP', 'RuntimeError'], ['fallback', 'ERR_PW_TRAP', 'RuntimeError', true],
    ['core', 'ERR_PW_TRAP', 'RuntimeError'], ['fallback', 'ERR_PW_TRAP', 'RuntimeError', true], 'lives']);
});
