// vite needs two settings for a parawasm package (its wasm files, thread
// script and fallback worker are found by vite itself, through their
// new URL('…', import.meta.url) references):
export default {
  worker: { format: 'es' },      // the fallback pool's worker is a module worker
  build: { target: 'es2022' },   // top-level await
};
