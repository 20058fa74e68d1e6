// The main thread stays free while the pool works, shown without a clock:
// timers, immediates and I/O callbacks must run while pool calls are known
// to be still pending, either because the calls cannot end before the
// test releases them (testHold), or because new calls keep being issued
// until the callbacks have run. A pool that blocked the main thread would
// hang these tests (and fail them at the hang guard), whatever the
// machine's speed; a fast or slow machine changes only how long they take.
// (How long the event loop is delayed is measured in `make bench`.)
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';

import { createPool } from '../../build/testpkg/index.js';
import {
  MiB, SEED, fillRandom, holdThreads, refCrc32, stateOf, until,
} from './helpers/pool-test-utils.js';

describe('the main thread while the pool works', () => {
  let pool;

  before(async () => {
    pool = await createPool({ threads: 2 });
  });
  after(() => pool?.destroy());

  test('timers, immediates and file reads run while every thread holds a call', async () => {
    const held = await holdThreads(pool); // pending until release()
    try {
      let ticks = 0;
      const timer = setInterval(() => { ticks++; }, 1);
      try {
        await until(() => ticks >= 5, 'five timer ticks');
      } finally {
        clearInterval(timer);
      }
      await new Promise((resolve) => { setImmediate(resolve); });
      const self = await readFile(new URL(import.meta.url));
      assert.match(self.toString('utf8'), /^\/\/ The main thread stays free/);
      // a call queued behind the held threads resolves once they are released
      const buf = fillRandom(pool.alloc(MiB), SEED);
      const queued = pool.crc32(buf);
      assert.deepEqual(held.calls.map(stateOf), ['pending', 'pending'], 'the held calls were pending throughout');
      assert.equal(stateOf(queued), 'pending');
      held.release();
      assert.equal(await queued, refCrc32(buf));
      pool.free(buf);
    } finally {
      assert.deepEqual((await held.end()).map((r) => r.value), [1, 1], 'each held call saw the gate open');
    }
  });

  test('a timer ticks while checksums run: calls are issued until it has ticked five times during one', async (t) => {
    const buf = fillRandom(pool.alloc(32 * MiB), SEED + 1);
    const want = refCrc32(buf);
    let pending = 0;
    let ticksWhileBusy = 0;
    const timer = setInterval(() => {
      if (pending > 0) ticksWhileBusy++;
    }, 1);
    const values = [];
    // two lanes keep a call in flight at every moment a timer could run
    // (a lane issues its next call in the same turn as its last one ends)
    const lane = async () => {
      while (ticksWhileBusy < 5) {
        pending++;
        try {
          values.push(await pool.crc32(buf));
        } finally {
          pending--;
        }
      }
    };
    try {
      await Promise.all([lane(), lane()]);
    } finally {
      clearInterval(timer);
    }
    t.diagnostic(`${values.length} calls of 32 MiB while the timer ticked ${ticksWhileBusy} times`);
    assert.ok(values.length >= 1);
    assert.equal(values.filter((v) => v !== want).length, 0, 'every crc32 equals zlib\'s');
    pool.free(buf);
  });
});
