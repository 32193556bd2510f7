import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatHashLine, frameInterval, parseHashFile } from '@unseen/vpdq';
import { describe, expect, it } from 'vitest';
import { hashVideoFile } from '../src/index.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const VECTORS = path.resolve(repoRoot, '../shared/vectors/vpdq');

interface ManifestEntry {
  name: string;
  video: string | null;
  frames: number;
  expected_full_resolution: string;
}
const manifest = JSON.parse(readFileSync(path.join(VECTORS, 'manifest.json'), 'utf8')) as { entries: ManifestEntry[] };
const withVideo = manifest.entries.filter((entry) => entry.video !== null);

function expectedLines(entry: ManifestEntry): Map<number, string> {
  const text = readFileSync(path.join(VECTORS, entry.expected_full_resolution), 'utf8');
  return new Map(parseHashFile(text).map((feature) => [feature.frameNumber, formatHashLine(feature)]));
}

/**
 * Hash `entry` and compare every produced line (frame number, quality, hash, timestamp) with the
 * reference file, and check that exactly the frames the reference would sample were hashed.
 */
async function expectReference(entry: ManifestEntry, secondsPerHash: number, exact: boolean): Promise<void> {
  const expected = expectedLines(entry);
  expect(expected.size).toBe(entry.frames);
  const result = await hashVideoFile(path.join(VECTORS, entry.video!), { secondsPerHash, exact });
  const interval = frameInterval(secondsPerHash, result.fps);
  expect(result.frameCount).toBe(entry.frames);
  expect(result.features.map((feature) => feature.frameNumber)).toEqual(
    [...expected.keys()].filter((frameNumber) => frameNumber % interval === 0),
  );
  const mismatched = result.features
    .map(formatHashLine)
    .filter((line, index) => line !== expected.get(result.features[index]!.frameNumber));
  expect(mismatched).toEqual([]);
}

// Hashing all 13 videos at every frame (5,200 full-resolution frames) takes minutes on two shared
// cores, so two videos are checked at every frame (including doorknob's fades, where SIMD colour
// conversion is up to 76 bits off) and the rest at every 15th frame; each comparison is exact.
const EVERY_FRAME = new Set(['doorknob-hd-no-bar', 'pattern-sd-grey-bar']);
const PADDED = 'test-padded-dimensions';

describe('vPDQ conformance with ../shared/vectors/vpdq (exact-pixel mode)', () => {
  it('has the 13 sample videos', () => {
    expect(withVideo).toHaveLength(13);
  });

  for (const entry of withVideo.filter((e) => EVERY_FRAME.has(e.name))) {
    it(`${entry.name}: every frame equals the reference file`, { timeout: 120_000 }, async () => {
      await expectReference(entry, 0, true);
    });
  }

  for (const entry of withVideo.filter((e) => !EVERY_FRAME.has(e.name) && e.name !== PADDED)) {
    it(`${entry.name}: every 15th frame equals the reference file`, { timeout: 120_000 }, async () => {
      await expectReference(entry, 0.5, true);
    });
  }

  // The reference's own build reproduces this file only with FFmpeg's SIMD colour conversion.
  it(`${PADDED}: reproduces in fast (SIMD) mode, every 6th frame`, { timeout: 120_000 }, async () => {
    await expectReference(withVideo.find((e) => e.name === PADDED)!, 0.2, false);
  });
});
