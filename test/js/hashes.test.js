// The hash kernels (xxh32, xxh64, xxh3, xxh128, md5, sha1, sha224, sha256,
// blake3 with its keyed, derive-key and extendable-output modes), one-shot
// on the core and the pool, streaming (createHash) and batched (hashMany),
// checked against independent implementations: Node's crypto (md5, sha1,
// sha224, sha256), hash-wasm (xxHash, blake3 plain and keyed), xxhash-wasm
// (xxh32, xxh64) and blake3-wasm (derive-key), and published test vectors.
//
//   node --test test/js/hashes.test.js
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import zlib from 'node:zlib';
import * as hw from 'hash-wasm';
import xxhashWasm from 'xxhash-wasm';
import { HASH_ALGORITHMS, ParawasmError, createPool, hex, loadCore } from '../../pkg/index.js';
import { prng, refAdler32, refCrc32c } from '../lib/ref.js';

const require = createRequire(import.meta.url);
const blake3wasm = require('blake3-wasm');

let core;
let pool;
let xw; // xxhash-wasm
const hasher = {}; // hash-wasm streaming hashers, reused (synchronous)

before(async () => {
  core = await loadCore();
  pool = await createPool({ threads: 2 });
  xw = await xxhashWasm();
  hasher.xxh32 = await hw.createXXHash32();
  hasher.xxh64 = await hw.createXXHash64();
  hasher.xxh3 = await hw.createXXHash3();
  hasher.xxh128 = await hw.createXXHash128();
  hasher.blake3 = await hw.createBLAKE3();
});
after(() => pool.destroy());

function randomBytes(n, seed) {
  const r = prng(seed);
  const words = new Uint32Array(Math.ceil(n / 4));
  for (let i = 0; i < words.length; i++) words[i] = r();
  return new Uint8Array(words.buffer, 0, n);
}

const toHex = (u8) => Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength).toString('hex');
const be32 = (n) => n.toString(16).padStart(8, '0');

// hash-wasm's seeded hashers take the seed as two 32-bit halves.
function hwHex(name, data, seed = 0n) {
  const lo = Number(seed & 0xffffffffn);
  const hi = Number(seed >> 32n);
  let h;
  return (async () => {
    if (name === 'xxh32') h = await hw.createXXHash32(lo);
    if (name === 'xxh64') h = await hw.createXXHash64(lo, hi);
    if (name === 'xxh3') h = await hw.createXXHash3(lo, hi);
    if (name === 'xxh128') h = await hw.createXXHash128(lo, hi);
    h.init();
    h.update(data);
    return h.digest('hex');
  })();
}

/** The reference hex digest of data, with no options. */
function refHex(name, data) {
  switch (name) {
    case 'crc32': return be32(zlib.crc32(data));
    case 'crc32c': return be32(refCrc32c(data));
    case 'adler32': return be32(refAdler32(data));
    case 'md5': case 'sha1': case 'sha224': case 'sha256':
      return crypto.createHash(name).update(data).digest('hex');
    default: {
      const h = hasher[name];
      h.init();
      h.update(data);
      return h.digest('hex');
    }
  }
}

const ONE_SHOT = {
  xxh32: (k, d) => k.xxh32(d), xxh64: (k, d) => k.xxh64(d), xxh3: (k, d) => k.xxh3(d), xxh128: (k, d) => k.xxh128(d),
  md5: (k, d) => k.md5(d), sha1: (k, d) => k.sha1(d), sha224: (k, d) => k.sha224(d), sha256: (k, d) => k.sha256(d),
  blake3: (k, d) => k.blake3(d),
  crc32: (k, d) => k.crc32(d), crc32c: (k, d) => k.crc32c(d), adler32: (k, d) => k.adler32(d),
};
const HASHES = ['xxh32', 'xxh64', 'xxh3', 'xxh128', 'md5', 'sha1', 'sha224', 'sha256', 'blake3'];

/** A one-shot result as hex: bytes in order, numbers and bigints big-endian (xxh128: 32 digits). */
function hexOf(name, v) {
  if (v instanceof Uint8Array) return toHex(v);
  if (typeof v === 'number') return be32(v);
  return v.toString(16).padStart(name === 'xxh128' ? 32 : 16, '0');
}

test('the algorithm list is exported, and every one-shot kernel exists', () => {
  assert.deepEqual([...HASH_ALGORITHMS].sort(), [...HASHES, 'crc32', 'crc32c', 'adler32'].sort());
  for (const name of HASHES) assert.equal(typeof core[name], 'function', name);
});

test('published vectors', () => {
  const abc = new TextEncoder().encode('abc');
  const abq = new TextEncoder().encode('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq');
  const vectors = [
    // FIPS 180-4 examples (NIST CSRC "Examples with intermediate values")
    ['sha256', abc, 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    ['sha256', abq, '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1'],
    ['sha224', abc, '23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7'],
    ['sha224', abq, '75388b16512776cc5dba5da1fd890150b0c6455cb4f58b1952522525'],
    ['sha1', abc, 'a9993e364706816aba3e25717850c26c9cd0d89d'],
    ['sha1', abq, '84983e441c3bd26ebaae4aa1f95129e5e54670f1'],
    // RFC 1321 appendix A.5
    ['md5', new Uint8Array(0), 'd41d8cd98f00b204e9800998ecf8427e'],
    ['md5', abc, '900150983cd24fb0d6963f7d28e17f72'],
    ['md5', new TextEncoder().encode('message digest'), 'f96b697d7cb7938d525a2f31aaf161d0'],
    // BLAKE3 of the empty input (the specification's test vectors, length 0)
    ['blake3', new Uint8Array(0), 'af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262'],
  ];
  for (const [name, data, want] of vectors) {
    assert.equal(toHex(core[name](data)), want, `core ${name}`);
    assert.equal(core.createHash(name).update(data).digest('hex'), want, `createHash ${name}`);
  }
  // xxHash of the empty input
  assert.equal(core.xxh32(new Uint8Array(0)), 0x02cc5d05);
  assert.equal(core.xxh64(new Uint8Array(0)), 0xef46db3751d8e999n);
  assert.equal(core.xxh3(new Uint8Array(0)), 0x2d06800538d394c2n);
  // one million 'a' (FIPS 180-4 / RFC 3174)
  const million = new Uint8Array(1e6).fill(0x61);
  assert.equal(toHex(core.sha256(million)), 'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0');
  assert.equal(toHex(core.sha1(million)), '34aa973cd4c4daa4f61eeb2bdbad27316534016f');
});

test('every length from 0 to 2048: one-shot kernels equal the references', () => {
  const data = randomBytes(2048 + 64, 0x1234);
  for (let n = 0; n <= 2048; n++) {
    const v = data.subarray(n % 61, n % 61 + n); // varying alignment
    for (const name of HASHES) {
      const got = hexOf(name, ONE_SHOT[name](core, v));
      const want = refHex(name, v);
      if (got !== want) assert.fail(`${name} of ${n} bytes at offset ${n % 61}: ${got}, want ${want}`);
    }
  }
});

test('xxh32 and xxh64 equal xxhash-wasm, with seeds', () => {
  const data = randomBytes(5000, 99);
  const r = prng(7);
  for (let i = 0; i < 300; i++) {
    const n = r() % 5000;
    const v = data.subarray(0, n);
    const seed32 = r() >>> 0;
    const seed64 = (BigInt(r() >>> 0) << 32n) | BigInt(r() >>> 0);
    assert.equal(core.xxh32(v, seed32), xw.h32Raw(v, seed32), `xxh32 n=${n} seed=${seed32}`);
    assert.equal(core.xxh64(v, seed64), xw.h64Raw(v, seed64), `xxh64 n=${n} seed=${seed64}`);
  }
});

test('seeded xxHash equals hash-wasm for every input-length path', async () => {
  const data = randomBytes(4096, 5);
  const lengths = [0, 1, 3, 4, 8, 9, 16, 17, 64, 128, 129, 200, 240, 241, 255, 256, 1023, 1024, 1025, 4096];
  for (const seed of [1n, 0x9e3779b1n, 0xfedcba9876543210n]) {
    for (const n of lengths) {
      const v = data.subarray(0, n);
      const s32 = Number(seed & 0xffffffffn);
      assert.equal(be32(core.xxh32(v, s32)), await hwHex('xxh32', v, seed & 0xffffffffn), `xxh32 ${n} ${seed}`);
      assert.equal(hex(core.xxh64(v, seed)), await hwHex('xxh64', v, seed), `xxh64 ${n} ${seed}`);
      assert.equal(hex(core.xxh3(v, seed)), await hwHex('xxh3', v, seed), `xxh3 ${n} ${seed}`);
      assert.equal(core.xxh128(v, seed).toString(16).padStart(32, '0'), await hwHex('xxh128', v, seed), `xxh128 ${n} ${seed}`);
      const streamed = core.createHash('xxh3', { seed }).update(v.subarray(0, n >> 1)).update(v.subarray(n >> 1)).digest('hex');
      assert.equal(streamed, await hwHex('xxh3', v, seed), `streamed xxh3 ${n} ${seed}`);
    }
  }
});

test('blake3: keyed hash and long outputs equal hash-wasm; derive-key equals blake3-wasm', async () => {
  const key = randomBytes(32, 3);
  const data = randomBytes(300_000, 4);
  for (const n of [0, 1, 64, 1023, 1024, 1025, 2048, 3073, 65536, 300_000]) {
    const v = data.subarray(0, n);
    const keyed = await hw.createBLAKE3(256, key);
    keyed.init();
    keyed.update(v);
    assert.equal(toHex(core.blake3Keyed(v, key)), keyed.digest('hex'), `keyed ${n}`);
    assert.equal(core.blake3(v, 0).length, 0);
    for (const out of [1, 31, 33, 64, 200, 1000]) {
      const h = await hw.createBLAKE3(out * 8);
      h.init();
      h.update(v);
      assert.equal(toHex(core.blake3(v, out)), h.digest('hex'), `blake3 ${n} bytes, ${out} out`);
    }
    const ctx = 'parawasm 2026-11-27 test context';
    const want = blake3wasm.deriveKey(ctx, Buffer.from(v), { length: 48 }).toString('hex');
    assert.equal(toHex(core.blake3DeriveKey(ctx, v, 48)), want, `derive-key ${n}`);
    assert.equal(core.createHash('blake3', { context: ctx, outputLength: 48 }).update(v).digest('hex'), want);
    assert.equal(core.createHash('blake3', { key }).update(v).digest('hex'), toHex(core.blake3Keyed(v, key)));
  }
});

test('large inputs (odd lengths, several MiB) equal the references, core and pool', async () => {
  const data = randomBytes(9_437_185, 11); // 9 MiB + 1
  for (const name of HASHES) {
    const want = refHex(name, data);
    assert.equal(hexOf(name, ONE_SHOT[name](core, data)), want, `core ${name}`);
    assert.equal(hexOf(name, await ONE_SHOT[name](pool, data)), want, `pool ${name} (copied in)`);
    const shared = pool.alloc(data.length);
    shared.set(data);
    assert.equal(hexOf(name, await ONE_SHOT[name](pool, shared)), want, `pool ${name} (in place)`);
    pool.free(shared);
  }
});

test('sequential hashes of inputs over one piece report progress to onProgress (core and pool)', async () => {
  const data = randomBytes(9_437_185, 12); // 9 MiB + 1: ten pieces of 1 MiB
  const shared = pool.alloc(data.length);
  shared.set(data);
  try {
    for (const name of ['sha256', 'sha224', 'sha1', 'md5', 'xxh32', 'xxh64', 'xxh3', 'xxh128']) {
      for (const [where, run] of [['core', (o) => core[name](data, o)], ['pool', (o) => pool[name](shared, o)]]) {
        const seen = [];
        const v = await run({ onProgress: (done, total) => seen.push([done, total]) });
        assert.equal(hexOf(name, v), refHex(name, data), `${where} ${name} with onProgress`);
        assert.ok(seen.length >= 1, `${where} ${name}: onProgress called`);
        assert.deepEqual(seen.at(-1), [data.length, data.length], `${where} ${name}: the last report is the whole input`);
        for (let i = 1; i < seen.length; i++) {
          assert.ok(seen[i][0] >= seen[i - 1][0] && seen[i][1] === data.length, `${where} ${name}: reports in order (${seen})`);
        }
      }
    }
  } finally {
    pool.free(shared);
  }
});

test('checksums split across the pool threads, and streamed through the core, report the whole input to onProgress', async () => {
  // 64 MiB + 3: on a pool of 2 the input is cut in 8 chunks, each fed in
  // pieces; on the core a foreign input goes through the scratch block in
  // pieces; either way a report is of the call's input, not a chunk's
  const data = randomBytes(67_108_867, 13);
  const shared = pool.alloc(data.length);
  shared.set(data);
  const inCore = core.alloc(data.length);
  inCore.set(data);
  try {
    for (const name of ['crc32', 'crc32c', 'adler32']) {
      for (const [where, run] of [['pool, in place', (o) => pool[name](shared, o)], ['pool, copied in', (o) => pool[name](data, o)],
        ['core, streamed', (o) => core[name](data, o)], ['core, in place', (o) => core[name](inCore, o)]]) {
        const seen = [];
        const v = await run({ onProgress: (done, total) => seen.push([done, total]) });
        assert.equal(hexOf(name, v), refHex(name, data), `${where} ${name} with onProgress`);
        assert.ok(seen.length >= 1, `${where} ${name}: onProgress called`);
        assert.deepEqual(seen.at(-1), [data.length, data.length], `${where} ${name}: the last report is the whole input (${seen.slice(-3)})`);
        for (let i = 1; i < seen.length; i++) {
          assert.ok(seen[i][0] >= seen[i - 1][0] && seen[i][1] === data.length, `${where} ${name}: reports in order (${seen})`);
        }
      }
    }
  } finally {
    pool.free(shared);
    core.free(inCore);
  }
});

test('the core\'s streamed checksum calls onProgress as a running kernel would: a kernel call in it is refused, a free() in it takes effect after it', () => {
  const data = randomBytes(3 << 20, 14); // foreign, 3 MiB: streamed through the scratch block
  const inner = [];
  let freed = 0;
  const v = core.crc32(data, {
    onProgress: () => {
      try {
        core.sha256(new Uint8Array(8));
        inner.push('ran');
      } catch (e) {
        inner.push(e.code);
      }
      core.free(core.alloc(1 << 16));
      freed++;
    },
  });
  assert.equal(v, zlib.crc32(data), 'the streamed CRC');
  assert.ok(inner.length >= 1 && inner.every((x) => x === 'ERR_PW_REENTRANT'), `every inner call refused (${inner})`);
  assert.equal(freed, inner.length);
  assert.equal(hexOf('sha256', core.sha256(data)), refHex('sha256', data), 'the core works on after it');
});

test('blake3 split across the pool threads equals the single-thread digest', async () => {
  for (const n of [1 << 20, (1 << 20) + 1, 33_554_431, 40_000_000]) {
    const data = randomBytes(n, n);
    const shared = pool.alloc(n);
    shared.set(data);
    const one = toHex(core.blake3(data));
    assert.equal(toHex(await pool.blake3(shared)), one, `n=${n}`);
    assert.equal(toHex(await pool.blake3(shared, 100)), toHex(core.blake3(data, 100)), `n=${n}, 100 bytes out`);
    assert.equal(await pool.createHash('blake3').update(shared).digest('hex'), one, `streamed n=${n}`);
    pool.free(shared);
  }
});

test('streaming in random pieces equals one-shot (core and pool)', async () => {
  const data = randomBytes(3_000_000, 21);
  const r = prng(22);
  for (const name of [...HASHES, 'crc32', 'crc32c', 'adler32']) {
    const n = 1 + (r() % data.length);
    const v = data.subarray(0, n);
    const want = refHex(name, v);
    const ch = core.createHash(name);
    const ph = pool.createHash(name);
    for (let off = 0; off < n;) {
      const k = Math.min(n - off, r() % 3 ? r() % 200 : r() % 400_000);
      ch.update(v.subarray(off, off + k));
      ph.update(v.subarray(off, off + k));
      off += k;
    }
    assert.equal(ch.digest('hex'), want, `core ${name} n=${n}`);
    assert.equal(await ph.digest('hex'), want, `pool ${name} n=${n}`);
  }
});

test('a pool hash copies foreign views at once: the caller may reuse its buffer', async () => {
  const data = randomBytes(200_000, 31);
  const buf = new Uint8Array(1000);
  const h = pool.createHash('sha256');
  for (let off = 0; off < data.length; off += 1000) {
    buf.set(data.subarray(off, off + 1000));
    h.update(buf);
  }
  buf.fill(0);
  assert.equal(await h.digest('hex'), refHex('sha256', data));
});

test('a pool hash stages small foreign inputs in a block as large as they need (it grows to 64 KiB): live hashes of a few bytes hold little memory', async () => {
  // pieces that fill, overflow and grow the staging block at every size
  const data = randomBytes(300_000, 33);
  const r = prng(34);
  for (const name of ['sha256', 'xxh3', 'crc32']) {
    const h = pool.createHash(name);
    let off = 0;
    for (const k of [1, 255, 1, 256, 300, 1000, 5000, 30000, 65536, 1, 65535, 2]) {
      h.update(data.subarray(off, off + k));
      off += k;
    }
    while (off < data.length) {
      const k = Math.min(data.length - off, r() % 3 ? r() % 700 : r() % 70_000);
      h.update(data.subarray(off, off + k));
      off += k;
    }
    assert.equal(await h.digest('hex'), refHex(name, data), name);
  }
  const live = pool.$heap.liveBytes;
  const hashes = [];
  for (let i = 0; i < 2000; i++) hashes.push(pool.createHash('sha256').update('abc'));
  const perHash = (pool.$heap.liveBytes - live) / hashes.length;
  // (the state, of the largest algorithm's size, and the smallest staging block)
  assert.ok(perHash <= 4096, `${perHash} bytes of alloc() blocks a hash holding 3 bytes (66 KiB each before)`);
  const want = refHex('sha256', new TextEncoder().encode('abc'));
  for (const h of hashes.slice(0, 20)) assert.equal(await h.digest('hex'), want);
  for (const h of hashes.slice(20)) h.dispose();
});

test('pool hash: in-place views, flush(), double buffering as a file reader does', async () => {
  const data = randomBytes(8 << 20, 41);
  const a = pool.alloc(1 << 20);
  const b = pool.alloc(1 << 20);
  const h = pool.createHash('blake3');
  let cur = a;
  for (let off = 0; off < data.length; off += 1 << 20) {
    cur.set(data.subarray(off, off + (1 << 20)));
    h.update(cur);
    cur = cur === a ? b : a;
    await h.flush(); // the other buffer is free again
  }
  assert.equal(await h.digest('hex'), refHex('blake3', data));
  pool.free(a);
  pool.free(b);
});

test('digest encodings', async () => {
  const data = randomBytes(1000, 51);
  for (const name of [...HASHES, 'crc32']) {
    const bytes = core.createHash(name).update(data).digest();
    assert.ok(bytes instanceof Uint8Array);
    assert.equal(toHex(bytes), refHex(name, data));
    assert.equal(core.createHash(name).update(data).digest('base64'), Buffer.from(bytes).toString('base64'));
    assert.deepEqual(core.createHash(name).update(data).digest('bytes'), bytes);
    assert.equal(await pool.createHash(name).update(data).digest('base64'), Buffer.from(bytes).toString('base64'));
  }
  // base64 of every length of padding
  for (const n of [0, 1, 2, 3, 4, 5, 33]) {
    const d = core.createHash('blake3', { outputLength: n }).update(data).digest();
    assert.equal(core.createHash('blake3', { outputLength: n }).update(data).digest('base64'), Buffer.from(d).toString('base64'));
  }
  // strings are hashed as UTF-8
  assert.equal(core.createHash('sha256').update('héllo ✓').digest('hex'), crypto.createHash('sha256').update('héllo ✓').digest('hex'));
});

test('hashMany of large inputs from outside the memory: copied in runs of at most 256 MiB, one after the other, so the heap holds the largest run; more than 4 GiB of inputs in all', async () => {
  // 3 x 200 MiB from outside, an alloc() view and small ones between them:
  // runs of 200, 200 and 200 MiB (+ the small ones), never 600 MiB at once
  const big = [0, 1, 2].map((k) => randomBytes(200 << 20, 70 + k));
  const fresh = await createPool({ threads: 2 });
  const fcore = await loadCore();
  try {
    const mine = fresh.alloc(1000);
    mine.set(randomBytes(1000, 73));
    const views = [big[0], 'abc', mine, big[1], new Uint8Array(0), Buffer.from('xyz'), big[2], mine.subarray(10, 20)];
    const want = views.map((v) => zlib.crc32(typeof v === 'string' ? Buffer.from(v) : v) >>> 0);
    const md5 = views.map((v) => crypto.createHash('md5').update(v).digest('hex'));
    assert.deepEqual(await fresh.hashMany('crc32', views), want, 'pool crc32');
    assert.deepEqual(await fresh.hashMany('md5', views, { encoding: 'hex' }), md5, 'pool md5');
    assert.ok(fresh.stats().heapSize < 400 * 2 ** 20, `the pool's heap holds one run, not all 600 MiB: ${fresh.stats().heapSize} bytes`);
    const fviews = views.map((v) => (v === mine ? mine.slice() : v === views[7] ? views[7].slice() : v));
    assert.deepEqual(fcore.hashMany('crc32', fviews), want, 'core crc32');
    assert.deepEqual(fcore.hashMany('blake3', fviews, { outputLength: 0 }), fviews.map(() => new Uint8Array(0)), 'core, 0-byte digests');
    assert.ok(fcore.heapSize < 400 * 2 ** 20, `the core's heap holds one run: ${fcore.heapSize} bytes`);
    // free() of an alloc() view a later run reads, while the first runs:
    // it waits for the call, as within one run
    const later = fresh.alloc(5000);
    later.set(randomBytes(5000, 74));
    const laterCrc = zlib.crc32(later) >>> 0;
    const pending = fresh.hashMany('crc32', [big[0], big[1], later]);
    fresh.free(later);
    assert.deepEqual(await pending, [want[0], want[3], laterCrc], 'a later run\'s view freed meanwhile');
    await assert.rejects(fresh.crc32(later), /freed/, 'freed once the call ended');
    // the first run is copied by the call, as a single run is: changing an
    // input of it at once does not change its result; a later run's input
    // detached before its run is a TypeError naming it
    const first = Buffer.from(big[0]);
    const changed = fresh.hashMany('crc32', [first, big[1]]);
    first.fill(0);
    assert.deepEqual(await changed, [want[0], want[3]], 'the first run copied by the call');
    const gone = big[1].slice();
    const detached = fresh.hashMany('crc32', [big[0], gone]);
    structuredClone(gone.buffer, { transfer: [gone.buffer] });
    await assert.rejects(detached, (e) => e instanceof TypeError && e.code === 'ERR_INVALID_ARG_TYPE' && /^hashMany: views\[1\] is detached/.test(e.message));
    // an abort stops the runs: the call rejects, the pool goes on
    const ac = new AbortController();
    const p = fresh.hashMany('sha256', views, { signal: ac.signal });
    setImmediate(() => ac.abort('stop'));
    await assert.rejects(p, (e) => e.name === 'AbortError' && e.cause === 'stop');
    assert.equal(await fresh.crc32(Buffer.from('abc')), zlib.crc32('abc') >>> 0);
    // two inputs of 2.2 GiB: 4.4 GiB in all, more than the 4 GiB heap
    const huge = [0, 1].map((k) => Buffer.alloc(2.2 * 2 ** 30, k ? 'pattern two ' : 'the first one '));
    assert.deepEqual(await fresh.hashMany('crc32', huge), huge.map((v) => zlib.crc32(v) >>> 0), 'two 2.2 GiB inputs');
  } finally {
    await fresh.destroy();
  }
});

test('hashMany equals one-shot for every algorithm, in place and copied, with encodings', async () => {
  const r = prng(61);
  const lens = Array.from({ length: 300 }, (_, i) => (i < 50 ? i : r() % (i < 290 ? 5000 : 2_000_000)));
  const total = lens.reduce((a, b) => a + b, 0);
  const block = pool.alloc(total);
  block.set(randomBytes(total, 62));
  const views = [];
  let off = 0;
  for (const n of lens) {
    views.push(block.subarray(off, off + n));
    off += n;
  }
  const copies = views.map((v, i) => (i % 3 === 0 ? v.slice() : v)); // some from outside
  for (const name of [...HASHES, 'crc32', 'crc32c', 'adler32']) {
    const want = views.map((v) => refHex(name, v));
    const got = await pool.hashMany(name, copies, { encoding: 'hex' });
    assert.deepEqual(got, want, `pool ${name}`);
    const natural = core.hashMany(name, copies);
    assert.deepEqual(natural.map((v) => hexOf(name, v)), want, `core ${name}`);
    if (name !== 'blake3') assert.deepEqual(natural, views.map((v) => ONE_SHOT[name](core, v)), `core ${name}, as one-shot`);
  }
  const seeded = await pool.hashMany('xxh64', views.slice(0, 20), { seed: 77n });
  assert.deepEqual(seeded, views.slice(0, 20).map((v) => core.xxh64(v, 77n)));
  const long = await pool.hashMany('blake3', views.slice(0, 20), { outputLength: 100, encoding: 'bytes' });
  assert.deepEqual(long, views.slice(0, 20).map((v) => core.blake3(v, 100)));
  assert.deepEqual(await pool.hashMany('sha256', []), []);
  // bytesCopied counts the caller's views copied in, not the table of inputs
  // hashMany makes (16 bytes an input, which it had counted)
  const copied = async (vs) => {
    const before = pool.stats().bytesCopied;
    await pool.hashMany('sha256', vs);
    return pool.stats().bytesCopied - before;
  };
  assert.equal(await copied(views.slice(0, 40)), 0, 'alloc() views: nothing copied');
  const outside = copies.slice(0, 40).filter((v, i) => i % 3 === 0);
  assert.equal(await copied(copies.slice(0, 40)), outside.reduce((a, v) => a + v.byteLength, 0), 'the outside views\' bytes');
  assert.deepEqual(core.hashMany('md5', new Set(['abc'])), [crypto.createHash('md5').update('abc').digest()].map((b) => new Uint8Array(b)));
  // and a pool hash's updates copy a view from outside (staged, or one copy
  // when large; not counted before), an alloc() view not at all
  const b0 = pool.stats().bytesCopied;
  const h = pool.createHash('sha256').update(Buffer.alloc(1 << 20, 1)).update(Buffer.alloc(100, 2)).update(views[0]);
  assert.equal(pool.stats().bytesCopied - b0, (1 << 20) + 100);
  assert.equal(await h.digest('hex'),
    crypto.createHash('sha256').update(Buffer.alloc(1 << 20, 1)).update(Buffer.alloc(100, 2)).update(views[0]).digest('hex'));
  pool.free(block);
});

test('bad arguments are typed errors that name the constraint', async () => {
  const d = new Uint8Array(4);
  const err = (fn, E, re) => assert.throws(fn, (e) => e instanceof E && re.test(e.message), String(re));
  err(() => core.createHash('sha3'), TypeError, /unknown algorithm "sha3"/);
  err(() => core.createHash(5), TypeError, /algorithm must be a string/);
  err(() => core.createHash('sha256', { seed: 1 }), TypeError, /option "seed" does not apply to sha256/);
  err(() => core.createHash('xxh32', { seed: 2 ** 32 }), RangeError, /seed must be from 0 to 4294967295/);
  err(() => core.createHash('xxh64', { seed: -1 }), RangeError, /seed/);
  err(() => core.createHash('xxh64', { seed: '1' }), TypeError, /seed must be a number or a bigint/);
  err(() => core.createHash('blake3', { key: new Uint8Array(31) }), RangeError, /key must be 32 bytes/);
  err(() => core.createHash('blake3', { key: new Uint8Array(32), context: 'x' }), TypeError, /exclude each other/);
  err(() => core.createHash('blake3', { outputLength: -1 }), RangeError, /outputLength/);
  err(() => core.createHash('blake3', { outputLength: 1.5 }), RangeError, /outputLength/);
  err(() => core.createHash('blake3', []), TypeError, /options must be an object/);
  err(() => core.blake3Keyed(d, new Uint8Array(16)), RangeError, /key must be 32 bytes long/);
  err(() => core.sha256(42), TypeError, /sha256: data must be/);
  const h = core.createHash('md5');
  err(() => h.update(42), TypeError, /data must be/);
  err(() => h.digest('latin1'), TypeError, /encoding must be one of 'hex', 'base64', 'bytes'/);
  h.digest();
  assert.throws(() => h.digest(), (e) => e instanceof ParawasmError && e.code === 'ERR_PW_HASH_FINALIZED');
  assert.throws(() => h.update(d), (e) => e.code === 'ERR_PW_HASH_FINALIZED');
  h.dispose(); // harmless after digest
  err(() => core.hashMany('sha256', d), TypeError, /views must be an array/);
  err(() => core.hashMany('sha256', [d, 5]), TypeError, /views\[1\] must be/);
  await assert.rejects(pool.hashMany('nope', [d]), TypeError);
  await assert.rejects(pool.hashMany('sha256', [d], { signal: 5 }), TypeError);
  await assert.rejects(pool.hashMany('sha256', [d], { encoding: 'utf8' }), TypeError);
  const ph = pool.createHash('sha1');
  await ph.digest();
  await assert.rejects(ph.digest(), (e) => e.code === 'ERR_PW_HASH_FINALIZED');
  assert.throws(() => ph.update(d), (e) => e.code === 'ERR_PW_HASH_FINALIZED');
  // the pool still works, and no heap was lost to the failed calls
  assert.equal(toHex(await pool.sha1(d)), refHex('sha1', d));
});

test('a pool hash holds its in-place views until their updates have run (a free() meanwhile waits); an aborted hashMany rejects', async () => {
  const a = pool.alloc(10).fill(7);
  const v = pool.alloc(100);
  for (let i = 0; i < v.length; i++) v[i] = i * 3;
  const want = crypto.createHash('sha256').update(Buffer.from(a)).update(Buffer.from(v)).digest('hex');
  const h = pool.createHash('sha256').update(a).update(v);
  pool.free(v); // freed before their turn: the blocks stay until the updates have read them
  pool.free(a);
  assert.throws(() => pool.free(v), TypeError, 'a second free() is still refused');
  assert.equal(await h.digest('hex'), want, 'the whole digest');
  assert.throws(() => pool.createHash('sha256').update(v), RangeError, 'a freed view is refused by a later update()');
  const b = pool.alloc(100);
  pool.free(b); // not held by any hash: freed at once
  assert.throws(() => pool.createHash('sha256').update(b), /freed/);
  const ac = new AbortController();
  ac.abort(new Error('stop'));
  await assert.rejects(pool.hashMany('sha256', [new Uint8Array(10)], { signal: ac.signal }), { name: 'AbortError' });
});

test('detached views (a TypedArray, a DataView) anywhere a hash reads bytes: a TypeError naming them, rejected on a pool', async () => {
  const detached = (make) => {
    const b = new ArrayBuffer(32);
    const v = make(b);
    structuredClone(b, { transfer: [b] });
    return v;
  };
  const views = () => [detached((b) => new Uint8Array(b)), detached((b) => new DataView(b)), detached((b) => Buffer.from(b))];
  const isDetachedError = (what) => (e) => e instanceof TypeError && e.code === 'ERR_INVALID_ARG_TYPE' &&
    e.message.includes(what) && e.message.includes('is detached');
  for (const v of views()) {
    // one-shot, streaming, many, keys: the core throws, the pool rejects (never throws, never hashes nothing)
    assert.throws(() => core.crc32(v), isDetachedError('crc32: data'));
    assert.throws(() => core.createHash('sha256').update(v), isDetachedError('sha256.update: data'));
    assert.throws(() => core.hashMany('xxh64', [new Uint8Array(3), v]), isDetachedError('hashMany: views[1]'));
    assert.throws(() => core.createHash('blake3', { key: v }), isDetachedError('options.key'));
    assert.throws(() => core.blake3Keyed(new Uint8Array(1), v), (e) => e instanceof TypeError && e.code === 'ERR_INVALID_ARG_TYPE');
    let p;
    assert.doesNotThrow(() => { p = pool.crc32(v); });
    await assert.rejects(p, isDetachedError('crc32: data'));
    const h = pool.createHash('sha256');
    assert.throws(() => h.update(v), isDetachedError('sha256.update: data'));
    assert.equal(await h.digest('hex'), crypto.createHash('sha256').digest('hex'), 'the hash goes on without it');
    await assert.rejects(pool.hashMany('sha256', [v]), isDetachedError('hashMany: views[0]'));
    await assert.rejects(async () => pool.hashMany('blake3', [new Uint8Array(2)], { context: v }), isDetachedError('options.context'));
  }
});

test('disposed hashes give their state back', async () => {
  const before = core.heapSize;
  // 20,000 leaked states would be 40 MB: the heap would grow
  for (let i = 0; i < 20000; i++) core.createHash('blake3').update(new Uint8Array(100)).dispose();
  assert.equal(core.heapSize, before);
  for (let i = 0; i < 200; i++) pool.createHash('sha256').update(new Uint8Array(100)).dispose();
  await pool.sha256(new Uint8Array(1)); // after the queued disposals
  const s = pool.stats();
  assert.equal(s.state, 'ready');
});

test('update(string, inputEncoding) reads the string as Node does (hex, base64, base64url, latin1, ascii, utf16le, utf8), on the core and the pool', async () => {
  const strings = ['', 'abc', 'héllo wörld ✓ \u{1F600}', '\u00ff\u0100\u7fff\uffff', 'x'.repeat(1000)];
  const encodings = ['utf8', 'UTF-8', 'hex', 'base64', 'base64url', 'latin1', 'binary', 'ascii', 'utf16le', 'ucs2', 'UCS-2', 'utf-16le'];
  let checked = 0;
  for (const str of strings) {
    for (const enc of encodings) {
      const bytes = Buffer.from(str, enc.toLowerCase());
      // the text each encoding reads: hex and base64 of the bytes, the string itself otherwise
      const text = enc === 'hex' ? bytes.toString('hex') : enc.startsWith('base64') ? bytes.toString(enc) : str;
      const want = crypto.createHash('sha256').update(Buffer.from(text, enc.toLowerCase())).digest('hex');
      assert.equal(core.createHash('sha256').update(text, enc).digest('hex'), want, `core ${enc} ${JSON.stringify(text).slice(0, 20)}`);
      assert.equal(await pool.createHash('sha256').update(text, enc).digest('hex'), want, `pool ${enc}`);
      checked++;
    }
  }
  // base64 with padding, white space and the other alphabet, as Node reads it
  for (const text of ['aGVsbG8=', 'aGVs bG8=\n', '-_-_', '+/+/', 'YQ', 'YQ==']) {
    const want = crypto.createHash('md5').update(text, 'base64').digest('hex');
    assert.equal(core.createHash('md5').update(text, 'base64').digest('hex'), want, text);
  }
  // a view's encoding is ignored, as Node's
  assert.equal(core.createHash('md5').update(new Uint8Array([1, 2]), 'hex').digest('hex'), crypto.createHash('md5').update(new Uint8Array([1, 2])).digest('hex'));
  // bad encodings and malformed strings: typed errors naming the method
  assert.throws(() => core.createHash('md5').update('abc', 'utf32'), (e) => e instanceof TypeError && /^md5\.update: inputEncoding must be one of utf8, .* \(got string "utf32"\)/.test(e.message));
  assert.throws(() => pool.createHash('md5').update('abc', 7), (e) => e instanceof TypeError && /inputEncoding/.test(e.message));
  assert.throws(() => core.createHash('md5').update('abc', 'hex'), (e) => e instanceof RangeError && /^md5\.update: data is not hex: an odd number of digits/.test(e.message));
  assert.throws(() => core.createHash('md5').update('zz', 'hex'), (e) => e instanceof RangeError && /no hex digit/.test(e.message));
  assert.throws(() => core.createHash('md5').update('ab*d', 'base64'), (e) => e instanceof RangeError && /^md5\.update: data is not base64: "\*" at 2/.test(e.message));
  assert.throws(() => core.createHash('md5').update('YQ==YQ', 'base64'), (e) => e instanceof RangeError && /not base64/.test(e.message));
  assert.ok(checked === strings.length * encodings.length);
});

test('after dispose(), update() and digest() say the hash was disposed; after digest(), that digest() was called', async () => {
  for (const make of [() => core.createHash('md5'), () => pool.createHash('md5')]) {
    const h = make();
    h.dispose();
    h.dispose(); // safe twice
    const disposed = (e) => e instanceof ParawasmError && e.code === 'ERR_PW_HASH_FINALIZED' && /^md5\.(update|digest): the hash was disposed \(dispose\(\)\); create a new hash$/.test(e.message);
    assert.throws(() => h.update('x'), disposed);
    await assert.rejects(async () => h.digest(), disposed);
    const d = make();
    await d.digest();
    const digested = (e) => e instanceof ParawasmError && e.code === 'ERR_PW_HASH_FINALIZED' && /digest\(\) was already called/.test(e.message);
    assert.throws(() => d.update('x'), digested);
    await assert.rejects(async () => d.digest(), digested);
    d.dispose(); // no error
  }
});

test('errors of update() name <algorithm>.update, never the internal kernel (core: a view made by hand over the heap)', async () => {
  const blk = core.alloc(64);
  const byHand = new Uint8Array(blk.buffer, blk.byteOffset, 16); // not a view alloc() or view() made
  assert.throws(() => core.createHash('crc32').update(byHand), (e) => e instanceof RangeError && /^crc32\.update: data is a view of parawasm's memory that alloc\(\) did not make/.test(e.message));
  core.free(blk);
});

test('a hash dropped without digest() or dispose() has its heap blocks freed once the garbage collector reclaims it', () => {
  // in a process of its own with --expose-gc: 3,000 pool hashes each
  // holding a 64 KiB stage block and 60,000 core hashes of ~2 KiB states,
  // dropped in rounds; kept, they grew the heaps by 173 and 72 MB
  const script = `
    import { createPool, loadCore } from ${JSON.stringify(new URL('../../pkg/index.js', import.meta.url).href)};
    const pool = await createPool({ threads: 1 });
    const core = await loadCore();
    const tick = () => new Promise((r) => setTimeout(r, 0));
    const reclaim = async () => { for (let i = 0; i < 3; i++) { globalThis.gc(); await tick(); } };
    const pool0 = pool.heapSize ?? pool.stats().heapSize;
    const core0 = core.heapSize;
    for (let round = 0; round < 30; round++) {
      for (let i = 0; i < 100; i++) pool.createHash('sha256').update('abc');
      for (let i = 0; i < 2000; i++) core.createHash('blake3').update('abc');
      await reclaim();
    }
    // and kept hashes are not freed: their digests are right
    const kept = pool.createHash('md5').update('abc');
    const keptCore = core.createHash('md5').update('abc');
    await reclaim();
    const d = [await kept.digest('hex'), keptCore.digest('hex')];
    console.log(JSON.stringify({ pool: pool.stats().heapSize - pool0, core: core.heapSize - core0, d }));
    await pool.destroy();
  `;
  const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 120000 });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop());
  assert.deepEqual(out.d, ['900150983cd24fb0d6963f7d28e17f72', '900150983cd24fb0d6963f7d28e17f72']);
  assert.ok(out.pool <= 64 * 2 ** 20, `the pool's heap grew ${out.pool} bytes`);
  assert.ok(out.core <= 16 * 2 ** 20, `the core's heap grew ${out.core} bytes`);
});

test('an option of another algorithm left undefined is ignored (as one left out); given, it is a TypeError', async () => {
  const want = crypto.createHash('sha256').update('abc').digest('hex');
  assert.equal(core.createHash('sha256', { seed: undefined, key: undefined }).update('abc').digest('hex'), want);
  assert.equal(await pool.createHash('sha256', { outputLength: undefined }).update('abc').digest('hex'), want);
  assert.deepEqual(core.hashMany('sha256', ['abc'], { seed: undefined, encoding: 'hex' }), [want]);
  assert.throws(() => core.createHash('sha256', { seed: 1 }), (e) => e instanceof TypeError && /option "seed" does not apply to sha256/.test(e.message));
  assert.throws(() => core.createHash('sha256', { sed: undefined }), (e) => e instanceof TypeError && /option "sed"/.test(e.message), 'an unknown name is refused even undefined');
});

// A core without shared memory (a page without cross-origin isolation):
// its heap's growth detaches every view of it, the hash's own state
// included, which createHash() then held: the next update() or digest()
// threw "state is detached" and the data hashed so far was lost.
test('createHash on a core without shared memory keeps going when the heap grows (alloc, a large result, staged inputs)', () => {
  const preload = new URL('../runtimes/no-sab-preload.mjs', import.meta.url).pathname;
  const pkgUrl = new URL('../../pkg/index.js', import.meta.url).href;
  const script = `
    const { loadCore } = await import(${JSON.stringify(pkgUrl)});
    const core = await loadCore();
    const out = { isShared: core.isShared };
    const a = core.createHash('sha256').update('abc');
    const b = core.createHash('blake3').update('abc');
    const c = core.createHash('xxh64', { seed: 5 }).update('abc');
    core.alloc(64 << 20); // the heap grows: every view of it detaches
    a.update('def');
    core.blake3(new Uint8Array(3), 48 << 20); // a large result grows it again
    b.update('def');
    core.hashMany('md5', Array.from({ length: 40 }, (_, i) => new Uint8Array(4 << 20).fill(i))); // staged inputs
    c.update('def');
    out.sha256 = a.digest('hex');
    out.blake3 = b.digest('hex');
    out.xxh64 = c.digest('hex');
    process.stdout.write(JSON.stringify(out));
  `;
  const r = spawnSync(process.execPath, ['--import', preload, '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 120000 });
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout);
  assert.equal(got.isShared, false);
  assert.equal(got.sha256, crypto.createHash('sha256').update('abcdef').digest('hex'));
  assert.equal(got.blake3, core.createHash('blake3').update('abcdef').digest('hex'));
  assert.equal(got.xxh64, hex(core.xxh64(Buffer.from('abcdef'), 5)));
});

test('hex() of views: the bytes in order, as Buffer writes them, for any length, view type and offset, call after call', () => {
  const r = prng(71);
  const bytes = randomBytes(5000, 72);
  // lengths up and down (the digits go through a reused buffer and cached views of it)
  for (const n of [32, 16, 32, 0, 1, 20, 28, 64, 4999, 3, 64, 32, 100, 2000, 8]) {
    const off = r() % (5000 - n + 1);
    const u8 = bytes.subarray(off, off + n);
    const want = Buffer.from(u8).toString('hex');
    assert.equal(hex(u8), want, `Uint8Array of ${n} at ${off}`);
    assert.equal(hex(Buffer.from(u8)), want, `Buffer of ${n}`);
    assert.equal(hex(new DataView(u8.buffer, u8.byteOffset, n)), want, `DataView of ${n}`);
    const a8 = bytes.slice(0, n - (n % 8));
    assert.equal(hex(new Float64Array(a8.buffer)), Buffer.from(a8).toString('hex'), `Float64Array of ${n >> 3}`);
  }
  assert.equal(hex(Uint8Array.from([0, 1, 15, 16, 160, 255])), '00010f10a0ff');
  assert.equal(hex(0x1f), '0000001f');
  assert.equal(hex(0xabn), '00000000000000ab');
  assert.equal(hex((1n << 127n) + 1n), '80000000000000000000000000000001');
});
