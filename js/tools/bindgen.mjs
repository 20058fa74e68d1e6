#!/usr/bin/env node
// bindgen — reads the annotated kernel declarations in C headers and writes
//   --c    the C trampolines and kernel table (compiled into the wasm),
//   --js   the kernel specs that js/bind.js turns into JS functions,
//   --dts  the TypeScript declarations of every kernel (sync and async).
// The headers are the only list of kernels; see include/parawasm.h for the
// annotation grammar.
//
//   node js/tools/bindgen.mjs --c out.c --js out.js --dts out.d.ts a.h b.h ...
import { mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { pathToFileURL } from 'node:url';

// C scalar types -> binding type.
const SCALARS = {
  uint8_t: 'u8', int8_t: 'i8', uint16_t: 'u16', int16_t: 'i16',
  uint32_t: 'u32', int32_t: 'i32', uint64_t: 'u64', int64_t: 'i64',
  unsigned: 'u32', 'unsigned int': 'u32', int: 'i32',
  size_t: 'usize', float: 'f32', double: 'f64', bool: 'bool', _Bool: 'bool',
};
// C element types of buffers -> binding element type ('u8' takes any view).
const ELEMS = {
  void: 'u8', uint8_t: 'u8', char: 'u8', 'unsigned char': 'u8', int8_t: 'i8',
  uint16_t: 'u16', int16_t: 'i16', uint32_t: 'u32', int32_t: 'i32',
  uint64_t: 'u64', int64_t: 'i64', float: 'f32', double: 'f64',
};
const RETURNS = { ...SCALARS, void: 'void', pw_status: 'status', pw_u128: 'u128' };
// Ranges of the integer types, for PW_DEFAULT values (size_t is 32-bit in wasm32).
const INT_LIMITS = {
  u8: [0n, 0xffn], i8: [-0x80n, 0x7fn], u16: [0n, 0xffffn], i16: [-0x8000n, 0x7fffn],
  u32: [0n, 0xffffffffn], i32: [-0x80000000n, 0x7fffffffn], usize: [0n, 0xffffffffn],
  u64: [0n, (1n << 64n) - 1n], i64: [-(1n << 63n), (1n << 63n) - 1n],
};
// pw_slot member that holds each type in the trampoline.
const SLOT_FIELD = {
  u8: 'u32', u16: 'u32', u32: 'u32', usize: 'u32', bool: 'u32',
  i8: 'i32', i16: 'i32', i32: 'i32', u64: 'u64', i64: 'i64', f32: 'f32', f64: 'f64',
};
const TS_ARRAY = {
  u8: 'ArrayBufferView', i8: 'Int8Array', u16: 'Uint16Array', i16: 'Int16Array',
  u32: 'Uint32Array', i32: 'Int32Array', u64: 'BigUint64Array', i64: 'BigInt64Array',
  f32: 'Float32Array', f64: 'Float64Array',
};
const TS_RESULT_ARRAY = { ...TS_ARRAY, u8: 'Uint8Array' };
const TS_SCALAR = (t) => (t === 'u64' || t === 'i64' ? 'number | bigint' : t === 'bool' ? 'boolean' : 'number');
const TS_RETURN = (t) => (t === 'u64' || t === 'i64' || t === 'u128' ? 'bigint' : t === 'void' ? 'void' : t === 'bool' ? 'boolean' : 'number');
// Names the JS objects already use: a kernel may not take them.
const RESERVED = new Set(['alloc', 'free', 'stats', 'destroy', 'threads', 'isShared', 'heapSize',
  'createHash', 'hashMany', 'invoke', 'inHeap', 'flush', 'digest', 'update',
  'kernels', 'then', 'constructor', 'memory', 'toString', 'valueOf']);
const MAX_ARGS = 12; // PW_MAX_ARGS in src/runtime/runtime.h

class BindgenError extends Error {}

function fail(file, text, index, message) {
  const line = text.slice(0, index).split('\n').length;
  throw new BindgenError(`${file}:${line}: ${message}`);
}

// Blank out comments, string literals and preprocessor lines (keeping offsets)
// so that only declarations are searched; remember doc comments by end offset.
function mask(text) {
  const docs = [];
  let out = '';
  let i = 0;
  let lineStart = true;
  while (i < text.length) {
    const c = text[i];
    if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? text.length : end + 2;
      if (text[i + 2] === '*') docs.push({ end: stop, body: text.slice(i + 3, stop - 2) });
      out += text.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
      continue;
    }
    if (c === '/' && text[i + 1] === '/') {
      let end = text.indexOf('\n', i);
      if (end < 0) end = text.length;
      out += ' '.repeat(end - i);
      i = end;
      continue;
    }
    if (lineStart && /^[ \t]*#/.test(text.slice(i, i + 64))) {
      // a directive, with its continuation lines
      let end = i;
      for (;;) {
        let nl = text.indexOf('\n', end);
        if (nl < 0) nl = text.length;
        if (text[nl - 1] === '\\' && nl < text.length) { end = nl + 1; continue; }
        end = nl;
        break;
      }
      out += text.slice(i, end).replace(/[^\n]/g, ' ');
      i = end;
      continue;
    }
    lineStart = c === '\n' ? true : lineStart && (c === ' ' || c === '\t');
    out += c;
    i++;
  }
  return { masked: out, docs };
}

function splitTop(s) {
  const parts = [];
  let depth = 0;
  let cur = '';
  for (const c of s) {
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (c === ',' && depth === 0) { parts.push(cur); cur = ''; } else cur += c;
  }
  if (cur.trim()) parts.push(cur);
  return parts.map((p) => p.trim());
}

const camel = (s) => s.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());

function parseParam(src, where) {
  const p = { annotations: {} };
  let rest = src.replace(/\bPW_(IN|INOUT|OUT|RETURN|DEFAULT)\s*\(([^()]*)\)|\bPW_CHAIN\b/g, (m, kind, arg) => {
    if (!kind) { p.annotations.chain = true; return ' '; }
    if (p.annotations[kind]) where(`${kind} given twice`);
    p.annotations[kind] = arg.trim();
    return ' ';
  });
  if (/\bPW_[A-Z_]+/.test(rest)) where(`unknown annotation in "${src}"`);
  rest = rest.replace(/\b(const|restrict|__restrict|volatile)\b/g, ' ');
  const m = /^\s*([A-Za-z_][\w\s]*?)\s*(\*?)\s*([A-Za-z_]\w*)\s*$/.exec(rest.replace(/\s*\*\s*/, ' * ').replace(/\s+/g, ' '));
  if (!m) where(`cannot read parameter "${src.trim()}"`);
  p.ctype = m[1].trim();
  p.pointer = m[2] === '*';
  p.name = m[3];
  return p;
}

function parseDoc(body) {
  const lines = body.split('\n').map((l) => l.replace(/^\s*\*?\s?/, '').trimEnd());
  const text = [];
  const params = {};
  let returns = '';
  let cur = null;
  for (const line of lines) {
    const pm = /^@param\s+(\w+)\s*(.*)$/.exec(line);
    const rm = /^@returns?\s*(.*)$/.exec(line);
    if (pm) { params[pm[1]] = pm[2]; cur = { k: 'p', n: pm[1] }; } else if (rm) { returns = rm[1]; cur = { k: 'r' }; } else if (cur && line.trim()) {
      if (cur.k === 'p') params[cur.n] += ' ' + line.trim(); else returns += ' ' + line.trim();
    } else { cur = null; text.push(line); }
  }
  return { text: text.join('\n').trim(), params, returns };
}

export function parseHeader(file, source) {
  const text = source.replace(/\r\n?/g, '\n'); // CRLF headers read like LF ones
  const { masked, docs } = mask(text);
  const kernels = [];
  const re = /\bPW_KERNEL\b/g;
  let m;
  while ((m = re.exec(masked))) {
    const at = m.index;
    const where = (msg) => fail(file, text, at, msg);
    const semi = masked.indexOf(';', at);
    if (semi < 0) where('PW_KERNEL declaration without ";"');
    let decl = masked.slice(at + m[0].length, semi).replace(/\s+/g, ' ').trim();
    // PW_INTERNAL before or after PW_KERNEL: callable by parawasm's JS only
    const internal = /\bPW_INTERNAL\s*$/.test(masked.slice(Math.max(0, at - 40), at)) || /^PW_INTERNAL\b/.test(decl);
    decl = decl.replace(/^PW_INTERNAL\s*/, '');
    const dm = /^(.*?)\s*\b(pw_[a-z0-9_]+)\s*\((.*)\)$/.exec(decl);
    if (!dm) where(`cannot read the kernel declaration "${decl}" (a kernel's name must start with pw_)`);
    const retC = dm[1].replace(/\bconst\b/g, '').trim();
    if (!(retC in RETURNS)) where(`unsupported return type "${retC}" of ${dm[2]}`);
    const params = dm[3].trim() === 'void' || dm[3].trim() === '' ? [] : splitTop(dm[3]).map((s) => parseParam(s, where));
    const doc = docs.filter((d) => d.end <= at && !masked.slice(d.end, at).trim()).pop();
    kernels.push({ file, line: text.slice(0, at).split('\n').length, cname: dm[2], retC, params, internal, doc: doc ? parseDoc(doc.body) : null, where });
  }
  return kernels;
}

// Turn parsed declarations into the spec that JS and C generation share.
export function buildSpec(decl) {
  const { cname, params, where } = decl;
  const name = camel(cname.replace(/^pw_/, ''));
  if (RESERVED.has(name) && !decl.internal) where(`kernel name "${name}" is reserved by the JS API`);
  if (params.length > MAX_ARGS) where(`${cname} takes ${params.length} arguments; at most ${MAX_ARGS}`);
  const byName = new Map(params.map((p, i) => [p.name, i]));
  const lenOwners = new Map(); // C index of a length parameter -> JS buffer names
  const js = [];
  const cargs = params.map(() => null);
  let retBuf = null;
  params.forEach((p, i) => {
    const a = p.annotations;
    const bufKind = a.IN !== undefined ? 'in' : a.INOUT !== undefined ? 'inout' : a.OUT !== undefined ? 'out' : a.RETURN !== undefined ? 'ret' : null;
    if ((a.IN !== undefined) + (a.INOUT !== undefined) + (a.OUT !== undefined) + (a.RETURN !== undefined) > 1) where(`${p.name}: more than one of PW_IN/PW_INOUT/PW_OUT/PW_RETURN`);
    if (bufKind) {
      if (!p.pointer) where(`${cname}: ${p.name} is annotated as a buffer but is not a pointer`);
      const elem = ELEMS[p.ctype];
      if (!elem) where(`${cname}: unsupported buffer element type "${p.ctype}" of ${p.name}`);
      if (a.DEFAULT !== undefined || a.chain) where(`${cname}: ${p.name}: PW_DEFAULT/PW_CHAIN apply to scalars`);
      const lenName = a[bufKind === 'ret' ? 'RETURN' : bufKind.toUpperCase()];
      const fixed = /^\d+$/.test(lenName) ? Number(lenName) : undefined;
      if (bufKind === 'ret') {
        // the binding allocates the result: a literal count or a scalar parameter's value
        if (retBuf) where(`${cname}: at most one PW_RETURN buffer`);
        retBuf = { index: i, elem, fixed, count: fixed === undefined ? lenName : undefined };
        if (fixed === undefined) {
          const ci = byName.get(lenName);
          if (ci === undefined || params[ci].pointer || !INT_LIMITS[SCALARS[params[ci].ctype]]) {
            where(`${cname}: PW_RETURN(${lenName}) of ${p.name} needs an integer literal or an integer parameter`);
          }
        }
        cargs[i] = { use: 'ret' };
        return;
      }
      if (fixed !== undefined) {
        if (bufKind !== 'in') where(`${cname}: a literal count is for PW_IN (a fixed-size input) or PW_RETURN`);
        const jsIndex = js.length;
        js.push({ name: p.name, kind: bufKind, elem, fixed, ...(p.ctype === 'char' ? { text: true } : {}) });
        cargs[i] = { arg: jsIndex, use: 'ptr', ctype: p.ctype };
        return;
      }
      const li = byName.get(lenName);
      if (li === undefined) where(`${cname}: length parameter "${lenName}" of ${p.name} is not a parameter`);
      const lp = params[li];
      if (lp.pointer || SCALARS[lp.ctype] !== 'usize') where(`${cname}: length parameter ${lenName} must be a size_t`);
      const jsIndex = js.length;
      js.push({ name: p.name, kind: bufKind, elem, ...(p.ctype === 'char' && bufKind === 'in' ? { text: true } : {}) });
      cargs[i] = { arg: jsIndex, use: 'ptr', ctype: p.ctype };
      if (!lenOwners.has(li)) lenOwners.set(li, []);
      lenOwners.get(li).push(jsIndex);
    }
  });
  params.forEach((p, i) => {
    if (cargs[i]) return;
    if (lenOwners.has(i)) {
      cargs[i] = { buffers: lenOwners.get(i), use: 'len', type: 'usize' };
      if (p.annotations.DEFAULT !== undefined || p.annotations.chain) where(`${cname}: ${p.name} is a length; it takes no PW_DEFAULT/PW_CHAIN`);
      return;
    }
    if (p.pointer) where(`${cname}: pointer parameter ${p.name} needs PW_IN, PW_INOUT or PW_OUT`);
    const type = SCALARS[p.ctype];
    if (!type) where(`${cname}: unsupported scalar type "${p.ctype}" of ${p.name}`);
    const s = { name: p.name, kind: 'scalar', type };
    if (p.annotations.DEFAULT !== undefined) s.default = parseDefault(p.annotations.DEFAULT, type, (msg) => where(`${cname}: ${p.name}: ${msg}`));
    if (p.annotations.chain) s.chain = true;
    cargs[i] = { arg: js.length, use: 'value', type };
    js.push(s);
  });
  // Order JS parameters as in C, length parameters and the result left out.
  const order = [];
  params.forEach((p, i) => { if (cargs[i].use !== 'len' && cargs[i].use !== 'ret') order.push(cargs[i].arg); });
  const remap = new Map(order.map((old, neu) => [old, neu]));
  const jsParams = order.map((old) => js[old]);
  for (const c of cargs) {
    if (c.use === 'len') c.buffers = c.buffers.map((b) => remap.get(b));
    else if (c.use !== 'ret') c.arg = remap.get(c.arg);
  }
  let seenDefault = false;
  for (const jp of jsParams) {
    if (jp.default !== undefined) seenDefault = true;
    else if (seenDefault) where(`${cname}: ${jp.name} has no PW_DEFAULT but follows a parameter that has one`);
  }
  let ret = RETURNS[decl.retC];
  let out;
  if (retBuf) {
    if (ret !== 'void' && ret !== 'status') where(`${cname}: a kernel with a PW_RETURN buffer returns void or pw_status`);
    out = { elem: retBuf.elem, status: ret === 'status' };
    if (retBuf.fixed !== undefined) out.count = retBuf.fixed;
    else out.countFrom = byName.get(retBuf.count); // C argument that gives the count
    ret = 'out';
  }
  const chains = jsParams.filter((jp) => jp.chain);
  if (chains.length > 1) where(`${cname}: at most one PW_CHAIN parameter`);
  if (chains.length && (chains[0].type !== ret || jsParams.filter((jp) => jp.kind !== 'scalar').length !== 1 || jsParams.some((jp) => jp.kind === 'out' || jp.kind === 'inout')))
    where(`${cname}: PW_CHAIN needs one PW_IN buffer and a return type equal to the chained parameter's`);
  const spec = { name, cname, ret, params: jsParams, cargs: cargs.map(({ ctype, ...rest }) => rest), decl };
  if (out) spec.out = out;
  if (decl.internal) spec.internal = true;
  return spec;
}

function parseDefault(src, type, where) {
  const s = src.trim();
  if (type === 'bool') {
    if (s === 'true' || s === '1') return true;
    if (s === 'false' || s === '0') return false;
    where(`default "${s}" is not a bool`);
  }
  if (type === 'f32' || type === 'f64') {
    const v = Number(s.replace(/f$/i, ''));
    if (!Number.isFinite(v)) where(`default "${s}" is not a number`);
    return v;
  }
  const t = s.replace(/[uUlL]+$/, '');
  if (!/^-?(0x[0-9a-fA-F]+|\d+)$/.test(t)) where(`default "${s}" is not an integer literal`);
  const v = t.startsWith('-') ? -BigInt(t.slice(1)) : BigInt(t);
  const [lo, hi] = INT_LIMITS[type];
  if (v < lo || v > hi) where(`default ${s} is outside the range of the type (${lo} to ${hi})`);
  return type === 'u64' || type === 'i64' ? `${v}n` : Number(v);
}

function fnv1a(str) {
  let h = 0x811c9dc5;
  for (let i = 0; i < str.length; i++) {
    h ^= str.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function abiString(specs) {
  const arg = (s, c) => {
    if (c.use === 'ptr') return `*${s.params[c.arg].elem}${s.params[c.arg].fixed ? `[${s.params[c.arg].fixed}]` : ''}`;
    if (c.use === 'ret') return `ret*${s.out.elem}`;
    return c.use === 'len' ? 'len' : c.type;
  };
  return specs.map((s) => `${s.cname}:${s.ret}(${s.cargs.map((c) => arg(s, c)).join(',')})`).join(';');
}

function emitC(specs, headers, outFile) {
  const abi = fnv1a(abiString(specs));
  const incl = headers.map((h) => `#include "${relative(dirname(outFile), h).split('\\').join('/')}"`);
  const lines = [
    '/* Generated by js/tools/bindgen.mjs from the annotated headers. Do not edit. */',
    '#include "runtime.h"',
    ...incl,
    '',
  ];
  for (const s of specs) {
    const args = s.cargs.map((c, i) => {
      if (c.use === 'ptr' || c.use === 'ret') return `(${s.decl.params[i].ctype} *)t->args[${i}].ptr`;
      if (c.type === 'bool') return `t->args[${i}].u32 != 0`;
      return `(${s.decl.params[i].ctype})t->args[${i}].${SLOT_FIELD[c.type]}`;
    });
    const call = `${s.cname}(${args.join(', ')})`;
    lines.push(`static void pw__call_${s.cname.slice(3)}(pw_task *t) {`);
    if (!s.cargs.length && s.ret === 'void') lines.push('  (void)t;');
    if (s.ret === 'void' || (s.ret === 'out' && !s.out.status)) lines.push(`  ${call};`);
    else if (s.ret === 'u128') lines.push(`  pw_u128 r = ${call};`, '  t->ret.u64 = r.lo;', '  t->ret_hi.u64 = r.hi;');
    else if (s.ret === 'status' || s.ret === 'out') lines.push(`  pw_status s = ${call};`, '  if (s < 0) t->status = s;', '  else t->ret.i32 = s;');
    else if (s.ret === 'bool') lines.push(`  t->ret.u32 = ${call} ? 1u : 0u;`);
    else lines.push(`  t->ret.${SLOT_FIELD[s.ret]} = ${call};`);
    lines.push('}', '');
  }
  lines.push('const pw_trampoline pw__kernels[] = {');
  for (const s of specs) lines.push(`  pw__call_${s.cname.slice(3)},`);
  if (!specs.length) lines.push('  0,');
  lines.push('};', 'const char *const pw__kernel_names[] = {');
  for (const s of specs) lines.push(`  "${s.cname}",`);
  if (!specs.length) lines.push('  0,');
  lines.push('};', `const uint32_t pw__kernel_count = ${specs.length};`, `const uint32_t pw__kernel_abi = 0x${abi.toString(16).padStart(8, '0')}u;`, '');
  return lines.join('\n');
}

function emitJs(specs, statuses, hashes = { list: [], stateSize: 0 }) {
  const abi = fnv1a(abiString(specs));
  const plain = specs.map((s, id) => ({
    name: s.name,
    id,
    ret: s.ret,
    params: s.params,
    cargs: s.cargs,
    ...(s.out ? { out: s.out } : {}),
    ...(s.internal ? { internal: true } : {}),
  }));
  let body = `[\n${plain.map((k) => `  ${JSON.stringify(k)}`).join(',\n')},\n]`;
  body = body.replace(/"(-?\d+)n"/g, '$1n'); // bigint defaults
  return [
    '// Generated by js/tools/bindgen.mjs from the annotated C headers. Do not edit.',
    `export const KERNEL_ABI = 0x${abi.toString(16).padStart(8, '0')};`,
    `export const STATUS = ${JSON.stringify(statuses)};`,
    `export const KERNELS = ${body};`,
    `export const HASHES = ${JSON.stringify(hashes.list)};`,
    `export const HASH_STATE_SIZE = ${hashes.stateSize};`,
    '',
  ].join('\n');
}

function tsDoc(s, indent) {
  const d = s.decl.doc;
  const out = [];
  if (d) {
    for (const l of d.text.split('\n')) out.push(l);
    for (const p of s.params) if (d.params[p.name]) out.push(`@param ${p.name} ${d.params[p.name]}`);
    if (d.returns) out.push(`@returns ${d.returns}`);
  }
  out.push(`C: \`${s.cname}\` (${relative(process.cwd(), s.decl.file)}:${s.decl.line})`);
  return [`${indent}/**`, ...out.map((l) => `${indent} * ${l}`.trimEnd()), `${indent} */`].join('\n');
}

function emitDts(specs) {
  const pub = specs.filter((s) => !s.internal);
  const sig = (s, async) => {
    const required = s.params.filter((p) => p.default === undefined);
    const optional = s.params.filter((p) => p.default !== undefined);
    const ptype = (p) => (p.kind === 'scalar' ? TS_SCALAR(p.type) : p.text ? `string | ${TS_ARRAY[p.elem]}` : TS_ARRAY[p.elem]);
    const ret = s.ret === 'out' ? TS_RESULT_ARRAY[s.out.elem] : TS_RETURN(s.ret);
    const req = required.map((p) => `${p.name}: ${ptype(p)}`);
    const lines = [];
    if (!async) {
      lines.push(`  ${s.name}(${[...req, ...optional.map((p) => `${p.name}?: ${ptype(p)}`)].join(', ')}): ${ret};`);
    } else {
      // one overload per number of optional scalars given, so that options may follow any of them
      for (let k = 0; k <= optional.length; k++) {
        const ps = [...req, ...optional.slice(0, k).map((p) => `${p.name}: ${ptype(p)}`), 'options?: CallOptions'];
        lines.push(`  ${s.name}(${ps.join(', ')}): Promise<${ret}>;`);
      }
    }
    return `${tsDoc(s, '  ')}\n${lines.join('\n')}`;
  };
  return [
    '// Generated by js/tools/bindgen.mjs from the annotated C headers. Do not edit.',
    "import type { CallOptions } from '../index.js';",
    '',
    '/** Every kernel, as a synchronous function (the single-thread core). */',
    'export interface CoreKernels {',
    pub.map((s) => sig(s, false)).join('\n'),
    '}',
    '',
    '/** Every kernel, as an async method of the pool; the last argument may be CallOptions. */',
    'export interface PoolKernels {',
    pub.map((s) => sig(s, true)).join('\n'),
    '}',
    '',
  ].join('\n');
}

function parseStatuses(text) {
  const out = {};
  const re = /X\(\s*(PW_\w+)\s*,\s*(-?\d+)\s*,\s*"([^"]*)"\s*,\s*"([^"]*)"\s*\)/g;
  let m;
  while ((m = re.exec(text))) out[m[2]] = { name: m[1], code: m[3], message: m[4] };
  return out;
}

// The hash algorithms of PW_HASH_LIST (include/parawasm/hash.h) and the state size.
function parseHashes(text) {
  const out = [];
  const re = /X\(\s*PW_HASH_\w+\s*,\s*(\d+)\s*,\s*"([^"]*)"\s*,\s*(\d+)\s*,\s*"([^"]*)"\s*\)/g;
  let m;
  while ((m = re.exec(text))) out.push({ id: Number(m[1]), name: m[2], bytes: Number(m[3]), kind: m[4] });
  const sm = /#define\s+PW_HASH_STATE_SIZE\s+(\d+)/.exec(text);
  return { list: out, stateSize: sm ? Number(sm[1]) : 0 };
}

function main(argv) {
  const opts = { headers: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--c' || a === '--js' || a === '--dts') opts[a.slice(2)] = argv[++i];
    else if (a.startsWith('--')) throw new BindgenError(`unknown option ${a}`);
    else opts.headers.push(a);
  }
  if (!opts.headers.length) throw new BindgenError('usage: bindgen.mjs [--c out.c] [--js out.js] [--dts out.d.ts] header.h...');
  let statuses = {};
  const hashes = { list: [], stateSize: 0 };
  const specs = [];
  const names = new Map();
  for (const h of opts.headers) {
    const text = readFileSync(h, 'utf8');
    Object.assign(statuses, parseStatuses(text));
    const found = parseHashes(text);
    hashes.list.push(...found.list);
    if (found.stateSize) hashes.stateSize = found.stateSize;
    for (const decl of parseHeader(h, text)) {
      const spec = buildSpec(decl);
      if (names.has(spec.name)) decl.where(`kernel ${spec.name} is declared twice (also at ${names.get(spec.name)})`);
      names.set(spec.name, `${h}:${decl.line}`);
      specs.push(spec);
    }
  }
  const write = (file, text) => { mkdirSync(dirname(file), { recursive: true }); writeFileSync(file, text); };
  if (opts.c) write(opts.c, emitC(specs, opts.headers, opts.c));
  if (opts.js) write(opts.js, emitJs(specs, statuses, hashes));
  if (opts.dts) write(opts.dts, emitDts(specs));
  process.stdout.write(`bindgen: ${specs.length} kernels (${specs.map((s) => s.name).join(', ')})\n`);
}

const invokedDirectly = (() => {
  try {
    return process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
  } catch {
    return false;
  }
})();
if (invokedDirectly) {
  try {
    main(process.argv.slice(2));
  } catch (e) {
    if (e instanceof BindgenError) {
      process.stderr.write(`bindgen: error: ${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
}
