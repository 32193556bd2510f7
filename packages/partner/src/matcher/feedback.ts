import type { PartnerClient } from '../api/client.js';
import type { FeedbackValue } from '../api/schemas.js';
import type { SyncedBank } from '../store/store.js';

export interface FeedbackQueueOptions {
  client: PartnerClient;
  store: SyncedBank;
  value?: FeedbackValue;
  tags?: string[];
  flushIntervalMs?: number;
  batchSize?: number;
  onError?: (err: unknown) => void;
}

/**
 * Sends one feedback value (by default PendingReview: "we matched this and a human will look") per bank hash,
 * once. Dedupe is persisted in the synced bank so a restart does not resend; a failed batch is unmarked and
 * requeued, so a bank outage delays feedback but never loses it while the process lives.
 */
export class FeedbackQueue {
  private readonly pending = new Set<string>();
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> | undefined;
  readonly value: FeedbackValue;
  sent = 0;
  failed = 0;
  deduplicated = 0;

  constructor(private readonly options: FeedbackQueueOptions) {
    this.value = options.value ?? 'PendingReview';
    this.timer = setInterval(() => void this.flush(), options.flushIntervalMs ?? 500);
    this.timer.unref();
  }

  get queued(): number {
    return this.pending.size;
  }

  enqueue(hashValue: string): void {
    if (this.pending.has(hashValue) || !this.options.store.markFeedbackSent(hashValue, this.value)) {
      this.deduplicated++;
      return;
    }
    this.pending.add(hashValue);
  }

  async flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (this.pending.size === 0) return;
    this.flushing = (async () => {
      const batch = [...this.pending].slice(0, this.options.batchSize ?? 100);
      for (const hash of batch) this.pending.delete(hash);
      try {
        await this.options.client.submitFeedback(
          batch.map((hashValue) => ({ hashValue, feedbackValue: this.value, tags: this.options.tags ?? [] })),
        );
        this.sent += batch.length;
      } catch (err) {
        this.failed += batch.length;
        for (const hash of batch) this.pending.add(hash);
        this.options.onError?.(err);
      }
    })().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  /** Stops the timer and makes a last attempt; whatever still fails is unmarked so a later run resends it. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
    for (const hash of this.pending) this.options.store.unmarkFeedbackSent(hash, this.value);
    this.pending.clear();
  }
}
