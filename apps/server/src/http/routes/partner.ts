import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { PartnerRow } from '../../db/schema.js';
import { BankError } from '../../errors.js';
import { FeedPage, fetchHashes, submitFeedback, submitHashes } from '../../services/feed.js';
import { authenticatePartner, parseKeyId } from '../../services/partners.js';
import { limiter } from '../limits.js';
import {
  errorBody,
  fetchHashesQuery,
  fetchHashesResponse,
  partnerHeaders,
  submitFeedbackBody,
  submitFeedbackResponse,
  submitHashesBody,
  submitHashesResponse,
} from '../schemas.js';

/** The key from `Authorization: Bearer KEY` or `Ocp-Apim-Subscription-Key: KEY`; x-functions-key is ignored. */
export function partnerKeyFrom(request: FastifyRequest): string | undefined {
  const auth = request.headers.authorization;
  if (typeof auth === 'string' && /^bearer\s+/i.test(auth)) return auth.replace(/^bearer\s+/i, '').trim();
  const sub = request.headers['ocp-apim-subscription-key'];
  return typeof sub === 'string' && sub.length > 0 ? sub.trim() : undefined;
}

const errors = { 400: errorBody, 401: errorBody, 413: errorBody, 429: errorBody };
const security: Record<string, string[]>[] = [{ bearer: [] }, { subscriptionKey: [] }];

declare module 'fastify' {
  interface FastifyRequest {
    partner?: PartnerRow;
  }
}

export const partnerRoutes: FastifyPluginAsyncZod = async (app) => {
  const { config } = app.bank;
  const perKey = limiter(app, 'partner', config.partnerRequestsPerMinute, (req) => {
    const key = partnerKeyFrom(req);
    return (key && parseKeyId(key)) || `ip:${req.ip}`;
  });
  const authenticate = async (request: FastifyRequest) => {
    request.partner = await authenticatePartner(app.bank, partnerKeyFrom(request));
  };
  const partnerOf = (request: FastifyRequest): PartnerRow => {
    if (!request.partner) throw new BankError('UNAUTHORIZED', 'A valid partner API key is required.');
    return request.partner;
  };

  app.get(
    '/v1/FetchHashes',
    {
      onRequest: [perKey],
      preHandler: authenticate,
      // A page arrives as JSON text already (services/feed.ts); errors are small objects.
      // The schema still documents the shape and the tests check it.
      serializerCompiler: () => (data) => (data instanceof FeedPage ? data.json() : JSON.stringify(data)),
      schema: {
        tags: ['partner'],
        summary: 'Hash records changed at or after startTimestamp, in pages.',
        security,
        headers: partnerHeaders,
        querystring: fetchHashesQuery,
        response: { 200: fetchHashesResponse, ...errors },
      },
    },
    async (request) => {
      const result = await fetchHashes(app.bank, partnerOf(request), request.query);
      app.metrics.feedRecords.inc(result.count);
      return result;
    },
  );

  app.post(
    '/v1/SubmitFeedback',
    {
      onRequest: [perKey],
      preHandler: authenticate,
      schema: {
        tags: ['partner'],
        summary: "Report what the partner did about hashes (the partner's current value per hash).",
        security,
        headers: partnerHeaders,
        body: submitFeedbackBody,
        response: { 200: submitFeedbackResponse, ...errors },
      },
    },
    async (request) => {
      const items = request.body.hashFeedbacks;
      if (items.length > config.maxPartnerBatch) {
        throw new BankError('INVALID_REQUEST', `At most ${config.maxPartnerBatch} feedback items per call.`);
      }
      const result = await submitFeedback(app.bank, partnerOf(request), items);
      app.metrics.feedback.inc(result.accepted);
      return result;
    },
  );

  app.post(
    '/v1/SubmitHashes',
    {
      onRequest: [perKey],
      preHandler: authenticate,
      schema: {
        tags: ['partner'],
        summary: 'Contribute hashes the partner found itself.',
        security,
        headers: partnerHeaders,
        body: submitHashesBody,
        response: { 200: submitHashesResponse, ...errors },
      },
    },
    async (request) => {
      const records = request.body.hashRecords;
      if (records.length > config.maxPartnerBatch) {
        throw new BankError('INVALID_REQUEST', `At most ${config.maxPartnerBatch} hash records per call.`);
      }
      return submitHashes(app.bank, partnerOf(request), records);
    },
  );
};
