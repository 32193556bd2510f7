// Entry point the bank's app factory calls once: mounts the console API under
// /api/admin and wires the abuse controls into the bank's own routes.
import type { FastifyInstance } from 'fastify';
import { installAbuseHooks } from '../abuse/hooks.js';
import { type AbuseConfig, resolveAbuseConfig } from '../abuse/rules.js';
import { AbuseService } from '../abuse/service.js';
import { defaultLockoutPolicy, type LockoutPolicy } from './auth.js';
import type { BankBridge } from './bridge.js';
import { consoleRoutes } from './routes.js';
import type { Queryable } from './sql.js';
import { OperatorStore } from './store.js';

export interface OperatorConsoleOptions {
  db: Queryable;
  bridge: BankBridge;
  abuse?: Partial<AbuseConfig>;
  lockout?: Partial<LockoutPolicy>;
  sessionIdleSeconds?: number;
  loginAttemptsPerMinute?: number;
  secureCookies?: boolean;
  /** How often the flooding scan runs; 0 turns the timer off (tests call the scan route). */
  floodScanIntervalMs?: number;
  now?: () => Date;
}

export async function registerOperatorConsole(
  app: FastifyInstance,
  options: OperatorConsoleOptions,
): Promise<{ abuse: AbuseService; store: OperatorStore }> {
  const now = options.now ?? (() => new Date());
  const store = new OperatorStore(options.db);
  const abuse = new AbuseService(store, options.bridge, resolveAbuseConfig(options.abuse));
  installAbuseHooks(app, abuse, now);
  await app.register(
    (instance) =>
      consoleRoutes(instance, {
        store,
        bridge: options.bridge,
        abuse,
        lockout: { ...defaultLockoutPolicy, ...options.lockout },
        sessionIdleSeconds: options.sessionIdleSeconds ?? 30 * 60,
        loginAttemptsPerMinute: options.loginAttemptsPerMinute ?? 20,
        secureCookies: options.secureCookies ?? true,
        now,
      }),
    { prefix: '/api/admin' },
  );
  const interval = options.floodScanIntervalMs ?? 10 * 60_000;
  if (interval > 0) {
    const timer = setInterval(() => {
      abuse.scanFlooding(now()).catch((err: unknown) => app.log.error({ err }, 'flooding scan failed'));
    }, interval);
    timer.unref();
    app.addHook('onClose', async () => clearInterval(timer));
  }
  return { abuse, store };
}

export { OperatorStore } from './store.js';
export { hashPassword, generatePassword, isOperatorRole, MIN_PASSWORD_LENGTH, OPERATOR_ROLES } from './auth.js';
export type { OperatorRole } from './auth.js';
export type { BankBridge } from './bridge.js';
