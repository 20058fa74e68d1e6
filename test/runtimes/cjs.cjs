'use strict';
// parawasm from CommonJS, in any runtime: node/deno/bun cjs.cjs MODE
// (MODE: see prepare() in checks.cjs).
const { prepare, main } = require('./checks.cjs');

prepare(process.argv[2], require);
main(require('parawasm'), require.resolve('parawasm')).catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
