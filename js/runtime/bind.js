// Turns a package's generated kernel bundle (gen/kernels.js: specs, status
// codes, ABI hash) into argument checks, task-record writes and result
// reads. One driver serves every kernel; the core runs a prepared call at
// once, the pool queues it.
import { AbortError, ParawasmError, article, describe, isPlainObject, rangeError, typeError } from './errors.js';
import { blockOf, checkLive, checkWritable, detachedError, freedError, isDetached, memoryOf } from './memory.js';
import { INT_RANGE } from './scalars.js';

export const PW_ECANCELED = -3;

// The views each element type takes (by Symbol.toStringTag).
const ELEM_TAGS = {
  u8: ['Uint8Array', 'Uint8ClampedArray'], char: ['Uint8Array'], i8: ['Int8Array'], u16: ['Uint16Array'],
  i16: ['Int16Array'], u32: ['Uint32Array'], i32: ['Int32Array'], u64: ['BigUint64Array'],
  i64: ['BigInt64Array'], f32: ['Float32Array'], f64: ['Float64Array'],
};
export const ELEM_SIZE = { bytes: 1, u8: 1, char: 1, i8: 1, u16: 2, i16: 2, u32: 4, i32: 4, u64: 8, i64: 8, f32: 4, f64: 8 };
const U64_MAX = (1n << 64n) - 1n;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;
const MAX_COUNT = 2 ** 32 - 1; // elements of one buffer (wasm32)
const RESULT_ARRAY = {
  u8: Uint8Array, i8: Int8Array, u16: Uint16Array, i16: Int16Array, u32: Uint32Array, i32: Int32Array,
  u64: BigUint64Array, i64: BigInt64Array, f32: Float32Array, f64: Float64Array,
};
const utf8 = new TextEncoder();
const utf8d = new TextDecoder();
// Bytes of a pw_result in wasm32: data pointer, size.
const RESULT_STRUCT = 8;

/** Task record layout, as pw_task_layout() reports it (src/runtime/task.c). */
export function readTaskLayout(heap, ptr) {
  const a = heap.views().u32.subarray(ptr >>> 2, (ptr >>> 2) + 15);
  return {
    size: a[0], state: a[1], cancel: a[2], kernel: a[3], status: a[4], ret: a[5], args: a[6],
    maxArgs: a[7], kernelCount: a[8], abi: a[9], flags: a[10], progressDone: a[11], progressTotal: a[12],
    message: a[13], messageMax: a[14],
  };
}

/**
 * The word offsets in a task record of the fields the generated fast paths
 * write and read (gen/kernels.js, FAST_CORE and FAST_POOL).
 */
export function taskWords(L) {
  return {
    $KO: L.kernel >>> 2, $SO: L.status >>> 2, $CO: L.cancel >>> 2, $FO: L.flags >>> 2, $AO: L.args >>> 2, $RO: L.ret >>> 2,
  };
}

/** The label of a kernel in messages: its JS path. */
const labelOf = (s) => (s.ns ? `${s.ns}.${s.name}` : s.name);

/**
 * One kernel's spec as the calls use it: every kernel, parameter and output
 * an object of one shape (the calls then meet one shape at every property
 * access, however many kernels run), with the labels of error messages
 * made once.
 */
function normalize(s, statuses) {
  const label = labelOf(s);
  const params = s.params.map((p) => ({
    name: p.name, kind: p.kind, elem: p.elem ?? null, type: p.type ?? null,
    default: typeof p.default === 'bigint' && p.default >= -(2n ** 53n) && p.default < 2n ** 53n ? Number(p.default) : p.default,
    chain: p.chain === true, text: p.text === true, option: p.option === true,
    fixed: p.fixed ?? -1, param: p.param ?? -1, expr: p.expr ?? null, exprText: p.lenText ?? null,
    range: p.range ?? null, alias: p.alias ?? -1,
    label: p.option ? `${label}: options.${p.name}` : `${label}: ${p.name}`,
  }));
  const outputs = s.outputs.map((o) => ({
    name: o.name, kind: o.kind, elem: o.elem, fixed: o.fixed ?? -1, expr: o.expr ?? null,
    exprText: o.lenText ?? null, size: ELEM_SIZE[o.elem],
  }));
  const cargs = s.cargs.map((c) => ({ use: c.use, arg: c.arg ?? -1, type: c.type ?? null, buffers: c.buffers ?? null, out: c.out ?? -1 }));
  const optionNames = params.filter((p) => p.option).map((p) => p.name);
  return {
    name: s.name, ns: s.ns ?? '', label, id: s.id, ret: s.ret, internal: s.internal === true, params, outputs, cargs, statuses,
    npos: params.filter((p) => !p.option).length,
    required: params.filter((p) => !p.option && p.default === undefined).length,
    optionNames,
    // one PW_RETURN result: options.out may name where it goes (a view of its type and length)
    retOut: outputs.length === 1 && outputs[0].kind === 'ret' && !optionNames.includes('out'),
    lens: cargs.map((c, i) => (c.use === 'len' ? i : -1)).filter((i) => i >= 0),
    buffers: params.map((p, i) => (p.kind !== 'scalar' ? i : -1)).filter((i) => i >= 0),
    written: params.map((p, i) => (p.kind === 'out' || p.kind === 'inout' ? i : -1)).filter((i) => i >= 0),
    chain: params.findIndex((p) => p.chain),
  };
}

/** A spec for a call that runs no kernel of its own (a family's pseudo-call on the fallback pool). */
export function makeSpec(name) {
  return normalize({ name, ns: '', id: -1, ret: 'void', params: [], outputs: [], cargs: [] }, {});
}

/**
 * A package's kernels, ready for calls: the normalized specs, by id and by
 * name, and the facts the wasm is checked against.
 */
export class KernelSet {
  constructor(bundle) {
    this.bundle = bundle;
    this.specs = bundle.KERNELS.map((s) => normalize(s, bundle.STATUS));
    // kernels that share a name (one per element type) have one label: by
    // name, the group; by id, each
    this.byName = new Map();
    for (const s of this.specs) {
      const g = this.byName.get(s.label);
      if (g) g.push(s);
      else this.byName.set(s.label, [s]);
    }
    this.byId = new Map(this.specs.map((s) => [s.id, s]));
    this.statuses = bundle.STATUS;
    this.abi = bundle.KERNEL_ABI;
  }

  /**
   * A kernel by its JS path ('crc32', 'image.blur'), internal ones included.
   * Kernels that share a name (one per element type: 'array.sort') are told
   * apart as their method does it, by the type of the first buffer in
   * `args`, the call's arguments.
   */
  /** get() for invoke(name, args) of the public API: name and args checked first. */
  forInvoke(name, args) {
    if (typeof name !== 'string') throw typeError(`invoke: name must be a kernel's name, a string (got ${describe(name)})`);
    if (!Array.isArray(args)) throw typeError(`invoke: args must be an array of the kernel's arguments (got ${describe(args)})`);
    return this.get(name, args);
  }

  get(name, args) {
    const g = this.byName.get(name);
    if (!g) throw new ParawasmError(`no kernel named ${name} in this package`, 'ERR_PW_NO_KERNEL');
    if (g.length === 1) return g[0];
    const at = g[0].buffers[0];
    const v = args?.[at];
    const tag = ArrayBuffer.isView(v) ? v[Symbol.toStringTag] : undefined;
    const s = g.find((k) => ELEM_TAGS[k.params[k.buffers[0]].elem].includes(tag));
    if (s) return s;
    const list = [...new Set(g.flatMap((k) => ELEM_TAGS[k.params[k.buffers[0]].elem]))].join(', ');
    throw typeError(`${g[0].params[at].label} must be one of ${list} (got ${describe(v)})`);
  }

  /** A kernel by its id (the one of its element type, for kernels that dispatch on it). */
  getById(id) {
    const s = this.byId.get(id);
    if (!s) throw new ParawasmError(`no kernel with id ${id} in this package`, 'ERR_PW_NO_KERNEL');
    return s;
  }

  /** Checks that the wasm module and these specs were generated from the same headers. */
  checkAbi(layout, what) {
    if (layout.abi !== this.abi || layout.kernelCount !== this.specs.length) {
      throw new ParawasmError(`${what}: the wasm module and its JS bindings come from different builds ` +
        `(kernel ABI ${layout.abi.toString(16)} vs ${this.abi.toString(16)}); rebuild the package`, 'ERR_PW_BUILD_MISMATCH');
    }
  }

  /**
   * Gives `target` (a core or a pool) every public kernel as a method, in
   * its namespace (target.image.blur): `method(spec)` returns the function
   * for one kernel. Kernels that share a name dispatch on the element type
   * of the view given for their first buffer parameter. A name that is
   * already a member of the object is refused with its name, rather than
   * silently shadowing it.
   */
  install(target, method, async) {
    const groups = new Map();
    for (const s of this.specs) {
      if (s.internal) continue;
      const key = s.label;
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(s);
    }
    for (const group of groups.values()) {
      const s0 = group[0];
      let home = target;
      if (s0.ns) {
        if (!Object.prototype.hasOwnProperty.call(target, s0.ns)) {
          if (s0.ns in target) throw nameClash(s0.ns, target);
          Object.defineProperty(target, s0.ns, { value: {}, enumerable: true });
        }
        home = target[s0.ns];
      }
      if (s0.name in home) throw nameClash(s0.label, target);
      const fn = group.length === 1 ? method(s0) : dispatcher(group, method, async);
      // configurable: a family's JS may wrap a namespace's methods (image.*)
      Object.defineProperty(home, s0.name, { value: fn, enumerable: true, configurable: s0.ns !== '' });
    }
  }
}

function nameClash(name, target) {
  return new ParawasmError(`kernel ${name} has the name of a member of parawasm's ${target.constructor.name}; ` +
    'rename the C function (or give it PW_NAME)', 'ERR_PW_KERNEL_NAME');
}

// One method for kernels that differ in the element type of their first
// buffer (bindgen checks that it is the same argument in each).
function dispatcher(group, method, async) {
  const at = group[0].buffers[0];
  const byTag = new Map();
  for (const s of group) {
    const fn = method(s);
    for (const tag of ELEM_TAGS[s.params[s.buffers[0]].elem]) if (!byTag.has(tag)) byTag.set(tag, fn);
  }
  const p = group[0].params[at];
  const list = [...byTag.keys()].join(', ');
  return (...args) => {
    const v = args[at];
    const fn = ArrayBuffer.isView(v) ? byTag.get(v[Symbol.toStringTag]) : undefined;
    if (fn !== undefined) return fn(...args);
    const e = typeError(`${p.label} must be one of ${list} (got ${describe(v)})`);
    if (async) return Promise.reject(e);
    throw e;
  };
}

/** A PW_RESULT of `bytes` bytes that are no whole number of its `size`-byte elements (a kernel's bug). */
export function resultSizeError(spec, name, bytes, size) {
  return new ParawasmError(`${spec.label}: the kernel made a result ${name} of ${bytes} bytes, ` +
    `not a whole number of ${size}-byte elements`, 'ERR_PW_KERNEL_RESULT');
}

/**
 * A fast call's written buffer, staged outside the heap, before its result
 * is copied back (the generated read's $gone): throws, naming the buffer
 * where the kernel writes one, if it went away meanwhile (checkWritable);
 * returns if it did not (an alloc() view of another heap, still live).
 */
export function writtenGone(spec, view, bytes) {
  const w = spec.params.filter((p) => p.kind === 'out' || p.kind === 'inout');
  checkWritable(view, bytes, w.length === 1 ? w[0].label : `${spec.label}: a buffer it writes`);
}

/** Checks one scalar argument; returns it as the binding stores it. */
function checkScalar(v, p) {
  const where = p.label;
  const t = p.type;
  const range = INT_RANGE[t];
  if (range) {
    if (typeof v !== 'number') throw typeError(`${where} must be a number (got ${describe(v)})`);
    if (!Number.isInteger(v) || v < range[0] || v > range[1]) {
      // (the declared range where there is one: it lies inside the type's)
      const [lo, hi] = p.range ?? range;
      throw rangeError(`${where} must be an integer from ${lo} to ${hi} (got ${v})`);
    }
  } else if (t === 'f64' || t === 'f32') {
    if (typeof v !== 'number') throw typeError(`${where} must be a number (got ${describe(v)})`);
    // a finite number beyond float's range (C leaves its conversion undefined); Infinity and NaN are floats
    if (t === 'f32' && Number.isFinite(v) && !Number.isFinite(Math.fround(v))) {
      throw rangeError(`${where} must be within float's range, ±3.4028234663852886e38 (got ${v})`);
    }
  } else if (t === 'bool') {
    if (typeof v !== 'boolean') throw typeError(`${where} must be a boolean (got ${describe(v)})`);
    return v;
  } else {
    // u64 / i64: a safe integer (kept a number: no bigint arithmetic per
    // call) or a bigint (stored as its 64-bit pattern)
    const [lo, hi] = t === 'u64' ? [0n, U64_MAX] : [I64_MIN, I64_MAX];
    if (typeof v === 'number') {
      if (!Number.isSafeInteger(v)) throw rangeError(`${where} must be a safe integer or a bigint (got ${v})`);
      if (v < 0 && t === 'u64') throw rangeError(`${where} must be from ${lo} to ${hi} (got ${v})`);
    } else if (typeof v !== 'bigint') {
      throw typeError(`${where} must be a number or a bigint (got ${describe(v)})`);
    } else if (v < lo || v > hi) {
      throw rangeError(`${where} must be from ${lo} to ${hi} (got ${v})`);
    }
  }
  if (p.range !== null) {
    // (a bigint and a number compare exactly; a 64-bit type's bounds are bigints)
    if (!(v >= p.range[0] && v <= p.range[1])) {
      throw rangeError(`${where} must be from ${p.range[0]} to ${p.range[1]} (got ${typeof v === 'bigint' ? `${v}n` : v})`);
    }
  }
  return typeof v === 'bigint' ? BigInt.asUintN(64, v) : v;
}

/** Checks a buffer argument's type (strict element types) and that it is usable. */
function checkView(v, p) {
  const where = p.label;
  if (!ArrayBuffer.isView(v)) {
    const want = p.elem === 'bytes' ? 'a TypedArray, DataView or Buffer'
      : `${article(ELEM_TAGS[p.elem][0])} ${ELEM_TAGS[p.elem].join(' or ')}${p.text ? ' or a string' : ''}`;
    throw typeError(`${where} must be ${want} (got ${describe(v)})`);
  }
  if (p.elem !== 'bytes' && !ELEM_TAGS[p.elem].includes(v[Symbol.toStringTag])) {
    throw typeError(`${where} must be ${article(ELEM_TAGS[p.elem][0])} ${ELEM_TAGS[p.elem].join(' or ')} (got ${describe(v)})`);
  }
  return checkLive(v, where);
}

/** A length from a spec (literal or expression); checks it is a count. */
export function countOf(fixed, expr, exprText, values, L, where) {
  if (fixed >= 0) return fixed;
  const n = expr(values, L);
  if (!Number.isSafeInteger(n) || n < 0 || n > MAX_COUNT) {
    // past 2^53 the double is not the exact value: said as an approximation
    const shown = Number.isFinite(n) && Math.abs(n) > Number.MAX_SAFE_INTEGER ? `about ${n.toExponential(6)}` : String(n);
    throw rangeError(`${where}: its length ${exprText} is ${shown}, which is not a count from 0 to ${MAX_COUNT}`);
  }
  return n;
}


/**
 * A call being prepared for one kernel: checks the JS arguments, places
 * buffers in the heap (in place when they already are there, else copied)
 * and writes the task record.
 */
/**
 * A runtime option: a symbol key of a call's options object (which
 * for-in, Object.keys and structured cloning do not see, and no user code
 * can name) whose value a successful call settles with instead of the
 * kernel's; a Mapped there makes it settle with its map of the kernel's
 * value. The families' calls on the threaded pool use it to return the
 * kernel call's own promise with their result (the image into
 * options.dst, array.min's { min, argmin }), where a promise derived with
 * `then` would cost its closures (about 300 bytes a call).
 */
export const RESULT = Symbol('parawasm: the value a call settles with');

/**
 * RESULT's value for a call that settles with fn(value, arg) of its kernel's
 * value. A `transient` fn reads its value at once and keeps nothing of it
 * (image.stats' numbers): a call with one PW_RETURN output then gives it a
 * view of the result where the kernel wrote it, not a copy (a typed array
 * over 64 bytes has a backing store of its own to allocate and collect:
 * about a microsecond).
 */
export class Mapped {
  constructor(fn, arg, transient = false) {
    this.fn = fn;
    this.arg = arg;
    this.transient = transient;
  }
}

/** What a successful call with RESULT `result` settles with, its kernel's value being `value`. */
export const settledWith = (result, value) => (result instanceof Mapped ? result.fn(value, result.arg) : result);

export class Call {
  constructor(spec, heap) {
    this.spec = spec;
    this.heap = heap;
    const n = spec.params.length;
    this.values = new Array(n); // scalar values / views, by JS parameter
    this.ptrs = new Array(n); // heap address of each buffer
    this.bytes = new Array(n); // byte length of each buffer, taken at check()
    this.L = new Array(spec.cargs.length); // values of the length parameters, by C index
    this.outCounts = new Array(spec.outputs.length); // elements of each PW_RETURN output
    this.outPtrs = new Array(spec.outputs.length); // heap address of each output (a pw_result for PW_RESULT)
    this.outLength = 0; // options.out's elements (a detached view reports 0)
    // (lists with a count, which a reused call keeps with their room)
    this.temps = []; // addresses this call allocated (freed by release()): the first nTemps
    this.copies = []; // indices of the buffers copied in: the first nCopies
    this.pinned = []; // alloc() blocks this call uses in place (pool): the first nPinned
    this.next = 0; // free arena space: [next, end)
    this.end = 0;
    this.task = 0; // its task record's address (pool)
    this.idle = false; // a pool's slot may hand it to a new call (Pool.newCall())
    this.bj = 0; // its index in its batch
    this.reuse();
  }

  /**
   * Makes a call ready for its (next) use: the constructor's, and a
   * finished call's (the core reuses one per kernel, the threaded pool one
   * per task slot). Holds no reference to the last call's views or options.
   */
  reuse() {
    this.values.fill(undefined);
    this.out = null; // options.out: the view the one PW_RETURN result goes to
    this.outInPlace = false; // ... written by the kernel where it is (a view of this heap)
    this.nTemps = 0;
    this.nCopies = 0;
    this.copied = 0; // bytes copied in and out
    this.nPinned = 0;
    this.onProgress = null;
    this.result = undefined; // options[RESULT]: the value the call settles with
    // what a pool keeps of the call
    this.signal = undefined;
    this.abortEntry = null; // its signal's list of calls (AbortWatch), while registered
    this.abortPrev = null;
    this.abortNext = null;
    this.resolve = null;
    this.reject = null;
    this.settled = false;
    this.slot = undefined; // its task slot, once submitted
    this.extraBlocks = null;
    this.abortRequested = false;
    this.progressError = undefined;
    this.lastDone = undefined;
    this.lastTotal = undefined;
    this.batch = null; // the pool's Batch it settles with (index bj there)
    return this;
  }

  /** Bytes of its buffers and PW_RETURN results (after check()). */
  size() {
    const { spec } = this;
    let n = 0;
    for (const i of spec.buffers) n += this.bytes[i];
    const outs = spec.outputs;
    for (let k = 0; k < outs.length; k++) if (outs[k].kind === 'ret') n += this.outCounts[k] * outs[k].size;
    return n;
  }

  /**
   * Checks the arguments; returns the call options (the options object if
   * it has one of the `callOptions` names, else undefined). A plain object after the
   * positional arguments is the options object: the kernel's PW_OPTION
   * parameters and the call options (`signal` on the pool, `onProgress`).
   */
  check(args, callOptions) {
    const { spec } = this;
    const ps = spec.params;
    let n = args.length;
    let options;
    // a plain object after the required positional arguments is the options
    // object (before them it is a wrong argument, reported as such)
    if (n > spec.required && isPlainObject(args[n - 1])) {
      options = args[--n];
    } else if (n > spec.npos && args[n - 1] === undefined) {
      n--; // explicit `undefined` options
    }
    if (n > spec.npos) {
      throw typeError(`${spec.label} takes at most ${spec.npos} argument${spec.npos === 1 ? '' : 's'}` +
        ` and an options object (got ${args.length})`);
    }
    let call;
    if (options !== undefined) {
      // (for-in over own keys, as Object.keys: no array of the keys a call)
      for (const k in options) {
        if (!Object.prototype.hasOwnProperty.call(options, k)) continue;
        if (callOptions.includes(k)) {
          if (options[k] !== undefined) call = options;
        } else if (!spec.optionNames.includes(k) && !(k === 'out' && spec.retOut)) {
          const known = [...spec.optionNames, ...(spec.retOut ? ['out'] : []), ...callOptions];
          throw typeError(`${spec.label}: unknown option "${k}" (the options are: ${known.join(', ') || 'none'})`);
        }
      }
    }
    for (let i = 0; i < ps.length; i++) {
      const p = ps[i];
      let v = p.option ? options?.[p.name] : i < n ? args[i] : undefined;
      if (v === undefined) {
        if (p.default === undefined) throw typeError(`${p.label} is required`);
        v = p.default;
      }
      if (p.kind === 'scalar') {
        this.values[i] = checkScalar(v, p);
      } else {
        if (p.text && typeof v === 'string') v = utf8.encode(v);
        this.values[i] = checkView(v, p);
        this.bytes[i] = v.byteLength;
        // a view of this heap must come from alloc(): refused before any length check
        if (this.heap !== null && blockOf(v) === undefined && this.heap.owns(v.buffer)) this.heap.locate(v, p.label);
      }
    }
    this.checkLengths();
    if (spec.written.length) this.checkOverlaps();
    if (spec.retOut && options?.out !== undefined) this.checkOut(options.out);
    if (options !== undefined) this.result = options[RESULT];
    return call;
  }

  // options.out: a view of the result's type and length, sharing no memory
  // with the arguments (the kernel writes it while it reads them).
  checkOut(out) {
    const { spec, values } = this;
    const what = `${spec.label}: options.out`;
    const tags = ELEM_TAGS[spec.outputs[0].elem];
    // by tag, as checkView: a typed array of another realm (an iframe's, a vm context's) is one too
    if (!ArrayBuffer.isView(out) || !tags.includes(out[Symbol.toStringTag])) {
      throw typeError(`${what} must be ${article(tags[0])} ${tags.join(' or ')} (got ${describe(out)})`);
    }
    if (blockOf(out)?.live === false) throw freedError(what);
    if (isDetached(out)) throw detachedError(what);
    if (out.length !== this.outCounts[0]) {
      throw rangeError(`${what} must have ${this.outCounts[0]} elements, the length of the result (got ${out.length})`);
    }
    if (this.heap !== null && blockOf(out) === undefined && this.heap.owns(out.buffer)) this.heap.locate(out, what);
    if (out.byteLength > 0) {
      const mo = memoryOf(out);
      for (const j of spec.buffers) {
        const b = values[j];
        if (b.byteLength === 0 || memoryOf(b) !== mo) continue;
        if (out.byteOffset >= b.byteOffset + b.byteLength || b.byteOffset >= out.byteOffset + out.byteLength) continue;
        throw rangeError(`${what} overlaps ${spec.params[j].name}; the kernel writes the result while it reads ` +
          'its arguments, so the two must not share memory');
      }
    }
    this.out = out;
    this.outLength = out.length;
  }

  count(i) {
    return this.bytes[i] / ELEM_SIZE[this.spec.params[i].elem];
  }

  // Lengths: shared length parameters agree, literal and expression lengths
  // match, and the sizes of PW_RETURN outputs are known.
  checkLengths() {
    const { spec, L, values } = this;
    const ps = spec.params;
    for (const ci of spec.lens) {
      const bs = spec.cargs[ci].buffers;
      const first = bs[0];
      const n0 = this.count(first);
      for (let j = 1; j < bs.length; j++) {
        const b = bs[j];
        if (this.count(b) !== n0) {
          throw rangeError(`${spec.label}: ${ps[b].name} has ${this.count(b)} elements but ` +
            `${ps[first].name} has ${n0}; they must be the same length`);
        }
      }
      L[ci] = n0;
    }
    for (const i of spec.buffers) {
      const p = ps[i];
      if (p.fixed < 0 && p.expr === null) continue;
      const want = countOf(p.fixed, p.expr, p.exprText, values, L, p.label);
      if (this.count(i) !== want) {
        const how = p.expr ? ` (${p.exprText})` : '';
        throw rangeError(ELEM_SIZE[p.elem] === 1
          ? `${p.label} must be ${want} bytes long${how} (got ${this.count(i)})`
          : `${p.label} must have ${want} elements${how} (got ${this.count(i)})`);
      }
    }
    const outs = spec.outputs;
    for (let k = 0; k < outs.length; k++) {
      const o = outs[k];
      if (o.kind !== 'ret') continue;
      const n = countOf(o.fixed, o.expr, o.exprText, values, L, `${spec.label}: result ${o.name}`);
      if (n * o.size > MAX_COUNT) {
        throw rangeError(`${spec.label}: the result ${o.name} would be ${n * o.size} bytes; at most ${MAX_COUNT}`);
      }
      this.outCounts[k] = n;
    }
  }

  // A buffer the kernel writes must not overlap another buffer argument,
  // except the very same view where the kernel declares PW_ALIAS.
  checkOverlaps() {
    const { spec, values } = this;
    const ps = spec.params;
    for (const i of spec.written) {
      const a = values[i];
      if (a.byteLength === 0) continue;
      const ma = memoryOf(a);
      for (const j of spec.buffers) {
        if (j === i) continue;
        const b = values[j];
        if (b.byteLength === 0 || memoryOf(b) !== ma) continue;
        const a0 = a.byteOffset;
        const b0 = b.byteOffset;
        if (a0 >= b0 + b.byteLength || b0 >= a0 + a.byteLength) continue;
        if (ps[i].alias === j && a0 === b0 && a.byteLength === b.byteLength) continue;
        if (ps[j].alias === i && a0 === b0 && a.byteLength === b.byteLength) continue;
        const same = ps[i].alias === j ? ' (it may be the very same view, but not a part of it)' : '';
        throw rangeError(`${ps[i].label} overlaps ${ps[j].name}; the kernel writes ${ps[i].name}, ` +
          `so it must not share memory with another argument${same}`);
      }
    }
  }

  /**
   * Places every buffer in the heap: first finds those already there, then
   * copies in the others (a copy may grow the heap, which must not come
   * between locating a view and taking its address), and makes room for
   * the outputs. `arena` ({ ptr, size }), if given, is scratch memory that
   * belongs to this call alone (the core's: its calls run one at a time):
   * copies and outputs that fit go there instead of malloc().
   */
  place(arena) {
    const { spec, heap } = this;
    const ps = spec.params;
    let foreign = false;
    for (const i of spec.buffers) {
      const at = heap.locate(this.values[i], ps[i].label);
      this.ptrs[i] = at;
      if (at < 0) foreign = true;
    }
    this.next = arena ? arena.ptr : 0;
    this.end = arena ? arena.ptr + arena.size : 0;
    const outs = spec.outputs;
    if (this.out !== null) {
      // options.out in this heap: the kernel writes it where it is (zeroed first, as a new result is)
      const at = this.out.byteLength ? heap.locate(this.out, `${spec.label}: options.out`) : -1;
      if (at >= 0) {
        heap.views().zero(at, this.out.byteLength);
        this.outPtrs[0] = at;
        this.outInPlace = true;
      }
    }
    for (let k = this.outInPlace ? 1 : 0; k < outs.length; k++) {
      const bytes = outs[k].kind === 'ret' ? this.outCounts[k] * outs[k].size : RESULT_STRUCT;
      this.outPtrs[k] = bytes ? this.room(bytes, `${spec.label}: result`, true) : 0;
    }
    if (!foreign) return;
    for (const i of spec.buffers) {
      if (this.ptrs[i] >= 0) continue;
      const v = this.values[i];
      const bytes = this.bytes[i];
      if (bytes === 0) {
        this.ptrs[i] = 0;
        continue;
      }
      const a = ps[i].alias;
      if (a >= 0 && this.values[a] === v) {
        // the same foreign view as its alias partner: one copy serves both
        this.ptrs[i] = this.ptrs[a];
        this.copies[this.nCopies++] = i;
        continue;
      }
      const out = ps[i].kind === 'out';
      const ptr = this.room(bytes, ps[i].label, out, out ? 'the output, made in parawasm\'s heap' : 'its copy in parawasm\'s heap');
      this.copies[this.nCopies++] = i;
      this.ptrs[i] = ptr;
      if (!out) {
        heap.views().u8.set(new Uint8Array(v.buffer, v.byteOffset, bytes), ptr);
        this.copied += bytes;
      }
    }
  }

  /**
   * Address of `bytes` bytes for this call: from the arena while it lasts,
   * else malloc(); `zero` fills them with 0. A failure names `what`, and
   * `role` after it if given (a copy of a view, or an output the caller
   * may not have given: "image.resize: dst (the output, ...)").
   */
  room(bytes, what, zero, role) {
    const at = this.next + ((16 - (this.next % 16)) % 16);
    let p;
    if (at + bytes <= this.end) {
      this.next = at + bytes;
      p = at;
    } else {
      p = this.heap.malloc(bytes, role === undefined ? what : `${what} (${role})`);
      this.temps[this.nTemps++] = p;
    }
    if (zero) this.heap.views().zero(p, bytes);
    return p;
  }

  /** Writes kernel id and arguments into the task record at address `task`. */
  write(task, L) {
    const { spec } = this;
    const h = this.heap.low();
    const u32 = h.u32;
    u32[(task + L.kernel) >>> 2] = spec.id;
    u32[(task + L.status) >>> 2] = 0;
    u32[(task + L.cancel) >>> 2] = 0;
    u32[(task + L.flags) >>> 2] = 0;
    if (this.onProgress) {
      // the slot's previous call left its progress here; pw_run clears it only when this one starts
      u32[(task + L.progressDone) >>> 2] = 0; u32[((task + L.progressDone) >>> 2) + 1] = 0;
      u32[(task + L.progressTotal) >>> 2] = 0; u32[((task + L.progressTotal) >>> 2) + 1] = 0;
    }
    const base = task + L.args;
    const cargs = spec.cargs;
    for (let i = 0; i < cargs.length; i++) {
      const c = cargs[i];
      const a = base + 8 * i;
      let lo = 0;
      let hi = 0;
      switch (c.use) {
        case 'ptr': lo = this.ptrs[c.arg]; break;
        case 'ret': case 'result': lo = this.outPtrs[c.out]; break;
        case 'len': lo = this.L[i]; break;
        default: {
          const v = this.values[c.arg];
          switch (c.type) {
            case 'f64': h.f64[a >>> 3] = v; continue;
            case 'f32': h.f32[a >>> 2] = v; u32[(a + 4) >>> 2] = 0; continue;
            case 'u64': case 'i64':
              if (typeof v === 'number') { // a safe integer: two's complement halves
                lo = v >>> 0;
                hi = Math.floor(v / 4294967296) >>> 0;
              } else {
                lo = Number(v & 0xffffffffn);
                hi = Number(v >> 32n);
              }
              break;
            case 'bool': lo = v ? 1 : 0; break;
            default: lo = v >>> 0; hi = v < 0 ? 0xffffffff : 0;
          }
        }
      }
      u32[a >>> 2] = lo;
      u32[(a + 4) >>> 2] = hi;
    }
  }

  /**
   * Reads the result from the task record, copies out what the kernel
   * wrote, and frees the copies. Returns the JS value or throws.
   */
  finish(task, L) {
    const h = this.heap.low();
    const status = h.i32[(task + L.status) >>> 2];
    let value;
    let mapped = false;
    try {
      if (status >= 0) {
        this.copyOut();
        const r = this.result;
        if (r instanceof Mapped && r.transient && this.out === null && this.spec.outputs.length === 1 && this.spec.outputs[0].kind === 'ret') {
          // (before release(): the view is of memory it may hand out again)
          value = r.fn(this.outputView(), r.arg);
          mapped = true;
        } else {
          value = this.spec.outputs.length ? this.results() : readReturn(this.spec.ret, h, task + L.ret);
        }
      }
    } finally {
      this.release();
    }
    if (status < 0) throw statusError(status, this.spec, readMessage(this.heap, task, L));
    if (mapped) return value;
    return this.result !== undefined ? settledWith(this.result, value) : value;
  }

  /** The one PW_RETURN output, as a view of the heap where the kernel wrote it (a transient Mapped's). */
  outputView() {
    const o = this.spec.outputs[0];
    const from = this.outPtrs[0];
    if (from % o.size !== 0) return this.output(0);
    const at = from / o.size;
    return this.heap.views()[o.elem].subarray(at, at + this.outCounts[0]);
  }

  /** The outputs: new arrays (not views of the heap) with what the kernel wrote. */
  results() {
    const outs = this.spec.outputs;
    if (outs.length === 1) return this.output(0);
    const r = {};
    for (let k = 0; k < outs.length; k++) r[outs[k].name] = this.output(k);
    return r;
  }

  output(k) {
    const o = this.spec.outputs[k];
    const A = RESULT_ARRAY[o.elem];
    const h = this.heap.views();
    let from = this.outPtrs[k];
    let bytes;
    if (o.kind === 'ret') {
      bytes = this.outCounts[k] * o.size;
    } else {
      from = h.u32[this.outPtrs[k] >>> 2];
      bytes = h.u32[(this.outPtrs[k] + 4) >>> 2];
      if (bytes % o.size) throw resultSizeError(this.spec, o.name, bytes, o.size);
    }
    if (this.out !== null) return this.outResult(h, from, bytes);
    if (!bytes) return new A(0);
    // (a slice of the heap's view of the element type: a small result is
    // then one object, where a byte slice's .buffer would make it a
    // separate ArrayBuffer, 0.2 µs)
    if (from % o.size === 0) return h[o.elem].slice(from / o.size, (from + bytes) / o.size);
    return new A(h.u8.slice(from, from + bytes).buffer);
  }

  // options.out after the call: written in place, or the result copied into it
  outResult(h, from, bytes) {
    const out = this.out;
    const what = `${this.spec.label}: options.out`;
    const block = blockOf(out);
    if (this.outInPlace) {
      // a core's private memory that the call grew detached every view of
      // it, out too: the result is in out's block, in a view made anew
      if (isDetached(out)) return this.heap.viewAt(block, out.constructor, this.outPtrs[0], this.outLength);
      return out;
    }
    // a view of another memory: it may have been freed, detached or shrunk while a pool call ran
    checkWritable(out, bytes, what);
    if (bytes) {
      new Uint8Array(out.buffer, out.byteOffset, bytes).set(h.u8.subarray(from, from + bytes));
      this.copied += bytes;
    }
    return out;
  }

  /**
   * Copies back what the kernel wrote into buffers that were copied in;
   * one that went away meanwhile (while a pool call ran, or from
   * onProgress: detached, an alloc() view of another heap freed, a
   * resizable buffer shrunk) is an error naming it, and nothing is copied.
   */
  copyOut() {
    if (this.nCopies === 0) return;
    for (let c = 0; c < this.nCopies; c++) {
      const i = this.copies[c];
      const p = this.spec.params[i];
      if (p.kind !== 'in' && this.bytes[i] > 0) checkWritable(this.values[i], this.bytes[i], p.label);
    }
    const u8 = this.heap.views().u8;
    for (let c = 0; c < this.nCopies; c++) {
      const i = this.copies[c];
      const p = this.spec.params[i];
      if (p.kind === 'in') continue;
      const v = this.values[i];
      const ptr = this.ptrs[i];
      const n = this.bytes[i];
      new Uint8Array(v.buffer, v.byteOffset, n).set(u8.subarray(ptr, ptr + n));
      this.copied += n;
    }
  }

  /** Frees what place() allocated and the kernel's sized results. Safe to call twice. */
  release() {
    const outs = this.spec.outputs;
    if (outs.length) {
      const h = this.heap.low();
      for (let k = 0; k < outs.length; k++) {
        const at = this.outPtrs[k];
        if (outs[k].kind !== 'result' || !at) continue;
        const data = h.u32[at >>> 2];
        if (data) this.heap.mfree(data);
        h.u32[at >>> 2] = 0;
        h.u32[(at + 4) >>> 2] = 0;
        this.outPtrs[k] = 0;
      }
    }
    const n = this.nTemps;
    this.nTemps = 0;
    for (let i = 0; i < n; i++) this.heap.mfree(this.temps[i]);
  }
}

export function readReturn(type, h, a) {
  switch (type) {
    case 'void': return undefined;
    case 'u32': case 'usize': case 'u8': case 'u16': return h.u32[a >>> 2];
    case 'i8': case 'i16': case 'i32': case 'status': return h.i32[a >>> 2];
    case 'bool': return h.u32[a >>> 2] !== 0;
    case 'f64': return h.f64[a >>> 3];
    case 'f32': return h.f32[a >>> 2];
    case 'u64': return h.u64[a >>> 3]; // the result slot is 8-byte aligned
    case 'i64': return h.i64[a >>> 3];
    case 'u128': return (readReturn('u64', h, a + 8) << 64n) | readReturn('u64', h, a);
    default: throw new ParawasmError(`unknown return type ${type}`);
  }
}

/** The message pw_fail() left in the task record ('' if none). */
export function readMessage(heap, task, L) {
  const u8 = heap.low().u8;
  const at = task + L.message;
  let end = at;
  while (end < at + L.messageMax && u8[end] !== 0) end++;
  return end > at ? utf8d.decode(u8.slice(at, end)) : '';
}

/** The error of a negative status: its code from the status list, the kernel's own message if any. */
export function statusError(status, spec, message = '', cause) {
  if (status === PW_ECANCELED) return new AbortError(`${spec.label} was aborted`, cause === undefined ? undefined : { cause });
  const s = spec.statuses?.[status];
  const text = message || (s ? s.message : `status ${status}`);
  return new ParawasmError(`${spec.label} failed: ${text}`, s ? s.code : 'ERR_PW');
}

/** Checks the call options a pool call may take: signal (an AbortSignal) and onProgress (a function). */
export function checkCallOptions(call, label) {
  if (call === undefined) return call;
  const { signal, onProgress } = call;
  if (signal !== undefined && (signal === null || typeof signal !== 'object' || typeof signal.aborted !== 'boolean' ||
      typeof signal.addEventListener !== 'function')) {
    throw typeError(`${label}: options.signal must be an AbortSignal (got ${describe(signal)})`);
  }
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    throw typeError(`${label}: options.onProgress must be a function (got ${describe(onProgress)})`);
  }
  return call;
}
