import { MultiIndexHashingIndex } from '@unseen/index';
import { loadOrGenerateBank } from './bank-cache.ts';
const n = Number(process.argv[2] ?? 1000000);
const m = Number(process.argv[3] ?? 12);
const { bank } = loadOrGenerateBank({ n, queries: 2000, seed: 20261125 }, true);
let t = performance.now();
const idx = MultiIndexHashingIndex.build(bank.ids, bank.hashes, { substrings: m });
console.log('build ms', performance.now() - t);
const inner = idx as unknown as { occupancy: Float64Array; bucketBits: Int32Array; offsets: Uint32Array[]; bits: Int32Array };
console.log('occupancy', Array.from(inner.occupancy).map((x) => x.toFixed(1)).join(' '));
console.log('bucketBits', Array.from(inner.bucketBits).join(' '), 'bits', Array.from(inner.bits).join(' '));
const plan = idx.planFor(31)!;
console.log('plan', Array.from(plan.radii).join(' '), 'probes', plan.probes, 'est candidates', Array.from(plan.radii).reduce((s, r, i) => s + (r < 0 ? 0 : [1, 1 + inner.bits[i], 1 + inner.bits[i] + inner.bits[i] * (inner.bits[i] - 1) / 2][r]) * inner.occupancy[i], 0).toFixed(0));
// measure actual candidates per query by replaying probes on offsets
import { substringLayout } from '@unseen/index';
const { starts, bits } = substringLayout(m);
let cand = 0;
for (let q = 0; q < 200; q++) {
  const qb = bank.queries.subarray(q * 32, q * 32 + 32);
  const words = new Uint32Array(8);
  for (let k = 0; k < 8; k++) words[k] = (qb[4 * k] | (qb[4 * k + 1] << 8) | (qb[4 * k + 2] << 16) | (qb[4 * k + 3] << 24)) >>> 0;
  for (let i = 0; i < m; i++) {
    const r = plan.radii[i];
    const s = starts[i], b = bits[i];
    const w = s >>> 5, o = s & 31;
    let key = words[w] >>> o; if (o + b > 32) key |= words[w + 1] << (32 - o); key = (key & ((1 << b) - 1)) >>> 0;
    const bb = inner.bucketBits[i]; const offs = inner.offsets[i];
    const probe = (k: number) => { const bucket = bb < b ? Math.imul(k, 0x9e3779b1) >>> (32 - bb) : k; cand += offs[bucket + 1] - offs[bucket]; };
    probe(key);
    if (r >= 1) for (let x = 0; x < b; x++) { probe((key ^ (1 << x)) >>> 0); if (r >= 2) for (let y = x + 1; y < b; y++) probe((key ^ (1 << x) ^ (1 << y)) >>> 0); }
  }
}
console.log('actual candidates/query', cand / 200);
for (let rep = 0; rep < 3; rep++) {
t = performance.now();
const c0 = process.cpuUsage();
for (let q = 0; q < 2000; q++) idx.search(bank.queries.subarray(q * 32, q * 32 + 32), 31);
const c = process.cpuUsage(c0);
console.log('qps wall', (2000 / ((performance.now() - t) / 1000)).toFixed(0), 'qps cpu', (2000 / ((c.user + c.system) / 1e6)).toFixed(0));
}
