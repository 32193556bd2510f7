// `unseen admin operator create`, run as a real process: on a folder no server holds
// (opened directly, under the lock) and while a server runs (through its admin socket).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startBank } from '../src/bank.js';

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const cli = join(repoRoot, 'apps/cli/src/main.ts');
const light = { argon2: { memoryCost: 256, timeCost: 1, parallelism: 1 }, logLevel: 'silent' as const };

function run(args: string[], stdin?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--conditions=unseen-source', '--import', 'tsx', cli, ...args], {
      cwd: repoRoot,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.stdin.end(stdin ?? '');
    child.on('exit', (code) => done({ code, stdout, stderr }));
  });
}

describe('unseen admin operator create', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'unseen-operator-cli-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('works offline and through a running server; the account signs in', { timeout: 240_000 }, async () => {
    const offline = await run([
      'admin',
      'operator',
      'create',
      '--email',
      'Ada@Example.org',
      '--role',
      'admin',
      '--json',
      '--data',
      dataDir,
    ]);
    expect(offline.stderr).toBe('');
    expect(offline.code).toBe(0);
    const created = JSON.parse(offline.stdout) as { email: string; role: string; password: string };
    expect(created).toMatchObject({ email: 'ada@example.org', role: 'admin' });
    expect(created.password).toMatch(/^[A-Za-z0-9_-]{20}$/);

    const tooShort = await run(
      [
        'admin',
        'operator',
        'create',
        '--email',
        'b@example.org',
        '--role',
        'viewer',
        '--password-stdin',
        '--data',
        dataDir,
      ],
      'short\n',
    );
    expect(tooShort.code).toBe(1);
    expect(tooShort.stderr).toContain('INVALID_REQUEST');
    const badRole = await run([
      'admin',
      'operator',
      'create',
      '--email',
      'b@example.org',
      '--role',
      'boss',
      '--data',
      dataDir,
    ]);
    expect(badRole.code).toBe(2);

    const bank = await startBank({ dataDir, port: 0, webRoot: null, config: light });
    try {
      const online = await run(
        [
          'admin',
          'operator',
          'create',
          '--email',
          'val@example.org',
          '--role',
          'viewer',
          '--password-stdin',
          '--json',
          '--data',
          dataDir,
        ],
        'a viewer passphrase\n',
      );
      expect(online.stderr).toBe('');
      expect(online.code).toBe(0);
      expect(JSON.parse(online.stdout)).toEqual({ id: expect.any(String), email: 'val@example.org', role: 'viewer' });
      const duplicate = await run([
        'admin',
        'operator',
        'create',
        '--email',
        'val@example.org',
        '--role',
        'admin',
        '--data',
        dataDir,
      ]);
      expect(duplicate.code).toBe(1);
      expect(duplicate.stderr).toContain('CONFLICT');

      const login = async (email: string, password: string) =>
        (
          await fetch(`${bank.url}/api/admin/login`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ email, password }),
          })
        ).status;
      expect(await login('ada@example.org', created.password)).toBe(200);
      expect(await login('val@example.org', 'a viewer passphrase')).toBe(200);
    } finally {
      await bank.close();
    }
  });
});
