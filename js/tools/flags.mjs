// The Emscripten flags of every parawasm build, each with the reason it is
// there: the one place they are written. `parawasm build` uses them, the
// repository's Makefile includes the make fragment made from them
// (`node js/tools/flags.mjs > build/flags.mk`), and the SDK ships that
// fragment as sdk/parawasm.mk for a user's own Makefile.
//
// Only flags that current Emscripten still accepts (checked against its
// changelog): MODULARIZE, EXPORT_NAME, ENVIRONMENT, ALLOW_MEMORY_GROWTH,
// MAXIMUM_MEMORY, INITIAL_MEMORY, STACK_SIZE-era TOTAL_STACK (renamed
// STACK_SIZE in 3.1.27; TOTAL_STACK remains an accepted alias),
// NODEJS_CATCH_EXIT/REJECTION, EXIT_RUNTIME, FILESYSTEM, PTHREAD_POOL_SIZE
// (an expression), PTHREAD_POOL_SIZE_STRICT, DEFAULT_PTHREAD_STACK_SIZE.

/** Flags for compiling C (both builds), without -O (the level is chosen per build). */
export const COMPILE = [
  ['-std=c11', 'the language of parawasm and its kernels'],
  ['-msimd128', 'wasm SIMD128: every current engine has it; kernels use wasm_simd128.h under __wasm_simd128__'],
];

/** Link flags of both builds. */
export const LINK = [
  ['-msimd128', 'the runtime and libc built with SIMD too'],
  ['-sMODULARIZE=1', 'a factory per build, so that a process can hold several instances (a core and a pool, several pools)'],
  ['-sENVIRONMENT=web,worker,node', 'one glue for Node, pages and workers (pthreads need "worker")'],
  ['-sALLOW_MEMORY_GROWTH=1', 'inputs of any size up to all of wasm32 (the JS side treats pointers as unsigned)'],
  ['-sMAXIMUM_MEMORY=4GB', 'the whole 32-bit address space'],
  ['-sNODEJS_CATCH_EXIT=0', 'a library must not install process handlers ...'],
  ['-sNODEJS_CATCH_REJECTION=0', '... nor rethrow the host\'s unhandled rejections'],
  ['-sEXIT_RUNTIME=0', '... nor have a path that exits the host process'],
  ['-sFILESYSTEM=0', 'kernels do no I/O'],
  ['-sTOTAL_STACK=1MB', 'the C stack of the thread that calls the core: kernels keep large data on the heap'],
  ['-lexports.js', 'keep wasm export names, so that JS calls exports directly, without wrappers'],
  ['-sEXPORTED_RUNTIME_METHODS=stackSave,stackRestore', 'the C stack pointer as wasm exports: the core puts it back after a kernel traps (js/runtime/core.js, trapped())'],
];

/**
 * parawasm's own allocator (src/runtime/alloc.c, compiled with
 * PW_REPLACE_MALLOC) instead of Emscripten's dlmalloc: dlmalloc cannot grow
 * the heap by 2 GiB or more in one step and, after one failed growth,
 * never grows it that way again, so large allocations failed on a fresh
 * heap and the largest possible one depended on history.
 */
export const MALLOC = [
  ['-sMALLOC=none', 'no libc allocator: alloc.c provides malloc, free, realloc, ...'],
  ['-DPW_REPLACE_MALLOC=1', 'alloc.c defines them'],
];

/** MALLOC's definitions: what compiling a source (-c) takes of it. */
export const MALLOC_DEFINES = MALLOC.map(([f]) => f).filter((f) => f.startsWith('-D')).map((f) => f.slice(2));

/** Link flags of the single-thread build only (the core where shared memory is missing). */
export const LINK_ST = [
  ['-sINITIAL_MEMORY=16MB', 'small to start; it grows'],
];

/** Link flags of the threaded build only (the pool, and the core where shared memory exists). */
export const LINK_MT = [
  ['-pthread', 'pool threads are Emscripten pthreads sharing one memory'],
  ['-sPTHREAD_POOL_SIZE=Module.pwThreads', 'createPool({ threads }) chooses the number of workers at load time (0 for a core)'],
  ['-sPTHREAD_POOL_SIZE_STRICT=2', 'never spawn more lazily: kernels do not create threads'],
  ['-sDEFAULT_PTHREAD_STACK_SIZE=1MB', 'each pool thread\'s C stack'],
  ['-sINITIAL_MEMORY=64MB', 'room for the task table, thread stacks and the first calls'],
  ['-Wno-pthreads-mem-growth', 'growth is safe for wasm code, and parawasm\'s JS refreshes its views itself'],
];

const flags = (list) => list.map(([f]) => f);

/** emcc arguments for compiling one source of a build into an object (-c). */
export function compileArgs(build, { opt = '3', defines = [], includes = [] } = {}) {
  return [...flags(COMPILE), `-O${opt}`, ...includes.map((d) => `-I${d}`), ...defines.map((d) => `-D${d}`),
    ...(build === 'mt' ? ['-pthread'] : [])];
}

/** emcc arguments for compiling and linking one build. */
export function emccArgs(build, { opt = '3', exportName, defines = [], includes = [] } = {}) {
  const link = [...flags(LINK), ...flags(MALLOC), ...flags(build === 'mt' ? LINK_MT : LINK_ST)];
  return [
    ...flags(COMPILE), `-O${opt}`, ...includes.map((d) => `-I${d}`), ...defines.map((d) => `-D${d}`),
    ...link, `-sEXPORT_NAME=${exportName}`,
  ];
}

/** The make fragment: PW_CFLAGS, PW_LDFLAGS, PW_ST_LDFLAGS, PW_MT_LDFLAGS, with every reason. */
export function makeFragment() {
  const block = (name, list, base) => [
    `${name} :=${base ? ` ${base}` : ''}`,
    ...list.map(([f, why]) => `# ${why}\n${name} += ${f}`),
  ].join('\n');
  return [
    '# parawasm build flags for emcc, generated from js/tools/flags.mjs (do not edit).',
    '# Compile kernels with $(PW_CFLAGS) -O3; link the single-thread build with',
    '# $(PW_ST_LDFLAGS) -O3 -sEXPORT_NAME=<Name>Core and the threaded build with',
    '# $(PW_MT_LDFLAGS) -O3 -sEXPORT_NAME=<Name>Mt (see the README, "Your own kernels").',
    '# PW_LDFLAGS includes PW_MALLOC: link src/runtime/alloc.c with the runtime.',
    block('PW_CFLAGS', COMPILE),
    block('PW_MALLOC', MALLOC),
    block('PW_LDFLAGS', LINK, '$(PW_MALLOC)'),
    block('PW_ST_LDFLAGS', LINK_ST, '$(PW_LDFLAGS)'),
    block('PW_MT_LDFLAGS', LINK_MT, '$(PW_LDFLAGS)'),
    '',
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) process.stdout.write(makeFragment());
