// Checks a user package built with the image family and without the hash
// family (`parawasm build --with image`): the image methods are there, the
// hash methods are not, and the PNG decoder's chunk checks (which call the
// CRC-32 of the hash family's C, compiled in on its own) work: PNG files
// made by pngjs decode to pngjs's own pixels, and a file with one chunk CRC
// changed is a ParawasmError with code ERR_PW_BAD_FORMAT, on the core and
// on the pool.
//
//   checkImageOnly(pkgDir) -> a one-line note; throws on any mismatch
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import pngjs from 'pngjs';

const { PNG } = pngjs;

function pngFile(w, h, seed) {
  const png = new PNG({ width: w, height: h });
  for (let i = 0; i < w * h * 4; i++) png.data[i] = (i * 31 + seed * 7 + (i >> 7)) & 255;
  const file = PNG.sync.write(png, { colorType: 6 });
  return { file, width: w, height: h, rgba: PNG.sync.read(file).data };
}

/** The file with the CRC of its first IDAT chunk changed in one bit. */
function badCrc(file) {
  const out = Buffer.from(file);
  let at = 8;
  for (;;) {
    const len = out.readUInt32BE(at);
    if (out.toString('latin1', at + 4, at + 8) === 'IDAT') {
      out[at + 8 + len] ^= 0x10;
      return out;
    }
    at += len + 12;
  }
}

export async function checkImageOnly(pkgDir) {
  const { createPool, loadCore, ParawasmError } = await import(pathToFileURL(path.join(pkgDir, 'index.js')).href);
  const core = await loadCore();
  const pool = await createPool({ threads: 2 });
  try {
    for (const api of [core, pool]) {
      assert.equal(typeof api.image?.decode, 'function', 'the image family\'s methods are there');
      assert.equal(api.crc32, undefined, 'the hash family\'s methods are not');
      assert.equal(api.createHash, undefined, 'the hash family\'s createHash is not');
    }
    const cases = [pngFile(1, 1, 1), pngFile(37, 23, 2), pngFile(300, 200, 3)];
    for (const c of cases) {
      for (const [where, img] of [['core', core.image.decode(c.file)], ['pool', await pool.image.decode(c.file)]]) {
        assert.deepEqual([img.width, img.height, img.channels], [c.width, c.height, 4], `${where}: size`);
        assert.ok(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length).equals(c.rgba),
          `${where}: ${c.width}x${c.height}: the pixels differ from pngjs's`);
        if (where === 'pool') pool.image.free(img);
      }
    }
    const bad = badCrc(cases[2].file);
    const isBadCrc = (e) => e instanceof ParawasmError && e.code === 'ERR_PW_BAD_FORMAT' && /CRC/.test(e.message);
    assert.throws(() => core.image.decode(bad), isBadCrc, 'core: a changed chunk CRC');
    await assert.rejects(pool.image.decode(bad), isBadCrc, 'pool: a changed chunk CRC');
    return `${cases.length} PNG files as pngjs decodes them, core and pool; a changed chunk CRC refused; no hash methods`;
  } finally {
    await pool.destroy();
  }
}
