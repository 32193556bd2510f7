import { IndexError } from './errors.js';
import { LITTLE_ENDIAN } from './hash.js';

/**
 * Snapshot format, version 1 (all integers little-endian uint32):
 *
 *   0  magic "UNSNIDX\0"        8 bytes
 *   8  version                  = 1
 *  12  kind                     1 = brute force, 2 = multi-index hashing
 *  16  count                    live hashes
 *  20  tables                   substring tables (0 for brute force)
 *  24  total byte length        low 32 bits
 *  28  total byte length        high bits
 *  32  checksum                 over the payload words (4-lane multiply-xor, see `checksumWords`)
 *  36  reserved (zero) up to byte 64
 *  64  payload: a sequence of uint32 arrays whose lengths follow from the header (see each index).
 */
export const SNAPSHOT_MAGIC = new Uint8Array([0x55, 0x4e, 0x53, 0x4e, 0x49, 0x44, 0x58, 0x00]);
export const SNAPSHOT_VERSION = 1;
export const HEADER_BYTES = 64;

export const SnapshotKind = { BruteForce: 1, MultiIndexHashing: 2 } as const;
export type SnapshotKind = (typeof SnapshotKind)[keyof typeof SnapshotKind];

export interface SnapshotHeader {
  kind: SnapshotKind;
  count: number;
  tables: number;
}

export interface WriteOptions {
  /** Allocate the snapshot on a SharedArrayBuffer (worker threads can then view it without copying). */
  shared?: boolean;
}

export interface ReadOptions {
  /** Copy the arrays out of `bytes` (default false: the index keeps zero-copy views, so do not mutate `bytes`). */
  copy?: boolean;
  /** Verify the payload checksum (default true). Structural checks always run. */
  verifyChecksum?: boolean;
}

function assertLittleEndian(): void {
  if (!LITTLE_ENDIAN) throw new IndexError('UNSUPPORTED_PLATFORM', 'snapshots require a little-endian platform');
}

/** Four independent lanes so the multiply chains overlap; any single changed word changes the result. */
export function checksumWords(words: Uint32Array): number {
  let a = 0x811c9dc5;
  let b = 0x01000193;
  let c = 0x9e3779b1;
  let d = 0x85ebca6b;
  const n = words.length;
  const n4 = n - (n & 3);
  let i = 0;
  for (; i < n4; i += 4) {
    a = Math.imul(a ^ words[i], 0x01000193);
    b = Math.imul(b ^ words[i + 1], 0x01000193);
    c = Math.imul(c ^ words[i + 2], 0x01000193);
    d = Math.imul(d ^ words[i + 3], 0x01000193);
  }
  for (; i < n; i++) a = Math.imul(a ^ words[i], 0x01000193);
  let h = Math.imul(a ^ (b >>> 7), 0x9e3779b1) ^ Math.imul(c ^ (d >>> 13), 0x85ebca6b) ^ n;
  h ^= h >>> 16;
  return h >>> 0;
}

export function writeSnapshot(
  header: SnapshotHeader,
  sections: readonly Uint32Array[],
  options: WriteOptions = {},
): Uint8Array {
  assertLittleEndian();
  let words = 0;
  for (const s of sections) words += s.length;
  const total = HEADER_BYTES + words * 4;
  const buffer = options.shared ? new SharedArrayBuffer(total) : new ArrayBuffer(total);
  const bytes = new Uint8Array(buffer);
  const payload = new Uint32Array(buffer, HEADER_BYTES, words);
  let at = 0;
  for (const s of sections) {
    payload.set(s, at);
    at += s.length;
  }
  bytes.set(SNAPSHOT_MAGIC, 0);
  const head = new DataView(buffer, 0, HEADER_BYTES);
  head.setUint32(8, SNAPSHOT_VERSION, true);
  head.setUint32(12, header.kind, true);
  head.setUint32(16, header.count, true);
  head.setUint32(20, header.tables, true);
  head.setUint32(24, total >>> 0, true);
  head.setUint32(28, Math.floor(total / 4294967296), true);
  head.setUint32(32, checksumWords(payload), true);
  return bytes;
}

/** Reads arrays sequentially out of a validated payload. */
export class SnapshotReader {
  private at = 0;

  constructor(
    readonly header: SnapshotHeader,
    private readonly payload: Uint32Array,
  ) {}

  take(length: number): Uint32Array {
    if (!Number.isSafeInteger(length) || length < 0 || this.at + length > this.payload.length) {
      throw new IndexError('CORRUPT_SNAPSHOT', 'snapshot is shorter than its header says');
    }
    const out = this.payload.subarray(this.at, this.at + length);
    this.at += length;
    return out;
  }

  finish(): void {
    if (this.at !== this.payload.length) {
      throw new IndexError('CORRUPT_SNAPSHOT', 'snapshot has trailing bytes');
    }
  }
}

export function readSnapshot(bytes: Uint8Array, options: ReadOptions = {}): SnapshotReader {
  assertLittleEndian();
  if (!(bytes instanceof Uint8Array)) throw new IndexError('NOT_AN_INDEX_SNAPSHOT', 'snapshot must be a Uint8Array');
  if (bytes.length < HEADER_BYTES) throw new IndexError('NOT_AN_INDEX_SNAPSHOT', 'buffer too short for a snapshot');
  for (let i = 0; i < SNAPSHOT_MAGIC.length; i++) {
    if (bytes[i] !== SNAPSHOT_MAGIC[i])
      throw new IndexError('NOT_AN_INDEX_SNAPSHOT', 'bad magic: not an index snapshot');
  }
  const head = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  const version = head.getUint32(8, true);
  if (version !== SNAPSHOT_VERSION) {
    throw new IndexError('UNSUPPORTED_SNAPSHOT_VERSION', `snapshot version ${version} is not supported`);
  }
  const kind = head.getUint32(12, true);
  if (kind !== SnapshotKind.BruteForce && kind !== SnapshotKind.MultiIndexHashing) {
    throw new IndexError('CORRUPT_SNAPSHOT', `unknown index kind ${kind}`);
  }
  const total = head.getUint32(24, true) + head.getUint32(28, true) * 4294967296;
  if (total !== bytes.length || (total - HEADER_BYTES) % 4 !== 0) {
    throw new IndexError('CORRUPT_SNAPSHOT', `snapshot length ${bytes.length} does not match its header (${total})`);
  }
  for (let i = 36; i < HEADER_BYTES; i++) {
    if (bytes[i] !== 0) throw new IndexError('CORRUPT_SNAPSHOT', 'reserved header bytes are not zero');
  }
  const words = (total - HEADER_BYTES) / 4;
  const aligned = (bytes.byteOffset + HEADER_BYTES) % 4 === 0;
  let payload: Uint32Array;
  if (aligned && !options.copy) {
    payload = new Uint32Array(bytes.buffer, bytes.byteOffset + HEADER_BYTES, words);
  } else {
    payload = new Uint32Array(words);
    new Uint8Array(payload.buffer).set(bytes.subarray(HEADER_BYTES));
  }
  if (options.verifyChecksum !== false && checksumWords(payload) !== head.getUint32(32, true)) {
    throw new IndexError('CORRUPT_SNAPSHOT', 'snapshot checksum mismatch');
  }
  const header: SnapshotHeader = {
    kind: kind as SnapshotKind,
    count: head.getUint32(16, true),
    tables: head.getUint32(20, true),
  };
  return new SnapshotReader(header, payload);
}
