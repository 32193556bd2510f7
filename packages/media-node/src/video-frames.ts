import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import type { PixelBuffer } from '@unseen/pdq';
import { VideoError } from './video-errors.js';
import type { VideoInfo, VideoTools } from './video-probe.js';

/**
 * `exact`: pixels bit-identical to the reference `vpdq-hash-video` (swscale's plain C colour
 *   conversion, as with `ffmpeg -cpuflags 0`). Decoding runs with SIMD in one ffmpeg (H.264
 *   decoding is bit-exact either way) and only the YUV -> RGB24 conversion runs without SIMD in a
 *   second ffmpeg fed raw YUV of the sampled frames: the same bytes as the one-process
 *   `-cpuflags 0` command, about 3x faster because `-cpuflags 0` also slows the decoder down.
 * `fast`: one ffmpeg with SIMD everywhere. Hashes differ from the reference by ~1 bit per frame.
 */
export type VideoDecodeMode = 'exact' | 'fast';

export interface VideoFrame {
  /** 0-based index in decode order (what the reference numbers frames by). */
  frameNumber: number;
  /** RGB24 pixels at codec size. The buffer is reused: copy it to keep it past the next frame. */
  pixels: PixelBuffer;
}

export interface ReadVideoFramesOptions extends VideoTools {
  info: VideoInfo;
  /** Emit only frames with `frameNumber % frameInterval === 0` (filtered inside ffmpeg). Default 1. */
  frameInterval?: number;
  mode?: VideoDecodeMode;
  signal?: AbortSignal;
}

type Child = ChildProcessByStdio<Writable | null, Readable, Readable>;

interface RunningProcess {
  child: Child;
  name: string;
  stderr: () => string;
  closed: Promise<{ code: number | null; spawnError: NodeJS.ErrnoException | null }>;
}

const STDERR_KEEP = 4096;
// Raw pixel formats the second (conversion-only) ffmpeg can take over a pipe without a palette.
const PIPEABLE_PIXEL_FORMAT = /^(yuvj?4[0-4][0-4]p|yuva4[0-4][0-4]p|nv1[26]|nv21|gray|rgb24|bgr24|[argb]{4}$|gbrp)/;

function start(tool: string, args: string[], name: string, stdin: 'pipe' | 'ignore'): RunningProcess {
  const child = spawn(tool, args, { stdio: [stdin, 'pipe', 'pipe'] }) as Child;
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => {
    stderr = (stderr + text).slice(-STDERR_KEEP);
  });
  const closed = new Promise<{ code: number | null; spawnError: NodeJS.ErrnoException | null }>((resolve) => {
    let spawnError: NodeJS.ErrnoException | null = null;
    child.once('error', (error: NodeJS.ErrnoException) => {
      spawnError = error;
      // 'close' may not follow a failed spawn on every Node version.
      if (child.pid === undefined) resolve({ code: null, spawnError });
    });
    child.once('close', (code) => resolve({ code, spawnError }));
  });
  return { child, name, stderr: () => stderr, closed };
}

function selectFilter(frameInterval: number): string[] {
  // `n` is the frame's index in decode order; `\,` escapes the comma inside the filtergraph.
  return frameInterval > 1 ? ['-vf', `select=not(mod(n\\,${frameInterval}))`] : [];
}

function buildPipeline(filePath: string, options: ReadVideoFramesOptions, frameInterval: number): RunningProcess[] {
  const ffmpeg = options.ffmpegPath ?? 'ffmpeg';
  const { info } = options;
  const common = ['-hide_banner', '-nostdin', '-loglevel', 'error'];
  // Passthrough: one output frame per decoded frame, never duplicated or dropped for a constant rate.
  const output = ['-fps_mode', 'passthrough', '-f', 'rawvideo', '-pix_fmt'];
  const decodeInput = [
    '-noautorotate',
    '-i',
    filePath,
    '-map',
    `0:${info.streamIndex}`,
    ...selectFilter(frameInterval),
  ];
  const mode = options.mode ?? 'exact';
  if (mode === 'fast') {
    return [start(ffmpeg, [...common, ...decodeInput, ...output, 'rgb24', 'pipe:1'], 'ffmpeg', 'ignore')];
  }
  if (!PIPEABLE_PIXEL_FORMAT.test(info.pixelFormat)) {
    // Rare formats (palettes, bitstream formats): one process with every SIMD path off.
    return [
      start(ffmpeg, [...common, '-cpuflags', '0', ...decodeInput, ...output, 'rgb24', 'pipe:1'], 'ffmpeg', 'ignore'),
    ];
  }
  const decoder = start(
    ffmpeg,
    [...common, ...decodeInput, ...output, info.pixelFormat, 'pipe:1'],
    'ffmpeg decode',
    'ignore',
  );
  const converter = start(
    ffmpeg,
    [
      ...common,
      '-cpuflags',
      '0',
      '-f',
      'rawvideo',
      '-pix_fmt',
      info.pixelFormat,
      '-video_size',
      `${info.width}x${info.height}`,
      '-i',
      'pipe:0',
      ...output,
      'rgb24',
      'pipe:1',
    ],
    'ffmpeg rgb24',
    'pipe',
  );
  const converterStdin = converter.child.stdin!;
  // The converter dying first makes the decoder's writes fail; its own exit status reports why.
  converterStdin.on('error', () => {});
  decoder.child.stdout.pipe(converterStdin);
  return [decoder, converter];
}

/**
 * Decoded RGB24 frames of the video stream `probeVideo` chose, streamed from ffmpeg. Memory is
 * bounded whatever the video's length: the current frame plus a read-ahead of about two frames.
 * Breaking out of the loop or aborting the signal kills ffmpeg.
 */
export async function* readVideoFrames(filePath: string, options: ReadVideoFramesOptions): AsyncGenerator<VideoFrame> {
  const { info, signal } = options;
  const frameInterval = options.frameInterval ?? 1;
  if (!Number.isSafeInteger(frameInterval) || frameInterval < 1) {
    throw new VideoError('INVALID_OPTIONS', `frameInterval must be a positive integer, got ${frameInterval}`);
  }
  if (!Number.isInteger(info.width) || !Number.isInteger(info.height) || info.width < 1 || info.height < 1) {
    throw new VideoError('INVALID_OPTIONS', `bad frame size ${info.width}x${info.height}`);
  }
  if (signal?.aborted) throw new VideoError('ABORTED', 'video decoding was aborted', { cause: signal.reason });
  const processes = buildPipeline(filePath, options, frameInterval);
  const killAll = () => {
    for (const { child } of processes) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const aborted = () => new VideoError('ABORTED', 'video decoding was aborted', { cause: signal?.reason });
  const last = processes[processes.length - 1]!;
  const frameBytes = info.width * info.height * 3;
  const frame = new Uint8Array(frameBytes);
  let filled = 0;
  let emitted = 0;
  // Read ahead up to ~2 frames while the caller hashes the current one, so ffmpeg keeps decoding
  // instead of blocking on a full 64 kB pipe; memory stays bounded by this buffer.
  const readAhead = new PassThrough({ highWaterMark: 2 * frameBytes });
  // Abort ends the read at once with ABORTED rather than waiting for the killed processes'
  // pipes to drain and close, which some Node versions (24) never signal for a paused pipe.
  const onAbort = () => {
    killAll();
    readAhead.destroy(aborted());
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  last.child.stdout.on('error', (error) => readAhead.destroy(error));
  last.child.stdout.pipe(readAhead);
  try {
    for await (const chunk of readAhead as AsyncIterable<Buffer>) {
      let offset = 0;
      while (offset < chunk.length) {
        const take = Math.min(frameBytes - filled, chunk.length - offset);
        frame.set(chunk.subarray(offset, offset + take), filled);
        filled += take;
        offset += take;
        if (filled === frameBytes) {
          filled = 0;
          if (signal?.aborted) throw aborted();
          yield {
            frameNumber: emitted * frameInterval,
            pixels: { data: frame, width: info.width, height: info.height, channels: 3 },
          };
          emitted++;
        }
      }
    }
    const results = await Promise.all(processes.map((p) => p.closed));
    if (signal?.aborted) throw aborted();
    results.forEach(({ code, spawnError }, index) => {
      if (spawnError?.code === 'ENOENT') {
        throw new VideoError(
          'FFMPEG_MISSING',
          `${options.ffmpegPath ?? 'ffmpeg'} not found: install FFmpeg (Debian: apt install ffmpeg)`,
        );
      }
      if (spawnError || code !== 0) {
        const stderr = processes[index]!.stderr().trim().split('\n').slice(-3).join(' | ');
        throw new VideoError(
          'DECODE_FAILED',
          `${processes[index]!.name} failed (exit ${code}): ${stderr || spawnError?.message}`,
        );
      }
    });
    if (filled !== 0)
      throw new VideoError('DECODE_FAILED', `ffmpeg ended in the middle of a frame (${filled} of ${frameBytes} bytes)`);
    if (emitted === 0) throw new VideoError('DECODE_FAILED', `no frame could be decoded from ${filePath}`);
  } finally {
    signal?.removeEventListener('abort', onAbort);
    killAll();
    readAhead.destroy();
  }
}
