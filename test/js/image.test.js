// core.image and pool.image (js/families/image.js over the image kernels).
//
// Every operation runs on the core and on pools of 1, 2 and 4 threads; the
// results must be byte-identical, and equal (or, for the floating-point
// filters, within 1 per channel of) the plain-JS references of
// helpers/image-ref.js, written from the documented definitions. Then the
// edge cases the issue names (1x1, 1xN, Nx1, sigma 0 and huge, resizing to
// 1x1 and up 100x, odd sizes, alpha-0 pixels), the API's shapes (image
// objects, ImageData-like objects, bare views, dst, in place, string
// options, colours), the codecs against sharp (libvips: libspng and
// mozjpeg) as an independent decoder and encoder, decodeMany, chain()
// with zero copies, bad input, and the fallback pool.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

import sharp from 'sharp';
import { ParawasmError, PoolDestroyedError, createPool, loadCore } from '../../pkg/index.js';
import * as R from './helpers/image-ref.js';
import { runProcess } from './helpers/pool-test-utils.js';

const THREADS = [1, 2, 4];
let core;
const pools = {};

before(async () => {
  core = await loadCore();
  for (const t of THREADS) pools[t] = await createPool({ threads: t });
});

after(async () => {
  for (const t of THREADS) await pools[t]?.destroy();
});

const bytes = (v) => new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
const equalBytes = (a, b) => a.byteLength === b.byteLength && Buffer.compare(bytes(a), bytes(b)) === 0;

/** The same result, deeply: views by their bytes (and element type), the rest by value. */
function assertSame(got, want, where) {
  if (ArrayBuffer.isView(want)) {
    assert.ok(ArrayBuffer.isView(got), `${where}: a view`);
    assert.equal(got[Symbol.toStringTag], want[Symbol.toStringTag], `${where}: element type`);
    assert.ok(equalBytes(got, want), `${where}: the same bytes`);
  } else if (want !== null && typeof want === 'object') {
    assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort(), `${where}: the same fields`);
    for (const key of Object.keys(want)) assertSame(got[key], want[key], `${where}.${key}`);
  } else {
    assert.equal(got, want, where);
  }
}

/**
 * Runs `call(api)` on the core and on every pool; checks that the pools'
 * results are the core's, byte for byte; frees the pools' images; returns
 * the core's result.
 */
async function everywhere(call, label = '') {
  const base = call(core.image);
  for (const t of THREADS) {
    const r = await call(pools[t].image);
    assertSame(r, base, `${label} pool of ${t} thread${t > 1 ? 's' : ''} vs core`);
    if (r && typeof r === 'object' && 'data' in r) pools[t].image.free(r);
  }
  return base;
}

/**
 * Checks an image against a reference: the same size and channels, and
 * every byte within `tol`. For RGBA with unrounded reference values, a
 * pixel whose exact alpha lies within 1e-3 of 0.5 is skipped (whether it
 * rounds to 0, and so becomes 0,0,0,0, is a matter of rounding error).
 */
/**
 * A resize with fit 'cover' to bw x bh (README): the middle of `src` resized
 * to a whole size within a pixel of the exact covering size whose excess
 * over the box is even on both sides, cut out centred to the pixel.
 */
function assertCover(got, src, bw, bh, filter, where) {
  const c = Math.max(bw / src.width, bh / src.height);
  const near = (exact, box) => [-1, 0, 1].map((d) => Math.round(exact) + d).filter((v) => v >= box && (v - box) % 2 === 0 && Math.abs(v - exact) < 1.5);
  const tried = [];
  for (const cw of near(src.width * c, bw)) {
    for (const ch of near(src.height * c, bh)) {
      const ref = R.refCrop(R.refResize(src, cw, ch, filter), (cw - bw) / 2, (ch - bh) / 2, bw, bh);
      let worst = 0;
      for (let i = 0; i < ref.data.length; i++) worst = Math.max(worst, Math.abs(got.data[i] - ref.data[i]));
      if (got.width === bw && got.height === bh && worst <= 1) return;
      tried.push(`${cw}x${ch}: worst ${worst}`);
    }
  }
  assert.fail(`${where}: not the centred middle of a covering size with even excesses (${tried.join(', ') || 'none'})`);
}

function assertImage(got, ref, tol, where) {
  assert.equal(got.width, ref.width, `${where}: width`);
  assert.equal(got.height, ref.height, `${where}: height`);
  assert.equal(got.channels, ref.channels, `${where}: channels`);
  assert.equal(got.data.length, ref.data.length, `${where}: bytes`);
  const C = ref.channels;
  let worst = 0;
  let at = -1;
  for (let i = 0; i < ref.data.length; i++) {
    const d = Math.abs(got.data[i] - ref.data[i]);
    if (d <= worst) continue;
    if (C === 4 && ref.exact && Math.abs(ref.exact[i - (i % 4) + 3] - 0.5) < 1e-3) continue;
    worst = d;
    at = i;
  }
  assert.ok(worst <= tol, `${where}: byte ${at} (pixel ${Math.floor(at / C)}, channel ${at % C}) is ${got.data[at]}, ` +
    `the reference ${ref.data[at]}${ref.exact ? ` (exact ${ref.exact[at]})` : ''}: ${worst} apart, at most ${tol} allowed`);
}

// The test images: odd sizes, RGBA with random alpha (a quarter fully
// transparent, with random colour bytes), grey, and a larger RGBA image
// whose rows the pools split into many chunks.
const IMAGES = {
  rgba: R.makeImage(37, 23, 'alpha', 1),
  grey: R.makeImage(37, 23, 'grey', 2),
  large: R.makeImage(403, 301, 'alpha', 3),
};
const FILTERS = ['nearest', 'bilinear', 'catmull-rom', 'mitchell', 'lanczos3'];
const MATRIX = [0.393, 0.769, 0.189, 0, 0, 0.349, 0.686, 0.168, 0, 0, 0.272, 0.534, 0.131, 0, 0, 0, 0, 0, 1, 0]; // sepia
const KERNEL_5x3 = Array.from({ length: 15 }, (_, i) => (i % 4) / 3 - 0.37);

// Each case: the call on an api (core.image or pool.image), the reference,
// the tolerance (0: exact integer operations), and the images it takes.
const CASES = [
  ...FILTERS.flatMap((f) => [
    { name: `resize down ${f}`, run: (api, img) => api.resize(img, 11, 7, { filter: f }), ref: (img) => R.refResize(img, 11, 7, f), tol: f === 'nearest' ? 0 : 1 },
    { name: `resize up ${f}`, run: (api, img) => api.resize(img, 61, 40, { filter: f }), ref: (img) => R.refResize(img, 61, 40, f), tol: f === 'nearest' ? 0 : 1 },
    { name: `resize to another aspect ${f}`, run: (api, img) => api.resize(img, 50, 9, { filter: f }), ref: (img) => R.refResize(img, 50, 9, f), tol: f === 'nearest' ? 0 : 1 },
  ]),
  { name: 'resize (default lanczos3)', run: (api, img) => api.resize(img, 19, 29), ref: (img) => R.refResize(img, 19, 29, 'lanczos3'), tol: 1 },
  { name: 'resize bicubic is catmull-rom', run: (api, img) => api.resize(img, 19, 29, { filter: 'bicubic' }), ref: (img) => R.refResize(img, 19, 29, 'catmull-rom'), tol: 1 },
  ...[0.4, 1, 2.5, 6].map((s) => ({ name: `blur ${s}`, run: (api, img) => api.blur(img, s), ref: (img) => R.refBlur(img, s), tol: 1 })),
  { name: 'blur { sigma }', run: (api, img) => api.blur(img, { sigma: 1.7 }), ref: (img) => R.refBlur(img, 1.7), tol: 1 },
  ...[1, 2, 9].map((r) => ({ name: `boxBlur ${r}`, run: (api, img) => api.boxBlur(img, r), ref: (img) => R.refBoxBlur(img, r), tol: 0 })),
  { name: 'sharpen (sigma 1)', run: (api, img) => api.sharpen(img), ref: (img) => R.refUnsharp(img, 1), tol: 1 },
  { name: 'sharpen sigma, amount, threshold', run: (api, img) => api.sharpen(img, 2, { amount: 1.5, threshold: 4 }), ref: (img) => R.refUnsharp(img, 2, 1.5, 4), tol: 1 },
  { name: 'unsharp { sigma, amount }', run: (api, img) => api.unsharp(img, { sigma: 0.8, amount: 3 }), ref: (img) => R.refUnsharp(img, 0.8, 3), tol: 1 },
  { name: 'convolve edge', run: (api, img) => api.convolve(img, 'edge'), ref: (img) => R.refConvolve(img, [-1, -1, -1, -1, 8, -1, -1, -1, -1], 3, 3, 1), tol: 0 },
  { name: 'convolve emboss', run: (api, img) => api.convolve(img, 'emboss'), ref: (img) => R.refConvolve(img, [-2, -1, 0, -1, 1, 1, 0, 1, 2], 3, 3, 1), tol: 0 },
  { name: 'convolve sharpen', run: (api, img) => api.convolve(img, 'sharpen'), ref: (img) => R.refConvolve(img, [0, -1, 0, -1, 5, -1, 0, -1, 0], 3, 3, 1), tol: 0 },
  { name: 'convolve rows (auto divisor)', run: (api, img) => api.convolve(img, [[1, 2, 1], [2, 4, 2], [1, 2, 1]]), ref: (img) => R.refConvolve(img, [1, 2, 1, 2, 4, 2, 1, 2, 1], 3, 3), tol: 1 },
  { name: 'convolve { kernel } in the options', run: (api, img) => api.convolve(img, { kernel: 'emboss' }), ref: (img) => R.refConvolve(img, [-2, -1, 0, -1, 1, 1, 0, 1, 2], 3, 3, 1), tol: 0 },
  {
    name: 'convolve { kernel, kernelHeight }',
    run: (api, img) => api.convolve(img, { kernel: KERNEL_5x3, kernelHeight: 3, divisor: 0.7 }),
    ref: (img) => R.refConvolve(img, KERNEL_5x3.map(Math.fround), 5, 3, Math.fround(0.7)),
    tol: 1,
  },
  {
    name: 'convolve 5x3, divisor, bias',
    run: (api, img) => api.convolve(img, Float64Array.from(KERNEL_5x3), { kernelWidth: 5, divisor: 0.7, bias: 20 }),
    ref: (img) => R.refConvolve(img, KERNEL_5x3.map(Math.fround), 5, 3, Math.fround(0.7), 20),
    tol: 1,
  },
  { name: 'invert', run: (api, img) => api.invert(img), ref: R.refInvert, tol: 0 },
  { name: 'brightnessContrast', run: (api, img) => api.brightnessContrast(img, { brightness: -0.13, contrast: 1.4 }), ref: (img) => R.refBrightnessContrast(img, -0.13, 1.4), tol: 0 },
  { name: 'gamma', run: (api, img) => api.gamma(img, 2.2), ref: (img) => R.refGamma(img, 2.2), tol: 0 },
  {
    name: 'levels',
    run: (api, img) => api.levels(img, { inBlack: 12, inWhite: 230, gamma: 0.7, outBlack: 250, outWhite: 5 }),
    ref: (img) => R.refLevels(img, { inBlack: 12, inWhite: 230, gamma: 0.7, outBlack: 250, outWhite: 5 }),
    tol: 0,
  },
  { name: 'threshold', run: (api, img) => api.threshold(img, 97), ref: (img) => R.refThreshold(img, 97), tol: 0 },
  { name: 'threshold (128)', run: (api, img) => api.threshold(img), ref: (img) => R.refThreshold(img, 128), tol: 0 },
  { name: 'greyscale', rgbaOnly: true, run: (api, img) => api.greyscale(img), ref: R.refGreyscale, tol: 0 },
  { name: 'toGrey', rgbaOnly: true, run: (api, img) => api.toGrey(img), ref: R.refToGrey, tol: 0 },
  { name: 'toRgba', greyOnly: true, run: (api, img) => api.toRgba(img), ref: R.refToRgba, tol: 0 },
  { name: 'premultiply', rgbaOnly: true, run: (api, img) => api.premultiply(img), ref: R.refPremultiply, tol: 0 },
  { name: 'unpremultiply', rgbaOnly: true, run: (api, img) => api.unpremultiply(img), ref: R.refUnpremultiply, tol: 0 },
  // single precision in C against double here: results on an exact half may round either way
  { name: 'colorMatrix (sepia)', rgbaOnly: true, run: (api, img) => api.colorMatrix(img, MATRIX), ref: (img) => R.refColorMatrix(img, MATRIX), tol: 1 },
  {
    name: 'colorMatrix (rows, offsets)',
    rgbaOnly: true,
    run: (api, img) => api.colorMatrix(img, [[1, 0, 0, 0, 0.1], [0, 0.5, 0, 0, 0], [0, 0, 1, 0, -0.2], [0, 0, 0, 0.5, 0.25]]),
    ref: (img) => R.refColorMatrix(img, [1, 0, 0, 0, 0.1, 0, 0.5, 0, 0, 0, 0, 0, 1, 0, -0.2, 0, 0, 0, 0.5, 0.25]),
    tol: 1,
  },
  {
    // multipliers of 16 and more (the float form, in double): products near the float range's end that cancel
    name: 'colorMatrix (huge multipliers)',
    rgbaOnly: true,
    run: (api, img) => api.colorMatrix(img, [3e38, 3e38, -3e38, -3e38, 0.5, 0, 1, 0, 0, 0, 20, -20, 0.5, 0, 0.1, 0, 0, 0, 1, 0]),
    ref: (img) => R.refColorMatrix(img, [3e38, 3e38, -3e38, -3e38, 0.5, 0, 1, 0, 0, 0, 20, -20, 0.5, 0, 0.1, 0, 0, 0, 1, 0].map(Math.fround)),
    tol: 1,
  },
  { name: 'crop', run: (api, img) => api.crop(img, { left: 3, top: 5, width: 20, height: 9 }), ref: (img) => R.refCrop(img, 3, 5, 20, 9), tol: 0 },
  { name: 'crop to the end', run: (api, img) => api.crop(img, { left: 30, top: 20 }), ref: (img) => R.refCrop(img, 30, 20, img.width - 30, img.height - 20), tol: 0 },
  { name: 'flip', run: (api, img) => api.flip(img), ref: R.refFlip, tol: 0 },
  { name: 'flop', run: (api, img) => api.flop(img), ref: R.refFlop, tol: 0 },
  ...[0, 90, 180, 270].map((a) => ({ name: `rotate ${a}`, run: (api, img) => api.rotate(img, a), ref: (img) => R.refRotate(img, a), tol: 0 })),
  { name: 'rotate -90 is 270', run: (api, img) => api.rotate(img, { angle: -90 }), ref: (img) => R.refRotate(img, 270), tol: 0 },
  { name: 'rotate 450 is 90', run: (api, img) => api.rotate(img, 450), ref: (img) => R.refRotate(img, 90), tol: 0 },
  {
    name: 'extend (sides, #rrggbbaa)',
    run: (api, img) => api.extend(img, { top: 1, right: 2, bottom: 3, left: 4, background: '#11223344' }),
    ref: (img) => R.refExtend(img, { top: 1, right: 2, bottom: 3, left: 4 }, img.channels === 4 ? [0x11, 0x22, 0x33, 0x44] : [R.luma(0x11, 0x22, 0x33)]),
    tol: 0,
  },
  {
    name: 'extend (n for every side, options.bottom over it)',
    run: (api, img) => api.extend(img, 2, { bottom: 5, background: [9, 8, 7, 6] }),
    ref: (img) => R.refExtend(img, { top: 2, right: 2, bottom: 5, left: 2 }, img.channels === 4 ? [9, 8, 7, 6] : [R.luma(9, 8, 7)]),
    tol: 0,
  },
  {
    name: 'extend (n, default transparent)',
    run: (api, img) => api.extend(img, 3),
    ref: (img) => R.refExtend(img, { top: 3, right: 3, bottom: 3, left: 3 }, img.channels === 4 ? [0, 0, 0, 0] : [0]),
    tol: 0,
  },
];

describe('every operation against its reference, on the core and on pools of 1, 2 and 4 threads', () => {
  for (const c of CASES) {
    test(c.name, async () => {
      for (const [kind, img] of Object.entries(IMAGES)) {
        if ((c.rgbaOnly && img.channels !== 4) || (c.greyOnly && img.channels !== 1)) continue;
        if (kind === 'large' && c.greyOnly) continue;
        const got = await everywhere((api) => c.run(api, img), `${c.name} (${kind})`);
        assertImage(got, c.ref(img), c.tol, `${c.name} (${kind} ${img.width}x${img.height})`);
      }
    });
  }

  test('blur and sharpen of translucent and opaque pictures (the fixed-point plans) and of transparent ones', async () => {
    // alpha 20..255 everywhere: the premultiplied fixed-point plan for these sigmas; opaque: the
    // plain one; a transparent background: the float engine; a disc cut out of a transparent
    // picture: the fixed-point engine with the float one over its fringes (test_image.c checks
    // that both run). Each within 1 of the exact filter.
    const pictures = {
      translucent: R.makeImage(61, 47, 'translucent', 51),
      'translucent, large': R.makeImage(203, 151, 'translucent', 52),
      opaque: R.makeImage(61, 47, 'smooth', 53),
      transparent: R.makeImage(61, 47, 'alpha', 54),
      cutout: R.makeImage(512, 384, 'cutout', 55),
    };
    for (const [kind, img] of Object.entries(pictures)) {
      for (const s of [0.5, 1.5, 4, 9]) {
        const got = await everywhere((api) => api.blur(img, s), `blur ${s} (${kind})`);
        assertImage(got, R.refBlur(img, s), 1, `blur ${s} (${kind} ${img.width}x${img.height})`);
      }
      // sharpen with threshold 0 takes the same engine where amount times its error is small
      for (const [s, amount] of [[0.7, 1], [1.5, 0.5], [3, 2.5]]) {
        const got = await everywhere((api) => api.sharpen(img, s, { amount }), `sharpen ${s} ${amount} (${kind})`);
        assertImage(got, R.refUnsharp(img, s, amount, 0), 1, `sharpen ${s} amount ${amount} (${kind} ${img.width}x${img.height})`);
      }
    }
  });

  test('toRgba of the large grey image, and every op on a large grey image, byte-identical', async () => {
    const g = R.makeImage(403, 301, 'grey', 4);
    assertImage(await everywhere((api) => api.toRgba(g)), R.refToRgba(g), 0, 'toRgba');
    for (const c of CASES.filter((x) => !x.rgbaOnly && !x.greyOnly && /blur|resize|sharpen|convolve|rotate/.test(x.name))) {
      await everywhere((api) => c.run(api, g), c.name);
    }
  });

  test('composite: over, opacity, position (negative, partly outside)', async () => {
    const base = IMAGES.rgba;
    const over = R.makeImage(15, 12, 'alpha', 9);
    for (const [left, top, opacity] of [[0, 0, 1], [-3, 14, 0.7], [30, -5, 0.25], [40, 0, 1], [2, 2, 0]]) {
      const got = await everywhere((api) => api.composite(base, over, { left, top, opacity }), 'composite');
      assertImage(got, R.refComposite(base, over, left, top, opacity), 1, `composite at ${left},${top} opacity ${opacity}`);
    }
    const big = R.makeImage(150, 110, 'alpha', 10);
    const got = await everywhere((api) => api.composite(IMAGES.large, big, { left: 101, top: -7, opacity: 0.6 }), 'composite large');
    assertImage(got, R.refComposite(IMAGES.large, big, 101, -7, 0.6), 1, 'composite large');
    // into a dst of the pool's memory, src untouched: a tile's copy is made
    // on the calling thread, a large picture's by a kernel (16 KiB apart)
    for (const [src, o] of [[base, over], [IMAGES.large, big]]) {
      const want = R.refComposite(src, o, 5, 3, 0.5);
      for (const t of THREADS) {
        const dst = pools[t].alloc(src.data.length);
        const before = Uint8ClampedArray.from(src.data);
        const r = await pools[t].image.composite(src, o, { left: 5, top: 3, opacity: 0.5, dst });
        assert.ok(r.data === dst, 'the result is dst');
        assertImage(r, want, 1, `composite into dst, ${src.width}x${src.height}, pool of ${t}`);
        assertSame(src.data, before, 'src unchanged');
        pools[t].free(dst);
      }
    }
  });

  test('histogram and stats', async () => {
    for (const img of Object.values(IMAGES)) {
      const h = await everywhere((api) => api.histogram(img), 'histogram');
      assertSame(h, R.refHistogram(img), 'histogram');
      const s = await everywhere((api) => api.stats(img), 'stats');
      const ref = R.refStats(img);
      for (const ch of Object.keys(ref)) {
        assert.equal(s[ch].min, ref[ch].min);
        assert.equal(s[ch].max, ref[ch].max);
        assert.ok(Math.abs(s[ch].mean - ref[ch].mean) < 1e-9, `mean of ${ch}`);
      }
    }
  });
});

describe('edge cases', () => {
  const thin = {
    '1x1': R.makeImage(1, 1, 'alpha', 11),
    '1x17': R.makeImage(1, 17, 'alpha', 12),
    '17x1': R.makeImage(17, 1, 'alpha', 13),
    '1x1 grey': R.makeImage(1, 1, 'grey', 14),
    '1x9 grey': R.makeImage(1, 9, 'grey', 15),
    '9x1 grey': R.makeImage(9, 1, 'grey', 16),
  };

  test('colorMatrix: products that cancel near the 32-bit float range keep the offset; the fixed-point form is exact for halves', async () => {
    const px = { data: Uint8ClampedArray.of(255, 255, 255, 255, 10, 20, 30, 40), width: 2, height: 1 };
    const cancel = [3e38, 3e38, -3e38, -3e38, 0.5, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0];
    const halves = [0.5, 0.5, 0, 0, 0, 0, 0.25, 0.75, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0];
    for (const api of [core.image, ...THREADS.map((t) => pools[t].image)]) {
      // white: 3e38 (1 + 1 - 1 - 1) + 0.5 = 0.5 exactly, 127.5 rounded to even
      assert.deepEqual([...(await api.colorMatrix(px, cancel)).data.subarray(0, 4)], [128, 255, 255, 255]);
      // (10 + 20) / 2 = 15; 20 / 4 + 30 * 3 / 4 = 27.5 -> 28 (halves round up)
      assert.deepEqual([...(await api.colorMatrix(px, halves)).data.subarray(4, 8)], [15, 28, 30, 40]);
    }
  });

  test('1x1, 1xN and Nx1 images through every filter and geometry operation', async () => {
    for (const [name, img] of Object.entries(thin)) {
      for (const c of CASES) {
        if ((c.rgbaOnly && img.channels !== 4) || (c.greyOnly && img.channels !== 1) || /^crop|^convolve 5x3/.test(c.name)) continue;
        const got = await everywhere((api) => c.run(api, img), `${c.name} (${name})`);
        assertImage(got, c.ref(img), c.tol, `${c.name} (${name})`);
      }
    }
  });

  test('sigma 0 copies; a huge sigma on a small image', async () => {
    for (const img of [IMAGES.rgba, IMAGES.grey, thin['1x17'], thin['9x1 grey']]) {
      const same = await everywhere((api) => api.blur(img, 0), 'blur 0');
      assert.ok(equalBytes(same.data, img.data), 'blur with sigma 0 is the image');
      assert.ok(equalBytes((await everywhere((api) => api.sharpen(img, 0), 'sharpen 0')).data, img.data), 'sharpen with sigma 0');
      assert.ok(equalBytes((await everywhere((api) => api.boxBlur(img, 0), 'box 0')).data, img.data), 'box blur radius 0');
      for (const s of [300, 100000]) {
        assertImage(await everywhere((api) => api.blur(img, s), `blur ${s}`), R.refBlur(img, s), 1, `blur ${s}`);
      }
      // a radius far beyond the sides (the kernels' box blur costs grow with radius^2 on such
      // images today: 32767 takes about 20 s a call on a grey 37x23 image, so it is not run here)
      assertImage(await everywhere((api) => api.boxBlur(img, 1000), 'box 1000'), R.refBoxBlur(img, 1000), 0, 'box blur radius 1000');
    }
  });

  test('resize to 1x1, and up 100x', async () => {
    const small = R.makeImage(3, 2, 'alpha', 17);
    const smallGrey = R.makeImage(3, 2, 'grey', 18);
    for (const f of FILTERS) {
      const tol = f === 'nearest' ? 0 : 1;
      for (const img of [IMAGES.rgba, IMAGES.grey, IMAGES.large]) {
        assertImage(await everywhere((api) => api.resize(img, 1, 1, { filter: f })), R.refResize(img, 1, 1, f), tol, `${f} to 1x1`);
      }
      for (const img of [small, smallGrey]) {
        assertImage(await everywhere((api) => api.resize(img, 300, 200, { filter: f })), R.refResize(img, 300, 200, f), tol, `${f} up 100x`);
      }
    }
  });

  test('resize along a side of millions of pixels: a flat opaque image stays flat and opaque; noise within 1 of the reference', async () => {
    // millions of taps for one output value: summed in floats, the sum
    // drifted (4000037x1 -> 1x1 bilinear gave alpha 254)
    const flat = (w, h) => {
      const data = new Uint8ClampedArray(w * h * 4);
      for (let i = 0; i < data.length; i += 4) data[i] = 200, data[i + 1] = 13, data[i + 2] = 255, data[i + 3] = 255;
      return { data, width: w, height: h };
    };
    for (const [w, h] of [[4000037, 1], [1, 4000037]]) {
      const img = flat(w, h);
      for (const f of FILTERS.filter((x) => x !== 'nearest')) {
        const r = await everywhere((api) => api.resize(img, 1, 1, { filter: f }), `${w}x${h} ${f}`);
        assert.deepEqual([...r.data], [200, 13, 255, 255], `${w}x${h} -> 1x1 ${f}`);
      }
    }
    for (const [w, h, dw, dh, f] of [[2000003, 1, 1, 1, 'lanczos3'], [1, 2000003, 1, 2, 'mitchell'], [2000003, 1, 3, 1, 'bilinear']]) {
      const img = R.makeImage(w, h, 'alpha', 5);
      assertImage(await everywhere((api) => api.resize(img, dw, dh, { filter: f })), R.refResize(img, dw, dh, f), 1, `${w}x${h} -> ${dw}x${dh} ${f}`);
    }
  });

  test('blur and sharpen with a sigma past a long side\'s sixth: within 1 of the reference on the core and every pool, in memory of the side\'s size', async () => {
    // every pixel of such a side is near an edge: its weights were a table
    // of side x side floats (20000 pixels: 1.6 GB, and ERR_PW_NO_MEMORY
    // beyond); they are windows of one shared set now
    const fresh = await loadCore();
    for (const [w, h, sigma] of [[8000, 1, 20000], [1, 6000, 100000]]) {
      const img = R.makeImage(w, h, 'alpha', w + h);
      const blurred = await everywhere((api) => api.blur(img, sigma), `blur ${w}x${h} sigma ${sigma}`);
      assertImage(blurred, R.refBlur(img, sigma), 1, `blur ${w}x${h} sigma ${sigma}`);
      const sharp = await everywhere((api) => api.sharpen(img, sigma, { threshold: 1 }), `sharpen ${w}x${h} sigma ${sigma}`);
      assertImage(sharp, R.refUnsharp(img, sigma, 1, 1), 1, `sharpen ${w}x${h} sigma ${sigma}`);
      fresh.image.blur(img, sigma);
    }
    assert.ok(fresh.heapSize <= 256 * 2 ** 20, `a core's heap grew to ${fresh.heapSize} bytes`);
  });

  test('alpha 0 pixels add no colour: transparent red between opaque blue', async () => {
    // a checkerboard: opaque blue, and transparent pixels whose colour bytes are bright red
    const w = 31;
    const h = 19;
    const data = new Uint8ClampedArray(w * h * 4);
    for (let i = 0; i < w * h; i++) data.set((i % w + Math.floor(i / w)) % 2 ? [255, 0, 0, 0] : [0, 0, 255, 255], i * 4);
    const img = { data, width: w, height: h };
    const calls = [
      ...FILTERS.filter((f) => f !== 'nearest').flatMap((f) => [(api) => api.resize(img, 13, 8, { filter: f }), (api) => api.resize(img, 70, 45, { filter: f })]),
      (api) => api.blur(img, 1.3), (api) => api.blur(img, 30), (api) => api.boxBlur(img, 2), (api) => api.sharpen(img, 1, { amount: 5 }),
    ];
    for (const call of calls) {
      const out = await everywhere(call, String(call));
      for (let i = 0; i < out.width * out.height; i++) {
        const [r, g, b, a] = out.data.subarray(i * 4, i * 4 + 4);
        if (String(call).includes('sharpen')) continue; // checked below
        if (a === 0) {
          assert.deepEqual([r, g, b], [0, 0, 0], `${call}: transparent results are 0,0,0,0`);
        } else {
          assert.ok(r === 0 && g === 0 && b >= 254, `${call}: pixel ${i} is ${[r, g, b, a]}: red bled in`);
        }
      }
    }
    // nearest mixes nothing: every pixel is one of the source's, as it was
    for (const [w2, h2] of [[13, 8], [70, 45]]) {
      const out = await everywhere((api) => api.resize(img, w2, h2, { filter: 'nearest' }), 'nearest');
      for (let i = 0; i < w2 * h2; i++) {
        const px = [...out.data.subarray(i * 4, i * 4 + 4)];
        assert.ok(px.join() === '255,0,0,0' || px.join() === '0,0,255,255', `nearest pixel ${i} is ${px}`);
      }
    }
    // sharpen keeps transparent pixels as they are and never mixes their colour into the blue ones
    const s = core.image.sharpen(img, 1, { amount: 5 });
    for (let i = 0; i < w * h; i++) {
      const px = [...s.data.subarray(i * 4, i * 4 + 4)];
      assert.deepEqual(px, (i % w + Math.floor(i / w)) % 2 ? [255, 0, 0, 0] : [0, 0, 255, 255], `sharpen pixel ${i}`);
    }
  });
});

describe('the shapes of the API', () => {
  // an object shaped like the DOM's ImageData: data, width and height are getters
  class FakeImageData {
    #d;
    #w;
    #h;
    constructor(d, w, h) {
      this.#d = d;
      this.#w = w;
      this.#h = h;
    }

    get data() { return this.#d; }
    get width() { return this.#w; }
    get height() { return this.#h; }
  }

  test('ImageData-like objects, Buffers and bare views give the same results', async () => {
    const img = IMAGES.rgba;
    const want = core.image.blur(img, 1.2);
    const fake = new FakeImageData(img.data, img.width, img.height);
    assertSame(await everywhere((api) => api.blur(fake, 1.2)), want, 'ImageData-like');
    assertSame(await everywhere((api) => api.blur({ data: Buffer.from(img.data), width: 37, height: 23 }, 1.2)), want, 'a Buffer');
    assertSame(await everywhere((api) => api.blur(new Uint8Array(img.data), 1.2, { width: 37, height: 23 })), want, 'a bare view');
    assertSame(await everywhere((api) => api.blur(img.data, { sigma: 1.2, width: 37, height: 23, channels: 4 })), want, 'a bare view, sigma in the options');
    const g = IMAGES.grey;
    assertSame(await everywhere((api) => api.invert(g.data, { width: 37, height: 23, channels: 1 })), core.image.invert(g), 'a bare grey view');
    assertSame(await everywhere((api) => api.toRgba(g.data, { width: 37, height: 23 })), core.image.toRgba(g), 'toRgba takes a bare view as grey');
  });

  test('results: new images; on a pool in its memory, on the core plain arrays', async () => {
    const r = core.image.flip(IMAGES.rgba);
    assert.ok(r.data instanceof Uint8ClampedArray);
    assert.equal(core.inHeap(r.data), false);
    assert.deepEqual(Object.keys(r).sort(), ['channels', 'data', 'height', 'width']);
    const p = await pools[2].image.flip(IMAGES.rgba);
    assert.ok(p.data instanceof Uint8ClampedArray);
    assert.equal(pools[2].inHeap(p.data), true, 'a pool result lies in the pool\'s memory');
    pools[2].image.free(p);
    assert.throws(() => pools[2].free(p.data), /already freed/, 'image.free() released it');
    assert.throws(() => pools[2].image.free(p), (e) => e instanceof TypeError && /image\.free: img was already freed/.test(e.message), 'freed twice');
    // a kernel or a matrix that the JS reads itself, from memory that was freed
    for (const host of [core, pools[2]]) {
      const w = host.alloc(9 * 4, Float32Array);
      host.free(w);
      const m = host.alloc(20 * 8, Float64Array);
      host.free(m);
      const api = host.image;
      await assert.rejects(async () => api.convolve(IMAGES.rgba, w), (e) => e instanceof RangeError && /^image\.convolve: kernel is a view of memory that was freed/.test(e.message));
      await assert.rejects(async () => api.colorMatrix(IMAGES.rgba, m), (e) => e instanceof RangeError && /^image\.colorMatrix: matrix is a view of memory that was freed/.test(e.message));
      // a file's bytes that were freed: named as decode's data (on a pool they are looked for in its memory first)
      const file = host.alloc(64);
      host.free(file);
      await assert.rejects(async () => api.decode(file), (e) => e instanceof RangeError && /^image\.decode: data is a view of memory that was freed/.test(e.message));
      await assert.rejects(async () => api.decodeMany([file]), (e) => e instanceof RangeError && /^image\.decodeMany: files\[0\]: image\.decode: data is a view of memory that was freed/.test(e.message));
    }
    pools[2].image.free(IMAGES.rgba); // not the pool's: left alone
    pools[2].image.free(IMAGES.rgba.data);
    const made = pools[2].image.create(5, 3, { channels: 1 });
    assert.deepEqual([made.width, made.height, made.channels, made.data.length], [5, 3, 1, 15]);
    assert.equal(pools[2].inHeap(made.data), true);
    pools[2].image.free(made);
  });

  test('dst: in place where the kernel allows it, a view, an image; the same bytes as a new image', async () => {
    const img = IMAGES.rgba;
    const inPlace = ['blur', 'boxBlur', 'sharpen', 'convolve', 'invert', 'gamma', 'flip', 'flop', 'rotate', 'greyscale', 'premultiply', 'colorMatrix', 'threshold'];
    const args = { blur: [2], boxBlur: [2], sharpen: [1], convolve: ['emboss'], gamma: [0.5], rotate: [90], colorMatrix: [MATRIX], threshold: [50] };
    for (const name of inPlace) {
      const want = core.image[name](img, ...(args[name] ?? []));
      for (const api of [core.image, ...THREADS.map((t) => pools[t].image)]) {
        const copy = { data: img.data.slice(), width: img.width, height: img.height };
        const r = await api[name](copy, ...(args[name] ?? []), { dst: copy });
        assert.equal(r.data, copy.data, `${name}: written into src`);
        assertSame(r, want, `${name} in place`);
      }
    }
    // into a pool view of the result's size: no copy at all
    const pool = pools[2];
    const src = pool.image.create(img.width, img.height);
    src.data.set(img.data);
    const dst = pool.alloc(11 * 7 * 4);
    const before = pool.stats().bytesCopied;
    const r = await pool.image.resize(src, 11, 7, { dst });
    assert.equal(r.data, dst);
    assert.equal(pool.stats().bytesCopied, before, 'pool memory in and out: nothing copied');
    assert.ok(equalBytes(r.data, core.image.resize(img, 11, 7).data), 'resize into dst');
    // into an image object of the right shape, outside the pool
    const obj = { data: new Uint8ClampedArray(11 * 7 * 4), width: 11, height: 7 };
    assert.equal((await pool.image.resize(src, 11, 7, { dst: obj })).data, obj.data);
    assert.ok(equalBytes(obj.data, r.data), 'an image as dst');
    pool.free(dst);
    pool.image.free(src);
  });

  test('crop and rotate into options.dst (a pool view, a plain view, an image): the reference\'s pixels on the core and every pool', async () => {
    for (const img of [IMAGES.rgba, IMAGES.grey, R.makeImage(16, 16, 'alpha', 9)]) {
      const C = img.channels;
      const cases = [
        ['crop', [{ left: 3, top: 2, width: 9, height: 5 }], R.refCrop(img, 3, 2, 9, 5)],
        ['crop', [{ left: 1, top: 1 }], R.refCrop(img, 1, 1, img.width - 1, img.height - 1)],
        ...[90, 180, 270, -90].map((a) => ['rotate', [a], R.refRotate(img, ((a % 360) + 360) % 360)]),
      ];
      for (const [name, args, ref] of cases) {
        for (const [tname, t] of [['core', core], ...THREADS.map((n) => [`pool(${n})`, pools[n]])]) {
          const n = ref.width * ref.height * C;
          const targets = [['alloc()', () => t.alloc(n)], ['plain', () => new Uint8Array(n)],
            ['image', () => ({ data: new Uint8ClampedArray(n), width: ref.width, height: ref.height, channels: C })]];
          for (const [kind, make] of targets) {
            const dst = make();
            const src = t === core ? img : { ...img, data: t.alloc(img.data.length).fill(0) };
            if (src !== img) src.data.set(img.data);
            const where = `${tname} ${name}(${JSON.stringify(args)}) of ${img.width}x${img.height}x${C} into ${kind}`;
            const r = await t.image[name](src, ...args, { dst });
            const data = ArrayBuffer.isView(dst) ? dst : dst.data;
            assert.equal(r.data, data, `${where}: the result is dst's data`);
            assertImage(r, ref, 0, where);
            if (src !== img) t.free(src.data);
            if (kind === 'alloc()') t.free(dst);
          }
          // a dst of the wrong size names it, on every target
          await assert.rejects(async () => t.image[name](img, ...args, { dst: new Uint8Array(n + C) }),
            (e) => e instanceof RangeError && new RegExp(`^image\\.${name}: options\\.dst must be ${n} bytes long`).test(e.message), `${tname} ${name}`);
        }
      }
    }
  });

  test('resize that widens and shortens (columns first): the reference\'s pixels, and memory of the size of the images', async () => {
    for (const [w, h, dw, dh] of [[2, 300, 40, 5], [3, 157, 29, 3], [9, 400, 80, 13]]) {
      for (const kind of ['alpha', 'grey']) {
        const src = R.makeImage(w, h, kind, w + h);
        for (const f of ['lanczos3', 'bilinear', 'mitchell']) {
          const got = await everywhere((api) => api.resize(src, dw, dh, { filter: f }), `${w}x${h} -> ${dw}x${dh} ${f} ${kind}`);
          assertImage(got, R.refResize(src, dw, dh, f), 1, `${w}x${h} -> ${dw}x${dh} ${f} ${kind}`);
        }
      }
    }
    // rows first would keep ~30,000 rows of 2,000 filtered pixels (about 1 GB) for this one
    const fresh = await loadCore();
    const before = fresh.heapSize;
    const tall = { data: new Uint8ClampedArray(4 * 20000).fill(200), width: 1, height: 20000 };
    const out = fresh.image.resize(tall, 2000, 4);
    assert.deepEqual([out.width, out.height, out.data[0], out.data[out.data.length - 1]], [2000, 4, 200, 200]);
    assert.ok(fresh.heapSize - before < 64 << 20, `the heap grew by ${(fresh.heapSize - before) >> 20} MiB`);
  });

  test('resize to the same size is a copy, and a side that keeps its size is not filtered (Mitchell does not interpolate)', async () => {
    for (const [kind, src] of [['rgba', IMAGES.rgba], ['grey', IMAGES.grey]]) {
      const { width: w, height: h } = src;
      for (const f of ['lanczos3', 'bilinear', 'catmull-rom', 'mitchell', 'nearest']) {
        // the same size: the source's bytes, transparent pixels' colours too
        const same = await everywhere((api) => api.resize(src, w, h, { filter: f }), `${kind} ${f} same size`);
        assert.ok(equalBytes(same.data, src.data), `${kind} ${f}: resize to the same size changed the image`);
        // one side kept: that side unfiltered (the reference filters only the other)
        for (const [dw, dh] of [[w, 9], [13, h], [w, 2 * h + 1]]) {
          const got = await everywhere((api) => api.resize(src, dw, dh, { filter: f }), `${kind} ${f} ${dw}x${dh}`);
          assertImage(got, R.refResize(src, dw, dh, f), f === 'nearest' ? 0 : 1, `${kind} ${f} ${w}x${h} -> ${dw}x${dh}`);
        }
      }
      // with Mitchell, a column of a picture resized in height only is the
      // same column resized alone: no column leaks into its neighbours
      const col = (img, x) => {
        const c = img.channels, out = new Uint8ClampedArray(img.height * c);
        for (let y = 0; y < img.height; y++) for (let k = 0; k < c; k++) out[y * c + k] = img.data[(y * img.width + x) * c + k];
        return { data: out, width: 1, height: img.height, channels: c };
      };
      const tall = core.image.resize(src, w, 17, { filter: 'mitchell' });
      const one = core.image.resize(col(src, 5), 1, 17, { filter: 'mitchell' });
      assert.ok(equalBytes(col(tall, 5).data, one.data), `${kind}: Mitchell mixed columns of a height-only resize`);
    }
  });

  test('resize keeps the aspect ratio when one side is left out', async () => {
    const img = IMAGES.rgba; // 37 x 23
    assert.deepEqual(pick(await everywhere((api) => api.resize(img, 20))), [20, 12]);
    assert.deepEqual(pick(await everywhere((api) => api.resize(img, null, 10))), [16, 10]);
    assert.deepEqual(pick(await everywhere((api) => api.resize(img, undefined, 1, { filter: 'mitchell' }))), [2, 1]);
    assert.deepEqual(pick(core.image.resize(img, 1000, { filter: 'nearest' })), [1000, 622]);
    // fit 'inside': within the box; 'cover': covers it, and the middle is cut out
    for (const [kind, src] of [['rgba', img], ['grey', IMAGES.grey], ['large', IMAGES.large]]) {
      const inside = await everywhere((api) => api.resize(src, 20, 20, { fit: 'inside' }), `inside ${kind}`);
      const s = Math.min(20 / src.width, 20 / src.height);
      assertImage(inside, R.refResize(src, Math.round(src.width * s), Math.round(src.height * s)), 1, `fit inside (${kind})`);
      const cover = await everywhere((api) => api.resize(src, 20, 30, { fit: 'cover', filter: 'mitchell' }), `cover ${kind}`);
      assertCover(cover, src, 20, 30, 'mitchell', `fit cover (${kind})`);
    }
    // exact covering sizes that are whole with an odd excess (10 x 5 covering
    // 5 x 5 is exactly 10 x 5, cut 2 and 3 pixels): a size next to them
    for (const [sw, sh, bw, bh] of [[10, 5, 5, 5], [5, 10, 5, 5], [64, 32, 31, 31], [200, 100, 99, 99], [100, 100, 33, 50]]) {
      const src = R.makeImage(sw, sh, 'alpha', sw * 31 + sh);
      const cover = await everywhere((api) => api.resize(src, bw, bh, { fit: 'cover', filter: 'bilinear' }), `cover ${sw}x${sh} to ${bw}x${bh}`);
      assertCover(cover, src, bw, bh, 'bilinear', `fit cover ${sw}x${sh} to ${bw}x${bh}`);
    }
    // a cover cut to a few pixels takes the middle of the source: a vertical
    // ramp cut to one row gives the ramp's middle value
    const ramp = { data: new Uint8ClampedArray(333 * 211 * 4), width: 333, height: 211 };
    for (let y = 0; y < 211; y++) for (let x = 0; x < 333; x++) ramp.data.set([y, 255 - y, 7, 255], 4 * (y * 333 + x));
    for (const bw of [7, 9, 40]) {
      const r = await everywhere((api) => api.resize(ramp, bw, 1, { fit: 'cover', filter: 'bilinear' }), `cover ${bw}x1`);
      const mid = r.data[4 * Math.floor(bw / 2)];
      assert.ok(Math.abs(mid - 105) <= 2, `cover ${bw}x1: the row's value is ${mid}; the source's middle row is 105`);
    }
    const live = pools[2].$heap.liveBytes;
    const dst = pools[2].alloc(20 * 30 * 4);
    await pools[2].image.resize(img, 20, 30, { fit: 'cover', dst });
    pools[2].free(dst);
    assert.equal(pools[2].$heap.liveBytes, live, 'cover frees its temporary image');
    assert.deepEqual(pick(core.image.resize(img, 20, 20, { fit: 'fill' })), [20, 20]);
  });
  const pick = (r) => [r.width, r.height];

  test('colours: #rgb, #rgba, #rrggbb, [r, g, b(, a)], 0xRRGGBBAA; grey takes levels or luma', async () => {
    const img = R.makeImage(3, 2, 'alpha', 19);
    const corner = (bg) => [...core.image.extend(img, 1, { background: bg }).data.subarray(0, 4)];
    assert.deepEqual(corner('#abc'), [0xaa, 0xbb, 0xcc, 255]);
    assert.deepEqual(corner('#abcd'), [0xaa, 0xbb, 0xcc, 0xdd]);
    assert.deepEqual(corner('#A1B2C3'), [0xa1, 0xb2, 0xc3, 255]);
    assert.deepEqual(corner('#a1b2c3d4'), [0xa1, 0xb2, 0xc3, 0xd4]);
    assert.deepEqual(corner([1, 2, 3]), [1, 2, 3, 255]);
    assert.deepEqual(corner([1, 2, 3, 4]), [1, 2, 3, 4]);
    assert.deepEqual(corner(0x01020304), [1, 2, 3, 4]);
    const g = R.makeImage(3, 2, 'grey', 20);
    const gc = (bg) => core.image.extend(g, 1, { background: bg }).data[0];
    assert.equal(gc(77), 77);
    assert.equal(gc('#ffffff'), 255);
    assert.equal(gc([10, 200, 30]), R.luma(10, 200, 30));
    assert.equal(gc([99]), 99);
  });

  test('pool calls take an AbortSignal; an aborted signal rejects before anything runs', async () => {
    const pool = pools[2];
    const signal = AbortSignal.abort(new Error('stop'));
    for (const p of [
      pool.image.blur(IMAGES.rgba, 2, { signal }),
      pool.image.resize(IMAGES.rgba, 5, 5, { signal }),
      pool.image.decodeMany([pngOf(IMAGES.rgba)], { signal }),
      pool.image.chain(IMAGES.rgba, { signal }).blur(2).run(),
    ]) {
      await assert.rejects(p, (e) => e.name === 'AbortError' && e.code === 'ABORT_ERR');
    }
    assert.throws(() => core.image.blur(IMAGES.rgba, 2, { signal }), (e) => e instanceof TypeError && /unknown option "signal"/.test(e.message));
  });
});

// -------------------------------------------------------------- codecs

const sharpRaw = (img) => sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength),
  { raw: { width: img.width, height: img.height, channels: img.channels } });
const pngOf = (img) => core.image.encodePng(img);

function pngChunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(zlib.crc32(out.subarray(4, 8 + data.length)) >>> 0, 8 + data.length);
  return out;
}

/** A w x h PNG of bit depth `depth` and colour type `ctype` whose one IDAT chunk holds `idat` (CRCs right). */
function pngWith(w, h, depth, ctype, idat) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([depth, ctype, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', ihdr),
    pngChunk('IDAT', idat), pngChunk('IEND', Buffer.alloc(0))]);
}

/** A 16-bit RGBA PNG written here from the format's definition (filter 0 on every row). */
function png16(w, h, samples) {
  const stride = w * 8 + 1;
  const raw = Buffer.alloc(stride * h);
  for (let y = 0; y < h; y++) {
    for (let i = 0; i < w * 4; i++) raw.writeUInt16BE(samples[y * w * 4 + i], y * stride + 1 + 2 * i);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([16, 6, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', ihdr),
    pngChunk('IDAT', zlib.deflateSync(raw)), pngChunk('IEND', Buffer.alloc(0))]);
}

function meanAbs(a, b) {
  let s = 0;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    s += d;
    if (d > max) max = d;
  }
  return { mean: s / a.length, max };
}

test('onProgress: decoding a PNG reports nothing (the codecs report none), though its chunks\' CRCs and its Adler-32 run over megabytes', async () => {
  // noise: a 6 MB IDAT, whose CRC a pool of 2 splits in chunks and the
  // core feeds in pieces, and 6 MB of inflated rows under the Adler-32
  const img = { data: new Uint8Array(1500 * 1000 * 4), width: 1500, height: 1000 };
  let x = 7;
  for (let i = 0; i < img.data.length; i++) img.data[i] = (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24;
  const png = core.image.encodePng(img);
  assert.ok(png.length > 5e6, `a big file (${png.length} bytes)`);
  for (const [where, api] of [['core', core.image], ['pool of 2', pools[2].image]]) {
    const seen = [];
    const out = await api.decode(png, { onProgress: (d, t) => seen.push([d, t]) });
    assert.deepEqual([...out.data.subarray(0, 64)], [...img.data.subarray(0, 64)], `${where}: decoded`);
    assert.deepEqual(seen, [], `${where}: no progress reports`);
    api.free(out);
  }
});

test('onProgress: every filter that reports progress ends with (total, total) once, whatever path it takes', async () => {
  // paths that do little or nothing: an all-transparent picture (blur and
  // sharpen skip the engine), sigma or radius 0 (a copy), a same-size
  // resize, and an ordinary picture for comparison
  const W = 37;
  const H = 23;
  const clear = { data: new Uint8Array(W * H * 4), width: W, height: H };
  const photo = { data: Uint8Array.from({ length: W * H * 4 }, (_, i) => (i * 37) & 255), width: W, height: H };
  const calls = [
    ['blur of a transparent picture', (api, o) => api.blur(clear, 2, o), H],
    ['sharpen of a transparent picture', (api, o) => api.sharpen(clear, 1, o), H],
    ['blur, sigma 0', (api, o) => api.blur(photo, 0, o), H],
    ['sharpen, sigma 0', (api, o) => api.sharpen(photo, 0, o), H],
    ['boxBlur, radius 0', (api, o) => api.boxBlur(photo, 0, o), H],
    ['blur', (api, o) => api.blur(photo, 2, o), H],
    ['boxBlur', (api, o) => api.boxBlur(photo, 3, o), H],
    ['convolve', (api, o) => api.convolve(photo, 'edge', o), H],
    ['resize to the same size', (api, o) => api.resize(photo, W, H, o), H],
    ['resize', (api, o) => api.resize(photo, 11, 7, o), 7],
  ];
  for (const [what, call, rows] of calls) {
    for (const [name, api] of [['core', core.image], ['pool', pools[2].image]]) {
      const seen = [];
      const r = await call(api, { onProgress: (done, total) => seen.push([done, total]) });
      if (name === 'pool') api.free(r);
      const ends = seen.filter(([d, t]) => d === t);
      assert.deepEqual(ends, [[rows, rows]], `${name} ${what}: one end report of ${rows} rows (got ${JSON.stringify(seen)})`);
      assert.deepEqual(seen.at(-1), [rows, rows], `${name} ${what}: the end is the last report`);
    }
  }
});

describe('codecs', () => {
  const smooth = R.makeImage(123, 77, 'smooth', 21);

  test('encodePng is lossless: sharp decodes the same pixels (RGBA and grey)', async () => {
    for (const img of [IMAGES.rgba, IMAGES.grey, IMAGES.large, R.makeImage(1, 1, 'alpha', 22)]) {
      const png = await everywhere((api) => api.encodePng(img), 'encodePng');
      assert.ok(png instanceof Uint8Array);
      const meta = await sharp(png).metadata();
      assert.deepEqual([meta.format, meta.width, meta.height, meta.channels], ['png', img.width, img.height, img.channels]);
      // (sharp expands grey to RGB unless asked for one channel)
      const back = await (img.channels === 1 ? sharp(png).extractChannel(0) : sharp(png)).raw().toBuffer();
      assert.ok(equalBytes(back, img.data), 'the same pixels');
      assertSame(await everywhere((api) => api.decode(png, { channels: img.channels })), { ...img, data: Uint8ClampedArray.from(img.data) }, 'decode(encodePng(img))');
      assertSame(await everywhere((api) => api.encode(img)), png, 'encode() is PNG by default');
    }
  });

  test('decode reads the PNGs sharp writes: RGBA, RGB, grey, grey + alpha, palette, interlaced; 16-bit cut to 8', async () => {
    const img = R.makeImage(45, 31, 'alpha', 23);
    const rgba = await sharpRaw(img).png().toBuffer();
    assertSame((await everywhere((api) => api.decode(rgba))).data, Uint8ClampedArray.from(img.data), 'RGBA');
    const rgb = await sharpRaw(img).removeAlpha().png().toBuffer();
    const rgbWant = Uint8ClampedArray.from(img.data, (v, i) => (i % 4 === 3 ? 255 : v));
    assertSame((await everywhere((api) => api.decode(rgb))).data, rgbWant, 'RGB (alpha 255)');
    assert.deepEqual(core.image.info(rgb), { width: 45, height: 31, channels: 3, format: 'png' });
    const grey = R.makeImage(45, 31, 'grey', 24);
    const g = await sharpRaw(grey).png().toBuffer();
    assertSame((await everywhere((api) => api.decode(g, { channels: 1 }))).data, Uint8ClampedArray.from(grey.data), 'grey');
    assertSame((await everywhere((api) => api.decode(g))).data, R.refToRgba(grey).data, 'grey as RGBA');
    const ga = await sharpRaw(img).toColourspace('b-w').png().toBuffer();
    assert.equal(core.image.info(ga).channels, 2);
    const gaWant = await sharp(ga).raw().toBuffer({ resolveWithObject: true }); // grey and alpha, expanded to RGBA by sharp
    assert.equal(gaWant.info.channels, 4);
    assertSame((await everywhere((api) => api.decode(ga))).data, Uint8ClampedArray.from(gaWant.data), 'grey + alpha');
    const pal = await sharpRaw(smooth).png({ palette: true, colours: 20 }).toBuffer();
    assertSame((await everywhere((api) => api.decode(pal))).data, Uint8ClampedArray.from(await sharp(pal).ensureAlpha().raw().toBuffer()), 'palette');
    const inter = await sharpRaw(img).png({ progressive: true }).toBuffer();
    assertSame((await everywhere((api) => api.decode(inter))).data, Uint8ClampedArray.from(img.data), 'interlaced (Adam7)');
    const next = R.rng(25);
    const samples = Uint16Array.from({ length: 7 * 5 * 4 }, () => next() & 0xffff);
    assertSame((await everywhere((api) => api.decode(png16(7, 5, samples)))).data, Uint8ClampedArray.from(samples, (v) => v >> 8), '16-bit');
    // grey from colour: the Rec. 709 luma of toGrey and greyscale, not stb_image's own
    const fromColour = await everywhere((api) => api.decode(rgb, { channels: 1 }));
    assertSame(fromColour.data, Uint8ClampedArray.from(R.refToGrey(img).data), 'grey decode of RGB');
    assertSame(fromColour.data, core.image.toGrey(core.image.decode(rgb)).data, 'decode({ channels: 1 }) = toGrey(decode())');
  });

  test('decode reads the JPEGs sharp writes: within 2 of libjpeg\'s pixels (baseline, progressive, 4:4:4, grey)', async () => {
    for (const opts of [{ quality: 90 }, { quality: 95, chromaSubsampling: '4:4:4' }, { quality: 75, progressive: true }, { quality: 80, mozjpeg: true }]) {
      const jpg = await sharpRaw(smooth).removeAlpha().jpeg(opts).toBuffer();
      const got = await everywhere((api) => api.decode(jpg), 'decode jpeg');
      const want = await sharp(jpg).ensureAlpha().raw().toBuffer();
      const d = meanAbs(got.data, want);
      // two correct decoders differ only in IDCT and upsampling rounding
      assert.ok(d.max <= 3 && d.mean < 0.2, `${JSON.stringify(opts)}: max ${d.max}, mean ${d.mean}`);
      assert.deepEqual(core.image.info(jpg), { width: 123, height: 77, channels: 3, format: 'jpeg' });
    }
    const gj = await sharpRaw(smooth).removeAlpha().toColourspace('b-w').jpeg({ quality: 90 }).toBuffer();
    assert.equal(core.image.info(gj).channels, 1);
    const d = meanAbs((await everywhere((api) => api.decode(gj, { channels: 1 }))).data, await sharp(gj).toColourspace('b-w').raw().toBuffer());
    assert.ok(d.max <= 3 && d.mean < 0.2, `grey JPEG: max ${d.max}, mean ${d.mean}`);
  });

  test('encodeJpeg: sharp reads it; the error falls as quality rises; alpha is ignored; grey', async () => {
    let lastMean = Infinity;
    let lastSize = 0;
    for (const q of [30, 75, 90, 100]) {
      const jpg = await everywhere((api) => api.encodeJpeg(smooth, q), `encodeJpeg ${q}`);
      assertSame(await pools[2].image.encode(smooth, { format: 'jpeg', quality: q }), jpg, 'encode({ format: jpeg })');
      const meta = await sharp(jpg).metadata();
      assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', 123, 77]);
      const back = await sharp(jpg).ensureAlpha().raw().toBuffer();
      const d = meanAbs(back, smooth.data);
      assert.ok(d.mean < lastMean && jpg.length > lastSize, `quality ${q}: mean error ${d.mean}, ${jpg.length} bytes`);
      assert.ok(d.mean < (q >= 90 ? 1.5 : 4), `quality ${q}: mean error ${d.mean}`);
      lastMean = d.mean;
      lastSize = jpg.length;
    }
    assertSame(core.image.encodeJpeg(smooth), core.image.encodeJpeg(smooth, { quality: 90 }), 'default quality 90');
    const seeThrough = { ...smooth, data: smooth.data.map((v, i) => (i % 4 === 3 ? 0 : v)) };
    assertSame(core.image.encodeJpeg(seeThrough), core.image.encodeJpeg(smooth), 'alpha ignored');
    const grey = core.image.toGrey(smooth);
    const gj = await everywhere((api) => api.encodeJpeg(grey, 95), 'grey JPEG');
    const d = meanAbs(await sharp(gj).toColourspace('b-w').raw().toBuffer(), grey.data);
    assert.ok(d.mean < 1.5, `grey JPEG mean error ${d.mean}`);
  });

  test('corrupt, truncated and foreign files are ERR_PW_BAD_FORMAT errors naming the problem, never a crash', async () => {
    const png = pngOf(IMAGES.large);
    const jpg = core.image.encodeJpeg(IMAGES.large, 80);
    const bad = [
      ['empty', new Uint8Array(0)],
      ['text', Buffer.from('not an image at all')],
      ['PNG signature only', png.subarray(0, 8)],
      ['PNG header only', png.subarray(0, 33)],
      ['PNG cut in half', png.subarray(0, png.length >> 1)],
      ['PNG without its last byte', png.subarray(0, png.length - 1)],
      ['PNG with a flipped IDAT byte', Uint8Array.from(png, (v, i) => (i === 100 ? v ^ 0x10 : v))],
      ['PNG with a flipped IHDR size', Uint8Array.from(png, (v, i) => (i === 18 ? v ^ 0x01 : v))],
      ['JPEG markers only', jpg.subarray(0, 4)],
      ['JPEG cut in half', jpg.subarray(0, jpg.length >> 1)],
      ['JPEG without its end', jpg.subarray(0, jpg.length - 2)],
    ];
    for (const [what, file] of bad) {
      const check = (e) => {
        assert.ok(e instanceof ParawasmError, `${what}: a ParawasmError (got ${e})`);
        assert.equal(e.code, 'ERR_PW_BAD_FORMAT', `${what}: ${e.message}`);
        assert.match(e.message, /^image\.(decode|info) failed: \S/, what);
        return true;
      };
      assert.throws(() => core.image.decode(file), check);
      assert.throws(() => core.image.info(file), check);
      for (const t of THREADS) await assert.rejects(pools[t].image.decode(file), check);
    }
    // damage inside a JPEG's entropy-coded data cannot be detected: damaged pixels, or an error; never a crash
    for (let at = 700; at < jpg.length - 10; at += 997) {
      const hurt = Uint8Array.from(jpg, (v, i) => (i === at ? v ^ 0x5a : v));
      for (const api of [core.image, pools[2].image]) {
        try {
          const r = await api.decode(hurt);
          assert.equal(r.width, IMAGES.large.width);
        } catch (e) {
          assert.equal(e.code, 'ERR_PW_BAD_FORMAT', e.message);
        }
      }
    }
    // damage in a JPEG's tables: the JPEG decoder's reason, never another format's
    const tiny = await sharp({ create: { width: 1, height: 1, channels: 3, background: { r: 10, g: 200, b: 30 } } })
      .jpeg({ chromaSubsampling: '4:4:4' }).toBuffer();
    const sos = tiny.indexOf(Buffer.from([0xff, 0xda]));
    let failed = 0;
    for (let at = 2; at < sos; at++) {
      const hurt = Uint8Array.from(tiny, (v, i) => (i === at ? 0 : v));
      try {
        core.image.decode(hurt);
      } catch (e) {
        failed++;
        assert.ok(e instanceof ParawasmError, `byte ${at}: ${e}`);
        assert.doesNotMatch(e.message, /png sig|not PNG|IHDR|corrupt PNG/i, `byte ${at}: a PNG decoder's reason`);
        assert.match(e.message, /JPEG|data is/, `byte ${at}`);
      }
    }
    assert.ok(failed > 10, `${failed} damaged headers refused`);
    assertSame(await pools[2].image.decode(png), core.image.decode(png), 'the pools still work');
  });

  test('JPEG entropy-coded data: cut short and closed with EOI, scans repeated, restart markers missing or with data before them: ERR_PW_BAD_FORMAT', async () => {
    // stb_image reads zeros past the end of a scan's data and ends a scan
    // silently where a restart marker is missing, so each of these decoded
    // to grey blocks without an error before the scans were read through
    // (src/kernels/image/jpeg_scan.c). Fixtures by libjpeg's cjpeg:
    // restart markers every MCU row; progressive with restarts every 3 blocks
    const fixture = (name) => fs.readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
    const files = {
      baseline: Buffer.from(core.image.encodeJpeg(IMAGES.large, 80)),
      progressive: await sharpRaw(IMAGES.large).removeAlpha().jpeg({ quality: 80, progressive: true, mozjpeg: true }).toBuffer(),
      'restart rows': fixture('restart-rows.jpg'),
      'progressive, restarts': fixture('progressive-restart.jpg'),
    };
    const bad = (what) => (e) => {
      assert.ok(e instanceof ParawasmError, `${what}: a ParawasmError (got ${e})`);
      assert.equal(e.code, 'ERR_PW_BAD_FORMAT', `${what}: ${e.message}`);
      return true;
    };
    const EOI = Buffer.from([0xff, 0xd9]);
    for (const [name, jpg] of Object.entries(files)) {
      // the whole file decodes, within 3 of libjpeg
      const d = meanAbs(core.image.decode(jpg).data, await sharp(jpg).ensureAlpha().raw().toBuffer());
      assert.ok(d.max <= 3, `${name}: max ${d.max} off libjpeg`);
      const first = jpg.indexOf(Buffer.from([0xff, 0xda]));
      let refused = 0;
      let tried = 0;
      for (let cut = first + 20; cut < jpg.length - 2; cut += Math.max(1, Math.floor((jpg.length - first) / 40))) {
        const file = Buffer.concat([jpg.subarray(0, cut), EOI]);
        tried++;
        try {
          core.image.decode(file);
          // only a progressive file cut where a scan ends is whole: fewer scans, each complete
          assert.ok(name.startsWith('progressive') && jpg[cut] === 0xff && jpg[cut + 1] !== 0, `${name} cut at ${cut} + EOI decoded`);
        } catch (e) {
          bad(`${name} cut at ${cut}`)(e);
          refused++;
        }
      }
      assert.ok(refused >= tried - 2, `${name}: ${refused} of ${tried} cuts refused`);
      const cut = jpg.length - 40;
      const file = Buffer.concat([jpg.subarray(0, cut), EOI]);
      for (const t of THREADS) await assert.rejects(pools[t].image.decode(file), bad(`${name} on a pool of ${t}`));
    }
    // restart markers: one missing, and a byte of data before one
    const rst = files['restart rows'];
    const at = rst.indexOf(Buffer.from([0xff, 0xd1]));
    assert.ok(at > 0);
    assert.throws(() => core.image.decode(Buffer.concat([rst.subarray(0, at), rst.subarray(at + 2)])), bad('a restart marker removed'));
    assert.throws(() => core.image.decode(Buffer.concat([rst.subarray(0, at), Buffer.from([0x55]), rst.subarray(at)])),
      (e) => bad('a byte before a restart marker')(e) && /restart interval 2 of the scan at byte \d+ has data after its last block/.test(e.message));
    // a scan repeated: in a progressive file (libjpeg: "inconsistent progression
    // sequence"; a small file of thousands of repeats held a thread for seconds),
    // and in a sequential one
    const scans = (jpg) => {
      const out = [];
      for (let i = jpg.indexOf(Buffer.from([0xff, 0xda])); i >= 0; i = jpg.indexOf(Buffer.from([0xff, 0xda]), i + 2)) out.push(i);
      return out;
    };
    const prog = files.progressive;
    const ps = scans(prog);
    assert.ok(ps.length >= 4, `${ps.length} scans`);
    const again = (jpg, from, to) => Buffer.concat([jpg.subarray(0, to), jpg.subarray(from, to), jpg.subarray(to)]);
    assert.throws(() => core.image.decode(again(prog, ps[2], ps[3])),
      (e) => bad('a progressive scan twice')(e) && /progressive scan at byte \d+ repeats or skips bits of coefficient/.test(e.message));
    const eoi = files.baseline.lastIndexOf(EOI);
    const bs = scans(files.baseline);
    await assert.rejects(pools[2].image.decode(again(files.baseline, bs[0], eoi)),
      (e) => bad('a sequential scan twice')(e) && /component \d+ is in a second scan/.test(e.message));
  });

  test('a 4:2:2 JPEG (chroma halved across): the last columns take their own colour (stb_image 2.27 swapped two weights there)', async () => {
    // 30x8 stripes of two red and two blue columns, 4:2:2 by cjpeg (-sample 2x1)
    const jpg = fs.readFileSync(new URL('./fixtures/stripes-422.jpg', import.meta.url));
    const got = await everywhere((api) => api.decode(jpg), '4:2:2');
    const want = await sharp(jpg).ensureAlpha().raw().toBuffer();
    const d = meanAbs(got.data, want);
    assert.ok(d.max <= 3, `max ${d.max} off libjpeg`);
    for (let y = 0; y < 8; y++) {
      const i = (y * 30 + 28) * 4; // column 28: red (its chroma sample's right neighbour is blue)
      assert.ok(got.data[i] > 150 && got.data[i + 2] < 80, `row ${y}, column 28: ${got.data.subarray(i, i + 3)}`);
    }
  });

  test('a PNG whose image data changed, its chunks\' CRCs made right again, is refused by its zlib stream\'s Adler-32', async () => {
    // 37 x 5 RGBA, filter 0 on every row, in a zlib stream of stored
    // blocks (level 0: a byte of data changed still inflates)
    const w = 37, h = 5;
    const raw = Buffer.alloc((w * 4 + 1) * h);
    for (let i = 0; i < raw.length; i++) raw[i] = i % (w * 4 + 1) === 0 ? 0 : (i * 7) & 255;
    const z = zlib.deflateSync(raw, { level: 0 });
    const pixels = (rows) => Uint8ClampedArray.from({ length: w * 4 * h }, (_, i) => rows[(i / (w * 4) | 0) * (w * 4 + 1) + 1 + (i % (w * 4))]);
    const apis = [core.image, ...THREADS.map((t) => pools[t].image)];
    for (const api of apis) assertSame((await api.decode(pngWith(w, h, 8, 6, z))).data, pixels(raw), 'the stream as written');
    const cases = [];
    for (const at of [8, 100, z.length - 5]) { // a data byte: the stream's first, one inside, its last (just before the Adler-32)
      const hurt = Buffer.from(z);
      hurt[at] ^= 0x21;
      cases.push([`data byte ${at} changed`, hurt, /^image\.decode failed: corrupt PNG: the image data's Adler-32 is [0-9a-f]{8}, its zlib stream says [0-9a-f]{8}$/]);
    }
    const adler = z.subarray(z.length - 4);
    const other = Buffer.from(adler);
    other[3] ^= 1;
    cases.push(['its Adler-32 changed', Buffer.concat([z.subarray(0, z.length - 4), other]), new RegExp(`says ${other.toString('hex')}$`)]);
    for (const cut of [1, 3, 4]) {
      cases.push([`its Adler-32 cut by ${cut}`, z.subarray(0, z.length - cut), /^image\.decode failed: truncated PNG: the image data ends without its Adler-32$/]);
    }
    for (const cut of [5, 6, 9]) { // into the last stored block's data: its last bytes would be the zeros after the copy
      cases.push([`cut by ${cut}`, z.subarray(0, z.length - cut), /^image\.decode failed: truncated PNG: the image data ends inside its zlib stream's compressed data$/]);
    }
    for (const cinfo of [8, 15]) { // a window over 32 KiB (RFC 1950 allows at most CINFO 7), FCHECK made right
      const w = Buffer.from(z);
      w[0] = (cinfo << 4) | 8;
      w[1] = (w[1] & 0xe0) | (31 - ((w[0] * 256 + (w[1] & 0xe0)) % 31)) % 31;
      cases.push([`CINFO ${cinfo}`, w, new RegExp(`^image\\.decode failed: corrupt PNG: the image data's zlib header declares a window of 2\\^${cinfo + 8} bytes \\(at most 2\\^15\\)$`)]);
    }
    for (const [what, idat, message] of cases) {
      const file = pngWith(w, h, 8, 6, idat);
      for (const api of apis) {
        await assert.rejects(async () => api.decode(file), (e) => {
          assert.equal(e.code, 'ERR_PW_BAD_FORMAT', `${what}: ${e.message}`);
          assert.match(e.message, message, what);
          return true;
        });
      }
    }
    // bytes after the Adler-32 are not read
    const extra = pngWith(w, h, 8, 6, Buffer.concat([z, Buffer.from([1, 2, 3])]));
    assertSame(core.image.decode(extra).data, pixels(raw), 'bytes after the stream');
  });

  test('a small file that declares a huge image is refused before anything is allocated; the densest deflate still decodes', async () => {
    // [what, file]: a few bytes of data under headers of big images (each
    // under the pixel limit), the data bounds' message
    const jpg = Buffer.from(core.image.encodeJpeg(IMAGES.rgba, 80));
    const sof = jpg.indexOf(Buffer.from([0xff, 0xc0]));
    const jpgBomb = Buffer.from(jpg);
    jpgBomb.writeUInt16BE(11000, sof + 5);
    jpgBomb.writeUInt16BE(11000, sof + 7);
    const bombs = [
      ['PNG 11585x11585 16-bit RGBA in 4 bytes of zlib', pngWith(11585, 11585, 16, 6, zlib.deflateSync(Buffer.alloc(4)))],
      ['PNG 10000x10000 grey in 50 KB of a zlib stream of zeros', pngWith(10000, 10000, 8, 0, zlib.deflateSync(Buffer.alloc(1e8), { level: 1 }).subarray(0, 5e4))],
      [`JPEG 11000x11000 in ${jpg.length} bytes`, jpgBomb],
    ];
    const heapBefore = pools[2].stats().heapSize;
    for (const [what, file] of bombs) {
      const check = (e) => {
        assert.ok(e instanceof ParawasmError, `${what}: a ParawasmError (got ${e})`);
        assert.equal(e.code, 'ERR_PW_BAD_FORMAT', `${what}: ${e.message}`);
        assert.match(e.message, /cannot hold the \d+x\d+ pixels its header declares/, what);
        return true;
      };
      assert.throws(() => core.image.info(file), check);
      assert.throws(() => core.image.decode(file), check);
      for (const t of THREADS) await assert.rejects(pools[t].image.decode(file), check);
      await assert.rejects(pools[2].image.decodeMany([file, file, file, file]), check);
    }
    assert.equal(pools[2].stats().heapSize, heapBefore, 'the pool\'s memory did not grow');
    // zlib's densest stream (level 9, zeros: close to deflate's 1032 to 1)
    // under the bound: a 6000x4000 grey picture and a 1-bit 16000x8000 one
    for (const [w, h, depth] of [[6000, 4000, 8], [16000, 8000, 1]]) {
      const raw = Buffer.alloc(h * (Math.ceil((w * depth) / 8) + 1));
      const file = pngWith(w, h, depth, 0, zlib.deflateSync(raw, { level: 9 }));
      assert.ok(raw.length / file.length > 1000, `${w}x${h}: ${raw.length / file.length} to 1`);
      const got = core.image.decode(file, { channels: 1 });
      assert.deepEqual([got.width, got.height, got.data.every((v) => v === 0)], [w, h, true], `${w}x${h} ${depth}-bit zeros`);
    }
  });

  test('decodeMany decodes many files at once across the pool\'s threads', async () => {
    const files = [];
    const want = [];
    for (let i = 0; i < 24; i++) {
      const img = R.makeImage(40 + i * 7, 30 + (i % 5) * 11, i % 3 ? 'smooth' : 'alpha', 30 + i);
      const file = i % 2 ? core.image.encodeJpeg(img, 70 + i) : pngOf(img);
      files.push(file);
      want.push(core.image.decode(file));
    }
    for (const t of THREADS) {
      const pool = pools[t];
      const got = await pool.image.decodeMany(files);
      assert.equal(got.length, 24);
      got.forEach((g, i) => assertSame(g, want[i], `file ${i}`));
      for (const g of got) pool.image.free(g);
      // from the pool's memory: no copy
      const inPool = files.map((f) => {
        const v = pool.alloc(f.length);
        v.set(f);
        return v;
      });
      const before = pool.stats().bytesCopied;
      const again = await pool.image.decodeMany(inPool, { channels: 1 });
      assert.equal(pool.stats().bytesCopied, before, 'files in pool memory are read in place');
      again.forEach((g, i) => assertSame(g, core.image.decode(files[i], { channels: 1 }), `grey file ${i}`));
      for (const g of again) pool.image.free(g);
      for (const v of inPool) pool.free(v);
    }
    assertSame(core.image.decodeMany(files.slice(0, 3)), want.slice(0, 3), 'on the core, one after the other');
    // one bad file: the error names it, and the images already made are freed
    const pool = pools[4];
    const live = pool.$heap.liveBytes;
    const withBad = [...files.slice(0, 5), files[6].subarray(0, 50), ...files.slice(7, 12)];
    await assert.rejects(pool.image.decodeMany(withBad), (e) => e.code === 'ERR_PW_BAD_FORMAT' && e.index === 5 &&
      /^image\.decodeMany: files\[5\]: image\.decode failed: /.test(e.message));
    assert.equal(pool.$heap.liveBytes, live, 'no image of the failed call is left allocated');
    // an entry that is not a file's bytes: its index too (it had none)
    for (const api of [core.image, pool.image]) {
      await assert.rejects(async () => api.decodeMany([files[0], 42]), (e) => e instanceof TypeError && e.index === 1 &&
        /^image\.decodeMany: files\[1\] must be the file's bytes/.test(e.message));
    }
  });
});

describe('chain(): a pipeline in the pool\'s memory', () => {
  test('decode -> resize -> sharpen -> encodeJpeg copies nothing and frees every image between steps', async () => {
    const photo = R.makeImage(640, 480, 'smooth', 40);
    const png = pngOf(photo);
    const want = core.image.encodeJpeg(core.image.sharpen(core.image.resize(core.image.decode(png), 160), 0.8, { amount: 0.6 }), 82);
    assertSame(core.image.chain(png).resize(160).sharpen(0.8, { amount: 0.6 }).encodeJpeg(82), want, 'the chain on the core');
    for (const t of THREADS) {
      const pool = pools[t];
      const file = pool.alloc(png.length); // a file read straight into pool memory
      file.set(png);
      const live = pool.$heap.liveBytes;
      const copied = pool.stats().bytesCopied;
      const jpg = await pool.image.chain(file).resize(160).sharpen(0.8, { amount: 0.6 }).encodeJpeg(82);
      assert.equal(pool.stats().bytesCopied, copied, 'bytesCopied did not move: zero copies from file to JPEG');
      assert.equal(pool.$heap.liveBytes, live, 'every image the chain made is freed');
      assertSame(jpg, want, `the same JPEG as the core (${t} threads)`);
      const meta = await sharp(jpg).metadata();
      assert.deepEqual([meta.width, meta.height], [160, 120]);
      // run() hands the last image to the caller
      const img = await pool.image.chain(file).resize(160).toGrey().run();
      assert.equal(pool.inHeap(img.data), true);
      assert.equal(pool.$heap.liveBytes, live + 160 * 120);
      pool.image.free(img);
      assert.equal(pool.$heap.liveBytes, live);
      pool.free(file);
    }
  });

  test('a failing step rejects and frees what the chain made; an image input is never freed', async () => {
    const pool = pools[2];
    const src = pool.image.create(50, 40);
    const live = pool.$heap.liveBytes;
    await assert.rejects(pool.image.chain(src).blur(2).crop({ left: 45, width: 10 }).run(), (e) => e instanceof RangeError && /rect\.left/.test(e.message));
    assert.equal(pool.$heap.liveBytes, live, 'the blurred image was freed');
    assert.equal(pool.inHeap(src.data), true, 'the input is still the caller\'s');
    await assert.rejects(pool.image.chain(src).blur(1, { dst: src }).run(), /not taken in a chain/);
    const h = await pool.image.chain(src).invert().histogram();
    assert.equal(h.r[255], 50 * 40);
    pool.image.free(src);
  });
});

test('the methods that run no kernel themselves (create, chain) throw at once on the pool too, listing only the options they take', () => {
  for (const [api, calls] of [[core.image, ''], [pools[2].image, ', signal']]) {
    const img = IMAGES.rgba;
    assert.throws(() => api.create(2, 2, { onProgress() {} }), { name: 'TypeError', message: 'image.create: unknown option "onProgress" (the options are: channels)' });
    assert.throws(() => api.chain(img, { foo: 1 }), { name: 'TypeError', message: `image.chain: unknown option "foo" (the options are: channels, width, height${calls})` });
    assert.throws(() => api.chain(img, { onProgress() {} }), { name: 'TypeError', message: /^image\.chain: options\.onProgress is not taken by a chain/ });
    assert.throws(() => api.chain(null), { name: 'TypeError', message: /^image\.chain: input must be an image \{ data, width, height\[, channels\] \}, or a PNG or JPEG file's bytes .* \(got null\)$/ });
  }
  // a signal that is none: at once, naming chain (it was the first step's error, and a chain without steps took it)
  for (const bad of [5, 'x', null, {}]) {
    assert.throws(() => pools[2].image.chain(IMAGES.rgba, { signal: bad }), { name: 'TypeError', message: /^image\.chain: options\.signal must be an AbortSignal \(got / });
  }
});

test('an optional main argument given as undefined before the options is left out (its default, or the options\' own)', async () => {
  const img = IMAGES.rgba;
  const same = (a, b, what) => assert.deepEqual([...a.data], [...b.data], what);
  for (const [where, api] of [['core', core.image], ['pool', pools[2].image]]) {
    const sigma = undefined;
    same(await api.sharpen(img, sigma, { amount: 2 }), await api.sharpen(img, 1, { amount: 2 }), `${where}: sharpen`);
    same(await api.unsharp(img, sigma, { amount: 2 }), await api.unsharp(img, 1, { amount: 2 }), `${where}: unsharp`);
    same(await api.sharpen(img, undefined, { sigma: 2 }), await api.sharpen(img, 2), `${where}: sharpen, sigma in the options`);
    same(await api.threshold(img, undefined, {}), await api.threshold(img, 128), `${where}: threshold`);
    const jpeg = await api.encodeJpeg(img, undefined, {});
    assert.deepEqual([...jpeg], [...await api.encodeJpeg(img)], `${where}: encodeJpeg`);
    const bare = await api.encodeJpeg(img.data, undefined, { width: img.width, height: img.height });
    assert.deepEqual([...bare], [...jpeg], `${where}: encodeJpeg of a bare view`);
  }
  const chained = await pools[2].image.chain(img).sharpen(undefined, { amount: 2 }).run();
  same(chained, await pools[2].image.sharpen(img, 1, { amount: 2 }), 'chain: sharpen');
});

describe('bad input: typed errors naming the argument', () => {
  const img = IMAGES.rgba;
  const detached = (n) => {
    const v = new Uint8Array(n);
    structuredClone(v.buffer, { transfer: [v.buffer] });
    return v;
  };
  const cases = [
    ['data length not width*height*4', (api) => api.blur({ data: new Uint8Array(99), width: 5, height: 5 }, 1), RangeError, /src\.data must be 100 bytes long/],
    ['non-integer width', (api) => api.blur({ data: new Uint8Array(100), width: 2.5, height: 10 }, 1), RangeError, /src\.width must be an integer/],
    ['zero height', (api) => api.invert({ data: new Uint8Array(0), width: 4, height: 0 }), RangeError, /src\.height must be an integer from 1/],
    ['width as a string', (api) => api.flip({ data: new Uint8Array(16), width: '2', height: 2 }), TypeError, /src\.width must be a number/],
    ['data of floats', (api) => api.flip({ data: new Float32Array(16), width: 2, height: 2 }), TypeError, /src\.data must be a Uint8Array/],
    ['not an image', (api) => api.flip('picture.png'), TypeError, /src must be an image/],
    ['a bare view without its size', (api) => api.flip(new Uint8Array(16)), TypeError, /options\.width and options\.height/],
    ['a size beside an image', (api) => api.flip(img, { width: 37 }), TypeError, /options\.width is for a bare view/],
    ['bad channels', (api) => api.flip({ data: new Uint8Array(12), width: 2, height: 2, channels: 3 }), RangeError, /src\.channels must be 4 \(RGBA\) or 1/],
    ['resize in place', (api) => api.resize(img, 37, 23, { dst: img }), RangeError, /options\.dst overlaps src; resize cannot work in place/],
    ['a dst that is a part of src', (api) => {
      const buf = new Uint8ClampedArray(img.data.length + 4);
      const s = { data: buf.subarray(0, img.data.length), width: 37, height: 23 };
      return api.blur(s, 1, { dst: buf.subarray(4) });
    }, RangeError, /options\.dst overlaps src; it may be src itself/],
    ['a dst of the wrong size', (api) => api.blur(img, 1, { dst: new Uint8Array(10) }), RangeError, /options\.dst must be 3404 bytes long/],
    ['a dst image of another shape', (api) => api.blur(img, 1, { dst: { data: new Uint8Array(3404), width: 23, height: 37 } }), RangeError, /options\.dst is 23 x 37/],
    ['an unknown option', (api) => api.blur(img, 1, { radius: 3 }), TypeError, /unknown option "radius"/],
    ['sigma missing', (api) => api.blur(img), TypeError, /sigma must be a number \(got undefined\)/],
    ['sigma negative', (api) => api.blur(img, -1), RangeError, /sigma must be a number from 0 to 100000/],
    ['sigma NaN', (api) => api.blur(img, NaN), RangeError, /sigma/],
    ['an unknown fit', (api) => api.resize(img, 5, 5, { fit: 'contain' }), RangeError, /options\.fit must be 'fill', 'inside' or 'cover'/],
    ['an unknown filter', (api) => api.resize(img, 5, 5, { filter: 'lanczos5' }), RangeError, /options\.filter must be one of 'nearest'/],
    ['a filter number', (api) => api.resize(img, 5, 5, { filter: 4 }), TypeError, /options\.filter/],
    ['no size for resize', (api) => api.resize(img), TypeError, /the new width, the new height, or both/],
    ['resize to 0', (api) => api.resize(img, 0, 5), RangeError, /width must be an integer from 1/],
    ['a kept aspect ratio past the largest side', (api) => api.resize({ data: new Uint8Array(4 * 1000), width: 1, height: 1000 }, 20000),
      RangeError, /the result would be 20000 x 20000000; a side is at most 16777216/],
    ['a kept aspect ratio past the largest side (width)', (api) => api.resize({ data: new Uint8Array(4 * 1000), width: 1000, height: 1 }, null, 17000),
      RangeError, /the result would be 17000000 x 17000/],
    ['rotate by 45', (api) => api.rotate(img, 45), RangeError, /multiple of 90/],
    ['an angle given twice', (api) => api.rotate(img, 90, { angle: 180 }), TypeError, /angle is given twice, as an argument \(90\) and as options\.angle \(number 180\)/],
    ['a sigma given twice', (api) => api.blur(img, 1, { sigma: 2 }), TypeError, /sigma is given twice/],
    ['crop outside', (api) => api.crop(img, { left: 30, width: 10 }), RangeError, /rect\.left \+ rect\.width \(30 \+ 10\)/],
    ['crop with a stray field', (api) => api.crop(img, { x: 1 }), TypeError, /rect\.x is not a field/],
    ['crop from past the right edge', (api) => api.crop(img, { left: 37 }), RangeError, /^image\.crop: rect\.left \(37\) must be less than the width of src \(37\)$/],
    ['crop from past the bottom edge', (api) => api.crop(img, { top: 40, height: 2 }), RangeError, /^image\.crop: rect\.top \(40\) must be less than the height of src \(23\)$/],
    ['unsharp: its own name in a bad sigma', (api) => api.unsharp(img, -1), RangeError, /^image\.unsharp: sigma must be/],
    ['unsharp: its own name in a bad amount', (api) => api.unsharp(img, 1, { amount: -5 }), RangeError, /^image\.unsharp: options\.amount/],
    ['unsharp: its own name in an unknown option', (api) => api.unsharp(img, 1, { radius: 2 }), TypeError, /^image\.unsharp: unknown option "radius"/],
    ['sharpen: options where the sigma goes, then more options', (api) => api.sharpen(img, { amount: 2 }, {}), TypeError, /^image\.sharpen: sigma must come before the options/],
    ['a bad colour', (api) => api.extend(img, 1, { background: '#12345' }), RangeError, /options\.background must be '#rgb'/],
    ['a colour out of range', (api) => api.extend(img, 1, { background: [1, 2, 300] }), RangeError, /options\.background\[2\]/],
    ['extend too far', (api) => api.extend(img, { left: 16777215 }), RangeError, /16777252 pixels wide/],
    ['greyscale of grey', (api) => api.greyscale(IMAGES.grey), TypeError, /must be an RGBA image/],
    ['toRgba of RGBA', (api) => api.toRgba(img), TypeError, /must be a grey image/],
    ['toGrey of grey', (api) => api.toGrey(R.makeImage(3, 2, 'grey', 1)), TypeError, /not grey \(channels 1\); it is grey already$/],
    ['greyscale of grey', (api) => api.greyscale(R.makeImage(3, 2, 'grey', 1)), TypeError, /it is grey already$/],
    ['extend by a negative n', (api) => api.extend(img, -1), RangeError, /^image\.extend: n must be an integer/],
    ['extend by a fractional n', (api) => api.extend(img, 1.5), RangeError, /^image\.extend: n must be an integer/],
    ['an even kernel', (api) => api.convolve(img, [1, 1, 1, 1]), RangeError, /side of kernel must be odd/],
    ['a kernel not square', (api) => api.convolve(img, [1, 1, 1, 1, 1]), RangeError, /not a square/],
    ['an unknown preset', (api) => api.convolve(img, 'blur'), RangeError, /'edge', 'emboss', 'sharpen'/],
    ['a kernel that is a number', (api) => api.convolve(img, 5), TypeError, /kernel must be one of 'edge', 'emboss', 'sharpen', rows of numbers, or an array of numbers or a typed array \(got number 5\)/],
    ['an even options.kernelHeight', (api) => api.convolve(img, new Array(8).fill(1), { kernelHeight: 2 }), RangeError, /options\.kernelHeight must be odd \(got 2\)/],
    ['a kernel options.kernelWidth does not divide', (api) => api.convolve(img, new Array(7).fill(1), { kernelWidth: 5 }), RangeError, /kernel has 7 numbers, which options\.kernelWidth 5 does not divide/],
    ['a kernel options.kernelWidth divides into an even height', (api) => api.convolve(img, new Array(6).fill(1), { kernelWidth: 3 }), RangeError, /kernel has 6 numbers, which options\.kernelWidth 3 does not divide into an odd number/],
    ['a kernel given twice', (api) => api.convolve(img, 'edge', { kernel: 'emboss' }), TypeError, /kernel is given twice/],
    ['a kernel with NaN', (api) => api.convolve(img, [1, NaN, 1, 1, 1, 1, 1, 1, 1]), RangeError, /kernel\[1\] must be finite/],
    ['a short matrix', (api) => api.colorMatrix(img, [1, 0, 0]), RangeError, /20 numbers/],
    ['a matrix of 3 rows', (api) => api.colorMatrix(img, [[1, 0, 0, 0, 0], [0, 1, 0, 0, 0], [0, 0, 1, 0, 0]]), RangeError, /matrix must have 4 rows of 5 numbers, as feColorMatrix \(got 3 rows\)/],
    ['a matrix of 5 rows', (api) => api.colorMatrix(img, Array.from({ length: 5 }, () => [1, 0, 0, 0, 0])), RangeError, /got 5 rows/],
    ['a matrix row of 4', (api) => api.colorMatrix(img, [[1, 0, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0, 0], [0, 0, 0, 1, 0]]), RangeError, /matrix\[1\] must have 5 numbers, as feColorMatrix's rows \(got 4\)/],
    ['a matrix of rows and numbers', (api) => api.colorMatrix(img, [[1, 0, 0, 0, 0], 0, 0, 0]), TypeError, /matrix\[1\] must be a row of 5 numbers, as the other rows \(got number 0\)/],
    ['a matrix entry beyond 32-bit floats', (api) => api.colorMatrix(img, [1e39, ...Array(19).fill(0)]), RangeError, /matrix\[0\] must be finite as a 32-bit float/],
    ['a kernel entry beyond 32-bit floats', (api) => api.convolve(img, [1, 1, 1, 1, -1e39, 1, 1, 1, 1]), RangeError, /kernel\[4\] must be finite as a 32-bit float/],
    ['a divisor beyond 32-bit floats', (api) => api.convolve(img, [1], { divisor: 1e39 }), RangeError, /options\.divisor must be a number from/],
    ['levels inverted', (api) => api.levels(img, { inBlack: 100, inWhite: 50 }), RangeError, /inWhite \(50\) must be greater than options\.inBlack/],
    ['a bare overlay', (api) => api.composite(img, new Uint8Array(16)), TypeError, /overlay must be an image/],
    ['an overlay in the options', (api) => api.composite(img, { overlay: img, left: 1 }), TypeError, /^image\.composite: overlay must be an image, given before the options: composite\(src, overlay, \{ left, top, opacity \}\)/],
    ['composite onto its overlay', (api) => api.composite(img, img, { dst: img }), RangeError, /options\.dst overlaps overlay/],
    ['decode of a string', (api) => api.decode('file.png'), TypeError, /data must be the file's bytes/],
    ['decode with a dst of the wrong size', (api) => api.decode(pngOf(img), { dst: new Uint8Array(5) }), RangeError, /options\.dst must be 3404 bytes/],
    ['decode into a dst that overlaps the file (a plain buffer: the pool copies it, and refuses as the core does)', (api) => {
      const png = pngOf(img);
      const buf = new Uint8Array(png.length + img.data.length);
      buf.set(png);
      return api.decode(buf.subarray(0, png.length), { dst: buf.subarray(png.length - 4, png.length - 4 + img.data.length) });
    }, RangeError, /options\.dst overlaps data/],
    ['decodeMany of a view', (api) => api.decodeMany(new Uint8Array(8)), TypeError, /files must be an array/],
    ['decodeMany with a bad file', (api) => api.decodeMany([pngOf(img), 7]), TypeError, /files\[1\] must be the file's bytes/],
    ['JPEG quality 0', (api) => api.encodeJpeg(img, 0), RangeError, /quality must be an integer from 1 to 100/],
    ['PNG with a quality', (api) => api.encode(img, { quality: 50 }), TypeError, /quality is for JPEG only/],
    ['an unknown format', (api) => api.encode(img, { format: 'gif' }), RangeError, /'png' or 'jpeg'/],
    ['too many arguments', (api) => api.flip(img, {}, {}), TypeError, /at most 2 arguments/],
    ['options of the wrong kind', (api) => api.invert(img, 5), TypeError, /options must be an object/],
    // a detached view (transferred here; on a core without shared memory, growth detaches alloc() views too)
    ['a detached image', (api) => api.blur({ data: detached(100), width: 5, height: 5 }, 1), TypeError, /blur: src\.data is detached/],
    ['a detached bare view', (api) => api.invert(detached(100), { width: 5, height: 5 }), TypeError, /invert: src is detached/],
    ['a detached image to encode', (api) => api.encodePng({ data: detached(16), width: 2, height: 2 }), TypeError, /encodePng: src\.data is detached/],
    ['a detached dst', (api) => api.blur(img, 1, { dst: detached(3404) }), TypeError, /blur: options\.dst is detached/],
    ['a detached overlay', (api) => api.composite(img, { data: detached(16), width: 2, height: 2 }), TypeError, /overlay\.data is detached/],
  ];
  for (const [what, call, E, re] of cases) {
    test(what, async () => {
      const check = (e) => {
        assert.ok(e instanceof E, `a ${E.name} (got ${e?.name}: ${e?.message})`);
        assert.equal(e.code, E === TypeError ? 'ERR_INVALID_ARG_TYPE' : 'ERR_OUT_OF_RANGE');
        assert.match(e.message, /^image\.\w+: /);
        assert.match(e.message, re);
        return true;
      };
      assert.throws(() => call(core.image), check);
      const p = call(pools[2].image);
      assert.ok(p instanceof Promise, 'a pool method rejects, it does not throw');
      await assert.rejects(p, check);
    });
  }

  test('a pool result too large for the heap: a RangeError naming the operation and the size, and the pool works on', async () => {
    const pool = pools[2];
    const small = { data: new Uint8Array(16).fill(7), width: 2, height: 2 };
    const before = pool.stats().heapSize;
    // 65536 x 16383 x 4 = 4294705152 bytes: a legal image, beyond what the 4 GiB heap can still hold
    const calls = [
      ['resize', () => pool.image.resize(small, 65536, 16383)],
      ['extend', () => pool.image.extend(small, { right: 65534, bottom: 16381 })],
      ['resize', () => pool.image.chain(small).invert().resize(65536, 16383).run()],
    ];
    for (const [op, call] of calls) {
      await assert.rejects(call(), (e) => e instanceof RangeError && e.code === 'ERR_OUT_OF_RANGE' &&
        new RegExp(`^image\\.${op}: cannot allocate 4294705152 bytes for the result \\(alloc: .*at most 4294901760`).test(e.message));
    }
    assert.equal(pool.stats().heapSize, before, 'the heap did not grow');
    const r = await pool.image.resize(small, 3, 3);
    assert.deepEqual([r.width, r.height, Array.from(r.data.subarray(0, 4))], [3, 3, [7, 7, 7, 7]]);
    pool.image.free(r);
  });

  test('a destroyed pool rejects with PoolDestroyedError', async () => {
    const pool = await createPool({ threads: 1 });
    await pool.destroy();
    await assert.rejects(pool.image.blur(img, 1), PoolDestroyedError);
    await assert.rejects(pool.image.decode(pngOf(img)), PoolDestroyedError);
  });
});

test('the fallback pool (no shared memory) gives the core\'s results', async () => {
  const child = fileURLToPath(new URL('./helpers/image-fallback-child.mjs', import.meta.url));
  const preload = fileURLToPath(new URL('../runtimes/no-sab-preload.mjs', import.meta.url));
  const r = await runProcess(process.execPath, ['--import', preload, child], { timeout: 120000 });
  assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`);
  const out = JSON.parse(r.stdout);
  assert.equal(out.isShared, false);
  const { results } = await import('./helpers/image-fallback-child.mjs').then((m) => m.run(core.image, false));
  assert.deepEqual(out.results, results);
});
