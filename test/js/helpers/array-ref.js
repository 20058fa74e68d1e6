// Plain-JS references for the array family's tests, written from the
// definitions in include/parawasm/array.h and the README, independently of
// the C kernels: TypedArray.prototype.sort, Array.prototype.sort (stable)
// over indices, BigInt arithmetic, Shewchuk's exact float summation
// (Python's math.fsum), triple loops.

export const isBig = (x) => x instanceof BigInt64Array || x instanceof BigUint64Array;
export const isFloat = (x) => x instanceof Float32Array || x instanceof Float64Array;

/**
 * The order of sort: -1, 0 or 1. Floats: -0 before +0, every NaN last (in
 * both directions) and equal to every other NaN. descending reverses all
 * but NaN's place.
 */
export function compare(a, b, descending = false) {
  const an = a !== a; // NaN
  const bn = b !== b;
  if (an || bn) return an && bn ? 0 : an ? 1 : -1;
  let c;
  if (a < b) c = -1;
  else if (a > b) c = 1;
  else if (a === 0 && typeof a === 'number') c = Object.is(a, -0) === Object.is(b, -0) ? 0 : Object.is(a, -0) ? -1 : 1;
  else c = 0;
  return descending ? -c : c;
}

/** Sorted copy: ascending is TypedArray.prototype.sort itself; descending reverses all but the NaNs. */
export function sortRef(x, descending = false) {
  const s = x.slice().sort();
  if (!descending) return s;
  let end = s.length;
  while (end > 0 && s[end - 1] !== s[end - 1]) end--;
  s.subarray(0, end).reverse();
  return s;
}

/** Stable index sort with compare(). */
export function argsortRef(x, descending = false) {
  const idx = Array.from({ length: x.length }, (_, i) => i);
  idx.sort((i, j) => compare(x[i], x[j], descending) || i - j);
  return Uint32Array.from(idx);
}

/** Element-by-element equality with Object.is (NaN equal, -0 apart), same type. */
export function sameElements(a, b) {
  if (a[Symbol.toStringTag] !== b[Symbol.toStringTag] || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/** Quantile q (R type 7) of x's non-NaN elements, in double, as array.h defines it. */
export function quantileRef(x, q) {
  const v = Array.from(x, Number).filter((e) => e === e).sort((a, b) => compare(a, b));
  if (v.length === 0) return NaN;
  const h = q * (v.length - 1);
  const f = Math.floor(h);
  const a = v[f];
  const b = v[Math.min(f + 1, v.length - 1)];
  const frac = h - f;
  // R's type 7 takes the lower neighbour where the two are equal (two
  // infinities: no NaN; -0 and +0 count as equal there too)
  // (-Inf below a finite value: -Inf, as a finite value below +Inf gives +Inf)
  const r = frac === 0 || a === b || (a === -Infinity && b !== Infinity) ? a : a + frac * (b - a);
  // finite neighbours more than Number.MAX_VALUE apart: the weighted sum, which does not overflow
  return Number.isFinite(a) && Number.isFinite(b) && !Number.isFinite(r) ? a * (1 - frac) + b * frac : r;
}

/** searchSorted by a linear count with compare(). */
export function searchRef(sorted, needles, right) {
  return Uint32Array.from(needles, (v) => {
    let c = 0;
    for (const s of sorted) if (right ? compare(s, v) <= 0 : compare(s, v) < 0) c++;
    return c;
  });
}

/** Distinct values as a Set sees them, ascending (+0 for zeros, NaN last), with counts. */
export function uniqueRef(x) {
  const m = new Map();
  for (const v of x) m.set(v, (m.get(v) ?? 0) + 1);
  const keys = [...m.keys()].map((v) => (v === 0 ? (isBig(x) ? v : 0) : v)).sort((a, b) => compare(a, b));
  return { values: keys, counts: keys.map((k) => m.get(k)) };
}

// ------------------------------------------------------------------ sums

/**
 * fsum where a partial sum passes the double range but the exact sum may
 * not (fsum then gives +-Inf, as Python's raises): the sum of the values
 * times 2^-64 (exact for all but values below 2^-958), times 2^64.
 */
export function fsumWide(values) {
  const xs = Array.from(values, Number);
  const e = fsum(xs);
  if (Number.isFinite(e) || Number.isNaN(e) || xs.some((v) => !Number.isFinite(v))) return e;
  return fsum(xs.map((v) => v * 2 ** -64)) * 2 ** 64;
}

/** Shewchuk's exact summation: the sum of doubles, correctly rounded (as Python's math.fsum). */
export function fsum(values) {
  values = Array.from(values);
  const hasNaN = values.some((v) => v !== v);
  const pinf = values.includes(Infinity);
  const ninf = values.includes(-Infinity);
  if (hasNaN || (pinf && ninf)) return NaN;
  if (pinf || ninf) return pinf ? Infinity : -Infinity;
  const partials = [];
  let special = 0;
  let inf = 0;
  for (let x of values) {
    if (!Number.isFinite(x)) {
      if (x !== x) special = NaN;
      else if (inf !== 0 && inf !== x) special = NaN;
      else inf = x;
      continue;
    }
    let i = 0;
    for (let y of partials) {
      if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) partials[i++] = lo;
      x = hi;
    }
    if (!Number.isFinite(x)) return x; // the exact sum leaves the double range
    partials.length = i;
    partials.push(x);
  }
  if (special !== 0) return special;
  if (inf !== 0) return inf;
  // round the expansion (partials, increasing magnitude, non-overlapping) to nearest
  let n = partials.length;
  let hi = 0;
  if (n > 0) {
    hi = partials[--n];
    let lo = 0;
    while (n > 0) {
      const x = hi;
      const y = partials[--n];
      hi = x + y;
      const yr = hi - x;
      lo = y - yr;
      if (lo !== 0) break;
    }
    if (n > 0 && ((lo < 0 && partials[n - 1] < 0) || (lo > 0 && partials[n - 1] > 0))) {
      const y = lo * 2;
      const x = hi + y;
      const yr = x - hi;
      if (y === yr) hi = x;
    }
  }
  return hi;
}

/** The exact sum of an integer array as a BigInt. */
export function bigSum(x) {
  let s = 0n;
  for (const v of x) s += BigInt(v);
  return s;
}

/** The documented bound of sum (array.h): 2^-53 |sum| + g^2 sum|x|, g = N 2^-53 / (1 - N 2^-53), N = n + 8200. */
export function sumBound(exact, absSum, n) {
  const u = 2 ** -53;
  const N = n + 8200;
  const g = (N * u) / (1 - N * u);
  return u * Math.abs(exact) + g * g * absSum;
}

// ------------------------------------------------------------ histogram

/** Counts per bin over edges (the last bin closed), elements converted to double. */
export function histogramRef(x, edges) {
  const counts = new Uint32Array(edges.length - 1);
  const last = edges.length - 1;
  for (const e of x) {
    const v = Number(e);
    if (v !== v || v < edges[0] || v > edges[last]) continue;
    if (v === edges[last]) {
      counts[last - 1]++;
      continue;
    }
    // the bin i with edges[i] <= v < edges[i + 1], by bisection
    let lo = 0;
    let hi = last;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (v < edges[mid]) hi = mid;
      else lo = mid;
    }
    counts[lo]++;
  }
  return counts;
}

/** The edges of `bins` equal bins over [lo, hi] as array.h defines them. */
export function equalEdges(lo, hi, bins) {
  const w = (hi - lo) / bins;
  const e = Array.from({ length: bins + 1 }, (_, i) => lo + i * w);
  e[bins] = hi;
  return e;
}

// -------------------------------------------------------------- matrices

/** c = a b in T's arithmetic, the plain loop (f32: every product and sum rounded to float). */
export function matmulRef(a, b, m, k, n) {
  const f32 = a instanceof Float32Array;
  const r = f32 ? Math.fround : (v) => v;
  const c = new a.constructor(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s = r(s + r(a[i * k + p] * b[p * n + j]));
      c[i * n + j] = s;
    }
  }
  return c;
}

/** The same product in float64 with |a||b| for the error bound. */
export function matmul64(a, b, m, k, n) {
  const c = new Float64Array(m * n);
  const abs = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      let t = 0;
      for (let p = 0; p < k; p++) {
        s += a[i * k + p] * b[p * n + j];
        t += Math.abs(a[i * k + p] * b[p * n + j]);
      }
      c[i * n + j] = s;
      abs[i * n + j] = t;
    }
  }
  return { c, abs };
}

/** y = a x as array.h defines matvec: 8 lanes by column mod 8, joined ((0+4)+(2+6))+((1+5)+(3+7)), in T. */
export function matvecRef(a, x) {
  const f32 = a instanceof Float32Array;
  const r = f32 ? Math.fround : (v) => v;
  const cols = x.length;
  const rows = cols === 0 ? 0 : a.length / cols;
  const y = new a.constructor(rows);
  for (let i = 0; i < rows; i++) {
    const l = new Array(8).fill(0);
    for (let j = 0; j < cols; j++) l[j % 8] = r(l[j % 8] + r(a[i * cols + j] * x[j]));
    y[i] = r(r(r(l[0] + l[4]) + r(l[2] + l[6])) + r(r(l[1] + l[5]) + r(l[3] + l[7])));
  }
  return y;
}

// ------------------------------------------------------------ conversion

const INT_BITS = { Int8Array: 8, Uint8Array: 8, Int16Array: 16, Uint16Array: 16, Int32Array: 32, Uint32Array: 32 };

/** Round a BigInt to the nearest float32 (half to even), exactly. */
function bigToF32(v) {
  const neg = v < 0n;
  let m = neg ? -v : v;
  if (m === 0n) return 0;
  const bits = m.toString(2).length;
  if (bits > 24) {
    const shift = BigInt(bits - 24);
    const rem = m & ((1n << shift) - 1n);
    const half = 1n << (shift - 1n);
    m >>= shift;
    if (rem > half || (rem === half && (m & 1n))) m += 1n;
    m <<= shift;
  }
  const f = Number(m); // exact: at most 25 significant bits
  return neg ? -f : f;
}

/**
 * dst[i] = src[i] as array.h's convert defines it without normalize: JS
 * typed-array assignment, extended to the 64-bit types.
 */
export function convertRef(src, Dst) {
  const out = new Dst(src.length);
  const toBig = Dst === BigInt64Array || Dst === BigUint64Array;
  for (let i = 0; i < src.length; i++) {
    const v = src[i];
    if (toBig) {
      const b = typeof v === 'bigint' ? v : Number.isFinite(v) ? BigInt(Math.trunc(v)) : 0n;
      out[i] = b; // a BigInt64Array/BigUint64Array store wraps modulo 2^64
    } else if (typeof v === 'bigint') {
      if (Dst === Float64Array) out[i] = Number(v);
      else if (Dst === Float32Array) out[i] = bigToF32(v);
      else if (Dst === Uint8ClampedArray) out[i] = v < 0n ? 0 : v > 255n ? 255 : Number(v);
      else {
        const bits = INT_BITS[Dst.name];
        out[i] = Number(Dst.name.startsWith('Int') ? BigInt.asIntN(bits, v) : BigInt.asUintN(bits, v));
      }
    } else {
      out[i] = v; // the typed array's own conversion
    }
  }
  return out;
}
