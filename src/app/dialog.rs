//! The typed confirmations: a popup that changes nothing until the operator
//! types what it asks for.

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::app::held::{HeldDialog, HoldView, OVERRIDE_WORD, unreachable_words};
use crate::app::{ActRequest, App, Cmd, PreviewView};
use crate::engine::plan::{Mode, Plan};
use crate::store::queries::JobFilter;
use crate::store::traces::JobRow;

#[derive(Debug, Clone, PartialEq)]
pub struct DriftDialog {
    /// Its own id (`Requests::dialog_id`): only the answers to the actions
    /// it sent land in it.
    pub id: u64,
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
    /// The last run was held by its checks (`override` runs it anyway).
    pub hold: Option<HoldView>,
}

/// What a text filter let retry-all see: exactly its rows among the loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextScope {
    pub text: String,
    /// How many rows were loaded (the only ones the filter searched).
    pub loaded: usize,
    /// Whether the loaded window is not all the status filter matches.
    pub more_beyond: bool,
}

/// How many ids a confirmation lists before "and N more".
pub const LISTED_IDS: usize = 20;

/// `#1936 #1935 … and 12 more`: the ids a confirmation will act on.
pub fn listed_ids(ids: impl ExactSizeIterator<Item = i64>) -> String {
    let n = ids.len();
    let mut out: Vec<String> = ids.take(LISTED_IDS).map(|i| format!("#{i}")).collect();
    if n > LISTED_IDS {
        out.push(format!("and {} more", n - LISTED_IDS));
    }
    out.join(" ")
}

/// A popup that needs a typed confirmation before anything changes.
#[derive(Debug, Clone, PartialEq)]
pub enum Dialog {
    /// A cancelled job cannot be retried: y confirms, anything else closes.
    Cancel {
        job: JobRow,
    },
    /// A running job without updates may still have a live worker.
    RetryStuck {
        job: JobRow,
        typed: String,
    },
    RetryAll {
        /// Its own id: only its count lands in it.
        id: u64,
        filter: JobFilter,
        jobs: Option<Vec<(i64, String, DateTime<Utc>)>>,
        /// More jobs matched than the cap: only the newest `jobs` are retried.
        more: bool,
        typed: String,
        /// Set when a text filter chose the jobs among the loaded rows.
        text: Option<TextScope>,
    },
    Drift(Box<DriftDialog>),
    /// `R` on an error group: exactly its listed jobs, each guarded.
    RetryGroup(Box<GroupRetryDialog>),
    /// An action its checks held (issue 28): why, and `override` where it
    /// may be typed.
    Held(Box<HeldDialog>),
}

/// A group retry's confirmation, and then its summary.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupRetryDialog {
    /// Its own id: only the answers to the retries it sent land in it.
    pub id: u64,
    pub fingerprint: String,
    pub meaning: Option<&'static str>,
    /// The failed and dead jobs it retries, as listed (newest first).
    pub guards: Vec<crate::engine::jobs::RetryGuard>,
    /// Its stuck or interrupted jobs, which a group retry leaves alone.
    pub others: usize,
    pub typed: String,
    pub running: bool,
    /// `RetrySummary::line` once done.
    pub outcome: Option<String>,
    /// The jobs the last run skipped for a refused device (typing
    /// `override` on the summary retries them).
    pub skipped: Vec<crate::engine::jobs::RetryGuard>,
}

impl Dialog {
    /// The id of a dialog that sends actions and shows their answers (the
    /// others close as they send theirs).
    pub fn id(&self) -> Option<u64> {
        match self {
            Dialog::RetryAll { id, .. } => Some(*id),
            Dialog::Drift(d) => Some(d.id),
            Dialog::RetryGroup(g) => Some(g.id),
            Dialog::Cancel { .. } | Dialog::RetryStuck { .. } | Dialog::Held(_) => None,
        }
    }
}

/// The word a stuck retry wants typed.
pub const RETRY_WORD: &str = "retry";

impl App {
    /// The drift dialog outside write mode: it shows the plan, and says how
    /// to elevate instead of running anything.
    pub(crate) fn refuse_in_drift_dialog(&mut self) {
        if let Some(Dialog::Drift(d)) = &mut self.popups.dialog {
            d.typed.clear();
            d.error = Some(crate::app::READ_ONLY_REFUSAL.into());
        }
    }

    /// Typing into a confirmation; Enter confirms, Esc closes.
    pub(crate) fn dialog_key(&mut self, ev: KeyEvent) -> Vec<Cmd> {
        let writable = self.can_write();
        let Some(dialog) = &mut self.popups.dialog else {
            return Vec::new();
        };
        // Outside write mode the drift dialog shows its plan, and typed
        // text runs nothing: it is not even taken.
        if let (Dialog::Drift(_), false, KeyCode::Char(_) | KeyCode::Enter) =
            (&*dialog, writable, ev.code)
        {
            if !ev.modifiers.contains(KeyModifiers::CONTROL) {
                self.refuse_in_drift_dialog();
                return Vec::new();
            }
        }
        let typed = match dialog {
            Dialog::RetryStuck { typed, .. } | Dialog::RetryAll { typed, .. } => typed,
            Dialog::Drift(d) => &mut d.typed,
            Dialog::RetryGroup(g) => &mut g.typed,
            Dialog::Held(h) => &mut h.typed,
            Dialog::Cancel { job } => {
                // y/N: only y (or Y) cancels the job; any other key closes.
                let job = job.clone();
                self.popups.dialog = None;
                return match ev.code {
                    KeyCode::Char('y' | 'Y') => self.act_cmd(ActRequest::Cancel {
                        job: job.id,
                        status: job.status.to_string(),
                        updated: job.updated_at,
                    }),
                    KeyCode::Char('c') if ev.modifiers.contains(KeyModifiers::CONTROL) => {
                        self.requests.quit = true;
                        vec![Cmd::Quit]
                    }
                    _ => Vec::new(),
                };
            }
        };
        match ev.code {
            // Ctrl-C is never swallowed by a dialog: it quits (stopping a
            // running apply first, see the console loop).
            KeyCode::Char('c') if ev.modifiers.contains(KeyModifiers::CONTROL) => {
                self.requests.quit = true;
                vec![Cmd::Quit]
            }
            KeyCode::Esc => {
                self.popups.dialog = None;
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

    pub(crate) fn confirm(&mut self) -> Vec<Cmd> {
        match self.popups.dialog.clone() {
            Some(Dialog::RetryStuck { job, typed }) if typed.trim() == RETRY_WORD => {
                self.popups.dialog = None;
                self.act_cmd(ActRequest::Retry {
                    job: job.id,
                    status: job.status.to_string(),
                    updated: job.updated_at,
                    overriding: false,
                })
            }
            Some(Dialog::RetryAll {
                jobs: Some(jobs),
                typed,
                ..
            }) if typed.trim() == jobs.len().to_string() && !jobs.is_empty() => {
                self.popups.dialog = None;
                // The jobs the operator confirmed, not the filter run again.
                self.act_cmd(ActRequest::RetryAll { jobs })
            }
            Some(Dialog::Held(h)) => self.confirm_held(&h),
            Some(Dialog::RetryGroup(g)) if !g.running && g.outcome.is_some() => {
                self.override_group().unwrap_or_default()
            }
            Some(Dialog::RetryGroup(g)) if !g.running && g.outcome.is_none() => {
                if g.guards.is_empty() || g.typed.trim() != g.guards.len().to_string() {
                    return Vec::new();
                }
                // Exactly the jobs listed, each under the guard it was listed
                // with (refused outside write mode, as any change).
                let cmds = self.act_cmd(ActRequest::RetryGroup {
                    fingerprint: g.fingerprint.clone(),
                    guards: g.guards.clone(),
                    overriding: false,
                });
                if let (false, Some(Dialog::RetryGroup(d))) =
                    (cmds.is_empty(), &mut self.popups.dialog)
                {
                    d.running = true;
                }
                cmds
            }
            Some(Dialog::Drift(d)) if !d.running && !self.can_write() => {
                self.refuse_in_drift_dialog();
                Vec::new()
            }
            Some(Dialog::Drift(d))
                if !d.running && d.hold.is_some() && d.typed.trim() == OVERRIDE_WORD =>
            {
                self.override_drift().unwrap_or_default()
            }
            Some(Dialog::Drift(d)) if !d.running => {
                let Some(Ok(plan)) = d.preview.as_ref().map(|p| p.plan.clone()) else {
                    return Vec::new();
                };
                let reachable = d.preview.as_ref().is_some_and(|p| p.reachable.is_ok());
                if !reachable && !plan.is_empty() && d.typed.trim() == OVERRIDE_WORD {
                    return self.override_unreachable(d.door_id, d.mode, plan);
                }
                if d.typed.trim() != d.door_name {
                    if let Some(Dialog::Drift(dd)) = &mut self.popups.dialog {
                        dd.error = Some(format!(
                            "type the door's name, {}, to run the plan",
                            d.door_name
                        ));
                    }
                    return Vec::new();
                }
                if !reachable || plan.is_empty() {
                    if let Some(Dialog::Drift(dd)) = &mut self.popups.dialog {
                        dd.error = Some(if plan.is_empty() {
                            "the plan changes nothing".into()
                        } else {
                            unreachable_words()
                        });
                    }
                    return Vec::new();
                }
                let cmds = self.act_cmd(ActRequest::DriftRun {
                    door: d.door_id,
                    mode: d.mode,
                    plan: Box::new(plan),
                    overriding: false,
                });
                // Running only once the run is sent: a refusal (`act_cmd`
                // said why) leaves the dialog as it was, to try again.
                if let (false, Some(Dialog::Drift(dd))) = (cmds.is_empty(), &mut self.popups.dialog)
                {
                    dd.running = true;
                    dd.error = None;
                }
                cmds
            }
            _ => Vec::new(),
        }
    }
}
