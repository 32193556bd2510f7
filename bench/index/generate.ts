/**
 * Seeded generator of realistic PDQ-like banks (uniform random bits flatter every index).
 *
 * Model (per hash): v = bias + alpha * topic[k] + noise, k ~ Zipf over TOPICS "topic" vectors; the hash has
 * bit j = 1 iff v_j is above the median of v, so every hash has exactly 128 one-bits (as PDQ thresholds at
 * the median) and bits are correlated through the shared topic and the per-bit bias.
 * With BIAS_SD = 0.3, ALPHA = 0.55 and unit noise, two hashes of the same topic sit ~105 bits apart and two
 * unrelated hashes ~122 bits apart (uniform random hashes: 128), with popular topics making the tail heavy.
 *
 * 40% of the bank are near-duplicate clusters: a base plus variants with 0-42 bits flipped. The flips are
 * taken from the bits whose v_j lies nearest the median (what a re-encode or crop flips first), in pairs
 * (one 1->0 and one 0->1) so variants keep exactly 128 one-bits; distances between weight-128 hashes are even.
 *
 * Queries: half are near-duplicates of a uniformly chosen bank member (0-31 bits away), half are fresh
 * hashes from the same model (unrelated to any specific member, but sharing its topics and bias).
 */

export const DIMS = 256;
export const TOPICS = 4096;
export const ZIPF_EXPONENT = 1.0;
export const BIAS_SD = 0.3;
export const ALPHA = 0.55;
export const CLUSTER_FRACTION = 0.4;
export const MAX_VARIANT_FLIPS = 42;
export const MAX_QUERY_DISTANCE = 31;

export interface BankOptions {
  n: number;
  queries: number;
  seed: number;
}

export interface Bank {
  ids: Uint32Array;
  /** n * 32 bytes. */
  hashes: Uint8Array;
  /** queries * 32 bytes. */
  queries: Uint8Array;
  /** 1 = near-duplicate of a bank member, 0 = unrelated. */
  queryIsNear: Uint8Array;
}

/** xorshift128+ style generator on 32-bit lanes: fast, seeded, deterministic. */
class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    this.a = seed ^ 0x9e3779b9;
    this.b = Math.imul(seed, 0x85ebca6b) ^ 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = 0x3c6ef372 ^ seed;
    for (let i = 0; i < 16; i++) this.u32();
  }

  /** xoshiro128** */
  u32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  float(): number {
    return this.u32() / 4294967296;
  }

  int(n: number): number {
    return Math.floor(this.float() * n);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Inverse normal CDF sampled on 65536 points: a table lookup per Gaussian draw keeps 10M hashes fast. */
const GAUSS = (() => {
  const table = new Float32Array(65536);
  for (let i = 0; i < 65536; i++) table[i] = inverseNormal((i + 0.5) / 65536);
  return table;
})();

function inverseNormal(p: number): number {
  // Acklam's rational approximation (relative error < 1.2e-9).
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239,
  ];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    );
  }
  if (p > 1 - lo) return -inverseNormal(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
  );
}

class Model {
  readonly bias = new Float32Array(DIMS);
  readonly topics = new Float32Array(TOPICS * DIMS);
  private readonly zipfCdf = new Float64Array(TOPICS);
  private readonly scratch = new Float32Array(DIMS);

  constructor(readonly rng: Rng) {
    for (let j = 0; j < DIMS; j++) this.bias[j] = BIAS_SD * this.gauss();
    for (let i = 0; i < this.topics.length; i++) this.topics[i] = ALPHA * this.gauss();
    let s = 0;
    for (let k = 0; k < TOPICS; k++) {
      s += 1 / (k + 1) ** ZIPF_EXPONENT;
      this.zipfCdf[k] = s;
    }
    for (let k = 0; k < TOPICS; k++) this.zipfCdf[k] /= s;
  }

  gauss(): number {
    return GAUSS[this.rng.u32() >>> 16];
  }

  topic(): number {
    const u = this.rng.float();
    let lo = 0;
    let hi = TOPICS - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.zipfCdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Draws v into `v` and returns the median (hash bit j = v[j] > median). */
  sample(v: Float32Array): number {
    const t = this.topic() * DIMS;
    for (let j = 0; j < DIMS; j++) v[j] = this.bias[j] + this.topics[t + j] + this.gauss();
    this.scratch.set(v);
    // Median of 256 values: mean of the 128th and 129th order statistics.
    const lowerMid = select(this.scratch, 127);
    let upperMid = Number.POSITIVE_INFINITY;
    for (let j = 128; j < DIMS; j++) if (this.scratch[j] < upperMid) upperMid = this.scratch[j];
    return (lowerMid + upperMid) / 2;
  }
}

/** Quickselect: places the k-th smallest at a[k] (elements after k are >= it) and returns it. */
function select(a: Float32Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >>> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return a[k];
}

function writeHash(v: Float32Array, median: number, out: Uint8Array, o: number): void {
  out.fill(0, o, o + 32);
  for (let j = 0; j < DIMS; j++) if (v[j] > median) out[o + (j >>> 3)] |= 1 << (j & 7);
}

/**
 * Writes a variant of the hash described by (v, median) with `swaps` ones turned off and `swaps` zeros
 * turned on, chosen among the bits nearest the threshold.
 */
function writeVariant(
  v: Float32Array,
  median: number,
  swaps: number,
  rng: Rng,
  order: Int32Array,
  out: Uint8Array,
  o: number,
): void {
  writeHash(v, median, out, o);
  if (swaps === 0) return;
  // order: bit indices sorted by v ascending; ones are order[128..255], zeros order[0..127].
  const pool = Math.min(128, swaps + 8);
  for (const side of [0, 1]) {
    // Nearest-to-threshold first: zeros from the top of the lower half, ones from the bottom of the upper half.
    const picked = new Set<number>();
    while (picked.size < swaps) picked.add(rng.int(pool));
    for (const p of picked) {
      const bit = side === 0 ? order[127 - p] : order[128 + p];
      out[o + (bit >>> 3)] ^= 1 << (bit & 7);
    }
  }
}

function sortedOrder(v: Float32Array, order: Int32Array): void {
  for (let j = 0; j < DIMS; j++) order[j] = j;
  order.sort((x, y) => v[x] - v[y]);
}

export function generateBank(options: BankOptions): Bank {
  const { n, queries, seed } = options;
  const rng = new Rng(seed);
  const model = new Model(rng);
  const hashes = new Uint8Array(n * 32);
  const ids = new Uint32Array(n);
  // Caller-chosen ids: a bijection of 0..n-1 onto scattered uint32 values (odd multiplier mod 2^32).
  for (let i = 0; i < n; i++) ids[i] = Math.imul(i + 1, 0x9e3779b1) >>> 0;
  const v = new Float32Array(DIMS);
  const order = new Int32Array(DIMS);
  const clustered = Math.floor(n * CLUSTER_FRACTION);
  let i = 0;
  // Clusters: base + variants, cluster sizes 2..17.
  while (i < clustered) {
    const size = Math.min(clustered - i, 2 + rng.int(16));
    const median = model.sample(v);
    sortedOrder(v, order);
    writeHash(v, median, hashes, i * 32);
    i++;
    for (let k = 1; k < size; k++, i++) {
      const flips = rng.int(MAX_VARIANT_FLIPS + 1);
      writeVariant(v, median, flips >>> 1, rng, order, hashes, i * 32);
    }
  }
  for (; i < n; i++) writeHash(v, model.sample(v), hashes, i * 32);

  const queryBytes = new Uint8Array(queries * 32);
  const queryIsNear = new Uint8Array(queries);
  const bits = new Int32Array(DIMS);
  for (let q = 0; q < queries; q++) {
    const o = q * 32;
    if (q % 2 === 0) {
      queryIsNear[q] = 1;
      const src = rng.int(n) * 32;
      queryBytes.set(hashes.subarray(src, src + 32), o);
      // Swap distance/2 random one-bits with zero-bits: exact distance 0..31 (even), weight stays 128.
      const swaps = rng.int(MAX_QUERY_DISTANCE + 1) >>> 1;
      let ones = 0;
      let zeros = 0;
      for (let j = 0; j < DIMS; j++) {
        if ((queryBytes[o + (j >>> 3)] >>> (j & 7)) & 1) bits[ones++] = j;
        else bits[128 + zeros++] = j;
      }
      for (let s = 0; s < swaps; s++) {
        const a = s + rng.int(128 - s);
        const b = 128 + s + rng.int(128 - s);
        [bits[s], bits[a]] = [bits[a], bits[s]];
        [bits[128 + s], bits[b]] = [bits[b], bits[128 + s]];
        queryBytes[o + (bits[s] >>> 3)] ^= 1 << (bits[s] & 7);
        queryBytes[o + (bits[128 + s] >>> 3)] ^= 1 << (bits[128 + s] & 7);
      }
    } else {
      writeHash(v, model.sample(v), queryBytes, o);
    }
  }
  return { ids, hashes, queries: queryBytes, queryIsNear };
}
