// Persistence for operators, their sessions, the review queue and the allow-list.
import type { AllowListEntry, AllowListSignal } from '../abuse/rules.js';
import type { OperatorRole } from './auth.js';
import { type Queryable, toDate, toNumber } from './sql.js';

export interface OperatorRecord {
  id: string;
  email: string;
  role: OperatorRole;
  passwordHash: string;
  totpSecret: string | null;
  totpEnabled: boolean;
  totpLastStep: number | null;
  failedLogins: number;
  lockedUntil: Date | null;
  disabledAt: Date | null;
  createdAt: Date;
  lastLoginAt: Date | null;
}

export interface SessionRecord {
  tokenHash: string;
  operatorId: string;
  csrfToken: string;
  expiresAt: Date;
}

export type ModerationState = 'quarantined' | 'flagged' | 'disabled' | 'allow_listed' | 'released';
export type ModerationReason = 'disputed' | 'flooding' | 'operator';

/** States in which the hash is withheld from partners (served as `Deleted`). */
export const WITHHELD_STATES: readonly ModerationState[] = ['quarantined', 'disabled', 'allow_listed'];
/** States that still wait for an operator's decision. */
export const PENDING_STATES: readonly ModerationState[] = ['quarantined', 'flagged'];

export interface ModerationEvidence {
  notBlockedBy?: string[];
  blockedBy?: string[];
  reports?: number;
  baseline?: number;
  ratio?: number;
  allowListEntryId?: number;
  note?: string;
}

export interface ModerationRecord {
  signalType: AllowListSignal;
  hashValue: string;
  state: ModerationState;
  reason: ModerationReason;
  evidence: ModerationEvidence;
  queuedAt: Date;
  decidedAt: Date | null;
  decidedBy: string | null;
  updatedAt: Date;
}

interface OperatorRow {
  id: string;
  email: string;
  role: OperatorRole;
  password_hash: string;
  totp_secret: string | null;
  totp_enabled: boolean;
  totp_last_step: string | number | null;
  failed_logins: number;
  locked_until: string | Date | null;
  disabled_at: string | Date | null;
  created_at: string | Date;
  last_login_at: string | Date | null;
}

function operatorFromRow(row: OperatorRow): OperatorRecord {
  return {
    id: row.id,
    email: row.email,
    role: row.role,
    passwordHash: row.password_hash,
    totpSecret: row.totp_secret,
    totpEnabled: row.totp_enabled,
    totpLastStep: row.totp_last_step === null ? null : toNumber(row.totp_last_step),
    failedLogins: toNumber(row.failed_logins),
    lockedUntil: toDate(row.locked_until),
    disabledAt: toDate(row.disabled_at),
    createdAt: toDate(row.created_at) ?? new Date(0),
    lastLoginAt: toDate(row.last_login_at),
  };
}

interface ModerationRow {
  signal_type: AllowListSignal;
  hash_value: string;
  state: ModerationState;
  reason: ModerationReason;
  evidence: ModerationEvidence | string;
  queued_at: string | Date;
  decided_at: string | Date | null;
  decided_by: string | null;
  updated_at: string | Date;
}

function moderationFromRow(row: ModerationRow): ModerationRecord {
  return {
    signalType: row.signal_type,
    hashValue: row.hash_value,
    state: row.state,
    reason: row.reason,
    evidence: typeof row.evidence === 'string' ? (JSON.parse(row.evidence) as ModerationEvidence) : row.evidence,
    queuedAt: toDate(row.queued_at) ?? new Date(0),
    decidedAt: toDate(row.decided_at),
    decidedBy: row.decided_by,
    updatedAt: toDate(row.updated_at) ?? new Date(0),
  };
}

export class OperatorStore {
  constructor(private readonly db: Queryable) {}

  // ------------------------------------------------------------ operators

  async createOperator(email: string, role: OperatorRole, passwordHash: string): Promise<OperatorRecord> {
    const { rows } = await this.db.query<OperatorRow>(
      `INSERT INTO operators (email, role, password_hash) VALUES ($1, $2, $3) RETURNING *`,
      [email.toLowerCase(), role, passwordHash],
    );
    return operatorFromRow(rows[0]);
  }

  async findByEmail(email: string): Promise<OperatorRecord | null> {
    const { rows } = await this.db.query<OperatorRow>(`SELECT * FROM operators WHERE email = $1`, [
      email.toLowerCase(),
    ]);
    return rows[0] ? operatorFromRow(rows[0]) : null;
  }

  async findById(id: string): Promise<OperatorRecord | null> {
    const { rows } = await this.db.query<OperatorRow>(`SELECT * FROM operators WHERE id = $1`, [id]);
    return rows[0] ? operatorFromRow(rows[0]) : null;
  }

  async listOperators(): Promise<OperatorRecord[]> {
    const { rows } = await this.db.query<OperatorRow>(`SELECT * FROM operators ORDER BY created_at, email`);
    return rows.map(operatorFromRow);
  }

  async recordFailure(id: string, failures: number, lockedUntil: Date | null): Promise<void> {
    await this.db.query(`UPDATE operators SET failed_logins = $2, locked_until = $3 WHERE id = $1`, [
      id,
      failures,
      lockedUntil,
    ]);
  }

  async recordLogin(id: string, totpStep: number | null): Promise<void> {
    await this.db.query(
      `UPDATE operators SET failed_logins = 0, locked_until = NULL, last_login_at = now(),
         totp_last_step = COALESCE($2, totp_last_step) WHERE id = $1`,
      [id, totpStep],
    );
  }

  async setPendingTotpSecret(id: string, secret: string): Promise<void> {
    await this.db.query(`UPDATE operators SET totp_secret = $2, totp_enabled = false WHERE id = $1`, [id, secret]);
  }

  async enableTotp(id: string, step: number): Promise<void> {
    await this.db.query(`UPDATE operators SET totp_enabled = true, totp_last_step = $2 WHERE id = $1`, [id, step]);
  }

  async disableTotp(id: string): Promise<void> {
    await this.db.query(
      `UPDATE operators SET totp_enabled = false, totp_secret = NULL, totp_last_step = NULL WHERE id = $1`,
      [id],
    );
  }

  // ------------------------------------------------------------ sessions

  async createSession(session: SessionRecord): Promise<void> {
    await this.db.query(
      `INSERT INTO operator_sessions (token_hash, operator_id, csrf_token, expires_at) VALUES ($1, $2, $3, $4)`,
      [session.tokenHash, session.operatorId, session.csrfToken, session.expiresAt],
    );
  }

  /** The live session and its operator; expired sessions and disabled operators yield null. */
  async findSession(
    tokenHash: string,
    now: Date,
  ): Promise<{ session: SessionRecord; operator: OperatorRecord } | null> {
    const { rows } = await this.db.query<OperatorRow & { s_csrf: string; s_expires: string | Date }>(
      `SELECT o.*, s.csrf_token AS s_csrf, s.expires_at AS s_expires
         FROM operator_sessions s JOIN operators o ON o.id = s.operator_id
        WHERE s.token_hash = $1 AND s.expires_at > $2 AND o.disabled_at IS NULL`,
      [tokenHash, now],
    );
    const row = rows[0];
    if (!row) return null;
    const operator = operatorFromRow(row);
    return {
      operator,
      session: { tokenHash, operatorId: operator.id, csrfToken: row.s_csrf, expiresAt: toDate(row.s_expires)! },
    };
  }

  /** Sliding expiry: an active operator stays signed in, an idle one does not. */
  async touchSession(tokenHash: string, expiresAt: Date): Promise<void> {
    await this.db.query(`UPDATE operator_sessions SET last_seen_at = now(), expires_at = $2 WHERE token_hash = $1`, [
      tokenHash,
      expiresAt,
    ]);
  }

  async deleteSession(tokenHash: string): Promise<void> {
    await this.db.query(`DELETE FROM operator_sessions WHERE token_hash = $1`, [tokenHash]);
  }

  async deleteExpiredSessions(now: Date): Promise<void> {
    await this.db.query(`DELETE FROM operator_sessions WHERE expires_at <= $1`, [now]);
  }

  // ------------------------------------------------------------ review queue

  async getModeration(signalType: AllowListSignal, hashValue: string): Promise<ModerationRecord | null> {
    const { rows } = await this.db.query<ModerationRow>(
      `SELECT * FROM hash_moderation WHERE signal_type = $1 AND hash_value = $2`,
      [signalType, hashValue],
    );
    return rows[0] ? moderationFromRow(rows[0]) : null;
  }

  /**
   * Puts a hash in the queue. A hash already waiting keeps its place (its evidence
   * is refreshed); one an operator already decided on is only re-queued when
   * `requeueAfterDecision` says the new evidence is newer than the decision.
   */
  async queue(
    signalType: AllowListSignal,
    hashValue: string,
    state: 'quarantined' | 'flagged',
    reason: ModerationReason,
    evidence: ModerationEvidence,
    now: Date,
  ): Promise<ModerationRecord> {
    const { rows } = await this.db.query<ModerationRow>(
      `INSERT INTO hash_moderation (signal_type, hash_value, state, reason, evidence, queued_at, updated_at)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6, $6)
       ON CONFLICT (signal_type, hash_value) DO UPDATE SET
         state = CASE WHEN hash_moderation.state = 'quarantined' THEN 'quarantined' ELSE EXCLUDED.state END,
         reason = CASE WHEN hash_moderation.state = 'quarantined' THEN hash_moderation.reason ELSE EXCLUDED.reason END,
         evidence = hash_moderation.evidence || EXCLUDED.evidence,
         queued_at = CASE WHEN hash_moderation.decided_at IS NULL THEN hash_moderation.queued_at ELSE EXCLUDED.queued_at END,
         decided_at = NULL, decided_by = NULL, updated_at = EXCLUDED.updated_at
       RETURNING *`,
      [signalType, hashValue, state, reason, JSON.stringify(evidence), now],
    );
    return moderationFromRow(rows[0]);
  }

  async decide(
    signalType: AllowListSignal,
    hashValue: string,
    state: 'disabled' | 'allow_listed' | 'released',
    operatorId: string,
    now: Date,
    note: string | undefined,
  ): Promise<ModerationRecord> {
    const evidence = note ? { note } : {};
    const { rows } = await this.db.query<ModerationRow>(
      `INSERT INTO hash_moderation (signal_type, hash_value, state, reason, evidence, queued_at, decided_at, decided_by, updated_at)
       VALUES ($1, $2, $3, 'operator', $4::jsonb, $5, $5, $6, $5)
       ON CONFLICT (signal_type, hash_value) DO UPDATE SET
         state = EXCLUDED.state, evidence = hash_moderation.evidence || EXCLUDED.evidence,
         decided_at = EXCLUDED.decided_at, decided_by = EXCLUDED.decided_by, updated_at = EXCLUDED.updated_at
       RETURNING *`,
      [signalType, hashValue, state, JSON.stringify(evidence), now, operatorId],
    );
    return moderationFromRow(rows[0]);
  }

  async listModeration(filter: 'pending' | 'decided' | 'all', limit: number): Promise<ModerationRecord[]> {
    const where =
      filter === 'pending' ? `WHERE decided_at IS NULL` : filter === 'decided' ? `WHERE decided_at IS NOT NULL` : '';
    const { rows } = await this.db.query<ModerationRow>(
      `SELECT * FROM hash_moderation ${where} ORDER BY updated_at DESC, hash_value LIMIT $1`,
      [limit],
    );
    return rows.map(moderationFromRow);
  }

  async countModeration(): Promise<{ pending: number; withheld: number }> {
    const { rows } = await this.db.query<{ pending: string; withheld: string }>(
      `SELECT count(*) FILTER (WHERE decided_at IS NULL) AS pending,
              count(*) FILTER (WHERE state IN ('quarantined', 'disabled', 'allow_listed')) AS withheld
         FROM hash_moderation`,
    );
    return { pending: toNumber(rows[0]?.pending), withheld: toNumber(rows[0]?.withheld) };
  }

  async withheldKeys(states: readonly ModerationState[]): Promise<Set<string>> {
    const { rows } = await this.db.query<{ signal_type: string; hash_value: string }>(
      `SELECT signal_type, hash_value FROM hash_moderation WHERE state = ANY($1::text[])`,
      [states],
    );
    return new Set(rows.map((row) => `${row.signal_type}:${row.hash_value}`));
  }

  // ------------------------------------------------------------ match reports

  async recordMatchReport(signalType: AllowListSignal, hashValue: string, at: Date): Promise<void> {
    await this.db.query(
      `INSERT INTO hash_match_reports (signal_type, hash_value, day, reports)
       VALUES ($1, $2, ($3::timestamptz AT TIME ZONE 'UTC')::date, 1)
       ON CONFLICT (signal_type, hash_value, day) DO UPDATE SET reports = hash_match_reports.reports + 1`,
      [signalType, hashValue, at],
    );
  }

  /** Match reports per `signal:value` on days from `since` (UTC) on. */
  async matchReportsSince(since: Date): Promise<Map<string, number>> {
    const { rows } = await this.db.query<{ signal_type: string; hash_value: string; reports: string | number }>(
      `SELECT signal_type, hash_value, sum(reports) AS reports FROM hash_match_reports
        WHERE day >= ($1::timestamptz AT TIME ZONE 'UTC')::date GROUP BY signal_type, hash_value`,
      [since],
    );
    return new Map(rows.map((row) => [`${row.signal_type}:${row.hash_value}`, toNumber(row.reports)]));
  }

  // ------------------------------------------------------------ partner fetches

  /** The partner's latest FetchHashes call and the checkpoint it was handed (its `nextSetTimestamp`). */
  async recordFetch(partnerId: string, at: Date, checkpoint: number): Promise<void> {
    // Written on every FetchHashes page, so it commits without waiting for the WAL flush
    // (synchronous_commit off for this one transaction, set inside the statement because a
    // pooled query has no session of its own): a full sync is thousands of pages and the
    // flush was a large share of each. The row is visible at once; a database crash can
    // lose only the last fraction of a second of these monitoring records, never feed data.
    await this.db.query(
      `WITH no_flush AS (SELECT set_config('synchronous_commit', 'off', true))
       INSERT INTO partner_fetches (partner_id, last_fetch_at, checkpoint) SELECT $1, $2, $3 FROM no_flush
       ON CONFLICT (partner_id) DO UPDATE SET last_fetch_at = EXCLUDED.last_fetch_at, checkpoint = EXCLUDED.checkpoint`,
      [partnerId, at, checkpoint],
    );
  }

  // ------------------------------------------------------------ allow-list

  async listAllowList(): Promise<(AllowListEntry & { note: string; createdAt: Date; createdBy: string | null })[]> {
    const { rows } = await this.db.query<{
      id: number;
      signal_type: AllowListSignal;
      hash_value: string;
      note: string;
      created_at: string | Date;
      created_by: string | null;
    }>(`SELECT * FROM allow_list ORDER BY id`);
    return rows.map((row) => ({
      id: toNumber(row.id),
      signalType: row.signal_type,
      value: row.hash_value,
      note: row.note,
      createdAt: toDate(row.created_at) ?? new Date(0),
      createdBy: row.created_by,
    }));
  }

  async addToAllowList(
    signalType: AllowListSignal,
    hashValue: string,
    note: string,
    operatorId: string | null,
  ): Promise<number> {
    const { rows } = await this.db.query<{ id: number }>(
      `INSERT INTO allow_list (signal_type, hash_value, note, created_by) VALUES ($1, $2, $3, $4)
       ON CONFLICT (signal_type, hash_value) DO UPDATE SET note = EXCLUDED.note RETURNING id`,
      [signalType, hashValue, note, operatorId],
    );
    return toNumber(rows[0].id);
  }

  async removeFromAllowList(id: number): Promise<AllowListEntry | null> {
    const { rows } = await this.db.query<{ id: number; signal_type: AllowListSignal; hash_value: string }>(
      `DELETE FROM allow_list WHERE id = $1 RETURNING id, signal_type, hash_value`,
      [id],
    );
    const row = rows[0];
    return row ? { id: toNumber(row.id), signalType: row.signal_type, value: row.hash_value } : null;
  }
}
