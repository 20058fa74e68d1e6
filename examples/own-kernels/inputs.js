// The inputs that every example here computes on (Node, workers, the
// browser page), and that the tests compute the references from: an RGBA
// test image, values and weights, and a tile of the Mandelbrot set.

/** A width x height RGBA image: a bright disc on a gradient. */
export function testImage(width = 640, height = 480) {
  const image = new Uint8Array(width * height * 4);
  const r2 = (Math.min(width, height) * 0.3) ** 2;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inDisc = (x - width / 2) ** 2 + (y - height / 2) ** 2 < r2;
      image.set([inDisc ? 250 : x % 256, inDisc ? 240 : y % 256, (x + y) % 256, 255], (y * width + x) * 4);
    }
  }
  return { image, width, height };
}

/** n values and their weights. */
export function testSeries(n = 100000) {
  return {
    x: Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 100),
    w: Float32Array.from({ length: n }, (_, i) => 1 + (i % 10)),
  };
}

/** A 400 x 300 view of the whole set. */
export const TILE = Object.freeze({ width: 400, height: 300, x0: -2.2, y0: -1.2, step: 0.008, maxIter: 500 });
