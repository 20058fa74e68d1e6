/*
 * image_codec.h — the interface between codec.c (checks, limits, parawasm
 * statuses) and stb_impl.c (the stb codecs, compiled in that file only).
 */
#ifndef PW_IMAGE_CODEC_H
#define PW_IMAGE_CODEC_H

#include <stddef.h>
#include <stdint.h>

/* stbi_info_from_memory: 1 and the header's size, or 0. */
int pw__stb_info(const uint8_t *data, int len, int *w, int *h, int *comp);

/*
 * Decodes to `channels` (1, 3 or 4) bytes a pixel; every allocation of the
 * decode is refused above `limit` bytes. Returns the pixels (free with
 * pw__stb_free), or NULL with *why set to stb's reason.
 */
uint8_t *pw__stb_load(const uint8_t *data, int len, int *w, int *h, int channels, size_t limit,
                      const char **why);
void pw__stb_free(void *p);

/*
 * After a PNG decode failed: PW__PNG_ADLER_WRONG when its zlib stream's
 * Adler-32 (*want) is not its inflated data's (*got), PW__PNG_ADLER_MISSING
 * when the stream ends without one, 0 when it failed otherwise. (stb's
 * inflate does not check the Adler-32; pw__stb_load's PNG decodes do.)
 */
enum { PW__PNG_ADLER_WRONG = 1, PW__PNG_ADLER_MISSING = 2 };
int pw__stb_png_adler(uint32_t *got, uint32_t *want);

/* A PNG file in malloc'd memory (free with free()), or NULL when out of memory. */
uint8_t *pw__stb_png(const uint8_t *pixels, int w, int h, int channels, int *out_len);

/* Writes a JPEG through write(ctx, bytes, size); returns 0 on failure. */
int pw__stb_jpeg(const uint8_t *pixels, int w, int h, int channels, int quality,
                 void (*write)(void *ctx, void *data, int size), void *ctx);

#endif /* PW_IMAGE_CODEC_H */
