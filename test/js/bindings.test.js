// The generated bindings, through the test-only kernels of build/testpkg
// (test/kernels/pw_test.h), on the core (synchronous) and on a pool (async):
// every scalar type and its bounds, typed buffers, in-place and output
// buffers with copies back, shared lengths, and status codes as errors.
//
//   node --test test/js/bindings.test.js
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import zlib from 'node:zlib';
import { loadCore, createPool, ParawasmError } from '../../build/testpkg/index.js';
import { prng } from '../lib/ref.js';
import { HANG_MS, runNode } from './helpers/pool-test-utils.js';
import { holdThreads } from '../lib/hold.js';
import vm from 'node:vm';

const TESTPKG_URL = new URL('../../build/testpkg/index.js', import.meta.url).href;

const r64 = (r) => (BigInt(r()) << 32n) | BigInt(r());

let core;
let pool;
before(async () => {
  core = await loadCore();
  pool = await createPool({ threads: 2 });
});
after(async () => {
  await pool?.destroy();
});

// Each test runs on both: `run` calls a kernel (a promise from the pool, a
// value from the core) and `fails` checks that a call fails the way it must
// for that API: thrown by the core, a rejected promise (never a synchronous
// throw) from the pool.
const TARGETS = [
  {
    name: 'core',
    get api() { return core; },
    async run(kernel, ...args) { return core[kernel](...args); },
    async fails(kernel, args, check, label) {
      assert.throws(() => core[kernel](...args), check, label);
    },
  },
  {
    name: 'pool',
    get api() { return pool; },
    async run(kernel, ...args) {
      const p = pool[kernel](...args);
      assert.ok(p instanceof Promise, `pool.${kernel} returns a promise`);
      return p;
    },
    async fails(kernel, args, check, label) {
      let p;
      assert.doesNotThrow(() => { p = pool[kernel](...args); }, `pool.${kernel} must not throw synchronously (${label})`);
      assert.ok(p instanceof Promise, label);
      await assert.rejects(p, check, label);
    },
  },
];

const isType = (what) => (e) => {
  assert.equal(e.constructor, TypeError, `${e.constructor.name}: ${e.message}`);
  assert.equal(e.code, 'ERR_INVALID_ARG_TYPE');
  if (what) assert.ok(e.message.includes(what), `"${e.message}" should name ${what}`);
  return true;
};
const isRange = (what) => (e) => {
  assert.equal(e.constructor, RangeError, `${e.constructor.name}: ${e.message}`);
  assert.equal(e.code, 'ERR_OUT_OF_RANGE');
  if (what) assert.ok(e.message.includes(what), `"${e.message}" should name ${what}`);
  return true;
};

// --------------------------------------------------------- testScalars

/**
 * pw_test_scalars computed independently: a + b*1000 + c + (d >> 1) + e +
 * trunc(f*4 in float) + trunc(g*8) + (h ? 1e6 : 0), as a wrapped int64.
 */
function expectScalars(a, b, c, d, e, f, g, h) {
  const dTerm = BigInt.asUintN(64, BigInt(d)) >> 1n;
  const fTerm = BigInt(Math.trunc(Math.fround(Math.fround(f) * 4)));
  const gTerm = BigInt(Math.trunc(g * 8));
  return BigInt.asIntN(64, BigInt(a) + BigInt(b) * 1000n + BigInt(c) + dTerm + BigInt(e) + fTerm + gTerm + (h ? 1000000n : 0n));
}

const ZERO = [0, 0, 0, 0, 0, 0, 0, false];
const withArg = (i, v) => ZERO.map((z, j) => (j === i ? v : z));

for (const T of TARGETS) {
  test(`${T.name}: testScalars puts every argument where it belongs`, async () => {
    const one = [[0, 5, 5n], [1, 7, 7000n], [2, -9, -9n], [3, 10, 5n], [3, 11n, 5n], [4, -7, -7n], [4, 7n, 7n],
      [5, 2.75, 11n], [5, -1.3, -5n], [6, 1.125, 9n], [6, -0.99, -7n], [7, true, 1000000n]];
    for (const [i, v, want] of one) {
      const got = await T.run('testScalars', ...withArg(i, v));
      assert.equal(typeof got, 'bigint');
      assert.equal(got, want, `arg ${i} = ${v}`);
      assert.equal(want, expectScalars(...withArg(i, v)), 'reference');
    }
    // float is single precision: 2^24 + 1 rounds to 2^24
    assert.equal(await T.run('testScalars', ...withArg(5, 16777217)), 67108864n);
    assert.equal(await T.run('testScalars', 0, 0, 0, 0, 0, 0, 0, false), 0n);
  });

  test(`${T.name}: testScalars with every scalar at its bounds`, async () => {
    const cases = [
      [-128, 0, 0, 0, 0, 0, 0, false],
      [127, 65535, 2147483647, 0, 0, 0, 0, true],
      [-128, 0, -2147483648, 0, 0, 0, 0, false],
      [0, 0, 0, 2n ** 64n - 1n, -(2n ** 63n), 0, 0, false],
      [-128, 0, -5, 0, 2n ** 63n - 1n, -1.5, -2.5, false],
      [0, 0, 0, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 0, 0, false],
      [1, 1, 1, 1, -(2n ** 63n) + 10n, 0, 0, true],
      [127, 65535, 2147483647, 2n ** 63n, 0, 1e6, 1e12, true],
    ];
    for (const args of cases) {
      assert.equal(await T.run('testScalars', ...args), expectScalars(...args), args.join(', '));
    }
  });

  test(`${T.name}: a float argument beyond float's range is a RangeError (C leaves its conversion undefined)`, async () => {
    for (const f of [1e39, -1e39, 3.5e38, 2 ** 128 - 2 ** 103, Number.MAX_VALUE]) {
      await assert.rejects(async () => T.run('testScalars', ...withArg(5, f)),
        (e) => e instanceof RangeError && /f must be within float's range/.test(e.message), `f = ${f}`);
    }
    // the threshold is 2^128 - 2^103 (it rounds to infinity, ties to even); the double below it rounds to FLT_MAX
    assert.equal(Math.fround(2 ** 128 - 2 ** 103 - 2 ** 75), 3.4028234663852886e38);
  });

  test(`${T.name}: testScalars on random arguments (numbers and bigints) matches the BigInt reference`, async () => {
    const r = prng(T.name === 'core' ? 101 : 102);
    const calls = [];
    for (let i = 0; i < 300; i++) {
      const a = (r() % 256) - 128;
      const b = r() % 65536;
      const c = r() | 0;
      // |d >> 1| and |e| below 2^62: the C sum never overflows int64
      let d = r64(r) >> 1n;
      let e = BigInt.asIntN(63, r64(r));
      if (i % 3 === 0) d = Number(d >> 12n); // a safe number
      if (i % 4 === 0) e = Number(BigInt.asIntN(53, e)); // a safe number
      const f = Math.fround(((r() | 0) / 4096));
      const g = (r() | 0) * 123.456;
      const h = (r() & 1) === 1;
      const args = [a, b, c, d, e, f, g, h];
      calls.push([args, T.run('testScalars', ...args)]);
    }
    // on the pool the calls were all in flight at once
    for (const [args, p] of calls) assert.equal(await p, expectScalars(...args), args.join(', '));
  });

  test(`${T.name}: testScalars rejects out-of-range integers with a RangeError naming the argument`, async () => {
    const bad = [
      [0, -129, 'a'], [0, 128, 'a'], [0, 1.5, 'a'], [0, NaN, 'a'],
      [1, -1, 'b'], [1, 65536, 'b'],
      [2, -2147483649, 'c'], [2, 2147483648, 'c'], [2, Infinity, 'c'],
      [3, -1, 'd'], [3, -1n, 'd'], [3, 2n ** 64n, 'd'], [3, 2 ** 53, 'd'], [3, 0.5, 'd'],
      [4, -(2n ** 63n) - 1n, 'e'], [4, 2n ** 63n, 'e'], [4, -(2 ** 53), 'e'], [4, NaN, 'e'],
    ];
    for (const [i, v, name] of bad) {
      await T.fails('testScalars', withArg(i, v), isRange(`testScalars: ${name}`), `${name} = ${v}`);
    }
  });

  test(`${T.name}: testScalars rejects values of the wrong type with a TypeError`, async () => {
    const bad = [
      [0, '1', 'a'], [0, 1n, 'a'], [1, true, 'b'], [2, 2n, 'c'], [2, null, 'c'],
      [3, '1', 'd'], [4, true, 'e'],
      [5, '1.5', 'f'], [5, 1n, 'f'], [6, 2n, 'g'], [6, null, 'g'],
      [7, 0, 'h'], [7, 1, 'h'], [7, 'true', 'h'], [7, null, 'h'],
    ];
    for (const [i, v, name] of bad) {
      await T.fails('testScalars', withArg(i, v), isType(`testScalars: ${name}`), `${name} = ${String(v)}`);
    }
    // a missing argument (none has a default) and one too many
    await T.fails('testScalars', ZERO.slice(0, 7), isType('testScalars: h'), 'missing h');
    await T.fails('testScalars', [...ZERO, 1], isType('testScalars'), 'nine arguments');
  });
}

test('pool: a trailing options object is accepted, unknown options are not', async () => {
  assert.equal(await pool.testScalars(...withArg(1, 3), {}), 3000n);
  assert.equal(await pool.testScalars(...withArg(1, 3), { signal: new AbortController().signal }), 3000n);
  await assert.rejects(pool.testScalars(...ZERO, { foo: 1 }), isType('foo'));
  await assert.rejects(pool.testScalars(...ZERO, { signal: 'no' }), isType('signal'));
});

// ---------------------------------------------------------- testChainU32

// A chained kernel over 32-bit words: the core feeds an input of 1 MiB or
// more from outside its memory in pieces of 256 KiB, each given as its
// count of elements (it was given the piece's bytes, so the kernel read
// three pieces past its scratch block). A position-dependent hash catches
// pieces out of order, short or overlapping.
for (const T of TARGETS) {
  test(`${T.name}: testChainU32 (PW_CHAIN over Uint32Array) is right for inputs around 1 MiB and in pieces`, async () => {
    const ref = (x, h = 7) => {
      for (let i = 0; i < x.length; i++) h = (Math.imul(h, 31) + x[i]) >>> 0;
      return h;
    };
    const r = prng(11);
    for (const n of [0, 1, 262143, 262144, 262145, 600001, (3 << 18) + 5]) {
      const x = Uint32Array.from({ length: n }, () => r());
      assert.equal(await T.run('testChainU32', x), ref(x), `n = ${n}`);
      assert.equal(await T.run('testChainU32', x, 123456789), ref(x, 123456789), `n = ${n}, h given`);
    }
  });
}

// ---------------------------------------------------------- testSumU32

for (const T of TARGETS) {
  test(`${T.name}: testSumU32 takes only a Uint32Array and returns a bigint`, async () => {
    assert.equal(await T.run('testSumU32', new Uint32Array([1, 2, 3])), 6n);
    assert.equal(await T.run('testSumU32', new Uint32Array(0)), 0n);
    const max = new Uint32Array(5).fill(0xffffffff);
    assert.equal(await T.run('testSumU32', max), 5n * 0xffffffffn);
    const r = prng(7);
    const big = new Uint32Array(100003);
    let want = 0n;
    for (let i = 0; i < big.length; i++) {
      big[i] = r();
      want += BigInt(big[i]);
    }
    const got = await T.run('testSumU32', big);
    assert.equal(typeof got, 'bigint');
    assert.equal(got, want);
    // a subarray at an element offset
    let wantSub = 0n;
    for (let i = 5; i < 1005; i++) wantSub += BigInt(big[i]);
    assert.equal(await T.run('testSumU32', big.subarray(5, 1005)), wantSub);
    // a Uint32Array over alloc()ed memory, used in place
    const v = T.api.alloc(4 * 1000, Uint32Array);
    v.set(big.subarray(5, 1005));
    assert.equal(await T.run('testSumU32', v), wantSub);
    T.api.free(v);

    for (const [label, bad] of [
      ['Uint8Array', new Uint8Array(8)], ['Int32Array', new Int32Array(2)], ['Float32Array', new Float32Array(2)],
      ['Uint16Array', new Uint16Array(4)], ['BigUint64Array', new BigUint64Array(1)], ['DataView', new DataView(new ArrayBuffer(8))],
      ['Buffer', Buffer.alloc(8)], ['array', [1, 2]], ['number', 5], ['ArrayBuffer', new ArrayBuffer(8)],
    ]) {
      await T.fails('testSumU32', [bad], isType('testSumU32: data'), label);
    }
    // even an alloc()ed Uint8Array: the element type is what counts
    const u8 = T.api.alloc(8);
    await T.fails('testSumU32', [u8], isType('testSumU32: data'), 'alloc()ed Uint8Array');
    T.api.free(u8);
  });
}

// --------------------------------------------------------- testScaleF64

for (const T of TARGETS) {
  test(`${T.name}: testScaleF64 scales a Float64Array in place (foreign and alloc()ed)`, async () => {
    const r = prng(13);
    const src = Float64Array.from({ length: 1000 }, () => (r() | 0) / 7);
    const x = Float64Array.from(src);
    assert.equal(await T.run('testScaleF64', x, 2.5), undefined);
    for (let i = 0; i < x.length; i++) assert.equal(x[i], src[i] * 2.5, `x[${i}]`);

    // a window: the neighbours stay as they are
    const y = Float64Array.from(src);
    await T.run('testScaleF64', y.subarray(10, 20), -1);
    for (let i = 0; i < y.length; i++) assert.equal(y[i], i >= 10 && i < 20 ? -src[i] : src[i], `y[${i}]`);

    // special values of k
    const z = new Float64Array([1, -2, 0]);
    await T.run('testScaleF64', z, NaN);
    assert.ok(z.every(Number.isNaN));
    const w = new Float64Array([1, -2]);
    await T.run('testScaleF64', w, Infinity);
    assert.deepEqual([...w], [Infinity, -Infinity]);

    // alloc()ed
    const v = T.api.alloc(8 * src.length, Float64Array);
    v.set(src);
    await T.run('testScaleF64', v, 0.25);
    for (let i = 0; i < v.length; i++) assert.equal(v[i], src[i] * 0.25, `v[${i}]`);
    T.api.free(v);

    await T.run('testScaleF64', new Float64Array(0), 3);

    await T.fails('testScaleF64', [new Float32Array(4), 2], isType('testScaleF64: x'), 'Float32Array');
    await T.fails('testScaleF64', [new Uint8Array(8), 2], isType('testScaleF64: x'), 'Uint8Array');
    await T.fails('testScaleF64', [new Float64Array(4), 2n], isType('testScaleF64: k'), 'bigint k');
    await T.fails('testScaleF64', [new Float64Array(4), '2'], isType('testScaleF64: k'), 'string k');
    await T.fails('testScaleF64', [new Float64Array(4)], isType('testScaleF64: k'), 'missing k');
  });
}

test('pool: in-place views are not copied, foreign ones are copied in and out (stats().bytesCopied)', async () => {
  const v = pool.alloc(8 * 4096, Float64Array);
  v.fill(1);
  let before = pool.stats().bytesCopied;
  await pool.testScaleF64(v, 3);
  assert.equal(pool.stats().bytesCopied - before, 0, 'alloc()ed: no copy');
  assert.ok(v.every((e) => e === 3));
  pool.free(v);

  const f = new Float64Array(4096).fill(1);
  before = pool.stats().bytesCopied;
  await pool.testScaleF64(f, 3);
  assert.equal(pool.stats().bytesCopied - before, 2 * f.byteLength, 'foreign in/out: copied in and back');

  // an output buffer is copied out only; inputs in only
  const n = 1000;
  const a = new Int32Array(n).fill(1);
  const b = new Int32Array(n).fill(2);
  const out = new Int32Array(n);
  before = pool.stats().bytesCopied;
  await pool.testAddI32(a, b, out);
  assert.equal(pool.stats().bytesCopied - before, 3 * 4 * n);
  assert.ok(out.every((e) => e === 3));
});

// ----------------------------------------------------------- testAddI32

for (const T of TARGETS) {
  test(`${T.name}: a view of the wrong element type is named with its article (an Int32Array, a Uint8Array)`, async () => {
    const one = Int32Array.of(1);
    await assert.rejects(async () => T.run('testAddI32', Float32Array.of(1), one, new Int32Array(1)),
      (e) => e instanceof TypeError && /a must be an Int32Array \(got Float32Array/.test(e.message));
    await assert.rejects(async () => T.run('testIota', 3, { out: new Int16Array(3) }),
      (e) => e instanceof TypeError && /options\.out must be a Uint16Array/.test(e.message));
  });

  test(`${T.name}: testAddI32 writes out (copied back when foreign) and returns the length`, async () => {
    const r = prng(17);
    const n = 5000;
    const a = Int32Array.from({ length: n }, () => r() | 0);
    const b = Int32Array.from({ length: n }, () => r() | 0);
    a[0] = 0x7fffffff; b[0] = 1; // wraps
    a[1] = -0x80000000; b[1] = -1;
    const want = a.map((x, i) => (x + b[i]) | 0);

    const out = new Int32Array(n).fill(12345); // previous contents do not matter
    assert.equal(await T.run('testAddI32', a, b, out), n);
    assert.deepEqual(out, want);
    assert.equal(out[0], -0x80000000);
    assert.equal(out[1], 0x7fffffff);

    // out as a window of a larger array: its neighbours are not touched
    const big = new Int32Array(n + 20).fill(-7);
    assert.equal(await T.run('testAddI32', a, b, big.subarray(10, 10 + n)), n);
    assert.deepEqual(big.subarray(10, 10 + n), want);
    assert.ok(big.subarray(0, 10).every((e) => e === -7));
    assert.ok(big.subarray(10 + n).every((e) => e === -7));

    // alloc()ed inputs and output, and a mix
    const ha = T.api.alloc(4 * n, Int32Array);
    const hout = T.api.alloc(4 * n, Int32Array);
    ha.set(a);
    assert.equal(await T.run('testAddI32', ha, b, hout), n);
    assert.deepEqual(hout, want);
    const out2 = new Int32Array(n);
    assert.equal(await T.run('testAddI32', ha, b, out2), n);
    assert.deepEqual(out2, want);
    // out aliasing an input
    assert.equal(await T.run('testAddI32', ha, b, ha), n);
    assert.deepEqual(ha, want);
    const fa = Int32Array.from(a);
    assert.equal(await T.run('testAddI32', fa, b, fa), n);
    assert.deepEqual(fa, want);
    T.api.free(ha);
    T.api.free(hout);

    assert.equal(await T.run('testAddI32', new Int32Array(0), new Int32Array(0), new Int32Array(0)), 0);
  });

  test(`${T.name}: testAddI32 requires a, b and out of equal lengths`, async () => {
    const a3 = new Int32Array([1, 2, 3]);
    await T.fails('testAddI32', [a3, new Int32Array(4), new Int32Array(3)], isRange('testAddI32'), 'b longer');
    await T.fails('testAddI32', [a3, new Int32Array(2), new Int32Array(3)], isRange('testAddI32'), 'b shorter');
    await T.fails('testAddI32', [a3, new Int32Array(3), new Int32Array(2)], isRange('testAddI32'), 'out shorter');
    await T.fails('testAddI32', [new Int32Array(0), new Int32Array(0), new Int32Array(1)], isRange('testAddI32'), 'out longer');
    // the message names the mismatching buffers
    await T.fails('testAddI32', [a3, new Int32Array(3), new Int32Array(5)], (e) => {
      assert.ok(e instanceof RangeError);
      assert.match(e.message, /\bout\b/);
      assert.match(e.message, /\ba\b/);
      return true;
    }, 'names');
    // a rejected call does not write out
    const out = new Int32Array(3).fill(9);
    await T.fails('testAddI32', [a3, new Int32Array(2), out], isRange('testAddI32'), 'no write');
    assert.deepEqual([...out], [9, 9, 9]);
    // element types are checked too
    await T.fails('testAddI32', [new Uint32Array(3), a3, new Int32Array(3)], isType('testAddI32: a'), 'Uint32Array a');
    await T.fails('testAddI32', [a3, a3, new Float64Array(3)], isType('testAddI32: out'), 'Float64Array out');
    await T.fails('testAddI32', [a3, a3], isType('testAddI32: out'), 'missing out');
  });
}

// ----------------------------------------------------------- testStatus

for (const T of TARGETS) {
  test(`${T.name}: testStatus maps negative statuses to ParawasmError codes`, async () => {
    assert.equal(await T.run('testStatus', 5), 5);
    assert.equal(await T.run('testStatus', 0), 0);
    assert.equal(await T.run('testStatus', 0x7fffffff), 0x7fffffff);
    const codes = [[-1, 'ERR_PW_INVALID_ARG'], [-2, 'ERR_PW_NO_MEMORY'], [-4, 'ERR_PW_OUT_OF_RANGE'], [-5, 'ERR_PW_NO_KERNEL']];
    for (const [s, code] of codes) {
      await T.fails('testStatus', [s], (e) => {
        assert.ok(e instanceof ParawasmError, `${e.constructor.name}: ${e.message}`);
        assert.equal(e.name, 'ParawasmError');
        assert.equal(e.code, code);
        assert.ok(e.message.includes('testStatus'), e.message);
        return true;
      }, `status ${s}`);
    }
    // a status that the list does not know is still an error
    await T.fails('testStatus', [-1000], (e) => e instanceof ParawasmError && !(e instanceof TypeError), 'status -1000');
    // and the argument itself is checked first
    await T.fails('testStatus', [2 ** 31], isRange('testStatus: s'), 'status 2^31');
    await T.fails('testStatus', ['1'], isType('testStatus: s'), 'status "1"');
  });
}

test('pool: after rejected calls of every kind, the pool still works and nothing is left queued', async () => {
  const settled = await Promise.allSettled([
    pool.testStatus(-1), pool.testStatus(-2), pool.testSumU32(new Uint8Array(4)),
    pool.testAddI32(new Int32Array(1), new Int32Array(2), new Int32Array(1)), pool.testScalars(200, 0, 0, 0, 0, 0, 0, false),
    pool.testStatus(7), pool.testSumU32(new Uint32Array([40, 2])),
  ]);
  assert.deepEqual(settled.map((s) => s.status), ['rejected', 'rejected', 'rejected', 'rejected', 'rejected', 'fulfilled', 'fulfilled']);
  assert.equal(settled[5].value, 7);
  assert.equal(settled[6].value, 42n);
  const st = pool.stats();
  assert.equal(st.state, 'ready');
  assert.equal(st.queued, 0);
  assert.equal(await pool.testScalars(1, 1, 1, 2, 1, 0.25, 0.125, true), expectScalars(1, 1, 1, 2, 1, 0.25, 0.125, true));
});

test('core: after thrown errors of every kind, the core still works', () => {
  assert.throws(() => core.testStatus(-1));
  assert.throws(() => core.testSumU32(new Uint8Array(4)));
  assert.throws(() => core.testAddI32(new Int32Array(1), new Int32Array(2), new Int32Array(1)));
  assert.equal(core.testStatus(7), 7);
  assert.equal(core.testSumU32(new Uint32Array([40, 2])), 42n);
  const out = new Int32Array(2);
  assert.equal(core.testAddI32(new Int32Array([1, 2]), new Int32Array([3, 4]), out), 2);
  assert.deepEqual([...out], [4, 6]);
});

// ---------------------------------------- growth in the middle of a call

test('core: a call whose foreign input copy grows the heap does not corrupt the alloc()ed views of the same call', () => {
  // Runs in a child process: the corrupted module may hang.
  const script = `
    import { loadCore } from ${JSON.stringify(TESTPKG_URL)};
    const core = await loadCore();
    const heapBefore = core.heapSize;
    const bytes = ((heapBefore - (4 << 20)) >> 1) & ~15; // b and out fit; a copy of a does not
    const n = bytes / 4;
    const b = core.alloc(bytes, Int32Array);
    const out = core.alloc(bytes, Int32Array);
    const heapAfterAllocs = core.heapSize;
    b.fill(1);
    out.fill(0);
    const outOffset = out.byteOffset;
    const a = new Int32Array(n).fill(2);
    const res = { heapBefore, heapAfterAllocs };
    try {
      res.returned = core.testAddI32(a, b, out);
    } catch (e) {
      res.threw = e.constructor.name;
      res.message = e.message;
    }
    res.heapAfterCall = core.heapSize;
    if ('returned' in res) {
      const now = new Int32Array(core.alloc(0).buffer, outOffset, n);
      res.outIsSum = now.every((v) => v === 3);
    }
    res.crc = core.crc32(new TextEncoder().encode('123456789'));
    console.log(JSON.stringify(res));
  `;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: HANG_MS });
  assert.equal(child.signal, null, `the child hung (killed by ${child.signal}); stderr: ${child.stderr}`);
  assert.equal(child.status, 0, child.stderr);
  const res = JSON.parse(child.stdout.trim().split('\n').pop());
  assert.equal(res.heapAfterAllocs, res.heapBefore, 'setup: b and out fit in the initial heap');
  assert.ok(res.heapAfterCall > res.heapBefore, 'setup: the copy of a grew the heap');
  if ('returned' in res) {
    assert.equal(res.returned, (((res.heapBefore - (4 << 20)) >> 1) & ~15) / 4);
    assert.equal(res.outIsSum, true, 'out holds a + b');
  } else {
    assert.ok(['TypeError', 'RangeError'].includes(res.threw), `${res.threw}: ${res.message}`);
  }
  assert.equal(res.crc, 0xcbf43926, 'the core is intact after the call');
});

test('the child-process helper itself works (module path, JSON output)', () => {
  const script = `
    import { loadCore } from ${JSON.stringify(TESTPKG_URL)};
    const core = await loadCore();
    console.log(JSON.stringify({ crc: core.crc32(new TextEncoder().encode('123456789')), heap: core.heapSize }));
  `;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: HANG_MS });
  assert.equal(child.status, 0, child.stderr);
  const res = JSON.parse(child.stdout.trim());
  assert.equal(res.crc, 0xcbf43926);
  assert.ok(res.heap >= 16 << 20, `initial heap ${res.heap}`);
});

// ------------------------------------------- results, fixed inputs, text

test('PW_RETURN: a new array of the length a parameter gives, with its status', async () => {
  for (const t of TARGETS) {
    const r = await t.run('testIota', 5, 10);
    assert.ok(r instanceof Uint16Array, `${t.name}: a Uint16Array`);
    assert.deepEqual([...r], [10, 11, 12, 13, 14], t.name);
    assert.ok(!(r.buffer instanceof SharedArrayBuffer), `${t.name}: not a view of parawasm's memory`);
    assert.equal((await t.run('testIota', 0)).length, 0, `${t.name}: an empty result`);
    const big = await t.run('testIota', 100000, 1);
    assert.equal(big.length, 100000);
    assert.equal(big[99999], (100000) & 0xffff);
    await t.fails('testIota', [3, 0xffff], (e) => e instanceof ParawasmError && e.code === 'ERR_PW_OUT_OF_RANGE', `${t.name}: a status with a result`);
    await t.fails('testIota', [-1], isRange('n'), `${t.name}: a negative count`);
    await t.fails('testIota', [2 ** 31], isRange('result'), `${t.name}: a result too large to return`);
  }
});

test('PW_RETURN with options.out: the result written into a given view, in place when it is of this memory', async () => {
  for (const t of TARGETS) {
    const { api } = t;
    // a view of this memory (an alloc() block, and a subarray of one at an odd offset): written where it is
    const block = api.alloc(32, Uint16Array); // (alloc takes bytes)
    block.fill(0xaaaa);
    const inPlace = block.subarray(3, 8);
    const r = await t.run('testIota', 5, 10, { out: inPlace });
    assert.equal(r, inPlace, `${t.name}: returns options.out itself`);
    assert.deepEqual([...block], [0xaaaa, 0xaaaa, 0xaaaa, 10, 11, 12, 13, 14, ...new Array(8).fill(0xaaaa)],
      `${t.name}: the result in place, nothing around it touched`);
    // a view of any other memory: the result copied into it
    const foreign = new Uint16Array(7).fill(7);
    const r2 = await t.run('testIota', 7, 65000, { out: foreign });
    assert.equal(r2, foreign, `${t.name}: returns the foreign view`);
    assert.deepEqual([...foreign], [65000, 65001, 65002, 65003, 65004, 65005, 65006], t.name);
    // a large one, split across the pool's threads the same way as a new result
    const big = api.alloc(200000, Uint16Array);
    const r3 = await t.run('testIota', 100000, 1, { out: big });
    assert.deepEqual(r3, await t.run('testIota', 100000, 1), `${t.name}: the same values as a new result`);
    assert.equal((await t.run('testIota', 0, { out: new Uint16Array(0) })).length, 0, `${t.name}: empty`);
    // the checks: type, length, a hand-made view of the heap, a freed block, the status
    await t.fails('testIota', [5, { out: new Uint32Array(5) }], isType('options.out'), `${t.name}: wrong type`);
    await t.fails('testIota', [5, { out: [0, 0, 0, 0, 0] }], isType('options.out'), `${t.name}: a plain array`);
    await t.fails('testIota', [5, { out: new Uint16Array(6) }], isRange('options.out'), `${t.name}: wrong length`);
    await t.fails('testIota', [5, { out: new Uint16Array(api.alloc(16).buffer, 0, 5) }], isRange('options.out'),
      `${t.name}: a view of the heap that alloc() did not make`);
    const gone = api.alloc(10, Uint16Array);
    api.free(gone);
    await t.fails('testIota', [5, { out: gone }], (e) => e.message.includes('options.out'), `${t.name}: a freed block`);
    const kept = api.alloc(6, Uint16Array).fill(9);
    await t.fails('testIota', [3, 0xffff, { out: kept }], (e) => e instanceof ParawasmError && e.code === 'ERR_PW_OUT_OF_RANGE',
      `${t.name}: the kernel's status still rejects`);
    // kernels without one PW_RETURN result keep refusing it as an unknown option
    const shared = api.alloc(16);
    await t.fails('testTag', [shared.subarray(0, 4), 'abc', { out: shared.subarray(2, 10) }], isRange('options.out overlaps key'),
      `${t.name}: out overlapping an input`);
    assert.equal((await t.run('testTag', shared.subarray(0, 4), 'abc', { out: shared.subarray(8, 16) })).length, 8, `${t.name}: next to it`);
    // kernels without one PW_RETURN result keep refusing it as an unknown option
    await t.fails('testSumU32', [new Uint32Array(3), { out: new Uint32Array(3) }], isType('unknown option "out"'), `${t.name}: no PW_RETURN`);
    for (const v of [block, big, kept, shared]) api.free(v);
  }
});

test('PW_RETURN with options.out on the pool: the block stays allocated while the kernel writes it', async () => {
  // both threads held: the call waits in the queue, its out pinned
  const hold = await holdThreads(pool);
  const out = pool.alloc(400000, Uint16Array);
  const [lo, hi] = [out.byteOffset, out.byteOffset + out.byteLength];
  const p = pool.testIota(200000, 5, { out });
  pool.free(out); // deferred until the call is done: no other allocation may take the memory meanwhile
  const others = [];
  for (let k = 0; k < 4; k++) others.push(pool.alloc(100000).fill(0x55));
  for (const o of others) {
    assert.ok(o.byteOffset >= hi || o.byteOffset + o.byteLength <= lo, `a new block at ${o.byteOffset} inside the pinned out [${lo}, ${hi})`);
  }
  await hold.end();
  assert.equal(await p, out);
  for (const o of others) {
    assert.ok(o.every((b) => b === 0x55), 'the kernel wrote nothing outside out');
    pool.free(o);
  }
});

test('PW_RETURN with options.out: another realm\'s typed array, a freed view, a view freed while the call waits', async () => {
  const other = vm.runInNewContext('new Uint16Array(4)');
  for (const t of TARGETS) {
    assert.deepEqual([...await t.run('testIota', 4, 7, { out: other })], [7, 8, 9, 10], `${t.name}: a typed array of another realm`);
    const empty = t.api.alloc(0, Uint16Array);
    t.api.free(empty);
    await t.fails('testIota', [0, { out: empty }], isRange('options.out'), `${t.name}: a freed empty view`);
  }
  // a view of another memory (the core's), freed while the pool call waits: refused, not written
  const hold = await holdThreads(pool);
  const out = core.alloc(8, Uint16Array);
  const p = pool.testIota(4, 1, { out });
  core.free(out);
  const reuse = core.alloc(8, Uint16Array).fill(0xabcd);
  const refused = assert.rejects(p, isRange('options.out')); // (handled before the call can settle)
  await hold.end();
  await refused;
  assert.ok(reuse.every((v) => v === 0xabcd), 'nothing written into the memory out had');
  core.free(reuse);
});

test('PW_RETURN of a fixed size: bytes the kernel does not write are zeros, after calls that wrote them', async () => {
  const want = (n) => Array.from({ length: 16 }, (_, i) => (i < n ? 0xa5 : 0));
  for (const t of TARGETS) {
    for (const n of [16, 3, 16, 0, 15, 1]) {
      assert.deepEqual([...await t.run('testPartial', n)], want(n), `${t.name}: ${n} bytes written`);
    }
    // into options.out: an alloc() view (written in place) and a plain array (copied), both dirty
    const heapOut = t.api.alloc(16);
    for (const [what, out] of [['an alloc() view', heapOut], ['a plain array', new Uint8Array(16)]]) {
      out.fill(0x5a);
      const got = await t.run('testPartial', 5, { out });
      assert.deepEqual([...got], want(5), `${t.name}: out ${what}`);
      assert.deepEqual([...out], want(5), `${t.name}: out ${what}, read again`);
    }
    t.api.free(heapOut);
  }
});

test('PW_IN(4): a fixed-size input is checked; a char input takes a string as UTF-8', async () => {
  const fnv = (bytes) => {
    let h = 0x811c9dc5;
    for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
    return h;
  };
  const text = 'héllo, wörld ✓';
  const utf8 = new TextEncoder().encode(text);
  const want = [1, 2, 3, 4, fnv(utf8) >>> 24, (fnv(utf8) >>> 16) & 255, (fnv(utf8) >>> 8) & 255, fnv(utf8) & 255];
  for (const t of TARGETS) {
    const key = new Uint8Array([1, 2, 3, 4]);
    assert.deepEqual([...(await t.run('testTag', key, text))], want, `${t.name}: a string`);
    assert.deepEqual([...(await t.run('testTag', key, utf8))], want, `${t.name}: its bytes`);
    assert.deepEqual([...(await t.run('testTag', new DataView(key.buffer), ''))].slice(4), [0x81, 0x1c, 0x9d, 0xc5], `${t.name}: empty text`);
    await t.fails('testTag', [new Uint8Array(5), text], isRange('key must be 4 bytes'), `${t.name}: a 5-byte key`);
    await t.fails('testTag', ['abcd', text], isType('key'), `${t.name}: a string where bytes are wanted`);
    await t.fails('testTag', [key, 42], isType('text'), `${t.name}: a number for text`);
  }
});

test('pw_u128 results are bigints; PW_INTERNAL kernels are not methods', async () => {
  const r = prng(0x128);
  for (const t of TARGETS) {
    for (let i = 0; i < 50; i++) {
      const hi = r64(r);
      const lo = r64(r);
      assert.equal(await t.run('testU128', hi, lo), (hi << 64n) | lo, `${t.name}: ${hi}:${lo}`);
    }
    assert.equal(await t.run('testU128', 0, 0), 0n);
    assert.equal(t.api.testHidden, undefined, `${t.name}: testHidden is internal`);
    assert.equal(await t.api.invoke('testHidden', [21]), 42, `${t.name}: invoke() reaches it`);
  }
});

test('invoke() of a name that several kernels share (one per element type) runs the one for its arguments', async () => {
  for (const t of TARGETS) {
    for (const [C, values, sorted] of [
      [Float32Array, [3.5, -0, NaN, -2, 0], [-2, -0, 0, 3.5, NaN]],
      [Float64Array, [1e300, -1e-300, 7], [-1e-300, 7, 1e300]],
      [Int8Array, [5, -128, 127, 0], [-128, 0, 5, 127]],
      [BigUint64Array, [2n ** 64n - 1n, 0n, 5n], [0n, 5n, 2n ** 64n - 1n]],
    ]) {
      const x = C.from(values);
      await t.api.invoke('array.sort', [x]);
      assert.deepEqual([...x].map(String), sorted.map(String), `${t.name}: invoke('array.sort') of a ${C.name}`);
    }
    const bad = (e) => e instanceof TypeError && /array\.sort: x must be one of .*Float64Array \(got an instance of Array\)/.test(e.message);
    if (t.name.startsWith('core')) assert.throws(() => t.api.invoke('array.sort', [[3, 1, 2]]), bad, `${t.name}: a plain array`);
    else await assert.rejects(t.api.invoke('array.sort', [[3, 1, 2]]), bad, `${t.name}: a plain array`);
  }
});

test('64-bit scalars given as numbers (negative, above 2^32, near 2^53) equal the same values as bigints', async () => {
  const cases = [
    [1, 2, 3, 2 ** 52 + 3, -(2 ** 52) - 7], [0, 0, 0, 0, -1], [0, 0, 0, 4294967297, -4294967297],
    [0, 0, 0, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER], [0, 0, 0, 4294967296, -4294967296],
  ];
  for (const t of TARGETS) {
    for (const [a, b, c, d, e] of cases) {
      const want = expectScalars(a, b, c, BigInt(d), BigInt(e), 0.5, 0.25, true);
      assert.equal(await t.run('testScalars', a, b, c, d, e, 0.5, 0.25, true), want, `${t.name}: numbers ${d}, ${e}`);
      assert.equal(await t.run('testScalars', a, b, c, BigInt(d), BigInt(e), 0.5, 0.25, true), want, `${t.name}: bigints`);
    }
  }
});

test('a trap on the core is a ParawasmError naming the kernel; the C stack is put back, so the core stays usable', () => {
  // each trapping call leaves 64 KiB of C stack behind unless the core
  // restores it: 100 of them are more than the core's 1 MiB stack
  for (let i = 0; i < 100; i++) {
    assert.throws(() => core.testStackTrap(i, true), (e) => {
      assert.ok(e instanceof ParawasmError, String(e));
      assert.equal(e.code, 'ERR_PW_TRAP');
      assert.match(e.message, /^testStackTrap: the kernel trapped \(/);
      assert.ok(e.cause instanceof WebAssembly.RuntimeError, 'the trap is the cause');
      return true;
    });
  }
  assert.equal(core.testStackTrap(7, false), 65536 * 7);
  // (4: exit(3), which the runtime makes a trap)
  for (const kind of [0, 2, 4]) {
    assert.throws(() => core.testTrap(kind), (e) => e.code === 'ERR_PW_TRAP' && /^testTrap: /.test(e.message), `kind ${kind}`);
  }
  // the generic path (options given) as well as the fast one
  assert.throws(() => core.testStackTrap(1, true, {}), (e) => e.code === 'ERR_PW_TRAP');
  assert.equal(core.testStackTrap(3, false, {}), 65536 * 3);
  const x = core.alloc(4000, Uint32Array);
  x.fill(9);
  assert.equal(core.testSumU32(x), 9000n);
  core.free(x);
});

test('abort() on the core: ERR_PW_TRAP, without the glue\'s "Aborted()" line on stderr; what the kernel itself writes there is kept', () => {
  const script = `
    import { loadCore } from ${JSON.stringify(TESTPKG_URL)};
    const core = await loadCore();
    const codes = [];
    for (const kind of [1, 3, 1]) {
      try { core.testTrap(kind); codes.push('returned'); } catch (e) { codes.push(e.code); }
    }
    const x = core.alloc(4000, Uint32Array);
    x.fill(9);
    console.log(JSON.stringify({ codes, sum: String(core.testSumU32(x)) }));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { codes: ['ERR_PW_TRAP', 'ERR_PW_TRAP', 'ERR_PW_TRAP'], sum: '9000' });
  assert.doesNotMatch(r.stderr, /Aborted\(/, 'the glue printed its abort line');
  assert.match(r.stderr, /pw_test_trap: about to abort/, "the kernel's own line to stderr");
});

test('the fallback pool: alloc() bounded as a heap is, an abort of a running kernel rejects at once, heapSize 0 after destroy()', async () => {
  const preload = new URL('../runtimes/no-sab-preload.mjs', import.meta.url).pathname;
  const r = await runNode(`
    import { createPool } from ${JSON.stringify(new URL('../../pkg/index.js', import.meta.url).href)};
    const pool = await createPool();
    const out = { isShared: pool.isShared };
    try { pool.alloc(2 ** 32 - 1); out.huge = 'allocated'; } catch (e) { out.huge = e.constructor.name + ': ' + e.message; }
    const blocks = [];
    try { for (;;) blocks.push(pool.alloc(256 << 20)); } catch (e) { out.filled = [blocks.length, e.constructor.name, e.message.includes('in alloc() blocks')]; }
    for (const b of blocks) pool.free(b);
    out.afterFree = pool.alloc(1 << 20).length;
    // an abort while the worker runs the kernel: the call rejects while it still runs
    const big = pool.alloc(512 << 20);
    const ac = new AbortController();
    let started = false;
    const p = pool.sha256(big, { signal: ac.signal, onProgress: () => { if (!started) { started = true; ac.abort('stop'); } } });
    out.abort = await p.then(() => 'resolved', (e) => [e.name, e.cause, pool.stats().running]);
    out.next = (await pool.crc32(Uint8Array.of(1, 2, 3))) >>> 0;
    await pool.destroy();
    out.heapAfter = pool.stats().heapSize;
    console.log(JSON.stringify(out));
  `, { args: ['--import', preload] });
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.isShared, false);
  assert.match(out.huge, /^RangeError: alloc: cannot allocate 4294967295 bytes: more than parawasm's heap can ever hold/);
  assert.deepEqual(out.filled, [15, 'RangeError', true], 'fifteen blocks of 256 MiB, then a RangeError');
  assert.equal(out.afterFree, 1 << 20, 'freed blocks make room again');
  assert.deepEqual(out.abort, ['AbortError', 'stop', 1], 'rejected while the worker still ran the kernel');
  assert.equal(out.next, zlib.crc32(Uint8Array.of(1, 2, 3)), 'the next call runs after it');
  assert.equal(out.heapAfter, 0);
});

test('the fallback pool (no shared memory): negative bigints for int64_t, and a view freed while its call runs, as on the shared pool', async () => {
  const preload = new URL('../runtimes/no-sab-preload.mjs', import.meta.url).pathname;
  const script = `
    import { createPool } from ${JSON.stringify(TESTPKG_URL)};
    const results = {};
    for (const shared of [true, false]) {
      const pool = await createPool({ threads: 1 });
      if (pool.isShared !== shared) continue;
      const r = {};
      r.neg = String(await pool.testScalars(0, 0, 0, 0n, -3n, 0, 0, false));
      r.negNumber = String(await pool.testScalars(0, 0, 0, 0n, -3, 0, 0, false));
      r.min = String(await pool.testScalars(0, 0, 0, 0n, -(2n ** 63n) + 5n, 0, 0, false));
      const x = pool.alloc(4e6, Float64Array);
      x.fill(1.5);
      const p = pool.testScaleF64(x, 2);
      pool.free(x);
      await p;
      r.scaled = [x[0], x[x.length - 1]];
      r.freedAfter = await pool.testScaleF64(x, 2).then(() => 'resolved', (e) => e.constructor.name + ': ' + /freed/.test(e.message));
      r.inHeapFreed = (() => { try { return pool.inHeap(x); } catch (e) { return e.constructor.name + ': ' + e.message; } })();
      r.inHeapNotView = ['x', 123, {}, null, undefined, new ArrayBuffer(8)].map((v) => {
        try { return pool.inHeap(v); } catch (e) { return e.constructor.name + ' ' + e.code + ' ' + /^inHeap: view must be a TypedArray or DataView/.test(e.message); }
      });
      await pool.destroy();
      results[shared ? 'shared' : 'fallback'] = r;
    }
    console.log(JSON.stringify(results));
  `;
  const run = async (args) => {
    const r = await runNode(script, { args });
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout);
  };
  const { shared } = await run([]);
  const { fallback } = await run(['--import', preload]);
  // the fallback worker starts whatever flags the process has: V8 flags, and
  // a script given with -e (--input-type, which runNode uses) at once
  const flagged = await runNode(`
    import { createPool } from ${JSON.stringify(TESTPKG_URL)};
    const pool = await createPool({ threads: 1 });
    console.log(pool.isShared, await pool.testSumU32(Uint32Array.of(40, 2)));
    await pool.destroy();
  `, { args: ['--max-old-space-size=2048', '--expose-gc', '--stack-size=900', '--import', preload] });
  assert.equal(flagged.code, 0, flagged.stderr);
  assert.equal(flagged.stdout.trim(), 'false 42n');
  assert.ok(shared && fallback, 'both pools ran');
  // testScalars mixes its arguments into one int64: e alone
  const core64 = String(core.testScalars(0, 0, 0, 0n, -3n, 0, 0, false));
  assert.equal(shared.neg, core64);
  assert.deepEqual(fallback, shared);
  assert.deepEqual(shared.scaled, [3, 3]);
  assert.equal(shared.freedAfter, 'RangeError: true');
  assert.match(shared.inHeapFreed, /^RangeError: inHeap: view is a view of memory that was freed/);
  // anything but a view is a TypeError naming the argument (it had been false, or the engine's uncoded error for null)
  assert.deepEqual(shared.inHeapNotView, Array(6).fill('TypeError ERR_INVALID_ARG_TYPE true'));
  for (const v of ['x', 123, {}, null, undefined, new ArrayBuffer(8)]) {
    assert.throws(() => core.inHeap(v), isType('inHeap: view must be a TypedArray or DataView'), String(v));
  }
});

test('a length expression past 2^53 is named as an approximation, not as a wrong exact number', async () => {
  // (2^32 - 1)^2 as a double printed 18446744065119617000, which it is not
  const { countOf } = await import('../../js/runtime/bind.js');
  const L = [2 ** 32 - 1, 2 ** 32 - 1];
  assert.throws(() => countOf(-1, (v, l) => l[0] * l[1], 'rows * cols', [], L, 'k: out'), (e) => e instanceof RangeError &&
    e.message === 'k: out: its length rows * cols is about 1.844674e+19, which is not a count from 0 to 4294967295');
  assert.throws(() => countOf(-1, () => 2 ** 40, 'n', [], [], 'k: out'), (e) => e instanceof RangeError &&
    e.message === 'k: out: its length n is 1099511627776, which is not a count from 0 to 4294967295');
  assert.equal(countOf(-1, (v, l) => l[0] * 2, 'n * 2', [], [21], 'k: out'), 42);
});
