// The hashes of `parawasm sum`: their names, digest sizes and --tag names,
// taken from the algorithm list that the C header include/parawasm/hash.h
// holds (through the package's generated bundle), and the hash spec of one
// output.

import * as bundle from '../../gen/kernels.js';
import { hashList } from '../families/hash.js';

const HASHES = hashList(bundle);

/** Longest blake3 output (--length, or a checksum's length) in bytes. */
export const MAX_LENGTH = 1 << 20;

/** name -> { bytes: digest bytes (blake3: its default length), tag: name of --tag lines }. */
export const ALGORITHMS = Object.fromEntries(HASHES.map((h) => [h.name, { bytes: h.bytes, tag: h.name.toUpperCase() }]));
export const NAMES = Object.keys(ALGORITHMS);
/**
 * Tag of a tagged line -> algorithm name: the --tag names, and the names
 * OpenSSL 3 writes for the SHA-2 hashes (`openssl dgst -sha256` writes
 * `SHA2-256(NAME)= HEX`), so that its lists can be checked as they are.
 */
export const BY_TAG = new Map(NAMES.map((n) => [ALGORITHMS[n].tag, n]));
for (const [tag, n] of [['SHA2-224', 'sha224'], ['SHA2-256', 'sha256']]) if (ALGORITHMS[n]) BY_TAG.set(tag, n);
/** The algorithms that take --seed. */
export const SEEDED = ['xxh32', 'xxh64', 'xxh3', 'xxh128'];
/** The largest --seed of each SEEDED algorithm (bigint): xxh32's seed has 32 bits, the others' 64. */
export const SEED_MAX = Object.fromEntries(SEEDED.map((n) => [n, n === 'xxh32' ? 0xffffffffn : (1n << 64n) - 1n]));

/**
 * The message of a --seed (`text` as given) too big for the SEEDED
 * `algorithm`, or for any of them if `algorithm` is undefined.
 */
export function seedTooBig(text, algorithm) {
  const max = SEED_MAX[algorithm ?? 'xxh64'];
  return `invalid --seed '${text}'${algorithm ? ` for ${algorithm}` : ''} (at most ${max})`;
}
export const DEFAULT_ALGORITHM = 'blake3';

// --check without -a: the algorithm a checksum's hex length stands for.
// Lengths shared by several fixed-size algorithms need -a; 64 digits are
// blake3 (the default), never sha256; any other even length is blake3 with
// that output length.
/** Hex digits -> the algorithm a checksum of that length is taken for. */
export const BY_HEX_LENGTH = { 40: 'sha1', 56: 'sha224', 64: 'blake3' };
/** Hex digits -> the fixed-size algorithms of that length, where there are several. */
export const AMBIGUOUS = {};
for (const n of NAMES) {
  if (n === 'blake3') continue;
  const d = 2 * ALGORITHMS[n].bytes;
  if (!BY_HEX_LENGTH[d]) (AMBIGUOUS[d] ??= []).push(n);
}

const specs = new Map();

/**
 * The hash of `algorithm` with an output of `outBytes` bytes (blake3: any
 * length; the others: their own) and `seed` (bigint, for the SEEDED ones)
 * as one shared spec: { alg, options, key, outBytes }, options being those
 * of createHash() and hashMany(). The same arguments give the same object.
 */
export function hashSpec(algorithm, outBytes, seed) {
  const key = `${algorithm}/${outBytes}`;
  if (!specs.has(key)) {
    const options = {};
    if (algorithm === 'blake3' && outBytes !== ALGORITHMS.blake3.bytes) options.outputLength = outBytes;
    if (seed !== undefined && SEEDED.includes(algorithm)) options.seed = seed;
    specs.set(key, { alg: algorithm, options, key, outBytes });
  }
  return specs.get(key);
}
