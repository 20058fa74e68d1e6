/*
 * test_blake3.c — tests of the BLAKE3 kernels (pw_blake3, pw_blake3_keyed,
 * pw_blake3_derive_key) and of the streaming state of src/kernels/blake3.h:
 * the official BLAKE3 test vectors, then an independent reference written
 * here (recursive tree straight from the specification, scalar rounds that
 * permute the message words), checked against the vectors first.
 *
 * Every random input comes from a fixed-seed splitmix64, so a failure is
 * reproducible; each failure prints the seed and length. Exits 0 when every
 * check passed, 1 otherwise.
 *
 * Built by the Makefile's pattern rules (from the repository root):
 *   make build/native/test_blake3 build/native/test_blake3_san \
 *        build/native/test_blake3_split build/wasm-test/test_blake3.js \
 *        build/wasm-test/test_blake3_split.js
 * _split runs against testlib.h's fake pool (concurrency 2, 3, 32, chunks
 * in a scrambled order): the parallel subtrees. The wasm builds run the
 * SIMD128 4-way compressor, the native builds GCC's generic vectors; every
 * build also runs the portable compression (state.portable) and compares.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parawasm.h"
#include "parawasm/blake3.h"
#include "../../src/kernels/hash/blake3.h"

#include "testlib.h"

/* ---------------------------------------------------------------------- */
/* Reference                                                              */
/* ---------------------------------------------------------------------- */

enum { R_START = 1, R_END = 2, R_PARENT = 4, R_ROOT = 8, R_KEYED = 16, R_CTX = 32, R_MAT = 64 };

static const uint32_t R_IV[8] = {0x6A09E667u, 0xBB67AE85u, 0x3C6EF372u, 0xA54FF53Au,
                                 0x510E527Fu, 0x9B05688Cu, 0x1F83D9ABu, 0x5BE0CD19u};
static const int R_PERM[16] = {2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8};

static uint32_t r_rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

static void r_g(uint32_t *s, int a, int b, int c, int d, uint32_t x, uint32_t y) {
  s[a] += s[b] + x; s[d] = r_rotr(s[d] ^ s[a], 16);
  s[c] += s[d];     s[b] = r_rotr(s[b] ^ s[c], 12);
  s[a] += s[b] + y; s[d] = r_rotr(s[d] ^ s[a], 8);
  s[c] += s[d];     s[b] = r_rotr(s[b] ^ s[c], 7);
}

/* The 16 output words of one compression. */
static void r_compress(const uint32_t cv[8], const uint8_t block[64], uint32_t len, uint64_t ctr,
                       uint32_t flags, uint32_t out[16]) {
  uint32_t m[16], t[16], s[16];
  for (int i = 0; i < 16; i++)
    m[i] = block[4 * i] | (uint32_t)block[4 * i + 1] << 8 | (uint32_t)block[4 * i + 2] << 16 |
           (uint32_t)block[4 * i + 3] << 24;
  for (int i = 0; i < 8; i++) s[i] = cv[i];
  for (int i = 0; i < 4; i++) s[8 + i] = R_IV[i];
  s[12] = (uint32_t)ctr, s[13] = (uint32_t)(ctr >> 32), s[14] = len, s[15] = flags;
  for (int r = 0; r < 7; r++) {
    r_g(s, 0, 4, 8, 12, m[0], m[1]);
    r_g(s, 1, 5, 9, 13, m[2], m[3]);
    r_g(s, 2, 6, 10, 14, m[4], m[5]);
    r_g(s, 3, 7, 11, 15, m[6], m[7]);
    r_g(s, 0, 5, 10, 15, m[8], m[9]);
    r_g(s, 1, 6, 11, 12, m[10], m[11]);
    r_g(s, 2, 7, 8, 13, m[12], m[13]);
    r_g(s, 3, 4, 9, 14, m[14], m[15]);
    for (int i = 0; i < 16; i++) t[i] = m[R_PERM[i]];
    memcpy(m, t, sizeof m);
  }
  for (int i = 0; i < 8; i++) out[i] = s[i] ^ s[i + 8], out[i + 8] = s[i + 8] ^ cv[i];
}

/* A node not yet compressed: what the root output or a CV is made of. */
typedef struct {
  uint32_t cv[8];
  uint8_t block[64];
  uint32_t len, flags;
  uint64_t ctr;
} r_node;

static void r_cv(const r_node *n, uint32_t cv[8]) {
  uint32_t o[16];
  r_compress(n->cv, n->block, n->len, n->ctr, n->flags, o);
  memcpy(cv, o, 32);
}

/* The node of the subtree over p[0..n), its first chunk numbered c. */
static r_node r_tree(const uint8_t *p, size_t n, uint64_t c, const uint32_t key[8], uint32_t mode) {
  r_node node;
  if (n <= 1024) {
    memcpy(node.cv, key, 32);
    size_t blocks = n == 0 ? 1 : (n + 63) / 64;
    for (size_t b = 0; b + 1 < blocks; b++) {
      uint32_t o[16];
      r_compress(node.cv, p + 64 * b, 64, c, mode | (b == 0 ? R_START : 0), o);
      memcpy(node.cv, o, 32);
    }
    memset(node.block, 0, 64);
    node.len = (uint32_t)(n - 64 * (blocks - 1));
    memcpy(node.block, p + 64 * (blocks - 1), node.len);
    node.ctr = c;
    node.flags = mode | R_END | (blocks == 1 ? R_START : 0);
    return node;
  }
  size_t chunks = (n + 1023) / 1024, left = 1;
  while (left * 2 < chunks) left *= 2;
  r_node l = r_tree(p, left * 1024, c, key, mode), r = r_tree(p + left * 1024, n - left * 1024,
                                                               c + left, key, mode);
  uint32_t lcv[8], rcv[8];
  r_cv(&l, lcv);
  r_cv(&r, rcv);
  memcpy(node.cv, key, 32);
  for (int i = 0; i < 8; i++)
    for (int k = 0; k < 4; k++) {
      node.block[4 * i + k] = (uint8_t)(lcv[i] >> (8 * k));
      node.block[32 + 4 * i + k] = (uint8_t)(rcv[i] >> (8 * k));
    }
  node.len = 64, node.ctr = 0, node.flags = mode | R_PARENT;
  return node;
}

/* Output bytes [seek, seek + len) of the root. */
static void r_root(const r_node *n, uint64_t seek, uint8_t *out, size_t len) {
  for (size_t i = 0; i < len; i++) {
    uint64_t pos = seek + i;
    uint32_t o[16];
    r_compress(n->cv, n->block, n->len, pos / 64, n->flags | R_ROOT, o);
    out[i] = (uint8_t)(o[(pos % 64) / 4] >> (8 * (pos % 4)));
  }
}

static void r_key_words(const uint8_t *k, uint32_t w[8]) {
  for (int i = 0; i < 8; i++)
    w[i] = k[4 * i] | (uint32_t)k[4 * i + 1] << 8 | (uint32_t)k[4 * i + 2] << 16 |
           (uint32_t)k[4 * i + 3] << 24;
}

/* mode 0: hash; 1: keyed (key); 2: derive_key (key = context, ctx_len). */
static void ref_hash(int mode, const uint8_t *key, size_t ctx_len, const uint8_t *p, size_t n,
                     uint64_t seek, uint8_t *out, size_t len) {
  uint32_t k[8];
  uint32_t flags = 0;
  if (mode == 0) memcpy(k, R_IV, 32);
  if (mode == 1) r_key_words(key, k), flags = R_KEYED;
  if (mode == 2) {
    r_node c = r_tree(key, ctx_len, 0, R_IV, R_CTX);
    uint8_t ck[32];
    r_root(&c, 0, ck, 32);
    r_key_words(ck, k);
    flags = R_MAT;
  }
  r_node root = r_tree(p, n, 0, k, flags);
  r_root(&root, seek, out, len);
}

/* ---------------------------------------------------------------------- */
/* Helpers                                                                */
/* ---------------------------------------------------------------------- */

static const char VEC_KEY[] = "whats the Elvish word for friend";
static const char VEC_CONTEXT[] = "BLAKE3 2019-12-27 16:29:52 test vectors context";

/* The kernel of one mode. */
static void kernel(int mode, const uint8_t *p, size_t n, uint8_t *out, size_t out_len) {
  if (mode == 0) pw_blake3(p, n, out, out_len);
  if (mode == 1) pw_blake3_keyed(p, n, (const uint8_t *)VEC_KEY, out, out_len);
  if (mode == 2) pw_blake3_derive_key(VEC_CONTEXT, strlen(VEC_CONTEXT), p, n, out, out_len);
}

static void ref(int mode, const uint8_t *p, size_t n, uint64_t seek, uint8_t *out, size_t len) {
  ref_hash(mode, mode == 2 ? (const uint8_t *)VEC_CONTEXT : (const uint8_t *)VEC_KEY,
           strlen(VEC_CONTEXT), p, n, seek, out, len);
}

static void state_init(pw_blake3_state *s, int mode, int portable) {
  if (mode == 0) pw_blake3_init(s);
  if (mode == 1) pw_blake3_init_keyed(s, (const uint8_t *)VEC_KEY);
  if (mode == 2)
    pw_blake3_init_derive_key(s, (const uint8_t *)VEC_CONTEXT, strlen(VEC_CONTEXT));
  s->portable = (uint8_t)portable;
}

/* Streams p[0..n) in `pieces` random pieces (0: one update). */
static void stream(int mode, int portable, const uint8_t *p, size_t n, int pieces, uint64_t seed,
                   uint64_t seek, uint8_t *out, size_t out_len) {
  pw_blake3_state s;
  state_init(&s, mode, portable);
  uint64_t r = seed;
  size_t at = 0;
  for (int i = 0; i < pieces && at < n; i++) {
    size_t k = (size_t)below(&r, (n - at) / (size_t)(pieces - i) * 2 + 2);
    if (below(&r, 4) == 0) k = (size_t)below(&r, 2100); /* small pieces too */
    if (k > n - at) k = n - at;
    pw_blake3_update(&s, p + at, k);
    at += k;
  }
  pw_blake3_update(&s, p + at, n - at);
  pw_blake3_finalize(&s, seek, out, out_len);
}

static int hexval(char c) { return c <= '9' ? c - '0' : c - 'a' + 10; }

static void unhex(const char *h, uint8_t *out, size_t n) {
  for (size_t i = 0; i < n; i++) out[i] = (uint8_t)(hexval(h[2 * i]) << 4 | hexval(h[2 * i + 1]));
}

static void fill_251(uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++) p[i] = (uint8_t)(i % 251);
}

static const char *MODE[3] = {"hash", "keyed", "derive_key"};

/* ---------------------------------------------------------------------- */
/* Official test vectors (test_vectors/test_vectors.json of BLAKE3)       */
/* ---------------------------------------------------------------------- */

static const struct vector {
  size_t len;
  const char *hex[3]; /* hash, keyed_hash, derive_key: 131 bytes each */
} VECTORS[] = {
    {0,
     {"af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262e00f03e7b69af26b7faaf09fcd333050338ddfe085b8cc869ca98b206c08243a26f5"
     "487789e8f660afe6c99ef9e0c52b92e7393024a80459cf91f476f9ffdbda7001c22e159b402631f277ca96f2defdf1078282314e763699a31c5363165421cce14d",
     "92b2b75604ed3c761f9d6f62392c8a9227ad0ea3f09573e783f1498a4ed60d26b18171a2f22a4b94822c701f107153dba24918c4bae4d2945c20ece13387627d3b73"
     "cbf97b797d5e59948c7ef788f54372df45e45e4293c7dc18c1d41144a9758be58960856be1eabbe22c2653190de560ca3b2ac4aa692a9210694254c371e851bc8f",
     "2cc39783c223154fea8dfb7c1b1660f2ac2dcbd1c1de8277b0b0dd39b7e50d7d905630c8be290dfcf3e6842f13bddd573c098c3f17361f1f206b8cad9d088aa4a3f7"
     "46752c6b0ce6a83b0da81d59649257cdf8eb3e9f7d4998e41021fac119deefb896224ac99f860011f73609e6e0e4540f93b273e56547dfd3aa1a035ba6689d89a0"}},
    {1,
     {"2d3adedff11b61f14c886e35afa036736dcd87a74d27b5c1510225d0f592e213c3a6cb8bf623e20cdb535f8d1a5ffb86342d9c0b64aca3bce1d31f60adfa137b358a"
     "d4d79f97b47c3d5e79f179df87a3b9776ef8325f8329886ba42f07fb138bb502f4081cbcec3195c5871e6c23e2cc97d3c69a613eba131e5f1351f3f1da786545e5",
     "6d7878dfff2f485635d39013278ae14f1454b8c0a3a2d34bc1ab38228a80c95b6568c0490609413006fbd428eb3fd14e7756d90f73a4725fad147f7bf70fd61c4e0c"
     "f7074885e92b0e3f125978b4154986d4fb202a3f331a3fb6cf349a3a70e49990f98fe4289761c8602c4e6ab1138d31d3b62218078b2f3ba9a88e1d08d0dd4cea11",
     "b3e2e340a117a499c6cf2398a19ee0d29cca2bb7404c73063382693bf66cb06c5827b91bf889b6b97c5477f535361caefca0b5d8c4746441c5761711193315895067"
     "0f9aa8a05d791daae10ac683cbef8faf897c84e6114a59d2173c3f417023a35d6983f2c7dfa57e7fc559ad751dbfb9ffab39c2ef8c4aafebc9ae973a64f0c76551"}},
    {1023,
     {"10108970eeda3eb932baac1428c7a2163b0e924c9a9e25b35bba72b28f70bd11a182d27a591b05592b15607500e1e8dd56bc6c7fc063715b7a1d737df5bad3339c56"
     "778957d870eb9717b57ea3d9fb68d1b55127bba6a906a4a24bbd5acb2d123a37b28f9e9a81bbaae360d58f85e5fc9d75f7c370a0cc09b6522d9c8d822f2f28f485",
     "c951ecdf03288d0fcc96ee3413563d8a6d3589547f2c2fb36d9786470f1b9d6e890316d2e6d8b8c25b0a5b2180f94fb1a158ef508c3cde45e2966bd796a696d3e13e"
     "fd86259d756387d9becf5c8bf1ce2192b87025152907b6d8cc33d17826d8b7b9bc97e38c3c85108ef09f013e01c229c20a83d9e8efac5b37470da28575fd755a10",
     "74a16c1c3d44368a86e1ca6df64be6a2f64cce8f09220787450722d85725dea59c413264404661e9e4d955409dfe4ad3aa487871bcd454ed12abfe2c2b1eb7757588"
     "cf6cb18d2eccad49e018c0d0fec323bec82bf1644c6325717d13ea712e6840d3e6e730d35553f59eff5377a9c350bcc1556694b924b858f329c44ee64b884ef00d"}},
    {1024,
     {"42214739f095a406f3fc83deb889744ac00df831c10daa55189b5d121c855af71cf8107265ecdaf8505b95d8fcec83a98a6a96ea5109d2c179c47a387ffbb404756f"
     "6eeae7883b446b70ebb144527c2075ab8ab204c0086bb22b7c93d465efc57f8d917f0b385c6df265e77003b85102967486ed57db5c5ca170ba441427ed9afa684e",
     "75c46f6f3d9eb4f55ecaaee480db732e6c2105546f1e675003687c31719c7ba4a78bc838c72852d4f49c864acb7adafe2478e824afe51c8919d06168414c265f298a"
     "8094b1ad813a9b8614acabac321f24ce61c5a5346eb519520d38ecc43e89b5000236df0597243e4d2493fd626730e2ba17ac4d8824d09d1a4a8f57b8227778e2de",
     "7356cd7720d5b66b6d0697eb3177d9f8d73a4a5c5e968896eb6a6896843027066c23b601d3ddfb391e90d5c8eccdef4ae2a264bce9e612ba15e2bc9d654af1481b2e"
     "75dbabe615974f1070bba84d56853265a34330b4766f8e75edd1f4a1650476c10802f22b64bd3919d246ba20a17558bc51c199efdec67e80a227251808d8ce5bad"}},
    {1025,
     {"d00278ae47eb27b34faecf67b4fe263f82d5412916c1ffd97c8cb7fb814b8444f4c4a22b4b399155358a994e52bf255de60035742ec71bd08ac275a1b51cc6bfe332"
     "b0ef84b409108cda080e6269ed4b3e2c3f7d722aa4cdc98d16deb554e5627be8f955c98e1d5f9565a9194cad0c4285f93700062d9595adb992ae68ff12800ab67a",
     "357dc55de0c7e382c900fd6e320acc04146be01db6a8ce7210b7189bd664ea69362396b77fdc0d2634a552970843722066c3c15902ae5097e00ff53f1e116f1cd535"
     "2720113a837ab2452cafbde4d54085d9cf5d21ca613071551b25d52e69d6c81123872b6f19cd3bc1333edf0c52b94de23ba772cf82636cff4542540a7738d5b930",
     "effaa245f065fbf82ac186839a249707c3bddf6d3fdda22d1b95a3c970379bcb5d31013a167509e9066273ab6e2123bc835b408b067d88f96addb550d96b6852dad3"
     "8e320b9d940f86db74d398c770f462118b35d2724efa13da97194491d96dd37c3c09cbef665953f2ee85ec83d88b88d11547a6f911c8217cca46defa2751e7f3ad"}},
    {2048,
     {"e776b6028c7cd22a4d0ba182a8bf62205d2ef576467e838ed6f2529b85fba24a9a60bf80001410ec9eea6698cd537939fad4749edd484cb541aced55cd9bf54764d0"
     "63f23f6f1e32e12958ba5cfeb1bf618ad094266d4fc3c968c2088f677454c288c67ba0dba337b9d91c7e1ba586dc9a5bc2d5e90c14f53a8863ac75655461cea8f9",
     "879cf1fa2ea0e79126cb1063617a05b6ad9d0b696d0d757cf053439f60a99dd10173b961cd574288194b23ece278c330fbb8585485e74967f31352a8183aa782b2b2"
     "2f26cdcadb61eed1a5bc144b8198fbb0c13abbf8e3192c145d0a5c21633b0ef86054f42809df823389ee40811a5910dcbd1018af31c3b43aa55201ed4edaac74fe",
     "7b2945cb4fef70885cc5d78a87bf6f6207dd901ff239201351ffac04e1088a23e2c11a1ebffcea4d80447867b61badb1383d842d4e79645d48dd82ccba290769caa7"
     "af8eaa1bd78a2a5e6e94fbdab78d9c7b74e894879f6a515257ccf6f95056f4e25390f24f6b35ffbb74b766202569b1d797f2d4bd9d17524c720107f985f4ddc583"}},
    {2049,
     {"5f4d72f40d7a5f82b15ca2b2e44b1de3c2ef86c426c95c1af0b687952256303096de31d71d74103403822a2e0bc1eb193e7aecc9643a76b7bbc0c9f9c52e8783aae9"
     "8764ca468962b5c2ec92f0c74eb5448d519713e09413719431c802f948dd5d90425a4ecdadece9eb178d80f26efccae630734dff63340285adec2aed3b51073ad3",
     "9f29700902f7c86e514ddc4df1e3049f258b2472b6dd5267f61bf13983b78dd5f9a88abfefdfa1e00b418971f2b39c64ca621e8eb37fceac57fd0c8fc8e117d43b81"
     "447be22d5d8186f8f5919ba6bcc6846bd7d50726c06d245672c2ad4f61702c646499ee1173daa061ffe15bf45a631e2946d616a4c345822f1151284712f76b2b0e",
     "2ea477c5515cc3dd606512ee72bb3e0e758cfae7232826f35fb98ca1bcbdf27316d8e9e79081a80b046b60f6a263616f33ca464bd78d79fa18200d06c7fc9bffd808"
     "cc4755277a7d5e09da0f29ed150f6537ea9bed946227ff184cc66a72a5f8c1e4bd8b04e81cf40fe6dc4427ad5678311a61f4ffc39d195589bdbc670f63ae70f4b6"}},
    {3072,
     {"b98cb0ff3623be03326b373de6b9095218513e64f1ee2edd2525c7ad1e5cffd29a3f6b0b978d6608335c09dc94ccf682f9951cdfc501bfe47b9c9189a6fc7b404d12"
     "0258506341a6d802857322fbd20d3e5dae05b95c88793fa83db1cb08e7d8008d1599b6209d78336e24839724c191b2a52a80448306e0daa84a3fdb566661a37e11",
     "044a0e7b172a312dc02a4c9a818c036ffa2776368d7f528268d2e6b5df19177022f302d0529e4174cc507c463671217975e81dab02b8fdeb0d7ccc7568dd22574c78"
     "3a76be215441b32e91b9a904be8ea81f7a0afd14bad8ee7c8efc305ace5d3dd61b996febe8da4f56ca0919359a7533216e2999fc87ff7d8f176fbecb3d6f34278b",
     "050df97f8c2ead654d9bb3ab8c9178edcd902a32f8495949feadcc1e0480c46b3604131bbd6e3ba573b6dd682fa0a63e5b165d39fc43a625d00207607a2bfeb65ff1"
     "d29292152e26b298868e3b87be95d6458f6f2ce6118437b632415abe6ad522874bcd79e4030a5e7bad2efa90a7a7c67e93f0a18fb28369d0a9329ab5c24134ccb0"}},
    {3073,
     {"7124b49501012f81cc7f11ca069ec9226cecb8a2c850cfe644e327d22d3e1cd39a27ae3b79d68d89da9bf25bc27139ae65a324918a5f9b7828181e52cf373c84f35b"
     "639b7fccbb985b6f2fa56aea0c18f531203497b8bbd3a07ceb5926f1cab74d14bd66486d9a91eba99059a98bd1cd25876b2af5a76c3e9eed554ed72ea952b603bf",
     "68dede9bef00ba89e43f31a6825f4cf433389fedae75c04ee9f0cf16a427c95a96d6da3fe985054d3478865be9a092250839a697bbda74e279e8a9e69f0025e4cfdd"
     "d6cfb434b1cd9543aaf97c635d1b451a4386041e4bb100f5e45407cbbc24fa53ea2de3536ccb329e4eb9466ec37093a42cf62b82903c696a93a50b702c80f3c3c5",
     "72613c9ec9ff7e40f8f5c173784c532ad852e827dba2bf85b2ab4b76f7079081576288e552647a9d86481c2cae75c2dd4e7c5195fb9ada1ef50e9c5098c249d74392"
     "9191441301c69e1f48505a4305ec1778450ee48b8e69dc23a25960fe33070ea549119599760a8a2d28aeca06b8c5e9ba58bc19e11fe57b6ee98aa44b2a8e6b14a5"}},
    {4096,
     {"015094013f57a5277b59d8475c0501042c0b642e531b0a1c8f58d2163229e9690289e9409ddb1b99768eafe1623da896faf7e1114bebeadc1be30829b6f8af707d85"
     "c298f4f0ff4d9438aef948335612ae921e76d411c3a9111df62d27eaf871959ae0062b5492a0feb98ef3ed4af277f5395172dbe5c311918ea0074ce0036454f620",
     "befc660aea2f1718884cd8deb9902811d332f4fc4a38cf7c7300d597a081bfc0bbb64a36edb564e01e4b4aaf3b060092a6b838bea44afebd2deb8298fa562b7b597c"
     "757b9df4c911c3ca462e2ac89e9a787357aaf74c3b56d5c07bc93ce899568a3eb17d9250c20f6c5f6c1e792ec9a2dcb715398d5a6ec6d5c54f586a00403a1af1de",
     "1e0d7f3db8c414c97c6307cbda6cd27ac3b030949da8e23be1a1a924ad2f25b9d78038f7b198596c6cc4a9ccf93223c08722d684f240ff6569075ed81591fd93f9ff"
     "f1110b3a75bc67e426012e5588959cc5a4c192173a03c00731cf84544f65a2fb9378989f72e9694a6a394a8a30997c2e67f95a504e631cd2c5f55246024761b245"}},
    {4097,
     {"9b4052b38f1c5fc8b1f9ff7ac7b27cd242487b3d890d15c96a1c25b8aa0fb99505f91b0b5600a11251652eacfa9497b31cd3c409ce2e45cfe6c0a016967316c426bd"
     "26f619eab5d70af9a418b845c608840390f361630bd497b1ab44019316357c61dbe091ce72fc16dc340ac3d6e009e050b3adac4b5b2c92e722cffdc46501531956",
     "00df940cd36bb9fa7cbbc3556744e0dbc8191401afe70520ba292ee3ca80abbc606db4976cfdd266ae0abf667d9481831ff12e0caa268e7d3e57260c0824115a54ce"
     "595ccc897786d9dcbf495599cfd90157186a46ec800a6763f1c59e36197e9939e900809f7077c102f888caaf864b253bc41eea812656d46742e4ea42769f89b83f",
     "aca51029626b55fda7117b42a7c211f8c6e9ba4fe5b7a8ca922f34299500ead8a897f66a400fed9198fd61dd2d58d382458e64e100128075fc54b860934e8de2e841"
     "70734b06e1d212a117100820dbc48292d148afa50567b8b84b1ec336ae10d40c8c975a624996e12de31abbe135d9d159375739c333798a80c64ae895e51e22f3ad"}},
    {5120,
     {"9cadc15fed8b5d854562b26a9536d9707cadeda9b143978f319ab34230535833acc61c8fdc114a2010ce8038c853e121e1544985133fccdd0a2d507e8e615e611e9a"
     "0ba4f47915f49e53d721816a9198e8b30f12d20ec3689989175f1bf7a300eee0d9321fad8da232ece6efb8e9fd81b42ad161f6b9550a069e66b11b40487a5f5059",
     "2c493e48e9b9bf31e0553a22b23503c0a3388f035cece68eb438d22fa1943e209b4dc9209cd80ce7c1f7c9a744658e7e288465717ae6e56d5463d4f80cdb2ef56495"
     "f6a4f5487f69749af0c34c2cdfa857f3056bf8d807336a14d7b89bf62bef2fb54f9af6a546f818dc1e98b9e07f8a5834da50fa28fb5874af91bf06020d1bf0120e",
     "7a7acac8a02adcf3038d74cdd1d34527de8a0fcc0ee3399d1262397ce5817f6055d0cefd84d9d57fe792d65a278fd20384ac6c30fdb340092f1a74a92ace99c482b2"
     "8f0fc0ef3b923e56ade20c6dba47e49227166251337d80a037e987ad3a7f728b5ab6dfafd6e2ab1bd583a95d9c895ba9c2422c24ea0f62961f0dca45cad47bfa0d"}},
    {5121,
     {"628bd2cb2004694adaab7bbd778a25df25c47b9d4155a55f8fbd79f2fe154cff96adaab0613a6146cdaabe498c3a94e529d3fc1da2bd08edf54ed64d40dcd6777647"
     "eac51d8277d70219a9694334a68bc8f0f23e20b0ff70ada6f844542dfa32cd4204ca1846ef76d811cdb296f65e260227f477aa7aa008bac878f72257484f2b6c95",
     "6ccf1c34753e7a044db80798ecd0782a8f76f33563accaddbfbb2e0ea4b2d0240d07e63f13667a8d1490e5e04f13eb617aea16a8c8a5aaed1ef6fbde1b0515e3c810"
     "50b361af6ead126032998290b563e3caddeaebfab592e155f2e161fb7cba939092133f23f9e65245e58ec23457b78a2e8a125588aad6e07d7f11a85b88d375b72d",
     "b07f01e518e702f7ccb44a267e9e112d403a7b3f4883a47ffbed4b48339b3c341a0add0ac032ab5aaea1e4e5b004707ec5681ae0fcbe3796974c0b1cf31a194740c1"
     "4519273eedaabec832e8a784b6e7cfc2c5952677e6c3f2c3914454082d7eb1ce1766ac7d75a4d3001fc89544dd46b5147382240d689bbbaefc359fb6ae30263165"}},
    {6144,
     {"3e2e5b74e048f3add6d21faab3f83aa44d3b2278afb83b80b3c35164ebeca2054d742022da6fdda444ebc384b04a54c3ac5839b49da7d39f6d8a9db03deab32aade1"
     "56c1c0311e9b3435cde0ddba0dce7b26a376cad121294b689193508dd63151603c6ddb866ad16c2ee41585d1633a2cea093bea714f4c5d6b903522045b20395c83",
     "3d6b6d21281d0ade5b2b016ae4034c5dec10ca7e475f90f76eac7138e9bc8f1dc35754060091dc5caf3efabe0603c60f45e415bb3407db67e6beb3d11cf8e4f79075"
     "61f05dace0c15807f4b5f389c841eb114d81a82c02a00b57206b1d11fa6e803486b048a5ce87105a686dee041207e095323dfe172df73deb8c9532066d88f9da7e",
     "2a95beae63ddce523762355cf4b9c1d8f131465780a391286a5d01abb5683a1597099e3c6488aab6c48f3c15dbe1942d21dbcdc12115d19a8b8465fb54e9053323a9"
     "178e4275647f1a9927f6439e52b7031a0b465c861a3fc531527f7758b2b888cf2f20582e9e2c593709c0a44f9c6e0f8b963994882ea4168827823eef1f64169fef"}},
    {6145,
     {"f1323a8631446cc50536a9f705ee5cb619424d46887f3c376c695b70e0f0507f18a2cfdd73c6e39dd75ce7c1c6e3ef238fd54465f053b25d21044ccb2093beb01501"
     "5532b108313b5829c3621ce324b8e14229091b7c93f32db2e4e63126a377d2a63a3597997d4f1cba59309cb4af240ba70cebff9a23d5e3ff0cdae2cfd54e070022",
     "9ac301e9e39e45e3250a7e3b3df701aa0fb6889fbd80eeecf28dbc6300fbc539f3c184ca2f59780e27a576c1d1fb9772e99fd17881d02ac7dfd39675aca918453283"
     "ed8c3169085ef4a466b91c1649cc341dfdee60e32231fc34c9c4e0b9a2ba87ca8f372589c744c15fd6f985eec15e98136f25beeb4b13c4e43dc84abcc79cd4646c",
     "379bcc61d0051dd489f686c13de00d5b14c505245103dc040d9e4dd1facab8e5114493d029bdbd295aaa744a59e31f35c7f52dba9c3642f773dd0b4262a9980a2aef"
     "811697e1305d37ba9d8b6d850ef07fe41108993180cf779aeece363704c76483458603bbeeb693cffbbe5588d1f3535dcad888893e53d977424bb707201569a8d2"}},
    {7168,
     {"61da957ec2499a95d6b8023e2b0e604ec7f6b50e80a9678b89d2628e99ada77a5707c321c83361793b9af62a40f43b523df1c8633cecb4cd14d00bdc79c78fca5165"
     "b863893f6d38b02ff7236c5a9a8ad2dba87d24c547cab046c29fc5bc1ed142e1de4763613bb162a5a538e6ef05ed05199d751f9eb58d332791b8d73fb74e4fce95",
     "b42835e40e9d4a7f42ad8cc04f85a963a76e18198377ed84adddeaecacc6f3fca2f01d5277d69bb681c70fa8d36094f73ec06e452c80d2ff2257ed82e7ba34840098"
     "9a65ee8daa7094ae0933e3d2210ac6395c4af24f91c2b590ef87d7788d7066ea3eaebca4c08a4f14b9a27644f99084c3543711b64a070b94f2c9d1d8a90d035d52",
     "11c37a112765370c94a51415d0d651190c288566e295d505defdad895dae223730d5a5175a38841693020669c7638f40b9bc1f9f39cf98bda7a5b54ae24218a800a2"
     "116b34665aa95d846d97ea988bfcb53dd9c055d588fa21ba78996776ea6c40bc428b53c62b5f3ccf200f647a5aae8067f0ea1976391fcc72af1945100e2a6dcb88"}},
    {7169,
     {"a003fc7a51754a9b3c7fae0367ab3d782dccf28855a03d435f8cfe74605e781798a8b20534be1ca9eb2ae2df3fae2ea60e48c6fb0b850b1385b5de0fe460dbe9d9f9"
     "b0d8db4435da75c601156df9d047f4ede008732eb17adc05d96180f8a73548522840779e6062d643b79478a6e8dbce68927f36ebf676ffa7d72d5f68f050b119c8",
     "ed9b1a922c046fdb3d423ae34e143b05ca1bf28b710432857bf738bcedbfa5113c9e28d72fcbfc020814ce3f5d4fc867f01c8f5b6caf305b3ea8a8ba2da3ab69fabc"
     "b438f19ff11f5378ad4484d75c478de425fb8e6ee809b54eec9bdb184315dc856617c09f5340451bf42fd3270a7b0b6566169f242e533777604c118a6358250f54",
     "554b0a5efea9ef183f2f9b931b7497995d9eb26f5c5c6dad2b97d62fc5ac31d99b20652c016d88ba2a611bbd761668d5eda3e568e940faae24b0d9991c3bd25a65f7"
     "70b89fdcadabcb3d1a9c1cb63e69721cacf1ae69fefdcef1e3ef41bc5312ccc17222199e47a26552c6adc460cf47a72319cb5039369d0060eaea59d6c65130f1dd"}},
    {8192,
     {"aae792484c8efe4f19e2ca7d371d8c467ffb10748d8a5a1ae579948f718a2a635fe51a27db045a567c1ad51be5aa34c01c6651c4d9b5b5ac5d0fd58cf18dd61a4777"
     "8566b797a8c67df7b1d60b97b19288d2d877bb2df417ace009dcb0241ca1257d62712b6a4043b4ff33f690d849da91ea3bf711ed583cb7b7a7da2839ba71309bbf",
     "dc9637c8845a770b4cbf76b8daec0eebf7dc2eac11498517f08d44c8fc00d58a4834464159dcbc12a0ba0c6d6eb41bac0ed6585cabfe0aca36a375e6c5480c22afdc"
     "40785c170f5a6b8a1107dbee282318d00d915ac9ed1143ad40765ec120042ee121cd2baa36250c618adaf9e27260fda2f94dea8fb6f08c04f8f10c78292aa46102",
     "ad01d7ae4ad059b0d33baa3c01319dcf8088094d0359e5fd45d6aeaa8b2d0c3d4c9e58958553513b67f84f8eac653aeeb02ae1d5672dcecf91cd9985a0e67f450191"
     "0ecba25555395427ccc7241d70dc21c190e2aadee875e5aae6bf1912837e53411dabf7a56cbf8e4fb780432b0d7fe6cec45024a0788cf5874616407757e9e6bef7"}},
    {8193,
     {"bab6c09cb8ce8cf459261398d2e7aef35700bf488116ceb94a36d0f5f1b7bc3bb2282aa69be089359ea1154b9a9286c4a56af4de975a9aa4a5c497654914d279bea6"
     "0bb6d2cf7225a2fa0ff5ef56bbe4b149f3ed15860f78b4e2ad04e158e375c1e0c0b551cd7dfc82f1b155c11b6b3ed51ec9edb30d133653bb5709d1dbd55f4e1ff6",
     "954a2a75420c8d6547e3ba5b98d963e6fa6491addc8c023189cc519821b4a1f5f03228648fd983aef045c2fa8290934b0866b615f585149587dda229903996532883"
     "5a2b18f1d63b7e300fc76ff260b571839fe44876a4eae66cbac8c67694411ed7e09df51068a22c6e67d6d3dd2cca8ff12e3275384006c80f4db68023f24eebba57",
     "af1e0346e389b17c23200270a64aa4e1ead98c61695d917de7d5b00491c9b0f12f20a01d6d622edf3de026a4db4e4526225debb93c1237934d71c7340bb5916158cb"
     "dafe9ac3225476b6ab57a12357db3abbad7a26c6e66290e44034fb08a20a8d0ec264f309994d2810c49cfba6989d7abb095897459f5425adb48aba07c5fb3c83c0"}},
    {16384,
     {"f875d6646de28985646f34ee13be9a576fd515f76b5b0a26bb324735041ddde49d764c270176e53e97bdffa58d549073f2c660be0e81293767ed4e4929f9ad34bbb3"
     "9a529334c57c4a381ffd2a6d4bfdbf1482651b172aa883cc13408fa67758a3e47503f93f87720a3177325f7823251b85275f64636a8f1d599c2e49722f42e93893",
     "9e9fc4eb7cf081ea7c47d1807790ed211bfec56aa25bb7037784c13c4b707b0df9e601b101e4cf63a404dfe50f2e1865bb12edc8fca166579ce0c70dba5a5c0fc960"
     "ad6f3772183416a00bd29d4c6e651ea7620bb100c9449858bf14e1ddc9ecd35725581ca5b9160de04060045993d972571c3e8f71e9d0496bfa744656861b169d65",
     "160e18b5878cd0df1c3af85eb25a0db5344d43a6fbd7a8ef4ed98d0714c3f7e160dc0b1f09caa35f2f417b9ef309dfe5ebd67f4c9507995a531374d099cf8ae31754"
     "2e885ec6f589378864d3ea98716b3bbb65ef4ab5e0ab5bb298a501f19a41ec19af84a5e6b428ecd813b1a47ed91c9657c3fba11c406bc316768b58f6802c9e9b57"}},
    {31744,
     {"62b6960e1a44bcc1eb1a611a8d6235b6b4b78f32e7abc4fb4c6cdcce94895c47860cc51f2b0c28a7b77304bd55fe73af663c02d3f52ea053ba43431ca5bab7bfea2f"
     "5e9d7121770d88f70ae9649ea713087d1914f7f312147e247f87eb2d4ffef0ac978bf7b6579d57d533355aa20b8b77b13fd09748728a5cc327a8ec470f4013226f",
     "efa53b389ab67c593dba624d898d0f7353ab99e4ac9d42302ee64cbf9939a4193a7258db2d9cd32a7a3ecfce46144114b15c2fcb68a618a976bd74515d47be08b628"
     "be420b5e830fade7c080e351a076fbc38641ad80c736c8a18fe3c66ce12f95c61c2462a9770d60d0f77115bbcd3782b593016a4e728d4c06cee4505cb0c08a42ec",
     "39772aef80e0ebe60596361e45b061e8f417429d529171b6764468c22928e28e9759adeb797a3fbf771b1bcea30150a020e317982bf0d6e7d14dd9f064bc11025c25"
     "f31e81bd78a921db0174f03dd481d30e93fd8e90f8b2fee209f849f2d2a52f31719a490fb0ba7aea1e09814ee912eba111a9fde9d5c274185f7bae8ba85d300a2b"}},
    {102400,
     {"bc3e3d41a1146b069abffad3c0d44860cf664390afce4d9661f7902e7943e085e01c59dab908c04c3342b816941a26d69c2605ebee5ec5291cc55e15b76146e6745f"
     "0601156c3596cb75065a9c57f35585a52e1ac70f69131c23d611ce11ee4ab1ec2c009012d236648e77be9295dd0426f29b764d65de58eb7d01dd42248204f45f8e",
     "1c35d1a5811083fd7119f5d5d1ba027b4d01c0c6c49fb6ff2cf75393ea5db4a7f9dbdd3e1d81dcbca3ba241bb18760f207710b751846faaeb9dff8262710999a59b2"
     "aa1aca298a032d94eacfadf1aa192418eb54808db23b56e34213266aa08499a16b354f018fc4967d05f8b9d2ad87a7278337be9693fc638a3bfdbe314574ee6fc4",
     "4652cff7a3f385a6103b5c260fc1593e13c778dbe608efb092fe7ee69df6e9c6d83a3e041bc3a48df2879f4a0a3ed40e7c961c73eff740f3117a0504c2dff4786d44"
     "fb17f1549eb0ba585e40ec29bf7732f0b7e286ff8acddc4cb1e23b87ff5d824a986458dcc6a04ac83969b80637562953df51ed1a7e90a7926924d2763778be8560"}},
};

static void test_vectors(void) {
  enum { XOF = 131 };
  uint8_t *in = xmalloc(102400);
  fill_251(in, 102400);
  for (size_t v = 0; v < sizeof VECTORS / sizeof VECTORS[0]; v++) {
    size_t n = VECTORS[v].len;
    for (int mode = 0; mode < 3; mode++) {
      uint8_t want[XOF], got[XOF + 1], refo[XOF];
      unhex(VECTORS[v].hex[mode], want, XOF);
      /* the kernel: full extended output, and the default 32 bytes */
      memset(got, 0xa5, sizeof got);
      kernel(mode, in, n, got, XOF);
      CHECK(memcmp(got, want, XOF) == 0 && got[XOF] == 0xa5, "vector %s len %zu: %d-byte output",
            MODE[mode], n, XOF);
      memset(got, 0xa5, sizeof got);
      kernel(mode, in, n, got, 32);
      CHECK(memcmp(got, want, 32) == 0 && got[32] == 0xa5, "vector %s len %zu: 32 bytes", MODE[mode], n);
      /* a shorter prefix, and an output that starts in the middle */
      kernel(mode, in, n, got, 7);
      CHECK(memcmp(got, want, 7) == 0, "vector %s len %zu: 7 bytes", MODE[mode], n);
      /* streaming, SIMD and portable, byte at a time for the short ones */
      for (int portable = 0; portable < 2; portable++) {
        stream(mode, portable, in, n, 6, 11 + v, 0, got, XOF);
        CHECK(memcmp(got, want, XOF) == 0, "vector %s len %zu: streamed, portable %d", MODE[mode],
              n, portable);
        stream(mode, portable, in, n, 6, 11 + v, 50, got, XOF - 50);
        CHECK(memcmp(got, want + 50, XOF - 50) == 0, "vector %s len %zu: seek 50, portable %d",
              MODE[mode], n, portable);
      }
      if (n <= 2049) {
        pw_blake3_state s;
        state_init(&s, mode, 0);
        for (size_t i = 0; i < n; i++) pw_blake3_update(&s, in + i, 1);
        pw_blake3_finalize(&s, 0, got, XOF);
        CHECK(memcmp(got, want, XOF) == 0, "vector %s len %zu: byte at a time", MODE[mode], n);
      }
      /* the reference of this file */
      ref(mode, in, n, 0, refo, XOF);
      CHECK(memcmp(refo, want, XOF) == 0, "reference %s len %zu", MODE[mode], n);
    }
  }
  /* Zero-length output, NULL pointers. */
  pw_blake3(NULL, 0, NULL, 0);
  pw_blake3_keyed(NULL, 0, (const uint8_t *)VEC_KEY, NULL, 0);
  pw_blake3_derive_key(VEC_CONTEXT, strlen(VEC_CONTEXT), NULL, 0, NULL, 0);
  uint8_t e[32], w[32];
  pw_blake3(NULL, 0, e, 32);
  unhex(VECTORS[0].hex[0], w, 32);
  CHECK(memcmp(e, w, 32) == 0, "blake3(NULL, 0)");
  pw_blake3_state s;
  pw_blake3_init(&s);
  pw_blake3_update(&s, NULL, 0);
  pw_blake3_finalize(&s, 0, NULL, 0);
  pw_blake3_finalize(&s, 0, e, 32);
  CHECK(memcmp(e, w, 32) == 0, "streamed empty input");
  free(in);
}

/* ---------------------------------------------------------------------- */
/* Against the reference                                                  */
/* ---------------------------------------------------------------------- */

/* One input: kernel, streamed (SIMD and portable) and seeks vs reference. */
static void check_input(int mode, const uint8_t *p, size_t n, uint64_t seed, int pieces,
                        size_t out_len) {
  uint8_t want[200], got[200];
  uint64_t r = seed;
  ref(mode, p, n, 0, want, out_len);
  kernel(mode, p, n, got, out_len);
  CHECK(memcmp(got, want, out_len) == 0, "%s seed %" PRIu64 " len %zu: one-shot", MODE[mode],
        seed, n);
  for (int portable = 0; portable < 2; portable++) {
    stream(mode, portable, p, n, pieces, seed, 0, got, out_len);
    CHECK(memcmp(got, want, out_len) == 0, "%s seed %" PRIu64 " len %zu: streamed, portable %d",
          MODE[mode], seed, n, portable);
  }
  size_t seek = (size_t)below(&r, out_len), k = (size_t)below(&r, out_len - seek + 1);
  stream(mode, 0, p, n, pieces, seed + 1, seek, got, k);
  CHECK(memcmp(got, want + seek, k) == 0, "%s seed %" PRIu64 " len %zu: seek %zu len %zu",
        MODE[mode], seed, n, seek, k);
}

/* Every length 0..2100; lengths around chunk and subtree boundaries. */
static void test_lengths(void) {
  const size_t max = (1u << 20) + 2048;
  uint8_t *buf = xmalloc(max);
  for (size_t n = 0; n <= 2100; n++) {
    fill_random(buf, n, 500 + n);
    check_input((int)(n % 3), buf, n, 500 + n, 3, 1 + n % 140);
  }
  /* every chunk count up to past the kernels' one-shot limit (64 chunks),
   * whole and with a random tail: odd counts at every level of the tree */
  uint64_t r = 77;
  for (size_t k = 1; k <= 66; k++)
    for (int tail = 0; tail < 2; tail++) {
      size_t n = k * 1024 + (tail ? (size_t)below(&r, 1024) : 0);
      fill_random(buf, n, 9000 + n);
      check_input((int)((k + (size_t)tail) % 3), buf, n, 9000 + n, 3, 32 + k);
    }
  /* k chunks, minus and plus a byte, for k around powers of two */
  for (size_t e = 1; e <= 1024; e *= 2)
    for (size_t k = e > 1 ? e - 1 : e; k <= e + 1; k++)
      for (int d = -1; d <= 1; d++) {
        size_t n = k * 1024 + (size_t)d;
        if (n > max) continue;
        fill_random(buf, n, 7000 + n);
        for (int mode = 0; mode < 3; mode++) check_input(mode, buf, n, 7000 + n + (size_t)mode, 4, 65);
      }
  free(buf);
}

/* Outputs far into the stream: counters above 2^32 blocks. */
static void test_seek(void) {
  uint8_t in[3000], want[300], got[300];
  fill_random(in, sizeof in, 99);
  static const uint64_t seeks[] = {0, 1, 63, 64, 65, 1000, UINT64_C(0xffffffff) * 64 - 7,
                                   UINT64_C(0x100000000) * 64 + 3, UINT64_C(0x123456789abcd)};
  for (size_t i = 0; i < sizeof seeks / sizeof seeks[0]; i++)
    for (size_t n = 0; n < sizeof in; n += 1100) {
      for (int mode = 0; mode < 3; mode++) {
        ref(mode, in, n, seeks[i], want, sizeof want);
        pw_blake3_state s;
        state_init(&s, mode, 0);
        pw_blake3_update(&s, in, n);
        pw_blake3_state copy = s;
        pw_blake3_finalize(&s, seeks[i], got, sizeof got);
        CHECK(memcmp(got, want, sizeof want) == 0, "%s len %zu seek %" PRIu64, MODE[mode], n,
              seeks[i]);
        CHECK(memcmp(&copy, &s, sizeof s) == 0, "finalize changed the state");
      }
    }
  /* A long output equals its slices. */
  uint8_t *longo = xmalloc(5000);
  pw_blake3(in, 2500, longo, 5000);
  uint64_t r = 3;
  for (int i = 0; i < 200; i++) {
    size_t seek = (size_t)below(&r, 5000), k = (size_t)below(&r, 5000 - seek + 1);
    pw_blake3_state s;
    pw_blake3_init(&s);
    pw_blake3_update(&s, in, 2500);
    uint8_t *o = xmalloc(k);
    pw_blake3_finalize(&s, seek, o, k);
    CHECK(memcmp(o, longo + seek, k) == 0, "slice seek %zu len %zu", seek, k);
    free(o);
  }
  free(longo);
}

/* The state is plain data: copy it mid-stream and go on with the copy;
 * finalize, then keep updating. */
static void test_state(void) {
  size_t n = 300000;
  uint8_t *buf = xmalloc(n), want[32], got[32];
  fill_random(buf, n, 1234);
  pw_blake3(buf, n, want, 32);
  pw_blake3_state a, *b = xmalloc(sizeof *b + 8);
  pw_blake3_init(&a);
  pw_blake3_update(&a, buf, 70001);
  pw_blake3_finalize(&a, 0, got, 32); /* an intermediate digest */
  memcpy((uint8_t *)b + 8, &a, sizeof a);
  memset(&a, 0xee, sizeof a);
  pw_blake3_state *c = (pw_blake3_state *)((uint8_t *)b + 8);
  pw_blake3_update(c, buf + 70001, n - 70001);
  pw_blake3_finalize(c, 0, got, 32);
  CHECK(memcmp(got, want, 32) == 0, "copied state");
  free(b);
  free(buf);
}

/* Large inputs (more than one parallel batch for 32 threads), odd lengths. */
static void test_large(void) {
  static const size_t lens[] = {(128u << 10) + 1, (256u << 10), (256u << 10) + 1,
                                (256u << 10) + 1025, (1u << 20) + 1023, (3u << 20) + 12345, (8u << 20), (9u << 20) + 5};
  size_t max = (9u << 20) + 5;
  uint8_t *buf = xmalloc(max + 1), want[65], got[65];
  for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
    size_t n = lens[i];
    uint64_t seed = 31 + i;
    fill_random(buf, n + 1, seed);
    int mode = (int)(i % 3);
    const uint8_t *p = buf + (i & 1); /* unaligned too */
    ref(mode, p, n, 0, want, 65);
    kernel(mode, p, n, got, 65);
    CHECK(memcmp(got, want, 65) == 0, "large %s len %zu", MODE[mode], n);
    for (int portable = 0; portable < 2; portable++) {
      stream(mode, portable, p, n, 7, seed, 0, got, 65);
      CHECK(memcmp(got, want, 65) == 0, "large %s len %zu streamed portable %d", MODE[mode], n,
            portable);
    }
  }
  free(buf);
}

#if PW_BLAKE3_HAVE_X4
/* The 4-way compressor alone against the reference compression: chunk and
 * parent shapes, counters that carry into the high word, odd flags. */
static void test_x4(void) {
  uint8_t in[4 * 1024 + 64], out[128];
  static const uint64_t counters[] = {0, 1, UINT64_C(0xfffffffe), UINT64_C(0xffffffff),
                                      UINT64_C(0x1234567800000003)};
  uint64_t r = 8;
  for (size_t ci = 0; ci < sizeof counters / sizeof counters[0]; ci++)
    for (size_t nblocks = 1; nblocks <= 16; nblocks += 5) {
      fill_random(in, sizeof in, 300 + ci * 16 + nblocks);
      uint32_t key[8];
      for (int i = 0; i < 8; i++) key[i] = (uint32_t)splitmix64(&r);
      unsigned step = (unsigned)(nblocks & 1);
      uint8_t flags = (uint8_t)below(&r, 128), fs = (uint8_t)below(&r, 128),
              fe = (uint8_t)below(&r, 128);
      const uint8_t *lanes[4] = {in + 3 * 1024, in + 17, in + 1024 + 64, in + 1};
      pw_blake3__x4(lanes, nblocks, key, counters[ci], step, flags, fs, fe, out);
      for (int lane = 0; lane < 4; lane++) {
        uint32_t cv[8], o[16];
        memcpy(cv, key, 32);
        for (size_t b = 0; b < nblocks; b++) {
          uint32_t f = flags | (b == 0 ? fs : 0) | (b + 1 == nblocks ? fe : 0);
          r_compress(cv, lanes[lane] + 64 * b, 64, counters[ci] + (uint64_t)lane * step, f, o);
          memcpy(cv, o, 32);
        }
        uint8_t want[32];
        for (int i = 0; i < 32; i++) want[i] = (uint8_t)(cv[i / 4] >> (8 * (i % 4)));
        CHECK(memcmp(out + 32 * lane, want, 32) == 0,
              "x4 counter %" PRIx64 " nblocks %zu lane %d", counters[ci], nblocks, lane);
      }
    }
}
#endif

/* One compression (the row-parallel wasm SIMD one where built, else the
 * portable one) against the reference compression and against the
 * portable path: random CVs, blocks, lengths, flags and counters. */
static void test_compress(void) {
  static const uint64_t counters[] = {0, 1, UINT64_C(0xffffffff), UINT64_C(0x100000000),
                                      UINT64_C(0x1234567800000003), UINT64_MAX};
  uint64_t r = 21;
  for (int t = 0; t < 600; t++) {
    uint32_t cv[8], o[16];
    uint8_t block[64], got[64], port[64], want[64];
    for (int i = 0; i < 8; i++) cv[i] = (uint32_t)splitmix64(&r);
    fill_random(block, sizeof block, 1000 + (uint64_t)t);
    uint32_t len = (uint32_t)below(&r, 65), flags = (uint32_t)below(&r, 128);
    uint64_t ctr = t < 6 ? counters[t] : splitmix64(&r);
    pw_blake3__compress_xof(cv, block, len, ctr, flags, 0, got);
    pw_blake3__compress_xof(cv, block, len, ctr, flags, 1, port);
    r_compress(cv, block, len, ctr, flags, o);
    for (int i = 0; i < 64; i++) want[i] = (uint8_t)(o[i / 4] >> (8 * (i % 4)));
    CHECK(memcmp(got, want, 64) == 0, "compress %d counter %" PRIx64 " len %u flags %u", t, ctr,
          len, flags);
    CHECK(memcmp(port, want, 64) == 0, "portable compress %d", t);
  }
}

#ifdef PW_TEST_FAKE_POOL
/* Cancelled parallel loops: no crash, no leak (the result is discarded). */
static void test_cancel(void) {
  size_t n = 3u << 20;
  uint8_t *buf = xmalloc(n), out[32];
  fill_random(buf, n, 5);
  fake_cancel = 1;
  pw_blake3(buf, n, out, 32);
  pw_blake3_keyed(buf, n, (const uint8_t *)VEC_KEY, out, 32);
  pw_blake3_state s;
  pw_blake3_init(&s);
  pw_blake3_update(&s, buf, n);
  fake_cancel = 0;
  free(buf);
}
#endif

int main(void) {
  test_compress();
#if PW_BLAKE3_HAVE_X4
  test_x4();
#endif
  test_vectors();
  test_lengths();
  test_seek();
  test_state();
#ifdef PW_TEST_FAKE_POOL
  static const int threads[] = {2, 3, 32};
  for (size_t i = 0; i < sizeof threads / sizeof threads[0]; i++) {
    fake_threads = threads[i];
    test_large();
    test_state();
  }
  test_cancel();
#else
  test_large();
#endif
  return test_summary("test_blake3");
}
