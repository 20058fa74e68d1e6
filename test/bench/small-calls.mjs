// 9. The small-call floor, as a script that starts, calls and exits sees it:
// fresh processes (test/bench/fixtures/cold-burst.mjs), each with one
// warm-up burst of 10,000 queued calls and then timed bursts, alternating
// between parawasm's pool (crc32 of a 1-byte alloc() view: the generated
// fast path), piscina (an empty task) and family calls of the pool on
// their kernels' fast paths (image.invert of a 16x16 tile into an alloc()
// view, image.rotate of it by 90 degrees there, array.sum and array.topk
// of 64 doubles) and on the generic path (image.composite of an 8x8 tile
// over its middle into an alloc() view, array.sum of the 64 doubles with
// an AbortSignal), and the harness with no library (an already settled
// promise per call; a new promise per call, the burst's settled together
// on the next turn of the event loop): the floor of any queued call;
// the JS heap
// allocated per queued call; and the core's empty call (testNoop) in ns.
import { execFile } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { FIXTURES, fmt, fmtSummary, log, median, summarize } from './lib.mjs';

const BURST = 10000;
const THROUGHPUT_FACTOR = 30; // parawasm's queued throughput ≥ this x piscina's
const US_PER_CALL = 1; // and ≤ this µs per queued call
const CORE_NS = 100; // an empty core call ≤ this ns

/**
 * µs to touch a page of fresh memory the first time (a minor page fault and
 * the kernel zeroing the page): a new 64 MiB ArrayBuffer written once per
 * 4 KiB, the median of 5. The engine's young generation grows into fresh
 * pages in a cold process, so this cost is part of every cold burst.
 */
function pageTouchUs() {
  const xs = [];
  for (let r = 0; r < 5; r++) {
    const u8 = new Uint8Array(new ArrayBuffer(64 << 20));
    const t0 = performance.now();
    for (let i = 0; i < u8.length; i += 4096) u8[i] = 1;
    xs.push(((performance.now() - t0) * 1e3) / (u8.length / 4096));
  }
  return median(xs);
}

function child(who, rounds, warm) {
  return new Promise((resolve, reject) => {
    // the engine's default flags: a script as its users run it (a larger
    // young generation, --max-semi-space-size, changes how the first bursts
    // of a process meet garbage collection and fresh pages)
    execFile(process.execPath, [path.join(FIXTURES, 'cold-burst.mjs'), who, String(BURST), String(rounds), String(warm)],
      { timeout: 300000, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`cold-burst ${who}: ${err.message}\n${stderr}`));
        else resolve(JSON.parse(stdout.trim().split('\n').pop()));
      });
  });
}

export async function benchSmallCalls(cfg) {
  const procs = Math.max(3, cfg.runs);
  const rounds = cfg.quick ? 2 : 5;
  const warmBursts = cfg.quick ? 5 : 40;
  log(`9. small calls: ${procs} cold processes each of parawasm, piscina and the core`);
  const got = { parawasm: [], piscina: [], 'floor-resolved': [], 'floor-deferred': [], core: [], image: [], 'image-rotate': [], array: [], 'array-topk': [], 'image-generic': [], 'array-generic': [] };
  for (let i = 0; i < procs; i++) {
    for (const who of Object.keys(got)) got[who].push(await child(who, rounds, warmBursts));
  }
  // each process's figure: the median of its timed bursts
  const perProc = (who, key) => got[who].map((r) => median(r[key]));
  const POOLED = ['parawasm', 'piscina', 'floor-resolved', 'floor-deferred', 'image', 'image-rotate', 'array', 'array-topk', 'image-generic', 'array-generic'];
  const us = Object.fromEntries(POOLED.map((w) => [w, summarize(perProc(w, 'usPerCall'))]));
  const heap = (who) => {
    const xs = got[who].flatMap((r) => r.heapBytesPerCall);
    return xs.length ? summarize(xs) : null;
  };
  const ns = summarize(perProc('core', 'nsPerCall'));
  const warm = Object.fromEntries(POOLED.map((w) => [w, summarize(perProc(w, 'usPerCallWarm'))]));
  const faults = (who) => median(got[who].flatMap((r) => r.pageFaults));
  const touch = pageTouchUs();
  // the worst process's ratio, since every run must meet the target
  const ratiosOf = (who) => got[who].map((r, i) => median(got.piscina[i].usPerCall) / median(r.usPerCall));
  const ratios = ratiosOf('parawasm');
  const familyRow = (who, label) => [label, fmtSummary(us[who], 2), fmt(faults(who)), heap(who) ? fmt(heap(who).median) : 'n/a',
    fmtSummary(warm[who], 2)];
  const section = {
    id: 9,
    title: `Small calls: cold processes, ${os.availableParallelism()} threads`,
    intro: [
      `Each process starts a pool, makes one warm-up burst of ${fmt(BURST)} queued calls, then ${rounds} timed bursts; ` +
      'a process\'s figure is the median of its bursts; processes alternate between the contenders. ' +
      'Heap bytes: the JS heap grown during the submission of a burst (bursts that met a garbage collection left out). ' +
      `Warm: ${rounds} more timed bursts after ${warmBursts} untimed ones in the same process, once the young generation has grown.`,
    ],
    tables: [{
      headers: ['contender', 'µs per queued call, median (min–max) of processes', 'page faults a burst (main thread, median)',
        'JS heap bytes per call', `warm: µs per call after ${warmBursts} more bursts`],
      rows: [
        ['parawasm pool.crc32(1-byte alloc() view)', fmtSummary(us.parawasm, 2), fmt(faults('parawasm')),
          heap('parawasm') ? fmt(heap('parawasm').median) : 'n/a', fmtSummary(warm.parawasm, 2)],
        ['piscina empty task', fmtSummary(us.piscina, 2), fmt(faults('piscina')),
          heap('piscina') ? fmt(heap('piscina').median) : 'n/a', fmtSummary(warm.piscina, 2)],
        familyRow('floor-resolved', 'no library: Promise.resolve() (the harness alone)'),
        familyRow('floor-deferred', 'no library: new Promise(), a burst\'s settled together on the next turn (setImmediate)'),
        familyRow('image', 'parawasm pool.image.invert(16x16 tile, { dst: alloc() view })'),
        familyRow('array', 'parawasm pool.array.sum(64 doubles, an alloc() view)'),
        familyRow('array-topk', 'parawasm pool.array.topk(64 doubles, 3)'),
        familyRow('image-rotate', 'parawasm pool.image.rotate(16x16 tile, 90, { dst: alloc() view })'),
        familyRow('image-generic', 'parawasm pool.image.composite(16x16 tile, 8x8 tile, { left: 4, top: 4, opacity: 0.5, dst: alloc() view }) (generic path)'),
        familyRow('array-generic', 'parawasm pool.array.sum(64 doubles, { signal }) (generic path)'),
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
      ...[['image', 'pool.image.invert of a tile'], ['array', 'pool.array.sum of 64 doubles'], ['array-topk', 'pool.array.topk of 64 doubles']].map(([who, what]) => ({
        name: `cold burst of family calls, ${what}: ≤ ${US_PER_CALL} µs per queued call`,
        requirement: `median ≤ ${US_PER_CALL} µs`,
        measured: `${fmt(us[who].median, 2)} µs (${fmt(median(ratiosOf(who)), 1)}x piscina, worst process ${fmt(Math.min(...ratiosOf(who)), 1)}x)`,
        value: us[who].median,
        pass: us[who].median <= US_PER_CALL,
      })),
      {
        name: `empty core call ≤ ${CORE_NS} ns`,
        requirement: `median ≤ ${CORE_NS} ns`,
        measured: `${fmt(ns.median, 1)} ns`,
        value: ns.median,
        pass: ns.median <= CORE_NS,
      },
    ],
    notes: [
      `A first touch of a fresh 4 KiB page costs ${fmt(touch, 1)} µs on this machine (measured here: a new 64 MiB ArrayBuffer ` +
      'written once a page). A promise made with `new Promise` is 216 JS heap bytes in Node 20, one derived with `then` about 90 ' +
      '(parawasm\'s queued calls past the first of a burst: see Pool in the README); while the ' +
      'engine\'s young generation grows, in a cold process, it grows into fresh pages, so a burst pays about ' +
      `bytes per call ÷ 4096 × ${fmt(touch, 1)} µs per call for them (the page-fault column), whatever the library.`,
      `The rows "no library" are the floor of this harness in a cold process (its array of promises, Promise.all, the engine's ` +
      `young generation growing): ${fmt(us['floor-resolved'].median, 2)} µs a call with promises already settled, ` +
      `${fmt(us['floor-deferred'].median, 2)} µs with a plain promise per call settled on the next turn, which is what a queued ` +
      'call of any library makes; the targets of ≤ 1 µs per call are measured above these floors.',
    ],
    data: { burst: BURST, rounds, processes: got, pageTouchUs: touch, warm },
  };
  return section;
}
