#!/usr/bin/env node
// patch-thread-worker — edits the pthread worker script that Emscripten
// 3.1.6 writes beside the threaded build (<name>.worker.js), so that its
// threads start in every Node-like runtime, Deno 2 included. Each edit
// must match exactly once: if the text is not found (another Emscripten
// version), the script fails and names the edit, and the build stops.
//
//   node js/tools/patch-thread-worker.mjs pkg/wasm/parawasm-mt.worker.js
//
// Where process.versions.node exists, the script takes its Node branch:
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
// waitAsyncWakes() in js/env-node.js.) Node, Bun and browsers run the
// patched script as they ran the original: test/runtimes/ and
// test/browser/ check both.
import { readFileSync, writeFileSync } from 'node:fs';

const EDITS = [
  ['1: location', 'location:{href:__filename},', ''],
  ['2: postMessage', 'postMessage:function(msg){parentPort.postMessage(msg)}',
    'postMessage:parentPort.postMessage.bind(parentPort)'],
  ['3: the message handler, called by parentPort', 'parentPort.on("message",function(data){onmessage({data:data})})',
    'parentPort.on("message",function(data){pwOnMessage({data:data})})'],
  ['3: the message handler, named', 'self.onmessage=(e=>{', 'var pwOnMessage=(e=>{'],
];
// appended: the handler is the web worker's onmessage outside the Node branch
const TAIL = '\nif(!ENVIRONMENT_IS_NODE)self.onmessage=pwOnMessage;\n';

const file = process.argv[2];
if (!file || process.argv.length !== 3) {
  console.error('usage: node js/tools/patch-thread-worker.mjs <name>.worker.js');
  process.exit(2);
}
let text = readFileSync(file, 'utf8');
for (const [name, from, to] of EDITS) {
  const n = text.split(from).length - 1;
  if (n !== 1) {
    console.error(`${file}: edit ${name}: ${JSON.stringify(from)} found ${n} times, expected once ` +
      '(another Emscripten version? see js/tools/patch-thread-worker.mjs)');
    process.exit(1);
  }
  text = text.replace(from, () => to);
}
writeFileSync(file, text.replace(/\n*$/, TAIL));
