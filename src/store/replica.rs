//! A hot standby for reads. A grown broker gives its support tools a
//! streaming standby: every read that only shows goes there, writes and the
//! reads a write depends on stay on the primary, and after a write the
//! console waits (bounded) for the standby to replay it, so an operator never
//! sees their own change missing.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::statements;

/// The standby's pool and its label (`host/db`, never a password).
#[derive(Clone, Debug)]
pub struct Standby {
    pub pool: PgPool,
    pub label: String,
}

/// How long the console waits for a standby to replay its own write.
pub const REPLAY_WAIT: Duration = Duration::from_secs(5);

/// What waiting for the standby found.
#[derive(Debug, Clone, PartialEq)]
pub enum Replay {
    /// The standby has the write.
    Seen,
    /// Not within the wait: the standby is paused or far behind.
    Behind(Duration),
    /// The standby could not be asked (its error, in words).
    Unknown(String),
}

/// The primary's WAL position now (after a write has committed).
pub async fn primary_position(primary: &PgPool) -> Result<String, sqlx::Error> {
    sqlx::query_scalar(statements::session::CURRENT_LSN.tagged())
        .fetch_one(primary)
        .await
}

/// Waits until the standby has replayed `position`, at most `within`.
pub async fn wait_for(standby: &PgPool, position: &str, within: Duration) -> Replay {
    let started = tokio::time::Instant::now();
    loop {
        let reached: Result<bool, _> =
            sqlx::query_scalar(statements::session::REPLAYED_TO.tagged())
                .bind(position)
                .fetch_one(standby)
                .await;
        match reached {
            Ok(true) => return Replay::Seen,
            Ok(false) if started.elapsed() >= within => return Replay::Behind(within),
            Ok(false) => tokio::time::sleep(Duration::from_millis(50)).await,
            Err(e) => return Replay::Unknown(e.to_string()),
        }
    }
}

/// What the whole wait after a write may add to `REPLAY_WAIT` (reading the
/// primary's position, a connection to either server).
pub const AFTER_WRITE_SLACK: Duration = Duration::from_secs(2);

/// After a write on the primary: waits for the standby to have it. `None`
/// when it does; else what to tell the operator. The whole wait is bounded,
/// not only the polls: a half-open connection to either server never holds
/// the action's answer (and with it `q`) back.
pub async fn after_write(primary: &PgPool, standby: &Standby) -> Option<String> {
    let bound = REPLAY_WAIT + AFTER_WRITE_SLACK;
    match tokio::time::timeout(bound, after_write_unbounded(primary, standby)).await {
        Ok(r) => r,
        Err(_) => Some(format!(
            "the change is on the primary; the standby {} did not answer within {} s whether it has it: \
             panes may not show it yet; refresh once the header shows no lag",
            standby.label,
            bound.as_secs()
        )),
    }
}

async fn after_write_unbounded(primary: &PgPool, standby: &Standby) -> Option<String> {
    let position = match primary_position(primary).await {
        Ok(p) => p,
        Err(e) => return Some(format!("could not read the primary's WAL position: {e}")),
    };
    match wait_for(&standby.pool, &position, REPLAY_WAIT).await {
        Replay::Seen => None,
        Replay::Behind(d) => Some(format!(
            "the change is on the primary, but the standby {} has not replayed it within {} s \
             (paused or lagging): panes may not show it yet; refresh once the header shows no lag",
            standby.label,
            d.as_secs()
        )),
        Replay::Unknown(e) => Some(format!(
            "the change is on the primary; the standby {} could not be asked whether it has it: {e}",
            standby.label
        )),
    }
}

/// A standby that cannot be reached: with the fallback allowed, the notice
/// that reads go to the primary (`Ok`); else the error saying what to do.
pub fn unreachable(
    label: &str,
    error: &dyn std::fmt::Display,
    fallback: bool,
) -> Result<String, String> {
    let why = format!("{error:#}");
    let why = why.lines().next().unwrap_or_default();
    if fallback {
        Ok(format!(
            "reading from the primary (read fallback): the standby {label} cannot be reached — {why}"
        ))
    } else {
        Err(format!(
            "the standby {label} (--read-url) cannot be reached: {why}. Check it, or add --read-fallback to read from the primary meanwhile"
        ))
    }
}

/// Whether the standby is receiving WAL from the primary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Feed {
    /// Streaming from the primary, or nothing says otherwise: a server that
    /// is not a standby, or a role that may not see the receiver's details
    /// (they need `pg_read_all_stats`) while one runs.
    #[default]
    Receiving,
    /// Its WAL receiver is not streaming (primary gone, network cut): the
    /// lag reads 0 while every read is only as of the last replay.
    /// `since`: the receiver's last message from the primary
    /// (`last_msg_receipt_time`) while it is still connected (status
    /// `waiting`, …); with no receiver row, or one that has not connected
    /// (it is retrying), the last replayed transaction's commit time
    /// (`pg_last_xact_replay_timestamp()`). `None` when neither is known.
    Stopped { since: Option<DateTime<Utc>> },
}

/// The standby's lag and its WAL receiver, as `session::standby_lag` reads
/// them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Receiver {
    /// `pg_is_in_recovery()`: none of the rest means anything otherwise.
    pub standby: bool,
    /// Lag in seconds (see `STANDBY_LAG`).
    pub lag_secs: Option<f64>,
    /// `pg_stat_wal_receiver` has a row: a receiver process is running.
    pub running: bool,
    /// Its status (`streaming`, `waiting`, …); NULL to a role without
    /// `pg_read_all_stats`.
    pub status: Option<String>,
    /// It has connected to the primary (`sender_host` is set only then).
    pub connected: bool,
    pub last_msg: Option<DateTime<Utc>>,
    /// `pg_last_xact_replay_timestamp()`.
    pub replayed_at: Option<DateTime<Utc>>,
}

impl Receiver {
    /// Whether the standby is receiving, and since when not: the one
    /// decision behind the header's "not receiving" and the counts' `~`.
    pub fn feed(&self) -> Feed {
        if !self.standby {
            return Feed::Receiving;
        }
        if !self.running {
            return Feed::Stopped {
                since: self.replayed_at,
            };
        }
        match self.status.as_deref() {
            // A receiver runs, its details are hidden from this role: not
            // claimed either way (the lag still shows).
            None => Feed::Receiving,
            Some("streaming") if self.connected => Feed::Receiving,
            Some(_) if self.connected => Feed::Stopped {
                since: self.last_msg.or(self.replayed_at),
            },
            // Started, still trying to reach the primary: its times are
            // its own start, not a message from the primary.
            Some(_) => Feed::Stopped {
                since: self.replayed_at,
            },
        }
    }

    /// How far behind, in whole milliseconds (`None` off a standby).
    pub fn lag_ms(&self) -> Option<u64> {
        self.lag_secs.and_then(millis)
    }
}

/// The standby's lag and its WAL receiver, read together in one statement
/// (by the counts poll: nothing on a timer of its own).
pub async fn receiver(conn: &mut sqlx::PgConnection) -> Result<Receiver, sqlx::Error> {
    type Row = (
        bool,
        Option<f64>,
        bool,
        Option<String>,
        bool,
        Option<DateTime<Utc>>,
        Option<DateTime<Utc>>,
    );
    let (standby, lag_secs, running, status, connected, last_msg, replayed_at): Row =
        sqlx::query_as(statements::session::STANDBY_LAG.marked())
            .fetch_one(conn)
            .await?;
    Ok(Receiver {
        standby,
        lag_secs,
        running,
        status,
        connected,
        last_msg,
        replayed_at,
    })
}

/// Seconds from the server as whole milliseconds: a clock step makes the
/// age negative (0 here); NaN or a value past u64 is no answer.
fn millis(secs: f64) -> Option<u64> {
    let ms = (secs * 1000.0).round();
    if ms.is_nan() || ms >= u64::MAX as f64 {
        return None;
    }
    Some(if ms <= 0.0 { 0 } else { ms as u64 })
}

#[cfg(test)]
mod tests {
    use super::{Feed, Receiver, millis};
    use chrono::{TimeZone, Utc};

    #[test]
    fn lag_seconds_become_milliseconds_without_panicking() {
        assert_eq!(millis(1.2345), Some(1235));
        assert_eq!(millis(-3.0), Some(0));
        assert_eq!(millis(f64::NAN), None);
        assert_eq!(millis(f64::INFINITY), None);
        assert_eq!(millis(1e30), None);
    }

    #[test]
    fn a_receiver_that_is_not_streaming_is_a_stopped_feed() {
        let t = |s: i64| Some(Utc.timestamp_opt(1_770_000_000 + s, 0).unwrap());
        let streaming = Receiver {
            standby: true,
            lag_secs: Some(0.0),
            running: true,
            status: Some("streaming".into()),
            connected: true,
            last_msg: t(50),
            replayed_at: t(10),
        };
        assert_eq!(streaming.feed(), Feed::Receiving);
        // No receiver at all (primary gone): as of the last replay.
        let gone = Receiver {
            running: false,
            status: None,
            connected: false,
            last_msg: None,
            ..streaming.clone()
        };
        assert_eq!(gone.feed(), Feed::Stopped { since: t(10) });
        // Never replayed a transaction since it started: no time, no panic.
        let never = Receiver {
            replayed_at: None,
            ..gone.clone()
        };
        assert_eq!(never.feed(), Feed::Stopped { since: None });
        // Connected, no longer streaming: its last message from the primary.
        let waiting = Receiver {
            status: Some("waiting".into()),
            ..streaming.clone()
        };
        assert_eq!(waiting.feed(), Feed::Stopped { since: t(50) });
        let silent = Receiver {
            last_msg: None,
            ..waiting
        };
        assert_eq!(silent.feed(), Feed::Stopped { since: t(10) });
        // Restarted, still trying to connect: its times are its own.
        let retrying = Receiver {
            connected: false,
            ..streaming.clone()
        };
        assert_eq!(retrying.feed(), Feed::Stopped { since: t(10) });
        // Details hidden from this role: not claimed.
        let hidden = Receiver {
            status: None,
            connected: false,
            last_msg: None,
            ..streaming.clone()
        };
        assert_eq!(hidden.feed(), Feed::Receiving);
        // A primary (not a standby): none of this shows.
        assert_eq!(Receiver::default().feed(), Feed::Receiving);
        assert_eq!(Receiver::default().lag_ms(), None);
        assert_eq!(streaming.lag_ms(), Some(0));
    }
}
