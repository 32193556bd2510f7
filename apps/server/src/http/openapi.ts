import { resolveConfig } from '../config.js';
import type { BankDatabase } from '../db/engine.js';
import { BankError } from '../errors.js';
import { SecretHasher } from '../domain/secrets.js';
import { buildApp } from './app.js';

/** The OpenAPI 3.1 document, generated from the route schemas without opening a database. */
export async function generateOpenApi(): Promise<string> {
  const unavailable = (): never => {
    throw new BankError('SERVICE_UNAVAILABLE', 'No database while generating the OpenAPI document.');
  };
  // Route plugins may keep references to the database at build time; any use fails.
  const stub = new Proxy({}, { get: () => unavailable });
  const database = {
    kind: 'pglite',
    db: stub,
    feedDb: stub,
    withRawSession: unavailable,
    close: async () => {},
  } as unknown as BankDatabase;
  const config = resolveConfig({ logLevel: 'silent' });
  const app = await buildApp(
    {
      database,
      config,
      hasher: new SecretHasher({ memoryCost: 64, timeCost: 1, parallelism: 1 }),
      keyCache: new Map(),
    },
    { webRoot: null },
  );
  await app.ready();
  const doc = app.swagger();
  await app.close();
  return `${JSON.stringify(doc, null, 2)}\n`;
}
