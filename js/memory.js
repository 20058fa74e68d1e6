// The module's memory as seen from JS: cached views that follow growth, the
// blocks handed out by alloc(), and the test "does this view lie in our heap".
import { checkInteger, describe, rangeError, typeError } from './errors.js';

const TYPED_ARRAY = Object.getPrototypeOf(Uint8Array);
const MAX_HEAP = 2 ** 32; // wasm32: 4 GiB at most
// Largest alignment any element type needs; SIMD kernels like 16.
const ALLOC_ALIGN = 16;

/** True if C is a TypedArray constructor (or DataView). */
function isViewConstructor(C) {
  return C === DataView || (typeof C === 'function' && C.prototype instanceof TYPED_ARRAY);
}

/** Checks alloc()'s arguments; returns the element size. */
export function checkAlloc(bytes, Ctor) {
  if (!isViewConstructor(Ctor)) {
    throw typeError(`alloc: the second argument must be a TypedArray constructor or DataView (got ${describe(Ctor)})`);
  }
  checkInteger(bytes, 'alloc: bytes', 0, MAX_HEAP - 1);
  const size = Ctor.BYTES_PER_ELEMENT ?? 1;
  if (bytes % size) throw rangeError(`alloc: bytes must be a multiple of ${size} for ${Ctor.name} (got ${bytes})`);
  return size;
}

export class Heap {
  /**
   * @param memory  the module's WebAssembly.Memory
   * @param exports the wasm exports (pw_alloc, pw_free)
   * @param shared  true for the threaded build: other threads may grow memory
   */
  constructor(memory, exports, shared) {
    this.memory = memory;
    this.exports = exports;
    this.shared = shared;
    this.buffers = new WeakSet(); // every buffer object this memory has had
    this.starts = []; // sorted start addresses of live alloc() blocks
    this.sizes = new Map(); // start -> byte size
    this.tokens = new Map(); // start -> the token of the block's current allocation
    this.owners = new WeakMap(); // view from alloc() -> its token (finds detached views)
    this.refresh();
  }

  /** Re-creates the views if the memory has grown (here or on another thread). */
  refresh() {
    const buf = this.memory.buffer;
    if (this.u8 && this.u8.buffer === buf) return;
    this.buffers.add(buf);
    this.u8 = new Uint8Array(buf);
    this.u32 = new Uint32Array(buf);
    this.i32 = new Int32Array(buf);
    this.f32 = new Float32Array(buf);
    this.f64 = new Float64Array(buf);
    this.u64 = new BigUint64Array(buf);
    this.i64 = new BigInt64Array(buf);
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

  /**
   * Where a view lies in this heap: its byte address, or -1 if it is not in
   * this memory. Throws for a view into this memory that is not inside a
   * live alloc() block (freed, or never allocated) or that was detached.
   */
  locate(view, what) {
    const buf = view.buffer;
    if (!this.buffers.has(buf)) {
      if (buf !== this.memory.buffer) return -1;
      this.buffers.add(buf);
    }
    const start = view.byteOffset;
    if (!this.shared && buf.byteLength === 0) {
      throw typeError(`${what} is a view of memory that was detached when the heap grew; ` +
        'views from alloc() stay valid only until the next allocation that grows the heap ' +
        '(allocate everything first, or use the pool, whose memory never detaches)');
    }
    if (view.byteLength === 0) return 0; // nothing to read or write: no block needed
    const block = this.blockAt(start);
    if (block < 0 || start + view.byteLength > block + this.sizes.get(block)) {
      throw rangeError(`${what} lies in parawasm's memory but not inside a live alloc() block ` +
        '(was it freed?)');
    }
    return start;
  }

  /** Start of the live block containing address a, or -1. */
  blockAt(a) {
    const s = this.starts;
    let lo = 0;
    let hi = s.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (s[mid] <= a) lo = mid + 1;
      else hi = mid - 1;
    }
    if (hi < 0) return -1;
    const b = s[hi];
    return a < b + Math.max(this.sizes.get(b), 1) ? b : -1;
  }

  /** Raw allocation for internal use: returns an address, throws RangeError if full. */
  malloc(bytes, what = 'allocation') {
    // wasm32's size_t: a larger count would reach pw_alloc wrapped (2^32 as 0)
    if (bytes > MAX_HEAP - 1) {
      throw rangeError(`${what}: cannot allocate ${bytes} bytes: more than parawasm's heap can ever hold (${MAX_HEAP})`);
    }
    const p = this.exports.pw_alloc(Math.max(bytes, 1), ALLOC_ALIGN) >>> 0;
    if (p === 0) {
      throw rangeError(`${what}: cannot allocate ${bytes} bytes: parawasm's heap is full ` +
        `(${this.byteLength} bytes in use of at most ${MAX_HEAP})`);
    }
    this.views();
    return p;
  }

  mfree(p) {
    this.exports.pw_free(p);
  }

  /** alloc(bytes[, Ctor]) of the public API. */
  alloc(bytes, Ctor = Uint8Array) {
    const size = checkAlloc(bytes, Ctor);
    const p = this.malloc(bytes, 'alloc');
    const i = this.insertAt(p);
    this.starts.splice(i, 0, p);
    this.sizes.set(p, bytes);
    const view = Ctor === DataView ? new DataView(this.u8.buffer, p, bytes) : new Ctor(this.u8.buffer, p, bytes / size);
    const token = { p };
    this.tokens.set(p, token);
    this.owners.set(view, token);
    return view;
  }

  insertAt(p) {
    let lo = 0;
    let hi = this.starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.starts[mid] < p) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Checks that view is the start of a live block and returns the block
   * [start, size]; throws otherwise. Does not free.
   */
  blockOf(view) {
    if (!ArrayBuffer.isView(view)) throw typeError(`free: view must be a TypedArray or DataView (got ${describe(view)})`);
    const token = this.owners.get(view);
    // a view detached by growth has lost its offset: find it by its token
    const p = token && this.tokens.get(token.p) === token ? token.p : view.byteOffset;
    if (!this.buffers.has(view.buffer) || !this.sizes.has(p)) {
      throw typeError('free: view was not returned by alloc() of this core or pool, or was already freed');
    }
    return [p, this.sizes.get(p)];
  }

  /** Forgets the block at address p: views of it are no longer accepted. */
  unregister(p) {
    this.starts.splice(this.insertAt(p), 1);
    this.sizes.delete(p);
    this.tokens.delete(p);
  }

  /** Frees the block that starts at address p (from blockOf). */
  release(p) {
    this.unregister(p);
    this.mfree(p);
  }
}
