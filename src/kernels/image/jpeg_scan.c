/*
 * jpeg_scan.c — the entropy-coded data of a JPEG's scans, read as a
 * decoder reads it but without a pixel computed (jpeg_scan.h).
 *
 * What is read, per the JPEG standard (ITU T.81, annexes F and G), in the
 * order stb_image reads it, so that every file stb decodes whole passes
 * and the ones it would fill in or stop early fail:
 *   - sequential scans: per block a DC Huffman code and its magnitude
 *     bits, then AC codes (run, size) and their bits up to end of block;
 *   - progressive DC scans: the first a DC code and bits per block, a
 *     refinement one bit per block;
 *   - progressive AC scans (one component each): first scans with their
 *     end-of-band runs; refinement scans, whose correction bits depend on
 *     which coefficients earlier scans made nonzero (kept as a 64-bit mask
 *     per block of the component);
 *   - restart intervals: every `interval` units (MCUs, or blocks of a
 *     one-component scan) the data must reach its restart marker with at
 *     most 7 bits of padding left.
 * Failures: a code that is no code of its table, data that ends before
 * its last block (bits taken past the marker; the zeros stb reads there
 * are what made a file cut short and closed with an EOI marker decode to
 * grey), a whole byte or more before a restart marker, and restart markers
 * missing (stb ends the scan there, the rest of the picture left grey).
 *
 * The bit reader keeps up to 64 bits, left-aligned. At a marker it stops
 * reading and shifts in zeros as a decoder does, counting them
 * (`phantom`): the data was too short when fewer bits are left than were
 * made up (bits < phantom), checked at the end of every interval, and
 * every 64 units so that a small file declaring a big picture stops soon.
 */
#include <stdlib.h>
#include <string.h>

#include "jpeg_scan.h"

#define FAST 9 /* codes of at most this many bits are looked up at once */
#define SEQ_EOB 0x8000u

typedef struct {
  uint16_t fast[1 << FAST]; /* length << 8 | symbol, for codes of at most FAST bits; 0: longer */
  uint16_t seq[1 << FAST];  /* sequential AC: bits of code and magnitude together (when at most
                               FAST) | (coefficients passed) << 8, or | SEQ_EOB; 0: longer */
  int32_t maxcode[18];      /* the largest code of each length; -1 where none; [17] above all */
  int32_t valoff[17];       /* a code of length L is symbol sym[code + valoff[L]] */
  uint8_t sym[256];
} huff;

typedef struct {
  uint8_t id, h, v;
  uint32_t bw, bh;   /* the component's blocks across and down */
  uint64_t *nz;      /* progressive: per block, bit k set once coefficient k (zigzag order) is nonzero */
  int8_t approx[64]; /* progressive: the low bit Al of the last scan of coefficient k; -1 before its first */
  uint8_t scanned;   /* sequential: in a scan already */
} comp;

struct pw__jpeg_scan {
  huff dc[4], ac[4];
  comp c[4];
  unsigned nc, progressive, interval;
  uint32_t mcux, mcuy; /* MCUs across and down */
};

typedef struct {
  const uint8_t *p, *end;
  uint64_t buf;
  int64_t bits, phantom;
  int marker;
} bitreader;

pw__jpeg_scan *pw__jpeg_scan_new(void) { return calloc(1, sizeof(pw__jpeg_scan)); }

void pw__jpeg_scan_free(pw__jpeg_scan *s) {
  if (s == NULL) return;
  for (unsigned i = 0; i < 4; i++) free(s->c[i].nz);
  free(s);
}

pw_status pw__jpeg_scan_frame(pw__jpeg_scan *s, const uint8_t *seg, size_t len, int progressive) {
  const unsigned nc = len >= 6 ? seg[5] : 0;
  if (nc != 1 && nc != 3 && nc != 4) return pw_fail(PW_EFORMAT, "corrupt JPEG: %u components (1, 3 or 4 decode)", nc);
  if (len < 6 + 3 * (size_t)nc) return pw_fail(PW_EFORMAT, "corrupt JPEG: bad frame header");
  const uint32_t h = (uint32_t)seg[1] << 8 | seg[2], w = (uint32_t)seg[3] << 8 | seg[4];
  unsigned hmax = 1, vmax = 1;
  for (unsigned i = 0; i < nc; i++) {
    comp *c = &s->c[i];
    c->id = seg[6 + 3 * i], c->h = seg[7 + 3 * i] >> 4, c->v = seg[7 + 3 * i] & 15;
    if (c->h < 1 || c->h > 4 || c->v < 1 || c->v > 4)
      return pw_fail(PW_EFORMAT, "corrupt JPEG: component %u has sampling factors %ux%u (1 to 4 each)", i, c->h, c->v);
    hmax = c->h > hmax ? c->h : hmax, vmax = c->v > vmax ? c->v : vmax;
  }
  s->nc = nc, s->progressive = (unsigned)progressive;
  s->mcux = (w + 8 * hmax - 1) / (8 * hmax), s->mcuy = (h + 8 * vmax - 1) / (8 * vmax);
  for (unsigned i = 0; i < nc; i++) {
    comp *c = &s->c[i];
    c->bw = (uint32_t)(((uint64_t)w * c->h + 8 * hmax - 1) / (8 * hmax));
    c->bh = (uint32_t)(((uint64_t)h * c->v + 8 * vmax - 1) / (8 * vmax));
    memset(c->approx, -1, sizeof c->approx);
    if (progressive) {
      c->nz = calloc((size_t)c->bw * c->bh, sizeof(uint64_t));
      if (c->nz == NULL) return pw_fail(PW_ENOMEM, "out of memory reading the JPEG's scans");
    }
  }
  return PW_OK;
}

pw_status pw__jpeg_scan_dht(pw__jpeg_scan *s, const uint8_t *seg, size_t len) {
  size_t t = 0;
  while (t + 17 <= len) { /* codec.c checked every table's counts against the segment */
    huff *h = (seg[t] >> 4) ? &s->ac[seg[t] & 3] : &s->dc[seg[t] & 3];
    const uint8_t *counts = seg + t + 1;
    size_t total = 0;
    for (int i = 0; i < 16; i++) total += counts[i];
    if (total > 256 || total > len - t - 17) return pw_fail(PW_EFORMAT, "corrupt JPEG: bad Huffman table");
    memcpy(h->sym, seg + t + 17, total);
    memset(h->fast, 0, sizeof h->fast);
    int32_t code = 0, k = 0;
    for (int L = 1; L <= 16; L++) {
      const int n = counts[L - 1];
      h->valoff[L] = k - code;
      if (code + n > (1 << L)) return pw_fail(PW_EFORMAT, "corrupt JPEG: a Huffman table has more codes than fit");
      for (int i = 0; i < n; i++, k++, code++)
        if (L <= FAST)
          for (int f = 0; f < 1 << (FAST - L); f++) h->fast[code << (FAST - L) | f] = (uint16_t)(L << 8 | h->sym[k]);
      h->maxcode[L] = n ? code - 1 : -1;
      code <<= 1;
    }
    h->maxcode[17] = INT32_MAX;
    for (int i = 0; i < 1 << FAST; i++) {
      const unsigned e = h->fast[i], L = e >> 8, r = (e & 255) >> 4, size = e & 15;
      h->seq[i] = !e ? 0 : size == 0 ? (uint16_t)(r < 15 ? L | SEQ_EOB : L | 16u << 8)
                 : L + size <= FAST ? (uint16_t)((L + size) | (r + 1) << 8) : 0;
    }
    t += 17 + total;
  }
  return PW_OK;
}

void pw__jpeg_scan_dri(pw__jpeg_scan *s, unsigned interval) { s->interval = interval; }

/* At least 56 bits in the buffer: data bytes (0xFF00 read as 0xFF) up to a marker, then zeros. */
static inline void refill(bitreader *b) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  /* the next 8 bytes at once where none is 0xFF (no stuffing, no marker):
     all go in below the valid bits, as many whole bytes counted as fit;
     the top bits of the next byte land where it will go again (an OR of
     the same bits), so the bits below the valid ones stay consistent */
  if (!b->marker && b->end - b->p >= 8) {
    uint64_t w;
    memcpy(&w, b->p, 8);
    const uint64_t inv = ~w;
    if (((inv - 0x0101010101010101ull) & ~inv & 0x8080808080808080ull) == 0) {
      b->buf |= __builtin_bswap64(w) >> b->bits;
      const unsigned n = (unsigned)(63 - b->bits) >> 3;
      b->p += n;
      b->bits += 8 * n;
      return;
    }
  }
#endif
  while (b->bits <= 56) {
    unsigned byte = 0;
    if (b->marker) {
      b->phantom += 8;
    } else if (b->p >= b->end) {
      b->marker = 1;
      continue;
    } else if ((byte = *b->p) == 0xff) {
      if (b->p + 1 < b->end && b->p[1] == 0x00) {
        b->p += 2;
      } else {
        b->marker = 1;
        continue;
      }
    } else {
      b->p++;
    }
    b->buf |= (uint64_t)byte << (56 - b->bits);
    b->bits += 8;
  }
}

static inline void skip(bitreader *b, unsigned n) {
  b->buf <<= n;
  b->bits -= n;
}

/* Skips n bits, any number. */
static inline void skip_n(bitreader *b, unsigned n) {
  while (n) {
    if (b->bits < 32) refill(b);
    const unsigned t = n < 32 ? n : 32;
    skip(b, t);
    n -= t;
  }
}

/* n (1..16) bits as a number; the buffer holds at least n */
static inline uint32_t take(bitreader *b, unsigned n) {
  const uint32_t v = (uint32_t)(b->buf >> (64 - n));
  skip(b, n);
  return v;
}

/* The next symbol of table h, or -1 for a code the table does not have; the buffer holds at least 16 bits. */
static inline int decode(bitreader *b, const huff *h) {
  const unsigned e = h->fast[b->buf >> (64 - FAST)];
  if (e) {
    skip(b, e >> 8);
    return (int)(e & 255);
  }
  const uint32_t v = (uint32_t)(b->buf >> 48);
  for (int L = FAST + 1; L <= 16; L++) {
    const int32_t code = (int32_t)(v >> (16 - L));
    if (code <= h->maxcode[L]) {
      skip(b, (unsigned)L);
      return h->sym[(code + h->valoff[L]) & 255];
    }
  }
  return -1;
}

typedef struct {
  size_t at;       /* the scan header's offset, for messages */
  unsigned ss, se, ah;
  uint32_t eobrun;
} scan;

/* The failure of a scan (its header at byte `at`) whose data ends before its last block. */
static pw_status cut_short(size_t at) {
  return pw_fail(PW_EFORMAT, "truncated JPEG: the data of the scan at byte %zu ends before its last block", at);
}

/* A bad code: data cut short where the code ran into the zeros after the data, else a corrupt code. */
static pw_status bad_code(const bitreader *b, const scan *sc) {
  if (b->bits - b->phantom < 16)
    return cut_short(sc->at);
  return pw_fail(PW_EFORMAT, "corrupt JPEG: the scan at byte %zu has a Huffman code its table does not have", sc->at);
}

/* One block of a sequential scan. */
static pw_status block_seq(bitreader *b, const huff *dc, const huff *ac, const scan *sc) {
  if (b->bits < 32) refill(b);
  const int t = decode(b, dc);
  if (t < 0 || t > 15) return bad_code(b, sc);
  skip(b, (unsigned)t);
  for (unsigned k = 1; k < 64;) {
    if (b->bits < 32) refill(b);
    const unsigned e = ac->seq[b->buf >> (64 - FAST)];
    if (e) { /* a short code and its magnitude bits at once */
      skip(b, e & 31);
      if (e & SEQ_EOB) break;
      k += e >> 8;
      continue;
    }
    const int rs = decode(b, ac);
    if (rs < 0) return bad_code(b, sc);
    const unsigned r = (unsigned)rs >> 4, size = (unsigned)rs & 15;
    if (size) {
      k += r + 1;
      skip(b, size);
    } else {
      if (r < 15) break; /* end of block */
      k += 16;
    }
  }
  return PW_OK;
}

/* One block of a progressive DC scan. */
static pw_status block_dc(bitreader *b, const huff *dc, const scan *sc) {
  if (b->bits < 32) refill(b);
  if (sc->ah) { /* refinement: one bit */
    skip(b, 1);
    return PW_OK;
  }
  const int t = decode(b, dc);
  if (t < 0 || t > 15) return bad_code(b, sc);
  skip(b, (unsigned)t);
  return PW_OK;
}

/*
 * The next code of a progressive AC scan: its run and size. An end-of-band
 * run (size 0, run < 15: 2^run blocks plus `run` more bits, this one
 * included) sets sc->eobrun to the blocks after this one, and *eob.
 */
static inline pw_status ac_code(bitreader *b, const huff *ac, scan *sc, unsigned *r, unsigned *size, int *eob) {
  if (b->bits < 32) refill(b);
  const int rs = decode(b, ac);
  if (rs < 0) return bad_code(b, sc);
  *r = (unsigned)rs >> 4, *size = (unsigned)rs & 15;
  *eob = *size == 0 && *r < 15;
  if (*eob) sc->eobrun = (1u << *r) - 1 + (*r ? take(b, *r) : 0);
  return PW_OK;
}

/* One block of a progressive AC scan; nz its mask of nonzero coefficients. */
static pw_status block_ac(bitreader *b, const huff *ac, scan *sc, uint64_t *nz) {
  const unsigned ss = sc->ss, se = sc->se;
  if (sc->ah == 0) { /* first scan of these coefficients */
    if (sc->eobrun) {
      sc->eobrun--;
      return PW_OK;
    }
    unsigned k = ss;
    do {
      unsigned r = 0, size = 0;
      int eob = 0;
      const pw_status s = ac_code(b, ac, sc, &r, &size, &eob);
      if (s != PW_OK) return s;
      if (eob) break;
      if (size == 0) { /* sixteen zeros */
        k += 16;
        continue;
      }
      k += r;
      skip(b, size);
      *nz |= 1ull << (k > 63 ? 63 : k);
      k++;
    } while (k <= se);
    return PW_OK;
  }
  /*
   * Refinement: a correction bit for every coefficient already nonzero
   * that the band's walk passes, new coefficients of size 1. A code's run
   * r passes r coefficients still zero and stops at the next zero one (the
   * new coefficient's place); the nonzero ones passed each take a bit.
   * Done on the block's mask: the (r+1)-th zero bit at or after k, and the
   * nonzero bits before it counted.
   */
  const uint64_t band = (se == 63 ? ~0ull : (1ull << (se + 1)) - 1) & ~((1ull << ss) - 1);
  if (sc->eobrun) {
    sc->eobrun--;
    skip_n(b, (unsigned)__builtin_popcountll(*nz & band));
    return PW_OK;
  }
  unsigned k = ss;
  do {
    unsigned r = 0, size = 0;
    int eob = 0, fresh = 0;
    const pw_status s = ac_code(b, ac, sc, &r, &size, &eob);
    if (s != PW_OK) return s;
    if (eob) {
      r = 64; /* the rest of this block: correction bits only */
    } else if (size) {
      if (size != 1) return bad_code(b, sc);
      skip(b, 1); /* the new coefficient's sign */
      fresh = 1;
    }
    const uint64_t ahead = band & (~0ull << k);
    uint64_t z = ~*nz & ahead; /* the zero coefficients from k on */
    if (r == 64) z = 0; /* end of band: no new coefficient */
    for (unsigned i = 0; i < r && z; i++) z &= z - 1;
    if (z == 0) { /* fewer zeros than the run: correction bits to the band's end */
      skip_n(b, (unsigned)__builtin_popcountll(*nz & ahead));
      k = se + 1;
    } else {
      const unsigned at = (unsigned)__builtin_ctzll(z);
      skip_n(b, (unsigned)__builtin_popcountll(*nz & ahead & ((1ull << at) - 1)));
      if (fresh) *nz |= 1ull << at;
      k = at + 1;
    }
  } while (k <= se);
  return PW_OK;
}

/* Bits taken past the data (bits < phantom). */
static inline int overrun(const bitreader *b) { return b->bits < b->phantom; }

pw_status pw__jpeg_scan_data(pw__jpeg_scan *s, const uint8_t *seg, size_t len, const uint8_t *d, size_t n,
                             size_t at) {
  if (s->nc == 0) return pw_fail(PW_EFORMAT, "corrupt JPEG: a scan at byte %zu before the frame header", at);
  const unsigned ns = len >= 1 ? seg[0] : 0;
  if (ns < 1 || ns > s->nc || len < 4 + 2 * (size_t)ns)
    return pw_fail(PW_EFORMAT, "corrupt JPEG: bad scan header at byte %zu", at);
  comp *cs[4];
  const huff *dcs[4], *acs[4];
  for (unsigned i = 0; i < ns; i++) {
    unsigned which = 0;
    while (which < s->nc && s->c[which].id != seg[1 + 2 * i]) which++;
    if (which == s->nc)
      return pw_fail(PW_EFORMAT, "corrupt JPEG: the scan at byte %zu names component %u, which the frame does not have",
                     at, seg[1 + 2 * i]);
    cs[i] = &s->c[which];
    dcs[i] = &s->dc[seg[2 + 2 * i] >> 4 & 3], acs[i] = &s->ac[seg[2 + 2 * i] & 3];
  }
  scan sc = {at, seg[1 + 2 * ns], seg[2 + 2 * ns], seg[3 + 2 * ns] >> 4, 0};
  if (s->progressive) {
    const unsigned al = seg[3 + 2 * ns] & 15;
    if (sc.ss > 63 || sc.se > 63 || sc.ss > sc.se || sc.ah > 13 || al > 13 || (sc.ss == 0 && sc.se != 0) ||
        (sc.ss > 0 && ns != 1))
      return pw_fail(PW_EFORMAT, "corrupt JPEG: bad progressive scan header at byte %zu", at);
  }
  /* the order of scans (T.81 G.1.1.1.1): a coefficient's first scan once,
     then refinements each one bit lower; in a sequential file a component
     in one scan. Bounds the work of a file of repeated scans (a few bytes
     each, each one a pass over the picture) as well. */
  for (unsigned i = 0; i < ns; i++) {
    comp *c = cs[i];
    if (!s->progressive) {
      if (c->scanned)
        return pw_fail(PW_EFORMAT, "corrupt JPEG: component %u is in a second scan at byte %zu", c->id, at);
      c->scanned = 1;
      continue;
    }
    const int al = seg[3 + 2 * ns] & 15;
    for (unsigned k = sc.ss; k <= sc.se; k++) {
      const int was = c->approx[k];
      if (sc.ah == 0 ? was != -1 : (was != (int)sc.ah || al != (int)sc.ah - 1))
        return pw_fail(PW_EFORMAT,
                       "corrupt JPEG: the progressive scan at byte %zu repeats or skips bits of coefficient %u of "
                       "component %u",
                       at, k, c->id);
      c->approx[k] = (int8_t)al;
    }
  }
  /* units: MCUs of an interleaved scan, blocks of a one-component one */
  const uint32_t ux = ns == 1 ? cs[0]->bw : s->mcux, uy = ns == 1 ? cs[0]->bh : s->mcuy;
  const uint64_t units = (uint64_t)ux * uy;
  const uint32_t interval = s->interval;
  const uint64_t intervals = interval ? (units + interval - 1) / interval : 1;
  bitreader b = {d, d + n, 0, 0, 0, 0};
  uint32_t left = interval;
  uint64_t done = 0; /* intervals finished */
  pw_status st = PW_OK;
  for (uint64_t u = 0; u < units; u++) {
    if (interval && left == 0) { /* a restart marker must come here */
      const uint8_t *q = b.p;
      while (q < b.end && *q == 0xff) q++;
      const int rst = q < b.end && *q >= 0xd0 && *q <= 0xd7;
      if (overrun(&b) && !rst)
        return cut_short(at);
      if (overrun(&b))
        return pw_fail(PW_EFORMAT, "corrupt JPEG: restart interval %llu of the scan at byte %zu ends before its last block",
                       (unsigned long long)done + 1, at);
      if (!b.marker || b.bits - b.phantom >= 8)
        return pw_fail(PW_EFORMAT, "corrupt JPEG: restart interval %llu of the scan at byte %zu has data after its last block",
                       (unsigned long long)done + 1, at);
      if (!rst)
        return pw_fail(PW_EFORMAT, "truncated JPEG: the scan at byte %zu ends after %llu of its %llu restart intervals", at,
                       (unsigned long long)done + 1, (unsigned long long)intervals);
      done++;
      b = (bitreader){q + 1, d + n, 0, 0, 0, 0};
      sc.eobrun = 0;
      left = interval;
    }
    if ((u & 63) == 0) {
      if (overrun(&b)) break;
      if ((u & 4095) == 0 && pw_cancelled()) return PW_ECANCELED;
    }
    if (ns == 1) {
      const comp *c = cs[0];
      if (!s->progressive) st = block_seq(&b, dcs[0], acs[0], &sc);
      else if (sc.ss == 0) st = block_dc(&b, dcs[0], &sc);
      else st = block_ac(&b, acs[0], &sc, &c->nz[u]);
    } else {
      for (unsigned i = 0; i < ns && st == PW_OK; i++)
        for (unsigned j = 0; j < (unsigned)cs[i]->h * cs[i]->v && st == PW_OK; j++)
          st = s->progressive ? block_dc(&b, dcs[i], &sc) : block_seq(&b, dcs[i], acs[i], &sc);
    }
    if (st != PW_OK) return st;
    if (interval) left--;
  }
  if (overrun(&b))
    return cut_short(at);
  return PW_OK;
}
