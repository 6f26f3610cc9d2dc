//! The console's state and its one transition function, `update(Msg) ->
//! Vec<Cmd>`. No I/O here: queries are described as `Cmd`s, run elsewhere,
//! and come back as `Msg::Loaded` tagged with the request id; stale ones are
//! dropped. Each concern has its own file; each pane its own under `panes/`.

mod changes;
mod command;
mod copies;
mod dialog;
mod input;
mod loads;
mod msg;
mod nav;
mod overlay;
pub mod panes;
mod polling;
mod reveal;
mod scroll;
mod write;

pub use changes::{ActRequest, ActResult, PreviewView};

pub use command::{
    COMMANDS, Command, CommandSpec, Help, commands_markdown, help_lines, parse_command,
};
pub use dialog::{Dialog, DriftDialog, LISTED_IDS, RETRY_WORD, TextScope, listed_ids};
pub use input::{Prompt, PromptKind};
pub use msg::{Cmd, Data, JobsLoad, LoadError, Msg, Query, Slot, TraceResult};
pub use nav::{Loc, Pane};
pub use overlay::{DiffView, JsonView, Overlay};
pub use panes::audit::AuditState;
pub use panes::jobs::JobsState;
pub use panes::lock::{LockRow, LockState, Trail};
pub use panes::trace::{TraceItem, TraceState};
pub use panes::user::{UserItem, UserState};
pub use scroll::Scroll;
pub use write::READ_ONLY_REFUSAL;

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use crate::keys::Keymap;
use crate::store::queries::Door;
use crate::store::traces::JobRow;
use crate::timefmt::Clock;
use crate::timeline;

/// How many jobs one keyset page holds, and how many stay in memory at most.
pub const PAGE: i64 = 200;
pub const WINDOW_CAP: usize = 1_000;
/// How often the queue is polled for changes (in ticks of one second).
pub const POLL_EVERY: u64 = 2;
pub const COUNTS_EVERY: u64 = 10;

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
    /// Where provider calls go (`ProviderSettings::destinations`), always
    /// in the header: `local`, `none`, or the provider host.
    pub calls_to: String,
    /// Where copy-as-curl may send a provider token: the documented hosts
    /// and the configured base URLs.
    pub token_hosts: crate::curl::TokenHosts,
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
    /// The database's time: this machine's clock plus `clock_skew`.
    pub now: DateTime<Utc>,
    /// The database's clock minus this machine's, measured with each counts
    /// poll, so that "stuck" and ages mean the same as on the server.
    pub clock_skew: chrono::Duration,
    /// The clock is pinned (`snapshot --now`, tests): never corrected.
    pub clock_pinned: bool,
    pub keymap: Keymap,
    pub stuck_after: Duration,
    pub doors: Vec<Door>,
    /// Set while the database cannot be reached; cleared by the next success.
    pub db_lost: Option<String>,
    /// Changes are allowed until then (`--write`: forever; `:write 15m`).
    pub write_until: Option<DateTime<Utc>>,
    pub write_reason: Option<String>,
    /// `:reveal 10m REASON`: the next `y` copies one value unmasked, until then.
    pub reveal: Option<(DateTime<Utc>, String)>,
    /// Who the operator is, for the audit trail.
    pub operator: String,
    /// The drift mode a plan starts in (config; `standard`).
    pub default_mode: crate::engine::plan::Mode,
    pub dialog: Option<Dialog>,
    pub quit: bool,
    /// NO_COLOR is set: draw without colours.
    pub no_color: bool,
    ticks: u64,
    /// Actions sent and not yet answered.
    pub(crate) acting: usize,
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
            clock_skew: chrono::Duration::zero(),
            clock_pinned: false,
            keymap,
            stuck_after,
            doors: Vec::new(),
            db_lost: None,
            write_until: None,
            write_reason: None,
            reveal: None,
            // The OS account when a console opens (console::setup), or
            // the config's `operator`; no I/O here.
            operator: "operator".into(),
            default_mode: crate::engine::plan::Mode::Standard,
            dialog: None,
            quit: false,
            no_color: false,
            ticks: 0,
            acting: 0,
            next_id: 0,
            pending: HashMap::new(),
        }
    }

    /// The time queries measure from when the clock is pinned; `None` means
    /// the server's own `now()`.
    pub(crate) fn pinned_now(&self) -> Option<DateTime<Utc>> {
        self.clock_pinned.then_some(self.now)
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
        cmds.push(self.load(Slot::JobCounts, Query::JobCounts(self.pinned_now())));
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

    /// A stop was asked for while an action runs: say what happens now.
    pub fn stopping(&mut self, why: &str) {
        self.say(
            Level::Warn,
            format!("stopping ({why}): finishing the call in flight and logging it, skipping the rest; press q again to exit at once"),
        );
    }

    /// Sets the status line. Messages quote errors from the database and
    /// the providers, so they pass the same redaction as rows.
    pub(crate) fn say(&mut self, level: Level, text: impl Into<String>) {
        let text = text.into();
        let text = match crate::secrets::free_text(&text) {
            std::borrow::Cow::Borrowed(_) => text,
            std::borrow::Cow::Owned(r) => r,
        };
        self.message = Some((level, text));
    }

    pub fn update(&mut self, msg: Msg) -> Vec<Cmd> {
        match msg {
            Msg::Tick(now) => self.tick(now),
            Msg::Key(k) => {
                let mut cmds = self.key(k);
                cmds.extend(self.trace_payloads());
                cmds
            }
            Msg::Loaded { slot, id, result } => self.loaded(slot, id, *result),
            Msg::Acted { id, result } => self.acted(id, *result),
            Msg::Revealed(result) => self.revealed(*result),
            Msg::Stop(why) => {
                self.stopping(why);
                Vec::new()
            }
            Msg::Copied(text) => {
                self.say(Level::Info, text);
                Vec::new()
            }
            Msg::Warn(text) => {
                self.say(Level::Warn, text);
                Vec::new()
            }
            // Draw code reads the size from the frame; nothing to keep.
            Msg::Resize(..) => Vec::new(),
        }
    }

    /// A job is stuck when running without an update for too long.
    pub fn is_stuck(&self, j: &JobRow) -> bool {
        timeline::is_stuck(&j.status, &j.updated_at, &self.now, self.stuck_after)
    }
}

#[cfg(test)]
mod tests;
