#!/usr/bin/env node
// Writes the seed inputs of the libFuzzer targets (make fuzz, make
// test-fuzz) into the folder given: pseudo-random bytes (a fixed xorshift32
// stream, so every run starts from the same seeds) of sizes around the
// kernels' block and path boundaries, from empty to 64 KiB. libFuzzer grows
// its inputs slowly from small ones; with these, a short run already
// reaches the long-input paths (CRC's sparse reduction from 8 KiB, BLAKE3's
// multi-chunk trees, every block-buffering edge). A target reads any bytes,
// so one set serves them all; inputs over a target's -max_len are cut.
//
//   node test/fuzz/seeds.mjs build/fuzz/seeds
import fs from 'node:fs';
import path from 'node:path';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node test/fuzz/seeds.mjs <folder>');
  process.exit(2);
}
const SIZES = [
  0, 1, 2, 3, 4, 5, 8, 15, 16, 17, 31, 32, 33, 55, 56, 57, 63, 64, 65, 66, 119, 120, 127, 128, 129, 130,
  255, 256, 257, 1023, 1024, 1025, 1026, 2049, 4095, 4096, 4097, 8191, 8192, 8193, 8250, 9000, 16391,
  20000, 32768, 65535, 65536, 65537,
];
let x = 0x2545f491;
const next = () => {
  x ^= x << 13; x >>>= 0;
  x ^= x >>> 17;
  x ^= x << 5; x >>>= 0;
  return x;
};
fs.mkdirSync(dir, { recursive: true });
for (const size of SIZES) {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = next() & 0xff;
  // byte 0 selects modes in the targets: vary it across the seeds
  if (size) b[0] = (size * 37) & 0xff;
  fs.writeFileSync(path.join(dir, `seed-${String(size).padStart(5, '0')}`), b);
}
