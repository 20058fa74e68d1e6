// The names of the core, the pool and the fallback pool besides their
// kernels. Their public API is the list below; everything else they have
// (fields and methods the runtime uses inside) is named with a leading `$`,
// which no C function name can produce. A kernel or namespace may take none
// of these names (bindgen refuses them when it reads the C; bind.js's
// install() refuses them again when a package loads). A test
// (test/js/members.test.js) makes a core, a pool and a fallback pool and
// checks that every name they have is listed here or starts with `$`.
export const MEMBERS = Object.freeze([
  'alloc', 'createHash', 'destroy', 'free', 'hashMany', 'heapSize', 'inHeap', 'invoke',
  'isShared', 'state', 'stats', 'threads', 'view',
]);

/** The first character of the runtime's own (internal) member names. */
export const INTERNAL_MARK = '$';

/**
 * Why `name` cannot be a kernel's or a namespace's JS name, or null: a
 * member above, a name starting with `$` (the runtime's internals), a name
 * every object has (Object.prototype's), or `then` (which would make the
 * core and the pool look like promises to await).
 */
export function memberClash(name) {
  if (MEMBERS.includes(name)) return 'a member of the core or the pool';
  if (name.startsWith(INTERNAL_MARK)) return `reserved: names starting with ${INTERNAL_MARK} are the runtime's own`;
  return objectClash(name);
}

/** Why `name` cannot be a method of a plain object (a namespace), or null. */
export function objectClash(name) {
  if (name === 'then') return 'then (the object would look like a promise to await)';
  if (name in Object.prototype || name === 'prototype') return 'a name every JS object has';
  return null;
}
