import { describe, expect, it } from 'vitest';
import {
  AllowList,
  defaultAbuseConfig,
  evaluateDispute,
  type FeedbackFact,
  findFloodingHashes,
  median,
  resolveAbuseConfig,
  SubmissionLimiter,
} from '../src/abuse/rules.js';

const t = (minutes: number) => new Date(Date.UTC(2026, 10, 25, 12, minutes));
const fb = (partnerId: string, value: FeedbackFact['value'], minute: number): FeedbackFact => ({
  partnerId,
  value,
  at: t(minute),
});

describe('evaluateDispute', () => {
  it('quarantines at exactly the threshold of distinct partners, not below', () => {
    expect(evaluateDispute([fb('a', 'NotBlocked', 1)], 2).disputed).toBe(false);
    const two = evaluateDispute([fb('a', 'NotBlocked', 1), fb('b', 'NotBlocked', 2)], 2);
    expect(two).toEqual({ disputed: true, notBlockedBy: ['a', 'b'], blockedBy: [] });
  });

  it('does not let one partner repeating NotBlocked reach the threshold', () => {
    const facts = [fb('a', 'NotBlocked', 1), fb('a', 'NotBlocked', 2), fb('a', 'NotBlocked', 3)];
    expect(evaluateDispute(facts, 2).disputed).toBe(false);
  });

  it('counts only each partner latest verdict', () => {
    const changedMind = [fb('a', 'NotBlocked', 1), fb('b', 'NotBlocked', 2), fb('b', 'Blocked', 3)];
    expect(evaluateDispute(changedMind, 2)).toEqual({ disputed: false, notBlockedBy: ['a'], blockedBy: ['b'] });
    // Order of arrival in the array does not matter, only the timestamps.
    const shuffled = [fb('b', 'Blocked', 3), fb('a', 'NotBlocked', 1), fb('b', 'NotBlocked', 2)];
    expect(evaluateDispute(shuffled, 2).disputed).toBe(false);
  });

  it('honours a configured threshold of three', () => {
    const facts = [fb('a', 'NotBlocked', 1), fb('b', 'NotBlocked', 1), fb('c', 'PendingReview', 1)];
    expect(evaluateDispute(facts, 3).disputed).toBe(false);
    expect(evaluateDispute([...facts, fb('c', 'NotBlocked', 2)], 3).disputed).toBe(true);
  });

  it('ignores verdicts that are not reviews', () => {
    const facts = [fb('a', 'PendingReview', 1), fb('b', 'Unknown', 1), fb('c', 'Withdrawn', 1)];
    expect(evaluateDispute(facts, 1)).toEqual({ disputed: false, notBlockedBy: [], blockedBy: [] });
  });
});

describe('findFloodingHashes', () => {
  const config = { floodMultiplier: 10, floodMinReports: 20, floodMinPopulation: 5 };
  const population = (extra: Record<string, number>) =>
    new Map<string, number>(Object.entries({ h1: 1, h2: 2, h3: 2, h4: 3, h5: 2, h6: 0, h7: 0, ...extra }));

  it('median handles odd, even and empty inputs', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBe(0);
  });

  it('flags a hash just above multiplier x median and not one at it', () => {
    // Reported hashes: 1,2,2,3,2 plus the candidate -> median 2, threshold > 20.
    expect(findFloodingHashes(population({ x: 20 }), config)).toEqual([]);
    expect(findFloodingHashes(population({ x: 21 }), config)).toEqual([
      { hashId: 'x', reports: 21, baseline: 2, ratio: 10.5 },
    ]);
  });

  it('ignores never-reported hashes when computing the typical rate', () => {
    const mostlySilent = population({ x: 25 });
    for (let i = 0; i < 1000; i++) mostlySilent.set(`silent${i}`, 0);
    expect(findFloodingHashes(mostlySilent, config).map((f) => f.hashId)).toEqual(['x']);
  });

  it('is not fooled by the flood raising the mean', () => {
    const counts = population({ x: 10_000, y: 9_000 });
    expect(findFloodingHashes(counts, config).map((f) => f.hashId)).toEqual(['x', 'y']);
  });

  it('requires the absolute floor even when the ratio is huge', () => {
    const quiet = new Map(Object.entries({ a: 1, b: 1, c: 1, d: 1, e: 1, x: 19 }));
    expect(findFloodingHashes(quiet, config)).toEqual([]);
    quiet.set('x', 20);
    expect(findFloodingHashes(quiet, config).map((f) => f.hashId)).toEqual(['x']);
  });

  it('falls back to a baseline of one report below the minimum population', () => {
    const small = new Map(Object.entries({ x: 30, y: 30 }));
    // Median over two hashes would be 30 and hide both; the baseline is 1 instead.
    expect(findFloodingHashes(small, config).map((f) => [f.hashId, f.baseline])).toEqual([
      ['x', 1],
      ['y', 1],
    ]);
  });

  it('when everything is matched a lot, nothing is unusual', () => {
    const busy = new Map(Array.from({ length: 50 }, (_, i) => [`h${i}`, 100 + i] as [string, number]));
    expect(findFloodingHashes(busy, config)).toEqual([]);
  });
});

describe('AllowList', () => {
  const base = 'f'.repeat(16) + '0'.repeat(16) + 'a5'.repeat(16);
  const flip = (hex: string, bits: number) => {
    // Flip the lowest `bits` bits, spread over the nibbles from the end.
    const chars = hex.split('');
    for (let b = 0; b < bits; b++) {
      const nibble = chars.length - 1 - Math.floor(b / 4);
      chars[nibble] = (Number.parseInt(chars[nibble], 16) ^ (1 << (b % 4))).toString(16);
    }
    return chars.join('');
  };

  it('matches PDQ within the radius, inclusive, and not beyond', () => {
    const list = new AllowList([{ id: 7, signalType: 'pdq', value: base }], 31);
    expect(list.check('pdq', base)).toEqual({ entryId: 7, distance: 0 });
    expect(list.check('pdq', flip(base, 31))).toEqual({ entryId: 7, distance: 31 });
    expect(list.check('pdq', flip(base, 32))).toBeNull();
  });

  it('honours a configured radius', () => {
    const list = new AllowList([{ id: 1, signalType: 'pdq', value: base }], 8);
    expect(list.check('pdq', flip(base, 8))?.distance).toBe(8);
    expect(list.check('pdq', flip(base, 9))).toBeNull();
  });

  it('returns the closest entry', () => {
    const list = new AllowList(
      [
        { id: 1, signalType: 'pdq', value: flip(base, 20) },
        { id: 2, signalType: 'pdq', value: flip(base, 4) },
      ],
      31,
    );
    expect(list.check('pdq', base)).toEqual({ entryId: 2, distance: 4 });
  });

  it('matches MD5 exactly and case-insensitively, never by distance', () => {
    const md5 = '0123456789abcdef0123456789abcdef';
    const list = new AllowList([{ id: 3, signalType: 'md5', value: md5.toUpperCase() }], 31);
    expect(list.check('md5', md5)).toEqual({ entryId: 3, distance: 0 });
    expect(list.check('md5', `${md5.slice(0, 31)}e`)).toBeNull();
    // An MD5 entry never matches a PDQ submission and vice versa.
    expect(list.check('pdq', md5)).toBeNull();
    expect(list.size).toBe(1);
  });
});

describe('SubmissionLimiter', () => {
  const config = resolveAbuseConfig({
    submissionsPerClientPerWindow: 3,
    hashesPerClientPerWindow: 10,
    submissionWindowSeconds: 60,
    maxHashesPerCase: 5,
  });

  it('refuses a case above the per-case hash limit without counting it', () => {
    const limiter = new SubmissionLimiter(config);
    expect(limiter.take('ip', 6, 0)).toBe('case-limit');
    expect(limiter.take('ip', 5, 0)).toBeNull();
  });

  it('limits cases per client per window and resets after the window', () => {
    const limiter = new SubmissionLimiter(config);
    for (let i = 0; i < 3; i++) expect(limiter.take('ip', 1, i)).toBeNull();
    expect(limiter.take('ip', 1, 10)).toBe('client-rate');
    expect(limiter.take('other', 1, 10)).toBeNull();
    expect(limiter.retryAfterSeconds('ip', 10_000)).toBe(50);
    expect(limiter.take('ip', 1, 60_000)).toBeNull();
  });

  it('limits hashes per client per window', () => {
    const limiter = new SubmissionLimiter(config);
    expect(limiter.take('ip', 5, 0)).toBeNull();
    expect(limiter.take('ip', 5, 1)).toBeNull();
    expect(limiter.take('ip', 1, 2)).toBe('client-rate');
  });
});

describe('resolveAbuseConfig', () => {
  it('fills defaults and rejects nonsense', () => {
    expect(resolveAbuseConfig({ disputeThreshold: 3 }).disputeThreshold).toBe(3);
    expect(resolveAbuseConfig().allowListPdqRadius).toBe(defaultAbuseConfig.allowListPdqRadius);
    expect(() => resolveAbuseConfig({ disputeThreshold: 0 })).toThrow(RangeError);
    expect(() => resolveAbuseConfig({ floodMultiplier: Number.NaN })).toThrow(RangeError);
    expect(() => resolveAbuseConfig({ allowListPdqRadius: 300 })).toThrow(RangeError);
  });
});
