// The three packages in one Node process, as ES modules. Prints one JSON line.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as parawasm from 'parawasm';
import * as own from 'own-kernels-example';
import * as stb from 'stb-user';
import { runApp } from '../shared.js';

const input = readFileSync(new URL('../input.bin', import.meta.url));
const png = readFileSync(new URL('../input.png', import.meta.url));
const out = await runApp({ parawasm, own, stb }, input, png);
// the CommonJS entries of the same packages share the classes too
const require = createRequire(import.meta.url);
out.cjsSameClasses = require('own-kernels-example').ParawasmError === parawasm.ParawasmError &&
  require('stb-user').AbortError === parawasm.AbortError;
out.entries = ['parawasm', 'own-kernels-example', 'stb-user'].map((m) => import.meta.resolve(m));
console.log(JSON.stringify(out));
