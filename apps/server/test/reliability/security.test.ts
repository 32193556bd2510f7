// Security properties of the bank's HTTP surface: headers, CORS, body limits, partner
// isolation, PIN-gated case access and uniform key rejection. See docs/security.md.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { trustProxyFromEnv } from '../../src/config.js';
import { formatCaseNumber, generateCaseNumber } from '../../src/domain/caseNumber.js';
import { revokePartner } from '../../src/services/partners.js';
import {
  createCase,
  engines,
  fetchPage,
  goodPin,
  newPartner,
  openTestBank,
  post,
  randomPdq,
  type TestBank,
} from '../helpers.js';

describe('HTTP security headers and CORS (no database engine involved)', () => {
  let bank: TestBank;
  let proxied: TestBank;
  beforeAll(async () => {
    bank = await openTestBank('pglite');
    proxied = await openTestBank('pglite', { trustProxy: true });
  });
  afterAll(async () => {
    await bank?.close();
    await proxied?.close();
  });

  it('every answer carries a strict CSP, frame-ancestors none, no-referrer and nosniff', async () => {
    for (const [method, url] of [
      ['GET', '/healthz'],
      ['GET', '/v1/FetchHashes'],
      ['POST', '/api/v1/cases'],
      ['GET', '/no/such/page'],
    ] as const) {
      const res = await bank.app.inject({ method, url, ...(method === 'POST' ? { payload: {} } : {}) });
      const csp = String(res.headers['content-security-policy']);
      expect(csp, url).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("object-src 'none'");
      // 'wasm-unsafe-eval' permits WebAssembly compilation (the PDQ kernel), never eval() or inline script.
      expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'");
      expect(csp).not.toMatch(/'unsafe-inline'|'unsafe-eval'/);
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(res.headers['x-powered-by']).toBeUndefined();
    }
  });

  it('HSTS is sent over HTTPS (behind a trusted TLS proxy) and not over plain HTTP', async () => {
    const res = await proxied.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-forwarded-proto': 'https' } });
    expect(res.headers['strict-transport-security']).toMatch(/^max-age=\d{8,}; includeSubDomains$/);
    const plain = await bank.app.inject({ method: 'GET', url: '/healthz' });
    expect(plain.headers['strict-transport-security']).toBeUndefined();
    // Without trustProxy a client cannot claim HTTPS by sending the header itself.
    const spoofed = await bank.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-forwarded-proto': 'https' },
    });
    expect(spoofed.headers['strict-transport-security']).toBeUndefined();
    // Errors carry it too.
    const missing = await proxied.app.inject({
      method: 'GET',
      url: '/no/such',
      headers: { 'x-forwarded-proto': 'https' },
    });
    expect(missing.headers['strict-transport-security']).toMatch(/^max-age=/);
  });

  it('UNSEEN_TRUST_PROXY: off by default, true/1 for any proxy, or the proxy addresses only', async () => {
    expect([undefined, '', 'false', '0'].map((v) => trustProxyFromEnv(v))).toEqual([false, false, false, false]);
    expect([trustProxyFromEnv('true'), trustProxyFromEnv('1')]).toEqual([true, true]);
    expect(trustProxyFromEnv(' 10.0.0.0/8,127.0.0.1 ')).toBe('10.0.0.0/8,127.0.0.1');
    // inject() connects from 127.0.0.1: a listed proxy is believed, an unlisted one is not.
    for (const [trusted, hsts] of [
      ['127.0.0.1', true],
      ['10.1.2.3', false],
    ] as const) {
      const b = await openTestBank('pglite', { trustProxy: trusted });
      try {
        const res = await b.app.inject({ method: 'GET', url: '/healthz', headers: { 'x-forwarded-proto': 'https' } });
        expect(res.headers['strict-transport-security'] !== undefined, trusted).toBe(hsts);
      } finally {
        await b.close();
      }
    }
  });

  it('CORS is closed: a foreign origin gets no Access-Control-Allow-* header, preflights are not honoured', async () => {
    const origin = 'https://evil.example';
    const simple = await bank.app.inject({ method: 'GET', url: '/healthz', headers: { origin } });
    expect(simple.headers['access-control-allow-origin']).toBeUndefined();
    expect(simple.headers['access-control-allow-credentials']).toBeUndefined();
    const create = await bank.app.inject({ method: 'POST', url: '/api/v1/cases', headers: { origin }, payload: {} });
    expect(create.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await bank.app.inject({
      method: 'OPTIONS',
      url: '/api/v1/cases',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.statusCode).toBeGreaterThanOrEqual(400);
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    expect(preflight.headers['access-control-allow-methods']).toBeUndefined();
  });

  it('a body over the default 1 MiB limit is refused with 413 PAYLOAD_TOO_LARGE', async () => {
    const res = await bank.app.inject({
      method: 'POST',
      url: '/api/v1/cases',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ pin: goodPin, hashes: [], pad: 'x'.repeat(1_100_000) }),
    });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toEqual({ error: { code: 'PAYLOAD_TOO_LARGE', message: expect.any(String) } });
  });
});

describe.each(engines)('access control on %s', (engine) => {
  let bank: TestBank;
  beforeAll(async () => {
    bank = await openTestBank(engine);
  });
  afterAll(async () => {
    await bank?.close();
  });

  it('a case cannot be read or withdrawn without its PIN; unknown case and wrong PIN look the same', async () => {
    const hash = randomPdq();
    const created = await createCase(bank.app, [{ signalType: 'pdq', value: hash, quality: 90 }]);
    const wrong = await post(bank.app, `/api/v1/cases/${created.caseNumber}/status`, { pin: '739164' });
    // A well-formed number (valid check symbol) that belongs to no case.
    const unknown = await post(bank.app, `/api/v1/cases/${formatCaseNumber(generateCaseNumber())}/status`, {
      pin: goodPin,
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(JSON.stringify(wrong.body)).not.toContain(hash);
    expect((await post(bank.app, `/api/v1/cases/${created.caseNumber}/status`, {})).status).toBe(400);
    const withdraw = await post(bank.app, `/api/v1/cases/${created.caseNumber}/withdraw`, { pin: '739164' });
    expect(withdraw.status).toBe(401);
    const still = await post(bank.app, `/api/v1/cases/${created.caseNumber}/status`, { pin: goodPin });
    expect(still.status).toBe(200);
    expect(still.body.status).toBe('Active');
  });

  it('partners never see another partner’s feedback, cannot overwrite it, and cannot use its page tokens', async () => {
    const a = await newPartner(bank);
    const b = await newPartner(bank);
    const hash = randomPdq();
    const created = await createCase(bank.app, [{ signalType: 'pdq', value: hash, quality: 90 }]);
    const fbA = await post(
      bank.app,
      '/v1/SubmitFeedback',
      { hashFeedbacks: [{ hashValue: hash, feedbackValue: 'Blocked', tags: ['a-secret-tag'] }] },
      { authorization: `Bearer ${a.key}` },
    );
    expect(fbA.status).toBe(200);
    const fbB = await post(
      bank.app,
      '/v1/SubmitFeedback',
      { hashFeedbacks: [{ hashValue: hash, feedbackValue: 'NotBlocked', tags: [] }] },
      { authorization: `Bearer ${b.key}` },
    );
    expect(fbB.status).toBe(200);

    const recordFor = async (key: string) => {
      const records = [];
      let page = await fetchPage(bank.app, key, { startTimestamp: 10, pageSize: 500 });
      records.push(...page.body.hashRecords);
      while (page.body.nextPageToken) {
        page = await fetchPage(bank.app, key, { nextPageToken: page.body.nextPageToken });
        records.push(...page.body.hashRecords);
      }
      return records.find((r) => r.hashValue === hash)!;
    };
    const seenByA = await recordFor(a.key);
    const seenByB = await recordFor(b.key);
    // Each partner sees only its own verdict: B's NotBlocked did not replace A's Blocked.
    expect(seenByA.CSPFeedbacks).toEqual([{ source: a.name, feedbackValue: 'Blocked', tags: ['a-secret-tag'] }]);
    expect(seenByB.CSPFeedbacks).toEqual([{ source: b.name, feedbackValue: 'NotBlocked', tags: [] }]);
    expect(JSON.stringify(seenByB)).not.toContain('a-secret-tag');
    // Feed keys are opaque partner refs, never the person's case number.
    expect(Object.keys(seenByA.caseNumbers).join()).not.toContain(created.caseNumber.replace(/-/g, ''));
    // The person sees both reports, counted.
    const status = await post(bank.app, `/api/v1/cases/${created.caseNumber}/status`, { pin: goodPin });
    const fb = (
      status.body.hashes as { feedback: { matched: number; removed: number; reviewedNotRemoved: number } }[]
    )[0].feedback;
    expect(fb).toMatchObject({ matched: 2, removed: 1, reviewedNotRemoved: 1 });

    // A's page token is bound to A.
    const pageA = await fetchPage(bank.app, a.key, { startTimestamp: 10, pageSize: 1 });
    expect(pageA.body.nextPageToken).toBeTruthy();
    const stolen = await fetchPage(bank.app, b.key, { nextPageToken: pageA.body.nextPageToken! });
    expect(stolen.status).toBe(400);
    expect(stolen.body.error?.code).toBe('INVALID_PAGE_TOKEN');
  });

  it('SubmitHashes is attributed to its sender; another partner re-submitting the hash changes nothing of the first', async () => {
    const a = await newPartner(bank);
    const b = await newPartner(bank);
    const hash = randomPdq();
    const byA = await post(
      bank.app,
      '/v1/SubmitHashes',
      {
        hashRecords: [
          { signalType: 'ImagePDQ', hashValue: hash, CSPFeedbacks: [{ feedbackValue: 'Blocked', tags: ['mine'] }] },
        ],
      },
      { authorization: `Bearer ${a.key}` },
    );
    expect(byA.status).toBe(200);
    const byB = await post(
      bank.app,
      '/v1/SubmitHashes',
      {
        hashRecords: [{ signalType: 'ImagePDQ', hashValue: hash, CSPFeedbacks: [{ feedbackValue: 'PendingReview' }] }],
      },
      { authorization: `Bearer ${b.key}` },
    );
    expect(byB.status).toBe(200);
    const { rows } = await import('../../src/db/rows.js');
    const { sql } = await import('drizzle-orm');
    const owners = await rows<{ submitted_by_partner: string }>(
      bank.database.db,
      sql`SELECT c.submitted_by_partner FROM cases c JOIN case_hashes ch ON ch.case_id = c.id JOIN hashes h ON h.id = ch.hash_id
          WHERE h.value = ${hash} ORDER BY c.id`,
    );
    expect(owners.map((o) => o.submitted_by_partner)).toEqual([a.id, b.id]);
    const feedback = await rows<{ partner_id: string; feedback_value: string }>(
      bank.database.db,
      sql`SELECT f.partner_id, f.feedback_value FROM partner_feedback f JOIN hashes h ON h.id = f.hash_id WHERE h.value = ${hash} ORDER BY f.partner_id`,
    );
    expect(new Map(feedback.map((f) => [f.partner_id, f.feedback_value]))).toEqual(
      new Map([
        [a.id, 'Blocked'],
        [b.id, 'PendingReview'],
      ]),
    );
  });

  it('wrong, unknown, malformed, missing and revoked keys are all rejected the same way, with the same work', async () => {
    const p = await newPartner(bank);
    const revoked = await newPartner(bank);
    await revokePartner(bank.ctx, revoked.id);
    const [prefix, keyId] = p.key.split('_');
    const candidates: Record<string, Record<string, string>> = {
      wrongSecret: { authorization: `Bearer ${prefix}_${keyId}_${'A'.repeat(43)}` },
      unknownKeyId: { authorization: `Bearer ${prefix}_${'0'.repeat(16)}_${p.key.split('_')[2]}` },
      malformed: { authorization: 'Bearer not-a-key' },
      basicScheme: { authorization: `Basic ${Buffer.from(`x:${p.key}`).toString('base64')}` },
      subscriptionWrong: { 'ocp-apim-subscription-key': `${p.key}x` },
      functionsKeyOnly: { 'x-functions-key': p.key },
      revoked: { authorization: `Bearer ${revoked.key}` },
      missing: {},
    };
    const verify = vi.spyOn(bank.ctx.hasher, 'verify');
    const bodies = new Set<string>();
    for (const [name, headers] of Object.entries(candidates)) {
      verify.mockClear();
      const res = await bank.app.inject({ method: 'GET', url: '/v1/FetchHashes?startTimestamp=10', headers });
      expect(res.statusCode, name).toBe(401);
      bodies.add(res.body);
      // One argon2id verification whether or not the key id exists (verifyDummy goes through verify),
      // so response time does not reveal which key ids are real. A missing key is rejected before any work.
      expect(verify.mock.calls.length, name).toBe(
        ['missing', 'functionsKeyOnly', 'basicScheme'].includes(name) ? 0 : 1,
      );
    }
    verify.mockRestore();
    expect([...bodies]).toEqual([
      JSON.stringify({ error: { code: 'UNAUTHORIZED', message: 'A valid partner API key is required.' } }),
    ]);
    // And the right key works, by either header.
    expect((await fetchPage(bank.app, p.key, { startTimestamp: 10 })).status).toBe(200);
  });

  it('a partner never receives PINs, consent records or case numbers in the feed', async () => {
    const p = await newPartner(bank);
    const created = await createCase(bank.app, [{ signalType: 'pdq', value: randomPdq(), quality: 90 }], '582946');
    const page = await fetchPage(bank.app, p.key, { startTimestamp: 10, pageSize: 5000 });
    const text = JSON.stringify(page.body);
    expect(text).not.toContain('582946');
    expect(text).not.toContain(created.caseNumber);
    expect(text).not.toContain(created.caseNumber.replace(/-/g, ''));
    expect(text).not.toMatch(/argon2|over18|agreesToTerms|consent/);
  });
});
