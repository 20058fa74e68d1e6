// A tiny test runner for pages and workers: each test is an async function;
// results are plain objects ({ name, ok, ms, message }) so that they cross
// postMessage and page.evaluate unchanged. Its time limits are hang guards
// (HANG_MS), never speed limits: a slow or loaded machine must not fail a
// test.
import { HANG_MS } from '../../lib/hold.js';

export { HANG_MS };

/** Rejects after `ms` with a clear message, unless `promise` settles first. */
export function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function errorText(e) {
  if (e instanceof Error) {
    const head = `${e.name}: ${e.message}`;
    const stack = e.stack && !e.stack.startsWith(head) ? `\n${e.stack}` : (e.stack ? e.stack.slice(head.length) : '');
    return head + stack.split('\n').slice(0, 6).join('\n');
  }
  return String(e);
}

/**
 * Progress lines for run.mjs, which reads the page's console (workers'
 * console messages reach it too): if a suite hangs, it can still report
 * what finished and which test was running.
 */
export const PROGRESS_TAG = '[pw-progress]';
function progress(kind, data) {
  console.debug(`${PROGRESS_TAG} ${JSON.stringify({ kind, ...data })}`);
}

export class Suite {
  /** `prefix` names where the suite runs, e.g. "worker" or "page". */
  constructor(prefix = '') {
    this.prefix = prefix;
    this.results = [];
  }

  /** Runs one test; never throws. Returns true if it passed. */
  async test(name, fn, { timeout = HANG_MS } = {}) {
    const full = this.prefix ? `${this.prefix}: ${name}` : name;
    const t0 = performance.now();
    progress('start', { name: full });
    let r;
    try {
      await withTimeout(Promise.resolve().then(fn), timeout, full);
      r = { name: full, ok: true, ms: Math.round(performance.now() - t0) };
    } catch (e) {
      r = { name: full, ok: false, ms: Math.round(performance.now() - t0), message: errorText(e) };
    }
    this.results.push(r);
    progress('result', r);
    return r.ok;
  }

  /** Records a failure that is not a test of its own (a suite that cannot start). */
  fail(name, e) {
    this.results.push({ name: this.prefix ? `${this.prefix}: ${name}` : name, ok: false, ms: 0, message: errorText(e) });
  }

  /** Imports the module at `url`; on failure records it and resolves to null. */
  async import(url) {
    try {
      return await import(url);
    } catch (e) {
      this.fail(`import ${url}`, e);
      return null;
    }
  }

  /** Adds results reported from elsewhere (a worker). */
  add(results) {
    for (const r of results) this.results.push({ ...r, name: this.prefix ? `${this.prefix}: ${r.name}` : r.name });
  }
}

export class AssertionError extends Error {
  constructor(message) {
    super(message);
    this.name = 'AssertionError';
  }
}

const show = (v) => {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return `${v} (0x${v.toString(16)})`;
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'string') return JSON.stringify(v);
  return String(v);
};

export function assert(cond, message = 'assertion failed') {
  if (!cond) throw new AssertionError(message);
}

export function equal(actual, expected, message = 'values differ') {
  if (!Object.is(actual, expected)) {
    throw new AssertionError(`${message}: got ${show(actual)}, expected ${show(expected)}`);
  }
}

export function bytesEqual(actual, expected, message = 'bytes differ') {
  equal(actual.length, expected.length, `${message} (length)`);
  for (let i = 0; i < actual.length; i++) {
    if (actual[i] !== expected[i]) throw new AssertionError(`${message}: first difference at byte ${i}: ${actual[i]} vs ${expected[i]}`);
  }
}

/**
 * Checks an error: `Ctor` (instanceof), and optional `code` and `match`
 * (a RegExp the message must match). Returns the error.
 */
export function checkError(e, { Ctor, code, match, name } = {}, what = 'error') {
  if (Ctor && !(e instanceof Ctor)) {
    throw new AssertionError(`${what}: expected a ${Ctor.name}, got ${e?.constructor?.name ?? typeof e}: ${e?.message ?? e}`);
  }
  if (name !== undefined) equal(e?.name, name, `${what}: name`);
  if (code !== undefined) equal(e?.code, code, `${what}: code (message: ${e?.message})`);
  if (match && !match.test(String(e?.message))) {
    throw new AssertionError(`${what}: message ${JSON.stringify(e?.message)} does not match ${match}`);
  }
  return e;
}

export function throws(fn, expected, what = 'call') {
  let threw = false;
  let err;
  try {
    fn();
  } catch (e) {
    threw = true;
    err = e;
  }
  if (!threw) throw new AssertionError(`${what}: expected it to throw`);
  return checkError(err, expected, what);
}

export async function rejects(promise, expected, what = 'call') {
  let value;
  try {
    value = await promise;
  } catch (e) {
    return checkError(e, expected, what);
  }
  throw new AssertionError(`${what}: expected a rejection, but it resolved to ${show(value)}`);
}

/**
 * Runs a worker that posts { results } (or { error }) once, and resolves to
 * its results. A worker that fails to load or throws is reported as a
 * rejection with the reason, never a hang (timeout).
 */
export function runWorker(url, options, timeout = HANG_MS, message = undefined) {
  return new Promise((resolve, reject) => {
    let worker;
    const timer = setTimeout(() => {
      worker?.terminate();
      reject(new Error(`worker ${url} sent no results within ${timeout} ms`));
    }, timeout);
    const done = (fn, v) => {
      clearTimeout(timer);
      worker.terminate();
      fn(v);
    };
    try {
      worker = new Worker(url, options);
    } catch (e) {
      clearTimeout(timer);
      reject(e);
      return;
    }
    worker.onmessage = (e) => {
      const d = e.data;
      if (d && Array.isArray(d.results)) done(resolve, d.results);
      else if (d && d.error) done(reject, new Error(`worker ${url}: ${d.error}`));
    };
    worker.onerror = (e) => {
      e.preventDefault?.();
      const where = e.filename ? ` at ${e.filename}:${e.lineno}` : '';
      done(reject, new Error(`worker ${url} failed to load or threw: ${e.message || '(no message: a module worker ' +
        'that cannot be fetched or parsed, e.g. a 404 or a syntax/import error)'}${where}`));
    };
    worker.onmessageerror = () => done(reject, new Error(`worker ${url}: a message could not be deserialized`));
    if (message !== undefined) worker.postMessage(message);
  });
}
