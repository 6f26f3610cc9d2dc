//! One sentence saying why a failed, dead, stuck or interrupted job is where
//! it is, built from its rows only; and its attempts (one per START…DONE or
//! FAILED run, with the calls in it). Pure.

use std::ops::Range;

use chrono::{DateTime, Duration, Utc};

use super::fingerprint::{Code, FailedStep, Fingerprint};
use crate::store::traces::{JobRow, LogColumns, LogRow};

/// One run of a job: its START, the steps and calls after it, its end.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt<'a> {
    pub start: Option<&'a LogRow>,
    pub calls: Vec<&'a LogRow>,
    pub end: Option<&'a LogRow>,
}

impl<'a> Attempt<'a> {
    /// The step that failed it: its last failed provider call, else its
    /// failed end (or last failed step).
    pub fn failure(&self) -> Option<&'a LogRow> {
        let failed = |l: &&&LogRow| crate::intents::failed(l);
        self.calls
            .iter()
            .filter(failed)
            .rfind(|l| l.provider_type.as_deref() != Some("ACCESS_BROKER"))
            .or_else(|| self.calls.iter().rfind(failed))
            .copied()
            .or(self.end.filter(|e| crate::intents::failed(e)))
    }

    pub fn failed(&self) -> bool {
        self.end.is_some_and(|e| e.action.ends_with("_JOB_FAILED")) || self.failure().is_some()
    }
}

/// A job's logs (time order) cut into attempts; steps before the first
/// START (the enqueue) belong to none.
pub fn attempts(logs: &[LogRow]) -> Vec<Attempt<'_>> {
    runs(logs)
        .into_iter()
        .map(|r| Attempt {
            start: Some(&logs[r.start]),
            calls: logs[r.calls].iter().collect(),
            end: r.end.map(|e| &logs[e]),
        })
        .collect()
}

/// An attempt as indices into the job's logs: a runaway job's 20,000 runs
/// are cut without building its logs as rows.
#[derive(Debug, Clone, PartialEq)]
struct Run {
    start: usize,
    /// The logs after the START, up to its end or the next START.
    calls: Range<usize>,
    end: Option<usize>,
}

impl Run {
    /// `Attempt::failure`, read in place.
    fn failure<L: LogColumns + ?Sized>(&self, logs: &L) -> Option<usize> {
        let failed = |i: &usize| crate::intents::failed_at(logs, *i);
        self.calls
            .clone()
            .filter(failed)
            .rfind(|&i| logs.provider_type(i) != Some("ACCESS_BROKER"))
            .or_else(|| self.calls.clone().rfind(failed))
            .or(self.end.filter(failed))
    }
}

/// `attempts`, read in place.
fn runs<L: LogColumns + ?Sized>(logs: &L) -> Vec<Run> {
    let mut out: Vec<Run> = Vec::new();
    for i in 0..logs.count() {
        let action = logs.action(i);
        if action.ends_with("_JOB_START") {
            out.push(Run {
                start: i,
                calls: i + 1..i + 1,
                end: None,
            });
        } else if let Some(r) = out.last_mut().filter(|r| r.end.is_none()) {
            if action.ends_with("_JOB_DONE") || action.ends_with("_JOB_FAILED") {
                r.end = Some(i);
            } else {
                r.calls.end = i + 1;
            }
        }
    }
    out
}

/// The fingerprints of a job's failed attempts as the sentence reads them,
/// kept as they come (one per attempt, a runaway job's 20,000 not held):
/// how many, the last, and the first four changes between them.
#[derive(Default)]
struct Failures {
    count: usize,
    last: Option<Fingerprint>,
    /// Each fingerprint that differs from the one before it (the first
    /// four), and how many there were.
    changes: Vec<Fingerprint>,
    changed: usize,
}

impl Failures {
    fn push(&mut self, f: Fingerprint) {
        self.count += 1;
        if self.last.as_ref() != Some(&f) {
            self.changed += 1;
            if self.changes.len() < 4 {
                self.changes.push(f.clone());
            }
        }
        self.last = Some(f);
    }
}

/// The fingerprint facts of one log row (its payloads read for the code).
pub fn step_of(l: &LogRow) -> FailedStep {
    let resp = l.response_json.as_ref();
    let get = |k: &str| resp.and_then(|r| r.get(k));
    let int = |k: &str| get(k).and_then(|v| v.as_i64().or_else(|| v.as_str()?.trim().parse().ok()));
    FailedStep {
        provider: l.provider_type.clone(),
        action: Some(l.action.clone()),
        error: l.error_message.clone(),
        errcode: int("errcode"),
        http_status: int("http_status"),
        provider_message: get("errmsg")
            .or_else(|| resp.and_then(|r| r.pointer("/body/message")))
            .and_then(|v| v.as_str())
            .map(str::to_string),
        lock_key: l.lock_key.clone(),
        door_name: l.door_name.clone(),
    }
}

/// What else the sentence is built from, apart from the job's rows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Context {
    pub now: DateTime<Utc>,
    pub stuck_after: Duration,
    /// The median duration of the type's last done jobs; `None` with no history.
    pub typical: Option<Duration>,
    /// For a drift job: whether a session holds its lock's advisory lock
    /// (read on the primary); `None` when not known.
    pub lock_held: Option<bool>,
}

/// A duration in words: `40 s`, `12 min`, `3 h`, `2 h 10 min`, `2 d`.
pub fn words(d: Duration) -> String {
    let s = d.num_seconds().max(0);
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min", s / 60),
        3600..86_400 if (s % 3600) / 60 == 0 => format!("{} h", s / 3600),
        3600..86_400 => format!("{} h {} min", s / 3600, (s % 3600) / 60),
        _ => format!("{} d", s / 86_400),
    }
}

/// `15:42 UTC (in 12 min)`.
fn when(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let d = t.signed_duration_since(now);
    let rel = if d >= Duration::zero() {
        format!("in {}", words(d))
    } else {
        format!("{} ago", words(-d))
    };
    format!("{} UTC ({rel})", t.format("%H:%M"))
}

/// `TTLock -3002 'gateway offline' on PASSCODE_ADD`.
fn error_phrase(fp: &Fingerprint) -> String {
    let provider = match fp.provider.as_str() {
        "TTLOCK" => "TTLock",
        "DOORDECK" => "Doordeck",
        "ACCESS_BROKER" | "" => "",
        other => other,
    };
    let code = match fp.code {
        Some(Code::Errcode(c)) => c.to_string(),
        Some(Code::Http(s)) => s.to_string(),
        None => String::new(),
    };
    let said = fp
        .meaning()
        .map_or_else(|| fp.message.clone(), str::to_string);
    let head = [provider, code.as_str()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let mut s = head;
    if !said.is_empty() {
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(&format!("'{said}'"));
    }
    if s.is_empty() {
        s.push_str("an error");
    }
    format!("{s} on {}", fp.action)
}

/// What kind of refusal a provider code is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Credentials,
    Offline,
    Busy,
    RateLimited,
    Other,
}

fn kind(code: Option<Code>) -> Kind {
    match code {
        Some(Code::Errcode(10001 | 10003 | 10004 | 10007 | 10011) | Code::Http(401)) => {
            Kind::Credentials
        }
        Some(Code::Errcode(-3002 | -2012 | -3036 | -3034 | -3035) | Code::Http(503 | 504)) => {
            Kind::Offline
        }
        Some(Code::Errcode(-3003 | -3037) | Code::Http(425)) => Kind::Busy,
        Some(Code::Errcode(30006 | 30007) | Code::Http(429)) => Kind::RateLimited,
        _ => Kind::Other,
    }
}

/// What happens next to a failed or dead job.
fn outlook(job: &JobRow, now: DateTime<Utc>) -> String {
    if job.status == "dead" {
        return "nothing will retry it".into();
    }
    match job.next_run_at {
        Some(t) if t > now => format!("it retries at {}", when(t, now)),
        Some(t) => format!(
            "its retry was due at {} and no worker has taken it",
            when(t, now)
        ),
        None => "no retry is scheduled".into(),
    }
}

const DRIFT: &str = "drift_enforce_lock_truth";

/// The sentence, or `None` for a job that is not in trouble. `logs` are
/// the job's (rows, or a big trace's heads read in place: `Subset`).
pub fn why<L: LogColumns + ?Sized>(job: &JobRow, logs: &L, cx: &Context) -> Option<String> {
    let now = cx.now;
    let count = logs.count();
    let runs = runs(logs);
    let lock = (0..count)
        .rev()
        .filter_map(|i| logs.lock_key(i))
        .find(|k| !k.ends_with(":unknown"));
    let on_lock = lock.map_or_else(String::new, |k| format!(" on {k}"));
    if let Some(&i) = crate::intents::unsettled_at(logs).first() {
        return Some(format!(
            "Interrupted after a change was sent to the provider: {} (log #{}){on_lock} has no outcome logged; the lock's next drift preview settles it.",
            logs.action(i),
            logs.id(i)
        ));
    }
    if job.status == "running" {
        let last = (0..count)
            .map(|i| logs.created_at(i))
            .max()
            .unwrap_or(job.updated_at);
        let quiet = now.signed_duration_since(last.max(job.updated_at));
        let ran = now.signed_duration_since(job.created_at);
        let (limit, against) = match cx.typical {
            Some(t) => (
                t.checked_mul(3).unwrap_or(Duration::MAX),
                format!("over 3× the usual {} of its type", words(t)),
            ),
            None => (
                cx.stuck_after,
                format!(
                    "over the {} stuck threshold (no done job of its type to compare)",
                    words(cx.stuck_after)
                ),
            ),
        };
        if quiet <= limit.max(cx.stuck_after) {
            return None;
        }
        let what = if job.job_type == DRIFT {
            "drift enforcement".to_string()
        } else {
            job.job_type.clone()
        };
        let since = if count == 0 {
            "no log at all".to_string()
        } else {
            format!("no log for {}", words(quiet))
        };
        let holder = match (job.job_type == DRIFT, cx.lock_held) {
            (true, Some(false)) => ", no session holds its lock".to_string(),
            (true, Some(true)) => ", a session still holds its lock".to_string(),
            _ => String::new(),
        };
        return Some(format!(
            "Stuck: {what} started {} ago{on_lock}, {since}, {against}{holder}.",
            words(ran)
        ));
    }
    if !job.status.is_retryable() {
        return None;
    }
    let head = if job.status == "dead" {
        "Dead"
    } else {
        "Failed"
    };
    let outlook = outlook(job, now);
    // Only a failed step is built as a row (its payloads give the code).
    let mut fps = Failures::default();
    for i in runs.iter().filter_map(|r| r.failure(logs)) {
        fps.push(Fingerprint::of_step(&step_of(&logs.row(i))));
    }
    let last_fp = fps
        .last
        .clone()
        .unwrap_or_else(|| Fingerprint::of_job(&job.job_type, job.last_error.as_deref()));
    // The provider took the change; the broker failed to record it.
    if let Some(last) = runs.last() {
        let provider_calls: Vec<usize> = last
            .calls
            .clone()
            .filter(|&i| logs.provider_type(i).is_some_and(|p| p != "ACCESS_BROKER"))
            .collect();
        let failure = last.failure(logs);
        let broker_failed = failure.is_some_and(|f| logs.provider_type(f) == Some("ACCESS_BROKER"));
        if !provider_calls.is_empty() && provider_calls.iter().all(|&i| logs.ok(i)) && broker_failed
        {
            let err = failure
                .and_then(|f| logs.error_message(f))
                .map_or_else(String::new, |e| {
                    format!(" ('{}')", super::fingerprint::normalise(e, &[]))
                });
            return Some(format!(
                "{head} although its last attempt succeeded at the provider: {} call{} went through, then recording the result failed{err}; the change is on the lock, so check it before a retry sends it again; {outlook}.",
                provider_calls.len(),
                if provider_calls.len() == 1 { "" } else { "s" }
            ));
        }
    }
    let n = usize::try_from(job.attempt_count)
        .unwrap_or(0)
        .max(runs.len());
    let over = match (
        runs.first().map(|r| r.start),
        runs.last()
            .and_then(|r| r.end.or(r.calls.clone().next_back())),
    ) {
        (Some(a), Some(b)) if logs.created_at(b) > logs.created_at(a) => {
            format!(" over {}", words(logs.created_at(b) - logs.created_at(a)))
        }
        _ => String::new(),
    };
    if fps.count >= 2 && fps.changed == 1 {
        return Some(format!(
            "{head} after {n} attempts{over}: {} each time; {outlook}.",
            error_phrase(&last_fp)
        ));
    }
    if fps.count >= 2 {
        let list: Vec<String> = fps.changes.iter().map(error_phrase).collect();
        return Some(format!(
            "{head} after {n} attempts{over}, failing differently: {}; {outlook}.",
            list.join(", then ")
        ));
    }
    let err = error_phrase(&last_fp);
    let at = lock.map_or_else(String::new, |k| format!(" at {k}"));
    Some(match kind(last_fp.code) {
        Kind::Credentials => format!(
            "{head}: the provider refused the account's credentials ({err}); no retry can succeed until the customer's token or password is renewed; {outlook}."
        ),
        Kind::Offline => format!(
            "{head}: the device was offline ({err}{at}); a retry succeeds only once it is back online; {outlook}."
        ),
        Kind::Busy => format!(
            "{head}: the device was busy ({err}{at}), which passes; a retry should succeed; {outlook}."
        ),
        Kind::RateLimited => format!(
            "{head}: rate-limited by the provider ({err}); retries succeed once the limit resets; {outlook}."
        ),
        Kind::Other => match job
            .next_run_at
            .filter(|t| *t > now && job.status == "failed")
        {
            Some(t) => format!(
                "{head}, waiting for its next run at {}: {err}.",
                when(t, now)
            ),
            None => format!("{head}: {err}; {outlook}."),
        },
    })
}

#[cfg(test)]
#[path = "why_tests.rs"]
mod tests;
