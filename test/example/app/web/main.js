// The three packages in one page, bundled by esbuild or vite (run.mjs).
import * as parawasm from 'parawasm';
import * as own from 'own-kernels-example';
import * as stb from 'stb-user';
import { runApp } from '../shared.js';

async function bytes(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

globalThis.appResult = (async () => {
  const [input, png] = await Promise.all([bytes('./input.bin'), bytes('./input.png')]);
  const out = await runApp({ parawasm, own, stb }, input, png);
  out.isolated = globalThis.crossOriginIsolated === true;
  return out;
})().catch((e) => ({ error: String(e?.stack ?? e) }));
