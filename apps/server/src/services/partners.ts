import { randomBytes } from 'node:crypto';
import { BankError } from '../errors.js';
import { randomId } from '../domain/caseNumber.js';
import { sameDigest, sha256 } from '../domain/secrets.js';
import type { PartnerRow } from '../db/schema.js';
import { type Actor, audit } from '../repo/audit.js';
import {
  findPartner,
  findPartnerByKeyId,
  insertPartner,
  listPartnerRows,
  markPartnerRevoked,
  replacePartnerKey,
} from '../repo/partners.js';
import type { BankContext } from './context.js';

/**
 * API keys look like `unseen_<keyId>_<secret>`: the 16-symbol key id (80 random bits)
 * finds the row, the 256-bit secret is checked against an argon2id hash. Only the hash
 * is stored; the key is shown once.
 */
const KEY_PREFIX = 'unseen_';
const KEY_ID_LENGTH = 16;

function newKey(): { keyId: string; key: string } {
  const keyId = randomId(KEY_ID_LENGTH);
  return { keyId, key: `${KEY_PREFIX}${keyId}_${randomBytes(32).toString('base64url')}` };
}

export function parseKeyId(key: string): string | undefined {
  if (!key.startsWith(KEY_PREFIX) || key.length < KEY_PREFIX.length + KEY_ID_LENGTH + 2) return undefined;
  const keyId = key.slice(KEY_PREFIX.length, KEY_PREFIX.length + KEY_ID_LENGTH);
  if (key[KEY_PREFIX.length + KEY_ID_LENGTH] !== '_' || !/^[0-9a-z]+$/.test(keyId)) return undefined;
  return keyId;
}

export interface PartnerSummary {
  id: string;
  name: string;
  status: 'active' | 'revoked';
  extendedSignalTypes: boolean;
  createdAt: string;
  keyRotatedAt: string | null;
  revokedAt: string | null;
}

function summary(p: PartnerRow): PartnerSummary {
  return {
    id: p.id,
    name: p.name,
    status: p.status,
    extendedSignalTypes: p.extendedSignalTypes,
    createdAt: p.createdAt.toISOString(),
    keyRotatedAt: p.keyRotatedAt?.toISOString() ?? null,
    revokedAt: p.revokedAt?.toISOString() ?? null,
  };
}

export interface CreatePartnerInput {
  name: string;
  /** Opt in to extended signal types (VideoVPDQ) in the feed. */
  extendedSignalTypes?: boolean;
}

export async function createPartnerAccount(
  ctx: BankContext,
  input: CreatePartnerInput,
  actor: Actor = { type: 'admin' },
): Promise<{ id: string; name: string; key: string }> {
  const name = input.name.trim();
  if (name.length === 0 || name.length > 100)
    throw new BankError('INVALID_REQUEST', 'A partner name is 1-100 characters.');
  const { keyId, key } = newKey();
  const keyHash = await ctx.hasher.hash(key);
  const id = `p_${randomId(12)}`;
  const { db } = ctx.database;
  if (await findPartner(db, name)) throw new BankError('CONFLICT', `A partner named "${name}" already exists.`);
  await db.transaction(async (tx) => {
    await insertPartner(tx, { id, name, keyId, keyHash, extendedSignalTypes: input.extendedSignalTypes ?? false });
    await audit(
      tx,
      actor,
      'partner.created',
      { type: 'partner', id },
      {
        name,
        extendedSignalTypes: input.extendedSignalTypes ?? false,
      },
    );
  });
  return { id, name, key };
}

export async function listPartners(ctx: BankContext): Promise<PartnerSummary[]> {
  return (await listPartnerRows(ctx.database.db)).map(summary);
}

async function requirePartner(ctx: BankContext, idOrName: string): Promise<PartnerRow> {
  const p = await findPartner(ctx.database.db, idOrName);
  if (!p) throw new BankError('NOT_FOUND', `No partner "${idOrName}".`);
  return p;
}

export async function rotatePartnerKey(
  ctx: BankContext,
  idOrName: string,
  actor: Actor = { type: 'admin' },
): Promise<{ id: string; name: string; key: string }> {
  const p = await requirePartner(ctx, idOrName);
  if (p.status === 'revoked') throw new BankError('CONFLICT', 'This partner is revoked; create a new one.');
  const { keyId, key } = newKey();
  const keyHash = await ctx.hasher.hash(key);
  await ctx.database.db.transaction(async (tx) => {
    await replacePartnerKey(tx, p.id, keyId, keyHash);
    await audit(tx, actor, 'partner.key_rotated', { type: 'partner', id: p.id });
  });
  ctx.keyCache.delete(p.keyId);
  return { id: p.id, name: p.name, key };
}

export async function revokePartner(
  ctx: BankContext,
  idOrName: string,
  actor: Actor = { type: 'admin' },
): Promise<PartnerSummary> {
  const p = await requirePartner(ctx, idOrName);
  if (p.status !== 'revoked') {
    await ctx.database.db.transaction(async (tx) => {
      await markPartnerRevoked(tx, p.id);
      await audit(tx, actor, 'partner.revoked', { type: 'partner', id: p.id });
    });
  }
  ctx.keyCache.delete(p.keyId);
  return summary((await requirePartner(ctx, p.id))!);
}

/**
 * Resolves an API key to its active partner. The row is read on every call, so rotation
 * and revocation take effect at once on every instance; the argon2 check is skipped only
 * when this instance already verified this exact key against this exact stored hash.
 */
export async function authenticatePartner(ctx: BankContext, key: string | undefined): Promise<PartnerRow> {
  const fail = () => new BankError('UNAUTHORIZED', 'A valid partner API key is required.');
  if (!key) throw fail();
  const keyId = parseKeyId(key);
  const row = keyId ? await findPartnerByKeyId(ctx.database.db, keyId) : undefined;
  if (row?.status !== 'active') {
    await ctx.hasher.verifyDummy(key);
    throw fail();
  }
  const digest = sha256(key);
  const cached = ctx.keyCache.get(row.keyId);
  if (cached && cached.keyHash === row.keyHash && sameDigest(cached.digest, digest)) return row;
  if (!(await ctx.hasher.verify(row.keyHash, key))) throw fail();
  ctx.keyCache.set(row.keyId, { digest, keyHash: row.keyHash });
  return row;
}
