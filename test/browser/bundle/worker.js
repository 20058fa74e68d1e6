// The "user's worker" of the bundler test: imports parawasm's browser entry
// by its path in the package, and is bundled by run.mjs with esbuild
// (--bundle --format=esm) into build/browser-bundle/js/worker.js.
import * as api from '../../../pkg/browser.js';
import { coreChecks } from '../lib/core-checks.js';

coreChecks(api, 'bundle').then(
  (results) => postMessage({ results }),
  (e) => postMessage({ error: String(e?.stack ?? e) }),
);
