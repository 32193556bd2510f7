import { VpdqError } from './errors.js';

/**
 * The reference hashes frame n when `n % frameInterval == 0`, with
 * `frameInterval = max(1, (int)(secondsPerHash * fps))` computed in double precision.
 * `secondsPerHash = 0` hashes every frame (how the sample hash files were made).
 */
export function frameInterval(secondsPerHash: number, fps: number): number {
  if (!Number.isFinite(secondsPerHash) || secondsPerHash < 0) {
    throw new VpdqError('INVALID_OPTIONS', `secondsPerHash must be a finite number >= 0, got ${secondsPerHash}`);
  }
  if (!Number.isFinite(fps) || fps <= 0) {
    throw new VpdqError('INVALID_OPTIONS', `fps must be a finite number > 0, got ${fps}`);
  }
  return Math.max(1, Math.trunc(secondsPerHash * fps));
}

export function isSampledFrame(frameNumber: number, interval: number): boolean {
  return frameNumber % interval === 0;
}

/** Parse an FFmpeg rational such as `30000/1001` (ffprobe's `avg_frame_rate`) to a double, as `av_q2d` does. */
export function parseFrameRate(rational: string): number {
  const match = /^(\d+)(?:\/(\d+))?$/.exec(rational.trim());
  if (!match) throw new VpdqError('INVALID_OPTIONS', `not a frame rate: ${JSON.stringify(rational)}`);
  const numerator = Number(match[1]);
  const denominator = match[2] === undefined ? 1 : Number(match[2]);
  if (numerator === 0 || denominator === 0) {
    throw new VpdqError('INVALID_OPTIONS', `frame rate ${rational} is zero or undefined`);
  }
  return numerator / denominator;
}
