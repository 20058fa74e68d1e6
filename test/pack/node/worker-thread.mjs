// An ESM worker_threads worker using parawasm (see worker-main.mjs).
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { createPool, loadCore } from 'parawasm';

const data = new Uint8Array(workerData.shared);
const check = new TextEncoder().encode('123456789');
const core = await loadCore();
const pool = await createPool({ threads: 2 });
parentPort.postMessage({
  isMainThread,
  core: { check: core.crc32(check), input: core.crc32(data) },
  pool: { check: await pool.crc32(check), input: await pool.crc32(data), threads: pool.threads, isShared: pool.isShared },
});
// no destroy(): the worker, and then the process, must still end
