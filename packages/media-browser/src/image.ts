/**
 * Browser image adapter: File/Blob -> pixels the PDQ core can hash, matching the
 * reference CLI's decode rules (see ../shared/vectors/pdq/README.md):
 *  - EXIF orientation is NOT applied (Chromium applies it regardless of options, so we
 *    sample the stored order back out: see orientation.ts), ICC profiles are NOT applied;
 *  - alpha is dropped and the stored colour under it kept (read through WebGL when a 2D
 *    canvas would have premultiplied it away);
 *  - when either side exceeds 512, the image is squashed to exactly 512x512 by nearest
 *    neighbour with src = floor(dst * size / 512), aspect ratio not kept;
 *  - an image whose pixels are all grey (R = G = B) is handed over as one channel, as
 *    ImageMagick writes such images as PGM and the reference then takes luma = grey.
 * Works in a Web Worker (createImageBitmap + OffscreenCanvas) and on the main thread.
 */

import {
  decoderAppliesOrientation,
  isJpeg,
  ORIENTATION_HEAD_BYTES,
  type Orientation,
  readOrientation,
  sampleStored,
  samplingTransform,
  type Affine,
} from './orientation.js';

/** Same shape as `@unseen/pdq`'s PixelBuffer (kept structural so this file has no pdq import). */
export interface DecodedPixels {
  data: Uint8ClampedArray | Uint8Array;
  width: number;
  height: number;
  channels: 1 | 4;
  /** Size of the image as stored in the file (before any squash). */
  originalWidth: number;
  originalHeight: number;
}

export type ImageDecodeErrorCode = 'IMAGE_UNDECODABLE' | 'IMAGE_EMPTY' | 'CANVAS_UNAVAILABLE';

export class ImageDecodeError extends Error {
  readonly code: ImageDecodeErrorCode;
  constructor(code: ImageDecodeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ImageDecodeError';
    this.code = code;
  }
}

/** The reference squashes anything larger than this on either side to SQUASH_SIZE x SQUASH_SIZE. */
export const SQUASH_SIZE = 512;

/**
 * How the 512 squash (and any undoing of EXIF orientation) is performed.
 * - `canvas` (default): nearest-neighbour drawImage onto a 512x512 canvas with a transform that
 *   puts the samples exactly on the reference's grid; only 512x512 pixels are read back.
 * - `js`: read the full decoded image back, then sample in JS with the reference's rule
 *   (the straightforward baseline; also the fallback for translucent images).
 * - `decoder`: createImageBitmap resizes while decoding (`resizeQuality: 'pixelated'`).
 *   The browser's grid is not the reference's, so hashes can differ: measured, not shipped.
 */
export type SquashMode = 'canvas' | 'js' | 'decoder';

export interface DecodeOptions {
  squash?: SquashMode;
  /** Skip the 512 squash (the `fullres_hash` variant of the reference). */
  fullResolution?: boolean;
}

const BITMAP_OPTIONS: ImageBitmapOptions = {
  // The reference ignores EXIF orientation, colour profiles and alpha premultiplication.
  imageOrientation: 'none' as ImageOrientation,
  colorSpaceConversion: 'none',
  premultiplyAlpha: 'none',
};

function needsSquash(width: number, height: number): boolean {
  return width > SQUASH_SIZE || height > SQUASH_SIZE;
}

async function bitmapFrom(blob: Blob, resize?: { width: number; height: number }): Promise<ImageBitmap> {
  try {
    return await createImageBitmap(
      blob,
      resize
        ? { ...BITMAP_OPTIONS, resizeWidth: resize.width, resizeHeight: resize.height, resizeQuality: 'pixelated' }
        : BITMAP_OPTIONS,
    );
  } catch (cause) {
    throw new ImageDecodeError('IMAGE_UNDECODABLE', 'This browser cannot decode the file as an image.', { cause });
  }
}

function readRgbaCanvas(bitmap: ImageBitmap): Uint8ClampedArray {
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  // willReadFrequently keeps the canvas on the CPU, avoiding a GPU readback.
  const ctx = canvas.getContext('2d', { willReadFrequently: true, alpha: true });
  if (!ctx) throw new ImageDecodeError('CANVAS_UNAVAILABLE', 'No 2D canvas is available.');
  ctx.drawImage(bitmap, 0, 0);
  return ctx.getImageData(0, 0, bitmap.width, bitmap.height).data;
}

/**
 * A 2D canvas stores premultiplied colour, so colour under partial or zero alpha is rounded
 * or lost. The reference simply drops alpha and keeps the stored colour; WebGL can upload the
 * unpremultiplied bitmap and read it back untouched. Returns null when WebGL2 is unavailable.
 */
function readRgbaWebGl(bitmap: ImageBitmap): Uint8ClampedArray | null {
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const gl = canvas.getContext('webgl2', { premultipliedAlpha: false, antialias: false, depth: false });
  if (!gl) return null;
  try {
    const texture = gl.createTexture();
    gl.bindTexture(gl.TEXTURE_2D, texture);
    gl.pixelStorei(gl.UNPACK_PREMULTIPLY_ALPHA_WEBGL, false);
    gl.pixelStorei(gl.UNPACK_COLORSPACE_CONVERSION_WEBGL, gl.NONE);
    gl.pixelStorei(gl.UNPACK_FLIP_Y_WEBGL, false);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, gl.RGBA, gl.UNSIGNED_BYTE, bitmap);
    const framebuffer = gl.createFramebuffer();
    gl.bindFramebuffer(gl.FRAMEBUFFER, framebuffer);
    gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, texture, 0);
    if (gl.checkFramebufferStatus(gl.FRAMEBUFFER) !== gl.FRAMEBUFFER_COMPLETE) return null;
    const pixels = new Uint8ClampedArray(bitmap.width * bitmap.height * 4);
    gl.readPixels(0, 0, bitmap.width, bitmap.height, gl.RGBA, gl.UNSIGNED_BYTE, pixels);
    gl.deleteFramebuffer(framebuffer);
    gl.deleteTexture(texture);
    return gl.getError() === gl.NO_ERROR ? pixels : null;
  } finally {
    gl.getExtension('WEBGL_lose_context')?.loseContext();
  }
}

/** Draws the bitmap with nearest-neighbour sampling on the reference grid; reads back only the output. */
function readSampled(bitmap: ImageBitmap, transform: Affine, width: number, height: number): Uint8ClampedArray {
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true, alpha: true });
  if (!ctx) throw new ImageDecodeError('CANVAS_UNAVAILABLE', 'No 2D canvas is available.');
  ctx.imageSmoothingEnabled = false;
  ctx.setTransform(...transform);
  ctx.drawImage(bitmap, 0, 0);
  return ctx.getImageData(0, 0, width, height).data;
}

function hasTranslucency(rgba: Uint8ClampedArray): boolean {
  for (let i = 3; i < rgba.length; i += 4) if (rgba[i] !== 255) return true;
  return false;
}

function readRgba(bitmap: ImageBitmap, mayHaveAlpha: boolean): Uint8ClampedArray {
  const rgba = readRgbaCanvas(bitmap);
  if (!mayHaveAlpha || !hasTranslucency(rgba)) return rgba;
  return readRgbaWebGl(bitmap) ?? rgba;
}

/** Nearest-neighbour squash of an RGBA buffer with the reference's rule src = floor(dst * size / 512). */
export function squashNearest(rgba: Uint8ClampedArray, width: number, height: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(SQUASH_SIZE * SQUASH_SIZE * 4);
  const src32 = new Uint32Array(rgba.buffer, rgba.byteOffset, width * height);
  const out32 = new Uint32Array(out.buffer);
  const xs = new Uint32Array(SQUASH_SIZE);
  for (let x = 0; x < SQUASH_SIZE; x++) xs[x] = Math.floor((x * width) / SQUASH_SIZE);
  for (let y = 0; y < SQUASH_SIZE; y++) {
    const row = Math.floor((y * height) / SQUASH_SIZE) * width;
    const outRow = y * SQUASH_SIZE;
    for (let x = 0; x < SQUASH_SIZE; x++) out32[outRow + x] = src32[row + xs[x]];
  }
  return out;
}

/** One channel when every pixel has R = G = B (the reference's grey path), else RGBA as is. */
export function toReferenceChannels(rgba: Uint8ClampedArray): { data: Uint8ClampedArray; channels: 1 | 4 } {
  const n = rgba.length >> 2;
  for (let i = 0; i < n; i++) {
    const o = i << 2;
    if (rgba[o] !== rgba[o + 1] || rgba[o] !== rgba[o + 2]) return { data: rgba, channels: 4 };
  }
  const grey = new Uint8ClampedArray(n);
  for (let i = 0; i < n; i++) grey[i] = rgba[i << 2];
  return { data: grey, channels: 1 };
}

/** Decodes an image file to the pixel matrix the PDQ reference would hash. */
export async function decodeImageForPdq(blob: Blob, options: DecodeOptions = {}): Promise<DecodedPixels> {
  const mode = options.squash ?? 'canvas';
  if (blob.size === 0) throw new ImageDecodeError('IMAGE_EMPTY', 'The file is empty.');
  const head = new Uint8Array(await blob.slice(0, ORIENTATION_HEAD_BYTES).arrayBuffer());
  const tagged = readOrientation(head);
  const orientation: Orientation = tagged !== 1 && (await decoderAppliesOrientation(BITMAP_OPTIONS)) ? tagged : 1;
  const mayHaveAlpha = !isJpeg(head);
  let bitmap = await bitmapFrom(blob);
  try {
    if (bitmap.width === 0 || bitmap.height === 0)
      throw new ImageDecodeError('IMAGE_EMPTY', 'The image has no pixels.');
    const swapped = orientation >= 5;
    const originalWidth = swapped ? bitmap.height : bitmap.width;
    const originalHeight = swapped ? bitmap.width : bitmap.height;
    const squash = !options.fullResolution && needsSquash(originalWidth, originalHeight);
    const width = squash ? SQUASH_SIZE : originalWidth;
    const height = squash ? SQUASH_SIZE : originalHeight;
    if (squash && mode === 'decoder') {
      bitmap.close();
      bitmap = await bitmapFrom(blob, { width: SQUASH_SIZE, height: SQUASH_SIZE });
    }
    const resampleInJs = (): Uint8ClampedArray => {
      const full = readRgba(bitmap, mayHaveAlpha);
      if (orientation !== 1) {
        const storedWidth = swapped ? bitmap.height : bitmap.width;
        const storedHeight = swapped ? bitmap.width : bitmap.height;
        return sampleStored(full, bitmap.width, orientation, storedWidth, storedHeight, width, height);
      }
      return bitmap.width !== width || bitmap.height !== height
        ? squashNearest(full, bitmap.width, bitmap.height)
        : full;
    };
    let rgba: Uint8ClampedArray;
    if (mode === 'canvas' && (orientation !== 1 || squash)) {
      rgba = readSampled(
        bitmap,
        samplingTransform(orientation, originalWidth, originalHeight, width, height),
        width,
        height,
      );
      // Translucent pixels were premultiplied by the canvas: redo them through the exact path.
      if (mayHaveAlpha && hasTranslucency(rgba)) rgba = resampleInJs();
    } else {
      rgba = resampleInJs();
    }
    const { data, channels } = toReferenceChannels(rgba);
    return { data, width, height, channels, originalWidth, originalHeight };
  } finally {
    bitmap.close();
  }
}
