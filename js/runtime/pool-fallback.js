// The pool where shared memory is missing (a browser page that is not
// cross-origin isolated) or threads cannot start (a Node-like runtime whose
// workers cannot run Emscripten's thread glue): the single-thread core in
// one worker (a Web Worker, or a worker_threads worker). Calls still leave
// the main thread, but their buffers are copied to the worker and back, and
// they run one at a time. `pool.isShared` is false.
import { AbortError, ParawasmError, PoolDestroyedError, rangeError } from './errors.js';
import {
  Block, MAX_HEAP, beyondHeapError, blockOf, checkAlloc, checkView, checkWritable, detachedError, freeableBlock, freedError, handMadeError, isDetached, makeView, track,
  viewOfBlock,
} from './memory.js';
import { PoolBase, abortError } from './pool-base.js';

const ERRORS = { TypeError, RangeError, ParawasmError, AbortError };

// Buffers are copied to and from the worker in pieces, with the event loop
// let run whenever a stretch of copying has taken COPY_MS, or has copied
// STRETCH bytes: a page keeps drawing while hundreds of MiB are copied.
// Time as well as bytes: a copy to the worker fills a new buffer, and where
// the first touch of a fresh page is slow (a virtual machine) 8 MiB of it
// took 50 ms.
const PIECE = 1 << 20;
const STRETCH = 8 << 20;
const COPY_MS = 8;
// (the event loop let run with a message to ourselves: the page draws
// before it if a frame is due, and no clamp applies as it does to nested
// timers (setTimeout(0) waited 4 ms a time: 30% more for a copy); not
// scheduler.yield(), whose continuations outrank drawing for up to 100 ms;
// setImmediate in Node-like runtimes)
const breathe = typeof setImmediate === 'function' ? () => new Promise((resolve) => { setImmediate(resolve); })
  : () => new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      port1.close();
      resolve();
    };
    port2.postMessage(null);
  });

/**
 * Copies src into dst; false if `live()` turned false while the event loop
 * ran, null if the caller's view (either) was detached meanwhile
 * (transferred: its length is 0 now, and the copy would stop short without
 * a word).
 */
async function copyInSlices(dst, src, live) {
  const n = src.length;
  let start = performance.now();
  let from = 0;
  for (let off = 0; off < n; off += PIECE) {
    if (off && (off - from >= STRETCH || performance.now() - start >= COPY_MS)) {
      await breathe();
      if (!live()) return false;
      if (src.length !== n || dst.length < n) return null;
      start = performance.now();
      from = off;
    }
    dst.set(src.subarray(off, off + PIECE), off);
  }
  return true;
}

export class FallbackPool extends PoolBase {
  /**
   * Use createPool(); `worker` runs the package's <name>-fallback-worker.js (or,
   * in a Node-like runtime, lib/runtime/fallback-worker-node.js) and has
   * said it is ready.
   */
  constructor(worker, env, kernels) {
    super(kernels);
    this.$worker = worker;
    this.$env = env;
    this.threads = 1;
    this.$queue = []; // calls not yet sent
    this.$current = null; // the call the worker runs
    this.$copying = null; // the call whose results are being copied back (an abort then waits for the copy)
    this.heapSize = worker.pwReady?.heapSize ?? 0; // (then from each answer)
    // each alloc() block is an ArrayBuffer of the calling thread, its views
    // tracked as a heap's are (memory.js: a Block with this pool as its heap)
    this.$blocks = new WeakMap(); // ArrayBuffer -> its Block
    this.$liveBytes = 0; // the live blocks' bytes: at most MAX_HEAP, as a heap's
    // the worker does not keep a Node process alive; this does, while calls
    // are unfinished
    this.$keepAlive = env.keepAlive();
    env.onWorkerMessage(worker, (data) => this.$onMessage(data));
    env.hookWorker(worker, (msg) => this.$crash(msg));
    this.$defineKernels();
  }

  get isShared() {
    return false;
  }

  $call(spec, args) {
    return this.$invokeRaw(spec, args);
  }

  /**
   * A call of `spec`; `extra.payload`, if given, is what the worker runs
   * instead of the kernel (a family's call on the worker's core, with its
   * own copies: { family, method, args }).
   */
  $invokeRaw(spec, args, extra) {
    let c;
    try {
      c = this.$begin(spec, args, null);
      for (const i of spec.buffers) this.$refuseUnusable(c.values[i], spec.params[i].label);
      if (c.out !== null) this.$refuseUnusable(c.out, `${spec.label}: options.out`);
      if (extra?.payload) {
        c.payload = extra.payload;
        this.$counters.bytesCopied += extra.copied ?? 0;
      }
    } catch (e) {
      return Promise.reject(e);
    }
    return this.$enqueue(c, () => {
      this.$queue.push(c);
      this.$next();
    });
  }

  /** False: the worker's memory is its own. A freed view is refused, as everywhere. */
  inHeap(view) {
    if (this.$failure) throw this.$failedError();
    checkView(view, 'inHeap');
    this.$refuseUnusable(view, 'inHeap: view');
    return false;
  }

  // Throws, naming `what`, for a view of a freed block of this pool or one
  // built by hand over a block's buffer (as a heap's locate() does).
  $refuseUnusable(view, what) {
    const b = blockOf(view);
    if (b !== undefined) {
      if (b.heap === this && !b.live) throw freedError(what);
    } else if (this.$blocks.has(view.buffer)) {
      throw handMadeError(what);
    }
  }

  // Holds the process open while calls are unfinished (Node-like runtimes).
  $holdProcess() {
    if (this.$current || this.$queue.length) this.$keepAlive.ref();
    else this.$keepAlive.unref();
  }

  // Sends the next call: buffers go as copies, transferred.
  $next() {
    if (this.$failure) return;
    this.$holdProcess();
    if (this.$current) return;
    const c = this.$queue.shift();
    if (!c) return;
    if (c.payload) {
      this.$current = c;
      c.sent = true;
      this.$worker.postMessage({ payload: c.payload }, c.payload.transfer ?? []);
      return;
    }
    this.$current = c;
    this.$send(c).catch((e) => this.$crash(`copying the arguments failed: ${e?.message ?? e}`));
  }

  // Copies c's buffers (in slices, see copyInSlices) and posts the call.
  async $send(c) {
    const transfer = [];
    const args = [];
    const options = {};
    const live = () => !c.settled && !this.$failure;
    const ps = c.spec.params;
    for (let i = 0; i < c.values.length; i++) {
      const v = c.values[i];
      const p = ps[i];
      if (p.kind === 'scalar') {
        // (a bigint is kept as its 64-bit pattern: the worker checks it again as the caller gave it)
        const given = typeof v === 'bigint' && p.type === 'i64' ? BigInt.asIntN(64, v) : v;
        if (p.option) options[p.name] = given;
        else args.push(given);
        continue;
      }
      // detached since the call was made (a view transferred while the call waited), or while it is copied
      const gone = () => {
        this.$settleCall(c, detachedError(p.label), undefined, true);
        if (this.$current === c) this.$current = null;
        this.$next();
      };
      if (isDetached(v)) return gone();
      const bytes = new Uint8Array(v.byteLength);
      if (p.kind !== 'out') {
        const copied = await copyInSlices(bytes, new Uint8Array(v.buffer, v.byteOffset, v.byteLength), live);
        if (copied === null) return gone();
        if (!copied) break;
        this.$counters.bytesCopied += v.byteLength;
      }
      transfer.push(bytes.buffer);
      const type = v instanceof DataView ? 'DataView' : v[Symbol.toStringTag];
      args.push({ view: bytes.buffer, type: p.elem === 'bytes' ? 'Uint8Array' : type });
    }
    if (!live()) { // aborted (or the pool ended) while copying: never sent
      if (this.$current === c) this.$current = null;
      this.$next();
      return;
    }
    c.sent = true;
    // the id names the kernel of this element type where several share the label
    this.$worker.postMessage({ name: c.spec.label, id: c.spec.id, args, options, progress: c.onProgress !== null }, transfer);
  }

  $onMessage(m) {
    const c = this.$current;
    if (!c) return;
    if (m.progress) {
      this.$report(c, m.progress[0], m.progress[1]);
      return;
    }
    this.heapSize = m.heapSize;
    if (m.crashed) {
      this.$crash(m.error.message);
      return;
    }
    this.$current = null;
    this.$counters.done++;
    if (c.abortRequested) {
      this.$settleCall(c, abortError(c), undefined, true);
    } else if (m.error) {
      const E = ERRORS[m.error.name] ?? ParawasmError;
      // (a kernel's trap has the engine's RuntimeError as its cause, as on the core)
      const c0 = m.error.cause;
      const options = c0 ? { cause: Object.assign(new (c0.name === 'RuntimeError' ? WebAssembly.RuntimeError : Error)(c0.message), { name: c0.name }) } : undefined;
      const err = E === ParawasmError ? new E(m.error.message, m.error.code, options) : new E(m.error.message, options);
      if (m.error.code) err.code = m.error.code;
      this.$settleCall(c, err);
    } else {
      // buffers the kernel wrote: copied back into the caller's views before
      // the call settles and before the next call copies anything in
      this.$current = c;
      this.$copying = c;
      this.$copyBack(c, m).then((err) => {
        if (this.$current === c) this.$current = null;
        this.$copying = null;
        // aborted while its results were copied: they are all written (as
        // on the shared pool, whose in-place results stand when an abort
        // comes late), and the call rejects; nothing is written after that
        if (c.abortRequested) this.$settleCall(c, abortError(c), undefined, true);
        else this.$settleCall(c, err, err ? undefined : m.value);
        this.$next();
      }, (e) => this.$crash(`copying the results back failed: ${e?.message ?? e}`));
      return;
    }
    this.$next();
  }

  // Copies the results into the caller's views; resolves to null, or to the
  // error of this call alone when one of those views went away while it ran
  // (detached: transferred, or a private memory that grew; freed; its
  // resizable buffer shrunk below the results), before any of them or
  // during the copy, which lets the event loop run between its slices.
  async $copyBack(c, m) {
    if (!m.args) return null;
    // m.args holds the positional arguments in order: the buffers among them
    const positional = c.spec.params.map((p, i) => i).filter((i) => !c.spec.params[i].option);
    // (a block of this pool freed while the call ran still takes its
    // results, as the shared pool's does: its memory is never handed out
    // again; a freed block of a core's heap may be, so it takes nothing)
    const gone = (v, what, bytes) => {
      const b = blockOf(v);
      if (b !== undefined && !b.live && b.heap === this) return isDetached(v) ? detachedError(what) : null;
      try {
        checkWritable(v, bytes, what);
        return null;
      } catch (e) {
        return e;
      }
    };
    const written = [];
    for (let k = 0; k < m.args.length; k++) {
      const i = positional[k];
      if (m.args[k] === null || c.spec.params[i].kind === 'in') continue;
      written.push([c.values[i], c.spec.params[i].label, new Uint8Array(m.args[k])]);
    }
    const out = c.out !== null && ArrayBuffer.isView(m.value) ? m.value : null;
    if (out !== null) written.push([c.out, `${c.spec.label}: options.out`, new Uint8Array(out.buffer, out.byteOffset, out.byteLength)]);
    for (const [v, what, src] of written) {
      const e = gone(v, what, src.byteLength);
      if (e) return e;
    }
    for (const [v, what, src] of written) {
      // (looked at again: an earlier buffer's copy let the event loop run)
      const e = gone(v, what, src.byteLength);
      if (e) return e;
      const done = await copyInSlices(new Uint8Array(v.buffer, v.byteOffset, src.byteLength), src, () => !this.$failure);
      if (done === null) return gone(v, what, src.byteLength) ?? detachedError(what);
      if (!done) return null; // the pool ended (the call has rejected): no more writes
      this.$counters.bytesCopied += src.byteLength;
    }
    if (out !== null) m.value = c.out; // options.out: the worker's new result copied into it, which the call returns
    return null;
  }

  $abort(c) {
    if (c.settled) return;
    const i = this.$queue.indexOf(c);
    if (i >= 0) {
      this.$queue.splice(i, 1);
      this.$holdProcess();
      this.$settleCall(c, abortError(c, 'before it started'), undefined, true);
    } else if (c === this.$current && !c.sent) {
      this.$settleCall(c, abortError(c, 'before it started'), undefined, true); // still copying its arguments
    } else if (c === this.$copying) {
      c.abortRequested = true; // rejects when the copy back ends (within COPY_MS of copying)
    } else {
      // the worker's single-thread core cannot stop mid-call: the call
      // rejects now, and its result, when the worker ends it, is dropped
      // (the next call starts only then)
      c.abortRequested = true;
      this.$settleCall(c, abortError(c), undefined, true);
    }
  }

  alloc(bytes, Ctor = Uint8Array) {
    if (this.$failure) throw this.$failedError();
    checkAlloc(bytes, Ctor);
    // the blocks are the calling thread's memory, copied to the worker's
    // heap for each call; they are bounded as a heap's are (README: alloc),
    // so that what a threaded pool refuses here is refused too, not by a
    // later call, and "allocate until RangeError" ends
    if (bytes > MAX_HEAP) throw beyondHeapError('alloc', bytes);
    if (bytes > MAX_HEAP - this.$liveBytes) {
      throw rangeError(`alloc: cannot allocate ${bytes} bytes: ${this.$liveBytes} bytes are in alloc() blocks, and a pool ` +
        `holds at most ${MAX_HEAP}`);
    }
    let buf;
    try {
      buf = new ArrayBuffer(bytes);
    } catch (e) {
      throw rangeError(`alloc: cannot allocate ${bytes} bytes (${e.message})`);
    }
    const view = makeView(Ctor, buf);
    const block = new Block(this, 0, bytes);
    this.$blocks.set(buf, block);
    this.$liveBytes += bytes;
    return track(view, block);
  }

  /** Another view of the alloc() block of `of` (see the shared pool's view()). */
  view(of, Ctor = Uint8Array, byteOffset = 0, length = undefined) {
    if (this.$failure) throw this.$failedError();
    return viewOfBlock(this, of, Ctor, byteOffset, length, 'view', () => of.buffer);
  }

  free(view) {
    const block = freeableBlock(this, view, 'free');
    if (this.$failure) {
      this.$releaseBlock(block);
      return;
    }
    if (!this.$deferHeldFree(block)) this.$releaseBlock(block);
  }

  $releaseBlock(block) {
    block.live = false;
    this.$liveBytes -= block.size;
  }

  stats() {
    return {
      threads: 1,
      queued: this.$queue.length,
      running: this.$current ? 1 : 0,
      done: this.$counters.done,
      bytesCopied: this.$counters.bytesCopied,
      heapSize: this.heapSize,
      state: this.state,
    };
  }

  // Ends the pool with err: every unfinished call rejects with a copy.
  $end(err) {
    const pending = [...(this.$current ? [this.$current] : []), ...this.$queue];
    this.$queue = [];
    this.$current = null;
    this.$failAll(err, pending);
    this.$env.clearKeepAlive(this.$keepAlive);
    this.$env.terminateWorker(this.$worker);
    this.heapSize = 0; // (as a threaded pool's: its worker's heap is gone)
  }

  $crash(reason) {
    if (!this.$failure) this.$end(this.$crashError("in the pool's worker", this.$current ? [this.$current.spec.label] : [], reason));
  }

  async destroy() {
    if (!this.$failure) this.$end(new PoolDestroyedError('the pool was destroyed'));
    else this.$env.terminateWorker(this.$worker);
  }
}
