import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startBank } from '@unseen/server';
import { distDir } from './paths.js';

/** A real bank on a free 127.0.0.1 port with a throw-away embedded database, serving the built app. */
export async function startTestBank(): Promise<{ url: string; close: () => Promise<void> }> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'unseen-web-e2e-'));
  const bank = await startBank({ dataDir, host: '127.0.0.1', port: 0, webRoot: distDir, config: { logLevel: 'warn' } });
  return {
    url: bank.url.replace(/\/$/, ''),
    close: async () => {
      await bank.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
