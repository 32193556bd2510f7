// Hostile and broken media: decompression bombs crafted byte by byte (valid chunks and CRCs),
// huge metadata, wrong magic, truncations and random corruption of valid files, and the same
// for videos. Every file ends in a typed error (or, for a harmless corruption, a normal
// decode), never a crash or a hang, and resident memory stays under a stated cap.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import fc from 'fast-check';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decodeImageBytes,
  hashImageFile,
  hashVideoFile,
  isMediaError,
  isVideoError,
  MAX_IMAGE_PIXELS,
  type MediaErrorCode,
  type VideoErrorCode,
} from '../src/index.js';

/** Resident memory may grow by at most this much over the whole suite (decoding is capped at 8192^2 pixels). */
const RSS_CAP_BYTES = 512 * 1024 * 1024;
const SEED = 424242;

let dir: string;
let baselineRss = 0;
let peakRss = 0;
let sampler: NodeJS.Timeout;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'unseen-hostile-'));
  baselineRss = process.memoryUsage().rss;
  peakRss = baselineRss;
  sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 5);
});
afterAll(() => {
  clearInterval(sampler);
  rmSync(dir, { recursive: true, force: true });
});

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([Buffer.from(type, 'ascii'), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A well-formed PNG header declaring `width` x `height` 8-bit grey, with `rows` rows of zeros compressed. */
function pngBomb(width: number, height: number, rows: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // grey
  const raw = Buffer.alloc(rows * (width + 1)); // filter byte 0 + zero pixels per row
  return Buffer.concat([
    PNG_MAGIC,
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

async function expectMediaCode(promise: Promise<unknown>, codes: MediaErrorCode[]): Promise<void> {
  try {
    await promise;
  } catch (err) {
    if (!isMediaError(err)) throw new Error(`expected a MediaError, got ${String(err)}`);
    expect(codes, err.message).toContain(err.code);
    return;
  }
  throw new Error(`expected one of ${codes.join(', ')}, but decoding succeeded`);
}

/** Either a normal decode or a typed error: never an untyped throw. */
async function decodesOrTypedError(bytes: Uint8Array): Promise<'ok' | MediaErrorCode> {
  try {
    const image = await decodeImageBytes(bytes);
    expect(image.width * image.height).toBeLessThanOrEqual(MAX_IMAGE_PIXELS);
    return 'ok';
  } catch (err) {
    if (!isMediaError(err)) throw new Error(`untyped failure: ${String(err)}`);
    expect(['EMPTY_FILE', 'UNSUPPORTED_FORMAT', 'CORRUPT_IMAGE', 'IMAGE_TOO_LARGE']).toContain(err.code);
    return err.code;
  }
}

describe('image decompression bombs and hostile headers', () => {
  it('a 100000 x 100000 PNG in a tiny file is refused before any pixel is allocated', async () => {
    const bomb = pngBomb(100_000, 100_000, 4);
    expect(bomb.length).toBeLessThan(2_000);
    const before = process.memoryUsage().rss;
    await expectMediaCode(decodeImageBytes(bomb), ['IMAGE_TOO_LARGE']);
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
    const file = path.join(dir, 'bomb.png');
    writeFileSync(file, bomb);
    await expectMediaCode(hashImageFile(file), ['IMAGE_TOO_LARGE']);
  });

  it('just over the pixel cap (8193 x 8192) is refused; 1 x 70M (a long thin strip) too', async () => {
    await expectMediaCode(decodeImageBytes(pngBomb(8193, 8192, 1)), ['IMAGE_TOO_LARGE']);
    await expectMediaCode(decodeImageBytes(pngBomb(1, 70_000_000, 1)), ['IMAGE_TOO_LARGE', 'CORRUPT_IMAGE']);
  });

  it('a PNG whose IDAT ends early (declares 2000 x 2000, carries 3 rows) is a typed error', async () => {
    await expectMediaCode(decodeImageBytes(pngBomb(2000, 2000, 3)), ['CORRUPT_IMAGE']);
  });

  it('JPEG, GIF, WebP and TIFF headers declaring 65535 x 65535 are refused', async () => {
    const sof = Buffer.from([
      0xff, 0xd8, 0xff, 0xc0, 0x00, 0x11, 0x08, 0xff, 0xff, 0xff, 0xff, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03,
      0x11, 0x01, 0xff, 0xd9,
    ]);
    const gif = Buffer.concat([
      Buffer.from('GIF89a', 'ascii'),
      Buffer.from([0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00]),
      Buffer.from([0x2c, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b]),
    ]);
    const vp8x = Buffer.alloc(10);
    vp8x.writeUIntLE(16383, 4, 3); // canvas width - 1 (max 16384)
    vp8x.writeUIntLE(16383, 7, 3);
    const webpBody = Buffer.concat([
      Buffer.from('WEBP', 'ascii'),
      Buffer.from('VP8X', 'ascii'),
      Buffer.from([10, 0, 0, 0]),
      vp8x,
    ]);
    const webp = Buffer.concat([
      Buffer.from('RIFF', 'ascii'),
      Buffer.from([webpBody.length & 0xff, webpBody.length >> 8, 0, 0]),
      webpBody,
    ]);
    const tiff = Buffer.from([
      0x49,
      0x49,
      0x2a,
      0x00,
      0x08,
      0x00,
      0x00,
      0x00, // little-endian, IFD at 8
      0x03,
      0x00, // 3 entries
      0x00,
      0x01,
      0x04,
      0x00,
      0x01,
      0x00,
      0x00,
      0x00,
      0xff,
      0xff,
      0x00,
      0x00, // ImageWidth 65535
      0x01,
      0x01,
      0x04,
      0x00,
      0x01,
      0x00,
      0x00,
      0x00,
      0xff,
      0xff,
      0x00,
      0x00, // ImageLength 65535
      0x02,
      0x01,
      0x03,
      0x00,
      0x01,
      0x00,
      0x00,
      0x00,
      0x08,
      0x00,
      0x00,
      0x00, // BitsPerSample 8
      0x00,
      0x00,
      0x00,
      0x00,
    ]);
    for (const [name, bytes] of [
      ['jpeg', sof],
      ['gif', gif],
      ['webp', webp],
      ['tiff', tiff],
    ] as const) {
      const code = await decodesOrTypedError(bytes);
      // Refused either way: by the pixel cap, or because the header leads to no decodable data.
      expect(['IMAGE_TOO_LARGE', 'CORRUPT_IMAGE', 'UNSUPPORTED_FORMAT'], name).toContain(code);
    }
  });

  it('huge metadata: a valid PNG with 8 MB of text chunks and a zTXt bomb decodes or fails cleanly', async () => {
    const small = await sharp({ create: { width: 32, height: 32, channels: 3, background: { r: 10, g: 200, b: 30 } } })
      .png()
      .toBuffer();
    const iend = small.length - 12;
    const text = chunk(
      'tEXt',
      Buffer.concat([Buffer.from('Comment\0', 'latin1'), Buffer.alloc(8 * 1024 * 1024, 0x41)]),
    );
    const ztxtBomb = chunk(
      'zTXt',
      Buffer.concat([Buffer.from('Bomb\0\0', 'latin1'), deflateSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 })]),
    );
    const bytes = Buffer.concat([small.subarray(0, iend), text, ztxtBomb, small.subarray(iend)]);
    const result = await decodesOrTypedError(bytes);
    expect(['ok', 'CORRUPT_IMAGE']).toContain(result);
  });

  it('zero bytes, wrong magic, and junk behind image magics', async () => {
    await expectMediaCode(decodeImageBytes(new Uint8Array(0)), ['EMPTY_FILE']);
    const png = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#808080' } })
      .png()
      .toBuffer();
    const wrongMagic = Buffer.from(png);
    wrongMagic[1] = 0x51;
    await expectMediaCode(decodeImageBytes(wrongMagic), ['UNSUPPORTED_FORMAT', 'CORRUPT_IMAGE']);
    const junk = Buffer.alloc(4096, 0x5a);
    for (const magic of [
      PNG_MAGIC,
      Buffer.from('GIF89a'),
      Buffer.from('RIFF\x00\x10\x00\x00WEBPVP8 '),
      Buffer.from([0xff, 0xd8, 0xff, 0xe0]),
      Buffer.from('II*\x00'),
    ]) {
      const code = await decodesOrTypedError(Buffer.concat([magic, junk]));
      expect(code).not.toBe('ok');
    }
  });
});

describe('truncated and corrupted images (fast-check, seeded)', () => {
  let samples: Buffer[];
  beforeAll(async () => {
    const base = sharp({
      create: { width: 96, height: 64, channels: 3, background: { r: 40, g: 90, b: 160 } },
    }).composite([
      { input: { create: { width: 30, height: 20, channels: 3, background: '#ff0000' } }, left: 10, top: 10 },
    ]);
    samples = await Promise.all([
      base.clone().png().toBuffer(),
      base.clone().jpeg().toBuffer(),
      base.clone().webp().toBuffer(),
      base.clone().gif().toBuffer(),
      base.clone().tiff().toBuffer(),
    ]);
  });

  it('every truncation of PNG, JPEG, WebP, GIF and TIFF decodes or fails with a typed error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(4), fc.double({ min: 0, max: 1, noNaN: true }), async (which, fraction) => {
        const bytes = samples[which];
        await decodesOrTypedError(bytes.subarray(0, Math.floor(bytes.length * fraction)));
      }),
      { seed: SEED, numRuns: 120 },
    );
  });

  it('random byte corruption decodes or fails with a typed error', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat(4),
        fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 12 }),
        async (which, flips) => {
          const bytes = Buffer.from(samples[which]);
          for (const [at, value] of flips) bytes[at % bytes.length] = value;
          await decodesOrTypedError(bytes);
        },
      ),
      { seed: SEED + 1, numRuns: 150 },
    );
  });
});

describe('hostile videos', () => {
  let mp4: Buffer;
  beforeAll(() => {
    const file = path.join(dir, 'ok.mp4');
    execFileSync('ffmpeg', [
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=96x64:rate=10',
      '-t',
      '3',
      '-pix_fmt',
      'yuv420p',
      '-y',
      file,
    ]);
    mp4 = readFileSync(file);
  });

  async function videoOutcome(bytes: Buffer, name: string): Promise<'ok' | VideoErrorCode> {
    const file = path.join(dir, name);
    writeFileSync(file, bytes);
    try {
      const result = await hashVideoFile(file);
      expect(Array.isArray(result.features)).toBe(true);
      return 'ok';
    } catch (err) {
      if (!isVideoError(err)) throw new Error(`untyped failure for ${name}: ${String(err)}`);
      expect(['NOT_A_VIDEO', 'DECODE_FAILED']).toContain(err.code);
      return err.code;
    }
  }

  it('garbage, an empty file and an image named .mp4 are NOT_A_VIDEO', async () => {
    expect(await videoOutcome(Buffer.alloc(64 * 1024, 0x37), 'garbage.mp4')).toBe('NOT_A_VIDEO');
    expect(await videoOutcome(Buffer.alloc(0), 'empty.mp4')).toBe('NOT_A_VIDEO');
    expect(await videoOutcome(mp4.subarray(0, 32), 'only-ftyp.mp4')).toBe('NOT_A_VIDEO');
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } })
      .png()
      .toBuffer();
    expect(await videoOutcome(png, 'image.mp4')).toBe('NOT_A_VIDEO');
  });

  it('truncated and corrupted MP4s end in a result or a typed error, never a hang', { timeout: 120_000 }, async () => {
    const rand = fc.sample(
      fc.tuple(fc.double({ min: 0.05, max: 0.95, noNaN: true }), fc.array(fc.nat(), { minLength: 1, maxLength: 20 })),
      {
        seed: SEED + 2,
        numRuns: 4,
      },
    );
    for (const [i, [fraction, flips]] of rand.entries()) {
      await videoOutcome(mp4.subarray(0, Math.floor(mp4.length * fraction)), `cut-${i}.mp4`);
      const corrupt = Buffer.from(mp4);
      for (const at of flips) corrupt[at % corrupt.length] ^= 0xff;
      await videoOutcome(corrupt, `flip-${i}.mp4`);
    }
  });
});

describe('memory', () => {
  it(`resident memory grew by less than ${RSS_CAP_BYTES / 1024 / 1024} MB over all hostile inputs`, () => {
    const grown = peakRss - baselineRss;
    console.log(
      `hostile media: peak RSS growth ${(grown / 1024 / 1024).toFixed(1)} MB (cap ${RSS_CAP_BYTES / 1024 / 1024} MB)`,
    );
    expect(grown).toBeLessThan(RSS_CAP_BYTES);
  });
});
