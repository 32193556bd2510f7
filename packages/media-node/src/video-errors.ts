/** Stable codes for every way reading a video can fail. */
export type VideoErrorCode =
  | 'FFMPEG_MISSING'
  | 'FILE_NOT_FOUND'
  | 'NOT_A_VIDEO'
  | 'DECODE_FAILED'
  | 'ABORTED'
  | 'INVALID_OPTIONS';

export class VideoError extends Error {
  readonly code: VideoErrorCode;

  constructor(code: VideoErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VideoError';
    this.code = code;
  }
}

export function isVideoError(value: unknown): value is VideoError {
  return value instanceof VideoError;
}
