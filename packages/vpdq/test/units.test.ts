import { hashPixels, toHex } from '@unseen/pdq';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  COMPACT_MAX_FRAMES,
  COMPACT_PREFIX,
  COMPACT_RECORD_BYTES,
  createVpdqHasher,
  decodeBase64Url,
  decodeCompact,
  encodeBase64Url,
  encodeCompact,
  formatFixed,
  formatHashFile,
  frameInterval,
  frameTimestamp,
  matchCpp,
  matchPytx,
  parseFrameRate,
  parseHashFile,
  type VpdqCompactFeature,
  type VpdqErrorCode,
} from '../src/index.js';

function expectCode(fn: () => unknown, code: VpdqErrorCode): void {
  expect(fn).toThrow(expect.objectContaining({ name: 'VpdqError', code }));
}

function feature(byte: number, quality = 100, timestamp = 0): VpdqCompactFeature {
  const hash = new Uint8Array(32).fill(byte);
  return { hash, hex: toHex(hash), quality, timestamp };
}

/** A hash `bits` bits away from all-zero. */
function withBits(bits: number, quality = 100): VpdqCompactFeature {
  const hash = new Uint8Array(32);
  for (let i = 0; i < bits; i++) hash[i >> 3]! |= 1 << (i & 7);
  return { hash, hex: toHex(hash), quality, timestamp: 0 };
}

describe('sampling and timestamps', () => {
  it('frameInterval = max(1, trunc(secondsPerHash * fps)) in double', () => {
    expect(frameInterval(1, 30)).toBe(30);
    expect(frameInterval(1, 30000 / 1001)).toBe(29);
    expect(frameInterval(0, 30)).toBe(1);
    expect(frameInterval(0.01, 30)).toBe(1);
    expect(frameInterval(1, 0.5)).toBe(1);
    expect(frameInterval(0.5, 30)).toBe(15);
    expectCode(() => frameInterval(-1, 30), 'INVALID_OPTIONS');
    expectCode(() => frameInterval(1, 0), 'INVALID_OPTIONS');
  });

  it('parses ffprobe frame rates', () => {
    expect(parseFrameRate('30/1')).toBe(30);
    expect(parseFrameRate('30000/1001')).toBe(30000 / 1001);
    expect(parseFrameRate('25')).toBe(25);
    expectCode(() => parseFrameRate('0/0'), 'INVALID_OPTIONS');
    expectCode(() => parseFrameRate('abc'), 'INVALID_OPTIONS');
  });

  it('timestamps are float32 divisions printed like printf %.3f (ties to even on the exact value)', () => {
    expect(frameTimestamp(1, 30)).toBe(Math.fround(1 / 30));
    expect(formatFixed(frameTimestamp(1, 30), 3)).toBe('0.033');
    // 1/16 = 0.0625 exactly: C prints 0.062, Number#toFixed would print 0.063.
    expect(formatFixed(0.0625, 3)).toBe('0.062');
    expect(formatFixed(0.1875, 3)).toBe('0.188');
    expect(formatFixed(12.125, 2)).toBe('12.12');
    expect(formatFixed(100, 2)).toBe('100.00');
    expect(formatFixed(0, 3)).toBe('0.000');
  });

  it('formatFixed agrees with toFixed away from exact ties', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 1, max: 120 }), (n, fps) => {
        const t = frameTimestamp(n, fps);
        const ours = formatFixed(t, 3);
        const scaled = t * 1000;
        if (Math.abs(scaled - Math.floor(scaled) - 0.5) > 1e-6) expect(ours).toBe(t.toFixed(3));
      }),
    );
  });
});

describe('createVpdqHasher', () => {
  it('hashes exactly the frames n % interval == 0, at full resolution', () => {
    const width = 700;
    const height = 600;
    const data = new Uint8Array(width * height * 3);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7919) % 251;
    const frame = { data, width, height, channels: 3 as const };
    const hasher = createVpdqHasher({ fps: 30, secondsPerHash: 1 });
    expect(hasher.interval).toBe(30);
    const hashed = [0, 1, 29, 30, 31, 60].map((n) => hasher.push(frame, n));
    expect(hashed.map((f) => f?.frameNumber ?? null)).toEqual([0, null, null, 30, null, 60]);
    const full = hashPixels(frame, { fullResolution: true });
    const squashed = hashPixels(frame);
    expect(hashed[3]).toMatchObject({ hex: full.hex, quality: full.quality, timestamp: 1 });
    expect(full.hex).not.toBe(squashed.hex);
    expectCode(() => hasher.push(frame, -1), 'INVALID_FRAME');
    expectCode(() => hasher.push(frame, 1.5), 'INVALID_FRAME');
  });
});

describe('hash file', () => {
  it('rejects malformed lines with the line number', () => {
    const good = `0,100,${'ab'.repeat(32)},0.000\n`;
    expect(parseHashFile(good)).toHaveLength(1);
    expect(parseHashFile(good.toUpperCase())[0]!.hex).toBe('ab'.repeat(32));
    for (const bad of [
      `0,100,${'ab'.repeat(31)},0.000`,
      `0,101,${'ab'.repeat(32)},0.000`,
      `x,100,${'ab'.repeat(32)},0.000`,
      `0,100,${'ab'.repeat(32)}`,
      `0,100,${'ab'.repeat(32)},-1`,
    ]) {
      expect(() => parseHashFile(good + bad)).toThrow(/line 2/);
      expectCode(() => parseHashFile(bad), 'HASH_FILE_INVALID');
    }
    expect(formatHashFile([])).toBe('');
  });
});

describe('matching rules', () => {
  it('C++: strictly below the tolerance; pytx: at or below the threshold', () => {
    const zero = withBits(0);
    expect(matchCpp([withBits(31)], [zero]).queryMatchPct).toBe(0);
    expect(matchCpp([withBits(30)], [zero]).queryMatchPct).toBe(100);
    expect(matchPytx([withBits(31)], [zero]).queryMatchPct).toBe(100);
    expect(matchPytx([withBits(32)], [zero]).queryMatchPct).toBe(0);
  });

  it('quality filter at 50 on both; only pytx removes duplicates, before the quality filter', () => {
    const a = withBits(0);
    const far = withBits(200);
    // query: a, a, far -> cpp 2/3 match; pytx deduped a, far -> 1/2.
    expect(matchCpp([a, a, far], [a]).queryMatchPct).toBeCloseTo(66.6667, 3);
    expect(matchPytx([a, a, far], [a]).queryMatchPct).toBe(50);
    // A low-quality first occurrence removes the hash in pytx even if a later copy is good.
    expect(matchPytx([withBits(0, 10), withBits(0, 90), far], [a]).queryMatchPct).toBe(0);
    expect(matchCpp([withBits(0, 49)], [a]).queryMatchPct).toBe(0);
    expect(matchCpp([withBits(0, 50)], [a]).queryMatchPct).toBe(100);
  });

  it('verdict: query share >= 80; empty sides are 0 and no match', () => {
    const a = withBits(0);
    const far = withBits(200);
    const fourOfFive = [a, withBits(1), withBits(2), withBits(3), far];
    expect(matchPytx(fourOfFive, [a])).toMatchObject({ queryMatchPct: 80, isMatch: true });
    expect(matchPytx([...fourOfFive, withBits(201)], [a]).isMatch).toBe(false);
    expect(matchPytx([withBits(0, 10)], [a])).toEqual({ queryMatchPct: 0, comparedMatchPct: 0, isMatch: false });
    expect(matchCpp([], [a]).printed).toEqual({ query: '0.00', target: '0.00' });
  });
});

describe('compact form', () => {
  it('round-trips, deduplicates, and has the documented layout', () => {
    const features = [feature(1, 100, 0), feature(1, 100, 1), feature(2, 40, 2.0333333)];
    const compact = encodeCompact(features);
    expect(compact.startsWith(COMPACT_PREFIX)).toBe(true);
    const bytes = decodeBase64Url(compact.slice(COMPACT_PREFIX.length))!;
    expect(bytes.length).toBe(2 * COMPACT_RECORD_BYTES);
    expect([...bytes.subarray(32, 37)]).toEqual([100, 0, 0, 0, 0]);
    expect([...bytes.subarray(69, 74)]).toEqual([40, 0, 0, 0x07, 0xf1]); // 2033 ms
    expect(decodeCompact(compact)).toEqual([
      { hash: features[0]!.hash, hex: features[0]!.hex, quality: 100, timestamp: 0 },
      { hash: features[2]!.hash, hex: features[2]!.hex, quality: 40, timestamp: 2.033 },
    ]);
  });

  it('base64url round-trips any bytes and rejects non-canonical text', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(decodeBase64Url(encodeBase64Url(bytes))).toEqual(bytes);
      }),
    );
    expect(decodeBase64Url('AB')).toBeNull(); // low bits set in the last character
    expect(decodeBase64Url('AA==')).toBeNull();
    expect(decodeBase64Url('A+')).toBeNull();
  });

  it('decode errors are typed', () => {
    const good = encodeCompact([feature(3)]);
    const body = good.slice(COMPACT_PREFIX.length);
    expectCode(() => decodeCompact('vpdq2:' + body), 'COMPACT_BAD_PREFIX');
    expectCode(() => decodeCompact(COMPACT_PREFIX), 'COMPACT_EMPTY');
    expectCode(() => decodeCompact(COMPACT_PREFIX + body + '!'), 'COMPACT_BAD_ENCODING');
    expectCode(() => decodeCompact(COMPACT_PREFIX + encodeBase64Url(new Uint8Array(36))), 'COMPACT_BAD_LENGTH');
    const badQuality = new Uint8Array(COMPACT_RECORD_BYTES);
    badQuality[32] = 101;
    expectCode(() => decodeCompact(COMPACT_PREFIX + encodeBase64Url(badQuality)), 'COMPACT_BAD_RECORD');
    const twice = new Uint8Array(2 * COMPACT_RECORD_BYTES);
    expectCode(() => decodeCompact(COMPACT_PREFIX + encodeBase64Url(twice)), 'COMPACT_BAD_RECORD');
    expectCode(() => decodeCompact(COMPACT_PREFIX + 'A'.repeat(400_000)), 'COMPACT_TOO_LARGE');
  });

  it('encode errors are typed and the size is bounded', () => {
    expectCode(() => encodeCompact([]), 'COMPACT_EMPTY');
    expectCode(() => encodeCompact([feature(1, 101)]), 'INVALID_FRAME');
    expectCode(() => encodeCompact([feature(1, 100, 2), feature(2, 100, 1)]), 'INVALID_FRAME');
    const many = Array.from({ length: COMPACT_MAX_FRAMES + 1 }, (_, i) => {
      const hash = new Uint8Array(32);
      new DataView(hash.buffer).setUint32(0, i);
      return { hash, hex: toHex(hash), quality: 100, timestamp: i };
    });
    expectCode(() => encodeCompact(many), 'COMPACT_TOO_LARGE');
    const longest = encodeCompact(many.slice(0, COMPACT_MAX_FRAMES));
    expect(decodeCompact(longest)).toHaveLength(COMPACT_MAX_FRAMES);
  });
});
