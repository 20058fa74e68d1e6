// What the coexistence app computes with three packages side by side:
// parawasm itself (crc32), own-kernels-example (a Mandelbrot tile, the
// edges of an image) and stb-user (decoding a PNG). Used by the Node
// scripts and the browser page alike; it only reports, run.mjs compares
// with zlib, pngjs and the example's plain-JS references.
//
// `libs`: { parawasm, own, stb }, the three packages' modules;
// `input`: random bytes; `png`: a PNG file's bytes.
export const TILE = { width: 120, height: 90, x0: -2.1, y0: -1.2, step: 0.027, maxIter: 300 };
export const IMAGE = { width: 31, height: 17 };

async function digest(view) {
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength).slice();
  const d = await globalThis.crypto.subtle.digest('SHA-256', bytes);
  return Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, '0')).join('');
}

export async function runApp({ parawasm, own, stb }, input, png, { threads = 2 } = {}) {
  const out = {};
  // one set of error classes in the realm, whichever package made them
  out.sameClasses = ['ParawasmError', 'AbortError', 'PoolCrashedError', 'PoolDestroyedError']
    .every((k) => own[k] === parawasm[k] && stb[k] === parawasm[k]);

  const [pw, ok, sb] = await Promise.all([parawasm, own, stb].map((m) => m.createPool({ threads })));
  const [pwCore, okCore, sbCore] = await Promise.all([parawasm, own, stb].map((m) => m.loadCore()));
  out.pools = [pw, ok, sb].map((p) => ({ isShared: p.isShared, threads: p.threads }));

  out.crc32 = { core: pwCore.crc32(input), pool: await pw.crc32(input) };
  const iters = new Uint32Array(TILE.width * TILE.height);
  const itersCore = new Uint32Array(TILE.width * TILE.height);
  await Promise.all([ok.mandelbrot(iters, TILE), okCore.mandelbrot(itersCore, TILE)]);
  out.mandelbrot = { core: await digest(itersCore), pool: await digest(iters) };
  const [decoded, decodedCore] = [await sb.decode(png), sbCore.decode(png)];
  out.decode = {
    size: [...decoded.size],
    pool: await digest(decoded.rgba),
    core: await digest(decodedCore.rgba),
  };

  // a view of one package's memory given to another package's kernel: a
  // foreign view, copied in and out
  const n = IMAGE.width * IMAGE.height * 4;
  const src = pw.alloc(n);
  src.set(input.subarray(0, n));
  const dst = pw.alloc(n);
  await ok.edges(src, dst, IMAGE);
  out.edgesAcross = await digest(dst);
  out.edgesAcrossCopied = ok.stats().bytesCopied;
  pw.free(src);
  pw.free(dst);

  // errors of each package are instances of the others' classes
  const errors = {};
  try {
    await sb.decode(new TextEncoder().encode('no image here'));
  } catch (e) {
    errors.stb = { code: e.code, isParawasmError: e instanceof parawasm.ParawasmError, isOwn: e instanceof own.ParawasmError };
  }
  try {
    await ok.mandelbrot(iters, { ...TILE, signal: AbortSignal.abort() });
  } catch (e) {
    errors.own = { code: e.code, isAbortError: e instanceof parawasm.AbortError && e instanceof stb.AbortError };
  }
  await pw.destroy();
  try {
    await pw.crc32(input);
  } catch (e) {
    errors.parawasm = { code: e.code, isDestroyed: e instanceof own.PoolDestroyedError };
  }
  out.errors = errors;
  // the other pools still work after one was destroyed
  out.after = { crc32: await parawasm.createPool({ threads: 1 }).then(async (p) => { const v = await p.crc32(input); await p.destroy(); return v; }), size: [...(await sb.info(png))] };
  await Promise.all([ok.destroy(), sb.destroy()]);
  return out;
}
