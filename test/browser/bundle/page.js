// The "user's page module" of the bundler test: bundled by run.mjs with
// esbuild into build/browser-bundle/js/page.js and imported into a page,
// on the isolated origin (the pool, pthread workers and all) and on the
// non-isolated one (the fallback, or the ERR_PW_NO_SHARED_MEMORY error).
import * as api from '../../../pkg/browser.js';
import { CHECK, CHECK_INPUT, fillRandom, refCrc32 } from '../../lib/ref.js';
import {
  HANG_MS, assert, checkError, equal, rejects, Suite, withTimeout,
} from '../lib/runner.js';

const INNER_MS = HANG_MS / 2; // a hang guard inside a test's own

export async function run() {
  const s = new Suite('bundle (page)');
  const { createPool, loadCore, ParawasmError, PoolDestroyedError } = api;

  await s.test('loadCore() from the bundle works on the page', async () => {
    const core = await loadCore();
    equal(core.crc32(CHECK_INPUT), CHECK.crc32, 'core.crc32("123456789")');
  });

  if (globalThis.crossOriginIsolated) {
    await s.test('createPool({ threads: 2 }) from the bundle: the pthread workers load, crc32 of a pooled buffer is right', async () => {
      const pool = await withTimeout(createPool({ threads: 2 }), INNER_MS, 'createPool');
      try {
        equal(pool.isShared, true, 'pool.isShared');
        const buf = fillRandom(pool.alloc(8 << 20), 5);
        equal(await pool.crc32(buf), refCrc32(buf), 'pool.crc32 of 8 MiB');
        equal(await pool.adler32(CHECK_INPUT), CHECK.adler32, 'pool.adler32("123456789")');
        const all = await Promise.all(Array.from({ length: 500 }, () => pool.crc32c(CHECK_INPUT)));
        assert(all.every((v) => v === CHECK.crc32c), '500 concurrent crc32c calls');
        pool.free(buf);
      } finally {
        await pool.destroy();
      }
      await rejects(pool.crc32(CHECK_INPUT), { Ctor: PoolDestroyedError }, 'a call after destroy()');
    });
  } else {
    await s.test('createPool() from the bundle without isolation: the fallback pool works, or ERR_PW_NO_SHARED_MEMORY', async () => {
      let pool;
      try {
        pool = await withTimeout(createPool(), INNER_MS, 'createPool');
      } catch (e) {
        checkError(e, { Ctor: ParawasmError, code: 'ERR_PW_NO_SHARED_MEMORY' }, 'createPool()');
        return;
      }
      try {
        equal(pool.isShared, false, 'pool.isShared');
        equal(await pool.crc32(CHECK_INPUT), CHECK.crc32, 'pool.crc32("123456789")');
        const big = fillRandom(new Uint8Array(2 << 20), 8);
        equal(await pool.crc32(big), refCrc32(big), 'pool.crc32 of 2 MiB');
      } finally {
        await pool.destroy();
      }
    });
  }
  return s.results;
}
