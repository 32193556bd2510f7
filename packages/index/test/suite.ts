import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type HammingIndex, IndexError } from '../src/index.js';
import {
  clusteredBank,
  flipBits,
  mulberry32,
  randomHash,
  referenceDistances,
  referenceSearch,
  withinRadius,
} from './helpers.js';

export interface IndexUnderTest {
  name: string;
  create(): HammingIndex;
  load(bytes: Uint8Array): HammingIndex;
}

function expectIndexError(fn: () => unknown, code: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(IndexError);
  expect((caught as IndexError).code).toBe(code);
}

function fill(index: HammingIndex, bank: ReadonlyMap<number, Uint8Array>): void {
  for (const [id, h] of bank) index.add(id, h);
}

/** Queries near bank members (0..40 flips) plus unrelated ones. */
function queriesFor(bank: ReadonlyMap<number, Uint8Array>, rand: () => number, count: number): Uint8Array[] {
  const members = [...bank.values()];
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    if (i % 4 === 3) out.push(randomHash(rand));
    else out.push(flipBits(members[Math.floor(rand() * members.length)], Math.floor(rand() * 41), rand));
  }
  return out;
}

/** The one suite every HammingIndex implementation must pass. */
export function runHammingIndexSuite(impl: IndexUnderTest): void {
  describe(`HammingIndex contract: ${impl.name}`, () => {
    it('starts empty and rejects invalid input with typed errors', () => {
      const index = impl.create();
      expect(index.size).toBe(0);
      expect(index.search(new Uint8Array(32), 256)).toEqual([]);
      expectIndexError(() => index.add(1, new Uint8Array(31)), 'INVALID_HASH');
      expectIndexError(() => index.add(-1, new Uint8Array(32)), 'INVALID_ID');
      expectIndexError(() => index.add(2 ** 32, new Uint8Array(32)), 'INVALID_ID');
      expectIndexError(() => index.add(1.5, new Uint8Array(32)), 'INVALID_ID');
      expectIndexError(() => index.search(new Uint8Array(32), -1), 'INVALID_RADIUS');
      expectIndexError(() => index.search(new Uint8Array(32), 257), 'INVALID_RADIUS');
      expectIndexError(() => index.search(new Uint8Array(33), 3), 'INVALID_HASH');
      expect(index.remove(5)).toBe(false);
    });

    it('matches the bit-by-bit reference exactly for every radius 0..64 and large radii', () => {
      const rand = mulberry32(0x5eed1);
      const bank = clusteredBank(rand, 60, 25, 70);
      const index = impl.create();
      fill(index, bank);
      expect(index.size).toBe(bank.size);
      const queries = queriesFor(bank, rand, 8);
      const radii = [...Array.from({ length: 65 }, (_, r) => r), 80, 96, 110, 128, 160, 256];
      for (const q of queries) {
        const all = referenceDistances(bank, q);
        for (const r of radii) expect(index.search(q, r)).toEqual(withinRadius(all, r));
      }
    });

    it('returns every id stored under a duplicated hash, sorted by distance then id', () => {
      const rand = mulberry32(42);
      const h = randomHash(rand);
      const index = impl.create();
      const bank = new Map<number, Uint8Array>();
      for (const id of [900, 3, 0xffffffff, 17, 0]) {
        bank.set(id, h);
        index.add(id, h);
      }
      const near = flipBits(h, 3, rand);
      bank.set(55, near);
      index.add(55, near);
      const got = index.search(h, 10);
      expect(got).toEqual([
        { id: 0, distance: 0 },
        { id: 3, distance: 0 },
        { id: 17, distance: 0 },
        { id: 900, distance: 0 },
        { id: 0xffffffff, distance: 0 },
        { id: 55, distance: 3 },
      ]);
      expect(got).toEqual(referenceSearch(bank, h, 10));
    });

    it('replaces the hash of a re-added id and supports remove then re-add', () => {
      const rand = mulberry32(7);
      const a = randomHash(rand);
      const b = randomHash(rand);
      const index = impl.create();
      index.add(10, a);
      index.add(10, b);
      expect(index.size).toBe(1);
      expect(index.search(a, 0)).toEqual([]);
      expect(index.search(b, 0)).toEqual([{ id: 10, distance: 0 }]);
      expect(index.remove(10)).toBe(true);
      expect(index.remove(10)).toBe(false);
      expect(index.size).toBe(0);
      expect(index.search(b, 256)).toEqual([]);
      index.add(10, a);
      expect(index.search(a, 0)).toEqual([{ id: 10, distance: 0 }]);
      expect(index.size).toBe(1);
    });

    it('stays exact through random interleavings of add, re-add, remove and search (seeded)', () => {
      const ops = fc.array(
        fc.oneof(
          fc.record({
            op: fc.constant('add' as const),
            id: fc.integer({ min: 0, max: 300 }),
            flips: fc.integer({ min: 0, max: 40 }),
            base: fc.integer({ min: 0, max: 7 }),
          }),
          fc.record({ op: fc.constant('remove' as const), id: fc.integer({ min: 0, max: 300 }) }),
          fc.record({
            op: fc.constant('search' as const),
            flips: fc.integer({ min: 0, max: 40 }),
            base: fc.integer({ min: 0, max: 7 }),
            radius: fc.integer({ min: 0, max: 70 }),
          }),
        ),
        { minLength: 50, maxLength: 400 },
      );
      fc.assert(
        fc.property(ops, fc.integer(), (list, seed) => {
          const rand = mulberry32(seed);
          const bases = Array.from({ length: 8 }, () => randomHash(rand));
          const index = impl.create();
          const model = new Map<number, Uint8Array>();
          for (const o of list) {
            if (o.op === 'add') {
              const h = flipBits(bases[o.base], o.flips, rand);
              index.add(o.id, h);
              model.set(o.id, h);
            } else if (o.op === 'remove') {
              expect(index.remove(o.id)).toBe(model.delete(o.id));
            } else {
              const q = flipBits(bases[o.base], o.flips, rand);
              expect(index.search(q, o.radius)).toEqual(referenceSearch(model, q, o.radius));
            }
            expect(index.size).toBe(model.size);
          }
        }),
        { seed: 20261125, numRuns: 20 },
      );
    });

    it('round-trips through serialize/deserialize, including after removals, and stays mutable', () => {
      const rand = mulberry32(99);
      const bank = clusteredBank(rand, 20, 20, 50);
      const index = impl.create();
      fill(index, bank);
      const removed = [...bank.keys()].filter((_, i) => i % 5 === 0);
      for (const id of removed) {
        expect(index.remove(id)).toBe(true);
        bank.delete(id);
      }
      const bytes = index.serialize();
      const copy = impl.load(bytes.slice());
      expect(copy.size).toBe(bank.size);
      for (const q of queriesFor(bank, rand, 10)) {
        const all = referenceDistances(bank, q);
        for (const r of [0, 8, 31, 48, 64, 256]) {
          const want = withinRadius(all, r);
          expect(copy.search(q, r)).toEqual(want);
          expect(index.search(q, r)).toEqual(want);
        }
      }
      const h = randomHash(rand);
      copy.add(123456789, h);
      expect(copy.search(h, 0)).toEqual([{ id: 123456789, distance: 0 }]);
      expect(copy.remove(removed[0])).toBe(false);
      expect(impl.load(impl.create().serialize()).size).toBe(0);
    });

    it('rejects foreign, truncated, corrupted and future-version snapshots with typed errors', () => {
      const rand = mulberry32(5);
      const index = impl.create();
      fill(index, clusteredBank(rand, 5, 10, 20));
      const good = index.serialize();
      expectIndexError(
        () => impl.load(new TextEncoder().encode('{"not":"a snapshot"} padding padding padding padding padding')),
        'NOT_AN_INDEX_SNAPSHOT',
      );
      expectIndexError(() => impl.load(good.subarray(0, 10)), 'NOT_AN_INDEX_SNAPSHOT');
      expectIndexError(() => impl.load(good.slice(0, good.length - 4)), 'CORRUPT_SNAPSHOT');
      const flipped = good.slice();
      flipped[good.length - 37] ^= 0x10;
      expectIndexError(() => impl.load(flipped), 'CORRUPT_SNAPSHOT');
      const future = good.slice();
      future[8] = 99;
      expectIndexError(() => impl.load(future), 'UNSUPPORTED_SNAPSHOT_VERSION');
      const wrongKind = good.slice();
      wrongKind[12] = 77;
      expectIndexError(() => impl.load(wrongKind), 'CORRUPT_SNAPSHOT');
      for (let trial = 0; trial < 20; trial++) {
        const bad = good.slice();
        bad[64 + Math.floor(rand() * (bad.length - 64))] ^= 1 << Math.floor(rand() * 8);
        expectIndexError(() => impl.load(bad), 'CORRUPT_SNAPSHOT');
      }
    });
  });
}
