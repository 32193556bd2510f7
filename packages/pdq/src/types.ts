/**
 * Decoded pixels, row-major and interleaved. `channels`: 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA.
 * 16-bit samples (Uint16Array) are reduced to their low byte, as the reference command-line hasher does.
 */
export interface PixelBuffer {
  data: Uint8Array | Uint8ClampedArray | Uint16Array;
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
}

export interface HashOptions {
  /**
   * Skip the reference CLI's squash of images larger than 512 on either side to 512x512 (nearest neighbour).
   * `true` gives the manifest's `fullres_hash` (what pdqhash/python-threatexchange/Java compute, and what vPDQ uses).
   */
  fullResolution?: boolean;
}

export interface PdqHash {
  /** 32 bytes in printed order: byte 0 is the first two hex characters. */
  hash: Uint8Array;
  /** 64 lowercase hex characters. */
  hex: string;
  /** 0..100; below 50 the hash is too weak to share or act on. */
  quality: number;
}

export const DIHEDRAL_NAMES = ['orig', 'rot90', 'rot180', 'rot270', 'flipx', 'flipy', 'flipp', 'flipm'] as const;
/**
 * orig: as is; rot90: rotated 90 degrees counter-clockwise; rot180; rot270: 90 degrees clockwise;
 * flipx: top-bottom mirror; flipy: left-right mirror; flipp: transpose; flipm: transverse.
 */
export type DihedralName = (typeof DIHEDRAL_NAMES)[number];

export interface DihedralHashes {
  quality: number;
  hashes: Record<DihedralName, { hash: Uint8Array; hex: string }>;
}

/** The float32 values the reference computes on the way to a hash (for conformance tests and debugging). */
export interface PdqIntermediates {
  /** 64x64 luma after the tent filter and decimation, row-major. */
  buffer64x64: Float32Array;
  /** 16x16 DCT coefficients, row-major (row = vertical frequency). */
  dct16x16: Float32Array;
  /** The threshold: the lower median of the 256 coefficients. */
  median: number;
  quality: number;
}
