// Operator credentials: passwords, session tokens, CSRF tokens, TOTP and roles.
// Nothing here touches the database, so every rule is unit-testable.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2';
import { generateSecret, generateURI, verifySync } from 'otplib';

export const OPERATOR_ROLES = ['viewer', 'operator', 'admin'] as const;
export type OperatorRole = (typeof OPERATOR_ROLES)[number];

const ROLE_RANK: Record<OperatorRole, number> = { viewer: 0, operator: 1, admin: 2 };

/** viewer < operator < admin: a role may do everything the roles below it may. */
export function roleAllows(role: OperatorRole, required: OperatorRole): boolean {
  return ROLE_RANK[role] >= ROLE_RANK[required];
}

export function isOperatorRole(value: string): value is OperatorRole {
  return (OPERATOR_ROLES as readonly string[]).includes(value);
}

// OWASP's argon2id baseline (19 MiB, 2 passes): a login costs ~30 ms here,
// cheap for one operator, ruinous for an offline guesser.
// The package exports `Algorithm` as a const enum, which isolated modules cannot
// read; 2 is its Argon2id member (and the package default), spelled out to be explicit.
const ARGON2ID = 2;
const ARGON2_OPTIONS = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export const MIN_PASSWORD_LENGTH = 12;

export function hashPassword(password: string): Promise<string> {
  return argon2Hash(password, ARGON2_OPTIONS);
}

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await argon2Verify(stored, password);
  } catch {
    return false;
  }
}

// A real hash of a throwaway password: logins for unknown emails verify against
// it so that "no such operator" and "wrong password" take the same time.
let decoyHash: Promise<string> | undefined;
export function decoyPasswordHash(): Promise<string> {
  decoyHash ??= hashPassword(randomBytes(16).toString('hex'));
  return decoyHash;
}

/** A one-time password for `operator create` when none is given: 20 base64url chars, 120 bits. */
export function generatePassword(): string {
  return randomBytes(15).toString('base64url');
}

/** Session cookie value (never stored) and its SHA-256 (what the database keeps). */
export function newSessionToken(): { token: string; tokenHash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, tokenHash: sessionTokenHash(token) };
}

export function sessionTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function newCsrfToken(): string {
  return randomBytes(24).toString('base64url');
}

export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

// ---------------------------------------------------------------- TOTP (RFC 6238)

export const TOTP_PERIOD_SECONDS = 30;

export function newTotpSecret(): string {
  return generateSecret();
}

export function totpUri(secret: string, email: string): string {
  return generateURI({ issuer: 'Unseen console', label: email, secret });
}

/**
 * Checks a 6-digit code, accepting one step of clock drift either way, and returns
 * the time step it matched so the caller can refuse to accept the same step twice
 * (a code seen over a shoulder must not log in a second time).
 */
export function verifyTotp(
  secret: string,
  code: string,
  nowSeconds: number,
  lastUsedStep: number | null,
): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const result = verifySync({
    secret,
    token: code,
    epoch: nowSeconds,
    epochTolerance: TOTP_PERIOD_SECONDS,
  });
  if (!result.valid || !('timeStep' in result)) return null;
  const step = result.timeStep;
  if (lastUsedStep !== null && step <= lastUsedStep) return null;
  return step;
}

// ---------------------------------------------------------------- lockout

export interface LockoutPolicy {
  /** Consecutive failed logins that lock the account. */
  maxFailures: number;
  /** How long the account stays locked. */
  lockSeconds: number;
}

export const defaultLockoutPolicy: LockoutPolicy = { maxFailures: 5, lockSeconds: 15 * 60 };

/** After a failure: the new failure count and, when it reaches the limit, until when the account is locked. */
export function afterFailedLogin(
  failures: number,
  now: Date,
  policy: LockoutPolicy,
): { failures: number; lockedUntil: Date | null } {
  const next = failures + 1;
  if (next >= policy.maxFailures)
    return { failures: 0, lockedUntil: new Date(now.getTime() + policy.lockSeconds * 1000) };
  return { failures: next, lockedUntil: null };
}
