// Browser adapter (pages and Web Workers, directly or through a bundler).
// A package's browser entry (generated) passes its files as literal
// `new URL('./wasm/<name>.wasm', import.meta.url)` expressions and literal
// dynamic imports, so that bundlers see and copy them.
import { ParawasmError } from './errors.js';

const compiled = new Map(); // wasm URL -> Promise<WebAssembly.Module>

// What to do when one of a package's files is not served where its URL says.
const BUNDLER_HINT = "the package's files must be served at the URLs that its code computes from its own " +
  '(new URL(..., import.meta.url)): vite emits them by itself; esbuild does not, see parawasm\'s README, ' +
  'section "esbuild"';

/**
 * Why a worker script at `url` did not start, where the browser's error
 * event says nothing (a 404 or a blocked script): the URL and its HTTP
 * status, and what to do.
 */
async function scriptProblem(url) {
  try {
    const res = await fetch(url);
    if (!res.ok) return `${url} answered HTTP ${res.status}; ${BUNDLER_HINT}`;
    return `${url} loads but did not run (the browser gives no detail: see its console; a ` +
      'Content-Security-Policy must allow it as a worker)';
  } catch (e) {
    return `${url} could not be fetched (${e?.message ?? e}); ${BUNDLER_HINT}`;
  }
}

async function compileFrom(url) {
  if (typeof WebAssembly.compileStreaming === 'function') {
    try {
      return await WebAssembly.compileStreaming(fetch(url));
    } catch {
      // wrong MIME type from the server: fall back to bytes
    }
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`cannot fetch ${url}: HTTP ${res.status}; ${BUNDLER_HINT}`);
  const bytes = await res.arrayBuffer();
  // a page instead of the file: a dev server's answer for a path it does
  // not have (vite's dependency optimizer moves a package's modules away
  // from its files)
  const head = new Uint8Array(bytes, 0, Math.min(4, bytes.byteLength));
  if (head[0] === 0x3c) {
    throw new Error(`${url} answered with an HTML page, not the wasm file: ${BUNDLER_HINT}; with vite's dev server, ` +
      "add the package to optimizeDeps.exclude (see parawasm's README, section \"Cross-origin isolation\")");
  }
  return WebAssembly.compile(bytes);
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
 * fallbackWorker() starts the package's fallback worker: `new
 * Worker(new URL('./<name>-fallback-worker.js', import.meta.url), { type:
 * 'module' })`, written out with the global Worker so that bundlers find the
 * worker and put in the URL of what they emit (webpack bundles it only if
 * `Worker` is the global, not a parameter, and otherwise copies the file
 * unbundled).
 */
export function makeBrowserEnv(files) {
  let threadScript = null;
  return {
    name: 'browser',
    loadHint: () => '', // (the errors of compileFrom() say what to do)

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

    /** Browsers settle an Atomics.waitAsync promise as soon as it is notified. */
    waitAsyncWakes() {
      return true;
    },

    keepAlive() {
      return { ref() {}, unref() {} };
    },
    clearKeepAlive() {},

    hookWorker(worker, onError) {
      worker.onerror = (e) => {
        e.preventDefault?.();
        // an error event without a message: the script did not load or run
        onError(e?.message || `${worker.pwScript ?? threadScript ?? String(files.mt.script)} did not load or run ` +
          '(the browser gives no detail: check that this URL serves the file)');
      };
    },

    terminateWorker(worker) {
      worker.terminate();
    },

    /** Routes the data of every message from a fallback worker to onData. */
    onWorkerMessage(worker, onData) {
      worker.onmessage = (e) => onData(e.data);
    },

    /** A module worker running the core, for a pool without shared memory. */
    startFallbackWorker() {
      // a Worker that records the URL it is started with, for error messages
      let url = '';
      const Recording = class extends globalThis.Worker {
        constructor(u, options) {
          url = String(u);
          super(u, options);
        }
      };
      // the global Worker is Recording for the one synchronous call that
      // starts the worker (the URL, which a bundler may have rewritten, is
      // known only to that expression)
      // (only where Worker is a plain writable property: elsewhere the
      // error messages go without the URL)
      const Global = globalThis.Worker;
      const d = Object.getOwnPropertyDescriptor(globalThis, 'Worker');
      const swap = d !== undefined && 'value' in d && d.writable === true;
      let worker;
      try {
        if (swap) globalThis.Worker = Recording;
        worker = files.fallbackWorker();
      } catch (e) {
        return Promise.reject(new ParawasmError(`createPool: the pool's worker could not be created: ${e.message}`, 'ERR_PW_LOAD'));
      } finally {
        if (swap) globalThis.Worker = Global;
      }
      worker.pwScript = url;
      return new Promise((resolve, reject) => {
        worker.onmessage = (e) => {
          worker.pwReady = { ...e.data, url };
          resolve(worker);
        };
        worker.onerror = async (e) => {
          e.preventDefault?.();
          worker.terminate();
          const why = e.message || (url ? await scriptProblem(url) : 'the browser gives no detail: see its console');
          reject(new ParawasmError(`createPool: the pool's worker failed to start: ${why}`, 'ERR_PW_LOAD'));
        };
      });
    },
  };
}
