// Pool results: the parallel kernels (crc32, crc32c, adler32, asciiUpper) on
// pooled buffers give the same answers as the single-thread core and as
// independent references (Node's zlib.crc32, plain-JS CRC-32C and Adler-32),
// for sizes around every threshold of the parallel split; foreign views are
// copied in and out and counted in stats().bytesCopied, pooled views are not.
import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createPool, loadCore } from '../../pkg/index.js';
import {
  KiB, MiB, SEED, fillRandom, prng, refAdler32, refAsciiUpper, refCrc32, refCrc32c,
  sameBytes,
} from './helpers/pool-test-utils.js';

const THREADS = 3;
// The checksums and asciiUpper split inputs of PAR_MIN bytes and more into
// at most THREADS * 4 chunks of at least CHUNK_MIN bytes, rounded up to 64
// (src/kernels/crc32.c, adler32.c, ascii.c).
const PAR_MIN = 2 * MiB;
const CHUNK_MIN = 512 * KiB;
const MAX_CHUNKS = THREADS * 4;

const hex = (n) => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

/** Sizes just below, at and above every boundary of the split. */
function boundarySizes() {
  const s = new Set([
    0, 1, 2, 3, 5, 7, 15, 16, 17, 31, 63, 64, 65, 127, 128, 129, 255, 1000, 4095, 4097,
    8191, 8192, 8193, 12345, 65535, 65537, MiB - 1, MiB + 1,
  ]);
  for (const base of [PAR_MIN, MAX_CHUNKS * CHUNK_MIN]) {
    for (const d of [-65, -64, -63, -1, 0, 1, 63, 64, 65]) s.add(base + d);
  }
  for (let k = 5; k <= MAX_CHUNKS + 1; k += 2) {
    for (const d of [-1, 0, 1]) s.add(k * CHUNK_MIN + d);
  }
  // where ceil(len / chunks) crosses a multiple of 64, the chunk size jumps by 64
  for (const chunks of [4, 5, 7, MAX_CHUNKS]) {
    const base = chunks * 64 * (CHUNK_MIN / 64 + 3);
    for (const d of [-1, 0, 1]) s.add(base + d);
  }
  return [...s].sort((a, b) => a - b);
}

const rng = prng(SEED);
const RANDOM_SIZES = Array.from({ length: 5 }, () => rng.int(64 * MiB + 1));

describe(`pool results (seed ${hex(SEED)})`, () => {
  let pool;
  let core;

  before(async () => {
    [pool, core] = await Promise.all([createPool({ threads: THREADS }), loadCore()]);
  });
  after(() => pool?.destroy());

  /** Checks every kernel on a pooled buffer of n random bytes against the references and the core. */
  async function checkSize(n, seed) {
    const buf = pool.alloc(n);
    try {
      fillRandom(buf, seed);
      const r = prng(seed);
      const c0 = r.next();
      const a0 = ((r.int(65521) << 16) | r.int(65521)) >>> 0; // a valid running Adler-32
      const want = { crc32: refCrc32(buf), crc32c: refCrc32c(buf), adler32: refAdler32(buf) };
      // From a running value: the plain-JS references up to 8 MiB; above, where
      // they are slow, the core (which matches them at every smaller size).
      const big = n > 8 * MiB;
      want.crc32From = refCrc32(buf, c0);
      want.crc32cFrom = big ? core.crc32c(buf, c0) : refCrc32c(buf, c0);
      want.adler32From = big ? core.adler32(buf, a0) : refAdler32(buf, a0);
      const copied = pool.stats().bytesCopied;
      const [crc32, crc32c, adler32, crc32From, crc32cFrom, adler32From] = await Promise.all([
        pool.crc32(buf), pool.crc32c(buf), pool.adler32(buf),
        pool.crc32(buf, c0), pool.crc32c(buf, c0), pool.adler32(buf, a0),
      ]);
      const got = { crc32, crc32c, adler32, crc32From, crc32cFrom, adler32From };
      assert.deepEqual(got, want, `pool vs references, ${n} bytes`);
      assert.deepEqual(
        { crc32: core.crc32(buf), crc32c: core.crc32c(buf), adler32: core.adler32(buf) },
        { crc32, crc32c, adler32 }, `core vs pool, ${n} bytes`);

      // chained across an arbitrary cut: f(b, f(a)) == f(a ++ b)
      const cut = r.int(n + 1);
      const head = buf.subarray(0, cut);
      const tail = buf.subarray(cut);
      assert.equal(await pool.crc32(tail, await pool.crc32(head)), crc32, `crc32 chained at ${cut} of ${n}`);
      assert.equal(await pool.adler32(tail, await pool.adler32(head)), adler32, `adler32 chained at ${cut} of ${n}`);

      // in place: the caller's view sees the change
      const [upper, count] = refAsciiUpper(buf);
      if (!big) assert.equal(core.asciiUpper(buf.slice()), count, `core asciiUpper count, ${n} bytes`);
      assert.equal(await pool.asciiUpper(buf), count, `asciiUpper count, ${n} bytes`);
      assert.ok(sameBytes(buf, upper), `asciiUpper bytes, ${n} bytes`);
      assert.equal(pool.stats().bytesCopied, copied, 'pooled views are used in place: nothing copied');
    } finally {
      pool.free(buf);
    }
  }

  describe('sizes at the thresholds and chunk boundaries', () => {
    for (const n of boundarySizes()) {
      test(`${n} bytes`, () => checkSize(n, SEED ^ n));
    }
  });

  describe('random sizes up to 64 MiB', () => {
    for (const n of RANDOM_SIZES) {
      test(`${n} bytes`, () => checkSize(n, SEED ^ n));
    }
  });

  test('one 256 MiB buffer', () => checkSize(256 * MiB, SEED + 256));

  test('published check values', async () => {
    const v = pool.alloc(9);
    v.set(new TextEncoder().encode('123456789'));
    assert.equal(await pool.crc32(v), 0xcbf43926);
    assert.equal(await pool.crc32c(v), 0xe3069283);
    assert.equal(await pool.adler32(v), 0x091e01de);
    assert.equal(await pool.crc32(v.subarray(9)), 0);
    assert.equal(await pool.adler32(v.subarray(0, 0)), 1);
    pool.free(v);
  });

  describe('foreign views are copied in and out, and counted', () => {
    const N = 3 * MiB + 17; // large enough to run split across the threads
    const sab = new SharedArrayBuffer(N + 64);
    const ab = new ArrayBuffer(N + 64);
    const foreign = {
      'a small Buffer (from Node\'s pool, non-zero byteOffset)': () => Buffer.from('The quick brown fox, 0123456789!'),
      'a large Buffer': () => fillRandom(Buffer.allocUnsafe(N), 1),
      'a non-shared Uint8Array at an odd offset': () => fillRandom(new Uint8Array(ab, 7, N), 2),
      'a view of the user\'s own SharedArrayBuffer': () => fillRandom(new Uint8Array(sab, 33, N), 3),
      'a Float64Array (read as bytes)': () => fillRandom(new Float64Array(1001), 4),
      'a DataView': () => fillRandom(new DataView(ab, 1, 4099), 5),
    };

    for (const [what, make] of Object.entries(foreign)) {
      test(`${what}: input kernels copy it in once`, async () => {
        const view = make();
        const bytes = view.byteLength;
        for (const [name, ref] of [['crc32', refCrc32], ['crc32c', refCrc32c], ['adler32', refAdler32]]) {
          const before = pool.stats().bytesCopied;
          assert.equal(await pool[name](view), ref(view), `${name} of ${what}`);
          assert.equal(pool.stats().bytesCopied - before, bytes, `${name}: bytes copied in`);
        }
      });

      test(`${what}: an in-place kernel copies it in and back`, async () => {
        const view = make();
        const [upper, count] = refAsciiUpper(view);
        const before = pool.stats().bytesCopied;
        assert.equal(await pool.asciiUpper(view), count);
        assert.equal(pool.stats().bytesCopied - before, 2 * view.byteLength, 'bytes copied in and out');
        assert.ok(sameBytes(view, upper), 'the caller\'s view holds the result');
      });
    }

    test('a view of another pool\'s memory is foreign too', async () => {
      const other = await createPool({ threads: 1 });
      try {
        const v = fillRandom(other.alloc(3 * MiB + 1), 6);
        const [upper, count] = refAsciiUpper(v);
        const want = refCrc32(v);
        const before = pool.stats().bytesCopied;
        assert.equal(await pool.crc32(v), want);
        assert.equal(await pool.asciiUpper(v), count);
        assert.equal(pool.stats().bytesCopied - before, 3 * v.length);
        assert.ok(sameBytes(v, upper));
        assert.equal(other.stats().bytesCopied, 0);
        assert.equal(await other.crc32(v), refCrc32(upper), 'in place for its own pool');
        assert.equal(other.stats().bytesCopied, 0);
      } finally {
        await other.destroy();
      }
    });

    test('an empty foreign view copies nothing', async () => {
      const before = pool.stats().bytesCopied;
      assert.equal(await pool.crc32(new Uint8Array(0)), 0);
      assert.equal(await pool.asciiUpper(Buffer.alloc(0)), 0);
      assert.equal(await pool.adler32(new Uint8Array(new SharedArrayBuffer(8), 8)), 1);
      assert.equal(pool.stats().bytesCopied - before, 0);
    });

    test('a Buffer\'s neighbours in Node\'s shared slab are untouched by the copy back', async () => {
      const a = Buffer.from('aaaa-left');
      const b = Buffer.from('bbbb-middle');
      const c = Buffer.from('cccc-right');
      assert.equal(await pool.asciiUpper(b), 10);
      assert.deepEqual([a.toString(), b.toString(), c.toString()], ['aaaa-left', 'BBBB-MIDDLE', 'cccc-right']);
    });
  });

  describe('pooled views are used in place: zero bytes copied', () => {
    test('alloc() views, their subarrays and views made with view()', async () => {
      const buf = fillRandom(pool.alloc(3 * MiB + 5), 11);
      const views = [
        buf, buf.subarray(1), buf.subarray(3, 3 * MiB), buf.subarray(buf.length - 1),
        pool.view(buf, Uint8Array, 5, 1000),
        pool.view(buf, DataView, 2, 4096),
        pool.view(buf, Uint16Array, 2, 100),
        pool.view(buf, Uint8Array, 5, 1000).subarray(7),
      ];
      const before = pool.stats().bytesCopied;
      for (const v of views) {
        assert.equal(await pool.crc32(v), refCrc32(v), `crc32 of ${v.constructor.name}(${v.byteLength})`);
        assert.equal(await pool.crc32c(v), refCrc32c(v));
        assert.equal(await pool.adler32(v), refAdler32(v));
      }
      assert.equal(pool.stats().bytesCopied, before);
      // a view built by hand over the memory: its allocation cannot be checked
      await assert.rejects(pool.crc32(new Uint8Array(buf.buffer, buf.byteOffset + 5, 1000)),
        (e) => e instanceof RangeError && /alloc\(\) did not make/.test(e.message) && /view\(block/.test(e.message));
      pool.free(buf);
    });

    for (const Ctor of [Uint8Array, Uint16Array, Int32Array, Float32Array, Float64Array, BigUint64Array, DataView]) {
      test(`alloc(bytes, ${Ctor.name})`, async () => {
        const bytes = 4 * MiB; // parallel
        const v = pool.alloc(bytes, Ctor);
        assert.ok(v instanceof Ctor);
        assert.equal(v.byteLength, bytes);
        if (Ctor !== DataView) assert.equal(v.length, bytes / Ctor.BYTES_PER_ELEMENT);
        assert.ok(v.buffer instanceof SharedArrayBuffer, 'a view of the shared memory');
        assert.equal(v.byteOffset % (Ctor.BYTES_PER_ELEMENT ?? 1), 0);
        fillRandom(v, bytes + (Ctor.BYTES_PER_ELEMENT ?? 1));
        const before = pool.stats().bytesCopied;
        assert.equal(await pool.crc32(v), refCrc32(v));
        assert.equal(await pool.adler32(v), refAdler32(v));
        assert.equal(pool.stats().bytesCopied, before);
        pool.free(v);
      });
    }

    test('alloc() argument checks', () => {
      assert.throws(() => pool.alloc(6, Uint32Array), RangeError);
      assert.throws(() => pool.alloc(-1), RangeError);
      assert.throws(() => pool.alloc(1.5), RangeError);
      assert.throws(() => pool.alloc('8'), TypeError);
      assert.throws(() => pool.alloc(8, Array), TypeError);
      assert.throws(() => pool.alloc(8, 'Uint8Array'), TypeError);
      const z = pool.alloc(0);
      assert.equal(z.byteLength, 0);
      pool.free(z);
    });

    test('alloc(n, Buffer): a Buffer over the shared memory, zero-copy in and out of calls', async () => {
      const b = pool.alloc(4096, Buffer);
      assert.ok(Buffer.isBuffer(b));
      assert.ok(b.buffer instanceof SharedArrayBuffer);
      fillRandom(b, 4097);
      const before = pool.stats().bytesCopied;
      assert.equal(await pool.crc32(b), refCrc32(b));
      const out = pool.alloc(32, Buffer);
      assert.equal(await pool.sha256(b, { out }), out);
      assert.equal(out.toString('hex'), createHash('sha256').update(b).digest('hex'));
      assert.equal(pool.stats().bytesCopied, before);
      class Bad extends Uint8Array { constructor() { super(8); } }
      assert.throws(() => pool.alloc(8, Bad), { name: 'TypeError', message: /alloc: the constructor Bad did not make a view/ });
      pool.free(b);
      pool.free(out);
    });

    test('asciiUpper in place on a pooled buffer is visible in the caller\'s view', async () => {
      const text = 'Hello, wörld! parawasm — ünïcode stays; ascii a-z goes UP. [x]{y}`z~';
      const enc = new TextEncoder().encode(text);
      const buf = pool.alloc(enc.length);
      buf.set(enc);
      const alias = new Uint8Array(buf.buffer, buf.byteOffset, buf.length); // another view, same bytes
      const want = text.replace(/[a-z]/g, (ch) => ch.toUpperCase());
      const count = [...text].filter((ch) => ch >= 'a' && ch <= 'z').length;
      const before = pool.stats().bytesCopied;
      assert.equal(await pool.asciiUpper(buf), count);
      assert.equal(new TextDecoder().decode(buf), want);
      assert.equal(new TextDecoder().decode(alias), want);
      assert.equal(pool.stats().bytesCopied, before);
      // a sub-range: only it changes
      buf.set(enc);
      assert.equal(await pool.asciiUpper(buf.subarray(0, 5)), 4);
      assert.equal(new TextDecoder().decode(buf), `HELLO${text.slice(5)}`);
      pool.free(buf);
    });
  });
});
