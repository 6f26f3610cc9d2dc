//! The user pane: "my PIN stopped working" answered on one screen — her PIN
//! door by door (`pinmap`: expected, on the lock, last change, last use, one
//! state word) under the why sentence, then her access, credentials (masked),
//! traces and jobs. Enter opens a door's last change's trace (or its lock), a
//! trace, or a job's trace; `l`/`L` read one door or all of hers live.

use chrono::{DateTime, Duration, Utc};

use crate::app::{App, Cmd, Level, Loc, PinsRead, Query, Scroll, Slot, UserPicker};
use crate::pinmap::{DoorPin, UserPins};
use crate::store::lookup::Found;
use crate::store::queries::UserDetail;

/// Knowledge of a lock older than this is stale (drawn as a warning).
pub const STALE_AFTER_HOURS: i64 = 24;

/// One selectable or decorative row of the user pane.
#[derive(Debug, Clone, PartialEq)]
pub enum UserItem {
    /// A door of her PIN map (`pins.doors`).
    Pin(usize),
    Job(usize),
    Trace(usize),
    /// A door of the broker's access rows (shown when there is no PIN map).
    Door(usize),
}

#[derive(Debug, Default)]
pub struct UserState {
    pub user_id: Option<i64>,
    pub detail: Option<UserDetail>,
    /// Her PIN door by door, with the why sentence.
    pub pins: Option<UserPins>,
    pub pins_loading: bool,
    pub pins_error: Option<String>,
    /// What the last live read covered, in words (`door 2 read live at …`).
    pub live: Option<String>,
    pub scroll: Scroll,
    pub loading: bool,
    pub error: Option<String>,
    /// When it was read (the pane does not poll).
    pub loaded_at: Option<chrono::DateTime<chrono::Utc>>,
    /// What `/` looks for on the pane (rows marked, `n`/`N` between them).
    pub find: String,
}

impl UserState {
    /// How a failed load is shown: in the pane, in place of its rows.
    pub(crate) fn failed(&mut self, message: String) {
        self.loading = false;
        self.error = Some(message);
    }

    /// What Enter opens: a door's last change's trace (else its lock), a
    /// trace, a job's trace, or a lock.
    pub(crate) fn selected(&self) -> Option<crate::app::Selected> {
        use crate::app::Selected;
        match self.items().get(self.scroll.selected)? {
            UserItem::Pin(i) => {
                let door = self.pins.as_ref()?.doors.get(*i)?;
                match door.last_change().and_then(|c| c.correlation_id.clone()) {
                    Some(c) => Some(Selected::Trace(c)),
                    None => door.lock_key().map(Selected::Lock),
                }
            }
            UserItem::Job(i) => self.detail.as_ref()?.jobs[*i]
                .correlation_id
                .clone()
                .map(Selected::Trace),
            UserItem::Trace(i) => Some(Selected::Trace(
                self.detail.as_ref()?.traces[*i].correlation_id.clone(),
            )),
            UserItem::Door(i) => self.detail.as_ref()?.doors[*i]
                .lock_key
                .clone()
                .map(Selected::Lock),
        }
    }

    /// The rows Enter can open, in the pane's order: her doors first, then
    /// traces and jobs (the broker's door list only without a PIN map).
    pub fn items(&self) -> Vec<UserItem> {
        let pins = self.pins.as_ref().map_or(0, |p| p.doors.len());
        let (doors, traces, jobs) = self.detail.as_ref().map_or((0, 0, 0), |d| {
            (
                if self.pins.is_some() {
                    0
                } else {
                    d.doors.len()
                },
                d.traces.len(),
                d.jobs.len(),
            )
        });
        (0..pins)
            .map(UserItem::Pin)
            .chain((0..doors).map(UserItem::Door))
            .chain((0..traces).map(UserItem::Trace))
            .chain((0..jobs).map(UserItem::Job))
            .collect()
    }

    /// The door of her PIN map under the cursor.
    pub fn selected_pin(&self) -> Option<&DoorPin> {
        match self.items().get(self.scroll.selected)? {
            UserItem::Pin(i) => self.pins.as_ref()?.doors.get(*i),
            _ => None,
        }
    }

    /// A new user (or the same one read again from scratch).
    pub(crate) fn opening(id: i64) -> UserState {
        UserState {
            user_id: Some(id),
            loading: true,
            pins_loading: true,
            ..UserState::default()
        }
    }
}

/// The newest knowledge of whether her PIN is on the lock: the listing's
/// time, else the sync state's last sighting; `None`: nothing known.
pub fn known_at(d: &DoorPin) -> Option<DateTime<Utc>> {
    let listed = d.listing.as_ref().and_then(|l| l.at);
    let synced = d.sync.as_ref().and_then(|s| s.last_seen);
    listed.max(synced)
}

/// Whether what is known of the lock is older than `STALE_AFTER_HOURS`.
pub fn stale(d: &DoorPin, now: DateTime<Utc>) -> bool {
    known_at(d).is_some_and(|t| now - t > Duration::hours(STALE_AFTER_HOURS))
}

impl App {
    /// The loads that read a user: the broker's detail and her PIN map.
    pub(crate) fn load_user(&mut self, id: i64) -> Vec<Cmd> {
        let mut cmds = self.reload(Slot::User, Query::User(id));
        cmds.extend(self.reload(Slot::UserPins, Query::UserPins(id, PinsRead::Broker)));
        cmds
    }

    /// `l` (one door) or `L` (all of hers): her locks read live from their
    /// providers, over a fresh read of the broker's rows.
    pub(crate) fn live_pins(&mut self, all: bool) -> Vec<Cmd> {
        let Some(id) = self.panes.user.user_id else {
            self.say(Level::Info, "open a user first: :user 9");
            return Vec::new();
        };
        let read = if all {
            PinsRead::LiveAll
        } else {
            match self.panes.user.selected_pin() {
                Some(d) if d.lock_key().is_some() => PinsRead::LiveDoor(d.door_id),
                Some(d) => {
                    let id = d.door_id;
                    self.say(Level::Info, format!("door {id} has no lock to read"));
                    return Vec::new();
                }
                None => {
                    let all = self.keys_for(crate::keys::Action::LiveDoors);
                    self.say(
                        Level::Info,
                        format!("select one of her doors first ({all} reads them all)"),
                    );
                    return Vec::new();
                }
            }
        };
        self.panes.user.pins_loading = true;
        let what = match read {
            PinsRead::LiveDoor(d) => format!("door {d}"),
            _ => "all of her doors".into(),
        };
        self.say(
            Level::Info,
            format!("reading {what} live from the providers…"),
        );
        self.reload(Slot::UserPins, Query::UserPins(id, read))
    }

    /// Her PIN map arrived (`live`: how many locks were read live).
    pub(crate) fn pins_arrived(
        &mut self,
        query: &Query,
        pins: Option<UserPins>,
        live: Option<usize>,
    ) {
        let u = &mut self.panes.user;
        u.pins_loading = false;
        u.pins_error = None;
        // The selection stays on its door (a live read keeps the order).
        u.pins = pins;
        let Query::UserPins(_, read) = query else {
            return;
        };
        let Some(n) = live else {
            u.live = None;
            return;
        };
        let at = u.pins.as_ref().map(|p| p.now);
        let what = match read {
            PinsRead::LiveDoor(d) => format!("door {d}"),
            _ => "her doors".into(),
        };
        let cached = if n == 0 {
            " (from answers under 60 s old)".to_string()
        } else {
            format!(" ({n} lock{} called)", if n == 1 { "" } else { "s" })
        };
        let when = at.map_or_else(String::new, |t| {
            format!(" at {}", self.clock.shown.time_of_day(&t, None))
        });
        let text = format!("{what} read live{when}{cached}");
        self.panes.user.live = Some(text.clone());
        self.say(Level::Info, text);
    }

    /// `:user <query>` answered: one user opens, several open the picker,
    /// none is said (with why the search was narrow, when it was).
    pub(crate) fn users_found(&mut self, query: String, found: Found) -> Vec<Cmd> {
        let shown = crate::pinmap::plain(&query);
        match found.matches.as_slice() {
            [one] => self.go(Loc::User(one.id), true),
            [] => {
                let mut text = format!("no user matches `{shown}` ({})", found.how);
                if let Some(n) = &found.note {
                    text.push_str(&format!(": {n}"));
                }
                self.say(Level::Warn, text);
                Vec::new()
            }
            _ => {
                self.popups
                    .overlays
                    .push(crate::app::Overlay::Picker(UserPicker {
                        query: shown,
                        found,
                        scroll: Scroll::default(),
                        find: String::new(),
                    }));
                Vec::new()
            }
        }
    }

    /// Enter in the picker: the user under the cursor.
    pub(crate) fn pick_user(&mut self) -> Vec<Cmd> {
        let Some(crate::app::Overlay::Picker(p)) = self.popups.overlays.last() else {
            return Vec::new();
        };
        let Some(id) = p.found.matches.get(p.scroll.selected).map(|m| m.id) else {
            return Vec::new();
        };
        self.popups.overlays.pop();
        self.go(Loc::User(id), true)
    }
}
