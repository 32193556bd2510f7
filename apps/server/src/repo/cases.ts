import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/engine.js';
import { num, rows, toDate } from '../db/rows.js';
import { type CaseRow, caseEvents, caseHashes, cases } from '../db/schema.js';
import type { InternalStatus, SignalType } from '../domain/signalTypes.js';

export interface NewCase {
  caseNumber: string | null;
  partnerRef: string;
  source: 'person' | 'partner';
  submittedByPartner: string | null;
  pinHash: string | null;
  consent: Record<string, unknown> | null;
  status: InternalStatus;
}

export async function insertCase(tx: Db, c: NewCase): Promise<CaseRow> {
  const [row] = await tx.insert(cases).values(c).returning();
  return row;
}

export async function linkHashes(
  tx: Db,
  caseId: number,
  links: { hashId: number; quality: number | null }[],
  status: InternalStatus,
): Promise<void> {
  if (links.length === 0) return;
  await tx
    .insert(caseHashes)
    .values(links.map((l) => ({ caseId, hashId: l.hashId, quality: l.quality, status })))
    .onConflictDoNothing();
}

export async function findCaseByNumber(db: Db, caseNumber: string): Promise<CaseRow | undefined> {
  const [row] = await db.select().from(cases).where(eq(cases.caseNumber, caseNumber)).limit(1);
  return row;
}

/** Counts a wrong PIN; locks the case once `maxFailures` is reached. Returns true when this failure locked it. */
export async function recordPinFailure(
  db: Db,
  caseId: number,
  maxFailures: number,
  lockoutSeconds: number,
): Promise<boolean> {
  const [r] = await rows<{ locked: boolean }>(
    db,
    sql`UPDATE cases SET
          failed_pin_attempts = CASE WHEN failed_pin_attempts + 1 >= ${maxFailures} THEN 0 ELSE failed_pin_attempts + 1 END,
          locked_until = CASE WHEN failed_pin_attempts + 1 >= ${maxFailures}
                              THEN now() + make_interval(secs => ${lockoutSeconds}) ELSE locked_until END
        WHERE id = ${caseId}
        RETURNING (failed_pin_attempts = 0 AND locked_until > now()) AS locked`,
  );
  return Boolean(r?.locked);
}

export async function resetPinFailures(db: Db, caseId: number): Promise<void> {
  await db
    .update(cases)
    .set({ failedPinAttempts: 0 })
    .where(and(eq(cases.id, caseId), sql`${cases.failedPinAttempts} <> 0`));
}

export async function unlockCase(tx: Db, caseId: number): Promise<void> {
  await tx.update(cases).set({ failedPinAttempts: 0, lockedUntil: null }).where(eq(cases.id, caseId));
}

/** Marks the case and its memberships withdrawn; returns the affected hash ids. */
export async function withdrawCaseRows(tx: Db, caseId: number): Promise<number[]> {
  await tx.update(cases).set({ status: 'withdrawn', withdrawnAt: sql`now()` }).where(eq(cases.id, caseId));
  const changed = await tx
    .update(caseHashes)
    .set({ status: 'withdrawn', withdrawnAt: sql`now()` })
    .where(and(eq(caseHashes.caseId, caseId), sql`${caseHashes.status} <> 'withdrawn'`))
    .returning({ hashId: caseHashes.hashId });
  return changed.map((c) => c.hashId);
}

/** Person cases holding any of the hashes (for timeline events). */
export async function personCasesHolding(tx: Db, hashIds: number[]): Promise<number[]> {
  if (hashIds.length === 0) return [];
  const r = await tx
    .selectDistinct({ caseId: caseHashes.caseId })
    .from(caseHashes)
    .innerJoin(cases, eq(cases.id, caseHashes.caseId))
    .where(and(inArray(caseHashes.hashId, hashIds), eq(cases.source, 'person')));
  return r.map((x) => x.caseId);
}

export interface CaseHashView {
  hashId: number;
  signalType: SignalType;
  value: string;
  quality: number | null;
  status: InternalStatus;
  matched: number;
  removed: number;
  reviewedNotRemoved: number;
  lastReportedAt: Date | null;
}

export async function caseHashViews(db: Db, caseId: number): Promise<CaseHashView[]> {
  const r = await rows<{
    hash_id: unknown;
    signal_type: SignalType;
    value: string;
    quality: number | null;
    status: InternalStatus;
    matched: unknown;
    removed: unknown;
    reviewed: unknown;
    last_at: unknown;
  }>(
    db,
    sql`SELECT ch.hash_id, h.signal_type, h.value, ch.quality, ch.status,
          count(f.partner_id) FILTER (WHERE f.feedback_value IN ('PendingReview', 'Blocked', 'NotBlocked')) AS matched,
          count(f.partner_id) FILTER (WHERE f.feedback_value = 'Blocked') AS removed,
          count(f.partner_id) FILTER (WHERE f.feedback_value = 'NotBlocked') AS reviewed,
          max(f.updated_at) AS last_at
        FROM case_hashes ch
        JOIN hashes h ON h.id = ch.hash_id
        LEFT JOIN partner_feedback f ON f.hash_id = ch.hash_id
        WHERE ch.case_id = ${caseId}
        GROUP BY ch.hash_id, h.signal_type, h.value, ch.quality, ch.status, ch.added_at
        ORDER BY ch.added_at, ch.hash_id`,
  );
  return r.map((x) => ({
    hashId: num(x.hash_id),
    signalType: x.signal_type,
    value: x.value,
    quality: x.quality === null ? null : num(x.quality),
    status: x.status,
    matched: num(x.matched),
    removed: num(x.removed),
    reviewedNotRemoved: num(x.reviewed),
    lastReportedAt: x.last_at === null ? null : toDate(x.last_at),
  }));
}

export async function caseTimeline(db: Db, caseId: number): Promise<{ at: Date; event: string }[]> {
  return db
    .select({ at: caseEvents.at, event: caseEvents.event })
    .from(caseEvents)
    .where(eq(caseEvents.caseId, caseId))
    .orderBy(asc(caseEvents.id));
}
