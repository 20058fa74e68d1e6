// The array family's JS: core.array.* and pool.array.*, the API users see
// over the generated array kernels (include/parawasm/array.h).
//
// The generated bindings already give one method per operation that
// dispatches on the typed array it is given (pw_array_sort_f64 for a
// Float64Array, ...). What this file adds, and why:
//   - Results as JS values: min/max as { min, argmin } / { max, argmax },
//     topk as { values, indices }, unique as { values, counts }, kth and
//     quantile as a number (a bigint for BigInt64Array/BigUint64Array),
//     sort/axpy/cumsum return the array written (not a status code).
//   - sum's exact integer results: a number (the exact sum rounded once to
//     the nearest double) or, with { bigint: true } and always for the
//     64-bit element types, the exact BigInt (the 128-bit sum of a
//     BigInt64Array read as signed).
//   - Operations of several kernel calls: sortByKey (a stable argsort of the
//     keys, then one gather per array permutes the keys and every payload),
//     median, quantiles given as a plain array, histogram's default range
//     (the smallest and largest non-NaN element, as numpy does).
//   - Outputs are optional: without options.out a new plain typed array of
//     the right type and size is made (on a pool too: the binding copies
//     the result out of the pool's memory, so nothing needs freeing); with
//     options.out (e.g. a view from pool.alloc()) the result is written
//     there without copies.
//   - Matrix shapes from the lengths (matmul needs one of m, k, n; matvec
//     none), checked: a length that does not fit is a RangeError.
//   - Every argument is checked here, before any kernel runs, with the
//     names of this API: TypeError for a value that is not a typed array or
//     an element type the operation does not support, RangeError for a bad
//     k, q, lo >= hi, mismatched lengths or shapes. Every message starts
//     'array.<method>: '. The generated binding checks again (a backstop).
//   - Steps of several calls are generator functions yielding kernel calls;
//     one driver runs them synchronously on a core, another asynchronously
//     on a pool, so the two cannot drift apart.
import { Mapped, RESULT } from '../runtime/bind.js';
import { ParawasmError, article, describe, isPlainObject, rangeError, typeError } from '../runtime/errors.js';
import { argViews, renamed, runHeld, runSync } from '../runtime/drive.js';
import { checkUsable, placeOf, reattached } from '../runtime/memory.js';

// Element types: JS tag -> what the family needs to know. code: the
// pw_array_type of include/parawasm/array.h (PW_ARRAY_TYPE_LIST).
const TYPES = {
  Int8Array: { code: 0, bits: 8, signed: true, float: false, big: false, Ctor: Int8Array },
  Uint8Array: { code: 1, bits: 8, signed: false, float: false, big: false, Ctor: Uint8Array },
  Uint8ClampedArray: { code: 2, bits: 8, signed: false, float: false, big: false, Ctor: Uint8ClampedArray },
  Int16Array: { code: 3, bits: 16, signed: true, float: false, big: false, Ctor: Int16Array },
  Uint16Array: { code: 4, bits: 16, signed: false, float: false, big: false, Ctor: Uint16Array },
  Int32Array: { code: 5, bits: 32, signed: true, float: false, big: false, Ctor: Int32Array },
  Uint32Array: { code: 6, bits: 32, signed: false, float: false, big: false, Ctor: Uint32Array },
  BigInt64Array: { code: 7, bits: 64, signed: true, float: false, big: true, Ctor: BigInt64Array },
  BigUint64Array: { code: 8, bits: 64, signed: false, float: false, big: true, Ctor: BigUint64Array },
  Float32Array: { code: 9, bits: 32, signed: true, float: true, big: false, Ctor: Float32Array },
  Float64Array: { code: 10, bits: 64, signed: true, float: true, big: false, Ctor: Float64Array },
};
const ALL = Object.keys(TYPES);
const FLOATS = ['Float32Array', 'Float64Array'];
const MAX_INDEX = 2 ** 32 - 1; // indices are Uint32
const MAX_BINS = 16777216; // PW_RANGE of pw_array_histogram's bins

const W = (where) => `array.${where}`;

/** The element type of `v`, checked against the tags an operation takes. */
function viewArg(where, what, v, tags = ALL) {
  const tag = ArrayBuffer.isView(v) ? v[Symbol.toStringTag] : undefined;
  if (tag === undefined || !tags.includes(tag)) {
    const kind = Array.isArray(v) ? 'a plain Array (make it a typed array first, e.g. Float64Array.from(values))' : describe(v);
    throw typeError(`${W(where)}: ${what} must be ${tags.length === 1 ? `${article(tags[0])} ${tags[0]}` : `one of ${tags.join(', ')}`} (got ${kind})`);
  }
  return TYPES[tag];
}

/** A view that must have x's element type (Uint8Array and Uint8ClampedArray pass for each other). */
function sameTypeArg(where, what, v, t, xname = 'x') {
  const tags = t.code === 1 || t.code === 2 ? ['Uint8Array', 'Uint8ClampedArray'] : [ALL.find((k) => TYPES[k] === t)];
  if (!ArrayBuffer.isView(v) || !tags.includes(v[Symbol.toStringTag])) {
    throw typeError(`${W(where)}: ${what} must be ${article(tags[0])} ${tags.join(' or ')} like ${xname} (got ${describe(v)})`);
  }
  return v;
}

function sameLength(where, what, v, n, xname = 'x') {
  if (v.length !== n) {
    throw rangeError(`${W(where)}: ${what} has ${v.length} elements but ${xname} has ${n} (they must match)`);
  }
}

function integerArg(where, what, v, lo, hi) {
  if (typeof v !== 'number') throw typeError(`${W(where)}: ${what} must be a number (got ${describe(v)})`);
  if (!Number.isInteger(v) || v < lo || v > hi) {
    throw rangeError(`${W(where)}: ${what} must be an integer from ${lo} to ${hi} (got ${v})`);
  }
  return v;
}

function numberArg(where, what, v) {
  if (typeof v !== 'number') throw typeError(`${W(where)}: ${what} must be a number (got ${describe(v)})`);
  return v;
}

function boolArg(where, what, v) {
  if (v === undefined) return false;
  if (typeof v !== 'boolean') throw typeError(`${W(where)}: ${what} must be a boolean (got ${describe(v)})`);
  return v;
}

/** A value of element type t (clamp's limits): checked to be representable and not NaN. */
function elementArg(where, what, v, t) {
  if (t.float) {
    numberArg(where, what, v);
    if (Number.isNaN(v)) throw rangeError(`${W(where)}: ${what} must not be NaN`);
    // (a Float32Array's element: within float's range, or an infinity)
    if (t.bits === 32 && Number.isFinite(v) && Math.abs(v) > 3.4028234663852886e38) {
      throw rangeError(`${W(where)}: ${what} must be within float's range, ±3.4028234663852886e38, or infinite (got ${v})`);
    }
    return v;
  }
  const lo = t.signed ? -(2n ** BigInt(t.bits - 1)) : 0n;
  const hi = t.signed ? 2n ** BigInt(t.bits - 1) - 1n : 2n ** BigInt(t.bits) - 1n;
  let b;
  // (a bigint only for the 64-bit types, as their arrays store it; the
  // others take a number, as Int32Array.of(1n) refuses a bigint)
  if (typeof v === 'bigint' && t.big) b = v;
  else if (typeof v === 'number' && Number.isInteger(v)) b = BigInt(v);
  else if (typeof v === 'number') throw rangeError(`${W(where)}: ${what} must be an integer for ${article(t.Ctor.name)} ${t.Ctor.name} (got ${v})`);
  else throw typeError(`${W(where)}: ${what} must be a number${t.big ? ' or a bigint' : ''} (got ${describe(v)})`);
  if (b < lo || b > hi) throw rangeError(`${W(where)}: ${what} must be from ${lo} to ${hi} for ${article(t.Ctor.name)} ${t.Ctor.name} (got ${v})`);
  return t.big ? b : Number(b);
}

// what optionsArg() gives for no options, and call() when the kernel call
// has no options (one frozen object: no allocation per call; a kernel's
// RESULT is written only into a call's own object, see runOneAsync)
const NONE = Object.freeze({});

/** The options object: its own names and the call options, nothing else. */
function optionsArg(env, where, o, known) {
  if (o === undefined) return NONE;
  if (!isPlainObject(o)) throw typeError(`${W(where)}: options must be an object (got ${describe(o)})`);
  for (const k in o) { // (own keys, as Object.keys gives; no array made)
    if (Object.prototype.hasOwnProperty.call(o, k) && !known.includes(k) && !env.callOptions.includes(k)) {
      throw typeError(`${W(where)}: unknown option "${k}" (the options are: ${[...known, ...env.callOptions].join(', ')})`);
    }
  }
  return o;
}

function arity(where, args, most) {
  if (args.length > most) {
    throw typeError(`${W(where)}: takes at most ${most} arguments (got ${args.length}); options go in one object`);
  }
}

/**
 * The call options (signal on a pool, onProgress) of `o` added to a
 * kernel's own options `own` (the caller's new object), which it returns;
 * without `own`, a new object only if there are call options (else NONE).
 */
function call(env, o, own) {
  const signal = env.async ? o.signal : undefined;
  if (own === undefined) {
    if (signal === undefined && o.onProgress === undefined) return NONE;
    own = {};
  }
  if (signal !== undefined) own.signal = signal;
  if (o.onProgress !== undefined) own.onProgress = o.onProgress;
  return own;
}

/** options.out, checked (type and length), or a new array of that type and length. */
function outArg(where, o, Ctor, n, like) {
  if (o.out === undefined) {
    try {
      return new Ctor(n);
    } catch (e) {
      throw rangeError(`${W(where)}: cannot allocate ${n} elements for the result (${e.message})`);
    }
  }
  const want = Ctor === Uint8Array || Ctor === Uint8ClampedArray ? ['Uint8Array', 'Uint8ClampedArray'] : [Ctor.name];
  if (!ArrayBuffer.isView(o.out) || !want.includes(o.out[Symbol.toStringTag])) {
    throw typeError(`${W(where)}: options.out must be ${article(want[0])} ${want.join(' or ')}${like ? ` like ${like}` : ''} (got ${describe(o.out)})`);
  }
  if (o.out.length !== n) throw rangeError(`${W(where)}: options.out has ${o.out.length} elements; the result has ${n}`);
  return o.out;
}

/** True when two views share bytes (same memory, overlapping ranges). */
function overlaps(a, b) {
  return a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}

function noOverlap(where, what, out, others) {
  for (const [name, v] of others) {
    if (v.length && out.length && overlaps(out, v)) throw rangeError(`${W(where)}: ${what} must not overlap ${name}`);
  }
}

const first = (v) => v[0];
// median's quantile, read by its kernel (which copies it in) and never written: one for every call
const HALF = Float64Array.of(0.5);
// the value of a one-element result (kth): a number, or a bigint for 64-bit integers
const scalarOf = (v) => v[0];

// ---------------------------------------------------------------- operations
// An operation of one kernel call is oneCall(plan): plan(env, args)
// checks the arguments and returns the call ({ k: name of the generated
// method, args }, or { spec, args } for an internal kernel: 'convert' or
// 'cumsumClamped', in install()'s `specs`), whose `map(value, call)`,
// if any, makes the result of the kernel's value (returnX: the array the
// call wrote, `x`). These run without a generator: a pool call whose
// result is the kernel's own (sum of floats), or on the threaded pool the
// array it wrote, returns the kernel method's promise itself (the
// small-call cost). A plan that needs more than one call for the
// arguments it was given (histogram's default range, cumsum of a
// Uint8ClampedArray) returns a generator instead, as sortByKey is: it
// yields the calls, is handed back their values or errors, and returns
// the result.

const oneCall = (plan) => ({ plan });

const returnX = (v, y) => y.x;

const OPS = {
  sort: oneCall((env, args) => {
    arity('sort', args, 2);
    const x = args[0];
    viewArg('sort', 'x', x);
    const o = optionsArg(env, 'sort', args[1], ['descending']);
    const descending = boolArg('sort', 'options.descending', o.descending);
    return { k: 'sort', args: [x, call(env, o, { descending })], map: returnX, x };
  }),

  argsort: oneCall((env, args) => {
    arity('argsort', args, 2);
    const [x, options] = args;
    viewArg('argsort', 'x', x);
    if (x.length > MAX_INDEX) throw rangeError(`${W('argsort')}: x has ${x.length} elements; at most ${MAX_INDEX}`);
    const o = optionsArg(env, 'argsort', options, ['descending', 'out']);
    const descending = boolArg('argsort', 'options.descending', o.descending);
    // options.out (checked by the kernel's binding): where the indices go, in place when it is a view of this memory
    return { k: 'argsort', args: [x, call(env, o, o.out === undefined ? { descending } : { descending, out: o.out })] };
  }),

  *sortByKey(env, args) {
    arity('sortByKey', args, 3);
    const [keys, payloads, options] = args;
    viewArg('sortByKey', 'keys', keys);
    const list = payloads === undefined ? [] : ArrayBuffer.isView(payloads) ? [payloads] : payloads;
    if (!Array.isArray(list)) {
      throw typeError(`${W('sortByKey')}: payloads must be a typed array or an array of typed arrays (got ${describe(payloads)})`);
    }
    env.usable('sortByKey', 'keys', keys);
    // every payload checked before the keys are sorted: a bad one must
    // leave every array as it was
    list.forEach((p, i) => {
      const what = ArrayBuffer.isView(payloads) ? 'payloads' : `payloads[${i}]`;
      viewArg('sortByKey', what, p);
      env.usable('sortByKey', what, p);
      sameLength('sortByKey', what, p, keys.length, 'keys');
      if (p.length && overlaps(p, keys)) throw rangeError(`${W('sortByKey')}: ${what} must not overlap keys`);
      for (let j = 0; j < i; j++) {
        if (p.length && overlaps(p, list[j])) throw rangeError(`${W('sortByKey')}: ${what} must not overlap payloads[${j}]`);
      }
    });
    const o = optionsArg(env, 'sortByKey', options, ['descending']);
    const descending = boolArg('sortByKey', 'options.descending', o.descending);
    const arrays = [keys, ...list];
    const names = ['keys', ...list.map((_, i) => (ArrayBuffer.isView(payloads) ? 'payloads' : `payloads[${i}]`))];
    // each array looked at again before a step reads or writes it, so
    // that one gone meanwhile (transferred, freed) is named as the caller
    // named it, not as the step's own argument
    const usable = (i) => env.usable('sortByKey', names[i], arrays[i]);
    const places = env.async ? null : arrays.map(placeOf);
    if (!env.async || keys.length === 0) {
      const order = yield { k: 'argsort', args: [keys, call(env, o, { descending })] };
      if (order.length === 0) return order;
      // every array through one scratch array of its type: gather, then copy back
      // (into new views of the blocks where the argsort's growth of a
      // private memory detached the caller's: core.view() gives them back)
      for (const [i, a] of arrays.entries()) {
        const tmp = new TYPES[a[Symbol.toStringTag]].Ctor(order.length);
        yield { k: 'gather', args: [reattached(a, places[i]), order, tmp, call(env, o)] };
        reattached(a, places[i]).set(tmp);
      }
      return order;
    }
    // on a pool: the order (the argsort writes it there) and the scratch
    // arrays in its memory, and the copies back done by the pool too
    // (convert to the same type), so that the calling thread copies the
    // order out once, at the end, and nothing else
    const ord = env.alloc(keys.length, Uint32Array);
    let order;
    try {
      yield { k: 'argsort', args: [keys, call(env, o, { descending, out: ord })] };
      // all or nothing: every array gathered into a block of its own (the
      // steps an abort may stop; the caller's arrays untouched so far), then
      // every block copied back, steps no signal stops (memory-speed
      // copies), so that the keys and the payloads never end up out of
      // step with each other
      const tmps = [];
      try {
        for (const [i, v] of arrays.entries()) {
          usable(i);
          const tmp = env.alloc(v.length, TYPES[v[Symbol.toStringTag]].Ctor);
          tmps.push(tmp);
          try {
            yield { k: 'gather', args: [v, ord, tmp, call(env, o)] };
          } catch (e) {
            if (e?.name === 'AbortError') {
              try {
                e.message = `${W('sortByKey')} was aborted; keys and payloads are as they were`;
              } catch { /* left as it is */ }
            }
            throw e;
          }
        }
        const back = call(env, { onProgress: o.onProgress });
        arrays.forEach((_, i) => usable(i)); // (all of them before any is written)
        for (const [i, v] of arrays.entries()) {
          usable(i);
          const code = TYPES[v[Symbol.toStringTag]].code;
          yield { spec: 'convert', args: [tmps[i], code, v, code, back] };
        }
      } finally {
        for (const tmp of tmps) env.free(tmp);
      }
      order = ord.slice();
    } finally {
      env.free(ord);
    }
    return order;
  },

  gather: oneCall((env, args) => {
    arity('gather', args, 3);
    const [x, index, options] = args;
    const t = viewArg('gather', 'x', x);
    viewArg('gather', 'index', index, ['Uint32Array']);
    env.usable('gather', 'x', x);
    env.usable('gather', 'index', index); // read here first
    for (let i = 0; i < index.length; i++) {
      if (index[i] >= x.length) throw rangeError(`${W('gather')}: index[${i}] = ${index[i]} is out of range for x of length ${x.length}`);
    }
    const o = optionsArg(env, 'gather', options, ['out']);
    const out = outArg('gather', o, x.constructor === Uint8ClampedArray ? Uint8ClampedArray : t.Ctor, index.length, 'x');
    if (o.out !== undefined) env.usable('gather', 'options.out', out);
    noOverlap('gather', 'options.out', out, [['x', x], ['index', index]]);
    return { k: 'gather', args: [x, index, out, call(env, o)], map: returnX, x: out };
  }),

  kth: oneCall((env, args) => {
    arity('kth', args, 3);
    const [x, k, options] = args;
    viewArg('kth', 'x', x);
    if (x.length === 0) {
      env.usable('kth', 'x', x); // (a detached view reads as empty: it says so)
      throw rangeError(`${W('kth')}: x is empty`);
    }
    integerArg('kth', 'k', k, 0, x.length - 1);
    const o = optionsArg(env, 'kth', options, []);
    return { k: 'kth', args: [x, k, call(env, o)], map: scalarOf };
  }),

  quantile: oneCall((env, args) => {
    arity('quantile', args, 3);
    const [x, q, options] = args;
    viewArg('quantile', 'x', x);
    numberArg('quantile', 'q', q);
    if (!(q >= 0 && q <= 1)) throw rangeError(`${W('quantile')}: q must be from 0 to 1 (got ${q})`);
    const o = optionsArg(env, 'quantile', options, []);
    return { k: 'quantiles', args: [x, Float64Array.of(q), call(env, o)], map: first };
  }),

  median: oneCall((env, args) => {
    arity('median', args, 2);
    const [x, options] = args;
    viewArg('median', 'x', x);
    const o = optionsArg(env, 'median', options, []);
    return { k: 'quantiles', args: [x, HALF, call(env, o)], map: first };
  }),

  quantiles: oneCall((env, args) => {
    arity('quantiles', args, 3);
    const [x, q, options] = args;
    viewArg('quantiles', 'x', x);
    let qs;
    if (Array.isArray(q) || (ArrayBuffer.isView(q) && q[Symbol.toStringTag] === 'Float64Array')) {
      if (ArrayBuffer.isView(q)) env.usable('quantiles', 'q', q); // read here, not by a kernel
      qs = new Float64Array(q.length);
      for (let i = 0; i < q.length; i++) {
        const v = q[i];
        if (typeof v !== 'number') throw typeError(`${W('quantiles')}: q[${i}] must be a number (got ${describe(v)})`);
        if (!(v >= 0 && v <= 1)) throw rangeError(`${W('quantiles')}: q[${i}] must be from 0 to 1 (got ${v})`);
        qs[i] = v;
      }
    } else {
      throw typeError(`${W('quantiles')}: q must be an array of numbers or a Float64Array (got ${describe(q)})`);
    }
    const o = optionsArg(env, 'quantiles', options, []);
    return { k: 'quantiles', args: [x, qs, call(env, o)] };
  }),

  topk: oneCall((env, args) => {
    arity('topk', args, 3);
    const [x, k, options] = args;
    viewArg('topk', 'x', x);
    if (x.length > MAX_INDEX) throw rangeError(`${W('topk')}: x has ${x.length} elements; at most ${MAX_INDEX}`);
    integerArg('topk', 'k', k, 0, x.length);
    const o = optionsArg(env, 'topk', options, ['smallest']);
    const smallest = boolArg('topk', 'options.smallest', o.smallest);
    // (the kernel's { values, indices } as it is, but for a Uint8ClampedArray x)
    return { k: 'topk', args: [x, k, call(env, o, { smallest })], map: x.constructor === Uint8ClampedArray ? topkOf : undefined, x };
  }),

  searchSorted: oneCall((env, args) => {
    arity('searchSorted', args, 3);
    const [sorted, needles, options] = args;
    const t = viewArg('searchSorted', 'sorted', sorted);
    if (sorted.length > MAX_INDEX) throw rangeError(`${W('searchSorted')}: sorted has ${sorted.length} elements; at most ${MAX_INDEX}`);
    const o = optionsArg(env, 'searchSorted', options, ['right']);
    const right = boolArg('searchSorted', 'options.right', o.right);
    let ns;
    let single = false;
    if (ArrayBuffer.isView(needles)) {
      ns = sameTypeArg('searchSorted', 'needles', needles, t, 'sorted');
    } else if (Array.isArray(needles) || typeof needles === 'number' || typeof needles === 'bigint') {
      single = !Array.isArray(needles);
      const list = single ? [needles] : needles;
      ns = new t.Ctor(list.length);
      for (let i = 0; i < list.length; i++) {
        const what = single ? 'needles' : `needles[${i}]`;
        ns[i] = t.float ? numberArg('searchSorted', what, list[i]) : elementArg('searchSorted', what, list[i], t);
      }
    } else {
      throw typeError(`${W('searchSorted')}: needles must be a typed array like sorted, an array or a single value (got ${describe(needles)})`);
    }
    return { k: 'searchSorted', args: [sorted, ns, call(env, o, { right })], map: single ? first : undefined };
  }),

  unique: oneCall((env, args) => {
    arity('unique', args, 2);
    const [x, options] = args;
    viewArg('unique', 'x', x);
    if (x.length > MAX_INDEX) throw rangeError(`${W('unique')}: x has ${x.length} elements; at most ${MAX_INDEX}`);
    const o = optionsArg(env, 'unique', options, []);
    return { k: 'unique', args: [x, call(env, o)], map: x.constructor === Uint8ClampedArray ? uniqueOf : undefined, x };
  }),

  sum: oneCall((env, args) => {
    arity('sum', args, 2);
    const x = args[0];
    const t = viewArg('sum', 'x', x);
    const o = optionsArg(env, 'sum', args[1], ['bigint']);
    const bigint = boolArg('sum', 'options.bigint', o.bigint);
    if (bigint && t.float) throw typeError(`${W('sum')}: options.bigint is for integer arrays (x is ${article(t.Ctor.name)} ${t.Ctor.name})`);
    // the kernel's value (a double for floats, the exact 128-bit sum as a bigint for integers)
    const map = t.float ? undefined : t.big ? (t.signed ? int128 : undefined) : bigint ? undefined : Number;
    return { k: 'sum', args: [x, call(env, o)], map };
  }),

  ...reduction('mean'),
  ...reduction('variance', ['ddof']),
  ...reduction('std', ['ddof']),

  min: oneCall((env, args) => extreme(env, args, 'min')),
  max: oneCall((env, args) => extreme(env, args, 'max')),

  dot: oneCall((env, args) => {
    arity('dot', args, 3);
    const [x, y, options] = args;
    const t = viewArg('dot', 'x', x, FLOATS);
    sameTypeArg('dot', 'y', y, t);
    sameLength('dot', 'y', y, x.length);
    const o = optionsArg(env, 'dot', options, []);
    return { k: 'dot', args: [x, y, call(env, o)] };
  }),

  norm: oneCall((env, args) => {
    arity('norm', args, 2);
    const x = args[0];
    viewArg('norm', 'x', x, FLOATS);
    const o = optionsArg(env, 'norm', args[1], []);
    return { k: 'norm', args: [x, call(env, o)] };
  }),

  cumsum: oneCall((env, args) => {
    arity('cumsum', args, 2);
    const [x, options] = args;
    const t = viewArg('cumsum', 'x', x);
    const o = optionsArg(env, 'cumsum', options, ['exclusive', 'out']);
    const exclusive = boolArg('cumsum', 'options.exclusive', o.exclusive);
    const out = outArg('cumsum', o, x.constructor === Uint8ClampedArray ? Uint8ClampedArray : t.Ctor, x.length, 'x');
    env.usable('cumsum', 'x', x);
    if (o.out !== undefined) env.usable('cumsum', 'options.out', out);
    // out may be x itself (in place), but not a part of it elsewhere
    if (out !== x && !(out.buffer === x.buffer && out.byteOffset === x.byteOffset)) noOverlap('cumsum', 'options.out', out, [['x', x]]);
    // a Uint8ClampedArray's stores clamp: sums in 64 bits, each stored min(255, sum) (array.h)
    if (x.constructor === Uint8ClampedArray) return { spec: 'cumsumClamped', args: [x, out, call(env, o, { exclusive })], map: returnX, x: out };
    return { k: 'cumsum', args: [x, out, call(env, o, { exclusive })], map: returnX, x: out };
  }),

  histogram: oneCall((env, args) => {
    arity('histogram', args, 2);
    const [x, options] = args;
    const t = viewArg('histogram', 'x', x);
    if (x.length > MAX_INDEX) throw rangeError(`${W('histogram')}: x has ${x.length} elements; at most ${MAX_INDEX}`);
    const o = optionsArg(env, 'histogram', options, ['bins', 'lo', 'hi', 'edges']);
    if (o.edges !== undefined) {
      for (const k of ['bins', 'lo', 'hi']) {
        if (o[k] !== undefined) throw typeError(`${W('histogram')}: options.${k} cannot go with options.edges`);
      }
      const e = o.edges;
      if (!Array.isArray(e) && !(ArrayBuffer.isView(e) && e[Symbol.toStringTag] === 'Float64Array')) {
        throw typeError(`${W('histogram')}: options.edges must be an array of numbers or a Float64Array (got ${describe(e)})`);
      }
      if (ArrayBuffer.isView(e)) env.usable('histogram', 'options.edges', e); // read here, not by a kernel
      if (e.length < 2) throw rangeError(`${W('histogram')}: options.edges must hold at least 2 edges (got ${e.length})`);
      const edges = new Float64Array(e.length);
      for (let i = 0; i < e.length; i++) {
        const v = binBoundArg(t, `options.edges[${i}]`, e[i]);
        if (Number.isNaN(v)) throw rangeError(`${W('histogram')}: options.edges[${i}] is NaN`);
        if (i > 0 && !(v > edges[i - 1])) {
          const as = typeof e[i] === 'bigint' || typeof e[i - 1] === 'bigint' ? ' as the doubles the bigints round to' : '';
          throw rangeError(`${W('histogram')}: options.edges must increase strictly${as} (edges[${i}] = ${v} after ${edges[i - 1]})`);
        }
        edges[i] = v;
      }
      return { k: 'histogramEdges', args: [x, edges, call(env, o)] };
    }
    const bins = o.bins === undefined ? 10 : integerArg('histogram', 'options.bins', o.bins, 1, MAX_BINS);
    let lo = o.lo === undefined ? undefined : binBoundArg(t, 'options.lo', o.lo);
    let hi = o.hi === undefined ? undefined : binBoundArg(t, 'options.hi', o.hi);
    for (const [k, v] of [['lo', lo], ['hi', hi]]) {
      if (v !== undefined && !Number.isFinite(v)) throw rangeError(`${W('histogram')}: options.${k} must be finite (got ${v})`);
    }
    if (lo === undefined || hi === undefined) {
      if (x.length > RANGE_IN_JS) return autoRange(env, x, o, bins, lo, hi);
      // a few elements: their range read here, one kernel call instead of three
      env.usable('histogram', 'x', x);
      [lo, hi] = defaultRange(o, bins, lo, hi, ...extent(x));
    }
    checkRange(o, lo, hi);
    return { k: 'histogram', args: [x, call(env, o, { bins, lo, hi })] };
  }),

  axpy: oneCall((env, args) => {
    arity('axpy', args, 4);
    const [a, x, y, options] = args;
    const t = viewArg('axpy', 'x', x, FLOATS);
    numberArg('axpy', 'a', a);
    sameTypeArg('axpy', 'y', y, t);
    sameLength('axpy', 'y', y, x.length);
    if (y !== x && y.length && overlaps(x, y) && y.byteOffset !== x.byteOffset) {
      throw rangeError(`${W('axpy')}: y must be x itself or not overlap it`);
    }
    const o = optionsArg(env, 'axpy', options, []);
    return { k: 'axpy', args: [a, x, y, call(env, o)], map: returnX, x: y };
  }),

  clamp: oneCall((env, args) => {
    arity('clamp', args, 4);
    const [x, lo, hi, options] = args;
    const t = viewArg('clamp', 'x', x);
    const l = elementArg('clamp', 'lo', lo, t);
    const h = elementArg('clamp', 'hi', hi, t);
    if (l > h) throw rangeError(`${W('clamp')}: lo (${lo}) must not be greater than hi (${hi})`);
    const o = optionsArg(env, 'clamp', options, ['out']);
    const out = outArg('clamp', o, x.constructor === Uint8ClampedArray ? Uint8ClampedArray : t.Ctor, x.length, 'x');
    env.usable('clamp', 'x', x);
    if (o.out !== undefined) env.usable('clamp', 'options.out', out);
    if (out !== x && !(out.buffer === x.buffer && out.byteOffset === x.byteOffset)) noOverlap('clamp', 'options.out', out, [['x', x]]);
    return { k: 'clamp', args: [x, out, call(env, o, { lo: l, hi: h })], map: returnX, x: out };
  }),

  convert: oneCall((env, args) => {
    arity('convert', args, 3);
    const [x, to, options] = args;
    const t = viewArg('convert', 'x', x);
    const o = optionsArg(env, 'convert', options, ['normalize']);
    const normalize = boolArg('convert', 'options.normalize', o.normalize);
    let out;
    if (typeof to === 'function' && ALL.some((k) => TYPES[k].Ctor === to)) {
      out = new to(x.length);
    } else if (ArrayBuffer.isView(to) && ALL.includes(to[Symbol.toStringTag])) {
      out = to;
      sameLength('convert', 'to', out, x.length);
      if (out.length && overlaps(out, x)) throw rangeError(`${W('convert')}: to must not overlap x`);
    } else {
      throw typeError(`${W('convert')}: to must be a typed array constructor (Float32Array, ...) or a typed array to write (got ${describe(to)})`);
    }
    const u = TYPES[out[Symbol.toStringTag]];
    env.usable('convert', 'x', x);
    env.usable('convert', 'to', out);
    if (normalize) {
      if (t.float === u.float) throw typeError(`${W('convert')}: options.normalize needs exactly one float side (${t.Ctor.name} to ${u.Ctor.name})`);
      if ((t.float ? u : t).big) throw typeError(`${W('convert')}: options.normalize does not take 64-bit integers`);
    }
    return { spec: 'convert', args: [x, t.code, out, u.code, call(env, o, { normalize })], map: returnX, x: out };
  }),

  matmul: oneCall((env, args) => {
    arity('matmul', args, 3);
    const [a, b, options] = args;
    const t = viewArg('matmul', 'a', a, FLOATS);
    sameTypeArg('matmul', 'b', b, t, 'a');
    const o = optionsArg(env, 'matmul', options, ['m', 'k', 'n', 'out']);
    for (const d of ['m', 'k', 'n']) if (o[d] !== undefined) integerArg('matmul', `options.${d}`, o[d], 0, MAX_INDEX);
    let { m, k, n } = o;
    // a zero side leaves the side it multiplies unknown (0 elements whatever it is): it must be given
    const unknown = (d, zero) => rangeError(`${W('matmul')}: ${zero} is 0, so options.${d} cannot be found from the lengths; give it`);
    if (k === undefined) {
      if (m === undefined && n === undefined) throw typeError(`${W('matmul')}: the shape needs options.m, options.k or options.n`);
      if (m > 0) k = a.length / m;
      else if (n > 0) k = b.length / n;
      else if (m === 0 && n === 0) k = 0; // an empty result, whatever k is (a and b must be empty)
      else throw unknown('k', m === 0 ? 'options.m' : 'options.n');
    }
    if (m === undefined) {
      if (k === 0) throw unknown('m', 'k');
      m = a.length / k;
    }
    if (n === undefined) {
      if (k === 0) throw unknown('n', 'k');
      n = b.length / k;
    }
    if (!Number.isInteger(m) || !Number.isInteger(k) || !Number.isInteger(n) || m * k !== a.length || k * n !== b.length) {
      throw rangeError(`${W('matmul')}: shapes do not match: a has ${a.length} elements, b has ${b.length} ` +
        `(a must be m x k = ${o.m ?? '?'} x ${o.k ?? '?'}, b k x n = ${o.k ?? '?'} x ${o.n ?? '?'})`);
    }
    if (m * n > MAX_INDEX) throw rangeError(`${W('matmul')}: the result would have ${m * n} elements; at most ${MAX_INDEX}`);
    const out = outArg('matmul', o, t.Ctor, m * n, 'a');
    env.usable('matmul', 'a', a);
    env.usable('matmul', 'b', b);
    if (o.out !== undefined) env.usable('matmul', 'options.out', out);
    noOverlap('matmul', 'options.out', out, [['a', a], ['b', b]]);
    return { k: 'matmul', args: [a, b, out, call(env, o, { m, k, n })], map: returnX, x: out };
  }),

  matvec: oneCall((env, args) => {
    arity('matvec', args, 3);
    const [a, x, options] = args;
    const t = viewArg('matvec', 'a', a, FLOATS);
    sameTypeArg('matvec', 'x', x, t, 'a');
    const rows = x.length === 0 ? (a.length === 0 ? 0 : NaN) : a.length / x.length;
    if (!Number.isInteger(rows)) {
      throw rangeError(`${W('matvec')}: shapes do not match: a has ${a.length} elements, not a multiple of x's ${x.length}`);
    }
    const o = optionsArg(env, 'matvec', options, ['out']);
    const out = outArg('matvec', o, t.Ctor, rows, 'a');
    env.usable('matvec', 'a', a);
    env.usable('matvec', 'x', x);
    if (o.out !== undefined) env.usable('matvec', 'options.out', out);
    noOverlap('matvec', 'options.out', out, [['a', a], ['x', x]]);
    return { k: 'matvec', args: [a, x, out, call(env, o)], map: returnX, x: out };
  }),

  transpose: oneCall((env, args) => {
    arity('transpose', args, 2);
    const [a, options] = args;
    const t = viewArg('transpose', 'a', a);
    const o = optionsArg(env, 'transpose', options, ['rows', 'cols', 'out']);
    for (const d of ['rows', 'cols']) if (o[d] !== undefined) integerArg('transpose', `options.${d}`, o[d], 0, MAX_INDEX);
    let { rows, cols } = o;
    const div = (len, d) => (d === 0 ? (len === 0 ? 0 : NaN) : len / d);
    if (rows === undefined && cols === undefined) throw typeError(`${W('transpose')}: the shape needs options.rows or options.cols`);
    if (rows === undefined) rows = div(a.length, cols);
    if (cols === undefined) cols = div(a.length, rows);
    if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows * cols !== a.length) {
      throw rangeError(`${W('transpose')}: shapes do not match: a has ${a.length} elements, not rows x cols = ${o.rows ?? '?'} x ${o.cols ?? '?'}`);
    }
    const out = outArg('transpose', o, a.constructor === Uint8ClampedArray ? Uint8ClampedArray : t.Ctor, a.length, 'a');
    env.usable('transpose', 'a', a);
    if (o.out !== undefined) env.usable('transpose', 'options.out', out);
    noOverlap('transpose', 'options.out', out, [['a', a]]);
    return { k: 'transpose', args: [a, out, call(env, o, { rows, cols })], map: returnX, x: out };
  }),
};

function reduction(name, opts = []) {
  return {
    [name]: oneCall((env, args) => {
      arity(name, args, 2);
      const x = args[0];
      viewArg(name, 'x', x);
      const o = optionsArg(env, name, args[1], opts);
      const own = {};
      if (o.ddof !== undefined) own.ddof = integerArg(name, 'options.ddof', o.ddof, 0, MAX_INDEX);
      return { k: name, args: [x, call(env, o, own)] };
    }),
  };
}

// topk's and unique's results: values as a Uint8ClampedArray for one (the kernel's are Uint8Array)
const clampedLike = (x, v) => (x.constructor === Uint8ClampedArray ? new Uint8ClampedArray(v.buffer) : v);
const topkOf = (r, y) => ({ values: clampedLike(y.x, r.values), indices: r.indices });
const uniqueOf = (r, y) => ({ values: clampedLike(y.x, r.values), counts: r.counts });


/** lo < hi, or a RangeError naming each bound: the option given, or the data's extreme that stood in for it. */
// A histogram's bound or edge: a number, or for a BigInt64Array or
// BigUint64Array also a bigint, as the elements are: the double it rounds
// to, the value its elements are binned as (array.h).
function binBoundArg(t, what, v) {
  const b = typeof v === 'bigint' && t.big ? Number(v) : v;
  if (typeof b !== 'number') throw typeError(`${W('histogram')}: ${what} must be a number${t.big ? ' or a bigint' : ''} (got ${describe(v)})`);
  return b;
}

function checkRange(o, lo, hi) {
  if (lo < hi) return;
  const bound = (k, v) => (o[k] !== undefined ? `options.${k} (${v})`
    : `the ${k === 'lo' ? 'smallest' : 'largest'} element (${v}, options.${k} not given)`);
  throw rangeError(`${W('histogram')}: ${bound('lo', lo)} must be less than ${bound('hi', hi)}`);
}

/**
 * histogram() without options.lo or options.hi: numpy's default range,
 * the smallest and largest element (NaN left out), found first: min and
 * max, two passes without scratch; where a NaN makes them NaN, the
 * quantiles 0 and 1, which leave NaN out. A generator of those calls and
 * the histogram's.
 */
function* autoRange(env, x, o, bins, lo, hi) {
  let mn = NaN;
  let mx = NaN;
  if (x.length > 0) {
    mn = Number((yield { k: 'min', args: [x, call(env, o)] }).value[0]);
    mx = Number((yield { k: 'max', args: [x, call(env, o)] }).value[0]);
    if (Number.isNaN(mn) || Number.isNaN(mx)) [mn, mx] = yield { k: 'quantiles', args: [x, Float64Array.of(0, 1), call(env, o)] };
  }
  [lo, hi] = defaultRange(o, bins, lo, hi, mn, mx);
  checkRange(o, lo, hi);
  return yield { k: 'histogram', args: [x, call(env, o, { bins, lo, hi })] };
}

// arrays of at most this many elements have their histogram's default
// range found by extent() on the calling thread (about a microsecond),
// not by the min, max (and quantiles) kernels: a queued pool.array.histogram
// of 64 doubles with its default range 5-6 -> 1-2 µs
const RANGE_IN_JS = 1024;

/**
 * The smallest and largest element of x that is not NaN, as numbers (what
 * the min and max kernels give, or quantiles 0 and 1 with NaN in x; -0
 * below +0), or [NaN, NaN] if there is none.
 */
function extent(x) {
  const n = x.length;
  if (typeof x[0] === 'bigint') {
    let a = x[0];
    let b = x[0];
    for (let i = 1; i < n; i++) {
      const v = x[i];
      if (v < a) a = v;
      if (v > b) b = v;
    }
    return [Number(a), Number(b)];
  }
  let a = NaN;
  let b = NaN;
  let i = 0;
  while (i < n && Number.isNaN(x[i])) i++;
  if (i < n) a = b = x[i];
  for (; i < n; i++) {
    const v = x[i];
    if (v < a || (v === 0 && a === 0 && Object.is(v, -0))) a = v;
    else if (v > b || (v === 0 && b === 0 && Object.is(b, -0))) b = v;
  }
  return [a, b];
}

/**
 * The histogram's range: lo and hi as given, the missing ones from the
 * extent [mn, mx] of x (NaN: x holds no number, then [0, 1]), numpy's
 * widening around a single value; an infinity in x is refused.
 */
function defaultRange(o, bins, lo, hi, mn, mx) {
  const empty = Number.isNaN(mn);
  if (!empty && (!Number.isFinite(mn) || !Number.isFinite(mx))) {
    throw rangeError(`${W('histogram')}: x holds an infinity; give options.lo and options.hi`);
  }
  if (lo === undefined) lo = empty ? 0 : mn;
  if (hi === undefined) hi = empty ? 1 : mx;
  if (lo === hi && o.lo === undefined && o.hi === undefined) [lo, hi] = aroundOne(lo, bins);
  return [lo, hi];
}

const int128 = (s) => BigInt.asIntN(128, s);
const minOf = (r) => ({ min: r.value[0], argmin: r.index[0] });
const maxOf = (r) => ({ max: r.value[0], argmax: r.index[0] });

function extreme(env, args, name) {
  arity(name, args, 2);
  const x = args[0];
  viewArg(name, 'x', x);
  if (x.length === 0) {
    env.usable(name, 'x', x); // (a detached view reads as empty: it says so)
    throw rangeError(`${W(name)}: x is empty (it has no ${name})`);
  }
  if (x.length > MAX_INDEX) throw rangeError(`${W(name)}: x has ${x.length} elements; at most ${MAX_INDEX}`);
  const o = optionsArg(env, name, args[1], []);
  return { k: name, args: [x, call(env, o)], map: name === 'min' ? minOf : maxOf };
}

// --------------------------------------------------------------- drivers
// Operations of several calls run on the drivers of js/runtime/drive.js;
// those of one call, below, without a generator.

/**
 * An operation of one call (oneCall), on the core: its result. (A plan
 * that needs more calls for its arguments, histogram's default range,
 * returns a generator of them instead.)
 */
function runOneSync(env, where, plan, args) {
  const y = plan(env, args);
  if (y.next !== undefined) return runSync(env, where, y);
  // (the array written in place, a view of a memory the call may grow: see reattached())
  const at = y.map === returnX ? placeOf(y.x) : null;
  let v;
  try {
    v = env.exec(y);
  } catch (e) {
    throw renamed(e, 'array', where, y.k ?? y.spec);
  }
  if (at !== null) y.x = reattached(y.x, at);
  return y.map === undefined ? v : y.map(v, y);
}

/**
 * The same on a pool: the kernel method's promise itself where an error's
 * name needs no change and the value none either, or, on the threaded
 * pool, where the RESULT option gives the result (an argument, sort's x,
 * or a Mapped: min's { min, argmin } made where the pool settles the
 * call); else the one `then` derives from it.
 */
function runOneAsync(env, where, plan, args) {
  let y;
  let k;
  let p;
  let direct = false;
  try {
    y = plan(env, args);
    if (y.next !== undefined) return runHeld(env, where, y, args);
    k = y.k ?? y.spec;
    direct = k === where && (y.map === undefined || env.settleWith);
    if (direct && y.map !== undefined) {
      const last = y.args.length - 1;
      const result = y.map === returnX ? y.x : new Mapped(y.map, y);
      if (y.args[last] === NONE) y.args[last] = { [RESULT]: result };
      else y.args[last][RESULT] = result;
    }
    p = Promise.resolve(env.exec(y));
  } catch (e) {
    return Promise.reject(y === undefined ? e : renamed(e, 'array', where, k));
  }
  if (direct) return p;
  return p.then((v) => (y.map === undefined ? v : y.map(v, y)), (e) => {
    throw renamed(e, 'array', where, k);
  });
}

function install(target, ctx, async) {
  const ns = target.array;
  if (ns === undefined || ns === null) {
    throw new ParawasmError('the array family needs the array kernels (include/parawasm/array.h) in the package', 'ERR_PW_NO_KERNEL');
  }
  // the generated methods (one per operation, dispatching on the element type)
  const raw = { ...ns };
  for (const name of Object.keys(raw)) delete ns[name];
  // the internal kernels that plans name as { spec } (array.h's PW_INTERNAL ones)
  const specs = { convert: ctx.kernels.get('array.convert'), cumsumClamped: ctx.kernels.get('array.cumsumClamped') };
  const env = {
    async,
    // the threaded pool's calls take the RESULT option (the fallback pool's cannot: it posts them)
    settleWith: async && target.isShared === true,
    callOptions: async ? ['signal', 'onProgress'] : ['onProgress'],
    alloc: (n, Ctor) => target.alloc(n * Ctor.BYTES_PER_ELEMENT, Ctor),
    free: (v) => target.free(v),
    /**
     * Refuses, naming the argument, a view that no kernel may use (freed,
     * detached, or built by hand over the memory): what the kernel's
     * binding would refuse under its C parameter's name, later.
     */
    usable(where, what, v) {
      checkUsable(target, v, `${W(where)}: ${what}`);
    },
    exec(y) {
      return y.spec ? target.$call(specs[y.spec], y.args) : raw[y.k](...y.args);
    },
    rename: (e, where, y) => renamed(e, 'array', where, y.k ?? y.spec),
    // (operations of several calls on a pool: drive.js runHeld)
    hold: (args) => target.$holdInputs(argViews(args)),
    unhold: (held) => target.$releaseInputs(held),
  };
  for (const [name, op] of Object.entries(OPS)) {
    const { plan } = op;
    let fn;
    if (plan) fn = async ? (...args) => runOneAsync(env, name, plan, args) : (...args) => runOneSync(env, name, plan, args);
    else fn = async ? (...args) => runHeld(env, name, op(env, args), args) : (...args) => runSync(env, name, op(env, args));
    Object.defineProperty(ns, name, { value: fn, enumerable: true, configurable: true });
  }
}

/** The array family, as a package's entry passes it to makePackage(). */
export const arrayFamily = {
  name: 'array',
  core: (core, ctx) => install(core, ctx, false),
  pool: (pool, ctx) => install(pool, ctx, true),
};

/** The distance from |v| to the next larger double. */
function spacing(v) {
  const a = Math.abs(v);
  if (a < 2 ** -1022) return 2 ** -1074;
  let e = Math.floor(Math.log2(a)); // may be one off near a power of two
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  return 2 ** (e - 52);
}

/**
 * histogram()'s default range for data of one value v: numpy's
 * [v - 0.5, v + 0.5] where the doubles near v are at most 1 / (4 bins)
 * apart (every edge then rounds by less than a quarter of a bin). Where
 * they are further apart, bins of w = twice that spacing (a power of
 * two): every edge lo + i w is then a double and the bin arithmetic
 * exact, and v lies in the middle bin (bins >> 1). Next to the largest
 * double the range ends at v, which falls in the last bin (the first
 * for -v).
 */
function aroundOne(v, bins) {
  const u = spacing(v);
  if (u * 4 * bins <= 1) {
    // with an even number of bins v is the middle bin's low edge, lo + (bins >> 1) w
    // in exact arithmetic; as the kernel rounds it (w = (hi - lo) / bins), it
    // may come out above v (v = 0.0092, 10 bins: bin 4): lo moves down by
    // an ulp until it does not (array.h: equal bins)
    let lo = v - 0.5;
    const hi = v + 0.5;
    const m = bins >> 1;
    while (lo + m * ((hi - lo) / bins) > v) lo -= spacing(lo);
    return [lo, hi];
  }
  const w = 2 * u;
  const lo = Math.floor(v / w) * w - Math.floor(bins / 2) * w;
  const hi = lo + bins * w;
  if (Number.isFinite(lo) && Number.isFinite(hi)) return [lo, hi];
  return v > 0 ? [v - bins * w, v] : [v, v + bins * w];
}
