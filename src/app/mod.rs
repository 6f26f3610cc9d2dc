// The console's state and its one transition function: `update(Msg) ->
// Vec<Cmd>`. No I/O here: queries are described as `Cmd`s, run elsewhere, and
// come back as `Msg::Loaded` tagged with the request id; stale ones are dropped.

mod actions;

pub use actions::{ActRequest, ActResult, Dialog, DriftDialog, PreviewView};

use std::cell::Cell;
use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use crossterm::event::KeyEvent;
use serde_json::Value;

use crate::diff::{Change, diff};
use crate::jsondoc::JsonDoc;
use crate::keys::Action;
use crate::keys::{Context, Key, Keymap};
use crate::providers::LockEvent;
use crate::store::queries::{Door, JobCounts, JobFilter, Keyset, Page, StatusFilter, UserDetail};
use crate::store::traces::{AuditRow, JobRow, LogRow, Trace};
use crate::timefmt::Clock;
use crate::timeline::{self, Summary};

/// How many jobs one keyset page holds, and how many stay in memory at most.
pub const PAGE: i64 = 200;
pub const WINDOW_CAP: usize = 1_000;
/// How often the queue is polled for changes (in ticks of one second).
pub const POLL_EVERY: u64 = 2;
pub const COUNTS_EVERY: u64 = 10;

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

/// A query slot: a newer request in a slot supersedes the older one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Slot {
    Jobs,
    JobCounts,
    Audit,
    Lock,
    LockTrail,
    User,
    Trace,
    Doors,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobsLoad {
    Replace,
    Append,
    Prepend,
    Refresh,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Query {
    Jobs {
        filter: JobFilter,
        page: Page,
        mode: JobsLoad,
        now: DateTime<Utc>,
        /// Rows wanted: a page, or the whole window on a refresh.
        limit: i64,
    },
    JobCounts(DateTime<Utc>),
    /// One job, to open the queue on it.
    Job(i64),
    Audit {
        before: Option<(DateTime<Utc>, i64)>,
    },
    LockLogs(String),
    /// The provider's audit trail (and clock) for one lock.
    LockTrail {
        provider: String,
        customer: Option<i64>,
        external_id: String,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    },
    User(i64),
    /// A correlation id or a unique prefix of one.
    Trace(String),
    Doors,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Cmd {
    Load {
        slot: Slot,
        id: u64,
        query: Query,
    },
    /// The request in flight in this slot is no longer wanted.
    Cancel {
        slot: Slot,
        id: u64,
    },
    /// A change on production (or a look that prepares one), by an operator.
    Act {
        id: u64,
        op: crate::engine::Operator,
        req: ActRequest,
    },
    /// Text for the clipboard; `what` names it in the status line.
    Copy {
        text: String,
        what: String,
    },
    Quit,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TraceResult {
    Found(Trace),
    NotFound(String),
    Ambiguous(String, Vec<String>),
    Invalid(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Data {
    Jobs(Vec<JobRow>),
    JobCounts(JobCounts),
    Job(i64, Option<JobRow>),
    Audit(Vec<AuditRow>),
    Lock(Vec<LogRow>),
    /// Events newest first, and the lock's clock with when it was read.
    LockTrail(Vec<LockEvent>, Option<(DateTime<Utc>, DateTime<Utc>)>),
    User(UserDetail),
    Trace(TraceResult),
    Doors(Vec<Door>),
}

/// A failed load, already in words for the operator.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadError {
    pub message: String,
    /// The database could not be reached (as opposed to a bad query).
    pub connection_lost: bool,
}

#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    /// One second passed; `now` is the clock the app shows.
    Tick(DateTime<Utc>),
    Loaded {
        slot: Slot,
        id: u64,
        // Boxed: a loaded trace or user is large next to a key press.
        result: Box<Result<Data, LoadError>>,
    },
    /// An action's outcome.
    Acted {
        id: u64,
        result: Box<ActResult>,
    },
    /// Where a copy went, in words.
    Copied(String),
    /// The terminal changed size (columns, rows); the next frame redraws.
    Resize(u16, u16),
}

/// A scroll position that draw code may adjust to keep the selection visible.
#[derive(Debug, Default)]
pub struct Scroll {
    pub selected: usize,
    pub offset: Cell<usize>,
}

impl Scroll {
    /// The first row to draw in a viewport of `height` rows.
    pub fn offset_for(&self, height: usize) -> usize {
        let mut off = self.offset.get();
        if self.selected < off {
            off = self.selected;
        } else if height > 0 && self.selected >= off + height {
            off = self.selected + 1 - height;
        }
        self.offset.set(off);
        off
    }

    /// Selects `row` and scrolls so that it shows a few lines from the top
    /// (a search match, with its context below it).
    pub fn show_near_top(&mut self, row: usize) {
        self.selected = row;
        self.offset.set(row.saturating_sub(4));
    }

    fn move_by(&mut self, delta: isize, len: usize) {
        if len == 0 {
            self.selected = 0;
            return;
        }
        let s = self.selected as isize + delta;
        self.selected = s.clamp(0, len as isize - 1) as usize;
    }
}

#[derive(Debug, Default)]
pub struct JobsState {
    pub filter: JobFilter,
    pub rows: Vec<JobRow>,
    pub scroll: Scroll,
    /// None: the window starts at the newest job.
    pub window_start: Option<Keyset>,
    pub more_below: bool,
    pub more_above: bool,
    pub counts: JobCounts,
    pub text: String,
    pub loading: bool,
    /// Select this job when the next page arrives.
    pub focus: Option<i64>,
}

impl JobsState {
    /// Indices of the rows the text filter lets through.
    pub fn visible(&self) -> Vec<usize> {
        let t = self.text.to_lowercase();
        (0..self.rows.len())
            .filter(|&i| t.is_empty() || job_matches(&self.rows[i], &t))
            .collect()
    }

    pub fn selected_job(&self) -> Option<&JobRow> {
        let v = self.visible();
        v.get(self.scroll.selected).map(|&i| &self.rows[i])
    }
}

fn job_matches(j: &JobRow, t: &str) -> bool {
    j.id.to_string().contains(t)
        || j.job_type.to_lowercase().contains(t)
        || j.status.contains(t)
        || j.user_id.to_string() == t
        || j.reason
            .as_deref()
            .is_some_and(|r| r.to_lowercase().contains(t))
        || j.last_error
            .as_deref()
            .is_some_and(|e| e.to_lowercase().contains(t))
        || j.correlation_id
            .as_deref()
            .is_some_and(|c| c.starts_with(t))
}

#[derive(Debug, Default)]
pub struct AuditState {
    pub rows: Vec<AuditRow>,
    pub scroll: Scroll,
    pub more_below: bool,
    pub text: String,
    pub loading: bool,
    pub loaded: bool,
}

impl AuditState {
    pub fn visible(&self) -> Vec<usize> {
        let t = self.text.to_lowercase();
        (0..self.rows.len())
            .filter(|&i| {
                let a = &self.rows[i];
                t.is_empty()
                    || a.entity_type.to_lowercase().contains(&t)
                    || a.action.to_lowercase().contains(&t)
                    || a.entity_id.is_some_and(|e| e.to_string() == t)
                    || a.actor
                        .as_deref()
                        .is_some_and(|x| x.to_lowercase().contains(&t))
                    || a.source
                        .as_deref()
                        .is_some_and(|x| x.to_lowercase().contains(&t))
                    || a.correlation_id
                        .as_deref()
                        .is_some_and(|c| c.starts_with(&t))
            })
            .collect()
    }
}

#[derive(Debug, Default)]
pub struct LockState {
    pub lock_key: Option<String>,
    pub door: Option<Door>,
    pub logs: Vec<LogRow>,
    pub scroll: Scroll,
    pub text: String,
    pub loading: bool,
    pub error: Option<String>,
    /// The provider's own audit trail for the lock, loaded on its own.
    pub trail: Trail,
}

/// The lock's own audit trail, as its provider reports it.
#[derive(Debug, Default)]
pub struct Trail {
    pub loading: bool,
    pub events: Vec<LockEvent>,
    pub error: Option<String>,
    /// The lock's clock minus the console's, when the provider can tell.
    pub clock_skew: Option<Duration>,
    pub provider: Option<String>,
}

/// One row of the per-lock pane: a broker log or a provider event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockRow {
    Log(usize),
    Event(usize),
}

impl LockState {
    /// Broker logs and provider events merged, newest first, filtered.
    pub fn visible(&self) -> Vec<LockRow> {
        let t = self.text.to_lowercase();
        let mut rows: Vec<(DateTime<Utc>, LockRow)> = Vec::new();
        for (i, l) in self.logs.iter().enumerate() {
            let hit = t.is_empty()
                || l.action.to_lowercase().contains(&t)
                || l.error_message
                    .as_deref()
                    .is_some_and(|e| e.to_lowercase().contains(&t))
                || l.correlation_id
                    .as_deref()
                    .is_some_and(|c| c.starts_with(&t))
                || l.reconcile_job_id.is_some_and(|j| j.to_string() == t)
                || (t == "failed" && !l.ok);
            if hit {
                rows.push((l.created_at, LockRow::Log(i)));
            }
        }
        for (i, e) in self.trail.events.iter().enumerate() {
            let hit = t.is_empty()
                || e.kind.to_lowercase().contains(&t)
                || e.who
                    .as_deref()
                    .is_some_and(|w| w.to_lowercase().contains(&t))
                || (t == "failed" && !e.success);
            if hit {
                rows.push((e.at, LockRow::Event(i)));
            }
        }
        rows.sort_by_key(|r| std::cmp::Reverse(r.0));
        rows.into_iter().map(|(_, r)| r).collect()
    }
}

/// One selectable or decorative row of the user pane.
#[derive(Debug, Clone, PartialEq)]
pub enum UserItem {
    Job(usize),
    Trace(usize),
    Door(usize),
}

#[derive(Debug, Default)]
pub struct UserState {
    pub user_id: Option<i64>,
    pub detail: Option<UserDetail>,
    pub scroll: Scroll,
    pub loading: bool,
    pub error: Option<String>,
}

impl UserState {
    /// The rows Enter can open: doors, jobs, traces.
    pub fn items(&self) -> Vec<UserItem> {
        let Some(d) = &self.detail else {
            return Vec::new();
        };
        (0..d.doors.len())
            .map(UserItem::Door)
            .chain((0..d.traces.len()).map(UserItem::Trace))
            .chain((0..d.jobs.len()).map(UserItem::Job))
            .collect()
    }
}

/// One row of the trace pane.
#[derive(Debug, Clone, PartialEq)]
pub enum TraceItem {
    Section(&'static str),
    Anomaly(usize),
    Audit(usize),
    Job(usize),
    Provider(usize),
    LockGroup(usize, usize),
    /// A log inside a lock group (section 3).
    GroupLog(usize),
    /// A log in the full timeline (section 4).
    TimelineLog(usize),
    Note(&'static str),
    Blank,
}

impl TraceItem {
    pub fn selectable(&self) -> bool {
        matches!(
            self,
            TraceItem::Audit(_)
                | TraceItem::Job(_)
                | TraceItem::GroupLog(_)
                | TraceItem::TimelineLog(_)
        )
    }
}

#[derive(Debug, Default)]
pub struct TraceState {
    pub query: Option<String>,
    pub trace: Option<Trace>,
    pub summary: Option<Summary>,
    pub items: Vec<TraceItem>,
    pub scroll: Scroll,
    pub loading: bool,
    pub error: Option<String>,
}

impl TraceState {
    fn rebuild(&mut self) {
        self.items.clear();
        let (Some(t), Some(s)) = (&self.trace, &self.summary) else {
            return;
        };
        let items = &mut self.items;
        if !s.anomalies.is_empty() {
            items.push(TraceItem::Section("Anomalies"));
            items.extend((0..s.anomalies.len()).map(TraceItem::Anomaly));
            items.push(TraceItem::Blank);
        }
        items.push(TraceItem::Section("1 — What changed (audit)"));
        if t.audit.is_empty() {
            items.push(TraceItem::Note("no audit rows for this correlation id"));
        }
        items.extend((0..t.audit.len()).map(TraceItem::Audit));
        items.push(TraceItem::Blank);
        items.push(TraceItem::Section(
            "2 — What the system decided (reconcile jobs)",
        ));
        if t.jobs.is_empty() {
            items.push(TraceItem::Note("no jobs for this correlation id"));
        }
        items.extend((0..t.jobs.len()).map(TraceItem::Job));
        items.push(TraceItem::Blank);
        items.push(TraceItem::Section(
            "3 — What was sent to locks (provider → lock)",
        ));
        if s.groups.is_empty() {
            items.push(TraceItem::Note(
                "no integration logs for this correlation id",
            ));
        }
        for (p, g) in s.groups.iter().enumerate() {
            items.push(TraceItem::Provider(p));
            for (k, lg) in g.locks.iter().enumerate() {
                items.push(TraceItem::LockGroup(p, k));
                items.extend(lg.logs.iter().map(|&i| TraceItem::GroupLog(i)));
            }
        }
        items.push(TraceItem::Blank);
        items.push(TraceItem::Section("4 — Timeline"));
        items.extend((0..t.logs.len()).map(TraceItem::TimelineLog));
        self.scroll.selected = self
            .items
            .iter()
            .position(TraceItem::selectable)
            .unwrap_or(0);
        self.scroll.offset.set(0);
    }

    fn step(&mut self, forward: bool, count: usize) {
        let mut i = self.scroll.selected;
        let mut moved = 0;
        while moved < count {
            let next = if forward {
                (i + 1..self.items.len()).find(|&j| self.items[j].selectable())
            } else {
                (0..i).rev().find(|&j| self.items[j].selectable())
            };
            match next {
                Some(n) => {
                    i = n;
                    moved += 1;
                }
                None => break,
            }
        }
        self.scroll.selected = i;
    }

    fn jump_section(&mut self, forward: bool) {
        let sections: Vec<usize> = (0..self.items.len())
            .filter(|&i| matches!(self.items[i], TraceItem::Section(_)))
            .collect();
        let cur = self.scroll.selected;
        let target = if forward {
            sections.iter().find(|&&s| s > cur)
        } else {
            sections
                .iter()
                .rev()
                .find(|&&s| s + 1 < cur)
                .or(sections.first())
        };
        if let Some(&s) = target {
            if let Some(j) = (s..self.items.len()).find(|&j| self.items[j].selectable()) {
                self.scroll.selected = j;
                // Show the section heading at the top.
                self.scroll.offset.set(s);
            }
        }
    }

    pub fn selected_log(&self) -> Option<&LogRow> {
        let t = self.trace.as_ref()?;
        match self.items.get(self.scroll.selected)? {
            TraceItem::GroupLog(i) | TraceItem::TimelineLog(i) => t.logs.get(*i),
            _ => None,
        }
    }
}

#[derive(Debug)]
pub struct JsonView {
    pub title: String,
    pub doc: JsonDoc,
    /// The value shown, for copying exactly.
    pub value: Value,
    pub scroll: Scroll,
}

#[derive(Debug)]
pub struct DiffView {
    pub row: AuditRow,
    pub changes: Vec<Change>,
    pub scroll: Scroll,
}

#[derive(Debug)]
pub enum Overlay {
    Json(JsonView),
    Diff(DiffView),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PromptKind {
    Command,
    Filter,
    Search,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prompt {
    pub kind: PromptKind,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
    Error,
}

/// Facts about the session shown in the status bar.
#[derive(Debug, Clone)]
pub struct Session {
    /// `profile · host/db`.
    pub target: String,
    pub read_only: bool,
    pub drift_disabled: Option<String>,
    pub broker_tables: bool,
}

pub struct App {
    pub pane: Pane,
    pub history: Vec<Loc>,
    pub jobs: JobsState,
    pub audit: AuditState,
    pub lock: LockState,
    pub user: UserState,
    pub trace: TraceState,
    pub overlays: Vec<Overlay>,
    pub prompt: Option<Prompt>,
    pub help: bool,
    pub message: Option<(Level, String)>,
    pub session: Session,
    pub clock: Clock,
    pub now: DateTime<Utc>,
    pub keymap: Keymap,
    pub stuck_after: Duration,
    pub doors: Vec<Door>,
    /// Set while the database cannot be reached; cleared by the next success.
    pub db_lost: Option<String>,
    /// Changes are allowed until then (`--write`: forever; `:write 15m`).
    pub write_until: Option<DateTime<Utc>>,
    pub write_reason: Option<String>,
    /// Who the operator is, for the audit trail.
    pub operator: String,
    /// The drift mode a plan starts in (config; `standard`).
    pub default_mode: crate::engine::plan::Mode,
    pub dialog: Option<Dialog>,
    pub quit: bool,
    ticks: u64,
    /// Actions sent and not yet answered.
    acting: usize,
    next_id: u64,
    pending: HashMap<Slot, (u64, Query)>,
}

impl App {
    pub fn new(
        session: Session,
        keymap: Keymap,
        clock: Clock,
        now: DateTime<Utc>,
        stuck_after: Duration,
    ) -> App {
        App {
            pane: Pane::Jobs,
            history: Vec::new(),
            jobs: JobsState::default(),
            audit: AuditState::default(),
            lock: LockState::default(),
            user: UserState::default(),
            trace: TraceState::default(),
            overlays: Vec::new(),
            prompt: None,
            help: false,
            message: None,
            session,
            clock,
            now,
            keymap,
            stuck_after,
            doors: Vec::new(),
            db_lost: None,
            write_until: None,
            write_reason: None,
            operator: std::env::var("USER").unwrap_or_else(|_| "operator".into()),
            default_mode: crate::engine::plan::Mode::Standard,
            dialog: None,
            quit: false,
            ticks: 0,
            acting: 0,
            next_id: 0,
            pending: HashMap::new(),
        }
    }

    /// Requests still waiting for an answer.
    pub fn in_flight(&self) -> usize {
        self.pending.len() + self.acting
    }

    /// The first commands: the doors (unless already loaded), then `start`.
    pub fn start(&mut self, start: Loc) -> Vec<Cmd> {
        // The console's setup usually loads the doors before starting.
        let mut cmds = Vec::new();
        if self.doors.is_empty() {
            cmds.push(self.load(Slot::Doors, Query::Doors));
        }
        cmds.extend(self.go(start, false));
        cmds.push(self.load(Slot::JobCounts, Query::JobCounts(self.now)));
        cmds
    }

    pub(crate) fn load(&mut self, slot: Slot, query: Query) -> Cmd {
        self.next_id += 1;
        let id = self.next_id;
        self.pending.insert(slot, (id, query.clone()));
        Cmd::Load { slot, id, query }
    }

    /// Supersedes whatever is in flight in `slot` (cancelled on the server too).
    fn reload(&mut self, slot: Slot, query: Query) -> Vec<Cmd> {
        let mut cmds = Vec::new();
        if let Some((old, _)) = self.pending.get(&slot) {
            cmds.push(Cmd::Cancel { slot, id: *old });
        }
        cmds.push(self.load(slot, query));
        cmds
    }

    pub fn site_zone(&self, door_id: Option<i64>) -> Option<Tz> {
        let id = door_id?;
        self.doors
            .iter()
            .find(|d| d.id == id)
            .and_then(|d| d.time_zone.as_deref())
            .and_then(|z| z.parse().ok())
    }

    pub(crate) fn say(&mut self, level: Level, text: impl Into<String>) {
        self.message = Some((level, text.into()));
    }

    fn current_loc(&self) -> Loc {
        match self.pane {
            Pane::Jobs => Loc::Jobs,
            Pane::Audit => Loc::Audit,
            Pane::Locks => self.lock.lock_key.clone().map_or(Loc::Jobs, Loc::Lock),
            Pane::User => self.user.user_id.map_or(Loc::Jobs, Loc::User),
            Pane::Trace => self.trace.query.clone().map_or(Loc::Jobs, Loc::Trace),
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
        self.overlays.clear();
        match loc {
            Loc::Jobs => {
                self.pane = Pane::Jobs;
                if self.jobs.rows.is_empty() && !self.jobs.loading {
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
                if !self.audit.loaded && !self.audit.loading {
                    self.audit.loading = true;
                    return self.reload(Slot::Audit, Query::Audit { before: None });
                }
                Vec::new()
            }
            Loc::Lock(key) => {
                self.pane = Pane::Locks;
                if self.lock.lock_key.as_deref() != Some(&key) || self.lock.logs.is_empty() {
                    self.lock = LockState {
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
                if self.user.user_id != Some(id) || self.user.detail.is_none() {
                    self.user = UserState {
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
                let loaded = self.trace.trace.as_ref().map(|t| t.correlation_id.as_str());
                if loaded != Some(q.as_str()) || self.trace.query.as_deref() != Some(&q) {
                    self.trace = TraceState {
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

    /// Asks the lock's provider for its own audit trail (the last 7 days).
    fn load_trail(&mut self, key: &str) -> Vec<Cmd> {
        let Some((provider, external_id)) = key.split_once(':') else {
            return Vec::new();
        };
        if !matches!(provider, "TTLOCK" | "DOORDECK") || external_id == "unknown" {
            return Vec::new();
        }
        self.lock.trail = Trail {
            loading: true,
            provider: Some(provider.to_string()),
            ..Trail::default()
        };
        let customer = self
            .lock
            .door
            .as_ref()
            .and_then(|d| d.integration_customer_id);
        self.reload(
            Slot::LockTrail,
            Query::LockTrail {
                provider: provider.to_string(),
                customer,
                external_id: external_id.to_string(),
                from: self.now - Duration::days(7),
                to: self.now,
            },
        )
    }

    pub(crate) fn load_jobs(&mut self, page: Page, mode: JobsLoad) -> Vec<Cmd> {
        self.jobs.loading = true;
        // A refresh re-reads the whole window, so scrolled-in pages stay.
        let limit = if mode == JobsLoad::Refresh {
            (self.jobs.rows.len() as i64).max(PAGE)
        } else {
            PAGE
        };
        self.reload(
            Slot::Jobs,
            Query::Jobs {
                filter: self.jobs.filter.clone(),
                page,
                mode,
                now: self.now,
                limit,
            },
        )
    }

    fn set_job_filter(&mut self, filter: JobFilter) -> Vec<Cmd> {
        self.jobs.filter = filter;
        self.jobs.window_start = None;
        self.jobs.scroll = Scroll::default();
        self.jobs.focus = None;
        self.pane = Pane::Jobs;
        self.load_jobs(Page::First, JobsLoad::Replace)
    }

    pub fn update(&mut self, msg: Msg) -> Vec<Cmd> {
        match msg {
            Msg::Tick(now) => self.tick(now),
            Msg::Key(k) => self.key(k),
            Msg::Loaded { slot, id, result } => self.loaded(slot, id, *result),
            Msg::Acted { id, result } => self.acted(id, *result),
            Msg::Copied(text) => {
                self.say(Level::Info, text);
                Vec::new()
            }
            // Draw code reads the size from the frame; nothing to keep.
            Msg::Resize(..) => Vec::new(),
        }
    }

    fn tick(&mut self, now: DateTime<Utc>) -> Vec<Cmd> {
        self.now = now;
        self.ticks += 1;
        if self.write_until.is_some_and(|t| t <= now) {
            self.write_until = None;
            self.say(
                Level::Warn,
                "write mode ended: the session is read-only again",
            );
        }
        let mut cmds = Vec::new();
        // Live refresh by polling: it works on any database, with no triggers.
        if self.ticks % POLL_EVERY == 0
            && self.pane == Pane::Jobs
            && !self.pending.contains_key(&Slot::Jobs)
        {
            let page = match self.jobs.window_start {
                None => Page::First,
                Some(k) => Page::From(k),
            };
            cmds.extend(self.load_jobs(page, JobsLoad::Refresh));
        }
        // While the database is unreachable, probe every other tick: the
        // first answer clears the banner, whatever pane is open.
        let probe = self.db_lost.is_some() && self.ticks % 2 == 0;
        if (probe || self.ticks % COUNTS_EVERY == 0) && !self.pending.contains_key(&Slot::JobCounts)
        {
            cmds.push(self.load(Slot::JobCounts, Query::JobCounts(self.now)));
        }
        cmds
    }

    fn context_chain(&self) -> Vec<Context> {
        if self.dialog.is_some() {
            return vec![Context::Dialog];
        }
        if matches!(self.overlays.last(), Some(Overlay::Json(_))) {
            return vec![Context::Json, Context::List, Context::Global];
        }
        if !self.overlays.is_empty() {
            return vec![Context::List, Context::Global];
        }
        match self.pane {
            Pane::Jobs => vec![Context::Jobs, Context::List, Context::Global],
            Pane::Trace => vec![Context::Trace, Context::List, Context::Global],
            _ => vec![Context::List, Context::Global],
        }
    }

    /// The keys of an action where the operator is now (for hints).
    pub fn keys_for(&self, action: Action) -> String {
        let keys = self.keymap.keys_for(&self.context_chain(), action);
        keys.first().map(|k| k.label()).unwrap_or_default()
    }

    /// The actions worth hinting at here, with their first key.
    pub fn hints(&self) -> Vec<(String, &'static str)> {
        let wanted: &[(Action, &str)] = match (self.overlays.last(), self.pane) {
            (Some(Overlay::Json(_)), _) => &[
                (Action::Fold, "fold"),
                (Action::Search, "search"),
                (Action::NextMatch, "next"),
                (Action::Back, "close"),
            ],
            (Some(Overlay::Diff(_)), _) => &[(Action::Back, "close"), (Action::Down, "scroll")],
            (None, Pane::Jobs) => &[
                (Action::Open, "trace"),
                (Action::CycleStatus, "status"),
                (Action::Filter, "filter"),
                (Action::Command, "command"),
                (Action::Help, "help"),
            ],
            (None, Pane::Trace) => &[
                (Action::Open, "raw JSON"),
                (Action::ShowRequest, "request"),
                (Action::ShowResponse, "response"),
                (Action::NextSection, "section"),
                (Action::Back, "back"),
            ],
            (None, _) => &[
                (Action::Open, "open"),
                (Action::Filter, "filter"),
                (Action::Back, "back"),
                (Action::Help, "help"),
            ],
        };
        wanted
            .iter()
            .filter_map(|(a, label)| {
                let k = self.keys_for(*a);
                let k = k.trim_start_matches('<').trim_end_matches('>').to_string();
                (!k.is_empty()).then_some((k, *label))
            })
            .collect()
    }

    fn key(&mut self, ev: KeyEvent) -> Vec<Cmd> {
        // Typing into a prompt takes every key but Enter/Esc/Backspace.
        if let Some(p) = &mut self.prompt {
            use crossterm::event::KeyCode;
            match ev.code {
                KeyCode::Esc => {
                    let kind = p.kind.clone();
                    self.prompt = None;
                    if kind == PromptKind::Filter {
                        self.set_text_filter(String::new());
                    }
                }
                KeyCode::Enter => {
                    let p = self.prompt.take().unwrap_or(Prompt {
                        kind: PromptKind::Command,
                        text: String::new(),
                    });
                    return self.submit(p);
                }
                KeyCode::Backspace => {
                    p.text.pop();
                    let (kind, text) = (p.kind.clone(), p.text.clone());
                    self.prompt_changed(&kind, text);
                }
                KeyCode::Char(c)
                    if !ev
                        .modifiers
                        .contains(crossterm::event::KeyModifiers::CONTROL) =>
                {
                    p.text.push(c);
                    let (kind, text) = (p.kind.clone(), p.text.clone());
                    self.prompt_changed(&kind, text);
                }
                KeyCode::Char('c') => self.prompt = None,
                _ => {}
            }
            return Vec::new();
        }
        let Some(key) = Key::from_event(&ev) else {
            return Vec::new();
        };
        // A confirmation takes typed text; only its own bindings act.
        if self.dialog.is_some() {
            return match self.keymap.lookup(&[Context::Dialog], key) {
                Some(a) => self.act(a),
                None => self.dialog_key(ev),
            };
        }
        let Some(action) = self.keymap.lookup(&self.context_chain(), key) else {
            return Vec::new();
        };
        self.act(action)
    }

    fn prompt_changed(&mut self, kind: &PromptKind, text: String) {
        match kind {
            PromptKind::Filter => self.set_text_filter(text),
            PromptKind::Search => {
                if let Some(Overlay::Json(j)) = self.overlays.last_mut() {
                    let n = j.doc.search(&text);
                    if let Some(r) = j.doc.jump(j.scroll.selected.saturating_sub(1), true) {
                        j.scroll.show_near_top(r);
                    }
                    self.message = Some((
                        Level::Info,
                        format!("{n} matching line{}", if n == 1 { "" } else { "s" }),
                    ));
                }
            }
            PromptKind::Command => {}
        }
    }

    fn set_text_filter(&mut self, text: String) {
        match self.pane {
            Pane::Jobs => {
                self.jobs.text = text;
                self.jobs.scroll.selected = 0;
            }
            Pane::Audit => {
                self.audit.text = text;
                self.audit.scroll.selected = 0;
            }
            Pane::Locks => {
                self.lock.text = text;
                self.lock.scroll.selected = 0;
            }
            _ => {}
        }
    }

    fn submit(&mut self, p: Prompt) -> Vec<Cmd> {
        match p.kind {
            PromptKind::Filter | PromptKind::Search => Vec::new(),
            PromptKind::Command => self.command(p.text.trim()),
        }
    }

    /// Runs a `:` command.
    pub fn command(&mut self, line: &str) -> Vec<Cmd> {
        let mut words = line.split_whitespace();
        let Some(verb) = words.next() else {
            return Vec::new();
        };
        let arg = words.next();
        let rest: Vec<&str> = words.collect();
        let number = |what: &str, a: Option<&str>| -> Result<i64, String> {
            a.ok_or_else(|| format!(":{what} needs a number, e.g. :{what} 9"))?
                .trim_start_matches('#')
                .parse::<i64>()
                .map_err(|_| format!(":{what} needs a number, e.g. :{what} 9"))
        };
        let result: Result<Vec<Cmd>, String> = match verb {
            "q" | "quit" => {
                self.quit = true;
                Ok(vec![Cmd::Quit])
            }
            "trace" | "t" => match arg {
                Some(id) => Ok(self.go(Loc::Trace(id.to_lowercase()), true)),
                None => Err(":trace needs a correlation id or a unique prefix of one".into()),
            },
            "job" => number("job", arg).map(|id| self.go(Loc::Job(id), true)),
            "user" => number("user", arg).map(|id| self.go(Loc::User(id), true)),
            "door" => match arg {
                None => Err(":door needs a door id or name, e.g. :door 2".into()),
                Some(a) => {
                    let name = std::iter::once(a)
                        .chain(rest.iter().copied())
                        .collect::<Vec<_>>()
                        .join(" ");
                    self.find_door(&name).and_then(|d| {
                        d.lock_key()
                            .map(|k| self.go(Loc::Lock(k), true))
                            .ok_or_else(|| {
                                format!(
                                    "door #{} has no lock (no device type or external id)",
                                    d.id
                                )
                            })
                    })
                }
            },
            "lock" => match arg {
                Some(k) if k.contains(':') => {
                    let (p, e) = k.split_once(':').unwrap_or((k, ""));
                    Ok(self.go(Loc::Lock(format!("{}:{e}", p.to_uppercase())), true))
                }
                _ => Err(":lock needs a lock key such as TTLOCK:28991110".into()),
            },
            "jobs" => {
                let mut f = JobFilter::default();
                let mut err = None;
                let mut args = arg.into_iter().chain(rest.iter().copied());
                while let Some(a) = args.next() {
                    if let Some(s) = StatusFilter::parse(a) {
                        f.status = Some(s);
                    } else if a == "all" {
                    } else if a == "user" {
                        f.user_id = args.next().and_then(|u| u.parse().ok());
                    } else if a == "type" {
                        f.job_type = args.next().map(str::to_string);
                    } else if let Some(h) = a.strip_suffix('h').and_then(|h| h.parse::<i64>().ok())
                    {
                        f.max_age_secs = Some(h * 3600);
                    } else if let Some(d) = a.strip_suffix('d').and_then(|d| d.parse::<i64>().ok())
                    {
                        f.max_age_secs = Some(d * 86_400);
                    } else if a.contains('_') {
                        f.job_type = Some(a.to_string());
                    } else {
                        err = Some(format!(
                            "`{a}` is not a job filter: use a status ({}), `user N`, a job type, or an age like 24h or 7d",
                            StatusFilter::ALL
                                .iter()
                                .map(|s| s.name())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ));
                    }
                }
                match err {
                    Some(e) => Err(e),
                    None => {
                        self.history.push(self.current_loc());
                        Ok(self.set_job_filter(f))
                    }
                }
            }
            "audit" => Ok(self.go(Loc::Audit, true)),
            "write" => self.elevate(arg, &rest).map(|()| Vec::new()),
            "readonly" | "ro" => {
                self.write_until = None;
                self.say(Level::Info, "the session is read-only");
                Ok(Vec::new())
            }
            other => Err(format!(
                "unknown command `:{other}`: try :trace <id>, :job N, :user N, :door N, :lock KEY, :jobs [status], :audit, :q"
            )),
        };
        match result {
            Ok(c) => c,
            Err(e) => {
                self.say(Level::Error, e);
                Vec::new()
            }
        }
    }

    fn find_door(&self, q: &str) -> Result<Door, String> {
        if let Ok(id) = q.trim_start_matches('#').parse::<i64>() {
            return self
                .doors
                .iter()
                .find(|d| d.id == id)
                .cloned()
                .ok_or_else(|| format!("no door #{id}"));
        }
        let ql = q.to_lowercase();
        let exact: Vec<&Door> = self
            .doors
            .iter()
            .filter(|d| d.name.to_lowercase() == ql)
            .collect();
        let hits: Vec<&Door> = if exact.is_empty() {
            self.doors
                .iter()
                .filter(|d| d.name.to_lowercase().contains(&ql))
                .collect()
        } else {
            exact
        };
        match hits.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(format!("no door named like `{q}`")),
            many => Err(format!(
                "`{q}` matches {} doors: {}",
                many.len(),
                many.iter()
                    .take(5)
                    .map(|d| format!("#{} {}", d.id, d.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }

    fn list_len(&self) -> usize {
        match self.pane {
            Pane::Jobs => self.jobs.visible().len(),
            Pane::Audit => self.audit.visible().len(),
            Pane::Locks => self.lock.visible().len(),
            Pane::User => self.user.items().len(),
            Pane::Trace => self.trace.items.len(),
        }
    }

    fn scroll_mut(&mut self) -> &mut Scroll {
        if let Some(o) = self.overlays.last_mut() {
            return match o {
                Overlay::Json(j) => &mut j.scroll,
                Overlay::Diff(d) => &mut d.scroll,
            };
        }
        match self.pane {
            Pane::Jobs => &mut self.jobs.scroll,
            Pane::Audit => &mut self.audit.scroll,
            Pane::Locks => &mut self.lock.scroll,
            Pane::User => &mut self.user.scroll,
            Pane::Trace => &mut self.trace.scroll,
        }
    }

    fn move_selection(&mut self, delta: isize) -> Vec<Cmd> {
        if let Some(o) = self.overlays.last_mut() {
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
            self.trace.step(delta > 0, delta.unsigned_abs());
            return Vec::new();
        }
        let len = self.list_len();
        self.scroll_mut().move_by(delta, len);
        self.maybe_page()
    }

    /// Fetches the next keyset page when the selection nears an edge.
    fn maybe_page(&mut self) -> Vec<Cmd> {
        match self.pane {
            Pane::Jobs if !self.jobs.loading && self.jobs.text.is_empty() => {
                let sel = self.jobs.scroll.selected;
                let len = self.jobs.rows.len();
                if self.jobs.more_below && sel + 20 >= len {
                    if let Some(last) = self.jobs.rows.last() {
                        let k = Keyset::of_job(last);
                        return self.load_jobs(Page::Older(k), JobsLoad::Append);
                    }
                }
                if self.jobs.more_above && sel < 20 {
                    if let Some(first) = self.jobs.rows.first() {
                        let k = Keyset::of_job(first);
                        return self.load_jobs(Page::Newer(k), JobsLoad::Prepend);
                    }
                }
                Vec::new()
            }
            Pane::Audit
                if !self.audit.loading && self.audit.more_below && self.audit.text.is_empty() =>
            {
                if self.audit.scroll.selected + 20 >= self.audit.rows.len() {
                    if let Some(last) = self.audit.rows.last() {
                        let before = Some((last.created_at, last.id));
                        self.audit.loading = true;
                        return self.reload(Slot::Audit, Query::Audit { before });
                    }
                }
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    fn open_json(&mut self, title: String, value: &Value) {
        self.overlays.push(Overlay::Json(JsonView {
            title,
            doc: JsonDoc::new(value),
            value: value.clone(),
            scroll: Scroll::default(),
        }));
    }

    fn switch_pane(&mut self, pane: Pane) -> Vec<Cmd> {
        self.overlays.clear();
        if pane == self.pane {
            return Vec::new();
        }
        match pane {
            Pane::Jobs => self.go(Loc::Jobs, true),
            Pane::Audit => self.go(Loc::Audit, true),
            // These need a subject; without one, say how to give it.
            Pane::Locks | Pane::User | Pane::Trace => {
                let empty = match pane {
                    Pane::Locks => self.lock.lock_key.is_none(),
                    Pane::User => self.user.user_id.is_none(),
                    _ => self.trace.query.is_none(),
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

    pub fn act(&mut self, action: Action) -> Vec<Cmd> {
        let page = 15isize;
        match action {
            Action::Quit => {
                self.quit = true;
                vec![Cmd::Quit]
            }
            Action::Help => {
                self.help = !self.help;
                Vec::new()
            }
            Action::Command => {
                self.prompt = Some(Prompt {
                    kind: PromptKind::Command,
                    text: String::new(),
                });
                Vec::new()
            }
            Action::Filter | Action::Search => {
                let in_json = matches!(self.overlays.last(), Some(Overlay::Json(_)));
                if in_json {
                    self.prompt = Some(Prompt {
                        kind: PromptKind::Search,
                        text: String::new(),
                    });
                } else if matches!(self.pane, Pane::Jobs | Pane::Audit | Pane::Locks) {
                    let text = match self.pane {
                        Pane::Jobs => self.jobs.text.clone(),
                        Pane::Audit => self.audit.text.clone(),
                        _ => self.lock.text.clone(),
                    };
                    self.prompt = Some(Prompt {
                        kind: PromptKind::Filter,
                        text,
                    });
                }
                Vec::new()
            }
            Action::Back => self.back(),
            Action::NextPane | Action::PrevPane => {
                let i = Pane::ALL.iter().position(|p| *p == self.pane).unwrap_or(0);
                let n = Pane::ALL.len();
                let next = if action == Action::NextPane {
                    (i + 1) % n
                } else {
                    (i + n - 1) % n
                };
                self.switch_pane(Pane::ALL[next])
            }
            Action::PaneJobs => self.switch_pane(Pane::Jobs),
            Action::PaneAudit => self.switch_pane(Pane::Audit),
            Action::PaneLocks => self.switch_pane(Pane::Locks),
            Action::PaneUser => self.switch_pane(Pane::User),
            Action::PaneTrace => self.switch_pane(Pane::Trace),
            Action::ToggleUtc => {
                self.clock.utc = !self.clock.utc;
                Vec::new()
            }
            Action::ToggleSiteZone => {
                self.clock.site = !self.clock.site;
                self.clock.utc = false;
                Vec::new()
            }
            Action::Refresh => self.refresh(),
            Action::Up => self.move_selection(-1),
            Action::Down => self.move_selection(1),
            Action::PageUp => self.move_selection(-page),
            Action::PageDown => self.move_selection(page),
            Action::Top => self.move_selection(-(isize::MAX / 2)),
            Action::Bottom => self.move_selection(isize::MAX / 2),
            Action::Open => self.open(),
            Action::CycleStatus => {
                let order: Vec<Option<StatusFilter>> = std::iter::once(None)
                    .chain(StatusFilter::ALL.iter().copied().map(Some))
                    .collect();
                let i = order
                    .iter()
                    .position(|s| *s == self.jobs.filter.status)
                    .unwrap_or(0);
                let mut f = self.jobs.filter.clone();
                f.status = order[(i + 1) % order.len()];
                self.set_job_filter(f)
            }
            Action::ClearFilters => {
                self.jobs.text.clear();
                self.set_job_filter(JobFilter::default())
            }
            Action::Fold
            | Action::UnfoldAll
            | Action::FoldAll
            | Action::NextMatch
            | Action::PrevMatch => {
                if let Some(Overlay::Json(j)) = self.overlays.last_mut() {
                    match action {
                        Action::Fold => j.scroll.selected = j.doc.toggle(j.scroll.selected),
                        Action::UnfoldAll => j.doc.unfold_all(),
                        Action::FoldAll => {
                            j.doc.fold_all();
                            j.scroll.selected = 0;
                        }
                        _ => match j.doc.jump(j.scroll.selected, action == Action::NextMatch) {
                            Some(r) => j.scroll.show_near_top(r),
                            None => self.message = Some((Level::Info, "no matches".into())),
                        },
                    }
                }
                Vec::new()
            }
            Action::NextSection => {
                self.trace.jump_section(true);
                Vec::new()
            }
            Action::PrevSection => {
                self.trace.jump_section(false);
                Vec::new()
            }
            Action::Retry
            | Action::CancelJob
            | Action::RetryAll
            | Action::Drift
            | Action::ToggleMode
            | Action::Enqueue
            | Action::Copy
            | Action::CopyAll
            | Action::CopyCurl
            | Action::CopyMarkdown => self.operate(action),
            Action::ShowRequest | Action::ShowResponse => {
                let log = self.trace.selected_log().cloned();
                match log {
                    Some(l) => {
                        let (part, v) = if action == Action::ShowRequest {
                            ("request", l.request_json.clone())
                        } else {
                            ("response", l.response_json.clone())
                        };
                        self.open_json(
                            format!("log #{} {} · {part}", l.id, l.action),
                            &v.unwrap_or(Value::Null),
                        );
                    }
                    None => self.say(Level::Info, "select a log first"),
                }
                Vec::new()
            }
        }
    }

    fn back(&mut self) -> Vec<Cmd> {
        if self.dialog.take().is_some() {
            return Vec::new();
        }
        if self.help {
            self.help = false;
            return Vec::new();
        }
        if self.overlays.pop().is_some() {
            return Vec::new();
        }
        if self.message.is_some() {
            self.message = None;
        }
        let text_filter = match self.pane {
            Pane::Jobs => &mut self.jobs.text,
            Pane::Audit => &mut self.audit.text,
            Pane::Locks => &mut self.lock.text,
            _ => return self.history_back(),
        };
        if !text_filter.is_empty() {
            text_filter.clear();
            return Vec::new();
        }
        self.history_back()
    }

    fn history_back(&mut self) -> Vec<Cmd> {
        match self.history.pop() {
            Some(loc) => self.go(loc, false),
            None => Vec::new(),
        }
    }

    fn refresh(&mut self) -> Vec<Cmd> {
        match self.pane {
            Pane::Jobs => {
                let page = self.jobs.window_start.map_or(Page::First, Page::From);
                let mut c = self.load_jobs(page, JobsLoad::Refresh);
                c.extend(self.reload(Slot::JobCounts, Query::JobCounts(self.now)));
                c
            }
            Pane::Audit => {
                self.audit = AuditState {
                    loading: true,
                    ..AuditState::default()
                };
                self.reload(Slot::Audit, Query::Audit { before: None })
            }
            Pane::Locks => match self.lock.lock_key.clone() {
                Some(k) => {
                    let mut c = self.reload(Slot::Lock, Query::LockLogs(k.clone()));
                    c.extend(self.load_trail(&k));
                    c
                }
                None => Vec::new(),
            },
            Pane::User => match self.user.user_id {
                Some(u) => self.reload(Slot::User, Query::User(u)),
                None => Vec::new(),
            },
            Pane::Trace => match self.trace.query.clone() {
                Some(q) => {
                    self.trace.trace = None;
                    self.go(Loc::Trace(q), false)
                }
                None => Vec::new(),
            },
        }
    }

    /// Enter: drill down from whatever is selected.
    fn open(&mut self) -> Vec<Cmd> {
        if !self.overlays.is_empty() {
            return Vec::new();
        }
        match self.pane {
            Pane::Jobs => match self
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
                let v = self.audit.visible();
                if let Some(&i) = v.get(self.audit.scroll.selected) {
                    let row = self.audit.rows[i].clone();
                    self.open_diff(row);
                }
                Vec::new()
            }
            Pane::Locks => {
                let v = self.lock.visible();
                match v.get(self.lock.scroll.selected) {
                    Some(LockRow::Log(i)) => {
                        let l = self.lock.logs[*i].clone();
                        self.open_json(format!("log #{} {}", l.id, l.action), &l.to_json());
                    }
                    Some(LockRow::Event(i)) => {
                        let e = self.lock.trail.events[*i].clone();
                        let provider = self.lock.trail.provider.clone().unwrap_or_default();
                        self.open_json(format!("{provider} audit trail · {}", e.kind), &e.raw);
                    }
                    None => {}
                }
                Vec::new()
            }
            Pane::User => {
                let items = self.user.items();
                let Some(d) = &self.user.detail else {
                    return Vec::new();
                };
                match items.get(self.user.scroll.selected) {
                    Some(UserItem::Job(i)) => match d.jobs[*i].correlation_id.clone() {
                        Some(c) => self.go(Loc::Trace(c), true),
                        None => Vec::new(),
                    },
                    Some(UserItem::Trace(i)) => {
                        let c = d.traces[*i].0.clone();
                        self.go(Loc::Trace(c), true)
                    }
                    Some(UserItem::Door(i)) => match d.doors[*i].2.clone() {
                        Some(k) => self.go(Loc::Lock(k), true),
                        None => Vec::new(),
                    },
                    None => Vec::new(),
                }
            }
            Pane::Trace => {
                let Some(t) = &self.trace.trace else {
                    return Vec::new();
                };
                match self.trace.items.get(self.trace.scroll.selected).cloned() {
                    Some(TraceItem::Audit(i)) => {
                        let row = t.audit[i].clone();
                        self.open_diff(row);
                    }
                    Some(TraceItem::Job(i)) => {
                        let j = t.jobs[i].to_json();
                        let id = t.jobs[i].id;
                        self.open_json(format!("job #{id}"), &j);
                    }
                    Some(TraceItem::GroupLog(i)) | Some(TraceItem::TimelineLog(i)) => {
                        let l = t.logs[i].to_json();
                        let title = format!("log #{} {}", t.logs[i].id, t.logs[i].action);
                        self.open_json(title, &l);
                    }
                    _ => {}
                }
                Vec::new()
            }
        }
    }

    fn open_diff(&mut self, row: AuditRow) {
        let before = row.before_json.clone().unwrap_or(Value::Null);
        let after = row.after_json.clone().unwrap_or(Value::Null);
        self.overlays.push(Overlay::Diff(DiffView {
            changes: diff(&before, &after),
            row,
            scroll: Scroll::default(),
        }));
    }

    fn loaded(&mut self, slot: Slot, id: u64, result: Result<Data, LoadError>) -> Vec<Cmd> {
        // Only the newest request of a slot counts; older answers are dropped.
        match self.pending.get(&slot) {
            Some((want, _)) if *want == id => {}
            _ => return Vec::new(),
        }
        let (_, query) = self.pending.remove(&slot).unwrap_or((id, Query::Doors));
        let data = match result {
            Ok(d) => {
                if self.db_lost.take().is_some() {
                    self.say(Level::Info, "reconnected to the database");
                }
                d
            }
            Err(e) => {
                if e.connection_lost {
                    self.db_lost = Some(e.message.clone());
                } else if slot != Slot::LockTrail {
                    // (A provider's failure is shown in its own part of the pane.)
                    self.say(Level::Error, e.message.clone());
                }
                match slot {
                    Slot::Jobs => self.jobs.loading = false,
                    Slot::Audit => self.audit.loading = false,
                    Slot::Lock => {
                        self.lock.loading = false;
                        self.lock.error = Some(e.message);
                    }
                    Slot::LockTrail => {
                        self.lock.trail.loading = false;
                        self.lock.trail.error = Some(e.message);
                    }
                    Slot::User => {
                        self.user.loading = false;
                        self.user.error = Some(e.message);
                    }
                    Slot::Trace => {
                        self.trace.loading = false;
                        self.trace.error = Some(e.message);
                    }
                    _ => {}
                }
                return Vec::new();
            }
        };
        match data {
            Data::Doors(d) => {
                self.doors = d;
                if self.lock.door.is_none() {
                    let key = self.lock.lock_key.clone();
                    self.lock.door = self.doors.iter().find(|d| d.lock_key() == key).cloned();
                }
            }
            Data::JobCounts(c) => self.jobs.counts = c,
            Data::Job(id, job) => match job {
                Some(j) => {
                    self.jobs.filter = JobFilter::default();
                    self.jobs.text.clear();
                    let k = Keyset::of_job(&j);
                    self.jobs.window_start = Some(k);
                    self.jobs.focus = Some(j.id);
                    return self.load_jobs(Page::From(k), JobsLoad::Replace);
                }
                None => self.say(Level::Error, format!("there is no job #{id}")),
            },
            Data::Jobs(rows) => {
                let (mode, limit) = match query {
                    Query::Jobs { mode, limit, .. } => (mode, limit),
                    _ => (JobsLoad::Replace, PAGE),
                };
                self.jobs_arrived(rows, mode, limit);
            }
            Data::Audit(rows) => {
                self.audit.loading = false;
                self.audit.loaded = true;
                self.audit.more_below = rows.len() as i64 == PAGE;
                self.audit.rows.extend(rows);
            }
            Data::Lock(logs) => {
                self.lock.loading = false;
                self.lock.logs = logs;
            }
            Data::LockTrail(events, clock) => {
                let t = &mut self.lock.trail;
                t.loading = false;
                t.events = events;
                t.clock_skew = clock.map(|(lock, read_at)| lock - read_at);
            }
            Data::User(d) => {
                self.user.loading = false;
                self.user.detail = Some(d);
            }
            Data::Trace(r) => {
                self.trace.loading = false;
                match r {
                    TraceResult::Found(t) => {
                        // Remember the full id, so Esc comes back to the same trace.
                        self.trace.query = Some(t.correlation_id.clone());
                        self.trace.summary =
                            Some(timeline::summarize(&t, &self.now, self.stuck_after));
                        self.trace.trace = Some(t);
                        self.trace.rebuild();
                    }
                    TraceResult::NotFound(q) => {
                        self.trace.error = Some(format!("no trace matches `{q}`"));
                    }
                    TraceResult::Ambiguous(q, ids) => {
                        self.trace.error = Some(format!(
                            "`{q}` matches several traces: {}. Type more of the id.",
                            ids.join(", ")
                        ));
                    }
                    TraceResult::Invalid(m) => self.trace.error = Some(m),
                }
            }
        }
        Vec::new()
    }

    fn jobs_arrived(&mut self, rows: Vec<JobRow>, mode: JobsLoad, limit: i64) {
        let j = &mut self.jobs;
        j.loading = false;
        let full = rows.len() as i64 >= limit;
        let keep_id = j.selected_job().map(|r| r.id);
        match mode {
            JobsLoad::Replace => {
                j.more_below = full;
                j.more_above = j.window_start.is_some();
                j.rows = rows;
                j.scroll.selected = 0;
                j.scroll.offset.set(0);
            }
            JobsLoad::Refresh => {
                // Same window, fresh values; the selection follows its job.
                if j.window_start.is_none() || !rows.is_empty() {
                    j.rows = rows;
                    j.more_below = full;
                }
            }
            JobsLoad::Append => {
                j.more_below = full;
                j.rows.extend(rows);
                if j.rows.len() > WINDOW_CAP {
                    let drop = j.rows.len() - WINDOW_CAP;
                    j.rows.drain(..drop);
                    j.window_start = j.rows.first().map(Keyset::of_job);
                    j.more_above = true;
                    let off = j.scroll.offset.get().saturating_sub(drop);
                    j.scroll.offset.set(off);
                }
            }
            JobsLoad::Prepend => {
                let n = rows.len();
                j.more_above = full;
                let mut new = rows;
                new.append(&mut j.rows);
                j.rows = new;
                if !j.more_above {
                    j.window_start = None;
                } else {
                    j.window_start = j.rows.first().map(Keyset::of_job);
                }
                if j.rows.len() > WINDOW_CAP {
                    j.rows.truncate(WINDOW_CAP);
                    j.more_below = true;
                }
                j.scroll.offset.set(j.scroll.offset.get() + n);
            }
        }
        let want = j.focus.take().or(if mode == JobsLoad::Replace {
            None
        } else {
            keep_id
        });
        if let Some(id) = want {
            let v = j.visible();
            if let Some(pos) = v.iter().position(|&i| j.rows[i].id == id) {
                j.scroll.selected = pos;
            }
        }
        let len = j.visible().len();
        if len > 0 && j.scroll.selected >= len {
            j.scroll.selected = len - 1;
        }
    }

    /// A job is stuck when running without an update for too long.
    pub fn is_stuck(&self, j: &JobRow) -> bool {
        timeline::is_stuck(&j.status, &j.updated_at, &self.now, self.stuck_after)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timefmt::Zone;

    fn app() -> App {
        App::new(
            Session {
                target: "test".into(),
                read_only: true,
                drift_disabled: None,
                broker_tables: true,
            },
            Keymap::defaults(),
            Clock::new(Zone::Utc),
            crate::demo::world::fixed_now(),
            Duration::minutes(15),
        )
    }

    fn load_id(cmds: &[Cmd], want: Slot) -> u64 {
        cmds.iter()
            .find_map(|c| match c {
                Cmd::Load { slot, id, .. } if *slot == want => Some(*id),
                _ => None,
            })
            .expect("a load in that slot")
    }

    fn answer(app: &mut App, slot: Slot, id: u64, result: Result<Data, LoadError>) -> Vec<Cmd> {
        app.update(Msg::Loaded {
            slot,
            id,
            result: Box::new(result),
        })
    }

    fn trace(id: &str) -> Trace {
        Trace {
            correlation_id: id.into(),
            ..Trace::default()
        }
    }

    #[test]
    fn a_superseded_answer_is_dropped_and_its_query_cancelled() {
        let mut a = app();
        let first = a.command("trace aaaa1111");
        let old = load_id(&first, Slot::Trace);
        let second = a.command("trace bbbb2222");
        assert!(second.contains(&Cmd::Cancel {
            slot: Slot::Trace,
            id: old
        }));
        let new = load_id(&second, Slot::Trace);
        answer(
            &mut a,
            Slot::Trace,
            old,
            Ok(Data::Trace(TraceResult::Found(trace("aaaa1111")))),
        );
        assert!(a.trace.trace.is_none(), "the stale answer was shown");
        answer(
            &mut a,
            Slot::Trace,
            new,
            Ok(Data::Trace(TraceResult::Found(trace("bbbb2222")))),
        );
        assert_eq!(a.trace.trace.as_ref().unwrap().correlation_id, "bbbb2222");
        assert_eq!(a.in_flight(), 0);
    }

    #[test]
    fn losing_the_database_shows_a_banner_keeps_the_screen_and_clears_on_success() {
        let mut a = app();
        let cmds = a.command("trace aaaa1111");
        let id = load_id(&cmds, Slot::Trace);
        answer(
            &mut a,
            Slot::Trace,
            id,
            Ok(Data::Trace(TraceResult::Found(trace("aaaa1111")))),
        );
        let cmds = a.act(Action::Refresh);
        let id = load_id(&cmds, Slot::Trace);
        let lost = LoadError {
            message: "the database cannot be reached".into(),
            connection_lost: true,
        };
        answer(&mut a, Slot::Trace, id, Err(lost));
        assert!(a.db_lost.is_some());
        let cmds = a.act(Action::Refresh);
        let id = load_id(&cmds, Slot::Trace);
        answer(
            &mut a,
            Slot::Trace,
            id,
            Ok(Data::Trace(TraceResult::Found(trace("aaaa1111")))),
        );
        assert!(a.db_lost.is_none());
        assert_eq!(
            a.message.as_ref().map(|m| m.1.as_str()),
            Some("reconnected to the database")
        );
    }

    #[test]
    fn the_queue_polls_without_losing_the_selected_job() {
        let mut a = app();
        let cmds = a.start(Loc::Jobs);
        let id = load_id(&cmds, Slot::Jobs);
        let job = |id: i64, status: &str| JobRow {
            id,
            job_type: "reconcile_user".into(),
            user_id: 9,
            reason: None,
            status: status.into(),
            attempt_count: 1,
            last_error: None,
            next_run_at: None,
            correlation_id: None,
            debug_session_id: None,
            payload: None,
            created_at: crate::demo::world::fixed_now() - Duration::seconds(id),
            updated_at: crate::demo::world::fixed_now(),
        };
        answer(
            &mut a,
            Slot::Jobs,
            id,
            Ok(Data::Jobs(vec![
                job(1, "queued"),
                job(2, "failed"),
                job(3, "done"),
            ])),
        );
        a.act(Action::Down);
        assert_eq!(a.jobs.selected_job().unwrap().id, 2);
        // Two ticks later the queue is polled; a new job arrived on top and
        // job 2 moved on. The selection stays on job 2.
        let mut cmds = a.update(Msg::Tick(a.now));
        cmds.extend(a.update(Msg::Tick(a.now)));
        let id = load_id(&cmds, Slot::Jobs);
        answer(
            &mut a,
            Slot::Jobs,
            id,
            Ok(Data::Jobs(vec![
                job(0, "queued"),
                job(1, "running"),
                job(2, "queued"),
                job(3, "done"),
            ])),
        );
        let sel = a.jobs.selected_job().unwrap();
        assert_eq!((sel.id, sel.status.as_str()), (2, "queued"));
    }

    #[test]
    fn esc_walks_back_through_history() {
        let mut a = app();
        a.start(Loc::Jobs);
        a.command("user 9");
        a.command("trace aaaa1111");
        assert_eq!(a.pane, Pane::Trace);
        a.act(Action::Back);
        assert_eq!(a.pane, Pane::User);
        a.act(Action::Back);
        assert_eq!(a.pane, Pane::Jobs);
    }
}
