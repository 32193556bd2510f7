import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireLock, lockPath, readLock } from '../src/db/lock.js';

describe('data folder lock', () => {
  const roots: string[] = [];
  afterEach(() => {
    for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
  });

  it('creates a data folder that does not exist yet (a fresh checkout has no ./data)', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'unseen-lock-'));
    roots.push(root);
    const dataDir = path.join(root, 'nested', 'data');
    const lock = acquireLock(dataDir);
    expect(existsSync(lockPath(dataDir))).toBe(true);
    expect(readLock(dataDir)?.pid).toBe(process.pid);
    lock.release();
    expect(existsSync(lockPath(dataDir))).toBe(false);
  });
});
