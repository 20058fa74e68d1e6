// The user's own module Web Worker: loads the core, whose kernels are
// synchronous here, and answers with the digest of the image's edges.
import { loadCore } from '../pkg/browser.js';

const corePromise = loadCore();

self.onmessage = async ({ data: { image, width, height } }) => {
  try {
    const core = await corePromise;
    const src = core.alloc(image.length); // the core's heap: kernels read it without a copy
    const dst = core.alloc(image.length);
    src.set(image);
    core.edges(src, dst, { width, height });
    const d = await crypto.subtle.digest('SHA-256', dst.slice());
    core.free(src);
    core.free(dst);
    self.postMessage({ edges: Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, '0')).join('') });
  } catch (e) {
    self.postMessage({ error: String(e?.stack ?? e) });
  }
};
