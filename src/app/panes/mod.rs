//! The panes: each one's state and its own logic in `<pane>.rs`; here the
//! `Pane` names and, in one place, each pane's answer to the questions every
//! pane is asked: what is selected, what `/` searches, what Enter opens,
//! what `y` copies, what a refresh loads, which keys it hints at.

pub mod audit;
pub mod groups;
pub mod jobs;
pub mod lock;
pub mod pulse;
mod reload;
pub mod search;
pub mod search_db;
pub mod trace;
pub mod user;

use serde_json::Value;

use crate::app::{App, Cmd, JobsLoad, Level, Loc, Panes, Query, Scroll, Slot};
use crate::keys::{Action, Context};
use crate::providers::LockEvent;
use crate::store::queries::{Keyset, Page};
use crate::store::reveal::RevealOf;
use crate::store::traces::{AuditRow, JobRow, LogRow};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pane {
    Jobs,
    Audit,
    Locks,
    User,
    Trace,
    Pulse,
}

impl Pane {
    pub const ALL: [Pane; 6] = [
        Pane::Jobs,
        Pane::Audit,
        Pane::Locks,
        Pane::User,
        Pane::Trace,
        Pane::Pulse,
    ];

    /// Whether its header flags a retry storm from the counts' storm read
    /// (the Jobs header only; the Pulse and the groups view show the storms
    /// of the groups read): that read runs only while such a pane is shown.
    pub fn flags_storms(self) -> bool {
        matches!(self, Pane::Jobs)
    }

    pub fn title(self) -> &'static str {
        match self {
            Pane::Jobs => "Jobs",
            Pane::Audit => "Audit",
            Pane::Locks => "Lock logs",
            Pane::User => "User",
            Pane::Trace => "Trace",
            Pane::Pulse => "Pulse",
        }
    }

    /// The action that opens it (what a click on its tab does).
    pub fn action(self) -> Action {
        match self {
            Pane::Jobs => Action::PaneJobs,
            Pane::Audit => Action::PaneAudit,
            Pane::Locks => Action::PaneLocks,
            Pane::User => Action::PaneUser,
            Pane::Trace => Action::PaneTrace,
            Pane::Pulse => Action::PanePulse,
        }
    }

    /// The pane after this one (Tab), or before it (Shift-Tab).
    pub fn next(self, forward: bool) -> Pane {
        let i = Pane::ALL.iter().position(|p| *p == self).unwrap_or(0);
        let n = Pane::ALL.len();
        Pane::ALL[if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        }]
    }

    /// Whether the timer polls it for changes (the queue alone does).
    pub(crate) fn polls(self) -> bool {
        self == Pane::Jobs
    }

    /// The groups view's key bar.
    pub(crate) const GROUP_HINTS: &'static [(Action, &'static str)] = &[
        (Action::Open, "its jobs"),
        (Action::ErrorGroups, "list"),
        (Action::RetryAll, "retry group"),
        (Action::Filter, "filter"),
        (Action::Copy, "JSON"),
        (Action::Help, "help"),
    ];

    /// Whether retry-all works here (on the queue's filter and text).
    pub(crate) fn retries_all(self) -> bool {
        self == Pane::Jobs
    }

    /// The keymap context of its own, before `List` and `Global`.
    pub(crate) fn context(self) -> Option<Context> {
        match self {
            Pane::Jobs => Some(Context::Jobs),
            Pane::Trace => Some(Context::Trace),
            Pane::User => Some(Context::User),
            _ => None,
        }
    }

    /// The actions its key bar hints at.
    pub(crate) fn hints(self) -> &'static [(Action, &'static str)] {
        match self {
            Pane::Jobs => &[
                (Action::Open, "trace"),
                (Action::CycleStatus, "status"),
                (Action::Filter, "filter"),
                (Action::Command, "command"),
                (Action::Help, "help"),
            ],
            Pane::Trace => &[
                (Action::Open, "raw JSON"),
                (Action::ShowRequest, "request"),
                (Action::ShowResponse, "response"),
                (Action::NextSection, "section"),
                (Action::Filter, "search"),
                (Action::Waterfall, "waterfall"),
                (Action::Back, "back"),
            ],
            Pane::User => &[
                (Action::Open, "trace"),
                (Action::LiveDoor, "door live"),
                (Action::LiveDoors, "all live"),
                (Action::Filter, "search"),
                (Action::Back, "back"),
                (Action::Help, "help"),
            ],
            Pane::Pulse => pulse::HINTS,
            _ => &[
                (Action::Open, "open"),
                (Action::Filter, "filter"),
                (Action::Back, "back"),
                (Action::Help, "help"),
            ],
        }
    }
}

/// What the operator has selected, whatever the pane: the one answer that
/// Enter, the copy keys, `:reveal`, retry and drift start from.
#[derive(Debug, Clone)]
pub enum Selected {
    Job(JobRow),
    Log(LogRow),
    Audit(AuditRow),
    /// The provider's own record of the lock.
    LockEvent {
        event: LockEvent,
        provider: String,
    },
    /// A trace to open (a user's trace, or a user's job's).
    Trace(String),
    /// A lock to open (a user's door).
    Lock(String),
    /// An error group of the queue's groups view.
    Group(Box<crate::groups::incident::Group>),
}

impl Panes {
    /// A load in `slot` failed: the pane it fills shows `message` its own way.
    /// (Loads no pane shows, e.g. the door list or the counts, show nothing.)
    pub(crate) fn failed(&mut self, slot: Slot, message: String) {
        match slot {
            Slot::Jobs => self.jobs.failed(message),
            Slot::Groups => {
                self.jobs.groups.loading = false;
                self.jobs.groups.error = Some(message);
            }
            Slot::Audit => self.audit.failed(message),
            Slot::Lock => self.lock.failed(message),
            Slot::LockTrail => self.lock.trail.failed(message),
            Slot::User => self.user.failed(message),
            Slot::UserPins => {
                self.user.pins_loading = false;
                self.user.pins_error = Some(message);
            }
            Slot::Trace => self.trace.failed(message),
            Slot::TracePayloads => self.trace.payloads_failed(),
            Slot::Pulse => self.pulse.failed(message),
            // The why line's logs: without them a stuck job's line is not said.
            Slot::JobCounts
            | Slot::Doors
            | Slot::UserFind
            | Slot::Acting
            | Slot::JobLogs
            | Slot::DbSearch => {}
        }
    }
}

impl Selected {
    /// The row `:reveal` reads again unmasked.
    pub fn reveals(&self) -> Option<RevealOf> {
        match self {
            Selected::Job(j) => Some(RevealOf::Job(j.id)),
            Selected::Log(l) => Some(RevealOf::Log(l.id)),
            Selected::Audit(a) => Some(RevealOf::Audit(a.id)),
            _ => None,
        }
    }

    /// What `y` copies of it, and how the status line names that.
    pub fn copy(&self) -> Option<(String, String)> {
        match self {
            Selected::Job(j) => Some((j.to_json_text(), format!("job #{}", j.id))),
            Selected::Log(l) => Some((l.to_json_text(), format!("log #{}", l.id))),
            Selected::Audit(a) => Some((a.to_json_text(), format!("audit row #{}", a.id))),
            Selected::LockEvent { event, .. } => Some((
                crate::jsondoc::pretty(&event.raw),
                "the provider event".into(),
            )),
            Selected::Group(g) => {
                let text = serde_json::to_string_pretty(&g.to_json()).unwrap_or_default();
                Some((
                    crate::secrets::json_text(&text).into_owned(),
                    format!("the group of {} jobs as JSON", g.count),
                ))
            }
            Selected::Trace(_) | Selected::Lock(_) => None,
        }
    }
}

impl App {
    /// The actions the key bar hints at where the operator is.
    pub(crate) fn pane_hints(&self) -> &'static [(Action, &'static str)] {
        if self.groups_view() {
            return Pane::GROUP_HINTS;
        }
        self.pane.hints()
    }

    /// Whether the timer polls the pane now (not the queue's list while its
    /// groups are shown: they are read only when asked).
    pub(crate) fn polls_now(&self) -> bool {
        self.pane.polls() && !self.groups_view()
    }

    /// What is selected on the pane (overlays aside).
    pub(crate) fn selected(&self) -> Option<Selected> {
        let p = &self.panes;
        match self.pane {
            Pane::Jobs if p.jobs.groups.on => p.jobs.groups.selected(),
            Pane::Jobs => p.jobs.selected(),
            Pane::Audit => p.audit.selected(),
            Pane::Locks => p.lock.selected(),
            Pane::User => p.user.selected(),
            Pane::Trace => p.trace.selected(),
            Pane::Pulse => self.pulse_selected(),
        }
    }

    /// What `/` filters here (a pane without a text filter: `None`).
    pub(crate) fn text_filter(&self) -> Option<&String> {
        // A popup list is searched itself, never the pane behind it.
        if let Some(crate::app::Overlay::Picker(p)) = self.popups.overlays.last() {
            return Some(&p.find);
        }
        match self.pane {
            Pane::Jobs if self.panes.jobs.groups.on => Some(&self.panes.jobs.groups.text),
            Pane::Jobs => Some(&self.panes.jobs.text),
            Pane::Audit => Some(&self.panes.audit.text),
            Pane::Locks => Some(&self.panes.lock.text),
            Pane::User => Some(&self.panes.user.find),
            Pane::Trace => Some(&self.panes.trace.find),
            Pane::Pulse => None,
        }
    }

    pub(crate) fn text_filter_mut(&mut self) -> Option<&mut String> {
        if let Some(crate::app::Overlay::Picker(p)) = self.popups.overlays.last_mut() {
            return Some(&mut p.find);
        }
        match self.pane {
            Pane::Jobs if self.panes.jobs.groups.on => Some(&mut self.panes.jobs.groups.text),
            Pane::Jobs => Some(&mut self.panes.jobs.text),
            Pane::Audit => Some(&mut self.panes.audit.text),
            Pane::Locks => Some(&mut self.panes.lock.text),
            Pane::User => Some(&mut self.panes.user.find),
            Pane::Trace => Some(&mut self.panes.trace.find),
            Pane::Pulse => None,
        }
    }

    /// The pane's own scroll (overlays aside).
    pub(crate) fn pane_scroll_mut(&mut self) -> &mut Scroll {
        let p = &mut self.panes;
        match self.pane {
            Pane::Jobs if p.jobs.groups.on => &mut p.jobs.groups.scroll,
            Pane::Jobs => &mut p.jobs.scroll,
            Pane::Audit => &mut p.audit.scroll,
            Pane::Locks => &mut p.lock.scroll,
            Pane::User => &mut p.user.scroll,
            Pane::Trace => &mut p.trace.scroll,
            Pane::Pulse => &mut p.pulse.scroll,
        }
    }

    pub(crate) fn list_len(&self) -> usize {
        let p = &self.panes;
        match self.pane {
            Pane::Jobs if p.jobs.groups.on => p.jobs.groups.visible().len(),
            Pane::Jobs => p.jobs.visible().len(),
            Pane::Audit => p.audit.visible().len(),
            Pane::Locks => p.lock.visible().len(),
            Pane::User => p.user.items().len(),
            Pane::Trace => p.trace.items.len(),
            Pane::Pulse => self.pulse_groups().len(),
        }
    }

    pub(crate) fn current_loc(&self) -> Loc {
        let p = &self.panes;
        match self.pane {
            Pane::Jobs => Loc::Jobs,
            Pane::Audit => Loc::Audit,
            Pane::Locks => p.lock.lock_key.clone().map_or(Loc::Jobs, Loc::Lock),
            Pane::User => p.user.user_id.map_or(Loc::Jobs, Loc::User),
            Pane::Trace => p.trace.query.clone().map_or(Loc::Jobs, Loc::Trace),
            Pane::Pulse => Loc::Pulse,
        }
    }

    pub(crate) fn switch_pane(&mut self, pane: Pane) -> Vec<Cmd> {
        self.popups.overlays.clear();
        if pane == self.pane {
            return Vec::new();
        }
        // The lock, user and trace panes need a subject; without one, say
        // how to give it.
        // A switch is not a drill-down: it goes on no Esc history, so Esc
        // walks back only through what Enter and `:` opened.
        let (empty, how) = match pane {
            Pane::Jobs => return self.go(Loc::Jobs, false),
            Pane::Audit => return self.go(Loc::Audit, false),
            Pane::Pulse => return self.go(Loc::Pulse, false),
            Pane::Locks => (
                self.panes.lock.lock_key.is_none(),
                "type :door 2 or :lock TTLOCK:28991110",
            ),
            Pane::User => (
                self.panes.user.user_id.is_none(),
                "type :user 9, or press Enter on a job's user",
            ),
            Pane::Trace => (
                self.panes.trace.query.is_none(),
                "type :trace <id>, or press Enter on a job",
            ),
        };
        self.pane = pane;
        if empty {
            self.say(Level::Info, format!("{} is empty: {how}", pane.title()));
        }
        Vec::new()
    }

    /// Moves the pane's selection (overlays aside).
    pub(crate) fn move_in_pane(&mut self, delta: isize) -> Vec<Cmd> {
        match self.pane {
            Pane::Trace => {
                self.panes.trace.step(delta > 0, delta.unsigned_abs());
                return Vec::new();
            }
            // The cursor moved: the job acted on goes at the next refresh.
            Pane::Jobs if !self.panes.jobs.groups.on => self.panes.jobs.acted_on = None,
            _ => {}
        }
        let len = self.list_len();
        self.pane_scroll_mut().move_by(delta, len);
        self.maybe_page()
    }

    /// Fetches the next keyset page when the selection nears an edge.
    pub(crate) fn maybe_page(&mut self) -> Vec<Cmd> {
        let (jobs, audit) = (&self.panes.jobs, &self.panes.audit);
        match self.pane {
            Pane::Jobs
                if !jobs.loading
                    && jobs.text.is_empty()
                    && !jobs.groups.on
                    && jobs.scope.is_none() =>
            {
                let sel = jobs.scroll.selected;
                let len = jobs.rows.len();
                if jobs.more_below && sel + 20 >= len {
                    if let Some(last) = jobs.rows.last() {
                        let k = Keyset::of_job(last);
                        return self.load_jobs(Page::Older(k), JobsLoad::Append);
                    }
                }
                if jobs.more_above && sel < 20 {
                    if let Some(first) = jobs.rows.first() {
                        let k = Keyset::of_job(first);
                        return self.load_jobs(Page::Newer(k), JobsLoad::Prepend);
                    }
                }
                Vec::new()
            }
            Pane::Audit if !audit.loading && audit.more_below && audit.text.is_empty() => {
                if audit.scroll.selected + 20 >= audit.rows.len() {
                    if let Some(last) = audit.rows.last() {
                        let before = Some((last.created_at, last.id));
                        self.panes.audit.loading = true;
                        return self.reload(Slot::Audit, Query::Audit { before });
                    }
                }
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    /// Enter: drill down from whatever is selected.
    pub(crate) fn open(&mut self) -> Vec<Cmd> {
        if let Some(o) = self.popups.overlays.last() {
            return match o {
                crate::app::Overlay::Picker(_) => self.pick_user(),
                _ => Vec::new(),
            };
        }
        let on_queue = self.pane == Pane::Jobs;
        match self.selected() {
            Some(Selected::Group(g)) if self.pane == Pane::Pulse => {
                return self.pulse_open_group(&g);
            }
            // On the groups, a group lists its jobs.
            Some(Selected::Group(g)) => return self.open_group(&g),
            None if self.groups_view() => {}
            // On the queue, a job opens its trace; in a trace, its row.
            Some(Selected::Job(j)) if on_queue => match j.correlation_id {
                Some(c) => return self.go(Loc::Trace(c), true),
                None => self.say(Level::Info, "this job has no correlation id"),
            },
            None if on_queue => self.say(Level::Info, "this job has no correlation id"),
            Some(Selected::Job(j)) => {
                let v = j.to_json();
                let copy = Some(whole(&v, &j.raw_json));
                self.open_json_with(format!("job #{}", j.id), &v, copy);
                self.shows_row(RevealOf::Job(j.id));
            }
            Some(Selected::Audit(row)) => self.open_diff(row),
            Some(Selected::Log(l)) if l.detached => {
                // A big trace's log: opened when its page comes.
                self.panes.trace.open_when_loaded = Some(l.id);
                self.say(Level::Info, format!("log #{}: reading its payloads…", l.id));
                return self.trace_payloads();
            }
            Some(Selected::Log(l)) => {
                let v = l.to_json();
                let copy = Some(whole(&v, &l.raw_json));
                self.open_json_with(format!("log #{} {}", l.id, l.action), &v, copy);
                self.shows_row(RevealOf::Log(l.id));
            }
            Some(Selected::LockEvent { event, provider }) => {
                self.open_json(
                    format!("{provider} audit trail · {}", event.kind),
                    &event.raw,
                );
            }
            Some(Selected::Trace(c)) => return self.go(Loc::Trace(c), true),
            Some(Selected::Lock(k)) => return self.go(Loc::Lock(k), true),
            None => {}
        }
        Vec::new()
    }

    /// What the copy keys take from the pane (overlays aside).
    pub(crate) fn pane_copy(&self, action: Action) -> Option<(String, String)> {
        let trace = &self.panes.trace;
        match (self.pane, action, self.selected()) {
            (Pane::Jobs, Action::CopyMarkdown, Some(Selected::Job(j))) => {
                Some((self.job_markdown(&j), format!("job #{} as Markdown", j.id)))
            }
            (Pane::Trace, Action::CopyAll, _) => trace
                .trace
                .as_ref()
                .map(|t| (t.to_json_text(), "the whole trace".into())),
            (Pane::Trace, Action::CopyMarkdown, _) => trace
                .trace
                .as_ref()
                .map(|_| (self.trace_markdown(), "the trace as Markdown".into())),
            (Pane::Trace | Pane::Locks, Action::CopyCurl, Some(Selected::Log(l))) => {
                super::copies::curl_of(&l, &self.session.token_hosts)
            }
            (Pane::Trace, Action::CopyCurl, _) => None,
            // Each key copies its own form or nothing (`copies::no_form`
            // says which forms there are): never JSON in another's place.
            (_, Action::Copy, selected) => selected?.copy(),
            (_, Action::CopyMarkdown, Some(s)) => self.markdown_of(&s),
            _ => None,
        }
    }

    /// A copy the pane refuses, and why (a big trace lacks payloads).
    pub(crate) fn pane_copy_refused(&self, action: Action) -> Option<String> {
        match self.pane {
            Pane::Trace => self.trace_copy_refused(action),
            _ => None,
        }
    }

    /// The door drift enforcement is for: the lock pane's own, the selected
    /// log's in a trace, or the one the selected job's payload names.
    pub(crate) fn target_door(&self) -> Option<i64> {
        match (self.pane, self.selected()) {
            (Pane::Locks, _) => self.panes.lock.door.as_ref().map(|d| d.id),
            (Pane::Trace, Some(Selected::Log(l))) => l.door_id,
            (Pane::Jobs, Some(Selected::Job(j))) => {
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
}

/// A row's raw copy: its JSON columns as Postgres's text.
fn whole(value: &Value, raws: &crate::store::traces::RawJson) -> String {
    crate::store::traces::row_json_text(value.clone(), raws)
}
