import { VpdqError } from './errors.js';
import type { VpdqCompactFeature } from './feature.js';
import { formatFixed } from './timestamp.js';

/** What matching reads from a feature. */
export type MatchableFeature = Pick<VpdqCompactFeature, 'hash' | 'quality'>;

export const VPDQ_DISTANCE_THRESHOLD = 31;
export const VPDQ_QUALITY_THRESHOLD = 50;
/** python-threatexchange's `VPDQ_QUERY_MATCH_THRESHOLD_PERCENT`. */
export const VPDQ_QUERY_MATCH_THRESHOLD_PERCENT = 80;
/** python-threatexchange's `VPDQ_INDEX_MATCH_THRESHOLD_PERCENT` (any compared share passes). */
export const VPDQ_COMPARED_MATCH_THRESHOLD_PERCENT = 0;

export interface CppMatchOptions {
  /** A frame matches when its distance is STRICTLY below this (reference default 31). */
  distanceTolerance?: number;
  /** Frames with quality >= this are kept (reference default 50). */
  qualityTolerance?: number;
}

export interface CppMatchResult {
  /** Share of the kept query frames that are within tolerance of some kept target frame, 0..100. */
  queryMatchPct: number;
  /** Share of the kept target frames that are within tolerance of some kept query frame, 0..100. */
  targetMatchPct: number;
  /** The two percentages as `match-hashes-brute` prints them (`%0.2f`). */
  printed: { query: string; target: string };
}

export interface PytxMatchOptions {
  /** A frame matches when its distance is <= this (default 31). */
  distanceThreshold?: number;
  /** Frames with quality >= this are kept, AFTER duplicate removal (default 50). */
  qualityThreshold?: number;
  /** Verdict: query share must be >= this (default 80). */
  queryMatchThresholdPct?: number;
  /** Verdict: compared share must be >= this (default 0). */
  comparedMatchThresholdPct?: number;
}

export interface PytxMatchResult {
  /** Share of the kept, deduplicated query frames with a match in the compared video, 0..100. */
  queryMatchPct: number;
  /** Share of the kept, deduplicated compared (target) frames with a match in the query, 0..100. */
  comparedMatchPct: number;
  /** python-threatexchange's verdict: query share >= 80 (and compared share >= 0). */
  isMatch: boolean;
}

/**
 * Hashes as 8 big-endian uint32 words laid out contiguously, so the brute-force loops popcount
 * words instead of bytes and bail out as soon as the running distance passes the limit.
 */
function packHashes(features: readonly MatchableFeature[]): Uint32Array {
  const words = new Uint32Array(features.length * 8);
  features.forEach((feature, index) => {
    const { hash } = feature;
    if (!(hash instanceof Uint8Array) || hash.length !== 32) {
      throw new VpdqError('INVALID_FRAME', `feature ${index}: hash must be a 32-byte Uint8Array`);
    }
    for (let w = 0; w < 8; w++) {
      const b = w * 4;
      words[index * 8 + w] = ((hash[b]! << 24) | (hash[b + 1]! << 16) | (hash[b + 2]! << 8) | hash[b + 3]!) >>> 0;
    }
  });
  return words;
}

function popcount32(value: number): number {
  let v = value - ((value >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** Hamming distance of hash i in `a` and hash j in `b`, or any value > maxDistance once it is exceeded. */
function boundedDistance(a: Uint32Array, i: number, b: Uint32Array, j: number, maxDistance: number): number {
  let distance = 0;
  const ai = i * 8;
  const bj = j * 8;
  for (let w = 0; w < 8; w++) {
    distance += popcount32(a[ai + w]! ^ b[bj + w]!);
    if (distance > maxDistance) return distance;
  }
  return distance;
}

/** How many hashes of `from` lie within `maxDistance` (inclusive) of at least one hash of `to`. */
function countMatched(from: Uint32Array, to: Uint32Array, maxDistance: number): number {
  const fromCount = from.length / 8;
  const toCount = to.length / 8;
  let matched = 0;
  for (let i = 0; i < fromCount; i++) {
    for (let j = 0; j < toCount; j++) {
      if (boundedDistance(from, i, to, j, maxDistance) <= maxDistance) {
        matched++;
        break;
      }
    }
  }
  return matched;
}

function checkInteger(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new VpdqError('INVALID_OPTIONS', `${name} must be an integer in ${min}..${max}, got ${value}`);
  }
  return value;
}

/** First occurrence of every distinct hash, in order (python-threatexchange `dedupe`). */
export function dedupeFeatures<T extends MatchableFeature>(features: readonly T[]): T[] {
  const seen = new Set<string>();
  const unique: T[] = [];
  for (const feature of features) {
    // latin1 string of the 32 bytes: a cheap exact key.
    const key = String.fromCharCode(...feature.hash);
    if (!seen.has(key)) {
      seen.add(key);
      unique.push(feature);
    }
  }
  return unique;
}

function keepQuality<T extends MatchableFeature>(features: readonly T[], minQuality: number): T[] {
  return features.filter((feature) => feature.quality >= minQuality);
}

/**
 * The reference C++ `match-hashes-brute` (vpdq/cpp, `matchTwoHashBrute`): keep frames with
 * quality >= qualityTolerance (no duplicate removal), a frame matches when some frame of the
 * other video is at distance < distanceTolerance (strict), percentages over the kept frames.
 * If either side keeps no frame, both percentages are 0 (as the reference).
 */
export function matchCpp(
  query: readonly MatchableFeature[],
  target: readonly MatchableFeature[],
  options: CppMatchOptions = {},
): CppMatchResult {
  const distanceTolerance = checkInteger(
    'distanceTolerance',
    options.distanceTolerance ?? VPDQ_DISTANCE_THRESHOLD,
    0,
    257,
  );
  const qualityTolerance = checkInteger('qualityTolerance', options.qualityTolerance ?? VPDQ_QUALITY_THRESHOLD, 0, 101);
  const keptQuery = packHashes(keepQuality(query, qualityTolerance));
  const keptTarget = packHashes(keepQuality(target, qualityTolerance));
  let queryMatchPct = 0;
  let targetMatchPct = 0;
  if (keptQuery.length > 0 && keptTarget.length > 0) {
    // distance < tolerance  <=>  distance <= tolerance - 1
    queryMatchPct = (countMatched(keptQuery, keptTarget, distanceTolerance - 1) * 100) / (keptQuery.length / 8);
    targetMatchPct = (countMatched(keptTarget, keptQuery, distanceTolerance - 1) * 100) / (keptTarget.length / 8);
  }
  return {
    queryMatchPct,
    targetMatchPct,
    printed: { query: formatFixed(queryMatchPct, 2), target: formatFixed(targetMatchPct, 2) },
  };
}

/**
 * python-threatexchange `match_VPDQ_hash_brute` + `VideoVPDQSignal` verdict: remove exact duplicate
 * hashes (first occurrence wins), THEN drop frames with quality < qualityThreshold, a frame matches
 * when some frame of the other video is at distance <= distanceThreshold. `comparedMatchPct` is the
 * share of the compared (target) video's kept frames that match some kept query frame.
 * Python divides by zero when a side keeps no frame; here that side's share is 0 (no match).
 */
export function matchPytx(
  query: readonly MatchableFeature[],
  compared: readonly MatchableFeature[],
  options: PytxMatchOptions = {},
): PytxMatchResult {
  const distanceThreshold = checkInteger(
    'distanceThreshold',
    options.distanceThreshold ?? VPDQ_DISTANCE_THRESHOLD,
    0,
    256,
  );
  const qualityThreshold = checkInteger('qualityThreshold', options.qualityThreshold ?? VPDQ_QUALITY_THRESHOLD, 0, 101);
  const keptQuery = packHashes(keepQuality(dedupeFeatures(query), qualityThreshold));
  const keptCompared = packHashes(keepQuality(dedupeFeatures(compared), qualityThreshold));
  const queryCount = keptQuery.length / 8;
  const comparedCount = keptCompared.length / 8;
  const queryMatchPct =
    queryCount === 0 ? 0 : (countMatched(keptQuery, keptCompared, distanceThreshold) * 100) / queryCount;
  const comparedMatchPct =
    comparedCount === 0 ? 0 : (countMatched(keptCompared, keptQuery, distanceThreshold) * 100) / comparedCount;
  const isMatch =
    queryCount > 0 &&
    queryMatchPct >= (options.queryMatchThresholdPct ?? VPDQ_QUERY_MATCH_THRESHOLD_PERCENT) &&
    comparedMatchPct >= (options.comparedMatchThresholdPct ?? VPDQ_COMPARED_MATCH_THRESHOLD_PERCENT);
  return { queryMatchPct, comparedMatchPct, isMatch };
}
