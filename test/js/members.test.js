// js/runtime/members.js, the names no kernel may take: every name a core, a
// pool and a fallback pool have besides their kernels is either public
// (listed there) or the runtime's own (starting with `$`), so that bindgen
// refuses at build time every kernel name that would clash when a package
// loads, and no more. A new public member fails this test until it is
// listed; a new internal one until it is named with a `$`.
//
//   node --test test/js/members.test.js
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { INTERNAL_MARK, MEMBERS, memberClash, objectClash } from '../../js/runtime/members.js';
import { runProcess } from './helpers/pool-test-utils.js';
import { members } from './helpers/members-child.mjs';

test('every name of a core, a pool and a fallback pool besides kernels is public (MEMBERS) or starts with $', async () => {
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
  assert.deepEqual([...all].filter((n) => !listed.has(n) && !n.startsWith(INTERNAL_MARK)), [],
    'members neither listed in js/runtime/members.js nor named with a $');
  assert.deepEqual([...listed].filter((n) => !all.has(n)), [], 'names in js/runtime/members.js that no object has');
  assert.ok([...all].filter((n) => n.startsWith(INTERNAL_MARK)).length > 50, 'the internals are there, under $ names');
  assert.equal(MEMBERS.length, listed.size, 'no name twice');
});

test('memberClash refuses members, $ names, then and Object.prototype names; objectClash only the last two', () => {
  for (const n of ['alloc', 'free', 'view', 'stats', 'threads']) {
    assert.match(memberClash(n), /member of the core or the pool/, n);
    assert.equal(objectClash(n), null, n);
  }
  for (const n of ['$heap', '$run', '$']) {
    assert.match(memberClash(n), /reserved: names starting with \$ are the runtime's own/, n);
    assert.equal(objectClash(n), null, n);
  }
  for (const n of ['then', 'toString', 'hasOwnProperty', '__proto__', 'prototype', 'valueOf']) {
    assert.ok(memberClash(n), n);
    assert.ok(objectClash(n), n);
  }
  // names the runtime's internals had before they took a $: free for kernels
  for (const n of ['crc32', 'myKernel', 'runner', 'Run', 'l', 'run', 'heap', 'queue', 'L', 'mask', 'top', 'call', 'a$b']) {
    assert.equal(memberClash(n), null, n);
  }
});

test('a kernel may take a name the runtime\'s internals once had (run, heap): core, pool and fallback pool', async () => {
  const child = fileURLToPath(new URL('./helpers/members-child.mjs', import.meta.url));
  const preload = fileURLToPath(new URL('../runtimes/no-sab-preload.mjs', import.meta.url));
  for (const args of [[child, 'named'], ['--import', preload, child, 'named']]) {
    const r = await runProcess(process.execPath, args, { timeout: 60000 });
    assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`);
    const got = JSON.parse(r.stdout);
    assert.equal(got.isShared, args.length === 2, 'the pool kind');
    // run = 2x + 1, heap = 3x; and the pool's other calls and memory still work beside them
    assert.deepEqual(got.results, { coreRun: 41, coreHeap: 60, poolRun: 41, poolHeap: 60, sum: 10, freed: true });
  }
});

test('the README lists exactly the public members a kernel may not take', () => {
  const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8').replace(/\s+/g, ' ');
  const m = /may not take the name of a public member of the core or the pool \(([^)]*)\)/.exec(readme);
  assert.ok(m, 'the README has the sentence');
  assert.deepEqual(m[1].match(/`[^`]+`/g).map((s) => s.slice(1, -1)).sort(), [...MEMBERS].sort());
});
