//! The console's state and its one transition function, `update(Msg) ->
//! Vec<Cmd>`. No I/O here: queries are described as `Cmd`s, run elsewhere,
//! and come back as `Msg::Loaded` tagged with the request id; stale ones are
//! dropped. Each concern has its own file; each pane its own under `panes/`.

mod acted;
mod changes;
mod clock;
mod command;
mod complete;
mod copies;
mod dialog;
mod dispatch;
mod held;
mod help;
mod history;
mod input;
mod line;
mod loads;
pub mod mouse;
mod msg;
mod nav;
mod overlay;
pub mod panes;
mod polling;
mod popups;
mod recent;
mod requests;
mod reveal;
mod scroll;
pub mod spinner;
mod write;

pub use changes::{ActRequest, ActResult, PreviewView};
pub use held::{HeldDialog, HoldView, OVERRIDE_WORD, held_words};

pub use command::{
    COMMANDS, Command, CommandSpec, Help, commands_markdown, help_lines, parse_command,
};
pub use dialog::{
    Dialog, DriftDialog, GroupRetryDialog, LISTED_IDS, RETRY_WORD, TextScope, listed_ids,
};
pub use help::{HelpLine, HelpView};
pub use history::{Entry, History, Opened, OpenedKind, history_cap};
pub use input::{Prompt, PromptKind};
pub use line::{LineState, cursor_at};
pub use msg::{
    Acting, ActingOf, Cmd, Data, JobsLoad, LoadError, Msg, PinsRead, Query, Slot, TraceResult,
};
pub use nav::Loc;
pub use overlay::{DiffView, JsonView, Overlay, UserPicker};
pub use panes::audit::AuditState;
pub use panes::groups::{GroupScope, GroupsRead, GroupsState};
pub use panes::jobs::JobsState;
pub use panes::lock::{LockRow, LockState, Trail};
pub use panes::trace::{TraceItem, TraceState};
pub use panes::user::{UserItem, UserState};
pub use panes::{Pane, Selected};
pub use popups::Popups;
pub use recent::RecentView;
pub use requests::Requests;
pub use scroll::Scroll;
pub use write::{READ_ONLY_REFUSAL, WriteMode, WriteStart};

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use crate::keys::Keymap;
use crate::store::queries::Door;
use crate::store::traces::JobRow;
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
    /// A running job with no update for this long is stuck (config).
    pub stuck_after: Duration,
}

/// Which theme draws the console (`ui::theme` holds them); NO_COLOR's is `Plain`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ThemeName {
    #[default]
    Dark,
    Light,
    HighContrast,
    Plain,
    /// A built-in theme with a user's theme file laid over it, registered
    /// once per console in `ui::theme` (the app never holds a palette).
    Custom(u16),
}

/// Everything a console starts with (`console::setup`, `snapshot`, tests).
pub struct Options {
    pub session: Session,
    pub keymap: Keymap,
    /// How times are shown.
    pub clock: crate::timefmt::Clock,
    /// The database's time at the start.
    pub now: DateTime<Utc>,
    /// `snapshot --now`, tests: the clock never moves.
    pub pinned: bool,
    pub write: WriteStart,
    /// Who acts, for the audit trail: the config's name, else the OS account.
    pub operator: String,
    /// The drift mode a plan starts in (config; `standard`).
    pub default_mode: crate::engine::plan::Mode,
    /// The doors, when already read (else `start` loads them).
    pub doors: Vec<Door>,
    pub theme: ThemeName,
}

/// The panes' own states, one per pane (`panes/`).
#[derive(Debug, Default)]
pub struct Panes {
    pub jobs: JobsState,
    pub audit: AuditState,
    pub lock: LockState,
    pub user: UserState,
    pub trace: TraceState,
    pub pulse: panes::pulse::PulseState,
}

pub struct App {
    pane: Pane,
    history: Vec<Loc>,
    panes: Panes,
    popups: Popups,
    clock: clock::Clock,
    write: WriteMode,
    requests: Requests,
    session: Session,
    keymap: Keymap,
    doors: Vec<Door>,
    theme: ThemeName,
    pointer: mouse::Pointer,
}

impl App {
    pub fn new(o: Options) -> App {
        let mut app = App {
            pane: Pane::Jobs,
            history: Vec::new(),
            panes: Panes::default(),
            popups: Popups::default(),
            clock: clock::Clock::new(o.now, o.pinned, o.clock),
            write: WriteMode::new(o.operator, o.default_mode),
            requests: Requests::default(),
            session: o.session,
            keymap: o.keymap,
            doors: o.doors,
            theme: o.theme,
            pointer: mouse::Pointer::default(),
        };
        match o.write {
            WriteStart::ReadOnly => {}
            // `--write --reason`: for the whole session, said in the header.
            WriteStart::Write { reason } => {
                app.write.enable(o.now, None, reason);
            }
            // `--write` alone: a reason is asked for first.
            WriteStart::AskReason => {
                app.popups.prompt = Some(Prompt {
                    kind: PromptKind::Reason,
                    text: String::new(),
                });
            }
        }
        app
    }

    /// The time queries measure from when the clock is pinned; `None` means
    /// the server's own `now()`.
    pub(crate) fn pinned_now(&self) -> Option<DateTime<Utc>> {
        self.clock.pinned()
    }

    /// The database's time: this machine's clock plus the measured skew.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// The database's clock minus this machine's.
    pub fn clock_skew(&self) -> Duration {
        self.clock.skew()
    }

    /// How times are shown (zone, UTC, site time).
    pub fn clock(&self) -> &crate::timefmt::Clock {
        &self.clock.shown
    }

    pub fn pane(&self) -> Pane {
        self.pane
    }

    pub fn jobs(&self) -> &JobsState {
        &self.panes.jobs
    }

    pub fn audit(&self) -> &AuditState {
        &self.panes.audit
    }

    pub fn lock(&self) -> &LockState {
        &self.panes.lock
    }

    pub fn user(&self) -> &UserState {
        &self.panes.user
    }

    pub fn trace(&self) -> &TraceState {
        &self.panes.trace
    }

    pub fn popups(&self) -> &Popups {
        &self.popups
    }

    pub fn session(&self) -> &Session {
        &self.session
    }

    /// Where provider calls go and the hosts a token may go to, once the
    /// provider settings are known.
    pub fn session_mut(&mut self) -> &mut Session {
        &mut self.session
    }

    pub fn keymap(&self) -> &Keymap {
        &self.keymap
    }

    /// A keymap other than the one the console opened with (tests).
    pub fn set_keymap(&mut self, keymap: Keymap) {
        self.keymap = keymap;
    }

    pub fn operator_name(&self) -> &str {
        self.write.operator_name()
    }

    /// Someone else acts (tests: a name that is the same on every machine).
    pub fn set_operator(&mut self, name: String) {
        self.write.set_operator(name);
    }

    /// Why the database cannot be reached, while it cannot.
    pub fn db_lost(&self) -> Option<&str> {
        self.requests.db_lost.as_deref()
    }

    /// Drops the open trace, so that `:trace` reads the same one again
    /// (benches measure that read).
    pub fn forget_trace(&mut self) {
        self.panes.trace = TraceState::default();
    }

    /// The doors read at the start (and again by `start` when none were).
    pub fn doors(&self) -> &[Door] {
        &self.doors
    }

    pub fn theme(&self) -> ThemeName {
        self.theme
    }

    /// Another theme than the console opened with (tests: NO_COLOR's, which
    /// the console takes from the environment, one for every test of a
    /// process).
    pub fn set_theme(&mut self, theme: ThemeName) {
        self.theme = theme;
    }

    /// `q` was pressed: the loop ends the session.
    pub fn quitting(&self) -> bool {
        self.requests.quit
    }

    /// The loop took the quit over (it waits for changes in flight).
    pub fn quit_handled(&mut self) {
        self.requests.quit = false;
    }

    /// Changes and reveals sent and not yet answered.
    pub fn acting(&self) -> usize {
        self.requests.acting()
    }

    /// Requests still waiting for an answer.
    pub fn in_flight(&self) -> usize {
        self.requests.in_flight()
    }

    /// The first commands: the doors (unless already loaded), then `start`.
    pub fn start(&mut self, start: Loc) -> Vec<Cmd> {
        // The console's setup usually loads the doors before starting.
        let mut cmds = Vec::new();
        if self.doors.is_empty() {
            cmds.push(self.load(Slot::Doors, Query::Doors));
        }
        cmds.extend(self.go(start, false));
        cmds.push(self.load(Slot::JobCounts, self.counts_query()));
        // The queue's header line or the Pulse, as the timer would.
        cmds.extend(self.poll_pulse(0));
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
        self.popups.message = Some((level, text));
        self.popups.said_at = self.clock.ticks();
    }

    pub fn update(&mut self, msg: Msg) -> Vec<Cmd> {
        match msg {
            Msg::Tick(now) => {
                self.time_loads(now);
                self.tick(now)
            }
            Msg::Beat(now) => {
                self.time_loads(now);
                Vec::new()
            }
            Msg::Key(k) => {
                self.popups.key_pressed();
                self.pointer.key_pressed();
                let mut cmds = self.key(k);
                cmds.extend(self.popups.recall.unsaved());
                cmds.extend(self.trace_payloads());
                cmds
            }
            Msg::Loaded { slot, id, result } => {
                // Rows may move under the pointer: a click waits for a frame.
                self.pointer.stale();
                self.loaded(slot, id, *result)
            }
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
            Msg::Bundled(said) => {
                self.requests.acted();
                match said {
                    Ok(text) => self.say(Level::Info, text),
                    Err(text) => self.say(Level::Warn, text),
                }
                Vec::new()
            }
            Msg::Warn(text) => {
                self.say(Level::Warn, text);
                Vec::new()
            }
            Msg::Mouse(ev, at) => self.mouse(ev, at),
            // Draw code reads the size from the frame; nothing to keep.
            Msg::Resize(..) => {
                self.pointer.stale();
                Vec::new()
            }
        }
    }

    /// A job is stuck when running without an update for too long.
    pub fn is_stuck(&self, j: &JobRow) -> bool {
        timeline::is_stuck(
            &j.status,
            &j.updated_at,
            &self.now(),
            self.session.stuck_after,
        )
    }
}

#[cfg(test)]
pub(crate) mod fixture;
#[cfg(test)]
mod tests;
