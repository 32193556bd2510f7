import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'vite';
import { appDir, distDir, repoRoot } from './paths.js';

/** Sources whose change makes the built app stale. */
const SOURCE_DIRS = [
  path.join(appDir, 'src'),
  path.join(appDir, 'index.html'),
  path.join(appDir, 'console'),
  path.join(appDir, 'vite.config.ts'),
  path.join(repoRoot, 'packages/pdq/src'),
  path.join(repoRoot, 'packages/vpdq/src'),
  path.join(repoRoot, 'packages/media-browser/src'),
];

function newestMtime(target: string): number {
  if (!existsSync(target)) return 0;
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const name of readdirSync(target)) newest = Math.max(newest, newestMtime(path.join(target, name)));
  return newest;
}

export function isDistStale(): boolean {
  const built = path.join(distDir, 'index.html');
  if (!existsSync(built)) return true;
  const builtAt = statSync(built).mtimeMs;
  return SOURCE_DIRS.some((dir) => newestMtime(dir) > builtAt);
}

const LOCK_DIR = path.join(os.tmpdir(), 'unseen-web-build.lock');

async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  // mkdir is atomic: test files running in parallel forks build the app once, not concurrently.
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(LOCK_DIR);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${LOCK_DIR}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  try {
    return await fn();
  } finally {
    rmdirSync(LOCK_DIR);
  }
}

/** Builds apps/web/dist with Vite when it is missing or older than its sources. */
export async function ensureWebBuilt(): Promise<void> {
  if (!isDistStale()) return;
  await withLock(async () => {
    if (!isDistStale()) return;
    // Vitest sets NODE_ENV=test, which would make Vite bundle React's development build.
    const nodeEnv = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      await build({
        root: appDir,
        configFile: path.join(appDir, 'vite.config.ts'),
        logLevel: 'warn',
        mode: 'production',
      });
    } finally {
      process.env.NODE_ENV = nodeEnv;
    }
  });
}

/** File name (under /assets/) of the built hashing worker, the exact code the app runs. */
export function builtWorkerPath(): string {
  const name = readdirSync(path.join(distDir, 'assets')).find((file) => /^hash\.worker-.+\.js$/.test(file));
  if (!name) throw new Error('The built app has no hashing worker chunk.');
  return `/assets/${name}`;
}
