/**
 * Client for the person-facing bank API (same origin). Only hashes and the PIN are
 * ever put in a request body; files never reach this module.
 */

export type SignalType = 'pdq' | 'md5' | 'vpdq';

export interface SubmittedHash {
  signalType: SignalType;
  value: string;
  quality?: number;
}

export interface Consent {
  over18: true;
  inContent: true;
  intimate: true;
  agreesToTerms: true;
}

export interface CreatedCase {
  caseNumber: string;
  status: string;
  createdAt: string;
  hashes: { signalType: SignalType; value: string; status: string }[];
}

export interface Feedback {
  matched: number;
  removed: number;
  reviewedNotRemoved: number;
  lastReportedAt: string | null;
}

export interface CaseStatus {
  caseNumber: string;
  status: string;
  createdAt: string;
  hashes: { signalType: SignalType; value: string; quality?: number | null; status: string; feedback: Feedback }[];
  timeline: { at: string; event: string }[];
}

/** Error with the server's stable code (or a client-side one for network failures). */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(code: string, message: string, status: number) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

async function post<T>(path: string, body: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError('NETWORK', 'The server could not be reached.', 0);
  }
  const payload: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const error = isRecord(payload) && isRecord(payload.error) ? payload.error : {};
    const code = typeof error.code === 'string' ? error.code : 'HTTP_' + response.status;
    const message = typeof error.message === 'string' ? error.message : response.statusText;
    throw new ApiError(code, message, response.status);
  }
  if (!isRecord(payload)) throw new ApiError('BAD_RESPONSE', 'The server sent an unexpected answer.', response.status);
  return payload as T;
}

export function createCase(input: { pin: string; hashes: SubmittedHash[]; consent: Consent }): Promise<CreatedCase> {
  return post<CreatedCase>('/api/v1/cases', input);
}

export function caseStatus(caseNumber: string, pin: string): Promise<CaseStatus> {
  return post<CaseStatus>(`/api/v1/cases/${encodeURIComponent(caseNumber.trim())}/status`, { pin });
}

export function withdrawCase(caseNumber: string, pin: string): Promise<CaseStatus> {
  return post<CaseStatus>(`/api/v1/cases/${encodeURIComponent(caseNumber.trim())}/withdraw`, { pin });
}
