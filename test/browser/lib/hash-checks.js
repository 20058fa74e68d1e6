// Hash checks shared by the browser suites: the one-shot kernels,
// createHash() and hashMany() of a core (synchronous) or a pool (async, the
// shared-memory pool or the fallback), against the browser's own
// crypto.subtle (SHA-256, SHA-1) and the JS CRC-32 reference, plus BLAKE3's
// published empty-input vector.
import { assert, equal, rejects } from './runner.js';
import { fillRandom, refCrc32 } from '../../lib/ref.js';

const toHex = (u8) => Array.from(u8, (b) => b.toString(16).padStart(2, '0')).join('');
const subtleHex = async (alg, v) => toHex(new Uint8Array(await crypto.subtle.digest(alg, v)));
const BLAKE3_EMPTY = 'af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262';

/**
 * Adds the hash tests to suite s. `target` is a core or a pool; `label`
 * names it; `alloc` (optional) gives views of its memory.
 */
export async function hashChecks(s, target, label) {
  const data = fillRandom(new Uint8Array((5 << 20) + 7), 0xb1a4e3);
  const sizes = [0, 1, 55, 56, 64, 1000, 1024, 1025, 65536 + 3, 1 << 20, data.length];

  await s.test(`${label}: sha256, sha1 and blake3 kernels equal crypto.subtle and the published vector`, async () => {
    for (const n of sizes) {
      const v = data.subarray(0, n);
      equal(toHex(await target.sha256(v)), await subtleHex('SHA-256', v), `sha256 of ${n} bytes`);
      equal(toHex(await target.sha1(v)), await subtleHex('SHA-1', v), `sha1 of ${n} bytes`);
    }
    equal(toHex(await target.blake3(new Uint8Array(0))), BLAKE3_EMPTY, 'blake3 of nothing');
    equal((await target.blake3(data, 100)).length, 100, 'blake3 with 100 bytes of output');
    equal(typeof (await target.xxh64(data)), 'bigint', 'xxh64 is a bigint');
  });

  await s.test(`${label}: createHash in pieces equals one-shot; digest encodings`, async () => {
    for (const alg of ['sha256', 'blake3', 'xxh3', 'md5', 'crc32']) {
      const h = target.createHash(alg);
      for (let off = 0; off < data.length; off += 300_001) h.update(data.subarray(off, off + 300_001));
      const got = await h.digest('hex');
      const one = await target.hashMany(alg, [data], { encoding: 'hex' });
      equal(got, one[0], `${alg}: streamed = hashMany`);
    }
    equal(await target.createHash('sha256').update(data).digest('hex'), await subtleHex('SHA-256', data), 'sha256 streamed vs subtle');
    equal(await target.createHash('crc32').update(data).digest('hex'), refCrc32(data).toString(16).padStart(8, '0'), 'crc32 streamed vs JS reference');
    const b64 = await target.createHash('sha1').update('abc').digest('base64');
    equal(b64, 'qZk+NkcGgWq6PiVxeFDCbJzQ2J0=', 'sha1("abc") in base64');
  });

  await s.test(`${label}: hashMany of 200 inputs equals crypto.subtle; bad input is a TypeError`, async () => {
    const views = Array.from({ length: 200 }, (_, i) => data.subarray(i * 997, i * 997 + (i * 131) % 5000));
    const got = await target.hashMany('sha256', views, { encoding: 'hex' });
    equal(got.length, 200, 'one result per input');
    for (let i = 0; i < views.length; i++) equal(got[i], await subtleHex('SHA-256', views[i]), `input ${i}`);
    const crcs = await target.hashMany('crc32', views.slice(0, 20));
    for (let i = 0; i < 20; i++) equal(crcs[i], refCrc32(views[i]), `crc32 of input ${i}`);
    let err;
    try {
      await target.hashMany('sha256', [data, 42]);
    } catch (e) {
      err = e;
    }
    assert(err instanceof TypeError && /views\[1\]/.test(err.message), `hashMany with a number: ${err}`);
    if (target.threads !== undefined) await rejects(Promise.resolve().then(() => target.createHash('nope').digest()), { Ctor: TypeError }, 'unknown algorithm');
  });
}
