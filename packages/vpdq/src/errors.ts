/** Stable error codes for everything `@unseen/vpdq` rejects. */
export type VpdqErrorCode =
  | 'INVALID_OPTIONS'
  | 'INVALID_FRAME'
  | 'HASH_FILE_INVALID'
  | 'COMPACT_EMPTY'
  | 'COMPACT_TOO_LARGE'
  | 'COMPACT_BAD_PREFIX'
  | 'COMPACT_BAD_ENCODING'
  | 'COMPACT_BAD_LENGTH'
  | 'COMPACT_BAD_RECORD';

export class VpdqError extends Error {
  readonly code: VpdqErrorCode;

  constructor(code: VpdqErrorCode, message: string) {
    super(message);
    this.name = 'VpdqError';
    this.code = code;
  }
}

export function isVpdqError(value: unknown): value is VpdqError {
  return value instanceof VpdqError;
}
