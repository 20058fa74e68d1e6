// parawasm from an ES module, in any runtime: node/deno/bun esm.mjs MODE
// (MODE: see prepare() in checks.cjs).
import { createRequire } from 'node:module';
import process from 'node:process';

const require = createRequire(import.meta.url);
const { prepare, main } = require('./checks.cjs');

prepare(process.argv[2], require);
const api = await import('parawasm');
await main(api, import.meta.resolve('parawasm'));
