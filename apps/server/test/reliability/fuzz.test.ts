// Hostile input against every route of the bank (taken from its own OpenAPI document, so new
// routes are fuzzed without touching this file): random and mutated JSON bodies, raw junk,
// wrong content types, random query strings, path parameters and auth headers. The answer is
// always a 4xx (or a 2xx for an input that happens to be valid) with the closed error shape,
// never a 5xx, and the bank keeps serving afterwards. Seeded and bounded.
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatCaseNumber, generateCaseNumber } from '../../src/domain/caseNumber.js';
import { bankErrorCodes } from '../../src/errors.js';
import { consent, engines, goodPin, newPartner, openTestBank, randomPdq, type TestBank } from '../helpers.js';

const SEED = 20261125;
const RUNS = 60;
const closedCodes = new Set<string>(bankErrorCodes);

const printable = (maxLength: number) =>
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength });

interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  path: string;
}

function routesOf(app: FastifyInstance): Route[] {
  const doc = app.swagger() as { paths: Record<string, Record<string, unknown>> };
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.keys(ops)
      .filter((m) => ['get', 'post', 'put', 'delete', 'patch'].includes(m))
      .map((m) => ({ method: m.toUpperCase() as Route['method'], path })),
  );
}

function fillPath(path: string, param: string): string {
  return path.replace(/\{[^}]+\}/g, encodeURIComponent(param));
}

/** The invariant: a well-formed answer that is never a server error. */
function expectWellFormed(
  res: { statusCode: number; body: string; headers: Record<string, unknown> },
  what: string,
): void {
  expect(res.statusCode, `${what} -> ${res.statusCode} ${res.body.slice(0, 300)}`).toBeLessThan(500);
  if (res.statusCode >= 400) {
    let parsed: { error?: { code?: unknown; message?: unknown } };
    try {
      parsed = JSON.parse(res.body) as typeof parsed;
    } catch {
      throw new Error(`${what}: error body is not JSON: ${res.body.slice(0, 200)}`);
    }
    expect(typeof parsed.error?.message, what).toBe('string');
    expect(
      closedCodes.has(String(parsed.error?.code)),
      `${what}: code ${String(parsed.error?.code)} not in the closed set`,
    ).toBe(true);
  }
}

const contentTypes = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/octet-stream',
  'application/json; charset=latin1',
  '',
  ';;;',
  'application/json, text/plain',
);

/** Valid bodies of the main routes, to mutate one field at a time (structure-aware fuzzing). */
function validBodies(): Record<string, Record<string, unknown>> {
  return {
    '/api/v1/cases': { pin: goodPin, hashes: [{ signalType: 'pdq', value: randomPdq(), quality: 90 }], consent },
    status: { pin: goodPin },
    '/v1/SubmitFeedback': { hashFeedbacks: [{ hashValue: randomPdq(), feedbackValue: 'Blocked', tags: [] }] },
    '/v1/SubmitHashes': { hashRecords: [{ signalType: 'ImagePDQ', hashValue: randomPdq() }] },
  };
}

/** Replaces the value at a random path of `body` with a random JSON value. */
function mutate(body: unknown, pathPicks: number[], replacement: unknown): unknown {
  if (pathPicks.length === 0 || body === null || typeof body !== 'object') return replacement;
  const copy: Record<string, unknown> | unknown[] = Array.isArray(body)
    ? [...body]
    : { ...(body as Record<string, unknown>) };
  const keys = Object.keys(copy);
  if (keys.length === 0) return replacement;
  const key = keys[pathPicks[0] % keys.length];
  (copy as Record<string, unknown>)[key] = mutate(
    (copy as Record<string, unknown>)[key],
    pathPicks.slice(1),
    replacement,
  );
  return copy;
}

describe.each(engines)('hostile HTTP input on %s', (engine) => {
  let bank: TestBank;
  let routes: Route[];
  let partnerKey: string;
  beforeAll(async () => {
    bank = await openTestBank(engine, { bodyLimitBytes: 64 * 1024 });
    routes = routesOf(bank.app);
    partnerKey = (await newPartner(bank)).key;
  });
  afterAll(async () => {
    await bank?.close();
  });

  const healthy = async () => {
    const res = await bank.app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
  };

  it('covers the person, partner and console APIs', () => {
    const paths = routes.map((r) => `${r.method} ${r.path}`);
    expect(paths).toEqual(
      expect.arrayContaining([
        'POST /api/v1/cases',
        'POST /api/v1/cases/{caseNumber}/status',
        'POST /api/v1/cases/{caseNumber}/withdraw',
        'GET /v1/FetchHashes',
        'POST /v1/SubmitFeedback',
        'POST /v1/SubmitHashes',
      ]),
    );
    expect(routes.length).toBeGreaterThan(10);
  });

  it('random JSON bodies, path parameters and auth headers on every route', { timeout: 300_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat(),
        fc.jsonValue({ maxDepth: 4 }),
        printable(80),
        fc.option(
          fc.oneof(
            printable(120),
            printable(40).map((s) => `Bearer ${s}`),
            fc.constant(`Bearer ${partnerKey}`),
          ),
          { nil: undefined },
        ),
        fc.option(printable(120), { nil: undefined }),
        async (pick, body, param, authorization, subscriptionKey) => {
          const route = routes[pick % routes.length];
          const headers: Record<string, string> = { 'content-type': 'application/json' };
          if (authorization !== undefined) headers.authorization = authorization;
          if (subscriptionKey !== undefined) headers['ocp-apim-subscription-key'] = subscriptionKey;
          const res = await bank.app.inject({
            method: route.method,
            url: fillPath(route.path, param),
            headers,
            ...(route.method === 'GET' || route.method === 'DELETE' ? {} : { payload: JSON.stringify(body) }),
          });
          expectWellFormed(res, `${route.method} ${route.path} ${JSON.stringify(body).slice(0, 200)}`);
        },
      ),
      { seed: SEED, numRuns: RUNS * 4 },
    );
    await healthy();
  });

  it('valid bodies with one field replaced by a random value (wrong types, huge strings, nesting)', {
    timeout: 300_000,
  }, async () => {
    const hugeString = fc.integer({ min: 1_000, max: 60_000 }).map((n) => 'f'.repeat(n));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/api/v1/cases', 'status', '/v1/SubmitFeedback', '/v1/SubmitHashes'),
        fc.array(fc.nat(), { maxLength: 4 }),
        fc.oneof(
          fc.jsonValue({ maxDepth: 3 }),
          hugeString,
          fc.constantFrom(null, -1, 1e308, Number.MAX_SAFE_INTEGER, '', [], {}, true),
        ),
        async (which, pathPicks, replacement) => {
          const body = mutate(validBodies()[which], pathPicks, replacement);
          const url = which === 'status' ? `/api/v1/cases/${formatCaseNumber(generateCaseNumber())}/status` : which;
          const res = await bank.app.inject({
            method: 'POST',
            url,
            headers: { 'content-type': 'application/json', authorization: `Bearer ${partnerKey}` },
            payload: JSON.stringify(body),
          });
          expectWellFormed(res, `${which} ${JSON.stringify(body).slice(0, 200)}`);
        },
      ),
      { seed: SEED + 1, numRuns: RUNS * 3 },
    );
    await healthy();
  });

  it('malformed JSON, raw junk and weird content types', { timeout: 300_000 }, async () => {
    const junk = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('latin1')),
      fc.jsonValue().map((v) => JSON.stringify(v).slice(0, -1)), // truncated JSON
      fc.constantFrom(
        '{',
        '[',
        '{"pin":',
        '\u0000',
        '{"a":1}{"b":2}',
        '{"__proto__":{"x":1}}',
        '{"constructor":{"prototype":{}}}',
      ),
    );
    await fc.assert(
      fc.asyncProperty(fc.nat(), junk, contentTypes, async (pick, payload, contentType) => {
        const posts = routes.filter((r) => r.method !== 'GET');
        const route = posts[pick % posts.length];
        const res = await bank.app.inject({
          method: route.method,
          url: fillPath(route.path, '7QK2-M9XD-4HTB-RW3E'),
          headers: { ...(contentType ? { 'content-type': contentType } : {}), authorization: `Bearer ${partnerKey}` },
          payload,
        });
        expectWellFormed(
          res,
          `${route.method} ${route.path} [${contentType}] ${JSON.stringify(payload).slice(0, 120)}`,
        );
      }),
      { seed: SEED + 2, numRuns: RUNS * 3 },
    );
    await healthy();
  });

  it('random query strings on FetchHashes and every GET route', { timeout: 300_000 }, async () => {
    const gets = routes.filter((r) => r.method === 'GET');
    const queryValue = fc.oneof(
      printable(60),
      fc.integer().map(String),
      fc.double().map(String),
      fc.constantFrom('-1', '1e400', 'NaN', '0x10', '99999999999999999999999', '', '%00', '%ZZ', 'eyJ2IjoxfQ'),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.nat(),
        fc.dictionary(
          fc.constantFrom('startTimestamp', 'pageSize', 'nextPageToken', 'x', 'status', 'q', 'limit', 'cursor'),
          queryValue,
          { maxKeys: 4 },
        ),
        fc.boolean(),
        async (pick, query, rawPercent) => {
          const route = gets[pick % gets.length];
          const qs = Object.entries(query)
            .map(([k, v]) => `${k}=${rawPercent ? v.replace(/[^\x21-\x7e]/g, '') : encodeURIComponent(v)}`)
            .join('&');
          const res = await bank.app.inject({
            method: 'GET',
            url: `${fillPath(route.path, 'x')}?${qs}`,
            headers: { 'ocp-apim-subscription-key': partnerKey },
          });
          expectWellFormed(res, `GET ${route.path}?${qs}`);
        },
      ),
      { seed: SEED + 3, numRuns: RUNS * 3 },
    );
    await healthy();
  });

  it('forged page tokens are refused with INVALID_PAGE_TOKEN, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 2 }), async (payload) => {
        const token = Buffer.from(JSON.stringify(payload)).toString('base64url');
        const res = await bank.app.inject({
          method: 'GET',
          url: `/v1/FetchHashes?nextPageToken=${token}`,
          headers: { authorization: `Bearer ${partnerKey}` },
        });
        expectWellFormed(res, `token ${JSON.stringify(payload)}`);
        expect(res.statusCode).toBe(400);
        expect((JSON.parse(res.body) as { error: { code: string } }).error.code).toMatch(
          /INVALID_PAGE_TOKEN|INVALID_REQUEST/,
        );
      }),
      { seed: SEED + 4, numRuns: RUNS },
    );
  });

  it('an oversized body is refused with 413 PAYLOAD_TOO_LARGE before it is parsed, and the bank keeps serving', async () => {
    for (const url of ['/api/v1/cases', '/v1/SubmitHashes', '/api/v1/cases/7QK2-M9XD-4HTB-RW3E/status']) {
      const payload = JSON.stringify({ pin: 'x'.repeat(70 * 1024) });
      const res = await bank.app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${partnerKey}` },
        payload,
      });
      expect(res.statusCode).toBe(413);
      expect(JSON.parse(res.body)).toEqual({ error: { code: 'PAYLOAD_TOO_LARGE', message: expect.any(String) } });
    }
    await healthy();
  });
});
