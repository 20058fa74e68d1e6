/*
 * common.c — argument checks, row-parallel loops and in-place copies
 * shared by the image kernels (declared in image_internal.h).
 */
#include "image_internal.h"

pw_status pw__img_check(const char *what, uint32_t width, uint32_t height, unsigned channels) {
  if (width < 1 || width > PW_IMAGE_MAX_SIDE)
    return pw_fail(PW_EINVAL, "%swidth must be 1 to %u (got %u)", what, PW_IMAGE_MAX_SIDE, width);
  if (height < 1 || height > PW_IMAGE_MAX_SIDE)
    return pw_fail(PW_EINVAL, "%sheight must be 1 to %u (got %u)", what, PW_IMAGE_MAX_SIDE, height);
  uint64_t bytes = (uint64_t)width * height * channels;
  if (bytes > (uint64_t)SIZE_MAX)
    return pw_fail(PW_EINVAL, "%swidth*height*%u = %llu bytes does not fit in memory", what, channels,
                   (unsigned long long)bytes);
  return PW_OK;
}

pw_status pw__img_check_alias(const void *src, const void *dst, size_t bytes) {
  uintptr_t s = (uintptr_t)src, d = (uintptr_t)dst;
  if (s == d || bytes == 0) return PW_OK;
  if ((s < d && d - s < bytes) || (d < s && s - d < bytes))
    return pw_fail(PW_EINVAL, "dst overlaps src without being the same buffer");
  return PW_OK;
}

unsigned pw__img_min_chunk_shift = 0;

pw_status pw__img_rows(size_t rows, size_t row_work, pw_range_fn body, void *ctx) {
  size_t grain = pw_grain(row_work);
  size_t fine = pw__img_grain(rows, row_work, 4, PW_IMG_MIN_CHUNK, 1);
  return pw_parallel_for(rows, fine < grain ? fine : grain, body, ctx);
}

const uint8_t *pw__img_source(const uint8_t *src, const uint8_t *dst, size_t bytes, uint8_t **copy) {
  *copy = NULL;
  if (src != dst) return src;
  *copy = malloc(bytes ? bytes : 1);
  if (*copy == NULL) return NULL;
  memcpy(*copy, src, bytes);
  return *copy;
}

pw_status pw__img_source_end(uint8_t *copy, uint8_t *dst, size_t bytes, pw_status s) {
  if (copy != NULL && s == PW_ENOMEM) memcpy(dst, copy, bytes);
  free(copy);
  return s;
}
