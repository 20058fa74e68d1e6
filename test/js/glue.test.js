// js/tools/glue.mjs: the edits to Emscripten's pthread worker script, on
// the script as -O1 and above write it (minified) and as -O0 writes it
// (Emscripten's source layout); a script without what an edit changes is
// an error naming the edit. The edited scripts run in Node, Deno, Bun and
// browsers: test/runtimes/, test/browser/ (and test/example/, -O3).
//
//   node --test test/js/glue.test.js
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { patchWorker } from '../../js/tools/glue.mjs';

const MINIFIED = 'var ENVIRONMENT_IS_NODE=typeof process=="object";if(ENVIRONMENT_IS_NODE){var nodeWorkerThreads=require("worker_threads");' +
  'var parentPort=nodeWorkerThreads.parentPort;parentPort.on("message",function(data){onmessage({data:data})});var fs=require("fs");' +
  'Object.assign(global,{self:global,require:require,Module:Module,location:{href:__filename},Worker:nodeWorkerThreads.Worker,' +
  'importScripts:function(f){(0,eval)(fs.readFileSync(f,"utf8"))},postMessage:function(msg){parentPort.postMessage(msg)},' +
  'performance:global.performance||{now:function(){return Date.now()}}})}self.onmessage=(e=>{try{run(e.data)}catch(ex){throw ex}});\n';

const SOURCE = `var ENVIRONMENT_IS_NODE = typeof process == 'object';
if (ENVIRONMENT_IS_NODE) {
  var nodeWorkerThreads = require('worker_threads');
  var parentPort = nodeWorkerThreads.parentPort;
  parentPort.on('message', function(data) {
    onmessage({ data: data });
  });
  var fs = require('fs');
  Object.assign(global, {
    self: global,
    require: require,
    Module: Module,
    location: {
      href: __filename
    },
    Worker: nodeWorkerThreads.Worker,
    postMessage: function(msg) {
      parentPort.postMessage(msg);
    },
  });
}
self.onmessage = (e) => {
  try { run(e.data); } catch (ex) { throw ex; }
};
`;

for (const [layout, text] of [['minified (-O1 and above)', MINIFIED], ['as the source (-O0)', SOURCE]]) {
  test(`patchWorker: the worker script ${layout}`, () => {
    const out = patchWorker(text, [3, 1, 6], 'x.worker.js');
    assert.doesNotMatch(out, /location\s*:/, 'the location entry is gone');
    assert.match(out, /postMessage:parentPort\.postMessage\.bind\(parentPort\)/);
    assert.doesNotMatch(out, /function\s*\(msg\)/);
    assert.match(out, /parentPort\.on\("message",function\(data\)\{pwOnMessage\(\{data:data\}\)\}\)/);
    assert.match(out, /var pwOnMessage=\(e/);
    assert.ok(out.endsWith('\nif(!ENVIRONMENT_IS_NODE)self.onmessage=pwOnMessage;\n'));
    // what is left is still JavaScript, and the handler is the one defined
    const run = [];
    // (outside Node: the tail makes it self.onmessage)
    const self = {};
    const fn = new Function('process', 'require', 'global', 'Module', 'run', 'self', `${out}; return pwOnMessage;`);
    const handler = fn(undefined, null, {}, {}, (d) => run.push(d), self);
    assert.equal(self.onmessage, handler);
    handler({ data: 'load' });
    assert.deepEqual(run, ['load']);
    // a newer Emscripten's script needs none of it
    assert.equal(patchWorker(text, [3, 1, 58], 'x.worker.js'), text);
  });
}

test('patchWorker: a script without what an edit changes is an error naming it', () => {
  assert.throws(() => patchWorker(MINIFIED.replace('location:{href:__filename},', ''), [3, 1, 6], 'w.js'),
    /w\.js: edit 1: location: .* found 0 times, expected once/);
  assert.throws(() => patchWorker(MINIFIED.replace('self.onmessage=', 'self.onmessage=self.onmessage=').replace('self.onmessage=(', 'x=('), [3, 1, 6], 'w.js'),
    /edit 3: the message handler, named/);
});
