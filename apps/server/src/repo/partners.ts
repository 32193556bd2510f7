import { asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/engine.js';
import { type PartnerRow, partners } from '../db/schema.js';

export async function insertPartner(
  tx: Db,
  p: { id: string; name: string; keyId: string; keyHash: string; extendedSignalTypes: boolean },
): Promise<PartnerRow> {
  const [row] = await tx.insert(partners).values(p).returning();
  return row;
}

export async function findPartnerByKeyId(db: Db, keyId: string): Promise<PartnerRow | undefined> {
  const [row] = await db.select().from(partners).where(eq(partners.keyId, keyId)).limit(1);
  return row;
}

export async function findPartner(db: Db, idOrName: string): Promise<PartnerRow | undefined> {
  const [row] = await db
    .select()
    .from(partners)
    .where(sql`${partners.id} = ${idOrName} OR ${partners.name} = ${idOrName}`)
    .limit(1);
  return row;
}

export async function listPartnerRows(db: Db): Promise<PartnerRow[]> {
  return db.select().from(partners).orderBy(asc(partners.createdAt), asc(partners.id));
}

export async function replacePartnerKey(tx: Db, id: string, keyId: string, keyHash: string): Promise<void> {
  await tx.update(partners).set({ keyId, keyHash, keyRotatedAt: sql`now()` }).where(eq(partners.id, id));
}

export async function markPartnerRevoked(tx: Db, id: string): Promise<void> {
  await tx.update(partners).set({ status: 'revoked', revokedAt: sql`now()` }).where(eq(partners.id, id));
}
