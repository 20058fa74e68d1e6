// The main thread stays free while the pool works: a 256 MiB buffer is
// checksummed on the pool's threads while a timer keeps ticking here.
//
//   node examples/pool-responsive.mjs
import { crc32 as zlibCrc32 } from 'node:zlib';
import { createPool, hex } from '../pkg/index.js';

const pool = await createPool(); // one thread per core
const buf = pool.alloc(256 << 20); // a Uint8Array in the pool's shared memory

// Fill it in place (a real program would read a file into it).
const words = new Uint32Array(buf.buffer, buf.byteOffset, buf.length / 4);
for (let i = 0, x = 1; i < words.length; i++) {
  x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
  words[i] = x;
}

// A timer on the main thread: it keeps firing while the checksums run.
let ticks = 0;
const timer = setInterval(() => {
  ticks++;
  if (ticks % 10 === 0) console.log(`  ...waiting, the main thread's timer has ticked ${ticks} times`);
}, 1);

const t0 = performance.now();
const [crc, crc32c, adler] = await Promise.all([pool.crc32(buf), pool.crc32c(buf), pool.adler32(buf)]);
const ms = performance.now() - t0;
clearInterval(timer);

console.log(`crc32 ${hex(crc)}, crc32c ${hex(crc32c)}, adler32 ${hex(adler)} of 256 MiB on ${pool.threads} threads`);
console.log(`took ${ms.toFixed(1)} ms; the timer ticked ${ticks} times meanwhile`);

const expected = zlibCrc32(buf); // blocks the main thread: here only to check
console.log(`zlib.crc32 ${hex(expected)}: ${crc === expected ? 'matches' : 'MISMATCH'}`);

pool.free(buf);
await pool.destroy();
if (crc !== expected) process.exitCode = 1;
