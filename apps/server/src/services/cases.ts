import type { BankError as BankErrorType, ErrorDetail } from '../errors.js';
import { BankError } from '../errors.js';
import { formatCaseNumber, generateCaseNumber, normaliseCaseNumber, randomId } from '../domain/caseNumber.js';
import { isHashProblem, type NormalisedHash, validateHash } from '../domain/hashes.js';
import { pinProblem, pinProblemMessage } from '../domain/pin.js';
import { type InternalStatus, type SignalType, statusName } from '../domain/signalTypes.js';
import type { CaseRow } from '../db/schema.js';
import { addCaseEvents, audit } from '../repo/audit.js';
import {
  caseHashViews,
  caseTimeline,
  findCaseByNumber,
  insertCase,
  linkHashes,
  recordPinFailure,
  resetPinFailures,
  unlockCase as unlockCaseRow,
  withdrawCaseRows,
} from '../repo/cases.js';
import { lockFeedClock, touchHashes } from '../repo/feedClock.js';
import { upsertHashes } from '../repo/hashes.js';
import type { BankContext } from './context.js';

export interface CreateCaseInput {
  pin: string;
  hashes: { signalType: SignalType; value: string; quality?: number | null | undefined }[];
  consent: { over18: boolean; inContent: boolean; intimate: boolean; agreesToTerms: boolean };
}

export interface CreatedCase {
  caseNumber: string;
  status: 'Received' | 'Active' | 'Withdrawn';
  createdAt: string;
  hashes: { signalType: SignalType; value: string; status: 'Received' | 'Active' | 'Withdrawn' }[];
}

export interface CaseView {
  caseNumber: string;
  status: 'Received' | 'Active' | 'Withdrawn';
  createdAt: string;
  hashes: {
    signalType: SignalType;
    value: string;
    quality: number | null;
    status: 'Received' | 'Active' | 'Withdrawn';
    feedback: { matched: number; removed: number; reviewedNotRemoved: number; lastReportedAt: string | null };
  }[];
  timeline: { at: string; event: string }[];
}

/**
 * Validates a whole submission. Policy: a batch is accepted whole or rejected whole; the
 * error names the first problem and lists every bad hash in `details` (by index), so a
 * person fixes everything in one go and never ends up with a half-registered case.
 */
export function validateCaseInput(ctx: BankContext, input: CreateCaseInput): NormalisedHash[] {
  const { consent } = input;
  if (!(consent.over18 && consent.inContent && consent.intimate && consent.agreesToTerms)) {
    throw new BankError(
      'CONSENT_REQUIRED',
      'Please confirm that you are over 18, that you are in these images, that they are intimate, and that you agree to the terms.',
    );
  }
  const problem = pinProblem(input.pin);
  if (problem) throw new BankError('WEAK_PIN', pinProblemMessage[problem]);
  if (input.hashes.length === 0) throw new BankError('INVALID_REQUEST', 'Add at least one hash.');
  if (input.hashes.length > ctx.config.maxHashesPerCase) {
    throw new BankError(
      'TOO_MANY_HASHES',
      `A case can hold at most ${ctx.config.maxHashesPerCase} hashes; you sent ${input.hashes.length}. Split them into several cases.`,
    );
  }
  const details: ErrorDetail[] = [];
  const good: NormalisedHash[] = [];
  const seen = new Set<string>();
  input.hashes.forEach((h, index) => {
    const r = validateHash(h, ctx.config, ctx.decodeVpdq);
    if (isHashProblem(r)) {
      details.push({ index, code: r.code, message: r.message });
      return;
    }
    const key = `${r.signalType}:${r.value}`;
    if (!seen.has(key)) {
      seen.add(key);
      good.push(r);
    }
  });
  if (details.length > 0) {
    const first = details[0];
    throw new BankError(
      first.code,
      details.length === 1
        ? `Hash ${first.index! + 1}: ${first.message}`
        : `${details.length} of your hashes cannot be used; nothing was saved. Hash ${first.index! + 1}: ${first.message}`,
      { details },
    );
  }
  return good;
}

export async function createCase(ctx: BankContext, input: CreateCaseInput): Promise<CreatedCase> {
  const list = validateCaseInput(ctx, input);
  const pinHash = await ctx.hasher.hash(input.pin);
  const caseNumber = generateCaseNumber();
  const { db } = ctx.database;
  const created = await db.transaction(async (tx) => {
    const row = await insertCase(tx, {
      caseNumber,
      partnerRef: `c_${randomId(16)}`,
      source: 'person',
      submittedByPartner: null,
      pinHash,
      consent: { ...input.consent, recordedAt: new Date().toISOString() },
      status: 'active',
    });
    await lockFeedClock(tx);
    const ids = await upsertHashes(tx, list);
    await linkHashes(
      tx,
      row.id,
      list.map((h, i) => ({ hashId: ids[i], quality: h.quality })),
      'active',
    );
    await touchHashes(tx, ids);
    await addCaseEvents(tx, [row.id], 'created');
    await addCaseEvents(tx, [row.id], 'shared_with_partners');
    await audit(
      tx,
      { type: 'person', id: `case:${row.id}` },
      'case.created',
      { type: 'case', id: row.id },
      {
        hashes: list.length,
        signalTypes: [...new Set(list.map((h) => h.signalType))],
      },
    );
    return row;
  });
  return {
    caseNumber: formatCaseNumber(caseNumber),
    status: statusName[created.status],
    createdAt: created.createdAt.toISOString(),
    hashes: list.map((h) => ({ signalType: h.signalType, value: h.value, status: 'Active' as const })),
  };
}

function invalidCredentials(): BankErrorType {
  return new BankError('INVALID_CREDENTIALS', 'This case number and PIN do not match a case.');
}

/**
 * Checks a case number + PIN. Unknown case and wrong PIN give the same error and cost the
 * same argon2 verification (a dummy hash stands in for a missing case). A locked case is
 * only revealed as locked to someone who knows its PIN.
 */
export async function authenticateCase(ctx: BankContext, caseNumberInput: string, pin: string): Promise<CaseRow> {
  const caseNumber = normaliseCaseNumber(caseNumberInput);
  if (!caseNumber) {
    throw new BankError(
      'INVALID_CASE_NUMBER',
      'This case number is not valid: please check it for typos (it looks like XXXX-XXXX-XXXX-XXXX).',
    );
  }
  const { db } = ctx.database;
  const row = await findCaseByNumber(db, caseNumber);
  if (!row?.pinHash) {
    await ctx.hasher.verifyDummy(pin);
    throw invalidCredentials();
  }
  const ok = await ctx.hasher.verify(row.pinHash, pin);
  const lockedFor = row.lockedUntil ? Math.ceil((row.lockedUntil.getTime() - Date.now()) / 1000) : 0;
  if (lockedFor > 0) {
    if (ok) {
      throw new BankError(
        'CASE_LOCKED',
        `This case is locked after too many wrong PINs. Try again in ${Math.ceil(lockedFor / 60)} minutes.`,
        { retryAfterSeconds: lockedFor },
      );
    }
    throw invalidCredentials();
  }
  if (!ok) {
    const locked = await recordPinFailure(db, row.id, ctx.config.maxPinFailures, ctx.config.lockoutSeconds);
    if (locked) {
      await db.transaction(async (tx) => {
        await addCaseEvents(tx, [row.id], 'locked_after_failed_pins');
        await audit(
          tx,
          { type: 'system' },
          'case.locked',
          { type: 'case', id: row.id },
          {
            failures: ctx.config.maxPinFailures,
            seconds: ctx.config.lockoutSeconds,
          },
        );
      });
    }
    throw invalidCredentials();
  }
  await resetPinFailures(db, row.id);
  return row;
}

export async function caseView(ctx: BankContext, row: CaseRow): Promise<CaseView> {
  const { db } = ctx.database;
  const [hashes, timeline] = await Promise.all([caseHashViews(db, row.id), caseTimeline(db, row.id)]);
  return {
    caseNumber: formatCaseNumber(row.caseNumber!),
    status: statusName[row.status],
    createdAt: row.createdAt.toISOString(),
    hashes: hashes.map((h) => ({
      signalType: h.signalType,
      value: h.value,
      quality: h.quality,
      status: statusName[h.status],
      feedback: {
        matched: h.matched,
        removed: h.removed,
        reviewedNotRemoved: h.reviewedNotRemoved,
        lastReportedAt: h.lastReportedAt ? h.lastReportedAt.toISOString() : null,
      },
    })),
    timeline: timeline.map((t) => ({ at: t.at.toISOString(), event: t.event })),
  };
}

export async function caseStatus(ctx: BankContext, caseNumber: string, pin: string): Promise<CaseView> {
  return caseView(ctx, await authenticateCase(ctx, caseNumber, pin));
}

/**
 * Withdraws every hash of the case. A hash other active cases still hold stays Active in
 * the feed (only this case's entry in its caseNumbers turns Withdrawn); either way its
 * record is re-announced so partners see the change on their next fetch. Idempotent.
 */
export async function withdrawCase(ctx: BankContext, caseNumber: string, pin: string): Promise<CaseView> {
  const row = await authenticateCase(ctx, caseNumber, pin);
  if (row.status !== 'withdrawn') {
    await ctx.database.db.transaction(async (tx) => {
      await lockFeedClock(tx);
      const hashIds = await withdrawCaseRows(tx, row.id);
      await touchHashes(tx, hashIds);
      await addCaseEvents(tx, [row.id], 'withdrawn');
      await audit(
        tx,
        { type: 'person', id: `case:${row.id}` },
        'case.withdrawn',
        { type: 'case', id: row.id },
        {
          hashes: hashIds.length,
        },
      );
    });
  }
  const fresh = (await findCaseByNumber(ctx.database.db, row.caseNumber!))!;
  return caseView(ctx, fresh);
}

/** Operator unlock of a case locked by failed PINs (admin CLI). */
export async function unlockCase(
  ctx: BankContext,
  caseNumberInput: string,
): Promise<{ caseNumber: string; unlocked: boolean }> {
  const caseNumber = normaliseCaseNumber(caseNumberInput);
  if (!caseNumber) throw new BankError('INVALID_CASE_NUMBER', 'This case number is not valid.');
  const row = await findCaseByNumber(ctx.database.db, caseNumber);
  if (!row) throw new BankError('NOT_FOUND', 'No such case.');
  const wasLocked = row.lockedUntil !== null && row.lockedUntil.getTime() > Date.now();
  await ctx.database.db.transaction(async (tx) => {
    await unlockCaseRow(tx, row.id);
    if (wasLocked) await addCaseEvents(tx, [row.id], 'unlocked');
    await audit(tx, { type: 'admin' }, 'case.unlocked', { type: 'case', id: row.id }, { wasLocked });
  });
  return { caseNumber: formatCaseNumber(caseNumber), unlocked: wasLocked };
}

export type { InternalStatus };
