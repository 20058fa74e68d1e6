// TypeScript, ESM (a "type": "module" project). Type-checked with
// tsc --strict against the package's declarations, then compiled and run
// by ts-run.mjs. The @ts-expect-error lines must stay errors: types that
// had decayed to `any` would fail the check.
import { createPool, loadCore, hex, ParawasmError, PoolDestroyedError } from 'parawasm';
import type { Core, Pool, CreatePoolOptions } from 'parawasm';

export interface Result {
  core: { check: number; input: number };
  pool: { check: number; input: number; alloc: number; threads: number; isShared: boolean };
  hex: string;
  afterDestroy: string;
}

export async function run(input: Uint8Array): Promise<Result> {
  const check = new TextEncoder().encode('123456789');
  const core: Core = await loadCore();
  const options: CreatePoolOptions = { threads: 2 };
  const pool: Pool = await createPool(options);
  const own: Uint8Array = pool.alloc(input.length);
  own.set(input);
  const result: Result = {
    core: { check: core.crc32(check), input: core.crc32(input) },
    pool: {
      check: await pool.crc32(check),
      input: await pool.crc32(input),
      alloc: await pool.crc32(own),
      threads: pool.threads,
      isShared: pool.isShared,
    },
    hex: hex(core.crc32(check)),
    afterDestroy: '',
  };
  await pool.destroy();
  try {
    await pool.crc32(check);
  } catch (e) {
    if (e instanceof PoolDestroyedError) {
      const base: ParawasmError = e;
      result.afterDestroy = base.code;
    }
  }
  return result;
}

export function misuse(core: Core, pool: Pool): void {
  // @ts-expect-error: a string is not a view
  core.crc32('123456789');
  // @ts-expect-error: a pool call returns a promise
  const n: number = pool.crc32(new Uint8Array(1));
  // @ts-expect-error: unknown option
  void createPool({ thread: 2 });
  void n;
}
