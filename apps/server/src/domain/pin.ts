/**
 * PIN strength rule, checked before a case is created. A PIN protects a case number that
 * the person may have written down, so it must resist a short list of guesses: with the
 * lockout (5 wrong tries, then a cool-down) an attacker only gets the most common guesses.
 */
const COMMON = new Set([
  '123123',
  '112233',
  '121212',
  '123321',
  '654321',
  '111222',
  '696969',
  '131313',
  '159753',
  '147258',
  '789456',
  '102030',
  '000111',
  '112358',
  '123654',
  '987654',
  '246810',
  '135790',
  '142536',
  '520520',
  '100200',
  '123qwe',
  'qwerty',
  'qwertz',
  'azerty',
  'abc123',
  'password',
  'passw0rd',
  'letmein',
  'iloveyou',
  'dragon',
  'monkey',
  'secret',
  'welcome',
  'admin1',
  'qazwsx',
  '1q2w3e',
  '1qaz2wsx',
  'trustno1',
  'football',
]);

export type PinProblem = 'too_short' | 'too_long' | 'repeated' | 'sequence' | 'common';

export const MIN_PIN_LENGTH = 6;
export const MAX_PIN_LENGTH = 64;

export function pinProblem(pin: string): PinProblem | undefined {
  const chars = [...pin];
  if (chars.length < MIN_PIN_LENGTH) return 'too_short';
  if (chars.length > MAX_PIN_LENGTH) return 'too_long';
  if (chars.every((c) => c === chars[0])) return 'repeated';
  const lower = pin.toLowerCase();
  const steps = new Set<number>();
  for (let i = 1; i < lower.length; i++) steps.add(lower.charCodeAt(i) - lower.charCodeAt(i - 1));
  if (steps.size === 1 && [1, -1].includes([...steps][0])) return 'sequence';
  // Short repeated blocks such as 121212 or abcabc.
  for (const block of [2, 3]) {
    if (lower.length % block === 0 && lower === lower.slice(0, block).repeat(lower.length / block)) return 'repeated';
  }
  if (COMMON.has(lower)) return 'common';
  return undefined;
}

export const pinProblemMessage: Record<PinProblem, string> = {
  too_short: `Choose a PIN of at least ${MIN_PIN_LENGTH} digits or characters.`,
  too_long: `Choose a PIN of at most ${MAX_PIN_LENGTH} characters.`,
  repeated: 'This PIN repeats the same digits. Choose one that is harder to guess.',
  sequence: 'This PIN is a simple sequence such as 123456. Choose one that is harder to guess.',
  common: 'This PIN is one of the most common ones. Choose one that is harder to guess.',
};
