// parawasm's kernel families: what `parawasm build --with FAMILY` adds to a
// package. A family is a folder of C sources under src/kernels/<dir>/ (all
// of its .c files), its annotated headers under include/parawasm/, and
// optionally the JS it needs beyond its generated methods (js/families/).
// parawasm's own package is built with every family.

export const FAMILIES = {
  hash: {
    about: 'checksums and hashes: crc32, crc32c, adler32, xxHash, SHA-256/224, SHA-1, MD5, BLAKE3; createHash(), hashMany()',
    dir: 'hash',
    headers: ['checksum.h', 'xxhash.h', 'sha2.h', 'legacy.h', 'blake3.h', 'hash.h'],
    js: { module: 'hash.js', family: 'hashFamily', types: 'hash.types.d.ts', exports: { HASH_ALGORITHMS: 'hashAlgorithms' } },
  },
  bytes: {
    about: 'byte-buffer transforms in place (asciiUpper)',
    dir: 'bytes',
    headers: ['bytes.h'],
  },
};

/** The families of a --with list ("hash,bytes"), checked; in the order of FAMILIES. */
export function resolveFamilies(names) {
  for (const n of names) {
    if (!FAMILIES[n]) {
      throw new Error(`unknown family "${n}" (families: ${Object.keys(FAMILIES).join(', ')})`);
    }
  }
  return Object.keys(FAMILIES).filter((n) => names.includes(n)).map((n) => ({ name: n, ...FAMILIES[n] }));
}

/** The headers a package with these families is generated from, in order: the SDK's, then each family's. */
export function familyHeaders(includeDir, families) {
  return [`${includeDir}/parawasm/kernel.h`, ...families.flatMap((f) => f.headers.map((h) => `${includeDir}/parawasm/${h}`))];
}
