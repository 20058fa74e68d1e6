// parawasm's kernel families: what `parawasm build --with FAMILY` adds to a
// package. A family is a folder of C sources under src/kernels/<dir>/ (all
// of its .c files), its annotated headers under include/parawasm/, and
// optionally the JS it needs beyond its generated methods (js/families/).
// parawasm's own package is built with every family.
//
// A family may compile a third-party library: `units` are its source files
// that include that library's headers, compiled apart with the library's
// include folder and their own flags (`libs` says where the headers are
// found and how to install them). They are not kernel sources.

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
  image: {
    about: 'RGBA and grey images: resize, blur, sharpen, convolve, colour, geometry, compose, measure; PNG and JPEG',
    dir: 'image',
    headers: ['image.h'],
    // the image namespace's methods and types are the family's JS (images as objects, string options)
    js: {
      module: 'image.js', family: 'imageFamily', types: 'image.types.d.ts', namespace: 'image',
      // the kernels of its one-call operations (sameSize in js/families/image.js,
      // and rotate), which alone get generated fast paths: the others need an options
      // object on every call and run behind more of the family's JS, and
      // fast paths for all would double the generated module
      // (test/js/fast-paths.test.js checks the list against the operations)
      fast: ['blur', 'boxBlur', 'unsharp', 'greyscale', 'invert', 'premultiply', 'unpremultiply', 'brightnessContrast',
        'gamma', 'levels', 'threshold', 'flip', 'flop', 'rotate', 'crop'].flatMap((k) => (['greyscale', 'premultiply', 'unpremultiply'].includes(k) ? [k] : [k, `${k}Grey`])),
    },
    // -msse2 in wasm: emscripten maps stb's SSE2 JPEG code onto wasm SIMD
    units: [{ src: 'stb_impl.c', lib: 'stb', wasmFlags: ['-msse2'] }],
    // C of another family it calls (pw_crc32 for PNG chunk checks, pw_adler32
    // for the image data's), compiled in without that family's methods when
    // the package does not have it
    borrows: [{ family: 'hash', sources: ['crc32.c', 'adler32.c'] }],
  },
  array: {
    about: 'typed arrays of every element type: sort, argsort, sortByKey, select, search, unique, reductions, prefix sums, histograms, axpy, clamp, convert, matmul',
    dir: 'array',
    headers: ['array.h'],
    // one method per operation over every element type; results as objects, sortByKey, quantiles
    js: {
      module: 'array.js', family: 'arrayFamily', types: 'array.types.d.ts', namespace: 'array',
      // its kernels that need an options object and get fast paths: those
      // of the operations that small calls use (clamp, histogram); matmul's
      // and transpose's calls are big, their fast paths would only make the
      // generated module bigger
      fast: ['clamp', 'histogram'],
    },
  },
};

/** Third-party libraries of the families' units: their headers, where they are found, how to install them. */
export const LIBS = {
  stb: {
    headers: ['stb_image.h', 'stb_image_write.h'],
    dirs: ['/usr/include/stb', '/usr/local/include/stb'],
    install: 'Debian/Ubuntu: sudo apt-get install libstb-dev; elsewhere, the stb headers from https://github.com/nothings/stb and -I DIR',
  },
};

/**
 * The C sources that `families` borrow from families not among them
 * ({ dir, path } relative to the kernels folder), each once.
 */
export function borrowedSources(families) {
  const have = new Set(families.map((f) => f.name));
  const out = new Map();
  for (const f of families) {
    for (const b of f.borrows ?? []) {
      if (have.has(b.family)) continue;
      const dir = FAMILIES[b.family].dir;
      for (const src of b.sources) out.set(`${dir}/${src}`, { dir, path: `${dir}/${src}` });
    }
  }
  return [...out.values()];
}

/** What is wrong with a --with list (["hash", "bytes"]): the message for its first unknown family, or null. */
export function unknownFamily(names) {
  const n = names.find((f) => !Object.hasOwn(FAMILIES, f));
  return n === undefined ? null : `--with: unknown family "${n}" (families: ${Object.keys(FAMILIES).join(', ')})`;
}

/** The families of a --with list ("hash,bytes"), checked; in the order of FAMILIES. */
export function resolveFamilies(names) {
  const bad = unknownFamily(names);
  if (bad) throw new Error(bad);
  return Object.keys(FAMILIES).filter((n) => names.includes(n)).map((n) => ({ name: n, ...FAMILIES[n] }));
}

/** The headers a package with these families is generated from, in order: the SDK's, then each family's. */
export function familyHeaders(includeDir, families) {
  return [`${includeDir}/parawasm/kernel.h`, ...families.flatMap((f) => f.headers.map((h) => `${includeDir}/parawasm/${h}`))];
}

/** The folder that holds every header of a library, from `extra` folders first; null if none does. */
export function findLib(name, extra = [], exists) {
  const lib = LIBS[name];
  for (const dir of [...extra, ...lib.dirs]) {
    if (lib.headers.every((h) => exists(`${dir}/${h}`))) return dir;
  }
  return null;
}

/**
 * The make fragment of the families, for the repository's Makefile:
 * FAMILIES, FAMILY_UNITS, and FLAGS_<unit> / NATIVE_FLAGS_<unit> (the
 * library's include folder; FLAGS_ adds the unit's wasm flags).
 */
export function makeFragment(exists) {
  const lines = ['# generated from js/tools/families.mjs (do not edit)', `FAMILIES := ${Object.keys(FAMILIES).join(',')}`];
  const units = [];
  for (const f of Object.values(FAMILIES)) {
    for (const u of f.units ?? []) {
      const path = `src/kernels/${f.dir}/${u.src}`;
      units.push(path);
      const name = u.src.replace(/\.c$/, '');
      const dir = findLib(u.lib, [], exists) ?? LIBS[u.lib].dirs[0];
      lines.push(`NATIVE_FLAGS_${name} := -I${dir}`, `FLAGS_${name} := -I${dir} ${(u.wasmFlags ?? []).join(' ')}`.trimEnd());
    }
  }
  lines.push(`FAMILY_UNITS := ${units.join(' ')}`, '');
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const { existsSync } = await import('node:fs');
  process.stdout.write(makeFragment(existsSync));
}
