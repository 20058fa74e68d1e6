// The demo's dataset, the same in the page and in Node (its test): `rows`
// skewed values like response times in ms, from a seeded xorshift32, with
// no transcendental functions (so every JS engine gives the same bits).
export const DEFAULT_ROWS = 5_000_000;
export const BINS = 60;
export const QUANTILES = [0, 0.5, 0.9, 0.99, 1];

/** Fills x (a Float64Array) with the dataset of `seed`. */
export function fillDataset(x, seed = 1) {
  let s = (seed * 0x9e3779b9) >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
  for (let i = 0; i < x.length; i++) {
    const a = next();
    const b = next();
    const c = next();
    x[i] = 5 + 2000 * a * b * c * c + 40 * next();
  }
  return x;
}
