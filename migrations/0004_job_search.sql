-- `S` on the queue: `/`'s text in every job's last error and reason over a
-- time window, through pg_trgm. On a broker's database lockdesk creates
-- none of these: `db check` lists them.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX IF NOT EXISTS reconcile_jobs_last_error_trgm_idx ON reconcile_jobs USING gin (lower(last_error) gin_trgm_ops);
CREATE INDEX IF NOT EXISTS reconcile_jobs_reason_trgm_idx ON reconcile_jobs USING gin (lower(reason) gin_trgm_ops);
