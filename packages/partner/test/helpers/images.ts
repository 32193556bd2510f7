import sharp from 'sharp';
import { seededRandom } from './rng.js';

/** A deterministic, textured RGB picture (blobs on a gradient): PDQ quality well above 50, asymmetric. */
export async function makeImage(seed: number, width = 320, height = 240): Promise<Buffer> {
  const random = seededRandom(seed);
  const data = Buffer.alloc(width * height * 3);
  const blobs = Array.from({ length: 12 }, () => ({
    x: random() * width,
    y: random() * height,
    r: 10 + random() * 60,
    c: [random() * 255, random() * 255, random() * 255],
  }));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      let r = (x / width) * 200;
      let g = (y / height) * 180;
      let b = ((x + y) / (width + height)) * 120;
      for (const blob of blobs) {
        if ((x - blob.x) ** 2 + (y - blob.y) ** 2 < blob.r ** 2) [r, g, b] = blob.c as [number, number, number];
      }
      data[o] = r;
      data[o + 1] = g;
      data[o + 2] = b;
    }
  }
  return sharp(data, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

export async function rotate90(png: Buffer): Promise<Buffer> {
  return sharp(png).rotate(90).jpeg({ quality: 90 }).toBuffer();
}
