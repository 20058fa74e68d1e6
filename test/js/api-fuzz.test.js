// Random arguments through every method of the families (image.*, array.*)
// and the hash entry points, on the core and a pool: whatever a call is
// given, it returns, or fails with a TypeError, RangeError, AbortError or
// one of parawasm's errors whose message names the method (README,
// Errors) — never an error from inside the engine ("Cannot read
// properties of undefined"), never a hang, and the core or pool still
// gives right results afterwards. Seeded: a failure names its seed, call
// and arguments.
//
//   node --test test/js/api-fuzz.test.js
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { ParawasmError, createPool, loadCore } from '../../pkg/index.js';
import { runProcess } from './helpers/pool-test-utils.js';

const CALLS = 15000; // a seed's calls on each of the core and the pool
const HANG = 20000; // ms a pool call may take before it counts as hung
const CHECK = new TextEncoder().encode('123456789');

let core;
let pool;
before(async () => {
  core = await loadCore();
  pool = await createPool({ threads: 2 });
});
after(() => pool?.destroy());

function prng(seed) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

// the values a call's arguments are drawn from: of every type, and the
// shapes the methods take, right and wrong
function values(api) {
  const img = (w, h, ch = 4) => ({ data: api.alloc(w * h * ch), width: w, height: h, ...(ch === 1 ? { channels: 1 } : {}) });
  const freed = api.alloc(16);
  api.free(freed);
  const detached = new Uint8Array(16);
  structuredClone(detached.buffer, { transfer: [detached.buffer] });
  const aborted = new AbortController();
  aborted.abort();
  return [undefined, null, 0, 1, -1, 2, 3, 0.5, NaN, Infinity, -Infinity, 2 ** 32, 2 ** 53, 1e300, -0, 7, 16, 90, 255, 256,
    '', 'abc', 'lanczos3', 'png', 'jpeg', 'edge', '#fff', 'red', 'sha256', 1n, -1n, 2n ** 64n, true, false, Symbol('x'), () => 1,
    {}, [], [1, 2, 3], [[1, 2], [3, 4]], [0.1, 0.9], [0.5], new Array(20).fill(0.1), { width: 4, height: 4 }, { width: 0, height: 4 },
    { left: 1, top: 1 }, { bins: 4 }, { bins: 0 }, { lo: 1, hi: 0 }, { descending: true }, { signal: aborted.signal },
    { signal: new AbortController().signal }, { dst: null }, { out: new Float64Array(3) }, { m: 2 }, { k: 2 }, { filter: 'nope' },
    { fit: 'cover' }, { quality: 101 }, { format: 'gif' }, { channels: 3 }, { edges: [0, 1, 0.5] }, { edges: [0, 1] }, { exclusive: 1 },
    { normalize: true }, { ddof: 5 }, { bigint: true }, { seed: 3 }, { outLength: 7 },
    new Uint8Array(0), new Uint8Array(16), new Uint8ClampedArray(64), new Int8Array(8), new Uint16Array(8), new Int32Array(8),
    new Uint32Array(9), new Float32Array(8), new Float64Array(8), new Float64Array([NaN, -0, 0, Infinity]), new BigInt64Array(4),
    new BigUint64Array(4), new DataView(new ArrayBuffer(8)), new ArrayBuffer(8),
    typeof SharedArrayBuffer === 'function' ? new SharedArrayBuffer(8) : new ArrayBuffer(16),
    api.alloc(64), api.alloc(64, Float64Array), api.alloc(0), freed, detached,
    img(4, 4), img(1, 1), img(3, 5, 1), img(2, 2).data, { data: new Uint8Array(15), width: 2, height: 2 },
    { data: api.alloc(64), width: 4, height: 4, channels: 2 },
    new Proxy({}, { get() { throw new Error('a getter of the caller\'s'); } }), Object.create(null), new Date(), /x/, new Map(),
    Float64Array, Uint8Array, Int32Array,
  ];
}

// the methods, as [name, function]; the pool's return promises but for these
const SYNC = new Set(['image.create', 'image.free', 'image.chain', 'createHash', 'inHeap', 'view']);
function methods(api) {
  const ns = (name) => Object.keys(api[name]).filter((k) => typeof api[name][k] === 'function').map((k) => [`${name}.${k}`, api[name][k].bind(api[name])]);
  const top = ['createHash', 'hashMany', 'sha256', 'xxh64', 'xxh3', 'crc32', 'md5', 'blake3', 'crc32Combine', 'view', 'inHeap'];
  return [...ns('image'), ...ns('array'), ...top.map((k) => [k, api[k].bind(api)])];
}

const describeArgs = (args) => args.map((a) => {
  if (a === null || a === undefined) return String(a);
  if (ArrayBuffer.isView(a)) return `${a.constructor.name}(${a.byteLength} bytes)`;
  if (typeof a === 'bigint') return `${a}n`;
  if (typeof a === 'symbol' || typeof a === 'function') return typeof a;
  try {
    return JSON.stringify(a, (k, v) => (ArrayBuffer.isView(v) ? `${v.constructor.name}(${v.byteLength} bytes)` : typeof v === 'bigint' ? `${v}n` : v)) ?? typeof a;
  } catch {
    return typeof a;
  }
}).join(', ');

/** Why an error thrown or rejected by `where` is not one the README allows, or null. */
function wrong(where, e) {
  if (e instanceof Error && e.message === 'a getter of the caller\'s') return null; // the caller's own error, passed on
  if (!(e instanceof ParawasmError || e instanceof TypeError || e instanceof RangeError || e?.name === 'AbortError')) {
    return `an error of another kind: ${e?.name}: ${e?.message}`;
  }
  const short = where.slice(where.indexOf('.') + 1);
  const named = [where, short].some((n) => e.message.includes(n));
  if (!named) return `a message that does not name the method: ${e.name}: ${e.message}`;
  return null;
}

async function fuzz(seed) {
  const r = prng(seed);
  const pick = (a) => a[Math.floor(r() * a.length)];
  for (const [label, api] of [['core', core], ['pool', pool]]) {
    const ms = methods(api);
    for (let i = 0; i < CALLS; i++) {
      const vs = values(api);
      const [where, f] = pick(ms);
      const args = Array.from({ length: Math.floor(r() * 5) }, () => pick(vs));
      // (mostly an algorithm there is, so that the hash's methods are tried)
      if (where === 'createHash' && r() < 0.7) args[0] = pick(['sha256', 'md5', 'sha1', 'xxh64', 'xxh3', 'blake3', 'crc32', 'adler32']);
      const what = () => `seed ${seed}, ${label} call ${i}: ${where}(${describeArgs(args)})`;
      let out;
      try {
        out = f(...args);
      } catch (e) {
        const why = wrong(where, e);
        if (why) assert.fail(`${what()}: ${why}`);
        if (label === 'pool' && !SYNC.has(where)) assert.fail(`${what()}: threw instead of rejecting: ${e.message}`);
        continue;
      }
      // a hash: random calls of its methods, whose errors name <algorithm>.<method>
      if (where === 'createHash' && out && typeof out.update === 'function') {
        for (let j = 0; j < 4; j++) {
          const m = pick(['update', 'update', 'digest', 'dispose', ...(label === 'pool' ? ['flush'] : [])]);
          const margs = Array.from({ length: Math.floor(r() * 3) }, () => pick(vs));
          const mwhat = () => `${what()}, then .${m}(${describeArgs(margs)})`;
          let res;
          try {
            res = out[m](...margs);
          } catch (e) {
            const why = wrong(`${out.algorithm}.${m}`, e);
            if (why) assert.fail(`${mwhat()}: ${why}`);
            continue;
          }
          if (res && typeof res.then === 'function') {
            const e = await res.then(() => null, (x) => x);
            const why = e === null ? null : wrong(`${out.algorithm}.${m}`, e);
            if (why) assert.fail(`${mwhat()}: ${why}`);
          }
        }
        out.dispose();
      }
      if (out && typeof out.then === 'function') {
        let timer;
        const settled = await Promise.race([
          out.then(() => null, (e) => ({ e })),
          new Promise((res) => { timer = setTimeout(() => res('hung'), HANG); }),
        ]);
        clearTimeout(timer);
        if (settled === 'hung') assert.fail(`${what()}: did not settle in ${HANG} ms`);
        if (settled !== null) {
          const why = wrong(where, settled.e);
          if (why) assert.fail(`${what()}: ${why}`);
        }
      }
      if (i % 500 === 499) {
        const v = api.alloc(CHECK.length);
        v.set(CHECK);
        assert.equal(await api.crc32(v), 0xcbf43926, `${what()}: crc32 after it`);
        api.free(v);
      }
    }
  }
}

for (const seed of [1, 2, 3]) {
  test(`seed ${seed}: ${CALLS} calls of random arguments on each of the core and a pool give typed errors naming the method`, () => fuzz(seed));
}

// the same in a process without SharedArrayBuffer: the fallback pool, whose
// errors cross from its worker
test('the same seeds on the fallback pool (a process without SharedArrayBuffer)', { skip: process.env.PW_FUZZ_FALLBACK === '1' }, async () => {
  const preload = new URL('../runtimes/no-sab-preload.mjs', import.meta.url).pathname;
  const self = new URL(import.meta.url).pathname;
  // (the child is a test run of its own, not a part of this one's)
  const saved = { PW_FUZZ_FALLBACK: process.env.PW_FUZZ_FALLBACK, NODE_TEST_CONTEXT: process.env.NODE_TEST_CONTEXT };
  process.env.PW_FUZZ_FALLBACK = '1';
  delete process.env.NODE_TEST_CONTEXT;
  try {
    const r = await runProcess(process.execPath, ['--import', preload, '--test', '--test-reporter=spec', self], { timeout: 600000 });
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout + r.stderr, /no shared memory/, 'the fallback pool ran');
    assert.match(r.stdout, /pass 3/);
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
});
