// Hex formatting of kernel results.
import { describe, rangeError, typeError } from './errors.js';

const U128_MAX = (1n << 128n) - 1n;

/**
 * Lower-case hex of a result: a number (an unsigned 32-bit integer: a
 * checksum) as 8 digits, a bigint (0 to 2^128 - 1) as 16 digits, or 32
 * when it needs more than 64 bits (an xxh128 value), the bytes of a typed
 * array or DataView in order (a digest). A number or bigint outside those
 * ranges is a RangeError, any other value a TypeError.
 */
export function hex(value) {
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
      throw rangeError(`hex: a number must be an unsigned 32-bit integer, 0 to 4294967295 (got ${value})`);
    }
    return value.toString(16).padStart(8, '0');
  }
  if (typeof value === 'bigint') {
    if (value < 0n || value > U128_MAX) {
      throw rangeError(`hex: a bigint must be from 0 to 2^128 - 1 (got ${value}n)`);
    }
    return value.toString(16).padStart(value >> 64n ? 32 : 16, '0');
  }
  if (ArrayBuffer.isView(value)) {
    const b = value instanceof Uint8Array ? value : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    return hexBytes(b, 0, b.length);
  }
  throw typeError(`hex: expected a number, bigint or view (got ${describe(value)})`);
}

// the two ASCII codes of each byte's hex digits, by byte
const DIGITS = new Uint8Array(512);
for (let i = 0; i < 256; i++) {
  const h = i >> 4, l = i & 15;
  DIGITS[2 * i] = h < 10 ? 48 + h : 87 + h;
  DIGITS[2 * i + 1] = l < 10 ? 48 + l : 87 + l;
}
const ascii = new TextDecoder();
let codes = new Uint8Array(64); // reused: the digits of the last call
let codeViews = new Map(); // length -> a view of `codes` (no view made a call)

/**
 * Lower-case hex of bytes b[from, from + n) (b a Uint8Array): the digits'
 * ASCII codes into a reused buffer, decoded at once into a flat string (a
 * string built by concatenation is a rope of 2n pieces until something
 * reads it: 1.2 µs for a 32-byte digest, 0.4 this way).
 */
export function hexBytes(b, from, n) {
  if (codes.length < 2 * n) {
    codes = new Uint8Array(2 * n);
    codeViews = new Map();
  }
  for (let i = 0; i < n; i++) {
    const v = b[from + i];
    codes[2 * i] = DIGITS[2 * v];
    codes[2 * i + 1] = DIGITS[2 * v + 1];
  }
  let view = codeViews.get(n);
  if (view === undefined) {
    view = codes.subarray(0, 2 * n);
    if (codeViews.size < 64) codeViews.set(n, view);
  }
  return ascii.decode(view);
}
