/**
 * vPDQ throughput: seconds of video hashed per second of wall time, at one hash per second.
 *
 *   node --conditions=unseen-source --import tsx bench/vpdq/run.ts [--no-browser] [--keep DIR]
 *
 * Generates two 60 s H.264 test videos (FFmpeg testsrc2 + temporal noise with the noise filter's
 * fixed default seed, libx264 ultrafast, fixed bitrate, 2 s GOP) into a temp dir, then times, in the
 * same run: the baselines (ffmpeg decode only; ffmpeg decode + sampling + RGB24 without hashing),
 * our exact and fast modes, the naive one-process `-cpuflags 0` exact command and the key-frames-only
 * strategy, and (unless --no-browser) hashVideoInBrowser in headless Chromium.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hashVideoFile, probeVideo, readVideoFrames } from '@unseen/media-node';
import { PdqHasher } from '@unseen/pdq';
import { build } from 'esbuild';
import { launchChromium } from '@unseen/test-support';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');
const DURATION_S = 60;
const args = process.argv.slice(2);
const withBrowser = !args.includes('--no-browser');
const keepIndex = args.indexOf('--keep');
const dir = keepIndex >= 0 ? args[keepIndex + 1]! : mkdtempSync(path.join(tmpdir(), 'unseen-bench-vpdq-'));
mkdirSync(dir, { recursive: true });

const VIDEOS = [
  { name: '720p', size: '1280x720', bitrate: '4M' },
  { name: '1080p', size: '1920x1080', bitrate: '8M' },
] as const;

function generate(size: string, bitrate: string, file: string): void {
  try {
    readFileSync(file);
    return; // --keep reuses an earlier run's file
  } catch {}
  execFileSync('ffmpeg', [
    ...['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi'],
    ...['-i', `testsrc2=size=${size}:rate=30:duration=${DURATION_S}`],
    ...['-vf', 'noise=alls=6:allf=t', '-c:v', 'libx264', '-preset', 'ultrafast'],
    ...['-b:v', bitrate, '-maxrate', bitrate, '-bufsize', '16M', '-g', '60', '-pix_fmt', 'yuv420p', file],
  ]);
}

/**
 * CPU seconds used so far by this process plus its reaped children (ffmpeg), from /proc: unlike
 * wall time, this barely moves when other work shares the machine.
 */
function cpuSeconds(): number {
  const own = process.cpuUsage();
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  const childTicks = Number(fields[13]) + Number(fields[14]); // cutime + cstime, 100 ticks/s
  return (own.user + own.system) / 1e6 + childTicks / 100;
}

interface Timed<T> {
  seconds: number;
  cpu: number | null;
  value: T;
}

async function time<T>(fn: () => Promise<T> | T): Promise<Timed<T>> {
  const start = performance.now();
  const cpuStart = cpuSeconds();
  const value = await fn();
  return { seconds: (performance.now() - start) / 1000, cpu: cpuSeconds() - cpuStart, value };
}

function ffmpegRun(ffArgs: string[]): Promise<Timed<null>> {
  return time(() => {
    const result = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', ...ffArgs], {
      stdio: 'ignore',
    });
    if (result.status !== 0) throw new Error(`ffmpeg ${ffArgs.join(' ')} failed`);
    return null;
  });
}

const SELECT_1S = ['-vf', 'select=not(mod(n\\,30))', '-fps_mode', 'passthrough'];

interface Row {
  video: string;
  what: string;
  wall_s: number;
  video_s_per_wall_s: number;
  /** CPU seconds, ours + ffmpeg's; null where not measured (Chromium's processes). */
  cpu_s: number | null;
  frames: number;
}
const rows: Row[] = [];
function record(video: string, what: string, run: Timed<unknown>, frames: number): void {
  const { seconds, cpu } = run;
  rows.push({
    video,
    what,
    wall_s: +seconds.toFixed(2),
    video_s_per_wall_s: +(DURATION_S / seconds).toFixed(1),
    cpu_s: cpu === null ? null : +cpu.toFixed(2),
    frames,
  });
  const cpuText = cpu === null ? 'n/a' : cpu.toFixed(1);
  console.error(`| ${video} | ${what} | ${seconds.toFixed(2)} | ${(DURATION_S / seconds).toFixed(1)} | ${cpuText} |`);
}

/** What packages/media-browser/test/fixtures/video-page.ts puts on `window`. */
interface PageApi {
  hashVideo(url: string, secondsPerHash: number, useWorker: boolean): Promise<{ features: unknown[] }>;
}

async function browserRun(files: { name: string; file: string }[]): Promise<void> {
  const bundle = async (entry: string) =>
    (
      await build({
        entryPoints: [path.join(repoRoot, 'packages/media-browser/test/fixtures', entry)],
        bundle: true,
        write: false,
        format: 'esm',
        platform: 'browser',
        target: 'es2022',
        conditions: ['unseen-source'],
        logLevel: 'silent',
      })
    ).outputFiles[0]!.text;
  const pageJs = await bundle('video-page.ts');
  const workerJs = await bundle('video-worker-entry.ts');
  const server = createServer((request, response) => {
    const url = request.url ?? '/';
    const video = files.find((f) => url === `/video/${f.name}.mp4`);
    if (url === '/')
      response.writeHead(200, { 'content-type': 'text/html' }).end('<script type="module" src="/page.js"></script>');
    else if (url === '/page.js') response.writeHead(200, { 'content-type': 'text/javascript' }).end(pageJs);
    else if (url === '/worker.js') response.writeHead(200, { 'content-type': 'text/javascript' }).end(workerJs);
    else if (video) response.writeHead(200, { 'content-type': 'video/mp4' }).end(readFileSync(video.file));
    else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await launchChromium();
  try {
    for (const { name } of files) {
      const page = await browser.newPage();
      await page.goto(origin);
      await page.waitForFunction(() => typeof (window as unknown as PageApi).hashVideo === 'function');
      // Fetching the 30-60 MB blob is included; it is ~0.1 s on 127.0.0.1.
      const { seconds, value } = await time(() =>
        page.evaluate((url) => (window as unknown as PageApi).hashVideo(url, 1, true), `/video/${name}.mp4`),
      );
      record(
        name,
        'headless Chromium: seek + canvas, PDQ in a Web Worker',
        { seconds, cpu: null, value },
        value.features.length,
      );
      await page.close();
    }
  } finally {
    await browser.close();
    server.close();
  }
}

const files: { name: string; file: string }[] = [];
for (const { name, size, bitrate } of VIDEOS) {
  const file = path.join(dir, `testsrc2-noise-${name}-60s.mp4`);
  const generated = await time(() => generate(size, bitrate, file));
  console.error(`generated ${file} in ${generated.seconds.toFixed(1)} s`);
  files.push({ name, file });
}

const RAW_OUT = ['-f', 'rawvideo', '-pix_fmt', 'rgb24', '-y', '/dev/null'];
const pdqPerFrame: Record<string, { wall_ms: number; cpu_ms: number }> = {};
for (const { name, file } of files) {
  const info = await probeVideo(file);
  record(name, 'baseline: ffmpeg decode all frames (-f null)', await ffmpegRun(['-i', file, '-f', 'null', '-']), 1800);
  const sampled = await time(async () => {
    let n = 0;
    for await (const _ of readVideoFrames(file, { info, frameInterval: 30, mode: 'fast' })) n++;
    return n;
  });
  record(name, 'baseline: decode + select 1/s + RGB24 into Node, no PDQ', sampled, sampled.value);
  const exact = await time(() => hashVideoFile(file, { secondsPerHash: 1, exact: true }));
  record(name, '**hashVideoFile exact** (default; split pipeline)', exact, exact.value.features.length);
  const fast = await time(() => hashVideoFile(file, { secondsPerHash: 1, exact: false }));
  record(name, 'hashVideoFile fast (SIMD colour conversion)', fast, fast.value.features.length);
  const naive = await ffmpegRun(['-noautorotate', '-cpuflags', '0', '-i', file, ...SELECT_1S, ...RAW_OUT]);
  record(name, 'naive exact: one `ffmpeg -cpuflags 0`, no PDQ', naive, 60);
  const keyframes = await ffmpegRun(['-skip_frame', 'nokey', '-i', file, '-fps_mode', 'passthrough', ...RAW_OUT]);
  record(name, 'key frames only (`-skip_frame nokey`), no PDQ; not the reference frames', keyframes, 30);
  // PDQ alone on one decoded frame: the per-frame cost of the hash itself.
  let first: Uint8Array | undefined;
  for await (const frame of readVideoFrames(file, { info, frameInterval: 30 })) {
    first = Uint8Array.from(frame.pixels.data as Uint8Array);
    break;
  }
  const hasher = new PdqHasher();
  const pixels = { data: first!, width: info.width, height: info.height, channels: 3 as const };
  hasher.hashPixels(pixels, { fullResolution: true });
  const pdq = await time(() => {
    for (let i = 0; i < 20; i++) hasher.hashPixels(pixels, { fullResolution: true });
  });
  pdqPerFrame[name] = {
    wall_ms: +((pdq.seconds / 20) * 1000).toFixed(1),
    cpu_ms: +((pdq.cpu! / 20) * 1000).toFixed(1),
  };
  console.error(`${name} PDQ full resolution per frame:`, pdqPerFrame[name]);
}

if (withBrowser) await browserRun(files);
if (keepIndex < 0) rmSync(dir, { recursive: true, force: true });

console.log(
  JSON.stringify(
    { date: new Date().toISOString(), load: readFileSync('/proc/loadavg', 'utf8').trim(), rows, pdqPerFrame },
    null,
    1,
  ),
);
