/** Stable codes for every way reading or hashing an image file can fail. */
export type MediaErrorCode =
  | 'FILE_NOT_FOUND'
  | 'NOT_A_FILE'
  | 'READ_FAILED'
  | 'EMPTY_FILE'
  | 'UNSUPPORTED_FORMAT'
  | 'CORRUPT_IMAGE'
  | 'IMAGE_TOO_LARGE'
  | 'WORKER_FAILED'
  | 'INTERNAL_ERROR';

export const MEDIA_ERROR_CODES: readonly MediaErrorCode[] = [
  'FILE_NOT_FOUND',
  'NOT_A_FILE',
  'READ_FAILED',
  'EMPTY_FILE',
  'UNSUPPORTED_FORMAT',
  'CORRUPT_IMAGE',
  'IMAGE_TOO_LARGE',
  'WORKER_FAILED',
  'INTERNAL_ERROR',
];

export class MediaError extends Error {
  override readonly name = 'MediaError';
  readonly code: MediaErrorCode;

  constructor(code: MediaErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

export function isMediaError(value: unknown): value is MediaError {
  return value instanceof MediaError;
}

/** Maps a file-system error to a stable code; anything unexpected becomes READ_FAILED. */
export function fileSystemError(path: string, err: unknown): MediaError {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'ENOENT') return new MediaError('FILE_NOT_FOUND', `no such file: ${path}`, { cause: err });
  if (code === 'EISDIR') return new MediaError('NOT_A_FILE', `not a regular file: ${path}`, { cause: err });
  const detail = err instanceof Error ? err.message : String(err);
  return new MediaError('READ_FAILED', `cannot read ${path}: ${detail}`, { cause: err });
}
