import { createHash, timingSafeEqual } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import type { Argon2Params } from '../config.js';

/** argon2id with the configured cost. `dummy` is a real hash to verify against when there is nothing to verify. */
export class SecretHasher {
  private dummyHash: Promise<string>;

  constructor(private readonly params: Argon2Params) {
    this.dummyHash = this.hash('unseen-dummy-secret');
  }

  hash(secret: string): Promise<string> {
    // 2 = Algorithm.Argon2id (a const enum, which isolated modules cannot import).
    return hash(secret, { algorithm: 2, ...this.params });
  }

  async verify(hashed: string, secret: string): Promise<boolean> {
    try {
      return await verify(hashed, secret);
    } catch {
      return false;
    }
  }

  /** Spends the same work as a real verification and always fails: keeps unknown ids as slow as wrong secrets. */
  async verifyDummy(secret: string): Promise<false> {
    await this.verify(await this.dummyHash, secret);
    return false;
  }
}

export function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

export function sameDigest(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
