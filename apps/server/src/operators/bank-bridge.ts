// The console's view of the bank, over the bank's own tables and services.
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { defaultAbuseConfig } from '../abuse/rules.js';
import type { BankDatabase } from '../db/engine.js';
import { num, rows, toDate } from '../db/rows.js';
import { BankError } from '../errors.js';
import { type Actor, audit } from '../repo/audit.js';
import { lockFeedClock, touchHashes } from '../repo/feedClock.js';
import type { BankContext } from '../services/context.js';
import { createPartnerAccount, revokePartner, rotatePartnerKey } from '../services/partners.js';
import type { AllowListSignal } from '../abuse/rules.js';
import type {
  AuditRecord,
  BankBridge,
  DashboardData,
  ExtendedSignalType,
  HashFacts,
  PartnerSummary,
} from './bridge.js';
import { type OperatorConsoleOptions, registerOperatorConsole } from './index.js';
import type { Queryable } from './sql.js';

/**
 * The driver under the bank's Drizzle handle. PGlite and node-postgres' Pool both
 * answer `query(text, params)` with `{ rows }`, which is all the console's store needs.
 */
export function consoleQueryable(database: BankDatabase): Queryable {
  if (database.pglite) return database.pglite;
  return (database.db as unknown as { $client: Queryable }).$client;
}

const MATCHED = ['PendingReview', 'Blocked', 'NotBlocked'];

function isoOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : toDate(value).toISOString();
}

export function createBankBridge(ctx: BankContext): BankBridge {
  const { db } = ctx.database;

  const actorOf = (entry: { type: 'admin' | 'system'; id: string }): Actor => ({ type: entry.type, id: entry.id });

  return {
    async audit(entry) {
      await audit(db, actorOf(entry.actor), entry.action, entry.subject, entry.details ?? {});
    },

    async queryAudit(filter) {
      const conditions = [sql`true`];
      if (filter.actor) {
        conditions.push(sql`(actor_type || ':' || coalesce(actor_id, '')) ILIKE ${`%${filter.actor}%`}`);
      }
      if (filter.action) conditions.push(sql`action ILIKE ${`${filter.action}%`}`);
      if (filter.from) conditions.push(sql`at >= ${filter.from.toISOString()}::timestamptz`);
      if (filter.to) conditions.push(sql`at <= ${filter.to.toISOString()}::timestamptz`);
      if (filter.before && /^\d+$/.test(filter.before)) conditions.push(sql`id < ${filter.before}::bigint`);
      const found = await rows<{
        id: unknown;
        at: unknown;
        actor_type: string;
        actor_id: string | null;
        action: string;
        subject_type: string | null;
        subject_id: string | null;
        details: Record<string, unknown> | string;
      }>(
        db,
        sql`SELECT id, at, actor_type, actor_id, action, subject_type, subject_id, details FROM audit_log
            WHERE ${sql.join(conditions, sql` AND `)} ORDER BY id DESC LIMIT ${filter.limit}`,
      );
      return found.map(
        (r): AuditRecord => ({
          id: String(num(r.id)),
          at: toDate(r.at).toISOString(),
          actor: r.actor_id ? `${r.actor_type}:${r.actor_id}` : r.actor_type,
          action: r.action,
          target: r.subject_type ? `${r.subject_type}:${r.subject_id ?? ''}` : null,
          details: typeof r.details === 'string' ? (JSON.parse(r.details) as Record<string, unknown>) : r.details,
        }),
      );
    },

    async listPartners() {
      const found = await rows<{
        id: string;
        name: string;
        created_at: unknown;
        revoked_at: unknown;
        extended_signal_types: boolean;
        last_fetch_at: unknown;
        checkpoint: unknown;
        last_ts: unknown;
      }>(
        db,
        sql`SELECT p.id, p.name, p.created_at, p.revoked_at, p.extended_signal_types,
                   f.last_fetch_at, f.checkpoint, (SELECT last_ts FROM feed_clock WHERE id = 1) AS last_ts
              FROM partners p LEFT JOIN partner_fetches f ON f.partner_id = p.id
             ORDER BY p.created_at, p.id`,
      );
      return found.map((r): PartnerSummary => {
        const checkpoint = r.checkpoint === null || r.checkpoint === undefined ? null : num(r.checkpoint);
        return {
          id: r.id,
          name: r.name,
          createdAt: toDate(r.created_at).toISOString(),
          revokedAt: isoOrNull(r.revoked_at),
          extendedSignalTypes: r.extended_signal_types ? ['VideoVPDQ'] : [],
          lastFetchAt: isoOrNull(r.last_fetch_at),
          checkpoint,
          // How far the partner's checkpoint trails the newest change in the bank.
          checkpointLagSeconds: checkpoint === null ? null : Math.max(0, num(r.last_ts) - checkpoint),
        };
      });
    },

    async createPartner(name, actor) {
      return createPartnerAccount(ctx, { name }, actorOf(actor));
    },

    async rotatePartnerKey(id, actor) {
      try {
        const { key } = await rotatePartnerKey(ctx, id, actorOf(actor));
        return { key };
      } catch (err) {
        if (err instanceof BankError && (err.code === 'NOT_FOUND' || err.code === 'CONFLICT')) return null;
        throw err;
      }
    },

    async revokePartner(id, actor) {
      try {
        await revokePartner(ctx, id, actorOf(actor));
        return true;
      } catch (err) {
        if (err instanceof BankError && err.code === 'NOT_FOUND') return false;
        throw err;
      }
    },

    async setPartnerSignalTypes(id, extended: ExtendedSignalType[]) {
      const updated = await rows<{ id: string }>(
        db,
        sql`UPDATE partners SET extended_signal_types = ${extended.includes('VideoVPDQ')} WHERE id = ${id} RETURNING id`,
      );
      return updated.length === 1;
    },

    async dashboard(days, now): Promise<DashboardData> {
      const today = now.toISOString().slice(0, 10);
      const perDay = await rows<{ day: string; cases: unknown; hashes: unknown }>(
        db,
        sql`WITH span AS (
              SELECT d::date AS day
                FROM generate_series(${today}::date - ${days - 1}::int, ${today}::date, interval '1 day') AS d)
            SELECT to_char(span.day, 'YYYY-MM-DD') AS day,
                   (SELECT count(*) FROM cases c WHERE (c.created_at AT TIME ZONE 'UTC')::date = span.day) AS cases,
                   (SELECT count(*) FROM hashes h WHERE (h.first_seen_at AT TIME ZONE 'UTC')::date = span.day) AS hashes
              FROM span ORDER BY span.day`,
      );
      const feedback = await rows<{ partner_id: string; name: string; feedback_value: string; n: unknown }>(
        db,
        sql`SELECT f.partner_id, p.name, f.feedback_value, count(*) AS n
              FROM partner_feedback f JOIN partners p ON p.id = f.partner_id
             GROUP BY f.partner_id, p.name, f.feedback_value ORDER BY p.name`,
      );
      const byPartner = new Map<string, DashboardData['feedbackByPartner'][number]>();
      for (const r of feedback) {
        const entry = byPartner.get(r.partner_id) ?? { partnerId: r.partner_id, partnerName: r.name, counts: {} };
        entry.counts[r.feedback_value] = num(r.n);
        byPartner.set(r.partner_id, entry);
      }
      const [totals] = await rows<{
        cases: unknown;
        active: unknown;
        matches: unknown;
        removals: unknown;
        kept: unknown;
      }>(
        db,
        sql`SELECT (SELECT count(*) FROM cases) AS cases,
                   (SELECT count(*) FROM hashes WHERE hash_status = 'active' AND distribution = 'shared') AS active,
                   (SELECT count(*) FROM partner_feedback WHERE feedback_value IN (${sql.join(
                     MATCHED.map((v) => sql`${v}`),
                     sql`, `,
                   )})) AS matches,
                   (SELECT count(*) FROM partner_feedback WHERE feedback_value = 'Blocked') AS removals,
                   (SELECT count(*) FROM partner_feedback WHERE feedback_value = 'NotBlocked') AS kept`,
      );
      return {
        days: perDay.map((r) => ({ day: r.day, cases: num(r.cases), hashes: num(r.hashes) })),
        feedbackByPartner: [...byPartner.values()],
        totals: {
          cases: num(totals.cases),
          activeHashes: num(totals.active),
          matches: num(totals.matches),
          removals: num(totals.removals),
          notRemoved: num(totals.kept),
        },
      };
    },

    async hashFacts(signalType: AllowListSignal, value: string): Promise<HashFacts> {
      const [hash] = await rows<{ id: unknown; case_count: unknown; active_count: unknown }>(
        db,
        sql`SELECT h.id,
                   (SELECT count(*) FROM case_hashes ch WHERE ch.hash_id = h.id) AS case_count,
                   (SELECT count(*) FROM case_hashes ch WHERE ch.hash_id = h.id AND ch.status = 'active') AS active_count
              FROM hashes h WHERE h.signal_type = ${signalType} AND h.value = ${value}`,
      );
      if (!hash) return { exists: false, caseCount: 0, activeCaseCount: 0, feedback: [] };
      const feedback = await rows<{ partner_id: string; name: string; feedback_value: string; updated_at: unknown }>(
        db,
        sql`SELECT f.partner_id, p.name, f.feedback_value, f.updated_at
              FROM partner_feedback f JOIN partners p ON p.id = f.partner_id
             WHERE f.hash_id = ${num(hash.id)}::bigint`,
      );
      return {
        exists: true,
        caseCount: num(hash.case_count),
        activeCaseCount: num(hash.active_count),
        feedback: feedback.map((f) => ({
          partnerId: f.partner_id,
          partnerName: f.name,
          value: f.feedback_value as HashFacts['feedback'][number]['value'],
          at: toDate(f.updated_at),
        })),
      };
    },

    async setDistribution(signalType, value, distribution) {
      await db.transaction(async (tx) => {
        // The feed clock first, as every writer of hashes rows does (no deadlocks, commit order = feed order).
        await lockFeedClock(tx);
        const updated = await rows<{ id: unknown }>(
          tx,
          sql`UPDATE hashes SET distribution = ${distribution}
               WHERE signal_type = ${signalType} AND value = ${value} RETURNING id`,
        );
        await touchHashes(
          tx,
          updated.map((r) => num(r.id)),
        );
      });
    },
  };
}

/**
 * Mounts the console on the bank's app. Submission limits not set explicitly follow
 * the bank's own per-IP case rate, so a deployment (or benchmark) that raises that
 * rate is not throttled by a stricter hidden default.
 */
export async function registerOperatorConsoleForBank(
  app: FastifyInstance,
  ctx: BankContext,
  options: Partial<Omit<OperatorConsoleOptions, 'db' | 'bridge'>> = {},
): Promise<void> {
  const hourlyCases = ctx.config.caseCreatePerIpPerMinute * 60;
  await registerOperatorConsole(app, {
    db: consoleQueryable(ctx.database),
    bridge: createBankBridge(ctx),
    ...options,
    abuse: {
      // The bank's own validation enforces config.maxHashesPerCase, with per-hash details.
      maxHashesPerCase: Number.MAX_SAFE_INTEGER,
      submissionsPerClientPerWindow: hourlyCases,
      hashesPerClientPerWindow: Math.max(defaultAbuseConfig.hashesPerClientPerWindow, hourlyCases * 10),
      submissionWindowSeconds: 3600,
      ...options.abuse,
    },
  });
}
