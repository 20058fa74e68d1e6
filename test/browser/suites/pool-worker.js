// Test c (continued): the pool run from a module worker instead of the page.
import { runWorker, Suite } from '../lib/runner.js';

export async function run({ lib = '/testpkg/browser.js' } = {}) {
  const s = new Suite();
  try {
    s.add(await runWorker(`/test/workers/pool-worker.js?lib=${encodeURIComponent(lib)}`, { type: 'module' }));
  } catch (e) {
    s.fail('pool in a module worker', e);
  }
  return s.results;
}
