/*
 * blur.c — Gaussian blur, unsharp mask and box blur.
 *
 * Gaussian blur and unsharp mask run on the separable engine
 * (separable.c) with the taps of pw__img_taps_gauss: the sampled Gaussian
 * exp(-k^2 / 2 sigma^2) for |k| <= ceil(3 sigma) (99.7% of the mass; the
 * kernel is then normalised), edge pixels repeated. Repeating the edge
 * pixel r times is the same as giving the edge pixel the weight of every
 * tap beyond it, so an output pixel never has more than min(2r + 1, side)
 * taps and a huge sigma on a small image stays cheap. Gaussian blur takes
 * the 16-bit fixed-point engine (gauss_fixed.c: grey, opaque RGBA, or RGBA
 * premultiplied where no alpha is small; with transparent parts, where
 * every alpha within reach is large or every one 0: hybrid below)
 * wherever its plan applies (ceil(3 sigma) at most 255 and below both
 * sides), the float engine elsewhere; both are within 1 of the exact
 * filter. The unsharp mask takes
 * it too where its threshold is 0 (with a threshold, a blurred value a
 * little off could move a difference across it) and amount times the
 * blur's error bound stays within 0.45 (fixed_plan): 1.9x faster at sigma
 * 1 on 4000x3000 in wasm (core sharpen, 113 -> 59 ms).
 *
 * Box blur is exact: integer sums of premultiplied values in a window
 * that slides along rows (one add and one subtract a pixel) and then down
 * columns, so its cost does not depend on the radius. Row sums fit 32 bits
 * (65535 pixels of at most 65025); column sums are 64-bit ((2 * 32767 +
 * 1)^2 pixels need 49 bits), or 32-bit where they fit (RGBA radius <= 128,
 * grey <= 2047): wasm, radius 5 on 12 MP RGBA, 137 -> 79 ms with that, the
 * output rounding in f64x2 lanes and the premultiplication in SIMD. A chunk keeps the row sums of its window in a
 * ring of 2r + 1 rows when that takes at most 16 MiB, so each row is summed
 * once; beyond that the leaving row is summed again. Measured (callgrind,
 * native, radius 5 on 1000x750 RGBA): 204 instructions a pixel with two
 * row sums a row and an edge test a pixel, 85 with the ring and padding.
 */
#include <math.h>

#include "image_internal.h"

/* ------------------------------------------------------------------------ */
/* Gaussian blur and unsharp mask                                           */
/* ------------------------------------------------------------------------ */

static pw_status check_sigma(float sigma) {
  if (!(sigma >= 0.0f && sigma <= 100000.0f))
    return pw_fail(PW_EINVAL, "sigma must be 0 to 100000 (got %g)", (double)sigma);
  return PW_OK;
}

/* Runs the Gaussian engine with `sink`; src and dst may be the same buffer. */
static pw_status gauss_run(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height,
                           float sigma, unsigned ch, int sink, float amount, float threshold,
                           unsigned flags) {
  size_t bytes = pw__img_bytes(width, height, ch);
  pw_status s = pw__img_check_alias(src, dst, bytes);
  if (s != PW_OK) return s;
  uint8_t *copy;
  const uint8_t *in = pw__img_source(src, dst, bytes, &copy);
  if (in == NULL) return pw_fail(PW_ENOMEM, "out of memory for the in-place copy");
  pw__img_taps xt = {0}, yt = {0};
  if (pw__img_taps_gauss(&xt, width, sigma) != PW_OK || pw__img_taps_gauss(&yt, height, sigma) != PW_OK) {
    pw__img_taps_free(&xt);
    free(copy);
    return pw_fail(PW_ENOMEM, "out of memory for filter weights");
  }
  pw__img_sep job = {in, width, height, dst, width, height, ch, &xt, &yt, sink, in, amount, threshold, flags, 0, 0};
  s = pw__img_separable(&job);
  pw__img_taps_free(&xt);
  pw__img_taps_free(&yt);
  return pw__img_source_end(copy, dst, bytes, s);
}

/*
 * The fixed-point plan for this picture (1), or 0 for the float engine, -1
 * out of memory. `gain` is what multiplies an error of the blurred value
 * in the result: 1 for the blur (a byte within 1 of the exact filter needs
 * the error below 1, pw__img_gfix_plan's bounds), `amount` for an unsharp
 * mask, whose result o + amount (o - blur) stays within 1 of the exact one
 * when amount times the error is below 1/2 (GFU_ERR, with room for the
 * float roundings). RGBA takes the opaque plan if every alpha is 255, else
 * the premultiplied one if no alpha is small enough to multiply its colour
 * errors past that: its bound is cbound / alpha.
 */
#define GFU_ERR 0.45
/* The least alpha for which an alpha plan's result holds (256: none does). */
static unsigned alpha_floor(const pw__img_gfix *g, int unsharp, float amount) {
  if (!unsharp) return g->min_alpha;
  double need = ceil(g->cbound * amount / GFU_ERR + g->bound);
  return !(need <= 255.0) ? 256 : need < (double)g->min_alpha ? g->min_alpha : (unsigned)need;
}

static int fixed_plan(pw__img_gfix *g, const uint8_t *src, uint32_t width, uint32_t height, float sigma,
                      unsigned ch, int unsharp, float amount) {
  int plan = pw__img_gfix_plan(g, sigma, width, height, ch == 4);
  if (ch == 4 && plan >= 0) {
    unsigned floor = plan > 0 ? alpha_floor(g, unsharp, amount) : 255;
    floor = floor > 255 ? 255 : floor;
    unsigned least = pw__img_min_alpha(src, width, height, floor);
    if (least == 255 || least < floor) {
      pw__img_gfix_free(g);
      plan = least == 255 ? pw__img_gfix_plan(g, sigma, width, height, 0) : 0;
    }
  }
  if (plan > 0 && unsharp && !g->alpha && !(amount * g->bound <= GFU_ERR)) {
    pw__img_gfix_free(g);
    plan = 0;
  }
  return plan;
}

/* The fixed-point engine on a planned picture; src and dst may be the same buffer. */
static pw_status fixed_run(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height, unsigned ch,
                           pw__img_gfix *g, int unsharp, float amount, unsigned flags) {
  size_t bytes = pw__img_bytes(width, height, ch);
  uint8_t *copy = NULL;
  pw_status s = pw__img_check_alias(src, dst, bytes);
  const uint8_t *in = s == PW_OK ? pw__img_source(src, dst, bytes, &copy) : NULL;
  if (s == PW_OK && in == NULL) s = pw_fail(PW_ENOMEM, "out of memory for the in-place copy");
  if (s == PW_OK) s = pw__img_gauss_fixed(in, dst, width, height, ch, g, unsharp, amount, flags);
  pw__img_gfix_free(g);
  return pw__img_source_end(copy, dst, bytes, s);
}

/*
 * RGBA pictures with transparent parts (a cutout, a logo, text on a clear
 * background) have alphas below the premultiplied plan's min_alpha (or
 * for an unsharp mask of threshold 0, alpha_floor), so they would take
 * the float engine whole. Yet the plan's bound is per output pixel: a
 * colour is within cbound / alpha' of the exact filter, alpha' the
 * pixel's blurred alpha, which is at least min_alpha - bound wherever
 * every source alpha within r = ceil(3 sigma) of it is at least
 * min_alpha, and exactly 0 (0,0,0,0 from both engines) wherever every
 * such alpha is 0. So the source is cut into HY_MARK-pixel squares, each
 * marked by its alphas (all at least min_alpha; all 0; or other); the
 * fixed-point engine runs over the whole picture, and an output tile
 * (HY_TW x HY_TH) whose squares within r mix the kinds (the fringes where
 * opaque meets transparent, faint parts) is computed again by the float
 * engine unless (blur only, hy_check) its every blurred alpha came out
 * large enough for the bound anyway: then only the blur's faint outer
 * tail around a shape is left. Each run of such tiles along a tile row is
 * a window of its own (stacked with the same run of the rows below, up to
 * HY_WIN_ROWS), computed by pw__img_separable_rows on the window's columns
 * with the picture's own taps, the windows spread over the threads. The
 * choices depend on the picture alone (and the fixed-point result, which
 * does not depend on the threads), so neither do the bytes. Where more
 * than HY_MAX_SHARE of the tiles mix the kinds, the float engine runs
 * whole instead (discs of radius 150 on a 400-pixel grid). An unsharp
 * mask keeps a pixel of alpha 0 as it is, in both engines. The
 * fixed-point engine itself runs only on a
 * window of whole tiles holding every pixel within r of one that is not
 * transparent; the rest is 0,0,0,0 (the blur) or the source (the mask):
 * a cutout's transparent surroundings cost a memset.
 *
 * Measured (4000x3000, sigma 5): wasm, pool of 2 against sharp on the
 * same pixels in the same script, alternately (the float engine before:
 * 96 ms): the left half opaque and the right transparent 40.6 ms (sharp
 * 55.5); an antialiased disc of radius 1300 cut out of a transparent
 * picture 48.3 (sharp 58.0), twelve discs of radius 400 74-85 (sharp
 * 53.5-59.5: they span the picture, so the window is all of it). One
 * thread: that disc, native 81.5 ms (the same picture at alpha 200
 * everywhere: 113; the float engine 152); wasm (core) 77 (108; 168-176).
 * Before the window the disc took 107.7 natively and 111 in wasm, whose
 * float windows took about 6 ms and the marks 2 (node --prof). Core
 * sharpen (sigma 1, threshold 0) of the disc: 43 ms against 58 at alpha
 * 200 and the float engine's 113. Tiles of 16 x 32 pixels measured best
 * among 8, 16 and 32 wide and 16, 32 and 64 tall. 4,000 random pictures
 * (sides 1-300, sigma 0.2-20, antialiased discs over transparency, faint
 * specks), each blurred and sharpened (amount 0-4), natively under ASan
 * and UBSan and in wasm: every byte within 1 of a double-precision
 * reference.
 */
#define HY_TW 16u /* output tiles, HY_TW x HY_TH: the float engine's windows are runs of them */
#define HY_TH 32u
#define HY_MARK 8u  /* source tiles, marked by their alphas */
#define HY_MAX_SHARE 0.25 /* of the tiles mixing the kinds (before hy_check drops some) */

enum { HY_SOLID = 1, HY_CLEAR = 2, HY_OTHER = 3 }; /* marks; an OR of them 3: the float engine */

typedef struct {
  const uint8_t *px;
  uint32_t w, h, mw; /* mw: source tiles a row */
  unsigned floor;
  uint8_t *mark; /* mw x mh */
  atomic_int failed;
} hy_mark_ctx;

/* Marks of source tile rows [t0, t1). */
static void hy_mark(void *p, size_t t0, size_t t1) {
  hy_mark_ctx *c = p;
  const size_t mw = c->mw;
#if PW_IMG_SIMD
  const size_t full = c->w / HY_MARK, nv = 2 * mw; /* whole tiles (the last may be short); vectors */
#else
  const size_t nv = 0;
#endif
  /* each tile's least and largest alpha; with SIMD, each whole tile's lanes first */
  unsigned char *block = malloc(nv * 16 + 2 * mw);
  if (block == NULL) {
    atomic_store(&c->failed, 1);
    return;
  }
  uint8_t *lo = block + nv * 16, *hi = lo + mw;
#if PW_IMG_SIMD
  v128_t *vl = (v128_t *)(void *)block, *vh = vl + mw;
#endif
  for (size_t ty = t0; ty < t1; ty++) {
    if (pw_cancelled()) break; /* (a chunk is a quarter of a thread's share) */
    memset(lo, 255, mw);
    memset(hi, 0, mw);
    const size_t y0 = ty * HY_MARK, y1 = y0 + HY_MARK < c->h ? y0 + HY_MARK : c->h;
#if PW_IMG_SIMD
    for (size_t tx = 0; tx < full; tx++) vl[tx] = wasm_i8x16_splat(-1), vh[tx] = wasm_i8x16_splat(0);
#endif
    for (size_t y = y0; y < y1; y++) {
      const uint8_t *row = c->px + y * c->w * 4;
      size_t tx = 0;
#if PW_IMG_SIMD
      for (; tx < full; tx++) { /* 8 pixels: two vectors */
        v128_t a = wasm_v128_load(row + tx * 32), b = wasm_v128_load(row + tx * 32 + 16);
        vl[tx] = wasm_u8x16_min(vl[tx], wasm_u8x16_min(a, b));
        vh[tx] = wasm_u8x16_max(vh[tx], wasm_u8x16_max(a, b));
      }
#endif
      for (; tx < mw; tx++) {
        const size_t x1 = (tx + 1) * HY_MARK < c->w ? (tx + 1) * HY_MARK : c->w;
        unsigned l = lo[tx], h = hi[tx];
        for (size_t x = tx * HY_MARK; x < x1; x++) {
          unsigned a = row[4 * x + 3];
          l = a < l ? a : l;
          h = a > h ? a : h;
        }
        lo[tx] = (uint8_t)l, hi[tx] = (uint8_t)h;
      }
    }
#if PW_IMG_SIMD
    for (size_t tx = 0; tx < full; tx++) { /* the alpha bytes (3, 7, 11, 15) hold the lanes' extremes */
      v128_t l = vl[tx], h = vh[tx];
      l = wasm_u8x16_min(l, wasm_i32x4_shuffle(l, l, 2, 3, 0, 1));
      l = wasm_u8x16_min(l, wasm_i32x4_shuffle(l, l, 1, 0, 3, 2));
      h = wasm_u8x16_max(h, wasm_i32x4_shuffle(h, h, 2, 3, 0, 1));
      h = wasm_u8x16_max(h, wasm_i32x4_shuffle(h, h, 1, 0, 3, 2));
      lo[tx] = wasm_u8x16_extract_lane(l, 3), hi[tx] = wasm_u8x16_extract_lane(h, 3);
    }
#endif
    for (size_t tx = 0; tx < mw; tx++)
      c->mark[ty * mw + tx] = hi[tx] == 0 ? HY_CLEAR : lo[tx] >= c->floor ? HY_SOLID : HY_OTHER;
  }
  free(block);
}

/* The source tiles [*a, *b] that output pixels [p0, p1) of a side of n reach within r. */
static void hy_reach(uint32_t p0, uint32_t p1, uint32_t n, uint32_t r, uint32_t *a, uint32_t *b) {
  *a = (p0 > r ? p0 - r : 0) / HY_MARK;
  *b = ((uint64_t)p1 - 1 + r < n ? p1 - 1 + r : n - 1) / HY_MARK;
}

/*
 * A window for the float engine: tiles [tx0, tx1) of tile rows [ty0, ty1).
 * Each is a run of tiles along a tile row, stacked with the same run of
 * the rows below it up to HY_WIN_ROWS rows (an edge that runs down the
 * picture): a window of 32 rows row-filters 2r more (62 for sigma 5).
 */
#define HY_WIN_ROWS 8u
typedef struct {
  uint32_t ty0, ty1, tx0, tx1;
} hy_run;

typedef struct {
  const uint8_t *in;
  uint8_t *dst;
  uint32_t w, h;
  const pw__img_taps *xt, *yt;
  const hy_run *run;
  int unsharp;
  float amount;
  unsigned flags;
  atomic_int failed;
} hy_win_ctx;

/* Runs [i0, i1) through the float engine, each a window of the picture. */
static void hy_windows(void *p, size_t i0, size_t i1) {
  hy_win_ctx *c = p;
  for (size_t i = i0; i < i1; i++) {
    const hy_run r = c->run[i];
    const uint32_t x0 = r.tx0 * HY_TW, x1 = r.tx1 * HY_TW < c->w ? r.tx1 * HY_TW : c->w;
    const uint32_t y0 = r.ty0 * HY_TH, y1 = r.ty1 * HY_TH < c->h ? r.ty1 * HY_TH : c->h;
    /* the window's source columns [s0, s1): those its pixels' taps reach */
    uint32_t s0 = c->xt->tap[x0].start, s1 = 0, most = 0;
    pw__img_tap *tap = malloc((size_t)(x1 - x0) * sizeof *tap);
    if (tap == NULL) {
      atomic_store(&c->failed, 1);
      return;
    }
    for (uint32_t x = x0; x < x1; x++) {
      pw__img_tap t = c->xt->tap[x];
      s0 = t.start < s0 ? t.start : s0;
      s1 = t.start + t.n > s1 ? t.start + t.n : s1;
    }
    for (uint32_t x = x0; x < x1; x++) {
      tap[x - x0] = c->xt->tap[x];
      tap[x - x0].start -= s0;
      most = tap[x - x0].n > most ? tap[x - x0].n : most;
    }
    pw__img_taps wx = {tap, c->xt->weight, most};
    pw__img_sep job = {c->in + (size_t)s0 * 4, s1 - s0, c->h, c->dst + (size_t)x0 * 4, x1 - x0, c->h, 4, &wx, c->yt,
                       c->unsharp ? PW__IMG_SINK_UNSHARP : PW__IMG_SINK_PLAIN, c->in + (size_t)x0 * 4, c->amount,
                       0.0f, c->flags, (size_t)c->w * 4, (size_t)c->w * 4};
    pw_status s = pw__img_separable_rows(&job, y0, y1);
    free(tap);
    if (s == PW_ENOMEM) atomic_store(&c->failed, 1);
    if (s != PW_OK) return; /* (PW_ECANCELED: the loop returns it) */
  }
}

/* Tiles' needs: HY_FIXED the fixed-point result stands, HY_FLOAT the float engine. */
enum { HY_FIXED = 0, HY_FLOAT = 1 };

typedef struct {
  const uint8_t *dst;
  uint32_t w, h, tw;
  unsigned least; /* a blurred alpha at least this is far enough from 0 */
  uint8_t *need;
} hy_check_ctx;

/*
 * Tile rows [t0, t1) after the fixed-point pass of a blur: a float tile
 * whose every blurred alpha is at least `least` keeps the fixed-point
 * result. That alpha is within bound of the exact one, so the exact one
 * is then at least min_alpha - bound, where the colour bound holds as it
 * does for pictures of no smaller alpha: inside a cutout's edge, or just
 * outside it, the blurred alpha is large though transparent pixels are
 * within reach, and only the outer fringe (the blur's faint tail) needs
 * the float engine.
 */
static void hy_check(void *p, size_t t0, size_t t1) {
  hy_check_ctx *c = p;
  for (size_t ty = t0; ty < t1; ty++) {
    const size_t y0 = ty * HY_TH, y1 = y0 + HY_TH < c->h ? y0 + HY_TH : c->h;
    for (size_t tx = 0; tx < c->tw; tx++) {
      if (c->need[ty * c->tw + tx] != HY_FLOAT) continue;
      const size_t x0 = tx * HY_TW, x1 = x0 + HY_TW < c->w ? x0 + HY_TW : c->w;
      unsigned low = 255;
      for (size_t y = y0; y < y1 && low >= c->least; y++)
        for (size_t x = x0; x < x1; x++) low = c->dst[(y * c->w + x) * 4 + 3] < low ? c->dst[(y * c->w + x) * 4 + 3] : low;
      if (low >= c->least) c->need[ty * c->tw + tx] = HY_FIXED;
    }
  }
}

typedef struct {
  const uint8_t *mark;
  uint8_t *rows, *need;
  uint32_t w, h, mw, tw, r;
  atomic_size_t nfloat; /* tiles whose reach mixes the kinds */
} hy_need_ctx;

/* Rows [m0, m1) of squares: for each output tile column, the OR of the marks within its reach. */
static void hy_or_rows(void *p, size_t m0, size_t m1) {
  hy_need_ctx *c = p;
  for (uint32_t tx = 0; tx < c->tw; tx++) {
    uint32_t a, b;
    hy_reach(tx * HY_TW, tx * HY_TW + HY_TW < c->w ? tx * HY_TW + HY_TW : c->w, c->w, c->r, &a, &b);
    for (size_t my = m0; my < m1; my++) {
      uint8_t m = 0;
      for (uint32_t k = a; k <= b; k++) m |= c->mark[my * c->mw + k];
      c->rows[my * c->tw + tx] = m;
    }
  }
}

/* Tile rows [t0, t1): each tile's need, from the ORs of the square rows within its reach. */
static void hy_needs(void *p, size_t t0, size_t t1) {
  hy_need_ctx *c = p;
  size_t nfloat = 0;
  for (size_t ty = t0; ty < t1; ty++) {
    uint32_t a, b;
    hy_reach((uint32_t)ty * HY_TH, (uint32_t)ty * HY_TH + HY_TH < c->h ? (uint32_t)ty * HY_TH + HY_TH : c->h, c->h,
             c->r, &a, &b);
    for (uint32_t tx = 0; tx < c->tw; tx++) {
      uint8_t m = 0;
      for (uint32_t j = a; j <= b; j++) m |= c->rows[(size_t)j * c->tw + tx];
      c->need[ty * c->tw + tx] = m == HY_OTHER ? HY_FLOAT : HY_FIXED;
      nfloat += m == HY_OTHER;
    }
  }
  atomic_fetch_add(&c->nfloat, nfloat);
}

/*
 * The windows of the tiles' needs: each tile row's runs of float tiles, a
 * run joining the window above it where that window has the same columns
 * (open[0..nopen): the windows open at the row above, by column; cur: the
 * next row's). Returns their count.
 */
static size_t hy_windows_of(const uint8_t *need, uint32_t tw, uint32_t th, hy_run *run, size_t *open, size_t *cur) {
  size_t nrun = 0, nopen = 0;
  for (uint32_t ty = 0; ty < th; ty++) {
    size_t ncur = 0, k = 0;
    const uint8_t *nd = need + (size_t)ty * tw;
    for (uint32_t tx = 0; tx < tw; tx++) {
      if (nd[tx] != HY_FLOAT) continue;
      uint32_t t1 = tx + 1; /* the run [tx, t1) */
      while (t1 < tw && nd[t1] == HY_FLOAT) t1++;
      while (k < nopen && run[open[k]].tx0 < tx) k++;
      if (k < nopen && run[open[k]].tx0 == tx && run[open[k]].tx1 == t1 &&
          run[open[k]].ty1 - run[open[k]].ty0 < HY_WIN_ROWS) {
        run[open[k]].ty1 = ty + 1;
        cur[ncur++] = open[k++];
      } else {
        run[nrun] = (hy_run){ty, ty + 1, tx, t1};
        cur[ncur++] = nrun++;
      }
      tx = t1; /* t1 is not a float tile (or the end) */
    }
    size_t *t = open;
    open = cur, cur = t, nopen = ncur;
  }
  return nrun;
}

typedef struct {
  const uint8_t *in;
  uint8_t *dst;
  uint32_t w, x0, x1, y0, y1; /* the window [x0, x1) x [y0, y1) */
  int copy;                   /* the source's pixels (unsharp) rather than 0,0,0,0 (blur) */
} hy_fill_ctx;

/* Rows [y0, y1) outside the window: pixels whose reach is all transparent. */
static void hy_fill(void *p, size_t y0, size_t y1) {
  hy_fill_ctx *c = p;
  for (size_t y = y0; y < y1; y++) {
    const size_t row = y * c->w * 4;
    const int in = y >= c->y0 && y < c->y1;
    const size_t spans[2][2] = {{0, in ? c->x0 : c->w}, {in ? c->x1 : c->w, c->w}};
    for (int k = 0; k < 2; k++) {
      const size_t a = spans[k][0] * 4, b = spans[k][1] * 4;
      if (a >= b) continue;
      if (c->copy) memcpy(c->dst + row + a, c->in + row + a, b - a);
      else memset(c->dst + row + a, 0, b - a);
    }
  }
}

/*
 * The blur, or with unsharp the unsharp mask of threshold 0 and `amount`,
 * of an RGBA picture with transparent parts as above: 1 if done (*status
 * its result), 0 if the float engine is to do it whole. The mask's
 * fixed-point part needs every alpha within reach at least alpha_floor,
 * and as its result keeps the source alpha, hy_check does not apply.
 */
static int hybrid(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height, float sigma, int unsharp,
                  float amount, unsigned flags, pw_status *status) {
  pw__img_gfix g;
  int plan = pw__img_gfix_plan(&g, sigma, width, height, 1);
  if (plan <= 0) return 0; /* out of memory: the float engine reports it */
  const unsigned floor = alpha_floor(&g, unsharp, amount);
  if (floor > 255) {
    pw__img_gfix_free(&g);
    return 0;
  }
  const uint32_t tw = (width + HY_TW - 1) / HY_TW, th = (height + HY_TH - 1) / HY_TH;
  const uint32_t mw = (width + HY_MARK - 1) / HY_MARK, mh = (height + HY_MARK - 1) / HY_MARK;
  const size_t tiles = (size_t)tw * th;
  /* the marks (mw x mh), their ORs along rows over each output tile's reach (tw x mh), the needs
     (tw x th); runs: at most (tw + 1) / 2 a tile row */
  uint8_t *mark = malloc((size_t)mw * mh + (size_t)tw * mh + tiles);
  hy_run *run = malloc((size_t)th * ((tw + 1) / 2) * sizeof *run);
  size_t *open = malloc((size_t)(tw + 1) * sizeof *open);
  pw__img_taps xt = {0}, yt = {0};
  int done = 0;
  if (mark == NULL || run == NULL || open == NULL) goto out;
  hy_mark_ctx mc = {src, width, height, mw, floor, mark, 0};
  if (pw_parallel_for(mh, pw__img_grain(mh, (size_t)width * 4 * HY_MARK, 4, PW_IMG_MIN_CHUNK, 1), hy_mark, &mc) != PW_OK || atomic_load(&mc.failed)) goto out;
  /* the reach of both engines' taps */
  uint32_t r = (uint32_t)ceil(3.0 * sigma);
  r = r > g.r ? r : g.r;
  if (r == 0) r = 1;
  uint8_t *rows = mark + (size_t)mw * mh, *need = rows + (size_t)tw * mh;
  hy_need_ctx nc = {mark, rows, need, width, height, mw, tw, r, 0};
  if (pw_parallel_for(mh, pw__img_grain(mh, mw, 4, PW_IMG_MIN_CHUNK, 16), hy_or_rows, &nc) != PW_OK ||
      pw_parallel_for(th, pw__img_grain(th, tw, 4, PW_IMG_MIN_CHUNK, 4), hy_needs, &nc) != PW_OK)
    goto out;
  const size_t nfloat = atomic_load(&nc.nfloat);
  if ((double)nfloat > HY_MAX_SHARE * (double)tiles) goto out;
  done = 1;
  size_t bytes = pw__img_bytes(width, height, 4);
  uint8_t *copy = NULL;
  pw_status s = pw__img_check_alias(src, dst, bytes);
  const uint8_t *in = s == PW_OK ? pw__img_source(src, dst, bytes, &copy) : NULL;
  if (s == PW_OK && in == NULL) s = pw_fail(PW_ENOMEM, "out of memory for the in-place copy");
  /* the fixed-point engine on a window (whole tiles) that holds every pixel within r of a
     pixel that is not transparent; beyond it every pixel's reach is transparent: 0,0,0,0 for
     the blur, the source pixel for the mask. In the window the engine's sums are the whole
     picture's: the pixels it repeats at its edges are transparent, as are those they stand for,
     and transparent pixels add 0 (or it is the picture's own edge). */
  uint32_t bx0 = mw, bx1 = 0, by0 = mh, by1 = 0; /* the squares not all transparent: [bx0, bx1) x [by0, by1) */
  for (uint32_t my = 0; my < mh; my++)
    for (uint32_t mx = 0; mx < mw; mx++)
      if (mark[(size_t)my * mw + mx] != HY_CLEAR) {
        bx0 = mx < bx0 ? mx : bx0, bx1 = mx + 1 > bx1 ? mx + 1 : bx1;
        by0 = my < by0 ? my : by0, by1 = my + 1 > by1 ? my + 1 : by1;
      }
  hy_fill_ctx fc = {in, dst, width, 0, 0, 0, 0, unsharp};
  if (bx1 > 0) {
    const uint64_t x0 = (uint64_t)bx0 * HY_MARK, x1 = (uint64_t)bx1 * HY_MARK, y0 = (uint64_t)by0 * HY_MARK,
                   y1 = (uint64_t)by1 * HY_MARK;
    fc.x0 = (uint32_t)(x0 > r ? x0 - r : 0) / HY_TW * HY_TW;
    fc.y0 = (uint32_t)(y0 > r ? y0 - r : 0) / HY_TH * HY_TH;
    fc.x1 = x1 + r + HY_TW - 1 < width ? (uint32_t)((x1 + r + HY_TW - 1) / HY_TW * HY_TW) : width;
    fc.y1 = y1 + r + HY_TH - 1 < height ? (uint32_t)((y1 + r + HY_TH - 1) / HY_TH * HY_TH) : height;
  }
  if (s == PW_OK) s = pw__img_rows(height, (size_t)width * 4, hy_fill, &fc);
  if (s == PW_OK && fc.x1 > fc.x0) {
    const size_t at = ((size_t)fc.y0 * width + fc.x0) * 4;
    s = pw__img_gauss_fixed_window(in + at, (size_t)width * 4, dst + at, (size_t)width * 4, fc.x1 - fc.x0,
                                   fc.y1 - fc.y0, 4, &g, unsharp, amount, flags);
  }
  if (s == PW_OK && !unsharp && nfloat > 0) {
    hy_check_ctx cc = {dst, width, height, tw, g.min_alpha + 1, need};
    s = pw_parallel_for(th, pw__img_grain(th, (size_t)width * 4 * HY_TH, 4, PW_IMG_MIN_CHUNK, 1), hy_check, &cc);
  }
  const size_t nrun = s == PW_OK ? hy_windows_of(need, tw, th, run, open, open + (tw + 1) / 2) : 0;
  if (nrun > 0) {
    if (pw__img_taps_gauss(&xt, width, sigma) != PW_OK || pw__img_taps_gauss(&yt, height, sigma) != PW_OK) {
      s = pw_fail(PW_ENOMEM, "out of memory for filter weights");
    } else {
      hy_win_ctx wc = {in, dst, width, height, &xt, &yt, run, unsharp, amount, flags, 0};
      s = pw_parallel_for(nrun, 1, hy_windows, &wc);
      if (s == PW_OK && atomic_load(&wc.failed)) s = pw_fail(PW_ENOMEM, "out of memory for filter rows");
    }
  }
  *status = pw__img_source_end(copy, dst, bytes, s);
out:
  pw__img_taps_free(&xt);
  pw__img_taps_free(&yt);
  free(mark);
  free(run);
  free(open);
  pw__img_gfix_free(&g);
  return done;
}

pw_status pw__image_blur(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height,
                         float sigma, unsigned channels, unsigned flags) {
  pw_status s = pw__img_check("", width, height, channels);
  if (s == PW_OK) s = check_sigma(sigma);
  if (s != PW_OK) return s;
  if (sigma == 0.0f) {
    size_t bytes = pw__img_bytes(width, height, channels);
    if ((s = pw__img_check_alias(src, dst, bytes)) != PW_OK) return s;
    if (src != dst) memcpy(dst, src, bytes);
    return PW_OK;
  }
  if (!(flags & PW__IMG_FLOAT)) {
    pw__img_gfix g;
    int plan = fixed_plan(&g, src, width, height, sigma, channels, 0, 0.0f);
    if (plan < 0) return pw_fail(PW_ENOMEM, "out of memory for filter weights");
    if (plan > 0) return fixed_run(src, dst, width, height, channels, &g, 0, 0.0f, flags);
    if (channels == 4 && hybrid(src, dst, width, height, sigma, 0, 0.0f, flags, &s)) return s;
  }
  return gauss_run(src, dst, width, height, sigma, channels, PW__IMG_SINK_PLAIN, 0.0f, 0.0f, flags);
}

pw_status pw__image_unsharp(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height,
                            float sigma, float amount, float threshold, unsigned channels,
                            unsigned flags) {
  pw_status s = pw__img_check("", width, height, channels);
  if (s == PW_OK) s = check_sigma(sigma);
  if (s != PW_OK) return s;
  if (!(amount >= 0.0f && amount <= 1000.0f))
    return pw_fail(PW_EINVAL, "amount must be 0 to 1000 (got %g)", (double)amount);
  if (!(threshold >= 0.0f && threshold <= 255.0f))
    return pw_fail(PW_EINVAL, "threshold must be 0 to 255 (got %g)", (double)threshold);
  if (sigma == 0.0f) { /* the blur is the image: nothing to sharpen */
    size_t bytes = pw__img_bytes(width, height, channels);
    if ((s = pw__img_check_alias(src, dst, bytes)) != PW_OK) return s;
    if (src != dst) memcpy(dst, src, bytes);
    return PW_OK;
  }
  /* with a threshold, a blurred value a little off could move a difference across it: float */
  if (!(flags & PW__IMG_FLOAT) && threshold == 0.0f) {
    pw__img_gfix g;
    int plan = fixed_plan(&g, src, width, height, sigma, channels, 1, amount);
    if (plan < 0) return pw_fail(PW_ENOMEM, "out of memory for filter weights");
    if (plan > 0) return fixed_run(src, dst, width, height, channels, &g, 1, amount, flags);
    if (channels == 4 && hybrid(src, dst, width, height, sigma, 1, amount, flags, &s)) return s;
  }
  return gauss_run(src, dst, width, height, sigma, channels, PW__IMG_SINK_UNSHARP, amount, threshold,
                   flags);
}

pw_status pw_image_blur(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height, float sigma) {
  return pw__img_ended(pw__image_blur(src, dst, width, height, sigma, 4, 0), height);
}

pw_status pw_image_blur_grey(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height,
                             float sigma) {
  return pw__img_ended(pw__image_blur(src, dst, width, height, sigma, 1, 0), height);
}

pw_status pw_image_unsharp(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height,
                           float sigma, float amount, float threshold) {
  return pw__img_ended(pw__image_unsharp(src, dst, width, height, sigma, amount, threshold, 4, 0), height);
}

pw_status pw_image_unsharp_grey(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height,
                                float sigma, float amount, float threshold) {
  return pw__img_ended(pw__image_unsharp(src, dst, width, height, sigma, amount, threshold, 1, 0), height);
}

/* ------------------------------------------------------------------------ */
/* Box blur                                                                 */
/* ------------------------------------------------------------------------ */

typedef struct {
  const uint8_t *src;
  uint8_t *dst;
  uint32_t w, h, r;
  unsigned ch;
  int ring; /* keep the 2r + 1 row sums of the window (else compute each twice) */
  atomic_int failed;
} box_ctx;

/* Index i clamped to [0, n). */
static inline uint32_t clampi(int64_t i, uint32_t n) {
  return i < 0 ? 0 : i >= (int64_t)n ? n - 1 : (uint32_t)i;
}

/*
 * hs = the sums of row y over [x - r, x + r] (edges repeated), of the
 * premultiplied values (r a, g a, b a, a) or the grey values, all exact in
 * 32 bits (65025 * 65535 < 2^32). P is scratch for the row's values, with
 * room for r + 1 repeated pixels after the last (so that the sliding loop
 * has no edge tests on its right; the left is handled apart).
 */
#if (defined(__GNUC__) || defined(__clang__)) && !defined(PW_NO_VECTOR_EXT)
typedef uint32_t box_u4 __attribute__((vector_size(16)));
#define BOX_VEC 1
#else
#define BOX_VEC 0
#endif

static void box_hsum(const box_ctx *c, uint32_t y, uint32_t *P, uint32_t *hs) {
  const unsigned ch = c->ch;
  const uint32_t w = c->w, r = c->r;
  const uint8_t *row = c->src + (size_t)y * w * ch;
  /* pixels past the right edge: r + 1, which the sliding loop reads; none
     when r >= w (the loop below reads the last pixel for every one of
     them): filling r + 1 of a radius of 32767 for each row of a small
     picture had made its cost grow with r, 3 s for a 1x1 picture */
  const size_t pad = r < w ? (size_t)r + 1 : 0;
  if (ch == 4) {
    size_t x = 0;
#if PW_IMG_SIMD
    for (; x + 4 <= w; x += 4) { /* (c a, ..., a) of 4 pixels: 4 lanes of 32 bits a pixel */
      v128_t px = wasm_v128_load(row + 4 * x);
      v128_t lo = wasm_u16x8_extend_low_u8x16(px), hi = wasm_u16x8_extend_high_u8x16(px);
      v128_t q[4] = {wasm_u32x4_extend_low_u16x8(lo), wasm_u32x4_extend_high_u16x8(lo),
                     wasm_u32x4_extend_low_u16x8(hi), wasm_u32x4_extend_high_u16x8(hi)};
      for (int k = 0; k < 4; k++) {
        v128_t a = wasm_i32x4_shuffle(q[k], q[k], 3, 3, 3, 3);
        wasm_v128_store(P + 4 * x + 4 * k, wasm_i32x4_shuffle(wasm_i32x4_mul(q[k], a), q[k], 0, 1, 2, 7));
      }
    }
#endif
    for (; x < w; x++) {
      const uint8_t *p = row + 4 * x;
      uint32_t a = p[3];
      P[4 * x] = p[0] * a, P[4 * x + 1] = p[1] * a, P[4 * x + 2] = p[2] * a, P[4 * x + 3] = a;
    }
  } else {
    for (size_t x = 0; x < w; x++) P[x] = row[x];
  }
  for (size_t x = w; x < w + pad; x++)
    for (unsigned k = 0; k < ch; k++) P[x * ch + k] = P[(size_t)(w - 1) * ch + k];
  /* window of x = 0: pixel 0 counted r + 1 times, pixels 1 .. r (repeated past the edge) once */
  uint32_t s[4] = {0, 0, 0, 0};
  uint32_t direct = r < w - 1 ? r : w - 1;
  for (unsigned k = 0; k < ch; k++) {
    s[k] = P[k] * (r + 1);
    for (uint32_t x = 1; x <= direct; x++) s[k] += P[(size_t)x * ch + k];
    if (r > w - 1) s[k] += P[(size_t)(w - 1) * ch + k] * (r - (w - 1));
  }
  /* x < r: the pixel leaving is pixel 0; then pixel x - r */
  uint32_t lead = r < w ? r : w;
  for (uint32_t x = 0; x < lead; x++)
    for (unsigned k = 0; k < ch; k++) {
      hs[(size_t)x * ch + k] = s[k];
      s[k] += P[(size_t)(x + r + 1 < w + pad ? x + r + 1 : w + pad - 1) * ch + k] - P[k];
    }
  if (lead == w) return;
  const uint32_t *in = P + (size_t)(lead + r + 1) * ch, *out = P + (size_t)(lead - r) * ch;
#if BOX_VEC
  if (ch == 4) {
    box_u4 v;
    memcpy(&v, s, 16);
    for (uint32_t x = lead; x < w; x++, in += 4, out += 4) {
      box_u4 i4, o4;
      memcpy(hs + 4 * (size_t)x, &v, 16);
      memcpy(&i4, in, 16);
      memcpy(&o4, out, 16);
      v += i4 - o4;
    }
    return;
  }
#endif
  for (uint32_t x = lead; x < w; x++, in += ch, out += ch)
    for (unsigned k = 0; k < ch; k++) {
      hs[(size_t)x * ch + k] = s[k];
      s[k] += in[k] - out[k];
    }
}

/*
 * Rounds a window's sums to a pixel. Exact in double: every sum is below
 * 2^49, so the quotient is correctly rounded, a tie (n + 1/2) is exact, and
 * anything else is at least 1/2^45 from one, more than the rounding error.
 */
static inline void box_out(const uint64_t *cs, unsigned ch, double area, uint8_t *d) {
  if (ch == 1) {
    d[0] = (uint8_t)((double)cs[0] / area + 0.5);
    return;
  }
  uint8_t a = (uint8_t)((double)cs[3] / area + 0.5);
  if (a == 0) {
    d[0] = d[1] = d[2] = d[3] = 0;
    return;
  }
  double A = (double)cs[3];
  d[0] = (uint8_t)((double)cs[0] / A + 0.5);
  d[1] = (uint8_t)((double)cs[1] / A + 0.5);
  d[2] = (uint8_t)((double)cs[2] / A + 0.5);
  d[3] = a;
}

#if PW_IMG_SIMD
/*
 * box_out for the 4 RGBA pixels of cs (32-bit sums), with SIMD: the same
 * double divisions (lanes R, G by A; B by A and A by the area), + 0.5 and
 * truncation, and 0,0,0,0 where the alpha byte is 0. (A 0 alpha sum makes
 * R, G, B 0 / 0 = NaN, and the pixel is zeroed anyway.) The truncated
 * doubles become integers by an addition of 2^52, not
 * i32x4.trunc_sat_f64x2_zero, which Node 20 runs several times slower.
 */
static inline v128_t box_out4_simd(const uint32_t *cs, v128_t area) {
  const v128_t half = wasm_f64x2_splat(0.5), two52 = wasm_f64x2_splat(0x1p52);
  v128_t q[4];
  for (int k = 0; k < 4; k++) {
    v128_t v = wasm_v128_load(cs + 4 * k);
    v128_t lo = wasm_f64x2_convert_low_u32x4(v);                               /* R, G */
    v128_t hi = wasm_f64x2_convert_low_u32x4(wasm_i32x4_shuffle(v, v, 2, 3, 0, 1)); /* B, A */
    v128_t A = wasm_i64x2_shuffle(hi, hi, 1, 1);
    v128_t rg = wasm_f64x2_trunc(wasm_f64x2_add(wasm_f64x2_div(lo, A), half));
    v128_t ba = wasm_f64x2_trunc(wasm_f64x2_add(wasm_f64x2_div(hi, wasm_i64x2_shuffle(A, area, 0, 3)), half));
    /* 2^52 + v has the integer v (0 to 255 here) in its low 32 bits */
    rg = wasm_f64x2_add(rg, two52), ba = wasm_f64x2_add(ba, two52);
    v128_t px = wasm_i32x4_shuffle(rg, ba, 0, 2, 4, 6);
    v128_t a = wasm_i32x4_shuffle(px, px, 3, 3, 3, 3);
    q[k] = wasm_v128_andnot(px, wasm_i32x4_eq(a, wasm_i32x4_splat(0)));
  }
  return wasm_u8x16_narrow_i16x8(wasm_u16x8_narrow_i32x4(q[0], q[1]), wasm_u16x8_narrow_i32x4(q[2], q[3]));
}
#endif

/*
 * The column sums: 64-bit in general, 32-bit (half the memory traffic,
 * and 4 lanes a vector) when the largest, area * 65025 (RGBA) or
 * area * 255 (grey), fits: radius 128 or less for RGBA. Both give the
 * same sums, hence the same bytes.
 */
#define BOX_CS_LOOPS(T)                                                                                  \
  static void box_cs_add_##T(T *cs, const uint32_t *h, uint64_t times, size_t n) {                   \
    for (size_t i = 0; i < n; i++) cs[i] += (T)(h[i] * times);                                         \
  }                                                                                                      \
  static void box_cs_slide_##T(T *cs, const uint32_t *in, const uint32_t *out, size_t n) {           \
    for (size_t i = 0; i < n; i++) cs[i] += (T)in[i] - (T)out[i];                                      \
  }
BOX_CS_LOOPS(uint64_t)
BOX_CS_LOOPS(uint32_t)

static void box_row_out(const box_ctx *c, const void *cs, int narrow, double area, uint8_t *d) {
  const unsigned ch = c->ch;
  const size_t n = (size_t)c->w * ch;
  size_t i = 0;
  if (narrow) {
    const uint32_t *cs32 = cs;
    uint64_t t[4];
#if PW_IMG_SIMD
    if (ch == 4) {
      const v128_t ar = wasm_f64x2_splat(area);
      for (; i + 16 <= n; i += 16) wasm_v128_store(d + i, box_out4_simd(cs32 + i, ar));
    }
#endif
    for (; i < n; i += ch) {
      for (unsigned k = 0; k < ch; k++) t[k] = cs32[i + k];
      box_out(t, ch, area, d + i);
    }
    return;
  }
  const uint64_t *cs64 = cs;
  for (; i < n; i += ch) box_out(cs64 + i, ch, area, d + i);
}

static void box_chunk(void *p, size_t y0, size_t y1) {
  box_ctx *c = p;
  const unsigned ch = c->ch;
  const size_t n = (size_t)c->w * ch;
  const uint32_t h = c->h, r = c->r, R = 2 * r + 1;
  const size_t rows = c->ring ? R : 2;
  const int narrow = (uint64_t)R * R * (ch == 4 ? 65025u : 255u) <= UINT32_MAX;
  void *cs = malloc(n * (narrow ? sizeof(uint32_t) : sizeof(uint64_t)));
  uint32_t *P = malloc(((size_t)c->w + r + 1) * ch * sizeof *P), *hin = malloc(n * sizeof *hin);
  uint32_t *hs = malloc(rows * n * sizeof *hs); /* the ring, or the leaving row's sums */
  if (cs == NULL || P == NULL || hin == NULL || hs == NULL) {
    atomic_store(&c->failed, 1);
    goto done;
  }
  memset(cs, 0, n * (narrow ? sizeof(uint32_t) : sizeof(uint64_t)));
  if (c->ring) {
    /* window position t = y + k + r (k = -r .. r) lives in slot t % R */
    for (uint32_t k = 0; k < R; k++) {
      if (pw_cancelled()) goto done; /* (the first window: up to every row of the picture) */
      uint32_t *slot = hs + ((y0 + k) % R) * n;
      box_hsum(c, clampi((int64_t)y0 + k - r, h), P, slot);
      if (narrow) box_cs_add_uint32_t(cs, slot, 1, n);
      else box_cs_add_uint64_t(cs, slot, 1, n);
    }
  } else {
    /* each distinct row once, times the window rows that clamp to it */
    int64_t lo = (int64_t)y0 - r, hi = (int64_t)y0 + r;
    for (uint32_t j = clampi(lo, h); j <= clampi(hi, h); j++) {
      if (pw_cancelled()) goto done;
      uint64_t times = 1;
      if (j == 0 && lo < 0) times += (uint64_t)(-lo);
      if (j == h - 1 && hi > (int64_t)h - 1) times += (uint64_t)(hi - (h - 1));
      box_hsum(c, j, P, hs);
      if (narrow) box_cs_add_uint32_t(cs, hs, times, n);
      else box_cs_add_uint64_t(cs, hs, times, n);
    }
  }
  const double area = (2.0 * r + 1.0) * (2.0 * r + 1.0);
  pw__img_ticker tick = pw__img_ticker_for(h, n, 0);
  for (size_t y = y0; y < y1; y++) {
    box_row_out(c, cs, narrow, area, c->dst + y * n);
    if (pw__img_tick(&tick, 1) || y + 1 == y1) break;
    /* slide: row y + r + 1 enters, row y - r leaves */
    box_hsum(c, clampi((int64_t)y + r + 1, h), P, hin);
    uint32_t *out = hs;
    if (c->ring) out = hs + (y % R) * n; /* slot of window position y: row y - r */
    else box_hsum(c, clampi((int64_t)y - r, h), P, hs);
    if (narrow) box_cs_slide_uint32_t(cs, hin, out, n);
    else box_cs_slide_uint64_t(cs, hin, out, n);
    if (c->ring) memcpy(out, hin, n * sizeof *hin); /* position y + 2r + 1 takes that slot */
  }
  pw__img_tick_end(&tick);
done:
  free(cs);
  free(P);
  free(hin);
  free(hs);
}

static pw_status box_blur(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height,
                          uint32_t radius, unsigned ch) {
  pw_status s = pw__img_check("", width, height, ch);
  if (s != PW_OK) return s;
  if (radius > 32767) return pw_fail(PW_EINVAL, "radius must be 0 to 32767 (got %u)", radius);
  size_t bytes = pw__img_bytes(width, height, ch);
  if ((s = pw__img_check_alias(src, dst, bytes)) != PW_OK) return s;
  if (radius == 0) {
    if (src != dst) memcpy(dst, src, bytes);
    return PW_OK;
  }
  uint8_t *copy;
  const uint8_t *in = pw__img_source(src, dst, bytes, &copy);
  if (in == NULL) return pw_fail(PW_ENOMEM, "out of memory for the in-place copy");
  /* the ring of row sums when it is small (16 MiB at most) */
  /* (a window taller than the picture: its distinct rows once each, as the
     non-ring path starts, not 2r + 1 clamped copies of them) */
  int ring = 2 * (uint64_t)radius + 1 <= height &&
             (2 * (uint64_t)radius + 1) * width * ch * sizeof(uint32_t) <= ((uint64_t)16 << 20);
  box_ctx c = {in, dst, width, height, radius, ch, ring, 0};
  /* a chunk starts by summing up to 2r + 1 rows: keep chunks at least that tall */
  size_t grain = pw__img_grain(height, (size_t)width * ch, 4, PW_IMG_MIN_FILTER_CHUNK, 2 * (size_t)radius + 1);
  s = pw_parallel_for(height, grain, box_chunk, &c);
  if (s == PW_OK && atomic_load(&c.failed)) s = pw_fail(PW_ENOMEM, "out of memory for box sums");
  return pw__img_source_end(copy, dst, bytes, s);
}

pw_status pw_image_box_blur(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height,
                            uint32_t radius) {
  return pw__img_ended(box_blur(src, dst, width, height, radius, 4), height);
}

pw_status pw_image_box_blur_grey(const uint8_t *src, uint8_t *dst, uint32_t width, uint32_t height,
                                 uint32_t radius) {
  return pw__img_ended(box_blur(src, dst, width, height, radius, 1), height);
}
