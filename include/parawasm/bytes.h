/*
 * parawasm/bytes.h — byte-buffer transforms that work in place.
 */
#ifndef PARAWASM_BYTES_H
#define PARAWASM_BYTES_H

#include <stddef.h>
#include <stdint.h>

#include "parawasm/kernel.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Turns the ASCII lower-case letters a-z of the buffer into upper case, in
 * place; every other byte (UTF-8 sequences included) is left as it is.
 * @param data  the buffer, changed in place; may be NULL if len is 0
 * @param len   number of bytes
 * @return the number of bytes that were changed
 */
PW_KERNEL size_t pw_ascii_upper(PW_INOUT(len) void *data, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* PARAWASM_BYTES_H */
