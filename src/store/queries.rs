//! The console's read queries: job queue pages (keyset), status counts, audit
//! pages, per-lock logs, one user, doors. The SQL is in `statements`; every
//! value is a bind parameter.

pub use super::counts::{Count, EXACT_STATUSES, JobCounts, job_counts};
use crate::lockkey::LockKey;
use crate::store::statements;
use crate::store::statements::jobs as jobs_sql;
use std::fmt;

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, Row};

use super::traces::{AuditRow, JobRow, LogRow, audit_row, job_row, log_row};

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
    let sql = jobs_sql::page(&shape_of(filter, page));
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
    let sql = jobs_sql::retryable(&shape_of(filter, Page::First));
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
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
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
    if ids.is_empty() {
        return Ok(());
    }
    let hit: Vec<(i64,)> = match sqlx::query_as(statements::jobs::INTERRUPTED.marked())
        .bind(&ids)
        .fetch_all(&mut *conn)
        .await
    {
        Ok(hit) => hit,
        // A role that may read the queue but not the logs still gets its
        // queue, without the derived note.
        Err(sqlx::Error::Database(e)) => {
            tracing::warn!("jobs::interrupted: {}", e.message());
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    for j in jobs.iter_mut() {
        j.interrupted = hit.iter().any(|(id,)| *id == j.id);
    }
    Ok(())
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

/// Audit rows, newest first, older than `before` when given.
pub async fn audit_page(
    conn: &mut PgConnection,
    before: Option<(DateTime<Utc>, i64)>,
    limit: i64,
) -> Result<Vec<AuditRow>, sqlx::Error> {
    let rows = match before {
        None => {
            sqlx::query(statements::audit::PAGE_FIRST.marked())
                .bind(limit)
                .fetch_all(&mut *conn)
                .await?
        }
        Some((t, id)) => {
            sqlx::query(statements::audit::PAGE_BEFORE.marked())
                .bind(t)
                .bind(id)
                .bind(limit)
                .fetch_all(&mut *conn)
                .await?
        }
    };
    rows.iter().map(audit_row).collect()
}

/// A door as the console shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Door {
    pub id: i64,
    pub name: String,
    pub site_id: Option<i64>,
    pub device_type: Option<String>,
    pub external_id: Option<String>,
    pub is_active: bool,
    pub status: Option<String>,
    /// The IANA zone of the door's site, when the broker tables say.
    pub time_zone: Option<String>,
    /// Whose provider account the lock is on.
    pub integration_customer_id: Option<i64>,
}

impl Door {
    /// `PROVIDER:external_id`, as integration_logs.lock_key has it.
    pub fn lock_key(&self) -> Option<String> {
        match (&self.device_type, &self.external_id) {
            (Some(p), Some(e)) => Some(LockKey::new(p, e).to_string()),
            _ => None,
        }
    }
}

/// Every door (there are tens to thousands, never millions), with its site's
/// zone when the sites table exists.
pub async fn doors(conn: &mut PgConnection, with_sites: bool) -> Result<Vec<Door>, sqlx::Error> {
    let sql = if with_sites {
        statements::doors::EVERY_WITH_SITES.marked()
    } else {
        statements::doors::EVERY.marked()
    };
    let rows = sqlx::query(sql).fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| {
            Ok(Door {
                id: r.try_get(0)?,
                // A door without a name still opens: drawn `—`.
                name: r
                    .try_get::<Option<String>, _>(1)?
                    .unwrap_or_else(|| "—".to_string()),
                site_id: r.try_get(2)?,
                device_type: r.try_get(3)?,
                external_id: r.try_get(4)?,
                is_active: r.try_get(5)?,
                status: r.try_get(6)?,
                time_zone: r.try_get(7)?,
                integration_customer_id: r.try_get(8)?,
            })
        })
        .collect()
}

/// Every integration log for one lock, newest first.
pub async fn lock_logs(
    conn: &mut PgConnection,
    lock_key: &str,
    limit: i64,
) -> Result<Vec<LogRow>, sqlx::Error> {
    let rows = sqlx::query(statements::logs::OF_LOCK.marked())
        .bind(lock_key)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(log_row).collect()
}

/// One of a user's access levels.
#[derive(Debug, Clone, PartialEq)]
pub struct UserAccess {
    /// The user_access_levels row.
    pub id: i64,
    pub level: String,
    pub status: String,
    /// `None` when the stored time cannot be held (`infinity`) or is NULL.
    pub since: Option<DateTime<Utc>>,
}

/// One of a user's credentials; the PIN is masked before it is kept.
#[derive(Debug, Clone, PartialEq)]
pub struct UserCredential {
    pub id: i64,
    /// The name on the lock, `AB U9 C6`.
    pub name: String,
    pub masked_pin: String,
    pub status: String,
}

/// A door a user's active access levels open.
#[derive(Debug, Clone, PartialEq)]
pub struct UserDoor {
    pub id: i64,
    pub name: String,
    pub lock_key: Option<String>,
}

/// A correlation id touching a user.
#[derive(Debug, Clone, PartialEq)]
pub struct UserTrace {
    pub correlation_id: String,
    /// `None` when no time of it could be read (all `infinity`, say).
    pub first_seen: Option<DateTime<Utc>>,
    /// What happened in it, e.g. `reconcile_user done, UserAccessLevel create`.
    pub what: String,
}

/// One user, as the user pane shows them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserDetail {
    pub id: i64,
    pub name: Option<String>,
    pub email: Option<String>,
    pub status: Option<String>,
    pub site: Option<String>,
    pub time_zone: Option<String>,
    pub access: Vec<UserAccess>,
    pub credentials: Vec<UserCredential>,
    /// Doors the active access levels open.
    pub doors: Vec<UserDoor>,
    pub jobs: Vec<JobRow>,
    /// Recent correlation ids touching the user.
    pub traces: Vec<UserTrace>,
    /// Set when the broker tables are missing: only jobs and traces are shown.
    pub partial: Option<String>,
}

/// `***` plus the last 4 digits for PINs of 6 or more digits, else `***`.
pub use crate::secrets::mask_pin;

pub async fn user(
    conn: &mut PgConnection,
    id: i64,
    broker_tables: bool,
    user_ref_index: bool,
) -> Result<UserDetail, sqlx::Error> {
    let mut u = UserDetail {
        id,
        ..Default::default()
    };
    if broker_tables {
        if let Some(r) = sqlx::query(statements::users::USER.marked())
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
        {
            u.name = r.try_get(0)?;
            u.email = r.try_get(1)?;
            u.status = r.try_get(2)?;
            u.site = r.try_get(3)?;
            u.time_zone = r.try_get(4)?;
        }
        let access: Vec<(i64, String, String, Option<DateTime<Utc>>)> =
            sqlx::query_as(statements::users::ACCESS.marked())
                .bind(id)
                .fetch_all(&mut *conn)
                .await?;
        u.access = access
            .into_iter()
            .map(|(id, level, status, since)| UserAccess {
                id,
                level,
                status,
                // A time chrono cannot hold comes as NULL (see statements).
                since,
            })
            .collect();
        let creds: Vec<(i64, Option<String>, Option<String>)> =
            sqlx::query_as(statements::users::CREDENTIALS.marked())
                .bind(id)
                .fetch_all(&mut *conn)
                .await?;
        // The PIN is masked here, before it reaches any state that can be drawn.
        u.credentials = creds
            .into_iter()
            .map(|(cid, pin, status)| UserCredential {
                id: cid,
                name: format!("AB U{id} C{cid}"),
                masked_pin: pin.as_deref().map_or_else(|| "—".to_string(), mask_pin),
                status: status.unwrap_or_else(|| "—".to_string()),
            })
            .collect();
        let doors: Vec<(i64, Option<String>, Option<String>)> =
            sqlx::query_as(statements::users::DOORS.marked())
                .bind(id)
                .fetch_all(&mut *conn)
                .await?;
        u.doors = doors
            .into_iter()
            .map(|(id, name, lock_key)| UserDoor {
                id,
                name: name.unwrap_or_else(|| "—".to_string()),
                lock_key,
            })
            .collect();
    } else {
        u.partial = Some(
            "The broker's user tables are not in this database: showing jobs and traces only."
                .into(),
        );
    }
    let rows = sqlx::query(statements::jobs::OF_USER.marked())
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
    u.jobs = rows.iter().map(job_row).collect::<Result<_, _>>()?;
    let statement = match (broker_tables, user_ref_index) {
        (false, _) => &statements::users::TRACES_CONTRACT_ONLY,
        (true, false) => &statements::users::TRACES,
        (true, true) => &statements::users::TRACES_WITH_DELETED,
    };
    let traces: Vec<(String, Option<DateTime<Utc>>, Option<String>)> =
        sqlx::query_as(statement.marked())
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
    u.traces = traces
        .into_iter()
        .map(|(correlation_id, first_seen, what)| UserTrace {
            correlation_id,
            first_seen,
            what: what.unwrap_or_else(|| "—".to_string()),
        })
        .collect();
    Ok(u)
}
