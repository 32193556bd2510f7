import { join, resolve } from 'node:path';
import { decodeCompact } from '@unseen/vpdq';
import type { FastifyInstance } from 'fastify';
import { directAdminOps, type AdminOps } from './admin/ops.js';
import { socketAdminOps, startAdminSocket } from './admin/socket.js';
import { type BankConfig, resolveConfig, trustProxyFromEnv } from './config.js';
import { acquireLock, type DataDirLock, readLock } from './db/lock.js';
import { type BankDatabase, openPglite, openPostgres } from './db/engine.js';
import { migrate } from './db/migrate.js';
import { BankError } from './errors.js';
import type { VpdqDecoder } from './domain/hashes.js';
import { SecretHasher } from './domain/secrets.js';
import { buildApp } from './http/app.js';
import type { BankContext } from './services/context.js';
import type { CreatePartnerInput, PartnerSummary } from './services/partners.js';

export interface StorageOptions {
  /** Embedded PGlite folder (default ./data or $UNSEEN_DATA). */
  dataDir?: string;
  /** PostgreSQL instead of the embedded engine ($DATABASE_URL). */
  databaseUrl?: string;
  /** Optional read replica for the partner feed ($DATABASE_REPLICA_URL). */
  replicaUrl?: string;
}

export interface StartBankOptions extends StorageOptions {
  host?: string;
  /** 0 picks a free port (tests). Default $PORT or 8080. */
  port?: number;
  /** Built web app to serve at / (default apps/web/dist when present; null disables). */
  webRoot?: string | null;
  config?: Partial<BankConfig>;
}

export interface RunningBank {
  url: string;
  app: FastifyInstance;
  close(): Promise<void>;
}

function resolveStorage(o: StorageOptions): { databaseUrl?: string; replicaUrl?: string; dataDir: string } {
  const databaseUrl = o.databaseUrl ?? (o.dataDir ? undefined : process.env.DATABASE_URL || undefined);
  const replicaUrl = o.replicaUrl ?? (process.env.DATABASE_REPLICA_URL || undefined);
  const dataDir = resolve(o.dataDir ?? process.env.UNSEEN_DATA ?? './data');
  return { ...(databaseUrl ? { databaseUrl } : {}), ...(replicaUrl ? { replicaUrl } : {}), dataDir };
}

export function adminSocketPath(dataDir: string): string {
  return join(dataDir, 'admin.sock');
}

/** vPDQ values are validated by @unseen/vpdq's own decoder (canonical compact strings only). */
const decodeVpdq: VpdqDecoder = (compact) => decodeCompact(compact);

export async function createContext(database: BankDatabase, config: BankConfig): Promise<BankContext> {
  return { database, config, hasher: new SecretHasher(config.argon2), keyCache: new Map(), decodeVpdq };
}

/** Starts the bank: database (migrated), HTTP API, web app, and the admin socket for an embedded folder. */
export async function startBank(options: StartBankOptions = {}): Promise<RunningBank> {
  const config = resolveConfig({ trustProxy: trustProxyFromEnv(), ...options.config });
  const storage = resolveStorage(options);
  let lock: DataDirLock | undefined;
  let database: BankDatabase;
  if (storage.databaseUrl) {
    database = openPostgres(storage.databaseUrl, storage.replicaUrl);
  } else {
    lock = acquireLock(storage.dataDir, adminSocketPath(storage.dataDir));
    try {
      database = await openPglite(storage.dataDir);
    } catch (err) {
      lock.release();
      throw err;
    }
  }
  let admin: FastifyInstance | undefined;
  let app: FastifyInstance | undefined;
  try {
    await migrate(database);
    const ctx = await createContext(database, config);
    app = await buildApp(ctx, options.webRoot === undefined ? {} : { webRoot: options.webRoot });
    if (lock) admin = await startAdminSocket(adminSocketPath(storage.dataDir), directAdminOps(ctx));
    const host = options.host ?? process.env.HOST ?? '127.0.0.1';
    const port = options.port ?? (process.env.PORT ? Number(process.env.PORT) : 8080);
    await app.listen({ host, port });
    const address = app.server.address();
    const actualPort = typeof address === 'object' && address ? address.port : port;
    const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
    const url = `http://${shownHost}:${actualPort}`;
    const running = app;
    let closed = false;
    return {
      url,
      app: running,
      close: async () => {
        if (closed) return;
        closed = true;
        await running.close();
        if (admin) await admin.close();
        await database.close();
        lock?.release();
      },
    };
  } catch (err) {
    await app?.close().catch(() => {});
    await admin?.close().catch(() => {});
    await database.close().catch(() => {});
    lock?.release();
    throw err;
  }
}

export interface AdminTarget extends StorageOptions {
  config?: Partial<BankConfig>;
}

/**
 * Admin access to a bank's storage. PostgreSQL: opened directly. Embedded folder: opened
 * directly (under the lock) when no server holds it, otherwise through the running
 * server's admin socket, so the folder is never opened by two processes.
 */
export async function openAdmin(
  target: AdminTarget = {},
): Promise<AdminOps & { via: 'database' | 'server'; close(): Promise<void> }> {
  const config = resolveConfig(target.config);
  const storage = resolveStorage(target);
  if (storage.databaseUrl) {
    const database = openPostgres(storage.databaseUrl);
    await migrate(database);
    const ops = directAdminOps(await createContext(database, config));
    return { ...ops, via: 'database', close: () => database.close() };
  }
  const holder = readLock(storage.dataDir);
  if (holder) {
    if (!holder.adminSocket) {
      throw new BankError(
        'CONFLICT',
        `The data folder is in use by process ${holder.pid}, which offers no admin socket.`,
      );
    }
    return { ...socketAdminOps(holder.adminSocket), via: 'server', close: async () => {} };
  }
  const lock = acquireLock(storage.dataDir);
  let database: BankDatabase;
  try {
    database = await openPglite(storage.dataDir);
    await migrate(database);
  } catch (err) {
    lock.release();
    throw err;
  }
  const ops = directAdminOps(await createContext(database, config));
  return {
    ...ops,
    via: 'database',
    close: async () => {
      await database.close();
      lock.release();
    },
  };
}

async function withAdmin<T>(target: AdminTarget, fn: (ops: AdminOps) => Promise<T>): Promise<T> {
  const admin = await openAdmin(target);
  try {
    return await fn(admin);
  } finally {
    await admin.close();
  }
}

/** Creates a partner account and returns its API key (shown only here). Works with or without a running server. */
export function createPartner(
  input: CreatePartnerInput & AdminTarget,
): Promise<{ id: string; name: string; key: string }> {
  const { name, extendedSignalTypes, ...target } = input;
  return withAdmin(target, (ops) =>
    ops.createPartner({ name, ...(extendedSignalTypes ? { extendedSignalTypes } : {}) }),
  );
}

export function listPartners(target: AdminTarget = {}): Promise<PartnerSummary[]> {
  return withAdmin(target, (ops) => ops.listPartners());
}
