/*
 * stb_user.h — a user's thin wrapper of someone else's C: stb_image (Sean
 * Barrett's public-domain PNG/JPEG decoder, Debian's libstb-dev) as two
 * kernels, built with
 *
 *   npx parawasm build --prefix img_ -I /usr/include/stb src/stb_user.h src/stb_user.c
 *
 * so that pool.decode(fileBytes) decodes on a pool thread (many files at
 * once on every core) and core.decode(fileBytes) on the calling thread.
 */
#ifndef STB_USER_H
#define STB_USER_H

#include <stddef.h>
#include <stdint.h>

#include "parawasm/kernel.h"

/**
 * The size of a PNG or JPEG image, read from its header without decoding it.
 * @param file  the file's bytes
 * @return width, height and the number of channels in the file (1 to 4)
 */
PW_KERNEL pw_status img_info(PW_IN(len) const uint8_t *file, size_t len, PW_RETURN(3) uint32_t *info);

/**
 * Decodes a PNG or JPEG image into RGBA, 8 bits a channel (grey, grey +
 * alpha and RGB images get their missing channels; 16-bit PNGs keep the
 * high byte). Fails with ERR_PW_BAD_FORMAT and stb_image's reason for a file
 * it cannot decode, and with ERR_PW_NO_MEMORY when the pixels do not fit.
 * @param file  the file's bytes
 * @return size: width and height; rgba: the pixels, width * height * 4 bytes, row after row
 */
PW_KERNEL pw_status img_decode(PW_IN(len) const uint8_t *file, size_t len, PW_RETURN(2) uint32_t *size,
                               PW_RESULT(uint8_t) pw_result *rgba);

#endif
