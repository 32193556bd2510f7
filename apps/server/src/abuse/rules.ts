// Pure abuse rules: no SQL, no HTTP, no clock. The bank feeds them facts it
// already stores (partner feedback, match reports, the allow-list) and acts on
// the verdicts. Keeping them pure is what lets every threshold be unit-tested.

/** Thresholds of the abuse controls. Every one is configurable; defaults are documented in abuse/README.md. */
export interface AbuseConfig {
  /** Quarantine a hash once this many distinct partners' latest verdict on it is `NotBlocked`. */
  disputeThreshold: number;
  /** A hash floods when its match reports exceed this multiple of the typical (median) hash's. */
  floodMultiplier: number;
  /** ...and reach at least this many reports, so a quiet bank never flags a hash matched a handful of times. */
  floodMinReports: number;
  /** Below this many reported hashes the median is not a meaningful "typical"; a baseline of 1 report is used. */
  floodMinPopulation: number;
  /** Window (days) over which match reports are counted for flooding. */
  floodWindowDays: number;
  /** A submitted PDQ hash within this Hamming distance of an allow-listed one is refused. */
  allowListPdqRadius: number;
  /** Case submissions accepted per client (IP) per window. */
  submissionsPerClientPerWindow: number;
  /** Hashes accepted per client (IP) per window, summed over its cases. */
  hashesPerClientPerWindow: number;
  /** Length of the submission rate-limit window, in seconds. */
  submissionWindowSeconds: number;
  /** Hashes one case may hold. */
  maxHashesPerCase: number;
}

export const defaultAbuseConfig: AbuseConfig = Object.freeze({
  disputeThreshold: 2,
  floodMultiplier: 10,
  floodMinReports: 20,
  floodMinPopulation: 5,
  floodWindowDays: 7,
  allowListPdqRadius: 31,
  submissionsPerClientPerWindow: 20,
  hashesPerClientPerWindow: 500,
  submissionWindowSeconds: 3600,
  maxHashesPerCase: 100,
});

export function resolveAbuseConfig(overrides: Partial<AbuseConfig> = {}): AbuseConfig {
  const config = { ...defaultAbuseConfig, ...overrides };
  for (const [key, value] of Object.entries(config)) {
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`abuse config ${key} must be a non-negative number`);
  }
  if (config.disputeThreshold < 1) throw new RangeError('abuse config disputeThreshold must be at least 1');
  if (config.floodMultiplier < 1) throw new RangeError('abuse config floodMultiplier must be at least 1');
  if (config.allowListPdqRadius > 256) throw new RangeError('abuse config allowListPdqRadius must be at most 256');
  return config;
}

// ---------------------------------------------------------------- disputes

export type PartnerVerdict =
  | 'Unknown'
  | 'None'
  | 'QualityUnknown'
  | 'Withdrawn'
  | 'Deleted'
  | 'PendingReview'
  | 'Blocked'
  | 'NotBlocked';

export interface FeedbackFact {
  partnerId: string;
  value: PartnerVerdict;
  /** When the bank received it; only the order matters. */
  at: Date;
}

export interface DisputeVerdict {
  disputed: boolean;
  /** Partners whose latest verdict is NotBlocked, sorted. */
  notBlockedBy: string[];
  /** Partners whose latest verdict is Blocked, sorted (evidence for the reviewer). */
  blockedBy: string[];
}

/**
 * A hash is disputed when at least `threshold` distinct partners reviewed a match
 * and did not act on it. Only each partner's latest verdict counts: a partner that
 * first said NotBlocked and later Blocked has changed its mind, and one partner
 * repeating NotBlocked cannot quarantine a hash on its own.
 */
export function evaluateDispute(feedback: readonly FeedbackFact[], threshold: number): DisputeVerdict {
  const latest = new Map<string, FeedbackFact>();
  for (const fact of feedback) {
    const seen = latest.get(fact.partnerId);
    if (!seen || fact.at.getTime() >= seen.at.getTime()) latest.set(fact.partnerId, fact);
  }
  const notBlockedBy: string[] = [];
  const blockedBy: string[] = [];
  for (const fact of latest.values()) {
    if (fact.value === 'NotBlocked') notBlockedBy.push(fact.partnerId);
    else if (fact.value === 'Blocked') blockedBy.push(fact.partnerId);
  }
  notBlockedBy.sort();
  blockedBy.sort();
  return { disputed: notBlockedBy.length >= threshold, notBlockedBy, blockedBy };
}

// ---------------------------------------------------------------- flooding

/** Feedback values that mean "a partner's platform matched this hash". */
export const MATCH_VERDICTS: ReadonlySet<PartnerVerdict> = new Set(['PendingReview', 'Blocked', 'NotBlocked']);

export interface FloodVerdict {
  hashId: string;
  reports: number;
  /** The typical hash's report count the comparison used. */
  baseline: number;
  ratio: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Hashes matched far more often than typical. The typical rate is the median
 * report count over hashes reported at least once in the window (most hashes are
 * never matched, so a median over all of them would be 0 and flag everything).
 * The median, unlike the mean, is not dragged up by the flood itself. With too few
 * reported hashes for a median to mean anything, the baseline is one report.
 * A hash floods when reports > multiplier x baseline AND reports >= minReports.
 */
export function findFloodingHashes(
  reportsPerHash: ReadonlyMap<string, number>,
  config: Pick<AbuseConfig, 'floodMultiplier' | 'floodMinReports' | 'floodMinPopulation'>,
): FloodVerdict[] {
  const counts = [...reportsPerHash.values()].filter((n) => n > 0);
  const baseline = counts.length >= config.floodMinPopulation ? Math.max(1, median(counts)) : 1;
  const flagged: FloodVerdict[] = [];
  for (const [hashId, reports] of reportsPerHash) {
    if (reports >= config.floodMinReports && reports > config.floodMultiplier * baseline) {
      flagged.push({ hashId, reports, baseline, ratio: reports / baseline });
    }
  }
  return flagged.sort((a, b) => b.reports - a.reports || (a.hashId < b.hashId ? -1 : 1));
}

// ---------------------------------------------------------------- allow-list

export type AllowListSignal = 'pdq' | 'md5' | 'vpdq';

export interface AllowListEntry {
  id: number;
  signalType: AllowListSignal;
  /** Lowercase hex for pdq and md5; the compact string for vpdq. */
  value: string;
}

export interface AllowListHit {
  entryId: number;
  distance: number;
}

const POPCOUNT = new Uint8Array(256).map((_, i) => {
  let n = i;
  let bits = 0;
  while (n) {
    bits += n & 1;
    n >>= 1;
  }
  return bits;
});

function pdqBytes(hex: string): Uint8Array | null {
  if (!/^[0-9a-f]{64}$/.test(hex)) return null;
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

function hamming(a: Uint8Array, b: Uint8Array): number {
  let d = 0;
  for (let i = 0; i < 32; i++) d += POPCOUNT[a[i] ^ b[i]];
  return d;
}

/**
 * The negative bank. PDQ values match within a Hamming radius (a re-encoded copy
 * of an allow-listed benign image must not slip through); MD5 and vPDQ values
 * match exactly. A linear scan: the list is curated by hand (hundreds of
 * entries), where a scan over 32-byte arrays takes microseconds.
 */
export class AllowList {
  private readonly pdq: { id: number; bytes: Uint8Array }[] = [];
  private readonly exact = new Map<string, number>();

  constructor(
    entries: Iterable<AllowListEntry>,
    private readonly pdqRadius: number,
  ) {
    for (const entry of entries) this.add(entry);
  }

  add(entry: AllowListEntry): void {
    const value = entry.value.toLowerCase();
    if (entry.signalType === 'pdq') {
      const bytes = pdqBytes(value);
      if (bytes) this.pdq.push({ id: entry.id, bytes });
    } else {
      this.exact.set(`${entry.signalType}:${entry.signalType === 'vpdq' ? entry.value : value}`, entry.id);
    }
  }

  get size(): number {
    return this.pdq.length + this.exact.size;
  }

  /** The closest allow-listed entry, or null when the value is not allow-listed. */
  check(signalType: AllowListSignal, value: string): AllowListHit | null {
    if (signalType === 'pdq') {
      const bytes = pdqBytes(value.toLowerCase());
      if (!bytes) return null;
      let best: AllowListHit | null = null;
      for (const entry of this.pdq) {
        const distance = hamming(bytes, entry.bytes);
        if (distance <= this.pdqRadius && (!best || distance < best.distance)) best = { entryId: entry.id, distance };
      }
      return best;
    }
    const key = `${signalType}:${signalType === 'vpdq' ? value : value.toLowerCase()}`;
    const id = this.exact.get(key);
    return id === undefined ? null : { entryId: id, distance: 0 };
  }
}

// ---------------------------------------------------------------- submission limits

/**
 * Fixed-window counters per client, kept in memory. Per instance: with several
 * instances behind a balancer each enforces its own share, which bounds abuse to
 * instances x limit, acceptable for a throttle whose job is to make bulk
 * poisoning slow, not to be exact.
 */
export class SubmissionLimiter {
  private readonly windows = new Map<string, { start: number; cases: number; hashes: number }>();

  constructor(private readonly config: AbuseConfig) {}

  /**
   * Records a submission of `hashCount` hashes by `clientKey` at `nowMs` if it is
   * within limits. Returns the reason it was refused, or null when it was counted.
   */
  take(clientKey: string, hashCount: number, nowMs: number): 'case-limit' | 'client-rate' | null {
    if (hashCount > this.config.maxHashesPerCase) return 'case-limit';
    const windowMs = this.config.submissionWindowSeconds * 1000;
    let window = this.windows.get(clientKey);
    if (!window || nowMs - window.start >= windowMs) {
      window = { start: nowMs, cases: 0, hashes: 0 };
      this.windows.set(clientKey, window);
    }
    if (
      window.cases + 1 > this.config.submissionsPerClientPerWindow ||
      window.hashes + hashCount > this.config.hashesPerClientPerWindow
    ) {
      return 'client-rate';
    }
    window.cases += 1;
    window.hashes += hashCount;
    if (this.windows.size > 50_000) this.sweep(nowMs);
    return null;
  }

  /** Seconds until `clientKey` may submit again. */
  retryAfterSeconds(clientKey: string, nowMs: number): number {
    const window = this.windows.get(clientKey);
    if (!window) return 0;
    return Math.max(0, Math.ceil((window.start + this.config.submissionWindowSeconds * 1000 - nowMs) / 1000));
  }

  private sweep(nowMs: number): void {
    const windowMs = this.config.submissionWindowSeconds * 1000;
    for (const [key, window] of this.windows) if (nowMs - window.start >= windowMs) this.windows.delete(key);
  }
}
