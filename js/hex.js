// Hex formatting of kernel results.
import { describe, typeError } from './errors.js';

/**
 * Lower-case hex of a result: a number as 8 digits (a 32-bit checksum), a
 * bigint as 16 digits (64-bit; 32 digits when it needs more than 64 bits,
 * as an xxh128 value may), the bytes of a typed array or DataView in
 * order (a digest).
 */
export function hex(value) {
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
      throw typeError(`hex: a number must be an unsigned 32-bit integer (got ${value})`);
    }
    return value.toString(16).padStart(8, '0');
  }
  if (typeof value === 'bigint') {
    // 64-bit results as 16 digits; larger ones (xxh128) as 32
    const v = value < 0n ? BigInt.asUintN(64, value) : BigInt.asUintN(128, value);
    return v.toString(16).padStart(v >> 64n ? 32 : 16, '0');
  }
  if (ArrayBuffer.isView(value)) {
    const b = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    let s = '';
    for (let i = 0; i < b.length; i++) s += (b[i] < 16 ? '0' : '') + b[i].toString(16);
    return s;
  }
  throw typeError(`hex: expected a number, bigint or view (got ${describe(value)})`);
}
