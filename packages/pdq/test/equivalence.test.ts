import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type PixelBuffer, pdqIntermediates } from '../src/index.js';

const f = Math.fround;

/**
 * A line-by-line port of the reference's filter (one row or column at a time, strided), kept
 * deliberately naive: the optimised hasher (interleaved rows, blocked columns, fused decimation)
 * must produce the same float32 64x64 buffer for every size.
 */
function naiveBox(input: Float32Array, output: Float32Array, start: number, length: number, stride: number, w: number) {
  const half = Math.floor((w + 2) / 2);
  let li = start;
  let ri = start;
  let oi = start;
  let sum = 0;
  let count = 0;
  for (let i = 0; i < half - 1; i++, ri += stride) {
    sum = f(sum + input[ri]);
    count++;
  }
  for (let i = 0; i < w - half + 1; i++, ri += stride, oi += stride) {
    sum = f(sum + input[ri]);
    count++;
    output[oi] = f(sum / count);
  }
  for (let i = 0; i < length - w; i++, ri += stride, li += stride, oi += stride) {
    sum = f(sum + input[ri]);
    sum = f(sum - input[li]);
    output[oi] = f(sum / count);
  }
  for (let i = 0; i < half - 1; i++, li += stride, oi += stride) {
    sum = f(sum - input[li]);
    count--;
    output[oi] = f(sum / count);
  }
}

function naiveBuffer64(img: PixelBuffer): Float32Array {
  const { data, width, height, channels } = img;
  const a = new Float32Array(width * height);
  for (let i = 0; i < width * height; i++) {
    const p = i * channels;
    a[i] = channels < 3 ? data[p] : f(f(f(f(0.299) * data[p]) + f(f(0.587) * data[p + 1])) + f(f(0.114) * data[p + 2]));
  }
  const b = new Float32Array(width * height);
  const wr = Math.floor((width + 127) / 128);
  const wc = Math.floor((height + 127) / 128);
  for (let pass = 0; pass < 2; pass++) {
    for (let r = 0; r < height; r++) naiveBox(a, b, r * width, width, 1, wr);
    for (let c = 0; c < width; c++) naiveBox(b, a, c, height, width, wc);
  }
  const out = new Float32Array(64 * 64);
  for (let i = 0; i < 64; i++) {
    const y = Math.floor(((i + 0.5) * height) / 64);
    for (let j = 0; j < 64; j++) out[i * 64 + j] = a[y * width + Math.floor(((j + 0.5) * width) / 64)];
  }
  return out;
}

describe('optimised filter = naive port of the reference', () => {
  it('gives identical float32 buffers for arbitrary sizes and channel counts', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 5, max: 300 }),
        fc.integer({ min: 5, max: 300 }),
        fc.constantFrom<PixelBuffer['channels']>(1, 3, 4),
        fc.integer(),
        (width, height, channels, seed) => {
          if (width === 64 && height === 64) return; // the plain hash skips the filter there
          const data = new Uint8Array(width * height * channels);
          let s = seed >>> 0;
          for (let i = 0; i < data.length; i++) {
            s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
            data[i] = ((i % (channels * width)) + (s >>> 28)) & 255;
          }
          const img = { data, width, height, channels };
          expect(Array.from(pdqIntermediates(img, { fullResolution: true }).buffer64x64)).toEqual(
            Array.from(naiveBuffer64(img)),
          );
        },
      ),
      { numRuns: 60 },
    );
  });

  it('also with the wider windows of large images', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 300, max: 1300 }),
        fc.integer({ min: 300, max: 1300 }),
        fc.constantFrom<PixelBuffer['channels']>(1, 3, 4),
        fc.integer(),
        (width, height, channels, seed) => {
          if (width === 64 && height === 64) return; // the plain hash skips the filter there
          const data = new Uint8Array(width * height * channels);
          let s = seed >>> 0;
          for (let i = 0; i < data.length; i++) {
            s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
            data[i] = ((i % (channels * width)) + (s >>> 28)) & 255;
          }
          const img = { data, width, height, channels };
          expect(Array.from(pdqIntermediates(img, { fullResolution: true }).buffer64x64)).toEqual(
            Array.from(naiveBuffer64(img)),
          );
        },
      ),
      { numRuns: 5 },
    );
  });
});
