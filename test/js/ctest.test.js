// parawasm ctest: a C test of a user's kernels, built with parawasm's
// runtime and families and run (js/tools/ctest.mjs). The modes here are
// the native ones (the wasm mode builds the same sources with emcc).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCtestArgs, runCtest } from '../../js/tools/ctest.mjs';

function project(files) {
  const dir = mkdtempSync(join(tmpdir(), 'pw-ctest-'));
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(join(dir, f, '..'), { recursive: true });
    writeFileSync(join(dir, f), text);
  }
  return dir;
}

function ctest(dir, argv) {
  const lines = [];
  const status = runCtest(parseCtestArgs(argv), { cwd: dir, log: (s) => lines.push(s) });
  return { status, out: lines.join('\n') };
}

test('a header of the user\'s named as a private one of parawasm\'s (pool.h) is the one the test includes; --with image links the C it borrows', () => {
  const dir = project({
    'inc/pool.h': '#define VAL 3\n',
    't.c': '#include "parawasm/testing.h"\n#include "parawasm/image.h"\n#include "pool.h"\n' +
      'int main(void) {\n  uint32_t info[4];\n  CHECK(VAL == 3, "VAL %d", VAL);\n' +
      '  CHECK(pw_image_info((const uint8_t *)"no", 2, info) == PW_EFORMAT, "not an image");\n  return test_summary("ct");\n}\n',
  });
  try {
    const r = ctest(dir, ['--only', 'native,split', '--with', 'image', '-I', 'inc', 't.c']);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /^ok {3}native/m);
    assert.match(r.out, /^ok {3}split/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a failing check: the mode fails with its file:line, status 1', () => {
  const dir = project({ 't.c': '#include "parawasm/testing.h"\nint main(void) {\n  CHECK(1 == 2, "one is %d", 1);\n  return test_summary("bad");\n}\n' });
  try {
    const r = ctest(dir, ['--only', 'native', 't.c']);
    assert.equal(r.status, 1, r.out);
    assert.match(r.out, /^FAIL native/m);
    assert.match(r.out, /t\.c:3/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a C compiler that is not there is named, with the variable that names another', () => {
  const dir = project({ 't.c': '#include "parawasm/testing.h"\nint main(void) { return test_summary("t"); }\n' });
  const saved = process.env.CC;
  process.env.CC = join(dir, 'no-such-cc');
  try {
    const r = ctest(dir, ['--only', 'native', 't.c']);
    assert.equal(r.status, 1, r.out);
    assert.match(r.out, /^FAIL native: the build failed \(ENOENT\)\n.*no-such-cc was not found \(a C compiler; CC names another\)/m);
  } finally {
    if (saved === undefined) delete process.env.CC;
    else process.env.CC = saved;
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad arguments: usage errors (status 2) naming the option, never a stack trace; build and ctest word --with alike', async () => {
  const { main: ctestMain } = await import('../../js/tools/ctest.mjs');
  const { main: buildMain } = await import('../../js/tools/build.mjs');
  const run = async (main, argv) => {
    let err = '';
    const status = await main(argv, { stdout: { write() {} }, stderr: { write: (s) => { err += s; } } });
    return { status, err };
  };
  for (const [argv, message] of [
    [['--with', 'nope', 't.c'], /^parawasm ctest: --with: unknown family "nope" \(families: hash, bytes, image, array\)\n/],
    [['--with', 'constructor', 't.c'], /^parawasm ctest: --with: unknown family "constructor"/],
    [['--only', 'fast', 't.c'], /^parawasm ctest: --only: unknown mode "fast"/],
    [['--with'], /^parawasm ctest: --with needs a value/],
  ]) {
    const r = await run(ctestMain, argv);
    assert.equal(r.status, 2, `${argv}: ${r.err}`);
    assert.match(r.err, message, argv.join(' '));
    assert.doesNotMatch(r.err, /\n\s+at /, `${argv}: no stack trace`);
  }
  for (const f of ['nope', 'constructor', 'toString']) {
    const r = await run(buildMain, ['--with', f, 'x.h']);
    assert.equal(r.status, 2, `${f}: ${r.err}`);
    assert.match(r.err, new RegExp(`^parawasm build: --with: unknown family "${f}" \\(families: hash, bytes, image, array\\)\\n`), f);
  }
});
