// Every name the core, the pool and the fallback pool have besides their
// kernels: methods (their own and inherited) and instance fields. A kernel
// or namespace may take none of them (bindgen refuses them when it reads
// the C; bind.js's install() refuses them again when a package loads). A
// test (test/js/members.test.js) makes a core, a pool and a fallback pool
// and checks that this list is exactly their names.
export const MEMBERS = Object.freeze([
  // public API (README)
  'alloc', 'createHash', 'destroy', 'free', 'hashMany', 'heapSize', 'inHeap', 'invoke',
  'isShared', 'state', 'stats', 'threads', 'view',
  // internal: Core (and PoolBase: begin, kernels)
  'arena', 'begin', 'busy', 'deferredFrees', 'kernels', 'call', 'callChained', 'calls', 'fastContext', 'heap', 'layout', 'mod',
  'progressError', 'run', 'runCall', 'scratch', 'stackTop', 'task', 'trapped', 'watch',
  // internal: PoolBase, Pool
  'L', 'abort', 'aborts', 'backlog', 'backlogHead', 'batch', 'cap', 'checkCall', 'comp', 'compHead', 'counters',
  'crash', 'crashError', 'deferHeldFree', 'defineKernels', 'holdInputs', 'releaseInputs', 'releaseBlock', 'doneSeq', 'drain', 'drainRing', 'end', 'endStretch', 'enqueue', 'env',
  'ex', 'execFast', 'execFor', 'failAll', 'failedError', 'failure', 'fast', 'freeSlots', 'inflight', 'nextSlot',
  'invokeRaw', 'joinBatch', 'jsWait', 'keepAlive', 'mask', 'newFast', 'onWake', 'pin', 'progressTimer', 'publish',
  'push', 'queueCall', 'readProgress', 'recycleArena', 'report', 'ringW', 'running', 'settle', 'settleCall',
  'newCall', 'settleFast', 'shutdown', 'slotArena', 'slotBytes', 'slotCalls', 'slotScratch', 'spinnersW', 'stage', 'stageArena', 'stageSpare', 'stretch', 'submit',
  'submitFast', 'tail', 'tailW', 'tasks', 'threadsCreated', 'threadsLive', 'liveW', 'top', 'unpublished', 'unwatch', 'useWaitAsync', 'wait',
  'waiting', 'warmUp', 'watched', 'workers',
  // internal: FallbackPool
  'blocks', 'copyBack', 'copying', 'current', 'refuseUnusable', 'holdProcess', 'liveBytes', 'next', 'onMessage', 'queue', 'send',
  'worker',
]);

/**
 * Why `name` cannot be a kernel's or a namespace's JS name, or null: a
 * member above, a name every object has (Object.prototype's), or `then`
 * (which would make the core and the pool look like promises to await).
 */
export function memberClash(name) {
  if (MEMBERS.includes(name)) return 'a member of the core or the pool';
  return objectClash(name);
}

/** Why `name` cannot be a method of a plain object (a namespace), or null. */
export function objectClash(name) {
  if (name === 'then') return 'then (the object would look like a promise to await)';
  if (name in Object.prototype || name === 'prototype') return 'a name every JS object has';
  return null;
}
