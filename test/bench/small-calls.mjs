// 9. The small-call floor, as a script that starts, calls and exits sees it:
// fresh processes (test/bench/fixtures/cold-burst.mjs), each with one
// warm-up burst of 10,000 queued calls and then timed bursts, alternating
// between parawasm's pool (crc32 of a 1-byte alloc() view: the generated
// fast path) and piscina (an empty task); the JS heap allocated per queued
// call; and the core's empty call (testNoop) in ns.
import { execFile } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { FIXTURES, fmt, fmtSummary, log, median, summarize } from './lib.mjs';

const BURST = 10000;
const THROUGHPUT_FACTOR = 30; // parawasm's queued throughput ≥ this x piscina's
const US_PER_CALL = 1; // and ≤ this µs per queued call
const CORE_NS = 100; // an empty core call ≤ this ns

function child(who, rounds) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--max-semi-space-size=64', path.join(FIXTURES, 'cold-burst.mjs'), who, String(BURST), String(rounds)],
      { timeout: 300000, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`cold-burst ${who}: ${err.message}\n${stderr}`));
        else resolve(JSON.parse(stdout.trim().split('\n').pop()));
      });
  });
}

export async function benchSmallCalls(cfg) {
  const procs = Math.max(3, cfg.runs);
  const rounds = cfg.quick ? 2 : 5;
  log(`9. small calls: ${procs} cold processes each of parawasm, piscina and the core`);
  const got = { parawasm: [], piscina: [], core: [] };
  for (let i = 0; i < procs; i++) {
    for (const who of Object.keys(got)) got[who].push(await child(who, rounds));
  }
  // each process's figure: the median of its timed bursts
  const perProc = (who, key) => got[who].map((r) => median(r[key]));
  const us = { parawasm: summarize(perProc('parawasm', 'usPerCall')), piscina: summarize(perProc('piscina', 'usPerCall')) };
  const heap = (who) => {
    const xs = got[who].flatMap((r) => r.heapBytesPerCall);
    return xs.length ? summarize(xs) : null;
  };
  const ns = summarize(perProc('core', 'nsPerCall'));
  // the worst process's ratio, since every run must meet the target
  const ratios = got.parawasm.map((r, i) => median(got.piscina[i].usPerCall) / median(r.usPerCall));
  const section = {
    id: 9,
    title: `Small calls: cold processes, ${os.availableParallelism()} threads`,
    intro: [
      `Each process starts a pool, makes one warm-up burst of ${fmt(BURST)} queued calls, then ${rounds} timed bursts; ` +
      'a process\'s figure is the median of its bursts; processes alternate between the contenders. ' +
      'Heap bytes: the JS heap grown during the submission of a burst (bursts that met a garbage collection left out).',
    ],
    tables: [{
      headers: ['contender', 'µs per queued call, median (min–max) of processes', 'JS heap bytes per call'],
      rows: [
        ['parawasm pool.crc32(1-byte alloc() view)', fmtSummary(us.parawasm, 2), heap('parawasm') ? fmt(heap('parawasm').median) : 'n/a'],
        ['piscina empty task', fmtSummary(us.piscina, 2), heap('piscina') ? fmt(heap('piscina').median) : 'n/a'],
      ],
    }, {
      headers: ['core', 'ns per call, median (min–max) of processes', 'JS heap bytes per call'],
      rows: [['core.testNoop() (an empty kernel)', fmtSummary(ns, 1), heap('core') ? fmt(heap('core').median, 2) : 'n/a']],
    }],
    targets: [
      {
        name: `cold burst: parawasm ≥ ${THROUGHPUT_FACTOR}x piscina's queued throughput in every process`,
        requirement: `piscina µs ÷ parawasm µs ≥ ${THROUGHPUT_FACTOR} (worst process)`,
        measured: `worst ${fmt(Math.min(...ratios), 1)}, median ${fmt(median(ratios), 1)}`,
        value: Math.min(...ratios),
        pass: Math.min(...ratios) >= THROUGHPUT_FACTOR,
      },
      {
        name: `cold burst: ≤ ${US_PER_CALL} µs per queued call`,
        requirement: `median ≤ ${US_PER_CALL} µs`,
        measured: `${fmt(us.parawasm.median, 2)} µs`,
        value: us.parawasm.median,
        pass: us.parawasm.median <= US_PER_CALL,
      },
      {
        name: `empty core call ≤ ${CORE_NS} ns`,
        requirement: `median ≤ ${CORE_NS} ns`,
        measured: `${fmt(ns.median, 1)} ns`,
        value: ns.median,
        pass: ns.median <= CORE_NS,
      },
    ],
    notes: [],
    data: { burst: BURST, rounds, processes: got },
  };
  return section;
}
