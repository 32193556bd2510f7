import { type PdqHash, PdqHasher, type PixelBuffer } from '@unseen/pdq';
import { VpdqError } from './errors.js';
import type { VpdqFeature } from './feature.js';
import { frameInterval, isSampledFrame } from './sampling.js';
import { frameTimestamp } from './timestamp.js';

/** PDQ of one frame at full resolution (vPDQ never applies the still-image 512 squash). */
export type FrameHashFunction = (frame: PixelBuffer) => PdqHash;

/**
 * A full-resolution frame hasher with its own preallocated PDQ buffers: consecutive frames of one
 * video have the same size, so the scratch memory is allocated once per video, not once per frame.
 */
export function createFrameHasher(): FrameHashFunction {
  const pdq = new PdqHasher();
  return (frame) => pdq.hashPixels(frame, { fullResolution: true });
}

export interface VpdqHasherOptions {
  /** The video's average frame rate (ffprobe `avg_frame_rate` as a double). */
  fps: number;
  /** One hash every this many seconds; 0 hashes every frame. The reference default is 1. */
  secondsPerHash: number;
  /** Override the per-frame PDQ (e.g. a hasher with preallocated buffers). Must hash at full resolution. */
  hashFrame?: FrameHashFunction;
}

export interface VpdqHasher {
  readonly fps: number;
  /** Frames n with `n % interval === 0` are hashed. */
  readonly interval: number;
  /** Whether frame `frameNumber` is one the reference would hash. */
  isSampled(frameNumber: number): boolean;
  /** Hash `frame` if it is a sampled frame; null otherwise (so decoders may push every frame). */
  push(frame: PixelBuffer, frameNumber: number): VpdqFeature | null;
}

function checkFrameNumber(frameNumber: number): void {
  if (!Number.isSafeInteger(frameNumber) || frameNumber < 0) {
    throw new VpdqError('INVALID_FRAME', `frameNumber must be a non-negative integer, got ${frameNumber}`);
  }
}

/** Feature of one frame, sampled or not: the frame's PDQ plus its reference timestamp. */
export function hashVideoFrame(
  frame: PixelBuffer,
  frameNumber: number,
  fps: number,
  hashFrame: FrameHashFunction,
): VpdqFeature {
  checkFrameNumber(frameNumber);
  const { hash, hex, quality } = hashFrame(frame);
  return { frameNumber, quality, hash, hex, timestamp: frameTimestamp(frameNumber, fps) };
}

/**
 * Frame-sampling vPDQ hasher, the reference `VpdqHasher` minus the decoding: the caller pushes
 * frames in decode order and gets a feature back for every sampled frame.
 */
export function createVpdqHasher(options: VpdqHasherOptions): VpdqHasher {
  const interval = frameInterval(options.secondsPerHash, options.fps);
  const { fps } = options;
  const hashFrame = options.hashFrame ?? createFrameHasher();
  return {
    fps,
    interval,
    isSampled: (frameNumber) => {
      checkFrameNumber(frameNumber);
      return isSampledFrame(frameNumber, interval);
    },
    push(frame, frameNumber) {
      checkFrameNumber(frameNumber);
      if (!isSampledFrame(frameNumber, interval)) return null;
      return hashVideoFrame(frame, frameNumber, fps, hashFrame);
    },
  };
}
