// A TypeScript user of parawasm, type-checked (never run) by
//   node_modules/.bin/tsc -p test/types/tsconfig.json
// against the built package's declarations (pkg/index.d.ts). The
// lines marked ts-expect-error are misuse that must stay a type error.
import {
  loadCore, createPool, hex, ParawasmError, AbortError, PoolCrashedError, PoolDestroyedError, HASH_ALGORITHMS,
} from '../../pkg/index.js';
import type {
  Core, Pool, PoolStats, CallOptions, CreatePoolOptions, AsyncHash, HashAlgorithm, HashValue, HashValueOf, SyncHash,
  Image, ImageResult, ImageInfo, ImageStats, ImageHistogram, NumericArray, PixelData, DigestEncoding,
} from '../../pkg/index.js';

const bytes = new Uint8Array(16);

// ---------------------------------------------------------------- core
const core: Core = await loadCore();
const c1: number = core.crc32(bytes);
const c2: number = core.crc32(new DataView(bytes.buffer), c1);
const c3: number = core.crc32c(new Float64Array(2));
const a1: number = core.adler32(bytes, 1);
const comb: number = core.crc32Combine(c1, c2, 16) ^ core.crc32cCombine(c3, c3, 16n) ^ core.adler32Combine(a1, a1, 0);
const upper: number = core.asciiUpper(bytes);
const heap: number = core.heapSize;
const u8: Uint8Array = core.alloc(64);
const f32: Float32Array = core.alloc(64, Float32Array);
const dv: DataView = core.alloc(8, DataView);
const big: BigUint64Array = core.alloc(16, BigUint64Array);
// a subclass with members of its own keeps its type (Node's Buffer too)
class Vec3 extends Float64Array { norm(): number { return Math.hypot(...this); } }
const vec: Vec3 = core.alloc(24, Vec3);
const vecNorm: number = vec.norm();
const whole: Uint8Array = core.view(f32);
const part: Float64Array = core.view(u8, Float64Array, 8, 4);
// @ts-expect-error: view() takes a view from alloc(), not a size
core.view(64);
void whole;
void part;
core.free(u8);
core.free(f32);
core.free(dv);
core.free(big);

// ---------------------------------------------------------------- pool
const options: CreatePoolOptions = { threads: 2, spin: 0 };
const pool: Pool = await createPool(options);
await createPool();
const poolState: 'ready' | 'destroyed' | 'crashed' = pool.state;
const invoked: Promise<unknown> = pool.invoke('crc32', [new Uint8Array(4)]);
const invokedCore: unknown = core.invoke('crc32', [new Uint8Array(4)]);
// @ts-expect-error: invoke takes the arguments as an array
core.invoke('crc32', new Uint8Array(4));
const ac = new AbortController();
const callOptions: CallOptions = { signal: ac.signal };
const p1: number = await pool.crc32(bytes);
const p2: number = await pool.crc32(bytes, { signal: ac.signal });
const p3: number = await pool.crc32(bytes, p1, callOptions);
const p4: number = await pool.adler32Combine(1, 1, 5n, { signal: ac.signal });
const pending: Promise<number> = pool.crc32c(bytes);
const shared: Float64Array = pool.alloc(64, Float64Array);
const sharedBytes: Uint8Array = pool.view(shared);
void sharedBytes;
pool.free(shared);
// a view of the memory is a SharedArrayBuffer's where threads share it:
// its buffer is not typed an ArrayBuffer (TypeScript 5.7 and later name a
// typed array's buffer in its type; before, a SharedArrayBuffer passed for
// an ArrayBuffer, and the three lines below were no errors)
const anyBuffer: ArrayBufferLike = pool.alloc(8, Float64Array).buffer;
void anyBuffer;
// @ts-expect-error: alloc() with a constructor: the buffer may be shared
const onlyAB: ArrayBuffer = pool.alloc(8, Float64Array).buffer;
// @ts-expect-error: view(): likewise
const onlyAB2: ArrayBuffer = core.view(u8, Int16Array, 0, 2).buffer;
// @ts-expect-error: a DataView of the memory: likewise
const onlyAB3: ArrayBuffer = core.alloc(8, DataView).buffer;
const stats: PoolStats = pool.stats();
const state: 'ready' | 'destroyed' | 'crashed' = stats.state;
const counts: number = stats.threads + stats.queued + stats.running + stats.done + stats.bytesCopied + stats.heapSize;
const threads: number = pool.threads;
const isShared: boolean = pool.isShared;
const ended: Promise<void> = pool.destroy();
await ended;

// --------------------------------------------------------------- hex
const h: string = hex(c1) + hex(123n) + hex(bytes);

// ------------------------------------------------------------ errors
try {
  await pool.crc32(bytes);
} catch (e) {
  if (e instanceof AbortError || e instanceof PoolCrashedError || e instanceof PoolDestroyedError) {
    const base: ParawasmError = e;
    const code: string = base.code;
    const msg: string = e.message;
    void code, msg;
  }
}
const own = new ParawasmError('message', 'ERR_X', { cause: 1 });
const err: Error = own;

// ------------------------------------------------------------ hashes
const sh = core.createHash('crc32');
const shBytes: Uint8Array = sh.update(bytes).update('text').digest();
const shHex: string = core.createHash('crc32c').update(bytes).digest('hex');
const many: HashValue[] = core.hashMany('adler32', [bytes, 'abc']);
const manyHex: string[] = core.hashMany('xxh64', [bytes], { encoding: 'hex', seed: 1n });
const ah: AsyncHash = pool.createHash('blake3', { outputLength: 64, context: 'app v1' });
ah.update(bytes).update(pool.alloc(4));
await ah.flush();
const ahB64: string = await ah.digest('base64');
const pm: string[] = await pool.hashMany('sha256', new Set([bytes]), { encoding: 'hex', signal: ac.signal });
const pmv: HashValue[] = await pool.hashMany('xxh3', [bytes]);
// without an encoding, each algorithm's own kind, as its one-shot kernel returns it
const crcs: number[] = await pool.hashMany('crc32', [bytes]);
const firstCrc: number | undefined = core.hashMany('CRC32C', [bytes])[0];
const x32s: number[] = core.hashMany('xxh32', [bytes], { seed: 1 });
const x128s: bigint[] = await pool.hashMany('xxh128', [bytes]);
const md5s: Uint8Array[] = core.hashMany('md5', [bytes]);
const b3s: Uint8Array[] = await pool.hashMany('blake3', [bytes], { outputLength: 8 });
const mixed: (number | bigint)[] = core.hashMany(Math.random() < 2 ? 'adler32' : 'xxh64', [bytes]);
const anyKind: HashValue[] = core.hashMany(anyAlgName(), [bytes]);
const kindOf: HashValueOf<'SHA1'>[] = core.hashMany('md5', [bytes]);
// @ts-expect-error: crc32's results are numbers
const crcBig: bigint[] = core.hashMany('crc32', [bytes]);
// @ts-expect-error: xxh64's are bigints
const x64Num: number[] = await pool.hashMany('xxh64', [bytes]);
// @ts-expect-error: sha256's are bytes
const shaNum: number[] = core.hashMany('sha256', [bytes]);
// @ts-expect-error: a union of kinds is not one of them
const mixedNum: number[] = core.hashMany(Math.random() < 2 ? 'adler32' : 'xxh64', [bytes]);
const algs: readonly HashAlgorithm[] = HASH_ALGORITHMS;
const shashed: SyncHash = core.createHash('md5');
const anyAlg = HASH_ALGORITHMS[0] as HashAlgorithm;
function anyAlgName(): HashAlgorithm { return anyAlg; } // a name known only at run time: the options of any algorithm
core.createHash(anyAlg, { seed: 1 }).dispose();
core.createHash('xxh128', { seed: 2n }).dispose();
const fromHex: string = core.createHash('sha256').update('616263', 'hex').digest('hex');
// @ts-expect-error: no such input encoding
core.createHash('sha256').update('abc', 'utf32');
shashed.dispose();

// ------------------------------------------------------------ images
const rgba: Image = { data: new Uint8ClampedArray(16), width: 2, height: 2 };
const fromImageData: Image = new ImageData(2, 2);
const small: ImageResult = core.image.resize(rgba, 1);
const small2: ImageResult = core.image.resize(rgba, null, 1, { filter: 'mitchell' });
const blurred: ImageResult<PixelData> = core.image.blur(fromImageData, 2, { dst: rgba });
// a result's data is dst's own: its type too
const intoU8: ImageResult<Uint8Array> = core.image.invert(rgba, { dst: new Uint8Array(16) });
const intoImage: Uint8Array = (await pool.image.blur(rgba, 1, { dst: { data: new Uint8Array(16), width: 2, height: 2 } })).data;
const intoClamped: Uint8ClampedArray = core.image.resize(rgba, 2, 2, { dst: new ImageData(2, 2) }).data;
const made2: Uint8ClampedArray = core.image.convolve(rgba, 'edge', { bias: 1 }).data;
const bare: ImageResult = core.image.invert(new Uint8Array(4), { width: 2, height: 2, channels: 1 });
const conv: ImageResult = core.image.convolve(rgba, [[0, -1, 0], [-1, 5, -1], [0, -1, 0]], { bias: 1 });
// the main argument in the options, as the run time takes it
const convInOptions: ImageResult = core.image.convolve(rgba, { kernel: [1, 2, 1], kernelHeight: 1 });
const matrixInOptions: ImageResult = core.image.colorMatrix(rgba, { matrix: [1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0] });
const ext: ImageResult = core.image.extend(rgba, { top: 2, background: '#ffffff80' });
const rot: ImageResult = core.image.rotate(rgba, 90);
const cropped: ImageResult = core.image.crop(rgba, { left: 1, width: 1 });
const comp: ImageResult = core.image.composite(rgba, small, { left: -1, opacity: 0.5 });
const st: ImageStats = core.image.stats(rgba);
const hi: ImageHistogram = core.image.histogram(core.image.toGrey(rgba));
const info: ImageInfo = core.image.info(new ArrayBuffer(8));
const png: Uint8Array = core.image.encodePng(rgba);
const jpg: Uint8Array = core.image.encode(rgba, { format: 'jpeg', quality: 80 });
const dec: ImageResult = core.image.decode(png, { channels: 1 });
const decs: ImageResult[] = core.image.decodeMany([png, jpg]);
const pooled: Promise<ImageResult> = pool.image.sharpen(rgba, { sigma: 1, amount: 2, signal: ac.signal });
const thumb: Uint8Array = await pool.image.chain(png, { signal: ac.signal }).resize(100).sharpen().encodeJpeg(80);
const ran: ImageResult = core.image.chain(rgba).flip().gamma(2.2).run();
const pdecs: ImageResult[] = await pool.image.decodeMany(new Set([png]));
pool.image.free(await pooled);
core.image.free(ran);
const made: ImageResult = pool.image.create(4, 4, { channels: 1 });

// ------------------------------------------------------------ arrays
const f64 = new Float64Array(8);
const sorted: Float64Array = core.array.sort(f64, { descending: true });
const order: Uint32Array = core.array.argsort(new BigInt64Array(4));
const orderInto: Uint32Array = core.array.argsort(f64, { out: new Uint32Array(8) });
// @ts-expect-error: argsort's out is a Uint32Array
core.array.argsort(f64, { out: new Float64Array(8) });
const digestInto: Promise<Uint8Array> = pool.sha256(new Uint8Array(3), { out: pool.alloc(32) });
const byKey: Promise<Uint32Array> = pool.array.sortByKey(f64, [new Int8Array(8), new Float32Array(8)], { signal: ac.signal });
const kthBig: bigint = core.array.kth(new BigUint64Array(3), 1);
const kthNum: number = core.array.kth(new Int16Array(3), 1);
const qs: Float64Array = core.array.quantiles(new Uint8ClampedArray(3), [0.1, 0.9]);
const med: number = await pool.array.median(f64);
const top: { values: Float32Array; indices: Uint32Array } = core.array.topk(new Float32Array(5), 2, { smallest: true });
const pos: Uint32Array = core.array.searchSorted(f64, [1, 2], { right: true });
const pos1: number = core.array.searchSorted(new BigInt64Array(2), 5n);
const uniq: { values: Int32Array; counts: Uint32Array } = core.array.unique(new Int32Array(3));
const sumN: number = core.array.sum(new Uint32Array(3));
const sumB: bigint = core.array.sum(new Int32Array(3), { bigint: true });
const sumB64: bigint = await pool.array.sum(new BigInt64Array(3));
const mm: { min: number; argmin: number } = core.array.min(f64);
const mx: { max: bigint; argmax: number } = core.array.max(new BigInt64Array(2));
const v: number = core.array.variance(f64, { ddof: 1 });
const cs: Int16Array = core.array.cumsum(new Int16Array(3), { exclusive: true });
const hist: Uint32Array = core.array.histogram(f64, { bins: 4, lo: 0, hi: 1 });
const hist2: Uint32Array = core.array.histogram(f64, { edges: [0, 1, Infinity] });
const conv32: Float32Array = core.array.convert(new Uint8Array(4), new Float32Array(4), { normalize: true });
const conv2: NumericArray = core.array.convert(f64, Int8Array);
const conv8: Uint8Array = core.array.convert(new Float32Array(3), Uint8Array, { normalize: true });
// found by a review of the types against the run time: calls the run time takes
const big64 = BigInt64Array.of(1n, 5n);
const bigSum: bigint = core.array.sum(big64, { bigint: true });
const anyArray: NumericArray = f64;
const anySum: number | bigint = core.array.sum(anyArray);
const flag = Math.random() > 2;
const flagSum: number | bigint = core.array.sum(new Int8Array(2), { bigint: flag });
const at: number = core.array.searchSorted(big64, 2);
const ats: Uint32Array = core.array.searchSorted(big64, [1, 2n]);
const clamped: BigInt64Array = core.array.clamp(big64, 1, 2n);
const clampedAts: Uint32Array = core.array.searchSorted(new Uint8ClampedArray(4), Uint8Array.of(1, 2));
const qsConst: Float64Array = core.array.quantiles(f64, [0.5, 0.99] as const);
const edges: readonly number[] = [0, 1, 2];
const histEdges: Uint32Array = core.array.histogram(f64, { edges });
const upperName: string = core.createHash('SHA256').update('abc').digest('hex');
const upperMany: string[] = core.hashMany('XXH3', [bytes], { encoding: 'hex', seed: 1 });
const enc = 'hex' as DigestEncoding;
const encoded: string | Uint8Array = core.createHash('md5').digest(enc);
const encodedMany: (string | Uint8Array)[] = core.hashMany('md5', [bytes], { encoding: enc });
const bytesMany: Uint8Array[] = core.hashMany('md5', [bytes], { encoding: 'bytes' });
const stepped: ImageResult = core.image.chain(rgba).blur({ sigma: 1 }).rotate({ angle: 90 }).gamma({ gamma: 2 })
  .threshold({ threshold: 9 }).boxBlur(1, { onProgress: () => {} }).invert({ onProgress: () => {} }).run();
// a new digest is an ArrayBuffer's: a Blob takes it; with out, the call returns out as it is
const blob = new Blob([core.sha256(bytes)]);
const intoClampedDigest: Uint8ClampedArray = core.sha256(bytes, { out: new Uint8ClampedArray(32) });
const pooledDigest: Uint8Array = await pool.blake3(bytes);
// so are the encoders' files, histograms, hashes' digests and the arrays' new results (on a pool too)
const jpgBlob = new Blob([await pool.image.encodeJpeg(rgba, 85)], { type: 'image/jpeg' });
const pngResponse = new Response(core.image.encodePng(rgba));
const fileDigest: Promise<ArrayBuffer> = crypto.subtle.digest('SHA-256', core.image.encode(rgba));
const chainBlob = new Blob([await pool.image.chain(png).resize(8).encodeJpeg(80), core.image.chain(rgba).encode()]);
const orderBlob = new Blob([core.array.argsort(new Float64Array([2, 1])), await pool.array.histogram(f64)]);
const rgbaHist = core.image.histogram(rgba);
if ('r' in rgbaHist) new Blob([rgbaHist.r]);
const digestBlob = new Blob([core.createHash('sha1').digest(), await pool.createHash('md5').digest('bytes')]);
const sumsBlob = new Blob([core.array.cumsum(pool.alloc(16, Int32Array)), (await pool.array.unique(f64)).values]);
// @ts-expect-error: a pool's image is a view of its shared memory (TypeScript 5.7 and later, as above)
new Blob([(await pool.image.blur(rgba, 1)).data]);
// @ts-expect-error: with options.out the result is out, here a view of the pool's memory
new Blob([await pool.array.cumsum(f64, { out: pool.alloc(64, Float64Array) })]);
// with out, out's own type
class Tagged16 extends Int16Array { tag = 1; }
const outTagged: Tagged16 = core.array.clamp(new Int16Array(2), 0, 1, { out: new Tagged16(2) });
// an out that may be there or not: either
const maybeOut: { out?: Float64Array } = Math.random() > 2 ? { out: pool.alloc(64, Float64Array) } : {};
const cumMaybe: Float64Array = await pool.array.cumsum(f64, maybeOut);
// @ts-expect-error: likewise, not an ArrayBuffer's
new Blob([core.array.matvec(f64, f64, maybeOut)]);
// a core's new image is unshared memory: ImageData takes it
const shown = new ImageData(core.image.invert(rgba).data, 2, 2);
const shownChain = new ImageData(core.image.chain(rgba).flip().run().data, 2, 2);
const sabInfo: ImageInfo = core.image.info(new SharedArrayBuffer(8));
const aborted = new AbortError('stopped', { cause: new Error('user') });
const destroyed: ParawasmError = new PoolDestroyedError();
const failedAt: number | undefined = aborted.index;
// @ts-expect-error: a constructor gives an array of its own type
const conv8wrong: Float32Array = core.array.convert(new Float32Array(3), Uint8Array);
// @ts-expect-error: bigint sums are of integer arrays
core.array.sum(new Float64Array(3), { bigint: true });
// @ts-expect-error: loadCore takes no options
await loadCore({ threads: 2 });
const prod: Float32Array = core.array.matmul(new Float32Array(4), new Float32Array(4), { m: 2 });
const tr: Uint8Array = core.array.transpose(new Uint8Array(6), { rows: 2 });
const ax: Float64Array = core.array.axpy(2, f64, f64);
const cl: BigInt64Array = core.array.clamp(new BigInt64Array(2), 0n, 5n);

// ------------------------------------------------------------ misuse
// @ts-expect-error: a plain array is not a typed array
core.array.sort([3, 1, 2]);
// @ts-expect-error: dot takes float arrays
core.array.dot(new Int32Array(2), new Int32Array(2));
// @ts-expect-error: a pool array call is a promise
const notSorted: Float64Array = pool.array.sort(f64);
// @ts-expect-error: matmul needs its shape
core.array.matmul(new Float32Array(4), new Float32Array(4));
// @ts-expect-error: an empty shape is none (the run time refuses it)
core.array.matmul(new Float32Array(4), new Float32Array(4), {});
// @ts-expect-error: transpose needs rows or cols
core.array.transpose(new Uint8Array(6), {});
// @ts-expect-error: edges or bins, not both
core.array.histogram(f64, { edges: [0, 1], bins: 3 });
// @ts-expect-error: no such filter
core.image.resize(rgba, 4, 4, { filter: 'lanczos5' });
// @ts-expect-error: written to a Uint8Array, the result's data is no Uint8ClampedArray
const notClamped: Uint8ClampedArray = core.image.invert(rgba, { dst: new Uint8Array(16) }).data;
// @ts-expect-error: options are checked as before (no such option)
core.image.invert(rgba, { dst: new Uint8Array(16), dts: 1 });
// @ts-expect-error: a pool image call is a promise
const notAnImage: ImageResult = pool.image.flip(rgba);
// @ts-expect-error: the core takes no signal
core.image.flip(rgba, { signal: ac.signal });
// @ts-expect-error: channels is 1 or 4
core.image.create(2, 2, { channels: 3 });
// @ts-expect-error: no such preset
core.image.convolve(rgba, 'blur');
// @ts-expect-error: chain steps take no dst
core.image.chain(rgba).blur(2, { dst: rgba });
// @ts-expect-error: no such algorithm
core.createHash('sha3');
// @ts-expect-error: sha256 takes no seed
core.createHash('sha256', { seed: 1 });
// @ts-expect-error: xxHash takes no key
core.createHash('xxh64', { key: new Uint8Array(32) });
// @ts-expect-error: blake3 takes no seed
pool.hashMany('blake3', [bytes], { seed: 1 });
// @ts-expect-error: crc32 takes no outputLength
core.hashMany('crc32', [bytes], { encoding: 'hex', outputLength: 8 });
// @ts-expect-error: a pool hash's digest is a promise
const notAString: string = pool.createHash('sha1').digest('hex');
// @ts-expect-error: seed is a number or bigint
core.createHash('xxh64', { seed: '1' });
// @ts-expect-error: a string is not a view
core.crc32('string');
// @ts-expect-error: a pool call is a promise, not a number
const notAwaited: number = pool.crc32(bytes);
// @ts-expect-error: the running value is a number, not a bigint
core.crc32(bytes, 1n);
// @ts-expect-error: len2 is required
core.crc32Combine(1, 2);
// @ts-expect-error: core kernels take no options
core.crc32(bytes, 0, { signal: ac.signal });
// @ts-expect-error: unknown pool option
await createPool({ thread: 2 });
// @ts-expect-error: Array is not a view constructor
pool.alloc(8, Array);
// @ts-expect-error: hex takes numbers, bigints and views
hex('abc');
// @ts-expect-error: code is read-only
own.code = 'ERR_Y';
// @ts-expect-error: there is no such kernel
core.crc64(bytes);
// @ts-expect-error: stats() state is one of three strings
const wrongState: 'idle' = pool.stats().state;

export {
  c1, c2, c3, a1, comb, upper, heap, p1, p2, p3, p4, pending, state, counts, threads, isShared, h, err, notAwaited, wrongState,
  shBytes, shHex, many, manyHex, ahB64, pm, pmv, algs, notAString,
  small, small2, blurred, bare, conv, ext, rot, cropped, comp, st, hi, info, jpg, dec, decs, thumb, pdecs, made, notAnImage,
  sorted, order, byKey, kthBig, kthNum, qs, med, top, pos, pos1, uniq, sumN, sumB, sumB64, mm, mx, v, cs, hist, hist2, conv32,
  conv2, prod, tr, ax, cl, notSorted,
};
