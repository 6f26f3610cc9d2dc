//! The console's read queries: status counts, audit pages, per-lock logs,
//! one user, doors (the job queue is in `queue`). The SQL is in `statements`; every
//! value is a bind parameter.

pub use super::counts::{Count, EXACT_STATUSES, JobCounts, job_counts};
pub use super::queue::*;
use crate::lockkey::LockKey;
use crate::store::statements;

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, Row};

use super::traces::{AuditRow, JobRow, LogRow, audit_row, job_row, log_row};

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

/// The most logs of a job read for its why sentence.
pub const JOB_WHY_LOGS: i64 = 200;

/// A job's newest logs (at most `JOB_WHY_LOGS`), heads with the values
/// `groups::why` reads, in time order, masked as every row read.
pub async fn job_logs_for_why(
    conn: &mut sqlx::PgConnection,
    job: i64,
) -> Result<Vec<LogRow>, sqlx::Error> {
    let rows = sqlx::query(statements::logs::OF_JOB_FOR_WHY.marked())
        .bind(job)
        .bind(JOB_WHY_LOGS)
        .fetch_all(&mut *conn)
        .await?;
    let mut logs = rows.iter().map(log_row).collect::<Result<Vec<_>, _>>()?;
    logs.reverse();
    Ok(logs)
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
    /// The `users` row was found.
    pub found: bool,
}

impl UserDetail {
    /// Whether anything at all knows this user id: a `users` row, or (where
    /// the broker tables are missing, or the row was deleted) their jobs,
    /// traces, access or credentials.
    pub fn exists(&self) -> bool {
        self.found
            || self.partial.is_some()
            || !self.jobs.is_empty()
            || !self.traces.is_empty()
            || !self.access.is_empty()
            || !self.credentials.is_empty()
    }
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
            u.found = true;
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
