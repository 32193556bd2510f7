/** Stable error codes: callers branch on `code`, never on the message. */
export type IndexErrorCode =
  | 'INVALID_HASH'
  | 'INVALID_ID'
  | 'INVALID_RADIUS'
  | 'INVALID_OPTION'
  | 'NOT_AN_INDEX_SNAPSHOT'
  | 'UNSUPPORTED_SNAPSHOT_VERSION'
  | 'CORRUPT_SNAPSHOT'
  | 'UNSUPPORTED_PLATFORM'
  | 'WORKER_FAILED';

export class IndexError extends Error {
  readonly code: IndexErrorCode;

  constructor(code: IndexErrorCode, message: string) {
    super(message);
    this.name = 'IndexError';
    this.code = code;
  }
}
