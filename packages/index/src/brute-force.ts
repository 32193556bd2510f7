import { IndexError } from './errors.js';
import { assertHash, assertId, assertRadius, HASH_WORDS, packHash } from './hash.js';
import { IdTable } from './id-table.js';
import { ResultBuffer } from './results.js';
import { scanWords } from './scan.js';
import { type ReadOptions, readSnapshot, SnapshotKind, type WriteOptions, writeSnapshot } from './snapshot.js';
import type { HammingIndex, SearchResult } from './types.js';

export interface BruteForceOptions {
  /** Initial capacity in hashes (grows by doubling). */
  capacity?: number;
}

/**
 * Exact baseline: hashes packed as 8 uint32 words in one typed array, scanned linearly.
 * Removal swaps the last row into the hole, so storage stays dense.
 */
export class BruteForceIndex implements HammingIndex {
  private ids: Uint32Array;
  private words: Uint32Array;
  private count = 0;
  private readonly idRows: IdTable;
  private readonly query = new Uint32Array(HASH_WORDS);
  private readonly results = new ResultBuffer();

  constructor(options: BruteForceOptions = {}) {
    const capacity = Math.max(16, options.capacity ?? 1024);
    if (!Number.isInteger(capacity) || capacity > 0x7fffffff) {
      throw new IndexError('INVALID_OPTION', 'capacity must be a positive integer');
    }
    this.ids = new Uint32Array(capacity);
    this.words = new Uint32Array(capacity * HASH_WORDS);
    this.idRows = new IdTable(capacity);
  }

  get size(): number {
    return this.count;
  }

  add(id: number, hash: Uint8Array): void {
    assertId(id);
    assertHash(hash);
    const existing = this.idRows.find(id, this.ids);
    if (existing >= 0) {
      packHash(hash, this.words, existing * HASH_WORDS);
      return;
    }
    if (this.count === this.ids.length) this.grow();
    const row = this.count++;
    this.ids[row] = id;
    packHash(hash, this.words, row * HASH_WORDS);
    this.idRows.set(id, row, this.ids);
  }

  remove(id: number): boolean {
    assertId(id);
    const row = this.idRows.delete(id, this.ids);
    if (row < 0) return false;
    const last = --this.count;
    if (row !== last) {
      this.ids[row] = this.ids[last];
      this.words.copyWithin(row * HASH_WORDS, last * HASH_WORDS, (last + 1) * HASH_WORDS);
      this.idRows.set(this.ids[row], row, this.ids);
    }
    return true;
  }

  search(hash: Uint8Array, radius: number): SearchResult[] {
    assertHash(hash);
    assertRadius(radius);
    packHash(hash, this.query, 0);
    const out = this.results;
    out.reset();
    scanWords(this.words, this.ids, this.count, this.query, radius, null, out);
    return out.toSortedResults();
  }

  serialize(options: WriteOptions = {}): Uint8Array {
    return writeSnapshot(
      { kind: SnapshotKind.BruteForce, count: this.count, tables: 0 },
      [this.ids.subarray(0, this.count), this.words.subarray(0, this.count * HASH_WORDS)],
      options,
    );
  }

  static deserialize(bytes: Uint8Array, options: ReadOptions = {}): BruteForceIndex {
    const reader = readSnapshot(bytes, options);
    const { kind, count, tables } = reader.header;
    if (kind !== SnapshotKind.BruteForce || tables !== 0) {
      throw new IndexError('CORRUPT_SNAPSHOT', 'snapshot is not a brute-force index');
    }
    const ids = reader.take(count);
    const words = reader.take(count * HASH_WORDS);
    reader.finish();
    const index = new BruteForceIndex({ capacity: count });
    // Copy into growable storage: a brute-force index is meant to be mutated after loading.
    index.ids.set(ids);
    index.words.set(words);
    for (let row = 0; row < count; row++) {
      if (index.idRows.find(index.ids[row], index.ids) >= 0) {
        throw new IndexError('CORRUPT_SNAPSHOT', `duplicate id ${index.ids[row]} in snapshot`);
      }
      index.idRows.set(index.ids[row], row, index.ids);
      index.count++;
    }
    return index;
  }

  private grow(): void {
    const capacity = this.ids.length * 2;
    const ids = new Uint32Array(capacity);
    ids.set(this.ids);
    const words = new Uint32Array(capacity * HASH_WORDS);
    words.set(this.words);
    this.ids = ids;
    this.words = words;
  }
}
