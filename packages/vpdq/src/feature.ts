/** One hashed video frame, as the reference `vpdq-hash-video` reports it. */
export interface VpdqFeature {
  /** 0-based index of the frame in decode order. */
  frameNumber: number;
  /** PDQ quality, 0..100. Frames under 50 are ignored by both matching rules. */
  quality: number;
  /** 32-byte PDQ hash, byte 0 = the first two hex characters. */
  hash: Uint8Array;
  /** 64 lowercase hex characters. */
  hex: string;
  /** Seconds: float32 `frameNumber / fps` (see `frameTimestamp`). */
  timestamp: number;
}

/** The part of a feature that matching needs; what the compact form carries. */
export interface VpdqCompactFeature {
  quality: number;
  hash: Uint8Array;
  hex: string;
  timestamp: number;
}

export const VPDQ_HASH_BYTES = 32;
