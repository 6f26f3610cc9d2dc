// The console's side of the actions on production: what each key does where
// the operator is, the typed confirmations, write elevation, and the copies.
// Still no I/O: everything leaves as a `Cmd` and comes back as a `Msg`.

use chrono::{DateTime, Duration, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::{Value, json};

use super::{App, Cmd, JobsLoad, Level, LockRow, Overlay, Page, Pane, TraceItem};
use crate::engine::plan::{Mode, Plan};
use crate::engine::{JobChange, Operator, Refused};
use crate::keys::Action;
use crate::store::queries::JobFilter;
use crate::store::traces::JobRow;

/// A request to the engine, carried by `Cmd::Act`.
#[derive(Debug, Clone, PartialEq)]
pub enum ActRequest {
    Retry {
        job: i64,
        status: String,
        updated: DateTime<Utc>,
    },
    Cancel {
        job: i64,
        status: String,
    },
    /// How many failed or dead jobs match (for the typed confirmation).
    CountRetryable {
        filter: JobFilter,
        now: DateTime<Utc>,
    },
    RetryAll {
        filter: JobFilter,
        now: DateTime<Utc>,
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
    },
    DriftEnqueue {
        door: i64,
        mode: Mode,
    },
}

/// A drift plan as the dialog shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct PreviewView {
    pub door_id: i64,
    pub door_name: String,
    pub lock_key: String,
    pub plan: Result<Plan, String>,
    pub reachable: Result<(), String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ActResult {
    Job(Result<JobChange, Refused>),
    Count(Result<Vec<(i64, String, DateTime<Utc>)>, String>),
    RetriedAll(Result<(usize, usize), String>),
    Preview(Result<PreviewView, String>),
    /// A finished run: a message, and the plan of what drift remains.
    Enforced(Result<(String, Option<Plan>), String>),
    /// The lock changed since the plan was shown: here is the new one.
    PlanChanged(Box<Plan>),
    Enqueued(Result<i64, String>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct DriftDialog {
    pub door_id: i64,
    pub door_name: String,
    pub mode: Mode,
    pub preview: Option<PreviewView>,
    pub typed: String,
    pub running: bool,
    /// What the last run did, and what drift remains.
    pub outcome: Option<String>,
    pub remaining: Option<Plan>,
    pub error: Option<String>,
}

/// A popup that needs a typed confirmation before anything changes.
#[derive(Debug, Clone, PartialEq)]
pub enum Dialog {
    /// A running job without updates may still have a live worker.
    RetryStuck {
        job: JobRow,
        typed: String,
    },
    RetryAll {
        filter: JobFilter,
        jobs: Option<Vec<(i64, String, DateTime<Utc>)>>,
        typed: String,
    },
    Drift(Box<DriftDialog>),
}

/// The word a stuck retry wants typed.
pub const RETRY_WORD: &str = "retry";

fn parse_duration(s: &str) -> Option<Duration> {
    let (n, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit())?);
    let n: i64 = n.parse().ok()?;
    match unit {
        "m" | "min" => Some(Duration::minutes(n)),
        "h" => Some(Duration::hours(n)),
        "s" => Some(Duration::seconds(n)),
        _ => None,
    }
}

impl App {
    pub fn can_write(&self) -> bool {
        self.write_until.is_some_and(|t| t > self.now)
    }

    /// `WRITE`, `WRITE 14m left`, or `READ-ONLY`, for the status bar.
    pub fn mode_label(&self) -> String {
        match self.write_until {
            Some(t) if t > self.now && t > self.now + Duration::days(3650) => "WRITE".into(),
            Some(t) if t > self.now => format!("WRITE {} left", crate::timefmt::age(t - self.now)),
            _ => "READ-ONLY".into(),
        }
    }

    /// `:write 15m INC-1234`: changes allowed for a while, with a reason.
    pub(super) fn elevate(&mut self, duration: Option<&str>, rest: &[&str]) -> Result<(), String> {
        let usage = ":write needs a duration and a reason, e.g. :write 15m INC-1234";
        let d = duration.and_then(parse_duration).ok_or(usage)?;
        if rest.is_empty() {
            return Err(usage.into());
        }
        if d > Duration::hours(8) {
            return Err("write mode lasts at most 8 hours; ask again when it ends".into());
        }
        self.write_until = Some(self.now + d);
        self.write_reason = Some(rest.join(" "));
        self.say(
            Level::Warn,
            format!(
                "write mode for {}: every change is audited as {} ({})",
                crate::timefmt::age(d),
                self.operator,
                rest.join(" ")
            ),
        );
        Ok(())
    }

    fn operator(&self) -> Operator {
        Operator {
            name: self.operator.clone(),
            reason: self.write_reason.clone(),
            write: self.can_write(),
            source: "console",
        }
    }

    fn act_cmd(&mut self, req: ActRequest) -> Vec<Cmd> {
        self.next_id += 1;
        self.acting += 1;
        vec![Cmd::Act {
            id: self.next_id,
            op: self.operator(),
            req,
        }]
    }

    /// The job the operator means: the selected row of the queue, or the
    /// selected job of a trace.
    fn target_job(&self) -> Option<JobRow> {
        match self.pane {
            Pane::Jobs => self.jobs.selected_job().cloned(),
            Pane::Trace => match (
                self.trace.items.get(self.trace.scroll.selected),
                &self.trace.trace,
            ) {
                (Some(TraceItem::Job(i)), Some(t)) => t.jobs.get(*i).cloned(),
                _ => None,
            },
            _ => None,
        }
    }

    /// The door the operator means for drift enforcement.
    fn target_door(&self) -> Option<i64> {
        match self.pane {
            Pane::Locks => self.lock.door.as_ref().map(|d| d.id),
            Pane::Trace => self.trace.selected_log().and_then(|l| l.door_id),
            Pane::Jobs => {
                let j = self.jobs.selected_job()?;
                let p = j.payload.as_ref()?;
                p.get("door_id").and_then(Value::as_i64).or_else(|| {
                    let dev = p.get("integration_device_id").and_then(Value::as_i64)?;
                    let ext = p.get("external_id").and_then(Value::as_str)?;
                    self.doors
                        .iter()
                        .find(|d| d.external_id.as_deref() == Some(ext) || Some(d.id) == Some(dev))
                        .map(|d| d.id)
                })
            }
            _ => None,
        }
    }

    pub(super) fn operate(&mut self, action: Action) -> Vec<Cmd> {
        match action {
            Action::Retry => self.retry(),
            Action::CancelJob => match self.target_job() {
                Some(j) if matches!(j.status.as_str(), "queued" | "failed") => {
                    self.act_cmd(ActRequest::Cancel {
                        job: j.id,
                        status: j.status.clone(),
                    })
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
            Action::RetryAll => {
                if self.pane != Pane::Jobs {
                    return Vec::new();
                }
                self.dialog = Some(Dialog::RetryAll {
                    filter: self.jobs.filter.clone(),
                    jobs: None,
                    typed: String::new(),
                });
                let filter = self.jobs.filter.clone();
                let now = self.now;
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
                let mode = self.default_mode;
                self.dialog = Some(Dialog::Drift(Box::new(DriftDialog {
                    door_id: door,
                    door_name: name,
                    mode,
                    preview: None,
                    typed: String::new(),
                    running: false,
                    outcome: None,
                    remaining: None,
                    error: None,
                })));
                self.act_cmd(ActRequest::DriftPreview {
                    door,
                    mode,
                    now: self.now,
                })
            }
            Action::ToggleMode => match &mut self.dialog {
                Some(Dialog::Drift(d)) if !d.running => {
                    d.mode = d.mode.toggled();
                    d.preview = None;
                    d.typed.clear();
                    let (door, mode) = (d.door_id, d.mode);
                    self.act_cmd(ActRequest::DriftPreview {
                        door,
                        mode,
                        now: self.now,
                    })
                }
                _ => Vec::new(),
            },
            Action::Enqueue => match &self.dialog {
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

    fn retry(&mut self) -> Vec<Cmd> {
        let Some(j) = self.target_job() else {
            self.say(Level::Info, "select a job first");
            return Vec::new();
        };
        match j.status.as_str() {
            "failed" | "dead" => {
                let req = ActRequest::Retry {
                    job: j.id,
                    status: j.status.clone(),
                    updated: j.updated_at,
                };
                self.act_cmd(req)
            }
            "running" if self.is_stuck(&j) => {
                self.dialog = Some(Dialog::RetryStuck {
                    job: j,
                    typed: String::new(),
                });
                Vec::new()
            }
            "running" => {
                let ago = crate::timefmt::age(self.now - j.updated_at);
                self.say(
                    Level::Info,
                    format!(
                        "job #{} is running and was updated {ago} ago: a worker has it",
                        j.id
                    ),
                );
                Vec::new()
            }
            "queued" => {
                let when = j
                    .next_run_at
                    .map_or("now".into(), |t| crate::timefmt::relative(&t, &self.now));
                self.say(
                    Level::Info,
                    format!(
                        "job #{} is already queued (next run {when}): nothing to retry",
                        j.id
                    ),
                );
                Vec::new()
            }
            "done" => {
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

    /// Typing into a confirmation; Enter confirms, Esc closes.
    pub(super) fn dialog_key(&mut self, ev: KeyEvent) -> Vec<Cmd> {
        let Some(dialog) = &mut self.dialog else {
            return Vec::new();
        };
        let typed = match dialog {
            Dialog::RetryStuck { typed, .. } | Dialog::RetryAll { typed, .. } => typed,
            Dialog::Drift(d) => &mut d.typed,
        };
        match ev.code {
            KeyCode::Esc => {
                self.dialog = None;
                Vec::new()
            }
            KeyCode::Backspace => {
                typed.pop();
                Vec::new()
            }
            KeyCode::Char(c) if !ev.modifiers.contains(KeyModifiers::CONTROL) => {
                typed.push(c);
                Vec::new()
            }
            KeyCode::Enter => self.confirm(),
            _ => Vec::new(),
        }
    }

    fn confirm(&mut self) -> Vec<Cmd> {
        match self.dialog.clone() {
            Some(Dialog::RetryStuck { job, typed }) if typed.trim() == RETRY_WORD => {
                self.dialog = None;
                self.act_cmd(ActRequest::Retry {
                    job: job.id,
                    status: job.status.clone(),
                    updated: job.updated_at,
                })
            }
            Some(Dialog::RetryAll {
                filter,
                jobs: Some(jobs),
                typed,
            }) if typed.trim() == jobs.len().to_string() && !jobs.is_empty() => {
                self.dialog = None;
                let now = self.now;
                self.act_cmd(ActRequest::RetryAll { filter, now })
            }
            Some(Dialog::Drift(d)) if !d.running => {
                let Some(Ok(plan)) = d.preview.as_ref().map(|p| p.plan.clone()) else {
                    return Vec::new();
                };
                let reachable = d.preview.as_ref().is_some_and(|p| p.reachable.is_ok());
                if d.typed.trim() != d.door_name {
                    if let Some(Dialog::Drift(dd)) = &mut self.dialog {
                        dd.error = Some(format!(
                            "type the door's name, {}, to run the plan",
                            d.door_name
                        ));
                    }
                    return Vec::new();
                }
                if !reachable || plan.is_empty() {
                    if let Some(Dialog::Drift(dd)) = &mut self.dialog {
                        dd.error = Some(if plan.is_empty() {
                            "the plan changes nothing".into()
                        } else {
                            "the lock cannot be reached now: leave it to the worker instead".into()
                        });
                    }
                    return Vec::new();
                }
                if let Some(Dialog::Drift(dd)) = &mut self.dialog {
                    dd.running = true;
                    dd.error = None;
                }
                self.act_cmd(ActRequest::DriftRun {
                    door: d.door_id,
                    mode: d.mode,
                    plan: Box::new(plan),
                })
            }
            _ => Vec::new(),
        }
    }

    pub(super) fn acted(&mut self, _id: u64, result: ActResult) -> Vec<Cmd> {
        self.acting = self.acting.saturating_sub(1);
        let mut refresh = true;
        match result {
            ActResult::Job(Ok(JobChange::Done { job, status })) => {
                self.say(Level::Info, format!("job #{job} is now {status}"))
            }
            ActResult::Job(Ok(JobChange::Changed { job, now })) => self.say(
                Level::Warn,
                format!("job #{job} changed meanwhile (it is {now} now): nothing was done"),
            ),
            ActResult::Job(Err(e)) => self.say(Level::Error, e.0),
            ActResult::Count(r) => {
                refresh = false;
                match (r, &mut self.dialog) {
                    (Ok(jobs), Some(Dialog::RetryAll { jobs: slot, .. })) => *slot = Some(jobs),
                    (Err(e), _) => {
                        self.dialog = None;
                        self.say(Level::Error, e);
                    }
                    _ => {}
                }
            }
            ActResult::RetriedAll(Ok((done, changed))) => {
                self.say(Level::Info, format!("{done} jobs re-enqueued; {changed} had changed meanwhile and were left alone"));
            }
            ActResult::RetriedAll(Err(e)) | ActResult::Enqueued(Err(e)) => {
                self.say(Level::Error, e)
            }
            ActResult::Enqueued(Ok(job)) => {
                self.dialog = None;
                self.say(
                    Level::Info,
                    format!("drift enforcement queued as job #{job}: the worker will run it"),
                );
            }
            ActResult::Preview(r) => {
                refresh = false;
                if let Some(Dialog::Drift(d)) = &mut self.dialog {
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
                if let Some(Dialog::Drift(d)) = &mut self.dialog {
                    d.running = false;
                    d.typed.clear();
                    d.error = Some("the lock changed since this plan was shown: nothing was changed. Here is the new plan.".into());
                    if let Some(p) = &mut d.preview {
                        p.plan = Ok(*plan);
                    }
                }
            }
            ActResult::Enforced(r) => {
                if let Some(Dialog::Drift(d)) = &mut self.dialog {
                    d.running = false;
                    d.typed.clear();
                    match r {
                        Ok((msg, remaining)) => {
                            d.outcome = Some(msg);
                            d.remaining = remaining;
                        }
                        Err(e) => d.error = Some(e),
                    }
                }
            }
        }
        if !refresh {
            return Vec::new();
        }
        // Show the change: the queue (and the open trace) reload.
        let mut cmds = self.load_jobs(
            self.jobs.window_start.map_or(Page::First, Page::From),
            JobsLoad::Refresh,
        );
        if self.pane == Pane::Trace {
            if let Some(q) = self.trace.query.clone() {
                self.trace.trace = None;
                cmds.extend(self.go(super::Loc::Trace(q), false));
            }
        }
        cmds
    }

    // ---- copies ---------------------------------------------------------------

    fn copy(&mut self, action: Action) -> Vec<Cmd> {
        let made = self.copy_text(action);
        match made {
            Some((text, what)) => vec![Cmd::Copy { text, what }],
            None => {
                self.say(Level::Info, "nothing to copy here");
                Vec::new()
            }
        }
    }

    fn copy_text(&self, action: Action) -> Option<(String, String)> {
        let pretty = crate::jsondoc::pretty;
        if let Some(o) = self.overlays.last() {
            return Some(match o {
                Overlay::Json(j) => (pretty(&j.value), j.title.clone()),
                Overlay::Diff(d) => (
                    pretty(&json!({"before": d.row.before_json, "after": d.row.after_json})),
                    format!(
                        "{} #{} before/after",
                        d.row.entity_type,
                        d.row.entity_id.unwrap_or_default()
                    ),
                ),
            });
        }
        match (self.pane, action) {
            (Pane::Jobs, Action::CopyMarkdown) => self
                .jobs
                .selected_job()
                .map(|j| (self.job_markdown(j), format!("job #{} as Markdown", j.id))),
            (Pane::Jobs, _) => self
                .jobs
                .selected_job()
                .map(|j| (pretty(&j.to_json()), format!("job #{}", j.id))),
            (Pane::Trace, Action::CopyAll) => self
                .trace
                .trace
                .as_ref()
                .map(|t| (pretty(&t.to_json()), "the whole trace".into())),
            (Pane::Trace, Action::CopyMarkdown) => self
                .trace
                .trace
                .as_ref()
                .map(|_| (self.trace_markdown(), "the trace as Markdown".into())),
            (Pane::Trace, Action::CopyCurl) => self.trace.selected_log().and_then(|l| {
                l.request_json
                    .as_ref()
                    .and_then(crate::clipboard::curl)
                    .map(|c| (c, format!("log #{} as curl", l.id)))
            }),
            (Pane::Trace, _) => {
                let t = self.trace.trace.as_ref()?;
                match self.trace.items.get(self.trace.scroll.selected)? {
                    TraceItem::Audit(i) => Some((
                        pretty(&t.audit[*i].to_json()),
                        format!("audit row #{}", t.audit[*i].id),
                    )),
                    TraceItem::Job(i) => Some((
                        pretty(&t.jobs[*i].to_json()),
                        format!("job #{}", t.jobs[*i].id),
                    )),
                    TraceItem::GroupLog(i) | TraceItem::TimelineLog(i) => Some((
                        pretty(&t.logs[*i].to_json()),
                        format!("log #{}", t.logs[*i].id),
                    )),
                    _ => None,
                }
            }
            (Pane::Locks, a) => {
                let v = self.lock.visible();
                match v.get(self.lock.scroll.selected)? {
                    LockRow::Log(i) => {
                        let l = &self.lock.logs[*i];
                        if a == Action::CopyCurl {
                            l.request_json
                                .as_ref()
                                .and_then(crate::clipboard::curl)
                                .map(|c| (c, format!("log #{} as curl", l.id)))
                        } else {
                            Some((pretty(&l.to_json()), format!("log #{}", l.id)))
                        }
                    }
                    LockRow::Event(i) => Some((
                        pretty(&self.lock.trail.events[*i].raw),
                        "the provider event".into(),
                    )),
                }
            }
            (Pane::Audit, _) => {
                let v = self.audit.visible();
                let r = &self.audit.rows[*v.get(self.audit.scroll.selected)?];
                Some((pretty(&r.to_json()), format!("audit row #{}", r.id)))
            }
            (Pane::User, _) => None,
        }
    }

    fn job_markdown(&self, j: &JobRow) -> String {
        let c = &self.clock;
        format!(
            "**Job #{}** `{}` — status **{}**, attempts {}\n\
             - user: {} · reason: {}\n\
             - created: {} · updated: {}\n\
             - next run: {}\n\
             - last error: {}\n\
             - correlation: `{}`\n",
            j.id,
            j.job_type,
            if self.is_stuck(j) {
                "running (stuck)"
            } else {
                j.status.as_str()
            },
            j.attempt_count,
            j.user_id,
            j.reason.as_deref().unwrap_or("—"),
            c.full(&j.created_at, None),
            c.full(&j.updated_at, None),
            j.next_run_at.map_or("—".into(), |t| c.full(&t, None)),
            j.last_error.as_deref().unwrap_or("—"),
            j.correlation_id.as_deref().unwrap_or("—"),
        )
    }

    fn trace_markdown(&self) -> String {
        let (Some(t), Some(s)) = (&self.trace.trace, &self.trace.summary) else {
            return String::new();
        };
        let c = &self.clock;
        let mut out = format!("**Trace `{}`** — {}", t.correlation_id, s.outcome.label());
        if let (Some(a), Some(b)) = (s.first, s.last) {
            out.push_str(&format!(
                ", {} → {} ({})",
                c.full(&a, None),
                c.full(&b, None),
                crate::timefmt::span(b - a)
            ));
        }
        out.push('\n');
        for a in &s.anomalies {
            out.push_str(&format!("- ⚠ {a}\n"));
        }
        for a in &t.audit {
            out.push_str(&format!(
                "- changed: {} #{} {} by {}\n",
                a.entity_type,
                a.entity_id.unwrap_or_default(),
                a.action,
                a.actor.as_deref().unwrap_or("?")
            ));
        }
        for j in &t.jobs {
            out.push_str(&format!(
                "- job #{} `{}` {} (attempts {})\n",
                j.id, j.job_type, j.status, j.attempt_count
            ));
        }
        out.push_str("\n| time | lock | action | result |\n|---|---|---|---|\n");
        for l in &t.logs {
            out.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                c.full(&l.created_at, None),
                l.lock_key.as_deref().unwrap_or(""),
                l.action,
                if l.ok {
                    "ok".to_string()
                } else {
                    format!("failed: {}", l.error_message.as_deref().unwrap_or(""))
                }
            ));
        }
        out
    }
}
