import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './paths.js';
import { seededRandom } from '@unseen/test-support';
import sharp from 'sharp';

async function texture(seed: number, width: number, height: number): Promise<Buffer> {
  const random = seededRandom(seed);
  const cw = 24;
  const ch = 18;
  const coarse = Buffer.alloc(cw * ch * 3);
  for (let i = 0; i < coarse.length; i++) coarse[i] = Math.floor(random() * 256);
  return sharp(coarse, { raw: { width: cw, height: ch, channels: 3 } })
    .resize(width, height, { kernel: 'cubic' })
    .raw()
    .toBuffer();
}

export interface Fixture {
  name: string;
  mimeType: string;
  buffer: Buffer;
}

export interface Fixtures {
  goodJpeg: Fixture;
  goodPng: Fixture;
  flatPng: Fixture;
  corruptJpeg: Fixture;
  video: Fixture & { md5: string };
  /** A real H.264 clip from the shared vPDQ vectors (4.3 s), when they are present. */
  realVideo: (Fixture & { md5: string }) | null;
}

const REAL_VIDEO = path.resolve(repoRoot, '../shared/vectors/vpdq/videos/doorknob-hd-no-bar.mp4');

/**
 * The mixed selection the e2e test drops in: two hashable photos, one flat image (PDQ quality
 * below 50), one corrupt file, and one "video" (hashed by MD5 of its bytes, which need not decode).
 */
export async function makeFixtures(): Promise<Fixtures> {
  const goodJpeg = await sharp(await texture(11, 900, 640), { raw: { width: 900, height: 640, channels: 3 } })
    .jpeg({ quality: 90 })
    .toBuffer();
  const goodPng = await sharp(await texture(23, 420, 300), { raw: { width: 420, height: 300, channels: 3 } })
    .png()
    .toBuffer();
  const flatPng = await sharp({ create: { width: 320, height: 240, channels: 3, background: '#7a7a7a' } })
    .png()
    .toBuffer();
  // Starts like a JPEG, then nothing a decoder can use.
  const random = seededRandom(99);
  const corrupt = Buffer.alloc(4096);
  for (let i = 0; i < corrupt.length; i++) corrupt[i] = Math.floor(random() * 256);
  corrupt.set([0xff, 0xd8, 0xff, 0xe0], 0);
  const video = Buffer.alloc(300_000);
  for (let i = 0; i < video.length; i++) video[i] = Math.floor(random() * 256);
  return {
    goodJpeg: { name: 'beach.jpg', mimeType: 'image/jpeg', buffer: goodJpeg },
    goodPng: { name: 'mirror.png', mimeType: 'image/png', buffer: goodPng },
    flatPng: { name: 'grey-wall.png', mimeType: 'image/png', buffer: flatPng },
    corruptJpeg: { name: 'broken.jpg', mimeType: 'image/jpeg', buffer: corrupt },
    video: {
      name: 'clip.webm',
      mimeType: 'video/webm',
      buffer: video,
      md5: createHash('md5').update(video).digest('hex'),
    },
    realVideo: existsSync(REAL_VIDEO)
      ? (() => {
          const buffer = readFileSync(REAL_VIDEO);
          return {
            name: 'doorknob.mp4',
            mimeType: 'video/mp4',
            buffer,
            md5: createHash('md5').update(buffer).digest('hex'),
          };
        })()
      : null,
  };
}
