import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Bank, type BankOptions, generateBank } from './generate.js';

/** Bump when generate.ts changes what it produces, so stale cached banks are never reused. */
const GENERATOR_VERSION = 1;

/** Generating 10M hashes takes minutes in JS; the seeded output is cached under the OS temp dir. */
export function loadOrGenerateBank(
  options: BankOptions,
  useCache: boolean,
): { bank: Bank; cached: boolean; ms: number } {
  const dir = path.join(tmpdir(), 'unseen-index-bench');
  const file = path.join(dir, `bank-v${GENERATOR_VERSION}-n${options.n}-q${options.queries}-s${options.seed}.bin`);
  const t0 = performance.now();
  if (useCache && existsSync(file)) {
    const buf = readFileSync(file);
    const { n, queries } = options;
    let at = 0;
    const take = (len: number): Uint8Array => {
      const out = new Uint8Array(len);
      out.set(buf.subarray(at, at + len));
      at += len;
      return out;
    };
    const ids = new Uint32Array(take(n * 4).buffer);
    const hashes = take(n * 32);
    const queryBytes = take(queries * 32);
    const queryIsNear = take(queries);
    if (at !== buf.length) throw new Error(`cached bank ${file} has an unexpected size`);
    return { bank: { ids, hashes, queries: queryBytes, queryIsNear }, cached: true, ms: performance.now() - t0 };
  }
  const bank = generateBank(options);
  const ms = performance.now() - t0;
  if (useCache) {
    mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, Buffer.concat([new Uint8Array(bank.ids.buffer), bank.hashes, bank.queries, bank.queryIsNear]));
    renameSync(tmp, file);
  }
  return { bank, cached: false, ms };
}
