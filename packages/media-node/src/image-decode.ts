/// <reference path="./image-heic-decode.d.ts" />
import { readFile, stat } from 'node:fs/promises';
import { type PixelBuffer, REFERENCE_SQUASH_SIDE } from '@unseen/pdq';
import sharp, { type Metadata, type OutputInfo } from 'sharp';
import { fileSystemError, MediaError } from './errors.js';

/**
 * Largest image we decode, in pixels (width x height): 8192 x 8192 = 67.1 megapixels. It covers every
 * phone and most camera photos; a full decode at this size is ~200 MB of RGB, so a decompression bomb
 * cannot exhaust memory. sharp enforces it too (`limitInputPixels`), before allocating anything.
 */
export const MAX_IMAGE_PIXELS = 8192 * 8192;

/** Formats we decode. Everything else (SVG, PDF, raw camera files...) is refused as UNSUPPORTED_FORMAT. */
export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'gif' | 'avif' | 'tiff' | 'heic';

export interface DecodeOptions {
  /**
   * For JPEGs the reference would squash to 512x512 anyway: decode at reduced size (shrink-on-load in
   * the IDCT) plus a nearest-neighbour resize to 512x512. Several times faster on big photos; the hash
   * may differ from the reference by a few bits (within the conformance tolerance). Other formats
   * decode exactly.
   */
  fast?: boolean;
}

export interface DecodedImage extends PixelBuffer {
  format: ImageFormat;
  /** Size of the stored image; `width`/`height` are those of the pixels returned (smaller in fast mode). */
  originalWidth: number;
  originalHeight: number;
}

const SHARP_FORMATS: Record<string, ImageFormat | undefined> = {
  jpeg: 'jpeg',
  png: 'png',
  webp: 'webp',
  gif: 'gif',
  tiff: 'tiff',
  heif: 'avif', // sharp's prebuilt libvips decodes only the AV1 flavour of HEIF
};

// ISO-BMFF brands that mean HEVC-coded HEIF, which sharp's prebuilt libvips cannot decode.
const HEIC_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'hevm', 'hevs']);
const AVIF_BRANDS = new Set(['avif', 'avis']);

/** True when the bytes are an HEIF container whose brands say HEVC (and not AVIF). */
export function isHeic(bytes: Uint8Array): boolean {
  if (bytes.length < 16) return false;
  const ascii = (at: number) => String.fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]);
  if (ascii(4) !== 'ftyp') return false;
  const boxSize = Math.min(bytes.length, (bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]);
  const brands = [ascii(8)];
  for (let at = 16; at + 4 <= boxSize; at += 4) brands.push(ascii(at));
  if (brands.some((b) => AVIF_BRANDS.has(b))) return false;
  return brands.some((b) => HEIC_BRANDS.has(b));
}

/** Reads a file whole (images are small next to their decoded pixels), mapping failures to stable codes. */
export async function readImageBytes(path: string): Promise<Buffer> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new MediaError('NOT_A_FILE', `not a regular file: ${path}`);
    if (info.size === 0) throw new MediaError('EMPTY_FILE', `file is empty: ${path}`);
    return await readFile(path);
  } catch (err) {
    if (err instanceof MediaError) throw err;
    throw fileSystemError(path, err);
  }
}

export async function decodeImageFile(path: string, opts: DecodeOptions = {}): Promise<DecodedImage> {
  return decodeImageBytes(await readImageBytes(path), opts);
}

/**
 * Decodes to the pixels the reference hashes: no EXIF rotation (the reference ignores orientation),
 * no ICC colour conversion (ImageMagick's `convert FILE pnm:-` applies none), alpha dropped without
 * compositing, the first frame of animations, grey kept as one channel, 16-bit kept as 16-bit (the
 * PDQ core then keeps the low byte, as the reference does).
 */
export async function decodeImageBytes(bytes: Uint8Array, opts: DecodeOptions = {}): Promise<DecodedImage> {
  if (bytes.length === 0) throw new MediaError('EMPTY_FILE', 'file is empty');
  if (isHeic(bytes)) return decodeHeic(bytes);

  const input = { limitInputPixels: MAX_IMAGE_PIXELS, ignoreIcc: true, failOn: 'error', pages: 1 } as const;
  let meta: Metadata;
  try {
    meta = await sharp(bytes, input).metadata();
  } catch (err) {
    throw sharpError(err);
  }
  const format = meta.format === undefined ? undefined : SHARP_FORMATS[meta.format];
  if (format === undefined) {
    throw new MediaError('UNSUPPORTED_FORMAT', `unsupported image format: ${meta.format ?? 'unknown'}`);
  }
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  if (width <= 0 || height <= 0) throw new MediaError('CORRUPT_IMAGE', `image reports a size of ${width}x${height}`);
  if (width * height > MAX_IMAGE_PIXELS) {
    throw new MediaError('IMAGE_TOO_LARGE', `image is ${width}x${height}, over the ${MAX_IMAGE_PIXELS}-pixel limit`);
  }

  const channelsIn = meta.channels ?? 3;
  const grey = meta.space === 'b-w' || meta.space === 'grey16' || channelsIn <= 2;
  const sixteenBit = meta.depth === 'ushort';
  // Only JPEG decodes faster at reduced size (DCT scaling); for other formats fast mode would only
  // trade exactness for nothing, so they take the exact path.
  const squashed =
    opts.fast === true && format === 'jpeg' && (width > REFERENCE_SQUASH_SIDE || height > REFERENCE_SQUASH_SIDE);

  let pipeline = sharp(bytes, input);
  if (squashed) {
    // JPEG shrink-on-load decodes at 1/2, 1/4 or 1/8 size in the IDCT; the nearest resize then makes
    // exactly the 512x512 the reference would hash.
    pipeline = pipeline.resize(REFERENCE_SQUASH_SIDE, REFERENCE_SQUASH_SIDE, { fit: 'fill', kernel: 'nearest' });
  }
  if (grey) {
    pipeline = pipeline.toColourspace(sixteenBit ? 'grey16' : 'b-w').extractChannel(0);
  } else {
    pipeline = pipeline.toColourspace(sixteenBit ? 'rgb16' : 'srgb').removeAlpha();
  }
  let raw: { data: Buffer; info: OutputInfo };
  try {
    raw = await pipeline.raw(sixteenBit ? { depth: 'ushort' } : {}).toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw sharpError(err);
  }
  const { data, info } = raw;
  const samples = sixteenBit
    ? new Uint16Array(data.buffer, data.byteOffset, data.length / 2)
    : new Uint8Array(data.buffer, data.byteOffset, data.length);
  const channels = info.channels as PixelBuffer['channels'];
  const image: DecodedImage = {
    data: samples,
    width: info.width,
    height: info.height,
    channels,
    format,
    originalWidth: width,
    originalHeight: height,
  };
  return channels === 3 ? collapseGreyRgb(image) : image;
}

/**
 * ImageMagick writes a PGM (one grey channel) whenever every pixel has R = G = B, even for a colour
 * JPEG, and the reference then takes the grey value as luma. The RGB formula on equal channels gives
 * slightly different floats, so mirror that choice.
 */
function collapseGreyRgb(image: DecodedImage): DecodedImage {
  const src = image.data;
  const pixels = image.width * image.height;
  for (let i = 0; i < pixels * 3; i += 3) {
    if (src[i] !== src[i + 1] || src[i] !== src[i + 2]) return image;
  }
  const grey = src instanceof Uint16Array ? new Uint16Array(pixels) : new Uint8Array(pixels);
  for (let i = 0; i < pixels; i++) grey[i] = src[3 * i];
  return { ...image, data: grey, channels: 1 };
}

async function decodeHeic(bytes: Uint8Array): Promise<DecodedImage> {
  // Loaded on demand: the WebAssembly HEVC decoder is large and most files are not HEIC.
  const { default: decode } = await import('heic-decode');
  let decoded: Awaited<ReturnType<typeof decode>>;
  try {
    decoded = await decode({ buffer: bytes });
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new MediaError('CORRUPT_IMAGE', `cannot decode HEIC: ${detail}`, { cause: err });
  }
  const { width, height, data } = decoded;
  if (width * height > MAX_IMAGE_PIXELS) {
    throw new MediaError('IMAGE_TOO_LARGE', `image is ${width}x${height}, over the ${MAX_IMAGE_PIXELS}-pixel limit`);
  }
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    width,
    height,
    channels: 4,
    format: 'heic',
    originalWidth: width,
    originalHeight: height,
  };
}

function sharpError(err: unknown): MediaError {
  // libvips joins several lines of decoder complaints; keep one line for logs and the CLI.
  const message = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').trim();
  if (/unsupported image format/i.test(message)) {
    return new MediaError('UNSUPPORTED_FORMAT', 'not an image in a supported format', { cause: err });
  }
  if (/pixel limit/i.test(message)) {
    return new MediaError('IMAGE_TOO_LARGE', `image exceeds the ${MAX_IMAGE_PIXELS}-pixel limit`, { cause: err });
  }
  return new MediaError('CORRUPT_IMAGE', `cannot decode image: ${message}`, { cause: err });
}
