// The user's own module Web Worker: imports parawasm and uses the core,
// whose kernels are synchronous there.
import { loadCore } from 'parawasm';

const corePromise = loadCore();

self.onmessage = async ({ data: input }) => {
  try {
    const core = await corePromise;
    const check = core.crc32(new TextEncoder().encode('123456789'));
    const view = core.alloc(input.length); // the core's own heap: no copy per call
    view.set(input);
    const result = { check, input: core.crc32(input), alloc: core.crc32(view), isolated: self.crossOriginIsolated === true };
    core.free(view);
    self.postMessage(result);
  } catch (e) {
    self.postMessage({ error: String(e?.stack ?? e) });
  }
};
