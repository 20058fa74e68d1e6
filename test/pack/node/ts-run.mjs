// Runs what tsc emitted from usage.ts (ESM) and usage.cts (CommonJS).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const input = readFileSync(new URL('./input.bin', import.meta.url));
const { run } = await import('./ts-out/usage.js');
const runCjs = createRequire(import.meta.url)('./ts-out/usage.cjs');
console.log(JSON.stringify({ esm: await run(input), cjs: await runCjs(input) }));
