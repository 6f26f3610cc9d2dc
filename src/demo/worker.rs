//! The demo's worker: claims due jobs (`FOR UPDATE SKIP LOCKED`), runs
//! `reconcile_user` and `drift_enforce_lock_truth` with the same engine the
//! console uses, and applies attempts and backoff: `failed` with a
//! `next_run_at`, `dead` once the attempt budget is spent.

use crate::store::statements;
use std::time::Duration as StdDuration;

use chrono::{Duration, Utc};
use serde_json::{Value, json};
use sqlx::{PgConnection, PgPool, Row};

use crate::engine::plan::Mode;
use crate::engine::{self, Operator, Refused, explain};
use crate::providers::Grant;
use crate::providers::settings::Providers;
use crate::store::logs::{self, LogContext, Step};

/// Attempts a job gets per budget (a console retry starts a fresh one).
pub const MAX_ATTEMPTS: i32 = 5;

fn backoff(attempt_in_budget: i32) -> Duration {
    Duration::seconds(15 * (1 << attempt_in_budget.clamp(1, 6)))
}

pub struct Claimed {
    pub id: i64,
    pub job_type: String,
    pub user_id: i64,
    pub reason: Option<String>,
    pub attempt: i32,
    pub correlation_id: String,
    pub payload: Value,
}

/// Takes the next due job, if any.
pub async fn claim(pool: &PgPool) -> Result<Option<Claimed>, sqlx::Error> {
    let row = sqlx::query(statements::worker::CLAIM.tagged())
        .fetch_optional(pool)
        .await?;
    row.map(|r| {
        Ok(Claimed {
            id: r.try_get(0)?,
            job_type: r.try_get(1)?,
            user_id: r.try_get(2)?,
            reason: r.try_get(3)?,
            attempt: r.try_get(4)?,
            correlation_id: r
                .try_get::<Option<String>, _>(5)?
                .unwrap_or_else(engine::new_correlation_id),
            payload: r.try_get::<Option<Value>, _>(6)?.unwrap_or(Value::Null),
        })
    })
    .transpose()
}

fn operator() -> Operator {
    Operator {
        name: "demo-worker".into(),
        reason: None,
        write: true,
        source: "worker",
    }
}

/// Runs one due job; returns its id, or None when nothing was due.
pub async fn run_once(pool: &PgPool, providers: &Providers) -> Result<Option<i64>, Refused> {
    let Some(job) = claim(pool).await.map_err(|e| explain(&e))? else {
        return Ok(None);
    };
    let base = job
        .payload
        .get("retry_base_attempts")
        .and_then(Value::as_i64)
        .unwrap_or(0) as i32;
    let outcome: Result<(), String> = match job.job_type.as_str() {
        "drift_enforce_lock_truth" => drift(pool, providers, &job).await,
        "reconcile_user" => reconcile_user(pool, providers, &job).await,
        other => Err(format!("the demo worker does not run {other} jobs")),
    };
    if let Err(e) = outcome {
        settle_failure(pool, job.id, job.attempt - base, &e)
            .await
            .map_err(|e| explain(&e))?;
    }
    Ok(Some(job.id))
}

async fn settle_failure(
    pool: &PgPool,
    job: i64,
    attempt_in_budget: i32,
    error: &str,
) -> Result<(), sqlx::Error> {
    let dead = attempt_in_budget >= MAX_ATTEMPTS;
    sqlx::query(statements::worker::SETTLE_FAILURE.tagged())
        .bind(job)
        .bind(if dead { "dead" } else { "failed" })
        .bind(error)
        .bind((!dead).then(|| Utc::now() + backoff(attempt_in_budget)))
        .execute(pool)
        .await?;
    Ok(())
}

async fn drift(pool: &PgPool, providers: &Providers, job: &Claimed) -> Result<(), String> {
    let p = &job.payload;
    let mode = p
        .get("mode")
        .and_then(Value::as_str)
        .and_then(Mode::parse)
        .unwrap_or(Mode::Standard);
    let door = match p.get("door_id").and_then(Value::as_i64) {
        Some(d) => d,
        None => {
            let device = p
                .get("integration_device_id")
                .and_then(Value::as_i64)
                .unwrap_or(0);
            let row: Option<(i64,)> = sqlx::query_as(statements::worker::DOOR_OF_DEVICE.tagged())
                .bind(device)
                .fetch_optional(pool)
                .await
                .map_err(|e| e.to_string())?;
            row.ok_or("the job names no door or device the broker knows")?
                .0
        }
    };
    match engine::enforce(
        pool,
        providers,
        &operator(),
        door,
        mode,
        None,
        Some((job.id, job.correlation_id.clone(), job.attempt)),
    )
    .await
    {
        Ok(engine::Enforced::Done { failures, .. }) if failures.is_empty() => Ok(()),
        Ok(engine::Enforced::Done { failures, .. }) => Err(failures.join("; ")),
        Ok(engine::Enforced::PlanChanged { .. }) => Err("the lock changed during the run".into()),
        Err(e) => Err(e.0),
    }
}

async fn step(
    conn: &mut PgConnection,
    ctx: &LogContext,
    action: &str,
    ok: bool,
    error: Option<String>,
    request: Value,
    response: Value,
) -> Result<(), String> {
    logs::insert_step(
        conn,
        &Step {
            action,
            ok,
            error,
            request,
            response,
            at: None,
        },
        ctx,
    )
    .await
    .map(|_| ())
    .map_err(|e| e.to_string())
}

/// Syncs one user's PINs (TTLock) and shares (Doordeck) to every door they
/// may open, and removes them where they no longer may.
async fn reconcile_user(pool: &PgPool, providers: &Providers, job: &Claimed) -> Result<(), String> {
    let mut conn = pool.acquire().await.map_err(|e| e.to_string())?;
    let ctx = LogContext {
        correlation_id: Some(job.correlation_id.clone()),
        reconcile_job_id: Some(job.id),
        ..LogContext::default()
    };
    step(&mut conn, &ctx, "RECONCILE_JOB_START", true, None,
        json!({"attempt_count": job.attempt, "job_id": job.id, "job_type": "reconcile_user", "reason": job.reason, "user_id": job.user_id}),
        Value::Null).await?;
    // Doors where the user should be, and where the broker last saw them.
    let should: Vec<(i64,)> = sqlx::query_as(statements::worker::USER_DOORS.tagged())
        .bind(job.user_id)
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| e.to_string())?;
    let now = Utc::now();
    let (mut adds, mut removes, mut desired) = (0, 0, 0);
    let mut failure: Option<String> = None;
    for (door_id,) in should {
        let Some(door) = engine::door(&mut conn, door_id)
            .await
            .map_err(|e| e.to_string())?
        else {
            continue;
        };
        let expected = engine::expected(&mut conn, door_id, now)
            .await
            .map_err(|e| e.to_string())?;
        let Some(mine) = expected.into_iter().find(|e| e.user_id == job.user_id) else {
            continue;
        };
        desired += 1;
        let present: Option<(String,)> = sqlx::query_as(statements::worker::PIN_PRESENT.tagged())
            .bind(door_id)
            .bind(mine.credential_id)
            .fetch_optional(&mut *conn)
            .await
            .map_err(|e| e.to_string())?;
        if present.is_some() {
            continue;
        }
        let client = match providers.client(door.customer, &door.provider) {
            Ok(c) => c,
            Err(e) => {
                failure = Some(e.to_string());
                break;
            }
        };
        let out = client
            .grant(
                &door.external_id,
                &Grant {
                    name: mine.code_name.clone(),
                    pin: mine.pin.clone(),
                    user_email: mine.email.clone(),
                },
            )
            .await;
        let door_ctx = LogContext {
            door_id: Some(door.id),
            door_name: Some(door.name.clone()),
            ..ctx.clone()
        };
        for c in &out.calls {
            logs::insert_call(&mut conn, c, &door_ctx)
                .await
                .map_err(|e| e.to_string())?;
        }
        match out.result {
            Ok(vendor) => {
                adds += 1;
                engine::record_add(&mut conn, &operator(), door.id, &mine, &vendor)
                    .await
                    .map_err(|e| e.0)?;
            }
            Err(e) => {
                failure = Some(format!("{}: {e}", door.provider));
                break;
            }
        }
    }
    if failure.is_none() {
        // PINs of this user on doors they may no longer open.
        let stale: Vec<(i64, String)> = sqlx::query_as(statements::worker::USER_PINS.tagged())
            .bind(job.user_id)
            .fetch_all(&mut *conn)
            .await
            .map_err(|e| e.to_string())?;
        for (door_id, vendor) in stale {
            let expected = engine::expected(&mut conn, door_id, now)
                .await
                .map_err(|e| e.to_string())?;
            if expected.iter().any(|e| e.user_id == job.user_id) {
                continue;
            }
            let Some(door) = engine::door(&mut conn, door_id)
                .await
                .map_err(|e| e.to_string())?
            else {
                continue;
            };
            let Ok(client) = providers.client(door.customer, &door.provider) else {
                continue;
            };
            let out = client.revoke(&door.external_id, &vendor).await;
            let door_ctx = LogContext {
                door_id: Some(door.id),
                door_name: Some(door.name.clone()),
                ..ctx.clone()
            };
            for c in &out.calls {
                logs::insert_call(&mut conn, c, &door_ctx)
                    .await
                    .map_err(|e| e.to_string())?;
            }
            match out.result {
                Ok(()) => {
                    removes += 1;
                    engine::mark(&mut conn, &operator(), door_id, &vendor, "deleted")
                        .await
                        .map_err(|e| e.0)?;
                }
                Err(e) => {
                    failure = Some(format!("{}: {e}", door.provider));
                    break;
                }
            }
        }
    }
    match failure {
        None => {
            step(&mut conn, &ctx, "RECONCILE_JOB_DONE", true, None,
                json!({"attempt_count": job.attempt, "job_id": job.id, "user_id": job.user_id}),
                json!({"job_status": "done", "summary": {"adds_updates": adds, "desired": desired, "removes": removes}})).await?;
            sqlx::query(statements::worker::DONE.tagged())
                .bind(job.id)
                .execute(&mut *conn)
                .await
                .map_err(|e| e.to_string())?;
            Ok(())
        }
        Some(e) => {
            step(
                &mut conn,
                &ctx,
                "RECONCILE_JOB_FAILED",
                false,
                Some(e.clone()),
                json!({"attempt_count": job.attempt, "job_id": job.id, "user_id": job.user_id}),
                json!({"job_status": "failed", "error": e}),
            )
            .await?;
            Err(e)
        }
    }
}

/// Runs jobs until the task is dropped; an idle queue is polled every second.
pub async fn run(pool: PgPool, providers: std::sync::Arc<Providers>) {
    loop {
        match run_once(&pool, &providers).await {
            Ok(Some(id)) => tracing::info!(job = id, "worker ran a job"),
            Ok(None) => tokio::time::sleep(StdDuration::from_secs(1)).await,
            Err(e) => {
                tracing::warn!("worker: {e}");
                tokio::time::sleep(StdDuration::from_secs(2)).await;
            }
        }
    }
}
