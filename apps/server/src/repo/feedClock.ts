import { sql } from 'drizzle-orm';
import type { Db } from '../db/engine.js';
import { num, rows } from '../db/rows.js';
import { feedStatusSql } from '../services/distribution.js';

/**
 * Serialises every change that touches hashes rows. Must be called before the
 * transaction locks any hashes row (then no two writers can deadlock), and makes
 * change_seq order equal commit order, which incremental feed readers rely on.
 */
export async function lockFeedClock(tx: Db): Promise<void> {
  await tx.execute(sql`SELECT last_seq FROM feed_clock WHERE id = 1 FOR UPDATE`);
}

/**
 * Records a change to the given hashes: gives each a fresh change_seq and the current
 * second as last_mod_ts, and recomputes the derived status, case map and feed status.
 * Every write path that changes what the feed would show calls this (status, case
 * membership, feedback, distribution), so no change escapes incremental clients.
 */
export async function touchHashes(tx: Db, hashIds: number[]): Promise<void> {
  const ids = [...new Set(hashIds)].sort((a, b) => a - b);
  if (ids.length === 0) return;
  const [clock] = await rows<{ base: unknown; ts: unknown }>(
    tx,
    sql`UPDATE feed_clock SET last_seq = last_seq + ${ids.length},
          last_ts = greatest(last_ts, floor(extract(epoch FROM clock_timestamp()))::bigint)
        WHERE id = 1 RETURNING last_seq - ${ids.length} AS base, last_ts AS ts`,
  );
  const base = num(clock.base);
  const ts = num(clock.ts);
  const idList = sql.join(
    ids.map((id) => sql`${id}::bigint`),
    sql`, `,
  );
  await tx.execute(sql`
    UPDATE hashes h SET
      change_seq = ${base}::bigint + s.ord,
      last_mod_ts = ${ts}::bigint,
      hash_status = s.hs,
      case_refs = s.refs,
      feed_status = ${feedStatusSql(sql`s.hs`, sql`h.distribution`)}
    FROM (
      SELECT v.id, v.ord,
        coalesce((SELECT CASE WHEN bool_or(ch.status = 'active') THEN 'active'
                              WHEN bool_or(ch.status = 'received') THEN 'received'
                              ELSE 'withdrawn' END
                  FROM case_hashes ch WHERE ch.hash_id = v.id), 'withdrawn') AS hs,
        coalesce((SELECT jsonb_object_agg(c.partner_ref, CASE ch.status WHEN 'active' THEN 'Active'
                                                         WHEN 'received' THEN 'Received' ELSE 'Withdrawn' END)
                  FROM case_hashes ch JOIN cases c ON c.id = ch.case_id WHERE ch.hash_id = v.id), '{}'::jsonb) AS refs
      FROM unnest(ARRAY[${idList}]) WITH ORDINALITY AS v(id, ord)
    ) s
    WHERE h.id = s.id`);
}
