import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeCompact } from '@unseen/vpdq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PartnerClient } from '../src/api/client.js';
import { MatcherService } from '../src/matcher/service.js';
import { nodeMediaHasher } from '../src/media.js';
import { SyncedBank } from '../src/store/store.js';
import { syncOnce } from '../src/sync.js';
import { pdqValues, startTestBank, type TestBank } from './helpers/bank.js';
import { startFaultProxy } from './helpers/fault-proxy.js';
import { makeImage, rotate90 } from './helpers/images.js';
import { seededRandom } from './helpers/rng.js';
import { serverState, storeState } from './helpers/state.js';

// One bank for every scenario (starting an embedded PostgreSQL is the slow part); scenarios use disjoint
// hash values and their own stores, and compare against the bank's full state, so they stay independent.
const here = path.dirname(fileURLToPath(import.meta.url));
const CHILD = path.join(here, 'helpers', 'sync-child.ts');
const VPDQ_VIDEOS = path.resolve(here, '../../../../shared/vectors/vpdq/videos');

function runFfmpeg(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg exited ${code}`))));
  });
}

let bank: TestBank;
let dir: string;
const opened: { close(): unknown }[] = [];
const cases: { caseNumber: string; pin: string }[] = [];
const resilienceValues: string[] = [];

// Starting an embedded PostgreSQL and migrating it can take minutes on a loaded 2-core machine.
beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'unseen-partner-e2e-'));
  bank = await startTestBank();
}, 300_000);

afterAll(async () => {
  for (const o of opened.splice(0).reverse()) await o.close();
  await bank?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function newStore(name: string): SyncedBank {
  const store = new SyncedBank(path.join(dir, `${name}.sqlite`));
  opened.push(store);
  return store;
}

async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return Date.now() - started;
}

describe('partner toolkit against a real bank', () => {
  it('full then incremental sync reproduce the bank exactly, and a withdrawal DELETES the hashes', async () => {
    const values = pdqValues(1, 12);
    const a = await bank.createCase(values.slice(0, 5).map((value) => ({ signalType: 'pdq' as const, value })));
    const b = await bank.createCase([
      ...values.slice(5, 10).map((value) => ({ signalType: 'pdq' as const, value })),
      { signalType: 'md5', value: 'ab'.repeat(16) },
    ]);
    const client = new PartnerClient({ server: bank.url, key: bank.key });
    const store = newStore('sync');
    const first = await syncOnce(client, store, { pageSize: 4 });
    expect(first).toMatchObject({ full: true, added: 11, removed: 0 });
    expect(first.pages).toBeGreaterThanOrEqual(3);
    expect(storeState(store)).toEqual(await serverState(bank.url, bank.key));

    // Incremental: one new case, and case A withdrawn; one hash of A is also in a new case C, so it stays.
    const c = await bank.createCase([
      { signalType: 'pdq', value: values[0]! },
      { signalType: 'pdq', value: values[10]! },
    ]);
    await bank.withdraw(a.caseNumber, a.pin);
    const second = await syncOnce(client, store, { pageSize: 4 });
    expect(second.full).toBe(false);
    expect(second.removed).toBe(4); // values[1..4]
    expect(second.added).toBe(1); // values[10]
    for (const v of values.slice(1, 5)) expect(store.get('ImagePDQ', v)).toBeUndefined();
    const shared = store.get('ImagePDQ', values[0]!);
    expect(shared?.hashStatus).toBe('Active');
    expect(Object.values(shared?.caseNumbers ?? {}).sort()).toEqual(['Active', 'Withdrawn']);
    expect(storeState(store)).toEqual(await serverState(bank.url, bank.key));

    // Nothing changed: a poll re-reads at most the last second and changes nothing.
    const third = await syncOnce(client, store, { pageSize: 4 });
    expect(third).toMatchObject({ added: 0, removed: 0, updated: 0 });
    void b;
    void c;
  });

  it('a running matcher picks up a new hash and drops a withdrawn one without restarting', async () => {
    const client = new PartnerClient({ server: bank.url, key: bank.key });
    const service = new MatcherService({ store: newStore('matcher'), client, syncIntervalMs: 100 });
    opened.push(service);
    await service.start();
    await waitFor('first sync', () => service.status().ready);
    const [value] = pdqValues(2, 1);
    const ask = async () =>
      (
        await service.app.inject({ method: 'POST', url: '/match', payload: { signalType: 'ImagePDQ', hash: value } })
      ).json().matched as boolean;
    expect(await ask()).toBe(false);
    const created = await bank.createCase([{ signalType: 'pdq', value: value! }]);
    const addMs = await waitFor('the new hash to match', ask);
    const sizeBefore = service.matcher.size.ImagePDQ;
    await bank.withdraw(created.caseNumber, created.pin);
    const removeMs = await waitFor('the withdrawn hash to stop matching', async () => !(await ask()));
    expect(service.matcher.size.ImagePDQ).toBe(sizeBefore - 1);
    expect(addMs).toBeLessThan(5000);
    expect(removeMs).toBeLessThan(5000);
    const status = service.status();
    expect(status.lastSyncError).toBeNull();
    expect(status.checkpoint).toBeGreaterThan(0);
  });

  it('matches a rotated copy of a banked image through the running matcher', async () => {
    const png = await makeImage(31);
    const pdq = (await nodeMediaHasher.hashImageBytes(png, { dihedral: false })).variants[0]!.hex;
    await bank.createCase([{ signalType: 'pdq', value: pdq }]);
    const client = new PartnerClient({ server: bank.url, key: bank.key });
    const service = new MatcherService({ store: newStore('dihedral'), client, syncIntervalMs: 100 });
    opened.push(service);
    await service.start();
    await waitFor('first sync', () => service.status().ready);
    const res = await service.app.inject({
      method: 'POST',
      url: '/match',
      payload: await rotate90(png),
      headers: { 'content-type': 'image/jpeg' },
    });
    const body = res.json();
    expect(body.matched).toBe(true);
    expect(body.matches[0]).toMatchObject({ signalType: 'ImagePDQ', hash: pdq, caseStatus: 'Active' });
    expect(body.matches[0].transform).not.toBe('orig');
  });

  it('feedback (sent directly and by --auto-feedback) appears in the case status', async () => {
    const [blocked, notBlocked, auto] = pdqValues(3, 3);
    const created = await bank.createCase(
      [blocked!, notBlocked!, auto!].map((value) => ({ signalType: 'pdq' as const, value })),
    );
    const client = new PartnerClient({ server: bank.url, key: bank.key });
    await client.submitFeedback([
      { hashValue: blocked!, feedbackValue: 'Blocked', tags: ['Nude'] },
      { hashValue: notBlocked!, feedbackValue: 'NotBlocked' },
    ]);
    const service = new MatcherService({ store: newStore('auto'), client, syncIntervalMs: 100, autoFeedback: true });
    opened.push(service);
    await service.start();
    await waitFor('first sync', () => service.status().ready);
    for (let i = 0; i < 3; i++) {
      await service.app.inject({ method: 'POST', url: '/match', payload: { signalType: 'ImagePDQ', hash: auto } });
    }
    await waitFor('auto-feedback to be sent', () => service.status().autoFeedback.sent === 1);
    expect(service.status().autoFeedback.deduplicated).toBe(2);
    const status = await bank.caseStatus(created.caseNumber, created.pin);
    const byValue = new Map(status.hashes.map((h) => [h.value, h.feedback]));
    expect(byValue.get(blocked!)).toMatchObject({ removed: 1, reviewedNotRemoved: 0 });
    expect(byValue.get(notBlocked!)).toMatchObject({ removed: 0, reviewedNotRemoved: 1 });
    expect(byValue.get(auto!)).toMatchObject({ matched: 1 });
    // The feedback also comes back in our own feed record, and the store keeps it.
    const store = newStore('feedback-echo');
    await syncOnce(client, store);
    expect(store.get('ImagePDQ', blocked!)?.feedbacks).toMatchObject([{ feedbackValue: 'Blocked', tags: ['Nude'] }]);
  });

  it('SubmitHashes through the SDK: the hash reaches other partners, attributed feedback stays with its sender', async () => {
    const [value] = pdqValues(4, 1);
    const client = new PartnerClient({ server: bank.url, key: bank.key });
    const answer = await client.submitHashes([
      { signalType: 'ImagePDQ', hashValue: value!, feedbackValue: 'Blocked', tags: ['Nude'] },
    ]);
    expect(answer).toBeTruthy();
    const other = new PartnerClient({ server: bank.url, key: await bank.newPartner('other-platform') });
    const otherStore = newStore('submitted-other');
    await syncOnce(other, otherStore);
    const seen = otherStore.get('ImagePDQ', value!);
    expect(seen).toMatchObject({ hashStatus: 'Active' });
    // The other partner sees the hash but not the submitter's verdict or tags.
    expect(seen?.feedbacks).toEqual([]);
    const ownStore = newStore('submitted-own');
    await syncOnce(client, ownStore);
    expect(ownStore.get('ImagePDQ', value!)?.feedbacks).toMatchObject([{ feedbackValue: 'Blocked', tags: ['Nude'] }]);
  });

  it('POST /match with video bytes: a re-encoded, downscaled copy matches by vPDQ, the original also by MD5', async () => {
    const original = path.join(VPDQ_VIDEOS, 'doorknob-hd-no-bar.mp4');
    const copy = path.join(dir, 'doorknob-copy.mp4');
    await runFfmpeg(['-i', original, '-vf', 'scale=640:-2', '-c:v', 'libx264', '-crf', '32', '-an', copy]);
    const banked = await nodeMediaHasher.hashVideo(original);
    const vpdq = encodeCompact(banked.frames);
    await bank.createCase([
      { signalType: 'vpdq', value: vpdq },
      { signalType: 'md5', value: banked.md5 },
    ]);
    // bank.key belongs to a partner opted in to the extended (VideoVPDQ) feed.
    const client = new PartnerClient({ server: bank.url, key: bank.key });
    const service = new MatcherService({ store: newStore('video'), client, syncIntervalMs: 100 });
    opened.push(service);
    await service.start();
    await waitFor('first sync', () => service.status().ready);
    const upload = async (file: string) =>
      (
        await service.app.inject({
          method: 'POST',
          url: '/match',
          payload: readFileSync(file),
          headers: { 'content-type': 'video/mp4' },
        })
      ).json() as { matched: boolean; matches: { signalType: string; hash: string; queryMatchPercent?: number }[] };

    const copied = await upload(copy);
    expect(copied.matched).toBe(true);
    expect(copied.matches.map((m) => m.signalType)).toEqual(['VideoVPDQ']);
    expect(copied.matches[0]).toMatchObject({ hash: vpdq, caseStatus: 'Active' });
    expect(copied.matches[0]!.queryMatchPercent).toBeGreaterThan(80);

    const same = await upload(original);
    expect(same.matches.map((m) => m.signalType).sort()).toEqual(['VideoMD5', 'VideoVPDQ']);

    const unrelated = await upload(path.join(VPDQ_VIDEOS, 'test-padded-dimensions.mp4'));
    expect(unrelated.matched).toBe(false);
  }, 120_000);

  it('a wrong key fails fast with AUTH_FAILED', async () => {
    const client = new PartnerClient({ server: bank.url, key: 'unseen_pk_wrong' });
    await expect(syncOnce(client, newStore('wrong-key'))).rejects.toMatchObject({ code: 'AUTH_FAILED' });
  });
});

interface ChildRun {
  child: ChildProcess;
  pages: number;
  done: boolean;
  exited: Promise<number | null>;
  onPage: (cb: (page: number) => void) => void;
}

function runChild(storePath: string): ChildRun {
  const child = spawn(
    process.execPath,
    ['--conditions=unseen-source', '--import', 'tsx', CHILD, bank.url, bank.key, storePath, '25'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const listeners: ((page: number) => void)[] = [];
  const run: ChildRun = {
    child,
    pages: 0,
    done: false,
    exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
    onPage: (cb) => listeners.push(cb),
  };
  let buffer = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let nl = buffer.indexOf('\n');
    while (nl >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (line.startsWith('page ')) {
        run.pages++;
        for (const l of listeners) l(run.pages);
      } else if (line.startsWith('done ')) {
        run.done = true;
      }
      nl = buffer.indexOf('\n');
    }
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  child.on('exit', (code) => {
    if (code !== 0 && code !== null) console.error(`sync child exited ${code}: ${stderr}`);
  });
  return run;
}

describe('sync resilience against a real bank', () => {
  beforeAll(async () => {
    // 30 cases x 50 hashes = 1,500 records: with 25-record pages a full sync is 60 pages.
    const values = pdqValues(100, 1500);
    resilienceValues.push(...values);
    for (let i = 0; i < 30; i++) {
      cases.push(
        await bank.createCase(
          values.slice(i * 50, i * 50 + 50).map((value) => ({ signalType: 'pdq' as const, value })),
        ),
      );
    }
  }, 300_000);

  it('a sync process SIGKILLed 20 times at random points converges to exactly the bank state', async () => {
    const storePath = path.join(dir, 'killed.sqlite');
    const random = seededRandom(2026);
    let lastCheckpoint = 0;
    let killedMidRun = 0;
    const extra = pdqValues(200, 100);
    for (let kill = 0; kill < 20; kill++) {
      // The bank keeps changing between kills: withdrawals and new cases.
      if (kill % 4 === 1) {
        const victim = cases[kill]!;
        await bank.withdraw(victim.caseNumber, victim.pin);
      } else if (kill % 4 === 3) {
        await bank.createCase(
          extra.slice(kill * 4, kill * 4 + 4).map((value) => ({ signalType: 'pdq' as const, value })),
        );
      }
      const run = runChild(storePath);
      // Kill after a random number of committed pages (0 = during start-up or the first fetch), plus a random
      // sub-page delay so some kills land mid-fetch or mid-transaction.
      const afterPages = Math.floor(random() * 8);
      const delayMs = Math.floor(random() * 15);
      const killNow = () => setTimeout(() => run.child.kill('SIGKILL'), delayMs);
      if (afterPages === 0) setTimeout(() => run.child.kill('SIGKILL'), 600 + delayMs * 20);
      else run.onPage((p) => p === afterPages && killNow());
      await run.exited;
      if (!run.done) killedMidRun++;
      const store = new SyncedBank(storePath);
      const checkpoint = store.checkpoint ?? 0;
      store.close();
      expect(checkpoint).toBeGreaterThanOrEqual(lastCheckpoint); // never backwards, whatever the kill point
      lastCheckpoint = checkpoint;
    }
    expect(killedMidRun).toBeGreaterThanOrEqual(15);
    // A final uninterrupted run.
    const final = runChild(storePath);
    expect(await final.exited).toBe(0);
    expect(final.done).toBe(true);
    const store = new SyncedBank(storePath);
    try {
      const local = storeState(store);
      const remote = await serverState(bank.url, bank.key);
      expect(Object.keys(local).length).toBe(Object.keys(remote).length);
      expect(local).toEqual(remote);
      // The withdrawn cases' hashes (cases 1, 5, 9, 13, 17) are gone; the others are all there.
      for (let i = 0; i < 30; i++) {
        const withdrawn = i % 4 === 1 && i < 20;
        for (const v of resilienceValues.slice(i * 50, i * 50 + 50)) {
          expect(local[`ImagePDQ:${v}`] === undefined).toBe(withdrawn);
        }
      }
      expect(store.cursor).toBeUndefined();
    } finally {
      store.close();
    }
    // ~21 child processes; each Node + tsx start costs seconds on a loaded 2-core machine (well under a minute idle).
  }, 480_000);

  it('converges through 500s, 429s, dropped connections and truncated bodies', async () => {
    const proxy = await startFaultProxy(bank.url, { error500: 0.15, throttle429: 0.1, drop: 0.1, truncate: 0.1 }, 7);
    try {
      const client = new PartnerClient({
        server: proxy.url,
        key: bank.key,
        retry: { baseDelayMs: 2, maxDelayMs: 20, retries: 20 },
      });
      const store = new SyncedBank(path.join(dir, 'faulty.sqlite'));
      try {
        await syncOnce(client, store, { pageSize: 50 });
        await bank.withdraw(cases[29]!.caseNumber, cases[29]!.pin);
        await syncOnce(client, store, { pageSize: 50 });
        expect(storeState(store)).toEqual(await serverState(bank.url, bank.key));
      } finally {
        store.close();
      }
      expect(proxy.counts.error500).toBeGreaterThan(0);
      expect(proxy.counts.throttle429).toBeGreaterThan(0);
      expect(proxy.counts.drop).toBeGreaterThan(0);
      expect(proxy.counts.truncate).toBeGreaterThan(0);

      // A matcher behind the same faulty link still applies a withdrawal, and reports trouble in /status.
      const service = new MatcherService({
        store: new SyncedBank(path.join(dir, 'faulty-matcher.sqlite')),
        client: new PartnerClient({
          server: proxy.url,
          key: bank.key,
          retry: { baseDelayMs: 2, maxDelayMs: 20, retries: 20 },
        }),
        syncIntervalMs: 50,
      });
      await service.start();
      try {
        const deadline = Date.now() + 30_000;
        while (!service.status().ready && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        const victim = cases[28]!;
        const status = await bank.caseStatus(victim.caseNumber, victim.pin);
        const value = status.hashes[0]!.value;
        const ask = async () =>
          (
            await service.app.inject({
              method: 'POST',
              url: '/match',
              payload: { signalType: 'ImagePDQ', hash: value },
            })
          ).json().matched;
        expect(await ask()).toBe(true);
        await bank.withdraw(victim.caseNumber, victim.pin);
        while ((await ask()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        expect(await ask()).toBe(false);
      } finally {
        await service.close();
      }
    } finally {
      await proxy.close();
    }
  }, 120_000);
});

const repoRoot = path.resolve(here, '../../..');
const CLI = path.join(repoRoot, 'apps/cli/src/main.ts');

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--conditions=unseen-source', '--import', 'tsx', CLI, ...args], {
      env: { ...process.env, UNSEEN_SERVER: '', UNSEEN_PARTNER_KEY: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('unseen partner / matcher CLI against a real bank', () => {
  it('sync, match (folders, exit codes), feedback, and serve', async () => {
    const png = await makeImage(41);
    const pdq = (await nodeMediaHasher.hashImageBytes(png, { dihedral: false })).variants[0]!.hex;
    const created = await bank.createCase([{ signalType: 'pdq', value: pdq }]);
    const store = path.join(dir, 'cli-store');
    const env = { UNSEEN_SERVER: bank.url, UNSEEN_PARTNER_KEY: bank.key };

    const noKey = await cli(['partner', 'sync', '--server', bank.url, '--store', store]);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/UNSEEN_PARTNER_KEY/);

    const synced = await cli(['partner', 'sync', '--store', store], env);
    expect(synced.code).toBe(0);
    expect(synced.stderr).toMatch(/full sync: \d+ records/);

    const media = path.join(dir, 'uploads');
    const { mkdirSync, writeFileSync } = await import('node:fs');
    mkdirSync(path.join(media, 'nested'), { recursive: true });
    writeFileSync(path.join(media, 'nested', 'rotated.jpg'), await rotate90(png));
    writeFileSync(path.join(media, 'other.png'), await makeImage(42));
    writeFileSync(path.join(media, 'notes.txt'), 'not media');

    const matched = await cli(['partner', 'match', media, '--store', store]);
    expect(matched.code).toBe(1);
    const lines = matched.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    const rotated = lines.find((l) => l.file.endsWith('rotated.jpg'));
    expect(rotated).toMatchObject({ signalType: 'ImagePDQ', matches: [{ hash: pdq, caseStatus: 'Active' }] });
    expect(rotated.matches[0].distance).toBeLessThanOrEqual(31);
    expect(rotated.matches[0].transform).toBeDefined();
    expect(lines.find((l) => l.file.endsWith('other.png')).matches).toEqual([]);
    expect(matched.stderr).toMatch(/2 file\(s\) checked .* 1 matched/);

    const clean = await cli(['partner', 'match', path.join(media, 'other.png'), '--store', store]);
    expect(clean.code).toBe(0);
    const missing = await cli(['partner', 'match', path.join(media, 'nope.jpg'), '--store', store]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/does not exist/);

    const badValue = await cli(['partner', 'feedback', pdq, '--value', 'Maybe'], env);
    expect(badValue.code).toBe(2);
    const feedback = await cli(['partner', 'feedback', pdq, '--value', 'Blocked', '--tag', 'Nude'], env);
    expect(feedback.code).toBe(0);
    const status = await bank.caseStatus(created.caseNumber, created.pin);
    expect(status.hashes[0]!.feedback.removed).toBe(1);

    // matcher serve: starts, answers, stops on SIGTERM.
    const serve = spawn(
      process.execPath,
      [
        '--conditions=unseen-source',
        '--import',
        'tsx',
        CLI,
        'matcher',
        'serve',
        '--port',
        '0',
        '--store',
        path.join(dir, 'serve-store'),
      ],
      { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let err = '';
        serve.stderr.on('data', (c: Buffer) => {
          err += c.toString();
          const m = /matcher listening on (http:\/\/\S+)/.exec(err);
          if (m) resolve(m[1]!);
        });
        serve.on('exit', () => reject(new Error(`matcher serve exited: ${err}`)));
      });
      const deadline = Date.now() + 20_000;
      let ready = false;
      while (!ready && Date.now() < deadline) {
        ready = (await fetch(`${url}/readyz`)).status === 200;
        if (!ready) await new Promise((r) => setTimeout(r, 100));
      }
      const res = await fetch(`${url}/match`, {
        method: 'POST',
        headers: { 'content-type': 'image/jpeg' },
        body: await rotate90(png),
      });
      expect(((await res.json()) as { matched: boolean }).matched).toBe(true);
    } finally {
      serve.kill('SIGTERM');
      await new Promise((r) => serve.on('exit', r));
    }
  }, 240_000);
});
