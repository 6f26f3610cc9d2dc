//! Loading the demo world and the bulk seeder. The functions build SQL with
//! names from lockdesk's own constants (tables, indexes), never from input.

use super::Statement;

/// Fresh statistics after loading the world.
pub const ANALYZE_ALL: Statement = Statement {
    name: "demo::analyze_all",
    sql: "ANALYZE",
    params: &[],
};

/// The locks the demo shows offline.
pub const OFFLINE_LOCKS: Statement = Statement {
    name: "demo::offline_locks",
    sql: "SELECT upper(device_type) || ':' || external_id FROM doors WHERE id IN (16, 18, 28) AND external_id IS NOT NULL",
    params: &[],
};

/// The highest ids so far, so that bulk rows follow them.
pub const MAX_IDS: Statement = Statement {
    name: "demo::max_ids",
    sql: "SELECT (SELECT COALESCE(max(id), 0) FROM reconcile_jobs)::int8,
                (SELECT COALESCE(max(id), 0) FROM integration_logs)::int8,
                (SELECT COALESCE(max(id), 0) FROM app_audit)::int8",
    params: &[],
};

/// Whether integration_logs is partitioned already.
pub const LOGS_PARTITIONED: Statement = Statement {
    name: "demo::logs_partitioned",
    sql: "SELECT coalesce((SELECT relkind = 'p' FROM pg_class WHERE oid = to_regclass('integration_logs')), false)",
    params: &[],
};

/// Rebuilds integration_logs partitioned by month of `created_at`, rows
/// kept, as a grown broker has it: primary key `(id, created_at)`, a
/// partition per month from a year before now to three months after, and
/// a default partition for the rest (`infinity` included). One transaction;
/// the indexes come back from the migration script (they are built on the
/// partitioned table, so on every partition).
pub const PARTITION_LOGS_BY_MONTH: &str = r#"
BEGIN;
ALTER SEQUENCE integration_logs_id_seq OWNED BY NONE;
CREATE TABLE integration_logs_by_month
    (LIKE integration_logs INCLUDING DEFAULTS INCLUDING CONSTRAINTS, PRIMARY KEY (id, created_at))
    PARTITION BY RANGE (created_at);
DO $$
DECLARE m timestamptz;
BEGIN
    FOR m IN SELECT generate_series(date_trunc('month', now()) - interval '12 months',
                                    date_trunc('month', now()) + interval '3 months', interval '1 month')
    LOOP
        EXECUTE format('CREATE TABLE %I PARTITION OF integration_logs_by_month FOR VALUES FROM (%L) TO (%L)',
                       'integration_logs_' || to_char(m, '"y"YYYY"m"MM'), m, m + interval '1 month');
    END LOOP;
END $$;
CREATE TABLE integration_logs_default PARTITION OF integration_logs_by_month DEFAULT;
INSERT INTO integration_logs_by_month SELECT * FROM integration_logs;
DROP TABLE integration_logs;
ALTER TABLE integration_logs_by_month RENAME TO integration_logs;
ALTER SEQUENCE integration_logs_id_seq OWNED BY integration_logs.id;
COMMIT;
"#;

/// The bulk seeder's COPY of reconcile jobs.
pub const COPY_JOBS: &str = "COPY reconcile_jobs (id, job_type, user_id, reason, status, attempt_count, last_error, next_run_at, correlation_id, payload, created_at, updated_at) FROM STDIN";
/// The bulk seeder's COPY of audit rows.
pub const COPY_AUDIT: &str = "COPY app_audit (id, created_at, entity_type, entity_id, action, before_json, after_json, correlation_id, actor, source) FROM STDIN";
/// The bulk seeder's COPY of integration logs.
pub const COPY_LOGS: &str = "COPY integration_logs (id, action, correlation_id, created_at, door_id, door_name, error_message, external_id, lock_key, ok, provider_type, reconcile_job_id, request_json, response_json) FROM STDIN";

/// `CREATE DATABASE name` (the demo's own database name).
pub fn create_database(name: &str) -> String {
    format!("CREATE DATABASE {name}")
}

/// Drops one of the big indexes before a bulk load (the migration recreates it).
pub fn drop_index(index: &str) -> String {
    format!("DROP INDEX IF EXISTS {index}")
}

/// Fresh statistics for one table.
pub fn analyze(table: &str) -> String {
    format!("ANALYZE {table}")
}

/// A COPY of the demo world's rows into one table.
pub fn copy_into(table: &str, columns: &[&str]) -> String {
    format!("COPY {table} ({}) FROM STDIN", columns.join(", "))
}

/// Moves a table's id sequence past its largest id, so that later inserts
/// by the broker or lockdesk do not collide.
pub fn bump_sequence(table: &str) -> String {
    format!(
        "SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST((SELECT max(id) FROM {table}), 1))"
    )
}

/// Reserves the next `n` ids of `table` (a running demo worker inserts
/// meanwhile): moves the sequence past them and returns the first.
pub fn reserve_ids(table: &str, n: u64) -> String {
    format!(
        "SELECT (setval(pg_get_serial_sequence('{table}', 'id'), \
                 GREATEST((SELECT COALESCE(max(id), 0) FROM {table}), \
                          (SELECT last_value FROM {table}_id_seq)) + {n}) - {n} + 1)::int8"
    )
}

/// Every statement of this module, for the EXPLAIN test.
pub const ALL: &[&Statement] = &[&ANALYZE_ALL, &OFFLINE_LOCKS, &MAX_IDS, &LOGS_PARTITIONED];
