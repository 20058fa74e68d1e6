// A CommonJS worker_threads worker using parawasm (see worker-main.mjs).
const { isMainThread, parentPort, workerData } = require('node:worker_threads');
const { createPool, loadCore } = require('parawasm');

(async () => {
  const data = new Uint8Array(workerData.shared);
  const check = Buffer.from('123456789');
  const core = await loadCore();
  const pool = await createPool({ threads: 2 });
  const out = {
    isMainThread,
    core: { check: core.crc32(check), input: core.crc32(data) },
    pool: { check: await pool.crc32(check), input: await pool.crc32(data), threads: pool.threads, isShared: pool.isShared },
  };
  await pool.destroy();
  parentPort.postMessage(out);
})();
