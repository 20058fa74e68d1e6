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
 * Inflates a zlib stream as stb's PNG decoder does: z[0..n) followed by at
 * least 8 readable bytes (never read as data: they keep stb's bit reader
 * from reading past the stream's end as zeros, so where the last block
 * ended is known). Returns the output (free with pw__stb_free), its length
 * in *out_len and the offset of the first byte after the last block in
 * *end (the stream's Adler-32 is the 4 bytes there), or NULL with *why set.
 * Allocations above `limit` bytes are refused, as pw__stb_load's.
 */
uint8_t *pw__stb_inflate(const uint8_t *z, int n, int size_hint, size_t limit, int *out_len, size_t *end,
                         const char **why);

/* A PNG file in malloc'd memory (free with free()), or NULL when out of memory. */
uint8_t *pw__stb_png(const uint8_t *pixels, int w, int h, int channels, int *out_len);

/* Writes a JPEG through write(ctx, bytes, size); returns 0 on failure. */
int pw__stb_jpeg(const uint8_t *pixels, int w, int h, int channels, int quality,
                 void (*write)(void *ctx, void *data, int size), void *ctx);

#endif /* PW_IMAGE_CODEC_H */
