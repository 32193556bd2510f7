// Shared pieces of the reliability suites: a seeded PRNG, valid-looking random hashes, and a
// bank run as a child process that can be SIGKILLed.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const serverRoot = resolve(here, '../..');
export const repoRoot = resolve(serverRoot, '../..');

export { seededRandom } from '@unseen/test-support';

export function randomHex(rand: () => number, bytes: number): string {
  let s = '';
  for (let i = 0; i < bytes; i++)
    s += Math.floor(rand() * 256)
      .toString(16)
      .padStart(2, '0');
  return s;
}

/** A PDQ-shaped hash the bank accepts: popcount near 128 (the bank rejects degenerate hashes). */
export function seededPdq(rand: () => number): string {
  for (;;) {
    const hex = randomHex(rand, 32);
    let ones = 0;
    for (const ch of hex) ones += [0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4][Number.parseInt(ch, 16)];
    if (ones > 100 && ones < 156) return hex;
  }
}

/** True when every `src/**.ts` file has a compiled `dist/src/**.js` at least as new. */
function compiledIsCurrent(srcDir: string, distDir: string): boolean {
  for (const entry of readdirSync(srcDir, { withFileTypes: true })) {
    const src = join(srcDir, entry.name);
    if (entry.isDirectory()) {
      if (!compiledIsCurrent(src, join(distDir, entry.name))) return false;
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
      const out = join(distDir, entry.name.replace(/\.ts$/, '.js'));
      if (!existsSync(out) || statSync(out).mtimeMs < statSync(src).mtimeMs) return false;
    }
  }
  return true;
}

/**
 * How to run the child bank. The compiled entry (present after `tsc -b`, as in CI's `npm test`)
 * starts in about a second; going through tsx costs several more on a busy 2-core machine, 20+
 * times per engine. The compiled one is used only when no server source is newer than its output.
 */
export function childCommand(): string[] {
  const compiled = join(serverRoot, 'dist/test/reliability/crash-server.js');
  const current =
    existsSync(compiled) &&
    statSync(compiled).mtimeMs >= statSync(join(here, 'crash-server.ts')).mtimeMs &&
    compiledIsCurrent(join(serverRoot, 'src'), join(serverRoot, 'dist/src'));
  return current ? [compiled] : ['--conditions=unseen-source', '--import', 'tsx', join(here, 'crash-server.ts')];
}

export interface BankChild {
  child: ChildProcess;
  /** Resolves with the URL once the bank serves; rejects if the child dies first. */
  ready: Promise<string>;
  /** Resolves when the process has exited (after a kill or a crash). */
  exited: Promise<void>;
  stderr(): string;
}

export function spawnBank(env: Record<string, string>): BankChild {
  const child = spawn(process.execPath, childCommand(), {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  const ready = new Promise<string>((res, rej) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) res((JSON.parse(out.slice(0, nl)) as { url: string }).url);
    });
    child.once('exit', (code, signal) =>
      rej(new Error(`bank child exited (${code ?? signal}) before serving: ${err}`)),
    );
  });
  ready.catch(() => {}); // a deliberate kill before readiness is not an unhandled rejection
  return { child, ready, exited, stderr: () => err };
}
