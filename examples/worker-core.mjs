// The single-thread core inside your own worker: the main thread shares a
// SharedArrayBuffer with a worker_threads Worker, the worker checksums
// slices of it with core.crc32 (synchronous) and posts the results back.
// This file is both the main script and the worker's script.
//
//   node examples/worker-core.mjs
import { once } from 'node:events';
import { Worker, isMainThread, parentPort } from 'node:worker_threads';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { hex, loadCore } from '../pkg/index.js';

const MiB = 1 << 20;

if (isMainThread) {
  // 8 MiB of shared, deterministic bytes
  const sab = new SharedArrayBuffer(8 * MiB);
  const bytes = new Uint8Array(sab);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 2654435761) >>> 24;

  // [start, end) of each slice the worker checksums
  const slices = [[0, bytes.length], [0, MiB], [MiB, 5 * MiB], [12345, 12345 + 1000], [100, 100]];

  const worker = new Worker(new URL(import.meta.url));
  worker.postMessage({ sab, slices }); // the SharedArrayBuffer is shared, not copied
  const [results] = await once(worker, 'message'); // rejects if the worker fails

  let ok = true;
  for (const [i, [start, end]] of slices.entries()) {
    const expected = zlibCrc32(bytes.subarray(start, end));
    const same = results[i] === expected;
    ok &&= same;
    console.log(`crc32 of bytes [${start}, ${end}) in the worker: ${hex(results[i])}` +
      ` ${same ? '(matches zlib.crc32)' : `MISMATCH: zlib.crc32 says ${hex(expected)}`}`);
  }
  if (!ok) process.exitCode = 1;
} else {
  const core = await loadCore(); // one core per worker; calls are synchronous
  parentPort.once('message', ({ sab, slices }) => {
    const results = slices.map(([start, end]) => core.crc32(new Uint8Array(sab, start, end - start)));
    parentPort.postMessage(results);
  });
}
