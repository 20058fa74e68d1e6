// Run by array.test.js in a process without SharedArrayBuffer (Node's
// --import ../../runtimes/no-sab-preload.mjs), where createPool() gives the
// fallback pool: prints { isShared, results } as JSON, results being the
// SHA-256 of what the array operations return (several calls in a row for
// sortByKey). The test compares them with the same operations on its own
// core. Not a test file itself.
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';

const sha = (v) => createHash('sha256').update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)).digest('hex');
const json = (v) => JSON.stringify(v, (k, x) => (typeof x === 'bigint' ? `${x}n` : ArrayBuffer.isView(x) ? sha(x) : x));

/** The operations, on `api` (core.array or pool.array); resolves to { results }. */
export async function run(api) {
  const n = 100003;
  const x = new Float64Array(n);
  const ids = new Int32Array(n);
  const big = new BigInt64Array(n);
  let s = 7;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = (s % 1000) / 7 - 50;
    ids[i] = i;
    big[i] = BigInt(s) << 20n;
  }
  const results = {};
  const keys = x.slice();
  results.sortByKey = json([await api.sortByKey(keys, [ids, big], { descending: true }), keys, ids, big]);
  results.sort = json(await api.sort(x.slice()));
  results.argsort = json(await api.argsort(x));
  // options.out (a foreign view here): the same indices, returned in it
  const out = new Uint32Array(n);
  const into = await api.argsort(x, { out });
  results.argsortOut = json([into === out, out]);
  results.quantiles = json(await api.quantiles(x, [0.1, 0.5, 0.99]));
  results.topk = json(await api.topk(x, 10));
  results.unique = json(await api.unique(x));
  results.sum = json([await api.sum(x), await api.sum(big), await api.variance(x, { ddof: 1 })]);
  results.min = json(await api.min(x));
  results.cumsum = json(await api.cumsum(x));
  results.histogram = json(await api.histogram(x, { bins: 33 }));
  results.convert = json(await api.convert(x, Float32Array));
  results.matmul = json(await api.matmul(Float32Array.from(x.subarray(0, 300 * 200)), Float32Array.from(x.subarray(0, 200 * 100)), { k: 200 }));
  return { results };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { createPool } = await import('../../../pkg/index.js');
  const pool = await createPool();
  const { results } = await run(pool.array);
  process.stdout.write(JSON.stringify({ isShared: pool.isShared, results }));
  await pool.destroy();
}
