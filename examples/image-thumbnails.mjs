// Thumbnails every PNG and JPEG of a folder on the pool's threads: each
// file is read straight into the pool's memory, then decoded, resized to
// fit a box, sharpened and encoded as JPEG by one pool.image.chain(),
// which copies nothing between the steps and frees each intermediate image
// as soon as the next step has read it. Several files are in flight at
// once, so every thread has work.
//
//   node examples/image-thumbnails.mjs [INPUT_DIR [OUTPUT_DIR]] [--size N] [--quality Q] [--threads N]
//
// Without INPUT_DIR it makes a folder of sample photos first (in the
// system's temporary folder) and thumbnails those.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPool, loadCore } from '../pkg/index.js';

// ---------------------------------------------------------------- options
const args = process.argv.slice(2);
const opts = { size: 256, quality: 82, threads: undefined };
const dirs = [];
for (let i = 0; i < args.length; i++) {
  const m = /^--(size|quality|threads)$/.exec(args[i]);
  if (m) opts[m[1]] = Number(args[++i]);
  else if (args[i].startsWith('-')) throw new Error(`unknown option ${args[i]} (--size N, --quality Q, --threads N)`);
  else dirs.push(args[i]);
}
const input = dirs[0] ?? path.join(os.tmpdir(), 'parawasm-thumbnail-samples');
const output = dirs[1] ?? path.join(os.tmpdir(), 'parawasm-thumbnails');
const ms = (t) => `${t.toFixed(1)} ms`;

// ---------------------------------------------------- built-in samples
// Eight synthetic photos of 0.5 to 2 megapixels, half PNG and half JPEG,
// made once with the core's encoders: rings and gradients with a little noise.
async function makeSamples(dir) {
  const core = await loadCore();
  fs.mkdirSync(dir, { recursive: true });
  const sizes = [[1600, 1200], [1200, 1600], [1600, 900], [800, 600], [1024, 1024]];
  let seed = 0x2545f491;
  for (let n = 0; n < 8; n++) {
    const [w, h] = sizes[n % sizes.length];
    const name = `sample-${String(n + 1).padStart(2, '0')}.${n % 2 ? 'jpg' : 'png'}`;
    if (fs.existsSync(path.join(dir, name))) continue;
    const img = core.image.create(w, h);
    const cx = w * (0.3 + 0.05 * n);
    const cy = h * (0.6 - 0.03 * n);
    for (let y = 0, o = 0; y < h; y++) {
      for (let x = 0; x < w; x++, o += 4) {
        seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5;
        const ring = 0.5 + 0.5 * Math.sin(Math.hypot(x - cx, y - cy) / (h / (10 + n)));
        const noise = (seed & 7) - 4;
        img.data[o] = 40 + 170 * (x / w) * ring + noise;
        img.data[o + 1] = 60 + 120 * (y / h) + 60 * ring + noise;
        img.data[o + 2] = 200 - 120 * ring * (1 - x / w) + noise;
        img.data[o + 3] = 255;
      }
    }
    fs.writeFileSync(path.join(dir, name), n % 2 ? core.image.encodeJpeg(img, 92) : core.image.encodePng(img));
  }
}

if (!dirs[0]) {
  const t0 = performance.now();
  await makeSamples(input);
  console.log(`sample photos in ${input} (${ms(performance.now() - t0)} to make the missing ones)`);
}

// ------------------------------------------------------------ thumbnails
const files = fs.readdirSync(input).filter((f) => /\.(png|jpe?g)$/i.test(f)).sort();
if (!files.length) throw new Error(`no PNG or JPEG files in ${input}`);
fs.mkdirSync(output, { recursive: true });

const pool = await createPool(opts.threads ? { threads: opts.threads } : undefined);
console.log(`thumbnailing ${files.length} files from ${input} into ${output}: ` +
  `within ${opts.size}x${opts.size}, JPEG quality ${opts.quality}, ${pool.threads} threads`);

/** Reads a file straight into a pool.alloc() view: the pool reads it in place. */
function readIntoPool(file) {
  const fd = fs.openSync(file, 'r');
  try {
    const view = pool.alloc(fs.fstatSync(fd).size);
    for (let at = 0; at < view.length;) {
      const n = fs.readSync(fd, view, at, view.length - at, at);
      if (n === 0) throw new Error(`${file}: shorter than its size`);
      at += n;
    }
    return view;
  } finally {
    fs.closeSync(fd);
  }
}

async function thumbnail(name) {
  const t0 = performance.now();
  const file = readIntoPool(path.join(input, name));
  try {
    const { width, height } = await pool.image.info(file);
    const jpg = await pool.image.chain(file)
      .resize(opts.size, opts.size, { fit: 'inside' })
      .sharpen(0.6, { amount: 0.5 })
      .encodeJpeg(opts.quality);
    const out = path.join(output, name.replace(/\.\w+$/, '.thumb.jpg'));
    await fs.promises.writeFile(out, jpg);
    return { name, width, height, out, bytes: jpg.length, ms: performance.now() - t0 };
  } finally {
    pool.free(file);
  }
}

const copiedBefore = pool.stats().bytesCopied;
const t0 = performance.now();
const results = [];
const queue = [...files];
// two files a thread in flight: one decoding or filtering while another waits
await Promise.all(Array.from({ length: Math.min(queue.length, pool.threads * 2) }, async () => {
  while (queue.length) results.push(await thumbnail(queue.shift()));
}));
const total = performance.now() - t0;

const core = await loadCore();
let pixels = 0;
for (const r of results.sort((a, b) => a.name.localeCompare(b.name))) {
  const t = core.image.info(fs.readFileSync(r.out));
  const fits = t.width <= opts.size && t.height <= opts.size && (t.width === opts.size || t.height === opts.size);
  pixels += r.width * r.height;
  console.log(`  ${r.name}: ${r.width}x${r.height} -> ${t.width}x${t.height} ${t.format}, ${r.bytes} bytes, ` +
    `${ms(r.ms)}${fits ? '' : ' MISMATCH: not within the box'}`);
}
console.log(`${results.length} thumbnails in ${ms(total)}: ${(pixels / 1e6 / (total / 1e3)).toFixed(1)} megapixels/s ` +
  `decoded, resized, sharpened and encoded on ${pool.threads} threads`);
console.log(`bytes copied between steps: ${pool.stats().bytesCopied - copiedBefore}`);
await pool.destroy();
