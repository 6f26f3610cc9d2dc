//! Reading the troubled jobs of a window for the error groups (one
//! index-bound statement, capped), and a job type's typical duration.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use sqlx::{PgConnection, Row};

use super::statements;
use super::traces::JobStatus;
use crate::groups::fingerprint::{FailedStep, Fingerprint};

/// At most this many troubled jobs are read for the groups.
pub const CAP: usize = 50_000;

/// One failed, dead, stuck or interrupted job, with its last failed step.
#[derive(Debug, Clone, PartialEq)]
pub struct TroubledJob {
    pub id: i64,
    pub job_type: String,
    pub status: JobStatus,
    /// Running without an update for longer than the stuck threshold.
    pub stuck: bool,
    /// A drift job whose change was sent with no outcome logged.
    pub interrupted: bool,
    /// `None` when Postgres holds an odd time (NULL, `infinity`).
    pub updated_at: Option<DateTime<Utc>>,
    /// Postgres's own text of `updated_at` (the retry guard of an odd one).
    pub updated_text: Option<String>,
    pub attempts: Option<i32>,
    pub last_error: Option<String>,
    pub next_run_at: Option<DateTime<Utc>>,
    /// The last failed step (a log row), when the job logged one.
    pub step: Option<FailedStep>,
    pub site_id: Option<i64>,
    /// When that step failed.
    pub step_at: Option<DateTime<Utc>>,
}

impl TroubledJob {
    /// Its fingerprint: from the last failed step, else the job type and
    /// `last_error`.
    pub fn fingerprint(&self) -> Fingerprint {
        match &self.step {
            Some(s) => Fingerprint::of_step(s),
            None => Fingerprint::of_job(&self.job_type, self.last_error.as_deref()),
        }
    }

    /// When it failed: its last failed step, else its last update.
    pub fn failed_at(&self) -> Option<DateTime<Utc>> {
        self.step_at.or(self.updated_at)
    }
}

/// The troubled jobs of a window, newest first, at most `CAP`, the server's
/// clock, and whether the cap was reached.
pub struct Troubled {
    pub now: Option<DateTime<Utc>>,
    pub jobs: Vec<TroubledJob>,
    pub capped: bool,
}

pub async fn troubled(
    conn: &mut PgConnection,
    window_secs: i64,
    stuck_after_secs: i64,
    pinned_now: Option<DateTime<Utc>>,
) -> Result<Troubled, sqlx::Error> {
    let over = i64::try_from(CAP).unwrap_or(i64::MAX).saturating_add(1);
    let mut now = None;
    let mut jobs = Vec::new();
    let mut door_ids = Vec::new();
    let mut capped = false;
    {
        // Streamed: each row is decoded as it arrives and dropped.
        let mut rows = sqlx::query(statements::groups::TROUBLED.marked())
            .bind(window_secs.max(0))
            .bind(stuck_after_secs.max(0))
            .bind(over)
            .bind(pinned_now)
            .fetch(&mut *conn);
        while let Some(r) = rows.try_next().await? {
            if jobs.len() == CAP {
                capped = true;
                continue;
            }
            if jobs.is_empty() {
                now = r.try_get(0)?;
            }
            jobs.push(troubled_row(&r)?);
            door_ids.push(r.try_get::<Option<i64>, _>(15)?);
        }
    }
    // Each failed step's door to its site: every door is read once (tens
    // to thousands) rather than joined per job.
    if door_ids.iter().any(Option::is_some) {
        let sites: HashMap<i64, Option<i64>> = super::queries::doors(&mut *conn, false)
            .await?
            .into_iter()
            .map(|d| (d.id, d.site_id))
            .collect();
        for (job, door) in jobs.iter_mut().zip(&door_ids) {
            job.site_id = door.and_then(|d| sites.get(&d).copied().flatten());
        }
    }
    now = pinned_now.or(now);
    if now.is_none() {
        let (n,): (DateTime<Utc>,) = sqlx::query_as(statements::session::NOW.marked())
            .fetch_one(&mut *conn)
            .await?;
        now = Some(n);
    }
    Ok(Troubled { now, jobs, capped })
}

fn troubled_row(r: &sqlx::postgres::PgRow) -> Result<TroubledJob, sqlx::Error> {
    let text = |i: usize| -> Result<Option<String>, sqlx::Error> {
        Ok(crate::secrets::free_opt(r.try_get::<Option<String>, _>(i)?))
    };
    let number = |i: usize| -> Result<Option<i64>, sqlx::Error> {
        Ok(r.try_get::<Option<String>, _>(i)?
            .and_then(|s| s.trim().parse::<i64>().ok()))
    };
    let action: Option<String> = r.try_get(11)?;
    let step_at: Option<DateTime<Utc>> = r.try_get(19)?;
    let step = action.map(|action| -> Result<FailedStep, sqlx::Error> {
        Ok(FailedStep {
            provider: text(10)?,
            action: Some(action),
            error: text(12)?,
            errcode: number(16)?,
            http_status: number(17)?,
            provider_message: text(18)?,
            lock_key: text(13)?,
            door_name: text(14)?,
        })
    });
    let status: Option<String> = r.try_get(3)?;
    Ok(TroubledJob {
        id: r.try_get(1)?,
        job_type: r.try_get::<Option<String>, _>(2)?.unwrap_or_default(),
        status: JobStatus::from(status.unwrap_or_default()),
        stuck: r.try_get::<Option<bool>, _>(4)?.unwrap_or(false),
        updated_at: r.try_get(5)?,
        updated_text: r.try_get(6)?,
        attempts: r.try_get(7)?,
        last_error: text(8)?,
        next_run_at: r.try_get(9)?,
        step: step.transpose()?,
        // Set from the step's door (column 15) by `troubled`.
        site_id: None,
        step_at,
        interrupted: r.try_get::<Option<bool>, _>(20)?.unwrap_or(false),
    })
}

/// The median duration in seconds of the last done jobs of a type (at most
/// 200 among the newest 5,000 done), and how many there were.
pub async fn typical_duration(
    conn: &mut PgConnection,
    job_type: &str,
) -> Result<(Option<f64>, i64), sqlx::Error> {
    let (median, n): (Option<f64>, Option<i64>) =
        sqlx::query_as(statements::groups::TYPICAL_DURATION.marked())
            .bind(job_type)
            .fetch_one(&mut *conn)
            .await?;
    Ok((median.filter(|m| m.is_finite()), n.unwrap_or(0)))
}

/// How far back the Jobs header looks for a retry storm, and how many of the
/// newest failed and dead jobs it reads (`STORM_RECENT`).
pub const STORM_LOOKBACK_SECS: i64 = 3_600;
pub const STORM_CAP: i64 = 1_000;

/// The failed and dead jobs of the last hour among the newest `STORM_CAP` of
/// each status, with their last failed steps: what the header's storm flag
/// is computed from at the counts' pace, without the groups view's read.
pub async fn storm_recent(
    conn: &mut PgConnection,
    pinned_now: Option<DateTime<Utc>>,
) -> Result<Troubled, sqlx::Error> {
    let rows = sqlx::query(statements::groups::STORM_RECENT.marked())
        .bind(STORM_LOOKBACK_SECS)
        .bind(STORM_CAP)
        .bind(pinned_now)
        .fetch_all(&mut *conn)
        .await?;
    let now = match rows.first() {
        Some(r) => r.try_get(0)?,
        None => pinned_now,
    };
    let jobs = rows
        .iter()
        .map(troubled_row)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Troubled {
        now,
        capped: jobs.len() >= usize::try_from(STORM_CAP).unwrap_or(usize::MAX),
        jobs,
    })
}
