// Matcher benchmark: throughput and p99 latency of POST /match with a 1M-hash bank (hash-only and image
// bytes), against a /healthz no-op baseline measured in the same run; then how long a new or withdrawn
// hash takes to take effect in a running matcher that follows a real bank.
//
//   node --conditions=unseen-source --import tsx bench/matcher/run.ts [--records 1000000] [--duration 10] [--store /tmp/m.sqlite]
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPartner, startBank } from '@unseen/server';
import autocannon from 'autocannon';
import sharp from 'sharp';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}
const RECORDS = Number(arg('records', '1000000'));
const DURATION = Number(arg('duration', '10'));
const CONNECTIONS = Number(arg('connections', '16'));
const CHANGES = Number(arg('changes', '5'));
/** Reuse a generated synced bank across runs (generating 1M records through the feed path takes minutes). */
const STORE = arg('store', '');
const here = path.dirname(fileURLToPath(import.meta.url));

/** xorshift32: fixed-seed query hashes (disjoint seed from the bank's). */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}
function hexes(n: number, seed: number): string[] {
  const next = rng(seed);
  return Array.from({ length: n }, () =>
    Array.from({ length: 8 }, () => next().toString(16).padStart(8, '0')).join(''),
  );
}
/** The bank's first hashes (same generator and seed as matcher-server.ts), with some bits flipped. */
function nearBankHashes(n: number, flips: number): string[] {
  return hexes(n, 1).map((hex, i) => {
    const bytes = Buffer.from(hex, 'hex');
    for (let b = 0; b < flips; b++) bytes[(b * 7 + i) % 32]! ^= 1 << (b % 8);
    return bytes.toString('hex');
  });
}

async function images(n: number): Promise<Buffer[]> {
  const out: Buffer[] = [];
  const next = rng(77);
  for (let i = 0; i < n; i++) {
    const w = 640;
    const h = 480;
    const raw = Buffer.alloc(w * h * 3);
    const cx = next() % w;
    const cy = next() % h;
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const o = (y * w + x) * 3;
        const d = Math.hypot(x - cx, y - cy);
        raw[o] = (x * 255) / w;
        raw[o + 1] = d < 120 ? 230 : (y * 255) / h;
        raw[o + 2] = (next() & 63) + (d < 60 ? 150 : 0);
      }
    out.push(
      await sharp(raw, { raw: { width: w, height: h, channels: 3 } })
        .jpeg({ quality: 85 })
        .toBuffer(),
    );
  }
  return out;
}

interface Load {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

async function load(
  name: string,
  url: string,
  opts: { bodies?: Buffer[]; contentType?: string; method?: 'GET' | 'POST' },
): Promise<Load> {
  let i = 0;
  const bodies = opts.bodies;
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: DURATION,
    method: opts.method ?? 'GET',
    headers: opts.contentType ? { 'content-type': opts.contentType } : {},
    requests: bodies
      ? [
          {
            method: 'POST',
            setupRequest: (req) => ({ ...req, body: bodies[i++ % bodies.length] }),
          },
        ]
      : undefined,
  });
  return {
    name,
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

function startMatcher(args: string[]): Promise<{
  child: ChildProcess;
  info: { url: string; records: number; generateMs: number; loadMs: number; searchUs: number; rssMb: number };
}> {
  const child = spawn(
    process.execPath,
    ['--conditions=unseen-source', '--import', 'tsx', path.join(here, 'matcher-server.ts'), ...args],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve({ child, info: JSON.parse(out.slice(0, nl)) });
    });
    child.on('exit', (code) => reject(new Error(`matcher-server exited ${code}`)));
  });
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'unseen-bench-matcher-'));
const dataDir = path.join(tmp, 'bank');
mkdirSync(dataDir, { recursive: true });
console.error(`starting bank in ${dataDir} ...`);
const bank = await startBank({
  dataDir,
  port: 0,
  webRoot: null,
  config: {
    logLevel: 'silent',
    argon2: { memoryCost: 1024, timeCost: 1, parallelism: 1 },
    caseCreatePerIpPerMinute: 1e6,
    caseAccessPerIpPerMinute: 1e6,
    caseAccessPerCasePerMinute: 1e6,
    partnerRequestsPerMinute: 1e7,
  },
});
const { key } = await createPartner({ name: 'bench-platform', dataDir });
console.error(`generating/loading a ${RECORDS}-hash synced bank ...`);
const { child, info } = await startMatcher([
  '--records',
  String(RECORDS),
  '--store',
  STORE || path.join(tmp, 'matcher.sqlite'),
  '--server',
  bank.url,
  '--key',
  key,
]);
console.error(`matcher up: ${JSON.stringify(info)}`);

try {
  const queries = [...hexes(900, 999), ...nearBankHashes(100, 12)].map((hash) =>
    Buffer.from(JSON.stringify({ signalType: 'ImagePDQ', hash })),
  );
  const imgs = await images(16);
  console.error('load: /healthz baseline ...');
  const baseline = await load('GET /healthz (no-op baseline)', `${info.url}/healthz`, {});
  console.error('load: hash-only /match ...');
  const hashOnly = await load('POST /match hash (JSON)', `${info.url}/match`, {
    bodies: queries,
    contentType: 'application/json',
  });
  console.error('load: image bytes /match ...');
  const imageLoad = await load('POST /match image bytes (640x480 JPEG, 8 dihedral hashes)', `${info.url}/match`, {
    bodies: imgs,
    contentType: 'image/jpeg',
  });

  // Change latency: a new hash on the bank -> matching in the running matcher; withdrawn -> not matching.
  const post = async (p: string, body: unknown) => {
    const res = await fetch(`${bank.url}${p}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${p}: ${res.status} ${await res.text()}`);
    return (await res.json()) as { caseNumber: string };
  };
  const matches = async (hash: string) => {
    const res = await fetch(`${info.url}/match`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ signalType: 'ImagePDQ', hash }),
    });
    return ((await res.json()) as { matched: boolean }).matched;
  };
  const until = async (cond: () => Promise<boolean>) => {
    const t = performance.now();
    while (!(await cond())) {
      if (performance.now() - t > 30_000) throw new Error('change never took effect');
      await new Promise((r) => setTimeout(r, 10));
    }
    return performance.now() - t;
  };
  const addMs: number[] = [];
  const removeMs: number[] = [];
  for (const [n, hash] of hexes(CHANGES, 4242).entries()) {
    // Spread the changes over the polling phase.
    await new Promise((r) => setTimeout(r, 137 * (n + 1)));
    const created = await post('/api/v1/cases', {
      pin: '482917',
      hashes: [{ signalType: 'pdq', value: hash, quality: 100 }],
      consent: { over18: true, inContent: true, intimate: true, agreesToTerms: true },
    });
    addMs.push(await until(() => matches(hash)));
    await post(`/api/v1/cases/${created.caseNumber}/withdraw`, { pin: '482917' });
    removeMs.push(await until(async () => !(await matches(hash))));
  }
  const status = (await (await fetch(`${info.url}/status`)).json()) as { index: { total: number } };

  const fmt = (l: Load) =>
    `| ${l.name} | ${l.rps.toLocaleString('en')} | ${(l.rps / baseline.rps).toFixed(2)} | ${l.p50} | ${l.p99} | ${l.errors + l.non2xx} |`;
  const stats = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return `median ${Math.round(s[Math.floor(s.length / 2)]!)} ms, max ${Math.round(s.at(-1)!)} ms (n=${s.length})`;
  };
  console.log(
    `\nIndex: ${info.records.toLocaleString('en')} PDQ hashes (status total ${status.index.total}); store generated through SyncedBank.applyPage in ${(info.generateMs / 1000).toFixed(1)} s (${Math.round(info.records / (info.generateMs / 1000)).toLocaleString('en')} records/s), loaded into memory in ${(info.loadMs / 1000).toFixed(1)} s; matcher RSS ${info.rssMb} MB.`,
  );
  console.log(
    `In-process PDQ query (radius 31, no HTTP): ${info.searchUs} us per query = ${Math.round(1e6 / info.searchUs).toLocaleString('en')} queries/s on one core.`,
  );
  console.log(`autocannon: ${CONNECTIONS} connections, ${DURATION} s per row, loopback, matcher in its own process.\n`);
  console.log('| load | req/s | ratio to baseline | p50 ms | p99 ms | errors |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const l of [baseline, hashOnly, imageLoad]) console.log(fmt(l));
  console.log(`\nNew hash on the bank -> matching: ${stats(addMs)}.`);
  console.log(`Withdrawal on the bank -> no longer matching: ${stats(removeMs)}.`);
  console.log('(matcher polls the feed every 1000 ms, the default --sync-interval)');
} finally {
  child.kill('SIGTERM');
  await new Promise((r) => child.on('exit', r));
  await bank.close();
  rmSync(tmp, { recursive: true, force: true });
}
