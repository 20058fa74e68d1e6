// parawasm ctest — builds a C test of your kernels four ways and runs each:
//
//   native   cc -O2 -march=native, the serial runtime
//   san      cc with AddressSanitizer and UndefinedBehaviorSanitizer
//   split    the same sanitizers, with the fake pool of parawasm/testing.h:
//            pw_parallel_for chunks in a scrambled order, pw_concurrency() 4
//            (the split and join of a parallel kernel, without threads)
//   wasm     emcc with SIMD, run under Node (the wasm32 size_t and the
//            wasm SIMD paths)
//
//   parawasm ctest [--only MODE[,MODE]] [--with FAMILY] [-I DIR] [-D NAME[=VALUE]] TEST.c [SOURCE.c...]
//
// The test includes "parawasm/testing.h" (CHECK, test_summary) and calls
// the kernels directly; no bindings are generated. Exit status 0 when every
// build passed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BuildError, emccEnv, emccVersion, sdkLayout, sdkSources } from './build.mjs';
import { LIBS, findLib, resolveFamilies, unknownFamily } from './families.mjs';
import { COMPILE } from './flags.mjs';

const MODES = ['native', 'san', 'split', 'wasm'];
const SAN = ['-fsanitize=address,undefined', '-fno-omit-frame-pointer', '-fno-sanitize-recover=all'];

export const USAGE = `usage: parawasm ctest [options] TEST.c [SOURCE.c...]

Builds a C test of your kernels (it includes "parawasm/testing.h") four
ways and runs each: native, ASan+UBSan, ASan+UBSan with a fake pool that
runs parallel chunks in a scrambled order, and wasm (run under Node).

  --only MODES     some of native, san, split, wasm (comma-separated)
  --with FAMILY    link a parawasm kernel family too
  -I DIR, -D NAME[=VALUE]   as for the compiler
  -h, --help       this text

Needs a C compiler (CC, default cc) with the sanitizers, and emcc.`;

export function parseCtestArgs(argv) {
  const o = { only: MODES, with: [], includes: [], defines: [], files: [], help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new BuildError(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '-h' || a === '--help') o.help = true;
    else if (a === '--only') o.only = next().split(',').filter(Boolean);
    else if (a === '--with') o.with.push(...next().split(',').filter(Boolean));
    else if (a === '-I') o.includes.push(next());
    else if (a.startsWith('-I')) o.includes.push(a.slice(2));
    else if (a === '-D') o.defines.push(next());
    else if (a.startsWith('-D')) o.defines.push(a.slice(2));
    else if (a.startsWith('-')) throw new BuildError(`unknown option ${a}`);
    else o.files.push(a);
  }
  for (const m of o.only) if (!MODES.includes(m)) throw new BuildError(`--only: unknown mode "${m}" (modes: ${MODES.join(', ')})`);
  if (unknownFamily(o.with)) throw new BuildError(unknownFamily(o.with));
  return o;
}

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
  // (a command that is not there: say which, and how to name another)
  const missing = r.error?.code === 'ENOENT'
    ? `${cmd} was not found${cmd === (process.env.EMCC || 'emcc') ? ' (emscripten; EMCC names another)' : ' (a C compiler; CC names another)'}` : '';
  return { ok: !r.error && r.status === 0, out: `${missing}${r.stdout ?? ''}${r.stderr ?? ''}`, error: r.error };
}

/** Builds and runs; returns the exit status. */
export function runCtest(o, { cwd = process.cwd(), log = (s) => process.stdout.write(`${s}\n`) } = {}) {
  const sdk = sdkLayout();
  const files = o.files.map((f) => resolve(cwd, f));
  if (!files.length) throw new BuildError('no test file');
  for (const f of files) if (!existsSync(f) || !statSync(f).isFile()) throw new BuildError(`${f}: no such file`);
  const families = resolveFamilies(o.with);
  // (the C other families lend included: the image family's PNG checks use the hash family's)
  const { sources: famSrcs, includes: sdkIncludes, userIncludes: userDirs } = sdkSources(sdk, families);
  const unitList = families.flatMap((f) => (f.units ?? []).map((u) => {
    const dir = findLib(u.lib, o.includes.map((d) => resolve(cwd, d)), existsSync);
    if (!dir) throw new BuildError(`the ${f.name} family needs the ${u.lib} headers: ${LIBS[u.lib].install}`);
    return { path: join(sdk.kernels, f.dir, u.src), dir, wasmFlags: u.wasmFlags ?? [] };
  }));
  const work = mkdtempSync(join(tmpdir(), 'parawasm-ctest-'));
  // the runtime's kernel table, empty: the test calls its kernels directly
  const table = join(work, 'no_kernels.c');
  writeFileSync(table, '#include "runtime.h"\nconst pw_trampoline pw__kernels[1];\nconst char *const pw__kernel_names[1];\n' +
    'const uint32_t pw__kernel_count = 0;\nconst uint32_t pw__kernel_abi = 0;\n');
  // the user's files see their folders and parawasm's public headers (sdkSources): they compile apart
  const includes = sdkIncludes.map((d) => `-I${d}`);
  const userIncludes = userDirs(o.includes.map((d) => resolve(cwd, d))).map((d) => `-I${d}`);
  const defines = o.defines.map((d) => `-D${d}`);
  const runtime = ['task.c', 'split.c', 'alloc.c'].map((f) => join(sdk.runtimeC, f));
  const serial = join(sdk.runtimeC, 'serial.c');
  const cc = process.env.CC || 'cc';
  const name = basename(files[0], '.c');
  let failed = 0;
  try {
    for (const mode of o.only) {
      const started = Date.now();
      const out = join(work, `${name}-${mode}${mode === 'wasm' ? '.cjs' : ''}`);
      const fake = mode === 'split' ? ['-DPW_TEST_FAKE_POOL'] : [];
      const srcs = [...famSrcs, table, ...runtime, ...(mode === 'split' ? [] : [serial])];
      const wasm = mode === 'wasm';
      const compiler = wasm ? process.env.EMCC || 'emcc' : cc;
      if (wasm) emccVersion(compiler);
      const env = wasm ? emccEnv() : process.env;
      const flags = wasm ? [...COMPILE.map(([f]) => f), '-O3']
        : ['-std=c11', '-O2', '-g', ...(mode === 'native' ? ['-march=native'] : SAN), ...fake];
      // the families' library units: objects of their own, with their flags
      let build = { ok: true, out: '' };
      const objects = [];
      for (const [i, f] of files.entries()) {
        const obj = join(work, `user${i}-${basename(f, '.c')}-${mode}.o`);
        build = sh(compiler, [...flags, ...userIncludes, ...defines, '-c', f, '-o', obj], { cwd, env });
        if (!build.ok) break;
        objects.push(obj);
      }
      for (const u of build.ok ? unitList : []) {
        const obj = join(work, `${basename(u.path, '.c')}-${mode}.o`);
        const extra = wasm ? u.wasmFlags : mode === 'native' ? [] : ['-fno-sanitize=shift'];
        build = sh(compiler, [...flags, ...extra, ...includes, `-I${u.dir}`, ...defines, '-c', u.path, '-o', obj], { cwd, env });
        if (!build.ok) break;
        objects.push(obj);
      }
      if (build.ok) {
        const link = wasm ? ['-sALLOW_MEMORY_GROWTH=1', '-sMAXIMUM_MEMORY=4GB', '-sENVIRONMENT=node', '-sSINGLE_FILE=1'] : ['-lm'];
        build = sh(compiler, [...flags, ...includes, ...defines, ...srcs, ...objects, '-o', out, ...link], { cwd, env });
      }
      if (!build.ok) {
        failed++;
        log(`FAIL ${mode}: the build failed${build.error ? ` (${build.error.code})` : ''}\n${build.out.trim()}`);
        continue;
      }
      const r = mode === 'wasm' ? sh(process.execPath, [out], { cwd }) : sh(out, [], { cwd });
      const text = r.out.trim();
      if (!r.ok) failed++;
      log(`${r.ok ? 'ok  ' : 'FAIL'} ${mode} (${((Date.now() - started) / 1000).toFixed(1)} s)${text ? `\n${text.replace(/^/gm, '     ')}` : ''}`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return failed ? 1 : 0;
}

/** The `ctest` command: returns the exit status. */
export async function main(argv, { stdout = process.stdout, stderr = process.stderr } = {}) {
  let o;
  try {
    o = parseCtestArgs(argv);
  } catch (e) {
    stderr.write(`parawasm ctest: ${e.message}\n${USAGE}\n`);
    return 2;
  }
  if (o.help) {
    stdout.write(`${USAGE}\n`);
    return 0;
  }
  try {
    return runCtest(o, { log: (s) => stdout.write(`${s}\n`) });
  } catch (e) {
    if (e instanceof BuildError) {
      stderr.write(`parawasm ctest: ${e.message}\n`);
      return e.message === 'no test file' ? 2 : 1;
    }
    throw e;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}
