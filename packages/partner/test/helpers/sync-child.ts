// Child process for the interrupted-sync test: runs one sync pass and reports every committed page on
// stdout, so the parent can SIGKILL it at chosen points (between pages, mid-fetch, mid-transaction).
import { PartnerClient } from '../../src/api/client.js';
import { SyncedBank } from '../../src/store/store.js';
import { syncOnce } from '../../src/sync.js';

const [server, key, storePath, pageSize] = process.argv.slice(2);
if (!server || !key || !storePath) {
  process.stderr.write('usage: sync-child SERVER KEY STORE [PAGE_SIZE]\n');
  process.exit(2);
}
const store = new SyncedBank(storePath);
const client = new PartnerClient({ server, key, retry: { baseDelayMs: 5, maxDelayMs: 50 } });
process.stdout.write('ready\n');
const summary = await syncOnce(client, store, {
  pageSize: Number(pageSize ?? 50),
  onPage: (p) => process.stdout.write(`page ${p.page} ${p.records}\n`),
});
store.close();
process.stdout.write(`done ${JSON.stringify(summary)}\n`);
