/**
 * Focused single-thread query timing (no brute force, no workers): build, then time the bank's queries.
 * With --baseline, a second copy of the package (e.g. the previous commit's `src/index.ts`, extracted with
 * `git archive`) is built from the same bank and timed in alternating rounds, and every result list is
 * compared: the ratio is then taken under the same machine load.
 *
 *   node --conditions=unseen-source --import tsx bench/index/profile.ts --n 1000000 [--baseline /tmp/old/packages/index/src/index.ts]
 */
import { parseArgs } from 'node:util';
import { MultiIndexHashingIndex, type SearchResult } from '@unseen/index';
import { loadOrGenerateBank } from './bank-cache.js';

interface Searchable {
  search(hash: Uint8Array, radius: number): SearchResult[];
}

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '1000000' },
    queries: { type: 'string', default: '2000' },
    radius: { type: 'string', default: '31' },
    substrings: { type: 'string', default: '11' },
    rounds: { type: 'string', default: '3' },
    baseline: { type: 'string' },
  },
});
const n = Number(values.n);
const queryCount = Number(values.queries);
const radius = Number(values.radius);
const substrings = Number(values.substrings);
const { bank } = loadOrGenerateBank({ n, queries: queryCount, seed: 20261125 }, true);
const query = (i: number): Uint8Array => bank.queries.subarray(i * 32, i * 32 + 32);

const contenders: { name: string; index: Searchable }[] = [];
let t = performance.now();
const mih = MultiIndexHashingIndex.build(bank.ids, bank.hashes, { substrings });
const plan = mih.planFor(radius);
console.log(
  `current: build ${Math.round(performance.now() - t)} ms, ${(mih.memoryBytes / n).toFixed(1)} B/hash, radii ${JSON.stringify(Array.from(plan?.radii ?? []))}, ${plan?.probes} probes`,
);
contenders.push({ name: 'current', index: mih });
if (values.baseline) {
  const mod = (await import(values.baseline)) as { MultiIndexHashingIndex: typeof MultiIndexHashingIndex };
  t = performance.now();
  const old = mod.MultiIndexHashingIndex.build(bank.ids, bank.hashes, { substrings });
  console.log(`baseline: build ${Math.round(performance.now() - t)} ms, ${(old.memoryBytes / n).toFixed(1)} B/hash`);
  contenders.push({ name: 'baseline', index: old });
}

const reference: SearchResult[][] = [];
for (const { index } of contenders) for (let i = 0; i < Math.min(300, queryCount); i++) index.search(query(i), radius);
const totals = new Map<string, { wall: number; cpu: number }>();
for (let round = 0; round < Number(values.rounds); round++) {
  for (const { name, index } of contenders) {
    const cpu = process.cpuUsage();
    t = performance.now();
    let mismatches = 0;
    for (let i = 0; i < queryCount; i++) {
      const r = index.search(query(i), radius);
      if (reference[i] === undefined) reference[i] = r;
      else if (JSON.stringify(reference[i]) !== JSON.stringify(r)) mismatches++;
    }
    const wall = (performance.now() - t) / 1000;
    const c = process.cpuUsage(cpu);
    const cpuS = (c.user + c.system) / 1e6;
    const sum = totals.get(name) ?? { wall: 0, cpu: 0 };
    totals.set(name, { wall: sum.wall + wall, cpu: sum.cpu + cpuS });
    console.log(
      `round ${round} ${name}: ${Math.round(queryCount / wall)} q/s wall, ${Math.round(queryCount / cpuS)} q/CPU-s, result mismatches ${mismatches}`,
    );
  }
}
for (const [name, s] of totals) {
  const q = queryCount * Number(values.rounds);
  console.log(`${name}: ${Math.round(q / s.wall)} q/s wall, ${Math.round(q / s.cpu)} q/CPU-s (all rounds)`);
}
