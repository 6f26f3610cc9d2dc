//! The hour the Pulse holds between its reads, kept up to date by reading
//! only its newest minutes (pure). The counts are bucketed by absolute
//! minute on the database's clock, so a closed minute's count stays valid
//! as time moves — unless a row becomes visible after its minute was read:
//! `created_at DEFAULT now()` is its transaction's start, so a long
//! transaction's rows appear in a minute already closed, and a hot standby
//! (`read_url`) shows rows as late as it lags. So each timer read asks for
//! the rows of a tail — the last `TAIL` minutes, plus the standby's lag in
//! whole minutes when the app knows it, and never less than from the minute
//! before the newest held — and replaces those minutes' counts; the minutes
//! older than the hour drop out. Bounded lateness is caught by the tail;
//! any lateness by the periodic whole read: the whole hour is read again
//! when the last whole read is `WHOLE_EVERY` minutes old, when nothing is
//! held, when the pinned clock changed, when the database's clock went
//! backwards, and when the minutes held do not cover the hour any more (a
//! gap longer than the hour) — and on opening the Pulse and on Ctrl-R (the
//! app's choice).

use chrono::{DateTime, Utc};

use super::{MINUTES, MinuteRow};

/// A minute on the database's clock: minute `m` is the 60 seconds ending
/// at `m × 60` s after the Unix epoch, its end included — as
/// `pulse::per_minute` counts them, so that on a clock at a whole minute
/// (a pinned one) the current minute is the last 60 seconds.
pub type Minute = i64;

const MICROS: i64 = 60_000_000;

/// The minute a time falls in (its end included).
pub fn minute_of(t: DateTime<Utc>) -> Minute {
    // ceil(µs / 60 s), without overflow for any time chrono holds.
    let us = t.timestamp_micros();
    us.div_euclid(MICROS) + i64::from(us.rem_euclid(MICROS) != 0)
}

/// The instant a minute starts after (its rows are later than this).
pub fn minute_start(m: Minute) -> Option<DateTime<Utc>> {
    let secs = m.checked_sub(1)?.checked_mul(60)?;
    DateTime::from_timestamp(secs, 0)
}

/// The window's span as a `Minute` count (59: the hour's first minute is
/// 59 before the current one).
const SPAN: Minute = MINUTES as Minute - 1;

/// How many of the newest minutes each timer read re-reads (rows made
/// visible up to this late are counted at the next read).
pub const TAIL: Minute = 5;

/// The whole hour is read again once the last whole read is this many
/// minutes old (rows made visible later than the tail are counted then).
pub const WHOLE_EVERY: Minute = 5;

/// The most of a standby's lag the timer's tail reaches back for, in
/// minutes.
pub const LAG_MAX: u64 = 10;

/// The hour held: whole for the 60 minutes ending in `minute_of(now)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hour {
    /// The database's clock at the newest read.
    pub now: DateTime<Utc>,
    /// The pinned clock it was read at (`None`: the server's `now()`).
    pub pinned: Option<DateTime<Utc>>,
    /// The grouped rows of the hour, oldest minute first.
    pub rows: Vec<MinuteRow>,
    /// The minute of the newest whole read the rows go back to.
    pub whole_at: Minute,
}

impl Hour {
    /// The minute of the newest read (still filling then).
    pub fn minute(&self) -> Minute {
        minute_of(self.now)
    }
}

/// What one read of the hour brought: the rows of the minutes from `since`
/// on (`None`: the whole hour), up to the database's `now`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HourRead {
    pub now: DateTime<Utc>,
    pub pinned: Option<DateTime<Utc>>,
    pub since: Option<Minute>,
    pub rows: Vec<MinuteRow>,
}

/// What the next timer read asks for: `Some(m)`, the minutes from `m` on;
/// `None`, the whole hour. `db_now` is the app's estimate of the
/// database's clock (this machine's plus the skew measured); `lag_ms` the
/// standby's replay lag when the reads go to one and it is known.
pub fn plan(
    held: Option<&Hour>,
    pinned: Option<DateTime<Utc>>,
    db_now: DateTime<Utc>,
    lag_ms: Option<u64>,
) -> Option<Minute> {
    let h = held?;
    if h.pinned != pinned {
        return None;
    }
    let (held_m, now_m) = (h.minute(), minute_of(db_now));
    if now_m < held_m {
        // The clock went backwards: what is held is from its future.
        return None;
    }
    if now_m.checked_sub(h.whole_at)? >= WHOLE_EVERY {
        // Rows made visible later than any tail are counted now.
        return None;
    }
    // The standby's lag in whole minutes, rounded up, at most `LAG_MAX`:
    // a standby that replays nothing for a while reads as lagging by its
    // idle time (hours), and the whole read every `WHOLE_EVERY` minutes
    // counts anything later than the tail anyway.
    let lag = lag_ms.map_or(0, |ms| ms.div_ceil(60_000)).min(LAG_MAX);
    let lag = Minute::try_from(lag).unwrap_or(Minute::MAX);
    let tail = now_m.checked_sub(TAIL)?.checked_sub(lag)?;
    let since = held_m.checked_sub(1)?.min(tail);
    // A gap as long as the hour: the minutes since are the whole hour.
    (since > now_m.checked_sub(SPAN)?).then_some(since)
}

/// Why a read of some minutes could not be merged: the whole hour must be
/// read again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stale {
    /// Nothing is held to merge into (or another clock's hour).
    NothingHeld,
    /// The database's clock is before the newest read's.
    ClockBackwards,
    /// The minutes read do not follow on from the ones held.
    Gap,
}

/// The hour after a read (pure): a whole read replaces what is held; a
/// read of the minutes from `since` replaces those minutes' counts and
/// keeps the closed minutes held before them. The minutes outside the hour
/// ending at the read's `now` drop out.
pub fn merge(held: Option<Hour>, read: HourRead) -> Result<Hour, Stale> {
    let now_m = minute_of(read.now);
    let first = now_m.saturating_sub(SPAN);
    let in_hour = |r: &MinuteRow| (first..=now_m).contains(&r.minute);
    let mut whole_at = now_m;
    let mut rows: Vec<MinuteRow> = match read.since {
        None => read.rows.into_iter().filter(in_hour).collect(),
        Some(since) => {
            let h = held
                .filter(|h| h.pinned == read.pinned)
                .ok_or(Stale::NothingHeld)?;
            if read.now < h.now {
                return Err(Stale::ClockBackwards);
            }
            // The held minutes before `since` are kept (the plan re-reads
            // its tail, and at least from the one before the newest held,
            // as the read's `since` says); a later `since` would
            // leave minutes read by nobody.
            if since > h.minute() {
                return Err(Stale::Gap);
            }
            whole_at = h.whole_at;
            h.rows
                .into_iter()
                .filter(|r| r.minute < since)
                .chain(read.rows.into_iter().filter(|r| r.minute >= since))
                .filter(in_hour)
                .collect()
        }
    };
    rows.sort_by_key(|r| r.minute);
    Ok(Hour {
        now: read.now,
        pinned: read.pinned,
        rows,
        whole_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pulse::{Kind, bucket};
    use chrono::TimeZone;

    fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, h, m, s).unwrap()
    }

    fn row(minute: Minute, count: i64) -> MinuteRow {
        MinuteRow {
            minute,
            provider: Some("TTLOCK".into()),
            kind: Kind::Call,
            failed: true,
            count,
        }
    }

    fn whole(now: DateTime<Utc>, rows: Vec<MinuteRow>) -> Hour {
        merge(
            None,
            HourRead {
                now,
                pinned: None,
                since: None,
                rows,
            },
        )
        .unwrap()
    }

    fn since(now: DateTime<Utc>, since: Minute, rows: Vec<MinuteRow>) -> HourRead {
        HourRead {
            now,
            pinned: None,
            since: Some(since),
            rows,
        }
    }

    #[test]
    fn a_minute_ends_on_the_minute() {
        let m = minute_of(at(15, 30, 0));
        assert_eq!(
            minute_of(at(15, 29, 1)),
            m,
            "15:29:01 is in the minute to 15:30"
        );
        assert_eq!(minute_of(at(15, 30, 1)), m + 1);
        assert_eq!(minute_start(m), Some(at(15, 29, 0)));
        assert!(minute_of(DateTime::<Utc>::MIN_UTC) < 0);
        assert!(minute_of(DateTime::<Utc>::MAX_UTC) > 0);
        assert_eq!(minute_start(Minute::MIN), None);
        assert_eq!(minute_start(Minute::MAX), None);
    }

    #[test]
    fn the_timer_reads_a_tail_and_the_whole_hour_every_few_minutes() {
        let h = whole(at(15, 30, 5), vec![]);
        let m = h.minute();
        // Ten seconds later: the last TAIL minutes (more than the minute
        // before the newest held).
        assert_eq!(plan(Some(&h), None, at(15, 30, 15), None), Some(m - TAIL));
        // A standby 61 s behind: two whole minutes more.
        assert_eq!(
            plan(Some(&h), None, at(15, 30, 15), Some(61_000)),
            Some(m - TAIL - 2)
        );
        assert_eq!(
            plan(Some(&h), None, at(15, 30, 15), Some(0)),
            Some(m - TAIL)
        );
        // A lag of hours (a standby idle as long): its tail stops at
        // LAG_MAX; the whole read every WHOLE_EVERY minutes does the rest.
        let capped = Some(m - TAIL - LAG_MAX as Minute);
        assert_eq!(
            plan(Some(&h), None, at(15, 30, 15), Some(3_600_000)),
            capped
        );
        assert_eq!(plan(Some(&h), None, at(15, 30, 15), Some(u64::MAX)), capped);
        // Four minutes on, still a tail; five, the whole hour again.
        assert_eq!(plan(Some(&h), None, at(15, 34, 5), None), Some(m - 1));
        assert_eq!(plan(Some(&h), None, at(15, 35, 5), None), None);
        assert_eq!(plan(None, None, at(15, 30, 15), None), None, "nothing held");
        assert_eq!(
            plan(Some(&h), Some(at(15, 30, 5)), at(15, 30, 5), None),
            None,
            "another clock: pinned now"
        );
        assert_eq!(plan(Some(&h), None, at(15, 28, 0), None), None, "backwards");
        // A tail read keeps the whole read's minute: the clock to the next.
        let h2 = merge(Some(h.clone()), since(at(15, 33, 5), m - 5, vec![])).unwrap();
        assert_eq!(h2.whole_at, m);
        assert_eq!(plan(Some(&h2), None, at(15, 34, 15), None), Some(m - 1));
        assert_eq!(plan(Some(&h2), None, at(15, 35, 15), None), None);
        let h3 = merge(
            Some(h2),
            HourRead {
                since: None,
                ..since(at(15, 35, 15), 0, vec![])
            },
        )
        .unwrap();
        assert_eq!(h3.whole_at, m + 5);
    }

    #[test]
    fn a_row_visible_late_in_a_closed_minute_is_counted_by_the_next_reads() {
        // What the database holds, a row per (minute, count): a whole read
        // at 15:30:05, then a transaction begun at 15:27:30 commits a row.
        let t0 = at(15, 30, 5);
        let m = minute_of(t0);
        let before = vec![row(m - 10, 2), row(m - 3, 1), row(m, 1)];
        let late = vec![row(m - 10, 2), row(m - 3, 2), row(m, 1)];
        let h = whole(t0, before);
        let read_at = |now: DateTime<Utc>, from: Option<Minute>| HourRead {
            now,
            pinned: None,
            since: from,
            rows: late
                .iter()
                .filter(|r| from.is_none_or(|f| r.minute >= f))
                .cloned()
                .collect(),
        };
        // The next tail read (10 s on) covers minute m-3, closed and held.
        let t1 = at(15, 30, 15);
        let from = plan(Some(&h), None, t1, None);
        assert!(from.is_some_and(|f| f <= m - 3), "{from:?}");
        let merged = merge(Some(h.clone()), read_at(t1, from)).unwrap();
        assert_eq!(merged.rows, whole(t1, late.clone()).rows);
        // A row later than the tail (ten minutes back): the whole read due
        // five minutes after the last one counts it.
        let late = vec![row(m - 10, 3), row(m - 3, 1), row(m, 1)];
        let t2 = at(15, 35, 10);
        assert_eq!(plan(Some(&h), None, t2, None), None);
        let merged = merge(
            Some(h),
            HourRead {
                now: t2,
                pinned: None,
                since: None,
                rows: late.clone(),
            },
        )
        .unwrap();
        assert_eq!(merged.rows, whole(t2, late).rows);
    }

    #[test]
    fn a_read_of_the_newest_minutes_replaces_them_and_keeps_the_closed_ones() {
        let now = at(15, 30, 30);
        let m = minute_of(now);
        let h = whole(
            now,
            vec![row(m - 59, 1), row(m - 2, 3), row(m - 1, 4), row(m, 5)],
        );
        // 40 s later: minute m-1 got a late commit, m filled, m+1 began.
        let read = since(
            at(15, 31, 10),
            m - 1,
            vec![row(m - 1, 6), row(m, 9), row(m + 1, 2)],
        );
        let h2 = merge(Some(h.clone()), read).unwrap();
        let got: Vec<(Minute, i64)> = h2.rows.iter().map(|r| (r.minute, r.count)).collect();
        // m-59 is out of the hour ending in m+1; m-2 was closed, kept.
        assert_eq!(got, vec![(m - 2, 3), (m - 1, 6), (m, 9), (m + 1, 2)]);
        assert_eq!(h2.minute(), m + 1);
        // The same as reading the whole hour then.
        let r = bucket(&h2.rows, h2.minute());
        assert_eq!(r.failed_calls[56..], [3, 6, 9, 2]);
        // A minute with nothing now (its rows gone) is zero, not its old count.
        let h3 = merge(Some(h2), since(at(15, 31, 20), m, vec![])).unwrap();
        assert_eq!(h3.rows.iter().map(|r| r.minute).max(), Some(m - 1));
    }

    #[test]
    fn the_hour_shifts_and_old_minutes_drop_out() {
        let now = at(15, 30, 0);
        let m = minute_of(now);
        let h = whole(now, (m - 59..=m).map(|i| row(i, 1)).collect());
        assert_eq!(h.rows.len(), 60);
        let later = at(15, 50, 0);
        let h2 = merge(Some(h), since(later, m - 1, vec![row(m + 20, 7)])).unwrap();
        assert_eq!(h2.rows.first().map(|r| r.minute), Some(m + 20 - 59));
        assert_eq!(
            h2.rows.len(),
            39,
            "m-39..=m-2 kept, m-1 and m read as nothing"
        );
        assert_eq!(bucket(&h2.rows, h2.minute()).failed_calls[59], 7);
    }

    #[test]
    fn a_whole_read_drops_rows_outside_its_hour() {
        let now = at(15, 30, 0);
        let m = minute_of(now);
        let h = whole(now, vec![row(m - 60, 1), row(m + 1, 1), row(m, 2)]);
        assert_eq!(h.rows, vec![row(m, 2)]);
    }

    #[test]
    fn the_clock_going_backwards_or_a_gap_asks_for_the_whole_hour() {
        let now = at(15, 30, 30);
        let m = minute_of(now);
        let h = whole(now, vec![row(m, 1)]);
        assert_eq!(
            merge(Some(h.clone()), since(at(15, 29, 0), m - 1, vec![])),
            Err(Stale::ClockBackwards)
        );
        assert_eq!(
            merge(Some(h.clone()), since(at(15, 40, 0), m + 1, vec![])),
            Err(Stale::Gap)
        );
        assert_eq!(
            merge(None, since(at(15, 31, 0), m - 1, vec![])),
            Err(Stale::NothingHeld)
        );
        let pinned = HourRead {
            pinned: Some(now),
            ..since(now, m - 1, vec![])
        };
        assert_eq!(merge(Some(h.clone()), pinned), Err(Stale::NothingHeld));
        // A jump forward past the hour: the read was the hour (the
        // statement starts no earlier than the hour), nothing held is kept.
        let h2 = merge(Some(h), since(at(18, 0, 0), m - 1, vec![row(m + 149, 4)])).unwrap();
        assert_eq!(h2.rows, vec![row(m + 149, 4)]);
    }
}
