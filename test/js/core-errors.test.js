// loadCore(): what bad input does. Wrong kinds of values are TypeErrors
// (code ERR_INVALID_ARG_TYPE), right kinds with bad values RangeErrors (code
// ERR_OUT_OF_RANGE), each naming the function and argument; alloc()/free()
// misuse; views of freed or detached memory; and after every error the core
// still gives right answers.
//
//   node --test test/js/core-errors.test.js
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { loadCore } from '../../pkg/index.js';

const CHECK = new TextEncoder().encode('123456789');

let core;
before(async () => {
  core = await loadCore();
});

/** Asserts that fn throws a TypeError with code ERR_INVALID_ARG_TYPE whose message includes `what`. */
function throwsType(fn, what, label = what) {
  assert.throws(fn, (e) => {
    assert.equal(e.constructor, TypeError, `${label}: ${e.constructor.name}: ${e.message}`);
    assert.equal(e.code, 'ERR_INVALID_ARG_TYPE', label);
    if (what) assert.ok(e.message.includes(what), `${label}: message "${e.message}" should name ${what}`);
    return true;
  }, label);
}

/** Asserts that fn throws a RangeError with code ERR_OUT_OF_RANGE whose message includes `what`. */
function throwsRange(fn, what, label = what) {
  assert.throws(fn, (e) => {
    assert.equal(e.constructor, RangeError, `${label}: ${e.constructor.name}: ${e.message}`);
    assert.equal(e.code, 'ERR_OUT_OF_RANGE', label);
    if (what) assert.ok(e.message.includes(what), `${label}: message "${e.message}" should name ${what}`);
    return true;
  }, label);
}

/** The core still computes right: the check values, a foreign and an alloc()ed input. */
function assertHealthy(c = core) {
  assert.equal(c.crc32(CHECK), 0xcbf43926);
  assert.equal(c.crc32c(CHECK), 0xe3069283);
  assert.equal(c.adler32(CHECK), 0x091e01de);
  const v = c.alloc(CHECK.length);
  v.set(CHECK);
  assert.equal(c.crc32(v), 0xcbf43926);
  assert.equal(c.crc32Combine(c.crc32(CHECK.subarray(0, 4)), c.crc32(CHECK.subarray(4)), 5), 0xcbf43926);
  const t = Uint8Array.from(CHECK);
  t[0] = 0x61;
  assert.equal(c.asciiUpper(t), 1);
  assert.equal(t[0], 0x41);
  c.free(v);
}

const BUFFER_KERNELS = ['crc32', 'crc32c', 'adler32', 'asciiUpper'];
const NOT_VIEWS = [
  ['a string', '123456789'],
  ['a number', 42],
  ['an array', [1, 2, 3]],
  ['null', null],
  ['undefined', undefined],
  ['an ArrayBuffer', new ArrayBuffer(8)],
  ['a SharedArrayBuffer', new SharedArrayBuffer(8)],
  ['a plain object', { length: 3, 0: 1, 1: 2, 2: 3 }],
  ['a bigint', 5n],
  ['a boolean', true],
  ['a function', () => 1],
];

// -------------------------------------------------------------- buffers

test('a buffer argument that is not a view is a TypeError naming the argument', () => {
  for (const k of BUFFER_KERNELS) {
    for (const [label, v] of NOT_VIEWS) throwsType(() => core[k](v), `${k}: data`, `${k}(${label})`);
  }
  // no argument at all
  for (const k of BUFFER_KERNELS) throwsType(() => core[k](), `${k}: data`, `${k}()`);
  assertHealthy();
});

// -------------------------------------------------------------- scalars

const BAD_U32_RANGE = [
  ['negative', -1],
  ['non-integer', 1.5],
  ['2^32', 2 ** 32],
  ['NaN', NaN],
  ['Infinity', Infinity],
  ['-Infinity', -Infinity],
  ['huge', 1e300],
];
const BAD_U32_TYPE = [
  ['a string', '1'],
  ['a bigint', 1n],
  ['a boolean', true],
  ['null', null],
  ['an array', [1]],
];

test('32-bit scalars: bad values are RangeErrors naming the argument', () => {
  const data = CHECK;
  for (const [label, v] of BAD_U32_RANGE) {
    throwsRange(() => core.crc32(data, v), 'crc32: crc', `crc32 crc ${label}`);
    throwsRange(() => core.crc32c(data, v), 'crc32c: crc', `crc32c crc ${label}`);
    throwsRange(() => core.adler32(data, v), 'adler32: adler', `adler32 adler ${label}`);
    throwsRange(() => core.crc32Combine(v, 0, 1), 'crc32Combine: crc1', `crc32Combine crc1 ${label}`);
    throwsRange(() => core.crc32cCombine(0, v, 1), 'crc32cCombine: crc2', `crc32cCombine crc2 ${label}`);
    throwsRange(() => core.adler32Combine(1, v, 1), 'adler32Combine: adler2', `adler32Combine adler2 ${label}`);
  }
  // the bounds themselves are accepted
  assert.equal(core.crc32(new Uint8Array(0), 0xffffffff), 0xffffffff);
  assert.equal(core.crc32(new Uint8Array(0), 0), 0);
  assertHealthy();
});

test('32-bit scalars: values of the wrong type are TypeErrors naming the argument', () => {
  for (const [label, v] of BAD_U32_TYPE) {
    throwsType(() => core.crc32(CHECK, v), 'crc32: crc', `crc32 crc ${label}`);
    throwsType(() => core.adler32(CHECK, v), 'adler32: adler', `adler32 adler ${label}`);
    throwsType(() => core.crc32Combine(0, v, 1), 'crc32Combine: crc2', `crc32Combine crc2 ${label}`);
  }
  assertHealthy();
});

test('required scalars may not be left out', () => {
  throwsType(() => core.crc32Combine(1, 2), 'crc32Combine: len2');
  throwsType(() => core.crc32cCombine(1), 'crc32cCombine: crc2');
  throwsType(() => core.adler32Combine(), 'adler32Combine: adler1');
  throwsType(() => core.crc32Combine(1, undefined, 3), 'crc32Combine: crc2');
});

test('u64 parameters take numbers and bigints, and reject what does not fit', () => {
  const c1 = core.crc32(CHECK.subarray(0, 4));
  const c2 = core.crc32(CHECK.subarray(4));
  const want = 0xcbf43926;
  assert.equal(core.crc32Combine(c1, c2, 5), want);
  assert.equal(core.crc32Combine(c1, c2, 5n), want);
  // the same large length as number and as bigint
  for (const L of [2 ** 32, 2 ** 40 + 1, Number.MAX_SAFE_INTEGER]) {
    assert.equal(core.crc32Combine(c1, c2, L), core.crc32Combine(c1, c2, BigInt(L)), `len2 ${L}`);
  }
  // accepted limits
  assert.equal(typeof core.crc32Combine(c1, c2, 2n ** 64n - 1n), 'number');
  assert.equal(core.adler32Combine(1, 1, 0), 1);
  assert.equal(core.adler32Combine(1, 1, -0), 1);
  // rejected: negative, unsafe or fractional numbers, NaN, infinities, bigints outside [0, 2^64)
  const badRange = [-1, -1n, 2 ** 53, 2 ** 64, 1.5, NaN, Infinity, -Infinity, 2n ** 64n, -(2n ** 63n)];
  for (const v of badRange) {
    for (const k of ['crc32Combine', 'crc32cCombine', 'adler32Combine']) {
      throwsRange(() => core[k](1, 1, v), `${k}: len2`, `${k} len2 ${typeof v} ${v}`);
    }
  }
  for (const v of ['5', true, null, [5], {}]) {
    throwsType(() => core.crc32Combine(1, 1, v), 'crc32Combine: len2', `len2 ${JSON.stringify(v)}`);
  }
  assertHealthy();
});

test('too many arguments is a TypeError', () => {
  throwsType(() => core.crc32(CHECK, 0, 0), 'crc32');
  throwsType(() => core.crc32c(CHECK, 0, 0), 'crc32c');
  throwsType(() => core.adler32(CHECK, 1, 1), 'adler32');
  throwsType(() => core.asciiUpper(Uint8Array.from(CHECK), 0), 'asciiUpper');
  throwsType(() => core.crc32Combine(1, 2, 3, 4), 'crc32Combine');
  // nothing was changed by the rejected asciiUpper
  const t = Uint8Array.from(CHECK);
  t[0] = 0x61;
  throwsType(() => core.asciiUpper(t, 1), 'asciiUpper');
  assert.equal(t[0], 0x61);
  assertHealthy();
});

test('core kernels take an options object with onProgress only (nothing to abort synchronously)', () => {
  const signal = new AbortController().signal;
  throwsType(() => core.crc32(CHECK, { signal }), 'crc32: unknown option "signal"');
  throwsType(() => core.crc32(CHECK, 0, { signal }), 'crc32: unknown option "signal"');
  throwsType(() => core.asciiUpper(Uint8Array.from(CHECK), { signal }), 'asciiUpper: unknown option "signal"');
  throwsType(() => core.crc32Combine(1, 2, 3, { signal }), 'crc32Combine: unknown option "signal"');
  // before the required arguments, a plain object is a wrong argument
  throwsType(() => core.crc32Combine(1, 2, { signal }), 'crc32Combine: len2');
  throwsType(() => core.crc32({ length: 3 }), 'crc32: data');
  throwsType(() => core.crc32(CHECK, { onProgress: 5 }), 'crc32: options.onProgress');
  assert.equal(core.crc32(CHECK, {}), 0xcbf43926, 'an empty options object is fine');
  assert.equal(core.crc32(CHECK, 0, { onProgress: () => {} }), 0xcbf43926);
  assertHealthy();
});

// ----------------------------------------------------------------- alloc

test('alloc(): bad sizes', () => {
  for (const n of [-1, 1.5, 2 ** 32, 2 ** 40, NaN, Infinity, -Infinity]) {
    throwsRange(() => core.alloc(n), 'alloc: bytes', `alloc(${n})`);
    // the limit named is the heap's (README), not size_t's 2^32 - 1
    throwsRange(() => core.alloc(n), 'from 0 to 4294901760', `alloc(${n})`);
  }
  for (const n of ['8', 8n, null, undefined, {}, [8], true]) {
    throwsType(() => core.alloc(n), 'alloc: bytes', `alloc(${typeof n} ${String(n)})`);
  }
  // sizes that are not a whole number of elements
  throwsRange(() => core.alloc(12, Float64Array), 'alloc', 'alloc(12, Float64Array)');
  throwsRange(() => core.alloc(1, Float64Array), 'alloc', 'alloc(1, Float64Array)');
  throwsRange(() => core.alloc(6, Int32Array), 'alloc', 'alloc(6, Int32Array)');
  throwsRange(() => core.alloc(3, Uint16Array), 'alloc', 'alloc(3, Uint16Array)');
  throwsRange(() => core.alloc(20, BigUint64Array), 'alloc', 'alloc(20, BigUint64Array)');
  // exact multiples are fine, with the right element count
  const f = core.alloc(16, Float64Array);
  assert.ok(f instanceof Float64Array);
  assert.equal(f.length, 2);
  assert.equal(f.byteOffset % 8, 0);
  core.free(f);
  const z = core.alloc(0);
  assert.equal(z.length, 0);
  core.free(z);
  assertHealthy();
});

test('alloc(): a second argument that is not a view constructor is a TypeError', () => {
  for (const C of [Array, ArrayBuffer, Object, 'Uint8Array', {}, null, 1, () => {}, class Foo {}]) {
    throwsType(() => core.alloc(8, C), 'alloc', `alloc(8, ${typeof C === 'function' ? C.name || 'fn' : String(C)})`);
  }
  const dv = core.alloc(8, DataView);
  assert.ok(dv instanceof DataView);
  assert.equal(dv.byteLength, 8);
  core.free(dv);
});

test('alloc() and view(): Buffer and subclasses of the view classes give views of their class; a subclass making views of its own is refused', () => {
  const b = core.alloc(16, Buffer);
  assert.ok(Buffer.isBuffer(b));
  assert.equal(b.length, 16);
  const plain = core.alloc(0);
  assert.equal(b.buffer, plain.buffer, 'a view of the heap');
  core.free(plain);
  b.write('123456789');
  assert.equal(core.crc32(b.subarray(0, 9)), 0xcbf43926);
  class Vec extends Float64Array { norm() { return Math.hypot(...this); } }
  const v = core.alloc(24, Vec);
  assert.ok(v instanceof Vec);
  assert.equal(v.length, 3);
  v.set([3, 4, 12]);
  assert.equal(v.norm(), 13);
  const bytes = core.view(v, Buffer, 8, 8);
  assert.ok(Buffer.isBuffer(bytes));
  assert.equal(bytes.readDoubleLE(0), 4);
  class Dv extends DataView {}
  const d = core.view(v, Dv, 16);
  assert.ok(d instanceof Dv);
  assert.equal(d.getFloat64(0, true), 12);
  const heapSize = core.heapSize;
  // constructors that do not make a view of what they are given
  class Own extends Float32Array { constructor() { super(3); } }
  throwsType(() => core.alloc(12, Own), 'alloc: the constructor Own', 'alloc(12, Own)');
  throwsType(() => core.view(v, Own), 'view: the constructor Own', 'view(v, Own)');
  class Short extends Uint8Array { constructor(buf, at, n) { super(buf, at, n - 1); } }
  throwsType(() => core.alloc(8, Short), 'alloc: the constructor Short', 'alloc(8, Short)');
  // a refused constructor keeps no block: 2,000 refused MiB leave the heap as it was
  for (let i = 0; i < 2000; i++) assert.throws(() => core.alloc(1 << 20, Own), TypeError);
  assert.equal(core.heapSize, heapSize);
  core.free(b);
  core.free(v);
  assertHealthy();
});

test('alloc(): a block larger than the 4 GiB memory can hold is a RangeError, and the core still works', () => {
  const before = core.heapSize;
  throwsRange(() => core.alloc(2 ** 32 - 1), 'alloc', 'alloc(2^32 - 1)');
  throwsRange(() => core.alloc(2 ** 32 - 16, Float64Array), 'alloc', 'alloc(2^32 - 16, Float64Array)');
  // the heap stops 64 KiB short of 4 GiB (Emscripten's emscripten_get_heap_max): the limit named is that one
  throwsRange(() => core.alloc(2 ** 32 - 65535), '4294901760', 'alloc(2^32 - 65535)');
  assert.equal(core.heapSize, before, 'a failed allocation does not grow the heap');
  assertHealthy();
  const v = core.alloc(1 << 20);
  v.fill(0x5a);
  assert.equal(core.crc32(v), zlib.crc32(v));
  core.free(v);
});

// ------------------------------------------------------------------ free

test('free(): views that are not live alloc() blocks are rejected', () => {
  throwsType(() => core.free(new Uint8Array(8)), 'free', 'free(foreign view)');
  throwsType(() => core.free('x'), 'free', 'free(string)');
  throwsType(() => core.free(new ArrayBuffer(8)), 'free', 'free(ArrayBuffer)');
  throwsType(() => core.free(), 'free', 'free()');

  const v = core.alloc(64);
  v.set(CHECK);
  // a subarray that does not start at the block's start
  throwsType(() => core.free(v.subarray(1)), 'free', 'free(subarray at +1)');
  throwsType(() => core.free(v.subarray(16, 32)), 'free', 'free(subarray at +16)');
  // the block survived the failed frees
  assert.equal(core.crc32(v.subarray(0, 9)), 0xcbf43926);
  core.free(v);
  // double free
  throwsType(() => core.free(v), 'free', 'double free');
  assertHealthy();
});

test('free(): a block of another core is rejected', async () => {
  const other = await loadCore();
  const v = other.alloc(16);
  throwsType(() => core.free(v), 'free', 'free(view of another core)');
  other.free(v);
  assertHealthy(other);
});

test('a view of a freed block passed to a kernel is a RangeError', () => {
  const v = core.alloc(256);
  v.fill(0x61);
  core.free(v);
  for (const k of BUFFER_KERNELS) throwsRange(() => core[k](v), `${k}: data`, `${k}(freed)`);
  throwsRange(() => core.crc32(v.subarray(10, 20)), 'crc32: data', 'crc32(subarray of freed)');
  assertHealthy();
});

test('a view into the heap outside any live block is a RangeError', () => {
  const v = core.alloc(64);
  // the heap's lowest bytes (static data), and past the end of the block
  throwsRange(() => core.crc32(new Uint8Array(v.buffer, 8, 16)), 'crc32: data', 'low memory');
  throwsRange(() => core.crc32(new Uint8Array(v.buffer, v.byteOffset, 64 + 4096)), 'crc32: data', 'past the block');
  throwsRange(() => core.asciiUpper(new Uint8Array(v.buffer, v.byteOffset + 32, 64)), 'asciiUpper: data', 'straddling the end');
  core.free(v);
  assertHealthy();
});

// ---------------------------------------- views across heap growth (Node)
// In Node the core's memory is shared (the threaded build's module without
// threads): views from alloc() stay attached when the heap grows. (The
// single-thread build, whose old views detach, serves pages without
// isolation: test/browser/suites/no-shared.js checks it there.)

test('the core is shared memory in Node: growth never detaches a view', async () => {
  const c = await loadCore();
  assert.equal(c.isShared, true);
  const small = c.alloc(16);
  small.set(CHECK.subarray(0, 9));
  const size0 = c.heapSize;
  const large = c.alloc(size0 * 2); // cannot fit: the heap grows
  assert.ok(c.heapSize > size0, 'the heap grew');
  assert.equal(small.byteLength, 16, 'the old view is still attached');
  assert.equal(c.crc32(small.subarray(0, 9)), 0xcbf43926);
  assert.equal(c.asciiUpper(small), 0, 'digits and nothing to change');
  c.free(large);
  c.free(small);
  assertHealthy(c);
});

test('a kernel call on a large foreign buffer does not detach earlier views', async () => {
  const c = await loadCore();
  const v = c.alloc(64);
  v.fill(0x61);
  const size0 = c.heapSize;
  const big = new Uint8Array(size0 * 2).fill(0x62); // copied in: the heap must grow
  assert.equal(c.asciiUpper(big), big.length);
  assert.ok(c.heapSize > size0, 'the copy grew the heap');
  assert.equal(v.byteLength, 64, 'the earlier view is attached');
  assert.equal(c.asciiUpper(v), 64);
  assert.equal(v[0], 0x41);
  assertHealthy(c);
});

test('after growth, the new block and fresh views work', async () => {
  const c = await loadCore();
  c.alloc(16);
  const size0 = c.heapSize;
  const large = c.alloc(size0 * 2);
  assert.ok(c.heapSize > size0);
  large.fill(0x61, 0, 1000);
  large.set(CHECK, 1000);
  assert.equal(c.crc32(large.subarray(1000, 1009)), 0xcbf43926);
  assert.equal(c.asciiUpper(large.subarray(0, 1000)), 1000);
  assert.equal(large[999], 0x41);
  assertHealthy(c);
});

// --------------------------------------------------------------- health

test('many failing calls leave no damage: results, heap size and copies are as before', () => {
  const big = new Uint8Array(4 << 20).fill(0x62);
  core.asciiUpper(Uint8Array.from(big)); // the largest copy below, once
  const size = core.heapSize;
  for (let i = 0; i < 200; i++) {
    assert.throws(() => core.crc32(big, -1));
    assert.throws(() => core.asciiUpper(big, 1));
    assert.throws(() => core.crc32('x'));
    assert.throws(() => core.alloc(-1));
    assert.throws(() => core.free(big));
  }
  // copies of foreign inputs are freed after every call
  for (let i = 0; i < 20; i++) assert.equal(core.asciiUpper(Uint8Array.from(big)), big.length);
  assert.equal(big[0], 0x62, 'the rejected calls did not touch the input');
  assert.equal(core.heapSize, size, 'no growth: temporary copies are released');
  assertHealthy();
});

test('browser loader: a wasm URL answered with an HTML page (a dev server\'s index for a path it does not have) is an error saying so, and what to do', async () => {
  const http = await import('node:http');
  const { makeBrowserEnv } = await import('../../pkg/lib/runtime/env-browser.js');
  const { readFileSync } = await import('node:fs');
  const wasm = readFileSync(new URL('../../pkg/wasm/parawasm.wasm', import.meta.url));
  const server = http.createServer((req, res) => {
    if (req.url === '/real.wasm') res.writeHead(200, { 'content-type': 'application/wasm' }).end(wasm);
    else if (req.url === '/missing.wasm') res.writeHead(404).end('not found');
    else res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><html><body>app</body></html>');
  });
  await new Promise((resolve) => { server.listen(0, '127.0.0.1', resolve); });
  const base = `http://127.0.0.1:${server.address().port}`;
  try {
    const env = (path) => makeBrowserEnv({ st: { wasm: new URL(path, base), glue: async () => ({}) } });
    await assert.rejects(env('/node_modules/.vite/deps/wasm/x.wasm').compile('st'), (e) =>
      /x\.wasm answered with an HTML page, not the wasm file: .*optimizeDeps\.exclude/.test(e.message));
    await assert.rejects(env('/missing.wasm').compile('st'), /missing\.wasm: HTTP 404; the package's files must be served/);
    assert.ok((await env('/real.wasm').compile('st')) instanceof WebAssembly.Module, 'the real file compiles');
  } finally {
    server.close();
  }
});

test('a package file that cannot be read: "was the package built?" when it is missing, the permissions named when they refused it', async () => {
  const { execFileSync } = await import('node:child_process');
  const { cpSync, mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { fileURLToPath } = await import('node:url');
  const pkg = fileURLToPath(new URL('../../pkg/', import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'pw-load-'));
  try {
    cpSync(pkg, join(dir, 'pkg'), { recursive: true });
    const script = join(dir, 'load.mjs');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(script, "import { loadCore } from './pkg/index.js';\n" +
      'try { await loadCore(); console.log("loaded"); } catch (e) { console.log(e.code + " " + e.message); }\n');
    const run = (args) => execFileSync(process.execPath, [...args, script], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    // Node's permission model reading the JS and not the wasm files
    const readable = ['load.mjs', 'pkg/package.json', 'pkg/index.js', 'pkg/lib/', 'pkg/gen/'].map((p) => `--allow-fs-read=${join(dir, p)}`);
    let out = run(['--experimental-permission', ...readable]);
    assert.match(out, /^ERR_PW_LOAD cannot load .*parawasm(-mt)?\.wasm: .*\(the runtime's permissions refused to read the package's files\)$/);
    assert.doesNotMatch(out, /was the package built/);
    // the same files missing
    rmSync(join(dir, 'pkg/wasm'), { recursive: true });
    out = run([]);
    assert.match(out, /^ERR_PW_LOAD cannot load .*parawasm(-mt)?\.wasm: [\s\S]* \(was the package built\?\)$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
