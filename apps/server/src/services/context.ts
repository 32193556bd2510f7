import type { BankConfig } from '../config.js';
import type { BankDatabase } from '../db/engine.js';
import type { VpdqDecoder } from '../domain/hashes.js';
import type { SecretHasher } from '../domain/secrets.js';

/** What every service needs; built once per bank instance. */
export interface BankContext {
  database: BankDatabase;
  config: BankConfig;
  hasher: SecretHasher;
  decodeVpdq?: VpdqDecoder;
  /** keyId -> verified key digest + the stored hash it was verified against (skips argon2 on repeat calls). */
  keyCache: Map<string, { digest: Buffer; keyHash: string }>;
}
