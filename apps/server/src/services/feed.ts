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
  signalTypes,
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
 * A FetchHashes page whose records stay in the JSON text they were built as. A full sync
 * moves millions of records, and turning database rows into objects only for
 * JSON.stringify to turn them back into text cost more than the SQL itself. `json()` is
 * the response body (same fields, same order); the record objects are parsed on demand for
 * anyone reading `hashRecords` in process.
 */
export class FeedPage implements FetchHashesResult {
  #records: HashRecord[] | undefined;

  constructor(
    readonly count: number,
    readonly nextPageToken: string | null,
    readonly nextSetTimestamp: number,
    readonly hasMoreRecords: boolean,
    /** The page's hashRecords as comma-separated JSON objects, in feed order. */
    readonly recordsJson: string,
  ) {}

  get hashRecords(): HashRecord[] {
    this.#records ??= JSON.parse(`[${this.recordsJson}]`) as HashRecord[];
    return this.#records;
  }

  json(): string {
    return `{"count":${this.count},"nextPageToken":${JSON.stringify(this.nextPageToken)},"nextSetTimestamp":${this.nextSetTimestamp},"hasMoreRecords":${this.hasMoreRecords},"hashRecords":[${this.recordsJson}]}`;
  }

  toJSON(): FetchHashesResult {
    const { count, nextPageToken, nextSetTimestamp, hasMoreRecords, hashRecords } = this;
    return { count, nextPageToken, nextSetTimestamp, hasMoreRecords, hashRecords };
  }
}

/** A signal type's partner spelling, already as a JSON string. */
const signalTypeJson = Object.fromEntries(signalTypes.map((t) => [t, JSON.stringify(partnerSignalType(t))])) as Record<
  SignalType,
  string
>;

/** Printable ASCII without `"` and `\`: such a string is its own JSON body, no escaping. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** JSON.stringify for a string, skipping its escaping pass for the hex values that fill the feed. */
function jsonString(v: string): string {
  return PLAIN.test(v) ? `"${v}"` : JSON.stringify(v);
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
): Promise<FeedPage> {
  const token = q.nextPageToken ? decodeToken(q.nextPageToken, partner.id) : undefined;
  if (token && q.startTimestamp !== undefined && q.startTimestamp !== token.s) {
    throw new BankError('INVALID_PAGE_TOKEN', 'This nextPageToken belongs to a different startTimestamp.');
  }
  const start = token ? token.s : (q.startTimestamp ?? 0);
  const afterTs = token ? token.t : start;
  const afterSeq = token ? token.q : -1;
  const pageSize = Math.min(Math.max(1, q.pageSize), ctx.config.maxPageSize);
  const types = visibleSignalTypes(partner.extendedSignalTypes);
  // Every column arrives as text (jsonb and bigint cast in SQL, on both engines) and is
  // copied into the response as is: nothing is parsed only to be serialised again. One
  // join reads this partner's feedback (the primary key (hash_id, partner_id) makes it at
  // most one row per hash); other partners' rows never leave the database.
  const got = await rows<{
    signal_type: SignalType;
    value: string;
    ts: string;
    seq: string;
    feed_status: CaseStatusName;
    case_refs: string;
    feedback_value: FeedbackValue | null;
    tags: string | null;
  }>(
    ctx.database.feedDb,
    sql`SELECT h.signal_type, h.value, h.last_mod_ts::text AS ts, h.change_seq::text AS seq, h.feed_status,
               h.case_refs::text AS case_refs, f.feedback_value, f.tags::text AS tags
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
  const count = hasMore ? pageSize : got.length;
  const source = JSON.stringify(partner.name);
  const records = new Array<string>(count);
  for (let i = 0; i < count; i++) {
    const r = got[i];
    const feedback =
      r.feedback_value === null
        ? '[]'
        : `[{"source":${source},"feedbackValue":${jsonString(r.feedback_value)},"tags":${r.tags ?? '[]'}}]`;
    records[i] =
      `{"lastModtimestamp":${r.ts},"signalType":${signalTypeJson[r.signal_type]},"hashValue":${jsonString(r.value)},"hashStatus":${jsonString(r.feed_status)},"caseNumbers":${r.case_refs},"CSPFeedbacks":${feedback}}`;
  }
  const last = count > 0 ? got[count - 1] : undefined;
  const lastTs = last ? num(last.ts) : afterTs;
  return new FeedPage(
    count,
    hasMore ? encodeToken({ v: 1, p: partner.id, s: start, t: lastTs, q: num(last!.seq) }) : null,
    Math.max(start, lastTs),
    hasMore,
    records.join(','),
  );
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
