// The module's memory as seen from JS: cached views that follow growth, the
// blocks handed out by alloc(), and the test "where does this view lie".
//
// A view's identity is its allocation, not its address: freed memory is
// handed out again, so an address inside a live block says nothing about
// whether a view was made for that block. A WeakMap therefore ties every
// view that alloc() makes, and every subarray() of one, to its Block. A
// kernel call accepts a view of the heap only through that tie: a freed
// block is a RangeError even after its address was reused, and a view
// built by hand over the heap's buffer (whose block cannot be known) is
// refused with a message saying how to make one that can be checked.
import { checkInteger, describe, rangeError, typeError } from './errors.js';

// The most the heap can hold: wasm32's 4 GiB less its last 64 KiB page,
// which Emscripten's growth never adds (emscripten_get_heap_max).
export const MAX_HEAP = 2 ** 32 - 65536;
// Largest alignment any element type needs; SIMD kernels like 16.
const ALLOC_ALIGN = 16;

/** The constructors alloc() takes. */
const VIEW_CTORS = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
  Float32Array, Float64Array, BigInt64Array, BigUint64Array, DataView];
if (typeof globalThis.Float16Array === 'function') VIEW_CTORS.push(globalThis.Float16Array);

/** One alloc() block: where it is, and whether it is still the caller's. */
export class Block {
  constructor(heap, p, size) {
    this.heap = heap;
    this.p = p; // byte address
    this.size = size; // bytes
    this.live = true; // false once freed
    this.pins = 0; // unfinished pool calls that use it in place
    this.deferred = false; // freed while pinned: its memory goes back at the last unpin
    this.holds = 0; // family methods of several calls that read or write it (pool.holdInputs)
    this.freeHeld = false; // freed while held: released when the last hold ends
  }
}

// view -> Block, for every view made by alloc() or by subarray() of one
// (the generated fast paths read it too)
export const OWNERS = new WeakMap();


// The views of a block carry their own subarray() (a non-enumerable own
// property: the view is still a plain Uint8Array, Float64Array, ..., equal
// to any other by value), which passes the block on to the part it makes.
const TYPED_SUBARRAY = Object.getPrototypeOf(Uint8Array).prototype.subarray;
const SUBARRAY = { value: trackedSubarray, writable: true, configurable: true, enumerable: false };
function trackedSubarray(begin, end) {
  const v = TYPED_SUBARRAY.call(this, begin, end);
  const block = OWNERS.get(this);
  if (block !== undefined) track(v, block);
  return v;
}
// the tracked views that span their whole block (free() takes those only)
const WHOLE = new WeakSet();

export function track(view, block) {
  OWNERS.set(view, block);
  if (view.byteLength === block.size && view.byteOffset === (block.heap instanceof Heap ? block.p : 0)) WHOLE.add(view);
  if (!(view instanceof DataView)) Object.defineProperty(view, 'subarray', SUBARRAY);
  return view;
}

/**
 * The memory a view lies in, for overlap checks: a heap's block's heap
 * (a core's growing memory changes its buffer object, not its addresses),
 * else its buffer (a fallback pool's block is an ArrayBuffer of its own).
 */
export function memoryOf(v) {
  const b = OWNERS.get(v);
  return b !== undefined && b.heap instanceof Heap ? b.heap : v.buffer;
}

/** The Block a view belongs to (made by alloc() of any heap of this runtime), or undefined. */
export function blockOf(view) {
  return OWNERS.get(view);
}

/**
 * Where an alloc() view lies, [byteOffset, length], taken before a call on
 * a core without shared memory, whose growth would detach it; null for a
 * view alloc() did not make.
 */
export const placeOf = (view) => (OWNERS.has(view) ? [view.byteOffset, view instanceof DataView ? view.byteLength : view.length] : null);

/**
 * `view` as it is, or, where the call's growth of a private memory
 * detached it (placeOf() taken before), a new view of the same bytes of
 * its block: what a call wrote in place is then the caller's still.
 */
export function reattached(view, at) {
  if (at === null || !isDetached(view)) return view;
  const b = OWNERS.get(view);
  if (b === undefined || !b.live || !(b.heap instanceof Heap)) return view;
  return b.heap.viewAt(b, view.constructor, at[0], at[1]);
}

/** True if the view's buffer has been detached (transferred, or a private memory that grew). */
export function isDetached(view) {
  const buf = view.buffer;
  if (buf.byteLength !== 0) return false;
  if (typeof buf.detached === 'boolean') return buf.detached;
  try {
    new Uint8Array(buf); // eslint-disable-line no-new
    return false;
  } catch {
    return true;
  }
}

// Node's Buffer (a Uint8Array whose constructor taking a buffer is deprecated)
const NodeBuffer = typeof globalThis.Buffer === 'function' && globalThis.Buffer.prototype instanceof Uint8Array ? globalThis.Buffer : null;

/** True if views of Ctor may be made over the heap: a TypedArray constructor, DataView, a subclass of one, or Buffer. */
function isViewCtor(Ctor) {
  if (VIEW_CTORS.includes(Ctor)) return true;
  if (typeof Ctor !== 'function' || typeof Ctor.prototype !== 'object' || Ctor.prototype === null) return false;
  return VIEW_CTORS.some((B) => Ctor.prototype instanceof B);
}

/**
 * A view of `length` elements of Ctor (checked by checkAlloc; bytes for a
 * DataView) at byte `at` of `buf`, or the whole of `buf`: new Ctor(), or
 * Buffer.from() for a Buffer. Throws, naming `what`, if a subclass's
 * constructor made a view of anything else.
 */
export function makeView(Ctor, buf, at = 0, length = undefined, what = 'alloc') {
  if (Ctor === NodeBuffer) return NodeBuffer.from(buf, at, length ?? buf.byteLength - at);
  const v = length === undefined ? new Ctor(buf, at) : new Ctor(buf, at, length);
  // a subclass's constructor may make a view of its own
  if (!VIEW_CTORS.includes(Ctor) && !(ArrayBuffer.isView(v) && v.buffer === buf && v.byteOffset === at &&
    v.byteLength === (length === undefined ? buf.byteLength - at : length * (Ctor.BYTES_PER_ELEMENT ?? 1)))) {
    throw typeError(`${what}: the constructor ${Ctor.name || '(anonymous)'} did not make a view of the buffer, byteOffset and length ` +
      'it was given: alloc() and view() take constructors called as new Ctor(buffer, byteOffset, length)');
  }
  return v;
}

/** Checks alloc()'s arguments; returns the element size. */
export function checkAlloc(bytes, Ctor, what = 'alloc') {
  if (!isViewCtor(Ctor)) {
    throw typeError(`${what}: the second argument must be a TypedArray constructor (Uint8Array, Float64Array, ...), DataView, a subclass of one or Buffer (got ${describe(Ctor)})`);
  }
  // a whole count up to MAX_HEAP; one past it that wasm32's size_t still
  // holds is refused by malloc ('more than the heap can ever hold')
  if (!(Number.isInteger(bytes) && bytes > MAX_HEAP && bytes < 2 ** 32)) checkInteger(bytes, `${what}: bytes`, 0, MAX_HEAP);
  const size = Ctor.BYTES_PER_ELEMENT ?? 1;
  if (bytes % size) throw rangeError(`${what}: bytes must be a multiple of ${size} for ${Ctor.name} (got ${bytes})`);
  return size;
}

/** Throws, naming the method, unless `view` is a TypedArray or DataView (free(), inHeap()). */
export function checkView(view, what) {
  if (!ArrayBuffer.isView(view)) throw typeError(`${what}: view must be a TypedArray or DataView (got ${describe(view)})`);
}

export function freedError(what) {
  return rangeError(`${what} is a view of memory that was freed with free(); ` +
    'a freed view may not be used (its memory may belong to another allocation now)');
}

/**
 * Throws, naming `what`, if the view is detached (a check before its length
 * is read: a detached TypedArray has 0; a detached DataView's getters throw
 * the engine's own uncoded TypeError, this one instead).
 */
export function checkAttached(view, what) {
  let n;
  try {
    n = view.byteLength;
  } catch {
    throw view.buffer.resizable === true && view.buffer.byteLength !== 0 ? outOfBoundsError(what) : detachedError(what);
  }
  if (n === 0) {
    if (isDetached(view)) throw detachedError(what);
    // a view of fixed length over a resizable ArrayBuffer shrunk below it
    // reads as empty; its methods throw (an empty view's do not)
    if (view.buffer.resizable === true && !(view instanceof DataView)) {
      try {
        view.at(0);
      } catch {
        throw outOfBoundsError(what);
      }
    }
  }
}

function outOfBoundsError(what) {
  return typeError(`${what} is out of bounds: its resizable ArrayBuffer was resized to end before the view's end`);
}

/** Throws, naming `what`, if the view is detached or its alloc() block was freed; returns it. */
export function checkLive(view, what) {
  checkAttached(view, what);
  if (blockOf(view)?.live === false) throw freedError(what);
  return view;
}

/**
 * Before a call's results are copied back into `view` (a copy of it went
 * to the kernel): throws, naming `what`, if the view went away while the
 * call ran (detached; freed, when it is an alloc() view of another heap,
 * whose memory may be someone else's now; its resizable buffer shrunk
 * below it), so that nothing is written into memory that is not its own.
 */
export function checkWritable(view, bytes, what) {
  checkLive(view, what);
  if (view.byteLength < bytes) {
    throw typeError(`${what} shrank while the call ran: its resizable ArrayBuffer was resized to ${view.buffer.byteLength} ` +
      `bytes, and the view's ${bytes} bytes of results no longer fit`);
  }
}

/**
 * Throws, naming `what`, if `v` may not be given to a kernel of `host` (a
 * core or a pool): detached, freed (a fallback pool's blocks too, which
 * only it knows), or a view built by hand over its memory; else returns
 * host.inHeap(v) (true: kernels read it in place).
 */
export function checkUsable(host, v, what) {
  checkLive(v, what);
  try {
    return host.inHeap(v);
  } catch (e) {
    if (!(e instanceof RangeError || e instanceof TypeError) || !/^inHeap: view /.test(e.message)) throw e;
    throw (e instanceof RangeError ? rangeError : typeError)(e.message.replace(/^inHeap: view/, what));
  }
}

/** The RangeError of a request of more bytes than any heap can hold (MAX_HEAP). */
export function beyondHeapError(what, bytes) {
  return rangeError(`${what}: cannot allocate ${bytes} bytes: more than parawasm's heap can ever hold (${MAX_HEAP} bytes)`);
}

/** The RangeError of a view built by hand over the memory of a core or pool (or a fallback pool's block). */
export function handMadeError(what) {
  return rangeError(`${what} is a view of parawasm's memory that alloc() did not make (a view built by hand ` +
    "over the heap's buffer), so its allocation cannot be checked: pass the views of alloc(), their subarray()s, " +
    'or views made with view(block, Ctor, byteOffset, length)');
}

/**
 * view(of, Ctor, byteOffset, length) of a core or pool (`owner`: the heap
 * or fallback pool whose blocks it checks): a tracked view of the block of
 * `of`, made on `buffer()` (the heap's memory, or the block's own).
 */
export function viewOfBlock(owner, of, Ctor, byteOffset, length, what, buffer) {
  if (!ArrayBuffer.isView(of)) throw typeError(`${what}: the first argument must be a view from alloc() (got ${describe(of)})`);
  const block = OWNERS.get(of);
  if (!block || block.heap !== owner) throw typeError(`${what}: the first argument is not a view from alloc() of this core or pool`);
  if (!block.live) throw rangeError(`${what}: the first argument was freed`);
  if (isDetached(of)) {
    // a view of a whole block that a private memory's growth detached: the
    // block's bytes are where they were, in the memory's new buffer
    if (!WHOLE.has(of) || !(owner instanceof Heap)) throw detachedError(`${what}: the first argument (not a view of its whole block)`);
    of = new Uint8Array(buffer(), block.p, block.size);
  }
  checkAlloc(0, Ctor, what);
  const size = Ctor.BYTES_PER_ELEMENT ?? 1;
  checkInteger(byteOffset, `${what}: byteOffset`, 0, of.byteLength);
  const start = of.byteOffset + byteOffset;
  if (start % size) {
    throw rangeError(`${what}: the view would start at byte ${start - block.p} of its block, not a multiple of ${size} for ${Ctor.name}`);
  }
  const left = of.byteLength - byteOffset;
  const room = Math.floor(left / size);
  // as new Float32Array(buffer, offset) does: the rest must be whole elements
  // unless a length says how many (the bytes past them were left out unseen)
  if (length === undefined && left % size) {
    throw rangeError(`${what}: the ${left} bytes from byteOffset are not a whole number of ${Ctor.name} elements ` +
      `(${size} bytes each); give a length`);
  }
  const n = length === undefined ? room : checkInteger(length, `${what}: length`, 0, room);
  const buf = buffer();
  return track(makeView(Ctor, buf, start, n, what), block);
}

/** The block of a view that free() of `owner` (a heap or fallback pool) may release, or throws. */
export function freeableBlock(owner, view, what) {
  checkView(view, what);
  const block = OWNERS.get(view);
  if (!block || block.heap !== owner) {
    throw typeError(`${what}: view was not returned by alloc() of this core or pool`);
  }
  if (!block.live) throw typeError(`${what}: view was already freed`);
  // (decided when the view was made: a detached view's offset and length read 0)
  if (!WHOLE.has(view)) {
    throw typeError(`${what}: view is a part of a block (a subarray, or a view() of part of it); pass the view alloc() returned ` +
      'or another of its whole block');
  }
  return block;
}

export function detachedError(what) {
  return typeError(`${what} is detached: its memory was transferred, or it is a view from alloc() of a core ` +
    'whose heap grew since (a core without shared memory: allocate what you need first, see README)');
}

export class Heap {
  /**
   * @param memory  the module's WebAssembly.Memory
   * @param exports the wasm exports (pw_alloc, pw_free)
   * @param shared  true when the memory is shared: it never detaches, and
   *                other threads may grow it
   */
  constructor(memory, exports, shared) {
    this.memory = memory;
    this.exports = exports;
    this.shared = shared;
    this.buffers = new WeakSet(); // every buffer object this memory has had, and copies of it (aliases())
    this.foreign = new WeakSet(); // SharedArrayBuffers found not to be this memory
    this.liveBytes = 0; // bytes in live alloc() blocks
    this.refresh();
    // a word of the heap's own for aliases(), at the start of the heap (so
    // that a copy of the memory's buffer made before it grew holds it too)
    this.probe = shared ? this.malloc(4, 'the heap') : 0;
  }

  /** Re-creates the views if the memory has grown (here or on another thread). */
  refresh() {
    const buf = this.memory.buffer;
    if (this.u8 && this.u8.buffer === buf) return;
    this.buffers.add(buf);
    this.u8 = new Uint8Array(buf);
    this.i8 = new Int8Array(buf);
    this.u16 = new Uint16Array(buf);
    this.i16 = new Int16Array(buf);
    this.u32 = new Uint32Array(buf);
    this.i32 = new Int32Array(buf);
    this.f32 = new Float32Array(buf);
    this.f64 = new Float64Array(buf);
    this.u64 = new BigUint64Array(buf);
    this.i64 = new BigInt64Array(buf);
  }

  /**
   * Zeroes bytes [at, at + n) of the memory (the views must cover them):
   * 8 bytes an element where they are aligned, for fill() on a shared
   * memory's view stores an element at a time (4 KiB: 1.2 µs through the
   * Uint8Array, 0.2 through the Float64Array; +0 is 8 zero bytes).
   */
  zero(at, n) {
    if (n < 64) {
      this.u8.fill(0, at, at + n);
      return;
    }
    const a = at + ((8 - (at % 8)) % 8);
    const e = at + n - ((at + n) % 8);
    this.u8.fill(0, at, a);
    this.f64.fill(0, a / 8, e / 8);
    this.u8.fill(0, e, at + n);
  }

  /**
   * Copies view `a` (outside this memory) to byte `at` (a multiple of its
   * element size) through the heap's view of a's type: no view made a call
   * (a Uint8Array over a Float64Array's bytes had cost each staged input
   * of a fast call about 100 heap bytes). The views must cover `at`.
   */
  copyIn(a, at) {
    const C = a.constructor;
    if (C === Uint8Array) this.u8.set(a, at);
    else if (a instanceof Uint8Array) this.u8.set(a, at); // (a Node Buffer: a Uint8Array of another constructor)
    else if (C === Float64Array) this.f64.set(a, at / 8);
    else if (C === Float32Array) this.f32.set(a, at / 4);
    else if (C === Int32Array) this.i32.set(a, at / 4);
    else if (C === Uint32Array) this.u32.set(a, at / 4);
    else if (C === Int16Array) this.i16.set(a, at / 2);
    else if (C === Uint16Array) this.u16.set(a, at / 2);
    else if (C === Int8Array) this.i8.set(a, at);
    else if (C === BigInt64Array) this.i64.set(a, at / 8);
    else if (C === BigUint64Array) this.u64.set(a, at / 8);
    else this.u8.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at); // (Uint8ClampedArray, a DataView)
  }

  /** Current views: cheap when nothing changed. */
  views() {
    // a private memory detaches its old buffer when it grows (length 0);
    // a shared one does not, so ask it for its size
    if (this.shared ? this.u8.byteLength !== this.memory.buffer.byteLength : this.u8.length === 0) this.refresh();
    return this;
  }

  /**
   * Views for the runtime's own records (task records, rings), which lie
   * below the initial heap size: a shared memory's older views still cover
   * them, so only a detached (non-shared, grown) buffer needs a refresh.
   * Much cheaper than views(), which asks the memory for its current size.
   */
  low() {
    if (this.u32.length === 0) this.refresh();
    return this;
  }

  get byteLength() {
    return this.memory.buffer.byteLength;
  }

  /** True if buf is (one of the buffer objects of) this memory. */
  owns(buf) {
    if (this.buffers.has(buf)) return true;
    if (buf !== this.memory.buffer && !(this.shared && buf instanceof SharedArrayBuffer && this.aliases(buf))) return false;
    this.buffers.add(buf);
    return true;
  }

  /**
   * True if `sab`, a SharedArrayBuffer that is not one of this memory's
   * buffer objects, is this memory all the same: a copy of its buffer made
   * by structuredClone() or postMessage() (to a worker and back). Views of
   * it are then refused as views built by hand, as views of the memory's
   * own buffer are; as foreign views they were copied in and back out,
   * which wrote over whatever the memory held there by then. Found by
   * writing two tokens to a word of this heap's own and reading them
   * through `sab`; each SharedArrayBuffer is probed once.
   */
  aliases(sab) {
    if (this.foreign.has(sab)) return false;
    const at = this.probe;
    if (sab.byteLength >= at + 4) {
      const theirs = new Int32Array(sab, at, 1);
      const i = at >>> 2;
      if ((Atomics.store(this.i32, i, 0x5a17c0de), Atomics.load(theirs, 0) === 0x5a17c0de)
        && (Atomics.store(this.i32, i, -0x2e8ba2e9), Atomics.load(theirs, 0) === -0x2e8ba2e9)) return true;
    }
    this.foreign.add(sab);
    return false;
  }

  /**
   * Where a view lies in this heap: its byte address, or -1 if it is not in
   * this memory (it is then copied in). Throws for a freed block's view, a
   * detached view, and a view of this memory that alloc() did not make.
   */
  locate(view, what) {
    const block = OWNERS.get(view);
    if (block !== undefined) {
      if (!block.live) throw freedError(what);
      if (block.heap !== this) return -1; // another core's or pool's memory: copied like any foreign view
      if (!this.shared && view.buffer.byteLength === 0) throw detachedError(what);
      return view.byteOffset;
    }
    if (!this.owns(view.buffer)) return -1;
    if (!this.shared && view.buffer.byteLength === 0) throw detachedError(what);
    throw handMadeError(what);
  }

  /** Raw allocation for internal use (zero-filled if `zeroed`, else not): an address; RangeError if full. */
  malloc(bytes, what = 'allocation', zeroed = false) {
    // beyond what the heap can hold (and wasm32's size_t would wrap 2^32 to 0)
    if (bytes > MAX_HEAP) throw beyondHeapError(what, bytes);
    const p = (zeroed ? this.exports.pw_alloc_zeroed(Math.max(bytes, 1)) : this.exports.pw_alloc(Math.max(bytes, 1), ALLOC_ALIGN)) >>> 0;
    if (p === 0) {
      throw rangeError(`${what}: cannot allocate ${bytes} bytes: parawasm's heap cannot grow that far ` +
        `(it holds ${this.byteLength} bytes, of which ${this.liveBytes} in alloc() blocks; it can hold at most ${MAX_HEAP})`);
    }
    this.views();
    return p;
  }

  mfree(p) {
    this.exports.pw_free(p);
  }

  /** alloc(bytes[, Ctor]) of the public API: a zero-filled block's view. */
  alloc(bytes, Ctor = Uint8Array, what = 'alloc') {
    const size = checkAlloc(bytes, Ctor, what);
    // zero-filled (no stale heap bytes reach JS) by the allocator, which
    // does not write fresh memory again: a large block costs address space
    const p = this.malloc(bytes, what, true);
    let view;
    try {
      view = makeView(Ctor, this.u8.buffer, p, bytes / size, what);
    } catch (e) {
      this.mfree(p);
      throw e;
    }
    const block = new Block(this, p, bytes);
    this.liveBytes += bytes;
    return track(view, block);
  }

  /**
   * view(of, Ctor, byteOffset, length) of the public API: another view of
   * the alloc() block that `of` belongs to (a Uint8Array of a Float64Array
   * block, say), `byteOffset` bytes into `of`, `length` elements (default:
   * to the end of `of`). Kernels accept it as they accept the block's own.
   */
  view(of, Ctor = Uint8Array, byteOffset = 0, length = undefined, what = 'view') {
    return viewOfBlock(this, of, Ctor, byteOffset, length, what, () => this.views().u8.buffer);
  }

  /**
   * A view of `length` Ctor elements at heap address `at`, inside `block`
   * (live, of this heap), tracked as the block's: a view of the block made
   * anew, where the one the caller had was detached by growth.
   */
  viewAt(block, Ctor, at, length) {
    return track(makeView(Ctor, this.views().u8.buffer, at, length), block);
  }

  /**
   * The block of a view that free() may release: the view alloc() returned
   * (or one starting where it starts); throws otherwise. Does not free.
   */
  freeable(view, what = 'free') {
    return freeableBlock(this, view, what);
  }

  /** Marks a block freed: its views are refused from now on. Returns its address. */
  retire(block) {
    block.live = false;
    this.liveBytes -= block.size;
    return block.p;
  }
}
