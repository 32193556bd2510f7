import { sql } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorBody } from '../schemas.js';

export const opsRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['ops'],
        summary: 'Liveness: the process serves HTTP.',
        response: { 200: z.object({ status: z.literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );
  app.get(
    '/readyz',
    {
      schema: {
        tags: ['ops'],
        summary: 'Readiness: the database (and feed replica) answer.',
        response: { 200: z.object({ status: z.literal('ready') }), 503: errorBody },
      },
    },
    async (_request, reply) => {
      try {
        await app.bank.database.db.execute(sql`SELECT 1`);
        if (app.bank.database.feedDb !== app.bank.database.db) await app.bank.database.feedDb.execute(sql`SELECT 1`);
        return { status: 'ready' as const };
      } catch {
        return reply
          .code(503)
          .send({ error: { code: 'SERVICE_UNAVAILABLE', message: 'The database is not reachable.' } });
      }
    },
  );
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    reply.type(app.metrics.registry.contentType);
    return app.metrics.registry.metrics();
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
};
