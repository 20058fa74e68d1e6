// Run by array.test.js in a process without SharedArrayBuffer (Node's
// --import ../../runtimes/no-sab-preload.mjs), where createPool() gives the
// fallback pool: prints { isShared, results } as JSON, results being the
// SHA-256 of what the array operations return (several calls in a row for
// sortByKey). The test compares them with the same operations on its own
// core. Not a test file itself.
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';

const sha = (v) => createHash('sha256').update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)).digest('hex');
export const json = (v) => JSON.stringify(v, (k, x) => (typeof x === 'bigint' ? `${x}n` : ArrayBuffer.isView(x) ? sha(x) : x));

/** The keys of the operations (n doubles), with ids and bigint payloads. */
export function inputs(n = 100003) {
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
  return { n, x, ids, big };
}

/** The operations, on `api` (core.array or pool.array); resolves to { results }. */
export async function run(api) {
  const { n, x, ids, big } = inputs();
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

/** Elements of the argsort into out: its scratch (20 bytes an element) is more than the core's first heap. */
export const OUT_N = 1000003;

/**
 * options.out where memory is not shared: on the core, in place in an
 * alloc() view that argsort's own scratch detaches (the heap grows); on the
 * fallback pool, into a core view that detaches while the call waits.
 */
async function outChecks(core, pool) {
  const r = {};
  const { n, x } = inputs(OUT_N);
  const xs = core.alloc(n * 8, Float64Array);
  xs.set(x);
  const out = core.alloc(n * 4, Uint32Array);
  const got = core.array.argsort(xs, { out });
  r.coreOut = { detached: out.length === 0, same: got === out, length: got.length, result: json(got) };
  const digest = core.alloc(32);
  const p = pool.sha256(new Uint8Array(1000), { out: digest });
  core.alloc(64 << 20); // grows the core's heap: digest detaches before the pool's result comes back
  r.fallbackDetached = await p.then(() => 'resolved', (e) => `${e.name}: ${e.message}`);
  const after = await pool.sha256(new Uint8Array(1000));
  r.poolAfter = json(after);
  return r;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { createPool, loadCore } = await import('../../../pkg/index.js');
  const pool = await createPool();
  const { results } = await run(pool.array);
  const out = await outChecks(await loadCore(), pool);
  process.stdout.write(JSON.stringify({ isShared: pool.isShared, results, out }));
  await pool.destroy();
}
