// Run by members.test.js: prints, as JSON, the names the core and the pool
// of this process have besides their kernels (own and inherited, up to
// Object.prototype). In a process without SharedArrayBuffer (Node's
// --import ../../runtimes/no-sab-preload.mjs) the pool is the fallback
// pool. Not a test file itself.
import { createPool, loadCore } from '../../../pkg/index.js';
import * as testpkg from '../../../build/testpkg/index.js';

/** Every property name of `o` and its prototypes, Object.prototype's left out. */
export function namesOf(o) {
  const names = new Set();
  for (let p = o; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const k of Object.getOwnPropertyNames(p)) if (k !== 'constructor') names.add(k);
  }
  return names;
}

/** The JS names kernels are installed under (top-level names and namespaces). */
export const kernelNames = (obj) => new Set(obj.$kernels.specs.filter((s) => !s.internal).map((s) => s.ns || s.name));

export async function members() {
  const core = await loadCore();
  const pool = await createPool({ threads: 1 });
  const k = kernelNames(core);
  const out = {
    isShared: pool.isShared,
    core: [...namesOf(core)].filter((n) => !k.has(n)).sort(),
    pool: [...namesOf(pool)].filter((n) => !k.has(n)).sort(),
  };
  await pool.destroy();
  return out;
}

/**
 * The test package's kernels named run and heap (2x + 1, 3x) called on a
 * core and a pool, with a call of another kernel and an alloc()/free() of
 * each beside them.
 */
export async function named() {
  const core = await testpkg.loadCore();
  const pool = await testpkg.createPool({ threads: 1 });
  const v = pool.alloc(16, Uint32Array);
  v.set([1, 2, 3, 4]);
  const results = {
    coreRun: core.run(20),
    coreHeap: core.heap(20),
    poolRun: await pool.run(20),
    poolHeap: await pool.heap(20),
    sum: Number(await pool.testSumU32(v)),
  };
  pool.free(v);
  core.free(core.alloc(64));
  results.freed = true;
  const out = { isShared: pool.isShared, results };
  await pool.destroy();
  return out;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  process.stdout.write(JSON.stringify(process.argv[2] === 'named' ? await named() : await members()));
}
