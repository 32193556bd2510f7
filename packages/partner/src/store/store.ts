import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { CaseStatus, CspFeedback, FetchHashesResponse, HashRecord } from '../api/schemas.js';
import { isRemoval } from '../api/schemas.js';
import { PartnerError } from '../errors.js';

/** A record as the synced bank holds it: the feed's latest snapshot of one (signalType, hashValue). */
export interface StoredRecord {
  signalType: string;
  hashValue: string;
  hashStatus: CaseStatus;
  caseNumbers: Record<string, CaseStatus>;
  feedbacks: CspFeedback[];
  lastModtimestamp: number;
}

export type StoreChange =
  | { type: 'added'; record: StoredRecord }
  | { type: 'updated'; record: StoredRecord; previous: StoredRecord }
  | { type: 'removed'; record: StoredRecord; reason: 'Withdrawn' | 'Deleted' | 'Swept' };

/**
 * Where an unfinished sync run stands. `startTimestamp` is the run's own start, which is always a safe
 * place to restart from (the feed is inclusive and records are full snapshots, so re-applying is a no-op).
 * `generation` is set for a full run, whose last page sweeps every record the run did not see.
 */
export interface SyncCursor {
  startTimestamp: number;
  nextPageToken: string | null;
  generation: number | null;
}

export interface PageApplyResult {
  added: number;
  updated: number;
  removed: number;
  unchanged: number;
  swept: number;
  changes: StoreChange[];
}

interface RecordRow {
  signal_type: string;
  hash_value: string;
  hash_status: string;
  case_numbers: string;
  feedbacks: string;
  last_mod: number;
}

interface StoreEvents {
  changes: [StoreChange[]];
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS records (
  signal_type  TEXT    NOT NULL,
  hash_value   TEXT    NOT NULL,
  hash_status  TEXT    NOT NULL,
  case_numbers TEXT    NOT NULL,
  feedbacks    TEXT    NOT NULL,
  last_mod     INTEGER NOT NULL,
  generation   INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (signal_type, hash_value)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS feedback_sent (
  hash_value     TEXT    NOT NULL,
  feedback_value TEXT    NOT NULL,
  sent_at        INTEGER NOT NULL,
  PRIMARY KEY (hash_value, feedback_value)
) WITHOUT ROWID;
`;

function toRecord(row: RecordRow): StoredRecord {
  return {
    signalType: row.signal_type,
    hashValue: row.hash_value,
    hashStatus: row.hash_status as CaseStatus,
    caseNumbers: JSON.parse(row.case_numbers) as Record<string, CaseStatus>,
    feedbacks: JSON.parse(row.feedbacks) as CspFeedback[],
    lastModtimestamp: row.last_mod,
  };
}

function fromFeed(r: HashRecord): StoredRecord {
  return {
    signalType: r.signalType,
    hashValue: r.hashValue,
    hashStatus: r.hashStatus,
    caseNumbers: r.caseNumbers,
    feedbacks: r.CSPFeedbacks ?? [],
    lastModtimestamp: r.lastModtimestamp,
  };
}

function sameSnapshot(a: StoredRecord, b: StoredRecord): boolean {
  return (
    a.hashStatus === b.hashStatus &&
    a.lastModtimestamp === b.lastModtimestamp &&
    JSON.stringify(a.caseNumbers) === JSON.stringify(b.caseNumbers) &&
    JSON.stringify(a.feedbacks) === JSON.stringify(b.feedbacks)
  );
}

/**
 * The partner's local copy of the bank: a SQLite file (WAL, synchronous=FULL) holding the latest snapshot of
 * every live record plus the sync checkpoint. Each feed page is applied in ONE transaction together with the
 * checkpoint/cursor, so a crash at any instant leaves either the page and its checkpoint, or neither.
 * Withdrawn and Deleted records are deleted, not kept with a status: a removed hash must never match again.
 * Committed changes are emitted as `changes` events for an in-memory matcher to follow incrementally.
 */
export class SyncedBank extends EventEmitter<StoreEvents> {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly stmts;

  constructor(file: string) {
    super();
    this.path = file;
    try {
      if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
      this.db = new Database(file);
      this.db.pragma('journal_mode = WAL');
      // FULL: a committed page survives power loss, so the checkpoint never runs ahead of the data.
      this.db.pragma('synchronous = FULL');
      this.db.pragma('busy_timeout = 5000');
      this.db.exec(SCHEMA);
    } catch (cause) {
      throw new PartnerError(
        'STORE_ERROR',
        `cannot open the synced bank at ${file}: ${(cause as Error).message}; check --store and its permissions`,
        { cause },
      );
    }
    const db = this.db;
    this.stmts = {
      getMeta: db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?'),
      setMeta: db.prepare<[string, string]>(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      ),
      delMeta: db.prepare<[string]>('DELETE FROM meta WHERE key = ?'),
      get: db.prepare<[string, string], RecordRow>(
        'SELECT signal_type, hash_value, hash_status, case_numbers, feedbacks, last_mod FROM records WHERE signal_type = ? AND hash_value = ?',
      ),
      upsert: db.prepare<[string, string, string, string, string, number, number]>(
        `INSERT INTO records (signal_type, hash_value, hash_status, case_numbers, feedbacks, last_mod, generation)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(signal_type, hash_value) DO UPDATE SET hash_status = excluded.hash_status,
           case_numbers = excluded.case_numbers, feedbacks = excluded.feedbacks, last_mod = excluded.last_mod,
           generation = MAX(records.generation, excluded.generation)`,
      ),
      touch: db.prepare<[number, string, string]>(
        'UPDATE records SET generation = ? WHERE signal_type = ? AND hash_value = ?',
      ),
      del: db.prepare<[string, string]>('DELETE FROM records WHERE signal_type = ? AND hash_value = ?'),
      stale: db.prepare<[number], RecordRow>(
        'SELECT signal_type, hash_value, hash_status, case_numbers, feedbacks, last_mod FROM records WHERE generation < ?',
      ),
      sweep: db.prepare<[number]>('DELETE FROM records WHERE generation < ?'),
      maxGeneration: db.prepare<[], { g: number | null }>('SELECT MAX(generation) AS g FROM records'),
      count: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM records'),
      countByType: db.prepare<[], { signal_type: string; n: number }>(
        'SELECT signal_type, COUNT(*) AS n FROM records GROUP BY signal_type',
      ),
      all: db.prepare<[], RecordRow>(
        'SELECT signal_type, hash_value, hash_status, case_numbers, feedbacks, last_mod FROM records ORDER BY signal_type, hash_value',
      ),
      indexRows: db.prepare<
        [],
        { signalType: string; hashValue: string; hashStatus: CaseStatus; caseCount: number; lastModtimestamp: number }
      >(
        `SELECT signal_type AS signalType, hash_value AS hashValue, hash_status AS hashStatus,
                (SELECT COUNT(*) FROM json_each(case_numbers)) AS caseCount, last_mod AS lastModtimestamp
         FROM records`,
      ),
      byHash: db.prepare<[string], RecordRow>(
        'SELECT signal_type, hash_value, hash_status, case_numbers, feedbacks, last_mod FROM records WHERE hash_value = ?',
      ),
      markFeedback: db.prepare<[string, string, number]>(
        'INSERT OR IGNORE INTO feedback_sent (hash_value, feedback_value, sent_at) VALUES (?, ?, ?)',
      ),
      unmarkFeedback: db.prepare<[string, string]>(
        'DELETE FROM feedback_sent WHERE hash_value = ? AND feedback_value = ?',
      ),
    };
  }

  private meta(key: string): string | undefined {
    return this.stmts.getMeta.get(key)?.value;
  }

  /** The last `nextSetTimestamp` committed; undefined before the first page. */
  get checkpoint(): number | undefined {
    const v = this.meta('checkpoint');
    return v === undefined ? undefined : Number(v);
  }

  /** Unix ms of the last page committed (or of the last empty poll). */
  get lastSyncAt(): number | undefined {
    const v = this.meta('lastSyncAt');
    return v === undefined ? undefined : Number(v);
  }

  /** Unix ms when the last complete run (all pages) finished. */
  get lastCompleteSyncAt(): number | undefined {
    const v = this.meta('lastCompleteSyncAt');
    return v === undefined ? undefined : Number(v);
  }

  get cursor(): SyncCursor | undefined {
    const v = this.meta('cursor');
    return v === undefined ? undefined : (JSON.parse(v) as SyncCursor);
  }

  /** Generation number for a new full run: larger than any record's current one. */
  nextGeneration(): number {
    return (this.stmts.maxGeneration.get()?.g ?? 0) + 1;
  }

  /** Opens a run: remembered so that a crash before the first page still resumes as the same (full) run. */
  beginRun(cursor: SyncCursor): void {
    this.stmts.setMeta.run('cursor', JSON.stringify(cursor));
  }

  /**
   * Applies one feed page and advances the cursor/checkpoint, atomically. `run` is the cursor the page was
   * fetched with; when the page is the run's last, the cursor is cleared and (for a full run) every record
   * the run never saw is swept, because the bank no longer has it.
   */
  applyPage(page: FetchHashesResponse, run: SyncCursor, now = Date.now()): PageApplyResult {
    const result: PageApplyResult = { added: 0, updated: 0, removed: 0, unchanged: 0, swept: 0, changes: [] };
    const generation = run.generation ?? 0;
    const tx = this.db.transaction(() => {
      for (const raw of page.hashRecords) {
        const incoming = fromFeed(raw);
        const row = this.stmts.get.get(incoming.signalType, incoming.hashValue);
        const existing = row ? toRecord(row) : undefined;
        // Records are full snapshots; an older one than we hold (only possible if the bank reorders) is ignored.
        if (existing && existing.lastModtimestamp > incoming.lastModtimestamp) {
          if (run.generation !== null) this.stmts.touch.run(generation, existing.signalType, existing.hashValue);
          result.unchanged++;
          continue;
        }
        if (isRemoval(incoming.hashStatus)) {
          if (existing) {
            this.stmts.del.run(incoming.signalType, incoming.hashValue);
            result.removed++;
            result.changes.push({
              type: 'removed',
              record: existing,
              reason: incoming.hashStatus === 'Deleted' ? 'Deleted' : 'Withdrawn',
            });
          } else {
            result.unchanged++;
          }
          continue;
        }
        this.stmts.upsert.run(
          incoming.signalType,
          incoming.hashValue,
          incoming.hashStatus,
          JSON.stringify(incoming.caseNumbers),
          JSON.stringify(incoming.feedbacks),
          incoming.lastModtimestamp,
          generation, // an incremental run passes 0, which MAX() turns into "keep the current generation"
        );
        if (!existing) {
          result.added++;
          result.changes.push({ type: 'added', record: incoming });
        } else if (sameSnapshot(existing, incoming)) {
          result.unchanged++;
        } else {
          result.updated++;
          result.changes.push({ type: 'updated', record: incoming, previous: existing });
        }
      }
      const previous = this.checkpoint;
      const checkpoint = previous === undefined ? page.nextSetTimestamp : Math.max(previous, page.nextSetTimestamp);
      this.stmts.setMeta.run('checkpoint', String(checkpoint));
      this.stmts.setMeta.run('lastSyncAt', String(now));
      if (page.hasMoreRecords) {
        this.stmts.setMeta.run('cursor', JSON.stringify({ ...run, nextPageToken: page.nextPageToken ?? null }));
      } else {
        if (run.generation !== null) {
          for (const stale of this.stmts.stale.all(run.generation)) {
            result.changes.push({ type: 'removed', record: toRecord(stale), reason: 'Swept' });
            result.swept++;
          }
          this.stmts.sweep.run(run.generation);
        }
        this.stmts.delMeta.run('cursor');
        this.stmts.setMeta.run('lastCompleteSyncAt', String(now));
      }
    });
    try {
      tx.immediate();
    } catch (cause) {
      throw new PartnerError('STORE_ERROR', `could not write the synced bank: ${(cause as Error).message}`, { cause });
    }
    if (result.changes.length > 0) this.emit('changes', result.changes);
    return result;
  }

  get(signalType: string, hashValue: string): StoredRecord | undefined {
    const row = this.stmts.get.get(signalType, hashValue);
    return row ? toRecord(row) : undefined;
  }

  /** Feedback names a hash without its signal type; an MD5 and a PDQ value can never collide in length. */
  findByHash(hashValue: string): StoredRecord[] {
    return this.stmts.byHash.all(hashValue).map(toRecord);
  }

  get size(): number {
    return this.stmts.count.get()?.n ?? 0;
  }

  countBySignalType(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const row of this.stmts.countByType.all()) out[row.signal_type] = row.n;
    return out;
  }

  *records(): IterableIterator<StoredRecord> {
    for (const row of this.stmts.all.iterate()) yield toRecord(row);
  }

  /** What a matcher needs of every record, without parsing the JSON columns in JavaScript (fast initial load). */
  indexRecords(): IterableIterator<{
    signalType: string;
    hashValue: string;
    hashStatus: CaseStatus;
    caseCount: number;
    lastModtimestamp: number;
  }> {
    return this.stmts.indexRows.iterate();
  }

  /** True if this (hash, value) had not been sent before; the caller unmarks it if sending fails. */
  markFeedbackSent(hashValue: string, feedbackValue: string, now = Date.now()): boolean {
    return this.stmts.markFeedback.run(hashValue, feedbackValue, now).changes === 1;
  }

  unmarkFeedbackSent(hashValue: string, feedbackValue: string): void {
    this.stmts.unmarkFeedback.run(hashValue, feedbackValue);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
