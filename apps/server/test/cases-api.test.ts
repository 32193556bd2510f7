import { encodeCompact } from '@unseen/vpdq';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { num, rows } from '../src/db/rows.js';
import { unlockCase } from '../src/services/cases.js';
import {
  consent,
  createCase,
  engines,
  fetchPage,
  goodPin,
  newPartner,
  openTestBank,
  post,
  randomMd5,
  randomPdq,
  type TestBank,
} from './helpers.js';

describe.each(engines)('person-facing case API on %s', (engine) => {
  let bank: TestBank;
  beforeAll(async () => {
    bank = await openTestBank(engine, { maxHashesPerCase: 5 });
  });
  afterAll(async () => bank?.close());

  const create = (body: unknown) => post(bank.app, '/api/v1/cases', body);

  it('creates a case: 201, formatted case number, Active hashes', async () => {
    const pdq = randomPdq();
    const md5 = randomMd5();
    const r = await create({
      pin: goodPin,
      hashes: [
        { signalType: 'pdq', value: pdq.toUpperCase(), quality: 88 },
        { signalType: 'md5', value: md5 },
        { signalType: 'pdq', value: pdq, quality: 88 },
      ],
      consent,
    });
    expect(r.status).toBe(201);
    expect(r.body.caseNumber).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/);
    expect(r.body.status).toBe('Active');
    expect(typeof r.body.createdAt).toBe('string');
    // Duplicates collapse; values are stored lowercase.
    expect(r.body.hashes).toEqual([
      { signalType: 'pdq', value: pdq, status: 'Active' },
      { signalType: 'md5', value: md5, status: 'Active' },
    ]);
  });

  it('stores the PIN only as an argon2id hash and the consent record', async () => {
    const c = await createCase(bank.app, [{ signalType: 'pdq', value: randomPdq(), quality: 70 }], 'unique-pin-77');
    const [row] = await rows<{ pin_hash: string; consent: Record<string, unknown> | string }>(
      bank.database.db,
      sql`SELECT pin_hash, consent FROM cases WHERE case_number = ${c.caseNumber.replace(/-/g, '')}`,
    );
    expect(row.pin_hash).toMatch(/^\$argon2id\$/);
    expect(row.pin_hash).not.toContain('unique-pin-77');
    const consentRow = typeof row.consent === 'string' ? JSON.parse(row.consent) : row.consent;
    expect(consentRow).toMatchObject(consent);
  });

  it('accepts a vPDQ compact string from @unseen/vpdq and rejects a forged one', async () => {
    const frame = (seed: number) => {
      const hash = new Uint8Array(32);
      for (let i = 0; i < 32; i++) hash[i] = (seed * 131 + i * 97) & 255;
      return { hash, hex: Buffer.from(hash).toString('hex'), quality: 90, timestamp: seed };
    };
    const compact = encodeCompact([frame(1), frame(2), frame(3)]);
    const ok = await create({ pin: goodPin, hashes: [{ signalType: 'vpdq', value: compact }], consent });
    expect(ok.status).toBe(201);
    const bad = await create({ pin: goodPin, hashes: [{ signalType: 'vpdq', value: `${compact}A` }], consent });
    expect(bad.status).toBe(400);
    expect(bad.body.error?.code).toBe('INVALID_HASH');
  });

  describe('rejections (each a 4xx with a stable code; nothing stored)', () => {
    const pdq = () => ({ signalType: 'pdq', value: randomPdq(), quality: 90 });
    it.each([
      ['malformed PDQ', { hashes: [{ signalType: 'pdq', value: 'abc', quality: 90 }] }, 400, 'INVALID_HASH'],
      ['malformed MD5', { hashes: [{ signalType: 'md5', value: 'xyz' }] }, 400, 'INVALID_HASH'],
      ['PDQ quality 49', { hashes: [{ signalType: 'pdq', value: randomPdq(), quality: 49 }] }, 400, 'LOW_QUALITY_HASH'],
      ['all-zero PDQ', { hashes: [{ signalType: 'pdq', value: '0'.repeat(64), quality: 90 }] }, 400, 'DEGENERATE_HASH'],
      ['all-one PDQ', { hashes: [{ signalType: 'pdq', value: 'f'.repeat(64), quality: 90 }] }, 400, 'DEGENERATE_HASH'],
      [
        'low-entropy PDQ',
        { hashes: [{ signalType: 'pdq', value: 'ff00'.repeat(16), quality: 90 }] },
        400,
        'DEGENERATE_HASH',
      ],
      ['too many hashes', { hashes: [pdq(), pdq(), pdq(), pdq(), pdq(), pdq()] }, 400, 'TOO_MANY_HASHES'],
      ['no hashes', { hashes: [] }, 400, 'INVALID_REQUEST'],
      ['unknown signal type', { hashes: [{ signalType: 'tmk', value: 'x' }] }, 400, 'INVALID_REQUEST'],
      ['short PIN', { pin: '12345' }, 400, 'WEAK_PIN'],
      ['repeated PIN', { pin: '000000' }, 400, 'WEAK_PIN'],
      ['sequence PIN', { pin: '123456' }, 400, 'WEAK_PIN'],
      ['common PIN', { pin: '112233' }, 400, 'WEAK_PIN'],
      ['missing consent', { consent: undefined }, 400, 'CONSENT_REQUIRED'],
      ['partial consent', { consent: { ...consent, intimate: false } }, 400, 'CONSENT_REQUIRED'],
      ['consent as strings', { consent: { over18: 'yes' } }, 400, 'INVALID_REQUEST'],
      ['missing PIN', { pin: undefined }, 400, 'INVALID_REQUEST'],
    ])('%s', async (_name, override, status, code) => {
      const before = await rows<{ n: unknown }>(bank.database.db, sql`SELECT count(*) AS n FROM cases`);
      const body = { pin: goodPin, hashes: [pdq()], consent, ...override };
      const r = await create(body);
      expect(r.status).toBe(status);
      expect(r.body.error?.code).toBe(code);
      expect(typeof r.body.error?.message).toBe('string');
      const after = await rows<{ n: unknown }>(bank.database.db, sql`SELECT count(*) AS n FROM cases`);
      expect(num(after[0].n)).toBe(num(before[0].n));
    });

    it('a partly bad batch is rejected whole, with every bad hash listed by index', async () => {
      const good = randomPdq();
      const r = await create({
        pin: goodPin,
        hashes: [
          { signalType: 'pdq', value: good, quality: 90 },
          { signalType: 'pdq', value: '0'.repeat(64), quality: 90 },
          { signalType: 'md5', value: 'nope' },
        ],
        consent,
      });
      expect(r.status).toBe(400);
      expect(r.body.error?.code).toBe('DEGENERATE_HASH');
      const details = (r.body.error as unknown as { details: { index: number; code: string }[] }).details;
      expect(details.map((d) => [d.index, d.code])).toEqual([
        [1, 'DEGENERATE_HASH'],
        [2, 'INVALID_HASH'],
      ]);
      const stored = await rows(bank.database.db, sql`SELECT 1 FROM hashes WHERE value = ${good}`);
      expect(stored).toHaveLength(0);
    });

    it('malformed JSON -> MALFORMED_JSON', async () => {
      const res = await bank.app.inject({
        method: 'POST',
        url: '/api/v1/cases',
        headers: { 'content-type': 'application/json' },
        payload: '{"pin": ',
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe('MALFORMED_JSON');
    });

    it('oversized body -> PAYLOAD_TOO_LARGE', async () => {
      const res = await bank.app.inject({
        method: 'POST',
        url: '/api/v1/cases',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ pin: 'x'.repeat(2_000_000) }),
      });
      expect(res.statusCode).toBe(413);
      expect(res.json().error.code).toBe('PAYLOAD_TOO_LARGE');
    });

    it('wrong content type -> UNSUPPORTED_MEDIA_TYPE', async () => {
      const res = await bank.app.inject({
        method: 'POST',
        url: '/api/v1/cases',
        headers: { 'content-type': 'application/xml' },
        payload: '<case/>',
      });
      expect(res.statusCode).toBe(415);
      expect(res.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    });

    it('unknown route -> NOT_FOUND in the error shape', async () => {
      const res = await bank.app.inject({ method: 'GET', url: '/api/v1/nothing' });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String) } });
    });
  });

  it('status shows hashes, feedback and timeline; accepts the case number in any spelling', async () => {
    const pdq = randomPdq();
    const c = await createCase(bank.app, [{ signalType: 'pdq', value: pdq, quality: 77 }]);
    const typed = c.caseNumber.toLowerCase().replace(/-/g, ' ');
    const r = await post(bank.app, `/api/v1/cases/${encodeURIComponent(typed)}/status`, { pin: goodPin });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      caseNumber: c.caseNumber,
      status: 'Active',
      hashes: [
        {
          signalType: 'pdq',
          value: pdq,
          quality: 77,
          status: 'Active',
          feedback: { matched: 0, removed: 0, reviewedNotRemoved: 0, lastReportedAt: null },
        },
      ],
    });
    expect((r.body.timeline as { event: string }[]).map((t) => t.event)).toEqual(['created', 'shared_with_partners']);
  });

  it('a mistyped case number (bad check symbol) -> INVALID_CASE_NUMBER', async () => {
    const c = await createCase(bank.app, [{ signalType: 'pdq', value: randomPdq(), quality: 77 }]);
    const chars = c.caseNumber.split('');
    chars[0] = chars[0] === 'A' ? 'B' : 'A';
    const r = await post(bank.app, `/api/v1/cases/${chars.join('')}/status`, { pin: goodPin });
    expect(r.status).toBe(400);
    expect(r.body.error?.code).toBe('INVALID_CASE_NUMBER');
  });

  it('withdraw: every hash Withdrawn, idempotent, and the feed announces it', async () => {
    const partner = await newPartner(bank);
    const pdq = randomPdq();
    const c = await createCase(bank.app, [{ signalType: 'pdq', value: pdq, quality: 80 }]);
    const before = (await fetchPage(bank.app, partner.key, { startTimestamp: 10, pageSize: 5000 })).body;
    const rec0 = before.hashRecords.find((h) => h.hashValue === pdq)!;
    expect(rec0.hashStatus).toBe('Active');
    const w = await post(bank.app, `/api/v1/cases/${c.caseNumber}/withdraw`, { pin: goodPin });
    expect(w.status).toBe(200);
    expect(w.body.status).toBe('Withdrawn');
    expect((w.body.hashes as { status: string }[]).every((h) => h.status === 'Withdrawn')).toBe(true);
    expect((w.body.timeline as { event: string }[]).at(-1)?.event).toBe('withdrawn');
    const again = await post(bank.app, `/api/v1/cases/${c.caseNumber}/withdraw`, { pin: goodPin });
    expect(again.status).toBe(200);
    expect((again.body.timeline as { event: string }[]).filter((t) => t.event === 'withdrawn')).toHaveLength(1);
    const after = (await fetchPage(bank.app, partner.key, { startTimestamp: before.nextSetTimestamp, pageSize: 5000 }))
      .body;
    const rec = after.hashRecords.find((h) => h.hashValue === pdq)!;
    expect(rec.hashStatus).toBe('Withdrawn');
    expect(Object.values(rec.caseNumbers)).toEqual(['Withdrawn']);
    expect(rec.lastModtimestamp).toBeGreaterThanOrEqual(rec0.lastModtimestamp);
  });

  it('withdraw with a shared hash: the hash stays Active while another case holds it', async () => {
    const partner = await newPartner(bank);
    const shared = randomPdq();
    const onlyA = randomPdq();
    const a = await createCase(bank.app, [
      { signalType: 'pdq', value: shared, quality: 80 },
      { signalType: 'pdq', value: onlyA, quality: 80 },
    ]);
    const b = await createCase(bank.app, [{ signalType: 'pdq', value: shared, quality: 90 }], '808172');
    const start = (await fetchPage(bank.app, partner.key, { startTimestamp: 10, pageSize: 5000 })).body
      .nextSetTimestamp;
    await post(bank.app, `/api/v1/cases/${a.caseNumber}/withdraw`, { pin: goodPin });
    const feed = (await fetchPage(bank.app, partner.key, { startTimestamp: start, pageSize: 5000 })).body;
    const sharedRec = feed.hashRecords.find((h) => h.hashValue === shared)!;
    expect(sharedRec.hashStatus).toBe('Active');
    expect(Object.values(sharedRec.caseNumbers).sort()).toEqual(['Active', 'Withdrawn']);
    expect(feed.hashRecords.find((h) => h.hashValue === onlyA)!.hashStatus).toBe('Withdrawn');
    // B still sees its hash as Active; withdrawing B finally withdraws the hash.
    const bStatus = await post(bank.app, `/api/v1/cases/${b.caseNumber}/status`, { pin: '808172' });
    expect((bStatus.body.hashes as { status: string }[])[0].status).toBe('Active');
    await post(bank.app, `/api/v1/cases/${b.caseNumber}/withdraw`, { pin: '808172' });
    const feed2 = (await fetchPage(bank.app, partner.key, { startTimestamp: feed.nextSetTimestamp, pageSize: 5000 }))
      .body;
    expect(feed2.hashRecords.find((h) => h.hashValue === shared)!.hashStatus).toBe('Withdrawn');
    // Re-submitting a withdrawn hash in a new case makes it Active again.
    await createCase(bank.app, [{ signalType: 'pdq', value: shared, quality: 90 }], '550193');
    const feed3 = (await fetchPage(bank.app, partner.key, { startTimestamp: feed2.nextSetTimestamp, pageSize: 5000 }))
      .body;
    expect(feed3.hashRecords.find((h) => h.hashValue === shared)!.hashStatus).toBe('Active');
  });

  describe('brute-force protections', () => {
    it('unknown case and wrong PIN are identical in status and body, and both run one argon2 verification', async () => {
      const c = await createCase(bank.app, [{ signalType: 'pdq', value: randomPdq(), quality: 80 }]);
      const verify = vi.spyOn(bank.ctx.hasher, 'verify');
      const wrongPin = await bank.app.inject({
        method: 'POST',
        url: `/api/v1/cases/${c.caseNumber}/status`,
        payload: { pin: '999111' },
      });
      const verifiesForWrongPin = verify.mock.calls.length;
      verify.mockClear();
      const { generateCaseNumber, formatCaseNumber } = await import('../src/domain/caseNumber.js');
      const unknown = await bank.app.inject({
        method: 'POST',
        url: `/api/v1/cases/${formatCaseNumber(generateCaseNumber())}/status`,
        payload: { pin: '999111' },
      });
      const verifiesForUnknown = verify.mock.calls.length;
      verify.mockRestore();
      expect(wrongPin.statusCode).toBe(401);
      expect(unknown.statusCode).toBe(401);
      expect(wrongPin.body).toBe(unknown.body);
      expect(JSON.parse(wrongPin.body).error.code).toBe('INVALID_CREDENTIALS');
      expect(verifiesForWrongPin).toBe(1);
      expect(verifiesForUnknown).toBe(1);
    });

    it('locks after N wrong PINs; only the PIN holder learns it is locked; admin unlock restores access', async () => {
      const c = await createCase(bank.app, [{ signalType: 'pdq', value: randomPdq(), quality: 80 }]);
      const url = `/api/v1/cases/${c.caseNumber}/status`;
      for (let i = 0; i < bank.ctx.config.maxPinFailures; i++) {
        const r = await post(bank.app, url, { pin: `wrong-${i}-x` });
        expect(r.status).toBe(401);
      }
      const wrongWhileLocked = await post(bank.app, url, { pin: 'wrong-again' });
      expect(wrongWhileLocked.status).toBe(401);
      expect(wrongWhileLocked.body.error?.code).toBe('INVALID_CREDENTIALS');
      const rightWhileLocked = await post(bank.app, url, { pin: goodPin });
      expect(rightWhileLocked.status).toBe(423);
      expect(rightWhileLocked.body.error?.code).toBe('CASE_LOCKED');
      expect(Number(rightWhileLocked.headers['retry-after'])).toBeGreaterThan(0);
      const withdrawLocked = await post(bank.app, `/api/v1/cases/${c.caseNumber}/withdraw`, { pin: goodPin });
      expect(withdrawLocked.status).toBe(423);
      expect(await unlockCase(bank.ctx, c.caseNumber)).toEqual({ caseNumber: c.caseNumber, unlocked: true });
      const ok = await post(bank.app, url, { pin: goodPin });
      expect(ok.status).toBe(200);
      const events = (ok.body.timeline as { event: string }[]).map((t) => t.event);
      expect(events).toContain('locked_after_failed_pins');
      expect(events).toContain('unlocked');
    });

    it('a correct PIN resets the failure count', async () => {
      const c = await createCase(bank.app, [{ signalType: 'pdq', value: randomPdq(), quality: 80 }]);
      const url = `/api/v1/cases/${c.caseNumber}/status`;
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < bank.ctx.config.maxPinFailures - 1; i++) await post(bank.app, url, { pin: `nope-${i}-zz` });
        expect((await post(bank.app, url, { pin: goodPin })).status).toBe(200);
      }
    });
  });
});

describe.each(engines)('lockout cool-down and rate limits on %s', (engine) => {
  let bank: TestBank;
  beforeAll(async () => {
    bank = await openTestBank(engine, {
      lockoutSeconds: 1,
      maxPinFailures: 2,
      caseAccessPerCasePerMinute: 6,
      caseAccessPerIpPerMinute: 9,
      caseCreatePerIpPerMinute: 4,
    });
  });
  afterAll(async () => bank?.close());

  it('a locked case unlocks by itself after the cool-down', async () => {
    const c = await createCase(bank.app, [{ signalType: 'pdq', value: randomPdq(), quality: 80 }]);
    const url = `/api/v1/cases/${c.caseNumber}/status`;
    await post(bank.app, url, { pin: 'bad-one-1' });
    await post(bank.app, url, { pin: 'bad-one-2' });
    expect((await post(bank.app, url, { pin: goodPin })).status).toBe(423);
    await new Promise((r) => setTimeout(r, 1_300));
    expect((await post(bank.app, url, { pin: goodPin })).status).toBe(200);
  });

  it('limits attempts per case number (even unknown ones) and per client IP', async () => {
    const { generateCaseNumber, formatCaseNumber } = await import('../src/domain/caseNumber.js');
    const target = formatCaseNumber(generateCaseNumber());
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      statuses.push(
        (
          await bank.app.inject({
            method: 'POST',
            url: `/api/v1/cases/${target}/status`,
            payload: { pin: 'guess-000' },
            remoteAddress: `10.0.0.${i + 1}`,
          })
        ).statusCode,
      );
    }
    expect(statuses.slice(0, 6).every((s) => s === 401)).toBe(true);
    expect(statuses[6]).toBe(429);
    // Per IP: different case numbers from one address.
    const ipStatuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await bank.app.inject({
        method: 'POST',
        url: `/api/v1/cases/${formatCaseNumber(generateCaseNumber())}/status`,
        payload: { pin: 'guess-000' },
        remoteAddress: '10.9.9.9',
      });
      ipStatuses.push(res.statusCode);
      if (res.statusCode === 429) expect(res.json().error.code).toBe('RATE_LIMITED');
    }
    expect(ipStatuses.filter((s) => s === 401)).toHaveLength(9);
    expect(ipStatuses[9]).toBe(429);
  });

  it('limits case creation per client IP', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await bank.app.inject({
        method: 'POST',
        url: '/api/v1/cases',
        payload: { pin: goodPin, hashes: [{ signalType: 'md5', value: randomMd5() }], consent },
        remoteAddress: '10.7.7.7',
      });
      statuses.push(res.statusCode);
    }
    expect(statuses).toEqual([201, 201, 201, 201, 429]);
  });
});
