// Sparse test data for inputs of several GiB, and references that need not
// read them.
//
// The data is zero but for one 64-byte record in every MiB (at an offset
// that varies from MiB to MiB), one that straddles 2^31 and one that ends
// the largest length. A 4 GiB input then touches a few MiB of memory (the
// zero pages are never written), every chunk of a split has content of its
// own (a chunk skipped, repeated or joined out of order changes the
// result), and the records carry lower-case letters for asciiUpper.
//
// References from the description of the data alone (independent of the
// bytes in any buffer, and of parawasm's C):
//   - CRC-32 and CRC-32C: the register runs through the records byte by
//     byte; a run of n zero bytes multiplies it by x^(8n) modulo the
//     polynomial, in O(log n) steps of GF(2) arithmetic written here;
//   - Adler-32 in closed form: a = 1 + sum(b_i), b = n + sum((n - p_i) b_i)
//     modulo 65521, over the nonzero bytes b_i at positions p_i;
//   - asciiUpper: the count of lower-case letters in the records.
// Tests check the CRC-32 engine against Node's zlib.crc32 on the real bytes,
// which checks the data against its description as well.
import { prng } from './ref.js';

export const RECORD = 64;
export const STRIDE = 1 << 20;

/**
 * The records of the data of `length` bytes: [{ pos, bytes }] in order of
 * position, not overlapping. Shorter inputs use a prefix of them
 * (clip(records, n)).
 */
export function makeRecords(length, seed) {
  const next = prng(seed);
  const recs = [];
  const add = (pos) => {
    const bytes = new Uint8Array(RECORD);
    for (let i = 0; i < RECORD; i++) {
      const r = next();
      // about half lower-case letters, the rest any byte (zero included)
      bytes[i] = r & 1 ? 0x61 + ((r >>> 1) % 26) : (r >>> 8) & 0xff;
    }
    recs.push({ pos, bytes });
  };
  const special = [2 ** 31 - RECORD / 2, length - RECORD]; // straddles 2^31; ends the data
  for (let base = 0; base + STRIDE <= length; base += STRIDE) {
    const pos = base + (next() % (STRIDE - 2 * RECORD));
    if (special.some((s) => s < pos + RECORD && pos < s + RECORD)) continue;
    add(pos);
  }
  for (const s of special) if (s >= 0 && s + RECORD <= length) add(s);
  recs.sort((a, b) => a.pos - b.pos);
  return recs;
}

/** The records of the first n bytes (a record cut by n is cut too). */
export function clip(recs, n) {
  const out = [];
  for (const r of recs) {
    if (r.pos >= n) break;
    out.push(r.pos + RECORD <= n ? r : { pos: r.pos, bytes: r.bytes.subarray(0, n - r.pos) });
  }
  return out;
}

/** Writes the records into a zeroed view. */
export function writeRecords(view, recs) {
  for (const r of recs) view.set(r.bytes, r.pos);
}

/** The records with a-z made upper case (what asciiUpper turns them into). */
export function upperRecords(recs) {
  return recs.map((r) => ({ pos: r.pos, bytes: r.bytes.map((b) => (b >= 0x61 && b <= 0x7a ? b - 0x20 : b)) }));
}

/** Lower-case letters in the records. */
export function lowerCount(recs) {
  let n = 0;
  for (const r of recs) for (const b of r.bytes) n += b >= 0x61 && b <= 0x7a ? 1 : 0;
  return n;
}

// ---------------------------------------------------------------- CRCs

/** A reflected CRC-32 over sparse data, for polynomial `poly` (reversed form). */
function sparseCrc(poly) {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1;
    table[n] = c >>> 0;
  }
  // a * b modulo the polynomial; bit 31 is x^0 (reflected)
  const mul = (a, b) => {
    let p = 0;
    for (let i = 0; i < 32; i++) {
      if (a & 0x80000000) p ^= b;
      a = (a << 1) >>> 0;
      b = b & 1 ? (b >>> 1) ^ poly : b >>> 1;
    }
    return p >>> 0;
  };
  // pow[k] = x^(8 * 2^k): what 2^k zero bytes multiply the register by
  const pow = [0x00800000];
  for (let k = 1; k < 64; k++) pow.push(mul(pow[k - 1], pow[k - 1]));
  const zeros = (reg, n) => {
    for (let k = 0; n > 0; k++, n = Math.floor(n / 2)) if (n % 2) reg = mul(reg, pow[k]);
    return reg;
  };
  /** The CRC of `length` bytes described by recs (zeros elsewhere). */
  return (length, recs) => {
    let reg = 0xffffffff;
    let at = 0;
    for (const r of recs) {
      reg = zeros(reg, r.pos - at);
      for (const b of r.bytes) reg = (table[(reg ^ b) & 0xff] ^ (reg >>> 8)) >>> 0;
      at = r.pos + r.bytes.length;
    }
    return ~zeros(reg, length - at) >>> 0;
  };
}

export const sparseCrc32 = sparseCrc(0xedb88320);
export const sparseCrc32c = sparseCrc(0x82f63b78);

/** Adler-32 of `length` bytes described by recs. */
export function sparseAdler32(length, recs) {
  const M = 65521;
  let a = 1;
  let b = length % M;
  for (const r of recs) {
    for (let i = 0; i < r.bytes.length; i++) {
      const v = r.bytes[i];
      a = (a + v) % M;
      b = (b + ((length - r.pos - i) % M) * v) % M;
    }
  }
  return ((b << 16) | a) >>> 0;
}

/** A view's bytes in slices of `slice` bytes (for streaming references). */
export function* slices(view, slice = 64 << 20) {
  for (let off = 0; off < view.length; off += slice) yield view.subarray(off, Math.min(view.length, off + slice));
}
