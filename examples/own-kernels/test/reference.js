// Plain-JS references of the three kernels, written from the definitions in
// src/own_kernels.h (not from the C): the tests compare the package's
// results with these, byte for byte where the result is exact.

/** The Sobel edges of an RGBA image (see my_edges). */
export function edgesRef(src, width, height) {
  const dst = new Uint8Array(width * height * 4);
  const at = (x, y, c) => {
    const xx = Math.min(width - 1, Math.max(0, x));
    const yy = Math.min(height - 1, Math.max(0, y));
    return src[(yy * width + xx) * 4 + c];
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      for (let c = 0; c < 3; c++) {
        const gx = at(x + 1, y - 1, c) + 2 * at(x + 1, y, c) + at(x + 1, y + 1, c)
          - at(x - 1, y - 1, c) - 2 * at(x - 1, y, c) - at(x - 1, y + 1, c);
        const gy = at(x - 1, y + 1, c) + 2 * at(x, y + 1, c) + at(x + 1, y + 1, c)
          - at(x - 1, y - 1, c) - 2 * at(x, y - 1, c) - at(x + 1, y - 1, c);
        dst[o + c] = Math.floor((Math.abs(gx) + Math.abs(gy) + 4) / 8);
      }
      dst[o + 3] = src[o + 3];
    }
  }
  return dst;
}

/** Elements a chunk of the reduction (MY_MEAN_GRAIN), widened to at most 4096 chunks. */
export const MEAN_GRAIN = 65536;

/**
 * The weighted mean with the kernel's order of additions: chunk sums in
 * double, added in chunk order (see my_weighted_mean).
 */
export function weightedMeanRef(x, w) {
  const n = x.length;
  const g = Math.max(MEAN_GRAIN, Math.ceil(n / 4096));
  let wx = 0;
  let ws = 0;
  for (let b = 0; b < n; b += g) {
    let pwx = 0;
    let pw = 0;
    for (let i = b; i < Math.min(n, b + g); i++) {
      pwx += w[i] * x[i];
      pw += w[i];
    }
    wx += pwx;
    ws += pw;
  }
  return ws !== 0 ? wx / ws : NaN;
}

/** Mandelbrot iteration counts of a tile (see my_mandelbrot). */
export function mandelbrotRef({ width, height, x0 = -2, y0 = -1.25, step, maxIter = 256 }) {
  const out = new Uint32Array(width * height);
  for (let y = 0; y < height; y++) {
    const cy = y0 + y * step;
    for (let x = 0; x < width; x++) {
      const cx = x0 + x * step;
      let zx = 0;
      let zy = 0;
      let n = 0;
      while (n < maxIter) {
        const x2 = zx * zx;
        const y2 = zy * zy;
        if (x2 + y2 > 4) break;
        zy = 2 * zx * zy + cy;
        zx = x2 - y2 + cx;
        n++;
      }
      out[y * width + x] = n;
    }
  }
  return out;
}

/** Deterministic test bytes (xorshift32), so failures can be reproduced. */
export function randomBytes(n, seed = 0x9e3779b9) {
  const out = new Uint8Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = s & 0xff;
  }
  return out;
}

/** Deterministic floats of mixed magnitudes (so that the order of additions matters). */
export function randomFloats(n, seed = 7) {
  const bytes = randomBytes(n * 2, seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const m = (bytes[2 * i] - 127.5) / 16;
    out[i] = m * 10 ** ((bytes[2 * i + 1] % 9) - 4);
  }
  return out;
}
