import { bigint, boolean, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

// Mirrors drizzle/*.sql (the migrations are the source of truth; test/schema.test.ts checks they agree).
const tz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const partners = pgTable('partners', {
  id: text('id').primaryKey(),
  name: text('name').notNull().unique(),
  keyId: text('key_id').notNull().unique(),
  keyHash: text('key_hash').notNull(),
  extendedSignalTypes: boolean('extended_signal_types').notNull().default(false),
  status: text('status', { enum: ['active', 'revoked'] })
    .notNull()
    .default('active'),
  createdAt: tz('created_at').notNull().defaultNow(),
  keyRotatedAt: tz('key_rotated_at'),
  revokedAt: tz('revoked_at'),
});

export const cases = pgTable('cases', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  caseNumber: text('case_number').unique(),
  partnerRef: text('partner_ref').notNull().unique(),
  source: text('source', { enum: ['person', 'partner'] }).notNull(),
  submittedByPartner: text('submitted_by_partner').references(() => partners.id),
  pinHash: text('pin_hash'),
  consent: jsonb('consent'),
  status: text('status', { enum: ['received', 'active', 'withdrawn'] }).notNull(),
  createdAt: tz('created_at').notNull().defaultNow(),
  withdrawnAt: tz('withdrawn_at'),
  failedPinAttempts: integer('failed_pin_attempts').notNull().default(0),
  lockedUntil: tz('locked_until'),
});

export const hashes = pgTable('hashes', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  signalType: text('signal_type', { enum: ['pdq', 'md5', 'vpdq'] }).notNull(),
  value: text('value').notNull(),
  quality: integer('quality'),
  distribution: text('distribution', { enum: ['shared', 'held'] })
    .notNull()
    .default('shared'),
  hashStatus: text('hash_status', { enum: ['received', 'active', 'withdrawn'] }).notNull(),
  feedStatus: text('feed_status').notNull(),
  caseRefs: jsonb('case_refs').$type<Record<string, string>>().notNull(),
  firstSeenAt: tz('first_seen_at').notNull().defaultNow(),
  lastModTs: bigint('last_mod_ts', { mode: 'number' }).notNull(),
  changeSeq: bigint('change_seq', { mode: 'number' }).notNull(),
});

export const caseHashes = pgTable(
  'case_hashes',
  {
    caseId: bigint('case_id', { mode: 'number' })
      .notNull()
      .references(() => cases.id),
    hashId: bigint('hash_id', { mode: 'number' })
      .notNull()
      .references(() => hashes.id),
    quality: integer('quality'),
    status: text('status', { enum: ['received', 'active', 'withdrawn'] }).notNull(),
    addedAt: tz('added_at').notNull().defaultNow(),
    withdrawnAt: tz('withdrawn_at'),
  },
  (t) => [primaryKey({ columns: [t.caseId, t.hashId] })],
);

export const partnerFeedback = pgTable(
  'partner_feedback',
  {
    hashId: bigint('hash_id', { mode: 'number' })
      .notNull()
      .references(() => hashes.id),
    partnerId: text('partner_id')
      .notNull()
      .references(() => partners.id),
    feedbackValue: text('feedback_value').notNull(),
    tags: jsonb('tags').$type<string[]>().notNull(),
    firstReportedAt: tz('first_reported_at').notNull().defaultNow(),
    updatedAt: tz('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.hashId, t.partnerId] })],
);

export const caseEvents = pgTable('case_events', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  caseId: bigint('case_id', { mode: 'number' })
    .notNull()
    .references(() => cases.id),
  at: tz('at').notNull().defaultNow(),
  event: text('event').notNull(),
});

export const auditLog = pgTable('audit_log', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  at: tz('at').notNull().defaultNow(),
  actorType: text('actor_type', { enum: ['person', 'partner', 'admin', 'system'] }).notNull(),
  actorId: text('actor_id'),
  action: text('action').notNull(),
  subjectType: text('subject_type'),
  subjectId: text('subject_id'),
  details: jsonb('details').$type<Record<string, unknown>>().notNull(),
});

export const feedClock = pgTable('feed_clock', {
  id: integer('id').primaryKey(),
  lastSeq: bigint('last_seq', { mode: 'number' }).notNull(),
  lastTs: bigint('last_ts', { mode: 'number' }).notNull(),
});

export const schema = { partners, cases, hashes, caseHashes, partnerFeedback, caseEvents, auditLog, feedClock };
export type Schema = typeof schema;
export type PartnerRow = typeof partners.$inferSelect;
export type CaseRow = typeof cases.$inferSelect;
export type HashRow = typeof hashes.$inferSelect;
export type CaseHashRow = typeof caseHashes.$inferSelect;
export type FeedbackRow = typeof partnerFeedback.$inferSelect;
