/** Stable error codes of the partner toolkit. Callers switch on `code`, never on `message`. */
export type PartnerErrorCode =
  | 'CONFIG_INVALID' // missing key/server, bad option
  | 'AUTH_FAILED' // 401/403 from the bank: the key is wrong or revoked
  | 'REQUEST_REJECTED' // other 4xx: the request itself is wrong (not retried)
  | 'SERVER_UNAVAILABLE' // 5xx/429/network after every retry
  | 'TIMEOUT' // one attempt exceeded its deadline (retried; surfaces only if all fail)
  | 'INVALID_RESPONSE' // the bank answered a shape this client does not understand
  | 'CHECKPOINT_REGRESSION' // the feed tried to move the checkpoint backwards
  | 'STORE_ERROR' // the local synced bank could not be opened or written
  | 'MEDIA_ERROR' // a file could not be read or hashed
  | 'ABORTED';

export class PartnerError extends Error {
  override readonly name = 'PartnerError';
  constructor(
    readonly code: PartnerErrorCode,
    message: string,
    readonly details: { status?: number; serverCode?: string; attempts?: number; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
  }
}

export function isPartnerError(err: unknown): err is PartnerError {
  return err instanceof PartnerError;
}
