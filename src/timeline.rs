//! A trace read as the seed page's four sections — what changed, what the
//! system decided, what was sent to locks (grouped by provider and lock), and
//! the full timeline — plus the anomalies the web page never pointed out.
//! Pure: built from a `Trace` and a clock.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};

use std::borrow::Cow;

use crate::store::traces::{JobStatus, LogColumns, LogRow, Trace};

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
        .chain((0..trace.logs.len()).map(|i| trace.logs.created_at(i)))
        .filter(|t| *t != DateTime::<Utc>::MIN_UTC && *t != DateTime::<Utc>::MAX_UTC);
    let first = times.clone().min();
    let last = times.max();

    // Provider → lock key → logs, in first-seen order as the seed page has it
    // (ACCESS_BROKER first when it starts the trace).
    // Read in place: a big trace's logs are compact heads, not rows.
    let logs = &trace.logs;
    let n = logs.len();
    let mut groups: Vec<ProviderGroup> = Vec::new();
    for i in 0..n {
        let provider = logs.provider_type(i).unwrap_or("UNKNOWN");
        let key = logs
            .lock_key(i)
            .map_or_else(|| Cow::Owned(format!("{provider}:unknown")), Cow::Borrowed);
        let pg = match groups.iter().position(|g| g.provider == provider) {
            Some(p) => &mut groups[p],
            None => {
                groups.push(ProviderGroup {
                    provider: provider.to_string(),
                    locks: Vec::new(),
                });
                groups.last_mut().expect("just pushed")
            }
        };
        let lg = match pg.locks.iter().position(|g| g.lock_key == key) {
            Some(p) => &mut pg.locks[p],
            None => {
                pg.locks.push(LockGroup {
                    lock_key: key.into_owned(),
                    door_name: None,
                    logs: Vec::new(),
                    failed: 0,
                });
                pg.locks.last_mut().expect("just pushed")
            }
        };
        if lg.door_name.is_none() {
            lg.door_name = logs.door_name(i).map(str::to_string);
        }
        lg.logs.push(i);
        if crate::intents::failed_at(logs, i) {
            lg.failed += 1;
        }
    }

    let mut anomalies = Vec::new();
    // A row lockdesk could read only in part says so, first.
    let odd_rows = trace
        .audit
        .iter()
        .map(|a| (format!("audit row #{}", a.id), &a.odd[..]))
        .chain(
            trace
                .jobs
                .iter()
                .map(|j| (format!("job #{}", j.id), &j.odd[..])),
        )
        .chain(
            (0..n)
                .filter(|&i| !logs.odd(i).is_empty())
                .map(|i| (format!("log #{}", logs.id(i)), logs.odd(i))),
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
    // Read in place, and said for the first few: a runaway drift job may
    // leave thousands.
    let unsettled = crate::intents::unsettled_at(logs);
    for &i in unsettled.iter().take(UNSETTLED_SHOWN) {
        anomalies.push(format!(
            "interrupted after a change was sent to the provider: log #{} {} has no outcome; the lock's next drift preview settles it",
            logs.id(i),
            logs.action(i)
        ));
    }
    if let Some(more) = unsettled
        .len()
        .checked_sub(UNSETTLED_SHOWN)
        .filter(|&m| m > 0)
    {
        anomalies.push(format!(
            "and {more} more changes interrupted after they were sent to the provider, with no outcome"
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
        let mine: Vec<usize> = (0..n)
            .filter(|&i| logs.reconcile_job_id(i) == Some(j.id))
            .collect();
        // The same provider call repeated within one job.
        let mut seen: BTreeMap<(&str, &str, &str), usize> = BTreeMap::new();
        for &i in mine
            .iter()
            .filter(|&&i| logs.provider_type(i) != Some("ACCESS_BROKER"))
        {
            if let Some(target) = logs.target(i) {
                *seen
                    .entry((logs.action(i), logs.lock_key(i).unwrap_or_default(), target))
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
        let adds_logged = mine
            .iter()
            .filter(|&&i| matches!(logs.action(i), "PASSCODE_ADD" | "LOCK_SHARE") && logs.ok(i))
            .count() as i64;
        let deletes_logged = mine
            .iter()
            .filter(|&&i| matches!(logs.action(i), "PASSCODE_DELETE" | "LOCK_REVOKE") && logs.ok(i))
            .count() as i64;
        let done = mine
            .iter()
            .filter(|&&i| logs.action(i) == "RECONCILE_JOB_DONE");
        // A runaway job's 20,000 done steps would each report: the first
        // `REPORTS_LISTED` are listed, the rest counted in one line.
        let mut reports = 0usize;
        let mut report = |anomalies: &mut Vec<String>, line: String| {
            reports += 1;
            if reports <= REPORTS_LISTED {
                anomalies.push(line);
            }
        };
        for l in done.filter_map(|&i| logs.get(i)) {
            let summary = l.facts.summary.as_ref();
            let n = |k: &str| {
                summary
                    .and_then(|s| s.get(k))
                    .and_then(serde_json::Value::as_i64)
            };
            if let Some(adds) = n("adds_updates") {
                if adds > adds_logged {
                    report(
                        &mut anomalies,
                        format!(
                            "job #{} reports adds_updates: {adds} but {adds_logged} add call{} logged",
                            j.id,
                            if adds_logged == 1 { " is" } else { "s are" }
                        ),
                    );
                }
            }
            if let Some(removes) = n("removes") {
                if removes != deletes_logged {
                    report(
                        &mut anomalies,
                        format!(
                            "job #{} reports removes: {removes} but {deletes_logged} successful delete call{} logged",
                            j.id,
                            if deletes_logged == 1 { " is" } else { "s are" }
                        ),
                    );
                }
            }
        }
        if let Some(more) = reports.checked_sub(REPORTS_LISTED).filter(|&m| m > 0) {
            anomalies.push(format!(
                "job #{} has {more} more reports like these from its done steps, not listed (the first {REPORTS_LISTED} are)",
                j.id
            ));
        }
    }
    // A provider log stamped before the door it names was created.
    // (Seed 000 deletes on door 2 a day before seed 001 creates it.)
    for a in trace
        .audit
        .iter()
        .filter(|a| a.entity_type == "Door" && a.action == "create")
    {
        let early = (0..n)
            .filter(|&i| logs.door_id(i) == a.entity_id && logs.created_at(i) < a.created_at)
            .count();
        if early > 0 {
            anomalies.push(format!(
                "{early} log{} name door #{} before it was created",
                if early == 1 { "" } else { "s" },
                a.entity_id.unwrap_or_default()
            ));
        }
    }

    anomalies.extend(lock_clock_findings(trace));
    anomalies.extend(done_after_failure(trace));
    anomalies.extend(pin_after_revocation(trace));

    let failed_logs = (0..n).any(|i| crate::intents::failed_at(logs, i));
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

/// How many interrupted changes a trace's findings name one by one.
pub const UNSETTLED_SHOWN: usize = 20;

/// A lock's clock further than this from the broker's is flagged (the lock
/// pane warns at the same).
pub const CLOCK_SKEW_SECS: i64 = 60;

/// How many of a job's done steps' reports that differ from its logged
/// calls are listed; past it they are counted in one line (a runaway job's
/// 20,000 done steps made 40,000 lines, ~6 MiB held).
pub const REPORTS_LISTED: usize = 20;

/// How far a lock's clock is from the broker's, by one log: a TTLock
/// `queryDate` answer against the log's time, or the median of the lock
/// records' `lockDate − serverDate` in a record listing. Needs the payloads
/// (a big trace's heads have none: nothing is said for them).
pub fn lock_clock_skew(l: &LogRow) -> Option<Duration> {
    let resp = l.response_json.as_ref()?;
    let path = l
        .request_json
        .as_ref()
        .and_then(|r| r.get("path"))
        .and_then(|p| p.as_str());
    if path.is_some_and(|p| p.ends_with("/lock/queryDate")) {
        let date = resp.get("date")?.as_i64()?;
        let at = l.created_at.timestamp_millis();
        return Duration::try_milliseconds(date.checked_sub(at)?);
    }
    let mut diffs: Vec<i64> = resp
        .get("list")?
        .as_array()?
        .iter()
        .filter_map(|r| {
            r.get("lockDate")?
                .as_i64()?
                .checked_sub(r.get("serverDate")?.as_i64()?)
        })
        .collect();
    diffs.sort_unstable();
    Duration::try_milliseconds(*diffs.get(diffs.len() / 2)?)
}

fn lock_clock_findings(trace: &Trace) -> Vec<String> {
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    // Only a log with its payloads can say (a big trace's heads have none).
    let logs = &trace.logs;
    let whole = (0..logs.len()).filter(|&i| !logs.detached(i));
    for l in whole.filter_map(|i| logs.get(i)) {
        let Some(skew) = lock_clock_skew(&l).filter(|d| d.num_seconds().abs() > CLOCK_SKEW_SECS)
        else {
            continue;
        };
        let lock = l.lock_key.clone().unwrap_or_else(|| "a lock".into());
        if seen.insert(lock.clone()) {
            let (dir, by) = if skew > Duration::zero() {
                ("ahead of", skew)
            } else {
                ("behind", -skew)
            };
            out.push(format!(
                "the clock of {lock} is {} {dir} the broker's (log #{}): its own records' times are off by as much",
                crate::timefmt::age(by),
                l.id
            ));
        }
    }
    out
}

/// Jobs marked done in a run (START…DONE) that had a failed provider call.
/// The runs as `groups::why::attempts` cuts them, walked in place: a
/// runaway job's 100,000 logs are not copied to be cut.
fn done_after_failure(trace: &Trace) -> Vec<String> {
    let logs = &trace.logs;
    let mut out = Vec::new();
    for j in &trace.jobs {
        // In a run (after a START, before its end): its first failed
        // provider call.
        let mut run: Option<Option<usize>> = None;
        for i in (0..logs.len()).filter(|&i| logs.reconcile_job_id(i) == Some(j.id)) {
            let action = logs.action(i);
            if action.ends_with("_JOB_START") {
                run = Some(None);
            } else if let Some(first_failed) = run.as_mut() {
                if action.ends_with("_JOB_DONE") || action.ends_with("_JOB_FAILED") {
                    let done = action.ends_with("_JOB_DONE");
                    if let (true, Some(f)) = (done, *first_failed) {
                        out.push(done_after(j.id, logs, f));
                    }
                    run = None;
                } else if first_failed.is_none()
                    && crate::intents::failed_at(logs, i)
                    && logs.provider_type(i) != Some("ACCESS_BROKER")
                {
                    *first_failed = Some(i);
                }
            }
        }
    }
    out
}

fn done_after(job: i64, logs: &crate::store::traces::Logs, f: usize) -> String {
    let err = logs.error_message(f).map_or_else(String::new, |e| {
        format!(
            ": {}",
            crate::groups::fingerprint::explained(logs.provider_type(f), e)
        )
    });
    format!(
        "job #{job} was marked done after a failed provider step in the same run: log #{} {} on {}{err}",
        logs.id(f),
        logs.action(f),
        logs.lock_key(f).unwrap_or("?")
    )
}

/// The user an audit row revokes access of, and when.
fn revocation(a: &crate::store::traces::AuditRow) -> Option<i64> {
    if !matches!(
        a.entity_type.as_str(),
        "UserAccessLevel" | "Credential" | "User"
    ) {
        return None;
    }
    let after = a.after_json.as_ref();
    let status = after.and_then(|v| v.get("status")).and_then(|s| s.as_str());
    let revoked = a.action == "delete"
        || status.is_some_and(|s| {
            matches!(
                s,
                "revoked" | "inactive" | "suspended" | "deleted" | "disabled"
            )
        });
    if !revoked {
        return None;
    }
    let user = |v: Option<&serde_json::Value>| {
        v.and_then(|v| v.get("user_id"))
            .and_then(serde_json::Value::as_i64)
    };
    match a.entity_type.as_str() {
        "User" => a.entity_id,
        _ => user(after).or(user(a.before_json.as_ref())),
    }
}

/// A PIN added for a user whose access this trace revokes, with the order
/// of changes and calls disagreeing: added after the revocation, or before
/// it with no removal sent after it.
fn pin_after_revocation(trace: &Trace) -> Vec<String> {
    let logs = &trace.logs;
    let mut out = Vec::new();
    for a in &trace.audit {
        let Some(user) = revocation(a) else { continue };
        let jobs: Vec<i64> = trace
            .jobs
            .iter()
            .filter(|j| j.user_id == user)
            .map(|j| j.id)
            .collect();
        let of_user =
            |i: &usize| logs.reconcile_job_id(*i).is_some_and(|j| jobs.contains(&j)) && logs.ok(*i);
        let adds = (0..logs.len()).filter(of_user).filter(|&i| {
            matches!(
                logs.action(i),
                "PASSCODE_ADD" | "LOCK_SHARE" | "DRIFT_ENFORCE_ADD_PIN"
            )
        });
        for add in adds {
            let (add_lock, add_at) = (logs.lock_key(add), logs.created_at(add));
            let lock = add_lock.unwrap_or("?");
            let removed_after = |t: DateTime<Utc>| {
                (0..logs.len()).filter(of_user).any(|i| {
                    logs.created_at(i) > t
                        && logs.lock_key(i) == add_lock
                        && matches!(
                            logs.action(i),
                            "PASSCODE_DELETE" | "LOCK_REVOKE" | "DRIFT_ENFORCE_DELETE_PIN"
                        )
                })
            };
            if add_at > a.created_at && !removed_after(add_at) {
                out.push(format!(
                    "a PIN was added for user {user} on {lock} (log #{}) after their access was revoked (audit row #{}), and nothing here removes it",
                    logs.id(add), a.id
                ));
            } else if add_at <= a.created_at && !removed_after(a.created_at) {
                out.push(format!(
                    "a PIN was added for user {user} on {lock} (log #{}) and their access was revoked later (audit row #{}), with no removal sent after it",
                    logs.id(add), a.id
                ));
            }
        }
    }
    out
}

#[cfg(test)]
#[path = "timeline_tests.rs"]
mod tests;
