// Module worker: loads parawasm's browser entry (the ?lib= URL, by default
// /pkg/browser.js) and runs the core checks here, off the main thread.
import { coreChecks } from '../lib/core-checks.js';
import { equal, Suite } from '../lib/runner.js';

const lib = new URL(self.location.href).searchParams.get('lib') ?? '/pkg/browser.js';

try {
  const s = new Suite('module worker');
  await s.test('runs as a module worker (no window, no document)', () => {
    equal(typeof window, 'undefined', 'typeof window');
    equal(typeof document, 'undefined', 'typeof document');
    equal(typeof import.meta.url, 'string', 'import.meta.url');
  });
  const api = await import(lib);
  const results = [...s.results, ...await coreChecks(api, 'module worker')];
  self.postMessage({ results });
} catch (e) {
  self.postMessage({ error: `could not run the core checks with ${lib}: ${e?.stack ?? e}` });
}
