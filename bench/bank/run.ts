/**
 * Hash bank benchmarks (fixed seed): FetchHashes full sync of N bulk-loaded hashes,
 * submit-to-visible latency, and case submissions/s with p50/p99 under concurrent load.
 *
 *   node --conditions=unseen-source --import tsx bench/bank/run.ts --engine pglite|postgres [--hashes 1000000]
 *        [--duration 10] [--connections 10] [--skip-sync] [--skip-submit]
 *
 * PostgreSQL: uses BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres) to create
 * and drop a scratch database. Baselines in the same run: a raw SQL scan of the same rows
 * (sync) and GET /healthz (submissions), reported as ratios.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createPartner, migrate, openPglite, openPostgres, type BankDatabase } from '@unseen/server';
import autocannon from 'autocannon';
import { sql } from 'drizzle-orm';
import { createScratchDatabase } from '../support/scratch-postgres.js';

const { values: args } = parseArgs({
  options: {
    engine: { type: 'string', default: 'pglite' },
    hashes: { type: 'string', default: '1000000' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '10' },
    'page-size': { type: 'string', default: '800' },
    'skip-sync': { type: 'boolean', default: false },
    'skip-submit': { type: 'boolean', default: false },
  },
});
const engine = args.engine === 'postgres' ? 'postgres' : 'pglite';
const N = Number(args.hashes);
const pageSize = Number(args['page-size']);
const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../..');
const SEED = 'unseen-bench-2026';

function log(...a: unknown[]) {
  console.log(...a);
}

async function openStorage(): Promise<{
  target: { dataDir?: string; databaseUrl?: string };
  cleanup(): Promise<void>;
}> {
  if (engine === 'pglite') {
    const dataDir = mkdtempSync(join(tmpdir(), 'unseen-bench-'));
    return { target: { dataDir }, cleanup: async () => rmSync(dataDir, { recursive: true, force: true }) };
  }
  const scratch = await createScratchDatabase(
    process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    'unseen_bench',
  );
  return { target: { databaseUrl: scratch.url }, cleanup: scratch.drop };
}

async function withDatabase<T>(
  target: { dataDir?: string; databaseUrl?: string },
  fn: (d: BankDatabase) => Promise<T>,
) {
  const d = target.databaseUrl ? openPostgres(target.databaseUrl) : await openPglite(target.dataDir);
  try {
    await migrate(d);
    return await fn(d);
  } finally {
    await d.close();
  }
}

/** N deterministic PDQ-shaped values (md5 of seed+i, twice), 3 hashes per case ref, 1000 per second. */
async function bulkLoad(d: BankDatabase): Promise<number> {
  const t0 = performance.now();
  const chunk = 100_000;
  for (let from = 1; from <= N; from += chunk) {
    const to = Math.min(N, from + chunk - 1);
    await d.db.execute(sql`
      INSERT INTO hashes (signal_type, value, quality, hash_status, feed_status, case_refs, last_mod_ts, change_seq)
      SELECT 'pdq', md5(${SEED} || i::text || 'a') || md5(${SEED} || i::text || 'b'), 90, 'active', 'Active',
             jsonb_build_object('c_bench' || lpad((i / 3)::text, 10, '0'), 'Active'),
             1700000000 + i / 1000, i
      FROM generate_series(${from}::bigint, ${to}::bigint) AS i`);
  }
  await d.db.execute(
    sql`UPDATE feed_clock SET last_seq = ${N}, last_ts = ${1700000000 + Math.floor(N / 1000)} WHERE id = 1`,
  );
  await d.db.execute(sql`ANALYZE hashes`);
  return (performance.now() - t0) / 1000;
}

function startServer(target: { dataDir?: string; databaseUrl?: string }, argon2: 'production' | 'light') {
  const child = spawn(process.execPath, ['--conditions=unseen-source', '--import', 'tsx', join(here, 'server.ts')], {
    cwd: repoRoot,
    env: {
      ...process.env,
      ...(target.dataDir ? { BENCH_DATA_DIR: target.dataDir } : {}),
      ...(target.databaseUrl ? { BENCH_DATABASE_URL: target.databaseUrl } : {}),
      BENCH_ARGON2: argon2,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise<{ url: string; child: ChildProcess }>((res, rej) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) res({ url: (JSON.parse(out.split('\n')[0]) as { url: string }).url, child });
    });
    child.on('exit', (code) => rej(new Error(`server exited ${code}`)));
  });
}

async function stopServer(child: ChildProcess) {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** Linux reports utime/stime in clock ticks of 1/100 s. */
const USER_HZ = 100;

/** User + system CPU seconds of a local process from /proc (Linux); undefined elsewhere. */
function processCpuSeconds(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / USER_HZ;
  } catch {
    return undefined;
  }
}

/** CPU seconds used so far by the PostgreSQL backends serving the scratch database (local server only). */
async function backendCpuSeconds(target: { databaseUrl?: string }): Promise<number | undefined> {
  if (!target.databaseUrl) return undefined;
  const d = openPostgres(target.databaseUrl);
  try {
    const found = (await d.db.execute(
      sql`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
    )) as unknown as { rows: { pid: number }[] };
    let total = 0;
    for (const { pid } of found.rows) {
      const s = processCpuSeconds(pid);
      if (s === undefined) return undefined;
      total += s;
    }
    return total;
  } finally {
    await d.close();
  }
}

async function fullSync(url: string, key: string) {
  let token: string | null = null;
  let records = 0;
  let pages = 0;
  const t0 = performance.now();
  for (;;) {
    const qs = new URLSearchParams({ startTimestamp: '10', pageSize: String(pageSize) });
    if (token) qs.set('nextPageToken', token);
    const r = await fetch(`${url}/v1/FetchHashes?${qs}`, { headers: { 'Ocp-Apim-Subscription-Key': key } });
    const body = (await r.json()) as { count: number; hasMoreRecords: boolean; nextPageToken: string | null };
    records += body.count;
    pages++;
    if (!body.hasMoreRecords) break;
    token = body.nextPageToken;
  }
  return { records, pages, seconds: (performance.now() - t0) / 1000 };
}

async function rawScan(target: { dataDir?: string; databaseUrl?: string }) {
  return withDatabase(target, async (d) => {
    const t0 = performance.now();
    let lastTs = -1;
    let lastSeq = -1;
    let total = 0;
    for (;;) {
      const r = (await d.db.execute(sql`SELECT value, last_mod_ts, change_seq, case_refs FROM hashes
          WHERE (last_mod_ts, change_seq) > (${lastTs}::bigint, ${lastSeq}::bigint)
          ORDER BY last_mod_ts, change_seq LIMIT ${pageSize}`)) as unknown as {
        rows: { last_mod_ts: unknown; change_seq: unknown }[];
      };
      total += r.rows.length;
      if (r.rows.length < pageSize) break;
      const last = r.rows.at(-1)!;
      lastTs = Number(last.last_mod_ts);
      lastSeq = Number(last.change_seq);
    }
    return { records: total, seconds: (performance.now() - t0) / 1000 };
  });
}

const consent = { over18: true, inContent: true, intimate: true, agreesToTerms: true };
function pdqFor(i: number): string {
  // Deterministic, well-spread: xorshift from the index.
  let x = (i * 2654435761) >>> 0 || 1;
  let hex = '';
  for (let k = 0; k < 8; k++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    hex += x.toString(16).padStart(8, '0');
  }
  return hex;
}

/**
 * Submit-to-visible: after the POST returns, how long until an incremental fetch from the
 * client's checkpoint contains the hash, and how many fetches that took (1 = the very next one).
 */
async function visibility(url: string, key: string) {
  const samples: number[] = [];
  let maxFetches = 0;
  for (let i = 0; i < 20; i++) {
    const cp = Math.floor(Date.now() / 1000) - 1;
    const value = pdqFor(9_000_000 + i);
    await fetch(`${url}/api/v1/cases`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pin: '493817', hashes: [{ signalType: 'pdq', value, quality: 90 }], consent }),
    });
    const t0 = performance.now();
    for (let fetches = 1; ; fetches++) {
      const r = (await (
        await fetch(`${url}/v1/FetchHashes?startTimestamp=${cp}&pageSize=5000`, {
          headers: { 'Ocp-Apim-Subscription-Key': key },
        })
      ).json()) as { hashRecords: { hashValue: string }[] };
      if (r.hashRecords.some((h) => h.hashValue === value)) {
        maxFetches = Math.max(maxFetches, fetches);
        break;
      }
    }
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return { p50: samples[10], max: samples.at(-1)!, maxFetches };
}

async function load(url: string, path: string, body: boolean) {
  let i = 0;
  const result = await autocannon({
    url: `${url}${path}`,
    connections: Number(args.connections),
    duration: Number(args.duration),
    method: body ? 'POST' : 'GET',
    ...(body
      ? {
          headers: { 'content-type': 'application/json' },
          requests: [
            {
              setupRequest: (req: autocannon.Request) => ({
                ...req,
                body: JSON.stringify({
                  pin: '493817',
                  hashes: [{ signalType: 'pdq', value: pdqFor(++i), quality: 90 }],
                  consent,
                }),
              }),
            },
          ],
        }
      : {}),
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    total: result.requests.total,
  };
}

const storage = await openStorage();
try {
  log(`engine=${engine} hashes=${N} pageSize=${pageSize}`);
  if (!args['skip-sync']) {
    const loadSeconds = await withDatabase(storage.target, bulkLoad);
    log(`bulk load: ${loadSeconds.toFixed(1)} s`);
    const raw = await rawScan(storage.target);
    log(
      `baseline raw SQL keyset scan: ${raw.records} rows in ${raw.seconds.toFixed(2)} s (${Math.round(raw.records / raw.seconds)} rows/s)`,
    );
    const partner = await createPartner({ ...storage.target, name: 'bench-sync' });
    const { url, child } = await startServer(storage.target, 'production');
    try {
      // The client, the server and PostgreSQL take turns on every page, so on a shared machine
      // their CPU seconds say more than the wall time: all three are reported.
      const server0 = processCpuSeconds(child.pid!);
      const client0 = process.cpuUsage();
      const sync = await fullSync(url, partner.key);
      const client = process.cpuUsage(client0);
      const server1 = processCpuSeconds(child.pid!);
      const backends = await backendCpuSeconds(storage.target);
      log(
        `FetchHashes full sync: ${sync.records} records, ${sync.pages} pages in ${sync.seconds.toFixed(2)} s ` +
          `(${Math.round(sync.records / sync.seconds)} records/s; ${(sync.seconds / raw.seconds).toFixed(2)}x the raw scan)`,
      );
      log(
        `  CPU during the sync: server ${server0 === undefined || server1 === undefined ? 'n/a' : `${(server1 - server0).toFixed(2)} s`}, ` +
          `client ${((client.user + client.system) / 1e6).toFixed(2)} s, ` +
          `PostgreSQL backends ${backends === undefined ? 'n/a' : `${backends.toFixed(2)} s (since they connected)`}`,
      );
      const vis = await visibility(url, partner.key);
      log(
        `submit -> visible (after the POST returns): p50 ${vis.p50.toFixed(1)} ms, max ${vis.max.toFixed(1)} ms, ` +
          `fetches needed: at most ${vis.maxFetches} (20 samples)`,
      );
    } finally {
      await stopServer(child);
    }
  }
  if (!args['skip-submit']) {
    for (const argon2 of ['production', 'light'] as const) {
      const { url, child } = await startServer(storage.target, argon2);
      try {
        const base = await load(url, '/healthz', false);
        const sub = await load(url, '/api/v1/cases', true);
        log(
          `submissions (argon2 ${argon2}): ${sub.rps.toFixed(0)} req/s, p50 ${sub.p50} ms, p99 ${sub.p99} ms, ` +
            `non-2xx ${sub.non2xx}, errors ${sub.errors}, total ${sub.total}; baseline GET /healthz ${base.rps.toFixed(0)} req/s ` +
            `(p99 ${base.p99} ms) -> ratio ${(sub.rps / base.rps).toFixed(3)}`,
        );
      } finally {
        await stopServer(child);
      }
    }
  }
} finally {
  await storage.cleanup();
}
