// What the console needs from the rest of the bank. The console never reaches
// into the bank's tables for cases, partners or the audit log itself: it goes
// through this interface, implemented in bank-bridge.ts against the bank's own
// repositories, so the two evolve separately.
import type { AllowListSignal, FeedbackFact } from '../abuse/rules.js';

export const EXTENDED_SIGNAL_TYPES = ['VideoVPDQ'] as const;
export type ExtendedSignalType = (typeof EXTENDED_SIGNAL_TYPES)[number];

export interface AuditEntryInput {
  /** Who did it: an operator (`admin`, by email), or `system` (`abuse`) for automatic quarantines. */
  actor: { type: 'admin' | 'system'; id: string };
  /** Dotted verb, e.g. `partner.key_rotated`, `hash.quarantined`. */
  action: string;
  /** What it was done to: a partner, a hash (`pdq:<hex>`), an operator, an allow-list entry. */
  subject?: { type: 'partner' | 'hash' | 'operator' | 'allow_list'; id: string };
  /** Non-secret details. Never keys, passwords, PINs or session tokens. */
  details?: Record<string, unknown>;
}

export interface AuditRecord {
  id: string;
  at: string;
  /** `type:id`, e.g. `admin:ada@example.org`, `partner:p_123`, `system:abuse`. */
  actor: string;
  action: string;
  /** `type:id` of the subject, or null. */
  target: string | null;
  details: Record<string, unknown>;
}

export interface AuditFilter {
  /** Case-insensitive substring of `type:id`. */
  actor?: string;
  /** Case-insensitive prefix: `partner.` finds every partner action. */
  action?: string;
  from?: Date;
  to?: Date;
  limit: number;
  /** Cursor: return entries strictly older than this entry id. */
  before?: string;
}

export interface PartnerSummary {
  id: string;
  name: string;
  createdAt: string;
  revokedAt: string | null;
  extendedSignalTypes: ExtendedSignalType[];
  lastFetchAt: string | null;
  /** The last `nextSetTimestamp` this partner was given (its checkpoint), unix seconds. */
  checkpoint: number | null;
  /** Seconds between the newest change in the bank and the partner's checkpoint: how far behind it is. */
  checkpointLagSeconds: number | null;
}

export interface DashboardData {
  days: { day: string; cases: number; hashes: number }[];
  feedbackByPartner: { partnerId: string; partnerName: string; counts: Record<string, number> }[];
  totals: {
    cases: number;
    activeHashes: number;
    matches: number;
    removals: number;
    notRemoved: number;
  };
}

export interface HashFacts {
  exists: boolean;
  caseCount: number;
  activeCaseCount: number;
  feedback: (FeedbackFact & { partnerName: string })[];
}

export interface BankBridge {
  audit(entry: AuditEntryInput): Promise<void>;
  queryAudit(filter: AuditFilter): Promise<AuditRecord[]>;
  listPartners(): Promise<PartnerSummary[]>;
  // Partner key changes are audited by the bank's partner service itself, in the same
  // transaction as the change, with the operator passed as the actor.
  createPartner(name: string, actor: AuditEntryInput['actor']): Promise<{ id: string; name: string; key: string }>;
  rotatePartnerKey(id: string, actor: AuditEntryInput['actor']): Promise<{ key: string } | null>;
  revokePartner(id: string, actor: AuditEntryInput['actor']): Promise<boolean>;
  setPartnerSignalTypes(id: string, extended: ExtendedSignalType[]): Promise<boolean>;
  dashboard(days: number, now: Date): Promise<DashboardData>;
  hashFacts(signalType: AllowListSignal, value: string): Promise<HashFacts>;
  /**
   * Withholds the hash from partners (`held`: the feed serves it as Deleted) or shares it
   * again, bumping its lastModtimestamp so incremental fetches see the change.
   */
  setDistribution(signalType: AllowListSignal, value: string, distribution: 'held' | 'shared'): Promise<void>;
}

export const hashKey = (signalType: AllowListSignal, value: string) => `${signalType}:${value}`;

/** Partner-API spelling <-> bank-internal signal names. */
export const FEED_SIGNAL_TO_BANK: Record<string, AllowListSignal> = {
  ImagePDQ: 'pdq',
  VideoMD5: 'md5',
  VideoVPDQ: 'vpdq',
};
