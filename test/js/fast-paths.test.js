// The generated fast paths (gen/kernels.js, FAST_CORE and FAST_POOL) against
// the generic path (js/runtime/bind.js), which is the reference: the same
// values and the same errors for every kernel that has a fast path, on the
// core and the pool, for views of alloc() blocks (in place) and small
// foreign views (copied into scratch). A call whose options object names a
// call option (`onProgress`, even undefined) takes the generic path, so
// `f(...args)` and `f(...args, { onProgress: undefined })` compare the two
// (forced(); an options object of the kernel's own options takes the fast
// path); whether a call really took the fast path is seen by counting the
// calls that reach the generic path (Core/Pool.prototype.call).
//
// Then what only the pool's fast path has: slots reused by bursts larger
// than the task table (the rest queue on the generic path, in order),
// alloc() blocks pinned while a fast call is queued (free() waits for it),
// a kernel's error status, and destroy() with fast calls in flight.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { after, before, describe, test } from 'node:test';

import { PoolDestroyedError, createPool, loadCore } from '../../build/testpkg/index.js';
import * as gen from '../../build/testpkg/gen/kernels.js';
import { FAMILIES } from '../../js/tools/families.mjs';
import { HANG_MS, holdThreads, newGate, until } from '../lib/hold.js';

const label = (k) => (k.ns ? `${k.ns}.${k.name}` : k.name);
// namespaces whose methods a family's JS wraps (image, array) are reached
// through the family, which its own tests cover
const OWNED = new Set(Object.values(FAMILIES).map((f) => f.js?.namespace).filter(Boolean));
const fastNames = (list) => gen.KERNELS.filter((k, i) => list[i] && !k.internal && !OWNED.has(k.ns)).map(label);

// One call per kernel with a fast path, made with `mk(bytes)` (a view of
// `bytes` bytes: alloc() or foreign), and how the result is compared.
function callsFor(mk, typed = (v, Ctor, n) => new Ctor(v.buffer, v.byteOffset, n)) {
  const bytes = (n, seed) => {
    const v = mk(n);
    for (let i = 0; i < n; i++) v[i] = (i * 131 + seed * 7 + (i >> 3)) & 0xff;
    return v;
  };
  const u32s = (n) => {
    const v = mk(4 * n);
    const w = typed(v, Uint32Array, n);
    for (let i = 0; i < n; i++) w[i] = (i * 2654435761) >>> 0;
    return w;
  };
  const f64s = (n) => {
    const v = mk(8 * n);
    const w = typed(v, Float64Array, n);
    for (let i = 0; i < n; i++) w[i] = Math.sin(i) * 1e3;
    return w;
  };
  const d = bytes(100, 1);
  return [
    ['crc32', [d]], ['crc32', [d, 12345]], ['crc32c', [d]], ['adler32', [d]], ['adler32', [d, 7]],
    ['crc32Combine', [0x12345678, 0x9abcdef0, 1000]], ['crc32cCombine', [1, 2, 3]], ['adler32Combine', [5, 9, 100]],
    ['xxh32', [d]], ['xxh32', [d, 99]], ['xxh64', [d]], ['xxh64', [d, 2 ** 40]], ['xxh3', [d]], ['xxh128', [d]],
    // 64-bit parameters as bigints, to their ends (written whole)
    ['xxh64', [d, 2n ** 63n + 5n]], ['xxh64', [d, 2n ** 64n - 1n]], ['xxh3', [d, 7n]], ['xxh128', [d, 2n ** 64n - 2n]],
    ['testScalars', [-5, 65535, -7, 2n ** 64n - 1n, -(2n ** 63n), 1.5, 2.25, true]], ['testScalars', [1, 2, 3, 0n, 2n ** 63n - 1n, 0, 0, false]],
    ['sha256', [d]], ['sha224', [d]], ['sha1', [d]], ['md5', [d]], ['md5', [bytes(1, 3)]],
    ['testNoop', []], ['testSumU32', [u32s(17)]], ['testChainU32', [u32s(17), 99]], ['testScalars', [-5, 65535, -7, 2 ** 50, -(2 ** 50), 1.5, 2.25, true]],
    ['testU128', [3, 4]], ['run', [20]], ['heap', [7]], ['testRange64', []], ['testRange64', [{ h: 2 ** 53 - 1, g: -(2 ** 53) + 1 }]], ['testPartial', [16]], ['testPartial', [3]], ['testTag', [bytes(4, 2), bytes(20, 5)]], ['testStackTrap', [7, false]],
    ['sdk.minMax', [f64s(9)]],
    // outputs sized by a scalar argument
    ['blake3', [d]], ['blake3', [d, 64]], ['blake3', [d, 0]], ['blake3Keyed', [d, bytes(32, 4)]],
    ['blake3Keyed', [d, bytes(32, 4), 40]], ['blake3DeriveKey', [bytes(11, 6), d, 33]],
    ['testIota', [5]], ['testIota', [0]], ['testIota', [20, 65530]],
    // several outputs of one length (the second and third placed after the first, aligned)
    ['testIota3', [5]], ['testIota3', [0]], ['testIota3', [3, 7]], ['testIota3', [40, 65530]], ['testIota3', [2, 65535]],
    // results the kernel sizes (PW_RESULT): values, a failed kernel's, a size that is no whole number of elements
    ['sdk.distinct', [d]], ['sdk.distinct', [bytes(1, 3)]], ['testResult', [64]], ['testResult', [0]], ['testResult', [1000]],
    ['testResult', [8, true]], ['testResult', [6]],
  ];
}

// args with the call option onProgress (undefined): the generic path's call
function forced(args) {
  const last = args[args.length - 1];
  const plain = last !== null && typeof last === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(last));
  return plain ? [...args.slice(0, -1), { ...last, onProgress: undefined }] : [...args, { onProgress: undefined }];
}

function run(target, name, args) {
  const f = name.split('.').reduce((o, k) => o[k], target);
  try {
    return { value: f.apply(name.includes('.') ? target[name.split('.')[0]] : target, args) };
  } catch (error) {
    return { error };
  }
}

async function settle(r) {
  if (r.error) return r;
  try {
    return { value: await r.value };
  } catch (error) {
    return { error };
  }
}

function same(a, b, what) {
  if (a.error || b.error) {
    assert.ok(a.error && b.error, `${what}: one path threw (${a.error?.message ?? b.error?.message})`);
    assert.equal(a.error.constructor, b.error.constructor, `${what}: error classes`);
    assert.equal(a.error.message, b.error.message, `${what}: error messages`);
    assert.equal(a.error.code, b.error.code, `${what}: error codes`);
    return;
  }
  assert.deepEqual(a.value, b.value, what);
}

// counts the calls that reach the generic path of `target`
/** A describe block's core and pool of 2 threads, handed to `set` before its tests; the pool destroyed after. */
function coreAndPool(set) {
  let pool;
  before(async () => {
    const core = await loadCore();
    pool = await createPool({ threads: 2 });
    set(core, pool);
  });
  after(() => pool.destroy());
}

function countGeneric(target) {
  const counter = { n: 0 };
  for (const m of ['$call', '$callChained']) {
    const orig = target[m];
    if (!orig) continue;
    target[m] = function counted(...a) {
      counter.n++;
      return orig.apply(this, a);
    };
  }
  return counter;
}

function uncount(target) {
  delete target.$call;
  delete target.$callChained;
}

test('every public kernel with a core fast path has a pool fast path too, and the cases tested cover them', () => {
  assert.deepEqual(fastNames(gen.FAST_POOL), fastNames(gen.FAST_CORE));
  const tested = new Set(callsFor((n) => new Uint8Array(n)).map(([n]) => n));
  const untested = fastNames(gen.FAST_POOL).filter((n) => !tested.has(n) &&
    !['testTrap', 'testSpin', 'testHold', 'testScaleF64', 'testAddI32', 'testStatus', 'testGrow', 'testNested',
      'hashInit', 'hashUpdate', 'asciiUpper', 'sdk.scale', 'sdk.fail', 'sdk.count', 'sdk.sumF32Ordered', 'sdk.sum', 'sdk.fill'].includes(n));
  assert.deepEqual(untested, [], 'kernels with a fast path that this test does not call');
});

test('kernels share fast-path code only with kernels of their own name (in a family\'s namespace: of their shape), and each method has its kernel\'s name', async () => {
  // an entry is `(rt) => $FC[k](rt, ...)`: k names the code it runs
  const factoryOf = (f) => /\$F[CP]\[(\d+)\]/.exec(String(f))?.[1];
  for (const list of [gen.FAST_CORE, gen.FAST_POOL]) {
    const byFactory = new Map();
    gen.KERNELS.forEach((k, id) => {
      if (!list[id]) return;
      const f = factoryOf(list[id]);
      assert.ok(f !== undefined, `the fast path of ${k.name} names no factory: ${list[id]}`);
      if (!byFactory.has(f)) byFactory.set(f, new Set());
      byFactory.get(f).add(`${k.ns}.${k.name}`);
    });
    for (const names of byFactory.values()) {
      // the image and array namespaces' kernels may share code across names (bindgen.mjs, WRAPPED)
      const free = [...names].filter((n) => !OWNED.has(n.split('.')[0]));
      assert.ok(free.length === names.size ? names.size === 1 : free.length === 0, `kernels of different names share code: ${[...names]}`);
    }
    // an RGBA kernel and its grey form share code (width * height * 4 and width * height)
    const blurs = ['blur', 'blurGrey'].map((n) => factoryOf(list[gen.KERNELS.findIndex((k) => k.ns === 'image' && k.name === n)]));
    assert.equal(blurs[0], blurs[1], 'image.blur and image.blurGrey: one code');
    // the image and array kernels that need an options object and have a
    // fast path are those their families list
    const needsOptions = (k) => k.params.some((p) => p.option && p.default === undefined);
    for (const ns of ['image', 'array']) {
      assert.deepEqual([...new Set(gen.KERNELS.filter((k, id) => k.ns === ns && needsOptions(k) && list[id]).map((k) => k.name))].sort(),
        [...FAMILIES[ns].js.fast].sort(), ns);
    }
    // the element types of one name do share it (array.sum's differ in
    // the type of the result it reads: 4 codes for 10 types; kth's results
    // of 1 to 8 bytes have one; clamp's lo and hi, integers of any size,
    // Float32 and Float64: 3)
    for (const [name, codes] of [['gather', 1], ['sum', 4], ['kth', 1], ['clamp', 3], ['argsort', 1]]) {
      const ks = gen.KERNELS.filter((k) => k.ns === 'array' && k.name === name && list[k.id]);
      assert.equal(ks.length, 10);
      assert.equal(new Set(ks.map((k) => factoryOf(list[k.id]))).size, codes, `array.${name}: codes for its 10 types`);
    }
  }
  const core = await loadCore();
  for (const n of ['crc32', 'xxh64', 'md5', 'blake3']) assert.equal(core[n].name, n);
});

describe('fast paths agree with the generic path', () => {
  let core;
  let pool;
  coreAndPool((c, p) => { core = c; pool = p; });

  // (Node Buffers: Uint8Arrays of another constructor, copied as they are)
  const foreign = (where) => (where === 'buffer' ? (n) => Buffer.allocUnsafeSlow(n) : (n) => new Uint8Array(n));
  for (const where of ['alloc', 'foreign', 'buffer']) {
    test(`core, ${where} views: values and errors, fast path taken`, () => {
      const blocks = [];
      const mk = where === 'alloc' ? (n) => { const v = core.alloc(Math.max(n, 8)).subarray(0, n); blocks.push(v); return v; } : foreign(where);
      const counter = countGeneric(core);
      try {
        for (const [name, args] of callsFor(mk, where === 'alloc' ? (v, C, n) => core.view(v, C, 0, n) : undefined)) {
          const before = counter.n;
          const fast = run(core, name, args);
          assert.equal(counter.n, before, `${name}: took the fast path`);
          const generic = run(core, name, forced(args));
          assert.equal(counter.n, before + 1, `${name} with onProgress: took the generic path`);
          same(fast, generic, `core.${name}`);
        }
      } finally {
        uncount(core);
      }
    });

    test(`pool, ${where} views: values and errors, fast path taken`, async () => {
      const mk = where === 'alloc' ? (n) => pool.alloc(Math.max(n, 8)).subarray(0, n) : foreign(where);
      const counter = countGeneric(pool);
      try {
        for (const [name, args] of callsFor(mk, where === 'alloc' ? (v, C, n) => pool.view(v, C, 0, n) : undefined)) {
          const before = counter.n;
          const fast = await settle(run(pool, name, args));
          assert.equal(counter.n, before, `${name}: took the fast path`);
          const generic = await settle(run(pool, name, forced(args)));
          assert.equal(counter.n, before + 1, `${name} with onProgress: took the generic path`);
          same(fast, generic, `pool.${name}`);
          same(fast, run(core, name, args), `pool.${name} and core.${name}`);
        }
      } finally {
        uncount(pool);
      }
    });
  }

  test('the values equal independent references (zlib, crypto)', async () => {
    const d = crypto.randomBytes(300);
    const v = pool.alloc(300);
    v.set(d);
    assert.equal(await pool.crc32(v), zlib.crc32(d));
    assert.equal(await pool.crc32(d), zlib.crc32(d));
    assert.equal(core.crc32(d), zlib.crc32(d));
    for (const alg of ['sha256', 'sha1', 'md5']) {
      const want = crypto.createHash(alg).update(d).digest('hex');
      assert.equal(Buffer.from(await pool[alg](v)).toString('hex'), want, alg);
      assert.equal(Buffer.from(await pool[alg](d)).toString('hex'), want, alg);
      assert.equal(Buffer.from(core[alg](d)).toString('hex'), want, alg);
    }
    pool.free(v);
  });

  test('options objects of the kernel\'s own options take the fast path: the same values and errors', async () => {
    // [name, args, fast?]: an options object with only the kernel's
    // PW_OPTION names (and out) is the fast path's; a call option, an
    // unknown name, a required option missing or a value out of range
    // goes the generic way, which gives the error
    const cases = (t) => {
      const f32 = t.alloc(7 * 4, Float32Array);
      f32.set([1, -2.5, 3, 4.25, -5, 6, 0.125]);
      const out = t.alloc(7 * 4, Float32Array);
      const d = t.alloc(100);
      for (let i = 0; i < 100; i++) d[i] = (i * 37) & 0xff;
      return [
        ['sdk.fill', [t.alloc(2 * 3 * 4), { width: 2, height: 3 }], true],
        ['sdk.fill', [t.alloc(2 * 3 * 2), { width: 2, height: 3, channels: 2 }], true],
        ['sdk.fill', [t.alloc(2 * 3 * 2), { height: 3, width: 2, channels: 2 }], true],
        ['sdk.fill', [t.alloc(6), { width: 2, height: 3, channels: undefined }], false], // 6 bytes, not 24: the generic error
        ['sdk.fill', [t.alloc(24), { width: 2, height: 3, channels: undefined }], true],
        ['sdk.fill', [t.alloc(4), { width: 0, height: 1 }], false],
        ['sdk.fill', [t.alloc(4), { height: 1 }], false],
        ['sdk.fill', [t.alloc(4), { width: 1, height: 1, depth: 1 }], false],
        ['sdk.fill', [t.alloc(4), { width: 1.5, height: 1 }], false],
        ['sdk.fill', [t.alloc(4), { width: '1', height: 1 }], false],
        ['sdk.fill', [t.alloc(4), Object.assign(Object.create(null), { width: 1, height: 1 })], false],
        ['sdk.scale', [f32, out, { k: 3 }], true],
        ['sdk.scale', [f32, out, {}], true],
        ['sdk.scale', [f32, f32.subarray(1), { k: 3 }], false],
        ['sdk.count', [1000, { step: 7 }], true],
        ['sdk.count', [1000, { step: -1 }], false],
        ['sdk.sumF32Ordered', [f32, { grain: 2 }], true],
        ['crc32', [d, {}], true], // in place of the optional crc: its default
        ['crc32', [d, 5, {}], true],
        ['crc32', [d, { crc: 5 }], false], // crc is positional: an unknown option
        ['blake3', [d, 40, {}], true],
        ['blake3', [d, 40, { out: t.alloc(40) }], true],
        ['blake3', [d, 40, { out: t.alloc(41) }], false],
      ];
    };
    for (const t of [core, pool]) {
      const counter = countGeneric(t);
      try {
        for (const [name, args, fast] of cases(t)) {
          const what = `${t === core ? 'core' : 'pool'}.${name}(${args.map((a) => (ArrayBuffer.isView(a) ? `[${a.length}]` : JSON.stringify(a))).join(', ')})`;
          // the views' bytes after a call (what the kernel wrote), zeroed before it
          const views = args.flatMap((x) => (ArrayBuffer.isView(x) ? [x] : x?.out ? [x.out] : []))
            .filter((v) => v !== args[0] || name === 'sdk.fill');
          const written = () => views.map((v) => [...v]);
          const zero = () => views.forEach((v) => v.fill(0));
          const before = counter.n;
          zero();
          const a = await settle(run(t, name, args));
          const wa = written();
          assert.equal(counter.n - before, fast ? 0 : 1, `${what}: ${fast ? 'the fast' : 'the generic'} path`);
          zero();
          const b = await settle(run(t, name, forced(args)));
          assert.equal(counter.n - before, fast ? 1 : 2, `${what} with onProgress: the generic path`);
          assert.deepEqual(wa, written(), `${what}: the bytes written`);
          if (ArrayBuffer.isView(a.value) && ArrayBuffer.isView(b.value)) {
            assert.deepEqual([...a.value], [...b.value], what);
          } else same(a, b, what);
          if (name === 'sdk.fill' && !a.error) {
            // the kernel wrote what the options say: x + 3 y + 7 c (test/kernels/pw_sdk.c)
            const [img, { width: w, channels: ch = 4 }] = args;
            assert.ok(img.every((v, i) => v === ((Math.floor(i / ch) % w) + 3 * Math.floor(i / ch / w) + 7 * (i % ch)) % 256), `${what}: the image written`);
          }
        }
      } finally {
        uncount(t);
      }
    }
  });

  test('an options object whose getter or proxy trap throws: the pool rejects (never throws), the core throws that error', async () => {
    const boom = () => { throw new RangeError('boom'); };
    const objects = () => [
      { height: 1, get width() { return boom(); } },
      new Proxy({ width: 1, height: 1 }, { ownKeys: boom }),
      new Proxy({ width: 1, height: 1 }, { getPrototypeOf: boom }),
    ];
    for (const t of [core, pool]) {
      for (const o of objects()) {
        let r;
        try {
          r = t.sdk.fill(t.alloc(4), o);
        } catch (e) {
          assert.equal(t, core, `pool.sdk.fill threw synchronously: ${e.message}`);
          assert.equal(e.message, 'boom');
          continue;
        }
        assert.equal(t, pool, 'core.sdk.fill returned instead of throwing');
        await assert.rejects(r, { name: 'RangeError', message: 'boom' });
      }
    }
    // out's getter, on a kernel with one PW_RETURN result
    const d = pool.alloc(10);
    await assert.rejects(pool.blake3(d, 32, { get out() { return boom(); } }), { message: 'boom' });
    assert.throws(() => core.blake3(core.alloc(10), 32, { get out() { return boom(); } }), { message: 'boom' });
  });

  test('the image and array families call their kernels\' fast paths, with the generic path\'s results', async () => {
    // invert of a 16x16 tile into options.dst, blur, sum, sort: against
    // plain JS (invert: 255 - c, alpha kept; sum and sort: the built-ins)
    // and against the same calls with an onProgress function (the generic
    // path: the families pass no undefined call option on)
    const onProgress = () => {};
    const tile = crypto.randomBytes(16 * 16 * 4);
    const inverted = tile.map((v, i) => (i % 4 === 3 ? v : 255 - v));
    const values = Float64Array.from({ length: 37 }, (_, i) => Math.sin(i) * 100);
    const sorted = values.slice().sort();
    const jsSum = (xs) => xs.reduce((a, b) => a + b, 0);
    for (const t of [core, pool]) {
      const what = t === core ? 'core' : 'pool';
      const src = t.alloc(tile.length);
      src.set(tile);
      const img = { data: src, width: 16, height: 16 };
      const dst = t.alloc(tile.length);
      const x = t.alloc(values.length * 8, Float64Array);
      const counter = countGeneric(t);
      try {
        for (const viaGeneric of [false, true]) {
          const extra = viaGeneric ? { onProgress } : {};
          const before = counter.n;
          dst.fill(0);
          const out = await t.image.invert(img, { dst, ...extra });
          assert.equal(out.data, dst, `${what}: the result is options.dst`);
          assert.deepEqual([...dst], [...inverted], `${what}: image.invert`);
          const blurred = await t.image.blur(img, 0.8, { dst, ...extra });
          assert.equal(blurred.data, dst);
          const again = await t.image.blur(img, 0.8, { onProgress });
          assert.deepEqual([...dst], [...again.data], `${what}: image.blur on both paths`);
          if (t === pool) t.image.free(again);
          x.set(values);
          const s = await t.array.sum(x, extra);
          assert.ok(Math.abs(s - jsSum(values)) <= 1e-9 * jsSum(values.map(Math.abs)), `${what}: array.sum ${s}`);
          assert.equal(s, await t.array.sum(x, { onProgress }), `${what}: array.sum on both paths`);
          assert.equal(await t.array.sort(x, extra), x);
          assert.deepEqual([...x], [...sorted], `${what}: array.sort`);
          // six calls a round, two of them with onProgress
          assert.equal(counter.n - before, viaGeneric ? 6 : 2, `${what}: calls on the generic path (viaGeneric ${viaGeneric})`);
        }
      } finally {
        uncount(t);
        t.free(src);
        t.free(dst);
        t.free(x);
      }
    }
  });

  test('every one-call image operation takes its kernel\'s fast path, RGBA and grey, with the generic path\'s bytes', async () => {
    // [method, kernel, extra arguments]: the kernels FAMILIES.image.js.fast lists
    const ops = [['blur', 'blur', [1.2]], ['boxBlur', 'boxBlur', [2]], ['sharpen', 'unsharp', [1, { amount: 2 }]],
      ['greyscale', 'greyscale', []], ['invert', 'invert', []], ['premultiply', 'premultiply', []],
      ['unpremultiply', 'unpremultiply', []], ['brightnessContrast', 'brightnessContrast', [{ brightness: 0.2, contrast: 1.5 }]],
      ['gamma', 'gamma', [2.2]], ['levels', 'levels', [{ inBlack: 10, inWhite: 200 }]], ['threshold', 'threshold', [100]],
      ['flip', 'flip', []], ['flop', 'flop', []], ['rotate', 'rotate', [180]],
      // (a quarter turn: the result 7 x 13)
      ['rotate', 'rotate', [90], [7, 13]], ['rotate', 'rotate', [{ angle: -90 }], [7, 13]],
      // (the options after rect: the result 5 x 3, written to the front of dst)
      ['crop', 'crop', [{ left: 6, top: 2, width: 5, height: 3 }, {}], [5, 3]], ['crop', 'crop', [{ left: 1, top: 1 }, {}], [12, 6]]];
    const rgbaOnly = new Set(['greyscale', 'premultiply', 'unpremultiply']);
    const kernels = [...new Set(ops.flatMap(([, k]) => (rgbaOnly.has(k) ? [k] : [k, `${k}Grey`])))];
    assert.deepEqual(kernels.sort(), [...FAMILIES.image.js.fast].sort(), 'the ops cover the list');
    const onProgress = () => {};
    for (const t of [core, pool]) {
      const counter = countGeneric(t);
      try {
        for (const channels of [4, 1]) {
          const bytes = crypto.randomBytes(13 * 7 * channels);
          const src = t.alloc(bytes.length);
          src.set(bytes);
          const img = { data: src, width: 13, height: 7, channels };
          const whole = t.alloc(bytes.length);
          for (const [method, , extra, size = [13, 7]] of ops) {
            const dst = whole.subarray(0, size[0] * size[1] * channels);
            if (channels === 1 && rgbaOnly.has(method)) continue;
            const what = `${t === core ? 'core' : 'pool'}.image.${method} (${channels} channels)`;
            // the options object is the last argument: dst added to it (or a new one)
            const withOptions = (o) => {
              const last = extra[extra.length - 1];
              return last !== null && typeof last === 'object' ? [...extra.slice(0, -1), { ...last, ...o }] : [...extra, o];
            };
            const before = counter.n;
            const a = await t.image[method](img, ...withOptions({ dst }));
            assert.equal(counter.n, before, `${what}: the fast path`);
            const fast = [...dst];
            dst.fill(0);
            const b = await t.image[method](img, ...withOptions({ dst, onProgress }));
            assert.equal(counter.n, before + 1, `${what} with onProgress: the generic path`);
            // the result image on both paths (on the pool, the RESULT option of the kernel call)
            for (const r of [a, b]) {
              assert.ok(r.data === dst, `${what}: the result's data is dst`);
              assert.deepEqual([r.width, r.height, r.channels], [...size, channels], what);
            }
            assert.deepEqual(fast, [...dst], `${what}: the same bytes`);
            if (method === 'crop') {
              // (and the pixels: the rows of the rectangle)
              const { left = 0, top = 0 } = extra[0];
              const row = size[0] * channels;
              for (let y = 0; y < size[1]; y++) {
                const at = ((top + y) * 13 + left) * channels;
                assert.deepEqual([...dst.subarray(y * row, (y + 1) * row)], [...bytes.subarray(at, at + row)], `${what}: row ${y}`);
              }
            }
          }
          t.free(src);
          t.free(whole);
        }
      } finally {
        uncount(t);
      }
    }
  });

  test('the array family\'s operations of one call take their kernels\' fast paths, with the generic path\'s values', async () => {
    // [operation, arguments (x: the values below as that type), the
    // calls it makes on the generic path when one is forced]; every
    // options object gets onProgress added for the generic run. (Arrays
    // for options.out are not freed: the test's pool and core end with it.)
    const ops = [
      ['argsort', (x) => [x], 1], ['argsort', (x) => [x, { descending: true }], 1],
      ['argsort', (x, t) => [x, { out: t.alloc(4 * x.length, Uint32Array) }], 1],
      ['kth', (x) => [x, 5], 1], ['median', (x) => [x], 1], ['quantile', (x) => [x, 0.3], 1],
      ['quantiles', (x) => [x, [0, 0.25, 0.9, 1]], 1], ['searchSorted', (x) => [x, [x[3], x[20]]], 1],
      ['searchSorted', (x) => [x, x[7], { right: true }], 1],
      ['histogram', (x) => [x, { bins: 7, lo: -60, hi: 200 }], 1], ['histogram', (x) => [x, { edges: [-100, 0, 3, 50, 300] }], 1],
      ['histogram', (x) => [x, { bins: 5 }], 1], // the default range of a few elements read by the family, then the histogram
      // (an array result without options.out is a new array outside the memory: the generic path)
      ['clamp', (x, t) => [x, 0, 50, { out: t.alloc(x.byteLength, x.constructor) }], 1],
      ['cumsum', (x, t) => [x, { out: t.alloc(x.byteLength, x.constructor) }], 1], ['min', (x) => [x], 1], ['max', (x) => [x], 1],
      ['sum', (x) => [x], 1], ['mean', (x) => [x], 1], ['topk', (x) => [x, 3], 1], ['topk', (x) => [x, 4, { smallest: true }], 1],
      ['unique', (x) => [x], 1],
    ];
    const values = Array.from({ length: 41 }, (_, i) => Math.round(Math.sin(i * 1.3) * 120) + 60);
    const onProgress = () => {};
    const withOnProgress = (args) => {
      const last = args[args.length - 1];
      return last !== null && typeof last === 'object' && !ArrayBuffer.isView(last) && !Array.isArray(last)
        ? [...args.slice(0, -1), { ...last, onProgress }] : [...args, { onProgress }];
    };
    const plain = (v) => (ArrayBuffer.isView(v) ? [...v] : v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, w]) => [k, plain(w)])) : v);
    for (const t of [core, pool]) {
      const counter = countGeneric(t);
      try {
        for (const Ctor of [Int16Array, Uint8Array, Int32Array, Float32Array, Float64Array]) {
          const x = t.alloc(values.length * Ctor.BYTES_PER_ELEMENT, Ctor);
          x.set(Ctor === Uint8Array ? values.map((v) => Math.max(0, v)) : values);
          const sorted = x.slice().sort();
          for (const [name, argsOf, generic] of ops) {
            const what = `${t === core ? 'core' : 'pool'}.array.${name} of a ${Ctor.name}`;
            const arr = name === 'searchSorted' ? t.alloc(sorted.byteLength, Ctor).fill(0) : x;
            if (arr !== x) arr.set(sorted);
            const args = argsOf(arr, t);
            const before = counter.n;
            const a = plain(await t.array[name](...args));
            assert.equal(counter.n, before, `${what}: the fast path`);
            const b = plain(await t.array[name](...withOnProgress(args)));
            assert.equal(counter.n, before + generic, `${what} with onProgress: the generic path`);
            assert.deepEqual(a, b, `${what}: the same value on both paths`);
            if (arr !== x) t.free(arr);
          }
          t.free(x);
        }
      } finally {
        uncount(t);
      }
    }
    // plain-JS references for a few (the families' own tests check every operation)
    const x = pool.alloc(values.length * 8, Float64Array);
    x.set(values);
    const order = [...values.keys()].sort((i, j) => values[i] - values[j] || i - j);
    assert.deepEqual([...await pool.array.argsort(x)], order, 'argsort: a stable index sort');
    assert.deepEqual([...await pool.array.clamp(x, -20, 90)], values.map((v) => Math.min(90, Math.max(-20, v))), 'clamp');
    const s = values.slice().sort((p, q) => p - q);
    assert.equal(await pool.array.median(x), (s[20]), 'median of 41: the 21st value');
    const top = await pool.array.topk(x, 3);
    assert.deepEqual([...top.values], s.slice(-3).reverse(), 'topk: the 3 largest, largest first');
    assert.deepEqual([...top.indices].map((i) => values[i]), [...top.values], 'topk: their indices');
    const counts = new Array(7).fill(0);
    for (const v of values) if (v >= -60 && v <= 200) counts[Math.min(6, Math.floor(((v + 60) / 260) * 7))]++;
    assert.deepEqual([...await pool.array.histogram(x, { bins: 7, lo: -60, hi: 200 })], counts, 'histogram');
    pool.free(x);
  });

  test('bad arguments: the fast path hands them to the generic path, which rejects them', async () => {
    const counter = countGeneric(pool);
    try {
      await assert.rejects(pool.crc32('abc'), TypeError);
      await assert.rejects(pool.crc32(new Uint8Array(4), -1), RangeError);
      await assert.rejects(pool.testScalars(1.5, 0, 0, 0, 0, 0, 0, false), RangeError);
      const v = pool.alloc(16);
      pool.free(v);
      await assert.rejects(pool.crc32(v), RangeError); // a freed view
      await assert.rejects(pool.testIota3(-1), { name: 'RangeError', message: /testIota3: n must be an integer from 0 to 4294967295/ });
      // more elements than the fast path places (2^24): the generic path, with the same values
      const big = await pool.testIota3(2 ** 24 + 1, 3);
      assert.deepEqual([big.lo.length, big.lo[2 ** 24], big.sq[2 ** 24], big.odd[2 ** 24]], [2 ** 24 + 1, (2 ** 24 + 3) & 0xffff, (2 ** 24 + 3) ** 2 / 4, 1]);
      assert.equal(counter.n, 6);
    } finally {
      uncount(pool);
    }
  });

  test('an output sized by an argument: over a slot\'s scratch in the arena, over 16 KiB the generic way, with the same bytes', async () => {
    const d = crypto.randomBytes(100);
    const counter = countGeneric(pool);
    try {
      const huge = await pool.blake3(d, 16385); // over the 16 KiB an arena takes from a call
      assert.equal(counter.n, 1, 'the generic path');
      const big = await pool.blake3(d, 1000); // 100 bytes in and 1000 out: over the 256 bytes of a slot
      const small = await pool.blake3(d, 100);
      assert.equal(counter.n, 1, 'the fast path');
      assert.deepEqual(huge, core.blake3(d, 16385));
      assert.deepEqual(big, huge.subarray(0, 1000), 'an XOF: the shorter output is the start of the longer');
      assert.deepEqual(small, big.subarray(0, 100));
      for (const [r, n] of [[huge, 16385], [big, 1000]]) {
        assert.equal(r.byteOffset, 0, 'a result of its own');
        assert.equal(r.buffer.byteLength, n, 'a result of its own');
      }
    } finally {
      uncount(pool);
    }
  });

  test('several outputs of one length: the fast path, in the slot\'s scratch or the arena, with a plain-JS reference\'s values', async () => {
    const ref = (n, start = 0) => {
      const v = Array.from({ length: n }, (_, i) => start + i);
      return { lo: Uint16Array.from(v), sq: Float64Array.from(v, (x) => (x * x) / 4), odd: Uint8Array.from(v, (x) => x & 1) };
    };
    for (const t of [core, pool]) {
      const counter = countGeneric(t);
      try {
        // 3 x 11 bytes fit a slot's 256; 23 x 11 and 1000 x 11 take the arena on the pool
        for (const [n, start] of [[3, 5], [1, 0], [0, 9], [23, 65500], [1000, 7]]) {
          const r = await t.testIota3(n, start);
          assert.deepEqual(r, ref(n, start), `${n} from ${start}`);
          for (const k of ['lo', 'sq', 'odd']) assert.equal(r[k].buffer.byteLength, r[k].byteLength, `${k}: an array of its own`);
        }
        assert.equal(counter.n, 0, 'the fast path');
        // a status with results: the error, on both paths
        await assert.rejects(async () => t.testIota3(2, 65535), { code: 'ERR_PW_OUT_OF_RANGE', message: 'testIota3 failed: value out of range' });
      } finally {
        uncount(t);
      }
    }
  });

  test('results the kernel sizes (PW_RESULT): the fast path, a plain-JS reference\'s values, and each freed, also when the kernel fails', async () => {
    const ref = (n) => new Uint32Array(Uint8Array.from({ length: n }, (_, i) => i & 0xff).buffer);
    for (const t of [core, pool]) {
      const what = t === core ? 'core' : 'pool';
      const counter = countGeneric(t);
      try {
        for (const n of [0, 4, 64, 1 << 20]) assert.deepEqual(await t.testResult(n), ref(n), `${what}: ${n} bytes`);
        // a result that grows the memory past the views this thread had (a shared memory's too)
        const size0 = t === core ? t.heapSize : t.stats().heapSize;
        const huge = await t.testResult(size0 + (1 << 20));
        assert.equal(huge.length, (size0 + (1 << 20)) / 4, `${what}: a result larger than the heap was`);
        assert.equal(huge.at(-1), 0xfffefdfc, `${what}: its last element`);
        const d = Uint8Array.from([7, 3, 7, 7, 200, 3]);
        assert.deepEqual(await t.sdk.distinct(d), { values: Uint8Array.from([3, 7, 200]), counts: Uint32Array.from([2, 3, 1]) }, `${what}: sdk.distinct`);
        await assert.rejects(async () => t.testResult(6), { code: 'ERR_PW_KERNEL_RESULT', message: 'testResult: the kernel made a result out of 6 bytes, not a whole number of 4-byte elements' });
        await assert.rejects(async () => t.testResult(8, true), { code: 'ERR_PW_OUT_OF_RANGE' });
        assert.equal(counter.n, 0, `${what}: the fast path`);
        // results of 1 MiB freed after every call, failed or not: 400 of them leave the heap as it was
        const size = () => (t === core ? t.heapSize : t.stats().heapSize);
        const before = size();
        for (let i = 0; i < 100; i++) {
          await t.testResult(1 << 20);
          await assert.rejects(async () => t.testResult(1 << 20, true));
          await assert.rejects(async () => t.testResult((1 << 20) + 2));
          await t.testResult(1 << 20, false, { onProgress: undefined }); // (the generic path)
        }
        assert.equal(size(), before, `${what}: the heap did not grow`);
      } finally {
        uncount(t);
      }
    }
  });

  test('foreign inputs too big for a slot\'s scratch are staged in arenas, up to 16 KiB an input; arenas are reused or freed', async () => {
    const counter = countGeneric(pool);
    try {
      // one call each: which path, and the value against zlib, crypto and the core
      for (const [n, fast] of [[200, true], [300, true], [4096, true], [16384, true], [16385, false], [70000, false]]) {
        const d = crypto.randomBytes(n);
        const before = counter.n;
        assert.equal(await pool.crc32(d), zlib.crc32(d), `crc32 of ${n} bytes`);
        assert.equal(Buffer.from(await pool.sha256(d)).toString('hex'), crypto.createHash('sha256').update(d).digest('hex'));
        assert.deepEqual(await pool.blake3(d, 100), core.blake3(d, 100), `blake3 of ${n} bytes, 100 out (after the input)`);
        assert.equal(counter.n - before, fast ? 0 : 3, `${n} bytes: ${fast ? 'the fast' : 'the generic'} path`);
      }
      // two foreign inputs, the second after the switch to the arena
      const data = crypto.randomBytes(1000);
      const key = crypto.randomBytes(32);
      const before = counter.n;
      assert.deepEqual(await pool.blake3Keyed(data, key, 40), core.blake3Keyed(data, key, 40));
      assert.equal(counter.n, before, 'blake3Keyed: the fast path');
      // bursts that fill several arenas (1 MiB each): every call reads its own input
      const inputs = Array.from({ length: 3000 }, (_, i) => crypto.randomBytes(700 + (i % 300)));
      const want = inputs.map((d) => zlib.crc32(d));
      const kept = [pool.$stage, ...pool.$stageSpare].filter((a) => a !== null);
      assert.equal(kept.length, 2, 'the two arenas kept from createPool()');
      assert.ok(kept.every((a) => a.kept));
      const { malloc, mfree } = pool.$heap;
      const made = new Set();
      let nMade = 0;
      let freed = 0;
      pool.$heap.malloc = function counted(...a) {
        const p = malloc.apply(this, a);
        if (a[0] === 1 << 20) made.add(p), nMade++;
        return p;
      };
      pool.$heap.mfree = function counted(p) {
        if (made.has(p)) freed++;
        return mfree.call(this, p);
      };
      try {
        for (let round = 0; round < 3; round++) {
          const got = await Promise.all(inputs.map((d) => pool.crc32(d)));
          assert.deepEqual(got, want, `burst ${round}`);
        }
        // a call given a new arena from the heap that then turns to the
        // generic path (a bad seed, found after staging) leaves it unused
        // and current: it goes once a kept arena is free again
        const held = Array.from({ length: 192 }, () => pool.xxh32(new Uint8Array(15920).fill(1), 0));
        await assert.rejects(pool.xxh32(new Uint8Array(15920), -1), (e) => e instanceof RangeError && /seed/.test(e.message));
        const sums = await Promise.all(held);
        assert.ok(sums.every((v) => v === sums[0]));
      } finally {
        delete pool.$heap.malloc;
        delete pool.$heap.mfree;
      }
      assert.equal(counter.n, before + 1, 'the bursts took the fast path (the bad seed the generic one)');
      // each burst stages about 2.5 MB at once: the two kept arenas, and one
      // or two from the heap, each freed once its calls settled (so none
      // stays wherever the heap had room: above a big block, say)
      assert.ok(nMade >= 2 && nMade <= 10, `arenas made: ${nMade}`);
      assert.equal(freed, nMade, 'every arena from the heap is freed');
      // the kept arenas are back, none in use; no other one is left
      const now = [pool.$stage, ...pool.$stageSpare].filter((a) => a !== null);
      assert.deepEqual(new Set(now), new Set(kept));
      for (const a of now) assert.equal(a.refs, 0);
    } finally {
      uncount(pool);
    }
  });

  test('a kernel error status read by the fast path is the generic path\'s error', async () => {
    for (const s of [-1, -2, -3, -5]) {
      const fast = await settle(run(pool, 'testStatus', [s]));
      const generic = await settle(run(pool, 'testStatus', forced([s])));
      assert.ok(fast.error, `testStatus(${s}) rejects`);
      same(fast, generic, `testStatus(${s})`);
      same(run(core, 'testStatus', [s]), run(core, 'testStatus', forced([s])), `core.testStatus(${s})`);
    }
  });
});

describe('pool fast path: slots, pins, bursts and destroy()', () => {
  test('a burst larger than the task table: every call settles with its own value, in order of submission', async () => {
    const pool = await createPool({ threads: 2 });
    try {
      const n = 40000; // more than the 16384 task records: the rest queue on the generic path
      const one = pool.alloc(4, Uint32Array);
      const views = Array.from({ length: 64 }, (_, i) => { const v = pool.alloc(4, Uint32Array); v[0] = i * 7919; return v; });
      const order = [];
      const calls = [];
      for (let i = 0; i < n; i++) {
        const v = views[i % views.length];
        calls.push(pool.testSumU32(v).then((x) => { order.push(i); return x; }));
      }
      const got = await Promise.all(calls);
      for (let i = 0; i < n; i++) assert.equal(got[i], BigInt((i % views.length) * 7919), `call ${i}`);
      assert.equal(order.length, n);
      pool.free(one);
      assert.equal(pool.stats().queued, 0);
    } finally {
      await pool.destroy();
    }
  });

  test('free() of a block that a queued fast call reads waits until the call has run', async () => {
    const pool = await createPool({ threads: 1 });
    try {
      const hold = await holdThreads(pool);
      const a = pool.alloc(4096);
      crypto.randomFillSync(a);
      const want = zlib.crc32(a);
      const p = pool.crc32(a); // queued behind the held thread
      pool.free(a);
      // the block is pinned: new blocks do not take its memory while the call waits
      const others = Array.from({ length: 8 }, () => pool.alloc(4096).fill(0xee));
      hold.release();
      assert.equal(await p, want);
      await hold.end();
      for (const o of others) pool.free(o);
    } finally {
      await pool.destroy();
    }
  });

  test('destroy() with fast calls queued and running: each rejects once with PoolDestroyedError', async () => {
    const pool = await createPool({ threads: 2 });
    const hold = await holdThreads(pool);
    const d = pool.alloc(64);
    const calls = Array.from({ length: 1000 }, () => pool.crc32(d));
    const results = Promise.allSettled(calls);
    await pool.destroy();
    const r = await results;
    assert.ok(r.every((x) => x.status === 'rejected' && x.reason instanceof PoolDestroyedError));
    await hold.settled;
    await assert.rejects(pool.crc32(new Uint8Array(1)), PoolDestroyedError);
  });

  // Calls queued in one synchronous stretch reach the threads in groups
  // (Pool.push): the first `threads` at once, the rest by the stretch's end.
  test('the first `threads` calls of a synchronous stretch start while the stretch still runs', async () => {
    const pool = await createPool({ threads: 2 });
    const gate = newGate(pool);
    try {
      const calls = [pool.testHold(gate, 1), pool.testHold(gate, 1), pool.testHold(gate, 1)];
      // still in the same stretch: no microtask has run
      const t0 = performance.now();
      while (Atomics.load(gate, 1) < 2) {
        if (performance.now() - t0 > HANG_MS) assert.fail('the first two calls of the stretch did not start: a hang');
      }
      assert.equal(Atomics.load(gate, 1), 2); // the third waits for a thread
      Atomics.store(gate, 0, 0);
      assert.deepEqual(await Promise.all(calls), [1, 1, 1]);
    } finally {
      Atomics.store(gate, 0, 0);
      await pool.destroy();
    }
  });

  test('every call of a stretch is published when it ends, whatever its length', async () => {
    const pool = await createPool({ threads: 2 });
    try {
      const d = pool.alloc(3).fill(7);
      const want = zlib.crc32(d);
      // lengths around the groups: after the first 2, groups of 16
      for (const n of [1, 2, 3, 17, 18, 19, 33, 34, 35, 1000]) {
        const got = await Promise.all(Array.from({ length: n }, () => pool.crc32(d)));
        assert.equal(got.length, n);
        assert.ok(got.every((x) => x === want), `a stretch of ${n} calls`);
      }
      // a stretch that ends while another call is awaited
      const a = pool.crc32(d);
      await null;
      const b = [pool.crc32(d), pool.crc32(d), pool.crc32(d), pool.crc32(d)];
      assert.deepEqual(await Promise.all([a, ...b]), [want, want, want, want, want]);
      assert.equal(pool.stats().queued, 0);
    } finally {
      await pool.destroy();
    }
  });

  // After the first `threads` calls of a stretch, fast calls settle in
  // batches of up to 16 (Batch in js/runtime/pool.js): each call's promise
  // is derived from its batch's, and takes its own value or error.
  test('a burst of mixed kernels, values and errors: each call settles with its own', async () => {
    const core = await loadCore();
    const pool = await createPool({ threads: 2 });
    try {
      const inputs = Array.from({ length: 37 }, (_, i) => { const v = pool.alloc(8 + i); crypto.randomFillSync(v); return v; });
      const make = (t, i) => {
        const v = inputs[i % inputs.length];
        switch (i % 7) {
          case 0: return run(t, 'testStatus', [-1 - (i % 5)]); // an error
          case 1: return run(t, 'md5', [v]);
          case 2: return run(t, 'testStatus', [i]);
          case 3: return run(t, 'xxh64', [v, i]);
          case 4: return run(t, 'crc32', ['not bytes']); // a TypeError (the generic path)
          default: return run(t, 'crc32', [v, i]);
        }
      };
      for (const n of [3, 18, 19, 50, 1001]) {
        const calls = Array.from({ length: n }, (_, i) => make(pool, i)); // one stretch
        const got = await Promise.all(calls.map(settle));
        for (let i = 0; i < n; i++) same(got[i], make(core, i), `call ${i} of a stretch of ${n}`);
      }
      for (const v of inputs) pool.free(v);
    } finally {
      await pool.destroy();
    }
  });

  test('a batch settles when its last call has ended; the stretch\'s first `threads` calls and other batches do not wait for it', async () => {
    const pool = await createPool({ threads: 2 });
    const gate = newGate(pool);
    try {
      const d = pool.alloc(5).fill(9);
      const want = zlib.crc32(d);
      const settled = new Set();
      const track = (name, p) => p.then((v) => { settled.add(name); return v; });
      // one stretch: 2 calls of their own, a batch of 16 whose last call is
      // held, a batch of 4
      const first = [0, 1].map((i) => track(`first ${i}`, pool.crc32(d)));
      const held = Array.from({ length: 15 }, (_, i) => track(`held ${i}`, pool.crc32(d)));
      held.push(track('held 15', pool.testHold(gate, 1)));
      const next = Array.from({ length: 4 }, (_, i) => track(`next ${i}`, pool.crc32(d)));
      await until(() => Atomics.load(gate, 1) === 1 && settled.size === 6, 'the held call running and the others settled');
      assert.deepEqual([...settled].sort(), ['first 0', 'first 1', 'next 0', 'next 1', 'next 2', 'next 3']);
      assert.equal(pool.stats().done, 2 + 15 + 4, 'the held batch\'s other calls have ended');
      Atomics.store(gate, 0, 0);
      assert.deepEqual(await Promise.all(held), [...Array(15).fill(want), 1]);
      assert.deepEqual(await Promise.all([...first, ...next]), Array(6).fill(want));
    } finally {
      Atomics.store(gate, 0, 0);
      await pool.destroy();
    }
  });

  test('a fast call whose buffers total more than 64 KiB settles on its own, not with its batch', async () => {
    const pool = await createPool({ threads: 2 });
    const gate = newGate(pool);
    try {
      const small = pool.alloc(5).fill(3);
      const atLimit = crypto.randomFillSync(pool.alloc(65536));
      const over = crypto.randomFillSync(pool.alloc(65537));
      const settled = new Set();
      const track = (name, p) => p.then((v) => { settled.add(name); return v; });
      const counter = countGeneric(pool);
      // one stretch: 2 calls of their own, then a batch whose first call is
      // held; 64 KiB is a member of it, 64 KiB + 1 is not
      const first = [0, 1].map((i) => track(`first ${i}`, pool.crc32(small)));
      const held = track('held', pool.testHold(gate, 1));
      const limit = track('64 KiB', pool.crc32(atLimit));
      const big = track('64 KiB + 1', pool.crc32(over));
      await until(() => Atomics.load(gate, 1) === 1 && settled.size === 3, 'the held call running and the others settled');
      assert.deepEqual([...settled].sort(), ['64 KiB + 1', 'first 0', 'first 1']);
      assert.equal(pool.stats().done, 4, 'the 64 KiB call has ended, its promise waits for its batch');
      assert.equal(counter.n, 0, 'every call took the fast path');
      Atomics.store(gate, 0, 0);
      assert.deepEqual(await Promise.all([held, limit, big, ...first]),
        [1, zlib.crc32(atLimit), zlib.crc32(over), zlib.crc32(small), zlib.crc32(small)]);
      uncount(pool);
    } finally {
      Atomics.store(gate, 0, 0);
      await pool.destroy();
    }
  });
});

// options.out ({ out } alone) stays on the fast path: an alloc() view of
// the same core or pool is written in place; on the core any other view
// gets the result copied in (on the pool it goes the generic way). Every
// case is compared with the generic path, which `{ out, onProgress: undefined }`
// takes (any key but out does).
describe('options.out on the fast paths', () => {
  let core;
  let pool;
  coreAndPool((c, p) => { core = c; pool = p; });

  // the calls of callsFor whose result is one array (a PW_RETURN result),
  // not empty (an empty out goes the generic way, which also checks that it
  // is not detached)
  const arrayCalls = () => callsFor((n) => new Uint8Array(n)).filter(([name, args]) => {
    const r = run(core, name, args).value;
    const spec = gen.KERNELS.find((k) => label(k) === name);
    return ArrayBuffer.isView(r) && r.length > 0 && spec.outputs[0].kind === 'ret';
  });

  for (const mode of ['core', 'pool']) {
    const api = () => (mode === 'core' ? core : pool);
    const call = async (name, args) => settle(run(api(), name, args));

    test(`${mode}: an alloc() view as out is written in place, on the fast path, over stale bytes`, async () => {
      const calls = arrayCalls();
      assert.ok(calls.length >= 8, 'digests, blake3 with a length, testIota');
      const counter = countGeneric(api());
      try {
        for (const [name, args] of calls) {
          const want = run(core, name, args).value;
          const out = api().alloc(Math.max(want.byteLength, 8), want.constructor).subarray(0, want.length).fill(0xff);
          const before = counter.n;
          const got = await call(name, [...args, { out }]);
          assert.equal(counter.n, before, `${name}: the fast path`);
          assert.ok(got.value === out, `${name}: returns out itself`);
          assert.deepEqual(out, want, `${name}: out holds the result`);
          const again = api().alloc(Math.max(want.byteLength, 8), want.constructor).subarray(0, want.length).fill(0xff);
          const generic = await call(name, [...args, { out: again, onProgress: undefined }]);
          assert.equal(counter.n, before + 1, `${name} with another option: the generic path`);
          assert.deepEqual(again, out, `${name}: the generic path wrote the same`);
          assert.ok(generic.value === again);
          api().free(out);
          api().free(again);
        }
      } finally {
        uncount(api());
      }
    });

    test(`${mode}: a foreign view as out gets the result copied in (core: on the fast path)`, async () => {
      const counter = countGeneric(api());
      try {
        for (const [name, args] of arrayCalls()) {
          const want = run(core, name, args).value;
          const out = new want.constructor(want.length).fill(0xff);
          const before = counter.n;
          const got = await call(name, [...args, { out }]);
          assert.equal(counter.n, before + (mode === 'pool' ? 1 : 0), `${name}: ${mode === 'pool' ? 'the generic path' : 'the fast path'}`);
          assert.ok(got.value === out, `${name}: returns out itself`);
          assert.deepEqual(out, want, `${name}: out holds the result`);
        }
        // a Uint8ClampedArray for a byte result, and out at an odd offset of a bigger buffer
        const d = new Uint8Array(50).fill(3);
        const clamped = new Uint8ClampedArray(32);
        assert.ok((await call('sha256', [d, { out: clamped }])).value === clamped);
        assert.deepEqual([...clamped], [...crypto.createHash('sha256').update(d).digest()]);
        const big = new Uint8Array(100).fill(9);
        const mid = big.subarray(33, 33 + 16);
        assert.ok((await call('md5', [d, { out: mid }])).value === mid);
        assert.deepEqual(Buffer.from(mid), crypto.createHash('md5').update(d).digest());
        assert.equal(big[32], 9, 'the byte before out is untouched');
        assert.equal(big[49], 9, 'the byte after out is untouched');
      } finally {
        uncount(api());
      }
    });

    test(`${mode}: blake3(data, { out }): the object takes the place of outLen, whose length comes from out's default`, async () => {
      const d = crypto.randomBytes(77);
      const want = core.blake3(d);
      const out = api().alloc(32);
      assert.ok((await call('blake3', [d, { out }])).value === out);
      assert.deepEqual(out, want);
      assert.ok((await call('blake3', [d, undefined, { out }])).value === out, 'an explicit undefined outLen');
      const o64 = api().alloc(64);
      assert.ok((await call('blake3', [d, 64, { out: o64 }])).value === o64);
      assert.deepEqual(o64, core.blake3(d, 64));
      api().free(out);
      api().free(o64);
    });

    test(`${mode}: bad out: the same errors as the generic path`, async () => {
      const d = api().alloc(64).fill(1);
      const freed = api().alloc(32);
      api().free(freed);
      const handMade = new Uint8Array(d.buffer, d.byteOffset + 8, 32); // over the heap, not from alloc()
      const detached = new Uint8Array(32);
      structuredClone(detached.buffer, { transfer: [detached.buffer] });
      const foreign = new Uint8Array(64).fill(2);
      const cases = [
        ['sha256', [d, { out: new Uint8Array(31) }]], // length
        ['sha256', [d, { out: new Uint16Array(16) }]], // type
        ['sha256', [d, { out: [0, 1] }]], // not a view
        ['sha256', [d, { out: null }]],
        ['sha256', [d, { out: d.subarray(16, 48) }]], // overlaps data, in the heap
        ['sha256', [foreign, { out: foreign.subarray(8, 40) }]], // overlaps data, in a foreign buffer
        ['sha256', [d, { out: freed }]],
        ['sha256', [d, { out: handMade }]],
        ['sha256', [d, { out: detached }]],
        ['sha256', [d, { out: api().alloc(32), bogus: 1 }]], // an unknown option
        ['blake3', [d, 16, { out: api().alloc(32) }]], // out's length is not outLen
        ['blake3', [d, { out: new Uint8Array(0) }]],
        ['testIota', [4, { out: new Uint8Array(8) }]],
      ];
      for (const [name, args] of cases) {
        const what = `${mode}.${name}(${args.length} args, out ${describeOut(args.at(-1).out)})`;
        const fast = await call(name, args);
        assert.ok(fast.error, `${what}: refused`);
        const generic = await call(name, [...args.slice(0, -1), { ...args.at(-1), onProgress: undefined }]);
        same(fast, generic, what);
      }
      api().free(d);
    });
  }

  test('pool: an out block freed while its call is queued stays reserved until the call has written it', async () => {
    // (were it not, the blocks allocated meanwhile would take its memory, and the digest would land in one of them)
    const p = await createPool({ threads: 1 });
    try {
      const hold = await holdThreads(p);
      const d = crypto.randomBytes(200);
      const out = p.alloc(32);
      const call = p.sha256(d, { out });
      p.free(out); // pinned: freed when the call settles
      const others = Array.from({ length: 8 }, () => p.alloc(32).fill(0xee));
      hold.release();
      assert.ok((await call) === out); // (its memory is free again by now: its bytes are not to be read)
      await hold.end();
      for (const o of others) assert.ok(o.every((x) => x === 0xee), 'no new block took out\'s memory');
    } finally {
      await p.destroy();
    }
  });
});

function describeOut(v) {
  if (v === null || typeof v !== 'object') return String(v);
  return `${v.constructor.name}(${v.length})`;
}

// A buffer the kernel writes (PW_OUT, PW_INOUT) that is not in the memory:
// the fast path stages it as it stages an input (zeroed, or copied in for
// PW_INOUT) and copies it back once the kernel has succeeded, as the
// generic path does (in the image namespace on the core only, whose new
// images are JS arrays; a pool's are in its memory). Each case runs on both
// paths with fresh copies of the buffers; the written bytes, the value,
// bytesCopied and the errors agree.
describe('buffers the kernel writes, outside the memory, on the fast paths', () => {
  let core;
  let pool;
  coreAndPool((c, p) => { core = c; pool = p; });

  const i32s = (n, seed) => Int32Array.from({ length: n }, (_, i) => ((i + 1) * 2654435761 + seed * 40503) | 0);
  const f64s = (n, seed) => Float64Array.from({ length: n }, (_, i) => Math.sin(i + seed) * 1e6);
  const f32s = (n, seed) => Float32Array.from({ length: n }, (_, i) => Math.cos(i * seed) * 100);
  // [kernel, make the arguments (fresh views each time), the buffers to compare, the reference]
  const cases = [
    ['testAddI32', () => { const a = i32s(37, 1), b = i32s(37, 2); return [a, b, new Int32Array(37).fill(-1)]; }, [2],
      ([a, b]) => [Int32Array.from(a, (v, i) => (v + b[i]) | 0)]],
    ['testAddI32', () => { const a = i32s(3, 5); return [a, i32s(3, 6), new Int32Array(3)]; }, [2], ([a, b]) => [Int32Array.from(a, (v, i) => (v + b[i]) | 0)]],
    ['testScaleF64', () => [f64s(50, 3), 0.5], [0], ([x]) => [x.map((v) => v * 0.5)]],
    ['sdk.scale', () => [f32s(64, 4), new Float32Array(64).fill(7), { k: 3 }], [1], ([src]) => [src.map((v) => Math.fround(v * 3))]],
    ['sdk.fill', () => [new Uint8Array(2 * 3 * 4).fill(9), { width: 2, height: 3, channels: 4 }], [0], null],
    ['asciiUpper', () => [Buffer.from('parawasm: small calls, 1 KiB!')], [0], () => [Buffer.from('PARAWASM: SMALL CALLS, 1 KIB!')]],
  ];

  for (const mode of ['core', 'pool']) {
    test(`${mode}: staged, run, copied back, with the generic path's bytes, value and bytesCopied`, async () => {
      const t = mode === 'core' ? core : pool;
      const counter = countGeneric(t);
      try {
        for (const [name, make, written, ref] of cases) {
          const fastArgs = make();
          const genArgs = make();
          const before = counter.n;
          const copied0 = mode === 'pool' ? pool.stats().bytesCopied : 0;
          const fast = await settle(run(t, name, fastArgs));
          assert.equal(counter.n, before, `${mode}.${name}: took the fast path`);
          const copiedFast = mode === 'pool' ? pool.stats().bytesCopied - copied0 : 0;
          const generic = await settle(run(t, name, forced(genArgs)));
          assert.equal(counter.n, before + 1, `${mode}.${name} with onProgress: the generic path`);
          const copiedGeneric = mode === 'pool' ? pool.stats().bytesCopied - copied0 - copiedFast : 0;
          same(fast, generic, `${mode}.${name}: the values`);
          assert.equal(copiedFast, copiedGeneric, `${mode}.${name}: bytesCopied on both paths`);
          for (const [j, w] of written.entries()) {
            assert.deepEqual(fastArgs[w], genArgs[w], `${mode}.${name}: argument ${w} as written on both paths`);
            if (ref) assert.deepEqual(fastArgs[w], ref(make())[j], `${mode}.${name}: argument ${w} against the reference`);
          }
        }
      } finally {
        uncount(t);
      }
    });

    test(`${mode}: a written buffer sharing memory with another argument goes the generic way (its overlap rules); the very same view where the kernel declares PW_ALIAS stays fast`, async () => {
      const t = mode === 'core' ? core : pool;
      const counter = countGeneric(t);
      try {
        const buf = new Int32Array(40);
        buf.set(i32s(40, 9));
        const a = buf.subarray(0, 20);
        const b = i32s(20, 10);
        // out overlaps a (another view of its memory): refused by the generic path
        let before = counter.n;
        const r = await settle(run(t, 'testAddI32', [a, b, buf.subarray(10, 30)]));
        assert.ok(r.error instanceof RangeError && /overlaps/.test(r.error.message), `${mode}: overlap refused (${r.error?.message})`);
        assert.equal(counter.n, before + 1, `${mode}: the overlapping call went the generic way`);
        // another part of the same memory, not overlapping: the generic path too (it decides), and right
        before = counter.n;
        const out = buf.subarray(20, 40);
        const want = Int32Array.from(a, (v, i) => (v + b[i]) | 0);
        await settle(run(t, 'testAddI32', [a, b, out]));
        assert.equal(counter.n, before + 1, `${mode}: a buffer sharing memory went the generic way`);
        assert.deepEqual(out, want);
        // in place (out is a, declared PW_ALIAS(a)): fast, and right
        const x = i32s(20, 11);
        const want2 = Int32Array.from(x, (v, i) => (v + b[i]) | 0);
        before = counter.n;
        await settle(run(t, 'testAddI32', [x, b, x]));
        assert.equal(counter.n, before, `${mode}: in place took the fast path`);
        assert.deepEqual(x, want2, `${mode}: in place`);
      } finally {
        uncount(t);
      }
    });
  }

  test('a kernel that fails leaves the buffer it would write as it was (array.gather with an index out of range)', async () => {
    for (const t of [core, pool]) {
      const x = new Float64Array([1, 2, 3]);
      const out = new Float64Array(4).fill(42);
      const r = await settle(run(t.array, 'gather', [x, new Uint32Array([0, 1, 7, 2]), { out }]));
      assert.ok(r.error instanceof RangeError, `${t === core ? 'core' : 'pool'}: gather refuses index 7 (${r.error?.message})`);
      assert.deepEqual([...out], [42, 42, 42, 42], 'out unchanged');
      // and the same call with good indices writes it
      await settle(run(t.array, 'gather', [x, new Uint32Array([2, 1, 0, 2]), { out }]));
      assert.deepEqual([...out], [3, 2, 1, 3]);
    }
  });

  test('core image operations into new images take their kernels\' fast paths, with the generic path\'s bytes', () => {
    const counter = countGeneric(core);
    try {
      const rgba = new Uint8ClampedArray(17 * 9 * 4);
      for (let i = 0; i < rgba.length; i++) rgba[i] = (i * 37 + (i >> 4)) & 0xff;
      const grey = rgba.filter((_, i) => i % 4 === 0);
      for (const [src, what] of [[{ data: rgba, width: 17, height: 9 }, 'RGBA'], [{ data: grey, width: 17, height: 9, channels: 1 }, 'grey']]) {
        for (const [op, args] of [['invert', []], ['blur', [1.5]], ['gamma', [2.2]], ['flip', []], ['threshold', [100]], ['boxBlur', [2]]]) {
          const before = counter.n;
          const fast = core.image[op](src, ...args);
          assert.equal(counter.n, before, `core.image.${op} (${what}) into a new image: the fast path`);
          const generic = core.image[op](src, ...args, { onProgress() {} });
          assert.ok(counter.n > before, `core.image.${op} (${what}) with onProgress: the generic path`);
          assert.deepEqual(fast.data, generic.data, `core.image.${op} (${what}): the same bytes`);
          assert.equal(fast.width, 17);
        }
      }
    } finally {
      uncount(core);
    }
  });

  test('the array family\'s results without options.out and its operations on arrays outside the memory take the fast path', async () => {
    for (const t of [core, pool]) {
      const counter = countGeneric(t);
      try {
        const x = f64s(64, 1);
        const sorted = Float64Array.from(x).sort();
        const before = counter.n;
        const c = await t.array.clamp(x, -1e5, 1e5);
        assert.deepEqual(c, x.map((v) => Math.min(1e5, Math.max(-1e5, v))));
        const s = await t.array.cumsum(Float64Array.of(1, 2, 3, 4.5));
        assert.deepEqual(s, Float64Array.of(1, 3, 6, 10.5));
        const y = Float64Array.from(x);
        assert.equal(await t.array.sort(y), y);
        assert.deepEqual(y, sorted);
        const z = Float64Array.of(1, 2, 3);
        await t.array.axpy(2, Float64Array.of(10, 20, 30), z);
        assert.deepEqual(z, Float64Array.of(21, 42, 63));
        assert.equal(counter.n, before, `${t === core ? 'core' : 'pool'}: every call took its kernel's fast path`);
      } finally {
        uncount(t);
      }
    }
  });
});
