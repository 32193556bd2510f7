export { decodeBase64Url, encodeBase64Url } from './base64url.js';
export {
  COMPACT_MAX_FRAMES,
  COMPACT_MAX_LENGTH,
  COMPACT_PREFIX,
  COMPACT_RECORD_BYTES,
  decodeCompact,
  encodeCompact,
} from './compact.js';
export { isVpdqError, VpdqError, type VpdqErrorCode } from './errors.js';
export { VPDQ_HASH_BYTES, type VpdqCompactFeature, type VpdqFeature } from './feature.js';
export {
  createVpdqHasher,
  type FrameHashFunction,
  createFrameHasher,
  hashVideoFrame,
  type VpdqHasher,
  type VpdqHasherOptions,
} from './hasher.js';
export { formatHashFile, formatHashLine, parseHashFile } from './hashfile.js';
export {
  type CppMatchOptions,
  type CppMatchResult,
  dedupeFeatures,
  type MatchableFeature,
  matchCpp,
  matchPytx,
  type PytxMatchOptions,
  type PytxMatchResult,
  VPDQ_COMPARED_MATCH_THRESHOLD_PERCENT,
  VPDQ_DISTANCE_THRESHOLD,
  VPDQ_QUALITY_THRESHOLD,
  VPDQ_QUERY_MATCH_THRESHOLD_PERCENT,
} from './match.js';
export { frameInterval, isSampledFrame, parseFrameRate } from './sampling.js';
export { formatFixed, formatTimestamp, frameTimestamp } from './timestamp.js';
