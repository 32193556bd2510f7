import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { HashJob, HashResult, Timings, WorkerResponse } from '../../src/hashing/protocol.js';
import { pdqVectorsDir } from './paths.js';

export const VECTOR_PREFIX = '/__vectors__/';

/** Serves the shared vector files to the page from Node (nothing is added to the app or its server). */
export async function routeVectors(page: Page, baseUrl: string): Promise<void> {
  await page.route(`${baseUrl}${VECTOR_PREFIX}**`, (route) => {
    const relative = decodeURIComponent(new URL(route.request().url()).pathname.slice(VECTOR_PREFIX.length));
    const file = path.resolve(pdqVectorsDir, relative);
    if (!file.startsWith(pdqVectorsDir)) return route.fulfill({ status: 403 });
    return route.fulfill({ status: 200, body: readFileSync(file), contentType: 'application/octet-stream' });
  });
}

export const BUFFER_PREFIX = '/__buffers__/';

/** Serves in-memory test files to the page at BUFFER_PREFIX + name. */
export async function routeBuffers(page: Page, baseUrl: string, files: Map<string, Uint8Array>): Promise<void> {
  await page.route(`${baseUrl}${BUFFER_PREFIX}**`, (route) => {
    const name = decodeURIComponent(new URL(route.request().url()).pathname.slice(BUFFER_PREFIX.length));
    const body = files.get(name);
    return body ? route.fulfill({ status: 200, body: Buffer.from(body) }) : route.fulfill({ status: 404 });
  });
}

export interface WorkerOutcome {
  ok: boolean;
  result?: HashResult;
  timings?: Timings;
  code?: string;
}

export type JobOptions = Pick<HashJob, 'squash' | 'fullResolution' | 'decodeOnly' | 'kind'>;

/** Starts the app's built hashing worker inside the page, driven by its own message protocol. */
export async function startWorker(page: Page, workerPath: string): Promise<void> {
  await page.evaluate((url) => {
    const scope = globalThis as unknown as { __hashWorker?: Worker };
    scope.__hashWorker = new Worker(url, { type: 'module' });
  }, workerPath);
}

/** Fetches `url` (same origin) into a Blob in the page and hashes it with the worker. */
export function hashInWorker(page: Page, url: string, options: JobOptions): Promise<WorkerOutcome> {
  return page.evaluate(
    async ({ url, options }) => {
      const worker = (globalThis as unknown as { __hashWorker: Worker }).__hashWorker;
      const blob = await (await fetch(url)).blob();
      const id = Math.floor(Math.random() * 2 ** 31);
      return new Promise<WorkerOutcome>((resolve) => {
        const onMessage = (event: MessageEvent<WorkerResponse>) => {
          const message = event.data;
          if (message.id !== id || message.type === 'progress') return;
          worker.removeEventListener('message', onMessage);
          if (message.type === 'done') resolve({ ok: true, result: message.result, timings: message.timings });
          else resolve({ ok: false, code: message.code });
        };
        worker.addEventListener('message', onMessage);
        const job: HashJob = { type: 'hash', id, file: blob, ...options };
        worker.postMessage(job);
      });
    },
    { url, options },
  );
}
