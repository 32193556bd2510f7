import { chmodSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import { z } from 'zod';
import { BankError, type BankErrorCode, errorStatus } from '../errors.js';
import type { AdminOps } from './ops.js';
import { createOperatorInput } from '../operators/accounts.js';

/**
 * While the server owns an embedded data folder, other processes (the admin CLI) cannot
 * open it, so the server listens on a Unix socket inside that folder. Access control is the
 * file system: the socket is mode 0600, like the data itself.
 */
export async function startAdminSocket(socketPath: string, ops: AdminOps): Promise<FastifyInstance> {
  rmSync(socketPath, { force: true });
  const app = Fastify({ logger: false });
  app.setErrorHandler((err, _req, reply) => {
    const e =
      err instanceof BankError
        ? err
        : err instanceof z.ZodError
          ? new BankError('INVALID_REQUEST', err.issues[0]?.message ?? 'Invalid request.')
          : new BankError('INTERNAL', (err as Error).message);
    return reply.code(e.status).send(e.toBody());
  });
  const idParam = z.object({ id: z.string().min(1).max(200) });
  app.post('/admin/partners', async (req, reply) => {
    const body = z
      .object({ name: z.string().min(1).max(100), extendedSignalTypes: z.boolean().optional() })
      .parse(req.body);
    return reply.code(201).send(await ops.createPartner(body));
  });
  app.get('/admin/partners', async () => ops.listPartners());
  app.post('/admin/partners/:id/rotate', async (req) => ops.rotatePartnerKey(idParam.parse(req.params).id));
  app.post('/admin/partners/:id/revoke', async (req) => ops.revokePartner(idParam.parse(req.params).id));
  app.post('/admin/cases/:id/unlock', async (req) => ops.unlockCase(idParam.parse(req.params).id));
  app.post('/admin/operators', async (req, reply) =>
    reply.code(201).send(await ops.createOperator(createOperatorInput.parse(req.body))),
  );
  await app.listen({ path: socketPath });
  chmodSync(socketPath, 0o600);
  return app;
}

function call<T>(socketPath: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = httpRequest(
      {
        socketPath,
        method,
        path,
        headers: payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch {
            reject(new BankError('INTERNAL', `The running server answered: ${text.slice(0, 200)}`));
            return;
          }
          if ((res.statusCode ?? 500) >= 400) {
            const e = (parsed as { error?: { code?: string; message?: string } }).error;
            const code = (e?.code && e.code in errorStatus ? e.code : 'INTERNAL') as BankErrorCode;
            reject(new BankError(code, e?.message ?? 'Admin request failed.'));
            return;
          }
          resolve(parsed as T);
        });
      },
    );
    req.on('error', (err) =>
      reject(new BankError('SERVICE_UNAVAILABLE', `Cannot reach the running server's admin socket: ${err.message}`)),
    );
    if (payload) req.write(payload);
    req.end();
  });
}

export function socketAdminOps(socketPath: string): AdminOps {
  const enc = encodeURIComponent;
  return {
    createPartner: (input) => call(socketPath, 'POST', '/admin/partners', input),
    listPartners: () => call(socketPath, 'GET', '/admin/partners'),
    rotatePartnerKey: (id) => call(socketPath, 'POST', `/admin/partners/${enc(id)}/rotate`),
    revokePartner: (id) => call(socketPath, 'POST', `/admin/partners/${enc(id)}/revoke`),
    unlockCase: (n) => call(socketPath, 'POST', `/admin/cases/${enc(n)}/unlock`),
    createOperator: (input) => call(socketPath, 'POST', '/admin/operators', input),
  };
}
