import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BankError } from '../errors.js';
import type { BankDatabase } from './engine.js';

/** apps/server/drizzle, found from both src/db (tests, tsx) and dist/src/db (built). */
export function migrationsDir(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const up = here.includes('/dist/') ? '../../../drizzle' : '../../drizzle';
  return fileURLToPath(new URL(up, import.meta.url));
}

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export function loadMigrations(dir = migrationsDir()): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((name) => {
      const sql = readFileSync(`${dir}/${name}`, 'utf8');
      return {
        version: Number(name.slice(0, 4)),
        name,
        sql,
        checksum: createHash('sha256').update(sql).digest('hex'),
      };
    });
}

/**
 * Applies pending numbered SQL files, each in its own transaction, recording them in
 * schema_migrations. A session-level advisory lock keeps several bank instances starting
 * against one PostgreSQL from migrating at once. An applied file whose text changed is an error.
 */
export async function migrate(database: BankDatabase, migrations = loadMigrations()): Promise<number[]> {
  return database.withRawSession(async (s) => {
    await s.exec('SELECT pg_advisory_lock(727274001)');
    try {
      await s.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now())`);
      const applied = new Map(
        (await s.query<{ version: number; checksum: string }>('SELECT version, checksum FROM schema_migrations')).map(
          (r) => [Number(r.version), r.checksum],
        ),
      );
      const done: number[] = [];
      for (const m of migrations) {
        const seen = applied.get(m.version);
        if (seen !== undefined) {
          if (seen !== m.checksum) {
            throw new BankError('INTERNAL', `Migration ${m.name} was changed after it was applied.`);
          }
          continue;
        }
        await s.exec('BEGIN');
        try {
          await s.exec(m.sql);
          await s.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
            m.version,
            m.name,
            m.checksum,
          ]);
          await s.exec('COMMIT');
        } catch (err) {
          await s.exec('ROLLBACK');
          throw err;
        }
        done.push(m.version);
      }
      return done;
    } finally {
      await s.exec('SELECT pg_advisory_unlock(727274001)');
    }
  });
}
