// The bank must survive PostgreSQL dropping its idle connections (server restart, failover,
// pg_terminate_backend): the pool's 'error' event is handled and the next query reconnects.
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { rows } from '../src/db/rows.js';
import { openTestDatabase } from './helpers.js';

describe.skipIf(!process.env.TEST_DATABASE_URL)('PostgreSQL connection loss', () => {
  it('an idle connection terminated by the server is reported, not fatal, and the next query reconnects', async () => {
    const { database, drop } = await openTestDatabase('postgres');
    try {
      const [me] = await rows<{ pid: number; db: string }>(
        database.db,
        sql`SELECT pg_backend_pid() AS pid, current_database() AS db`,
      );
      const warnings: string[] = [];
      const onWarning = (w: Error) => warnings.push(w.message);
      process.on('warning', onWarning);
      const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
      await admin.connect();
      try {
        await admin.query('SELECT pg_terminate_backend($1)', [me.pid]);
      } finally {
        await admin.end();
      }
      await expect.poll(() => warnings.join('\n'), { timeout: 5000 }).toContain('idle PostgreSQL connection lost');
      process.off('warning', onWarning);
      const [again] = await rows<{ pid: number; db: string }>(
        database.db,
        sql`SELECT pg_backend_pid() AS pid, current_database() AS db`,
      );
      expect(again.db).toBe(me.db);
      expect(again.pid).not.toBe(me.pid);
    } finally {
      await drop();
    }
  });
});
