import type { AddressInfo } from 'node:net';
import { preview } from 'vite';
import { appDir } from './paths.js';

/** Serves the built app with Vite's static preview server on a free 127.0.0.1 port (no bank needed). */
export async function startPreview(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = await preview({
    root: appDir,
    configFile: false,
    logLevel: 'warn',
    preview: { host: '127.0.0.1', port: 0, strictPort: false, open: false },
  });
  const address = server.httpServer.address() as AddressInfo;
  return { url: `http://127.0.0.1:${address.port}`, close: () => server.close() };
}
