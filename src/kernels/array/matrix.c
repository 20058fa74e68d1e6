/*
 * matrix.c — matmul, matvec and transpose of row-major matrices
 * (parawasm/array.h).
 *
 * matmul: c = a b with the loop structure of Goto's GEMM.
 *   - b is packed once, in parallel, into panels: for each block of KC
 *     rows of b and each group of NR columns, the KC x NR values row after
 *     row (zeros past the last column), so that the micro-kernel reads
 *     them sequentially.
 *   - the m x n result is cut into tiles of MC rows and NC columns, split
 *     across threads. A tile walks the KC blocks in order: it packs its
 *     MC x KC block of a into MR-row panels (zeros past the last row), and
 *     for each NR-column panel of b and each MR-row panel of a runs the
 *     micro-kernel, which keeps an MR x NR block of c in registers for the
 *     KC steps: acc[r][j] = acc[r][j] + a[r][p] * b[p][j].
 *   - a block's accumulators start at zero for the first KC block and from
 *     c afterwards, so each c[i][j] is the plain loop
 *         s = 0; for p in 0..k: s = s + a[i][p] * b[p][j]
 *     operation for operation: blocking changes where the operands come
 *     from, never the order of the sums. Every build and thread count
 *     gives the same bits (no FMA: ISO C11 for GCC, none in wasm SIMD128).
 *   Sizes: KC = 256 (an NR panel of b is 8 KiB: L1), MC = 64 (an MC x KC
 *   block of a is 64-128 KiB: L2), NC = 1024. The wasm micro-kernel is
 *   4 x 8 for float (8 f32x4 accumulators, 2 loads of b and 4 splats of a
 *   a step: 11 of the 16 registers engines have on x86-64 and ARM64) and
 *   4 x 4 for double; the portable one is the same loop on arrays, which
 *   GCC vectorises with AVX natively.
 *
 * matvec: one row of a per y[i], a sum over 8 lanes folded as
 * ((0+4)+(2+6))+((1+5)+(3+7)) (see the header), rows split across
 * threads; SIMD holds 4 float lanes or 2 double lanes a vector.
 *
 * transpose: 32 x 32 tiles (a tile of either matrix is at most 8 KiB),
 * rows of tiles split across threads.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define KC 256
#define MC 64
#define NC 1024
#define MR 4
#define NR_f32 8
#define NR_f64 4

/*
 * A scalar operand of a vector operation. x87 (gcc -m32) evaluates float
 * expressions as long double, which no vector type takes: there the value
 * is broadcast element by element (slow, but only the 32-bit test build
 * runs it); elsewhere it is the scalar itself, which compilers broadcast
 * in one instruction (element by element measured 3x slower natively).
 */
#if defined(__FLT_EVAL_METHOD__) && __FLT_EVAL_METHOD__ != 0
#define PWA_SPLAT(VT, N, x)                                                    \
  __extension__({                                                              \
    VT v_;                                                                     \
    for (size_t j_ = 0; j_ < (N); j_++) v_[j_] = (x);                          \
    v_;                                                                        \
  })
#else
#define PWA_SPLAT(VT, N, x) (x)
#endif

/* True when a * b, without overflow, is len (a size_t product may wrap). */
static bool mul_is(size_t a, size_t b, size_t len) {
  if (a == 0 || b == 0) return len == 0;
  return a <= SIZE_MAX / b && a * b == len;
}

/* ------------------------------------------------------------------------ */
/* matmul                                                                   */
/* ------------------------------------------------------------------------ */

#define MATMUL(T, s, NR)                                                       \
  typedef struct {                                                             \
    const T *a, *b;                                                            \
    T *c;                                                                      \
    size_t m, k, n;                                                            \
    size_t npan;    /* NR panels across n */                                   \
    size_t mtiles, ntiles;                                                     \
    T *bp;          /* packed b: [kc block][panel][p][NR] */                   \
    int nomem;                                                                 \
  } mm_ctx_##s;                                                                \
                                                                               \
  /* packs item (kc block, panel) of b */                                      \
  static void mm_pack_b_##s(void *p, size_t first, size_t last) {              \
    mm_ctx_##s *c = p;                                                         \
    for (size_t item = first; item < last; item++) {                           \
      size_t kb = item / c->npan, pan = item % c->npan;                        \
      size_t p0 = kb * KC, kc = c->k - p0 < KC ? c->k - p0 : KC;               \
      size_t j0 = pan * NR, jn = c->n - j0 < NR ? c->n - j0 : NR;              \
      T *dst = c->bp + (kb * c->npan + pan) * (size_t)KC * NR;                 \
      for (size_t q = 0; q < kc; q++) {                                        \
        const T *row = c->b + (p0 + q) * c->n + j0;                            \
        for (size_t j = 0; j < NR; j++) dst[q * NR + j] = j < jn ? row[j] : 0; \
      }                                                                        \
    }                                                                          \
  }                                                                            \
                                                                               \
  /* the MR x NR block at c + i0 * n + j0 (rows < mr, columns < nr valid) */   \
  static void mm_micro_##s(size_t kc, const T *ap, const T *bp, T *cc,         \
                           size_t ldc, size_t mr, size_t nr, int first);       \
                                                                               \
  static void mm_tiles_##s(void *p, size_t first, size_t last) {               \
    mm_ctx_##s *c = p;                                                         \
    T *ap = pwa_alloc((size_t)MC * KC, sizeof(T));                             \
    if (ap == NULL) {                                                          \
      c->nomem = 1;                                                            \
      return;                                                                  \
    }                                                                          \
    for (size_t t = first; t < last; t++) {                                    \
      size_t ti = t / c->ntiles, tj = t % c->ntiles;                           \
      size_t i0 = ti * MC, mc = c->m - i0 < MC ? c->m - i0 : MC;               \
      size_t jt0 = tj * NC, nc = c->n - jt0 < NC ? c->n - jt0 : NC;            \
      size_t nkb = pw_chunks(c->k, KC);                                        \
      for (size_t kb = 0; kb < nkb; kb++) {                                    \
        size_t p0 = kb * KC, kc = c->k - p0 < KC ? c->k - p0 : KC;             \
        /* pack a[i0 .. i0+mc][p0 .. p0+kc] into MR-row panels */              \
        for (size_t r0 = 0; r0 < mc; r0 += MR) {                               \
          T *dst = ap + r0 * kc;                                               \
          for (size_t q = 0; q < kc; q++)                                      \
            for (size_t r = 0; r < MR; r++)                                    \
              dst[q * MR + r] = r0 + r < mc ? c->a[(i0 + r0 + r) * c->k + p0 + q] : 0; \
        }                                                                      \
        for (size_t j = 0; j < nc; j += NR) {                                  \
          size_t pan = (jt0 + j) / NR, nr = nc - j < NR ? nc - j : NR;         \
          const T *bp = c->bp + (kb * c->npan + pan) * (size_t)KC * NR;        \
          for (size_t r0 = 0; r0 < mc; r0 += MR) {                             \
            size_t mr = mc - r0 < MR ? mc - r0 : MR;                           \
            mm_micro_##s(kc, ap + r0 * kc, bp, c->c + (i0 + r0) * c->n + jt0 + j, \
                         c->n, mr, nr, kb == 0);                               \
          }                                                                    \
        }                                                                      \
      }                                                                        \
    }                                                                          \
    free(ap);                                                                  \
  }                                                                            \
                                                                               \
  pw_status pw_array_matmul_##s(const T *a, size_t a_len, const T *b,          \
                                size_t b_len, T *c, size_t c_len, size_t m,    \
                                size_t k, size_t n) {                          \
    if (!mul_is(m, k, a_len))                                                  \
      return pw_fail(PW_EINVAL, "a has %.0f elements; m * k = %.0f * %.0f",    \
                     (double)a_len, (double)m, (double)k);                     \
    if (!mul_is(k, n, b_len))                                                  \
      return pw_fail(PW_EINVAL, "b has %.0f elements; k * n = %.0f * %.0f",    \
                     (double)b_len, (double)k, (double)n);                     \
    if (!mul_is(m, n, c_len))                                                  \
      return pw_fail(PW_EINVAL, "c has %.0f elements; m * n = %.0f * %.0f",    \
                     (double)c_len, (double)m, (double)n);                     \
    if (m == 0 || n == 0) return PW_OK;                                        \
    if (k == 0) {                                                              \
      for (size_t i = 0; i < c_len; i++) c[i] = 0;                             \
      return PW_OK;                                                            \
    }                                                                          \
    mm_ctx_##s x;                                                              \
    memset(&x, 0, sizeof x);                                                   \
    x.a = a, x.b = b, x.c = c, x.m = m, x.k = k, x.n = n;                      \
    x.npan = pw_chunks(n, NR);                                                 \
    size_t nkb = pw_chunks(k, KC);                                             \
    if (x.npan > SIZE_MAX / ((size_t)KC * NR) / nkb)                           \
      return pwa_nomem(nkb * KC, x.npan * NR * sizeof(T));                     \
    x.bp = pwa_alloc(nkb * x.npan * (size_t)KC * NR, sizeof(T));               \
    if (x.bp == NULL) return pwa_nomem(nkb * x.npan * (size_t)KC * NR, sizeof(T)); \
    pw_status st = pw_parallel_for(nkb * x.npan, 16, mm_pack_b_##s, &x);        \
    if (st == PW_OK) {                                                         \
      x.mtiles = pw_chunks(m, MC);                                             \
      x.ntiles = pw_chunks(n, NC);                                             \
      st = pw_parallel_for(x.mtiles * x.ntiles, 1, mm_tiles_##s, &x);          \
      if (st == PW_OK && x.nomem) st = pwa_nomem((size_t)MC * KC, sizeof(T));  \
    }                                                                          \
    free(x.bp);                                                                \
    return st;                                                                 \
  }

MATMUL(float, f32, NR_f32)
MATMUL(double, f64, NR_f64)

/*
 * The portable micro-kernel: the same sums. With GCC or clang, a row of
 * the block is one generic vector (AVX natively), which the compilers
 * keep in registers; otherwise plain arrays.
 */
#if (defined(__GNUC__) || defined(__clang__)) && !defined(PW_NO_VECTOR_EXT)
#define MICRO_PORTABLE(T, s, NR)                                               \
  typedef T vrow_##s __attribute__((vector_size(NR * sizeof(T))));             \
  static void mm_micro_##s(size_t kc, const T *ap, const T *bp, T *cc,         \
                           size_t ldc, size_t mr, size_t nr, int first) {      \
    vrow_##s acc[MR];                                                          \
    for (size_t r = 0; r < MR; r++)                                            \
      for (size_t j = 0; j < NR; j++)                                          \
        acc[r][j] = (!first && r < mr && j < nr) ? cc[r * ldc + j] : 0;        \
    for (size_t q = 0; q < kc; q++) {                                          \
      vrow_##s b;                                                              \
      memcpy(&b, bp + q * NR, sizeof b);                                       \
      for (size_t r = 0; r < MR; r++)                                          \
        acc[r] = acc[r] + PWA_SPLAT(vrow_##s, NR, ap[q * MR + r]) * b;         \
    }                                                                          \
    for (size_t r = 0; r < mr; r++)                                            \
      for (size_t j = 0; j < nr; j++) cc[r * ldc + j] = acc[r][j];             \
  }
#else
#define MICRO_PORTABLE(T, s, NR)                                               \
  static void mm_micro_##s(size_t kc, const T *ap, const T *bp, T *cc,         \
                           size_t ldc, size_t mr, size_t nr, int first) {      \
    T acc[MR][NR];                                                             \
    for (size_t r = 0; r < MR; r++)                                            \
      for (size_t j = 0; j < NR; j++)                                          \
        acc[r][j] = (!first && r < mr && j < nr) ? cc[r * ldc + j] : 0;        \
    for (size_t q = 0; q < kc; q++)                                            \
      for (size_t r = 0; r < MR; r++)                                          \
        for (size_t j = 0; j < NR; j++) acc[r][j] = acc[r][j] + ap[q * MR + r] * bp[q * NR + j]; \
    for (size_t r = 0; r < mr; r++)                                            \
      for (size_t j = 0; j < nr; j++) cc[r * ldc + j] = acc[r][j];             \
  }
#endif

#ifdef __wasm_simd128__
/* 4 x 8 floats: rows in pairs of f32x4. */
static void mm_micro_f32(size_t kc, const float *ap, const float *bp, float *cc, size_t ldc,
                         size_t mr, size_t nr, int first) {
  v128_t c00, c01, c10, c11, c20, c21, c30, c31;
  if (!first && mr == MR && nr == NR_f32) {
    c00 = wasm_v128_load(cc), c01 = wasm_v128_load(cc + 4);
    c10 = wasm_v128_load(cc + ldc), c11 = wasm_v128_load(cc + ldc + 4);
    c20 = wasm_v128_load(cc + 2 * ldc), c21 = wasm_v128_load(cc + 2 * ldc + 4);
    c30 = wasm_v128_load(cc + 3 * ldc), c31 = wasm_v128_load(cc + 3 * ldc + 4);
  } else {
    float t[MR][NR_f32];
    for (size_t r = 0; r < MR; r++)
      for (size_t j = 0; j < NR_f32; j++) t[r][j] = (!first && r < mr && j < nr) ? cc[r * ldc + j] : 0;
    c00 = wasm_v128_load(t[0]), c01 = wasm_v128_load(t[0] + 4);
    c10 = wasm_v128_load(t[1]), c11 = wasm_v128_load(t[1] + 4);
    c20 = wasm_v128_load(t[2]), c21 = wasm_v128_load(t[2] + 4);
    c30 = wasm_v128_load(t[3]), c31 = wasm_v128_load(t[3] + 4);
  }
  for (size_t q = 0; q < kc; q++) {
    v128_t b0 = wasm_v128_load(bp + q * NR_f32), b1 = wasm_v128_load(bp + q * NR_f32 + 4);
    v128_t a0 = wasm_v128_load32_splat(ap + q * MR), a1 = wasm_v128_load32_splat(ap + q * MR + 1);
    v128_t a2 = wasm_v128_load32_splat(ap + q * MR + 2), a3 = wasm_v128_load32_splat(ap + q * MR + 3);
    c00 = wasm_f32x4_add(c00, wasm_f32x4_mul(a0, b0));
    c01 = wasm_f32x4_add(c01, wasm_f32x4_mul(a0, b1));
    c10 = wasm_f32x4_add(c10, wasm_f32x4_mul(a1, b0));
    c11 = wasm_f32x4_add(c11, wasm_f32x4_mul(a1, b1));
    c20 = wasm_f32x4_add(c20, wasm_f32x4_mul(a2, b0));
    c21 = wasm_f32x4_add(c21, wasm_f32x4_mul(a2, b1));
    c30 = wasm_f32x4_add(c30, wasm_f32x4_mul(a3, b0));
    c31 = wasm_f32x4_add(c31, wasm_f32x4_mul(a3, b1));
  }
  if (mr == MR && nr == NR_f32) {
    wasm_v128_store(cc, c00), wasm_v128_store(cc + 4, c01);
    wasm_v128_store(cc + ldc, c10), wasm_v128_store(cc + ldc + 4, c11);
    wasm_v128_store(cc + 2 * ldc, c20), wasm_v128_store(cc + 2 * ldc + 4, c21);
    wasm_v128_store(cc + 3 * ldc, c30), wasm_v128_store(cc + 3 * ldc + 4, c31);
  } else {
    float t[MR][NR_f32];
    wasm_v128_store(t[0], c00), wasm_v128_store(t[0] + 4, c01);
    wasm_v128_store(t[1], c10), wasm_v128_store(t[1] + 4, c11);
    wasm_v128_store(t[2], c20), wasm_v128_store(t[2] + 4, c21);
    wasm_v128_store(t[3], c30), wasm_v128_store(t[3] + 4, c31);
    for (size_t r = 0; r < mr; r++)
      for (size_t j = 0; j < nr; j++) cc[r * ldc + j] = t[r][j];
  }
}

/* 4 x 4 doubles: rows in pairs of f64x2. */
static void mm_micro_f64(size_t kc, const double *ap, const double *bp, double *cc, size_t ldc,
                         size_t mr, size_t nr, int first) {
  double t[MR][NR_f64];
  for (size_t r = 0; r < MR; r++)
    for (size_t j = 0; j < NR_f64; j++) t[r][j] = (!first && r < mr && j < nr) ? cc[r * ldc + j] : 0;
  v128_t c00 = wasm_v128_load(t[0]), c01 = wasm_v128_load(t[0] + 2);
  v128_t c10 = wasm_v128_load(t[1]), c11 = wasm_v128_load(t[1] + 2);
  v128_t c20 = wasm_v128_load(t[2]), c21 = wasm_v128_load(t[2] + 2);
  v128_t c30 = wasm_v128_load(t[3]), c31 = wasm_v128_load(t[3] + 2);
  for (size_t q = 0; q < kc; q++) {
    v128_t b0 = wasm_v128_load(bp + q * NR_f64), b1 = wasm_v128_load(bp + q * NR_f64 + 2);
    v128_t a0 = wasm_v128_load64_splat(ap + q * MR), a1 = wasm_v128_load64_splat(ap + q * MR + 1);
    v128_t a2 = wasm_v128_load64_splat(ap + q * MR + 2), a3 = wasm_v128_load64_splat(ap + q * MR + 3);
    c00 = wasm_f64x2_add(c00, wasm_f64x2_mul(a0, b0));
    c01 = wasm_f64x2_add(c01, wasm_f64x2_mul(a0, b1));
    c10 = wasm_f64x2_add(c10, wasm_f64x2_mul(a1, b0));
    c11 = wasm_f64x2_add(c11, wasm_f64x2_mul(a1, b1));
    c20 = wasm_f64x2_add(c20, wasm_f64x2_mul(a2, b0));
    c21 = wasm_f64x2_add(c21, wasm_f64x2_mul(a2, b1));
    c30 = wasm_f64x2_add(c30, wasm_f64x2_mul(a3, b0));
    c31 = wasm_f64x2_add(c31, wasm_f64x2_mul(a3, b1));
  }
  wasm_v128_store(t[0], c00), wasm_v128_store(t[0] + 2, c01);
  wasm_v128_store(t[1], c10), wasm_v128_store(t[1] + 2, c11);
  wasm_v128_store(t[2], c20), wasm_v128_store(t[2] + 2, c21);
  wasm_v128_store(t[3], c30), wasm_v128_store(t[3] + 2, c31);
  for (size_t r = 0; r < mr; r++)
    for (size_t j = 0; j < nr; j++) cc[r * ldc + j] = t[r][j];
}
#else
MICRO_PORTABLE(float, f32, NR_f32)
MICRO_PORTABLE(double, f64, NR_f64)
#endif

/* ------------------------------------------------------------------------ */
/* matvec                                                                   */
/* ------------------------------------------------------------------------ */

typedef struct {
  const void *a, *x;
  void *y;
  size_t cols;
} mv_ctx;

static void mv_f32(void *p, size_t b, size_t e) {
  mv_ctx *c = p;
  const float *x = c->x;
  float *y = c->y;
  size_t n = c->cols;
  for (size_t i = b; i < e; i++) {
    const float *row = (const float *)c->a + i * n;
    float l[8];
    size_t j = 0;
#ifdef __wasm_simd128__
    v128_t s0 = wasm_f32x4_splat(0), s1 = wasm_f32x4_splat(0);
    for (; n - j >= 8; j += 8) {
      s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(wasm_v128_load(row + j), wasm_v128_load(x + j)));
      s1 = wasm_f32x4_add(s1, wasm_f32x4_mul(wasm_v128_load(row + j + 4), wasm_v128_load(x + j + 4)));
    }
    wasm_v128_store(l, s0);
    wasm_v128_store(l + 4, s1);
#else
    for (int q = 0; q < 8; q++) l[q] = 0;
    for (; n - j >= 8; j += 8)
      for (int q = 0; q < 8; q++) l[q] = l[q] + row[j + q] * x[j + q];
#endif
    for (int q = 0; j < n; j++, q++) l[q] = l[q] + row[j] * x[j];
    y[i] = ((l[0] + l[4]) + (l[2] + l[6])) + ((l[1] + l[5]) + (l[3] + l[7]));
  }
}

static void mv_f64(void *p, size_t b, size_t e) {
  mv_ctx *c = p;
  const double *x = c->x;
  double *y = c->y;
  size_t n = c->cols;
  for (size_t i = b; i < e; i++) {
    const double *row = (const double *)c->a + i * n;
    double l[8];
    size_t j = 0;
#ifdef __wasm_simd128__
    v128_t s[4];
    for (int q = 0; q < 4; q++) s[q] = wasm_f64x2_splat(0);
    for (; n - j >= 8; j += 8)
      for (int q = 0; q < 4; q++)
        s[q] = wasm_f64x2_add(s[q], wasm_f64x2_mul(wasm_v128_load(row + j + 2 * q),
                                                   wasm_v128_load(x + j + 2 * q)));
    for (int q = 0; q < 4; q++) wasm_v128_store(l + 2 * q, s[q]);
#else
    for (int q = 0; q < 8; q++) l[q] = 0;
    for (; n - j >= 8; j += 8)
      for (int q = 0; q < 8; q++) l[q] = l[q] + row[j + q] * x[j + q];
#endif
    for (int q = 0; j < n; j++, q++) l[q] = l[q] + row[j] * x[j];
    y[i] = ((l[0] + l[4]) + (l[2] + l[6])) + ((l[1] + l[5]) + (l[3] + l[7]));
  }
}

#define MATVEC(T, s)                                                           \
  pw_status pw_array_matvec_##s(const T *a, size_t a_len, const T *x,          \
                                size_t x_len, T *y, size_t y_len) {            \
    if (!mul_is(x_len, y_len, a_len))                                          \
      return pw_fail(PW_EINVAL,                                                \
                     "a has %.0f elements; a y_len x x_len matrix has %.0f * %.0f", \
                     (double)a_len, (double)y_len, (double)x_len);             \
    mv_ctx c = {a, x, y, x_len};                                               \
    size_t grain = pw_grain((x_len ? x_len : 1) * sizeof(T));                  \
    return pw_parallel_for(y_len, grain, mv_##s, &c);                          \
  }
PW_ARRAY_FLOAT_TYPES(MATVEC)

/* ------------------------------------------------------------------------ */
/* transpose                                                                */
/* ------------------------------------------------------------------------ */

#define TT 32

typedef struct {
  const void *a;
  void *out;
  size_t rows, cols;
  int down; /* the vector paths' order: tr_crowding(output row) > 8, once a call */
} tr_ctx;

/*
 * The most of TT rows `stride` bytes apart that fall in one set of a
 * 64-set cache of 64-byte lines (the usual L1: 32 or 48 KiB, 8 or 12
 * ways). Only stride mod 4096 matters, so nothing here overflows.
 */
static unsigned tr_crowding(size_t stride) {
  unsigned char n[64] = {0};
  unsigned most = 0;
  for (size_t k = 0; k < TT; k++) {
    unsigned set = (unsigned)(((k * (stride % 4096)) % 4096) >> 6);
    if (++n[set] > most) most = n[set];
  }
  return most;
}

#ifdef __wasm_simd128__
/* One 4 x 4 block of 32-bit elements, a[i..i+4][j..j+4] to o: 4 loads, 8 shuffles, 4 stores. */
static inline void tr_block4(const uint32_t *a, uint32_t *o, size_t rows, size_t cols, size_t i, size_t j) {
  const uint32_t *s = a + i * cols + j;
  v128_t r0 = wasm_v128_load(s), r1 = wasm_v128_load(s + cols);
  v128_t r2 = wasm_v128_load(s + 2 * cols), r3 = wasm_v128_load(s + 3 * cols);
  v128_t t0 = wasm_i32x4_shuffle(r0, r1, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(r0, r1, 2, 6, 3, 7);
  v128_t t2 = wasm_i32x4_shuffle(r2, r3, 0, 4, 1, 5), t3 = wasm_i32x4_shuffle(r2, r3, 2, 6, 3, 7);
  uint32_t *d = o + j * rows + i;
  wasm_v128_store(d, wasm_i64x2_shuffle(t0, t2, 0, 2));
  wasm_v128_store(d + rows, wasm_i64x2_shuffle(t0, t2, 1, 3));
  wasm_v128_store(d + 2 * rows, wasm_i64x2_shuffle(t1, t3, 0, 2));
  wasm_v128_store(d + 3 * rows, wasm_i64x2_shuffle(t1, t3, 1, 3));
}

/*
 * The 4-aligned part of a tile of 32-bit elements, rows [i0, i1) and
 * columns [j0, j1) of a (both spans multiples of 4), in 4 x 4 blocks.
 * Row by row of blocks, the loads run along a's rows and the stores jump
 * from one output row to the next; that is the faster order unless the
 * output rows of a tile crowd into a few cache sets, as they do when a
 * row of the output is a multiple of 4 KiB or close to one (4096 x 4096
 * floats: 24.5 ms; 4097: 27.8), where the other order, down the columns
 * of blocks, keeps the stores along the output rows (11.9 and 14.6 ms;
 * it loses a third at 3000 x 3000: 5.0 -> 7.1 ms; test/bench/array.mjs
 * and native_array.js -n, wasm under --no-liftoff, 2026-12-04).
 * Measured before the blocks: 38 -> 27 ms at 4096; natively gcc's scalar
 * loop takes 13-19.
 */
#define TR_TILE_FN(name, T, k, block)                                          \
  static void name(const T *a, T *o, size_t rows, size_t cols, size_t i0, size_t i1, size_t j0, \
                   size_t j1, int down) {                                      \
    if (down) {                                                                \
      for (size_t j = j0; j < j1; j += k)                                      \
        for (size_t i = i0; i < i1; i += k) block(a, o, rows, cols, i, j);     \
    } else {                                                                   \
      for (size_t i = i0; i < i1; i += k)                                      \
        for (size_t j = j0; j < j1; j += k) block(a, o, rows, cols, i, j);     \
    }                                                                          \
  }
TR_TILE_FN(tr_tile4_b4, uint32_t, 4, tr_block4)

/* One 2 x 2 block of 64-bit elements, a[i..i+2][j..j+2] to o. */
static inline void tr_block2(const uint64_t *a, uint64_t *o, size_t rows, size_t cols, size_t i, size_t j) {
  const uint64_t *s = a + i * cols + j;
  v128_t r0 = wasm_v128_load(s), r1 = wasm_v128_load(s + cols);
  uint64_t *d = o + j * rows + i;
  wasm_v128_store(d, wasm_i64x2_shuffle(r0, r1, 0, 2));
  wasm_v128_store(d + rows, wasm_i64x2_shuffle(r0, r1, 1, 3));
}

/* tr_tile4_b4 for 64-bit elements in 2 x 2 blocks (both spans multiples
   of 2), in the same two orders (4096 x 4096 doubles: 35.5 ms for the
   element loop, native 20.4). */
TR_TILE_FN(tr_tile2_b8, uint64_t, 2, tr_block2)

/* The vector part of a tile where T has one: its side (the block's), else 0. */
#define TR_TILE_V(T, a, o, rows, cols, i0, i1, j0, j1, down)                   \
  (sizeof(T) == 4 && (i1) - (i0) >= 4 && (j1) - (j0) >= 4                       \
       ? (tr_tile4_b4((const uint32_t *)(const void *)(a), (uint32_t *)(void *)(o), rows, cols, i0, \
                      (i0) + (((i1) - (i0)) & ~(size_t)3), j0, (j0) + (((j1) - (j0)) & ~(size_t)3), down), 4) \
   : sizeof(T) == 8 && (i1) - (i0) >= 2 && (j1) - (j0) >= 2                     \
       ? (tr_tile2_b8((const uint64_t *)(const void *)(a), (uint64_t *)(void *)(o), rows, cols, i0, \
                      (i0) + (((i1) - (i0)) & ~(size_t)1), j0, (j0) + (((j1) - (j0)) & ~(size_t)1), down), 2) \
       : (size_t)0)
#else
#define TR_TILE_V(T, a, o, rows, cols, i0, i1, j0, j1, down) ((size_t)0)
#endif

/* One tile: its block-aligned part by TR_TILE_V where there is one, the
   rest (or all of it) element by element. */
#define TRANSPOSE(T, s)                                                        \
  static void tr_body_##s(void *p, size_t b, size_t e) {                       \
    tr_ctx *c = p;                                                             \
    const T *a = c->a;                                                         \
    T *o = c->out;                                                             \
    size_t rows = c->rows, cols = c->cols;                                     \
    for (size_t ti = b; ti < e; ti++) {                                        \
      size_t i0 = ti * TT, i1 = rows - i0 < TT ? rows : i0 + TT;               \
      for (size_t j0 = 0; j0 < cols; j0 += TT) {                               \
        size_t j1 = cols - j0 < TT ? cols : j0 + TT;                           \
        size_t im = i0, jm = j0; /* the block [i0, im) x [j0, jm) is done */    \
        size_t bk = TR_TILE_V(T, a, o, rows, cols, i0, i1, j0, j1, c->down);   \
        if (bk) {                                                              \
          im = i0 + ((i1 - i0) & ~(bk - 1));                                   \
          jm = j0 + ((j1 - j0) & ~(bk - 1));                                   \
        }                                                                      \
        for (size_t j = j0; j < j1; j++) {                                     \
          size_t from = j < jm ? im : i0; /* left of jm: the rows below im only */ \
          for (size_t i = from; i < i1; i++) o[j * rows + i] = a[i * cols + j]; \
        }                                                                      \
      }                                                                        \
    }                                                                          \
  }                                                                            \
  static pw_status tr_run_##s(const T *a, size_t len, T *out, size_t rows,     \
                              size_t cols) {                                   \
    if (!mul_is(rows, cols, len))                                              \
      return pw_fail(PW_EINVAL, "a has %.0f elements; rows * cols = %.0f * %.0f", \
                     (double)len, (double)rows, (double)cols);                 \
    if (len == 0) return PW_OK;                                                \
    tr_ctx c = {a, out, rows, cols, tr_crowding(rows * sizeof(T)) > 8};        \
    size_t grain = pw_grain(cols * TT * sizeof(T));                            \
    return pw_parallel_for(pw_chunks(rows, TT), grain, tr_body_##s, &c);       \
  }
/* by element size: the bits move, whatever they mean */
TRANSPOSE(uint8_t, b1)
TRANSPOSE(uint16_t, b2)
TRANSPOSE(uint32_t, b4)
TRANSPOSE(uint64_t, b8)

#define TRANSPOSE_TYPED(T, s)                                                  \
  pw_status pw_array_transpose_##s(const T *a, size_t len, T *out, size_t rows, \
                                   size_t cols) {                              \
    switch (sizeof(T)) {                                                       \
    case 1: return tr_run_b1((const void *)a, len, (void *)out, rows, cols);    \
    case 2: return tr_run_b2((const void *)a, len, (void *)out, rows, cols);    \
    case 4: return tr_run_b4((const void *)a, len, (void *)out, rows, cols);    \
    default: return tr_run_b8((const void *)a, len, (void *)out, rows, cols);   \
    }                                                                          \
  }
PW_ARRAY_TYPES(TRANSPOSE_TYPED)
