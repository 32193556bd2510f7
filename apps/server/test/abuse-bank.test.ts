// The abuse controls inside the real bank, on every engine: disputed hashes leave
// the partner feed as Deleted with a bumped lastModtimestamp, the person sees a
// neutral state, an operator's release brings them back, the allow-list refuses
// near-duplicates at submission, and every step is in the audit log.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { num, rows } from '../src/db/rows.js';
import { hashPassword } from '../src/operators/auth.js';
import { consoleQueryable } from '../src/operators/bank-bridge.js';
import { OperatorStore } from '../src/operators/store.js';
import {
  consent,
  createCase,
  engines,
  type FeedRecord,
  fetchPage,
  goodPin,
  newPartner,
  openTestBank,
  post,
  randomPdq,
  type TestBank,
} from './helpers.js';

/** Flips the lowest `bits` bits of a hex PDQ. */
function nearby(hex: string, bits: number): string {
  const chars = hex.split('');
  for (let b = 0; b < bits; b++) {
    const i = chars.length - 1 - Math.floor(b / 4);
    chars[i] = (Number.parseInt(chars[i], 16) ^ (1 << (b % 4))).toString(16);
  }
  return chars.join('');
}

describe.each(engines)('abuse controls in the bank on %s', (engine) => {
  let bank: TestBank;
  let headers: Record<string, string>;

  beforeAll(async () => {
    bank = await openTestBank(engine);
    const store = new OperatorStore(consoleQueryable(bank.database));
    await store.createOperator('ops@example.org', 'operator', await hashPassword('a long passphrase'));
    const login = await bank.app.inject({
      method: 'POST',
      url: '/api/admin/login',
      payload: { email: 'ops@example.org', password: 'a long passphrase' },
    });
    expect(login.statusCode).toBe(200);
    headers = {
      cookie: String(login.headers['set-cookie']).split(';')[0],
      'x-csrf-token': login.json().csrfToken as string,
    };
  });
  afterAll(async () => bank?.close());

  const feedRecord = async (key: string, value: string, start = 10): Promise<FeedRecord | undefined> => {
    const page = await fetchPage(bank.app, key, { startTimestamp: start, pageSize: 5000 });
    expect(page.status).toBe(200);
    return page.body.hashRecords.find((r) => r.hashValue === value);
  };
  const feedback = (key: string, hashValue: string, feedbackValue: string) =>
    post(
      bank.app,
      '/v1/SubmitFeedback',
      { count: 1, hashFeedbacks: [{ hashValue, feedbackValue, tags: [] }] },
      { 'ocp-apim-subscription-key': key },
    );
  const lastModTs = async (value: string) => {
    const [row] = await rows<{ last_mod_ts: unknown; change_seq: unknown }>(
      bank.database.db,
      sql`SELECT last_mod_ts, change_seq FROM hashes WHERE value = ${value}`,
    );
    return { ts: num(row.last_mod_ts), seq: num(row.change_seq) };
  };

  it('quarantines after NotBlocked from two partners, then releases on an operator decision', async () => {
    const a = await newPartner(bank);
    const b = await newPartner(bank);
    const pdq = randomPdq();
    const created = await createCase(bank.app, [{ signalType: 'pdq', value: pdq, quality: 90 }]);
    expect((await feedRecord(a.key, pdq))?.hashStatus).toBe('Active');

    expect((await feedback(a.key, pdq, 'NotBlocked')).status).toBe(200);
    expect((await feedRecord(a.key, pdq))?.hashStatus).toBe('Active');
    const before = await lastModTs(pdq);

    expect((await feedback(b.key, pdq, 'NotBlocked')).status).toBe(200);
    const after = await lastModTs(pdq);
    expect(after.seq).toBeGreaterThan(before.seq);
    expect(after.ts).toBeGreaterThanOrEqual(before.ts);
    // An incremental client starting from its checkpoint sees the change.
    const record = await feedRecord(a.key, pdq, before.ts);
    expect(record?.hashStatus).toBe('Deleted');
    expect(record?.lastModtimestamp).toBe(after.ts);

    const status = await post(bank.app, `/api/v1/cases/${created.caseNumber}/status`, { pin: goodPin });
    expect(status.status).toBe(200);
    const hashes = status.body.hashes as { value: string; status: string }[];
    expect(hashes.find((h) => h.value === pdq)?.status).toBe('UnderReview');
    expect(JSON.stringify(status.body)).not.toMatch(/NotBlocked|quarantin|disput/i);

    const queue = await bank.app.inject({ method: 'GET', url: '/api/admin/review', headers });
    const item = (queue.json().items as { value: string; state: string; feedback: unknown[] }[]).find(
      (i) => i.value === pdq,
    );
    expect(item?.state).toBe('quarantined');
    expect(item?.feedback).toHaveLength(2);

    const release = await bank.app.inject({
      method: 'POST',
      url: '/api/admin/review/decide',
      headers,
      payload: { signalType: 'pdq', value: pdq, decision: 'enable', note: 'checked' },
    });
    expect(release.statusCode).toBe(200);
    const released = await lastModTs(pdq);
    expect(released.seq).toBeGreaterThan(after.seq);
    expect((await feedRecord(a.key, pdq, after.ts))?.hashStatus).toBe('Active');
    const again = await post(bank.app, `/api/v1/cases/${created.caseNumber}/status`, { pin: goodPin });
    expect((again.body.hashes as { value: string; status: string }[])[0].status).toBe('Active');

    const audit = await bank.app.inject({ method: 'GET', url: '/api/admin/audit?action=hash.', headers });
    const actions = (audit.json().entries as { action: string; actor: string; target: string }[])
      .filter((e) => e.target === `hash:pdq:${pdq}`)
      .map((e) => `${e.actor} ${e.action}`);
    expect(actions).toEqual(['admin:ops@example.org hash.released', 'system:abuse hash.quarantined']);
  });

  it('allow-listing withholds the hash and refuses near-duplicates at submission', async () => {
    const partner = await newPartner(bank);
    const pdq = randomPdq();
    await createCase(bank.app, [{ signalType: 'pdq', value: pdq, quality: 90 }]);
    const decide = await bank.app.inject({
      method: 'POST',
      url: '/api/admin/review/decide',
      headers,
      payload: { signalType: 'pdq', value: pdq, decision: 'allow-list', note: 'benign stock photo' },
    });
    expect(decide.statusCode).toBe(200);
    expect((await feedRecord(partner.key, pdq))?.hashStatus).toBe('Deleted');

    const near = await post(bank.app, '/api/v1/cases', {
      pin: goodPin,
      hashes: [
        { signalType: 'pdq', value: randomPdq(), quality: 90 },
        { signalType: 'pdq', value: nearby(pdq, 31), quality: 90 },
      ],
      consent,
    });
    expect(near.status).toBe(422);
    expect(near.body.error?.code).toBe('HASH_NOT_ACCEPTED');
    expect((near.body.error as unknown as { details: { index: number }[] }).details[0].index).toBe(1);
    const far = await post(bank.app, '/api/v1/cases', {
      pin: goodPin,
      hashes: [{ signalType: 'pdq', value: nearby(pdq, 40), quality: 90 }],
      consent,
    });
    expect(far.status).toBe(201);

    // A partner cannot slip it back in through SubmitHashes either.
    const contributed = await post(
      bank.app,
      '/v1/SubmitHashes',
      {
        count: 1,
        hashRecords: [
          {
            lastModtimestamp: 1,
            signalType: 'StopNCIISignalType.ImagePDQ',
            hashValue: nearby(pdq, 3),
            CSPFeedbacks: [],
          },
        ],
      },
      { 'ocp-apim-subscription-key': partner.key },
    );
    expect(contributed.status).toBe(422);
  });

  it('records partner fetches for freshness and checkpoint lag, and the dashboard counts real data', async () => {
    const partner = await newPartner(bank, 'fresh-partner');
    const page = await fetchPage(bank.app, partner.key, { startTimestamp: 10, pageSize: 5000 });
    const partners = (await bank.app.inject({ method: 'GET', url: '/api/admin/partners', headers })).json()
      .partners as {
      name: string;
      lastFetchAt: string | null;
      checkpoint: number | null;
      checkpointLagSeconds: number;
    }[];
    const fresh = partners.find((p) => p.name === 'fresh-partner');
    expect(fresh?.checkpoint).toBe(page.body.nextSetTimestamp);
    expect(fresh?.lastFetchAt).not.toBeNull();
    expect(fresh?.checkpointLagSeconds).toBe(0);

    const dashboard = (await bank.app.inject({ method: 'GET', url: '/api/admin/dashboard?days=7', headers })).json();
    const [cases] = await rows<{ n: unknown }>(bank.database.db, sql`SELECT count(*) AS n FROM cases`);
    expect(dashboard.totals.cases).toBe(num(cases.n));
    expect(dashboard.days).toHaveLength(7);
    expect(dashboard.days.reduce((sum: number, d: { cases: number }) => sum + d.cases, 0)).toBe(num(cases.n));
    expect(dashboard.feedbackByPartner.some((p: { counts: Record<string, number> }) => p.counts.NotBlocked >= 1)).toBe(
      true,
    );
    expect(dashboard.totals.notRemoved).toBeGreaterThanOrEqual(2);
  });
});
