//! The console's side of the changes on production (retry, cancel, retry
//! all, drift): what each key does where the operator is, and what comes back. Still no I/O: everything leaves as a
//! `Cmd` and comes back as a `Msg`.

use chrono::{DateTime, Utc};

use crate::app::{App, Cmd, Dialog, DriftDialog, HoldView, Level, Selected, TextScope};
use crate::engine::plan::{Mode, Plan};
use crate::engine::{JobChange, Refused};
use crate::keys::Action;
use crate::store::queries::JobFilter;
use crate::store::traces::{JobRow, JobStatus};

/// A request to the engine, carried by `Cmd::Act`.
#[derive(Debug, Clone, PartialEq)]
pub enum ActRequest {
    Retry {
        job: i64,
        status: String,
        updated: DateTime<Utc>,
        /// The operator typed `override` in the refusal dialog.
        overriding: bool,
    },
    Cancel {
        job: i64,
        status: String,
        updated: DateTime<Utc>,
    },
    /// How many failed or dead jobs match (for the typed confirmation).
    CountRetryable {
        filter: JobFilter,
        now: DateTime<Utc>,
    },
    /// Exactly the jobs the confirmation listed (id, status, updated_at),
    /// each retried under its own guard.
    RetryAll {
        jobs: Vec<(i64, String, DateTime<Utc>)>,
    },
    /// An error group's failed and dead jobs as the confirmation listed
    /// them, each retried under its own guard.
    RetryGroup {
        fingerprint: String,
        guards: Vec<crate::engine::jobs::RetryGuard>,
        /// `override` typed after a summary that skipped offline devices.
        overriding: bool,
    },
    DriftPreview {
        door: i64,
        mode: Mode,
        /// The console's clock (so a pinned clock gives a reproducible plan).
        now: DateTime<Utc>,
    },
    DriftRun {
        door: i64,
        mode: Mode,
        plan: Box<Plan>,
        /// `override` typed after a refusal (instead of the door's name).
        overriding: bool,
    },
    DriftEnqueue {
        door: i64,
        mode: Mode,
    },
}

impl ActRequest {
    /// Whether it may change the database (a drift preview may: it writes
    /// the outcome of an interrupted change it settles).
    pub fn writes(&self) -> bool {
        !matches!(self, ActRequest::CountRetryable { .. })
    }

    /// Whether it is a change the operator asked for, which only write mode
    /// sends. (A preview is a look: it settles interrupted changes only in
    /// write mode, the engine decides that from the operator.)
    pub fn is_change(&self) -> bool {
        !matches!(
            self,
            ActRequest::CountRetryable { .. } | ActRequest::DriftPreview { .. }
        )
    }
}

/// A drift plan as the dialog shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct PreviewView {
    pub door_id: i64,
    pub door_name: String,
    pub lock_key: String,
    pub plan: Result<Plan, String>,
    pub reachable: Result<(), String>,
    /// Changes a dead run sent without logging their outcome, and what
    /// this preview did about them.
    pub interrupted: Vec<String>,
    /// Where the lock's facts come from and how old they are
    /// (`Preview.facts`).
    pub facts: String,
}

/// A job retry-all would retry: id, status and `updated_at` as listed.
pub type RetryableJob = (i64, String, DateTime<Utc>);

#[derive(Debug, Clone, PartialEq)]
pub enum ActResult {
    Job(Result<JobChange, Refused>),
    /// The retryable jobs, and whether more matched than the cap.
    Count(Result<(Vec<RetryableJob>, bool), String>),
    RetriedAll(Result<(usize, usize), String>),
    /// A retry-all that skipped jobs for a refused device: the summary and
    /// the skipped jobs' guards (typing `override` retries exactly those).
    RetriedAllSkipped(
        crate::engine::jobs::RetrySummary,
        Vec<crate::engine::jobs::RetryGuard>,
    ),
    /// What a group retry did: retried, changed meanwhile, failed.
    RetriedGroup(crate::engine::jobs::RetrySummary),
    Preview(Result<PreviewView, String>),
    /// A finished run: a message, and the plan of what drift remains.
    Enforced(Result<(String, Option<Plan>), String>),
    /// The lock changed since the plan was shown: here is the new one.
    PlanChanged(Box<Plan>),
    Enqueued(Result<i64, String>),
    /// The checks held it (`engine::Gated::Held`): nothing was changed.
    Held(HoldView),
    /// The action's task failed inside lockdesk (a panic): nothing waits for it.
    Failed(String),
}

impl ActRequest {
    /// The action in the words a failure message uses.
    pub fn what(&self) -> String {
        match self {
            ActRequest::Retry { job, .. } => format!("retrying job #{job}"),
            ActRequest::Cancel { job, .. } => format!("cancelling job #{job}"),
            ActRequest::CountRetryable { .. } => "counting the jobs to retry".into(),
            ActRequest::RetryAll { jobs } => format!("retrying {} jobs", jobs.len()),
            ActRequest::RetryGroup { guards, .. } => {
                format!("retrying the {} jobs of the group", guards.len())
            }
            ActRequest::DriftPreview { door, .. } => format!("the drift plan of door #{door}"),
            ActRequest::DriftRun { door, .. } => format!("drift enforcement on door #{door}"),
            ActRequest::DriftEnqueue { door, .. } => {
                format!("queueing drift enforcement on door #{door}")
            }
        }
    }
}

impl App {
    pub(crate) fn act_cmd(&mut self, req: ActRequest) -> Vec<Cmd> {
        // The client refuses first; Postgres is the second guard.
        if req.is_change() && self.refuse_read_only() {
            return Vec::new();
        }
        if let ActRequest::Retry { job, .. } | ActRequest::Cancel { job, .. } = &req {
            self.pin_on_press(*job);
        }
        let id = self.requests.act();
        vec![Cmd::Act {
            id,
            op: self.operator(),
            req,
        }]
    }

    /// The job the operator means: the selected row of the queue, or the
    /// selected job of a trace.
    pub(crate) fn target_job(&self) -> Option<JobRow> {
        match self.selected()? {
            Selected::Job(j) => Some(j),
            _ => None,
        }
    }

    pub(crate) fn operate(&mut self, action: Action) -> Vec<Cmd> {
        match action {
            Action::Retry => self.retry(),
            Action::CancelJob => match self.target_job() {
                Some(_) if self.refuse_read_only() => Vec::new(),
                Some(j) if matches!(j.status, JobStatus::Queued | JobStatus::Failed) => {
                    // A cancelled job cannot be retried: ask first.
                    self.popups.dialog = Some(Dialog::Cancel { job: j });
                    Vec::new()
                }
                Some(j) => {
                    self.say(
                        Level::Info,
                        format!(
                            "job #{} is {}: only queued or failed jobs can be cancelled",
                            j.id, j.status
                        ),
                    );
                    Vec::new()
                }
                None => {
                    self.say(Level::Info, "select a job first");
                    Vec::new()
                }
            },
            Action::RetryAll if self.groups_view() => self.retry_group(),
            Action::RetryAll => {
                if !self.pane.retries_all() || self.refuse_read_only() {
                    return Vec::new();
                }
                if !self.panes.jobs.text.is_empty() {
                    // A text filter narrows what is seen: retry exactly the
                    // failed and dead rows it shows, never the hidden ones.
                    let jobs: Vec<RetryableJob> = self
                        .panes
                        .jobs
                        .visible()
                        .into_iter()
                        .map(|i| &self.panes.jobs.rows[i])
                        .filter(|j| j.status.is_retryable())
                        .map(|j| (j.id, j.status.to_string(), j.updated_at))
                        .collect();
                    let window = self.panes.jobs.more_below || self.panes.jobs.more_above;
                    self.popups.dialog = Some(Dialog::RetryAll {
                        filter: self.panes.jobs.filter.clone(),
                        jobs: Some(jobs),
                        more: false,
                        typed: String::new(),
                        text: Some(TextScope {
                            text: self.panes.jobs.text.clone(),
                            loaded: self.panes.jobs.rows.len(),
                            more_beyond: window,
                        }),
                    });
                    return Vec::new();
                }
                self.popups.dialog = Some(Dialog::RetryAll {
                    filter: self.panes.jobs.filter.clone(),
                    jobs: None,
                    more: false,
                    typed: String::new(),
                    text: None,
                });
                let filter = self.panes.jobs.filter.clone();
                let now = self.now();
                self.act_cmd(ActRequest::CountRetryable { filter, now })
            }
            Action::Drift => {
                if let Some(why) = &self.session.drift_disabled {
                    let why = why.clone();
                    self.say(Level::Warn, why);
                    return Vec::new();
                }
                let Some(door) = self.target_door() else {
                    self.say(
                        Level::Info,
                        "open a lock (:door 2) or select a log on a door, then press the drift key",
                    );
                    return Vec::new();
                };
                let name = self
                    .doors
                    .iter()
                    .find(|d| d.id == door)
                    .map_or_else(|| format!("door {door}"), |d| d.name.clone());
                let mode = self.write.default_mode();
                self.popups.dialog = Some(Dialog::Drift(Box::new(DriftDialog {
                    door_id: door,
                    door_name: name,
                    mode,
                    preview: None,
                    typed: String::new(),
                    running: false,
                    outcome: None,
                    remaining: None,
                    error: None,
                    hold: None,
                })));
                self.act_cmd(ActRequest::DriftPreview {
                    door,
                    mode,
                    now: self.now(),
                })
            }
            Action::ToggleMode => match &mut self.popups.dialog {
                Some(Dialog::Drift(d)) if !d.running => {
                    d.mode = d.mode.toggled();
                    d.preview = None;
                    d.typed.clear();
                    let (door, mode) = (d.door_id, d.mode);
                    self.act_cmd(ActRequest::DriftPreview {
                        door,
                        mode,
                        now: self.now(),
                    })
                }
                _ => Vec::new(),
            },
            Action::Enqueue => match &self.popups.dialog {
                Some(Dialog::Drift(d)) if !d.running && !self.can_write() => {
                    self.refuse_in_drift_dialog();
                    Vec::new()
                }
                Some(Dialog::Drift(d)) if !d.running => {
                    let (door, mode) = (d.door_id, d.mode);
                    self.act_cmd(ActRequest::DriftEnqueue { door, mode })
                }
                _ => Vec::new(),
            },
            Action::Copy | Action::CopyAll | Action::CopyCurl | Action::CopyMarkdown => {
                self.copy(action)
            }
            _ => Vec::new(),
        }
    }

    pub(crate) fn retry(&mut self) -> Vec<Cmd> {
        let Some(j) = self.target_job() else {
            self.say(Level::Info, "select a job first");
            return Vec::new();
        };
        match &j.status {
            JobStatus::Failed | JobStatus::Dead if self.refuse_read_only() => Vec::new(),
            JobStatus::Running if self.is_stuck(&j) && self.refuse_read_only() => Vec::new(),
            JobStatus::Failed | JobStatus::Dead => {
                let req = ActRequest::Retry {
                    job: j.id,
                    status: j.status.to_string(),
                    updated: j.updated_at,
                    overriding: false,
                };
                self.act_cmd(req)
            }
            JobStatus::Running if self.is_stuck(&j) => {
                self.popups.dialog = Some(Dialog::RetryStuck {
                    job: j,
                    typed: String::new(),
                });
                Vec::new()
            }
            JobStatus::Running => {
                let ago = crate::timefmt::age(self.now() - j.updated_at);
                self.say(
                    Level::Info,
                    format!(
                        "job #{} is running and was updated {ago} ago: a worker has it",
                        j.id
                    ),
                );
                Vec::new()
            }
            JobStatus::Queued => {
                let when = j
                    .next_run_at
                    .map_or("now".into(), |t| crate::timefmt::relative(&t, &self.now()));
                self.say(
                    Level::Info,
                    format!(
                        "job #{} is already queued (next run {when}): nothing to retry",
                        j.id
                    ),
                );
                Vec::new()
            }
            JobStatus::Done => {
                self.say(Level::Info, format!("job #{} is done: nothing to retry. To push the lock again, use drift enforcement", j.id));
                Vec::new()
            }
            other => {
                self.say(
                    Level::Info,
                    format!(
                        "job #{} is {other}: only failed, dead or stuck jobs are retried",
                        j.id
                    ),
                );
                Vec::new()
            }
        }
    }

    pub(crate) fn acted(&mut self, _id: u64, result: ActResult) -> Vec<Cmd> {
        self.requests.acted();
        let mut refresh = true;
        match result {
            ActResult::Job(Ok(JobChange::Done { job, status })) => {
                self.pin_acted_on(job, &status);
                self.say(Level::Info, format!("job #{job} is now {status}"))
            }
            ActResult::Job(Ok(JobChange::Changed { job, now })) => {
                self.pin_acted_on(job, &now);
                self.say(
                    Level::Warn,
                    format!("job #{job} changed meanwhile (it is {now} now): nothing was done"),
                )
            }
            ActResult::Job(Err(e)) => self.say(Level::Error, e.0),
            ActResult::Count(r) => {
                refresh = false;
                match (r, &mut self.popups.dialog) {
                    (
                        Ok((jobs, capped)),
                        Some(Dialog::RetryAll {
                            jobs: slot, more, ..
                        }),
                    ) => {
                        *slot = Some(jobs);
                        *more = capped;
                    }
                    (Err(e), _) => {
                        self.popups.dialog = None;
                        self.say(Level::Error, e);
                    }
                    _ => {}
                }
            }
            ActResult::RetriedAll(Ok((done, changed))) => {
                self.say(Level::Info, format!("{done} jobs re-enqueued; {changed} had changed meanwhile and were left alone"));
            }
            ActResult::RetriedAllSkipped(sum, skipped) => self.retried_all_skipped(sum, skipped),
            ActResult::RetriedGroup(sum) => {
                let line = sum.line();
                let level = if sum.failed.is_empty() && sum.changed.is_empty() {
                    Level::Info
                } else {
                    Level::Warn
                };
                if let Some(Dialog::RetryGroup(d)) = &mut self.popups.dialog {
                    d.running = false;
                    d.typed.clear();
                    d.skipped = d
                        .guards
                        .iter()
                        .filter(|g| sum.skipped.iter().any(|s| s.0 == g.job))
                        .cloned()
                        .collect();
                    d.outcome = Some(if d.skipped.is_empty() {
                        line.clone()
                    } else {
                        format!(
                            "{line} — type `{}` and Enter to retry the {} skipped anyway",
                            super::OVERRIDE_WORD,
                            d.skipped.len()
                        )
                    });
                }
                self.say(level, format!("group retry: {line}"));
            }
            ActResult::RetriedAll(Err(e)) | ActResult::Enqueued(Err(e)) => {
                self.say(Level::Error, e)
            }
            ActResult::Held(h) => {
                refresh = false;
                self.held(h);
            }
            ActResult::Failed(e) => {
                match &mut self.popups.dialog {
                    Some(Dialog::Drift(d)) => {
                        d.running = false;
                        d.typed.clear();
                        d.error = Some(e.clone());
                    }
                    Some(Dialog::RetryAll { jobs: None, .. }) => self.popups.dialog = None,
                    Some(Dialog::RetryGroup(d)) => {
                        d.running = false;
                        d.outcome = Some(format!("failed: {e}"));
                    }
                    _ => {}
                }
                self.say(Level::Error, e);
            }
            ActResult::Enqueued(Ok(job)) => {
                self.popups.dialog = None;
                self.say(
                    Level::Info,
                    format!("drift enforcement queued as job #{job}: the worker will run it"),
                );
            }
            ActResult::Preview(r) => {
                refresh = false;
                if let Some(Dialog::Drift(d)) = &mut self.popups.dialog {
                    match r {
                        Ok(p)
                            if p.door_id == d.door_id
                                && p.plan.as_ref().map_or(true, |x| x.input.mode == d.mode) =>
                        {
                            d.preview = Some(p)
                        }
                        Ok(_) => {}
                        Err(e) => d.error = Some(e),
                    }
                }
            }
            ActResult::PlanChanged(plan) => {
                if let Some(Dialog::Drift(d)) = &mut self.popups.dialog {
                    d.running = false;
                    d.typed.clear();
                    d.error = Some("the lock changed since this plan was shown: nothing was changed. Here is the new plan.".into());
                    if let Some(p) = &mut d.preview {
                        p.plan = Ok(*plan);
                    }
                }
            }
            ActResult::Enforced(r) => {
                if let Some(Dialog::Drift(d)) = &mut self.popups.dialog {
                    d.running = false;
                    d.typed.clear();
                    match r {
                        Ok((msg, remaining)) => {
                            d.outcome = Some(msg);
                            d.remaining = remaining;
                        }
                        Err(e) => d.error = Some(e),
                    }
                } else {
                    // The dialog was closed while the run went on: the
                    // result still comes back where it is seen.
                    let (level, text, remaining) = match r {
                        Ok((msg, remaining)) => (Level::Info, msg, remaining),
                        Err(e) => (Level::Error, e, None),
                    };
                    let value = serde_json::json!({
                        "result": text,
                        "drift_remaining": remaining.map(|p| p.summary_json()),
                    });
                    self.open_json("drift enforcement result".into(), &value);
                    self.say(level, format!("drift enforcement: {text}"));
                }
            }
        }
        if !refresh {
            return Vec::new();
        }
        // Show the change: every pane holding data reloads.
        self.reload_after_change()
    }
}
