// Node, ESM: import { … } from 'parawasm'. Prints what it computed as one
// JSON line; run.mjs checks it against zlib. The pool is never destroyed:
// an idle pool must not keep the process alive.
import { readFileSync } from 'node:fs';
import { createPool, loadCore, hex } from 'parawasm';

const check = new TextEncoder().encode('123456789');
const input = readFileSync(new URL('./input.bin', import.meta.url));

const core = await loadCore();
const pool = await createPool();
const own = pool.alloc(input.length);
own.set(input);
console.log(JSON.stringify({
  entry: import.meta.resolve('parawasm'),
  core: { check: core.crc32(check), input: core.crc32(input) },
  pool: {
    check: await pool.crc32(check),
    input: await pool.crc32(input),
    alloc: await pool.crc32(own),
    threads: pool.threads,
    isShared: pool.isShared,
  },
  hex: hex(core.crc32(check)),
  sha256: hex(core.sha256(input)),
  blake3: hex(await pool.blake3(own)),
  sha256Stream: await pool.createHash('sha256').update(input.subarray(0, 1000)).update(input.subarray(1000)).digest('hex'),
}));
