import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { BankError } from '../../errors.js';
import { normaliseCaseNumber } from '../../domain/caseNumber.js';
import { caseStatus, createCase, withdrawCase } from '../../services/cases.js';
import { limiter } from '../limits.js';
import { caseParams, caseView, createCaseBody, createdCase, errorBody, pinBody } from '../schemas.js';

const errors = { 400: errorBody, 401: errorBody, 413: errorBody, 423: errorBody, 429: errorBody };

export const caseRoutes: FastifyPluginAsyncZod = async (app) => {
  const { config } = app.bank;
  const perIp = limiter(app, 'case-access-ip', config.caseAccessPerIpPerMinute);
  // Keyed by the normalised case number, existing or not, so the limit reveals nothing.
  const perCase = limiter(app, 'case-access-case', config.caseAccessPerCasePerMinute, (req) => {
    const raw = (req.params as { caseNumber?: string }).caseNumber ?? '';
    return normaliseCaseNumber(raw) ?? raw.toUpperCase();
  });
  const onCreate = limiter(app, 'case-create-ip', config.caseCreatePerIpPerMinute);

  app.post(
    '/api/v1/cases',
    {
      onRequest: [onCreate],
      schema: {
        tags: ['cases'],
        summary: 'Create a case from hashes (never images).',
        description:
          'The whole batch is accepted or rejected: on any bad hash nothing is stored, and error.details lists every bad hash by index.',
        body: createCaseBody,
        response: { 201: createdCase, ...errors },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const consent = {
        over18: b.consent?.over18 === true,
        inContent: b.consent?.inContent === true,
        intimate: b.consent?.intimate === true,
        agreesToTerms: b.consent?.agreesToTerms === true,
      };
      const created = await createCase(app.bank, { pin: b.pin, hashes: b.hashes, consent });
      app.metrics.casesCreated.inc();
      return reply.code(201).send(created);
    },
  );

  const withAuthMetrics = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof BankError && err.code === 'INVALID_CREDENTIALS') app.metrics.pinFailures.inc();
      throw err;
    }
  };

  app.post(
    '/api/v1/cases/:caseNumber/status',
    {
      onRequest: [perIp, perCase],
      schema: {
        tags: ['cases'],
        summary: "A case's hashes, their status, partner feedback and timeline.",
        params: caseParams,
        body: pinBody,
        response: { 200: caseView, ...errors },
      },
    },
    async (request) => withAuthMetrics(() => caseStatus(app.bank, request.params.caseNumber, request.body.pin)),
  );

  app.post(
    '/api/v1/cases/:caseNumber/withdraw',
    {
      onRequest: [perIp, perCase],
      schema: {
        tags: ['cases'],
        summary: 'Withdraw every hash of the case (idempotent).',
        params: caseParams,
        body: pinBody,
        response: { 200: caseView, ...errors },
      },
    },
    async (request) => {
      const view = await withAuthMetrics(() => withdrawCase(app.bank, request.params.caseNumber, request.body.pin));
      app.metrics.casesWithdrawn.inc();
      return view;
    },
  );
};
