/*
 * codec.c — PNG and JPEG: pw_image_info, pw_image_decode(_grey),
 * pw_image_encode_png(_grey), pw_image_encode_jpeg(_grey).
 *
 * The pixels are decoded and encoded by stb_image / stb_image_write
 * (stb_impl.c). What this file adds is what a decoder of untrusted bytes
 * must do before and around one:
 *   - the structure of the file is walked first. PNG: signature, IHDR
 *     first, every chunk inside the file with a correct CRC-32, IEND
 *     present. JPEG: SOI, every marker segment inside the file, the
 *     entropy-coded data of each scan followed by a marker, EOI present,
 *     and every Huffman and quantization table a scan uses defined before
 *     it (stb decodes with whatever its table memory held: a file that
 *     named a missing table decoded to the last file's tables on one call
 *     and read outside the memory on another).
 *     So a truncated file or a damaged PNG fails with a message instead of
 *     decoding to whatever stb makes of it (stb fills missing JPEG data
 *     with grey and does not check PNG CRCs).
 *   - the size in the header is bounded (PW_IMAGE_CODEC_MAX_PIXELS, and
 *     65535 a side for JPEG) before anything is allocated, and so is what
 *     the file's data can hold (a tiny file declaring a huge image is
 *     refused, not decoded into gigabytes of zeros), and every
 *     allocation stb makes is bounded by what that size needs.
 *   - a PNG's zlib stream is checked against its Adler-32 (stb's inflate
 *     ignores it; stb_impl.c checks it as stb inflates).
 *   - the caller's width and height must be the file's, so that JS can
 *     size the destination from pw_image_info and decode straight into it.
 * One decode runs on one thread (the formats are sequential); many files
 * decode at once as separate calls.
 */
#include <limits.h>

#include "image_codec.h"
#include "image_internal.h"
#include "jpeg_scan.h"
#include "parawasm/checksum.h"

static uint32_t be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A PNG pixel's samples by colour type (3: a palette index). */
static unsigned png_samples(uint8_t type) { return type == 2 ? 3 : type == 4 ? 2 : type == 6 ? 4 : 1; }

static int is_png(const uint8_t *d, size_t n) {
  static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  return n >= 8 && memcmp(d, sig, 8) == 0;
}

static int is_jpeg(const uint8_t *d, size_t n) { return n >= 3 && d[0] == 0xff && d[1] == 0xd8 && d[2] == 0xff; }

/* The structure of a PNG (the signature checked): *idat the bytes of its image data. */
static pw_status check_png(const uint8_t *d, size_t n, uint64_t *idat) {
  size_t at = 8;
  int first = 1;
  *idat = 0;
  for (;;) {
    if (pw_cancelled()) return PW_ECANCELED;
    if (n - at < 12)
      return pw_fail(PW_EFORMAT, "truncated PNG: %zu bytes left at byte %zu, no IEND chunk", n - at, at);
    uint32_t len = be32(d + at);
    const uint8_t *type = d + at + 4;
    char name[5] = {0};
    for (int i = 0; i < 4; i++) {
      uint8_t c = type[i];
      if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')))
        return pw_fail(PW_EFORMAT, "corrupt PNG: bad chunk type at byte %zu", at + 4);
      name[i] = (char)c;
    }
    if (len > 0x7fffffffu || (uint64_t)len + 12 > n - at)
      return pw_fail(PW_EFORMAT, "truncated PNG: chunk %s at byte %zu runs past the end", name, at);
    if (first && (memcmp(name, "IHDR", 4) != 0 || len != 13))
      return pw_fail(PW_EFORMAT, "corrupt PNG: the first chunk is not IHDR");
    first = 0;
    uint32_t crc = pw_crc32_quiet(type, (size_t)len + 4, 0); /* (the decode's progress is not the CRC's) */
    if (crc != be32(type + 4 + len))
      return pw_fail(PW_EFORMAT, "corrupt PNG: bad CRC in chunk %s at byte %zu", name, at);
    if (memcmp(name, "IDAT", 4) == 0) *idat += len;
    at += (size_t)len + 12;
    if (memcmp(name, "IEND", 4) == 0) return PW_OK;
  }
}

/*
 * The structure of a JPEG (SOI checked): *coded the bytes of its scans'
 * entropy-coded data. With `ws`, every scan's data is read too
 * (jpeg_scan.h): only once the header's size has been bounded.
 */
static pw_status check_jpeg(const uint8_t *d, size_t n, uint64_t *coded, pw__jpeg_scan *ws) {
  size_t at = 2; /* after SOI */
  *coded = 0;
  int frame = 0, progressive = 0;
  unsigned dqt = 0, dc = 0, ac = 0; /* the tables defined so far, a bit each */
  unsigned nf = 0, tq[16] = {0};    /* the frame's components' quantization tables (the first 16) */
  for (;;) {
    if (at >= n || d[at] != 0xff) {
      if (at >= n) return pw_fail(PW_EFORMAT, "truncated JPEG: no EOI marker");
      return pw_fail(PW_EFORMAT, "corrupt JPEG: no marker at byte %zu", at);
    }
    while (at < n && d[at] == 0xff) at++; /* fill bytes */
    if (at >= n) return pw_fail(PW_EFORMAT, "truncated JPEG: no EOI marker");
    uint8_t m = d[at++];
    if (m == 0xd9) return frame ? PW_OK : pw_fail(PW_EFORMAT, "corrupt JPEG: no frame header");
    if (m == 0x01 || (m >= 0xd0 && m <= 0xd7)) continue; /* no length */
    if (m == 0x00 || m == 0xd8) return pw_fail(PW_EFORMAT, "corrupt JPEG: bad marker at byte %zu", at - 1);
    if (n - at < 2) return pw_fail(PW_EFORMAT, "truncated JPEG: segment at byte %zu", at - 2);
    size_t len = (size_t)d[at] << 8 | d[at + 1];
    if (len < 2 || len > n - at)
      return pw_fail(PW_EFORMAT, "truncated JPEG: segment 0x%02X at byte %zu runs past the end", m, at - 2);
    if (m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc && !frame) {
      if (len < 8 || len < 8 + 3 * (size_t)d[at + 7])
        return pw_fail(PW_EFORMAT, "corrupt JPEG: bad frame header at byte %zu", at - 2);
      frame = 1, progressive = m == 0xc2, nf = d[at + 7] < 16 ? d[at + 7] : 16;
      for (unsigned i = 0; i < nf; i++) tq[i] = d[at + 10 + 3 * i];
      if (ws) {
        pw_status s = pw__jpeg_scan_frame(ws, d + at + 2, len - 2, progressive);
        if (s != PW_OK) return s;
      }
    }
    if (m == 0xdd) { /* restart interval */
      if (len != 4) return pw_fail(PW_EFORMAT, "corrupt JPEG: bad restart interval segment at byte %zu", at - 2);
      if (ws) pw__jpeg_scan_dri(ws, (unsigned)d[at + 2] << 8 | d[at + 3]);
    }
    if (m == 0xdb) { /* quantization tables: 64 values of 8 or 16 bits, ids 0-3 */
      size_t t = at + 2, end = at + len;
      while (t < end) {
        size_t size = (d[t] >> 4) == 0 ? 64 : 128;
        if ((d[t] >> 4) > 1 || (d[t] & 15) > 3 || end - t - 1 < size)
          return pw_fail(PW_EFORMAT, "corrupt JPEG: bad quantization table at byte %zu", t);
        dqt |= 1u << (d[t] & 15);
        t += 1 + size;
      }
    }
    if (m == 0xc4) { /* Huffman tables: stb_image 2.27 trusts their counts; check them here */
      size_t t = at + 2, end = at + len;
      while (t < end) {
        if (end - t < 17 || (d[t] >> 4) > 1 || (d[t] & 15) > 3)
          return pw_fail(PW_EFORMAT, "corrupt JPEG: bad Huffman table at byte %zu", t);
        size_t count = 0;
        for (int i = 1; i <= 16; i++) count += d[t + i];
        if (count > 256 || count > end - t - 17)
          return pw_fail(PW_EFORMAT, "corrupt JPEG: bad Huffman table at byte %zu", t);
        *((d[t] >> 4) ? &ac : &dc) |= 1u << (d[t] & 15);
        t += 17 + count;
      }
      if (ws) {
        pw_status s = pw__jpeg_scan_dht(ws, d + at + 2, len - 2);
        if (s != PW_OK) return s;
      }
    }
    if (m == 0xda) { /* a scan: after the frame, its tables defined */
      size_t ns = len >= 6 ? d[at + 2] : 0;
      if (!frame) return pw_fail(PW_EFORMAT, "corrupt JPEG: a scan at byte %zu before the frame header", at - 2);
      if (len < 6 || len < 6 + 2 * ns) return pw_fail(PW_EFORMAT, "corrupt JPEG: bad scan header at byte %zu", at - 2);
      for (unsigned i = 0; i < nf; i++)
        if (tq[i] > 3 || !(dqt >> tq[i] & 1))
          return pw_fail(PW_EFORMAT, "corrupt JPEG: component %u uses quantization table %u, which is not defined", i,
                         tq[i]);
      unsigned ss = d[at + 3 + 2 * ns], ah = d[at + 5 + 2 * ns] >> 4;
      /* baseline: both tables; progressive: DC first scans a DC table, AC scans an AC table */
      int need_dc = !progressive || (ss == 0 && ah == 0), need_ac = !progressive || ss > 0;
      for (size_t i = 0; i < ns; i++) {
        unsigned td = d[at + 4 + 2 * i] >> 4, ta = d[at + 4 + 2 * i] & 15;
        if ((need_dc && (td > 3 || !(dc >> td & 1))) || (need_ac && (ta > 3 || !(ac >> ta & 1))))
          return pw_fail(PW_EFORMAT, "corrupt JPEG: the scan at byte %zu uses a Huffman table that is not defined",
                         at - 2);
      }
    }
    const size_t seg_at = at;
    at += len;
    if (m != 0xda) continue;
    /* entropy-coded data: up to the next 0xFF that is not 0xFF00 or a restart marker */
    const size_t data_at = at;
    size_t poll_at = at; /* an abort looked at every 256 KiB of a scan */
    for (;;) {
      if (at >= poll_at) {
        if (pw_cancelled()) return PW_ECANCELED;
        poll_at = at + ((size_t)1 << 18);
      }
      const uint8_t *ff = at < n ? memchr(d + at, 0xff, n - at) : NULL;
      if (ff == NULL) return pw_fail(PW_EFORMAT, "truncated JPEG: scan data runs to the end of the file");
      at = (size_t)(ff - d);
      if (at + 1 >= n) return pw_fail(PW_EFORMAT, "truncated JPEG: scan data runs to the end of the file");
      uint8_t next = d[at + 1];
      if (next == 0x00 || (next >= 0xd0 && next <= 0xd7)) {
        at += 2;
        continue;
      }
      if (next == 0xff) { /* fill byte before a marker */
        at += 1;
        continue;
      }
      break;
    }
    *coded += at - data_at;
    if (ws) {
      pw_status s = pw__jpeg_scan_data(ws, d + seg_at + 2, len - 2, d + data_at, at - data_at, seg_at - 2);
      if (s != PW_OK) return s;
    }
  }
}

/* The size and channels in a PNG's IHDR (the signature checked). */
static pw_status png_header(const uint8_t *d, size_t n, int64_t *w, int64_t *h, int *comp) {
  if (n < 33 || memcmp(d + 12, "IHDR", 4) != 0 || be32(d + 8) != 13)
    return pw_fail(PW_EFORMAT, "corrupt PNG: no IHDR chunk at the start");
  *w = be32(d + 16), *h = be32(d + 20);
  uint8_t depth = d[24], type = d[25];
  int ok_depth = depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16;
  switch (type) {
  case 0: *comp = 1; break;
  case 2: *comp = 3, ok_depth = depth >= 8; break;
  case 3: *comp = 3, ok_depth = depth <= 8; break; /* 4 with a tRNS chunk; stb says so when decoding */
  case 4: *comp = 2, ok_depth = depth >= 8; break;
  case 6: *comp = 4, ok_depth = depth >= 8; break;
  default: return pw_fail(PW_EFORMAT, "corrupt PNG: colour type %u", type);
  }
  if (!ok_depth) return pw_fail(PW_EFORMAT, "corrupt PNG: bit depth %u with colour type %u", depth, type);
  return PW_OK;
}

/*
 * The 8x8 blocks of a JPEG's components (SOFn at d[at], its size w x h):
 * component c, sampled Hc x Vc of the largest Hmax x Vmax, is
 * ceil(w * Hc / Hmax) x ceil(h * Vc / Vmax) samples. 0 for sampling
 * factors outside 1..4.
 */
static uint64_t jpeg_blocks(const uint8_t *d, size_t at, size_t len, int64_t w, int64_t h) {
  const unsigned nf = d[at + 9];
  if (len < 8 + 3 * (size_t)nf) return 0;
  unsigned hmax = 1, vmax = 1;
  for (unsigned i = 0; i < nf; i++) {
    const unsigned hc = d[at + 11 + 3 * i] >> 4, vc = d[at + 11 + 3 * i] & 15;
    if (hc < 1 || hc > 4 || vc < 1 || vc > 4) return 0;
    hmax = hc > hmax ? hc : hmax, vmax = vc > vmax ? vc : vmax;
  }
  uint64_t blocks = 0;
  for (unsigned i = 0; i < nf; i++) {
    const int64_t cw = (w * (d[at + 11 + 3 * i] >> 4) + hmax - 1) / hmax, ch = (h * (d[at + 11 + 3 * i] & 15) + vmax - 1) / vmax;
    blocks += (uint64_t)((cw + 7) / 8) * (uint64_t)((ch + 7) / 8);
  }
  return blocks;
}

/* The size and components in a JPEG's frame header (SOFn), and its 8x8 blocks (jpeg_blocks). */
static pw_status jpeg_header(const uint8_t *d, size_t n, int64_t *w, int64_t *h, int *comp, uint64_t *blocks) {
  size_t at = 2;
  while (at + 4 <= n && d[at] == 0xff) {
    uint8_t m = d[at + 1];
    if (m == 0xff) { at++; continue; }
    size_t len = (size_t)d[at + 2] << 8 | d[at + 3];
    if (m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc) {
      if (len < 8 || at + 2 + len > n) break;
      if (m != 0xc0 && m != 0xc1 && m != 0xc2)
        return pw_fail(PW_EFORMAT, "JPEG coding 0x%02X is not supported (baseline and progressive are)", m);
      *h = (int64_t)d[at + 5] << 8 | d[at + 6];
      *w = (int64_t)d[at + 7] << 8 | d[at + 8];
      *comp = d[at + 9];
      *blocks = jpeg_blocks(d, at, len, *w, *h);
      return PW_OK;
    }
    if (m == 0xda || m == 0xd9 || len < 2) break;
    at += 2 + len;
  }
  return pw_fail(PW_EFORMAT, "corrupt JPEG: no frame header before the image data");
}

/*
 * Reads and bounds the header and checks the file's structure: fills w, h,
 * comp, format, and *coded, the bytes of image data (PNG: of its IDAT
 * chunks; JPEG: of its scans).
 */
static pw_status read_header(const uint8_t *data, size_t len, int *w, int *h, int *comp, int *format, uint64_t *coded) {
  if (data == NULL || len == 0) return pw_fail(PW_EFORMAT, "data is empty");
  if (len > INT_MAX) return pw_fail(PW_ERANGE, "data is %zu bytes; at most %d", len, INT_MAX);
  int64_t hw = 0, hh = 0;
  uint64_t blocks = 0;
  pw_status s;
  if (is_png(data, len)) *format = PW_IMAGE_PNG, s = png_header(data, len, &hw, &hh, comp);
  else if (is_jpeg(data, len)) *format = PW_IMAGE_JPEG, s = jpeg_header(data, len, &hw, &hh, comp, &blocks);
  else return pw_fail(PW_EFORMAT, "data is neither PNG nor JPEG");
  if (s != PW_OK) return s;
  const char *fmt = *format == PW_IMAGE_PNG ? "PNG" : "JPEG";
  /* the whole structure, before stb reads any of it (and before the size
     is trusted: a damaged header is a bad CRC, not a size out of range) */
  s = *format == PW_IMAGE_PNG ? check_png(data, len, coded) : check_jpeg(data, len, coded, NULL);
  if (s != PW_OK) return s;
  if (hw < 1 || hh < 1) return pw_fail(PW_EFORMAT, "corrupt %s: the image is %lldx%lld", fmt, (long long)hw, (long long)hh);
  if (hw > PW_IMAGE_MAX_SIDE || hh > PW_IMAGE_MAX_SIDE || hw * hh > PW_IMAGE_CODEC_MAX_PIXELS)
    return pw_fail(PW_ERANGE, "the %s is %lldx%lld: more than %u pixels or a side over %u", fmt, (long long)hw,
                   (long long)hh, PW_IMAGE_CODEC_MAX_PIXELS, PW_IMAGE_MAX_SIDE);
  /* a small file that declares a big image is refused before anything is
     allocated: its data cannot hold the pixels of that size. PNG: deflate
     makes at most 1032 bytes of a byte (a 258-byte match in 2 bits), and
     the rows hold at least width * height * bits a pixel / 8 bytes. JPEG:
     every 8x8 block of every component has its DC difference coded, at
     least 1 bit each (a Huffman code; progressive DC scans have no
     end-of-band runs); at least the blocks of one full-size component */
  uint64_t need, most;
  if (*format == PW_IMAGE_PNG) {
    need = ((uint64_t)hw * (uint64_t)hh * data[24] * png_samples(data[25])) / 8;
    most = *coded * 1032;
  } else {
    need = blocks ? blocks : (uint64_t)((hw + 7) / 8) * (uint64_t)((hh + 7) / 8);
    most = *coded * 8;
  }
  if (most < need)
    return pw_fail(PW_EFORMAT, "corrupt %s: its %llu bytes of %s cannot hold the %lldx%lld pixels its header declares", fmt,
                   (unsigned long long)*coded, *format == PW_IMAGE_PNG ? "image data (IDAT)" : "scan data", (long long)hw,
                   (long long)hh);
  /* what stb reads from the same header must agree; its channels are a
     JPEG's (CMYK and YCCK read as RGB), a PNG's are IHDR's (stb counts a
     palette's tRNS chunk as a fourth, and no other colour type's) */
  int sw, sh, scomp, known = pw__stb_info(data, (int)len, &sw, &sh, &scomp);
  if (known < 0) return pw_fail(PW_ENOMEM, "out of memory reading the %s header", fmt);
  if (!known || sw != hw || sh != hh) return pw_fail(PW_EFORMAT, "corrupt %s header", fmt);
  if (*format == PW_IMAGE_JPEG) *comp = scomp;
  *w = (int)hw, *h = (int)hh;
  return PW_OK;
}

/* read_header() under an abort: PW_ECANCELED before anything is read, and
   for a failure the abort caused (pw_crc32 stops early under one: a
   chunk's CRC then looks wrong) */
static pw_status header(const uint8_t *data, size_t len, int *w, int *h, int *comp, int *format, uint64_t *coded) {
  if (pw_cancelled()) return PW_ECANCELED;
  pw_status s = read_header(data, len, w, h, comp, format, coded);
  return s != PW_OK && pw_cancelled() ? PW_ECANCELED : s;
}

pw_status pw_image_info(const uint8_t *data, size_t len, uint32_t *info) {
  int w = 0, h = 0, comp = 0, format = 0;
  uint64_t coded = 0;
  pw_status s = header(data, len, &w, &h, &comp, &format, &coded);
  if (s != PW_OK) return s;
  info[0] = (uint32_t)w;
  info[1] = (uint32_t)h;
  info[2] = (uint32_t)comp;
  info[3] = (uint32_t)format;
  return PW_OK;
}

/* The status of a failed stb decode of a `fmt` file, `why` its reason. */
static pw_status decode_failed(const char *why, const char *fmt) {
  if (why && strcmp(why, "outofmem") == 0) return pw_fail(PW_ENOMEM, "out of memory decoding the %s", fmt);
  return pw_fail(PW_EFORMAT, "data is a corrupt %s: %s", fmt, why ? why : "decoder failed");
}

static pw_status decode(const uint8_t *data, size_t len, uint8_t *dst, uint32_t width, uint32_t height,
                        int channels) {
  int w = 0, h = 0, comp = 0, format = 0;
  uint64_t coded = 0;
  pw_status s = header(data, len, &w, &h, &comp, &format, &coded);
  if (s != PW_OK) return s;
  if ((uint32_t)w != width) return pw_fail(PW_EINVAL, "width is %u but the image is %d wide", width, w);
  if ((uint32_t)h != height) return pw_fail(PW_EINVAL, "height is %u but the image is %d high", height, h);
  /* no block stb needs is larger than twice 8 bytes a pixel (16-bit RGBA) plus a filter byte a row */
  size_t limit = (size_t)(2 * ((uint64_t)w * h * 8 + (uint64_t)h) + (1u << 20));
  if (format == PW_IMAGE_JPEG) { /* every scan's data read through: none ends early (jpeg_scan.h) */
    pw__jpeg_scan *ws = pw__jpeg_scan_new();
    if (ws == NULL) return pw_fail(PW_ENOMEM, "out of memory reading the JPEG's scans");
    s = check_jpeg(data, len, &coded, ws);
    pw__jpeg_scan_free(ws);
    if (s != PW_OK) return s;
  }
  int dw, dh;
  const char *why;
  /* grey from colour: decoded as RGB and made grey with the Rec. 709 luma
     of toGrey/greyscale (stb's own conversion weighs the channels
     otherwise), so that both ways to a grey image agree */
  int luma = channels == 1 && comp >= 3;
  uint8_t *px = pw__stb_load(data, (int)len, &dw, &dh, luma ? 3 : channels, limit, &why);
  const char *fmt = format == PW_IMAGE_PNG ? "PNG" : "JPEG";
  if (pw_cancelled()) { /* stb stopped short (stb_impl.c): what it made, if anything, is not the image */
    pw__stb_free(px);
    return PW_ECANCELED;
  }
  if (px == NULL) {
    uint32_t got, want;
    switch (format == PW_IMAGE_PNG ? pw__stb_png_zlib(&got, &want) : 0) {
    case PW__PNG_ADLER_WRONG:
      return pw_fail(PW_EFORMAT, "corrupt PNG: the image data's Adler-32 is %08x, its zlib stream says %08x", got, want);
    case PW__PNG_ADLER_MISSING:
      return pw_fail(PW_EFORMAT, "truncated PNG: the image data ends without its Adler-32");
    case PW__PNG_DATA_CUT:
      return pw_fail(PW_EFORMAT, "truncated PNG: the image data ends inside its zlib stream's compressed data");
    case PW__PNG_WINDOW:
      return pw_fail(PW_EFORMAT, "corrupt PNG: the image data's zlib header declares a window of 2^%u bytes (at most 2^15)",
                     (unsigned)got + 8);
    default:
      return decode_failed(why, fmt);
    }
  }
  if (dw != w || dh != h) {
    pw__stb_free(px);
    return pw_fail(PW_EFORMAT, "data is a corrupt %s: its size changed while decoding", fmt);
  }
  size_t n = (size_t)w * h;
  if (luma) {
    for (size_t i = 0; i < n; i++) dst[i] = pw__img_luma(px[3 * i], px[3 * i + 1], px[3 * i + 2]);
  } else {
    memcpy(dst, px, n * channels);
  }
  pw__stb_free(px);
  return PW_OK;
}

pw_status pw_image_decode(const uint8_t *data, size_t len, uint8_t *dst, uint32_t width, uint32_t height) {
  return decode(data, len, dst, width, height, 4);
}

pw_status pw_image_decode_grey(const uint8_t *data, size_t len, uint8_t *dst, uint32_t width,
                               uint32_t height) {
  return decode(data, len, dst, width, height, 1);
}

/* ---- encoding */

/* An encode's arguments (quality: a JPEG's, 0 for a PNG); then PW_ECANCELED if it was aborted already. */
static pw_status encode_checks(uint32_t width, uint32_t height, unsigned ch, int jpeg, uint32_t quality) {
  pw_status s = pw__img_check("", width, height, ch);
  if (s != PW_OK) return s;
  if ((uint64_t)width * height > PW_IMAGE_CODEC_MAX_PIXELS)
    return pw_fail(PW_ERANGE, "the image is %ux%u: more than %u pixels", width, height, PW_IMAGE_CODEC_MAX_PIXELS);
  if (jpeg && (width > 65535 || height > 65535))
    return pw_fail(PW_ERANGE, "a JPEG side is at most 65535 pixels (the image is %ux%u)", width, height);
  if (jpeg && (quality < 1 || quality > 100)) return pw_fail(PW_EINVAL, "quality must be 1 to 100 (got %u)", quality);
  return pw_cancelled() ? PW_ECANCELED : PW_OK;
}

static pw_status encode_png(const uint8_t *src, uint32_t width, uint32_t height, unsigned ch, pw_result *out) {
  pw_status s = encode_checks(width, height, ch, 0, 0);
  if (s != PW_OK) return s;
  int n = 0;
  uint8_t *png = pw__stb_png(src, (int)width, (int)height, (int)ch, &n);
  if (pw_cancelled()) { /* stb stopped short (stb_impl.c) */
    pw__stb_png_free(png);
    return PW_ECANCELED;
  }
  if (png == NULL) return pw_fail(PW_ENOMEM, "out of memory encoding the PNG");
  void *p = pw_result_resize(out, (size_t)n);
  if (p != NULL) memcpy(p, png, (size_t)n);
  pw__stb_png_free(png);
  return p ? PW_OK : pw_fail(PW_ENOMEM, "out of memory for the PNG");
}

pw_status pw_image_encode_png(const uint8_t *src, uint32_t width, uint32_t height, pw_result *out) {
  return encode_png(src, width, height, 4, out);
}

pw_status pw_image_encode_png_grey(const uint8_t *src, uint32_t width, uint32_t height, pw_result *out) {
  return encode_png(src, width, height, 1, out);
}

typedef struct {
  uint8_t *buf;
  size_t len, cap;
  int failed;
} sink;

static void sink_write(void *ctx, void *data, int size) {
  sink *k = ctx;
  if (k->failed || size <= 0) return;
  if (k->cap - k->len < (size_t)size) {
    size_t cap = k->cap ? k->cap : 65536;
    while (cap - k->len < (size_t)size) cap *= 2;
    uint8_t *b = realloc(k->buf, cap);
    if (b == NULL) {
      k->failed = 1;
      return;
    }
    k->buf = b, k->cap = cap;
  }
  memcpy(k->buf + k->len, data, (size_t)size);
  k->len += (size_t)size;
}

static pw_status encode_jpeg(const uint8_t *src, uint32_t width, uint32_t height, uint32_t quality,
                             unsigned ch, pw_result *out) {
  pw_status s = encode_checks(width, height, ch, 1, quality);
  if (s != PW_OK) return s;
  sink k = {0};
  int ok = pw__stb_jpeg(src, (int)width, (int)height, (int)ch, (int)quality, sink_write, &k);
  if (pw_cancelled()) { /* stb stopped short (stb_impl.c) */
    free(k.buf);
    return PW_ECANCELED;
  }
  if (!ok || k.failed) {
    free(k.buf);
    return pw_fail(k.failed ? PW_ENOMEM : PW_EINVAL, k.failed ? "out of memory encoding the JPEG" : "JPEG encoder failed");
  }
  void *p = pw_result_resize(out, k.len);
  if (p != NULL) memcpy(p, k.buf, k.len);
  free(k.buf);
  return p ? PW_OK : pw_fail(PW_ENOMEM, "out of memory for the JPEG");
}

pw_status pw_image_encode_jpeg(const uint8_t *src, uint32_t width, uint32_t height, uint32_t quality,
                               pw_result *out) {
  return encode_jpeg(src, width, height, quality, 4, out);
}

pw_status pw_image_encode_jpeg_grey(const uint8_t *src, uint32_t width, uint32_t height, uint32_t quality,
                                    pw_result *out) {
  return encode_jpeg(src, width, height, quality, 1, out);
}
