// `make test-big`: array kernels on arrays of several GiB in a pool's
// memory. A sort of 32- or 64-bit elements of few distinct values is
// counted (sort.c: fs_sort) and needs no scratch the size of the array, so
// 3.5 GiB of doubles sort where the radix sort's 3.5 GiB of scratch could
// never fit the 4 GiB heap; an argsort of it, whose result alone does not
// fit, is refused with a RangeError naming the result. Needs about 4 GiB.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { createPool } from '../../pkg/index.js';

const N = 3.5 * 2 ** 27; // doubles: 3.5 GiB
let pool;
before(async () => { pool = await createPool({ threads: 2 }); });
after(async () => { await pool?.destroy(); });

test('sort of 3.5 GiB of doubles of 16 values, both directions: in order, each value as often as before', async () => {
  const x = pool.alloc(N * 8, Float64Array);
  const want = new Float64Array(16);
  let s = 7;
  for (let i = 0; i < N; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const v = s >>> 28;
    x[i] = v === 3 ? -0 : v * 1.5 - 4; // (-0 among them, no +0)
    want[v]++;
  }
  const index = (y) => (Object.is(y, -0) ? 3 : (y + 4) / 1.5);
  for (const descending of [false, true]) {
    await pool.array.sort(x, { descending });
    const got = new Float64Array(16);
    for (let i = 0; i < N; i++) {
      if (i > 0) {
        const a = x[i - 1], b = x[i];
        if (descending ? a < b : a > b) assert.fail(`descending=${descending}: ${a} before ${b} at ${i}`);
      }
      got[index(x[i])]++;
    }
    assert.deepEqual(got, want, `descending=${descending}: each value as often as before`);
  }
  await assert.rejects(pool.array.argsort(x), (e) => e instanceof RangeError && /result/.test(e.message));
  pool.free(x);
});
