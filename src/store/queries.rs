// The console's read queries: job queue pages (keyset), status counts, audit
// pages, per-lock logs, one user, doors. Dynamic SQL is assembled only from
// the closed sets below; every value is a bind parameter.

use std::fmt;

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, Row};

use super::traces::{
    AUDIT_SELECT, AuditRow, JOB_SELECT, JobRow, LOG_SELECT, LogRow, audit_row, job_row, log_row,
};

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
            parts.push(format!(
                "age<{}",
                crate::timefmt::age(chrono::Duration::seconds(a))
            ));
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

/// One page of the job queue, newest first.
pub async fn jobs_page(
    conn: &mut PgConnection,
    filter: &JobFilter,
    now: DateTime<Utc>,
    stuck_after_secs: i64,
    page: Page,
    limit: i64,
) -> Result<Vec<JobRow>, sqlx::Error> {
    // Cut-offs come from the console's clock (the one it shows ages by), so
    // "stuck" and "age" mean the same on screen and in the query.
    let mut sql = format!("{JOB_SELECT} WHERE true");
    let mut n = 0;
    let mut next = || {
        n += 1;
        n
    };
    // Each fragment is a fixed string; values are bound in the same order.
    if let Some(s) = filter.status {
        match s {
            StatusFilter::Stuck => sql.push_str(&format!(
                " AND status = 'running' AND updated_at < ${}",
                next()
            )),
            _ => sql.push_str(&format!(" AND status = ${}", next())),
        }
    }
    if filter.job_type.is_some() {
        sql.push_str(&format!(" AND job_type = ${}", next()));
    }
    if filter.user_id.is_some() {
        sql.push_str(&format!(" AND user_id = ${}", next()));
    }
    if filter.max_age_secs.is_some() {
        sql.push_str(&format!(" AND created_at > ${}", next()));
    }
    let (cmp, order) = match page {
        Page::First => ("", "DESC"),
        Page::Older(_) => ("<", "DESC"),
        Page::From(_) => ("<=", "DESC"),
        Page::Newer(_) => (">", "ASC"),
    };
    if !cmp.is_empty() {
        let (a, b) = (next(), next());
        sql.push_str(&format!(" AND (created_at, id) {cmp} (${a}, ${b})"));
    }
    let l = next();
    sql.push_str(&format!(
        " ORDER BY created_at {order}, id {order} LIMIT ${l}"
    ));

    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    if let Some(s) = filter.status {
        q = match s {
            StatusFilter::Stuck => q.bind(now - chrono::Duration::seconds(stuck_after_secs)),
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
        q = q.bind(now - chrono::Duration::seconds(a));
    }
    if let Page::Older(k) | Page::From(k) | Page::Newer(k) = page {
        q = q.bind(k.created_at).bind(k.id);
    }
    let rows = q.bind(limit).fetch_all(&mut *conn).await?;
    let mut jobs = rows.iter().map(job_row).collect::<Result<Vec<_>, _>>()?;
    if matches!(page, Page::Newer(_)) {
        jobs.reverse();
    }
    Ok(jobs)
}

/// Jobs per status, and how many running jobs are stuck.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobCounts {
    pub by_status: Vec<(String, i64)>,
    pub stuck: i64,
}

impl JobCounts {
    pub fn get(&self, status: &str) -> i64 {
        self.by_status
            .iter()
            .find(|(s, _)| s == status)
            .map_or(0, |(_, n)| *n)
    }
}

pub async fn job_counts(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    stuck_after_secs: i64,
) -> Result<JobCounts, sqlx::Error> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT status::text, count(*)::int8 FROM reconcile_jobs GROUP BY status ORDER BY status",
    )
    .fetch_all(&mut *conn)
    .await?;
    let (stuck,): (i64,) = sqlx::query_as(
        "SELECT count(*)::int8 FROM reconcile_jobs
         WHERE status = 'running' AND updated_at < $1",
    )
    .bind(now - chrono::Duration::seconds(stuck_after_secs))
    .fetch_one(&mut *conn)
    .await?;
    Ok(JobCounts {
        by_status: rows,
        stuck,
    })
}

pub async fn job(conn: &mut PgConnection, id: i64) -> Result<Option<JobRow>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{JOB_SELECT} WHERE id = $1")))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(job_row).transpose()
}

/// Audit rows, newest first, older than `before` when given.
pub async fn audit_page(
    conn: &mut PgConnection,
    before: Option<(DateTime<Utc>, i64)>,
    limit: i64,
) -> Result<Vec<AuditRow>, sqlx::Error> {
    let rows = match before {
        None => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "{AUDIT_SELECT} ORDER BY created_at DESC, id DESC LIMIT $1"
            )))
            .bind(limit)
            .fetch_all(&mut *conn)
            .await?
        }
        Some((t, id)) => {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "{AUDIT_SELECT} WHERE (created_at, id) < ($1, $2) ORDER BY created_at DESC, id DESC LIMIT $3"
            )))
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
            (Some(p), Some(e)) => Some(format!("{}:{e}", p.to_uppercase())),
            _ => None,
        }
    }
}

/// Every door (there are tens to thousands, never millions), with its site's
/// zone when the sites table exists.
pub async fn doors(conn: &mut PgConnection, with_sites: bool) -> Result<Vec<Door>, sqlx::Error> {
    let sql = if with_sites {
        "SELECT d.id::int8, d.name::text, d.site_id::int8, d.device_type::text, d.external_id::text,
                COALESCE(d.is_active, true), d.status::text, s.time_zone::text, d.integration_customer_id::int8
         FROM doors d LEFT JOIN sites s ON s.id = d.site_id ORDER BY d.id"
    } else {
        "SELECT d.id::int8, d.name::text, d.site_id::int8, d.device_type::text, d.external_id::text,
                COALESCE(d.is_active, true), d.status::text, NULL::text, d.integration_customer_id::int8
         FROM doors d ORDER BY d.id"
    };
    let rows = sqlx::query(sql).fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| {
            Ok(Door {
                id: r.try_get(0)?,
                name: r.try_get(1)?,
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
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{LOG_SELECT} WHERE lock_key = $1 ORDER BY created_at DESC, id DESC LIMIT $2"
    )))
    .bind(lock_key)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(log_row).collect()
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
    /// (user_access_level id, access level name, status, since)
    pub access: Vec<(i64, String, String, DateTime<Utc>)>,
    /// (credential id, name on the lock, masked PIN, status)
    pub credentials: Vec<(i64, String, String, String)>,
    /// Doors the active access levels open: (door id, name, lock key).
    pub doors: Vec<(i64, String, Option<String>)>,
    pub jobs: Vec<JobRow>,
    /// Recent correlation ids touching the user: (id, first seen, what).
    pub traces: Vec<(String, DateTime<Utc>, String)>,
    /// Set when the broker tables are missing: only jobs and traces are shown.
    pub partial: Option<String>,
}

/// `***` plus the last 4 digits for PINs of 6 or more digits, else `***`.
pub use crate::providers::redact::mask_pin;

pub async fn user(
    conn: &mut PgConnection,
    id: i64,
    broker_tables: bool,
) -> Result<UserDetail, sqlx::Error> {
    let mut u = UserDetail {
        id,
        ..Default::default()
    };
    if broker_tables {
        if let Some(r) = sqlx::query(
            "SELECT u.name::text, u.email::text, u.status::text, s.name::text, s.time_zone::text
             FROM users u LEFT JOIN sites s ON s.id = u.site_id WHERE u.id = $1",
        )
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
        u.access = sqlx::query_as(
            "SELECT ual.id::int8, COALESCE(al.name, 'access level ' || ual.access_level_id)::text,
                    ual.status::text, ual.created_at::timestamptz
             FROM user_access_levels ual LEFT JOIN access_levels al ON al.id = ual.access_level_id
             WHERE ual.user_id = $1 ORDER BY ual.status, ual.id",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
        let creds: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT id::int8, pin_code::text, status::text FROM credentials WHERE user_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
        // The PIN is masked here, before it reaches any state that can be drawn.
        u.credentials = creds
            .into_iter()
            .map(|(cid, pin, status)| (cid, format!("AB U{id} C{cid}"), mask_pin(&pin), status))
            .collect();
        u.doors = sqlx::query_as(
            "SELECT DISTINCT d.id::int8, d.name::text,
                    CASE WHEN d.device_type IS NULL OR d.external_id IS NULL THEN NULL
                         ELSE upper(d.device_type) || ':' || d.external_id END
             FROM user_access_levels ual
             JOIN access_levels al ON al.id = ual.access_level_id AND al.status = 'active'
             JOIN access_level_doors ald ON ald.access_level_id = al.id
             JOIN doors d ON d.id = ald.door_id OR d.door_group_id = ald.door_group_id
             WHERE ual.user_id = $1 AND ual.status = 'active' AND d.is_active
             ORDER BY 1",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
    } else {
        u.partial = Some(
            "The broker's user tables are not in this database: showing jobs and traces only."
                .into(),
        );
    }
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{JOB_SELECT} WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT 30"
    )))
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    u.jobs = rows.iter().map(job_row).collect::<Result<_, _>>()?;
    u.traces = sqlx::query_as(
        "SELECT correlation_id::text, min(created_at)::timestamptz, string_agg(DISTINCT what, ', ')::text FROM (
             SELECT correlation_id, created_at, job_type || ' ' || status AS what
               FROM reconcile_jobs WHERE user_id = $1 AND correlation_id IS NOT NULL
             UNION ALL
             SELECT a.correlation_id, a.created_at, a.entity_type || ' ' || a.action
               FROM app_audit a
              WHERE a.correlation_id IS NOT NULL
                AND ((a.entity_type = 'User' AND a.entity_id = $1)
                  OR (a.entity_type = 'UserAccessLevel' AND (a.after_json->>'user_id' = $1::text OR a.before_json->>'user_id' = $1::text))
                  OR (a.entity_type = 'Credential' AND (a.after_json->>'user_id' = $1::text OR a.before_json->>'user_id' = $1::text)))
         ) t GROUP BY correlation_id ORDER BY 2 DESC LIMIT 30",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(u)
}
