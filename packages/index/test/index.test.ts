import { describe, expect, it } from 'vitest';
import {
  BruteForceIndex,
  deserializeIndex,
  MultiIndexHashingIndex,
  type MultiIndexHashingOptions,
  planRadii,
  substringLayout,
} from '../src/index.js';
import { ballSize, neighbourMasks } from '../src/plan.js';
import { clusteredBank, flipBits, mulberry32, referenceSearch } from './helpers.js';
import { runHammingIndexSuite } from './suite.js';

runHammingIndexSuite({
  name: 'BruteForceIndex',
  create: () => new BruteForceIndex({ capacity: 16 }),
  load: (bytes) => BruteForceIndex.deserialize(bytes),
});

// The default cost model scans small indexes for large radii; "forced" variants make the planner always
// probe (up to its probe cap) so the multi-index path itself is cross-checked at radii 0..64.
const forced: MultiIndexHashingOptions = { costModel: { scanRow: 1e9 }, compactionMinimum: 97 };
const variants: [string, MultiIndexHashingOptions][] = [
  ['default', {}],
  ['m=12 probing, frequent compaction', { ...forced }],
  ['m=16 probing', { ...forced, substrings: 16 }],
  ['m=8 probing, hashed buckets', { ...forced, substrings: 8, maxBucketBits: 10 }],
  ['m=24 probing', { ...forced, substrings: 24 }],
  ['directory n/64, probing', { ...forced, directoryShift: 6 }],
];
for (const [label, options] of variants) {
  runHammingIndexSuite({
    name: `MultiIndexHashingIndex (${label})`,
    create: () => new MultiIndexHashingIndex(options),
    load: (bytes) => MultiIndexHashingIndex.deserialize(bytes, options),
  });
}

describe('MultiIndexHashingIndex specifics', () => {
  it('plans per-substring radii that satisfy the generalised pigeonhole bound sum(r_i + 1) > r', () => {
    for (const m of [8, 12, 16]) {
      const { bits } = substringLayout(m);
      expect(bits.reduce((a, b) => a + b, 0)).toBe(256);
      const shapes = Array.from(bits, (b) => ({
        bits: b,
        prefixBits: Math.min(b, 18),
        bucketEntries: 5,
        keyMatches: 1,
      }));
      for (let r = 0; r <= 256; r++) {
        const plan = planRadii(r, shapes, 1e12, { probe: 1, entry: 0.1, candidate: 1, scanRow: 1 });
        if (plan === null) continue;
        let sum = 0;
        for (let i = 0; i < m; i++) {
          expect(plan.radii[i]).toBeLessThanOrEqual(bits[i]);
          sum += plan.radii[i] + 1;
        }
        expect(sum).toBeGreaterThan(r);
      }
    }
    const shapes12 = Array.from(substringLayout(12).bits, (b) => ({
      bits: b,
      prefixBits: 20,
      bucketEntries: 8,
      keyMatches: 3,
    }));
    expect(planRadii(31, shapes12, 1e7, { probe: 1, entry: 0.1, candidate: 1, scanRow: 0.2 })).not.toBeNull();
  });

  it('bulk build equals incremental adds, and the delta part is searched before compaction', () => {
    const rand = mulberry32(1234);
    const bank = clusteredBank(rand, 40, 30, 45);
    const ids = Uint32Array.from(bank.keys()).reverse();
    const bytes = new Uint8Array(ids.length * 32);
    ids.forEach((id, i) => {
      bytes.set(bank.get(id)!, i * 32);
    });
    const options: MultiIndexHashingOptions = { costModel: { scanRow: 1e9 } };
    const built = MultiIndexHashingIndex.build(ids, bytes, options);
    const incremental = new MultiIndexHashingIndex({ ...options, compactionMinimum: 1 << 20 });
    for (const [id, h] of bank) incremental.add(id, h);
    const members = [...bank.values()];
    for (let i = 0; i < 20; i++) {
      const q = flipBits(members[Math.floor(rand() * members.length)], Math.floor(rand() * 35), rand);
      const want = referenceSearch(bank, q, 31);
      expect(built.search(q, 31)).toEqual(want);
      expect(incremental.search(q, 31)).toEqual(want);
    }
    expect(() => MultiIndexHashingIndex.build(Uint32Array.of(1, 1), new Uint8Array(64))).toThrow(/duplicate id/);
    expect(deserializeIndex(built.serialize())).toBeInstanceOf(MultiIndexHashingIndex);
    expect(deserializeIndex(new BruteForceIndex().serialize())).toBeInstanceOf(BruteForceIndex);
  });

  it('really probes (rather than scans) at radii up to 64 in the forced m=16 and m=24 variants', () => {
    const rand = mulberry32(3);
    for (const substrings of [16, 24]) {
      const index = new MultiIndexHashingIndex({ ...forced, substrings });
      for (const [id, h] of clusteredBank(rand, 10, 20, 30)) index.add(id, h);
      index.compact();
      for (let r = 0; r <= 64; r++) expect(index.planFor(r)).not.toBeNull();
    }
  });

  it('lists every neighbour mask exactly once, ordered by weight (the probe loop relies on the order)', () => {
    for (const [b, r] of [
      [17, 2],
      [21, 3],
      [8, 8],
      [23, 0],
    ] as const) {
      const masks = neighbourMasks(b, r);
      expect(masks.length).toBe(ballSize(b, r));
      expect(new Set(masks).size).toBe(masks.length);
      for (let k = 0; k <= r; k++) {
        for (let j = k === 0 ? 0 : ballSize(b, k - 1); j < ballSize(b, k); j++) {
          let weight = 0;
          for (let v = masks[j]; v !== 0; v &= v - 1) weight++;
          expect(weight).toBe(k);
          expect(masks[j] < 2 ** b).toBe(true);
        }
      }
    }
  });

  it('reports a hash found through many tables once, across verification blocks', () => {
    // 3,000 hashes within a few bits of one another: every row is a candidate in almost every table, so the
    // candidate list (tens of thousands of entries) spans many verification blocks and is full of repeats.
    const rand = mulberry32(77);
    const root = flipBits(new Uint8Array(32), 128, rand);
    const bank = new Map<number, Uint8Array>();
    for (let id = 0; bank.size < 3000; id += 7) bank.set(id, flipBits(root, Math.floor(rand() * 12), rand));
    const ids = Uint32Array.from(bank.keys());
    const bytes = new Uint8Array(ids.length * 32);
    ids.forEach((id, i) => {
      bytes.set(bank.get(id)!, i * 32);
    });
    const index = MultiIndexHashingIndex.build(ids, bytes, forced);
    for (const radius of [0, 6, 31]) {
      const q = flipBits(root, 3, rand);
      const want = referenceSearch(bank, q, radius);
      expect(index.planFor(radius)).not.toBeNull();
      expect(index.search(q, radius)).toEqual(want);
      if (radius === 31) expect(want.length).toBe(3000);
    }
  });

  it('rejects invalid options with typed errors', () => {
    expect(() => new MultiIndexHashingIndex({ substrings: 7 })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION' }),
    );
    expect(() => new MultiIndexHashingIndex({ maxBucketBits: 40 })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION' }),
    );
    expect(() => new MultiIndexHashingIndex({ directoryShift: 1.5 })).toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION' }),
    );
  });
});
