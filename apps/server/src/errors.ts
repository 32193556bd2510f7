/**
 * The closed set of error codes the bank returns. Every HTTP error body is
 * `{ error: { code, message } }` (plus `details` for per-item problems).
 */
export const errorStatus = {
  INVALID_REQUEST: 400,
  MALFORMED_JSON: 400,
  INVALID_HASH: 400,
  LOW_QUALITY_HASH: 400,
  DEGENERATE_HASH: 400,
  TOO_MANY_HASHES: 400,
  UNSUPPORTED_SIGNAL_TYPE: 400,
  WEAK_PIN: 400,
  CONSENT_REQUIRED: 400,
  INVALID_CASE_NUMBER: 400,
  INVALID_PAGE_TOKEN: 400,
  UNAUTHORIZED: 401,
  INVALID_CREDENTIALS: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  CASE_LOCKED: 423,
  // Operator console and abuse controls (src/operators, src/abuse).
  TOTP_REQUIRED: 401,
  TOTP_INVALID: 401,
  CSRF_REJECTED: 403,
  OPERATOR_LOCKED: 423,
  HASH_NOT_ACCEPTED: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  SERVICE_UNAVAILABLE: 503,
} as const;

export type BankErrorCode = keyof typeof errorStatus;
export const bankErrorCodes = Object.keys(errorStatus) as BankErrorCode[];

export interface ErrorDetail {
  index?: number;
  code: BankErrorCode;
  message: string;
}

export class BankError extends Error {
  readonly code: BankErrorCode;
  readonly details?: ErrorDetail[];
  /** Seconds a client should wait, sent as Retry-After. */
  readonly retryAfterSeconds?: number;

  constructor(
    code: BankErrorCode,
    message: string,
    extra: { details?: ErrorDetail[]; retryAfterSeconds?: number } = {},
  ) {
    super(message);
    this.name = 'BankError';
    this.code = code;
    if (extra.details) this.details = extra.details;
    if (extra.retryAfterSeconds !== undefined) this.retryAfterSeconds = extra.retryAfterSeconds;
  }

  get status(): number {
    return errorStatus[this.code];
  }

  toBody(): { error: { code: BankErrorCode; message: string; details?: ErrorDetail[] } } {
    return { error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) } };
  }
}
