export interface SearchResult {
  id: number;
  distance: number;
}

/** The cross-package contract (docs/architecture.md). Hashes are 32-byte (256-bit) PDQ-style hashes. */
export interface HammingIndex {
  /** Adds `hash` under `id` (uint32 chosen by the caller). Re-adding a live id replaces its hash. */
  add(id: number, hash: Uint8Array): void;
  /** Removes `id`; returns false when it was not present. */
  remove(id: number): boolean;
  /** Every live hash within Hamming distance `radius` (0..256), sorted by distance then id. */
  search(hash: Uint8Array, radius: number): SearchResult[];
  readonly size: number;
  /** A versioned binary snapshot (see snapshot.ts); load it with `deserializeIndex`. */
  serialize(): Uint8Array;
}
