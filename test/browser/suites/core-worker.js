// Test a: the core in a module Web Worker that imports the browser entry.
import { runWorker, Suite } from '../lib/runner.js';

export async function run({ lib = '/pkg/browser.js' } = {}) {
  const s = new Suite();
  try {
    s.add(await runWorker(`/test/workers/core-worker.js?lib=${encodeURIComponent(lib)}`, { type: 'module' }));
  } catch (e) {
    s.fail('core in a module worker', e);
  }
  return s.results;
}
