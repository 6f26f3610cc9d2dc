//! `demo seed --partitioned`: the demo world with integration_logs
//! partitioned by month, as a grown broker has it, so an engineer can see
//! lockdesk there (and the suite can EXPLAIN every statement on it).

use sqlx::{Executor, PgPool};

use crate::store::statements;

/// Partitions integration_logs by month, keeping its rows and indexes.
/// `false` when it already was. Demo databases only (the caller checks).
pub async fn by_month(pool: &PgPool) -> anyhow::Result<bool> {
    let (done,): (bool,) = sqlx::query_as(statements::demo::LOGS_PARTITIONED.tagged())
        .fetch_one(pool)
        .await?;
    if done {
        return Ok(false);
    }
    // One connection: the script is one transaction of several statements.
    let mut conn = pool.acquire().await?;
    conn.execute(statements::demo::PARTITION_LOGS_BY_MONTH)
        .await?;
    // The migration script is idempotent and recreates every index.
    for (_, sql) in crate::store::migrate::MIGRATIONS {
        conn.execute(sqlx::AssertSqlSafe(*sql)).await?;
    }
    Ok(true)
}
