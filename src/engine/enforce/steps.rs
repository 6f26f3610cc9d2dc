//! The writes of an enforcement run, each its own short transaction on the
//! run's own connection (the one holding the lock's advisory lock, taken
//! out of the pool for the run): the job's heartbeat and guarded finish, the
//! intent before each change, the logs after, and the per-lock PIN state.
//! A run never waits for the pool, so previews (or anything else) filling
//! the pool can never keep a change that was sent from being recorded.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sqlx::PgConnection;

use super::super::clock::DbClock;
use super::super::drift::DoorRef;
use super::super::plan::{self, Expected, Plan};
use super::super::{Operator, Refused, begin, explain, finish};
use crate::providers::CallRecord;
use crate::store::logs::{self, LogContext, Step};
use crate::store::statements;

/// How often the job is touched while one provider call is in flight: a
/// call that retries or refreshes its token can outlast 30 s, and the job
/// must never look stuck meanwhile.
pub(super) const BEAT_EVERY: std::time::Duration =
    std::time::Duration::from_secs(super::super::runs::BEAT_EVERY_SECS.unsigned_abs());

/// A boxed beat, borrowing the run's state for as long as it takes.
pub(super) type Beat<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + 'a>>;

/// Runs `call` to its end, running `beat` on `state` every `every` while it
/// is in flight. The call is never cut short (its outcome must be logged)
/// and is polled while a beat runs beside it: a beat that waits on the
/// database never holds back an answer that arrived (which the call's own
/// timeout would then take for no answer). A beat under way when the call
/// ends is finished, never cut mid-transaction.
pub(super) async fn while_beating<T, S>(
    call: impl std::future::Future<Output = T>,
    every: std::time::Duration,
    state: &mut S,
    beat: impl for<'a> Fn(&'a mut S) -> Beat<'a>,
) -> T {
    tokio::pin!(call);
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            out = &mut call => return out,
            _ = ticks.tick() => {}
        }
        let mut b = beat(state);
        let done = tokio::select! {
            out = &mut call => Some(out),
            () = &mut b => None,
        };
        if let Some(out) = done {
            b.await;
            return out;
        }
    }
}

/// What a beat during a call needs: the run's connection, its job and its
/// last beat.
pub(super) struct Beater<'c> {
    pub conn: &'c mut PgConnection,
    pub op: &'c Operator,
    pub job: i64,
    /// Our last heartbeat, which guards the job's finish.
    pub last: Option<DateTime<Utc>>,
}

/// A beat during a call: a failure is only noted, since the call is still
/// in flight; the beat after the call sees a lost guard and stops the run.
pub(super) fn beat_quietly<'a>(b: &'a mut Beater<'_>) -> Beat<'a> {
    Box::pin(async move {
        if let Err(e) = heartbeat(b.conn, b.op, b.job, &mut b.last).await {
            tracing::warn!("heartbeat of job #{} during a provider call: {e}", b.job);
        }
    })
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
        sqlx::query_as(statements::drift::ENFORCE_HEARTBEAT.tagged())
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
            at: None,
        },
        ctx,
    )
    .await;
    finish(conn, r).await.map(|_| ())
}

/// Logs provider calls, each stamped with its start on the database's clock.
pub(super) async fn write_calls(
    conn: &mut PgConnection,
    op: &Operator,
    ctx: &LogContext,
    calls: &[CallRecord],
    clock: &DbClock,
) -> Result<(), Refused> {
    begin(conn, op).await.map_err(|e| explain(&e))?;
    let r: Result<(), sqlx::Error> = async {
        for c in calls {
            logs::insert_call_at(conn, c, clock.on_db(c.at), ctx).await?;
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
                at: None,
            },
            ctx,
        )
        .await?;
        let done = sqlx::query(statements::drift::ENFORCE_JOB_FINISH.tagged())
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
        .chain(plan.withheld.iter())
        .filter(|d| d.first_seen_source == "inferred_now")
        .collect();
    if fresh.is_empty() {
        return Ok(());
    }
    begin(conn, op).await.map_err(|e| explain(&e))?;
    let r: Result<(), sqlx::Error> = async {
        for d in fresh {
            sqlx::query(statements::drift::PIN_STATE_FIRST_SEEN.tagged())
                .bind(door.id)
                .bind(d.credential_id)
                .bind(plan.name_of(d.code_name.as_ref()))
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
    let r = sqlx::query(statements::drift::PIN_STATE_MARK.tagged())
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
    let r = sqlx::query(statements::drift::PIN_STATE_ADDED.tagged())
        .bind(door)
        .bind(e.credential_id)
        .bind(&e.code_name)
        .bind(vendor)
        .execute(&mut *conn)
        .await
        .map(|_| ());
    finish(conn, r).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_long_call_is_beaten_every_20_seconds_and_runs_to_its_end() {
        let call = async {
            tokio::time::sleep(std::time::Duration::from_secs(65)).await;
            "answered"
        };
        let mut beats = 0u32;
        let out = while_beating(call, BEAT_EVERY, &mut beats, |n| {
            Box::pin(async move {
                *n += 1;
            })
        })
        .await;
        assert_eq!(out, "answered");
        assert_eq!(beats, 3, "at 20, 40 and 60 s");
        let mut none = 0u32;
        let quick = while_beating(async { 1 }, BEAT_EVERY, &mut none, |n| {
            Box::pin(async move {
                *n += 1;
            })
        })
        .await;
        assert_eq!((quick, none), (1, 0));
    }

    #[tokio::test(start_paused = true)]
    async fn a_stalled_beat_never_holds_back_the_call() {
        // The answer arrives at 25 s while the beat started at 20 s waits on
        // the database for a minute: the call is still polled (its answer
        // taken at 25 s, not when the beat is done), and the beat is
        // finished before the run goes on.
        let start = tokio::time::Instant::now();
        let call = async move {
            tokio::time::sleep(std::time::Duration::from_secs(25)).await;
            start.elapsed().as_secs()
        };
        let mut beats = 0u32;
        let answered_at = while_beating(call, BEAT_EVERY, &mut beats, |n| {
            Box::pin(async move {
                tokio::time::sleep(std::time::Duration::from_secs(60)).await;
                *n += 1;
            })
        })
        .await;
        assert_eq!(answered_at, 25);
        assert_eq!(beats, 1, "the beat under way was finished, not cut");
        assert_eq!(start.elapsed().as_secs(), 80);
    }
}
