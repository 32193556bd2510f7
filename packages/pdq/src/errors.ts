/** Every way the PDQ core can refuse its input. The set is closed: callers may switch over it. */
export type PdqErrorCode =
  | 'ZERO_SIZE'
  | 'INVALID_DIMENSIONS'
  | 'BUFFER_LENGTH_MISMATCH'
  | 'INVALID_CHANNELS'
  | 'NAN_INPUT'
  | 'INVALID_HEX'
  | 'INVALID_HASH_LENGTH';

export const PDQ_ERROR_CODES: readonly PdqErrorCode[] = [
  'ZERO_SIZE',
  'INVALID_DIMENSIONS',
  'BUFFER_LENGTH_MISMATCH',
  'INVALID_CHANNELS',
  'NAN_INPUT',
  'INVALID_HEX',
  'INVALID_HASH_LENGTH',
];

export class PdqError extends Error {
  override readonly name = 'PdqError';
  readonly code: PdqErrorCode;

  constructor(code: PdqErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

export function isPdqError(value: unknown): value is PdqError {
  return value instanceof PdqError;
}
