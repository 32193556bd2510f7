export { BruteForceIndex, type BruteForceOptions } from './brute-force.js';
export { type DihedralMatch, searchDihedral } from './dihedral.js';
export { IndexError, type IndexErrorCode } from './errors.js';
export { HASH_BITS, HASH_BYTES } from './hash.js';
export { DEFAULT_SUBSTRINGS, MultiIndexHashingIndex, type MultiIndexHashingOptions } from './mih.js';
export {
  ballSize,
  type CostModel,
  DEFAULT_COST_MODEL,
  planRadii,
  type RadiusPlan,
  type SubstringLayout,
  substringLayout,
} from './plan.js';
export {
  type ReadOptions,
  SNAPSHOT_VERSION,
  SnapshotKind,
  type WriteOptions,
} from './snapshot.js';
export type { HammingIndex, SearchResult } from './types.js';

import { BruteForceIndex } from './brute-force.js';
import { MultiIndexHashingIndex } from './mih.js';
import { type ReadOptions, readSnapshot, SnapshotKind } from './snapshot.js';
import type { HammingIndex } from './types.js';

/** Loads any snapshot written by `serialize()`, dispatching on the kind recorded in its header. */
export function deserializeIndex(bytes: Uint8Array, options: ReadOptions = {}): HammingIndex {
  const kind = readSnapshot(bytes, { ...options, verifyChecksum: false, copy: false }).header.kind;
  return kind === SnapshotKind.BruteForce
    ? BruteForceIndex.deserialize(bytes, options)
    : MultiIndexHashingIndex.deserialize(bytes, options);
}
