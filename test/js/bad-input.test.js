// The bad-input matrix, generated from the kernel annotations: every public
// kernel of the test package (parawasm's families and the test kernels,
// built by `parawasm build` into build/testpkg) × every parameter × every
// kind of bad value that the parameter's annotation rules out, on the core
// and on the pool. Each call must fail with the error the README's table
// gives (class, code, the argument named in the message), before any kernel
// runs; after every group of calls a correct call still works.
//
// Bad values: wrong types; NaN, ±Infinity, fractional, negative, past the
// type's range and 2^53+ numbers; out-of-range values of PW_RANGE
// parameters; missing required options and unknown options; views of the
// wrong element type, detached views, freed views, views built by hand over
// the heap, views of the wrong length (literal and expression lengths) and
// written buffers that overlap another argument.
//
//   node --test test/js/bad-input.test.js
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { KERNELS } from '../../build/testpkg/gen/kernels.js';
import { createPool, loadCore } from '../../build/testpkg/index.js';
import { FAMILIES } from '../../js/tools/families.mjs';

const CHECK = new TextEncoder().encode('123456789');
const ELEM = {
  bytes: Uint8Array, u8: Uint8Array, char: Uint8Array, i8: Int8Array, u16: Uint16Array, i16: Int16Array,
  u32: Uint32Array, i32: Int32Array, u64: BigUint64Array, i64: BigInt64Array, f32: Float32Array, f64: Float64Array,
};
const INT_RANGE = {
  u8: [0, 0xff], i8: [-0x80, 0x7f], u16: [0, 0xffff], i16: [-0x8000, 0x7fff],
  u32: [0, 0xffffffff], i32: [-0x80000000, 0x7fffffff], usize: [0, 0xffffffff],
};

let core;
let pool;
before(async () => {
  core = await loadCore();
  pool = await createPool({ threads: 2 });
});
after(() => pool?.destroy());

// kernels in a namespace that a family's JS owns (image.*, array.*) are not
// methods as generated: the family's own API replaces them, and its bad
// input is tested with it (image.test.js, array.test.js)
const OWNED = new Set(Object.values(FAMILIES).map((f) => f.js?.namespace).filter(Boolean));
const pub = KERNELS.filter((k) => !k.internal && !OWNED.has(k.ns));
const label = (k) => (k.ns ? `${k.ns}.${k.name}` : k.name);
// kernels sharing a name dispatch on their first buffer: the element types that the method takes
const GROUP_ELEMS = new Map();
for (const k of pub) {
  const b = k.params.find((p) => p.kind !== 'scalar');
  if (b) GROUP_ELEMS.set(label(k), [...(GROUP_ELEMS.get(label(k)) ?? []), b.elem]);
}
const TAG_OF = { u8: ['Uint8Array', 'Uint8ClampedArray'], bytes: [], char: ['Uint8Array'] };
const CANDIDATES = [Int16Array, Float32Array, Float64Array, Uint16Array, Int8Array, BigInt64Array, Uint32Array, Int32Array, Uint8Array];
/** A view type that kernel k's parameter i does not take (for a dispatching method, none of its variants). */
function wrongView(k, i) {
  const p = k.params[i];
  const first = k.params.findIndex((q) => q.kind !== 'scalar') === i;
  const elems = first ? GROUP_ELEMS.get(label(k)) : [p.elem];
  const taken = new Set(elems.flatMap((e) => TAG_OF[e] ?? [ELEM[e].name]));
  const C = CANDIDATES.find((c) => !taken.has(c.name));
  return new C(4);
}

/** A valid value of scalar parameter p: its default, else the low end of its range, else 1. */
function validScalar(p) {
  if (p.default !== undefined) return p.default;
  if (p.type === 'bool') return false;
  if (p.range) return Number.isInteger(p.range[0]) ? p.range[0] : p.range[0];
  if (p.type === 'u64' || p.type === 'i64') return 1;
  return 1;
}

/**
 * Valid arguments for kernel k: scalars as validScalar, buffers of the
 * length their expression or literal asks (1 element otherwise), distinct.
 * Returns { positional, options, views } (views: the buffers by JS index).
 */
function validArgs(k) {
  const values = k.params.map((p) => (p.kind === 'scalar' ? validScalar(p) : undefined));
  const counts = k.params.map((p) => {
    if (p.kind === 'scalar') return 0;
    if (p.fixed !== undefined) return p.fixed;
    if (p.expr) return p.expr(values, []);
    return 4;
  });
  // buffers sharing a length parameter get the same count
  const views = k.params.map((p, i) => (p.kind === 'scalar' ? undefined : new ELEM[p.elem](counts[i])));
  const positional = [];
  const options = {};
  k.params.forEach((p, i) => {
    const v = p.kind === 'scalar' ? values[i] : views[i];
    if (p.option) options[p.name] = v;
    else positional.push(v);
  });
  return { positional, options, views, values };
}

/** The function of kernel k on api (a core or pool). */
const fnOf = (api, k) => (k.ns ? api[k.ns][k.name] : api[k.name]);

/**
 * Calls k on api with param i replaced by `bad` (undefined: left out; for
 * an option, `missing` deletes it); returns the error, or null if it did
 * not fail (a bug).
 */
async function callWith(api, k, i, bad, { missing = false, extraOption } = {}) {
  const { positional, options } = validArgs(k);
  const p = k.params[i];
  if (p) {
    if (p.option) {
      if (missing) delete options[p.name];
      else options[p.name] = bad;
    } else {
      const pos = k.params.slice(0, i).filter((q) => !q.option).length;
      positional[pos] = bad;
    }
  }
  if (extraOption) Object.assign(options, extraOption);
  try {
    await fnOf(api, k)(...positional, options);
    return null;
  } catch (e) {
    return e;
  }
}

function expect(e, Ctor, code, what, context) {
  assert.ok(e, `${context}: the call did not fail`);
  assert.ok(e instanceof Ctor, `${context}: ${e.constructor.name} (${e.message}), want ${Ctor.name}`);
  assert.equal(e.code, code, `${context}: code ${e.code}`);
  if (what) assert.ok(e.message.includes(what), `${context}: message "${e.message}" should name ${what}`);
}

/** The bad values of a scalar parameter: [value, Ctor, description]. */
function badScalars(p) {
  const T = TypeError;
  const R = RangeError;
  const out = [[null, T, 'null'], ['1', T, 'a string'], [{}, T, 'an object'], [[1], T, 'an array']];
  if (p.type === 'bool') return [...out, [1, T, 'a number'], [0n, T, 'a bigint']];
  if (p.type === 'f32' || p.type === 'f64') {
    out.push([1n, T, 'a bigint'], [true, T, 'a boolean']);
    if (p.range) out.push([NaN, R, 'NaN'], [p.range[0] - 1, R, 'below the range'], [p.range[1] + 1, R, 'above the range']);
    return out;
  }
  if (p.type === 'u64' || p.type === 'i64') {
    out.push([true, T, 'a boolean'], [1.5, R, 'fractional'], [NaN, R, 'NaN'], [Infinity, R, 'Infinity'],
      [2 ** 53, R, '2^53 (not a safe integer)'], [p.type === 'u64' ? 2n ** 64n : 2n ** 63n, R, 'past the type']);
    if (p.type === 'u64') out.push([-1, R, 'negative'], [-1n, R, 'negative bigint']);
    if (p.range) {
      // (bigint bounds: exact beyond 2^53, where a value next to one must still be refused)
      const [lo, hi] = p.range.map(BigInt);
      if (lo > (p.type === 'u64' ? 0n : -(2n ** 63n))) out.push([lo - 1n, R, 'below PW_RANGE']);
      if (hi < (p.type === 'u64' ? 2n ** 64n - 1n : 2n ** 63n - 1n)) out.push([hi + 1n, R, 'above PW_RANGE']);
    }
    return out;
  }
  const [lo, hi] = INT_RANGE[p.type];
  out.push([1n, T, 'a bigint'], [true, T, 'a boolean'], [1.5, R, 'fractional'], [NaN, R, 'NaN'], [Infinity, R, 'Infinity'],
    [-Infinity, R, '-Infinity'], [lo - 1, R, 'below the type'], [hi + 1, R, 'above the type'], [2 ** 53, R, '2^53']);
  if (p.range) {
    if (p.range[0] > lo) out.push([p.range[0] - 1, R, 'below PW_RANGE']);
    if (p.range[1] < hi) out.push([p.range[1] + 1, R, 'above PW_RANGE']);
  }
  return out;
}

async function health(api, context) {
  assert.equal(await api.crc32(CHECK), 0xcbf43926, `${context}: a correct call still works`);
}

for (const target of ['core', 'pool']) {
  test(`${target}: every kernel × every parameter × every bad value is a typed error naming the argument`, async () => {
    const api = target === 'core' ? core : pool;
    let calls = 0;
    for (const k of pub) {
      const name = label(k);
      for (let i = 0; i < k.params.length; i++) {
        const p = k.params[i];
        const where = p.option ? `${name}: options.${p.name}` : `${name}: ${p.name}`;
        if (p.kind === 'scalar') {
          for (const [bad, Ctor, what] of badScalars(p)) {
            const e = await callWith(api, k, i, bad);
            expect(e, Ctor, Ctor === TypeError ? 'ERR_INVALID_ARG_TYPE' : 'ERR_OUT_OF_RANGE', where, `${where} = ${what}`);
            calls++;
          }
          if (p.default === undefined) {
            const e = await callWith(api, k, i, undefined, { missing: true });
            expect(e, TypeError, 'ERR_INVALID_ARG_TYPE', `${where} is required`, `${where} left out`);
            calls++;
          }
          continue;
        }
        // buffers
        const nonViews = [[null, 'null'], [42, 'a number'], [[1, 2], 'an array'], [new ArrayBuffer(4), 'an ArrayBuffer'], [{}, 'an object']];
        if (!p.text) nonViews.push(['abc', 'a string']);
        for (const [bad, what] of nonViews) {
          const e = await callWith(api, k, i, bad);
          expect(e, TypeError, 'ERR_INVALID_ARG_TYPE', where, `${where} = ${what}`);
          calls++;
        }
        if (p.elem !== 'bytes') {
          const e = await callWith(api, k, i, wrongView(k, i));
          expect(e, TypeError, 'ERR_INVALID_ARG_TYPE', where, `${where} of the wrong element type`);
          calls++;
        }
        // detached
        const d = new ELEM[p.elem](4);
        structuredClone(d.buffer, { transfer: [d.buffer] });
        expect(await callWith(api, k, i, d), TypeError, 'ERR_INVALID_ARG_TYPE', 'detached', `${where} detached`);
        if (p.elem === 'bytes') { // a DataView's getters throw once it is detached: the same error, never the engine's
          const dv = new DataView(new ArrayBuffer(8));
          structuredClone(dv.buffer, { transfer: [dv.buffer] });
          expect(await callWith(api, k, i, dv), TypeError, 'ERR_INVALID_ARG_TYPE', 'detached', `${where} detached DataView`);
        }
        // a view of fixed length over a resizable ArrayBuffer shrunk below it (its length reads 0)
        const rab = new ArrayBuffer(64, { maxByteLength: 64 });
        const oob = new ELEM[p.elem](rab, 8, 4);
        rab.resize(8);
        expect(await callWith(api, k, i, oob), TypeError, 'ERR_INVALID_ARG_TYPE', 'out of bounds', `${where} out of bounds`);
        if (p.elem === 'bytes') {
          const rab2 = new ArrayBuffer(64, { maxByteLength: 64 });
          const dv = new DataView(rab2, 8, 16);
          rab2.resize(16);
          expect(await callWith(api, k, i, dv), TypeError, 'ERR_INVALID_ARG_TYPE', 'out of bounds', `${where} out-of-bounds DataView`);
        }
        // freed, then its address reused
        const { views } = validArgs(k);
        const n = Math.max(views[i].byteLength, 8);
        const freed = api.alloc(n, ELEM[p.elem] === Uint8Array ? Uint8Array : ELEM[p.elem]);
        api.free(freed);
        const reuse = api.alloc(n);
        reuse.fill(0x5a);
        expect(await callWith(api, k, i, freed), RangeError, 'ERR_OUT_OF_RANGE', 'freed', `${where} freed`);
        assert.ok(reuse.every((b) => b === 0x5a), `${where}: the new owner of the address is untouched`);
        // built by hand over the heap
        const raw = new ELEM[p.elem](reuse.buffer, reuse.byteOffset, 1);
        expect(await callWith(api, k, i, raw), RangeError, 'ERR_OUT_OF_RANGE', where, `${where} built by hand`);
        api.free(reuse);
        // a length its literal or expression rules out
        if (p.fixed !== undefined || p.expr) {
          const want = views[i].length;
          const e = await callWith(api, k, i, new ELEM[p.elem](want + 1));
          expect(e, RangeError, 'ERR_OUT_OF_RANGE', where, `${where} one element too long`);
          calls++;
        }
        // a written buffer overlapping another buffer argument
        if (p.kind === 'out' || p.kind === 'inout') {
          const other = k.params.findIndex((q, j) => j !== i && q.kind !== 'scalar');
          if (other >= 0) {
            const { positional, options, views: vs } = validArgs(k);
            const big = new Uint8Array(vs[i].byteLength + vs[other].byteLength + 64);
            const A = ELEM[p.elem];
            const B = ELEM[k.params[other].elem];
            // b starts one element after a (where a may be the very same view of b): they overlap unless one
            // element is all there is
            const shift = p.alias === other ? B.BYTES_PER_ELEMENT : 0;
            const a = new A(big.buffer, 8, vs[i].length);
            const b = new B(big.buffer, 8 + shift, vs[other].length);
            if (a.byteLength && b.byteLength && a.byteLength > shift) {
              const pos = (j) => k.params.slice(0, j).filter((q) => !q.option).length;
              positional[pos(i)] = a;
              positional[pos(other)] = b;
              let e = null;
              try { await fnOf(api, k)(...positional, options); } catch (err) { e = err; }
              expect(e, RangeError, 'ERR_OUT_OF_RANGE', 'overlaps', `${where} overlapping ${k.params[other].name}`);
              calls++;
            }
          }
        }
        calls += 4;
      }
      // an unknown option, and too many arguments
      expect(await callWith(api, k, -1, undefined, { extraOption: { bogusOption: 1 } }), TypeError, 'ERR_INVALID_ARG_TYPE',
        'unknown option "bogusOption"', `${name} with an unknown option`);
      const { positional } = validArgs(k);
      let e = null;
      try { await fnOf(api, k)(...positional, 1, 2, 3, {}); } catch (err) { e = err; }
      expect(e, TypeError, 'ERR_INVALID_ARG_TYPE', name, `${name} with too many arguments`);
      calls += 2;
      await health(api, name);
    }
    assert.ok(calls > 1000, `the matrix ran ${calls} bad calls`);
  });
}

test('a view of another pool is not an error: it is copied in, like any foreign view', async () => {
  const other = await createPool({ threads: 1 });
  try {
    const v = other.alloc(9);
    v.set(CHECK);
    const before = pool.stats().bytesCopied;
    assert.equal(await pool.crc32(v), 0xcbf43926);
    assert.equal(core.crc32(v), 0xcbf43926);
    assert.ok(pool.stats().bytesCopied > before, 'copied');
    other.free(v);
    await assert.rejects(pool.crc32(v), (e) => e instanceof RangeError && /freed/.test(e.message), 'freed in its own pool: refused here too');
  } finally {
    await other.destroy();
  }
});

test('pool calls never throw synchronously: every bad call returns a rejected promise', () => {
  for (const k of pub.slice(0, 40)) {
    const f = fnOf(pool, k);
    let p;
    assert.doesNotThrow(() => { p = f(null, null, null, { bogus: 1 }); }, label(k));
    assert.ok(p instanceof Promise, label(k));
    p.catch(() => {});
  }
});

test('options objects from another realm (a vm context, an iframe) are options; an object with a prototype of its own is refused with a message that says so', async () => {
  // they were refused: "options must be an object (got an instance of Object)"
  const { runInNewContext } = await import('node:vm');
  const x = Float64Array.of(3, 1, 2);
  assert.deepEqual([...core.array.sort(x.slice(), runInNewContext('({ descending: true })'))], [3, 2, 1]);
  assert.deepEqual([...await pool.array.histogram(Float64Array.of(1, 2, 3, 4), runInNewContext('({ bins: 2 })'))], [2, 2]);
  assert.deepEqual([...core.image.invert({ data: new Uint8Array(4), width: 1, height: 1 }, runInNewContext('({})')).data], [255, 255, 255, 0]);
  assert.equal(core.createHash('xxh32', runInNewContext('({ seed: 1 })')).update('a').digest('hex'), core.createHash('xxh32', { seed: 1 }).update('a').digest('hex'));
  assert.throws(() => core.array.sort(x, runInNewContext('({ descending: 1 })')), TypeError, 'its values are still checked');
  for (const bad of [Object.create({ descending: true }), Object.create(Object.create(null))]) {
    assert.throws(() => core.array.sort(x, bad), (e) => e instanceof TypeError && /options must be an object \(got an object whose prototype is another object, not Object\.prototype\)/.test(e.message));
  }
});
