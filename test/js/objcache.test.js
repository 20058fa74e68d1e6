// js/tools/objcache.mjs, the object cache of `parawasm build`, without a
// compiler: dependency files as clang writes them; hits only while the
// source, every header it included, the flags and the compiler are the
// same, and the object is whole; an unwritable folder turns the cache off
// with one warning; pruning; compileSources' batches (a stand-in compiler
// that writes <name>.o and <name>.d as emcc -MD -c does). The same cache
// with the real emcc: test/example/run.mjs, scenario object-cache. Also
// parawasm build's --cache options and its --out check.
//
//   node --test test/js/objcache.test.js
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { ObjectCache, compileSources, parseDepfile } from '../../js/tools/objcache.mjs';

let tmp;
before(() => { tmp = mkdtempSync(join(tmpdir(), 'pw-objcache-')); });
after(() => rmSync(tmp, { recursive: true, force: true }));

let n = 0;
const fresh = () => { const d = join(tmp, String(n++)); mkdirSync(d, { recursive: true }); return d; };

test('parseDepfile: continuations, escaped spaces and $$, relative paths from the folder given', () => {
  const text = 'a.o: /src/a.c /inc/x\\ y.h \\\n  rel/b.h \\\r\n /inc/c$$d.h\n';
  assert.deepEqual(parseDepfile(text, '/work'), ['/src/a.c', '/inc/x y.h', '/work/rel/b.h', '/inc/c$d.h']);
  assert.deepEqual(parseDepfile('a.o:\n', '/w'), []);
  assert.deepEqual(parseDepfile('C:/x/a.o: /s/a.c\n', '/w'), ['/s/a.c'], 'a colon inside the target is not the separator');
});

/** A source, a header and an object in a fresh folder, and a cache in another. */
function setup() {
  const d = fresh();
  const src = join(d, 'a.c');
  const hdr = join(d, 'a.h');
  const obj = join(d, 'a.o');
  writeFileSync(src, '#include "a.h"\n');
  writeFileSync(hdr, '#define A 1\n');
  writeFileSync(obj, 'object bytes');
  return { d, src, hdr, obj, cacheDir: join(d, 'cache') };
}

test('a stored object is a hit until the source, a header, the flags or the compiler change', () => {
  const { src, hdr, obj, cacheDir } = setup();
  const c = new ObjectCache(cacheDir, 'emcc 1');
  const key = c.key(['-O3'], src, readFileSync(src));
  assert.equal(c.lookup(key), null, 'empty cache: a miss');
  c.store(key, obj, [src, hdr], src);
  const manifest = JSON.parse(readFileSync(join(cacheDir, `${key}.json`), 'utf8'));
  assert.deepEqual(manifest.deps.map(([p]) => p), [hdr], 'the source itself is in the key, not the dependencies');
  const again = new ObjectCache(cacheDir, 'emcc 1');
  const hit = again.lookup(key);
  assert.equal(readFileSync(hit, 'utf8'), 'object bytes');
  assert.equal([again.hits, again.misses].join(), '1,0');
  // the key: flags, compiler, name and text each change it
  assert.notEqual(c.key(['-O2'], src, readFileSync(src)), key);
  assert.notEqual(new ObjectCache(cacheDir, 'emcc 2').key(['-O3'], src, readFileSync(src)), key);
  assert.notEqual(c.key(['-O3'], `${src}x`, readFileSync(src)), key);
  assert.notEqual(c.key(['-O3'], src, `${readFileSync(src)} `), key);
  // a header changed: a miss (hashes are read once per build, so a new ObjectCache)
  writeFileSync(hdr, '#define A 2\n');
  assert.equal(new ObjectCache(cacheDir, 'emcc 1').lookup(key), null, 'a changed header is a miss');
  writeFileSync(hdr, '#define A 1\n');
  assert.ok(new ObjectCache(cacheDir, 'emcc 1').lookup(key), 'the header as it was: a hit again');
  rmSync(hdr);
  assert.equal(new ObjectCache(cacheDir, 'emcc 1').lookup(key), null, 'a header gone is a miss');
});

test('a header that appears where the compiler would find it first is a miss; EMCC_CFLAGS is part of the key', () => {
  // src.c in d includes "t.h" found in inc2 (-I inc1 -I inc2) and <sub/s.h> in inc2; a header by either name
  // made later in inc1, or next to the source, or beside another header it read, shadows it
  const d = fresh();
  const [inc1, inc2] = ['inc1', 'inc2'].map((x) => join(d, x));
  mkdirSync(join(inc2, 'sub'), { recursive: true });
  mkdirSync(inc1);
  const src = join(d, 'src.c');
  writeFileSync(src, '#include "t.h"\n#include <sub/s.h>\n');
  writeFileSync(join(inc2, 't.h'), '#define T 2000\n');
  writeFileSync(join(inc2, 'sub', 's.h'), '#define S 1\n');
  const obj = join(d, 'src.o');
  writeFileSync(obj, 'object');
  const cacheDir = join(d, 'cache');
  const args = ['-I', inc1, `-I${inc2}`];
  const c = new ObjectCache(cacheDir, 'emcc 1');
  const key = c.key(args, src, readFileSync(src));
  c.store(key, obj, [src, join(inc2, 't.h'), join(inc2, 'sub', 's.h')], src, args, d);
  const lookup = () => new ObjectCache(cacheDir, 'emcc 1').lookup(key);
  assert.ok(lookup(), 'unchanged: a hit');
  for (const shadow of [join(inc1, 't.h'), join(d, 't.h'), join(inc1, 'sub', 's.h'), join(inc2, 'sub', 't.h')]) {
    mkdirSync(join(shadow, '..'), { recursive: true });
    writeFileSync(shadow, '#define T 5000\n');
    assert.equal(lookup(), null, `${shadow} made: a miss`);
    rmSync(shadow);
    assert.ok(lookup(), `${shadow} gone again: a hit`);
  }
  // flags emcc takes from the environment
  const saved = process.env.EMCC_CFLAGS;
  try {
    process.env.EMCC_CFLAGS = '-DHK_ALT';
    assert.notEqual(new ObjectCache(cacheDir, 'emcc 1').key(args, src, readFileSync(src)), key, 'EMCC_CFLAGS set: another key');
  } finally {
    if (saved === undefined) delete process.env.EMCC_CFLAGS;
    else process.env.EMCC_CFLAGS = saved;
  }
});

test('a truncated or changed object, or a broken manifest, is a miss', () => {
  const { src, obj, cacheDir } = setup();
  const c = new ObjectCache(cacheDir, 'emcc 1');
  const key = c.key([], src, readFileSync(src));
  c.store(key, obj, [src], src);
  writeFileSync(join(cacheDir, `${key}.o`), 'object by');
  assert.equal(new ObjectCache(cacheDir, 'emcc 1').lookup(key), null, 'truncated');
  c.store(key, obj, [src], src);
  assert.ok(new ObjectCache(cacheDir, 'emcc 1').lookup(key), 'stored again: a hit');
  writeFileSync(join(cacheDir, `${key}.json`), '{"deps": [');
  assert.equal(new ObjectCache(cacheDir, 'emcc 1').lookup(key), null, 'manifest cut short');
  rmSync(join(cacheDir, `${key}.json`));
  assert.equal(new ObjectCache(cacheDir, 'emcc 1').lookup(key), null, 'an object without its manifest does not exist');
});

test('no cache folder: every lookup misses and nothing is written', () => {
  const { src, obj, d } = setup();
  const c = new ObjectCache(null, 'emcc 1');
  const key = c.key([], src, readFileSync(src));
  c.store(key, obj, [src], src);
  assert.equal(c.lookup(key), null);
  assert.deepEqual(readdirSync(d).sort(), ['a.c', 'a.h', 'a.o']);
});

test('a cache folder that cannot be made: one warning, then the build goes on without it', () => {
  const { src, obj, d } = setup();
  const file = join(d, 'not-a-folder');
  writeFileSync(file, 'x');
  const warnings = [];
  const c = new ObjectCache(join(file, 'cache'), 'emcc 1', (m) => warnings.push(m));
  const key = c.key([], src, readFileSync(src));
  c.store(key, obj, [src], src);
  c.store(key, obj, [src], src);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /cannot write the object cache .*not-a-folder.*building without it/);
  assert.equal(c.lookup(key), null);
});

test('prune: entries unused for 30 days go, with stray temporary files and objects without a manifest; used ones stay', () => {
  const { src, obj, cacheDir } = setup();
  const c = new ObjectCache(cacheDir, 'emcc 1');
  const keys = ['x', 'y'].map((t) => c.key([t], src, readFileSync(src)));
  for (const k of keys) c.store(k, obj, [src], src);
  const old = new Date(Date.now() - 31 * 864e5);
  utimesSync(join(cacheDir, `${keys[0]}.json`), old, old);
  writeFileSync(join(cacheDir, `${'e'.repeat(64)}.o.tmp-1-abc`), 'half');
  writeFileSync(join(cacheDir, `${'f'.repeat(64)}.o`), 'orphan');
  writeFileSync(join(cacheDir, `${'0'.repeat(64)}.o`), 'orphan, recent');
  for (const f of [`${'e'.repeat(64)}.o.tmp-1-abc`, `${'f'.repeat(64)}.o`]) utimesSync(join(cacheDir, f), new Date(Date.now() - 2 * 864e5), new Date(Date.now() - 2 * 864e5));
  // a hit renews its entry
  const d = new ObjectCache(cacheDir, 'emcc 1');
  utimesSync(join(cacheDir, `${keys[1]}.json`), old, old);
  assert.ok(d.lookup(keys[1]));
  d.prune();
  assert.deepEqual(readdirSync(cacheDir).sort(), [`${'0'.repeat(64)}.o`, `${keys[1]}.json`, `${keys[1]}.o`].sort());
});

/**
 * A stand-in for emcc -MD -c: for each source after -c, writes <name>.o
 * (its path, the flags and its text) and <name>.d (the source and the
 * headers it names in "// deps: a.h b.h") in the folder it runs in.
 * Records each run; a source containing "ERROR" fails the run.
 */
function fakeCompiler() {
  const runs = [];
  let running = 0;
  let most = 0;
  const run = async (args, cwd) => {
    running++;
    most = Math.max(most, running);
    await new Promise((r) => setTimeout(r, 5));
    const srcs = args.slice(args.indexOf('-c') + 1);
    runs.push({ srcs, cwd, args });
    running--;
    for (const s of srcs) {
      const text = readFileSync(s, 'utf8');
      if (text.includes('ERROR')) return { code: 1, out: `${s}:1:1: error: asked to fail` };
      const deps = /deps: (.*)/.exec(text)?.[1].split(' ') ?? [];
      writeFileSync(join(cwd, `${basename(s, '.c')}.o`), `${s} ${args.slice(0, args.indexOf('-MD')).join(' ')} ${text}`);
      writeFileSync(join(cwd, `${basename(s, '.c')}.d`), `${basename(s, '.c')}.o: ${s} ${deps.join(' ')}\n`);
    }
    return { code: 0, out: srcs.some((s) => readFileSync(s, 'utf8').includes('WARN')) ? 'a warning' : '' };
  };
  return { run, runs, most: () => most };
}

test('compileSources: batches without two files of one name, at most `jobs` at a time, objects in order; then every object from the cache', async () => {
  const d = fresh();
  const hdr = join(d, 'common.h');
  writeFileSync(hdr, '#define X 1\n');
  const files = [];
  for (const sub of ['p', 'q']) {
    mkdirSync(join(d, sub));
    for (const name of ['a', 'b', 'c', 'util']) {
      const f = join(d, sub, `${name}.c`);
      writeFileSync(f, `// ${sub}/${name} deps: ${hdr}\n${name === 'c' ? '// WARN\n' : ''}`);
      files.push(f);
    }
  }
  const compiles = [
    ...files.map((src) => ({ src, args: ['-O3'], what: 'st', build: 'st' })),
    ...files.slice(0, 3).map((src) => ({ src, args: ['-O3', '-pthread'], what: 'mt', build: 'mt' })),
  ];
  const cacheDir = join(d, 'cache');
  const fc = fakeCompiler();
  const warned = [];
  const opts = (cache, run, dir) => ({
    cache, keyId: (s) => s, dir, jobs: 2, run, failed: (what, out) => new Error(`${what}: ${out}`), warn: (t, c) => warned.push([t, c.build]),
  });
  const cache = new ObjectCache(cacheDir, 'emcc 1');
  const objs = await compileSources(compiles, opts(cache, fc.run, join(d, 'obj1')));
  assert.equal(objs.length, compiles.length);
  compiles.forEach((c, i) => {
    const text = readFileSync(objs[i], 'utf8');
    assert.ok(text.startsWith(`${c.src} ${c.args.join(' ')} `), `object ${i} is ${c.src}'s with its own flags: ${text}`);
  });
  for (const r of fc.runs) {
    const names = r.srcs.map((s) => basename(s));
    assert.equal(new Set(names).size, names.length, `one file of each name in a batch: ${names}`);
  }
  assert.ok(fc.most() <= 2, `at most 2 compilers at once (saw ${fc.most()})`);
  assert.equal(fc.runs.reduce((s, r) => s + r.srcs.length, 0), compiles.length, 'each source compiled once');
  assert.ok(fc.runs.length <= 5, `sources batched (${fc.runs.length} runs for ${compiles.length} sources)`);
  assert.ok(warned.length >= 1 && warned.every(([t]) => t === 'a warning'), 'a run\'s output reaches warn');
  assert.equal([cache.hits, cache.misses].join(), `0,${compiles.length}`);

  // the same again: nothing compiled, the same objects' bytes
  const fc2 = fakeCompiler();
  const cache2 = new ObjectCache(cacheDir, 'emcc 1');
  const objs2 = await compileSources(compiles, opts(cache2, fc2.run, join(d, 'obj2')));
  assert.equal(fc2.runs.length, 0);
  assert.deepEqual(objs2.map((o) => readFileSync(o, 'utf8')), objs.map((o) => readFileSync(o, 'utf8')));
  assert.equal(cache2.hits, compiles.length);

  // the shared header changed: everything that includes it is compiled again
  writeFileSync(hdr, '#define X 2\n');
  const fc3 = fakeCompiler();
  await compileSources(compiles, opts(new ObjectCache(cacheDir, 'emcc 1'), fc3.run, join(d, 'obj3')));
  assert.equal(fc3.runs.reduce((s, r) => s + r.srcs.length, 0), compiles.length);
  // one source changed: only its two objects (st and mt)
  writeFileSync(files[0], `${readFileSync(files[0], 'utf8')}// more\n`);
  const fc4 = fakeCompiler();
  await compileSources(compiles, opts(new ObjectCache(cacheDir, 'emcc 1'), fc4.run, join(d, 'obj4')));
  assert.deepEqual(fc4.runs.flatMap((r) => r.srcs), [files[0], files[0]]);
});

test('compileSources: a failed run is the error, no later batch starts, and nothing of it is stored', async () => {
  const d = fresh();
  const files = ['a', 'b', 'c', 'd', 'e', 'f'].map((x) => {
    const f = join(d, `${x}.c`);
    writeFileSync(f, x === 'a' ? 'ERROR\n' : `// ${x}\n`);
    return f;
  });
  const fc = fakeCompiler();
  const cacheDir = join(d, 'cache');
  const compiles = files.map((src, i) => ({ src, args: [String(i % 3)], what: 'st', build: 'st' }));
  await assert.rejects(compileSources(compiles, {
    cache: new ObjectCache(cacheDir, 'emcc 1'), keyId: (s) => s, dir: join(d, 'obj'), jobs: 1, run: fc.run, failed: (what, out) => new Error(`${what}: ${out}`),
  }), /^Error: on a\.c \(st\): .*a\.c:1:1: error: asked to fail/, 'the file its errors name, not the batch\'s other (d.c)');
  assert.equal(fc.runs.length, 1, 'with one job, the first failure stops the rest');
  assert.ok(!existsSync(cacheDir), 'nothing stored');
  // an error in a header names the header; output naming no file names the batch; emcc's echo of the command is left out
  const run = async (args) => {
    const srcs = args.slice(args.indexOf('-c') + 1);
    const named = srcs.some((f) => f.endsWith('d.c'));
    return { code: 1, out: `${named ? `${join(d, 'k.h')}:3:9: error: unknown type name 'longg'\n` : 'wasm-ld: something else\n'}` +
      "emcc: error: '/usr/bin/clang-14 -target wasm32 a very long command' failed (returned 1)" };
  };
  const opts = { cache: new ObjectCache(cacheDir, 'emcc 1'), keyId: (x) => x, dir: join(d, 'obj2'), jobs: 1, run, failed: (what, out) => new Error(`${what}: ${out}`) };
  await assert.rejects(compileSources([{ src: files[3], args: ['x'], what: 'st' }, { src: files[1], args: ['x'], what: 'st' }], opts),
    (e) => e.message.startsWith('on k.h (st): ') && !e.message.includes('very long command'));
  await assert.rejects(compileSources([{ src: files[1], args: ['y'], what: 'st' }, { src: files[2], args: ['y'], what: 'st' }], opts),
    (e) => e.message.startsWith('on b.c, c.c (st): wasm-ld: something else'));
});

test('parawasm build: --cache DIR, --cache=DIR and --no-cache (the last one given wins); an empty folder is an error', async () => {
  const { parseBuildArgs, BuildError } = await import('../../js/tools/build.mjs');
  assert.equal(parseBuildArgs(['a.h']).cache, undefined, 'default: the project\'s or the user\'s cache folder');
  assert.equal(parseBuildArgs(['--cache', 'c', 'a.h']).cache, 'c');
  assert.equal(parseBuildArgs(['--cache=c', 'a.h']).cache, 'c');
  assert.equal(parseBuildArgs(['--cache', 'c', '--no-cache', 'a.h']).cache, false);
  assert.equal(parseBuildArgs(['--no-cache', '--cache', 'c', 'a.h']).cache, 'c');
  assert.throws(() => parseBuildArgs(['--cache=', 'a.h']), (e) => e instanceof BuildError && /--cache needs a folder/.test(e.message));
  assert.throws(() => parseBuildArgs(['a.h', '--cache']), (e) => e instanceof BuildError && /--cache needs a value/.test(e.message));
});

test('parawasm build: an --out that is, or lies below, a file is refused before anything is compiled', async () => {
  const { buildPackage, BuildError } = await import('../../js/tools/build.mjs');
  const d = fresh();
  writeFileSync(join(d, 'k.h'), '#include <parawasm/kernel.h>\nPW_KERNEL unsigned pw_one(unsigned a);\n');
  writeFileSync(join(d, 'afile'), 'x');
  const o = (out) => ({ name: 'x', out, prefix: 'pw_', with: [], includes: [], defines: [], opt: '3', cache: false, files: ['k.h'], quiet: true });
  // emcc is never reached: the check comes first
  const opts = { cwd: d, log: () => {}, emcc: join(d, 'no-such-emcc') };
  await assert.rejects(buildPackage(o('afile'), opts), (e) => e instanceof BuildError && e.message === '--out afile: it is a file, not a folder');
  await assert.rejects(buildPackage(o('afile/pkg/deeper'), opts), (e) => e instanceof BuildError && e.message === '--out afile/pkg/deeper: afile is a file, not a folder');
  await assert.rejects(buildPackage(o('new/pkg'), opts), (e) => e instanceof BuildError && /no-such-emcc/.test(e.message), 'a folder to be made passes the check');
});

test('parawasm build: --out a folder holding files of yours that a build would overwrite or remove is refused, and nothing in it changes', async () => {
  const { buildPackage, BuildError } = await import('../../js/tools/build.mjs');
  const d = fresh();
  writeFileSync(join(d, 'k.h'), '#include <parawasm/kernel.h>\nPW_KERNEL unsigned pw_one(unsigned a);\n');
  const o = (out) => ({ name: 'x', out, prefix: 'pw_', with: [], includes: [], defines: [], opt: '3', cache: false, files: ['k.h'], quiet: true });
  const opts = { cwd: d, log: () => {}, emcc: join(d, 'no-such-emcc') }; // (the check comes before emcc)
  // a project of its own: --out .
  writeFileSync(join(d, 'index.js'), 'export const mine = 1;\n');
  mkdirSync(join(d, 'wasm'));
  writeFileSync(join(d, 'wasm/logo.js'), 'mine\n');
  await assert.rejects(buildPackage(o('.'), opts), (e) => e instanceof BuildError &&
    /^--out \.: the folder holds index\.js, wasm, which a build would overwrite or remove, and no earlier parawasm build wrote it/.test(e.message));
  assert.equal(readFileSync(join(d, 'index.js'), 'utf8'), 'export const mine = 1;\n');
  assert.equal(readFileSync(join(d, 'wasm/logo.js'), 'utf8'), 'mine\n');
  // a folder with only lib/runtime, or a fallback worker, of its own
  mkdirSync(join(d, 'other/lib/runtime'), { recursive: true });
  await assert.rejects(buildPackage(o('other'), opts), (e) => e instanceof BuildError && /holds lib\/runtime, which/.test(e.message));
  // one an earlier build wrote (its index.js says so), an empty one and one with package.json and README.md: taken
  mkdirSync(join(d, 'built/wasm'), { recursive: true });
  writeFileSync(join(d, 'built/index.js'), '// Generated by parawasm build for x. Do not edit.\n');
  mkdirSync(join(d, 'empty'));
  mkdirSync(join(d, 'kept'));
  writeFileSync(join(d, 'kept/package.json'), '{ "name": "x" }\n');
  writeFileSync(join(d, 'kept/README.md'), '# x\n');
  // one a build left when it failed while writing the package: its bindings (gen/, written first) say so
  mkdirSync(join(d, 'partial/gen'), { recursive: true });
  mkdirSync(join(d, 'partial/wasm'));
  mkdirSync(join(d, 'partial/lib/runtime'), { recursive: true });
  writeFileSync(join(d, 'partial/gen/kernels.js'), "// Generated by parawasm's bindgen from the annotated C headers. Do not edit.\n");
  for (const out of ['built', 'empty', 'kept', 'partial']) {
    await assert.rejects(buildPackage(o(out), opts), (e) => e instanceof BuildError && /no-such-emcc/.test(e.message), `${out} passes the check`);
  }
});

test('parawasm build: headers without a kernel name the misspelt PW_KERNEL at its file:line', async () => {
  const { buildPackage, BuildError } = await import('../../js/tools/build.mjs');
  const d = fresh();
  writeFileSync(join(d, 'k.h'), '#include <parawasm/kernel.h>\nPW_KERNELL unsigned pw_one(unsigned a);\nPW_KERNAL unsigned pw_two(unsigned a);\n');
  const o = { name: 'x', out: 'pkg', prefix: 'pw_', with: [], includes: [], defines: [], opt: '3', cache: false, files: ['k.h'], quiet: true };
  await assert.rejects(buildPackage(o, { cwd: d, log: () => {} }), (e) => e instanceof BuildError &&
    e.message === 'no PW_KERNEL declarations found in the headers given\nk.h:2: PW_KERNELL is not PW_KERNEL\nk.h:3: PW_KERNAL is not PW_KERNEL');
  assert.ok(!existsSync(join(d, 'pkg')), 'no package written');
});

test('parawasm build: a header given twice is read once; __attribute__ and extern on a declaration are left out; a PW_KERNEL in a .c file that no header declares is an error at its file:line', async () => {
  // the header given twice had each kernel "declared twice (also at itself)";
  // a trailing attribute was "cannot read parameter"; the .c kernel was dropped without a word
  const { buildPackage, BuildError } = await import('../../js/tools/build.mjs');
  const d = fresh();
  writeFileSync(join(d, 'k.h'), '#include <parawasm/kernel.h>\n' +
    'PW_KERNEL extern unsigned pw_one(unsigned a) __attribute__((warn_unused_result));\n' +
    'PW_KERNEL __attribute__((pure)) unsigned pw_zero(PW_IN(n) const uint8_t *p, size_t n);\n');
  writeFileSync(join(d, 'k.c'), '#include "k.h"\n/* PW_KERNEL unsigned pw_three(void); */\n' +
    'unsigned pw_one(unsigned a) { return a; }\nPW_KERNEL PW_NAME(two) unsigned pw_two(unsigned a) { return a; }\n' +
    '// PW_KERNEL unsigned pw_four(void);\nPW_KERNEL unsigned pw_zero(const uint8_t *p, size_t n) { return p[0] + n; }\n');
  const o = { name: 'x', out: 'pkg', prefix: 'pw_', with: [], includes: [], defines: [], opt: '3', cache: false, files: ['k.h', 'k.c', './k.h'], quiet: true };
  await assert.rejects(buildPackage(o, { cwd: d, log: () => {} }), (e) => e instanceof BuildError && e.message ===
    'k.c:4: pw_two is marked PW_KERNEL in a source file, which parawasm build does not read for kernels: declare it in a header and give that header');
  assert.ok(!existsSync(join(d, 'pkg')), 'no package written');
});

test('parawasm build: a function the sources call and none defines is named where a source calls it, not with the linker\'s text', async () => {
  const { buildPackage, BuildError } = await import('../../js/tools/build.mjs');
  const d = fresh();
  writeFileSync(join(d, 'k.h'), '#include <parawasm/kernel.h>\nPW_KERNEL unsigned pw_one(unsigned a);\n');
  // (a string with /* in it opens no comment, one with { counts no brace)
  writeFileSync(join(d, 'k.c'), '#include "k.h"\n/* helper( is not called here */\nunsigned helper(unsigned a);\n' +
    'static const char *glob = "src/*.c {";\nunsigned pw_one(unsigned a) {\n  unsigned b = a + 1 + (glob[0] == \'{\');\n  return helper(b);\n}\n');
  const o = { name: 'x', out: 'pkg', prefix: 'pw_', with: [], includes: [], defines: [], opt: '1', cache: false, files: ['k.h', 'k.c'], quiet: true };
  await assert.rejects(buildPackage(o, { cwd: d, log: () => {} }), (e) => e instanceof BuildError && e.message ===
    'k.c:7: helper is used, but no C source of the build defines it: give the source that does among the files ' +
    '(a library\'s .c files too, with -I for its headers), or check its spelling');
  assert.ok(!existsSync(join(d, 'pkg')), 'no package written');
});

test('parawasm build: package.json keeps the user\'s fields and exports subpaths of their own; the entries are the build\'s', async () => {
  const { writePackageJson } = await import('../../js/tools/build.mjs');
  const d = fresh();
  const mine = {
    name: 'old-name', version: '2.0.0', license: 'ISC', custom: { a: 1 },
    exports: { '.': './somewhere-else.js', './extra': './extra.js', './data/*': './data/*.json', './package.json': './x.json' },
    files: ['extra.js'],
  };
  writeFileSync(join(d, 'package.json'), JSON.stringify(mine));
  writePackageJson(d, 'my-kernels', 'my-kernels', [], null);
  const pj = JSON.parse(readFileSync(join(d, 'package.json'), 'utf8'));
  assert.equal(pj.name, 'my-kernels');
  assert.equal(pj.version, '2.0.0');
  assert.equal(pj.license, 'ISC');
  assert.deepEqual(pj.custom, { a: 1 });
  assert.equal(pj.exports['./extra'], './extra.js');
  assert.equal(pj.exports['./data/*'], './data/*.json');
  assert.equal(pj.exports['./package.json'], './package.json', 'the build\'s');
  assert.deepEqual(pj.exports['.'].node, { import: './index.js', require: './index.cjs' }, 'the build\'s');
  assert.ok(pj.files.includes('extra.js') && pj.files.includes('index.js'));
});
