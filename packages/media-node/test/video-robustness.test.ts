import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { matchPytx, type VpdqFeature } from '@unseen/vpdq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashVideoFile, isVideoError, probeVideo, readVideoFrames, type VideoErrorCode } from '../src/index.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const VIDEOS = path.resolve(repoRoot, '../shared/vectors/vpdq/videos');
const original = path.join(VIDEOS, 'chair-19-sd-bar.mp4');
const unrelated = [path.join(VIDEOS, 'pattern-sd-grey-bar.mp4'), path.join(VIDEOS, 'doorknob-hd-no-bar.mp4')];

let dir: string;
let reencoded: string;
let originalFeatures: VpdqFeature[];

function ffmpeg(args: string[]): void {
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args]);
}

async function expectVideoError(promise: Promise<unknown>, code: VideoErrorCode): Promise<void> {
  const error = await promise.then(
    () => null,
    (reason: unknown) => reason,
  );
  expect(isVideoError(error), `expected VideoError ${code}, got ${String(error)}`).toBe(true);
  expect((error as { code: string }).code).toBe(code);
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'unseen-vpdq-'));
  // Another bitrate (~1/8 of the original) and another size (480x720 -> 320x480), fixed encoder settings.
  reencoded = path.join(dir, 'chair-small.mp4');
  ffmpeg([
    '-i',
    original,
    '-vf',
    'scale=320:480',
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-b:v',
    '250k',
    '-an',
    reencoded,
  ]);
  originalFeatures = (await hashVideoFile(original)).features;
}, 120_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('robustness (python-threatexchange rule, one hash per second)', () => {
  it('a copy re-encoded at another bitrate and resolution still matches the original', async () => {
    const info = await probeVideo(reencoded);
    expect([info.width, info.height]).toEqual([320, 480]);
    const copy = await hashVideoFile(reencoded);
    const result = matchPytx(copy.features, originalFeatures);
    expect(result.isMatch).toBe(true);
    expect(result.queryMatchPct).toBeGreaterThanOrEqual(80);
    // and the other way round
    expect(matchPytx(originalFeatures, copy.features).isMatch).toBe(true);
  });

  it.each(unrelated)('an unrelated video (%s) does not match', async (file) => {
    const other = await hashVideoFile(file);
    expect(matchPytx(other.features, originalFeatures).isMatch).toBe(false);
    expect(matchPytx(originalFeatures, other.features).isMatch).toBe(false);
  });
});

describe('errors', () => {
  it('FFMPEG_MISSING when ffprobe or ffmpeg cannot be found', async () => {
    await expectVideoError(
      hashVideoFile(original, { ffprobePath: path.join(dir, 'no-such-ffprobe') }),
      'FFMPEG_MISSING',
    );
    await expectVideoError(hashVideoFile(original, { ffmpegPath: path.join(dir, 'no-such-ffmpeg') }), 'FFMPEG_MISSING');
  });

  it('FILE_NOT_FOUND for a missing file', async () => {
    await expectVideoError(hashVideoFile(path.join(dir, 'missing.mp4')), 'FILE_NOT_FOUND');
  });

  it('NOT_A_VIDEO for text, a still image and audio only', async () => {
    const text = path.join(dir, 'notes.mp4');
    writeFileSync(text, 'this is not a video\n'.repeat(100));
    const png = path.join(dir, 'still.png');
    ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=64x64', '-frames:v', '1', png]);
    const wav = path.join(dir, 'tone.wav');
    ffmpeg(['-f', 'lavfi', '-i', 'sine=duration=1', wav]);
    for (const file of [text, png, wav]) await expectVideoError(hashVideoFile(file), 'NOT_A_VIDEO');
  });

  it('DECODE_FAILED when the decoder fails', async () => {
    // ffprobe reads the file fine, then the decoding ffmpeg exits with an error status.
    await expectVideoError(hashVideoFile(original, { ffmpegPath: '/bin/false' }), 'DECODE_FAILED');
  });

  it('ABORTED when the signal fires mid-video, and the stream stops', async () => {
    const controller = new AbortController();
    let progressCalls = 0;
    const pending = hashVideoFile(original, {
      secondsPerHash: 0,
      signal: controller.signal,
      onProgress: () => {
        progressCalls++;
        if (progressCalls === 3) controller.abort();
      },
    });
    await expectVideoError(pending, 'ABORTED');
    expect(progressCalls).toBe(3);
  });

  it('streams frames lazily: breaking out after one frame stops ffmpeg', async () => {
    const info = await probeVideo(original);
    const started = performance.now();
    for await (const frame of readVideoFrames(original, { info })) {
      expect(frame.frameNumber).toBe(0);
      expect(frame.pixels.data.length).toBe(info.width * info.height * 3);
      break;
    }
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});
