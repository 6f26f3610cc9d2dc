//! A trace read as the seed page's four sections — what changed, what the
//! system decided, what was sent to locks (grouped by provider and lock), and
//! the full timeline — plus the anomalies the web page never pointed out.
//! Pure: built from a `Trace` and a clock.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};

use crate::store::traces::{JobStatus, LogRow, Trace};

/// Logs of one lock key inside one provider.
#[derive(Debug, Clone, PartialEq)]
pub struct LockGroup {
    pub lock_key: String,
    pub door_name: Option<String>,
    /// Indices into `trace.logs`.
    pub logs: Vec<usize>,
    pub failed: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProviderGroup {
    pub provider: String,
    pub locks: Vec<LockGroup>,
}

/// The overall outcome of a trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    Failed,
    InProgress,
    Empty,
}

impl Outcome {
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Failed => "failed",
            Outcome::InProgress => "in progress",
            Outcome::Empty => "no rows",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub first: Option<DateTime<Utc>>,
    pub last: Option<DateTime<Utc>>,
    pub outcome: Outcome,
    pub groups: Vec<ProviderGroup>,
    pub anomalies: Vec<String>,
}

impl Summary {
    pub fn duration(&self) -> Option<Duration> {
        Some(self.last? - self.first?)
    }
}

/// Is a job running without an update for longer than `stuck_after`?
pub fn is_stuck(
    status: &JobStatus,
    updated_at: &DateTime<Utc>,
    now: &DateTime<Utc>,
    stuck_after: Duration,
) -> bool {
    *status == JobStatus::Running && *now - *updated_at > stuck_after
}

pub fn summarize(trace: &Trace, now: &DateTime<Utc>, stuck_after: Duration) -> Summary {
    // The window is the times lockdesk could read: an odd one (`infinity`)
    // is listed among the anomalies, not stretched over the window.
    let times = trace
        .audit
        .iter()
        .map(|a| a.created_at)
        .chain(trace.jobs.iter().flat_map(|j| [j.created_at, j.updated_at]))
        .chain(trace.logs.iter().map(|l| l.created_at))
        .filter(|t| *t != DateTime::<Utc>::MIN_UTC && *t != DateTime::<Utc>::MAX_UTC);
    let first = times.clone().min();
    let last = times.max();

    // Provider → lock key → logs, in first-seen order as the seed page has it
    // (ACCESS_BROKER first when it starts the trace).
    let mut groups: Vec<ProviderGroup> = Vec::new();
    for (i, l) in trace.logs.iter().enumerate() {
        let provider = l.provider_type.clone().unwrap_or_else(|| "UNKNOWN".into());
        let key = l
            .lock_key
            .clone()
            .unwrap_or_else(|| format!("{provider}:unknown"));
        let pg = match groups.iter().position(|g| g.provider == provider) {
            Some(p) => &mut groups[p],
            None => {
                groups.push(ProviderGroup {
                    provider: provider.clone(),
                    locks: Vec::new(),
                });
                groups.last_mut().expect("just pushed")
            }
        };
        let lg = match pg.locks.iter().position(|g| g.lock_key == key) {
            Some(p) => &mut pg.locks[p],
            None => {
                pg.locks.push(LockGroup {
                    lock_key: key.clone(),
                    door_name: None,
                    logs: Vec::new(),
                    failed: 0,
                });
                pg.locks.last_mut().expect("just pushed")
            }
        };
        if lg.door_name.is_none() {
            lg.door_name.clone_from(&l.door_name);
        }
        lg.logs.push(i);
        if crate::intents::failed(l) {
            lg.failed += 1;
        }
    }

    let mut anomalies = Vec::new();
    // A row lockdesk could read only in part says so, first.
    let odd_rows = trace
        .audit
        .iter()
        .map(|a| (format!("audit row #{}", a.id), &a.odd))
        .chain(
            trace
                .jobs
                .iter()
                .map(|j| (format!("job #{}", j.id), &j.odd)),
        )
        .chain(
            trace
                .logs
                .iter()
                .map(|l| (format!("log #{}", l.id), &l.odd)),
        );
    for (row, odd) in odd_rows {
        for o in odd {
            anomalies.push(format!(
                "{row} is odd: its {} is {} (shown as Postgres wrote it)",
                o.column,
                o.shown()
            ));
        }
    }
    // A change sent by a run that died before logging what happened.
    for i in crate::intents::unsettled(&trace.logs) {
        anomalies.push(format!(
            "interrupted after a change was sent to the provider: log #{} {} has no outcome; the lock's next drift preview settles it",
            i.id, i.action
        ));
    }
    for j in &trace.jobs {
        if is_stuck(&j.status, &j.updated_at, now, stuck_after) {
            anomalies.push(format!(
                "job #{} has been running without an update for {} (stuck?)",
                j.id,
                crate::timefmt::age(*now - j.updated_at)
            ));
        }
        let logs: Vec<&LogRow> = trace
            .logs
            .iter()
            .filter(|l| l.reconcile_job_id == Some(j.id))
            .collect();
        // The same provider call repeated within one job.
        let mut seen: BTreeMap<(String, String, String), usize> = BTreeMap::new();
        for l in logs
            .iter()
            .filter(|l| l.provider_type.as_deref() != Some("ACCESS_BROKER"))
        {
            if let Some(target) = l.facts.target.clone() {
                *seen
                    .entry((
                        l.action.clone(),
                        l.lock_key.clone().unwrap_or_default(),
                        target,
                    ))
                    .or_default() += 1;
            }
        }
        for ((action, lock, target), n) in seen {
            if n > 1 {
                anomalies.push(format!(
                    "job #{} sent {action} for {target} on {lock} {n} times",
                    j.id
                ));
            }
        }
        // A done summary that claims more than the calls logged.
        let adds_logged = logs
            .iter()
            .filter(|l| matches!(l.action.as_str(), "PASSCODE_ADD" | "LOCK_SHARE") && l.ok)
            .count() as i64;
        let deletes_logged = logs
            .iter()
            .filter(|l| matches!(l.action.as_str(), "PASSCODE_DELETE" | "LOCK_REVOKE") && l.ok)
            .count() as i64;
        for l in logs.iter().filter(|l| l.action == "RECONCILE_JOB_DONE") {
            let summary = l.facts.summary.as_ref();
            let n = |k: &str| {
                summary
                    .and_then(|s| s.get(k))
                    .and_then(serde_json::Value::as_i64)
            };
            if let Some(adds) = n("adds_updates") {
                if adds > adds_logged {
                    anomalies.push(format!(
                        "job #{} reports adds_updates: {adds} but {adds_logged} add call{} logged",
                        j.id,
                        if adds_logged == 1 { " is" } else { "s are" }
                    ));
                }
            }
            if let Some(removes) = n("removes") {
                if removes != deletes_logged {
                    anomalies.push(format!(
                        "job #{} reports removes: {removes} but {deletes_logged} successful delete call{} logged",
                        j.id,
                        if deletes_logged == 1 { " is" } else { "s are" }
                    ));
                }
            }
        }
    }
    // A provider log stamped before the door it names was created.
    // (Seed 000 deletes on door 2 a day before seed 001 creates it.)
    for a in trace
        .audit
        .iter()
        .filter(|a| a.entity_type == "Door" && a.action == "create")
    {
        let early = trace
            .logs
            .iter()
            .filter(|l| l.door_id == a.entity_id && l.created_at < a.created_at)
            .count();
        if early > 0 {
            anomalies.push(format!(
                "{early} log{} name door #{} before it was created",
                if early == 1 { "" } else { "s" },
                a.entity_id.unwrap_or_default()
            ));
        }
    }

    let failed_logs = trace.logs.iter().any(crate::intents::failed);
    let job_failed = trace.jobs.iter().any(|j| j.status.is_retryable());
    let job_open = trace
        .jobs
        .iter()
        .any(|j| matches!(j.status, JobStatus::Queued | JobStatus::Running));
    let outcome = if trace.is_empty() {
        Outcome::Empty
    } else if job_failed || (failed_logs && trace.jobs.iter().all(|j| j.status != JobStatus::Done))
    {
        Outcome::Failed
    } else if job_open {
        Outcome::InProgress
    } else {
        Outcome::Ok
    };
    Summary {
        first,
        last,
        outcome,
        groups,
        anomalies,
    }
}
