/*
 * gen_crc_tables.c — writes src/kernels/crc_tables.h, the constant tables of
 * the CRC-32 and CRC-32C kernels (crc32.c). Run it by hand after changing a
 * polynomial or a parameter below:
 *
 *     cc -O2 -DPW_GEN_CRC_TABLES -o /tmp/gen_crc_tables src/kernels/hash/gen_crc_tables.c
 *     /tmp/gen_crc_tables > src/kernels/hash/crc_tables.h
 *
 * Without PW_GEN_CRC_TABLES this file compiles to nothing, so builds that
 * take every .c file under src/kernels as a kernel source are not disturbed.
 *
 * Both CRCs are reflected (bit 0 of a register is the coefficient of x^31,
 * bit 31 the coefficient of x^0). For each polynomial it emits:
 *   <name>_slice[k][b]  register after byte b followed by k zero bytes,
 *                       starting from register 0 (slicing tables);
 *   <name>_pow8[k]      x^(8 * 2^k) mod P, k = 0..63: shifts by 2^k zero
 *                       bytes, for combine;
 *   <NAME>_SPARSE_D/A/B a sparse multiple of P in y = x^8:
 *                       Q = y^D + y^A + y^B + 1 with P | Q, the one of least
 *                       degree D whose top gap D - A is at least MIN_GAP bytes
 *                       (found by a meet-in-the-middle search below, checked
 *                       with mulmod). crc32.c reduces long inputs modulo Q
 *                       with byte-aligned XORs only (see there).
 */
#ifdef PW_GEN_CRC_TABLES

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

#include <stdlib.h>
#include <string.h>

#define SLICES 16     /* slicing tables per polynomial */
#define SEARCH 8192   /* search sparse multiples of degree < SEARCH bytes */
#define MIN_GAP 256   /* least top gap D - A, in bytes (see crc32.c) */

/* a * b mod P, both reflected. */
static uint32_t mulmod(uint32_t a, uint32_t b, uint32_t poly) {
  uint32_t p = 0;
  for (uint32_t m = UINT32_C(1) << 31; m != 0; m >>= 1) {
    if (a & m) p ^= b;
    b = (b & 1) ? (b >> 1) ^ poly : b >> 1;
  }
  return p;
}

/* x^e mod P for e < 2^64 (pow8 holds x^(8 * 2^k)). */
static uint32_t xpow8(const uint32_t *pow8, uint64_t bytes, uint32_t poly) {
  uint32_t r = UINT32_C(1) << 31;
  for (int k = 0; bytes != 0; k++, bytes >>= 1)
    if (bytes & 1) r = mulmod(r, pow8[k], poly);
  return r;
}

/*
 * Least-degree Q = y^d + y^a + y^b + 1 (y = x^8, d > a > b > 0, d - a >=
 * MIN_GAP) with y^d + y^a == y^b + 1 mod P: a hash of y^b + 1 for every b,
 * then every pair (d, a) in increasing d. Exits if there is none.
 */
static void find_sparse(const uint32_t *pow8, uint32_t poly, int *pd, int *pa, int *pb) {
  static uint32_t yb[SEARCH];
  enum { HSIZE = 1 << 15 };
  static int32_t slot[HSIZE];
  memset(slot, -1, sizeof slot);
  for (int b = 0; b < SEARCH; b++) {
    yb[b] = xpow8(pow8, (uint64_t)b, poly);
    if (b == 0) continue;
    uint32_t h = ((yb[b] ^ (UINT32_C(1) << 31)) * UINT32_C(2654435761)) >> 17;
    while (slot[h] >= 0) h = (h + 1) & (HSIZE - 1);
    slot[h] = b;
  }
  for (int d = 2; d < SEARCH; d++)
    for (int a = d - MIN_GAP; a > 0; a--) {
      uint32_t key = yb[d] ^ yb[a];
      for (uint32_t h = (key * UINT32_C(2654435761)) >> 17; slot[h] >= 0;
           h = (h + 1) & (HSIZE - 1)) {
        int b = slot[h];
        if ((yb[b] ^ (UINT32_C(1) << 31)) == key && b < a) {
          /* Check: y^d + y^a + y^b + 1 == 0 mod P. */
          if ((yb[d] ^ yb[a] ^ yb[b] ^ (UINT32_C(1) << 31)) != 0) abort();
          *pd = d, *pa = a, *pb = b;
          return;
        }
      }
    }
  fprintf(stderr, "gen_crc_tables: no sparse multiple below %d bytes\n", SEARCH);
  exit(1);
}

static void emit_2d(const char *name, const char *what, int rows, uint32_t t[][256]) {
  printf("/* %s */\nstatic const uint32_t %s[%d][256] = {\n", what, name, rows);
  for (int k = 0; k < rows; k++) {
    printf("  {");
    for (int i = 0; i < 256; i++)
      printf("%s0x%08" PRIx32 "%s", i % 6 == 0 ? "\n    " : " ", t[k][i], i < 255 ? "," : "");
    printf("\n  }%s\n", k < rows - 1 ? "," : "");
  }
  printf("};\n\n");
}

static void emit_poly(const char *name, const char *upper, uint32_t poly) {
  static uint32_t slice[SLICES][256];
  uint32_t pow8[64];

  for (uint32_t b = 0; b < 256; b++) {
    uint32_t c = b;
    for (int i = 0; i < 8; i++) c = (c & 1) ? (c >> 1) ^ poly : c >> 1;
    slice[0][b] = c;
  }
  for (int k = 1; k < SLICES; k++)
    for (int b = 0; b < 256; b++)
      slice[k][b] = (slice[k - 1][b] >> 8) ^ slice[0][slice[k - 1][b] & 0xff];

  /* x^8 = one zero byte; square up to x^(8 * 2^k). */
  uint32_t x8 = UINT32_C(1) << 31;
  for (int i = 0; i < 8; i++) x8 = (x8 >> 1) ^ ((x8 & 1) ? poly : 0);
  pow8[0] = x8;
  for (int k = 1; k < 64; k++) pow8[k] = mulmod(pow8[k - 1], pow8[k - 1], poly);

  int d, a, b;
  find_sparse(pow8, poly, &d, &a, &b);

  char n[64], w[128];
  snprintf(n, sizeof n, "%s_slice", name);
  snprintf(w, sizeof w, "reflected polynomial 0x%08" PRIx32 ": slicing tables", poly);
  emit_2d(n, w, SLICES, slice);
  printf("/* x^(8 * 2^k) mod P */\nstatic const uint32_t %s_pow8[64] = {", name);
  for (int k = 0; k < 64; k++)
    printf("%s0x%08" PRIx32 "%s", k % 6 == 0 ? "\n  " : " ", pow8[k], k < 63 ? "," : "");
  printf("\n};\n\n");
  printf("/* P divides y^D + y^A + y^B + 1, y = x^8 */\n");
  printf("#define %s_SPARSE_D %d\n#define %s_SPARSE_A %d\n#define %s_SPARSE_B %d\n\n", upper, d,
         upper, a, upper, b);
}

int main(void) {
  printf("/*\n"
         " * crc_tables.h — GENERATED by src/kernels/hash/gen_crc_tables.c; do not edit.\n"
         " * Regenerate: cc -O2 -DPW_GEN_CRC_TABLES -o /tmp/gen_crc_tables\n"
         " *               src/kernels/hash/gen_crc_tables.c &&\n"
         " *             /tmp/gen_crc_tables > src/kernels/hash/crc_tables.h\n"
         " * Included by crc32.c only.\n"
         " */\n"
         "#ifndef PW_CRC_TABLES_H\n#define PW_CRC_TABLES_H\n\n#include <stdint.h>\n\n"
         "#define PW_CRC_SLICES %d\n\n",
         SLICES);
  emit_poly("pw_crc32", "PW_CRC32", UINT32_C(0xedb88320));
  emit_poly("pw_crc32c", "PW_CRC32C", UINT32_C(0x82f63b78));
  printf("#endif /* PW_CRC_TABLES_H */\n");
  return 0;
}

#else
typedef int pw_gen_crc_tables_unused; /* ISO C: no empty translation unit */
#endif /* PW_GEN_CRC_TABLES */
