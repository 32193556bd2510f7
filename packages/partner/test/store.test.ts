import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FetchHashesResponse, HashRecord } from '../src/api/schemas.js';
import { type StoreChange, SyncedBank, type SyncCursor } from '../src/store/store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempStore(): SyncedBank {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'unseen-store-'));
  dirs.push(dir);
  return new SyncedBank(path.join(dir, 'bank.sqlite'));
}

const pdq = (c: string) => c.repeat(64);
function rec(
  hashValue: string,
  status: HashRecord['hashStatus'],
  t: number,
  cases: Record<string, HashRecord['hashStatus']> = { A: status },
): HashRecord {
  return { lastModtimestamp: t, signalType: 'ImagePDQ', hashValue, hashStatus: status, caseNumbers: cases };
}
function page(records: HashRecord[], next: number, more = false): FetchHashesResponse {
  return {
    count: records.length,
    nextPageToken: more ? `t${next}` : null,
    nextSetTimestamp: next,
    hasMoreRecords: more,
    hashRecords: records,
  };
}
const incremental = (start: number): SyncCursor => ({ startTimestamp: start, nextPageToken: null, generation: null });

describe('SyncedBank', () => {
  it('adds, updates and DELETES withdrawn/deleted records, emitting changes after commit', () => {
    const store = tempStore();
    const events: StoreChange[][] = [];
    store.on('changes', (c) => events.push(c));
    store.applyPage(page([rec(pdq('a'), 'Active', 100), rec(pdq('b'), 'Active', 100)], 100), incremental(10));
    expect(store.size).toBe(2);
    expect(store.checkpoint).toBe(100);
    store.applyPage(
      page(
        [
          rec(pdq('a'), 'Withdrawn', 110),
          rec(pdq('b'), 'Active', 111, { A: 'Active', B: 'Received' }),
          rec(pdq('c'), 'Deleted', 112),
        ],
        112,
      ),
      incremental(100),
    );
    expect(store.get('ImagePDQ', pdq('a'))).toBeUndefined();
    expect(store.get('ImagePDQ', pdq('b'))?.caseNumbers).toEqual({ A: 'Active', B: 'Received' });
    expect(store.get('ImagePDQ', pdq('c'))).toBeUndefined();
    expect(store.size).toBe(1);
    expect(events[1]!.map((c) => c.type)).toEqual(['removed', 'updated']);
    store.close();
  });

  it('never moves the checkpoint backwards and ignores an older snapshot than it holds', () => {
    const store = tempStore();
    store.applyPage(page([rec(pdq('a'), 'Active', 200)], 200), incremental(10));
    const result = store.applyPage(page([rec(pdq('a'), 'Withdrawn', 150)], 150), incremental(10));
    expect(result.unchanged).toBe(1);
    expect(store.get('ImagePDQ', pdq('a'))?.hashStatus).toBe('Active');
    expect(store.checkpoint).toBe(200);
    store.close();
  });

  it('keeps the run cursor while pages remain and clears it on the last page', () => {
    const store = tempStore();
    const run = incremental(10);
    store.beginRun(run);
    store.applyPage(page([rec(pdq('a'), 'Active', 100)], 100, true), run);
    expect(store.cursor).toEqual({ startTimestamp: 10, nextPageToken: 't100', generation: null });
    store.applyPage(page([], 100), { ...run, nextPageToken: 't100' });
    expect(store.cursor).toBeUndefined();
    expect(store.lastCompleteSyncAt).toBeTypeOf('number');
    store.close();
  });

  it('a full run sweeps records the bank no longer returns', () => {
    const store = tempStore();
    store.applyPage(page([rec(pdq('a'), 'Active', 100), rec(pdq('b'), 'Active', 100)], 100), incremental(10));
    const full: SyncCursor = { startTimestamp: 10, nextPageToken: null, generation: store.nextGeneration() };
    const removed: StoreChange[] = [];
    store.on('changes', (c) => removed.push(...c.filter((x) => x.type === 'removed')));
    store.applyPage(page([rec(pdq('b'), 'Active', 100)], 100, true), full);
    expect(store.size).toBe(2); // not swept before the run ends
    const result = store.applyPage(page([rec(pdq('c'), 'Active', 101)], 101), { ...full, nextPageToken: 't100' });
    expect(result.swept).toBe(1);
    expect([...store.records()].map((r) => r.hashValue)).toEqual([pdq('b'), pdq('c')]);
    expect(removed).toMatchObject([{ type: 'removed', reason: 'Swept', record: { hashValue: pdq('a') } }]);
    store.close();
  });

  it('persists across reopen and deduplicates feedback', () => {
    const store = tempStore();
    store.applyPage(page([rec(pdq('a'), 'Active', 100)], 100), incremental(10));
    expect(store.markFeedbackSent(pdq('a'), 'PendingReview')).toBe(true);
    expect(store.markFeedbackSent(pdq('a'), 'PendingReview')).toBe(false);
    store.close();
    const reopened = new SyncedBank(store.path);
    expect(reopened.size).toBe(1);
    expect(reopened.checkpoint).toBe(100);
    expect(reopened.markFeedbackSent(pdq('a'), 'PendingReview')).toBe(false);
    reopened.unmarkFeedbackSent(pdq('a'), 'PendingReview');
    expect(reopened.markFeedbackSent(pdq('a'), 'PendingReview')).toBe(true);
    reopened.close();
  });

  it('reports an unusable path as STORE_ERROR with a hint', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'unseen-store-'));
    dirs.push(dir);
    writeFileSync(path.join(dir, 'a-file'), 'x');
    expect(() => new SyncedBank(path.join(dir, 'a-file', 'bank.sqlite'))).toThrow(/--store/);
  });
});
