//! Where the operator is and how they move: panes, locations and the Esc
//! history, the selection, paging near an edge, and Enter's drill-down.

use crate::app::{
    App, Cmd, JobsLoad, Level, LockRow, LockState, Overlay, Query, Scroll, Slot, TraceItem,
    TraceState, UserItem, UserState,
};
use crate::store::queries::{Keyset, Page};
use crate::store::reveal::RevealOf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pane {
    Jobs,
    Audit,
    Locks,
    User,
    Trace,
}

impl Pane {
    pub const ALL: [Pane; 5] = [
        Pane::Jobs,
        Pane::Audit,
        Pane::Locks,
        Pane::User,
        Pane::Trace,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Pane::Jobs => "Jobs",
            Pane::Audit => "Audit",
            Pane::Locks => "Lock logs",
            Pane::User => "User",
            Pane::Trace => "Trace",
        }
    }
}

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
}

impl App {
    pub(crate) fn current_loc(&self) -> Loc {
        match self.pane {
            Pane::Jobs => Loc::Jobs,
            Pane::Audit => Loc::Audit,
            Pane::Locks => self
                .panes
                .lock
                .lock_key
                .clone()
                .map_or(Loc::Jobs, Loc::Lock),
            Pane::User => self.panes.user.user_id.map_or(Loc::Jobs, Loc::User),
            Pane::Trace => self.panes.trace.query.clone().map_or(Loc::Jobs, Loc::Trace),
        }
    }

    /// Goes to a location, remembering where we were when `remember`.
    pub fn go(&mut self, loc: Loc, remember: bool) -> Vec<Cmd> {
        if remember {
            let here = self.current_loc();
            if here != loc {
                self.history.push(here);
            }
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
                self.reload(Slot::Jobs, Query::Job(id))
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
                    cmds.extend(self.load_trail(&key));
                    return cmds;
                }
                Vec::new()
            }
            Loc::User(id) => {
                self.pane = Pane::User;
                if self.panes.user.user_id != Some(id) || self.panes.user.detail.is_none() {
                    self.panes.user = UserState {
                        user_id: Some(id),
                        loading: true,
                        ..UserState::default()
                    };
                    return self.reload(Slot::User, Query::User(id));
                }
                Vec::new()
            }
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

    pub(crate) fn switch_pane(&mut self, pane: Pane) -> Vec<Cmd> {
        self.popups.overlays.clear();
        if pane == self.pane {
            return Vec::new();
        }
        match pane {
            Pane::Jobs => self.go(Loc::Jobs, true),
            Pane::Audit => self.go(Loc::Audit, true),
            // These need a subject; without one, say how to give it.
            Pane::Locks | Pane::User | Pane::Trace => {
                let empty = match pane {
                    Pane::Locks => self.panes.lock.lock_key.is_none(),
                    Pane::User => self.panes.user.user_id.is_none(),
                    _ => self.panes.trace.query.is_none(),
                };
                if !empty {
                    self.history.push(self.current_loc());
                }
                self.pane = pane;
                if empty {
                    let how = match pane {
                        Pane::Locks => "type :door 2 or :lock TTLOCK:28991110",
                        Pane::User => "type :user 9, or press Enter on a job's user",
                        _ => "type :trace <id>, or press Enter on a job",
                    };
                    self.say(Level::Info, format!("{} is empty: {how}", pane.title()));
                }
                Vec::new()
            }
        }
    }

    pub(crate) fn back(&mut self) -> Vec<Cmd> {
        if self.popups.close_top() {
            return Vec::new();
        }
        let text_filter = match self.pane {
            Pane::Jobs => &mut self.panes.jobs.text,
            Pane::Audit => &mut self.panes.audit.text,
            Pane::Locks => &mut self.panes.lock.text,
            _ => return self.history_back(),
        };
        if !text_filter.is_empty() {
            text_filter.clear();
            return Vec::new();
        }
        self.history_back()
    }

    pub(crate) fn history_back(&mut self) -> Vec<Cmd> {
        match self.history.pop() {
            Some(loc) => self.go(loc, false),
            None => Vec::new(),
        }
    }

    pub(crate) fn list_len(&self) -> usize {
        match self.pane {
            Pane::Jobs => self.panes.jobs.visible().len(),
            Pane::Audit => self.panes.audit.visible().len(),
            Pane::Locks => self.panes.lock.visible().len(),
            Pane::User => self.panes.user.items().len(),
            Pane::Trace => self.panes.trace.items.len(),
        }
    }

    pub(crate) fn scroll_mut(&mut self) -> &mut Scroll {
        if let Some(o) = self.popups.overlays.last_mut() {
            return match o {
                Overlay::Json(j) => &mut j.scroll,
                Overlay::Diff(d) => &mut d.scroll,
            };
        }
        match self.pane {
            Pane::Jobs => &mut self.panes.jobs.scroll,
            Pane::Audit => &mut self.panes.audit.scroll,
            Pane::Locks => &mut self.panes.lock.scroll,
            Pane::User => &mut self.panes.user.scroll,
            Pane::Trace => &mut self.panes.trace.scroll,
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
            }
            return Vec::new();
        }
        if self.pane == Pane::Trace {
            self.panes.trace.step(delta > 0, delta.unsigned_abs());
            return Vec::new();
        }
        if self.pane == Pane::Jobs {
            // The cursor moved: the job acted on goes at the next refresh.
            self.panes.jobs.acted_on = None;
        }
        let len = self.list_len();
        self.scroll_mut().move_by(delta, len);
        self.maybe_page()
    }

    /// Fetches the next keyset page when the selection nears an edge.
    pub(crate) fn maybe_page(&mut self) -> Vec<Cmd> {
        match self.pane {
            Pane::Jobs if !self.panes.jobs.loading && self.panes.jobs.text.is_empty() => {
                let sel = self.panes.jobs.scroll.selected;
                let len = self.panes.jobs.rows.len();
                if self.panes.jobs.more_below && sel + 20 >= len {
                    if let Some(last) = self.panes.jobs.rows.last() {
                        let k = Keyset::of_job(last);
                        return self.load_jobs(Page::Older(k), JobsLoad::Append);
                    }
                }
                if self.panes.jobs.more_above && sel < 20 {
                    if let Some(first) = self.panes.jobs.rows.first() {
                        let k = Keyset::of_job(first);
                        return self.load_jobs(Page::Newer(k), JobsLoad::Prepend);
                    }
                }
                Vec::new()
            }
            Pane::Audit
                if !self.panes.audit.loading
                    && self.panes.audit.more_below
                    && self.panes.audit.text.is_empty() =>
            {
                if self.panes.audit.scroll.selected + 20 >= self.panes.audit.rows.len() {
                    if let Some(last) = self.panes.audit.rows.last() {
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
        if !self.popups.overlays.is_empty() {
            return Vec::new();
        }
        match self.pane {
            Pane::Jobs => match self
                .panes
                .jobs
                .selected_job()
                .and_then(|j| j.correlation_id.clone())
            {
                Some(c) => self.go(Loc::Trace(c), true),
                None => {
                    self.say(Level::Info, "this job has no correlation id");
                    Vec::new()
                }
            },
            Pane::Audit => {
                let v = self.panes.audit.visible();
                if let Some(&i) = v.get(self.panes.audit.scroll.selected) {
                    let row = self.panes.audit.rows[i].clone();
                    self.open_diff(row);
                }
                Vec::new()
            }
            Pane::Locks => {
                let v = self.panes.lock.visible();
                match v.get(self.panes.lock.scroll.selected) {
                    Some(LockRow::Log(i)) => {
                        let l = self.panes.lock.logs[*i].clone();
                        let copy = Some(whole(&l.to_json(), &l.raw_json));
                        self.open_json_with(
                            format!("log #{} {}", l.id, l.action),
                            &l.to_json(),
                            copy,
                        );
                        self.shows_row(RevealOf::Log(l.id));
                    }
                    Some(LockRow::Event(i)) => {
                        let e = self.panes.lock.trail.events[*i].clone();
                        let provider = self.panes.lock.trail.provider.clone().unwrap_or_default();
                        self.open_json(format!("{provider} audit trail · {}", e.kind), &e.raw);
                    }
                    None => {}
                }
                Vec::new()
            }
            Pane::User => {
                let items = self.panes.user.items();
                let Some(d) = &self.panes.user.detail else {
                    return Vec::new();
                };
                match items.get(self.panes.user.scroll.selected) {
                    Some(UserItem::Job(i)) => match d.jobs[*i].correlation_id.clone() {
                        Some(c) => self.go(Loc::Trace(c), true),
                        None => Vec::new(),
                    },
                    Some(UserItem::Trace(i)) => {
                        let c = d.traces[*i].correlation_id.clone();
                        self.go(Loc::Trace(c), true)
                    }
                    Some(UserItem::Door(i)) => match d.doors[*i].lock_key.clone() {
                        Some(k) => self.go(Loc::Lock(k), true),
                        None => Vec::new(),
                    },
                    None => Vec::new(),
                }
            }
            Pane::Trace => {
                let Some(t) = &self.panes.trace.trace else {
                    return Vec::new();
                };
                match self
                    .panes
                    .trace
                    .items
                    .get(self.panes.trace.scroll.selected)
                    .cloned()
                {
                    Some(TraceItem::Audit(i)) => {
                        let row = t.audit[i].clone();
                        self.open_diff(row);
                    }
                    Some(TraceItem::Job(i)) => {
                        let j = t.jobs[i].to_json();
                        let id = t.jobs[i].id;
                        let copy = Some(whole(&j, &t.jobs[i].raw_json));
                        self.open_json_with(format!("job #{id}"), &j, copy);
                        self.shows_row(RevealOf::Job(id));
                    }
                    Some(TraceItem::GroupLog(i)) | Some(TraceItem::TimelineLog(i))
                        if t.logs[i].detached =>
                    {
                        // A big trace's log: opened when its page comes.
                        let id = t.logs[i].id;
                        self.panes.trace.open_when_loaded = Some(id);
                        self.say(Level::Info, format!("log #{id}: reading its payloads…"));
                        return self.trace_payloads();
                    }
                    Some(TraceItem::GroupLog(i)) | Some(TraceItem::TimelineLog(i)) => {
                        let l = t.logs[i].to_json();
                        let title = format!("log #{} {}", t.logs[i].id, t.logs[i].action);
                        let copy = Some(whole(&l, &t.logs[i].raw_json));
                        let id = t.logs[i].id;
                        self.open_json_with(title, &l, copy);
                        self.shows_row(RevealOf::Log(id));
                    }
                    _ => {}
                }
                Vec::new()
            }
        }
    }
}

/// A row's raw copy: its JSON columns as Postgres's text.
fn whole(value: &serde_json::Value, raws: &crate::store::traces::RawJson) -> String {
    crate::store::traces::row_json_text(value.clone(), raws)
}
