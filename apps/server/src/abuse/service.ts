// Applies the pure abuse rules to the bank's state: quarantines disputed hashes,
// queues flooding ones, answers allow-list checks, and tells the feed which
// hashes are withheld.
import type { BankBridge } from '../operators/bridge.js';
import { hashKey } from '../operators/bridge.js';
import { type ModerationRecord, type OperatorStore, WITHHELD_STATES } from '../operators/store.js';
import {
  AllowList,
  type AllowListHit,
  type AllowListSignal,
  type AbuseConfig,
  evaluateDispute,
  findFloodingHashes,
  MATCH_VERDICTS,
  type PartnerVerdict,
  SubmissionLimiter,
} from './rules.js';

const SYSTEM_ACTOR = { type: 'system', id: 'abuse' } as const;

export class AbuseService {
  readonly limiter: SubmissionLimiter;
  private allowList: AllowList | null = null;
  private allowListLoadedAt = 0;
  private withheld: { keys: Set<string>; loadedAt: number } | null = null;
  private readonly withheldTtlMs = 2_000;

  constructor(
    private readonly store: OperatorStore,
    private readonly bridge: BankBridge,
    readonly config: AbuseConfig,
    /** Other instances may change the allow-list; a cached copy is trusted this long. */
    private readonly allowListTtlMs = 10_000,
  ) {
    this.limiter = new SubmissionLimiter(config);
  }

  async checkAllowList(signalType: AllowListSignal, value: string, nowMs: number): Promise<AllowListHit | null> {
    if (!this.allowList || nowMs - this.allowListLoadedAt > this.allowListTtlMs) await this.reloadAllowList(nowMs);
    return this.allowList!.check(signalType, value);
  }

  async reloadAllowList(nowMs: number): Promise<void> {
    this.allowList = new AllowList(await this.store.listAllowList(), this.config.allowListPdqRadius);
    this.allowListLoadedAt = nowMs;
  }

  /**
   * Re-evaluates one hash after a partner's feedback on it. Returns the new
   * moderation record when the hash was quarantined by this call.
   */
  async onFeedback(
    signalType: AllowListSignal,
    value: string,
    feedbackValue: string,
    now: Date,
  ): Promise<ModerationRecord | null> {
    const facts = await this.bridge.hashFacts(signalType, value);
    if (!facts.exists) return null;
    if (MATCH_VERDICTS.has(feedbackValue as PartnerVerdict)) await this.store.recordMatchReport(signalType, value, now);
    const existing = await this.store.getModeration(signalType, value);
    // Already withheld or already waiting in quarantine: nothing to add.
    if (existing && existing.state !== 'released' && existing.state !== 'flagged') return null;
    // After an operator released the hash, only verdicts given since then count:
    // the old disputes were weighed and overruled.
    const since = existing?.state === 'released' ? existing.decidedAt : null;
    const relevant = since ? facts.feedback.filter((f) => f.at.getTime() > since.getTime()) : facts.feedback;
    const verdict = evaluateDispute(relevant, this.config.disputeThreshold);
    if (!verdict.disputed) return null;
    const record = await this.store.queue(
      signalType,
      value,
      'quarantined',
      'disputed',
      { notBlockedBy: verdict.notBlockedBy, blockedBy: verdict.blockedBy },
      now,
    );
    await this.bridge.setDistribution(signalType, value, 'held');
    this.invalidateWithheld();
    await this.bridge.audit({
      actor: SYSTEM_ACTOR,
      action: 'hash.quarantined',
      subject: { type: 'hash', id: hashKey(signalType, value) },
      details: { reason: 'disputed', notBlockedBy: verdict.notBlockedBy, threshold: this.config.disputeThreshold },
    });
    return record;
  }

  /** Queues hashes matched far more often than typical. Returns the newly queued keys. */
  async scanFlooding(now: Date): Promise<string[]> {
    const since = new Date(now.getTime() - this.config.floodWindowDays * 86_400_000);
    const reports = await this.store.matchReportsSince(since);
    const queued: string[] = [];
    for (const flood of findFloodingHashes(reports, this.config)) {
      const separator = flood.hashId.indexOf(':');
      const signalType = flood.hashId.slice(0, separator) as AllowListSignal;
      const value = flood.hashId.slice(separator + 1);
      const existing = await this.store.getModeration(signalType, value);
      // Decided hashes stay decided; one already waiting just keeps waiting.
      if (existing && (existing.decidedAt !== null || existing.state === 'quarantined' || existing.state === 'flagged'))
        continue;
      await this.store.queue(
        signalType,
        value,
        'flagged',
        'flooding',
        { reports: flood.reports, baseline: flood.baseline, ratio: Number(flood.ratio.toFixed(2)) },
        now,
      );
      await this.bridge.audit({
        actor: SYSTEM_ACTOR,
        action: 'hash.flagged',
        subject: { type: 'hash', id: flood.hashId },
        details: { reason: 'flooding', reports: flood.reports, baseline: flood.baseline },
      });
      queued.push(flood.hashId);
    }
    return queued;
  }

  recordFetch(partnerId: string, at: Date, checkpoint: number): Promise<void> {
    return this.store.recordFetch(partnerId, at, checkpoint);
  }

  /**
   * `signal:value` keys of hashes withheld from partners, for the person's status page.
   * Cached briefly: every case status and creation reads it, and a change made on this
   * instance invalidates it at once; another instance's change shows within the TTL.
   */
  async withheldKeys(nowMs: number): Promise<Set<string>> {
    if (!this.withheld || nowMs - this.withheld.loadedAt > this.withheldTtlMs) {
      this.withheld = { keys: await this.store.withheldKeys(WITHHELD_STATES), loadedAt: nowMs };
    }
    return this.withheld.keys;
  }

  invalidateWithheld(): void {
    this.withheld = null;
  }
}
