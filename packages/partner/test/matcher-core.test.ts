import { BruteForceIndex } from '@unseen/index';
import { toHex } from '@unseen/pdq';
import { encodeCompact, type VpdqCompactFeature } from '@unseen/vpdq';
import { describe, expect, it } from 'vitest';
import { Matcher } from '../src/matcher/core.js';
import { matchHashValue } from '../src/matcher/match.js';
import type { StoredRecord } from '../src/store/store.js';
import { seededRandom } from './helpers/rng.js';

const random = seededRandom(7);
function randomHash(): Uint8Array {
  return Uint8Array.from({ length: 32 }, () => Math.floor(random() * 256));
}
function flipBits(hash: Uint8Array, bits: number): Uint8Array {
  const out = hash.slice();
  for (let i = 0; i < bits; i++) out[i] ^= 1; // bit 0 of bytes 0..bits-1: exactly `bits` bits differ
  return out;
}
function record(signalType: string, hashValue: string, status: StoredRecord['hashStatus'] = 'Active'): StoredRecord {
  return {
    signalType,
    hashValue,
    hashStatus: status,
    caseNumbers: { X1: status },
    feedbacks: [],
    lastModtimestamp: 100,
  };
}

describe('Matcher', () => {
  it('finds PDQ hashes within the threshold, exactly at the boundary, and not beyond', () => {
    const matcher = new Matcher();
    const base = randomHash();
    matcher.load([record('ImagePDQ', toHex(base))]);
    expect(matchHashValue(matcher, 'ImagePDQ', toHex(flipBits(base, 31))).matches).toMatchObject([
      { distance: 31, caseStatus: 'Active' },
    ]);
    expect(matchHashValue(matcher, 'ImagePDQ', toHex(flipBits(base, 32))).matches).toEqual([]);
    expect(matchHashValue(matcher, 'pdq', toHex(flipBits(base, 32)), 40).matches).toHaveLength(1);
  });

  it('agrees with brute force on random data, and applies removals and updates incrementally', () => {
    const mih = new Matcher({ pdqThreshold: 40 });
    const brute = new Matcher({ pdqThreshold: 40, indexFactory: () => new BruteForceIndex() });
    const hashes = Array.from({ length: 2000 }, randomHash);
    const records = hashes.map((h) => record('ImagePDQ', toHex(h)));
    mih.load(records);
    brute.load(records);
    const queries = hashes.slice(0, 50).map((h, i) => flipBits(h, i % 45));
    for (const q of queries) {
      expect(mih.matchPdq([{ hash: q }])).toEqual(brute.matchPdq([{ hash: q }]));
    }
    const target = toHex(hashes[3]!);
    mih.apply([{ type: 'updated', record: record('ImagePDQ', target, 'Received'), previous: records[3]! }]);
    expect(mih.matchPdq([{ hash: hashes[3]! }])[0]).toMatchObject({ hash: target, caseStatus: 'Received' });
    mih.apply([{ type: 'removed', record: records[3]!, reason: 'Withdrawn' }]);
    expect(mih.matchPdq([{ hash: hashes[3]! }], 0)).toEqual([]);
    expect(mih.size.ImagePDQ).toBe(1999);
  });

  it('reports the best transform when several query variants hit', () => {
    const matcher = new Matcher();
    const base = randomHash();
    matcher.load([record('ImagePDQ', toHex(base))]);
    const matches = matcher.matchPdq([
      { hash: flipBits(base, 20), transform: 'orig' },
      { hash: flipBits(base, 3), transform: 'rot90' },
    ]);
    expect(matches).toMatchObject([{ distance: 3, transform: 'rot90' }]);
  });

  it('matches MD5 exactly and case-insensitively', () => {
    const matcher = new Matcher();
    matcher.load([record('VideoMD5', 'ab'.repeat(16))]);
    expect(matchHashValue(matcher, 'VideoMD5', 'AB'.repeat(16)).matched).toBe(true);
    expect(matchHashValue(matcher, 'md5', 'ac'.repeat(16)).matched).toBe(false);
  });

  it('matches vPDQ videos by the python-threatexchange rule', () => {
    const frames = (hashes: Uint8Array[]): VpdqCompactFeature[] =>
      hashes.map((hash, i) => ({ hash, hex: toHex(hash), quality: 100, timestamp: i }));
    const video = Array.from({ length: 10 }, randomHash);
    const bankValue = encodeCompact(frames(video));
    const matcher = new Matcher();
    matcher.load([record('VideoVPDQ', bankValue)]);
    // 9 of 10 frames near the bank's: 90 % >= 80 %.
    const close = frames([...video.slice(0, 9).map((h) => flipBits(h, 5)), randomHash()]);
    expect(matcher.matchVpdq(close)).toMatchObject([{ signalType: 'VideoVPDQ', queryMatchPercent: 90 }]);
    // 7 of 10: below 80 %.
    const far = frames([...video.slice(0, 7), randomHash(), randomHash(), randomHash()]);
    expect(matcher.matchVpdq(far)).toEqual([]);
    expect(matchHashValue(matcher, 'VideoVPDQ', encodeCompact(close)).matched).toBe(true);
    matcher.remove('VideoVPDQ', bankValue);
    expect(matcher.matchVpdq(close)).toEqual([]);
  });

  it('skips what it cannot use instead of failing', () => {
    const matcher = new Matcher();
    matcher.load([record('ImagePDQ', 'xyz'), record('VideoTMK', 'abc'), record('VideoVPDQ', 'not-compact')]);
    expect(matcher.skipped).toBe(3);
    expect(matcher.size.total).toBe(0);
    expect(() => matchHashValue(matcher, 'ImagePDQ', '12')).toThrow(/64 hexadecimal/);
  });
});
