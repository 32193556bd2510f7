import { describe, expect, it } from 'vitest';
import {
  dihedralHashes,
  hashLuma,
  hashPixels,
  isPdqError,
  PDQ_ERROR_CODES,
  type PdqError,
  type PdqErrorCode,
  PdqHasher,
  pdqIntermediates,
  type PixelBuffer,
  fromHex,
  hammingDistance,
  toHex,
} from '../src/index.js';

function noise(width: number, height: number, channels: PixelBuffer['channels'], seed = 7): PixelBuffer {
  const data = new Uint8Array(width * height * channels);
  let s = seed;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
        // A gradient plus noise, so the image has structure at every scale.
        data[(y * width + x) * channels + c] = ((x * 255) / width + (y * 128) / height + (s >>> 27)) & 255;
      }
    }
  }
  return { data, width, height, channels };
}

function expectPdqError(fn: () => unknown, code: PdqErrorCode): void {
  try {
    fn();
  } catch (err) {
    expect(isPdqError(err)).toBe(true);
    expect((err as PdqError).code).toBe(code);
    return;
  }
  throw new Error(`expected PdqError ${code}`);
}

describe('reference pre-processing', () => {
  it('squashes images over 512 to 512x512 by nearest neighbour (src = floor(dst * size / 512))', () => {
    const big = noise(1100, 700, 3);
    const squashed = new Uint8Array(512 * 512 * 3);
    for (let y = 0; y < 512; y++) {
      const sy = Math.floor((y * 700) / 512);
      for (let x = 0; x < 512; x++) {
        const sx = Math.floor((x * 1100) / 512);
        for (let c = 0; c < 3; c++) squashed[(y * 512 + x) * 3 + c] = big.data[(sy * 1100 + sx) * 3 + c];
      }
    }
    const viaSquash = hashPixels({ data: squashed, width: 512, height: 512, channels: 3 });
    expect(hashPixels(big)).toEqual(viaSquash);
    expect(hashPixels(big, { fullResolution: true }).hex).not.toBe(viaSquash.hex);
  });

  it('leaves images of 512 or less untouched, so fullResolution changes nothing there', () => {
    const img = noise(512, 300, 3);
    expect(hashPixels(img, { fullResolution: true })).toEqual(hashPixels(img));
  });

  it('drops alpha and reads 16-bit samples by their low byte', () => {
    const rgb = noise(40, 30, 3);
    const rgba = new Uint8Array(40 * 30 * 4);
    const rgb16 = new Uint16Array(40 * 30 * 3);
    for (let i = 0; i < 40 * 30; i++) {
      for (let c = 0; c < 3; c++) {
        rgba[i * 4 + c] = rgb.data[i * 3 + c];
        rgb16[i * 3 + c] = (((i * 31) & 255) << 8) | rgb.data[i * 3 + c];
      }
      rgba[i * 4 + 3] = i & 255;
    }
    const expected = hashPixels(rgb);
    expect(hashPixels({ data: rgba, width: 40, height: 30, channels: 4 })).toEqual(expected);
    expect(hashPixels({ data: rgb16, width: 40, height: 30, channels: 3 })).toEqual(expected);
  });

  it('uses the grey value itself as luma, ignoring the alpha of grey+alpha', () => {
    const grey = noise(50, 60, 1);
    const greyAlpha = new Uint8Array(50 * 60 * 2);
    const luma = new Float32Array(50 * 60);
    for (let i = 0; i < 50 * 60; i++) {
      greyAlpha[2 * i] = grey.data[i];
      greyAlpha[2 * i + 1] = 255 - (i & 255);
      luma[i] = grey.data[i];
    }
    const expected = hashPixels(grey);
    expect(hashPixels({ data: greyAlpha, width: 50, height: 60, channels: 2 })).toEqual(expected);
    expect(hashLuma(luma, 50, 60)).toEqual(expected);
  });

  it('returns an all-zero hash with quality 0 below 5 pixels on a side, like the reference', () => {
    const result = hashPixels(noise(4, 100, 3));
    expect(result.quality).toBe(0);
    expect(result.hex).toBe('0'.repeat(64));
    const dihedral = dihedralHashes(noise(100, 4, 3));
    expect(dihedral.quality).toBe(0);
    expect(Object.values(dihedral.hashes).every((h) => h.hex === '0'.repeat(64))).toBe(true);
  });

  it('takes an exact 64x64 input as the decimated buffer, skipping the tent filter', () => {
    const img = noise(64, 64, 3);
    const f = Math.fround;
    const luma = Array.from({ length: 64 * 64 }, (_, i) => {
      const [r, g, b] = [img.data[3 * i], img.data[3 * i + 1], img.data[3 * i + 2]];
      return f(f(f(f(0.299) * r) + f(f(0.587) * g)) + f(f(0.114) * b));
    });
    expect(Array.from(pdqIntermediates(img).buffer64x64)).toEqual(luma);
  });

  it('dihedral hashes of a rotated image match the rotated variant closely', () => {
    const w = 96;
    const h = 80;
    const img = noise(w, h, 1, 3);
    const rotated = new Uint8Array(w * h);
    // 90 degrees counter-clockwise: new (x, y) = old (w - 1 - y, x); new size h x w.
    for (let y = 0; y < w; y++) for (let x = 0; x < h; x++) rotated[y * h + x] = img.data[x * w + (w - 1 - y)];
    const rot = hashPixels({ data: rotated, width: h, height: w, channels: 1 });
    const variants = dihedralHashes(img);
    expect(hammingDistance(rot.hash, variants.hashes.rot90.hash)).toBeLessThanOrEqual(31);
    expect(hammingDistance(rot.hash, variants.hashes.orig.hash)).toBeGreaterThan(31);
  });

  it('the reusable hasher grows and shrinks its buffers without changing results', () => {
    const hasher = new PdqHasher();
    const small = noise(100, 90, 3);
    const large = noise(700, 600, 4);
    const a = hasher.hashPixels(small);
    hasher.hashPixels(large, { fullResolution: true });
    hasher.trim(0);
    expect(hasher.hashPixels(small)).toEqual(a);
    expect(hasher.hashPixels(large)).toEqual(hashPixels(large));
  });
});

describe('input validation', () => {
  it('has a closed, documented set of codes', () => {
    expect(new Set(PDQ_ERROR_CODES).size).toBe(PDQ_ERROR_CODES.length);
  });

  it('rejects zero-size images', () => {
    expectPdqError(() => hashPixels({ data: new Uint8Array(0), width: 0, height: 10, channels: 3 }), 'ZERO_SIZE');
    expectPdqError(() => hashLuma(new Float32Array(0), 10, 0), 'ZERO_SIZE');
  });

  it('rejects non-integer, negative or NaN dimensions', () => {
    expectPdqError(
      () => hashPixels({ data: new Uint8Array(3), width: 1.5, height: 2, channels: 1 }),
      'INVALID_DIMENSIONS',
    );
    expectPdqError(
      () => hashPixels({ data: new Uint8Array(3), width: -1, height: -3, channels: 1 }),
      'INVALID_DIMENSIONS',
    );
    expectPdqError(
      () => hashPixels({ data: new Uint8Array(3), width: Number.NaN, height: 3, channels: 1 }),
      'INVALID_DIMENSIONS',
    );
  });

  it('rejects a buffer whose length does not match width x height x channels', () => {
    expectPdqError(
      () => hashPixels({ data: new Uint8Array(10 * 10 * 3 - 1), width: 10, height: 10, channels: 3 }),
      'BUFFER_LENGTH_MISMATCH',
    );
    expectPdqError(
      () => hashPixels({ data: new Uint8Array(10 * 10 * 4), width: 10, height: 10, channels: 3 }),
      'BUFFER_LENGTH_MISMATCH',
    );
    expectPdqError(() => hashLuma(new Float32Array(99), 10, 10), 'BUFFER_LENGTH_MISMATCH');
  });

  it('rejects channel counts other than 1-4', () => {
    const bad = { data: new Uint8Array(50), width: 5, height: 2, channels: 5 } as unknown as PixelBuffer;
    expectPdqError(() => hashPixels(bad), 'INVALID_CHANNELS');
    expectPdqError(() => dihedralHashes({ ...bad, channels: 0 } as unknown as PixelBuffer), 'INVALID_CHANNELS');
  });

  it('rejects NaN and infinite luma', () => {
    const luma = new Float32Array(100).fill(10);
    luma[57] = Number.NaN;
    expectPdqError(() => hashLuma(luma, 10, 10), 'NAN_INPUT');
    luma[57] = Number.POSITIVE_INFINITY;
    expectPdqError(() => hashLuma(luma, 10, 10), 'NAN_INPUT');
  });

  it('rejects malformed hex and wrong hash lengths', () => {
    expectPdqError(() => fromHex('abc'), 'INVALID_HEX');
    expectPdqError(() => fromHex(`${'0'.repeat(63)}g`), 'INVALID_HEX');
    expectPdqError(() => fromHex(` ${'0'.repeat(63)}`), 'INVALID_HEX');
    expectPdqError(() => toHex(new Uint8Array(31)), 'INVALID_HASH_LENGTH');
    expectPdqError(() => hammingDistance(new Uint8Array(32), new Uint8Array(33)), 'INVALID_HASH_LENGTH');
  });
});
