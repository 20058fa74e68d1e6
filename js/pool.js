// The pool: every kernel as an async method, run on the threaded build's
// pthreads, which share one WebAssembly.Memory with this thread.
//
// Scheduling is in C (src/runtime/pool.c); this file fills task records,
// submits them, awaits completions with Atomics.waitAsync on done_seq (or a
// call proxied to this thread where waitAsync is missing), and settles the
// promises. Nothing here blocks.
import { SPECS, readTaskLayout } from './bind.js';
import { checkAbi } from './core.js';
import { ParawasmError, PoolDestroyedError } from './errors.js';
import { checkMany, manyArgs, placeMany, splitMany } from './hash.js';
import { Heap } from './memory.js';
import { PoolBase, abortError } from './pool-base.js';

// Task states: see PW_TASK_* in src/runtime/runtime.h.
const QUEUED = 1;
const RUNNING = 2;
const DROPPED = 3;

const CAP_LOG2 = 12; // 4096 task records; more calls wait in a JS queue
const DEFAULT_SPIN = 20000; // idle polls before a thread parks (~50-100 µs)

export class Pool extends PoolBase {
  /**
   * Use createPool(). `mod` is an instantiated threaded module whose
   * PTHREAD_POOL_SIZE workers are loaded; `env` is the environment adapter.
   */
  constructor(mod, env, threads, spin = DEFAULT_SPIN) {
    super();
    this.mod = mod;
    this.env = env;
    this.threads = threads;
    const ex = mod.asm;
    this.ex = ex;
    this.heap = new Heap(mod.wasmMemory, ex, true);
    this.L = readTaskLayout(this.heap, ex.pw_task_layout() >>> 0);
    checkAbi(this.L, 'createPool');
    const rc = ex.pw_pool_start(threads, CAP_LOG2, spin);
    if (rc !== 0) throw new ParawasmError(`createPool: the pool's threads could not start (status ${rc})`, 'ERR_PW_START');
    const at = ex.pw_pool_layout() >>> 2;
    [this.cap, this.tasks, this.comp, this.doneSeq, this.jsWait, this.running] = this.heap.views().u32.slice(at, at + 6);
    this.mask = this.cap - 1;
    this.freeSlots = new Int32Array(this.cap);
    for (let i = 0; i < this.cap; i++) this.freeSlots[i] = this.cap - 1 - i;
    this.top = this.cap;
    this.calls = new Array(this.cap); // call occupying each task record
    this.backlog = []; // calls waiting for a free task record
    this.backlogHead = 0;
    this.compHead = 0;
    this.inflight = 0; // task records in use
    this.waiting = false; // a wait for completions is armed
    this.pins = new Map(); // alloc() block -> number of unfinished calls using it
    this.deferredFrees = new Set(); // blocks freed while pinned
    this.useWaitAsync = typeof Atomics.waitAsync === 'function' && env.waitAsyncWakes();
    this.onWake = () => {
      Atomics.store(this.heap.low().i32, this.jsWait >>> 2, 0); // threads stop notifying
      this.wait();
    };
    mod.pwNotify = () => { if (this.waiting) this.wait(); };
    this.keepAlive = env.keepAlive();
    this.workers = [...mod.PThread.runningWorkers, ...mod.PThread.unusedWorkers];
    this.defineKernels();
  }

  // ---------------------------------------------------------------- calls

  call(spec, args) {
    let c;
    try {
      c = this.begin(spec, args, this.heap);
      c.place();
    } catch (e) {
      c?.release();
      return Promise.reject(e);
    }
    return this.queueCall(c);
  }

  // Queues a placed call c: pins the alloc() blocks it reads in place.
  queueCall(c) {
    this.counters.bytesCopied += c.copied;
    this.pin(c, 1);
    return this.enqueue(c, () => {
      if (this.top > 0 && this.backlogHead === this.backlog.length) this.submit(c);
      else this.backlog.push(c);
    });
  }

  /** True if view lies in the pool's memory (a kernel reads it in place). */
  inHeap(view) {
    return this.heap.locate(view, 'view') >= 0;
  }

  /**
   * Hashes every view of `views` with one algorithm, the inputs spread over
   * the threads. Resolves to one result per view (a number, bigint or
   * Uint8Array as the one-shot kernel, or a string with options.encoding).
   */
  hashMany(algorithm, views, options) {
    let c;
    let placed;
    try {
      if (this.failure) throw this.failedError();
      const m = checkMany(algorithm, views, options, 'hashMany', ['encoding', 'signal']);
      placed = placeMany(this.heap, m.views, 'hashMany');
      const args = manyArgs(m, placed.items);
      if (m.o.signal !== undefined) args.push({ signal: m.o.signal });
      c = this.begin(SPECS.get('hashMany'), args, this.heap);
      c.place();
      if (placed.temp) (c.temps ??= []).push(placed.temp);
      c.copied += placed.copied;
      c.extraBlocks = placed.blocks;
      return this.queueCall(c).then((out) => splitMany(m, out));
    } catch (e) {
      if (c) c.release();
      else if (placed?.temp) this.heap.mfree(placed.temp);
      return Promise.reject(e);
    }
  }

  submit(c) {
    const idx = this.freeSlots[--this.top];
    const task = this.tasks + idx * this.L.size;
    c.slot = idx;
    c.task = task;
    c.write(task, this.L);
    Atomics.store(this.heap.u32, (task + this.L.state) >>> 2, QUEUED);
    this.calls[idx] = c;
    this.inflight++;
    this.ex.pw_pool_submit(idx);
    if (!this.waiting) {
      this.waiting = true;
      this.keepAlive.ref();
      this.wait();
    }
  }

  // Drains completions, then arms a wait for more while calls are in flight.
  wait() {
    for (;;) {
      if (this.failure) break;
      const i32 = this.heap.low().i32;
      const seen = Atomics.load(i32, this.doneSeq >>> 2);
      this.drain();
      if (this.inflight === 0 || this.failure) break;
      if (this.useWaitAsync) {
        Atomics.store(i32, this.jsWait >>> 2, 1);
        const r = Atomics.waitAsync(i32, this.doneSeq >>> 2, seen);
        if (r.async) {
          r.value.then(this.onWake);
          return;
        }
        Atomics.store(i32, this.jsWait >>> 2, 0); // done_seq moved on: drain again
      } else {
        Atomics.store(i32, this.jsWait >>> 2, 2);
        if (Atomics.load(i32, this.doneSeq >>> 2) === seen) return; // pwNotify() resumes
      }
    }
    this.waiting = false;
    this.keepAlive.unref();
  }

  drain() {
    const u32 = this.heap.low().u32;
    for (;;) {
      const at = (this.comp + 4 * (this.compHead & this.mask)) >>> 2;
      const e = Atomics.load(u32, at);
      if (e === 0) break;
      Atomics.store(u32, at, 0);
      this.compHead = (this.compHead + 1) >>> 0;
      this.settle(e - 1);
    }
    while (this.top > 0 && this.backlogHead < this.backlog.length && !this.failure) {
      const c = this.backlog[this.backlogHead];
      this.backlog[this.backlogHead++] = undefined;
      if (!c.settled) this.submit(c);
    }
    if (this.backlogHead === this.backlog.length && this.backlogHead > 0) {
      this.backlog = [];
      this.backlogHead = 0;
    }
  }

  settle(idx) {
    const c = this.calls[idx];
    this.calls[idx] = undefined;
    this.freeSlots[this.top++] = idx;
    this.inflight--;
    if (!c) return;
    let value;
    let error;
    if (!c.settled && this.heap.u32[(c.task + this.L.state) >>> 2] !== DROPPED) {
      this.counters.done++;
      const before = c.copied;
      try {
        if (c.abortRequested) error = abortError(c);
        else value = c.finish(c.task, this.L);
      } catch (e) {
        error = e;
      }
      this.counters.bytesCopied += c.copied - before;
    }
    c.release();
    this.pin(c, -1);
    this.settleCall(c, error, value);
  }

  abort(c) {
    if (c.settled) return;
    if (c.slot === undefined) {
      // still in the JS queue: it never reaches a thread
      c.release();
      this.pin(c, -1);
      this.settleCall(c, abortError(c, 'before it started'));
      return;
    }
    const u32 = this.heap.low().u32;
    if (Atomics.compareExchange(u32, (c.task + this.L.state) >>> 2, QUEUED, DROPPED) === QUEUED) {
      // queued in C: no thread will run it; the record comes back through the completion ring
      this.settleCall(c, abortError(c, 'before it started'));
    } else {
      // running: ask it to stop at its next chunk; settle() rejects when it has stopped
      Atomics.store(u32, (c.task + this.L.cancel) >>> 2, 1);
      c.abortRequested = true;
    }
  }

  // Counts unfinished calls per alloc() block so that free() of a block in
  // use waits for them instead of pulling memory from under a kernel.
  pin(c, delta) {
    if (delta > 0) {
      const { spec, heap } = c;
      for (let i = 0; i < spec.params.length; i++) {
        const p = c.ptrs[i];
        if (spec.params[i].kind === 'scalar' || !p || c.temps?.includes(p)) continue;
        const b = heap.blockAt(p);
        if (b >= 0) (c.pinned ??= []).push(b);
      }
      if (c.extraBlocks?.length) (c.pinned ??= []).push(...c.extraBlocks);
    }
    if (!c.pinned) return;
    for (const b of c.pinned) {
      const n = (this.pins.get(b) ?? 0) + delta;
      if (n > 0) {
        this.pins.set(b, n);
      } else {
        this.pins.delete(b);
        if (this.deferredFrees.delete(b)) this.heap.mfree(b);
      }
    }
    if (delta < 0) c.pinned = null;
  }

  // -------------------------------------------------------------- memory

  /**
   * A view of `bytes` bytes of the pool's shared memory (a Uint8Array unless
   * Ctor is given). Kernels use it in place, on any thread, without a copy.
   */
  alloc(bytes, Ctor) {
    if (this.failure) throw this.failedError();
    return this.heap.alloc(bytes, Ctor);
  }

  /**
   * Releases a view returned by alloc(). If calls that use it are still
   * running, the memory is released when the last of them finishes.
   */
  free(view) {
    if (this.failure) return;
    const [p] = this.heap.blockOf(view);
    this.heap.unregister(p);
    if (this.pins.has(p)) this.deferredFrees.add(p);
    else this.heap.mfree(p);
  }

  /** Counters: see README (pool.stats()). */
  stats() {
    const failed = this.failure !== null;
    const u32 = failed ? null : this.heap.views().u32;
    let queuedInC = 0; // submitted, not started, not dropped by an abort
    for (let i = 0; i < this.cap && !failed; i++) {
      const c = this.calls[i];
      if (c && Atomics.load(u32, (c.task + this.L.state) >>> 2) === QUEUED) queuedInC++;
    }
    let waitingInJs = 0;
    for (let i = this.backlogHead; i < this.backlog.length; i++) if (!this.backlog[i].settled) waitingInJs++;
    return {
      threads: this.threads,
      queued: waitingInJs + queuedInC,
      running: failed ? 0 : Atomics.load(u32, this.running >>> 2),
      done: this.counters.done,
      bytesCopied: this.counters.bytesCopied,
      heapSize: failed ? 0 : this.heap.byteLength,
      state: this.state,
    };
  }

  /** True: the pool's threads and this thread share memory (zero-copy views). */
  get isShared() {
    return true;
  }

  // ----------------------------------------------------------- lifecycle

  // Ends the pool with err: every unfinished call rejects with a copy.
  end(err) {
    const pending = [...this.calls.filter(Boolean), ...this.backlog.slice(this.backlogHead)];
    this.calls.fill(undefined);
    this.backlog = [];
    this.backlogHead = 0;
    this.failAll(err, pending);
  }

  /**
   * Rejects every unfinished call with a PoolDestroyedError and ends the
   * threads. Resolves when they have ended. Safe to call more than once.
   */
  destroy() {
    if (!this.ending) {
      if (!this.failure) this.end(new PoolDestroyedError('the pool was destroyed'));
      this.ending = this.shutdown();
    }
    return this.ending;
  }

  crash(reason) {
    if (this.failure) return;
    const running = [];
    try {
      const u32 = this.heap.views().u32;
      for (let i = 0; i < this.cap; i++) {
        const c = this.calls[i];
        if (c && Atomics.load(u32, (c.task + this.L.state) >>> 2) === RUNNING) running.push(c.spec.name);
      }
    } catch { /* memory unreadable: report without names */ }
    this.end(this.crashError('on a pool thread', running, reason));
    this.ending = this.shutdown();
  }

  async shutdown() {
    try {
      this.ex.pw_pool_stop();
      Atomics.notify(this.heap.low().i32, this.doneSeq >>> 2); // release a pending waitAsync
    } catch { /* a crashed module may refuse; the workers end below anyway */ }
    this.keepAlive.unref();
    this.waiting = false;
    await Promise.all(this.workers.map((w) => this.env.terminateWorker(w)));
    this.env.clearKeepAlive(this.keepAlive);
  }
}
