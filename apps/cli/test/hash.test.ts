import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hashImageFile } from '@unseen/media-node';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
let dir: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI from source exactly as a user would run the built one. */
function cli(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--conditions=unseen-source', '--import', 'tsx', 'apps/cli/src/main.ts', ...args],
      { cwd: repoRoot, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

function texture(width: number, height: number, seed: number): Buffer {
  const data = Buffer.alloc(width * height * 3);
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const x = Math.floor(i / 3) % width;
    data[i] = ((x * 4) & 255) ^ (s >>> 26);
  }
  return data;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'unseen-cli-'));
  mkdirSync(path.join(dir, 'photos/nested'), { recursive: true });
  await sharp(texture(200, 150, 1), { raw: { width: 200, height: 150, channels: 3 } })
    .png()
    .toFile(path.join(dir, 'photos/a.png'));
  await sharp(texture(640, 480, 2), { raw: { width: 640, height: 480, channels: 3 } })
    .jpeg({ quality: 92 })
    .toFile(path.join(dir, 'photos/nested/b.jpg'));
  // A flat image: quality 0, so the line must carry a warning.
  await sharp({ create: { width: 64, height: 64, channels: 3, background: '#808080' } })
    .png()
    .toFile(path.join(dir, 'photos/flat.png'));
  writeFileSync(path.join(dir, 'photos/readme.txt'), 'skipped inside directories');
  writeFileSync(path.join(dir, 'broken.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]));
  writeFileSync(path.join(dir, 'clip.mp4'), Buffer.from('not really a video, but it has bytes'));
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('unseen hash', () => {
  it('walks directories recursively and prints one JSON line per image, in order', async () => {
    const run = await cli('hash', '--json', path.join(dir, 'photos'));
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = jsonLines(run.stdout);
    expect(lines.map((l) => path.relative(dir, String(l.file)))).toEqual([
      'photos/a.png',
      'photos/flat.png',
      'photos/nested/b.jpg',
    ]);
    for (const line of lines) {
      const expected = await hashImageFile(String(line.file));
      expect(line).toMatchObject({ signalType: 'pdq', hash: expected.hash, quality: expected.quality });
      expect(String(line.hash)).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(lines[1].warning).toMatch(/below 50/);
    expect(lines[0].warning).toBeUndefined();
    expect(Object.keys(lines[0]).sort()).toEqual(['file', 'hash', 'quality', 'signalType']);
  });

  it('reports undecodable and missing files as error lines, carries on, and exits 1', async () => {
    const missing = path.join(dir, 'nope.png');
    const run = await cli('hash', '--json', path.join(dir, 'broken.jpg'), missing, path.join(dir, 'photos/a.png'));
    expect(run.code).toBe(1);
    const lines = jsonLines(run.stdout);
    const byFile = new Map(lines.map((l) => [l.file, l]));
    expect(byFile.get(missing)).toMatchObject({ error: { code: 'FILE_NOT_FOUND' } });
    expect(byFile.get(path.join(dir, 'broken.jpg'))).toMatchObject({ error: { code: 'CORRUPT_IMAGE' } });
    expect(byFile.get(path.join(dir, 'photos/a.png'))).toMatchObject({ signalType: 'pdq' });
  });

  it('adds the eight dihedral hashes and honours --fullres', async () => {
    const file = path.join(dir, 'photos/nested/b.jpg');
    const run = await cli('hash', '--json', '--dihedral', '--fullres', file);
    expect(run.code).toBe(0);
    const [line] = jsonLines(run.stdout);
    const expected = await hashImageFile(file, { fullResolution: true, dihedral: true });
    expect(line.hash).toBe(expected.hash);
    expect(line.dihedral).toEqual(expected.dihedral);
    expect(Object.keys(line.dihedral as object)).toEqual([
      'orig',
      'rot90',
      'rot180',
      'rot270',
      'flipx',
      'flipy',
      'flipp',
      'flipm',
    ]);
    expect(line.hash).not.toBe((await hashImageFile(file)).hash);
  });

  it('hashes a HEIC photo like any other image', async () => {
    const file = path.join(repoRoot, 'packages/media-node/test/fixtures/bridge-480.heic');
    const run = await cli('hash', '--json', file);
    expect(run.code).toBe(0);
    const [line] = jsonLines(run.stdout);
    expect(line).toMatchObject({ file, signalType: 'pdq', hash: (await hashImageFile(file)).hash });
  });

  it('gives video files an MD5 line of their bytes', async () => {
    const file = path.join(dir, 'clip.mp4');
    const run = await cli('hash', '--json', file);
    const md5 = jsonLines(run.stdout).find((l) => l.signalType === 'md5');
    expect(md5).toEqual({ file, signalType: 'md5', hash: createHash('md5').update(readFileSync(file)).digest('hex') });
  });

  it('prints a readable line per file without --json', async () => {
    const run = await cli('hash', path.join(dir, 'photos/a.png'), path.join(dir, 'broken.jpg'));
    expect(run.code).toBe(1);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^pdq\s+[0-9a-f]{64}\s+q=\s*\d+\s+.*a\.png$/);
    expect(lines[1]).toMatch(/^ERROR\s+CORRUPT_IMAGE/);
  });

  it.each([[[]], [['--fast', '--fullres', 'x.png']], [['--no-such-option', 'x.png']], [['--concurrency', '0', 'x']]])(
    'exits 2 on bad usage: hash %j',
    async (args) => {
      const run = await cli('hash', ...args);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
    },
  );
});
