// Child process of bench/matcher/run.ts: builds (or reuses) a synced bank of N random PDQ hashes, loads it
// into a MatcherService, optionally follows a real bank, and prints one JSON line with its URL.
import { existsSync } from 'node:fs';
import { MatcherService, PartnerClient, SyncedBank } from '@unseen/partner';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const records = Number(arg('records') ?? 1_000_000);
const storePath = arg('store') ?? '/tmp/unseen-bench-matcher.sqlite';
const server = arg('server');
const key = arg('key');
const seed = Number(arg('seed') ?? 1);

/** xorshift32 on a fixed seed: the same bank every run. */
function* randomHexes(n: number, s: number): Generator<string> {
  let x = s >>> 0 || 1;
  const next = () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
  for (let i = 0; i < n; i++) {
    let hex = '';
    for (let w = 0; w < 8; w++) hex += next().toString(16).padStart(8, '0');
    yield hex;
  }
}

const generated = !existsSync(storePath);
const store = new SyncedBank(storePath);
const t0 = performance.now();
if (generated || store.size < records) {
  const chunk = 20_000;
  let batch: Parameters<SyncedBank['applyPage']>[0]['hashRecords'] = [];
  const flush = () => {
    store.applyPage(
      { count: batch.length, nextPageToken: null, nextSetTimestamp: 100, hasMoreRecords: false, hashRecords: batch },
      { startTimestamp: 10, nextPageToken: null, generation: null },
    );
    batch = [];
  };
  for (const hashValue of randomHexes(records, seed)) {
    batch.push({
      lastModtimestamp: 100,
      signalType: 'ImagePDQ',
      hashValue,
      hashStatus: 'Active',
      caseNumbers: { 'BENCH-0001': 'Active' },
    });
    if (batch.length === chunk) flush();
  }
  if (batch.length > 0) flush();
}
const generateMs = performance.now() - t0;
const client = server && key ? new PartnerClient({ server, key }) : undefined;
const service = new MatcherService({ store, client, syncIntervalMs: Number(arg('sync-interval') ?? 1000) });
const t1 = performance.now();
await service.start();
const loadMs = performance.now() - t1;
// In-process cost of one hash query (no HTTP), over the same mix the HTTP load uses: mostly misses.
const probe = [...randomHexes(2000, 999)].map((hex) => Buffer.from(hex, 'hex'));
for (const q of probe.slice(0, 200)) service.matcher.matchPdq([{ hash: q }]);
const t2 = performance.now();
for (const q of probe) service.matcher.matchPdq([{ hash: q }]);
const searchUs = ((performance.now() - t2) * 1000) / probe.length;
const url = await service.listen(0);
process.stdout.write(
  `${JSON.stringify({ url, records: service.matcher.size.ImagePDQ, generateMs: Math.round(generateMs), loadMs: Math.round(loadMs), searchUs: Math.round(searchUs), rssMb: Math.round(process.memoryUsage().rss / 2 ** 20) })}\n`,
);
process.on('SIGTERM', async () => {
  await service.close();
  store.close();
  process.exit(0);
});
