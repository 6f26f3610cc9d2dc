//! The console's clock: the database's time, as this machine's clock plus
//! the skew measured with each counts poll, unless pinned (`snapshot --now`).

use chrono::{DateTime, Duration, Utc};

/// Now on the database's clock, the seconds ticked, and how times are shown.
#[derive(Debug)]
pub struct Clock {
    now: DateTime<Utc>,
    /// The database's clock minus this machine's, so that "stuck" and ages
    /// mean the same as on the server.
    skew: Duration,
    /// Pinned (`snapshot --now`, tests): never moved, never corrected.
    pinned: bool,
    ticks: u64,
    /// How times are shown: the zone, UTC or the site's time.
    pub(in crate::app) shown: crate::timefmt::Clock,
}

impl Clock {
    pub fn new(now: DateTime<Utc>, pinned: bool, shown: crate::timefmt::Clock) -> Clock {
        Clock {
            now,
            skew: Duration::zero(),
            pinned,
            ticks: 0,
            shown,
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    pub fn skew(&self) -> Duration {
        self.skew
    }

    /// The time queries measure from when pinned; `None`: the server's `now()`.
    pub fn pinned(&self) -> Option<DateTime<Utc>> {
        self.pinned.then_some(self.now)
    }

    /// A second passed on this machine: moves now (unless pinned) and says
    /// how many seconds have ticked.
    pub(in crate::app) fn tick(&mut self, local: DateTime<Utc>) -> u64 {
        if !self.pinned {
            self.now = self.on_database(local);
        }
        self.ticks += 1;
        self.ticks
    }

    /// How many seconds have ticked since the start.
    pub(in crate::app) fn ticks(&self) -> u64 {
        self.ticks
    }

    /// A time of this machine's on the database's clock.
    pub fn on_database(&self, local: DateTime<Utc>) -> DateTime<Utc> {
        local + self.skew
    }

    /// The database said what time it is: measure the skew from it.
    pub(in crate::app) fn database_said(&mut self, db: DateTime<Utc>) {
        if self.pinned {
            return;
        }
        // `now` is this machine's last tick plus the old skew.
        let local = self.now - self.skew;
        self.skew = db - local;
        self.now = db;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timefmt::Zone;

    fn at(s: i64) -> DateTime<Utc> {
        crate::demo::world::fixed_now() + Duration::seconds(s)
    }

    #[test]
    fn the_database_sets_the_skew_and_ticks_keep_it() {
        let mut c = Clock::new(at(0), false, crate::timefmt::Clock::new(Zone::Utc));
        c.database_said(at(600));
        assert_eq!((c.skew(), c.now()), (Duration::minutes(10), at(600)));
        assert_eq!(c.tick(at(1)), 1);
        assert_eq!(c.now(), at(601));
        assert_eq!(c.pinned(), None);
    }

    #[test]
    fn a_pinned_clock_never_moves() {
        let mut c = Clock::new(at(0), true, crate::timefmt::Clock::new(Zone::Utc));
        c.database_said(at(600));
        c.tick(at(5));
        assert_eq!(
            (c.skew(), c.now(), c.pinned()),
            (Duration::zero(), at(0), Some(at(0)))
        );
    }
}
