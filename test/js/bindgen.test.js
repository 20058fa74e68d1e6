// js/tools/bindgen.mjs, the binding generator: as a library (parseHeader,
// buildSpec) and as the CLI that make runs, on temporary headers and on the
// real ones; the C it writes compiles; the ABI hash ties the JS bindings to
// the wasm they were built with.
//
//   node --test test/js/bindgen.test.js
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  cpSync, existsSync, mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseHeader, buildSpec } from '../../js/tools/bindgen.mjs';
import { HANG_MS } from './helpers/pool-test-utils.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BINDGEN = join(ROOT, 'js/tools/bindgen.mjs');
// The header lists of the Makefile: HEADERS and TEST_HEADERS (sorted wildcards).
const hdrs = (dir) => readdirSync(join(ROOT, dir)).filter((f) => f.endsWith('.h')).sort().map((f) => `${dir}/${f}`);
const REAL_HEADERS = ['include/parawasm.h', ...hdrs('include/parawasm')];
const TEST_HEADERS = hdrs('test/kernels');

let tmp;
before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'pw-bindgen-'));
});
after(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

let seq = 0;
/** Writes a header into the temp dir; returns its absolute path. */
function header(text, name = `h${++seq}.h`) {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
}

function cli(args, cwd = ROOT, script = BINDGEN) {
  return spawnSync(process.execPath, [script, ...args], { cwd, encoding: 'utf8', timeout: HANG_MS });
}

function gccSyntax(file, extra = []) {
  const r = spawnSync('gcc', ['-fsyntax-only', '-std=c11', '-Wall', '-Wextra', '-Werror', '-Iinclude', '-Isrc/runtime', ...extra, file], {
    cwd: ROOT, encoding: 'utf8',
  });
  if (r.error) throw r.error;
  return r;
}

const lineOf = (text, needle) => {
  const i = text.indexOf(needle);
  assert.ok(i >= 0, `fixture contains ${needle}`);
  return text.slice(0, i).split('\n').length;
};

const strip = ({ decl, ...spec }) => spec;
/** A spec as the generated JS holds it: bigint defaults are bigints. */
const asJs = (spec, id) => ({
  name: spec.name,
  id,
  ret: spec.ret,
  params: spec.params.map((p) => (typeof p.default === 'string' && /^-?\d+n$/.test(p.default)
    ? { ...p, default: BigInt(p.default.slice(0, -1)) } : p)),
  cargs: spec.cargs,
});

// ------------------------------------------------------- a valid header

const VALID = `/* A header for bindgen's tests. */
/* PW_KERNEL void pw_in_block_comment(void); */
// PW_KERNEL void pw_in_line_comment(void);
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "parawasm.h"
#define NOT_A_KERNEL(x) \\
  PW_KERNEL void pw_in_macro(void)
#define MY_STATUS_LIST(X) X(PW_FOO, -9, "ERR_FOO", "foo failed")

/**
 * Sums the bytes of a buffer.
 * @param data  the bytes
 *              (any view)
 * @param seed  running value
 * @return the sum
 */
PW_KERNEL uint32_t pw_sum_bytes(PW_IN(len) const void *data, size_t len,
                                PW_DEFAULT(7u) PW_CHAIN uint32_t seed);

/** Documentation of something else. */
int not_a_kernel(int x);

PW_KERNEL pw_status pw_mix_all(size_t m, PW_IN(n) const uint16_t *a, PW_INOUT(n) double *b,
                               PW_OUT(m) int8_t *c, size_t n, int32_t k,
                               PW_DEFAULT(-3) int64_t big, PW_DEFAULT(0x10) uint64_t huge,
                               PW_DEFAULT(1.5f) float f, PW_DEFAULT(true) bool flag);

PW_KERNEL void pw_no_args(void);

/** Returns a number. */
PW_KERNEL int64_t pw_two_word_types(unsigned int u, unsigned x, int i, _Bool b2);

PW_KERNEL void pw_twelve(PW_IN(n1) const float *p1, size_t n1, PW_IN(n2) const float *p2, size_t n2,
                         PW_IN(n3) const float *p3, size_t n3, PW_OUT(n4) float *p4, size_t n4,
                         int8_t a, uint8_t b, int16_t c, uint16_t d);
`;

const EXPECTED = [
  {
    name: 'sumBytes', cname: 'pw_sum_bytes', ret: 'u32',
    params: [{ name: 'data', kind: 'in', elem: 'u8' }, { name: 'seed', kind: 'scalar', type: 'u32', default: 7, chain: true }],
    cargs: [{ arg: 0, use: 'ptr' }, { buffers: [0], use: 'len', type: 'usize' }, { arg: 1, use: 'value', type: 'u32' }],
  },
  {
    name: 'mixAll', cname: 'pw_mix_all', ret: 'status',
    params: [
      { name: 'a', kind: 'in', elem: 'u16' },
      { name: 'b', kind: 'inout', elem: 'f64' },
      { name: 'c', kind: 'out', elem: 'i8' },
      { name: 'k', kind: 'scalar', type: 'i32' },
      { name: 'big', kind: 'scalar', type: 'i64', default: '-3n' },
      { name: 'huge', kind: 'scalar', type: 'u64', default: '16n' },
      { name: 'f', kind: 'scalar', type: 'f32', default: 1.5 },
      { name: 'flag', kind: 'scalar', type: 'bool', default: true },
    ],
    cargs: [
      { buffers: [2], use: 'len', type: 'usize' },
      { arg: 0, use: 'ptr' },
      { arg: 1, use: 'ptr' },
      { arg: 2, use: 'ptr' },
      { buffers: [0, 1], use: 'len', type: 'usize' },
      { arg: 3, use: 'value', type: 'i32' },
      { arg: 4, use: 'value', type: 'i64' },
      { arg: 5, use: 'value', type: 'u64' },
      { arg: 6, use: 'value', type: 'f32' },
      { arg: 7, use: 'value', type: 'bool' },
    ],
  },
  { name: 'noArgs', cname: 'pw_no_args', ret: 'void', params: [], cargs: [] },
  {
    name: 'twoWordTypes', cname: 'pw_two_word_types', ret: 'i64',
    params: [
      { name: 'u', kind: 'scalar', type: 'u32' }, { name: 'x', kind: 'scalar', type: 'u32' },
      { name: 'i', kind: 'scalar', type: 'i32' }, { name: 'b2', kind: 'scalar', type: 'bool' },
    ],
    cargs: [
      { arg: 0, use: 'value', type: 'u32' }, { arg: 1, use: 'value', type: 'u32' },
      { arg: 2, use: 'value', type: 'i32' }, { arg: 3, use: 'value', type: 'bool' },
    ],
  },
  {
    name: 'twelve', cname: 'pw_twelve', ret: 'void',
    params: [
      { name: 'p1', kind: 'in', elem: 'f32' }, { name: 'p2', kind: 'in', elem: 'f32' },
      { name: 'p3', kind: 'in', elem: 'f32' }, { name: 'p4', kind: 'out', elem: 'f32' },
      { name: 'a', kind: 'scalar', type: 'i8' }, { name: 'b', kind: 'scalar', type: 'u8' },
      { name: 'c', kind: 'scalar', type: 'i16' }, { name: 'd', kind: 'scalar', type: 'u16' },
    ],
    cargs: [
      { arg: 0, use: 'ptr' }, { buffers: [0], use: 'len', type: 'usize' },
      { arg: 1, use: 'ptr' }, { buffers: [1], use: 'len', type: 'usize' },
      { arg: 2, use: 'ptr' }, { buffers: [2], use: 'len', type: 'usize' },
      { arg: 3, use: 'ptr' }, { buffers: [3], use: 'len', type: 'usize' },
      { arg: 4, use: 'value', type: 'i8' }, { arg: 5, use: 'value', type: 'u8' },
      { arg: 6, use: 'value', type: 'i16' }, { arg: 7, use: 'value', type: 'u16' },
    ],
  },
];

test('parseHeader finds exactly the PW_KERNEL declarations, with lines, C names and doc comments', () => {
  const decls = parseHeader('valid.h', VALID);
  assert.deepEqual(decls.map((d) => d.cname), ['pw_sum_bytes', 'pw_mix_all', 'pw_no_args', 'pw_two_word_types', 'pw_twelve']);
  assert.deepEqual(decls.map((d) => d.line), [
    lineOf(VALID, 'PW_KERNEL uint32_t pw_sum_bytes'), lineOf(VALID, 'PW_KERNEL pw_status pw_mix_all'),
    lineOf(VALID, 'PW_KERNEL void pw_no_args'), lineOf(VALID, 'PW_KERNEL int64_t pw_two_word_types'),
    lineOf(VALID, 'PW_KERNEL void pw_twelve'),
  ]);
  assert.ok(decls.every((d) => d.file === 'valid.h'));
  assert.deepEqual(decls.map((d) => d.retC), ['uint32_t', 'pw_status', 'void', 'int64_t', 'void']);
  const sum = decls[0];
  assert.deepEqual(sum.params.map((p) => [p.name, p.ctype, p.pointer]), [['data', 'void', true], ['len', 'size_t', false], ['seed', 'uint32_t', false]]);
  assert.deepEqual(sum.params[0].annotations, { IN: 'len' });
  assert.deepEqual(sum.params[2].annotations, { DEFAULT: '7u', chain: true });
  assert.deepEqual(sum.doc, {
    text: 'Sums the bytes of a buffer.',
    params: { data: 'the bytes (any view)', seed: 'running value' },
    returns: 'the sum',
  });
  // a doc comment followed by other code is not the kernel's
  assert.equal(decls[1].doc, null);
  assert.equal(decls[2].doc, null);
  assert.equal(decls[3].doc.text, 'Returns a number.');
  assert.deepEqual(decls[3].params.map((p) => p.ctype), ['unsigned int', 'unsigned', 'int', '_Bool']);
});

test('buildSpec: camelCase names, hidden length parameters, parsed defaults, C-order arguments', () => {
  const specs = parseHeader('valid.h', VALID).map(buildSpec);
  assert.deepEqual(specs.map(strip), EXPECTED);
  // the declaration stays attached for the generators
  assert.equal(specs[0].decl.cname, 'pw_sum_bytes');
});

test('the same declarations with CRLF line ends give the same specs', () => {
  const noMacro = VALID.replace(/#define NOT_A_KERNEL\(x\) \\\n.*\n/, '');
  assert.notEqual(noMacro, VALID);
  const a = parseHeader('valid.h', noMacro).map(buildSpec).map(strip);
  const b = parseHeader('valid.h', noMacro.replace(/\n/g, '\r\n')).map(buildSpec).map(strip);
  assert.deepEqual(b, a);
  assert.deepEqual(a, EXPECTED);
  for (const h of [...REAL_HEADERS, ...TEST_HEADERS]) {
    const text = readFileSync(join(ROOT, h), 'utf8');
    assert.deepEqual(parseHeader(h, text.replace(/\n/g, '\r\n')).map(buildSpec).map(strip),
      parseHeader(h, text).map(buildSpec).map(strip), h);
  }
});

test('with CRLF line ends, a backslash-continued #define is still skipped', () => {
  const specs = parseHeader('valid.h', VALID.replace(/\n/g, '\r\n')).map(buildSpec).map(strip);
  assert.deepEqual(specs, EXPECTED);
});

test('CLI on a valid header writes C, JS and .d.ts that agree with buildSpec', async () => {
  const dir = join(tmp, 'valid-out');
  mkdirSync(dir);
  const h = header(VALID, 'valid.h');
  const r = cli(['--c', join(dir, 'kernels.c'), '--js', join(dir, 'kernels.mjs'), '--dts', join(dir, 'kernels.d.ts'), h], tmp);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /bindgen: 5 kernels \(sumBytes, mixAll, noArgs, twoWordTypes, twelve\)/);

  const gen = await import(pathToFileURL(join(dir, 'kernels.mjs')).href);
  assert.deepEqual(gen.KERNELS, EXPECTED.map((s, id) => asJs(s, id)));
  assert.equal(typeof gen.KERNELS[1].params[4].default, 'bigint');
  assert.equal(gen.KERNELS[1].params[4].default, -3n);
  assert.equal(gen.KERNELS[1].params[5].default, 16n);
  assert.deepEqual(gen.STATUS, { '-9': { name: 'PW_FOO', code: 'ERR_FOO', message: 'foo failed' } });

  const c = readFileSync(join(dir, 'kernels.c'), 'utf8');
  const abi = /pw__kernel_abi = 0x([0-9a-f]{8})u;/.exec(c);
  assert.ok(abi, 'the C holds the ABI hash');
  assert.equal(parseInt(abi[1], 16), gen.KERNEL_ABI, 'C and JS carry the same ABI hash');
  assert.match(c, /pw__kernel_count = 5;/);
  // kernel table in declaration order
  const names = [...c.matchAll(/^ {2}"(pw_\w+)",$/gm)].map((m) => m[1]);
  assert.deepEqual(names, EXPECTED.map((s) => s.cname));
  const g = gccSyntax(join(dir, 'kernels.c'));
  assert.equal(g.status, 0, `generated C does not compile:\n${g.stderr}`);

  const dts = readFileSync(join(dir, 'kernels.d.ts'), 'utf8');
  assert.ok(dts.includes('sumBytes(data: ArrayBufferView, seed?: number): number;'), dts);
  assert.ok(dts.includes('sumBytes(data: ArrayBufferView, options?: CallOptions): Promise<number>;'));
  assert.ok(dts.includes('sumBytes(data: ArrayBufferView, seed: number, options?: CallOptions): Promise<number>;'));
  assert.ok(dts.includes('mixAll(a: Uint16Array, b: Float64Array, c: Int8Array, k: number, big?: number | bigint, huge?: number | bigint, f?: number, flag?: boolean): number;'), dts);
  assert.ok(dts.includes('noArgs(): void;'));
  assert.ok(dts.includes('noArgs(options?: CallOptions): Promise<void>;'));
  assert.ok(dts.includes('twoWordTypes(u: number, x: number, i: number, b2: boolean): bigint;'));
  assert.ok(dts.includes('@param data the bytes (any view)'));
  assert.ok(dts.includes('@returns the sum'));
  assert.ok(dts.includes('C: `pw_sum_bytes` (valid.h:'));
});

test('the ABI hash follows signatures only: docs and layout do not change it, a type does', async () => {
  const abiOf = async (text, tag) => {
    const out = join(tmp, `abi-${tag}.mjs`);
    const r = cli(['--js', out, header(text, `abi-${tag}.h`)], tmp);
    assert.equal(r.status, 0, r.stderr);
    return (await import(pathToFileURL(out).href)).KERNEL_ABI;
  };
  const base = await abiOf(VALID, 'base');
  const redoc = await abiOf(VALID.replace('Sums the bytes of a buffer.', 'Adds bytes.').replace(/,\n\s+/g, ', '), 'redoc');
  const retyped = await abiOf(VALID.replace('int32_t k,', 'uint32_t k,'), 'retyped');
  const dropped = await abiOf(VALID.replace('PW_KERNEL void pw_no_args(void);', ''), 'dropped');
  assert.equal(typeof base, 'number');
  assert.equal(redoc, base);
  assert.notEqual(retyped, base);
  assert.notEqual(dropped, base);
});

// ------------------------------------------------- invalid declarations

// A declaration on line 6 of a header, and what the error must say.
const PRE = '#include <stddef.h>\n#include <stdint.h>\n#include <stdbool.h>\n#include "parawasm.h"\n\n';

const INVALID = [
  ['pointer without PW_IN/PW_OUT/PW_INOUT', 'PW_KERNEL uint32_t pw_f(const uint8_t *data, size_t len);', /data/],
  ['length parameter that is not a size_t', 'PW_KERNEL uint32_t pw_f(PW_IN(len) const uint8_t *data, uint32_t len);', /size_t/],
  ['length parameter that does not exist', 'PW_KERNEL uint32_t pw_f(PW_IN(n) const uint8_t *data, size_t len);', /\bn\b/],
  ['unsupported scalar type', 'PW_KERNEL void pw_f(long double x);', /long double/],
  ['unsupported buffer element type', 'PW_KERNEL void pw_f(PW_IN(n) const long *x, size_t n);', /long/],
  ['unsupported return type', 'PW_KERNEL char *pw_f(uint32_t x);', /return type/, null],
  ['reserved name alloc', 'PW_KERNEL void pw_alloc(uint32_t x);', /alloc/],
  ['reserved name free', 'PW_KERNEL void pw_free(uint32_t x);', /free/],
  ['reserved name stats', 'PW_KERNEL uint32_t pw_stats(void);', /stats/],
  ['reserved name destroy', 'PW_KERNEL void pw_destroy(void);', /destroy/],
  ['PW_DEFAULT on a buffer', 'PW_KERNEL void pw_f(PW_DEFAULT(0) PW_IN(n) const uint8_t *x, size_t n);', /PW_DEFAULT/],
  ['a parameter without default after one with a default', 'PW_KERNEL void pw_f(PW_DEFAULT(0) uint32_t a, uint32_t b);', /\bb\b/],
  ['more than 12 arguments', `PW_KERNEL void pw_f(${Array.from({ length: 13 }, (_, i) => `int a${i}`).join(', ')});`, /13/],
  ['more than 12 arguments counting lengths', `PW_KERNEL void pw_f(${Array.from({ length: 7 }, (_, i) => `PW_IN(n${i}) const float *p${i}, size_t n${i}`).join(', ')});`, /14/],
  ['a buffer annotation on a non-pointer', 'PW_KERNEL void pw_f(PW_IN(n) uint8_t x, size_t n);', /pointer/],
  ['an unknown annotation', 'PW_KERNEL void pw_f(PW_FOO(1) int a);', /PW_FOO/, null],
  ['a kernel name without pw_', 'PW_KERNEL void f(int a);', /pw_/, null],
  ['a default that is not a literal', 'PW_KERNEL void pw_f(PW_DEFAULT(abc) int a);', /abc/],
  ['two PW_CHAIN parameters', 'PW_KERNEL uint32_t pw_f(PW_IN(n) const uint8_t *x, size_t n, PW_CHAIN uint32_t a, PW_CHAIN uint32_t b);', /PW_CHAIN/],
  ['PW_CHAIN whose type differs from the return type', 'PW_KERNEL uint64_t pw_f(PW_IN(n) const uint8_t *x, size_t n, PW_CHAIN uint32_t a);', /PW_CHAIN/],
  ['two PW_RETURN buffers', 'PW_KERNEL void pw_f(PW_RETURN(4) uint8_t *a, PW_RETURN(4) uint8_t *b);', /at most one PW_RETURN/],
  ['PW_RETURN with a non-void return', 'PW_KERNEL uint32_t pw_f(PW_RETURN(4) uint8_t *a);', /returns void or pw_status/],
  ['PW_RETURN of a name that is no parameter', 'PW_KERNEL void pw_f(PW_RETURN(n) uint8_t *a);', /PW_RETURN\(n\)/],
  ['PW_RETURN of a pointer parameter', 'PW_KERNEL void pw_f(PW_RETURN(q) uint8_t *a, PW_IN(n) const uint8_t *q, size_t n);', /PW_RETURN\(q\)/],
  ['a literal count on PW_INOUT', 'PW_KERNEL void pw_f(PW_INOUT(4) uint8_t *a);', /literal count/],
  ['an unsupported return struct', 'PW_KERNEL pw_u64pair pw_f(int a);', /unsupported return type/],
  ['a default out of range for uint32_t', 'PW_KERNEL void pw_f(PW_DEFAULT(-1) uint32_t a);', /-1/,
    'bug: parseDefault() does not check a PW_DEFAULT against its type\'s range: PW_DEFAULT(-1) on a uint32_t is accepted, and every call that leaves the argument out then fails with a RangeError'],
  ['a default out of range for uint8_t', 'PW_KERNEL void pw_f(PW_DEFAULT(300) uint8_t a);', /300/,
    'bug: parseDefault() does not check a PW_DEFAULT against its type\'s range (PW_DEFAULT(300) on a uint8_t is accepted)'],
];

for (const [what, decl, fragment] of INVALID) {
  test(`invalid: ${what} fails naming file:line (library and CLI)`, () => {
    const text = `${PRE}${decl}\n`;
    assert.equal(lineOf(text, 'PW_KERNEL'), 6);
    const file = header(text);
    // library: parseHeader or buildSpec throws a message that starts with file:line
    assert.throws(() => parseHeader(file, text).map(buildSpec), (e) => {
      assert.ok(e.message.startsWith(`${file}:6: `), `message: ${e.message}`);
      assert.match(e.message, fragment);
      return true;
    });
    // CLI: exit status 1, one clear line, no stack trace, no output written
    const out = join(tmp, `out-${seq}.js`);
    const r = cli(['--js', out, file]);
    assert.equal(r.status, 1, `status ${r.status}; stderr: ${r.stderr}`);
    assert.ok(r.stderr.startsWith(`bindgen: error: ${file}:6: `), `stderr: ${r.stderr}`);
    assert.match(r.stderr, fragment);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    assert.equal(existsSync(out), false, 'nothing written');
  });
}

test('invalid: a kernel declared twice (same file and across files) names both places', () => {
  const text = `${PRE}PW_KERNEL void pw_f(uint32_t x);\nPW_KERNEL void pw_f(uint32_t y);\n`;
  const file = header(text);
  let r = cli(['--js', join(tmp, 'dup.js'), file]);
  assert.equal(r.status, 1, r.stderr);
  assert.ok(r.stderr.startsWith(`bindgen: error: ${file}:7: `), r.stderr);
  assert.ok(r.stderr.includes(`${file}:6`), r.stderr);
  assert.doesNotMatch(r.stderr, /\n\s+at /);

  const a = header(`${PRE}PW_KERNEL void pw_g(void);\n`);
  const b = header(`${PRE}\nPW_KERNEL void pw_g(void);\n`);
  r = cli(['--js', join(tmp, 'dup2.js'), a, b]);
  assert.equal(r.status, 1, r.stderr);
  assert.ok(r.stderr.startsWith(`bindgen: error: ${b}:7: `), r.stderr);
  assert.ok(r.stderr.includes(`${a}:6`), r.stderr);
});

test('the CLI rejects unknown options and a missing header list', () => {
  let r = cli(['--bogus', 'x', header(VALID)]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /unknown option --bogus/);
  r = cli(['--js', join(tmp, 'none.js')]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /usage/);
});

test('the CLI works when run from a path with a space', () => {
  const dir = join(tmp, 'dir with space');
  mkdirSync(dir, { recursive: true });
  cpSync(BINDGEN, join(dir, 'bindgen.mjs'));
  const out = join(tmp, 'space-out.js');
  const r = cli(['--js', out, header(VALID)], tmp, join(dir, 'bindgen.mjs'));
  assert.equal(r.status, 0, r.stderr);
  assert.ok(existsSync(out), 'the JS was written');
});

test('the CLI works when run through a symlinked directory', () => {
  const link = join(tmp, 'linked-js');
  symlinkSync(join(ROOT, 'js'), link);
  const out = join(tmp, 'link-out.js');
  const r = cli(['--js', out, header(VALID)], tmp, join(link, 'tools/bindgen.mjs'));
  assert.equal(r.status, 0, r.stderr);
  assert.ok(existsSync(out), 'the JS was written');
});

// ---------------------------------------------------- the real headers

test('make\'s generated C for the real headers compiles (gcc -fsyntax-only)', () => {
  for (const [file, extra] of [['build/gen/kernels.c', []], ['build/gen-test/kernels.c', ['-Itest/kernels']]]) {
    assert.ok(existsSync(join(ROOT, file)), `${file} exists (run make pkg testpkg)`);
    const r = gccSyntax(file, extra);
    assert.equal(r.status, 0, `${file}:\n${r.stderr}`);
  }
});

test('regenerating from the real headers reproduces pkg/gen and build/gen, and the C compiles', async () => {
  const dir = join(tmp, 'real');
  const r = cli(['--c', join(dir, 'kernels.c'), '--js', join(dir, 'kernels.js'), '--dts', join(dir, 'kernels.d.ts'), ...REAL_HEADERS]);
  assert.equal(r.status, 0, r.stderr);
  for (const k of ['asciiUpper', 'crc32', 'crc32c', 'adler32', 'crc32Combine', 'crc32cCombine', 'adler32Combine']) {
    assert.match(r.stdout, new RegExp(`bindgen: \\d+ kernels \\(.*\\b${k}\\b`), k);
  }
  assert.equal(readFileSync(join(dir, 'kernels.js'), 'utf8'), readFileSync(join(ROOT, 'pkg/gen/kernels.js'), 'utf8'), 'pkg/gen/kernels.js is current');
  assert.equal(readFileSync(join(dir, 'kernels.d.ts'), 'utf8'), readFileSync(join(ROOT, 'pkg/gen/kernels.d.ts'), 'utf8'), 'pkg/gen/kernels.d.ts is current');
  const noIncludes = (s) => s.replace(/^#include .*$/gm, '');
  assert.equal(noIncludes(readFileSync(join(dir, 'kernels.c'), 'utf8')), noIncludes(readFileSync(join(ROOT, 'build/gen/kernels.c'), 'utf8')));
  const g = gccSyntax(join(dir, 'kernels.c'));
  assert.equal(g.status, 0, g.stderr);

  const gen = await import(pathToFileURL(join(dir, 'kernels.js')).href);
  // status codes come from PW_STATUS_LIST in parawasm.h
  assert.deepEqual(Object.fromEntries(Object.entries(gen.STATUS).map(([k, v]) => [k, v.code])), {
    0: 'OK', '-1': 'ERR_PW_INVALID_ARG', '-2': 'ERR_PW_NO_MEMORY', '-3': 'ABORT_ERR', '-4': 'ERR_PW_OUT_OF_RANGE', '-5': 'ERR_PW_NO_KERNEL',
    '-6': 'ERR_PW_BAD_FORMAT',
  });
  const crc32 = gen.KERNELS.find((k) => k.name === 'crc32');
  assert.deepEqual(crc32.params, [{ name: 'data', kind: 'in', elem: 'u8' }, { name: 'crc', kind: 'scalar', type: 'u32', default: 0, chain: true }]);
  const adler = gen.KERNELS.find((k) => k.name === 'adler32');
  assert.equal(adler.params[1].default, 1);
  const comb = gen.KERNELS.find((k) => k.name === 'crc32Combine');
  assert.deepEqual(comb.params.map((p) => p.type), ['u32', 'u32', 'u64']);
});

test('the test kernels generate and compile too', () => {
  const dir = join(tmp, 'real-test');
  const r = cli(['--c', join(dir, 'kernels.c'), '--js', join(dir, 'kernels.js'), ...REAL_HEADERS, ...TEST_HEADERS]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(readFileSync(join(dir, 'kernels.js'), 'utf8'), readFileSync(join(ROOT, 'build/testpkg/gen/kernels.js'), 'utf8'), 'build/testpkg/gen/kernels.js is current');
  const g = gccSyntax(join(dir, 'kernels.c'), ['-Itest/kernels']);
  assert.equal(g.status, 0, g.stderr);
});

// ------------------------------------------------------------- the ABI

// js/core.js imports '../gen/kernels.js', which exists only inside the
// package, so the module is imported from pkg/lib/, after checking that it
// is the same file as js/core.js.
test('checkAbi: pkg/lib/core.js is js/core.js', () => {
  assert.equal(readFileSync(join(ROOT, 'pkg/lib/core.js'), 'utf8'), readFileSync(join(ROOT, 'js/core.js'), 'utf8'));
});

test('checkAbi accepts the matching layout and reports a mismatch', async () => {
  const { checkAbi } = await import('../../pkg/lib/core.js');
  const { KERNEL_ABI, KERNELS } = await import('../../pkg/gen/kernels.js');
  const { ParawasmError } = await import('../../pkg/lib/index.js');
  assert.doesNotThrow(() => checkAbi({ abi: KERNEL_ABI, kernelCount: KERNELS.length }, 'loadCore'));
  const bad = [
    { abi: (KERNEL_ABI ^ 1) >>> 0, kernelCount: KERNELS.length },
    { abi: KERNEL_ABI, kernelCount: KERNELS.length + 1 },
    { abi: 0, kernelCount: 0 },
  ];
  for (const layout of bad) {
    assert.throws(() => checkAbi(layout, 'createPool'), (e) => {
      assert.ok(e instanceof ParawasmError, e.constructor.name);
      assert.equal(e.code, 'ERR_PW_BUILD_MISMATCH');
      assert.ok(e.message.startsWith('createPool:'), e.message);
      assert.match(e.message, /make/);
      return true;
    }, JSON.stringify(layout));
  }
  assert.throws(() => checkAbi(bad[0], 'loadCore'), (e) => e.message.includes(KERNEL_ABI.toString(16)) && e.message.includes(bad[0].abi.toString(16)));
});

test('the built package\'s JS and wasm agree: loadCore() and createPool() succeed', async () => {
  const { loadCore, createPool } = await import('../../pkg/lib/index.js');
  const core = await loadCore();
  assert.equal(core.crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  const pool = await createPool({ threads: 1 });
  try {
    assert.equal(await pool.crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  } finally {
    await pool.destroy();
  }
  const gen = await import('../../pkg/gen/kernels.js');
  const c = readFileSync(join(ROOT, 'build/gen/kernels.c'), 'utf8');
  assert.equal(parseInt(/pw__kernel_abi = 0x([0-9a-f]{8})u;/.exec(c)[1], 16), gen.KERNEL_ABI);
});

test('a package whose JS bindings do not match its wasm fails to load with ERR_PW_BUILD_MISMATCH', () => {
  const dir = join(tmp, 'mismatch');
  mkdirSync(dir);
  for (const part of ['package.json', 'lib', 'gen', 'wasm']) cpSync(join(ROOT, 'pkg', part), join(dir, part), { recursive: true });
  const genFile = join(dir, 'gen/kernels.js');
  const src = readFileSync(genFile, 'utf8');
  const patched = src.replace(/^export const KERNEL_ABI = 0x[0-9a-f]+;$/m, (m) => {
    const v = parseInt(m.match(/0x([0-9a-f]+)/)[1], 16);
    return `export const KERNEL_ABI = 0x${((v ^ 0x5a5a5a5a) >>> 0).toString(16)};`;
  });
  assert.notEqual(patched, src);
  writeFileSync(genFile, patched);
  const script = `
    import { loadCore, createPool } from ${JSON.stringify(pathToFileURL(join(dir, 'lib/index.js')).href)};
    const r = {};
    await loadCore().then(() => { r.core = 'loaded'; }, (e) => { r.core = e.code; r.coreMsg = e.message; });
    await createPool({ threads: 2 }).then(() => { r.pool = 'started'; }, (e) => { r.pool = e.code; });
    console.log(JSON.stringify(r));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: HANG_MS });
  assert.equal(r.signal, null, 'the process ends by itself after the failed loads');
  assert.equal(r.status, 0, r.stderr);
  const res = JSON.parse(r.stdout.trim());
  assert.equal(res.core, 'ERR_PW_BUILD_MISMATCH');
  assert.match(res.coreMsg, /^loadCore: /);
  assert.equal(res.pool, 'ERR_PW_BUILD_MISMATCH');
});
