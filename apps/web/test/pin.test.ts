import { describe, expect, it } from 'vitest';
import { isAcceptablePin, pinStrength } from '../src/pin.js';

describe('PIN strength', () => {
  it('refuses what an attacker with a case number tries first', () => {
    for (const pin of ['123456', '654321', '111111', '121212', 'abcabc', 'abcdef', 'password', '19851231', '311285']) {
      expect(isAcceptablePin(pin), pin).toBe(false);
    }
    expect(pinStrength('12345')).toBe('tooShort');
    expect(pinStrength('')).toBe('empty');
    expect(pinStrength('112112')).toBe('weak');
  });

  it('accepts less guessable PINs and grades longer, varied ones as strong', () => {
    expect(pinStrength('482913')).toBe('fair');
    expect(pinStrength('4829137605')).toBe('strong');
    expect(pinStrength('lantern-47-river')).toBe('strong');
    expect(isAcceptablePin('482913')).toBe(true);
    expect(isAcceptablePin('x'.repeat(65))).toBe(false);
  });
});
