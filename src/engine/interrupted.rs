//! Changes interrupted after they were sent: an intent row with no outcome
//! (the process died between the provider call and its log). The lock's
//! next drift preview finds them and, in write mode, writes the missing
//! outcome from the re-list it already makes. Nothing is sent again.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};
use sqlx::{PgConnection, PgPool};

use super::{Operator, Refused, begin, explain, finish};
use crate::lockkey::LockKey;
use crate::providers::Listing;
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

/// What was true of a lock's runs when its listing started: a listing that
/// takes a while must not outlive the evidence it is judged against (a run
/// that beat just before the listing read the page that matters, then
/// died, was alive for that page).
#[derive(Debug, Clone, Copy)]
pub struct ListingStart {
    /// The database's clock when the listing started.
    pub at: DateTime<Utc>,
    /// A session held the lock's advisory lock then.
    pub held: bool,
}

impl ListingStart {
    /// Reads the database's clock and the lock's holder, before listing.
    pub async fn read(
        conn: &mut PgConnection,
        lock: &LockKey,
    ) -> Result<ListingStart, sqlx::Error> {
        let (at,): (DateTime<Utc>,) = sqlx::query_as(statements::session::NOW.tagged())
            .fetch_one(&mut *conn)
            .await?;
        let held = holder(conn, &advisory_key(&lock.provider, &lock.external_id)).await?;
        Ok(ListingStart { at, held })
    }
}

async fn holder(conn: &mut PgConnection, advisory: &str) -> Result<bool, sqlx::Error> {
    let held: Option<(Option<String>, Option<String>)> =
        sqlx::query_as(statements::drift::ENFORCE_HOLDER.tagged())
            .bind(advisory)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(held.is_some())
}

/// Whether `job`'s run was alive at `at` (`None`: now).
async fn run_is_live(
    conn: &mut PgConnection,
    job: i64,
    at: Option<DateTime<Utc>>,
) -> Result<bool, sqlx::Error> {
    let (live,): (bool,) = sqlx::query_as(statements::drift::RUN_IS_LIVE.tagged())
        .bind(job)
        .bind(LIVE_WITHIN_SECS)
        .bind(at)
        .fetch_one(&mut *conn)
        .await?;
    Ok(live)
}

/// Whether a change of `job` on the lock may still be in flight: a run held
/// the lock when the listing started or holds it now, or the job beat
/// within twice the interval before the listing started.
async fn in_flight(
    conn: &mut PgConnection,
    advisory: &str,
    job: Option<i64>,
    start: ListingStart,
) -> Result<bool, sqlx::Error> {
    if start.held || holder(conn, advisory).await? {
        return Ok(true);
    }
    match job {
        Some(job) => run_is_live(conn, job, Some(start.at)).await,
        None => Ok(false),
    }
}

/// The intents with no outcome on one lock, judged against `listed` (the
/// lock as just listed). A change a live run (here or in another console)
/// has in flight is marked so: only those whose run is over are settled.
/// From a list that is not whole only what it shows counts: a delete whose
/// code is absent, or an add whose name is, is left for a whole list.
pub(crate) async fn find(
    conn: &mut PgConnection,
    lock: &LockKey,
    listed: &Listing,
    now: DateTime<Utc>,
    start: ListingStart,
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
    // The unsettled intents' ids per trace, each trace read once: a runaway
    // job's intents share one.
    let mut unsettled: HashMap<String, HashSet<i64>> = HashMap::new();
    for i in intents {
        let Some(corr) = i.correlation_id.clone() else {
            continue;
        };
        if !unsettled.contains_key(&corr) {
            let logs = heads_of(conn, &corr).await?;
            let ids = crate::intents::unsettled_at(&logs).into_iter();
            unsettled.insert(corr.clone(), ids.map(|u| logs[u].id).collect());
        }
        if !unsettled.get(&corr).is_some_and(|ids| ids.contains(&i.id)) {
            continue;
        }
        let in_flight = in_flight(conn, &advisory, i.reconcile_job_id, start).await?;
        let action = crate::intents::outcome_of(&i.action)
            .unwrap_or_default()
            .to_string();
        let request = i.request_json.clone().unwrap_or(Value::Null);
        let field = |k: &str| request.get(k).and_then(Value::as_str).map(str::to_string);
        let actual = &listed.items;
        let (applied, shown) = if action.ends_with("DELETE_PIN") {
            let id = field("provider_code_id");
            let on_lock = actual.iter().any(|a| Some(&a.id) == id.as_ref());
            (!on_lock, on_lock)
        } else {
            // An add carries the broker's own name (never masked): it landed
            // when the lock lists a passcode of that name. A name that is not
            // the broker's form (a masked one) proves nothing.
            let name = field("name").filter(|n| super::plan::is_broker_name(n));
            let on_lock = name.is_some() && actual.iter().any(|a| a.name == name);
            (on_lock, on_lock)
        };
        if !shown && !listed.is_complete() {
            continue;
        }
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

/// A trace's logs as heads: the facts that pair an intent with its outcome,
/// without the payloads (an enforcement's listing pages run to megabytes,
/// and settling reads them inside the transaction holding the lock).
async fn heads_of(conn: &mut PgConnection, corr: &str) -> Result<Vec<LogRow>, sqlx::Error> {
    let rows = sqlx::query(statements::traces::LOG_HEADS_OF.tagged())
        .bind(corr)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(crate::store::heads::log_head).collect()
}

/// Whether an intent still has no outcome (read again, under the lock).
async fn still_unsettled(conn: &mut PgConnection, i: &Interrupted) -> Result<bool, sqlx::Error> {
    let Some(corr) = &i.correlation_id else {
        return Ok(false);
    };
    let logs = heads_of(conn, corr).await?;
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
                // A run that beat again since the preview's listing.
                if run_is_live(&mut conn, job, None).await? {
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
