//! The hour the Pulse holds between its reads, kept up to date by reading
//! only its newest minutes (pure). The counts are bucketed by absolute
//! minute on the database's clock, so a closed minute's count stays valid
//! as time moves: each timer read asks for the rows since the start of the
//! newest minute held minus one (a row committed late lands within that:
//! its time is when its transaction wrote it, a moment before it commits)
//! and replaces those minutes' counts; the minutes older than the hour
//! drop out. The whole hour is read again when nothing is held, when the
//! pinned clock changed, when the database's clock went backwards, and
//! when the minutes held do not cover the hour any more (a gap longer than
//! the hour) — and on opening the Pulse and on Ctrl-R (the app's choice).

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

/// The hour held: whole for the 60 minutes ending in `minute_of(now)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hour {
    /// The database's clock at the newest read.
    pub now: DateTime<Utc>,
    /// The pinned clock it was read at (`None`: the server's `now()`).
    pub pinned: Option<DateTime<Utc>>,
    /// The grouped rows of the hour, oldest minute first.
    pub rows: Vec<MinuteRow>,
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
/// database's clock (this machine's plus the skew measured).
pub fn plan(
    held: Option<&Hour>,
    pinned: Option<DateTime<Utc>>,
    db_now: DateTime<Utc>,
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
    let since = held_m.checked_sub(1)?;
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
    let mut rows: Vec<MinuteRow> = match read.since {
        None => read.rows.into_iter().filter(in_hour).collect(),
        Some(since) => {
            let h = held
                .filter(|h| h.pinned == read.pinned)
                .ok_or(Stale::NothingHeld)?;
            if read.now < h.now {
                return Err(Stale::ClockBackwards);
            }
            // The held minutes before `since` are closed (the plan re-reads
            // from the one before the newest held); a later `since` would
            // leave minutes read by nobody.
            if since > h.minute() {
                return Err(Stale::Gap);
            }
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
    fn the_timer_reads_from_the_minute_before_the_newest_held() {
        let h = whole(at(15, 30, 5), vec![]);
        let m = h.minute();
        assert_eq!(plan(Some(&h), None, at(15, 30, 15)), Some(m - 1));
        assert_eq!(plan(Some(&h), None, at(15, 45, 0)), Some(m - 1));
        assert_eq!(plan(None, None, at(15, 30, 15)), None, "nothing held");
        assert_eq!(
            plan(Some(&h), Some(at(15, 30, 5)), at(15, 30, 5)),
            None,
            "another clock: pinned now"
        );
        assert_eq!(plan(Some(&h), None, at(15, 28, 0)), None, "backwards");
        // Read 58 minutes later, the re-read would be the whole hour.
        assert_eq!(plan(Some(&h), None, at(16, 27, 5)), Some(m - 1));
        assert_eq!(
            plan(Some(&h), None, at(16, 28, 5)),
            None,
            "a gap of the hour"
        );
        assert_eq!(plan(Some(&h), None, at(18, 0, 0)), None);
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
