// Image scaling over several cases: Gaussian blurs of several sigmas and
// sizes, a Lanczos-3 downscale, a bicubic upscale and an unsharp mask of
// RGBA pictures with alpha below 255 (the float engine), each on a pool of
// 1 thread and a pool of 2 threads of every package given, the packages
// alternating call by call; ms, medians of 5 after one untimed round. A
// diagnostic for the engine's scaling (see the README); not part of
// `make bench`.
//
//   node test/bench/image-scaling-cases.mjs [index.js of a package ...]
//
// With no argument it measures ../../pkg/index.js; give two packages (an
// old build and a new one) to compare them side by side in one run.
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const paths = process.argv.length > 2 ? process.argv.slice(2).map((p) => pathToFileURL(path.resolve(p)).href) : ['../../pkg/index.js'];
const mods = await Promise.all(paths.map((p) => import(p)));
const ROUNDS = 5;
const median = (x) => [...x].sort((p, q) => p - q)[x.length >> 1];

// [name, source width, height, the call, output width, height]
const cases = [
  ['blur sigma 5, 4000x3000', 4000, 3000, (P, img, dst) => P.image.blur(img, 5, { dst }), 4000, 3000],
  ['blur sigma 2, 4000x3000', 4000, 3000, (P, img, dst) => P.image.blur(img, 2, { dst }), 4000, 3000],
  ['blur sigma 20, 3000x2000', 3000, 2000, (P, img, dst) => P.image.blur(img, 20, { dst }), 3000, 2000],
  ['blur sigma 5, 6000x4000', 6000, 4000, (P, img, dst) => P.image.blur(img, 5, { dst }), 6000, 4000],
  ['blur sigma 5, 1920x1080', 1920, 1080, (P, img, dst) => P.image.blur(img, 5, { dst }), 1920, 1080],
  ['Lanczos-3 4000x3000 -> 1000x750', 4000, 3000, (P, img, dst) => P.image.resize(img, 1000, 750, { filter: 'lanczos3', dst }), 1000, 750],
  ['bicubic 2000x1500 -> 4000x3000', 2000, 1500, (P, img, dst) => P.image.resize(img, 4000, 3000, { filter: 'bicubic', dst }), 4000, 3000],
  ['sharpen sigma 2, 4000x3000', 4000, 3000, (P, img, dst) => P.image.sharpen(img, { sigma: 2, amount: 1, dst }), 4000, 3000],
];

const pools = [];
for (const m of mods) pools.push([await m.createPool({ threads: 1, spin: 0 }), await m.createPool({ threads: 2, spin: 0 })]);
try {
  for (const [name, w, h, call, dw, dh] of cases) {
    const runs = pools.map((pair) => pair.map((P) => {
      const data = P.alloc(w * h * 4);
      // pseudo-random colours, alpha 200-207
      for (let i = 0; i < data.length; i++) {
        const r = Math.imul(i, 2654435761) >>> 0;
        data[i] = (i & 3) === 3 ? 200 + (r >>> 29) : r >>> 24;
      }
      return { P, img: { data, width: w, height: h }, dst: { data: P.alloc(dw * dh * 4), width: dw, height: dh }, ms: [] };
    }));
    for (let r = 0; r <= ROUNDS; r++) {
      for (const pair of runs) {
        for (const x of pair) {
          const t0 = performance.now();
          await call(x.P, x.img, x.dst);
          if (r > 0) x.ms.push(performance.now() - t0);
        }
      }
    }
    const cols = runs.map(([one, two], i) => {
      const a = median(one.ms);
      const b = median(two.ms);
      return `${paths.length > 1 ? `[${i}] ` : ''}1 thread ${a.toFixed(1)}, 2 threads ${b.toFixed(1)} ms (${(a / b).toFixed(2)}x)`;
    });
    console.log(`${name.padEnd(34)}${cols.join('   ')}`);
    for (const pair of runs) for (const x of pair) x.P.free(x.img.data), x.P.free(x.dst.data);
  }
  if (paths.length > 1) console.log(paths.map((p, i) => `[${i}] ${p}`).join('\n'));
} finally {
  for (const pair of pools) for (const P of pair) await P.destroy();
}
