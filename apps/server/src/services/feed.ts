import { sql } from 'drizzle-orm';
import { BankError } from '../errors.js';
import { num, rows } from '../db/rows.js';
import type { PartnerRow } from '../db/schema.js';
import { isHashProblem, type NormalisedHash, validateHash } from '../domain/hashes.js';
import { randomId } from '../domain/caseNumber.js';
import {
  type CaseStatusName,
  type FeedbackValue,
  parsePartnerSignalType,
  partnerSignalType,
  type SignalType,
  visibleSignalTypes,
} from '../domain/signalTypes.js';
import { addCaseEvents, audit } from '../repo/audit.js';
import { insertCase, linkHashes, personCasesHolding } from '../repo/cases.js';
import { lockFeedClock, touchHashes } from '../repo/feedClock.js';
import { findHashesByValue, upsertHashes } from '../repo/hashes.js';
import type { BankContext } from './context.js';

export interface HashRecord {
  lastModtimestamp: number;
  signalType: string;
  hashValue: string;
  hashStatus: CaseStatusName;
  caseNumbers: Record<string, CaseStatusName>;
  CSPFeedbacks: { source: string; feedbackValue: FeedbackValue; tags: string[] }[];
}

export interface FetchHashesResult {
  count: number;
  nextPageToken: string | null;
  nextSetTimestamp: number;
  hasMoreRecords: boolean;
  hashRecords: HashRecord[];
}

/**
 * Page tokens carry the keyset position (last record's lastModtimestamp and change_seq)
 * plus the query they belong to, base64url-encoded. They hold no secret: they only let a
 * partner skip records it could fetch anyway, and they are checked against its identity.
 */
interface PageToken {
  v: 1;
  p: string;
  s: number;
  t: number;
  q: number;
}

function encodeToken(t: PageToken): string {
  return Buffer.from(JSON.stringify(t)).toString('base64url');
}

function decodeToken(raw: string, partnerId: string): PageToken {
  const bad = () =>
    new BankError('INVALID_PAGE_TOKEN', 'This nextPageToken is not valid; restart from startTimestamp.');
  let t: PageToken;
  try {
    t = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as PageToken;
  } catch {
    throw bad();
  }
  if (
    t?.v !== 1 ||
    t.p !== partnerId ||
    ![t.s, t.t, t.q].every((n) => Number.isSafeInteger(n) && n >= -1) ||
    t.t < t.s
  ) {
    throw bad();
  }
  return t;
}

/**
 * One page of the feed: hashes with lastModtimestamp >= startTimestamp, ordered by
 * (lastModtimestamp, change_seq), after the token's position. A record that changes while a
 * client pages moves to the end of the order, so the client meets it again later in the same
 * pass. nextSetTimestamp is the last returned record's second (never below startTimestamp),
 * so restarting from it, inclusive, re-reads at most that second's records and misses none.
 */
export async function fetchHashes(
  ctx: BankContext,
  partner: PartnerRow,
  q: { startTimestamp?: number | undefined; pageSize: number; nextPageToken?: string | undefined },
): Promise<FetchHashesResult> {
  const token = q.nextPageToken ? decodeToken(q.nextPageToken, partner.id) : undefined;
  if (token && q.startTimestamp !== undefined && q.startTimestamp !== token.s) {
    throw new BankError('INVALID_PAGE_TOKEN', 'This nextPageToken belongs to a different startTimestamp.');
  }
  const start = token ? token.s : (q.startTimestamp ?? 0);
  const afterTs = token ? token.t : start;
  const afterSeq = token ? token.q : -1;
  const pageSize = Math.min(Math.max(1, q.pageSize), ctx.config.maxPageSize);
  const types = visibleSignalTypes(partner.extendedSignalTypes);
  const got = await rows<{
    signal_type: SignalType;
    value: string;
    last_mod_ts: unknown;
    change_seq: unknown;
    feed_status: CaseStatusName;
    case_refs: Record<string, CaseStatusName> | string;
    feedback_value: FeedbackValue | null;
    tags: string[] | string | null;
  }>(
    ctx.database.feedDb,
    sql`SELECT h.signal_type, h.value, h.last_mod_ts, h.change_seq, h.feed_status, h.case_refs,
               f.feedback_value, f.tags
        FROM hashes h
        LEFT JOIN partner_feedback f ON f.hash_id = h.id AND f.partner_id = ${partner.id}
        WHERE h.last_mod_ts >= ${start}::bigint
          AND (h.last_mod_ts, h.change_seq) > (${afterTs}::bigint, ${afterSeq}::bigint)
          AND h.signal_type IN (${sql.join(
            types.map((t) => sql`${t}`),
            sql`, `,
          )})
        ORDER BY h.last_mod_ts, h.change_seq
        LIMIT ${pageSize + 1}`,
  );
  const hasMore = got.length > pageSize;
  const page = hasMore ? got.slice(0, pageSize) : got;
  const records: HashRecord[] = page.map((r) => {
    const refs =
      typeof r.case_refs === 'string' ? (JSON.parse(r.case_refs) as Record<string, CaseStatusName>) : r.case_refs;
    const tags = r.tags === null ? [] : typeof r.tags === 'string' ? (JSON.parse(r.tags) as string[]) : r.tags;
    return {
      lastModtimestamp: num(r.last_mod_ts),
      signalType: partnerSignalType(r.signal_type),
      hashValue: r.value,
      hashStatus: r.feed_status,
      caseNumbers: refs,
      CSPFeedbacks: r.feedback_value === null ? [] : [{ source: partner.name, feedbackValue: r.feedback_value, tags }],
    };
  });
  const last = page.at(-1);
  const lastTs = last ? num(last.last_mod_ts) : afterTs;
  return {
    count: records.length,
    nextPageToken: hasMore ? encodeToken({ v: 1, p: partner.id, s: start, t: lastTs, q: num(last!.change_seq) }) : null,
    nextSetTimestamp: Math.max(start, lastTs),
    hasMoreRecords: hasMore,
    hashRecords: records,
  };
}

export interface FeedbackItem {
  hashValue: string;
  feedbackValue: FeedbackValue;
  tags: string[];
}

/**
 * Records a partner's feedback (one current value per partner and hash). Unknown hash
 * values (or ones this partner cannot see) are reported back, not an error: a partner may
 * legitimately report on a hash the bank has since deleted.
 */
export async function submitFeedback(
  ctx: BankContext,
  partner: PartnerRow,
  items: FeedbackItem[],
): Promise<{ count: number; accepted: number; unknownHashValues: string[] }> {
  const { db } = ctx.database;
  const lowered = items.map((i) => ({ ...i, hashValue: i.hashValue.trim() }));
  const byValue = await findHashesByValue(
    db,
    [...new Set(lowered.flatMap((i) => [i.hashValue, i.hashValue.toLowerCase()]))],
    visibleSignalTypes(partner.extendedSignalTypes),
  );
  const resolve = (v: string) => byValue.get(v) ?? byValue.get(v.toLowerCase());
  const known = lowered.filter((i) => resolve(i.hashValue) !== undefined);
  const unknownHashValues = lowered.filter((i) => resolve(i.hashValue) === undefined).map((i) => i.hashValue);
  if (known.length > 0) {
    await db.transaction(async (tx) => {
      await lockFeedClock(tx);
      const latest = new Map<number, FeedbackItem>();
      for (const i of known) latest.set(resolve(i.hashValue)!, i); // the last item for a hash wins
      const ids = [...latest.keys()];
      await tx.execute(sql`
        INSERT INTO partner_feedback (hash_id, partner_id, feedback_value, tags)
        VALUES ${sql.join(
          [...latest].map(
            ([id, i]) => sql`(${id}::bigint, ${partner.id}, ${i.feedbackValue}, ${JSON.stringify(i.tags)}::jsonb)`,
          ),
          sql`, `,
        )}
        ON CONFLICT (hash_id, partner_id) DO UPDATE
          SET feedback_value = excluded.feedback_value, tags = excluded.tags, updated_at = now()`);
      await touchHashes(tx, ids);
      await addCaseEvents(tx, await personCasesHolding(tx, ids), 'partner_feedback');
      const values: Record<string, number> = {};
      for (const i of latest.values()) values[i.feedbackValue] = (values[i.feedbackValue] ?? 0) + 1;
      await audit(tx, { type: 'partner', id: partner.id }, 'feedback.submitted', undefined, {
        hashes: ids.length,
        values,
      });
    });
  }
  return { count: items.length, accepted: known.length, unknownHashValues };
}

export interface SubmittedHash {
  signalType: string;
  hashValue: string;
  CSPFeedbacks?: { tags?: string[] | undefined; feedbackValue?: FeedbackValue | undefined }[] | undefined;
}

/**
 * A partner contributes hashes it found itself. They form one partner-sourced case (no PIN,
 * no consent record) whose hashes enter the feed as Active, and the partner's own feedback
 * (default Blocked) is recorded. Whole batch accepted or rejected, like person cases.
 */
export async function submitHashes(
  ctx: BankContext,
  partner: PartnerRow,
  records: SubmittedHash[],
): Promise<{
  count: number;
  accepted: number;
  hashRecords: { signalType: string; hashValue: string; hashStatus: CaseStatusName }[];
}> {
  const details: {
    index: number;
    code: 'UNSUPPORTED_SIGNAL_TYPE' | 'INVALID_HASH' | 'LOW_QUALITY_HASH' | 'DEGENERATE_HASH' | 'INVALID_REQUEST';
    message: string;
  }[] = [];
  const list: { hash: NormalisedHash; feedback: FeedbackValue; tags: string[] }[] = [];
  records.forEach((r, index) => {
    const t = parsePartnerSignalType(r.signalType);
    if (t === undefined || t === 'unsupported' || (t === 'vpdq' && !partner.extendedSignalTypes)) {
      details.push({ index, code: 'UNSUPPORTED_SIGNAL_TYPE', message: `Signal type ${r.signalType} is not accepted.` });
      return;
    }
    const v = validateHash({ signalType: t, value: r.hashValue }, ctx.config, ctx.decodeVpdq);
    if (isHashProblem(v)) {
      details.push({ index, code: v.code as 'INVALID_HASH', message: v.message });
      return;
    }
    const fb = r.CSPFeedbacks?.[0];
    list.push({ hash: v, feedback: fb?.feedbackValue ?? 'Blocked', tags: fb?.tags ?? [] });
  });
  if (details.length > 0) {
    throw new BankError(details[0].code, `Record ${details[0].index + 1}: ${details[0].message}`, { details });
  }
  const unique = new Map(list.map((x) => [`${x.hash.signalType}:${x.hash.value}`, x]));
  const items = [...unique.values()];
  if (items.length > 0) {
    await ctx.database.db.transaction(async (tx) => {
      const c = await insertCase(tx, {
        caseNumber: null,
        partnerRef: `c_${randomId(16)}`,
        source: 'partner',
        submittedByPartner: partner.id,
        pinHash: null,
        consent: null,
        status: 'active',
      });
      await lockFeedClock(tx);
      const ids = await upsertHashes(
        tx,
        items.map((x) => x.hash),
      );
      await linkHashes(
        tx,
        c.id,
        ids.map((hashId) => ({ hashId, quality: null })),
        'active',
      );
      await tx.execute(sql`
        INSERT INTO partner_feedback (hash_id, partner_id, feedback_value, tags)
        VALUES ${sql.join(
          items.map((x, i) => sql`(${ids[i]}::bigint, ${partner.id}, ${x.feedback}, ${JSON.stringify(x.tags)}::jsonb)`),
          sql`, `,
        )}
        ON CONFLICT (hash_id, partner_id) DO UPDATE
          SET feedback_value = excluded.feedback_value, tags = excluded.tags, updated_at = now()`);
      await touchHashes(tx, ids);
      await addCaseEvents(tx, await personCasesHolding(tx, ids), 'partner_feedback');
      await audit(
        tx,
        { type: 'partner', id: partner.id },
        'partner.hashes_submitted',
        { type: 'case', id: c.id },
        {
          hashes: ids.length,
        },
      );
    });
  }
  return {
    count: records.length,
    accepted: items.length,
    hashRecords: items.map((x) => ({
      signalType: partnerSignalType(x.hash.signalType),
      hashValue: x.hash.value,
      hashStatus: 'Active' as const,
    })),
  };
}
