// Checks of the single-thread core (loadCore), shared by every place it
// runs: a module worker, a page's main thread, and the esbuild bundle.
// `api` is the module namespace of parawasm's browser entry.
import {
  assert, bytesEqual, equal, rejects, Suite, throws,
} from './runner.js';
import {
  CHECK, CHECK_INPUT, fillRandom, refAdler32, refAsciiUpper, refCrc32, refCrc32c,
} from '../../lib/ref.js';
import { hashChecks } from './hash-checks.js';

const KERNELS = { crc32: refCrc32, crc32c: refCrc32c, adler32: refAdler32 };

export async function coreChecks(api, prefix) {
  const s = new Suite(prefix);
  let core;

  await s.test('the entry exports loadCore, createPool and the error classes', () => {
    for (const name of ['loadCore', 'createPool', 'hex', 'ParawasmError', 'AbortError', 'PoolCrashedError', 'PoolDestroyedError']) {
      equal(typeof api[name], 'function', `export ${name}`);
    }
  });

  await s.test('loadCore() resolves to a core with the kernels', async () => {
    core = await api.loadCore();
    for (const k of ['crc32', 'crc32c', 'adler32', 'asciiUpper', 'alloc', 'free']) equal(typeof core[k], 'function', `core.${k}`);
    assert(core.heapSize > 0, 'core.heapSize > 0');
  });
  if (!core) return s.results;

  await s.test('crc32/crc32c/adler32 of "123456789" are the published check values', () => {
    for (const k of Object.keys(KERNELS)) {
      equal(core[k](CHECK_INPUT), CHECK[k], `${k}("123456789")`);
      equal(api.hex(core[k](CHECK_INPUT)), CHECK[k].toString(16).padStart(8, '0'), `hex(${k})`);
    }
    equal(core.crc32(new Uint8Array(0)), 0, 'crc32 of nothing');
    equal(core.adler32(new Uint8Array(0)), 1, 'adler32 of nothing');
  });

  await s.test('checksums of random data equal the JS reference (sizes 1 B to 3 MiB, odd offsets, DataView, chaining)', () => {
    const big = fillRandom(new Uint8Array((3 << 20) + 13), 0xc0ffee);
    const cases = [1, 3, 15, 16, 17, 63, 255, 4096 + 5, 65537, 1 << 20, (1 << 20) + 1, big.length - 1];
    for (const n of cases) {
      for (const off of [0, 1, 7]) {
        if (off + n > big.length) continue;
        const v = big.subarray(off, off + n);
        for (const [k, ref] of Object.entries(KERNELS)) equal(core[k](v), ref(v), `${k} of ${n} bytes at offset ${off}`);
      }
    }
    // any view is read as its bytes
    const dv = new DataView(big.buffer, 5, 1000);
    equal(core.crc32(dv), refCrc32(dv), 'crc32 of a DataView');
    const u32 = new Uint32Array(big.buffer, 8, 1000);
    equal(core.crc32c(u32), refCrc32c(u32), 'crc32c of a Uint32Array');
    // running values continue a checksum
    const a = big.subarray(0, 1234567);
    const b = big.subarray(1234567);
    for (const [k, ref] of Object.entries(KERNELS)) {
      equal(core[k](b, core[k](a)), ref(big), `${k}(b, ${k}(a)) = ${k}(a ++ b)`);
    }
  });

  await s.test('asciiUpper works in place, on a heap view and on a JS array', () => {
    const text = new TextEncoder().encode('Hello, wörld! abc-xyz {ABC} 0123 ~`@[ \u00e9t\u00e9 the end');
    const [want, changed] = refAsciiUpper(text);
    // a JS array: copied in, run, copied back into the same array
    const js = Uint8Array.from(text);
    equal(core.asciiUpper(js), changed, 'asciiUpper returns the number of bytes changed');
    bytesEqual(js, want, 'asciiUpper of a JS Uint8Array');
    // a view from core.alloc(): changed where it lies
    const v = core.alloc(text.length);
    v.set(text);
    equal(core.asciiUpper(v), changed, 'return value on a heap view');
    bytesEqual(v, want, 'asciiUpper of a core.alloc() view');
    core.free(v);
    // a sub-range is changed and nothing around it
    const sub = Uint8Array.from(text);
    core.asciiUpper(sub.subarray(7, 12));
    bytesEqual(sub.subarray(0, 7), text.subarray(0, 7), 'bytes before the sub-range');
    bytesEqual(sub.subarray(12), text.subarray(12), 'bytes after the sub-range');
    bytesEqual(sub.subarray(7, 12), want.subarray(7, 12), 'the sub-range');
  });

  await s.test('core.alloc() views lie in the heap, are used in place, and free() checks its argument', () => {
    const u8 = core.alloc(1 << 16);
    assert(u8 instanceof Uint8Array, 'alloc() gives a Uint8Array');
    equal(u8.length, 1 << 16, 'length');
    equal(u8.byteOffset % 16, 0, 'alloc() views are 16-byte aligned');
    fillRandom(u8, 42);
    equal(core.crc32(u8), refCrc32(u8), 'crc32 of a heap view');
    equal(core.adler32(u8.subarray(3, 999)), refAdler32(u8.subarray(3, 999)), 'adler32 of a sub-view of a heap view');
    const f64 = core.alloc(64, Float64Array);
    assert(f64 instanceof Float64Array && f64.length === 8, 'alloc(64, Float64Array) is 8 doubles');
    const u32 = core.alloc(64, Uint32Array);
    assert(u32 instanceof Uint32Array && u32.length === 16, 'alloc(64, Uint32Array) is 16 words');
    const dv = core.alloc(32, DataView);
    assert(dv instanceof DataView && dv.byteLength === 32, 'alloc(32, DataView)');
    // the heap must not have grown since u8 was made (else u8 is detached)
    if (u8.byteLength) equal(u8.buffer, f64.buffer, 'views share the heap buffer');
    throws(() => core.alloc(3, Uint32Array), { Ctor: RangeError }, 'alloc(3, Uint32Array)');
    throws(() => core.alloc(-1), { Ctor: RangeError }, 'alloc(-1)');
    throws(() => core.alloc('10'), { Ctor: TypeError }, "alloc('10')");
    for (const v of [f64, u32, dv]) core.free(v);
    core.free(u8);
    throws(() => core.free(u8), { Ctor: TypeError }, 'free() of a view already freed');
    throws(() => core.free(new Uint8Array(4)), { Ctor: TypeError }, 'free() of a view not from alloc()');
  });

  await s.test('heap growth: a large alloc() grows the heap; an earlier view stays attached where memory is shared, else is detached and refused', () => {
    const c2 = core;
    equal(c2.isShared, globalThis.crossOriginIsolated === true, 'the core is shared memory exactly where the page is isolated');
    const small = c2.alloc(64);
    small.set(CHECK_INPUT);
    equal(c2.crc32(small.subarray(0, 9)), CHECK.crc32, 'crc32 of a heap view before growth');
    const before = c2.heapSize;
    const big = c2.alloc(before + (8 << 20)); // cannot fit: the heap grows
    assert(c2.heapSize > before, `heapSize grew (${before} -> ${c2.heapSize})`);
    fillRandom(big, 11);
    equal(c2.crc32(big), refCrc32(big), 'crc32 of the new large view');
    if (c2.isShared) {
      equal(small.byteLength, 64, 'the earlier view is still attached (shared memory)');
      equal(c2.crc32(small.subarray(0, 9)), CHECK.crc32, 'and still works');
    } else {
      equal(small.byteLength, 0, 'the earlier view was detached by the growth');
      throws(() => c2.crc32(small), { Ctor: TypeError }, 'crc32 of a detached view');
    }
    c2.free(big);
  });

  await s.test('bad arguments throw TypeError / RangeError before running', () => {
    throws(() => core.crc32('123456789'), { Ctor: TypeError, code: 'ERR_INVALID_ARG_TYPE' }, "crc32('123456789')");
    throws(() => core.crc32(), { Ctor: TypeError }, 'crc32()');
    throws(() => core.crc32([1, 2, 3]), { Ctor: TypeError }, 'crc32([1, 2, 3])');
    throws(() => core.crc32(new ArrayBuffer(4)), { Ctor: TypeError }, 'crc32(ArrayBuffer)');
    throws(() => core.crc32(CHECK_INPUT, 'x'), { Ctor: TypeError }, "crc32(data, 'x')");
    throws(() => core.crc32(CHECK_INPUT, -1), { Ctor: RangeError }, 'crc32(data, -1)');
    throws(() => core.crc32(CHECK_INPUT, 0, 0), { Ctor: TypeError }, 'crc32 with too many arguments');
    throws(() => core.asciiUpper(null), { Ctor: TypeError }, 'asciiUpper(null)');
    // the core still works after the errors
    equal(core.crc32(CHECK_INPUT), CHECK.crc32, 'crc32 after errors');
  });

  await s.test('loadCore() checks its options; a second core is independent', async () => {
    await rejects(api.loadCore({ threads: 2 }), { Ctor: TypeError }, 'loadCore({ threads: 2 })');
    await rejects(api.loadCore(5), { Ctor: TypeError }, 'loadCore(5)');
    const other = await api.loadCore();
    assert(other !== core, 'a new core');
    equal(other.crc32c(CHECK_INPUT), CHECK.crc32c, 'second core crc32c');
  });

  await hashChecks(s, core, 'core');
  return s.results;
}
