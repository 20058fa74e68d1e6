// Test d: a page that is NOT cross-origin isolated (no COOP/COEP), so it has
// no SharedArrayBuffer. The threaded pool cannot start there:
//  - createPool({ fallback: false }) (or createPool() in a library without
//    the fallback pool) must reject with a ParawasmError, code
//    ERR_PW_NO_SHARED_MEMORY, whose message says how to get isolation;
//  - where the library has the fallback pool (DESIGN.md 2.3: the
//    single-thread build in one Web Worker), createPool() must resolve to it
//    (isShared false) and it must work;
//  - loadCore() works in any case.
import {
  HANG_MS, assert, bytesEqual, checkError, equal, rejects, Suite, withTimeout,
} from '../lib/runner.js';

const INNER_MS = HANG_MS / 2; // a hang guard inside a test's own
import { CHECK, CHECK_INPUT, fillRandom, refAsciiUpper, refCrc32 } from '../../lib/ref.js';
import { callsUntilFrames } from '../lib/frames.js';
import { hashChecks } from '../lib/hash-checks.js';

const ISOLATION = /cross-origin isolat/i;

export async function run({ lib = '/pkg/browser.js' } = {}) {
  const s = new Suite('not isolated');
  const api = await s.import(lib);
  if (!api) return s.results;
  const { createPool, loadCore, ParawasmError, AbortError, PoolDestroyedError } = api;

  await s.test('the page is not cross-origin isolated (no SharedArrayBuffer)', () => {
    equal(globalThis.crossOriginIsolated, false, 'crossOriginIsolated');
    equal(typeof SharedArrayBuffer, 'undefined', 'typeof SharedArrayBuffer');
  });

  // Does this build of the library have the fallback pool? It accepts the
  // `fallback` option if so (an unknown option is a TypeError).
  let hasFallback = false;
  await s.test('createPool({ fallback: false }) rejects with ERR_PW_NO_SHARED_MEMORY (or the option is unknown)', async () => {
    let err;
    try {
      const p = await createPool({ fallback: false });
      await p.destroy?.();
    } catch (e) {
      err = e;
    }
    assert(err, 'createPool({ fallback: false }) resolved on a page without shared memory');
    if (err instanceof TypeError && /unknown option "fallback"/.test(err.message)) return; // no fallback pool here
    hasFallback = true;
    checkError(err, { Ctor: ParawasmError, code: 'ERR_PW_NO_SHARED_MEMORY', match: ISOLATION }, 'createPool({ fallback: false })');
  });

  if (!hasFallback) {
    await s.test('createPool() rejects with a ParawasmError ERR_PW_NO_SHARED_MEMORY that mentions cross-origin isolation', async () => {
      for (const opts of [undefined, { threads: 2 }]) {
        const e = await rejects(createPool(opts), { Ctor: ParawasmError, code: 'ERR_PW_NO_SHARED_MEMORY', match: ISOLATION },
          `createPool(${opts ? JSON.stringify(opts) : ''})`);
        assert(/Cross-Origin-Opener-Policy/.test(e.message) && /Cross-Origin-Embedder-Policy/.test(e.message),
          `the message names the headers to send: ${e.message}`);
      }
    });
  } else {
    let fallbackWarnings = null;
    await s.test('createPool() falls back to a single-thread pool in a worker, with a warning, and it works', async () => {
      const warnings = [];
      const warn = console.warn;
      console.warn = (...a) => { warnings.push(a.join(' ')); warn.apply(console, a); };
      let pool;
      try {
        pool = await withTimeout(createPool({ threads: 2 }), INNER_MS, 'createPool() fallback');
      } finally {
        console.warn = warn;
      }
      try {
        equal(pool.isShared, false, 'pool.isShared');
        equal(await pool.crc32(CHECK_INPUT), CHECK.crc32, 'pool.crc32("123456789")');
        equal(await pool.crc32c(CHECK_INPUT), CHECK.crc32c, 'pool.crc32c("123456789")');
        equal(await pool.adler32(CHECK_INPUT), CHECK.adler32, 'pool.adler32("123456789")');
        const buf = fillRandom(pool.alloc(3 << 20), 99);
        equal(await pool.crc32(buf), refCrc32(buf), 'crc32 of 3 MiB vs JS reference');
        const [want, changed] = refAsciiUpper(buf);
        equal(await pool.asciiUpper(buf), changed, 'asciiUpper count');
        bytesEqual(buf, want, 'asciiUpper wrote back into the view');
        pool.free(buf);
        const many = await Promise.all(Array.from({ length: 200 }, () => pool.crc32(CHECK_INPUT)));
        assert(many.every((v) => v === CHECK.crc32), '200 queued calls');
        const ac = new AbortController();
        const first = pool.crc32(fillRandom(new Uint8Array(8 << 20), 1));
        const queued = pool.crc32(CHECK_INPUT, { signal: ac.signal });
        ac.abort();
        await rejects(queued, { Ctor: AbortError }, 'an aborted queued call');
        await first;
        await rejects(pool.crc32('x'), { Ctor: TypeError }, "pool.crc32('x')");
      } finally {
        await pool.destroy();
      }
      await rejects(pool.crc32(CHECK_INPUT), { Ctor: PoolDestroyedError }, 'a call after destroy()');
      fallbackWarnings = warnings;
    });
    await s.test('the page draws frames while the fallback pool copies and checksums 64 MiB, call after call', async () => {
      const pool = await createPool({ threads: 2 });
      try {
        const big = fillRandom(new Uint8Array(64 << 20), 0xf4a3e);
        const want = refCrc32(big);
        const r = await callsUntilFrames(() => pool.crc32(big), { lanes: 1 });
        assert(r.values.length >= 1 && r.frames >= 3, `${r.values.length} calls, ${r.frames} frames`);
        equal(r.values.filter((v) => v !== want).length, 0, 'calls whose crc32 differs from the JS reference');
      } finally {
        await pool.destroy();
      }
    });
    const hashPool = await createPool({ threads: 2 });
    await hashChecks(s, hashPool, 'fallback pool');
    await hashPool.destroy();
    await s.test('the fallback is announced by one console warning that mentions cross-origin isolation', async () => {
      assert(fallbackWarnings, 'the fallback pool did not start');
      assert(fallbackWarnings.length === 1 && ISOLATION.test(fallbackWarnings[0]),
        `one warning that mentions cross-origin isolation (got ${JSON.stringify(fallbackWarnings)})`);
    });
  }

  await s.test('loadCore() still works', async () => {
    const core = await loadCore();
    equal(core.crc32(CHECK_INPUT), CHECK.crc32, 'core.crc32');
    equal(core.crc32c(CHECK_INPUT), CHECK.crc32c, 'core.crc32c');
    const v = core.alloc(100);
    assert(!(v.buffer instanceof (globalThis.SharedArrayBuffer ?? class {})), 'the core heap is not shared');
    core.free(v);
  });

  return s.results;
}
