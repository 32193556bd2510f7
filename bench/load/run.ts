/**
 * Bounded mixed load on loopback (fixed seed): people submitting cases and checking their
 * status, partners fetching the feed, all at once against one bank process.
 *
 *   node --conditions=unseen-source --import tsx bench/load/run.ts --engine postgres|pglite
 *        [--duration 15] [--connections 8] [--argon2 production|light]
 *
 * Mix per request: 40% POST /api/v1/cases (1-2 new PDQ hashes), 30% POST .../status with the
 * right PIN (one of 200 seeded cases), 30% GET /v1/FetchHashes (incremental: the last minute,
 * page size 100). Baseline in the same run: GET /healthz at the same concurrency (ratio).
 * PostgreSQL: LOAD_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres) is used to
 * create and drop a scratch database.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createPartner } from '@unseen/server';
import { seededRandom } from '@unseen/test-support';
import autocannon from 'autocannon';
import { createScratchDatabase } from '../support/scratch-postgres.js';

const { values: args } = parseArgs({
  options: {
    engine: { type: 'string', default: 'postgres' },
    duration: { type: 'string', default: '15' },
    connections: { type: 'string', default: '8' },
    argon2: { type: 'string', default: 'production' },
  },
});
const engine = args.engine === 'pglite' ? 'pglite' : 'postgres';
const duration = Number(args.duration);
const connections = Number(args.connections);
const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../..');
const PIN = '493817';
const consent = { over18: true, inContent: true, intimate: true, agreesToTerms: true };

const rand = seededRandom(20261125);

function pdq(): string {
  for (;;) {
    let hex = '';
    let ones = 0;
    for (let i = 0; i < 32; i++) {
      const b = Math.floor(rand() * 256);
      hex += b.toString(16).padStart(2, '0');
      for (let x = b; x; x >>= 1) ones += x & 1;
    }
    if (ones > 100 && ones < 156) return hex;
  }
}

async function storage(): Promise<{
  env: Record<string, string>;
  target: { dataDir: string } | { databaseUrl: string };
  cleanup(): Promise<void>;
}> {
  if (engine === 'pglite') {
    const dataDir = mkdtempSync(join(tmpdir(), 'unseen-load-'));
    return {
      env: { LOAD_DATA_DIR: dataDir },
      target: { dataDir },
      cleanup: async () => rmSync(dataDir, { recursive: true, force: true }),
    };
  }
  const scratch = await createScratchDatabase(
    process.env.LOAD_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    'unseen_load',
  );
  return {
    env: { LOAD_DATABASE_URL: scratch.url },
    target: { databaseUrl: scratch.url },
    cleanup: scratch.drop,
  };
}

function startServer(env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--conditions=unseen-source', '--import', 'tsx', join(here, 'server.ts')], {
    cwd: repoRoot,
    env: { ...process.env, ...env, ...(args.argon2 === 'light' ? { LOAD_ARGON2: 'light' } : {}) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((res, rej) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) res({ url: (JSON.parse(out.slice(0, nl)) as { url: string }).url, child });
    });
    child.once('exit', (code) => rej(new Error(`bank exited ${code}`)));
  });
}

interface Figures {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
  non2xx: number;
  statuses: Record<string, number>;
}

function figures(r: autocannon.Result): Figures {
  const statuses: Record<string, number> = {};
  for (const [code, n] of Object.entries(r.statusCodeStats ?? {})) statuses[code] = (n as { count: number }).count;
  return {
    rps: Math.round(r.requests.average),
    p50: r.latency.p50,
    p99: r.latency.p99,
    requests: r.requests.total,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
    statuses,
  };
}

async function main() {
  const store = await storage();
  const partner = await createPartner({ ...store.target, name: 'load-partner' });
  const { url, child } = await startServer(store.env);
  try {
    // 200 seeded cases for the status checks.
    const cases: string[] = [];
    for (let i = 0; i < 200; i++) {
      const r = await fetch(`${url}/api/v1/cases`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ pin: PIN, consent, hashes: [{ signalType: 'pdq', value: pdq(), quality: 90 }] }),
      });
      if (r.status !== 201) throw new Error(`seeding failed: ${r.status} ${await r.text()}`);
      cases.push(((await r.json()) as { caseNumber: string }).caseNumber);
    }
    const baseline = figures(await autocannon({ url: `${url}/healthz`, connections, duration }));
    const since = Math.floor(Date.now() / 1000) - 60;
    const mixed = figures(
      await autocannon({
        url,
        connections,
        duration,
        requests: [
          {
            setupRequest: (req: autocannon.Request) => {
              const roll = rand();
              if (roll < 0.4) {
                const hashes = Array.from({ length: 1 + Math.floor(rand() * 2) }, () => ({
                  signalType: 'pdq',
                  value: pdq(),
                  quality: 90,
                }));
                return {
                  ...req,
                  method: 'POST',
                  path: '/api/v1/cases',
                  headers: { 'content-type': 'application/json' },
                  body: JSON.stringify({ pin: PIN, consent, hashes }),
                };
              }
              if (roll < 0.7) {
                const c = cases[Math.floor(rand() * cases.length)];
                return {
                  ...req,
                  method: 'POST',
                  path: `/api/v1/cases/${c}/status`,
                  headers: { 'content-type': 'application/json' },
                  body: JSON.stringify({ pin: PIN }),
                };
              }
              return {
                ...req,
                method: 'GET',
                path: `/v1/FetchHashes?startTimestamp=${since}&pageSize=100`,
                headers: { 'ocp-apim-subscription-key': partner.key },
                body: undefined,
              };
            },
          },
        ],
      }),
    );
    const result = {
      engine,
      argon2: args.argon2,
      duration,
      connections,
      baseline,
      mixed,
      ratioToHealthz: mixed.rps / baseline.rps,
    };
    console.log(JSON.stringify(result, null, 2));
    console.log(
      `| ${engine} | ${args.argon2} | ${connections} | ${mixed.rps} | ${mixed.p50} | ${mixed.p99} | ${mixed.requests} | ${mixed.errors + mixed.non2xx} | ${baseline.rps} |`,
    );
    if (mixed.errors + mixed.non2xx > 0) process.exitCode = 1;
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await store.cleanup();
  }
}

await main();
