import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PartnerClient, parseRetryAfter } from '../src/api/client.js';
import { PartnerError } from '../src/errors.js';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((s) => {
      s.closeAllConnections();
      return new Promise((r) => s.close(r));
    }),
  );
});

async function stub(
  handlers: Handler[],
): Promise<{ url: string; calls: { url: string; headers: http.IncomingHttpHeaders; body: string }[] }> {
  const calls: { url: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      calls.push({ url: req.url ?? '', headers: req.headers, body });
      const handler = handlers[Math.min(calls.length - 1, handlers.length - 1)]!;
      handler(req, res, body);
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls };
}

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Handler =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
const page = (records: unknown[] = [], extra: Record<string, unknown> = {}) => ({
  count: records.length,
  nextPageToken: null,
  nextSetTimestamp: 100,
  hasMoreRecords: false,
  hashRecords: records,
  ...extra,
});
const record = {
  lastModtimestamp: 100,
  signalType: 'ImagePDQ',
  hashValue: 'f'.repeat(64),
  hashStatus: 'Active',
  caseNumbers: { 'C-1': 'Active' },
};
const fastRetry = { baseDelayMs: 1, maxDelayMs: 5, retries: 4 };

describe('PartnerClient', () => {
  it('sends the subscription key and the StopNCII query parameters', async () => {
    const s = await stub([json(200, page([record]))]);
    const client = new PartnerClient({ server: s.url, key: 'k-123', functionsKey: 'f-9' });
    const result = await client.fetchHashes({ startTimestamp: 10, pageSize: 5 });
    expect(result.hashRecords).toHaveLength(1);
    expect(s.calls[0]!.url).toBe('/v1/FetchHashes?startTimestamp=10&pageSize=5');
    expect(s.calls[0]!.headers['ocp-apim-subscription-key']).toBe('k-123');
    expect(s.calls[0]!.headers['x-functions-key']).toBe('f-9');
  });

  it('retries 500 and 429 (honouring Retry-After) and dropped connections, then succeeds', async () => {
    const s = await stub([
      json(500, { error: { code: 'INTERNAL', message: 'boom' } }),
      json(429, { error: { code: 'RATE_LIMITED', message: 'slow down' } }, { 'retry-after': '0' }),
      (req) => req.socket.destroy(),
      json(200, page()),
    ]);
    const delays: number[] = [];
    const client = new PartnerClient({
      server: s.url,
      key: 'k',
      retry: fastRetry,
      sleep: async (ms) => {
        delays.push(ms);
      },
    });
    await expect(client.fetchHashes({ startTimestamp: 10 })).resolves.toMatchObject({ count: 0 });
    expect(s.calls).toHaveLength(4);
    expect(delays).toHaveLength(3);
  });

  it('waits as long as Retry-After asks (capped), plus jitter', async () => {
    const s = await stub([json(429, {}, { 'retry-after': '7' }), json(200, page())]);
    const delays: number[] = [];
    const client = new PartnerClient({
      server: s.url,
      key: 'k',
      retry: { ...fastRetry, maxRetryAfterMs: 60_000 },
      sleep: async (ms) => {
        delays.push(ms);
      },
    });
    await client.fetchHashes({ startTimestamp: 10 });
    expect(delays[0]).toBeGreaterThanOrEqual(7000);
    expect(delays[0]).toBeLessThan(7010);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('Wed, 21 Oct 2015 07:27:50 GMT'))).toBe(10_000);
  });

  it('gives up with SERVER_UNAVAILABLE after the retry budget and says what to do', async () => {
    const s = await stub([json(503, {})]);
    const client = new PartnerClient({ server: s.url, key: 'k', retry: fastRetry });
    const err = await client.fetchHashes({ startTimestamp: 10 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PartnerError);
    expect((err as PartnerError).code).toBe('SERVER_UNAVAILABLE');
    expect((err as PartnerError).details.attempts).toBe(5);
    expect(s.calls).toHaveLength(5);
  });

  it('does not retry an authentication failure', async () => {
    const s = await stub([json(401, { error: { code: 'UNAUTHORIZED', message: 'bad key' } })]);
    const client = new PartnerClient({ server: s.url, key: 'wrong', retry: fastRetry });
    await expect(client.fetchHashes({ startTimestamp: 10 })).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    expect(s.calls).toHaveLength(1);
  });

  it('times out a stalled attempt and retries it', async () => {
    const s = await stub([() => {}, json(200, page())]);
    const client = new PartnerClient({ server: s.url, key: 'k', timeoutMs: 200, retry: fastRetry });
    await expect(client.fetchHashes({ startTimestamp: 10 })).resolves.toMatchObject({ count: 0 });
    expect(s.calls).toHaveLength(2);
  });

  it.each([
    ['a missing nextSetTimestamp', { ...page(), nextSetTimestamp: undefined }],
    ['a non-integer timestamp', page([{ ...record, lastModtimestamp: 1.5 }])],
    ['an unknown case status', page([{ ...record, hashStatus: 'Undefined' }])],
    ['a missing caseNumbers', page([{ ...record, caseNumbers: undefined }])],
  ])('rejects %s with INVALID_RESPONSE', async (_name, body) => {
    const s = await stub([json(200, body)]);
    const client = new PartnerClient({ server: s.url, key: 'k', retry: fastRetry });
    await expect(client.fetchHashes({ startTimestamp: 10 })).rejects.toMatchObject({ code: 'INVALID_RESPONSE' });
  });

  it('refuses a checkpoint that moves backwards', async () => {
    const s = await stub([json(200, page([], { nextSetTimestamp: 50 }))]);
    const client = new PartnerClient({ server: s.url, key: 'k' });
    await expect(client.fetchHashes({ startTimestamp: 60 })).rejects.toMatchObject({ code: 'CHECKPOINT_REGRESSION' });
  });

  it('follows nextPageToken across pages', async () => {
    const s = await stub([
      json(200, page([record], { hasMoreRecords: true, nextPageToken: 'tok-1' })),
      json(200, page([{ ...record, hashValue: 'e'.repeat(64) }], { nextSetTimestamp: 120 })),
    ]);
    const client = new PartnerClient({ server: s.url, key: 'k' });
    const pages = [];
    for await (const p of client.fetchPages({ startTimestamp: 10, pageSize: 1 })) pages.push(p);
    expect(pages.map((p) => p.nextSetTimestamp)).toEqual([100, 120]);
    expect(s.calls[1]!.url).toContain('nextPageToken=tok-1');
  });

  it('posts feedback in the StopNCII body shape and retries it; does not re-send SubmitHashes after a 500', async () => {
    const s = await stub([json(502, {}), json(200, { ok: true }), json(500, {})]);
    const client = new PartnerClient({ server: s.url, key: 'k', retry: fastRetry });
    await client.submitFeedback([{ hashValue: 'a'.repeat(64), feedbackValue: 'Blocked', tags: ['Nude'] }]);
    expect(JSON.parse(s.calls[1]!.body)).toEqual({
      count: 1,
      hashFeedbacks: [{ hashValue: 'a'.repeat(64), feedbackValue: 'Blocked', tags: ['Nude'] }],
    });
    await expect(client.submitHashes([{ signalType: 'ImagePDQ', hashValue: 'b'.repeat(64) }])).rejects.toMatchObject({
      code: 'REQUEST_REJECTED',
    });
    expect(s.calls).toHaveLength(3);
  });

  it('explains a bad configuration', () => {
    expect(() => new PartnerClient({ server: 'not a url', key: 'k' })).toThrow(/--server/);
    expect(() => new PartnerClient({ server: 'http://x', key: '' })).toThrow(/UNSEEN_PARTNER_KEY/);
    expect(new PartnerClient({ server: 'http://x:1/v1/', key: 'k' }).base).toBe('http://x:1/v1');
    expect(new PartnerClient({ server: 'http://x:1', key: 'k' }).base).toBe('http://x:1/v1');
  });
});
