// What vite needs for parawasm (its new URL('…', import.meta.url) assets
// and new Worker(new URL('…', import.meta.url)) need nothing):
//  - worker.format 'es': parawasm's fallback-pool worker is a module worker
//    (top-level await, import());
//  - never inline parawasm-mt.worker.js as a data: URL (vite inlines assets
//    under 4 KiB): a worker started from a data: URL has an opaque origin
//    and cannot load the threaded glue, so the pool fails to start;
//  - a target with top-level await.
export default {
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    assetsInlineLimit: (file) => (file.endsWith('.worker.js') ? false : undefined),
  },
};
