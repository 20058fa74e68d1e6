// Plain-JS references, written from the algorithms' definitions and
// independent of the C kernels, plus a seeded PRNG to make test data.

/** Deterministic 32-bit PRNG (mulberry32): returns a function giving uint32s. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
}

function crcTables(poly) {
  const t = Array.from({ length: 8 }, () => new Uint32Array(256));
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1;
    t[0][n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    for (let k = 1; k < 8; k++) t[k][n] = (t[k - 1][n] >>> 8) ^ t[0][t[k - 1][n] & 0xff];
  }
  return t;
}

const CRC32_T = crcTables(0xedb88320);
const CRC32C_T = crcTables(0x82f63b78);

function bytesOf(view) {
  return view instanceof Uint8Array ? view : new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

// reflected CRC-32 slicing-by-8, continuing from `crc`
function crc(tables, view, crc0) {
  const p = bytesOf(view);
  const [t0, t1, t2, t3, t4, t5, t6, t7] = tables;
  let c = ~crc0 >>> 0;
  let i = 0;
  const n8 = p.length - 8;
  for (; i <= n8; i += 8) {
    const a = (c ^ (p[i] | (p[i + 1] << 8) | (p[i + 2] << 16) | (p[i + 3] << 24))) >>> 0;
    c = t7[a & 0xff] ^ t6[(a >>> 8) & 0xff] ^ t5[(a >>> 16) & 0xff] ^ t4[a >>> 24] ^
      t3[p[i + 4]] ^ t2[p[i + 5]] ^ t1[p[i + 6]] ^ t0[p[i + 7]];
  }
  for (; i < p.length; i++) c = t0[(c ^ p[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/** CRC-32/ISO-HDLC (zlib). */
export const refCrc32 = (view, c = 0) => crc(CRC32_T, view, c);
/** CRC-32C (Castagnoli). */
export const refCrc32c = (view, c = 0) => crc(CRC32C_T, view, c);

/** Adler-32 (RFC 1950), continuing from `adler`. */
export function refAdler32(view, adler = 1) {
  const p = bytesOf(view);
  let a = adler & 0xffff;
  let b = adler >>> 16;
  for (let i = 0; i < p.length;) {
    const end = Math.min(p.length, i + 5552); // NMAX: no overflow before the modulo
    for (; i < end; i++) {
      a += p[i];
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** ASCII a-z to upper case, as a new array; returns [array, changed]. */
export function refAsciiUpper(view) {
  const out = Uint8Array.from(bytesOf(view));
  let changed = 0;
  for (let i = 0; i < out.length; i++) {
    if (out[i] >= 0x61 && out[i] <= 0x7a) {
      out[i] -= 0x20;
      changed++;
    }
  }
  return [out, changed];
}

/** Fills a view with a seeded xorshift32 byte stream; returns the view. */
export function fillRandom(view, seed = 0x5eed1234) {
  const u8 = bytesOf(view);
  let x = (seed >>> 0) || 1;
  let i = 0;
  const head = Math.min(u8.length, (4 - (u8.byteOffset & 3)) & 3);
  const step = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x;
  };
  for (; i < head; i++) u8[i] = step();
  const words = new Uint32Array(u8.buffer, u8.byteOffset + i, (u8.length - i) >>> 2);
  for (let k = 0; k < words.length; k++) words[k] = step();
  for (i += words.length * 4; i < u8.length; i++) u8[i] = step();
  return view;
}

/** The nine bytes "123456789" of the published CRC check values. */
export const CHECK_INPUT = new TextEncoder().encode('123456789');
export const CHECK = { crc32: 0xcbf43926, crc32c: 0xe3069283, adler32: 0x091e01de };
