// 7. A page stays responsive while the pool works: frames per second and
// the longest gap between two frames in headless Chromium, while crc32
// calls of a large buffer run back to back, against the same page idle;
// on a cross-origin-isolated page (the threaded pool, zero copy) and on one
// that is not (the fallback pool: one worker, copies in slices). The
// browser tests check that frames are drawn while calls are pending; how
// often, and the gaps, depend on the machine and its load and are figures
// here. (Headless Chromium draws at up to 60 frames a second.)
//
// Needs pkg/ and /usr/bin/chromium (playwright-core drives it).
import zlib from 'node:zlib';

import { launchChromium } from '../lib/chromium.mjs';
import { startServer } from '../browser/server.mjs';
import { fmt, fmtSummary, hex32, log, summarize } from './lib.mjs';

// Expectations the package tests used to assert; here targets.
const TARGETS = {
  isolatedFps: 20, // frames per second while the threaded pool works
  isolatedGap: 250, // ms, longest gap
  fallbackGap: 150, // ms, longest gap while the fallback pool copies
};

const MOUNTS = { '/pkg/': 'pkg', '/test/': 'test/browser', '/bench/': 'test/bench/browser' };

/** The crc32 the page's buffer must have (its xorshift32 words, as the page writes them). */
function expectedCrc(bytes) {
  const u32 = new Uint32Array(bytes / 4);
  for (let i = 0, x = 1; i < u32.length; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    u32[i] = x >>> 0;
  }
  return zlib.crc32(new Uint8Array(u32.buffer)) >>> 0;
}

export async function benchFrames(cfg) {
  const params = {
    runs: cfg.runs,
    bigMiB: cfg.quick ? 32 : 256,
    jobMs: cfg.quick ? 500 : 2000,
    idleMs: cfg.quick ? 300 : 1000,
  };
  const want = expectedCrc(params.bigMiB << 20);
  const servers = [];
  let browser = null;
  try {
    const iso = await startServer({ isolated: true, mounts: MOUNTS });
    servers.push(iso);
    const plain = await startServer({ isolated: false, mounts: MOUNTS });
    servers.push(plain);
    browser = await launchChromium();
    log(`7. frames: Chromium ${browser.version()}, ${params.runs} runs of ${params.bigMiB} MiB jobs`);

    const section = {
      id: 7,
      title: 'A page while the pool works: frames per second and the longest gap between frames (headless Chromium)',
      intro: [
        `Each run: the page idle for ${fmt(params.idleMs)} ms, then crc32 calls of a ${params.bigMiB} MiB buffer one after ` +
        `another for at least ${fmt(params.jobMs)} ms (at least one call), a requestAnimationFrame loop counting meanwhile. ` +
        'Isolated: createPool() is the threaded pool and the buffer is a pool.alloc() view. Not isolated: the fallback pool, ' +
        'which copies the buffer to its worker and back in 8 MiB slices with the event loop let run between them. ' +
        'The idle rows are the floor on this machine at this load.',
      ],
      tables: [{ headers: ['page', 'job', 'frames/s', 'longest gap ms', 'job ms', 'GB/s'], rows: [] }],
      targets: [],
      notes: [],
      data: { ...params, rows: [] },
    };
    const got = {};
    for (const [key, server] of [['isolated', iso], ['fallback', plain]]) {
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        await page.goto(`${server.origin}/test/page.html`);
        const r = await page.evaluate(async (p) => (await import('/bench/frames-page.js')).run(p), params);
        const label = key === 'isolated' ? `isolated (${r.threads} threads, shared memory)` : 'not isolated (fallback pool)';
        if (r.isShared !== (key === 'isolated')) section.notes.push(`${label}: pool.isShared is ${r.isShared}`);
        const values = new Set(r.pool.flatMap((x) => x.values));
        if (values.size !== 1 || !values.has(want)) {
          process.exitCode = 1;
          section.notes.push(`${label}: crc32 ${[...values].map(hex32).join(', ')}, expected ${hex32(want)}`);
        }
        for (const [job, rows] of [['idle', r.idle], ['crc32', r.pool]]) {
          const s = {
            fps: summarize(rows.map((x) => x.fps)),
            gap: summarize(rows.map((x) => x.maxGap)),
            ms: summarize(rows.map((x) => x.ms)),
            gbps: job === 'idle' ? null : summarize(rows.map((x) => x.bytes / x.ms / 1e6)),
          };
          got[`${key}-${job}`] = s;
          section.tables[0].rows.push([label, job === 'idle' ? 'idle' : `crc32 of ${params.bigMiB} MiB, repeated`,
            fmtSummary(s.fps, 1), fmtSummary(s.gap), fmtSummary(s.ms), s.gbps ? fmtSummary(s.gbps, 2) : '']);
          section.data.rows.push({ page: key, job, ...s, runs: rows });
        }
      } finally {
        await context.close();
      }
    }
    const iw = got['isolated-crc32'];
    if (iw) {
      section.targets.push({
        name: 'isolated page: frames keep coming while the pool works',
        requirement: `≥ ${TARGETS.isolatedFps} frames/s and longest gap < ${TARGETS.isolatedGap} ms (medians)`,
        measured: `${fmt(iw.fps.median, 1)} frames/s, ${fmt(iw.gap.median)} ms`,
        value: iw.gap.median,
        pass: iw.fps.median >= TARGETS.isolatedFps && iw.gap.median < TARGETS.isolatedGap,
      });
    }
    const fw = got['fallback-crc32'];
    if (fw) {
      section.targets.push({
        name: 'fallback pool: the page keeps drawing while buffers are copied',
        requirement: `longest gap < ${TARGETS.fallbackGap} ms (median)`,
        measured: `${fmt(fw.gap.median)} ms (${fmt(fw.fps.median, 1)} frames/s)`,
        value: fw.gap.median,
        pass: fw.gap.median < TARGETS.fallbackGap,
      });
    }
    return section;
  } finally {
    await browser?.close().catch(() => {});
    await Promise.all(servers.map((s) => s.close()));
  }
}
