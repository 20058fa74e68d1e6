// parawasm build — a user's annotated C (headers and sources) into a
// complete npm package of their own: both wasm builds, the generated
// bindings and types, and a copy of parawasm's JS runtime.
//
//   parawasm build [--name NAME] [--out DIR] [--prefix PREFIX] [--with FAMILY[,FAMILY]]
//                  [-I DIR] [-D NAME[=VALUE]] [-O LEVEL] [--quiet] FILE...
//
// The package it writes (DIR, default ./pkg):
//   package.json        name, exports (node import/require, browser, types)
//   index.js            Node ESM entry        index.cjs  CommonJS entry
//   browser.js          browsers and bundlers (literal asset URLs)
//   <base>-fallback-worker.js  the worker of a pool without shared memory
//                       (browsers); named after the package, like its wasm
//                       files, so that several packages' workers can lie
//                       side by side beside one bundle
//   index.d.ts, index.d.cts   types, with the C doc comments
//   gen/                the kernel bundle (specs) and its types
//   lib/runtime/, lib/families/, lib/runtime.cjs   parawasm's JS runtime (vendored)
//   wasm/<base>.*, wasm/<base>-mt.*                 the two builds, named after the package
// Why the runtime is vendored rather than a dependency: README, "Your own kernels".
import { spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, statSync, writeFileSync,
} from 'node:fs';
import { availableParallelism, homedir, tmpdir } from 'node:os';
import { basename, delimiter, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BindgenError, generate, stripAttributes } from './bindgen.mjs';
import { MALLOC_DEFINES, compileArgs, emccArgs } from './flags.mjs';
import { ObjectCache, compileSources } from './objcache.mjs';
import { FAMILIES, LIBS, borrowedSources, familyHeaders, findLib, resolveFamilies, unknownFamily } from './families.mjs';
import { patchGlue, patchWorker } from './glue.mjs';

export class BuildError extends Error {}

const MIN_EMCC = [3, 1, 6];

/**
 * Where parawasm's SDK lies: in a clone of the repository (include/, src/,
 * js/) or in the installed npm package (sdk/, lib/). The tool finds it from
 * its own location, so the same command serves both.
 */
export function sdkLayout() {
  const top = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
  if (existsSync(join(top, 'include/parawasm/kernel.h'))) {
    return {
      top,
      include: join(top, 'include'),
      runtimeC: join(top, 'src/runtime'),
      kernels: join(top, 'src/kernels'),
      jsRuntime: join(top, 'js/runtime'),
      jsFamilies: join(top, 'js/families'),
      runtimeCjs: join(top, 'build/sdk/runtime.cjs'),
    };
  }
  if (existsSync(join(top, 'sdk/include/parawasm/kernel.h'))) {
    return {
      top,
      include: join(top, 'sdk/include'),
      runtimeC: join(top, 'sdk/src/runtime'),
      kernels: join(top, 'sdk/src/kernels'),
      jsRuntime: join(top, 'lib/runtime'),
      jsFamilies: join(top, 'lib/families'),
      runtimeCjs: join(top, 'lib/runtime.cjs'),
    };
  }
  throw new BuildError(`cannot find parawasm's SDK beside ${top} (include/parawasm/kernel.h or sdk/include/parawasm/kernel.h)`);
}

export const USAGE = `usage: parawasm build [options] FILE...

Builds annotated C headers (.h) and sources (.c) into an npm package of
your own, with parawasm's core, pool and types.

  --name NAME        package name (default: "name" of ./package.json, else the folder's name)
  --out DIR          output folder (default: pkg)
  --prefix PREFIX    C prefix that JS names lose (default: pw_): my_xor_bytes -> xorBytes
  --with FAMILY      add a parawasm kernel family (${Object.keys(FAMILIES).join(', ')}); repeat or comma-separate
  -I DIR             include directory for the C compiler
  -D NAME[=VALUE]    preprocessor definition
  -O LEVEL           optimisation level: 0, 1, 2, 3, s or z (default 3)
  --cache DIR        the object cache: a source is compiled again only when it,
                     a header it includes, the flags or emcc change (default:
                     node_modules/.cache/parawasm, else ~/.cache/parawasm)
  --no-cache         compile every source, store nothing
  --quiet            print only errors
  -h, --help         this text

Headers are read for PW_KERNEL declarations (see parawasm/kernel.h);
every .c file is compiled into both builds. Needs emcc (Emscripten) ${MIN_EMCC.join('.')} or newer.`;

/** Parses the command's arguments (after "build"). */
export function parseBuildArgs(argv) {
  const o = {
    name: undefined, out: 'pkg', prefix: 'pw_', with: [], includes: [], defines: [], opt: '3', cache: undefined, files: [], quiet: false, help: false,
  };
  const value = (i, flag) => {
    if (i + 1 >= argv.length) throw new BuildError(`${flag} needs a value`);
    return argv[i + 1];
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    let m;
    if (a === '-h' || a === '--help') o.help = true;
    else if (a === '--quiet' || a === '-q') o.quiet = true;
    else if (a === '--name') o.name = value(i++, a);
    else if (a === '--out') o.out = value(i++, a);
    else if (a === '--prefix') o.prefix = value(i++, a);
    else if (a === '--cache') o.cache = value(i++, a);
    else if (a === '--no-cache') o.cache = false;
    else if (a === '--with') o.with.push(...value(i++, a).split(',').filter(Boolean));
    else if ((m = /^--(name|out|prefix|with|cache)=(.*)$/.exec(a))) {
      if (m[1] === 'with') o.with.push(...m[2].split(',').filter(Boolean)); else o[m[1]] = m[2];
    } else if (a === '-I') o.includes.push(value(i++, a));
    else if (a.startsWith('-I')) o.includes.push(a.slice(2));
    else if (a === '-D') o.defines.push(value(i++, a));
    else if (a.startsWith('-D')) o.defines.push(a.slice(2));
    else if (a === '-O') o.opt = value(i++, a);
    else if (/^-O./.test(a)) o.opt = a.slice(2);
    else if (a === '--') o.files.push(...argv.slice(i + 1)), (i = argv.length);
    else if (a.startsWith('-')) throw new BuildError(`unknown option ${a}`);
    else o.files.push(a);
  }
  if (o.cache === '') throw new BuildError('--cache needs a folder (or --no-cache)');
  if (!/^[0-3sz]$/.test(o.opt)) throw new BuildError(`-O takes 0, 1, 2, 3, s or z (got "${o.opt}")`);
  if (unknownFamily(o.with)) throw new BuildError(unknownFamily(o.with));
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(o.prefix)) throw new BuildError(`--prefix must be a C identifier prefix such as my_ (got "${o.prefix}")`);
  for (const d of o.defines) if (!/^[A-Za-z_]\w*(=.*)?$/.test(d)) throw new BuildError(`-D takes NAME or NAME=VALUE (got "${d}")`);
  return o;
}

/** The npm name checks npm applies (lower case, url-safe, at most 214 characters). */
export function checkPackageName(name) {
  if (typeof name !== 'string' || !name.length || name.length > 214 ||
      !/^(@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/.test(name)) {
    throw new BuildError(`"${name}" is not a valid npm package name (lower case letters, digits, - . _ ~, optionally @scope/)`);
  }
  return name;
}

/** The file base of a package's builds: @scope/my-kernels -> scope-my-kernels. */
export const fileBase = (name) => name.replace(/^@/, '').replace(/\//g, '-');
const exportName = (base, build) => `Pw_${base.replace(/[^A-Za-z0-9_]/g, '_')}_${build}`;

/** emcc's version as [major, minor, patch], or a BuildError saying how to install it. */
export function emccVersion(emcc) {
  const r = spawnSync(emcc, ['--version'], { encoding: 'utf8', env: emccEnv() });
  if (r.error || r.status !== 0) {
    throw new BuildError(`${emcc} (Emscripten) was not found or does not run${r.error ? ` (${r.error.code})` : `: ${(r.stderr || '').trim().split('\n').pop()}`}.\n` +
      'Install Emscripten: on Debian or Ubuntu `sudo apt-get install emscripten`; elsewhere the emsdk ' +
      '(https://emscripten.org/docs/getting_started/downloads.html). Or set EMCC to its path.');
  }
  const m = /(\d+)\.(\d+)\.(\d+)/.exec(r.stdout);
  if (!m) throw new BuildError(`cannot read the version of ${emcc} from: ${r.stdout.split('\n')[0]}`);
  const v = m.slice(1, 4).map(Number);
  for (let i = 0; i < 3; i++) {
    if (v[i] > MIN_EMCC[i]) break;
    if (v[i] < MIN_EMCC[i]) {
      throw new BuildError(`${emcc} is Emscripten ${v.join('.')}; parawasm needs ${MIN_EMCC.join('.')} or newer ` +
        '(Debian: `sudo apt-get install emscripten`; or the emsdk: `emsdk install latest`)');
    }
  }
  return v;
}

// A C source's text with its comments and its string and character
// literals blanked, their newlines kept (for line numbers): what is left
// is code ("src/*.c" in a string opens no comment, '{' counts no brace).
function codeOf(file) {
  return readFileSync(file, 'utf8').replace(/"(?:\\[\s\S]|[^"\\\n])*"|'(?:\\[\s\S]|[^'\\\n])*'|\/\*[\s\S]*?\*\/|\/\/[^\n]*/g,
    (c) => c.replace(/[^\n]/g, ' '));
}

/**
 * PW_KERNEL declarations in the sources given (.c) of functions that no
 * header declares: an error line each (file:line). Only headers are read
 * for kernels, so such a function had no binding and no word said.
 */
function kernelsInSources(sources, declared, cwd) {
  const out = [];
  for (const f of sources) {
    const text = codeOf(f);
    for (const m of text.matchAll(/\bPW_KERNEL\b([^;{]*)/g)) {
      // the function's name: the first name before a '(' once the
      // annotations with arguments (PW_NAME(x)) and attributes are left out
      const decl = stripAttributes(m[1]).replace(/\bPW_\w+\s*\([^()]*\)/g, ' ');
      const name = /\b([A-Za-z_]\w*)\s*\(/.exec(decl)?.[1];
      if (name === undefined || declared.has(name)) continue;
      const line = text.slice(0, m.index).split('\n').length;
      out.push(`${relative(cwd, f)}:${line}: ${name} is marked PW_KERNEL in a source file, which parawasm build does not read for kernels: ` +
        'declare it in a header and give that header');
    }
  }
  return out;
}

// The error for a symbol the link found undefined (not a kernel): the
// first use of it in each of the user's sources, at its file:line.
function undefinedUse(name, sources, cwd) {
  const why = `${name} is used, but no C source of the build defines it: give the source that does among the files ` +
    '(a library\'s .c files too, with -I for its headers), or check its spelling';
  const uses = [];
  for (const f of sources) {
    const text = codeOf(f);
    // the first line inside a function's body that names it (else the first naming it: a prototype)
    const re = new RegExp(`\\b${name}\\b`);
    let depth = 0;
    let first;
    let inBody;
    text.split('\n').forEach((l, i) => {
      if (re.test(l)) {
        first ??= i;
        if (depth > 0 || /\{/.test(l.slice(0, l.search(re)))) inBody ??= i;
      }
      for (const ch of l) depth += ch === '{' ? 1 : ch === '}' ? -1 : 0;
    });
    const at = inBody ?? first;
    if (at !== undefined) uses.push(`${relative(cwd, f) || f}:${at + 1}: ${why}`);
  }
  return uses.length ? uses.join('\n') : why.replace(' is used,', ' is used by the build,');
}

// The error for headers without a kernel: where a misspelt PW_KERNEL is
// (PW_KERNELL, PW_KERNAL, PW_KERNELS: a word like it, at its file:line).
function noKernels(headers, cwd) {
  const near = [];
  for (const h of headers) {
    readFileSync(h, 'utf8').split('\n').forEach((line, i) => {
      for (const m of line.matchAll(/\bPW_K[A-Z_]*\b/g)) {
        if (m[0] !== 'PW_KERNEL' && m[0] !== 'PW_KERNEL_H' && /^PW_K[EA]?R?N/.test(m[0])) {
          near.push(`${relative(cwd, h) || h}:${i + 1}: ${m[0]} is not PW_KERNEL`);
        }
      }
    });
  }
  return ['no PW_KERNEL declarations found in the headers given', ...near.slice(0, 5)].join('\n');
}

// Debian's emcc runs on Node and needs Debian's acorn (NODE_PATH): its
// folder is added to a NODE_PATH of the user's, after their folders.
export function emccEnv() {
  const env = { ...process.env };
  const debian = '/usr/share/nodejs';
  const paths = (env.NODE_PATH ?? '').split(delimiter).filter(Boolean);
  if (!paths.includes(debian) && existsSync(join(debian, 'acorn'))) env.NODE_PATH = [...paths, debian].join(delimiter);
  return env;
}

// Runs cmd; `jobs`: the set of a build's running compilers (see stopCompilers).
function run(cmd, args, { jobs, ...opts }) {
  return new Promise((resolveRun, reject) => {
    // a group of its own (POSIX), so that a stop reaches emcc's clang and wasm-ld too
    const p = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'], detached: process.platform !== 'win32' });
    jobs.add(p);
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    p.on('error', (e) => { jobs.delete(p); reject(e); });
    p.on('close', (code) => { jobs.delete(p); resolveRun({ code, out }); });
  });
}

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** Stops the compilers of `jobs` (each emcc's whole process group on POSIX). */
function stopCompilers(jobs) {
  for (const p of jobs) {
    try {
      if (process.platform === 'win32') p.kill('SIGTERM');
      else process.kill(-p.pid, 'SIGTERM');
    } catch { /* already gone */ }
  }
}

/**
 * While a build runs, Ctrl-C or a kill runs `cleanup` (which stops the
 * build's compilers and removes its temporary folder) before the process
 * ends as the signal asks:
 * the handler takes itself away and sends the signal again, so the
 * default action (or the program's own handler) follows. Returns the
 * function that takes the handler away when the build ends.
 */
function onStopSignal(cleanup) {
  const handler = (signal) => {
    off();
    cleanup();
    process.kill(process.pid, signal);
  };
  const off = () => { for (const sig of STOP_SIGNALS) process.removeListener(sig, handler); };
  for (const sig of STOP_SIGNALS) process.on(sig, handler);
  return off;
}

const cFiles = (dir) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.c')).sort().map((f) => join(dir, f)) : []);

/**
 * parawasm's C for `families` (build and ctest): `sources`, the families'
 * kernel sources (their library units apart) and the C they borrow from
 * families not among them; `includes`, the folders those see, its private
 * ones; `userIncludes(dirs)`, the folders a user's sources see: theirs
 * first, then parawasm's public headers, never its private ones (a user's
 * pool.h or simd.h is theirs).
 */
export function sdkSources(sdk, families) {
  const unitFiles = new Set(families.flatMap((f) => (f.units ?? []).map((u) => join(sdk.kernels, f.dir, u.src))));
  const borrowed = borrowedSources(families);
  return {
    sources: [...families.flatMap((f) => cFiles(join(sdk.kernels, f.dir))).filter((f) => !unitFiles.has(f)),
      ...borrowed.map((b) => join(sdk.kernels, b.path))],
    includes: [sdk.include, sdk.runtimeC, sdk.kernels, ...families.map((f) => join(sdk.kernels, f.dir)),
      ...new Set(borrowed.map((b) => join(sdk.kernels, b.dir)))],
    userIncludes: (dirs) => [...new Set(dirs), sdk.include],
  };
}

/**
 * The object cache's folder: --cache DIR; else node_modules/.cache/parawasm
 * in a project that has node_modules (where build tools keep their caches);
 * else the user's cache folder.
 */
function objectCacheDir(dir, cwd) {
  if (dir) return resolve(cwd, dir);
  if (existsSync(join(cwd, 'node_modules'))) return join(cwd, 'node_modules/.cache/parawasm');
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'parawasm');
}

// What a build writes or replaces in its output folder (besides
// package.json and README.md, which it keeps as its README describes)
const OWN_PATHS = ['index.js', 'index.cjs', 'index.d.ts', 'index.d.cts', 'browser.js', 'gen', 'wasm', 'lib/runtime', 'lib/runtime.cjs', 'lib/families'];

/**
 * The output folder must be a folder, or not exist yet below one; and one
 * that holds any of the files a build writes or replaces must be one an
 * earlier build wrote (its index.js says so), so that a build never
 * overwrites or deletes files of yours (--out . in a project of your own).
 * Checked before anything is compiled.
 */
function checkOutFolder(out, cwd) {
  const shown = relative(cwd, out) || '.';
  let p = out;
  while (!existsSync(p) && dirname(p) !== p) p = dirname(p);
  if (existsSync(p) && !statSync(p).isDirectory()) {
    throw new BuildError(`--out ${shown}: ${p === out ? 'it' : relative(cwd, p) || p} is a file, not a folder`);
  }
  if (p !== out) return;
  // (an earlier build's index.js; or, where a build failed while it wrote
  // the package, its gen/kernels.js, which it writes first)
  const marked = (f, mark) => {
    try {
      return readFileSync(join(out, f), 'utf8').startsWith(mark);
    } catch {
      return false;
    }
  };
  if (marked('index.js', GEN_MARK) || marked('gen/kernels.js', BINDINGS_MARK)) return;
  const theirs = OWN_PATHS.filter((f) => existsSync(join(out, f)));
  const workers = readdirSync(out).filter((f) => /(^|-)fallback-worker\.js$/.test(f));
  if (theirs.length || workers.length) {
    throw new BuildError(`--out ${shown}: the folder holds ${[...theirs, ...workers].join(', ')}, which a build would ` +
      'overwrite or remove, and no earlier parawasm build wrote it (its index.js or gen/kernels.js would say so): give a new or empty folder, ' +
      'or the one a build wrote before (default pkg)');
  }
}

/** Reads package.json of the current folder, if any. */
function ownPackageJson(dir) {
  try {
    return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  } catch {
    return null;
  }
}

/**
 * Builds a package. `o`: parsed options (parseBuildArgs). `log`: progress
 * lines. Returns { out, name, base, kernels }.
 */
export async function buildPackage(o, { cwd = process.cwd(), log = (s) => process.stdout.write(`${s}\n`), emcc = process.env.EMCC || 'emcc' } = {}) {
  const started = Date.now();
  const sdk = sdkLayout();
  const named = o.files.map((f) => resolve(cwd, f));
  for (const f of named) {
    if (!existsSync(f) || !statSync(f).isFile()) throw new BuildError(`${relative(cwd, f) || f}: no such file`);
    if (!/\.(h|c)$/.test(f)) throw new BuildError(`${relative(cwd, f)}: not a .h or .c file`);
  }
  // a file named twice (or by two paths) is read once: a header given
  // twice declared each of its kernels twice
  const seen = new Set();
  const files = named.filter((f) => {
    const real = realpathSync(f);
    if (seen.has(real)) return false;
    seen.add(real);
    return true;
  });
  const families = resolveFamilies(o.with);
  const userHeaders = files.filter((f) => f.endsWith('.h'));
  const userSources = files.filter((f) => f.endsWith('.c'));
  if (!userHeaders.length && !families.length) {
    throw new BuildError('no kernels: give the headers (.h) that declare your PW_KERNEL functions, or --with a family');
  }
  const name = checkPackageName(o.name ?? ownPackageJson(cwd)?.name ?? basename(cwd).toLowerCase());
  const base = fileBase(name);
  const out = resolve(cwd, o.out);
  checkOutFolder(out, cwd);
  const version = emccVersion(emcc);
  const cache = new ObjectCache(o.cache === false ? null : objectCacheDir(o.cache, cwd), `parawasm-objects-1 emcc ${version.join('.')}`,
    (msg) => { if (!o.quiet) log(msg); });

  // 1. bindings: every header of the SDK that matters, then the user's
  const sdkHeaders = familyHeaders(sdk.include, families);
  const work = mkdtempSync(join(tmpdir(), 'parawasm-build-'));
  // the bindings and the builds are made in `stage` and moved into `out`
  // only when both builds have succeeded: a failed build leaves the
  // package of the last good one as it was
  const stage = join(work, 'pkg');
  let keepWork = false;
  let specs;
  const jobs = new Set();
  const offStopSignal = onStopSignal(() => {
    stopCompilers(jobs);
    rmSync(work, { recursive: true, force: true, maxRetries: 5 });
  });
  // emcc's own temporary files go in there too: a stopped emcc leaves them
  const emTmp = join(work, 'tmp');
  const emEnv = { ...emccEnv(), TMPDIR: emTmp, TMP: emTmp, TEMP: emTmp };
  try {
    mkdirSync(emTmp);
    mkdirSync(join(stage, 'gen'), { recursive: true });
    try {
      specs = generate([...sdkHeaders, ...userHeaders], {
        c: join(work, 'kernels.c'), js: join(stage, 'gen/kernels.js'), cjs: join(stage, 'gen/kernels.cjs'), dts: join(stage, 'gen/kernels.d.ts'),
      }, { prefix: o.prefix, skipNamespaces: families.map((f) => f.js?.namespace).filter(Boolean), runtimeHeader: join(sdk.runtimeC, 'runtime.h') });
    } catch (e) {
      if (e instanceof BindgenError) throw new BuildError(e.message);
      throw e;
    }
    if (!specs.length) throw new BuildError(noKernels(userHeaders, cwd));
    const strays = kernelsInSources(userSources, new Set(specs.map((sp) => sp.cname)), cwd);
    if (strays.length) throw new BuildError(strays.join('\n'));
    if (!o.quiet) { const n = specs.filter((s) => !s.internal).length; log(`parawasm build: ${name}: ${n} kernel${n === 1 ? '' : 's'} (emcc ${version.join('.')})`); }

    // 2. the two wasm builds, at the same time
    // (the user's sources and the bindings: the user's folders, sdkSources)
    const { sources: familySources, includes, userIncludes: userDirs } = sdkSources(sdk, families);
    const userIncludes = userDirs([...userHeaders.map((h) => dirname(h)), ...o.includes.map((d) => resolve(cwd, d))]);
    const runtime = ['task.c', 'split.c', 'alloc.c'].map((f) => join(sdk.runtimeC, f));
    const users = new Set([...userSources, join(work, 'kernels.c')]);
    const common = [...runtime, ...familySources, ...userSources, join(work, 'kernels.c')];
    mkdirSync(join(stage, 'wasm'), { recursive: true });
    // an error in the generated bindings is shown with the file kept to read
    const failed = (what, text) => {
      const inBindings = text.includes(join(work, 'kernels.c'));
      if (inBindings) keepWork = true;
      return new BuildError(`emcc failed ${what}:\n${text}${inBindings ? `\n(the generated bindings, ${join(work, 'kernels.c')}, are kept for you to read)` : ''}`);
    };
    const builds = [
      { build: 'st', file: base, srcs: [...common, join(sdk.runtimeC, 'serial.c')] },
      { build: 'mt', file: `${base}-mt`, srcs: [...common, join(sdk.runtimeC, 'pool.c')] },
    ];
    // the families' library units (stb_image), an object for each build
    const units = families.flatMap((f) => (f.units ?? []).map((u) => ({ ...u, path: join(sdk.kernels, f.dir, u.src) })));
    for (const u of units) {
      const dir = findLib(u.lib, o.includes.map((d) => resolve(cwd, d)), existsSync);
      if (!dir) {
        throw new BuildError(`the ${families.find((f) => (f.units ?? []).some((x) => x.src === u.src)).name} family needs the ` +
          `${u.lib} headers (${LIBS[u.lib].headers.join(', ')}), found in none of ${LIBS[u.lib].dirs.join(', ')} nor the -I folders. ` +
          `${LIBS[u.lib].install}`);
      }
      u.dir = dir;
    }
    // every source of each build compiled into an object (from the object
    // cache where nothing it depends on changed), then each build linked
    const srcArgs = (build, src) => [...compileArgs(build, {
      opt: o.opt, defines: [...o.defines, ...MALLOC_DEFINES], includes: users.has(src) ? userIncludes : includes,
    }), '-Wall', '-Wextra'];
    const compiles = builds.flatMap(({ build, srcs }) => [
      ...srcs.map((src) => ({ build, src, args: srcArgs(build, src), what: build === 'mt' ? 'threaded build' : 'single-thread build' })),
      // the families' library units (stb_image): their own flags; a
      // library's warnings are not the user's to read, only its errors
      ...units.map((u) => ({
        build, src: u.path, args: [...compileArgs(build, { opt: o.opt, defines: o.defines, includes: [...includes, u.dir] }), ...(u.wasmFlags ?? [])],
        what: `${u.src}, ${build === 'mt' ? 'threaded' : 'single-thread'} build`, unit: true,
      })),
    ]);
    // the generated bindings lie in this build's own folder: their key is their text
    const keyId = (src) => (src === join(work, 'kernels.c') ? 'parawasm:kernels.c' : src);
    const objects = await compileSources(compiles, {
      cache, keyId, dir: join(work, 'obj'), jobs: Math.max(1, availableParallelism()),
      run: (args, at) => run(emcc, args, { cwd: at, env: emEnv, jobs }),
      failed,
      // each warning once: the single-thread build's
      warn: (text, c) => { if (!o.quiet && c.build === 'st' && !c.unit) log(text); },
    });
    const results = await Promise.all(builds.map(({ build, file }) => {
      const objs = compiles.map((c, i) => (c.build === build ? objects[i] : null)).filter(Boolean);
      const args = [...emccArgs(build, { opt: o.opt, exportName: exportName(base, build), defines: o.defines, includes }),
        ...objs, '-o', join(stage, 'wasm', `${file}.js`)];
      return run(emcc, args, { cwd, env: emEnv, jobs }).then((r) => ({ ...r, build }));
    }));
    for (const r of results) {
      if (r.code !== 0) {
        // a kernel declared but defined by no source: its declaration's file:line, not the linker's text
        const names = new Set(Array.from(r.out.matchAll(/undefined symbol: ([A-Za-z_]\w*)/g), (m) => m[1]));
        const declared = specs.filter((sp) => names.has(sp.cname) && sp.decl?.file);
        if (declared.length) {
          throw new BuildError(declared.map((sp) => `${relative(cwd, sp.decl.file) || sp.decl.file}:${sp.decl.line}: ${sp.cname} is declared ` +
            'with PW_KERNEL, but no C source of the build defines it (a source file left out, or a misspelt function name?)').join('\n'));
        }
        // another function or variable the sources use and none defines: where they use it
        if (names.size) throw new BuildError([...names].map((n) => undefinedUse(n, userSources, cwd)).join('\n'));
        throw failed(`(${r.build === 'mt' ? 'threaded' : 'single-thread'} build)`, r.out.trim());
      }
      const warnings = r.out.trim();
      if (warnings && !o.quiet && r.build === 'st') log(warnings);
    }
    for (const { build, file } of builds) {
      const js = join(stage, 'wasm', `${file}.js`);
      const worker = join(stage, 'wasm', `${file}.worker.js`);
      try {
        writeFileSync(js, patchGlue(readFileSync(js, 'utf8'), build, version, js));
        if (build === 'mt' && existsSync(worker)) writeFileSync(worker, patchWorker(readFileSync(worker, 'utf8'), version, worker));
      } catch (e) {
        throw new BuildError(e.message);
      }
      writeModuleGlue(join(stage, 'wasm'), file, exportName(base, build));
    }
    writeFileSync(join(stage, 'wasm/package.json'), '{ "type": "commonjs" }\n');

    // 3. both builds succeeded: the bindings and builds replace the old
    // ones (files of an earlier name included), then the JS runtime, the
    // families' JS, the entries and the types
    // (only the kinds of file a build writes there are removed: the
    // builds of an earlier name; gen/'s names never change)
    try {
      const oldWasm = join(out, 'wasm');
      if (existsSync(oldWasm)) {
        for (const f of readdirSync(oldWasm)) {
          if ((/\.(wasm|js|mjs)$/.test(f) || f === 'package.json') && statSync(join(oldWasm, f)).isFile()) rmSync(join(oldWasm, f));
        }
      }
      for (const dir of ['gen', 'wasm']) copyDir(join(stage, dir), join(out, dir));
      writeRuntime(sdk, out, families);
      writeEntries(out, { name, base, families });
      writePackageJson(out, name, base, families, ownPackageJson(cwd));
      writeReadme(out, name, specs, families);
    } catch (e) {
      if (e instanceof BuildError || !e.code) throw e;
      throw new BuildError(`cannot write the package in ${relative(cwd, out) || '.'}: ${e.message}`);
    }
  } finally {
    offStopSignal();
    stopCompilers(jobs); // the other build, when one failed
    if (!keepWork) rmSync(work, { recursive: true, force: true, maxRetries: 5 });
  }
  cache.prune();
  if (!o.quiet) {
    const from = cache.dir ? `, ${cache.hits} of ${cache.hits + cache.misses} objects from the cache` : ' (no object cache)';
    log(`parawasm build: wrote ${relative(cwd, out) || '.'} in ${((Date.now() - started) / 1000).toFixed(1)} s${from}`);
  }
  return { out, name, base, kernels: specs };
}

// Browsers and module workers import the same glue as an ES module: the
// first line hides Node's globals from its Node-only branches, so that
// bundlers do not try to resolve require("fs") and the like.
function writeModuleGlue(dir, file, name) {
  const glue = readFileSync(join(dir, `${file}.js`), 'utf8');
  writeFileSync(join(dir, `${file}.mjs`), `var require, module, exports, __filename, __dirname, process;\n${glue}\nexport default ${name};\n`);
}

function copyDir(from, to, filter = () => true) {
  mkdirSync(to, { recursive: true });
  for (const f of readdirSync(from)) {
    if (statSync(join(from, f)).isFile() && filter(f)) copyFileSync(join(from, f), join(to, f));
  }
}

function writeRuntime(sdk, out, families) {
  rmSync(join(out, 'lib/runtime'), { recursive: true, force: true });
  copyDir(sdk.jsRuntime, join(out, 'lib/runtime'), (f) => f.endsWith('.js') || f.endsWith('.d.ts'));
  rmSync(join(out, 'lib/families'), { recursive: true, force: true });
  const fjs = families.filter((f) => f.js);
  if (fjs.length) {
    mkdirSync(join(out, 'lib/families'), { recursive: true });
    for (const f of fjs) {
      copyFileSync(join(sdk.jsFamilies, f.js.module), join(out, 'lib/families', f.js.module));
      if (f.js.types) copyFileSync(join(sdk.jsFamilies, f.js.types), join(out, 'lib/families', f.js.types));
    }
  }
  if (!existsSync(sdk.runtimeCjs)) throw new BuildError(`missing ${sdk.runtimeCjs} (in parawasm's repository, run make)`);
  copyFileSync(sdk.runtimeCjs, join(out, 'lib/runtime.cjs'));
}

const GEN_MARK = '// Generated by parawasm build';
const BINDINGS_MARK = "// Generated by parawasm's bindgen";
const GEN = (name) => `${GEN_MARK} for ${name}. Do not edit.`;

function writeEntries(out, { name, base, families }) {
  const fjs = families.filter((f) => f.js);
  const famImports = fjs.map((f) => `import { ${[f.js.family, ...Object.values(f.js.exports ?? {})].join(', ')} } from './lib/families/${f.js.module}';`);
  const famList = `[${fjs.map((f) => f.js.family).join(', ')}]`;
  const famExports = fjs.flatMap((f) => Object.entries(f.js.exports ?? {}).map(([k, fn]) => `export const ${k} = ${fn}(bundle);`));
  const names = JSON.stringify({ st: base, mt: `${base}-mt` });
  writeFileSync(join(out, 'index.js'), [
    GEN(name),
    '// Node.js (and Deno, Bun): ES modules. CommonJS: index.cjs; browsers and bundlers: browser.js.',
    "import { makePackage } from './lib/runtime/api.js';",
    "import { makeNodeEnv } from './lib/runtime/env-node.js';",
    "import * as bundle from './gen/kernels.js';",
    ...famImports,
    '',
    `export const { loadCore, createPool } = makePackage(bundle, makeNodeEnv(new URL('./', import.meta.url), ${names}), ${famList});`,
    "export * from './lib/runtime/exports.js';",
    ...famExports,
    '',
  ].join('\n'));
  // literal URLs and imports, so that bundlers see every file
  writeFileSync(join(out, 'browser.js'), [
    GEN(name),
    '// Browsers, Web Workers and bundlers. The URLs are literal so that bundlers find the files.',
    "import { makePackage } from './lib/runtime/api.js';",
    "import { makeBrowserEnv } from './lib/runtime/env-browser.js';",
    "import * as bundle from './gen/kernels.js';",
    ...famImports,
    '',
    'const env = makeBrowserEnv({',
    `  st: { wasm: new URL('./wasm/${base}.wasm', import.meta.url), glue: () => import('./wasm/${base}.mjs') },`,
    '  mt: {',
    `    wasm: new URL('./wasm/${base}-mt.wasm', import.meta.url),`,
    `    glue: () => import('./wasm/${base}-mt.mjs'),`,
    `    worker: new URL('./wasm/${base}-mt.worker.js', import.meta.url),`,
    `    script: new URL('./wasm/${base}-mt.js', import.meta.url),`,
    '  },',
    `  fallbackWorker: () => new Worker(new URL('./${base}-fallback-worker.js', import.meta.url), { type: 'module' }),`,
    '});',
    `export const { loadCore, createPool } = makePackage(bundle, env, ${famList});`,
    "export * from './lib/runtime/exports.js';",
    ...famExports,
    '',
  ].join('\n'));
  // the fallback worker of an earlier layout, if this folder has one
  // and the fallback workers this build wrote under an earlier package name
  for (const f of readdirSync(out)) {
    if (!/(^|-)fallback-worker\.js$/.test(f) || f === `${base}-fallback-worker.js`) continue;
    if (readFileSync(join(out, f), 'utf8').startsWith(GEN_MARK)) rmSync(join(out, f));
  }
  writeFileSync(join(out, `${base}-fallback-worker.js`), [
    GEN(name),
    '// The worker of a pool without shared memory (a page that is not cross-origin isolated).',
    "import { loadCore } from './browser.js';",
    "import { serveFallback } from './lib/runtime/fallback-worker.js';",
    '',
    'serveFallback(loadCore);',
    '',
  ].join('\n'));
  const cjsFam = fjs.map((f) => `rt.${f.js.family}`).join(', ');
  writeFileSync(join(out, 'index.cjs'), [
    GEN(name),
    "'use strict';",
    "const { join } = require('node:path');",
    "const { pathToFileURL } = require('node:url');",
    "const rt = require('./lib/runtime.cjs');",
    "const bundle = require('./gen/kernels.cjs');",
    '',
    `const api = rt.makePackage(bundle, rt.makeNodeEnv(pathToFileURL(join(__dirname, '/')), ${names}), [${cjsFam}]);`,
    'module.exports = {',
    '  loadCore: api.loadCore,',
    '  createPool: api.createPool,',
    '  AbortError: rt.AbortError,',
    '  ParawasmError: rt.ParawasmError,',
    '  PoolCrashedError: rt.PoolCrashedError,',
    '  PoolDestroyedError: rt.PoolDestroyedError,',
    '  hex: rt.hex,',
    ...fjs.flatMap((f) => Object.entries(f.js.exports ?? {}).map(([k, fn]) => `  ${k}: rt.${fn}(bundle),`)),
    '};',
    '',
  ].join('\n'));
  writeTypes(out, name, fjs);
}

function writeTypes(out, name, fjs) {
  const famTypes = fjs.filter((f) => f.js.types);
  const coreExt = ['CoreBase', 'CoreKernels', ...famTypes.map((f) => `${cap(f.name)}CoreMethods`)];
  const poolExt = ['PoolBase', 'PoolKernels', ...famTypes.map((f) => `${cap(f.name)}PoolMethods`)];
  const decls = [
    '',
    `/** A core of ${name}: every kernel as a synchronous function. */`,
    `export interface Core extends ${coreExt.join(', ')} {}`,
    `/** A pool of ${name}: every kernel as an async method, run on the pool's threads. */`,
    `export interface Pool extends ${poolExt.join(', ')} {}`,
    '',
    '/** Loads the core (synchronous kernels on the calling thread). */',
    'export function loadCore(options?: LoadCoreOptions): Promise<Core>;',
    '/** Starts a pool of threads sharing one memory. */',
    'export function createPool(options?: CreatePoolOptions): Promise<Pool>;',
    '',
  ];
  // index.d.cts, the types of require(): one self-contained file with every
  // declaration (lib/runtime/types.d.ts, the families' and gen/kernels.d.ts
  // inlined: a CommonJS declaration file cannot re-export the ESM ones on
  // every TypeScript and module setting)
  const parts = ['lib/runtime/types.d.ts', ...famTypes.map((f) => `lib/families/${f.js.types}`), 'gen/kernels.d.ts'];
  // (the generated list types, X-macro columns such as PW_HASH_LIST_2 and
  // rows such as PW_HASH_LIST_ROWS, are helpers of the declarations, not
  // exports)
  const inlined = parts.map((f) => readFileSync(join(out, f), 'utf8').split('\n')
    .filter((l) => !/^import type .* from '[^']+';$/.test(l))
    .map((l) => (f.startsWith('gen/') ? l.replace(/^export (type [A-Z][A-Z0-9_]*_(?:\d+|ROWS) =)/, '$1') : l)).join('\n'));
  // (`export {}`: a declaration file's declarations without `export` are
  // then its own, not exported as well, as TypeScript does otherwise)
  writeFileSync(join(out, 'index.d.cts'), [GEN(name), ...inlined, ...decls, 'export {};', ''].join('\n'));
  // index.d.ts, the types of import: the same declarations, not a copy of
  // them (an ES module may re-export a CommonJS one). With two copies a
  // Core or Pool of require() was not the import's: TypeScript does not
  // relate two declarations of a generic conditional type such as
  // hashMany()'s result, so a pool made in a .cts file was no Pool of an
  // .mts file, though at run time the two share everything, error classes
  // included.
  writeFileSync(join(out, 'index.d.ts'), [
    GEN(name),
    '// The declarations are those of index.d.cts (the types of require()): one',
    '// copy, so that what import and require give is of the same types.',
    "export * from './index.cjs';",
    '',
  ].join('\n'));
}

const cap = (s) => s[0].toUpperCase() + s.slice(1);

const OWNED = ['type', 'main', 'module', 'browser', 'types', 'exports', 'sideEffects'];
const shipped = (base) => ['index.js', 'index.cjs', 'browser.js', `${base}-fallback-worker.js`, 'index.d.ts', 'index.d.cts', 'lib', 'gen', 'wasm', 'README.md'];

// What the package takes from the project's own package.json (the folder the
// build runs in) where its own package.json does not have it yet (the
// first build): afterwards the package's package.json is the user's to
// edit, and the build keeps what it says.
const FROM_PROJECT = ['version', 'description', 'license', 'author', 'contributors', 'homepage', 'repository', 'bugs', 'keywords'];

export function writePackageJson(out, name, base, families, project) {
  const SHIPPED = shipped(base);
  const file = join(out, 'package.json');
  let pj = {};
  if (existsSync(file)) {
    try {
      pj = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new BuildError(`${file}: not valid JSON (${e.message})`);
    }
  }
  if (project) for (const k of FROM_PROJECT) if (pj[k] === undefined && project[k] !== undefined) pj[k] = project[k];
  const generated = {
    name,
    version: pj.version ?? '0.1.0',
    description: pj.description ?? `C kernels on every core, built with parawasm${families.length ? ` (with ${families.map((f) => f.name).join(', ')})` : ''}`,
    type: 'module',
    main: './index.cjs',
    module: './index.js',
    browser: './browser.js',
    types: './index.d.ts',
    exports: {
      '.': {
        types: { require: './index.d.cts', default: './index.d.ts' },
        browser: './browser.js',
        node: { import: './index.js', require: './index.cjs' },
        default: './browser.js',
      },
      './package.json': './package.json',
    },
    sideEffects: false,
  };
  // subpaths of the user's own in exports (a file they ship beside the
  // package's entries) are kept; '.' and './package.json' are the build's
  if (pj.exports !== null && typeof pj.exports === 'object' && !Array.isArray(pj.exports)) {
    for (const [k, v] of Object.entries(pj.exports)) if (k.startsWith('./') && !(k in generated.exports)) generated.exports[k] = v;
  }
  const merged = { ...pj, ...generated };
  for (const k of Object.keys(pj)) if (!OWNED.includes(k) && k !== 'name' && k !== 'version' && k !== 'description') merged[k] = pj[k];
  merged.name = name;
  // (an earlier layout's fallback worker, fallback-worker.js, is not kept)
  const generatedBefore = (f) => /(^|-)fallback-worker\.js$/.test(f);
  merged.files = [...new Set([...SHIPPED, ...(pj.files ?? []).filter((f) => !SHIPPED.includes(f) && !generatedBefore(f))])];
  merged.engines ??= { node: '>=18' };
  // keys in a stable order: what npm shows first, then the rest as they were
  const order = ['name', 'version', 'description', 'keywords', 'license', 'author', 'homepage', 'repository', 'bugs', 'type', 'main', 'module', 'browser', 'types', 'bin', 'exports', 'files', 'sideEffects', 'engines'];
  const sorted = {};
  for (const k of order) if (k in merged) sorted[k] = merged[k];
  for (const k of Object.keys(merged)) if (!(k in sorted)) sorted[k] = merged[k];
  writeFileSync(file, `${JSON.stringify(sorted, null, 2)}\n`);
}

// The first line of the README the build writes: a README without it is the
// user's own, and is never overwritten.
const README_MARK = '<!-- Written by parawasm build from the headers: it is rewritten on every build unless this line is removed. -->';

function writeReadme(out, name, specs, families) {
  const file = join(out, 'README.md');
  // (a README without the mark is the user's: one whose mark they removed
  // to keep their edits, or one they wrote)
  if (existsSync(file) && !readFileSync(file, 'utf8').startsWith(README_MARK)) return;
  writeFileSync(file, `${README_MARK}\n${packageReadme(name, specs, families)}`);
}

function packageReadme(name, specs, families) {
  const pub = specs.filter((s) => !s.internal);
  const sig = (s) => `${s.ns ? `${s.ns}.` : ''}${s.name}(${[...s.params.filter((p) => !p.option).map((p) => p.name), ...(s.params.some((p) => p.option) ? [`{ ${s.params.filter((p) => p.option).map((p) => p.name).join(', ')} }`] : [])].join(', ')})`;
  return [
    `# ${name}`,
    '',
    'C kernels compiled to WebAssembly with [parawasm](https://www.npmjs.com/package/parawasm): a synchronous',
    'core for the calling thread, and a pool of threads over one shared memory.',
    '',
    '```js',
    `import { loadCore, createPool } from '${name}';`,
    'const core = await loadCore();      // kernels as functions',
    'const pool = await createPool();    // kernels as async methods, on every core',
    '```',
    '',
    '## Kernels',
    '',
    ...[...new Set(pub.map(sig))].map((s) => `- \`${s}\``),
    ...(families.length ? ['', `Families: ${families.map((f) => `${f.name} (${f.about})`).join('; ')}.`] : []),
    '',
    'Types and documentation of every kernel: `gen/kernels.d.ts` (inlined in `index.d.cts`, which',
    '`index.d.ts` re-exports: the types your editor reads). The API of cores and pools (alloc, free,',
    'AbortSignal, errors) is parawasm\'s: see its README.',
    '',
    '## In browsers and through bundlers',
    '',
    '`browser.js` is the entry for pages, Web Workers and bundlers (the `browser` condition of',
    '`exports`). The pool runs on threads over shared memory only on a cross-origin isolated page',
    '(the `Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy: require-corp`',
    'headers); elsewhere `createPool()` gives a pool of one worker that copies. The package\'s files',
    '(`wasm/`, the workers) are found from `new URL(..., import.meta.url)`: vite and webpack emit them',
    'by themselves; with esbuild, copy them beside the bundle; with vite\'s dev server, add',
    `\`optimizeDeps: { exclude: ['${name}'] }\`. parawasm's README has each of these in full.`,
    '',
  ].join('\n');
}

/** The `build` command: returns the exit code. */
export async function main(argv, { stdout = process.stdout, stderr = process.stderr } = {}) {
  let o;
  try {
    o = parseBuildArgs(argv);
  } catch (e) {
    stderr.write(`parawasm build: ${e.message}\n${USAGE}\n`);
    return 2;
  }
  if (o.help) {
    stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!o.files.length && !o.with.length) {
    stderr.write(`parawasm build: no input files\n${USAGE}\n`);
    return 2;
  }
  try {
    await buildPackage(o, { log: (s) => stdout.write(`${s}\n`) });
    return 0;
  } catch (e) {
    if (e instanceof BuildError) {
      stderr.write(`parawasm build: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}
