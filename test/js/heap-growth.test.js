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

/**
 * The largest n for which api.alloc(n) succeeds. The search runs on the
 * allocation under alloc() (the heap's malloc, which does not zero-fill:
 * some thirty blocks of up to 4 GiB, each freed), so that it costs address
 * space, not passes over gigabytes; then alloc() itself must give that
 * size and refuse one byte more.
 */
function largestAlloc(api) {
  const heap = api.heap;
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
        const half = four.subarray(0, 2 ** 31);
        const other = new Uint8Array(2 ** 31);
        const attempt = async (fn) => {
          try {
            await fn();
            return null;
          } catch (e) {
            return e;
          }
        };
        for (const [what, fn] of [
          ['xxh64 of a 4 GiB view', () => api.xxh64(four)],
          ['sha256 of a 4 GiB view', () => api.sha256(four)],
          ['hashMany of two 2 GiB views', () => api.hashMany('xxh64', [half, other])],
        ]) {
          const e = await attempt(fn);
          assert.ok(isOutOfRange(e), `${what}: ${e}`);
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
  });
}
