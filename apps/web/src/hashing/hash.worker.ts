/// <reference lib="webworker" />
/**
 * Hashing worker: every byte of every file is read here, off the main thread, and only
 * hashes come back. Images: decode exactly as the PDQ reference does, then PDQ.
 * Videos: MD5 over the whole file (read in slices).
 */
import { decodeImageForPdq, ImageDecodeError, md5Blob } from '@unseen/media-browser';
import { hashPixels } from '@unseen/pdq';
import type { HashErrorCode, HashJob, HashResult, Timings, WorkerRequest, WorkerResponse } from './protocol.js';

declare const self: DedicatedWorkerGlobalScope;

const controllers = new Map<number, AbortController>();

function post(message: WorkerResponse): void {
  self.postMessage(message);
}

async function hashImage(job: HashJob): Promise<{ result: HashResult; timings: Timings }> {
  const t0 = performance.now();
  const pixels = await decodeImageForPdq(job.file, { squash: job.squash, fullResolution: job.fullResolution });
  const t1 = performance.now();
  post({ type: 'progress', id: job.id, fraction: 0.6 });
  if (job.decodeOnly) {
    return {
      result: { kind: 'image', pdq: '', quality: 0, width: pixels.originalWidth, height: pixels.originalHeight },
      timings: { decodeMs: t1 - t0, hashMs: 0 },
    };
  }
  const { hex, quality } = hashPixels(pixels, { fullResolution: job.fullResolution });
  const t2 = performance.now();
  return {
    result: { kind: 'image', pdq: hex, quality, width: pixels.originalWidth, height: pixels.originalHeight },
    timings: { decodeMs: t1 - t0, hashMs: t2 - t1 },
  };
}

async function hashVideo(job: HashJob, signal: AbortSignal): Promise<{ result: HashResult; timings: Timings }> {
  const t0 = performance.now();
  const md5 = await md5Blob(job.file, {
    signal,
    onProgress: (fraction) => post({ type: 'progress', id: job.id, fraction }),
  });
  return { result: { kind: 'video', md5 }, timings: { decodeMs: 0, hashMs: performance.now() - t0 } };
}

function errorCode(error: unknown): HashErrorCode {
  if (error instanceof ImageDecodeError) return error.code === 'IMAGE_EMPTY' ? 'EMPTY' : 'UNDECODABLE';
  if (error instanceof DOMException && error.name === 'AbortError') return 'CANCELLED';
  return 'FAILED';
}

async function run(job: HashJob): Promise<void> {
  const controller = new AbortController();
  controllers.set(job.id, controller);
  try {
    const { result, timings } = job.kind === 'image' ? await hashImage(job) : await hashVideo(job, controller.signal);
    post({ type: 'done', id: job.id, result, timings });
  } catch (error) {
    post({ type: 'error', id: job.id, code: errorCode(error), message: error instanceof Error ? error.message : '' });
  } finally {
    controllers.delete(job.id);
  }
}

self.addEventListener('message', (event: MessageEvent<WorkerRequest>) => {
  const message = event.data;
  if (message.type === 'cancel') controllers.get(message.id)?.abort();
  else void run(message);
});
