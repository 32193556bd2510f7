import { describe, expect, it } from 'vitest';
import {
  decodeCompact,
  encodeCompact,
  formatHashFile,
  matchCpp,
  matchPytx,
  parseHashFile,
  type VpdqFeature,
} from '../src/index.js';
import { loadMatchMatrix, readVector } from './vectors.js';

const pairs = loadMatchMatrix();
const files = [...new Set(pairs.map((pair) => pair.query))];
const features = new Map<string, VpdqFeature[]>(files.map((file) => [file, parseHashFile(readVector(file))]));
const get = (file: string): VpdqFeature[] => features.get(file)!;

describe('reference hash files', () => {
  it('covers the 16 full-resolution sample-hash files (256 pairs)', () => {
    expect(files).toHaveLength(16);
    expect(pairs).toHaveLength(256);
  });

  it.each(files)('%s round-trips byte for byte through parse + format', (file) => {
    const text = readVector(file);
    expect(formatHashFile(parseHashFile(text))).toBe(text);
  });
});

describe('match_matrix.json', () => {
  it('reference C++ match-hashes-brute: every pair equals the %0.2f output', () => {
    const mismatches: string[] = [];
    for (const pair of pairs) {
      const result = matchCpp(get(pair.query), get(pair.target));
      const expected = pair.cpp_match_hashes_brute;
      if (
        Number(result.printed.query) !== expected.query_match_pct ||
        Number(result.printed.target) !== expected.target_match_pct
      ) {
        mismatches.push(`${pair.query} vs ${pair.target}: ${result.printed.query}/${result.printed.target}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('python-threatexchange rule: every pair equals query % and compared % (4 decimals)', () => {
    const mismatches: string[] = [];
    for (const pair of pairs) {
      const result = matchPytx(get(pair.query), get(pair.target));
      const expected = pair.pytx_style;
      const same = (ours: number, theirs: number) => Number(ours.toFixed(4)) === theirs;
      if (
        !same(result.queryMatchPct, expected.query_match_pct) ||
        !same(result.comparedMatchPct, expected.compared_match_pct)
      ) {
        mismatches.push(`${pair.query} vs ${pair.target}: ${result.queryMatchPct}/${result.comparedMatchPct}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('the two rules really differ on these files (dedupe and < vs <=)', () => {
    const differing = pairs.filter(
      (pair) => pair.cpp_match_hashes_brute.target_match_pct !== Number(pair.pytx_style.compared_match_pct.toFixed(2)),
    );
    expect(differing.length).toBeGreaterThan(10);
  });

  it('the compact form keeps the python-threatexchange result exactly', () => {
    const decoded = new Map(files.map((file) => [file, decodeCompact(encodeCompact(get(file)))]));
    for (const pair of pairs.filter((_, index) => index % 5 === 0)) {
      const direct = matchPytx(get(pair.query), get(pair.target));
      const viaCompact = matchPytx(decoded.get(pair.query)!, decoded.get(pair.target)!);
      expect(viaCompact).toEqual(direct);
    }
  });
});
