/*
 * stb_impl.c — the PNG/JPEG codecs of stb_image and stb_image_write
 * (Debian's libstb-dev, /usr/include/stb), compiled here and nowhere else,
 * behind the few functions codec.c calls (image_codec.h). Only this file
 * needs -I/usr/include/stb.
 *
 * Configuration, all at compile time (kernels run on many threads at once,
 * so stb's run-time setters, which write globals, are never called):
 *   - PNG and JPEG only, from memory only (no stdio), no float/HDR API;
 *   - stb's SSE2 JPEG paths (IDCT, YCbCr to RGB, upsampling), which stb
 *     writes to give the same bits as its scalar code: natively on x86-64,
 *     and in wasm too, where emscripten implements the SSE2 intrinsics with
 *     wasm SIMD (this file is built with -msse2 there; stb only looks for
 *     an x86 target, so we name one). Measured in wasm on a 2-megapixel
 *     JPEG: see test/bench/native_image.c;
 *   - failure reasons are thread-local in stb (C11 _Thread_local), so a
 *     decode on one thread never reads another's message;
 *   - every allocation stb makes during a decode goes through
 *     limited_alloc, which refuses blocks larger than the limit the caller
 *     set for that decode (from the header's size), so a small file that
 *     inflates to gigabytes (a zlib bomb in a PNG) fails instead of
 *     exhausting memory. The limit is thread-local for the same reason.
 *     And every block is zeroed: what stb leaves unwritten in a damaged
 *     file (a table, coefficients) is then 0, never bytes of an earlier
 *     call, so a file decodes to the same pixels on every call and thread;
 *   - stb_image_write's PNG encoder grows its buffers (the deflate output,
 *     the hash chains) without looking at what realloc returned: out of
 *     memory, it asserted (natively) or wrote through NULL (wasm, into the
 *     memory every thread shares). Its blocks come from enc_malloc below
 *     instead, listed per thread: a refused block jumps (longjmp) back to
 *     pw__stb_png, which frees the listed blocks and reports no memory.
 */
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image_codec.h"
#include "parawasm/checksum.h"
#include "parawasm/kernel.h"

static _Thread_local size_t alloc_limit; /* 0: no limit (encoders) */
static _Thread_local int limit_hit;        /* the running decode asked for more */
static _Thread_local int oom_hit;          /* a block stb asked for was refused (no memory) */
static _Thread_local int zlib_state;       /* png_inflate's finding: 0, PW__PNG_* (image_codec.h) */
static _Thread_local uint32_t adler_got, adler_want;

static void *limited_malloc(size_t n) {
  if (alloc_limit && n > alloc_limit) return limit_hit = 1, NULL;
  void *p = calloc(1, n ? n : 1);
  if (p == NULL) oom_hit = 1;
  return p;
}

static void *limited_realloc(void *p, size_t n) {
  if (alloc_limit && n > alloc_limit) return limit_hit = 1, NULL;
  void *q = realloc(p, n);
  if (q == NULL) oom_hit = 1;
  return q;
}

#define STBI_MALLOC(sz) limited_malloc(sz)
#define STBI_REALLOC(p, sz) limited_realloc(p, sz)
#define STBI_FREE(p) free(p)
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_NO_STDIO
#define STBI_NO_LINEAR
#define STBI_NO_HDR
#if defined(__wasm_simd128__) && defined(__SSE2__)
#define STBI__X64_TARGET
#endif
#define STBI_MAX_DIMENSIONS 16777216
#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION

/* The PNG encoder's blocks: a header links each into its thread's list. */
typedef union enc_blk {
  struct {
    union enc_blk *prev, *next;
  } l;
  max_align_t align;
} enc_blk;
static _Thread_local enc_blk enc_live;    /* the list's sentinel (pw__stb_png links it to itself) */
static _Thread_local jmp_buf *enc_escape; /* where a refused block goes */

static void enc_link(enc_blk *b) {
  b->l.prev = &enc_live, b->l.next = enc_live.l.next;
  enc_live.l.next->l.prev = b, enc_live.l.next = b;
}
static void enc_unlink(enc_blk *b) { b->l.prev->l.next = b->l.next, b->l.next->l.prev = b->l.prev; }
static void *enc_malloc(size_t n) {
  enc_blk *b = n <= SIZE_MAX - sizeof *b ? malloc(sizeof *b + n) : NULL;
  if (b == NULL) longjmp(*enc_escape, 1);
  enc_link(b);
  return b + 1;
}
static void *enc_realloc(void *p, size_t n) {
  if (p == NULL) return enc_malloc(n);
  enc_blk *b = (enc_blk *)p - 1;
  enc_unlink(b);
  enc_blk *q = n <= SIZE_MAX - sizeof *b ? realloc(b, sizeof *b + n) : NULL;
  enc_link(q ? q : b);
  if (q == NULL) longjmp(*enc_escape, 1);
  return q + 1;
}
static void enc_free(void *p) {
  if (p == NULL) return;
  enc_blk *b = (enc_blk *)p - 1;
  enc_unlink(b);
  free(b);
}
#define STBIW_MALLOC(sz) enc_malloc(sz)
#define STBIW_REALLOC(p, sz) enc_realloc(p, sz)
#define STBIW_FREE(p) enc_free(p)
#define STBI_WRITE_NO_STDIO
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION

#if defined(__GNUC__) || defined(__clang__)
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wunused-but-set-variable"
#pragma GCC diagnostic ignored "-Wpragmas"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
/*
 * Horizontal 2x upsampling of chroma (4:2:2 JPEGs): stb 2.27's
 * stbi__resample_row_h_2 weighs the last pair of samples the wrong way
 * round at a row's right end (3 x the second-to-last sample + the last,
 * for the output next to the last), so one column near the right edge
 * took its colour from its neighbour: up to 105 off libjpeg on a picture
 * of coloured stripes. Ours below takes its place: the macro renames stb's
 * definition (a function-like macro expands only where the name is
 * followed by a parenthesis), and the one place stb uses it, a function
 * pointer assignment, then names ours.
 */
static unsigned char *stbi__resample_row_h_2(unsigned char *out, unsigned char *in_near, unsigned char *in_far, int w,
                                             int hs);
#define stbi__resample_row_h_2(...) pw__stb_resample_row_h_2_unused(__VA_ARGS__)
/*
 * A PNG's zlib stream: stb's inflate ignores the Adler-32 at its end, so
 * damage to the image data, with the chunks' CRCs made right again,
 * decoded to wrong pixels. stb's PNG decoder inflates the IDAT data with
 * stbi_zlib_decode_malloc_guesssize_headerflag; its one call there goes to
 * png_inflate below instead, which inflates as stb does and checks the
 * Adler-32 (one inflate a decode, not a second one to check). The call is
 * told from stb's declaration and definition by its first argument, a
 * cast in parentheses where they have `const char *buffer`: PW_IS_PAREN
 * is 1 for an argument that begins with a parenthesis, else 0.
 */
static char *png_inflate(const char *buffer, int len, int initial_size, int *outlen, int parse_header);
#define PW_SECOND_(a, b, ...) b
#define PW_SECOND(...) PW_SECOND_(__VA_ARGS__)
#define PW_PAREN_PROBE(...) ~, 1,
#define PW_IS_PAREN(x) PW_SECOND(PW_PAREN_PROBE x, 0, ~)
#define PW_CAT_(a, b) a##b
#define PW_CAT(a, b) PW_CAT_(a, b)
#define PW_ZLIB_0 stbi_zlib_decode_malloc_guesssize_headerflag
#define PW_ZLIB_1 png_inflate
#define stbi_zlib_decode_malloc_guesssize_headerflag(first, ...) PW_CAT(PW_ZLIB_, PW_IS_PAREN(first))(first, __VA_ARGS__)
/*
 * An abort (pw_cancelled) stops stb within a few milliseconds of work: stb
 * has no way to stop, so its calls of the functions at the heart of each
 * loop are routed through a look at the flag, and once it is set they
 * make the loop end:
 *   - decoders: a JPEG's entropy-coded blocks (baseline: decoded and
 *     transformed; progressive: each scan's DC and AC blocks), a PNG's
 *     IDAT chunks (gathered before the inflate) and its deflate blocks
 *     (compressed and stored) fail, as on damaged data (codec.c then
 *     reports the cancel, not the damage); within a deflate block (stb's
 *     encoder writes one for the whole image), every 1024th read of a
 *     field of extra bits (a match's length or distance, a block header)
 *     looks too, and sends the reader to the end of its data, which it
 *     then reports (the JPEG blocks: every 64th). (Not the refill of the
 *     bit reader: a hook there kept stb's Huffman decoder from being
 *     inlined, 5.9% more instructions a PNG decode; this costs 1.2%.)
 *   - the JPEG encoder: every 64th call of the 8x8 block coder looks, and
 *     then does no work and sets its caller's loop counters past the image
 *     (y = height, x = width: the blocks left of that MCU are coded);
 *   - the PNG encoder: the row filter fills no more rows and moves its
 *     caller's row counter to the last row (j = y - 1, a zeroed line: no
 *     write past the rows), and every 4096th hash of the deflate coder
 *     makes its input empty (data_len = 0: the step under way reads only
 *     bytes it has checked, the next match finds nothing, the loop ends,
 *     and the Adler-32 after it reads none).
 * What they make then is never used: codec.c returns PW_ECANCELED. The
 * counters are stb's own names in those functions (stb_image_write 1.16):
 * another stb that renamed them fails to compile here, and test_cancel
 * checks that each stops. A call is told from the definition of the same
 * name by its first argument: PW_IS_DEF is 1 where that begins with the
 * parameter's type (PW_DEF_<type> defined below), 0 for an expression.
 */
#define PW_IS_DEF(x) PW_SECOND(PW_CAT(PW_DEF_, x), 0, ~)
#define PW_DEF_stbi__jpeg ~, 1,
#define PW_DEF_stbi__zbuf ~, 1,
#define PW_DEF_stbi__write_context ~, 1,
#define PW_DEF_unsigned ~, 1,
#define PW_DEF_stbi__context ~, 1,
/* the per-block and per-byte calls look every 64th or 4096th time (a
   thread-local count: a call into the runtime each time cost the JPEG and
   PNG encoders several per cent); the rarer ones every time */
static _Thread_local unsigned poll_ticks;
#define PW_POLL(mask) ((++poll_ticks & (mask)) == 0 && pw_cancelled())
#define PW_STOP_OR(call) (pw_cancelled() ? 0 : call)
#define PW_BLOCK_STOP_OR(call) (PW_POLL(63u) ? 0 : call)
#define PW_JBLOCK_1 stbi__jpeg_decode_block
#define PW_JBLOCK_0(...) PW_BLOCK_STOP_OR(stbi__jpeg_decode_block(__VA_ARGS__))
#define stbi__jpeg_decode_block(first, ...) PW_CAT(PW_JBLOCK_, PW_IS_DEF(first))(first, __VA_ARGS__)
#define PW_JDC_1 stbi__jpeg_decode_block_prog_dc
#define PW_JDC_0(...) PW_BLOCK_STOP_OR(stbi__jpeg_decode_block_prog_dc(__VA_ARGS__))
#define stbi__jpeg_decode_block_prog_dc(first, ...) PW_CAT(PW_JDC_, PW_IS_DEF(first))(first, __VA_ARGS__)
#define PW_JAC_1 stbi__jpeg_decode_block_prog_ac
#define PW_JAC_0(...) PW_BLOCK_STOP_OR(stbi__jpeg_decode_block_prog_ac(__VA_ARGS__))
#define stbi__jpeg_decode_block_prog_ac(first, ...) PW_CAT(PW_JAC_, PW_IS_DEF(first))(first, __VA_ARGS__)
#define PW_ZBLOCK_1 stbi__parse_huffman_block
#define PW_ZBLOCK_0(a) PW_STOP_OR(stbi__parse_huffman_block(a))
#define stbi__parse_huffman_block(first) PW_CAT(PW_ZBLOCK_, PW_IS_DEF(first))(first)
#define PW_ZRECV_1 stbi__zreceive
#define PW_ZRECV_0(z, n) (PW_POLL(1023u) ? (void)((z)->zbuffer = (z)->zbuffer_end) : (void)0, stbi__zreceive(z, n))
#define stbi__zreceive(first, ...) PW_CAT(PW_ZRECV_, PW_IS_DEF(first))(first, __VA_ARGS__)
#define PW_ZSTORED_1 stbi__parse_uncompressed_block
#define PW_ZSTORED_0(a) PW_STOP_OR(stbi__parse_uncompressed_block(a))
#define stbi__parse_uncompressed_block(first) PW_CAT(PW_ZSTORED_, PW_IS_DEF(first))(first)
#define PW_GETN_1 stbi__getn
#define PW_GETN_0(...) PW_STOP_OR(stbi__getn(__VA_ARGS__))
#define stbi__getn(first, ...) PW_CAT(PW_GETN_, PW_IS_DEF(first))(first, __VA_ARGS__)
#define PW_DU_1 stbiw__jpg_processDU
#define PW_DU_0(...) (PW_POLL(63u) ? (y = height, x = width, 0) : stbiw__jpg_processDU(__VA_ARGS__))
#define stbiw__jpg_processDU(first, ...) PW_CAT(PW_DU_, PW_IS_DEF(first))(first, __VA_ARGS__)
#define PW_LINE_0 stbiw__encode_png_line
#define PW_LINE_1(px, stride, w, h, row, n, filter, line)                                                          \
  (pw_cancelled() ? (void)(j = y - 1, memset(line, 0, (size_t)(w) * (size_t)(n)))                                  \
                  : stbiw__encode_png_line(px, stride, w, h, row, n, filter, line))
#define stbiw__encode_png_line(first, ...) PW_CAT(PW_LINE_, PW_IS_PAREN(first))(first, __VA_ARGS__)
#define PW_ZHASH_1 stbiw__zhash
#define PW_ZHASH_0(p) (PW_POLL(4095u) ? (data_len = 0, stbiw__zhash(p)) : stbiw__zhash(p))
#define stbiw__zhash(first) PW_CAT(PW_ZHASH_, PW_IS_DEF(first))(first)
#include "stb_image.h"
#include "stb_image_write.h"
#undef stbi__resample_row_h_2
#undef stbi_zlib_decode_malloc_guesssize_headerflag
#undef stbi__jpeg_decode_block
#undef stbi__jpeg_decode_block_prog_dc
#undef stbi__jpeg_decode_block_prog_ac
#undef stbi__parse_huffman_block
#undef stbi__getn
#undef stbi__zreceive
#undef stbi__parse_uncompressed_block
#undef stbiw__jpg_processDU
#undef stbiw__encode_png_line
#undef stbiw__zhash

/* out[2i], out[2i+1]: the triangle filter, 3/4 of sample i and 1/4 of its neighbour on that side (edges: the sample) */
static unsigned char *stbi__resample_row_h_2(unsigned char *out, unsigned char *in_near, unsigned char *in_far, int w,
                                             int hs) {
  (void)in_far, (void)hs;
  const unsigned char *in = in_near;
  if (w == 1) {
    out[0] = out[1] = in[0];
    return out;
  }
  out[0] = in[0];
  for (int i = 0; i < w; i++) {
    const int n = 3 * in[i] + 2;
    if (i > 0) out[2 * i] = (unsigned char)((n + in[i - 1]) >> 2);
    if (i < w - 1) out[2 * i + 1] = (unsigned char)((n + in[i + 1]) >> 2);
  }
  out[2 * w - 1] = in[w - 1];
  return out;
}
/* (not popped: "declared static but never defined" is reported at the end of the file) */

int pw__stb_info(const uint8_t *data, int len, int *w, int *h, int *comp) {
  oom_hit = 0; /* (the JPEG reader's state is a block; stb's reason is then its last format's) */
  if (stbi_info_from_memory(data, len, w, h, comp)) return 1;
  return oom_hit ? -1 : 0;
}

/* A decode's allocation limit and failure reason: set before stb runs... */
static void limit_begin(size_t limit) {
  alloc_limit = limit;
  limit_hit = oom_hit = 0;
  zlib_state = 0;
  stbi__g_failure_reason = NULL;
}

/* ...and after: *why for a failure (p NULL), NULL for a success. */
static void *limit_end(void *p, const char **why) {
  alloc_limit = 0;
  *why = p ? NULL : limit_hit ? "more data than the image's size holds" : oom_hit ? "outofmem" : stbi_failure_reason();
  if (p == NULL && *why == NULL) *why = "damaged data";
  return p;
}

uint8_t *pw__stb_load(const uint8_t *data, int len, int *w, int *h, int channels, size_t limit,
                      const char **why) {
  int comp;
  limit_begin(limit);
  uint8_t *p;
  if (len >= 2 && data[0] == 0xff && data[1] == 0xd8) {
    /* a JPEG straight to stb's JPEG decoder (what stbi_load would reach
       after testing for PNG, whose "bad png sig" would be the reason given
       where the JPEG decoder fails without one); its pixels are 8-bit,
       which stbi_load would not change */
    stbi__context s;
    stbi__result_info ri = {8, 0, 0};
    stbi__start_mem(&s, data, len);
    p = stbi__jpeg_load(&s, w, h, &comp, channels, &ri);
  } else {
    p = stbi_load_from_memory(data, len, w, h, &comp, channels);
  }
  return limit_end(p, why);
}

void pw__stb_free(void *p) { stbi_image_free(p); }

int pw__stb_png_zlib(uint32_t *got, uint32_t *want) {
  *got = adler_got, *want = adler_want;
  return zlib_state;
}

static char *png_inflate(const char *buffer, int len, int initial_size, int *outlen, int parse_header) {
  /* inflated from a copy followed by 8 zero bytes: stb's bit reader takes
     bytes past the end as zeros without counting them, so with the stream
     at the very end of its buffer where its last block ended would be
     unknown; with real bytes after it, every bit it holds unused is from
     the buffer (the copy is of the compressed data, small beside the
     inflate) */
  uint8_t *z = malloc((size_t)len + 8);
  if (z == NULL) {
    stbi__err("outofmem", "Out of memory");
    return NULL;
  }
  memcpy(z, buffer, (size_t)len);
  memset(z + len, 0, 8);
  stbi__zbuf a;
  char *out = stbi__malloc(initial_size > 0 ? (size_t)initial_size : 1);
  char *p = NULL;
  if (out != NULL) {
    a.zbuffer = z;
    a.zbuffer_end = z + len + 8;
    if (!stbi__do_zlib(&a, out, initial_size > 0 ? initial_size : 1, 1, parse_header)) {
      STBI_FREE(a.zout_start);
    } else {
      const size_t n = (size_t)(a.zout - a.zout_start);
      const size_t end = (size_t)(a.zbuffer - z) - (size_t)a.num_bits / 8; /* the first byte after the last block */
      if (!parse_header) { /* raw deflate (Apple's CgBI files): no Adler-32 */
        p = a.zout_start;
      } else if (z[0] >> 4 > 7) { /* stb reads any CINFO; RFC 1950 allows windows up to 32 KiB */
        zlib_state = PW__PNG_WINDOW, adler_got = z[0] >> 4;
      } else if (end > (size_t)len) { /* its last blocks decoded from the zero bytes after the copy */
        zlib_state = PW__PNG_DATA_CUT;
      } else if ((size_t)len - end < 4) {
        zlib_state = PW__PNG_ADLER_MISSING;
      } else {
        adler_want = (uint32_t)z[end] << 24 | (uint32_t)z[end + 1] << 16 | (uint32_t)z[end + 2] << 8 | z[end + 3];
        adler_got = pw_adler32_quiet(a.zout_start, n, 1);
        if (adler_got == adler_want) p = a.zout_start;
        else zlib_state = PW__PNG_ADLER_WRONG;
      }
      if (p != NULL) {
        *outlen = (int)n;
      } else { /* (codec.c words the failure from zlib_state) */
        STBI_FREE(a.zout_start);
        stbi__err("adler", "Corrupt PNG");
      }
    }
  } else {
    stbi__err("outofmem", "Out of memory");
  }
  free(z);
  return p;
}

/* stb's encoder as one call: in wasm every call made by the function that
   calls setjmp goes out through JS (emscripten's invoke_ wrappers), so
   stb's per-symbol calls must not be inlined into pw__stb_png */
__attribute__((noinline)) static unsigned char *png_to_mem(const uint8_t *pixels, int w, int h, int channels,
                                                           int *out_len) {
  return stbi_write_png_to_mem(pixels, w * channels, w, h, channels, out_len);
}

uint8_t *pw__stb_png(const uint8_t *pixels, int w, int h, int channels, int *out_len) {
  jmp_buf escape;
  unsigned char *volatile png = NULL;
  enc_escape = &escape;
  enc_live.l.next = enc_live.l.prev = &enc_live; /* (empty: every block of an encode is freed or returned) */
  if (setjmp(escape) == 0) {
    png = png_to_mem(pixels, w, h, channels, out_len);
  } else { /* a block refused: stb's blocks so far are freed here */
    while (enc_live.l.next != &enc_live) enc_free((enc_blk *)enc_live.l.next + 1);
    png = NULL;
  }
  enc_escape = NULL;
  return png;
}

void pw__stb_png_free(uint8_t *png) { enc_free(png); }

int pw__stb_jpeg(const uint8_t *pixels, int w, int h, int channels, int quality,
                 void (*write)(void *ctx, void *data, int size), void *ctx) {
  return stbi_write_jpg_to_func(write, ctx, w, h, channels, pixels, quality);
}
