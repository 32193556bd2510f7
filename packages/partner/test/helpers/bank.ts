import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPartner, startBank } from '@unseen/server';
import { randomHex, seededRandom } from './rng.js';

export interface TestBank {
  url: string;
  dataDir: string;
  key: string;
  /** A second partner with the extended (VideoVPDQ) feed. */
  newPartner(name: string, extended?: boolean): Promise<string>;
  createCase(
    hashes: { signalType: 'pdq' | 'md5' | 'vpdq'; value: string }[],
  ): Promise<{ caseNumber: string; pin: string }>;
  withdraw(caseNumber: string, pin: string): Promise<void>;
  caseStatus(caseNumber: string, pin: string): Promise<CaseStatusView>;
  close(): Promise<void>;
}

export interface CaseStatusView {
  status: string;
  hashes: {
    signalType: string;
    value: string;
    status: string;
    feedback: { matched: number; removed: number; reviewedNotRemoved: number; lastReportedAt: string | null };
  }[];
}

const PIN = '482917';

/** A real bank (embedded PGlite in a temp folder) on a free loopback port, with cheap argon2 for speed. */
export async function startTestBank(): Promise<TestBank> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'unseen-partner-bank-'));
  const bank = await startBank({
    dataDir,
    port: 0,
    webRoot: null,
    config: {
      argon2: { memoryCost: 1024, timeCost: 1, parallelism: 1 },
      logLevel: 'silent',
      caseCreatePerIpPerMinute: 100_000,
      caseAccessPerIpPerMinute: 100_000,
      caseAccessPerCasePerMinute: 100_000,
      partnerRequestsPerMinute: 1_000_000,
    },
  });
  const newPartner = async (name: string, extended = false) =>
    (await createPartner({ name, dataDir, ...(extended ? { extendedSignalTypes: true } : {}) })).key;
  const key = await newPartner('test-platform', true);
  const post = async (url: string, body: unknown) => {
    const res = await fetch(`${bank.url}${url}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  return {
    url: bank.url,
    dataDir,
    key,
    newPartner,
    async createCase(hashes) {
      const created = await post('/api/v1/cases', {
        pin: PIN,
        hashes: hashes.map((h) => ({ ...h, ...(h.signalType === 'pdq' ? { quality: 100 } : {}) })),
        consent: { over18: true, inContent: true, intimate: true, agreesToTerms: true },
      });
      return { caseNumber: created.caseNumber as string, pin: PIN };
    },
    async withdraw(caseNumber, pin) {
      await post(`/api/v1/cases/${caseNumber}/withdraw`, { pin });
    },
    async caseStatus(caseNumber, pin) {
      return (await post(`/api/v1/cases/${caseNumber}/status`, { pin })) as unknown as CaseStatusView;
    },
    async close() {
      await bank.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Distinct random PDQ hex values (far apart: random 256-bit strings differ in ~128 bits). */
export function pdqValues(seed: number, n: number): string[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, () => randomHex(random, 64));
}
