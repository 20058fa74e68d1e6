// Test e: the esbuild bundle of bundle/entry.js (made by run.mjs) as a
// module worker. It fetches its wasm relative to its own URL.
import { runWorker, Suite } from '../lib/runner.js';

export async function run({ url = '/bundle/js/worker.js' } = {}) {
  const s = new Suite();
  try {
    s.add(await runWorker(url, { type: 'module' }));
  } catch (e) {
    s.fail('bundled core in a module worker', e);
  }
  return s.results;
}
