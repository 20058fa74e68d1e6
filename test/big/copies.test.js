// `make test-big`: foreign inputs of 2 GiB and more, copied into the heap in
// one allocation (a pool) or fed in pieces (the core's chained kernels),
// against Node's zlib and hash-wasm on the same bytes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import zlib from 'node:zlib';

import * as hw from 'hash-wasm';

import { createPool, loadCore } from '../../pkg/index.js';

const crc = (view) => {
  let c = 0;
  for (let off = 0; off < view.length; off += 1 << 28) c = zlib.crc32(view.subarray(off, off + (1 << 28)), c);
  return c >>> 0;
};

test('pool: crc32, xxh64 and asciiUpper of foreign 2 GiB inputs', async () => {
  const pool = await createPool({ threads: 2 });
  try {
    const zeros = Buffer.alloc(2 ** 31);
    assert.equal(await pool.crc32(zeros), crc(zeros), 'crc32 of Buffer.alloc(2 ** 31)');
    const odd = new Uint8Array(2 ** 31 + 1);
    for (let i = 0; i < odd.length; i += 1 << 20) odd[i] = 1 + ((i >>> 20) % 0x60); // no letters
    odd[odd.length - 1] = 0x61;
    assert.equal(await pool.crc32(odd), crc(odd), 'crc32 of 2 GiB + 1');
    const h = await hw.createXXHash64(0, 0);
    h.init();
    for (let off = 0; off < odd.length; off += 1 << 28) h.update(odd.subarray(off, off + (1 << 28)));
    assert.equal((await pool.xxh64(odd)).toString(16).padStart(16, '0'), h.digest('hex'), 'xxh64 of 2 GiB + 1');
    assert.equal(await pool.asciiUpper(odd), 1, 'asciiUpper: one letter, copied in and out');
    assert.equal(odd[odd.length - 1], 0x41);
    assert.ok(pool.stats().bytesCopied >= 3 * 2 ** 31);
  } finally {
    await pool.destroy();
  }
});

test('core: crc32 of a foreign 4 GiB - 1 input (fed in pieces)', async () => {
  const core = await loadCore();
  const data = new Uint8Array(2 ** 32 - 1);
  for (let i = 0; i < data.length; i += 1 << 24) data[i] = 1 + (i >>> 24);
  assert.equal(core.crc32(data), crc(data));
});
