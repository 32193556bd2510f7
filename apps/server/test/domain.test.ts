import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config.js';
import { formatCaseNumber, generateCaseNumber, normaliseCaseNumber } from '../src/domain/caseNumber.js';
import { isHashProblem, pdqDegenerateReason, validateHash } from '../src/domain/hashes.js';
import { pinProblem } from '../src/domain/pin.js';
import { parsePartnerSignalType } from '../src/domain/signalTypes.js';
import { randomPdq } from './helpers.js';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

describe('case numbers', () => {
  it('are 16 Crockford symbols in four groups, round-trip through normalisation', () => {
    const n = generateCaseNumber();
    expect(n).toMatch(/^[0-9A-HJKMNP-TV-Z]{16}$/);
    const shown = formatCaseNumber(n);
    expect(shown).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    expect(normaliseCaseNumber(shown)).toBe(n);
    expect(normaliseCaseNumber(` ${shown.toLowerCase().replace(/-/g, ' ')} `)).toBe(n);
  });

  it('fold look-alike letters (O->0, I/L->1)', () => {
    for (let i = 0; i < 50; i++) {
      const n = generateCaseNumber();
      const typed = n.replace(/0/g, 'O').replace(/1/g, 'l');
      expect(normaliseCaseNumber(typed)).toBe(n);
    }
  });

  it('the check symbol catches every single substitution', () => {
    for (let k = 0; k < 20; k++) {
      const n = generateCaseNumber();
      for (let i = 0; i < n.length; i++) {
        for (const c of ALPHABET) {
          if (c === n[i]) continue;
          expect(normaliseCaseNumber(n.slice(0, i) + c + n.slice(i + 1))).toBeUndefined();
        }
      }
    }
  });

  it('the check symbol catches almost all adjacent swaps', () => {
    let swaps = 0;
    let caught = 0;
    for (let k = 0; k < 200; k++) {
      const n = generateCaseNumber();
      for (let i = 0; i + 1 < n.length; i++) {
        if (n[i] === n[i + 1]) continue;
        swaps++;
        if (normaliseCaseNumber(n.slice(0, i) + n[i + 1] + n[i] + n.slice(i + 2)) === undefined) caught++;
      }
    }
    expect(caught / swaps).toBeGreaterThan(0.99);
  });

  it('carry 75 random bits: no collisions in 20k draws and every symbol used at each position', () => {
    const seen = new Set<string>();
    const perPosition = Array.from({ length: 15 }, () => new Set<string>());
    for (let i = 0; i < 20_000; i++) {
      const n = generateCaseNumber();
      seen.add(n);
      for (let p = 0; p < 15; p++) perPosition[p].add(n[p]);
    }
    expect(seen.size).toBe(20_000);
    for (const s of perPosition) expect(s.size).toBe(32);
  });

  it('reject wrong lengths and characters', () => {
    expect(normaliseCaseNumber('')).toBeUndefined();
    expect(normaliseCaseNumber('ABCD-EFGH')).toBeUndefined();
    expect(normaliseCaseNumber('UUUU-UUUU-UUUU-UUUU')).toBeUndefined();
  });
});

describe('PIN strength', () => {
  it.each([
    ['12345', 'too_short'],
    ['111111', 'repeated'],
    ['aaaaaaaa', 'repeated'],
    ['123456', 'sequence'],
    ['987654', 'sequence'],
    ['abcdef', 'sequence'],
    ['121212', 'repeated'],
    ['123123', 'repeated'],
    ['112233', 'common'],
    ['password', 'common'],
    ['x'.repeat(65), 'too_long'],
  ])('%s is refused (%s)', (pin, why) => {
    expect(pinProblem(pin)).toBe(why);
  });
  it.each(['493817', '20589173', 'correct horse', '9k2m7q'])('%s is accepted', (pin) => {
    expect(pinProblem(pin)).toBeUndefined();
  });
});

describe('hash validation', () => {
  const config = resolveConfig();
  it('accepts random PDQ hashes and lowercases them', () => {
    for (let i = 0; i < 200; i++) {
      const v = randomPdq();
      const r = validateHash({ signalType: 'pdq', value: v.toUpperCase(), quality: 80 }, config);
      expect(isHashProblem(r) ? r.code : r.value).toBe(v);
    }
  });
  it.each([
    ['0'.repeat(64), 'DEGENERATE_HASH'],
    ['f'.repeat(64), 'DEGENERATE_HASH'],
    ['0'.repeat(32) + 'f'.repeat(32), 'DEGENERATE_HASH'],
    ['5'.repeat(64), 'DEGENERATE_HASH'],
    ['0f1e'.repeat(16), 'DEGENERATE_HASH'],
    ['abc', 'INVALID_HASH'],
    ['g'.repeat(64), 'INVALID_HASH'],
  ])('refuses PDQ %s (%s)', (value, code) => {
    const r = validateHash({ signalType: 'pdq', value, quality: 90 }, config);
    expect(isHashProblem(r) && r.code).toBe(code);
  });
  it('refuses PDQ quality below 50 and accepts 50', () => {
    const v = randomPdq();
    expect(isHashProblem(validateHash({ signalType: 'pdq', value: v, quality: 49 }, config))).toBe(true);
    expect(isHashProblem(validateHash({ signalType: 'pdq', value: v, quality: 50 }, config))).toBe(false);
  });
  it('degeneracy reasons are specific', () => {
    expect(pdqDegenerateReason('0'.repeat(64))).toMatch(/0 of 256 bits/);
    expect(pdqDegenerateReason(randomPdq())).toBeUndefined();
  });
  it('checks MD5 shape and refuses the empty-file MD5', () => {
    expect(isHashProblem(validateHash({ signalType: 'md5', value: 'a'.repeat(31) }, config))).toBe(true);
    const empty = validateHash({ signalType: 'md5', value: 'd41d8cd98f00b204e9800998ecf8427e' }, config);
    expect(isHashProblem(empty) && empty.code).toBe('DEGENERATE_HASH');
  });
});

describe('partner signal type spellings', () => {
  it('accepts both the plain and the Python enum-repr spelling', () => {
    expect(parsePartnerSignalType('ImagePDQ')).toBe('pdq');
    expect(parsePartnerSignalType('StopNCIISignalType.ImagePDQ')).toBe('pdq');
    expect(parsePartnerSignalType('StopNCIISignalType.VideoMD5')).toBe('md5');
    expect(parsePartnerSignalType('VideoVPDQ')).toBe('vpdq');
    expect(parsePartnerSignalType('VideoTMK')).toBe('unsupported');
    expect(parsePartnerSignalType('Undefined')).toBeUndefined();
  });
});
