import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { createContext } from '../src/bank.js';
import { type BankConfig, resolveConfig } from '../src/config.js';
import { type BankDatabase, openPglite, openPostgres, wrapPglite } from '../src/db/engine.js';
import { loadMigrations, migrate } from '../src/db/migrate.js';
import { buildApp } from '../src/http/app.js';
import type { BankContext } from '../src/services/context.js';
import { createPartnerAccount } from '../src/services/partners.js';

export type EngineName = 'pglite' | 'postgres';

/** PGlite always; PostgreSQL too when TEST_DATABASE_URL is set (CI sets it). */
export const engines: EngineName[] = process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];

/** Light but real argon2id, so a suite with hundreds of hashes stays fast. */
export const testConfig: Partial<BankConfig> = {
  argon2: { memoryCost: 256, timeCost: 1, parallelism: 1 },
  logLevel: 'silent',
  caseAccessPerIpPerMinute: 10_000,
  caseAccessPerCasePerMinute: 10_000,
  caseCreatePerIpPerMinute: 10_000,
};

/**
 * A fresh PGlite takes seconds to initialise, so every test file loads a migrated
 * template (a tarball cached in the OS temp folder, keyed by the migrations' checksums).
 */
export async function pgliteTemplate(): Promise<Blob> {
  const key = loadMigrations()
    .map((m) => m.checksum.slice(0, 8))
    .join('');
  const file = join(tmpdir(), `unseen-pglite-template-${key.slice(0, 48)}.tar`);
  if (existsSync(file)) return new Blob([readFileSync(file)]);
  const fresh = wrapPglite(await PGlite.create());
  await migrate(fresh);
  const dump = await fresh.pglite!.dumpDataDir('none');
  await fresh.close();
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()));
  renameSync(tmp, file);
  return dump;
}

/** An isolated, migrated database: a PGlite copy of the template, or a fresh PostgreSQL database. */
export async function openTestDatabase(engine: EngineName): Promise<{ database: BankDatabase; drop(): Promise<void> }> {
  if (engine === 'pglite') {
    const database = await openPglite(undefined, await pgliteTemplate());
    await migrate(database);
    return { database, drop: () => database.close() };
  }
  const adminUrl = process.env.TEST_DATABASE_URL!;
  const name = `unseen_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const database = openPostgres(url.toString());
  await migrate(database);
  return {
    database,
    drop: async () => {
      await database.close();
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export interface TestBank {
  app: FastifyInstance;
  ctx: BankContext;
  database: BankDatabase;
  close(): Promise<void>;
}

export async function openTestBank(engine: EngineName, config: Partial<BankConfig> = {}): Promise<TestBank> {
  const { database, drop } = await openTestDatabase(engine);
  const ctx = await createContext(database, resolveConfig({ ...testConfig, ...config }));
  const app = await buildApp(ctx, { webRoot: null });
  await app.ready();
  return {
    app,
    ctx,
    database,
    close: async () => {
      await app.close();
      await drop();
    },
  };
}

export async function newPartner(bank: TestBank, name = `partner-${randomBytes(3).toString('hex')}`, extended = false) {
  return createPartnerAccount(bank.ctx, { name, extendedSignalTypes: extended });
}

/** A random, well-spread PDQ-like hash (popcount near 128, no long runs). */
export function randomPdq(): string {
  for (;;) {
    const hex = randomBytes(32).toString('hex');
    let ones = 0;
    for (const ch of hex) ones += Number.parseInt(ch, 16).toString(2).replace(/0/g, '').length;
    if (ones > 100 && ones < 156) return hex;
  }
}

export function randomMd5(): string {
  return randomBytes(16).toString('hex');
}

export const consent = { over18: true, inContent: true, intimate: true, agreesToTerms: true };
export const goodPin = '493817';

export async function post(app: FastifyInstance, url: string, payload: unknown, headers: Record<string, string> = {}) {
  const res = await app.inject({ method: 'POST', url, payload: payload as object, headers });
  return {
    status: res.statusCode,
    body: res.json() as Record<string, unknown> & { error?: { code: string; message: string } },
    headers: res.headers,
  };
}

export async function createCase(
  app: FastifyInstance,
  hashes: { signalType: 'pdq' | 'md5' | 'vpdq'; value: string; quality?: number }[],
  pin = goodPin,
) {
  const r = await post(app, '/api/v1/cases', { pin, hashes, consent });
  if (r.status !== 201) throw new Error(`case creation failed: ${JSON.stringify(r.body)}`);
  return r.body as unknown as {
    caseNumber: string;
    status: string;
    hashes: { signalType: string; value: string; status: string }[];
  };
}

export async function fetchPage(
  app: FastifyInstance,
  key: string,
  query: { startTimestamp?: number; pageSize?: number; nextPageToken?: string },
) {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) qs.set(k, String(v));
  const res = await app.inject({
    method: 'GET',
    url: `/v1/FetchHashes?${qs}`,
    headers: { 'ocp-apim-subscription-key': key, 'x-functions-key': 'ignored' },
  });
  return { status: res.statusCode, body: res.json() as FeedPage & { error?: { code: string } } };
}

export interface FeedRecord {
  lastModtimestamp: number;
  signalType: string;
  hashValue: string;
  hashStatus: string;
  caseNumbers: Record<string, string>;
  CSPFeedbacks: { source: string; feedbackValue: string; tags: string[] }[];
}

export interface FeedPage {
  count: number;
  nextPageToken: string | null;
  nextSetTimestamp: number;
  hasMoreRecords: boolean;
  hashRecords: FeedRecord[];
}

/**
 * Fills an empty folder with the migrated template, so a bank started on it skips PGlite's
 * initdb (tens of seconds on a loaded 2-core machine).
 */
export async function seedDataDir(dir: string): Promise<void> {
  const p = await PGlite.create({ dataDir: dir, loadDataDir: await pgliteTemplate() });
  await p.close();
}
