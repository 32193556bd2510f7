import type { z } from 'zod';
import { PartnerError } from '../errors.js';
import {
  ErrorEnvelopeSchema,
  type FetchHashesResponse,
  FetchHashesResponseSchema,
  type HashFeedback,
  type PostResponse,
  PostResponseSchema,
  type SubmittedHash,
} from './schemas.js';

/** The first `startTimestamp` the reference client sends; anything below the bank's first record works. */
export const DEFAULT_START_TIMESTAMP = 10;
export const DEFAULT_PAGE_SIZE = 800;

export interface RetryOptions {
  /** Attempts after the first one. */
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Upper bound on a server-requested Retry-After, so a hostile header cannot park the client for hours. */
  maxRetryAfterMs: number;
}

export interface PartnerClientOptions {
  /** Bank origin (`https://bank.example`) or the API base itself (`.../v1`). */
  server: string;
  /** Subscription key, sent as `Ocp-Apim-Subscription-Key` (and as a Bearer token when `bearer` is set). */
  key: string;
  /** Optional per-endpoint key some deployments require (`x-functions-key`). */
  functionsKey?: string;
  bearer?: boolean;
  /** Deadline of ONE attempt. */
  timeoutMs?: number;
  retry?: Partial<RetryOptions>;
  /** Injection points for tests. */
  fetch?: typeof fetch;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  userAgent?: string;
}

export interface FetchHashesParams {
  startTimestamp: number;
  pageSize?: number;
  nextPageToken?: string | null;
  signal?: AbortSignal;
}

const DEFAULT_RETRY: RetryOptions = { retries: 6, baseDelayMs: 200, maxDelayMs: 10_000, maxRetryAfterMs: 60_000 };

type RetryMode = 'always' | 'throttle-only';

export function apiBase(server: string): string {
  let url: URL;
  try {
    url = new URL(server);
  } catch (cause) {
    throw new PartnerError(
      'CONFIG_INVALID',
      `"${server}" is not a URL; pass the bank's address, e.g. --server https://bank.example`,
      { cause },
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new PartnerError('CONFIG_INVALID', `the bank URL must be http(s), got ${url.protocol}`);
  }
  const path = url.pathname.replace(/\/+$/, '');
  return `${url.origin}${path.endsWith('/v1') ? path : `${path}/v1`}`;
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new PartnerError('ABORTED', 'aborted'));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new PartnerError('ABORTED', 'aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Typed client for the StopNCII-shaped partner API. Every call is retried on 429, 5xx, timeouts and
 * network errors with capped exponential backoff and full jitter (so a fleet of replicas that failed
 * together does not retry together), honouring Retry-After. Responses are validated: a shape this
 * client does not understand is an INVALID_RESPONSE error, never a silently half-read page.
 */
export class PartnerClient {
  readonly base: string;
  private readonly retry: RetryOptions;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly random: () => number;
  private readonly headers: Record<string, string>;

  constructor(options: PartnerClientOptions) {
    if (!options.key) {
      throw new PartnerError('CONFIG_INVALID', 'no partner key: pass --key or set UNSEEN_PARTNER_KEY');
    }
    this.base = apiBase(options.server);
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.fetchImpl = options.fetch ?? fetch;
    this.sleep = options.sleep ?? defaultSleep;
    this.random = options.random ?? Math.random;
    this.headers = {
      accept: 'application/json',
      'Ocp-Apim-Subscription-Key': options.key,
      'user-agent': options.userAgent ?? 'unseen-partner/0.1',
    };
    if (options.functionsKey) this.headers['x-functions-key'] = options.functionsKey;
    if (options.bearer) this.headers.authorization = `Bearer ${options.key}`;
  }

  /** One page of the feed. Validates that the checkpoint never moves backwards. */
  async fetchHashes(params: FetchHashesParams): Promise<FetchHashesResponse> {
    const query = new URLSearchParams({
      startTimestamp: String(params.startTimestamp),
      pageSize: String(params.pageSize ?? DEFAULT_PAGE_SIZE),
    });
    if (params.nextPageToken) query.set('nextPageToken', params.nextPageToken);
    const page = await this.request('GET', `FetchHashes?${query}`, FetchHashesResponseSchema, {
      retryMode: 'always',
      signal: params.signal,
    });
    if (page.nextSetTimestamp < params.startTimestamp) {
      throw new PartnerError(
        'CHECKPOINT_REGRESSION',
        `the bank answered nextSetTimestamp ${page.nextSetTimestamp} for startTimestamp ${params.startTimestamp}; ` +
          'refusing to move the checkpoint backwards (report this to the bank operator)',
      );
    }
    if (page.hasMoreRecords && !page.nextPageToken) {
      throw new PartnerError('INVALID_RESPONSE', 'the bank said hasMoreRecords without a nextPageToken');
    }
    return page;
  }

  /** Every page from `startTimestamp`, following nextPageToken while hasMoreRecords. */
  async *fetchPages(params: FetchHashesParams): AsyncGenerator<FetchHashesResponse> {
    let token = params.nextPageToken ?? null;
    for (;;) {
      const page = await this.fetchHashes({ ...params, nextPageToken: token });
      yield page;
      if (!page.hasMoreRecords) return;
      token = page.nextPageToken ?? null;
    }
  }

  /**
   * Feedback is a per-partner "last value wins" statement about a hash, so re-sending it after a lost
   * answer is harmless: retried like a GET.
   */
  async submitFeedback(feedbacks: HashFeedback[], signal?: AbortSignal): Promise<PostResponse> {
    const body = {
      count: feedbacks.length,
      hashFeedbacks: feedbacks.map((f) => ({
        hashValue: f.hashValue,
        feedbackValue: f.feedbackValue,
        tags: f.tags ?? [],
      })),
    };
    return this.request('POST', 'SubmitFeedback', PostResponseSchema, { body, retryMode: 'always', signal });
  }

  /**
   * Contributing hashes is keyed by (signalType, hashValue) on the bank, so a repeat is a no-op; still, a 5xx
   * might have been half-applied by an unknown server, so only throttling (429: nothing was done) is retried.
   */
  async submitHashes(hashes: SubmittedHash[], signal?: AbortSignal): Promise<PostResponse> {
    const now = Math.floor(Date.now() / 1000);
    const body = {
      count: hashes.length,
      hashRecords: hashes.map((h) => ({
        lastModtimestamp: h.lastModtimestamp ?? now,
        signalType: h.signalType,
        hashValue: h.hashValue,
        CSPFeedbacks: [{ tags: h.tags ?? [], feedbackValue: h.feedbackValue ?? 'Blocked' }],
      })),
    };
    return this.request('POST', 'SubmitHashes', PostResponseSchema, { body, retryMode: 'throttle-only', signal });
  }

  private backoff(attempt: number): number {
    const cap = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** attempt);
    return Math.round(this.random() * cap);
  }

  private async request<S extends z.ZodType>(
    method: 'GET' | 'POST',
    endpoint: string,
    schema: S,
    opts: { body?: unknown; retryMode: RetryMode; signal?: AbortSignal | undefined },
  ): Promise<z.infer<S>> {
    const url = `${this.base}/${endpoint}`;
    const headers = { ...this.headers };
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    let lastProblem = '';
    let lastStatus: number | undefined;
    for (let attempt = 0; ; attempt++) {
      if (opts.signal?.aborted) throw new PartnerError('ABORTED', 'aborted');
      let retryAfterMs: number | undefined;
      const timeout = AbortSignal.timeout(this.timeoutMs);
      const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
      try {
        const res = await this.fetchImpl(url, {
          method,
          headers,
          body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
          signal,
        });
        const text = await res.text();
        if (res.ok) return this.parse(schema, text, endpoint);
        lastStatus = res.status;
        const serverError = this.serverError(text);
        lastProblem = `HTTP ${res.status}${serverError ? ` ${serverError.code}: ${serverError.message}` : ''}`;
        if (res.status === 401 || res.status === 403) {
          throw new PartnerError(
            'AUTH_FAILED',
            `the bank refused the partner key (${lastProblem}); check --key / UNSEEN_PARTNER_KEY with the bank operator`,
            { status: res.status, serverCode: serverError?.code },
          );
        }
        const retryable = res.status === 429 || (res.status >= 500 && opts.retryMode === 'always');
        if (!retryable) {
          throw new PartnerError('REQUEST_REJECTED', `${method} ${endpoint} was rejected: ${lastProblem}`, {
            status: res.status,
            serverCode: serverError?.code,
          });
        }
        retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
      } catch (err) {
        if (err instanceof PartnerError) throw err;
        if (opts.signal?.aborted) throw new PartnerError('ABORTED', 'aborted', { cause: err });
        const timedOut = timeout.aborted;
        lastStatus = undefined;
        lastProblem = timedOut ? `no answer within ${this.timeoutMs} ms` : `network error: ${describe(err)}`;
        // A network error on a POST may have reached the bank; only idempotent calls are re-sent.
        if (opts.retryMode !== 'always') {
          throw new PartnerError(timedOut ? 'TIMEOUT' : 'SERVER_UNAVAILABLE', `${method} ${endpoint}: ${lastProblem}`, {
            attempts: attempt + 1,
            cause: err,
          });
        }
      }
      if (attempt >= this.retry.retries) {
        throw new PartnerError(
          'SERVER_UNAVAILABLE',
          `${method} ${endpoint} failed after ${attempt + 1} attempts (last: ${lastProblem}); ` +
            'the bank may be down or throttling: try again later',
          { status: lastStatus, attempts: attempt + 1 },
        );
      }
      const delay =
        retryAfterMs === undefined
          ? this.backoff(attempt)
          : Math.min(this.retry.maxRetryAfterMs, retryAfterMs) + this.backoff(0);
      await this.sleep(delay, opts.signal);
    }
  }

  private parse<S extends z.ZodType>(schema: S, text: string, endpoint: string): z.infer<S> {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (cause) {
      throw new PartnerError('INVALID_RESPONSE', `${endpoint} answered something that is not JSON`, { cause });
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      throw new PartnerError(
        'INVALID_RESPONSE',
        `${endpoint} answered an unexpected shape (${first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'invalid'}); ` +
          'is --server pointing at an Unseen/StopNCII bank?',
        { cause: parsed.error },
      );
    }
    return parsed.data;
  }

  private serverError(text: string): { code: string; message: string } | undefined {
    try {
      const parsed = ErrorEnvelopeSchema.safeParse(JSON.parse(text));
      return parsed.success ? parsed.data.error : undefined;
    } catch {
      return undefined;
    }
  }
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as Error & { cause?: unknown }).cause;
    return cause instanceof Error ? `${err.message} (${cause.message})` : err.message;
  }
  return String(err);
}
