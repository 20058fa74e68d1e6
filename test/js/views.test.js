// A view's identity is its allocation (README, Memory), at the edges a
// review of the memory layer found: free() takes only a view of a whole
// block, never a part that starts where its block starts; view() of a
// detached view says it is detached; a copy of a shared memory's buffer
// (structuredClone, postMessage) is that memory, so views of it are
// refused as views built by hand and never written through; after
// destroy() free() still checks its argument and inHeap() says the pool
// is gone; invoke() names its arguments.
//
//   node --test test/js/views.test.js
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import zlib from 'node:zlib';

import { createPool, loadCore } from '../../pkg/index.js';
import { runNode } from './helpers/pool-test-utils.js';

const PKG = JSON.stringify(new URL('../../pkg/index.js', import.meta.url).href);
const PRELOAD = new URL('../runtimes/no-sab-preload.mjs', import.meta.url).pathname;
const isType = (re) => (e) => e instanceof TypeError && e.code === 'ERR_INVALID_ARG_TYPE' && re.test(e.message);
const isHandMade = (re) => (e) => e instanceof RangeError && e.code === 'ERR_OUT_OF_RANGE' && re.test(e.message) && /did not make/.test(e.message);

let core;
let pool;
before(async () => {
  core = await loadCore();
  pool = await createPool({ threads: 2 });
});
after(() => pool?.destroy());

test('free(): a view of part of a block is refused, wherever it starts; a view of the whole block frees it', async () => {
  for (const api of [core, pool]) {
    const b = api.alloc(64);
    b.fill(7);
    for (const part of [b.subarray(0, 4), b.subarray(0, 63), b.subarray(1), api.view(b, Uint8Array, 0, 8), api.view(b, Uint32Array, 0, 15)]) {
      assert.throws(() => api.free(part), isType(/^free: view is a part of a block/));
    }
    assert.equal(await api.crc32(b), zlib.crc32(new Uint8Array(64).fill(7)), 'the block survived');
    // another view of the whole block (of another type) frees it
    const whole = api.view(b, Float64Array);
    api.free(whole);
    assert.throws(() => api.free(b), isType(/^free: view was already freed/));
    // an empty block: its view and an empty subarray of it are whole
    const z = api.alloc(0);
    api.free(z.subarray(0, 0));
    assert.throws(() => api.free(z), isType(/already freed/));
  }
});

test('view(of, Ctor, byteOffset, length): counts from of (a part of a block too); the rest must be whole elements unless a length is given', async () => {
  // a default length over 63 bytes as a Float32Array had left 3 bytes out
  // without a word, and the view was then "a part of a block" to free()
  const isRange = (re) => (e) => e instanceof RangeError && re.test(e.message);
  for (const api of [core, pool]) {
    const b = api.alloc(64);
    for (let i = 0; i < 64; i++) b[i] = i;
    assert.deepEqual([...api.view(b.subarray(8, 16))], [8, 9, 10, 11, 12, 13, 14, 15], 'the bytes of the part given');
    assert.deepEqual([...api.view(b.subarray(8, 16), Uint8Array, 2, 3)], [10, 11, 12], 'offset and length from the part');
    const odd = api.alloc(63);
    assert.throws(() => api.view(odd, Float32Array), isRange(/^view: the 63 bytes from byteOffset are not a whole number of Float32Array elements \(4 bytes each\); give a length$/));
    assert.throws(() => api.view(b.subarray(0, 60), Float64Array), isRange(/not a whole number of Float64Array/));
    assert.equal(api.view(b, Float64Array, 24).length, 5, 'the 40 bytes after 24: five doubles');
    assert.equal(api.view(odd, Float32Array, 0, 15).length, 15, 'with a length: as many as asked');
    assert.equal(api.view(odd, Float32Array, 4, 14).length, 14);
    api.free(odd);
    api.free(b);
  }
});

test('a copy of the shared memory\'s buffer (structuredClone) is the memory: its views are refused as built by hand, and a block reused since is not written', async () => {
  for (const api of [pool, core]) {
    if (!api.isShared) continue;
    const v = api.alloc(64);
    v.fill(0x61); // 'a'
    const alias = structuredClone(v); // a Uint8Array over a new SharedArrayBuffer object of the same memory
    assert.ok(alias.buffer instanceof SharedArrayBuffer);
    assert.notEqual(alias.buffer, v.buffer);
    assert.throws(() => api.inHeap(alias), isHandMade(/^inHeap: view/));
    api.free(v);
    const w = api.alloc(64); // (in the freed block's place, as allocators do)
    w.fill(0x77); // 'w'
    const upper = async () => api.asciiUpper(alias);
    await assert.rejects(upper, isHandMade(/asciiUpper: data/));
    await assert.rejects(async () => api.crc32(alias), isHandMade(/crc32: data/));
    assert.ok(w.every((c) => c === 0x77), 'the live block is untouched');
    // a SharedArrayBuffer of its own is foreign: copied in as any other view
    const own = new Uint8Array(new SharedArrayBuffer(64)).fill(0x61);
    assert.equal(await api.asciiUpper(own), 64);
    assert.ok(own.every((c) => c === 0x41));
    assert.equal(api.inHeap(own), false);
    api.free(w);
  }
});

test('after destroy(): free() checks its argument as before and gives nothing back; inHeap() is the pool\'s error', async () => {
  const p = await createPool({ threads: 1 });
  const v = p.alloc(16);
  const part = v.subarray(4);
  await p.destroy();
  for (const bad of ['garbage', undefined, new Uint8Array(4), part]) assert.throws(() => p.free(bad), TypeError);
  p.free(v);
  assert.throws(() => p.free(v), isType(/already freed/));
  assert.throws(() => p.inHeap(v), (e) => e.code === 'ERR_PW_POOL_DESTROYED');
});

test('invoke(): a name that is no string and args that are no array are TypeErrors naming them', async () => {
  for (const api of [core, pool]) {
    const run = async (...a) => api.invoke(...a);
    for (const args of [undefined, null, 5, '123456789', { 0: 1, length: 1 }]) {
      await assert.rejects(run('crc32', args), isType(/^invoke: args must be an array/));
    }
    await assert.rejects(run(7, []), isType(/^invoke: name must be/));
    assert.equal(await api.invoke('crc32', [Uint8Array.of(1, 2, 3)]), zlib.crc32(Uint8Array.of(1, 2, 3)));
  }
});

test('a core without shared memory: a view its heap\'s growth detached gives its block back through view() (a part of a block is a TypeError saying so, and is not freed as its block)', async () => {
  const r = await runNode(`
    import { loadCore } from ${PKG};
    const core = await loadCore();
    const out = { isShared: core.isShared };
    const v = core.alloc(1024);
    v.fill(7);
    const part = v.subarray(16);
    core.alloc(128 << 20); // grows the heap: v and part are detached
    const err = (f) => { try { f(); return 'no error'; } catch (e) { return e.constructor.name + ' ' + e.message.slice(0, 41); } };
    out.detached = v.length === 0;
    const again = core.view(v);
    out.view = [again.length, again[0], again[1023]];
    out.viewAt = [...core.view(v, Uint8Array, 8, 2), core.view(v, Float64Array).length];
    out.viewPart = err(() => core.view(part));
    out.freePart = err(() => core.free(part));
    out.free = err(() => core.free(v));
    console.log(JSON.stringify(out));
  `, { args: ['--import', PRELOAD] });
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual({ ...out, viewPart: undefined, freePart: undefined }, {
    isShared: false, detached: true, view: [1024, 7, 7], viewAt: [7, 7, 128], free: 'no error', viewPart: undefined, freePart: undefined,
  });
  assert.match(out.viewPart, /^TypeError view: the first argument \(not a view of i/);
  assert.match(out.freePart, /^TypeError free: view is a part of a block/);
});

test('a core without shared memory: what a call writes in place into alloc() views that its own growth of the heap detached is the caller\'s (sort, sortByKey, a blur into dst); min and kth of a detached view say so', async () => {
  const r = await runNode(`
    import { loadCore } from ${PKG};
    const core = await loadCore();
    const n = 1 << 21;
    const sorted = (a) => { for (let i = 1; i < a.length; i++) if (a[i - 1] > a[i]) return false; return a.length > 0; };
    const out = {};
    // sort: its scratch grows the heap
    const x = core.alloc(n * 8, Float64Array);
    for (let i = 0; i < n; i++) x[i] = Math.sin(i);
    const s = core.array.sort(x);
    out.sort = [x.length === 0, s.length, sorted(s), sorted(core.view(x, Float64Array))];
    // sortByKey: the argsort grows the heap; the gathers write the blocks
    const k0 = core.alloc(n * 4, Int32Array);
    const p0 = core.alloc(n * 8, Float64Array);
    const k = core.view(k0, Int32Array);
    const p = core.view(p0, Float64Array);
    for (let i = 0; i < n; i++) { k[i] = (i * 7919) % 1000; p[i] = i; }
    const order = core.array.sortByKey(k, [p]);
    const K = core.view(k, Int32Array), P = core.view(p, Float64Array);
    let stable = true;
    for (let i = 1; i < n && stable; i++) stable = K[i - 1] < K[i] || (K[i - 1] === K[i] && P[i - 1] < P[i]);
    out.sortByKey = [k.length === 0, order.length, sorted(K), stable, P[0] === order[0]];
    // a float blur's scratch grows the heap: the result's data is dst's block
    // (on a core of its own, whose heap has no room yet)
    const c2 = await loadCore();
    const w = 1500, h = 1000;
    const a = c2.alloc(w * h * 4), b = c2.alloc(w * h * 4);
    const src = c2.view(a), dst = c2.view(b);
    let t = 7;
    for (let i = 0; i < src.length; i++) src[i] = (t = (Math.imul(t, 1664525) + 1013904223) >>> 0) >>> 24;
    const copy = Uint8Array.from(src);
    const before = c2.heapSize;
    const img = c2.image.blur({ data: src, width: w, height: h }, 100, { dst });
    const ref = (await loadCore()).image.blur({ data: copy, width: w, height: h }, 100).data;
    let same = img.data.length === ref.length;
    for (let i = 0; i < ref.length && same; i++) same = img.data[i] === ref[i];
    out.blur = [c2.heapSize > before, dst.length === 0, same];
    const err = (f) => { try { f(); return 'no error'; } catch (e) { return e.constructor.name + ' ' + e.message.slice(0, 25); } };
    out.min = err(() => core.array.min(x));
    out.kth = err(() => core.array.kth(x, 0));
    console.log(JSON.stringify(out));
  `, { args: ['--import', PRELOAD], timeout: 300000 });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), {
    sort: [true, 1 << 21, true, true],
    sortByKey: [true, 1 << 21, true, true, true],
    blur: [true, true, true],
    min: 'TypeError array.min: x is detached:',
    kth: 'TypeError array.kth: x is detached:',
  });
});

test('the fallback pool (no shared memory), after destroy(): free() checks its argument, inHeap() is the pool\'s error; free() takes whole blocks only', async () => {
  const r = await runNode(`
    import { createPool } from ${PKG};
    const pool = await createPool({ threads: 1 });
    const err = (f) => { try { f(); return 'no error'; } catch (e) { return e.constructor.name + ' ' + (e.code ?? ''); } };
    const out = { isShared: pool.isShared };
    const b = pool.alloc(64);
    out.freePart = err(() => pool.free(b.subarray(0, 8)));
    out.freeWhole = err(() => pool.free(pool.view(b, Float64Array)));
    const v = pool.alloc(16);
    await pool.destroy();
    out.garbage = err(() => pool.free('garbage'));
    out.foreign = err(() => pool.free(new Uint8Array(4)));
    out.free = err(() => pool.free(v));
    out.again = err(() => pool.free(v));
    out.inHeap = err(() => pool.inHeap(v));
    console.log(JSON.stringify(out));
  `, { args: ['--import', PRELOAD] });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), {
    isShared: false, freePart: 'TypeError ERR_INVALID_ARG_TYPE', freeWhole: 'no error',
    garbage: 'TypeError ERR_INVALID_ARG_TYPE', foreign: 'TypeError ERR_INVALID_ARG_TYPE', free: 'no error', again: 'TypeError ERR_INVALID_ARG_TYPE',
    inHeap: 'PoolDestroyedError ERR_PW_POOL_DESTROYED',
  });
});
