import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { type Schema, schema } from './schema.js';

/** A Drizzle handle on either engine; transactions share this type, so repositories take either. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

/** Plain SQL access for the migrator (multi-statement scripts need the simple-query protocol). */
export interface RawSession {
  exec(sqlText: string): Promise<void>;
  query<T>(sqlText: string, params?: unknown[]): Promise<T[]>;
}

export interface BankDatabase {
  kind: 'pglite' | 'postgres';
  db: Db;
  /** Where the partner feed reads from: the replica when configured, else `db`. */
  feedDb: Db;
  withRawSession<T>(fn: (session: RawSession) => Promise<T>): Promise<T>;
  /** PGlite only: the underlying instance (tests dump it as a template). */
  pglite?: PGlite;
  close(): Promise<void>;
}

export function wrapPglite(pglite: PGlite): BankDatabase {
  const db = drizzlePglite({ client: pglite, schema }) as unknown as Db;
  const session: RawSession = {
    exec: async (text) => {
      await pglite.exec(text);
    },
    query: async <T>(text: string, params?: unknown[]) => (await pglite.query<T>(text, params)).rows,
  };
  return {
    kind: 'pglite',
    db,
    feedDb: db,
    pglite,
    withRawSession: (fn) => fn(session),
    close: () => pglite.close(),
  };
}

/** Opens (creating if needed) an embedded PGlite database in `dataDir`; `undefined` = in memory. */
export async function openPglite(dataDir: string | undefined, loadDataDir?: Blob): Promise<BankDatabase> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const pglite = await PGlite.create({ ...(dataDir ? { dataDir } : {}), ...(loadDataDir ? { loadDataDir } : {}) });
  return wrapPglite(pglite);
}

export function openPostgres(
  databaseUrl: string,
  replicaUrl?: string,
  onIdleError: (err: Error) => void = (err) => process.emitWarning(`idle PostgreSQL connection lost: ${err.message}`),
): BankDatabase {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
  const replicaPool = replicaUrl ? new pg.Pool({ connectionString: replicaUrl, max: 10 }) : undefined;
  // An idle pooled connection that the server drops (restart, failover, an administrator's
  // pg_terminate_backend) makes the pool emit 'error'; unhandled, that would kill the process.
  // The pool has already discarded the client and the next query opens a fresh one.
  for (const p of [pool, replicaPool]) p?.on('error', (err) => onIdleError(err));
  const db = drizzlePg({ client: pool, schema }) as unknown as Db;
  const feedDb = replicaPool ? (drizzlePg({ client: replicaPool, schema }) as unknown as Db) : db;
  return {
    kind: 'postgres',
    db,
    feedDb,
    withRawSession: async (fn) => {
      const client = await pool.connect();
      try {
        return await fn({
          exec: async (text) => {
            await client.query(text);
          },
          query: async <T>(text: string, params?: unknown[]) =>
            (await client.query(text, params as unknown[])).rows as T[],
        });
      } finally {
        client.release();
      }
    },
    close: async () => {
      await pool.end();
      if (replicaPool) await replicaPool.end();
    },
  };
}
