// loadCore(): crc32, crc32c, adler32, their *Combine functions and
// asciiUpper, checked against independent references: Node's zlib.crc32 and
// plain-JS implementations of CRC-32C, Adler-32, the combine operators and
// ASCII upper-casing written here from the definitions.
//
//   node --test test/js/core-checksums.test.js
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { loadCore } from '../../pkg/index.js';
import { prng } from '../lib/ref.js';

// ------------------------------------------------------------ references


/** n pseudo-random bytes (a fresh ArrayBuffer). */
function randomBytes(n, seed) {
  const r = prng(seed);
  const words = new Uint32Array(Math.ceil(n / 4));
  for (let i = 0; i < words.length; i++) words[i] = r();
  return new Uint8Array(words.buffer, 0, n);
}

const refCrc32 = (bytes, crc = 0) => zlib.crc32(bytes, crc);

const CRC32C_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** CRC-32C (Castagnoli, reflected 0x82F63B78), bytewise. */
function refCrc32c(bytes, crc = 0) {
  let c = ~crc;
  for (let i = 0; i < bytes.length; i++) c = CRC32C_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

const ADLER_BASE = 65521;

/** Adler-32 (RFC 1950), bytewise. */
function refAdler32(bytes, adler = 1) {
  let a = adler & 0xffff;
  let b = adler >>> 16;
  for (let i = 0; i < bytes.length; i++) {
    a += bytes[i];
    if (a >= ADLER_BASE) a -= ADLER_BASE;
    b += a;
    if (b >= ADLER_BASE) b -= ADLER_BASE;
  }
  return ((b << 16) | a) >>> 0;
}

// CRC combine from the algebra: crc(A ++ B) = x^(8|B|) * crc(A) + crc(B) in
// GF(2)[x] mod P (reflected bit order), with |B| as a bigint of any size.
function gfMul(a, b, poly) {
  // a, b: reflected polynomials (bit 31 = x^0)
  let p = 0;
  for (let m = 0x80000000; m !== 0; m >>>= 1) {
    if (a & m) p ^= b;
    b = b & 1 ? (b >>> 1) ^ poly : b >>> 1;
  }
  return p >>> 0;
}
function xPow8n(n, poly) {
  // x^(8n) mod P by square-and-multiply on the exponent 8n
  let result = 0x80000000; // 1
  let base = 0x40000000; // x
  let e = BigInt(n) * 8n;
  while (e > 0n) {
    if (e & 1n) result = gfMul(result, base, poly);
    base = gfMul(base, base, poly);
    e >>= 1n;
  }
  return result;
}
const refCombine = (poly) => (crc1, crc2, len2) => (gfMul(xPow8n(len2, poly), crc1, poly) ^ crc2) >>> 0;
const refCrc32Combine = refCombine(0xedb88320);
const refCrc32cCombine = refCombine(0x82f63b78);

/** Adler-32 of A ++ B from the definition of the two sums; len2 any bigint. */
function refAdler32Combine(adler1, adler2, len2) {
  const B = BigInt(ADLER_BASE);
  const mod = (x) => ((x % B) + B) % B;
  const L = BigInt(len2);
  const a1 = BigInt(adler1 & 0xffff);
  const b1 = BigInt(adler1 >>> 16);
  const a2 = BigInt(adler2 & 0xffff);
  const b2 = BigInt(adler2 >>> 16);
  const s1 = mod(a1 + a2 - 1n);
  const s2 = mod(b1 + b2 + L * a1 - L);
  return Number((s2 << 16n) | s1);
}

function refAsciiUpper(bytes) {
  const out = Uint8Array.from(bytes);
  let n = 0;
  for (let i = 0; i < out.length; i++) {
    if (out[i] >= 0x61 && out[i] <= 0x7a) {
      out[i] -= 0x20;
      n++;
    }
  }
  return { out, n };
}

const bytesOf = (v) => new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
const hex8 = (x) => (x >>> 0).toString(16).padStart(8, '0');

// The three checksums, each with its reference and its start value.
const SUMS = [
  { name: 'crc32', ref: refCrc32, start: 0, combine: 'crc32Combine', refCombine: refCrc32Combine },
  { name: 'crc32c', ref: refCrc32c, start: 0, combine: 'crc32cCombine', refCombine: refCrc32cCombine },
  { name: 'adler32', ref: refAdler32, start: 1, combine: 'adler32Combine', refCombine: refAdler32Combine },
];

let core;
before(async () => {
  core = await loadCore();
});

// ------------------------------------------------------- the references

test('references: check values of "123456789" and the empty input', () => {
  const s = new TextEncoder().encode('123456789');
  assert.equal(hex8(refCrc32(s)), 'cbf43926');
  assert.equal(hex8(refCrc32c(s)), 'e3069283');
  assert.equal(hex8(refAdler32(s)), '091e01de');
  assert.equal(refCrc32c(new Uint8Array(0)), 0);
  assert.equal(refAdler32(new Uint8Array(0)), 1);
  // the combine references agree with real concatenation
  const a = randomBytes(777, 91);
  const b = randomBytes(1234, 92);
  const ab = new Uint8Array([...a, ...b]);
  for (const s2 of SUMS) {
    assert.equal(s2.refCombine(s2.ref(a), s2.ref(b), b.length), s2.ref(ab), s2.name);
  }
});

// ----------------------------------------------------- the check values

test('check values of "123456789"', () => {
  const s = new TextEncoder().encode('123456789');
  assert.equal(hex8(core.crc32(s)), 'cbf43926');
  assert.equal(hex8(core.crc32c(s)), 'e3069283');
  assert.equal(hex8(core.adler32(s)), '091e01de');
  // results are unsigned 32-bit numbers
  for (const f of ['crc32', 'crc32c', 'adler32']) {
    const v = core[f](s);
    assert.equal(typeof v, 'number');
    assert.ok(Number.isInteger(v) && v >= 0 && v <= 0xffffffff, `${f} -> ${v}`);
  }
});

test('empty input gives the start value, or the running value given', () => {
  const e = new Uint8Array(0);
  assert.equal(core.crc32(e), 0);
  assert.equal(core.crc32c(e), 0);
  assert.equal(core.adler32(e), 1);
  assert.equal(core.crc32(e, 0xdeadbeef), 0xdeadbeef);
  assert.equal(core.crc32c(e, 0x12345678), 0x12345678);
  assert.equal(core.adler32(e, 0x00050007), 0x00050007);
  // explicit default equals the omitted one
  const s = randomBytes(100, 3);
  assert.equal(core.crc32(s, 0), core.crc32(s));
  assert.equal(core.crc32c(s, 0), core.crc32c(s));
  assert.equal(core.adler32(s, 1), core.adler32(s));
  assert.equal(core.crc32(s, undefined), refCrc32(s));
});

// ------------------------------------------ every length, every alignment

function everyLength(buf, makeView, label) {
  const bad = [];
  for (let n = 0; n <= 4096; n++) {
    const off = (n * 7) % 64; // cycles through every offset mod 64, odd ones included
    const expect = buf.subarray(off, off + n);
    const v = makeView(off, n);
    for (const s of SUMS) {
      const got = core[s.name](v);
      const want = s.ref(expect);
      if (got !== want) bad.push(`${s.name} len ${n} off ${off}: ${hex8(got)} != ${hex8(want)}`);
    }
    if (bad.length > 20) break;
  }
  assert.deepEqual(bad, [], label);
}

test('every length 0..4096 at offsets 0..63 (foreign views)', () => {
  const buf = randomBytes(4096 + 64, 0x5eed);
  everyLength(buf, (off, n) => buf.subarray(off, off + n), 'foreign');
});

test('every length 0..4096 at offsets 0..63 (views of an alloc() block, in place)', () => {
  const src = randomBytes(4096 + 64, 0x5eed);
  const block = core.alloc(src.length);
  block.set(src);
  everyLength(src, (off, n) => block.subarray(off, off + n), 'alloc');
  // the kernels only read the block
  assert.deepEqual(block, src);
  core.free(block);
});

test('all 16 alignments around SIMD-sized lengths, in the heap', () => {
  const src = randomBytes(2048, 77);
  const block = core.alloc(src.length);
  block.set(src);
  const bad = [];
  for (const n of [1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 255, 256, 257, 1023, 1024, 1025]) {
    for (let off = 0; off < 16; off++) {
      for (const s of SUMS) {
        const got = core[s.name](block.subarray(off, off + n));
        const want = s.ref(src.subarray(off, off + n));
        if (got !== want) bad.push(`${s.name} len ${n} off ${off}`);
      }
    }
  }
  assert.deepEqual(bad, []);
  core.free(block);
});

// ----------------------------------------------------------- input kinds

test('every kind of view is read as its bytes', async () => {
  const n = 4000; // a multiple of 8
  const bytes = randomBytes(n + 16, 11);
  const exact = bytes.slice(0, n); // its own ArrayBuffer
  const views = {
    Uint8Array: exact,
    Buffer: Buffer.from(exact),
    'pooled Buffer (allocUnsafe)': (() => { const c = Buffer.allocUnsafe(n); c.set(exact); return c; })(),
    'Buffer at byte offset 5 of its ArrayBuffer': (() => {
      const ab = new ArrayBuffer(n + 8);
      new Uint8Array(ab, 5, n).set(exact);
      return Buffer.from(ab, 5, n);
    })(),
    DataView: new DataView(exact.buffer, exact.byteOffset, n),
    Int16Array: new Int16Array(exact.buffer.slice(0), 0, n / 2),
    Float64Array: new Float64Array(exact.buffer.slice(0), 0, n / 8),
    BigUint64Array: new BigUint64Array(exact.buffer.slice(0), 0, n / 8),
    Uint8ClampedArray: new Uint8ClampedArray(exact),
    'Uint8Array at odd offset 1': (() => { const u = new Uint8Array(n + 2); u.set(exact, 1); return u.subarray(1, 1 + n); })(),
    'Uint8Array at odd offset 7 of a larger buffer': (() => { const u = new Uint8Array(n + 9); u.set(exact, 7); return u.subarray(7, 7 + n); })(),
    'DataView at odd offset 3': (() => { const u = new Uint8Array(n + 5); u.set(exact, 3); return new DataView(u.buffer, 3, n); })(),
    'Int16Array at offset 2': (() => { const u = new Uint8Array(n + 4); u.set(exact, 2); return new Int16Array(u.buffer, 2, n / 2); })(),
    'SharedArrayBuffer view': (() => { const u = new Uint8Array(new SharedArrayBuffer(n)); u.set(exact); return u; })(),
    'alloc() view of another core': await (async () => {
      const other = await loadCore();
      const u = other.alloc(n + 3).subarray(3);
      u.set(exact);
      return u;
    })(),
  };
  for (const [label, v] of Object.entries(views)) {
    assert.deepEqual(bytesOf(v), exact, `setup of ${label}`);
    for (const s of SUMS) {
      assert.equal(core[s.name](v), s.ref(exact), `${s.name} of ${label}`);
    }
  }
});

test('views from alloc() of every constructor are read in place', () => {
  const n = 4096;
  const src = randomBytes(n, 12);
  const kinds = [Uint8Array, Int8Array, Uint16Array, Int32Array, Float32Array, Float64Array, BigInt64Array, DataView];
  for (const C of kinds) {
    const v = core.alloc(n, C);
    assert.ok(C === DataView ? v instanceof DataView : v instanceof C, C.name);
    assert.equal(v.byteLength, n);
    bytesOf(v).set(src);
    for (const s of SUMS) assert.equal(core[s.name](v), s.ref(src), `${s.name} of alloc(n, ${C.name})`);
    // an interior slice of the block at an odd byte offset
    const inner = core.view(v, Uint8Array, 3, n - 10);
    for (const s of SUMS) assert.equal(core[s.name](inner), s.ref(src.subarray(3, n - 7)), `${s.name} inner ${C.name}`);
    assert.deepEqual(bytesOf(v), src, 'the block is not changed');
    core.free(v);
  }
});

test('views from alloc() are used in place: a kernel on a block larger than the free heap needs no more memory', async () => {
  const c = await loadCore(); // a fresh heap
  const n = 40 * (1 << 20);
  const block = c.alloc(n);
  const size = c.heapSize;
  assert.ok(size - n < n, 'setup: the heap could not hold a second copy of the block without growing');
  block.fill(0x61);
  block[0] = 0x30;
  assert.equal(c.asciiUpper(block), n - 1);
  assert.equal(c.heapSize, size, 'no copy was made');
  assert.equal(block.byteLength, n, 'the block is still attached');
  assert.equal(block[1], 0x41);
  assert.equal(block[n - 1], 0x41);
  assert.equal(c.crc32(block), zlib.crc32(block));
  assert.equal(c.heapSize, size);
  c.free(block);
});

// ---------------------------------------------------------- large inputs

// Lengths around the documented 1 MiB line above which foreign inputs are
// streamed through a scratch block, and the large sizes of the brief.
const MiB = 1 << 20;

test('lengths around 1 MiB (streaming threshold), foreign and in the heap', () => {
  const big = randomBytes(3 * MiB + 16, 21);
  const block = core.alloc(3 * MiB + 16);
  block.set(big);
  for (const n of [MiB - 1, MiB, MiB + 1, MiB + 3, MiB + (1 << 18), MiB + (1 << 18) + 1, 3 * MiB - 1]) {
    for (const off of [0, 5]) {
      const foreign = big.subarray(off, off + n);
      const inHeap = block.subarray(off, off + n);
      for (const s of SUMS) {
        const want = s.ref(foreign);
        assert.equal(core[s.name](foreign), want, `${s.name} foreign ${n}+${off}`);
        assert.equal(core[s.name](inHeap), want, `${s.name} heap ${n}+${off}`);
      }
    }
  }
  core.free(block);
});

for (const n of [MiB + 3, 16 * MiB + 1, 64 * MiB]) {
  test(`large input of ${n} bytes: foreign (streamed), Buffer, DataView, odd subarray and in-heap agree with the references`, () => {
    const data = randomBytes(n + 1, n);
    const v = data.subarray(0, n);
    const want = Object.fromEntries(SUMS.map((s) => [s.name, s.ref(v)]));
    const forms = {
      Uint8Array: v,
      Buffer: Buffer.from(v.buffer, v.byteOffset, n),
      DataView: new DataView(v.buffer, 0, n),
      'odd offset 1': (() => { const u = new Uint8Array(n + 1); u.set(v, 1); return u.subarray(1); })(),
    };
    if (n % 2 === 0) forms.Int16Array = new Int16Array(v.buffer, 0, n / 2);
    if (n % 8 === 0) forms.Float64Array = new Float64Array(v.buffer, 0, n / 8);
    for (const [label, view] of Object.entries(forms)) {
      for (const s of SUMS) assert.equal(core[s.name](view), want[s.name], `${s.name} ${label}`);
    }
    // a running value carried into and out of the streamed input
    const head = randomBytes(1000, 5);
    for (const s of SUMS) {
      const r = s.ref(head);
      assert.equal(core[s.name](v, r), s.ref(v, r), `${s.name} streamed with running value`);
    }
    // the same bytes inside the heap, used in place
    const block = core.alloc(n);
    block.set(v);
    for (const s of SUMS) assert.equal(core[s.name](block), want[s.name], `${s.name} in heap`);
    core.free(block);
  });
}

// ------------------------------------------------------- piecewise feeding

test('feeding random pieces with a running value equals one shot', () => {
  const r = prng(31);
  const data = randomBytes(20000, 32);
  for (const s of SUMS) {
    const whole = core[s.name](data);
    assert.equal(whole, s.ref(data));
    for (let trial = 0; trial < 40; trial++) {
      const cuts = [0, data.length];
      const k = 1 + (r() % 12);
      for (let i = 0; i < k; i++) cuts.push(r() % (data.length + 1));
      cuts.sort((a, b) => a - b); // duplicates give empty pieces
      let running = s.start;
      for (let i = 0; i + 1 < cuts.length; i++) running = core[s.name](data.subarray(cuts[i], cuts[i + 1]), running);
      assert.equal(running, whole, `${s.name} trial ${trial} cuts ${cuts}`);
    }
  }
});

test('pieces mixing heap views, foreign views and a streamed (> 1 MiB) piece', () => {
  const data = randomBytes(3 * MiB + 999, 33);
  const cut1 = 12345;
  const cut2 = cut1 + 2 * MiB + 7; // middle piece is foreign and > 1 MiB
  const block = core.alloc(data.length);
  block.set(data);
  for (const s of SUMS) {
    let running = core[s.name](block.subarray(0, cut1));
    running = core[s.name](data.subarray(cut1, cut2), running);
    running = core[s.name](block.subarray(cut2), running);
    assert.equal(running, s.ref(data), s.name);
  }
  core.free(block);
});

// ------------------------------------------------------------- combine

test('*Combine equals the checksum of the concatenation at random splits', () => {
  const r = prng(41);
  const data = randomBytes(6000, 42);
  for (const s of SUMS) {
    for (let trial = 0; trial < 150; trial++) {
      const a = r() % 3000;
      const b = a + (r() % 3000);
      const A = data.subarray(0, a);
      const B = data.subarray(a, b);
      const AB = data.subarray(0, b);
      const c1 = core[s.name](A);
      const c2 = core[s.name](B);
      const want = s.ref(AB);
      assert.equal(core[s.combine](c1, c2, B.length), want, `${s.combine} number ${a}/${b}`);
      assert.equal(core[s.combine](c1, c2, BigInt(B.length)), want, `${s.combine} bigint ${a}/${b}`);
    }
  }
});

test('*Combine with len2 = 0 (number and bigint) returns the first checksum', () => {
  const a = randomBytes(321, 43);
  const empty = new Uint8Array(0);
  for (const s of SUMS) {
    const c1 = core[s.name](a);
    const c2 = core[s.name](empty);
    assert.equal(c2, s.start);
    assert.equal(core[s.combine](c1, c2, 0), c1, `${s.combine}(c, empty, 0)`);
    assert.equal(core[s.combine](c1, c2, 0n), c1, `${s.combine}(c, empty, 0n)`);
    // combining an empty prefix
    assert.equal(core[s.combine](s.start, c1, a.length), c1, `${s.combine}(empty, c, len)`);
  }
});

test('*Combine of arbitrary values agrees with the algebraic references', () => {
  const r = prng(44);
  // valid Adler-32 values have both halves below 65521
  const adlerValue = () => (((r() % ADLER_BASE) << 16) | (r() % ADLER_BASE)) >>> 0;
  const lens = [1, 2, 3, 255, 65520, 65521, 65522, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 40 + 7, 2 ** 53 - 1];
  for (const s of SUMS) {
    for (let i = 0; i < 30; i++) {
      const c1 = s.name === 'adler32' ? adlerValue() : r();
      const c2 = s.name === 'adler32' ? adlerValue() : r();
      const L = lens[i % lens.length];
      assert.equal(core[s.combine](c1, c2, L), s.refCombine(c1, c2, L), `${s.combine} len ${L}`);
      assert.equal(core[s.combine](c1, c2, BigInt(L)), s.refCombine(c1, c2, L), `${s.combine} len ${L}n`);
    }
    for (const L of [2n ** 53n, 2n ** 63n + 5n, 2n ** 64n - 1n]) {
      const c1 = s.name === 'adler32' ? adlerValue() : r();
      const c2 = s.name === 'adler32' ? adlerValue() : r();
      assert.equal(core[s.combine](c1, c2, L), s.refCombine(c1, c2, L), `${s.combine} len ${L}`);
    }
  }
});

test('*Combine with len2 beyond 2^32 equals combining in pieces', () => {
  // combine(combine(x, y, L1), z, L2) == combine(x, combine(y, z, L2), L1 + L2)
  // holds for every checksum value: the left side never needs a length above
  // 2^32 when L1, L2 are below it.
  const r = prng(45);
  const adlerValue = () => (((r() % ADLER_BASE) << 16) | (r() % ADLER_BASE)) >>> 0;
  const splits = [
    [2 ** 32 - 5, 12345],
    [2 ** 31, 2 ** 31 + 1],
    [2 ** 32 - 1, 2 ** 32 - 1],
    [7, 2 ** 32 - 1],
  ];
  for (const s of SUMS) {
    const val = () => (s.name === 'adler32' ? adlerValue() : r());
    for (const [L1, L2] of splits) {
      const x = val();
      const y = val();
      const z = val();
      const left = core[s.combine](core[s.combine](x, y, L1), z, L2);
      const total = L1 + L2;
      assert.ok(total > 2 ** 32 - 1);
      assert.equal(core[s.combine](x, core[s.combine](y, z, L2), total), left, `${s.combine} ${L1}+${L2} number`);
      assert.equal(core[s.combine](x, core[s.combine](y, z, L2), BigInt(total)), left, `${s.combine} ${L1}+${L2} bigint`);
    }
  }
});

test('a real checksum continued over zeros: len2 > 2^32 with the checksum of 2^32+k zero bytes', () => {
  // crc(A ++ Z) where Z is 2^32 + 3 zero bytes, built from pieces that are
  // actually computed: crc of 2^20 zeros, doubled by combine 12 times.
  const zeros = new Uint8Array(MiB);
  for (const s of SUMS) {
    let z = core[s.name](zeros); // checksum of 2^20 zeros
    let len = MiB;
    while (len < 2 ** 32) {
      z = core[s.combine](z, z, len);
      len *= 2;
    }
    assert.equal(len, 2 ** 32);
    const z3 = core[s.name](new Uint8Array(3));
    const zAll = core[s.combine](z, z3, 3); // 2^32 + 3 zeros
    const A = randomBytes(100, 46);
    const cA = core[s.name](A);
    const got = core[s.combine](cA, zAll, 2 ** 32 + 3);
    // the same, feeding A's running value through the zero pieces step by step
    let step = cA;
    step = core[s.combine](step, z, 2 ** 32);
    step = core[s.combine](step, z3, 3);
    assert.equal(got, step, s.combine);
    assert.equal(got, s.refCombine(cA, zAll, 2n ** 32n + 3n), `${s.combine} vs reference`);
  }
});

// ---------------------------------------------------------- asciiUpper

test('asciiUpper: every byte value, in place in a foreign view, returns the count', () => {
  const all = new Uint8Array(256).map((_, i) => i);
  const want = refAsciiUpper(all);
  const v = Uint8Array.from(all);
  const n = core.asciiUpper(v);
  assert.equal(n, 26);
  assert.equal(n, want.n);
  assert.deepEqual(v, want.out);
  for (let i = 0; i < 256; i++) {
    if (i < 0x61 || i > 0x7a) assert.equal(v[i], i, `byte ${i} unchanged`);
  }
  // a second pass changes nothing
  assert.equal(core.asciiUpper(v), 0);
  assert.deepEqual(v, want.out);
});

test('asciiUpper: UTF-8 text keeps its multi-byte sequences', () => {
  const text = 'héllo wörld — ÿ straße ǅ z{`@[';
  const v = new TextEncoder().encode(text);
  const before = Uint8Array.from(v);
  const n = core.asciiUpper(v);
  const asciiLower = [...text].filter((c) => c >= 'a' && c <= 'z').length;
  assert.equal(n, asciiLower);
  assert.equal(new TextDecoder().decode(v), text.replace(/[a-z]/g, (c) => c.toUpperCase()));
  for (let i = 0; i < v.length; i++) if (before[i] >= 0x80) assert.equal(v[i], before[i]);
});

test('asciiUpper: random data of many lengths, foreign and alloc()ed, changes exactly the caller\'s bytes', () => {
  const r = prng(51);
  const src = randomBytes(70000, 52);
  // bias towards letters so that counts are large
  for (let i = 0; i < src.length; i += 2) src[i] = 0x5a + (src[i] % 40);
  for (let trial = 0; trial < 60; trial++) {
    const len = trial < 20 ? trial : r() % 65000;
    const off = r() % 64;
    const want = refAsciiUpper(src.subarray(off, off + len));
    // foreign: a window into a larger array whose neighbours must not change
    const parent = Uint8Array.from(src);
    const view = parent.subarray(off, off + len);
    assert.equal(core.asciiUpper(view), want.n, `foreign count len ${len}`);
    assert.deepEqual(view, want.out, `foreign bytes len ${len}`);
    assert.deepEqual(parent.subarray(0, off), src.subarray(0, off), 'bytes before untouched');
    assert.deepEqual(parent.subarray(off + len), src.subarray(off + len), 'bytes after untouched');
    // alloc()ed view, in place
    const block = core.alloc(len + 64);
    block.set(src.subarray(0, len + 64));
    const hv = block.subarray(off, off + len);
    assert.equal(core.asciiUpper(hv), want.n, `heap count len ${len}`);
    assert.deepEqual(hv, want.out, `heap bytes len ${len}`);
    assert.deepEqual(block.subarray(0, off), src.subarray(0, off), 'heap bytes before untouched');
    assert.deepEqual(block.subarray(off + len), src.subarray(off + len, len + 64), 'heap bytes after untouched');
    core.free(block);
  }
});

test('asciiUpper: DataView, Int16Array, Buffer and a large (> 1 MiB) view are changed in place', () => {
  const src = new TextEncoder().encode('abcdefghijklmnopqrstuvwxyz0123456789ABCDEF~!'.repeat(100));
  const want = refAsciiUpper(src);
  const ab = src.slice().buffer;
  const dv = new DataView(ab, 4, src.length - 8);
  const wantDv = refAsciiUpper(src.subarray(4, src.length - 4));
  assert.equal(core.asciiUpper(dv), wantDv.n);
  assert.deepEqual(new Uint8Array(ab, 4, src.length - 8), wantDv.out);
  assert.deepEqual(new Uint8Array(ab, 0, 4), src.subarray(0, 4));

  const i16 = new Int16Array(src.slice().buffer);
  assert.equal(core.asciiUpper(i16), want.n);
  assert.deepEqual(bytesOf(i16), want.out);

  const buf = Buffer.from(src);
  assert.equal(core.asciiUpper(buf), want.n);
  assert.deepEqual(new Uint8Array(buf), want.out);

  const big = randomBytes(2 * MiB + 1, 53);
  const wantBig = refAsciiUpper(big);
  assert.ok(wantBig.n > 1000);
  assert.equal(core.asciiUpper(big), wantBig.n);
  assert.deepEqual(big, wantBig.out);

  const allocDv = core.alloc(src.length, DataView);
  bytesOf(allocDv).set(src);
  assert.equal(core.asciiUpper(allocDv), want.n);
  assert.deepEqual(bytesOf(allocDv), want.out);
  core.free(allocDv);

  assert.equal(core.asciiUpper(new Uint8Array(0)), 0);
});
