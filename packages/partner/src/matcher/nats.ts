import os from 'node:os';
import {
  AckPolicy,
  type ConsumerMessages,
  connect,
  type JetStreamManager,
  type JsMsg,
  JSONCodec,
  type NatsConnection,
  nanos,
  RetentionPolicy,
  StorageType,
} from 'nats';
import { z } from 'zod';
import { PartnerError } from '../errors.js';
import {
  type HashedMedia,
  hashBytes,
  type MediaHasher,
  type MediaKind,
  mediaKindOfContentType,
  mediaKindOfPath,
  nodeMediaHasher,
} from '../media.js';
import type { Matcher } from './core.js';
import { type MatchOutcome, matchHashValue, matchMedia } from './match.js';

export interface NatsTopology {
  /** Work-queue stream holding upload events (each is delivered to exactly one consumer of the group). */
  uploadsStream: string;
  uploadsSubject: string;
  /** Stream capturing results, so JetStream can drop duplicate results by Nats-Msg-Id (the event id). */
  resultsStream: string;
  resultsSubject: string;
  /** Durable pull consumer shared by every replica: adding a process adds capacity. */
  durable: string;
}

export const DEFAULT_TOPOLOGY: NatsTopology = {
  uploadsStream: 'UNSEEN_UPLOADS',
  uploadsSubject: 'unseen.uploads',
  resultsStream: 'UNSEEN_MATCHES',
  resultsSubject: 'unseen.matches',
  durable: 'unseen-matcher',
};

/** An upload event. Exactly one of url, bytes (base64) or hash says what to match. */
export const UploadEventSchema = z
  .object({
    id: z.string().min(1).max(200),
    url: z.string().url().optional(),
    bytes: z.string().optional(),
    contentType: z.string().optional(),
    hash: z.object({ signalType: z.string(), value: z.string() }).optional(),
  })
  .refine((e) => [e.url, e.bytes, e.hash].filter((x) => x !== undefined).length === 1, {
    message: 'exactly one of url, bytes or hash',
  });
export type UploadEvent = z.infer<typeof UploadEventSchema>;

export type MatchResultEvent =
  | ({ id: string; ok: true; worker: string; at: string } & MatchOutcome)
  | { id: string; ok: false; worker: string; at: string; error: { code: string; message: string } };

export interface NatsConsumerOptions {
  servers: string;
  matcher: Matcher;
  topology?: Partial<NatsTopology>;
  hasher?: MediaHasher;
  dihedral?: boolean;
  maxBytes?: number;
  /** Deliveries before an event whose media cannot be fetched is answered with an error result. */
  maxDeliver?: number;
  ackWaitMs?: number;
  worker?: string;
  onResult?: (result: MatchResultEvent) => void;
  onError?: (err: unknown) => void;
}

const codec = JSONCodec<unknown>();

/** Creates (or updates) the two streams and the shared durable consumer. Idempotent: every replica calls it. */
export async function ensureTopology(
  jsm: JetStreamManager,
  topology: NatsTopology,
  options: { maxDeliver: number; ackWaitMs: number },
): Promise<void> {
  const duplicateWindow = nanos(10 * 60_000);
  await upsertStream(jsm, {
    name: topology.uploadsStream,
    subjects: [topology.uploadsSubject],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    duplicate_window: duplicateWindow,
  });
  await upsertStream(jsm, {
    name: topology.resultsStream,
    subjects: [topology.resultsSubject],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    duplicate_window: duplicateWindow,
  });
  const consumer = {
    durable_name: topology.durable,
    ack_policy: AckPolicy.Explicit,
    ack_wait: nanos(options.ackWaitMs),
    max_deliver: options.maxDeliver,
    filter_subject: topology.uploadsSubject,
  };
  try {
    await jsm.consumers.info(topology.uploadsStream, topology.durable);
  } catch {
    try {
      await jsm.consumers.add(topology.uploadsStream, consumer);
    } catch (err) {
      // Another replica created it between our info and add.
      await jsm.consumers.info(topology.uploadsStream, topology.durable).catch(() => {
        throw err;
      });
    }
  }
}

async function upsertStream(
  jsm: JetStreamManager,
  config: {
    name: string;
    subjects: string[];
    retention: RetentionPolicy;
    storage: StorageType;
    duplicate_window: number;
  },
): Promise<void> {
  try {
    await jsm.streams.info(config.name);
  } catch {
    try {
      await jsm.streams.add(config);
    } catch (err) {
      await jsm.streams.info(config.name).catch(() => {
        throw err;
      });
    }
  }
}

/**
 * JetStream consumer mode: pulls upload events from a work queue, matches them, publishes one result per
 * event id and only then acknowledges. A crash between publish and ack redelivers the event; the repeated
 * result carries the same Nats-Msg-Id and JetStream drops it, so results are exactly-once per id within the
 * duplicate window even though delivery is at-least-once.
 */
export class NatsMatchConsumer {
  private nc: NatsConnection | undefined;
  private messages: ConsumerMessages | undefined;
  private running: Promise<void> | undefined;
  readonly topology: NatsTopology;
  readonly worker: string;
  processed = 0;
  duplicatesDropped = 0;

  constructor(private readonly options: NatsConsumerOptions) {
    this.topology = { ...DEFAULT_TOPOLOGY, ...options.topology };
    this.worker = options.worker ?? `${os.hostname()}:${process.pid}`;
  }

  async start(): Promise<void> {
    try {
      this.nc = await connect({ servers: this.options.servers, name: `unseen-matcher ${this.worker}`, timeout: 5000 });
    } catch (cause) {
      throw new PartnerError(
        'SERVER_UNAVAILABLE',
        `cannot reach NATS at ${this.options.servers}: ${(cause as Error).message}; is nats-server running with JetStream (-js)?`,
        { cause },
      );
    }
    const jsm = await this.nc.jetstreamManager();
    const maxDeliver = this.options.maxDeliver ?? 5;
    await ensureTopology(jsm, this.topology, { maxDeliver, ackWaitMs: this.options.ackWaitMs ?? 30_000 });
    const js = this.nc.jetstream();
    const consumer = await js.consumers.get(this.topology.uploadsStream, this.topology.durable);
    this.messages = await consumer.consume({ max_messages: 16 });
    const messages = this.messages;
    this.running = (async () => {
      for await (const msg of messages) {
        try {
          await this.handle(msg, maxDeliver);
        } catch (err) {
          this.options.onError?.(err);
          msg.nak(1000);
        }
      }
    })();
  }

  private async handle(msg: JsMsg, maxDeliver: number): Promise<void> {
    const at = new Date().toISOString();
    let event: UploadEvent;
    try {
      event = UploadEventSchema.parse(codec.decode(msg.data));
    } catch (err) {
      // A malformed event never becomes valid: answer it (if it has an id) and take it off the queue.
      const id = extractId(msg) ?? `seq-${msg.seq}`;
      await this.publish({
        id,
        ok: false,
        worker: this.worker,
        at,
        error: { code: 'BAD_EVENT', message: describe(err) },
      });
      msg.term();
      return;
    }
    let result: MatchResultEvent;
    try {
      // Hashing media can outlast ack_wait on a busy worker: tell JetStream we are still on it.
      if (!event.hash) msg.working();
      const outcome = await this.match(event);
      result = { id: event.id, ok: true, worker: this.worker, at, ...outcome };
    } catch (err) {
      const transient = err instanceof PartnerError && err.code === 'SERVER_UNAVAILABLE';
      if (transient && msg.info.redeliveryCount < maxDeliver) {
        msg.nak(2000);
        return;
      }
      const code = err instanceof PartnerError ? err.code : 'INTERNAL';
      result = { id: event.id, ok: false, worker: this.worker, at, error: { code, message: describe(err) } };
    }
    await this.publish(result);
    msg.ack();
    this.processed++;
    this.options.onResult?.(result);
  }

  private async publish(result: MatchResultEvent): Promise<void> {
    if (!this.nc) throw new PartnerError('CONFIG_INVALID', 'consumer not started');
    const ack = await this.nc
      .jetstream()
      .publish(this.topology.resultsSubject, codec.encode(result), { msgID: result.id });
    if (ack.duplicate) this.duplicatesDropped++;
  }

  private async match(event: UploadEvent): Promise<MatchOutcome> {
    const matcher = this.options.matcher;
    if (event.hash) return matchHashValue(matcher, event.hash.signalType, event.hash.value);
    let bytes: Uint8Array;
    let kind: MediaKind | undefined = mediaKindOfContentType(event.contentType);
    if (event.bytes !== undefined) {
      bytes = Buffer.from(event.bytes, 'base64');
    } else {
      const fetched = await fetchMedia(event.url!, this.options.maxBytes ?? 64 * 1024 * 1024);
      bytes = fetched.bytes;
      kind ??= mediaKindOfContentType(fetched.contentType) ?? mediaKindOfPath(new URL(event.url!).pathname);
    }
    if (!kind) {
      throw new PartnerError('MEDIA_ERROR', 'cannot tell image from video: set contentType on the event');
    }
    const hashed: HashedMedia = await hashBytes(this.options.hasher ?? nodeMediaHasher, bytes, kind, {
      dihedral: this.options.dihedral ?? true,
    });
    return matchMedia(matcher, hashed);
  }

  async close(): Promise<void> {
    this.messages?.stop();
    await this.running;
    await this.nc?.drain();
  }
}

async function fetchMedia(url: string, maxBytes: number): Promise<{ bytes: Uint8Array; contentType?: string }> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  } catch (cause) {
    throw new PartnerError('SERVER_UNAVAILABLE', `cannot fetch ${url}: ${describe(cause)}`, { cause });
  }
  if (res.status >= 500 || res.status === 429) {
    throw new PartnerError('SERVER_UNAVAILABLE', `fetching ${url} answered HTTP ${res.status}`);
  }
  if (!res.ok) throw new PartnerError('MEDIA_ERROR', `fetching ${url} answered HTTP ${res.status}`);
  const length = Number(res.headers.get('content-length') ?? 0);
  if (length > maxBytes) throw new PartnerError('MEDIA_ERROR', `${url} is larger than ${maxBytes} bytes`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (bytes.length > maxBytes) throw new PartnerError('MEDIA_ERROR', `${url} is larger than ${maxBytes} bytes`);
  return { bytes, contentType: res.headers.get('content-type') ?? undefined };
}

function extractId(msg: JsMsg): string | undefined {
  try {
    const data = codec.decode(msg.data) as { id?: unknown };
    return typeof data.id === 'string' && data.id.length > 0 ? data.id : undefined;
  } catch {
    return undefined;
  }
}

function describe(err: unknown): string {
  if (err instanceof z.ZodError)
    return err.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`).join('; ');
  return err instanceof Error ? err.message : String(err);
}
