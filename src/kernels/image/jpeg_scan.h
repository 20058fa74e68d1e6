/*
 * jpeg_scan.h — reads the entropy-coded data of a JPEG's scans the way a
 * decoder does (Huffman codes, magnitude bits, end-of-band runs, the
 * refinement bits of progressive scans), without computing a pixel, to
 * find data that ends too early or holds more than its blocks before a
 * restart marker. stb_image fills what is missing with zero bits, and
 * stops a scan silently where a restart marker is not where it expects
 * one, so such a file decoded to grey blocks without an error.
 *
 * codec.c's walk over the file's segments feeds this one segment at a
 * time, in file order (tables may be defined again between scans):
 *   pw__jpeg_scan_frame   at the frame header (SOF0/1/2),
 *   pw__jpeg_scan_dht     at each Huffman table segment,
 *   pw__jpeg_scan_dri     at each restart interval definition,
 *   pw__jpeg_scan_data    at each scan: its header and its data.
 * Each returns PW_OK or a failure with a message (pw_fail).
 */
#ifndef PW_JPEG_SCAN_H
#define PW_JPEG_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "parawasm/kernel.h"

typedef struct pw__jpeg_scan pw__jpeg_scan;

/* A reader for one file, or NULL when out of memory. */
pw__jpeg_scan *pw__jpeg_scan_new(void);
void pw__jpeg_scan_free(pw__jpeg_scan *s);

/* The frame header's segment (after its length bytes: seg[0] is the precision), `len` its bytes. */
pw_status pw__jpeg_scan_frame(pw__jpeg_scan *s, const uint8_t *seg, size_t len, int progressive);
/* A DHT segment's tables (after its length bytes). */
pw_status pw__jpeg_scan_dht(pw__jpeg_scan *s, const uint8_t *seg, size_t len);
/* A DRI segment's interval (0: no restart markers). */
void pw__jpeg_scan_dri(pw__jpeg_scan *s, unsigned interval);
/*
 * A scan: its header's segment (after the length bytes), then its
 * entropy-coded data d[0..n) up to the marker that ends it (restart
 * markers included); `at` is the header's offset in the file, for messages.
 */
pw_status pw__jpeg_scan_data(pw__jpeg_scan *s, const uint8_t *seg, size_t len, const uint8_t *d, size_t n,
                             size_t at);

#endif /* PW_JPEG_SCAN_H */
