// parawasm's main demo (`make demo`): checksums and hashes of built-in
// sample data on the single-thread core and on the pool, checked against
// Node's zlib and crypto, with the main thread left free while the pool works.
import { availableParallelism } from 'node:os';
import { createHash as nodeHash } from 'node:crypto';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { createPool, hex, loadCore } from '../pkg/index.js';

const MiB = 1 << 20;

// Built-in sample data: 256 MiB of deterministic pseudo-random bytes
// (xorshift32), and a short text.
function fillSample(view) {
  const words = new Uint32Array(view.buffer, view.byteOffset, view.byteLength >>> 2);
  let x = 0x2545f491;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    words[i] = x;
  }
}
const TEXT = 'parawasm runs C kernels from JavaScript on every core, over one shared memory.';

const ms = (t0) => `${(performance.now() - t0).toFixed(1)} ms`;
const rate = (bytes, t0) => `${(bytes / 1e9 / ((performance.now() - t0) / 1e3)).toFixed(2)} GB/s`;

console.log(`parawasm demo — Node ${process.version}, ${availableParallelism()} cores\n`);

// 1. The single-thread core: synchronous calls.
let t0 = performance.now();
const core = await loadCore();
console.log(`loadCore()                      ${ms(t0)}`);
const text = new TextEncoder().encode(TEXT);
console.log(`core.crc32("123456789")         ${hex(core.crc32(new TextEncoder().encode('123456789')))} (published check value cbf43926)`);
const changed = core.asciiUpper(text); // in place: `text` itself changes
console.log(`core.asciiUpper(text)           ${changed} bytes changed -> "${new TextDecoder().decode(text).slice(0, 40)}..."`);

// 2. The pool: the same kernels, async, on every core.
t0 = performance.now();
const pool = await createPool();
console.log(`createPool()                    ${ms(t0)} (${pool.threads} threads)\n`);

const size = 256 * MiB;
const buf = pool.alloc(size); // a Uint8Array over the pool's shared memory
t0 = performance.now();
fillSample(buf);
console.log(`sample data                     ${size / MiB} MiB generated in ${ms(t0)}`);

t0 = performance.now();
const reference = zlibCrc32(buf);
console.log(`zlib.crc32 (main thread)        ${hex(reference)}  ${rate(size, t0)}`);

t0 = performance.now();
const fromCore = core.crc32(buf); // a view from elsewhere: the core streams it in pieces
console.log(`core.crc32 (main thread)        ${hex(fromCore)}  ${rate(size, t0)}`);

// While the pool works, the main thread keeps running timers.
let ticks = 0;
const timer = setInterval(() => { ticks++; }, 1);
t0 = performance.now();
const [c32, c32c, adler] = [await pool.crc32(buf), await pool.crc32c(buf), await pool.adler32(buf)];
const elapsed = performance.now() - t0;
clearInterval(timer);
console.log(`pool.crc32                      ${hex(c32)}  (${c32 === reference ? 'matches zlib' : 'MISMATCH'})`);
console.log(`pool.crc32c                     ${hex(c32c)}`);
console.log(`pool.adler32                    ${hex(adler)}`);
console.log(`${`3 x ${size / MiB} MiB on the pool`.padEnd(32)}${elapsed.toFixed(1)} ms, ${(3 * size / 1e9 / (elapsed / 1e3)).toFixed(2)} GB/s; ` +
  `the main thread's 1 ms timer ticked ${ticks} times meanwhile`);

// 3. Splitting and joining: the CRC of the whole from the CRCs of the halves.
const half = size / 2;
const [a, b] = await Promise.all([pool.crc32(buf.subarray(0, half)), pool.crc32(buf.subarray(half))]);
console.log(`crc32Combine(halves)            ${hex(core.crc32Combine(a, b, half))}  (${core.crc32Combine(a, b, half) === reference ? 'matches' : 'MISMATCH'})`);

// 4. Hashes: BLAKE3 splits one input across every thread; SHA-256 and the
//    others are sequential, so many inputs go to hashMany() instead.
t0 = performance.now();
const sha = Buffer.from(core.sha256(buf)).toString('hex');
console.log(`\ncore.sha256 (main thread)       ${sha.slice(0, 16)}...  ${rate(size, t0)}`);
t0 = performance.now();
const nodeSha = nodeHash('sha256').update(buf).digest('hex');
console.log(`crypto sha256 (OpenSSL)         ${nodeSha.slice(0, 16)}...  ${rate(size, t0)}  (${nodeSha === sha ? 'matches' : 'MISMATCH'})`);
t0 = performance.now();
const b3 = hex(await pool.blake3(buf));
console.log(`pool.blake3                     ${b3.slice(0, 16)}...  ${rate(size, t0)} on ${pool.threads} threads`);
t0 = performance.now();
const b3core = hex(core.blake3(buf));
console.log(`core.blake3 (one thread)        ${b3core.slice(0, 16)}...  ${rate(size, t0)}  (${b3core === b3 ? 'same digest' : 'MISMATCH'})`);
const pieces = Array.from({ length: 256 }, (_, i) => buf.subarray(i * MiB, (i + 1) * MiB));
t0 = performance.now();
const many = await pool.hashMany('sha256', pieces, { encoding: 'hex' });
const manyOk = many[7] === nodeHash('sha256').update(pieces[7]).digest('hex');
console.log(`pool.hashMany(sha256, 256 x 1 MiB) ${rate(size, t0)}  (piece 7 ${manyOk ? 'matches crypto' : 'MISMATCH'})`);
const x3 = core.xxh3(buf);
console.log(`core.xxh3                       ${hex(x3)} (a bigint)`);

const s = pool.stats();
console.log(`\npool.stats(): ${s.done} calls done, ${s.bytesCopied} bytes copied, heap ${(s.heapSize / MiB).toFixed(0)} MiB`);
pool.free(buf);
await pool.destroy();
if (c32 !== reference || fromCore !== reference || nodeSha !== sha || b3core !== b3 || !manyOk) process.exitCode = 1;
