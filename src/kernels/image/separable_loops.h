/*
 * separable_loops.h — the inner loops of the separable engine, written
 * once over a 4-lane float vector and included by separable.c twice: with
 * wasm SIMD intrinsics, and with the portable vector (GCC/clang vector
 * extension, or a struct of 4 floats). The includer defines
 *   V4 (the type), V4_LOAD(p), V4_STORE(p, v), V4_SPLAT(x), V4_ADD(a, b),
 *   V4_MUL(a, b), V4_ZERO(), and NAME(f) (the variant's function name).
 *
 * Order of operations (the same in every variant and in the scalar tails,
 * so every variant gives the same bits): for taps with symmetric weights
 * (blur: w[c - k] == w[c + k], c = n / 2)
 *     s = w[c] v[c];  s += w[c + k] (v[c - k] + v[c + k])  for k = 1 .. c
 * which halves the multiplications; otherwise
 *     s = 0;  s += w[k] v[k]  for k = 0 .. n - 1.
 *
 * Taps longer than PW__IMG_LONG_TAPS go to long_row/long_col (separable.c,
 * summed in double, plain C shared by every variant).
 *
 * Blocking: the row pass handles 4 output pixels at once when their taps
 * share weights and start at consecutive pixels (the inside of a blur), so
 * each weight is splat once for 4 pixels; the column pass handles 16
 * floats (4 RGBA pixels) a block with the accumulators in registers.
 */

/* Do output pixels x .. x+3 share their weights (consecutive starts)? */
static inline int NAME(same4)(const pw__img_tap *t, uint32_t x, uint32_t dw) {
  if (x + 4 > dw) return 0;
  for (int j = 1; j < 4; j++)
    if (t[x + j].w != t[x].w || t[x + j].n != t[x].n || t[x + j].sym != t[x].sym ||
        t[x + j].start != t[x].start + (uint32_t)j)
      return 0;
  return 1;
}

/* Row pass, RGBA: in holds premultiplied pixels as 4 floats each. */
static void NAME(hpass4)(const pw__img_taps *xt, uint32_t dw, const float *in, float *out) {
  const pw__img_tap *taps = xt->tap;
  uint32_t x = 0;
  while (x < dw) {
    const pw__img_tap tp = taps[x];
    const float *w = xt->weight + tp.w;
    const float *p = in + (size_t)4 * tp.start;
    if (tp.n > PW__IMG_LONG_TAPS) {
      long_row(&tp, w, p, 4, out + 4 * (size_t)x++);
      continue;
    }
    if (NAME(same4)(taps, x, dw)) {
      V4 a0, a1, a2, a3;
      if (tp.sym) {
        const uint32_t c = tp.n / 2;
        const float *q = p + 4 * (size_t)c;
        V4 wc = V4_SPLAT(w[c]);
        a0 = V4_MUL(wc, V4_LOAD(q)), a1 = V4_MUL(wc, V4_LOAD(q + 4));
        a2 = V4_MUL(wc, V4_LOAD(q + 8)), a3 = V4_MUL(wc, V4_LOAD(q + 12));
        for (uint32_t k = 1; k <= c; k++) {
          V4 wk = V4_SPLAT(w[c + k]);
          const float *l = q - 4 * (size_t)k, *r = q + 4 * (size_t)k;
          a0 = V4_ADD(a0, V4_MUL(wk, V4_ADD(V4_LOAD(l), V4_LOAD(r))));
          a1 = V4_ADD(a1, V4_MUL(wk, V4_ADD(V4_LOAD(l + 4), V4_LOAD(r + 4))));
          a2 = V4_ADD(a2, V4_MUL(wk, V4_ADD(V4_LOAD(l + 8), V4_LOAD(r + 8))));
          a3 = V4_ADD(a3, V4_MUL(wk, V4_ADD(V4_LOAD(l + 12), V4_LOAD(r + 12))));
        }
      } else {
        a0 = a1 = a2 = a3 = V4_ZERO();
        for (uint32_t k = 0; k < tp.n; k++) {
          V4 wk = V4_SPLAT(w[k]);
          const float *q = p + 4 * (size_t)k;
          a0 = V4_ADD(a0, V4_MUL(wk, V4_LOAD(q)));
          a1 = V4_ADD(a1, V4_MUL(wk, V4_LOAD(q + 4)));
          a2 = V4_ADD(a2, V4_MUL(wk, V4_LOAD(q + 8)));
          a3 = V4_ADD(a3, V4_MUL(wk, V4_LOAD(q + 12)));
        }
      }
      float *o = out + 4 * (size_t)x;
      V4_STORE(o, a0), V4_STORE(o + 4, a1), V4_STORE(o + 8, a2), V4_STORE(o + 12, a3);
      x += 4;
      continue;
    }
    V4 a;
    if (tp.sym) {
      const uint32_t c = tp.n / 2;
      const float *q = p + 4 * (size_t)c;
      a = V4_MUL(V4_SPLAT(w[c]), V4_LOAD(q));
      for (uint32_t k = 1; k <= c; k++)
        a = V4_ADD(a, V4_MUL(V4_SPLAT(w[c + k]), V4_ADD(V4_LOAD(q - 4 * (size_t)k), V4_LOAD(q + 4 * (size_t)k))));
    } else {
      a = V4_ZERO();
      for (uint32_t k = 0; k < tp.n; k++) a = V4_ADD(a, V4_MUL(V4_SPLAT(w[k]), V4_LOAD(p + 4 * (size_t)k)));
    }
    V4_STORE(out + 4 * (size_t)x, a);
    x++;
  }
}

/* Row pass, grey: 4 output pixels a vector where they share weights, else one at a time. */
static void NAME(hpass1)(const pw__img_taps *xt, uint32_t dw, const float *in, float *out) {
  const pw__img_tap *taps = xt->tap;
  uint32_t x = 0;
  while (x < dw) {
    const pw__img_tap tp = taps[x];
    const float *w = xt->weight + tp.w;
    const float *p = in + tp.start;
    if (tp.n > PW__IMG_LONG_TAPS) {
      long_row(&tp, w, p, 1, out + x++);
      continue;
    }
    if (NAME(same4)(taps, x, dw)) {
      V4 a;
      if (tp.sym) {
        const uint32_t c = tp.n / 2;
        a = V4_MUL(V4_SPLAT(w[c]), V4_LOAD(p + c));
        for (uint32_t k = 1; k <= c; k++)
          a = V4_ADD(a, V4_MUL(V4_SPLAT(w[c + k]), V4_ADD(V4_LOAD(p + c - k), V4_LOAD(p + c + k))));
      } else {
        a = V4_ZERO();
        for (uint32_t k = 0; k < tp.n; k++) a = V4_ADD(a, V4_MUL(V4_SPLAT(w[k]), V4_LOAD(p + k)));
      }
      V4_STORE(out + x, a);
      x += 4;
      continue;
    }
    float a;
    if (tp.sym) {
      const uint32_t c = tp.n / 2;
      a = w[c] * p[c];
      for (uint32_t k = 1; k <= c; k++) a += w[c + k] * (p[c - k] + p[c + k]);
    } else {
      a = 0.0f;
      for (uint32_t k = 0; k < tp.n; k++) a += w[k] * p[k];
    }
    out[x] = a;
    x++;
  }
}

/* Column pass: out[i] = the filtered value of rows[.][i], for i < len. */
static void NAME(vpass)(const float *const *rows, const float *w, const pw__img_tap *tp, size_t len, float *out) {
  const uint32_t n = tp->n;
  const int sym = (int)tp->sym;
  if (n > PW__IMG_LONG_TAPS) {
    long_col(rows, tp, w, len, out);
    return;
  }
  const uint32_t c = n / 2;
  size_t i = 0;
  for (; i + 16 <= len; i += 16) {
    V4 a0, a1, a2, a3;
    if (sym) {
      const float *r = rows[c] + i;
      V4 wc = V4_SPLAT(w[c]);
      a0 = V4_MUL(wc, V4_LOAD(r)), a1 = V4_MUL(wc, V4_LOAD(r + 4));
      a2 = V4_MUL(wc, V4_LOAD(r + 8)), a3 = V4_MUL(wc, V4_LOAD(r + 12));
      for (uint32_t k = 1; k <= c; k++) {
        const float *l = rows[c - k] + i, *h = rows[c + k] + i;
        V4 wk = V4_SPLAT(w[c + k]);
        a0 = V4_ADD(a0, V4_MUL(wk, V4_ADD(V4_LOAD(l), V4_LOAD(h))));
        a1 = V4_ADD(a1, V4_MUL(wk, V4_ADD(V4_LOAD(l + 4), V4_LOAD(h + 4))));
        a2 = V4_ADD(a2, V4_MUL(wk, V4_ADD(V4_LOAD(l + 8), V4_LOAD(h + 8))));
        a3 = V4_ADD(a3, V4_MUL(wk, V4_ADD(V4_LOAD(l + 12), V4_LOAD(h + 12))));
      }
    } else {
      a0 = a1 = a2 = a3 = V4_ZERO();
      for (uint32_t k = 0; k < n; k++) {
        const float *r = rows[k] + i;
        V4 wk = V4_SPLAT(w[k]);
        a0 = V4_ADD(a0, V4_MUL(wk, V4_LOAD(r)));
        a1 = V4_ADD(a1, V4_MUL(wk, V4_LOAD(r + 4)));
        a2 = V4_ADD(a2, V4_MUL(wk, V4_LOAD(r + 8)));
        a3 = V4_ADD(a3, V4_MUL(wk, V4_LOAD(r + 12)));
      }
    }
    V4_STORE(out + i, a0), V4_STORE(out + i + 4, a1), V4_STORE(out + i + 8, a2), V4_STORE(out + i + 12, a3);
  }
  for (; i < len; i++) {
    float a;
    if (sym) {
      a = w[c] * rows[c][i];
      for (uint32_t k = 1; k <= c; k++) a += w[c + k] * (rows[c - k][i] + rows[c + k][i]);
    } else {
      a = 0.0f;
      for (uint32_t k = 0; k < n; k++) a += w[k] * rows[k][i];
    }
    out[i] = a;
  }
}
