//! The messages between the pure app and the world: `Msg` in (keys, ticks,
//! answers), `Cmd` out (loads, cancels, actions, copies), tagged by slot and
//! request id so that only the newest answer of a slot counts.

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;

use crate::app::{ActRequest, ActResult};
use crate::pinmap::UserPins;
use crate::pinmap::records::Who;
use crate::providers::LockEvent;
use crate::store::heads::PayloadPage;
use crate::store::lookup::Found;
use crate::store::queries::{Door, JobCounts, JobFilter, JobStamp, Page, Refreshed, UserDetail};
use crate::store::traces::{AuditRow, JobRow, LogRow, Trace};

/// A query slot: a newer request in a slot supersedes the older one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Slot {
    Jobs,
    JobCounts,
    /// The queue's error groups (read on entering the view and on Ctrl-R).
    Groups,
    Audit,
    Lock,
    LockTrail,
    User,
    /// The user's PIN door by door (`pinmap`), from the broker or live.
    UserPins,
    /// `:user <query>`: the users a ticket's words name.
    UserFind,
    Trace,
    /// Whole logs of a big trace (its payloads, a page at a time).
    TracePayloads,
    Doors,
    /// Who else is acting on the open lock or job, and its devices' state
    /// (issue 28), probed as the pane or detail opens and on Ctrl-R, never
    /// on a timer: read with the pane's own load, on the primary.
    Acting,
    /// The open job's newest logs, for its why line (stuck, interrupted):
    /// read with the job detail, never on the 2-second refresh.
    JobLogs,
    /// The hour per minute (the queue's header), or the whole Pulse pane.
    Pulse,
    /// `S`: the pane's `/` text searched in the database.
    DbSearch,
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
        /// On a refresh, the versions of the rows on screen: only new or
        /// changed rows are read whole.
        known: Vec<JobStamp>,
    },
    /// The counts; stuck relative to this time when the clock is pinned,
    /// else to the server's `now()`.
    /// The queue's counts (`pinned`: the console's pinned clock), with the
    /// retry-storm read of the last hour only when `storms` (a pane that
    /// flags a storm is shown: `Pane::flags_storms`).
    JobCounts {
        pinned: Option<DateTime<Utc>>,
        storms: bool,
    },
    /// One job, to open the queue on it.
    Job(i64),
    /// The error groups of the troubled jobs of the last `window_secs`.
    Groups {
        window_secs: i64,
        pinned: Option<DateTime<Utc>>,
    },
    /// An error group's jobs, by id (newest first), as the queue's list.
    JobsOfGroup {
        ids: Vec<i64>,
        mode: JobsLoad,
    },
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
    /// One user's PIN door by door: the broker's rows, then maybe a live read.
    UserPins(i64, PinsRead),
    /// The users a query names (an id, a name, an email, `AB U9 C6`, a Doordeck ref).
    FindUser(String),
    /// A correlation id or a unique prefix of one.
    Trace(String),
    /// Whole logs of the open trace by id (a big trace's payloads).
    LogPayloads(PayloadPage),
    Doors,
    Acting(ActingOf),
    /// One job's newest logs (heads), for its why sentence.
    JobLogs(i64),
    /// The last hour per minute (its minutes from `since` on, or all of it);
    /// with `detail`, all the Pulse pane shows, and whether each of `locks`
    /// is offline from the probes kept.
    Pulse {
        detail: bool,
        pinned: Option<DateTime<Utc>>,
        since: Option<crate::pulse::Minute>,
        locks: Vec<String>,
    },
    /// `S`: the pane's `/` text in the database over a time window.
    DbSearch(crate::store::search::Search),
}

/// What `Query::Acting` asks about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActingOf {
    /// A lock key (`TTLOCK:28991110`).
    Lock(String),
    /// A job, and whether its devices are probed (`probe`: the job detail
    /// opening, Ctrl-R on it; not a reload after a change, which reads only
    /// who else is acting and keeps the device lines held).
    Job { id: i64, probe: bool },
}

/// Who else is acting (`Actor::line`: who and since when), and each
/// device's state: a lock's probed for its pane (`lock: device: state (probe
/// 12:01 UTC)`), a job's probed as its detail opens.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Acting {
    pub others: Vec<String>,
    pub devices: Vec<String>,
}

impl Query {
    /// What this load reads, in the words a failure message uses.
    pub fn what(&self) -> String {
        match self {
            Query::Jobs { .. } => "the job queue".into(),
            Query::JobCounts { .. } => "the job counts".into(),
            Query::Job(id) => format!("job #{id}"),
            Query::Groups { .. } => "the error groups".into(),
            Query::JobsOfGroup { ids, .. } => format!("the {} jobs of the group", ids.len()),
            Query::Audit { .. } => "the audit rows".into(),
            Query::LockLogs(key) => format!("the logs of {key}"),
            Query::LockTrail { provider, .. } => format!("the {provider} audit trail"),
            Query::User(id) => format!("user {id}"),
            Query::UserPins(id, PinsRead::Broker) => format!("user {id}'s PIN door by door"),
            Query::UserPins(id, _) => format!("user {id}'s doors live"),
            Query::FindUser(q) => format!("the users named like `{}`", crate::pinmap::plain(q)),
            Query::Trace(q) => format!("trace {q}"),
            Query::LogPayloads(p) => format!("the payloads of {} logs", p.ids.len()),
            Query::Doors => "the doors".into(),
            Query::Acting(ActingOf::Lock(k)) => format!("who else is acting on {k}"),
            Query::Acting(ActingOf::Job { id, .. }) => format!("who else is acting on job #{id}"),
            Query::JobLogs(j) => format!("the logs of job #{j}"),
            Query::Pulse { .. } => "the last hour of calls (the Pulse)".into(),
            Query::DbSearch(s) => format!("the database search for \"{}\"", s.text),
        }
    }
}

/// How much of a user's PIN map a load reads: the broker's rows only (a
/// refresh, Ctrl-R), or also one door's lock, or all of hers, from their providers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinsRead {
    Broker,
    LiveDoor(i64),
    LiveAll,
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
    /// Reads one value unmasked, records the reveal, answers `Revealed`.
    Reveal {
        of: crate::store::reveal::RevealOf,
        reason: String,
        operator: String,
        /// When the reveal runs out (armed again as it was if refused unused).
        until: chrono::DateTime<chrono::Utc>,
    },
    /// A revealed value for the clipboard: never written to a file.
    CopyUnmasked {
        text: String,
        what: String,
    },
    /// Text for the clipboard; `what` names it in the status line.
    Copy {
        text: String,
        what: String,
    },
    /// Appends an entry to the profile's history file (0600, state folder).
    Remember(crate::app::Entry),
    /// Writes an incident bundle into the state folder's `bundles/`.
    Bundle {
        target: crate::bundle::Target,
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
    /// A refresh: the window's order, and only its new or changed rows.
    JobsRefreshed(Refreshed),
    JobCounts(JobCounts),
    Job(i64, Option<JobRow>),
    Groups(Box<crate::app::GroupsRead>),
    Audit(Vec<AuditRow>),
    Lock(Vec<LogRow>),
    /// Events newest first, and the lock's clock with when it was read.
    LockTrail(Vec<LockEvent>, Option<(DateTime<Utc>, DateTime<Utc>)>),
    User(UserDetail),
    /// `None`: no such user. With how many locks were read live (`None`: none asked).
    UserPins(Option<Box<(UserPins, Who)>>, Option<usize>),
    /// The query as typed, and what it found.
    UsersFound(String, Found),
    Trace(TraceResult),
    LogPayloads(Vec<LogRow>),
    Doors(Vec<Door>),
    Acting(ActingOf, Acting),
    JobLogs(i64, Vec<LogRow>),
    Pulse(Box<crate::store::pulse::PulseRead>),
    DbFound(crate::store::search::Found),
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
    /// Something the operator must know, from a background task.
    Warn(String),
    /// `b`'s bundle: where it was written, or why not.
    Bundled(Result<String, String>),
    /// A reveal's text to copy (`what`, the text), or why there is none.
    Revealed(
        Box<Result<(String, crate::store::reveal::Unmasked), crate::store::reveal::NotRevealed>>,
    ),
    /// A request to stop (a signal's name, or `quit`): the console loop
    /// stops; the app only says on the status line what happens now.
    Stop(&'static str),
    /// The terminal changed size (columns, rows); the next frame redraws.
    Resize(u16, u16),
    /// A mouse event, and when the terminal read it (a double click is
    /// timed by these, never by the app reading a clock).
    Mouse(crossterm::event::MouseEvent, DateTime<Utc>),
    /// A tenth of a second passed while something is in flight (this
    /// machine's time): the spinner's clock, nothing else moves.
    Beat(DateTime<Utc>),
}
