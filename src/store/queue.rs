//! The job queue: its filters, keyset pages, the 2-second refresh by row
//! versions, and the retryable jobs of a filter. The SQL is in
//! `statements::jobs`; every value is a bind parameter.

use std::fmt;

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, Row};

use super::statements;
use super::statements::jobs as jobs_sql;
use super::traces::{JobRow, job_row};

/// A job status filter: the stored statuses plus the derived `stuck`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusFilter {
    Queued,
    Running,
    Stuck,
    Failed,
    Dead,
    Done,
    Cancelled,
}

impl StatusFilter {
    pub const ALL: &'static [StatusFilter] = &[
        StatusFilter::Queued,
        StatusFilter::Running,
        StatusFilter::Stuck,
        StatusFilter::Failed,
        StatusFilter::Dead,
        StatusFilter::Done,
        StatusFilter::Cancelled,
    ];

    pub fn name(self) -> &'static str {
        match self {
            StatusFilter::Queued => "queued",
            StatusFilter::Running => "running",
            StatusFilter::Stuck => "stuck",
            StatusFilter::Failed => "failed",
            StatusFilter::Dead => "dead",
            StatusFilter::Done => "done",
            StatusFilter::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<StatusFilter> {
        StatusFilter::ALL.iter().copied().find(|f| f.name() == s)
    }
}

/// What the job queue shows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobFilter {
    pub status: Option<StatusFilter>,
    pub job_type: Option<String>,
    pub user_id: Option<i64>,
    /// Only jobs created within this many seconds.
    pub max_age_secs: Option<i64>,
}

/// `secs` as a duration, saturating: a number from a person or a config file
/// never panics the arithmetic.
pub fn seconds(secs: i64) -> chrono::Duration {
    chrono::Duration::try_seconds(secs).unwrap_or(chrono::Duration::MAX)
}

/// The time `secs` before `now`, saturating at the earliest time there is.
pub fn before(now: DateTime<Utc>, secs: i64) -> DateTime<Utc> {
    now.checked_sub_signed(seconds(secs))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

impl fmt::Display for JobFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(s) = self.status {
            parts.push(format!("status={}", s.name()));
        }
        if let Some(t) = &self.job_type {
            parts.push(format!("type={t}"));
        }
        if let Some(u) = self.user_id {
            parts.push(format!("user={u}"));
        }
        if let Some(a) = self.max_age_secs {
            parts.push(format!("age<{}", crate::timefmt::age(seconds(a))));
        }
        if parts.is_empty() {
            write!(f, "all jobs")
        } else {
            write!(f, "{}", parts.join(" "))
        }
    }
}

/// A position in the queue's order (newest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keyset {
    pub created_at: DateTime<Utc>,
    pub id: i64,
}

impl Keyset {
    pub fn of_job(j: &JobRow) -> Keyset {
        Keyset {
            created_at: j.created_at,
            id: j.id,
        }
    }
}

/// Which side of a keyset a page is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    /// From the newest job.
    First,
    /// Older than the keyset (scrolling down).
    Older(Keyset),
    /// From the keyset itself down (a refresh of the rows on screen).
    From(Keyset),
    /// Newer than the keyset (scrolling up), returned newest first.
    Newer(Keyset),
}

/// The statement shape of a filter and a page.
fn shape_of(filter: &JobFilter, page: Page) -> jobs_sql::PageShape {
    jobs_sql::PageShape {
        status: filter.status.map(|s| match s {
            StatusFilter::Stuck => jobs_sql::StatusPart::Stuck,
            _ => jobs_sql::StatusPart::Is,
        }),
        job_type: filter.job_type.is_some(),
        user: filter.user_id.is_some(),
        max_age: filter.max_age_secs.is_some(),
        side: match page {
            Page::First => jobs_sql::Side::First,
            Page::Older(_) => jobs_sql::Side::Older,
            Page::From(_) => jobs_sql::Side::From,
            Page::Newer(_) => jobs_sql::Side::Newer,
        },
    }
}

/// Binds a filter's values (and the page's keyset) in the order
/// `jobs_sql::conditions` numbers them.
fn bind_filter<'q>(
    mut q: sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>,
    filter: &JobFilter,
    now: DateTime<Utc>,
    stuck_after_secs: i64,
    page: Page,
) -> sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments> {
    // Cut-offs come from the console's clock (the database's, corrected
    // for skew), so "stuck" and "age" mean the same on screen and in the query.
    if let Some(s) = filter.status {
        q = match s {
            StatusFilter::Stuck => q.bind(before(now, stuck_after_secs)),
            _ => q.bind(s.name()),
        };
    }
    if let Some(t) = &filter.job_type {
        q = q.bind(t.clone());
    }
    if let Some(u) = filter.user_id {
        q = q.bind(u);
    }
    if let Some(a) = filter.max_age_secs {
        q = q.bind(before(now, a));
    }
    if let Page::Older(k) | Page::From(k) | Page::Newer(k) = page {
        q = q.bind(k.created_at).bind(k.id);
    }
    q
}

/// One page of the job queue, newest first.
pub async fn jobs_page(
    conn: &mut PgConnection,
    filter: &JobFilter,
    now: DateTime<Utc>,
    stuck_after_secs: i64,
    page: Page,
    limit: i64,
) -> Result<Vec<JobRow>, sqlx::Error> {
    let sql = statements::marked("jobs::page", &jobs_sql::page(&shape_of(filter, page)));
    let q = bind_filter(
        sqlx::query(sqlx::AssertSqlSafe(sql)),
        filter,
        now,
        stuck_after_secs,
        page,
    );
    let rows = q.bind(limit).fetch_all(&mut *conn).await?;
    let mut jobs = rows.iter().map(job_row).collect::<Result<Vec<_>, _>>()?;
    if matches!(page, Page::Newer(_)) {
        jobs.reverse();
    }
    mark_interrupted(conn, &mut jobs).await?;
    Ok(jobs)
}

/// The failed and dead jobs a filter matches, newest first, at most `cap`
/// (id, status, updated_at), and whether more matched than the cap.
pub async fn retryable_jobs(
    conn: &mut PgConnection,
    filter: &JobFilter,
    now: DateTime<Utc>,
    stuck_after_secs: i64,
    cap: usize,
) -> Result<(Vec<(i64, String, DateTime<Utc>)>, bool), sqlx::Error> {
    let sql = statements::marked(
        "jobs::retryable",
        &jobs_sql::retryable(&shape_of(filter, Page::First)),
    );
    let q = bind_filter(
        sqlx::query(sqlx::AssertSqlSafe(sql)),
        filter,
        now,
        stuck_after_secs,
        Page::First,
    );
    let over = i64::try_from(cap).unwrap_or(i64::MAX).saturating_add(1);
    let rows = q.bind(over).fetch_all(&mut *conn).await?;
    let mut rows = rows
        .iter()
        .map(|r| {
            // An odd update time (`infinity`, NULL) is read as the panes
            // read it, so one such job cannot fail the whole list.
            let mut odd = Vec::new();
            let at = super::odd::stamp(r, 2, 3, "updated_at", true, &mut odd)?;
            Ok((
                r.try_get(0)?,
                r.try_get(1)?,
                super::odd::or_edge(at, &odd, "updated_at"),
            ))
        })
        .collect::<Result<Vec<(i64, String, DateTime<Utc>)>, sqlx::Error>>()?;
    let more = rows.len() > cap;
    rows.truncate(cap);
    Ok((rows, more))
}

/// Notes which drift enforcement jobs among `jobs` were interrupted after a
/// change was sent (only those write intents; one statement per page).
async fn mark_interrupted(conn: &mut PgConnection, jobs: &mut [JobRow]) -> Result<(), sqlx::Error> {
    let ids: Vec<i64> = jobs
        .iter()
        .filter(|j| j.job_type == statements::drift::JOB_TYPE)
        .map(|j| j.id)
        .collect();
    let hit = interrupted_of(conn, &ids).await?;
    for j in jobs.iter_mut() {
        j.interrupted = hit.contains(&j.id);
    }
    Ok(())
}

/// Which of these (drift enforcement) jobs were interrupted.
async fn interrupted_of(conn: &mut PgConnection, ids: &[i64]) -> Result<Vec<i64>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    match sqlx::query_scalar(statements::jobs::INTERRUPTED.marked())
        .bind(ids)
        .fetch_all(&mut *conn)
        .await
    {
        Ok(hit) => Ok(hit),
        // A role that may read the queue but not the logs still gets its
        // queue, without the derived note.
        Err(sqlx::Error::Database(e)) => {
            tracing::warn!("jobs::interrupted: {}", e.message());
            Ok(Vec::new())
        }
        Err(e) => Err(e),
    }
}

pub async fn job(conn: &mut PgConnection, id: i64) -> Result<Option<JobRow>, sqlx::Error> {
    let row = sqlx::query(statements::jobs::BY_ID.marked())
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    let mut job: Vec<JobRow> = row.as_ref().map(job_row).transpose()?.into_iter().collect();
    mark_interrupted(conn, &mut job).await?;
    Ok(job.pop())
}

/// A version of a job row on the queue. The broker bumps `updated_at` with
/// every change; status and attempts are compared too, in case a broker
/// writes one without it. A time chrono cannot hold reads as `None`.
#[derive(Debug, Clone, PartialEq)]
pub struct JobStamp {
    pub id: i64,
    pub updated_at: Option<DateTime<Utc>>,
    pub status: String,
    pub attempt_count: i32,
}

impl JobStamp {
    pub fn of(j: &JobRow) -> JobStamp {
        let odd = j.odd.iter().any(|o| o.column == "updated_at");
        JobStamp {
            id: j.id,
            updated_at: (!odd).then_some(j.updated_at),
            status: j.status.as_str().to_string(),
            attempt_count: j.attempt_count,
        }
    }
}

/// A refreshed window: its ids in order, the rows that are new or changed
/// since `known`, and which of the window's jobs are interrupted now.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Refreshed {
    pub order: Vec<i64>,
    pub fresh: Vec<JobRow>,
    pub interrupted: Vec<i64>,
}

/// The queue's periodic refresh: the window's row versions (one narrow
/// statement, no payloads), then whole rows only for the ids that are new
/// or changed since `known`.
#[allow(clippy::too_many_arguments)]
pub async fn jobs_refresh(
    conn: &mut PgConnection,
    filter: &JobFilter,
    now: DateTime<Utc>,
    stuck_after_secs: i64,
    page: Page,
    limit: i64,
    known: &[JobStamp],
) -> Result<Refreshed, sqlx::Error> {
    let sql = statements::marked("jobs::stamps", &jobs_sql::stamps(&shape_of(filter, page)));
    let q = bind_filter(
        sqlx::query(sqlx::AssertSqlSafe(sql)),
        filter,
        now,
        stuck_after_secs,
        page,
    );
    let rows = q.bind(limit).fetch_all(&mut *conn).await?;
    let mut stamps = Vec::with_capacity(rows.len());
    let mut drift = Vec::new();
    for r in &rows {
        let job_type: Option<String> = r.try_get(4)?;
        let s = JobStamp {
            id: r.try_get(0)?,
            updated_at: r.try_get(1)?,
            status: r.try_get::<Option<String>, _>(2)?.unwrap_or_default(),
            attempt_count: r.try_get::<Option<i32>, _>(3)?.unwrap_or(0),
        };
        if job_type.as_deref() == Some(statements::drift::JOB_TYPE) {
            drift.push(s.id);
        }
        stamps.push(s);
    }
    if matches!(page, Page::Newer(_)) {
        stamps.reverse();
    }
    let known: std::collections::HashMap<i64, &JobStamp> =
        known.iter().map(|k| (k.id, k)).collect();
    let changed: Vec<i64> = stamps
        .iter()
        .filter(|s| known.get(&s.id).is_none_or(|k| *k != *s))
        .map(|s| s.id)
        .collect();
    let mut fresh = Vec::new();
    if !changed.is_empty() {
        let rows = sqlx::query(statements::jobs::BY_IDS.marked())
            .bind(&changed)
            .fetch_all(&mut *conn)
            .await?;
        fresh = rows.iter().map(job_row).collect::<Result<Vec<_>, _>>()?;
    }
    Ok(Refreshed {
        order: stamps.iter().map(|s| s.id).collect(),
        fresh,
        interrupted: interrupted_of(conn, &drift).await?,
    })
}

/// Whole jobs by id, in the order of `ids` (an error group's jobs): one
/// primary-key read of at most as many rows as ids, each drift job's
/// interruption read as the queue's refresh reads it.
pub async fn jobs_by_ids(conn: &mut PgConnection, ids: &[i64]) -> Result<Vec<JobRow>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = sqlx::query(statements::jobs::BY_IDS.marked())
        .bind(ids)
        .fetch_all(&mut *conn)
        .await?;
    let mut by_id: std::collections::HashMap<i64, JobRow> = rows
        .iter()
        .map(job_row)
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .map(|j| (j.id, j))
        .collect();
    let drift: Vec<i64> = by_id
        .values()
        .filter(|j| j.job_type == statements::drift::JOB_TYPE)
        .map(|j| j.id)
        .collect();
    let interrupted = interrupted_of(conn, &drift).await?;
    Ok(ids
        .iter()
        .filter_map(|id| by_id.remove(id))
        .map(|mut j| {
            j.interrupted = interrupted.contains(&j.id);
            j
        })
        .collect())
}
