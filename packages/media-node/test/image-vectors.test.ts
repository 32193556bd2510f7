import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromHex, hammingDistance } from '@unseen/pdq';
import { describe, expect, it } from 'vitest';
import { hashImageFile } from '../src/index.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const vectorsDir = path.resolve(repoRoot, '../shared/vectors/pdq');
const available = existsSync(path.join(vectorsDir, 'manifest.json'));

interface Entry {
  file: string;
  hash: string;
  quality: number;
  fullres_hash: string;
  dihedral: Record<string, string>;
}

const entries: Entry[] = available
  ? (JSON.parse(readFileSync(path.join(vectorsDir, 'manifest.json'), 'utf8')) as { entries: Entry[] }).entries
  : [];

/** The reference project's acceptance rule: within 10 bits of the C++ output when quality >= 80. */
const TOLERANCE = 10;

async function compare(mode: 'exact' | 'fast' | 'fullres') {
  const rows: { file: string; distance: number; quality: number; expectedQuality: number }[] = [];
  for (const entry of entries) {
    const result = await hashImageFile(path.join(vectorsDir, entry.file), {
      fast: mode === 'fast',
      fullResolution: mode === 'fullres',
    });
    const expected = mode === 'fullres' ? entry.fullres_hash : entry.hash;
    rows.push({
      file: entry.file,
      distance: hammingDistance(fromHex(result.hash), fromHex(expected)),
      quality: result.quality,
      expectedQuality: entry.quality,
    });
  }
  const exact = rows.filter((r) => r.distance === 0).length;
  const worst = rows.filter((r) => r.expectedQuality >= 80).reduce((m, r) => Math.max(m, r.distance), 0);
  console.log(
    `PDQ end-to-end (${mode}): ${exact}/${rows.length} exact (${((100 * exact) / rows.length).toFixed(1)}%), ` +
      `max distance at quality >= 80: ${worst}; differing: ${
        rows
          .filter((r) => r.distance > 0)
          .map((r) => `${r.file}=${r.distance}`)
          .join(', ') || 'none'
      }`,
  );
  return { rows, exact };
}

describe.skipIf(!available)('image files against the C++ reference (vectors/pdq/images)', () => {
  it('exact mode: the large majority bit-exact, all within tolerance at quality >= 80', async () => {
    const { rows, exact } = await compare('exact');
    expect(rows.length).toBe(entries.length);
    expect(exact / rows.length).toBeGreaterThanOrEqual(0.9);
    for (const r of rows.filter((x) => x.expectedQuality >= 80))
      expect(r.distance, r.file).toBeLessThanOrEqual(TOLERANCE);
    for (const r of rows.filter((x) => x.distance === 0)) expect(r.quality, r.file).toBe(r.expectedQuality);
  });

  it('fast mode: within tolerance at quality >= 80', async () => {
    const { rows } = await compare('fast');
    for (const r of rows.filter((x) => x.expectedQuality >= 80))
      expect(r.distance, r.file).toBeLessThanOrEqual(TOLERANCE);
  });

  it('full resolution matches fullres_hash within tolerance', async () => {
    const { rows, exact } = await compare('fullres');
    expect(exact / rows.length).toBeGreaterThanOrEqual(0.9);
    for (const r of rows.filter((x) => x.expectedQuality >= 80))
      expect(r.distance, r.file).toBeLessThanOrEqual(TOLERANCE);
  });

  it('dihedral hashes of a decoded file match the reference', async () => {
    const entry = entries.find((e) => e.file.endsWith('bridge-1-original.jpg'));
    expect(entry).toBeDefined();
    const result = await hashImageFile(path.join(vectorsDir, entry?.file ?? ''), { dihedral: true });
    expect(result.hash).toBe(entry?.hash);
    expect(result.dihedral).toEqual(entry?.dihedral);
  });
});
