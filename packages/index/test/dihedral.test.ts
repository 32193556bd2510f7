import { describe, expect, it } from 'vitest';
import { BruteForceIndex, MultiIndexHashingIndex, searchDihedral } from '../src/index.js';
import { flipBits, mulberry32, randomHash } from './helpers.js';

describe('searchDihedral', () => {
  for (const make of [() => new BruteForceIndex(), () => new MultiIndexHashingIndex()]) {
    it(`merges per-variant results into min distance per id (${make().constructor.name})`, () => {
      const rand = mulberry32(11);
      const variants = Array.from({ length: 8 }, () => randomHash(rand));
      const index = make();
      index.add(1, flipBits(variants[0], 12, rand)); // only near variant 0
      index.add(2, flipBits(variants[5], 3, rand)); // only near variant 5
      const both = flipBits(variants[2], 9, rand);
      index.add(3, both); // near variant 2 ...
      index.add(99, randomHash(rand)); // unrelated
      const got = searchDihedral(index, variants, 31);
      expect(got).toEqual([
        { id: 2, distance: 3, dihedral: 5 },
        { id: 3, distance: 9, dihedral: 2 },
        { id: 1, distance: 12, dihedral: 0 },
      ]);
      // ... and when two variants hit the same id, the closer one wins and ties go to the first variant.
      const named = searchDihedral(index, { original: variants[2], rotate90: { hash: both }, flipX: both }, 31);
      expect(named.find((m) => m.id === 3)).toEqual({ id: 3, distance: 0, dihedral: 'rotate90' });
      expect(() => searchDihedral(index, [], 31)).toThrow(expect.objectContaining({ code: 'INVALID_HASH' }));
    });
  }
});
