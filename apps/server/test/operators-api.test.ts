// The console API's authentication and authorisation, on a real PGlite
// database with the console's tables. The bank side is an in-memory bridge
// that records the audit trail, so these tests run without the rest of the bank.
import Fastify, { type FastifyInstance } from 'fastify';
import { generateSync } from 'otplib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hashPassword, newTotpSecret } from '../src/operators/auth.js';
import { registerOperatorConsole } from '../src/operators/index.js';
import { OperatorStore } from '../src/operators/store.js';
import { consoleQueryable } from '../src/operators/bank-bridge.js';
import type { Queryable } from '../src/operators/sql.js';
import { engines, openTestDatabase } from './helpers.js';
import { MemoryBridge } from './operators-fixture.js';

describe.each(engines)('operator console API on %s', (engine) => {
  let db: Queryable;
  let drop: () => Promise<void>;
  let app: FastifyInstance;
  let bridge: MemoryBridge;
  let clock = new Date('2026-11-25T12:00:00Z');
  const store = () => new OperatorStore(db);

  async function makeOperator(email: string, role: 'viewer' | 'operator' | 'admin', password = 'a long passphrase') {
    return store().createOperator(email, role, await hashPassword(password));
  }

  async function login(email: string, password = 'a long passphrase', totp?: string) {
    const res = await app.inject({ method: 'POST', url: '/api/admin/login', payload: { email, password, totp } });
    const cookie = String(res.headers['set-cookie'] ?? '').split(';')[0];
    return { res, cookie, csrf: res.statusCode === 200 ? (res.json().csrfToken as string) : '' };
  }

  beforeAll(async () => {
    const opened = await openTestDatabase(engine);
    db = consoleQueryable(opened.database);
    drop = opened.drop;
  });

  afterAll(async () => drop?.());

  beforeEach(async () => {
    await db.query('TRUNCATE operators, operator_sessions, hash_moderation, allow_list CASCADE');
    clock = new Date('2026-11-25T12:00:00Z');
    bridge = new MemoryBridge();
    app = Fastify();
    await registerOperatorConsole(app, {
      db,
      bridge,
      floodScanIntervalMs: 0,
      loginAttemptsPerMinute: 8,
      now: () => clock,
    });
    await app.ready();
    return () => app.close();
  });

  describe('login', () => {
    it('sets a HttpOnly Secure SameSite=Strict session cookie and returns a CSRF token', async () => {
      await makeOperator('Ada@Example.org', 'admin');
      const { res, cookie, csrf } = await login('ada@example.org');
      expect(res.statusCode).toBe(200);
      const setCookie = String(res.headers['set-cookie']);
      expect(setCookie).toMatch(/HttpOnly/);
      expect(setCookie).toMatch(/Secure/);
      expect(setCookie).toMatch(/SameSite=Strict/);
      expect(setCookie).toMatch(/Path=\/api\/admin/);
      expect(csrf.length).toBeGreaterThan(20);
      expect(res.json().operator).toMatchObject({ email: 'ada@example.org', role: 'admin', totpEnabled: false });
      const session = await app.inject({ method: 'GET', url: '/api/admin/session', headers: { cookie } });
      expect(session.statusCode).toBe(200);
      expect(session.json().csrfToken).toBe(csrf);
      // Only a hash of the cookie is stored.
      const token = cookie.split('=')[1];
      const { rows } = await db.query<{ token_hash: string }>('SELECT token_hash FROM operator_sessions');
      expect(rows).toHaveLength(1);
      expect(rows[0].token_hash).not.toBe(token);
      expect(bridge.audits.map((a) => a.action)).toEqual(['operator.login']);
    });

    it('answers a wrong password and an unknown email identically', async () => {
      await makeOperator('ada@example.org', 'admin');
      const wrong = await login('ada@example.org', 'not the passphrase');
      const unknown = await login('nobody@example.org', 'not the passphrase');
      expect(wrong.res.statusCode).toBe(401);
      expect(unknown.res.statusCode).toBe(401);
      expect(wrong.res.json()).toEqual(unknown.res.json());
      expect(wrong.res.json().error.code).toBe('INVALID_CREDENTIALS');
      expect(wrong.res.headers['set-cookie']).toBeUndefined();
    });

    it('locks the account after five failures, even for the right password, until the lock expires', async () => {
      await makeOperator('ada@example.org', 'admin');
      for (let i = 0; i < 5; i++) expect((await login('ada@example.org', 'wrong')).res.statusCode).toBe(401);
      const locked = await login('ada@example.org');
      expect(locked.res.statusCode).toBe(423);
      expect(locked.res.json().error.code).toBe('OPERATOR_LOCKED');
      expect(bridge.audits.some((a) => a.action === 'operator.locked')).toBe(true);
      clock = new Date(clock.getTime() + 15 * 60_000 + 1000);
      expect((await login('ada@example.org')).res.statusCode).toBe(200);
    });

    it('rate-limits login attempts per client address', async () => {
      for (let i = 0; i < 8; i++) await login(`n${i}@example.org`, 'wrong');
      const limited = await login('n9@example.org', 'wrong');
      expect(limited.res.statusCode).toBe(429);
      expect(limited.res.json().error.code).toBe('RATE_LIMITED');
      expect(Number(limited.res.headers['retry-after'])).toBeGreaterThan(0);
    });

    it('logout ends the session', async () => {
      await makeOperator('ada@example.org', 'viewer');
      const { cookie, csrf } = await login('ada@example.org');
      const out = await app.inject({
        method: 'POST',
        url: '/api/admin/logout',
        headers: { cookie, 'x-csrf-token': csrf },
      });
      expect(out.statusCode).toBe(200);
      const after = await app.inject({ method: 'GET', url: '/api/admin/session', headers: { cookie } });
      expect(after.statusCode).toBe(401);
      expect(after.json().error.code).toBe('UNAUTHORIZED');
    });

    it('ends an idle session', async () => {
      await makeOperator('ada@example.org', 'viewer');
      const { cookie } = await login('ada@example.org');
      clock = new Date(clock.getTime() + 31 * 60_000);
      const after = await app.inject({ method: 'GET', url: '/api/admin/session', headers: { cookie } });
      expect(after.statusCode).toBe(401);
    });
  });

  describe('CSRF', () => {
    it('rejects a state change without the token or with a wrong one, accepts it with the token', async () => {
      await makeOperator('ada@example.org', 'admin');
      const { cookie, csrf } = await login('ada@example.org');
      const create = (headers: Record<string, string>) =>
        app.inject({
          method: 'POST',
          url: '/api/admin/partners',
          headers: { cookie, ...headers },
          payload: { name: 'P' },
        });
      const missing = await create({});
      expect(missing.statusCode).toBe(403);
      expect(missing.json().error.code).toBe('CSRF_REJECTED');
      expect((await create({ 'x-csrf-token': `${csrf}x` })).statusCode).toBe(403);
      expect(bridge.partners.size).toBe(0);
      const ok = await create({ 'x-csrf-token': csrf });
      expect(ok.statusCode).toBe(201);
      expect(ok.json()).toMatchObject({ name: 'P', key: 'key-p1' });
    });

    it('a token from another session does not work', async () => {
      await makeOperator('ada@example.org', 'admin');
      await makeOperator('bob@example.org', 'admin');
      const ada = await login('ada@example.org');
      const bob = await login('bob@example.org');
      const res = await app.inject({
        method: 'POST',
        url: '/api/admin/partners',
        headers: { cookie: ada.cookie, 'x-csrf-token': bob.csrf },
        payload: { name: 'P' },
      });
      expect(res.statusCode).toBe(403);
    });
  });

  describe('roles', () => {
    it('viewer reads, operator reviews, only admin manages partners', async () => {
      await makeOperator('v@example.org', 'viewer');
      await makeOperator('o@example.org', 'operator');
      await makeOperator('a@example.org', 'admin');
      const sessions = {
        viewer: await login('v@example.org'),
        operator: await login('o@example.org'),
        admin: await login('a@example.org'),
      };
      const call = (who: keyof typeof sessions, method: 'GET' | 'POST', url: string, payload?: object) =>
        app.inject({
          method,
          url,
          headers: { cookie: sessions[who].cookie, 'x-csrf-token': sessions[who].csrf },
          payload,
        });
      const allowEntry = { signalType: 'md5', value: '0123456789abcdef0123456789abcdef' };
      expect((await call('viewer', 'GET', '/api/admin/partners')).statusCode).toBe(200);
      expect((await call('viewer', 'GET', '/api/admin/audit')).statusCode).toBe(200);
      const viewerWrite = await call('viewer', 'POST', '/api/admin/allow-list', allowEntry);
      expect(viewerWrite.statusCode).toBe(403);
      expect(viewerWrite.json().error.code).toBe('FORBIDDEN');
      expect((await call('operator', 'POST', '/api/admin/allow-list', allowEntry)).statusCode).toBe(201);
      expect((await call('operator', 'POST', '/api/admin/partners', { name: 'X' })).statusCode).toBe(403);
      expect((await call('operator', 'GET', '/api/admin/operators')).statusCode).toBe(403);
      expect((await call('admin', 'POST', '/api/admin/partners', { name: 'X' })).statusCode).toBe(201);
      expect((await call('admin', 'GET', '/api/admin/operators')).json().operators).toHaveLength(3);
    });

    it('refuses every console route without a session', async () => {
      for (const url of ['/api/admin/dashboard', '/api/admin/partners', '/api/admin/review', '/api/admin/audit']) {
        const res = await app.inject({ method: 'GET', url });
        expect(res.statusCode).toBe(401);
        expect(res.json().error.code).toBe('UNAUTHORIZED');
      }
    });
  });

  describe('TOTP', () => {
    it('enrols, then requires and checks the code at login, and refuses a replayed code', async () => {
      await makeOperator('ada@example.org', 'admin');
      const first = await login('ada@example.org');
      const setup = await app.inject({
        method: 'POST',
        url: '/api/admin/totp/setup',
        headers: { cookie: first.cookie, 'x-csrf-token': first.csrf },
      });
      expect(setup.statusCode).toBe(200);
      const { secret, uri } = setup.json() as { secret: string; uri: string };
      expect(uri).toMatch(/^otpauth:\/\/totp\//);
      const epoch = Math.floor(clock.getTime() / 1000);
      const badEnable = await app.inject({
        method: 'POST',
        url: '/api/admin/totp/enable',
        headers: { cookie: first.cookie, 'x-csrf-token': first.csrf },
        payload: { code: '000000' === generateSync({ secret, epoch }) ? '111111' : '000000' },
      });
      expect(badEnable.statusCode).toBe(401);
      const enable = await app.inject({
        method: 'POST',
        url: '/api/admin/totp/enable',
        headers: { cookie: first.cookie, 'x-csrf-token': first.csrf },
        payload: { code: generateSync({ secret, epoch }) },
      });
      expect(enable.statusCode).toBe(200);

      clock = new Date(clock.getTime() + 60_000);
      const noCode = await login('ada@example.org');
      expect(noCode.res.statusCode).toBe(401);
      expect(noCode.res.json().error.code).toBe('TOTP_REQUIRED');
      const wrongPasswordRightCode = await login(
        'ada@example.org',
        'wrong',
        generateSync({ secret, epoch: epoch + 60 }),
      );
      expect(wrongPasswordRightCode.res.json().error.code).toBe('INVALID_CREDENTIALS');
      const code = generateSync({ secret, epoch: epoch + 60 });
      const ok = await login('ada@example.org', 'a long passphrase', code);
      expect(ok.res.statusCode).toBe(200);
      expect(ok.res.json().operator.totpEnabled).toBe(true);
      const replay = await login('ada@example.org', 'a long passphrase', code);
      expect(replay.res.statusCode).toBe(401);
      expect(replay.res.json().error.code).toBe('TOTP_INVALID');
    });

    it('an unrelated secret does not verify', async () => {
      const op = await makeOperator('ada@example.org', 'admin');
      const secret = newTotpSecret();
      await store().setPendingTotpSecret(op.id, secret);
      await store().enableTotp(op.id, 0);
      const other = newTotpSecret();
      const res = await login(
        'ada@example.org',
        'a long passphrase',
        generateSync({ secret: other, epoch: Math.floor(clock.getTime() / 1000) }),
      );
      expect(res.res.statusCode).toBe(401);
    });
  });

  describe('audit', () => {
    it('records admin actions without secrets', async () => {
      await makeOperator('ada@example.org', 'admin');
      const { cookie, csrf } = await login('ada@example.org');
      const headers = { cookie, 'x-csrf-token': csrf };
      const created = await app.inject({ method: 'POST', url: '/api/admin/partners', headers, payload: { name: 'P' } });
      const { id, key } = created.json() as { id: string; key: string };
      await app.inject({ method: 'POST', url: `/api/admin/partners/${id}/rotate`, headers });
      await app.inject({
        method: 'PUT',
        url: `/api/admin/partners/${id}/signal-types`,
        headers,
        payload: { extended: ['VideoVPDQ'] },
      });
      await app.inject({ method: 'POST', url: `/api/admin/partners/${id}/revoke`, headers });
      expect(bridge.audits.map((a) => a.action)).toEqual([
        'operator.login',
        'partner.created',
        'partner.key_rotated',
        'partner.signal_types_changed',
        'partner.revoked',
      ]);
      const serialised = JSON.stringify(bridge.audits);
      expect(serialised).not.toContain(key);
      expect(serialised).not.toContain('rotated-');
      expect(serialised).not.toContain('a long passphrase');
      expect(bridge.audits.every((a) => a.actor.type === 'admin' && a.actor.id === 'ada@example.org')).toBe(true);
    });
  });
});
