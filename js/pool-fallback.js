// The pool where shared memory is missing (a browser page that is not
// cross-origin isolated) or threads cannot start (a Node-like runtime whose
// workers cannot run Emscripten's thread glue): the single-thread core in
// one worker (a Web Worker, or a worker_threads worker). Calls still leave
// the main thread, but their buffers are copied to the worker and back, and
// they run one at a time. `pool.isShared` is false.
import { AbortError, ParawasmError, PoolDestroyedError, typeError } from './errors.js';
import { checkMany } from './hash.js';
import { checkAlloc } from './memory.js';
import { PoolBase, abortError } from './pool-base.js';

const ERRORS = { TypeError, RangeError, ParawasmError, AbortError };

// Buffers are copied to and from the worker in slices of this size, with
// the event loop let run in between: a page stays responsive while hundreds
// of MiB are copied.
const SLICE = 8 << 20;
const breathe = () => new Promise((resolve) => { setTimeout(resolve, 0); });

/** Copies src into dst; false if `live()` turned false between slices. */
async function copyInSlices(dst, src, live) {
  for (let off = 0; off < src.length; off += SLICE) {
    if (off) {
      await breathe();
      if (!live()) return false;
    }
    dst.set(src.subarray(off, off + SLICE), off);
  }
  return true;
}

export class FallbackPool extends PoolBase {
  /**
   * Use createPool(); `worker` runs fallback-worker.js (or, in a Node-like
   * runtime, fallback-worker-node.js) and has said it is ready.
   */
  constructor(worker, env) {
    super();
    this.worker = worker;
    this.env = env;
    this.threads = 1;
    this.queue = []; // calls not yet sent
    this.current = null; // the call the worker runs
    this.heapSize = 0;
    this.allocated = new WeakSet();
    // the worker does not keep a Node process alive; this does, while calls
    // are unfinished
    this.keepAlive = env.keepAlive();
    env.onWorkerMessage(worker, (data) => this.onMessage(data));
    env.hookWorker(worker, (msg) => this.crash(msg));
    this.defineKernels();
  }

  get isShared() {
    return false;
  }

  call(spec, args) {
    let c;
    try {
      c = this.begin(spec, args, null);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.enqueue(c, () => {
      this.queue.push(c);
      this.next();
    });
  }

  /** Always false: the worker's memory is its own. */
  inHeap() {
    return false;
  }

  /** hashMany() of the pool API: the core's hashMany in the worker, on copies. */
  hashMany(algorithm, views, options) {
    let c;
    try {
      if (this.failure) throw this.failedError();
      const m = checkMany(algorithm, views, options, 'hashMany', ['encoding', 'signal']);
      const { signal, ...rest } = options ?? {};
      c = this.begin({ name: 'hashMany', params: [], cargs: [], sharedLengths: [], out: null }, signal === undefined ? [] : [{ signal }], null);
      // copied now, so that the caller may reuse its buffers at once
      c.many = [algorithm, m.views.map((v) => new Uint8Array(v.buffer, v.byteOffset, v.byteLength).slice()), rest];
      this.counters.bytesCopied += m.views.reduce((n, v) => n + v.byteLength, 0);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.enqueue(c, () => {
      this.queue.push(c);
      this.next();
    });
  }

  // Holds the process open while calls are unfinished (Node-like runtimes).
  holdProcess() {
    if (this.current || this.queue.length) this.keepAlive.ref();
    else this.keepAlive.unref();
  }

  // Sends the next call: buffers go as copies, transferred.
  next() {
    if (this.failure) return;
    this.holdProcess();
    if (this.current) return;
    const c = this.queue.shift();
    if (!c) return;
    if (c.many) {
      this.current = c;
      this.worker.postMessage({ many: true, args: c.many }, c.many[1].map((v) => v.buffer));
      return;
    }
    this.current = c;
    this.send(c).catch((e) => this.crash(`copying the arguments failed: ${e?.message ?? e}`));
  }

  // Copies c's buffers (in slices, see copyInSlices) and posts the call.
  async send(c) {
    const transfer = [];
    const args = [];
    const live = () => !c.settled && !this.failure;
    for (let i = 0; i < c.values.length; i++) {
      const v = c.values[i];
      const kind = c.spec.params[i].kind;
      if (kind === 'scalar') {
        args.push(v);
        continue;
      }
      const bytes = new Uint8Array(v.byteLength);
      if (kind !== 'out') {
        if (!(await copyInSlices(bytes, new Uint8Array(v.buffer, v.byteOffset, v.byteLength), live))) break;
        this.counters.bytesCopied += v.byteLength;
      }
      transfer.push(bytes.buffer);
      const type = v instanceof DataView ? 'DataView' : v[Symbol.toStringTag];
      args.push({ view: bytes.buffer, type: c.spec.params[i].elem === 'u8' ? 'Uint8Array' : type });
    }
    if (!live()) { // aborted (or the pool ended) while copying: never sent
      if (this.current === c) this.current = null;
      this.next();
      return;
    }
    c.sent = true;
    this.worker.postMessage({ name: c.spec.name, args }, transfer);
  }

  onMessage(m) {
    const c = this.current;
    if (!c) return;
    this.heapSize = m.heapSize;
    if (m.crashed) {
      this.crash(m.error.message);
      return;
    }
    this.current = null;
    this.counters.done++;
    if (c.abortRequested) {
      this.settleCall(c, abortError(c));
    } else if (m.error) {
      const E = ERRORS[m.error.name] ?? ParawasmError;
      const err = E === ParawasmError ? new E(m.error.message, m.error.code) : new E(m.error.message);
      if (m.error.code) err.code = m.error.code;
      this.settleCall(c, err);
    } else {
      // buffers the kernel wrote: copied back into the caller's views before
      // the call settles and before the next call copies anything in
      this.current = c;
      this.copyBack(c, m).then(() => {
        if (this.current === c) this.current = null;
        this.settleCall(c, null, m.value);
        this.next();
      }, (e) => this.crash(`copying the results back failed: ${e?.message ?? e}`));
      return;
    }
    this.next();
  }

  async copyBack(c, m) {
    for (let i = 0; i < m.args.length; i++) {
      const a = m.args[i];
      if (a === null || c.spec.params[i].kind === 'in') continue;
      const v = c.values[i];
      await copyInSlices(new Uint8Array(v.buffer, v.byteOffset, v.byteLength), new Uint8Array(a), () => !this.failure);
      this.counters.bytesCopied += v.byteLength;
    }
  }

  abort(c) {
    if (c.settled) return;
    const i = this.queue.indexOf(c);
    if (i >= 0) {
      this.queue.splice(i, 1);
      this.holdProcess();
      this.settleCall(c, abortError(c, 'before it started'));
    } else if (c === this.current && !c.sent) {
      this.settleCall(c, abortError(c, 'before it started')); // still copying its arguments
    } else {
      c.abortRequested = true; // the single-thread core cannot stop mid-call
    }
  }

  alloc(bytes, Ctor = Uint8Array) {
    if (this.failure) throw this.failedError();
    checkAlloc(bytes, Ctor);
    const buf = new ArrayBuffer(bytes);
    const view = Ctor === DataView ? new DataView(buf) : new Ctor(buf);
    this.allocated.add(view);
    return view;
  }

  free(view) {
    if (this.failure) return;
    if (!this.allocated.has(view)) throw typeError('free: view was not returned by alloc() of this pool, or was already freed');
    this.allocated.delete(view);
  }

  stats() {
    return {
      threads: 1,
      queued: this.queue.length,
      running: this.current ? 1 : 0,
      done: this.counters.done,
      bytesCopied: this.counters.bytesCopied,
      heapSize: this.heapSize,
      state: this.state,
    };
  }

  // Ends the pool with err: every unfinished call rejects with a copy.
  end(err) {
    const pending = [...(this.current ? [this.current] : []), ...this.queue];
    this.queue = [];
    this.current = null;
    this.failAll(err, pending);
    this.env.clearKeepAlive(this.keepAlive);
    this.env.terminateWorker(this.worker);
  }

  crash(reason) {
    if (!this.failure) this.end(this.crashError("in the pool's worker", this.current ? [this.current.spec.name] : [], reason));
  }

  async destroy() {
    if (!this.failure) this.end(new PoolDestroyedError('the pool was destroyed'));
    else this.env.terminateWorker(this.worker);
  }
}
