//! The Pulse, pure: the last hour of provider calls and job ends bucketed
//! per minute and per provider, peaks, current rates and trend arrows, from
//! the rows `store::pulse` reads. Nothing here reads a clock: the minutes
//! are counted on the database's clock (`hour`: which minutes, and how the
//! hour held between reads is brought up to date).

use std::collections::BTreeMap;

pub mod hour;

pub use hour::{Minute, minute_of};

/// Minutes in the window: the last hour.
pub const MINUTES: usize = 60;

/// The provider_type of the broker's own steps.
pub const BROKER: &str = "ACCESS_BROKER";

/// The series the rows of more providers than this fold into `other`: a
/// hostile table with thousands of provider names stays a screenful.
pub const MAX_PROVIDERS: usize = 6;

/// What a log row of the window is, as the statement classes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A provider call (TTLock, Doordeck…).
    Call,
    /// A job's end: `*_JOB_DONE` or `*_JOB_FAILED`.
    JobEnd,
    /// Any other step of the broker's own, or an intent row: not counted.
    Other,
}

impl Kind {
    pub fn parse(s: &str) -> Kind {
        match s {
            "call" => Kind::Call,
            "job" => Kind::JobEnd,
            _ => Kind::Other,
        }
    }
}

/// One grouped row of `pulse::per_minute`: how many rows of one provider
/// and kind, failed or not, fell in the minute `minute` (absolute, on the
/// database's clock: `hour::minute_of`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MinuteRow {
    pub minute: Minute,
    pub provider: Option<String>,
    pub kind: Kind,
    pub failed: bool,
    pub count: i64,
}

/// One line of the Pulse: counts per minute, oldest first (60 values).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Series {
    /// `TTLOCK`, `DOORDECK`…, or `jobs` for the broker's job ends.
    pub name: String,
    pub failed: Vec<u64>,
    pub ok: Vec<u64>,
}

impl Series {
    fn new(name: &str) -> Series {
        Series {
            name: name.to_string(),
            failed: vec![0; MINUTES],
            ok: vec![0; MINUTES],
        }
    }
}

/// The hour, per minute: one series per provider (most failures first),
/// then the jobs' ends, and every provider's failed calls summed (the Jobs
/// header's line).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct Rates {
    pub providers: Vec<Series>,
    /// Jobs ended per minute: failed (`*_JOB_FAILED`) and done.
    pub jobs: Option<Series>,
    /// Failed provider calls per minute, all providers.
    pub failed_calls: Vec<u64>,
}

/// The name the job ends' series goes by.
pub const JOBS: &str = "jobs";

/// Buckets the rows per minute over the hour ending in the minute `now`
/// (pure). Rows outside the hour (a clock edge) are dropped, a negative
/// count counts nothing; counts saturate.
pub fn bucket(rows: &[MinuteRow], now: Minute) -> Rates {
    let mut by: BTreeMap<String, Series> = BTreeMap::new();
    let mut jobs = Series::new(JOBS);
    let mut any_job = false;
    let mut failed_calls = vec![0u64; MINUTES];
    for r in rows {
        let Some(slot) = now.checked_sub(r.minute).and_then(slot) else {
            continue;
        };
        let n = u64::try_from(r.count).unwrap_or(0);
        let s = match r.kind {
            Kind::Other => continue,
            Kind::JobEnd => {
                any_job = true;
                &mut jobs
            }
            Kind::Call => {
                let name = r.provider.as_deref().unwrap_or("(none)");
                by.entry(name.to_string())
                    .or_insert_with(|| Series::new(name))
            }
        };
        let v = if r.failed { &mut s.failed } else { &mut s.ok };
        v[slot] = v[slot].saturating_add(n);
        if r.failed && r.kind == Kind::Call {
            failed_calls[slot] = failed_calls[slot].saturating_add(n);
        }
    }
    let mut providers: Vec<Series> = by.into_values().collect();
    providers.sort_by(|a, b| {
        total(&b.failed)
            .cmp(&total(&a.failed))
            .then(total(&b.ok).cmp(&total(&a.ok)))
            .then(a.name.cmp(&b.name))
    });
    if providers.len() > MAX_PROVIDERS {
        let mut other = Series::new("other");
        for s in providers.drain(MAX_PROVIDERS - 1..) {
            add(&mut other.failed, &s.failed);
            add(&mut other.ok, &s.ok);
        }
        providers.push(other);
    }
    Rates {
        providers,
        jobs: any_job.then_some(jobs),
        failed_calls,
    }
}

/// The index of a minute in a series (oldest first).
fn slot(minutes_ago: i64) -> Option<usize> {
    let ago = usize::try_from(minutes_ago).ok()?;
    (ago < MINUTES).then(|| MINUTES - 1 - ago)
}

fn add(into: &mut [u64], from: &[u64]) {
    for (a, b) in into.iter_mut().zip(from) {
        *a = a.saturating_add(*b);
    }
}

pub fn total(v: &[u64]) -> u64 {
    v.iter().fold(0u64, |a, b| a.saturating_add(*b))
}

pub fn peak(v: &[u64]) -> u64 {
    v.iter().copied().max().unwrap_or(0)
}

/// The current rate: the last full minute's count (the current minute is
/// still filling, so it would always read low).
pub fn current(v: &[u64]) -> u64 {
    v.len()
        .checked_sub(2)
        .and_then(|i| v.get(i))
        .copied()
        .unwrap_or(0)
}

/// A series as sparkline heights in eighths of a cell (1..=8), scaled to
/// its own peak; `None` for a minute with nothing. A minute with anything
/// is at least one eighth high, so a lone failure beside a peak of 300
/// still shows.
pub fn levels(v: &[u64]) -> Vec<Option<u64>> {
    let top = u128::from(peak(v).max(1));
    v.iter()
        .map(|&n| {
            (n > 0).then(|| {
                let eighths = (u128::from(n) * 8).div_ceil(top);
                u64::try_from(eighths.clamp(1, 8)).unwrap_or(8)
            })
        })
        .collect()
}

/// Rising, falling or flat: the last 10 minutes against the 10 before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Trend {
    Rising,
    Falling,
    Flat,
}

impl Trend {
    /// The arrow that carries it without colour.
    pub fn arrow(self) -> &'static str {
        match self {
            Trend::Rising => "↑",
            Trend::Falling => "↓",
            Trend::Flat => "→",
        }
    }

    /// Compares two totals: more than a quarter up or down is a trend.
    pub fn of(before: u64, after: u64) -> Trend {
        let (b, a) = (u128::from(before), u128::from(after));
        if a * 4 > b * 5 {
            Trend::Rising
        } else if a * 5 < b * 4 {
            Trend::Falling
        } else {
            Trend::Flat
        }
    }

    /// A per-minute series' trend: its last 10 minutes against the 10 before.
    pub fn of_minutes(v: &[u64]) -> Trend {
        let n = v.len();
        let last = total(&v[n.saturating_sub(10)..]);
        let before = total(&v[n.saturating_sub(20)..n.saturating_sub(10)]);
        Trend::of(before, last)
    }

    /// A group's trend from its per-hour counts: the last hour against the
    /// one before.
    pub fn of_hours(per_hour: &[u32]) -> Trend {
        let n = per_hour.len();
        let at = |i: Option<usize>| i.and_then(|i| per_hour.get(i)).copied().unwrap_or(0);
        Trend::of(
            u64::from(at(n.checked_sub(2))),
            u64::from(at(n.checked_sub(1))),
        )
    }
}

/// The queue's waiting over the hour: of the jobs queued now, how many were
/// already waiting at each minute (oldest first). `queued_now` is the exact
/// count; `created` the per-minute counts of the queued jobs created within
/// the hour, by minutes ago. Jobs queued then and run since are not known
/// from the rows: this is a lower bound, said so where it is drawn.
pub fn waiting_over_hour(queued_now: u64, created: &[(i64, i64)]) -> Vec<u64> {
    let mut per = vec![0u64; MINUTES];
    for (ago, n) in created {
        if let Some(s) = slot(*ago) {
            per[s] = per[s].saturating_add(u64::try_from(*n).unwrap_or(0));
        }
    }
    // At the end of minute i, the jobs created after it had not arrived.
    let mut out = vec![0u64; MINUTES];
    let mut later = 0u64;
    for i in (0..MINUTES).rev() {
        out[i] = queued_now.saturating_sub(later);
        later = later.saturating_add(per[i]);
    }
    out
}

/// Share of a set of locks offline now, from what the probes kept say:
/// (offline, known, all). `None` states are unknown.
pub fn offline_share(states: &[Option<bool>]) -> (usize, usize, usize) {
    let known = states.iter().filter(|s| s.is_some()).count();
    let offline = states.iter().filter(|s| **s == Some(true)).count();
    (offline, known, states.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The minute the rows of these tests count back from.
    const NOW: Minute = 29_412_930;

    fn row(ago: i64, provider: &str, kind: Kind, failed: bool, count: i64) -> MinuteRow {
        MinuteRow {
            minute: NOW - ago,
            provider: Some(provider.into()),
            kind,
            failed,
            count,
        }
    }

    #[test]
    fn minutes_are_bucketed_oldest_first_per_provider() {
        let r = bucket(
            &[
                row(0, "TTLOCK", Kind::Call, true, 4),
                row(59, "TTLOCK", Kind::Call, true, 1),
                row(1, "TTLOCK", Kind::Call, false, 2),
                row(1, "DOORDECK", Kind::Call, true, 1),
                row(3, BROKER, Kind::JobEnd, true, 5),
                row(3, BROKER, Kind::JobEnd, false, 1),
                row(3, BROKER, Kind::Other, true, 9),
            ],
            NOW,
        );
        assert_eq!(r.providers.len(), 2);
        let t = &r.providers[0];
        assert_eq!(t.name, "TTLOCK", "the most failures first");
        assert_eq!(t.failed[59], 4, "the current minute last");
        assert_eq!(t.failed[0], 1, "the hour's first minute first");
        assert_eq!(t.ok[58], 2);
        assert_eq!(r.providers[1].failed[58], 1);
        let jobs = r.jobs.as_ref().expect("job ends");
        assert_eq!((jobs.failed[56], jobs.ok[56]), (5, 1));
        assert_eq!(r.failed_calls[59], 4);
        assert_eq!(r.failed_calls[58], 1);
        assert_eq!(
            total(&r.failed_calls),
            6,
            "job ends and other steps are not calls"
        );
    }

    #[test]
    fn rows_outside_the_hour_and_hostile_counts_are_dropped_or_saturate() {
        let r = bucket(
            &[
                row(60, "TTLOCK", Kind::Call, true, 7),
                row(-1, "TTLOCK", Kind::Call, true, 7),
                row(5, "TTLOCK", Kind::Call, true, -3),
                row(2, "TTLOCK", Kind::Call, true, i64::MAX),
                row(2, "TTLOCK", Kind::Call, true, i64::MAX),
                row(2, "TTLOCK", Kind::Call, true, i64::MAX),
            ],
            NOW,
        );
        let t = &r.providers[0];
        assert_eq!(total(&t.failed[..57]), 0);
        assert_eq!(t.failed[57], u64::MAX);
        assert!(r.jobs.is_none());
        assert_eq!(
            bucket(&[], NOW),
            Rates {
                providers: vec![],
                jobs: None,
                failed_calls: vec![0; MINUTES]
            }
        );
    }

    #[test]
    fn many_providers_fold_into_other() {
        let rows: Vec<MinuteRow> = (0..10)
            .map(|i| row(1, &format!("P{i}"), Kind::Call, true, i + 1))
            .collect();
        let r = bucket(&rows, NOW);
        assert_eq!(r.providers.len(), MAX_PROVIDERS);
        let other = r.providers.last().unwrap();
        assert_eq!(other.name, "other");
        // P0..P4 (1+2+3+4+5) fold; P9..P5 are kept, biggest first.
        assert_eq!(other.failed[58], 15);
        assert_eq!(r.providers[0].name, "P9");
    }

    #[test]
    fn peak_current_and_trend() {
        let mut v = vec![0u64; MINUTES];
        v[35] = 9;
        v[58] = 3;
        v[59] = 1;
        assert_eq!(peak(&v), 9);
        assert_eq!(current(&v), 3, "the last full minute");
        assert_eq!(Trend::of_minutes(&v), Trend::Rising);
        assert_eq!(Trend::of(10, 10), Trend::Flat);
        assert_eq!(Trend::of(10, 5), Trend::Falling);
        assert_eq!(Trend::of(0, 0), Trend::Flat);
        assert_eq!(Trend::of_hours(&[0, 4, 2]), Trend::Falling);
        assert_eq!(Trend::of_hours(&[3]), Trend::Rising);
        assert_eq!(Trend::of_hours(&[]), Trend::Flat);
        assert_eq!(current(&[]), 0);
        assert_eq!(Trend::Rising.arrow(), "↑");
    }

    #[test]
    fn levels_scale_to_the_peak_and_keep_a_lone_minute_visible() {
        assert_eq!(
            levels(&[0, 1, 150, 300, u64::MAX]),
            vec![None, Some(1), Some(1), Some(1), Some(8)]
        );
        assert_eq!(levels(&[0, 1, 4, 8]), vec![None, Some(1), Some(4), Some(8)]);
        assert_eq!(levels(&[0, 0]), vec![None, None]);
    }

    #[test]
    fn waiting_counts_back_the_queued_jobs_created_in_the_hour() {
        // 10 queued now: 3 created this minute, 2 created 30 minutes ago.
        let w = waiting_over_hour(10, &[(0, 3), (30, 2), (99, 5)]);
        assert_eq!(w[59], 10, "now: all of them");
        assert_eq!(w[58], 7, "a minute ago: not the 3 of this minute");
        assert_eq!(w[29], 7);
        assert_eq!(w[28], 5, "before the 2 of 30 minutes ago");
        assert_eq!(w[0], 5);
        // A count that raced the rows never goes below zero.
        assert_eq!(waiting_over_hour(1, &[(0, 5)])[0], 0);
    }

    #[test]
    fn offline_share_counts_known_states_only() {
        assert_eq!(
            offline_share(&[Some(true), Some(false), None, Some(true)]),
            (2, 3, 4)
        );
        assert_eq!(offline_share(&[]), (0, 0, 0));
    }
}
