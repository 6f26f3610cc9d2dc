//! The job counts of the queue's header: exact where an incident looks
//! (through the status index), estimated from the planner's statistics for
//! the bulk (done, cancelled), never a scan of the whole queue; and the
//! server's clock with them.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::replica::Feed;
use super::statements;

/// The statuses counted exactly (through the status index); the others
/// come from the planner's statistics.
pub const EXACT_STATUSES: [&str; 4] = ["queued", "running", "failed", "dead"];

/// Jobs per status, how many running jobs are stuck, and the server's clock.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobCounts {
    /// queued, running, failed, dead: exact.
    pub exact: Vec<(String, i64)>,
    /// Every other status the statistics know (done, cancelled), estimated.
    pub estimated: Vec<(String, i64)>,
    pub stuck: i64,
    /// `now()` on the server when counted.
    pub db_now: Option<DateTime<Utc>>,
    /// Reads come from a standby this far behind, in milliseconds.
    pub standby_lag_ms: Option<u64>,
    /// Whether that standby still receives from the primary: when it does
    /// not, no count is exact any more, only as of its last replay.
    pub standby_feed: Feed,
    /// Retry storms among the last hour's failures (`groups::storm_recent`),
    /// the biggest first: the header flags one without the groups view.
    pub storms: Vec<StormFlag>,
}

/// A retry storm as the header flags it (`groups::incident::Storm`, told
/// without the groups' types: the counts are read below them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StormFlag {
    pub fingerprint: String,
    /// The most failures of one cause within the storm's span.
    pub jobs: usize,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// One status's count, as the header draws it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    Exact(i64),
    Estimate(i64),
    /// Exact on a standby that has stopped receiving: as of its last
    /// replay, not now.
    AsOf(i64),
    /// The statistics do not know it (never analysed, or too rare to list).
    Unknown,
}

impl JobCounts {
    pub fn get(&self, status: &str) -> Count {
        let find = |v: &[(String, i64)]| v.iter().find(|(s, _)| s == status).map(|(_, n)| *n);
        let count = match (find(&self.exact), find(&self.estimated)) {
            (Some(n), _) => Count::Exact(n),
            (None, Some(n)) => Count::Estimate(n),
            (None, None) if EXACT_STATUSES.contains(&status) => Count::Exact(0),
            (None, None) => Count::Unknown,
        };
        match (count, self.standby_feed) {
            (Count::Exact(n), Feed::Stopped { .. }) => Count::AsOf(n),
            (c, _) => c,
        }
    }
}

/// The statuses the header shows besides the exact ones.
const ESTIMATED_STATUSES: [&str; 2] = ["done", "cancelled"];

pub async fn job_counts(
    conn: &mut PgConnection,
    pinned_now: Option<DateTime<Utc>>,
    stuck_after_secs: i64,
) -> Result<JobCounts, sqlx::Error> {
    let (db_now, queued, running, failed, dead, stuck): (DateTime<Utc>, i64, i64, i64, i64, i64) =
        sqlx::query_as(statements::jobs::COUNTS.marked())
            .bind(stuck_after_secs)
            .bind(pinned_now)
            .fetch_one(&mut *conn)
            .await?;
    let mut exact: Vec<(String, i64)> = EXACT_STATUSES
        .iter()
        .zip([queued, running, failed, dead])
        .map(|(s, n)| (s.to_string(), n))
        .collect();
    let estimated: Vec<(Option<String>, i64)> =
        sqlx::query_as(statements::jobs::STATUS_ESTIMATES.marked())
            .fetch_all(&mut *conn)
            .await?;
    let estimated: Vec<(String, i64)> = estimated
        .into_iter()
        .filter_map(|(s, n)| s.map(|s| (s, n)))
        .filter(|(s, _)| !EXACT_STATUSES.contains(&s.as_str()))
        .collect();
    // Analysed, but a status is not among the most common values: it is
    // rare, so its index range is short and counted exactly. Never analysed
    // (no statistics at all): unknown, never a scan.
    if !estimated.is_empty() {
        for s in ESTIMATED_STATUSES {
            if !estimated.iter().any(|(e, _)| e == s) {
                let (n,): (i64,) = sqlx::query_as(statements::jobs::COUNT_OF_STATUS.marked())
                    .bind(s)
                    .fetch_one(&mut *conn)
                    .await?;
                exact.push((s.to_string(), n));
            }
        }
    }
    Ok(JobCounts {
        standby_lag_ms: None,
        standby_feed: Feed::Receiving,
        exact,
        estimated,
        stuck,
        db_now: Some(db_now),
        storms: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::{Count, Feed, JobCounts};

    #[test]
    fn no_count_is_exact_on_a_standby_that_stopped_receiving() {
        let mut c = JobCounts {
            exact: vec![("queued".into(), 3), ("failed".into(), 7)],
            estimated: vec![("done".into(), 120_000)],
            ..JobCounts::default()
        };
        assert_eq!(c.get("queued"), Count::Exact(3));
        assert_eq!(c.get("dead"), Count::Exact(0));
        assert_eq!(c.get("done"), Count::Estimate(120_000));
        assert_eq!(c.get("cancelled"), Count::Unknown);
        c.standby_feed = Feed::Stopped { since: None };
        assert_eq!(c.get("queued"), Count::AsOf(3));
        assert_eq!(c.get("dead"), Count::AsOf(0));
        assert_eq!(c.get("done"), Count::Estimate(120_000));
        assert_eq!(c.get("cancelled"), Count::Unknown);
        // Receiving again: exact again.
        c.standby_feed = Feed::Receiving;
        assert_eq!(c.get("failed"), Count::Exact(7));
    }
}
