import type { BankConfig } from '../config.js';
import type { BankErrorCode } from '../errors.js';
import type { SignalType } from './signalTypes.js';

export interface HashProblem {
  code: BankErrorCode;
  message: string;
}

export interface NormalisedHash {
  signalType: SignalType;
  value: string;
  quality: number | null;
}

/** Optional hook for the real vPDQ decoder (`decodeCompact` from @unseen/vpdq) once it exists. */
export type VpdqDecoder = (compact: string) => unknown;

function popcountHex(hex: string): number {
  let bits = 0;
  for (let i = 0; i < hex.length; i++) {
    let n = Number.parseInt(hex[i], 16);
    while (n) {
      bits += n & 1;
      n >>= 1;
    }
  }
  return bits;
}

function longestBitRun(hex: string): number {
  let best = 0;
  let run = 0;
  let prev = -1;
  for (let i = 0; i < hex.length; i++) {
    const n = Number.parseInt(hex[i], 16);
    for (let b = 3; b >= 0; b--) {
      const bit = (n >> b) & 1;
      run = bit === prev ? run + 1 : 1;
      prev = bit;
      if (run > best) best = run;
    }
  }
  return best;
}

/**
 * A PDQ hash thresholds each DCT coefficient at the median, so a real one has about 128 of
 * 256 bits set and no long runs. Blank or flat images and hand-made values (all zeros,
 * all ones, repeated patterns) match far too much and are refused.
 */
export function pdqDegenerateReason(hex: string): string | undefined {
  const ones = popcountHex(hex);
  if (ones < 64 || ones > 192) return `has ${ones} of 256 bits set`;
  if (longestBitRun(hex) >= 32) return 'has a run of 32 or more identical bits';
  const words = new Set<string>();
  for (let i = 0; i < 64; i += 4) words.add(hex.slice(i, i + 4));
  if (words.size < 8) return 'repeats a short pattern';
  return undefined;
}

const EMPTY_MD5 = 'd41d8cd98f00b204e9800998ecf8427e';

export function validateHash(
  input: { signalType: SignalType; value: string; quality?: number | null | undefined },
  config: BankConfig,
  decodeVpdq?: VpdqDecoder,
): NormalisedHash | HashProblem {
  const quality = input.quality ?? null;
  switch (input.signalType) {
    case 'pdq': {
      const value = input.value.toLowerCase();
      if (!/^[0-9a-f]{64}$/.test(value)) {
        return { code: 'INVALID_HASH', message: 'A PDQ hash must be exactly 64 hexadecimal characters.' };
      }
      if (quality !== null && quality < config.minPdqQuality) {
        return {
          code: 'LOW_QUALITY_HASH',
          message: `This picture's hash quality is ${quality}, below ${config.minPdqQuality}: it is too plain or blurry to be matched reliably.`,
        };
      }
      const reason = pdqDegenerateReason(value);
      if (reason) {
        return {
          code: 'DEGENERATE_HASH',
          message: `This PDQ hash ${reason}; it would match unrelated pictures, so it cannot be used.`,
        };
      }
      return { signalType: 'pdq', value, quality };
    }
    case 'md5': {
      const value = input.value.toLowerCase();
      if (!/^[0-9a-f]{32}$/.test(value)) {
        return { code: 'INVALID_HASH', message: 'An MD5 hash must be exactly 32 hexadecimal characters.' };
      }
      if (value === EMPTY_MD5 || /^(0{32}|f{32})$/.test(value)) {
        return { code: 'DEGENERATE_HASH', message: 'This MD5 hash is of an empty or blank file and cannot be used.' };
      }
      return { signalType: 'md5', value, quality: null };
    }
    case 'vpdq': {
      const value = input.value;
      if (value.length > config.maxVpdqLength) {
        return { code: 'INVALID_HASH', message: 'This video hash is longer than the bank accepts.' };
      }
      if (decodeVpdq) {
        try {
          decodeVpdq(value);
        } catch {
          return { code: 'INVALID_HASH', message: 'This video hash is not a valid vPDQ compact string.' };
        }
      } else if (!/^vpdq1:[A-Za-z0-9_-]{16,}$/.test(value)) {
        return { code: 'INVALID_HASH', message: 'A video hash must be a vPDQ compact string (vpdq1:...).' };
      }
      if (quality !== null && quality < config.minPdqQuality) {
        return {
          code: 'LOW_QUALITY_HASH',
          message: `This video's hash quality is ${quality}, below ${config.minPdqQuality}.`,
        };
      }
      return { signalType: 'vpdq', value, quality };
    }
  }
}

export function isHashProblem(x: NormalisedHash | HashProblem): x is HashProblem {
  return 'code' in x;
}
