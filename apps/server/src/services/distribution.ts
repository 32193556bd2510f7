import { sql, type SQL } from 'drizzle-orm';

/**
 * The one place that decides what partners see for a hash. `hash_status` follows the
 * people's cases (active while any case holds it actively); `distribution` is the bank's
 * own decision about the hash (a future operator quarantine sets 'held'). A held hash is
 * announced as Deleted (the bank withdrew it, not the person), so partners delete it;
 * when released it comes back as Active.
 */
export function feedStatusSql(hashStatus: SQL, distribution: SQL): SQL {
  return sql`CASE WHEN ${distribution} = 'held' THEN 'Deleted'
    WHEN ${hashStatus} = 'active' THEN 'Active'
    WHEN ${hashStatus} = 'received' THEN 'Received'
    ELSE 'Withdrawn' END`;
}
