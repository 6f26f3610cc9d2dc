-- The user pane's reads ("my PIN stopped working"): a user's PIN on every
-- lock, and finding a user by part of a name or email, or a Doordeck account.
-- On a broker's database lockdesk creates none of these: `db check` lists them.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX IF NOT EXISTS lock_pin_states_credential_idx ON lock_pin_states (credential_id);
CREATE INDEX IF NOT EXISTS users_lower_name_idx  ON users (lower(name) text_pattern_ops);
CREATE INDEX IF NOT EXISTS users_lower_email_idx ON users (lower(email) text_pattern_ops);
CREATE INDEX IF NOT EXISTS users_doordeck_ref_idx ON users (doordeck_user_ref);
CREATE INDEX IF NOT EXISTS users_name_trgm_idx  ON users USING gin (lower(name) gin_trgm_ops);
CREATE INDEX IF NOT EXISTS users_email_trgm_idx ON users USING gin (lower(email) gin_trgm_ops);
