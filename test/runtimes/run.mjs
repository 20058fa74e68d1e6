#!/usr/bin/env node
// parawasm in every JavaScript runtime that the project tests: Node, Deno 2
// and Bun, the last two from their npm packages (devDependencies, whose
// binaries come in through npm optional dependencies). Each runtime runs
// checks.cjs from an ES module and from CommonJS, in a temporary project
// whose node_modules/parawasm is pkg/, so that each resolves the package
// through its exports map as a user's project would:
//
//   threads          the threaded pool (pool.isShared true, 2 threads)
//   no-sab           no SharedArrayBuffer: the fallback pool (the
//                    single-thread build in one worker_threads worker)
//   no-threads       pthread workers fail while starting: the fallback pool
//   no-threads-sync  creating a pthread worker throws: the fallback pool
//
// Every value is checked against Node's zlib and crypto, here; each process
// must print its results and end by itself, with a pool left undestroyed.
// Prints one line per run, then "runtimes: N passed, N failed, N skipped".
//
// Usage: node test/runtimes/run.mjs [--verbose] [filter ...]
//   filter   run the runs whose name ("deno-esm-threads", ...) contains one of the words
//   PW_TEST_DENO=/path/to/deno, PW_TEST_BUN=/path/to/bun: another binary
//   (another version) instead of the devDependency's
import { execFile, execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

import { HANG_MS } from '../lib/hold.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../..');
const PKG = path.join(REPO, 'pkg');
const NODE_MODULES = path.join(REPO, 'node_modules');
const RUN_TIMEOUT_MS = HANG_MS; // a hang guard: a run must end by itself, however slowly

const argv = process.argv.slice(2);
const verbose = argv.includes('--verbose') || argv.includes('-v');
const filters = argv.filter((a) => !a.startsWith('-'));
const wanted = (name) => !filters.length || filters.some((f) => name.includes(f));

// -------------------------------------------------------------- runtimes

// The binary of each runtime's npm package: the platform package that npm
// installed as an optional dependency (present whether or not the wrapper
// package's install script ran), else the wrapper's own copy.
const PLATFORM = `${process.platform}-${process.arch}`;
const CANDIDATES = {
  deno: [
    `@deno/${PLATFORM}-glibc/deno`, `@deno/${PLATFORM}/deno`, 'deno/deno',
  ],
  bun: [
    `@oven/bun-${PLATFORM.replace('arm64', 'aarch64')}/bin/bun`,
    `@oven/bun-${PLATFORM.replace('arm64', 'aarch64')}-baseline/bin/bun`, 'bun/bin/bun.exe',
  ],
};

/** { bin, version } of a runtime, or { error }. */
function findRuntime(name) {
  if (name === 'node') return { bin: process.execPath, version: process.version };
  const tried = [];
  const chosen = process.env[`PW_TEST_${name.toUpperCase()}`];
  for (const rel of chosen ? [chosen] : CANDIDATES[name]) {
    const bin = path.resolve(NODE_MODULES, rel);
    if (!fs.existsSync(bin)) continue;
    try {
      const version = execFileSync(bin, ['--version'], { encoding: 'utf8', timeout: HANG_MS, stdio: ['ignore', 'pipe', 'pipe'] })
        .split('\n')[0].trim();
      return { bin, version };
    } catch (e) {
      tried.push(`${rel}: ${String(e.stderr || e.message).trim().split('\n')[0]}`);
    }
  }
  return { error: `no working ${name} binary in node_modules (${tried.join('; ') || 'none installed'}): run npm ci` };
}

// how each runtime runs a script; Deno: every permission, no update check
const COMMAND = {
  node: (file, mode) => [...(mode === 'no-sab' ? ['--import', './no-sab-preload.mjs'] : []), file, mode],
  deno: (file, mode) => ['run', '-A', file, mode],
  bun: (file, mode) => [file, mode],
};
const ENV = { ...process.env, DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1', NO_COLOR: '1' };

// ------------------------------------------------------------ reference

const INPUT = randomBytes((1 << 20) + 13); // odd length: no kernel gets only whole words
const BIG = 32 << 20; // checks.cjs: the input repeated to 32 MiB
const sha256 = (b) => createHash('sha256').update(b).digest('hex');
const EXPECT = {
  check: zlib.crc32(Buffer.from('123456789')),
  crc32: zlib.crc32(INPUT),
  sha256: sha256(INPUT),
  big: (() => {
    let c = 0;
    for (let off = 0; off < BIG; off += INPUT.length) c = zlib.crc32(INPUT.subarray(0, Math.min(INPUT.length, BIG - off)), c);
    return c;
  })(),
};

// ---------------------------------------------------------------- checks

class CheckError extends Error {}
const show = (v) => (typeof v === 'number' ? `0x${(v >>> 0).toString(16)}` : JSON.stringify(v));
function equal(actual, expected, what) {
  if (actual !== expected) throw new CheckError(`${what}: got ${show(actual)}, expected ${show(expected)}`);
}
function ok(cond, what) {
  if (!cond) throw new CheckError(what);
}

const DESTROYED = 'PoolDestroyedError:ERR_PW_POOL_DESTROYED';
const STRICT = {
  threads: 'shared', 'no-sab': 'ParawasmError:ERR_PW_NO_SHARED_MEMORY',
  'no-threads': 'ParawasmError:ERR_PW_NO_THREADS', 'no-threads-sync': 'ParawasmError:ERR_PW_NO_THREADS',
};

/** Checks one run's output (r: the process, out: its JSON); returns a note. */
function checkRun(t, r) {
  const where = `${t.runtime} ${t.file} ${t.mode}`;
  ok(!r.timedOut, `${where}: still running after ${RUN_TIMEOUT_MS / 1000} s (it must end by itself)\n${r.stdout}${r.stderr}`);
  ok(r.code === 0, `${where}: exit code ${r.code} (signal ${r.signal})\n${r.stdout}${r.stderr}`);
  const lines = r.stdout.trim().split('\n').filter((l) => l.startsWith('{'));
  ok(lines.length === 2, `${where}: expected two JSON lines (results, then the late call), got:\n${r.stdout}${r.stderr}`);
  const out = JSON.parse(lines[0]);
  const late = JSON.parse(lines[1]).late;

  // the package entry that the runtime resolved
  const entry = out.entry.startsWith('file:') ? fileURLToPath(out.entry) : out.entry;
  const expectEntry = t.file === 'cjs.cjs' ? 'index.cjs' : 'index.js';
  ok(entry.endsWith(`node_modules/parawasm/${expectEntry}`) || fs.realpathSync(entry) === path.join(PKG, expectEntry),
    `${where}: 'parawasm' resolved to ${entry}, expected its ${expectEntry}`);

  equal(out.core.check, EXPECT.check, `${where}: core.crc32("123456789")`);
  equal(out.core.crc32, EXPECT.crc32, `${where}: core.crc32(input) vs zlib`);
  equal(out.core.sha256, EXPECT.sha256, `${where}: core.sha256(input) vs crypto`);

  const shared = t.mode === 'threads';
  equal(out.pool.isShared, shared, `${where}: pool.isShared`);
  equal(out.pool.threads, shared ? 2 : 1, `${where}: pool.threads`);
  equal(out.pool.check, EXPECT.check, `${where}: pool.crc32("123456789")`);
  equal(out.pool.crc32, EXPECT.crc32, `${where}: pool.crc32(input) vs zlib`);
  equal(out.pool.sha256, EXPECT.sha256, `${where}: pool.sha256(input) vs crypto`);
  equal(out.pool.alloc, EXPECT.crc32, `${where}: pool.crc32(pool.alloc() view) vs zlib`);
  equal(out.pool.allocSha256, EXPECT.sha256, `${where}: pool.sha256(pool.alloc() view) vs crypto`);
  equal(out.pool.stream, EXPECT.sha256, `${where}: pool.createHash('sha256') in pieces vs crypto`);

  equal(out.abort.before, 'AbortError:ABORT_ERR:stop', `${where}: a call with an aborted signal`);
  out.abort.during.forEach((s, i) => {
    if (s.error) equal(s.error, 'AbortError:ABORT_ERR', `${where}: aborted call ${i + 1}`);
    else equal(s.value, EXPECT.big, `${where}: aborted call ${i + 1} finished first, with`);
  });
  equal(out.abort.after, EXPECT.crc32, `${where}: a call after the aborts`);

  const [a, b] = out.destroy.inflight;
  if (a.error) equal(a.error, DESTROYED, `${where}: crc32 in flight at destroy()`);
  else equal(a.value, EXPECT.big, `${where}: crc32 in flight at destroy() finished first, with`);
  if (b.error) equal(b.error, DESTROYED, `${where}: sha256 in flight at destroy()`);
  else equal(b.value, EXPECT.sha256, `${where}: sha256 in flight at destroy() finished first, with`);
  equal(out.destroy.after.error, DESTROYED, `${where}: a call after destroy()`);

  equal(out.strict, STRICT[t.mode], `${where}: createPool({ fallback: false })`);
  equal(out.forgotten.isShared, shared, `${where}: a second pool: isShared`);
  equal(out.forgotten.crc32, EXPECT.crc32, `${where}: a second pool: crc32`);
  equal(late, EXPECT.crc32, `${where}: a call still running when the script ended`);

  // one warning for the fallback pool (two were created), none otherwise
  const warnings = r.stderr.split('\n').filter((l) => l.startsWith('parawasm:'));
  if (shared) {
    equal(warnings.length, 0, `${where}: warnings\n${r.stderr}`);
  } else {
    equal(warnings.length, 1, `${where}: warnings (one, for two fallback pools)\n${r.stderr}`);
    ok(/pool\.isShared is false/.test(warnings[0]), `${where}: the warning does not say pool.isShared is false: ${warnings[0]}`);
    const why = { 'no-sab': /SharedArrayBuffer/, 'no-threads': /refuses to start/, 'no-threads-sync': /creating a thread refused/ }[t.mode];
    ok(why.test(warnings[0]), `${where}: the warning does not say why (${why}): ${warnings[0]}`);
  }
  return `${(r.ms / 1000).toFixed(1)} s`;
}

// ------------------------------------------------------------- processes

function exec(cmd, args, cwd) {
  const t0 = performance.now();
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, env: ENV, timeout: RUN_TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 16 << 20 },
      (err, stdout, stderr) => resolve({
        code: err ? (typeof err.code === 'number' ? err.code : null) : 0,
        signal: err?.signal ?? null,
        timedOut: Boolean(err?.killed),
        stdout: String(stdout),
        stderr: String(stderr),
        ms: performance.now() - t0,
      }));
  });
}

// ------------------------------------------------------------------ main

const MODES = ['threads', 'no-sab', 'no-threads', 'no-threads-sync'];
const FILES = ['esm.mjs', 'cjs.cjs'];
const results = [];

function report(name, status, note, detail) {
  results.push(status);
  console.log(`${{ ok: 'ok  ', FAIL: 'FAIL', skip: 'skip' }[status]} ${name}${note ? ` — ${note}` : ''}`);
  if (detail && (status !== 'ok' || verbose)) console.log(String(detail).replace(/^/gm, '       '));
}

async function main() {
  for (const f of ['index.js', 'index.cjs', 'wasm/parawasm.wasm', 'wasm/parawasm-mt.wasm']) {
    if (!fs.existsSync(path.join(PKG, f))) throw new Error(`pkg/${f} is missing: run make first`);
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'parawasm-runtimes-'));
  try {
    // the user's project: its package.json, the scripts, parawasm in node_modules
    fs.writeFileSync(path.join(work, 'package.json'), '{ "name": "runtimes-user", "private": true, "type": "module" }\n');
    for (const f of ['checks.cjs', 'esm.mjs', 'cjs.cjs', 'failing-thread.cjs', 'no-sab-preload.mjs']) fs.copyFileSync(path.join(HERE, f), path.join(work, f));
    fs.writeFileSync(path.join(work, 'input.bin'), INPUT);
    fs.mkdirSync(path.join(work, 'node_modules'));
    fs.symlinkSync(PKG, path.join(work, 'node_modules/parawasm'), 'dir');

    const runs = [];
    for (const runtime of ['node', 'deno', 'bun']) {
      const rt = findRuntime(runtime);
      const mine = FILES.flatMap((file) => MODES.map((mode) => ({
        runtime, file, mode, name: `${runtime}-${file.replace(/\..*/, '')}-${mode}`,
      }))).filter((t) => wanted(t.name));
      if (!mine.length) continue;
      if (rt.error) {
        for (const t of mine) report(t.name, 'FAIL', null, rt.error);
        continue;
      }
      console.log(`# ${runtime} ${rt.version} (${rt.bin.startsWith(REPO) ? path.relative(REPO, rt.bin) : rt.bin})`);
      for (const t of mine) runs.push({ ...t, bin: rt.bin });
    }
    // two at a time (a 2-core machine)
    await Promise.all([0, 1].map(async () => {
      while (runs.length) {
        const t = runs.shift();
        const r = await exec(t.bin, COMMAND[t.runtime](t.file, t.mode), work);
        try {
          report(t.name, 'ok', checkRun(t, r), `${r.stdout}${r.stderr}`);
        } catch (e) {
          const stderr = r.stderr.trim().split('\n').slice(-20).join('\n');
          report(t.name, 'FAIL', null, `${e instanceof CheckError ? e.message : e?.stack}${stderr ? `\nstderr:\n${stderr}` : ''}`);
        }
      }
    }));
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e) => report('harness', 'FAIL', null, e?.stack ?? String(e))).finally(() => {
  const n = (s) => results.filter((r) => r === s).length;
  console.log(`runtimes: ${n('ok')} passed, ${n('FAIL')} failed, ${n('skip')} skipped`);
  process.exitCode = n('FAIL') || !n('ok') ? 1 : 0;
});
