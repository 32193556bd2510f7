import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeCompact, formatHashFile, parseHashFile } from '@unseen/vpdq';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runHash } from '../src/commands/hash.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const VPDQ = path.resolve(repoRoot, '../shared/vectors/vpdq');
const video = path.join(VPDQ, 'videos', 'chair-19-sd-bar.mp4');
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'unseen-cli-vpdq-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function run(paths: string[], opts: Parameters<typeof runHash>[1]): Promise<{ code: number; lines: unknown[] }> {
  const written: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  try {
    const code = await runHash(paths, opts);
    const lines = written
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as unknown);
    return { code, lines };
  } finally {
    spy.mockRestore();
  }
}

describe('unseen hash VIDEO', () => {
  it('prints the vPDQ (compact) and MD5 lines, and --vpdq-out writes the reference format', {
    timeout: 60_000,
  }, async () => {
    const out = path.join(dir, 'chair.vpdq.txt');
    const { code, lines } = await run([video], { json: true, vpdqOut: out });
    expect(code).toBe(0);
    expect(lines).toHaveLength(2);
    const [vpdqLine, md5Line] = lines as [Record<string, unknown>, Record<string, unknown>];
    expect(vpdqLine).toMatchObject({ file: video, signalType: 'vpdq', frames: 19 });
    expect(Object.keys(vpdqLine)).toEqual(['file', 'signalType', 'frames', 'hash']);
    expect(md5Line).toEqual({
      file: video,
      signalType: 'md5',
      hash: createHash('md5').update(readFileSync(video)).digest('hex'),
    });

    // One hash per second at 30 fps = frames 0, 30, 60, ...: exactly the reference's lines for those frames.
    const reference = parseHashFile(readFileSync(path.join(VPDQ, 'sample-hashes', 'chair-19-sd-bar.txt'), 'utf8'));
    const expected = formatHashFile(reference.filter((feature) => feature.frameNumber % 30 === 0));
    expect(readFileSync(out, 'utf8')).toBe(expected);
    const decoded = decodeCompact(vpdqLine.hash as string);
    expect(decoded.map((feature) => feature.hex)).toEqual([
      ...new Set(reference.filter((f) => f.frameNumber % 30 === 0).map((f) => f.hex)),
    ]);
  });

  it('a file named .mp4 that is not a video: NOT_A_VIDEO error line, still the MD5 line, exit 1', async () => {
    const fake = path.join(dir, 'fake.mp4');
    writeFileSync(fake, 'not a video at all\n');
    const { code, lines } = await run([fake], { json: true });
    expect(code).toBe(1);
    expect(lines).toEqual([
      { file: fake, error: { code: 'NOT_A_VIDEO', message: expect.any(String) } },
      { file: fake, signalType: 'md5', hash: createHash('md5').update('not a video at all\n').digest('hex') },
    ]);
  });

  it('--vpdq-out with several videos needs a directory', async () => {
    const other = path.join(VPDQ, 'videos', 'doorknob-hd-no-bar.mp4');
    const notDir = path.join(dir, 'one-file.txt');
    const failed = await run([video, other], { json: true, vpdqOut: notDir });
    expect(failed.code).toBe(1);
    expect(
      failed.lines.filter((line) => (line as { error?: { code: string } }).error?.code === 'NOT_A_FILE'),
    ).toHaveLength(2);
  });
});
