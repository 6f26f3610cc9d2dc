//! One user's PIN, door by door: where it should be, where it is (the
//! broker's sync state, the newest listing, a live read), its last change
//! and last use, and one state word per door — pure, from rows already read.
//! `why` builds the sentence at the top of the user pane from these rows.

pub mod hours;
pub mod json;
pub mod live;
pub mod records;
pub mod why;

use chrono::{DateTime, Utc};

/// One door's verdict, in one word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Where it should be, and only there.
    Ok,
    /// Expected on the lock, not on it.
    Missing,
    /// On a lock she should not open.
    Stray,
    /// Expected, and the last change sent for it failed.
    Failing,
    /// A job that will change it is queued or running.
    Pending,
    /// Nothing says whether it is on the lock.
    Unknown,
}

impl State {
    pub fn word(self) -> &'static str {
        match self {
            State::Ok => "ok",
            State::Missing => "missing",
            State::Stray => "stray",
            State::Failing => "failing",
            State::Pending => "pending",
            State::Unknown => "unknown",
        }
    }

    /// Drawn in the theme's warning colour.
    pub fn warns(self) -> bool {
        matches!(self, State::Missing | State::Stray | State::Failing)
    }
}

/// One access level row that opens this door, and whether it counts now.
#[derive(Debug, Clone, PartialEq)]
pub struct Access {
    /// The user_access_levels row.
    pub grant_id: i64,
    pub level: String,
    pub schedule: Option<String>,
    /// Its schedule's weekdays and hours, when it has a schedule.
    pub hours: Option<hours::Hours>,
    /// Why it does not open the door now (`None`: it does).
    pub not_now: Option<NotNow>,
}

/// Why an access level row does not open a door now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotNow {
    /// The user's access level row is not active (ended).
    Ended,
    /// The access level itself is not active.
    LevelInactive,
    /// Its schedule's validity is over (or not begun).
    Expired,
    /// The door is not active.
    DoorInactive,
}

impl NotNow {
    pub fn words(self) -> &'static str {
        match self {
            NotNow::Ended => "ended",
            NotNow::LevelInactive => "access level inactive",
            NotNow::Expired => "expired",
            NotNow::DoorInactive => "door inactive",
        }
    }
}

/// What the broker's sync state remembers of her PIN on this lock.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncState {
    pub vendor_pin_id: Option<String>,
    pub present: bool,
    pub first_seen: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
}

/// A listing of the lock (`PASSCODE_LIST`, Doordeck's users), logged or live.
#[derive(Debug, Clone, PartialEq)]
pub struct Listing {
    /// The integration_logs row (`None`: a live read).
    pub log_id: Option<i64>,
    pub at: Option<DateTime<Utc>>,
    /// Whether her PIN was in it; `None` when the listing failed or could not be read.
    pub holds: Option<bool>,
    pub error: Option<String>,
}

/// An add or delete of her PIN on this lock.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub log_id: i64,
    /// `add` or `delete`.
    pub kind: ChangeKind,
    pub ok: bool,
    pub error: Option<String>,
    pub job: Option<i64>,
    pub correlation_id: Option<String>,
    pub at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Add,
    Delete,
}

impl ChangeKind {
    pub fn word(self) -> &'static str {
        match self {
            ChangeKind::Add => "add",
            ChangeKind::Delete => "delete",
        }
    }
}

/// One unlock with her PIN or account, from the lock's own records.
#[derive(Debug, Clone, PartialEq)]
pub struct Use {
    pub at: DateTime<Utc>,
    pub success: bool,
}

/// A job of hers still to run (queued, running, or failed and to retry).
#[derive(Debug, Clone, PartialEq)]
pub struct JobRef {
    pub id: i64,
    pub job_type: String,
    pub status: String,
    pub error: Option<String>,
    pub at: Option<DateTime<Utc>>,
}

/// One door of the pane.
#[derive(Debug, Clone, PartialEq)]
pub struct DoorPin {
    pub door_id: i64,
    pub door_name: String,
    /// `TTLOCK`, `DOORDECK`.
    pub provider: String,
    pub external_id: Option<String>,
    pub customer: Option<i64>,
    /// Every access row of hers that names this door.
    pub access: Vec<Access>,
    pub sync: Option<SyncState>,
    pub listing: Option<Listing>,
    /// Newest first.
    pub changes: Vec<Change>,
    pub last_ok: Option<Use>,
    pub last_failed: Option<Use>,
    /// Whether the uses come from a live read (else logged reads, or none).
    pub uses_read: bool,
    pub state: State,
}

impl DoorPin {
    /// Whether she should open this door now.
    pub fn expected_now(&self) -> bool {
        self.access.iter().any(|a| a.not_now.is_none())
    }

    /// When she should have the PIN here but not open the door now: every
    /// access row that counts is outside its schedule's hours at `now`;
    /// the hours of the first, in words.
    pub fn outside_hours(&self, now: DateTime<Utc>) -> Option<String> {
        let counting: Vec<&Access> = self.access.iter().filter(|a| a.not_now.is_none()).collect();
        let outside = !counting.is_empty()
            && counting.iter().all(|a| {
                a.hours
                    .as_ref()
                    .is_some_and(|h| !h.always() && !h.open_at(now))
            });
        outside
            .then(|| {
                counting
                    .first()
                    .and_then(|a| a.hours.as_ref())
                    .map(hours::Hours::words)
            })
            .flatten()
    }

    pub fn lock_key(&self) -> Option<String> {
        self.external_id
            .as_ref()
            .map(|e| crate::lockkey::LockKey::new(&self.provider, e).to_string())
    }

    /// Whether the PIN is on the lock, by the newest knowledge: the listing
    /// when it is newer than the sync state (or the sync state has no time).
    pub fn on_lock(&self) -> Option<bool> {
        let listed = self
            .listing
            .as_ref()
            .and_then(|l| l.holds.map(|h| (h, l.at)));
        let synced = self.sync.as_ref().map(|s| (s.present, s.last_seen));
        match (listed, synced) {
            (Some((h, _)), None) => Some(h),
            (None, Some((p, _))) => Some(p),
            (Some((h, la)), Some((p, sa))) => Some(if la >= sa { h } else { p }),
            (None, None) => None,
        }
    }

    pub fn last_change(&self) -> Option<&Change> {
        self.changes.first()
    }
}

/// The user as the verdict needs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holder {
    /// The user is active (not suspended or deleted).
    pub active: bool,
    /// The credential is active (not revoked).
    pub credential_active: bool,
}

/// The one word for a door, from its rows. A credential revoked or a user
/// suspended expects nothing anywhere; a pending job wins over a
/// disagreement it may be about to settle.
pub fn decide(door: &DoorPin, holder: Holder, pending: bool) -> State {
    let expected = door.expected_now() && holder.active && holder.credential_active;
    let on = door.on_lock();
    let add_failed = door
        .changes
        .iter()
        .find(|c| c.kind == ChangeKind::Add)
        .is_some_and(|c| !c.ok)
        && door
            .last_change()
            .is_some_and(|c| c.kind == ChangeKind::Add);
    let agrees = on == Some(expected) || (!expected && on.is_none());
    if pending && !agrees {
        return State::Pending;
    }
    match (expected, on) {
        (true, Some(true)) => State::Ok,
        (true, _) if add_failed => State::Failing,
        (true, Some(false)) => State::Missing,
        (true, None) => State::Unknown,
        (false, Some(true)) => State::Stray,
        (false, Some(false)) => State::Ok,
        (false, None) => State::Unknown,
    }
}

/// One user's whole answer.
#[derive(Debug, Clone, PartialEq)]
pub struct UserPins {
    pub user_id: i64,
    pub name: Option<String>,
    pub email: Option<String>,
    pub status: Option<String>,
    pub site: Option<String>,
    pub time_zone: Option<String>,
    /// `AB U9 C6`, masked PIN, status: her PIN credentials.
    pub credentials: Vec<Credential>,
    pub doors: Vec<DoorPin>,
    /// Her jobs still to run, and her newest failed one.
    pub pending: Vec<JobRef>,
    pub failed: Option<JobRef>,
    /// The database's clock when read.
    pub now: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Credential {
    pub id: i64,
    pub name: String,
    pub masked_pin: String,
    pub status: String,
}

impl UserPins {
    pub fn holder(&self) -> Holder {
        Holder {
            active: self.status.as_deref().is_none_or(|s| s == "active"),
            credential_active: self.credentials.iter().any(|c| c.status == "active"),
        }
    }

    /// Sets every door's state from its rows.
    pub fn decide_all(&mut self) {
        let holder = self.holder();
        let pending = self
            .pending
            .iter()
            .any(|j| j.status == "queued" || j.status == "running");
        for d in &mut self.doors {
            d.state = decide(d, holder, pending);
        }
    }

    /// The sentence at the top of the pane.
    pub fn why(&self) -> String {
        why::sentence(self)
    }
}

#[cfg(test)]
mod tests;

/// A stored text as one line of words: control and bidi characters
/// dropped, at most 80 characters (a hostile row stays one readable line).
pub fn plain(s: &str) -> String {
    s.chars()
        .filter(|c| {
            !c.is_control()
                && !matches!(*c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
        })
        .take(80)
        .collect()
}
