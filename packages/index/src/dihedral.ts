import { IndexError } from './errors.js';
import type { HammingIndex } from './types.js';

export interface DihedralMatch<K> {
  id: number;
  /** Smallest distance over the query hashes. */
  distance: number;
  /** Which query hash gave that distance (array index or record key; the first one on ties). */
  dihedral: K;
}

/**
 * Searches with every dihedral variant of an image's hash (e.g. `dihedralHashes()` from @unseen/pdq, or
 * an array of up to 8 hashes) and merges the results: one entry per id with its minimum distance,
 * sorted by distance then id.
 */
export function searchDihedral(
  index: HammingIndex,
  hashes: readonly Uint8Array[],
  radius: number,
): DihedralMatch<number>[];
export function searchDihedral<K extends string>(
  index: HammingIndex,
  hashes: Readonly<Record<K, Uint8Array | { hash: Uint8Array }>>,
  radius: number,
): DihedralMatch<K>[];
export function searchDihedral(
  index: HammingIndex,
  hashes: readonly Uint8Array[] | Readonly<Record<string, Uint8Array | { hash: Uint8Array }>>,
  radius: number,
): DihedralMatch<number | string>[] {
  const entries: [number | string, Uint8Array][] = Array.isArray(hashes)
    ? hashes.map((h, i): [number, Uint8Array] => [i, h])
    : Object.entries(hashes).map(([k, v]): [string, Uint8Array] => [k, v instanceof Uint8Array ? v : v.hash]);
  if (entries.length === 0) throw new IndexError('INVALID_HASH', 'searchDihedral needs at least one hash');
  const best = new Map<number, DihedralMatch<number | string>>();
  for (const [key, hash] of entries) {
    for (const r of index.search(hash, radius)) {
      const prev = best.get(r.id);
      if (prev === undefined || r.distance < prev.distance)
        best.set(r.id, { id: r.id, distance: r.distance, dihedral: key });
    }
  }
  return [...best.values()].sort((a, b) => a.distance - b.distance || a.id - b.id);
}
