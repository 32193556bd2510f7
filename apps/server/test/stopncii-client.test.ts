import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../src/db/rows.js';
import {
  createCase,
  engines,
  type FeedRecord,
  fetchPage,
  goodPin,
  newPartner,
  openTestBank,
  post,
  randomMd5,
  randomPdq,
  type TestBank,
} from './helpers.js';

/**
 * The StopNCII client's sync loop (python-threatexchange StopNCIIAPI.fetch_hashes_iter as
 * wrapped by HMA): first call at 10, follow nextPageToken while hasMoreRecords, keep only
 * the last page's nextSetTimestamp, abort if it ever goes backwards, later restart from it
 * without a token. Records replace earlier ones by (signalType, hashValue); Withdrawn or
 * Deleted means delete (done right, unlike HMA's own wrapper).
 */
class StopNCIIStyleClient {
  checkpoint = 10;
  readonly bank = new Map<string, FeedRecord>();
  pagesFetched = 0;

  constructor(
    private readonly test: TestBank,
    private readonly key: string,
    private readonly pageSize: number,
    private readonly betweenPages?: (page: number) => Promise<void>,
  ) {}

  async sync(): Promise<void> {
    const start = this.checkpoint;
    let token: string | undefined;
    for (;;) {
      const { status, body } = await fetchPage(this.test.app, this.key, {
        startTimestamp: start,
        pageSize: this.pageSize,
        ...(token ? { nextPageToken: token } : {}),
      });
      expect(status).toBe(200);
      for (const field of ['count', 'nextSetTimestamp', 'hasMoreRecords', 'hashRecords'] as const) {
        expect(body).toHaveProperty(field);
      }
      expect(Number.isInteger(body.nextSetTimestamp)).toBe(true);
      this.pagesFetched++;
      for (const r of body.hashRecords) {
        expect(r).toHaveProperty('caseNumbers');
        expect(r).toHaveProperty('hashStatus');
        const key = `${r.signalType}:${r.hashValue}`;
        if (r.hashStatus === 'Withdrawn' || r.hashStatus === 'Deleted') this.bank.delete(key);
        else this.bank.set(key, r);
      }
      if (this.betweenPages) await this.betweenPages(this.pagesFetched);
      if (!body.hasMoreRecords) {
        if (body.nextSetTimestamp < this.checkpoint) throw new Error('checkpoint moved backwards');
        this.checkpoint = body.nextSetTimestamp;
        return;
      }
      token = body.nextPageToken!;
    }
  }
}

/** What the bank holds for this partner right now, straight from the database. */
async function serverState(test: TestBank, partnerId: string, partnerName: string) {
  const r = await rows<{
    signal_type: string;
    value: string;
    feed_status: string;
    case_refs: Record<string, string> | string;
    feedback_value: string | null;
    tags: string[] | string | null;
  }>(
    test.database.db,
    sql`SELECT h.signal_type, h.value, h.feed_status, h.case_refs, f.feedback_value, f.tags
        FROM hashes h LEFT JOIN partner_feedback f ON f.hash_id = h.id AND f.partner_id = ${partnerId}
        WHERE h.signal_type IN ('pdq', 'md5') AND h.feed_status NOT IN ('Withdrawn', 'Deleted')`,
  );
  const names: Record<string, string> = { pdq: 'ImagePDQ', md5: 'VideoMD5' };
  const parse = <T>(v: T | string): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);
  return new Map(
    r.map((x) => [
      `${names[x.signal_type]}:${x.value}`,
      {
        signalType: names[x.signal_type],
        hashValue: x.value,
        hashStatus: x.feed_status,
        caseNumbers: parse(x.case_refs),
        CSPFeedbacks:
          x.feedback_value === null
            ? []
            : [{ source: partnerName, feedbackValue: x.feedback_value, tags: parse(x.tags ?? []) ?? [] }],
      },
    ]),
  );
}

function comparable(m: Map<string, FeedRecord>) {
  return new Map([...m].map(([k, { lastModtimestamp: _ignored, ...rest }]) => [k, rest]));
}

describe.each(engines)('a StopNCII-style client syncing from the bank on %s', (engine) => {
  let bank: TestBank;
  beforeAll(async () => {
    bank = await openTestBank(engine);
  });
  afterAll(async () => bank?.close());

  it('ends with exactly the bank state after full and incremental syncs, withdrawals and feedback', async () => {
    const partner = await newPartner(bank, 'client-under-test');
    const other = await newPartner(bank, 'someone-else');
    const cases: { caseNumber: string; values: string[]; pin: string }[] = [];
    const addCase = async (n: number, pin = goodPin, shared?: string) => {
      const values = Array.from({ length: n }, (_, i) => (i % 3 === 2 ? randomMd5() : randomPdq()));
      if (shared) values.push(shared);
      const c = await createCase(
        bank.app,
        values.map((v) =>
          v.length === 32
            ? { signalType: 'md5' as const, value: v }
            : { signalType: 'pdq' as const, value: v, quality: 90 },
        ),
        pin,
      );
      cases.push({ caseNumber: c.caseNumber, values, pin });
      return cases.at(-1)!;
    };
    for (let i = 0; i < 6; i++) await addCase(3);
    const shared = randomPdq();
    const a = await addCase(2, goodPin, shared);
    const b = await addCase(1, '730519', shared);

    // Changes land between pages of the first full sync.
    const client = new StopNCIIStyleClient(bank, partner.key, 4, async (page) => {
      if (page === 2) await post(bank.app, `/api/v1/cases/${cases[0].caseNumber}/withdraw`, { pin: goodPin });
      if (page === 3) await addCase(2);
      if (page === 4) {
        await post(
          bank.app,
          '/v1/SubmitFeedback',
          { count: 1, hashFeedbacks: [{ hashValue: cases[1].values[0], feedbackValue: 'Blocked', tags: ['Nude'] }] },
          { authorization: `Bearer ${partner.key}` },
        );
      }
    });
    await client.sync();
    expect(comparable(client.bank)).toEqual(await serverState(bank, partner.id, partner.name));

    // Incremental round: shared-hash withdrawal, other partner's feedback, partner-submitted hashes.
    await post(bank.app, `/api/v1/cases/${a.caseNumber}/withdraw`, { pin: goodPin });
    await post(
      bank.app,
      '/v1/SubmitFeedback',
      { count: 1, hashFeedbacks: [{ hashValue: cases[2].values[0], feedbackValue: 'NotBlocked', tags: [] }] },
      { authorization: `Bearer ${other.key}` },
    );
    await post(
      bank.app,
      '/v1/SubmitFeedback',
      { count: 1, hashFeedbacks: [{ hashValue: cases[2].values[1], feedbackValue: 'PendingReview', tags: ['Adult'] }] },
      { authorization: `Bearer ${partner.key}` },
    );
    await post(
      bank.app,
      '/v1/SubmitHashes',
      {
        count: 1,
        hashRecords: [
          { lastModtimestamp: 0, signalType: 'StopNCIISignalType.ImagePDQ', hashValue: randomPdq(), CSPFeedbacks: [] },
        ],
      },
      { 'ocp-apim-subscription-key': other.key, 'x-functions-key': 'x' },
    );
    const before = client.checkpoint;
    await client.sync();
    expect(client.checkpoint).toBeGreaterThanOrEqual(before);
    expect(client.bank.has(`ImagePDQ:${shared}`)).toBe(true); // b still holds it
    expect(comparable(client.bank)).toEqual(await serverState(bank, partner.id, partner.name));

    // Last round: the remaining holder withdraws; the shared hash must disappear.
    await post(bank.app, `/api/v1/cases/${b.caseNumber}/withdraw`, { pin: '730519' });
    await client.sync();
    expect(client.bank.has(`ImagePDQ:${shared}`)).toBe(false);
    expect(comparable(client.bank)).toEqual(await serverState(bank, partner.id, partner.name));
    // A fresh client doing one full sync agrees with the incremental one.
    const fresh = new StopNCIIStyleClient(bank, partner.key, 800);
    await fresh.sync();
    expect(comparable(fresh.bank)).toEqual(comparable(client.bank));
  });
});
