import { PdqError } from './errors.js';

/** A PDQ hash is 256 bits stored as 32 bytes in printed order: byte 0 is the first two hex characters. */
export const HASH_BYTES = 32;
export const HASH_HEX_LENGTH = 64;

const HEX_DIGITS = '0123456789abcdef';
const BYTE_TO_HEX: string[] = Array.from({ length: 256 }, (_, b) => HEX_DIGITS[b >> 4] + HEX_DIGITS[b & 15]);

function assertHashLength(hash: Uint8Array, what: string): void {
  if (hash.length !== HASH_BYTES) {
    throw new PdqError('INVALID_HASH_LENGTH', `${what} must be ${HASH_BYTES} bytes, got ${hash.length}`);
  }
}

export function toHex(hash: Uint8Array): string {
  assertHashLength(hash, 'hash');
  let out = '';
  for (let i = 0; i < HASH_BYTES; i++) out += BYTE_TO_HEX[hash[i]];
  return out;
}

function nibble(code: number): number {
  if (code >= 48 && code <= 57) return code - 48; // 0-9
  if (code >= 97 && code <= 102) return code - 87; // a-f
  if (code >= 65 && code <= 70) return code - 55; // A-F
  return -1;
}

/** Parses 64 hex characters (either case) into 32 bytes. */
export function fromHex(hex: string): Uint8Array {
  if (typeof hex !== 'string' || hex.length !== HASH_HEX_LENGTH) {
    const got = typeof hex === 'string' ? `${hex.length} characters` : typeof hex;
    throw new PdqError('INVALID_HEX', `a PDQ hash is ${HASH_HEX_LENGTH} hex characters, got ${got}`);
  }
  const out = new Uint8Array(HASH_BYTES);
  for (let i = 0; i < HASH_BYTES; i++) {
    const hi = nibble(hex.charCodeAt(2 * i));
    const lo = nibble(hex.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0)
      throw new PdqError('INVALID_HEX', `not a hex digit at position ${hi < 0 ? 2 * i : 2 * i + 1}`);
    out[i] = (hi << 4) | lo;
  }
  return out;
}

const POPCOUNT8 = Uint8Array.from({ length: 256 }, (_, b) => {
  let n = 0;
  for (let v = b; v; v >>= 1) n += v & 1;
  return n;
});

/** Number of differing bits between two 256-bit hashes (0..256). */
export function hammingDistance(a: Uint8Array, b: Uint8Array): number {
  assertHashLength(a, 'first hash');
  assertHashLength(b, 'second hash');
  let d = 0;
  for (let i = 0; i < HASH_BYTES; i++) d += POPCOUNT8[a[i] ^ b[i]];
  return d;
}
