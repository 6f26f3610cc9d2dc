//! Creating the broker schema, only when asked (`lockdesk db migrate`, the demo
//! and the tests). Refuses databases that hold tables lockdesk did not create.

use std::fmt;

use sqlx::{Executor, PgPool};

use super::statements;

/// The migrations, embedded so the binary needs no files at run time.
pub const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_broker",
        include_str!("../../migrations/0001_broker.sql"),
    ),
    (
        "0002_user_pins",
        include_str!("../../migrations/0002_user_pins.sql"),
    ),
    (
        "0003_pulse",
        include_str!("../../migrations/0003_pulse.sql"),
    ),
    (
        "0004_job_search",
        include_str!("../../migrations/0004_job_search.sql"),
    ),
];

/// The table that records which migrations ran.
const LEDGER: &str = "lockdesk_migrations";

/// The tables lockdesk's migrations create.
pub const OWN_TABLES: &[&str] = &[
    "sites",
    "schedules",
    "integration_customers",
    "integration_devices",
    "door_groups",
    "doors",
    "users",
    "access_levels",
    "access_level_doors",
    "user_access_levels",
    "credentials",
    "lock_pin_states",
    "app_audit",
    "reconcile_jobs",
    "integration_logs",
    LEDGER,
];

#[derive(Debug)]
pub enum MigrateError {
    /// The database holds tables lockdesk did not create.
    ForeignTables(Vec<String>),
    Db(sqlx::Error),
}

impl fmt::Display for MigrateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MigrateError::ForeignTables(t) => write!(
                f,
                "Refusing to migrate: this database already holds tables lockdesk did not create ({}).\n\
                 lockdesk migrates only empty databases or its own, so that it never alters a production schema by accident.\n\
                 If you are sure, run `lockdesk db migrate --force` (it only creates what is missing, with IF NOT EXISTS).",
                t.join(", ")
            ),
            MigrateError::Db(e) => write!(f, "The migration failed: {e}"),
        }
    }
}

impl std::error::Error for MigrateError {}

impl From<sqlx::Error> for MigrateError {
    fn from(e: sqlx::Error) -> Self {
        MigrateError::Db(e)
    }
}

/// Tables in the current schema that are not lockdesk's.
pub async fn foreign_tables(pool: &PgPool) -> Result<Vec<String>, sqlx::Error> {
    let all: Vec<(String,)> = sqlx::query_as(statements::schema::TABLES.tagged())
        .fetch_all(pool)
        .await?;
    let has_ledger = all.iter().any(|(t,)| t == LEDGER);
    Ok(all
        .into_iter()
        .map(|(t,)| t)
        // Without our ledger even tables with our names were made by someone
        // else (the broker itself): count them as foreign too.
        .filter(|t| !has_ledger || !OWN_TABLES.contains(&t.as_str()))
        .collect())
}

/// Demo-only operations (`demo seed` drops indexes and bulk-loads rows) run
/// only on a database the demo created: an empty one (which they then mark)
/// or one already marked. Anything else is refused, naming the database.
pub async fn demo_only(pool: &PgPool, label: &str, what: &str) -> Result<(), String> {
    let failed = |e: sqlx::Error| format!("checking {label} before `{what}` failed: {e}");
    let tables: Vec<(String,)> = sqlx::query_as(statements::schema::TABLES.tagged())
        .fetch_all(pool)
        .await
        .map_err(failed)?;
    if tables.is_empty() {
        return Ok(());
    }
    if tables.iter().any(|(t,)| t == LEDGER) {
        let (demo,): (bool,) = sqlx::query_as(statements::schema::IS_DEMO.tagged())
            .fetch_one(pool)
            .await
            .map_err(failed)?;
        if demo {
            return Ok(());
        }
    }
    Err(format!(
        "Refusing `{what}` on {label}: it is not a lockdesk demo database ({} tables there, and no demo mark).\n\
         `{what}` drops indexes and bulk-loads rows, so it runs only on an empty database (which it marks as a demo) \
         or one it marked before; there is no override. Create an empty database for it, e.g. `createdb lockdesk_bench`.",
        tables.len()
    ))
}

/// Marks the database as a demo (after `demo_only` allowed it).
pub async fn mark_demo(pool: &PgPool) -> Result<(), sqlx::Error> {
    sqlx::query(statements::schema::DEMO_MARK.tagged())
        .execute(pool)
        .await
        .map(|_| ())
}

/// Applies every migration not yet applied. Returns the names applied.
pub async fn run(pool: &PgPool, force: bool) -> Result<Vec<&'static str>, MigrateError> {
    if !force {
        let foreign = foreign_tables(pool).await?;
        if !foreign.is_empty() {
            return Err(MigrateError::ForeignTables(foreign));
        }
    }
    pool.execute(statements::schema::LEDGER.tagged()).await?;
    let mut applied = Vec::new();
    for (name, sql) in MIGRATIONS {
        let mut tx = pool.begin().await?;
        let done: Option<(String,)> = sqlx::query_as(statements::schema::MIGRATION_DONE.tagged())
            .bind(name)
            .fetch_optional(&mut *tx)
            .await?;
        if done.is_some() {
            continue;
        }
        // A raw multi-statement script: the simple query protocol runs it whole.
        (&mut *tx).execute(sqlx::AssertSqlSafe(*sql)).await?;
        sqlx::query(statements::schema::MIGRATION_RECORD.tagged())
            .bind(name)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        applied.push(*name);
    }
    Ok(applied)
}
