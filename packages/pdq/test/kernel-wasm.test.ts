import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { compileKernel, GENERATED_MODULE, generatedModule } from '../scripts/build-wasm.js';
import { PdqHasher, type PixelBuffer } from '../src/index.js';

/** Mulberry32: seeded, so a failure names an image that can be rebuilt. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Gradients, stripes and noise; 16-bit samples use the whole range so the low-byte rule matters. */
function randomImage(seed: number, width: number, height: number): PixelBuffer {
  const random = rng(seed);
  const channels = (1 + Math.floor(random() * 4)) as PixelBuffer['channels'];
  const kind = Math.floor(random() * 3);
  const n = width * height * channels;
  const data = kind === 0 ? new Uint8Array(n) : kind === 1 ? new Uint8ClampedArray(n) : new Uint16Array(n);
  const max = kind === 2 ? 65536 : 256;
  const noise = random() * 0.5;
  const period = 2 + random() * 40;
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const base = 0.5 + 0.25 * Math.sin((x + y * random()) / period) + (0.25 * x) / width;
      for (let c = 0; c < channels; c++, i++) {
        const v = (1 - noise) * base + noise * random();
        data[i] = Math.min(max - 1, Math.floor(v * max));
      }
    }
  }
  return { data, width, height, channels };
}

const js = new PdqHasher({ kernel: 'js' });
const wasm = new PdqHasher({ kernel: 'wasm' });

function expectSameResults(img: PixelBuffer, fullResolution: boolean): void {
  const a = js.intermediates(img, { fullResolution });
  const b = wasm.intermediates(img, { fullResolution });
  expect(b.hex).toBe(a.hex);
  expect(b.quality).toBe(a.quality);
  expect(b.median).toBe(a.median);
  // Compare bit patterns, so even -0 against 0 would count as a difference.
  expect(new Uint32Array(b.buffer64x64.buffer)).toEqual(new Uint32Array(a.buffer64x64.buffer));
  expect(new Uint32Array(b.dct16x16.buffer)).toEqual(new Uint32Array(a.dct16x16.buffer));
  expect(wasm.dihedralHashes(img, { fullResolution })).toEqual(js.dihedralHashes(img, { fullResolution }));
}

describe('WebAssembly kernel = JavaScript path', () => {
  it('is the kernel in use in Node', () => {
    expect(wasm.activeKernel()).toBe('wasm');
    expect(new PdqHasher().activeKernel()).toBe('wasm');
    expect(js.activeKernel()).toBe('js');
  });

  it('gives identical hashes, quality and intermediates on random small and medium images', () => {
    const random = rng(1);
    for (let k = 0; k < 80; k++) {
      const width = 5 + Math.floor(random() * (k < 40 ? 60 : 400));
      const height = 5 + Math.floor(random() * (k < 40 ? 60 : 400));
      expectSameResults(randomImage(1000 + k, width, height), random() < 0.5);
    }
  });

  it('gives identical results on large images, squashed and at full resolution', () => {
    const random = rng(2);
    for (let k = 0; k < 10; k++) {
      const width = 400 + Math.floor(random() * 600);
      const height = 300 + Math.floor(random() * 400);
      const img = randomImage(2000 + k, width, height);
      expectSameResults(img, false);
      expectSameResults(img, true);
    }
  });

  it('gives identical results at the edge sizes (under 5, 64x64, 512, 513)', () => {
    const sizes = [
      [1, 1],
      [4, 9],
      [5, 5],
      [5, 1000],
      [1000, 5],
      [64, 64],
      [63, 65],
      [512, 512],
      [513, 512],
      [512, 513],
      [1000, 700],
    ];
    sizes.forEach(([w, h], k) => {
      expectSameResults(randomImage(3000 + k, w, h), false);
      expectSameResults(randomImage(3000 + k, w, h), true);
    });
  });

  it('gives identical results on float luma planes', () => {
    const random = rng(4);
    for (let k = 0; k < 20; k++) {
      const width = 5 + Math.floor(random() * 700);
      const height = 5 + Math.floor(random() * 500);
      const luma = new Float32Array(width * height);
      for (let i = 0; i < luma.length; i++) luma[i] = random() * 255 + ((i % width) * 100) / width;
      expect(wasm.hashLuma(luma, width, height)).toEqual(js.hashLuma(luma, width, height));
      expect(wasm.dihedralHashesFromLuma(luma, width, height)).toEqual(js.dihedralHashesFromLuma(luma, width, height));
    }
  });

  it('keeps working after trim() releases a large kernel memory', () => {
    const hasher = new PdqHasher({ kernel: 'wasm' });
    const big = randomImage(5000, 1000, 700);
    const small = randomImage(5001, 100, 80);
    expect(hasher.hashPixels(big, { fullResolution: true })).toEqual(js.hashPixels(big, { fullResolution: true }));
    hasher.trim(1000);
    expect(hasher.hashPixels(small)).toEqual(js.hashPixels(small));
  });
});

describe('fallback when WebAssembly is unavailable', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.resetModules();
  });

  it("uses the JavaScript path in 'auto' mode and throws in 'wasm' mode", async () => {
    // What a browser with a Content-Security-Policy lacking 'wasm-unsafe-eval' does: compiling throws.
    vi.stubGlobal('WebAssembly', {
      Module: class {
        constructor() {
          throw new Error('CompileError: refused by Content-Security-Policy');
        }
      },
    });
    vi.resetModules();
    const fresh = await import('../src/index.js');
    const img = randomImage(6000, 300, 200);
    const auto = new fresh.PdqHasher();
    expect(auto.activeKernel()).toBe('js');
    expect(auto.hashPixels(img)).toEqual(js.hashPixels(img));
    expect(() => new fresh.PdqHasher({ kernel: 'wasm' }).hashPixels(img)).toThrow(/Content-Security-Policy/);
  });
});

describe('generated module', () => {
  it('is up to date with wasm/kernel.ts (else run `npm run build:wasm -w @unseen/pdq`)', async () => {
    expect(readFileSync(GENERATED_MODULE, 'utf8')).toBe(generatedModule(await compileKernel()));
  }, 60_000);
});
