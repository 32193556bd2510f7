import { toHex } from '@unseen/pdq';
import { decodeBase64Url, encodeBase64Url } from './base64url.js';
import { VpdqError } from './errors.js';
import { VPDQ_HASH_BYTES, type VpdqCompactFeature } from './feature.js';
import { dedupeFeatures } from './match.js';
import { formatTimestamp } from './timestamp.js';

/** Version tag; a future layout gets a new prefix rather than a reinterpretation of this one. */
export const COMPACT_PREFIX = 'vpdq1:';
/** hash (32) + quality (1) + timestamp in milliseconds (uint32, big-endian). */
export const COMPACT_RECORD_BYTES = VPDQ_HASH_BYTES + 1 + 4;
/** Two hours at one hash per second: bounds a bank row and a partner API payload (~355 kB). */
export const COMPACT_MAX_FRAMES = 7200;
/** Longest string `decodeCompact` accepts (checked before any allocation). */
export const COMPACT_MAX_LENGTH =
  COMPACT_PREFIX.length + Math.ceil((COMPACT_MAX_FRAMES * COMPACT_RECORD_BYTES * 4) / 3);

const MAX_TIMESTAMP_MS = 0xffffffff;

/** Milliseconds exactly as the reference prints the timestamp (3 decimals, ties to even). */
function timestampMillis(timestamp: number): number {
  return Number(formatTimestamp(timestamp).replace('.', ''));
}

/**
 * Compact transport form of a video's vPDQ: `vpdq1:` + unpadded base64url of fixed 37-byte records,
 * one per distinct hash in frame order (first occurrence kept, as python-threatexchange's dedupe).
 * Low-quality frames are kept so that matching the decoded form reproduces the pytx rule exactly
 * (pytx removes duplicates before it filters by quality). Frame numbers are not carried.
 */
export function encodeCompact(features: readonly VpdqCompactFeature[]): string {
  const unique = dedupeFeatures(features);
  if (unique.length === 0) throw new VpdqError('COMPACT_EMPTY', 'a vPDQ hash needs at least one frame');
  if (unique.length > COMPACT_MAX_FRAMES) {
    throw new VpdqError(
      'COMPACT_TOO_LARGE',
      `${unique.length} distinct frames exceed the limit of ${COMPACT_MAX_FRAMES}; hash with a larger secondsPerHash`,
    );
  }
  const bytes = new Uint8Array(unique.length * COMPACT_RECORD_BYTES);
  const view = new DataView(bytes.buffer);
  let previousMs = 0;
  unique.forEach((feature, index) => {
    if (!Number.isInteger(feature.quality) || feature.quality < 0 || feature.quality > 100) {
      throw new VpdqError('INVALID_FRAME', `frame ${index}: quality must be an integer 0..100, got ${feature.quality}`);
    }
    if (!Number.isFinite(feature.timestamp) || feature.timestamp < 0) {
      throw new VpdqError('INVALID_FRAME', `frame ${index}: timestamp must be a finite number >= 0`);
    }
    const ms = timestampMillis(feature.timestamp);
    if (ms > MAX_TIMESTAMP_MS) throw new VpdqError('INVALID_FRAME', `frame ${index}: timestamp out of range`);
    if (ms < previousMs) throw new VpdqError('INVALID_FRAME', `frame ${index}: timestamps must not decrease`);
    previousMs = ms;
    const offset = index * COMPACT_RECORD_BYTES;
    bytes.set(feature.hash, offset);
    bytes[offset + VPDQ_HASH_BYTES] = feature.quality;
    view.setUint32(offset + VPDQ_HASH_BYTES + 1, ms);
  });
  return COMPACT_PREFIX + encodeBase64Url(bytes);
}

/**
 * Inverse of `encodeCompact`. Accepts only the canonical spelling, so two equal hashes are
 * always equal strings: known prefix, strict base64url, whole records, 1..COMPACT_MAX_FRAMES
 * frames, quality <= 100, non-decreasing timestamps, no repeated hash.
 */
export function decodeCompact(text: string): VpdqCompactFeature[] {
  if (typeof text !== 'string' || !text.startsWith(COMPACT_PREFIX)) {
    throw new VpdqError('COMPACT_BAD_PREFIX', `a compact vPDQ hash starts with "${COMPACT_PREFIX}"`);
  }
  if (text.length > COMPACT_MAX_LENGTH) {
    throw new VpdqError('COMPACT_TOO_LARGE', `compact vPDQ hash longer than ${COMPACT_MAX_LENGTH} characters`);
  }
  const bytes = decodeBase64Url(text.slice(COMPACT_PREFIX.length));
  if (bytes === null) throw new VpdqError('COMPACT_BAD_ENCODING', 'compact vPDQ body is not canonical base64url');
  if (bytes.length === 0) throw new VpdqError('COMPACT_EMPTY', 'compact vPDQ hash has no frames');
  if (bytes.length % COMPACT_RECORD_BYTES !== 0) {
    throw new VpdqError(
      'COMPACT_BAD_LENGTH',
      `body of ${bytes.length} bytes is not whole ${COMPACT_RECORD_BYTES}-byte records`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = bytes.length / COMPACT_RECORD_BYTES;
  const features: VpdqCompactFeature[] = [];
  const seen = new Set<string>();
  let previousMs = 0;
  for (let index = 0; index < count; index++) {
    const offset = index * COMPACT_RECORD_BYTES;
    const hash = bytes.slice(offset, offset + VPDQ_HASH_BYTES);
    const quality = bytes[offset + VPDQ_HASH_BYTES]!;
    const ms = view.getUint32(offset + VPDQ_HASH_BYTES + 1);
    if (quality > 100) throw new VpdqError('COMPACT_BAD_RECORD', `record ${index}: quality ${quality} is over 100`);
    if (ms < previousMs) throw new VpdqError('COMPACT_BAD_RECORD', `record ${index}: timestamps must not decrease`);
    const hex = toHex(hash);
    if (seen.has(hex)) throw new VpdqError('COMPACT_BAD_RECORD', `record ${index}: repeated hash ${hex}`);
    seen.add(hex);
    previousMs = ms;
    features.push({ hash, hex, quality, timestamp: ms / 1000 });
  }
  return features;
}
