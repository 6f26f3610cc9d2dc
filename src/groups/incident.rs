//! The troubled jobs of a window gathered by fingerprint: one line per
//! cause with its count, spread in time, locks, sites and statuses, and the
//! retry storms among them. Pure: built from rows and the database's clock.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde_json::{Value, json};

use super::fingerprint::{FailedStep, Fingerprint};
use crate::store::groups::TroubledJob;

/// A job of a group, as listed: enough to retry it with its guard.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub id: i64,
    /// `failed`, `dead`, `stuck`, `interrupted`, or the stored status.
    pub status: String,
    pub stored_status: String,
    pub updated_at: Option<DateTime<Utc>>,
    pub failed_at: Option<DateTime<Utc>>,
}

/// One cause: every troubled job of the window with the same fingerprint.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub fingerprint: Fingerprint,
    pub count: usize,
    pub first_seen: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
    /// Failures per hour over the window, oldest hour first.
    pub per_hour: Vec<u32>,
    pub locks: Vec<String>,
    pub sites: Vec<i64>,
    pub statuses: BTreeMap<String, usize>,
    pub meaning: Option<&'static str>,
    /// The newest job of the group.
    pub sample_job_id: i64,
    /// Newest first.
    pub members: Vec<Member>,
    /// How many of its locks are refused now (offline, battery low) among
    /// those probed in the last minute (the probe cache: a group retry
    /// probes them all), and how many were probed; `None` before any.
    pub offline_now: Option<(usize, usize)>,
}

/// How a troubled job is counted among a group's statuses.
pub fn shown_status(j: &TroubledJob) -> String {
    if j.interrupted {
        "interrupted".into()
    } else if j.stuck {
        "stuck".into()
    } else {
        j.status.as_str().to_string()
    }
}

/// At most this many hours of per-hour counts (a 31-day window).
const MAX_HOURS: i64 = 24 * 31;

/// Groups the troubled jobs (newest first, as read) by fingerprint: the
/// biggest group first, then the most recent.
pub fn build(jobs: &[TroubledJob], now: DateTime<Utc>, window: Duration) -> Vec<Group> {
    let hours = window
        .num_seconds()
        .checked_add(3599)
        .map_or(MAX_HOURS, |s| s / 3600)
        .clamp(1, MAX_HOURS);
    let start = now
        .checked_sub_signed(Duration::hours(hours))
        .unwrap_or(DateTime::<Utc>::MIN_UTC);
    let mut index: HashMap<Fingerprint, usize> = HashMap::new();
    // The group of each distinct fingerprint input: an incident repeats a
    // few (step, lock) pairs thousands of times, and normalising a message
    // is the costly part of a row.
    let mut seen: HashMap<Input<'_>, usize> = HashMap::new();
    let mut groups: Vec<Group> = Vec::new();
    let mut locks: Vec<BTreeSet<&str>> = Vec::new();
    let mut sites: Vec<BTreeSet<i64>> = Vec::new();
    for j in jobs {
        let input = match &j.step {
            Some(s) => Input::Step(s),
            None => Input::Job(&j.job_type, j.last_error.as_deref()),
        };
        let g = if let Some(&g) = seen.get(&input) {
            g
        } else {
            let fp = j.fingerprint();
            let g = *index.entry(fp.clone()).or_insert_with(|| {
                groups.push(Group {
                    meaning: fp.meaning(),
                    fingerprint: fp,
                    count: 0,
                    first_seen: None,
                    last_seen: None,
                    per_hour: vec![0; usize::try_from(hours).unwrap_or(1)],
                    locks: Vec::new(),
                    sites: Vec::new(),
                    statuses: BTreeMap::new(),
                    sample_job_id: j.id,
                    members: Vec::new(),
                    offline_now: None,
                });
                locks.push(BTreeSet::new());
                sites.push(BTreeSet::new());
                groups.len() - 1
            });
            seen.insert(input, g);
            g
        };
        let group = &mut groups[g];
        group.count += 1;
        let at = j.failed_at();
        if let Some(at) = at {
            group.first_seen = Some(group.first_seen.map_or(at, |f| f.min(at)));
            group.last_seen = Some(group.last_seen.map_or(at, |l| l.max(at)));
            let hour = (at - start).num_seconds().checked_div(3600).unwrap_or(-1);
            if let Some(slot) = usize::try_from(hour)
                .ok()
                .and_then(|h| group.per_hour.get_mut(h))
            {
                *slot = slot.saturating_add(1);
            } else if at >= now {
                // A clock a little ahead: the current hour.
                if let Some(last) = group.per_hour.last_mut() {
                    *last = last.saturating_add(1);
                }
            }
        }
        if let Some(lock) = j.step.as_ref().and_then(|s| s.lock_key.as_deref()) {
            if !lock.ends_with(":unknown") {
                locks[g].insert(lock);
            }
        }
        if let Some(site) = j.site_id {
            sites[g].insert(site);
        }
        let status = shown_status(j);
        *group.statuses.entry(status.clone()).or_default() += 1;
        group.members.push(Member {
            id: j.id,
            status,
            stored_status: j.status.as_str().to_string(),
            updated_at: j.updated_at,
            failed_at: at,
        });
    }
    for ((g, l), s) in groups.iter_mut().zip(locks).zip(sites) {
        g.locks = l.into_iter().map(str::to_string).collect();
        g.sites = s.into_iter().collect();
    }
    groups.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(b.last_seen.cmp(&a.last_seen))
            .then(a.fingerprint.cmp(&b.fingerprint))
    });
    groups
}

/// What a job's fingerprint is made of: its last failed step, else its
/// type and `last_error` (`TroubledJob::fingerprint`).
#[derive(PartialEq, Eq, Hash)]
enum Input<'a> {
    Step(&'a FailedStep),
    Job(&'a str, Option<&'a str>),
}

/// A retry storm: more than `STORM_JOBS` jobs of one fingerprint failing
/// within `STORM_MINUTES`.
#[derive(Debug, Clone, PartialEq)]
pub struct Storm {
    pub fingerprint: Fingerprint,
    /// The most failures within one such span.
    pub jobs: usize,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

pub const STORM_JOBS: usize = 20;
pub const STORM_MINUTES: i64 = 10;

/// The storms among recent failures (the Jobs header's read, not the
/// groups view's): grouped over the lookback, then the storms among them.
pub fn storms_of_recent(
    jobs: &[TroubledJob],
    now: DateTime<Utc>,
    lookback: Duration,
) -> Vec<Storm> {
    storms(&build(jobs, now, lookback))
}

/// The storms among the groups, the biggest first.
pub fn storms(groups: &[Group]) -> Vec<Storm> {
    let span = Duration::minutes(STORM_MINUTES);
    let mut out = Vec::new();
    for g in groups {
        let mut times: Vec<DateTime<Utc>> = g.members.iter().filter_map(|m| m.failed_at).collect();
        times.sort_unstable();
        let mut best: Option<(usize, DateTime<Utc>, DateTime<Utc>)> = None;
        let mut lo = 0;
        for hi in 0..times.len() {
            while times[hi] - times[lo] > span {
                lo += 1;
            }
            let n = hi - lo + 1;
            if best.is_none_or(|(b, _, _)| n > b) {
                best = Some((n, times[lo], times[hi]));
            }
        }
        if let Some((jobs, from, to)) = best.filter(|b| b.0 > STORM_JOBS) {
            out.push(Storm {
                fingerprint: g.fingerprint.clone(),
                jobs,
                from,
                to,
            });
        }
    }
    out.sort_by_key(|s| std::cmp::Reverse(s.jobs));
    out
}

fn time(t: Option<DateTime<Utc>>) -> Value {
    t.map_or(Value::Null, |t| {
        json!(t.to_rfc3339_opts(SecondsFormat::Millis, true))
    })
}

impl Group {
    /// The group as `lockdesk groups --json` prints it (and `y` copies it).
    /// Every text in it passed the redaction as its row was read.
    pub fn to_json(&self) -> Value {
        json!({
            "fingerprint": self.fingerprint.to_string(),
            "count": self.count,
            "first_seen": time(self.first_seen),
            "last_seen": time(self.last_seen),
            "per_hour": self.per_hour,
            "locks": self.locks,
            "sites": self.sites,
            "statuses": self.statuses,
            "meaning": self.meaning,
            "sample_job_id": self.sample_job_id,
            "job_ids": self.members.iter().map(|m| m.id).collect::<Vec<_>>(),
        })
    }

    /// The members a group retry takes: failed and dead jobs only (a stuck
    /// or interrupted run may still be sending), each with its guard.
    pub fn retry_guards(&self) -> Vec<crate::engine::jobs::RetryGuard> {
        self.members
            .iter()
            .filter(|m| matches!(m.status.as_str(), "failed" | "dead"))
            .map(|m| crate::engine::jobs::RetryGuard {
                job: m.id,
                status: m.stored_status.clone(),
                updated_at: m.updated_at.unwrap_or(DateTime::<Utc>::MIN_UTC),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::traces::JobStatus;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-20T15:30:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn job(id: i64, code: i64, lock: &str, site: i64, mins_ago: i64) -> TroubledJob {
        TroubledJob {
            id,
            job_type: "reconcile_user".into(),
            status: JobStatus::Failed,
            stuck: false,
            interrupted: false,
            updated_at: Some(now() - Duration::minutes(mins_ago)),
            updated_text: None,
            attempts: Some(1),
            last_error: None,
            next_run_at: None,
            step: Some(FailedStep {
                provider: Some("TTLOCK".into()),
                action: Some("PASSCODE_ADD".into()),
                error: Some(format!("TTLock errcode {code}: gateway")),
                lock_key: Some(lock.into()),
                ..FailedStep::default()
            }),
            site_id: Some(site),
            step_at: Some(now() - Duration::minutes(mins_ago)),
        }
    }

    #[test]
    fn groups_count_spread_locks_sites_and_hours() {
        let mut jobs = vec![
            job(3, -3002, "TTLOCK:1", 1, 5),
            job(2, -3002, "TTLOCK:2", 2, 70),
            job(1, -3003, "TTLOCK:1", 1, 80),
        ];
        jobs[0].stuck = true;
        jobs[0].status = JobStatus::Running;
        let g = build(&jobs, now(), Duration::hours(24));
        assert_eq!(g.len(), 2);
        assert_eq!(g[0].count, 2);
        assert_eq!(g[0].meaning, Some("gateway offline"));
        assert_eq!(g[0].locks, ["TTLOCK:1", "TTLOCK:2"]);
        assert_eq!(g[0].sites, [1, 2]);
        assert_eq!(g[0].sample_job_id, 3);
        assert_eq!(g[0].per_hour.len(), 24);
        assert_eq!(g[0].per_hour[23], 1);
        assert_eq!(g[0].per_hour[22], 1);
        assert_eq!(g[0].statuses.get("stuck"), Some(&1));
        assert_eq!(g[0].first_seen, Some(now() - Duration::minutes(70)));
        // Only failed and dead jobs are retried.
        assert_eq!(g[0].retry_guards().len(), 1);
        let j = g[0].to_json();
        assert_eq!(j["job_ids"], json!([3, 2]));
        assert_eq!(
            j["fingerprint"],
            "TTLOCK PASSCODE_ADD errcode -3002: gateway"
        );
        // Hostile times stay in bounds.
        let mut odd = job(9, -3002, "TTLOCK:1", 1, 0);
        odd.step_at = Some(DateTime::<Utc>::MIN_UTC);
        odd.updated_at = None;
        let g = build(&[odd], now(), Duration::seconds(i64::MAX / 1000));
        assert_eq!(g[0].per_hour.iter().sum::<u32>(), 0);
    }

    #[test]
    fn a_retry_storm_is_more_than_20_failures_of_one_fingerprint_within_10_minutes() {
        let burst = |n: i64, code: i64| -> Vec<TroubledJob> {
            (0..n)
                .map(|i| job(100 + i, code, "TTLOCK:1", 1, i % 10))
                .collect()
        };
        let g = build(&burst(21, -3002), now(), Duration::hours(24));
        let s = storms(&g);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].jobs, 21);
        assert_eq!(s[0].to - s[0].from, Duration::minutes(9));
        assert!(storms(&build(&burst(20, -3002), now(), Duration::hours(24))).is_empty());
        // 30 failures spread over an hour are no storm.
        let spread: Vec<TroubledJob> = (0..30)
            .map(|i| job(i, -3002, "TTLOCK:1", 1, i * 2))
            .collect();
        assert!(storms(&build(&spread, now(), Duration::hours(24))).is_empty());
    }
}
