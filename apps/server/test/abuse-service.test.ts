// The abuse controls applied to state: quarantine on disputes, release and
// re-quarantine, flooding scan, allow-list decisions, and the hooks that rewrite
// the feed and the case status. Runs on PGlite with the console's tables; the
// bank's routes are stand-ins with the real paths and response shapes.
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FeedbackFact } from '../src/abuse/rules.js';
import { hashPassword } from '../src/operators/auth.js';
import { registerOperatorConsole } from '../src/operators/index.js';
import { OperatorStore } from '../src/operators/store.js';
import { consoleQueryable } from '../src/operators/bank-bridge.js';
import type { Queryable } from '../src/operators/sql.js';
import { engines, openTestDatabase } from './helpers.js';
import { MemoryBridge } from './operators-fixture.js';

const PDQ = 'ab'.repeat(32);
const NEAR_PDQ = `${'ab'.repeat(31)}a8`; // 2 bits away
const MD5 = '0123456789abcdef0123456789abcdef';

describe.each(engines)('abuse controls (service) on %s', (engine) => {
  let db: Queryable;
  let drop: () => Promise<void>;
  let app: FastifyInstance;
  let bridge: MemoryBridge;
  let clock: Date;
  let abuse: Awaited<ReturnType<typeof registerOperatorConsole>>['abuse'];

  const verdict = (partnerId: string, value: FeedbackFact['value'], minute: number) => ({
    partnerId,
    partnerName: partnerId.toUpperCase(),
    value,
    at: new Date(Date.UTC(2026, 10, 25, 12, minute)),
  });

  beforeAll(async () => {
    const opened = await openTestDatabase(engine);
    db = consoleQueryable(opened.database);
    drop = opened.drop;
  });
  afterAll(async () => drop?.());

  beforeEach(async () => {
    await db.query('TRUNCATE operators, operator_sessions, hash_moderation, allow_list, hash_match_reports CASCADE');
    clock = new Date('2026-11-25T13:00:00Z');
    bridge = new MemoryBridge();
    bridge.hashes.set(`pdq:${PDQ}`, { caseCount: 1, feedback: [] });
    app = Fastify();
    // Stand-ins for the bank's own routes, registered before the console like in the real app.
    app.post('/api/v1/cases', async (request, reply) => {
      const body = request.body as { hashes: { signalType: string; value: string }[] };
      reply.status(201);
      return { caseNumber: 'C', status: 'Active', hashes: body.hashes.map((h) => ({ ...h, status: 'Active' })) };
    });
    app.post('/api/v1/cases/:caseNumber/status', async () => ({
      caseNumber: 'C',
      hashes: [
        { signalType: 'pdq', value: PDQ, status: 'Active' },
        { signalType: 'md5', value: MD5, status: 'Active' },
      ],
    }));
    app.post('/v1/SubmitFeedback', async () => ({ ok: true }));
    ({ abuse } = await registerOperatorConsole(app, {
      db,
      bridge,
      floodScanIntervalMs: 0,
      abuse: { submissionsPerClientPerWindow: 3, maxHashesPerCase: 4 },
      now: () => clock,
    }));
    await app.ready();
    return () => app.close();
  });

  async function operatorSession(role: 'operator' | 'viewer' = 'operator') {
    await new OperatorStore(db).createOperator(`${role}@example.org`, role, await hashPassword('a long passphrase'));
    const res = await app.inject({
      method: 'POST',
      url: '/api/admin/login',
      payload: { email: `${role}@example.org`, password: 'a long passphrase' },
    });
    return { cookie: String(res.headers['set-cookie']).split(';')[0], 'x-csrf-token': res.json().csrfToken as string };
  }

  const feedback = () =>
    app.inject({
      method: 'POST',
      url: '/v1/SubmitFeedback',
      payload: { count: 1, hashFeedbacks: [{ hashValue: PDQ, feedbackValue: 'NotBlocked', tags: [] }] },
    });
  const held = () => bridge.distributionOf(`pdq:${PDQ}`) === 'held';
  const caseStatus = async () =>
    (await app.inject({ method: 'POST', url: '/api/v1/cases/C/status', payload: {} })).json().hashes as {
      value: string;
      status: string;
    }[];

  describe('disputed hashes', () => {
    it('one NotBlocked does nothing; a second partner quarantines, withholds from the feed as Deleted, and queues it', async () => {
      bridge.hashes.get(`pdq:${PDQ}`)!.feedback.push(verdict('a', 'NotBlocked', 1));
      await feedback();
      expect(held()).toBe(false);
      expect(bridge.distributionChanges).toEqual([]);

      bridge.hashes.get(`pdq:${PDQ}`)!.feedback.push(verdict('b', 'NotBlocked', 2));
      await feedback();
      // Withheld: the bank's feed serves a held hash as Deleted (tested against the real bank in abuse-bank.test.ts).
      expect(bridge.distributionChanges).toEqual([`held pdq:${PDQ}`]);
      expect(bridge.audits.find((a) => a.action === 'hash.quarantined')).toMatchObject({
        actor: { type: 'system', id: 'abuse' },
        subject: { type: 'hash', id: `pdq:${PDQ}` },
      });
      // The person sees a neutral state, nothing about disputes.
      expect(await caseStatus()).toEqual([
        { signalType: 'pdq', value: PDQ, status: 'UnderReview' },
        { signalType: 'md5', value: MD5, status: 'Active' },
      ]);

      const headers = await operatorSession();
      const queue = (await app.inject({ method: 'GET', url: '/api/admin/review', headers })).json().items;
      expect(queue).toHaveLength(1);
      expect(queue[0]).toMatchObject({
        value: PDQ,
        state: 'quarantined',
        reason: 'disputed',
        evidence: { notBlockedBy: ['a', 'b'] },
        caseCount: 1,
      });
      expect(queue[0].feedback.map((f: { partnerName: string }) => f.partnerName)).toEqual(['B', 'A']);
    });

    it('release puts the hash back in the feed and only new disputes re-quarantine it', async () => {
      const facts = bridge.hashes.get(`pdq:${PDQ}`)!;
      facts.feedback.push(verdict('a', 'NotBlocked', 1), verdict('b', 'NotBlocked', 2));
      await feedback();
      const headers = await operatorSession();
      clock = new Date('2026-11-25T13:10:00Z');
      const release = await app.inject({
        method: 'POST',
        url: '/api/admin/review/decide',
        headers,
        payload: { signalType: 'pdq', value: PDQ, decision: 'enable', note: 'reviewed: is NCII' },
      });
      expect(release.statusCode).toBe(200);
      expect(release.json().state).toBe('released');
      expect(bridge.distributionChanges).toEqual([`held pdq:${PDQ}`, `shared pdq:${PDQ}`]);
      expect((await caseStatus())[0].status).toBe('Active');

      // The same old disputes, re-sent, do not undo the operator's decision.
      await feedback();
      expect(held()).toBe(false);
      // Two fresh NotBlocked verdicts after the release do.
      facts.feedback.push(verdict('c', 'NotBlocked', 80), verdict('a', 'NotBlocked', 81));
      await feedback();
      expect(held()).toBe(true);
      expect(bridge.audits.filter((a) => a.action === 'hash.quarantined')).toHaveLength(2);
    });

    it('honours a configured threshold', async () => {
      await app.close();
      app = Fastify();
      app.post('/v1/SubmitFeedback', async () => ({ ok: true }));
      ({ abuse } = await registerOperatorConsole(app, {
        db,
        bridge,
        floodScanIntervalMs: 0,
        abuse: { disputeThreshold: 3 },
      }));
      bridge.hashes.get(`pdq:${PDQ}`)!.feedback.push(verdict('a', 'NotBlocked', 1), verdict('b', 'NotBlocked', 2));
      await feedback();
      expect(await new OperatorStore(db).getModeration('pdq', PDQ)).toBeNull();
      bridge.hashes.get(`pdq:${PDQ}`)!.feedback.push(verdict('c', 'NotBlocked', 3));
      await feedback();
      expect((await new OperatorStore(db).getModeration('pdq', PDQ))?.state).toBe('quarantined');
    });
  });

  describe('operator decisions', () => {
    it('disable withholds; allow-list withholds and blocks near-duplicate submissions; a viewer cannot decide', async () => {
      const viewer = await operatorSession('viewer');
      const denied = await app.inject({
        method: 'POST',
        url: '/api/admin/review/decide',
        headers: viewer,
        payload: { signalType: 'pdq', value: PDQ, decision: 'disable' },
      });
      expect(denied.statusCode).toBe(403);

      const headers = await operatorSession();
      const disable = await app.inject({
        method: 'POST',
        url: '/api/admin/review/decide',
        headers,
        payload: { signalType: 'pdq', value: PDQ, decision: 'disable' },
      });
      expect(disable.json().state).toBe('disabled');
      expect(held()).toBe(true);

      const allow = await app.inject({
        method: 'POST',
        url: '/api/admin/review/decide',
        headers,
        payload: { signalType: 'pdq', value: PDQ, decision: 'allow-list', note: 'stock photo' },
      });
      expect(allow.json().state).toBe('allow_listed');
      const submit = await app.inject({
        method: 'POST',
        url: '/api/v1/cases',
        payload: {
          hashes: [
            { signalType: 'md5', value: MD5 },
            { signalType: 'pdq', value: NEAR_PDQ },
          ],
        },
      });
      expect(submit.statusCode).toBe(422);
      expect(submit.json().error).toMatchObject({ code: 'HASH_NOT_ACCEPTED' });
      expect(bridge.audits.map((a) => a.action)).toEqual(
        expect.arrayContaining(['hash.disabled', 'allow_list.added', 'hash.allow_listed']),
      );
    });
  });

  describe('submission controls', () => {
    it('allow-list entries added by hand are checked with the Hamming radius for PDQ and exactly for MD5', async () => {
      const headers = await operatorSession();
      await app.inject({
        method: 'POST',
        url: '/api/admin/allow-list',
        headers,
        payload: { signalType: 'md5', value: MD5.toUpperCase() },
      });
      const md5 = await app.inject({
        method: 'POST',
        url: '/api/v1/cases',
        payload: { hashes: [{ signalType: 'md5', value: MD5 }] },
      });
      expect(md5.statusCode).toBe(422);
      const otherMd5 = await app.inject({
        method: 'POST',
        url: '/api/v1/cases',
        payload: { hashes: [{ signalType: 'md5', value: `${MD5.slice(0, 31)}0` }] },
      });
      expect(otherMd5.statusCode).toBe(201);
    });

    it('limits hashes per case and cases per client', async () => {
      const tooMany = await app.inject({
        method: 'POST',
        url: '/api/v1/cases',
        payload: { hashes: Array.from({ length: 5 }, (_, i) => ({ signalType: 'md5', value: `${i}`.repeat(32) })) },
      });
      expect(tooMany.statusCode).toBe(400);
      expect(tooMany.json().error.code).toBe('TOO_MANY_HASHES');
      for (let i = 0; i < 3; i++) {
        const ok = await app.inject({
          method: 'POST',
          url: '/api/v1/cases',
          payload: { hashes: [{ signalType: 'md5', value: MD5 }] },
        });
        expect(ok.statusCode).toBe(201);
      }
      const limited = await app.inject({
        method: 'POST',
        url: '/api/v1/cases',
        payload: { hashes: [{ signalType: 'md5', value: MD5 }] },
      });
      expect(limited.statusCode).toBe(429);
      expect(limited.json().error.code).toBe('RATE_LIMITED');
    });
  });

  describe('flooding', () => {
    it('queues a flooding hash without withholding it, and an operator can then disable it', async () => {
      const seed: [string, string, number][] = [
        ['md5', 'a', 2],
        ['md5', 'b', 3],
        ['md5', 'c', 2],
        ['md5', 'd', 1],
        ['md5', 'e', 2],
        ['pdq', PDQ, 300],
      ];
      for (const [signalType, value, reports] of seed) {
        await db.query(`INSERT INTO hash_match_reports VALUES ($1, $2, '2026-11-24', $3)`, [
          signalType,
          value,
          reports,
        ]);
      }
      // Reports older than the window do not count.
      await db.query(`INSERT INTO hash_match_reports VALUES ('md5', 'old', '2026-10-01', 5000)`);
      // Reports arrive through SubmitFeedback: match verdicts count, others do not.
      for (const feedbackValue of ['PendingReview', 'Blocked', 'Withdrawn']) {
        for (let i = 0; i < 50; i++) {
          await app.inject({
            method: 'POST',
            url: '/v1/SubmitFeedback',
            payload: { count: 1, hashFeedbacks: [{ hashValue: PDQ, feedbackValue, tags: [] }] },
          });
        }
      }
      const queued = await abuse.scanFlooding(clock);
      expect(queued).toEqual([`pdq:${PDQ}`]);
      expect(held()).toBe(false);
      const headers = await operatorSession();
      const item = (await app.inject({ method: 'GET', url: '/api/admin/review', headers })).json().items[0];
      expect(item).toMatchObject({
        state: 'flagged',
        reason: 'flooding',
        evidence: { reports: 400, baseline: 2, ratio: 200 },
      });
      // A second scan does not queue it twice.
      expect(await abuse.scanFlooding(clock)).toEqual([]);
      const scan = await app.inject({ method: 'POST', url: '/api/admin/abuse/scan', headers });
      expect(scan.json()).toEqual({ queued: [] });
    });
  });
});
