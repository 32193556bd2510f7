import { popcount32 } from './hash.js';
import type { ResultBuffer } from './results.js';

/**
 * Linear scan of `count` packed hashes (8 words each). The distance of the first half is checked before
 * the second half is read: unrelated hashes (distance ~100+) exceed any useful radius after 4 words.
 * `dead` is an optional tombstone bitmap (bit set = row removed), consulted only for matches.
 */
export function scanWords(
  words: Uint32Array,
  ids: Uint32Array,
  count: number,
  q: Uint32Array,
  radius: number,
  dead: Uint32Array | null,
  out: ResultBuffer,
): void {
  const q0 = q[0];
  const q1 = q[1];
  const q2 = q[2];
  const q3 = q[3];
  const q4 = q[4];
  const q5 = q[5];
  const q6 = q[6];
  const q7 = q[7];
  for (let row = 0, o = 0; row < count; row++, o += 8) {
    let d =
      popcount32(words[o] ^ q0) +
      popcount32(words[o + 1] ^ q1) +
      popcount32(words[o + 2] ^ q2) +
      popcount32(words[o + 3] ^ q3);
    if (d > radius) continue;
    d +=
      popcount32(words[o + 4] ^ q4) +
      popcount32(words[o + 5] ^ q5) +
      popcount32(words[o + 6] ^ q6) +
      popcount32(words[o + 7] ^ q7);
    if (d > radius) continue;
    if (dead !== null && (dead[row >>> 5] & (1 << (row & 31))) !== 0) continue;
    out.push(ids[row], d);
  }
}
