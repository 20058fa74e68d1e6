// What every package's entry exports besides loadCore/createPool.
export {
  AbortError, ParawasmError, PoolCrashedError, PoolDestroyedError,
} from './errors.js';
export { hex } from './hex.js';
