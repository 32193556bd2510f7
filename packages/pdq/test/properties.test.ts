import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, HASH_BYTES, hammingDistance, hashPixels, type PixelBuffer, toHex } from '../src/index.js';

const hashArb = fc.uint8Array({ minLength: HASH_BYTES, maxLength: HASH_BYTES });

const imageArb: fc.Arbitrary<PixelBuffer> = fc
  .record({
    width: fc.integer({ min: 1, max: 80 }),
    height: fc.integer({ min: 1, max: 80 }),
    channels: fc.constantFrom<PixelBuffer['channels']>(1, 2, 3, 4),
    seed: fc.integer(),
  })
  .map(({ width, height, channels, seed }) => {
    const data = new Uint8Array(width * height * channels);
    let s = seed >>> 0;
    for (let i = 0; i < data.length; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      data[i] = s >>> 24;
    }
    return { data, width, height, channels };
  });

describe('PDQ properties', () => {
  it('hex round-trips and is 64 lowercase characters', () => {
    fc.assert(
      fc.property(hashArb, (bytes) => {
        const hex = toHex(bytes);
        expect(hex).toMatch(/^[0-9a-f]{64}$/);
        expect(fromHex(hex)).toEqual(bytes);
        expect(fromHex(hex.toUpperCase())).toEqual(bytes);
      }),
    );
  });

  it('Hamming distance is a metric on 256 bits', () => {
    fc.assert(
      fc.property(hashArb, hashArb, hashArb, (a, b, c) => {
        const ab = hammingDistance(a, b);
        expect(ab).toBe(hammingDistance(b, a));
        expect(ab).toBeGreaterThanOrEqual(0);
        expect(ab).toBeLessThanOrEqual(256);
        expect(hammingDistance(a, a)).toBe(0);
        expect(hammingDistance(a, c)).toBeLessThanOrEqual(ab + hammingDistance(b, c));
      }),
    );
  });

  it('counts flipped bits exactly', () => {
    fc.assert(
      fc.property(hashArb, fc.uniqueArray(fc.integer({ min: 0, max: 255 }), { maxLength: 256 }), (a, bits) => {
        const b = a.slice();
        for (const bit of bits) b[bit >> 3] ^= 1 << (bit & 7);
        expect(hammingDistance(a, b)).toBe(bits.length);
      }),
    );
  });

  it('quality is an integer in 0..100 and the hash is deterministic', () => {
    fc.assert(
      fc.property(imageArb, (img) => {
        const first = hashPixels(img);
        expect(Number.isInteger(first.quality)).toBe(true);
        expect(first.quality).toBeGreaterThanOrEqual(0);
        expect(first.quality).toBeLessThanOrEqual(100);
        expect(first.hash).toHaveLength(HASH_BYTES);
        expect(hashPixels(img)).toEqual(first);
      }),
      { numRuns: 60 },
    );
  });

  it('a hash of a non-degenerate image has 128 bits above the median at most', () => {
    fc.assert(
      fc.property(imageArb, (img) => {
        const { hash } = hashPixels(img);
        const ones = hammingDistance(hash, new Uint8Array(HASH_BYTES));
        expect(ones).toBeLessThanOrEqual(128);
      }),
      { numRuns: 40 },
    );
  });
});
