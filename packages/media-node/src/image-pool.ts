import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { hashImageFile, type ImageHash, type ImageHashOptions } from './image-hash.js';
import { type JobError, type PoolReply, type PoolRequest, toJobError } from './image-pool-protocol.js';

export type { JobError } from './image-pool-protocol.js';

export type ImageJobResult =
  | { file: string; ok: true; result: ImageHash }
  | { file: string; ok: false; error: JobError };

export interface HashImageFilesOptions extends ImageHashOptions {
  /** Worker threads to use; 1 hashes on the calling thread. Default: the number of CPU cores. */
  concurrency?: number;
  /** Called after each file, in completion order; `index` is the file's position in `paths`. */
  onProgress?: (done: number, total: number, item: ImageJobResult, index: number) => void;
}

/**
 * Hashes many image files across CPU cores and returns the results in input order. A file that cannot
 * be decoded yields `{ ok: false, error }` and the rest carry on; a crashed worker is replaced.
 */
export async function hashImageFiles(
  paths: readonly string[],
  opts: HashImageFilesOptions = {},
): Promise<ImageJobResult[]> {
  const { concurrency: requested, ...rest } = opts;
  const concurrency = Math.max(1, Math.min(requested ?? availableParallelism(), paths.length || 1));
  const pool = new ImageHashPool(concurrency);
  try {
    return await pool.hashFiles(paths, rest);
  } finally {
    await pool.close();
  }
}

/**
 * A reusable set of worker threads for image hashing. Starting a worker costs tens of milliseconds
 * (seconds from TypeScript source), so long-lived callers keep one pool. Size 1 hashes in-thread.
 */
export class ImageHashPool {
  private readonly workers: (Worker | undefined)[];
  private closed = false;

  constructor(readonly size: number = availableParallelism()) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`pool size must be a positive integer, got ${size}`);
    this.workers = new Array(size === 1 ? 0 : size).fill(undefined);
  }

  /** Hashes `paths` using every worker; results come back in input order. */
  async hashFiles(
    paths: readonly string[],
    opts: Omit<HashImageFilesOptions, 'concurrency'> = {},
  ): Promise<ImageJobResult[]> {
    if (this.closed) throw new Error('ImageHashPool is closed');
    const { onProgress, ...options } = opts;
    const results: ImageJobResult[] = new Array(paths.length);
    let done = 0;
    const finish = (index: number, item: ImageJobResult) => {
      results[index] = item;
      done++;
      onProgress?.(done, paths.length, item, index);
    };

    let next = 0;
    if (this.workers.length === 0) {
      // In-thread: two files in flight, so sharp decodes one (off the JS thread) while the other hashes.
      const lane = async () => {
        while (next < paths.length) {
          const index = next++;
          const file = paths[index];
          try {
            finish(index, { file, ok: true, result: await hashImageFile(file, options) });
          } catch (err) {
            finish(index, { file, ok: false, error: toJobError(err) });
          }
        }
      };
      await Promise.all([lane(), lane()]);
      return results;
    }

    const drain = async (slot: number): Promise<void> => {
      while (next < paths.length) {
        const index = next++;
        const file = paths[index];
        let worker = this.workers[slot];
        if (!worker) {
          worker = spawnWorker();
          this.workers[slot] = worker;
        }
        try {
          const reply = await request(worker, { id: index, path: file, options });
          finish(index, reply.ok ? { file, ok: true, result: reply.result } : { file, ok: false, error: reply.error });
        } catch (err) {
          // The worker died (e.g. out of memory on a hostile file): report the file; a fresh worker
          // is started for the next one.
          finish(index, {
            file,
            ok: false,
            error: { code: 'WORKER_FAILED', message: err instanceof Error ? err.message : String(err) },
          });
          this.workers[slot] = undefined;
          await worker.terminate();
        }
      }
    };
    await Promise.all(this.workers.map((_, slot) => drain(slot)));
    return results;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w?.terminate()));
    this.workers.fill(undefined);
  }
}

function request(worker: Worker, message: PoolRequest): Promise<PoolReply> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    const onMessage = (reply: PoolReply) => {
      if (reply.id !== message.id) return;
      cleanup();
      resolve(reply);
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onExit = (code: number) => {
      cleanup();
      reject(new Error(`image worker exited with code ${code}`));
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    worker.postMessage(message);
  });
}

/**
 * Starts a worker from the compiled file next to this one, or, when running from TypeScript source
 * (tests, tsx), from the .ts file through tsx's in-thread require hook: on Node 20 ESM loader hooks
 * (`--import tsx`) do not reach a worker's entry module, but a CommonJS hook registered inside the
 * worker does.
 */
function spawnWorker(): Worker {
  const fromSource = import.meta.url.endsWith('.ts');
  if (!fromSource) return new Worker(new URL('./image-worker.js', import.meta.url));
  const require = createRequire(import.meta.url);
  const tsxCjs = require.resolve('tsx/cjs');
  const entry = fileURLToPath(new URL('./image-worker.ts', import.meta.url));
  return new Worker(`require(${JSON.stringify(tsxCjs)});\nrequire(${JSON.stringify(entry)});\n`, {
    eval: true,
    execArgv: ['--conditions=unseen-source'],
  });
}
