// Test b: the core on the page's main thread.
import { coreChecks } from '../lib/core-checks.js';
import { Suite } from '../lib/runner.js';

export async function run({ lib = '/pkg/browser.js' } = {}) {
  const s = new Suite('main thread');
  const api = await s.import(lib);
  if (!api) return s.results;
  return coreChecks(api, 'main thread');
}
