//! Retry and cancel of reconcile jobs, guarded on the state the operator saw
//! and audited, and the list "retry all" works through.

use crate::store::statements;
use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::{PgConnection, PgPool, Row};

use super::audit::audit;
use super::{Operator, Refused, begin, explain, finish};
use crate::store::logs::{self, LogContext, Step};

/// What a retry or cancel did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobChange {
    Done {
        job: i64,
        status: String,
    },
    /// The job was not in the state the operator saw: nothing was changed.
    Changed {
        job: i64,
        now: String,
    },
}

/// The guard did not match: report the status the job has now.
async fn changed(conn: &mut PgConnection, job: i64) -> Result<JobChange, sqlx::Error> {
    let now: Option<(String,)> = sqlx::query_as(statements::jobs::STATUS_OF.tagged())
        .bind(job)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(JobChange::Changed {
        job,
        now: now.map_or_else(|| "gone".into(), |n| n.0),
    })
}

/// Re-enqueues a job, guarded on the status (and update time) the operator
/// saw, so that a job that moved meanwhile — or that another console just
/// retried — is not enqueued twice. `attempt_count` keeps counting; the
/// payload's `retry_base_attempts` gives the job a fresh attempt budget.
/// An odd update time (NULL, `infinity`: the panes' and `retryable`'s edge
/// times) guards as "still odd". A NULL user or attempt count is no bar.
pub async fn retry_job(
    pool: &PgPool,
    op: &Operator,
    job: i64,
    seen_status: &str,
    seen_updated: DateTime<Utc>,
) -> Result<JobChange, Refused> {
    retry_job_noted(pool, op, job, seen_status, seen_updated, None).await
}

/// `retry_job`, with `noted` (the device checks: `device_override`,
/// `device_notes`) added to the audit row's after.
pub(crate) async fn retry_job_noted(
    pool: &PgPool,
    op: &Operator,
    job: i64,
    seen_status: &str,
    seen_updated: DateTime<Utc>,
    noted: Option<&serde_json::Value>,
) -> Result<JobChange, Refused> {
    let mut conn = super::acquire(pool).await?;
    begin(&mut conn, op).await.map_err(|e| explain(&e))?;
    let result: Result<JobChange, sqlx::Error> = async {
        let row = sqlx::query(statements::jobs::RETRY.tagged())
            .bind(job)
            .bind(seen_status)
            .bind(crate::store::odd::off_edge(seen_updated))
            .fetch_optional(&mut *conn)
            .await?;
        let Some(row) = row else {
            return changed(&mut conn, job).await;
        };
        let corr: Option<String> = row.try_get(0)?;
        // Read as the panes read them: a broker may leave either NULL.
        let user: Option<i64> = row.try_get(1)?;
        let reason: Option<String> = row.try_get(2)?;
        let attempts: Option<i32> = row.try_get(3)?;
        let ctx = LogContext {
            correlation_id: corr.clone(),
            reconcile_job_id: Some(job),
            ..LogContext::default()
        };
        logs::insert_step(
            &mut conn,
            &Step {
                action: "RECONCILE_ENQUEUED",
                ok: true,
                error: None,
                request: json!({"deduped": false, "reason": reason, "source": op.source, "user_id": user,
                                "operator": op.name, "retry_of_status": seen_status}),
                response: json!({"job_id": job}),
                at: None,
            },
            &ctx,
        )
        .await?;
        let mut after = json!({"status": "queued", "attempt_count": attempts, "retry_base_attempts": attempts.unwrap_or(0)});
        if let (Some(a), Some(serde_json::Value::Object(n))) = (after.as_object_mut(), noted) {
            a.extend(n.clone());
        }
        audit(
            &mut conn,
            op,
            "ReconcileJob",
            job,
            "retry",
            json!({"status": seen_status, "attempt_count": attempts}),
            after,
            corr.as_deref(),
        )
        .await?;
        Ok(JobChange::Done {
            job,
            status: "queued".into(),
        })
    }
    .await;
    finish(&mut conn, result).await
}

/// Cancels a queued or failed job, guarded the same way: on the status and
/// update time the operator saw (a job a worker touched meanwhile is left).
pub async fn cancel_job(
    pool: &PgPool,
    op: &Operator,
    job: i64,
    seen_status: &str,
    seen_updated: DateTime<Utc>,
) -> Result<JobChange, Refused> {
    let mut conn = super::acquire(pool).await?;
    begin(&mut conn, op).await.map_err(|e| explain(&e))?;
    let result: Result<JobChange, sqlx::Error> = async {
        let row: Option<(Option<String>,)> = sqlx::query_as(statements::jobs::CANCEL.tagged())
            .bind(job)
            .bind(seen_status)
            .bind(crate::store::odd::off_edge(seen_updated))
            .fetch_optional(&mut *conn)
            .await?;
        let Some((corr,)) = row else {
            return changed(&mut conn, job).await;
        };
        audit(
            &mut conn,
            op,
            "ReconcileJob",
            job,
            "cancel",
            json!({"status": seen_status}),
            json!({"status": "cancelled"}),
            corr.as_deref(),
        )
        .await?;
        Ok(JobChange::Done {
            job,
            status: "cancelled".into(),
        })
    }
    .await;
    finish(&mut conn, result).await
}

/// At most this many jobs in one retry-all; the dialog says when more match.
pub const RETRY_ALL_CAP: usize = 10_000;

/// "Retry all": exactly the listed jobs (id, status and update time as the
/// confirmation listed them), each under its own guard, in order, checking
/// for a stop request before each. Returns how many were re-enqueued and
/// how many had moved meanwhile; the first failure ends the run and says
/// how far it got.
pub async fn retry_all(
    pool: &PgPool,
    op: &Operator,
    jobs: Vec<(i64, String, DateTime<Utc>)>,
) -> Result<(usize, usize), String> {
    let total = jobs.len();
    let guards: Vec<RetryGuard> = jobs
        .into_iter()
        .map(|(job, status, updated_at)| RetryGuard {
            job,
            status,
            updated_at,
        })
        .collect();
    let sum = retry_listed(pool, op, &guards).await;
    all_result(&sum, total)
}

/// Retry-all's answer from its summary: how many were re-enqueued and how
/// many had moved; the first failure, a stop, or skipped jobs in words.
pub(crate) fn all_result(sum: &RetrySummary, total: usize) -> Result<(usize, usize), String> {
    let done = sum.retried.len();
    if let Some((_, e)) = sum.failed.first() {
        return Err(format!("{e} (after {done} re-enqueued)"));
    }
    if sum.stopped {
        let n = done + sum.changed.len() + sum.skipped.len();
        return Err(format!(
            "stopped by operator after {n} of {total} ({done} re-enqueued)"
        ));
    }
    if !sum.skipped.is_empty() {
        return Err(sum.line());
    }
    Ok((done, sum.changed.len()))
}

/// The failed and dead jobs `filter` matches, newest first (one
/// index-bound statement), at most `RETRY_ALL_CAP`, and whether more matched.
pub async fn retryable(
    pool: &PgPool,
    filter: &crate::store::queries::JobFilter,
    now: DateTime<Utc>,
    stuck_after_secs: i64,
) -> Result<(Vec<(i64, String, DateTime<Utc>)>, bool), Refused> {
    let mut conn = super::acquire(pool).await?;
    crate::store::queries::retryable_jobs(&mut conn, filter, now, stuck_after_secs, RETRY_ALL_CAP)
        .await
        .map_err(|e| explain(&e))
}

/// A job as the operator saw it when it was listed: a retry applies only
/// while its status and update time are still these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryGuard {
    pub job: i64,
    pub status: String,
    /// As `retryable` reads it: an odd time (NULL, `infinity`) is an edge.
    pub updated_at: DateTime<Utc>,
}

/// What retrying a listed set of jobs did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RetrySummary {
    /// Re-enqueued.
    pub retried: Vec<i64>,
    /// Not in the state listed (a worker or another console moved them),
    /// with the status each has now: left as they are.
    pub changed: Vec<(i64, String)>,
    /// Refused (the first refusal stops the run: it is the session's or the
    /// database's, not the job's), with why.
    pub failed: Vec<(i64, String)>,
    /// Not tried: after a refusal, or the operator's stop.
    pub not_tried: usize,
    /// The operator asked to stop (q, Ctrl-C) before the end.
    pub stopped: bool,
    /// Not retried because a device refused (`retry_listed_checked`), with
    /// the probe's reason: "skipped: device offline".
    pub skipped: Vec<(i64, String)>,
    /// Retried, with a note: "device unknown", "device state unknown: …",
    /// "device override: …".
    pub notes: Vec<(i64, String)>,
}

impl RetrySummary {
    /// The summary in one line, as the dialog ends with it.
    pub fn line(&self) -> String {
        let mut s = format!(
            "retried {}, changed meanwhile {}, failed {}",
            self.retried.len(),
            self.changed.len(),
            self.failed.len()
        );
        if !self.skipped.is_empty() {
            let jobs: Vec<String> = self.skipped.iter().map(|(j, _)| format!("#{j}")).collect();
            s.push_str(&format!(
                ", skipped: device offline {} ({})",
                self.skipped.len(),
                jobs.join(" ")
            ));
        }
        if self.not_tried > 0 {
            s.push_str(&format!(
                ", not tried {}{}",
                self.not_tried,
                if self.stopped {
                    " (stopped by operator)"
                } else {
                    ""
                }
            ));
        }
        if let Some((job, why)) = self.failed.first() {
            s.push_str(&format!(": job #{job}: {why}"));
        }
        s
    }
}

/// Retries exactly the listed jobs, each with its guard (`retry_job`: one
/// audited transaction per job), and nothing else: the loop retry-all and a
/// group retry share. Outside write mode the first one is refused by
/// Postgres (`BEGIN READ ONLY`) and the rest are not tried.
pub async fn retry_listed(pool: &PgPool, op: &Operator, jobs: &[RetryGuard]) -> RetrySummary {
    let mut sum = RetrySummary::default();
    for (n, g) in jobs.iter().enumerate() {
        if super::stop::requested() {
            sum.stopped = true;
            sum.not_tried = jobs.len() - n;
            break;
        }
        match retry_job(pool, op, g.job, &g.status, g.updated_at).await {
            Ok(JobChange::Done { job, .. }) => sum.retried.push(job),
            Ok(JobChange::Changed { job, now }) => sum.changed.push((job, now)),
            Err(e) => {
                sum.failed.push((g.job, e.0));
                sum.not_tried = jobs.len() - n - 1;
                break;
            }
        }
    }
    sum
}
