/*
 * fuzz_image.c — libFuzzer target for the PNG/JPEG decoders (make fuzz):
 * pw_image_info, then pw_image_decode and pw_image_decode_grey into
 * buffers of exactly the announced size (ASan catches any write past
 * them). A decode must succeed or fail with a status; it must never crash,
 * hang, or read or write out of bounds.
 *
 * Input: byte 0 picks the mode, the rest is the file.
 *   even  the file as it is (JPEG has no checksums: mutations reach stb)
 *   odd   the file with every PNG chunk's CRC recomputed first, so that
 *         mutations get past the CRC check into stb's PNG decoder
 * Images over 4 megapixels are only probed with pw_image_info (speed).
 *
 * Built with -DPW_FUZZ_SEEDS it is a program instead, that writes a few
 * PNGs and JPEGs made by the encoders into the folder given (the seed
 * corpus).
 *
 * FUZZ-OPTIONS: -max_len=20000
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parawasm.h"
#include "parawasm/image.h"

#ifndef PW_FUZZ_SEEDS
static uint32_t be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void fix_png_crcs(uint8_t *d, size_t n) {
  size_t at = 8;
  while (n >= 12 && at <= n - 12) {
    uint32_t len = be32(d + at);
    if (len > n - at - 12) return;
    uint32_t crc = pw_crc32(d + at + 4, (size_t)len + 4, 0);
    uint8_t *c = d + at + 8 + len;
    c[0] = (uint8_t)(crc >> 24), c[1] = (uint8_t)(crc >> 16), c[2] = (uint8_t)(crc >> 8), c[3] = (uint8_t)crc;
    at += (size_t)len + 12;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  size_t n = size - 1;
  uint8_t *file = malloc(n ? n : 1);
  if (file == NULL) return 0;
  memcpy(file, data + 1, n);
  if (data[0] & 1) fix_png_crcs(file, n);
  uint32_t info[4];
  if (pw_image_info(file, n, info) == PW_OK && (uint64_t)info[0] * info[1] <= (4u << 20)) {
    size_t px = (size_t)info[0] * info[1];
    uint8_t *rgba = malloc(px * 4), *grey = malloc(px);
    if (rgba && grey) {
      (void)pw_image_decode(file, n, rgba, info[0], info[1]);
      (void)pw_image_decode_grey(file, n, grey, info[0], info[1]);
    }
    free(rgba);
    free(grey);
  }
  free(file);
  return 0;
}
#else
static void write_seed(const char *dir, const char *name, uint8_t mode, const pw_result *r) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (f == NULL) return;
  fputc(mode, f);
  fwrite(r->data, 1, r->size, f);
  fclose(f);
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  static uint8_t px[24 * 16 * 4];
  for (size_t i = 0; i < sizeof px; i++) px[i] = (uint8_t)(i * 37 + (i >> 5) * 11);
  pw_result r = {0};
  if (pw_image_encode_png(px, 24, 16, &r) == PW_OK) write_seed(argv[1], "seed-rgba.png", 1, &r);
  free(r.data), r = (pw_result){0};
  if (pw_image_encode_png_grey(px, 24, 16, &r) == PW_OK) write_seed(argv[1], "seed-grey.png", 1, &r);
  free(r.data), r = (pw_result){0};
  if (pw_image_encode_jpeg(px, 24, 16, 90, &r) == PW_OK) write_seed(argv[1], "seed-420.jpg", 0, &r);
  free(r.data), r = (pw_result){0};
  if (pw_image_encode_jpeg(px, 24, 16, 95, &r) == PW_OK) write_seed(argv[1], "seed-444.jpg", 0, &r);
  free(r.data), r = (pw_result){0};
  if (pw_image_encode_jpeg_grey(px, 24, 16, 80, &r) == PW_OK) write_seed(argv[1], "seed-grey.jpg", 0, &r);
  free(r.data);
  return 0;
}
#endif
