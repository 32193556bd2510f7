-- Unseen hash bank, schema version 1. Plain PostgreSQL 15 SQL: runs unchanged on PGlite.

CREATE TABLE partners (
  id text PRIMARY KEY,
  name text NOT NULL UNIQUE,
  key_id text NOT NULL UNIQUE,
  key_hash text NOT NULL,
  extended_signal_types boolean NOT NULL DEFAULT false,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked')),
  created_at timestamptz NOT NULL DEFAULT now(),
  key_rotated_at timestamptz,
  revoked_at timestamptz
);

CREATE TABLE cases (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- The person's case number (canonical, no separators). NULL for partner-contributed cases.
  case_number text UNIQUE,
  -- What partners see in caseNumbers: never the person's case number, which is half a credential.
  partner_ref text NOT NULL UNIQUE,
  source text NOT NULL CHECK (source IN ('person', 'partner')),
  submitted_by_partner text REFERENCES partners (id),
  pin_hash text,
  consent jsonb,
  status text NOT NULL CHECK (status IN ('received', 'active', 'withdrawn')),
  created_at timestamptz NOT NULL DEFAULT now(),
  withdrawn_at timestamptz,
  failed_pin_attempts integer NOT NULL DEFAULT 0,
  locked_until timestamptz
);

CREATE TABLE hashes (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  signal_type text NOT NULL CHECK (signal_type IN ('pdq', 'md5', 'vpdq')),
  value text NOT NULL,
  quality integer,
  -- Hash-level distribution decision, independent of any person's case status
  -- ('held' = withheld from partners, e.g. by a future operator quarantine).
  distribution text NOT NULL DEFAULT 'shared' CHECK (distribution IN ('shared', 'held')),
  -- Derived from case membership; recomputed on every change (see touchHashes).
  hash_status text NOT NULL CHECK (hash_status IN ('received', 'active', 'withdrawn')),
  -- What the partner feed shows: CaseStatus spelling, derived from hash_status and distribution.
  feed_status text NOT NULL,
  case_refs jsonb NOT NULL DEFAULT '{}'::jsonb,
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  -- Feed position: unix seconds of the last change plus a bank-wide change sequence
  -- (unique once committed: both come from feed_clock; 0 only inside the inserting transaction).
  last_mod_ts bigint NOT NULL,
  change_seq bigint NOT NULL,
  UNIQUE (signal_type, value)
);
CREATE INDEX hashes_feed_idx ON hashes (last_mod_ts, change_seq);
CREATE INDEX hashes_value_idx ON hashes (value);

CREATE TABLE case_hashes (
  case_id bigint NOT NULL REFERENCES cases (id),
  hash_id bigint NOT NULL REFERENCES hashes (id),
  quality integer,
  status text NOT NULL CHECK (status IN ('received', 'active', 'withdrawn')),
  added_at timestamptz NOT NULL DEFAULT now(),
  withdrawn_at timestamptz,
  PRIMARY KEY (case_id, hash_id)
);
CREATE INDEX case_hashes_hash_idx ON case_hashes (hash_id);

CREATE TABLE partner_feedback (
  hash_id bigint NOT NULL REFERENCES hashes (id),
  partner_id text NOT NULL REFERENCES partners (id),
  feedback_value text NOT NULL,
  tags jsonb NOT NULL DEFAULT '[]'::jsonb,
  first_reported_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (hash_id, partner_id)
);

CREATE TABLE case_events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  case_id bigint NOT NULL REFERENCES cases (id),
  at timestamptz NOT NULL DEFAULT now(),
  event text NOT NULL
);
CREATE INDEX case_events_case_idx ON case_events (case_id, id);

CREATE TABLE audit_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  actor_type text NOT NULL CHECK (actor_type IN ('person', 'partner', 'admin', 'system')),
  actor_id text,
  action text NOT NULL,
  subject_type text,
  subject_id text,
  details jsonb NOT NULL DEFAULT '{}'::jsonb
);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only';
END
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- One row: the feed's clock. Writers bump it under its row lock, so change_seq order
-- equals commit order and last_mod_ts never decreases along change_seq.
CREATE TABLE feed_clock (
  id integer PRIMARY KEY CHECK (id = 1),
  last_seq bigint NOT NULL,
  last_ts bigint NOT NULL
);
INSERT INTO feed_clock (id, last_seq, last_ts) VALUES (1, 0, 0);
