import { sql } from 'drizzle-orm';
import type { Db } from '../db/engine.js';
import { num, rows } from '../db/rows.js';
import type { NormalisedHash } from '../domain/hashes.js';
import type { SignalType } from '../domain/signalTypes.js';

/**
 * Inserts unseen hashes and returns the id of every given hash (existing or new), in input
 * order. New rows get placeholder feed fields; the caller must touchHashes() them in the
 * same transaction, after lockFeedClock().
 */
export async function upsertHashes(tx: Db, list: NormalisedHash[]): Promise<number[]> {
  if (list.length === 0) return [];
  const values = sql.join(
    list.map((h) => sql`(${h.signalType}, ${h.value}, ${h.quality}::integer, 'received', 'Received', 0, 0)`),
    sql`, `,
  );
  const got = await rows<{ id: unknown; signal_type: string; value: string }>(
    tx,
    sql`INSERT INTO hashes (signal_type, value, quality, hash_status, feed_status, last_mod_ts, change_seq)
        VALUES ${values}
        ON CONFLICT (signal_type, value) DO UPDATE
          SET quality = greatest(hashes.quality, excluded.quality)
        RETURNING id, signal_type, value`,
  );
  const byKey = new Map(got.map((r) => [`${r.signal_type}:${r.value}`, num(r.id)]));
  return list.map((h) => byKey.get(`${h.signalType}:${h.value}`)!);
}

export async function findHashesByValue(db: Db, values: string[], types: SignalType[]): Promise<Map<string, number>> {
  if (values.length === 0) return new Map();
  const found = await rows<{ id: unknown; value: string }>(
    db,
    sql`SELECT id, value FROM hashes
        WHERE value IN (${sql.join(
          values.map((v) => sql`${v}`),
          sql`, `,
        )})
          AND signal_type IN (${sql.join(
            types.map((t) => sql`${t}`),
            sql`, `,
          )})`,
  );
  return new Map(found.map((r) => [r.value, num(r.id)]));
}
