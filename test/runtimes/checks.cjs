'use strict';
// The checks that test/runtimes/run.mjs runs in each JavaScript runtime
// (Node, Deno, Bun), from ES modules (esm.mjs) and CommonJS (cjs.cjs). They
// only report what they see, as JSON; run.mjs compares it with Node's zlib
// and crypto. Written in plain CommonJS so that both entries can load it.
const fs = require('node:fs');
const path = require('node:path');

const CHECK = new TextEncoder().encode('123456789');
const BIG = 32 << 20;

/**
 * Makes threads unavailable before parawasm is loaded, as `mode` says:
 *   threads          nothing (the threaded pool must start)
 *   no-sab           no SharedArrayBuffer on this thread
 *   no-threads       every pthread worker fails while starting (its script throws)
 *   no-threads-sync  creating a pthread worker throws
 * Emscripten's glue takes Worker from require('worker_threads') when it
 * runs, so replacing it on that object is seen by the glue only
 * (parawasm's own fallback worker comes from the module's named export).
 */
function prepare(mode, req) {
  if (mode === 'no-sab') {
    delete globalThis.SharedArrayBuffer; // (Node: already, by no-sab-preload.mjs)
  } else if (mode === 'no-threads' || mode === 'no-threads-sync') {
    const wt = req('worker_threads');
    const Real = wt.Worker;
    const failing = path.join(__dirname, 'failing-thread.cjs');
    wt.Worker = class extends Real {
      constructor(file, options) {
        const thread = String(file).endsWith('.worker.js');
        if (thread && mode === 'no-threads-sync') throw new Error('creating a thread refused by the test');
        super(thread ? failing : file, options);
      }
    };
  } else if (mode !== 'threads') {
    throw new Error(`unknown mode ${mode}`);
  }
}

async function settle(p) {
  try {
    return { value: await p };
  } catch (e) {
    return { error: `${e?.name}:${e?.code}` };
  }
}

/** Runs the checks with the package's exports `api`; resolves to { out, forgotten }. */
async function run(api, entry) {
  const { loadCore, createPool, hex } = api;
  const input = new Uint8Array(fs.readFileSync(path.join(__dirname, 'input.bin')));
  const out = { entry };

  const core = await loadCore();
  out.core = { check: core.crc32(CHECK), crc32: core.crc32(input), sha256: hex(core.sha256(input)) };

  const pool = await createPool({ threads: 2 });
  out.pool = { isShared: pool.isShared, threads: pool.threads };
  out.pool.check = await pool.crc32(CHECK);
  out.pool.crc32 = await pool.crc32(input); // copied in
  out.pool.sha256 = hex(await pool.sha256(input));
  const view = pool.alloc(input.length); // in place (shared) or the fallback's own
  view.set(input);
  out.pool.alloc = await pool.crc32(view);
  out.pool.allocSha256 = hex(await pool.sha256(view));
  pool.free(view);
  const h = pool.createHash('sha256');
  for (let off = 0; off < input.length; off += 100003) h.update(input.subarray(off, off + 100003));
  out.pool.stream = await h.digest('hex');

  // abort: a signal aborted before the call, one aborted while it runs or
  // waits (an AbortError, or the value if the call finished first)
  const big = pool.alloc(BIG);
  for (let off = 0; off < BIG; off += input.length) big.set(input.subarray(0, BIG - off), off);
  out.abort = {};
  try {
    await pool.crc32(input, { signal: AbortSignal.abort(new Error('stop')) });
    out.abort.before = 'resolved';
  } catch (e) {
    out.abort.before = `${e?.name}:${e?.code}:${e?.cause?.message}`;
  }
  const ac = new AbortController();
  const during = [settle(pool.crc32(big, { signal: ac.signal })), settle(pool.crc32(big, { signal: ac.signal }))];
  ac.abort();
  out.abort.during = await Promise.all(during);
  out.abort.after = await pool.crc32(input);

  // destroy(): calls in flight resolve or reject with PoolDestroyedError,
  // later calls reject
  const inflight = [settle(pool.crc32(big)), settle(pool.sha256(input))];
  await pool.destroy();
  out.destroy = { inflight: await Promise.all(inflight) };
  out.destroy.inflight[1].value &&= hex(out.destroy.inflight[1].value);
  out.destroy.after = await settle(pool.crc32(input));

  // createPool({ fallback: false }): the threaded pool, or an error
  const strict = await settle(createPool({ threads: 2, fallback: false }));
  out.strict = strict.error ?? (strict.value.isShared ? 'shared' : 'not shared');
  if (strict.value) await strict.value.destroy();

  // a pool that is never destroyed: the process must still end by itself
  const forgotten = await createPool({ threads: 2 });
  out.forgotten = { isShared: forgotten.isShared, crc32: await forgotten.crc32(input) };
  return { out, forgotten, input };
}

/**
 * Prints the results as one JSON line, then starts one more call on the
 * forgotten pool whose result is printed when it ends: the process must
 * wait for it, and then end by itself.
 */
async function main(api, entry) {
  const { out, forgotten, input } = await run(api, entry);
  console.log(JSON.stringify(out));
  forgotten.crc32(input).then((v) => console.log(JSON.stringify({ late: v })));
}

module.exports = { prepare, main };
