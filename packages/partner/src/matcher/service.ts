import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { z } from 'zod';
import type { PartnerClient } from '../api/client.js';
import { PartnerError } from '../errors.js';
import { type HashedMedia, hashBytes, type MediaHasher, mediaKindOfContentType, nodeMediaHasher } from '../media.js';
import type { StoreChange, SyncedBank } from '../store/store.js';
import { type SyncSummary, syncLoop } from '../sync.js';
import { FeedbackQueue } from './feedback.js';
import { matchHashValue, matchMedia, type MatchOutcome } from './match.js';
import { Matcher } from './core.js';

export interface MatcherServiceOptions {
  store: SyncedBank;
  /** Without a client the service serves what the store holds and never syncs (offline replica). */
  client?: PartnerClient;
  matcher?: Matcher;
  pdqThreshold?: number;
  /** How often the background loop polls the feed (default 1000 ms: a change is live within ~1 s). */
  syncIntervalMs?: number;
  pageSize?: number;
  /** Upload size limit for POST /match (default 64 MiB). */
  bodyLimitBytes?: number;
  /** Send PendingReview for every matched bank hash, once per hash. */
  autoFeedback?: boolean;
  /** Hash all 8 rotations/flips of an uploaded image (default true). */
  dihedral?: boolean;
  hasher?: MediaHasher;
  logger?: boolean;
}

export interface SyncErrorInfo {
  code: string;
  message: string;
  at: string;
}

export interface MatcherStatus {
  ready: boolean;
  index: Matcher['size'];
  checkpoint: number | null;
  checkpointAgeSeconds: number | null;
  lastSyncAt: string | null;
  lastSyncAgeSeconds: number | null;
  lastSyncError: SyncErrorInfo | null;
  syncing: boolean;
  skippedRecords: number;
  pdqThreshold: number;
  autoFeedback: { enabled: boolean; queued: number; sent: number; failed: number; deduplicated: number };
  uptimeSeconds: number;
}

const HashQuerySchema = z.object({
  signalType: z.enum(['ImagePDQ', 'VideoMD5', 'VideoVPDQ', 'pdq', 'md5', 'vpdq']),
  hash: z.string().min(1).max(1_000_000),
  threshold: z.number().int().min(0).max(256).optional(),
});
export type HashQuery = z.infer<typeof HashQuerySchema>;

function sendError(reply: FastifyReply, status: number, code: string, message: string) {
  return reply.code(status).send({ error: { code, message } });
}

/**
 * The matcher HTTP service. Holds the index in memory and nothing else of value: its synced bank can be
 * rebuilt from the feed, so replicas scale out behind a load balancer, each following the bank itself.
 */
export class MatcherService {
  readonly app: FastifyInstance;
  readonly matcher: Matcher;
  readonly registry = new Registry();
  private readonly store: SyncedBank;
  private readonly client: PartnerClient | undefined;
  private readonly options: MatcherServiceOptions;
  private readonly feedback: FeedbackQueue | undefined;
  private readonly abort = new AbortController();
  private readonly onChanges = (changes: StoreChange[]) => this.matcher.apply(changes);
  private loop: Promise<void> | undefined;
  private lastSyncError: SyncErrorInfo | null = null;
  private firstSyncDone = false;
  /** Cached so a match answer does not read SQLite; refreshed after every committed page. */
  private checkpoint: number | undefined;
  private readonly startedAt = Date.now();
  private readonly metrics;

  constructor(options: MatcherServiceOptions) {
    this.options = options;
    this.store = options.store;
    this.client = options.client;
    this.matcher = options.matcher ?? new Matcher({ pdqThreshold: options.pdqThreshold });
    if (options.autoFeedback) {
      if (!this.client) throw new PartnerError('CONFIG_INVALID', '--auto-feedback needs a bank (--server and --key)');
      this.feedback = new FeedbackQueue({
        client: this.client,
        store: this.store,
        onError: (err) => this.app.log.warn({ err }, 'auto-feedback batch failed; will retry'),
      });
    }
    this.metrics = this.createMetrics();
    this.app = Fastify({
      logger: options.logger ?? false,
      bodyLimit: options.bodyLimitBytes ?? 64 * 1024 * 1024,
    });
    this.routes();
  }

  private createMetrics() {
    const registry = this.registry;
    collectDefaultMetrics({ register: registry, prefix: 'unseen_matcher_' });
    const matcher = () => this.matcher;
    const store = () => this.store;
    return {
      requests: new Counter({
        name: 'unseen_matcher_requests_total',
        help: 'POST /match requests by query kind and outcome',
        labelNames: ['kind', 'outcome'] as const,
        registers: [registry],
      }),
      duration: new Histogram({
        name: 'unseen_matcher_match_duration_seconds',
        help: 'Time to answer POST /match, hashing included',
        labelNames: ['kind'] as const,
        buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
        registers: [registry],
      }),
      syncRecords: new Counter({
        name: 'unseen_matcher_sync_records_total',
        help: 'Feed records applied to the index',
        registers: [registry],
      }),
      syncErrors: new Counter({
        name: 'unseen_matcher_sync_errors_total',
        help: 'Sync passes that failed (after the client exhausted its retries)',
        registers: [registry],
      }),
      indexSize: new Gauge({
        name: 'unseen_matcher_index_size',
        help: 'Bank hashes held in memory, by signal type',
        labelNames: ['signal_type'] as const,
        registers: [registry],
        collect() {
          const size = matcher().size;
          this.set({ signal_type: 'ImagePDQ' }, size.ImagePDQ);
          this.set({ signal_type: 'VideoMD5' }, size.VideoMD5);
          this.set({ signal_type: 'VideoVPDQ' }, size.VideoVPDQ);
        },
      }),
      lastSyncAge: new Gauge({
        name: 'unseen_matcher_last_sync_age_seconds',
        help: 'Seconds since the feed was last read successfully (alert on this, not on checkpoint age)',
        registers: [registry],
        collect() {
          const at = store().lastSyncAt;
          this.set(at === undefined ? -1 : (Date.now() - at) / 1000);
        },
      }),
    };
  }

  /** Loads the synced bank into memory, then follows the feed in the background. */
  async start(): Promise<void> {
    this.matcher.load(this.store.indexRecords());
    this.checkpoint = this.store.checkpoint;
    this.store.on('changes', this.onChanges);
    if (this.store.checkpoint !== undefined && !this.store.cursor) this.firstSyncDone = true;
    if (this.client) {
      const client = this.client;
      this.loop = syncLoop(client, this.store, {
        intervalMs: this.options.syncIntervalMs ?? 1000,
        pageSize: this.options.pageSize,
        signal: this.abort.signal,
        onPage: (p) => {
          this.checkpoint = p.checkpoint;
          this.metrics.syncRecords.inc(p.applied.added + p.applied.updated + p.applied.removed + p.applied.swept);
        },
        onSync: (summary: SyncSummary) => {
          this.firstSyncDone = true;
          this.lastSyncError = null;
          if (summary.records > 0) this.app.log.info({ summary }, 'synced');
        },
        onError: (err) => {
          this.metrics.syncErrors.inc();
          this.lastSyncError = {
            code: err instanceof PartnerError ? err.code : 'INTERNAL',
            message: err instanceof Error ? err.message : String(err),
            at: new Date().toISOString(),
          };
          this.app.log.warn({ err }, 'sync failed; retrying at the next interval');
        },
      });
    } else {
      this.firstSyncDone = true;
    }
  }

  async listen(port: number, host = '127.0.0.1'): Promise<string> {
    return this.app.listen({ port, host });
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.loop;
    this.store.off('changes', this.onChanges);
    await this.feedback?.close();
    await this.app.close();
  }

  status(): MatcherStatus {
    const now = Date.now();
    const checkpoint = this.store.checkpoint ?? null;
    const lastSyncAt = this.store.lastSyncAt;
    return {
      ready: this.firstSyncDone,
      index: this.matcher.size,
      checkpoint,
      checkpointAgeSeconds: checkpoint === null ? null : Math.max(0, Math.round(now / 1000 - checkpoint)),
      lastSyncAt: lastSyncAt === undefined ? null : new Date(lastSyncAt).toISOString(),
      lastSyncAgeSeconds: lastSyncAt === undefined ? null : Math.round((now - lastSyncAt) / 100) / 10,
      lastSyncError: this.lastSyncError,
      syncing: this.client !== undefined,
      skippedRecords: this.matcher.skipped,
      pdqThreshold: this.matcher.pdqThreshold,
      autoFeedback: {
        enabled: this.feedback !== undefined,
        queued: this.feedback?.queued ?? 0,
        sent: this.feedback?.sent ?? 0,
        failed: this.feedback?.failed ?? 0,
        deduplicated: this.feedback?.deduplicated ?? 0,
      },
      uptimeSeconds: Math.round((now - this.startedAt) / 1000),
    };
  }

  private recordOutcome(kind: string, outcome: MatchOutcome, startedAt: bigint): void {
    this.metrics.requests.inc({ kind, outcome: outcome.matched ? 'match' : 'no_match' });
    this.metrics.duration.observe({ kind }, Number(process.hrtime.bigint() - startedAt) / 1e9);
    if (this.feedback) for (const m of outcome.matches) this.feedback.enqueue(m.hash);
  }

  private routes(): void {
    const app = this.app;
    const hasher = this.options.hasher ?? nodeMediaHasher;
    const dihedral = this.options.dihedral ?? true;

    app.addContentTypeParser(/^(image|video)\/.+/, { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

    app.setErrorHandler((err, _req, reply) => {
      const status = (err as { statusCode?: number }).statusCode ?? 500;
      const message = err instanceof Error ? err.message : String(err);
      if (status === 413) return sendError(reply, 413, 'PAYLOAD_TOO_LARGE', 'the upload exceeds the size limit');
      if (status === 415)
        return sendError(reply, 415, 'UNSUPPORTED_MEDIA_TYPE', 'send image/*, video/* or application/json');
      if (status >= 400 && status < 500) return sendError(reply, status, 'BAD_REQUEST', message);
      app.log.error({ err }, 'match failed');
      return sendError(reply, 500, 'INTERNAL', 'internal error');
    });

    app.get('/healthz', async () => ({ ok: true }));
    app.get('/readyz', async (_req, reply) => {
      const ready = this.status().ready;
      return reply.code(ready ? 200 : 503).send({ ready });
    });
    app.get('/status', async () => this.status());
    app.get('/metrics', async (_req, reply) => {
      reply.header('content-type', this.registry.contentType);
      return this.registry.metrics();
    });

    app.post('/match', async (req, reply) => {
      const startedAt = process.hrtime.bigint();
      const contentType = req.headers['content-type'];
      const kind = mediaKindOfContentType(contentType);
      if (kind) {
        const body = req.body as Buffer;
        if (!Buffer.isBuffer(body) || body.length === 0) {
          return sendError(reply, 400, 'BAD_REQUEST', 'the upload is empty');
        }
        let hashed: HashedMedia;
        try {
          hashed = await hashBytes(hasher, body, kind, { dihedral });
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          return sendError(reply, 422, 'MEDIA_UNREADABLE', `cannot decode this ${kind}: ${message}`);
        }
        const outcome = matchMedia(this.matcher, hashed);
        this.recordOutcome(kind, outcome, startedAt);
        return { ...outcome, threshold: this.matcher.pdqThreshold, index: this.indexInfo(), tookMs: took(startedAt) };
      }
      if (!contentType?.toLowerCase().startsWith('application/json')) {
        return sendError(reply, 415, 'UNSUPPORTED_MEDIA_TYPE', 'send image/*, video/* or application/json');
      }
      const parsed = HashQuerySchema.safeParse(req.body);
      if (!parsed.success) {
        return sendError(
          reply,
          400,
          'BAD_REQUEST',
          'POST /match takes image/* or video/* bytes, or JSON {"signalType":"ImagePDQ|VideoMD5|VideoVPDQ","hash":"..."}',
        );
      }
      let outcome: MatchOutcome;
      try {
        outcome = matchHashValue(this.matcher, parsed.data.signalType, parsed.data.hash, parsed.data.threshold);
      } catch (err) {
        return sendError(reply, 400, 'BAD_HASH', err instanceof Error ? err.message : String(err));
      }
      this.recordOutcome('hash', outcome, startedAt);
      return {
        ...outcome,
        threshold: parsed.data.threshold ?? this.matcher.pdqThreshold,
        index: this.indexInfo(),
        tookMs: took(startedAt),
      };
    });
  }

  private indexInfo() {
    return { size: this.matcher.size.total, checkpoint: this.checkpoint ?? null };
  }
}

function took(startedAt: bigint): number {
  return Math.round(Number(process.hrtime.bigint() - startedAt) / 1e4) / 100;
}
