import { type HammingIndex, MultiIndexHashingIndex, searchDihedral } from '@unseen/index';
import { fromHex, hammingDistance } from '@unseen/pdq';
import { decodeCompact, matchPytx, type VpdqCompactFeature } from '@unseen/vpdq';
import type { CaseStatus, MatchableSignalType } from '../api/schemas.js';
import { PartnerError } from '../errors.js';
import type { StoreChange, StoredRecord } from '../store/store.js';

export const DEFAULT_PDQ_THRESHOLD = 31;

/** A bank record the matcher can answer with. Case numbers are not carried: a match proposes, it does not identify. */
export interface BankEntry {
  signalType: MatchableSignalType;
  hashValue: string;
  caseStatus: CaseStatus;
  caseCount: number;
  lastModtimestamp: number;
}

export interface Match {
  signalType: MatchableSignalType;
  /** The bank's hash value (what SubmitFeedback takes). */
  hash: string;
  /** Hamming distance (PDQ: best over the query's transforms; vPDQ: closest frame pair; MD5: 0). */
  distance: number;
  caseStatus: CaseStatus;
  caseCount: number;
  lastModtimestamp: number;
  /** For dihedral image queries: which transform of the upload matched (e.g. `rotate90`). */
  transform?: string;
  /** vPDQ: python-threatexchange's two shares, 0..100. */
  queryMatchPercent?: number;
  comparedMatchPercent?: number;
}

export interface PdqQuery {
  hash: Uint8Array;
  /** Name of the dihedral transform of the upload this hash was computed from (orig, rot90, ...). */
  transform?: string;
}

/** What the matcher needs of a record; `SyncedBank.indexRecords()` yields these without parsing JSON columns. */
export interface IndexRecord {
  signalType: string;
  hashValue: string;
  hashStatus: CaseStatus;
  caseCount: number;
  lastModtimestamp: number;
}

export interface MatcherOptions {
  pdqThreshold?: number;
  /** Builds the PDQ index; tests and benchmarks swap implementations. */
  indexFactory?: () => HammingIndex;
  /** Bulk-builds the PDQ index for the initial load (default: MultiIndexHashingIndex.build, much faster than adds). */
  indexBuilder?: (ids: Uint32Array, hashes: Uint8Array) => HammingIndex;
  vpdq?: {
    distanceThreshold?: number;
    qualityThreshold?: number;
    queryMatchThresholdPct?: number;
    comparedMatchThresholdPct?: number;
  };
}

const PDQ_HEX = /^[0-9a-f]{64}$/;
const MD5_HEX = /^[0-9a-f]{32}$/;

interface VideoEntry {
  entry: BankEntry;
  frames: VpdqCompactFeature[];
  frameIds: number[];
}

function toEntry(
  record: StoredRecord | IndexRecord,
  signalType: MatchableSignalType,
  hashValue = record.hashValue,
): BankEntry {
  return {
    signalType,
    hashValue,
    caseStatus: record.hashStatus,
    caseCount: 'caseCount' in record ? record.caseCount : Object.keys(record.caseNumbers).length,
    lastModtimestamp: record.lastModtimestamp,
  };
}

/**
 * The in-memory match engine: a Hamming index over every PDQ hash in the synced bank, an exact MD5 map, and
 * a frame index over vPDQ videos (candidates by frame, verdict by the python-threatexchange rule). It follows
 * the synced bank change by change (`apply`), so a withdrawal stops matching the moment its page commits,
 * with no rebuild and no pause: JavaScript runs each change and each query to completion, one at a time.
 */
export class Matcher {
  readonly pdqThreshold: number;
  private pdqIndex: HammingIndex;
  private readonly indexBuilder: (ids: Uint32Array, hashes: Uint8Array) => HammingIndex;
  private readonly pdqIdByHex = new Map<string, number>();
  private readonly pdqById = new Map<number, BankEntry>();
  private readonly md5 = new Map<string, BankEntry>();
  private readonly frameIndex: HammingIndex;
  private readonly videoByFrameId = new Map<number, string>();
  private readonly videos = new Map<string, VideoEntry>();
  private readonly vpdqOptions: NonNullable<MatcherOptions['vpdq']>;
  private nextId = 1;
  /** Records the bank sent that this matcher cannot use (unknown type, malformed value). */
  skipped = 0;

  constructor(options: MatcherOptions = {}) {
    this.pdqThreshold = options.pdqThreshold ?? DEFAULT_PDQ_THRESHOLD;
    if (!Number.isInteger(this.pdqThreshold) || this.pdqThreshold < 0 || this.pdqThreshold > 256) {
      throw new PartnerError('CONFIG_INVALID', `the PDQ threshold must be an integer 0..256, got ${this.pdqThreshold}`);
    }
    const factory = options.indexFactory ?? (() => new MultiIndexHashingIndex());
    this.indexBuilder =
      options.indexBuilder ??
      (options.indexFactory
        ? (ids, hashes) => {
            const index = factory();
            for (let i = 0; i < ids.length; i++) index.add(ids[i]!, hashes.subarray(i * 32, i * 32 + 32));
            return index;
          }
        : (ids, hashes) => MultiIndexHashingIndex.build(ids, hashes));
    this.pdqIndex = factory();
    this.frameIndex = factory();
    this.vpdqOptions = options.vpdq ?? {};
  }

  get size(): { total: number; ImagePDQ: number; VideoMD5: number; VideoVPDQ: number } {
    const pdq = this.pdqById.size;
    return {
      total: pdq + this.md5.size + this.videos.size,
      ImagePDQ: pdq,
      VideoMD5: this.md5.size,
      VideoVPDQ: this.videos.size,
    };
  }

  private allocateId(): number {
    const id = this.nextId;
    this.nextId = this.nextId >= 0xffffffff ? 1 : this.nextId + 1;
    return id;
  }

  /**
   * Initial load. Into an empty matcher, PDQ hashes are collected and the index is bulk-built once (a 1M-hash
   * bank loads in seconds instead of a minute of single adds); otherwise records are upserted one by one.
   */
  load(records: Iterable<StoredRecord | IndexRecord>): void {
    if (this.pdqById.size > 0) {
      for (const record of records) this.upsert(record);
      return;
    }
    let ids = new Uint32Array(1024);
    let hashes = Buffer.alloc(1024 * 32);
    let n = 0;
    for (const record of records) {
      if (record.signalType !== 'ImagePDQ') {
        this.upsert(record);
        continue;
      }
      const value = record.hashValue.toLowerCase();
      if (!PDQ_HEX.test(value) || this.pdqIdByHex.has(value)) {
        if (!PDQ_HEX.test(value)) this.skipped++;
        continue;
      }
      if (n === ids.length) {
        const grownIds = new Uint32Array(n * 2);
        grownIds.set(ids);
        ids = grownIds;
        const grownHashes = Buffer.alloc(n * 2 * 32);
        hashes.copy(grownHashes);
        hashes = grownHashes;
      }
      const id = this.allocateId();
      ids[n] = id;
      hashes.write(value, n * 32, 32, 'hex');
      this.pdqIdByHex.set(value, id);
      this.pdqById.set(id, toEntry(record, 'ImagePDQ', value));
      n++;
    }
    if (n > 0)
      this.pdqIndex = this.indexBuilder(ids.subarray(0, n), new Uint8Array(hashes.buffer, hashes.byteOffset, n * 32));
  }

  apply(changes: readonly StoreChange[]): void {
    for (const change of changes) {
      if (change.type === 'removed') this.remove(change.record.signalType, change.record.hashValue);
      else this.upsert(change.record);
    }
  }

  upsert(record: StoredRecord | IndexRecord): void {
    const value = record.hashValue.toLowerCase();
    switch (record.signalType) {
      case 'ImagePDQ': {
        if (!PDQ_HEX.test(value)) {
          this.skipped++;
          return;
        }
        const entry = toEntry(record, 'ImagePDQ', value);
        const existing = this.pdqIdByHex.get(value);
        if (existing !== undefined) {
          this.pdqById.set(existing, entry); // status/case change: same hash, same index slot
          return;
        }
        const id = this.allocateId();
        this.pdqIndex.add(id, fromHex(value));
        this.pdqIdByHex.set(value, id);
        this.pdqById.set(id, entry);
        return;
      }
      case 'VideoMD5': {
        if (!MD5_HEX.test(value)) {
          this.skipped++;
          return;
        }
        this.md5.set(value, toEntry(record, 'VideoMD5', value));
        return;
      }
      case 'VideoVPDQ': {
        const existing = this.videos.get(record.hashValue);
        if (existing) {
          existing.entry = toEntry(record, 'VideoVPDQ');
          return;
        }
        let frames: VpdqCompactFeature[];
        try {
          frames = decodeCompact(record.hashValue);
        } catch {
          this.skipped++;
          return;
        }
        const frameIds: number[] = [];
        for (const frame of frames) {
          const id = this.allocateId();
          this.frameIndex.add(id, frame.hash);
          this.videoByFrameId.set(id, record.hashValue);
          frameIds.push(id);
        }
        this.videos.set(record.hashValue, { entry: toEntry(record, 'VideoVPDQ'), frames, frameIds });
        return;
      }
      default:
        this.skipped++;
    }
  }

  remove(signalType: string, hashValue: string): boolean {
    const value = signalType === 'VideoVPDQ' ? hashValue : hashValue.toLowerCase();
    if (signalType === 'ImagePDQ') {
      const id = this.pdqIdByHex.get(value);
      if (id === undefined) return false;
      this.pdqIndex.remove(id);
      this.pdqIdByHex.delete(value);
      this.pdqById.delete(id);
      return true;
    }
    if (signalType === 'VideoMD5') return this.md5.delete(value);
    if (signalType === 'VideoVPDQ') {
      const video = this.videos.get(value);
      if (!video) return false;
      for (const id of video.frameIds) {
        this.frameIndex.remove(id);
        this.videoByFrameId.delete(id);
      }
      this.videos.delete(value);
      return true;
    }
    return false;
  }

  /** Best match per bank hash over all query hashes (the 8 dihedral variants of an image, or just one). */
  matchPdq(queries: readonly PdqQuery[], threshold = this.pdqThreshold): Match[] {
    if (queries.length === 0) return [];
    const matches: Match[] = [];
    for (const hit of searchDihedral(
      this.pdqIndex,
      queries.map((q) => q.hash),
      threshold,
    )) {
      const entry = this.pdqById.get(hit.id);
      if (!entry) continue;
      const transform = queries[hit.dihedral]?.transform;
      matches.push({
        signalType: 'ImagePDQ',
        hash: entry.hashValue,
        distance: hit.distance,
        caseStatus: entry.caseStatus,
        caseCount: entry.caseCount,
        lastModtimestamp: entry.lastModtimestamp,
        ...(transform ? { transform } : {}),
      });
    }
    return matches;
  }

  matchMd5(md5: string): Match[] {
    const entry = this.md5.get(md5.toLowerCase());
    if (!entry) return [];
    return [
      {
        signalType: 'VideoMD5',
        hash: entry.hashValue,
        distance: 0,
        caseStatus: entry.caseStatus,
        caseCount: entry.caseCount,
        lastModtimestamp: entry.lastModtimestamp,
      },
    ];
  }

  /** Candidates are videos sharing at least one near frame; the verdict is python-threatexchange's rule. */
  matchVpdq(frames: readonly VpdqCompactFeature[]): Match[] {
    const distance = this.vpdqOptions.distanceThreshold ?? this.pdqThreshold;
    // candidate video -> closest frame distance seen, reported as the match's distance
    const candidates = new Map<string, number>();
    for (const frame of frames) {
      for (const hit of this.frameIndex.search(frame.hash, distance)) {
        const video = this.videoByFrameId.get(hit.id);
        if (video === undefined) continue;
        candidates.set(video, Math.min(hit.distance, candidates.get(video) ?? Number.POSITIVE_INFINITY));
      }
    }
    const matches: Match[] = [];
    for (const [key, closest] of candidates) {
      const video = this.videos.get(key);
      if (!video) continue;
      const verdict = matchPytx(frames, video.frames, { ...this.vpdqOptions, distanceThreshold: distance });
      if (!verdict.isMatch) continue;
      matches.push({
        signalType: 'VideoVPDQ',
        hash: video.entry.hashValue,
        distance: closest,
        caseStatus: video.entry.caseStatus,
        caseCount: video.entry.caseCount,
        lastModtimestamp: video.entry.lastModtimestamp,
        queryMatchPercent: round2(verdict.queryMatchPct),
        comparedMatchPercent: round2(verdict.comparedMatchPct),
      });
    }
    return matches.sort((a, b) => (b.queryMatchPercent ?? 0) - (a.queryMatchPercent ?? 0));
  }

  /** Exact-distance check used by tests and by callers holding a single bank hash. */
  static pdqDistance(a: string, b: string): number {
    return hammingDistance(fromHex(a), fromHex(b));
  }
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

export function isPdqHex(value: string): boolean {
  return PDQ_HEX.test(value);
}

export function isMd5Hex(value: string): boolean {
  return MD5_HEX.test(value);
}
