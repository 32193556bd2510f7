import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { BankError } from '../errors.js';

/**
 * PGlite must be opened by one process only (two writers silently lose rows), so
 * whoever opens a data folder first holds `unseen.lock` in it. The file names the owner's
 * pid and, for a running server, the admin socket other processes must use instead.
 */
export interface LockInfo {
  pid: number;
  adminSocket?: string;
  startedAt: string;
}

export function lockPath(dataDir: string): string {
  return join(dataDir, 'unseen.lock');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The current holder, or undefined when the folder is free (a stale lock from a dead process counts as free). */
export function readLock(dataDir: string): LockInfo | undefined {
  let text: string;
  try {
    text = readFileSync(lockPath(dataDir), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const info = JSON.parse(text) as LockInfo;
    if (typeof info.pid === 'number' && info.pid !== process.pid && isAlive(info.pid)) return info;
    if (info.pid === process.pid) return info;
  } catch {
    // A half-written lock file: its writer died mid-write, so it is stale.
  }
  return undefined;
}

export interface DataDirLock {
  info: LockInfo;
  release(): void;
}

/** Takes the data folder exclusively; throws CONFLICT naming the holder when another live process has it. */
export function acquireLock(dataDir: string, adminSocket?: string): DataDirLock {
  // The lock is the first thing to touch the folder, so a fresh checkout's ./data starts here.
  mkdirSync(dataDir, { recursive: true });
  const path = lockPath(dataDir);
  const info: LockInfo = {
    pid: process.pid,
    startedAt: new Date().toISOString(),
    ...(adminSocket ? { adminSocket } : {}),
  };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, JSON.stringify(info));
      closeSync(fd);
      let released = false;
      return {
        info,
        release: () => {
          if (released) return;
          released = true;
          rmSync(path, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = readLock(dataDir);
      if (holder) {
        throw new BankError(
          'CONFLICT',
          `The data folder ${dataDir} is in use by process ${holder.pid}. Stop it, or use \`unseen admin\`, which talks to the running server.`,
        );
      }
      rmSync(path, { force: true }); // stale: its owner is gone (e.g. killed with SIGKILL)
    }
  }
  throw new BankError('CONFLICT', `Could not lock the data folder ${dataDir}.`);
}
