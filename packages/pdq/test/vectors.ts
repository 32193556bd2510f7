import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import type { DihedralName, PixelBuffer } from '../src/index.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const vectorsDir = path.resolve(repoRoot, '../shared/vectors/pdq');
export const vectorsAvailable = existsSync(path.join(vectorsDir, 'manifest.json'));

export interface ManifestEntry {
  file: string;
  width: number;
  height: number;
  decoded_channels: number;
  hash: string;
  quality: number;
  hashed_width: number;
  hashed_height: number;
  dihedral: Record<DihedralName, string>;
  fullres_hash: string;
  fullres_quality: number;
  decoded_pixels?: string;
  intermediates?: string;
}

export interface IntermediatesFile {
  buffer64x64_after_tent_filter_and_decimation: number[];
  dct16x16: number[];
  torben_median: number;
  hash: string;
  quality: number;
}

export function loadManifest(): ManifestEntry[] {
  return (JSON.parse(readFileSync(path.join(vectorsDir, 'manifest.json'), 'utf8')) as { entries: ManifestEntry[] })
    .entries;
}

export function readVectorJson<T>(relative: string): T {
  return JSON.parse(readFileSync(path.join(vectorsDir, relative), 'utf8')) as T;
}

/**
 * Decodes one of the reference's lossless pixel dumps. Grey PNGs stay one channel: the reference
 * hashes grey values directly, and sharp would otherwise expand them to RGB.
 */
export async function decodeLosslessPng(relative: string): Promise<PixelBuffer> {
  const file = path.join(vectorsDir, relative);
  const meta = await sharp(file).metadata();
  const grey = meta.channels !== undefined && meta.channels <= 2;
  const pipeline = grey ? sharp(file).extractChannel(0) : sharp(file).removeAlpha();
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    width: info.width,
    height: info.height,
    channels: info.channels as PixelBuffer['channels'],
  };
}
