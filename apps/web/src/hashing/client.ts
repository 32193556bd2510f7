import type { HashErrorCode, HashJob, HashResult, MediaKind, Timings, WorkerResponse } from './protocol.js';

export class HashingError extends Error {
  readonly code: HashErrorCode;
  constructor(code: HashErrorCode, message: string) {
    super(message);
    this.name = 'HashingError';
    this.code = code;
  }
}

interface Pending {
  resolve: (value: { result: HashResult; timings: Timings }) => void;
  reject: (error: HashingError) => void;
  onProgress?: (fraction: number) => void;
}

export interface HashOptions {
  onProgress?: (fraction: number) => void;
  squash?: HashJob['squash'];
  fullResolution?: boolean;
  decodeOnly?: boolean;
}

/**
 * Owns one hashing worker. Jobs are sent one at a time so per-file progress is
 * meaningful and memory stays bounded even when a person drops hundreds of files.
 */
export class HashingClient {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(worker?: Worker) {
    this.worker =
      worker ?? new Worker(new URL('./hash.worker.ts', import.meta.url), { type: 'module', name: 'hash-worker' });
    this.worker.addEventListener('message', (event: MessageEvent<WorkerResponse>) => this.onMessage(event.data));
  }

  hash(file: Blob, kind: MediaKind, options: HashOptions = {}): Promise<{ result: HashResult; timings: Timings }> {
    const run = () =>
      new Promise<{ result: HashResult; timings: Timings }>((resolve, reject) => {
        const id = this.nextId++;
        this.pending.set(id, { resolve, reject, onProgress: options.onProgress });
        const job: HashJob = {
          type: 'hash',
          id,
          kind,
          file,
          squash: options.squash,
          fullResolution: options.fullResolution,
          decodeOnly: options.decodeOnly,
        };
        this.worker.postMessage(job);
      });
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  terminate(): void {
    this.worker.terminate();
    for (const pending of this.pending.values()) pending.reject(new HashingError('CANCELLED', 'Hashing stopped.'));
    this.pending.clear();
  }

  private onMessage(message: WorkerResponse): void {
    const pending = this.pending.get(message.id);
    if (!pending) return;
    if (message.type === 'progress') {
      pending.onProgress?.(message.fraction);
      return;
    }
    this.pending.delete(message.id);
    if (message.type === 'done') pending.resolve({ result: message.result, timings: message.timings });
    else pending.reject(new HashingError(message.code, message.message));
  }
}
