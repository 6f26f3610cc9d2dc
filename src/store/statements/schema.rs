//! The contract check against pg_catalog, and the migration ledger.

use super::{Param::*, Statement};

/// Every column of every visible table lockdesk knows about, in one catalog
/// query. `pg_table_is_visible` honours the session's search_path, as the
/// console's own unqualified queries will.
pub const CATALOG: Statement = Statement {
    name: "schema::catalog",
    sql: "
SELECT c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod)
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND c.relname = ANY($1)
  AND pg_catalog.pg_table_is_visible(c.oid)",
    params: &[TextArray(&[
        "app_audit",
        "reconcile_jobs",
        "integration_logs",
        "doors",
    ])],
};

/// The tables of the current schema (`db migrate` refuses foreign ones).
pub const TABLES: Statement = Statement {
    name: "schema::tables",
    sql: "SELECT c.relname::text FROM pg_catalog.pg_class c
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind IN ('r', 'p') AND n.nspname = current_schema()
         ORDER BY 1",
    params: &[],
};

/// lockdesk's own ledger of the migrations it ran.
pub const LEDGER: Statement = Statement {
    name: "schema::ledger",
    sql: "CREATE TABLE IF NOT EXISTS lockdesk_migrations (
             name text PRIMARY KEY,
             applied_at timestamptz NOT NULL DEFAULT now())",
    params: &[],
};

/// Whether a migration already ran.
pub const MIGRATION_DONE: Statement = Statement {
    name: "schema::migration_done",
    sql: "SELECT name FROM lockdesk_migrations WHERE name = $1",
    params: &[Text("0001_broker")],
};

/// Records a migration.
pub const MIGRATION_RECORD: Statement = Statement {
    name: "schema::migration_record",
    sql: "INSERT INTO lockdesk_migrations (name) VALUES ($1)",
    params: &[Text("0001_broker")],
};

/// Marks a database as a lockdesk demo: written only when the demo (or
/// `demo seed`) found it empty, so demo-only operations can tell it apart.
pub const DEMO_MARK: Statement = Statement {
    name: "schema::demo_mark",
    sql: "INSERT INTO lockdesk_migrations (name) VALUES ('demo') ON CONFLICT DO NOTHING",
    params: &[],
};

/// Whether a database with lockdesk's ledger is a demo.
pub const IS_DEMO: Statement = Statement {
    name: "schema::is_demo",
    sql: "SELECT EXISTS (SELECT 1 FROM lockdesk_migrations WHERE name = 'demo')",
    params: &[],
};

/// Every statement of this module, for the EXPLAIN test.
/// The indexes of the tables lockdesk reads, as Postgres would create them.
pub const INDEXES: Statement = Statement {
    name: "schema::indexes",
    sql: "SELECT c.relname::text, pg_get_indexdef(i.indexrelid)::text
            FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
           WHERE i.indrelid = ANY (ARRAY[to_regclass('app_audit'), to_regclass('reconcile_jobs'),
                 to_regclass('integration_logs'), to_regclass('user_access_levels'),
                 to_regclass('credentials'), to_regclass('doors'), to_regclass('lock_pin_states'),
                 to_regclass('users')]::oid[])",
    params: &[],
};

pub const ALL: &[&Statement] = &[
    &INDEXES,
    &CATALOG,
    &TABLES,
    &LEDGER,
    &MIGRATION_DONE,
    &MIGRATION_RECORD,
    &DEMO_MARK,
    &IS_DEMO,
];
