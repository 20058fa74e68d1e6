// The pool where shared memory is missing (a browser page that is not
// cross-origin isolated): the single-thread core in one Web Worker. Calls
// still leave the main thread, but their buffers are copied to the worker
// and back, and they run one at a time. `pool.isShared` is false.
import { AbortWatch } from './abort.js';
import { Call, checkCallOptions } from './bind.js';
import {
  AbortError, ParawasmError, PoolCrashedError, PoolDestroyedError, typeError,
} from './errors.js';
import { checkAlloc } from './memory.js';
import { KERNELS } from '../gen/kernels.js';

const ERRORS = { TypeError, RangeError, ParawasmError, AbortError };

export class FallbackPool {
  /** Use createPool(); `worker` runs js/fallback-worker.js and has said it is ready. */
  constructor(worker, env) {
    this.worker = worker;
    this.env = env;
    this.threads = 1;
    this.queue = []; // calls not yet sent
    this.current = null; // the call the worker runs
    this.counters = { done: 0, bytesCopied: 0 };
    this.heapSize = 0;
    this.failure = null;
    this.allocated = new WeakSet();
    this.aborts = new AbortWatch((c) => this.abort(c));
    worker.onmessage = (e) => this.onMessage(e.data);
    env.hookWorker(worker, (msg) => this.crash(msg));
    for (const spec of KERNELS) {
      Object.defineProperty(this, spec.name, { value: (...args) => this.call(spec, args), enumerable: true });
    }
  }

  get isShared() {
    return false;
  }

  call(spec, args) {
    if (this.failure) return Promise.reject(this.failedError());
    const c = new Call(spec, null);
    let signal;
    try {
      signal = checkCallOptions(c.check(args, true), spec.name);
    } catch (e) {
      return Promise.reject(e);
    }
    if (signal?.aborted) return Promise.reject(new AbortError(`${spec.name} was aborted before it started`, { cause: signal.reason }));
    return new Promise((resolve, reject) => {
      Object.assign(c, { resolve, reject, signal });
      if (signal) {
        this.aborts.add(signal, c);
      }
      this.queue.push(c);
      this.next();
    });
  }

  // Sends the next call: buffers go as copies, transferred.
  next() {
    if (this.current || this.failure) return;
    const c = this.queue.shift();
    if (!c) return;
    const transfer = [];
    const args = c.values.map((v, i) => {
      if (c.spec.params[i].kind === 'scalar') return v;
      const bytes = new Uint8Array(v.byteLength);
      if (c.spec.params[i].kind !== 'out') {
        bytes.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
        this.counters.bytesCopied += v.byteLength;
      }
      transfer.push(bytes.buffer);
      const type = v instanceof DataView ? 'DataView' : v[Symbol.toStringTag];
      return { view: bytes.buffer, type: c.spec.params[i].elem === 'u8' ? 'Uint8Array' : type };
    });
    this.current = c;
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
    if (c.signal) this.aborts.remove(c.signal, c);
    if (!c.settled) {
      c.settled = true;
      if (c.abortRequested) {
        c.reject(new AbortError(`${c.spec.name} was aborted`, { cause: c.signal.reason }));
      } else if (m.error) {
        const E = ERRORS[m.error.name] ?? ParawasmError;
        const err = E === ParawasmError ? new E(m.error.message, m.error.code) : new E(m.error.message);
        if (m.error.code) err.code = m.error.code;
        c.reject(err);
      } else {
        // buffers the kernel wrote: copy them back into the caller's views
        m.args.forEach((a, i) => {
          if (a === null || c.spec.params[i].kind === 'in') return;
          const v = c.values[i];
          new Uint8Array(v.buffer, v.byteOffset, v.byteLength).set(new Uint8Array(a));
          this.counters.bytesCopied += v.byteLength;
        });
        c.resolve(m.value);
      }
    }
    this.next();
  }

  abort(c) {
    if (c.settled) return;
    const i = this.queue.indexOf(c);
    if (i >= 0) {
      this.queue.splice(i, 1);
      c.settled = true;
      c.reject(new AbortError(`${c.spec.name} was aborted before it started`, { cause: c.signal.reason }));
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
      state: this.failure ? (this.failure instanceof PoolCrashedError ? 'crashed' : 'destroyed') : 'ready',
    };
  }

  failedError() {
    const f = this.failure;
    return new f.constructor(f.message);
  }

  end(err) {
    this.failure = err;
    const pending = [...(this.current ? [this.current] : []), ...this.queue];
    this.queue = [];
    this.current = null;
    for (const c of pending) {
      if (c.settled) continue;
      c.settled = true;
      if (c.signal) this.aborts.remove(c.signal, c);
      c.reject(this.failedError());
    }
    this.env.terminateWorker(this.worker);
  }

  crash(reason) {
    if (!this.failure) {
      const name = this.current ? ` while running ${this.current.spec.name}` : '';
      this.end(new PoolCrashedError(`a kernel crashed the pool's worker${name}: ${reason}. ` +
        'The pool cannot be used any more; create a new one with createPool()'));
    }
  }

  async destroy() {
    if (!this.failure) this.end(new PoolDestroyedError('the pool was destroyed'));
    else this.env.terminateWorker(this.worker);
  }
}
