// Run by image.test.js in a process without SharedArrayBuffer (Node's
// --import ../../runtimes/no-sab-preload.mjs), where createPool() gives the
// fallback pool: prints { isShared, results } as JSON, results being the
// SHA-256 of what a few image operations return. The test compares them
// with the same operations on its own core. Not a test file itself.
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';

import { makeImage } from './image-ref.js';

const sha = (v) => createHash('sha256').update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)).digest('hex');

/** The operations, on `api` (core.image or pool.image); resolves to { results }. */
export async function run(api) {
  const img = makeImage(41, 29, 'alpha', 50);
  const grey = makeImage(41, 29, 'grey', 51);
  const results = {};
  const png = await api.encodePng(img);
  results.png = sha(png);
  results.decode = sha((await api.decode(png)).data);
  results.decodeMany = (await api.decodeMany([png, png])).map((d) => sha(d.data));
  results.resize = sha((await api.resize(img, 17, 60, { filter: 'mitchell' })).data);
  results.blur = sha((await api.blur(grey, 2)).data);
  results.sharpen = sha((await api.sharpen(img, 1, { amount: 2 })).data);
  results.rotate = sha((await api.rotate(img, 90)).data);
  results.composite = sha((await api.composite(img, grey.channels === 1 ? makeImage(9, 9, 'alpha', 52) : grey, { left: 3, top: 4 })).data);
  const copy = { ...img, data: img.data.slice() };
  await api.invert(copy, { dst: copy });
  results.inPlace = sha(copy.data);
  results.stats = JSON.stringify(await api.stats(img));
  results.chain = sha(await api.chain(png).resize(20).sharpen().encodePng());
  return { results };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { createPool } = await import('../../../pkg/index.js');
  const pool = await createPool();
  const { results } = await run(pool.image);
  process.stdout.write(JSON.stringify({ isShared: pool.isShared, results }));
  await pool.destroy();
}
