// Hooks the abuse controls into the bank's own routes without those routes
// knowing: submissions are checked before their handlers run, feedback is
// re-evaluated before its response leaves, and the partner feed and the
// person's case status are rewritten for withheld hashes before serialisation.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BankError } from '../errors.js';
import { FEED_SIGNAL_TO_BANK, hashKey } from '../operators/bridge.js';
import type { AllowListSignal } from './rules.js';
import type { AbuseService } from './service.js';

export const ROUTES = {
  createCase: '/api/v1/cases',
  caseStatus: '/api/v1/cases/:caseNumber/status',
  caseWithdraw: '/api/v1/cases/:caseNumber/withdraw',
  fetchHashes: '/v1/FetchHashes',
  submitFeedback: '/v1/SubmitFeedback',
  submitHashes: '/v1/SubmitHashes',
} as const;

/** What the person sees for a withheld hash: neutral, whatever the reason. */
export const UNDER_REVIEW_STATUS = 'UnderReview';

function routeOf(request: FastifyRequest): string | undefined {
  return request.routeOptions.url;
}

/** The signal type a feedback hash value has, judged by its shape (feedback carries no type). */
export function signalOfValue(value: string): AllowListSignal {
  if (/^[0-9a-fA-F]{64}$/.test(value)) return 'pdq';
  if (/^[0-9a-fA-F]{32}$/.test(value)) return 'md5';
  return 'vpdq';
}

function normalise(signalType: AllowListSignal, value: string): string {
  return signalType === 'vpdq' ? value : value.toLowerCase();
}

/** Accepts both StopNCII spellings: `ImagePDQ` and `StopNCIISignalType.ImagePDQ`. */
function feedSignal(signalType: unknown): AllowListSignal | undefined {
  if (typeof signalType !== 'string') return undefined;
  const short = signalType.slice(signalType.lastIndexOf('.') + 1);
  return (
    FEED_SIGNAL_TO_BANK[short] ?? (['pdq', 'md5', 'vpdq'].includes(short) ? (short as AllowListSignal) : undefined)
  );
}

interface SubmittedHash {
  signalType: AllowListSignal;
  value: string;
}

export function installAbuseHooks(app: FastifyInstance, abuse: AbuseService, now: () => Date): void {
  async function refuseAllowListed(hashes: SubmittedHash[]): Promise<void> {
    const nowMs = now().getTime();
    for (let index = 0; index < hashes.length; index++) {
      const { signalType, value } = hashes[index];
      if (await abuse.checkAllowList(signalType, normalise(signalType, value), nowMs)) {
        const message = 'One of these hashes cannot be accepted by the bank. Leave that file out and submit the rest.';
        throw new BankError('HASH_NOT_ACCEPTED', message, {
          details: [{ index, code: 'HASH_NOT_ACCEPTED', message }],
        });
      }
    }
  }

  app.addHook('preHandler', async (request, reply) => {
    if (request.method !== 'POST') return;
    try {
      await guardSubmission(request);
    } catch (err) {
      // Answered here rather than thrown, so the refusal has the bank's error shape
      // whichever error handler the route's context has.
      if (!(err instanceof BankError)) throw err;
      if (err.retryAfterSeconds !== undefined) reply.header('retry-after', String(err.retryAfterSeconds));
      return reply.status(err.status).send(err.toBody());
    }
  });

  async function guardSubmission(request: FastifyRequest): Promise<void> {
    const route = routeOf(request);
    if (route === ROUTES.createCase) {
      const body = request.body as { hashes?: SubmittedHash[] } | undefined;
      const hashes = Array.isArray(body?.hashes) ? body.hashes : [];
      await refuseAllowListed(hashes);
      const refused = abuse.limiter.take(request.ip, hashes.length, now().getTime());
      if (refused === 'case-limit') {
        throw new BankError(
          'TOO_MANY_HASHES',
          `A case can hold at most ${abuse.config.maxHashesPerCase} hashes. Split them over several cases.`,
        );
      }
      if (refused === 'client-rate') {
        const retryAfter = abuse.limiter.retryAfterSeconds(request.ip, now().getTime());
        throw new BankError('RATE_LIMITED', 'Too many submissions from here. Please try again later.', {
          retryAfterSeconds: retryAfter,
        });
      }
    } else if (route === ROUTES.submitHashes) {
      const body = request.body as { hashRecords?: { signalType?: unknown; hashValue?: unknown }[] } | undefined;
      const hashes: SubmittedHash[] = [];
      for (const record of body?.hashRecords ?? []) {
        const signalType = feedSignal(record.signalType);
        if (signalType && typeof record.hashValue === 'string') hashes.push({ signalType, value: record.hashValue });
      }
      await refuseAllowListed(hashes);
    }
  }

  // Before the feedback response leaves, so a partner (or a test) that reads
  // the feed right after its feedback call already sees the quarantine.
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.method !== 'POST' || routeOf(request) !== ROUTES.submitFeedback || reply.statusCode >= 300) {
      return payload;
    }
    const body = request.body as { hashFeedbacks?: { hashValue?: unknown; feedbackValue?: unknown }[] } | undefined;
    const reports: { value: string; verdict: string }[] = [];
    for (const feedback of body?.hashFeedbacks ?? []) {
      if (typeof feedback.hashValue === 'string' && typeof feedback.feedbackValue === 'string') {
        reports.push({ value: feedback.hashValue, verdict: feedback.feedbackValue });
      }
    }
    const at = now();
    for (const { value, verdict } of reports) {
      const signalType = signalOfValue(value);
      try {
        await abuse.onFeedback(signalType, normalise(signalType, value), verdict, at);
      } catch (err) {
        // The feedback itself is stored; a failed evaluation is retried by the next feedback or scan.
        request.log.error({ err }, 'dispute evaluation failed');
      }
    }
    return payload;
  });

  // The feed itself needs no rewriting: a withheld hash has distribution 'held' in the
  // bank's own table, which the feed already serves as Deleted. Fetches are recorded
  // for the console's freshness and checkpoint-lag view.
  app.addHook('preSerialization', async (request, reply, payload) => {
    const route = routeOf(request);
    if (reply.statusCode >= 300 || !payload || typeof payload !== 'object') return payload;
    if (route === ROUTES.fetchHashes) {
      const partnerId = (request as FastifyRequest & { partner?: { id: string } }).partner?.id;
      const checkpoint = (payload as { nextSetTimestamp?: unknown }).nextSetTimestamp;
      if (partnerId && typeof checkpoint === 'number') {
        try {
          await abuse.recordFetch(partnerId, now(), checkpoint);
        } catch (err) {
          request.log.warn({ err }, 'could not record the partner fetch');
        }
      }
      return payload;
    }
    if (route === ROUTES.caseStatus || route === ROUTES.caseWithdraw || route === ROUTES.createCase) {
      const hashes = (payload as { hashes?: unknown }).hashes;
      if (!Array.isArray(hashes) || hashes.length === 0) return payload;
      const withheld = await abuse.withheldKeys(now().getTime());
      for (const hash of hashes as { signalType?: AllowListSignal; value?: string; status?: string }[]) {
        if (!hash.signalType || typeof hash.value !== 'string') continue;
        // A withdrawn hash stays Withdrawn: that was the person's own decision.
        if (hash.status === 'Withdrawn') continue;
        if (withheld.has(hashKey(hash.signalType, normalise(hash.signalType, hash.value)))) {
          hash.status = UNDER_REVIEW_STATUS;
        }
      }
    }
    return payload;
  });
}
