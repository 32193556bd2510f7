import { Worker } from 'node:worker_threads';
import { IndexError } from '../errors.js';
import { assertHash, assertRadius, HASH_BYTES } from '../hash.js';
import type { SearchResult } from '../types.js';
import type { BatchReply, BatchRequest, WorkerInit, WorkerMessage } from './protocol.js';

export interface SnapshotSource {
  serialize(options?: { shared?: boolean }): Uint8Array;
}

export interface ParallelSearcherOptions {
  /** Worker threads (default 2). */
  workers?: number;
  /** Queries per message; small enough to balance the workers, large enough to amortise messaging. */
  batchSize?: number;
}

interface Pending {
  resolve(reply: BatchReply): void;
  reject(error: Error): void;
}

/**
 * Searches a frozen copy of an index on worker threads. The index is serialised once into a
 * SharedArrayBuffer and every worker deserialises it zero-copy, so N workers cost one copy of the tables.
 * Later changes to the source index are not seen: create a new searcher (or keep using the index directly).
 */
export class ParallelSearcher {
  private readonly workers: Worker[];
  private readonly idle: Worker[];
  private readonly queue: { req: BatchRequest; pending: Pending }[] = [];
  private readonly inFlight = new Map<Worker, Pending>();
  private seq = 0;
  private closed = false;

  private constructor(
    workers: Worker[],
    private readonly batchSize: number,
  ) {
    this.workers = workers;
    this.idle = [...workers];
    for (const w of workers) {
      w.on('message', (msg: WorkerMessage) => this.onMessage(w, msg));
      w.on('error', (err) => this.onWorkerError(w, err));
    }
  }

  static async create(index: SnapshotSource, options: ParallelSearcherOptions = {}): Promise<ParallelSearcher> {
    const count = options.workers ?? 2;
    const batchSize = options.batchSize ?? 32;
    if (!Number.isInteger(count) || count < 1 || count > 64) {
      throw new IndexError('INVALID_OPTION', 'workers must be an integer in 1..64');
    }
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new IndexError('INVALID_OPTION', 'batchSize must be >= 1');
    const snapshot = index.serialize({ shared: true });
    const entry = workerEntry();
    const workers: Worker[] = [];
    try {
      await Promise.all(
        Array.from({ length: count }, async () => {
          const init: WorkerInit = { snapshot };
          const w = new Worker(entry.code, { eval: entry.eval, workerData: init, execArgv: entry.execArgv });
          workers.push(w);
          await new Promise<void>((resolve, reject) => {
            const onMessage = (msg: WorkerMessage): void => {
              if ('ready' in msg) {
                w.off('error', reject);
                resolve();
              }
            };
            w.once('message', onMessage);
            w.once('error', reject);
            w.once('exit', (code) => reject(new IndexError('WORKER_FAILED', `worker exited with code ${code}`)));
          });
          w.removeAllListeners('exit');
        }),
      );
    } catch (e) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw e instanceof IndexError ? e : new IndexError('WORKER_FAILED', `worker failed to start: ${String(e)}`);
    }
    return new ParallelSearcher(workers, batchSize);
  }

  get workerCount(): number {
    return this.workers.length;
  }

  async search(hash: Uint8Array, radius: number): Promise<SearchResult[]> {
    assertHash(hash);
    return (await this.searchBatch(hash.slice(), radius))[0];
  }

  /** `queries` holds k hashes back to back (k * 32 bytes); results come back in query order. */
  async searchBatch(queries: Uint8Array, radius: number): Promise<SearchResult[][]> {
    if (this.closed) throw new IndexError('WORKER_FAILED', 'searcher is closed');
    if (!(queries instanceof Uint8Array) || queries.length % HASH_BYTES !== 0) {
      throw new IndexError('INVALID_HASH', 'queries must be a Uint8Array of k * 32 bytes');
    }
    assertRadius(radius);
    const k = queries.length / HASH_BYTES;
    const chunks: Promise<BatchReply>[] = [];
    for (let start = 0; start < k; start += this.batchSize) {
      const end = Math.min(k, start + this.batchSize);
      const req: BatchRequest = {
        seq: this.seq++,
        queries: queries.slice(start * HASH_BYTES, end * HASH_BYTES),
        radius,
      };
      chunks.push(new Promise<BatchReply>((resolve, reject) => this.enqueue(req, { resolve, reject })));
    }
    const out: SearchResult[][] = [];
    for (const reply of await Promise.all(chunks)) {
      let at = 0;
      for (let i = 0; i < reply.counts.length; i++) {
        const list: SearchResult[] = new Array(reply.counts[i]);
        for (let j = 0; j < list.length; j++, at++) list[j] = { id: reply.ids[at], distance: reply.distances[at] };
        out.push(list);
      }
    }
    return out;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const error = new IndexError('WORKER_FAILED', 'searcher closed');
    for (const { pending } of this.queue.splice(0)) pending.reject(error);
    for (const pending of this.inFlight.values()) pending.reject(error);
    this.inFlight.clear();
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private enqueue(req: BatchRequest, pending: Pending): void {
    const w = this.idle.pop();
    if (w === undefined) {
      this.queue.push({ req, pending });
      return;
    }
    this.inFlight.set(w, pending);
    w.postMessage(req, [req.queries.buffer]);
  }

  private onMessage(w: Worker, msg: WorkerMessage): void {
    if ('ready' in msg) return;
    const pending = this.inFlight.get(w);
    this.inFlight.delete(w);
    const next = this.queue.shift();
    if (next) {
      this.inFlight.set(w, next.pending);
      w.postMessage(next.req, [next.req.queries.buffer]);
    } else {
      this.idle.push(w);
    }
    if (pending === undefined) return;
    if ('error' in msg) pending.reject(new IndexError('WORKER_FAILED', msg.error));
    else pending.resolve(msg);
  }

  private onWorkerError(w: Worker, err: Error): void {
    const pending = this.inFlight.get(w);
    this.inFlight.delete(w);
    pending?.reject(new IndexError('WORKER_FAILED', err.message));
  }
}

/**
 * Runs the compiled worker next to this file. When running from TypeScript sources (tests, benchmarks),
 * Node 20 ignores `--import tsx` in worker execArgv, so a small CommonJS bootstrap registers tsx's loader
 * inside the worker (resolved from this package) and then imports the TypeScript worker.
 */
function workerEntry(): { code: string | URL; eval: boolean; execArgv: string[] } {
  if (!import.meta.url.endsWith('.ts')) {
    return { code: new URL('./search-worker.js', import.meta.url), eval: false, execArgv: [] };
  }
  const worker = new URL('./search-worker.ts', import.meta.url).href;
  const code = [
    `import(${JSON.stringify(resolveTsxApi())})`,
    `  .then((api) => { api.register(); return import(${JSON.stringify(worker)}); })`,
    `  .catch((e) => { setImmediate(() => { throw e; }); });`,
  ].join('\n');
  return { code, eval: true, execArgv: ['--conditions=unseen-source'] };
}

function resolveTsxApi(): string {
  try {
    return import.meta.resolve('tsx/esm/api');
  } catch {
    // Test runners without import.meta.resolve: let the worker resolve it from the working directory.
    return 'tsx/esm/api';
  }
}
