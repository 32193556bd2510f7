// The console's tables are reached through plain parameterised SQL on the
// driver the bank already opened: PGlite's and node-postgres' `query(text, params)`
// share this shape, so one code path runs on both engines.

export interface Queryable {
  query<Row = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: Row[] }>;
}

/** PostgreSQL returns bigint/count as strings; this reads them back as numbers. */
export function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string') return Number(value);
  return 0;
}

export function toDate(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value;
  return new Date(String(value));
}
