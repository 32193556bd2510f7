import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { seededRandom } from './rng.js';

export interface FaultRates {
  /** Answer 500 without forwarding. */
  error500: number;
  /** Answer 429 with Retry-After: 0 without forwarding. */
  throttle429: number;
  /** Destroy the client socket before answering. */
  drop: number;
  /** Forward, then cut the response body in half and destroy the socket. */
  truncate: number;
}

export interface FaultProxy {
  url: string;
  counts: Record<keyof FaultRates | 'forwarded', number>;
  close(): Promise<void>;
}

/**
 * A loopback HTTP proxy in front of the bank that misbehaves on a seeded schedule, so sync code can be
 * shown to converge through 500s, throttling, dropped connections and truncated bodies.
 */
export async function startFaultProxy(target: string, rates: Partial<FaultRates>, seed = 1): Promise<FaultProxy> {
  const random = seededRandom(seed);
  const counts = { error500: 0, throttle429: 0, drop: 0, truncate: 0, forwarded: 0 };
  const upstream = new URL(target);
  const server = http.createServer((req, res) => {
    const roll = random();
    let edge = 0;
    const hit = (rate = 0) => {
      edge += rate;
      return roll < edge;
    };
    if (hit(rates.error500)) {
      counts.error500++;
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'INTERNAL', message: 'injected fault' } }));
      req.resume();
      return;
    }
    if (hit(rates.throttle429)) {
      counts.throttle429++;
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '0' });
      res.end(JSON.stringify({ error: { code: 'RATE_LIMITED', message: 'injected throttle' } }));
      req.resume();
      return;
    }
    if (hit(rates.drop)) {
      counts.drop++;
      req.socket.destroy();
      return;
    }
    const truncate = hit(rates.truncate);
    const proxied = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      },
      (upRes) => {
        if (!truncate) {
          counts.forwarded++;
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          upRes.pipe(res);
          return;
        }
        counts.truncate++;
        const chunks: Buffer[] = [];
        upRes.on('data', (c: Buffer) => chunks.push(c));
        upRes.on('end', () => {
          const body = Buffer.concat(chunks);
          const headers = { ...upRes.headers };
          delete headers['transfer-encoding'];
          headers['content-length'] = String(body.length);
          res.writeHead(upRes.statusCode ?? 502, headers);
          res.write(body.subarray(0, Math.floor(body.length / 2)));
          setImmediate(() => res.socket?.destroy());
        });
      },
    );
    proxied.on('error', () => res.socket?.destroy());
    req.pipe(proxied);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
