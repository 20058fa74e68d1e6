// Patches to Emscripten's generated JS glue, applied by `parawasm build`
// right after linking. Each names the Emscripten versions whose glue needs
// it, what it matches and why; a patch whose pattern is not found in a
// version that needs it fails the build (it never silently does nothing).

/** [major, minor, patch] a <= b */
const le = (a, b) => a[0] !== b[0] ? a[0] < b[0] : a[1] !== b[1] ? a[1] < b[1] : a[2] <= b[2];

export const PATCHES = [
  {
    name: 'no-workers',
    builds: ['mt'],
    // 3.1.58 rewrote the loading of pthread workers (promises, which settle
    // with no workers too)
    versions: [[0, 0, 0], [3, 1, 57]],
    why: 'a core runs the threaded build with no pthread workers (shared memory, views that never detach); ' +
      'this glue waits for every worker to load before it starts, and with none it would wait forever',
    pattern: /(var\s+numWorkersToLoad\s*=\s*PThread\.unusedWorkers\.length\s*;)/,
    replace: '$1if(!numWorkersToLoad)removeRunDependency("wasm-instantiate");',
  },
];

/** The glue text with every patch for this build and Emscripten version applied. */
export function patchGlue(text, build, version, file) {
  let out = text;
  for (const p of PATCHES) {
    if (!p.builds.includes(build) || !le(p.versions[0], version) || !le(version, p.versions[1])) continue;
    if (!p.pattern.test(out)) {
      throw new Error(`${file}: the glue of Emscripten ${version.join('.')} does not have what patch "${p.name}" changes ` +
        `(${p.pattern}); parawasm cannot build with this version (${p.why})`);
    }
    out = out.replace(p.pattern, p.replace);
  }
  return out;
}
