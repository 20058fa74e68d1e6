// Node's --import for checks.cjs's "no-sab" mode: the main thread has no
// SharedArrayBuffer from the start. (Node creates a SharedArrayBuffer of its
// own from that global when it starts its first worker, so removing it later
// would break every worker_threads worker, parawasm's fallback worker too;
// workers keep theirs, as a page's workers do.)
import { isMainThread } from 'node:worker_threads';

if (isMainThread) delete globalThis.SharedArrayBuffer;
