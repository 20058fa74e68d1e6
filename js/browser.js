// parawasm for browsers: pages, Web Workers, bundlers.
import { makeApi } from './api.js';
import { browserEnv } from './env-browser.js';

export const { loadCore, createPool } = makeApi(browserEnv);
export * from './exports.js';
