/**
 * PDQ for video frames in a Web Worker. In the worker module:
 *   import { serveFrameHashes } from '@unseen/media-browser/video-worker';  // or this file
 *   serveFrameHashes(self);
 * On the page:
 *   const worker = new Worker(new URL('./frame-worker.ts', import.meta.url), { type: 'module' });
 *   hashVideoInBrowser(file, { hashFrame: createWorkerFrameHasher(worker) });
 * Frame buffers are transferred, not copied; the hash comes back as a 32-byte transfer.
 */
import type { PdqHash, PixelBuffer } from '@unseen/pdq';
import { createFrameHasher } from '@unseen/vpdq';
import { BrowserVideoError, type BrowserFrameHasher } from './video.js';

interface HashRequest {
  id: number;
  buffer: ArrayBuffer;
  width: number;
  height: number;
  channels: PixelBuffer['channels'];
}

type HashResponse = { id: number; hash: Uint8Array; hex: string; quality: number } | { id: number; error: string };

/** What `serveFrameHashes` needs from a worker's global scope (structural, so no WebWorker lib clash). */
export interface FrameHashScope {
  addEventListener(type: 'message', listener: (event: MessageEvent<HashRequest>) => void): void;
  postMessage(message: HashResponse, transfer: Transferable[]): void;
}

/** Install the frame-hash handler in a worker: one preallocated PDQ hasher for every frame. */
export function serveFrameHashes(scope: FrameHashScope): void {
  const hash = createFrameHasher();
  scope.addEventListener('message', (event) => {
    const { id, buffer, width, height, channels } = event.data;
    try {
      const result = hash({ data: new Uint8ClampedArray(buffer), width, height, channels });
      scope.postMessage({ id, hash: result.hash, hex: result.hex, quality: result.quality }, [result.hash.buffer]);
    } catch (error) {
      scope.postMessage({ id, error: error instanceof Error ? error.message : String(error) }, []);
    }
  });
}

/** A `hashFrame` for `hashVideoInBrowser` that posts each frame to `worker` (running `serveFrameHashes`). */
export function createWorkerFrameHasher(worker: Worker): BrowserFrameHasher {
  let nextId = 0;
  const pending = new Map<number, { resolve: (hash: PdqHash) => void; reject: (error: Error) => void }>();
  worker.addEventListener('message', (event: MessageEvent<HashResponse>) => {
    const waiter = pending.get(event.data.id);
    if (!waiter) return;
    pending.delete(event.data.id);
    if ('error' in event.data)
      waiter.reject(new BrowserVideoError('DECODE_FAILED', `frame hash failed: ${event.data.error}`));
    else waiter.resolve({ hash: event.data.hash, hex: event.data.hex, quality: event.data.quality });
  });
  worker.addEventListener('error', (event) => {
    for (const waiter of pending.values())
      waiter.reject(new BrowserVideoError('DECODE_FAILED', `hash worker failed: ${event.message}`));
    pending.clear();
  });
  return (frame) =>
    new Promise<PdqHash>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      const data = frame.data;
      // Transfer the pixels when they own their whole buffer (ImageData does); copy otherwise.
      const buffer =
        data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && data.buffer instanceof ArrayBuffer
          ? data.buffer
          : (data.slice().buffer as ArrayBuffer);
      const request: HashRequest = { id, buffer, width: frame.width, height: frame.height, channels: frame.channels };
      worker.postMessage(request, [buffer]);
    });
}
