import type { SQL } from 'drizzle-orm';
import type { Db } from './engine.js';

/** Runs raw SQL and returns its rows; both drivers put them in `.rows`. */
export async function rows<T>(db: Db, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}

/** int8 arrives as string (pg) or bigint/number (PGlite): normalise. */
export function num(v: unknown): number {
  return typeof v === 'number' ? v : Number(v);
}

export function toDate(v: unknown): Date {
  return v instanceof Date ? v : new Date(String(v));
}
