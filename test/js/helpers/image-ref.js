// Plain-JS references for the image tests (test/js/image.test.js), written
// from the definitions in include/parawasm/image.h and the file-top notes
// of src/kernels/image/*.c: double precision, straightforward loops, no
// shared code with the kernels. Each returns { data, width, height,
// channels } and, where the kernels work in floating point, `exact`: the
// unrounded values (so that a test can skip the rare pixel that sits on a
// rounding boundary). Not a test file itself.

/** round(v) clamped to 0..255, halves up (the kernels' rounding). */
export const u8 = (v) => (!(v > 0) ? 0 : v >= 255 ? 255 : Math.floor(v + 0.5));

/** Rec. 709 luma of 8-bit values, rounded halves up: exact integers. */
export const luma = (r, g, b) => Math.floor((2126 * r + 7152 * g + 722 * b + 5000) / 10000);

/** A seeded PRNG (xorshift32): next() -> uint32. */
export function rng(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x;
  };
}

/**
 * A w x h test image: `kind` 'random' (every byte random), 'alpha' (random
 * colours, alpha random with about a quarter of the pixels fully
 * transparent and a quarter opaque), 'translucent' (random colours, alpha
 * random in 20..255: no pixel transparent), 'cutout' (random colours, an
 * antialiased opaque disc on a transparent picture, with a faint band of
 * alpha 1 and 2 inside), 'smooth' (gradients and rings,
 * opaque: what photos look like to a codec), or 'grey' (channels 1, random).
 */
export function makeImage(w, h, kind = 'alpha', seed = 1) {
  const next = rng(seed * 2654435761);
  const channels = kind === 'grey' ? 1 : 4;
  const data = new Uint8ClampedArray(w * h * channels);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * channels;
      if (kind === 'grey') {
        data[o] = next() & 255;
      } else if (kind === 'smooth') {
        const d = Math.hypot(x - w * 0.6, y - h * 0.4) / (Math.max(w, h) / 7);
        const ring = 0.5 + 0.5 * Math.sin(d * Math.PI);
        data[o] = 30 + (180 * x) / w * ring;
        data[o + 1] = 50 + (150 * y) / h + 40 * ring;
        data[o + 2] = 100 + 130 * ring;
        data[o + 3] = 255;
      } else {
        for (let c = 0; c < 4; c++) data[o + c] = next() & 255;
        if (kind === 'alpha') {
          const r = next() & 3;
          if (r === 0) data[o + 3] = 0;
          else if (r === 1) data[o + 3] = 255;
        } else if (kind === 'translucent') {
          data[o + 3] = 20 + ((next() >>> 0) % 236);
        } else if (kind === 'cutout') {
          const d = Math.hypot(x - w * 0.5, y - h * 0.5) - Math.min(w, h) * 0.25;
          data[o + 3] = d < -2 ? (Math.abs(x - w * 0.5) < 6 ? 1 + (y & 1) : 255) : d > 2 ? 0 : Math.round((255 * (2 - d)) / 4);
        }
      }
    }
  }
  return { data, width: w, height: h, channels };
}

// ------------------------------------------------------------ separable

/**
 * Applies per-axis weight lists to an image: xw[x] = [[i, w], ...] for the
 * output column x, yw[y] likewise for rows; RGBA colours weighted by alpha.
 * Returns the unrounded values (colours divided by the filtered alpha).
 */
function separable(img, xw, yw) {
  const { width: W, height: H, channels: C, data } = img;
  const ow = xw.length;
  const oh = yw.length;
  // premultiplied source
  const p = new Float64Array(W * H * C);
  for (let i = 0; i < W * H; i++) {
    if (C === 1) p[i] = data[i];
    else {
      const a = data[i * 4 + 3];
      for (let c = 0; c < 3; c++) p[i * 4 + c] = data[i * 4 + c] * a;
      p[i * 4 + 3] = a;
    }
  }
  const rows = new Float64Array(ow * H * C); // filtered along x
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < ow; x++) {
      for (const [i, w] of xw[x]) {
        for (let c = 0; c < C; c++) rows[(y * ow + x) * C + c] += w * p[(y * W + i) * C + c];
      }
    }
  }
  const out = new Float64Array(ow * oh * C);
  for (let y = 0; y < oh; y++) {
    for (const [j, w] of yw[y]) {
      for (let x = 0; x < ow; x++) {
        for (let c = 0; c < C; c++) out[(y * ow + x) * C + c] += w * rows[(j * ow + x) * C + c];
      }
    }
  }
  if (C === 4) {
    for (let i = 0; i < ow * oh; i++) {
      const A = out[i * 4 + 3];
      for (let c = 0; c < 3; c++) out[i * 4 + c] /= A;
    }
  }
  return { exact: out, width: ow, height: oh, channels: C };
}

/** Rounds a separable result: alpha rounded, and 0,0,0,0 where it rounds to 0. */
function rounded(r) {
  const data = new Uint8ClampedArray(r.exact.length);
  const C = r.channels;
  for (let i = 0; i < r.width * r.height; i++) {
    if (C === 1) {
      data[i] = u8(r.exact[i]);
      continue;
    }
    const a = u8(r.exact[i * 4 + 3]);
    if (a === 0) continue;
    for (let c = 0; c < 3; c++) data[i * 4 + c] = u8(r.exact[i * 4 + c]);
    data[i * 4 + 3] = a;
  }
  return { ...r, data };
}

// --------------------------------------------------------------- resize

const sinc = (x) => (x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x));

/** Mitchell-Netravali cubic with parameters B and C. */
function cubic(x, B, C) {
  x = Math.abs(x);
  if (x < 1) return ((12 - 9 * B - 6 * C) * x ** 3 + (-18 + 12 * B + 6 * C) * x ** 2 + (6 - 2 * B)) / 6;
  if (x < 2) return ((-B - 6 * C) * x ** 3 + (6 * B + 30 * C) * x ** 2 + (-12 * B - 48 * C) * x + (8 * B + 24 * C)) / 6;
  return 0;
}

export const FILTER_FNS = {
  bilinear: (x) => Math.max(0, 1 - Math.abs(x)),
  'catmull-rom': (x) => cubic(x, 0, 0.5),
  mitchell: (x) => cubic(x, 1 / 3, 1 / 3),
  lanczos3: (x) => (Math.abs(x) < 3 ? sinc(x) * sinc(x / 3) : 0),
};

/**
 * The weights of one axis of a resize from n to m pixels: output pixel x
 * has its centre at source coordinate (x + 0.5) n / m; source pixel j
 * (centre j + 0.5) weighs K((j + 0.5 - centre) / s), s = max(1, n / m);
 * the weights of the pixels inside the image are normalised. A side that
 * keeps its size is not filtered: each pixel is its source pixel (README).
 */
function resizeWeights(n, m, K) {
  if (n === m) return Array.from({ length: m }, (_, x) => [[x, 1]]);
  const scale = n / m;
  const s = Math.max(1, scale);
  const list = [];
  for (let x = 0; x < m; x++) {
    const centre = (x + 0.5) * scale;
    const taps = [];
    let sum = 0;
    for (let j = 0; j < n; j++) {
      const w = K((j + 0.5 - centre) / s);
      if (w !== 0) {
        taps.push([j, w]);
        sum += w;
      }
    }
    list.push(taps.map(([j, w]) => [j, w / sum]));
  }
  return list;
}

/** Resize to m x k with a filter name ('nearest', 'bilinear', 'catmull-rom', 'mitchell', 'lanczos3'). */
export function refResize(img, m, k, filter = 'lanczos3') {
  const { width: W, height: H, channels: C, data } = img;
  if (filter === 'nearest') {
    const out = new Uint8ClampedArray(m * k * C);
    for (let y = 0; y < k; y++) {
      const sy = Math.floor(((2 * y + 1) * H) / (2 * k));
      for (let x = 0; x < m; x++) {
        const sx = Math.floor(((2 * x + 1) * W) / (2 * m));
        for (let c = 0; c < C; c++) out[(y * m + x) * C + c] = data[(sy * W + sx) * C + c];
      }
    }
    return { data: out, width: m, height: k, channels: C };
  }
  if (W === m && H === k) return { data: Uint8ClampedArray.from(data), width: m, height: k, channels: C }; // a copy (README)
  const K = FILTER_FNS[filter === 'bicubic' ? 'catmull-rom' : filter];
  return rounded(separable(img, resizeWeights(W, m, K), resizeWeights(H, k, K)));
}

// ----------------------------------------------------------------- blur

/**
 * Gaussian weights of one axis of n pixels: the sampled kernel
 * exp(-k^2 / 2 sigma^2) for |k| <= ceil(3 sigma), normalised over those
 * taps; pixels beyond an edge repeat the edge pixel, so the edge pixel
 * takes the weight of every tap beyond it.
 */
function gaussWeights(n, sigma) {
  const r = Math.max(1, Math.ceil(3 * sigma));
  const g = (k) => Math.exp(-(k * k) / (2 * sigma * sigma));
  // T[d] = sum of g(m) for m from d to r (summed from the small end), d <= min(n, r)
  const top = Math.min(n, r);
  const T = new Float64Array(top + 2);
  let acc = 0;
  for (let m = r; m >= 1; m--) {
    acc += g(m);
    if (m <= top) T[m] = acc;
  }
  T[0] = acc + 1;
  const tail = (d) => (d > top ? 0 : T[d]);
  const z = 1 + 2 * acc;
  const G = Float64Array.from({ length: Math.min(n, r) + 1 }, (_, k) => g(k));
  const tapsOf = (x) => {
    const taps = [];
    if (n === 1) {
      taps.push([0, z]);
    } else {
      // the edge pixels take every tap that falls on them or beyond them
      if (x <= r) taps.push([0, tail(x)]);
      for (let j = Math.max(1, x - r); j <= Math.min(n - 2, x + r); j++) taps.push([j, G[Math.abs(j - x)]]);
      if (n - 1 - x <= r) taps.push([n - 1, tail(n - 1 - x)]);
    }
    return taps.map(([j, w]) => [j, w / z]);
  };
  // a long side with a wide kernel: each pixel's taps made when asked (n x n of them would not fit)
  if (n * Math.min(2 * r + 1, n) > 1 << 22) {
    return new Proxy([], { get: (t, k) => (k === 'length' ? n : typeof k === 'string' && /^\d+$/.test(k) ? tapsOf(Number(k)) : t[k]) });
  }
  return Array.from({ length: n }, (_, x) => tapsOf(x));
}

/** Gaussian blur (sigma as a float32, as the kernels take it); sigma 0 copies. */
export function refBlur(img, sigma, { unrounded = false } = {}) {
  const s = Math.fround(sigma);
  if (s === 0) return { ...img, data: img.data.slice(), exact: Float64Array.from(img.data) };
  const r = separable(img, gaussWeights(img.width, s), gaussWeights(img.height, s));
  return unrounded ? r : rounded(r);
}

/**
 * Unsharp mask: d = c - B per colour (B the unrounded blur); c where
 * |d| < threshold, else round(c + amount d); alpha kept, pixels of alpha 0
 * copied.
 */
export function refUnsharp(img, sigma, amount = 1, threshold = 0) {
  const { data, channels: C } = img;
  const s = Math.fround(sigma);
  if (s === 0) return { ...img, data: data.slice() };
  const B = separable(img, gaussWeights(img.width, s), gaussWeights(img.height, s)).exact;
  const am = Math.fround(amount);
  const th = Math.fround(threshold);
  const out = data.slice();
  const exact = Float64Array.from(data);
  for (let i = 0; i < img.width * img.height; i++) {
    if (C === 4 && (data[i * 4 + 3] === 0 || !(B[i * 4 + 3] > 0))) continue;
    for (let c = 0; c < (C === 4 ? 3 : 1); c++) {
      const o = data[i * C + c];
      const d = o - B[i * C + c];
      if (Math.abs(d) < th) continue;
      exact[i * C + c] = o + am * d;
      out[i * C + c] = u8(o + am * d);
    }
  }
  return { data: out, exact, width: img.width, height: img.height, channels: C };
}

/**
 * Box blur: the mean of the (2r + 1)^2 square, edges repeated; RGBA:
 * alpha = round(mean a), colour = round(sum(c a) / sum(a)), 0,0,0,0 where
 * alpha rounds to 0. Exact integers (sums below 2^53).
 */
export function refBoxBlur(img, radius) {
  const { width: W, height: H, channels: C, data } = img;
  if (radius === 0) return { ...img, data: data.slice() }; // radius 0 copies
  const n = (2 * radius + 1) ** 2;
  const div = (p, q) => Math.floor((2 * p + q) / (2 * q)); // round(p / q), halves up, p, q >= 0 integers
  // per axis, how many of the 2r + 1 positions around x land on each source pixel (edges repeated)
  const counts = (len) => Array.from({ length: len }, (_, x) => {
    if (len === 1) return [[0, 2 * radius + 1]];
    const lo = x - radius;
    const hi = x + radius;
    const taps = [[0, Math.max(0, Math.min(0, hi) - lo + 1)]];
    for (let i = Math.max(1, lo); i <= Math.min(len - 2, hi); i++) taps.push([i, 1]);
    taps.push([len - 1, Math.max(0, hi - Math.max(len - 1, lo) + 1)]);
    return taps.filter(([, c]) => c > 0);
  });
  const cx = counts(W);
  const cy = counts(H);
  const out = new Uint8ClampedArray(data.length);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const s = [0, 0, 0, 0];
      for (const [j, wy] of cy[y]) {
        for (const [i, wx] of cx[x]) {
          const w = wx * wy;
          const o = (j * W + i) * C;
          if (C === 1) s[0] += w * data[o];
          else {
            const a = data[o + 3];
            for (let c = 0; c < 3; c++) s[c] += w * data[o + c] * a;
            s[3] += w * a;
          }
        }
      }
      const o = (y * W + x) * C;
      if (C === 1) {
        out[o] = div(s[0], n);
      } else {
        const a = div(s[3], n);
        if (a === 0) continue;
        for (let c = 0; c < 3; c++) out[o + c] = div(s[c], s[3]);
        out[o + 3] = a;
      }
    }
  }
  return { data: out, width: W, height: H, channels: C };
}

/** Convolution of R, G, B (or grey) as a correlation, edges repeated: round(sum / divisor + bias); alpha kept. */
export function refConvolve(img, weights, kw, kh, divisor = 0, bias = 0) {
  const { width: W, height: H, channels: C, data } = img;
  let div = divisor;
  if (div === 0) {
    div = weights.reduce((a, b) => a + b, 0);
    if (div === 0) div = 1;
  }
  const out = data.slice();
  const exact = new Float64Array(data.length);
  const cl = (v, hi) => Math.min(hi, Math.max(0, v));
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      for (let c = 0; c < (C === 4 ? 3 : 1); c++) {
        let s = 0;
        for (let j = 0; j < kh; j++) {
          for (let i = 0; i < kw; i++) {
            const sy = cl(y + j - (kh >> 1), H - 1);
            const sx = cl(x + i - (kw >> 1), W - 1);
            s += weights[j * kw + i] * data[(sy * W + sx) * C + c];
          }
        }
        const v = s / div + bias;
        exact[(y * W + x) * C + c] = v;
        out[(y * W + x) * C + c] = u8(v);
      }
    }
  }
  return { data: out, exact, width: W, height: H, channels: C };
}

// --------------------------------------------------------------- colour

function perPixel(img, f, channels = img.channels) {
  const { width: W, height: H, data } = img;
  const out = new Uint8ClampedArray(W * H * channels);
  for (let i = 0; i < W * H; i++) f(data.subarray(i * img.channels, (i + 1) * img.channels), out.subarray(i * channels, (i + 1) * channels));
  return { data: out, width: W, height: H, channels };
}

/** Colour tables applied to R, G, B (or grey), alpha kept. */
function mapColours(img, table) {
  return perPixel(img, (s, d) => {
    for (let c = 0; c < img.channels; c++) d[c] = img.channels === 4 && c === 3 ? s[3] : table[s[c]];
  });
}

const tableOf = (f) => Uint8ClampedArray.from({ length: 256 }, (_, c) => u8(f(c)));

export const refGreyscale = (img) => perPixel(img, (s, d) => {
  const l = luma(s[0], s[1], s[2]);
  d.set([l, l, l, s[3]]);
});
export const refToGrey = (img) => perPixel(img, (s, d) => { d[0] = luma(s[0], s[1], s[2]); }, 1);
export const refToRgba = (img) => perPixel(img, (s, d) => d.set([s[0], s[0], s[0], 255]), 4);
export const refInvert = (img) => mapColours(img, tableOf((c) => 255 - c));
export const refBrightnessContrast = (img, brightness = 0, contrast = 1) => {
  const b = Math.fround(brightness);
  const k = Math.fround(contrast);
  return mapColours(img, tableOf((c) => (c - 127.5) * k + 127.5 + b * 255));
};
export const refGamma = (img, gamma) => {
  const g = Math.fround(gamma);
  return mapColours(img, tableOf((c) => 255 * (c / 255) ** (1 / g)));
};
export function refLevels(img, { inBlack = 0, inWhite = 255, gamma = 1, outBlack = 0, outWhite = 255 } = {}) {
  const g = Math.fround(gamma);
  return mapColours(img, tableOf((c) => {
    const t = Math.min(1, Math.max(0, (c - inBlack) / (inWhite - inBlack))) ** (1 / g);
    return outBlack + t * (outWhite - outBlack);
  }));
}
export const refThreshold = (img, t = 128) => (img.channels === 1
  ? perPixel(img, (s, d) => { d[0] = s[0] >= t ? 255 : 0; })
  : perPixel(img, (s, d) => {
    const v = luma(s[0], s[1], s[2]) >= t ? 255 : 0;
    d.set([v, v, v, s[3]]);
  }));
export const refPremultiply = (img) => perPixel(img, (s, d) => {
  for (let c = 0; c < 3; c++) d[c] = Math.floor((2 * s[c] * s[3] + 255) / 510);
  d[3] = s[3];
});
export const refUnpremultiply = (img) => perPixel(img, (s, d) => {
  const a = s[3];
  for (let c = 0; c < 3; c++) d[c] = a === 0 ? 0 : Math.min(255, Math.floor((510 * s[c] + a) / (2 * a)));
  d[3] = a;
});
/** feColorMatrix: values scaled to 0..1, each row a dot product plus its offset, clamped, then 0..255. */
export function refColorMatrix(img, m) {
  const exact = new Float64Array(img.data.length);
  const r = perPixel(img, (s, d) => {
    // on the 0..255 scale, the products (exact: a 32-bit float times a
    // byte) summed first, then the offset: products that cancel exactly
    // leave the offset whole, however large they are
    for (let row = 0; row < 4; row++) {
      let p = 0;
      for (let c = 0; c < 4; c++) p += Math.fround(m[row * 5 + c]) * s[c];
      const x = p + Math.fround(m[row * 5 + 4]) * 255;
      d[row] = u8(Math.min(255, Math.max(0, x)));
    }
  });
  return { ...r, exact };
}

// ------------------------------------------------------------- geometry

export function refCrop(img, left, top, w, h) {
  const C = img.channels;
  const out = new Uint8ClampedArray(w * h * C);
  for (let y = 0; y < h; y++) {
    out.set(img.data.subarray(((top + y) * img.width + left) * C, ((top + y) * img.width + left + w) * C), y * w * C);
  }
  return { data: out, width: w, height: h, channels: C };
}

/** Pixel (x, y) of the result from pixel at(x, y) of the source. */
function remap(img, w, h, at) {
  const C = img.channels;
  const out = new Uint8ClampedArray(w * h * C);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const [sx, sy] = at(x, y);
      for (let c = 0; c < C; c++) out[(y * w + x) * C + c] = img.data[(sy * img.width + sx) * C + c];
    }
  }
  return { data: out, width: w, height: h, channels: C };
}

export const refFlip = (img) => remap(img, img.width, img.height, (x, y) => [x, img.height - 1 - y]);
export const refFlop = (img) => remap(img, img.width, img.height, (x, y) => [img.width - 1 - x, y]);
/** Clockwise by 0, 90, 180 or 270 degrees. */
export function refRotate(img, angle) {
  const { width: W, height: H } = img;
  if (angle === 90) return remap(img, H, W, (x, y) => [y, H - 1 - x]);
  if (angle === 180) return remap(img, W, H, (x, y) => [W - 1 - x, H - 1 - y]);
  if (angle === 270) return remap(img, H, W, (x, y) => [W - 1 - y, x]);
  return remap(img, W, H, (x, y) => [x, y]);
}

/** Pads with sides of a colour: [r, g, b, a] (RGBA) or [v] (grey). */
export function refExtend(img, { top = 0, right = 0, bottom = 0, left = 0 }, colour) {
  const C = img.channels;
  const w = img.width + left + right;
  const h = img.height + top + bottom;
  const out = new Uint8ClampedArray(w * h * C);
  for (let i = 0; i < w * h; i++) out.set(colour, i * C);
  for (let y = 0; y < img.height; y++) {
    out.set(img.data.subarray(y * img.width * C, (y + 1) * img.width * C), ((top + y) * w + left) * C);
  }
  return { data: out, width: w, height: h, channels: C };
}

/**
 * Porter-Duff over on straight alpha: as = a_o opacity / 255, ad = a_d /
 * 255, a = as + ad (1 - as), c = (c_o as + c_d ad (1 - as)) / a; dst kept
 * where as is 0, 0,0,0,0 where round(255 a) is 0.
 */
export function refComposite(base, over, left = 0, top = 0, opacity = 1) {
  const out = base.data.slice();
  const exact = Float64Array.from(base.data);
  const op = Math.fround(opacity);
  for (let y = 0; y < over.height; y++) {
    for (let x = 0; x < over.width; x++) {
      const dx = x + left;
      const dy = y + top;
      if (dx < 0 || dy < 0 || dx >= base.width || dy >= base.height) continue;
      const o = (y * over.width + x) * 4;
      const d = (dy * base.width + dx) * 4;
      const as = (over.data[o + 3] * op) / 255;
      if (as === 0) continue;
      const ad = base.data[d + 3] / 255;
      const a = as + ad * (1 - as);
      const A = u8(a * 255);
      exact[d + 3] = a * 255;
      if (A === 0) {
        out.fill(0, d, d + 4);
        continue;
      }
      for (let c = 0; c < 3; c++) {
        const v = (over.data[o + c] * as + base.data[d + c] * ad * (1 - as)) / a;
        exact[d + c] = v;
        out[d + c] = u8(v);
      }
      out[d + 3] = A;
    }
  }
  return { data: out, exact, width: base.width, height: base.height, channels: 4 };
}

// -------------------------------------------------------------- measure

export function refHistogram(img) {
  const C = img.channels;
  const h = Array.from({ length: C }, () => new Uint32Array(256));
  for (let i = 0; i < img.data.length; i++) h[i % C][img.data[i]]++;
  return C === 1 ? { grey: h[0] } : { r: h[0], g: h[1], b: h[2], a: h[3] };
}

export function refStats(img) {
  const C = img.channels;
  const n = img.width * img.height;
  const s = Array.from({ length: C }, () => ({ sum: 0, min: 255, max: 0 }));
  for (let i = 0; i < img.data.length; i++) {
    const t = s[i % C];
    const v = img.data[i];
    t.sum += v;
    if (v < t.min) t.min = v;
    if (v > t.max) t.max = v;
  }
  const ch = (t) => ({ mean: t.sum / n, min: t.min, max: t.max });
  return C === 1 ? { grey: ch(s[0]) } : { r: ch(s[0]), g: ch(s[1]), b: ch(s[2]), a: ch(s[3]) };
}
