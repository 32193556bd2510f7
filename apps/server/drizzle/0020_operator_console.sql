-- Operator console and abuse controls (issue 8). PostgreSQL 15 SQL, runs on PGlite too.
CREATE TABLE IF NOT EXISTS operators (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email text NOT NULL UNIQUE,
  role text NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
  password_hash text NOT NULL,
  totp_secret text,
  totp_enabled boolean NOT NULL DEFAULT false,
  totp_last_step bigint,
  failed_logins integer NOT NULL DEFAULT 0,
  locked_until timestamptz,
  disabled_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_login_at timestamptz
);

-- The cookie holds a random token; only its SHA-256 is stored, so a database
-- read does not hand out live sessions.
CREATE TABLE IF NOT EXISTS operator_sessions (
  token_hash text PRIMARY KEY,
  operator_id uuid NOT NULL REFERENCES operators (id) ON DELETE CASCADE,
  csrf_token text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS operator_sessions_operator_idx ON operator_sessions (operator_id);

-- Keyed like the partner feed record, (signal type, value), so a decision
-- applies to the hash whichever cases hold it.
CREATE TABLE IF NOT EXISTS hash_moderation (
  signal_type text NOT NULL CHECK (signal_type IN ('pdq', 'md5', 'vpdq')),
  hash_value text NOT NULL,
  state text NOT NULL CHECK (state IN ('quarantined', 'flagged', 'disabled', 'allow_listed', 'released')),
  reason text NOT NULL CHECK (reason IN ('disputed', 'flooding', 'operator')),
  evidence jsonb NOT NULL DEFAULT '{}'::jsonb,
  queued_at timestamptz NOT NULL,
  decided_at timestamptz,
  decided_by uuid REFERENCES operators (id) ON DELETE SET NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (signal_type, hash_value)
);
CREATE INDEX IF NOT EXISTS hash_moderation_pending_idx ON hash_moderation (updated_at) WHERE decided_at IS NULL;

CREATE TABLE IF NOT EXISTS allow_list (
  id serial PRIMARY KEY,
  signal_type text NOT NULL CHECK (signal_type IN ('pdq', 'md5', 'vpdq')),
  hash_value text NOT NULL,
  note text NOT NULL DEFAULT '',
  created_by uuid REFERENCES operators (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (signal_type, hash_value)
);

-- Match reports per hash and day, counted from SubmitFeedback calls (partner_feedback
-- keeps only each partner's latest verdict, which cannot show a flood).
CREATE TABLE IF NOT EXISTS hash_match_reports (
  signal_type text NOT NULL,
  hash_value text NOT NULL,
  day date NOT NULL,
  reports integer NOT NULL DEFAULT 0,
  PRIMARY KEY (signal_type, hash_value, day)
);
CREATE INDEX IF NOT EXISTS hash_match_reports_day_idx ON hash_match_reports (day);

-- Each partner's last FetchHashes call and the checkpoint (nextSetTimestamp) it was given.
CREATE TABLE IF NOT EXISTS partner_fetches (
  partner_id text PRIMARY KEY REFERENCES partners (id),
  last_fetch_at timestamptz NOT NULL,
  checkpoint bigint NOT NULL
);
