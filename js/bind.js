// Turns the generated kernel specs (gen/kernels.js) into argument checks,
// task-record writes and result reads. One driver serves every kernel; the
// core runs the prepared call at once, the pool queues it.
import { AbortError, ParawasmError, describe, isPlainObject, rangeError, typeError } from './errors.js';
import { KERNELS, STATUS } from '../gen/kernels.js';

export const PW_ECANCELED = -3;

/**
 * The generated specs, each kernel, parameter and argument as an object of
 * one shape (the calls below then meet one shape at every property access,
 * however many kernels run), with the labels of error messages made once.
 */
function normalize(s) {
  const params = s.params.map((p) => ({
    name: p.name, kind: p.kind, elem: p.elem ?? null, type: p.type ?? null,
    default: typeof p.default === 'bigint' && p.default >= -(2n ** 53n) && p.default < 2n ** 53n ? Number(p.default) : p.default,
    chain: p.chain === true, text: p.text === true, fixed: p.fixed, label: `${s.name}: ${p.name}`,
  }));
  const cargs = s.cargs.map((c) => ({ use: c.use, arg: c.arg ?? -1, type: c.type ?? null, buffers: c.buffers ?? null }));
  return {
    name: s.name, id: s.id, ret: s.ret, internal: s.internal === true, params, cargs,
    out: s.out ? { elem: s.out.elem, status: s.out.status, count: s.out.count, countFrom: s.out.countFrom ?? -1 } : null,
    sharedLengths: cargs.filter((c) => c.use === 'len' && c.buffers.length > 1),
  };
}

/** Every kernel's spec (normalized), internal kernels included. */
export const KERNEL_SPECS = KERNELS.map(normalize);

/** Every kernel's spec by JS name. */
export const SPECS = new Map(KERNEL_SPECS.map((s) => [s.name, s]));

const INT_RANGE = {
  u8: [0, 0xff], i8: [-0x80, 0x7f], u16: [0, 0xffff], i16: [-0x8000, 0x7fff],
  u32: [0, 0xffffffff], i32: [-0x80000000, 0x7fffffff], usize: [0, 0xffffffff],
};
const ELEM_TAG = {
  i8: 'Int8Array', u16: 'Uint16Array', i16: 'Int16Array', u32: 'Uint32Array', i32: 'Int32Array',
  u64: 'BigUint64Array', i64: 'BigInt64Array', f32: 'Float32Array', f64: 'Float64Array',
};
const ELEM_SIZE = { u8: 1, i8: 1, u16: 2, i16: 2, u32: 4, i32: 4, u64: 8, i64: 8, f32: 4, f64: 8 };
const U64_MAX = (1n << 64n) - 1n;
// Largest PW_RETURN result: a result is copied out of the heap into a new array.
const MAX_RESULT = 2 ** 31 - 1;
const utf8 = new TextEncoder();
const RESULT_ARRAY = {
  u8: Uint8Array, i8: Int8Array, u16: Uint16Array, i16: Int16Array, u32: Uint32Array, i32: Int32Array,
  u64: BigUint64Array, i64: BigInt64Array, f32: Float32Array, f64: Float64Array,
};
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

/** Task record layout, as pw_task_layout() reports it (src/runtime/task.c). */
export function readTaskLayout(heap, ptr) {
  const a = heap.views().u32.subarray(ptr >>> 2, (ptr >>> 2) + 10);
  return {
    size: a[0], state: a[1], cancel: a[2], kernel: a[3], status: a[4], ret: a[5], args: a[6],
    maxArgs: a[7], kernelCount: a[8], abi: a[9],
  };
}

/** Checks one scalar argument; returns it as the binding stores it. */
function checkScalar(v, p, where) {
  const t = p.type;
  const range = INT_RANGE[t];
  if (range) {
    if (typeof v !== 'number') throw typeError(`${where} must be a number (got ${describe(v)})`);
    if (!Number.isInteger(v) || v < range[0] || v > range[1]) {
      throw rangeError(`${where} must be an integer from ${range[0]} to ${range[1]} (got ${v})`);
    }
    return v;
  }
  if (t === 'f64' || t === 'f32') {
    if (typeof v !== 'number') throw typeError(`${where} must be a number (got ${describe(v)})`);
    return v;
  }
  if (t === 'bool') {
    if (typeof v !== 'boolean') throw typeError(`${where} must be a boolean (got ${describe(v)})`);
    return v;
  }
  // u64 / i64: a safe integer (kept a number: no bigint arithmetic per
  // call) or a bigint (stored as its 64-bit pattern)
  const [lo, hi] = t === 'u64' ? [0n, U64_MAX] : [I64_MIN, I64_MAX];
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) {
      throw rangeError(`${where} must be a safe integer or a bigint (got ${v})`);
    }
    if (v < 0 && t === 'u64') throw rangeError(`${where} must be from ${lo} to ${hi} (got ${v})`);
    return v;
  }
  if (typeof v !== 'bigint') throw typeError(`${where} must be a number or a bigint (got ${describe(v)})`);
  if (v < lo || v > hi) throw rangeError(`${where} must be from ${lo} to ${hi} (got ${v})`);
  return BigInt.asUintN(64, v);
}

/** Bytes of a buffer argument, checking its type. */
function checkView(v, p, where) {
  if (!ArrayBuffer.isView(v)) {
    const want = p.elem === 'u8' ? 'a TypedArray, DataView or Buffer' : `a ${ELEM_TAG[p.elem]}`;
    throw typeError(`${where} must be ${want} (got ${describe(v)})`);
  }
  if (p.elem !== 'u8' && v[Symbol.toStringTag] !== ELEM_TAG[p.elem]) {
    throw typeError(`${where} must be a ${ELEM_TAG[p.elem]} (got ${describe(v)})`);
  }
  return v;
}

/**
 * A call being prepared for one kernel: checks the JS arguments, places
 * buffers in the heap (in place when they already are there, else copied)
 * and writes the task record.
 */
export class Call {
  constructor(spec, heap) {
    this.spec = spec;
    this.heap = heap;
    this.values = new Array(spec.params.length); // scalar values / views
    this.ptrs = new Array(spec.params.length); // heap address of each buffer
    this.bytes = new Array(spec.params.length); // byte length of each buffer, taken at check()
    this.temps = null; // addresses this call allocated (freed by release())
    this.copies = null; // indices of the buffers copied in
    this.copied = 0; // bytes copied in and out
    this.pinned = null; // alloc() blocks this call uses in place (pool)
    this.outPtr = 0; // heap address of a PW_RETURN result
    this.outCount = 0;
    this.next = 0; // free arena space: [next, end)
    this.end = 0;
  }

  /** Makes a finished call ready to be used again (the core reuses one per kernel). */
  reuse() {
    this.values.fill(undefined); // hold no reference to the last call's views
    this.temps = null;
    this.copies = null;
    this.copied = 0;
    this.outPtr = 0;
    this.outCount = 0;
    return this;
  }

  /**
   * Checks the arguments. `allowOptions`: a plain object after the last
   * given argument is returned as the call options (pool calls).
   */
  check(args, allowOptions) {
    const { spec } = this;
    const ps = spec.params;
    let n = args.length;
    let options;
    if (allowOptions && n > 0) {
      const last = args[n - 1];
      if (isPlainObject(last)) {
        options = last;
        n--;
      } else if (last === undefined && n > ps.length) {
        n--; // explicit `undefined` options
      }
    }
    if (n > ps.length) {
      throw typeError(`${spec.name} takes at most ${ps.length} argument${ps.length === 1 ? '' : 's'}` +
        `${allowOptions ? ' and an options object' : ''} (got ${args.length})`);
    }
    for (let i = 0; i < ps.length; i++) {
      const p = ps[i];
      let v = i < n ? args[i] : undefined;
      const where = p.label; // "crc32: data"
      if (v === undefined) {
        if (p.default === undefined) throw typeError(`${where} is required`);
        v = p.default;
      }
      if (p.kind === 'scalar') {
        this.values[i] = checkScalar(v, p, where);
      } else {
        if (p.text && typeof v === 'string') v = utf8.encode(v);
        this.values[i] = checkView(v, p, where);
        this.bytes[i] = v.byteLength;
        if (p.fixed !== undefined && v.byteLength !== p.fixed * ELEM_SIZE[p.elem]) {
          throw rangeError(`${where} must be ${p.fixed * ELEM_SIZE[p.elem]} bytes long (got ${v.byteLength})`);
        }
      }
    }
    if (spec.out) this.outCount = this.resultCount();
    // lengths shared by several buffers must agree
    for (const c of spec.sharedLengths) {
      const [first, ...rest] = c.buffers;
      const n0 = this.count(first);
      for (const b of rest) {
        if (this.count(b) !== n0) {
          throw rangeError(`${spec.name}: ${ps[b].name} has ${this.count(b)} elements but ` +
            `${ps[first].name} has ${n0}; they must be the same length`);
        }
      }
    }
    return options;
  }

  count(i) {
    return this.bytes[i] / ELEM_SIZE[this.spec.params[i].elem];
  }

  /** Elements of a PW_RETURN result: a literal, a buffer's length or a scalar argument. */
  resultCount() {
    const { out, cargs, name } = this.spec;
    if (out.count !== undefined) return out.count;
    const c = cargs[out.countFrom];
    const n = c.use === 'len' ? this.count(c.buffers[0]) : Number(this.values[c.arg]);
    if (n * ELEM_SIZE[out.elem] > MAX_RESULT) {
      throw rangeError(`${name}: the result would be ${n * ELEM_SIZE[out.elem]} bytes; at most ${MAX_RESULT}`);
    }
    return n;
  }

  /**
   * Places every buffer in the heap: first finds those already there, then
   * copies in the others (a copy may grow the heap, which must not come
   * between locating a view and taking its address), and makes room for a
   * PW_RETURN result. `arena` ({ ptr, size }), if given, is scratch memory
   * that belongs to this call alone (the core's: its calls run one at a
   * time): copies and the result that fit go there instead of malloc().
   */
  place(arena) {
    const { spec, heap } = this;
    const ps = spec.params;
    let foreign = false;
    for (let i = 0; i < ps.length; i++) {
      if (ps[i].kind === 'scalar') continue;
      const at = heap.locate(this.values[i], ps[i].label);
      this.ptrs[i] = at;
      if (at < 0) foreign = true;
    }
    this.next = arena ? arena.ptr : 0;
    this.end = arena ? arena.ptr + arena.size : 0;
    if (spec.out) {
      const bytes = this.outCount * ELEM_SIZE[spec.out.elem];
      this.outPtr = bytes ? this.room(bytes, `${spec.name}: result`) : 0;
    }
    if (!foreign) return;
    for (let i = 0; i < ps.length; i++) {
      if (ps[i].kind === 'scalar' || this.ptrs[i] >= 0) continue;
      const v = this.values[i];
      const bytes = this.bytes[i];
      if (bytes === 0) {
        this.ptrs[i] = 0;
        continue;
      }
      const ptr = this.room(bytes, ps[i].label);
      (this.copies ??= []).push(i);
      this.ptrs[i] = ptr;
      if (ps[i].kind !== 'out') {
        heap.views().u8.set(new Uint8Array(v.buffer, v.byteOffset, bytes), ptr);
        this.copied += bytes;
      }
    }
  }

  /** Address of `bytes` bytes for this call: from the arena while it lasts, else malloc(). */
  room(bytes, what) {
    const at = this.next + ((16 - (this.next % 16)) % 16);
    if (at + bytes <= this.end) {
      this.next = at + bytes;
      return at;
    }
    const p = this.heap.malloc(bytes, what);
    (this.temps ??= []).push(p);
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
    const base = task + L.args;
    const cargs = spec.cargs;
    for (let i = 0; i < cargs.length; i++) {
      const c = cargs[i];
      const a = base + 8 * i;
      let lo = 0;
      let hi = 0;
      if (c.use === 'ptr') lo = this.ptrs[c.arg];
      else if (c.use === 'ret') lo = this.outPtr;
      else if (c.use === 'len') lo = this.count(c.buffers[0]);
      else {
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
    if (status >= 0) {
      this.copyOut();
      value = this.spec.out ? this.result() : readReturn(this.spec.ret, h, task + L.ret);
    }
    this.release();
    if (status < 0) throw statusError(status, this.spec.name);
    return value;
  }

  /** A PW_RETURN result: a new array (not a view of the heap) with what the kernel wrote. */
  result() {
    const { elem } = this.spec.out;
    if (!this.outCount) return new RESULT_ARRAY[elem](0);
    const bytes = this.heap.views().u8.slice(this.outPtr, this.outPtr + this.outCount * ELEM_SIZE[elem]);
    return elem === 'u8' ? bytes : new RESULT_ARRAY[elem](bytes.buffer);
  }

  /** Copies back what the kernel wrote into buffers that were copied in. */
  copyOut() {
    if (!this.copies) return;
    const u8 = this.heap.views().u8;
    for (const i of this.copies) {
      if (this.spec.params[i].kind === 'in') continue;
      const v = this.values[i];
      const ptr = this.ptrs[i];
      const n = this.bytes[i];
      new Uint8Array(v.buffer, v.byteOffset, n).set(u8.subarray(ptr, ptr + n));
      this.copied += n;
    }
  }

  /** Frees what place() allocated. Safe to call twice. */
  release() {
    this.outPtr = 0;
    if (!this.temps) return;
    for (const p of this.temps) this.heap.mfree(p);
    this.temps = null;
  }
}

export function readReturn(type, h, a) {
  switch (type) {
    case 'void': return undefined;
    case 'u32': case 'usize': return h.u32[a >>> 2];
    case 'u8': case 'u16': return h.u32[a >>> 2];
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

export function statusError(status, name, cause) {
  if (status === PW_ECANCELED) return new AbortError(`${name} was aborted`, cause === undefined ? undefined : { cause });
  const s = STATUS[status];
  return new ParawasmError(`${name} failed: ${s ? s.message : `status ${status}`}`, s ? s.code : 'ERR_PW');
}

/** The signal of a pool call's options object (undefined if none); checks the object. */
export function checkCallOptions(options, name) {
  if (options === undefined) return undefined;
  for (const k of Object.keys(options)) {
    if (k !== 'signal') throw typeError(`${name}: unknown option "${k}" (the options are: signal)`);
  }
  const { signal } = options;
  if (signal === undefined) return undefined;
  if (signal === null || typeof signal !== 'object' || typeof signal.aborted !== 'boolean' ||
      typeof signal.addEventListener !== 'function') {
    throw typeError(`${name}: options.signal must be an AbortSignal (got ${describe(signal)})`);
  }
  return signal;
}

/**
 * Gives `target` (a core or a pool) every kernel as a method:
 * `method(spec)` returns the function for one kernel. A kernel whose name is
 * already a member of the object (an API method such as alloc, or one of its
 * internals) is refused here, with its name, rather than silently shadowing it.
 */
export function defineKernels(target, method) {
  for (const spec of KERNEL_SPECS) {
    if (spec.internal) continue;
    if (spec.name in target) {
      throw new ParawasmError(`kernel ${spec.name} has the name of a member of parawasm's ${target.constructor.name}; ` +
        'rename the C function', 'ERR_PW_KERNEL_NAME');
    }
    Object.defineProperty(target, spec.name, { value: method(spec), enumerable: true });
  }
}
