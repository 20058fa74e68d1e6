// What vite needs for parawasm (its new URL('…', import.meta.url) assets
// and new Worker(new URL('…', import.meta.url)) need nothing):
//  - worker.format 'es': parawasm's fallback-pool worker is a module worker
//    (top-level await, import());
//  - a target with top-level await.
// vite inlines the small pthread worker script as a data: URL; parawasm
// starts its threads from a blob: URL of it instead, so nothing else is needed.
export default {
  worker: { format: 'es' },
  build: {
    target: 'es2022',
  },
};
