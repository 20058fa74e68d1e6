// parawasm benchmarks (make bench): parawasm against reference libraries
// and the native build of its own C, on the same inputs, in one process,
// alternating between contenders. Writes build/bench/results.md and
// build/bench/results.json and prints the markdown on stdout (progress goes
// to stderr).
//
//   node test/bench/run.mjs                 full run (7 runs per contender)
//   BENCH_QUICK=1 node test/bench/run.mjs   smoke test: small sizes, 3 runs
//   BENCH_RUNS=9                            runs per contender
//   BENCH_ONLY=2,4                          only those benchmarks
//                                           (1 checksums, 2 dispatch, 3 scaling,
//                                           4 event loop, 5 hashes, 6 latency of
//                                           aborts, destroy() and crashes, 7 frames
//                                           of a page in Chromium, 8 own kernels,
//                                           9 small calls in cold processes,
//                                           10 arrays, 11 images)
//
// Needs pkg/, build/testpkg/, build/example/bench-pkg/, the native programs
// of build/native/ and (for 7) Chromium (`make bench` builds them).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchArrays } from './arrays.mjs';
import { benchChecksums } from './checksums.mjs';
import { benchDispatch } from './dispatch.mjs';
import { benchEventLoop } from './eventloop.mjs';
import { benchFrames } from './frames.mjs';
import { benchHashes } from './hashes.mjs';
import { benchImages } from './images.mjs';
import { benchLatency } from './latency.mjs';
import { benchOwnKernels } from './own-kernels.mjs';
import { ROOT, dropTestData, log, readConfig, testData } from './lib.mjs';
import { machineLines, toJson, toMarkdown } from './report.mjs';
import { benchScaling } from './scaling.mjs';
import { benchSmallCalls } from './small-calls.mjs';
import { wakeSharing } from './wake.mjs';

const OUT_DIR = path.join(ROOT, 'build/bench');
const EXIT_GRACE_MS = 15e3;

const BENCHES = [
  [1, 'single-thread checksums', benchChecksums],
  [2, 'pool dispatch', benchDispatch],
  [3, 'crc32 scaling', benchScaling],
  [4, 'event-loop delay', benchEventLoop],
  [5, 'hashes', benchHashes],
  [6, 'stopping calls', benchLatency],
  [7, 'page frames in Chromium', benchFrames],
  [8, 'own kernels (parawasm build)', benchOwnKernels],
  [9, 'small calls (cold processes)', benchSmallCalls],
  [10, 'arrays (core.array, pool.array)', benchArrays],
  [11, 'images (core.image, pool.image)', benchImages],
];

function machineInfo() {
  const cpus = os.cpus();
  return {
    cores: os.availableParallelism(),
    cpu: cpus[0]?.model?.trim() ?? 'unknown CPU',
    memoryGiB: os.totalmem() / 2 ** 30,
    platform: os.platform(),
    arch: os.arch(),
    node: process.version,
    v8: process.versions.v8,
    loadStart: os.loadavg()[0],
    loadEnd: null,
    wake: null,
  };
}

/**
 * If something a benchmark started is still alive after the run, say what
 * and fail, instead of hanging `make bench`. The timer is unref'd: when
 * everything was cleaned up the process exits before it fires.
 */
function armExitWatchdog() {
  setTimeout(() => {
    const left = process.getActiveResourcesInfo().filter((r) => r !== 'Timeout');
    process.stderr.write(`[bench] the process did not exit ${EXIT_GRACE_MS / 1e3} s after the run: ` +
      `something was not cleaned up (${left.join(', ') || 'unknown'}). Failing.\n`);
    process.exit(1);
  }, EXIT_GRACE_MS).unref();
}

async function main() {
  const cfg = readConfig();
  const machine = machineInfo();
  // where the OS runs a woken thread (the pools' figures depend on it: wake.mjs)
  if (machine.cores >= 2) {
    try {
      machine.wake = await wakeSharing();
    } catch (e) {
      log(`the wake-up probe failed: ${e?.message ?? e}`);
    }
  }
  for (const l of machineLines(machine)) log(l.slice(2));
  log(`${cfg.quick ? 'QUICK mode, ' : ''}${cfg.runs} runs per contender; benchmarks ${cfg.only.join(', ')}`);
  const startedAt = new Date().toISOString();
  const t0 = performance.now();

  // the test data, once, at the largest size any selected benchmark uses
  const sizes = [];
  if (cfg.only.includes(1)) sizes.push(cfg.checksumBytes);
  if (cfg.only.includes(3) || cfg.only.includes(4) || cfg.only.includes(6)) sizes.push(cfg.scalingBytes);
  if (cfg.only.includes(5)) sizes.push(cfg.hashBytes);
  if (sizes.length) {
    const t = performance.now();
    testData(Math.max(...sizes));
    log(`test data: ${Math.max(...sizes) >>> 20} MiB in ${Math.round(performance.now() - t)} ms`);
  }

  const sections = [];
  for (const [id, what, fn] of BENCHES) {
    if (!cfg.only.includes(id)) continue;
    log(`${id}. ${what}`);
    const ts = performance.now();
    try {
      sections.push(await fn(cfg));
    } catch (e) {
      process.exitCode = 1;
      log(`${id}. ${what} failed: ${e?.stack ?? e}`);
      sections.push({ id, title: what, error: String(e?.message ?? e), targets: [] });
    }
    log(`${id}. done in ${((performance.now() - ts) / 1e3).toFixed(1)} s`);
  }
  dropTestData();

  machine.loadEnd = os.loadavg()[0];
  const run = { machine, config: cfg, sections, startedAt, seconds: (performance.now() - t0) / 1e3 };
  const md = toMarkdown(run);
  fs.mkdirSync(OUT_DIR, { recursive: true });
  fs.writeFileSync(path.join(OUT_DIR, 'results.md'), `${md}\n`);
  fs.writeFileSync(path.join(OUT_DIR, 'results.json'), `${JSON.stringify(toJson(run), null, 2)}\n`);
  process.stdout.write(`${md}\n`);
  log(`wrote ${path.relative(process.cwd(), path.join(OUT_DIR, 'results.md'))} and results.json`);
  const failedTargets = sections.flatMap((s) => s.targets ?? []).filter((t) => !t.pass).length;
  if (failedTargets) log(`${failedTargets} target(s) not met (see the Targets table); exit status is not affected`);
}

main().catch((e) => {
  process.exitCode = 1;
  log(`failed: ${e?.stack ?? e}`);
}).finally(armExitWatchdog);
