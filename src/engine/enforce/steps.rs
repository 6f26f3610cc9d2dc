//! The writes of an enforcement run, each its own short transaction on a
//! connection taken from the pool for it: the job's heartbeat and guarded
//! finish, the intent before each change, the logs after, and the per-lock
//! PIN state.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sqlx::{PgConnection, PgPool};

use super::super::drift::DoorRef;
use super::super::plan::{self, Expected, Plan};
use super::super::{Operator, Refused, begin, explain, finish};
use crate::providers::CallRecord;
use crate::store::logs::{self, LogContext, Step};
use crate::store::statements;

/// A pooled connection for one statement or one short transaction: a run
/// never holds one across a provider call, so a slow provider cannot starve
/// the console's pool.
pub(super) async fn db(
    pool: &PgPool,
) -> Result<sqlx::pool::PoolConnection<sqlx::Postgres>, Refused> {
    pool.acquire().await.map_err(|e| explain(&e))
}

/// Bumps the job's `updated_at` after a provider call, so a long apply is
/// never taken for stuck; guarded by our previous beat (`None` for the
/// first), so a job someone else changed meanwhile is noticed.
pub(super) async fn heartbeat(
    conn: &mut PgConnection,
    op: &Operator,
    job: i64,
    last: &mut Option<DateTime<Utc>>,
) -> Result<(), Refused> {
    begin(conn, op).await.map_err(|e| explain(&e))?;
    let r: Result<Option<(DateTime<Utc>,)>, sqlx::Error> =
        sqlx::query_as(statements::drift::ENFORCE_HEARTBEAT.sql)
            .bind(job)
            .bind(*last)
            .fetch_optional(&mut *conn)
            .await;
    match finish(conn, r).await? {
        Some((at,)) => {
            *last = Some(at);
            Ok(())
        }
        None => Err(lost_guard(job)),
    }
}

fn lost_guard(job: i64) -> Refused {
    Refused(format!(
        "job #{job} was changed by someone else during this run (it is no longer running as this run left it): \
         the run stopped, its calls are logged, and the job was left as the other change made it"
    ))
}

/// Commits the intent of one provider change before it is sent: if the
/// process dies before the outcome is written, the intent says so.
pub(super) async fn write_intent(
    conn: &mut PgConnection,
    op: &Operator,
    ctx: &LogContext,
    door: &DoorRef,
    action: &str,
    request: &Value,
) -> Result<(), Refused> {
    begin(conn, op).await.map_err(|e| explain(&e))?;
    let intent = format!("{action}{}", crate::intents::SUFFIX);
    let r = logs::insert_intent(
        conn,
        &intent,
        request,
        (&door.provider, &door.external_id),
        ctx,
    )
    .await;
    finish(conn, r).await.map(|_| ())
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn write_step(
    conn: &mut PgConnection,
    op: &Operator,
    ctx: &LogContext,
    action: &str,
    ok: bool,
    error: Option<String>,
    request: Value,
    response: Value,
) -> Result<(), Refused> {
    begin(conn, op).await.map_err(|e| explain(&e))?;
    let r = logs::insert_step(
        conn,
        &Step {
            action,
            ok,
            error,
            request,
            response,
            at: Utc::now(),
        },
        ctx,
    )
    .await;
    finish(conn, r).await.map(|_| ())
}

pub(super) async fn write_calls(
    conn: &mut PgConnection,
    op: &Operator,
    ctx: &LogContext,
    calls: &[CallRecord],
) -> Result<(), Refused> {
    begin(conn, op).await.map_err(|e| explain(&e))?;
    let r: Result<(), sqlx::Error> = async {
        for c in calls {
            logs::insert_call(conn, c, ctx).await?;
        }
        Ok(())
    }
    .await;
    finish(conn, r).await
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn finish_job(
    conn: &mut PgConnection,
    op: &Operator,
    ctx: &LogContext,
    job: i64,
    beat: Option<DateTime<Utc>>,
    attempt: i32,
    status: Result<(), String>,
    response: Value,
) -> Result<(), Refused> {
    begin(conn, op).await.map_err(|e| explain(&e))?;
    let r: Result<bool, sqlx::Error> = async {
        logs::insert_step(
            conn,
            &Step {
                action: "DRIFT_ENFORCE_JOB_DONE",
                ok: status.is_ok(),
                error: status.clone().err(),
                request: json!({"attempt_count": attempt, "job_id": job}),
                response,
                at: Utc::now(),
            },
            ctx,
        )
        .await?;
        let done = sqlx::query(statements::drift::ENFORCE_JOB_FINISH.sql)
            .bind(job)
            .bind(if status.is_ok() { "done" } else { "failed" })
            .bind(status.err())
            .bind(beat)
            .execute(&mut *conn)
            .await?;
        Ok(done.rows_affected() == 1)
    }
    .await;
    // Finishing is guarded by our last beat: a job someone else changed
    // meanwhile is left as they made it, and the run says so.
    if finish(conn, r).await? {
        Ok(())
    } else {
        Err(lost_guard(job))
    }
}

pub(super) async fn remember_new(
    conn: &mut PgConnection,
    op: &Operator,
    door: &DoorRef,
    plan: &Plan,
    now: DateTime<Utc>,
) -> Result<(), Refused> {
    let fresh: Vec<&plan::Delete> = plan
        .deletes
        .iter()
        .chain(plan.blocked_by_grace.iter())
        .filter(|d| d.first_seen_source == "inferred_now")
        .collect();
    if fresh.is_empty() {
        return Ok(());
    }
    begin(conn, op).await.map_err(|e| explain(&e))?;
    let r: Result<(), sqlx::Error> = async {
        for d in fresh {
            sqlx::query(statements::drift::PIN_STATE_FIRST_SEEN.sql)
                .bind(door.id)
                .bind(d.credential_id)
                .bind(&d.code_name)
                .bind(&d.vendor_pin_id)
                .bind(now)
                .execute(&mut *conn)
                .await?;
        }
        Ok(())
    }
    .await;
    finish(conn, r).await
}

pub async fn mark(
    conn: &mut PgConnection,
    op: &Operator,
    door: i64,
    vendor: &str,
    state: &str,
) -> Result<(), Refused> {
    begin(conn, op).await.map_err(|e| explain(&e))?;
    let r = sqlx::query(statements::drift::PIN_STATE_MARK.sql)
        .bind(door)
        .bind(vendor)
        .bind(state)
        .execute(&mut *conn)
        .await
        .map(|_| ());
    finish(conn, r).await
}

pub async fn record_add(
    conn: &mut PgConnection,
    op: &Operator,
    door: i64,
    e: &Expected,
    vendor: &str,
) -> Result<(), Refused> {
    begin(conn, op).await.map_err(|e| explain(&e))?;
    let r = sqlx::query(statements::drift::PIN_STATE_ADDED.sql)
        .bind(door)
        .bind(e.credential_id)
        .bind(&e.code_name)
        .bind(vendor)
        .execute(&mut *conn)
        .await
        .map(|_| ());
    finish(conn, r).await
}
