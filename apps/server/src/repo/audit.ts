import type { Db } from '../db/engine.js';
import { auditLog, caseEvents } from '../db/schema.js';

export type Actor =
  | { type: 'person'; id?: string }
  | { type: 'partner'; id: string }
  | { type: 'admin' | 'system'; id?: string };

/** Appends one audit entry. Never pass secrets (PINs, keys, case numbers) in details. */
export async function audit(
  tx: Db,
  actor: Actor,
  action: string,
  subject: { type: string; id: string | number } | undefined,
  details: Record<string, unknown> = {},
): Promise<void> {
  await tx.insert(auditLog).values({
    actorType: actor.type,
    actorId: actor.id ?? null,
    action,
    subjectType: subject?.type ?? null,
    subjectId: subject ? String(subject.id) : null,
    details,
  });
}

export type CaseEvent =
  | 'created'
  | 'shared_with_partners'
  | 'partner_feedback'
  | 'withdrawn'
  | 'locked_after_failed_pins'
  | 'unlocked';

export async function addCaseEvents(tx: Db, caseIds: number[], event: CaseEvent): Promise<void> {
  if (caseIds.length === 0) return;
  await tx.insert(caseEvents).values(caseIds.map((caseId) => ({ caseId, event })));
}
