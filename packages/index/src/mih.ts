import { IndexError } from './errors.js';
import { assertHash, assertId, assertRadius, HASH_BYTES, HASH_WORDS, packHash, popcount32 } from './hash.js';
import { IdTable } from './id-table.js';
import {
  ballSize,
  type CostModel,
  DEFAULT_COST_MODEL,
  MAX_PLAN_PROBES,
  MAX_SUBSTRINGS,
  MIN_SUBSTRINGS,
  neighbourMasks,
  planRadii,
  type RadiusPlan,
  substringKey,
  substringLayout,
  type TableShape,
} from './plan.js';
import { ResultBuffer } from './results.js';
import { scanWords } from './scan.js';
import { type ReadOptions, readSnapshot, SnapshotKind, type WriteOptions, writeSnapshot } from './snapshot.js';
import { sortRowsByKey } from './sort.js';
import type { HammingIndex, SearchResult } from './types.js';

export const DEFAULT_SUBSTRINGS = 11;
const DEFAULT_DIRECTORY_SHIFT = 3;
/**
 * Candidates verified per block (see probeBase). A block's hashes are touched in a tight loop first; 512
 * random rows fit easily in the CPU's second-level TLB (thousands of entries), so the verification that
 * follows should find both the lines and their address translations still cached. Measured at 10M: 256, 512 and 1024 alike; one pass over all candidates was worse.
 */
const VERIFY_BLOCK = 512;
const GOLDEN = 0x9e3779b1;

export interface MultiIndexHashingOptions {
  /** Number of substrings m (8..64). Default 11, chosen by measurement (see README). */
  substrings?: number;
  /** Upper bound on bucket-directory bits per substring table (default 24). */
  maxBucketBits?: number;
  /** The directory of each table gets about n / 2^directoryShift buckets (default 3, see README). */
  directoryShift?: number;
  /** Pending adds (as a fraction of the compacted part) that trigger a compaction. Default 1/32. */
  compactionRatio?: number;
  /** Minimum number of pending adds or tombstones before a compaction (default 4096). */
  compactionMinimum?: number;
  /** Relative costs used to choose per-substring radii and the scan fallback. */
  costModel?: Partial<CostModel>;
}

/**
 * Exact multi-index hashing (Norouzi et al.) over 256-bit hashes.
 *
 * Two parts:
 * - the compacted "base": rows sorted by id, hashes packed as 8 uint32 words, and per substring a CSR table:
 *   a bucket directory (offsets) over the substring's leading `prefixBits`, and posting entries that pack
 *   the row number (low `rowBits`) with the substring's remaining `suffixBits` (high bits). A probe enumerates
 *   prefix neighbours only and filters each bucket by the suffix distance, so substrings can be longer than
 *   the directory (fewer candidates) without a bigger directory. Removals set a tombstone bit.
 * - the "delta": recent adds, with per substring an open-addressing map key -> chain of delta rows.
 * When the delta outgrows `compactionRatio` of the base (or tombstones exceed a quarter) both are merged
 * into a new base. Queries probe both parts with the same radii, so results are exact at every moment.
 */
export class MultiIndexHashingIndex implements HammingIndex {
  readonly substrings: number;
  private readonly starts: Int32Array;
  private readonly bits: Int32Array;
  private readonly maxBucketBits: number;
  private readonly directoryShift: number;
  private readonly compactionRatio: number;
  private readonly compactionMinimum: number;
  private readonly costModel: CostModel;

  // Base (compacted) part.
  private baseCount = 0;
  private baseIds: Uint32Array = new Uint32Array(0);
  private baseWords: Uint32Array = new Uint32Array(0);
  private baseDead = new Uint32Array(0);
  private baseDeadCount = 0;
  private rowBits = 1;
  private readonly suffixBits: Int32Array;
  private readonly bucketBits: Int32Array;
  private offsets: Uint32Array[] = [];
  private postings: Uint32Array[] = [];
  private readonly bucketEntries: Float64Array;

  // Delta part.
  private deltaCapacity = 0;
  private deltaCount = 0;
  private deltaLive = 0;
  private deltaIds = new Uint32Array(0);
  private deltaWords = new Uint32Array(0);
  private deltaDead = new Uint32Array(0);
  private deltaIdRows = new IdTable();
  private deltaSlotMask = 0;
  private deltaSlotShift = 0;
  private deltaKeys: Uint32Array[] = [];
  private deltaHeads: Int32Array[] = [];
  private deltaNext: Int32Array[] = [];

  private plans: (RadiusPlan | null | undefined)[] = [];
  /** Live count when `plans` were computed: plans are redone when the size drifts by 2x (scan cost changes). */
  private plannedSize = 0;
  private readonly query = new Uint32Array(HASH_WORDS);
  private readonly queryKeys: Uint32Array;
  private readonly results = new ResultBuffer();
  /** Reused candidate-row buffer (grows to the largest candidate set seen). */
  private candidates: Uint32Array = new Uint32Array(4096);
  /** Reused per-table bucket bounds of the probed prefixes. */
  private bucketLo = new Uint32Array(0);
  private bucketHi = new Uint32Array(0);
  /** Sink for the prefetching reads (kept so the compiler cannot drop them). */
  private touched = 0;

  constructor(options: MultiIndexHashingOptions = {}) {
    const m = options.substrings ?? DEFAULT_SUBSTRINGS;
    if (!Number.isInteger(m) || m < MIN_SUBSTRINGS || m > MAX_SUBSTRINGS) {
      throw new IndexError('INVALID_OPTION', `substrings must be an integer in ${MIN_SUBSTRINGS}..${MAX_SUBSTRINGS}`);
    }
    const maxBucketBits = options.maxBucketBits ?? 24;
    if (!Number.isInteger(maxBucketBits) || maxBucketBits < 4 || maxBucketBits > 28) {
      throw new IndexError('INVALID_OPTION', 'maxBucketBits must be an integer in 4..28');
    }
    const directoryShift = options.directoryShift ?? DEFAULT_DIRECTORY_SHIFT;
    if (!Number.isInteger(directoryShift) || directoryShift < 0 || directoryShift > 16) {
      throw new IndexError('INVALID_OPTION', 'directoryShift must be an integer in 0..16');
    }
    this.directoryShift = directoryShift;
    const ratio = options.compactionRatio ?? 1 / 32;
    if (!(ratio > 0 && ratio <= 1)) throw new IndexError('INVALID_OPTION', 'compactionRatio must be in (0, 1]');
    this.substrings = m;
    const layout = substringLayout(m);
    this.starts = layout.starts;
    this.bits = layout.bits;
    this.maxBucketBits = maxBucketBits;
    this.compactionRatio = ratio;
    const minimum = options.compactionMinimum ?? 4096;
    if (!Number.isInteger(minimum) || minimum < 1)
      throw new IndexError('INVALID_OPTION', 'compactionMinimum must be >= 1');
    this.compactionMinimum = minimum;
    this.costModel = { ...DEFAULT_COST_MODEL, ...options.costModel };
    this.suffixBits = new Int32Array(m);
    this.bucketBits = new Int32Array(m);
    this.bucketEntries = new Float64Array(m);
    this.queryKeys = new Uint32Array(m);
    this.buildTables();
    this.resetDelta(1024);
  }

  /**
   * Bulk build from `ids` (unique uint32) and `hashes` (ids.length * 32 bytes, hash i at i*32).
   * Equivalent to adding each pair, but builds the compacted tables once.
   */
  static build(ids: Uint32Array, hashes: Uint8Array, options: MultiIndexHashingOptions = {}): MultiIndexHashingIndex {
    const n = ids.length;
    if (!(hashes instanceof Uint8Array) || hashes.length !== n * HASH_BYTES) {
      throw new IndexError('INVALID_HASH', `expected ${n * HASH_BYTES} hash bytes for ${n} ids`);
    }
    const index = new MultiIndexHashingIndex(options);
    const rows = new Uint32Array(n);
    for (let i = 0; i < n; i++) rows[i] = i;
    const order = sortRowsByKey(ids, rows);
    const sortedIds = new Uint32Array(n);
    const words = new Uint32Array(n * HASH_WORDS);
    for (let i = 0; i < n; i++) {
      const src = order[i];
      sortedIds[i] = ids[src];
      if (i > 0 && sortedIds[i] === sortedIds[i - 1]) {
        throw new IndexError('INVALID_ID', `duplicate id ${sortedIds[i]}`);
      }
      packHash(hashes, words, i * HASH_WORDS, src * HASH_BYTES);
    }
    index.setBase(n, sortedIds, words);
    index.buildTables();
    return index;
  }

  get size(): number {
    return this.baseCount - this.baseDeadCount + this.deltaLive;
  }

  /** Bytes held by typed arrays (the index has no per-hash objects). */
  get memoryBytes(): number {
    let total =
      this.baseIds.byteLength +
      this.baseWords.byteLength +
      this.baseDead.byteLength +
      this.deltaIds.byteLength +
      this.deltaWords.byteLength +
      this.deltaDead.byteLength;
    for (let t = 0; t < this.substrings; t++) {
      total += this.offsets[t].byteLength + this.postings[t].byteLength;
      total += this.deltaKeys[t].byteLength + this.deltaHeads[t].byteLength + this.deltaNext[t].byteLength;
    }
    return total;
  }

  /** Current per-substring radii for `radius` (null = linear scan), for diagnostics and the README. */
  planFor(radius: number): RadiusPlan | null {
    assertRadius(radius);
    return this.plan(radius);
  }

  add(id: number, hash: Uint8Array): void {
    assertId(id);
    assertHash(hash);
    this.removeLive(id);
    if (this.deltaCount === this.deltaCapacity) this.growDelta();
    const row = this.deltaCount++;
    this.deltaIds[row] = id;
    const o = row * HASH_WORDS;
    packHash(hash, this.deltaWords, o);
    this.deltaIdRows.set(id, row, this.deltaIds);
    this.linkDeltaRow(row);
    this.deltaLive++;
    if (this.deltaCount > Math.max(this.compactionMinimum, this.baseCount * this.compactionRatio)) this.compact();
  }

  remove(id: number): boolean {
    assertId(id);
    const removed = this.removeLive(id);
    if (removed && this.baseDeadCount > Math.max(this.compactionMinimum, this.baseCount / 4)) this.compact();
    return removed;
  }

  search(hash: Uint8Array, radius: number): SearchResult[] {
    assertHash(hash);
    assertRadius(radius);
    const q = this.query;
    packHash(hash, q, 0);
    const out = this.results;
    out.reset();
    const plan = this.plan(radius);
    if (plan === null) {
      scanWords(this.baseWords, this.baseIds, this.baseCount, q, radius, this.baseDead, out);
      if (this.deltaLive > 0)
        scanWords(this.deltaWords, this.deltaIds, this.deltaCount, q, radius, this.deltaDead, out);
      return out.toSortedResults();
    }
    const keys = this.queryKeys;
    for (let t = 0; t < this.substrings; t++) keys[t] = substringKey(q, 0, this.starts[t], this.bits[t]);
    if (this.baseCount > 0) this.probeBase(plan.radii, radius, out);
    if (this.deltaLive > 0) {
      // The delta has no bucket directory: probing costs one hash-map lookup per full-key neighbour, so a
      // small delta is cheaper to scan.
      const probeCost = plan.keyProbes * this.costModel.probe;
      if (plan.keyProbes <= MAX_PLAN_PROBES && probeCost < this.deltaCount * this.costModel.scanRow) {
        this.probeDelta(plan.radii, radius, out);
      } else {
        scanWords(this.deltaWords, this.deltaIds, this.deltaCount, q, radius, this.deltaDead, out);
      }
    }
    return out.toSortedResults();
  }

  /** Merges the delta into the base and drops tombstones. Called automatically; exposed for bulk loads. */
  compact(): void {
    if (this.deltaCount === 0 && this.baseDeadCount === 0) return;
    const n = this.size;
    // Live delta rows in id order.
    const liveDelta = new Uint32Array(this.deltaLive);
    let k = 0;
    for (let row = 0; row < this.deltaCount; row++) {
      if ((this.deltaDead[row >>> 5] & (1 << (row & 31))) === 0) liveDelta[k++] = row;
    }
    const deltaOrder = sortRowsByKey(this.deltaIds, liveDelta);
    const ids = new Uint32Array(n);
    const words = new Uint32Array(n * HASH_WORDS);
    let b = 0;
    let d = 0;
    for (let i = 0; i < n; i++) {
      while (b < this.baseCount && (this.baseDead[b >>> 5] & (1 << (b & 31))) !== 0) b++;
      const takeBase = b < this.baseCount && (d >= deltaOrder.length || this.baseIds[b] < this.deltaIds[deltaOrder[d]]);
      if (takeBase) {
        ids[i] = this.baseIds[b];
        words.set(this.baseWords.subarray(b * HASH_WORDS, b * HASH_WORDS + HASH_WORDS), i * HASH_WORDS);
        b++;
      } else {
        const row = deltaOrder[d++];
        ids[i] = this.deltaIds[row];
        words.set(this.deltaWords.subarray(row * HASH_WORDS, row * HASH_WORDS + HASH_WORDS), i * HASH_WORDS);
      }
    }
    this.setBase(n, ids, words);
    this.resetDelta(1024);
    this.buildTables();
  }

  serialize(options: WriteOptions = {}): Uint8Array {
    this.compact();
    const shape = new Uint32Array(1 + 2 * this.substrings);
    shape[0] = this.rowBits;
    for (let t = 0; t < this.substrings; t++) {
      shape[1 + 2 * t] = this.bucketBits[t];
      shape[2 + 2 * t] = this.suffixBits[t];
    }
    const sections: Uint32Array[] = [this.baseIds, this.baseWords, shape];
    for (let t = 0; t < this.substrings; t++) sections.push(this.offsets[t], this.postings[t]);
    return writeSnapshot(
      { kind: SnapshotKind.MultiIndexHashing, count: this.baseCount, tables: this.substrings },
      sections,
      options,
    );
  }

  /**
   * Loads a snapshot written by `serialize`. By default the tables are zero-copy views into `bytes`
   * (cold load of a 10M snapshot is then dominated by validation); pass `copy: true` to detach.
   */
  static deserialize(
    bytes: Uint8Array,
    options: ReadOptions & Omit<MultiIndexHashingOptions, 'substrings'> = {},
  ): MultiIndexHashingIndex {
    const reader = readSnapshot(bytes, options);
    const { kind, count, tables } = reader.header;
    if (kind !== SnapshotKind.MultiIndexHashing || tables < MIN_SUBSTRINGS || tables > MAX_SUBSTRINGS) {
      throw new IndexError('CORRUPT_SNAPSHOT', 'snapshot is not a multi-index hashing index');
    }
    const index = new MultiIndexHashingIndex({ ...options, substrings: tables });
    const ids = reader.take(count);
    for (let i = 1; i < count; i++) {
      if (ids[i] <= ids[i - 1]) throw new IndexError('CORRUPT_SNAPSHOT', 'snapshot ids are not strictly ascending');
    }
    const words = reader.take(count * HASH_WORDS);
    const shape = reader.take(1 + 2 * tables);
    const rowBits = shape[0];
    if (rowBits !== rowBitsFor(count)) throw new IndexError('CORRUPT_SNAPSHOT', 'bad row bits');
    const rowMask = rowBits >= 31 ? 0x7fffffff : (1 << rowBits) - 1;
    const offsets: Uint32Array[] = [];
    const postings: Uint32Array[] = [];
    for (let t = 0; t < tables; t++) {
      const bb = shape[1 + 2 * t];
      const sb = shape[2 + 2 * t];
      const prefixBits = index.bits[t] - sb;
      if (sb > 32 - rowBits || prefixBits < 0 || bb < 1 || bb > prefixBits || bb > 28) {
        throw new IndexError('CORRUPT_SNAPSHOT', `table ${t} has an invalid shape`);
      }
      const offs = reader.take((1 << bb) + 1);
      const post = reader.take(count);
      if (offs[0] !== 0 || offs[offs.length - 1] !== count) {
        throw new IndexError('CORRUPT_SNAPSHOT', `table ${t} offsets do not cover the rows`);
      }
      for (let i = 1; i < offs.length; i++) {
        if (offs[i] < offs[i - 1]) throw new IndexError('CORRUPT_SNAPSHOT', `table ${t} offsets are not monotone`);
      }
      // An entry is suffix * 2^rowBits + row: both parts in range <=> row < count and entry < 2^(sb+rowBits).
      const entryLimit = 2 ** (sb + rowBits);
      for (let i = 0; i < count; i++) {
        const e = post[i];
        if ((e & rowMask) >= count || e >= entryLimit) {
          throw new IndexError('CORRUPT_SNAPSHOT', `table ${t} has an invalid posting entry`);
        }
      }
      index.bucketBits[t] = bb;
      index.suffixBits[t] = sb;
      offsets.push(offs);
      postings.push(post);
    }
    reader.finish();
    index.setBase(count, ids, words);
    index.rowBits = rowBits;
    index.offsets = offsets;
    index.postings = postings;
    for (let t = 0; t < tables; t++) index.bucketEntries[t] = bucketEntriesOf(offsets[t], count);
    return index;
  }

  // ---------------------------------------------------------------------------------------------------

  private plan(radius: number): RadiusPlan | null {
    const size = this.size;
    if (size > this.plannedSize * 2 || size < this.plannedSize / 2) {
      this.plans = [];
      this.plannedSize = size;
    }
    let plan = this.plans[radius];
    if (plan === undefined) {
      plan = planRadii(radius, this.tableShapes(), size, this.costModel);
      this.plans[radius] = plan;
    }
    return plan;
  }

  private tableShapes(): TableShape[] {
    const shapes: TableShape[] = [];
    for (let t = 0; t < this.substrings; t++) {
      const prefixBits = this.bits[t] - this.suffixBits[t];
      // Directory buckets narrower than the prefix (hashed) hold several prefixes.
      const keyMatches = this.bucketEntries[t] / 2 ** (this.bits[t] - this.bucketBits[t]);
      shapes.push({ bits: this.bits[t], prefixBits, bucketEntries: this.bucketEntries[t], keyMatches });
    }
    return shapes;
  }

  /** Removes the live entry for `id` wherever it is; returns whether one existed. */
  private removeLive(id: number): boolean {
    const row = this.findBaseRow(id);
    if (row >= 0 && (this.baseDead[row >>> 5] & (1 << (row & 31))) === 0) {
      this.baseDead[row >>> 5] |= 1 << (row & 31);
      this.baseDeadCount++;
      return true;
    }
    const drow = this.deltaIdRows.delete(id, this.deltaIds);
    if (drow >= 0) {
      this.deltaDead[drow >>> 5] |= 1 << (drow & 31);
      this.deltaLive--;
      return true;
    }
    return false;
  }

  private findBaseRow(id: number): number {
    const ids = this.baseIds;
    let lo = 0;
    let hi = this.baseCount - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = ids[mid];
      if (v === id) return mid;
      if (v < id) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  private setBase(n: number, ids: Uint32Array, words: Uint32Array): void {
    this.baseCount = n;
    this.baseIds = ids;
    this.baseWords = words;
    this.baseDead = new Uint32Array((n + 31) >>> 5);
    this.baseDeadCount = 0;
    this.plans = [];
  }

  /**
   * Counting-sort build of every substring table over the base rows (rows stay ascending per bucket).
   * The directory gets about n/8 buckets (log2(n) - 3 bits): a few entries per bucket, ~0.5 byte per hash per
   * table; the substring bits beyond the directory ride in the posting entries above the row number.
   */
  private buildTables(): void {
    const n = this.baseCount;
    const words = this.baseWords;
    const rowBits = rowBitsFor(n);
    this.rowBits = rowBits;
    const dirWanted = Math.min(
      this.maxBucketBits,
      Math.max(4, Math.ceil(Math.log2(Math.max(n, 16))) - this.directoryShift),
    );
    const bucketOf = new Uint32Array(n);
    const entryOf = new Uint32Array(n);
    const rowScale = 2 ** rowBits;
    this.offsets = [];
    this.postings = [];
    for (let t = 0; t < this.substrings; t++) {
      const bits = this.bits[t];
      const sb = Math.max(0, Math.min(bits - dirWanted, 32 - rowBits));
      const prefixBits = bits - sb;
      const bb = Math.min(prefixBits, this.maxBucketBits);
      this.suffixBits[t] = sb;
      this.bucketBits[t] = bb;
      const hashed = bb < prefixBits;
      const shift = 32 - bb;
      const sufMask = sb === 0 ? 0 : 2 ** sb - 1;
      const start = this.starts[t];
      const offs = new Uint32Array((1 << bb) + 1);
      for (let row = 0, o = 0; row < n; row++, o += HASH_WORDS) {
        const key = substringKey(words, o, start, bits);
        const prefix = sb === 0 ? key : key >>> sb;
        const bucket = hashed ? Math.imul(prefix, GOLDEN) >>> shift : prefix;
        bucketOf[row] = bucket;
        entryOf[row] = (key & sufMask) * rowScale + row;
        offs[bucket + 1]++;
      }
      for (let i = 1; i < offs.length; i++) offs[i] += offs[i - 1];
      const cursor = offs.slice(0, offs.length - 1);
      const post = new Uint32Array(n);
      for (let row = 0; row < n; row++) post[cursor[bucketOf[row]]++] = entryOf[row];
      this.offsets.push(offs);
      this.postings.push(post);
      this.bucketEntries[t] = bucketEntriesOf(offs, n);
    }
    this.plans = [];
  }

  private resetDelta(capacity: number): void {
    this.deltaCapacity = capacity;
    this.deltaCount = 0;
    this.deltaLive = 0;
    this.deltaIds = new Uint32Array(capacity);
    this.deltaWords = new Uint32Array(capacity * HASH_WORDS);
    this.deltaDead = new Uint32Array((capacity + 31) >>> 5);
    this.deltaIdRows = new IdTable(capacity);
    this.allocDeltaTables(capacity);
  }

  private allocDeltaTables(capacity: number): void {
    const slotBits = Math.ceil(Math.log2(capacity * 2));
    this.deltaSlotMask = (1 << slotBits) - 1;
    this.deltaSlotShift = 32 - slotBits;
    this.deltaKeys = [];
    this.deltaHeads = [];
    this.deltaNext = [];
    for (let t = 0; t < this.substrings; t++) {
      this.deltaKeys.push(new Uint32Array(1 << slotBits));
      this.deltaHeads.push(new Int32Array(1 << slotBits).fill(-1));
      this.deltaNext.push(new Int32Array(capacity));
    }
  }

  private growDelta(): void {
    const capacity = this.deltaCapacity * 2;
    const ids = new Uint32Array(capacity);
    ids.set(this.deltaIds);
    const words = new Uint32Array(capacity * HASH_WORDS);
    words.set(this.deltaWords);
    const dead = new Uint32Array((capacity + 31) >>> 5);
    dead.set(this.deltaDead);
    this.deltaIds = ids;
    this.deltaWords = words;
    this.deltaDead = dead;
    this.deltaCapacity = capacity;
    this.allocDeltaTables(capacity);
    for (let row = 0; row < this.deltaCount; row++) this.linkDeltaRow(row);
  }

  /** Pushes delta `row` onto the chain of its key in every substring map. */
  private linkDeltaRow(row: number): void {
    const o = row * HASH_WORDS;
    const mask = this.deltaSlotMask;
    const shift = this.deltaSlotShift;
    for (let t = 0; t < this.substrings; t++) {
      const key = substringKey(this.deltaWords, o, this.starts[t], this.bits[t]);
      const keys = this.deltaKeys[t];
      const heads = this.deltaHeads[t];
      let slot = Math.imul(key, GOLDEN) >>> shift;
      while (heads[slot] >= 0 && keys[slot] !== key) slot = (slot + 1) & mask;
      keys[slot] = key;
      this.deltaNext[t][row] = heads[slot];
      heads[slot] = row;
    }
  }

  /**
   * Passes, so that each loop is tight and its memory reads are independent (the CPU overlaps the cache
   * misses instead of waiting for each): for all tables, read every probed bucket's bounds and touch its
   * entries; then copy the entries whose stored suffix is close enough; then, per block of candidates,
   * touch their hashes and verify them.
   */
  private probeBase(radii: Int8Array, radius: number, out: ResultBuffer): void {
    const rowBits = this.rowBits;
    const rowMask = rowBits >= 31 ? 0x7fffffff : (1 << rowBits) - 1;
    const m = this.substrings;
    // Pass 1 over all tables before any copying, so every table's bucket loads are in flight together.
    let probes = 0;
    for (let t = 0; t < m; t++) {
      const prefixBits = this.bits[t] - this.suffixBits[t];
      if (radii[t] >= 0) probes += ballSize(prefixBits, Math.min(radii[t], prefixBits));
    }
    if (this.bucketLo.length < probes) {
      this.bucketLo = new Uint32Array(probes);
      this.bucketHi = new Uint32Array(probes);
    }
    const lo = this.bucketLo;
    const hi = this.bucketHi;
    let entries = 0;
    let touch = 0;
    let base = 0;
    for (let t = 0; t < m; t++) {
      const rt = radii[t];
      if (rt < 0) continue;
      const sb = this.suffixBits[t];
      const prefixBits = this.bits[t] - sb;
      const masks = neighbourMasks(prefixBits, Math.min(rt, prefixBits));
      const nm = masks.length;
      const qk = this.queryKeys[t];
      const qPrefix = sb === 0 ? qk : qk >>> sb;
      const offs = this.offsets[t];
      const post = this.postings[t];
      const bb = this.bucketBits[t];
      const shift = 32 - bb;
      if (bb < prefixBits) {
        for (let j = 0; j < nm; j++) {
          const bucket = Math.imul((qPrefix ^ masks[j]) >>> 0, GOLDEN) >>> shift;
          const a = offs[bucket];
          const e = offs[bucket + 1];
          lo[base + j] = a;
          hi[base + j] = e;
          entries += e - a;
          // Start loading the bucket's entries now (independent reads overlap; the copy loop then hits).
          if (a < e) touch ^= post[a] ^ post[e - 1];
        }
      } else {
        for (let j = 0; j < nm; j++) {
          const bucket = qPrefix ^ masks[j];
          const a = offs[bucket];
          const e = offs[bucket + 1];
          lo[base + j] = a;
          hi[base + j] = e;
          entries += e - a;
          // Start loading the bucket's entries now (independent reads overlap; the copy loop then hits).
          if (a < e) touch ^= post[a] ^ post[e - 1];
        }
      }
      base += nm;
    }
    this.touched ^= touch;
    let cand = this.candidates;
    if (entries > cand.length) {
      cand = growTo(cand, entries);
      this.candidates = cand;
    }
    let nc = 0;
    // Pass 2: copy the kept entries. Masks come ordered by weight: those of weight k leave the suffix a
    // tolerance of rt - k bits.
    base = 0;
    for (let t = 0; t < m; t++) {
      const rt = radii[t];
      if (rt < 0) continue;
      const sb = this.suffixBits[t];
      const prefixBits = this.bits[t] - sb;
      const flips = Math.min(rt, prefixBits);
      const qk = this.queryKeys[t];
      const qSuffix = sb === 0 ? 0 : qk & (2 ** sb - 1);
      const post = this.postings[t];
      let j = base;
      for (let k = 0; k <= flips; k++) {
        const segmentEnd = base + ballSize(prefixBits, k);
        const tolerance = rt - k;
        if (sb === 0 || tolerance >= sb) {
          for (; j < segmentEnd; j++) {
            const e = hi[j];
            for (let p = lo[j]; p < e; p++) cand[nc++] = post[p] & rowMask;
          }
        } else if (tolerance === 0) {
          // The largest segment (the most flipped prefix bits): the suffix must match exactly.
          for (; j < segmentEnd; j++) {
            const e = hi[j];
            for (let p = lo[j]; p < e; p++) {
              const v = post[p];
              if (v >>> rowBits === qSuffix) cand[nc++] = v & rowMask;
            }
          }
        } else {
          for (; j < segmentEnd; j++) {
            const e = hi[j];
            for (let p = lo[j]; p < e; p++) {
              const v = post[p];
              if (popcount32((v >>> rowBits) ^ qSuffix) <= tolerance) cand[nc++] = v & rowMask;
            }
          }
        }
      }
      base = j;
    }
    const H = this.baseWords;
    const ids = this.baseIds;
    const dead = this.baseDead;
    // Rows found through several tables are not deduplicated (that cost a random read of a per-row stamp for
    // every candidate, while duplicates are rare and mostly true matches): the result buffer drops repeated
    // (id, distance) pairs. Per block of candidates, a tight loop touches the hashes (independent reads, so
    // many misses are in flight at once), then the block is verified while its lines are cached.
    touch = 0;
    const q = this.query;
    const q0 = q[0];
    const q1 = q[1];
    const q2 = q[2];
    const q3 = q[3];
    const q4 = q[4];
    const q5 = q[5];
    const q6 = q[6];
    const q7 = q[7];
    for (let start = 0; start < nc; start += VERIFY_BLOCK) {
      const end = Math.min(nc, start + VERIFY_BLOCK);
      for (let i = start; i < end; i++) touch ^= H[cand[i] * 8];
      for (let i = start; i < end; i++) {
        const row = cand[i];
        const o = row * 8;
        let d =
          popcount32(H[o] ^ q0) + popcount32(H[o + 1] ^ q1) + popcount32(H[o + 2] ^ q2) + popcount32(H[o + 3] ^ q3);
        if (d > radius) continue;
        d +=
          popcount32(H[o + 4] ^ q4) + popcount32(H[o + 5] ^ q5) + popcount32(H[o + 6] ^ q6) + popcount32(H[o + 7] ^ q7);
        if (d > radius) continue;
        // Only true matches reach here: the tombstone check costs nothing for the many misses.
        if ((dead[row >>> 5] & (1 << (row & 31))) !== 0) continue;
        out.push(ids[row], d);
      }
    }
    this.touched ^= touch;
  }

  private probeDelta(radii: Int8Array, radius: number, out: ResultBuffer): void {
    const H = this.deltaWords;
    const ids = this.deltaIds;
    const dead = this.deltaDead;
    const q = this.query;
    const mask = this.deltaSlotMask;
    const shift = this.deltaSlotShift;
    for (let t = 0; t < this.substrings; t++) {
      const rt = radii[t];
      if (rt < 0) continue;
      const masks = neighbourMasks(this.bits[t], rt);
      const qk = this.queryKeys[t];
      const keys = this.deltaKeys[t];
      const heads = this.deltaHeads[t];
      const next = this.deltaNext[t];
      for (let j = 0; j < masks.length; j++) {
        const key = (qk ^ masks[j]) >>> 0;
        let slot = Math.imul(key, GOLDEN) >>> shift;
        while (heads[slot] >= 0 && keys[slot] !== key) slot = (slot + 1) & mask;
        for (let row = heads[slot]; row >= 0; row = next[row]) {
          const o = row * 8;
          let d = 0;
          for (let w = 0; w < 8; w++) d += popcount32(H[o + w] ^ q[w]);
          if (d > radius || (dead[row >>> 5] & (1 << (row & 31))) !== 0) continue;
          out.push(ids[row], d);
        }
      }
    }
  }
}

function growTo(a: Uint32Array, min: number): Uint32Array<ArrayBuffer> {
  const next = new Uint32Array(Math.max(min, a.length * 2));
  next.set(a);
  return next;
}

/** Row numbers take the low bits of a posting entry; at least 1 bit, at most 31. */
function rowBitsFor(n: number): number {
  return Math.min(31, Math.max(1, Math.ceil(Math.log2(n + 1))));
}

/** Expected bucket size seen by a query drawn like the data: sum(count^2) / n. */
function bucketEntriesOf(offs: Uint32Array, n: number): number {
  if (n === 0) return 0;
  let s = 0;
  for (let i = 1; i < offs.length; i++) {
    const c = offs[i] - offs[i - 1];
    s += c * c;
  }
  return s / n;
}
