import { DEFAULT_PAGE_SIZE, DEFAULT_START_TIMESTAMP, type PartnerClient } from './api/client.js';
import { PartnerError } from './errors.js';
import type { PageApplyResult, SyncCursor, SyncedBank } from './store/store.js';

/** The reference client refetches everything after 30 days without a fetch; so do we (and sweep what vanished). */
export const STALE_AFTER_MS = 30 * 24 * 3600 * 1000;

export interface SyncProgress {
  page: number;
  records: number;
  applied: Omit<PageApplyResult, 'changes'>;
  checkpoint: number;
  full: boolean;
  hasMore: boolean;
}

export interface SyncOptions {
  pageSize?: number;
  signal?: AbortSignal;
  /** Refetch from the beginning and delete every local record the bank no longer returns. */
  full?: boolean;
  staleAfterMs?: number;
  onPage?: (progress: SyncProgress) => void;
  now?: () => number;
}

export interface SyncSummary {
  full: boolean;
  resumed: boolean;
  pages: number;
  records: number;
  added: number;
  updated: number;
  removed: number;
  swept: number;
  checkpoint: number | undefined;
  durationMs: number;
}

/**
 * Brings the synced bank up to date with one pass over the feed. Resumes an interrupted pass from its
 * saved page token; if the bank no longer accepts that token, restarts the pass from its own start
 * timestamp (safe: the feed is inclusive and records are snapshots). Never moves the checkpoint back.
 */
export async function syncOnce(
  client: PartnerClient,
  store: SyncedBank,
  options: SyncOptions = {},
): Promise<SyncSummary> {
  const now = options.now ?? Date.now;
  const started = now();
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  let run = store.cursor;
  const resumed = run !== undefined && !options.full;
  if (!run || options.full) {
    const checkpoint = store.checkpoint;
    const lastSync = store.lastSyncAt;
    const stale = lastSync !== undefined && started - lastSync > (options.staleAfterMs ?? STALE_AFTER_MS);
    const full = options.full === true || checkpoint === undefined || stale;
    run = {
      startTimestamp: full ? DEFAULT_START_TIMESTAMP : (checkpoint ?? DEFAULT_START_TIMESTAMP),
      nextPageToken: null,
      generation: full ? store.nextGeneration() : null,
    };
    store.beginRun(run);
  }
  const summary: SyncSummary = {
    full: run.generation !== null,
    resumed,
    pages: 0,
    records: 0,
    added: 0,
    updated: 0,
    removed: 0,
    swept: 0,
    checkpoint: store.checkpoint,
    durationMs: 0,
  };
  let token = run.nextPageToken;
  let tokenRetried = false;
  for (;;) {
    let page: Awaited<ReturnType<PartnerClient['fetchHashes']>>;
    try {
      page = await client.fetchHashes({
        startTimestamp: run.startTimestamp,
        pageSize,
        nextPageToken: token,
        signal: options.signal,
      });
    } catch (err) {
      // A saved token may have expired while we were down: restart this run without it, once.
      if (token && !tokenRetried && err instanceof PartnerError && err.code === 'REQUEST_REJECTED') {
        tokenRetried = true;
        token = null;
        continue;
      }
      throw err;
    }
    const cursor: SyncCursor = { ...run, nextPageToken: token };
    const applied = store.applyPage(page, cursor, now());
    summary.pages++;
    summary.records += page.hashRecords.length;
    summary.added += applied.added;
    summary.updated += applied.updated;
    summary.removed += applied.removed;
    summary.swept += applied.swept;
    summary.checkpoint = store.checkpoint;
    const { changes: _changes, ...counts } = applied;
    options.onPage?.({
      page: summary.pages,
      records: summary.records,
      applied: counts,
      checkpoint: summary.checkpoint ?? page.nextSetTimestamp,
      full: summary.full,
      hasMore: page.hasMoreRecords,
    });
    if (!page.hasMoreRecords) break;
    token = page.nextPageToken ?? null;
  }
  summary.durationMs = now() - started;
  return summary;
}

export interface SyncLoopOptions extends SyncOptions {
  intervalMs: number;
  onSync?: (summary: SyncSummary) => void;
  onError?: (err: unknown) => void;
}

/** Polls the feed until `signal` aborts. Errors are reported and retried at the next tick, never fatal. */
export async function syncLoop(client: PartnerClient, store: SyncedBank, options: SyncLoopOptions): Promise<void> {
  const { signal } = options;
  while (!signal?.aborted) {
    try {
      const summary = await syncOnce(client, store, { ...options, full: false });
      options.onSync?.(summary);
    } catch (err) {
      if (signal?.aborted) return;
      options.onError?.(err);
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, options.intervalMs);
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}
