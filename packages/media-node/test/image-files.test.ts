import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromHex, hammingDistance, hashPixels } from '@unseen/pdq';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decodeImageFile,
  hashImageFile,
  hashImageFiles,
  isHeic,
  isMediaError,
  MAX_IMAGE_PIXELS,
  type MediaErrorCode,
  md5File,
} from '../src/index.js';

let dir: string;
const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const file = (name: string) => path.join(dir, name);

/** A seeded 300x200 RGB test picture with gradients and noise. */
function picture(width = 300, height = 200): Buffer {
  const data = Buffer.alloc(width * height * 3);
  let s = 42;
  for (let i = 0; i < width * height; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const x = i % width;
    const y = Math.floor(i / width);
    data[3 * i] = (x * 255) / width;
    data[3 * i + 1] = (y * 255) / height;
    data[3 * i + 2] = (s >>> 24) & 0x3f;
  }
  return data;
}

/** Blocks of 16 colours: few enough for GIF's palette to hold exactly. */
function blocks(width = 300, height = 200): Buffer {
  const palette = Array.from({ length: 16 }, (_, i) => [(i * 53) & 255, (i * 97) & 255, (i * 151) & 255]);
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const colour = palette[(Math.floor(x / 20) * 7 + Math.floor(y / 20) * 3) % 16];
      data.set(colour, 3 * (y * width + x));
    }
  }
  return data;
}

function crc32(bytes: Uint8Array): number {
  let crc = ~0;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

async function expectCode(promise: Promise<unknown>, code: MediaErrorCode): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isMediaError(err), String(err)).toBe(true);
  expect((err as { code: string }).code).toBe(code);
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'unseen-media-'));
  const raw = { raw: { width: 300, height: 200, channels: 3 as const } };
  await sharp(picture(), raw).png().toFile(file('pic.png'));
  await sharp(picture(), raw).tiff({ compression: 'lzw' }).toFile(file('pic.tiff'));
  await sharp(picture(), raw).webp({ lossless: true }).toFile(file('pic.webp'));
  await sharp(picture(), raw).avif({ lossless: true }).toFile(file('pic.avif'));
  await sharp(blocks(), raw).gif().toFile(file('pic.gif'));
  await sharp(blocks(), raw).jpeg({ quality: 90 }).toFile(file('pic.jpg'));
  // An RGBA PNG whose colour under fully transparent pixels must still be hashed (no compositing).
  const rgba = Buffer.alloc(300 * 200 * 4);
  const rgb = picture();
  for (let i = 0; i < 300 * 200; i++) {
    rgb.copy(rgba, 4 * i, 3 * i, 3 * i + 3);
    rgba[4 * i + 3] = i % 3 === 0 ? 0 : 255;
  }
  await sharp(rgba, { raw: { width: 300, height: 200, channels: 4 } })
    .png()
    .toFile(file('alpha.png'));
  // A JPEG with EXIF orientation 6: the reference ignores it, so must we.
  await sharp(blocks(), raw).jpeg({ quality: 90 }).withMetadata({ orientation: 6 }).toFile(file('rotated.jpg'));
  const jpeg = readFileSync(file('pic.jpg'));
  writeFileSync(file('truncated.jpg'), jpeg.subarray(0, Math.floor(jpeg.length / 2)));
  writeFileSync(file('empty.png'), Buffer.alloc(0));
  writeFileSync(file('notes.txt'), 'not an image at all\n');
  writeFileSync(file('image.svg'), '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>');
  // A valid PNG header claiming 20000x20000 pixels: must be refused before any allocation.
  const png = Buffer.from(readFileSync(file('pic.png')));
  png.writeUInt32BE(20000, 16);
  png.writeUInt32BE(20000, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
  writeFileSync(file('huge.png'), png);
  const heicHeader = Buffer.concat([
    Buffer.from([0, 0, 0, 24]),
    Buffer.from('ftypheic'),
    Buffer.from([0, 0, 0, 0]),
    Buffer.from('mif1heic'),
    Buffer.alloc(64, 7),
  ]);
  writeFileSync(file('broken.heic'), heicHeader);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('decoding image files', () => {
  it('lossless PNG, TIFF, WebP and AVIF all hash exactly like the raw pixels', async () => {
    const expected = hashPixels({ data: picture(), width: 300, height: 200, channels: 3 });
    for (const name of ['pic.png', 'pic.tiff', 'pic.webp', 'pic.avif']) {
      const result = await hashImageFile(file(name));
      expect(result.hash, name).toBe(expected.hex);
      expect(result.quality).toBe(expected.quality);
    }
  });

  it('decodes GIF (palette) exactly and JPEG close to the source', async () => {
    const gif = await hashImageFile(file('pic.gif'));
    expect(gif.format).toBe('gif');
    expect(gif.hash).toBe(hashPixels({ data: blocks(), width: 300, height: 200, channels: 3 }).hex);
    const expected = hashPixels({ data: blocks(), width: 300, height: 200, channels: 3 });
    const jpeg = await hashImageFile(file('pic.jpg'));
    expect(jpeg.format).toBe('jpeg');
    expect(hammingDistance(fromHex(jpeg.hash), expected.hash)).toBeLessThanOrEqual(31);
  });

  it('drops alpha without compositing', async () => {
    const expected = hashPixels({ data: picture(), width: 300, height: 200, channels: 3 });
    const image = await decodeImageFile(file('alpha.png'));
    expect(image.channels).toBe(3);
    expect((await hashImageFile(file('alpha.png'))).hash).toBe(expected.hex);
  });

  it('ignores EXIF orientation', async () => {
    const image = await decodeImageFile(file('rotated.jpg'));
    expect([image.width, image.height]).toEqual([300, 200]);
    expect((await hashImageFile(file('rotated.jpg'))).hash).toBe((await hashImageFile(file('pic.jpg'))).hash);
  });

  it("decodes a real HEIC photo (x265-encoded) to the hash of libheif's own decode", async () => {
    const fixture = JSON.parse(readFileSync(path.join(fixtures, 'bridge-480.heic.json'), 'utf8')) as {
      width: number;
      height: number;
      libheifPdq: string;
      libheifQuality: number;
    };
    const heic = path.join(fixtures, 'bridge-480.heic');
    expect(isHeic(readFileSync(heic))).toBe(true);
    const image = await decodeImageFile(heic);
    expect([image.format, image.width, image.height]).toEqual(['heic', fixture.width, fixture.height]);
    const hashed = await hashImageFile(heic);
    // The WebAssembly decoder's YUV->RGB differs from native libheif by a few levels per sample
    // (up to 7 here); PDQ absorbs that: 0 bits apart when this fixture was made.
    expect(hammingDistance(fromHex(hashed.hash), fromHex(fixture.libheifPdq))).toBeLessThanOrEqual(4);
    expect(hashed.quality).toBeGreaterThanOrEqual(fixture.libheifQuality - 10);
  });

  it('recognises HEIC by its brands and not AVIF', () => {
    expect(isHeic(readFileSync(file('broken.heic')))).toBe(true);
    expect(isHeic(readFileSync(file('pic.avif')))).toBe(false);
    expect(isHeic(readFileSync(file('pic.png')))).toBe(false);
  });
});

describe('hostile and broken input gets a typed error, never a crash', () => {
  it.each([
    ['missing.jpg', 'FILE_NOT_FOUND'],
    ['empty.png', 'EMPTY_FILE'],
    ['notes.txt', 'UNSUPPORTED_FORMAT'],
    ['image.svg', 'UNSUPPORTED_FORMAT'],
    ['truncated.jpg', 'CORRUPT_IMAGE'],
    ['huge.png', 'IMAGE_TOO_LARGE'],
    ['broken.heic', 'CORRUPT_IMAGE'],
  ] as const)('%s -> %s', async (name, code) => {
    await expectCode(hashImageFile(file(name)), code);
  });

  it('a directory is not a file', async () => {
    await expectCode(hashImageFile(dir), 'NOT_A_FILE');
  });

  it('states a pixel cap', () => {
    expect(MAX_IMAGE_PIXELS).toBe(8192 * 8192);
  });
});

describe('md5File', () => {
  it('streams the MD5 of the bytes', async () => {
    const expected = createHash('md5')
      .update(readFileSync(file('pic.tiff')))
      .digest('hex');
    expect(await md5File(file('pic.tiff'))).toBe(expected);
  });

  it('refuses empty and missing files', async () => {
    await expectCode(md5File(file('empty.png')), 'EMPTY_FILE');
    await expectCode(md5File(file('missing.mp4')), 'FILE_NOT_FOUND');
  });
});

describe('hashImageFiles', () => {
  it('hashes in parallel worker threads with the same results as one thread, in input order', async () => {
    const paths = ['pic.png', 'missing.jpg', 'pic.jpg', 'notes.txt', 'pic.webp', 'pic.gif'].map(file);
    const progress: number[] = [];
    const serial = await hashImageFiles(paths, { concurrency: 1 });
    const parallel = await hashImageFiles(paths, { concurrency: 2, onProgress: (done) => progress.push(done) });
    expect(parallel).toEqual(serial);
    expect(progress).toEqual([1, 2, 3, 4, 5, 6]);
    expect(parallel.map((r) => (r.ok ? 'ok' : r.error.code))).toEqual([
      'ok',
      'FILE_NOT_FOUND',
      'ok',
      'UNSUPPORTED_FORMAT',
      'ok',
      'ok',
    ]);
  });
});
