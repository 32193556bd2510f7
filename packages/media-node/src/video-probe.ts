import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { parseFrameRate } from '@unseen/vpdq';
import { VideoError } from './video-errors.js';

export interface VideoTools {
  /** Default `ffmpeg` on PATH (Debian: /usr/bin/ffmpeg). */
  ffmpegPath?: string;
  /** Default `ffprobe` on PATH. */
  ffprobePath?: string;
}

export interface VideoInfo {
  /** Index of the hashed stream in the file (the first video stream that is not cover art). */
  streamIndex: number;
  /** Codec width and height: the size the reference hashes (rotation and aspect ratio ignored). */
  width: number;
  height: number;
  /** `avg_frame_rate` as a double (`av_q2d`). */
  fps: number;
  avgFrameRate: string;
  codec: string;
  /** Pixel format of the decoded frames (e.g. `yuv420p`). */
  pixelFormat: string;
  durationSeconds: number;
  /** Frames according to the container (`nb_frames`), when it records them. */
  containerFrameCount: number | null;
}

interface ProbeJson {
  streams?: Array<{
    index?: number;
    codec_type?: string;
    codec_name?: string;
    width?: number;
    height?: number;
    pix_fmt?: string;
    avg_frame_rate?: string;
    nb_frames?: string;
    nb_read_packets?: string;
    duration?: string;
    disposition?: { attached_pic?: number };
  }>;
  format?: { format_name?: string; duration?: string };
}

// Demuxers that wrap single images: ffprobe reports them as one-frame "video" streams.
const STILL_IMAGE_FORMAT = /(^|,)(image2|[a-z0-9]+_pipe)(,|$)/;

export async function assertReadableFile(filePath: string): Promise<void> {
  try {
    const info = await stat(filePath);
    if (!info.isFile()) throw new VideoError('NOT_A_VIDEO', `${filePath} is not a regular file`);
  } catch (error) {
    if (error instanceof VideoError) throw error;
    throw new VideoError('FILE_NOT_FOUND', `cannot read ${filePath}`, { cause: error });
  }
}

function runTool(tool: string, args: string[], signal?: AbortSignal): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(tool, args, { signal, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (!error) return resolve({ stdout, stderr });
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        return reject(
          new VideoError('FFMPEG_MISSING', `${tool} not found: install FFmpeg (Debian: apt install ffmpeg)`),
        );
      }
      if (error.name === 'AbortError') return reject(new VideoError('ABORTED', 'video probing was aborted'));
      reject(Object.assign(error, { stderr }));
    });
  });
}

function lastLines(text: string, count = 3): string {
  return text.trim().split('\n').slice(-count).join(' | ').slice(0, 500);
}

/** Size, frame rate and duration of the first video stream, from ffprobe's JSON. */
export async function probeVideo(
  filePath: string,
  options: VideoTools & { signal?: AbortSignal } = {},
): Promise<VideoInfo> {
  await assertReadableFile(filePath);
  const ffprobe = options.ffprobePath ?? 'ffprobe';
  let json: ProbeJson;
  try {
    const { stdout } = await runTool(
      ffprobe,
      ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', '-i', filePath],
      options.signal,
    );
    json = JSON.parse(stdout) as ProbeJson;
  } catch (error) {
    if (error instanceof VideoError) throw error;
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new VideoError('NOT_A_VIDEO', `${filePath} is not a readable video: ${lastLines(stderr)}`, { cause: error });
  }
  const stream = json.streams?.find((s) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1);
  const formatName = json.format?.format_name ?? '';
  if (!stream || STILL_IMAGE_FORMAT.test(formatName)) {
    throw new VideoError('NOT_A_VIDEO', `${filePath} has no video stream (container: ${formatName || 'unknown'})`);
  }
  const { width, height } = stream;
  if (!width || !height || !stream.pix_fmt) {
    throw new VideoError('NOT_A_VIDEO', `${filePath}: the video stream has no decodable frame size`);
  }
  let fps: number;
  try {
    fps = parseFrameRate(stream.avg_frame_rate ?? '0/0');
  } catch {
    throw new VideoError('NOT_A_VIDEO', `${filePath}: the video stream has no frame rate (a still image?)`);
  }
  const duration = Number(json.format?.duration ?? stream.duration ?? Number.NaN);
  const frames = Number(stream.nb_frames ?? Number.NaN);
  return {
    streamIndex: stream.index ?? 0,
    width,
    height,
    fps,
    avgFrameRate: stream.avg_frame_rate!,
    codec: stream.codec_name ?? 'unknown',
    pixelFormat: stream.pix_fmt,
    durationSeconds: Number.isFinite(duration) ? duration : 0,
    containerFrameCount: Number.isInteger(frames) && frames > 0 ? frames : null,
  };
}

/** Number of video packets, by demuxing only (no decoding): the frame count when the container has none. */
export async function countVideoPackets(
  filePath: string,
  options: VideoTools & { signal?: AbortSignal } = {},
): Promise<number | null> {
  try {
    const { stdout } = await runTool(
      options.ffprobePath ?? 'ffprobe',
      [
        '-v',
        'error',
        '-select_streams',
        'v:0',
        '-count_packets',
        '-show_entries',
        'stream=nb_read_packets',
        '-of',
        'json',
        filePath,
      ],
      options.signal,
    );
    const packets = Number((JSON.parse(stdout) as ProbeJson).streams?.[0]?.nb_read_packets);
    return Number.isInteger(packets) ? packets : null;
  } catch (error) {
    if (error instanceof VideoError) throw error;
    return null;
  }
}
