// Checks the stb-user package (stb_image built by `parawasm build`, see
// stb-user/) against independent decoders: pngjs for PNG (exact) and
// jpeg-js for JPEG (within a small tolerance: two JPEG decoders round their
// inverse DCT and colour conversion differently). The test files are made
// by those libraries' own encoders, so nothing here trusts stb_image.
//
//   checkStbUser(pkgDir) -> a one-line note; throws on any mismatch
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';

const { PNG } = pngjs;

/** A w x h RGBA picture with smooth areas, edges and varying alpha. */
function picture(w, h, seed) {
  const data = Buffer.alloc(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 4;
      const ring = Math.hypot(x - w / 2, y - h / 3) < Math.min(w, h) / 4;
      data[o] = ring ? 230 : (x * 255 / Math.max(1, w - 1)) | 0;
      data[o + 1] = ring ? 40 : (y * 255 / Math.max(1, h - 1)) | 0;
      data[o + 2] = ((x ^ y) * 7 + seed) & 255;
      data[o + 3] = x % 17 === 0 ? 128 : 255 - ((y * 3 + seed) & 63);
    }
  }
  return data;
}

/** PNG files of every 8-bit colour type, and 16-bit RGBA, with pngjs's own decoding as the reference. */
function pngCases() {
  const out = [];
  for (const [w, h] of [[1, 1], [7, 5], [64, 48], [333, 211]]) {
    for (const [colorType, bitDepth] of [[0, 8], [2, 8], [4, 8], [6, 8], [6, 16]]) {
      const png = new PNG({ width: w, height: h });
      const pic = picture(w, h, w + colorType);
      if (bitDepth === 16) {
        // pngjs takes 16-bit samples (little-endian pairs) for a 16-bit file
        png.data = Buffer.alloc(w * h * 8);
        for (let i = 0; i < w * h * 4; i++) png.data.writeUInt16LE(pic[i] * 257 ^ (i * 97 & 255), 2 * i);
      } else {
        pic.copy(png.data);
      }
      const file = PNG.sync.write(png, { colorType, bitDepth });
      // the reference: pngjs's samples; 16-bit ones cut to their high byte, as documented
      const ref = PNG.sync.read(file, { skipRescale: true });
      const rgba = bitDepth === 16 ? Uint8Array.from(ref.data, (v) => v >> 8) : ref.data;
      assert.equal(rgba.length, w * h * 4);
      out.push({ name: `PNG ${w}x${h} colour type ${colorType}, ${bitDepth} bits`, file, width: ref.width, height: ref.height, rgba, channels: [1, 0, 3, 0, 2, 0, 4][colorType] });
    }
  }
  return out;
}

/** JPEG files (baseline, 4:4:4) made by jpeg-js, decoded by jpeg-js as the reference. */
function jpegCases() {
  const out = [];
  for (const [w, h, q] of [[1, 1, 90], [9, 7, 75], [64, 48, 95], [333, 211, 50]]) {
    const file = Buffer.from(jpeg.encode({ data: picture(w, h, q), width: w, height: h }, q).data);
    const ref = jpeg.decode(file, { useTArray: true, formatAsRGBA: true });
    out.push({ name: `JPEG ${w}x${h} quality ${q}`, file, width: ref.width, height: ref.height, rgba: ref.data, channels: 3, jpeg: true });
  }
  return out;
}

// Two JPEG decoders may differ by a few levels a channel here and there.
const JPEG_MAX_DIFF = 4;
const JPEG_MAX_MEAN_DIFF = 0.5;

function compare(c, got, where) {
  assert.deepEqual([...got.size], [c.width, c.height], `${where}: ${c.name}: size`);
  assert.equal(got.rgba.length, c.width * c.height * 4, `${where}: ${c.name}: bytes`);
  if (!c.jpeg) {
    assert.ok(Buffer.from(got.rgba.buffer, got.rgba.byteOffset, got.rgba.length).equals(Buffer.from(c.rgba)),
      `${where}: ${c.name}: the pixels differ from pngjs's`);
    return 0;
  }
  let max = 0;
  let sum = 0;
  for (let i = 0; i < got.rgba.length; i++) {
    const d = Math.abs(got.rgba[i] - c.rgba[i]);
    max = Math.max(max, d);
    sum += d;
  }
  const mean = sum / got.rgba.length;
  assert.ok(max <= JPEG_MAX_DIFF && mean <= JPEG_MAX_MEAN_DIFF,
    `${where}: ${c.name}: differs from jpeg-js's decoding by up to ${max} (mean ${mean.toFixed(3)})`);
  return max;
}

export async function checkStbUser(pkgDir) {
  const { createPool, loadCore, ParawasmError } = await import(pathToFileURL(path.join(pkgDir, 'index.js')).href);
  const cases = [...pngCases(), ...jpegCases()];
  const core = await loadCore();
  const pool = await createPool({ threads: 2 });
  try {
    let maxJpeg = 0;
    for (const c of cases) {
      assert.deepEqual([...core.info(c.file)], [c.width, c.height, c.channels], `core.info: ${c.name}`);
      maxJpeg = Math.max(maxJpeg, compare(c, core.decode(c.file), 'core'));
    }
    // every file at once on the pool: decodes run side by side on its threads
    const all = await Promise.all(cases.map((c) => pool.decode(c.file)));
    cases.forEach((c, i) => compare(c, all[i], 'pool'));
    // from the pool's own memory: no copy in
    const own = pool.alloc(cases[3].file.length);
    own.set(cases[3].file);
    const before = pool.stats().bytesCopied;
    compare(cases[3], await pool.decode(own), 'pool, alloc() view');
    assert.equal(pool.stats().bytesCopied, before, 'an alloc() view is read in place');
    pool.free(own);

    // bad files: the library's reason, as a typed error; the pool goes on
    const truncated = cases[3].file.subarray(0, 60);
    for (const [what, bytes, reason] of [
      ['random bytes', Buffer.from('not an image, just some text'), 'unknown image type'],
      ['an empty file', new Uint8Array(0), 'the file is empty'],
      ['a truncated PNG', truncated, ''],
    ]) {
      await assert.rejects(pool.decode(bytes), (e) => {
        assert.ok(e instanceof ParawasmError, `${what}: ${e}`);
        assert.equal(e.code, 'ERR_PW_BAD_FORMAT', `${what}: ${e.message}`);
        assert.ok(e.message.startsWith('decode failed: ') && e.message.includes(reason), `${what}: ${e.message}`);
        return true;
      });
      assert.throws(() => core.decode(bytes), (e) => e.code === 'ERR_PW_BAD_FORMAT', what);
    }
    await assert.rejects(pool.decode('a string'), (e) => e instanceof TypeError && e.message.includes('decode: file must be a Uint8Array'));
    compare(cases[0], await pool.decode(cases[0].file), 'pool, after errors');
    return `${cases.length} files (PNG exact vs pngjs; JPEG within ${maxJpeg} of jpeg-js), core and a pool of 2, bad files refused`;
  } finally {
    await pool.destroy();
  }
}
