// parawasm for Node.js (ESM; the CommonJS build is bundled from this file).
import { makeApi } from './api.js';
import { nodeEnv } from './env-node.js';

export const { loadCore, createPool } = makeApi(nodeEnv);
export * from './exports.js';
