// Hex formatting of kernel results.
import { describe, typeError } from './errors.js';

/**
 * Lower-case hex of a result: a number as 8 digits (a 32-bit checksum), a
 * bigint as 16 digits (64-bit), the bytes of a typed array or DataView in
 * order (a digest).
 */
export function hex(value) {
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
      throw typeError(`hex: a number must be an unsigned 32-bit integer (got ${value})`);
    }
    return value.toString(16).padStart(8, '0');
  }
  if (typeof value === 'bigint') return BigInt.asUintN(64, value).toString(16).padStart(16, '0');
  if (ArrayBuffer.isView(value)) {
    const b = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    let s = '';
    for (let i = 0; i < b.length; i++) s += (b[i] < 16 ? '0' : '') + b[i].toString(16);
    return s;
  }
  throw typeError(`hex: expected a number, bigint or view (got ${describe(value)})`);
}
