// Patches to Emscripten's generated JS glue, applied by `parawasm build`
// right after linking. Each names the Emscripten versions whose glue needs
// it, what it matches and why; a patch whose pattern is not found in a
// version that needs it fails the build (it never silently does nothing).

/** [major, minor, patch] a <= b */
const le = (a, b) => a[0] !== b[0] ? a[0] < b[0] : a[1] !== b[1] ? a[1] < b[1] : a[2] <= b[2];

export const PATCHES = [
  {
    name: 'no-workers',
    builds: ['mt'],
    // 3.1.58 rewrote the loading of pthread workers (promises, which settle
    // with no workers too)
    versions: [[0, 0, 0], [3, 1, 57]],
    why: 'a core runs the threaded build with no pthread workers (shared memory, views that never detach); ' +
      'this glue waits for every worker to load before it starts, and with none it would wait forever',
    pattern: /(var\s+numWorkersToLoad\s*=\s*PThread\.unusedWorkers\.length\s*;)/,
    replace: '$1if(!numWorkersToLoad)removeRunDependency("wasm-instantiate");',
  },
];

/** The glue text with every patch for this build and Emscripten version applied. */
export function patchGlue(text, build, version, file) {
  let out = text;
  for (const p of PATCHES) {
    if (!p.builds.includes(build) || !le(p.versions[0], version) || !le(version, p.versions[1])) continue;
    if (!p.pattern.test(out)) {
      throw new Error(`${file}: the glue of Emscripten ${version.join('.')} does not have what patch "${p.name}" changes ` +
        `(${p.pattern}); parawasm cannot build with this version (${p.why})`);
    }
    out = out.replace(p.pattern, p.replace);
  }
  return out;
}

// ---------------------------------------------------------------------------
// The pthread worker script that Emscripten up to 3.1.57 writes beside the
// threaded build (<name>-mt.worker.js), edited so that its threads start in
// every Node-like runtime, Deno 2 included. Where process.versions.node
// exists, the script takes its Node branch:
//
//   Object.assign(global, { self: global, ..., location: { href: __filename },
//     ..., postMessage: function (msg) { parentPort.postMessage(msg) }, ... });
//   parentPort.on('message', function (data) { onmessage({ data: data }) });
//   ...
//   self.onmessage = (e => { ...the thread's commands... });
//
// In Deno 2 a worker_threads worker's global object is a web
// DedicatedWorkerGlobalScope, and three of these statements break there:
//
// 1. `location` is a getter-only accessor of that scope, so the strict-mode
//    Object.assign throws "Cannot set property location of
//    #<DedicatedWorkerGlobalScope> which has only a getter"; Deno 2.9 also
//    runs the script without a CommonJS wrapper, so `__filename` is a
//    ReferenceError first. Nothing reads that `location` in a Node-like
//    runtime (the glue reads `location` only in its browser branch): the
//    entry is removed.
// 2. Up to Deno 2.7 at least, parentPort.postMessage calls the global
//    postMessage, which the statement above has replaced with a function
//    that calls parentPort.postMessage: "Maximum call stack size exceeded"
//    on the thread's first message. The replacement is bound to the
//    original method before Object.assign runs.
// 3. Up to Deno 2.7 at least, parentPort's 'message' listeners are the
//    global scope's, and `self.onmessage = ...` sets that scope's web
//    handler too: every command reaches the handler twice (two "load"s per
//    thread, then a hang). The handler gets a name of its own, which the
//    parentPort listener calls; it becomes self.onmessage only outside the
//    Node branch (browsers), as before.
//
// (Deno before 2.7.6 has one more defect, in Atomics.waitAsync: see
// waitAsyncWakes() in js/runtime/env-node.js.) Node, Bun and browsers run
// the edited script as they ran the original: test/runtimes/ and
// test/browser/ check both. Each edit must match exactly once. The script
// is minified at -O1 and above and written as Emscripten's source has it
// at -O0 (spaces, line breaks, single quotes, semicolons), so each pattern
// allows both.

const WORKER_EDITS = [
  ['1: location', /location\s*:\s*\{\s*href\s*:\s*__filename\s*\}\s*,/g, ''],
  ['2: postMessage', /postMessage\s*:\s*function\s*\(\s*(\w+)\s*\)\s*\{\s*parentPort\.postMessage\(\s*\1\s*\)\s*;?\s*\}/g,
    'postMessage:parentPort.postMessage.bind(parentPort)'],
  ['3: the message handler, called by parentPort',
    /parentPort\.on\(\s*["']message["']\s*,\s*function\s*\(\s*(\w+)\s*\)\s*\{\s*onmessage\(\s*\{\s*data\s*:\s*\1\s*\}\s*\)\s*;?\s*\}\s*\)/g,
    'parentPort.on("message",function(data){pwOnMessage({data:data})})'],
  // the handler itself (an arrow function, in parentheses when minified) stays as it is
  ['3: the message handler, named', /self\.onmessage\s*=\s*(?=\(\s*e\s*(?:\)\s*)?=>)/g, 'var pwOnMessage='],
];
// appended: the handler is the web worker's onmessage outside the Node branch
const WORKER_TAIL = '\nif(!ENVIRONMENT_IS_NODE)self.onmessage=pwOnMessage;\n';

/** The pthread worker script with the edits above (Emscripten 3.1.6 to 3.1.57). */
export function patchWorker(text, version, file) {
  if (!le(version, [3, 1, 57])) return text;
  let out = text;
  for (const [name, pattern, to] of WORKER_EDITS) {
    const n = (out.match(pattern) ?? []).length;
    if (n !== 1) {
      throw new Error(`${file}: edit ${name}: ${pattern} found ${n} times, expected once ` +
        `(the pthread worker script of Emscripten ${version.join('.')} differs; see js/tools/glue.mjs)`);
    }
    out = out.replace(pattern, () => to);
  }
  return out.replace(/\n*$/, WORKER_TAIL);
}
