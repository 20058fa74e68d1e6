// Browser adapter (pages and Web Workers, directly or through a bundler).
// A package's browser entry (generated) passes its files as literal
// `new URL('./wasm/<name>.wasm', import.meta.url)` expressions and literal
// dynamic imports, so that bundlers see and copy them.
const compiled = new Map(); // wasm URL -> Promise<WebAssembly.Module>

async function compileFrom(url) {
  if (typeof WebAssembly.compileStreaming === 'function') {
    try {
      return await WebAssembly.compileStreaming(fetch(url));
    } catch {
      // wrong MIME type from the server: fall back to bytes
    }
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`cannot fetch ${url}: HTTP ${res.status}`);
  return WebAssembly.compile(await res.arrayBuffer());
}

/**
 * URL of the pthread workers' script. A bundler may inline it as a data:
 * URL (vite does for files under 4 KiB); a worker started from one has an
 * opaque origin and cannot load the glue, so it gets a blob: URL instead,
 * which has the page's origin.
 */
function scriptUrl(url) {
  const s = String(url);
  if (!s.startsWith('data:')) return s;
  const comma = s.indexOf(',');
  const body = s.slice(comma + 1);
  const bytes = s.slice(0, comma).endsWith(';base64')
    ? Uint8Array.from(atob(body), (c) => c.charCodeAt(0))
    : new TextEncoder().encode(decodeURIComponent(body));
  return URL.createObjectURL(new Blob([bytes], { type: 'text/javascript' }));
}

/**
 * The environment of a package from its files:
 *   { st: { wasm, glue }, mt: { wasm, glue, worker, script }, fallbackWorker }
 * wasm/worker/script are URLs; glue() imports a build's ES module glue;
 * fallbackWorker() starts the package's fallback worker (a module Worker).
 */
export function makeBrowserEnv(files) {
  let threadScript = null;
  return {
    name: 'browser',

    describe(build) {
      return String(files[build].wasm);
    },

    defaultThreads() {
      return (typeof navigator !== 'undefined' && navigator.hardwareConcurrency) || 4;
    },

    sharedMemoryError() {
      // browsers remove SharedArrayBuffer from pages that are not isolated:
      // say how to isolate the page rather than only that it is missing
      if (globalThis.crossOriginIsolated !== true) {
        return 'the page is not cross-origin isolated (serve it with the headers ' +
          '"Cross-Origin-Opener-Policy: same-origin" and "Cross-Origin-Embedder-Policy: require-corp")';
      }
      if (typeof SharedArrayBuffer !== 'function') return 'SharedArrayBuffer is not available here';
      return null;
    },

    compile(build) {
      const url = String(files[build].wasm);
      if (!compiled.has(url)) {
        const p = compileFrom(url);
        p.catch(() => compiled.delete(url));
        compiled.set(url, p);
      }
      return compiled.get(url);
    },

    async glue(build) {
      return (await files[build].glue()).default;
    },

    moduleOptions(build) {
      const f = files[build];
      const opts = {
        locateFile: (name) => {
          if (name.endsWith('.worker.js') && f.worker) return (threadScript ??= scriptUrl(f.worker));
          return String(new URL(name, f.wasm));
        },
      };
      // pthread workers load the classic glue with importScripts()
      if (f.script) opts.mainScriptUrlOrBlob = String(f.script);
      return opts;
    },

    keepAlive() {
      return { ref() {}, unref() {} };
    },
    clearKeepAlive() {},

    hookWorker(worker, onError) {
      worker.onerror = (e) => {
        e.preventDefault?.();
        onError(e?.message ?? String(e));
      };
    },

    terminateWorker(worker) {
      worker.terminate();
    },

    /** A module worker running the core, for a pool without shared memory. */
    startFallbackWorker() {
      let worker;
      try {
        worker = files.fallbackWorker();
      } catch (e) {
        return Promise.reject(new Error(`the pool's worker could not be created: ${e.message}`));
      }
      return new Promise((resolve, reject) => {
        worker.onmessage = () => resolve(worker);
        worker.onerror = (e) => {
          e.preventDefault?.();
          worker.terminate();
          reject(new Error(`the pool's worker failed to start${e.message ? `: ${e.message}` : ''}; ` +
            "its script (the package's fallback-worker.js) did not load. With a bundler, the package's " +
            'wasm/ files and fallback-worker.js must be served beside the bundle: see the README section on bundlers'));
        };
      });
    },
  };
}
