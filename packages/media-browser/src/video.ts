/**
 * Browser vPDQ adapter: frames from an HTMLVideoElement (seek, then draw into a 2D canvas and read
 * the pixels back), hashed with the same PDQ core and sampling rule as the Node adapter.
 *
 * Frame n is read by seeking to the middle of its display interval, (n + 0.5) / fps, so rounding
 * in the media pipeline cannot land on the neighbouring frame. The browser's YUV -> RGB conversion
 * is not swscale's, so hashes differ from the reference by a few bits per frame (see README).
 * `videoWidth`/`videoHeight` include rotation metadata and pixel aspect ratio, which the reference
 * ignores; for such videos the browser hashes the displayed picture.
 */
import type { PdqHash, PixelBuffer } from '@unseen/pdq';
import { createFrameHasher, frameInterval, frameTimestamp, type VpdqFeature } from '@unseen/vpdq';
import { readContainerVideoTrack } from './video-container.js';

export type BrowserVideoErrorCode =
  | 'NOT_A_VIDEO'
  | 'DECODE_FAILED'
  | 'ABORTED'
  | 'CANVAS_UNAVAILABLE'
  | 'INVALID_OPTIONS';

export class BrowserVideoError extends Error {
  readonly code: BrowserVideoErrorCode;

  constructor(code: BrowserVideoErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BrowserVideoError';
    this.code = code;
  }
}

/** Hash one RGBA frame at full resolution. May run elsewhere (see `createWorkerFrameHasher`). */
export type BrowserFrameHasher = (frame: PixelBuffer) => PdqHash | Promise<PdqHash>;

export interface BrowserVideoProgress {
  framesHashed: number;
  framesTotal: number;
  secondsDone: number;
  durationSeconds: number;
  /** 0..1 */
  fraction: number;
}

export interface BrowserVideoHashOptions {
  /** One hash every this many seconds; 0 hashes every frame. Default 1. */
  secondsPerHash?: number;
  onProgress?: (progress: BrowserVideoProgress) => void;
  signal?: AbortSignal;
  /** Defaults to hashing on the calling thread. Pass `createWorkerFrameHasher(worker)` to keep the UI responsive. */
  hashFrame?: BrowserFrameHasher;
  /** Frame rate, when the caller knows it better than the container (non-MP4 files). */
  fps?: number;
}

export interface BrowserVideoHashResult {
  features: VpdqFeature[];
  frameCount: number;
  durationSeconds: number;
  width: number;
  height: number;
  fps: number;
  /** Where the frame rate came from: the option, the MP4/MOV container, or an assumption of 30. */
  fpsSource: 'option' | 'container' | 'assumed';
}

/** Used only when neither the caller nor the container says otherwise (e.g. WebM). */
export const ASSUMED_FPS = 30;
/** Hash requests in flight at once: the next seek overlaps the previous hash without queueing frames. */
const MAX_IN_FLIGHT = 2;

function abortError(signal: AbortSignal): BrowserVideoError {
  return new BrowserVideoError('ABORTED', 'video hashing was aborted', { cause: signal.reason });
}

function waitForEvent(
  video: HTMLVideoElement,
  event: 'loadedmetadata' | 'seeked',
  signal: AbortSignal | undefined,
  failure: BrowserVideoErrorCode,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      video.removeEventListener(event, onDone);
      video.removeEventListener('error', onError);
      signal?.removeEventListener('abort', onAbort);
    };
    const onDone = () => {
      cleanup();
      resolve();
    };
    const onError = () => {
      cleanup();
      const detail = video.error ? ` (${video.error.code}: ${video.error.message})` : '';
      reject(new BrowserVideoError(failure, `the browser cannot decode this video${detail}`));
    };
    const onAbort = () => {
      cleanup();
      reject(abortError(signal!));
    };
    video.addEventListener(event, onDone);
    video.addEventListener('error', onError);
    signal?.addEventListener('abort', onAbort);
  });
}

/**
 * vPDQ of a video Blob in the browser. Frames are drawn at the video's intrinsic size into a
 * canvas created with `willReadFrequently` (CPU-backed, so getImageData does not stall on a GPU
 * readback), one sampled frame at a time.
 */
export async function hashVideoInBrowser(
  file: Blob,
  options: BrowserVideoHashOptions = {},
): Promise<BrowserVideoHashResult> {
  const { signal } = options;
  const secondsPerHash = options.secondsPerHash ?? 1;
  if (signal?.aborted) throw abortError(signal);
  if (options.fps !== undefined && !(Number.isFinite(options.fps) && options.fps > 0)) {
    throw new BrowserVideoError('INVALID_OPTIONS', `fps must be a positive number, got ${options.fps}`);
  }
  const container = options.fps === undefined ? await readContainerVideoTrack(file) : null;
  const fps = options.fps ?? container?.fps ?? ASSUMED_FPS;
  const fpsSource: BrowserVideoHashResult['fpsSource'] =
    options.fps !== undefined ? 'option' : container ? 'container' : 'assumed';
  let interval: number;
  try {
    interval = frameInterval(secondsPerHash, fps);
  } catch (error) {
    throw new BrowserVideoError('INVALID_OPTIONS', (error as Error).message, { cause: error });
  }

  const url = URL.createObjectURL(file);
  const video = document.createElement('video');
  video.muted = true;
  video.playsInline = true;
  video.preload = 'auto';
  try {
    const loaded = waitForEvent(video, 'loadedmetadata', signal, 'NOT_A_VIDEO');
    video.src = url;
    await loaded;
    const width = video.videoWidth;
    const height = video.videoHeight;
    const durationSeconds = Number.isFinite(video.duration) ? video.duration : (container?.durationSeconds ?? 0);
    if (!width || !height || !(durationSeconds > 0)) {
      throw new BrowserVideoError('NOT_A_VIDEO', 'the file has no video picture');
    }
    const frameCount = container?.frameCount ?? Math.max(1, Math.floor(durationSeconds * fps));

    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    const context = canvas.getContext('2d', { willReadFrequently: true, alpha: false });
    if (!context) throw new BrowserVideoError('CANVAS_UNAVAILABLE', 'no 2D canvas context available');

    const hashFrame = options.hashFrame ?? createFrameHasher();
    const framesTotal = Math.ceil(frameCount / interval);
    // Filled in frame order even when hashes finish out of order (worker round trips).
    const slots: (VpdqFeature | undefined)[] = [];
    let framesHashed = 0;
    const inFlight: Promise<void>[] = [];
    const lastSeekTarget = Math.max(0, durationSeconds - 0.5 / fps);

    for (let frameNumber = 0; frameNumber < frameCount; frameNumber += interval) {
      if (signal?.aborted) throw abortError(signal);
      const seeked = waitForEvent(video, 'seeked', signal, 'DECODE_FAILED');
      video.currentTime = Math.min((frameNumber + 0.5) / fps, lastSeekTarget);
      await seeked;
      context.drawImage(video, 0, 0, width, height);
      const image = context.getImageData(0, 0, width, height);
      const timestamp = frameTimestamp(frameNumber, fps);
      const slot = slots.length;
      slots.push(undefined);
      const job = Promise.resolve(hashFrame({ data: image.data, width, height, channels: 4 })).then((pdq) => {
        slots[slot] = { frameNumber, quality: pdq.quality, hash: pdq.hash, hex: pdq.hex, timestamp };
        framesHashed++;
        options.onProgress?.({
          framesHashed,
          framesTotal,
          secondsDone: timestamp,
          durationSeconds,
          fraction: Math.min(1, framesHashed / framesTotal),
        });
      });
      inFlight.push(job);
      if (inFlight.length >= MAX_IN_FLIGHT) await inFlight.shift();
    }
    await Promise.all(inFlight);
    if (signal?.aborted) throw abortError(signal);
    const features = slots.filter((feature): feature is VpdqFeature => feature !== undefined);
    return { features, frameCount, durationSeconds, width, height, fps, fpsSource };
  } finally {
    video.removeAttribute('src');
    video.load();
    URL.revokeObjectURL(url);
  }
}
