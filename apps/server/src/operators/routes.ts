// The operator console API, mounted under /api/admin. Documented in
// apps/server/src/operators/README.md.
import { parse as parseCookies, serialize as serializeCookie } from 'cookie';
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AbuseService } from '../abuse/service.js';
import {
  afterFailedLogin,
  decoyPasswordHash,
  type LockoutPolicy,
  newCsrfToken,
  newSessionToken,
  newTotpSecret,
  type OperatorRole,
  roleAllows,
  safeEqual,
  sessionTokenHash,
  totpUri,
  verifyPassword,
  verifyTotp,
} from './auth.js';
import { type AuditEntryInput, type BankBridge, EXTENDED_SIGNAL_TYPES, hashKey } from './bridge.js';
import { BankError } from '../errors.js';
import type { ModerationRecord, OperatorRecord, OperatorStore } from './store.js';

export const SESSION_COOKIE = 'unseen_console';
export const CSRF_HEADER = 'x-csrf-token';

export interface ConsoleOptions {
  store: OperatorStore;
  bridge: BankBridge;
  abuse: AbuseService;
  lockout: LockoutPolicy;
  /** Idle time after which a session ends. */
  sessionIdleSeconds: number;
  /** Login attempts per client IP per minute, whatever the account. */
  loginAttemptsPerMinute: number;
  /** Secure cookies; only a plain-HTTP development setup turns this off. */
  secureCookies: boolean;
  now?: () => Date;
}

interface Authenticated {
  operator: OperatorRecord;
  csrfToken: string;
  tokenHash: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    consoleAuth?: Authenticated;
  }
}

const signalSchema = z.enum(['pdq', 'md5', 'vpdq']);
const hashValueSchema = z.string().min(1).max(20_000);

function operatorView(operator: OperatorRecord) {
  return {
    id: operator.id,
    email: operator.email,
    role: operator.role,
    totpEnabled: operator.totpEnabled,
    lastLoginAt: operator.lastLoginAt?.toISOString() ?? null,
  };
}

function actorOf(request: FastifyRequest): AuditEntryInput['actor'] {
  return { type: 'admin', id: request.consoleAuth!.operator.email };
}

/** Fixed one-minute windows per client IP; per instance, which is what a login throttle needs. */
class LoginThrottle {
  private readonly windows = new Map<string, { start: number; count: number }>();
  constructor(private readonly perMinute: number) {}
  take(ip: string, nowMs: number): number | null {
    const window = this.windows.get(ip);
    if (!window || nowMs - window.start >= 60_000) {
      if (this.windows.size > 10_000) this.windows.clear();
      this.windows.set(ip, { start: nowMs, count: 1 });
      return null;
    }
    window.count += 1;
    return window.count > this.perMinute ? Math.ceil((window.start + 60_000 - nowMs) / 1000) : null;
  }
}

export async function consoleRoutes(root: FastifyInstance, options: ConsoleOptions): Promise<void> {
  const { store, bridge, abuse } = options;
  const now = options.now ?? (() => new Date());
  const throttle = new LoginThrottle(options.loginAttemptsPerMinute);
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  // Same mapping as the bank's handler; set here too so the console keeps its error
  // shape when mounted on a bare Fastify instance (the console's own tests).
  app.setErrorHandler((error: FastifyError | BankError, request, reply) => {
    if (error instanceof BankError) {
      if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
      return reply.status(error.status).send(error.toBody());
    }
    if ('validation' in error && error.validation) {
      return reply.status(400).send({ error: { code: 'INVALID_REQUEST', message: error.message } });
    }
    if (error.statusCode && error.statusCode < 500) {
      return reply
        .status(error.statusCode)
        .send({ error: { code: 'INVALID_REQUEST', message: error.message || 'Invalid request.' } });
    }
    request.log.error({ err: error }, 'console request failed');
    return reply.status(500).send({ error: { code: 'INTERNAL', message: 'Something went wrong on our side.' } });
  });

  const cookieAttributes = {
    httpOnly: true,
    secure: options.secureCookies,
    sameSite: 'strict' as const,
    path: '/api/admin',
  };

  async function authenticate(request: FastifyRequest): Promise<Authenticated> {
    const token = parseCookies(request.headers.cookie ?? '')[SESSION_COOKIE];
    if (!token) throw new BankError('UNAUTHORIZED', 'Sign in to continue.');
    const tokenHash = sessionTokenHash(token);
    const at = now();
    const found = await store.findSession(tokenHash, at);
    if (!found) throw new BankError('UNAUTHORIZED', 'Your session has ended. Sign in again.');
    await store.touchSession(tokenHash, new Date(at.getTime() + options.sessionIdleSeconds * 1000));
    return { operator: found.operator, csrfToken: found.session.csrfToken, tokenHash };
  }

  /** Session + role check, and for every state-changing method the CSRF header. */
  function requireRole(role: OperatorRole) {
    return async (request: FastifyRequest) => {
      const auth = await authenticate(request);
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        const header = request.headers[CSRF_HEADER];
        if (typeof header !== 'string' || !safeEqual(header, auth.csrfToken)) {
          throw new BankError('CSRF_REJECTED', 'The request is missing its security token. Reload the page.');
        }
      }
      if (!roleAllows(auth.operator.role, role)) {
        throw new BankError('FORBIDDEN', `This needs the ${role} role.`);
      }
      request.consoleAuth = auth;
    };
  }

  // ------------------------------------------------------------ sign-in

  app.post(
    '/login',
    {
      schema: {
        tags: ['console'],
        body: z.object({
          email: z.string().email().max(320),
          password: z.string().min(1).max(1024),
          totp: z.string().max(10).optional(),
        }),
      },
    },
    async (request, reply) => {
      const at = now();
      const retryAfter = throttle.take(request.ip, at.getTime());
      if (retryAfter !== null) {
        throw new BankError('RATE_LIMITED', 'Too many sign-in attempts. Wait a minute.', {
          retryAfterSeconds: retryAfter,
        });
      }
      const { email, password, totp } = request.body;
      const operator = await store.findByEmail(email);
      // Unknown accounts cost the same argon2 verification as known ones.
      const passwordOk = await verifyPassword(operator?.passwordHash ?? (await decoyPasswordHash()), password);
      if (!operator || operator.disabledAt) {
        await bridge.audit({
          actor: { type: 'admin', id: email.toLowerCase() },
          action: 'operator.login_failed',
          details: { reason: 'INVALID_CREDENTIALS', ip: request.ip },
        });
        throw new BankError('INVALID_CREDENTIALS', 'The email or password is not right.');
      }
      if (operator.lockedUntil && operator.lockedUntil > at) {
        const wait = Math.ceil((operator.lockedUntil.getTime() - at.getTime()) / 1000);
        throw new BankError('OPERATOR_LOCKED', 'This account is locked after repeated failures. Try later.', {
          retryAfterSeconds: wait,
        });
      }
      const fail = async (code: 'INVALID_CREDENTIALS' | 'TOTP_INVALID', message: string) => {
        const next = afterFailedLogin(operator.failedLogins, at, options.lockout);
        await store.recordFailure(operator.id, next.failures, next.lockedUntil);
        await bridge.audit({
          actor: { type: 'admin', id: operator.email },
          action: next.lockedUntil ? 'operator.locked' : 'operator.login_failed',
          details: { reason: code, ip: request.ip },
        });
        throw new BankError(code, message);
      };
      if (!passwordOk) await fail('INVALID_CREDENTIALS', 'The email or password is not right.');
      let totpStep: number | null = null;
      if (operator.totpEnabled && operator.totpSecret) {
        if (!totp) throw new BankError('TOTP_REQUIRED', 'Enter the 6-digit code from your authenticator app.');
        totpStep = verifyTotp(operator.totpSecret, totp, Math.floor(at.getTime() / 1000), operator.totpLastStep);
        if (totpStep === null) await fail('TOTP_INVALID', 'That code is not right or was already used.');
      }
      await store.recordLogin(operator.id, totpStep);
      const { token, tokenHash } = newSessionToken();
      const csrfToken = newCsrfToken();
      await store.createSession({
        tokenHash,
        operatorId: operator.id,
        csrfToken,
        expiresAt: new Date(at.getTime() + options.sessionIdleSeconds * 1000),
      });
      await bridge.audit({
        actor: { type: 'admin', id: operator.email },
        action: 'operator.login',
        details: { ip: request.ip },
      });
      reply.header('set-cookie', serializeCookie(SESSION_COOKIE, token, cookieAttributes));
      return { operator: operatorView({ ...operator, lastLoginAt: at }), csrfToken };
    },
  );

  app.post('/logout', { preHandler: requireRole('viewer'), schema: { tags: ['console'] } }, async (request, reply) => {
    await store.deleteSession(request.consoleAuth!.tokenHash);
    await bridge.audit({
      actor: actorOf(request),
      action: 'operator.logout',
    });
    reply.header('set-cookie', serializeCookie(SESSION_COOKIE, '', { ...cookieAttributes, maxAge: 0 }));
    return { ok: true };
  });

  app.get('/session', { preHandler: requireRole('viewer'), schema: { tags: ['console'] } }, async (request) => ({
    operator: operatorView(request.consoleAuth!.operator),
    csrfToken: request.consoleAuth!.csrfToken,
  }));

  app.post('/totp/setup', { preHandler: requireRole('viewer'), schema: { tags: ['console'] } }, async (request) => {
    const operator = request.consoleAuth!.operator;
    if (operator.totpEnabled) throw new BankError('CONFLICT', 'Two-step sign-in is already on.');
    const secret = newTotpSecret();
    await store.setPendingTotpSecret(operator.id, secret);
    return { secret, uri: totpUri(secret, operator.email) };
  });

  app.post(
    '/totp/enable',
    { preHandler: requireRole('viewer'), schema: { tags: ['console'], body: z.object({ code: z.string().max(10) }) } },
    async (request) => {
      const operator = request.consoleAuth!.operator;
      if (!operator.totpSecret || operator.totpEnabled) {
        throw new BankError('CONFLICT', 'Start two-step set-up first.');
      }
      const step = verifyTotp(operator.totpSecret, request.body.code, Math.floor(now().getTime() / 1000), null);
      if (step === null) throw new BankError('TOTP_INVALID', 'That code is not right. Check the clock of your device.');
      await store.enableTotp(operator.id, step);
      await bridge.audit({ actor: actorOf(request), action: 'operator.totp_enabled' });
      return { totpEnabled: true };
    },
  );

  // ------------------------------------------------------------ dashboard

  app.get(
    '/dashboard',
    {
      preHandler: requireRole('viewer'),
      schema: {
        tags: ['console'],
        querystring: z.object({ days: z.coerce.number().int().min(1).max(365).default(30) }),
      },
    },
    async (request) => {
      const at = now();
      const [data, partners, moderation] = await Promise.all([
        bridge.dashboard(request.query.days, at),
        bridge.listPartners(),
        store.countModeration(),
      ]);
      return { generatedAt: at.toISOString(), ...data, partners, moderation };
    },
  );

  // ------------------------------------------------------------ partners

  const partnerParams = z.object({ id: z.string().min(1).max(100) });

  app.get('/partners', { preHandler: requireRole('viewer'), schema: { tags: ['console'] } }, async () => ({
    partners: await bridge.listPartners(),
  }));

  app.post(
    '/partners',
    {
      preHandler: requireRole('admin'),
      schema: { tags: ['console'], body: z.object({ name: z.string().trim().min(1).max(200) }) },
    },
    async (request, reply) => {
      const created = await bridge.createPartner(request.body.name, actorOf(request));
      reply.status(201);
      return created;
    },
  );

  app.post(
    '/partners/:id/rotate',
    { preHandler: requireRole('admin'), schema: { tags: ['console'], params: partnerParams } },
    async (request) => {
      const rotated = await bridge.rotatePartnerKey(request.params.id, actorOf(request));
      if (!rotated) throw new BankError('NOT_FOUND', 'No active partner with that id.');
      return rotated;
    },
  );

  app.post(
    '/partners/:id/revoke',
    { preHandler: requireRole('admin'), schema: { tags: ['console'], params: partnerParams } },
    async (request) => {
      if (!(await bridge.revokePartner(request.params.id, actorOf(request)))) {
        throw new BankError('NOT_FOUND', 'No active partner with that id.');
      }
      return { revoked: true };
    },
  );

  app.put(
    '/partners/:id/signal-types',
    {
      preHandler: requireRole('admin'),
      schema: {
        tags: ['console'],
        params: partnerParams,
        body: z.object({ extended: z.array(z.enum(EXTENDED_SIGNAL_TYPES)).max(EXTENDED_SIGNAL_TYPES.length) }),
      },
    },
    async (request) => {
      const extended = [...new Set(request.body.extended)];
      if (!(await bridge.setPartnerSignalTypes(request.params.id, extended))) {
        throw new BankError('NOT_FOUND', 'No partner with that id.');
      }
      await bridge.audit({
        actor: actorOf(request),
        action: 'partner.signal_types_changed',
        subject: { type: 'partner', id: request.params.id },
        details: { extended },
      });
      return { extended };
    },
  );

  // ------------------------------------------------------------ review queue

  async function reviewItem(record: ModerationRecord) {
    const facts = await bridge.hashFacts(record.signalType, record.hashValue);
    return {
      signalType: record.signalType,
      value: record.hashValue,
      state: record.state,
      reason: record.reason,
      evidence: record.evidence,
      queuedAt: record.queuedAt.toISOString(),
      decidedAt: record.decidedAt?.toISOString() ?? null,
      caseCount: facts.caseCount,
      activeCaseCount: facts.activeCaseCount,
      feedback: facts.feedback
        .sort((a, b) => b.at.getTime() - a.at.getTime())
        .slice(0, 50)
        .map((f) => ({ partnerId: f.partnerId, partnerName: f.partnerName, value: f.value, at: f.at.toISOString() })),
    };
  }

  app.get(
    '/review',
    {
      preHandler: requireRole('viewer'),
      schema: {
        tags: ['console'],
        querystring: z.object({
          filter: z.enum(['pending', 'decided', 'all']).default('pending'),
          limit: z.coerce.number().int().min(1).max(200).default(100),
        }),
      },
    },
    async (request) => {
      const records = await store.listModeration(request.query.filter, request.query.limit);
      const items = [];
      for (const record of records) items.push(await reviewItem(record));
      return { items };
    },
  );

  app.post(
    '/review/decide',
    {
      preHandler: requireRole('operator'),
      schema: {
        tags: ['console'],
        body: z.object({
          signalType: signalSchema,
          value: hashValueSchema,
          decision: z.enum(['disable', 'enable', 'allow-list']),
          note: z.string().trim().max(500).optional(),
        }),
      },
    },
    async (request) => {
      const { signalType, value, decision, note } = request.body;
      const facts = await bridge.hashFacts(signalType, value);
      if (!facts.exists && decision !== 'allow-list') throw new BankError('NOT_FOUND', 'The bank holds no such hash.');
      const at = now();
      const operatorId = request.consoleAuth!.operator.id;
      const state = decision === 'disable' ? 'disabled' : decision === 'enable' ? 'released' : 'allow_listed';
      if (decision === 'allow-list') {
        const entryId = await store.addToAllowList(signalType, value, note ?? '', operatorId);
        await abuse.reloadAllowList(at.getTime());
        await bridge.audit({
          actor: actorOf(request),
          action: 'allow_list.added',
          subject: { type: 'hash', id: hashKey(signalType, value) },
          details: { entryId },
        });
      }
      const record = await store.decide(signalType, value, state, operatorId, at, note);
      if (facts.exists) await bridge.setDistribution(signalType, value, state === 'released' ? 'shared' : 'held');
      abuse.invalidateWithheld();
      await bridge.audit({
        actor: actorOf(request),
        action: `hash.${state === 'released' ? 'released' : state === 'disabled' ? 'disabled' : 'allow_listed'}`,
        subject: { type: 'hash', id: hashKey(signalType, value) },
        details: note ? { note } : {},
      });
      return reviewItem(record);
    },
  );

  app.post('/abuse/scan', { preHandler: requireRole('operator'), schema: { tags: ['console'] } }, async (request) => {
    const queued = await abuse.scanFlooding(now());
    await bridge.audit({ actor: actorOf(request), action: 'abuse.scan', details: { queued: queued.length } });
    return { queued };
  });

  // ------------------------------------------------------------ allow-list

  app.get('/allow-list', { preHandler: requireRole('viewer'), schema: { tags: ['console'] } }, async () => ({
    entries: (await store.listAllowList()).map((entry) => ({ ...entry, createdAt: entry.createdAt.toISOString() })),
  }));

  app.post(
    '/allow-list',
    {
      preHandler: requireRole('operator'),
      schema: {
        tags: ['console'],
        body: z.object({
          signalType: signalSchema,
          value: hashValueSchema,
          note: z.string().trim().max(500).default(''),
        }),
      },
    },
    async (request, reply) => {
      const { signalType, note } = request.body;
      const value = signalType === 'vpdq' ? request.body.value : request.body.value.toLowerCase();
      if (signalType === 'pdq' && !/^[0-9a-f]{64}$/.test(value)) {
        throw new BankError('INVALID_REQUEST', 'A PDQ hash is 64 hexadecimal characters.');
      }
      if (signalType === 'md5' && !/^[0-9a-f]{32}$/.test(value)) {
        throw new BankError('INVALID_REQUEST', 'An MD5 hash is 32 hexadecimal characters.');
      }
      const id = await store.addToAllowList(signalType, value, note, request.consoleAuth!.operator.id);
      await abuse.reloadAllowList(now().getTime());
      await bridge.audit({
        actor: actorOf(request),
        action: 'allow_list.added',
        subject: { type: 'hash', id: hashKey(signalType, value) },
        details: { entryId: id },
      });
      reply.status(201);
      return { id };
    },
  );

  app.delete(
    '/allow-list/:id',
    {
      preHandler: requireRole('operator'),
      schema: { tags: ['console'], params: z.object({ id: z.coerce.number().int().positive() }) },
    },
    async (request) => {
      const removed = await store.removeFromAllowList(request.params.id);
      if (!removed) throw new BankError('NOT_FOUND', 'No allow-list entry with that id.');
      await abuse.reloadAllowList(now().getTime());
      await bridge.audit({
        actor: actorOf(request),
        action: 'allow_list.removed',
        subject: { type: 'hash', id: hashKey(removed.signalType, removed.value) },
        details: { entryId: removed.id },
      });
      return { removed: true };
    },
  );

  // ------------------------------------------------------------ audit log

  app.get(
    '/audit',
    {
      preHandler: requireRole('viewer'),
      schema: {
        tags: ['console'],
        querystring: z.object({
          actor: z.string().trim().max(320).optional(),
          action: z.string().trim().max(100).optional(),
          from: z.coerce.date().optional(),
          to: z.coerce.date().optional(),
          before: z.string().max(100).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        }),
      },
    },
    async (request) => {
      const { actor, action, from, to, before, limit } = request.query;
      const entries = await bridge.queryAudit({
        actor: actor || undefined,
        action: action || undefined,
        from,
        to,
        before,
        limit,
      });
      return { entries, nextBefore: entries.length === limit ? entries[entries.length - 1].id : null };
    },
  );

  // ------------------------------------------------------------ operators

  app.get('/operators', { preHandler: requireRole('admin'), schema: { tags: ['console'] } }, async () => ({
    operators: (await store.listOperators()).map(operatorView),
  }));

  // Expired sessions are dead already (findSession ignores them); this keeps the table small.
  const sweep = setInterval(() => {
    store.deleteExpiredSessions(now()).catch((err: unknown) => root.log.warn({ err }, 'session sweep failed'));
  }, 15 * 60_000);
  sweep.unref();
  root.addHook('onClose', async () => clearInterval(sweep));
}
