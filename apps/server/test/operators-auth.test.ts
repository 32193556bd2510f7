import { generateSync } from 'otplib';
import { describe, expect, it } from 'vitest';
import {
  afterFailedLogin,
  defaultLockoutPolicy,
  generatePassword,
  hashPassword,
  newSessionToken,
  newTotpSecret,
  roleAllows,
  safeEqual,
  sessionTokenHash,
  verifyPassword,
  verifyTotp,
} from '../src/operators/auth.js';

describe('roles', () => {
  it('orders viewer < operator < admin', () => {
    expect(roleAllows('admin', 'operator')).toBe(true);
    expect(roleAllows('operator', 'operator')).toBe(true);
    expect(roleAllows('operator', 'admin')).toBe(false);
    expect(roleAllows('viewer', 'operator')).toBe(false);
    expect(roleAllows('viewer', 'viewer')).toBe(true);
  });
});

describe('passwords', () => {
  it('argon2id round trip, wrong password and garbage hashes fail', async () => {
    const stored = await hashPassword('correct horse battery');
    expect(stored.startsWith('$argon2id$')).toBe(true);
    expect(await verifyPassword(stored, 'correct horse battery')).toBe(true);
    expect(await verifyPassword(stored, 'correct horse batterY')).toBe(false);
    expect(await verifyPassword('not a hash', 'x')).toBe(false);
  });

  it('generated passwords are long and distinct', () => {
    const a = generatePassword();
    expect(a).toMatch(/^[A-Za-z0-9_-]{20}$/);
    expect(generatePassword()).not.toBe(a);
  });
});

describe('session tokens', () => {
  it('stores only a hash of the cookie value', () => {
    const { token, tokenHash } = newSessionToken();
    expect(tokenHash).toBe(sessionTokenHash(token));
    expect(tokenHash).not.toContain(token);
    expect(token.length).toBeGreaterThanOrEqual(43);
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
  });
});

describe('TOTP', () => {
  const secret = newTotpSecret();
  const now = 1_795_000_000;
  const codeAt = (epoch: number) => generateSync({ secret, epoch });

  it('accepts the current code and one step of drift, not two', () => {
    expect(verifyTotp(secret, codeAt(now), now, null)).toBe(Math.floor(now / 30));
    expect(verifyTotp(secret, codeAt(now - 30), now, null)).not.toBeNull();
    expect(verifyTotp(secret, codeAt(now + 30), now, null)).not.toBeNull();
    expect(verifyTotp(secret, codeAt(now - 90), now, null)).toBeNull();
  });

  it('refuses a replayed step and malformed codes', () => {
    const step = verifyTotp(secret, codeAt(now), now, null)!;
    expect(verifyTotp(secret, codeAt(now), now, step)).toBeNull();
    expect(verifyTotp(secret, 'abcdef', now, null)).toBeNull();
    expect(verifyTotp(secret, '12345', now, null)).toBeNull();
  });
});

describe('lockout', () => {
  it('locks after maxFailures consecutive failures', () => {
    const now = new Date('2026-11-25T12:00:00Z');
    let failures = 0;
    for (let i = 1; i < defaultLockoutPolicy.maxFailures; i++) {
      const next = afterFailedLogin(failures, now, defaultLockoutPolicy);
      expect(next.lockedUntil).toBeNull();
      failures = next.failures;
    }
    const locked = afterFailedLogin(failures, now, defaultLockoutPolicy);
    expect(locked.lockedUntil?.getTime()).toBe(now.getTime() + defaultLockoutPolicy.lockSeconds * 1000);
  });
});
