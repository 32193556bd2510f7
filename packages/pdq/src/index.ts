import { PdqHasher } from './hasher.js';
import type { DihedralHashes, HashOptions, PdqHash, PdqIntermediates, PixelBuffer } from './types.js';

export { buildDctMatrix, DCT_MATRIX } from './dct.js';
export { isPdqError, PDQ_ERROR_CODES, PdqError, type PdqErrorCode } from './errors.js';
export {
  MIN_HASHABLE_SIDE,
  PdqHasher,
  type PdqHasherOptions,
  type PdqKernel,
  REFERENCE_SQUASH_SIDE,
} from './hasher.js';
export { fromHex, HASH_BYTES, HASH_HEX_LENGTH, hammingDistance, toHex } from './hex.js';
export {
  DIHEDRAL_NAMES,
  type DihedralHashes,
  type DihedralName,
  type HashOptions,
  type PdqHash,
  type PdqIntermediates,
  type PixelBuffer,
} from './types.js';

/** Two PDQ hashes at or below this Hamming distance are a match (the reference's rule). */
export const PDQ_MATCH_THRESHOLD = 31;
/** Hashes with quality below this are too weak to share or act on. */
export const PDQ_MIN_USEFUL_QUALITY = 50;

// One shared hasher keeps the convenience functions allocation-light; big full-resolution scratch
// buffers are released after use so a single large photo does not pin ~100 MB.
const shared = new PdqHasher();
const RETAINED_PIXELS = 1024 * 1024;

/** PDQ hash of decoded pixels; by default with the reference CLI's 512x512 squash of larger images. */
export function hashPixels(img: PixelBuffer, opts: HashOptions = {}): PdqHash {
  try {
    return shared.hashPixels(img, opts);
  } finally {
    shared.trim(RETAINED_PIXELS);
  }
}

/** The eight dihedral hashes (rotations and mirrors) of decoded pixels, from one DCT. */
export function dihedralHashes(img: PixelBuffer, opts: HashOptions = {}): DihedralHashes {
  try {
    return shared.dihedralHashes(img, opts);
  } finally {
    shared.trim(RETAINED_PIXELS);
  }
}

/** PDQ hash of a float luma plane, as is (no squash). */
export function hashLuma(luma: Float32Array, width: number, height: number): PdqHash {
  try {
    return shared.hashLuma(luma, width, height);
  } finally {
    shared.trim(RETAINED_PIXELS);
  }
}

/** The hash together with the reference's float32 intermediates (64x64 buffer, 16x16 DCT, median). */
export function pdqIntermediates(img: PixelBuffer, opts: HashOptions = {}): PdqIntermediates & PdqHash {
  try {
    return shared.intermediates(img, opts);
  } finally {
    shared.trim(RETAINED_PIXELS);
  }
}
