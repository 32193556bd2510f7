import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createPartner, openAdmin, startBank } from '../src/index.js';
import { consent, goodPin, randomPdq, seedDataDir } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../../..');
const light = { argon2: { memoryCost: 256, timeCost: 1, parallelism: 1 }, logLevel: 'silent' as const };
const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'unseen-bank-'));
  dirs.push(d);
  return d;
}
async function dataFolder(): Promise<string> {
  const d = tempDir();
  await seedDataDir(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tsNode(args: string[]): ChildProcess {
  return spawn(process.execPath, ['--conditions=unseen-source', '--import', 'tsx', ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((res, rej) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) res(out.slice(0, nl));
    });
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('exit', (code) => rej(new Error(`child exited ${code}: ${err}`)));
  });
}

function runToEnd(child: ChildProcess): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('close', (code) => res({ code, stdout, stderr }));
  });
}

async function submit(url: string) {
  const r = await fetch(`${url}/api/v1/cases`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ pin: goodPin, hashes: [{ signalType: 'pdq', value: randomPdq(), quality: 90 }], consent }),
  });
  expect(r.status).toBe(201);
  return (await r.json()) as { caseNumber: string; hashes: { value: string }[] };
}

describe('the embedded data folder', () => {
  it('is owned by one server; admin goes through its socket while it runs, directly otherwise', async () => {
    const dataDir = await dataFolder();
    const bank = await startBank({ dataDir, port: 0, webRoot: null, config: light });
    try {
      expect(existsSync(join(dataDir, 'unseen.lock'))).toBe(true);
      await expect(startBank({ dataDir, port: 0, webRoot: null, config: light })).rejects.toMatchObject({
        code: 'CONFLICT',
      });
      const admin = await openAdmin({ dataDir });
      expect(admin.via).toBe('server');
      await admin.close();
      const p = await createPartner({ dataDir, name: 'while-running' });
      expect(p).toEqual({
        id: expect.stringMatching(/^p_/),
        name: 'while-running',
        key: expect.stringMatching(/^unseen_/),
      });
      const feed = await fetch(`${bank.url}/v1/FetchHashes?startTimestamp=10`, {
        headers: { 'Ocp-Apim-Subscription-Key': p.key },
      });
      expect(feed.status).toBe(200);
    } finally {
      await bank.close();
    }
    expect(existsSync(join(dataDir, 'unseen.lock'))).toBe(false);
    const admin = await openAdmin({ dataDir, config: light });
    expect(admin.via).toBe('database');
    expect((await admin.listPartners()).map((p) => p.name)).toEqual(['while-running']);
    await admin.close();
  });

  it('survives kill -9: submitted data is there after a restart, and the stale lock is taken over', {
    timeout: 180_000,
  }, async () => {
    const dataDir = await dataFolder();
    const child = tsNode([join(here, 'fixtures/serve.ts'), dataDir]);
    const { url } = JSON.parse(await firstLine(child)) as { url: string };
    const created = await submit(url);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(existsSync(join(dataDir, 'unseen.lock'))).toBe(true); // left behind by the killed process
    const bank = await startBank({ dataDir, port: 0, webRoot: null, config: light });
    try {
      const r = await fetch(`${bank.url}/api/v1/cases/${created.caseNumber}/status`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ pin: goodPin }),
      });
      expect(r.status).toBe(200);
      const body = (await r.json()) as { hashes: { value: string }[] };
      expect(body.hashes.map((h) => h.value)).toEqual(created.hashes.map((h) => h.value));
    } finally {
      await bank.close();
    }
  });

  it('`unseen admin partner create --json` works with and without a running server', { timeout: 240_000 }, async () => {
    const dataDir = await dataFolder();
    const cli = join(repoRoot, 'apps/cli/src/main.ts');
    const offline = await runToEnd(
      tsNode([cli, 'admin', 'partner', 'create', '--name', 'offline', '--json', '--data', dataDir]),
    );
    expect(offline.stderr).toBe('');
    expect(offline.code).toBe(0);
    expect(JSON.parse(offline.stdout)).toEqual({
      id: expect.any(String),
      name: 'offline',
      key: expect.stringMatching(/^unseen_/),
    });
    const bank = await startBank({ dataDir, port: 0, webRoot: null, config: light });
    try {
      const online = await runToEnd(
        tsNode([cli, 'admin', 'partner', 'create', '--name', 'online', '--json', '--data', dataDir]),
      );
      expect(online.code).toBe(0);
      const created = JSON.parse(online.stdout) as { key: string };
      const feed = await fetch(`${bank.url}/v1/FetchHashes?startTimestamp=10`, {
        headers: { authorization: `Bearer ${created.key}` },
      });
      expect(feed.status).toBe(200);
      const list = await runToEnd(tsNode([cli, 'admin', 'partner', 'list', '--json', '--data', dataDir]));
      expect((JSON.parse(list.stdout) as { name: string }[]).map((p) => p.name).sort()).toEqual(['offline', 'online']);
      const dup = await runToEnd(tsNode([cli, 'admin', 'partner', 'create', '--name', 'online', '--data', dataDir]));
      expect(dup.code).toBe(1);
      expect(dup.stderr).toMatch(/already exists/);
    } finally {
      await bank.close();
    }
  });
});

describe('serving', () => {
  it('health, readiness, metrics, security headers, OpenAPI and the web app fallback', async () => {
    const dataDir = await dataFolder();
    const webRoot = tempDir();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>Unseen</title>');
    const bank = await startBank({ dataDir, port: 0, webRoot, config: light });
    try {
      expect(await (await fetch(`${bank.url}/healthz`)).json()).toEqual({ status: 'ok' });
      expect(await (await fetch(`${bank.url}/readyz`)).json()).toEqual({ status: 'ready' });
      await submit(bank.url);
      const metrics = await (await fetch(`${bank.url}/metrics`)).text();
      expect(metrics).toMatch(/unseen_cases_created_total 1/);
      expect(metrics).toMatch(/unseen_http_request_duration_seconds_bucket/);
      const page = await fetch(`${bank.url}/some/client/route`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<title>Unseen</title>');
      const csp = page.headers.get('content-security-policy')!;
      for (const d of [
        "default-src 'self'",
        "script-src 'self'",
        "worker-src 'self' blob:",
        "img-src 'self' blob: data:",
        "media-src 'self' blob:",
        "frame-ancestors 'none'",
      ]) {
        expect(csp).toContain(d);
      }
      expect(csp).not.toContain('unsafe-inline');
      expect(page.headers.get('x-content-type-options')).toBe('nosniff');
      const apiMiss = await fetch(`${bank.url}/api/v1/unknown`);
      expect(apiMiss.status).toBe(404);
      expect(((await apiMiss.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
      const doc = (await (await fetch(`${bank.url}/openapi.json`)).json()) as {
        openapi: string;
        paths: Record<string, unknown>;
      };
      expect(doc.openapi).toBe('3.1.0');
      expect(Object.keys(doc.paths)).toEqual(
        expect.arrayContaining(['/api/v1/cases', '/v1/FetchHashes', '/v1/SubmitFeedback', '/v1/SubmitHashes']),
      );
      expect((await fetch(`${bank.url}/docs`)).status).toBe(200);
    } finally {
      await bank.close();
    }
  });
});
