// A pool of 2 threads on one input of 4 GiB - 64 MiB - 1 bytes (wasm32's
// size_t is 32 bits: every size, offset and count computation of the
// kernels that split their input must hold up to 4 GiB - 1): the splitting
// checksums, asciiUpper, xxh64, hashMany and createHash against references
// (see test/lib/big-run.mjs), and aborts of multi-GiB calls. It runs in a
// process of its own, whose heap goes when it ends; it needs about 4 GiB of
// memory. `make test-big` runs every kernel at more sizes, on 1, 2 and 4
// threads and on the core (test/big/).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const RUN = fileURLToPath(new URL('../lib/big-run.mjs', import.meta.url));
const LENGTH = 2 ** 32 - 2 ** 26 - 1;

test(`the splitting kernels, hashMany and createHash on ${LENGTH} bytes; aborted multi-GiB calls stop`, (t) => {
  const cfg = {
    pkg: 'build/testpkg', threads: 2, length: LENGTH, sizes: [LENGTH], seed: 12,
    kernels: ['crc32', 'crc32c', 'adler32', 'xxh64', 'hashMany', 'createHash', 'asciiUpper'], aborts: true,
  };
  // no time limit but a hang guard: the first pass over 4 GiB of fresh
  // memory alone can take a minute on a loaded 2-core machine
  const r = spawnSync(process.execPath, [RUN, JSON.stringify(cfg)], { encoding: 'utf8', timeout: 30 * 60e3 });
  for (const line of r.stdout.trim().split('\n')) t.diagnostic(line);
  assert.equal(r.status, 0, `${r.stderr}\n${r.stdout.split('\n').filter((l) => l.includes('FAIL')).join('\n')}`);
});
