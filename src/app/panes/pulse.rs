//! The Pulse pane: what is happening now, on one screen. The last hour of
//! provider calls per minute (one read, which the queue's header shares: it
//! is read on the counts' cadence, 10 s, while the queue or the Pulse is
//! shown, never both, never elsewhere; whole on opening the Pulse and on
//! Ctrl-R, else only its newest minutes, merged into the hour held —
//! `pulse::hour`), the
//! queue's waiting and the locks failing now (with the Pulse only), and the
//! top error groups from the queue's groups read (read on entering the
//! Pulse when none is held, and on Ctrl-R: it reads up to 50,000 rows, so
//! never on the timer). Enter on a group opens it in the queue's groups view.

use chrono::{DateTime, Utc};

use crate::app::{App, COUNTS_EVERY, Cmd, Loc, Pane, Query, Scroll, Selected, Slot};
use crate::groups::incident::Group;
use crate::keys::Action;
use crate::pulse::hour::{self, Hour};
use crate::pulse::{Rates, bucket};
use crate::store::pulse::{Detail, PulseRead};

/// How many error groups the Pulse lists.
pub const TOP_GROUPS: usize = 5;

/// At most this many locks of the top groups are looked up in the probes kept.
const MAX_LOCKS: usize = 200;

/// The Pulse's key bar.
pub(crate) const HINTS: &[(Action, &str)] = &[
    (Action::Open, "open group"),
    (Action::ErrorGroups, "groups"),
    (Action::Refresh, "reload"),
    (Action::Help, "help"),
];

#[derive(Debug, Default)]
pub struct PulseState {
    /// The hour per minute, and the database's clock it counts back from:
    /// bucketed from `hour` as each read arrives, not as it is drawn.
    pub rates: Option<(Option<DateTime<Utc>>, Rates)>,
    /// The hour's counts per absolute minute, kept between reads so that
    /// the timer reads only the newest minutes.
    pub hour: Option<Hour>,
    /// The rest of the pane, from its newest whole read.
    pub detail: Option<Detail>,
    /// The selection among the top groups.
    pub scroll: Scroll,
    pub loading: bool,
    pub error: Option<String>,
    pub loaded_at: Option<DateTime<Utc>>,
}

impl PulseState {
    pub(crate) fn failed(&mut self, message: String) {
        self.loading = false;
        self.error = Some(message);
    }

    /// The failed provider calls per minute over the hour (all providers).
    pub fn failed_calls(&self) -> Option<&[u64]> {
        self.rates.as_ref().map(|(_, r)| r.failed_calls.as_slice())
    }

    /// Whether the lock is offline now, as the probes kept say (`None`:
    /// never probed, or the probe could not tell).
    pub fn offline(&self, lock: &str) -> Option<bool> {
        let d = self.detail.as_ref()?;
        d.offline
            .iter()
            .find(|(l, _)| l == lock)
            .and_then(|(_, o)| *o)
    }
}

impl App {
    pub fn pulse(&self) -> &PulseState {
        &self.panes.pulse
    }

    /// The error groups the Pulse lists: the biggest of the queue's read.
    pub fn pulse_groups(&self) -> &[Group] {
        let g = self.panes.jobs.groups.groups();
        &g[..g.len().min(TOP_GROUPS)]
    }

    /// Reads the hour (the queue's header), or the whole Pulse (`detail`);
    /// `whole`: the whole hour, else only the minutes the hour held lacks
    /// (the whole hour still when it cannot be brought up to date).
    pub(crate) fn load_pulse(&mut self, detail: bool, whole: bool) -> Vec<Cmd> {
        let mut locks: Vec<String> = Vec::new();
        if detail {
            self.panes.pulse.loading = true;
            for g in self.pulse_groups() {
                for l in &g.locks {
                    if locks.len() < MAX_LOCKS && !locks.contains(l) {
                        locks.push(l.clone());
                    }
                }
            }
        }
        let pinned = self.pinned_now();
        let since = if whole {
            None
        } else {
            hour::plan(
                self.panes.pulse.hour.as_ref(),
                pinned,
                self.clock.now(),
                self.panes.jobs.counts.standby_lag_ms,
            )
        };
        let query = Query::Pulse {
            detail,
            pinned,
            since,
            locks,
        };
        self.reload(Slot::Pulse, query)
    }

    /// The timer: on the counts' cadence, the whole Pulse while it is shown,
    /// the hour alone while the queue is (its header's line); nothing on
    /// any other pane, nothing while a read is still out.
    pub(crate) fn poll_pulse(&mut self, ticks: u64) -> Vec<Cmd> {
        if ticks % COUNTS_EVERY != 0 || self.requests.pending(Slot::Pulse).is_some() {
            return Vec::new();
        }
        match self.pane {
            Pane::Pulse => self.load_pulse(true, false),
            Pane::Jobs => self.load_pulse(false, false),
            _ => Vec::new(),
        }
    }

    /// Going to the Pulse: read it whole now, and the groups when none are held.
    pub(crate) fn open_pulse(&mut self) -> Vec<Cmd> {
        self.pane = Pane::Pulse;
        let mut cmds = Vec::new();
        let g = &self.panes.jobs.groups;
        if g.read.is_none() && !g.loading {
            cmds.extend(self.load_groups());
        }
        cmds.extend(self.load_pulse(true, true));
        cmds
    }

    /// Ctrl-R on the Pulse: the groups and the Pulse again.
    pub(crate) fn reload_pulse(&mut self) -> Vec<Cmd> {
        let mut cmds = self.load_groups();
        cmds.extend(self.load_pulse(true, true));
        cmds
    }

    /// A read arrived: its minutes merged into the hour held (a read that
    /// cannot be — the database's clock went backwards — reads the whole
    /// hour at once, the pane's part kept as it came, and the pane still
    /// loading: that re-read is in flight).
    pub(crate) fn pulse_arrived(&mut self, read: PulseRead) -> Vec<Cmd> {
        let p = &mut self.panes.pulse;
        let detail = read.detail.is_some();
        if let Some(d) = read.detail {
            p.detail = Some(d);
            p.loading = false;
            p.error = None;
            p.loaded_at = Some(self.clock.now());
        }
        match hour::merge(p.hour.take(), read.hour) {
            Ok(h) => {
                p.rates = Some((Some(h.now), bucket(&h.rows, h.minute())));
                p.hour = Some(h);
                Vec::new()
            }
            Err(why) => {
                tracing::info!("the Pulse's hour is read whole again: {why:?}");
                // (`load_pulse` with the detail marks the pane loading.)
                self.load_pulse(detail, true)
            }
        }
    }

    /// A failed read of the hour for the queue's header is said in that
    /// line, not on the status line: the queue works without it (a role
    /// that may not read integration_logs). On the Pulse it is said aloud.
    pub(crate) fn pulse_failure_is_quiet(&self, slot: Slot) -> bool {
        slot == Slot::Pulse && self.pane != Pane::Pulse
    }

    pub(crate) fn pulse_selected(&self) -> Option<Selected> {
        self.pulse_groups()
            .get(self.panes.pulse.scroll.selected)
            .map(|g| Selected::Group(Box::new(g.clone())))
    }

    /// Enter on a group of the Pulse: the queue's groups view, on it.
    pub(crate) fn pulse_open_group(&mut self, group: &Group) -> Vec<Cmd> {
        self.history.push(Loc::Pulse);
        let mut cmds = self.go(Loc::Jobs, false);
        let j = &mut self.panes.jobs;
        j.scope = None;
        // A database search's note goes with the rows it named.
        j.db_search = None;
        j.groups.on = true;
        j.groups.text.clear();
        let at = j
            .groups
            .visible()
            .iter()
            .position(|&i| j.groups.groups()[i].fingerprint == group.fingerprint);
        j.groups.scroll.selected = at.unwrap_or(0);
        if j.groups.read.is_none() {
            cmds.extend(self.load_groups());
        }
        cmds
    }
}
