import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { decodeImageBytes, hashImageFile, hashVideoFile, md5File } from '@unseen/media-node';
import { DIHEDRAL_NAMES, dihedralHashes, fromHex, hashPixels } from '@unseen/pdq';
import type { VpdqCompactFeature } from '@unseen/vpdq';
import { PartnerError } from './errors.js';

export interface ImageVariant {
  transform: string;
  hash: Uint8Array;
  hex: string;
}

export interface HashedImage {
  kind: 'image';
  quality: number;
  /** The upload as it is (`orig`) first; then its 7 rotations/flips when dihedral hashing is on (duplicates dropped). */
  variants: ImageVariant[];
  md5: string;
}

export interface HashedVideo {
  kind: 'video';
  frames: VpdqCompactFeature[];
  md5: string;
}

export type HashedMedia = HashedImage | HashedVideo;
export type MediaKind = 'image' | 'video';

/** Turns media files into the hashes the matcher takes; injectable so the service can be tested without codecs. */
export interface MediaHasher {
  hashImage(file: string, options: { dihedral: boolean }): Promise<HashedImage>;
  hashImageBytes(bytes: Uint8Array, options: { dihedral: boolean }): Promise<HashedImage>;
  hashVideo(file: string): Promise<HashedVideo>;
}

const IMAGE_EXTENSIONS = new Set([
  '.jpg',
  '.jpeg',
  '.png',
  '.webp',
  '.gif',
  '.avif',
  '.tif',
  '.tiff',
  '.bmp',
  '.heic',
  '.heif',
]);
const VIDEO_EXTENSIONS = new Set([
  '.mp4',
  '.m4v',
  '.mov',
  '.webm',
  '.mkv',
  '.avi',
  '.mpg',
  '.mpeg',
  '.3gp',
  '.wmv',
  '.flv',
]);

export function mediaKindOfPath(file: string): MediaKind | undefined {
  const ext = path.extname(file).toLowerCase();
  if (IMAGE_EXTENSIONS.has(ext)) return 'image';
  if (VIDEO_EXTENSIONS.has(ext)) return 'video';
  return undefined;
}

export function mediaKindOfContentType(contentType: string | undefined): MediaKind | undefined {
  const type = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  if (type.startsWith('image/')) return 'image';
  if (type.startsWith('video/')) return 'video';
  return undefined;
}

export const nodeMediaHasher: MediaHasher = {
  async hashImage(file, { dihedral }) {
    try {
      const [hashed, md5] = await Promise.all([hashImageFile(file, { dihedral }), md5File(file)]);
      const variants: ImageVariant[] = [{ transform: 'orig', hash: fromHex(hashed.hash), hex: hashed.hash }];
      if (hashed.dihedral) {
        for (const name of DIHEDRAL_NAMES) {
          const hex = hashed.dihedral[name];
          variants.push({ transform: name, hash: fromHex(hex), hex });
        }
      }
      return { kind: 'image', quality: hashed.quality, variants: dedupeVariants(variants), md5 };
    } catch (cause) {
      throw mediaError(file, cause);
    }
  },
  async hashImageBytes(bytes, { dihedral }) {
    try {
      const image = await decodeImageBytes(bytes);
      const md5 = createHash('md5').update(bytes).digest('hex');
      if (!dihedral) {
        const h = hashPixels(image);
        return { kind: 'image', quality: h.quality, variants: [{ transform: 'orig', hash: h.hash, hex: h.hex }], md5 };
      }
      const all = dihedralHashes(image);
      const variants = DIHEDRAL_NAMES.map((name) => ({
        transform: name,
        hash: all.hashes[name].hash,
        hex: all.hashes[name].hex,
      }));
      return { kind: 'image', quality: all.quality, variants: dedupeVariants(variants), md5 };
    } catch (cause) {
      throw mediaError('the upload', cause);
    }
  },
  async hashVideo(file) {
    try {
      const [video, md5] = await Promise.all([hashVideoFile(file), md5File(file)]);
      return { kind: 'video', frames: video.features, md5 };
    } catch (cause) {
      throw mediaError(file, cause);
    }
  },
};

function dedupeVariants(variants: ImageVariant[]): ImageVariant[] {
  const seen = new Set<string>();
  return variants.filter((v) => {
    if (seen.has(v.hex)) return false;
    seen.add(v.hex);
    return true;
  });
}

function mediaError(file: string, cause: unknown): PartnerError {
  if (cause instanceof PartnerError) return cause;
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new PartnerError('MEDIA_ERROR', `cannot hash ${file}: ${detail}`, { cause });
}

/** Images are decoded from memory; videos go through a private temp file (ffmpeg reads files), always removed. */
export async function hashBytes(
  hasher: MediaHasher,
  bytes: Uint8Array,
  kind: MediaKind,
  options: { dihedral: boolean },
): Promise<HashedMedia> {
  if (kind === 'image') return hasher.hashImageBytes(bytes, options);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'unseen-match-'));
  const file = path.join(dir, 'upload.video');
  try {
    await writeFile(file, bytes, { mode: 0o600 });
    return await hasher.hashVideo(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Expands files and folders (recursively) into media files, sorted, skipping what is neither image nor video. */
export async function collectMediaFiles(
  inputs: readonly string[],
): Promise<{ files: { file: string; kind: MediaKind }[]; skipped: string[] }> {
  const files: { file: string; kind: MediaKind }[] = [];
  const skipped: string[] = [];
  async function visit(p: string, explicit: boolean): Promise<void> {
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(p);
    } catch (cause) {
      throw new PartnerError('MEDIA_ERROR', `${p} does not exist or cannot be read`, { cause });
    }
    if (info.isDirectory()) {
      const entries = (await readdir(p)).sort();
      for (const entry of entries) {
        if (entry.startsWith('.')) continue;
        await visit(path.join(p, entry), false);
      }
      return;
    }
    const kind = mediaKindOfPath(p);
    if (kind) files.push({ file: p, kind });
    else if (explicit) skipped.push(p);
  }
  for (const input of inputs) await visit(input, true);
  return { files, skipped };
}
