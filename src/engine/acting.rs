//! Who else is acting (issue 28 §3): another console's enforcement holding
//! a lock's advisory lock, or a running job naming the lock (the broker's
//! worker, or a console's enforcement job), who and since when; and the
//! devices of a reconcile job (its last run's failed calls). Read on the
//! primary; the job reads are index-bound, the lock holder comes from the
//! system views.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

use super::health::{Device, hm};
use super::runs::advisory_key;
use super::{Refused, explain};
use crate::lockkey::LockKey;
use crate::store::statements::acting as st;

/// Someone acting on a lock or job now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// `lockdesk/alice (role support)`, or `the broker's worker`.
    pub who: String,
    /// What they are doing: `drift enforcement on TTLOCK:28991110`,
    /// `job #104 (reconcile_user)`.
    pub what: String,
    pub since: Option<DateTime<Utc>>,
    pub job: Option<i64>,
    /// A console's enforcement (holds the advisory lock): nothing else may
    /// run on the lock until it ends.
    pub holds_lock: bool,
    /// The broker's worker running a drift job on the lock.
    pub worker_drift: bool,
}

impl Actor {
    /// `lockdesk/alice (role support) is running drift enforcement on TTLOCK:28991110 since 12:01 UTC (job #123)`.
    pub fn line(&self) -> String {
        let mut s = format!("{} is running {}", self.who, self.what);
        match self.since {
            Some(t) => s.push_str(&format!(" since {}", hm(&t))),
            None => s.push_str(" (since: not known)"),
        }
        if let Some(j) = self.job {
            if !self.what.contains(&format!("#{j}")) {
                s.push_str(&format!(" (job #{j})"));
            }
        }
        s
    }
}

/// Whether a job was made by a console (its reason starts `console `).
fn by_console(reason: Option<&str>) -> bool {
    reason.is_some_and(|r| r.starts_with("console "))
}

/// A lock holder's session: application name, role, pid, connected at, ours.
type HolderRow = (
    Option<String>,
    Option<String>,
    i32,
    Option<DateTime<Utc>>,
    bool,
);

/// One job's state (`acting::job_state`).
type JobStateRow = (
    DateTime<Utc>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
);

/// One device row (`acting::job_devices`): job, lock key, door, customer.
type DeviceRow = (i64, Option<String>, Option<i64>, Option<i64>);

type RunningRow = (
    DateTime<Utc>,
    i64,
    Option<String>,
    Option<String>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
);

/// Everyone acting on one lock now, `except` one job (the caller's own).
pub async fn on_lock_conn(
    conn: &mut PgConnection,
    lock: &LockKey,
    except: Option<i64>,
) -> Result<Vec<Actor>, sqlx::Error> {
    let holder: Option<HolderRow> = sqlx::query_as(st::LOCK_HOLDER.marked())
        .bind(advisory_key(&lock.provider, &lock.external_id))
        .fetch_optional(&mut *conn)
        .await?;
    let running: Vec<RunningRow> = sqlx::query_as(st::RUNNING_ON_LOCK.marked())
        .bind(&lock.provider)
        .bind(&lock.external_id)
        .bind(lock.to_string())
        .fetch_all(&mut *conn)
        .await?;
    let mut out = Vec::new();
    let mut console_job = None;
    for (_, id, job_type, reason, created, _updated) in &running {
        if Some(*id) == except {
            continue;
        }
        let job_type = job_type.clone().unwrap_or_else(|| "?".into());
        let drift = job_type == crate::store::statements::drift::JOB_TYPE;
        if by_console(reason.as_deref()) && drift {
            // A console's enforcement: named through its session below.
            console_job.get_or_insert((*id, *created));
            continue;
        }
        out.push(Actor {
            who: if by_console(reason.as_deref()) {
                "a console".into()
            } else {
                "the broker's worker".into()
            },
            what: format!("job #{id} ({job_type}) on {lock}"),
            since: *created,
            job: Some(*id),
            holds_lock: false,
            worker_drift: drift && !by_console(reason.as_deref()),
        });
    }
    if let Some((app, role, pid, connected, mine)) = holder {
        if !mine {
            let (job, since) = console_job.map_or((None, connected), |(j, c)| (Some(j), c));
            out.insert(
                0,
                Actor {
                    who: format!(
                        "{} (role {}, pid {pid})",
                        app.filter(|a| !a.is_empty())
                            .unwrap_or_else(|| "a session".into()),
                        role.unwrap_or_else(|| "?".into())
                    ),
                    what: format!("drift enforcement on {lock}"),
                    since,
                    job,
                    holds_lock: true,
                    worker_drift: false,
                },
            );
        }
    }
    Ok(out)
}

/// Everyone acting on one lock now (for the lock pane's header).
pub async fn on_lock(pool: &PgPool, lock: &LockKey) -> Result<Vec<Actor>, Refused> {
    let mut conn = super::acquire(pool).await?;
    on_lock_conn(&mut conn, lock, None)
        .await
        .map_err(|e| explain(&e))
}

/// Everyone acting on one job or its locks now (for the job detail): the
/// job itself running (by the broker's worker or a console), and whoever
/// acts on the locks of its last run's failed calls.
pub async fn on_job(pool: &PgPool, job: i64) -> Result<Vec<Actor>, Refused> {
    let mut conn = super::acquire(pool).await?;
    let r: Result<Vec<Actor>, sqlx::Error> = async {
        let mut out = Vec::new();
        let state: Option<RunningRow> = sqlx::query_as(st::JOB_STATE.marked())
            .bind(job)
            .fetch_optional(&mut *conn)
            .await
            .map(|r: Option<JobStateRow>| {
                r.filter(|s| s.1.as_deref() == Some("running"))
                    .map(|(now, _, t, reason, c, u)| (now, job, t, reason, c, u))
            })?;
        if let Some((_, id, t, reason, created, _)) = state {
            out.push(Actor {
                who: if by_console(reason.as_deref()) {
                    "a console".into()
                } else {
                    "the broker's worker".into()
                },
                what: format!("job #{id} ({})", t.unwrap_or_default()),
                since: created,
                job: Some(id),
                holds_lock: false,
                worker_drift: false,
            });
        }
        for d in job_devices(&mut conn, &[job])
            .await?
            .remove(&job)
            .unwrap_or_default()
        {
            if let Some(lock) = LockKey::parse(&d.lock) {
                for a in on_lock_conn(&mut conn, &lock, Some(job)).await? {
                    if !out.contains(&a) {
                        out.push(a);
                    }
                }
            }
        }
        Ok(out)
    }
    .await;
    r.map_err(|e| explain(&e))
}

/// The devices of each job: the provider locks of its last run's failed
/// calls (one index-bound statement per 1,000 jobs). A job with none is
/// absent from the map ("device unknown").
pub async fn job_devices(
    conn: &mut PgConnection,
    jobs: &[i64],
) -> Result<BTreeMap<i64, Vec<Device>>, sqlx::Error> {
    let mut out: BTreeMap<i64, Vec<Device>> = BTreeMap::new();
    for chunk in jobs.chunks(1000) {
        let rows: Vec<DeviceRow> = sqlx::query_as(st::JOB_DEVICES.marked())
            .bind(chunk.to_vec())
            .fetch_all(&mut *conn)
            .await?;
        for (job, key, door, customer) in rows {
            let Some(lock) = key.as_deref().and_then(LockKey::parse) else {
                continue;
            };
            if !lock.is_provider_lock() {
                continue;
            }
            out.entry(job).or_default().push(Device {
                lock: lock.to_string(),
                provider: lock.provider.clone(),
                external_id: lock.external_id.clone(),
                customer,
                door,
            });
        }
    }
    Ok(out)
}

/// The device of one provider lock, for the lock pane's probe: its door and
/// the door's integration customer (`None` customer: no door names it, and
/// the probe says it has no client to ask).
pub async fn lock_device(conn: &mut PgConnection, lock: &LockKey) -> Result<Device, sqlx::Error> {
    let row: Option<(i64, Option<i64>)> = sqlx::query_as(st::LOCK_DEVICE.marked())
        .bind(&lock.provider)
        .bind(&lock.external_id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(Device {
        lock: lock.to_string(),
        provider: lock.provider.clone(),
        external_id: lock.external_id.clone(),
        customer: row.and_then(|r| r.1),
        door: row.map(|r| r.0),
    })
}
