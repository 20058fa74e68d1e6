// The hash family's JS, beyond its generated kernels: algorithm names and
// options, digests in each encoding, createHash() (a streaming hash whose
// state lives in the heap: synchronous on the core, ordered async calls on
// a pool) and hashMany() (many inputs hashed at once, split across threads
// in C). The algorithms come from PW_HASH_LIST in include/parawasm/hash.h,
// through the package's generated bundle.
import { ParawasmError, describe, isPlainObject, rangeError, typeError } from '../runtime/errors.js';
import { hex, hexBytes } from '../runtime/hex.js';
import { blockOf, checkLive, checkUsable, placeOf, reattached } from '../runtime/memory.js';
import { makeSpec } from '../runtime/bind.js';
import { relabeled } from '../runtime/drive.js';

const MODE = { plain: 0, keyed: 1, derive: 2 };
// the options of some algorithm (hashOptions: an undefined one is left out for any)
const HASH_OPTION_NAMES = ['seed', 'key', 'context', 'outputLength'];
const SEEDED = new Set(['xxh32', 'xxh64', 'xxh3', 'xxh128']);
const ENCODINGS = ['hex', 'base64', 'bytes'];
// Longest blake3 output asked for in one call (a result is one JS array).
const MAX_OUTPUT = 2 ** 31 - 1;
const utf8 = new TextEncoder();

/** The algorithms of a package's bundle: [{ id, name, bytes, kind }], in order. */
export function hashList(bundle) {
  const rows = bundle.LISTS?.PW_HASH_LIST ?? [];
  return rows.map(([, id, name, bytes, kind]) => ({ id, name, bytes, kind }));
}

// Per bundle: the algorithms by name, the names, the state size.
const INFO = new WeakMap();
function infoOf(bundle) {
  let info = INFO.get(bundle);
  if (!info) {
    const list = hashList(bundle);
    info = {
      byName: new Map(list.map((h) => [h.name, h])),
      names: list.map((h) => h.name),
      stateSize: bundle.CONSTANTS.PW_HASH_STATE_SIZE,
    };
    INFO.set(bundle, info);
  }
  return info;
}

/** The algorithm record for a name (case-insensitive); throws for others. */
export function hashAlgorithm(family, algorithm, where) {
  if (typeof algorithm !== 'string') {
    throw typeError(`${where}: algorithm must be a string (got ${describe(algorithm)})`);
  }
  const info = family.byName.get(algorithm.toLowerCase());
  if (!info) {
    const e = typeError(`${where}: unknown algorithm "${algorithm}" (known: ${family.names.join(', ')})`);
    e.code = 'ERR_PW_UNKNOWN_HASH';
    throw e;
  }
  return info;
}

/**
 * Checks the options of a hash: seed (xxHash), key / context / outputLength
 * (blake3), and those in `extra` (encoding, signal) where the caller takes
 * them. Returns { seed, mode, key, outLength, encoding, signal }.
 */
export function hashOptions(info, options, where, extra = []) {
  const r = { seed: 0n, mode: MODE.plain, key: new Uint8Array(0), outLength: info.bytes, encoding: undefined, signal: undefined };
  if (options === undefined) return r;
  if (!isPlainObject(options)) throw typeError(`${where}: options must be an object (got ${describe(options)})`);
  const known = [...(SEEDED.has(info.name) ? ['seed'] : []),
    ...(info.kind === 'xof' ? ['key', 'context', 'outputLength'] : []), ...extra];
  for (const k of Object.keys(options)) {
    // (one left undefined is as one left out, whichever algorithm)
    if (!known.includes(k) && (options[k] !== undefined || !HASH_OPTION_NAMES.includes(k))) {
      throw typeError(`${where}: option "${k}" does not apply to ${info.name}` +
        `${known.length ? ` (its options: ${known.join(', ')})` : ' (it takes no options)'}`);
    }
  }
  const { seed, key, context, outputLength, encoding, signal } = options;
  if (seed !== undefined) {
    const max = info.name === 'xxh32' ? 0xffffffffn : (1n << 64n) - 1n;
    if (typeof seed === 'number') {
      if (!Number.isSafeInteger(seed)) throw rangeError(`${where}: options.seed must be an integer or a bigint (got ${seed})`);
    } else if (typeof seed !== 'bigint') {
      throw typeError(`${where}: options.seed must be a number or a bigint (got ${describe(seed)})`);
    }
    const b = BigInt(seed);
    if (b < 0n || b > max) throw rangeError(`${where}: options.seed must be from 0 to ${max} (got ${b})`);
    r.seed = b;
  }
  if (key !== undefined && context !== undefined) {
    throw typeError(`${where}: options.key (keyed hash) and options.context (key derivation) exclude each other`);
  }
  if (key !== undefined) {
    if (!ArrayBuffer.isView(key)) throw typeError(`${where}: options.key must be a TypedArray, DataView or Buffer (got ${describe(key)})`);
    checkLive(key, `${where}: options.key`);
    if (key.byteLength !== 32) throw rangeError(`${where}: options.key must be 32 bytes long (got ${key.byteLength})`);
    r.mode = MODE.keyed;
    r.key = new Uint8Array(key.buffer, key.byteOffset, 32).slice();
  }
  if (context !== undefined) {
    if (typeof context === 'string') r.key = utf8.encode(context);
    else if (ArrayBuffer.isView(context)) {
      checkLive(context, `${where}: options.context`);
      r.key = new Uint8Array(context.buffer, context.byteOffset, context.byteLength).slice();
    }
    else throw typeError(`${where}: options.context must be a string or a view (got ${describe(context)})`);
    r.mode = MODE.derive;
  }
  if (outputLength !== undefined) {
    if (typeof outputLength !== 'number') throw typeError(`${where}: options.outputLength must be a number (got ${describe(outputLength)})`);
    if (!Number.isInteger(outputLength) || outputLength < 0 || outputLength > MAX_OUTPUT) {
      throw rangeError(`${where}: options.outputLength must be an integer from 0 to ${MAX_OUTPUT} (got ${outputLength})`);
    }
    r.outLength = outputLength;
  }
  if (encoding !== undefined) r.encoding = checkEncoding(encoding, `${where}: options.encoding`);
  if (signal !== undefined) r.signal = signal;
  return r;
}

function checkEncoding(encoding, where) {
  if (encoding === undefined || ENCODINGS.includes(encoding)) return encoding;
  throw typeError(`${where} must be one of ${ENCODINGS.map((e) => `'${e}'`).join(', ')} (got ${describe(encoding)})`);
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Standard base64 (with padding) of bytes, as Node's digest('base64'). */
export function base64(bytes) {
  let s = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    s += B64[n >> 18] + B64[(n >> 12) & 63] + B64[(n >> 6) & 63] + B64[n & 63];
  }
  if (i < bytes.length) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8);
    s += B64[n >> 18] + B64[(n >> 12) & 63] + (i + 1 < bytes.length ? B64[(n >> 6) & 63] : '=') + '=';
  }
  return s;
}

/**
 * A digest (the algorithm's canonical bytes) in an encoding: 'hex',
 * 'base64', 'bytes', or (undefined) the algorithm's natural value when
 * `natural` is set: a number (32-bit), a bigint (64/128-bit) or the bytes.
 */
export function encodeDigest(info, bytes, encoding, natural) {
  if (encoding === 'hex') return hex(bytes);
  if (encoding === 'base64') return base64(bytes);
  if (encoding === 'bytes' || !natural) return bytes;
  if (info.kind === 'u32') return ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
  if (info.kind === 'u64' || info.kind === 'u128') {
    let v = 0n;
    for (const b of bytes) v = (v << 8n) | BigInt(b);
    return v;
  }
  return bytes;
}

/** The arguments of the hashInit kernel for a checked options record. */
function initArgs(state, info, o) {
  return [state, info.id, o.seed, o.mode, o.key];
}

/** The error of a method called after digest() (`how` 'digest') or dispose(). */
function finalized(where, how) {
  return new ParawasmError(how === 'digest' ? `${where}: digest() was already called; create a new hash`
    : `${where}: the hash was disposed (dispose()); create a new hash`, 'ERR_PW_HASH_FINALIZED');
}

// Node's string encodings (Buffer.from(string, encoding)), as update() reads them
const STRING_ENCODINGS = ['utf8', 'utf-8', 'hex', 'base64', 'base64url', 'latin1', 'binary', 'ascii', 'utf16le', 'utf-16le', 'ucs2', 'ucs-2'];
// base64 digits' values by character code (-1: none)
const B64_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64_VALUE[B64.charCodeAt(i)] = i;
B64_VALUE[45] = 62; // '-' and '_': base64url's, taken by either name as Node does
B64_VALUE[95] = 63;

/**
 * The bytes of string s in `encoding` (Node's names, any case; default
 * UTF-8). Hex must be whole pairs of hex digits; base64 (either
 * alphabet) may have padding and white space, nothing else.
 */
function stringBytes(s, encoding, where) {
  const enc = encoding === undefined ? 'utf8' : typeof encoding === 'string' ? encoding.toLowerCase() : null;
  if (enc === null || !STRING_ENCODINGS.includes(enc)) {
    throw typeError(`${where}: inputEncoding must be one of ${STRING_ENCODINGS.join(', ')} (got ${describe(encoding)})`);
  }
  if (enc === 'utf8' || enc === 'utf-8') return utf8.encode(s);
  if (enc === 'hex') {
    if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) {
      throw rangeError(`${where}: data is not hex: ${s.length % 2 ? 'an odd number of digits' : 'a character that is no hex digit'}`);
    }
    const out = new Uint8Array(s.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(s.substr(2 * i, 2), 16);
    return out;
  }
  if (enc === 'base64' || enc === 'base64url') {
    const out = new Uint8Array((s.length * 3) >> 2);
    let acc = 0;
    let bits = 0;
    let n = 0;
    let end = false; // past the padding
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === 61) { // '='
        end = true;
        continue;
      }
      if (c === 32 || c === 9 || c === 10 || c === 13) continue;
      const v = c < 128 ? B64_VALUE[c] : -1;
      if (v < 0 || end) throw rangeError(`${where}: data is not base64: ${JSON.stringify(s[i])} at ${i}`);
      acc = (acc << 6) | v;
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        out[n++] = (acc >> bits) & 0xff;
      }
    }
    return out.subarray(0, n);
  }
  if (enc === 'utf16le' || enc === 'utf-16le' || enc === 'ucs2' || enc === 'ucs-2') {
    const out = new Uint8Array(2 * s.length);
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      out[2 * i] = c & 0xff;
      out[2 * i + 1] = c >> 8;
    }
    return out;
  }
  // latin1, binary, ascii: each code unit's low byte (as Node writes them)
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

/** update()'s data as a view: a string in inputEncoding (a view's encoding is ignored, as Node's). */
function checkData(data, where, encoding) {
  if (typeof data === 'string') return stringBytes(data, encoding, where);
  if (!ArrayBuffer.isView(data)) {
    throw typeError(`${where}: data must be a TypedArray, DataView, Buffer or string (got ${describe(data)})`);
  }
  // (a detached view would be read as empty on a pool, or fail with the engine's uncoded error)
  return checkLive(data, `${where}: data`);
}

// A hash dropped without digest() or dispose() has its heap blocks freed
// when the garbage collector reclaims it: `res` is { owner, blocks } (the
// core or pool, and the blocks it holds now), never the hash itself.
const dropped = new FinalizationRegistry((res) => {
  for (const b of res.blocks) {
    if (b === null) continue;
    try {
      res.owner.free(b);
    } catch { /* its core or pool is gone, or the block already freed */ }
  }
});

// Foreign input larger than this goes to the core in pieces (no full copy).
const PIECE = 1 << 18;

/**
 * A streaming hash on the single-thread core (`core`: its invoke() runs
 * the internal hash kernels): every method is synchronous.
 */
export class SyncHash {
  constructor(core, family, algorithm, options) {
    this.$info = hashAlgorithm(family, algorithm, 'createHash');
    this.$options = hashOptions(this.$info, options, 'createHash');
    this.$core = core;
    this.$state = allocFor(core, family.stateSize, 'createHash', "the memory has no room for the hash's state");
    // where the state lies: on a core without shared memory, any growth of
    // the heap (an alloc(), a large result, a staged input) detaches the
    // view, and st() makes a new one of the same block
    this.$place = placeOf(this.$state);
    this.$ended = null; // 'digest' or 'dispose'
    dropped.register(this, { owner: core, blocks: [this.$state] }, this);
    try {
      core.invoke('hashInit', initArgs(this.$st(), this.$info, this.$options));
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  get algorithm() {
    return this.$info.name;
  }

  /** The state's view, made again where the heap's growth detached it. */
  $st() {
    this.$state = reattached(this.$state, this.$place);
    return this.$state;
  }

  /**
   * Feeds data (a view, or a string: UTF-8, or as inputEncoding says, one
   * of Node's names); returns the hash, for chaining.
   */
  update(data, inputEncoding) {
    const where = `${this.$info.name}.update`;
    if (!this.$state) throw finalized(where, this.$ended);
    const v = checkData(data, where, inputEncoding);
    const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    try {
      if (bytes.byteLength <= PIECE || this.$core.inHeap(v)) {
        this.$core.invoke('hashUpdate', [this.$st(), v]);
      } else {
        for (let off = 0; off < bytes.byteLength; off += PIECE) {
          this.$core.invoke('hashUpdate', [this.$st(), bytes.subarray(off, off + PIECE)]);
        }
      }
    } catch (e) {
      throw relabeled(e, 'hashUpdate', where);
    }
    return this;
  }

  /** The digest: bytes (a Uint8Array), or a 'hex' / 'base64' string. Frees the state. */
  digest(encoding) {
    if (!this.$state) throw finalized(`${this.$info.name}.digest`, this.$ended);
    checkEncoding(encoding, `${this.$info.name}.digest: encoding`);
    const bytes = this.$core.invoke('hashDigest', [this.$st(), this.$options.outLength]);
    this.$end('digest');
    return encodeDigest(this.$info, bytes, encoding, false);
  }

  /** Frees the state without a digest. Safe to call twice. */
  dispose() {
    this.$end('dispose');
  }

  $end(how) {
    if (!this.$state) return;
    dropped.unregister(this);
    this.$core.free(this.$st());
    this.$state = null;
    this.$ended = how;
  }
}

/** host.alloc(bytes), a RangeError of which names `where` and says `why`. */
function allocFor(host, bytes, where, why) {
  try {
    return host.alloc(bytes);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    throw rangeError(`${where}: ${why} (${e.message})`);
  }
}

// Foreign inputs to a pool hash are copied at once into staging blocks of
// up to this size (small ones share a block), so the caller may reuse its
// buffer. A hash's block starts as small as its first input allows and
// doubles as inputs fill it: a hash that is kept with a few bytes in it
// holds STAGE_MIN bytes, not STAGE.
const STAGE = 1 << 16;
const STAGE_MIN = 256;

/**
 * A streaming hash on a pool: update() returns at once (chainable) and the
 * hashing happens on a pool thread, in order; digest() returns a promise.
 * Views from pool.alloc() are read in place when their turn comes; other
 * views are copied at once.
 */
export class AsyncHash {
  constructor(pool, family, algorithm, options) {
    this.$info = hashAlgorithm(family, algorithm, 'createHash');
    this.$options = hashOptions(this.$info, options, 'createHash');
    this.$pool = pool;
    this.$state = allocFor(pool, family.stateSize, 'createHash', "the pool's memory has no room for the hash's state");
    this.$stage = null; // block being filled with small foreign inputs
    this.$used = 0;
    this.$done = false;
    this.$ended = null; // 'digest' or 'dispose'
    this.$released = false; // the state's free() is queued
    // what a hash dropped meanwhile holds: its state and its stage block
    this.$res = { owner: pool, blocks: [this.$state, null] };
    dropped.register(this, this.$res, this);
    this.$tail = this.$after(() => pool.invoke('hashInit', initArgs(this.$state, this.$info, this.$options)));
  }

  get algorithm() {
    return this.$info.name;
  }

  // Runs fn after every earlier step; a failed step fails those after it
  // (an update's error named after update()).
  $after(fn) {
    const p = (this.$tail ?? Promise.resolve()).then(fn).catch((e) => {
      throw relabeled(e, 'hashUpdate', `${this.$info.name}.update`);
    });
    p.catch(() => {}); // reported by digest() or flush(), not as unhandled
    this.$tail = p;
    return p;
  }

  /**
   * Queues data (a view, or a string: UTF-8, or as inputEncoding says);
   * returns the hash, for chaining.
   */
  update(data, inputEncoding) {
    const where = `${this.$info.name}.update`;
    if (this.$done) throw finalized(where, this.$ended);
    const v = checkData(data, where, inputEncoding);
    const inPlace = checkUsable(this.$pool, v, `${where}: data`);
    if (v.byteLength === 0) return this;
    if (inPlace) {
      this.$sendStage();
      // the block is held until its update has run: a free() meanwhile waits for it
      const held = this.$pool.$holdInputs([v]);
      const p = this.$after(() => this.$pool.invoke('hashUpdate', [this.$state, v]));
      if (held !== null) {
        const release = () => this.$pool.$releaseInputs(held);
        p.then(release, release);
      }
      return this;
    }
    const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    if (bytes.byteLength > STAGE) {
      this.$sendStage();
      let copy;
      try {
        copy = this.$pool.alloc(bytes.byteLength);
      } catch (e) {
        if (!(e instanceof RangeError)) throw e;
        // (the copy that update() makes at once, so that the caller may reuse its buffer)
        throw rangeError(`${this.$info.name}.update: data is ${bytes.byteLength} bytes from outside the pool's memory, ` +
          'more than the memory can take as one copy now; pass it in pieces, awaiting flush() between them, or hash ' +
          `it on the core (core.createHash streams any size) (${e.message})`);
      }
      copy.set(bytes);
      this.$copiedIn(bytes.byteLength);
      this.$send(copy, copy);
      return this;
    }
    const need = this.$used + bytes.byteLength;
    if (this.$stage && need > STAGE) this.$sendStage();
    if (!this.$stage) {
      this.$used = 0;
      this.$setStage(this.$stageAlloc(bytes.byteLength, where));
    } else if (need > this.$stage.byteLength) {
      const grown = this.$stageAlloc(need, where);
      grown.set(this.$stage.subarray(0, this.$used));
      this.$pool.free(this.$stage);
      this.$setStage(grown);
    }
    this.$stage.set(bytes, this.$used);
    this.$used += bytes.byteLength;
    this.$copiedIn(bytes.byteLength);
    return this;
  }

  // Counts a foreign input's bytes copied into the pool's memory in
  // stats().bytesCopied (the fallback pool counts what it sends its worker)
  $copiedIn(n) {
    if (this.$pool.isShared) this.$pool.$counters.bytesCopied += n;
  }

  // A staging block for at least `bytes` bytes (a power of two from STAGE_MIN to STAGE).
  $stageAlloc(bytes, where) {
    let size = STAGE_MIN;
    while (size < bytes) size *= 2;
    return allocFor(this.$pool, size, where, "the pool's memory has no room to copy data into");
  }

  $setStage(block) {
    this.$stage = block;
    this.$res.blocks[1] = block;
  }

  // Queues the update of `view`, then frees `block`.
  $send(view, block) {
    const free = () => this.$pool.free(block);
    this.$after(() => this.$pool.invoke('hashUpdate', [this.$state, view])).then(free, free);
  }

  $sendStage() {
    if (!this.$stage) return;
    this.$send(this.$stage.subarray(0, this.$used), this.$stage);
    this.$setStage(null);
  }

  /** Resolves when every update so far has been hashed (rejects if one failed). */
  flush() {
    this.$sendStage();
    return this.$tail.then(() => undefined);
  }

  /** Resolves to the digest: bytes, or a 'hex' / 'base64' string. Frees the state. */
  digest(encoding) {
    if (this.$done) return Promise.reject(finalized(`${this.$info.name}.digest`, this.$ended));
    try {
      checkEncoding(encoding, `${this.$info.name}.digest: encoding`);
    } catch (e) {
      return Promise.reject(e);
    }
    this.$sendStage();
    this.$done = true;
    this.$ended = 'digest';
    const result = this.$after(() => this.$pool.invoke('hashDigest', [this.$state, this.$options.outLength]));
    this.$release();
    return result.then((bytes) => encodeDigest(this.$info, bytes, encoding, false));
  }

  /** Drops the hash: queued updates finish, then the state is freed. */
  dispose() {
    if (this.$done) return;
    this.$sendStage();
    this.$done = true;
    this.$ended = 'dispose';
    this.$release();
  }

  $release() {
    if (this.$released) return;
    this.$released = true;
    dropped.unregister(this);
    const free = () => this.$pool.free(this.$state);
    this.$tail.then(free, free);
  }
}

/**
 * Checks hashMany's arguments. Returns { info, o, views, n } with every
 * input as a view (strings as UTF-8).
 */
// The checks of input i, whose label (`${where}: views[${i}]`) is made only
// when one fails (run again with it, to throw the same error so named): a
// string an input cost hashMany of 10,000 small inputs ~0.1 us an input.
function checkLiveAt(v, where, i) {
  try {
    return checkLive(v, where);
  } catch {
    return checkLive(v, `${where}: views[${i}]`);
  }
}
function locateAt(heap, v, where, i) {
  try {
    return heap.locate(v, where);
  } catch {
    return heap.locate(v, `${where}: views[${i}]`);
  }
}

export function checkMany(family, algorithm, views, options, where, extra) {
  const info = hashAlgorithm(family, algorithm, where);
  const o = hashOptions(info, options, where, extra);
  if (views === null || typeof views !== 'object' || typeof views[Symbol.iterator] !== 'function' || ArrayBuffer.isView(views)) {
    throw typeError(`${where}: views must be an array (or iterable) of views (got ${describe(views)})`);
  }
  const list = Array.from(views, (v, i) => {
    if (typeof v === 'string') return utf8.encode(v);
    if (!ArrayBuffer.isView(v)) throw typeError(`${where}: views[${i}] must be a TypedArray, DataView, Buffer or string (got ${describe(v)})`);
    return checkLiveAt(v, where, i);
  });
  if (list.length * o.outLength > MAX_OUTPUT) {
    throw rangeError(`${where}: ${list.length} outputs of ${o.outLength} bytes are more than ${MAX_OUTPUT} bytes`);
  }
  return { info, o, views: list };
}

// Views from outside the memory are copied in. Where their total passes
// MANY_COPY, hashMany runs on runs of consecutive inputs whose copies stay
// within it (one larger input alone), one run after the other: the heap
// then holds the largest run's copies rather than all of them (two inputs
// of 3 GiB would not fit in wasm32's 4 GiB together).
const MANY_COPY = 256 << 20;

/**
 * hashMany's inputs as runs [from, to) of consecutive indices whose copies
 * are at most MANY_COPY bytes (or one input); one run when all fit.
 */
function manyRuns(heap, views, where) {
  let total = 0;
  for (const v of views) total += v.byteLength;
  if (total <= MANY_COPY) return [[0, views.length]];
  const runs = [];
  let from = 0;
  let bytes = 0;
  views.forEach((v, i) => {
    const b = locateAt(heap, v, where, i) < 0 ? v.byteLength : 0;
    if (i > from && bytes + b > MANY_COPY) {
      runs.push([from, i]);
      from = i;
      bytes = 0;
    }
    bytes += b;
  });
  runs.push([from, views.length]);
  return runs;
}

/**
 * Places hashMany's inputs from..to-1 in `heap`: views already there are
 * used in place (their blocks are returned, to be pinned), the others are
 * copied into one new block. Returns { items, temp, blocks, copied }; items
 * holds the address and length of each input.
 */
function placeMany(heap, views, where, from, to) {
  const n = to - from;
  const items = new BigUint64Array(2 * n);
  const words = new Uint32Array(items.buffer);
  const at = new Array(n);
  const blocks = [];
  let foreign = 0;
  for (let i = 0; i < n; i++) {
    const v = views[from + i];
    // (a later run's view checked again: it may have been detached since the call)
    if (from > 0) checkLiveAt(v, where, from + i);
    at[i] = locateAt(heap, v, where, from + i);
    if (at[i] < 0) foreign += v.byteLength;
    else if (v.byteLength) blocks.push(blockOf(v));
  }
  const temp = foreign ? heap.malloc(foreign, `${where}: views (their copies, of the views from outside the memory)`) : 0;
  let off = temp;
  const u8 = heap.views().u8;
  for (let i = 0; i < n; i++) {
    const v = views[from + i];
    let p = at[i];
    if (p < 0) {
      p = off;
      u8.set(v instanceof Uint8Array ? v : new Uint8Array(v.buffer, v.byteOffset, v.byteLength), off);
      off += v.byteLength;
    }
    // (the two 64-bit words as 32-bit halves, little-endian as wasm's: no bigint made)
    words[4 * i] = p;
    words[4 * i + 2] = v.byteLength % 4294967296;
    words[4 * i + 3] = Math.floor(v.byteLength / 4294967296);
  }
  return { items, temp, blocks, copied: foreign };
}

/** The hashMany kernel's arguments for `n` inputs (items as placed by placeMany). */
function manyArgs(m, items, n) {
  return [m.info.id, m.o.seed, m.o.mode, m.o.key, items, n * m.o.outLength];
}

/** Splits hashMany's output for inputs from..to-1 into one result per input, r[from..to). */
function splitMany(m, out, r, from, to) {
  const d = m.o.outLength;
  const n = to - from;
  const { kind } = m.info;
  const enc = m.o.encoding;
  // (numbers, bigints and hex straight from the output: no copy of each
  // digest first; encodeDigest's values, big-endian as its bytes are)
  if (enc === 'hex') {
    for (let i = 0; i < n; i++) r[from + i] = hexBytes(out, i * d, d);
  } else if (enc === undefined && kind === 'u32') {
    for (let i = 0; i < n; i++) {
      const k = i * d;
      r[from + i] = ((out[k] << 24) | (out[k + 1] << 16) | (out[k + 2] << 8) | out[k + 3]) >>> 0;
    }
  } else if (enc === undefined && (kind === 'u64' || kind === 'u128')) {
    const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
    for (let i = 0; i < n; i++) {
      const k = i * d;
      r[from + i] = kind === 'u64' ? dv.getBigUint64(k) : (dv.getBigUint64(k) << 64n) | dv.getBigUint64(k + 8);
    }
  } else {
    for (let i = 0; i < n; i++) r[from + i] = encodeDigest(m.info, out.slice(i * d, (i + 1) * d), enc, true);
  }
  return r;
}

// The methods the family adds to a core and to a pool.

/** Installs createHash() and hashMany() on a core. */
function installCore(core, ctx) {
  const family = infoOf(ctx.bundle);
  const manySpec = ctx.kernels.get('hashMany');
  define(core, {
    /**
     * A streaming hash (like Node's crypto.createHash): update(data) feeds
     * it, digest([encoding]) ends it. See README for algorithms and options.
     */
    createHash(algorithm, options) {
      return new SyncHash(core, family, algorithm, options);
    },
    /**
     * Hashes every view of `views` with one algorithm; returns one result per
     * view (a number, bigint or Uint8Array as the one-shot kernel, or a string
     * with options.encoding).
     */
    hashMany(algorithm, views, options) {
      const m = checkMany(family, algorithm, views, options, 'hashMany', ['encoding']);
      const r = new Array(m.views.length);
      for (const [from, to] of manyRuns(core.$heap, m.views, 'hashMany')) {
        const placed = placeMany(core.$heap, m.views, 'hashMany', from, to);
        try {
          splitMany(m, core.$call(manySpec, manyArgs(m, placed.items, to - from)), r, from, to);
        } finally {
          if (placed.temp) core.$heap.mfree(placed.temp);
        }
      }
      return r;
    },
  });
}

/** Installs createHash() and hashMany() on a pool (shared or fallback). */
function installPool(pool, ctx) {
  const family = infoOf(ctx.bundle);
  const manySpec = ctx.kernels.get('hashMany');
  const fallbackSpec = makeSpec('hashMany');
  define(pool, {
    /**
     * A streaming hash (like Node's crypto.createHash): update(data) queues
     * data and returns the hash, digest([encoding]) resolves to the digest.
     * See README for algorithms and options.
     */
    createHash(algorithm, options) {
      if (pool.$failure) throw pool.$failedError();
      return new AsyncHash(pool, family, algorithm, options);
    },
    /**
     * Hashes every view of `views` with one algorithm, the inputs spread over
     * the threads. Resolves to one result per view (a number, bigint or
     * Uint8Array as the one-shot kernel, or a string with options.encoding).
     */
    hashMany(algorithm, views, options) {
      let m;
      try {
        if (pool.$failure) throw pool.$failedError();
        m = checkMany(family, algorithm, views, options, 'hashMany', ['encoding', 'signal']);
      } catch (e) {
        return Promise.reject(e);
      }
      const callOptions = m.o.signal === undefined ? [] : [{ signal: m.o.signal }];
      if (!pool.isShared) {
        // the worker's core runs hashMany on copies (the caller may reuse its buffers at once);
        // a freed block is refused as on the threaded pool (only the fallback pool knows its blocks)
        try {
          m.views.forEach((v, i) => checkUsable(pool, v, `hashMany: views[${i}]`));
        } catch (e) {
          return Promise.reject(e);
        }
        const { signal, ...rest } = options ?? {};
        const copies = m.views.map((v) => new Uint8Array(v.buffer, v.byteOffset, v.byteLength).slice());
        const copied = copies.reduce((n, v) => n + v.byteLength, 0);
        return pool.$invokeRaw(fallbackSpec, callOptions, {
          payload: { method: 'hashMany', args: [algorithm, copies, rest], transfer: copies.map((v) => v.buffer) },
          copied,
        });
      }
      // one run of inputs placed and hashed (see manyRuns; the next is
      // placed when this one has ended)
      const r = new Array(m.views.length);
      const run = (from, to) => {
        let placed;
        try {
          placed = placeMany(pool.$heap, m.views, 'hashMany', from, to);
        } catch (e) {
          return Promise.reject(e);
        }
        const extra = { temps: placed.temp ? [placed.temp] : [], blocks: placed.blocks, copied: placed.copied, tables: placed.items.byteLength };
        return pool.$invokeRaw(manySpec, [...manyArgs(m, placed.items, to - from), ...callOptions], extra)
          .then((out) => splitMany(m, out, r, from, to));
      };
      let runs;
      try {
        runs = manyRuns(pool.$heap, m.views, 'hashMany');
      } catch (e) {
        return Promise.reject(e);
      }
      if (runs.length === 1) return run(0, m.views.length);
      // (every alloc() view held from the start: a free() of one that a
      // later run reads waits for the call, as it does within a run; the
      // first run is copied now, as a single run is, the others when the
      // run before has ended)
      const held = pool.$holdInputs(m.views);
      const release = () => { if (held) pool.$releaseInputs(held); };
      return runs.slice(1).reduce((p, [from, to]) => p.then(() => run(from, to)), run(runs[0][0], runs[0][1]))
        .then(() => r).finally(release);
    },
  });
}

function define(target, methods) {
  for (const [name, fn] of Object.entries(methods)) {
    if (name in target) {
      throw new ParawasmError(`the hash family's ${name} has the name of a kernel or member; rename the kernel`, 'ERR_PW_KERNEL_NAME');
    }
    Object.defineProperty(target, name, { value: fn, enumerable: true });
  }
}

/** The hash family, as a package's entry passes it to makePackage(). */
export const hashFamily = { name: 'hash', core: installCore, pool: installPool };

/** The names createHash() and hashMany() accept, for a package's HASH_ALGORITHMS export. */
export function hashAlgorithms(bundle) {
  return Object.freeze(infoOf(bundle).names.slice());
}
