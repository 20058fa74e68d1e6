// The image demo's sample photo and its filter pipeline, shared by the page
// (demo.js) and its test (test/js/image-demo.test.js), which runs the same
// pipeline on parawasm's core in Node and compares the pixels.

/** Size of the built-in sample photo. */
export const SAMPLE = { width: 2400, height: 1600 };

/**
 * Fills `data` (RGBA, width x height) with the sample photo: a sky
 * gradient, sun rings, hills and a little noise, the same bytes everywhere.
 */
export function drawSample(data, width, height) {
  let seed = 0x2545f491;
  for (let y = 0, o = 0; y < height; y++) {
    const sky = y / height;
    for (let x = 0; x < width; x++, o += 4) {
      seed ^= seed << 13; seed >>>= 0;
      seed ^= seed >>> 17;
      seed ^= seed << 5; seed >>>= 0;
      const noise = (seed & 7) - 4;
      const hill = height * (0.62 + 0.08 * Math.sin(x / (width / 7)) + 0.04 * Math.sin(x / (width / 23)));
      const d = Math.hypot(x - width * 0.7, y - height * 0.28) / (height / 40);
      const ring = d < 4 ? 1 : Math.max(0, 0.5 + 0.5 * Math.cos(d) - d / 40);
      let r;
      let g;
      let b;
      if (y > hill) {
        const grass = (y - hill) / (height - hill);
        r = 40 + 50 * grass + 30 * Math.sin(x / 9) * Math.sin(y / 7);
        g = 110 + 60 * (1 - grass);
        b = 40;
      } else {
        r = 90 + 120 * sky + 140 * ring;
        g = 140 + 70 * sky + 100 * ring;
        b = 230 - 60 * sky + 20 * ring;
      }
      data[o] = r + noise;
      data[o + 1] = g + noise;
      data[o + 2] = b + noise;
      data[o + 3] = 255;
    }
  }
}

/** The output size for a scale in percent (at least 1 pixel a side). */
export function scaled(width, height, scale) {
  return [Math.max(1, Math.round((width * scale) / 100)), Math.max(1, Math.round((height * scale) / 100))];
}

/**
 * The pipeline on `api` (core.image or pool.image): resize to `scale`
 * percent (Lanczos-3), Gaussian blur of `sigma`, unsharp mask (sigma 1) of
 * `amount`; a step with no effect is left out. Returns the new image (the
 * caller frees it with api.free()), or a promise of it on a pool.
 */
export function runPipeline(api, src, { scale, sigma, amount }) {
  const [w, h] = scaled(src.width, src.height, scale);
  let chain = api.chain(src);
  if (w !== src.width || h !== src.height) chain = chain.resize(w, h);
  if (sigma > 0) chain = chain.blur(sigma);
  if (amount > 0) chain = chain.sharpen(1, { amount });
  if (w === src.width && h === src.height && !(sigma > 0) && !(amount > 0)) chain = chain.crop({}); // a copy
  return chain.run();
}
