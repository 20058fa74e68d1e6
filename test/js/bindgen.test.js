// js/tools/bindgen.mjs, the binding generator: as a library (parseHeader,
// buildSpec, readHeaders) and as the CLI, on temporary headers and on the
// real ones; the C it writes compiles; the annotation language (namespaces,
// options, expressions, aliases, ranges, several outputs, sized results,
// per-type kernels through X-macros, a configurable prefix); every invalid
// declaration fails with file:line; the ABI hash ties JS to its wasm.
//
//   node --test test/js/bindgen.test.js
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildSpec, generate, parseHeader, readHeaders } from '../../js/tools/bindgen.mjs';
import { FAMILIES, familyHeaders, resolveFamilies } from '../../js/tools/families.mjs';
import { HANG_MS } from './helpers/pool-test-utils.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BINDGEN = join(ROOT, 'js/tools/bindgen.mjs');
const hdrs = (dir) => readdirSync(join(ROOT, dir)).filter((f) => f.endsWith('.h')).sort().map((f) => `${dir}/${f}`);
const SDK_HEADERS = ['include/parawasm.h', ...hdrs('include/parawasm').filter((h) => !h.endsWith('/testing.h'))];
// the headers of parawasm's own package, in the order `parawasm build` reads them
const PKG_HEADERS = familyHeaders('include', resolveFamilies(Object.keys(FAMILIES)));
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

const specsOf = (text, opts) => parseHeader(header(text), text, opts).map(buildSpec);
const strip = (spec) => JSON.parse(JSON.stringify({ ...spec, decl: undefined }));

// ------------------------------------------------------- a valid header

const PRE = '#include <stddef.h>\n#include <stdint.h>\n#include <stdbool.h>\n#include "parawasm/kernel.h"\n\n';

const VALID = `/* A header for bindgen's tests. */
/* PW_KERNEL void pw_in_block_comment(void); */
// PW_KERNEL void pw_in_line_comment(void);
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "parawasm/kernel.h"
#define NOT_A_KERNEL(x) \\
  PW_KERNEL void pw_in_macro(void)
#define MY_STATUS_LIST(X) X(PW_FOO, -9, "ERR_FOO", "foo failed")
#define MY_COLORS_LIST(X) X(RED, 1, "red") X(GREEN, 2, "green")
#define MY_LIMIT 77
static const char *s = "PW_KERNEL void pw_in_string(void);";

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

/// Returns a number.
/// Two lines of /// are one doc comment.
PW_KERNEL int64_t pw_two_word_types(unsigned int u, unsigned x, int i, _Bool b2);

PW_NAMESPACE(img)

/**
 * Blurs an image.
 * @param sigma the Gaussian's standard deviation
 */
PW_KERNEL pw_status pw_img_blur(PW_IN(width * height * 4) const uint8_t *src,
                                PW_OUT(width * height * 4) PW_ALIAS(src) uint8_t *dst,
                                PW_OPTION PW_RANGE(1, 65535) uint32_t width, PW_OPTION PW_RANGE(1, 65535) uint32_t height,
                                PW_OPTION PW_DEFAULT(1.5) PW_RANGE(0, 1000) double sigma);

/** Several outputs. */
PW_KERNEL void pw_img_stats(PW_IN(n) const uint8_t *p, size_t n, PW_RETURN(256) uint32_t *hist,
                            PW_RETURN((n + 3) / 4) float *quarter, PW_RESULT(double) pw_result *extra, pw_result *raw);

#define MY_TYPES(X) X(float, f32) X(double, f64)
#define MY_SUM(T, s) PW_NAME(sum) PW_KERNEL double pw_img_sum_##s(PW_IN(n) const T *x, size_t n);
/** The sum, per type. */
MY_TYPES(MY_SUM)
`;

test('parseHeader finds exactly the PW_KERNEL declarations: lines, C names, docs, namespaces, macro expansions', () => {
  const file = header(VALID, 'valid.h');
  const decls = parseHeader(file, VALID);
  assert.deepEqual(decls.map((d) => d.cname), ['pw_sum_bytes', 'pw_mix_all', 'pw_no_args', 'pw_two_word_types',
    'pw_img_blur', 'pw_img_stats', 'pw_img_sum_f32', 'pw_img_sum_f64']);
  const lineOf = (needle) => VALID.slice(0, VALID.indexOf(needle)).split('\n').length;
  assert.equal(decls[0].line, lineOf('PW_KERNEL uint32_t pw_sum_bytes'));
  assert.equal(decls[6].line, lineOf('MY_TYPES(MY_SUM)\n'), 'expanded kernels take the line of the invocation');
  assert.equal(decls[0].doc.text, 'Sums the bytes of a buffer.');
  assert.equal(decls[0].doc.params.data, 'the bytes (any view)');
  assert.equal(decls[0].doc.returns, 'the sum');
  assert.equal(decls[3].doc.text, 'Returns a number.\nTwo lines of /// are one doc comment.');
  assert.equal(decls[2].doc, null);
  assert.equal(decls[6].doc.text, 'The sum, per type.', 'a doc comment before an expansion documents its kernels');
  assert.deepEqual(decls.map((d) => d.namespace), ['', '', '', '', 'img', 'img', 'img', 'img']);
  assert.deepEqual(decls.map((d) => d.jsName), [null, null, null, null, null, null, 'sum', 'sum']);
});

test('buildSpec: a 64-bit integer\'s PW_RANGE is exact beyond 2^53 (bigint bounds)', () => {
  const specs = readHeaders([header('#include "parawasm/kernel.h"\nPW_KERNEL void pw_r(PW_RANGE(5, 18000000000000000001) uint64_t h, ' +
    'PW_RANGE(-9007199254740993, 0x20000000000001) int64_t g, PW_RANGE(1, 2) uint32_t u);\n')]).specs;
  assert.deepEqual(specs[0].params.map((p) => p.range), [['5n', '18000000000000000001n'], ['-9007199254740993n', '9007199254740993n'], [1, 2]]);
});

test('buildSpec: numbers as C reads them: hex (with digits that are float suffixes), octal, binary, suffixes, -0.0', () => {
  const h = header('#include "parawasm/kernel.h"\n' +
    'PW_KERNEL void pw_lit(PW_IN(010) const uint8_t *d, PW_RETURN(0x1F) uint8_t *r, PW_RANGE(0, 0xFF) uint32_t a, PW_RANGE(0xf, 0x1F) uint32_t b,\n' +
    '  PW_RANGE(010, 0100) uint32_t c, PW_DEFAULT(0xff) double e, PW_DEFAULT(-0.0) double z, PW_DEFAULT(0b101) uint8_t f,\n' +
    '  PW_RANGE(1u, 0xFFFFFFFFul) PW_DEFAULT(1) uint32_t g, PW_DEFAULT(017) int32_t h, PW_RANGE(-1.5e1, .5f) PW_DEFAULT(0) float i);\n' +
    'PW_KERNEL int32_t pw_new(int32_t a);\n', 'lit.h');
  const specs = readHeaders([h]).specs;
  const p = Object.fromEntries(specs[0].params.map((x) => [x.name, x]));
  assert.equal(p.d.fixed, 8, 'PW_IN(010): 8 bytes');
  assert.equal(specs[0].outputs[0].fixed, 31, 'PW_RETURN(0x1F)');
  assert.deepEqual([p.a.range, p.b.range, p.c.range, p.g.range, p.i.range], [[0, 255], [15, 31], [8, 64], [1, 4294967295], [-15, 0.5]]);
  assert.deepEqual([p.e.default, p.f.default, p.h.default], [255, 5, 15]);
  assert.ok(Object.is(p.z.default, -0), 'PW_DEFAULT(-0.0) is -0');
  // the bundle keeps -0 (JSON would write 0); a kernel named new is a method in the types, not a construct signature
  const [js, dts] = ['lit.js', 'lit.d.ts'].map((f) => join(tmp, f));
  generate([h], { js, dts });
  assert.match(readFileSync(js, 'utf8'), /name: "z", kind: "scalar", type: "f64", default: -0 /);
  assert.match(readFileSync(dts, 'utf8'), /^ {2}'new'\(a: number/m);
});

/**
 * The declarations of `headers` in DIR/gen/kernels.d.ts (beside the
 * runtime's types, as in a package); `compile(files)` type-checks files
 * (in DIR, as TS source text by name; none: the declarations) and gives
 * the errors.
 */
function declarations(name, headers) {
  const dir = join(tmp, name);
  const dts = join(dir, 'gen/kernels.d.ts');
  generate(headers, { dts });
  mkdirSync(join(dir, 'lib/runtime'), { recursive: true });
  copyFileSync(join(ROOT, 'js/runtime/types.d.ts'), join(dir, 'lib/runtime/types.d.ts'));
  const compile = async (files = {}) => {
    for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
    const { default: ts } = await import('typescript');
    const program = ts.createProgram(Object.keys(files).length ? Object.keys(files).map((f) => join(dir, f)) : [dts], {
      strict: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, noEmit: true,
    });
    return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  };
  return { text: readFileSync(dts, 'utf8'), compile };
}

test('parameters named as TypeScript words or options get a trailing _ in the declarations, which compile', async () => {
  const h = header('#include "parawasm/kernel.h"\n' +
    'PW_KERNEL int32_t pw_opts(int32_t options, PW_DEFAULT(1) int32_t signal2);\n' +
    'PW_KERNEL void pw_bytes_opts(PW_INOUT(n) uint8_t *options, size_t n, uint32_t await);\n', 'names.h');
  const { text, compile } = declarations('names', [h]);
  assert.ok(text.includes('opts(options_: number, signal2: number, options?: CoreCallOptions): number;'), text);
  assert.match(text, /bytesOpts\(options_: [^,]+, await_: number, options\?: PoolCallOptions\)/);
  assert.deepEqual(await compile(), []);
});

test('kernels of one name (PW_NAME) also take a value typed as the union of their types; the declarations compile', async () => {
  const h = header('#include "parawasm/kernel.h"\n' +
    'PW_NAME(dot) PW_KERNEL double pw_dot_f32(PW_IN(n) const float *x, PW_IN(n) const float *y, size_t n);\n' +
    'PW_NAME(dot) PW_KERNEL double pw_dot_f64(PW_IN(n) const double *x, PW_IN(n) const double *y, size_t n);\n' +
    'PW_NAME(big4) PW_KERNEL void pw_big4_u8(PW_IN(n) const uint8_t *x, size_t n, PW_RETURN(4) uint8_t *r);\n' +
    'PW_NAME(big4) PW_KERNEL void pw_big4_i16(PW_IN(n) const int16_t *x, size_t n, PW_RETURN(4) int16_t *r);\n' +
    'PW_NAME(odd) PW_KERNEL uint32_t pw_odd_a(PW_IN(n) const float *x, size_t n);\n' +
    'PW_NAME(odd) PW_KERNEL uint32_t pw_odd_b(PW_IN(n) const double *x, size_t n, uint32_t k);\n' +
    'PW_NAME(add8) PW_KERNEL uint32_t pw_add8_u8(PW_IN(n) const uint8_t *a, PW_IN(n) const uint8_t *b, size_t n);\n' +
    'PW_NAME(add8) PW_KERNEL uint32_t pw_add8_i16(PW_IN(n) const int16_t *a, PW_IN(n) const int16_t *b, size_t n);\n', 'union.h');
  const { text, compile } = declarations('union', [h]);
  // (x and y go together: one type parameter, so that a mix does not type-check)
  assert.ok(text.includes('dot<A extends Float32Array | Float64Array>(x: A, y: A, options?: CoreCallOptions): number;'), text);
  // (no type parameter where one kernel's type is a union itself: a Uint8Array goes with a Uint8ClampedArray)
  assert.ok(text.includes('add8(a: Uint8Array | Uint8ClampedArray | Int16Array, b: Uint8Array | Uint8ClampedArray | Int16Array, options?: CoreCallOptions): number;'), text);
  // (a kernel with options.out gets none; kernels of other parameters none)
  assert.equal(text.match(/big4\(x: Uint8Array \| Uint8ClampedArray \| Int16Array/g), null);
  assert.equal(text.match(/odd\(x: Float32Array \| Float64Array/g), null);
  assert.deepEqual(await compile({
    'use.ts': "import type { CoreKernels, PoolKernels } from './gen/kernels.js';\n" +
      'declare const core: CoreKernels;\ndeclare const pool: PoolKernels;\ndeclare const v: Float32Array | Float64Array;\n' +
      'const a: number = core.dot(v, v);\nconst b: Promise<number> = pool.dot(v, v);\n' +
      'const c: number = core.dot(new Float32Array(2), new Float32Array(2));\n' +
      '// @ts-expect-error: x and y of two types (the run time refuses the mix)\n' +
      'const d: number = core.dot(new Float32Array(2), new Float64Array(2));\n' +
      '// @ts-expect-error: the same on the pool\n' +
      'const e: Promise<number> = pool.dot(new Float64Array(2), new Float32Array(2));\n' +
      'declare const u: Uint8Array | Int16Array;\ndeclare const uc: Uint8ClampedArray | Int16Array;\n' +
      'const f: number = core.add8(u, uc);\n' +
      'export { a, b, c, d, e, f };\n',
  }), []);
});

test('buildSpec: camelCase, hidden lengths, defaults, options, ranges, aliases, expressions, outputs', () => {
  const specs = readHeaders([header(VALID, 'valid2.h')]).specs;
  const by = new Map(specs.map((s) => [s.cname, strip(s)]));
  assert.deepEqual(by.get('pw_sum_bytes'), {
    name: 'sumBytes', ns: '', cname: 'pw_sum_bytes', ret: 'u32',
    params: [{ name: 'data', kind: 'in', elem: 'bytes', param: 1 }, { name: 'seed', kind: 'scalar', type: 'u32', default: 7, chain: true }],
    outputs: [],
    cargs: [{ use: 'ptr', arg: 0 }, { use: 'len', buffers: [0] }, { use: 'value', arg: 1, type: 'u32' }],
  });
  const mix = by.get('pw_mix_all');
  assert.deepEqual(mix.params.map((p) => [p.name, p.kind, p.elem ?? p.type, p.default]), [
    ['a', 'in', 'u16', undefined], ['b', 'inout', 'f64', undefined], ['c', 'out', 'i8', undefined],
    ['k', 'scalar', 'i32', undefined], ['big', 'scalar', 'i64', '-3n'], ['huge', 'scalar', 'u64', '16n'],
    ['f', 'scalar', 'f32', 1.5], ['flag', 'scalar', 'bool', true],
  ]);
  assert.deepEqual(mix.cargs.slice(0, 5), [
    { use: 'len', buffers: [2] }, { use: 'ptr', arg: 0 }, { use: 'ptr', arg: 1 }, { use: 'ptr', arg: 2 }, { use: 'len', buffers: [0, 1] },
  ]);
  const blur = by.get('pw_img_blur');
  assert.equal(blur.name, 'blur', 'the namespace leaves the name');
  assert.equal(blur.ns, 'img');
  assert.deepEqual(blur.params.map((p) => [p.name, p.kind, p.option ?? false, p.range, p.alias, p.default]), [
    ['src', 'in', false, undefined, undefined, undefined],
    ['dst', 'out', false, undefined, 0, undefined],
    ['width', 'scalar', true, [1, 65535], undefined, undefined],
    ['height', 'scalar', true, [1, 65535], undefined, undefined],
    ['sigma', 'scalar', true, [0, 1000], undefined, 1.5],
  ]);
  assert.equal(blur.params[0].lenText, 'width * height * 4');
  const len = new Function('v', 'L', `return ${blur.params[0].expr};`);
  assert.equal(len([null, null, 3, 5], []), 60);
  assert.equal(len([null, null, 65535, 65535], []), 65535 * 65535 * 4, 'no 32-bit wrap-around');
  const stats = by.get('pw_img_stats');
  assert.equal(stats.ret, 'out');
  assert.deepEqual(stats.outputs.map((o) => [o.name, o.kind, o.elem, o.fixed]), [
    ['hist', 'ret', 'u32', 256], ['quarter', 'ret', 'f32', undefined], ['extra', 'result', 'f64', undefined], ['raw', 'result', 'u8', undefined],
  ]);
  const q = new Function('v', 'L', `return ${stats.outputs[1].expr};`);
  assert.equal(q([], [null, 10]), 3, 'integer division truncates, as in C ((10 + 3) / 4)');
  assert.deepEqual(stats.cargs.map((c) => c.use), ['ptr', 'len', 'ret', 'ret', 'result', 'result']);
  assert.equal(by.get('pw_img_sum_f32').name, 'sum');
  assert.equal(by.get('pw_img_sum_f64').params[0].elem, 'f64');
});

test('CLI on a valid header writes C, ESM and CommonJS bundles and .d.ts that agree', async () => {
  const dir = join(tmp, 'valid-out');
  mkdirSync(dir);
  const h = header(VALID, 'valid.h');
  const r = cli(['--c', join(dir, 'kernels.c'), '--js', join(dir, 'kernels.mjs'), '--cjs', join(dir, 'kernels.cjs'), '--dts', join(dir, 'kernels.d.ts'), h], tmp);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /bindgen: 8 kernels \(sumBytes, mixAll, noArgs, twoWordTypes, img\.blur, img\.stats, img\.sum\)/);

  const gen = await import(pathToFileURL(join(dir, 'kernels.mjs')).href);
  const { createRequire } = await import('node:module');
  const cjs = createRequire(import.meta.url)(join(dir, 'kernels.cjs'));
  assert.equal(cjs.KERNEL_ABI, gen.KERNEL_ABI);
  const ser = (v) => JSON.stringify(v, (k, x) => (typeof x === 'bigint' ? `${x}n` : typeof x === 'function' ? String(x) : x));
  assert.equal(ser(cjs.KERNELS), ser(gen.KERNELS));
  assert.equal(gen.KERNELS[1].params[4].default, -3n, 'bigint defaults are bigints');
  assert.equal(typeof gen.KERNELS[4].params[0].expr, 'function', 'length expressions are functions');
  assert.equal(gen.KERNELS[4].params[0].expr([null, null, 2, 3], []), 24);
  assert.deepEqual(gen.STATUS, {}, 'statuses come from PW_STATUS_LIST (parawasm/kernel.h) only');
  assert.deepEqual(gen.LISTS, {
    MY_STATUS_LIST: [['PW_FOO', -9, 'ERR_FOO', 'foo failed']],
    MY_COLORS_LIST: [['RED', 1, 'red'], ['GREEN', 2, 'green']],
  });
  assert.equal(gen.CONSTANTS.MY_LIMIT, undefined, 'only PW_ constants (and the prefix\'s)');

  const c = readFileSync(join(dir, 'kernels.c'), 'utf8');
  const abi = /pw__kernel_abi = 0x([0-9a-f]{8})u;/.exec(c);
  assert.equal(parseInt(abi[1], 16), gen.KERNEL_ABI, 'C and JS carry the same ABI hash');
  assert.match(c, /pw__kernel_count = 8;/);
  assert.match(c, /\(pw_result \*\)t->args\[4\]\.ptr/, 'a pw_result is passed by address');
  const g = gccSyntax(join(dir, 'kernels.c'));
  assert.equal(g.status, 0, `generated C does not compile:\n${g.stderr}`);

  const dts = readFileSync(join(dir, 'kernels.d.ts'), 'utf8');
  for (const line of [
    'sumBytes(data: ArrayBufferView, options?: CoreCallOptions): number;',
    'sumBytes(data: ArrayBufferView, seed: number, options?: PoolCallOptions): Promise<number>;',
    'noArgs(options?: PoolCallOptions): Promise<void>;',
    'readonly img: {',
    'blur(src: Uint8Array | Uint8ClampedArray, dst: Uint8Array | Uint8ClampedArray, options: { width: number; height: number; sigma?: number } & PoolCallOptions): Promise<number>;',
    'stats(p: Uint8Array | Uint8ClampedArray, options?: CoreCallOptions): { hist: PwNew<Uint32Array>; quarter: PwNew<Float32Array>; extra: PwNew<Float64Array>; raw: PwNew<Uint8Array> };',
    "type PwNew<T extends { slice(): unknown }> = ReturnType<T['slice']>;",
    'sum(x: Float32Array, options?: PoolCallOptions): Promise<number>;',
    'sum(x: Float64Array, options?: PoolCallOptions): Promise<number>;',
    "export type MY_COLORS_LIST_2 = \"red\" | \"green\";",
    '@param data the bytes (any view)',
    '@param options.sigma the Gaussian\'s standard deviation',
    'C: `pw_sum_bytes` (',
  ]) assert.ok(dts.includes(line), `d.ts has: ${line}\n${dts}`);
  assert.ok(!dts.includes('@param len '), 'length parameters are not documented as JS arguments');
});

test('the ABI hash follows signatures only: docs and layout do not change it, a type or an expression does', async () => {
  const abiOf = async (text, tag) => {
    const out = join(tmp, `abi-${tag}.mjs`);
    const r = cli(['--js', out, header(text, `abi-${tag}.h`)], tmp);
    assert.equal(r.status, 0, r.stderr);
    return (await import(pathToFileURL(out).href)).KERNEL_ABI;
  };
  const base = await abiOf(VALID, 'base');
  assert.equal(await abiOf(VALID.replace('Sums the bytes of a buffer.', 'Adds bytes.').replace(/,\n\s+/g, ', '), 'redoc'), base);
  assert.notEqual(await abiOf(VALID.replace('int32_t k,', 'uint32_t k,'), 'retyped'), base);
  assert.notEqual(await abiOf(VALID.replace('PW_KERNEL void pw_no_args(void);', ''), 'dropped'), base);
  assert.notEqual(await abiOf(VALID.replace('PW_IN(width * height * 4)', 'PW_IN(width * height * 3)'), 'expr'), base);
});

test('--prefix: a user\'s own C prefix; parawasm\'s headers keep pw_', () => {
  const text = `${PRE}PW_KERNEL void my_xor_bytes(PW_INOUT(n) uint8_t *data, size_t n, uint8_t key);\n`;
  const specs = readHeaders([header(text, 'user.h')], { prefix: 'my_' }).specs;
  assert.deepEqual(specs.map((s) => s.name), ['xorBytes']);
  assert.throws(() => readHeaders([header(text, 'user2.h')]), /my_xor_bytes: its name must start with the prefix "pw_"/);
  const both = readHeaders([join(ROOT, 'include/parawasm/checksum.h'), header(text, 'user3.h')], { prefix: 'my_' }).specs;
  assert.ok(both.some((s) => s.name === 'crc32') && both.some((s) => s.name === 'xorBytes'));
  // a project of its own in a folder named parawasm (a checkout of a repository of that name), or a header
  // named parawasm.h: the user's prefix (parawasm's own headers are told by where they are, not by a name)
  for (const dir of ['parawasm/proj', 'parawasm', 'work/parawasm/include/parawasm']) {
    mkdirSync(join(tmp, dir), { recursive: true });
    for (const name of ['o.h', 'parawasm.h']) {
      const got = readHeaders([header(text, `${dir}/${name}`)], { prefix: 'my_' }).specs;
      assert.deepEqual(got.map((s) => s.name), ['xorBytes'], `${dir}/${name}`);
    }
  }
});

test('macro expansion: nested X-macros, # and ##, variadic and unrelated macros left alone', () => {
  const text = `${PRE}
#define LOG(...) do { } while (0)
#define MAX(a, b) ((a) > (b) ? (a) : (b))
static inline int biggest(int a, int b) { return MAX(a, b); }
#define TYPES(X) X(int8_t, i8) X(uint16_t, u16)
#define INNER(T, s) PW_NAME(fill) PW_KERNEL void pw_fill_##s(PW_OUT(n) T *x, size_t n);
#define OUTER(T, s) INNER(T, s)
TYPES(OUTER)
`;
  const specs = specsOf(text);
  assert.deepEqual(specs.map((s) => [s.cname, s.name, s.params[0].elem]), [['pw_fill_i8', 'fill', 'i8'], ['pw_fill_u16', 'fill', 'u16']]);
});

// ------------------------------------------------- invalid declarations

const INVALID = [
  ['pointer without PW_IN/PW_OUT/PW_INOUT', 'PW_KERNEL uint32_t pw_f(const uint8_t *data, size_t len);', /data/],
  ['length parameter that is not an integer', 'PW_KERNEL uint32_t pw_f(PW_IN(len) const uint8_t *data, float len);', /size_t \(filled in from the view\) or an integer/],
  ['length parameter that does not exist', 'PW_KERNEL uint32_t pw_f(PW_IN(n) const uint8_t *data, size_t len);', /"n"/],
  ['unsupported scalar type', 'PW_KERNEL void pw_f(long double x);', /long double/],
  ['unsupported buffer element type', 'PW_KERNEL void pw_f(PW_IN(n) const long *x, size_t n);', /long/],
  ['unsupported return type', 'PW_KERNEL char *pw_f(uint32_t x);', /return type/],
  ['reserved name alloc', 'PW_KERNEL void pw_alloc(uint32_t x);', /alloc/],
  ['reserved name free', 'PW_KERNEL void pw_free(uint32_t x);', /free/],
  ['reserved name view', 'PW_KERNEL void pw_view(uint32_t x);', /view/],
  ['reserved name destroy', 'PW_KERNEL void pw_destroy(void);', /destroy/],
  ['a name of a public method (stats)', 'PW_KERNEL uint32_t pw_stats(uint32_t a);', /kernel name "stats" is a member of the core or the pool: rename the C function or give it PW_NAME/],
  ['PW_NAME starting with $ (the runtime\'s internals)', 'PW_NAME($heap) PW_KERNEL void pw_f(void);', /kernel name "\$heap" is reserved: names starting with \$ are the runtime's own: give PW_NAME another name/],
  ['PW_NAME(free)', 'PW_NAME(free) PW_KERNEL void pw_release(uint32_t x);', /kernel name "free" is a member of the core or the pool: give PW_NAME another name/],
  ['the name then', 'PW_KERNEL void pw_then(void);', /look like a promise/],
  ['a name of Object.prototype', 'PW_KERNEL void pw_to_string(void);', /"toString" is a name every JS object has/],
  ['a namespaced name of Object.prototype', 'PW_NAMESPACE(ns)\nPW_KERNEL void pw_ns_has_own_property(void);', /"hasOwnProperty" is a name every JS object has/, 7],
  ['a namespace named after a member', 'PW_NAMESPACE(view)\nPW_KERNEL void pw_view_x(void);', /namespace "view" is a member/, 7],
  ['PW_NAME that is no JS identifier (digits)', 'PW_NAME(123) PW_KERNEL void pw_f(void);', /PW_NAME\(123\): the name must be a JS identifier/],
  ['PW_NAME that is no JS identifier (dash)', 'PW_NAME(my-f) PW_KERNEL void pw_f(void);', /PW_NAME\(my-f\)/],
  ['PW_NAME after PW_KERNEL that is no JS identifier', 'PW_KERNEL PW_NAME(a b) void pw_f(void);', /PW_NAME\(a b\)/],
  ['a declaration inside #ifdef', '#ifdef NOT_DEFINED\nPW_KERNEL void pw_f(void);\n#endif', /inside "#ifdef NOT_DEFINED" \(line 6\)/, 7],
  ['a declaration inside #if ... #else', '#if 0\n#else\nPW_KERNEL void pw_f(void);\n#endif', /inside "#if 0" \(line 6\)/, 8],
  ['a macro declaring kernels invoked inside #if', '#define K(s) PW_KERNEL void pw_##s(void);\n#if defined(X)\nK(f)\n#endif', /inside "#if defined\(X\)" \(line 7\)/, 8],
  ['a default outside PW_RANGE', 'PW_KERNEL void pw_f(PW_RANGE(1, 10) PW_DEFAULT(0) uint32_t a);', /PW_DEFAULT\(0\) is outside PW_RANGE\(1, 10\)/],
  ['a negative constant length', 'PW_KERNEL void pw_f(PW_OUT(-1) uint8_t *x);', /constant -1; a length must be an integer 0 or more/],
  ['a constant length that is no integer', 'PW_KERNEL void pw_f(PW_OUT(2 - 3) uint8_t *x);', /constant -1/],
  ['a division by zero in a length', 'PW_KERNEL void pw_f(PW_OUT(n / 0) uint8_t *x, uint32_t n);', /division by zero/],
  ['a string default', 'PW_KERNEL void pw_f(PW_DEFAULT("x") float a);', /PW_DEFAULT needs a number literal/],
  ['PW_DEFAULT on a buffer', 'PW_KERNEL void pw_f(PW_DEFAULT(0) PW_IN(n) const uint8_t *x, size_t n);', /PW_DEFAULT/],
  ['a positional parameter without default after one with a default', 'PW_KERNEL void pw_f(PW_DEFAULT(0) uint32_t a, uint32_t b);', /\bb\b/],
  ['more than 12 arguments', `PW_KERNEL void pw_f(${Array.from({ length: 13 }, (_, i) => `int a${i}`).join(', ')});`, /13/],
  ['a buffer annotation on a non-pointer', 'PW_KERNEL void pw_f(PW_IN(n) uint8_t x, size_t n);', /pointer/],
  ['PW_IN on a pointer to non-const', 'PW_KERNEL void pw_f(PW_IN(n) uint8_t *p, size_t n);', /pw_f: p: PW_IN is a buffer the kernel only reads: its pointer is to const .*PW_INOUT/],
  ['an unknown annotation', 'PW_KERNEL void pw_f(PW_FOO(1) int a);', /PW_FOO/],
  ['a kernel name without the prefix', 'PW_KERNEL void f(int a);', /prefix "pw_"/],
  ['a default that is not a literal', 'PW_KERNEL void pw_f(PW_DEFAULT(abc) int a);', /abc/],
  ['two PW_CHAIN parameters', 'PW_KERNEL uint32_t pw_f(PW_IN(n) const uint8_t *x, size_t n, PW_CHAIN uint32_t a, PW_CHAIN uint32_t b);', /PW_CHAIN/],
  ['PW_CHAIN whose type differs from the return type', 'PW_KERNEL uint64_t pw_f(PW_IN(n) const uint8_t *x, size_t n, PW_CHAIN uint32_t a);', /PW_CHAIN/],
  ['PW_RETURN with a non-void return', 'PW_KERNEL uint32_t pw_f(PW_RETURN(4) uint8_t *a);', /returns void or pw_status/],
  ['PW_RETURN of a name that is no parameter', 'PW_KERNEL void pw_f(PW_RETURN(n) uint8_t *a);', /"n" in a length expression is not a parameter/],
  ['PW_RETURN of a pointer parameter', 'PW_KERNEL void pw_f(PW_RETURN(q) uint8_t *a, PW_IN(n) const uint8_t *q, size_t n);', /"q" in a length expression must be an integer parameter/],
  ['a float in a length expression', 'PW_KERNEL void pw_f(PW_IN(s * 2) const uint8_t *a, PW_OPTION float s);', /"s" in a length expression must be an integer/],
  ['an unreadable length expression', 'PW_KERNEL void pw_f(PW_IN(w * * 2) const uint8_t *a, uint32_t w);', /unexpected "\*"/],
  ['unbalanced parentheses in a length', 'PW_KERNEL void pw_f(PW_IN((w * 2) const uint8_t *a, uint32_t w);', /unclosed PW_IN|parenthes/],
  ['an unsupported return struct', 'PW_KERNEL pw_u64pair pw_f(int a);', /unsupported return type/],
  ['a default out of range for uint32_t', 'PW_KERNEL void pw_f(PW_DEFAULT(-1) uint32_t a);', /-1/],
  ['a default out of range for uint8_t', 'PW_KERNEL void pw_f(PW_DEFAULT(300) uint8_t a);', /300/],
  ['an option named signal', 'PW_KERNEL void pw_f(PW_OPTION int32_t signal);', /call option/],
  ['an option named on_progress', 'PW_KERNEL void pw_f(PW_OPTION int32_t on_progress);', /call option/],
  ['a declaration without its ;', 'PW_KERNEL void pw_f(uint32_t x)\nPW_KERNEL void pw_g(uint32_t y);', /PW_KERNEL inside the declaration .*: is a ';' or a '\)' missing before it\?/],
  ['an option named after Object.prototype (constructor)', 'PW_KERNEL void pw_f(PW_OPTION PW_DEFAULT(7) int32_t constructor);', /"constructor" is a property of every JS object/],
  ['an option named after Object.prototype (to_string)', 'PW_KERNEL void pw_f(PW_OPTION int32_t to_string);', /"toString" is a property of every JS object/],
  ['a length that is no C literal (08)', 'PW_KERNEL void pw_f(PW_IN(08) const uint8_t *d);', /"08" in the length expression "08" is not a C integer literal/],
  ['a range bound that is no C literal (0x1p3)', 'PW_KERNEL void pw_f(PW_RANGE(0, 0x1p3) double x);', /PW_RANGE bound "0x1p3" is not a C number literal/],
  ['an option named out beside one PW_RETURN', 'PW_KERNEL void pw_f(PW_RETURN(4) uint8_t *r, PW_OPTION int32_t out);', /out: a kernel with one PW_RETURN result takes options\.out/],
  ['a kernel name that is not ASCII', 'PW_KERNEL int pw_gr\u00f6\u00dfe(int a);', /kernel pw_gr\u00f6\u00dfe: names must be ASCII C identifiers/],
  ['a parameter name that is not ASCII', 'PW_KERNEL int pw_f(int gr\u00f6\u00dfe);', /parameter gr\u00f6\u00dfe: names must be ASCII C identifiers/],
  ['PW_ALIAS on an input', 'PW_KERNEL void pw_f(PW_IN(n) const uint8_t *a, PW_IN(n) PW_ALIAS(a) const uint8_t *b, size_t n);', /PW_ALIAS is for PW_OUT and PW_INOUT/],
  ['PW_ALIAS of a scalar', 'PW_KERNEL void pw_f(PW_OUT(n) PW_ALIAS(n) uint8_t *a, size_t n);', /must name another buffer/],
  ['PW_RANGE with one value', 'PW_KERNEL void pw_f(PW_RANGE(3) int32_t a);', /two values/],
  ['PW_RANGE with lo > hi', 'PW_KERNEL void pw_f(PW_RANGE(5, 1) int32_t a);', /lo must not exceed hi/],
  ['PW_OUT on a pointer to const', 'PW_KERNEL void pw_f(PW_OUT(n) const uint8_t *d, size_t n);', /PW_OUT is a buffer the kernel writes: a pointer to const cannot be one/],
  ['PW_INOUT on a pointer to const', 'PW_KERNEL void pw_f(PW_INOUT(n) float const *d, size_t n);', /PW_INOUT is a buffer the kernel writes/],
  ['PW_RETURN on a pointer to const', 'PW_KERNEL void pw_f(PW_RETURN(4) const uint32_t *r);', /PW_RETURN is a buffer the kernel writes/],
  ['PW_RANGE wider than uint8_t', 'PW_KERNEL void pw_f(PW_RANGE(0, 300) uint8_t a);', /PW_RANGE\(0, 300\) is wider than its type's values, 0 to 255/],
  ['PW_RANGE below int16_t', 'PW_KERNEL void pw_f(PW_RANGE(-40000, 1) int16_t a);', /wider than its type's values, -32768 to 32767/],
  ['PW_RANGE past uint64_t (exact: 2^64)', 'PW_KERNEL void pw_f(PW_RANGE(0, 18446744073709551616) uint64_t a);', /wider than its type's values, 0 to 18446744073709551615/],
  ['PW_RANGE of a 64-bit integer, not an integer', 'PW_KERNEL void pw_f(PW_RANGE(0, 1.5) int64_t a);', /PW_RANGE bound "1\.5" of a 64-bit integer is not an integer/],
  ['PW_RANGE on a buffer', 'PW_KERNEL void pw_f(PW_RANGE(0, 1) PW_IN(n) const uint8_t *a, size_t n);', /apply to scalars/],
  ['PW_RESULT on a plain pointer', 'PW_KERNEL void pw_f(PW_RESULT(uint8_t) uint8_t *a);', /PW_RESULT is for pw_result/],
  ['a pw_result by value', 'PW_KERNEL void pw_f(pw_result r);', /by pointer/],
  ['a length parameter with an option', 'PW_KERNEL void pw_f(PW_IN(n) const uint8_t *a, PW_OPTION size_t n);', /takes no annotations/],
  ['an annotation given twice', 'PW_KERNEL void pw_f(PW_OPTION PW_OPTION int32_t a);', /given twice/],
];

for (const [what, decl, fragment, line = 6] of INVALID) {
  test(`invalid: ${what} fails naming file:line (library and CLI)`, () => {
    const text = `${PRE}${decl}\n`;
    const file = header(text);
    assert.throws(() => parseHeader(file, text).map(buildSpec), (e) => {
      assert.ok(e.message.startsWith(`${file}:${line}: `), `message: ${e.message}`);
      assert.match(e.message, fragment);
      return true;
    });
    const out = join(tmp, `out-${seq}.js`);
    const r = cli(['--js', out, file]);
    assert.equal(r.status, 1, `status ${r.status}; stderr: ${r.stderr}`);
    assert.ok(r.stderr.startsWith(`bindgen: error: ${file}:${line}: `), `stderr: ${r.stderr}`);
    assert.match(r.stderr, fragment);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    assert.equal(existsSync(out), false, 'nothing written');
  });
}

const INVALID_SETS = [
  ['a kernel declared twice', 'PW_KERNEL void pw_f(uint32_t x);\nPW_KERNEL void pw_f(uint32_t y);', /kernel f is declared twice/],
  ['kernels sharing a name without a buffer', 'PW_NAME(f) PW_KERNEL void pw_f1(uint32_t x);\nPW_NAME(f) PW_KERNEL void pw_f2(uint32_t y);', /dispatch on their first buffer/],
  ['kernels sharing a name on one element type', 'PW_NAME(f) PW_KERNEL void pw_f1(PW_IN(n) const float *x, size_t n);\nPW_NAME(f) PW_KERNEL void pw_f2(PW_IN(n) const float *y, size_t n);', /declared twice for Float32Array/],
  ['kernels sharing a name with the buffer elsewhere', 'PW_NAME(f) PW_KERNEL void pw_f1(PW_IN(n) const float *x, size_t n, int k);\nPW_NAME(f) PW_KERNEL void pw_f2(int k, PW_IN(n) const double *y, size_t n);', /same argument/],
  ['kernels sharing a name on void *', 'PW_NAME(f) PW_KERNEL void pw_f1(PW_IN(n) const void *x, size_t n);\nPW_NAME(f) PW_KERNEL void pw_f2(PW_IN(n) const double *y, size_t n);', /void \*/],
  ['a kernel with the name of a namespace', 'PW_KERNEL void pw_img(uint32_t x);\nPW_NAMESPACE(img)\nPW_KERNEL void pw_img_f(uint32_t x);', /name of a namespace/],
];
for (const [what, decls, fragment] of INVALID_SETS) {
  test(`invalid: ${what} fails naming file:line`, () => {
    const file = header(`${PRE}${decls}\n`);
    assert.throws(() => readHeaders([file]), (e) => {
      assert.ok(e.message.startsWith(`${file}:`), e.message);
      assert.match(e.message, fragment);
      return true;
    });
    const r = cli(['--js', join(tmp, `set-${seq}.js`), file]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, fragment);
  });
}

test('the CLI rejects unknown options and a missing header list', () => {
  let r = cli(['--bogus', 'x', header(VALID)]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /unknown option --bogus/);
  r = cli(['--js', join(tmp, 'none.js')]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /usage/);
});

test('the CLI works from a path with a space and through a symlinked directory', () => {
  const dir = join(tmp, 'dir with space');
  mkdirSync(join(dir, 'tools'), { recursive: true });
  mkdirSync(join(dir, 'runtime'), { recursive: true });
  cpSync(join(ROOT, 'js/tools/bindgen.mjs'), join(dir, 'tools/bindgen.mjs'));
  cpSync(join(ROOT, 'js/tools/families.mjs'), join(dir, 'tools/families.mjs'));
  cpSync(join(ROOT, 'js/runtime/members.js'), join(dir, 'runtime/members.js'));
  cpSync(join(ROOT, 'js/runtime/scalars.js'), join(dir, 'runtime/scalars.js'));
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  let out = join(tmp, 'space-out.js');
  let r = cli(['--js', out, header(VALID)], tmp, join(dir, 'tools/bindgen.mjs'));
  assert.equal(r.status, 0, r.stderr);
  assert.ok(existsSync(out));
  const link = join(tmp, 'linked-js');
  symlinkSync(join(ROOT, 'js'), link);
  out = join(tmp, 'link-out.js');
  r = cli(['--js', out, header(VALID)], tmp, join(link, 'tools/bindgen.mjs'));
  assert.equal(r.status, 0, r.stderr);
  assert.ok(existsSync(out));
});

// ---------------------------------------------------- the real headers

test('regenerating from the real headers reproduces pkg/gen, and the C compiles', async () => {
  const dir = join(tmp, 'real');
  const r = cli(['--c', join(dir, 'kernels.c'), '--js', join(dir, 'kernels.js'), '--dts', join(dir, 'kernels.d.ts'), ...PKG_HEADERS]);
  assert.equal(r.status, 0, r.stderr);
  const norm = (s) => s.replace(/C: `(\w+)` \([^)]*\)/g, 'C: `$1`');
  assert.equal(readFileSync(join(dir, 'kernels.js'), 'utf8'), readFileSync(join(ROOT, 'pkg/gen/kernels.js'), 'utf8'), 'pkg/gen/kernels.js is current');
  // the package's declarations leave out the namespaces whose family declares its own types (image, array)
  const owned = Object.values(FAMILIES).map((f) => f.js?.namespace).filter(Boolean);
  generate(PKG_HEADERS, { dts: join(dir, 'kernels-pkg.d.ts') }, { skipNamespaces: owned });
  assert.equal(norm(readFileSync(join(dir, 'kernels-pkg.d.ts'), 'utf8')), norm(readFileSync(join(ROOT, 'pkg/gen/kernels.d.ts'), 'utf8')), 'pkg/gen/kernels.d.ts is current');
  for (const ns of owned) assert.match(readFileSync(join(dir, 'kernels.d.ts'), 'utf8'), new RegExp(`readonly ${ns}: \\{`), `the CLI declares ${ns}.*`);
  const g = gccSyntax(join(dir, 'kernels.c'), ['-Isrc/kernels']);
  assert.equal(g.status, 0, g.stderr);
  // an ES module wherever the temporary directory is (a package.json of
  // "type": "commonjs" above it would make Node read it as CommonJS)
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  const gen = await import(pathToFileURL(join(dir, 'kernels.js')).href);
  assert.deepEqual(Object.fromEntries(Object.entries(gen.STATUS).map(([k, v]) => [k, v.code])), {
    0: 'OK', '-1': 'ERR_PW_INVALID_ARG', '-2': 'ERR_PW_NO_MEMORY', '-3': 'ABORT_ERR', '-4': 'ERR_PW_OUT_OF_RANGE',
    '-5': 'ERR_PW_NO_KERNEL', '-6': 'ERR_PW_BAD_FORMAT',
  });
  const crc32 = gen.KERNELS.find((k) => k.name === 'crc32');
  assert.deepEqual(crc32.params, [{ name: 'data', kind: 'in', elem: 'bytes', param: 1 }, { name: 'crc', kind: 'scalar', type: 'u32', default: 0, chain: true }]);
  assert.deepEqual(gen.LISTS.PW_HASH_LIST.map((r) => r[2]).slice(0, 3), ['crc32', 'crc32c', 'adler32']);
  assert.equal(gen.CONSTANTS.PW_HASH_STATE_SIZE, 2048);
});

test('the test kernels generate and compile too', () => {
  const dir = join(tmp, 'real-test');
  const r = cli(['--c', join(dir, 'kernels.c'), '--js', join(dir, 'kernels.js'), ...SDK_HEADERS, ...TEST_HEADERS]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /sdk\.fill/);
  const g = gccSyntax(join(dir, 'kernels.c'), ['-Itest/kernels', '-Isrc/kernels']);
  assert.equal(g.status, 0, g.stderr);
});

// ------------------------------------------------------------- the ABI

test('a package whose JS bindings do not match its wasm fails to load with ERR_PW_BUILD_MISMATCH', () => {
  const dir = join(tmp, 'mismatch');
  mkdirSync(dir);
  for (const part of ['package.json', 'index.js', 'lib', 'gen', 'wasm']) cpSync(join(ROOT, 'pkg', part), join(dir, part), { recursive: true });
  const genFile = join(dir, 'gen/kernels.js');
  const src = readFileSync(genFile, 'utf8');
  const patched = src.replace(/^export const KERNEL_ABI = 0x[0-9a-f]+;$/m, (m) => {
    const v = parseInt(m.match(/0x([0-9a-f]+)/)[1], 16);
    return `export const KERNEL_ABI = 0x${((v ^ 0x5a5a5a5a) >>> 0).toString(16)};`;
  });
  assert.notEqual(patched, src);
  writeFileSync(genFile, patched);
  const script = `
    import { loadCore, createPool } from ${JSON.stringify(pathToFileURL(join(dir, 'index.js')).href)};
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
  assert.match(res.coreMsg, /^loadCore: .*rebuild the package/);
  assert.equal(res.pool, 'ERR_PW_BUILD_MISMATCH');
});
