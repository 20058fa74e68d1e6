// What every entry point exports besides loadCore/createPool.
export {
  AbortError, ParawasmError, PoolCrashedError, PoolDestroyedError,
} from './errors.js';
export { hex } from './hex.js';
export { HASH_ALGORITHMS } from './hash.js';
