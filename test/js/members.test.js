// js/runtime/members.js, the names no kernel may take: it must be exactly
// the names a core, a pool and a fallback pool have besides their kernels,
// so that bindgen refuses at build time every kernel name that would clash
// when a package loads, and no more. A new field or method in the runtime
// fails this test until it is added to the list.
//
//   node --test test/js/members.test.js
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { MEMBERS, memberClash, objectClash } from '../../js/runtime/members.js';
import { runProcess } from './helpers/pool-test-utils.js';
import { members } from './helpers/members-child.mjs';

test('MEMBERS is exactly what a core, a pool and a fallback pool have besides kernels', async () => {
  const here = await members();
  assert.equal(here.isShared, true);
  const child = fileURLToPath(new URL('./helpers/members-child.mjs', import.meta.url));
  const preload = fileURLToPath(new URL('../runtimes/no-sab-preload.mjs', import.meta.url));
  const r = await runProcess(process.execPath, ['--import', preload, child], { timeout: 60000 });
  assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`);
  const fallback = JSON.parse(r.stdout);
  assert.equal(fallback.isShared, false, 'the child has the fallback pool');
  const all = new Set([...here.core, ...here.pool, ...fallback.core, ...fallback.pool]);
  const listed = new Set(MEMBERS);
  assert.deepEqual([...all].filter((n) => !listed.has(n)), [], 'members missing from js/runtime/members.js');
  assert.deepEqual([...listed].filter((n) => !all.has(n)), [], 'names in js/runtime/members.js that no object has');
  assert.equal(MEMBERS.length, listed.size, 'no name twice');
});

test('memberClash refuses members, then and Object.prototype names; objectClash only the last two', () => {
  for (const n of ['run', 'alloc', 'heap', 'queue', 'L']) {
    assert.match(memberClash(n), /member of the core or the pool/, n);
    assert.equal(objectClash(n), null, n);
  }
  for (const n of ['then', 'toString', 'hasOwnProperty', '__proto__', 'prototype', 'valueOf']) {
    assert.ok(memberClash(n), n);
    assert.ok(objectClash(n), n);
  }
  for (const n of ['crc32', 'myKernel', 'runner', 'Run', 'l']) assert.equal(memberClash(n), null, n);
});
