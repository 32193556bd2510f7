import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { BankError } from '../errors.js';
import type { BankContext } from '../services/context.js';
import { createMetrics, type Metrics } from './metrics.js';
import { caseRoutes } from './routes/cases.js';
import { opsRoutes } from './routes/ops.js';
import { partnerRoutes } from './routes/partner.js';
import { registerOperatorConsoleForBank } from '../operators/bank-bridge.js';

export interface BuildAppOptions {
  /** Built web app to serve at /; `null` disables. Default: apps/web/dist when it exists. */
  webRoot?: string | null;
}

export function defaultWebRoot(): string | undefined {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const up = here.includes('/dist/') ? '../../../../web/dist' : '../../../web/dist';
  const dir = fileURLToPath(new URL(up, import.meta.url));
  return existsSync(`${dir}/index.html`) ? dir : undefined;
}

const API_PREFIXES = ['/api/', '/v1/', '/metrics', '/healthz', '/readyz', '/openapi.json', '/docs'];

function sendError(reply: FastifyReply, err: BankError): FastifyReply {
  if (err.retryAfterSeconds !== undefined) reply.header('retry-after', String(err.retryAfterSeconds));
  return reply.code(err.status).send(err.toBody());
}

/** Maps every failure to the closed error-code set; nothing else leaves the server. */
function toBankError(err: FastifyError | Error, request: FastifyRequest): BankError {
  if (err instanceof BankError) return err;
  if (hasZodFastifySchemaValidationErrors(err)) {
    const issue = err.validation[0];
    const where = issue?.instancePath ? ` at ${issue.instancePath}` : '';
    return new BankError('INVALID_REQUEST', `The request is not valid${where}: ${issue?.message ?? 'bad input'}.`);
  }
  const code = (err as FastifyError).code;
  const status = (err as FastifyError).statusCode;
  if (
    code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
    code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ||
    err instanceof SyntaxError
  ) {
    return new BankError('MALFORMED_JSON', 'The request body is not valid JSON.');
  }
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE' || status === 413) {
    return new BankError('PAYLOAD_TOO_LARGE', 'The request body is too large.');
  }
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || status === 415) {
    return new BankError('UNSUPPORTED_MEDIA_TYPE', 'Send the request body as application/json.');
  }
  if (status === 429) return new BankError('RATE_LIMITED', 'Too many requests. Please wait a minute and try again.');
  if (status === 404) return new BankError('NOT_FOUND', 'Not found.');
  if (status !== undefined && status >= 400 && status < 500) {
    return new BankError('INVALID_REQUEST', 'The request is not valid.');
  }
  request.log.error({ err }, 'unhandled error');
  return new BankError('INTERNAL', 'Something went wrong on our side. Please try again later.');
}

declare module 'fastify' {
  interface FastifyInstance {
    bank: BankContext;
    metrics: Metrics;
  }
}

export async function buildApp(ctx: BankContext, options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const { config } = ctx;
  const app = Fastify({
    logger: {
      level: config.logLevel,
      redact: [
        'req.headers.authorization',
        'req.headers["ocp-apim-subscription-key"]',
        'req.headers["x-functions-key"]',
      ],
      serializers: {
        // A case number is half of a credential: keep it out of request logs.
        req: (req: { method: string; url: string; ip?: string }) => ({
          method: req.method,
          url: req.url.replace(/\/cases\/[^/?]+/, '/cases/<case>'),
          ip: req.ip,
        }),
      },
    },
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorate('bank', ctx);
  app.decorate('metrics', createMetrics());

  app.setErrorHandler((err: FastifyError, request, reply) => sendError(reply, toBankError(err, request)));

  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        // WebAssembly compilation only (the PDQ kernel); not eval(), which stays forbidden.
        scriptSrc: ["'self'", "'wasm-unsafe-eval'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'blob:', 'data:'],
        mediaSrc: ["'self'", 'blob:'],
        workerSrc: ["'self'", 'blob:'],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    crossOriginEmbedderPolicy: false,
    referrerPolicy: { policy: 'no-referrer' },
    // Sent below only on HTTPS: over plain HTTP the header is meaningless and misleading.
    strictTransportSecurity: false,
  });
  app.addHook('onSend', async (request, reply) => {
    // With trustProxy, a TLS-terminating proxy's X-Forwarded-Proto makes this 'https'.
    if (request.protocol === 'https') {
      reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
    }
  });
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_req, rc) =>
      new BankError('RATE_LIMITED', `Too many attempts. Please wait ${rc.after} and try again.`, {
        retryAfterSeconds: Math.ceil(rc.ttl / 1000),
      }),
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Unseen hash bank',
        version: '1.0.0',
        description:
          'Person-facing case API (/api/v1) and the StopNCII-compatible partner API (/v1). Errors are always { error: { code, message } }.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          subscriptionKey: { type: 'apiKey', in: 'header', name: 'Ocp-Apim-Subscription-Key' },
        },
      },
    },
    transform: jsonSchemaTransform,
    // Emits the schemas registered with .meta({ id }) (e.g. Error) under components.schemas.
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });

  app.addHook('onResponse', async (request, reply) => {
    app.metrics.httpDuration
      .labels(request.method, request.routeOptions.url ?? 'unmatched', String(reply.statusCode))
      .observe(reply.elapsedTime / 1000);
  });

  const typed = app.withTypeProvider<ZodTypeProvider>();
  await typed.register(caseRoutes);
  await typed.register(partnerRoutes);
  await typed.register(opsRoutes);
  await registerOperatorConsoleForBank(app, ctx); // operator console (/api/admin) + abuse controls

  const webRoot = options.webRoot === undefined ? defaultWebRoot() : (options.webRoot ?? undefined);
  if (webRoot) {
    await app.register(fastifyStatic, { root: webRoot, wildcard: true, index: ['index.html'] });
  }
  app.setNotFoundHandler((request, reply) => {
    const isApi = API_PREFIXES.some((p) => request.url === p.replace(/\/$/, '') || request.url.startsWith(p));
    const wantsPage = (request.method === 'GET' || request.method === 'HEAD') && !isApi;
    if (webRoot && wantsPage) return reply.type('text/html').sendFile('index.html');
    return sendError(reply, new BankError('NOT_FOUND', `No route for ${request.method} ${request.url.split('?')[0]}.`));
  });
  return app;
}
