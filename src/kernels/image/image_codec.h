/*
 * image_codec.h — the interface between codec.c (checks, limits, parawasm
 * statuses) and stb_impl.c (the stb codecs, compiled in that file only).
 */
#ifndef PW_IMAGE_CODEC_H
#define PW_IMAGE_CODEC_H

#include <stddef.h>
#include <stdint.h>

/* stbi_info_from_memory: 1 and the header's size, 0 (not a header stb reads), or -1 (no memory). */
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
 * After a PNG decode failed, what parawasm's checks of its zlib stream
 * (which stb does not make) found, or 0 when it failed otherwise:
 *   PW__PNG_ADLER_WRONG    the stream's Adler-32 (*want) is not its data's (*got)
 *   PW__PNG_ADLER_MISSING  the stream ends without its Adler-32
 *   PW__PNG_DATA_CUT       the deflate data runs past the end of the image data
 *   PW__PNG_WINDOW         the header declares a window over 32 KiB (*got: its CINFO)
 */
enum { PW__PNG_ADLER_WRONG = 1, PW__PNG_ADLER_MISSING, PW__PNG_DATA_CUT, PW__PNG_WINDOW };
int pw__stb_png_zlib(uint32_t *got, uint32_t *want);

/* A PNG file (free it with pw__stb_png_free), or NULL when out of memory. */
uint8_t *pw__stb_png(const uint8_t *pixels, int w, int h, int channels, int *out_len);
/* Frees what pw__stb_png returned. */
void pw__stb_png_free(uint8_t *png);

/* Writes a JPEG through write(ctx, bytes, size); returns 0 on failure. */
int pw__stb_jpeg(const uint8_t *pixels, int w, int h, int channels, int quality,
                 void (*write)(void *ctx, void *data, int size), void *ctx);

#endif /* PW_IMAGE_CODEC_H */
