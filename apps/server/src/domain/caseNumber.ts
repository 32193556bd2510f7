import { randomBytes } from 'node:crypto';

/**
 * Case numbers: 15 random Crockford base32 symbols (75 bits from the OS CSPRNG) plus one
 * Luhn mod 32 check symbol, shown as four groups of four: `7QK2-M9XD-4HTB-RW3E`.
 * Luhn mod N catches every single mistyped symbol and most swaps of neighbours.
 */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const N = ALPHABET.length;
const DATA_LENGTH = 15;

function codeOf(ch: string): number {
  return ALPHABET.indexOf(ch);
}

function luhnCheck(symbols: string): string {
  let factor = 2;
  let sum = 0;
  for (let i = symbols.length - 1; i >= 0; i--) {
    let addend = factor * codeOf(symbols[i]);
    factor = factor === 2 ? 1 : 2;
    addend = Math.floor(addend / N) + (addend % N);
    sum += addend;
  }
  return ALPHABET[(N - (sum % N)) % N];
}

export function generateCaseNumber(): string {
  const bytes = randomBytes(DATA_LENGTH);
  let data = '';
  for (const b of bytes) data += ALPHABET[b & 31]; // 5 uniform bits per byte
  return data + luhnCheck(data);
}

/**
 * Canonical form of what a person typed: upper case, separators and spaces removed,
 * Crockford's look-alikes folded (O->0, I/L->1). Returns undefined unless it is a
 * well-formed case number with a correct check symbol.
 */
export function normaliseCaseNumber(input: string): string | undefined {
  const folded = input
    .toUpperCase()
    .replace(/[\s\-_.]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
  if (folded.length !== DATA_LENGTH + 1) return undefined;
  for (const ch of folded) if (codeOf(ch) < 0) return undefined;
  return luhnCheck(folded.slice(0, DATA_LENGTH)) === folded[DATA_LENGTH] ? folded : undefined;
}

export function formatCaseNumber(canonical: string): string {
  return canonical.match(/.{1,4}/g)!.join('-');
}

/** Random identifiers (partner refs, partner ids, key ids): lowercase base32 of `length` symbols. */
export function randomId(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += ALPHABET[b & 31];
  return out.toLowerCase();
}
