// The heap grows to any size that fits, from a fresh pool or core too, and
// its largest allocation does not depend on what was tried before; a
// request that cannot fit is a RangeError with code ERR_OUT_OF_RANGE, also
// for foreign inputs whose copies would pass 4 GiB (never a silent wrap of
// wasm32's 32-bit size_t). alloc() zero-fills only memory that was handed
// out before (fresh memory from growth is zero already), so most
// allocations here cost address space rather than passes over their bytes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { createPool, loadCore } from '../../pkg/index.js';

const GiB = 2 ** 30;

const isOutOfRange = (e) => e instanceof RangeError && e.code === 'ERR_OUT_OF_RANGE';

/** The largest n for which heap.malloc(n) succeeds (a binary search; each block freed at once). */
function largestMalloc(heap) {
  let lo = 0;
  let hi = 2 ** 32 - 1;
  while (lo < hi) {
    const mid = lo + Math.ceil((hi - lo) / 2);
    try {
      heap.mfree(heap.malloc(mid));
      lo = mid;
    } catch (e) {
      assert.ok(isOutOfRange(e), `a failed allocation of ${mid} bytes is a RangeError with code ERR_OUT_OF_RANGE (got ${e})`);
      hi = mid - 1;
    }
  }
  return lo;
}

/**
 * The largest n for which api.alloc(n) succeeds. The search runs on the
 * allocation under alloc() (the heap's malloc, which does not zero-fill:
 * some thirty blocks of up to 4 GiB, each freed), so that it costs address
 * space, not passes over gigabytes; then alloc() itself must give that
 * size and refuse one byte more.
 */
function largestAlloc(api) {
  const lo = largestMalloc(api.$heap);
  api.free(api.alloc(lo));
  assert.throws(() => api.alloc(lo + 1), isOutOfRange, `alloc(${lo + 1}) after alloc(${lo}) succeeded`);
  return lo;
}

for (const kind of ['pool', 'core']) {
  const open = () => (kind === 'pool' ? createPool({ threads: 2 }) : loadCore());
  const close = (api) => api.destroy?.();

  describe(`${kind}: heap growth`, () => {
    for (const bytes of [2 * GiB, 2 * GiB + 1, 3 * GiB, 4 * GiB - 64 * 2 ** 20]) {
      test(`alloc(${bytes}) as the first allocation of a fresh ${kind}`, async () => {
        const api = await open();
        try {
          const v = api.alloc(bytes);
          assert.equal(v.length, bytes);
          v[0] = 1;
          v[bytes - 1] = 2; // both ends are memory
          assert.equal(v[bytes - 1], 2);
          api.free(v);
        } finally {
          await close(api);
        }
      });
    }

    test('the largest allocation is the same on two fresh instances, and after failed attempts', async () => {
      const a = await open();
      const b = await open();
      try {
        const max = largestAlloc(a);
        assert.ok(max >= 4 * GiB - 128 * 2 ** 20, `the largest allocation of a fresh ${kind} is ${max}`);
        assert.equal(largestAlloc(b), max, 'a second fresh instance');
        assert.throws(() => a.alloc(2 ** 32 - 1), isOutOfRange);
        assert.throws(() => a.alloc(max + 1), isOutOfRange);
        assert.equal(largestAlloc(a), max, 'after allocations that did not fit');
        // used and emptied again: the same
        const parts = [a.alloc(GiB), a.alloc(12345), a.alloc(GiB)];
        a.free(parts[0]);
        assert.ok(a.alloc(GiB - 4096), 'the freed GiB is used again');
        a.free(parts[2]);
        assert.equal(a.alloc(2 * GiB).length, 2 * GiB, 'a 2 GiB block after the heap was used');
      } finally {
        await close(a);
        await close(b);
      }
    });

    test('foreign inputs whose copy would pass 4 GiB: RangeError, no wrap-around', async () => {
      const api = await open();
      try {
        const four = new Uint8Array(2 ** 32); // never written: costs no memory
        const other = new Uint8Array(2 ** 31);
        const attempt = async (fn) => {
          try {
            await fn();
            return null;
          } catch (e) {
            return e;
          }
        };
        const cases = [
          ['xxh64 of a 4 GiB view', () => api.xxh64(four), 'xxh64: data'],
          ['sha256 of a 4 GiB view', () => api.sha256(four), 'sha256: data'],
          // (two views of 2 GiB go through, one run each: hashes.test.js)
          ['hashMany of a 4 GiB view', () => api.hashMany('xxh64', [other, four]), 'hashMany: views'],
        ];
        // the pool's streaming hash copies a foreign view at once (the core streams any size)
        if (kind === 'pool') cases.push(['createHash().update() of a 4 GiB view', () => api.createHash('sha256').update(four), 'sha256.update: data']);
        for (const [what, fn, named] of cases) {
          const e = await attempt(fn);
          assert.ok(isOutOfRange(e), `${what}: ${e}`);
          assert.ok(e.message.startsWith(named), `${what}: the error names ${named}: ${e.message}`);
        }
        // a heap that refused them works as before
        const v = api.alloc(100);
        v.fill(0x61);
        assert.equal(await api.asciiUpper(v), 100);
        api.free(v);
      } finally {
        await close(api);
      }
    });

    // stb_image_write's PNG encoder grows its buffers without looking at
    // what realloc returned: out of memory it trapped (the core; the
    // blocks it had were lost) or wrote through NULL. Here it is a
    // ParawasmError ERR_PW_NO_MEMORY, on a thread that never encoded before
    // too, and the same encode gives the same bytes once memory is free.
    test('a PNG encode out of memory: ERR_PW_NO_MEMORY, nothing lost, the same file afterwards', async () => {
      const api = await open();
      const held = [];
      try {
        const w = 700;
        const h = 500;
        const img = { data: api.alloc(w * h * 4), width: w, height: h };
        for (let i = 0; i < img.data.length; i++) img.data[i] = (Math.imul(i, 2654435761) >>> 23) & 255;
        const before = largestMalloc(api.$heap);
        // every byte of the heap taken, large blocks first
        for (let size = GiB; size >= 16; ) {
          try {
            held.push(api.alloc(size));
          } catch (e) {
            assert.ok(isOutOfRange(e), String(e));
            size >>>= 1;
          }
        }
        for (let k = 0; k < 3; k++) {
          await assert.rejects(async () => api.image.encodePng(img), (e) => e.code === 'ERR_PW_NO_MEMORY' && /encodePng/.test(e.message),
            `encode ${k + 1} with the heap full`);
          assert.equal(await api.crc32(img.data), await api.crc32(img.data), 'the instance still works');
        }
        for (const b of held.splice(0)) api.free(b);
        assert.equal(largestMalloc(api.$heap), before, 'the failed encodes left nothing allocated');
        const png = await api.image.encodePng(img);
        const back = await api.image.decode(png);
        assert.deepEqual([back.width, back.height], [w, h]);
        assert.ok(Buffer.from(back.data).equals(Buffer.from(img.data)), 'the PNG decodes to the pixels');
        api.image.free(back); // (the core's result is the garbage collector's: left alone)
        api.free(img.data);
      } finally {
        for (const b of held) api.free(b);
        await close(api);
      }
    });
  });
}

test('pool: fresh pools of many threads have the same largest allocation, however late their threads start', async () => {
  // each thread allocates its thread-local storage as it starts; 16 threads
  // on a machine of few cores start over a while, and one that started
  // after createPool() resolved put that block among the caller's (once
  // above a block of gigabytes that a search had just freed: 101 MiB less
  // for every allocation after). createPool() now waits for them all
  const seen = [];
  for (let i = 0; i < 10; i++) {
    const pool = await createPool({ threads: 16 });
    try {
      seen.push(largestMalloc(pool.$heap));
    } finally {
      await pool.destroy();
    }
  }
  assert.deepEqual(seen, seen.map(() => seen[0]), `the largest allocation of each of 10 fresh pools: ${seen.join(', ')}`);
});

test('pool: small calls whose staging arena is made above 2 GiB (after a big alloc()) give the core\'s results and write nowhere else', async () => {
  // a fast call stages foreign inputs, and results of 257 bytes to 16 KiB,
  // in an arena: one of those kept from createPool() (low in the heap), or
  // when a burst has filled them one from the heap; made after a 2.25 GiB
  // block, its addresses pass 2^31 (the generated code had rounded them
  // with a signed `& -16`: negative offsets, which typed arrays count from
  // the end, so zeros and copies landed inside the big block, or a
  // RangeError without a code)
  const core = await loadCore();
  const pool = await createPool({ threads: 2 });
  try {
    const big = pool.alloc(2.25 * GiB);
    // the kept arenas out of reach (as in a burst that fills them): every
    // arena now comes from the heap, above the big block
    assert.equal(pool.$stage, null, 'no call has staged yet');
    assert.ok(pool.$stageSpare.length > 0, 'createPool() keeps arenas');
    pool.$stageSpare.length = 0;
    big.fill(1);
    const before = await pool.crc32(big);
    const bytes = (n, seed) => Uint8Array.from({ length: n }, (_, i) => (i * 131 + seed) & 255);
    const doubles = Float64Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 100);
    const tile = { data: bytes(16 * 16 * 4, 7), width: 16, height: 16 };
    const calls = [
      ['blake3 of 100 bytes, a 1 KiB digest', (api) => api.blake3(bytes(100, 1), 1024)],
      ['crc32 of 1,000 bytes', (api) => api.crc32(bytes(1000, 2))],
      ['sha256 of 12 KiB', (api) => api.sha256(bytes(12288, 3))],
      ['array.sum of 1,000 doubles', (api) => api.array.sum(doubles)],
      ['array.histogram, 256 bins', (api) => api.array.histogram(doubles, { bins: 256, lo: -100, hi: 100 })],
      ['array.argsort of 1,000 doubles', (api) => api.array.argsort(doubles)],
      ['array.cumsum of 1,000 doubles', (api) => api.array.cumsum(doubles)],
      ['image.invert of a 16 x 16 tile', async (api) => {
        const r = await api.image.invert(tile);
        const copy = Uint8Array.from(r.data);
        if (api === pool.image || api === pool) pool.image.free(r);
        return copy;
      }],
    ];
    for (const [what, call] of calls) {
      const want = await call(core);
      for (let round = 0; round < 3; round++) {
        const got = await call(pool);
        assert.deepEqual(got, want, `${what} (round ${round})`);
      }
    }
    assert.equal(await pool.crc32(big), before, 'the 2.25 GiB block is as it was');
    pool.free(big);
  } finally {
    await pool.destroy();
  }
});

test('pool: a small call while a 3 GiB block is allocated leaves the heap whole after free(): two 2.1 GB blocks fit', async () => {
  // the call stages its foreign input in an arena; one made on first need
  // and kept for reuse had stayed above the big block, splitting the space
  // that its free() returned, so that the two blocks no longer fitted
  const pool = await createPool({ threads: 2 });
  try {
    const x = pool.alloc(3 * GiB);
    const doubles = Float64Array.from({ length: 100 }, (_, i) => i / 2);
    assert.equal(await pool.array.sum(doubles), 2475, 'a sum of 100 staged doubles (exact: halves)');
    assert.deepEqual(await pool.array.searchSorted(Float64Array.of(1, 2, 3), [2.5, 0]), Uint32Array.of(2, 0), 'a search with plain needles');
    pool.free(x);
    const a = pool.alloc(2116000000);
    const b = pool.alloc(2116000000);
    assert.ok(a.byteOffset !== b.byteOffset);
    pool.free(a);
    pool.free(b);
  } finally {
    await pool.destroy();
  }
});

test('Heap.zero: every start and length around the 8-byte lanes, shared and private memory, nothing outside touched', async () => {
  const { Heap } = await import('../../pkg/lib/runtime/memory.js');
  for (const shared of [true, false]) {
    // (a shared heap allocates a word of its own when made: past the bytes looked at)
    const heap = new Heap(new WebAssembly.Memory({ initial: 1, maximum: 2, shared }), { pw_alloc: () => 8192 }, shared);
    for (let at = 96; at < 112; at++) {
      for (const n of [0, 1, 7, 63, 64, 65, 71, 72, 200, 1001]) {
        heap.u8.fill(0xa5, 0, 4096);
        heap.zero(at, n);
        for (let i = 0; i < 4096; i++) {
          const want = i >= at && i < at + n ? 0 : 0xa5;
          if (heap.u8[i] !== want) assert.fail(`${shared ? 'shared' : 'private'} zero(${at}, ${n}): byte ${i} is ${heap.u8[i]}`);
        }
      }
    }
  }
});
