// The drivers of the kernel families' operations (js/families/image.js,
// array.js) that take more than one kernel call: an operation is a
// generator that checks its arguments, yields kernel calls, is handed back
// each call's value (or its error, thrown in) and returns the result.
//
// A yielded step is a call for env.exec(y), or a group { all: [generators] }
// whose members run in turn (on the core) or at once (on a pool) and give
// back an array of { status, value | reason } (Promise.allSettled's).
// env.rename(e, where, y) names a call's error after the public method
// `where` that made it. Operations of one kernel call do not come here:
// each family runs those without a generator (the small-call cost).

/** On the core: the generator's result, every call made in turn. */
export function runSync(env, where, gen) {
  let r = gen.next();
  while (!r.done) {
    const y = r.value;
    let value;
    let error;
    let failed = false;
    try {
      value = y.all ? y.all.map((g) => settleSync(env, where, g)) : env.exec(y);
    } catch (e) {
      failed = true;
      error = y.all ? e : env.rename(e, where, y);
    }
    r = failed ? gen.throw(error) : gen.next(value);
  }
  return r.value;
}

function settleSync(env, where, gen) {
  try {
    return { status: 'fulfilled', value: runSync(env, where, gen) };
  } catch (e) {
    return { status: 'rejected', reason: e };
  }
}

/**
 * On a pool: the promise of the generator's result, each call awaited in
 * turn. It is the promise `then` derives from the last call's (no promise
 * of its own, and no closures but the two of each step).
 */
export function runAsync(env, where, gen) {
  let r;
  try {
    r = gen.next();
  } catch (e) {
    return Promise.reject(e);
  }
  return r.done ? Promise.resolve(r.value) : awaitStep(env, where, gen, r.value);
}

function awaitStep(env, where, gen, y) {
  let p;
  try {
    p = y.all ? Promise.allSettled(y.all.map((g) => runAsync(env, where, g))) : Promise.resolve(env.exec(y));
  } catch (e) {
    p = Promise.reject(e);
  }
  return p.then((v) => resume(env, where, gen, gen.next(v)),
    (e) => resume(env, where, gen, gen.throw(y.all ? e : env.rename(e, where, y))));
}

const resume = (env, where, gen, r) => (r.done ? r.value : awaitStep(env, where, gen, r.value));

/**
 * runAsync of an operation of several calls on a pool, with the alloc()
 * blocks its arguments name held until it settles (env.hold(args), a
 * token for env.unhold, or null): a free() of one of them meanwhile takes
 * effect then, so that every step reads what the first did (a sortByKey
 * whose payload was freed after the call would have reordered the keys
 * and rejected at the payload's step).
 */
export function runHeld(env, where, gen, args) {
  let held = null;
  try {
    held = env.hold(args);
  } catch {
    // arguments whose reading throws (a revoked Proxy): the operation's own
    // checks reject them (a promise, never a synchronous throw)
  }
  const p = runAsync(env, where, gen);
  return held === null ? p : p.finally(() => env.unhold(held));
}

/**
 * The views among an operation's arguments: views, images' `data`, and
 * those in arrays and option objects (`payloads`, `files`, `dst`, `out`),
 * two levels deep. Getters are not run (own data properties only); a
 * Proxy's traps may be, and may throw.
 */
export function argViews(args) {
  const views = [];
  const value = (o, k) => {
    const d = Object.getOwnPropertyDescriptor(o, k);
    return d !== undefined && 'value' in d ? d.value : undefined;
  };
  const add = (v, depth) => {
    if (ArrayBuffer.isView(v)) views.push(v);
    else if (depth > 0 && Array.isArray(v)) for (let i = 0; i < v.length; i++) add(value(v, i), depth - 1);
    else if (depth > 0 && v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
      for (const k of Object.keys(v)) {
        const d = Object.getOwnPropertyDescriptor(v, k);
        if (d !== undefined && 'value' in d) add(d.value, depth - 1);
      }
    } else if (depth > 0 && v !== null && typeof v === 'object') {
      // an image object of another kind (ImageData): its pixels
      const d = Object.getOwnPropertyDescriptor(v, 'data');
      if (d !== undefined && 'value' in d && ArrayBuffer.isView(d.value)) views.push(d.value);
    }
  };
  for (const a of args) add(a, 2);
  return views;
}

/**
 * A kernel's error named after the public method that made the call:
 * `${ns}.${kernel}: ...` (an argument) or `${ns}.${kernel} failed: ...` (the
 * kernel's status) becomes `${ns}.${where}...` (array.median's call of the
 * quantiles kernel, image.decode's of info). Returns e.
 */
export function renamed(e, ns, where, kernel) {
  return where === kernel ? e : relabeled(e, `${ns}.${kernel}`, `${ns}.${where}`);
}

/** An error whose message begins with the label `from` (then ':' or ' ') relabelled `to`. Returns e. */
export function relabeled(e, from, to) {
  if (e instanceof Error && typeof e.message === 'string' && e.message.startsWith(from) &&
      /^[: ]/.test(e.message.slice(from.length))) {
    try {
      e.message = `${to}${e.message.slice(from.length)}`;
    } catch { /* left as it is */ }
  }
  return e;
}
