import {
  BrowserVideoError,
  type BrowserFrameHasher,
  createWorkerFrameHasher,
  hashVideoInBrowser,
} from '@unseen/media-browser';
import { encodeCompact } from '@unseen/vpdq';

/** One vPDQ frame hash per second of video: the StopNCII-style default. */
export const SECONDS_PER_HASH = 1;

/**
 * vPDQ for videos: frames are decoded by the browser from a local object URL, hashed in a
 * dedicated worker, and packed into the compact string the bank accepts.
 */
export class VideoHasher {
  private worker: Worker | null = null;
  private hashFrame: BrowserFrameHasher | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  /**
   * The compact vPDQ string, or null when this browser cannot decode the video's frames.
   * Videos are done one at a time: each holds a decoder and a full-size frame canvas.
   */
  vpdq(file: Blob, options: { onProgress?: (fraction: number) => void; signal?: AbortSignal }): Promise<string | null> {
    const run = () => this.hashOne(file, options);
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async hashOne(
    file: Blob,
    options: { onProgress?: (fraction: number) => void; signal?: AbortSignal },
  ): Promise<string | null> {
    if (!this.hashFrame) {
      this.worker = new Worker(new URL('./frame.worker.ts', import.meta.url), { type: 'module', name: 'frame-worker' });
      this.hashFrame = createWorkerFrameHasher(this.worker);
    }
    try {
      const result = await hashVideoInBrowser(file, {
        secondsPerHash: SECONDS_PER_HASH,
        hashFrame: this.hashFrame,
        signal: options.signal,
        onProgress: (progress) => options.onProgress?.(progress.fraction),
      });
      return result.features.length > 0 ? encodeCompact(result.features) : null;
    } catch (error) {
      if (error instanceof BrowserVideoError && (error.code === 'NOT_A_VIDEO' || error.code === 'DECODE_FAILED')) {
        return null;
      }
      throw error;
    }
  }

  terminate(): void {
    this.worker?.terminate();
    this.worker = null;
    this.hashFrame = null;
  }
}
