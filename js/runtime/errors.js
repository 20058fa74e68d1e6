// Error classes and argument checks shared by the core and the pool.
//
// Every error parawasm throws carries a `code`. Bad arguments are the
// built-in TypeError (wrong kind of value) and RangeError (right kind, bad
// value), with Node-style codes; everything else is a ParawasmError or one
// of its subclasses, so `err instanceof ParawasmError` catches them all.
//
// One set of classes per JS realm: parawasm and every package built with
// `parawasm build` carry their own copy of this runtime (and its ESM and
// CommonJS builds are two copies again), yet their errors must be
// `instanceof` one another's classes. The first copy to load registers its
// classes under a global symbol; later copies use those.

const REGISTRY = Symbol.for('parawasm.errors.v1');

function defineClasses() {
  /** Base class of parawasm's own errors. */
  class ParawasmError extends Error {
    constructor(message, code = 'ERR_PW', options) {
      super(message, options);
      this.name = 'ParawasmError';
      this.code = code;
    }
  }

  /** A call was aborted through its AbortSignal. `cause` is the signal's reason. */
  class AbortError extends ParawasmError {
    constructor(message = 'The operation was aborted', options) {
      super(message, 'ABORT_ERR', options);
      this.name = 'AbortError';
    }
  }

  /** A kernel trapped or aborted on a pool thread; the pool is unusable. */
  class PoolCrashedError extends ParawasmError {
    constructor(message, options) {
      super(message, 'ERR_PW_POOL_CRASHED', options);
      this.name = 'PoolCrashedError';
    }
  }

  /** The pool was destroyed before the call finished, or is used after destroy(). */
  class PoolDestroyedError extends ParawasmError {
    constructor(message = 'the pool has been destroyed', options) {
      super(message, 'ERR_PW_POOL_DESTROYED', options);
      this.name = 'PoolDestroyedError';
    }
  }

  const all = { ParawasmError, AbortError, PoolCrashedError, PoolDestroyedError };
  // the names are set, not left to the declarations: a bundler that renames
  // a class (the CommonJS build's esbuild made it ParawasmError2) would
  // change what util.inspect and uncaught traces print
  for (const [name, C] of Object.entries(all)) Object.defineProperty(C, 'name', { value: name });
  return Object.freeze(all);
}

const classes = globalThis[REGISTRY] ?? defineClasses();
if (!globalThis[REGISTRY]) {
  Object.defineProperty(globalThis, REGISTRY, { value: classes, configurable: false, enumerable: false, writable: false });
}

export const { ParawasmError, AbortError, PoolCrashedError, PoolDestroyedError } = classes;

export function typeError(message) {
  const e = new TypeError(message);
  e.code = 'ERR_INVALID_ARG_TYPE';
  return e;
}

export function rangeError(message) {
  const e = new RangeError(message);
  e.code = 'ERR_OUT_OF_RANGE';
  return e;
}

/** An options object: a plain object, not a view, ArrayBuffer or other class instance. */
export function isPlainObject(v) {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  if (proto === Object.prototype || proto === null) return true;
  // another realm's Object.prototype (a vm context, an iframe, a test
  // runner's sandbox): the root of the chain, its constructor Object
  if (Object.getPrototypeOf(proto) !== null) return false;
  const c = Object.getOwnPropertyDescriptor(proto, 'constructor');
  return c !== undefined && typeof c.value === 'function' && c.value.name === 'Object';
}

/** "a" or "an" before a type's name in a message: an Int32Array, a Uint8Array, a Float64Array. */
export function article(name) {
  return /^(Int|[AEIO])/.test(name) ? 'an' : 'a';
}

/** A short description of a value for error messages. */
export function describe(v) {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'bigint') return `bigint ${v}n`;
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}...` : v)}`;
  if (typeof v === 'number') return `number ${v}`;
  if (typeof v === 'function') return `function ${v.name || '(anonymous)'}`;
  if (ArrayBuffer.isView(v)) return `${v[Symbol.toStringTag] ?? 'DataView'} of ${v.byteLength} byte${v.byteLength === 1 ? '' : 's'}`;
  if (typeof v === 'object') {
    const name = v.constructor?.name ?? 'Object';
    return name === 'Object' && !isPlainObject(v) ? 'an object whose prototype is another object, not Object.prototype' : `an instance of ${name}`;
  }
  return `${typeof v} ${String(v)}`;
}

/** Checks that n is an integer in [min, max]; `what` names it in the error. */
export function checkInteger(n, what, min, max) {
  if (typeof n !== 'number') throw typeError(`${what} must be a number (got ${describe(n)})`);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw rangeError(`${what} must be an integer from ${min} to ${max} (got ${n})`);
  }
  return n;
}
