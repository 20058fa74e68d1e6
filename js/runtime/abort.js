// AbortSignal bookkeeping for pool calls: one 'abort' listener per signal,
// however many calls share it (no MaxListenersExceededWarning, no leaks).
// A signal's calls are a list linked through the calls themselves
// (abortEntry, abortPrev, abortNext, which Call sets to null): adding and
// removing one allocates nothing (a Set of 10,000 calls sharing a signal
// had cost about 100 bytes a call in its table's growth).
export class AbortWatch {
  /** onAbort(call) runs for every registered call when its signal aborts. */
  constructor(onAbort) {
    this.onAbort = onAbort;
    this.bySignal = new Map(); // signal -> { head, n, listener }
  }

  add(signal, call) {
    let entry = this.bySignal.get(signal);
    if (entry === undefined) {
      const e = { head: null, n: 0, listener: null };
      e.listener = () => {
        this.bySignal.delete(signal);
        // (onAbort removes the call it settles, and may settle others)
        const calls = [];
        for (let c = e.head; c !== null; c = c.abortNext) calls.push(c);
        for (const c of calls) if (c.abortEntry === e) this.onAbort(c);
      };
      signal.addEventListener('abort', e.listener, { once: true });
      this.bySignal.set(signal, e);
      entry = e;
    }
    call.abortEntry = entry;
    call.abortPrev = null;
    call.abortNext = entry.head;
    if (entry.head !== null) entry.head.abortPrev = call;
    entry.head = call;
    entry.n++;
  }

  remove(signal, call) {
    const entry = call.abortEntry;
    if (entry === null || entry === undefined) return;
    if (call.abortPrev !== null) call.abortPrev.abortNext = call.abortNext;
    else entry.head = call.abortNext;
    if (call.abortNext !== null) call.abortNext.abortPrev = call.abortPrev;
    call.abortEntry = call.abortPrev = call.abortNext = null;
    if (--entry.n === 0 && this.bySignal.get(signal) === entry) {
      signal.removeEventListener('abort', entry.listener);
      this.bySignal.delete(signal);
    }
  }
}
