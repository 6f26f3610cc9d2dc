-- The Pulse (the last hour of provider calls per minute, the locks failing
-- in the last 10 minutes): a range of integration_logs by time, read through
-- this index only. On a broker's database lockdesk creates none of these:
-- `db check` lists it.
CREATE INDEX IF NOT EXISTS integration_logs_time_idx ON integration_logs (created_at DESC, id DESC);
