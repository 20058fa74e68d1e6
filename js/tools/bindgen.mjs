#!/usr/bin/env node
// bindgen — reads the annotated kernel declarations in C headers and writes
//   --c    the C trampolines and kernel table (compiled into the wasm),
//   --js   the package's kernel bundle (ES module) that the JS runtime turns
//          into methods: specs, status codes, X-macro lists, ABI hash,
//   --cjs  the same bundle as a CommonJS module,
//   --dts  the TypeScript declarations of every kernel (core and pool).
// The headers are the only list of kernels; include/parawasm/kernel.h
// documents the annotation language.
//
//   node js/tools/bindgen.mjs [--prefix pw_] --c out.c --js out.js --dts out.d.ts a.h b.h ...
//
// What it understands of C: declarations at file scope, comments, string
// literals, preprocessor lines (skipped, except function-like #defines,
// which it expands where they are invoked at file scope: per-type kernels
// through X-macros). It does not evaluate #if.
import { mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { INT_RANGE } from '../runtime/scalars.js';
import { memberClash, objectClash } from '../runtime/members.js';
import { FAMILIES } from './families.mjs';

// C scalar types -> binding type.
const SCALARS = {
  uint8_t: 'u8', int8_t: 'i8', uint16_t: 'u16', int16_t: 'i16',
  uint32_t: 'u32', int32_t: 'i32', uint64_t: 'u64', int64_t: 'i64',
  unsigned: 'u32', 'unsigned int': 'u32', int: 'i32',
  size_t: 'usize', float: 'f32', double: 'f64', bool: 'bool', _Bool: 'bool',
};
// C element types of buffers -> binding element type ('bytes' takes any view).
const ELEMS = {
  void: 'bytes', uint8_t: 'u8', 'unsigned char': 'u8', char: 'char', int8_t: 'i8',
  uint16_t: 'u16', int16_t: 'i16', uint32_t: 'u32', int32_t: 'i32',
  uint64_t: 'u64', int64_t: 'i64', float: 'f32', double: 'f64',
};
/** Fixed outputs of at most this many bytes are zeroed by a loop in the generated call code, larger ones by fill(). */
const ZERO_LOOP_MAX = 64;
const ELEM_SIZE = { bytes: 1, u8: 1, char: 1, i8: 1, u16: 2, i16: 2, u32: 4, i32: 4, u64: 8, i64: 8, f32: 4, f64: 8 };
const RETURNS = { ...SCALARS, void: 'void', pw_status: 'status', pw_u128: 'u128' };
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
  bytes: 'ArrayBufferView', u8: 'Uint8Array | Uint8ClampedArray', char: 'Uint8Array', i8: 'Int8Array',
  u16: 'Uint16Array', i16: 'Int16Array', u32: 'Uint32Array', i32: 'Int32Array', u64: 'BigUint64Array',
  i64: 'BigInt64Array', f32: 'Float32Array', f64: 'Float64Array',
};
const TS_RESULT_ARRAY = { ...TS_ARRAY, bytes: 'Uint8Array', u8: 'Uint8Array', char: 'Uint8Array' };
const TS_SCALAR = (t) => (t === 'u64' || t === 'i64' ? 'number | bigint' : t === 'bool' ? 'boolean' : 'number');
const TS_RETURN = (t) => (t === 'u64' || t === 'i64' || t === 'u128' ? 'bigint' : t === 'void' ? 'void' : t === 'bool' ? 'boolean' : 'number');
// Annotations: name -> takes an argument.
const ANNOTATIONS = {
  PW_IN: true, PW_INOUT: true, PW_OUT: true, PW_RETURN: true, PW_RESULT: true, PW_ALIAS: true,
  PW_DEFAULT: true, PW_RANGE: true, PW_OPTION: false, PW_CHAIN: false,
};
const ANNOTATION_MACROS = new Set([...Object.keys(ANNOTATIONS), 'PW_KERNEL', 'PW_INTERNAL', 'PW_NAME', 'PW_NAMESPACE']);
// Names of the call options: no PW_OPTION parameter may take them.
const CALL_OPTIONS = new Set(['signal', 'onProgress']);
const MAX_ARGS = 12; // PW_MAX_ARGS in src/runtime/runtime.h

export class BindgenError extends Error {}

const lineAt = (text, index) => text.slice(0, index).split('\n').length;

function fail(file, line, message) {
  throw new BindgenError(`${file}:${line}: ${message}`);
}

// ------------------------------------------------------------------ lexing

// Blank out comments, string literals and preprocessor lines (keeping
// offsets) so that only declarations are searched; remember doc comments
// (/** ... */ and runs of /// lines) by end offset, and function-like
// #defines with their bodies.
function mask(text) {
  const docs = [];
  const defines = [];
  // conditional blocks (#if ... #endif) other than include guards, as
  // offset ranges: bindgen does not evaluate them, so no kernel may be
  // declared in one (it would be bound whether or not it is compiled)
  const conditionals = [];
  const open = [];
  let guardOf = null; // the #ifndef NAME just read, while its #define NAME may follow
  let out = '';
  let i = 0;
  let lineStart = true;
  while (i < text.length) {
    const c = text[i];
    if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? text.length : end + 2;
      if (text[i + 2] === '*' && text[i + 3] !== '/') docs.push({ end: stop, body: text.slice(i + 3, stop - 2) });
      out += text.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
      continue;
    }
    if (c === '/' && text[i + 1] === '/') {
      let end = text.indexOf('\n', i);
      if (end < 0) end = text.length;
      if (text[i + 2] === '/' && text[i + 3] !== '/') {
        // consecutive /// lines form one doc comment
        const body = text.slice(i + 3, end);
        const prev = docs[docs.length - 1];
        if (prev && prev.slash && !text.slice(prev.end, i).trim()) { prev.body += `\n${body}`; prev.end = end; } else docs.push({ end, body, slash: true });
      }
      out += ' '.repeat(end - i);
      i = end;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < text.length && text[j] !== c && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      out += ' '.repeat(Math.min(j + 1, text.length) - i);
      i = j + 1;
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
      const directive = text.slice(i, end);
      const word = /^[ \t]*#[ \t]*(\w*)\s*(.*)$/s.exec(directive);
      const kw = word[1];
      const arg = stripComments(word[2]).trim();
      if (kw === 'if' || kw === 'ifdef' || kw === 'ifndef') {
        open.push({ start: i, line: lineAt(text, i), head: `#${kw} ${arg}`.trim(), guard: false });
        const g = kw === 'ifndef' ? /^([A-Za-z_]\w*)$/.exec(arg) : /^!\s*defined\s*\(?\s*([A-Za-z_]\w*)\s*\)?$/.exec(arg);
        guardOf = g ? g[1] : null;
      } else {
        if (kw === 'define' && guardOf !== null && new RegExp(`^${guardOf}\\b`).test(arg) && open.length) open[open.length - 1].guard = true;
        guardOf = null;
        if (kw === 'endif' && open.length) {
          const c = open.pop();
          if (!c.guard) conditionals.push({ start: c.start, end, line: c.line, head: c.head });
        }
      }
      const dm = /^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)\(([^)]*)\)([\s\S]*)$/.exec(directive);
      if (dm && !ANNOTATION_MACROS.has(dm[1]) && !dm[2].includes('...')) {
        const body = stripComments(dm[3].replace(/\\\n/g, ' ')).trim();
        const params = dm[2].split(',').map((s) => s.trim()).filter(Boolean);
        defines.push({ name: dm[1], params, body, line: lineAt(text, i) });
      }
      out += directive.replace(/[^\n]/g, ' ');
      i = end;
      continue;
    }
    lineStart = c === '\n' ? true : lineStart && (c === ' ' || c === '\t');
    out += c;
    i++;
  }
  for (const c of open) conditionals.push({ start: c.start, end: text.length, line: c.line, head: c.head });
  return { masked: out, docs, defines, conditionals };
}

function stripComments(s) {
  return s.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, ' ');
}

/** `s` without its __attribute__((...)) specifiers. */
export function stripAttributes(s) {
  for (;;) {
    const m = /\b__attribute__\s*\(/.exec(s);
    if (!m) return s;
    const end = closeParen(s, m.index + m[0].length - 1);
    if (end < 0) return s;
    s = `${s.slice(0, m.index)} ${s.slice(end)}`;
  }
}

/** Index just past the ')' that closes the '(' at `open`, or -1. */
function closeParen(s, open) {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === '(') depth++;
    else if (s[i] === ')' && --depth === 0) return i + 1;
  }
  return -1;
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
  if (cur.trim() || parts.length) parts.push(cur);
  return parts.map((p) => p.trim());
}

// ------------------------------------------------------- macro expansion

/**
 * Expands the function-like macros of `macros` invoked in `text` (masked
 * text: no comments or directives), as the C preprocessor would for the
 * simple forms kernels use: arguments substituted, `#p` stringized,
 * `a ## b` pasted, the result rescanned; a macro is not expanded inside
 * its own expansion.
 */
function expandMacros(text, macros, where, active = new Set(), depth = 0) {
  if (depth > 32) where('macro expansion nests too deeply');
  let out = '';
  let i = 0;
  const re = /[A-Za-z_]\w*/g;
  for (;;) {
    re.lastIndex = i;
    const m = re.exec(text);
    if (!m) break;
    const name = m[0];
    const mac = macros.get(name);
    let j = m.index + name.length;
    while (j < text.length && /\s/.test(text[j])) j++;
    if (!mac || active.has(name) || text[j] !== '(') {
      out += text.slice(i, m.index + name.length);
      i = m.index + name.length;
      continue;
    }
    const end = closeParen(text, j);
    if (end < 0) where(`unclosed invocation of macro ${name}`);
    const args = splitTop(text.slice(j + 1, end - 1));
    const given = args.length === 1 && args[0] === '' && mac.params.length === 0 ? [] : args;
    if (given.length !== mac.params.length) where(`macro ${name} takes ${mac.params.length} arguments (got ${given.length})`);
    let body = mac.body;
    mac.params.forEach((p, k) => {
      const arg = given[k];
      // #p stringizes (but not the second # of a ## paste)
      body = body.replace(new RegExp(`(?<!#)#(?!#)\\s*\\b${p}\\b`, 'g'), () => JSON.stringify(arg));
      body = body.replace(new RegExp(`\\b${p}\\b`, 'g'), arg);
    });
    body = body.replace(/\s*##\s*/g, '');
    const inner = new Set(active);
    inner.add(name);
    out += text.slice(i, m.index) + expandMacros(body, macros, where, inner, depth + 1);
    i = end;
  }
  return out + text.slice(i);
}

// ------------------------------------------------------------ parsing

/** Finds `NAME(...)` annotations in s; returns { annotations, rest }. */
function takeAnnotations(s, where) {
  const annotations = {};
  let rest = '';
  let i = 0;
  const re = /\bPW_[A-Z_]+\b/g;
  for (;;) {
    re.lastIndex = i;
    const m = re.exec(s);
    if (!m) break;
    const name = m[0];
    if (name === 'PW_KERNEL' || name === 'PW_NAMESPACE' || name === 'PW_NAME') {
      // (a declaration that runs on into the next one)
      where(`${name} inside the declaration "${s.trim().slice(0, 80)}": is a ';' or a ')' missing before it?`);
    }
    if (!(name in ANNOTATIONS)) where(`unknown annotation ${name} in "${s.trim()}"`);
    rest += s.slice(i, m.index) + ' ';
    let j = m.index + name.length;
    let arg = true;
    if (ANNOTATIONS[name]) {
      while (/\s/.test(s[j])) j++;
      if (s[j] !== '(') where(`${name} needs an argument: ${name}(...)`);
      const end = closeParen(s, j);
      if (end < 0) where(`unclosed ${name}(`);
      arg = s.slice(j + 1, end - 1).trim();
      j = end;
    }
    const key = name.slice(3);
    if (key in annotations) where(`${name} given twice`);
    annotations[key] = arg;
    i = j;
  }
  rest += s.slice(i);
  return { annotations, rest };
}

function parseParam(src, where) {
  const { annotations, rest: r0 } = takeAnnotations(src, where);
  const rest = r0.replace(/\b(const|restrict|__restrict|volatile)\b/g, ' ');
  const m = /^\s*([A-Za-z_][\w\s]*?)\s*(\*?)\s*([A-Za-z_]\w*)\s*$/.exec(rest.replace(/\s*\*\s*/, ' * ').replace(/\s+/g, ' '));
  if (!m) {
    const tok = /([^\s*]+)\s*$/.exec(rest)?.[1];
    if (tok !== undefined && /[^\x00-\x7f]/.test(tok)) where(`parameter ${tok}: names must be ASCII C identifiers (letters, digits and _)`);
    where(`cannot read parameter "${src.trim()}"`);
  }
  // a pointer to const: `const` before the `*` (`T *const p` is a const pointer to T)
  const star = r0.indexOf('*');
  const constTarget = star >= 0 && /\bconst\b/.test(r0.slice(0, star));
  return { annotations, ctype: m[1].trim(), pointer: m[2] === '*', name: m[3], constTarget };
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

/**
 * Reads one declaration `decl` (the text after PW_KERNEL up to ';', with
 * `lead` the text before PW_KERNEL back to the previous declaration).
 */
function parseDecl(decl, lead, ctx) {
  const { file, line, doc, namespace, prefix } = ctx;
  const where = (msg) => fail(file, line, msg);
  let body = decl.replace(/\s+/g, ' ').trim();
  let internal = /\bPW_INTERNAL\b/.test(lead);
  let jsName = null;
  const jsIdent = (arg) => {
    const v = arg.trim();
    if (!/^[A-Za-z_$][\w$]*$/.test(v)) where(`PW_NAME(${v}): the name must be a JS identifier (letters, digits, _ and $; not starting with a digit)`);
    return v;
  };
  const nm = /\bPW_NAME\s*\(([^()]*)\)/.exec(lead);
  if (nm) jsName = jsIdent(nm[1]);
  // PW_INTERNAL / PW_NAME may also follow PW_KERNEL
  for (;;) {
    const a = /^PW_INTERNAL\b\s*/.exec(body);
    const b = /^PW_NAME\s*\(([^()]*)\)\s*/.exec(body);
    if (a) { internal = true; body = body.slice(a[0].length); } else if (b) { jsName = jsIdent(b[1]); body = body.slice(b[0].length); } else break;
  }
  // GNU attributes (__attribute__((warn_unused_result)), before or after
  // the parameters) and `extern` say nothing to JS: left out
  body = stripAttributes(body).replace(/^extern\s+/, '').replace(/\s+/g, ' ').trim();
  const tok = /([^\s*()]+)\s*\((.*)\)$/.exec(body)?.[1];
  if (tok !== undefined && /[^\x00-\x7f]/.test(tok)) where(`kernel ${tok}: names must be ASCII C identifiers (letters, digits and _)`);
  const dm = /^(.*?)\s*\b([A-Za-z_]\w*)\s*\((.*)\)$/.exec(body);
  if (!dm) where(`cannot read the kernel declaration "${body}"`);
  const cname = dm[2];
  if (!cname.startsWith(prefix)) where(`kernel ${cname}: its name must start with the prefix "${prefix}"`);
  const retC = dm[1].replace(/\bconst\b/g, '').trim();
  if (!(retC in RETURNS)) where(`unsupported return type "${retC}" of ${cname}`);
  const params = dm[3].trim() === 'void' || dm[3].trim() === '' ? [] : splitTop(dm[3]).map((s) => parseParam(s, where));
  return { file, line, cname, retC, params, internal, jsName, namespace, prefix, doc: doc ? parseDoc(doc.body) : null, where };
}

/**
 * Every PW_KERNEL declaration of a header: those written out, and those
 * made by function-like macros invoked at file scope. `prefix` is the C
 * prefix that JS names lose (pw_ by default). `macros` collects the
 * function-like macros of the headers read so far (a header may expand a
 * macro of an earlier one).
 */
export function parseHeader(file, source, { prefix = 'pw_', macros = new Map() } = {}) {
  const text = source.replace(/\r\n?/g, '\n'); // CRLF headers read like LF ones
  const { masked, docs, defines, conditionals } = mask(text);
  const inConditional = (at) => conditionals.find((c) => at >= c.start && at < c.end);
  for (const d of defines) macros.set(d.name, d);
  const docBefore = (at) => docs.filter((d) => d.end <= at && !masked.slice(d.end, at).trim()).pop() ?? null;

  // file-scope items in order: namespaces, declarations, macro invocations
  const items = [];
  const nsRe = /\bPW_NAMESPACE\s*\(\s*([A-Za-z_$][\w$]*)?\s*\)/g;
  let m;
  while ((m = nsRe.exec(masked))) items.push({ at: m.index, ns: m[1] ?? '' });
  const kRe = /\bPW_KERNEL\b/g;
  const spans = [];
  while ((m = kRe.exec(masked))) {
    const semi = masked.indexOf(';', m.index);
    if (semi < 0) fail(file, lineAt(text, m.index), 'PW_KERNEL declaration without ";"');
    // the leading annotations (PW_INTERNAL, PW_NAME(x)) just before it
    const start = leadStart(masked, m.index);
    spans.push([start, semi + 1]);
    items.push({ at: m.index, decl: masked.slice(m.index + m[0].length, semi), lead: masked.slice(start, m.index), docAt: start });
  }
  // macro invocations outside kernel declarations (those whose expansion
  // declares kernels count; others, such as a MIN() in an inline function,
  // expand to nothing of interest)
  if (macros.size) {
    const re = /[A-Za-z_]\w*/g;
    while ((m = re.exec(masked))) {
      if (!macros.has(m[0]) || spans.some(([a, b]) => m.index >= a && m.index < b)) continue;
      let j = m.index + m[0].length;
      while (/\s/.test(masked[j] ?? '')) j++;
      if (masked[j] !== '(') continue;
      const end = closeParen(masked, j);
      if (end < 0) fail(file, lineAt(text, m.index), `unclosed invocation of macro ${m[0]}`);
      items.push({ at: m.index, invocation: masked.slice(m.index, end), docAt: m.index });
      re.lastIndex = end;
    }
  }
  items.sort((a, b) => a.at - b.at);

  const kernels = [];
  let namespace = '';
  for (const it of items) {
    if (it.ns !== undefined) { namespace = it.ns; continue; }
    const line = lineAt(text, it.at);
    const doc = docBefore(it.docAt);
    const ctx = { file, line, doc, namespace, prefix };
    const cond = inConditional(it.at);
    const conditional = () => fail(file, line, `a PW_KERNEL declaration inside "${cond.head}" (line ${cond.line}): ` +
      'parawasm build does not evaluate #if, so it would bind the kernel whether or not it is compiled; ' +
      'declare it outside the conditional, or in a header of its own that you pass to the build only when it is built');
    if (it.decl !== undefined) {
      if (cond) conditional();
      kernels.push(parseDecl(it.decl, it.lead, ctx));
      continue;
    }
    const where = (msg) => fail(file, line, msg);
    let expanded;
    try {
      expanded = expandMacros(it.invocation, macros, where);
    } catch (e) {
      // a macro that cannot declare kernels may be used in ways this
      // expander does not follow (variadic, say): not our business
      if (!declaresKernels(it.invocation.split('(')[0].trim(), macros)) continue;
      throw e;
    }
    const eRe = /\bPW_KERNEL\b/g;
    let e;
    let prev = 0;
    while ((e = eRe.exec(expanded))) {
      if (cond) conditional();
      const semi = expanded.indexOf(';', e.index);
      if (semi < 0) where(`the expansion of ${it.invocation.split('(')[0]} has a PW_KERNEL declaration without ";"`);
      kernels.push(parseDecl(expanded.slice(e.index + e[0].length, semi), expanded.slice(prev, e.index), ctx));
      prev = semi + 1;
      eRe.lastIndex = semi + 1;
    }
  }
  return kernels;
}

/** Where the annotations that lead the PW_KERNEL at `at` start. */
function leadStart(masked, at) {
  let i = at;
  for (;;) {
    let j = i;
    while (j > 0 && /\s/.test(masked[j - 1])) j--;
    if (masked.slice(Math.max(0, j - 11), j) === 'PW_INTERNAL' && !/\w/.test(masked[j - 12] ?? '')) { i = j - 11; continue; }
    if (masked[j - 1] === ')') {
      const open = masked.lastIndexOf('(', j - 1);
      const nm = /PW_NAME\s*$/.exec(masked.slice(Math.max(0, open - 16), open));
      if (open >= 0 && nm && /^\([^()]*\)$/.test(masked.slice(open, j))) { i = open - nm[0].length; continue; }
    }
    return i;
  }
}

/** True if macro `name` (or a macro it names) has PW_KERNEL in its body. */
function declaresKernels(name, macros, seen = new Set()) {
  const mac = macros.get(name);
  if (!mac || seen.has(name)) return false;
  seen.add(name);
  if (/\bPW_KERNEL\b/.test(mac.body)) return true;
  return (mac.body.match(/[A-Za-z_]\w*/g) ?? []).some((id) => declaresKernels(id, macros, seen));
}

// ---------------------------------------------------------- expressions

/**
 * Compiles a length expression over parameters into JS source evaluated
 * with `v` (the JS argument values) and `L` (the length parameters, by C
 * index). Returns { src, refs } or throws through `where`.
 */
function compileExpr(src, resolve, where) {
  const tokens = src.match(/\s*(0x[0-9a-fA-F]+|\d+|[A-Za-z_]\w*|[-+*/%()])/gy);
  if (!tokens || tokens.join('').replace(/\s+/g, '') !== src.replace(/\s+/g, '')) where(`cannot read the length expression "${src}"`);
  const toks = tokens.map((t) => t.trim());
  let pos = 0;
  const peek = () => toks[pos];
  const refs = [];
  // expr := term (('+'|'-') term)*; term := unary (('*'|'/'|'%') unary)*; unary := '-' unary | atom
  function expr() {
    let s = term();
    while (peek() === '+' || peek() === '-') { const op = toks[pos++]; s = `(${s} ${op} ${term()})`; }
    return s;
  }
  function term() {
    let s = unary();
    while (peek() === '*' || peek() === '/' || peek() === '%') {
      const op = toks[pos++];
      const r = unary();
      if ((op === '/' || op === '%') && /^\(?-?0\)?$/.test(r)) where(`division by zero in the length expression "${src}"`);
      s = op === '/' ? `Math.trunc(${s} / ${r})` : `(${s} ${op} ${r})`;
    }
    return s;
  }
  function unary() {
    if (peek() === '-') { pos++; return `(-${unary()})`; }
    return atom();
  }
  function atom() {
    const t = toks[pos++];
    if (t === undefined) where(`the length expression "${src}" ends too early`);
    if (t === '(') {
      const s = expr();
      if (toks[pos++] !== ')') where(`unbalanced parentheses in "${src}"`);
      return s;
    }
    if (/^(0x[0-9a-fA-F]+|\d+)$/.test(t)) {
      const v = cInteger(t);
      if (v === undefined) where(`"${t}" in the length expression "${src}" is not a C integer literal (a leading 0 makes it octal)`);
      return String(v);
    }
    if (/^[A-Za-z_]\w*$/.test(t)) {
      const r = resolve(t);
      refs.push(t);
      return r;
    }
    where(`unexpected "${t}" in the length expression "${src}"`);
    return '';
  }
  const out = expr();
  if (pos !== toks.length) where(`unexpected "${toks[pos]}" in the length expression "${src}"`);
  if (!refs.length) {
    // a constant: it must be a length (the expression is made of numbers and operators only)
    const v = Function(`return ${out};`)();
    if (!Number.isSafeInteger(v) || v < 0) where(`the length expression "${src}" is the constant ${v}; a length must be an integer 0 or more`);
  }
  return { src: out, refs };
}

/**
 * A C integer literal, as C reads it: decimal, octal (a leading 0: 010 is
 * 8), hexadecimal (0x), binary (0b); a suffix u, l, ll, ul, llu...; a sign
 * before it. Its value as a bigint, or undefined if `text` is none.
 */
export function cInteger(text) {
  const s = text.trim();
  const body = /^[-+]/.test(s) ? s.slice(1).trim() : s;
  const m = /^(0[xX][0-9a-fA-F]+|0[bB][01]+|0[0-7]*|[1-9]\d*)(?:[uU](?:ll|LL|[lL])?|(?:ll|LL|[lL])[uU]?)?$/.exec(body);
  if (!m) return undefined;
  const v = /^0[0-7]+$/.test(m[1]) ? BigInt(`0o${m[1].slice(1)}`) : BigInt(m[1]);
  return s.startsWith('-') ? -v : v;
}

/**
 * A C number literal: an integer (cInteger) or a decimal floating one
 * (1.5, .5, 1e3, 2.5e-3, with a suffix f or l), with a sign: its value
 * (-0.0 is -0), or undefined.
 */
export function cNumber(text) {
  const i = cInteger(text);
  if (i !== undefined) return Number(i);
  const s = text.trim();
  const body = /^[-+]/.test(s) ? s.slice(1).trim() : s;
  const m = /^((?:\d+\.\d*|\.\d+)(?:[eE][-+]?\d+)?|\d+[eE][-+]?\d+)[fFlL]?$/.exec(body);
  if (!m) return undefined;
  const v = Number(m[1]);
  return s.startsWith('-') ? -v : v;
}

/** A length given as a C integer literal (PW_IN(16), PW_RETURN(0x20)): its value, or undefined. */
function literalLength(text) {
  const v = /^\s*\d/.test(text) ? cInteger(text) : undefined;
  return v === undefined ? undefined : Number(v);
}

function parseNumber(s, where, what) {
  const v = cNumber(s);
  if (v === undefined || !Number.isFinite(v)) where(`${what} "${s.trim()}" is not a C number literal`);
  return v;
}

// ------------------------------------------------------------ the spec

const camel = (s) => s.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());

/**
 * Turns a parsed declaration into the spec that JS and C generation share.
 *
 * JS arguments: the buffers and scalars in C order, without the length
 * parameters that buffers fill in, PW_RETURN / PW_RESULT outputs and
 * PW_OPTION scalars; then the options object. `params` lists the
 * positional ones first and the options after them (option: true); a
 * call's values are indexed the same way.
 */
export function buildSpec(decl) {
  const { cname, params, where, namespace, prefix } = decl;
  const base = cname.slice(prefix.length);
  const stem = namespace && base.startsWith(`${namespace}_`) ? base.slice(namespace.length + 1) : base;
  const name = decl.jsName ?? camel(stem);
  if (!/^[A-Za-z_$][\w$]*$/.test(name)) where(`${cname}: "${name}" is not a JS name`);
  // a namespace is a plain object: only Object.prototype's names are taken
  const clash = decl.internal ? null : namespace ? objectClash(name) : memberClash(name);
  if (clash) where(`kernel name "${name}" is ${clash}: ${decl.jsName ? 'give PW_NAME another name' : 'rename the C function or give it PW_NAME'}`);
  const nsClash = namespace ? memberClash(namespace) : null;
  if (nsClash) where(`namespace "${namespace}" is ${nsClash}`);
  if (params.length > MAX_ARGS) where(`${cname} takes ${params.length} arguments; at most ${MAX_ARGS}`);
  const byName = new Map(params.map((p, i) => [p.name, i]));
  const kinds = params.map((p) => {
    const a = p.annotations;
    const k = ['IN', 'INOUT', 'OUT', 'RETURN', 'RESULT'].filter((x) => a[x] !== undefined);
    if (k.length > 1) where(`${cname}: ${p.name}: more than one of PW_IN/PW_INOUT/PW_OUT/PW_RETURN/PW_RESULT`);
    if (p.ctype === 'pw_result') {
      if (!p.pointer) where(`${cname}: ${p.name}: a pw_result is passed by pointer`);
      if (k.length && k[0] !== 'RESULT') where(`${cname}: ${p.name}: a pw_result * takes PW_RESULT(T) or no annotation`);
      return 'result';
    }
    if (k[0] === 'RESULT') where(`${cname}: ${p.name}: PW_RESULT is for pw_result * parameters`);
    if ((k[0] === 'OUT' || k[0] === 'INOUT' || k[0] === 'RETURN') && p.constTarget) {
      where(`${cname}: ${p.name}: PW_${k[0]} is a buffer the kernel writes: a pointer to const cannot be one (T *${p.name}, not const T *${p.name})`);
    }
    // (a buffer the kernel may write is PW_INOUT: writes through a PW_IN
    // pointer would reach a view of the memory in place but not a copy)
    if (k[0] === 'IN' && p.pointer && !p.constTarget) {
      where(`${cname}: ${p.name}: PW_IN is a buffer the kernel only reads: its pointer is to const (const T *${p.name}); ` +
        'a buffer the kernel writes is PW_INOUT');
    }
    return k.length ? k[0].toLowerCase() : null;
  });
  // length parameters: size_t parameters that a buffer names as its length
  const lenOwners = new Map(); // C index -> C indices of the buffers
  params.forEach((p, i) => {
    const k = kinds[i];
    if (!k || k === 'result' || k === 'return') return;
    const len = p.annotations[k.toUpperCase()];
    if (/^[A-Za-z_]\w*$/.test(len) && byName.has(len)) {
      const li = byName.get(len);
      const lp = params[li];
      // a size_t is filled in from the view; another integer is a count the
      // caller passes, which the view's length is checked against (as any
      // length expression)
      if (!lp.pointer && SCALARS[lp.ctype] !== 'usize' && INT_LIMITS[SCALARS[lp.ctype]]) return;
      if (lp.pointer || SCALARS[lp.ctype] !== 'usize') where(`${cname}: length parameter ${len} of ${p.name} must be a size_t (filled in from the view) or an integer the caller passes`);
      if (lp.annotations.OPTION !== undefined || lp.annotations.DEFAULT !== undefined || lp.annotations.CHAIN !== undefined || lp.annotations.RANGE !== undefined) {
        where(`${cname}: ${len} is a length filled in from ${p.name}; it takes no annotations`);
      }
      if (!lenOwners.has(li)) lenOwners.set(li, []);
      lenOwners.get(li).push(i);
    }
  });
  // JS arguments: positional first, then options
  const jsOrder = [];
  params.forEach((p, i) => {
    if (lenOwners.has(i) || kinds[i] === 'return' || kinds[i] === 'result') return;
    if (!kinds[i] && p.annotations.OPTION === undefined) jsOrder.push(i);
    else if (kinds[i]) jsOrder.push(i);
  });
  params.forEach((p, i) => {
    if (!lenOwners.has(i) && !kinds[i] && p.annotations.OPTION !== undefined) jsOrder.push(i);
  });
  const jsIndex = new Map(jsOrder.map((ci, j) => [ci, j]));
  const resolve = (id) => {
    if (!byName.has(id)) where(`${cname}: "${id}" in a length expression is not a parameter`);
    const ci = byName.get(id);
    const p = params[ci];
    if (lenOwners.has(ci)) return `L[${ci}]`;
    if (p.pointer || !INT_LIMITS[SCALARS[p.ctype]]) where(`${cname}: "${id}" in a length expression must be an integer parameter`);
    return SCALARS[p.ctype] === 'u64' || SCALARS[p.ctype] === 'i64' ? `Number(v[${jsIndex.get(ci)}])` : `v[${jsIndex.get(ci)}]`;
  };
  const lengthOf = (p, k) => {
    const len = p.annotations[k.toUpperCase()];
    if (len === true || len === '') where(`${cname}: ${p.name}: PW_${k.toUpperCase()} needs a length`);
    const fixed = literalLength(len);
    if (fixed !== undefined) return { fixed };
    if (/^[A-Za-z_]\w*$/.test(len) && byName.has(len) && lenOwners.has(byName.get(len))) return { param: byName.get(len) };
    const e = compileExpr(len, resolve, (msg) => where(`${cname}: ${p.name}: ${msg}`));
    return { expr: e.src, lenText: len };
  };

  const js = jsOrder.map((ci) => {
    const p = params[ci];
    const a = p.annotations;
    const k = kinds[ci];
    const jsName = camel(p.name);
    if (k) {
      if (!p.pointer) where(`${cname}: ${p.name} is annotated as a buffer but is not a pointer`);
      const elem = ELEMS[p.ctype];
      if (!elem) where(`${cname}: unsupported buffer element type "${p.ctype}" of ${p.name}`);
      if (a.DEFAULT !== undefined || a.CHAIN !== undefined || a.OPTION !== undefined || a.RANGE !== undefined) {
        where(`${cname}: ${p.name}: PW_DEFAULT/PW_CHAIN/PW_OPTION/PW_RANGE apply to scalars`);
      }
      const spec = { name: jsName, kind: k, elem, ...lengthOf(p, k) };
      if (p.ctype === 'char' && k === 'in') spec.text = true;
      if (a.ALIAS !== undefined) {
        if (k !== 'out' && k !== 'inout') where(`${cname}: ${p.name}: PW_ALIAS is for PW_OUT and PW_INOUT buffers`);
        const oi = byName.get(a.ALIAS);
        if (oi === undefined || !jsIndex.has(oi) || !kinds[oi]) where(`${cname}: ${p.name}: PW_ALIAS(${a.ALIAS}) must name another buffer parameter`);
        spec.alias = jsIndex.get(oi);
      }
      return spec;
    }
    if (p.pointer) where(`${cname}: pointer parameter ${p.name} needs PW_IN, PW_INOUT, PW_OUT, PW_RETURN or PW_RESULT`);
    const type = SCALARS[p.ctype];
    if (!type) where(`${cname}: unsupported scalar type "${p.ctype}" of ${p.name}`);
    if (a.ALIAS !== undefined) where(`${cname}: ${p.name}: PW_ALIAS applies to buffers`);
    const s = { name: jsName, kind: 'scalar', type };
    const w2 = (msg) => where(`${cname}: ${p.name}: ${msg}`);
    if (a.DEFAULT !== undefined) s.default = parseDefault(a.DEFAULT, type, w2);
    if (a.CHAIN !== undefined) s.chain = true;
    if (a.OPTION !== undefined) {
      if (CALL_OPTIONS.has(jsName)) w2(`"${jsName}" is a call option (signal, onProgress); a kernel option may not take that name`);
      // (an options object without it would give it the value every object inherits)
      if (jsName in Object.prototype) w2(`"${jsName}" is a property of every JS object (Object.prototype.${jsName}); a kernel option may not take that name`);
      s.option = true;
    }
    if (a.RANGE !== undefined) {
      const parts = splitTop(a.RANGE);
      if (parts.length !== 2) w2('PW_RANGE takes two values: PW_RANGE(lo, hi)');
      if (type === 'bool') w2('PW_RANGE does not apply to bool');
      // 64-bit integers: the bounds exact, as bigints (a double would round
      // those beyond 2^53, and a value next to the bound would pass)
      const big = type === 'u64' || type === 'i64';
      const bound = (x) => {
        const exact = cInteger(x);
        if (big && exact !== undefined) return exact;
        const v = parseNumber(x, w2, 'PW_RANGE bound');
        if (big && !Number.isInteger(v)) w2(`PW_RANGE bound "${x.trim()}" of a 64-bit integer is not an integer`);
        return big ? BigInt(v) : v;
      };
      const [lo, hi] = parts.map(bound);
      if (!(lo <= hi)) w2(`PW_RANGE(${parts.join(', ')}): lo must not exceed hi`);
      const lim = INT_LIMITS[type];
      if (lim && !(big ? lo >= lim[0] && hi <= lim[1] : lo >= Number(lim[0]) && hi <= Number(lim[1]))) {
        w2(`PW_RANGE(${parts.join(', ')}) is wider than its type's values, ${lim[0]} to ${lim[1]}`);
      }
      // (bigints as "5n" strings: the bundle writes them as bigint literals)
      s.range = big ? [`${lo}n`, `${hi}n`] : [lo, hi];
      const d = typeof s.default === 'string' ? BigInt(s.default.slice(0, -1)) : s.default;
      if (d !== undefined && !(d >= lo && d <= hi)) w2(`PW_DEFAULT(${a.DEFAULT.trim()}) is outside PW_RANGE(${parts.join(', ')}): a call that leaves ${jsName} out would always fail`);
    }
    return s;
  });
  const names = new Set();
  for (const s of js) {
    if (names.has(s.name)) where(`${cname}: two parameters are both "${s.name}" in JS`);
    names.add(s.name);
  }
  const npos = js.filter((s) => !s.option).length;
  let seenDefault = false;
  for (const s of js.slice(0, npos)) {
    if (s.default !== undefined) seenDefault = true;
    else if (seenDefault) where(`${cname}: ${s.name} has no PW_DEFAULT but follows a parameter that has one`);
  }

  // outputs: PW_RETURN and PW_RESULT, in C order
  const outputs = [];
  const outIndex = new Map();
  params.forEach((p, i) => {
    const k = kinds[i];
    if (k !== 'return' && k !== 'result') return;
    if (k === 'return') {
      if (!p.pointer) where(`${cname}: ${p.name}: PW_RETURN is for pointers`);
      const elem = ELEMS[p.ctype];
      if (!elem) where(`${cname}: unsupported buffer element type "${p.ctype}" of ${p.name}`);
      const len = p.annotations.RETURN;
      let count;
      const fixed = literalLength(len);
      if (fixed !== undefined) count = { fixed };
      else count = { expr: compileExpr(len, resolve, (msg) => where(`${cname}: ${p.name}: ${msg}`)).src, lenText: len };
      outIndex.set(i, outputs.length);
      outputs.push({ name: camel(p.name), kind: 'ret', elem: elem === 'char' || elem === 'bytes' ? 'u8' : elem, ...count });
    } else {
      const t = p.annotations.RESULT;
      const elem = t === undefined ? 'u8' : ELEMS[t.replace(/\bconst\b/g, '').trim()];
      if (!elem) where(`${cname}: ${p.name}: unsupported element type "${t}" in PW_RESULT`);
      outIndex.set(i, outputs.length);
      outputs.push({ name: camel(p.name), kind: 'result', elem: elem === 'char' || elem === 'bytes' ? 'u8' : elem });
    }
  });
  for (const o of outputs) if (names.has(o.name) || CALL_OPTIONS.has(o.name)) where(`${cname}: output ${o.name} has the name of a parameter`);
  if (outputs.length === 1 && outputs[0].kind === 'ret' && js.some((s) => s.option && s.name === 'out')) {
    where(`${cname}: out: a kernel with one PW_RETURN result takes options.out (an array to write the result into); ` +
      'a kernel option may not take that name');
  }

  const cargs = params.map((p, i) => {
    if (lenOwners.has(i)) return { use: 'len', buffers: lenOwners.get(i).map((b) => jsIndex.get(b)) };
    if (kinds[i] === 'return') return { use: 'ret', out: outIndex.get(i) };
    if (kinds[i] === 'result') return { use: 'result', out: outIndex.get(i) };
    if (kinds[i]) return { use: 'ptr', arg: jsIndex.get(i) };
    return { use: 'value', arg: jsIndex.get(i), type: js[jsIndex.get(i)].type };
  });
  // expressions refer to C-index lengths; make them JS-computable: L[ci]
  let ret = RETURNS[decl.retC];
  if (outputs.length && ret !== 'void' && ret !== 'status') where(`${cname}: a kernel with PW_RETURN or PW_RESULT outputs returns void or pw_status`);
  const chains = js.filter((s) => s.chain);
  if (chains.length > 1) where(`${cname}: at most one PW_CHAIN parameter`);
  if (chains.length && (chains[0].type !== ret || js.filter((s) => s.kind !== 'scalar').length !== 1
    || js.some((s) => s.kind === 'out' || s.kind === 'inout') || outputs.length || chains[0].option)) {
    where(`${cname}: PW_CHAIN needs one PW_IN buffer, a positional scalar and a return type equal to the chained parameter's`);
  }
  if (outputs.length) ret = ret === 'status' ? 'status-out' : 'out';
  const spec = { name, ns: namespace, cname, ret, params: js, outputs, cargs, decl };
  if (decl.internal) spec.internal = true;
  return spec;
}

function parseDefault(src, type, where) {
  const s = src.trim();
  // (string and character literals are blanked before this is read)
  if (s === '') where('PW_DEFAULT needs a number literal (or true/false for a bool); a string, a character or nothing is not one');
  if (type === 'bool') {
    if (s === 'true' || s === '1') return true;
    if (s === 'false' || s === '0') return false;
    where(`default "${s}" is not a bool`);
  }
  if (type === 'f32' || type === 'f64') {
    const v = cNumber(s);
    if (v === undefined || !Number.isFinite(v)) where(`default "${s}" is not a C number literal`);
    return v;
  }
  const v = cInteger(s);
  if (v === undefined) where(`default "${s}" is not a C integer literal`);
  const [lo, hi] = INT_LIMITS[type];
  if (v < lo || v > hi) where(`default ${s} is outside the range of the type (${lo} to ${hi})`);
  return type === 'u64' || type === 'i64' ? `${v}n` : Number(v);
}

/**
 * Checks the kernels of a package together: unique names per namespace;
 * kernels that share a name (PW_NAME) dispatch on the element type of their
 * first buffer, so those must differ; namespaces and kernels do not clash.
 */
export function checkSpecs(specs) {
  const groups = new Map();
  for (const s of specs) {
    if (s.internal) continue;
    const key = `${s.ns}\0${s.name}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(s);
  }
  const nsNames = new Set(specs.filter((s) => s.ns).map((s) => s.ns));
  for (const [, group] of groups) {
    const first = group[0];
    if (!first.ns && nsNames.has(first.name)) first.decl.where(`kernel ${first.name} has the name of a namespace`);
    if (group.length === 1) continue;
    const plain = group.find((s) => !s.decl.jsName);
    if (plain) {
      const other = group.find((s) => s !== plain);
      plain.decl.where(`kernel ${plain.ns ? `${plain.ns}.` : ''}${plain.name} is declared twice (also ${other.cname} at ` +
        `${other.decl.file}:${other.decl.line}); several kernels may share a name only through PW_NAME`);
    }
    const seen = new Map();
    for (const s of group) {
      const b = s.params.find((p) => p.kind !== 'scalar');
      if (!b) s.decl.where(`${s.cname}: kernels sharing the JS name ${s.name} dispatch on their first buffer parameter, and this one has none`);
      const at = s.params.indexOf(b);
      const at0 = first.params.findIndex((p) => p.kind !== 'scalar');
      if (at !== at0) s.decl.where(`${s.cname}: kernels sharing the JS name ${s.name} must have their first buffer at the same argument (${first.params[at0]?.name ?? 'none'} in ${first.cname})`);
      const key = b.elem === 'char' || b.elem === 'u8' ? 'u8' : b.elem;
      if (key === 'bytes') s.decl.where(`${s.cname}: kernels sharing the JS name ${s.name} must not take void * (any view) as their first buffer`);
      if (seen.has(key)) {
        s.decl.where(`kernel ${s.ns ? `${s.ns}.` : ''}${s.name} is declared twice for ${TS_ARRAY[key]} (also ${seen.get(key).cname} at ${seen.get(key).decl.file}:${seen.get(key).decl.line})`);
      }
      seen.set(key, s);
    }
  }
  const internal = new Map();
  for (const s of specs.filter((x) => x.internal)) {
    const key = `${s.ns}.${s.name}`;
    if (internal.has(key)) s.decl.where(`internal kernel ${key} is declared twice`);
    internal.set(key, s);
  }
}

function fnv1a(str) {
  let h = 0x811c9dc5;
  for (let i = 0; i < str.length; i++) {
    h ^= str.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The signature string whose hash ties JS specs to the wasm (the kernel ABI). */
export function abiString(specs) {
  const arg = (s, c) => {
    if (c.use === 'ptr') {
      const p = s.params[c.arg];
      return `*${p.elem}${p.fixed !== undefined ? `[${p.fixed}]` : ''}${p.expr ? `[${p.lenText}]` : ''}`;
    }
    if (c.use === 'ret') return `ret*${s.outputs[c.out].elem}`;
    if (c.use === 'result') return `result*${s.outputs[c.out].elem}`;
    return c.use === 'len' ? 'len' : c.type;
  };
  return specs.map((s) => `${s.cname}:${s.ret}(${s.cargs.map((c) => arg(s, c)).join(',')})`).join(';');
}


// ------------------------------------------------------- the fast paths
//
// For every kernel, the JS of one call specialised to its signature: the
// argument checks, the writes of the task record and the read of the
// result, inlined, with no allocation but the result (and, on the pool, its
// promise). It takes the common case only — views that alloc() made (used
// in place) or small foreign input views (copied into a scratch block),
// scalars that need no conversion, outputs of a fixed size, an options
// object of the kernel's own options only (PW_OPTION scalars and `out`:
// `signal` and `onProgress` go the generic way); on the pool, foreign
// inputs too big for the slot's scratch are staged in an arena — and hands
// anything else, every error case included, to the generic path
// (js/runtime/bind.js), which stays the reference: the fast path never
// accepts what it would refuse.
//
// Two modes share the checks and the writes:
//   core  the core's one task record and its scratch block; runs the kernel
//         and returns its value (js/runtime/core.js, $fastContext());
//   pool  the task record of the free slot the call takes and that slot's
//         scratch block; submits it and returns the promise that the pool
//         settles with the same read (js/runtime/pool.js, $fastContext()).

const ELEM_CTORS = {
  u8: ['Uint8Array', 'Uint8ClampedArray'], char: ['Uint8Array'], i8: ['Int8Array'], u16: ['Uint16Array'], i16: ['Int16Array'],
  u32: ['Uint32Array'], i32: ['Int32Array'], u64: ['BigUint64Array'], i64: ['BigInt64Array'], f32: ['Float32Array'], f64: ['Float64Array'],
};
const INT_CHECK = {
  u8: (a) => `(${a} & 0xff) === ${a}`, i8: (a) => `(${a} << 24 >> 24) === ${a}`, u16: (a) => `(${a} & 0xffff) === ${a}`,
  i16: (a) => `(${a} << 16 >> 16) === ${a}`, u32: (a) => `(${a} >>> 0) === ${a}`, usize: (a) => `(${a} >>> 0) === ${a}`,
  i32: (a) => `(${a} | 0) === ${a}`,
};
// the integers a shared namespace's fast path takes by range: the
// runtime's ranges, and for 64-bit types the numbers that are exact
// (bigints and the rest go the generic way)
const FAST_INT_RANGE = { ...INT_RANGE, u64: [0, Number.MAX_SAFE_INTEGER], i64: [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER] };
// bytes of scratch each pool slot has (js/runtime/pool.js reads it from
// the bundle): small foreign inputs and fixed outputs of fast pool calls
export const POOL_SLOT_SCRATCH = 256;
// bytes of a pw_result (include/parawasm/kernel.h: its data's address and bytes)
const RESULT_STRUCT = 8;

/**
 * The source of spec's fast path in `mode` ('core' or 'pool'): a function
 * of the runtime's context `rt`, or null if the kernel has none.
 */
function fastPath(spec, mode) {
  const pool = mode === 'pool';
  const P = spec.params;
  // internal kernels are no methods: the package's JS calls them the generic way
  if (spec.internal) return null;
  // PW_RESULT outputs (sized by the kernel): each a pw_result of 8 bytes
  // in the scratch block, read, copied out and freed by the read; all of
  // a kernel's outputs, or none
  const results = spec.outputs.length > 0 && spec.outputs.every((o) => o.kind === 'result');
  if (!results && spec.outputs.some((o) => o.kind !== 'ret')) return null;
  // outputs whose length is an expression of scalar arguments and buffer
  // lengths (blake3's outLen, argsort's n), one, or several of the same
  // length (topk's values and indices, k of each): placed one after the
  // other after the inputs, their place and the first one's bytes handed
  // to the read (DO, DB), which finds the others from them
  const dyns = !results && spec.outputs.length >= 1 && spec.outputs.every((o) => o.fixed === undefined && o.expr === spec.outputs[0].expr) ? spec.outputs : [];
  const dyn = dyns.length ? dyns[0] : null;
  if (dyn && !(dyn.expr && [...dyn.expr.matchAll(/v\[(\d+)\]/g)].every((m) => P[Number(m[1])].kind === 'scalar'))) return null;
  if (!dyn && !results && spec.outputs.some((o) => o.fixed === undefined)) return null;
  const npos = P.filter((p) => !p.option).length;
  const required = P.filter((p) => !p.option && p.default === undefined).length;
  // outputs first, at offsets fixed here, so that the read finds them again
  const outOff = [];
  let off = 0;
  for (const o of spec.outputs) {
    if (dyn) break;
    off = (off + 15) & -16;
    outOff.push(off);
    off += results ? RESULT_STRUCT : o.fixed * ELEM_SIZE[o.elem];
  }
  if (pool && off > POOL_SLOT_SCRATCH) return null;
  const names = P.map((p, i) => `a${i}`);
  const posNames = names.filter((_, i) => !P[i].option);
  // what differs between kernels of one shape (the id, the name, element
  // types: array.sum of each type) is a parameter of the factory, $c0...,
  // so that kernels of one shape share its code (see fastPaths)
  const consts = [];
  const c = (src) => { consts.push(src); return `$c${consts.length - 1}`; };
  // a size of a fixed output: in a shared namespace a constant too (kth's
  // and min's results of 1, 2, 4 or 8 bytes then share one code)
  const num = (n) => (spec.__shared ? c(String(n)) : String(n));
  const L = [];
  const bail = 'return $slow($spec, arguments);';
  // the offsets of the outputs after the first, from its place DO and
  // bytes DB (16-byte aligned, as the generic path's room()), and the span
  // of them all, DT: lines of code, in the call and in the read
  const dynLayout = () => {
    if (dyns.length < 2) return ['const DT = DB;'];
    const out = [];
    let prev = 'DB';
    let at = '0';
    dyns.forEach((o, k) => {
      if (k === 0) return;
      out.push(`const DB${k} = DB / ${num(ELEM_SIZE[dyn.elem])} * ${num(ELEM_SIZE[o.elem])};`,
        `const D${k} = (${at} + ${prev} + 15) & -16;`);
      prev = `DB${k}`;
      at = `D${k}`;
    });
    out.push(`const DT = ${at} + ${prev};`);
    return out;
  };
  // The options object: a plain object after the required arguments, as
  // on the generic path, holding only the kernel's PW_OPTION scalars (and,
  // for one PW_RETURN result, `out`, where the result goes); any other key
  // (the call options signal and onProgress, an unknown one) takes the
  // generic path. The object may stand in place of trailing optional
  // arguments, which then take their defaults, as on the generic path.
  const retOut = spec.outputs.length === 1 && !results && !P.some((p) => p.option && p.name === 'out');
  const optKeys = [...P.filter((p) => p.option).map((p) => p.name), ...(retOut ? ['out'] : [])];
  // On the pool a getter or proxy trap of the object that throws hands the
  // call to the generic path, whose promise rejects with that error (a
  // pool method never throws); on the core the error is thrown as it is.
  const nargs = 'nargs';
  const [tryOpen, tryClose] = pool ? ['try {', `} catch { ${bail} }`] : ['{', '}'];
  L.push(`let nargs = arguments.length, O${retOut ? ', OUT' : ''}${pool ? ', RV' : ''};`, `if (nargs > ${required}) ${tryOpen}`, '  const o = arguments[nargs - 1];',
    "  if (o !== null && typeof o === 'object' && Object.getPrototypeOf(o) === Object.prototype) {",
    `    for (const k in o) ${optKeys.length ? `if (${optKeys.map((k) => `k !== ${c(JSON.stringify(k))}`).join(' && ')}) ` : ''}${bail}`,
    '    O = o; nargs--;');
  for (let j = required; j < npos; j++) L.push(`    if (nargs === ${j}) ${posNames[j]} = undefined;`);
  L.push('  }', tryClose);
  const optNames = P.filter((p) => p.option);
  // (on the pool, RV: the value the call settles with, the runtime option RESULT of js/runtime/bind.js)
  const readOpts = [...(retOut ? ['OUT = O.out;'] : []),
    ...optNames.map((p) => `${names[P.indexOf(p)]} = O[${c(JSON.stringify(p.name))}];`), ...(pool ? ['RV = O[$RES];'] : [])];
  if (pool) {
    // a free slot and nobody waiting for one (a call never overtakes the queue)
    L.push(`if (${nargs} > ${npos} || ${nargs} < ${required} || $P.$top === 0 || ` +
      `$P.$failure !== null || $P.$backlogHead !== $P.$backlog.length) ${bail}`);
    L.push('const u32 = $H.low().u32;', 'const idx = $P.$freeSlots[$P.$top - 1];',
      'const TW = $TW0 + idx * $TWN;', 'const S0 = $S00 + idx * $SN;', 'let SE = S0 + $SN, STG = null;', 'let cp = 0;');
  } else {
    // (a call from inside another's onProgress goes the generic way, which refuses it)
    L.push(`if (${nargs} > ${npos} || ${nargs} < ${required} || $C.$busy) ${bail}`);
    L.push('const u32 = $H.low().u32;', 'const TW = $TW0;', 'const S0 = $S00;', 'const SE = $SE;');
  }
  // (inputs go at 16-byte boundaries after the outputs: rounded up here,
  // which keeps kth's 1- to 8-byte result types on one code)
  L.push(`let at = S0 + ${(off + 15) & -16};`, `if (at > SE) ${bail}`);
  // the options: from the options object, else their defaults (one
  // without a default missing: the generic path reports it)
  if (optNames.length) L.push(`let ${optNames.map((p) => names[P.indexOf(p)]).join(', ')};`);
  if (readOpts.length) L.push(`if (O !== undefined) ${tryOpen} ${readOpts.join(' ')} ${tryClose}`);
  P.forEach((p, i) => {
    if (p.option) L.push(`if (${names[i]} === undefined) ${p.default === undefined ? bail : `${names[i]} = ${jsDefault(p.default)};`}`);
  });
  const counts = {};
  const blocks = [];
  // a buffer the kernel writes that is not in the heap (an array family's
  // new result, a core image's new data): staged as an input is (zeroed,
  // or copied in for inout), and copied back by the read once the kernel
  // has succeeded, as the generic path's copyOut() does; one a call (W: the
  // view, WP: its place, WN: its bytes). Image kernels take it on the core
  // only, whose new images are the caller's arrays (a pool's are in its
  // memory, and the generated module's size is counted).
  const nwrites = P.filter((p) => p.kind === 'out' || p.kind === 'inout').length;
  const writes = (spec.ns !== 'image' || !pool) && nwrites > 0;
  if (writes) L.push('let W, WP = 0, WN = 0;');
  P.forEach((p, i) => {
    const a = names[i];
    if (p.kind === 'scalar') {
      if (p.default !== undefined && !p.option) L.push(`if (${a} === undefined) ${a} = ${jsDefault(p.default)};`);
      // (in a shared namespace, integers by their range, factory constants:
      // array.clamp's lo and hi give one code for eight integer types)
      if (FAST_INT_RANGE[p.type] && spec.__shared) L.push(`if (!Number.isInteger(${a}) || ${a} < ${c(String(FAST_INT_RANGE[p.type][0]))} || ${a} > ${c(String(FAST_INT_RANGE[p.type][1]))}) ${bail}`);
      else if (INT_CHECK[p.type]) L.push(`if (typeof ${a} !== 'number' || !(${INT_CHECK[p.type](a)})) ${bail}`);
      else if (p.type === 'f64') L.push(`if (typeof ${a} !== 'number') ${bail}`);
      // beyond FLT_MAX (and not infinite): the generic path decides (Math.fround)
      else if (p.type === 'f32') L.push(`if (typeof ${a} !== 'number' || (${a} > 3.4028234663852886e38 || ${a} < -3.4028234663852886e38) && ${a} !== Infinity && ${a} !== -Infinity) ${bail}`);
      else if (p.type === 'bool') L.push(`if (${a} !== true && ${a} !== false) ${bail}`);
      // 64-bit: a safe integer, or a bigint in the type's range (written
      // whole through the heap's 64-bit view below)
      else L.push(`if (typeof ${a} === 'bigint' ? !(${a} >= ${p.type === 'u64' ? '0n' : '-9223372036854775808n'} && ${a} <= ${p.type === 'u64' ? '18446744073709551615n' : '9223372036854775807n'})`
        + ` : typeof ${a} !== 'number' || !Number.isSafeInteger(${a})${p.type === 'u64' ? ` || ${a} < 0` : ''}) ${bail}`);
      if (p.range) L.push(`if (!(${a} >= ${c(String(p.range[0]))} && ${a} <= ${c(String(p.range[1]))})) ${bail}`);
      return;
    }
    const size = ELEM_SIZE[p.elem];
    const ctorOk = p.elem === 'bytes' ? 'true' : ctorTest(a, p.elem, c, !spec.__shared);
    // (any view of bytes but a DataView, whose getters throw once it is
    // detached: it goes the generic way, which checks that first)
    const ctorCheck = p.elem === 'bytes' ? ` || ${a} instanceof DataView` : ` || !(${ctorOk})`;
    blocks.push(i);
    L.push(`let p${i}, n${i};`, `const b${i} = $OWN.get(${a});`,
      `if (b${i} !== undefined) {`,
      `  if (b${i}.heap !== $H || !b${i}.live${ctorCheck}) ${bail}`,
      `  p${i} = ${a}.byteOffset; n${i} = ${a}.byteLength;`,
      `  if (n${i} === 0 && !$H.shared) ${bail} // (perhaps detached)`,
      `} else {`,
      ...(p.kind !== 'in' && !writes ? [`  ${bail}`] : [
      ...(p.kind !== 'in' && nwrites > 1 ? [`  if (W !== undefined) ${bail}`] : []),
      ...(pool ? [
        // too big for the slot's scratch block: staged in the pool's arena
        // (one switch a call; its space taken when the call is submitted)
        `  if (!ArrayBuffer.isView(${a})${ctorCheck} || (n${i} = ${a}.byteLength) === 0 || $H.owns(${a}.buffer)) ${bail}`,
        `  if (at + n${i} + 16 > SE) {`,
        `    if (STG !== null || n${i} > $SMAX || (STG = $P.$stageArena()) === null) ${bail}`,
        '    at = STG.at; SE = STG.end;',
        '  }',
      ] : [
        `  if (!ArrayBuffer.isView(${a})${ctorCheck} || (n${i} = ${a}.byteLength) === 0 || at + n${i} + 16 > SE || $H.owns(${a}.buffer)) ${bail}`,
      ]),
      // (>>> 0: an address at or above 2^31, an arena made after the heap grew past 2 GiB, stays positive)
      `  p${i} = ((at + 15) & -16) >>> 0; at = p${i} + n${i};`,
      ...(p.kind === 'out' ? [`  $H.zero(p${i}, n${i});`]
        : [`  $H.copyIn(${a}, p${i});`]),
      ...(pool && p.kind !== 'out' ? [`  cp += n${i};`] : []),
      ...(p.kind !== 'in' ? [`  W = ${a}; WP = p${i}; WN = n${i};`] : [])]),
      `}`);
    counts[i] = p.elem === 'bytes' ? `n${i}` : `(n${i} / ${c(String(size))})`;
  });
  // lengths: shared ones agree, literal and expression ones match
  const lenOf = {};
  spec.cargs.forEach((c, ci) => {
    if (c.use !== 'len') return;
    const [first, ...rest] = c.buffers;
    lenOf[ci] = counts[first];
    for (const b of rest) L.push(`if (${counts[b]} !== ${counts[first]}) ${bail}`);
  });
  // (the numbers in it are constants of the factory too, and an expression
  // without one gets a factor 1: an RGBA kernel's width * height * 4 and its
  // grey form's width * height share code)
  const vExpr = (src) => (/\d/.test(src.replace(/[vL]\[\d+\]/g, '')) ? src : `(${src} * 1)`).replace(/(?<![\w$[.])(\d+(?:\.\d+)?)(?![\w\].])/g, (m) => c(m))
    .replace(/v\[(\d+)\]/g, (_, j) => names[Number(j)]).replace(/L\[(\d+)\]/g, (_, ci) => `(${lenOf[ci]})`);
  P.forEach((p, i) => {
    if (p.kind === 'scalar') return;
    if (p.fixed !== undefined) L.push(`if (${counts[i]} !== ${p.fixed}) ${bail}`);
    else if (p.expr) L.push(`if (${counts[i]} !== ${vExpr(p.expr)}) ${bail}`);
  });
  // a written buffer overlapping another (in the heap: the same memory)
  P.forEach((p, i) => {
    if (p.kind !== 'out' && p.kind !== 'inout') return;
    P.forEach((q, j) => {
      if (j === i || q.kind === 'scalar') return;
      const overlap = `n${i} !== 0 && n${j} !== 0 && p${i} < p${j} + n${j} && p${j} < p${i} + n${i}`;
      const same = p.alias === j || q.alias === i ? ` && !(p${i} === p${j} && n${i} === n${j})` : '';
      L.push(`if (${overlap}${same}) ${bail}`);
    });
  });
  // (a staged written buffer no longer shares memory with the others: one
  // that shares its buffer with another argument goes the generic way,
  // whose overlap checks decide)
  P.forEach((p, i) => {
    if (!writes || (p.kind !== 'out' && p.kind !== 'inout')) return;
    const a = names[i];
    // (the very same view may be both where the kernel declares PW_ALIAS)
    const others = P.map((q, j) => (j === i || q.kind === 'scalar' ? null
      : `${names[j]}.buffer === ${a}.buffer${p.alias === j || q.alias === i ? ` && ${names[j]} !== ${a}` : ''}`)).filter(Boolean);
    if (retOut) others.push(`OUT !== undefined && OUT.buffer === ${a}.buffer`);
    if (others.length) L.push(`if (W === ${a} && (${others.join(' || ')})) ${bail}`);
  });
  // (several outputs: at most 2^24 elements each, so that their offsets
  // stay below 2^31; larger ones go the generic way, which takes them)
  if (dyn) L.push(`const dn = ${vExpr(dyn.expr)};`, `if (!Number.isSafeInteger(dn) || dn < 0${dyns.length > 1 ? ' || dn > 0x1000000' : ''}) ${bail}`);
  // options.out: of the result's type and length, not empty, sharing no
  // memory with the arguments. An alloc() view of this heap is written in
  // place (PO: its address); on the core, any other view gets the result
  // copied into it after the call (on the pool it takes the generic path,
  // which checks it again when the call settles).
  if (retOut) {
    const o = spec.outputs[0];
    const outCtor = ctorTest('OUT', o.elem, c);
    L.push('let PO = -1, bO;', 'if (OUT !== undefined) {',
      `  if (!ArrayBuffer.isView(OUT) || !(${outCtor}) || OUT.length !== ${o === dyn ? 'dn' : o.fixed} || OUT.byteLength === 0) ${bail}`,
      '  bO = $OWN.get(OUT);', '  if (bO !== undefined) {', `    if (bO.heap !== $H || !bO.live) ${bail}`, '    PO = OUT.byteOffset;');
    for (const i of blocks) L.push(`    if (b${i} !== undefined && n${i} !== 0 && PO < p${i} + n${i} && p${i} < PO + OUT.byteLength) ${bail}`);
    L.push('  } else {', pool ? `    ${bail}` : `    if ($H.owns(OUT.buffer)) ${bail}`);
    if (!pool) {
      for (const i of blocks) {
        L.push(`    if (b${i} === undefined && n${i} !== 0 && ${names[i]}.buffer === OUT.buffer && ` +
          `OUT.byteOffset < ${names[i]}.byteOffset + n${i} && ${names[i]}.byteOffset < OUT.byteOffset + OUT.byteLength) ${bail}`);
      }
    }
    L.push('  }', '}');
  }
  // outputs of a fixed size, zero-filled, at the start of the scratch block
  // (or in options.out)
  spec.outputs.forEach((o, k) => {
    if (dyn) return;
    const bytes = results ? RESULT_STRUCT : o.fixed * ELEM_SIZE[o.elem];
    if (retOut) L.push(`const R0 = PO >= 0 ? PO : S0 + ${outOff[k]};`);
    // (a few bytes zeroed by a loop: fill() on the heap's view is a call
    // into the engine's C++ runtime, 10-20 ns of a 1-byte sha256's 340)
    const from = retOut ? 'R0' : `S0 + ${outOff[k]}`;
    if (bytes > ZERO_LOOP_MAX) L.push(`$H.zero(${from}, ${num(bytes)});`);
    else if (bytes) L.push(`{ const z8 = $H.u8, z0 = ${from}; for (let z = 0; z < ${num(bytes)}; z++) z8[z0 + z] = 0; }`);
  });
  // an output sized by an expression: after the inputs, if it fits (or in
  // options.out); zero-filled
  if (dyn) {
    L.push(`const DB = dn * ${dyns.length > 1 ? num(ELEM_SIZE[dyn.elem]) : ELEM_SIZE[dyn.elem]};`, ...dynLayout());
    // (on the pool, outputs too big for the slot's scratch go to the arena, as inputs do)
    const place = pool
      ? `DO = ((at + 15) & -16) >>> 0; if (DO + DT > SE) { if (STG !== null || DT > $SMAX || (STG = $P.$stageArena()) === null) ${bail} ` +
        `SE = STG.end; DO = ((STG.at + 15) & -16) >>> 0; } at = DO + DT;`
      : `DO = ((at + 15) & -16) >>> 0; if (DO + DT > SE) ${bail} at = DO + DT;`;
    if (retOut) L.push('let DO = PO;', `if (PO < 0) { ${place} }`);
    else L.push('let DO;', place);
    L.push('$H.zero(DO, DT);');
  }
  // the task record
  L.push(`u32[TW + $KO] = ${c(String(spec.__id))}; u32[TW + $SO] = 0; u32[TW + $CO] = 0; u32[TW + $FO] = 0;`, 'const AW = TW + $AO;');
  spec.cargs.forEach((c, ci) => {
    const w = `AW + ${2 * ci}`;
    if (c.use === 'ptr') L.push(`u32[${w}] = p${c.arg}; u32[${w} + 1] = 0;`);
    else if (c.use === 'len') L.push(`u32[${w}] = ${lenOf[ci]}; u32[${w} + 1] = 0;`);
    else if (c.use === 'ret' || c.use === 'result') {
      const at = dyn ? (c.out === 0 ? 'DO' : `DO + D${c.out}`) : retOut ? 'R0' : `S0 + ${outOff[c.out]}`;
      L.push(`u32[${w}] = ${at}; u32[${w} + 1] = 0;`);
    }
    else {
      const a = names[c.arg];
      switch (c.type) {
        case 'f64': L.push(`$H.f64[(${w}) >>> 1] = ${a};`); break;
        case 'f32': L.push(`$H.f32[${w}] = ${a}; u32[${w} + 1] = 0;`); break;
        case 'bool': L.push(`u32[${w}] = ${a} ? 1 : 0; u32[${w} + 1] = 0;`); break;
        // (a shared namespace's take numbers only, and share the code of the other integers' below)
        case 'u64': case 'i64': if (!spec.__shared) { L.push(`if (typeof ${a} === 'bigint') $H.u64[(${w}) >>> 1] = ${a}; else { u32[${w}] = ${a} >>> 0; u32[${w} + 1] = Math.floor(${a} / 4294967296) >>> 0; }`); break; }
        // falls through
        // (in a shared namespace as 64-bit ones are: the same for any integer below 2^32 in size)
        default: L.push(spec.__shared ? `u32[${w}] = ${a} >>> 0; u32[${w} + 1] = Math.floor(${a} / 4294967296) >>> 0;`
          : `u32[${w}] = ${a} >>> 0; u32[${w} + 1] = ${a} < 0 ? 0xffffffff : 0;`);
      }
    }
  });
  if (pool) {
    // the slot's record: the blocks used in place stay pinned until it settles
    L.push('const r = $P.$fast[idx] ?? $P.$newFast(idx);', 'let nb = 0;');
    if (dyn) L.push('r.DO = DO; r.DB = DB;');
    for (const i of blocks) L.push(`if (b${i} !== undefined) { b${i}.pins++; r.blocks[nb++] = b${i}; }`);
    if (retOut) L.push('if (bO !== undefined) { bO.pins++; r.blocks[nb++] = bO; }', 'r.OUT = OUT; r.PO = PO;');
    if (writes) L.push('r.W = W; r.WP = WP; r.WN = WN;');
    // the bytes of its buffers: a big call settles on its own, not in a batch (pool.js)
    L.push(`return $submit(idx, r, nb, $read, S0, cp, ${blocks.length ? blocks.map((i) => `n${i}`).join(' + ') : '0'}, STG, at, RV);`);
  } else {
    L.push('$run(TW * 4);', `return $read(TW, S0${dyn ? ', DO, DB' : retOut || writes ? ', 0, 0' : ''}${retOut ? ', OUT, PO' : writes ? ', undefined, -1' : ''}${writes ? ', W, WP, WN' : ''});`);
  }
  // the read of the result: the status, then the return value or the outputs
  // (views(), not low(), where the kernel made results: it may have grown
  // the memory past the views this thread had, even a shared memory's)
  const R = [results ? 'const h = $H.views();' : 'const h = $H.low();', 'const st = h.i32[TW + $SO];'];
  if (results) {
    // each result's place and bytes (q: its pw_result's word), freed
    // whatever happens next: a failed kernel's too, as the generic path's
    // release() does
    spec.outputs.forEach((o, k) => R.push(`const q${k} = (S0 + ${outOff[k]}) >>> 2, r${k} = h.u32[q${k}], rb${k} = h.u32[q${k} + 1];`));
    R.push('try {');
  }
  R.push('if (st < 0) return $fail($spec, st, TW);', 'const RW = TW + $RO;');
  // a written buffer staged outside the heap (never an alloc() view: one
  // of another heap takes the generic path): copied back (the pool counts
  // the bytes, $settleFast()); one with fewer bytes now (detached, its
  // resizable buffer shrunk) is looked at by $gone, which throws an error
  // naming it, as the generic path's copyOut() does
  if (writes) R.push('if (W !== undefined) { if (W.byteLength < WN) $gone($spec, W, WN); new Uint8Array(W.buffer, W.byteOffset, WN).set(h.u8.subarray(WP, WP + WN)); }');
  const slot = { u32: 'h.u32[RW]', usize: 'h.u32[RW]', u8: 'h.u32[RW]', u16: 'h.u32[RW]', i8: 'h.i32[RW]', i16: 'h.i32[RW]', i32: 'h.i32[RW]',
    status: 'h.i32[RW]', bool: 'h.u32[RW] !== 0', f64: 'h.f64[RW >>> 1]', f32: 'h.f32[RW]', u64: 'h.u64[RW >>> 1]', i64: 'h.i64[RW >>> 1]',
    u128: '(h.u64[(RW >>> 1) + 1] << 64n) | h.u64[RW >>> 1]', void: 'undefined' };
  if (retOut) {
    // options.out: written in place, or the result copied into it. (A
    // core's private memory that the call grew detached every view of it,
    // out too: the result is in out's block, in a view made anew.)
    const o = spec.outputs[0];
    const from = o === dyn ? 'DO' : `S0 + ${outOff[0]}`;
    const bytes = o === dyn ? 'DB' : num(o.fixed * ELEM_SIZE[o.elem]);
    R.push('if (OUT !== undefined) {',
      // (a detached view's length is 0: the result's own)
      pool ? '  return OUT;' : `  if (PO >= 0) return OUT.byteLength !== 0 ? OUT : $H.viewAt($OWN.get(OUT), OUT.constructor, PO, ${o === dyn ? `DB / ${num(ELEM_SIZE[o.elem])}` : num(o.fixed)});`,
      ...(pool ? [] : [o.elem === 'u8' && !spec.__shared
        ? `  OUT.set(h.u8.subarray(${from}, ${from} + ${bytes}));`
        : `  new Uint8Array(OUT.buffer, OUT.byteOffset, ${bytes}).set(h.u8.subarray(${from}, ${from} + ${bytes}));`,
      '  return OUT;']), '}');
  }
  if (results) {
    // a result whose place is aligned to its elements: a slice of the
    // heap's view of its type; else of its bytes
    const outs = spec.outputs.map((o, k) => {
      const size = ELEM_SIZE[o.elem];
      const shift = Math.log2(size);
      const [view, sh, sz] = spec.__shared ? [`h[${c(JSON.stringify(o.elem))}]`, c(String(shift)), c(String(size))] : [`h.${o.elem}`, String(shift), String(size)];
      R.push(`if (rb${k} % ${sz} !== 0) throw $badResult($spec, ${c(JSON.stringify(o.name))}, rb${k}, ${sz});`);
      return `(r${k} % ${sz} === 0 ? ${view}.slice(r${k} >>> ${sh}, (r${k} + rb${k}) >>> ${sh}) : new ${view}.constructor(h.u8.slice(r${k}, r${k} + rb${k}).buffer))`;
    });
    R.push(spec.outputs.length === 1 ? `return ${outs[0]};` : `return { ${spec.outputs.map((o, k) => `${o.name}: ${outs[k]}`).join(', ')} };`);
    R.push(`} finally { ${spec.outputs.map((o, k) => `if (r${k} !== 0) $H.mfree(r${k});`).join(' ')} }`);
  } else if (spec.outputs.length) {
    // each output a slice of the heap's view of its element type (its
    // place is 16-byte aligned): a small result is then one object, where
    // a byte slice's .buffer would make it an ArrayBuffer too (0.2 µs). In
    // a shared namespace the view's name and the shift are constants.
    const outs = spec.outputs.map((o, k) => {
      const size = ELEM_SIZE[o.elem];
      const shift = Math.log2(size);
      const [view, sh] = spec.__shared ? [`h[${c(JSON.stringify(o.elem))}]`, c(String(shift))] : [`h.${o.elem}`, String(shift)];
      if (dyn) {
        const [from, bytes] = k === 0 ? ['DO', 'DB'] : [`(DO + D${k})`, `DB${k}`];
        // (in a shared namespace shifted by 0 too: a byte result's code is then its wider types')
        return shift || spec.__shared ? `${view}.slice(${from} >>> ${sh}, (${from} + ${bytes}) >>> ${sh})` : `${view}.slice(${from}, ${from} + ${bytes})`;
      }
      const first = shift || spec.__shared ? `((S0 + ${outOff[k]}) >>> ${sh})` : `S0 + ${outOff[k]}`;
      return `${view}.slice(${first}, ${first} + ${num(o.fixed)})`;
    });
    if (dyns.length > 1) R.push(...dynLayout().slice(0, -1));
    R.push(spec.outputs.length === 1 ? `return ${outs[0]};` : `return { ${spec.outputs.map((o, k) => `${o.name}: ${outs[k]}`).join(', ')} };`);
  } else {
    R.push(`return ${slot[spec.ret]};`);
  }
  const body = L.map((l) => `      ${l}`).join('\n');
  const read = R.map((l) => `      ${l}`).join('\n');
  const ctx = pool
    ? '$P, $H, $OWN, $TW0, $TWN, $S00, $SN, $SMAX, $RES, $submit'
    : '$C, $H, $OWN, $TW0, $S00, $SE, $run';
  const name = c(JSON.stringify(spec.name));
  const code = `(rt, ${consts.map((_, i) => `$c${i}`).join(', ')}) => {
    const { ${ctx}, $KO, $SO, $CO, $FO, $AO, $RO, $slow, $fail${writes ? ', $gone' : ''}${results ? ', $badResult' : ''} } = rt;
    const $spec = rt.spec;
    const $read = (TW, S0${dyn || retOut || writes ? ', DO, DB' : ''}${retOut || writes ? ', OUT, PO' : ''}${writes ? ', W, WP, WN' : ''}) => {
${read}
    };
    return { [${name}]: function (${posNames.join(', ')}) { // (named by the computed key)
      'use strict'; // (arguments does not follow the parameters, which the checks set to their defaults)
${body}
    } }[${name}];
  }`;
  return { code, consts };
}

// `${a}` is a typed array of element type elem: a test against the
// constructors, each a factory constant (Uint8Array or Uint8ClampedArray
// for u8; a type with one constructor tests it twice, so that every type
// gives the same code)
function ctorTest(a, elem, c, buffers = false) {
  const [first, second = first] = ELEM_CTORS[elem];
  // (bytes: a Node Buffer too, a Uint8Array of another constructor, as the
  // generic path takes it; not in a shared namespace, whose element types
  // share one code, and whose family's JS dispatches on the constructor)
  const sub = buffers && first === 'Uint8Array' ? ` || ${a} instanceof ${c(first)}` : '';
  return `${a}.constructor === ${c(first)} || ${a}.constructor === ${c(second)}${sub}`;
}

// The fast paths of every kernel in one mode: factories of distinct code,
// each kernel's entry calling its factory with its constants. Only kernels
// of one name (the element types of array.sum) share a factory: V8
// specializes a function on its closure's constants only while one closure
// runs its code, and a shared factory made the call of a top-level kernel
// such as xxh64 of 64 bytes 9 ns (18%) slower; the element types of one
// name are one method, behind the dispatch on the view's type, and sharing
// their code cut the generated module from 739 to ~400 KB.
// Namespaces whose methods a family's JS wraps (image, array): there a
// call costs the family's checks too, and kernels of one shape (invert,
// greyscale, their grey forms...) share fast-path code whatever their
// names, which keeps the generated module small.
const WRAPPED = new Set(Object.values(FAMILIES).map((f) => f.js?.namespace).filter(Boolean));
// and there a kernel that needs an options object gets a fast path only if
// its family lists it (js.fast: the kernels of its one-call operations)
const WRAPPED_FAST = new Map(Object.values(FAMILIES).filter((f) => f.js?.namespace).map((f) => [f.js.namespace, new Set(f.js.fast ?? [])]));
const needsOptions = (s) => s.params.some((p) => p.option && p.default === undefined);

function fastPaths(specs, mode) {
  const code = new Map();
  const factories = [];
  const entries = specs.map((s, id) => {
    if (WRAPPED.has(s.ns) && needsOptions(s) && !WRAPPED_FAST.get(s.ns).has(s.name)) return null;
    const f = fastPath({ ...s, __id: id, __shared: WRAPPED.has(s.ns) }, mode);
    if (!f) return null;
    const key = WRAPPED.has(s.ns) ? f.code : `${s.ns}.${s.name}\n${f.code}`;
    if (!code.has(key)) { code.set(key, factories.length); factories.push(f.code); }
    return { factory: code.get(key), consts: f.consts };
  });
  return { factories, entries };
}

const jsDefault = (d) => (typeof d === 'string' && /^-?\d+n$/.test(d) ? String(Number(d.slice(0, -1))) : Object.is(d, -0) ? '-0' : JSON.stringify(d));

// ------------------------------------------------------------ emitters

// (runtimeHeader: the path of parawasm's runtime.h, included by its path
// so that a header of the user's of that name cannot stand in for it;
// default "runtime.h" on the include path)
function emitC(specs, headers, outFile, runtimeHeader) {
  const abi = fnv1a(abiString(specs));
  // relative between the real paths: a folder reached through a symbolic
  // link (a temporary folder under /tmp -> /private/tmp, say) would make
  // the compiler's ".." leave the link's target, not the link
  const real = (p) => {
    try {
      return realpathSync(p);
    } catch {
      return p;
    }
  };
  mkdirSync(dirname(outFile), { recursive: true });
  const pathTo = (h) => relative(real(dirname(outFile)), real(h)).split('\\').join('/');
  const incl = headers.map((h) => `#include "${pathTo(h)}"`);
  const lines = [
    '/* Generated by parawasm\'s bindgen from the annotated headers. Do not edit. */',
    `#include "${runtimeHeader ? pathTo(runtimeHeader) : 'runtime.h'}"`,
    ...incl,
    '',
  ];
  for (const s of specs) {
    const args = s.cargs.map((c, i) => {
      const ct = s.decl.params[i].ctype;
      if (c.use === 'ptr' || c.use === 'ret') return `(${ct} *)t->args[${i}].ptr`;
      if (c.use === 'result') return `(pw_result *)t->args[${i}].ptr`;
      if (c.use === 'len') return `(size_t)t->args[${i}].u32`;
      if (c.type === 'bool') return `t->args[${i}].u32 != 0`;
      return `(${ct})t->args[${i}].${SLOT_FIELD[c.type]}`;
    });
    const call = `${s.cname}(${args.join(', ')})`;
    lines.push(`static void pw__call_${s.cname}(pw_task *t) {`);
    if (!s.cargs.length && (s.ret === 'void' || s.ret === 'out')) lines.push('  (void)t;');
    if (s.ret === 'void' || s.ret === 'out') lines.push(`  ${call};`);
    else if (s.ret === 'u128') lines.push(`  pw_u128 r = ${call};`, '  t->ret.u64 = r.lo;', '  t->ret_hi.u64 = r.hi;');
    else if (s.ret === 'status' || s.ret === 'status-out') lines.push(`  pw_status s = ${call};`, '  if (s < 0) t->status = s;', '  else t->ret.i32 = s;');
    else if (s.ret === 'bool') lines.push(`  t->ret.u32 = ${call} ? 1u : 0u;`);
    else lines.push(`  t->ret.${SLOT_FIELD[s.ret]} = ${call};`);
    lines.push('}', '');
  }
  lines.push('const pw_trampoline pw__kernels[] = {');
  for (const s of specs) lines.push(`  pw__call_${s.cname},`);
  if (!specs.length) lines.push('  0,');
  lines.push('};', 'const char *const pw__kernel_names[] = {');
  for (const s of specs) lines.push(`  "${s.cname}",`);
  if (!specs.length) lines.push('  0,');
  lines.push('};', `const uint32_t pw__kernel_count = ${specs.length};`, `const uint32_t pw__kernel_abi = 0x${abi.toString(16).padStart(8, '0')}u;`, '');
  return lines.join('\n');
}

/** The kernel bundle's data (what gen/kernels.js exports). */
function bundleData(specs, statuses, lists, constants) {
  return {
    abi: fnv1a(abiString(specs)),
    statuses,
    lists,
    constants,
    fast: fastPaths(specs, 'core'),
    fastPool: fastPaths(specs, 'pool'),
    kernels: specs.map((s, id) => ({
      name: s.name,
      ns: s.ns,
      id,
      ret: s.ret,
      params: s.params,
      outputs: s.outputs,
      cargs: s.cargs,
      ...(s.internal ? { internal: true } : {}),
    })),
  };
}

// Writes JS source for a bundle value: JSON, except bigint defaults
// ("-3n" strings) and length expressions (functions of v and L).
function jsValue(v, indent = '') {
  if (Array.isArray(v)) return `[${v.map((x) => jsValue(x, indent)).join(', ')}]`;
  if (v && typeof v === 'object') {
    return `{ ${Object.entries(v).map(([k, x]) => {
      if (k === 'expr') return `expr: (v, L) => ${x}`;
      return `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k)}: ${jsValue(x, indent)}`;
    }).join(', ')} }`;
  }
  if (typeof v === 'string' && /^-?\d+n$/.test(v)) return v;
  if (Object.is(v, -0)) return '-0'; // (a default of -0.0: JSON writes 0)
  return JSON.stringify(v);
}

function emitBundle(data, format) {
  const header = '// Generated by parawasm\'s bindgen from the annotated C headers. Do not edit.';
  const shared = new Map(); // the source of a params, outputs or cargs list -> its index in $L
  const fields = [
    ['KERNEL_ABI', `0x${data.abi.toString(16).padStart(8, '0')}`],
    ['STATUS', JSON.stringify(data.statuses)],
    ['LISTS', JSON.stringify(data.lists)],
    ['CONSTANTS', JSON.stringify(data.constants)],
    ['KERNELS', kernelList(data.kernels, shared)],
    // the core's fast path of each kernel, by id (null: the generic path only)
    ['FAST_CORE', fastList(data.fast, '$FC')],
    // the pool's, likewise, and the scratch bytes of each pool slot it uses
    ['FAST_POOL', fastList(data.fastPool, '$FP')],
    ['POOL_SLOT_SCRATCH', String(POOL_SLOT_SCRATCH)],
  ];
  // the factories the two lists call and the lists KERNELS shares (module-private)
  const factories = [['$FC', data.fast.factories], ['$FP', data.fastPool.factories], ['$L', [...shared.keys()]]]
    .map(([k, f]) => `const ${k} = [\n${f.map((x) => `  ${x}`).join(',\n')}${f.length ? ',' : ''}\n];`);
  if (format === 'cjs') {
    return [header, "'use strict';", ...factories, ...fields.map(([k, v]) => `exports.${k} = ${v};`), ''].join('\n');
  }
  return [header, ...factories, ...fields.map(([k, v]) => `export const ${k} = ${v};`), ''].join('\n');
}

// KERNELS: each kernel's facts, its params, outputs and cargs lists written
// once in $L for all the kernels that have the same (the array family's
// kernels of one operation differ in little but their element type), so
// kernels share these lists: read them, never change them.
function kernelList(kernels, shared) {
  const ref = (v) => {
    const src = jsValue(v);
    if (!shared.has(src)) shared.set(src, shared.size);
    return `$L[${shared.get(src)}]`;
  };
  const items = kernels.map((k) => `{ ${Object.entries(k).map(([key, v]) =>
    `${key}: ${['params', 'outputs', 'cargs'].includes(key) ? ref(v) : jsValue(v)}`).join(', ')} }`);
  return `[\n${items.map((x) => `  ${x}`).join(',\n')}${items.length ? ',' : ''}\n]`;
}

// A kernel's entry in FAST_CORE or FAST_POOL: null, or a function of the
// runtime's context that calls the kernel's factory with its constants.
function fastList(f, table) {
  const items = f.entries.map((e) => (e ? `(rt) => ${table}[${e.factory}](rt, ${e.consts.join(', ')})` : 'null'));
  return `[\n${items.map((x) => `  ${x}`).join(',\n')}${items.length ? ',' : ''}\n]`;
}

function tsDoc(s, indent, ts) {
  const d = s.decl.doc;
  const out = [];
  if (d) {
    for (const l of d.text.split('\n')) out.push(l);
    const options = new Set(s.params.filter((p) => p.option).map((p) => p.name));
    for (const p of s.decl.params) {
      const js = camel(p.name);
      if (d.params[p.name]) out.push(`@param ${options.has(js) ? `options.${js}` : tsParamName(js)} ${d.params[p.name]}`);
    }
    if (d.returns) out.push(`@returns ${d.returns}`);
  }
  out.push(`C: \`${s.cname}\` (${relative(process.cwd(), s.decl.file).split('\\').join('/')}:${s.decl.line})`);
  return [`${indent}/**`, ...out.map((l) => `${indent} * ${l.replace(/\*\//g, '*\\/')}`.trimEnd()), `${indent} */`].join('\n') + (ts ? '' : '');
}

// Words a TypeScript parameter may not be named (reserved and strict-mode
// words, `this`, which would declare the type of `this`, and `options`,
// the name of every method's last parameter): a C parameter with such a
// name gets a trailing _ in the declarations.
const TS_RESERVED = new Set(('arguments await break case catch class const continue debugger default delete do ' +
  'else enum eval export extends false finally for function if implements import in instanceof interface let new ' +
  'null package private protected public return static super switch this throw true try typeof var void while ' +
  'with yield options').split(' '));
const tsParamName = (name) => (TS_RESERVED.has(name) ? `${name}_` : name);

// the TypeScript type of a JS parameter
// (tsType: the union of a name's kernels, unionSignatures)
const tsParamType = (p) => p.tsType ?? (p.kind === 'scalar' ? TS_SCALAR(p.type) : p.text ? `string | ${TS_ARRAY[p.elem]}` : TS_ARRAY[p.elem]);

function tsSignatures(s, async, indent) {
  const pos = s.params.filter((p) => !p.option);
  const opts = s.params.filter((p) => p.option);
  // (a new array: PwNew, its buffer an ArrayBuffer)
  const ret = s.tsRet ?? tsReturn(s);
  // one PW_RETURN result: options.out (js/runtime/bind.js, spec.retOut),
  // which the call returns as it is: signatures without out (a new array)
  // and with out (O, its type)
  const fields = opts.map((p) => `${p.name}${p.default !== undefined ? '?' : ''}: ${tsParamType(p)}`);
  const hasOut = s.outputs.length === 1 && s.outputs[0].kind === 'ret' && !opts.some((p) => p.name === 'out');
  // type parameters: the signature's own (s.tsGenerics: unionSignatures), then out's
  const generic = (...more) => {
    const all = [...(s.tsGenerics ?? []), ...more];
    return all.length ? `<${all.join(', ')}>` : '';
  };
  const lines = tsVariant(s, async, indent, pos, opts, fields, ret, generic(), hasOut ? 'out?: undefined' : null, false);
  if (hasOut) {
    const elem = TS_RESULT_ARRAY[s.outputs[0].elem];
    lines.push(...tsVariant(s, async, indent, pos, opts, fields, 'O',
      generic(`O extends ${elem === 'Uint8Array' ? 'Uint8Array | Uint8ClampedArray' : elem}`), 'out: O', true));
  }
  return lines;
}

// what a kernel's call gives (without options.out)
function tsReturn(s) {
  // (a new array: PwNew, its buffer an ArrayBuffer)
  const outType = (o) => `PwNew<${TS_RESULT_ARRAY[o.elem]}>`;
  if (s.outputs.length === 1) return outType(s.outputs[0]);
  if (s.outputs.length > 1) return `{ ${s.outputs.map((o) => `${o.name}: ${outType(o)}`).join('; ')} }`;
  return TS_RETURN(s.ret === 'status' ? 'i32' : s.ret);
}

/**
 * The kernels of one name for several element types (PW_NAME) take a
 * value typed as a union of their types too: one more signature, each
 * parameter the union of theirs, the result the union of their results
 * (the run time picks the kernel by the first buffer's type and refuses
 * a mix). Parameters whose types go together (x and y of dot: both f32 in
 * one kernel, both f64 in the other) share a type parameter, so that
 * `dot(f32, f64)` does not type-check where the run time would refuse it:
 * dot<A extends Float32Array | Float64Array>(x: A, y: A). Only where they
 * differ in nothing but types, and have no options.out; else none.
 */
function unionSignatures(group, async, indent) {
  const shape = (s) => JSON.stringify([s.params.map((p) => [p.name, p.kind, p.option === true, p.default === undefined, p.text === true]),
    s.outputs.map((o) => [o.name, o.kind])]);
  const [first] = group;
  if (group.length < 2 || group.some((s) => shape(s) !== shape(first))) return [];
  if (first.outputs.length === 1 && first.outputs[0].kind === 'ret' && !first.params.some((p) => p.option && p.name === 'out')) return [];
  const union = (types) => [...new Set(types.flatMap((t) => t.split(' | ')))].join(' | ');
  // each parameter's type in each kernel; those that vary alike, in two parameters or more, become one type parameter
  const column = (i) => group.map((s) => tsParamType(s.params[i]));
  const key = (i) => JSON.stringify(column(i));
  const shared = new Map(); // key -> the type parameter's name
  const tsGenerics = [];
  first.params.forEach((p, i) => {
    const k = key(i);
    // (not where one kernel's type is itself a union: Uint8Array | Uint8ClampedArray go together either way)
    if (shared.has(k) || new Set(column(i)).size < 2 || column(i).some((t) => t.includes('|')) ||
      first.params.filter((_, j) => key(j) === k).length < 2) return;
    const name = String.fromCharCode(65 + tsGenerics.length); // A, B, ... (never O: out's)
    shared.set(k, name);
    tsGenerics.push(`${name} extends ${union(column(i))}`);
  });
  const params = first.params.map((p, i) => ({ ...p, tsType: shared.get(key(i)) ?? union(column(i)) }));
  const rets = [...new Set(group.map(tsReturn))];
  return tsSignatures({ ...first, params, tsGenerics, tsRet: rets.length > 1 ? rets.map((r) => `(${r})`).join(' | ') : rets[0] }, async, indent);
}

/** The signatures of one variant: `extra` an options field added (null: none); `needsOptions` the options required. */
function tsVariant(s, async, indent, pos, opts, baseFields, ret, generic, extra, needsOptions) {
  const callOpts = async ? 'PoolCallOptions' : 'CoreCallOptions';
  const fields = extra === null ? baseFields : [...baseFields, extra];
  const optionsType = fields.length ? `{ ${fields.join('; ')} } & ${callOpts}` : callOpts;
  const optionsRequired = needsOptions || opts.some((p) => p.default === undefined);
  const required = pos.filter((p) => p.default === undefined);
  const optional = pos.filter((p) => p.default !== undefined);
  const lines = [];
  const r = async ? `Promise<${ret}>` : ret;
  for (let k = 0; k <= optional.length; k++) {
    const ps = [...required.map((p) => `${tsParamName(p.name)}: ${tsParamType(p)}`), ...optional.slice(0, k).map((p) => `${tsParamName(p.name)}: ${tsParamType(p)}`)];
    if (optionsRequired) {
      if (k < optional.length) continue; // options follow every positional argument
      ps.push(`options: ${optionsType}`);
    } else {
      ps.push(`options?: ${optionsType}`);
    }
    // (quoted: `new(...)` in an interface is a construct signature, not a method)
    lines.push(`${indent}${s.name === 'new' ? "'new'" : s.name}${generic}(${ps.join(', ')}): ${r};`);
  }
  if (optionsRequired && optional.length) {
    // the optional positional scalars may be left out before the options
    for (let k = 0; k < optional.length; k++) {
      const ps = [...required.map((p) => `${tsParamName(p.name)}: ${tsParamType(p)}`), ...optional.slice(0, k).map((p) => `${tsParamName(p.name)}: ${tsParamType(p)}`), `options: ${optionsType}`];
      // (quoted: `new(...)` in an interface is a construct signature, not a method)
      lines.push(`${indent}${s.name === 'new' ? "'new'" : s.name}${generic}(${ps.join(', ')}): ${r};`);
    }
  }
  return lines;
}

// For each X-macro list, the union of each column whose values are all
// strings: `PW_HASH_LIST_2` is 'crc32' | 'crc32c' | ... (types of the
// families' JS, generated from the same list as everything else); and its
// rows, each a tuple of literal types (`PW_HASH_LIST_ROWS`), which relate
// one column to another (an algorithm's result kind).
function listTypes(lists) {
  const out = [];
  const literal = (v) => (typeof v === 'string' || typeof v === 'number' ? JSON.stringify(v) : 'unknown');
  for (const [name, rows] of Object.entries(lists)) {
    if (!rows.length) continue;
    out.push(`/** The rows of ${name} (a C X-macro list), as tuples. */`,
      `export type ${name}_ROWS = readonly [${rows.map((r) => `readonly [${r.map(literal).join(', ')}]`).join(', ')}];`);
    for (let col = 0; col < rows[0].length; col++) {
      if (rows.every((r) => typeof r[col] === 'string' && !/^[A-Z_][A-Z0-9_]*$/.test(r[col]))) {
        out.push(`/** Column ${col} of ${name} (a C X-macro list). */`, `export type ${name}_${col} = ${rows.map((r) => JSON.stringify(r[col])).join(' | ')};`);
      }
    }
  }
  return out;
}

function emitDts(specs, lists = {}, skipNamespaces = []) {
  // a namespace whose family's JS declares its own types is left out here
  const pub = specs.filter((s) => !s.internal && !skipNamespaces.includes(s.ns));
  const block = (async) => {
    const top = pub.filter((s) => !s.ns);
    const spaces = [...new Set(pub.filter((s) => s.ns).map((s) => s.ns))];
    const members = (list, indent) => list.map((s, i) => {
      const lines = [tsDoc(s, indent), ...tsSignatures(s, async, indent)];
      // after the last kernel of a name: its union signature, if any
      if (list.findLastIndex((o) => o.name === s.name) === i) lines.push(...unionSignatures(list.filter((o) => o.name === s.name), async, indent));
      return lines.join('\n');
    }).join('\n');
    const out = [members(top, '  ')];
    for (const ns of spaces) {
      out.push(`  /** The ${ns} kernels. */`, `  readonly ${ns}: {`, members(pub.filter((s) => s.ns === ns), '    '), '  };');
    }
    return out.filter(Boolean).join('\n');
  };
  return [
    '// Generated by parawasm\'s bindgen from the annotated C headers. Do not edit.',
    "import type { CoreCallOptions, PoolCallOptions } from '../lib/runtime/types.js';",
    '',
    '/**',
    ' * A new array of T\'s type that a call makes (a result without options.out):',
    ' * T<ArrayBuffer> where TypeScript\'s typed arrays name their buffer (5.7 and',
    ' * later), as `new Blob([...])` and `crypto.subtle` ask; T before that.',
    ' */',
    'type PwNew<T extends { slice(): unknown }> = ReturnType<T[\'slice\']>;',
    '',
    ...listTypes(lists),
    '',
    '/** Every kernel, as a synchronous function (the single-thread core). */',
    'export interface CoreKernels {',
    block(false),
    '}',
    '',
    '/** Every kernel, as an async method of the pool; the last argument may be an options object. */',
    'export interface PoolKernels {',
    block(true),
    '}',
    '',
  ].join('\n');
}

function parseStatuses(text) {
  const out = {};
  const re = /X\(\s*(PW_\w+)\s*,\s*(-?\d+)\s*,\s*"([^"]*)"\s*,\s*"([^"]*)"\s*\)/g;
  const m0 = /#define\s+PW_STATUS_LIST\(X\)((?:[^\n]*\\\n)*[^\n]*)/.exec(text);
  if (!m0) return out;
  let m;
  while ((m = re.exec(m0[1]))) out[m[2]] = { name: m[1], code: m[3], message: m[4] };
  return out;
}

// X-macro lists (#define NAME_LIST(X) X(...) X(...)) whose rows are
// literals: the JS side reads them (the hash algorithms, say). Rows are
// arrays of numbers, strings and identifiers (as strings).
function parseLists(text) {
  const lists = {};
  const re = /#define\s+([A-Z][A-Z0-9_]*_LIST)\(X\)((?:[^\n]*\\\n)*[^\n]*)/g;
  let m;
  while ((m = re.exec(text))) {
    if (m[1] === 'PW_STATUS_LIST') continue;
    const rows = [];
    const rowRe = /X\(([^()]*)\)/g;
    let r;
    while ((r = rowRe.exec(m[2]))) {
      rows.push(splitTop(r[1]).map((v) => (/^"/.test(v) ? JSON.parse(v) : /^-?\d+$/.test(v) ? Number(v) : v)));
    }
    lists[m[1]] = rows;
  }
  return lists;
}

// Integer constants of the headers (#define NAME 123), for the JS side.
function parseConstants(text, prefixUpper) {
  const out = {};
  const re = /#define\s+([A-Z][A-Z0-9_]*)\s+\(?(-?(?:0x[0-9a-fA-F]+|\d+))[uUlL]*\)?\s*$/gm;
  let m;
  while ((m = re.exec(text))) if (m[1].startsWith(prefixUpper)) out[m[1]] = Number(m[2]);
  return out;
}

// parawasm's own headers, whose kernels are pw_ whatever --prefix says:
// include/ in the repository and sdk/include/ in the package, by where this
// file is (js/tools/ or lib/tools/), never by a folder's name in the path
// (a project of yours in a folder named parawasm has your prefix)
const realOr = (p) => {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
};
const TOOLS = dirname(fileURLToPath(import.meta.url));
const OWN_INCLUDE = [resolve(TOOLS, '../../include'), resolve(TOOLS, '../../sdk/include')].map(realOr);
const isOwnHeader = (h) => {
  const d = dirname(realOr(h));
  return OWN_INCLUDE.some((o) => d === o || d.startsWith(o + sep));
};

/** Reads headers; returns { specs, statuses, lists, constants }. */
export function readHeaders(headers, { prefix = 'pw_', read = (h) => readFileSync(h, 'utf8') } = {}) {
  const statuses = {};
  const lists = {};
  const constants = {};
  const specs = [];
  const macros = new Map();
  const prefixUpper = prefix.toUpperCase();
  for (const h of headers) {
    const text = read(h);
    Object.assign(statuses, parseStatuses(text));
    Object.assign(lists, parseLists(text));
    Object.assign(constants, parseConstants(text, 'PW_'), prefixUpper !== 'PW_' ? parseConstants(text, prefixUpper) : {});
    // parawasm's own headers use pw_; the user's, their prefix
    const own = isOwnHeader(h);
    for (const decl of parseHeader(h, text, { prefix: own ? 'pw_' : prefix, macros })) specs.push(buildSpec(decl));
  }
  checkSpecs(specs);
  return { specs, statuses, lists, constants };
}

/** Generates every output; `out` maps c/js/cjs/dts to file paths (any may be missing). */
export function generate(headers, out, opts = {}) {
  const { specs, statuses, lists, constants } = readHeaders(headers, opts);
  const write = (file, text) => { mkdirSync(dirname(file), { recursive: true }); writeFileSync(file, text); };
  const data = bundleData(specs, statuses, lists, constants);
  if (out.c) write(out.c, emitC(specs, headers, out.c, opts.runtimeHeader));
  if (out.js) write(out.js, emitBundle(data, 'esm'));
  if (out.cjs) write(out.cjs, emitBundle(data, 'cjs'));
  if (out.dts) write(out.dts, emitDts(specs, lists, opts.skipNamespaces));
  return specs;
}

function main(argv) {
  const out = {};
  const headers = [];
  let prefix = 'pw_';
  const skip = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--c' || a === '--js' || a === '--cjs' || a === '--dts') out[a.slice(2)] = argv[++i];
    else if (a === '--prefix') prefix = argv[++i];
    else if (a === '--skip-namespace') skip.push(argv[++i]);
    else if (a.startsWith('--')) throw new BindgenError(`unknown option ${a}`);
    else headers.push(a);
  }
  if (!headers.length) {
    throw new BindgenError('usage: bindgen.mjs [--prefix pw_] [--skip-namespace NS]... [--c out.c] [--js out.js] ' +
      '[--cjs out.cjs] [--dts out.d.ts] header.h...');
  }
  // --skip-namespace: a namespace whose types a family's JS declares (left out of the .d.ts)
  const specs = generate(headers, out, { prefix, skipNamespaces: skip });
  const label = (s) => (s.ns ? `${s.ns}.${s.name}` : s.name);
  process.stdout.write(`bindgen: ${specs.length} kernels (${[...new Set(specs.map(label))].join(', ')})\n`);
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
