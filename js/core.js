// The single-thread core: every kernel as a synchronous function on the
// calling thread (the main thread, or the user's own worker).
import { Call, SPECS, defineKernels, readTaskLayout } from './bind.js';
import { SyncHash, checkMany, manyArgs, placeMany, splitMany } from './hash.js';
import { ParawasmError } from './errors.js';
import { Heap } from './memory.js';
import { KERNELS, KERNEL_ABI } from '../gen/kernels.js';


// Inputs from outside the heap larger than this are fed to chainable
// kernels (crc32 and the like) in pieces of STREAM_PIECE bytes through one
// scratch block instead of being copied in whole.
const STREAM_MIN = 1 << 20;
const STREAM_PIECE = 1 << 18;

/** Checks that the JS specs and the wasm were generated from the same headers. */
export function checkAbi(layout, what) {
  if (layout.abi !== KERNEL_ABI || layout.kernelCount !== KERNELS.length) {
    throw new ParawasmError(`${what}: the wasm module and its JS bindings come from different builds ` +
      `(kernel ABI ${layout.abi.toString(16)} vs ${KERNEL_ABI.toString(16)}); rebuild with make`, 'ERR_PW_BUILD_MISMATCH');
  }
}

export class Core {
  /** Use loadCore(); `mod` is an instantiated single-thread module. */
  constructor(mod) {
    const exports = mod.asm;
    this.heap = new Heap(mod.wasmMemory ?? exports.memory, exports, false);
    this.layout = readTaskLayout(this.heap, exports.pw_task_layout() >>> 0);
    checkAbi(this.layout, 'loadCore');
    this.task = this.heap.malloc(this.layout.size, 'loadCore');
    this.run = exports.pw_run;
    // allocated now, so that no call grows the heap behind the user's back
    // (growth detaches the views from alloc())
    this.scratch = this.heap.malloc(STREAM_PIECE, 'loadCore');
    // small copies and results of a call go to the scratch block too
    this.arena = { ptr: this.scratch, size: STREAM_PIECE };
    this.calls = [];
    defineKernels(this, (spec) => {
      const chain = spec.params.findIndex((p) => p.chain);
      return chain >= 0 ? (...args) => this.callChained(spec, chain, args) : (...args) => this.call(spec, args);
    });
  }

  /** Runs any kernel, internal ones included, by name (parawasm's own use). */
  invoke(name, args) {
    return this.call(SPECS.get(name), args);
  }

  /** True if view lies in the core's heap (a kernel reads it in place). */
  inHeap(view) {
    return this.heap.locate(view, 'view') >= 0;
  }

  /**
   * A streaming hash (like Node's crypto.createHash): update(data) feeds
   * it, digest([encoding]) ends it. See README for algorithms and options.
   */
  createHash(algorithm, options) {
    return new SyncHash(this, algorithm, options);
  }

  /**
   * Hashes every view of `views` with one algorithm; returns one result per
   * view (a number, bigint or Uint8Array as the one-shot kernel, or a string
   * with options.encoding).
   */
  hashMany(algorithm, views, options) {
    const m = checkMany(algorithm, views, options, 'hashMany', ['encoding']);
    const placed = placeMany(this.heap, m.views, 'hashMany');
    try {
      return splitMany(m, this.invoke('hashMany', manyArgs(m, placed.items)));
    } finally {
      if (placed.temp) this.heap.mfree(placed.temp);
    }
  }

  call(spec, args) {
    // calls run one at a time, so each kernel reuses one Call
    const c = (this.calls[spec.id] ??= new Call(spec, this.heap)).reuse();
    c.check(args, false);
    return this.runCall(c);
  }

  runCall(c) {
    try {
      c.place(this.arena);
      c.write(this.task, this.layout);
      this.run(this.task);
      return c.finish(this.task, this.layout);
    } finally {
      c.release();
    }
  }

  // A kernel whose result continues its running value (see PW_CHAIN): a big
  // input from outside the heap goes through a small scratch block.
  callChained(spec, chain, args) {
    const c = (this.calls[spec.id] ??= new Call(spec, this.heap)).reuse();
    c.check(args, false);
    const bi = spec.params.findIndex((p) => p.kind !== 'scalar');
    const view = c.values[bi];
    if (view.byteLength < STREAM_MIN || this.heap.locate(view, spec.params[bi].label) >= 0) {
      return this.runCall(c);
    }
    const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
    let value = c.values[chain];
    const pc = new Call(spec, this.heap);
    pc.values = c.values.slice();
    pc.bytes = c.bytes.slice();
    pc.ptrs[bi] = this.scratch;
    for (let off = 0; off < bytes.byteLength; off += STREAM_PIECE) {
      const piece = bytes.subarray(off, Math.min(off + STREAM_PIECE, bytes.byteLength));
      this.heap.views().u8.set(piece, this.scratch);
      pc.bytes[bi] = piece.byteLength;
      pc.values[chain] = value;
      pc.write(this.task, this.layout);
      this.run(this.task);
      value = pc.finish(this.task, this.layout);
    }
    return value;
  }

  /**
   * A view of `bytes` bytes in the core's heap (a Uint8Array unless Ctor is
   * given), used by kernels without a copy. It stays valid until free(), but
   * a later allocation that grows the heap detaches it (see README).
   */
  alloc(bytes, Ctor) {
    return this.heap.alloc(bytes, Ctor);
  }

  /** Releases a view returned by alloc(). */
  free(view) {
    const [p] = this.heap.blockOf(view);
    this.heap.release(p);
  }

  /** Current size of the core's heap in bytes. */
  get heapSize() {
    return this.heap.byteLength;
  }
}
