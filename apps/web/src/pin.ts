/**
 * PIN strength. A PIN guards a case against someone who knows the case number, so
 * the obvious choices (repeats, runs, famous PINs, years) are refused outright;
 * the server rate-limits guesses, which is what makes a short PIN acceptable at all.
 */

export const MIN_PIN_LENGTH = 6;
export const MAX_PIN_LENGTH = 64;

export type PinStrength = 'empty' | 'tooShort' | 'weak' | 'fair' | 'strong';

const COMMON = new Set([
  '123456',
  '654321',
  '123123',
  '121212',
  '112233',
  '123321',
  '111222',
  '159753',
  '147258',
  '258369',
  '696969',
  '131313',
  '102030',
  '123654',
  '098765',
  '999888',
  'password',
  'qwerty',
  'abc123',
  'abcdef',
  'qwertz',
  'azerty',
  'iloveyou',
  'letmein',
  '12345678',
  '87654321',
  '11223344',
  '12341234',
  'password1',
]);

function isRepeatedUnit(pin: string): boolean {
  for (let unit = 1; unit <= pin.length / 2; unit++) {
    if (pin.length % unit !== 0) continue;
    if (pin.slice(0, unit).repeat(pin.length / unit) === pin) return true;
  }
  return false;
}

function isRun(pin: string): boolean {
  const codes = [...pin].map((c) => c.charCodeAt(0));
  const step = codes[1] - codes[0];
  if (Math.abs(step) !== 1) return false;
  return codes.every((code, i) => i === 0 || code - codes[i - 1] === step);
}

/** Dates such as 19851231, 311285, 1985 + anything short are the first thing an attacker tries. */
function looksLikeDate(pin: string): boolean {
  if (!/^\d+$/.test(pin)) return false;
  if (pin.length === 8 && /^(19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$/.test(pin)) return true;
  if (pin.length === 8 && /^(0[1-9]|[12]\d|3[01])(0[1-9]|1[0-2])(19|20)\d{2}$/.test(pin)) return true;
  if (pin.length === 6 && /^(0[1-9]|[12]\d|3[01])(0[1-9]|1[0-2])\d{2}$/.test(pin)) return true;
  return false;
}

export function pinStrength(pin: string): PinStrength {
  if (pin.length === 0) return 'empty';
  if (pin.length < MIN_PIN_LENGTH) return 'tooShort';
  const lower = pin.toLowerCase();
  if (COMMON.has(lower) || isRepeatedUnit(lower) || isRun(lower) || looksLikeDate(pin)) return 'weak';
  const distinct = new Set(lower).size;
  if (distinct <= 2) return 'weak';
  const digitsOnly = /^\d+$/.test(pin);
  if (digitsOnly) return pin.length >= 10 && distinct >= 5 ? 'strong' : 'fair';
  return pin.length >= 10 || (pin.length >= 8 && distinct >= 6) ? 'strong' : 'fair';
}

export function isAcceptablePin(pin: string): boolean {
  const strength = pinStrength(pin);
  return (strength === 'fair' || strength === 'strong') && pin.length <= MAX_PIN_LENGTH;
}
