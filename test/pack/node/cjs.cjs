// Node, CommonJS: require('parawasm'). Prints one JSON line for run.mjs.
const { readFileSync } = require('node:fs');
const path = require('node:path');
const { createPool, loadCore, hex } = require('parawasm');

async function main() {
  const check = Buffer.from('123456789');
  const input = readFileSync(path.join(__dirname, 'input.bin'));
  const core = await loadCore();
  const pool = await createPool();
  const own = pool.alloc(input.length);
  own.set(input);
  const out = {
    entry: require.resolve('parawasm'),
    core: { check: core.crc32(check), input: core.crc32(input) },
    pool: {
      check: await pool.crc32(check),
      input: await pool.crc32(input),
      alloc: await pool.crc32(own),
      threads: pool.threads,
      isShared: pool.isShared,
    },
    hex: hex(core.crc32(check)),
    sha256: hex(core.sha256(input)),
    blake3: hex(await pool.blake3(own)),
    sha256Stream: await pool.createHash('sha256').update(input.subarray(0, 1000)).update(input.subarray(1000)).digest('hex'),
  };
  pool.free(own);
  await pool.destroy();
  console.log(JSON.stringify(out));
}
main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
