/*
 * stb_user.c — stb_image compiled into the package, and the two kernels of
 * stb_user.h around it.
 *
 * stb_image keeps no state between calls but its failure reason, which is
 * thread-local in a C11 build (STBI_THREAD_LOCAL), so a decode may run on
 * every pool thread at once. Its allocations go through malloc, which is
 * thread-safe in parawasm's threaded build. Only the PNG and JPEG decoders
 * are compiled, and nothing that opens files.
 */
#include <limits.h>
#include <string.h>

#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_NO_STDIO
#define STBI_NO_LINEAR
#define STBI_NO_HDR
#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
/* someone else's code: its warnings are not this project's to fix */
#if defined(__GNUC__) || defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wunused-but-set-variable"
#pragma GCC diagnostic ignored "-Wpragmas"
#endif
#include "stb_image.h"
#if defined(__GNUC__) || defined(__clang__)
#pragma GCC diagnostic pop
#endif

#include "stb_user.h"

/* stb_image takes an int length */
static pw_status check_len(size_t len) {
  if (len == 0) return pw_fail(PW_EFORMAT, "the file is empty");
  if (len > INT_MAX) return pw_fail(PW_ERANGE, "files of more than %d bytes are not supported", INT_MAX);
  return PW_OK;
}

pw_status img_info(const uint8_t *file, size_t len, uint32_t *info) {
  pw_status s = check_len(len);
  if (s != PW_OK) return s;
  int w, h, comp;
  if (!stbi_info_from_memory(file, (int)len, &w, &h, &comp)) return pw_fail(PW_EFORMAT, "%s", stbi_failure_reason());
  info[0] = (uint32_t)w;
  info[1] = (uint32_t)h;
  info[2] = (uint32_t)comp;
  return PW_OK;
}

pw_status img_decode(const uint8_t *file, size_t len, uint32_t *size, pw_result *rgba) {
  pw_status s = check_len(len);
  if (s != PW_OK) return s;
  int w, h, comp;
  stbi_uc *pixels = stbi_load_from_memory(file, (int)len, &w, &h, &comp, 4);
  if (pixels == NULL) {
    const char *why = stbi_failure_reason();
    if (why != NULL && strcmp(why, "outofmem") == 0) return pw_fail(PW_ENOMEM, "no memory for the pixels");
    return pw_fail(PW_EFORMAT, "%s", why ? why : "cannot decode");
  }
  /* stb_image refuses images of more than 2^31 bytes, so this fits size_t */
  size_t bytes = (size_t)((uint64_t)w * (uint64_t)h * 4);
  if (pw_result_resize(rgba, bytes) == NULL) {
    stbi_image_free(pixels);
    return pw_fail(PW_ENOMEM, "no memory for %ux%u pixels", (unsigned)w, (unsigned)h);
  }
  memcpy(rgba->data, pixels, bytes);
  stbi_image_free(pixels);
  size[0] = (uint32_t)w;
  size[1] = (uint32_t)h;
  return PW_OK;
}
