import { readdir, stat, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import {
  hashImageFiles,
  hashVideoFile,
  type ImageJobResult,
  isMediaError,
  isVideoError,
  MediaError,
  md5File,
} from '@unseen/media-node';
import { PDQ_MIN_USEFUL_QUALITY } from '@unseen/pdq';
import { encodeCompact, formatHashFile, isVpdqError } from '@unseen/vpdq';
import { SingleBar } from 'cli-progress';
import { type Command, InvalidArgumentError, Option } from 'commander';

const IMAGE_EXTENSIONS = new Set([
  '.jpg',
  '.jpeg',
  '.png',
  '.webp',
  '.gif',
  '.avif',
  '.tif',
  '.tiff',
  '.heic',
  '.heif',
]);
const VIDEO_EXTENSIONS = new Set(['.mp4', '.webm', '.mov', '.mkv', '.avi']);
/** Show a progress bar (on a terminal) only when a run is long enough to need one. */
const PROGRESS_MIN_FILES = 20;

interface HashCommandOptions {
  json?: boolean;
  dihedral?: boolean;
  fullres?: boolean;
  fast?: boolean;
  concurrency?: number;
  vpdqOut?: string;
}

/** One output line. `error` lines replace the hash for a file that could not be read. */
export type HashLine =
  | {
      file: string;
      signalType: 'pdq';
      hash: string;
      quality: number;
      dihedral?: Record<string, string>;
      warning?: string;
    }
  | { file: string; signalType: 'md5'; hash: string }
  /** `hash` is the compact form (`@unseen/vpdq` encodeCompact); `frames` is the number of hashed frames. */
  | { file: string; signalType: 'vpdq'; frames: number; hash: string }
  | { file: string; error: { code: string; message: string } };

interface Job {
  file: string;
  kind: 'image' | 'video';
}

export function register(program: Command): void {
  program
    .command('hash')
    .description(
      'Hash images (PDQ) and videos (vPDQ + MD5) on this device. Only hashes are printed; nothing is sent anywhere.',
    )
    .argument('<paths...>', 'image or video files, or directories (walked recursively)')
    .option('--json', 'print one JSON object per line')
    .option('--dihedral', 'also print the 8 rotated/mirrored PDQ hashes')
    .addOption(new Option('--fullres', 'hash at full resolution, without the reference 512x512 squash'))
    .addOption(
      new Option('--fast', 'decode large JPEGs at reduced size (faster; may differ by a few bits)').conflicts(
        'fullres',
      ),
    )
    .option('--concurrency <n>', 'worker threads for images; 1 = in-thread (default: CPU cores)', parsePositiveInt)
    .option(
      '--vpdq-out <file>',
      "write the video's vPDQ in the reference text format (frameNumber,quality,pdqHex,timestamp); with several videos, an existing directory receiving <video name>.txt each",
    )
    .action(async (paths: string[], opts: HashCommandOptions) => {
      process.exitCode = await runHash(paths, opts);
    });
}

function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new InvalidArgumentError('expected an integer from 1 to 256');
  return n;
}

/** Hashes everything under `paths`, printing one line per file; returns the process exit code. */
export async function runHash(paths: string[], opts: HashCommandOptions): Promise<number> {
  const jobs: Job[] = [];
  const missing: HashLine[] = [];
  for (const given of paths) {
    try {
      await collect(given, jobs, true);
    } catch (err) {
      missing.push(errorLine(given, err));
    }
  }
  const total = jobs.length;
  const output = new OrderedOutput(opts.json === true, total);
  for (const line of missing) output.printNow(line);

  const bar =
    process.stderr.isTTY && total >= PROGRESS_MIN_FILES
      ? new SingleBar({ stream: process.stderr, format: 'hashing [{bar}] {value}/{total} files | eta {eta}s' })
      : undefined;
  // A bar redraws its terminal line; if stdout is the same terminal, hold results until it is gone.
  if (bar && process.stdout.isTTY) output.hold();
  bar?.start(total, 0);
  let done = 0;
  const completed = (index: number, lines: HashLine[]) => {
    output.set(index, lines);
    bar?.update(++done);
  };

  const imageIndexes = jobs.flatMap((job, index) => (job.kind === 'image' ? [index] : []));
  const imageFiles = imageIndexes.map((i) => jobs[i].file);
  const cores = availableParallelism();
  // Worker threads cost a start-up, so a couple of files hash in-thread (see BENCHMARKS.md, PDQ).
  const concurrency = opts.concurrency ?? (imageFiles.length <= 2 ? 1 : cores);
  await Promise.all([
    hashImageFiles(imageFiles, {
      concurrency,
      dihedral: opts.dihedral === true,
      fullResolution: opts.fullres === true,
      fast: opts.fast === true,
      onProgress: (_done, _total, item, i) => completed(imageIndexes[i], [imageLine(item)]),
    }),
    (async () => {
      const videoCount = jobs.filter((job) => job.kind === 'video').length;
      let vpdqOut: VpdqOutTarget | undefined;
      try {
        vpdqOut = opts.vpdqOut === undefined ? undefined : await vpdqOutTarget(opts.vpdqOut, videoCount);
      } catch (err) {
        jobs.forEach((job, index) => {
          if (job.kind === 'video') completed(index, [errorLine(job.file, err)]);
        });
        return;
      }
      for (let index = 0; index < jobs.length; index++) {
        if (jobs[index].kind === 'video') completed(index, await hashVideo(jobs[index].file, vpdqOut));
      }
    })(),
  ]);
  bar?.stop();
  output.release();
  return output.failed || missing.length > 0 ? 1 : 0;
}

/** Where `--vpdq-out` writes: one file for a single video, `<dir>/<video name>.txt` for several. */
type VpdqOutTarget = { kind: 'file'; path: string } | { kind: 'dir'; path: string };

async function vpdqOutTarget(given: string, videoCount: number): Promise<VpdqOutTarget> {
  const isDir = await stat(given).then(
    (info) => info.isDirectory(),
    () => false,
  );
  if (isDir) return { kind: 'dir', path: given };
  if (videoCount > 1) {
    throw new MediaError('NOT_A_FILE', `--vpdq-out with ${videoCount} videos needs an existing directory: ${given}`);
  }
  return { kind: 'file', path: given };
}

/**
 * Lines for one video file: its vPDQ (one hash per second, exact-pixel mode, the compact form the
 * bank stores) and the MD5 of its bytes (StopNCII's VideoMD5). A video ffmpeg cannot read still
 * gets its MD5 line, after the error line for the vPDQ.
 */
async function hashVideo(file: string, vpdqOut?: VpdqOutTarget): Promise<HashLine[]> {
  const lines: HashLine[] = [];
  try {
    const { features } = await hashVideoFile(file, { secondsPerHash: 1 });
    lines.push({ file, signalType: 'vpdq', frames: features.length, hash: encodeCompact(features) });
    if (vpdqOut) {
      const target = vpdqOut.kind === 'file' ? vpdqOut.path : path.join(vpdqOut.path, `${path.parse(file).name}.txt`);
      await writeFile(target, formatHashFile(features));
    }
  } catch (err) {
    lines.push(errorLine(file, err));
  }
  try {
    lines.push({ file, signalType: 'md5', hash: await md5File(file) });
  } catch (err) {
    lines.push(errorLine(file, err));
  }
  return lines;
}

function imageLine(item: ImageJobResult): HashLine {
  if (!item.ok) return { file: item.file, error: item.error };
  const { hash, quality, dihedral } = item.result;
  const line: HashLine = { file: item.file, signalType: 'pdq', hash, quality };
  if (dihedral) line.dihedral = dihedral;
  if (quality < PDQ_MIN_USEFUL_QUALITY) {
    line.warning = `quality ${quality} is below ${PDQ_MIN_USEFUL_QUALITY}: too weak to share or match reliably`;
  }
  return line;
}

function errorLine(file: string, err: unknown): HashLine {
  if (isMediaError(err)) return { file, error: { code: err.code, message: err.message } };
  if (isVideoError(err) || isVpdqError(err)) return { file, error: { code: err.code, message: err.message } };
  return { file, error: { code: 'INTERNAL_ERROR', message: err instanceof Error ? err.message : String(err) } };
}

/**
 * Adds the files under `target`. Files named on the command line are always tried (their content
 * decides); inside directories only known image and video extensions are picked up, in sorted order.
 */
async function collect(target: string, jobs: Job[], explicit: boolean): Promise<void> {
  const info = await stat(target).catch((err: unknown) => {
    if ((err as { code?: string }).code === 'ENOENT') {
      throw new MediaError('FILE_NOT_FOUND', `no such file or directory: ${target}`);
    }
    throw err;
  });
  if (info.isDirectory()) {
    const entries = await readdir(target, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (entry.isDirectory() || entry.isFile()) await collect(path.join(target, entry.name), jobs, false);
    }
    return;
  }
  const ext = path.extname(target).toLowerCase();
  if (VIDEO_EXTENSIONS.has(ext)) jobs.push({ file: target, kind: 'video' });
  else if (explicit || IMAGE_EXTENSIONS.has(ext)) jobs.push({ file: target, kind: 'image' });
}

/** Prints lines in input order as results arrive out of order; tracks whether any file failed. */
class OrderedOutput {
  private readonly pending: (HashLine[] | undefined)[];
  private next = 0;
  private held = false;
  private readonly buffered: string[] = [];
  failed = false;

  constructor(
    private readonly json: boolean,
    total: number,
  ) {
    this.pending = new Array(total);
  }

  hold(): void {
    this.held = true;
  }

  release(): void {
    this.held = false;
    if (this.buffered.length > 0) process.stdout.write(this.buffered.join(''));
    this.buffered.length = 0;
  }

  printNow(line: HashLine): void {
    if ('error' in line) this.failed = true;
    this.write(line);
  }

  set(index: number, lines: HashLine[]): void {
    this.pending[index] = lines;
    while (this.next < this.pending.length && this.pending[this.next] !== undefined) {
      for (const line of this.pending[this.next] ?? []) this.printNow(line);
      this.pending[this.next] = [];
      this.next++;
    }
  }

  private write(line: HashLine): void {
    const text = `${this.json ? JSON.stringify(line) : humanLine(line)}\n`;
    if (this.held) this.buffered.push(text);
    else process.stdout.write(text);
  }
}

function humanLine(line: HashLine): string {
  if ('error' in line) return `ERROR  ${line.error.code.padEnd(18)} ${line.file}  (${line.error.message})`;
  if (line.signalType === 'md5') return `md5    ${line.hash.padEnd(64)}       ${line.file}`;
  if (line.signalType === 'vpdq') return `vpdq   ${line.frames} frames  ${line.file}\n       ${line.hash}`;
  const parts = [`pdq    ${line.hash}  q=${String(line.quality).padStart(3)}  ${line.file}`];
  if (line.warning) parts.push(`  WARNING: ${line.warning}`);
  if (line.dihedral) {
    for (const [name, hash] of Object.entries(line.dihedral)) parts.push(`\n         ${name.padEnd(7)} ${hash}`);
  }
  return parts.join('');
}
