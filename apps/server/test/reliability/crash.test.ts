// Crash safety: the bank runs as a child process and is SIGKILLed at seeded random moments
// (during start-up and under a concurrent mix of case submissions, withdrawals, partner
// feedback and partner SubmitHashes), 20 times per engine. After the last kill the database
// is opened directly and every write is checked: each acknowledged write is present exactly
// once, and each unacknowledged one is either wholly there or wholly absent.
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createPartner } from '../../src/index.js';
import { type BankDatabase, openPglite, openPostgres } from '../../src/db/engine.js';
import { num, rows } from '../../src/db/rows.js';
import { consent, engines, seedDataDir } from '../helpers.js';
import { type BankChild, randomHex, seededPdq, seededRandom, spawnBank } from './harness.js';

const ROUNDS = 20;
const WORKERS = 6;
const PIN = '493817';
const light = { argon2: { memoryCost: 256, timeCost: 1, parallelism: 1 }, logLevel: 'silent' as const };
const feedbackValues = ['Blocked', 'NotBlocked', 'PendingReview'] as const;

interface CaseAttempt {
  hashes: string[];
  acked?: string; // the case number the server returned
  withdraw?: { acked: boolean };
}
interface PartnerSubmission {
  partner: 'a' | 'b';
  hashes: string[];
  acked: boolean;
}
interface FeedbackAttempt {
  partner: 'a' | 'b';
  hash: string;
  value: (typeof feedbackValues)[number];
  acked: boolean;
}

interface Ledger {
  cases: CaseAttempt[];
  submissions: PartnerSubmission[];
  feedback: FeedbackAttempt[];
  /** (partner, hash) pairs already given feedback: each gets one value, so the outcome is unambiguous. */
  fedBack: Set<string>;
  /** Responses that were neither a success nor a dropped connection after the kill. */
  unexpected: string[];
  kills: number;
  startupKills: number;
  /** Acknowledged writes in the current round: the kill waits for a seeded number of them. */
  roundAcks: number;
}

const canonical = (caseNumber: string) => caseNumber.replace(/-/g, '').toUpperCase();

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

/** One worker's loop: picks operations with its own seeded generator until the kill. */
async function worker(
  base: string,
  rand: () => number,
  ledger: Ledger,
  keys: Record<'a' | 'b', string>,
  isKilled: () => boolean,
): Promise<void> {
  while (!isKilled()) {
    const roll = rand();
    const partner: 'a' | 'b' = rand() < 0.5 ? 'a' : 'b';
    const auth = { authorization: `Bearer ${keys[partner]}` };
    let request: Promise<Response>;
    let onOk: (body: unknown) => void;
    let what: string;
    const ackedCases = ledger.cases.filter((c) => c.acked && !c.withdraw);
    const feedbackTargets = ledger.cases
      .filter((c) => c.acked)
      .flatMap((c) => c.hashes)
      .filter((h) => !ledger.fedBack.has(`${partner}:${h}`));
    if (roll < 0.15 && ackedCases.length > 0) {
      const target = ackedCases[Math.floor(rand() * ackedCases.length)];
      const attempt = { acked: false };
      target.withdraw = attempt;
      what = 'withdraw';
      request = post(`${base}/api/v1/cases/${target.acked}/withdraw`, { pin: PIN });
      onOk = () => {
        attempt.acked = true;
      };
    } else if (roll < 0.4 && feedbackTargets.length > 0) {
      const hash = feedbackTargets[Math.floor(rand() * feedbackTargets.length)];
      const attempt: FeedbackAttempt = {
        partner,
        hash,
        value: feedbackValues[Math.floor(rand() * feedbackValues.length)],
        acked: false,
      };
      ledger.fedBack.add(`${partner}:${hash}`);
      ledger.feedback.push(attempt);
      what = 'feedback';
      request = post(
        `${base}/v1/SubmitFeedback`,
        { hashFeedbacks: [{ hashValue: hash, feedbackValue: attempt.value, tags: ['crash-test'] }] },
        auth,
      );
      onOk = (body) => {
        expect(body).toMatchObject({ accepted: 1, unknownHashValues: [] });
        attempt.acked = true;
      };
    } else if (roll < 0.5) {
      const attempt: PartnerSubmission = { partner, hashes: [seededPdq(rand), seededPdq(rand)], acked: false };
      ledger.submissions.push(attempt);
      what = 'submit-hashes';
      request = post(
        `${base}/v1/SubmitHashes`,
        { hashRecords: attempt.hashes.map((hashValue) => ({ signalType: 'ImagePDQ', hashValue })) },
        auth,
      );
      onOk = () => {
        attempt.acked = true;
      };
    } else {
      const count = 1 + Math.floor(rand() * 3);
      const hashes = Array.from({ length: count }, (_, i) => (i === 2 ? randomHex(rand, 16) : seededPdq(rand)));
      const attempt: CaseAttempt = { hashes };
      ledger.cases.push(attempt);
      what = 'create-case';
      request = post(`${base}/api/v1/cases`, {
        pin: PIN,
        consent,
        hashes: hashes.map((value) =>
          value.length === 32 ? { signalType: 'md5', value } : { signalType: 'pdq', value, quality: 90 },
        ),
      });
      onOk = (body) => {
        attempt.acked = (body as { caseNumber: string }).caseNumber;
      };
    }
    try {
      const res = await request;
      const body: unknown = await res.json();
      if (res.ok) {
        onOk(body);
        ledger.roundAcks++;
      } else ledger.unexpected.push(`${what}: ${res.status} ${JSON.stringify(body)}`);
    } catch (err) {
      // A connection dropped by the kill: outcome unknown, which is what the checks allow for.
      if (!isKilled()) ledger.unexpected.push(`${what}: ${(err as Error).message}`);
    }
  }
}

/** Optional progress trace (CRASH_PROGRESS=/path/file): the test is long on a busy machine. */
function progress(line: string): void {
  if (process.env.CRASH_PROGRESS) appendFileSync(process.env.CRASH_PROGRESS, `${new Date().toISOString()} ${line}\n`);
}

async function killAndWait(bank: BankChild): Promise<void> {
  bank.child.kill('SIGKILL');
  await bank.exited;
}

/** Runs the kill rounds; returns the ledger of everything sent and acknowledged. */
async function torture(env: Record<string, string>, keys: Record<'a' | 'b', string>, seed: number): Promise<Ledger> {
  const rand = seededRandom(seed);
  const ledger: Ledger = {
    cases: [],
    submissions: [],
    feedback: [],
    fedBack: new Set(),
    unexpected: [],
    kills: 0,
    startupKills: 0,
    roundAcks: 0,
  };
  for (let round = 0; round < ROUNDS; round++) {
    const bank = spawnBank(env);
    const spawnedAt = Date.now();
    progress(`round ${round}: spawned`);
    if (round % 5 === 3) {
      // Killed while starting: opening the database, migrating, or binding the port.
      await new Promise((r) => setTimeout(r, Math.floor(rand() * 1500)));
      await killAndWait(bank);
      ledger.kills++;
      ledger.startupKills++;
      progress(`round ${round}: killed during start-up`);
      continue;
    }
    let startTimer: NodeJS.Timeout | undefined;
    const url = await Promise.race([
      bank.ready,
      new Promise<never>((_, rej) => {
        startTimer = setTimeout(() => {
          bank.child.kill('SIGKILL');
          rej(new Error(`round ${round}: the bank did not start within 240 s: ${bank.stderr()}`));
        }, 240_000);
      }),
    ]).finally(() => clearTimeout(startTimer));
    progress(`round ${round}: serving after ${Date.now() - spawnedAt} ms`);
    // The previous round's acknowledged cases must be readable through the API after the restart.
    const earlier = ledger.cases.filter((c) => c.acked);
    if (earlier.length > 0) {
      const probe = earlier[Math.floor(rand() * earlier.length)];
      const res = await post(`${url}/api/v1/cases/${probe.acked}/status`, { pin: PIN });
      expect(res.status).toBe(200);
      const view = (await res.json()) as { hashes: { value: string }[] };
      expect(view.hashes.map((h) => h.value).sort()).toEqual([...probe.hashes].sort());
    }
    let killed = false;
    ledger.roundAcks = 0;
    const workers = Array.from({ length: WORKERS }, (_, i) =>
      worker(url, seededRandom(seed * 1000 + round * WORKERS + i), ledger, keys, () => killed),
    );
    // The kill moment is seeded in acknowledged writes, then in milliseconds: on a slow machine
    // every round still does work before it dies, and the kill still lands mid-flight.
    const ackTarget = 5 + Math.floor(rand() * 40);
    const deadline = Date.now() + 120_000;
    while (ledger.roundAcks < ackTarget && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, Math.floor(rand() * 300)));
    killed = true;
    bank.child.kill('SIGKILL');
    await Promise.all(workers);
    await bank.exited;
    ledger.kills++;
    progress(`round ${round}: killed after ${ledger.roundAcks} acknowledged writes`);
  }
  return ledger;
}

interface DbState {
  cases: { id: number; caseNumber: string | null; status: string; source: string; partner: string | null }[];
  links: { caseId: number; hash: string; status: string }[];
  feedback: { partner: string; hash: string; value: string }[];
  audit: { action: string; subject: string | null }[];
  seqs: { seq: number }[];
  lastSeq: number;
}

async function readState(database: BankDatabase): Promise<DbState> {
  const { db } = database;
  const cases = await rows<{
    id: unknown;
    case_number: string | null;
    status: string;
    source: string;
    submitted_by_partner: string | null;
  }>(db, sql`SELECT id, case_number, status, source, submitted_by_partner FROM cases`);
  const links = await rows<{ case_id: unknown; value: string; status: string }>(
    db,
    sql`SELECT ch.case_id, h.value, ch.status FROM case_hashes ch JOIN hashes h ON h.id = ch.hash_id`,
  );
  const feedback = await rows<{ partner_id: string; value: string; feedback_value: string }>(
    db,
    sql`SELECT f.partner_id, h.value, f.feedback_value FROM partner_feedback f JOIN hashes h ON h.id = f.hash_id`,
  );
  const audit = await rows<{ action: string; subject_id: string | null }>(
    db,
    sql`SELECT action, subject_id FROM audit_log`,
  );
  const seqs = await rows<{ change_seq: unknown }>(db, sql`SELECT change_seq FROM hashes`);
  const [clock] = await rows<{ last_seq: unknown }>(db, sql`SELECT last_seq FROM feed_clock`);
  return {
    cases: cases.map((c) => ({
      id: num(c.id),
      caseNumber: c.case_number,
      status: c.status,
      source: c.source,
      partner: c.submitted_by_partner,
    })),
    links: links.map((l) => ({ caseId: num(l.case_id), hash: l.value, status: l.status })),
    feedback: feedback.map((f) => ({ partner: f.partner_id, hash: f.value, value: f.feedback_value })),
    audit: audit.map((a) => ({ action: a.action, subject: a.subject_id })),
    seqs: seqs.map((s) => ({ seq: num(s.change_seq) })),
    lastSeq: num(clock.last_seq),
  };
}

/** Every invariant the kills must not break. */
function checkState(state: DbState, ledger: Ledger, partnerIds: Record<'a' | 'b', string>): void {
  const linksByCase = new Map<number, { hash: string; status: string }[]>();
  const casesByHash = new Map<string, Set<number>>();
  for (const l of state.links) {
    linksByCase.set(l.caseId, [...(linksByCase.get(l.caseId) ?? []), l]);
    casesByHash.set(l.hash, (casesByHash.get(l.hash) ?? new Set()).add(l.caseId));
  }
  const caseById = new Map(state.cases.map((c) => [c.id, c]));
  const auditCount = (action: string, id: number) =>
    state.audit.filter((a) => a.action === action && a.subject === String(id)).length;

  // No case row without hashes, and a case's status agrees with every one of its memberships.
  for (const c of state.cases) {
    const links = linksByCase.get(c.id) ?? [];
    expect(links.length, `case ${c.id} has no hashes (half-applied creation)`).toBeGreaterThan(0);
    for (const l of links)
      expect(l.status, `case ${c.id} half-withdrawn`).toBe(c.status === 'withdrawn' ? 'withdrawn' : 'active');
  }

  const explained = new Set<number>();
  const holderOf = (hashes: string[]): number | undefined => {
    const holders = new Set(hashes.flatMap((h) => [...(casesByHash.get(h) ?? [])]));
    if (holders.size === 0) return undefined;
    expect(holders.size, `hashes ${hashes[0]}... landed in ${holders.size} cases`).toBe(1);
    const id = [...holders][0];
    expect((linksByCase.get(id) ?? []).map((l) => l.hash).sort(), 'a case holds exactly its batch').toEqual(
      [...new Set(hashes)].sort(),
    );
    explained.add(id);
    return id;
  };

  for (const attempt of ledger.cases) {
    const id = holderOf(attempt.hashes);
    if (attempt.acked) expect(id, `acknowledged case ${attempt.acked} lost`).toBeDefined();
    if (id === undefined) continue;
    const row = caseById.get(id)!;
    expect(row.source).toBe('person');
    if (attempt.acked) expect(row.caseNumber).toBe(canonical(attempt.acked));
    expect(auditCount('case.created', id)).toBe(1);
    if (attempt.withdraw?.acked)
      expect(row.status, `acknowledged withdrawal of ${attempt.acked} lost`).toBe('withdrawn');
    if (!attempt.withdraw) expect(row.status).toBe('active');
    expect(auditCount('case.withdrawn', id)).toBe(row.status === 'withdrawn' ? 1 : 0);
  }
  for (const attempt of ledger.submissions) {
    const id = holderOf(attempt.hashes);
    if (attempt.acked) expect(id, 'acknowledged SubmitHashes lost').toBeDefined();
    if (id === undefined) continue;
    const row = caseById.get(id)!;
    expect([row.source, row.partner]).toEqual(['partner', partnerIds[attempt.partner]]);
    for (const h of attempt.hashes) {
      const fb = state.feedback.filter((f) => f.hash === h && f.partner === partnerIds[attempt.partner]);
      expect(
        fb.map((f) => f.value),
        'SubmitHashes records its Blocked feedback with the case',
      ).toEqual(['Blocked']);
    }
  }
  // Every case in the database comes from a request we sent (none invented, none duplicated).
  expect(state.cases.filter((c) => !explained.has(c.id)).map((c) => c.id)).toEqual([]);

  const submittedBy = new Set(ledger.submissions.flatMap((s) => s.hashes.map((h) => `${partnerIds[s.partner]}:${h}`)));
  for (const f of state.feedback) {
    if (submittedBy.has(`${f.partner}:${f.hash}`)) continue;
    const attempts = ledger.feedback.filter((a) => partnerIds[a.partner] === f.partner && a.hash === f.hash);
    expect(attempts.length, `feedback row nobody sent: ${f.partner} ${f.hash}`).toBe(1);
    expect(f.value).toBe(attempts[0].value);
  }
  for (const a of ledger.feedback.filter((x) => x.acked)) {
    const found = state.feedback.filter((f) => f.partner === partnerIds[a.partner] && f.hash === a.hash);
    expect(
      found.map((f) => f.value),
      'acknowledged feedback lost',
    ).toEqual([a.value]);
  }

  // The feed's order stays total and behind the clock: no seq reused, none beyond last_seq.
  const seqs = state.seqs.map((s) => s.seq);
  expect(new Set(seqs).size).toBe(seqs.length);
  expect(Math.max(0, ...seqs)).toBeLessThanOrEqual(state.lastSeq);
}

function summarise(ledger: Ledger) {
  return {
    kills: ledger.kills,
    startupKills: ledger.startupKills,
    casesAcked: ledger.cases.filter((c) => c.acked).length,
    casesUnacked: ledger.cases.filter((c) => !c.acked).length,
    withdrawalsAcked: ledger.cases.filter((c) => c.withdraw?.acked).length,
    feedbackAcked: ledger.feedback.filter((f) => f.acked).length,
    submissionsAcked: ledger.submissions.filter((s) => s.acked).length,
  };
}

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

describe.each(engines)('crash safety on %s', (engine) => {
  it(`every acknowledged write survives ${ROUNDS} SIGKILLs exactly once; nothing is half-applied`, {
    timeout: 900_000,
  }, async () => {
    let env: Record<string, string>;
    let open: () => Promise<BankDatabase>;
    let partnerTarget: { dataDir: string } | { databaseUrl: string };
    if (engine === 'pglite') {
      const dataDir = mkdtempSync(join(tmpdir(), 'unseen-crash-'));
      cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
      await seedDataDir(dataDir);
      env = { UNSEEN_DATA: dataDir, DATABASE_URL: '' };
      open = () => openPglite(dataDir);
      partnerTarget = { dataDir };
    } else {
      const adminUrl = process.env.TEST_DATABASE_URL!;
      const name = `unseen_crash_${randomBytes(6).toString('hex')}`;
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      cleanups.push(async () => {
        const c = new pg.Client({ connectionString: adminUrl });
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await c.end();
      });
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      env = { DATABASE_URL: url.toString() };
      open = async () => openPostgres(url.toString());
      partnerTarget = { databaseUrl: url.toString() };
    }
    const a = await createPartner({ ...partnerTarget, name: 'crash-a', config: light });
    const b = await createPartner({ ...partnerTarget, name: 'crash-b', config: light });

    const ledger = await torture(env, { a: a.key, b: b.key }, engine === 'pglite' ? 9001 : 9002);
    const database = await open();
    try {
      const state = await readState(database);
      checkState(state, ledger, { a: a.id, b: b.id });
    } finally {
      await database.close();
    }
    const summary = summarise(ledger);
    console.log(`crash safety (${engine}):`, JSON.stringify(summary));
    expect(ledger.unexpected).toEqual([]);
    expect(summary.kills).toBeGreaterThanOrEqual(20);
    // The rounds must have exercised every kind of write, or the checks above prove little.
    expect(summary.casesAcked).toBeGreaterThan(20);
    expect(summary.withdrawalsAcked).toBeGreaterThan(0);
    expect(summary.feedbackAcked).toBeGreaterThan(0);
    expect(summary.submissionsAcked).toBeGreaterThan(0);
  });
});
