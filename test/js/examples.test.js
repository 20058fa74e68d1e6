// Runs every examples/*.mjs as a user would (node examples/<name>.mjs) and
// checks that it exits with code 0 and prints what it promises, so that an
// example that breaks fails the tests.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

import { HANG_MS, runProcess } from './helpers/pool-test-utils.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EXAMPLES = readdirSync(new URL('../../examples/', import.meta.url))
  .filter((f) => f.endsWith('.mjs'))
  .sort();

// Key output of the examples written with these tests; any other example
// must at least exit with 0, print something and report no mismatch.
const CHECKS = {
  'in-place.mjs': (out) => {
    const upper = 'HELLO, WöRLD: PARAWASM CHANGES THIS TEXT IN PLACE.';
    assert.ok(out.includes(`core.alloc() view: 38 bytes changed -> ${upper}\n`), 'zero-copy view changed in place');
    assert.ok(out.includes(`plain Uint8Array:  38 bytes changed -> ${upper}\n`), 'copied array changed in place');
  },
  'worker-core.mjs': (out) => {
    const lines = out.match(/^crc32 of bytes \[\d+, \d+\) in the worker: [0-9a-f]{8} \(matches zlib\.crc32\)$/gm);
    assert.equal(lines?.length, 5, 'five slices, each matching zlib.crc32');
    assert.match(out, /^crc32 of bytes \[0, 8388608\) in the worker: 37bf5a35 /m);
  },
  'pool-responsive.mjs': (out) => {
    assert.match(out, /^crc32 [0-9a-f]{8}, crc32c [0-9a-f]{8}, adler32 [0-9a-f]{8} of 256 MiB on \d+ threads$/m);
    // how often the timer ticked depends on the machine's speed and load:
    // only the report is checked here (test/js/pool-responsive.test.js
    // checks that timers run while the pool works, without a clock)
    assert.match(out, /^took [\d.]+ ms; the timer ticked \d+ times meanwhile$/m);
    assert.match(out, /^zlib\.crc32 [0-9a-f]{8}: matches$/m);
  },
  'image-thumbnails.mjs': (out) => {
    const lines = out.match(/^ {2}sample-\d+\.(png|jpg): \d+x\d+ -> \d+x\d+ jpeg, \d+ bytes, [\d.]+ ms$/gm) ?? [];
    assert.ok(lines.length >= 8, 'the sample photos, each thumbnailed within the box');
    assert.match(out, new RegExp(`^${lines.length} thumbnails in [\\d.]+ ms: [\\d.]+ megapixels/s`, 'm'));
    assert.match(out, /^bytes copied between steps: 0$/m);
  },
  'array-sort-server.mjs': (out) => {
    // latencies depend on the machine's speed and load: only the report is checked
    assert.match(out, /^pool\.array\.sortByKey of 10000000 rows on \d+ threads: \d+ ms; \d+ requests answered meanwhile, latency median [\d.]+ ms, p99 [\d.]+ ms, max [\d.]+ ms$/m);
    assert.match(out, /^sorted, ids moved with their prices, equal to Float64Array\.prototype\.sort: yes$/m);
    assert.match(out, /^Float64Array\.prototype\.sort of 10000000 rows on the main thread: \d+ ms; \d+ requests answered meanwhile/m);
  },
  'custom-kernel.mjs': (out) => {
    assert.match(out, /^pool\.asciiUpper changed 2750000 of 3700000 bytes in place$/m);
    assert.ok(out.includes(
      'the caller\'s view now starts: "PARAWASM: C KERNELS FROM JAVASCRIPT, ON EVERY CORE, IN ONE SHARED MEMORY."\n'));
    assert.match(out, /^bytes copied in or out: 0$/m);
  },
};

test('the examples folder holds the documented examples', () => {
  for (const name of Object.keys(CHECKS)) assert.ok(EXAMPLES.includes(name), `examples/${name} exists`);
});

for (const name of EXAMPLES) {
  test(`examples/${name} runs and prints what it should`, async () => {
    const r = await runProcess(process.execPath, [`examples/${name}`], { cwd: ROOT });
    assert.equal(r.timedOut, false, `still running after ${HANG_MS / 1000} s (a hang); stdout: ${r.stdout}`);
    assert.equal(r.code, 0, `exit code ${r.code}; stderr: ${r.stderr}`);
    assert.ok(r.stdout.trim().length > 0, 'it prints something');
    assert.doesNotMatch(r.stdout, /MISMATCH/);
    assert.doesNotMatch(r.stderr, /Error|Uncaught/, `stderr: ${r.stderr}`);
    CHECKS[name]?.(r.stdout);
  });
}
