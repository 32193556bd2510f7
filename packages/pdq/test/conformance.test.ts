import { describe, expect, it } from 'vitest';
import {
  DCT_MATRIX,
  DIHEDRAL_NAMES,
  dihedralHashes,
  hashPixels,
  PdqHasher,
  pdqIntermediates,
  type PixelBuffer,
} from '../src/index.js';
import {
  decodeLosslessPng,
  type IntermediatesFile,
  loadManifest,
  readVectorJson,
  vectorsAvailable,
} from './vectors.js';

// The shared vectors live beside the repository (../shared); CI clones it there.
describe.skipIf(!vectorsAvailable)('PDQ core against the C++ reference vectors', () => {
  const entries = vectorsAvailable ? loadManifest() : [];
  const withPixels = entries.filter((e) => e.decoded_pixels !== undefined);

  it('has reference pixel dumps to test against', () => {
    expect(withPixels.length).toBeGreaterThanOrEqual(4);
  });

  it('builds the DCT matrix bit for bit', () => {
    const ref = readVectorJson<{ float32_bits_hex: string[] }>('intermediates/dct_matrix_16x64.json');
    const bits = new Uint32Array(DCT_MATRIX.buffer, DCT_MATRIX.byteOffset, DCT_MATRIX.length);
    const ours = Array.from(bits, (b) => b.toString(16).padStart(8, '0'));
    expect(ours).toEqual(ref.float32_bits_hex.map((h) => h.replace(/^0x/, '').toLowerCase().padStart(8, '0')));
  });

  for (const entry of withPixels) {
    describe(entry.decoded_pixels ?? '', () => {
      let pixels: PixelBuffer;
      const load = async () => {
        pixels ??= await decodeLosslessPng(entry.decoded_pixels ?? '');
        return pixels;
      };

      it('hash and quality are exact', async () => {
        const img = await load();
        expect(img.channels).toBe(entry.decoded_channels === 1 ? 1 : 3);
        expect([img.width, img.height]).toEqual([entry.hashed_width, entry.hashed_height]);
        const result = hashPixels(img);
        expect(result.hex).toBe(entry.hash);
        expect(result.quality).toBe(entry.quality);
      });

      it('all eight dihedral hashes are exact', async () => {
        const result = dihedralHashes(await load());
        expect(result.quality).toBe(entry.quality);
        for (const name of DIHEDRAL_NAMES) expect(result.hashes[name].hex, name).toBe(entry.dihedral[name]);
      });

      // Only some vectors ship intermediates; the others get no such test.
      const intermediates = entry.intermediates;
      if (intermediates !== undefined)
        it('float32 intermediates are exact', async () => {
          const ref = readVectorJson<IntermediatesFile>(intermediates);
          const ours = pdqIntermediates(await load());
          expect(Array.from(ours.buffer64x64)).toEqual(
            ref.buffer64x64_after_tent_filter_and_decimation.map((v) => Math.fround(v)),
          );
          expect(Array.from(ours.dct16x16)).toEqual(ref.dct16x16.map((v) => Math.fround(v)));
          expect(ours.median).toBe(Math.fround(ref.torben_median));
          expect(ours.hex).toBe(ref.hash);
          expect(ours.quality).toBe(ref.quality);
        });

      it('a reused hasher gives the same hash without allocating a new result', async () => {
        const img = await load();
        const hasher = new PdqHasher();
        const out = new Uint8Array(64);
        hasher.hashPixelsInto(img, out, 32);
        const quality = hasher.hashPixelsInto(img, out, 32);
        expect(quality).toBe(entry.quality);
        expect(Buffer.from(out.subarray(32)).toString('hex')).toBe(entry.hash);
        expect(out.subarray(0, 32).every((b) => b === 0)).toBe(true);
      });
    });
  }
});
