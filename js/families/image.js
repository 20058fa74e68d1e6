// The image family's JS: core.image.* and pool.image.*, the API users see
// over the generated image kernels (include/parawasm/image.h).
//
// What it adds to the generated methods, and why:
//   - Images are objects, { data, width, height, channels }: ImageData works
//     as it is (channels defaults to 4, RGBA), and grey images are the same
//     objects with channels 1. One method serves both: blur() picks the
//     kernel pw_image_blur or pw_image_blur_grey from the image, so a grey
//     pipeline needs no other names. A bare Uint8Array/Uint8ClampedArray
//     with { width, height, channels } in the options is accepted too.
//   - Enums are strings ('lanczos3', 'edge', ...), colours are '#rrggbbaa',
//     [r, g, b, a] or 0xRRGGBBAA, and sizes follow from what is known
//     (resize(img, 320) keeps the aspect ratio).
//   - The destination is optional. Without options.dst a new image is made:
//     on a pool its data comes from pool.alloc(), so that a pipeline stays
//     in the pool's memory and no step copies (free it with
//     pool.image.free(img), or pool.free(img.data)); on a core it is a plain
//     Uint8ClampedArray (garbage-collected: a core without shared memory may
//     detach its heap views when the heap grows, so handing those out would
//     be a trap). With options.dst the result is written there; dst may be
//     the source itself where the kernel is declared PW_ALIAS(src).
//   - Every argument is checked here with messages in this API's own names
//     (options.dst, rect.width, ...), before a kernel runs; the generated
//     binding checks again, as a backstop.
//   - Steps that take more than one kernel call (decode: info, then decode
//     into a buffer of the right size; composite without dst: copy, then
//     draw) are written once, as generator functions that yield kernel
//     calls. A driver runs them synchronously on a core and asynchronously
//     on a pool, so the core and the pool cannot drift apart; memory made
//     by a step is freed in the generator's catch when a later call fails.
//   - decodeMany() decodes files concurrently: each file is one call, and
//     the pool runs as many at once as it has threads.
//   - chain() runs steps one after the other, each on the previous step's
//     image, and frees every intermediate image as soon as the next step is
//     done with it.
import { Mapped, RESULT, checkCallOptions } from '../runtime/bind.js';
import { ParawasmError, describe, isPlainObject, rangeError, typeError } from '../runtime/errors.js';
import { argViews, renamed, runHeld, runSync } from '../runtime/drive.js';
import { checkAttached, checkLive, checkUsable, memoryOf, placeOf, reattached } from '../runtime/memory.js';

const MAX_SIDE = 16777216; // PW_IMAGE_MAX_SIDE
const MAX_BYTES = 2 ** 32 - 1; // one buffer of wasm32
// PW_IMAGE_NEAREST .. PW_IMAGE_LANCZOS3 (image.h); 'bicubic' is Catmull-Rom
const FILTERS = { nearest: 0, bilinear: 1, bicubic: 2, 'catmull-rom': 2, mitchell: 3, lanczos3: 4 };
// the 3x3 presets, as pw_image_convolve_preset defines them (divisor 1, bias 0)
const PRESETS = {
  edge: [-1, -1, -1, -1, 8, -1, -1, -1, -1],
  emboss: [-2, -1, 0, -1, 1, 1, 0, 1, 2],
  sharpen: [0, -1, 0, -1, 5, -1, 0, -1, 0],
};
const FORMATS = { 1: 'png', 2: 'jpeg' }; // PW_IMAGE_PNG, PW_IMAGE_JPEG
const BYTE_TAGS = ['Uint8Array', 'Uint8ClampedArray'];
const SIZE_OPTIONS = ['width', 'height', 'channels']; // a bare view's size
// the generated methods of the namespace, replaced by this file's
const RAW = ['resize', 'blur', 'boxBlur', 'unsharp', 'convolve', 'convolvePreset', 'greyscale', 'toGrey', 'fromGrey',
  'invert', 'brightnessContrast', 'gamma', 'levels', 'colorMatrix', 'threshold', 'premultiply', 'unpremultiply',
  'crop', 'flip', 'flop', 'rotate', 'extend', 'composite', 'histogram', 'stats', 'info', 'decode', 'encodePng',
  'encodeJpeg'].flatMap((n) => [n, `${n}Grey`]);

// ------------------------------------------------------------ checks

const W = (where) => `image.${where}`;

// the largest finite 32-bit float: the kernels take their matrices, weights and divisors as floats
const FLT_MAX = 3.4028234663852886e38;

function number(where, what, v, lo, hi, integer = false) {
  if (typeof v !== 'number') throw typeError(`${W(where)}: ${what} must be a number (got ${describe(v)})`);
  if (integer ? !Number.isInteger(v) || v < lo || v > hi : !(v >= lo && v <= hi)) {
    throw rangeError(`${W(where)}: ${what} must be ${integer ? 'an integer' : 'a number'} from ${lo} to ${hi} (got ${v})`);
  }
  return v;
}

const side = (where, what, v) => number(where, what, v, 1, MAX_SIDE, true);

function isBytes(v) {
  if (!ArrayBuffer.isView(v)) return false;
  // (the two constructors first: the tag is a getter call; Buffer and other subclasses take it)
  const c = v.constructor;
  return c === Uint8Array || c === Uint8ClampedArray || BYTE_TAGS.includes(v[Symbol.toStringTag]);
}

function checkBytes(where, what, v) {
  if (!isBytes(v)) throw typeError(`${W(where)}: ${what} must be a Uint8Array or Uint8ClampedArray (got ${describe(v)})`);
  // before its length (0) is compared with the image's: the length is not what is wrong
  // (the name built only then: a call's checks allocate no strings)
  if (v.byteLength === 0) checkAttached(v, `${W(where)}: ${what}`);
  return v;
}

// `${name}.data` and the like for the checks' messages, made once per name
const fieldNames = Object.create(null);
const fieldsOf = (name) => (fieldNames[name] ??= {
  data: `${name}.data`, width: `${name}.width`, height: `${name}.height`, channels: `${name}.channels`,
});

function checkChannels(where, what, v) {
  if (v === undefined) return 4;
  if (v !== 1 && v !== 4) {
    if (typeof v !== 'number') throw typeError(`${W(where)}: ${what} must be 4 (RGBA) or 1 (grey) (got ${describe(v)})`);
    throw rangeError(`${W(where)}: ${what} must be 4 (RGBA) or 1 (grey) (got ${v})`);
  }
  return v;
}

function byteCount(where, what, width, height, channels) {
  const n = width * height * channels;
  if (n > MAX_BYTES) {
    throw rangeError(`${W(where)}: ${what} would be ${width} x ${height} x ${channels} = ${n} bytes; ` +
      `one image holds at most ${MAX_BYTES} bytes (4 GiB, wasm32)`);
  }
  return n;
}

/**
 * The image argument `name` of a call: an image object ({ data, width,
 * height, channels? }, ImageData) or a bare byte view whose size is in
 * `options` (width, height, channels). Returns { data, width, height,
 * channels, obj } (obj: the object given, or null).
 */
function imageArg(where, name, v, options, bareAllowed = true, into = undefined) {
  let data;
  let width;
  let height;
  let channels;
  let obj = null;
  if (ArrayBuffer.isView(v)) {
    if (!bareAllowed) throw typeError(`${W(where)}: ${name} must be an image { data, width, height } (got ${describe(v)})`);
    if (options?.width === undefined || options?.height === undefined) {
      throw typeError(`${W(where)}: ${name} is a bare view, so options.width and options.height must give its size ` +
        '(or pass an image { data, width, height })');
    }
    data = checkBytes(where, name, v);
    width = side(where, 'options.width', options.width);
    height = side(where, 'options.height', options.height);
    channels = checkChannels(where, 'options.channels', options.channels);
  } else if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    if (name === 'src' && options) {
      for (const k of SIZE_OPTIONS) {
        if (options[k] !== undefined) {
          throw typeError(`${W(where)}: options.${k} is for a bare view; src is an image with its own ${k}`);
        }
      }
    }
    obj = v;
    const f = fieldsOf(name);
    data = checkBytes(where, f.data, v.data);
    width = side(where, f.width, v.width);
    height = side(where, f.height, v.height);
    channels = checkChannels(where, f.channels, v.channels);
  } else {
    throw typeError(`${W(where)}: ${name} must be an image { data, width, height[, channels] } or a Uint8Array / ` +
      `Uint8ClampedArray with options.width and options.height (got ${describe(v)})`);
  }
  const n = byteCount(where, name, width, height, channels);
  if (data.length !== n) {
    throw rangeError(`${W(where)}: ${obj ? `${name}.data` : name} must be ${n} bytes long ` +
      `(${width} x ${height} x ${channels}${channels === 4 ? ' RGBA' : ' grey'}) (got ${data.length})`);
  }
  if (into === undefined) return { data, width, height, channels, obj };
  into.data = data;
  into.width = width;
  into.height = height;
  into.channels = channels;
  into.obj = obj;
  return into;
}

/** Encoded bytes (a file): any view or an ArrayBuffer, as a Uint8Array over the same memory. */
function fileArg(where, what, v) {
  if (isBytes(v)) return v;
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  if (v instanceof ArrayBuffer || (typeof SharedArrayBuffer === 'function' && v instanceof SharedArrayBuffer)) return new Uint8Array(v);
  throw typeError(`${W(where)}: ${what} must be the file's bytes: a Uint8Array, Buffer, any view or an ArrayBuffer (got ${describe(v)})`);
}

function rgbaOnly(where, img, name = 'src') {
  if (img.channels !== 4) {
    throw typeError(`${W(where)}: ${name} must be an RGBA image (channels 4), not grey (channels 1); ` +
      (where === 'toGrey' || where === 'greyscale' ? 'it is grey already' : 'toRgba() converts it'));
  }
}


function overlaps(a, b) {
  // (the byte ranges first: views far apart need no lookup of their memory)
  if (!a.byteLength || !b.byteLength) return false;
  if (!(a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength)) return false;
  return memoryOf(a) === memoryOf(b);
}

const sameBytes = (a, b) => memoryOf(a) === memoryOf(b) && a.byteOffset === b.byteOffset && a.byteLength === b.byteLength;

/**
 * Checks the options object of a call: a plain object (or undefined) whose
 * keys are in `known` or are the call options of this core or pool.
 * Returns it (or NO_OPTIONS, a frozen empty object).
 */
function optionsArg(env, where, o, known, calls = env.callOptions) {
  if (o === undefined) return NO_OPTIONS;
  if (!isPlainObject(o)) throw typeError(`${W(where)}: options must be an object (got ${describe(o)})`);
  for (const k in o) {
    if (!Object.prototype.hasOwnProperty.call(o, k)) continue; // (own keys, as Object.keys gives; no array made)
    if (!known.includes(k) && !calls.includes(k)) {
      throw typeError(`${W(where)}: unknown option "${k}" (the options are: ${[...known, ...calls].join(', ')})`);
    }
  }
  return o;
}

const NO_CALL_OPTIONS = Object.freeze({});
// The options object of a pool's direct call of a same-size operation
// without scalars or call options of its own (invert, flip, greyscale, ...
// into options.dst), reused: 48 bytes a call less (the small-call cost).
// A call made while another is being made (from a getter of a subclassed
// view among its arguments) takes a new one.
const DIRECT = { width: 0, height: 0, [RESULT]: undefined };
// ... and its source, as imageArg() describes it (64 bytes a call less);
// a call that does not end in a direct call copies it
const SRC = { data: null, width: 0, height: 0, channels: 4, obj: null };
let directBusy = false;
// what optionsArg() gives for no options (read, never written: no allocation per call)
const NO_OPTIONS = Object.freeze({});

/** The call options of a kernel call: signal (pool) and onProgress, and what a chain injects. */
function callOptionsOf(o, inject) {
  if (o.signal === undefined && o.onProgress === undefined && inject?.signal === undefined) return NO_CALL_OPTIONS;
  const c = {};
  if (o.signal !== undefined) c.signal = o.signal;
  if (o.onProgress !== undefined) c.onProgress = o.onProgress;
  if (inject?.signal !== undefined && c.signal === undefined) c.signal = inject.signal;
  return c;
}

function arity(where, args, most) {
  if (args.length > most) throw typeError(`${W(where)}: takes at most ${most} arguments (got ${args.length})`);
}

// the options argument mainArg() found, taken right after it returns
// with takeMainOptions() (no array of two a call: 64 bytes less, the
// small-call cost; and no caller's object held after)
let mainOptions;
const takeMainOptions = () => {
  const o = mainOptions;
  mainOptions = undefined;
  return o;
};

/** A colour matrix given as rows: 4 rows of 5 numbers, flattened (their numbers are checked after). */
function matrixRows(where, m) {
  m.forEach((row, i) => {
    if (!Array.isArray(row)) throw typeError(`${W(where)}: matrix[${i}] must be a row of 5 numbers, as the other rows (got ${describe(row)})`);
  });
  if (m.length !== 4) throw rangeError(`${W(where)}: matrix must have 4 rows of 5 numbers, as feColorMatrix (got ${m.length} rows)`);
  m.forEach((row, i) => {
    if (row.length !== 5) throw rangeError(`${W(where)}: matrix[${i}] must have 5 numbers, as feColorMatrix's rows (got ${row.length})`);
  });
  return m.flat();
}

/**
 * `op(src, main, options)`, `op(src, undefined, options)` or `op(src,
 * options)` with `main` inside the options: returns main;
 * takeMainOptions() then gives the options argument.
 * `isMain` tells a main argument from an options object.
 */
function mainArg(where, args, name, isMain) {
  arity(where, args, 3);
  if (args.length >= 2 && isMain(args[1])) {
    if (isPlainObject(args[2]) && Object.prototype.hasOwnProperty.call(args[2], name) && args[2][name] !== undefined) {
      throw typeError(`${W(where)}: ${name} is given twice, as an argument (${args[1]}) and as options.${name} ` +
        `(${describe(args[2][name])}); give it once`);
    }
    mainOptions = args[2];
    return args[1];
  }
  if (args[1] === undefined && args.length === 3) {
    // op(src, undefined, options): the main argument left out, as an
    // optional one is (its default, or options[name])
    mainOptions = args[2];
    return isPlainObject(args[2]) ? args[2][name] : undefined;
  }
  if (args[1] === undefined || isPlainObject(args[1])) {
    if (args.length === 3 && args[2] !== undefined) {
      throw typeError(`${W(where)}: ${name} must come before the options (got ${describe(args[1])} then ${describe(args[2])})`);
    }
    mainOptions = args[1];
    return args[1]?.[name];
  }
  mainOptions = args[2];
  return args[1]; // the main argument's own check reports it
}

// -------------------------------------------------------------- colours

function luma(r, g, b) {
  return Math.floor((2126 * r + 7152 * g + 722 * b + 5000) / 10000); // as the kernels' Rec. 709 luma
}

/**
 * A background colour: 0xRRGGBBAA (RGBA) or 0..255 (grey), '#rgb',
 * '#rgba', '#rrggbb', '#rrggbbaa', or [r, g, b(, a)] (grey: [v] too).
 * Returns the kernel's value: 0xRRGGBBAA, or the grey level.
 */
function colourArg(where, what, v, channels) {
  let rgba;
  if (typeof v === 'number') {
    if (channels === 1) return number(where, `${what} (a grey level)`, v, 0, 255, true);
    return number(where, `${what} (0xRRGGBBAA)`, v, 0, 0xffffffff, true) >>> 0;
  }
  if (typeof v === 'string') {
    const m = /^#([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i.exec(v);
    if (!m) throw rangeError(`${W(where)}: ${what} must be '#rgb', '#rgba', '#rrggbb' or '#rrggbbaa' (got ${JSON.stringify(v)})`);
    let hex = m[1];
    if (hex.length <= 4) hex = [...hex].map((c) => c + c).join('');
    if (hex.length === 6) hex += 'ff';
    rgba = [0, 2, 4, 6].map((i) => parseInt(hex.slice(i, i + 2), 16));
  } else if (Array.isArray(v)) {
    if (!(v.length === 3 || v.length === 4 || (channels === 1 && v.length === 1))) {
      throw rangeError(`${W(where)}: ${what} must be [r, g, b] or [r, g, b, a]${channels === 1 ? ' or [v]' : ''} (got ${v.length} values)`);
    }
    v.forEach((c, i) => number(where, `${what}[${i}]`, c, 0, 255, true));
    rgba = v.length === 1 ? [v[0], v[0], v[0], 255] : [v[0], v[1], v[2], v[3] ?? 255];
  } else {
    throw typeError(`${W(where)}: ${what} must be a colour: '#rrggbbaa', [r, g, b, a] or 0xRRGGBBAA (got ${describe(v)})`);
  }
  if (channels === 1) return rgba[0] === rgba[1] && rgba[1] === rgba[2] ? rgba[0] : luma(rgba[0], rgba[1], rgba[2]);
  return ((rgba[0] << 24) | (rgba[1] << 16) | (rgba[2] << 8) | rgba[3]) >>> 0;
}

// --------------------------------------------------------- destinations

/**
 * The destination of a result of `shape` ({ width, height, channels }):
 * options.dst checked (its size, and overlaps with the inputs: it may be
 * the very same bytes as src only where `inPlace`), or null if none.
 */
function dstArg(env, where, o, shape, src, inPlace, inject, others) {
  const d = o.dst;
  if (d === undefined) return null;
  if (inject?.chain) throw typeError(`${W(where)}: options.dst is not taken in a chain (each step makes its own image)`);
  let data;
  if (ArrayBuffer.isView(d)) {
    data = checkBytes(where, 'options.dst', d);
  } else if (d !== null && typeof d === 'object') {
    data = checkBytes(where, 'options.dst.data', d.data);
    if (d !== src?.obj) {
      const dc = d.channels ?? 4;
      if (d.width !== shape.width || d.height !== shape.height || dc !== shape.channels) {
        throw rangeError(`${W(where)}: options.dst is ${String(d.width)} x ${String(d.height)} with ${String(dc)} channels, ` +
          `but the result is ${shape.width} x ${shape.height} with ${shape.channels}`);
      }
    }
  } else {
    throw typeError(`${W(where)}: options.dst must be an image or a Uint8Array / Uint8ClampedArray (got ${describe(d)})`);
  }
  const n = shape.width * shape.height * shape.channels;
  if (data.length !== n) {
    throw rangeError(`${W(where)}: options.dst must be ${n} bytes long (the result, ${shape.width} x ${shape.height} x ` +
      `${shape.channels}) (got ${data.length})`);
  }
  if (src && overlaps(data, src.data)) {
    if (!inPlace) {
      throw rangeError(`${W(where)}: options.dst overlaps src; ${where} cannot work in place, so they must not share memory`);
    }
    if (!sameBytes(data, src.data)) {
      throw rangeError(`${W(where)}: options.dst overlaps src; it may be src itself (in place), but not a part of it`);
    }
  }
  if (others !== undefined) {
    for (const [name, view] of others) {
      if (overlaps(data, view)) throw rangeError(`${W(where)}: options.dst overlaps ${name}; they must not share memory`);
    }
  }
  return data;
}

/**
 * Runs one kernel call that writes a result of `shape` into options.dst or
 * a new image; returns the result image. `call(dstData)` makes the call.
 */
function* produce(env, where, o, shape, src, inPlace, inject, call, others) {
  return yield* step(env, prepare(env, where, o, shape, src, inPlace, inject, call, others));
}

/**
 * The result image of a call: options.dst checked (dstArg) or a new image
 * of `shape` (any object with width, height and channels: src will do).
 * Returns { y: null, out, owned, map: undefined }: y for the kernel call,
 * out the result image, owned whether its memory is a new image of the
 * family's (released if the call fails).
 */
function destination(env, where, o, shape, src, inPlace, inject, others) {
  const dst = dstArg(env, where, o, shape, src, inPlace, inject, others);
  const out = dst ? { data: dst, width: shape.width, height: shape.height, channels: shape.channels } : env.newImage(where, shape);
  return { y: null, out, owned: !dst, map: undefined };
}

/**
 * The prepared call of an operation whose result is made of the kernel's
 * value `v` by `map(v)` (no image: histogram, stats, encode); `same` for
 * the value itself.
 */
const measured = (y, map) => ({ y, out: null, owned: false, map });
const same = (v) => v;
const greyHistogram = (h) => ({ grey: h });
const rgbaHistogram = (h) => ({ r: h.subarray(0, 256), g: h.subarray(256, 512), b: h.subarray(512, 768), a: h.subarray(768, 1024) });
const greyStats = (s) => ({ grey: { mean: s[0], min: s[1], max: s[2] } });
const channelStats = (s, i) => ({ mean: s[i], min: s[4 + i], max: s[8 + i] });
const rgbaStats = (s) => ({ r: channelStats(s, 0), g: channelStats(s, 1), b: channelStats(s, 2), a: channelStats(s, 3) });
const infoOf = (r) => ({ width: r[0], height: r[1], channels: r[2], format: FORMATS[r[3]] });
// maps that read the kernel's value at once and keep nothing of it: given a
// view of the result in the memory, not a copy (a transient Mapped, bind.js)
const TRANSIENT = new Set([greyStats, rgbaStats]);

/** What produce() does before its call: the destination, and the call `call(out.data)` built. */
function prepare(env, where, o, shape, src, inPlace, inject, call, others) {
  const st = destination(env, where, o, shape, src, inPlace, inject, others);
  try {
    st.y = call(st.out.data);
  } catch (e) {
    if (st.owned) env.release(st.out.data);
    throw e;
  }
  return st;
}

/**
 * The prepared call `st` as a step of a generator: its result (the image,
 * or st.map of the kernel's value), or its error (a new image released).
 */
function* step(env, st) {
  let v;
  try {
    v = yield st.y;
  } catch (e) {
    if (st.owned) env.release(st.out.data);
    throw e;
  }
  return st.map !== undefined ? st.map(v) : st.out;
}

/**
 * An operation of one kernel call: `plan(env, args, inject)` checks the
 * arguments and prepares the call (destination() and k(), or measured()).
 * The generator (chains use it) and, for the methods, `op.plan`, which
 * runPlanSync/runPlanAsync run without a generator (the small-call cost:
 * pool.image.invert of a 16x16 tile into options.dst took 3.5 µs a queued
 * call through the generators, pool.image.rotate 3.5 µs and 3.5 KB of the
 * engine's heap). A plan that needs more than one call for the arguments
 * it was given (resize with fit 'cover', composite into a new image on a
 * pool) returns a generator of them instead; one given `direct` (the
 * threaded pool's methods) may make the call itself where the kernel's
 * promise settles with the result as it is, and return that promise.
 */
function oneCall(plan) {
  const op = function* op(env, args, inject) {
    const st = plan(env, args, inject);
    if (st.next !== undefined) return yield* st;
    return yield* step(env, st);
  };
  op.plan = plan;
  return op;
}

/** histogram() and stats(): one kernel over src, its numbers read by greyRead or rgbaRead. */
function measuring(where, greyRead, rgbaRead) {
  return oneCall((env, args, inject) => {
    arity(where, args, 2);
    const o = optionsArg(env, where, args[1], ['width', 'height', 'channels']);
    const src = imageArg(where, 'src', args[0], o);
    return measured(k(where, grey(where, src), [src.data], { width: src.width, height: src.height }, callOptionsOf(o, inject)),
      src.channels === 1 ? greyRead : rgbaRead);
  });
}

const shapeOf = (img) => ({ width: img.width, height: img.height, channels: img.channels });
const grey = (name, img) => (img.channels === 1 ? `${name}Grey` : name);
// a kernel call of the public method `where` (its errors are named after it)
// (`scalars` is the caller's own new object: the call options are added to it)
// the call options added to a kernel call's own options object, returned
const addCallOptions = (scalars, call) => {
  if (call.signal !== undefined) scalars.signal = call.signal;
  if (call.onProgress !== undefined) scalars.onProgress = call.onProgress;
  return scalars;
};
const k = (where, kernel, buffers, scalars, call) => {
  addCallOptions(scalars, call);
  // (written out: an array spread allocates about 140 bytes more in V8)
  const n = buffers.length;
  const args = n === 1 ? [buffers[0], scalars] : n === 2 ? [buffers[0], buffers[1], scalars]
    : n === 3 ? [buffers[0], buffers[1], buffers[2], scalars] : [...buffers, scalars];
  return { where, kernel, args };
};

// ------------------------------------------------------------ operations
// Each is a generator function (env, args, inject): it checks its
// arguments, yields kernel calls ({ kernel, args }) and returns the result.
// `inject` is what a chain adds to every step ({ chain: true, signal }).

/**
 * A same-size kernel's options: the picture's size, the operation's own
 * scalars `s` (or null) and RESULT (`result`: the image a direct call
 * settles with, or undefined, set later without adding a property: RESULT's
 * slot in the literal, 32 bytes and 30 ns less than one added).
 */
const kernelScalars = (src, s, result) => (s === null ? { width: src.width, height: src.height, [RESULT]: result }
  : { width: src.width, height: src.height, ...s, [RESULT]: result });

/** A source described in SRC, copied for a call that does not end in a direct call (SRC is cleared after). */
const ownSource = (src) => ({ data: src.data, width: src.width, height: src.height, channels: src.channels, obj: src.obj });

/**
 * plan(env, args, inject, direct, scratch) as a plan: a pool's direct call
 * (none in progress: this is not one made from a getter of another's
 * arguments) has `scratch` true and may describe its source in SRC and
 * use DIRECT, which are cleared when it returns.
 */
function withScratch(plan) {
  return (env, args, inject, direct) => {
    const scratch = direct === true && !directBusy;
    if (scratch) directBusy = true;
    try {
      return plan(env, args, inject, direct, scratch);
    } finally {
      if (scratch) {
        directBusy = false;
        SRC.data = null; // (holds none of the caller's views)
        SRC.obj = null;
        DIRECT[RESULT] = undefined;
      }
    }
  };
}

/** A pixel operation with one optional main argument and the same size out as in. */
function sameSize(name, { label = name, kernel = name, main, isMain = (v) => typeof v === 'number', known = [], inPlace = true, rgba = false, scalars } = {}) {
  const names = [...(main ? [main] : []), ...known, 'dst', 'width', 'height', 'channels'];
  return oneCall(withScratch(sameSizePlan));

  function sameSizePlan(env, args, inject, direct, scratch) {
    let m;
    let oArg;
    if (main) {
      m = mainArg(label, args, main, isMain);
      oArg = takeMainOptions();
    }
    else {
      arity(label, args, 2);
      oArg = args[1];
    }
    const o = optionsArg(env, label, oArg, names);
    let src = imageArg(label, 'src', args[0], o, true, scratch ? SRC : undefined);
    if (rgba) rgbaOnly(label, src);
    const s = scalars ? scalars(m, o, src, label) : null;
    const call = callOptionsOf(o, inject);
    const kname = rgba ? kernel : grey(kernel, src);
    if (direct === true && kname === name && o.dst !== undefined) {
      // on the threaded pool, into options.dst: the kernel method's own
      // promise, settling with the image (RESULT), and no plan objects
      // (the small-call cost: 130 of a queued call's 520 bytes)
      const dst = dstArg(env, label, o, src, src, inPlace, inject);
      const res = { data: dst, width: src.width, height: src.height, channels: src.channels };
      if (s === null && call === NO_CALL_OPTIONS && scratch) {
        // (the kernel's method reads its options before it returns)
        DIRECT.width = src.width;
        DIRECT.height = src.height;
        DIRECT[RESULT] = res;
        return env.execDirect(kname, src.data, dst, DIRECT);
      }
      return env.execDirect(kname, src.data, dst, addCallOptions(kernelScalars(src, s, res), call));
    }
    if (scratch) src = ownSource(src);
    const sc = kernelScalars(src, s, undefined);
    // prepare() without its closure (k() does not throw); src is the shape
    const st = destination(env, label, o, src, src, inPlace, inject);
    st.y = k(label, kname, [src.data, st.out.data], sc, call);
    return st;
  }
}

const OPS = {
  resize: oneCall((env, args, inject) => {
    const where = 'resize';
    arity(where, args, 4);
    let [, width, height, oArg] = args;
    if (isPlainObject(height) && oArg === undefined) [height, oArg] = [undefined, height];
    const o = optionsArg(env, where, oArg, ['filter', 'fit', 'dst', 'width', 'height', 'channels']);
    if (isPlainObject(width)) {
      throw typeError(`${W(where)}: the new size is resize(src, width, height[, options]) (got an object as width)`);
    }
    const src = imageArg(where, 'src', args[0], o);
    if (width == null && height == null) throw typeError(`${W(where)}: give the new width, the new height, or both`);
    if (width != null) side(where, 'width', width);
    if (height != null) side(where, 'height', height);
    const fit = o.fit ?? 'fill';
    if (!['fill', 'inside', 'cover'].includes(fit)) {
      const e = `${W(where)}: options.fit must be 'fill', 'inside' or 'cover' (got ${describe(fit)})`;
      throw typeof fit === 'string' ? rangeError(e) : typeError(e);
    }
    // a side worked out from the aspect ratio: rounded, at least 1, and
    // never cut to the largest side (that would change the aspect ratio)
    const clampSide = (v) => Math.max(1, Math.round(v));
    // the size the filter makes: one side given, the other keeps the aspect
    // ratio; both given, 'fill' takes them as they are, 'inside' scales to
    // fit in the box, 'cover' to cover it (then the middle is cut out)
    let w = width ?? clampSide((src.width * height) / src.height);
    let h = height ?? clampSide((src.height * width) / src.width);
    let box = null;
    if (width != null && height != null && fit !== 'fill') {
      const s = (fit === 'inside' ? Math.min : Math.max)(width / src.width, height / src.height);
      w = clampSide(src.width * s);
      h = clampSide(src.height * s);
      if (fit === 'inside') {
        w = Math.min(w, width);
        h = Math.min(h, height);
      } else {
        // the middle of the covering image is cut out: a side whose excess
        // over the box is odd would put the cut half a pixel off the middle
        // (for a cut to a few pixels, many source rows off), so of the two
        // whole sizes next to the exact one, the one with an even excess
        // (either side of the exact one where it is whole: 10 x 5 covering
        // 5 x 5 is 11 x 5.5 -> 11 x 5 rather than 10 x 5 cut 2 and 3 pixels)
        const even = (exact, box) => {
          const near = Math.max(box, Math.round(exact));
          if ((near - box) % 2 === 0) return near;
          const lo = Math.floor(exact), hi = Math.ceil(exact);
          return (lo === hi ? [lo + 1, lo - 1] : [lo, hi]).find((v) => v >= box && (v - box) % 2 === 0) ?? near;
        };
        w = even(src.width * s, width);
        h = even(src.height * s, height);
        if (w !== width || h !== height) box = { width, height };
      }
    }
    let filter = 4;
    if (o.filter !== undefined) {
      if (typeof o.filter !== 'string' || !(o.filter in FILTERS)) {
        const e = `${W(where)}: options.filter must be one of ${Object.keys(FILTERS).map((f) => `'${f}'`).join(', ')} (got ${describe(o.filter)})`;
        throw typeof o.filter === 'string' ? rangeError(e) : typeError(e);
      }
      filter = FILTERS[o.filter];
    }
    if (w > MAX_SIDE || h > MAX_SIDE) {
      throw rangeError(`${W(where)}: keeping the aspect ratio of the ${src.width} x ${src.height} source, the result would be ` +
        `${w} x ${h}; a side is at most ${MAX_SIDE}`);
    }
    const shape = { width: w, height: h, channels: src.channels };
    byteCount(where, 'the result', w, h, src.channels);
    const call = callOptionsOf(o, inject);
    const scalars = { width: src.width, height: src.height, dstWidth: w, dstHeight: h, filter, [RESULT]: undefined };
    if (box) return resizeCover(env, o, shape, box, src, inject, scalars, call);
    const st = destination(env, where, o, shape, src, false, inject);
    st.y = k(where, grey('resize', src), [src.data, st.out.data], scalars, call);
    return st;
  }),

  blur: sameSize('blur', { main: 'sigma', scalars: (sigma) => ({ sigma: number('blur', 'sigma', sigma, 0, 100000) }) }),

  boxBlur: sameSize('boxBlur', {
    main: 'radius', scalars: (radius) => ({ radius: number('boxBlur', 'radius', radius, 0, 32767, true) }),
  }),

  sharpen: sharpenOp('sharpen'),

  convolve: oneCall((env, args, inject) => {
    const where = 'convolve';
    const kern = mainArg(where, args, 'kernel', (v) => typeof v === 'string' || Array.isArray(v) || ArrayBuffer.isView(v));
    const oArg = takeMainOptions();
    const o = optionsArg(env, where, oArg, ['kernel', 'divisor', 'bias', 'kernelWidth', 'kernelHeight', 'dst', 'width', 'height', 'channels']);
    const src = imageArg(where, 'src', args[0], o);
    const { weights, kw, kh } = convolutionKernel(where, kern, o);
    const divisor = o.divisor === undefined ? (typeof kern === 'string' ? 1 : 0)
      : number(where, 'options.divisor', o.divisor, -FLT_MAX, FLT_MAX);
    const bias = o.bias === undefined ? 0 : number(where, 'options.bias', o.bias, -1e6, 1e6);
    const call = callOptionsOf(o, inject);
    const st = destination(env, where, o, src, src, true, inject);
    st.y = k(where, grey('convolve', src), [src.data, st.out.data, weights],
      { width: src.width, height: src.height, kernelWidth: kw, kernelHeight: kh, divisor, bias, [RESULT]: undefined }, call);
    return st;
  }),

  greyscale: sameSize('greyscale', { rgba: true }),
  invert: sameSize('invert'),
  premultiply: sameSize('premultiply', { rgba: true }),
  unpremultiply: sameSize('unpremultiply', { rgba: true }),

  brightnessContrast: sameSize('brightnessContrast', {
    known: ['brightness', 'contrast'],
    scalars: (m, o) => ({
      brightness: o.brightness === undefined ? 0 : number('brightnessContrast', 'options.brightness', o.brightness, -1, 1),
      contrast: o.contrast === undefined ? 1 : number('brightnessContrast', 'options.contrast', o.contrast, 0, 1000),
    }),
  }),

  gamma: sameSize('gamma', { main: 'gamma', scalars: (g) => ({ gamma: number('gamma', 'gamma', g, 0.01, 100) }) }),

  levels: sameSize('levels', {
    known: ['inBlack', 'inWhite', 'gamma', 'outBlack', 'outWhite'],
    scalars: (m, o) => {
      const inBlack = o.inBlack === undefined ? 0 : number('levels', 'options.inBlack', o.inBlack, 0, 254, true);
      const inWhite = o.inWhite === undefined ? 255 : number('levels', 'options.inWhite', o.inWhite, 1, 255, true);
      if (inWhite <= inBlack) {
        throw rangeError(`${W('levels')}: options.inWhite (${inWhite}) must be greater than options.inBlack (${inBlack})`);
      }
      return {
        inBlack,
        inWhite,
        gamma: o.gamma === undefined ? 1 : number('levels', 'options.gamma', o.gamma, 0.01, 100),
        outBlack: o.outBlack === undefined ? 0 : number('levels', 'options.outBlack', o.outBlack, 0, 255, true),
        outWhite: o.outWhite === undefined ? 255 : number('levels', 'options.outWhite', o.outWhite, 0, 255, true),
      };
    },
  }),

  threshold: sameSize('threshold', {
    main: 'threshold',
    scalars: (t) => ({ threshold: t === undefined ? 128 : number('threshold', 'threshold', t, 0, 256, true) }),
  }),

  colorMatrix: oneCall((env, args, inject) => {
    const where = 'colorMatrix';
    const m = mainArg(where, args, 'matrix', (v) => Array.isArray(v) || ArrayBuffer.isView(v));
    const oArg = takeMainOptions();
    const o = optionsArg(env, where, oArg, ['matrix', 'dst', 'width', 'height', 'channels']);
    const src = imageArg(where, 'src', args[0], o);
    rgbaOnly(where, src);
    const matrix = floats(where, 'matrix', Array.isArray(m) && m.some(Array.isArray) ? matrixRows(where, m) : m);
    if (matrix.length !== 20) {
      throw rangeError(`${W(where)}: matrix must have 20 numbers (4 rows of 5, as feColorMatrix) (got ${matrix.length})`);
    }
    const call = callOptionsOf(o, inject);
    const st = destination(env, where, o, src, src, true, inject);
    st.y = k(where, 'colorMatrix', [src.data, st.out.data, matrix], { width: src.width, height: src.height, [RESULT]: undefined }, call);
    return st;
  }),

  toGrey: oneCall((env, args, inject) => {
    const where = 'toGrey';
    arity(where, args, 2);
    const o = optionsArg(env, where, args[1], ['dst', 'width', 'height', 'channels']);
    const src = imageArg(where, 'src', args[0], o);
    rgbaOnly(where, src);
    const call = callOptionsOf(o, inject);
    const st = destination(env, where, o, { width: src.width, height: src.height, channels: 1 }, src, false, inject);
    st.y = k(where, 'toGrey', [src.data, st.out.data], { width: src.width, height: src.height, [RESULT]: undefined }, call);
    return st;
  }),

  toRgba: oneCall((env, args, inject) => {
    const where = 'toRgba';
    arity(where, args, 2);
    const o = optionsArg(env, where, args[1], ['dst', 'width', 'height', 'channels']);
    const src = imageArg(where, 'src', args[0], ArrayBuffer.isView(args[0]) ? { channels: 1, ...o } : o);
    if (src.channels !== 1) throw typeError(`${W(where)}: src must be a grey image (channels 1); it is RGBA already`);
    const call = callOptionsOf(o, inject);
    const st = destination(env, where, o, { width: src.width, height: src.height, channels: 4 }, src, false, inject);
    st.y = k(where, 'fromGrey', [src.data, st.out.data], { width: src.width, height: src.height }, call);
    return st;
  }),

  crop: oneCall(withScratch((env, args, inject, direct, scratch) => {
    const where = 'crop';
    arity(where, args, 3);
    const rect = args[1];
    const o = optionsArg(env, where, args[2], ['dst', 'width', 'height', 'channels']);
    let src = imageArg(where, 'src', args[0], o, true, scratch ? SRC : undefined);
    if (!isPlainObject(rect)) {
      throw typeError(`${W(where)}: rect must be an object { left, top, width, height } (got ${describe(rect)})`);
    }
    for (const key in rect) { // (its own keys, as Object.keys: no array a call)
      if (!Object.prototype.hasOwnProperty.call(rect, key)) continue;
      if (!['left', 'top', 'width', 'height'].includes(key)) throw typeError(`${W(where)}: rect.${key} is not a field of rect (left, top, width, height)`);
    }
    const left = rect.left === undefined ? 0 : number(where, 'rect.left', rect.left, 0, MAX_SIDE - 1, true);
    const top = rect.top === undefined ? 0 : number(where, 'rect.top', rect.top, 0, MAX_SIDE - 1, true);
    // (a left or top past the edge is named as such: the width or height
    // it would leave, when not given, is none)
    if (left >= src.width) throw rangeError(`${W(where)}: rect.left (${left}) must be less than the width of src (${src.width})`);
    if (top >= src.height) throw rangeError(`${W(where)}: rect.top (${top}) must be less than the height of src (${src.height})`);
    const width = rect.width === undefined ? src.width - left : side(where, 'rect.width', rect.width);
    const height = rect.height === undefined ? src.height - top : side(where, 'rect.height', rect.height);
    if (left + width > src.width || width < 1) {
      throw rangeError(`${W(where)}: rect.left + rect.width (${left} + ${width}) must be at most the width of src (${src.width})`);
    }
    if (top + height > src.height || height < 1) {
      throw rangeError(`${W(where)}: rect.top + rect.height (${top} + ${height}) must be at most the height of src (${src.height})`);
    }
    const call = callOptionsOf(o, inject);
    if (direct === true && o.dst !== undefined && src.channels === 4) {
      // on the threaded pool, into options.dst: as rotate's
      const res = { data: null, width, height, channels: 4 };
      res.data = dstArg(env, where, o, res, src, false, inject);
      return env.execDirect('crop', src.data, res.data,
        addCallOptions({ width: src.width, height: src.height, left, top, dstWidth: width, dstHeight: height, [RESULT]: res }, call));
    }
    if (scratch) src = ownSource(src);
    const st = destination(env, where, o, { width, height, channels: src.channels }, src, false, inject);
    st.y = k(where, grey('crop', src), [src.data, st.out.data],
      { width: src.width, height: src.height, left, top, dstWidth: width, dstHeight: height, [RESULT]: undefined }, call);
    return st;
  })),

  flip: sameSize('flip'),
  flop: sameSize('flop'),

  rotate: oneCall(withScratch((env, args, inject, direct, scratch) => {
    const where = 'rotate';
    const aArg = mainArg(where, args, 'angle', (v) => typeof v === 'number');
    const o = optionsArg(env, where, takeMainOptions(), ['angle', 'dst', 'width', 'height', 'channels']);
    let src = imageArg(where, 'src', args[0], o, true, scratch ? SRC : undefined);
    if (typeof aArg !== 'number') throw typeError(`${W(where)}: angle must be a number of degrees (got ${describe(aArg)})`);
    if (!Number.isInteger(aArg) || aArg % 90 !== 0) {
      throw rangeError(`${W(where)}: angle must be a multiple of 90 degrees (90, 180, 270, -90, ...) (got ${aArg})`);
    }
    const angle = ((aArg % 360) + 360) % 360;
    const quarter = angle === 90 || angle === 270;
    const call = callOptionsOf(o, inject);
    if (direct === true && o.dst !== undefined && src.channels === 4) {
      // on the threaded pool, into options.dst: the kernel method's own
      // promise, settling with the image (RESULT), as sameSize's (RGBA:
      // the kernel's errors are named after the method as they are)
      const res = { data: null, width: quarter ? src.height : src.width, height: quarter ? src.width : src.height, channels: src.channels };
      res.data = dstArg(env, where, o, res, src, true, inject);
      // (the kernel's method reads its options before it returns)
      return env.execDirect('rotate', src.data, res.data,
        addCallOptions({ width: src.width, height: src.height, angle, [RESULT]: res }, call));
    }
    if (scratch) src = ownSource(src);
    const shape = quarter ? { width: src.height, height: src.width, channels: src.channels } : shapeOf(src);
    const st = destination(env, where, o, shape, src, true, inject);
    st.y = k(where, grey('rotate', src), [src.data, st.out.data], { width: src.width, height: src.height, angle, [RESULT]: undefined }, call);
    return st;
  })),

  extend: oneCall((env, args, inject) => {
    const where = 'extend';
    arity(where, args, 3);
    let sides = {};
    let oArg;
    if (typeof args[1] === 'number') {
      number(where, 'n', args[1], 0, MAX_SIDE - 1, true);
      sides = { top: args[1], right: args[1], bottom: args[1], left: args[1] };
      oArg = args[2];
    } else if (args.length === 3 && args[2] !== undefined) {
      throw typeError(`${W(where)}: extend(src, n[, options]) or extend(src, { top, right, bottom, left, background })`);
    } else {
      oArg = args[1];
    }
    const o = optionsArg(env, where, oArg, ['top', 'right', 'bottom', 'left', 'background', 'dst', 'width', 'height', 'channels']);
    const src = imageArg(where, 'src', args[0], o);
    const by = {};
    for (const s of ['top', 'right', 'bottom', 'left']) {
      by[s] = o[s] === undefined ? sides[s] ?? 0 : number(where, `options.${s}`, o[s], 0, MAX_SIDE - 1, true);
    }
    const width = src.width + by.left + by.right;
    const height = src.height + by.top + by.bottom;
    if (width > MAX_SIDE) throw rangeError(`${W(where)}: the result would be ${width} pixels wide; at most ${MAX_SIDE}`);
    if (height > MAX_SIDE) throw rangeError(`${W(where)}: the result would be ${height} pixels high; at most ${MAX_SIDE}`);
    byteCount(where, 'the result', width, height, src.channels);
    const background = o.background === undefined ? 0 : colourArg(where, 'options.background', o.background, src.channels);
    const call = callOptionsOf(o, inject);
    const st = destination(env, where, o, { width, height, channels: src.channels }, src, false, inject);
    st.y = k(where, grey('extend', src), [src.data, st.out.data],
      { width: src.width, height: src.height, top: by.top, right: by.right, bottom: by.bottom, left: by.left, background, [RESULT]: undefined }, call);
    return st;
  }),

  composite: oneCall((env, args, inject) => {
    const where = 'composite';
    arity(where, args, 3);
    const o = optionsArg(env, where, args[2], ['left', 'top', 'opacity', 'dst', 'width', 'height', 'channels']);
    const base = imageArg(where, 'src', args[0], o);
    if (isPlainObject(args[1]) && Object.prototype.hasOwnProperty.call(args[1], 'overlay') && !('data' in args[1])) {
      // (the main argument of the other operations may go in the options;
      // an overlay cannot: an image is an object too)
      throw typeError(`${W(where)}: overlay must be an image, given before the options: ` +
        'composite(src, overlay, { left, top, opacity }) (got options with an overlay field)');
    }
    const over = imageArg(where, 'overlay', args[1], undefined, false);
    rgbaOnly(where, base);
    rgbaOnly(where, over, 'overlay');
    const left = o.left === undefined ? 0 : number(where, 'options.left', o.left, -MAX_SIDE, MAX_SIDE, true);
    const top = o.top === undefined ? 0 : number(where, 'options.top', o.top, -MAX_SIDE, MAX_SIDE, true);
    const opacity = o.opacity === undefined ? 1 : number(where, 'options.opacity', o.opacity, 0, 1);
    const st = destination(env, where, o, base, base, true, inject, [['overlay', over.data]]);
    const { out } = st;
    const inPlace = !st.owned && sameBytes(out.data, base.data);
    const call = callOptionsOf(o, inject);
    st.y = k(where, 'composite', [out.data, over.data], {
      width: base.width, height: base.height, overlayWidth: over.width, overlayHeight: over.height, left, top, opacity, [RESULT]: undefined,
    }, call);
    if (inPlace) return st;
    // the result starts as a copy of src: on a pool, copied by a kernel
    // (rows on every thread) before the composite call, a generator of the
    // two; a tile's here, on a threaded pool (up to SMALL_COPY bytes, about
    // a microsecond: a queued composite of a 16x16 tile into dst took 12
    // µs through the two calls)
    if (env.async && !(env.settleWith && base.data.byteLength <= SMALL_COPY)) return compositeCopy(env, st, base, call);
    out.data.set(base.data);
    return st;
  }),

  histogram: measuring('histogram', greyHistogram, rgbaHistogram),

  stats: measuring('stats', greyStats, rgbaStats),

  info: oneCall((env, args, inject) => {
    const where = 'info';
    arity(where, args, 2);
    const o = optionsArg(env, where, args[1], []);
    const bytes = fileArg(where, 'data', args[0]);
    return measured(k(where, 'info', [bytes], {}, callOptionsOf(o, inject)), infoOf);
  }),

  decode: function* decode(env, args, inject) {
    const where = 'decode';
    arity(where, args, 2);
    const o = optionsArg(env, where, args[1], ['channels', 'dst']);
    const bytes = fileArg(where, 'data', args[0]);
    const channels = checkChannels(where, 'options.channels', o.channels);
    return yield* decodeInto(env, where, bytes, channels, o, inject);
  },

  decodeMany: function* decodeMany(env, args, inject) {
    const where = 'decodeMany';
    arity(where, args, 2);
    const o = optionsArg(env, where, args[1], ['channels']);
    const list = args[0];
    if (list === null || typeof list !== 'object' || typeof list[Symbol.iterator] !== 'function' || ArrayBuffer.isView(list)) {
      throw typeError(`${W(where)}: files must be an array (or iterable) of files' bytes (got ${describe(list)})`);
    }
    // a bad entry's error has its index too, as a failed decode's has
    const files = Array.from(list, (f, i) => {
      try {
        return fileArg(where, `files[${i}]`, f);
      } catch (e) {
        e.index = i;
        throw e;
      }
    });
    const channels = checkChannels(where, 'options.channels', o.channels);
    const call = { ...o };
    delete call.channels;
    const settled = yield { all: files.map((f) => decodeInto(env, 'decode', f, channels, call, inject)) };
    const failed = settled.findIndex((r) => r.status === 'rejected');
    if (failed < 0) return settled.map((r) => r.value);
    for (const r of settled) if (r.status === 'fulfilled') env.release(r.value.data);
    const e = settled[failed].reason;
    if (e && typeof e === 'object') {
      try {
        e.message = `${W(where)}: files[${failed}]: ${e.message}`;
        e.index = failed;
      } catch { /* a frozen error: thrown as it is */ }
    }
    throw e;
  },

  encode: oneCall((env, args, inject) => {
    const where = 'encode';
    arity(where, args, 2);
    const o = optionsArg(env, where, args[1], ['format', 'quality', 'width', 'height', 'channels']);
    const format = o.format ?? 'png';
    if (format !== 'png' && format !== 'jpeg') {
      const e = `${W(where)}: options.format must be 'png' or 'jpeg' (got ${describe(format)})`;
      throw typeof format === 'string' ? rangeError(e) : typeError(e);
    }
    if (format === 'png' && o.quality !== undefined) throw typeError(`${W(where)}: options.quality is for JPEG only`);
    return encodeImage(env, where, args[0], format, o, inject);
  }),

  encodePng: oneCall((env, args, inject) => {
    arity('encodePng', args, 2);
    const o = optionsArg(env, 'encodePng', args[1], ['width', 'height', 'channels']);
    return encodeImage(env, 'encodePng', args[0], 'png', o, inject);
  }),

  encodeJpeg: oneCall((env, args, inject) => {
    const q = mainArg('encodeJpeg', args, 'quality', (v) => typeof v === 'number');
    const oArg = takeMainOptions();
    const o = optionsArg(env, 'encodeJpeg', oArg, ['quality', 'width', 'height', 'channels']);
    return encodeImage(env, 'encodeJpeg', args[0], 'jpeg', { ...o, quality: q }, inject);
  }),
};
// (unsharp is sharpen under another name: its errors name unsharp)
OPS.unsharp = sharpenOp('unsharp');

/** sharpen() and unsharp(): the unsharp kernel, whose errors name `label`. */
function sharpenOp(label) {
  return sameSize('sharpen', {
    label, kernel: 'unsharp', main: 'sigma', known: ['amount', 'threshold'],
    scalars: (sigma, o) => ({
      sigma: sigma === undefined ? 1 : number(label, 'sigma', sigma, 0, 100000),
      amount: o.amount === undefined ? 1 : number(label, 'options.amount', o.amount, 0, 1000),
      threshold: o.threshold === undefined ? 0 : number(label, 'options.threshold', o.threshold, 0, 255),
    }),
  });
}

/**
 * resize with fit 'cover': resized into a temporary image, whose middle
 * is the result (two calls: a generator of them).
 */
function* resizeCover(env, o, shape, box, src, inject, scalars, call) {
  const where = 'resize';
  const outShape = { ...box, channels: src.channels };
  dstArg(env, where, o, outShape, src, false, inject); // checked before any work
  const tmp = env.newImage(where, shape);
  try {
    yield k(where, grey('resize', src), [src.data, tmp.data], scalars, call);
    const left = Math.floor((shape.width - box.width) / 2);
    const top = Math.floor((shape.height - box.height) / 2);
    return yield* produce(env, where, o, outShape, src, false, inject, (d) => k(where, grey('crop', src), [tmp.data, d],
      { width: shape.width, height: shape.height, left, top, dstWidth: box.width, dstHeight: box.height }, call));
  } finally {
    env.release(tmp.data);
  }
}

/** The most bytes of a source that a pool's composite copies on the calling thread (a 64x64 RGBA tile). */
const SMALL_COPY = 16384;

/** composite on a pool into an image other than src: src copied into it first, then the composite call. */
function* compositeCopy(env, st, base, call) {
  try {
    yield k('composite', grey('crop', base), [base.data, st.out.data],
      { width: base.width, height: base.height, left: 0, top: 0, dstWidth: base.width, dstHeight: base.height }, call);
  } catch (e) {
    if (st.owned) env.release(st.out.data);
    throw e;
  }
  return yield* step(env, st);
}

function floats(where, what, v) {
  if (!Array.isArray(v) && !(ArrayBuffer.isView(v) && !(v instanceof DataView))) {
    throw typeError(`${W(where)}: ${what} must be an array of numbers or a typed array (got ${describe(v)})`);
  }
  // a view is read here, not by a kernel: refused as a kernel would refuse it
  if (ArrayBuffer.isView(v)) checkLive(v, `${W(where)}: ${what}`);
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const x = typeof v[i] === 'bigint' ? Number(v[i]) : v[i];
    if (typeof x !== 'number') throw typeError(`${W(where)}: ${what}[${i}] must be a number (got ${describe(x)})`);
    if (!Number.isFinite(Math.fround(x))) {
      throw rangeError(`${W(where)}: ${what}[${i}] must be finite as a 32-bit float, from -${FLT_MAX} to ${FLT_MAX} (got ${x})`);
    }
    out[i] = x;
  }
  return out;
}

/** A convolution kernel: a preset name, rows of numbers, or a flat list (square, or sized by the options). */
function convolutionKernel(where, kern, o) {
  const odd = (what, n) => {
    number(where, what, n, 1, 255, true);
    if (n % 2 === 0) throw rangeError(`${W(where)}: ${what} must be odd (got ${n})`);
    return n;
  };
  if (typeof kern === 'string') {
    if (!(kern in PRESETS)) {
      throw rangeError(`${W(where)}: kernel must be one of ${Object.keys(PRESETS).map((p) => `'${p}'`).join(', ')}, or numbers (got ${JSON.stringify(kern)})`);
    }
    if (o.kernelWidth !== undefined || o.kernelHeight !== undefined) throw typeError(`${W(where)}: a preset kernel has its own size (3 x 3)`);
    return { weights: Float32Array.from(PRESETS[kern]), kw: 3, kh: 3 };
  }
  if (Array.isArray(kern) && kern.length && kern.every(Array.isArray)) {
    const kh = odd('the number of rows of kernel', kern.length);
    const kw = odd('the length of kernel[0]', kern[0].length);
    kern.forEach((row, i) => {
      if (row.length !== kw) throw rangeError(`${W(where)}: kernel[${i}] has ${row.length} numbers but kernel[0] has ${kw}`);
    });
    if (o.kernelWidth !== undefined || o.kernelHeight !== undefined) throw typeError(`${W(where)}: a kernel given as rows has its own size`);
    return { weights: floats(where, 'kernel', kern.flat()), kw, kh };
  }
  if (!Array.isArray(kern) && !(ArrayBuffer.isView(kern) && !(kern instanceof DataView))) {
    throw typeError(`${W(where)}: kernel must be one of ${Object.keys(PRESETS).map((p) => `'${p}'`).join(', ')}, rows of numbers, ` +
      `or an array of numbers or a typed array (got ${describe(kern)})`);
  }
  const weights = floats(where, 'kernel', kern);
  let kw;
  let kh;
  if (o.kernelWidth === undefined && o.kernelHeight === undefined) {
    const s = Math.round(Math.sqrt(weights.length));
    if (s * s !== weights.length) {
      throw rangeError(`${W(where)}: kernel has ${weights.length} numbers, not a square: give options.kernelWidth and options.kernelHeight`);
    }
    kw = kh = odd('the side of kernel', s);
  } else {
    // the sizes given first, then the one the kernel's length implies
    if (o.kernelWidth !== undefined) kw = odd('options.kernelWidth', o.kernelWidth);
    if (o.kernelHeight !== undefined) kh = odd('options.kernelHeight', o.kernelHeight);
    const given = kw === undefined ? `options.kernelHeight ${kh}` : kh === undefined ? `options.kernelWidth ${kw}` : null;
    if (given !== null) {
      const other = weights.length / (kw ?? kh);
      if (!Number.isInteger(other) || other % 2 === 0 || other > 255) {
        throw rangeError(`${W(where)}: kernel has ${weights.length} numbers, which ${given} does not divide into an odd number ` +
          'of 1 to 255; give both options.kernelWidth and options.kernelHeight, or numbers that fit');
      }
      kw ??= other;
      kh ??= other;
    }
    if (kw * kh !== weights.length) {
      throw rangeError(`${W(where)}: kernel has ${weights.length} numbers but options.kernelWidth x options.kernelHeight is ${kw * kh}`);
    }
  }
  return { weights, kw, kh };
}

/**
 * Decodes `bytes` into options.dst or a new image: the header first (its
 * size), then the pixels. On a shared pool, bytes from outside its memory
 * are copied in once (not once a call) and counted in bytesCopied.
 */
function* decodeInto(env, where, bytes, channels, o, inject) {
  const call = callOptionsOf(o, inject);
  let file = bytes;
  let staged = null;
  let copied = 0;
  if (env.stage && bytes.byteLength && !checkUsable(env.host, bytes, `${W(where)}: data`)) {
    staged = env.host.alloc(bytes.byteLength);
    staged.set(bytes);
    file = staged;
    copied = bytes.byteLength;
  }
  try {
    const { signal } = call;
    const info = yield { ...k(where, 'info', [file], {}, signal === undefined ? {} : { signal }), copied };
    const shape = { width: info[0], height: info[1], channels };
    byteCount(where, 'the image', shape.width, shape.height, channels);
    return yield* produce(env, where, o, shape, null, false, inject,
      // dst is checked against the caller's bytes, staged or not: the same rule on the core and the pool
      (d) => k(where, channels === 1 ? 'decodeGrey' : 'decode', [file, d], { width: shape.width, height: shape.height }, call), [['data', bytes]]);
  } finally {
    if (staged) env.host.free(staged);
  }
}

/** The encoders' plan: the file's bytes are the kernel's value. */
function encodeImage(env, where, srcArg, format, o, inject) {
  const src = imageArg(where, 'src', srcArg, o);
  const scalars = { width: src.width, height: src.height };
  if (format === 'jpeg' && o.quality !== undefined) scalars.quality = number(where, 'quality', o.quality, 1, 100, true);
  const kernel = format === 'png' ? 'encodePng' : 'encodeJpeg';
  return measured(k(where, grey(kernel, src), [src.data], scalars, callOptionsOf(o, inject)), same);
}

// ------------------------------------------------------------- drivers
// Operations of several calls (and chains) run on the drivers of
// js/runtime/drive.js; those of one call, below, without a generator.

/**
 * An operation of one call (oneCall), on the core: its result (the image,
 * or st.map of the kernel's value). A plan that returned a generator runs
 * on the driver of operations of several calls.
 */
function runPlanSync(env, where, plan, args) {
  const st = plan(env, args, null);
  if (st.next !== undefined) return runSync(env, where, st);
  // (options.dst, an alloc() view of a memory the call may grow: see reattached())
  const at = st.out !== null && !st.owned ? placeOf(st.out.data) : null;
  let v;
  try {
    v = env.exec(st.y);
  } catch (e) {
    if (st.owned) env.release(st.out.data);
    throw renamed(e, 'image', st.y.where, st.y.kernel);
  }
  if (at !== null) st.out.data = reattached(st.out.data, at);
  return st.map !== undefined ? st.map(v) : st.out;
}

/**
 * The same on a pool: the kernel call's own promise where it settles with
 * the result and its errors keep their names (the kernel's name is the
 * method's): a value that is the result itself (encodePng), or on the
 * threaded pool a call into options.dst settling with the image (RESULT);
 * else the promise `then` derives from the call's.
 */
function runPlanAsync(env, where, plan, args) {
  let st;
  try {
    // (a plan may make the call itself where its result needs nothing
    // more: then st is the call's promise)
    st = plan(env, args, null, env.settleWith);
  } catch (e) {
    return Promise.reject(e);
  }
  if (st instanceof Promise) return st;
  if (st.next !== undefined) return runHeld(env, where, st, args);
  const { y } = st;
  if (y.where === y.kernel && (st.map === same || (env.settleWith && (st.map !== undefined || !st.owned)))) {
    // (on the threaded pool the RESULT option: the image, or a result made of the kernel's value)
    if (st.map === undefined) y.args[y.args.length - 1][RESULT] = st.out;
    else if (st.map !== same) y.args[y.args.length - 1][RESULT] = new Mapped(st.map, undefined, TRANSIENT.has(st.map));
    try {
      return env.exec(y);
    } catch (e) {
      return Promise.reject(e);
    }
  }
  let p;
  try {
    p = env.exec(y);
  } catch (e) {
    p = Promise.reject(e);
  }
  return p.then((v) => (st.map !== undefined ? st.map(v) : st.out), (e) => {
    if (st.owned) env.release(st.out.data);
    throw renamed(e, 'image', y.where, y.kernel);
  });
}

// --------------------------------------------------------------- chain

const CHAIN_STEPS = ['resize', 'crop', 'extend', 'rotate', 'flip', 'flop', 'blur', 'boxBlur', 'sharpen', 'unsharp',
  'convolve', 'greyscale', 'toGrey', 'toRgba', 'invert', 'brightnessContrast', 'gamma', 'levels', 'colorMatrix',
  'threshold', 'premultiply', 'unpremultiply', 'composite'];
const CHAIN_ENDS = ['encode', 'encodePng', 'encodeJpeg', 'histogram', 'stats'];

/**
 * chain(input[, options]): steps recorded by its methods, run by a final
 * method: run() (the image), encode*(), histogram(), stats(). input is an
 * image, or a file's bytes (decoded first; a bare pixel view needs
 * options.width and options.height). Images the chain makes in between are
 * freed as soon as the next step has read them; options.signal (pool)
 * reaches every step.
 */
function makeChain(env, args) {
  arity('chain', args, 2);
  const [input, oArg] = args;
  if (isPlainObject(oArg) && oArg.onProgress !== undefined) {
    throw typeError(`${W('chain')}: options.onProgress is not taken by a chain (give it to a step)`);
  }
  const o = optionsArg(env, 'chain', oArg, ['channels', 'width', 'height'], env.callOptions.filter((k) => k !== 'onProgress'));
  checkCallOptions({ signal: o.signal }, W('chain')); // (now, as the other argument errors: not at its first step)
  const isFile = input instanceof ArrayBuffer || (ArrayBuffer.isView(input) && o.width === undefined && o.height === undefined);
  let img = null;
  if (isFile) {
    fileArg('chain', 'input', input);
    checkChannels('chain', 'options.channels', o.channels);
  } else {
    if (input === null || typeof input !== 'object') {
      throw typeError(`${W('chain')}: input must be an image { data, width, height[, channels] }, or a PNG or JPEG file's bytes ` +
        `(a Uint8Array, Buffer or ArrayBuffer) (got ${describe(input)})`);
    }
    const s = imageArg('chain', 'input', input, o);
    img = { data: s.data, width: s.width, height: s.height, channels: s.channels };
  }
  const inject = { chain: true, signal: o.signal };
  const steps = [];
  const chain = {};
  const define = (name, value) => Object.defineProperty(chain, name, { enumerable: true, value });
  for (const name of CHAIN_STEPS) {
    define(name, (...a) => {
      steps.push([name, a]);
      return chain;
    });
  }
  const finish = (end, a) => {
    const gen = (function* run() {
      let cur = img;
      let owned = false;
      if (isFile) {
        cur = yield* OPS.decode(env, [input, o.channels === undefined ? {} : { channels: o.channels }], inject);
        owned = true;
      }
      try {
        for (const [name, stepArgs] of steps) {
          const next = yield* OPS[name](env, [cur, ...stepArgs], inject);
          if (owned) env.release(cur.data);
          cur = next;
          owned = true;
        }
        if (end === null) {
          owned = false; // the caller's now
          return cur;
        }
        return yield* OPS[end](env, [cur, ...a], inject);
      } finally {
        if (owned) env.release(cur.data);
      }
    }());
    // (the input, and every step's arguments, held while the chain runs)
    return env.async ? runHeld(env, 'chain', gen, [input, ...steps.map(([, stepArgs]) => stepArgs), a]) : runSync(env, 'chain', gen);
  };
  define('run', (...a) => {
    if (a.length) {
      const e = typeError(`${W('chain.run')} takes no arguments (give options to chain())`);
      if (env.async) return Promise.reject(e);
      throw e;
    }
    return finish(null, a);
  });
  for (const end of CHAIN_ENDS) define(end, (...a) => finish(end, a));
  return chain;
}

// ------------------------------------------------------------ install

function makeEnv(host, ctx, async, raw) {
  const specOf = (kernel) => ctx.kernels.get(`image.${kernel}`);
  const owned = new WeakSet(); // data of the images made here (freed by free())
  const released = new WeakSet(); // and of those that free() has released
  return {
    host,
    async,
    callOptions: async ? ['signal', 'onProgress'] : ['onProgress'],
    // a shared pool: files from outside its memory are staged once (decode)
    stage: async && host.isShared === true,
    // the threaded pool's calls take the RESULT option (the fallback pool's cannot: it posts them)
    settleWith: async && host.isShared === true,
    newImage(where, shape) {
      const bytes = shape.width * shape.height * shape.channels;
      let data;
      try {
        data = async ? host.alloc(bytes, Uint8ClampedArray) : new Uint8ClampedArray(bytes);
      } catch (e) {
        if (!(e instanceof RangeError)) throw e;
        throw rangeError(`${W(where)}: cannot allocate ${bytes} bytes for the result (${e.message})`);
      }
      owned.add(data);
      return { data, width: shape.width, height: shape.height, channels: shape.channels };
    },
    release(data) {
      if (!owned.has(data)) return;
      owned.delete(data);
      released.add(data);
      if (async) host.free(data);
    },
    released: (data) => released.has(data),
    // a kernel call: through the kernel's method (its fast path where the
    // arguments allow, else the generic path with the same checks)
    exec(y) {
      // (its errors renamed by the drivers)
      if (async && y.copied && host.isShared) return host.$invokeRaw(specOf(y.kernel), y.args, { copied: y.copied });
      const fn = raw[y.kernel];
      return fn !== undefined ? fn(...y.args) : host.$call(specOf(y.kernel), y.args);
    },
    // a pool's call of kernel(a, b, scalars) without a y: its promise (never throws)
    execDirect(kernel, a, b, scalars) {
      const fn = raw[kernel];
      try {
        return fn !== undefined ? fn(a, b, scalars) : host.$call(specOf(kernel), [a, b, scalars]);
      } catch (e) {
        return Promise.reject(e);
      }
    },
    // (a call's y names the method that made it)
    rename: (e, where, y) => renamed(e, 'image', y.where, y.kernel),
    // (operations of several calls on a pool: drive.js runHeld)
    hold: (args) => host.$holdInputs(argViews(args)),
    unhold: (held) => host.$releaseInputs(held),
  };
}

function install(target, ctx, async) {
  const ns = target.image;
  if (ns === undefined || ns === null) {
    throw new ParawasmError('the image family needs the image kernels (include/parawasm/image.h) in the package', 'ERR_PW_NO_KERNEL');
  }
  // the kernels' own methods (their generated fast paths), which the
  // family's methods call; off the namespace
  const raw = {};
  for (const name of RAW) {
    if (Object.prototype.hasOwnProperty.call(ns, name)) {
      raw[name] = ns[name];
      delete ns[name];
    }
  }
  const env = makeEnv(target, ctx, async, raw);
  const methods = {};
  for (const [name, op] of Object.entries(OPS)) {
    const { plan } = op;
    if (plan) methods[name] = async ? (...args) => runPlanAsync(env, name, plan, args) : (...args) => runPlanSync(env, name, plan, args);
    else methods[name] = async ? (...args) => runHeld(env, name, op(env, args, null), args) : (...args) => runSync(env, name, op(env, args, null));
  }
  /**
   * A new image of width x height (channels 4 or 1), zero-filled: on a pool
   * its data is from pool.alloc(). Free it with free().
   */
  methods.create = (width, height, options) => {
    const o = optionsArg(env, 'create', options, ['channels'], []); // (no kernel runs: no call options)
    const shape = { width: side('create', 'width', width), height: side('create', 'height', height), channels: checkChannels('create', 'options.channels', o.channels) };
    byteCount('create', 'the image', shape.width, shape.height, shape.channels);
    return env.newImage('create', shape);
  };
  /**
   * Releases the memory of an image that a method of this namespace made
   * (its data from pool.alloc()); other images are left as they are.
   */
  methods.free = (img) => {
    const data = ArrayBuffer.isView(img) ? img : img?.data;
    if (!ArrayBuffer.isView(data)) throw typeError(`${W('free')}: img must be an image or its data (got ${describe(img)})`);
    if (env.released(data)) throw typeError(`${W('free')}: img was already freed`);
    env.release(data);
  };
  /** A chain of steps on one image; see makeChain. */
  methods.chain = (...args) => makeChain(env, args);
  for (const [name, fn] of Object.entries(methods)) {
    Object.defineProperty(ns, name, { value: fn, enumerable: true, configurable: true });
  }
}

/** The image family, as a package's entry passes it to makePackage(). */
export const imageFamily = {
  name: 'image',
  core: (core, ctx) => install(core, ctx, false),
  pool: (pool, ctx) => install(pool, ctx, true),
};
