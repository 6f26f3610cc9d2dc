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

impl ActRequest {
    /// What it acts on, in the words a status message starts with.
    pub fn target(&self) -> String {
        match self {
            ActRequest::Retry { job, .. } | ActRequest::Cancel { job, .. } => format!("job #{job}"),
            ActRequest::CountRetryable { .. } | ActRequest::RetryAll { .. } => "retry all".into(),
            ActRequest::RetryGroup { .. } => "group retry".into(),
            ActRequest::DriftPreview { door, .. }
            | ActRequest::DriftRun { door, .. }
            | ActRequest::DriftEnqueue { door, .. } => format!("door {door}"),
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
        // A dialog takes every key: an action sent while one is open is
        // that dialog's, and its answer lands in it and no other.
        let id = self.requests.act(crate::app::requests::Asked {
            dialog: self.popups.dialog.as_ref().and_then(Dialog::id),
            target: req.target(),
        });
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

    /// The production changes: one function per key (`Action::group` sends
    /// only `ActionGroup::Changes` here).
    pub(crate) fn operate(&mut self, action: Action) -> Vec<Cmd> {
        match action {
            Action::Retry => self.retry(),
            Action::CancelJob => self.cancel_job(),
            Action::RetryAll if self.groups_view() => self.retry_group(),
            Action::RetryAll => self.retry_all(),
            Action::Drift => self.drift(),
            Action::ToggleMode => self.toggle_drift_mode(),
            Action::Enqueue => self.enqueue_drift(),
            _ => Vec::new(),
        }
    }

    /// Cancel the target job, after a confirmation (a cancelled job cannot
    /// be retried).
    fn cancel_job(&mut self) -> Vec<Cmd> {
        match self.target_job() {
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
        }
    }

    /// Retry every failed or dead job the queue's filter matches: the
    /// confirmation first counts them (or, under a text filter, lists the
    /// rows shown).
    fn retry_all(&mut self) -> Vec<Cmd> {
        if !self.pane.retries_all() || self.refuse_read_only() {
            return Vec::new();
        }
        if !self.panes.jobs.text.is_empty() {
            return self.retry_all_shown();
        }
        let id = self.requests.dialog_id();
        self.popups.dialog = Some(Dialog::RetryAll {
            id,
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

    /// A text filter narrows what is seen: retry exactly the failed and dead
    /// rows it shows, never the hidden ones.
    fn retry_all_shown(&mut self) -> Vec<Cmd> {
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
        let id = self.requests.dialog_id();
        self.popups.dialog = Some(Dialog::RetryAll {
            id,
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
        Vec::new()
    }

    /// Drift enforcement on the target door: the dialog opens and asks the
    /// engine for the plan.
    fn drift(&mut self) -> Vec<Cmd> {
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
        let id = self.requests.dialog_id();
        self.popups.dialog = Some(Dialog::Drift(Box::new(DriftDialog {
            id,
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

    /// In the drift dialog (not while it runs): the other mode, planned anew.
    fn toggle_drift_mode(&mut self) -> Vec<Cmd> {
        match &mut self.popups.dialog {
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
        }
    }

    /// In the drift dialog (not while it runs): leave the door to the worker.
    fn enqueue_drift(&mut self) -> Vec<Cmd> {
        match &self.popups.dialog {
            Some(Dialog::Drift(d)) if !d.running && !self.can_write() => {
                self.refuse_in_drift_dialog();
                Vec::new()
            }
            Some(Dialog::Drift(d)) if !d.running => {
                let (door, mode) = (d.door_id, d.mode);
                self.act_cmd(ActRequest::DriftEnqueue { door, mode })
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
}
