// 11. The image family (core.image / pool.image) against sharp (libvips, a
// native addon), jimp (pure JavaScript), a plain JS loop where one is short
// to write, and the same C built natively, side by side in one run on one
// 12-megapixel RGBA image (4000x3000) held as raw pixels: the picture of
// test/bench/native_image.c (smooth gradients with noise, a seventh of its
// 64x64 tiles half transparent), made here by the same formula; the blur
// also on that picture opaque (a decoded photo) and cut out.
//
// Contenders:
//   - wasm core (synchronous, this thread), pools of 1 and N (all cores)
//     threads: the source is an alloc() view of their memory and the result
//     goes to an alloc() view (`dst`): no copies;
//   - sharp: sharp(raw pixels).op().raw().toBuffer(), its own thread pool
//     set to as many threads as the pool has (its default on glibc Linux
//     without jemalloc is one), cache off: what a Node user writes for the
//     same job;
//   - jimp: the operation on a Jimp image made from the same pixels (made
//     before each run, untimed: jimp works in place); at most 3 timed runs
//     (its blur takes seconds);
//   - plain JS: a loop over the bytes (greyscale, colour matrix, rotate);
//   - native C: build/native/native_image (gcc -O3 -march=native, one
//     thread, the serial runtime), median wall-clock time of its own runs.
// Where sharp or jimp have no operation of the same definition the row says
// what they ran instead (their closest one), or n/a.
//
// Checks: the three wasm contenders give the same bytes (crc32 of the
// result); sharp's blur and resize results are compared with parawasm's
// (mean absolute difference per channel, reported: the filters are close,
// not identical).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, alternate, fmt, fmtSummary, log, summarize } from './lib.mjs';

const NATIVE = path.join(ROOT, 'build/native/native_image');

// the targets
const SHARP_TARGET = 1; // pool (all threads) ÷ sharp, at most (blur, resize)
const GREY_JIMP_TARGET = 10; // jimp ÷ pool, at least
const GREY_JS_TARGET = 2; // plain JS ÷ pool, at least
const NATIVE_TARGET = 1.5; // pool of 1 ÷ native, at most
const SCALING_TARGET = 1.8; // pool of 1 ÷ pool of N, at least (blur, resize)
const JIMP_RUNS = 3;

const SEPIA = [0.393, 0.769, 0.189, 0, 0, 0.349, 0.686, 0.168, 0, 0, 0.272, 0.534, 0.131, 0, 0, 0, 0, 0, 1, 0];

// native_image.c's generator: s = s * 6364136223846793005 + 1442695040888963407
// (mod 2^64), here on 32-bit halves; the noise is its top 4 bits.
const MUL_HI = 0x5851f42d;
const MUL_LO = 0x4c957f2d;
const ADD_HI = 0x14057b7e;
const ADD_LO = 0xf767814f;

/** The picture of native_image.c's fill(): the same formula, the same generator. */
function picture(w, h) {
  const p = new Uint8Array(w * h * 4);
  let hi = 0;
  let lo = 12345;
  const clamp = (v) => (v < 0 ? 0 : v > 255 ? 255 : v);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      // lo * MUL_LO to 64 bits from 16-bit pieces (exact in doubles), plus the cross terms
      const a0 = lo & 0xffff;
      const a1 = lo >>> 16;
      const mid = a1 * (MUL_LO & 0xffff) + a0 * (MUL_LO >>> 16);
      const low = a0 * (MUL_LO & 0xffff) + (mid % 65536) * 65536;
      const high = Math.floor(low / 4294967296) + Math.floor(mid / 65536) + a1 * (MUL_LO >>> 16);
      const sumLo = (low % 4294967296) + ADD_LO;
      hi = (high + Math.imul(hi, MUL_LO) + Math.imul(lo, MUL_HI) + ADD_HI + (sumLo > 0xffffffff ? 1 : 0)) >>> 0;
      lo = sumLo >>> 0;
      const noise = (hi >>> 28) - 8;
      const q = (y * w + x) * 4;
      const fx = x / w;
      const fy = y / h;
      p[q] = clamp(Math.trunc(255 * fx) + noise);
      p[q + 1] = clamp(Math.trunc(255 * fy) + noise);
      p[q + 2] = clamp(Math.trunc(128 + 100 * Math.sin(fx * 20) * Math.cos(fy * 13)) + noise);
      p[q + 3] = (Math.floor(x / 64) + Math.floor(y / 64)) % 7 === 0 ? 128 : 255;
    }
  }
  return p;
}

/** The picture, opaque, cut out: an antialiased disc on a transparent picture (native_image.c's cutout). */
function cutout(pixels, w, h) {
  const p = Uint8Array.from(pixels);
  const radius = 0.43 * Math.min(w, h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const d = Math.hypot(x - w / 2, y - h / 2) - radius;
      p[(y * w + x) * 4 + 3] = d < -2 ? 255 : d > 2 ? 0 : Math.round((255 * (2 - d)) / 4);
    }
  }
  return p;
}

function native(names, w, h) {
  if (!existsSync(NATIVE)) return new Map();
  try {
    const out = execFileSync(NATIVE, ['7', '--json', '--size', `${w}x${h}`, '--only', names.join('|')], { encoding: 'utf8', timeout: 600e3 });
    return new Map(JSON.parse(out).rows.map((r) => [r.name, { median: r.median, min: r.min, max: r.max, runs: 7 }]));
  } catch (e) {
    log(`  native image benchmark failed: ${e.message}`);
    return new Map();
  }
}

// plain JS loops, written as a user would for the job
function jsGreyscale(src, dst) {
  for (let i = 0; i < src.length; i += 4) {
    const y = (2126 * src[i] + 7152 * src[i + 1] + 722 * src[i + 2] + 5000) / 10000 | 0;
    dst[i] = dst[i + 1] = dst[i + 2] = y;
    dst[i + 3] = src[i + 3];
  }
}
function jsColorMatrix(src, dst, m) {
  const c = (v) => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));
  for (let i = 0; i < src.length; i += 4) {
    const r = src[i];
    const g = src[i + 1];
    const b = src[i + 2];
    const a = src[i + 3];
    dst[i] = c(m[0] * r + m[1] * g + m[2] * b + m[3] * a + m[4] * 255);
    dst[i + 1] = c(m[5] * r + m[6] * g + m[7] * b + m[8] * a + m[9] * 255);
    dst[i + 2] = c(m[10] * r + m[11] * g + m[12] * b + m[13] * a + m[14] * 255);
    dst[i + 3] = c(m[15] * r + m[16] * g + m[17] * b + m[18] * a + m[19] * 255);
  }
}
function jsRotate90(src, dst, w, h) {
  const s = new Uint32Array(src.buffer, src.byteOffset, w * h);
  const d = new Uint32Array(dst.buffer, dst.byteOffset, w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) d[x * h + (h - 1 - y)] = s[y * w + x];
}

/** Mean absolute difference per byte of two equal-length byte arrays. */
function meanAbsDiff(a, b) {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
}

export async function benchImages(cfg) {
  const pw = await import(pathToFileURL(path.join(ROOT, 'pkg/index.js')).href);
  const { default: sharp } = await import('sharp');
  const { Jimp, ResizeStrategy } = await import('jimp');
  const threads = Math.max(2, cfg.cores);
  // sharp's default on glibc Linux without jemalloc is one thread; it gets
  // as many as the pool has
  const sharpDefault = sharp.concurrency();
  sharp.concurrency(threads);
  sharp.cache(false);
  const W = cfg.imageWidth;
  const H = cfg.imageHeight;
  const RW = W / 4;
  const RH = H / 4;
  const section = {
    id: 11,
    title: `Images: core.image and pool.image against sharp, jimp, plain JS and native C on ${W}x${H} RGBA (ms a call, lower is better)`,
    intro: [
      `One ${((W * H) / 1e6).toFixed(0)}-megapixel RGBA image of raw pixels (native_image.c's picture). ` +
      `Core: synchronous on this thread; pools of 1 and ${threads} threads; the wasm contenders read an alloc() view and write ` +
      `another (\`dst\`): no copies. sharp ${sharp.versions?.sharp ?? ''} (libvips ${sharp.versions?.vips ?? '?'}) on raw input and output, ` +
      `${sharp.concurrency()} threads (its default here: ${sharpDefault}), cache off; jimp on a Jimp image of the same pixels (made untimed before each run), ` +
      `at most ${JIMP_RUNS} timed runs; plain JS: a loop over the bytes on this thread; native: the same C built with ` +
      'gcc -O3 -march=native, one thread (build/native/native_image, median wall-clock time of 7 runs in its own process). ' +
      `Runs alternate between contenders, ${cfg.runs} timed runs each. The machine may be shared: compare within this run.`,
    ],
    tables: [],
    targets: [],
    notes: [],
    data: { threads, width: W, height: H, jobs: {} },
  };
  log(`11. making the ${W}x${H} picture`);
  const pixels = picture(W, H);
  const core = await pw.loadCore();
  const pool1 = await pw.createPool({ threads: 1 });
  const poolN = await pw.createPool({ threads });
  const wasm = [['core', core, 'wasm core'], ['pool1', pool1, 'wasm pool, 1 thread'], ['poolN', poolN, `wasm pool, ${threads} threads`]];
  const cut = cutout(pixels, W, H);
  const opaque = pixels.slice(); // every alpha 255, as a decoded photo (native_image.c's opaque)
  for (let i = 3; i < opaque.length; i += 4) opaque[i] = 255;
  const sharpIn = (px = pixels) => sharp(Buffer.from(px.buffer, px.byteOffset, px.length), { raw: { width: W, height: H, channels: 4 } });
  const jimpImage = () => Jimp.fromBitmap({ data: Buffer.from(pixels), width: W, height: H });
  const jsDst = new Uint8Array(W * H * 4);
  const crc = (bytes) => core.crc32(bytes);

  const jobs = [
    {
      key: 'blur5', what: 'Gaussian blur sigma 5', native: 'blur sigma 5 (12 MP)', out: [W, H],
      op: (api, img, dst) => api.image.blur(img, 5, { dst }),
      sharp: { name: 'sharp blur(5)', run: () => sharpIn().blur(5).raw().toBuffer() },
      jimp: { name: 'jimp blur(5) (its own fast blur, radius 5)', run: (j) => j.blur(5) },
      sharpTarget: true, scale: true, compareSharp: true,
    },
    {
      // a photo: every alpha 255 (the fixed-point engine's opaque plan)
      key: 'blur5opaque', what: 'Gaussian blur sigma 5, the picture opaque (a photo)', native: 'blur sigma 5 opaque', out: [W, H],
      picture: opaque,
      op: (api, img, dst) => api.image.blur(img, 5, { dst }),
      sharp: { name: 'sharp blur(5)', run: () => sharpIn(opaque).blur(5).raw().toBuffer() },
      sharpTarget: true, scale: true, compareSharp: true,
    },
    {
      // a picture with transparent parts: the fixed-point engine with the float one over the fringes
      key: 'blur5cut', what: 'Gaussian blur sigma 5, the picture cut out (an antialiased disc on a transparent picture)', native: 'blur sigma 5 cutout', out: [W, H],
      picture: cut,
      op: (api, img, dst) => api.image.blur(img, 5, { dst }),
      sharp: { name: 'sharp blur(5)', run: () => sharpIn(cut).blur(5).raw().toBuffer() },
      sharpTarget: true, scale: true, compareSharp: true,
    },
    {
      key: 'lanczos', what: `resize ${W}x${H} -> ${RW}x${RH} Lanczos-3`, native: 'resize lanczos3 to 1/4 (4000x3000 -> 1000x750)', out: [RW, RH],
      op: (api, img, dst) => api.image.resize(img, RW, RH, { filter: 'lanczos3', dst }),
      sharp: { name: 'sharp resize lanczos3', run: () => sharpIn().resize(RW, RH, { kernel: 'lanczos3', fit: 'fill' }).raw().toBuffer() },
      jimp: { name: 'jimp resize (bicubic: it has no Lanczos)', run: (j) => j.resize({ w: RW, h: RH, mode: ResizeStrategy.BICUBIC }) },
      sharpTarget: true, scale: true, compareSharp: true,
    },
    {
      key: 'greyscale', what: 'greyscale (Rec. 709 luma, alpha kept)', native: 'greyscale', out: [W, H],
      op: (api, img, dst) => api.image.greyscale(img, { dst }),
      sharp: { name: 'sharp greyscale()', run: () => sharpIn().greyscale().raw().toBuffer() },
      jimp: { name: 'jimp greyscale()', run: (j) => j.greyscale() },
      js: { name: 'plain JS loop', run: () => jsGreyscale(pixels, jsDst) },
      greyTargets: true,
    },
    {
      key: 'sepia', what: 'colour matrix (sepia, 4x5)', native: 'colour matrix (sepia)', out: [W, H],
      op: (api, img, dst) => api.image.colorMatrix(img, SEPIA, { dst }),
      sharp: { name: 'sharp recomb() (3x3 sepia)', run: () => sharpIn().recomb([SEPIA.slice(0, 3), SEPIA.slice(5, 8), SEPIA.slice(10, 13)]).raw().toBuffer() },
      jimp: { name: 'jimp sepia()', run: (j) => j.sepia() },
      js: { name: 'plain JS loop', run: () => jsColorMatrix(pixels, jsDst, SEPIA) },
    },
    {
      key: 'unsharp', what: 'sharpen (unsharp mask sigma 1)', native: 'unsharp sigma 1', out: [W, H],
      op: (api, img, dst) => api.image.sharpen(img, 1, { amount: 1, threshold: 2, dst }),
      sharp: { name: 'sharp sharpen({ sigma: 1 }) (its own method, on L of LAB)', run: () => sharpIn().sharpen({ sigma: 1 }).raw().toBuffer() },
    },
    {
      // sharpen's defaults (threshold 0): the fixed-point engine, where a threshold keeps the float one
      key: 'unsharp0', what: 'sharpen, defaults (unsharp mask sigma 1, threshold 0)', native: 'unsharp sigma 1 threshold 0', out: [W, H],
      op: (api, img, dst) => api.image.sharpen(img, 1, { dst }),
    },
    {
      key: 'rotate90', what: 'rotate 90', native: 'rotate 90', out: [H, W],
      op: (api, img, dst) => api.image.rotate(img, 90, { dst }),
      sharp: { name: 'sharp rotate(90)', run: () => sharpIn().rotate(90).raw().toBuffer() },
      jimp: { name: 'jimp rotate(90)', run: (j) => j.rotate(90) },
      js: { name: 'plain JS loop (32-bit pixels)', run: () => jsRotate90(pixels, jsDst, W, H) },
    },
  ];
  log('11. native C');
  const nat = native(jobs.map((j) => j.native), W, H);
  try {
    const srcs = wasm.map(([, api]) => {
      const v = api.alloc(W * H * 4);
      v.set(pixels);
      return { data: v, width: W, height: H };
    });
    for (const job of jobs) {
      log(`11. ${job.what}`);
      if (job.picture) srcs.forEach((s) => s.data.set(job.picture));
      const [ow, oh] = job.out;
      const dsts = wasm.map(([, api]) => api.alloc(ow * oh * 4));
      const contenders = wasm.map(([, api, name], i) => ({
        name,
        run: async () => {
          const t0 = performance.now();
          await job.op(api, srcs[i], dsts[i]);
          const value = performance.now() - t0;
          return { value, check: crc(dsts[i]) };
        },
      }));
      let sharpOut = null;
      if (job.sharp) contenders.push({
        name: job.sharp.name,
        run: async () => {
          const t0 = performance.now();
          const out = await job.sharp.run();
          const value = performance.now() - t0;
          sharpOut = out;
          return { value };
        },
      });
      if (job.js) {
        contenders.push({
          name: `JS: ${job.js.name}`,
          run: () => {
            const t0 = performance.now();
            job.js.run();
            return { value: performance.now() - t0 };
          },
        });
      }
      const res = await alternate(contenders, cfg.runs);
      if (job.jimp) {
        let j = null;
        const jc = {
          name: job.jimp.name,
          run: () => {
            const t0 = performance.now();
            job.jimp.run(j);
            return { value: performance.now() - t0 };
          },
        };
        // a fresh Jimp image before each run, untimed
        const runs = Math.min(cfg.runs, JIMP_RUNS);
        const samples = [];
        let error = null;
        for (let r = 0; r <= runs && !error; r++) {
          try {
            j = await jimpImage();
            const { value } = jc.run();
            if (r > 0) samples.push(value);
          } catch (e) {
            error = e;
            log(`  ${jc.name} failed: ${e?.stack ?? e}`);
          }
        }
        j = null;
        res.set(jc.name, { samples, error, checks: new Set() });
      }
      const checks = new Set(wasm.flatMap(([, , name]) => [...(res.get(name)?.checks ?? [])]));
      const s = {};
      for (const [name, rec] of res) s[name] = rec.error || rec.samples.length === 0 ? null : summarize(rec.samples);
      const n = nat.get(job.native) ?? null;
      const sharpS = job.sharp ? s[job.sharp.name] : undefined;
      const table = { headers: ['contender', 'ms, median (min–max)', 'this ÷ pool of ' + threads, 'this ÷ native'], rows: [], caption: job.what };
      const all = s[wasm[2][2]];
      const one = s[wasm[1][2]];
      for (const [name, sum] of Object.entries(s)) {
        table.rows.push([name, sum ? fmtSummary(sum, 1) : `error: ${res.get(name).error?.message ?? 'no runs'}`,
          sum && all ? fmt(sum.median / all.median, 2) : '', sum && n ? fmt(sum.median / n.median, 2) : '']);
      }
      table.rows.push(['native C, 1 thread', n ? fmtSummary(n, 1) : 'not built', n && all ? fmt(n.median / all.median, 2) : '', n ? '1.00' : '']);
      section.tables.push(table);
      section.data.jobs[job.key] = { ms: s, native: n };
      if (checks.size !== 1) {
        process.exitCode = 1;
        section.notes.push(`${job.what}: the wasm contenders' results differ (crc32 ${[...checks].join(', ')})`);
      }
      if (job.compareSharp && sharpOut && sharpOut.length === dsts[0].length) {
        const d = meanAbsDiff(dsts[0], sharpOut);
        section.notes.push(`${job.what}: parawasm's result and sharp's differ by ${fmt(d, 2)} per byte on average (their filters and edge rules are close, not identical).`);
        section.data.jobs[job.key].sharpMeanAbsDiff = d;
      }
      if (job.sharpTarget && all && sharpS) {
        const r = all.median / sharpS.median;
        section.targets.push({ name: `${job.what}: pool of ${threads} ÷ sharp`, requirement: `≤ ${SHARP_TARGET}`, measured: `${fmt(all.median, 1)} ÷ ${fmt(sharpS.median, 1)} ms = ${fmt(r, 2)}`, value: r, pass: r <= SHARP_TARGET });
      }
      if (job.greyTargets && all) {
        const jimpS = s[job.jimp.name];
        const jsS = s[`JS: ${job.js.name}`];
        if (jimpS) {
          const r = jimpS.median / all.median;
          section.targets.push({ name: `${job.what}: jimp ÷ pool of ${threads}`, requirement: `≥ ${GREY_JIMP_TARGET}`, measured: `${fmt(jimpS.median, 1)} ÷ ${fmt(all.median, 1)} ms = ${fmt(r, 1)}`, value: r, pass: r >= GREY_JIMP_TARGET });
        }
        if (jsS) {
          const r = jsS.median / all.median;
          section.targets.push({ name: `${job.what}: plain JS ÷ pool of ${threads}`, requirement: `≥ ${GREY_JS_TARGET}`, measured: `${fmt(jsS.median, 1)} ÷ ${fmt(all.median, 1)} ms = ${fmt(r, 1)}`, value: r, pass: r >= GREY_JS_TARGET });
        }
      }
      if (one && n) {
        const r = one.median / n.median;
        section.targets.push({ name: `${job.what}: pool of 1 ÷ native C`, requirement: `≤ ${NATIVE_TARGET}`, measured: `${fmt(one.median, 1)} ÷ ${fmt(n.median, 1)} ms = ${fmt(r, 2)}`, value: r, pass: r <= NATIVE_TARGET });
      }
      if (job.scale && one && all) {
        const r = one.median / all.median;
        section.targets.push({ name: `${job.what}: pool of 1 ÷ pool of ${threads}`, requirement: `≥ ${SCALING_TARGET}`, measured: fmt(r, 2), value: r, pass: r >= SCALING_TARGET });
      }
      wasm.forEach(([, api], i) => api.free(dsts[i]));
      if (job.picture) srcs.forEach((s) => s.data.set(pixels));
    }
    wasm.forEach(([, api], i) => api.free(srcs[i].data));
  } finally {
    await pool1.destroy();
    await poolN.destroy();
  }
  return section;
}
