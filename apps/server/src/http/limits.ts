import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BankError } from '../errors.js';

/**
 * A named fixed-window limiter as an onRequest hook. Several may guard one route (per IP
 * and per case); names keep their counters apart in the shared store.
 */
export function limiter(
  app: FastifyInstance,
  name: string,
  perMinute: number,
  key: (req: FastifyRequest) => string = (req) => req.ip,
) {
  const check = app.createRateLimit({
    max: perMinute,
    timeWindow: 60_000,
    keyGenerator: (req) => `${name}:${key(req)}`,
  });
  return async (request: FastifyRequest) => {
    const r = await check(request);
    if (!r.isAllowed && r.isExceeded) {
      throw new BankError('RATE_LIMITED', `Too many attempts. Please wait ${r.ttlInSeconds} seconds and try again.`, {
        retryAfterSeconds: r.ttlInSeconds,
      });
    }
  };
}
