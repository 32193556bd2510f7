/**
 * The PDQ hashes the browser computes, with the app's own built hashing worker in real
 * headless Chromium, against the C++ reference outputs in ../shared/vectors/pdq.
 * Rule (same as the library's): exact on the reference's decoded pixel dumps; end to end
 * (the browser's own JPEG/PNG/WebP decoders) Hamming distance <= 10 when quality >= 80.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtWorkerPath, ensureWebBuilt } from './support/build.js';
import { chromiumAvailable, launchChromium } from './support/chromium.js';
import { pdqVectorsDir } from './support/paths.js';
import { startPreview } from './support/preview.js';
import {
  BUFFER_PREFIX,
  hashInWorker,
  routeBuffers,
  routeVectors,
  startWorker,
  VECTOR_PREFIX,
  type WorkerOutcome,
} from './support/worker-harness.js';

interface ManifestEntry {
  file: string;
  hash: string;
  quality: number;
  hashed_width: number;
  width: number;
  height: number;
  decoded_pixels?: string;
}

const manifestPath = path.join(pdqVectorsDir, 'manifest.json');
const available = chromiumAvailable && existsSync(manifestPath);
const entries: ManifestEntry[] = available
  ? (JSON.parse(readFileSync(manifestPath, 'utf8')) as { entries: ManifestEntry[] }).entries
  : [];
/** Several manifest names are byte-identical copies of one file: hash each file once. */
const uniqueFiles = [...new Set(entries.map((entry) => entry.file))];

/** Where the browser cannot see what the reference hashed; each has a reason, and is still reported. */
const KNOWN_OUTLIERS: Record<string, string> = {
  // 16-bit PNG: the reference keeps the LOW byte of each sample; a browser canvas only offers 8-bit (high byte).
  'images/pytx/I16.png': '16-bit samples: canvas exposes the high byte, the reference truncates to the low byte',
};

function hamming(a: string, b: string): number {
  let distance = 0;
  for (let i = 0; i < a.length; i += 2) {
    let x = Number.parseInt(a.slice(i, i + 2), 16) ^ Number.parseInt(b.slice(i, i + 2), 16);
    while (x) {
      distance += x & 1;
      x >>= 1;
    }
  }
  return distance;
}

describe.skipIf(!available)('browser PDQ conformance (headless Chromium, app worker)', () => {
  let browser: Browser;
  let page: Page;
  let server: { url: string; close: () => Promise<void> };

  beforeAll(async () => {
    await ensureWebBuilt();
    server = await startPreview();
    browser = await launchChromium();
    page = await browser.newPage();
    await routeVectors(page, server.url);
    await page.goto(server.url);
    await startWorker(page, builtWorkerPath());
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const pdqOf = (outcome: WorkerOutcome) => {
    if (!outcome.ok || outcome.result?.kind !== 'image') throw new Error(`worker failed: ${outcome.code}`);
    return outcome.result;
  };

  it('hashes the reference decoded pixel dumps exactly', async () => {
    const dumps = entries.filter((entry) => entry.decoded_pixels);
    expect(dumps.length).toBeGreaterThanOrEqual(4);
    for (const entry of dumps) {
      const result = pdqOf(await hashInWorker(page, `${VECTOR_PREFIX}${entry.decoded_pixels}`, { kind: 'image' }));
      expect(result.pdq, entry.decoded_pixels).toBe(entry.hash);
      expect(result.quality, entry.decoded_pixels).toBe(entry.quality);
    }
  });

  for (const squash of ['canvas', 'js'] as const) {
    it(`hashes the original files end to end within Hamming 10 (quality >= 80), ${squash} sampling`, async () => {
      const rows: { file: string; distance: number; quality: number; expectedQuality: number; outlier?: string }[] = [];
      for (const file of uniqueFiles) {
        const entry = entries.find((e) => e.file === file)!;
        const result = pdqOf(await hashInWorker(page, `${VECTOR_PREFIX}${file}`, { kind: 'image', squash }));
        rows.push({
          file,
          distance: hamming(result.pdq, entry.hash),
          quality: result.quality,
          expectedQuality: entry.quality,
          outlier: KNOWN_OUTLIERS[file],
        });
      }
      const exact = rows.filter((row) => row.distance === 0).length;
      const judged = rows.filter((r) => r.expectedQuality >= 80 && !r.outlier);
      console.info(
        `[browser-conformance] ${squash} sampling: end-to-end exact matches ${exact}/${rows.length} ` +
          `(${((100 * exact) / rows.length).toFixed(1)}%); max distance over ${judged.length} judged files (q>=80, no outliers): ` +
          Math.max(...judged.map((r) => r.distance)),
      );
      for (const row of rows.filter((r) => r.distance > 0)) {
        console.info(
          `  ${row.file}: distance ${row.distance}, quality ${row.quality} (ref ${row.expectedQuality})` +
            (row.outlier ? ` [known outlier: ${row.outlier}]` : ''),
        );
      }
      for (const row of judged) expect(row.distance, row.file).toBeLessThanOrEqual(10);
      expect(exact / rows.length).toBeGreaterThanOrEqual(0.9);
    });
  }

  it('ignores EXIF orientation like the reference, for all eight orientations, on both sampling paths', async () => {
    // Same pixels, same encoder settings: only the orientation tag differs between the eight files.
    const sources = [
      { name: 'bridge', file: 'images/bridge-mods/shrink-a-little.jpg' },
      { name: 'small', file: 'images/bridge-mods/square-256x256.jpg' },
    ];
    const files = new Map<string, Uint8Array>();
    for (const source of sources) {
      const raw = await sharp(path.join(pdqVectorsDir, source.file))
        .removeAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
      for (let orientation = 1; orientation <= 8; orientation++) {
        const jpeg = await sharp(raw.data, { raw: { width: raw.info.width, height: raw.info.height, channels: 3 } })
          .jpeg({ quality: 92 })
          .withMetadata({ orientation })
          .toBuffer();
        files.set(`${source.name}-${orientation}.jpg`, jpeg);
      }
    }
    await routeBuffers(page, server.url, files);
    for (const source of sources) {
      for (const squash of ['canvas', 'js'] as const) {
        const hashes: string[] = [];
        for (let orientation = 1; orientation <= 8; orientation++) {
          const result = pdqOf(
            await hashInWorker(page, `${BUFFER_PREFIX}${source.name}-${orientation}.jpg`, { kind: 'image', squash }),
          );
          hashes.push(result.pdq);
        }
        expect(new Set(hashes).size, `${source.name} ${squash}: ${hashes.join(' ')}`).toBe(1);
      }
    }
  });

  it('measures resize-on-decode (pixelated): why the app samples the reference grid itself', async () => {
    let exactSquashed = 0;
    let squashed = 0;
    let worst = 0;
    for (const file of uniqueFiles) {
      const expected = entries.find((entry) => entry.file === file)!;
      if (KNOWN_OUTLIERS[file] || Math.max(expected.width, expected.height) <= 512) continue;
      const result = pdqOf(await hashInWorker(page, `${VECTOR_PREFIX}${file}`, { kind: 'image', squash: 'decoder' }));
      const distance = hamming(result.pdq, expected.hash);
      squashed++;
      if (distance === 0) exactSquashed++;
      if (expected.quality >= 80) worst = Math.max(worst, distance);
    }
    // Informational: the browser's 'pixelated' grid is not the reference's floor(dst * size / 512).
    console.info(
      `[browser-conformance] resize-on-decode path on squashed images: exact ${exactSquashed}/${squashed}, worst distance (q>=80) ${worst}`,
    );
    expect(squashed).toBeGreaterThan(0);
  });

  it('leaves out undecodable bytes with a typed error', async () => {
    const outcome = await page.evaluate(async () => {
      const worker = (globalThis as unknown as { __hashWorker: Worker }).__hashWorker;
      return new Promise<{ type: string; code?: string }>((resolve) => {
        worker.addEventListener('message', (event: MessageEvent<{ id: number; type: string; code?: string }>) => {
          if (event.data.id === -7 && event.data.type !== 'progress') resolve(event.data);
        });
        worker.postMessage({
          type: 'hash',
          id: -7,
          kind: 'image',
          file: new Blob([new Uint8Array([0xff, 0xd8, 1, 2, 3])]),
        });
      });
    });
    expect(outcome).toEqual(expect.objectContaining({ type: 'error', code: 'UNDECODABLE' }));
  });
});
