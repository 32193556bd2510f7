import { HASH_BITS } from './hash.js';

/** Substring i covers bits [starts[i], starts[i] + bits[i]) of the 256-bit hash (bit p = word p>>5, bit p&31). */
export interface SubstringLayout {
  starts: Int32Array;
  bits: Int32Array;
}

export const MIN_SUBSTRINGS = 8;
export const MAX_SUBSTRINGS = 64;

/** Contiguous, near-equal substrings: 256 = q*m + rem, the first `rem` substrings get one extra bit. */
export function substringLayout(m: number): SubstringLayout {
  const starts = new Int32Array(m);
  const bits = new Int32Array(m);
  const q = Math.floor(HASH_BITS / m);
  const rem = HASH_BITS % m;
  let at = 0;
  for (let i = 0; i < m; i++) {
    starts[i] = at;
    bits[i] = q + (i < rem ? 1 : 0);
    at += bits[i];
  }
  return { starts, bits };
}

/** Extracts substring [start, start+len) (len <= 32) of the packed hash at words[o..o+8). */
export function substringKey(words: Uint32Array, o: number, start: number, len: number): number {
  const w = start >>> 5;
  const s = start & 31;
  let v = words[o + w] >>> s;
  if (s + len > 32) v |= words[o + w + 1] << (32 - s);
  return len >= 32 ? v >>> 0 : (v & ((1 << len) - 1)) >>> 0;
}

export function binomial(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}

/** Number of keys within Hamming distance r of a b-bit key. */
export function ballSize(b: number, r: number): number {
  let s = 0;
  for (let k = 0; k <= r; k++) s += binomial(b, k);
  return s;
}

export interface CostModel {
  /** One bucket-directory lookup (a likely cache miss). */
  probe: number;
  /** Checking one posting entry's stored key suffix (sequential read, no hash access). */
  entry: number;
  /** Verifying one candidate (random read of its 32 bytes + popcount). */
  candidate: number;
  /** Per hash of a sequential scan. */
  scanRow: number;
}

/** Relative costs measured on the 2-core VM with bench/index (see README "Parameters"). */
export const DEFAULT_COST_MODEL: CostModel = { probe: 1, entry: 0.08, candidate: 1, scanRow: 0.2 };

/** Beyond this many probes per query the mask lists get large; the scan is used instead. */
export const MAX_PLAN_PROBES = 1 << 17;

/** What the planner needs to know about one substring table. */
export interface TableShape {
  /** Substring length b. */
  bits: number;
  /** Leading bits resolved through the bucket directory (enumerated per probe); the other b - prefixBits
   * bits are stored in each posting entry and filtered inside the bucket. */
  prefixBits: number;
  /** Expected posting entries in the bucket of a data-like query: sum(bucket size^2) / n. */
  bucketEntries: number;
  /** Expected entries sharing an exact substring value (candidates per exact key). */
  keyMatches: number;
}

export interface RadiusPlan {
  /** Per-substring search radius; -1 = substring not probed. */
  radii: Int8Array;
  /** Directory probes per query (prefix neighbours). */
  probes: number;
  /** Full-key neighbours per query (what probing the unbucketed delta part costs). */
  keyProbes: number;
  cost: number;
}

/**
 * Per-substring radii r_i from the generalised pigeonhole principle: if sum(r_i + 1) > r, any hash within
 * distance r of the query matches at least one substring within r_i (otherwise every substring differs in
 * >= r_i + 1 bits and the total distance is >= sum(r_i + 1) > r). Greedily spends the r + 1 units of
 * "budget" one at a time on the substring whose next radius step adds the least expected cost:
 * C(prefixBits, r_i+1) new probes, each reading a bucket, plus C(bits, r_i+1) new key neighbours, each
 * bringing `keyMatches` candidates to verify. Returns null when a linear scan is cheaper.
 */
export function planRadii(
  radius: number,
  tables: readonly TableShape[],
  liveCount: number,
  model: CostModel,
): RadiusPlan | null {
  const m = tables.length;
  const radii = new Int8Array(m).fill(-1);
  const scanCost = liveCount * model.scanRow;
  let probes = 0;
  let keyProbes = 0;
  let cost = 0;
  for (let budget = 0; budget <= radius; budget++) {
    let best = -1;
    let bestCost = Number.POSITIVE_INFINITY;
    for (let i = 0; i < m; i++) {
      const t = tables[i];
      const next = radii[i] + 1;
      if (next > t.bits) continue;
      // The last term (a thousandth of a probe per key neighbour) only breaks ties toward small radii when
      // the base is empty or tiny; it stands for the unbucketed delta part.
      const c =
        binomial(t.prefixBits, next) * (model.probe + t.bucketEntries * model.entry) +
        binomial(t.bits, next) * (t.keyMatches * model.candidate + model.probe * 1e-3);
      if (c < bestCost) {
        bestCost = c;
        best = i;
      }
    }
    if (best < 0) return null;
    const next = radii[best] + 1;
    probes += binomial(tables[best].prefixBits, next);
    keyProbes += binomial(tables[best].bits, next);
    radii[best] = next;
    cost += bestCost;
    if (probes > MAX_PLAN_PROBES || cost > scanCost) return null;
  }
  return { radii, probes, keyProbes, cost };
}

const maskCache = new Map<number, Uint32Array>();

/**
 * All b-bit XOR masks of popcount <= r, ordered by popcount (0 first, then every weight-1 mask, ...), cached
 * per (b, r). The masks of weight k are therefore [ballSize(b, k - 1), ballSize(b, k)): a probe loop knows
 * each mask's weight from its position instead of counting bits.
 */
export function neighbourMasks(b: number, r: number): Uint32Array {
  const key = b * 1024 + r;
  const cached = maskCache.get(key);
  if (cached) return cached;
  const out = new Uint32Array(ballSize(b, r));
  let n = 0;
  out[n++] = 0;
  const rec = (from: number, left: number, mask: number): void => {
    for (let i = from; i < b; i++) {
      const next = (mask | (1 << i)) >>> 0;
      if (left === 1) out[n++] = next;
      else rec(i + 1, left - 1, next);
    }
  };
  for (let k = 1; k <= r; k++) rec(0, k, 0);
  maskCache.set(key, out);
  return out;
}
