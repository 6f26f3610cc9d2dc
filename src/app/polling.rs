//! The timer: each second's tick moves the clock, ends a write window that
//! ran out, and polls the queue (every 2 s) and its counts (every 10 s).

use chrono::{DateTime, Utc};

use crate::app::{App, COUNTS_EVERY, Cmd, JobsLoad, Level, POLL_EVERY, Query, Slot};
use crate::store::queries::Page;

impl App {
    /// The counts' read, with the retry-storm read of the last hour
    /// (`groups::storm_recent`) only while a pane that flags a storm is
    /// shown: the Jobs header is the only one (review #13).
    pub(crate) fn counts_query(&self) -> Query {
        Query::JobCounts {
            pinned: self.pinned_now(),
            storms: self.pane.flags_storms(),
        }
    }

    pub(crate) fn tick(&mut self, now: DateTime<Utc>) -> Vec<Cmd> {
        let ticks = self.clock.tick(now);
        self.popups.expire(ticks);
        // A write window is on the database's clock, as it was set.
        if self.write.expire(self.clock.on_database(now)) {
            self.say(
                Level::Warn,
                "write mode ended: the session is read-only again",
            );
        }
        let mut cmds = Vec::new();
        // Live refresh by polling: it works on any database, with no triggers.
        if ticks % POLL_EVERY == 0
            && self.polls_now()
            && self.requests.pending(Slot::Jobs).is_none()
        {
            let page = match self.panes.jobs.window_start {
                None => Page::First,
                Some(k) => Page::From(k),
            };
            cmds.extend(self.load_jobs(page, JobsLoad::Refresh));
        }
        // While the database is unreachable, probe every other tick: the
        // first answer clears the banner, whatever pane is open.
        let probe = self.requests.db_lost.is_some() && ticks % 2 == 0;
        // Back on a pane that flags a retry storm, whose flag was last read
        // elsewhere (without it): read once now, not at the next 10 s.
        let storms_due = self.pane.flags_storms() && self.panes.jobs.storms_stale;
        if (probe || storms_due || ticks % COUNTS_EVERY == 0)
            && self.requests.pending(Slot::JobCounts).is_none()
        {
            let query = self.counts_query();
            // Sent with the storm read: it is no longer due, whatever the
            // answer (a failing read keeps the 10 s cadence, not each tick).
            if matches!(query, Query::JobCounts { storms: true, .. }) {
                self.panes.jobs.storms_stale = false;
            }
            cmds.push(self.load(Slot::JobCounts, query));
        }
        cmds.extend(self.poll_pulse(ticks));
        cmds
    }
}
