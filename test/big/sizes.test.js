// `make test-big`: every kernel at sizes just under and over 2 GiB and near
// 4 GiB (wasm32's limit), on pools of 1, 2 and 4 threads and on the core,
// against references (test/lib/big-run.mjs), with aborted multi-GiB calls
// on the pools. Each configuration runs in a process of its own and needs
// about 4 GiB of memory; references that read the data are computed once
// and kept in build/big-refs.json. Narrow it with PW_BIG_THREADS (e.g.
// "2,0"; 0 is the core), PW_BIG_SIZES and PW_BIG_KERNELS (comma lists).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const RUN = fileURLToPath(new URL('../lib/big-run.mjs', import.meta.url));
const CACHE = fileURLToPath(new URL('../../build/big-refs.json', import.meta.url));
const LENGTH = 2 ** 32 - 2 ** 26 - 1;
const list = (name, dflt) => (process.env[name] ? process.env[name].split(',').map((s) => s.trim()) : dflt);

const THREADS = list('PW_BIG_THREADS', ['1', '2', '4', '0']).map(Number);
const SIZES = list('PW_BIG_SIZES', [2 ** 31 - 1, 2 ** 31 + 1, LENGTH]).map(Number);
const KERNELS = list('PW_BIG_KERNELS', ['crc32', 'crc32c', 'adler32', 'xxh32', 'xxh64', 'xxh3', 'xxh128', 'md5', 'sha1',
  'sha224', 'sha256', 'blake3', 'hashMany', 'createHash', 'asciiUpper']);
mkdirSync(fileURLToPath(new URL('../../build/', import.meta.url)), { recursive: true });

describe('every kernel near 2 GiB and 4 GiB', () => {
  for (const threads of THREADS) {
    const where = threads ? `a pool of ${threads} thread${threads > 1 ? 's' : ''}` : 'the core';
    test(`${where}: ${SIZES.join(', ')} bytes`, (t) => {
      const cfg = {
        pkg: 'build/testpkg', threads, length: Math.max(...SIZES), sizes: SIZES, seed: 12, kernels: KERNELS,
        aborts: threads > 0, cache: CACHE,
      };
      const r = spawnSync(process.execPath, [RUN, JSON.stringify(cfg)], { encoding: 'utf8', timeout: 4 * 3600e3 });
      for (const line of r.stdout.trim().split('\n')) t.diagnostic(line);
      assert.equal(r.status, 0, `${r.stderr}\n${r.stdout.split('\n').filter((l) => l.includes('FAIL')).join('\n')}`);
    });
  }
});
