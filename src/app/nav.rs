//! Where the operator is and how they move: panes, locations and the Esc
//! history, and moving the selection (each pane's own answers: `panes`).

use crate::app::{
    ActingOf, App, Cmd, JobsLoad, LockState, Overlay, Pane, Query, Slot, TraceState, UserState,
};
use crate::store::queries::Page;

/// Where the operator can be; Esc walks back through these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Loc {
    Jobs,
    /// The queue with this job selected and its detail shown.
    Job(i64),
    Audit,
    Lock(String),
    User(i64),
    Trace(String),
    /// The Pulse: what is happening now.
    Pulse,
}

impl App {
    /// Goes to a location, remembering where we were when `remember`.
    pub fn go(&mut self, loc: Loc, remember: bool) -> Vec<Cmd> {
        if remember {
            let here = self.current_loc();
            if here != loc {
                self.history.push(here);
            }
            self.remember_opened(&loc);
        }
        self.popups.overlays.clear();
        match loc {
            Loc::Jobs => {
                self.pane = Pane::Jobs;
                if self.panes.jobs.rows.is_empty() && !self.panes.jobs.loading {
                    return self.load_jobs(Page::First, JobsLoad::Replace);
                }
                Vec::new()
            }
            Loc::Job(id) => {
                self.pane = Pane::Jobs;
                let mut cmds = self.reload(Slot::Jobs, Query::Job(id));
                cmds.extend(self.reload(
                    Slot::Acting,
                    Query::Acting(ActingOf::Job { id, probe: true }),
                ));
                cmds.extend(self.reload(Slot::JobLogs, Query::JobLogs(id)));
                cmds
            }
            Loc::Audit => {
                self.pane = Pane::Audit;
                if !self.panes.audit.loaded && !self.panes.audit.loading {
                    self.panes.audit.loading = true;
                    return self.reload(Slot::Audit, Query::Audit { before: None });
                }
                Vec::new()
            }
            Loc::Lock(key) => {
                self.pane = Pane::Locks;
                if self.panes.lock.lock_key.as_deref() != Some(&key)
                    || self.panes.lock.logs.is_empty()
                {
                    self.panes.lock = LockState {
                        door: self
                            .doors
                            .iter()
                            .find(|d| d.lock_key().as_deref() == Some(&key))
                            .cloned(),
                        lock_key: Some(key.clone()),
                        loading: true,
                        ..LockState::default()
                    };
                    let mut cmds = self.reload(Slot::Lock, Query::LockLogs(key.clone()));
                    cmds.extend(self.load_lock_acting(&key));
                    cmds.extend(self.load_trail(&key));
                    return cmds;
                }
                Vec::new()
            }
            Loc::User(id) => {
                self.pane = Pane::User;
                if self.panes.user.user_id != Some(id) || self.panes.user.detail.is_none() {
                    self.panes.user = UserState::opening(id);
                    return self.load_user(id);
                }
                Vec::new()
            }
            Loc::Pulse => self.open_pulse(),
            Loc::Trace(q) => {
                self.pane = Pane::Trace;
                let loaded = self
                    .panes
                    .trace
                    .trace
                    .as_ref()
                    .map(|t| t.correlation_id.as_str());
                if loaded != Some(q.as_str()) || self.panes.trace.query.as_deref() != Some(&q) {
                    self.panes.trace = TraceState {
                        query: Some(q.clone()),
                        loading: true,
                        ..TraceState::default()
                    };
                    return self.reload(Slot::Trace, Query::Trace(q));
                }
                Vec::new()
            }
        }
    }

    pub(crate) fn back(&mut self) -> Vec<Cmd> {
        // A popup first: an Esc meant to close it never cancels a load.
        if self.popups.close_top() {
            return Vec::new();
        }
        if let Some(cmds) = self.cancel_slow_loads() {
            return cmds;
        }
        // A database search's rows first (`S`), then the filter.
        if let Some(cmds) = self.db_search_back() {
            return cmds;
        }
        if let Some(text_filter) = self.text_filter_mut() {
            if !text_filter.is_empty() {
                text_filter.clear();
                return Vec::new();
            }
        }
        if let Some(cmds) = self.pane_back() {
            return cmds;
        }
        self.history_back()
    }

    pub(crate) fn history_back(&mut self) -> Vec<Cmd> {
        match self.history.pop() {
            Some(loc) => self.go(loc, false),
            None => Vec::new(),
        }
    }

    pub(crate) fn move_selection(&mut self, delta: isize) -> Vec<Cmd> {
        if let Some(o) = self.popups.overlays.last_mut() {
            match o {
                Overlay::Json(j) => {
                    let len = j.doc.visible.len();
                    j.scroll.move_by(delta, len);
                }
                Overlay::Diff(d) => {
                    let len = d.changes.len() + 4;
                    d.scroll.move_by(delta, len);
                }
                Overlay::Picker(p) => {
                    let len = p.rows().len();
                    p.scroll.move_by(delta, len);
                }
            }
            return Vec::new();
        }
        self.move_in_pane(delta)
    }
}
