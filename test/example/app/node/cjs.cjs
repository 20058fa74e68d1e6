// The three packages in one Node process, through require(). Prints one JSON line.
'use strict';
const { readFileSync } = require('node:fs');
const path = require('node:path');

(async () => {
  const { runApp } = await import('../shared.js');
  const libs = { parawasm: require('parawasm'), own: require('own-kernels-example'), stb: require('stb-user') };
  const input = readFileSync(path.join(__dirname, '../input.bin'));
  const png = readFileSync(path.join(__dirname, '../input.png'));
  const out = await runApp(libs, input, png);
  out.entries = ['parawasm', 'own-kernels-example', 'stb-user'].map((m) => require.resolve(m));
  console.log(JSON.stringify(out));
})().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
