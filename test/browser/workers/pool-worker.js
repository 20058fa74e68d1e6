// Module worker on the isolated origin that runs a pool itself: the
// pthread workers are then nested workers, and the completions are awaited
// with Atomics.waitAsync in this worker.
import {
  HANG_MS, assert, equal, rejects, Suite, withTimeout,
} from '../lib/runner.js';

const INNER_MS = HANG_MS / 2; // a hang guard inside a test's own
import { CHECK, CHECK_INPUT, fillRandom, refCrc32 } from '../../lib/ref.js';

const lib = new URL(self.location.href).searchParams.get('lib') ?? '/testpkg/browser.js';

try {
  const { createPool, PoolDestroyedError } = await import(lib);
  const s = new Suite('pool in a module worker');
  await s.test('the worker is cross-origin isolated', () => {
    equal(self.crossOriginIsolated, true, 'self.crossOriginIsolated');
    equal(typeof SharedArrayBuffer, 'function', 'typeof SharedArrayBuffer');
  });
  await s.test('createPool({ threads: 2 }) in a worker: crc32 of a pooled buffer, 1,000 calls, destroy()', async () => {
    const pool = await withTimeout(createPool({ threads: 2 }), INNER_MS, 'createPool in a worker');
    try {
      equal(pool.isShared, true, 'pool.isShared');
      const buf = fillRandom(pool.alloc(8 << 20), 3);
      equal(await pool.crc32(buf), refCrc32(buf), 'pool.crc32 of 8 MiB');
      const all = await Promise.all(Array.from({ length: 1000 }, (_, i) => (i % 2 ? pool.testNoop() : pool.crc32(CHECK_INPUT))));
      assert(all.every((v, i) => (i % 2 ? v === undefined : v === CHECK.crc32)), '1,000 mixed calls');
      pool.free(buf);
    } finally {
      await withTimeout(pool.destroy(), INNER_MS, 'destroy');
    }
    await rejects(pool.testNoop(), { Ctor: PoolDestroyedError }, 'a call after destroy()');
  });
  self.postMessage({ results: s.results });
} catch (e) {
  self.postMessage({ error: `could not run the pool checks with ${lib}: ${e?.stack ?? e}` });
}
