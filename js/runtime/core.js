// The core: every kernel as a synchronous function on the calling thread
// (the main thread, or the user's own worker).
//
// Where shared memory exists (Node, Deno, Bun, cross-origin isolated pages
// and their workers) the core runs the threaded build's module with no
// threads: its memory is shared, so views from alloc() never detach when
// the heap grows. Elsewhere (a page without isolation) it runs the
// single-thread build, whose memory detaches its old buffer when it grows.
import { Call, ELEM_SIZE, readMessage, readTaskLayout, statusError, taskWords, writtenGone, resultSizeError } from './bind.js';
import { ParawasmError, describe, typeError } from './errors.js';
import { Heap, OWNERS, checkView } from './memory.js';

// Inputs from outside the heap larger than this are fed to chainable
// kernels (crc32 and the like) in pieces of STREAM_PIECE bytes through one
// scratch block instead of being copied in whole.
const STREAM_MIN = 1 << 20;
const STREAM_PIECE = 1 << 18;
const PROGRESS_MS = 50; // least time between two onProgress reports of a streamed input
const CALL_OPTIONS = ['onProgress'];

export class Core {
  /**
   * Use loadCore(). `mod` is an instantiated module, `kernels` the
   * package's KernelSet, `shared` true when its memory is shared.
   */
  constructor(mod, kernels, shared) {
    const exports = mod.pwExports;
    this.$mod = mod;
    this.$kernels = kernels;
    this.$heap = new Heap(mod.pwMemory, exports, shared);
    this.$layout = readTaskLayout(this.$heap, exports.pw_task_layout() >>> 0);
    kernels.checkAbi(this.$layout, 'loadCore');
    this.$task = this.$heap.malloc(this.$layout.size, 'loadCore');
    this.$heap.u8.fill(0, this.$task, this.$task + this.$layout.size);
    this.$run = exports.pw_run;
    // the C stack pointer between calls: a trap unwinds the kernel's frames
    // without popping them, so it is put back ($trapped())
    this.$stackTop = mod.stackSave();
    // allocated now, so that small calls never grow the heap
    this.$scratch = this.$heap.malloc(STREAM_PIECE, 'loadCore');
    // small copies and results of a call go to the scratch block too
    this.$arena = { ptr: this.$scratch, size: STREAM_PIECE };
    this.$calls = [];
    this.$busy = false;
    this.$deferredFrees = []; // blocks freed by onProgress while a call ran (free())
    this.$progressError = undefined;
    const fast = kernels.bundle.FAST_CORE ?? [];
    kernels.install(this, (spec) => {
      const generic = spec.chain >= 0 ? (...args) => this.$callChained(spec, args) : (...args) => this.$call(spec, args);
      return fast[spec.id] ? fast[spec.id](this.$fastContext(spec, generic)) : generic;
    }, false);
  }

  /**
   * What a kernel's generated fast path (gen/kernels.js, FAST_CORE) works
   * with: the heap, the task record's word indexes, the scratch block, and
   * the generic path for anything it does not take.
   */
  $fastContext(spec, generic) {
    const L = this.$layout;
    return {
      $C: this, $H: this.$heap, $OWN: OWNERS, spec,
      $run: (t) => {
        try {
          this.$run(t);
        } catch (e) {
          throw this.$trapped(e, spec.label);
        }
      },
      $TW0: this.$task >>> 2, $S00: this.$arena.ptr, $SE: this.$arena.ptr + this.$arena.size,
      ...taskWords(L),
      $slow: (s, args) => generic(...args),
      $fail: (s, st, TW) => { throw statusError(st, s, readMessage(this.$heap, TW * 4, L)); },
      $gone: writtenGone,
      $badResult: resultSizeError,
    };
  }

  /** Runs any kernel, internal ones included, by its JS path ('crc32', 'image.blur'). */
  invoke(name, args) {
    return this.$call(this.$kernels.forInvoke(name, args), args);
  }

  /**
   * A kernel stopped by an exception (a wasm trap: out-of-bounds access,
   * unreachable, integer division by zero, stack overflow): puts the C
   * stack pointer back, so the core stays usable, and returns the error to
   * throw (a trap as a ParawasmError, ERR_PW_TRAP, with the trap as its
   * cause). Memory the kernel allocated before it trapped is not freed.
   */
  $trapped(e, label) {
    this.$mod.stackRestore(this.$stackTop);
    if (!(e instanceof WebAssembly.RuntimeError)) return e;
    return new ParawasmError(`${label}: the kernel trapped (${e.message}): a fault in its C code; ` +
      'the core is still usable, but memory the kernel allocated before the trap is lost', 'ERR_PW_TRAP', { cause: e });
  }

  /** True if view lies in the core's heap (a kernel reads it in place). */
  inHeap(view) {
    checkView(view, 'inHeap');
    return this.$heap.locate(view, 'inHeap: view') >= 0;
  }

  /** True when the heap is shared memory: views from alloc() never detach. */
  get isShared() {
    return this.$heap.shared;
  }

  // Calls run one at a time on one task record, so each kernel reuses one
  // Call; a kernel called from inside another (from onProgress) is refused.
  $begin(spec, args) {
    if (this.$busy) {
      throw new ParawasmError(`${spec.label}: a core kernel cannot be called while another core call runs ` +
        '(from its onProgress callback); use another core, or call it after', 'ERR_PW_REENTRANT');
    }
    const c = (this.$calls[spec.id] ??= new Call(spec, this.$heap)).reuse();
    const o = c.check(args, CALL_OPTIONS);
    if (o?.onProgress !== undefined) {
      if (typeof o.onProgress !== 'function') {
        c.reuse();
        throw typeError(`${spec.label}: options.onProgress must be a function (got ${describe(o.onProgress)})`);
      }
      c.onProgress = o.onProgress;
    }
    return c;
  }

  $call(spec, args) {
    const c = this.$begin(spec, args);
    try {
      c.place(this.$arena);
    } catch (e) {
      c.release();
      throw e;
    }
    return this.$runCall(c);
  }

  // Runs a placed call on the task record; returns its value or throws.
  $runCall(c) {
    const L = this.$layout;
    this.$busy = true;
    try {
      c.write(this.$task, L);
      if (c.onProgress) this.$watch(c);
      try {
        this.$run(this.$task);
      } catch (e) {
        throw this.$trapped(e, c.spec.label);
      }
      if (this.$progressError !== undefined) throw this.$progressError.error;
      return c.finish(this.$task, L);
    } finally {
      this.$notBusy();
      if (c.onProgress) this.$mod.pwProgress = undefined;
      this.$progressError = undefined;
      c.release();
    }
  }

  // The end of a kernel's run (or of an onProgress call between a streamed
  // input's pieces): kernel calls are taken again, and the blocks free()d
  // meanwhile go back to the heap.
  $notBusy() {
    this.$busy = false;
    if (this.$deferredFrees.length) for (const p of this.$deferredFrees.splice(0)) this.$heap.mfree(p);
  }

  // onProgress on the core: pw_progress() calls back at once (at most every
  // 50 ms, and at the end). An exception thrown by the callback stops the
  // kernel at its next chunk and is thrown by the call.
  $watch(c) {
    const h = this.$heap.low();
    h.u32[(this.$task + this.$layout.flags) >>> 2] = 1; // PW_TASK_PROGRESS_JS
    this.$mod.pwProgress = (done, total) => {
      if (this.$progressError !== undefined) return;
      try {
        c.onProgress(done, total);
      } catch (e) {
        this.$progressError = { error: e }; // (boxed: a callback may throw undefined or null)
        h.u32[(this.$task + this.$layout.cancel) >>> 2] = 1;
      }
    };
  }

  // A kernel whose result continues its running value (see PW_CHAIN): a big
  // input from outside the heap goes through the scratch block in pieces.
  $callChained(spec, args) {
    const c = this.$begin(spec, args);
    const bi = spec.buffers[0];
    const p = spec.params[bi];
    const view = c.values[bi];
    // in pieces only where the buffer's length is its own length parameter
    // (PW_IN(n), n a count of elements), which each piece then gives
    const lenIndex = spec.lens.length === 1 && p.fixed < 0 && p.expr === null ? spec.lens[0] : -1;
    try {
      if (lenIndex < 0 || view.byteLength < STREAM_MIN || this.$heap.locate(view, p.label) >= 0) {
        c.place(this.$arena);
        return this.$runCall(c);
      }
    } catch (e) {
      c.release();
      throw e;
    }
    const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
    const size = ELEM_SIZE[p.elem]; // STREAM_PIECE is a multiple of every element size
    let value = c.values[spec.chain];
    // onProgress hears of the whole input (bytes), at most every
    // PROGRESS_MS and at the end, rather than of each piece's call
    const { onProgress } = c;
    c.onProgress = undefined;
    let reported = -Infinity;
    try {
      for (let off = 0; off < bytes.byteLength; off += STREAM_PIECE) {
        const piece = bytes.subarray(off, Math.min(off + STREAM_PIECE, bytes.byteLength));
        this.$heap.views().u8.set(piece, this.$scratch);
        c.ptrs[bi] = this.$scratch;
        c.bytes[bi] = piece.byteLength;
        c.L[lenIndex] = piece.byteLength / size;
        c.values[spec.chain] = value;
        value = this.$runCall(c);
        const done = off + piece.byteLength;
        const now = onProgress ? performance.now() : 0;
        if (onProgress && (done === bytes.byteLength || now - reported >= PROGRESS_MS)) {
          reported = now;
          // as from a running kernel: a kernel call in it is refused
          // (ERR_PW_REENTRANT), a free() in it takes effect after it
          this.$busy = true;
          try {
            onProgress(done, bytes.byteLength);
          } finally {
            this.$notBusy();
          }
        }
      }
    } finally {
      c.reuse();
    }
    return value;
  }

  /**
   * A zero-filled view of `bytes` bytes in the core's heap (a Uint8Array
   * unless Ctor is given), used by kernels without a copy. It stays valid
   * until free(); see README for when a core's views can detach.
   */
  alloc(bytes, Ctor) {
    return this.$heap.alloc(bytes, Ctor);
  }

  /**
   * Another view of the block that `of` (a view from alloc()) belongs to:
   * a `Ctor` (default Uint8Array) from `byteOffset` bytes into `of`, of
   * `length` elements (default: to the end of `of`).
   */
  view(of, Ctor, byteOffset, length) {
    return this.$heap.view(of, Ctor, byteOffset, length);
  }

  /** Releases a view returned by alloc(). */
  free(view) {
    const block = this.$heap.freeable(view);
    const p = this.$heap.retire(block);
    // from a call's onProgress: the running kernel may use the block, so
    // its memory goes back when the call ends (as a pool's does)
    if (this.$busy) this.$deferredFrees.push(p);
    else this.$heap.mfree(p);
  }

  /** Current size of the core's heap in bytes. */
  get heapSize() {
    return this.$heap.byteLength;
  }
}
