/** Test-only helpers: a seeded PRNG, clustered hash banks and an independent bit-by-bit reference. */

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomHash(rand: () => number): Uint8Array {
  const h = new Uint8Array(32);
  for (let i = 0; i < 32; i++) h[i] = Math.floor(rand() * 256);
  return h;
}

/** Copy of `hash` with `flips` distinct random bits inverted (so at distance exactly `flips`). */
export function flipBits(hash: Uint8Array, flips: number, rand: () => number): Uint8Array {
  const out = hash.slice();
  const bits = Array.from({ length: 256 }, (_, i) => i);
  for (let i = 0; i < flips; i++) {
    const j = i + Math.floor(rand() * (256 - i));
    [bits[i], bits[j]] = [bits[j], bits[i]];
    out[bits[i] >>> 3] ^= 1 << (bits[i] & 7);
  }
  return out;
}

/** Deliberately naive: one bit at a time, shares no code with the package. */
export function referenceDistance(a: Uint8Array, b: Uint8Array): number {
  let d = 0;
  for (let i = 0; i < 256; i++) if (((a[i >>> 3] >>> (i & 7)) & 1) !== ((b[i >>> 3] >>> (i & 7)) & 1)) d++;
  return d;
}

export interface Match {
  id: number;
  distance: number;
}

/** All bank entries with their distance to `query`, sorted by distance then id. */
export function referenceDistances(bank: ReadonlyMap<number, Uint8Array>, query: Uint8Array): Match[] {
  const out: Match[] = [];
  for (const [id, h] of bank) out.push({ id, distance: referenceDistance(h, query) });
  return out.sort((x, y) => x.distance - y.distance || x.id - y.id);
}

export function withinRadius(sorted: readonly Match[], radius: number): Match[] {
  return sorted.filter((m) => m.distance <= radius);
}

export function referenceSearch(bank: ReadonlyMap<number, Uint8Array>, query: Uint8Array, radius: number): Match[] {
  return withinRadius(referenceDistances(bank, query), radius);
}

/** Clusters of near-duplicates (0..maxFlips bits from a base) so that every radius has matches. */
export function clusteredBank(
  rand: () => number,
  clusters: number,
  perCluster: number,
  maxFlips: number,
): Map<number, Uint8Array> {
  const bank = new Map<number, Uint8Array>();
  let id = 7;
  for (let c = 0; c < clusters; c++) {
    const base = randomHash(rand);
    for (let k = 0; k < perCluster; k++) {
      bank.set(id, flipBits(base, Math.floor(rand() * (maxFlips + 1)), rand));
      id += 1 + Math.floor(rand() * 1000);
    }
  }
  return bank;
}
