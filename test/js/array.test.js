// core.array and pool.array (js/families/array.js over the array kernels).
//
// Every operation runs on the core and on pools of 1, 2 and 4 threads; the
// pools' results must be the core's, bit for bit, and equal the plain-JS
// references of helpers/array-ref.js (TypedArray.prototype.sort, a stable
// index sort, BigInt and Shewchuk sums, triple loops), or lie within the
// error bound array.h states where the operation rounds. Data: every
// element type, random, sorted, reverse, all-equal, NaN/±Infinity/-0,
// integer extremes, lengths 0, 1, odd and large (large enough that the
// pools split the work), views at odd element offsets. Then the bad-input
// matrix: plain arrays, unsupported element types, mismatched lengths and
// shapes, lo >= hi, k out of range, unknown options.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import { fileURLToPath } from 'node:url';

import { createPool, loadCore } from '../../pkg/index.js';
import * as R from './helpers/array-ref.js';
import { runProcess } from './helpers/pool-test-utils.js';

const THREADS = [1, 2, 4];
let core;
const pools = {};

before(async () => {
  core = await loadCore();
  for (const t of THREADS) pools[t] = await createPool({ threads: t });
});

after(async () => {
  for (const t of THREADS) await pools[t]?.destroy();
});

const CTORS = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
  BigInt64Array, BigUint64Array, Float32Array, Float64Array];
const FLOAT_CTORS = [Float32Array, Float64Array];
const SHAPES = ['random', 'sorted', 'reverse', 'equal', 'special', 'narrow'];
const LENGTHS = [0, 1, 2, 7, 101, 4099];
const BIG = 150001; // large enough to be split across threads

// a deterministic generator (mulberry32)
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function limits(C) {
  if (C === BigInt64Array) return [-(2n ** 63n), 2n ** 63n - 1n];
  if (C === BigUint64Array) return [0n, 2n ** 64n - 1n];
  if (C === Float32Array) return [-3.4028234663852886e38, 3.4028234663852886e38];
  if (C === Float64Array) return [-Number.MAX_VALUE, Number.MAX_VALUE];
  const bits = C.BYTES_PER_ELEMENT * 8;
  return C.name.startsWith('Int') ? [-(2 ** (bits - 1)), 2 ** (bits - 1) - 1] : [0, 2 ** bits - 1];
}

/** n elements of type C in one of SHAPES; floats include specials in 'special'. */
function data(C, n, shape, seed = 1) {
  const r = rng(seed * 7919 + n * 31 + SHAPES.indexOf(shape));
  const x = new C(n);
  const big = C === BigInt64Array || C === BigUint64Array;
  const [lo, hi] = limits(C);
  const rand = () => {
    if (big) {
      const v = (BigInt(Math.floor(r() * 2 ** 32)) << 32n) | BigInt(Math.floor(r() * 2 ** 32));
      return C === BigInt64Array ? BigInt.asIntN(64, v) : v;
    }
    if (C === Float32Array || C === Float64Array) return (r() - 0.5) * 2 ** Math.floor(r() * 40 - 20);
    return Math.floor(lo + r() * (hi - lo + 1));
  };
  for (let i = 0; i < n; i++) x[i] = rand();
  if (shape === 'sorted') x.sort();
  if (shape === 'reverse') x.sort().reverse();
  if (shape === 'equal' && n) x.fill(x[0]);
  if (shape === 'narrow') for (let i = 0; i < n; i++) x[i] = big ? BigInt(Math.floor(r() * 5)) : Math.floor(r() * 5) - (lo < 0 ? 2 : 0);
  if (shape === 'special') {
    const sp = big ? [lo, hi, 0n, lo + 1n, hi - 1n]
      : R.isFloat(x) ? [NaN, Infinity, -Infinity, -0, 0, lo, hi, 5e-324, -1.5, 1.5]
        : [lo, hi, 0, lo + 1, hi - 1];
    for (let i = 0; i < n; i++) if (r() < 0.4) x[i] = sp[Math.floor(r() * sp.length)];
  }
  return x;
}

/** The same elements in a view at an odd element offset of a larger buffer. */
function offsetView(x, at = 3) {
  const C = x.constructor;
  const v = new C(new ArrayBuffer((x.length + at + 2) * C.BYTES_PER_ELEMENT), at * C.BYTES_PER_ELEMENT, x.length);
  v.set(x);
  return v;
}

const bytes = (v) => new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
const sameBits = (a, b) => a.byteLength === b.byteLength && Buffer.compare(bytes(a), bytes(b)) === 0;

/** The same result, deeply: views by element type and bits; numbers with Object.is. */
function assertSame(got, want, where) {
  if (ArrayBuffer.isView(want)) {
    assert.ok(ArrayBuffer.isView(got), `${where}: a view`);
    assert.equal(got[Symbol.toStringTag], want[Symbol.toStringTag], `${where}: element type`);
    assert.ok(sameBits(got, want), `${where}: the same bits`);
  } else if (want !== null && typeof want === 'object') {
    assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort(), `${where}: the same fields`);
    for (const key of Object.keys(want)) assertSame(got[key], want[key], `${where}.${key}`);
  } else {
    assert.ok(Object.is(got, want), `${where}: ${String(got)} vs ${String(want)}`);
  }
}

/**
 * Runs op on the core and every pool, each on fresh arguments from
 * makeArgs() (operations write in place); checks the pools against the
 * core, bit for bit, results and written arguments alike. Returns the
 * core's result and arguments.
 */
async function everywhere(op, makeArgs, label) {
  const args = makeArgs();
  const result = core.array[op](...args);
  for (const t of THREADS) {
    const a = makeArgs();
    const r = await pools[t].array[op](...a);
    assertSame(r, result, `${label} pool(${t})`);
    a.forEach((v, i) => {
      if (ArrayBuffer.isView(v)) assertSame(v, args[i], `${label} pool(${t}) argument ${i}`);
    });
  }
  return { result, args };
}

// every shape at the small lengths; at BIG (the threads' split) the random, sorted and special ones
const cases = (Cs = CTORS, lengths = LENGTHS) => Cs.flatMap((C) => lengths.flatMap((n) =>
  SHAPES.filter((s) => n < BIG || ['random', 'sorted', 'special'].includes(s)).map((s) => ({ C, n, s }))));
const name = ({ C, n, s }) => `${C.name}[${n}] ${s}`;

describe('sort, argsort, sortByKey, gather', () => {
  test('sort (both directions) equals TypedArray.prototype.sort; every type, shape, length; offset views', async () => {
    for (const c of [...cases(), ...cases(CTORS, [BIG]).filter((x) => x.s !== 'equal')]) {
      for (const descending of [false, true]) {
        const x = data(c.C, c.n, c.s);
        const { result, args } = await everywhere('sort', () => [offsetView(x), { descending }], `${name(c)} desc=${descending}`);
        assert.equal(result, args[0], 'sort returns x');
        assert.ok(R.sameElements(result, R.sortRef(x, descending)), `${name(c)} desc=${descending}`);
      }
    }
  });

  test('sort and argsort of input nearly in order (keys out of place, new keys at an end, nearly reversed, many ties) equal the references', async () => {
    // sort.c's near_sort: taken-out keys sorted and merged back, over
    // blocks of 2^18 elements (so 600,001 makes three); argsort's takes
    // ties by index
    const n = 600001;
    for (const C of [Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array]) {
      for (const shape of ['swaps', 'tail', 'head', 'reversed swaps', 'narrow swaps']) {
        const r = rng(n + shape.length);
        const fresh = data(C, n, 'random', 5);
        const base = shape === 'narrow swaps' ? 'narrow' : C.name.startsWith('Float') ? 'special' : 'random';
        const x = R.sortRef(data(C, n, base, 3), shape === 'reversed swaps');
        if (shape === 'tail') x.set(fresh.subarray(0, n / 100 | 0), n - (n / 100 | 0));
        else if (shape === 'head') x.set(fresh.subarray(0, n / 100 | 0));
        else {
          for (let q = 0; q < n / 100; q++) {
            const i = Math.floor(r() * n), j = Math.floor(r() * n);
            [x[i], x[j]] = [x[j], x[i]];
          }
        }
        for (const descending of [false, true]) {
          const { result } = await everywhere('sort', () => [offsetView(x), { descending }], `${C.name} ${shape} desc=${descending}`);
          assert.ok(R.sameElements(result, R.sortRef(x, descending)), `${C.name} ${shape} desc=${descending}`);
          const { result: order } = await everywhere('argsort', () => [offsetView(x), { descending }], `argsort ${C.name} ${shape} desc=${descending}`);
          assertSame(order, R.argsortRef(x, descending), `argsort ${C.name} ${shape} desc=${descending}`);
        }
      }
    }
  });

  test('sort and argsort of few distinct values over a wide range (doubles of a few values, scattered 32- and 64-bit integers) equal the references, with values a sample misses and too many of them', async () => {
    // sort.c's fs_sort and ca_sort (arrays of 2^16 elements or more):
    // counted by value in a hash table of a sample's values, the values it
    // missed kept per thread's block; more than a block holds, and the
    // radix sort takes over
    const n = 300001;
    const r = rng(77);
    for (const C of [Float64Array, Float32Array, Uint32Array, Int32Array, BigInt64Array, BigUint64Array]) {
      const big = C === BigInt64Array || C === BigUint64Array;
      const spread = (k) => {
        if (C === Float64Array || C === Float32Array) return k % 3 === 0 ? -k : k === 5 ? -0 : k === 7 ? NaN : k * 1.5;
        if (big) return BigInt.asIntN(64, BigInt(k) * 0x9e3779b97f4a7c15n);
        return Math.imul(k, 0x9e3779b1) >>> 0; // (an Int32Array takes it modulo 2^32)
      };
      const cast = (v) => (C === BigUint64Array ? BigInt.asUintN(64, v) : v);
      for (const [label, pick] of [
        ['16 values', () => Math.floor(r() * 16)],
        ['1,000 values', () => Math.floor(r() * 1000)],
        ['16 values, 40 rare ones', (i) => (i % 997 === 5 ? 16 + Math.floor(r() * 40) : Math.floor(r() * 16))],
        ['16 values, 2,000 rare ones', (i) => (i % 97 === 5 ? 16 + Math.floor(r() * 2000) : Math.floor(r() * 16))],
      ]) {
        const x = new C(n);
        for (let i = 0; i < n; i++) x[i] = cast(spread(pick(i)));
        for (const descending of [false, true]) {
          const { result } = await everywhere('sort', () => [offsetView(x), { descending }], `${C.name} ${label} desc=${descending}`);
          assert.ok(R.sameElements(result, R.sortRef(x, descending)), `${C.name} ${label} desc=${descending}`);
          const { result: order } = await everywhere('argsort', () => [offsetView(x), { descending }], `argsort ${C.name} ${label} desc=${descending}`);
          assertSame(order, R.argsortRef(x, descending), `argsort ${C.name} ${label} desc=${descending}`);
        }
      }
    }
  });

  test('argsort is the stable index sort; sortByKey permutes every payload', async () => {
    for (const c of [...cases(CTORS, [0, 1, 7, 1001]), ...cases([Float64Array, Uint32Array, Int8Array], [BIG])]) {
      for (const descending of [false, true]) {
        const x = data(c.C, c.n, c.s);
        const want = R.argsortRef(x, descending);
        const { result } = await everywhere('argsort', () => [offsetView(x), { descending }], `${name(c)} desc=${descending}`);
        assertSame(result, want, `argsort ${name(c)} desc=${descending}`);
        if (c.n > 5000) continue;
        const p1 = Float64Array.from({ length: c.n }, (_, i) => i + 0.5);
        const p2 = data(BigInt64Array, c.n, 'random', 3);
        const { result: order, args } = await everywhere('sortByKey',
          () => [x.slice(), [p1.slice(), offsetView(p2)], { descending }], `sortByKey ${name(c)}`);
        assertSame(order, want, `sortByKey order ${name(c)}`);
        assert.ok(R.sameElements(args[0], c.C.from(want, (i) => x[i])), 'keys sorted');
        assert.deepEqual([...args[1][0]], [...want].map((i) => p1[i]));
        assert.deepEqual([...args[1][1]], [...want].map((i) => p2[i]));
      }
    }
  });

  test('argsort into options.out: in place in the memory that holds it, copied into any other view', async () => {
    for (const C of [Float64Array, Int16Array, BigUint64Array]) {
      for (const n of [0, 1, 7, BIG]) {
        const x = data(C, n, 'random', 5);
        const want = R.argsortRef(x, true);
        for (const api of [core, ...THREADS.map((t) => pools[t])]) {
          const where = `${C.name}[${n}] ${api === core ? 'core' : `pool of ${api.threads}`}`;
          const xs = api.alloc(n * C.BYTES_PER_ELEMENT, C);
          xs.set(x);
          const block = api.alloc((n + 2) * 4, Uint32Array).fill(0xdeadbeef);
          const out = block.subarray(1, n + 1);
          const r = await api.array.argsort(xs, { descending: true, out });
          assert.equal(r, out, `${where}: returns options.out`);
          assertSame(r, want, `${where}: in place`);
          assert.ok(block[0] === 0xdeadbeef && block[n + 1] === 0xdeadbeef, `${where}: nothing written around it`);
          const foreign = new Uint32Array(n);
          assertSame(await api.array.argsort(xs, { descending: true, out: foreign }), want, `${where}: a foreign view`);
          if (n > 1) {
            // indices over the keys they are computed from: refused, the keys untouched
            const len = Math.min(n, xs.byteLength >> 2);
            const overlapping = api.view(xs, Uint32Array, 0, len);
            const isOverlap = (e) => e instanceof RangeError && /options\.out overlaps x/.test(e.message);
            if (api === core) assert.throws(() => api.array.argsort(xs.subarray(0, len), { out: overlapping }), isOverlap, where);
            else await assert.rejects(api.array.argsort(xs.subarray(0, len), { out: overlapping }), isOverlap, where);
            assert.ok(sameBits(xs, x), `${where}: x unchanged`);
          }
          api.free(block);
          api.free(xs);
        }
      }
    }
  });

  test('gather, with and without options.out', async () => {
    for (const C of CTORS) {
      const x = data(C, 50, 'special');
      const idx = Uint32Array.from({ length: 77 }, (_, i) => (i * 13) % 50);
      const { result } = await everywhere('gather', () => [x, idx], C.name);
      assert.ok(R.sameElements(result, C.from(idx, (i) => x[i])), C.name);
      const out = new C(77);
      assert.equal(core.array.gather(x, idx, { out }), out);
    }
  });
});

describe('selection and search', () => {
  test('kth, median, quantile(s), topk against the sorted reference', async () => {
    for (const c of cases(CTORS, [1, 2, 7, 1001, 10001])) {
      const x = data(c.C, c.n, c.s);
      const sorted = R.sortRef(x);
      for (const k of new Set([0, c.n >> 1, c.n - 1])) {
        const { result } = await everywhere('kth', () => [offsetView(x), k], `kth ${name(c)} k=${k}`);
        assert.ok(Object.is(result, sorted[k]), `kth ${name(c)} k=${k}: ${result} vs ${sorted[k]}`);
      }
      const qs = [0, 0.1, 0.25, 0.5, 0.9, 1];
      const { result: q } = await everywhere('quantiles', () => [x, qs], `quantiles ${name(c)}`);
      assertSame(q, Float64Array.from(qs, (p) => R.quantileRef(x, p)), `quantiles ${name(c)}`);
      assert.ok(Object.is(core.array.median(x), R.quantileRef(x, 0.5)), `median ${name(c)}`);
      assert.ok(Object.is(core.array.quantile(x, 0.25), R.quantileRef(x, 0.25)), `quantile ${name(c)}`);
      for (const smallest of [false, true]) {
        const k = Math.min(c.n, 17);
        const order = R.argsortRef(x, !smallest).subarray(0, k);
        const { result } = await everywhere('topk', () => [x, k, { smallest }], `topk ${name(c)}`);
        assertSame(result.indices, Uint32Array.from(order), `topk indices ${name(c)} smallest=${smallest}`);
        assert.ok(R.sameElements(result.values, c.C.from(order, (i) => x[i])), `topk values ${name(c)}`);
      }
    }
    assert.ok(Number.isNaN(core.array.median(new Float64Array(0))));
    assert.ok(Number.isNaN(core.array.median(Float32Array.of(NaN, NaN))));
    // an infinity next to a finite value gives that infinity, either side:
    // mirrored data (x -> -x, q -> 1 - q) give mirrored quantiles
    for (const C of [Float32Array, Float64Array]) {
      for (const [x, q, want] of [[[1, Infinity], 0.5, Infinity], [[-Infinity, 1], 0.5, -Infinity],
        [[1, Infinity], 0.25, Infinity], [[-Infinity, -1], 0.75, -Infinity], [[-Infinity, 0, 1, 2], 0.1, -Infinity],
        [[-Infinity, Infinity], 0.5, NaN], [[-Infinity, -Infinity, 3], 0.5, -Infinity]]) {
        for (const [data, p, w] of [[x, q, want], [x.map((v) => -v), 1 - q, -want]]) {
          const got = core.array.quantile(C.from(data), p);
          assert.ok(Object.is(got, w), `${C.name} quantile(${data}, ${p}): ${got}, want ${w}`);
          assert.ok(Object.is((await pools[2].array.quantiles(C.from(data), [p]))[0], w), `pool ${C.name} quantiles(${data}, [${p}])`);
        }
      }
      assert.deepEqual([...core.array.quantiles(C.of(-Infinity, 0, 1, 2), [0.1, 0.9])].map((v) => Math.round(v * 10) / 10), [-Infinity, 1.7]);
    }
    // finite neighbours more than Number.MAX_VALUE apart: a finite value
    // between them (b - a overflowed to Infinity), mirrored for mirrored data
    const M = Number.MAX_VALUE;
    for (const [x, q] of [[[-1e308, 1e308], 0.25], [[-M, M], 0.3], [[-M, 0, M], 0.2], [[-M, -M, M, M], 0.45]]) {
      for (const [data, p] of [[x, q], [x.map((v) => -v), 1 - q]]) {
        const want = R.quantileRef(data, p);
        assert.ok(Number.isFinite(want) && want > -M && want < M, `reference ${want}`);
        assert.ok(Object.is(core.array.quantile(Float64Array.from(data), p), want), `quantile(${data}, ${p})`);
        assert.ok(Object.is((await pools[2].array.quantiles(Float64Array.from(data), [p, 0.5]))[0], want), `pool quantiles(${data}, [${p}])`);
      }
      const lo = core.array.quantile(Float64Array.from(x), q);
      const mirrored = core.array.quantile(Float64Array.from(x, (v) => -v), 1 - q); // 1 - q is rounded
      assert.ok(Math.abs(mirrored + lo) <= Math.abs(lo) * 1e-14, `mirrored ${x} at ${q}: ${lo}, ${mirrored}`);
    }
    assert.equal(core.array.median(Float64Array.of(-1e308, 1e308)), 0);
  });

  test('selection needs no scratch the size of the array: one-value buckets (8-bit data), a bucket of most elements, histogram\'s default range', async () => {
    // a fresh core: what the heap grows by is what these calls allocated
    const fresh = await loadCore();
    const N = 1 << 24;
    const u8 = fresh.alloc(N, Uint8Array);
    for (let i = 0; i < N; i++) u8[i] = i % 2 ? 200 : 3;
    const f64 = fresh.alloc(8 * N, Float64Array); // N zeros, and one 1 among them
    f64[12345] = 1;
    const before = fresh.heapSize;
    assert.equal(fresh.array.median(u8), (3 + 200) / 2);
    assert.equal(fresh.array.kth(u8, N / 2 - 1), 3);
    assert.equal(fresh.array.kth(u8, N / 2), 200);
    assertSame(fresh.array.quantiles(u8, [0, 0.25, 0.75, 1]), Float64Array.of(3, 3, 200, 200), 'u8 quantiles');
    const top = fresh.array.topk(u8, 3);
    assertSame(top.indices, Uint32Array.of(1, 3, 5), 'u8 topk indices');
    assertSame(fresh.array.quantiles(f64, [0, 1]), Float64Array.of(0, 1), 'f64 quantiles 0 and 1');
    assertSame(fresh.array.quantiles(f64, [0, 0.5, 1]), Float64Array.of(0, 0, 1), 'f64 quantiles 0, 0.5, 1');
    const h = fresh.array.histogram(f64, { bins: 2 });
    assert.deepEqual([h[0], h[1]], [N - 1, 1], 'histogram over the default range [0, 1]');
    const grew = fresh.heapSize - before;
    assert.ok(grew < 8 << 20, `the heap grew by ${(grew / 2 ** 20).toFixed(1)} MiB for arrays of 16 and 128 MiB`);
    // the same answers on a pool
    const pu8 = pools[2].alloc(N, Uint8Array);
    pu8.set(u8);
    assert.equal(await pools[2].array.median(pu8), (3 + 200) / 2);
    pools[2].free(pu8);
  });

  test('quantiles whose ranks step back (q given twice: r, r + 1, r, r + 1) where r ends a bucket of the selection', async () => {
    // a permutation of 0 .. n - 1 (rank r is r); the first round's buckets
    // are 64 values wide, so each r = 64 k + 63 ends one and r + 1 starts the next
    const n = 100000;
    const x = Uint32Array.from({ length: n }, (_, i) => (i * 7919) % n);
    const qs = [];
    for (let k = 0; qs.length < 64; k += 37) qs.push((64 * k + 63.25) / (n - 1), (64 * k + 63.5) / (n - 1));
    const { result } = await everywhere('quantiles', () => [x, qs], 'quantiles at bucket ends');
    assertSame(result, Float64Array.from(qs, (p) => R.quantileRef(x, p)), 'quantiles at bucket ends');
  });

  test('quantiles between equal neighbours are that value: two infinities give Infinity, two -0 give -0 (R type 7)', async () => {
    const cases = [
      [Float64Array.of(Infinity, Infinity), [0.5], [Infinity]],
      [Float64Array.of(-Infinity, -Infinity, 1), [0.25], [-Infinity]],
      [Float32Array.of(1, Infinity, Infinity, 2), [0.9], [Infinity]],
      [Float64Array.of(-0, -0), [0.5], [-0]],
      [Float64Array.of(1, 3), [0.5], [2]],
    ];
    for (const [x, qs, want] of cases) {
      const { result } = await everywhere('quantiles', () => [x, qs], `quantiles of ${Array.from(x)}`);
      assertSame(result, Float64Array.from(want), `quantiles of ${Array.from(x)} at ${qs}`);
      assertSame(Float64Array.from(qs, (p) => R.quantileRef(x, p)), Float64Array.from(want), `reference at ${qs}`);
    }
    assert.ok(Object.is(core.array.median(Float64Array.of(-0, -0)), -0), 'median of two -0');
    assert.equal(core.array.median(Float64Array.of(Infinity, Infinity)), Infinity, 'median of two infinities');
    assert.ok(Number.isNaN(core.array.median(Float64Array.of(-Infinity, Infinity))), 'median of -Infinity and Infinity: NaN, as in R');
    // a position on an element gives the element, whatever its neighbours (README, array.h)
    for (const api of [core.array, pools[2].array]) {
      assert.ok(Object.is(await api.median(Float64Array.of(-Infinity, 0, Infinity)), 0), 'median of -Infinity, 0, Infinity');
      assert.deepEqual([...await api.quantiles(Float64Array.of(Infinity, 1, -Infinity, 2, 3), [0.25, 0.5, 0.75])], [1, 2, 3]);
    }
  });

  test('searchSorted left and right, arrays and single needles', async () => {
    for (const c of cases(CTORS, [0, 1, 7, 300])) {
      const sorted = R.sortRef(data(c.C, c.n, c.s));
      const needles = c.C.from([...data(c.C, 40, c.s, 5), ...sorted.subarray(0, 10)]);
      for (const right of [false, true]) {
        const { result } = await everywhere('searchSorted', () => [offsetView(sorted), needles, { right }], `${name(c)} right=${right}`);
        assertSame(result, R.searchRef(sorted, needles, right), `${name(c)} right=${right}`);
      }
      if (c.n) assert.equal(core.array.searchSorted(sorted, sorted[0]), R.searchRef(sorted, [sorted[0]], false)[0]);
    }
  });

  test('unique with counts (SameValueZero: one zero, one NaN)', async () => {
    for (const c of cases(CTORS, [0, 1, 7, 1001, 20001])) {
      const x = data(c.C, c.n, c.s);
      const want = R.uniqueRef(x);
      const { result } = await everywhere('unique', () => [offsetView(x)], `unique ${name(c)}`);
      assert.equal(result.values[Symbol.toStringTag], c.C.name);
      assert.ok(R.sameElements(result.values, c.C.from(want.values)), `unique values ${name(c)}`);
      assert.deepEqual([...result.counts], want.counts, `unique counts ${name(c)}`);
    }
  });
});

describe('reductions', () => {
  test('sum: integers exact (number or bigint), floats within the documented bound', async () => {
    for (const c of cases(CTORS, [0, 1, 7, 4099, BIG])) {
      const x = data(c.C, c.n, c.s);
      const { result } = await everywhere('sum', () => [offsetView(x)], `sum ${name(c)}`);
      if (R.isFloat(x)) {
        const exact = R.fsumWide(x);
        const absSum = Array.from(x, Math.abs).reduce((a, v) => a + v, 0);
        if (Number.isNaN(exact) || (!Number.isFinite(exact) && Number.isFinite(absSum))) {
          assert.ok(Object.is(result, exact), `sum ${name(c)}: ${result} vs ${exact}`);
          continue;
        }
        if (!Number.isFinite(exact)) {
          assert.equal(result, exact, `sum ${name(c)}: the exact sum is beyond the range`);
          continue;
        }
        // partial sums may leave the double range where the exact sum does not: still within the bound
        // (Σ|x| then taken at 2^-64, exactly, to stay finite)
        assert.ok(Number.isFinite(result), `sum ${name(c)}: ${result} where the exact sum is ${exact}`);
        const err = Math.abs(R.fsumWide([result, ...Array.from(x, (v) => -v)]));
        const abs = Number.isFinite(absSum) ? R.fsum(Array.from(x, Math.abs)) : R.fsum(Array.from(x, (v) => Math.abs(v) * 2 ** -64)) * 2 ** 64;
        const bound = R.sumBound(exact, abs, c.n);
        assert.ok(err <= bound, `sum ${name(c)}: error ${err} > bound ${bound}`);
      } else if (R.isBig(x)) {
        assert.equal(result, R.bigSum(x), `sum ${name(c)}`);
      } else {
        assert.equal(result, Number(R.bigSum(x)), `sum ${name(c)}`);
        assert.equal(core.array.sum(x, { bigint: true }), R.bigSum(x), `sum bigint ${name(c)}`);
      }
    }
    // cancellation the naive loop gets wrong; exact halves
    assert.equal(core.array.sum(Float64Array.of(1e100, 1, -1e100)), 1);
    assert.equal(core.array.sum(new Float64Array(0)), 0);
  });

  test('signed zeros: sum and mean of negative zeros only are -0, cumsum over a leading run of them too (IEEE addition)', async () => {
    for (const C of [Float32Array, Float64Array]) {
      for (const n of [1, 2, 7, 17, BIG]) {
        const neg = () => new C(n).fill(-0);
        for (const op of ['sum', 'mean']) {
          const { result } = await everywhere(op, () => [neg()], `${op} of ${n} -0 ${C.name}`);
          assert.ok(Object.is(result, -0), `${op} of ${n} -0 ${C.name}: ${Object.is(result, 0) ? '+0' : result}`);
        }
        // one +0 anywhere, or a non-zero that cancels: +0
        for (const at of [0, n >> 1, n - 1]) {
          const x = neg();
          x[at] = 0;
          const { result } = await everywhere('sum', () => [x.slice()], `sum of -0 with +0 at ${at}`);
          assert.ok(Object.is(result, 0), `sum of ${n} -0 ${C.name} with +0 at ${at}`);
        }
        if (n > 1) {
          const x = neg();
          x[0] = 1;
          x[n - 1] = -1;
          assert.ok(Object.is((await everywhere('sum', () => [x.slice()], 'cancel')).result, 0), 'sum of 1, -0..., -1');
        }
        // cumsum: a run of -0 of `run` elements, then 1.5, then -0s and a -1.5
        for (const run of [0, 1, n >> 1, n]) {
          const make = () => {
            const x = neg();
            if (run < n) x[run] = 1.5;
            if (run + 2 < n - 1) x[n - 1] = -1.5;
            return x;
          };
          const ref = (exclusive) => {
            const out = new C(n);
            let acc = 0; // the prefix before the first element, then IEEE addition
            let allNeg = true;
            for (let i = 0; i < n; i++) {
              if (exclusive) out[i] = i > 0 && allNeg ? -0 : acc;
              allNeg = allNeg && Object.is(make()[i], -0);
              acc += make()[i];
              if (!exclusive) out[i] = allNeg ? -0 : acc;
            }
            return out;
          };
          for (const exclusive of [false, true]) {
            const want = n <= 17 ? ref(exclusive) : null;
            const { result } = await everywhere('cumsum', () => [make(), { exclusive }], `cumsum run ${run} of ${n}`);
            for (let i = 0; i < Math.min(n, run + 2); i++) {
              const w = exclusive ? (i >= 1 && i <= run ? -0 : i === 0 ? 0 : 1.5) : i < run ? -0 : 1.5;
              assert.ok(Object.is(result[i], w), `cumsum ${C.name} n ${n} run ${run} exclusive ${exclusive} [${i}]: ${result[i]} vs ${w}`);
            }
            if (want) assert.ok(sameBits(result, want), `cumsum ${C.name} n ${n} run ${run} exclusive ${exclusive}: the reference`);
            // in place: the same bits
            const x = make();
            core.array.cumsum(x, { exclusive, out: x });
            assert.ok(sameBits(x, result), `cumsum in place ${C.name} n ${n} run ${run} exclusive ${exclusive}`);
          }
        }
      }
      assert.ok(Object.is(core.array.sum(new C(0)), 0), 'the empty sum is +0');
    }
  });

  test('sum and mean of doubles whose running sum passes the double range: finite where the exact result is', async () => {
    const MAX = Number.MAX_VALUE;
    const n = 100003;
    const long = new Float64Array(n); // 1e308, 1e308, then -1e308, 1e308 pairs, and -1e308: 1e308 in all
    long[0] = 1e308;
    for (let i = 1; i < n; i++) long[i] = i % 2 ? 1e308 : -1e308;
    const cases = [
      [Float64Array.of(1e308, 1e308, -1e308), 1e308, 1e308 / 3],
      [Float64Array.of(MAX, MAX, -MAX, 5), MAX, (MAX + 5) / 4],
      [Float64Array.of(MAX, MAX), Infinity, MAX],
      [Float64Array.of(-MAX, -MAX, 1), -Infinity, -((MAX * 2 ** -64 * 2) / 3) * 2 ** 64],
      [long, 1e308, 1e308 / n],
      [Float64Array.of(MAX, MAX, Infinity), Infinity, Infinity],
      [Float64Array.of(MAX, MAX, -Infinity), -Infinity, -Infinity],
      [Float64Array.of(MAX, MAX, NaN), NaN, NaN],
      [Float64Array.of(Infinity, -Infinity), NaN, NaN],
    ];
    assert.equal(R.fsumWide(long), 1e308, 'the reference');
    for (const [x, sum, mean] of cases) {
      const { result: s } = await everywhere('sum', () => [x], `sum of ${x.length}`);
      assert.ok(Object.is(s, sum), `sum of ${x.length} from ${x[0]}: ${s}, expected ${sum}`);
      const { result: m } = await everywhere('mean', () => [x], `mean of ${x.length}`);
      assert.ok(Object.is(m, mean), `mean of ${x.length} from ${x[0]}: ${m}, expected ${mean}`);
    }
  });

  test('mean, variance, std against exact and two-pass references', async () => {
    for (const c of cases(CTORS, [1, 2, 7, 4099, BIG]).filter((c) => c.s !== 'special')) {
      const x = data(c.C, c.n, c.s);
      const { result: mean } = await everywhere('mean', () => [x], `mean ${name(c)}`);
      const ref = R.isFloat(x) ? R.fsum(x) / c.n : Number(R.bigSum(x)) / c.n;
      assert.ok(Math.abs(mean - ref) <= 4.5e-16 * Math.abs(ref), `mean ${name(c)}: ${mean} vs ${ref}`);
      const xs = Array.from(x, Number);
      const m = R.fsum(xs) / c.n;
      for (const ddof of [0, 1]) {
        const { result: v } = await everywhere('variance', () => [x, { ddof }], `variance ${name(c)}`);
        if (c.n <= ddof) {
          assert.ok(Number.isNaN(v));
          continue;
        }
        const want = R.fsum(xs.map((e) => (e - m) ** 2)) / (c.n - ddof);
        const tol = 64 * 2 ** -53 * (want + m * m); // array.h: relative (2 + log2(n / 2048)) 2^-53 (1 + mean^2 / var)
        assert.ok(Math.abs(v - want) <= tol, `variance ${name(c)} ddof=${ddof}: ${v} vs ${want}`);
        const { result: s } = await everywhere('std', () => [x, { ddof }], `std ${name(c)}`);
        assert.equal(s, Math.sqrt(v));
      }
    }
    assert.ok(Number.isNaN(core.array.mean(new Float64Array(0))));
    assert.ok(Number.isNaN(core.array.variance(Float64Array.of(1, NaN))));
    assert.ok(Number.isNaN(core.array.variance(Float64Array.of(1), { ddof: 1 })));
  });

  test('min/max with argmin/argmax (first index; NaN wins as in Math.min; -0 < +0)', async () => {
    for (const c of cases(CTORS, [1, 2, 7, 4099, BIG])) {
      const x = data(c.C, c.n, c.s);
      let mi = 0;
      let ma = 0;
      for (let i = 1; i < c.n; i++) {
        const v = x[i];
        if (x[mi] === x[mi] && (v !== v || v < x[mi] || (v === 0 && Object.is(v, -0) && Object.is(x[mi], 0)))) mi = i;
        if (x[ma] === x[ma] && (v !== v || v > x[ma] || (v === 0 && Object.is(v, 0) && Object.is(x[ma], -0)))) ma = i;
      }
      const { result: rmin } = await everywhere('min', () => [offsetView(x)], `min ${name(c)}`);
      assertSame(rmin, { min: x[mi], argmin: mi }, `min ${name(c)}`);
      const { result: rmax } = await everywhere('max', () => [x], `max ${name(c)}`);
      assertSame(rmax, { max: x[ma], argmax: ma }, `max ${name(c)}`);
    }
  });

  test('dot with infinities and NaN: the IEEE sum of the products, on the core and every pool', async () => {
    for (const C of [Float32Array, Float64Array]) {
      for (const n of [1, 9, 17, 33, BIG]) {
        for (const pos of [0, n >> 1, n - 1]) {
          const kinds = [
            [(x) => { x[pos] = Infinity; }, Infinity],
            [(x) => { x[pos] = -Infinity; }, -Infinity],
            [(x, y) => { x[pos] = Infinity; y[pos] = 0; }, NaN],
            [(x) => { x[pos] = NaN; }, NaN],
            [(x) => { x[pos] = Infinity; x[(pos + 1) % n] = -Infinity; }, n > 1 ? NaN : -Infinity],
            // an infinity times an element so small that a rescaled second pass would make it 0 (0 * Inf)
            [(x, y) => { x[pos] = -Infinity; y[pos] = C === Float64Array ? 1e-200 : 1e-40; }, -Infinity],
            [(x, y) => { x[pos] = 1e-300; y[pos] = Infinity; }, C === Float64Array ? Infinity : NaN],
          ];
          for (const [k, [spoil, want]] of kinds.entries()) {
            const x = C.from({ length: n }, (_, i) => 1 + (i % 7));
            const y = C.from({ length: n }, (_, i) => 0.5 + (i % 3));
            spoil(x, y);
            const { result } = await everywhere('dot', () => [x, offsetView(y)], `dot ${C.name}[${n}] kind ${k} at ${pos}`);
            assert.ok(Object.is(result, want) || (Number.isNaN(want) && Number.isNaN(result)),
              `dot ${C.name}[${n}] kind ${k} at ${pos}: ${result}, want ${want}`);
          }
        }
      }
    }
  });

  test('dot and norm within the documented bounds', async () => {
    for (const c of cases(FLOAT_CTORS, [0, 1, 7, 4099, BIG]).filter((c) => c.s !== 'special')) {
      const x = data(c.C, c.n, c.s);
      const y = data(c.C, c.n, 'random', 9);
      const { result: d } = await everywhere('dot', () => [x, offsetView(y)], `dot ${name(c)}`);
      const prods = Array.from(x, (v, i) => v * y[i]);
      const exact = c.C === Float32Array ? R.fsum(prods) : R.fsum(prods); // f32 products are exact in double
      const abs = R.fsum(prods.map(Math.abs));
      // against the products (rounded for doubles, exact for floats): the
      // pairs' one more rounding, 2^-53 sum|p| (the documented 2.01 for
      // doubles counts the products' own rounding too)
      const bound = 2 ** -53 * Math.abs(exact) + 1.01 * 2 ** -53 * abs + R.sumBound(0, abs, c.n);
      assert.ok(Math.abs(d - exact) <= bound, `dot ${name(c)}: ${d} vs ${exact}`);
      const { result: nm } = await everywhere('norm', () => [x], `norm ${name(c)}`);
      const want = Math.sqrt(R.fsum(Array.from(x, (v) => v * v)));
      assert.ok(Math.abs(nm - want) <= 4 * 2 ** -53 * want, `norm ${name(c)}: ${nm} vs ${want}`);
    }
    assert.equal(core.array.norm(Float64Array.of(3e300, 4e300)), 5e300); // no overflow on the way
    assert.equal(core.array.norm(Float64Array.of(NaN, Infinity)), Infinity); // as Math.hypot
  });
});

describe('scan, histogram, elementwise', () => {
  test('cumsum inclusive and exclusive: integers wrap as the type, floats within the bound; in place', async () => {
    for (const c of cases(CTORS, [0, 1, 7, 4099, BIG]).filter((c) => !(R.isFloat(new c.C(0)) && c.s === 'special'))) {
      const x = data(c.C, c.n, c.s);
      for (const exclusive of [false, true]) {
        const { result } = await everywhere('cumsum', () => [offsetView(x), { exclusive }], `cumsum ${name(c)}`);
        if (R.isFloat(x)) {
          let exactParts = [];
          let absParts = 0;
          for (let i = 0; i < c.n; i++) {
            if (exclusive && i === 0) {
              assert.equal(result[0], 0);
            }
            const parts = exclusive ? exactParts : [...exactParts, x[i]];
            if (!(exclusive && i === 0)) {
              const s = R.fsum(parts);
              const b = R.sumBound(s, absParts + (exclusive ? 0 : Math.abs(x[i])), i + 1) + (c.C === Float32Array ? 2 ** -24 * Math.abs(s) : 0);
              assert.ok(Math.abs(result[i] - s) <= b, `cumsum ${name(c)} [${i}] ${result[i]} vs ${s}`);
            }
            exactParts.push(x[i]);
            absParts += Math.abs(x[i]);
            if (i > 200) break; // the prefix bound checked on the first elements; the rest by thread agreement
          }
        } else {
          let s = 0n;
          const bits = c.C.BYTES_PER_ELEMENT * 8;
          // as JS stores: Uint8ClampedArray clamps (the sums only grow), the rest wrap
          const wrap = c.C === Uint8ClampedArray ? (v) => (v > 255n ? 255n : v)
            : c.C.name.startsWith('Int') || c.C === BigInt64Array ? (v) => BigInt.asIntN(bits, v) : (v) => BigInt.asUintN(bits, v);
          for (let i = 0; i < c.n; i++) {
            const before = s;
            s += BigInt(x[i]);
            const want = wrap(exclusive ? before : s);
            const got = R.isBig(x) ? result[i] : BigInt(result[i]);
            if (got !== want) assert.fail(`cumsum ${name(c)} exclusive=${exclusive} [${i}]: ${got} vs ${want}`);
          }
        }
      }
    }
    const x = Int32Array.of(1, 2, 3);
    assert.equal(core.array.cumsum(x, { out: x }), x);
    assert.deepEqual([...x], [1, 3, 6]);
    // Uint8ClampedArray: clamped as a JS store would, in place and into out, core and pool
    for (const api of [core.array, pools[2].array]) {
      const u = Uint8ClampedArray.of(200, 100, 1, 0);
      assert.deepEqual([...await api.cumsum(u)], [200, 255, 255, 255]);
      assert.deepEqual([...await api.cumsum(u, { exclusive: true })], [0, 200, 255, 255]);
      const into = new Uint8ClampedArray(4);
      assert.equal(await api.cumsum(u, { out: into }), into);
      assert.deepEqual([...into], [200, 255, 255, 255]);
      assert.equal(await api.cumsum(u, { out: u }), u);
      assert.deepEqual([...u], [200, 255, 255, 255]);
      assert.equal((await api.cumsum(new Uint8ClampedArray(0))).length, 0);
    }
  });

  test('histogram: equal bins (given or default range) and explicit edges', async () => {
    for (const c of cases(CTORS, [0, 1, 7, 4099, BIG])) {
      const x = data(c.C, c.n, c.s);
      const xs = Array.from(x, Number).filter((v) => v === v);
      const lo = xs.length ? Math.min(...xs.slice(0, 50000)) : 0;
      const finite = xs.every(Number.isFinite);
      for (const bins of c.n >= BIG ? [256] : [1, 7, 256]) {
        const mn = xs.reduce((a, v) => Math.min(a, v), Infinity);
        const mx = xs.reduce((a, v) => Math.max(a, v), -Infinity);
        if (finite) {
          const [l, h] = xs.length ? [mn, mx] : [0, 1];
          if (l === h) {
            // one value: every element in the middle bin (see the next test)
            const { result } = await everywhere('histogram', () => [x, { bins }], `histogram one value ${name(c)} bins=${bins}`);
            const want = new Uint32Array(bins);
            want[Math.abs(l) === Number.MAX_VALUE ? (l > 0 ? bins - 1 : 0) : bins >> 1] = xs.length;
            assertSame(result, want, `histogram of one value ${l} ${name(c)} bins=${bins}`);
          } else if (Number.isFinite(h - l)) {
            const { result } = await everywhere('histogram', () => [x, { bins }], `histogram ${name(c)} bins=${bins}`);
            assertSame(result, R.histogramRef(x, R.equalEdges(l, h, bins)), `histogram default ${name(c)} bins=${bins}`);
          }
        }
        const range = [Number.isFinite(lo) ? lo * 0.5 - 1 : -1, 1e3];
        if (range[0] < range[1]) {
          const { result } = await everywhere('histogram', () => [offsetView(x), { bins, lo: range[0], hi: range[1] }], `histogram ${name(c)}`);
          assertSame(result, R.histogramRef(x, R.equalEdges(range[0], range[1], bins)), `histogram ${name(c)} bins=${bins}`);
        }
      }
      const edges = [-Infinity, -100, -1, 0, 0.5, 3, 1e6, Infinity];
      const { result } = await everywhere('histogram', () => [x, { edges }], `histogram edges ${name(c)}`);
      assertSame(result, R.histogramRef(x, edges), `histogram edges ${name(c)}`);
    }
  });

  test('doubles near the top of the range: cumsum, variance, std and dot make no NaN of finite data (core and pools)', async () => {
    const M = Number.MAX_VALUE;
    const x = Float64Array.of(-5.992310449541053e+307, 8.988465674311579e+307, -5.992310449541053e+307, M);
    const y = new Float64Array(16).fill(1);
    const big = new Float64Array(32769);
    big[0] = big[1] = M;
    big[8] = -M;
    for (const api of [core.array, pools[1].array, pools[2].array]) {
      // the exact prefixes: -5.99e307, 2.996e307, -2.996e307, then what sum() of the four gives
      const c = await api.cumsum(x);
      assert.equal(c[3], await api.sum(x), 'cumsum: the last prefix is the sum');
      assert.ok([...c].every(Number.isFinite), 'cumsum: no NaN, no Infinity');
      // beyond the range while the prefix is, then back: [M, Infinity x 7, M, M, ...] across chunks of 32,768
      const b = await api.cumsum(big);
      assert.deepEqual([b[0], b[1], b[7], b[8], b[32767], b[32768]], [M, Infinity, Infinity, M, M, M]);
      assert.equal(await api.variance(Float64Array.of(-M, M, -M, M)), Infinity);
      assert.equal(await api.std(Float64Array.of(-M, M, -M, M)), M);
      assert.equal(await api.variance(new Float64Array(4097).fill(M)), 0);
      assert.equal(await api.variance(new Float64Array(255).fill(1e200)), 0);
      const z = new Float64Array(16);
      z[0] = z[8] = M;
      z[1] = z[9] = -M;
      assert.equal(await api.dot(z, y), 0, 'products that cancel (the pairs i, i + 8 overflow)');
      const w = new Float64Array(16);
      w[0] = w[8] = -M;
      w[1] = w[2] = w[3] = 0.9 * M;
      assert.equal(await api.dot(w, y), await api.sum(w), 'dot with ones is the sum');
      assert.ok(Number.isFinite(await api.dot(w, y)));
    }
  });

  test('histogram of one value whose [v - 0.5, v + 0.5] edges round: still the middle bin', async () => {
    // the middle edge lo + (bins >> 1) w, as the kernel rounds it, had come out above v
    const cases = [[Float64Array, 0.009213039921596647, 10], [Float64Array, -1e-20, 2], [Float32Array, -1.1754943508222875e-38, 10],
      [Float64Array, 0.009213039921596647, 1000], [Float64Array, 0.009213039921596647, 4096]];
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    for (let i = 0; i < 300; i++) cases.push([Float64Array, (rnd() - 0.5) * 10 ** Math.floor(rnd() * 12 - 6), [2, 4, 10, 1000, 4096][i % 5]]);
    for (const [C, v, bins] of cases) {
      for (const [api, n] of [[core.array, 1], [core.array, 3], [core.array, 2000], [pools[2].array, 2]]) {
        const x = new C(n).fill(v);
        const h = await api.histogram(x, { bins });
        const want = new Uint32Array(bins);
        want[bins >> 1] = n;
        assertSame(h, want, `histogram of ${n} x ${C.name} ${x[0]}, bins ${bins}`);
      }
    }
  });

  test('histogram\'s default range: read on the calling thread (up to 1,024 elements) as the kernels find it (more)', async () => {
    const sets = [
      [Float64Array, [0.5, NaN, -3, 7.25, NaN, 2]], [Float64Array, [NaN, NaN]], [Float64Array, []],
      [Float64Array, [0, -0, 5]], [Float64Array, [-0, 0, -5]], [Float64Array, [-0, -0]], [Float64Array, [0, -0]],
      [Float32Array, [NaN, 1.5, -2.25, 3]], [Float64Array, [4, 4, 4]], [Float64Array, [Number.MAX_VALUE, 1]],
      [Int8Array, [-128, 127, 0]], [Uint8ClampedArray, [9, 200, 3]], [BigInt64Array, [-(2n ** 63n), 5n, 2n ** 63n - 1n]],
      [BigUint64Array, [2n ** 64n - 1n, 2n ** 53n + 1n]], [BigInt64Array, [3n, 3n]], [Uint32Array, [0, 2 ** 32 - 1]],
    ];
    for (const [C, vals] of sets) {
      const small = C.from(vals);
      // the same values 2,000 times over (the kernels' path): the same range, counts times 2,000
      const big = new C(vals.length * 2000);
      for (let i = 0; i < big.length; i++) big[i] = small[i % vals.length];
      for (const api of [core.array, pools[2].array, pools[1].array]) {
        for (const bins of [1, 3, 10]) {
          const a = await api.histogram(small, { bins });
          const b = await api.histogram(big, { bins });
          assert.deepEqual([...b], [...a].map((v) => v * 2000), `${C.name} [${vals}] bins ${bins}`);
        }
        const h = await api.histogram(small, { lo: -1 });
        assert.deepEqual([...await api.histogram(big, { lo: -1 })], [...h].map((v) => v * 2000), `${C.name} [${vals}] lo -1`);
      }
    }
    // an infinity: the same error either way; one of lo, hi given and the other found below it
    for (const api of [core.array, pools[2].array]) {
      for (const n of [3, 3000]) {
        const x = new Float64Array(n).fill(1);
        x[1] = -Infinity;
        await assert.rejects(async () => api.histogram(x), (e) => e instanceof RangeError &&
          e.message === 'array.histogram: x holds an infinity; give options.lo and options.hi', `n ${n}`);
        x[1] = 0;
        // (the message named an options.hi the caller had not given)
        await assert.rejects(async () => api.histogram(x, { lo: 5 }), (e) => e instanceof RangeError &&
          e.message === 'array.histogram: options.lo (5) must be less than the largest element (1, options.hi not given)', `n ${n}`);
        await assert.rejects(async () => api.histogram(x, { hi: -1 }), (e) => e instanceof RangeError &&
          e.message === 'array.histogram: the smallest element (0, options.lo not given) must be less than options.hi (-1)', `n ${n}`);
        await assert.rejects(async () => api.histogram(x, { lo: 2, hi: 2 }), (e) => e instanceof RangeError &&
          e.message === 'array.histogram: options.lo (2) must be less than options.hi (2)', `n ${n}`);
      }
      // a freed view is refused before it is read
      const pool = pools[2];
      const y = pool.alloc(10 * 8, Float64Array);
      pool.free(y);
      await assert.rejects(async () => pool.array.histogram(y), (e) => e instanceof RangeError &&
        e.message.startsWith('array.histogram: x is a view of memory that was freed'));
    }
  });

  test('histogram of 64-bit integers takes bigint bounds and edges, each the double it rounds to', async () => {
    const sets = [
      [BigInt64Array, [-(2n ** 63n), -5n, 0n, 7n, 2n ** 40n, 2n ** 62n + 3n, 2n ** 63n - 1n]],
      [BigUint64Array, [0n, 1n, 2n ** 53n + 1n, 12345678901234567n, 2n ** 63n, 2n ** 64n - 1n]],
    ];
    for (const [C, vals] of sets) {
      const small = C.from(vals);
      const big = new C(vals.length * 700);
      for (let i = 0; i < big.length; i++) big[i] = small[i % vals.length];
      const lo = vals[1], hi = vals[vals.length - 2];
      const edges = [vals[0], vals[2], vals[3] + 1n, vals[vals.length - 1]];
      for (const x of [small, big]) {
        for (const api of [core.array, pools[2].array, pools[1].array]) {
          // a bigint bound is the number it rounds to, and the reference's bins over those numbers
          const h = await api.histogram(x, { bins: 5, lo, hi });
          assert.deepEqual([...h], [...await api.histogram(x, { bins: 5, lo: Number(lo), hi: Number(hi) })], `${C.name} bigint lo/hi`);
          assertSame(h, R.histogramRef(x, R.equalEdges(Number(lo), Number(hi), 5)), `${C.name} bigint lo/hi against the reference`);
          const mixed = await api.histogram(x, { bins: 5, lo: Number(lo), hi });
          assert.deepEqual([...mixed], [...h], `${C.name} a number and a bigint`);
          const e = await api.histogram(x, { edges });
          assertSame(e, R.histogramRef(x, edges.map(Number)), `${C.name} bigint edges`);
        }
      }
      // distinct bigints that round to one double are not increasing edges
      await assert.rejects(async () => core.array.histogram(small, { edges: [0n, 2n ** 60n, 2n ** 60n + 1n] }), (e) => e instanceof RangeError &&
        e.message === 'array.histogram: options.edges must increase strictly as the doubles the bigints round to (edges[2] = 1152921504606847000 after 1152921504606847000)');
      await assert.rejects(async () => core.array.histogram(small, { lo: 5n, hi: 5n }), (e) => e instanceof RangeError &&
        e.message === 'array.histogram: options.lo (5) must be less than options.hi (5)');
      await assert.rejects(async () => core.array.histogram(small, { lo: '1' }), (e) => e instanceof TypeError &&
        e.message === 'array.histogram: options.lo must be a number or a bigint (got string "1")');
    }
    // other arrays take numbers only, as before
    for (const C of [Float64Array, Int32Array, Uint8Array]) {
      await assert.rejects(async () => core.array.histogram(new C(4), { lo: 0n, hi: 1 }), (e) => e instanceof TypeError &&
        e.message === 'array.histogram: options.lo must be a number (got bigint 0n)', C.name);
      await assert.rejects(async () => core.array.histogram(new C(4), { edges: [0, 1n] }), (e) => e instanceof TypeError &&
        e.message === 'array.histogram: options.edges[1] must be a number (got bigint 1n)', C.name);
    }
  });

  test('histogram of one value: the middle bin, however far apart the doubles near it are; the last (first) bin next to the largest double', async () => {
    const values = [
      [Float64Array, [0, 1.5, -3, 5e-324, 2 ** 44 + 1, 2 ** 52 - 1, 2 ** 52, 2 ** 53 + 2, 2 ** 60, -(2 ** 60), 2442526953794541056, 1e300, 2 ** 1023, -(2 ** 1023) * 1.5]],
      [Float32Array, [3.4028234663852886e38, -3.4028234663852886e38, 16777217 * 64, 1e-45]],
      [BigUint64Array, [2442526953794541056n, 2442526953794541000n, 2n ** 64n - 1n, 2n ** 53n + 1n, 1000n]],
      [BigInt64Array, [-(2n ** 62n) - 7n, -(2n ** 63n), 2n ** 63n - 1n]],
      [Uint32Array, [4294967295]],
      [Int32Array, [-2147483648]],
    ];
    for (const [C, vs] of values) {
      for (const v of vs) {
        for (const bins of [1, 2, 7, 10, 255, 256, 65537]) {
          const x = new C(5).fill(v);
          const { result } = await everywhere('histogram', () => [x, { bins }], `histogram of ${C.name} ${v} bins=${bins}`);
          const want = new Uint32Array(bins);
          want[bins >> 1] = 5;
          assertSame(result, want, `histogram of ${C.name} ${v}, bins=${bins}`);
        }
      }
    }
    // next to the largest double the range cannot reach past the value: it ends there
    for (const [v, bin] of [[Number.MAX_VALUE, (b) => b - 1], [-Number.MAX_VALUE, () => 0]]) {
      for (const bins of [1, 7, 10]) {
        const { result } = await everywhere('histogram', () => [Float64Array.of(v, v), { bins }], `histogram of ${v} bins=${bins}`);
        const want = new Uint32Array(bins);
        want[bin(bins)] = 2;
        assertSame(result, want, `histogram of ${v}, bins=${bins}`);
      }
    }
  });

  test('histogram over a range of subnormals: the bins the same values get scaled by 2^1074 (a normal range)', async () => {
    const d = 2 ** -1074;
    const scale = (v) => v * 2 ** 537 * 2 ** 537; // times 2^1074, exact: every value below is a multiple of d
    const rnd = rng(91);
    const noise = Float64Array.from({ length: 65537 }, () => Math.floor(rnd() * 1000001) * d);
    const at = 1000000 * d;
    noise[7] = at; // the range's top: the last bin
    const cases = [
      [Float64Array.of(0, 50 * d, 100 * d), { bins: 1000 }],
      [noise, { bins: 256 }],
      [noise, { bins: 1000, lo: 0, hi: at }],
      [noise, { bins: 2 ** 20, lo: 0, hi: at }],
      [Float64Array.of(-3 * d, 0, 2 * d, 5 * d, 1e-300, -1, NaN), { bins: 7, lo: -3 * d, hi: 5 * d }],
    ];
    for (const [x, o] of cases) {
      const xs = Array.from(x).filter((v) => v === v);
      const lo = o.lo ?? xs.reduce((a, b) => Math.min(a, b));
      const hi = o.hi ?? xs.reduce((a, b) => Math.max(a, b));
      const { result } = await everywhere('histogram', () => [x, o], `histogram subnormal bins=${o.bins}`);
      const ref = R.histogramRef(Array.from(x, scale), R.equalEdges(scale(lo), scale(hi), o.bins));
      assert.ok(ref.reduce((a, b) => Math.max(a, b), 0) < x.length, 'the reference spreads the values');
      assertSame(result, ref, `histogram of ${x.length} subnormals, bins=${o.bins}`);
      assert.equal(result.reduce((a, b) => a + b, 0), ref.reduce((a, b) => a + b, 0));
    }
  });

  test('histogram over a range wider than the largest double: the bins the values get halved', async () => {
    const MAX = Number.MAX_VALUE;
    const rnd = rng(92);
    const wide = Float64Array.from({ length: 40001 }, () => (rnd() * 2 - 1) * MAX);
    wide[5] = MAX;
    wide[6] = -MAX;
    const cases = [
      [Float64Array.of(-1.5e308, 0, 1.5e308), {}],
      [wide, { bins: 1000 }],
      [wide, { bins: 7, lo: -MAX, hi: MAX }],
      [Float32Array.of(-3e38, 1, 3e38), { lo: -MAX, hi: MAX, bins: 4 }],
      [Int32Array.of(-5, 0, 5), { lo: -MAX, hi: 1e308, bins: 3 }],
    ];
    for (const [x, o] of cases) {
      const xs = Array.from(x, Number);
      const lo = o.lo ?? xs.reduce((a, b) => Math.min(a, b));
      const hi = o.hi ?? xs.reduce((a, b) => Math.max(a, b));
      const bins = o.bins ?? 10;
      const { result } = await everywhere('histogram', () => [x, o], `histogram wide bins=${bins}`);
      const ref = R.histogramRef(xs.map((v) => v / 2), R.equalEdges(lo / 2, hi / 2, bins));
      assertSame(result, ref, `histogram of ${x.length} over [${lo}, ${hi}], bins=${bins}`);
      assert.equal(result.reduce((a, b) => a + b, 0), x.length);
    }
  });

  test('axpy in the type\'s arithmetic (no fused multiply-add), y may be x', async () => {
    for (const c of cases(FLOAT_CTORS, [0, 1, 7, 4099, BIG])) {
      const x = data(c.C, c.n, c.s);
      const y = data(c.C, c.n, 'random', 4);
      const a = 1.25;
      const { result } = await everywhere('axpy', () => [a, offsetView(x), y.slice()], `axpy ${name(c)}`);
      const r = c.C === Float32Array ? Math.fround : (v) => v;
      assert.ok(R.sameElements(result, c.C.from(y, (v, i) => r(r(a * x[i]) + v))), `axpy ${name(c)}`);
    }
    const x = Float64Array.of(1, 2);
    core.array.axpy(2, x, x);
    assert.deepEqual([...x], [3, 6]);
  });

  test('clamp', async () => {
    for (const c of cases(CTORS, [0, 1, 7, 4099])) {
      const x = data(c.C, c.n, c.s);
      const big = R.isBig(x);
      const [lo, hi] = big ? (c.C === BigInt64Array ? [-5n, 1n << 40n] : [3n, 1n << 40n]) : R.isFloat(x) ? [-0.5, 2] : c.C.name.startsWith('Int') ? [-3, 7] : [2, 9];
      const { result } = await everywhere('clamp', () => [offsetView(x), lo, hi], `clamp ${name(c)}`);
      assert.ok(R.sameElements(result, c.C.from(x, (v) => (v < lo ? lo : v > hi ? hi : v))), `clamp ${name(c)}`);
    }
  });

  test('convert between every pair of types (typed-array assignment rules), and normalize', async () => {
    for (const S of CTORS) {
      const x = data(S, 301, 'special', 2);
      for (const D of CTORS) {
        const { result } = await everywhere('convert', () => [offsetView(x), D], `convert ${S.name} -> ${D.name}`);
        assert.ok(R.sameElements(result, R.convertRef(x, D)), `convert ${S.name} -> ${D.name}`);
      }
    }
    const u8 = Uint8Array.of(0, 1, 128, 255);
    assert.deepEqual([...core.array.convert(u8, Float64Array, { normalize: true })], [...u8].map((v) => v / 255));
    const i16 = Int16Array.of(-32768, -32767, 0, 32767);
    assert.deepEqual([...core.array.convert(i16, Float64Array, { normalize: true })], [-1, -1, 0, 1]);
    const f = Float32Array.of(-1, 0, 0.5, 1, 2, NaN);
    assert.deepEqual([...core.array.convert(f, Uint8Array, { normalize: true })], [0, 0, 128, 255, 255, 0]);
    const to = new Int8Array(6);
    assert.equal(core.array.convert(f, to, { normalize: true }), to);
    assert.deepEqual([...to], [-127, 0, 64, 127, 127, 0]);
  });
});

describe('matrices', () => {
  test('matmul equals the plain loop in its type, and the float64 loop within k eps sum|a||b|', async () => {
    const shapes = [[0, 3, 2], [1, 1, 1], [3, 0, 4], [5, 7, 3], [17, 33, 9], [64, 64, 64], [130, 67, 129]];
    for (const C of FLOAT_CTORS) {
      for (const [m, k, n] of shapes) {
        const a = data(C, m * k, 'random', m);
        const b = data(C, k * n, 'random', n);
        const { result } = await everywhere('matmul', () => [offsetView(a), b, { m, k, n }], `matmul ${C.name} ${m}x${k}x${n}`);
        assertSame(result, R.matmulRef(a, b, m, k, n), `matmul ${C.name} ${m}x${k}x${n}`);
        const { c, abs } = R.matmul64(a, b, m, k, n);
        const eps = C === Float32Array ? 2 ** -24 : 2 ** -53;
        for (let i = 0; i < c.length; i++) {
          assert.ok(Math.abs(result[i] - c[i]) <= (k + 2) * eps * abs[i] + 1e-300, `matmul ${C.name} [${i}]`);
        }
        if (k) assertSame(core.array.matmul(a, b, { k }), result, 'shape from k');
        if (k && m) assertSame(core.array.matmul(a, b, { m }), result, 'shape from m');
        if (m === 0 || k === 0) assertSame(core.array.matmul(a, b, { m, n }), result, 'shape from m and n');
      }
    }
  });

  test('matvec (8 lanes, documented order) and transpose', async () => {
    for (const C of FLOAT_CTORS) {
      for (const [rows, cols] of [[0, 0], [1, 1], [3, 5], [17, 33], [100, 257]]) {
        const a = data(C, rows * cols, 'random', rows);
        const x = data(C, cols, 'random', cols);
        if (cols) {
          const { result } = await everywhere('matvec', () => [a, offsetView(x)], `matvec ${C.name} ${rows}x${cols}`);
          assertSame(result, R.matvecRef(a, x), `matvec ${C.name} ${rows}x${cols}`);
        }
      }
    }
    for (const C of CTORS) {
      // 1024 and 1025 rows: output rows 4 KiB (and 4 bytes more) apart for 32-bit elements, which the wasm
      // SIMD path transposes down the columns of 4 x 4 blocks (tr_tile4_b4 in matrix.c)
      for (const [rows, cols] of [[1, 1], [1, 9], [9, 1], [33, 65], [200, 130], [1024, 70], [1025, 37]]) {
        const a = data(C, rows * cols, 'special', rows);
        const { result } = await everywhere('transpose', () => [offsetView(a), { rows }], `transpose ${C.name} ${rows}x${cols}`);
        const want = new C(rows * cols);
        for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) want[j * rows + i] = a[i * cols + j];
        assert.ok(R.sameElements(result, want), `transpose ${C.name} ${rows}x${cols}`);
      }
    }
  });
});

describe('calls racing on the same memory', () => {
  // Two pool calls that write the same array at once, or an array the
  // caller writes while a call reads it, are a race: the results are
  // unspecified, but every call settles, no kernel writes or reads outside
  // its memory, and the pool goes on. (In-place sorts of one array in a
  // burst trapped a thread on every run before the kernels kept their
  // data-derived places inside their buffers.)
  const fill = (x, salt) => {
    for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 7.3 + salt) * 1000;
  };
  const healthy = async (pool, what) => {
    assert.equal(pool.state, 'ready', `${what}: the pool is still ready`);
    const y = Float64Array.from({ length: 3000 }, (_, i) => Math.cos(i * 1.7));
    assert.deepEqual([...await pool.array.sort(y.slice())], [...y.slice().sort()], `${what}: a later sort is right`);
  };

  test('in-place sorts of one array in a burst (LSD, top-digit and MSD sizes) settle, and the pool goes on', async () => {
    for (const t of [2, 4]) {
      const pool = pools[t];
      for (const [n, calls] of [[64, 600], [5000, 300], [100000, 24]]) {
        const x = pool.alloc(n * 8, Float64Array);
        fill(x, n);
        const rs = await Promise.allSettled(Array.from({ length: calls }, () => pool.array.sort(x)));
        assert.equal(rs.filter((r) => r.status === 'fulfilled').length, calls, `pool(${t}) sort of ${n}: every call resolves`);
        pool.free(x);
        await healthy(pool, `pool(${t}) after sorts of ${n}`);
      }
    }
  });

  test('selection, top-k, unique and gather while the array (or the index) is written meanwhile settle, and the pool goes on', async () => {
    const pool = pools[2];
    const n = 200000;
    const x = pool.alloc(n * 8, Float64Array);
    const ops = [() => pool.array.topk(x, 60000), () => pool.array.topk(x, 10), () => pool.array.median(x),
      () => pool.array.quantiles(x, [0.1, 0.9]), () => pool.array.unique(x), () => pool.array.sort(x)];
    for (let r = 0; r < 6; r++) {
      const ps = [];
      for (const op of ops) {
        fill(x, r * 10 + ps.length); // written while the calls before read it
        ps.push(op());
      }
      const rs = await Promise.allSettled(ps);
      for (const s of rs) assert.ok(s.status === 'fulfilled' || s.reason instanceof Error, 'each call settles');
    }
    pool.free(x);
    // gather: its index sorted in place by racing calls while gathers read it
    const src = pool.alloc(1000 * 8, Float64Array);
    const index = pool.alloc(50000 * 4, Uint32Array);
    for (let i = 0; i < index.length; i++) index[i] = (i * 7919) % 1000;
    const out = pool.alloc(50000 * 8, Float64Array);
    const rs = await Promise.allSettled(Array.from({ length: 60 }, (_, i) => (i % 2 ? pool.array.sort(index) : pool.array.gather(src, index, { out }))));
    for (const s of rs) assert.ok(s.status === 'fulfilled' || s.reason instanceof RangeError, 'each gather settles');
    for (const v of [src, index, out]) pool.free(v);
    await healthy(pool, 'pool(2) after the races');
  });
});

describe('bad input', () => {
  const F = Float64Array.of(1, 2, 3);
  // a view of fixed length over a resizable ArrayBuffer shrunk below it (its length reads 0)
  const outOfBounds = () => {
    const rab = new ArrayBuffer(64, { maxByteLength: 64 });
    const v = new Float64Array(rab, 8, 4);
    rab.resize(16);
    return v;
  };
  // [call, error class, message start, text the message must hold]
  const BAD = [
    [(a) => a.sum(outOfBounds()), TypeError, 'array.sum: x', 'out of bounds'],
    [(a) => a.sort(outOfBounds()), TypeError, 'array.sort: x', 'out of bounds'],
    [(a) => a.median(outOfBounds()), TypeError, 'array.median: x', 'out of bounds'],
    [(a) => a.sort([3, 1, 2]), TypeError, 'array.sort: x', 'plain Array'],
    [(a) => a.sort(new DataView(new ArrayBuffer(8))), TypeError, 'array.sort: x', 'DataView'],
    [(a) => a.sort('abc'), TypeError, 'array.sort: x', 'string'],
    [(a) => a.sort(F, { descending: 1 }), TypeError, 'array.sort: options.descending', 'boolean'],
    [(a) => a.sort(F, { down: true }), TypeError, 'array.sort: unknown option', 'down'],
    [(a) => a.argsort({ length: 3 }), TypeError, 'array.argsort: x', 'Object'],
    [(a) => a.sortByKey(F, [Int32Array.of(1, 2)]), RangeError, 'array.sortByKey: payloads[0]', 'must match'],
    [(a) => a.sortByKey(F, Int32Array.of(1, 2)), RangeError, 'array.sortByKey: payloads', 'must match'],
    [(a) => a.sortByKey(F, [[1, 2, 3]]), TypeError, 'array.sortByKey: payloads[0]', 'plain Array'],
    [(a) => a.sortByKey(F, [F]), RangeError, 'array.sortByKey: payloads[0]', 'overlap'],
    [(a) => a.gather(F, Int32Array.of(0)), TypeError, 'array.gather: index', 'Uint32Array'],
    [(a) => a.gather(F, Uint32Array.of(3)), RangeError, 'array.gather', '3'],
    [(a) => a.kth(F, 3), RangeError, 'array.kth: k', 'from 0 to 2'],
    [(a) => a.kth(F, -1), RangeError, 'array.kth: k', 'from 0 to 2'],
    [(a) => a.kth(F, 1.5), RangeError, 'array.kth: k', 'integer'],
    [(a) => a.kth(new Float64Array(0), 0), RangeError, 'array.kth: x', 'empty'],
    [(a) => a.kth(F, '1'), TypeError, 'array.kth: k', 'number'],
    [(a) => a.quantiles(F, [0.5, 1.5]), RangeError, 'array.quantiles: q[1]', 'from 0 to 1'],
    [(a) => a.quantiles(F, [NaN]), RangeError, 'array.quantiles: q[0]', 'from 0 to 1'],
    [(a) => a.quantiles(F, 0.5), TypeError, 'array.quantiles: q', 'array'],
    [(a) => a.quantile(F, -0.1), RangeError, 'array.quantile: q', 'from 0 to 1'],
    [(a) => a.topk(F, 4), RangeError, 'array.topk: k', 'from 0 to 3'],
    [(a) => a.searchSorted(F, Int32Array.of(1)), TypeError, 'array.searchSorted: needles', 'Float64Array'],
    [(a) => a.searchSorted(Int8Array.of(1), [300]), RangeError, 'array.searchSorted: needles[0]', '-128'],
    [(a) => a.sum(F, { bigint: true }), TypeError, 'array.sum: options.bigint', 'integer'],
    [(a) => a.variance(F, { ddof: -1 }), RangeError, 'array.variance: options.ddof', 'integer'],
    [(a) => a.min(new Int32Array(0)), RangeError, 'array.min: x', 'empty'],
    [(a) => a.max(new Float32Array(0)), RangeError, 'array.max: x', 'empty'],
    [(a) => a.dot(F, Float64Array.of(1)), RangeError, 'array.dot: y', 'must match'],
    [(a) => a.dot(F, Float32Array.of(1, 2, 3)), TypeError, 'array.dot: y', 'Float64Array'],
    [(a) => a.dot(Int32Array.of(1), Int32Array.of(1)), TypeError, 'array.dot: x', 'Float32Array, Float64Array'],
    [(a) => a.norm(Uint8Array.of(1)), TypeError, 'array.norm: x', 'Float32Array'],
    [(a) => a.argsort(F, { out: new Int32Array(3) }), TypeError, 'array.argsort: options.out', 'Uint32Array'],
    [(a) => a.argsort(F, { out: new Uint32Array(2) }), RangeError, 'array.argsort: options.out', '3 elements'],
    [(a) => a.cumsum(F, { out: new Float64Array(2) }), RangeError, 'array.cumsum: options.out', 'elements'],
    [(a) => a.cumsum(F, { out: new Float32Array(3) }), TypeError, 'array.cumsum: options.out', 'Float64Array'],
    [(a) => a.histogram(F, { lo: 2, hi: 2 }), RangeError, 'array.histogram: options.lo', 'less than'],
    [(a) => a.histogram(F, { lo: 3, hi: 1 }), RangeError, 'array.histogram: options.lo', 'less than'],
    [(a) => a.histogram(F, { lo: 0, hi: Infinity }), RangeError, 'array.histogram: options.hi', 'finite'],
    [(a) => a.histogram(F, { bins: 0 }), RangeError, 'array.histogram: options.bins', 'from 1'],
    [(a) => a.histogram(F, { edges: [0, 2, 1] }), RangeError, 'array.histogram: options.edges', 'increase'],
    [(a) => a.histogram(F, { edges: [0] }), RangeError, 'array.histogram: options.edges', 'at least 2'],
    [(a) => a.histogram(F, { edges: [0, 1], bins: 3 }), TypeError, 'array.histogram: options.bins', 'edges'],
    [(a) => a.histogram(Float64Array.of(1, Infinity)), RangeError, 'array.histogram: x', 'infinity'],
    [(a) => a.axpy(2, F, Float64Array.of(1)), RangeError, 'array.axpy: y', 'must match'],
    [(a) => a.axpy('2', F, F), TypeError, 'array.axpy: a', 'number'],
    [(a) => a.clamp(F, 3, 1), RangeError, 'array.clamp: lo', 'greater than hi'],
    [(a) => a.clamp(F, NaN, 1), RangeError, 'array.clamp: lo', 'NaN'],
    [(a) => a.clamp(Float32Array.of(1), -1e39, 1), RangeError, 'array.clamp: lo', 'float\'s range'],
    [(a) => a.clamp(Float32Array.of(1), 0, 1e39), RangeError, 'array.clamp: hi', 'float\'s range'],
    [(a) => a.clamp(Uint8Array.of(1), -1, 5), RangeError, 'array.clamp: lo', 'from 0 to 255'],
    [(a) => a.clamp(Int32Array.of(1), 0.5, 5), RangeError, 'array.clamp: lo', 'integer'],
    [(a) => a.clamp(Int32Array.of(1), 0n, 3), TypeError, 'array.clamp: lo', 'must be a number (got'],
    [(a) => a.searchSorted(Uint16Array.of(1, 2), [1, 2n]), TypeError, 'array.searchSorted: needles[1]', 'must be a number (got'],
    [(a) => a.convert(F, Array), TypeError, 'array.convert: to', 'constructor'],
    [(a) => a.convert(F, new Int8Array(2)), RangeError, 'array.convert: to', 'must match'],
    [(a) => a.convert(F, Float32Array, { normalize: true }), TypeError, 'array.convert: options.normalize', 'float side'],
    [(a) => a.convert(BigInt64Array.of(1n), Float32Array, { normalize: true }), TypeError, 'array.convert: options.normalize', '64-bit'],
    [(a) => a.matmul(Float32Array.of(1, 2, 3), Float32Array.of(1, 2), { k: 2 }), RangeError, 'array.matmul: shapes', 'do not match'],
    [(a) => a.matmul(Float32Array.of(1, 2), Float32Array.of(1, 2)), TypeError, 'array.matmul: the shape', 'options.m'],
    // a zero side: the side it multiplies cannot be found from the (empty) lengths
    [(a) => a.matmul(new Float64Array(0), new Float64Array(0), { m: 2 }), RangeError, 'array.matmul: k is 0', 'options.n cannot be found'],
    [(a) => a.matmul(new Float64Array(0), new Float64Array(0), { k: 0 }), RangeError, 'array.matmul: k is 0', 'options.m cannot be found'],
    [(a) => a.matmul(new Float64Array(0), Float64Array.of(1, 2, 3), { m: 0 }), RangeError, 'array.matmul: options.m is 0', 'options.k cannot be found'],
    [(a) => a.matmul(Float32Array.of(1, 2), Float64Array.of(1, 2), { k: 1 }), TypeError, 'array.matmul: b', 'Float32Array'],
    [(a) => a.matmul(Float32Array.of(1, 2, 3, 4), Float32Array.of(1, 2, 3, 4), { m: 2, k: 2, n: 3 }), RangeError, 'array.matmul: shapes', 'do not match'],
    [(a) => a.matvec(Float64Array.of(1, 2, 3), Float64Array.of(1, 2)), RangeError, 'array.matvec: shapes', 'multiple'],
    [(a) => a.transpose(F, { rows: 2 }), RangeError, 'array.transpose: shapes', 'do not match'],
    [(a) => a.transpose(F), TypeError, 'array.transpose: the shape', 'options.rows'],
    [(a) => a.transpose(F, { rows: 3, out: F }), RangeError, 'array.transpose: options.out', 'overlap'],
    [(a) => a.sort(F, {}, 3), TypeError, 'array.sort: takes at most', 'arguments'],
  ];

  test('every bad input is a typed error naming the argument, on the core and the pools; the array stays usable', async () => {
    for (const [fn, E, start, has] of BAD) {
      const check = (e, where) => {
        assert.ok(e instanceof E, `${where} ${start}: ${e?.constructor?.name} ${e?.message}`);
        assert.ok(e.message.startsWith(start), `${where}: "${e.message}" should start with "${start}"`);
        assert.ok(e.message.includes(has), `${where}: "${e.message}" should mention "${has}"`);
      };
      let thrown = null;
      try {
        fn(core.array);
      } catch (e) {
        thrown = e;
      }
      check(thrown, 'core');
      for (const t of THREADS) {
        let e = null;
        let p;
        try {
          p = fn(pools[t].array);
        } catch (err) {
          assert.fail(`pool(${t}) ${start}: threw synchronously (${err.message}); a pool method rejects`);
        }
        assert.ok(p instanceof Promise, `pool(${t}) ${start}: a promise`);
        try {
          await p;
        } catch (err) {
          e = err;
        }
        check(e, `pool(${t})`);
      }
    }
    // still working after all of that
    assert.deepEqual([...core.array.sort(Float64Array.of(3, 1, 2))], [1, 2, 3]);
    assert.deepEqual([...(await pools[2].array.sort(Float64Array.of(3, 1, 2)))], [1, 2, 3]);
  });

  test('freed views are refused naming the argument; sortByKey with a bad payload changes nothing', async () => {
    for (const [name, api, host] of [['core', core.array, core], ...THREADS.map((t) => [`pool(${t})`, pools[t].array, pools[t]])]) {
      const freed = (n, C) => {
        const v = host.alloc(n * C.BYTES_PER_ELEMENT, C);
        host.free(v);
        return v;
      };
      const run = async (f) => {
        try {
          await f();
        } catch (e) {
          return e;
        }
        return null;
      };
      const cases = [
        [() => api.convert(Float64Array.of(1), freed(1, Int32Array)), 'array.convert: to'],
        [() => api.convert(freed(1, Float64Array), Int32Array), 'array.convert: x'],
        [() => api.cumsum(freed(2, Uint8ClampedArray)), 'array.cumsum: x'],
        [() => api.cumsum(Uint8ClampedArray.of(1, 2), { out: freed(2, Uint8ClampedArray) }), 'array.cumsum: options.out'],
        [() => api.matmul(Float32Array.of(1, 2), Float32Array.of(3, 4), { m: 1, out: freed(1, Float32Array) }), 'array.matmul: options.out'],
        [() => api.matvec(freed(2, Float64Array), Float64Array.of(1, 2)), 'array.matvec: a'],
        [() => api.transpose(Float64Array.of(1, 2), { rows: 1, out: freed(2, Float64Array) }), 'array.transpose: options.out'],
        [() => api.sortByKey(freed(3, Float64Array), [Int32Array.of(1, 2, 3)]), 'array.sortByKey: keys'],
        [() => api.gather(Float64Array.of(1, 2), Uint32Array.of(1, 0), { out: freed(2, Float64Array) }), 'array.gather: options.out'],
        [() => api.gather(freed(2, Float64Array), Uint32Array.of(1, 0)), 'array.gather: x'],
        [() => api.clamp(Int16Array.of(1, 2), 0, 1, { out: freed(2, Int16Array) }), 'array.clamp: options.out'],
        [() => api.clamp(freed(2, Int16Array), 0, 1), 'array.clamp: x'],
        // small arrays the JS reads itself: a freed one may hold another allocation's bytes
        [() => api.quantiles(Float64Array.of(1, 2, 3), freed(2, Float64Array)), 'array.quantiles: q'],
        [() => api.gather(Float64Array.of(1, 2), freed(2, Uint32Array)), 'array.gather: index'],
        [() => api.histogram(Float64Array.of(1, 2, 3), { edges: freed(3, Float64Array) }), 'array.histogram: options.edges'],
      ];
      for (const [f, start] of cases) {
        const e = await run(f);
        assert.ok(e instanceof RangeError && e.message.startsWith(`${start} is a view of memory that was freed`), `${name} ${start}: ${e?.message}`);
      }
      const keys = Float64Array.of(3, 1, 2);
      const p0 = Int32Array.of(30, 10, 20);
      const e = await run(() => api.sortByKey(keys, [p0, freed(3, Float64Array)]));
      assert.ok(e instanceof RangeError && e.message.startsWith('array.sortByKey: payloads[1] is a view of memory that was freed'), `${name}: ${e?.message}`);
      assert.deepEqual([[...keys], [...p0]], [[3, 1, 2], [30, 10, 20]], `${name}: nothing sorted`);
    }
  });

  test('an input freed while an operation of several calls runs is freed when it ends, and the operation gives its result', async () => {
    // histogram's default range of more than 1,024 elements: min, max,
    // then the histogram; x freed while the first call runs (it had made
    // the second call's binding refuse it)
    for (const t of THREADS) {
      const pool = pools[t];
      const x = pool.alloc(2000 * 8, Float64Array);
      x.fill(1.5);
      x[3] = 7;
      const p = pool.array.histogram(x, { bins: 5 });
      pool.free(x);
      assert.deepEqual([...await p], [1999, 0, 0, 0, 1], `pool(${t})`);
      assert.throws(() => pool.free(x), (e) => e instanceof TypeError && /already freed/.test(e.message), 'then freed');
      // and the pool goes on
      assert.deepEqual([...await pool.array.histogram(Float64Array.of(1, 2, 3, 4), { bins: 2 })], [2, 2]);
    }
  });

  test('an unsupported element type (Float16Array where it exists) is a TypeError naming x', () => {
    if (typeof globalThis.Float16Array !== 'function') return;
    assert.throws(() => core.array.sum(new globalThis.Float16Array(2)), (e) => e instanceof TypeError && e.message.startsWith('array.sum: x'));
  });

  test('an aborted pool call rejects with AbortError and leaves the pool working', async () => {
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(pools[2].array.sort(new Float64Array(1000), { signal: ac.signal }), (e) => e.name === 'AbortError');
    await assert.rejects(pools[2].array.sortByKey(new Float64Array(10), [new Int8Array(10)], { signal: ac.signal }), (e) => e.name === 'AbortError');
    assert.equal((await pools[2].array.min(Int8Array.of(5, -3))).min, -3);
  });

  test('sortByKey aborted at any moment: keys and payloads all as they were, or all sorted; never out of step', async () => {
    // the pool's sortByKey gathers each array into a block and copies it
    // back: it copied the keys back before gathering the payloads, so an
    // abort in between left sorted keys over payloads in their old order
    const pool = pools[1];
    const n = 1 << 20;
    const src = Float64Array.from({ length: n }, (_, i) => Math.sin(i * 7.1));
    const arrays = () => {
      const keys = pool.alloc(n * 8, Float64Array);
      keys.set(src);
      const ids = pool.alloc(n * 4, Uint32Array);
      for (let i = 0; i < n; i++) ids[i] = i;
      const more = [0, 1, 2].map(() => {
        const m = pool.alloc(n * 8, Float64Array);
        m.set(src);
        return m;
      });
      return [keys, ids, ...more];
    };
    const whole = arrays();
    const t0 = performance.now();
    await pool.array.sortByKey(whole[0], whole.slice(1));
    const took = performance.now() - t0;
    whole.forEach((a) => pool.free(a));
    let aborted = 0;
    for (let k = 0; k <= 40; k++) {
      const [keys, ids, ...more] = arrays();
      const ac = new AbortController();
      const timer = setTimeout(() => ac.abort(), (took * k) / 36);
      const outcome = await pool.array.sortByKey(keys, [ids, ...more], { signal: ac.signal }).then(() => 'sorted', (e) => e);
      clearTimeout(timer);
      if (outcome !== 'sorted') {
        assert.equal(outcome.name, 'AbortError', String(outcome));
        assert.match(outcome.message, /^array\.sortByKey was aborted/);
        aborted++;
        for (let i = 0; i < n; i++) {
          if (keys[i] !== src[i] || ids[i] !== i || more.some((m) => m[i] !== src[i])) assert.fail(`abort ${k}: element ${i} changed`);
        }
      } else {
        for (let i = 0; i < n; i++) {
          if (keys[i] !== src[ids[i]] || more.some((m) => m[i] !== keys[i]) || (i > 0 && keys[i - 1] > keys[i])) assert.fail(`abort ${k}: row ${i} out of step`);
        }
      }
      [keys, ids, ...more].forEach((a) => pool.free(a));
    }
    assert.ok(aborted > 0, 'some calls were aborted');
  });

  test('sort aborted at any moment leaves x holding its elements (sorted or not), never keys', async () => {
    // the sort turns x into keys in place: an abort left them there (an
    // aborted sort of 4M doubles: most of the aborted calls left values
    // that were not the array's); every path: the radix engine (random
    // doubles, int32 crowded into one bucket: a second MSD level),
    // counting (uint16 of 64Ki+, int8), 64-bit integers, input nearly in order
    const pool = pools[2];
    const n = 1 << 21;
    const cases = [
      ['Float64Array random', Float64Array, (i) => Math.sin(i * 7.1) * 1e6],
      ['Int32Array crowded', Int32Array, (i) => (i % 97 === 0 ? (i * 2654435761) | 0 : (i * 7919) % 5000)],
      ['Uint16Array', Uint16Array, (i) => (i * 40503) & 0xffff],
      ['Int8Array', Int8Array, (i) => ((i * 131) & 0xff) - 128],
      ['BigInt64Array', BigInt64Array, (i) => BigInt(Math.round(Math.sin(i) * 1e15)) * 1000n],
      // nearly in order, and nearly reversed (sort.c: near_sort)
      ['Float64Array nearly in order', Float64Array, (i) => (i % 97 === 0 ? Math.sin(i) * n : i * 0.5)],
      ['Uint32Array nearly reversed', Uint32Array, (i) => (i % 89 === 0 ? (i * 2654435761) >>> 0 : n - i)],
    ];
    let abortedAll = 0;
    for (const [label, T, gen] of cases) {
      const src = T.from({ length: n }, (_, i) => gen(i));
      const want = src.slice().sort();
      const x = pool.alloc(n * T.BYTES_PER_ELEMENT, T);
      x.set(src);
      const t0 = performance.now();
      await pool.array.sort(x);
      const took = performance.now() - t0;
      for (let k = 0; k <= 16; k++) {
        x.set(src);
        const ac = new AbortController();
        const timer = setTimeout(() => ac.abort(), (took * k) / 14);
        const outcome = await pool.array.sort(x, { signal: ac.signal }).then(() => 'sorted', (e) => e);
        clearTimeout(timer);
        if (outcome !== 'sorted') {
          assert.equal(outcome.name, 'AbortError', String(outcome));
          abortedAll++;
        }
        const got = x.slice().sort();
        for (let i = 0; i < n; i++) if (got[i] !== want[i]) assert.fail(`${label}, abort ${k} (${outcome === 'sorted' ? 'completed' : 'aborted'}): other values than its elements`);
        if (outcome === 'sorted') for (let i = 1; i < n; i++) if (x[i - 1] > x[i]) assert.fail(`${label}: not sorted`);
      }
      pool.free(x);
    }
    assert.ok(abortedAll > 0, 'some calls were aborted');
  });
});

test('the fallback pool (no shared memory) gives the core\'s results, sortByKey included', async () => {
  const child = fileURLToPath(new URL('./helpers/array-fallback-child.mjs', import.meta.url));
  const preload = fileURLToPath(new URL('../runtimes/no-sab-preload.mjs', import.meta.url));
  const r = await runProcess(process.execPath, ['--import', preload, child], { timeout: 120000 });
  assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`);
  const out = JSON.parse(r.stdout);
  assert.equal(out.isShared, false);
  const { results } = await import('./helpers/array-fallback-child.mjs').then((m) => m.run(core.array));
  assert.deepEqual(out.results, results);
  // options.out without shared memory (see outChecks in the helper)
  const { inputs, json, OUT_N } = await import('./helpers/array-fallback-child.mjs');
  const o = out.out;
  assert.ok(o.coreOut.detached, 'the core\'s heap grew during argsort: the view given as out detached');
  assert.ok(!o.coreOut.same && o.coreOut.length === OUT_N, 'argsort returned a new view of out\'s block instead');
  assert.equal(o.coreOut.result, json(core.array.argsort(inputs(OUT_N).x)), 'holding the indices');
  assert.match(o.fallbackDetached, /^TypeError: sha256: options\.out is detached/);
  // the fallback pool still works after: the SHA-256 of 1000 zero bytes
  const want = createHash('sha256').update(createHash('sha256').update(new Uint8Array(1000)).digest()).digest('hex');
  assert.equal(JSON.parse(o.poolAfter), want, 'the fallback pool still works after');
});
