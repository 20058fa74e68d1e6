// vite needs two settings for a parawasm package (its wasm files, thread
// script and fallback worker are found by vite itself, through their
// new URL('…', import.meta.url) references):
export default {
  worker: { format: 'es' },      // the fallback pool's worker is a module worker
  build: {
    target: 'es2022',            // top-level await
    // this app puts three packages' JS (parawasm with all its families, the
    // example and stb-user) in one chunk on purpose: the test checks that
    // they load side by side, not how big the chunk is
    chunkSizeWarningLimit: 4096,
  },
};
