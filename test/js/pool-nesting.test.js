// Nested fork-join: a kernel's parallel loop whose chunks run parallel loops
// of their own (testNested(depth, width) counts width^depth leaves). The
// thread that waits for a loop helps run other chunks, so nesting never
// deadlocks, whatever the number of threads; each test has a timeout (a hang
// guard, not a speed limit) so that a deadlock fails instead of hanging.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { createPool } from '../../build/testpkg/index.js';
import {
  HANG_MS, MiB, SEED, fillRandom, prng, refCrc32,
} from './helpers/pool-test-utils.js';

const TIMEOUT = HANG_MS;

for (const threads of [1, 2, 3]) {
  describe(`nested parallel loops on ${threads} thread${threads > 1 ? 's' : ''}`, () => {
    let pool;

    before(async () => {
      pool = await createPool({ threads });
    });
    after(() => pool?.destroy());

    test('testNested(depth 3..4, width 2..4) returns width^depth', { timeout: TIMEOUT }, async () => {
      for (let depth = 3; depth <= 4; depth++) {
        for (let width = 2; width <= 4; width++) {
          assert.equal(await pool.testNested(depth, width), BigInt(width ** depth), `testNested(${depth}, ${width})`);
        }
      }
    });

    test('edge cases: depth 0, width 1, width 0', { timeout: TIMEOUT }, async () => {
      assert.equal(await pool.testNested(0, 5), 1n);
      assert.equal(await pool.testNested(6, 1), 1n);
      assert.equal(await pool.testNested(1, 0), 0n);
      assert.equal(await pool.testNested(1, 64), 64n);
      assert.equal(await pool.testNested(2, 40), 1600n);
    });

    test('many concurrent nested calls', { timeout: TIMEOUT }, async () => {
      const rng = prng(SEED + threads);
      const calls = Array.from({ length: 60 }, () => {
        const depth = 3 + rng.int(2);
        const width = 2 + rng.int(3);
        return [pool.testNested(depth, width), BigInt(width ** depth)];
      });
      assert.deepEqual(await Promise.all(calls.map(([p]) => p)), calls.map(([, want]) => want));
      assert.equal(pool.stats().running, 0);
      assert.equal(pool.stats().queued, 0);
    });

    test('deep nesting (up to 12 levels) with hundreds of calls in flight', { timeout: TIMEOUT }, async () => {
      const calls = [[pool.testNested(12, 2), 4096n], [pool.testNested(8, 3), 6561n]];
      for (let i = 0; i < 300; i++) {
        const depth = 2 + (i % 5);
        const width = 2 + ((i * 7) % 5);
        if (width ** depth <= 20000) calls.push([pool.testNested(depth, width), BigInt(width ** depth)]);
      }
      assert.deepEqual(await Promise.all(calls.map(([p]) => p)), calls.map(([, want]) => want));
    });

    test('nested calls alongside parallel checksums and spins', { timeout: TIMEOUT }, async () => {
      const bufs = [0, 1, 2].map((i) => fillRandom(pool.alloc(3 * MiB + i * 4099), SEED + i));
      const calls = [];
      for (let i = 0; i < 6; i++) {
        calls.push([pool.testNested(4, 3), 81n]);
        calls.push([pool.crc32(bufs[i % 3]), refCrc32(bufs[i % 3])]);
        calls.push([pool.testSpin(10, 8), 8]);
        calls.push([pool.testNested(3, 4), 64n]);
      }
      assert.deepEqual(await Promise.all(calls.map(([p]) => p)), calls.map(([, want]) => want));
      for (const b of bufs) pool.free(b);
    });
  });
}
