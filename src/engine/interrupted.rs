//! Changes interrupted after they were sent: an intent row with no outcome
//! (the process died between the provider call and its log). The lock's
//! next drift preview finds them and, in write mode, writes the missing
//! outcome from the re-list it already makes. Nothing is sent again.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};
use sqlx::{PgConnection, PgPool};

use super::{Operator, Refused, begin, explain, finish};
use crate::lockkey::LockKey;
use crate::providers::LockAccess;
use crate::store::logs::{self, LogContext, Step};
use crate::store::statements;
use crate::store::traces::{LogRow, log_row};

/// How far back a preview looks for interrupted changes.
const LOOK_BACK_DAYS: i64 = 30;

/// One change whose outcome was never written.
#[derive(Debug, Clone, PartialEq)]
pub struct Interrupted {
    pub intent_log_id: i64,
    /// The outcome action it waits for (`DRIFT_ENFORCE_DELETE_PIN`).
    pub action: String,
    pub request: Value,
    pub correlation_id: Option<String>,
    pub job: Option<i64>,
    /// Whether the lock, listed again now, shows the change made.
    pub applied: bool,
    /// A run holds the lock now, or its job beat recently: the change may
    /// still be in flight, and is settled only once that run is over.
    pub in_flight: bool,
}

impl Interrupted {
    pub fn describe(&self) -> String {
        let what = self
            .request
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("?");
        if self.in_flight {
            return format!(
                "{} of {what} (log #{}) is in flight: a run on this lock is sending it now (or beat its job within {LIVE_WITHIN_SECS} s); it is settled only once that run is over",
                self.action, self.intent_log_id
            );
        }
        format!(
            "{} of {what} (log #{}) was interrupted after it was sent: the lock shows it {}",
            self.action,
            self.intent_log_id,
            if self.applied { "done" } else { "not done" }
        )
    }
}

use super::runs::{LIVE_WITHIN_SECS, advisory_key};

/// Whether a run holds the lock now (in this console or another), or the
/// job of `intent` was beaten recently: its change may still be in flight.
async fn in_flight(
    conn: &mut PgConnection,
    advisory: &str,
    job: Option<i64>,
) -> Result<bool, sqlx::Error> {
    let held: Option<(Option<String>, Option<String>)> =
        sqlx::query_as(statements::drift::ENFORCE_HOLDER.tagged())
            .bind(advisory)
            .fetch_optional(&mut *conn)
            .await?;
    if held.is_some() {
        return Ok(true);
    }
    let Some(job) = job else {
        return Ok(false);
    };
    let (live,): (bool,) = sqlx::query_as(statements::drift::RUN_IS_LIVE.tagged())
        .bind(job)
        .bind(LIVE_WITHIN_SECS)
        .fetch_one(&mut *conn)
        .await?;
    Ok(live)
}

/// The intents with no outcome on one lock, judged against `actual` (the
/// lock as just listed). A change a live run (here or in another console)
/// has in flight is marked so: only those whose run is over are settled.
pub(crate) async fn find(
    conn: &mut PgConnection,
    lock: &LockKey,
    actual: &[LockAccess],
    now: DateTime<Utc>,
) -> Result<Vec<Interrupted>, sqlx::Error> {
    let key = lock.to_string();
    let advisory = advisory_key(&lock.provider, &lock.external_id);
    let rows = sqlx::query(statements::drift::INTENTS_OF_LOCK.tagged())
        .bind(&key)
        .bind(now - Duration::days(LOOK_BACK_DAYS))
        .fetch_all(&mut *conn)
        .await?;
    let intents: Vec<LogRow> = rows.iter().map(log_row).collect::<Result<_, _>>()?;
    let mut out = Vec::new();
    for i in intents {
        let Some(corr) = i.correlation_id.clone() else {
            continue;
        };
        let rows = sqlx::query(statements::traces::LOGS_OF.tagged())
            .bind(&corr)
            .fetch_all(&mut *conn)
            .await?;
        let logs: Vec<LogRow> = rows.iter().map(log_row).collect::<Result<_, _>>()?;
        if !crate::intents::unsettled(&logs)
            .iter()
            .any(|u| u.id == i.id)
        {
            continue;
        }
        let in_flight = in_flight(conn, &advisory, i.reconcile_job_id).await?;
        let action = crate::intents::outcome_of(&i.action)
            .unwrap_or_default()
            .to_string();
        let request = i.request_json.clone().unwrap_or(Value::Null);
        let field = |k: &str| request.get(k).and_then(Value::as_str).map(str::to_string);
        let applied = if action.ends_with("DELETE_PIN") {
            let id = field("provider_code_id");
            !actual.iter().any(|a| Some(&a.id) == id.as_ref())
        } else {
            // An add carries the broker's own name (never masked): it landed
            // when the lock lists a passcode of that name. A name that is not
            // the broker's form (a masked one) proves nothing.
            let name = field("name").filter(|n| super::plan::is_broker_name(n));
            name.is_some() && actual.iter().any(|a| a.name == name)
        };
        out.push(Interrupted {
            intent_log_id: i.id,
            action,
            request,
            correlation_id: Some(corr),
            job: i.reconcile_job_id,
            applied,
            in_flight,
        });
    }
    Ok(out)
}

/// Whether an intent still has no outcome (read again, under the lock).
async fn still_unsettled(conn: &mut PgConnection, i: &Interrupted) -> Result<bool, sqlx::Error> {
    let Some(corr) = &i.correlation_id else {
        return Ok(false);
    };
    let rows = sqlx::query(statements::traces::LOGS_OF.tagged())
        .bind(corr)
        .fetch_all(&mut *conn)
        .await?;
    let logs: Vec<LogRow> = rows.iter().map(log_row).collect::<Result<_, _>>()?;
    Ok(crate::intents::unsettled(&logs)
        .iter()
        .any(|u| u.id == i.intent_log_id))
}

/// What a drift preview tells the operator about the interrupted changes it
/// found: each described, then, when some have no run left working on them,
/// what settling them from this listing did (write mode) or why it waits.
pub async fn settle_listed(
    pool: &PgPool,
    op: &Operator,
    lock: &LockKey,
    list: &[Interrupted],
) -> Vec<String> {
    let mut notes: Vec<String> = list.iter().map(Interrupted::describe).collect();
    let dead = list.iter().filter(|i| !i.in_flight).count();
    if dead > 0 {
        let note = if op.write {
            match settle(pool, op, lock, list).await {
                Ok(n) if n == dead => format!(
                    "{n} missing outcome(s) written from this listing; nothing was sent again"
                ),
                Ok(n) => format!(
                    "{n} of {dead} missing outcome(s) written from this listing (the rest were settled meanwhile, or a run on this lock is under way); nothing was sent again"
                ),
                Err(e) => format!("writing the missing outcomes failed: {}", e.0),
            }
        } else {
            "read-only: the missing outcomes are written by the next preview in write mode".into()
        };
        notes.push(note);
    }
    notes
}

/// Writes the missing outcome of each interrupted change on `lock` (write
/// mode), each at most once: in one transaction holding the lock's
/// enforcement lock (so never beside a live run, nor beside another
/// console settling the same intents), each intent read again first and
/// skipped when it got its outcome meanwhile, or its run beat again.
/// Returns how many outcomes this call wrote.
pub async fn settle(
    pool: &PgPool,
    op: &Operator,
    lock: &LockKey,
    list: &[Interrupted],
) -> Result<usize, Refused> {
    let mut conn = super::acquire(pool).await?;
    let advisory = advisory_key(&lock.provider, &lock.external_id);
    begin(&mut conn, op).await.map_err(|e| explain(&e))?;
    let r: Result<usize, sqlx::Error> = async {
        let (got,): (bool,) = sqlx::query_as(statements::drift::SETTLE_TRY_LOCK.tagged())
            .bind(&advisory)
            .fetch_one(&mut *conn)
            .await?;
        if !got {
            return Ok(0);
        }
        let mut written = 0;
        for i in list.iter().filter(|i| !i.in_flight) {
            if !still_unsettled(&mut conn, i).await? {
                continue;
            }
            if let Some(job) = i.job {
                let (live,): (bool,) = sqlx::query_as(statements::drift::RUN_IS_LIVE.tagged())
                    .bind(job)
                    .bind(LIVE_WITHIN_SECS)
                    .fetch_one(&mut *conn)
                    .await?;
                if live {
                    continue;
                }
            }
            written += settle_one(&mut conn, i).await?;
        }
        Ok(written)
    }
    .await;
    finish(&mut conn, r).await
}

async fn settle_one(conn: &mut PgConnection, i: &Interrupted) -> Result<usize, sqlx::Error> {
    let ctx = LogContext {
        correlation_id: i.correlation_id.clone(),
        reconcile_job_id: i.job,
        ..LogContext::default()
    };
    let step = Step {
        action: &i.action,
        ok: i.applied,
        error: (!i.applied).then(|| {
            "interrupted after it was sent; the lock, listed again, does not show it done"
                .to_string()
        }),
        request: i.request.clone(),
        response: json!({"settled_by": "drift preview", "intent_log_id": i.intent_log_id, "applied": i.applied}),
        at: None,
    };
    logs::insert_step(conn, &step, &ctx).await?;
    Ok(1)
}
