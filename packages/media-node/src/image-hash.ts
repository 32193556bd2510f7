import { type DihedralName, dihedralHashes, hashPixels, PdqHasher } from '@unseen/pdq';
import { type DecodeOptions, decodeImageFile, type ImageFormat } from './image-decode.js';

export interface ImageHashOptions extends DecodeOptions {
  /** Hash at full resolution, without the reference CLI's 512x512 squash (gives `fullres_hash`). */
  fullResolution?: boolean;
  /** Also compute the eight rotation/mirror hashes. */
  dihedral?: boolean;
}

export interface ImageHash {
  signalType: 'pdq';
  /** 64 lowercase hex characters. */
  hash: string;
  quality: number;
  format: ImageFormat;
  width: number;
  height: number;
  dihedral?: Record<DihedralName, string>;
}

/** Time spent in each step, for benchmarks. */
export interface ImageHashTiming {
  decodeMs: number;
  hashMs: number;
}

const hasher = new PdqHasher();

/**
 * PDQ hash of an image file, as the reference CLI computes it by default (512x512 squash of larger
 * images). `fast` decodes big JPEGs at reduced size; `fullResolution` skips the squash (and disables fast).
 */
export async function hashImageFile(path: string, opts: ImageHashOptions = {}): Promise<ImageHash> {
  return (await hashImageFileTimed(path, opts)).result;
}

export async function hashImageFileTimed(
  path: string,
  opts: ImageHashOptions = {},
): Promise<{ result: ImageHash; timing: ImageHashTiming }> {
  const fullResolution = opts.fullResolution === true;
  const t0 = performance.now();
  const image = await decodeImageFile(path, { fast: opts.fast === true && !fullResolution });
  const t1 = performance.now();
  const hashOpts = { fullResolution };
  let result: ImageHash;
  if (opts.dihedral) {
    const all = dihedralHashes(image, hashOpts);
    const dihedral = Object.fromEntries(Object.entries(all.hashes).map(([name, h]) => [name, h.hex])) as Record<
      DihedralName,
      string
    >;
    result = { ...describe(image), hash: dihedral.orig, quality: all.quality, dihedral };
  } else {
    // The shared hasher keeps its 512x512 scratch buffers between files; full-resolution ones are let go.
    const { hex, quality } = fullResolution ? hashPixels(image, hashOpts) : hasher.hashPixels(image, hashOpts);
    result = { ...describe(image), hash: hex, quality };
  }
  return { result, timing: { decodeMs: t1 - t0, hashMs: performance.now() - t1 } };
}

function describe(image: { format: ImageFormat; originalWidth: number; originalHeight: number }) {
  return { signalType: 'pdq' as const, format: image.format, width: image.originalWidth, height: image.originalHeight };
}
