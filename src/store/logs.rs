//! Writing integration_logs rows in the seeds' shape: provider calls made by
//! a job or a console action (write mode only), and the broker's own steps
//! (`ACCESS_BROKER:unknown`).

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgConnection;

use super::statements;
use crate::providers::CallRecord;

/// Where a log row belongs.
#[derive(Debug, Clone, Default)]
pub struct LogContext {
    pub correlation_id: Option<String>,
    pub reconcile_job_id: Option<i64>,
    pub door_id: Option<i64>,
    pub door_name: Option<String>,
}

/// One broker step (`RECONCILE_ENQUEUED`, `DRIFT_ENFORCE_JOB_START`, …).
pub struct Step<'a> {
    pub action: &'a str,
    pub ok: bool,
    pub error: Option<String>,
    pub request: Value,
    pub response: Value,
    /// When it happened, on the database's clock; `None`: the database's
    /// `now()` as the row is written.
    pub at: Option<DateTime<Utc>>,
}

fn json_or_null(v: &Value) -> Option<sqlx::types::Json<&Value>> {
    (!v.is_null()).then_some(sqlx::types::Json(v))
}

/// Stores one provider call, stamped with when it started; returns the new
/// row's id.
pub async fn insert_call(
    conn: &mut PgConnection,
    call: &CallRecord,
    ctx: &LogContext,
) -> Result<i64, sqlx::Error> {
    insert_call_at(conn, call, call.at, ctx).await
}

/// The same, stamped `at` (the call's start on the database's clock).
pub async fn insert_call_at(
    conn: &mut PgConnection,
    call: &CallRecord,
    at: DateTime<Utc>,
    ctx: &LogContext,
) -> Result<i64, sqlx::Error> {
    let external = call.lock_id.clone();
    let lock_key = format!(
        "{}:{}",
        call.provider,
        external.as_deref().unwrap_or("unknown")
    );
    let (id,): (i64,) = sqlx::query_as(statements::logs::INSERT.tagged())
        .bind(&call.action)
        .bind(&ctx.correlation_id)
        .bind(at)
        .bind(ctx.door_id)
        .bind(&ctx.door_name)
        .bind(&call.error)
        .bind(&external)
        .bind(lock_key)
        .bind(call.ok)
        .bind(call.provider)
        .bind(ctx.reconcile_job_id)
        .bind(json_or_null(&call.request))
        .bind(json_or_null(&call.response))
        .fetch_one(&mut *conn)
        .await?;
    Ok(id)
}

/// Stores one broker step (`provider_type = ACCESS_BROKER`, no door, as the seeds have them).
pub async fn insert_step(
    conn: &mut PgConnection,
    step: &Step<'_>,
    ctx: &LogContext,
) -> Result<i64, sqlx::Error> {
    let (id,): (i64,) = sqlx::query_as(statements::logs::INSERT.tagged())
        .bind(step.action)
        .bind(&ctx.correlation_id)
        .bind(step.at)
        .bind(None::<i64>)
        .bind(None::<String>)
        .bind(&step.error)
        .bind(None::<String>)
        .bind("ACCESS_BROKER:unknown")
        .bind(step.ok)
        .bind("ACCESS_BROKER")
        .bind(ctx.reconcile_job_id)
        .bind(json_or_null(&step.request))
        .bind(json_or_null(&step.response))
        .fetch_one(&mut *conn)
        .await?;
    Ok(id)
}

/// Commits nothing by itself: stores the intent row of one provider change
/// on `lock_key` (ok = false, no response), before the change is sent,
/// timed by the database's `now()`.
pub async fn insert_intent(
    conn: &mut PgConnection,
    action: &str,
    request: &Value,
    lock: (&str, &str),
    ctx: &LogContext,
) -> Result<i64, sqlx::Error> {
    let (provider, external) = lock;
    let (id,): (i64,) = sqlx::query_as(statements::logs::INSERT.tagged())
        .bind(action)
        .bind(&ctx.correlation_id)
        .bind(None::<DateTime<Utc>>)
        .bind(ctx.door_id)
        .bind(&ctx.door_name)
        .bind(None::<String>)
        .bind(external)
        .bind(format!("{provider}:{external}"))
        .bind(false)
        .bind(provider)
        .bind(ctx.reconcile_job_id)
        .bind(json_or_null(request))
        .bind(None::<sqlx::types::Json<&Value>>)
        .fetch_one(&mut *conn)
        .await?;
    Ok(id)
}
