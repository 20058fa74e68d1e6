// Types of the image family (parawasm's own package, and packages built
// with `parawasm build --with image`): core.image.* and pool.image.*.
// The methods are the same on both; a pool's return promises.
import type { CoreCallOptions, NewArray, PoolCallOptions } from '../runtime/types.js';

/** Bytes of pixels: Uint8ClampedArray (as ImageData), Uint8Array or a Node Buffer. */
export type PixelData = Uint8Array | Uint8ClampedArray;

/**
 * An image: `width * height * channels` bytes, rows top to bottom, tightly
 * packed. channels 4 (the default) is RGBA with straight (not
 * premultiplied) alpha, the layout of ImageData, which is an Image as it
 * is; channels 1 is grey. Sides are 1 to 2^24 pixels.
 */
export interface Image {
  data: PixelData;
  width: number;
  height: number;
  /** 4 (RGBA, the default) or 1 (grey). */
  channels?: 4 | 1;
}

/**
 * An image that a method made: channels is always set. D is the type of
 * its data: a new Uint8ClampedArray, or the data of the options.dst it was
 * written to (that very view: a Uint8Array, a Buffer...).
 */
export interface ImageResult<D extends PixelData = Uint8ClampedArray> {
  /** On a pool: a view of its memory from pool.alloc() (free it with image.free()); on a core: a new array; with options.dst, dst's data. */
  data: D;
  width: number;
  height: number;
  channels: 4 | 1;
}

/**
 * A source image: an Image (ImageData, or { data, width, height, channels })
 * or a bare byte view whose size is in the options (BareViewOptions).
 */
export type ImageSource = Image | PixelData;

/**
 * With a bare view as the source: its size. Not taken with an Image (it
 * has its own); with chain() on a file, channels chooses grey decoding.
 */
export interface BareViewOptions {
  /** The bare view's width in pixels. */
  width?: number;
  /** The bare view's height in pixels. */
  height?: number;
  /** The bare view's channels: 4 (RGBA, the default) or 1 (grey). */
  channels?: 4 | 1;
}

/** Where a result goes: options.dst, an Image or a byte view of the result's size; default a new image. */
export interface DstOptions {
  /**
   * Written with the result (its size must be the result's); it may be the
   * source itself (in place) for the operations that say so. Without it a
   * new image is made.
   */
  dst?: Image | PixelData;
}

/** options.dst as the call gives it, so that the result's data has dst's type (DstData). */
export interface DstOf<D> {
  dst?: D;
}

/**
 * A new Uint8ClampedArray of unshared memory, as a core's new images have:
 * Uint8ClampedArray<ArrayBuffer> where TypeScript's typed arrays name
 * their buffer's type (5.7 and later), which `new ImageData(data, w, h)`
 * asks for. (A pool's are views of its shared memory.)
 */
export type NewClampedArray = NewArray<Uint8ClampedArray>;

/** The data type of a result written to a dst of type D: D's own data (D a view or an Image); N (a new image's) without a dst. */
export type DstData<D, N extends PixelData = Uint8ClampedArray> = [D] extends [never] ? N
  : D extends PixelData ? D : D extends { data: infer E extends PixelData } ? E : PixelData;

/** A file's bytes (PNG or JPEG): any view, ArrayBuffer or SharedArrayBuffer. */
export type FileBytes = ArrayBufferView | ArrayBuffer | SharedArrayBuffer;

/** Resampling filters of resize(); 'bicubic' is Catmull-Rom. */
export type ResizeFilter = 'nearest' | 'bilinear' | 'bicubic' | 'catmull-rom' | 'mitchell' | 'lanczos3';

/** The 3x3 presets of convolve(): edge (Laplacian), emboss, sharpen. */
export type ConvolvePreset = 'edge' | 'emboss' | 'sharpen';

/**
 * A colour: 0xRRGGBBAA (for a grey image: the grey level 0..255),
 * '#rgb', '#rgba', '#rrggbb', '#rrggbbaa', or [r, g, b] / [r, g, b, a]
 * (0..255 each; alpha 255 when left out). For a grey image a colour is
 * taken by its Rec. 709 luma.
 */
export type Colour = number | string | readonly number[];

/** Per-channel statistics. */
export interface ChannelStats {
  mean: number;
  min: number;
  max: number;
}

/** stats() of an RGBA image: { r, g, b, a }; of a grey image: { grey }. */
export type ImageStats =
  | { r: ChannelStats; g: ChannelStats; b: ChannelStats; a: ChannelStats }
  | { grey: ChannelStats };

/** histogram() of an RGBA image: 256 counts a channel; of a grey image: { grey }. New arrays (on a pool too). */
export type ImageHistogram =
  | { r: NewArray<Uint32Array>; g: NewArray<Uint32Array>; b: NewArray<Uint32Array>; a: NewArray<Uint32Array> }
  | { grey: NewArray<Uint32Array> };

/** info() of a PNG or JPEG file. */
export interface ImageInfo {
  width: number;
  height: number;
  /**
   * In the file, as the decoder reads it: 1 grey, 2 grey + alpha, 3 RGB,
   * 4 RGBA (a PNG's tRNS chunk not counted); a JPEG is 1 or 3 (CMYK and
   * YCCK JPEGs are read as RGB: 3).
   */
  channels: 1 | 2 | 3 | 4;
  format: 'png' | 'jpeg';
}

/** A rectangle of crop(), in pixels: width and height default to the rest of the image. */
export interface CropRect {
  left?: number;
  top?: number;
  width?: number;
  height?: number;
}

export interface ResizeOptions extends BareViewOptions, DstOptions {
  /** Default 'lanczos3'. */
  filter?: ResizeFilter;
  /**
   * With both sides given: 'fill' (default) makes exactly width x height;
   * 'inside' keeps the aspect ratio and fits within them; 'cover' keeps the
   * aspect ratio, covers them, and cuts out the middle width x height.
   */
  fit?: 'fill' | 'inside' | 'cover';
}
export interface SharpenOptions extends BareViewOptions, DstOptions {
  /** Standard deviation of the blur, in pixels (0 to 100000; default 1). */
  sigma?: number;
  /** Strength: 0 to 1000 (default 1, the difference added once). */
  amount?: number;
  /** Smallest difference that is sharpened, 0 to 255 (default 0). */
  threshold?: number;
}
export interface ConvolveOptions extends BareViewOptions, DstOptions {
  /** The sum is divided by it; 0 means the sum of the weights (1 if that is 0). Default: 0; 1 for a preset. */
  divisor?: number;
  /** Added after dividing, in 0..255 units (default 0). */
  bias?: number;
  /** Width of a kernel given as a flat list (odd, 1 to 255); default: square. */
  kernelWidth?: number;
  /** Height of a kernel given as a flat list (odd, 1 to 255). */
  kernelHeight?: number;
}
export interface BrightnessContrastOptions extends BareViewOptions, DstOptions {
  /** Added, in units of full scale: -1 to 1 (default 0). */
  brightness?: number;
  /** Slope about mid-grey: 0 to 1000 (default 1). */
  contrast?: number;
}
export interface LevelsOptions extends BareViewOptions, DstOptions {
  /** Input value mapped to outBlack, 0 to 254 (default 0). */
  inBlack?: number;
  /** Input value mapped to outWhite, inBlack + 1 to 255 (default 255). */
  inWhite?: number;
  /** Mid-tone exponent as in gamma(), 0.01 to 100 (default 1). */
  gamma?: number;
  /** 0 to 255 (default 0). */
  outBlack?: number;
  /** 0 to 255 (default 255); below outBlack inverts. */
  outWhite?: number;
}
export interface ExtendOptions extends BareViewOptions, DstOptions {
  /** Pixels added above (default 0, or `n` when extend is given one; likewise the other sides). */
  top?: number;
  right?: number;
  bottom?: number;
  left?: number;
  /** The colour of the new pixels; default transparent black (grey: 0). */
  background?: Colour;
}
export interface CompositeOptions extends BareViewOptions, DstOptions {
  /** Position of the overlay's top-left corner in src (may be negative). */
  left?: number;
  top?: number;
  /** 0 to 1 (default 1). */
  opacity?: number;
}
export interface EncodeOptions extends BareViewOptions {
  /** Default 'png'. */
  format?: 'png' | 'jpeg';
  /** JPEG quality, 1 to 100 (default 90). */
  quality?: number;
}
export interface DecodeOptions extends DstOptions {
  /** 4 (RGBA, the default) or 1 (grey, by the decoder's luma). */
  channels?: 4 | 1;
}
/** Options of chain(): the size of a bare pixel view (else a view is a file), or the channels a file decodes to. */
export interface ChainOptions extends BareViewOptions {}

/**
 * The image operations; R is how a result is returned (the value on a
 * core, a promise on a pool) and C the call options (onProgress on both;
 * signal on a pool).
 */
export interface ImageMethods<C, Wrap extends 'sync' | 'async', N extends PixelData = Uint8ClampedArray> {
  /**
   * Resizes to width x height; give one of them as null (or leave height
   * out) to keep the aspect ratio. Filters widen when shrinking
   * (area-correct), colours are weighted by alpha. Not in place.
   */
  resize<D extends Image | PixelData = never>(src: ImageSource, width: number | null, height?: number | null, options?: ResizeOptions & DstOf<D> & C): ImageReturn<Wrap, ImageResult<DstData<D, N>>>;
  resize<D extends Image | PixelData = never>(src: ImageSource, width: number | null, options?: ResizeOptions & DstOf<D> & C): ImageReturn<Wrap, ImageResult<DstData<D, N>>>;
  /** Gaussian blur of standard deviation sigma pixels (0 to 100000; 0 copies). In place allowed. */
  blur<D extends Image | PixelData = never>(src: ImageSource, sigma: number, options?: BareViewOptions & DstOptions & DstOf<D> & C): ImageReturn<Wrap, ImageResult<DstData<D, N>>>;
  blur<D extends Image | PixelData = never>(src: ImageSource, options: { sigma: number } & BareViewOptions & DstOptions & DstOf<D> & C): ImageReturn<Wrap, ImageResult<DstData<D, N>>>;
  /** Box blur: the mean of the (2 radius + 1)^2 square, exact (radius 0 to 32767). In place allowed. */
  boxBlur<D extends Image | PixelData = never>(src: ImageSource, radius: number, options?: BareViewOptions & DstOptions & DstOf<D> & C): ImageReturn<Wrap, ImageResult<DstData<D, N>>>;
  boxBlur<D extends Image | PixelData = never>(src: ImageSource, options: { radius: number } & BareViewOptions & DstOptions & DstOf<D> & C): ImageReturn<Wrap, ImageResult<DstData<D, N>>>;
  /** Unsharp mask: c + amount (c - blur(c)) where |c - blur(c)| >= threshold. In place allowed. */
  sharpen<D extends Image | PixelData = never>(src: ImageSource, sigma?: number, options?: Omit<SharpenOptions, 'sigma'> & DstOf<D> & C): ImageReturn<Wrap, ImageResult<DstData<D, N>>>;
  sharpen<D extends Image | PixelData = never>(src: ImageSource, options?: SharpenOptions & DstOf<D> & C): ImageReturn<Wrap, ImageResult<DstData<D, N>>>;
  /** The same as sharpen() (the C kernel's name). */
  unsharp<D extends Image | PixelData = never>(src: ImageSource, sigma?: number, options?: Omit<SharpenOptions, 'sigma'> & DstOf<D> & C): ImageReturn<Wrap, ImageResult<DstData<D, N>>>;
  unsharp<D extends Image | PixelData = never>(src: ImageSource, options?: SharpenOptions & DstOf<D> & C): ImageReturn<Wrap, ImageResult<DstData<D, N>>>;
  /**
   * Convolves R, G, B (alpha kept) with a preset, rows of weights
   * ([[...], [...]]), or a flat list (square, or options.kernelWidth x
   * options.kernelHeight); both sides odd, 1 to 255. In place allowed.
   * The colours are convolved as stored (straight, not weighted by
   * alpha): a transparent pixel's colour counts as any other's. For
   * alpha-correct smoothing use blur() or boxBlur().
   */
  convolve<D extends Image | PixelData = never>(src: ImageSource, kernel: ConvolvePreset | readonly (readonly number[])[] | readonly number[] | Float32Array | Float64Array,
    options?: ConvolveOptions & DstOf<D> & C): ImageReturn<Wrap, ImageResult<DstData<D, N>>>;
  convolve<D extends Image | PixelData = never>(src: ImageSource, options: { kernel: ConvolvePreset | readonly (readonly number[])[] | readonly number[] | Float32Array | Float64Array } & ConvolveOptions & DstOf<D> & C): ImageReturn<Wrap, ImageResult<DstData<D, N>>>;
  /** RGBA only: R = G = B = Rec. 709 luma, alpha kept. In place allowed. */
  greyscale<D extends Image | PixelData = never>(src: ImageSource, options?: BareViewOptions & DstOptions & DstOf<D> & C): ImageReturn<Wrap, ImageResult<DstData<D, N>>>;
  /** RGBA to a grey image (channels 1) by Rec. 709 luma; alpha dropped. */
  toGrey<D extends Image | PixelData = never>(src: ImageSource, options?: BareViewOptions & DstOptions & DstOf<D> & C): ImageReturn<Wrap, ImageResult<DstData<D, N>>>;
  /** A grey image to RGBA (alpha 255). A bare view is taken as grey. */
  toRgba<D extends Image | PixelData = never>(src: ImageSource, options?: BareViewOptions & DstOptions & DstOf<D> & C): ImageReturn<Wrap, ImageResult<DstData<D, N>>>;
  /** 255 - c for colours (alpha kept). In place allowed. */
  invert<D extends Image | PixelData = never>(src: ImageSource, options?: BareViewOptions & DstOptions & DstOf<D> & C): ImageReturn<Wrap, ImageResult<DstData<D, N>>>;
  /** (c - 127.5) contrast + 127.5 + 255 brightness. In place allowed. */
  brightnessContrast<D extends Image | PixelData = never>(src: ImageSource, options?: BrightnessContrastOptions & DstOf<D> & C): ImageReturn<Wrap, ImageResult<DstData<D, N>>>;
  /** 255 (c / 255)^(1 / gamma), gamma 0.01 to 100. In place allowed. */
  gamma<D extends Image | PixelData = never>(src: ImageSource, gamma: number, options?: BareViewOptions & DstOptions & DstOf<D> & C): ImageReturn<Wrap, ImageResult<DstData<D, N>>>;
  gamma<D extends Image | PixelData = never>(src: ImageSource, options: { gamma: number } & BareViewOptions & DstOptions & DstOf<D> & C): ImageReturn<Wrap, ImageResult<DstData<D, N>>>;
  /** Input and output black and white points and a mid-tone gamma. In place allowed. */
  levels<D extends Image | PixelData = never>(src: ImageSource, options?: LevelsOptions & DstOf<D> & C): ImageReturn<Wrap, ImageResult<DstData<D, N>>>;
  /** RGBA only: a 4x5 colour matrix (20 numbers, or 4 rows of 5), as SVG's feColorMatrix. In place allowed. */
  colorMatrix<D extends Image | PixelData = never>(src: ImageSource, matrix: readonly number[] | readonly (readonly number[])[] | Float32Array | Float64Array,
    options?: BareViewOptions & DstOptions & DstOf<D> & C): ImageReturn<Wrap, ImageResult<DstData<D, N>>>;
  colorMatrix<D extends Image | PixelData = never>(src: ImageSource, options: { matrix: readonly number[] | readonly (readonly number[])[] | Float32Array | Float64Array } & BareViewOptions & DstOptions & DstOf<D> & C): ImageReturn<Wrap, ImageResult<DstData<D, N>>>;
  /** Luma >= threshold (0 to 256, default 128) becomes white, the rest black; alpha kept. In place allowed. */
  threshold<D extends Image | PixelData = never>(src: ImageSource, threshold?: number, options?: BareViewOptions & DstOptions & DstOf<D> & C): ImageReturn<Wrap, ImageResult<DstData<D, N>>>;
  threshold<D extends Image | PixelData = never>(src: ImageSource, options?: { threshold?: number } & BareViewOptions & DstOptions & DstOf<D> & C): ImageReturn<Wrap, ImageResult<DstData<D, N>>>;
  /** RGBA only: colours multiplied by alpha. In place allowed. */
  premultiply<D extends Image | PixelData = never>(src: ImageSource, options?: BareViewOptions & DstOptions & DstOf<D> & C): ImageReturn<Wrap, ImageResult<DstData<D, N>>>;
  /** RGBA only: undoes premultiply(). In place allowed. */
  unpremultiply<D extends Image | PixelData = never>(src: ImageSource, options?: BareViewOptions & DstOptions & DstOf<D> & C): ImageReturn<Wrap, ImageResult<DstData<D, N>>>;
  /** The rectangle rect of src (inside it). Not in place. */
  crop<D extends Image | PixelData = never>(src: ImageSource, rect: CropRect, options?: BareViewOptions & DstOptions & DstOf<D> & C): ImageReturn<Wrap, ImageResult<DstData<D, N>>>;
  /** Top to bottom. In place allowed. */
  flip<D extends Image | PixelData = never>(src: ImageSource, options?: BareViewOptions & DstOptions & DstOf<D> & C): ImageReturn<Wrap, ImageResult<DstData<D, N>>>;
  /** Left to right. In place allowed. */
  flop<D extends Image | PixelData = never>(src: ImageSource, options?: BareViewOptions & DstOptions & DstOf<D> & C): ImageReturn<Wrap, ImageResult<DstData<D, N>>>;
  /** Clockwise by a multiple of 90 degrees; 90 and 270 swap width and height. In place allowed. */
  rotate<D extends Image | PixelData = never>(src: ImageSource, angle: number, options?: BareViewOptions & DstOptions & DstOf<D> & C): ImageReturn<Wrap, ImageResult<DstData<D, N>>>;
  rotate<D extends Image | PixelData = never>(src: ImageSource, options: { angle: number } & BareViewOptions & DstOptions & DstOf<D> & C): ImageReturn<Wrap, ImageResult<DstData<D, N>>>;
  /** Pads with n pixels on every side, or as options say, of options.background. Not in place. */
  extend<D extends Image | PixelData = never>(src: ImageSource, n: number, options?: ExtendOptions & DstOf<D> & C): ImageReturn<Wrap, ImageResult<DstData<D, N>>>;
  extend<D extends Image | PixelData = never>(src: ImageSource, options: ExtendOptions & DstOf<D> & C): ImageReturn<Wrap, ImageResult<DstData<D, N>>>;
  /**
   * RGBA only: draws overlay over src at (left, top), Porter-Duff over on
   * straight alpha, with an opacity. Without options.dst a new image; with
   * dst: src, in place.
   */
  composite<D extends Image | PixelData = never>(src: ImageSource, overlay: Image, options?: CompositeOptions & DstOf<D> & C): ImageReturn<Wrap, ImageResult<DstData<D, N>>>;
  /** Per-channel histograms of 256 counts. */
  histogram(src: ImageSource, options?: BareViewOptions & C): ImageReturn<Wrap, ImageHistogram>;
  /** Per-channel mean, minimum and maximum. */
  stats(src: ImageSource, options?: BareViewOptions & C): ImageReturn<Wrap, ImageStats>;
  /** The header of a PNG or JPEG file. ParawasmError 'ERR_PW_BAD_FORMAT' for other or damaged files. */
  info(data: FileBytes, options?: C): ImageReturn<Wrap, ImageInfo>;
  /** Decodes a PNG or JPEG file (its size from its header). ParawasmError 'ERR_PW_BAD_FORMAT' for a corrupt or truncated file. */
  decode<D extends Image | PixelData = never>(data: FileBytes, options?: DecodeOptions & DstOf<D> & C): ImageReturn<Wrap, ImageResult<DstData<D, N>>>;
  /**
   * Decodes every file, at the same time on a pool's threads. If one fails
   * the images already made are freed and the error (its message prefixed
   * with files[i], its `index` set) is thrown.
   */
  decodeMany(files: Iterable<FileBytes>, options?: { channels?: 4 | 1 } & C): ImageReturn<Wrap, ImageResult<N>[]>;
  /** A PNG (default) or JPEG file: a new array (on a pool too). */
  encode(src: ImageSource, options?: EncodeOptions & C): ImageReturn<Wrap, NewArray<Uint8Array>>;
  /** An 8-bit PNG file (RGBA or grey): a new array (on a pool too). */
  encodePng(src: ImageSource, options?: BareViewOptions & C): ImageReturn<Wrap, NewArray<Uint8Array>>;
  /** A baseline JPEG file (alpha ignored); quality 1 to 100, default 90. A new array (on a pool too). */
  encodeJpeg(src: ImageSource, quality?: number, options?: BareViewOptions & C): ImageReturn<Wrap, NewArray<Uint8Array>>;
  encodeJpeg(src: ImageSource, options?: { quality?: number } & BareViewOptions & C): ImageReturn<Wrap, NewArray<Uint8Array>>;
  /** A new zero-filled image (on a pool, in its memory: free it with free()). */
  create(width: number, height: number, options?: { channels?: 4 | 1 }): ImageResult<N>;
  /**
   * Releases an image a method of this namespace made (on a pool its data
   * is from pool.alloc(); this is pool.free(img.data)). Images that were
   * not made here (yours, ImageData) are left as they are.
   */
  free(img: Image | PixelData): void;
  /**
   * Steps on one image, one after the other; the images made in between are
   * freed as soon as the next step has read them. input is an image, or a
   * PNG/JPEG file's bytes (decoded first; options.channels chooses grey).
   */
  chain(input: ImageSource | FileBytes, options?: ChainOptions & Omit<C, 'onProgress'>): ImageChain<Wrap, N>;
}

/** A chain step's own call options: its progress (the chain's signal reaches every step). */
export type StepOptions = Pick<CoreCallOptions, 'onProgress'>;

/** ImageReturn<'sync', T> is T; ImageReturn<'async', T> is Promise<T>. */
export type ImageReturn<Wrap extends 'sync' | 'async', T> = Wrap extends 'async' ? Promise<T> : T;

/** A chain of image steps (see ImageMethods.chain); each step method returns the chain. */
export interface ImageChain<Wrap extends 'sync' | 'async', N extends PixelData = Uint8ClampedArray> {
  resize(width: number | null, height?: number | null, options?: Omit<ResizeOptions, 'dst'> & StepOptions): this;
  resize(width: number | null, options?: Omit<ResizeOptions, 'dst'> & StepOptions): this;
  crop(rect: CropRect, options?: StepOptions): this;
  extend(n: number, options?: Omit<ExtendOptions, 'dst'> & StepOptions): this;
  extend(options: Omit<ExtendOptions, 'dst'> & StepOptions): this;
  rotate(angle: number, options?: StepOptions): this;
  rotate(options: { angle: number } & StepOptions): this;
  flip(options?: StepOptions): this;
  flop(options?: StepOptions): this;
  blur(sigma: number, options?: StepOptions): this;
  blur(options: { sigma: number } & StepOptions): this;
  boxBlur(radius: number, options?: StepOptions): this;
  boxBlur(options: { radius: number } & StepOptions): this;
  sharpen(sigma?: number, options?: Omit<SharpenOptions, 'sigma' | 'dst'> & StepOptions): this;
  sharpen(options?: Omit<SharpenOptions, 'dst'> & StepOptions): this;
  unsharp(sigma?: number, options?: Omit<SharpenOptions, 'sigma' | 'dst'> & StepOptions): this;
  unsharp(options?: Omit<SharpenOptions, 'dst'> & StepOptions): this;
  convolve(kernel: ConvolvePreset | readonly (readonly number[])[] | readonly number[] | Float32Array | Float64Array,
    options?: Omit<ConvolveOptions, 'dst'> & StepOptions): this;
  convolve(options: { kernel: ConvolvePreset | readonly (readonly number[])[] | readonly number[] | Float32Array | Float64Array } & Omit<ConvolveOptions, 'dst'> & StepOptions): this;
  greyscale(options?: StepOptions): this;
  toGrey(options?: StepOptions): this;
  toRgba(options?: StepOptions): this;
  invert(options?: StepOptions): this;
  brightnessContrast(options?: Omit<BrightnessContrastOptions, 'dst'> & StepOptions): this;
  gamma(gamma: number, options?: StepOptions): this;
  gamma(options: { gamma: number } & StepOptions): this;
  levels(options?: Omit<LevelsOptions, 'dst'> & StepOptions): this;
  colorMatrix(matrix: readonly number[] | readonly (readonly number[])[] | Float32Array | Float64Array, options?: StepOptions): this;
  colorMatrix(options: { matrix: readonly number[] | readonly (readonly number[])[] | Float32Array | Float64Array } & StepOptions): this;
  threshold(threshold?: number, options?: StepOptions): this;
  threshold(options?: { threshold?: number } & StepOptions): this;
  premultiply(options?: StepOptions): this;
  unpremultiply(options?: StepOptions): this;
  composite(overlay: Image, options?: Omit<CompositeOptions, 'dst'> & StepOptions): this;
  /** Runs the steps; the last image is the caller's (free it with image.free()). */
  run(): ImageReturn<Wrap, ImageResult<N>>;
  /** Runs the steps, then encodes the last image: the file, a new array (on a pool too). */
  encode(options?: Omit<EncodeOptions, keyof BareViewOptions>): ImageReturn<Wrap, NewArray<Uint8Array>>;
  encodePng(): ImageReturn<Wrap, NewArray<Uint8Array>>;
  encodeJpeg(quality?: number): ImageReturn<Wrap, NewArray<Uint8Array>>;
  encodeJpeg(options?: { quality?: number }): ImageReturn<Wrap, NewArray<Uint8Array>>;
  histogram(): ImageReturn<Wrap, ImageHistogram>;
  stats(): ImageReturn<Wrap, ImageStats>;
}

/** core.image: every method synchronous. */
export interface ImageCore extends ImageMethods<CoreCallOptions, 'sync', NewClampedArray> {}

/** pool.image: every method returns a promise (but create, free, chain). */
export interface ImagePool extends ImageMethods<PoolCallOptions, 'async'> {}

/** What the image family adds to a core. */
export interface ImageCoreMethods {
  /** The image operations (see README, "Images: core.image and pool.image"). */
  readonly image: ImageCore;
}

/** What the image family adds to a pool. */
export interface ImagePoolMethods {
  /** The image operations, run on the pool's threads (see README, "Images: core.image and pool.image"). */
  readonly image: ImagePool;
}
