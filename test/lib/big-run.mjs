// One run of the multi-GiB checks, in a process of its own (its heap of up
// to 4 GiB goes when it exits): `node test/lib/big-run.mjs '<json>'`, with
//   { pkg, threads (0: the core), length, sizes, kernels, aborts, cache, seed }
// It allocates `length` bytes in the pool's (or core's) heap, writes the
// sparse data of test/lib/sparse.mjs, and for each size in `sizes` runs
// each kernel on the first `size` bytes, in place, against a reference:
// the sparse-data model (crc32, crc32c, adler32, asciiUpper), Node's zlib
// (crc32) and crypto (md5, sha1, sha224, sha256), hash-wasm (xxHash,
// blake3), read from the same bytes. References that read the bytes are
// kept in `cache` (a JSON file), so that runs on other thread counts need
// not compute them again. Prints one line a check; exits 1 if one failed.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import zlib from 'node:zlib';

import * as hw from 'hash-wasm';

import {
  clip, lowerCount, makeRecords, slices, sparseAdler32, sparseCrc32, sparseCrc32c, upperRecords, writeRecords,
} from './sparse.mjs';

const cfg = JSON.parse(process.argv[2] ?? 'null');
if (!cfg) {
  console.log('usage: node test/lib/big-run.mjs \'{"threads":2,"length":...,"sizes":[...],"kernels":[...]}\'');
  process.exit(0);
}
const ROOT = resolve(new URL('../..', import.meta.url).pathname);
const { createPool, loadCore, AbortError } = await import(pathToFileURL(resolve(ROOT, cfg.pkg ?? 'pkg', 'index.js')).href);
const bundle = await import(pathToFileURL(resolve(ROOT, cfg.pkg ?? 'pkg', 'gen/kernels.js')).href);
const { hashList } = await import(pathToFileURL(resolve(ROOT, cfg.pkg ?? 'pkg', 'lib/families/hash.js')).href);
const HASHES = hashList(bundle);
const HASH_STATE_SIZE = bundle.CONSTANTS.PW_HASH_STATE_SIZE;

let failed = 0;
const t00 = performance.now();
const say = (s) => console.log(`${((performance.now() - t00) / 1000).toFixed(1).padStart(6)} s  ${s}`);
function check(ok, what, detail = '') {
  if (!ok) failed++;
  say(`${ok ? 'ok  ' : 'FAIL'} ${what}${ok || !detail ? '' : `: ${detail}`}`);
}
const hex = (v) => (typeof v === 'number' ? v.toString(16).padStart(8, '0') : typeof v === 'bigint' ? v.toString(16) : Buffer.from(v).toString('hex'));

const where = cfg.threads ? `pool of ${cfg.threads} thread${cfg.threads > 1 ? 's' : ''}` : 'core';
const api = cfg.threads ? await createPool({ threads: cfg.threads }) : await loadCore();
const heap = api.alloc(cfg.length);
const all = makeRecords(cfg.length, cfg.seed);
writeRecords(heap, all);
say(`${where}: ${cfg.length} bytes at ${heap.byteOffset}, ${all.length} records`);

const cache = cfg.cache && existsSync(cfg.cache) ? JSON.parse(readFileSync(cfg.cache, 'utf8')) : {};
const cacheKey = (alg, n) => `${cfg.seed}:${cfg.length}:${n}:${alg}`;

// ---------------------------------------------------------------- references

const STREAM = {
  md5: () => createHash('md5'), sha1: () => createHash('sha1'), sha224: () => createHash('sha224'), sha256: () => createHash('sha256'),
};
const HW = {
  xxh32: () => hw.createXXHash32(0), xxh64: () => hw.createXXHash64(0, 0), xxh3: () => hw.createXXHash3(0, 0),
  xxh128: () => hw.createXXHash128(0, 0), blake3: () => hw.createBLAKE3(256),
};

/** The reference of `alg` for the first n bytes, as lower-case hex. */
async function reference(alg, view, recs) {
  const n = view.length;
  switch (alg) {
    case 'crc32': return hex(sparseCrc32(n, recs));
    case 'crc32c': return hex(sparseCrc32c(n, recs));
    case 'adler32': return hex(sparseAdler32(n, recs));
    default: break;
  }
  const key = cacheKey(alg, n);
  if (cache[key]) return cache[key];
  const t0 = performance.now();
  let h;
  if (STREAM[alg]) {
    const s = STREAM[alg]();
    for (const piece of slices(view)) s.update(piece);
    h = s.digest('hex');
  } else {
    const s = await HW[alg]();
    s.init();
    for (const piece of slices(view)) s.update(piece);
    h = s.digest('hex');
  }
  say(`     reference ${alg} of ${n} bytes in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  cache[key] = h;
  if (cfg.cache) writeFileSync(cfg.cache, JSON.stringify(cache, null, 1));
  return h;
}

/** The kernel's result as lower-case hex (as the references give it). */
const run = {
  crc32: (v) => api.crc32(v), crc32c: (v) => api.crc32c(v), adler32: (v) => api.adler32(v),
  xxh32: (v) => api.xxh32(v), xxh64: (v) => api.xxh64(v), xxh3: (v) => api.xxh3(v), xxh128: (v) => api.xxh128(v),
  md5: (v) => api.md5(v), sha1: (v) => api.sha1(v), sha224: (v) => api.sha224(v), sha256: (v) => api.sha256(v),
  blake3: (v) => api.blake3(v),
};
const pad = { xxh64: 16, xxh3: 16, xxh128: 32 };
const asHex = (alg, v) => hex(v).padStart(pad[alg] ?? 0, '0');

// ---------------------------------------------------------------- checks

async function checkKernels(n) {
  const view = heap.subarray(0, n);
  const recs = clip(all, n);
  if (n === cfg.sizes[0] || n === cfg.length) {
    // the bytes are as described (Node's zlib reads them)
    let c = 0;
    for (const piece of slices(view)) c = zlib.crc32(piece, c);
    check(hex(c >>> 0) === hex(sparseCrc32(n, recs)), `${n} bytes: the data matches its description (zlib.crc32)`);
  }
  for (const alg of cfg.kernels) {
    if (!run[alg]) continue;
    const t0 = performance.now();
    const got = asHex(alg, await run[alg](view));
    const ms = performance.now() - t0;
    const want = await reference(alg, view, recs);
    check(got === want, `${alg} of ${n} bytes (${(ms / 1000).toFixed(1)} s)`, `${got}, want ${want}`);
  }
  if (cfg.kernels.includes('hashMany')) {
    // the whole view beside a small one (its tail), split across the threads
    const tail = heap.subarray(n - 5000, n);
    const got = await api.hashMany('crc32', [view, tail], { encoding: 'hex' });
    const want = [hex(sparseCrc32(n, recs)), hex(zlib.crc32(tail))];
    check(got[0] === want[0] && got[1] === want[1], `hashMany crc32 of ${n} bytes and its tail`, `${got}, want ${want}`);
    if (cfg.kernels.includes('xxh64')) {
      const [x] = await api.hashMany('xxh64', [view], { encoding: 'hex' });
      check(x === await reference('xxh64', view, recs), `hashMany xxh64 of ${n} bytes`, x);
    }
  }
  if (cfg.kernels.includes('createHash')) {
    for (const alg of ['crc32', 'xxh64', 'sha256'].filter((a) => a === 'crc32' || cfg.kernels.includes(a))) {
      const h = api.createHash(alg);
      h.update(view);
      const got = await h.digest('hex');
      check(got === await reference(alg, view, recs), `createHash ${alg} of ${n} bytes`, got);
    }
  }
}

/** Aborted multi-GiB calls reject with AbortError, and stop: each shows it. */
async function checkAborts() {
  if (!cfg.threads) return; // the core's calls are synchronous
  const { blockUntilStarted } = await import('../js/helpers/pool-test-utils.js');
  const isAbort = (e) => e instanceof AbortError && e.code === 'ABORT_ERR';

  // a streaming update (sequential: pw_feed): the state shows how far it got
  const xxh64 = HASHES.find((h) => h.name === 'xxh64');
  const state = api.alloc(HASH_STATE_SIZE);
  await api.invoke('hashInit', [state, xxh64.id, 0, 0, new Uint8Array(0)]);
  let ac = new AbortController();
  let p = api.invoke('hashUpdate', [state, heap, { signal: ac.signal }]);
  blockUntilStarted(api);
  ac.abort();
  let err = await p.then(() => null, (e) => e);
  check(isAbort(err), 'an aborted xxh64 update rejects with AbortError', String(err));
  const partial = hex(await api.invoke('hashDigest', [state, 8]));
  const full = await reference('xxh64', heap, all);
  check(partial !== full, `the aborted update stopped before the end of its ${cfg.length} bytes (its state is not the whole input's)`);
  api.free(state);

  // one-shot sequential kernels
  for (const alg of ['xxh64', 'sha256']) {
    ac = new AbortController();
    p = api[alg](heap, { signal: ac.signal });
    blockUntilStarted(api);
    ac.abort();
    err = await p.then(() => null, (e) => e);
    check(isAbort(err), `an aborted ${alg} of ${cfg.length} bytes rejects with AbortError`, String(err));
  }

  // in place: the records past where it stopped keep their lower case
  ac = new AbortController();
  p = api.asciiUpper(heap, { signal: ac.signal });
  blockUntilStarted(api);
  ac.abort();
  err = await p.then(() => null, (e) => e);
  check(isAbort(err), 'an aborted asciiUpper rejects with AbortError', String(err));
  const lower = all.filter((r) => r.bytes.some((b, i) => b >= 0x61 && b <= 0x7a && heap[r.pos + i] === b)).length;
  check(lower > 0, `the aborted asciiUpper stopped (${lower} of ${all.length} records left as they were)`);
  writeRecords(heap, all); // as they were, for what follows
}

async function checkUpper(n) {
  const view = heap.subarray(0, n);
  const recs = clip(all, n);
  const before = lowerCount(recs.map((r) => ({ bytes: r.bytes.map((b, i) => heap[r.pos + i]) })));
  const t0 = performance.now();
  const count = await api.asciiUpper(view);
  check(count === before, `asciiUpper of ${n} bytes: ${count} letters (${((performance.now() - t0) / 1000).toFixed(1)} s)`, `want ${before}`);
  let c = 0;
  for (const piece of slices(view)) c = zlib.crc32(piece, c);
  check(hex(c >>> 0) === hex(sparseCrc32(n, upperRecords(recs))), `asciiUpper of ${n} bytes: the bytes are right (zlib.crc32)`);
}

try {
  for (const n of cfg.sizes) await checkKernels(n);
  if (cfg.aborts) await checkAborts();
  if (cfg.kernels.includes('asciiUpper')) for (const n of cfg.sizes) await checkUpper(n);
} catch (e) {
  failed++;
  say(`FAIL ${e?.stack ?? e}`);
} finally {
  if (api.destroy) await api.destroy();
}
say(`${where}: ${failed ? `${failed} FAILED` : 'all passed'}`);
process.exit(failed ? 1 : 0);
