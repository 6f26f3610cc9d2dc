//! Reading the Pulse: the hour per minute (one statement, shared by the
//! queue's header and the Pulse pane), and, for the pane, the locks failing
//! now and the queue's waiting. Each read is one index-bound statement.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, Row};

use super::statements::pulse as st;
use crate::pulse::hour::{HourRead, minute_start};
use crate::pulse::{Kind, Minute, MinuteRow, Rates, minute_of};

/// A lock with failed provider calls in the last 10 minutes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LockFailing {
    pub lock_key: String,
    pub failures: i64,
    pub last: Option<DateTime<Utc>>,
    pub door_name: Option<String>,
    /// Its newest failure's message, redacted.
    pub error: Option<String>,
}

/// The queue's waiting: the oldest queued job, and the queued jobs created
/// in the last hour per minute ago.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct Queue {
    /// The oldest queued job's id and creation (`None` inside: an odd time).
    pub oldest: Option<(i64, Option<DateTime<Utc>>)>,
    pub created_last_hour: Vec<(i64, i64)>,
}

/// What one read of the Pulse brought. `detail` is read only for the pane;
/// the queue's header needs the hour alone.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PulseRead {
    /// The minutes read (the whole hour, or the newest few), on the
    /// database's clock.
    pub hour: HourRead,
    pub detail: Option<Detail>,
}

impl PulseRead {
    /// The minutes read, bucketed over the hour ending at the read's clock:
    /// the hour, for a whole read.
    pub fn rates(&self) -> Rates {
        crate::pulse::bucket(&self.hour.rows, minute_of(self.hour.now))
    }
}

#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct Detail {
    pub locks_failing: Vec<LockFailing>,
    pub queue: Queue,
    /// The top groups' locks and whether each is offline now, from the
    /// device probes kept (no probe is sent for a pane): `None` unknown.
    pub offline: Vec<(String, Option<bool>)>,
}

/// The hour per minute (`pulse::per_minute`), or its minutes from `since`
/// on (`pulse::per_minute_since`), grouped.
pub async fn minutes(
    conn: &mut PgConnection,
    pinned_now: Option<DateTime<Utc>>,
    since: Option<Minute>,
) -> Result<HourRead, sqlx::Error> {
    let rows = match since {
        None => {
            sqlx::query(st::PER_MINUTE.marked())
                .bind(pinned_now)
                .fetch_all(&mut *conn)
                .await?
        }
        Some(m) => {
            // A minute chrono cannot hold: the hour itself (the statement
            // reads no earlier than the hour).
            sqlx::query(st::PER_MINUTE_SINCE.marked())
                .bind(pinned_now)
                .bind(minute_start(m))
                .fetch_all(&mut *conn)
                .await?
        }
    };
    let mut now = None;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        now = r.try_get(0)?;
        // The clock's own row when the hour has no log: no minute.
        let Some(minute) = r.try_get::<Option<i64>, _>(1)? else {
            continue;
        };
        let kind: Option<String> = r.try_get(3)?;
        out.push(MinuteRow {
            minute,
            provider: crate::secrets::free_opt(r.try_get(2)?),
            kind: Kind::parse(kind.as_deref().unwrap_or("")),
            failed: r.try_get::<Option<bool>, _>(4)?.unwrap_or(true),
            count: r.try_get::<Option<i64>, _>(5)?.unwrap_or(0),
        });
    }
    Ok(HourRead {
        now: pinned_now.or(now).ok_or(sqlx::Error::RowNotFound)?,
        pinned: pinned_now,
        since,
        rows: out,
    })
}

/// The whole Pulse (`detail`), or the hour alone, read whole.
pub async fn read(
    conn: &mut PgConnection,
    pinned_now: Option<DateTime<Utc>>,
    detail: bool,
) -> Result<PulseRead, sqlx::Error> {
    read_since(conn, pinned_now, detail, None).await
}

/// The whole Pulse (`detail`) or the hour alone, its minutes from `since`
/// on (`None`: the whole hour).
pub async fn read_since(
    conn: &mut PgConnection,
    pinned_now: Option<DateTime<Utc>>,
    detail: bool,
    since: Option<Minute>,
) -> Result<PulseRead, sqlx::Error> {
    let hour = minutes(&mut *conn, pinned_now, since).await?;
    if !detail {
        return Ok(PulseRead { hour, detail: None });
    }
    let mut locks_failing = Vec::new();
    for r in sqlx::query(st::LOCKS_FAILING.marked())
        .bind(pinned_now)
        .fetch_all(&mut *conn)
        .await?
    {
        locks_failing.push(LockFailing {
            lock_key: r.try_get::<Option<String>, _>(0)?.unwrap_or_default(),
            failures: r.try_get(1)?,
            last: r.try_get(2)?,
            door_name: crate::secrets::free_opt(r.try_get(3)?),
            error: crate::secrets::free_opt(r.try_get(4)?),
        });
    }
    let oldest: Option<(i64, Option<DateTime<Utc>>)> = sqlx::query_as(st::OLDEST_QUEUED.marked())
        .fetch_optional(&mut *conn)
        .await?;
    let created_last_hour: Vec<(i64, i64)> = sqlx::query_as(st::QUEUED_LAST_HOUR.marked())
        .bind(pinned_now)
        .fetch_all(&mut *conn)
        .await?;
    Ok(PulseRead {
        hour,
        detail: Some(Detail {
            locks_failing,
            queue: Queue {
                oldest,
                created_last_hour,
            },
            offline: Vec::new(),
        }),
    })
}
