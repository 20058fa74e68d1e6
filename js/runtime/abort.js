// AbortSignal bookkeeping for pool calls: one 'abort' listener per signal,
// however many calls share it (no MaxListenersExceededWarning, no leaks).
export class AbortWatch {
  /** onAbort(call) runs for every registered call when its signal aborts. */
  constructor(onAbort) {
    this.onAbort = onAbort;
    this.bySignal = new Map(); // signal -> { calls: Set, listener }
  }

  add(signal, call) {
    let entry = this.bySignal.get(signal);
    if (!entry) {
      const calls = new Set();
      const listener = () => {
        this.bySignal.delete(signal);
        for (const c of calls) this.onAbort(c);
      };
      entry = { calls, listener };
      signal.addEventListener('abort', listener, { once: true });
      this.bySignal.set(signal, entry);
    }
    entry.calls.add(call);
  }

  remove(signal, call) {
    const entry = this.bySignal.get(signal);
    if (!entry) return;
    entry.calls.delete(call);
    if (entry.calls.size === 0) {
      signal.removeEventListener('abort', entry.listener);
      this.bySignal.delete(signal);
    }
  }
}
