// Browser adapter (pages and Web Workers, directly or through a bundler).
// The URLs are written out literally so that bundlers can see the files.
import { ParawasmError } from './errors.js';

// What to do when one of parawasm's files is not served where its URL says.
const BUNDLER_HINT = "parawasm's files must be served at the URLs that its code computes from its own " +
  "(new URL(..., import.meta.url)): vite emits them by itself; esbuild does not, see parawasm's README, " +
  'section "esbuild"';

const FILES = {
  'parawasm.wasm': new URL('../wasm/parawasm.wasm', import.meta.url),
  'parawasm-mt.wasm': new URL('../wasm/parawasm-mt.wasm', import.meta.url),
  'parawasm-mt.worker.js': new URL('../wasm/parawasm-mt.worker.js', import.meta.url),
  'parawasm-mt.js': new URL('../wasm/parawasm-mt.js', import.meta.url),
};
const compiled = new Map();
let threadScript = null;

/**
 * URL of the pthread workers' script. A bundler may inline it as a data:
 * URL (vite does for files under 4 KiB); a worker started from one has an
 * opaque origin and cannot load the glue, so it gets a blob: URL instead,
 * which has the page's origin.
 */
function threadScriptUrl() {
  if (threadScript) return threadScript;
  const url = String(FILES['parawasm-mt.worker.js']);
  if (!url.startsWith('data:')) return (threadScript = url);
  const comma = url.indexOf(',');
  const body = url.slice(comma + 1);
  const bytes = url.slice(0, comma).endsWith(';base64')
    ? Uint8Array.from(atob(body), (c) => c.charCodeAt(0))
    : new TextEncoder().encode(decodeURIComponent(body));
  return (threadScript = URL.createObjectURL(new Blob([bytes], { type: 'text/javascript' })));
}

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
  return WebAssembly.compile(await res.arrayBuffer());
}

export const browserEnv = {
  name: 'browser',
  loadHint: '', // (the errors of compileFrom() say what to do)

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
    if (!compiled.has(build)) {
      const p = compileFrom(FILES[`${build}.wasm`]);
      p.catch(() => compiled.delete(build));
      compiled.set(build, p);
    }
    return compiled.get(build);
  },

  async glue(build) {
    const m = build === 'parawasm-mt' ? await import('../wasm/parawasm-mt.mjs') : await import('../wasm/parawasm.mjs');
    return m.default;
  },

  moduleOptions(build) {
    const opts = {
      locateFile: (f) => (f === 'parawasm-mt.worker.js' ? threadScriptUrl() : String(FILES[f] ?? new URL(f, FILES['parawasm.wasm']))),
    };
    // pthread workers load the classic glue with importScripts()
    if (build === 'parawasm-mt') opts.mainScriptUrlOrBlob = String(FILES['parawasm-mt.js']);
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
      onError(e?.message || `${worker.pwScript ?? threadScriptUrl()} did not load or run (the browser gives no ` +
        'detail: check that this URL serves the file)');
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
    // `new Worker(new URL('./…', import.meta.url))` is written out so that
    // bundlers find the worker and put in the URL of what they emit; this
    // local Worker records that URL for error messages
    let url = '';
    const Worker = class extends globalThis.Worker {
      constructor(u, options) {
        url = String(u);
        super(u, options);
      }
    };
    const worker = new Worker(new URL('./fallback-worker.js', import.meta.url), { type: 'module' });
    worker.pwScript = url;
    return new Promise((resolve, reject) => {
      worker.onmessage = () => resolve(worker);
      worker.onerror = async (e) => {
        e.preventDefault?.();
        worker.terminate();
        const why = e.message || await scriptProblem(url);
        reject(new ParawasmError(`createPool: the pool's worker failed to start: ${why}`, 'ERR_PW_LOAD'));
      };
    });
  },
};
