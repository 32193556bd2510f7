import { createVpdqHasher, frameInterval, type VpdqFeature, VpdqError } from '@unseen/vpdq';
import { VideoError } from './video-errors.js';
import { readVideoFrames, type VideoDecodeMode } from './video-frames.js';
import { countVideoPackets, probeVideo, type VideoTools } from './video-probe.js';

export interface VideoHashProgress {
  framesHashed: number;
  /** Position in the video of the last hashed frame, seconds. */
  secondsDone: number;
  durationSeconds: number;
  /** 0..1, by video time. */
  fraction: number;
}

export interface HashVideoOptions extends VideoTools {
  /** One hash every this many seconds of video; 0 hashes every frame. Default 1 (the reference default). */
  secondsPerHash?: number;
  /**
   * true (default): pixels identical to the reference hasher, so hashes equal `vpdq-hash-video`'s.
   * false: SIMD colour conversion, ~1 bit per frame away from the reference (see BENCHMARKS.md for speed).
   */
  exact?: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: VideoHashProgress) => void;
}

export interface VideoHashResult {
  features: VpdqFeature[];
  /** Frames in the video: counted while decoding every frame, else from the container (demux only). */
  frameCount: number;
  durationSeconds: number;
  width: number;
  height: number;
  fps: number;
  mode: VideoDecodeMode;
}

/**
 * vPDQ of a video file: ffprobe for size and frame rate, ffmpeg for the sampled frames (streamed,
 * one frame in memory at a time), PDQ at full resolution on each.
 */
export async function hashVideoFile(filePath: string, options: HashVideoOptions = {}): Promise<VideoHashResult> {
  const secondsPerHash = options.secondsPerHash ?? 1;
  const mode: VideoDecodeMode = options.exact === false ? 'fast' : 'exact';
  const tools: VideoTools = { ffmpegPath: options.ffmpegPath, ffprobePath: options.ffprobePath };
  const info = await probeVideo(filePath, { ...tools, signal: options.signal });
  let interval: number;
  try {
    interval = frameInterval(secondsPerHash, info.fps);
  } catch (error) {
    if (error instanceof VpdqError) throw new VideoError('INVALID_OPTIONS', error.message, { cause: error });
    throw error;
  }
  const hasher = createVpdqHasher({ fps: info.fps, secondsPerHash });
  const features: VpdqFeature[] = [];
  let framesRead = 0;
  for await (const frame of readVideoFrames(filePath, {
    ...tools,
    info,
    mode,
    frameInterval: interval,
    signal: options.signal,
  })) {
    const feature = hasher.push(frame.pixels, frame.frameNumber);
    // ffmpeg's select filter and our sampling rule must agree; a gap here would be a silent wrong hash.
    if (!feature) throw new VideoError('DECODE_FAILED', `ffmpeg delivered unsampled frame ${frame.frameNumber}`);
    features.push(feature);
    framesRead++;
    if (options.onProgress) {
      const secondsDone = feature.timestamp;
      options.onProgress({
        framesHashed: features.length,
        secondsDone,
        durationSeconds: info.durationSeconds,
        fraction: info.durationSeconds > 0 ? Math.min(1, secondsDone / info.durationSeconds) : 0,
      });
    }
  }
  const frameCount =
    interval === 1
      ? framesRead
      : (info.containerFrameCount ??
        (await countVideoPackets(filePath, { ...tools, signal: options.signal })) ??
        Math.round(info.durationSeconds * info.fps));
  options.onProgress?.({
    framesHashed: features.length,
    secondsDone: info.durationSeconds,
    durationSeconds: info.durationSeconds,
    fraction: 1,
  });
  return {
    features,
    frameCount,
    durationSeconds: info.durationSeconds,
    width: info.width,
    height: info.height,
    fps: info.fps,
    mode,
  };
}
