import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../src/db/rows.js';
import { fetchHashesResponse } from '../src/http/schemas.js';
import { revokePartner, rotatePartnerKey } from '../src/services/partners.js';
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

/** Reads the whole feed from `start`, following tokens; returns records and the final checkpoint. */
async function readAll(bank: TestBank, key: string, start: number, pageSize = 3) {
  const records: FeedRecord[] = [];
  let token: string | undefined;
  let last = start;
  for (let guard = 0; guard < 10_000; guard++) {
    const { status, body } = await fetchPage(bank.app, key, { startTimestamp: start, pageSize, nextPageToken: token });
    expect(status).toBe(200);
    expect(body.nextSetTimestamp).toBeGreaterThanOrEqual(last);
    last = body.nextSetTimestamp;
    records.push(...body.hashRecords);
    if (!body.hasMoreRecords) return { records, nextSetTimestamp: body.nextSetTimestamp };
    token = body.nextPageToken!;
  }
  throw new Error('feed did not end');
}

describe.each(engines)('StopNCII partner API on %s', (engine) => {
  let bank: TestBank;
  let partner: { id: string; name: string; key: string };
  beforeAll(async () => {
    bank = await openTestBank(engine);
    partner = await newPartner(bank, 'acme');
  });
  afterAll(async () => bank?.close());

  describe('authentication', () => {
    const get = (headers: Record<string, string>) =>
      bank.app.inject({ method: 'GET', url: '/v1/FetchHashes?startTimestamp=10', headers });

    it('accepts Bearer and Ocp-Apim-Subscription-Key (x-functions-key is ignored)', async () => {
      expect((await get({ authorization: `Bearer ${partner.key}` })).statusCode).toBe(200);
      expect((await get({ 'ocp-apim-subscription-key': partner.key, 'x-functions-key': 'whatever' })).statusCode).toBe(
        200,
      );
    });

    it.each([
      ['no key', {}],
      ['only x-functions-key', { 'x-functions-key': 'k' }],
      ['garbage', { authorization: 'Bearer nope' }],
      ['right id, wrong secret', {}],
    ])('rejects %s with UNAUTHORIZED', async (name, headers) => {
      const h =
        name === 'right id, wrong secret'
          ? { authorization: `Bearer ${partner.key.slice(0, -4)}AAAA` }
          : (headers as Record<string, string>);
      const res = await get(h);
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('UNAUTHORIZED');
    });

    it('rotation replaces the key at once; revocation disables it', async () => {
      const p = await newPartner(bank, 'rotating');
      const rotated = await rotatePartnerKey(bank.ctx, p.id);
      expect(rotated.key).not.toBe(p.key);
      expect((await get({ authorization: `Bearer ${p.key}` })).statusCode).toBe(401);
      expect((await get({ authorization: `Bearer ${rotated.key}` })).statusCode).toBe(200);
      await revokePartner(bank.ctx, p.id);
      expect((await get({ authorization: `Bearer ${rotated.key}` })).statusCode).toBe(401);
    });

    it('stores only an argon2id hash of the key', async () => {
      const [row] = await rows<{ key_hash: string }>(
        bank.database.db,
        sql`SELECT key_hash FROM partners WHERE id = ${partner.id}`,
      );
      expect(row.key_hash).toMatch(/^\$argon2id\$/);
      expect(row.key_hash).not.toContain(partner.key.split('_')[2]);
    });
  });

  describe('FetchHashes', () => {
    it('pages in a stable order with opaque tokens; inclusive startTimestamp; monotone nextSetTimestamp', async () => {
      const values: string[] = [];
      for (let i = 0; i < 4; i++) {
        const v = [randomPdq(), randomMd5()];
        values.push(...v);
        await createCase(bank.app, [
          { signalType: 'pdq', value: v[0], quality: 90 },
          { signalType: 'md5', value: v[1] },
        ]);
      }
      const { records, nextSetTimestamp } = await readAll(bank, partner.key, 10, 3);
      const order = records.map((r) => [r.lastModtimestamp, r.hashValue] as const);
      const sorted = [...order].sort((a, b) => a[0] - b[0]);
      expect(order.map((o) => o[0])).toEqual(sorted.map((o) => o[0]));
      for (const v of values) expect(records.filter((r) => r.hashValue === v)).toHaveLength(1);
      // Inclusive: starting at the last record's second returns it again.
      const again = await fetchPage(bank.app, partner.key, { startTimestamp: nextSetTimestamp, pageSize: 1000 });
      expect(again.body.hashRecords.map((r) => r.hashValue)).toContain(records.at(-1)!.hashValue);
      expect(again.body.hashRecords.every((r) => r.lastModtimestamp >= nextSetTimestamp)).toBe(true);
      // Beyond the newest change: empty page, checkpoint stays at startTimestamp.
      const future = await fetchPage(bank.app, partner.key, { startTimestamp: nextSetTimestamp + 1000 });
      expect(future.body).toEqual({
        count: 0,
        nextPageToken: null,
        nextSetTimestamp: nextSetTimestamp + 1000,
        hasMoreRecords: false,
        hashRecords: [],
      });
    });

    it('records carry every field StopNCII clients require, with known enum values only', async () => {
      const { records } = await readAll(bank, partner.key, 10, 50);
      expect(records.length).toBeGreaterThan(0);
      for (const r of records) {
        expect(Number.isInteger(r.lastModtimestamp)).toBe(true);
        expect(['ImagePDQ', 'VideoMD5']).toContain(r.signalType);
        expect(['Received', 'Active', 'Withdrawn', 'Deleted']).toContain(r.hashStatus);
        expect(Object.keys(r.caseNumbers).length).toBeGreaterThan(0);
        for (const [ref, st] of Object.entries(r.caseNumbers)) {
          expect(ref).toMatch(/^c_[0-9a-z]{16}$/);
          expect(['Received', 'Active', 'Withdrawn']).toContain(st);
        }
        expect(Array.isArray(r.CSPFeedbacks)).toBe(true);
        if (r.signalType === 'ImagePDQ') expect(r.hashValue).toMatch(/^[0-9a-f]{64}$/);
        if (r.signalType === 'VideoMD5') expect(r.hashValue).toMatch(/^[0-9a-f]{32}$/);
      }
    });

    it('never exposes case numbers, PINs or consent', async () => {
      const c = await createCase(bank.app, [{ signalType: 'pdq', value: randomPdq(), quality: 90 }], 'secret-pin-42');
      const res = await bank.app.inject({
        method: 'GET',
        url: '/v1/FetchHashes?startTimestamp=10&pageSize=5000',
        headers: { authorization: `Bearer ${partner.key}` },
      });
      expect(res.body).not.toContain(c.caseNumber.replace(/-/g, ''));
      expect(res.body).not.toContain(c.caseNumber);
      expect(res.body).not.toContain('secret-pin-42');
      expect(res.body).not.toContain('argon2');
      expect(res.body).not.toContain('over18');
    });

    it('rejects bad tokens, tokens of another partner and a changed startTimestamp', async () => {
      await createCase(bank.app, [{ signalType: 'pdq', value: randomPdq(), quality: 90 }]);
      await createCase(bank.app, [{ signalType: 'pdq', value: randomPdq(), quality: 90 }]);
      const first = await fetchPage(bank.app, partner.key, { startTimestamp: 10, pageSize: 1 });
      const token = first.body.nextPageToken!;
      expect(token).toBeTruthy();
      const other = await newPartner(bank, 'other');
      for (const [key, q] of [
        [partner.key, { startTimestamp: 10, nextPageToken: 'not-a-token' }],
        [other.key, { startTimestamp: 10, nextPageToken: token }],
        [partner.key, { startTimestamp: 11, nextPageToken: token }],
      ] as const) {
        const r = await fetchPage(bank.app, key, { ...q, pageSize: 1 });
        expect(r.status).toBe(400);
        expect(r.body.error?.code).toBe('INVALID_PAGE_TOKEN');
      }
      expect((await fetchPage(bank.app, partner.key, { startTimestamp: -1 })).body.error?.code).toBe('INVALID_REQUEST');
      expect((await fetchPage(bank.app, partner.key, { startTimestamp: 10, pageSize: 0 })).status).toBe(400);
    });

    it('a record changed while a client pages is met again later in the same pass, never lost', async () => {
      const hashes = Array.from({ length: 6 }, () => randomPdq());
      const cases: { caseNumber: string }[] = [];
      for (const h of hashes) cases.push(await createCase(bank.app, [{ signalType: 'pdq', value: h, quality: 90 }]));
      // Start at the second of our first hash (the cases may span several seconds on a slow machine).
      const start = (await readAll(bank, partner.key, 10, 1000)).records.find(
        (r) => r.hashValue === hashes[0],
      )!.lastModtimestamp;
      const seen = new Map<string, FeedRecord>();
      let token: string | undefined;
      let pages = 0;
      for (;;) {
        const { body } = await fetchPage(bank.app, partner.key, {
          startTimestamp: start,
          pageSize: 2,
          nextPageToken: token,
        });
        for (const r of body.hashRecords) seen.set(r.hashValue, r);
        pages++;
        if (pages === 1) {
          // Change one record already read and one not yet read, mid-pass.
          await post(bank.app, `/api/v1/cases/${cases[0].caseNumber}/withdraw`, { pin: goodPin });
          await post(bank.app, `/api/v1/cases/${cases[5].caseNumber}/withdraw`, { pin: goodPin });
        }
        if (!body.hasMoreRecords) break;
        token = body.nextPageToken!;
      }
      expect(seen.get(hashes[0])!.hashStatus).toBe('Withdrawn');
      expect(seen.get(hashes[5])!.hashStatus).toBe('Withdrawn');
      for (const h of hashes.slice(1, 5)) expect(seen.get(h)!.hashStatus).toBe('Active');
    });

    it('many changes within one second are all delivered to an incremental client', async () => {
      const { nextSetTimestamp } = await readAll(bank, partner.key, 10, 1000);
      const fresh = Array.from({ length: 15 }, () => randomMd5());
      for (const v of fresh) await createCase(bank.app, [{ signalType: 'md5', value: v }]);
      const { records } = await readAll(bank, partner.key, nextSetTimestamp, 4);
      const got = new Set(records.map((r) => r.hashValue));
      for (const v of fresh) expect(got.has(v)).toBe(true);
    });

    it('a submitted hash is visible to the very next incremental fetch', async () => {
      const { nextSetTimestamp } = await readAll(bank, partner.key, 10, 1000);
      const v = randomPdq();
      await createCase(bank.app, [{ signalType: 'pdq', value: v, quality: 90 }]);
      const next = await fetchPage(bank.app, partner.key, { startTimestamp: nextSetTimestamp, pageSize: 1000 });
      expect(next.body.hashRecords.map((r) => r.hashValue)).toContain(v);
    });

    it('vPDQ records go only to partners that opted in to extended types', async () => {
      const { encodeCompact } = await import('@unseen/vpdq');
      const hash = new Uint8Array(32).map((_, i) => (i * 73 + 11) & 255);
      const compact = encodeCompact([{ hash, hex: Buffer.from(hash).toString('hex'), quality: 90, timestamp: 0 }]);
      await createCase(bank.app, [{ signalType: 'vpdq', value: compact }]);
      const extended = await newPartner(bank, 'video-partner', true);
      const plain = await readAll(bank, partner.key, 10, 1000);
      const ext = await readAll(bank, extended.key, 10, 1000);
      expect(plain.records.some((r) => r.hashValue === compact)).toBe(false);
      expect(ext.records.find((r) => r.hashValue === compact)?.signalType).toBe('VideoVPDQ');
    });
  });

  describe('SubmitFeedback', () => {
    it('becomes visible in the case status, re-announces the record, and is private to its partner', async () => {
      const v = randomPdq();
      const c = await createCase(bank.app, [{ signalType: 'pdq', value: v, quality: 90 }]);
      const other = await newPartner(bank, 'feedback-other');
      const { nextSetTimestamp } = await readAll(bank, partner.key, 10, 1000);
      const r = await post(
        bank.app,
        '/v1/SubmitFeedback',
        {
          count: 2,
          hashFeedbacks: [
            { hashValue: v, feedbackValue: 'Blocked', tags: ['Nude'] },
            { hashValue: randomPdq(), feedbackValue: 'PendingReview', tags: [] },
          ],
        },
        { authorization: `Bearer ${partner.key}` },
      );
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ count: 2, accepted: 1 });
      expect((r.body.unknownHashValues as string[]).length).toBe(1);
      await post(
        bank.app,
        '/v1/SubmitFeedback',
        { count: 1, hashFeedbacks: [{ hashValue: v, feedbackValue: 'NotBlocked', tags: [] }] },
        {
          'ocp-apim-subscription-key': other.key,
        },
      );
      const status = await post(bank.app, `/api/v1/cases/${c.caseNumber}/status`, { pin: goodPin });
      const fb = (status.body.hashes as { feedback: Record<string, unknown> }[])[0].feedback;
      expect(fb).toMatchObject({ matched: 2, removed: 1, reviewedNotRemoved: 1 });
      expect(typeof fb.lastReportedAt).toBe('string');
      expect((status.body.timeline as { event: string }[]).filter((t) => t.event === 'partner_feedback')).toHaveLength(
        2,
      );
      const feed = await fetchPage(bank.app, partner.key, { startTimestamp: nextSetTimestamp, pageSize: 1000 });
      const rec = feed.body.hashRecords.find((x) => x.hashValue === v)!;
      expect(rec.CSPFeedbacks).toEqual([{ source: 'acme', feedbackValue: 'Blocked', tags: ['Nude'] }]);
      const otherFeed = await readAll(bank, other.key, nextSetTimestamp, 1000);
      expect(otherFeed.records.find((x) => x.hashValue === v)!.CSPFeedbacks).toEqual([
        { source: 'feedback-other', feedbackValue: 'NotBlocked', tags: [] },
      ]);
    });

    it('writes names and tags that need escaping as valid JSON, in the documented shape', async () => {
      // The page body is assembled as text (services/feed.ts), so escaping is checked on the wire.
      const name = 'Quote " back\\slash \u0007 tab\t \u2028 ünï 🙂';
      const tags = ['a"b', 'c\\d', 'line\nbreak', '\u0001 \u001f', 'ä€🙂', '</script>'];
      const p = await newPartner(bank, name);
      const v = randomPdq();
      const { nextSetTimestamp } = await readAll(bank, p.key, 10, 1000);
      await createCase(bank.app, [{ signalType: 'pdq', value: v, quality: 90 }]);
      const r = await post(
        bank.app,
        '/v1/SubmitFeedback',
        { count: 1, hashFeedbacks: [{ hashValue: v, feedbackValue: 'PendingReview', tags }] },
        { authorization: `Bearer ${p.key}` },
      );
      expect(r.body).toMatchObject({ accepted: 1 });
      const res = await bank.app.inject({
        method: 'GET',
        url: `/v1/FetchHashes?startTimestamp=${nextSetTimestamp}&pageSize=5000`,
        headers: { authorization: `Bearer ${p.key}` },
      });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const body = fetchHashesResponse.strict().parse(JSON.parse(res.body));
      expect(Object.keys(body)).toEqual([
        'count',
        'nextPageToken',
        'nextSetTimestamp',
        'hasMoreRecords',
        'hashRecords',
      ]);
      expect(body.count).toBe(body.hashRecords.length);
      const rec = body.hashRecords.find((x) => x.hashValue === v)!;
      expect(Object.keys(rec)).toEqual([
        'lastModtimestamp',
        'signalType',
        'hashValue',
        'hashStatus',
        'caseNumbers',
        'CSPFeedbacks',
      ]);
      expect(rec.CSPFeedbacks).toEqual([{ source: name, feedbackValue: 'PendingReview', tags }]);
      expect(body.hashRecords.filter((x) => x.hashValue !== v).every((x) => x.CSPFeedbacks.length === 0)).toBe(true);
    });

    it('rejects unknown feedback values and answers JSON', async () => {
      const r = await post(
        bank.app,
        '/v1/SubmitFeedback',
        { count: 1, hashFeedbacks: [{ hashValue: randomPdq(), feedbackValue: 'Undefined', tags: [] }] },
        { authorization: `Bearer ${partner.key}` },
      );
      expect(r.status).toBe(400);
      expect(r.body.error?.code).toBe('INVALID_REQUEST');
    });
  });

  describe('SubmitHashes', () => {
    it('accepts both signalType spellings, defaults feedback to Blocked, and feeds the hashes to everyone', async () => {
      const a = randomPdq();
      const b = randomMd5();
      const r = await post(
        bank.app,
        '/v1/SubmitHashes',
        {
          count: 2,
          hashRecords: [
            { lastModtimestamp: 0, signalType: 'StopNCIISignalType.ImagePDQ', hashValue: a, CSPFeedbacks: [] },
            {
              lastModtimestamp: 0,
              signalType: 'VideoMD5',
              hashValue: b,
              CSPFeedbacks: [{ tags: ['Adult'], feedbackValue: 'PendingReview' }],
            },
          ],
        },
        { 'ocp-apim-subscription-key': partner.key, 'x-functions-key': 'f' },
      );
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ count: 2, accepted: 2 });
      const mine = await readAll(bank, partner.key, 10, 1000);
      expect(mine.records.find((x) => x.hashValue === a)!.CSPFeedbacks[0].feedbackValue).toBe('Blocked');
      expect(mine.records.find((x) => x.hashValue === b)!.CSPFeedbacks[0]).toEqual({
        source: 'acme',
        feedbackValue: 'PendingReview',
        tags: ['Adult'],
      });
      const other = await newPartner(bank, 'submit-other');
      const theirs = await readAll(bank, other.key, 10, 1000);
      const rec = theirs.records.find((x) => x.hashValue === a)!;
      expect(rec.hashStatus).toBe('Active');
      expect(rec.CSPFeedbacks).toEqual([]);
    });

    it.each([
      ['VideoTMK', 'UNSUPPORTED_SIGNAL_TYPE'],
      ['Undefined', 'UNSUPPORTED_SIGNAL_TYPE'],
      ['VideoVPDQ', 'UNSUPPORTED_SIGNAL_TYPE'],
    ])('rejects signal type %s for a partner without extended types', async (signalType, code) => {
      const r = await post(
        bank.app,
        '/v1/SubmitHashes',
        { count: 1, hashRecords: [{ signalType, hashValue: randomPdq() }] },
        { authorization: `Bearer ${partner.key}` },
      );
      expect(r.status).toBe(400);
      expect(r.body.error?.code).toBe(code);
    });

    it('rejects malformed and degenerate hashes', async () => {
      for (const [hashValue, code] of [
        ['zz', 'INVALID_HASH'],
        ['0'.repeat(64), 'DEGENERATE_HASH'],
      ]) {
        const r = await post(
          bank.app,
          '/v1/SubmitHashes',
          { count: 1, hashRecords: [{ signalType: 'ImagePDQ', hashValue }] },
          { authorization: `Bearer ${partner.key}` },
        );
        expect(r.body.error?.code).toBe(code);
      }
    });
  });

  describe('audit log', () => {
    it('records every state change without secrets, and refuses edits', async () => {
      const entries = await rows<{ action: string; details: unknown; actor_type: string }>(
        bank.database.db,
        sql`SELECT action, details, actor_type FROM audit_log ORDER BY id`,
      );
      const actions = new Set(entries.map((e) => e.action));
      for (const a of [
        'partner.created',
        'partner.key_rotated',
        'partner.revoked',
        'case.created',
        'case.withdrawn',
        'feedback.submitted',
        'partner.hashes_submitted',
      ]) {
        expect(actions.has(a)).toBe(true);
      }
      const text = JSON.stringify(entries);
      expect(text).not.toContain(partner.key);
      expect(text).not.toContain(goodPin);
      await expect(bank.database.db.execute(sql`UPDATE audit_log SET action = 'x'`)).rejects.toThrow();
      await expect(bank.database.db.execute(sql`DELETE FROM audit_log`)).rejects.toThrow();
    });
  });
});
