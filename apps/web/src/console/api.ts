/**
 * Client for the operator console API (/api/admin, same origin). The session
 * lives in an HttpOnly cookie the page cannot read; every state-changing call
 * carries the session's CSRF token in a header.
 */

export type Role = 'viewer' | 'operator' | 'admin';
export type SignalType = 'pdq' | 'md5' | 'vpdq';

export interface Operator {
  id: string;
  email: string;
  role: Role;
  totpEnabled: boolean;
  lastLoginAt: string | null;
}

export interface Partner {
  id: string;
  name: string;
  createdAt: string;
  revokedAt: string | null;
  extendedSignalTypes: 'VideoVPDQ'[];
  lastFetchAt: string | null;
  checkpoint: number | null;
  checkpointLagSeconds: number | null;
}

export interface Dashboard {
  generatedAt: string;
  days: { day: string; cases: number; hashes: number }[];
  feedbackByPartner: { partnerId: string; partnerName: string; counts: Record<string, number> }[];
  totals: { cases: number; activeHashes: number; matches: number; removals: number; notRemoved: number };
  partners: Partner[];
  moderation: { pending: number; withheld: number };
}

export type ModerationState = 'quarantined' | 'flagged' | 'disabled' | 'allow_listed' | 'released';

export interface ReviewItem {
  signalType: SignalType;
  value: string;
  state: ModerationState;
  reason: 'disputed' | 'flooding' | 'operator';
  evidence: {
    notBlockedBy?: string[];
    blockedBy?: string[];
    reports?: number;
    baseline?: number;
    ratio?: number;
    note?: string;
  };
  queuedAt: string;
  decidedAt: string | null;
  caseCount: number;
  activeCaseCount: number;
  feedback: { partnerId: string; partnerName: string; value: string; at: string }[];
}

export interface AllowListEntry {
  id: number;
  signalType: SignalType;
  value: string;
  note: string;
  createdAt: string;
  createdBy: string | null;
}

export interface AuditEntry {
  id: string;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  details: Record<string, unknown>;
}

export interface AuditQuery {
  actor?: string;
  action?: string;
  from?: string;
  to?: string;
  before?: string;
}

export class ConsoleApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'ConsoleApiError';
  }
}

let csrfToken = '';

export function setCsrfToken(token: string): void {
  csrfToken = token;
}

async function request<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(`/api/admin${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
  } catch {
    throw new ConsoleApiError('NETWORK', 'The bank could not be reached.', 0);
  }
  const payload: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const error = (payload as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ConsoleApiError(error?.code ?? 'HTTP_ERROR', error?.message ?? response.statusText, response.status);
  }
  return payload as T;
}

const query = (params: Record<string, string | number | undefined>) => {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params))
    if (value !== undefined && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
};

export const consoleApi = {
  login: (email: string, password: string, totp?: string) =>
    request<{ operator: Operator; csrfToken: string }>('POST', '/login', { email, password, totp: totp || undefined }),
  session: () => request<{ operator: Operator; csrfToken: string }>('GET', '/session'),
  logout: () => request<{ ok: true }>('POST', '/logout'),
  totpSetup: () => request<{ secret: string; uri: string }>('POST', '/totp/setup'),
  totpEnable: (code: string) => request<{ totpEnabled: true }>('POST', '/totp/enable', { code }),
  dashboard: (days: number) => request<Dashboard>('GET', `/dashboard${query({ days })}`),
  partners: () => request<{ partners: Partner[] }>('GET', '/partners'),
  createPartner: (name: string) => request<{ id: string; name: string; key: string }>('POST', '/partners', { name }),
  rotateKey: (id: string) => request<{ key: string }>('POST', `/partners/${encodeURIComponent(id)}/rotate`),
  revokePartner: (id: string) => request<{ revoked: true }>('POST', `/partners/${encodeURIComponent(id)}/revoke`),
  setSignalTypes: (id: string, extended: 'VideoVPDQ'[]) =>
    request<{ extended: 'VideoVPDQ'[] }>('PUT', `/partners/${encodeURIComponent(id)}/signal-types`, { extended }),
  review: (filter: 'pending' | 'decided' | 'all') =>
    request<{ items: ReviewItem[] }>('GET', `/review${query({ filter })}`),
  decide: (signalType: SignalType, value: string, decision: 'disable' | 'enable' | 'allow-list', note?: string) =>
    request<ReviewItem>('POST', '/review/decide', { signalType, value, decision, note: note || undefined }),
  scan: () => request<{ queued: string[] }>('POST', '/abuse/scan'),
  allowList: () => request<{ entries: AllowListEntry[] }>('GET', '/allow-list'),
  addToAllowList: (signalType: SignalType, value: string, note: string) =>
    request<{ id: number }>('POST', '/allow-list', { signalType, value, note }),
  removeFromAllowList: (id: number) => request<{ removed: true }>('DELETE', `/allow-list/${id}`),
  audit: (filter: AuditQuery) =>
    request<{ entries: AuditEntry[]; nextBefore: string | null }>('GET', `/audit${query({ ...filter, limit: 100 })}`),
};
