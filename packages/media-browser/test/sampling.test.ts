import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Orientation,
  readOrientation,
  SQUASH_SIZE,
  sampleStored,
  samplingTransform,
  squashNearest,
  toReferenceChannels,
} from '../src/index.js';

/** Where stored pixel (sx, sy) lands once a decoder has applied EXIF orientation `o`. */
function displayedOf(o: Orientation, sx: number, sy: number, sw: number, sh: number): [number, number] {
  switch (o) {
    case 1:
      return [sx, sy];
    case 2:
      return [sw - 1 - sx, sy];
    case 3:
      return [sw - 1 - sx, sh - 1 - sy];
    case 4:
      return [sx, sh - 1 - sy];
    case 5:
      return [sy, sx];
    case 6:
      return [sh - 1 - sy, sx];
    case 7:
      return [sh - 1 - sy, sw - 1 - sx];
    case 8:
      return [sy, sw - 1 - sx];
  }
}

/** A displayed image whose every pixel encodes its own coordinates, so samples can be traced back. */
function coordinateImage(width: number, height: number): Uint8ClampedArray {
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      rgba[o] = x & 255;
      rgba[o + 1] = x >> 8;
      rgba[o + 2] = y & 255;
      rgba[o + 3] = y >> 8;
    }
  }
  return rgba;
}

const orientationArb = fc.constantFrom<Orientation>(1, 2, 3, 4, 5, 6, 7, 8);

describe('reference squash (src = floor(dst * size / 512))', () => {
  it('squashNearest picks exactly the reference source pixels', () => {
    const [w, h] = [1600, 1004];
    const out = squashNearest(coordinateImage(w, h), w, h);
    for (const [x, y] of [
      [0, 0],
      [1, 1],
      [255, 300],
      [511, 511],
    ]) {
      const o = (y * SQUASH_SIZE + x) * 4;
      expect(out[o] | (out[o + 1] << 8)).toBe(Math.floor((x * w) / 512));
      expect(out[o + 2] | (out[o + 3] << 8)).toBe(Math.floor((y * h) / 512));
    }
  });

  it('sampleStored undoes every EXIF orientation and samples the reference grid', () => {
    fc.assert(
      fc.property(orientationArb, fc.integer({ min: 1, max: 700 }), fc.integer({ min: 1, max: 700 }), (o, sw, sh) => {
        const swapped = o >= 5;
        const [dw, dh] = swapped ? [sh, sw] : [sw, sh];
        const [ow, oh] = sw > 512 || sh > 512 ? [512, 512] : [sw, sh];
        const out = sampleStored(coordinateImage(dw, dh), dw, o, sw, sh, ow, oh);
        for (const [x, y] of [
          [0, 0],
          [ow - 1, 0],
          [0, oh - 1],
          [ow - 1, oh - 1],
          [ow >> 1, oh >> 2],
        ]) {
          const sx = Math.floor((x * sw) / ow);
          const sy = Math.floor((y * sh) / oh);
          const [ex, ey] = displayedOf(o, sx, sy, sw, sh);
          const i = (y * ow + x) * 4;
          expect([out[i] | (out[i + 1] << 8), out[i + 2] | (out[i + 3] << 8)]).toEqual([ex, ey]);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('samplingTransform sends every output pixel centre to the reference pixel, even in float32', () => {
    fc.assert(
      fc.property(orientationArb, fc.integer({ min: 1, max: 6000 }), fc.integer({ min: 1, max: 6000 }), (o, sw, sh) => {
        const [ow, oh] = sw > 512 || sh > 512 ? [512, 512] : [sw, sh];
        const [a, b, c, d, e, f] = samplingTransform(o, sw, sh, ow, oh);
        // The canvas maps destination back to source with the inverse of the transform.
        const det = a * d - b * c;
        const f32 = Math.fround;
        const inv = [d / det, -b / det, -c / det, a / det].map(f32);
        const tx = f32(-(inv[0] * e + inv[2] * f));
        const ty = f32(-(inv[1] * e + inv[3] * f));
        // Every column on a few rows and every row on a few columns: errors accumulate along an axis.
        const points: [number, number][] = [];
        for (const y of [0, oh >> 1, oh - 1]) for (let x = 0; x < ow; x++) points.push([x, y]);
        for (const x of [0, ow >> 1, ow - 1]) for (let y = 0; y < oh; y++) points.push([x, y]);
        const wrong: string[] = [];
        for (const [x, y] of points) {
          {
            const X = x + 0.5;
            const Y = y + 0.5;
            const u = f32(f32(f32(inv[0] * X) + f32(inv[2] * Y)) + tx);
            const v = f32(f32(f32(inv[1] * X) + f32(inv[3] * Y)) + ty);
            const sx = Math.floor((x * sw) / ow);
            const sy = Math.floor((y * sh) / oh);
            const [ex, ey] = displayedOf(o, sx, sy, sw, sh);
            if (Math.floor(u) !== ex || Math.floor(v) !== ey) wrong.push(`(${x},${y})`);
          }
        }
        expect(wrong, `orientation ${o}, ${sw}x${sh}`).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });
});

describe('toReferenceChannels', () => {
  it('hands an all-grey image over as one channel, as ImageMagick writes it as PGM', () => {
    const grey = new Uint8ClampedArray([10, 10, 10, 255, 200, 200, 200, 0]);
    expect(toReferenceChannels(grey)).toEqual({ data: new Uint8ClampedArray([10, 200]), channels: 1 });
  });

  it('keeps colour images as RGBA', () => {
    const colour = new Uint8ClampedArray([10, 10, 10, 255, 200, 201, 200, 255]);
    const result = toReferenceChannels(colour);
    expect(result.channels).toBe(4);
    expect(result.data).toBe(colour);
  });
});

describe('readOrientation', () => {
  /** A minimal JPEG head: SOI, APP1 "Exif" with one IFD0 entry (0x0112), then SOS. */
  function jpegWithOrientation(value: number, littleEndian: boolean): Uint8Array {
    const tiff = new DataView(new ArrayBuffer(26));
    tiff.setUint16(0, littleEndian ? 0x4949 : 0x4d4d);
    tiff.setUint16(2, 42, littleEndian);
    tiff.setUint32(4, 8, littleEndian);
    tiff.setUint16(8, 1, littleEndian);
    tiff.setUint16(10, 0x0112, littleEndian);
    tiff.setUint16(12, 3, littleEndian);
    tiff.setUint32(14, 1, littleEndian);
    tiff.setUint16(18, value, littleEndian);
    const exif = [0x45, 0x78, 0x69, 0x66, 0, 0, ...new Uint8Array(tiff.buffer)];
    const length = exif.length + 2;
    return new Uint8Array([0xff, 0xd8, 0xff, 0xe1, length >> 8, length & 255, ...exif, 0xff, 0xda, 0, 2]);
  }

  it('reads the tag in both byte orders', () => {
    for (let value = 1; value <= 8; value++) {
      expect(readOrientation(jpegWithOrientation(value, true))).toBe(value);
      expect(readOrientation(jpegWithOrientation(value, false))).toBe(value);
    }
  });

  it('falls back to 1 for missing, invalid or truncated data', () => {
    expect(readOrientation(jpegWithOrientation(9, true))).toBe(1);
    expect(readOrientation(jpegWithOrientation(6, true).subarray(0, 20))).toBe(1);
    expect(readOrientation(new Uint8Array([0xff, 0xd8, 0xff, 0xda, 0, 2]))).toBe(1);
    expect(readOrientation(new Uint8Array([1, 2, 3]))).toBe(1);
    expect(readOrientation(new Uint8Array(0))).toBe(1);
  });

  it('reads a PNG eXIf chunk', () => {
    const jpeg = jpegWithOrientation(8, false);
    const tiff = jpeg.subarray(12, 12 + 26);
    const chunk = new Uint8Array(12 + tiff.length);
    const view = new DataView(chunk.buffer);
    view.setUint32(0, tiff.length);
    view.setUint32(4, 0x65584966);
    chunk.set(tiff, 8);
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...chunk]);
    expect(readOrientation(png)).toBe(8);
  });
});
