import { IndexError } from './errors.js';

export const HASH_BYTES = 32;
export const HASH_WORDS = 8;
export const HASH_BITS = 256;
export const MAX_ID = 0xffffffff;

export function assertHash(hash: Uint8Array): void {
  if (!(hash instanceof Uint8Array) || hash.length !== HASH_BYTES) {
    throw new IndexError('INVALID_HASH', `a hash must be a ${HASH_BYTES}-byte Uint8Array`);
  }
}

export function assertId(id: number): void {
  if (!Number.isInteger(id) || id < 0 || id > MAX_ID) {
    throw new IndexError('INVALID_ID', `id must be an integer in 0..${MAX_ID}, got ${String(id)}`);
  }
}

export function assertRadius(radius: number): void {
  if (!Number.isInteger(radius) || radius < 0 || radius > HASH_BITS) {
    throw new IndexError('INVALID_RADIUS', `radius must be an integer in 0..${HASH_BITS}, got ${String(radius)}`);
  }
}

/**
 * Packs 32 bytes into 8 little-endian uint32 words at `out[offset..offset+8)`.
 * Assembled byte by byte (not through a view) so the word values do not depend on platform endianness.
 */
export function packHash(hash: Uint8Array, out: Uint32Array, offset: number, srcOffset = 0): void {
  for (let k = 0; k < HASH_WORDS; k++) {
    const b = srcOffset + (k << 2);
    out[offset + k] = (hash[b] | (hash[b + 1] << 8) | (hash[b + 2] << 16) | (hash[b + 3] << 24)) >>> 0;
  }
}

export function unpackHash(words: Uint32Array, offset: number): Uint8Array {
  const out = new Uint8Array(HASH_BYTES);
  for (let k = 0; k < HASH_WORDS; k++) {
    const w = words[offset + k];
    const b = k << 2;
    out[b] = w & 0xff;
    out[b + 1] = (w >>> 8) & 0xff;
    out[b + 2] = (w >>> 16) & 0xff;
    out[b + 3] = w >>> 24;
  }
  return out;
}

/** SWAR popcount of a 32-bit value (V8 inlines this into the scan loops). */
export function popcount32(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  v = (v + (v >>> 4)) & 0x0f0f0f0f;
  return Math.imul(v, 0x01010101) >>> 24;
}

/** Hamming distance between the packed hash at `words[offset..]` and the packed query `q`. */
export function distanceAt(words: Uint32Array, offset: number, q: Uint32Array): number {
  return (
    popcount32(words[offset] ^ q[0]) +
    popcount32(words[offset + 1] ^ q[1]) +
    popcount32(words[offset + 2] ^ q[2]) +
    popcount32(words[offset + 3] ^ q[3]) +
    popcount32(words[offset + 4] ^ q[4]) +
    popcount32(words[offset + 5] ^ q[5]) +
    popcount32(words[offset + 6] ^ q[6]) +
    popcount32(words[offset + 7] ^ q[7])
  );
}

export const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
