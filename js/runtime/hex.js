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
    const b = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    let s = '';
    for (let i = 0; i < b.length; i++) s += (b[i] < 16 ? '0' : '') + b[i].toString(16);
    return s;
  }
  throw typeError(`hex: expected a number, bigint or view (got ${describe(value)})`);
}
