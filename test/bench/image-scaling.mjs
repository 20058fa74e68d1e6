// Image scaling: the float Gaussian blur (sigma 5; the picture has alpha
// below 255, so the float engine runs) or the Lanczos-3 resize to 1000x750
// of a 4000x3000 RGBA picture, on a pool of 1 thread alone, on two pools
// of 1 thread at once (the machine's own scaling: both calls done), and on
// a pool of 2 threads; ms, medians of 9. A diagnostic for the engine's
// scaling (see the README); not part of `make bench`.
//
//   node test/bench/image-scaling.mjs [blur|resize] [path of a package's index.js]
const op = process.argv[2] ?? 'blur';
if (op !== 'blur' && op !== 'resize') throw new RangeError(`the operation must be blur or resize (got ${op})`);
const { createPool } = await import(process.argv[3] ?? '../../pkg/index.js');
const W = 4000;
const H = 3000;
const RUNS = 9;

async function make(threads) {
  const pool = await createPool({ threads, spin: 0 });
  const data = pool.alloc(W * H * 4);
  for (let i = 0; i < data.length; i++) data[i] = Math.imul(i, 2654435761) >>> 24;
  const img = { data, width: W, height: H };
  const dst = op === 'blur'
    ? { data: pool.alloc(W * H * 4), width: W, height: H }
    : { data: pool.alloc(1000 * 750 * 4), width: 1000, height: 750 };
  const run = () => (op === 'blur' ? pool.image.blur(img, 5, { dst }) : pool.image.resize(img, 1000, 750, { filter: 'lanczos3', dst }));
  return { pool, run };
}

const median = (a) => [...a].sort((p, q) => p - q)[a.length >> 1];
const a = await make(1);
const b = await make(1);
const c = await make(2);
const alone = [];
const pair = [];
const two = [];
try {
  for (let r = -1; r < RUNS; r++) {
    let t0 = performance.now();
    await a.run();
    const t1 = performance.now() - t0;
    t0 = performance.now();
    await Promise.all([a.run(), b.run()]);
    const t2 = performance.now() - t0;
    t0 = performance.now();
    await c.run();
    const t3 = performance.now() - t0;
    if (r >= 0) alone.push(t1), pair.push(t2), two.push(t3);
  }
} finally {
  for (const p of [a, b, c]) await p.pool.destroy();
}
const m1 = median(alone);
const m2 = median(two);
console.log(`${op}: pool of 1 thread ${m1.toFixed(1)} ms; two pools of 1 thread at once, both done in ${median(pair).toFixed(1)} ms; ` +
  `pool of 2 threads ${m2.toFixed(1)} ms (${(m1 / m2).toFixed(2)}x)`);
