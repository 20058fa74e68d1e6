// Test b: the core on the page's main thread.
import { coreChecks } from '../lib/core-checks.js';
import { Suite } from '../lib/runner.js';

export async function run({ lib = '/pkg/lib/browser.js' } = {}) {
  let api;
  try {
    api = await import(lib);
  } catch (e) {
    const s = new Suite('main thread');
    s.fail(`import ${lib}`, e);
    return s.results;
  }
  return coreChecks(api, 'main thread');
}
