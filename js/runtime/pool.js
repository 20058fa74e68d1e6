// The pool: every kernel as an async method, run on the threaded build's
// pthreads, which share one WebAssembly.Memory with this thread.
//
// Scheduling is in C (src/runtime/pool.c); this file fills task records,
// submits them, awaits completions with Atomics.waitAsync on done_seq (or a
// call proxied to this thread where waitAsync is missing), and settles the
// promises. Nothing here blocks.
import { Call, RESULT, readMessage, readTaskLayout, settledWith, statusError, taskWords, writtenGone, resultSizeError } from './bind.js';
import { ParawasmError, PoolDestroyedError } from './errors.js';
import { Block, Heap, OWNERS, blockOf, checkView } from './memory.js';
import { PoolBase, abortError } from './pool-base.js';

// Task states: see PW_TASK_* in src/runtime/runtime.h.
const QUEUED = 1;
const RUNNING = 2;
const DROPPED = 3;

// 16384 task records (a burst of that many calls takes the fast paths;
// records and slot scratch are touched only when used); more calls wait in a
// JS queue
const CAP_LOG2 = 14;
// the longest createPool() waits for its threads to start ($threadsLive())
const LIVE_WAIT_MS = 60e3;
const DEFAULT_SPIN = 20000; // idle polls before a thread parks (~50-100 µs)
const PROGRESS_MS = 50; // how often running calls' progress is read for onProgress
const PUBLISH_GROUP = 16; // queued calls published together after a stretch's first `threads` ($push())
const BATCH = 16; // fast calls that settle together after a stretch's first `threads` ($submitFast())
const BATCH_BYTES = 65536; // ... whose buffers total at most this many bytes (bigger calls settle on their own)
// Foreign inputs of fast calls too big for the slot's scratch block are
// staged in an arena ($stageArena()): up to STAGE_MAX bytes an input
const STAGE_ARENA = 1 << 20; // bytes of an arena
const STAGE_MAX = 16384;
const STAGE_ROOM = 2 * STAGE_MAX + 64; // what the current arena must have left to take another call
// Arenas kept for the pool's life, allocated with it (low in the heap);
// a burst that fills them takes more from the heap, each freed once its
// calls have settled. (Arenas allocated on first use and kept had stayed
// wherever the heap had room then: above a 3 GiB alloc() block, where
// after its free() they split the freed space, and two 2.1 GB blocks no
// longer fitted.)
const STAGE_KEPT = 2;

export class Pool extends PoolBase {
  /**
   * Use createPool(). `mod` is an instantiated threaded module whose
   * PTHREAD_POOL_SIZE workers are loaded; `env` is the environment adapter;
   * `kernels` the package's KernelSet.
   */
  constructor(mod, env, threads, spin = DEFAULT_SPIN, kernels) {
    super(kernels);
    this.$mod = mod;
    this.$env = env;
    this.threads = threads;
    const ex = mod.pwExports;
    this.$ex = ex;
    this.$heap = new Heap(mod.pwMemory, ex, true);
    this.$L = readTaskLayout(this.$heap, ex.pw_task_layout() >>> 0);
    kernels.checkAbi(this.$L, 'createPool');
    // the generated fast paths (gen/kernels.js, FAST_POOL): each slot has a
    // record to reuse and a scratch block for small inputs and fixed outputs
    // (allocated before the threads start: see $threadsLive())
    this.$slotBytes = kernels.bundle.POOL_SLOT_SCRATCH ?? 0;
    this.$slotScratch = this.$slotBytes ? this.$heap.malloc((1 << CAP_LOG2) * this.$slotBytes, 'createPool') : 0;
    const kept = [];
    if (this.$slotScratch) {
      const base = this.$heap.malloc(STAGE_KEPT * STAGE_ARENA, 'createPool');
      for (let k = 0; k < STAGE_KEPT; k++) {
        const at = base + k * STAGE_ARENA;
        kept.push({ base: at, at, end: at + STAGE_ARENA, refs: 0, kept: true });
      }
    }
    const rc = ex.pw_pool_start(threads, CAP_LOG2, spin);
    if (rc !== 0) throw new ParawasmError(`createPool: the pool's threads could not start (status ${rc})`, 'ERR_PW_START');
    const at = ex.pw_pool_layout() >>> 2;
    let ring, tail, spinners, live;
    [this.$cap, this.$tasks, this.$comp, this.$doneSeq, this.$jsWait, this.$running, ring, tail, spinners, live, this.$threadsCreated] =
      this.$heap.views().u32.slice(at, at + 11);
    this.$ringW = ring >>> 2; // the submit ring, its tail and the spinners count, as u32 indices
    this.$tailW = tail >>> 2;
    this.$spinnersW = spinners >>> 2;
    this.$liveW = live >>> 2; // how many of the `threadsCreated` threads have started
    this.$tail = Atomics.load(this.$heap.u32, this.$tailW); // JS is the ring's one producer
    this.$stretch = 0; // calls queued in this synchronous stretch ($push())
    this.$unpublished = 0; // of which not yet published
    this.$batch = null; // the open Batch of this stretch's fast calls ($submitFast())
    this.$endStretch = () => {
      this.$stretch = 0;
      if (this.$batch !== null) {
        closeBatch(this.$batch);
        this.$batch = null;
      }
      if (this.$unpublished > 0) this.$publish();
    };
    this.$mask = this.$cap - 1;
    this.$freeSlots = new Int32Array(this.$cap);
    for (let i = 0; i < this.$cap; i++) this.$freeSlots[i] = this.$cap - 1 - i;
    this.$top = this.$cap;
    this.$calls = new Array(this.$cap); // call occupying each task record
    this.$fast = new Array(this.$cap); // made on first use: $newFast()
    this.$slotCalls = new Array(this.$cap); // the Call each slot's generic calls reuse: $newCall()
    this.$arena = { ptr: 0, size: this.$slotBytes }; // a generic call's arena: $slotArena()
    this.$stage = null; // the arena fast calls stage foreign inputs in ($stageArena())
    this.$stageSpare = kept; // the kept arenas not in use
    // the executor of a fast call's own promise, for the record execFor
    // (the engine calls it at once: one for all records, not one each)
    this.$execFor = null;
    this.$execFast = (resolve, reject) => {
      const r = this.$execFor;
      this.$execFor = null;
      r.resolve = resolve;
      r.reject = reject;
    };
    this.$backlog = []; // calls waiting for a free task record
    this.$backlogHead = 0;
    this.$compHead = 0;
    this.$inflight = 0; // task records in use
    this.$waiting = false; // a wait for completions is armed
    this.$watched = new Set(); // calls with onProgress
    this.$progressTimer = null;
    this.$useWaitAsync = typeof Atomics.waitAsync === 'function' && env.waitAsyncWakes();
    this.$onWake = () => {
      Atomics.store(this.$heap.low().i32, this.$jsWait >>> 2, 0); // threads stop notifying
      this.$wait();
    };
    mod.pwNotify = () => { if (this.$waiting) this.$wait(); };
    this.$keepAlive = env.keepAlive();
    this.$workers = [...mod.PThread.runningWorkers, ...mod.PThread.unusedWorkers];
    this.$defineKernels();
  }

  // ---------------------------------------------------------------- calls

  /** Adds the kernel methods: each its generated fast path where it has one, else the generic call. */
  $defineKernels() {
    const fast = this.$kernels.bundle.FAST_POOL ?? [];
    this.$kernels.install(this, (spec) => {
      const generic = (...args) => this.$call(spec, args);
      return fast[spec.id] && this.$slotScratch ? fast[spec.id](this.$fastContext(spec, generic)) : generic;
    }, true);
  }

  /**
   * What a kernel's generated fast path (gen/kernels.js, FAST_POOL) works
   * with: the pool (its free slots and queue), the heap, the task records'
   * and slot scratch blocks' places, and the generic path for anything it
   * does not take.
   */
  $fastContext(spec, generic) {
    const L = this.$L;
    return {
      $P: this, $H: this.$heap, $OWN: OWNERS, spec,
      $TW0: this.$tasks >>> 2, $TWN: L.size >>> 2, $S00: this.$slotScratch, $SN: this.$slotBytes,
      ...taskWords(L),
      $submit: (idx, r, nb, read, S0, cp, bytes, stg, stgEnd, result) =>
        this.$submitFast(spec, idx, r, nb, read, S0, cp, bytes, stg, stgEnd, result),
      $SMAX: STAGE_MAX, $RES: RESULT,
      $slow: (s, args) => generic(...args),
      $fail: (s, st, TW) => { throw statusError(st, s, readMessage(this.$heap, TW * 4, L)); },
      $gone: writtenGone,
      $badResult: resultSizeError,
    };
  }

  /**
   * Submits a call that a fast path wrote into the task record of slot idx
   * (the last free one) with the blocks it uses in place pinned: `r` is the
   * slot's record, `read` reads the result from the task record and S0;
   * `bytes`, the size of its buffers, decides whether its promise may
   * follow a batch's (small calls of a burst) or is its own. `stg`, if not
   * null, is the arena ($stageArena()) where the call staged inputs up to
   * address stgEnd: that space is the call's until it settles. `result`,
   * if not undefined, is what it settles with if it succeeds (RESULT).
   */
  $submitFast(spec, idx, r, nb, read, S0, cp, bytes, stg, stgEnd, result) {
    this.$top--;
    if (stg !== null) {
      stg.at = stgEnd;
      stg.refs++;
    }
    r.stg = stg;
    r.result = result;
    const task = this.$tasks + idx * this.$L.size;
    r.spec = spec;
    r.read = read;
    r.S0 = S0;
    r.nb = nb;
    r.task = task;
    r.settled = false;
    let promise;
    if (this.$stretch < this.threads || bytes > BATCH_BYTES) {
      r.batch = null;
      this.$execFor = r;
      promise = new Promise(this.$execFast);
    } else {
      promise = this.$joinBatch(r);
    }
    this.$counters.bytesCopied += cp;
    this.$calls[idx] = r;
    this.$inflight++;
    this.$push(idx, task);
    if (!this.$waiting) {
      this.$waiting = true;
      this.$keepAlive.ref();
      this.$wait();
    }
    return promise;
  }

  /**
   * The promise of a call `r` of a burst (a FastCall, or a generic Call):
   * it follows its batch's (see Batch). r.reject (which $end() calls) and
   * $settleFast() settle it as call r.bj of batch r.batch.
   */
  $joinBatch(r) {
    let b = this.$batch;
    if (b === null) b = this.$batch = Batch.get();
    r.batch = b;
    r.bj = b.n++;
    b.left++;
    r.reject = rejectMember;
    const promise = b.promise.then(takeMember);
    if (b.n === BATCH) {
      closeBatch(b);
      this.$batch = null;
    }
    return promise;
  }

  /**
   * Queues the written task record idx (at address task), as
   * pw_pool_submit in src/runtime/pool.c does, without a call into wasm:
   * plain stores of the state and the ring entry, which a later
   * sequentially consistent store of tail publishes (a thread reads them
   * only after it has seen that tail).
   *
   * The first `threads` calls of a synchronous stretch are published at
   * once, so that every thread can start; later ones in groups of
   * PUBLISH_GROUP, the last group when the stretch ends (a microtask).
   * Each publication is a fence that waits for the stores to task records
   * a thread wrote last; grouped, those stores overlap (a burst of small
   * calls: 0.5 -> 0.2 µs a call on the 2-core machine of DESIGN.md).
   */
  $push(idx, task) {
    const u32 = this.$heap.low().u32;
    const t = this.$tail;
    u32[(task + this.$L.state) >>> 2] = QUEUED;
    u32[this.$ringW + (t & this.$mask)] = idx;
    this.$tail = (t + 1) >>> 0;
    if (this.$stretch === 0) queueMicrotask(this.$endStretch);
    if (++this.$stretch <= this.threads || ++this.$unpublished >= PUBLISH_GROUP) this.$publish();
  }

  /** Publishes the queued records to the threads; wakes a parked one unless one polls. */
  $publish() {
    this.$unpublished = 0;
    const u32 = this.$heap.low().u32;
    Atomics.store(u32, this.$tailW, this.$tail);
    if (Atomics.load(u32, this.$spinnersW) === 0) this.$ex.pw_pool_wake();
  }

  /**
   * The arena a fast call may stage foreign inputs in: the current one if
   * it has STAGE_ROOM bytes left, else a new current one (a kept one, or
   * from the heap; null if the heap is full). A fast call that stages there
   * takes its space in $submitFast(); an arena goes back when no call uses
   * it and it is no longer current, or at once if it came from the heap
   * ($recycleArena()).
   */
  $stageArena() {
    let a = this.$stage;
    if (a !== null && a.end - a.at >= STAGE_ROOM) return a;
    if (a !== null && a.refs === 0) this.$recycleArena(a);
    a = this.$stageSpare.pop() ?? null;
    if (a === null) {
      try {
        const base = this.$heap.malloc(STAGE_ARENA, 'a pool call');
        a = { base, at: base, end: base + STAGE_ARENA, refs: 0, kept: false };
      } catch {
        a = null; // the heap is full: the generic path's own allocation reports it
      }
    }
    this.$stage = a;
    return a;
  }

  // An arena that no call uses: a kept one for reuse, one from the heap freed.
  $recycleArena(a) {
    a.at = a.base;
    if (!a.kept) {
      this.$heap.mfree(a.base);
      return;
    }
    this.$stageSpare.push(a);
    // a current arena from the heap that no call uses (the one call given it
    // turned to the generic path) goes too, now that a kept one is free
    const cur = this.$stage;
    if (cur !== null && cur !== a && !cur.kept && cur.refs === 0) {
      this.$stage = null;
      this.$heap.mfree(cur.base);
    }
  }

  // Settles a fast call: reads its result, unpins its blocks.
  $settleFast(r) {
    let value;
    let error;
    const ended = r.settled; // rejected already: the pool ended
    if (!ended) {
      r.settled = true;
      this.$counters.done++;
      try {
        value = r.read(r.task >>> 2, r.S0, r.DO, r.DB, r.OUT, r.PO, r.W, r.WP, r.WN);
        if (r.W !== undefined) this.$counters.bytesCopied += r.WN; // (copied back by the read)
        if (r.result !== undefined) value = settledWith(r.result, value);
      } catch (e) {
        error = e ?? new ParawasmError(`${r.spec.label} failed`);
      }
    }
    const { stg } = r; // (after the read: a result may lie in the arena)
    if (stg !== null) {
      r.stg = null;
      if (--stg.refs === 0) {
        if (stg !== this.$stage) this.$recycleArena(stg);
        else if (!stg.kept) { // (current, but from the heap: freed; the next call takes a kept one)
          this.$stage = null;
          this.$recycleArena(stg);
        }
      }
    }
    const { blocks } = r;
    for (let k = 0; k < r.nb; k++) {
      const b = blocks[k];
      blocks[k] = undefined;
      if (--b.pins === 0 && b.deferred) {
        b.deferred = false;
        this.$heap.mfree(b.p);
      }
    }
    const { resolve, reject, batch } = r;
    r.resolve = r.reject = r.read = null;
    r.result = undefined;
    r.batch = null;
    r.OUT = undefined;
    r.W = undefined;
    r.nb = 0;
    if (ended) return;
    if (batch !== null) settleMember(batch, r.bj, error !== undefined, error !== undefined ? error : value);
    else if (error !== undefined) reject(error);
    else resolve(value);
  }

  /**
   * Resolves once every thread has started (src/runtime/pool.c counts them
   * in `live`), the pool has failed, or LIVE_WAIT_MS have passed (a
   * machine that slow gets its pool all the same). createPool() waits for
   * it before anything else allocates: a thread allocates its thread-local
   * storage as it starts, and one that started late would put that block
   * among the caller's first, so that where they land, and the largest
   * allocation left, would depend on timing.
   */
  async $threadsLive() {
    const deadline = Date.now() + LIVE_WAIT_MS;
    while (this.$failure === null && Atomics.load(this.$heap.low().u32, this.$liveW) < this.$threadsCreated && Date.now() < deadline) {
      await new Promise((resolve) => { setTimeout(resolve, 1); });
    }
  }

  /**
   * Runs the fast calls' own paths once per kind before the pool is handed
   * out: submitFast and push (a stretch's start, its first `threads` calls,
   * the rest in batches new and spare), the end of a stretch, settleFast's
   * two ways of settling and a pinned block's last unpin. V8 gives a
   * function its type feedback only after several calls, and paths taken
   * once a stretch would otherwise first run in a process's second burst,
   * after the code was optimised without them, and throw that code away
   * there. The tasks name no kernel (an index past the last): a thread
   * marks each failed without running anything, and their read ignores it.
   * The counters of stats() are as before; it never throws (a thread that
   * failed meanwhile leaves the pool failed, as it would be after a call).
   */
  async $warmUp(stretches = 3) {
    const spec = this.$kernels.specs[0]; // any kernel's: the records keep one shape
    if (!this.$slotScratch || !spec || this.$failure) return;
    const counters = { ...this.$counters };
    const read = () => 0;
    // a block over the heap's own probe word, pinned and unpinned as a
    // call's: an alloc() here, freed at the end, could leave a hole below
    // what a thread starting meanwhile allocates (its thread-local
    // storage), and the largest allocation would then depend on timing
    const block = new Block(this.$heap, this.$heap.probe, 4);
    const { size, kernel, status, cancel, flags, kernelCount } = this.$L;
    const n = this.threads + 2 * BATCH + 1;
    try {
      for (let s = 0; s < stretches && !this.$failure; s++) {
        const ps = [];
        for (let i = 0; i < n && this.$top > 0; i++) {
          const idx = this.$freeSlots[this.$top - 1];
          const task = this.$tasks + idx * size;
          const u32 = this.$heap.low().u32;
          u32[(task + kernel) >>> 2] = kernelCount;
          u32[(task + status) >>> 2] = 0;
          u32[(task + cancel) >>> 2] = 0;
          u32[(task + flags) >>> 2] = 0;
          const r = this.$fast[idx] ?? this.$newFast(idx);
          block.pins++;
          r.blocks[0] = block;
          ps.push(this.$submitFast(spec, idx, r, 1, read, this.$slotScratch + idx * this.$slotBytes, 0, 0, null, 0, undefined));
        }
        await Promise.all(ps);
      }
    } catch {
      // a pool whose thread failed here: its calls report it from now on
    } finally {
      Object.assign(this.$counters, counters);
    }
  }

  /** The record of slot idx for fast calls, made on its first use. */
  $newFast(idx) {
    return (this.$fast[idx] = new FastCall());
  }

  $call(spec, args) {
    return this.$invokeRaw(spec, args);
  }

  /**
   * A call of `spec` with `extra` resources of the caller's (parawasm's own
   * families): `temps`, heap addresses freed when the call ends; `blocks`,
   * alloc() blocks the kernel reads through pointers in its arguments
   * (pinned while it runs); `copied`, bytes of the caller's views already
   * copied in; `tables`, bytes of parawasm's own arguments (a family's
   * table of addresses) that the binding copies in like a caller's view,
   * which bytesCopied does not count.
   */
  $invokeRaw(spec, args, extra) {
    const idx = this.$nextSlot();
    const c = this.$newCall(spec, idx);
    try {
      this.$checkCall(c, args);
      c.place(idx >= 0 ? this.$slotArena(idx) : undefined);
    } catch (e) {
      c.release();
      c.reuse().idle = true;
      if (extra?.temps) for (const p of extra.temps) this.$heap.mfree(p);
      return Promise.reject(e);
    }
    if (extra) {
      if (extra.temps) for (const p of extra.temps) c.temps[c.nTemps++] = p;
      if (extra.blocks) c.extraBlocks = extra.blocks;
      c.copied += (extra.copied ?? 0) - (extra.tables ?? 0);
    }
    return this.$queueCall(c);
  }

  /**
   * The task slot a call queued now takes at once (the last free one), or
   * -1: none is free, or calls wait for one before it (it goes to the
   * backlog). Nothing between a call's placing and its $queueCall() in
   * the same synchronous stretch changes it.
   */
  $nextSlot() {
    return this.$top > 0 && this.$backlogHead === this.$backlog.length ? this.$freeSlots[this.$top - 1] : -1;
  }

  /**
   * The scratch block of slot idx ($nextSlot()), as the arena for a call's
   * small results and copies (Call.place()), or undefined if slots have
   * none; the slot is freed only after the results are read ($settle()).
   */
  $slotArena(idx) {
    if (this.$slotBytes === 0) return undefined;
    const a = this.$arena;
    a.ptr = this.$slotScratch + idx * this.$slotBytes;
    return a;
  }

  /**
   * A Call for a generic call of `spec` that takes slot idx ($nextSlot()).
   * One that takes a slot at once is the Call that slot's last generic
   * call of the same kernel had, when that one has settled: a burst of
   * calls then makes no Call objects and lists (about 0.4-0.8 KB of the
   * engine's heap a call, which the first bursts of a process pay for in
   * collections and fresh pages). Others are new.
   */
  $newCall(spec, idx) {
    if (idx < 0) return new Call(spec, this.$heap);
    const c = this.$slotCalls[idx];
    if (c !== undefined && c.idle && c.spec === spec) {
      c.idle = false;
      return c;
    }
    return (this.$slotCalls[idx] = new Call(spec, this.$heap));
  }

  // Queues a placed call c: pins the alloc() blocks it reads in place.
  //
  // A call submitted at once that a burst makes (after its stretch's first
  // `threads` calls) settles with its batch, as fast calls do, unless it
  // has a signal or onProgress (an abort or a report is its alone) or
  // its buffers and results total more than BATCH_BYTES.
  $queueCall(c) {
    this.$counters.bytesCopied += c.copied;
    this.$pin(c, 1);
    if (this.$nextSlot() < 0) return this.$enqueue(c, () => this.$backlog.push(c));
    let promise;
    if (this.$stretch < this.threads || c.signal !== undefined || c.onProgress !== null || c.size() > BATCH_BYTES) {
      this.$execFor = c;
      promise = new Promise(this.$execFast);
      if (c.signal !== undefined) this.$aborts.add(c.signal, c);
    } else {
      promise = this.$joinBatch(c);
      c.resolve = resolveMember;
    }
    this.$submit(c);
    return promise;
  }

  /** True if view lies in the pool's memory (a kernel reads it in place). */
  inHeap(view) {
    if (this.$failure) throw this.$failedError();
    checkView(view, 'inHeap');
    return this.$heap.locate(view, 'inHeap: view') >= 0;
  }

  $submit(c) {
    const idx = this.$freeSlots[--this.$top];
    const task = this.$tasks + idx * this.$L.size;
    c.slot = idx;
    c.task = task;
    c.write(task, this.$L);
    this.$calls[idx] = c;
    this.$inflight++;
    if (c.onProgress) this.$watch(c);
    this.$push(idx, task);
    if (!this.$waiting) {
      this.$waiting = true;
      this.$keepAlive.ref();
      this.$wait();
    }
  }

  // Drains completions, then arms a wait for more while calls are in flight.
  $wait() {
    for (;;) {
      if (this.$failure) break;
      const i32 = this.$heap.low().i32;
      const seen = Atomics.load(i32, this.$doneSeq >>> 2);
      this.$drain();
      if (this.$inflight === 0 || this.$failure) break;
      if (this.$useWaitAsync) {
        Atomics.store(i32, this.$jsWait >>> 2, 1);
        const r = Atomics.waitAsync(i32, this.$doneSeq >>> 2, seen);
        if (r.async) {
          r.value.then(this.$onWake);
          return;
        }
        Atomics.store(i32, this.$jsWait >>> 2, 0); // done_seq moved on: drain again
      } else {
        Atomics.store(i32, this.$jsWait >>> 2, 2);
        if (Atomics.load(i32, this.$doneSeq >>> 2) === seen) return; // pwNotify() resumes
      }
    }
    this.$waiting = false;
    this.$keepAlive.unref();
  }

  $drain() {
    this.$drainRing();
    while (this.$top > 0 && this.$backlogHead < this.$backlog.length && !this.$failure) {
      const c = this.$backlog[this.$backlogHead];
      this.$backlog[this.$backlogHead++] = undefined;
      if (!c.settled) this.$submit(c);
    }
    if (this.$backlogHead === this.$backlog.length && this.$backlogHead > 0) {
      this.$backlog = [];
      this.$backlogHead = 0;
    }
  }

  // Settles the calls whose records the threads have put in the completion ring.
  $drainRing() {
    const u32 = this.$heap.low().u32;
    for (;;) {
      const at = (this.$comp + 4 * (this.$compHead & this.$mask)) >>> 2;
      const e = Atomics.load(u32, at);
      if (e === 0) break;
      // A plain store: a thread writes this entry again only for the
      // reservation `cap` later, and at least one of the calls between
      // must be published after this store (there are `cap` slots); the
      // sequentially consistent reservations (comp_reserve in pool.c)
      // order this store before that write.
      u32[at] = 0;
      this.$compHead = (this.$compHead + 1) >>> 0;
      this.$settle(e - 1);
    }
  }

  $settle(idx) {
    const c = this.$calls[idx];
    this.$calls[idx] = undefined;
    this.$inflight--;
    if (c === undefined || c.isFast === true) {
      this.$freeSlots[this.$top++] = idx;
      if (c !== undefined) this.$settleFast(c);
      return;
    }
    let value;
    let error;
    let failed = false;
    if (c.onProgress) this.$unwatch(c, true);
    if (!c.settled && this.$heap.u32[(c.task + this.$L.state) >>> 2] !== DROPPED) {
      this.$counters.done++;
      const before = c.copied;
      try {
        if (c.abortRequested) error = abortError(c), (failed = true);
        else value = c.finish(c.task, this.$L);
      } catch (e) {
        error = e;
        failed = true;
      }
      this.$counters.bytesCopied += c.copied - before;
    }
    // (the slot after its results are read: a call made by onProgress above
    // must not take the slot's scratch, where they may lie)
    this.$freeSlots[this.$top++] = idx;
    c.release();
    this.$pin(c, -1);
    this.$settleCall(c, error, value, failed);
    // (its slot's next generic call of the kernel may take it: $newCall())
    c.reuse().idle = true;
  }

  $abort(c) {
    if (c.settled) return;
    if (c.slot === undefined) {
      // still in the JS queue: it never reaches a thread
      c.release();
      this.$pin(c, -1);
      this.$settleCall(c, abortError(c, 'before it started'), undefined, true);
      return;
    }
    if (c.onProgress) this.$unwatch(c, false);
    const u32 = this.$heap.low().u32;
    if (Atomics.compareExchange(u32, (c.task + this.$L.state) >>> 2, QUEUED, DROPPED) === QUEUED) {
      // queued in C: no thread will run it; the record comes back through the completion ring
      this.$settleCall(c, abortError(c, 'before it started'), undefined, true);
    } else {
      // running: ask it to stop at its next chunk; $settle() rejects when it has stopped
      Atomics.store(u32, (c.task + this.$L.cancel) >>> 2, 1);
      c.abortRequested = true;
    }
  }

  // Counts unfinished calls per alloc() block so that free() of a block in
  // use waits for them instead of pulling memory from under a kernel.
  $pin(c, delta) {
    const { pinned } = c;
    if (delta > 0) {
      const { spec } = c;
      let n = 0;
      for (const i of spec.buffers) {
        const b = c.ptrs[i] > 0 ? blockOf(c.values[i]) : undefined;
        if (b !== undefined && b.heap === this.$heap) pinned[n++] = b;
      }
      if (c.extraBlocks !== null) for (const b of c.extraBlocks) pinned[n++] = b;
      const ob = c.outInPlace ? blockOf(c.out) : undefined;
      if (ob !== undefined && ob.heap === this.$heap) pinned[n++] = ob;
      c.nPinned = n;
    }
    const n = c.nPinned;
    if (delta < 0) c.nPinned = 0;
    for (let k = 0; k < n; k++) {
      const b = pinned[k];
      if (delta < 0) pinned[k] = undefined;
      b.pins += delta;
      if (b.pins === 0 && b.deferred) {
        b.deferred = false;
        this.$heap.mfree(b.p);
      }
    }
  }

  // onProgress: the task records of running calls are read every
  // PROGRESS_MS while any such call is in flight, and once when it ends.
  $watch(c) {
    this.$watched.add(c);
    if (this.$progressTimer) return;
    this.$progressTimer = setInterval(() => {
      for (const w of this.$watched) this.$readProgress(w);
    }, PROGRESS_MS);
    this.$progressTimer.unref?.();
  }

  $unwatch(c, final) {
    if (final && !c.abortRequested) this.$readProgress(c);
    this.$watched.delete(c);
    if (!this.$watched.size && this.$progressTimer) {
      clearInterval(this.$progressTimer);
      this.$progressTimer = null;
    }
  }

  $readProgress(c) {
    if (this.$failure || c.settled || c.task === undefined) return;
    const h = this.$heap.low();
    const total = Number(h.u64[(c.task + this.$L.progressTotal) >>> 3]);
    if (!total) return;
    this.$report(c, Number(h.u64[(c.task + this.$L.progressDone) >>> 3]), total);
  }

  // -------------------------------------------------------------- memory

  /**
   * A view of `bytes` bytes of the pool's shared memory (a Uint8Array unless
   * Ctor is given). Kernels use it in place, on any thread, without a copy.
   */
  alloc(bytes, Ctor) {
    if (this.$failure) throw this.$failedError();
    return this.$heap.alloc(bytes, Ctor);
  }

  /**
   * Another view of the block that `of` (a view from alloc()) belongs to:
   * a `Ctor` (default Uint8Array) from `byteOffset` bytes into `of`, of
   * `length` elements (default: to the end of `of`).
   */
  view(of, Ctor, byteOffset, length) {
    if (this.$failure) throw this.$failedError();
    return this.$heap.view(of, Ctor, byteOffset, length);
  }

  /**
   * Releases a view returned by alloc(). If calls that use it are still
   * running, the memory is released when the last of them finishes.
   */
  free(view) {
    const block = this.$heap.freeable(view);
    if (this.$failure) {
      this.$heap.retire(block); // (its memory went with the pool)
      return;
    }
    if (!this.$deferHeldFree(block)) this.$releaseBlock(block);
  }

  // The memory of a freed block goes back now, or when the calls that use it end.
  $releaseBlock(block) {
    this.$heap.retire(block);
    if (block.pins > 0) block.deferred = true;
    else this.$heap.mfree(block.p);
  }

  /** Counters: see README (pool.stats()). */
  stats() {
    const failed = this.$failure !== null;
    const u32 = failed ? null : this.$heap.views().u32;
    let queuedInC = 0; // submitted, not started, not dropped by an abort
    for (let i = 0; i < this.$cap && !failed; i++) {
      const c = this.$calls[i];
      if (c && Atomics.load(u32, (c.task + this.$L.state) >>> 2) === QUEUED) queuedInC++;
    }
    let waitingInJs = 0;
    for (let i = this.$backlogHead; i < this.$backlog.length; i++) if (!this.$backlog[i].settled) waitingInJs++;
    return {
      threads: this.threads,
      queued: waitingInJs + queuedInC,
      running: failed ? 0 : Atomics.load(u32, this.$running >>> 2),
      done: this.$counters.done,
      bytesCopied: this.$counters.bytesCopied,
      heapSize: failed ? 0 : this.$heap.byteLength,
      state: this.state,
    };
  }

  /** True: the pool's threads and this thread share memory (zero-copy views). */
  get isShared() {
    return true;
  }

  // ----------------------------------------------------------- lifecycle

  // Ends the pool with err: every unfinished call rejects with a copy.
  $end(err) {
    if (this.$progressTimer) clearInterval(this.$progressTimer);
    this.$progressTimer = null;
    this.$watched.clear();
    const pending = [...this.$calls.filter(Boolean), ...this.$backlog.slice(this.$backlogHead)];
    this.$calls.fill(undefined);
    this.$backlog = [];
    this.$backlogHead = 0;
    this.$failAll(err, pending);
  }

  /**
   * Rejects every unfinished call with a PoolDestroyedError and ends the
   * threads. Resolves when they have ended. Safe to call more than once.
   */
  destroy() {
    if (!this.ending) {
      if (!this.$failure) this.$end(new PoolDestroyedError('the pool was destroyed'));
      this.ending = this.$shutdown();
    }
    return this.ending;
  }

  /**
   * A pool thread ended abnormally (a kernel trapped). What each unfinished
   * call's outcome says: a call the threads had not started is taken off
   * their queue first (the same exchange $abort() makes), so it rejects
   * without having run; a call that had ended, its record in the
   * completion ring but not yet read, settles with its own result (a burst
   * of calls is read in batches, so many may be waiting there); a call
   * still running on another thread rejects, and may have run in part or
   * whole (README, "Pool": errors).
   */
  $crash(reason) {
    if (this.$failure) return;
    const running = [];
    const notStarted = [];
    try {
      const u32 = this.$heap.views().u32;
      for (let i = 0; i < this.$cap; i++) {
        const c = this.$calls[i];
        if (!c || c.settled) continue;
        const at = (c.task + this.$L.state) >>> 2;
        if (Atomics.compareExchange(u32, at, QUEUED, DROPPED) === QUEUED) notStarted.push(c);
        else if (Atomics.load(u32, at) === RUNNING) running.push(c.spec.label);
      }
    } catch { /* memory unreadable: report without names */ }
    const err = this.$crashError('on a pool thread', running, reason);
    // from here on no call is submitted (this.failure), and onProgress is not called
    this.$failure = err;
    for (const c of notStarted) this.$settleCall(c, this.$failedError());
    try {
      this.$drainRing();
    } catch { /* unreadable: what is left rejects below */ }
    this.$end(err);
    this.ending = this.$shutdown();
  }

  async $shutdown() {
    try {
      this.$ex.pw_pool_stop();
      Atomics.notify(this.$heap.low().i32, this.$doneSeq >>> 2); // release a pending waitAsync
    } catch { /* a crashed module may refuse; the workers end below anyway */ }
    this.$keepAlive.unref();
    this.$waiting = false;
    await Promise.all(this.$workers.map((w) => this.$env.terminateWorker(w)));
    this.$env.clearKeepAlive(this.$keepAlive);
  }
}

/*
 * A batch of fast calls: the calls of one synchronous stretch after its
 * first `threads` (a burst), up to BATCH consecutive ones, settle together.
 * Each call's promise is batch.promise.then(takeMember): a promise derived
 * from another needs no resolving functions of its own, so a queued call
 * costs about 100 bytes of the engine's heap instead of about 220, which
 * the first bursts of a fresh process feel (the young generation grows with
 * what is live). The batch's promise is fulfilled with the batch once it is
 * closed (full, or its stretch has ended) and every call in it has ended;
 * the engine then runs the reactions in the order they were added, so the
 * j-th takeMember takes call j's result (or throws its error). Nothing else
 * can add a reaction to batch.promise: it never leaves this file.
 */
class Batch {
  constructor() {
    this.n = 0; // calls in the batch
    this.left = 0; // of which not yet ended
    this.open = true;
    this.k = 0; // the next call takeMember settles
    this.failed = 0; // bit j: call j failed, vals[j] its error
    this.vals = new Array(BATCH).fill(undefined); // any value, no elements-kind changes
    this.resolve = null;
    this.exec = (resolve) => {
      this.resolve = resolve;
    };
    this.promise = new Promise(this.exec);
  }

  /** A batch to fill: a spare one (its promise new) or a new one. */
  static get() {
    const b = spareBatches.pop();
    if (b === undefined) return new Batch();
    b.promise = new Promise(b.exec);
    return b;
  }
}

// Batches whose calls have all settled, for Batch.get() (any pool's)
const spareBatches = [];
const SPARE_BATCHES = 1024;

function closeBatch(b) {
  b.open = false;
  if (b.left === 0) b.resolve(b);
}

// call j of batch b ended with `val` (its error if `failed`)
function settleMember(b, j, failed, val) {
  b.vals[j] = val;
  if (failed) b.failed |= 1 << j;
  if (--b.left === 0 && !b.open) b.resolve(b);
}

function takeMember(b) {
  const j = b.k++;
  const v = b.vals[j];
  b.vals[j] = undefined;
  const failed = (b.failed & (1 << j)) !== 0;
  if (b.k === b.n) {
    // the last reaction: b.promise has no other, so b can be filled again
    b.n = b.k = b.failed = 0;
    b.open = true;
    // (b.promise stays until Batch.get() replaces it: a null there would
    // change the field's type that the optimised submitFast relies on, and
    // throw that code away at the end of a process's first burst)
    b.resolve = null;
    if (spareBatches.length < SPARE_BATCHES) spareBatches.push(b);
  }
  if (failed) throw v;
  return v;
}

// FastCall.reject of a call in a batch (as $failAll() calls it: c.reject(error)), and a Call's
function rejectMember(error) {
  const b = this.batch;
  this.batch = null;
  this.reject = null;
  settleMember(b, this.bj, true, error);
}

// A generic Call's resolve in a batch ($settleCall() calls c.resolve(value))
function resolveMember(value) {
  const b = this.batch;
  this.batch = null;
  this.resolve = this.reject = null;
  settleMember(b, this.bj, false, value);
}

// The record of a fast call, one per task slot, reused by every fast call
// that takes the slot. It has what $end(), $crash() and stats() read of a
// generic Call (spec, task, settled, signal, resolve, reject).
class FastCall {
  constructor() {
    this.isFast = true;
    this.spec = null;
    this.read = null; // reads the result (gen/kernels.js)
    this.task = 0;
    this.S0 = 0; // the slot's scratch block
    this.DO = 0; // an output sized by an expression: its address and bytes
    this.DB = 0;
    this.OUT = undefined; // options.out, an alloc() view written in place, and its address
    this.PO = -1;
    this.W = undefined; // a written buffer outside the memory, staged at WP (WN bytes): copied back by the read
    this.WP = 0;
    this.WN = 0;
    this.settled = true;
    this.signal = undefined;
    this.resolve = null;
    this.reject = null;
    this.batch = null; // its Batch, when it settles with one, and its index there
    this.bj = 0;
    this.blocks = []; // alloc() blocks pinned while the call runs
    this.nb = 0;
    this.stg = null; // the arena it staged inputs in (Pool.stageArena())
    this.result = undefined; // what it settles with if it succeeds (RESULT), if not its value
  }
}
