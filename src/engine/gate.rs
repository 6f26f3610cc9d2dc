//! The checks before acting (issue 28): a retry, a group retry and an
//! enforcement first probe their devices (`health`) and ask who else is
//! acting (`acting`). An offline or low-battery device refuses the action
//! unless the operator typed `override` (then the probe's answer is kept in
//! the audit row as `device_override`); another console's enforcement on the
//! lock refuses it at once, naming the holder and since when; the broker's
//! worker running a drift job on the lock refuses an enforcement the same
//! way (overridable). Nothing waits and nothing is silently raced.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sqlx::PgPool;

use super::acting::{Actor, job_devices, on_lock_conn};
use super::clock::DbClock;
use super::enforce::{Enforced, enforce_noted};
use super::health::{self, Device, DeviceCheck, Verdict};
use super::jobs::{JobChange, RetryGuard, RetrySummary, retry_job_noted};
use super::plan::{Mode, Plan};
use super::{Operator, Refused, explain};
use crate::lockkey::LockKey;
use crate::providers::settings::Providers;

/// An action after its checks.
#[derive(Debug)]
pub enum Gated<T> {
    /// Sent (for a retry: or its guard found the job moved), with the
    /// devices as probed and any notes ("device unknown", "device state
    /// unknown: …", "device override: …").
    Sent {
        result: T,
        checks: Vec<DeviceCheck>,
        notes: Vec<String>,
    },
    /// Not sent: nothing was changed.
    Held(Hold),
}

/// Why an action was not sent, for the refusal dialog.
#[derive(Debug, Clone)]
pub struct Hold {
    /// In the operator's words, starting "nothing was changed: ".
    pub why: String,
    /// Typing `override` may go ahead (a device refusal, the broker's
    /// running drift job); another console's enforcement cannot be.
    pub overridable: bool,
    pub checks: Vec<DeviceCheck>,
    pub others: Vec<Actor>,
}

impl<T> Gated<T> {
    /// The plain result the console's current paths take: a hold is a
    /// refusal in words (saying how to override where one may).
    pub fn into_result(self) -> Result<T, Refused> {
        match self {
            Gated::Sent { result, .. } => Ok(result),
            Gated::Held(h) => Err(Refused(if h.overridable {
                format!("{} — type `override` to go ahead", h.why)
            } else {
                h.why
            })),
        }
    }
}

/// The audit row's additions: `device_override` (the probe's answer of each
/// refused device overridden) and `device_notes`.
fn noted(checks: &[DeviceCheck], notes: &[String], overridden: bool, others: &[Actor]) -> Value {
    let mut n = json!({});
    if overridden {
        if let Some(o) = health::override_record(checks) {
            n["device_override"] = o;
        }
        if !others.is_empty() {
            n["acting_override"] = json!(others.iter().map(Actor::line).collect::<Vec<_>>());
        }
    }
    if !notes.is_empty() {
        n["device_notes"] = json!(notes);
    }
    n
}

fn notes_of(checks: &[DeviceCheck], known: bool, overridden: bool) -> Vec<String> {
    let mut n = health::notes(checks, known);
    if overridden {
        n.extend(
            checks
                .iter()
                .filter(|c| matches!(c.verdict, Verdict::Refuse(_)))
                .map(|c| format!("device override: {}", c.line())),
        );
    }
    n
}

/// Retries one job after its checks: its devices (the locks of its last
/// run's failed calls) probed, and no other console enforcing on them.
/// `override_refusal`: the operator typed `override`.
pub async fn retry_checked(
    pool: &PgPool,
    providers: &Providers,
    op: &Operator,
    job: i64,
    seen_status: &str,
    seen_updated: DateTime<Utc>,
    override_refusal: bool,
) -> Result<Gated<JobChange>, Refused> {
    let (now, devices, others) = {
        let mut conn = super::acquire(pool).await?;
        let r: Result<_, sqlx::Error> = async {
            let now = DbClock::read(&mut conn).await?.now();
            let devices = job_devices(&mut conn, &[job])
                .await?
                .remove(&job)
                .unwrap_or_default();
            let mut others = Vec::new();
            for d in &devices {
                if let Some(lock) = LockKey::parse(&d.lock) {
                    others.extend(
                        on_lock_conn(&mut conn, &lock, Some(job))
                            .await?
                            .into_iter()
                            .filter(|a| a.holds_lock),
                    );
                }
            }
            Ok((now, devices, others))
        }
        .await;
        r.map_err(|e| explain(&e))?
    };
    let checks = health::check(providers, &devices, now).await;
    if !others.is_empty() && !override_refusal {
        return Ok(Gated::Held(Hold {
            why: format!(
                "nothing was changed: {}",
                others
                    .iter()
                    .map(Actor::line)
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            overridable: true,
            checks,
            others,
        }));
    }
    if let (Some(why), false) = (health::refusal(&checks), override_refusal) {
        return Ok(Gated::Held(Hold {
            why: format!("nothing was changed: job #{job}: {why}"),
            overridable: true,
            checks,
            others,
        }));
    }
    let notes = notes_of(&checks, !devices.is_empty(), override_refusal);
    let extra = noted(&checks, &notes, override_refusal, &others);
    let result = retry_job_noted(pool, op, job, seen_status, seen_updated, Some(&extra)).await?;
    Ok(Gated::Sent {
        result,
        checks,
        notes,
    })
}

/// A group retry (and retry-all) after the checks: every listed job's
/// devices probed once per lock (so 300 jobs on 40 locks send at most 40
/// probes); a job with a refused device is skipped and listed "skipped:
/// device offline" unless `override_refusal`; a job whose devices are
/// unknown is retried, noted "device unknown". Each retry as `retry_listed`.
pub async fn retry_listed_checked(
    pool: &PgPool,
    providers: &Providers,
    op: &Operator,
    jobs: &[RetryGuard],
    override_refusal: bool,
) -> RetrySummary {
    let mut sum = RetrySummary::default();
    let ids: Vec<i64> = jobs.iter().map(|g| g.job).collect();
    let read = async {
        let mut conn = super::acquire(pool).await?;
        let r: Result<_, sqlx::Error> = async {
            let now = DbClock::read(&mut conn).await?.now();
            Ok((now, job_devices(&mut conn, &ids).await?))
        }
        .await;
        r.map_err(|e| explain(&e))
    };
    let (now, mut devices) = match read.await {
        Ok(r) => r,
        Err(e) => {
            if let Some(g) = jobs.first() {
                sum.failed.push((g.job, e.0));
                sum.not_tried = jobs.len() - 1;
            }
            return sum;
        }
    };
    let all: Vec<Device> = devices.values().flatten().cloned().collect();
    let checks = health::check(providers, &all, now).await;
    for (n, g) in jobs.iter().enumerate() {
        if super::stop::requested() {
            sum.stopped = true;
            sum.not_tried = jobs.len() - n;
            break;
        }
        let mine_devices = devices.remove(&g.job).unwrap_or_default();
        let mine: Vec<DeviceCheck> = checks
            .iter()
            .filter(|c| mine_devices.iter().any(|d| d.lock == c.device.lock))
            .cloned()
            .collect();
        if let (Some(why), false) = (health::refusal(&mine), override_refusal) {
            sum.skipped
                .push((g.job, format!("skipped: device offline — {why}")));
            continue;
        }
        let notes = notes_of(&mine, !mine_devices.is_empty(), override_refusal);
        let extra = noted(&mine, &notes, override_refusal, &[]);
        match retry_job_noted(pool, op, g.job, &g.status, g.updated_at, Some(&extra)).await {
            Ok(JobChange::Done { job, .. }) => {
                sum.retried.push(job);
                sum.notes.extend(notes.into_iter().map(|t| (job, t)));
            }
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

/// Drift enforcement from a console after the checks: refused at once while
/// another console's enforcement holds the lock (naming it and since when),
/// or while the broker's worker runs a drift job on it, or while the device
/// is offline or its battery low (those two overridable).
pub async fn enforce_checked(
    pool: &PgPool,
    providers: &Providers,
    op: &Operator,
    door_id: i64,
    mode: Mode,
    confirmed: Option<&Plan>,
    override_refusal: bool,
) -> Result<Gated<Enforced>, Refused> {
    let (now, door, others) = {
        let mut conn = super::acquire(pool).await?;
        let r: Result<_, sqlx::Error> = async {
            let now = DbClock::read(&mut conn).await?.now();
            let Some(door) = super::drift::door(&mut conn, door_id).await? else {
                return Ok(None);
            };
            let lock = LockKey::new(&door.provider, &door.external_id);
            let others = on_lock_conn(&mut conn, &lock, None).await?;
            Ok(Some((now, door, others)))
        }
        .await;
        r.map_err(|e| explain(&e))?
            .ok_or_else(|| Refused(format!("there is no door #{door_id}")))?
    };
    let device = Device {
        lock: LockKey::new(&door.provider, &door.external_id).to_string(),
        provider: door.provider.clone(),
        external_id: door.external_id.clone(),
        customer: door.customer,
        door: Some(door.id),
    };
    let blocking: Vec<Actor> = others
        .into_iter()
        .filter(|a| a.holds_lock || a.worker_drift)
        .collect();
    if let Some(h) = blocking.iter().find(|a| a.holds_lock) {
        return Ok(Gated::Held(Hold {
            why: format!(
                "nothing was changed: drift enforcement on {} is already running: {}; try again when it is done",
                door.name,
                h.line()
            ),
            overridable: false,
            checks: Vec::new(),
            others: blocking,
        }));
    }
    if !blocking.is_empty() && !override_refusal {
        return Ok(Gated::Held(Hold {
            why: format!(
                "nothing was changed: {} — enforcing now would race it",
                blocking
                    .iter()
                    .map(Actor::line)
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            overridable: true,
            checks: Vec::new(),
            others: blocking,
        }));
    }
    let checks = health::check(providers, std::slice::from_ref(&device), now).await;
    if let (Some(why), false) = (health::refusal(&checks), override_refusal) {
        return Ok(Gated::Held(Hold {
            why: format!("nothing was changed: {}: {why}", door.name),
            overridable: true,
            checks,
            others: blocking,
        }));
    }
    let notes = notes_of(&checks, true, override_refusal);
    let extra = noted(&checks, &notes, override_refusal, &blocking);
    let result = enforce_noted(
        pool,
        providers,
        op,
        door_id,
        mode,
        confirmed,
        None,
        Some(&extra),
    )
    .await?;
    Ok(Gated::Sent {
        result,
        checks,
        notes,
    })
}

/// "Retry all" from the console: `retry_all`, after the device checks
/// (`gate::retry_listed_checked`). Jobs skipped for a refused device are
/// reported in words (an `Err` until the console shows the summary).
pub async fn retry_all_checked(
    pool: &PgPool,
    providers: &Providers,
    op: &Operator,
    jobs: Vec<(i64, String, DateTime<Utc>)>,
) -> RetriedAll {
    let guards: Vec<RetryGuard> = jobs
        .into_iter()
        .map(|(job, status, updated_at)| RetryGuard {
            job,
            status,
            updated_at,
        })
        .collect();
    let total = guards.len();
    let sum = retry_listed_checked(pool, providers, op, &guards, false).await;
    // Devices refused some and nothing else went wrong: the summary, so the
    // console offers `override` for exactly the skipped jobs.
    if !sum.skipped.is_empty() && sum.failed.is_empty() && !sum.stopped {
        let skipped = guards
            .into_iter()
            .filter(|g| sum.skipped.iter().any(|s| s.0 == g.job))
            .collect();
        return RetriedAll::Skipped { sum, skipped };
    }
    RetriedAll::Done(super::jobs::all_result(&sum, total))
}

/// What a retry-all did.
#[derive(Debug, Clone, PartialEq)]
pub enum RetriedAll {
    /// Re-enqueued and changed meanwhile, or why it stopped.
    Done(Result<(usize, usize), String>),
    /// Some jobs were skipped for a refused device (the others done): the
    /// summary, and the skipped jobs' guards for an override.
    Skipped {
        sum: RetrySummary,
        skipped: Vec<RetryGuard>,
    },
}
