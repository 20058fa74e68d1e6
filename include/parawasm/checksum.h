/*
 * parawasm/checksum.h — checksums: CRC-32, CRC-32C, Adler-32.
 *
 * All three follow zlib's calling convention: the running value is the
 * previous result (0 for the CRCs, 1 for Adler-32 to start), so
 *     f(b, f(a)) == f(a ++ b)
 * and data can be fed in pieces. The *_combine functions give f(a ++ b)
 * from f(a), f(b) and the length of b without touching the data, which is
 * how the threaded build joins chunks checksummed on different threads.
 *
 * Inputs of a few MiB and more are split across the pool's threads in the
 * threaded build (see pw_parallel_for); results are identical to the serial
 * computation.
 */
#ifndef PARAWASM_CHECKSUM_H
#define PARAWASM_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

#include "parawasm/kernel.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * CRC-32/ISO-HDLC (the CRC of zlib, gzip, PNG, Ethernet; reflected
 * polynomial 0xEDB88320) of `len` bytes at `data`, continuing from `crc`.
 * @param data  the bytes (any view, read as bytes); may be NULL if len is 0
 * @param len   number of bytes
 * @param crc   running value: 0 to start, else the CRC of the data before
 * @return the CRC of everything fed so far; crc32("123456789") = 0xcbf43926
 */
PW_KERNEL uint32_t pw_crc32(PW_IN(len) const void *data, size_t len,
                            PW_DEFAULT(0) PW_CHAIN uint32_t crc);

/**
 * CRC-32C (Castagnoli; iSCSI, ext4, SCTP; reflected polynomial 0x82F63B78)
 * of `len` bytes at `data`, continuing from `crc`.
 * @param data  the bytes; may be NULL if len is 0
 * @param len   number of bytes
 * @param crc   running value: 0 to start, else the CRC-32C of the data before
 * @return the CRC-32C of everything fed so far; crc32c("123456789") = 0xe3069283
 */
PW_KERNEL uint32_t pw_crc32c(PW_IN(len) const void *data, size_t len,
                             PW_DEFAULT(0) PW_CHAIN uint32_t crc);

/**
 * Adler-32 (RFC 1950, the zlib stream checksum) of `len` bytes at `data`,
 * continuing from `adler`.
 * @param data   the bytes; may be NULL if len is 0
 * @param len    number of bytes
 * @param adler  running value: 1 to start, else the Adler-32 of the data before
 * @return the Adler-32 of everything fed so far; adler32("123456789") = 0x091e01de
 */
PW_KERNEL uint32_t pw_adler32(PW_IN(len) const void *data, size_t len,
                              PW_DEFAULT(1) PW_CHAIN uint32_t adler);

/*
 * pw_crc32, pw_crc32c and pw_adler32 for a kernel that checks a part of
 * its own data (the PNG decoder its chunks' CRCs and its zlib stream's
 * Adler-32, or a kernel of yours): the same values, split across the pool
 * and stopped by an abort as those are, but their bytes are not reported
 * as the call's progress (onProgress hears of the kernel's own work, not
 * of a checksum's inside it). Not kernels of their own.
 */
uint32_t pw_crc32_quiet(const void *data, size_t len, uint32_t crc);
uint32_t pw_crc32c_quiet(const void *data, size_t len, uint32_t crc);
uint32_t pw_adler32_quiet(const void *data, size_t len, uint32_t adler);

/**
 * CRC-32 of the concatenation a ++ b from crc1 = crc32(a), crc2 = crc32(b)
 * and len2 = the length of b in bytes. O(log len2); does not read data.
 * @return crc32(a ++ b)
 */
PW_KERNEL uint32_t pw_crc32_combine(uint32_t crc1, uint32_t crc2, uint64_t len2);

/**
 * CRC-32C of a ++ b from crc1 = crc32c(a), crc2 = crc32c(b) and the length
 * of b in bytes. O(log len2).
 * @return crc32c(a ++ b)
 */
PW_KERNEL uint32_t pw_crc32c_combine(uint32_t crc1, uint32_t crc2, uint64_t len2);

/**
 * Adler-32 of a ++ b from adler1 = adler32(a), adler2 = adler32(b) and the
 * length of b in bytes. O(1).
 * @return adler32(a ++ b)
 */
PW_KERNEL uint32_t pw_adler32_combine(uint32_t adler1, uint32_t adler2, uint64_t len2);

#ifdef __cplusplus
}
#endif

#endif /* PARAWASM_CHECKSUM_H */
