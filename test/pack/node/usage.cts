// TypeScript, CommonJS (import = require), checked with tsc --strict
// against the declarations that the package's "require" condition gives.
import pw = require('parawasm');

async function run(input: Uint8Array): Promise<{ check: number; input: number; pool: number; isShared: boolean }> {
  const check = new TextEncoder().encode('123456789');
  const core: pw.Core = await pw.loadCore();
  const pool: pw.Pool = await pw.createPool({ threads: 2 });
  const out = { check: core.crc32(check), input: core.crc32(input), pool: await pool.crc32(input), isShared: pool.isShared };
  await pool.destroy();
  // @ts-expect-error: core kernels are synchronous
  const p: Promise<number> = core.crc32(check);
  void p;
  return out;
}

export = run;
