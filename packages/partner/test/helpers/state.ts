import { DEFAULT_START_TIMESTAMP, PartnerClient } from '../../src/api/client.js';
import { isRemoval } from '../../src/api/schemas.js';
import type { SyncedBank } from '../../src/store/store.js';

export interface Snapshot {
  [key: string]: { hashStatus: string; caseNumbers: Record<string, string>; lastModtimestamp: number };
}

/** What the bank says a fully synced partner should hold: every live record of a fresh full feed read. */
export async function serverState(server: string, key: string): Promise<Snapshot> {
  const client = new PartnerClient({ server, key });
  const out: Snapshot = {};
  for await (const page of client.fetchPages({ startTimestamp: DEFAULT_START_TIMESTAMP, pageSize: 1000 })) {
    for (const r of page.hashRecords) {
      const k = `${r.signalType}:${r.hashValue}`;
      if (isRemoval(r.hashStatus)) delete out[k];
      else out[k] = { hashStatus: r.hashStatus, caseNumbers: r.caseNumbers, lastModtimestamp: r.lastModtimestamp };
    }
  }
  return out;
}

export function storeState(store: SyncedBank): Snapshot {
  const out: Snapshot = {};
  for (const r of store.records()) {
    out[`${r.signalType}:${r.hashValue}`] = {
      hashStatus: r.hashStatus,
      caseNumbers: r.caseNumbers,
      lastModtimestamp: r.lastModtimestamp,
    };
  }
  return out;
}
